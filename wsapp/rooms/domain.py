"""The room's rules: codes, joining, phases, the shared timer, locking and closing."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import timedelta

from flask import current_app, render_template
from pydantic import Field
from sqlalchemy import Row, delete, func, select, update

from ..actions import ActionError, Args, NoArgs, SetLocked, part_of
from ..content import Kit, Phase, library
from ..extensions import db, socketio
from ..feature import Feature, ends_on_time_up
from ..identity import Actor, LinkKind, new_facilitator_key, set_link
from ..limits import KNOCKS_MAX, PEOPLE_MAX
from ..live import (
    Publish,
    bump_version,
    commit_and_send,
    connection_is_live,
    epoch_ms,
    participant_key,
    people_changed,
    per_change,
    phase_template,
)
from ..models import Connection, Knock, Participant, Room, utcnow
from ..plan.domain import seed_plan
from ..posters.domain import seed_posters
from ..text import Line, one_line
from .codes import format_code, new_code

NAME_MAX = 40
TITLE_MAX = 80

bp = Feature("rooms", __name__)
# Every room page's live regions, outermost first. Feature partials sit inside
# ``rooms/_phase.html``, so re-rendering the phase re-renders them.
bp.live_regions(
    page=(
        "rooms/_console.html",
        "rooms/_status.html",
        "rooms/_room_controls.html",
        "rooms/_projector_link.html",
        "rooms/_cofacilitator_link.html",
        "rooms/_agenda.html",
        "rooms/_phase.html",
        "rooms/_timer.html",
        "rooms/_ready_count.html",
        "rooms/_ready_mine.html",
        "rooms/_people.html",
    ),
    people=("rooms/_people.html",),
    presence=("rooms/_people.html",),
)
# Who this phone is, and a table captain's tools for the people at their table.
bp.live_regions(page=("rooms/_you.html", "rooms/_captain.html"), views=("participant",))
bp.phase("intro", "phases/_intro.html")
bp.template_globals(format_code=format_code, epoch_ms=epoch_ms, phase_template=phase_template)


@bp.template_global
def kit_of(room: Room) -> Kit:
    return library().kits[room.kit_id]


@bp.template_global
def current_phase(room: Room) -> Phase:
    return kit_of(room).phase_at(room.phase_index)


def open_room(kit_id: str, title: str) -> tuple[Room, str]:
    """A new room from a kit, with the facilitator's secret key, in the session: the caller
    fills it in further (an import, a check-in) and commits."""
    kit = library().kits.get(kit_id)
    if kit is None:
        raise ActionError("Choose one of the workshop kits.", 422)
    title = one_line(title)[:TITLE_MAX] or kit.title
    key, key_hash = new_facilitator_key()
    room = Room(code=new_code(), kit_id=kit.id, title=title, facilitator_key_hash=key_hash)
    db.session.add(room)
    db.session.flush()
    seed_posters(room, kit)
    seed_plan(room, kit)
    return room, key


def create_room(kit_id: str, title: str) -> tuple[Room, str]:
    """Open a room from a kit; return it with the facilitator's secret key."""
    room, key = open_room(kit_id, title)
    db.session.commit()
    return room, key


def clean_name(typed: str) -> str:
    name = one_line(typed)
    if not name:
        raise ActionError("Type the name the team knows you by.", 422)
    if len(name) > NAME_MAX:
        raise ActionError(f"Names can be at most {NAME_MAX} characters.", 422)
    return name


@contextmanager
def _at_the_door(room_id: int) -> Iterator[Room]:
    """The room under its write lock, for someone coming in; nothing is kept if they are
    refused. Everything that decides whether they may (the room's state, how many are
    already in) is read under the lock, so simultaneous arrivals are counted one by one."""
    room = bump_version(room_id)
    try:
        if room.is_closed:
            raise ActionError("This workshop has ended; its room is closed.", 409)
        yield room
    except BaseException:
        db.session.rollback()
        raise


