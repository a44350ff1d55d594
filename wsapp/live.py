"""How saved changes reach every screen.

Every change bumps ``Room.version`` inside its own transaction, then, after the commit,
sends each audience of the room the server-rendered partials that changed, as out-of-band
htmx fragments with the new version. Every audience gets every version (with no HTML when
nothing it sees changed), so a client that sees a gap knows it missed something and asks
for the full state. Partials are the ones the pages include, so first render and live
update cannot drift apart.
"""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, ParamSpec, TypeVar

from flask import current_app, g, render_template
from sqlalchemy import ColumnElement, Update, bindparam, select, update

from .content import library
from .extensions import db, socketio
from .models import Connection, Participant, Room, utcnow

VIEWS = ("participant", "facilitator", "projector")

# The live regions of every room page, outermost first. Feature partials sit inside
# ``rooms/_phase.html`` so re-rendering the phase re-renders them.
PAGE_REGIONS = (
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
)

# Phase kinds in which one participant's screen differs from another's only in some
# partials (a wall of posters: each person's own dot buttons): there, a change that
# re-renders the phase sends each participant just those partials, onto the phase as the
# room's participants are sent it. Rendering the whole wall once per person had been most
# of the cost of moving a room of 30 to the posters. Features add their kinds at import.
OWN_PARTS: dict[str, tuple[str, ...]] = {}

# Partials that list or count the room's people, re-sent when someone joins, is renamed or
# is removed; and those that show who is online, re-sent when someone comes or goes.
# Features add their own at import (a removed participant's dots leave the tallies).
PEOPLE_REGIONS: list[str] = ["rooms/_people.html"]
PRESENCE_REGIONS: list[str] = ["rooms/_people.html"]


def audience_key(room_id: int, view: str) -> str:
    return f"room:{room_id}:{view}"


def participant_key(participant_id: int) -> str:
    return f"participant:{participant_id}"


@dataclass(frozen=True)
class Viewer:
    """Who a partial is rendered for: a view of the room, and for a participant, who."""

    view: str
    participant: Participant | None = None

    @property
    def is_facilitator(self) -> bool:
        return self.view == "facilitator"

    @property
    def is_projector(self) -> bool:
        return self.view == "projector"

    @property
    def is_participant(self) -> bool:
        return self.view == "participant"


class _Watched(Viewer):
    """A participant's viewer that notes whether a rendering asked who the participant is."""

    asked_who: bool

    def __init__(self, view: str, participant: Participant | None = None) -> None:
        super().__init__(view, participant)
        object.__setattr__(self, "asked_who", False)

    def __getattribute__(self, name: str) -> Any:
        if name == "participant":
            object.__setattr__(self, "asked_who", True)
        return object.__getattribute__(self, name)


@dataclass
class Publish:
    """What an action changed: the partials to send and what to do once they are sent.

    ``personal`` partials depend on who is looking (a participant's own dots or quiet
    write); they are rendered once for each participant who is online in the room.
    ``own`` partials changed for the participant who acted and nobody else; they are
    rendered for that participant alone. ``context`` is passed to every one of them: a
    partial that lists many things may send only the one that changed (``only_item``,
    ``only_cell``) and sends them all without it. ``reply`` goes back to the sender alone,
    in the socket's acknowledgement (a typist's page learns what its cell now holds).
    """

    regions: tuple[str, ...] = ()
    personal: tuple[str, ...] = ()
    own: tuple[str, ...] = ()
    after: list[Callable[[], None]] = field(default_factory=list)
    context: Mapping[str, Any] = field(default_factory=dict)
    reply: Mapping[str, Any] = field(default_factory=dict)


def people_changed() -> Publish:
    """Someone joined, was renamed or was removed: every partial that names or counts them."""
    return Publish(regions=tuple(PEOPLE_REGIONS))


def presence_changed() -> Publish:
    """Someone came online or went offline (and so stopped typing in any cell)."""
    return Publish(regions=tuple(PRESENCE_REGIONS))


