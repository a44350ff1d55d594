"""A cell's history, fetched when someone opens it rather than pushed with every edit."""

from __future__ import annotations

from flask import abort, render_template, request

from ..actions import ActionError
from ..identity import actor_in
from ..live import Viewer
from ..rooms.codes import room_or_404
from . import bp
from .domain import cell_in


@bp.get("/r/<code>/plan/cells/<int:cell_id>/history")
def history(code: str, cell_id: int) -> str:
    """Who saved what and when in one cell; the facilitator's copy offers restoring."""
    room = room_or_404(code)
    as_facilitator = request.args.get("lead") == "1"
    actor = actor_in(room, as_facilitator=as_facilitator)
    if actor is None:
        abort(403, "Join the room to see its plan.")
    try:
        cell, row, column = cell_in(room, cell_id)
    except ActionError as error:
        abort(error.status, error.message)
    viewer = Viewer("facilitator" if actor.is_facilitator else "participant", actor.participant)
    return render_template(
        "plan/_history.html", room=room, viewer=viewer, cell=cell, row=row, column=column
    )
