"""An event in real Chromium: a lead opens it, three facilitators open their rooms from its
facilitators' link, two phones in each room dot, and the lead's page and the event's
projector view follow every room live, showing a room's numbers only once it revealed
them. The event's pages pass axe and are looked at on a laptop, a phone and projectors."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Browser, Locator, Page, expect

from .axe import new_context, violations
from .conftest import SIZES
from .helpers import join, wait_live
from .test_posters import READINESS, dot_group

TEAMS = ("Adams Middle", "Lincoln Elementary", "Valley High")
GREEN, YELLOW = "Strength", "Some work needed"


def go_to_posters(page: Page) -> None:
    page.get_by_role("button", name=re.compile("^Go to phase 4:")).click()
    expect(page.get_by_role("heading", level=1, name="Dot the posters")).to_be_visible()


def heat_row(page: Page, team: str, poster: str = "A") -> Locator:
    """The team's row in the poster's heat map, on its slide or not (the projector's)."""
    return page.locator(f"tr[id^=heat-][id$=-{poster}]", has_text=team)


def progress_row(page: Page, team: str) -> Locator:
    return page.locator("tr[id^=event-room-]", has_text=team)


# How far the page scrolls, and how far the slide's box would: a projector never scrolls.
OVERFLOW = """() => {
  const box = document.querySelector(".projector-main");
  return [document.documentElement.scrollHeight - window.innerHeight,
          box.scrollHeight - box.clientHeight];
}"""


NEXT_FRAME = "() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))"


def slide_label(projector: Page) -> str:
    return (
        projector.get_by_role("navigation", name="Pages of this slide")
        .get_by_role("paragraph")
        .inner_text()
    )


def page_count(projector: Page) -> int:
    expect(projector.get_by_text(re.compile(r"^Page \d+ of \d+$"))).to_be_visible()
    return int(slide_label(projector).rsplit(" ", 1)[1])


def show_slide(projector: Page, shown: Locator) -> None:
    """Turn the projector's pages (which stops them turning on their own) to ``shown``."""
    next_page = projector.get_by_role("button", name="Next page")
    for _ in range(page_count(projector)):
        if shown.is_visible():
            return
        next_page.click()
    expect(shown).to_be_visible()


def open_event(lead: Page, live_server: str, name: str) -> str:
    """Open an event as its lead; the facilitators' link it gives."""
    lead.goto(f"{live_server}/events/new")
    lead.get_by_label("Event name").fill(name)
    lead.get_by_role("button", name="Open the event").click()
    expect(lead.get_by_role("heading", level=1, name=name)).to_be_visible()
    wait_live(lead)
    return lead.get_by_role(
        "textbox", name="Facilitators\N{RIGHT SINGLE QUOTATION MARK} link"
    ).input_value()


def open_projector(lead: Page, live_server: str, width: int = 1366, height: int = 768) -> Page:
    """The event's projector view, in the lead's browser (it needs the lead's cookie)."""
    projector = lead.context.new_page()
    projector.set_viewport_size({"width": width, "height": height})
    projector.goto(
        live_server + str(lead.get_by_role("link", name="Projector view").get_attribute("href"))
    )
    wait_live(projector)
    return projector


def test_three_rooms_of_two_phones_roll_up_live(
    browser: Browser,
    live_server: str,
    person: Callable[..., Page],
    shoot: Callable[..., Path],
) -> None:
    lead_context = new_context(browser, **SIZES["laptop"])
    lead = lead_context.new_page()
    rooms_link = open_event(lead, live_server, "Spring PL readiness day")
    assert (
        lead.get_by_role("textbox", name="Private organiser link")
        .input_value()
        .startswith(live_server)
    )

    projector = open_projector(lead, live_server, 1920, 1080)

    facilitators = []
    for team in TEAMS:
        facilitator = person("laptop")
        facilitator.goto(rooms_link)
        facilitator.get_by_label("Your team").first.fill(team)
        facilitator.get_by_label("Workshop").select_option(label=READINESS)
        facilitator.get_by_role("button", name="Open the room in the event").click()
        wait_live(facilitator)
        expect(facilitator.locator("#event-membership")).to_contain_text(team)
        go_to_posters(facilitator)
        facilitators.append(facilitator)
    # Each room came in live, on both of the lead's screens.
    for team in TEAMS:
        expect(lead.get_by_role("rowheader", name=team).first).to_be_visible()
        expect(progress_row(projector, team)).to_be_attached()

    phones = []
    for facilitator, team in zip(facilitators, TEAMS, strict=True):
        code = str(facilitator.locator("body").get_attribute("data-room-code"))
        for n in range(2):
            phone = person("phone")
            join(phone, live_server, code, f"{team[0]}{n}")
            phones.append(phone)

    # Everyone dots A1: green in the first two rooms, one of each in the third.
    for index, phone in enumerate(phones):
        label = YELLOW if index == 5 else GREEN
        dot_group(phone, "A1").get_by_role("button", name=label, exact=True).click()
        expect(
            dot_group(phone, "A1").get_by_role("button", name=label, exact=True)
        ).to_have_attribute("aria-pressed", "true")

    # Progress arrives, but no room's numbers until its facilitator reveals them.
    for team in TEAMS:
        expect(progress_row(projector, team)).to_contain_text("2 from 2")
        expect(heat_row(projector, team)).to_contain_text("Not revealed by its facilitator yet")
    for facilitator in facilitators:
        facilitator.get_by_role(
            "button", name="Reveal everyone\N{RIGHT SINGLE QUOTATION MARK}s dots"
        ).click()
        expect(facilitator.get_by_role("button", name="Hide the dots again")).to_be_visible()
    for screen in (lead, projector):
        expect(heat_row(screen, TEAMS[0]).locator("td").first).to_have_text(re.compile(r"^\+1\.0"))
        expect(heat_row(screen, TEAMS[2]).locator("td").first).to_have_text(re.compile(r"^\+0\.5"))
        expect(screen.locator("#event-summary")).to_contain_text("Pooled from 3 of 3 rooms")
    # A later dot reaches the event with just that room's rows, on the slide on screen,
    # which stays on screen.
    cell = heat_row(projector, TEAMS[2]).locator("td").first
    show_slide(projector, cell)
    on_screen = slide_label(projector)
    dot_group(phones[5], "A1").get_by_role("button", name=GREEN, exact=True).click()
    expect(cell).to_have_text(re.compile(r"^\+1\.0"))
    expect(cell).to_be_visible()
    assert slide_label(projector) == on_screen
    # No one's name reaches the event.
    assert "A0" not in lead.locator("#event-rollup").inner_text()

    # A room leaves: it is gone from the event's screens.
    facilitators[1].get_by_role("button", name="Leave the event").click()
    expect(progress_row(projector, TEAMS[1])).to_have_count(0)
    expect(lead.locator("#event-summary")).to_contain_text("Pooled from 2 of 2 rooms")

    assert violations(lead, "event page") == []
    shoot(lead, "event-laptop-1366")
    look_at_the_projector(projector, shoot, "event-projector-3")
    lead.set_viewport_size({"width": 390, "height": 844})
    assert violations(lead, "event page on a phone") == []  # its tables scroll sideways
    shoot(lead, "event-phone-390")
    phone_context = new_context(browser, **SIZES["phone"])
    facilitator_phone = phone_context.new_page()
    facilitator_phone.goto(rooms_link)
    assert violations(facilitator_phone, "facilitators' page") == []
    shoot(facilitator_phone, "event-rooms-phone-390")
    phone_context.close()
    lead_context.close()


def look_at_the_projector(projector: Page, shoot: Callable[..., Path], name: str) -> None:
    """At 1920x1080 and 1280x720: every slide fits without scrolling, says which page it
    is, passes axe; a screenshot of each page."""
    for screen, (width, height) in {"1080p": (1920, 1080), "720p": (1280, 720)}.items():
        projector.set_viewport_size({"width": width, "height": height})
        projector.evaluate(NEXT_FRAME)  # repaginated for the new size
        assert violations(projector, f"event projector at {screen}") == []
        for page in range(page_count(projector)):
            assert all(gap <= 0 for gap in projector.evaluate(OVERFLOW)), (
                f"{screen}, {slide_label(projector)}"
            )
            shoot(projector, f"{name}-{screen}-{page + 1}", full_page=False)
            projector.get_by_role("button", name="Next page").click()


def open_rooms(facilitator: Page, rooms_link: str, teams: list[str]) -> None:
    """One facilitator opens a room in the event for each team (a browser may open 20 an
    hour)."""
    for team in teams:
        facilitator.goto(rooms_link)
        facilitator.get_by_label("Your team").first.fill(team)
        facilitator.get_by_label("Workshop").select_option(label=READINESS)
        facilitator.get_by_role("button", name="Open the room in the event").click()
        expect(facilitator.locator("#event-membership")).to_contain_text(team)


def test_a_dozen_rooms_fit_and_two_dozen_page_by_rows(
    browser: Browser,
    live_server: str,
    person: Callable[..., Page],
    shoot: Callable[..., Path],
) -> None:
    lead_context = new_context(browser, **SIZES["laptop"])
    lead = lead_context.new_page()
    rooms_link = open_event(lead, live_server, "District network day")
    teams = [f"Team {n:02d} of the district network" for n in range(1, 25)]
    open_rooms(person("laptop"), rooms_link, teams[:12])
    projector = open_projector(lead, live_server)
    for team in teams[:12]:
        expect(progress_row(projector, team)).to_be_attached()
    look_at_the_projector(projector, shoot, "event-projector-12")

    # A second dozen comes in live: at 1280x720 the rooms' rows no longer fit one slide.
    open_rooms(person("laptop"), rooms_link, teams[12:])
    expect(progress_row(projector, teams[-1])).to_be_attached()
    projector.set_viewport_size({"width": 1280, "height": 720})
    projector.evaluate(NEXT_FRAME)
    show_slide(projector, progress_row(projector, teams[0]))
    expect(progress_row(projector, teams[-1])).to_be_hidden()
    show_slide(projector, progress_row(projector, teams[-1]))
    expect(projector.get_by_role("heading", level=2, name=re.compile("^Rooms"))).to_be_visible()
    look_at_the_projector(projector, shoot, "event-projector-24")
    lead_context.close()
