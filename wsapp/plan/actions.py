"""Actions: what a plan cell (or a line in it) says to do, with an owner, a due date, a
status and evidence notes, so the plan lives on after the workshop.

A new action's due date defaults to its column's number of days ("30 Days") after the
room was opened; a column without a number gives no default. Every change of status,
owner or due date is kept as a PlanActionChange (who, when, from what to what).

Live regions: ``plan/_cell_actions.html``, each cell's actions (pushed as a part of the
grid, ``live.Parts``), and ``plan/_actions.html``, the "Actions" list (on the plan phase
and the record page).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field
from sqlalchemy import func, select

from ..actions import ActionError, Args
from ..extensions import db
from ..identity import Actor
from ..limits import ACTIONS_MAX
from ..live import Parts, Publish, per_change
from ..models import (
    PlanAction,
    PlanActionChange,
    PlanCell,
    PlanColumn,
    PlanRow,
    Room,
    Series,
    utcnow,
)
from ..text import Line
from .domain import bp, cell_in, cell_label, check_editable

ACTION_TEXT_MAX = 300
OWNER_MAX = 60
EVIDENCE_MAX = 2000
# A due date is a school year's plan, not a typo of year 20026 or 1926.
DUE_EARLIEST = date(2000, 1, 1)
DUE_LATEST = date(2100, 12, 31)

STATUSES = {
    "not_started": "Not started",
    "in_progress": "In progress",
    "done": "Done",
    "blocked": "Blocked",
}
Status = Literal["not_started", "in_progress", "done", "blocked"]
SORTS = {"due": "due date", "owner": "owner", "status": "status"}

# Each cell's line of actions (a part of the grid), and the Actions list.
ACTIONS = (Parts("plan/_grid.html", ("plan/_cell_actions.html",)), "plan/_actions.html")

bp.template_globals(
    action_statuses=STATUSES,
    action_sorts=SORTS,
    action_text_max=ACTION_TEXT_MAX,
    action_owner_max=OWNER_MAX,
    action_evidence_max=EVIDENCE_MAX,
)

_DAYS = re.compile(r"(\d{1,4})\s*days?\b", re.IGNORECASE)


def default_due(room: Room, column: PlanColumn) -> date | None:
    """The column's number of days after the room's opening (its series' first session's,
    in a check-in): "60 Days" gives day 60."""
    found = _DAYS.search(column.heading)
    if found is None:
        return None
    # In a check-in, the days count from the series' first session, the workshop.
    series = db.session.get(Series, room.series_id) if room.series_id is not None else None
    start = series.started_on if series is not None else room.created_at.date()
    return start + timedelta(days=int(found.group(1)))


# --- Reading ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ListedAction:
    """An action as the list shows it: with the label of the cell it was made from."""

    action: PlanAction
    cell: str


def _sort_key(sort: str) -> Any:
    order = list(STATUSES)

    def key(listed: ListedAction) -> tuple[Any, ...]:
        a = listed.action
        undated = a.due_on is None
        due = (undated, a.due_on or DUE_LATEST)
        if sort == "owner":
            return (a.owner == "", a.owner.casefold(), *due, a.id)
        if sort == "status":
            return (order.index(a.status), *due, a.id)
        return (*due, a.id)

    return key


@bp.template_global
@per_change
def plan_actions(room: Room, sort: str = "due") -> list[ListedAction]:
    """The room's actions in the order asked for (by due date when the order is unknown);
    those without an owner or a date come last."""
    found = db.session.execute(
        select(PlanAction, PlanRow, PlanColumn)
        .join(PlanCell, PlanAction.cell_id == PlanCell.id)
        .join(PlanRow, PlanCell.row_id == PlanRow.id)
        .join(PlanColumn, PlanCell.column_id == PlanColumn.id)
        .where(PlanAction.room_id == room.id)
    )
    listed = [ListedAction(a, cell_label(row, column)) for a, row, column in found]
    return sorted(listed, key=_sort_key(sort if sort in SORTS else "due"))


@bp.template_global
@per_change
def actions_by_cell(room: Room) -> dict[int, list[PlanAction]]:
    by_cell: dict[int, list[PlanAction]] = {}
    for listed in plan_actions(room):
        by_cell.setdefault(listed.action.cell_id, []).append(listed.action)
    return by_cell


@bp.template_global
def action_history(action: PlanAction) -> list[PlanActionChange]:
    return list(
        db.session.scalars(
            select(PlanActionChange)
            .where(PlanActionChange.action_id == action.id)
            .order_by(PlanActionChange.id)
        )
    )


# --- Changing -----------------------------------------------------------------------------


def _empty_is_none(value: Any) -> Any:
    return None if value == "" else value


Due = Annotated[date | None, BeforeValidator(_empty_is_none)]


class ActionFields(Args):
    owner: Line = Field(default="", max_length=OWNER_MAX)
    due: Due = None
    status: Status = "not_started"
    evidence: str = Field(default="", max_length=EVIDENCE_MAX)


class AddAction(ActionFields):
    cell_id: int = Field(ge=1)
    text: Line = Field(min_length=1, max_length=ACTION_TEXT_MAX)


class UpdateAction(ActionFields):
    action_id: int = Field(ge=1)
    text: Line = Field(default="", max_length=ACTION_TEXT_MAX)


class ActionRef(Args):
    action_id: int = Field(ge=1)


def _check_due(due: date | None) -> date | None:
    if due is not None and not DUE_EARLIEST <= due <= DUE_LATEST:
        raise ActionError(
            f"A due date must fall between {DUE_EARLIEST:%Y} and {DUE_LATEST:%Y}; "
            f"{due.isoformat()} does not. Nothing was saved.",
            422,
        )
    return due


def _note(action: PlanAction, actor: Actor, what: str, old: str, new: str) -> None:
    db.session.add(
        PlanActionChange(
            action_id=action.id,
            field=what,
            old=old,
            new=new,
            author_name=actor.name,
            participant_id=actor.participant.id if actor.participant else None,
        )
    )


def _action_in(room: Room, action_id: int) -> PlanAction:
    found = db.session.get(PlanAction, action_id)
    if found is None or found.room_id != room.id:
        raise ActionError("That action is not in this room's plan. Reload the page.", 404)
    return found


def _editable(room: Room, actor: Actor, cell_id: int) -> tuple[PlanCell, PlanRow, PlanColumn]:
    cell, row, column = cell_in(room, cell_id)
    check_editable(room, actor, row)
    return cell, row, column


@bp.action("plan.action.add", AddAction, who="anyone")
def add_action(room: Room, actor: Actor, args: AddAction) -> Publish:
    """Make an action from a cell; its due date defaults from the cell's column."""
    cell, _row, column = _editable(room, actor, args.cell_id)
    count = db.session.scalar(
        select(func.count()).select_from(PlanAction).where(PlanAction.room_id == room.id)
    )
    if (count or 0) >= ACTIONS_MAX:
        raise ActionError(f"A plan can have at most {ACTIONS_MAX} actions.", 409)
    due = _check_due(args.due) if "due" in args.model_fields_set else default_due(room, column)
    made = PlanAction(
        room_id=room.id,
        cell_id=cell.id,
        text=args.text,
        owner=args.owner,
        due_on=due,
        status=args.status,
        evidence=args.evidence,
    )
    db.session.add(made)
    db.session.flush()
    _note(made, actor, "added", "", args.status)
    return Publish(regions=ACTIONS)


