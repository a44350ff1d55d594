"""Socket handlers: connect into a room, presence, actions and resync."""

from __future__ import annotations

from typing import Any

from flask import current_app, request
from flask_socketio import ConnectionRefusedError, join_room
from sqlalchemy import delete

from ..actions import ActionError, perform
from ..extensions import db, socketio
from ..feature import socket_kinds
from ..identity import (
    Seat,
    knock_in,
    leads,
    leave_seat,
    participant_in,
    seated_in,
    socket_id,
    socket_seat,
    take_seat,
    watches,
)
from ..live import (
    Viewer,
    audience_key,
    bump_version,
    catch_up,
    commit_and_deliver,
    commit_and_send,
    full_state,
    participant_key,
    presence_changed,
    render_change,
)
from ..models import Connection, Participant, Room
from ..security import (
    NOT_IN_A_ROOM,
    SLOW_DOWN,
    TOO_MANY_ATTEMPTS,
    connects_left,
    count_failed_attempt,
    out_of_guesses,
    socket_event_allowed,
)
from .codes import room_by_code
from .domain import knock_key, render_knock
from .presence import close_gracefully, hold_presence, is_online, sweep


def _connection() -> Connection | None:
    return db.session.get(Connection, socket_id())


def _refused(reason: str, room: Room | None = None) -> ConnectionRefusedError:
    """A socket turned away, logged with the room's code, not the person's name."""
    current_app.logger.info(
        "socket refused in room %s: %s", room.code if room else "(no such room)", reason
    )
    return ConnectionRefusedError(reason)


@socketio.on("connect")
def connect(auth: dict[str, Any] | None) -> None:
    """Admit a socket to the room its page belongs to, as the identity its cookie proves."""
    auth = auth if isinstance(auth, dict) else {}
    # A page whose socket watches something other than one room (an event's roll-up).
    other = socket_kinds().get(str(auth.get("kind", "room")))
    if other is not None:
        other(auth)
        return
    code = str(auth.get("code", ""))[:20]
    if out_of_guesses(code):
        raise ConnectionRefusedError(TOO_MANY_ATTEMPTS)
    room = room_by_code(code)
    view = auth.get("view")
    if room is None or view not in ("participant", "facilitator", "projector", "waiting"):
        count_failed_attempt("code")
        raise _refused("That room does not exist.")
    if view == "waiting":
        _wait_at_the_door(room)
        return
    member: Participant | None = None
    if view == "participant":
        member = participant_in(room)
        if member is None:
            raise _refused("You are not in this room. Join it with its code.", room)
    elif not (leads(room) or (view == "projector" and watches(room))):
        raise _refused("Only the facilitator can open this view.", room)
    if not connects_left(f"participant:{member.id}" if member else f"lead:{room.id}"):
        raise ConnectionRefusedError("Too many connections from this device. Wait a minute.")

    seen = auth.get("v")
    seen_version = seen if isinstance(seen, int) else 0
    sweep()
    if member is not None:
        hold_presence(room.id)
    was_online = member is not None and is_online(member.id)
    db.session.add(
        Connection(
            sid=socket_id(),
            room_id=room.id,
            participant_id=member.id if member else None,
            view=view,
        )
    )
    join_room(audience_key(room.id, view))
    if member is not None:
        join_room(participant_key(member.id))
    if member is not None and not was_online:
        # What the screen missed goes out right after the push saying it came online, in
        # the same version: a later change's push cannot overtake it (and, under a wave of
        # reconnects, leave the screen holding a gap until it asks again).
        room = bump_version(room.id, presence_only=True)
        outbox = render_change(room, presence_changed())
        outbox.full.append((socket_id(), catch_up(room, Viewer(view, member), seen_version)))
        commit_and_deliver(outbox)
    else:
        db.session.commit()
        if seen_version < room.version:
            html = catch_up(room, Viewer(view, member), seen_version)
            socketio.emit("swap", {"v": room.version, "full": True, "html": html}, to=socket_id())
    # Only once admitted and saved: a connect that failed leaves no seat behind.
    take_seat(Seat(room.id, view, member.id if member else None))


