"""Events: many rooms at once, rolled up live.

An event's lead (no account: the browser that made it, or one that opened its private
organiser link) shares the event's facilitators' link; a facilitator opens a room from it,
or attaches a room they lead, labelled with its team, and can take the room out again.

The roll-up shows each room's progress (phase, people, dots placed) and, for rooms whose
kits dot the same standard's posters, a heat map of item by room and the event's own
strengths, gaps and disagreement, ranked as a room's summary is (``posters.domain.rank``).
A room's numbers count only once it *shares*: its facilitator revealed its posters and at
least ``EVENT_MIN_DOTTERS`` of its people have dotted. Names never leave a room.

Live: a room's change that can alter the roll-up (dots, phase, people, plan actions) sends
the event's watchers that room's rows alone, rendered under the room's lock with the
room's version on them (``data-v``: a screen keeps the newer). The event-wide summary is
read after the commit (at most every SUMMARY_DELAY, per event and process), stamped with
the time it was read: the summary read last holds every change committed before it,
wherever it was made.
"""

from __future__ import annotations

import hmac
import secrets
import time
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from flask import Flask, abort, current_app, render_template, session
from pydantic import Field
from sqlalchemy import ColumnElement, func, select

from ..actions import ActionError, Args, NoArgs
from ..content import Standard, library
from ..extensions import db, socketio
from ..feature import Feature
from ..identity import Actor, derived_secret, hash_key, new_facilitator_key
from ..limits import ROOMS_PER_EVENT_MAX
from ..live import Publish, Watched, per_change
from ..models import Dot, Event, PaperTally, Participant, PlanAction, Poster, PosterItem, Room
from ..plan.actions import ListedAction, plan_actions
from ..posters.domain import (
    ItemTally,
    PosterSummary,
    default_scale,
    dot_progress,
    posters_phase,
    rank,
    room_scale,
    tally,
)
from ..rooms.domain import current_phase, kit_of
from ..text import Line, one_line

EVENT_NAME_MAX = 120
TEAM_MAX = 80
CODE_MAX = 16

bp = Feature("events", __name__)

# The room's facilitator page shows which event the room is in, and lets it leave.
MEMBERSHIP = ("events/_membership.html",)
bp.live_regions(page=MEMBERSHIP, views=("facilitator",))
# What a room's change must touch to alter its event's roll-up: its dots, its phase (the
# posters' reveal re-renders it), its people, its plan's actions.
TRIGGERS = frozenset(
    {"posters/_tallies.html", "rooms/_phase.html", "rooms/_people.html", "plan/_actions.html"}
)
# The event page's live regions: the rows of one room, and the event-wide summary.
ROOM_ROWS = "events/_room_rows.html"
SUMMARY = "events/_summary.html"
FULL = "events/_rollup.html"


def event_key(event_id: int) -> str:
    """The audience of an event's watchers (its lead's page and projector view)."""
    return f"event:{event_id}"


# --- The lead -----------------------------------------------------------------------------


def clean_event_name(typed: str) -> str:
    name = one_line(typed)
    if not name:
        raise ActionError("Give the event a name, such as “Spring PL readiness day”.", 422)
    if len(name) > EVENT_NAME_MAX:
        raise ActionError(f"An event's name can be at most {EVENT_NAME_MAX} characters.", 422)
    return name


def create_event(typed_name: str) -> tuple[Event, str]:
    """A new event led by this browser; returns it with its organiser link's secret, which
    is shown once (only its hash is kept)."""
    name = clean_event_name(typed_name)
    secret, secret_hash = new_facilitator_key()
    nonce = secrets.token_hex(16)
    event = Event(
        code=secrets.token_urlsafe(9),
        name=name,
        lead_link_hash=secret_hash,
        rooms_nonce=nonce,
        rooms_key_hash="",
    )
    db.session.add(event)
    db.session.flush()
    event.rooms_key_hash = hash_key(rooms_key(event))
    db.session.commit()
    _become_lead(event)
    current_app.logger.info("event %d opened", event.id)
    return event, secret