@bp.action("plan.action.update", UpdateAction, who="anyone")
def update_action(room: Room, actor: Actor, args: UpdateAction) -> Publish:
    """Change what is sent of an action's text, owner, due date, status or evidence; the
    status, owner and due date keep their history."""
    found = _action_in(room, args.action_id)
    _editable(room, actor, found.cell_id)
    sent = args.model_fields_set
    if "text" in sent and not args.text:
        raise ActionError("An action needs some text: say what will be done.", 422)
    changed = False
    for what, attr, new, shown in (
        ("status", "status", args.status, str),
        ("owner", "owner", args.owner, str),
        ("due", "due_on", _check_due(args.due), lambda d: d.isoformat() if d else ""),
    ):
        old = getattr(found, attr)
        if what in sent and new != old:
            _note(found, actor, what, shown(old), shown(new))
            setattr(found, attr, new)
            changed = True
    for attr in ("text", "evidence"):
        if attr in sent and getattr(args, attr) != getattr(found, attr):
            setattr(found, attr, getattr(args, attr))
            changed = True
    if not changed:
        return Publish()
    found.updated_at = utcnow()
    return Publish(regions=ACTIONS)


@bp.action("plan.action.remove", ActionRef, who="anyone")
def remove_action(room: Room, actor: Actor, args: ActionRef) -> Publish:
    """Take an action off the plan (made by mistake); its history goes with it."""
    found = _action_in(room, args.action_id)
    _editable(room, actor, found.cell_id)
    db.session.delete(found)
    return Publish(regions=ACTIONS)
