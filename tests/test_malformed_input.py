"""Malformed and hostile input, on SQLite and on PostgreSQL (the documented deployment):
every refusal is a clear 4xx or a socket reply with an error, and changes nothing.

PostgreSQL refuses some text SQLite stores (a NUL byte) and some numbers and times SQLite
never checks, so these tests run on both; the PostgreSQL runs are marked ``services`` and
fail, not skip, in CI when PostgreSQL is down.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from benchmarks.import_room import MOMENT, biggest_record
from wsapp import limits
from wsapp.extensions import db
from wsapp.models import Note, Participant, PlanCell, PlanColumn, PlanRow, Poster, Room

from .conftest import EACH_DATABASE, Workshop, database_for, post, unchanged
from .dom import parse
from .test_export import import_file

READINESS = "readiness-planning"
PROMPT_PHASE = 1  # readiness-planning's "Where are we now?": notes on its prompt
PROMPT_KEY = "readiness-planning:where-are-we-now"
# Control characters a browser or a script can send; PostgreSQL refuses NUL outright.
CONTROLS = "\x00\x01\x08\x0b\x0c\x1b\x7f"
# Over a socket, JSON can carry half a surrogate pair too (a form post cannot).
SOCKET_CONTROLS = CONTROLS + "\ud800"


@pytest.fixture(params=EACH_DATABASE)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return database_for(request.param, request, tmp_path)


def flash_text(response: Any) -> str:
    return parse(response.get_data(as_text=True)).words


# --- Socket events -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "message,error",
    [
        ("not an object", "Send an action name and its arguments."),
        ({"args": {}}, "Send an action name and its arguments."),
        ({"name": 42}, "Send an action name and its arguments."),
        ({"name": "participant.rename", "args": ["Ana"]}, "must be an object"),
        ({"name": "x" * 10_000}, "There is no action called"),
        ({"name": "participant.rename", "args": {"name": "x" * 41}}, "at most 40 characters"),
        ({"name": "participant.rename", "args": {"name": {"$gt": ""}}}, "name:"),
        ({"name": "participant.rename", "args": {}}, "name: is required"),
        ({"name": "participant.rename", "args": {"name": "\x00 \x1b"}}, "Type the name"),
        ({"name": "participant.rename", "args": {"name": "A", "id": 1}}, "is not expected"),
        ({"name": "note.add", "args": {"question_key": PROMPT_KEY, "text": "x" * 501}}, "500"),
        ({"name": "note.add", "args": {"question_key": PROMPT_KEY, "text": "\x00"}}, "empty"),
        ({"name": "note.add", "args": {"question_key": "k" * 161, "text": "hi"}}, "question_key"),
        ({"name": "dot.place", "args": {"item_id": 10**30, "colour": "green"}}, "far too large"),
        ({"name": "note.delete", "args": {"note_id": -(10**30)}}, "note_id"),
        ({"name": "dot.place", "args": {"item_id": 1, "colour": "purple"}}, "colour"),
        ({"name": "dot.place", "args": {"item_id": -1, "colour": "green"}}, "item_id"),
    ],
)
def test_malformed_socket_events_get_a_clear_error_and_change_nothing(
    workshop: Workshop, app: Flask, message, error
):
    lead = workshop.connect(workshop.open_room())
    lead.act("phase.go", index=PROMPT_PHASE)
    ana = workshop.connect(workshop.join(lead.code, "Ana"))
    with unchanged(app):
        reply = ana.socket.emit("act", message, callback=True)
    assert reply["ok"] is False
    assert error in reply["error"]


# What a script can send in place of an event's payload: nothing at all, null, a number...
PAYLOADS: list[tuple[Any, ...]] = [(), (None,), (42,), ("act",), ([1, 2],), ({},), (None, None)]


@pytest.mark.parametrize("view", ["participant", "facilitator"])
def test_every_socket_event_answers_any_payload_and_changes_nothing(
    workshop: Workshop, app: Flask, view
):
    """``act`` (and an event nobody handles) refuses with a message; ``resync`` and
    ``heartbeat`` take no payload and answer as usual, whatever came with them."""
    lead = workshop.connect(workshop.open_room())
    member = lead if view == "facilitator" else workshop.connect(workshop.join(lead.code, "Ana"))
    with unchanged(app):
        for payload in PAYLOADS:
            for event in ("act", "no-such-event"):
                reply = member.socket.emit(event, *payload, callback=True)
                assert reply["ok"] is False, (event, payload, reply)
                assert reply["error"].endswith("."), reply
            assert member.socket.emit("resync", *payload, callback=True)["ok"] is True
            assert member.socket.emit("heartbeat", *payload, callback=True)["ok"] is True


@pytest.mark.parametrize(
    "action,args,error",
    [
        ("timer.start", {"minutes": "ten"}, "minutes"),
        ("timer.start", {"minutes": "1", "label": "x" * 81}, "label"),
        ("timer.start", {"minutes": str(10**9)}, "minutes"),
        ("phase.go", {"index": "-1"}, "index"),
        ("room.lock", {"locked": "perhaps"}, "locked"),
        ("poster.add", {"title": "x" * 121}, "title"),
        ("poster.add", {"title": "\x00\x01"}, "title"),
    ],
)
def test_malformed_http_actions_get_a_clear_error_and_change_nothing(
    workshop: Workshop, app: Flask, action, args, error
):
    lead = workshop.open_room()
    with unchanged(app):
        response = lead.post_action(action, **args)
    assert response.status_code == 422
    assert error in flash_text(response)


# --- Control characters: dropped from everything typed, by every door ----------------------


def saved(app: Flask, column: Any) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(column).order_by(column)))


def test_control_characters_are_dropped_from_every_text_typed(workshop: Workshop, app: Flask):
    """Typed by the forms (a room's title, a name), by htmx and over the socket: saved
    without NUL and the other control characters, line breaks as one kind; never a 500."""
    lead = workshop.connect(workshop.open_room(title=f"Cedar{CONTROLS} USD"))
    ana = workshop.connect(workshop.join(lead.code, f"A{CONTROLS}na"))
    assert saved(app, Room.title) == ["Cedar USD"]
    assert saved(app, Participant.name) == ["Ana"]
    assert lead.act("phase.go", index=PROMPT_PHASE)["ok"]
    assert ana.act("note.add", question_key=PROMPT_KEY, text=f"one\r\ntwo{SOCKET_CONTROLS}\rthree")[
        "ok"
    ]
    response = ana.post_action("note.add", question_key=PROMPT_KEY, text="\x00by htmx\x00")
    assert response.status_code == 200
    assert saved(app, Note.text) == ["by htmx", "one\ntwo\nthree"]
    assert ana.act("participant.rename", name=f"Ana{SOCKET_CONTROLS} B")["ok"]
    assert saved(app, Participant.name) == ["Ana B"]
    assert lead.act("timer.start", minutes=5, label=f"Break{SOCKET_CONTROLS}")["ok"]
    assert lead.act("poster.add", title="\x00New\tposter", statement=f"x{SOCKET_CONTROLS}")["ok"]
    assert "New poster" in saved(app, Poster.title)
    assert lead.act("plan.row.add", heading="Row\x00", detail="two\nlines")["ok"]
    assert "Row" in saved(app, PlanRow.heading)
    assert "two lines" in saved(app, PlanRow.detail)
    cell = saved(app, PlanCell.id)[0]
    reply = ana.act(
        "plan.cell.edit", cell_id=cell, base_revision=0, text=f"a\x00b{SOCKET_CONTROLS}\r\n"
    )
    assert reply["ok"] and reply["cell"]["text"] == "ab\n"
    assert lead.act("quiet.open")["ok"]
    assert ana.act("quiet.save", text=f"quiet\x00 {SOCKET_CONTROLS}")["ok"]
    with app.app_context():
        room = db.session.scalars(select(Room)).one()
        assert room.timer_label == "Break"


# --- Imports ---------------------------------------------------------------------------------


def room_count(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Room.id))) or 0


def exported(workshop: Workshop) -> dict[str, Any]:
    lead = workshop.open_room()
    return lead.client.get(f"/r/{lead.code}/export/room.json").get_json()


def test_the_largest_import_allowed_is_accepted(workshop: Workshop, app: Flask):
    record = biggest_record(exported(workshop))
    response = import_file(app.test_client(), json.dumps(record).encode())
    assert response.status_code == 204, flash_text(response)
    with app.app_context():
        room = db.session.scalars(select(Room).order_by(Room.id.desc()).limit(1)).one()
        assert room.title == record["room"]["title"]
        counts = [
            db.session.scalar(select(func.count()).select_from(model).where(where))
            for model, where in (
                (Participant, Participant.room_id == room.id),
                (Note, Note.room_id == room.id),
                (PlanRow, PlanRow.room_id == room.id),
                (PlanColumn, PlanColumn.room_id == room.id),
                (
                    PlanCell,
                    PlanCell.row_id.in_(select(PlanRow.id).where(PlanRow.room_id == room.id)),
                ),
            )
        ]
    assert counts == [
        limits.PEOPLE_MAX,
        limits.NOTES_MAX,
        limits.ROWS_MAX,
        limits.COLUMNS_MAX,
        limits.ROWS_MAX * limits.COLUMNS_MAX,
    ]


def one_more(record: dict[str, Any], part: str) -> dict[str, Any]:
    """``record`` with one more ``part`` than an import may hold."""
    if part == "participants":
        extra = {**record[part][0], "ref": limits.PEOPLE_MAX + 1}
        return {**record, part: [*record[part], extra]}
    if part == "posters":
        return {**record, part: [*record[part], {"key": "Z", "title": "One more"}]}
    if part == "items":
        poster = record["posters"][0]
        extra = {"ref": 99_999, "label": "x", "text": "One more"}
        return {**record, "posters": [{**poster, "items": [*poster["items"], extra]}]}
    if part == "notes":
        return {**record, part: [*record[part], {**record[part][0], "ref": limits.NOTES_MAX + 1}]}
    plan = record["plan"]
    extra = {"ref": 999, "heading": "One more"}
    return {**record, "plan": {**plan, part: [*plan[part], extra]}}


@pytest.mark.parametrize(
    "part,message",
    [
        ("participants", f"at most {limits.PEOPLE_MAX} participants"),
        ("posters", f"at most {limits.POSTERS_MAX} posters"),
        ("items", f"at most {limits.ITEMS_PER_POSTER_MAX} items"),
        ("notes", f"at most {limits.NOTES_MAX} notes"),
        ("rows", f"at most {limits.ROWS_MAX} rows"),
        ("columns", f"at most {limits.COLUMNS_MAX} columns"),
    ],
)
def test_an_import_over_a_limit_is_refused_and_creates_nothing(
    workshop: Workshop, app: Flask, part, message
):
    record = one_more(biggest_record(exported(workshop)), part)
    with unchanged(app):
        response = import_file(app.test_client(), json.dumps(record).encode())
    assert response.status_code == 422
    assert message in flash_text(response)


def test_a_plan_of_many_rows_and_columns_is_refused_before_any_work(workshop: Workshop, app: Flask):
    """The 20 KB file that once made 90,000 cells one flush at a time."""
    record = exported(workshop)
    record["plan"] = {
        "rows": [{"ref": n, "heading": "r"} for n in range(1, 301)],
        "columns": [{"ref": n, "heading": "c"} for n in range(1, 301)],
    }
    with unchanged(app):
        response = import_file(app.test_client(), json.dumps(record).encode())
    assert response.status_code == 422
    assert f"at most {limits.ROWS_MAX} rows" in flash_text(response)


@pytest.mark.parametrize(
    "moment",
    ["9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00", "10000-01-01T00:00:00Z"],
)
def test_an_import_with_times_out_of_range_says_so(workshop: Workshop, app: Flask, moment):
    record = exported(workshop)
    record["participants"] = [{"ref": 1, "name": "Ana", "joined_at": moment, "removed": False}]
    with unchanged(app):
        response = import_file(app.test_client(), json.dumps(record).encode())
    assert response.status_code == 422
    assert "participants.0.joined_at" in flash_text(response)


def test_an_import_drops_control_characters_from_its_text(workshop: Workshop, app: Flask):
    record = exported(workshop)
    record["room"]["title"] = f"Imported{CONTROLS} room"
    record["participants"] = [{"ref": 1, "name": "A\x00na", "joined_at": MOMENT, "removed": False}]
    record["notes"] = [
        {
            "ref": 1,
            "question_key": PROMPT_KEY,
            "participant": 1,
            "author_name": "A\x00na",
            "text": f"line\r\nnext{CONTROLS}",
            "created_at": MOMENT,
            "updated_at": MOMENT,
        }
    ]
    response = import_file(app.test_client(), json.dumps(record).encode())
    assert response.status_code == 204, flash_text(response)
    assert "Imported room" in saved(app, Room.title)
    assert saved(app, Participant.name) == ["Ana"]
    assert saved(app, Note.text) == ["line\nnext"]


def test_times_in_an_import_keep_their_moment(workshop: Workshop, app: Flask):
    record = exported(workshop)
    record["participants"] = [
        {"ref": 1, "name": "Ana", "joined_at": "2026-11-02T09:00:00-05:00", "removed": False}
    ]
    assert import_file(app.test_client(), json.dumps(record).encode()).status_code == 204
    with app.app_context():
        joined = db.session.scalars(select(Participant.joined_at)).one()
    assert joined.replace(tzinfo=UTC) == datetime(2026, 11, 2, 14, 0, tzinfo=UTC)


# --- Opening rooms ---------------------------------------------------------------------------


def test_forms_with_control_characters_only_are_refused_clearly(workshop: Workshop, app: Flask):
    lead = workshop.open_room()
    with unchanged(app):
        response = post(app.test_client(), f"/r/{lead.code}/join", {"name": "\x00\x01 \x7f"})
    assert response.status_code == 422
    assert "Type the name" in flash_text(response)
