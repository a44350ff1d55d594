"""A whole workshop by keyboard alone: joining, writing, dotting, a note, a plan cell, and the
facilitator moving the phases. Every control is reached with Tab (and Shift+Tab) from where
the focus is, never by a click or a script focusing it."""

from __future__ import annotations

import re

from playwright.sync_api import Locator, Page, expect

from .helpers import open_room, wait_live

READINESS = "Readiness protocol and action plan"


def tab_to(page: Page, target: Locator, *, backwards: bool = False, limit: int = 60) -> None:
    """Press Tab until the target has the focus; fail if it cannot be reached."""
    key = "Shift+Tab" if backwards else "Tab"
    for _ in range(limit):
        if target.evaluate("(el) => el === document.activeElement"):
            return
        page.keyboard.press(key)
    raise AssertionError(f"{target} is not reached with {key} in {limit} presses")


def test_a_whole_workshop_by_keyboard(live_server, person):
    lead = person("laptop")
    code = open_room(lead, live_server, READINESS)
    ana = person("phone")

    # Joining: the code field has the focus; Enter sends each form.
    ana.goto(live_server + "/join")
    expect(ana.get_by_label("Room code")).to_be_focused()
    ana.keyboard.type(code)
    ana.keyboard.press("Enter")
    expect(ana.get_by_label("Your name")).to_be_focused()
    ana.keyboard.type("Ana")
    ana.keyboard.press("Enter")
    wait_live(ana)

    # The facilitator reaches "Next phase" once; the focus stays on it across the moves.
    next_phase = lead.get_by_role("button", name="Next phase")
    tab_to(lead, next_phase)
    lead.keyboard.press("Enter")
    heading = ana.get_by_role("heading", level=1, name="Where are we now?")
    expect(heading).to_be_focused()
    expect(next_phase).to_be_focused()

    # A note, from the phase's heading.
    tab_to(ana, ana.get_by_label("Your note on the discussion prompt"))
    ana.keyboard.type("We meet monthly")
    ana.keyboard.press("Tab")
    expect(ana.get_by_role("button", name="Add note on the discussion prompt")).to_be_focused()
    ana.keyboard.press("Enter")
    expect(lead.get_by_role("list", name=re.compile("^Notes on"))).to_contain_text(
        "We meet monthly"
    )

    # The quiet write.
    lead.keyboard.press("Enter")
    expect(ana.get_by_role("heading", level=1, name="Quiet write")).to_be_focused()
    start = lead.get_by_role("button", name="Start writing, no timer")
    tab_to(lead, start, backwards=True)
    lead.keyboard.press("Enter")
    answer = ana.get_by_role("textbox", name="Your answer")
    expect(answer).not_to_have_attribute("readonly", "")
    tab_to(ana, answer)
    ana.keyboard.type("Every school has a coach")
    expect(lead.get_by_text("1 of 1 have written something")).to_be_visible()

    # The posters: a dot on A1, then the next poster and a dot on B1.
    tab_to(lead, next_phase)
    lead.keyboard.press("Enter")
    expect(ana.get_by_role("heading", level=1, name="Dot the posters")).to_be_focused()
    strength = ana.get_by_role("group", name="Your dot on A1").get_by_role(
        "button", name="Strength", exact=True
    )
    tab_to(ana, strength)
    ana.keyboard.press("Space")
    expect(strength).to_have_attribute("aria-pressed", "true")
    expect(strength).to_be_focused()  # re-rendered with its own id: the focus came back
    next_poster = ana.get_by_role("button", name="Next poster")
    tab_to(ana, next_poster, backwards=True)
    ana.keyboard.press("Enter")
    red = ana.get_by_role("group", name="Your dot on B1").get_by_role(
        "button", name="Significant work needed"
    )
    tab_to(ana, red)
    ana.keyboard.press("Enter")
    expect(red).to_have_attribute("aria-pressed", "true")

    # On to the plan: a cell typed in, then left with Tab; the facilitator sees it.
    lead.keyboard.press("Enter")
    expect(ana.get_by_role("heading", level=1, name="Strengths and gaps")).to_be_focused()
    expect(next_phase).to_be_focused()  # each move lands before the next key press
    lead.keyboard.press("Enter")
    expect(ana.get_by_role("heading", level=1, name="One-year plan")).to_be_focused()
    cell = ana.get_by_role("textbox", name="Major Focus, 30 Days")
    tab_to(ana, cell)
    ana.keyboard.type("Hire a coach")
    ana.keyboard.press("Tab")
    expect(lead.get_by_role("textbox", name="Major Focus, 30 Days")).to_have_value("Hire a coach")
    expect(next_phase).to_be_disabled()  # the last phase
