"""Pre-work: the room opened days before the meeting, with a deadline.

Participants join from the link and do the quiet write and dot the posters on their own
time; everyone sees only their own work, as before a reveal. The facilitator sees how many
have done something (never who) and opens the meeting, which starts already tallied.
"""

from __future__ import annotations

from datetime import timedelta

from pydantic import Field
from sqlalchemy import func, or_, select

from ..actions import ActionError, Args, NoArgs
from ..extensions import db
from ..identity import Actor
from ..live import Publish, per_change
from ..models import Dot, Participant, QuietWrite, Room, utcnow
from .domain import bp

PREWORK_DAYS_MAX = 30
# The whole room: the pre-work replaces the phase on every screen, and back.
PHASE = Publish(regions=("rooms/_phase.html",), personal=("rooms/_phase.html",))


@bp.template_global
@per_change
def prework_done(room: Room) -> tuple[int, int]:
    """How many of the room's people have done some pre-work (a dot or written words),
    and how many people there are: counts only, never who."""
    members = select(Participant.id).where(
        Participant.room_id == room.id, Participant.removed_at.is_(None)
    )
    dotted = select(Dot.id).where(Dot.participant_id == Participant.id).exists()
    wrote = (
        select(QuietWrite.id)
        .where(QuietWrite.participant_id == Participant.id, QuietWrite.text != "")
        .exists()
    )
    done = db.session.scalar(
        select(func.count()).select_from(members.where(or_(dotted, wrote)).subquery())
    )
    total = db.session.scalar(select(func.count()).select_from(members.subquery()))
    return done or 0, total or 0


class OpenPrework(Args):
    days: int = Field(ge=1, le=PREWORK_DAYS_MAX)


@bp.action("prework.open", OpenPrework, who="facilitator")
def open_prework(room: Room, actor: Actor, args: OpenPrework) -> Publish:
    """Open the pre-work for ``days`` days: the quiet write opens, and nothing is shared.
    Only from the start of the agenda, where the meeting will begin."""
    if room.phase_index != 0:
        raise ActionError("Open the pre-work from the first phase of the agenda.", 409)
    room.prework_open = True
    room.prework_until = utcnow() + timedelta(days=args.days)
    room.quiet_write_open = True
    room.quiet_write_shared = False
    room.posters_revealed = False
    return PHASE


@bp.action("prework.end", NoArgs, who="facilitator")
def open_the_meeting(room: Room, actor: Actor, args: NoArgs) -> Publish:
    """End the pre-work: the meeting starts with everyone's pre-work already tallied."""
    if not room.prework_open:
        raise ActionError("The room is not in pre-work.", 409)
    room.prework_open = False
    room.quiet_write_open = False
    return PHASE
