"""What a screen reader is told as the room moves: one polite live region that stays in the
page (#announcer) says each phase move, lock and close, the writing opened and shared, the
reveal, the dots left once the taps settle, and time's up; the keyboard focus goes to the
new phase's heading, or stays on the control that was pressed."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from .helpers import join, open_room, wait_live

READINESS = "Readiness protocol and action plan"
# Collects every sentence the live region is given, in the page's ``heard`` binding.
HEAR = """() => new MutationObserver(() => {
    const text = document.getElementById('announcer').textContent;
    if (text) window.heard(text);
}).observe(document.getElementById('announcer'), {childList: true, subtree: true})"""


def told(page: Page) -> object:
    return expect(page.locator("#announcer"))


def test_room_changes_are_announced_and_focus_follows_the_phase(live_server, person):
    lead = person("laptop")
    code = open_room(lead, live_server, READINESS)
    ana = person("phone")
    join(ana, live_server, code, "Ana")
    announcer = ana.locator("#announcer")
    expect(announcer).to_have_attribute("aria-live", "polite")
    expect(announcer).to_have_text("")

    # A phase move: said, and Ana's focus is on the new phase's heading.
    next_button = lead.get_by_role("button", name="Next phase")
    next_button.focus()
    next_button.press("Enter")
    told(ana).to_have_text("Now phase 2 of 6: Where are we now?")
    expect(ana.get_by_role("heading", level=1, name="Where are we now?")).to_be_focused()
    # The facilitator's focus stayed on the button they pressed (a stable id), not <body>.
    expect(lead.get_by_role("heading", level=1, name="Where are we now?")).to_be_visible()
    expect(next_button).to_be_focused()
    # The live region is the same element throughout: never replaced, only its text.
    ana.evaluate("window.announcerAtStart = document.getElementById('announcer')")

    lead.get_by_role("button", name="Lock the room (read-only)").click()
    told(ana).to_have_text("The room is locked.")
    lead.get_by_role("button", name="Unlock the room").click()
    told(ana).to_have_text("The room is unlocked.")

    next_button.press("Enter")
    told(ana).to_have_text("Now phase 3 of 6: Quiet write")
    lead.get_by_role("button", name="Start writing, no timer").click()
    told(ana).to_have_text("The writing is open.")
    answer = ana.get_by_role("textbox", name="Your answer")
    answer.press_sequentially("Every school has a coach", delay=20)
    expect(ana.locator("#quiet-saved")).to_have_text("Saved")
    # Saving is shown, not read out over the typing.
    told(ana).to_have_text("The writing is open.")
    expect(ana.locator("#quiet-saved")).not_to_have_attribute("aria-live", re.compile(".*"))
    lead.get_by_role("button", name="Share answers without names").click()
    told(ana).to_have_text("The answers are on the wall.")
    expect(ana.locator("#quiet-privacy")).to_have_text(
        "It is on the wall for the team, without your name."
    )

    next_button.press("Enter")
    told(ana).to_have_text("Now phase 4 of 6: Dot the posters")
    lead.get_by_label("Dots each").fill("3")
    lead.get_by_role("button", name="Give a budget").click()
    dots_left = ana.locator("#dots-left")
    expect(dots_left).to_have_text("Dots left: 3 of 3")
    expect(ana.get_by_text("Each person has 3 dots to spread")).to_be_visible()
    expect(dots_left).not_to_have_attribute("role", "status")
    # Three quick taps: the count is said once, when they settle, not three times.
    said: list[str] = []
    ana.expose_function("heard", lambda text: said.append(text))
    ana.evaluate(HEAR)
    group = ana.get_by_role("group", name="Your dots on A1")
    for label in ("Strength", "Strength", "Some work needed"):  # (then "Strength, yours: 1")
        group.get_by_role("button", name=re.compile(f"^{label}")).click()
    told(ana).to_have_text("Dots left: 0 of 3")
    expect(dots_left).to_have_text("Dots left: 0 of 3")
    assert said == ["Dots left: 0 of 3"], said

    lead.get_by_role("button", name="Reveal everyone\N{RIGHT SINGLE QUOTATION MARK}s dots").click()
    told(ana).to_have_text("Everyone\N{RIGHT SINGLE QUOTATION MARK}s dots are showing.")

    lead.get_by_text("Close the room…").click()  # closing asks once more
    lead.get_by_role("button", name="Yes, close the room").click()
    told(ana).to_have_text("This workshop is closed.")
    assert ana.evaluate("window.announcerAtStart === document.getElementById('announcer')")


def test_a_phone_that_reloads_hears_nothing_old(live_server, person):
    """What the page already shows when it loads is not news: nothing is said."""
    lead = person("laptop")
    code = open_room(lead, live_server, READINESS)
    ana = person("phone")
    join(ana, live_server, code, "Ana")
    # Locked once she is in: a locked room lets nobody new join.
    lead.get_by_role("button", name="Lock the room (read-only)").click()
    expect(ana.get_by_text("The room is locked")).to_be_visible()
    ana.reload()
    wait_live(ana)
    lead.get_by_role("button", name="Start timer").click()
    expect(ana.get_by_role("timer")).to_be_visible()
    told(ana).to_have_text("")


def test_times_up_is_said_once(live_server, person):
    lead = person("laptop")
    code = open_room(lead, live_server, READINESS)
    ana = person("phone")
    # Ana's clock can be moved on, so the timer runs out without waiting for it.
    ana.clock.install()
    join(ana, live_server, code, "Ana")
    lead.get_by_label("Minutes").fill("1")
    lead.get_by_role("button", name="Start timer").click()
    expect(ana.get_by_role("timer")).to_contain_text("Running")
    said: list[str] = []
    ana.expose_function("heard", lambda text: said.append(text))
    ana.evaluate(HEAR)
    ana.clock.fast_forward("01:05")
    expect(ana.get_by_role("timer")).to_contain_text("Time's up")
    told(ana).to_have_text("Time's up.")
    ana.clock.fast_forward("00:05")
    told(ana).to_have_text("Time's up.")
    assert said == ["Time's up."], said