LOCKED_DOOR = "The facilitator has locked this room: nobody new can join it right now."


def _add_participant(room: Room, name: str, *, without_device: bool = False) -> Participant:
    """A new participant, if the room (whose lock the caller holds) has space."""
    joined = db.session.scalar(
        select(func.count(Participant.id)).where(Participant.room_id == room.id)
    )
    if (joined or 0) >= PEOPLE_MAX:
        raise ActionError(f"This room is full: it already has {PEOPLE_MAX} people.", 409)
    participant = Participant(room_id=room.id, name=name, without_device=without_device)
    db.session.add(participant)
    db.session.flush()
    return participant


def join_room(room: Room, typed_name: str) -> Participant:
    """Add a participant to the room and show them to everyone."""
    name = clean_name(typed_name)
    with _at_the_door(room.id) as room:
        if room.locked:
            raise ActionError(LOCKED_DOOR, 409)
        participant = _add_participant(room, name)
    commit_and_send(room, people_changed())
    return participant


# --- Newcomers wait to be let in ------------------------------------------------------------

# Where the facilitator sees the knocks: the list, and how many wait in the status banner.
WAITING = ("rooms/_people.html", "rooms/_status.html")


def knock_key(knock_id: int) -> str:
    """Where a waiting browser's socket listens for its answer."""
    return f"knock:{knock_id}"


def knock_on(room: Room, typed_name: str) -> Knock:
    """Ask to join a room whose newcomers wait: the facilitator sees the knock live."""
    name = clean_name(typed_name)
    with _at_the_door(room.id) as room:
        if room.locked:
            raise ActionError(LOCKED_DOOR, 409)
        if len(knocks(room)) >= KNOCKS_MAX:
            raise ActionError(
                "Too many people are already waiting to be let in. Try again in a minute.", 409
            )
        knock = Knock(room_id=room.id, name=name)
        db.session.add(knock)
        db.session.flush()
    commit_and_send(room, Publish(regions=WAITING))
    return knock


@bp.template_global
@per_change
def knocks(room: Room) -> list[Knock]:
    """Who is waiting at the room's door, first come first."""
    return list(
        db.session.scalars(
            select(Knock)
            .where(Knock.room_id == room.id, Knock.answered_at.is_(None))
            .order_by(Knock.id)
        )
    )


def render_knock(room: Room, knock: Knock) -> str:
    """The waiting screen's answer region, as the page includes it and pushes send it."""
    return render_template("rooms/_knock.html", room=room, knock=knock, swap_oob=True)


def tell_knock(room: Room, knock: Knock) -> None:
    """Send a waiting browser its answer (after the change is saved)."""
    html = render_knock(room, knock)
    socketio.emit("swap", {"v": 0, "full": True, "html": html}, to=knock_key(knock.id))


def _answer(room: Room, knock: Knock, *, admit: bool) -> None:
    if admit:
        knock.participant_id = _add_participant(room, knock.name).id
    knock.answered_at = utcnow()


class KnockRef(Args):
    knock_id: int = Field(ge=1)


def _waiting_knock(room: Room, knock_id: int) -> Knock:
    knock = db.session.get(Knock, knock_id)
    if knock is None or knock.room_id != room.id or not knock.waiting:
        raise ActionError("Nobody is waiting by that name any more.", 404)
    return knock


def _answered(room: Room, answered: list[Knock]) -> Publish:
    return Publish(
        regions=(*people_changed().regions, "rooms/_status.html"),
        after=tuple(functools.partial(tell_knock, room, knock) for knock in answered),
    )


@bp.action("knock.admit", KnockRef, who="facilitator")
def admit(room: Room, actor: Actor, args: KnockRef) -> Publish:
    """Let someone waiting at the door in: they become a participant, their screen moves on."""
    knock = _waiting_knock(room, args.knock_id)
    _answer(room, knock, admit=True)
    return _answered(room, [knock])


