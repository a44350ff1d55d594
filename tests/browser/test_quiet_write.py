"""The quiet write in real Chromium: saved as it is typed, kept on the phone until the server
has it, put back and saved after a reload, and shared on the wall without names."""

from __future__ import annotations

import json
import re

from playwright.sync_api import expect

from .helpers import go_to_phase, join, open_room, projector_of, wait_live

READINESS = "Readiness protocol and action plan"

# The network loses this page's quiet-write saves: they never reach the server.
LOSE_QUIET_SAVES = """() => {
  const socket = window.wsappSocket;
  const emit = socket.emit.bind(socket);
  socket.emit = function (event, message) {
    if (event === "act" && message && message.name === "quiet.save") return socket;
    return emit.apply(null, arguments);
  };
}"""


def test_the_quiet_write_survives_a_reload_and_goes_on_the_wall(live_server, person, shoot):
    lead = person("laptop")
    code = open_room(lead, live_server, READINESS)
    ana, ben = person("phone"), person("phone")
    join(ana, live_server, code, "Ana")
    join(ben, live_server, code, "Ben")
    screen = projector_of(lead, live_server, code)
    go_to_phase(lead, 3, "Quiet write", ana, ben, screen)
    lead.get_by_role("button", name=re.compile(r"^Start writing \(")).click()
    expect(screen.get_by_role("timer")).to_contain_text("Running")

    answer = ana.get_by_role("textbox", name="Your answer")
    answer.press_sequentially("Every school has a coach", delay=10)
    # The page reloads before the save went out: the words come back from the phone.
    ana.reload()
    wait_live(ana)
    answer = ana.get_by_role("textbox", name="Your answer")
    expect(answer).to_have_value("Every school has a coach")
    expect(ana.locator("#quiet-saved")).to_have_text("Saved")
    expect(lead.get_by_text("1 of 2 have written something")).to_be_visible()
    # Nobody else sees it while it is being written.
    expect(screen.get_by_text("Every school has a coach")).to_have_count(0)

    ben.get_by_role("textbox", name="Your answer").fill("Common planning time")
    ben.get_by_role("button", name="Don't share mine").click()
    expect(ben.get_by_role("button", name="Don't share mine")).to_have_attribute(
        "aria-pressed", "true"
    )
    expect(ana.get_by_text("2 of 2 have written something")).to_be_visible()
    shoot(ana, "quiet-phone")

    lead.get_by_role("button", name="Share answers without names").click()
    wall = screen.get_by_role("region", name="The team's answers")
    expect(wall).to_contain_text("Every school has a coach")
    expect(wall).not_to_contain_text("Common planning time")
    expect(wall).not_to_contain_text("Ana")
    expect(ben.get_by_role("region", name="The team's answers")).to_contain_text(
        "Every school has a coach"
    )
    shoot(screen, "quiet-projector")

    # Ana is still typing when the facilitator moves the room on: her phone follows at once
    # (it is not left on the old phase until she taps elsewhere) and her words are saved.
    lead.get_by_role("button", name="Reopen writing, no timer").click()
    answer = ana.get_by_role("textbox", name="Your answer")
    expect(answer).not_to_have_attribute("readonly", "")
    answer.click()
    answer.press("End")
    answer.press_sequentially(" in every building", delay=10)
    go_to_phase(lead, 4, "Dot the posters", ana)
    go_to_phase(lead, 3, "Quiet write", ana)
    expect(ana.get_by_role("textbox", name="Your answer")).to_have_value(
        "Every school has a coach in every building"
    )


def test_words_the_server_never_got_are_kept_on_the_phone_and_saved_after_a_reload(
    live_server, person
):
    lead = person("laptop")
    code = open_room(lead, live_server, READINESS)
    ana = person("phone")
    join(ana, live_server, code, "Ana")
    go_to_phase(lead, 3, "Quiet write", ana)
    lead.get_by_role("button", name=re.compile(r"^Start writing \(")).click()
    answer = ana.get_by_role("textbox", name="Your answer")
    expect(answer).not_to_have_attribute("readonly", "")

    ana.evaluate(LOSE_QUIET_SAVES)
    answer.press_sequentially("Coaches in every school", delay=10)
    # The save went out (and was lost): the words are on the phone, marked not yet saved.
    key = "wsapp:quiet:" + str(answer.get_attribute("data-quiet-write"))
    ana.wait_for_function(
        "key => JSON.parse(localStorage.getItem(key) || 'null')?.text === "
        "'Coaches in every school'",
        arg=key,
    )
    leave_for_a_moment = ana.get_by_role("heading", level=1)
    leave_for_a_moment.click()  # leaving the box saves at once: lost again
    expect(ana.locator("#quiet-saved")).to_have_text("Saving…")
    assert json.loads(ana.evaluate("key => localStorage.getItem(key)", key))["synced"] is False
    expect(lead.get_by_text("0 of 1 have written something")).to_be_visible()

    # Back with a working connection: the phone puts the words back and saves them.
    ana.reload()
    wait_live(ana)
    expect(ana.get_by_role("textbox", name="Your answer")).to_have_value("Coaches in every school")
    expect(ana.locator("#quiet-saved")).to_have_text("Saved")
    expect(lead.get_by_text("1 of 1 have written something")).to_be_visible()
    assert json.loads(ana.evaluate("key => localStorage.getItem(key)", key))["synced"] is True

    # What the server has is what a fresh page shows, with nothing left to restore.
    ana.reload()
    wait_live(ana)
    expect(ana.get_by_role("textbox", name="Your answer")).to_have_value("Coaches in every school")
    expect(ana.locator("#quiet-saved")).not_to_contain_text("Restored")