def _become_lead(event: Event) -> None:
    led = {k: v for k, v in session.get("events", {}).items() if k != str(event.id)}
    led[str(event.id)] = event.lead_generation
    session["events"] = led
    session.permanent = True


def leads_event(event: Event) -> bool:
    """Does this browser lead the event (at the organiser link's current generation)?"""
    return session.get("events", {}).get(str(event.id)) == event.lead_generation


def event_by_code(code: str) -> Event | None:
    if not code or len(code) > CODE_MAX:
        return None
    return db.session.scalar(select(Event).where(Event.code == code))


def event_or_404(code: str) -> Event:
    event = event_by_code(code)
    if event is None:
        abort(404, "There is no event at this address. Check the link you were given.")
    return event


def led_event_or_403(code: str) -> Event:
    event = event_or_404(code)
    if not leads_event(event):
        abort(
            403,
            "This page is for the event's lead. Open your private organiser link on this "
            "device to see it.",
        )
    return event


def open_organiser_link(event: Event, secret: str) -> bool:
    """This browser leads the event from now on, if ``secret`` is its organiser link's."""
    stored = event.lead_link_hash
    if not secret or stored is None or not hmac.compare_digest(hash_key(secret), stored):
        return False
    _become_lead(event)
    return True


def new_organiser_link(event: Event) -> str:
    """A fresh organiser link: the old one stops working and signs out the browsers that
    opened it; this browser stays the lead."""
    secret, secret_hash = new_facilitator_key()
    event.lead_link_hash = secret_hash
    event.lead_generation += 1
    db.session.commit()
    _become_lead(event)
    return secret


def rooms_key(event: Event) -> str:
    """The secret of the event's facilitators' link (shown again on the lead's page)."""
    return derived_secret(f"event-rooms:{event.id}:{event.rooms_nonce}")


def rooms_key_opens(event: Event, key: str) -> bool:
    return bool(key) and hmac.compare_digest(hash_key(key), event.rooms_key_hash)


def new_rooms_link(event: Event) -> None:
    """A fresh facilitators' link; rooms already in the event stay in it."""
    event.rooms_nonce = secrets.token_hex(16)
    event.rooms_key_hash = hash_key(rooms_key(event))
    db.session.commit()


def rename_event(event: Event, typed_name: str) -> None:
    event.name = clean_event_name(typed_name)
    db.session.commit()
    send_full(event)


# --- Membership ---------------------------------------------------------------------------


class Attach(Args):
    """The event's code and facilitators' key (from its link), and the room's team."""

    event: str = Field(min_length=1, max_length=CODE_MAX)
    key: str = Field(min_length=1, max_length=100)
    team: Line = Field(min_length=1, max_length=TEAM_MAX)


BAD_LINK = (
    "That event link is not right (or the lead replaced it). Ask the event's lead for "
    "the facilitators' link again."
)


def _membership_changed(*event_ids: int | None) -> Publish:
    changed = tuple(dict.fromkeys(i for i in event_ids if i))  # once each, in order
    return Publish(regions=MEMBERSHIP, context={"events_changed": changed})


@bp.action("event.attach", Attach, who="facilitator")
def attach(room: Room, actor: Actor, args: Attach) -> Publish:
    """Put the room in the event with its team's label (or relabel it there). A room is in
    one event at a time: attaching it to another takes it out of the first."""
    event = event_by_code(args.event)
    if event is None or not rooms_key_opens(event, args.key):
        raise ActionError(BAD_LINK, 403)
    if room.event_id != event.id:
        rooms = db.session.scalar(select(func.count(Room.id)).where(Room.event_id == event.id))
        if (rooms or 0) >= ROOMS_PER_EVENT_MAX:
            raise ActionError(f"This event already has {ROOMS_PER_EVENT_MAX} rooms.", 409)
    before = room.event_id
    room.event_id, room.event_team = event.id, args.team
    return _membership_changed(before, event.id)


@bp.action("event.leave", NoArgs, who="facilitator", while_closed=True)
def leave(room: Room, actor: Actor, args: NoArgs) -> Publish:
    """Take the room out of its event: its row and its numbers leave the roll-up."""
    if room.event_id is None:
        raise ActionError("This room is not part of an event.", 409)
    before = room.event_id
    room.event_id, room.event_team = None, None
    return _membership_changed(before)