@bp.action("knock.refuse", KnockRef, who="facilitator")
def refuse(room: Room, actor: Actor, args: KnockRef) -> Publish:
    knock = _waiting_knock(room, args.knock_id)
    _answer(room, knock, admit=False)
    return _answered(room, [knock])


class SetWaiting(Args):
    wait: bool


@bp.action("room.admission", SetWaiting, who="facilitator")
def set_admission(room: Room, actor: Actor, args: SetWaiting) -> Publish:
    """Make newcomers wait to be let in, or let them straight in (and so let in everyone
    still waiting)."""
    room.newcomers_wait = args.wait
    waiting = [] if args.wait else knocks(room)
    for knock in waiting:
        _answer(room, knock, admit=True)
    publish = _answered(room, waiting)
    return replace(publish, regions=(*publish.regions, "rooms/_room_controls.html"))


@bp.template_global
@per_change
def people(room: Room) -> list[tuple[Row[int, str, bool, bool, bool], bool]]:
    """Everyone in the room (not removed, as rows with ``id``, ``name``, ``without_device``
    and ``captain``), each with whether they are online now: one query, read once for every
    audience a change is rendered for."""
    online = (
        select(Connection.sid)
        .where(Connection.participant_id == Participant.id, connection_is_live())
        .exists()
    )
    rows = db.session.execute(
        select(
            Participant.id,
            Participant.name,
            Participant.without_device,
            Participant.captain,
            online.label("online"),
        )
        .where(Participant.room_id == room.id, Participant.removed_at.is_(None))
        .order_by(func.lower(Participant.name), Participant.id)
    ).all()
    return [(row, bool(row.online)) for row in rows]


@bp.template_global
def remaining_seconds(room: Room) -> int | None:
    """Seconds left on the room's countdown, or None when no countdown is set."""
    if room.timer_ends_at is not None:
        return max(0, round((room.timer_ends_at - utcnow()).total_seconds()))
    return room.timer_remaining


# --- Phases -------------------------------------------------------------------------------

PHASE_REGIONS = (
    "rooms/_console.html",
    "rooms/_agenda.html",
    "rooms/_phase.html",
    "rooms/_timer.html",
    "rooms/_ready_count.html",
    # Everyone's "I'm done" is cleared by a move, so every phone's is the same: sent once.
    "rooms/_ready_mine.html",
)


class PhaseIndex(Args):
    index: int = Field(ge=0, lt=100)


def _go_to(room: Room, index: int) -> Publish:
    phases = kit_of(room).phases
    if not 0 <= index < len(phases):
        raise ActionError("That phase is not on this room's agenda.", 422)
    room.phase_index = index
    # The timer belongs to the phase it was started in: the next phase offers its own.
    _clear_timer(room)
    # "I'm done" was said of the phase the room has left.
    db.session.execute(
        update(Participant).where(Participant.room_id == room.id).values(done_phase=None)
    )
    return Publish(regions=PHASE_REGIONS, personal=("rooms/_phase.html",))


@bp.action("phase.go", PhaseIndex, who="facilitator")
def go_to_phase(room: Room, actor: Actor, args: PhaseIndex) -> Publish:
    return _go_to(room, args.index)


@bp.action("phase.next", NoArgs, who="facilitator")
def next_phase(room: Room, actor: Actor, args: NoArgs) -> Publish:
    if room.phase_index + 1 >= len(kit_of(room).phases):
        raise ActionError("This is the last phase of the agenda.", 409)
    return _go_to(room, room.phase_index + 1)


@bp.action("phase.back", NoArgs, who="facilitator")
def previous_phase(room: Room, actor: Actor, args: NoArgs) -> Publish:
    if room.phase_index == 0:
        raise ActionError("This is the first phase of the agenda.", 409)
    return _go_to(room, room.phase_index - 1)


