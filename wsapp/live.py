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

from flask import Flask, current_app, g, render_template
from flask.sansio.app import App
from jinja2 import TemplateNotFound
from sqlalchemy import ColumnElement, Update, bindparam, select, update

from .content import library
from .extensions import db
from .models import Connection, Participant, Room, utcnow
from .queue import Push, send_all

VIEWS = ("participant", "facilitator", "projector")

PHASE = "rooms/_phase.html"


@dataclass(frozen=True)
class Parts:
    """Some partials of every item a page partial shows, each sent as its own fragment:
    ``Parts("plan/_grid.html", ("plan/_cell_text.html",))`` sends each cell's text as the
    grid shows it, so the cell someone is typing in is the only one held back on their
    screen. The page partial decides whether and which items it shows, and given ``parts``
    renders just those of each item: no push-only template repeats the page's choices."""

    template: str
    parts: tuple[str, ...]


# A live region: a partial the page includes, or some parts of each item of one.
Region = str | Parts


@dataclass(frozen=True)
class PhaseView:
    """How a phase kind is shown (declared with ``bp.phase``, :mod:`wsapp.feature`).

    ``template`` is included by ``rooms/_phase.html``. ``per_person``: it differs from one
    participant to the next, so a change to the phase is rendered for each of them.
    ``own_parts``: only these partials differ (a wall of posters: each person's own dot
    buttons), so the phase is rendered once for all participants and then just these for
    each; rendering the whole wall once per person had been most of the cost of moving a
    room of 30 to the posters."""

    template: str
    per_person: bool = False
    own_parts: tuple[str, ...] = ()


@dataclass(frozen=True)
class Watched:
    """What a room's change sends screens outside the room (an event's roll-up): pushes
    rendered in the change's transaction and sent with the room's own, and follow-ups run
    after the commit."""

    messages: tuple[tuple[str, str], ...] = ()  # (audience key, html)
    after: tuple[Callable[[], None], ...] = ()


# Declared with ``bp.watch_rooms``: asked, for every change of any room, what it sends.
RoomWatcher = Callable[[Room, "Publish"], Watched]


@dataclass
class LiveRegions:
    """The live regions the app's features declared (``bp.live_regions``, ``bp.phase``).

    ``page``: by view, every region the room page shows, outermost first; a full state
    re-sends them all. ``people``: the regions that list or count the room's people, re-sent
    when someone joins, is renamed or is removed. ``presence``: those that show who is
    online, re-sent when someone comes or goes. ``phases``: by phase kind, how it is shown.
    """

    page: dict[str, list[Region]] = field(default_factory=lambda: {view: [] for view in VIEWS})
    people: list[Region] = field(default_factory=list)
    presence: list[Region] = field(default_factory=list)
    phases: dict[str, PhaseView] = field(default_factory=dict)
    # Screens outside a room that follow its changes (``bp.watch_rooms``).
    watchers: list[RoomWatcher] = field(default_factory=list)


def registry(app: App | None = None) -> LiveRegions:
    """The live regions of the app (the current one when none is given)."""
    regions: LiveRegions = (app or current_app).extensions.setdefault("wsapp_live", LiveRegions())
    return regions


def phase_template(kind: str) -> str:
    """The template that shows a phase of this kind (see :func:`check_phases`)."""
    return registry().phases[kind].template


def check_phases(app: Flask) -> None:
    """Stop the app at start-up when a kit has a phase kind that no feature shows, or whose
    template is missing, rather than show that phase empty."""
    shown = registry(app).phases
    for kit in app.extensions["wsapp_content"].kits.values():
        for phase in kit.phases:
            if phase.kind not in shown:
                raise RuntimeError(
                    f"Kit {kit.id!r} has a phase of kind {phase.kind!r}, but no feature "
                    f"declares a template for it (bp.phase({phase.kind!r}, template))."
                )
    for kind, view in shown.items():
        try:
            app.jinja_env.get_template(view.template)
        except TemplateNotFound:
            raise RuntimeError(
                f"Phases of kind {kind!r} are shown by {view.template!r}, which does not exist."
            ) from None


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


@dataclass(frozen=True)
class Publish:
    """What an action changed: the partials to send and what to do once they are sent.

    ``personal`` partials depend on who is looking (a participant's own dots or quiet
    write); they are rendered once for each participant who is online in the room.
    ``rooms/_phase.html`` among them is as personal as its phase kind declares
    (:class:`PhaseView`).
    ``own`` partials changed for the participant who acted and nobody else; they are
    rendered for that participant alone. ``context`` is passed to every one of them: a
    partial that lists many things may send only the one that changed (``only_item``,
    ``only_cell``) and sends them all without it. ``reply`` goes back to the sender alone,
    in the socket's acknowledgement (a typist's page learns what its cell now holds).
    """

    regions: tuple[Region, ...] = ()
    personal: tuple[Region, ...] = ()
    own: tuple[Region, ...] = ()
    after: tuple[Callable[[], None], ...] = ()
    context: Mapping[str, Any] = field(default_factory=dict)
    reply: Mapping[str, Any] = field(default_factory=dict)


def people_changed() -> Publish:
    """Someone joined, was renamed or was removed: every partial that names or counts them."""
    return Publish(regions=tuple(registry().people))


def presence_changed() -> Publish:
    """Someone came online or went offline (and so stopped typing in any cell)."""
    return Publish(regions=tuple(registry().presence))


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
    if room is None:
        raise LookupError(f"room {room_id} no longer exists")
    return room


