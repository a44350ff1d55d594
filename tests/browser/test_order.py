"""Pushes that overtake each other, or go missing, between the server and a phone: the page
shows them in version order, and asks for the whole room when one never comes. The test page
stands between the real server's pushes and the page's own handlers (as a network would)."""

from __future__ import annotations

from playwright.sync_api import Locator, Page, expect

from .helpers import join, open_room, resyncs_sent

READINESS = "Readiness protocol and action plan"

# The page's pushes reach its own handlers, all but those of the first version that moves
# the phase: they arrive right after the next push that moves it (late), or never (lost).
HOLD_BACK = """(lost) => {
  const socket = window.wsappSocket;
  const handlers = socket.listeners("swap");
  socket.off("swap");
  const deliver = (message) => handlers.forEach((handler) => handler(message));
  const movesPhase = (message) => (message.html || "").includes('id="phase"');
  let caught = null;
  const late = [];
  socket.on("swap", (message) => {
    if (caught === null && movesPhase(message)) caught = message.v;
    if (message.v === caught) { late.push(message); return; }
    deliver(message);
    if (!lost && movesPhase(message)) late.splice(0).forEach(deliver);
  });
}"""


def a_room_with_ana(live_server: str, person, *, lost: bool) -> tuple[Page, Page, list[str]]:
    lead = person("laptop")
    code = open_room(lead, live_server, READINESS)
    ana = person("phone")
    ana_resyncs = resyncs_sent(ana)
    join(ana, live_server, code, "Ana")
    ana.evaluate(HOLD_BACK, lost)
    return lead, ana, ana_resyncs


def heading(page: Page, title: str) -> Locator:
    return page.get_by_role("heading", level=1, name=title)


def test_a_push_that_arrives_after_the_next_one_is_shown_in_order(live_server, person):
    lead, ana, ana_resyncs = a_room_with_ana(live_server, person, lost=False)
    lead.get_by_role("button", name="Next phase").click()
    expect(heading(lead, "Where are we now?")).to_be_visible()
    lead.get_by_role("button", name="Next phase").click()
    expect(heading(lead, "Quiet write")).to_be_visible()
    # The move to the quiet write came first and waited for the one before it.
    expect(heading(ana, "Quiet write")).to_be_visible()
    expect(ana.get_by_role("textbox", name="Your answer")).to_be_visible()
    expect(heading(ana, "Where are we now?")).to_have_count(0)
    assert ana_resyncs == []  # both pushes came: nothing to ask for


def test_a_lost_push_is_made_up_for_with_the_whole_room(live_server, person):
    lead, ana, ana_resyncs = a_room_with_ana(live_server, person, lost=True)
    lead.get_by_role("button", name="Next phase").click()
    expect(heading(lead, "Where are we now?")).to_be_visible()
    expect(heading(ana, "Getting ready")).to_be_visible()  # the move never reached her
    # The timer's push is one version too far ahead: Ana's page asks for the whole room.
    lead.get_by_role("button", name="Start timer").click()
    expect(lead.get_by_role("timer")).to_be_visible()
    expect(heading(ana, "Where are we now?")).to_be_visible()
    expect(ana.get_by_role("timer")).to_be_visible()
    assert len(ana_resyncs) == 1