@per_change
def event_of(room: Room) -> Event | None:
    return db.session.get(Event, room.event_id) if room.event_id is not None else None


# --- The roll-up --------------------------------------------------------------------------


@dataclass(frozen=True)
class PosterColumns:
    """One poster of a standard as the heat map shows it: its key, title and items."""

    poster: Poster
    items: list[PosterItem]


@dataclass(frozen=True)
class PosterSet:
    """The standard whose posters a group of the event's rooms dot: one heat map each."""

    key: str
    title: str
    posters: list[PosterColumns]


@dataclass
class RoomCounts:
    """What one grouped read says about a room: its people, dots and who dotted."""

    people: int = 0
    dots: int = 0
    dotters: int = 0
    # item ref (A2) -> dots per colour, screens and paper posters together
    items: dict[str, dict[str, int]] = field(default_factory=dict)


@dataclass(frozen=True)
class RolledRoom:
    """A room as its event shows it. ``tallies`` is empty unless the room shares."""

    room: Room
    team: str
    phase: str
    people: int
    dots: int
    dotters: int
    shares: bool
    why_not: str
    poster_set: str | None
    tallies: dict[str, ItemTally]


@dataclass(frozen=True)
class Rollup:
    """The whole event: its rooms, its heat maps and their summaries."""

    event: Event
    rooms: list[RolledRoom]
    sets: list[PosterSet]
    summaries: dict[str, PosterSummary]
    read_at: int  # ms: the newest summary a screen is sent is the one it keeps

    def in_set(self, key: str) -> list[RolledRoom]:
        return [r for r in self.rooms if r.poster_set == key]


def min_dotters() -> int:
    """How many people must have dotted before a room's numbers show (a setting)."""
    return int(current_app.config["EVENT_MIN_DOTTERS"])


def _standard_of(room: Room) -> str | None:
    phase = posters_phase(kit_of(room))
    return phase.standard if phase is not None else None


def _poster_set(key: str, standard: Standard) -> PosterSet:
    """The standard's posters as the heat map's columns. They are built from the content,
    not from any one room (never saved): rooms match them by item reference."""
    columns = []
    for element in standard.elements:
        poster = Poster(key=element.key, title=element.title)
        items = [
            PosterItem(label=str(indicator.number), text=indicator.text, poster=poster)
            for indicator in element.indicators
        ]
        columns.append(PosterColumns(poster, items))
    return PosterSet(key, standard.title, columns)


def _counts(where: ColumnElement[bool]) -> dict[int, RoomCounts]:
    """People, dots and dotters of the rooms ``where`` picks, in four grouped reads."""
    found: dict[int, RoomCounts] = defaultdict(RoomCounts)
    people = (
        select(Participant.room_id, func.count(Participant.id))
        .join(Room, Room.id == Participant.room_id)
        .where(where, Participant.removed_at.is_(None))
        .group_by(Participant.room_id)
    )
    for room_id, n in db.session.execute(people):
        found[room_id].people = n
    # The dots that count (as in a room's own tally): on items not removed, by people
    # still in their room.
    dots = (
        select(Poster.room_id)
        .select_from(Dot)
        .join(PosterItem, PosterItem.id == Dot.item_id)
        .join(Poster, Poster.id == PosterItem.poster_id)
        .join(Participant, Participant.id == Dot.participant_id)
        .join(Room, Room.id == Poster.room_id)
        .where(where, PosterItem.removed_at.is_(None), Participant.removed_at.is_(None))
    )
    counted = dots.add_columns(
        Poster.key, PosterItem.label, Dot.colour, func.count(Dot.id)
    ).group_by(Poster.room_id, Poster.key, PosterItem.label, Dot.colour)
    for room_id, key, label, colour, n in db.session.execute(counted):
        _add(found[room_id], f"{key}{label}", colour, n)
    dotters = dots.add_columns(func.count(func.distinct(Dot.participant_id))).group_by(
        Poster.room_id
    )
    for room_id, n in db.session.execute(dotters):
        found[room_id].dotters = n
    paper = (
        select(Poster.room_id, Poster.key, PosterItem.label, PaperTally)
        .join(PosterItem, PosterItem.id == PaperTally.item_id)
        .join(Poster, Poster.id == PosterItem.poster_id)
        .join(Room, Room.id == Poster.room_id)
        .where(where, PosterItem.removed_at.is_(None))
    )
    for room_id, key, label, typed in db.session.execute(paper):
        for level, n in typed.counts.items():
            _add(found[room_id], f"{key}{label}", level, n)
    return found


