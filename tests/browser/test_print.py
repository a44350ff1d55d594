"""The record in a real Chromium: printed to PDF (text read back with pypdf), and the
facilitator's rooms list, with screenshots at phone and laptop sizes."""

from __future__ import annotations

import io
import json
import re

from playwright.sync_api import Page, expect
from pypdf import PdfReader

from .helpers import join, open_room, wait_live

ZOE = 'Zoë, "the" lead'
NOTE = "Ñandú, “quoted”\nsecond line"
FORMULA = '=HYPERLINK("http://example.com","x")'


def act(page: Page, base_url: str, path: str, **form: str) -> None:
    """Post an action as the page's own htmx would, with its CSRF token and cookies."""
    token = json.loads(page.locator("body").get_attribute("hx-headers") or "{}")["X-CSRFToken"]
    response = page.request.post(
        base_url + path, form=form, headers={"X-CSRFToken": token, "HX-Request": "true"}
    )
    assert response.ok, response.text()


def pdf_text(page: Page) -> tuple[str, int]:
    page.emulate_media(media="print")
    reader = PdfReader(io.BytesIO(page.pdf(format="A4", print_background=False)))
    return "\n".join(p.extract_text() for p in reader.pages), len(reader.pages)


def test_the_record_prints_to_a_clean_pdf(live_server: str, person, shoot) -> None:
    lead = person("laptop")
    code = open_room(lead, live_server, "Readiness protocol and action plan", "Cedar USD")
    zoe = person("phone")
    join(zoe, live_server, code, ZOE)
    key = "readiness-planning:where-are-we-now"
    act(zoe, live_server, f"/r/{code}/act/note.add", question_key=key, text=NOTE)
    act(lead, live_server, f"/r/{code}/lead/act/note.add", question_key=key, text=FORMULA)

    # Sharing the record shows the downloads on the participant's phone, live.
    expect(zoe.get_by_role("link", name="Print view of the whole record")).to_have_count(0)
    lead.get_by_role("button", name="Let participants download the record").click()
    expect(lead.get_by_role("button", name="Stop sharing the record")).to_be_visible()
    record_link = zoe.get_by_role("link", name="Print view of the whole record")
    expect(record_link).to_be_visible()
    record_link.click()
    expect(zoe.get_by_role("heading", name="Cedar USD", level=1)).to_be_visible()
    shoot(zoe, "record-phone")

    lead.goto(f"{live_server}/r/{code}/record")
    expect(lead.get_by_role("heading", name="Poster dots")).to_be_visible()
    shoot(lead, "record-laptop")
    text, pages = pdf_text(lead)
    flat = " ".join(text.split())
    for expected in (
        "Cedar USD",
        "Action plan",
        "Poster dots",
        "Discussion notes",
        "Start with discussion",
        "Ñandú, “quoted”",
        "second line",
        ZOE,
        FORMULA,
        "Green (G)",
        "Throughout your planning, consider the following",
        "22 Components of a Comprehensive Professional Learning System",
        "Strengths and gaps",
    ):
        assert expected in flat, expected
    # No buttons or download links in the printout, and each part starts a new page.
    for left_out in ("Print or download", "Stop sharing", "Back to the room", "Skip to content"):
        assert left_out not in flat
    assert pages >= 3
    lead.emulate_media(media="screen")
    lead.set_viewport_size({"width": 390, "height": 844})
    shoot(lead, "record-facilitator-phone", full_page=False)


def test_my_rooms_lists_duplicates_and_deletes_with_a_confirmation(
    live_server: str, person, shoot
) -> None:
    lead = person("laptop")
    code = open_room(lead, live_server, "Equity discussion", "Oak team")
    lead.get_by_role("link", name="My rooms").click()
    card = lead.get_by_role("listitem").filter(has=lead.get_by_role("heading", name="Oak team"))
    expect(card).to_contain_text("Equity discussion")
    card.get_by_role("button", name="Duplicate").click()
    wait_live(lead)
    assert re.search(r"/r/[A-Z0-9]+/lead$", lead.url) and code not in lead.url
    lead.goto(f"{live_server}/facilitator/rooms")
    expect(lead.get_by_role("heading", name="Oak team (copy)")).to_be_visible()
    shoot(lead, "rooms-laptop")
    lead.set_viewport_size({"width": 390, "height": 844})
    shoot(lead, "rooms-phone")

    copy = lead.get_by_role("listitem").filter(
        has=lead.get_by_role("heading", name="Oak team (copy)")
    )
    copy.get_by_role("link", name="Delete…").click()
    expect(lead.get_by_role("heading", name="Delete “Oak team (copy)”?")).to_be_visible()
    lead.get_by_role("button", name="Delete the room for good").click()
    expect(lead.get_by_role("heading", name="My rooms")).to_be_visible()
    expect(lead.get_by_role("heading", name="Oak team (copy)")).to_have_count(0)
    expect(lead.get_by_role("heading", name="Oak team", exact=True)).to_be_visible()
