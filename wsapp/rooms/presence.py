"""Who is online, the same whichever server process a person's socket reached.

Every open socket has a ``Connection`` row in the shared database. A process that dies
(SIGKILL, a crashed machine) never runs its sockets' disconnect handlers, so clients send
a ``heartbeat`` every ``HEARTBEAT_SECONDS`` that refreshes their row's ``seen_at``. Rows
older than ``PRESENCE_TTL`` no longer count as online (``live.connection_is_live``), and
whichever process next hears a heartbeat or a connect deletes them and tells the rooms
concerned. No process sweeps on a schedule of its own, so one process or several behave
alike.

A participant's socket that closes keeps its row for ``PRESENCE_GRACE`` seconds more
(``close_gracefully``): a phone whose Wi-Fi drops for a moment, or that moves to another
process, comes back without the room ever seeing it leave, and the room is told nothing at
all. Once the grace is over its row has expired, and the sweep (run then by the process
that closed it, or by any process later if that one died) tells the room.
"""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

from flask import Flask, current_app
from flask_socketio import disconnect
from sqlalchemy import bindparam, delete, select, update

from ..extensions import db, plain, socketio
from ..identity import socket_id, socket_seat
from ..live import bump_version, commit_and_send, connection_is_live, presence_changed
from ..models import Connection, Room, utcnow
from ..security import SLOW_DOWN, socket_event_allowed

# The interval static/js/app.js sends heartbeats at; PRESENCE_TTL must be well above it.
HEARTBEAT_SECONDS = 25


def hold_presence(room_id: int) -> None:
    """Take the room's lock (as every change does) until commit.

    A socket moving to another process connects there while its old process handles
    the disconnect; holding this lock in both makes one wait for the other, so the last
    one to decide whether the person went on- or offline sees the other's row. The room
    is locked first, as in every action, so the two never wait on each other in a cycle.
    """
    db.session.execute(select(Room.id).where(Room.id == room_id).with_for_update(key_share=True))


def is_online(participant_id: int) -> bool:
    return (
        db.session.scalar(
            select(Connection.sid)
            .where(Connection.participant_id == participant_id, connection_is_live())
            .limit(1)
        )
        is not None
    )


_last_sweep = 0.0  # monotonic time this process last swept


def sweep(*, now: bool = False) -> None:
    """Delete connections not heard from within the TTL, and show their rooms who left.

    Called on every connect and heartbeat, but runs at most every fifth of the TTL in a
    process (unless ``now``): often enough that people leave within ~1.2 TTL, rarely
    enough to cost nothing. A room is told only if someone whose row expired is not
    online again by now (reconnected, on this process or another).
    """
    global _last_sweep
    ttl = timedelta(seconds=current_app.config["PRESENCE_TTL"])
    if not now and time.monotonic() - _last_sweep < ttl.total_seconds() / 5:
        return
    _last_sweep = time.monotonic()
    gone = db.session.execute(
        delete(Connection)
        .where(Connection.seen_at < utcnow() - ttl)
        .returning(Connection.room_id, Connection.participant_id)
    ).all()
    people = {participant_id for _, participant_id in gone if participant_id}
    back = set(
        db.session.scalars(
            select(Connection.participant_id).where(
                Connection.participant_id.in_(people), connection_is_live()
            )
        )
        if people
        else ()
    )
    db.session.commit()
    left = people - back
    for room_id in sorted({room_id for room_id, pid in gone if pid in left}):
        commit_and_send(bump_version(room_id, presence_only=True), presence_changed())


def close_gracefully(connection: Connection) -> None:
    """Keep a participant's closing socket online for PRESENCE_GRACE seconds more, then
    sweep: the row expires then, unless its person is back, and the room is told.

    The row stays in the database, so any process counts the person as online meanwhile
    and a socket reconnecting anywhere finds them still there (and tells nobody). The
    closing socket stops showing as typing in a cell at once."""
    config = current_app.config
    grace = config["PRESENCE_GRACE"]
    connection.seen_at = utcnow() - timedelta(seconds=config["PRESENCE_TTL"] - grace)
    connection.editing_cell_id = None
    socketio.start_background_task(_sweep_after, current_app._get_current_object(), grace)  # type: ignore[attr-defined]


def _sweep_after(app: Flask, seconds: float) -> None:
    socketio.sleep(seconds + 0.05)  # just past the moment the row expires
    # The partials build their buttons' paths with url_for, which needs a request.
    with app.test_request_context():
        sweep(now=True)


# Every open socket runs it every HEARTBEAT_SECONDS (40 a second for 1,000 people), so it
# is built once (see live._BUMP) and runs as Core (``plain``): no loaded object can be the
# row it touches, and the ORM's bulk UPDATE path cost more than the statement. (An UPDATE's
# parameters named after a column would set that column too: hence "socket".) It returns
# the room's version in the same round trip.
_TOUCH = (
    update(Connection)
    .where(Connection.sid == bindparam("socket"))
    .values(seen_at=bindparam("heard_at"))
    .returning(select(Room.version).where(Room.id == Connection.room_id).scalar_subquery())
)


@socketio.on("heartbeat")
def heartbeat(*_args: object) -> dict[str, Any]:
    """The client is still here; refresh its connection and expire the dead ones.

    The answer carries the room's version: a screen that missed pushes while the message
    queue was away learns it is behind (and resyncs) without waiting for the room's next
    change, which in a quiet room may be long in coming."""
    if not socket_event_allowed("heartbeat"):
        return {"ok": False, "error": SLOW_DOWN}
    if socket_seat() is None:  # a waiting screen: at the room's door, not online in it
        return {"ok": True}
    version = plain(_TOUCH, {"socket": socket_id(), "heard_at": utcnow()}).scalar()
    db.session.commit()
    if version is None:
        # Swept while this process was stalled past the TTL: connecting again restores
        # the row and the person's presence (the client reconnects on a server disconnect).
        disconnect()
        return {"ok": False}
    sweep()
    return {"ok": True, "v": version}