def _wait_at_the_door(room: Room) -> None:
    """A waiting screen listens for the facilitator's answer (and gets the answer at once
    if it came before the socket did). It is not in the room: no seat, no presence."""
    knock = knock_in(room)
    if knock is None:
        raise ConnectionRefusedError("You have not asked to join this room.")
    if not connects_left(f"knock:{knock.id}"):
        raise ConnectionRefusedError("Too many connections from this device. Wait a minute.")
    join_room(knock_key(knock.id))
    socketio.emit("swap", {"v": 0, "full": True, "html": render_knock(room, knock)}, to=socket_id())


@socketio.on("disconnect")
def disconnect(*_reason: object) -> None:
    leave_seat()
    connection = _connection()
    if connection is None:
        return
    participant_id, room_id = connection.participant_id, connection.room_id
    was_editing = connection.editing_cell_id is not None
    if participant_id is not None:
        hold_presence(room_id)
    graceful = participant_id is not None and bool(current_app.config["PRESENCE_GRACE"])
    if graceful:
        close_gracefully(connection)  # its person counts as here until the grace is over
    else:
        db.session.execute(delete(Connection).where(Connection.sid == socket_id()))
    gone = participant_id is not None and not graceful and not is_online(participant_id)
    if was_editing or gone:
        room = bump_version(room_id, presence_only=True)
        commit_and_send(room, presence_changed())
    else:
        db.session.commit()


@socketio.on("act")
def act(message: Any = None, *_extra: object) -> dict[str, Any]:
    """``{"name": "dot.place", "args": {...}}`` → ``{"ok": true, "v": 12}`` (and what the
    action tells its sender, such as ``"cell"``) or an error.

    No message at all is an error like any other malformed one; arguments after the
    message (a client's stray ``undefined``) are ignored, not a crash.
    """
    seat = socket_seat()
    if seat is None:
        return {"ok": False, "error": NOT_IN_A_ROOM}
    if seat.view == "projector":
        return {"ok": False, "error": "The projector view only shows the room."}
    if not isinstance(message, dict) or not isinstance(message.get("name"), str):
        return {"ok": False, "error": "Send an action name and its arguments."}
    args = message.get("args") or {}
    if not isinstance(args, dict):
        return {"ok": False, "error": "An action's arguments must be an object."}
    try:
        done = perform(
            seat.room_id, message["name"], args, as_facilitator=seat.view == "facilitator"
        )
    except ActionError as error:
        return {"ok": False, "error": error.message}
    return {"ok": True, "v": done.version, **done.reply}


@socketio.on("*")
def unknown_event(event: Any, *_args: object) -> dict[str, Any]:
    """An event no handler takes still gets an answer, rather than a client left waiting."""
    return {"ok": False, "error": f"There is no event called {str(event)[:40]!r}."}


@socketio.on("resync")
def resync(*_args: object) -> dict[str, Any]:
    """The room's full current state for this socket, after the client saw a gap."""
    if not socket_event_allowed("resync"):
        return {"ok": False, "error": SLOW_DOWN}
    seated = seated_in()
    if seated is None:
        return {"ok": False, "error": NOT_IN_A_ROOM}
    seat, room, member = seated
    return {"ok": True, "v": room.version, "html": full_state(room, Viewer(seat.view, member))}


@socketio.on_error_default
def failed(error: Exception) -> Any:
    """An event's handler raised: nothing it did is kept, the log says which event on which
    socket failed (not what it carried), and the sender is told. A connect that failed is
    refused."""
    db.session.rollback()
    event = str(request.event["message"])  # type: ignore[attr-defined]  # Flask-SocketIO's
    current_app.logger.warning(
        "socket event %r failed on socket %s", event[:40], socket_id(), exc_info=error
    )
    if event == "connect":
        return False
    return {"ok": False, "error": "Something went wrong and nothing was saved. Reload the page."}
