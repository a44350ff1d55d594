"""A series: a workshop and the check-ins planned from it, in order.

"Plan a check-in" (``series.checkin``, the facilitator's action on any session's room) opens
the next session as a new room running the kit's ``checkin_kit``, seeded with the room's
plan (its cells, their history and their actions with theirs) and its posters' items. The
new room's posters start without dots; each item keeps the room's tally as its previous
session's dots (``PreviousTally``), from which its movement is measured
(:mod:`.movement`). Nobody is a participant of the new room until they join it; whoever
leads the room leads the check-in too (co-facilitators through the check-in's own
co-facilitator link, which the facilitator can revoke as in any room).
"""

from __future__ import annotations

from datetime import date, timedelta

from pydantic import Field
from sqlalchemy import func, insert, literal, select

from ..actions import ActionError, Args
from ..export.domain import (
    SERIES_DAYS_MAX,
    RecordConsideration,
    RecordPlan,
    RoomRecord,
    build_record,
    new_room_from,
    preferences,
)
from ..extensions import db
from ..feature import Feature
from ..identity import Actor, set_link
from ..live import Publish, per_change
from ..models import FacilitatorRoom, Room, Series
from ..plan.actions import DUE_EARLIEST, DUE_LATEST, Due
from ..posters.domain import tally
from ..rooms.domain import TITLE_MAX, kit_of
from ..text import Line

# The plan's columns: the steps a check-in offers first, in days after the workshop.
STEPS = (30, 60, 90, 120)
# Sessions in one series: a check-in a month for years, far below what floods a list.
SESSIONS_MAX = 40
SERIES_REGION = ("series/_series.html",)

bp = Feature("series", __name__)
# The facilitator's "Check-ins" card: the series' sessions and "Plan a check-in".
bp.live_regions(page=SERIES_REGION, views=("facilitator",))
# A check-in reviews the plan's actions one by one (the Actions list, plan/_actions.html).
bp.phase("action_review", "phases/_action_review.html")


def session_label(room: Room) -> str:
    """Where the room stands in its series: "Session 1 (workshop)", "30-day check-in"."""
    if not room.series_days:
        return "Session 1 (workshop)"
    return f"{room.series_days}-day check-in"


@per_change
def sessions_of(room: Room) -> list[Room]:
    """The room's series in order (just the room when it is in none)."""
    if room.series_id is None:
        return [room]
    return list(
        db.session.scalars(
            select(Room)
            .where(Room.series_id == room.series_id)
            .order_by(Room.series_days, Room.created_at, Room.id)
        )
    )


def series_of(room: Room) -> Series | None:
    return db.session.get(Series, room.series_id) if room.series_id is not None else None


def started_on(room: Room) -> date:
    """The day the room's series started (the room's own day when it has none)."""
    series = series_of(room)
    return series.started_on if series is not None else room.created_at.date()


def next_step(room: Room) -> int:
    """The days a new check-in is offered at: the first step past the series' last."""
    last = max((r.series_days or 0 for r in sessions_of(room)), default=0)
    return next((step for step in STEPS if step > last), last + 30)


def can_plan_checkin(room: Room) -> bool:
    return kit_of(room).checkin_kit is not None


def checkin_steps(room: Room) -> list[int]:
    """The days a check-in can be planned at from the form: the plan's steps and the next
    one past the series' last, without those the series already has."""
    taken = {r.series_days for r in sessions_of(room)}
    return sorted({*STEPS, next_step(room)} - taken)


# --- Planning a check-in ------------------------------------------------------------------


class PlanCheckin(Args):
    days: int = Field(ge=1, le=SERIES_DAYS_MAX)
    meets_on: Due = None
    title: Line = Field(default="", max_length=TITLE_MAX)


