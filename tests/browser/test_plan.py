"""Two phones type into the same plan cell at once; every screen ends with both texts, and
another screen shows who is editing."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from .helpers import go_to_phase, join, open_room, projector_of

READINESS = "Readiness protocol and action plan"
CELL = "Major Focus, 30 Days"


def test_two_people_type_in_one_cell_at_once_and_every_screen_gets_both(live_server, person, shoot):
    lead = person("laptop")
    code = open_room(lead, live_server, READINESS, room_name="Cedar USD plan")
    ana, ben = person("phone"), person("phone")
    join(ana, live_server, code, "Ana")
    join(ben, live_server, code, "Ben")
    screen = projector_of(lead, live_server, code)
    go_to_phase(lead, 6, "One-year plan", ana, ben, screen)

    ana_cell = ana.get_by_role("textbox", name=CELL)
    ben_cell = ben.get_by_role("textbox", name=CELL)
    lead_cell = lead.get_by_role("textbox", name=CELL)

    # Both put their caret in the same empty cell; the facilitator sees who is editing.
    ana_cell.click()
    editing = lead.locator(".plan-cell", has=lead_cell).locator(".plan-cell-editing")
    expect(editing).to_have_text("✎ Ana is editing")
    ben_cell.click()
    expect(editing).to_have_text("✎ Ana, Ben are editing")
    # Each phone names only the others.
    for phone, other in ((ana, "Ben"), (ben, "Ana")):
        line = phone.locator(".plan-cell", has=phone.get_by_role("textbox", name=CELL))
        expect(line.locator(".plan-cell-editing")).to_have_text(f"✎ {other} is editing")

    # They type at the same time, a few keys each in turn.
    ana_words, ben_words = "Hire an instructional coach", "Budget for summer PD"
    for ana_part, ben_part in zip(ana_words.split(" "), ben_words.split(" "), strict=False):
        ana_cell.press_sequentially(ana_part + " ", delay=20)
        ben_cell.press_sequentially(ben_part + " ", delay=20)
    ana_cell.press_sequentially(" ".join(ana_words.split(" ")[4:]), delay=20)

    both = re.compile(r"(?=[\s\S]*Hire an instructional coach)(?=[\s\S]*Budget for summer PD)")
    for cell in (ana_cell, ben_cell, lead_cell):
        expect(cell).to_have_value(both, timeout=8000)
    expect(screen.locator(".plan-cell-text").first).to_have_text(both)

    # Leaving the cell clears "is editing" on the other screens.
    ana.get_by_role("heading", level=1, name="One-year plan").click()
    ben.get_by_role("heading", level=1, name="One-year plan").click()
    expect(editing).to_have_text("")
    shoot(ana, "plan-phone")
    ana_cell.scroll_into_view_if_needed()
    shoot(ana, "plan-phone-cell", full_page=False)
    shoot(lead, "plan-laptop")
    shoot(screen, "plan-projector")

    # Anyone can open the cell's history: who wrote what, newest first.
    ana.get_by_role("button", name=re.compile(f"History of {CELL}")).click()
    history = ana.get_by_role("dialog", name=f"History of {CELL}")
    expect(history).to_contain_text("Ben")
    expect(history).to_contain_text("Ana")
    shoot(ana, "plan-history-phone", full_page=False)
    history.get_by_role("button", name="Close").click()
    expect(history).to_be_hidden()


# Holds the answers to this page's plan cell saves for a while, as a slow phone network does.
SLOW_SAVE_ANSWERS = """() => {
  const socket = window.wsappSocket;
  const emit = socket.emit.bind(socket);
  socket.emit = function (event, message, answer) {
    if (event === "act" && message.name === "plan.cell.edit") {
      return emit(event, message, function (reply) { setTimeout(answer, 2500, reply); });
    }
    return emit.apply(null, arguments);
  };
}"""


def test_a_save_answered_late_keeps_the_words_pushed_meanwhile(live_server, person):
    """Ben's words arrive on Ana's phone while her own save is still unanswered; the late
    answer (the cell as her save left it, before Ben's) must not take his words away."""
    lead = person("laptop")
    code = open_room(lead, live_server, READINESS)
    ana, ben = person("phone"), person("phone")
    join(ana, live_server, code, "Ana")
    join(ben, live_server, code, "Ben")
    go_to_phase(lead, 6, "One-year plan", ana, ben)
    ana.evaluate(SLOW_SAVE_ANSWERS)

    ana_cell = ana.get_by_role("textbox", name=CELL)
    ben_cell = ben.get_by_role("textbox", name=CELL)
    ana_cell.press_sequentially("Hire a coach", delay=10)
    expect(ben_cell).to_have_value("Hire a coach")  # saved and pushed; Ana's answer waits
    ben_cell.click()
    ben_cell.press("End")
    ben_cell.press_sequentially(" by May", delay=10)
    expect(lead.get_by_role("textbox", name=CELL)).to_have_value("Hire a coach by May")
    ana.get_by_role("heading", level=1, name="One-year plan").click()
    # Pushed while her save was unanswered, Ben's words wait for the answer, then stay.
    expect(ana_cell).to_have_value("Hire a coach by May", timeout=8000)
