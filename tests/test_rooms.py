"""Rooms: creating, joining, phases, timer, presence and the facilitator's control."""

from __future__ import annotations

import pytest
from flask import Flask

from wsapp.extensions import db
from wsapp.models import Connection, Participant, Room
from wsapp.rooms.codes import CODE_ALPHABET, normalise_code

from .conftest import Workshop, post, wait_until
from .dom import parse


def test_home_lists_every_kit_with_length_and_phases(client):
    page = client.get("/").get_data(as_text=True)
    for title in ("Readiness protocol and action plan", "Alignment and Coherence"):
        assert title in page
    assert "120 minutes" in page


def test_a_new_room_gets_an_unambiguous_code_and_its_facilitator_control(workshop: Workshop):
    lead = workshop.open_room(title="Cedar USD")
    room = workshop.room(lead.code)
    assert len(room.code) == 6 and set(room.code) <= set(CODE_ALPHABET)
    assert not set(room.code) & set("01OIL")
    assert room.title == "Cedar USD"
    page = lead.client.get(f"/r/{lead.code}/lead")
    assert page.status_code == 200
    assert "Private facilitator link" in page.get_data(as_text=True)


def test_codes_are_typed_forgivingly():
    assert normalise_code(" abc-def ") == "ABCDEF"


def test_unknown_kit_is_refused(client):
    response = post(client, "/rooms", {"kit": "no-such-kit"})
    assert response.status_code == 422


def test_join_by_code_then_name_and_resume_the_same_participant(workshop: Workshop, app):
    lead = workshop.open_room()
    visitor = app.test_client()
    found = post(visitor, "/join", {"code": lead.code.lower()})
    assert found.status_code == 302 and found.headers["Location"].endswith(f"/r/{lead.code}/join")
    joined = post(visitor, f"/r/{lead.code}/join", {"name": "  Ana   Ruiz "})
    assert joined.headers["Location"].endswith(f"/r/{lead.code}")
    # Reopening the join link later lands in the room as the same person.
    again = visitor.get(f"/r/{lead.code}/join")
    assert again.status_code == 302
    with app.app_context():
        names = [p.name for p in db.session.query(Participant).all()]
    assert names == ["Ana Ruiz"]


@pytest.mark.parametrize("code", ["", "ZZZZZZ", "x" * 500])
def test_a_wrong_code_says_so_and_creates_nothing(client, code, app):
    response = post(client, "/join", {"code": code})
    assert response.status_code == 404
    assert "No room has that code" in response.get_data(as_text=True)


@pytest.mark.parametrize("name", ["", "   ", "x" * 41])
def test_a_bad_name_is_refused(workshop: Workshop, app, name):
    lead = workshop.open_room()
    response = post(app.test_client(), f"/r/{lead.code}/join", {"name": name})
    assert response.status_code == 422
    with app.app_context():
        assert db.session.query(Participant).count() == 0


def test_participant_page_needs_a_join_and_facilitator_page_needs_the_key(workshop, app):
    lead = workshop.open_room()
    stranger = app.test_client()
    assert stranger.get(f"/r/{lead.code}").status_code == 302
    assert stranger.get(f"/r/{lead.code}/lead").status_code == 403
    assert stranger.get(f"/r/{lead.code}/projector").status_code == 403
    member = workshop.join(lead.code, "Ben")
    assert member.client.get(f"/r/{lead.code}/lead").status_code == 403


def test_private_link_gives_control_on_another_device(workshop: Workshop, app):
    lead = workshop.open_room()
    with lead.client.session_transaction() as session:
        key = next(iter(session["keys"].values()))
    other_device = app.test_client()
    wrong = post(other_device, f"/claim/{lead.code}", {"key": "not-the-key"})
    assert wrong.status_code == 403
    right = post(other_device, f"/claim/{lead.code}", {"key": key})
    assert right.status_code == 302
    assert other_device.get(f"/r/{lead.code}/lead").status_code == 200


