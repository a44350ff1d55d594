"""The message queue between server processes: a change's pushes travel as one message.

python-socketio publishes every emit on Redis by itself. A dot has four pushes (the
participants', the facilitator's, the projector's and the dotter's own), so it cost four
Redis round trips in the process that saved it, and four messages for every process to
read and decode. :func:`send_all` publishes a change's pushes as one message; every process
(this one at once, the others when Redis brings it) hands them to its own sockets in the
order given, exactly as the separate emits would have.

Without a message queue (the embedded default: one process) each push is emitted as it is.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from socketio import RedisManager

from .extensions import socketio

Push = tuple[str | list[str], dict[str, Any]]  # (audience or audiences, the event's data)


class ChangeQueue(RedisManager):
    """python-socketio's Redis manager, which also carries many emits in one message."""

    def emit_all(self, event: str, pushes: Sequence[Push], namespace: str = "/") -> None:
        message = {
            "method": "emit",  # so python-socketio's listener hands it to _handle_emit
            "host_id": self.host_id,
            "batch": [
                {"event": event, "data": [data], "namespace": namespace, "room": to}
                for to, data in pushes
            ],
        }
        self._handle_emit(message)  # this process's sockets
        self._publish(message)  # the other processes'

    def _handle_emit(self, message: dict[str, Any]) -> None:
        batch = message.get("batch")
        if batch is None:
            super()._handle_emit(message)
            return
        for one in batch:
            super()._handle_emit(one)


def message_queue(url: str | None, channel: str) -> ChangeQueue | None:
    """The queue for ``WSAPP_MESSAGE_QUEUE_URL`` (Redis), or None for one process alone."""
    return ChangeQueue(url, channel=channel) if url else None


def send_all(event: str, pushes: Sequence[Push]) -> None:
    """Emit each push to its audience, in order; through Redis, as one message."""
    manager = socketio.server.manager
    if isinstance(manager, ChangeQueue):
        manager.emit_all(event, pushes)
        return
    for to, data in pushes:
        socketio.emit(event, data, to=to)
