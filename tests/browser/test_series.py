"""A workshop, then its 30-day check-in: three phones move the plan's actions on and dot
the same posters again, and every screen (the projector too) shows how the dots moved."""

from __future__ import annotations

import re

from playwright.sync_api import Locator, Page, expect

from .axe import new_context, violations
from .helpers import join, open_room, wait_live
from .test_plan import CELL, READINESS, go_to_phase, projector_of
from .test_posters import dot_group, team_dots

PHASES = {"posters": (4, "Dot the posters"), "plan": (6, "One-year plan")}


def dot(phones: list[Page], ref: str, labels: tuple[str, ...]) -> None:
    for phone, label in zip(phones, labels, strict=True):
        button = dot_group(phone, ref).get_by_role("button", name=label, exact=True)
        button.click()
        expect(button).to_have_attribute("aria-pressed", "true")


def make_action(phone: Page, text: str, owner: str) -> None:
    phone.get_by_role("button", name=f"Make an action from {CELL}").click()
    dialog = phone.get_by_role("dialog", name=f"Make an action ({CELL})")
    dialog.get_by_label("What will be done").fill(text)
    dialog.get_by_label("Owner").fill(owner)
    dialog.get_by_role("button", name="Make the action").click()
    expect(dialog).to_be_hidden()


def movement(page: Page, ref: str) -> Locator:
    return page.get_by_role("group", name=f"Movement on {ref}")


