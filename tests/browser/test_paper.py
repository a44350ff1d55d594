"""Nobody left out, in a real Chromium: the facilitator adds two people without phones,
dots for them from a phone, types in a paper poster's dots, and every screen's tally and
the exports agree. Screenshots go to the test's `shots` folder."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

from playwright.sync_api import Page, expect
from pypdf import PdfReader

from wsapp.rooms.codes import format_code

from .helpers import join, open_room, wait_live
from .test_posters import LABELS, READINESS, counts, show_poster, team_dots


def add_without_phone(lead: Page, name: str) -> None:
    lead.get_by_label("Add a person without a phone").fill(name)
    lead.get_by_role("button", name="Add person").click()
    people = lead.get_by_role("region", name=re.compile("^People"))
    expect(people.get_by_role("listitem").filter(has_text=name)).to_contain_text("no phone")


def dot_for(page: Page, name: str, ref: str, label: str) -> None:
    button = page.get_by_role("group", name=f"{name}\N{RIGHT SINGLE QUOTATION MARK}s dot on {ref}")
    button = button.get_by_role("button", name=label, exact=True)
    button.click()
    expect(button).to_have_attribute("aria-pressed", "true")


def test_dots_for_people_without_phones_and_a_paper_poster_agree_everywhere(
    shots: Path, live_server: str, person
) -> None:
    lead = person("laptop")
    code = open_room(lead, live_server, READINESS, "Birch USD")
    lead.get_by_role("button", name=re.compile("^Go to phase 4:")).click()
    expect(lead.get_by_role("heading", level=1, name="Dot the posters")).to_be_visible()
    ana = person("phone")
    join(ana, live_server, code, "Ana")
    ana.get_by_role("group", name="Your dot on A1").get_by_role(
        "button", name=LABELS[0], exact=True
    ).click()
    projector = lead.context.new_page()
    projector.set_viewport_size({"width": 1920, "height": 1080})
    projector.goto(f"{live_server}/r/{code}/projector")
    wait_live(projector)

    add_without_phone(lead, "Pat")
    add_without_phone(lead, "Lee")

    # The facilitator picks up a phone and dots for each of them.
    phone = lead.context.new_page()
    phone.set_viewport_size({"width": 390, "height": 844})
    for name, dots in (("Pat", {"A1": LABELS[2], "B2": LABELS[0]}), ("Lee", {"A1": LABELS[0]})):
        phone.goto(f"{live_server}/r/{code}/lead")
        phone.get_by_role("link", name=f"Act for {name}").click()
        expect(phone.get_by_role("heading", level=1)).to_contain_text(f"Acting for {name}")
        for ref, label in dots.items():
            dot_for(phone, name, ref, label)
        if name == "Pat":
            # Pat changes her mind on B2: the facilitator takes that dot back.
            phone.get_by_role(
                "button", name="Take back Pat\N{RIGHT SINGLE QUOTATION MARK}s dot on B2"
            ).click()
            expect(
                phone.get_by_role("button", name=LABELS[0], exact=True).nth(3)
            ).to_have_attribute("aria-pressed", "false")
            shots.mkdir(parents=True, exist_ok=True)
            phone.evaluate("window.scrollTo(0, 0)")
            phone.screenshot(path=shots / "paper-acting-for-pat-phone.png")

    # A table dotted poster A on paper: the facilitator types in A1's dots.
    lead.get_by_text("From the paper poster").first.click()
    lead.get_by_label(f"{LABELS[0]} on A1 from paper").fill("3")
    lead.get_by_label(f"{LABELS[2]} on A1 from paper").fill("2")
    lead.get_by_role("button", name="Save paper dots on A1").click()
    expect(lead.locator(".paper-mark").first).to_contain_text("5 from the paper poster")
    expect(lead.locator("#dot-progress")).to_have_text(
        "3 dots placed by 3 of 3 people, and 5 from paper posters"
    )
    lead.get_by_role("button", name="Save paper dots on A1").scroll_into_view_if_needed()
    lead.screenshot(path=shots / "paper-facilitator-laptop.png")
    lead.get_by_role("region", name=re.compile("^People")).screenshot(
        path=shots / "paper-people-laptop.png"
    )

    expected = {"A1": (5, 0, 3), "B2": (0, 0, 0)}
    lead.get_by_role("button", name="Reveal everyone\N{RIGHT SINGLE QUOTATION MARK}s dots").click()
    for screen in (lead, projector, ana):
        expect(team_dots(screen, "A1")).to_be_visible()
        for ref, tally in expected.items():
            if screen is ana:  # a phone shows one poster at a time
                show_poster(ana, ref[0])
            assert counts(screen, ref) == tally, (screen.url, ref)

    rows = list(
        csv.DictReader(
            io.StringIO(lead.request.get(f"{live_server}/r/{code}/export/posters.csv").text())
        )
    )
    by_item = {row["Item"]: row for row in rows}
    for ref, tally in expected.items():
        assert tuple(int(by_item[ref][c]) for c in ("Green", "Yellow", "Red")) == tally
    assert by_item["A1"]["Of which from the paper poster"] == "Green 3; Red 2"
    record = json.loads(lead.request.get(f"{live_server}/r/{code}/export/room.json").text())
    people = {p["name"]: p["without_device"] for p in record["participants"]}
    assert people == {"Ana": False, "Pat": True, "Lee": True}
    first = record["posters"][0]["items"][0]
    assert len(first["dots"]) == 3 and first["paper"] == {"green": 3, "yellow": 0, "red": 2}


def test_the_posters_print_one_to_a_page_with_the_join_code(
    shots: Path, live_server: str, person
) -> None:
    lead = person("laptop")
    code = open_room(lead, live_server, READINESS, "Birch USD")
    lead.get_by_role("link", name="Posters and planning chart to print").click()
    expect(lead.get_by_role("heading", level=1, name="Posters to print")).to_be_visible()
    titles = lead.locator(".wall-poster h2").all_inner_texts()
    assert titles and titles[0].startswith("A ")
    lead.screenshot(path=shots / "paper-print-view-laptop.png")
    lead.emulate_media(media="print")
    sizes = {"Letter": (612, 792), "A4": (595, 842)}
    for paper, (width, height) in sizes.items():
        if paper == "A4":
            lead.emulate_media(media="screen")
            lead.get_by_role("link", name="A4", exact=True).click()
            sizes_shown = lead.get_by_role("navigation", name="Posters to print")
            expect(sizes_shown.get_by_text("A4", exact=True)).to_have_attribute(
                "aria-current", "page"
            )
            lead.emulate_media(media="print")
        pdf = lead.pdf(prefer_css_page_size=True, print_background=True)
        (shots / f"paper-posters-{paper.lower()}.pdf").write_bytes(pdf)
        pages = PdfReader(io.BytesIO(pdf)).pages
        # One page per poster, then the planning chart.
        assert len(pages) == len(titles) + 1, paper
        for number, page in enumerate(pages):
            box = (round(float(page.mediabox.width)), round(float(page.mediabox.height)))
            assert box == (width, height)
            text = " ".join(page.extract_text().split())
            assert format_code(code) in text
            if number < len(titles):
                key = titles[number].split()[0]
                assert titles[number] in text and f"{key}1" in text
            else:
                assert "Action plan" in text


def test_prework_on_a_phone_then_the_meeting_opens(shots: Path, live_server: str, person) -> None:
    lead = person("laptop")
    code = open_room(lead, live_server, READINESS, "Birch USD")
    lead.get_by_label("Open as pre-work before the meeting, for days").fill("5")
    lead.get_by_role("button", name="Open pre-work").click()
    expect(lead.get_by_role("heading", level=1, name="Pre-work before the meeting")).to_be_visible()
    ana = person("phone")
    join(ana, live_server, code, "Ana")
    expect(ana.get_by_role("heading", level=1, name="Pre-work before the meeting")).to_be_visible()
    expect(lead.locator("#prework-progress")).to_have_text("0 of 1 person has done some pre-work.")
    ana.get_by_role("group", name="Your dot on A1").get_by_role(
        "button", name=LABELS[1], exact=True
    ).click()
    expect(lead.locator("#prework-progress")).to_have_text("1 of 1 person has done some pre-work.")
    ana.get_by_label("Your answer").fill("A plan every school owns.")
    expect(ana.locator("#quiet-saved")).to_have_text("Saved")
    ana.screenshot(path=shots / "paper-prework-phone.png")
    lead.screenshot(path=shots / "paper-prework-laptop.png")
    lead.once("dialog", lambda dialog: dialog.accept())
    lead.get_by_role("button", name="Open the meeting").click()
    expect(ana.get_by_role("heading", level=1, name="Pre-work before the meeting")).to_have_count(0)
    lead.get_by_role("button", name=re.compile("^Go to phase 4:")).click()
    assert counts(lead, "A1") == (0, 1, 0)


def test_a_table_captain_adds_and_dots_for_someone_at_their_table(
    shots: Path, live_server: str, person
):
    lead = person("laptop")
    code = open_room(lead, live_server, READINESS)
    lead.get_by_role("button", name=re.compile("^Go to phase 4:")).click()
    ana = person("phone")
    join(ana, live_server, code, "Ana")
    captain = lead.get_by_role("button", name="Ana is table captain")
    captain.click()
    expect(captain).to_have_attribute("aria-pressed", "true")
    table = ana.get_by_role("region", name="Your table: people without a phone")
    expect(table).to_be_visible()
    table.get_by_label("Add a person without a phone").fill("Sam")
    table.get_by_role("button", name="Add person").click()
    table.get_by_role("link", name="Act for Sam").click()
    dot_for(ana, "Sam", "A1", LABELS[2])
    ana.screenshot(path=shots / "paper-captain-phone.png")
    expect(lead.locator("#dot-progress")).to_contain_text("1 dot placed by 1 of 2 people")
    assert counts(lead, "A1") == (0, 0, 1)