def _bump(*, presence_only: bool) -> Update:
    bumped = {Room.version: Room.version + 1}
    if not presence_only:
        bumped[Room.content_version] = Room.version + 1
    return (
        update(Room)
        .where(Room.id == bindparam("room_id"))
        .values(bumped)
        .returning(Room)
        # The returned row refreshes the room in the session; no need for SQLAlchemy to
        # work out which loaded objects the UPDATE matched as well.
        .execution_options(populate_existing=True, synchronize_session=False)
    )


# Every change runs one of these, so each is built once, not per change: building a
# statement cost about as much CPU as running it (SQLAlchemy coerces and hashes every
# clause anew; a built statement is looked up in its compiled cache at once).
_BUMP = {presence_only: _bump(presence_only=presence_only) for presence_only in (False, True)}


def bump_version(room_id: int, *, presence_only: bool = False) -> Room:
    """Take the room's write lock by bumping its version, and return the fresh room.

    On PostgreSQL the UPDATE holds the row lock until commit, so changes within a room
    are applied one at a time; SQLite transactions begin IMMEDIATE for the same effect.
    The UPDATE returns the row, so taking the lock and reading the room is one round trip.
    A change that only says who came or went (``presence_only``) leaves
    ``content_version`` behind, so screens reconnecting across it can skip the full state.
    """
    room = db.session.scalars(_BUMP[presence_only], {"room_id": room_id}).one_or_none()
    assert room is not None
    return room


def render_regions(
    room: Room, viewer: Viewer, templates: Iterable[str], context: Mapping[str, Any] | None = None
) -> str:
    return "".join(
        render_template(template, room=room, viewer=viewer, swap_oob=True, **(context or {}))
        for template in templates
    )


P = ParamSpec("P")
R = TypeVar("R")


def per_change(fn: Callable[P, R]) -> Callable[P, R]:
    """For the read helpers partials call (the tally, the notes, the plan): while one change
    is rendered for every audience and online participant (or one screen's full state is),
    each answer is read once and shared, instead of once per partial that asks. Outside that
    (in an action, a page) it reads anew. Renderings only read what they are given, so
    sharing the loaded rows is safe."""

    @functools.wraps(fn)
    def memoized(*args: P.args, **kwargs: P.kwargs) -> R:
        memo = g.get("wsapp_per_change")
        key = (fn, *args)
        try:
            hash(key)
        except TypeError:
            memo = None
        if memo is None or kwargs:
            return fn(*args, **kwargs)
        if key not in memo:
            memo[key] = fn(*args, **kwargs)
        return memo[key]

    return memoized


@contextmanager
def _reading_once() -> Iterator[None]:
    """While rendering one change (or one full state), ``per_change`` helpers read once."""
    outer = g.get("wsapp_per_change")
    g.wsapp_per_change = {}
    try:
        yield
    finally:
        g.wsapp_per_change = outer


# Regions a room page shows outside the shared ones, by view: the record's card (on the
# facilitator's and the participants' pages) and who this phone is. A full state carries
# them too, or a screen that missed a push to them keeps the old one until it reloads.
VIEW_REGIONS = {
    "participant": ("rooms/_you.html", "export/_record.html"),
    "facilitator": ("export/_record.html",),
    "projector": (),
}


def full_state(room: Room, viewer: Viewer) -> str:
    """Every live region the viewer's page shows, as it is now."""
    with _reading_once():
        return render_regions(room, viewer, PAGE_REGIONS + VIEW_REGIONS[viewer.view])


def catch_up(room: Room, viewer: Viewer, seen_version: int) -> str:
    """What takes a screen showing ``seen_version`` to the room's current version.

    When nothing but presence changed since (everyone's Wi-Fi dropped and came back),
    that is the partials showing who is online: a few KB instead of the whole room, which
    is what lets a room of phones reconnecting at once all catch up in a moment.
    """
    if room.content_version <= seen_version <= room.version:
        with _reading_once():
            return render_regions(room, viewer, PRESENCE_REGIONS)
    return full_state(room, viewer)


def connection_is_live() -> ColumnElement[bool]:
    """Connections heard from within PRESENCE_TTL; older rows belong to a process that died."""
    ttl = timedelta(seconds=current_app.config["PRESENCE_TTL"])
    return Connection.seen_at >= utcnow() - ttl


