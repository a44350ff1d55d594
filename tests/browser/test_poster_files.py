"""Bring your own standard and data, in a real Chromium: the facilitator uploads a
four-level IC-map poster set and an SAI2-like survey through the page, three phones dot
it, and the projector (1920x1080 and 1280x720) and the exports show the four levels with
the survey beside the dots. Screenshots go to the test's `shots` folder; axe checks the
upload and preview screen."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Browser, Locator, Page, expect

from .axe import new_context, violations
from .conftest import SIZES
from .helpers import join, open_room, wait_live
from .test_posters import READINESS

DATA = Path(__file__).resolve().parents[1] / "data"
LEVELS = ("Level 1: ideal", "Level 2", "Level 3", "Level 4: entry")
# What each phone places: LC-1 agreed at level 1, LD-2 split between the ends, LC-3 high
# on the team's dots (the survey says it seldom happens).
CHOICES = {
    "Ana": {"LC-1": LEVELS[0], "LD-2": LEVELS[0], "LC-3": LEVELS[0]},
    "Ben": {"LC-1": LEVELS[0], "LD-2": LEVELS[3], "LC-3": LEVELS[1]},
    "Cleo": {"LC-1": LEVELS[0], "LD-2": LEVELS[3], "LC-3": LEVELS[0]},
}


def team_dots(page: Page, ref: str):
    return page.get_by_role("list", name=f"Team\N{RIGHT SINGLE QUOTATION MARK}s dots on {ref}")


def on_slide(page: Page, heading: str) -> Locator:
    """A summary list on the projector, turning the slide's pages until it shows."""
    region = page.get_by_role("region", name=re.compile(f"^{heading}"))
    pager = page.get_by_role("navigation", name="Pages of this slide")
    for _ in range(8):
        if region.is_visible() or not pager.is_visible():
            break
        pager.get_by_role("button", name="Next page").click()
    expect(region).to_be_visible()
    return region


def level_counts(page: Page, ref: str) -> list[int]:
    """The four levels' counts an item shows, turning the projector's pages to it."""
    pager = page.get_by_role("navigation", name="Pages of this slide")
    for _ in range(8):
        if team_dots(page, ref).count() or not pager.is_visible():
            break
        pager.get_by_role("button", name="Next page").click()
    rows = team_dots(page, ref).get_by_role("listitem")
    expect(rows).to_have_count(4)
    return [int(re.search(r"\d+", text).group()) for text in rows.all_inner_texts()]


