"""How a feature joins the app: its blueprint, a :class:`Feature`, declares all it adds.

A feature (rooms, posters, discussion, quietwrite, plan, export, facilitator) makes one
``bp = Feature(name, __name__)`` and declares on it, next to the code they name::

    bp.live_regions(people=TALLIES)                      # re-sent when someone joins/leaves
    bp.live_regions(presence=(Parts("plan/_grid.html", ("plan/_cell_editing.html",)),))
    bp.live_regions(page=RECORD, views=("participant", "facilitator"))  # in a full state
    bp.phase("posters", "phases/_posters.html", own_parts=("posters/_mine.html",))

    @bp.action("dot.place", PlaceDot, who="participant")  # POST /r/<code>/act/dot.place
    def place_dot(room: Room, actor: Actor, args: PlaceDot) -> Publish: ...

    @bp.template_global                                   # {{ tally(room) }} in templates
    def tally(room: Room) -> list[PosterTally]: ...

    @bp.on_time_up                                        # ends with the room's timer
    def _end_on_time(room: Room) -> Publish | None: ...

    @bp.watch_rooms                                       # an event's page follows its rooms
    def watch(room: Room, publish: Publish) -> Watched: ...

    @bp.conclusion                                        # more tables in a room's record
    def movement_tables(room: Room) -> list[Table]: ...

    bp.template_globals(dot_shapes=SHAPES)                # values, or functions from elsewhere

    @bp.route("/r/<code>/posters")                        # routes, as on any blueprint
    def ...

Nothing is registered at import: the declarations are recorded on the blueprint and applied
when ``create_app`` registers it (``FEATURES`` in :mod:`wsapp`), into that app's action
table (``app.extensions["wsapp_actions"]``, :func:`wsapp.actions.registered`), its live
regions (``app.extensions["wsapp_live"]``, :func:`wsapp.live.registry`) and its Jinja
globals. The feature's blueprint is listed in ``wsapp.FEATURES``. Socket event handlers
are the exception: ``@socketio.on`` in ``rooms/events.py`` and ``rooms/presence.py`` (a
page whose socket is not a room's declares how its connect is admitted with
``bp.socket_kind``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from flask import Blueprint, current_app
from flask.blueprints import BlueprintSetupState
from flask.sansio.app import App
from pydantic import BaseModel

from .actions import ActionFn, ActionSpec, Who, registered
from .live import PhaseView, Publish, Region, RoomWatcher, registry
from .models import Room

F = TypeVar("F", bound=Callable[..., Any])
ArgsT = TypeVar("ArgsT", bound=BaseModel)
TimeUp = Callable[[Room], Publish | None]
Conclude = Callable[[Room], list[Any]]  # the room's extra tables (wsapp.export.domain.Table)
SocketConnect = Callable[[dict[str, Any]], None]


class Feature(Blueprint):
    """A blueprint that also declares the feature's actions, live regions, phase kinds and
    template globals, applied to the app it is registered on."""

    def action(
        self,
        name: str,
        args: type[ArgsT],
        *,
        who: Who,
        while_locked: bool = False,
        while_closed: bool = False,
        for_others: bool = False,
    ) -> Callable[[ActionFn[ArgsT]], ActionFn[ArgsT]]:
        """Declare a domain function ``(room, actor, args) -> Publish`` as the action
        ``name``: who may send it, with which arguments, and in which room states.
        ``for_others``: the facilitator or a table captain may do it for a person without
        a device."""

        def declare(fn: ActionFn[ArgsT]) -> ActionFn[ArgsT]:
            spec = ActionSpec(name, args, who, fn, while_locked, while_closed, for_others)
            self.record_once(lambda state: _add_action(state, spec))
            return fn

        return declare

    def live_regions(
        self,
        *,
        page: Iterable[Region] = (),
        views: Iterable[str] = ("participant", "facilitator", "projector"),
        people: Iterable[Region] = (),
        presence: Iterable[Region] = (),
    ) -> None:
        """Declare partials that are live regions of the room page.

        ``page``: regions the page shows on ``views``; a full state (a resync, a
        reconnect) re-sends them all. ``people``: regions that list or count the room's
        people, re-sent when someone joins, is renamed or is removed. ``presence``:
        regions that show who is online, re-sent when someone comes or goes."""
        page, views, people, presence = tuple(page), tuple(views), tuple(people), tuple(presence)

        def add(state: BlueprintSetupState) -> None:
            live = registry(state.app)
            for view in views:
                live.page[view].extend(page)
            live.people.extend(people)
            live.presence.extend(presence)

        self.record_once(add)

    def phase(
        self, kind: str, template: str, *, per_person: bool = False, own_parts: Iterable[str] = ()
    ) -> None:
        """Declare the template that shows phases of ``kind`` inside ``rooms/_phase.html``.

        ``per_person``: it shows each participant something of their own (their notes'
        buttons), so a change to the phase is rendered for each online participant.
        ``own_parts``: only these partials differ from one participant to the next (their
        dot buttons): the phase goes once to all participants, then each their own parts.
        Otherwise the phase is the same on every participant's screen, rendered once."""
        view = PhaseView(template, per_person, tuple(own_parts))

        def add(state: BlueprintSetupState) -> None:
            phases = registry(state.app).phases
            if kind in phases:
                raise RuntimeError(f"phase kind {kind!r} is declared twice")
            phases[kind] = view

        self.record_once(add)

    def watch_rooms(self, fn: RoomWatcher) -> RoomWatcher:
        """Declare a screen outside the rooms that follows their changes (an event's page):
        ``fn(room, publish)``, called in every change's transaction once its own pushes
        are rendered, returns what else to send (:class:`wsapp.live.Watched`)."""
        self.record_once(lambda state: registry(state.app).watchers.append(fn))
        return fn

    def socket_kind(self, kind: str, connect: SocketConnect) -> None:
        """Declare a page whose socket watches something other than one room: a connect
        whose auth names ``kind`` is admitted by ``connect(auth)`` (which refuses it by
        raising ``ConnectionRefusedError``)."""
        self.record_once(lambda state: socket_kinds(state.app).update({kind: connect}))

    def on_time_up(self, fn: TimeUp) -> TimeUp:
        """Declare something that ends when the room's timer runs out (the quiet write):
        ``fn`` changes the room and returns what to send, or None when it ended nothing."""
        self.record_once(lambda state: ends_on_time_up(state.app).append(fn))
        return fn

    def conclusion(self, fn: Conclude) -> Conclude:
        """Declare more that a room's record concludes (a check-in: how the dots moved):
        ``fn`` gives the room's extra tables, shown and exported with the record's own."""
        self.record_once(lambda state: feature_conclusions(state.app).append(fn))
        return fn

    def template_global(self, fn: F) -> F:
        """Make ``fn`` a global of every template, under its own name."""
        self.template_globals(**{fn.__name__: fn})
        return fn

    def template_globals(self, **values: Any) -> None:
        """Make each value a global of every template, under its keyword."""
        self.record_once(lambda state: state.app.jinja_env.globals.update(values))


def ends_on_time_up(app: App | None = None) -> list[TimeUp]:
    """What the app's features end when a room's timer runs out (``bp.on_time_up``)."""
    ends: list[TimeUp] = (app or current_app).extensions.setdefault("wsapp_time_up", [])
    return ends


def socket_kinds(app: App | None = None) -> dict[str, SocketConnect]:
    """How the app admits sockets of pages other than a room's (``bp.socket_kind``)."""
    kinds: dict[str, SocketConnect] = (app or current_app).extensions.setdefault(
        "wsapp_socket_kinds", {}
    )
    return kinds


def feature_conclusions(app: App | None = None) -> list[Conclude]:
    """What the app's features add to a room's record (``bp.conclusion``)."""
    found: list[Conclude] = (app or current_app).extensions.setdefault("wsapp_conclusions", [])
    return found


def _add_action(state: BlueprintSetupState, spec: ActionSpec) -> None:
    actions = registered(state.app)
    if spec.name in actions:
        raise RuntimeError(f"action {spec.name!r} is registered twice")
    actions[spec.name] = spec
