"""Who is online, the same whichever server process a person's socket reached.

Every open socket has a ``Connection`` row in the shared database. A process that dies
(SIGKILL, a crashed machine) never runs its sockets' disconnect handlers, so clients send
a ``heartbeat`` every ``HEARTBEAT_SECONDS`` that refreshes their row's ``seen_at``. Rows
older than ``PRESENCE_TTL`` no longer count as online (``live.connection_is_live``), and
whichever process next hears a heartbeat or a connect deletes them and tells the rooms
concerned. No process runs a background sweep, so one process or several behave alike.
"""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

from flask import current_app, request
from flask_socketio import disconnect
from sqlalchemy import delete, select, update

from ..extensions import db, socketio
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


def sweep() -> None:
    """Delete connections not heard from within the TTL, and show their rooms who left.

    Called on every connect and heartbeat, but runs at most every fifth of the TTL in a
    process: often enough that people leave within ~1.2 TTL, rarely enough to cost nothing.
    """
    global _last_sweep
    ttl = timedelta(seconds=current_app.config["PRESENCE_TTL"])
    if time.monotonic() - _last_sweep < ttl.total_seconds() / 5:
        return
    _last_sweep = time.monotonic()
    gone = db.session.execute(
        delete(Connection)
        .where(Connection.seen_at < utcnow() - ttl)
        .returning(Connection.room_id, Connection.participant_id)
    ).all()
    db.session.commit()
    for room_id in sorted({room_id for room_id, participant_id in gone if participant_id}):
        current_app.logger.info("presence: room %s lost connections of a stopped process", room_id)
        commit_and_send(bump_version(room_id, presence_only=True), presence_changed())


@socketio.on("heartbeat")
def heartbeat(*_args: object) -> dict[str, Any]:
    """The client is still here; refresh its connection and expire the dead ones."""
    if not socket_event_allowed("heartbeat"):
        return {"ok": False, "error": SLOW_DOWN}
    touched = db.session.execute(
        update(Connection).where(Connection.sid == request.sid).values(seen_at=utcnow())
    ).rowcount
    db.session.commit()
    if not touched:
        # Swept while this process was stalled past the TTL: connecting again restores
        # the row and the person's presence (the client reconnects on a server disconnect).
        disconnect()
        return {"ok": False}
    sweep()
    return {"ok": True}
