"""The timer follows the agenda in real Chromium: time's up reaches every screen, said in
a live region that stays in the page, and a quiet write set to end with the time ends."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from .helpers import join, open_room, wait_live

READINESS = "Readiness protocol and action plan"


def take_the_time_away(lead: Page) -> None:
    """The countdown ends now (the server clamps it at its own clock)."""
    lead.evaluate("window.wsappSocket.emit('act', {name: 'timer.add', args: {seconds: -3600}})")


def test_times_up_is_shown_and_announced_everywhere_and_ends_the_writing(live_server, person):
    lead = person("laptop")
    code = open_room(lead, live_server, READINESS)
    ana = person("phone")
    join(ana, live_server, code, "Ana")
    projector = lead.context.new_page()
    projector.set_viewport_size({"width": 1920, "height": 1080})
    projector.goto(f"{live_server}/r/{code}/projector")
    wait_live(projector)

    lead.get_by_role("button", name=re.compile("Go to phase 3:")).click()
    expect(ana.get_by_role("heading", level=1, name="Quiet write")).to_be_visible()
    # The phase offers its own minutes from the kit, one tap away.
    expect(lead.get_by_label("Minutes")).to_have_value("10")
    lead.get_by_role("button", name="Start writing, ending when the 10 minutes run out").click()
    answer = ana.get_by_label("Your answer")
    expect(answer).to_be_editable()
    answer.fill("Coaches in every school")
    expect(lead.get_by_text("1 of 1")).to_be_visible()

    take_the_time_away(lead)
    for page in (lead, ana, projector):
        alert = page.locator("#timer-alert")
        expect(alert).to_have_text("Time's up: Quiet write.")
        expect(alert).to_have_attribute("aria-live", "assertive")
        expect(page.get_by_role("timer")).to_contain_text("Time's up")
    # A phone's clock told the server, which ended the writing for everyone.
    expect(answer).not_to_be_editable()
    expect(projector.get_by_text("Writing has stopped")).to_be_visible()

    # Two more minutes: the clock runs again and the alert is cleared.
    lead.get_by_role("button", name="+2 minutes").click()
    expect(ana.get_by_role("timer")).to_contain_text(re.compile(r"[12]:\d\d"))
    expect(ana.locator("#timer-alert")).to_have_text("")

    # Moving on stops the timer on every screen and offers the next phase's minutes.
    lead.get_by_role("button", name="Next phase").click()
    expect(ana.get_by_role("timer")).to_have_count(0)
    expect(projector.get_by_role("timer")).to_have_count(0)
    expect(lead.get_by_label("Minutes")).to_have_value("15")