def _add(counts: RoomCounts, ref: str, level: str, n: int) -> None:
    item = counts.items.setdefault(ref, {})
    item[level] = item.get(level, 0) + n
    counts.dots += n


def _rolled(room: Room, counts: RoomCounts, sets: dict[str, PosterSet]) -> RolledRoom:
    needed = min_dotters()
    why_not = ""
    if not room.posters_revealed:
        why_not = "Not revealed by its facilitator yet"
    elif counts.dotters < needed:
        why_not = f"{counts.dotters} of the {needed} people needed have dotted"
    set_key = _standard_of(room)
    tallies: dict[str, ItemTally] = {}
    if not why_not and set_key in sets:
        scale = room_scale(room)
        for column in sets[set_key].posters:
            for item in column.items:
                dots = dict.fromkeys((level.key for level in scale.levels), 0)
                dots.update(counts.items.get(item.ref, {}))
                tallies[item.ref] = ItemTally(item, scale, dots, {})
    return RolledRoom(
        room=room,
        team=room.event_team or room.title,
        phase=current_phase(room).title,
        people=counts.people,
        dots=counts.dots,
        dotters=counts.dotters,
        shares=not why_not,
        why_not=why_not,
        poster_set=set_key,
        tallies=tallies,
    )


def _sets_for(rooms: Iterable[Room]) -> dict[str, PosterSet]:
    standards = library().standards
    keys = {key for key in map(_standard_of, rooms) if key is not None}
    return {key: _poster_set(key, standards[key]) for key in sorted(keys)}


def event_rooms(event: Event) -> list[Room]:
    return list(
        db.session.scalars(
            select(Room).where(Room.event_id == event.id).order_by(Room.event_team, Room.id)
        )
    )


def rollup(event: Event) -> Rollup:
    """The event as it is now: every room, and every shared number pooled."""
    read_at = int(time.time() * 1000)
    rooms = event_rooms(event)
    sets = _sets_for(rooms)
    counts = _counts(Room.event_id == event.id)
    rolled = [_rolled(room, counts.get(room.id, RoomCounts()), sets) for room in rooms]
    summaries = {key: rank(_pooled(poster_set, rolled)) for key, poster_set in sets.items()}
    return Rollup(event, rolled, list(sets.values()), summaries, read_at)


def _pooled(poster_set: PosterSet, rooms: list[RolledRoom]) -> list[ItemTally]:
    """Each of the set's items with the dots of every room that shares added up."""
    in_set = [room for room in rooms if room.poster_set == poster_set.key]
    # Rooms rate on one scale to be pooled: the first room's (others are left out).
    scale = room_scale(in_set[0].room) if in_set else default_scale()
    alike = [room for room in in_set if room_scale(room.room) == scale]
    pooled = []
    for column in poster_set.posters:
        for item in column.items:
            dots = dict.fromkeys((level.key for level in scale.levels), 0)
            for room in alike:
                if item.ref in room.tallies:
                    for level, n in room.tallies[item.ref].counts.items():
                        dots[level] = dots.get(level, 0) + n
            pooled.append(ItemTally(item, scale, dots, {}))
    return pooled


def rolled_room(room: Room) -> tuple[RolledRoom, dict[str, PosterSet]]:
    """One room as its event shows it (what a change in it sends), and its poster set.
    Counted from the room's own tally and progress, which the change has usually read
    already to push them to the room (``per_change``): no read of its own."""
    sets = _sets_for([room])
    progress = dot_progress(room)
    counts = RoomCounts(
        people=progress.members,
        dots=progress.dots + progress.paper_dots,
        dotters=progress.people,
        items={entry.ref: entry.counts for poster in tally(room) for entry in poster.items},
    )
    return _rolled(room, counts, sets), sets


