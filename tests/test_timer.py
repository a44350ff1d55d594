"""The timer follows the agenda: each phase offers its own minutes, writing can end with
the time, and the time's end is checked on the server's clock, never taken on trust."""

from __future__ import annotations

from flask import Flask

from wsapp.extensions import db
from wsapp.models import QuietWrite

from .conftest import Member, Workshop
from .dom import Node, parse
from .test_plan import page, pushed
from .test_quiet_write import team  # noqa: F401 (a fixture)


def clock(member: Member) -> Node:
    path = f"/r/{member.code}/projector" if member.view == "projector" else f"/r/{member.code}"
    face = parse(member.client.get(path).get_data(as_text=True)).find_all("div", role="timer")
    assert len(face) == 1
    return face[0]


def phases(app: Flask) -> list:
    return app.extensions["wsapp_content"].kits["readiness-planning"].phases


def test_moving_on_stops_the_timer_and_offers_the_next_phases_minutes(
    workshop: Workshop, app: Flask
):
    lead = workshop.connect(workshop.open_room())
    ana = workshop.connect(workshop.join(lead.code, "Ana"))
    assert lead.act("timer.start", minutes=3)["ok"]
    assert workshop.room(lead.code).timer_ends_at is not None
    lead.swaps(), ana.swaps()

    assert lead.act("phase.next")["ok"]
    room = workshop.room(lead.code)
    assert room.timer_ends_at is None and room.timer_remaining is None
    offered = pushed(lead)
    assert offered.by_id("timer-minutes").attrs["value"] == str(phases(app)[1].minutes)
    assert "timer-off" in offered.by_id("timer").attrs["class"]
    # Every screen is told the timer stopped: no clock is left on the phones.
    assert 'role="timer"' not in "".join(s["html"] for s in ana.swaps())

    # A reload offers the same, and a paused timer is stopped by a move too.
    assert page(lead).by_id("timer-minutes").attrs["value"] == str(phases(app)[1].minutes)
    assert lead.act("timer.start", minutes=5)["ok"] and lead.act("timer.pause")["ok"]
    assert lead.act("phase.back")["ok"]
    assert workshop.room(lead.code).timer_remaining is None
    assert page(lead).by_id("timer-minutes").attrs["value"] == str(phases(app)[0].minutes)


def test_two_more_minutes_in_one_tap(workshop: Workshop):
    lead = workshop.connect(workshop.open_room())
    assert lead.act("timer.start", minutes=1)["ok"]
    before = workshop.room(lead.code).timer_ends_at
    assert "+2 minutes" in page(lead).by_id("timer").text
    assert lead.post_action("timer.add", seconds="120").status_code == 200
    after = workshop.room(lead.code).timer_ends_at
    assert 119 <= (after - before).total_seconds() <= 121


def time_runs_out(lead: Member) -> None:
    """The facilitator takes the time away: the countdown ends now, on the server's clock."""
    assert lead.act("timer.add", seconds=-3600)["ok"]


def test_writing_ends_when_time_runs_out_if_the_facilitator_chose_so(team, workshop):  # noqa: F811
    lead, ana, ben, projector = team
    assert lead.act("quiet.open", minutes=8, ends_on_time=True)["ok"]
    assert ana.act("quiet.save", text="Coaches in every school")["ok"]
    # The phones' clocks know to tell the server when they reach zero; the projector's
    # cannot act, so it is not asked to.
    assert "data-ends-writing" in clock(ana).attrs
    assert "data-ends-writing" not in clock(projector).attrs

    # Early, the server's clock says no: nothing ends.
    early = ben.act("timer.expire")
    assert not early["ok"] and "not up" in early["error"]
    assert workshop.room(lead.code).quiet_write_open

    time_runs_out(lead)
    for member in (lead, ana, ben, projector):
        member.swaps()
    # Typing after the time is up is refused even before a screen says it is over...
    late = ben.act("quiet.save", text="One more thought")
    assert not late["ok"]
    # ...and the first screen that says so ends the writing for everyone.
    assert ben.act("timer.expire")["ok"]
    room = workshop.room(lead.code)
    assert not room.quiet_write_open
    assert "Writing has stopped" in pushed(projector).by_id("quiet-progress").text
    assert "readonly" in pushed(ana).by_id("quiet-text").attrs
    # Said again (every phone reaches zero), it changes nothing.
    assert not ana.act("timer.expire")["ok"]
    with workshop.app.app_context():
        texts = {w.text for w in db.session.query(QuietWrite)}
    assert texts == {"Coaches in every school"}


def test_without_the_choice_the_writing_goes_on_after_the_time(team, workshop):  # noqa: F811
    lead, ana, _ben, _projector = team
    assert lead.act("quiet.open", minutes=8)["ok"]
    time_runs_out(lead)
    refused = ana.act("timer.expire")
    assert not refused["ok"]
    assert workshop.room(lead.code).quiet_write_open
    assert ana.act("quiet.save", text="Still writing")["ok"]


def test_ending_with_the_time_needs_minutes(team):  # noqa: F811
    lead, *_ = team
    refused = lead.act("quiet.open", ends_on_time=True)
    assert not refused["ok"] and "minutes" in refused["error"]
