"""A cell's history and the form that makes an action from it, fetched when someone opens
them rather than pushed with every edit; and the Actions list in the order someone asked."""

from __future__ import annotations

from flask import abort, render_template, request

from ..actions import ActionError
from ..extensions import db
from ..identity import Actor, actor_in
from ..live import Viewer
from ..models import PlanAction, PlanCell, PlanColumn, PlanRow, Room
from ..rooms.codes import room_or_404
from .actions import default_due
from .domain import bp, cell_in


def _reader(code: str) -> tuple[Room, Actor, Viewer]:
    """The room and who is asking (``?lead=1``: its facilitator), or a refusal."""
    room = room_or_404(code)
    actor = actor_in(room, as_facilitator=request.args.get("lead") == "1")
    if actor is None:
        abort(403, "Join the room to see its plan.")
    viewer = Viewer("facilitator" if actor.is_facilitator else "participant", actor.participant)
    return room, actor, viewer


def _cell(room: Room, cell_id: int) -> tuple[PlanCell, PlanRow, PlanColumn]:
    try:
        return cell_in(room, cell_id)
    except ActionError as error:
        abort(error.status, error.message)


@bp.get("/r/<code>/plan/cells/<int:cell_id>/history")
def history(code: str, cell_id: int) -> str:
    """Who saved what and when in one cell; the facilitator's copy offers restoring."""
    room, _actor, viewer = _reader(code)
    cell, row, column = _cell(room, cell_id)
    return render_template(
        "plan/_history.html", room=room, viewer=viewer, cell=cell, row=row, column=column
    )


@bp.get("/r/<code>/plan/cells/<int:cell_id>/action")
def action_form(code: str, cell_id: int) -> str:
    """The form that makes an action from a cell, or (``?action_id=``) changes one."""
    room, _actor, viewer = _reader(code)
    cell, row, column = _cell(room, cell_id)
    found = None
    if "action_id" in request.args:
        found = db.session.get(PlanAction, request.args.get("action_id", type=int) or 0)
        if found is None or found.cell_id != cell.id:
            abort(404, "That action is not in this cell any more.")
    return render_template(
        "plan/_action_form.html",
        room=room,
        viewer=viewer,
        cell=cell,
        row=row,
        column=column,
        action=found,
        due=default_due(room, column),
    )


@bp.get("/r/<code>/plan/actions")
def actions_list(code: str) -> str:
    """The Actions list sorted as asked (``?sort=due|owner|status``)."""
    room, _actor, viewer = _reader(code)
    return render_template(
        "plan/_actions.html", room=room, viewer=viewer, sort=request.args.get("sort", "due")
    )