def online_participants(room_id: int) -> list[Participant]:
    return list(
        db.session.scalars(
            select(Participant)
            .join(Connection, Connection.participant_id == Participant.id)
            .where(
                Connection.room_id == room_id,
                Participant.removed_at.is_(None),
                connection_is_live(),
            )
            .distinct()
        )
    )


@dataclass
class Outbox:
    """A change's pushes, rendered inside its transaction and sent once it is committed."""

    room_id: int
    version: int
    messages: list[tuple[str, str]]  # (audience or participant key, html)
    after: list[Callable[[], None]]
    # (socket id, html): whole room states at this version, sent after the pushes
    full: list[tuple[str, str]] = field(default_factory=list)


# Pushes of a room leave this process in version order: a change renders while it holds
# the room's database lock, then commits and emits while holding the room's stripe here,
# which the room's next change (already past the database lock, so one version later)
# must take before it can commit. A room's people may sit on several processes
# (deploy/nginx.conf spreads sockets by tab), whose pushes can overtake each other between
# commit and publish: clients put those back in version order (app.js). Striped: bounded,
# never pruned.
_ORDER = [threading.Lock() for _ in range(64)]


# Screens outside the room that follow its changes (an event's roll-up): each is handed every
# change's outbox, rendered, and may add its own pushes and follow-ups. Features add theirs
# at import.
ROOM_WATCHERS: list[Callable[[Room, Publish, Outbox], None]] = []


def render_change(room: Room, publish: Publish, actor: Participant | None = None) -> Outbox:
    """Render what every audience of the room, each online participant (``personal``) and
    the participant who acted (``own``) is sent. What the partials read is read once for
    all of them (``per_change``)."""
    with _reading_once():
        context = publish.context
        messages = [
            (
                audience_key(room.id, view),
                render_regions(room, Viewer(view), publish.regions, context),
            )
            for view in VIEWS
        ]
        if publish.personal:
            messages.extend(_personal_messages(room, publish))
        if publish.own and actor is not None:
            html = render_regions(room, Viewer("participant", actor), publish.own, context)
            messages.append((participant_key(actor.id), html))
        outbox = Outbox(room.id, room.version, messages, list(publish.after))
        for watcher in ROOM_WATCHERS:
            watcher(room, publish, outbox)
    return outbox


def _personal_messages(room: Room, publish: Publish) -> list[tuple[str, str]]:
    """Each online participant's rendering of the ``personal`` partials. A partial knows
    who it is for only through ``viewer.participant``: when the first rendering never asks
    (the plan's phase, say, is the same on every phone), it is everyone's, and is sent once
    to the room's participants instead of being rendered and sent for each."""
    personal = publish.personal
    own_parts = OWN_PARTS.get(library().kits[room.kit_id].phase_at(room.phase_index).kind)
    if own_parts and "rooms/_phase.html" in personal and "rooms/_phase.html" in publish.regions:
        personal = tuple(p for p in personal if p != "rooms/_phase.html") + own_parts
    messages: list[tuple[str, str]] = []
    for participant in online_participants(room.id):
        viewer = _Watched("participant", participant)
        html = render_regions(room, viewer, personal, publish.context)
        if not messages and not viewer.asked_who:
            return [(audience_key(room.id, "participant"), html)]
        messages.append((participant_key(participant.id), html))
    return messages


def commit_and_deliver(outbox: Outbox) -> None:
    """Commit the change, send its pushes in order, then run its follow-ups."""
    with _ORDER[outbox.room_id % len(_ORDER)]:
        try:
            db.session.commit()
        except BaseException:
            db.session.rollback()
            raise
        for to, html in outbox.messages:
            socketio.emit("swap", {"v": outbox.version, "html": html}, to=to)
        for to, html in outbox.full:
            socketio.emit("swap", {"v": outbox.version, "full": True, "html": html}, to=to)
    for follow_up in outbox.after:
        follow_up()


def commit_and_send(room: Room, publish: Publish) -> None:
    commit_and_deliver(render_change(room, publish))


def epoch_ms(moment: datetime | None = None) -> int:
    """Milliseconds since the epoch of a naive UTC time (now when none is given)."""
    if moment is None:
        return int(time.time() * 1000)
    return int((moment - datetime(1970, 1, 1)).total_seconds() * 1000)