def checkin_record(room: Room) -> RoomRecord:
    """The room as its check-in starts: the same posters without dots (each item's tally
    kept as its previous dots), the plan with its history and actions, nobody in it yet."""
    record = build_record(room)
    counts = {entry.ref: entry.counts for poster in tally(room) for entry in poster.items}
    posters = []
    for poster in record.posters:
        items = [item for item in poster.items if not item.removed]
        posters.append(
            poster.model_copy(
                update={
                    "items": [
                        item.model_copy(
                            update={
                                "dots": [],
                                "paper": None,
                                "previous": counts.get(f"{poster.key}{item.label}", {}),
                            }
                        )
                        for item in items
                    ]
                }
            )
        )
    kept_items = {item.ref for poster in posters for item in poster.items}
    plan = record.plan
    cells = [
        cell.model_copy(
            update={
                "revisions": [r.model_copy(update={"participant": None}) for r in cell.revisions],
                # What a cell's items came from stays in the room it was placed in, except
                # poster items, which the check-in carries over.
                "sources": [
                    s.model_copy(
                        update={
                            "source": s.source
                            if s.kind == "poster_item" and s.source in kept_items
                            else None
                        }
                    )
                    for s in cell.sources
                ],
                "actions": [
                    a.model_copy(
                        update={
                            "changes": [
                                c.model_copy(update={"participant": None}) for c in a.changes
                            ]
                        }
                    )
                    for a in cell.actions
                ],
            }
        )
        for cell in plan.cells
    ]
    return RoomRecord(
        schema_version=record.schema_version,
        exported_at=record.exported_at,
        room=record.room.model_copy(
            update={
                "kit_id": kit_of(room).checkin_kit,
                "phase_index": 0,
                "closed_at": None,
                "settings": preferences(record.room.settings),
            }
        ),
        posters=posters,
        plan=RecordPlan(
            rows=[row.model_copy(update={"locked": False}) for row in plan.rows],
            columns=plan.columns,
            cells=cells,
            considerations=[RecordConsideration(text=c.text) for c in plan.considerations],
        ),
    )


def _into_series(room: Room) -> Series:
    """The room's series, started with the room as its first session if it has none."""
    series = series_of(room)
    if series is None:
        series = Series(title=room.title, started_on=room.created_at.date())
        db.session.add(series)
        db.session.flush()
        room.series_id = series.id
        room.series_days = 0
    return series


def _share_leadership(room: Room, checkin: Room) -> None:
    """Whoever leads the room leads its check-in; its co-facilitators come in through the
    check-in's own co-facilitator link (made here), which can be revoked like any."""
    if room.cofacilitator_nonce is not None:
        set_link(checkin, "cofacilitator", on=True)
    db.session.execute(
        insert(FacilitatorRoom).from_select(
            ["facilitator_id", "room_id", "cofacilitator"],
            select(
                FacilitatorRoom.facilitator_id, literal(checkin.id), FacilitatorRoom.cofacilitator
            ).where(FacilitatorRoom.room_id == room.id),
        )
    )


@bp.action("series.checkin", PlanCheckin, who="facilitator", while_closed=True)
def plan_checkin(room: Room, actor: Actor, args: PlanCheckin) -> Publish:
    """Open the series' next session from this room. The reply carries the new room's code
    and facilitator key, for the browser that asked to lead it."""
    kit = kit_of(room)
    if kit.checkin_kit is None:
        raise ActionError(f"The kit “{kit.title}” has no check-in to plan.", 409)
    series = _into_series(room)
    sessions = sessions_of(room)
    if len(sessions) >= SESSIONS_MAX:
        raise ActionError(f"A series can have at most {SESSIONS_MAX} sessions.", 409)
    if any(s.series_days == args.days for s in sessions):
        raise ActionError(
            f"This series already has a {args.days}-day check-in. Choose another day.", 409
        )
    meets_on = args.meets_on or series.started_on + timedelta(days=args.days)
    if not DUE_EARLIEST <= meets_on <= DUE_LATEST:
        raise ActionError("Choose a date for the check-in between 2000 and 2100.", 422)
    title = args.title or series.title
    checkin, key = new_room_from(checkin_record(room), title)
    checkin.series_id = series.id
    checkin.series_days = args.days
    checkin.meets_on = meets_on
    _share_leadership(room, checkin)
    count = db.session.scalar(select(func.count(Room.id)).where(Room.series_id == series.id))
    return Publish(
        regions=SERIES_REGION,
        reply={"code": checkin.code, "key": key, "sessions": count or 0},
    )


bp.template_globals(
    session_label=session_label,
    sessions_of=sessions_of,
    can_plan_checkin=can_plan_checkin,
    checkin_steps=checkin_steps,
)