def test_a_workshop_then_its_30_day_checkin_shows_what_moved_on_every_screen(
    live_server, person, browser, shoot
):
    lead = person("laptop")
    code = open_room(lead, live_server, READINESS, room_name="Cedar USD series")
    phones = [person("phone") for _ in range(3)]
    names = ("Ana", "Ben", "Cleo")
    for phone, name in zip(phones, names, strict=True):
        join(phone, live_server, code, name)

    # Session 1: the posters, two actions on the plan.
    go_to_phase(lead, 4, "Dot the posters", *phones)
    for phone in phones:
        phone.get_by_role("button", name="All posters").click()
    dot(phones, "A1", ("Significant work needed", "Significant work needed", "Some work needed"))
    go_to_phase(lead, 6, "One-year plan", *phones)
    make_action(phones[0], "Survey staff on coaching", "Ben")
    make_action(phones[1], "Book the PD days", "Ana")
    expect(lead.get_by_role("region", name="Actions", exact=True).get_by_role("row")).to_have_count(
        3
    )

    # The facilitator plans the 30-day check-in and lands on it.
    lead.get_by_role("button", name="Plan a check-in").click()
    expect(lead.locator(".room-session")).to_have_text("30-day check-in")
    wait_live(lead)
    checkin = str(lead.locator("body").get_attribute("data-room-code"))
    assert checkin != code
    series = lead.get_by_role("region", name="Check-ins")
    expect(series.get_by_role("link", name="Session 1 (workshop)")).to_be_visible()
    series.scroll_into_view_if_needed()
    shoot(lead, "checkin-card-1366", full_page=False)

    # The phones are not in it until they join it.
    phones[0].goto(f"{live_server}/r/{checkin}")
    expect(phones[0].get_by_role("button", name="Join the room")).to_be_visible()
    for phone, name in zip(phones, names, strict=True):
        join(phone, live_server, checkin, name)
    projector = projector_of(lead, live_server, checkin)

    # Review each action: three phones move them on; every screen follows.
    go_to_phase(lead, 2, "Review each action", *phones, projector)
    first = "Status of “Survey staff on coaching”"
    second = "Status of “Book the PD days”"
    phones[0].get_by_role("combobox", name=first).select_option(label="In progress")
    expect(phones[2].get_by_role("combobox", name=first)).to_have_value("in_progress")
    phones[1].get_by_role("combobox", name=second).select_option(label="Done")
    expect(phones[2].get_by_role("combobox", name=second)).to_have_value("done")
    phones[2].get_by_role("combobox", name=first).select_option(label="Blocked")
    for page in (*phones, lead):
        expect(page.get_by_role("combobox", name=first)).to_have_value("blocked")
        expect(page.get_by_role("combobox", name=second)).to_have_value("done")
    actions = projector.get_by_role("region", name="Actions", exact=True)
    expect(actions.get_by_role("row").filter(has_text="Survey staff")).to_contain_text("Blocked")
    expect(actions.get_by_role("row").filter(has_text="Book the PD")).to_contain_text("Done")
    shoot(projector, "checkin-actions-projector-1920", full_page=False)
    projector.set_viewport_size({"width": 1280, "height": 720})
    expect(actions).to_be_visible()
    shoot(projector, "checkin-actions-projector-1280", full_page=False)
    projector.set_viewport_size({"width": 1920, "height": 1080})
    phones[2].evaluate("document.getElementById('plan-actions').scrollIntoView()")
    shoot(phones[2], "checkin-actions-phone-390", full_page=False)

    # The same posters, dotted again: every screen shows how A1 moved.
    go_to_phase(lead, 3, "Dot the posters again", *phones, projector)
    lead.get_by_role("button", name="Reveal everyone\N{RIGHT SINGLE QUOTATION MARK}s dots").click()
    for phone in phones:
        phone.get_by_role("button", name="All posters").click()
        expect(team_dots(phone, "A1")).to_be_visible()
    dot(phones, "A1", ("Strength", "Strength", "Some work needed"))
    for screen in (lead, projector, *phones):
        moved = movement(screen, "A1")
        expect(moved).to_contain_text("Significant work needed 2 → 0")
        expect(moved).to_contain_text("Strength 0 → 2")
        expect(moved).to_contain_text("(towards strength)")
    expect(movement(projector, "A2")).to_have_count(0)  # no dots then or now: nothing to say
    shoot(projector, "checkin-movement-projector-1920", full_page=False)
    projector.set_viewport_size({"width": 1280, "height": 720})
    expect(movement(projector, "A1")).to_be_visible()
    shoot(projector, "checkin-movement-projector-1280", full_page=False)
    projector.set_viewport_size({"width": 1920, "height": 1080})
    movement(phones[0], "A1").scroll_into_view_if_needed()
    shoot(phones[0], "checkin-movement-phone-390", full_page=False)

    # What moved: the review's summary says what moved most, on the projector too.
    go_to_phase(lead, 4, "What moved", *phones, projector)
    for screen in (lead, projector, phones[1]):
        most = screen.get_by_role("region", name=re.compile("^Moved most since last session"))
        expect(most).to_contain_text("A1")
        expect(most).to_contain_text("Strength 0 → 2")
    shoot(projector, "checkin-what-moved-projector-1920", full_page=False)

    # The series' record holds both sessions; the calendar downloads from the facilitator's page.
    lead.get_by_role("link", name="The series\N{RIGHT SINGLE QUOTATION MARK} record").click()
    expect(
        lead.get_by_role("heading", level=2, name=re.compile("^30-day check-in"))
    ).to_be_visible()
    expect(lead.get_by_role("heading", level=2, name=re.compile("^Session 1"))).to_be_visible()
    shoot(lead, "series-record-1366")
    with lead.expect_download() as download:
        lead.get_by_role("link", name="Check-in dates for your calendar (.ics)").click()
    assert download.value.suggested_filename.endswith("check-ins.ics")

    # No serious accessibility problem on the new screens.
    context = new_context(browser, viewport={"width": 1366, "height": 768})
    context.add_cookies(lead.context.cookies())
    audit = context.new_page()
    found = []
    for path in (f"/r/{checkin}/lead", f"/r/{checkin}/series", f"/r/{checkin}/projector"):
        audit.goto(live_server + path)
        found += violations(audit, path)
    context.close()
    assert found == []
