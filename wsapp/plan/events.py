"""The socket event a typist's page asks after each save: what its cell holds now.

The ``act`` acknowledgement says only that the edit was saved; the saved text may be a
merge with someone else's, and the page needs it to rebase what was typed meanwhile.
"""

from __future__ import annotations

from typing import Any

from ..actions import ActionError
from ..extensions import socketio
from ..identity import seated_in
from ..security import NOT_IN_A_ROOM
from .domain import cell_in


@socketio.on("plan.cell")
def cell_state(message: Any) -> dict[str, Any]:
    """``{"cell_id": 7}`` → ``{"ok": true, "revision": 4, "text": "...", "conflict": false}``."""
    seated = seated_in()
    if seated is None:
        return {"ok": False, "error": NOT_IN_A_ROOM}
    cell_id = message.get("cell_id") if isinstance(message, dict) else None
    if not isinstance(cell_id, int) or isinstance(cell_id, bool):
        return {"ok": False, "error": "Say which cell."}
    _seat, room, _member = seated
    try:
        cell, _row = cell_in(room, cell_id)
    except ActionError as error:
        return {"ok": False, "error": error.message}
    return {
        "ok": True,
        "cell_id": cell.id,
        "revision": cell.revision,
        "text": cell.text,
        "conflict": cell.conflict_text is not None,
    }
