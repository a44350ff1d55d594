"""Pushes that overtake each other, or go missing, between the server and a phone: the page
shows them in version order, and asks for the whole room when one never comes. The test page
stands between the real server's pushes and the page's own handlers (as a network would)."""

from __future__ import annotations

from playwright.sync_api import Locator, Page, expect

from .helpers import join, open_room, resyncs_sent

READINESS = "Readiness protocol and action plan"

# The page's pushes reach its own handlers, all but those of the first version that touches
# the `held` region: they arrive right after the next push that touches the `until` region
# (late), or never (when `until` is null: lost).
HOLD_BACK = """({held, until}) => {
  const socket = window.wsappSocket;
  const handlers = socket.listeners("swap");
  socket.off("swap");
  const deliver = (message) => handlers.forEach((handler) => handler(message));
  const touches = (message, region) => (message.html || "").includes('id="' + region + '"');
  let caught = null;
  const late = [];
  socket.on("swap", (message) => {
    if (caught === null && touches(message, held)) caught = message.v;
    if (message.v === caught) { late.push(message); return; }
    deliver(message);
    if (until && touches(message, until)) late.splice(0).forEach(deliver);
  });
}"""


def hold_back(page: Page, held: str, until: str | None) -> None:
    page.evaluate(HOLD_BACK, {"held": held, "until": until})


def a_room_with_ana(live_server: str, person) -> tuple[Page, Page, list[str]]:
    lead = person("laptop")
    code = open_room(lead, live_server, READINESS)
    ana = person("phone")
    ana_resyncs = resyncs_sent(ana)
    join(ana, live_server, code, "Ana")
    return lead, ana, ana_resyncs


def heading(page: Page, title: str) -> Locator:
    return page.get_by_role("heading", level=1, name=title)


def test_pushes_that_overtake_each_other_are_shown_in_order(live_server, person):
    lead, ana, ana_resyncs = a_room_with_ana(live_server, person)
    timer = ana.get_by_role("timer")
    # The pause overtakes the start: it waits for the start, and the timer stays paused.
    hold_back(ana, "timer", until="timer")
    lead.get_by_role("button", name="Start timer").click()
    expect(lead.get_by_role("timer")).to_contain_text("Running")
    lead.get_by_role("button", name="Pause").click()
    expect(lead.get_by_role("timer")).to_contain_text("Paused")
    expect(timer).to_contain_text("Paused")
    expect(timer).not_to_contain_text("Running")
    # The timer's resume overtakes a phase move: both show, neither is dropped as old.
    hold_back(ana, "phase", until="timer")
    lead.get_by_role("button", name="Next phase").click()
    expect(heading(lead, "Where are we now?")).to_be_visible()
    lead.get_by_role("button", name="Resume").click()
    expect(lead.get_by_role("timer")).to_contain_text("Running")
    expect(heading(ana, "Where are we now?")).to_be_visible()
    expect(timer).to_contain_text("Running")
    assert ana_resyncs == []  # every push came: nothing to ask for


def test_a_lost_push_is_made_up_for_with_the_whole_room(live_server, person):
    lead, ana, ana_resyncs = a_room_with_ana(live_server, person)
    hold_back(ana, "phase", until=None)
    lead.get_by_role("button", name="Next phase").click()
    expect(heading(lead, "Where are we now?")).to_be_visible()
    expect(heading(ana, "Getting ready")).to_be_visible()  # the move never reached her
    # The timer's push is one version too far ahead: Ana's page asks for the whole room.
    lead.get_by_role("button", name="Start timer").click()
    expect(lead.get_by_role("timer")).to_be_visible()
    expect(heading(ana, "Where are we now?")).to_be_visible()
    expect(ana.get_by_role("timer")).to_be_visible()
    assert len(ana_resyncs) == 1