def test_phases_move_and_every_screen_follows(workshop: Workshop):
    lead = workshop.connect(workshop.open_room())
    ana = workshop.connect(workshop.join(lead.code, "Ana"))
    ben = workshop.connect(workshop.join(lead.code, "Ben"))
    for member in (lead, ana, ben):
        member.swaps()

    assert lead.act("phase.next") == {"ok": True, "v": workshop.room(lead.code).version}
    for member in (ana, ben, lead):
        html = "".join(swap["html"] for swap in member.swaps())
        phase = parse(html).by_id("phase")
        assert phase is not None and phase.attrs["hx-swap-oob"] == "true"
        assert phase.attrs["data-phase"] == "where-are-we-now"

    lead.act("phase.go", index=4)
    assert workshop.room(lead.code).phase_index == 4
    assert lead.act("phase.go", index=99)["ok"] is False
    assert workshop.room(lead.code).phase_index == 4


def test_a_late_joiner_lands_on_the_current_phase(workshop: Workshop):
    lead = workshop.connect(workshop.open_room())
    lead.act("phase.go", index=2)
    late = workshop.join(lead.code, "Late")
    page = late.client.get(f"/r/{lead.code}").get_data(as_text=True)
    assert 'data-phase="quiet-write"' in page


@pytest.mark.parametrize(
    "name,args",
    [
        ("phase.next", {}),
        ("phase.go", {"index": 1}),
        ("timer.start", {"minutes": 5}),
        ("room.lock", {"locked": True}),
        ("room.close", {}),
        ("participant.remove", {"participant_id": 1}),
    ],
)
def test_participants_cannot_run_facilitator_actions(workshop: Workshop, name, args):
    lead = workshop.open_room()
    member = workshop.connect(workshop.join(lead.code, "Mallory"))
    before = workshop.room(lead.code)
    reply = member.act(name, **args)
    assert reply == {"ok": False, "error": "Only the facilitator can do that."}
    assert member.post_action(name, **args).status_code == 403
    after = workshop.room(lead.code)
    assert (after.version, after.phase_index, after.locked, after.closed_at) == (
        before.version,
        before.phase_index,
        before.locked,
        before.closed_at,
    )


def test_malformed_and_unknown_actions_change_nothing(workshop: Workshop):
    lead = workshop.connect(workshop.open_room())
    version = workshop.room(lead.code).version
    assert lead.act("phase.go", index="two")["ok"] is False
    assert lead.act("phase.go", index=1, extra="x")["error"] == "extra: is not expected here"
    assert lead.act("no.such.action")["ok"] is False
    reply = lead.socket.emit("act", "not an object", callback=True)
    assert reply["ok"] is False
    assert workshop.room(lead.code).version == version


def test_timer_is_anchored_on_the_server_clock(workshop: Workshop):
    lead = workshop.connect(workshop.open_room())
    ana = workshop.connect(workshop.join(lead.code, "Ana"))
    ana.swaps()
    assert lead.act("timer.start", minutes=10)["ok"]
    room = workshop.room(lead.code)
    assert room.timer_ends_at is not None
    html = ana.swaps()[-1]["html"]
    timer = parse(html).by_id("timer")
    assert timer is not None and timer.attrs["hx-swap-oob"] == "true"
    assert 'role="timer"' in html and "data-ends-at" in html and "data-server-now" in html
    assert lead.act("timer.pause")["ok"]
    paused = workshop.room(lead.code)
    assert paused.timer_ends_at is None and 595 <= paused.timer_remaining <= 600
    assert lead.act("timer.add", seconds=60)["ok"]
    assert workshop.room(lead.code).timer_remaining == paused.timer_remaining + 60
    assert lead.act("timer.resume")["ok"]
    assert lead.act("timer.pause")["ok"] and lead.act("timer.pause")["ok"] is False
    assert lead.act("timer.stop")["ok"]
    assert workshop.room(lead.code).timer_remaining is None


def test_presence_shows_who_is_online(workshop: Workshop):
    lead = workshop.connect(workshop.open_room())
    ana = workshop.connect(workshop.join(lead.code, "Ana"))
    html = "".join(s["html"] for s in lead.swaps())
    assert "1 online of 1" in html
    ana.socket.disconnect()
    html = "".join(s["html"] for s in lead.swaps())
    assert "0 online of 1" in html