def test_an_ic_map_and_a_survey_from_files_dotted_by_three_phones(
    browser: Browser,
    live_server: str,
    person: Callable[..., Page],
    shoot: Callable[..., Path],
) -> None:
    # The facilitator's laptop runs axe, so its context may take the script.
    context = new_context(browser, **SIZES["laptop"])
    lead = context.new_page()
    code = open_room(lead, live_server, READINESS, "Cedar USD")
    card = lead.get_by_role("region", name="Posters and scale")
    expect(card).to_contain_text("Readiness: three colours")

    # A file with a problem first: every problem by row and column, nothing changed.
    card.get_by_label("Poster file").set_input_files(DATA / "broken-posters.csv")
    card.get_by_role("button", name="Check the file").click()
    problems = card.get_by_role("table")
    expect(problems.get_by_role("row")).to_have_count(7)
    expect(problems.get_by_role("row").nth(1).get_by_role("cell")).to_have_text(
        ["3", "B (item)", "needs the item's code (like LD-1 or 1.2)."]
    )
    assert violations(lead, "upload problems") == []

    # The IC map: previewed with its descriptors, then put up and kept for later rooms.
    card.get_by_label("Poster file").set_input_files(DATA / "ic-map-posters.csv")
    card.get_by_label("Scale for these posters").select_option(
        label="Innovation Configuration map: four levels"
    )
    card.get_by_role("button", name="Check the file").click()
    preview = card.get_by_role("status").filter(has_text="The file is ready")
    expect(preview).to_contain_text("2 posters, 6 items")
    expect(card.get_by_role("list", name="Descriptors of LC-1")).to_contain_text(
        "Level 4: entry: Does not meet as a team."
    )
    shoot(lead, "upload-preview-laptop")
    assert violations(lead, "upload preview") == []
    card.get_by_label("Keep them for your later rooms as").fill("Learning Forward IC map")
    card.get_by_role("button", name="Put these posters up").click()
    card = lead.get_by_role("region", name="Posters and scale")
    expect(card).to_contain_text("Innovation Configuration map: four levels")
    expect(card.get_by_role("button", name="Use Learning Forward IC map")).to_be_visible()

    # The survey: an SAI2-like export, lowest response first.
    card.get_by_label("Survey name").fill("SAI2 spring 2026")
    card.get_by_label("Survey file").set_input_files(DATA / "sai2-survey.csv")
    card.get_by_role("button", name="Add the survey results").click()
    expect(card).to_contain_text("Showing SAI2 spring 2026 beside the dots")
    assert violations(lead, "upload card with a survey") == []

    lead.get_by_role("button", name=re.compile("^Go to phase 4:")).click()
    expect(lead.get_by_role("heading", level=1, name="Dot the posters")).to_be_visible()
    projector = context.new_page()  # the facilitator's own browser opens the projector view
    projector.set_viewport_size(SIZES["projector"]["viewport"])
    projector.goto(f"{live_server}/r/{code}/projector")
    wait_live(projector)

    phones = {name: person("phone") for name in CHOICES}
    for name, phone in phones.items():
        join(phone, live_server, code, name)
        phone.get_by_role("button", name="All posters").click()
    for name, phone in phones.items():
        for ref, label in CHOICES[name].items():
            group = phone.get_by_role("group", name=f"Your dot on {ref}")
            button = group.get_by_role("button", name=label, exact=True)
            button.click()
            expect(button).to_have_attribute("aria-pressed", "true")
    phone = phones["Ana"]
    descriptors = phone.locator("details.descriptors").first
    descriptors.get_by_text("What each level looks like").click()
    expect(descriptors).to_contain_text("Does not meet as a team.")
    shoot(phone, "ic-map-phone-390")

    expect(lead.locator("#dot-progress")).to_have_text("9 dots placed by 3 of 3 people")
    lead.get_by_role("button", name="Reveal everyone\N{RIGHT SINGLE QUOTATION MARK}s dots").click()
    for screen in (lead, projector, phone):
        assert level_counts(screen, "LC-1") == [3, 0, 0, 0]
    assert level_counts(projector, "LD-2") == [1, 0, 0, 2]
    level_counts(projector, "LC-3")
    beside = projector.locator(".survey-beside").filter(has_text="LC-3")
    expect(beside).to_contain_text("the team rates LC-3 higher than the survey")
    shoot(projector, "ic-map-projector-1080", full_page=False)
    projector.set_viewport_size({"width": 1280, "height": 720})
    shoot(projector, "ic-map-projector-720", full_page=False)
    projector.set_viewport_size({"width": 1920, "height": 1080})

    # The review: the summary ranks by the four levels and flags where the survey differs.
    lead.get_by_role("button", name=re.compile("^Go to phase 5:")).click()
    differs = on_slide(projector, "Team and survey differ most")
    expect(differs).to_contain_text("LC-3")
    expect(differs).to_contain_text("the team rates LC-3 higher than the survey")
    expect(on_slide(projector, "Most disagreement")).to_contain_text("LD-2")
    shoot(projector, "ic-map-review-projector-1080", full_page=False)
    projector.set_viewport_size({"width": 1280, "height": 720})
    shoot(projector, "ic-map-review-projector-720", full_page=False)

    # The exports: the levels as columns, the survey beside, the scale kept in the JSON.
    rows = list(
        csv.DictReader(
            io.StringIO(
                lead.request.get(f"{live_server}/r/{code}/export/posters.csv")
                .text()
                .lstrip("\ufeff")
            )
        )
    )
    first = next(row for row in rows if row["Item"] == "LC-1")
    assert [first[level] for level in ("Level 1", "Level 2", "Level 3", "Level 4")] == [
        "3", "0", "0", "0",
    ]  # fmt: skip
    lc3 = next(row for row in rows if row["Item"] == "LC-3")
    assert lc3["Survey"].startswith("Always 5%, Frequently 10%")
    assert "Team and survey differ most" in lc3["In the summary"]
    record = json.loads(lead.request.get(f"{live_server}/r/{code}/export/room.json").text())
    assert record["room"]["settings"]["scale_id"] == "ic-map"
    assert record["room"]["settings"]["survey_title"] == "SAI2 spring 2026"
    assert {item["code"] for item in record["survey"]} >= {"LC-1", "LC-3", "XX-99"}
    chart = lead.request.get(f"{live_server}/r/{code}/export/posters.svg").text()
    assert "Level 1 = Level 1: ideal" in chart and "survey: Always 5%" in chart
    lead.goto(f"{live_server}/r/{code}/record")
    expect(lead.get_by_role("table", name=re.compile("^A. Learning Communities"))).to_contain_text(
        "Always 5%"
    )
    context.close()
