"""What the server logs: refusals, removals, deletions, imports and failed socket events,
each with ids and room codes, never what people typed or their names."""

from __future__ import annotations

import logging

import pytest
from flask import Flask
from sqlalchemy import select, text

from wsapp.extensions import db, socketio
from wsapp.models import Participant

from .conftest import Member, Team, Workshop, phase_index, post
from .test_export import import_file

SECRET = "Ana's private worry about the budget"


@pytest.fixture
def logged(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.INFO, logger="wsapp")
    return caplog


@pytest.fixture
def team(workshop: Workshop) -> Team:
    return workshop.team("discussion-alignment-coherence", phase=1)


def lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [record.getMessage() for record in caplog.records if record.name == "wsapp"]


def participant_id(app: Flask, name: str) -> int:
    with app.app_context():
        return db.session.scalars(select(Participant.id).where(Participant.name == name)).one()


def test_a_refused_action_is_logged_by_name_room_and_sender_without_its_text(
    team: Team, app: Flask, workshop: Workshop, logged: pytest.LogCaptureFixture
):
    assert team.lead.act("room.lock", locked=True)["ok"]
    room_id = workshop.room(team.lead.code).id
    question = "alignment-coherence:A:yours:2"
    assert team.ana.act("note.add", question_key=question, text=SECRET)["ok"] is False
    ana = participant_id(app, "Ana")
    assert f"action 'note.add' refused (409) in room {room_id} for {room_id}:p{ana}" in lines(
        logged
    )
    assert not any(SECRET in line or "Ana" in line for line in lines(logged))


def test_a_stranger_is_logged_as_one_without_an_address(
    team: Team, app: Flask, logged: pytest.LogCaptureFixture
):
    stranger = Member(app.test_client(), team.lead.code, "participant")
    assert stranger.post_action("room.lock", locked="true").status_code == 403
    refused = [line for line in lines(logged) if "'room.lock' refused (403)" in line]
    assert refused and refused[0].endswith("for a stranger")
    assert not any("127.0.0.1" in line for line in lines(logged))


def test_removing_someone_deleting_a_room_and_importing_one_are_logged(
    team: Team, app: Flask, workshop: Workshop, logged: pytest.LogCaptureFixture
):
    code = team.lead.code
    ben = participant_id(app, "Ben")
    assert team.lead.act("participant.remove", participant_id=ben)["ok"]
    assert f"participant {ben} removed from room {code}" in lines(logged)

    export = team.lead.client.get(f"/r/{code}/export/room.json").data
    assert import_file(app.test_client(), b"not json").status_code == 422
    assert "room import refused (422)" in lines(logged)
    assert import_file(app.test_client(), export).status_code == 204
    assert any(line.endswith("imported from a room export") for line in lines(logged))

    room_id = workshop.room(code).id
    assert post(team.lead.client, f"/facilitator/rooms/{code}/delete").status_code == 302
    assert f"room {code} (id {room_id}) deleted by its facilitator" in lines(logged)
    assert not any("Ben" in line for line in lines(logged))


def test_a_socket_refused_is_logged_with_the_room_code(
    app: Flask, workshop: Workshop, logged: pytest.LogCaptureFixture
):
    lead = workshop.open_room()
    stranger = socketio.test_client(app, auth={"code": lead.code, "view": "participant", "v": 0})
    assert not stranger.is_connected()
    assert (
        f"socket refused in room {lead.code}: You are not in this room. Join it with its code."
        in lines(logged)
    )


def test_an_event_that_fails_is_logged_undone_and_answered(
    app: Flask, workshop: Workshop, logged: pytest.LogCaptureFixture
):
    """When the database fails under an event (here its presence table is gone), the sender
    gets an answer rather than silence, the log a warning naming the event and socket, and
    a connect that fails is refused rather than admitted half-recorded."""
    lead = workshop.team(phase=phase_index(app, "plan")).lead
    with app.app_context():
        db.session.execute(text("ALTER TABLE connections RENAME TO connections_gone"))
        db.session.commit()
    reply = lead.socket.emit("heartbeat", callback=True)
    assert reply == {
        "ok": False,
        "error": "Something went wrong and nothing was saved. Reload the page.",
    }
    failed = [r for r in logged.records if r.levelno == logging.WARNING and r.name == "wsapp"]
    assert failed and failed[0].getMessage().startswith(
        "socket event 'heartbeat' failed on socket "
    )
    assert failed[0].exc_info is not None

    again = socketio.test_client(
        app, flask_test_client=lead.client, auth={"code": lead.code, "view": "facilitator"}
    )
    assert not again.is_connected()
    assert any("socket event 'connect' failed" in line for line in lines(logged))
