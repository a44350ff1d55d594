"""The facilitator's console in real Chromium: one bar that stays in view on a laptop and
a phone, the invite folded once people are in, and closing that asks first and can be undone."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from .helpers import join, open_room

READINESS = "Readiness protocol and action plan"


def in_view(page: Page, name: str) -> bool:
    box = page.get_by_role("button", name=name, exact=True).bounding_box()
    height = page.viewport_size["height"]
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= height


@pytest.mark.parametrize("size", ["laptop", "phone"])
def test_the_console_stays_in_view_in_every_phase(live_server, person, size):
    lead = person(size)
    code = open_room(lead, live_server, READINESS)
    # Before anyone joins, the invite is open; once someone has, it folds away.
    expect(lead.get_by_label("Join link")).to_be_visible()
    join(person("phone"), live_server, code, "Ana")
    lead.reload()
    expect(lead.get_by_label("Join link")).not_to_be_visible()
    lead.get_by_text("Invite the team").click()
    expect(lead.get_by_label("Join link")).to_be_visible()

    console = lead.get_by_role("region", name="Console")
    for step in range(5):
        lead.mouse.wheel(0, 20_000)  # the bottom of the phase, however long it is
        lead.wait_for_function("window.scrollY > 0 || document.body.scrollHeight <= innerHeight")
        for name in ("Next phase", "Back", "Start timer"):
            assert in_view(lead, name), (step, name)
        expect(console).to_contain_text("Open")
        console.get_by_role("button", name="Next phase").click()
        expect(console).to_contain_text(f"Phase {step + 2} of 6")


def test_closing_asks_first_and_a_closed_room_reopens(live_server, person):
    lead = person("laptop")
    code = open_room(lead, live_server, READINESS)
    ana = person("phone")
    join(ana, live_server, code, "Ana")
    controls = lead.get_by_role("region", name="The room")
    closing = controls.get_by_role("button", name="Yes, close the room")
    expect(closing).not_to_be_visible()  # one tap does not close the room
    controls.get_by_text("Close the room…").click()
    closing.click()
    expect(ana.get_by_text("This workshop is closed")).to_be_visible()
    expect(lead.get_by_role("region", name="Console")).to_contain_text("Closed")
    controls.get_by_role("button", name="Reopen the room").click()
    expect(ana.get_by_text("This workshop is closed")).to_have_count(0)
    expect(lead.get_by_role("button", name="Next phase")).to_be_enabled()


def test_ready_signals_are_live_on_every_screen(live_server, person):
    lead = person("laptop")
    code = open_room(lead, live_server, READINESS)
    ana, ben = person("phone"), person("phone")
    join(ana, live_server, code, "Ana")
    join(ben, live_server, code, "Ben")
    projector = lead.context.new_page()
    projector.goto(f"{live_server}/r/{code}/projector")
    lead.get_by_role("button", name="Next phase").click()  # the discussion prompt

    done = ana.get_by_role("button", name="I'm done")
    expect(done).to_have_attribute("aria-pressed", "false")
    done.click()
    expect(done).to_have_attribute("aria-pressed", "true")
    for screen in (lead, projector):
        expect(screen.locator("#ready-count")).to_have_text("✔ 1 of 2 done")
        expect(screen.locator("#ready-count")).not_to_contain_text("Ana")
    expect(ben.get_by_role("button", name="I'm done")).to_have_attribute("aria-pressed", "false")

    lead.get_by_role("button", name="Next phase").click()  # moving on clears them
    for screen in (lead, projector):
        expect(screen.locator("#ready-count")).to_have_text("✔ 0 of 2 done")
    expect(done).to_have_attribute("aria-pressed", "false")