def test_a_phone_back_within_the_grace_was_never_shown_leaving(workshop: Workshop, app):
    app.config["PRESENCE_GRACE"] = 0.4
    lead = workshop.connect(workshop.open_room())
    ana = workshop.connect(workshop.join(lead.code, "Ana"))
    assert "1 online of 1" in "".join(s["html"] for s in lead.swaps())
    version = workshop.room(lead.code).version
    ana.socket.disconnect()
    workshop.connect(ana, version=version)
    # Nothing changed for anyone: the sweep after the grace deletes the closed socket's
    # row without telling the room (no push, no new version: the next change is the next).
    wait_until(lambda: participant_sockets(app) == 1, "the sweep after the grace")
    assert lead.act("timer.start", minutes=1)["v"] == version + 1
    assert [swap["v"] for swap in lead.swaps()] == [version + 1]


def participant_sockets(app: Flask) -> int:
    with app.app_context():
        return db.session.query(Connection).filter_by(view="participant").count()


def test_a_phone_that_stays_away_is_shown_gone_once_the_grace_is_over(workshop: Workshop, app):
    app.config["PRESENCE_GRACE"] = 0.4
    lead = workshop.connect(workshop.open_room())
    ana = workshop.connect(workshop.join(lead.code, "Ana"))
    lead.swaps()
    ana.socket.disconnect()
    assert lead.swaps() == [], "still counted as here during the grace"
    pushed: list[str] = []

    def told_ana_left() -> bool:
        pushed.extend(swap["html"] for swap in lead.swaps())
        return "0 online of 1" in "".join(pushed)

    wait_until(told_ana_left, "the room to be told Ana left")


def test_locked_room_is_read_only_for_participants(workshop: Workshop):
    lead = workshop.connect(workshop.open_room())
    ana = workshop.connect(workshop.join(lead.code, "Ana"))
    assert lead.act("room.lock", locked=True)["ok"]
    assert workshop.room(lead.code).locked
    assert lead.act("phase.next")["ok"], "the facilitator still steers a locked room"
    reply = ana.act("participant.rename", name="Ana R.")
    assert reply == {"ok": False, "error": "The facilitator has locked the room for now."}
    assert lead.act("room.lock", locked=False)["ok"]
    ana.swaps()
    assert ana.post_action("participant.rename", name="Ana R.").status_code == 200
    assert "Ana R." in "".join(s["html"] for s in lead.swaps())
    # Her own "You are" line changes on her screen alone.
    assert "You are <strong>Ana R.</strong>" in "".join(s["html"] for s in ana.swaps())
    assert "You are" not in "".join(s["html"] for s in lead.swaps())


def test_closed_room_keeps_its_record_and_refuses_changes(workshop: Workshop, app):
    lead = workshop.connect(workshop.open_room())
    workshop.join(lead.code, "Ana")
    assert lead.act("room.close")["ok"]
    reply = lead.act("phase.next")
    assert reply["ok"] is False and "closed" in reply["error"]
    newcomer = post(app.test_client(), f"/r/{lead.code}/join", {"name": "Late"})
    assert newcomer.status_code == 409
    assert lead.client.get(f"/r/{lead.code}/lead").status_code == 200


def test_removed_participant_is_cut_off_and_refused(workshop: Workshop, app):
    lead = workshop.connect(workshop.open_room())
    ana = workshop.connect(workshop.join(lead.code, "Ana"))
    with app.app_context():
        ana_id = db.session.query(Participant).filter_by(name="Ana").one().id
    assert lead.act("participant.remove", participant_id=ana_id)["ok"]
    assert not ana.socket.is_connected()
    assert ana.client.get(f"/r/{lead.code}").status_code == 302
    assert ana.post_action("phase.next").status_code == 403
    assert lead.act("participant.remove", participant_id=ana_id)["ok"] is False


def test_sockets_need_an_identity_for_the_room(workshop: Workshop, app):
    from wsapp.extensions import socketio

    lead = workshop.open_room()
    other = workshop.open_room()
    stranger = app.test_client()
    for auth in (
        {"code": lead.code, "view": "participant"},
        {"code": lead.code, "view": "facilitator"},
        {"code": "NOPE", "view": "participant"},
        None,
    ):
        sock = socketio.test_client(app, flask_test_client=stranger, auth=auth)
        assert not sock.is_connected()
    # Leading another room gives nothing here.
    sock = socketio.test_client(
        app, flask_test_client=other.client, auth={"code": lead.code, "view": "facilitator"}
    )
    assert not sock.is_connected()


