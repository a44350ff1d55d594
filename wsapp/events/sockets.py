"""The event page's socket: its lead's page and projector view watch the event's rooms."""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask_socketio import ConnectionRefusedError, join_room

from ..extensions import socketio
from ..identity import socket_id
from ..models import Event
from ..security import (
    SLOW_DOWN,
    TOO_MANY_ATTEMPTS,
    attempts_left,
    connects_left,
    count_failed_attempt,
    socket_event_allowed,
)
from .domain import CODE_MAX, bp, event_by_code, event_key, leads_event, render_full

NOT_THE_LEAD = "Only the event's lead can watch it. Open the organiser link on this device."


def _led_event(code: Any) -> tuple[Event | None, str]:
    """The event an event page names, if this socket's browser leads it; else the refusal."""
    event = event_by_code(str(code or "")[:CODE_MAX])
    if event is None:
        return None, "That event does not exist."
    if not leads_event(event):
        return None, NOT_THE_LEAD
    return event, ""


def connect_watcher(auth: dict[str, Any]) -> None:
    """Admit a socket to its event's audience and send it the roll-up as it is now."""
    code = str(auth.get("event", ""))[:CODE_MAX]
    if not attempts_left("code"):
        raise ConnectionRefusedError(TOO_MANY_ATTEMPTS)
    event, refusal = _led_event(code)
    if event is None:
        if refusal != NOT_THE_LEAD:
            count_failed_attempt("code")
        current_app.logger.info("event socket refused: %s", refusal)
        raise ConnectionRefusedError(refusal)
    if not connects_left(f"event:{event.id}"):
        raise ConnectionRefusedError("Too many connections from this device. Wait a minute.")
    join_room(event_key(event.id))
    socketio.emit("swap", {"v": 0, "full": True, "html": render_full(event)}, to=socket_id())


bp.socket_kind("event", connect_watcher)


@socketio.on("event.resync")
def resync(message: Any = None, *_extra: object) -> dict[str, Any]:
    """The whole roll-up again (the page asks after its socket came back)."""
    if not socket_event_allowed("resync"):
        return {"ok": False, "error": SLOW_DOWN}
    code = message.get("event") if isinstance(message, dict) else None
    event, refusal = _led_event(code)
    if event is None:
        return {"ok": False, "error": refusal}
    return {"ok": True, "html": render_full(event)}