def render_regions(
    room: Room,
    viewer: Viewer,
    regions: Iterable[Region],
    context: Mapping[str, Any] | None = None,
) -> str:
    html = []
    for region in regions:
        template, parts = (
            (region, {}) if isinstance(region, str) else (region.template, {"parts": region.parts})
        )
        html.append(
            render_template(
                template, room=room, viewer=viewer, swap_oob=True, **parts, **(context or {})
            )
        )
    return "".join(html)


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


def full_state(room: Room, viewer: Viewer) -> str:
    """Every live region the viewer's page shows, as it is now."""
    with _reading_once():
        return render_regions(room, viewer, registry().page[viewer.view])


def catch_up(room: Room, viewer: Viewer, seen_version: int) -> str:
    """What takes a screen showing ``seen_version`` to the room's current version.

    When nothing but presence changed since (everyone's Wi-Fi dropped and came back),
    that is the partials showing who is online: a few KB instead of the whole room, which
    is what lets a room of phones reconnecting at once all catch up in a moment.
    """
    if room.content_version <= seen_version <= room.version:
        with _reading_once():
            return render_regions(room, viewer, registry().presence)
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
    after: tuple[Callable[[], None], ...]
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


# A room's changes also take turns in this process before they ask for a pooled
# connection: otherwise every change waiting for the room's row lock holds a connection
# while it waits, and a busy room empties the pool for every other room (the convoy seen
# in the benchmark: pool timeouts under load). Only ``actions.perform`` takes a turn, and
# it holds no connection when it does (it ends any read transaction first), so the order
# is always turn, connection, row lock, ``_ORDER``: nothing waits for a turn while holding
# anything a turn's holder needs. Connects and disconnects take no turn: they already hold
# a connection when they bump. Striped, as ``_ORDER``; enough stripes that two busy rooms
# rarely share one.
_TURNS = [threading.Lock() for _ in range(1024)]


@contextmanager
def room_turn(room_id: int) -> Iterator[None]:
    """This process's turn to change the room (see ``_TURNS``)."""
    if db.session().in_transaction():
        db.session.commit()  # a caller's reads (the room from its code): hold nothing
    with _TURNS[room_id % len(_TURNS)]:
        yield


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
        after = publish.after
        for watch in registry().watchers:
            watched = watch(room, publish)
            messages.extend(watched.messages)
            after += watched.after
    return Outbox(room.id, room.version, messages, after)


def _personal_messages(room: Room, publish: Publish) -> list[tuple[str, str]]:
    """Each online participant's rendering of the ``personal`` partials. The phase among
    them is rendered for each only if its kind says it differs from one participant to the
    next (:class:`PhaseView`); otherwise the participants' audience already has it."""
    personal = publish.personal
    messages: list[tuple[str, str]] = []
    if PHASE in personal:
        shown = _phase_view(room)
        if shown.own_parts and PHASE in publish.regions:
            personal = tuple(p for p in personal if p != PHASE) + shown.own_parts
        elif not shown.per_person:
            personal = tuple(p for p in personal if p != PHASE)
            if PHASE not in publish.regions:
                html = render_regions(room, Viewer("participant"), (PHASE,), publish.context)
                messages.append((audience_key(room.id, "participant"), html))
    if personal:
        messages.extend(
            (
                participant_key(participant.id),
                render_regions(room, Viewer("participant", participant), personal, publish.context),
            )
            for participant in online_participants(room.id)
        )
    return messages


def _alike(messages: list[tuple[str, str]]) -> list[tuple[list[str], str]]:
    """The messages with the same HTML as one message to all their audiences, in the order
    each HTML first comes: one emit is encoded once, published once through the message
    queue and decoded once by each process (a note's push is the same for the room's
    participants and its projector; every audience that sees nothing new gets an empty
    one). A socket in two of the audiences still gets it once."""
    alike: dict[str, list[str]] = {}
    for to, html in messages:
        alike.setdefault(html, []).append(to)
    return [(to, html) for html, to in alike.items()]


def _phase_view(room: Room) -> PhaseView:
    """How the room's phase is shown now: in pre-work, each participant's own work."""
    if room.prework_open:
        return PhaseView("rooms/_prework.html", per_person=True)
    return registry().phases[library().kits[room.kit_id].phase_at(room.phase_index).kind]


def commit_and_deliver(outbox: Outbox) -> None:
    """Commit the change, send its pushes in order, then run its follow-ups."""
    with _ORDER[outbox.room_id % len(_ORDER)]:
        try:
            db.session.commit()
        except BaseException:
            db.session.rollback()
            raise
        pushes: list[Push] = [
            (audiences, {"v": outbox.version, "html": html})
            for audiences, html in _alike(outbox.messages)
        ]
        pushes.extend(
            (to, {"v": outbox.version, "full": True, "html": html}) for to, html in outbox.full
        )
        send_all("swap", pushes)
    for follow_up in outbox.after:
        follow_up()


def commit_and_send(room: Room, publish: Publish) -> None:
    commit_and_deliver(render_change(room, publish))


def epoch_ms(moment: datetime | None = None) -> int:
    """Milliseconds since the epoch of a naive UTC time (now when none is given)."""
    if moment is None:
        return int(time.time() * 1000)
    return int((moment - datetime(1970, 1, 1)).total_seconds() * 1000)