def test_events_stay_in_their_room(workshop: Workshop):
    first = workshop.connect(workshop.open_room())
    second = workshop.connect(workshop.open_room())
    outsider = workshop.connect(workshop.join(second.code, "Outsider"))
    outsider.socket.get_received()
    second.socket.get_received()
    workshop.connect(workshop.join(first.code, "Ana"))
    first.act("phase.next")
    first.act("timer.start", minutes=3)
    assert outsider.socket.get_received() == []
    assert second.socket.get_received() == []


def test_a_reconnecting_client_gets_the_full_state_it_missed(workshop: Workshop):
    lead = workshop.connect(workshop.open_room())
    ana = workshop.join(lead.code, "Ana")
    seen = workshop.room(lead.code).version
    lead.act("phase.go", index=3)
    lead.act("timer.start", minutes=5)
    workshop.connect(ana, version=seen)
    # connect() drained the queue; ask again as the client does after a gap.
    reply = ana.socket.emit("resync", callback=True)
    assert reply["ok"] and reply["v"] == workshop.room(lead.code).version
    assert {"room-status", "agenda", "phase", "timer", "people"} <= parse(reply["html"]).ids()
    assert 'data-phase="posters"' in reply["html"]


def _pushed_on_connect(workshop: Workshop, app, member, version: int) -> list[dict]:
    from wsapp.extensions import socketio

    member.socket = socketio.test_client(
        app,
        flask_test_client=member.client,
        auth={"code": member.code, "view": member.view, "v": version},
    )
    return [m["args"][0] for m in member.socket.get_received() if m["name"] == "swap"]


def test_a_screen_that_missed_only_comings_and_goings_gets_just_the_people(workshop: Workshop, app):
    """Everyone's Wi-Fi drops and comes back: nothing changed but who is online, so each
    screen is sent the people list at the room's version, not the whole room again."""
    lead = workshop.connect(workshop.open_room())
    ana = workshop.connect(workshop.join(lead.code, "Ana"))
    ben = workshop.connect(workshop.join(lead.code, "Ben"))
    seen = workshop.room(lead.code).version
    ana.socket.disconnect()
    ben.socket.disconnect()
    assert workshop.room(lead.code).version == seen + 2  # both went offline: two versions

    pushed = _pushed_on_connect(workshop, app, ana, seen)
    catch_up = [p for p in pushed if p.get("full")]
    assert len(catch_up) == 1 and catch_up[0]["v"] == workshop.room(lead.code).version
    ids = parse(catch_up[0]["html"]).ids()
    assert "people" in ids and not {"room-status", "agenda", "phase", "timer"} & ids
    assert "Ana" in catch_up[0]["html"] and "Ben" in catch_up[0]["html"]

    # Once something else changed, a screen that was away gets the whole room.
    lead.act("phase.next")
    pushed = _pushed_on_connect(workshop, app, ben, seen)
    full = [p for p in pushed if p.get("full")]
    assert {"room-status", "agenda", "phase", "timer", "people"} <= parse(full[0]["html"]).ids()


def test_a_screen_claiming_a_version_the_room_never_had_gets_the_whole_room(
    workshop: Workshop, app
):
    lead = workshop.open_room()
    ana = workshop.join(lead.code, "Ana")
    pushed = _pushed_on_connect(workshop, app, ana, 10_000)
    full = [p for p in pushed if p.get("full")]
    assert {"room-status", "agenda", "phase", "timer", "people"} <= parse(full[0]["html"]).ids()


def test_the_connect_pushes_state_when_the_page_is_behind(workshop: Workshop, app):
    from wsapp.extensions import socketio

    lead = workshop.connect(workshop.open_room())
    ana = workshop.join(lead.code, "Ana")
    lead.act("phase.next")
    sock = socketio.test_client(
        app, flask_test_client=ana.client, auth={"code": lead.code, "view": "participant", "v": 1}
    )
    pushed = [m["args"][0] for m in sock.get_received() if m["name"] == "swap"]
    assert any('data-phase="where-are-we-now"' in p["html"] for p in pushed)
    with app.app_context():
        assert db.session.get(Room, workshop.room(lead.code).id).version == pushed[-1]["v"]
