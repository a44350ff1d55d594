"""A facilitator and two phone-sized participants run a room in real Chromium."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from .helpers import join, open_room, wait_live

READINESS = "Readiness protocol and action plan"


def test_team_follows_phases_and_shares_one_timer(live_server, person):
    lead = person("laptop")
    code = open_room(lead, live_server, READINESS, room_name="Cedar USD team")
    ana, ben = person("phone"), person("phone")
    join(ana, live_server, code, "Ana")
    join(ben, live_server, code, "Ben")

    # The socket really is a websocket, not long-polling.
    transport = ana.evaluate("window.wsappSocket.io.engine.transport.name")
    assert transport == "websocket"

    # The facilitator sees both arrive, live.
    people = lead.get_by_role("region", name=re.compile("^People"))
    expect(people).to_contain_text("2 online of 2")
    expect(people.get_by_role("button", name="Remove Ana")).to_be_visible()

    # Ben fixes his name from his phone; his screen and the facilitator's follow.
    ben.get_by_text("Change your name").click()
    ben.get_by_label("Your name").fill("Benjamin")
    ben.get_by_role("button", name="Save your name").click()
    expect(ben.get_by_text("You are Benjamin")).to_be_visible()
    expect(people.get_by_role("button", name="Remove Benjamin")).to_be_visible()

    # Next phase: every phone follows.
    lead.get_by_role("button", name="Next phase").click()
    for page in (ana, ben, lead):
        expect(page.get_by_role("heading", level=1, name="Where are we now?")).to_be_visible()
    # Jump straight to the quiet write.
    lead.get_by_role("button", name=re.compile("Go to phase 3:")).click()
    for page in (ana, ben):
        expect(page.get_by_role("heading", level=1, name="Quiet write")).to_be_visible()

    # One timer, the same on every screen.
    lead.get_by_label("Minutes").fill("10")
    lead.get_by_role("button", name="Start timer").click()
    clocks = [page.get_by_role("timer") for page in (lead, ana, ben)]
    for clock in clocks:
        expect(clock).to_contain_text(re.compile(r"(10:00|9:5\d)"))
    lead.get_by_role("button", name="Pause").click()
    for clock in clocks:
        expect(clock).to_contain_text("Paused")
    shown = {clock.locator("[data-timer-clock]").inner_text() for clock in clocks}
    assert len(shown) == 1, shown

    # A late joiner lands on the current phase, paused timer and all.
    cleo = person("phone")
    join(cleo, live_server, code, "Cleo")
    expect(cleo.get_by_role("heading", level=1, name="Quiet write")).to_be_visible()
    expect(cleo.get_by_role("timer")).to_contain_text("Paused")


def test_another_room_sees_none_of_it(live_server, person):
    lead = person("laptop")
    code = open_room(lead, live_server, READINESS)
    ana = person("phone")
    join(ana, live_server, code, "Ana")

    other_lead = person("laptop")
    other_code = open_room(other_lead, live_server, READINESS)
    stranger = person("phone")
    join(stranger, live_server, other_code, "Stranger")
    seen = stranger.locator("body").get_attribute("data-version")

    lead.get_by_role("button", name="Next phase").click()
    expect(ana.get_by_role("heading", level=1, name="Where are we now?")).to_be_visible()
    lead.get_by_role("button", name="Start timer").click()
    expect(ana.get_by_role("timer")).to_be_visible()

    expect(stranger.get_by_role("heading", level=1, name="Getting ready")).to_be_visible()
    expect(stranger.get_by_role("timer")).to_have_count(0)
    expect(stranger.get_by_role("region", name=re.compile("^People"))).not_to_contain_text("Ana")
    # The stranger's page never received a newer version of their own room either.
    assert stranger.evaluate("document.body.dataset.version") == seen


def test_locked_room_and_removed_participant(live_server, person):
    lead = person("laptop")
    code = open_room(lead, live_server, READINESS)
    ana = person("phone")
    join(ana, live_server, code, "Ana")

    lead.get_by_role("button", name="Lock the room (read-only)").click()
    expect(ana.get_by_text("The room is locked")).to_be_visible()
    lead.get_by_role("button", name="Unlock the room").click()
    expect(ana.get_by_text("The room is locked")).to_have_count(0)

    lead.once("dialog", lambda dialog: dialog.accept())
    lead.get_by_role("button", name="Remove Ana").click()
    expect(ana.get_by_role("status").filter(has_text="removed you")).to_be_visible()
    # Reloading does not let her back in: her browser is known as removed from this room.
    ana.reload()
    expect(ana.get_by_role("alert")).to_contain_text("removed you from this room")
    expect(ana.get_by_label("Your name")).to_have_count(0)


def test_facilitator_link_opens_control_on_another_device(live_server, person):
    lead = person("laptop")
    code = open_room(lead, live_server, READINESS)
    lead.get_by_text("Your private facilitator link").click()
    link = lead.get_by_label("Private facilitator link").input_value()
    assert f"/claim/{code}#" in link
    tablet = person("laptop")
    tablet.goto(link)
    wait_live(tablet)
    assert tablet.url.endswith(f"/r/{code}/lead")
    expect(tablet.get_by_role("button", name="Next phase")).to_be_visible()


def test_the_my_rooms_link_brings_every_room_to_another_browser(live_server, person):
    lead = person("laptop")
    first = open_room(lead, live_server, READINESS, room_name="Cedar USD team")
    second = open_room(lead, live_server, READINESS, room_name="Birch USD team")
    lead.goto(live_server + "/facilitator/rooms")
    lead.get_by_role("button", name="Make a link to your rooms").click()
    link = lead.get_by_label("Private link to your rooms").input_value()
    assert "/facilitator/rooms/open#" in link
    laptop = person("laptop")
    laptop.goto(link)
    expect(laptop.get_by_role("heading", level=1, name="My rooms")).to_be_visible()
    assert "#" not in laptop.url
    for name in ("Cedar USD team", "Birch USD team"):
        expect(laptop.get_by_role("link", name=name)).to_be_visible()
    laptop.get_by_role("link", name="Birch USD team").click()
    wait_live(laptop)
    assert laptop.url.endswith(f"/r/{second}/lead") and first != second


def test_phones_that_drop_off_catch_up_when_they_are_back(live_server, person):
    """A phone that missed only comings and goings is sent who is online, and goes on in
    step (no resync); one that missed a phase move gets the whole room and shows it."""
    lead = person("laptop")
    code = open_room(lead, live_server, READINESS)
    ana, ben = person("phone"), person("phone")
    join(ana, live_server, code, "Ana")
    join(ben, live_server, code, "Ben")
    people = lead.get_by_role("region", name=re.compile("^People"))
    expect(people).to_contain_text("2 online of 2")
    ana.evaluate(
        """() => {
        const socket = window.wsappSocket;
        window.caughtUp = [];
        window.resyncs = 0;
        socket.on("swap", (message) => { if (message.full) window.caughtUp.push(message.html); });
        const emit = socket.emit.bind(socket);
        socket.emit = (name, ...rest) => {
            if (name === "resync") window.resyncs += 1;
            return emit(name, ...rest);
        };
        socket.disconnect();
    }"""
    )
    expect(ana.locator("#live-status")).to_have_text("Reconnecting…")
    expect(people).to_contain_text("1 online of 2")
    ana.evaluate("window.wsappSocket.connect()")
    wait_live(ana)
    expect(people).to_contain_text("2 online of 2")
    ana_people = ana.get_by_role("region", name=re.compile("^People"))
    expect(ana_people).to_contain_text("2 online of 2")
    caught_up = ana.evaluate("window.caughtUp")
    assert len(caught_up) == 1 and 'id="people"' in caught_up[0]
    assert 'id="phase"' not in caught_up[0]

    # Ben is away while the room moves on: back, he is on the new phase.
    ben.evaluate("window.wsappSocket.disconnect()")
    expect(people).to_contain_text("1 online of 2")
    lead.get_by_role("button", name="Next phase").click()
    expect(ana.get_by_role("heading", level=1, name="Where are we now?")).to_be_visible()
    expect(ben.get_by_role("heading", level=1, name="Where are we now?")).to_have_count(0)
    ben.evaluate("window.wsappSocket.connect()")
    wait_live(ben)
    expect(ben.get_by_role("heading", level=1, name="Where are we now?")).to_be_visible()
    # Ana stayed in step through all of it: every push arrived in order, none went missing.
    assert ana.evaluate("window.resyncs") == 0