def room_actions(room: Room) -> list[ListedAction]:
    """The room's plan's actions as the event lists them (by due date). The list shows
    each with its team, status and date, never its owner: the roll-up names nobody."""
    return plan_actions(room, "due")


# --- Live ---------------------------------------------------------------------------------


def render_full(event: Event) -> str:
    return render_template(FULL, rollup=rollup(event), swap_oob=True)


def send_full(event: Event) -> None:
    socketio.emit("swap", {"v": 0, "html": render_full(event)}, to=event_key(event.id))


# The event's summary pools every room's dots: read once per SUMMARY_DELAY at most, per
# event and process, however many of its rooms change meanwhile (at 15 dots a second over
# 30 rooms, reading it after each had run the database pool dry). The events whose summary
# is to be read (in this process) are kept here until just before it is.
SUMMARY_DELAY = 0.5  # seconds
_SUMMARY_DUE: set[int] = set()


def _summary_soon(event_id: int) -> None:
    """After a room's change is committed: its event's summary, soon. A summary already
    due in this process will read this change too: its read starts after this commit."""
    if event_id in _SUMMARY_DUE:
        return
    _SUMMARY_DUE.add(event_id)
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    socketio.start_background_task(_send_summary, app, event_id)


def _send_summary(app: Flask, event_id: int) -> None:
    """The event's summary, read now and stamped with when (a screen keeps the latest).
    Taken off the due list before the read, so a change committed after it is read asks
    for the next one."""
    socketio.sleep(SUMMARY_DELAY)
    _SUMMARY_DUE.discard(event_id)
    with app.test_request_context():  # the partials build paths with url_for
        event = db.session.get(Event, event_id)
        if event is not None:
            html = render_template(SUMMARY, rollup=rollup(event), swap_oob=True)
            socketio.emit("swap", {"v": 0, "html": html}, to=event_key(event_id))
        db.session.commit()  # ends the read (on SQLite, a transaction holds the write lock)


@bp.watch_rooms
def _watch(room: Room, publish: Publish) -> Watched:
    """What a room's change sends its event's watchers: the whole roll-up when the room
    came or went (rare), else, when the change can alter the roll-up, the room's rows."""
    changed: tuple[int, ...] = publish.context.get("events_changed", ())
    if changed:
        events = [db.session.get(Event, event_id) for event_id in changed]
        return Watched(tuple((event_key(e.id), render_full(e)) for e in events if e))
    if room.event_id is None or room.content_version != room.version:
        return Watched()
    if TRIGGERS.isdisjoint(publish.regions):
        return Watched()
    rolled, sets = rolled_room(room)
    html = render_template(
        ROOM_ROWS,
        rolled=rolled,
        sets=sets.values(),
        with_actions="plan/_actions.html" in publish.regions,
        swap_oob=True,
    )
    event_id = room.event_id
    return Watched(((event_key(event_id), html),), (lambda: _summary_soon(event_id),))


# The heat map's five shades, from all red (1) to all green (5), by the team's mean.
HEAT_STEPS = (-0.6, -0.2, 0.2, 0.6)


def heat_class(mean: float | None) -> str:
    if mean is None:
        return "heat-none"
    return f"heat-{1 + sum(mean >= step for step in HEAT_STEPS)}"


def action_matches(room: Room, action: PlanAction, wanted: Mapping[str, str]) -> bool:
    """Does the action pass the list's filter (team, status, words)? static/js/event.js
    applies the same test to the rows on screen."""
    team, status = wanted.get("team", ""), wanted.get("status", "")
    words = wanted.get("q", "").casefold()
    return (
        (not team or team == str(room.id))
        and (not status or status == action.status)
        and words in action.text.casefold()
    )


bp.template_globals(
    event_of=event_of,
    room_actions=room_actions,
    heat_class=heat_class,
    action_matches=action_matches,
    min_dotters=min_dotters,
)