# --- Ready signals -----------------------------------------------------------------------

# Phases in which each person works at their own pace and can say they have finished.
READY_KINDS = frozenset({"quiet_write", "posters", "prompt", "take_action"})
READY_MINE = "rooms/_ready_mine.html"
READY_COUNT = ("rooms/_ready_count.html",)
bp.live_regions(people=READY_COUNT)  # "12 of 15": a removed person leaves the count


@dataclass(frozen=True)
class Readiness:
    done: int
    members: int


@bp.template_global
def ready_phase(room: Room) -> bool:
    return current_phase(room).kind in READY_KINDS


@bp.template_global
@per_change
def readiness(room: Room) -> Readiness:
    """How many of the room's people said they are done with the current phase; never who."""
    members = Participant.room_id == room.id, Participant.removed_at.is_(None)
    total = db.session.scalar(select(func.count(Participant.id)).where(*members))
    done = db.session.scalar(
        select(func.count(Participant.id)).where(
            *members, Participant.done_phase == room.phase_index
        )
    )
    return Readiness(done or 0, total or 0)


class SetDone(Args):
    done: bool


@bp.action("ready.set", SetDone, who="participant")
def set_done(room: Room, actor: Actor, args: SetDone) -> Publish:
    """ "I'm done" (or "not yet after all") with the current phase."""
    assert actor.participant is not None
    if not ready_phase(room):
        raise ActionError("There is nothing to finish in this phase.", 409)
    actor.participant.done_phase = room.phase_index if args.done else None
    return Publish(regions=READY_COUNT, own=(READY_MINE,))


# --- Timer --------------------------------------------------------------------------------

TIMER = ("rooms/_timer.html",)
TIMER_MAX_SECONDS = 4 * 60 * 60


