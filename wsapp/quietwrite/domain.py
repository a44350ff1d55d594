"""The quiet write's rules: open, save as you type, keep yours private, close, share.

Privacy is structural: a participant's text is rendered only by ``quietwrite/_mine.html``,
which is sent as a *personal* region to its author alone. The shared regions show counts
until the facilitator shares, and then only the answers nobody asked to keep private.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import ConfigDict, Field
from sqlalchemy import func, select

from ..actions import ActionError, Args, NoArgs
from ..content import library
from ..extensions import db
from ..feature import Feature
from ..identity import Actor
from ..live import Publish, Region
from ..models import Participant, QuietWrite, Room, utcnow
from ..rooms.domain import (
    TIMER_MAX_SECONDS,
    StartTimer,
    kit_of,
    start_timer,
    time_is_up,
)

TEXT_MAX = 5000

SHARED = ("quietwrite/_progress.html", "quietwrite/_wall.html")
MINE = ("quietwrite/_mine.html",)

bp = Feature("quietwrite", __name__)
bp.live_regions(people=SHARED)  # "3 of 5 written", and a removed person's answer
bp.phase("quiet_write", "phases/_quiet_write.html", per_person=True)  # each their own answer


@bp.template_global
def quiet_write_prompt(room: Room) -> str | None:
    """The prompt of the room's quiet write, if its kit has one."""
    for phase in kit_of(room).phases:
        if phase.kind == "quiet_write" and phase.protocol:
            return library().protocols[phase.protocol].quiet_write_prompt
    return None


@bp.template_global
def quiet_answer(room: Room, participant: Participant) -> QuietWrite | None:
    return db.session.scalar(
        select(QuietWrite).where(
            QuietWrite.room_id == room.id, QuietWrite.participant_id == participant.id
        )
    )


@dataclass(frozen=True)
class Progress:
    written: int  # participants whose answer is not blank
    total: int  # participants in the room


@bp.template_global
def quiet_progress(room: Room) -> Progress:
    total = db.session.scalar(
        select(func.count(Participant.id)).where(
            Participant.room_id == room.id, Participant.removed_at.is_(None)
        )
    )
    written = db.session.scalar(
        select(func.count(QuietWrite.id))
        .join(Participant, QuietWrite.participant_id == Participant.id)
        .where(
            QuietWrite.room_id == room.id,
            Participant.removed_at.is_(None),
            func.length(func.trim(QuietWrite.text)) > 0,
        )
    )
    return Progress(written or 0, total or 0)


@dataclass(frozen=True)
class SharedAnswer:
    name: str | None  # None when the facilitator shared anonymously
    text: str


@bp.template_global
def quiet_wall(room: Room) -> list[SharedAnswer]:
    """The answers on the wall: none until shared, never one its author kept private."""
    if not room.quiet_write_shared:
        return []
    found = db.session.execute(
        select(Participant.name, QuietWrite.text)
        .join(Participant, QuietWrite.participant_id == Participant.id)
        .where(
            QuietWrite.room_id == room.id,
            QuietWrite.keep_private.is_(False),
            Participant.removed_at.is_(None),
        )
    )
    answers = [(name, text.strip()) for name, text in found if text.strip()]
    if room.quiet_write_named:
        return [SharedAnswer(name, text) for name, text in sorted(answers)]
    # Sorted by text, not by who joined or wrote first, so the order names nobody.
    return [SharedAnswer(None, text) for text in sorted(text for _name, text in answers)]


class OpenQuietWrite(Args):
    minutes: int | None = Field(default=None, ge=1, le=TIMER_MAX_SECONDS // 60)
    # Writing stops by itself when the minutes run out.
    ends_on_time: bool = False


@bp.action("quiet.open", OpenQuietWrite, who="facilitator")
def open_quiet_write(room: Room, actor: Actor, args: OpenQuietWrite) -> Publish:
    """Start (or reopen) the writing, with the room's timer when minutes are given."""
    if args.ends_on_time and args.minutes is None:
        raise ActionError("Give the minutes after which the writing ends.", 422)
    room.quiet_write_open = True
    room.quiet_write_shared = False
    room.quiet_write_ends_on_time = args.ends_on_time
    regions: tuple[Region, ...] = SHARED
    if args.minutes is not None:
        regions += start_timer(room, actor, StartTimer(minutes=args.minutes)).regions
    return Publish(regions=regions, personal=MINE)


@bp.action("quiet.close", NoArgs, who="facilitator")
def close_quiet_write(room: Room, actor: Actor, args: NoArgs) -> Publish:
    if not room.quiet_write_open:
        raise ActionError("The quiet write is not open.", 409)
    room.quiet_write_open = False
    return Publish(regions=SHARED, personal=MINE)


@bp.on_time_up
def _end_on_time(room: Room) -> Publish | None:
    if not (room.quiet_write_open and room.quiet_write_ends_on_time):
        return None
    room.quiet_write_open = False
    return Publish(regions=SHARED, personal=MINE)


def writing_ended_by_time(room: Room) -> bool:
    """The writing was set to end with the timer, and the time is up (even before any
    screen has said so)."""
    return room.quiet_write_ends_on_time and time_is_up(room)


class Share(Args):
    named: bool


@bp.action("quiet.share", Share, who="facilitator")
def share_quiet_write(room: Room, actor: Actor, args: Share) -> Publish:
    """Stop the writing and put every answer not kept private on the wall."""
    room.quiet_write_open = False
    room.quiet_write_shared = True
    room.quiet_write_named = args.named
    return Publish(regions=SHARED, personal=MINE)


def _answer(room: Room, actor: Actor) -> QuietWrite:
    assert actor.participant is not None
    answer = quiet_answer(room, actor.participant)
    if answer is None:
        answer = QuietWrite(room_id=room.id, participant_id=actor.participant.id, text="")
        db.session.add(answer)
    return answer


class Save(Args):
    """Typed text keeps its spaces: a trailing space is the start of the next word."""

    model_config = ConfigDict(str_strip_whitespace=False)
    text: str


@bp.action("quiet.save", Save, who="participant", for_others=True)
def save_answer(room: Room, actor: Actor, args: Save) -> Publish:
    if not room.quiet_write_open or writing_ended_by_time(room):
        raise ActionError(
            "The quiet write is closed, so this was not saved; your text stays on this device.",
            409,
        )
    if len(args.text) > TEXT_MAX:
        raise ActionError(
            f"An answer can be at most {TEXT_MAX} characters; this one has {len(args.text)}.",
            422,
        )
    answer = _answer(room, actor)
    answer.text = args.text
    answer.updated_at = utcnow()
    return Publish(regions=("quietwrite/_progress.html",))


class KeepPrivate(Args):
    keep_private: bool


@bp.action("quiet.private", KeepPrivate, who="participant", for_others=True)
def keep_private(room: Room, actor: Actor, args: KeepPrivate) -> Publish:
    """ "Don't share mine": the author's choice, which holds even after sharing."""
    _answer(room, actor).keep_private = args.keep_private
    return Publish(regions=SHARED, personal=MINE)