class StartTimer(Args):
    minutes: int = Field(ge=1, le=TIMER_MAX_SECONDS // 60)
    label: Line = Field(default="", max_length=80)


class AddTime(Args):
    seconds: int = Field(default=60, ge=-TIMER_MAX_SECONDS, le=TIMER_MAX_SECONDS)


@bp.action("timer.start", StartTimer, who="facilitator")
def start_timer(room: Room, actor: Actor, args: StartTimer) -> Publish:
    room.timer_label = args.label or current_phase(room).title
    room.timer_ends_at = utcnow() + timedelta(minutes=args.minutes)
    room.timer_remaining = None
    return Publish(regions=TIMER)


@bp.action("timer.pause", NoArgs, who="facilitator")
def pause_timer(room: Room, actor: Actor, args: NoArgs) -> Publish:
    if room.timer_ends_at is None:
        raise ActionError("The timer is not running.", 409)
    room.timer_remaining = remaining_seconds(room)
    room.timer_ends_at = None
    return Publish(regions=TIMER)


@bp.action("timer.resume", NoArgs, who="facilitator")
def resume_timer(room: Room, actor: Actor, args: NoArgs) -> Publish:
    if room.timer_remaining is None:
        raise ActionError("The timer is not paused.", 409)
    room.timer_ends_at = utcnow() + timedelta(seconds=room.timer_remaining)
    room.timer_remaining = None
    return Publish(regions=TIMER)


@bp.action("timer.add", AddTime, who="facilitator")
def add_time(room: Room, actor: Actor, args: AddTime) -> Publish:
    if room.timer_ends_at is not None:
        room.timer_ends_at = max(utcnow(), room.timer_ends_at + timedelta(seconds=args.seconds))
    elif room.timer_remaining is not None:
        room.timer_remaining = min(TIMER_MAX_SECONDS, max(0, room.timer_remaining + args.seconds))
    else:
        raise ActionError("Start the timer first.", 409)
    return Publish(regions=TIMER)


def time_is_up(room: Room) -> bool:
    """Has a running countdown reached zero (by the server's clock)?"""
    return room.timer_ends_at is not None and room.timer_ends_at <= utcnow()


@bp.action("timer.expire", NoArgs, who="anyone")
def expire_timer(room: Room, actor: Actor, args: NoArgs) -> Publish:
    """A screen whose countdown reached zero says so; the server checks its own clock and
    ends what was set to end with the time. Sent early or twice, it changes nothing."""
    if not time_is_up(room):
        raise ActionError("The time is not up yet.", 409)
    ended = [publish for end in ends_on_time_up() if (publish := end(room)) is not None]
    if not ended:
        raise ActionError("Nothing was set to end when the time ran out.", 409)
    return Publish(
        regions=tuple(r for publish in ended for r in publish.regions) + TIMER,
        personal=tuple(r for publish in ended for r in publish.personal),
    )


def _clear_timer(room: Room) -> None:
    room.timer_ends_at = None
    room.timer_remaining = None
    room.timer_label = None


@bp.action("timer.stop", NoArgs, who="facilitator")
def stop_timer(room: Room, actor: Actor, args: NoArgs) -> Publish:
    _clear_timer(room)
    return Publish(regions=TIMER)


# --- Facilitator control ------------------------------------------------------------------


@bp.action("room.lock", SetLocked, who="facilitator")
def set_locked(room: Room, actor: Actor, args: SetLocked) -> Publish:
    room.locked = args.locked
    return Publish(
        regions=(
            "rooms/_console.html",
            "rooms/_status.html",
            "rooms/_room_controls.html",
            "rooms/_phase.html",
        ),
        personal=("rooms/_phase.html",),
    )


@bp.action("room.new_key", NoArgs, who="facilitator", while_closed=True)
def new_key(room: Room, actor: Actor, args: NoArgs) -> Publish:
    """A new private facilitator key; the old link stops working. The key goes back to the
    facilitator alone (in the reply), and is kept only as its hash."""
    key, room.facilitator_key_hash = new_facilitator_key()
    return Publish(reply={"key": key})


class ParticipantRef(Args):
    participant_id: int = Field(ge=1)


@bp.action("participant.remove", ParticipantRef, who="facilitator")
def remove_participant(room: Room, actor: Actor, args: ParticipantRef) -> Publish:
    missing = "That person is not in this room."
    participant = part_of(room, Participant, args.participant_id, missing)
    if participant.removed_at:
        raise ActionError(missing, 404)
    participant.removed_at = utcnow()
    sids = list(
        db.session.scalars(
            select(Connection.sid).where(Connection.participant_id == participant.id)
        )
    )
    db.session.execute(delete(Connection).where(Connection.participant_id == participant.id))
    participant_id, code = participant.id, room.code

    def cut_off() -> None:
        current_app.logger.info("participant %d removed from room %s", participant_id, code)
        send_away(
            "The facilitator removed you from this room.", [participant_key(participant_id)], sids
        )

    return replace(_with_captains(people_changed()), after=(cut_off,))


def send_away(message: str, to: Iterable[str], sids: Iterable[str]) -> None:
    """Tell the screens in these audiences why they are leaving the room (none, when the
    screens are only cut off to come back), then close the sockets (on whichever process
    holds them)."""
    for audience in to:
        socketio.emit("removed", {"message": message}, to=audience)
    for sid in sids:
        socketio.server.disconnect(sid, namespace="/")


class Rename(Args):
    name: str = Field(max_length=200)


@bp.action("participant.rename", Rename, who="participant")
def rename(room: Room, actor: Actor, args: Rename) -> Publish:
    """A participant fixes the name the room shows for them."""
    assert actor.participant is not None
    actor.participant.name = clean_name(args.name)
    return replace(people_changed(), own=("rooms/_you.html",))


# --- The room's other links: the view-only projector's and a co-facilitator's ------------

LINKS = ("rooms/_projector_link.html", "rooms/_cofacilitator_link.html")
# Whose open screens a link's change cuts off: they reconnect at once if their browser
# still leads the room (the facilitator's own projector window, the facilitator).
LINK_VIEWS: dict[LinkKind, str] = {"projector": "projector", "cofacilitator": "facilitator"}
LINK_NAMES: dict[LinkKind, str] = {"projector": "projector", "cofacilitator": "co-facilitator"}


class SetLink(Args):
    kind: LinkKind
    # False: revoke the link (it works no more until a new one is made).
    on: bool = True


@bp.action("room.link", SetLink, who="facilitator")
def set_room_link(room: Room, actor: Actor, args: SetLink) -> Publish:
    """Make a new projector or co-facilitator link (the old one stops working) or revoke
    it. Screens opened with the old one are disconnected, and only those whose browser
    still leads the room come back."""
    if not args.on and getattr(room, f"{args.kind}_nonce") is None:
        raise ActionError(f"This room has no {LINK_NAMES[args.kind]} link to revoke.", 409)
    set_link(room, args.kind, on=args.on)
    sids = list(
        db.session.scalars(
            select(Connection.sid).where(
                Connection.room_id == room.id, Connection.view == LINK_VIEWS[args.kind]
            )
        )
    )
    return Publish(regions=LINKS, after=(lambda: send_away("", (), sids),))


def _room_state_changed() -> Publish:
    """What opening or closing the room changes on every screen: the state, the controls,
    and every button that acts (disabled in a closed room)."""
    return Publish(
        regions=(
            "rooms/_console.html",
            "rooms/_status.html",
            "rooms/_room_controls.html",
            "rooms/_agenda.html",
            "rooms/_phase.html",
            "rooms/_timer.html",
        ),
        personal=("rooms/_phase.html", READY_MINE),
    )


@bp.action("room.close", NoArgs, who="facilitator")
def close_room(room: Room, actor: Actor, args: NoArgs) -> Publish:
    if room.is_closed:
        raise ActionError("This room is already closed.", 409)
    room.closed_at = utcnow()
    _clear_timer(room)
    return _room_state_changed()


@bp.action("room.reopen", NoArgs, who="facilitator", while_closed=True)
def reopen_room(room: Room, actor: Actor, args: NoArgs) -> Publish:
    """A room closed by mistake (or for a second session) opens again as it was."""
    if not room.is_closed:
        raise ActionError("This room is open.", 409)
    room.closed_at = None
    return _room_state_changed()


# --- People without a device -------------------------------------------------------------


@bp.action("person.add", Rename, who="anyone")
def add_person_without_device(room: Room, actor: Actor, args: Rename) -> Publish:
    """Add someone who has no phone with them (or will not use one): the facilitator or a
    table captain then places their dots and types their answer for them."""
    if not actor.speaks_for_others:
        raise ActionError(
            "Only the facilitator or a table captain can add a person without a phone.", 403
        )
    name = clean_name(args.name)
    _add_participant(room, name, without_device=True)
    return _with_captains(people_changed())


class SetCaptain(Args):
    participant_id: int = Field(ge=1)
    captain: bool


@bp.action("person.captain", SetCaptain, who="facilitator")
def name_captain(room: Room, actor: Actor, args: SetCaptain) -> Publish:
    """Name (or un-name) a table captain: a participant with a phone who may add people
    without one at their table and act for them."""
    person = db.session.get(Participant, args.participant_id)
    if person is None or person.room_id != room.id or person.removed_at:
        raise ActionError("That person is not in this room.", 404)
    if person.without_device and args.captain:
        raise ActionError(f"{person.name} has no phone, so cannot act for others.", 409)
    person.captain = args.captain
    return _with_captains(people_changed())


def _with_captains(publish: Publish) -> Publish:
    """Also send each participant's captain tools (empty unless they are a captain)."""
    return replace(publish, personal=(*publish.personal, "rooms/_captain.html"))
