"""One write path for every change to a room, whether it comes by htmx or by socket.

A feature declares an action with ``@bp.action(name, Args, who=...)`` (:mod:`.feature`);
the HTTP view ``POST /r/<code>/act/<name>`` and the socket event ``act`` both call
``perform``, which checks the sender, the room's state, the arguments and the rate limit,
applies the change under the room's lock, commits, and only then broadcasts.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, Protocol, TypeVar

from flask import current_app
from flask.sansio.app import App
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic_core import PydanticCustomError

from .extensions import db
from .identity import Actor, actor_in, sender_key
from .live import (
    Publish,
    Viewer,
    bump_version,
    commit_and_deliver,
    render_change,
    render_regions,
    room_turn,
)
from .models import Participant, Room
from .security import SLOW_DOWN, action_limit, allow
from .text import Typed

Who = Literal["participant", "facilitator", "anyone"]
# A room deleted while someone still had it open (or a URL to it).
ROOM_GONE = "This room no longer exists: its facilitator deleted it. Nothing was changed."
ArgsT = TypeVar("ArgsT", bound=BaseModel)


class ActionError(Exception):
    """A request the room refuses, with a message meant for the person who sent it."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


class RoomPart(Protocol):
    """A row that belongs to one room (a poster, a note, a plan row...)."""

    @property
    def room_id(self) -> int: ...


PartT = TypeVar("PartT", bound=RoomPart)


def part_of(room: Room, model: type[PartT], part_id: int, missing: str) -> PartT:
    """The ``model`` row with this id if it belongs to the room; else a 404 that says
    ``missing`` (an id from another room is refused like one that does not exist)."""
    part = db.session.get(model, part_id)
    if part is None or part.room_id != room.id:
        raise ActionError(missing, 404)
    return part


# The largest whole number a database column holds (PostgreSQL's INTEGER).
INT_MAX = 2**31 - 1


class Args(Typed):
    """Base for an action's arguments: unknown fields are refused, strings are cleaned
    (:mod:`wsapp.text`) and trimmed, and no whole number is too large for the database (an
    id of 10**30 is refused here rather than failing in the query)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)

    @field_validator("*")
    @classmethod
    def _fits_the_database(cls, value: Any) -> Any:
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) > INT_MAX:
            raise PydanticCustomError("too_large", "is far too large")
        return value


class NoArgs(Args):
    pass


class SetLocked(Args):
    """Lock or unlock something: the room, the posters, the plan."""

    locked: bool


ActionFn = Callable[[Room, Actor, ArgsT], Publish]


@dataclass(frozen=True)
class ActionSpec:
    """An action as a feature declared it (``@bp.action``, :mod:`wsapp.feature`)."""

    name: str
    args: type[BaseModel]
    who: Who
    fn: ActionFn[Any]
    while_locked: bool  # may participants do it in a locked room?
    while_closed: bool
    # May the facilitator or a table captain do it for a person without a device?
    for_others: bool


def registered(app: App | None = None) -> dict[str, ActionSpec]:
    """The actions the app's features declared, by name."""
    actions: dict[str, ActionSpec] = (app or current_app).extensions.setdefault("wsapp_actions", {})
    return actions


def describe_validation_error(error: ValidationError) -> str:
    first = error.errors()[0]
    where = ".".join(str(part) for part in first["loc"]) or "request"
    message = str(first["msg"])
    if first["type"] == "extra_forbidden":
        message = "is not expected here"
    elif first["type"] == "missing":
        message = "is required"
    return f"{where}: {message}"


class ForPerson(Args):
    """Who an action is done for, when the sender acts for a person without a device."""

    for_person: int = Field(ge=1)


def person_without_device(room: Room, person_id: int) -> Participant:
    """The room's person without a device whom others may act for."""
    person = db.session.get(Participant, person_id)
    if person is None or person.room_id != room.id or person.removed_at is not None:
        raise ActionError("That person is not in this room.", 404)
    if not person.without_device:
        raise ActionError(f"{person.name} has a device and acts for themselves.", 403)
    return person


def _acting_for(room: Room, sender: Actor, person_id: int) -> Actor:
    """The actor for a person without a device, when the sender may speak for them."""
    if not sender.speaks_for_others:
        raise ActionError("Only the facilitator or a table captain can act for someone else.", 403)
    view = "facilitator" if sender.is_facilitator else "participant"
    return Actor(room.id, person_without_device(room, person_id), acting_view=view)


def _check_sender(
    spec: ActionSpec, room: Room, as_facilitator: bool, for_person: int | None = None
) -> Actor:
    if spec.who == "facilitator" and not as_facilitator:
        raise ActionError("Only the facilitator can do that.", 403)
    if spec.who == "participant" and as_facilitator and for_person is None:
        raise ActionError("Join the room as a participant to do that.", 403)
    actor = actor_in(room, as_facilitator=as_facilitator)
    if actor is None:
        if as_facilitator:
            raise ActionError("Only the facilitator can do that.", 403)
        raise ActionError("You are not in this room. Join it with its code first.", 403)
    if room.is_closed and not spec.while_closed:
        raise ActionError("This room is closed; its record can be read but not changed.", 409)
    if room.locked and not actor.is_facilitator and not spec.while_locked:
        raise ActionError("The facilitator has locked the room for now.", 409)
    if room.prework_closed and not actor.is_facilitator:
        raise ActionError(
            "The pre-work closed at its deadline; the facilitator will open the meeting.", 409
        )
    if for_person is not None:
        return _acting_for(room, actor, for_person)
    return actor


@dataclass(frozen=True)
class Done:
    """A change saved and sent: the room's version now, and what its sender is told."""

    version: int
    reply: Mapping[str, Any]
    # Acting for a person without a device: their own partials (their dots, their
    # answer) as the acting screen shows them, returned to that screen alone.
    acted_for_html: str = ""


def perform(room_id: int, name: str, raw_args: Mapping[str, Any], *, as_facilitator: bool) -> Done:
    """Apply action ``name`` to the room for the current sender.

    Raises ActionError, having changed nothing, when the sender, the room's state or the
    arguments do not allow it; the refusal is logged with ids only, never what was typed.
    """
    try:
        return _perform(room_id, name, raw_args, as_facilitator=as_facilitator)
    except ActionError as error:
        if error.status != 429:  # not a flood's every event: the log would flood too
            sender = sender_key(room_id, as_facilitator=as_facilitator)
            current_app.logger.info(
                "action %r refused (%d) in room %d for %s",
                name[:40],
                error.status,
                room_id,
                "a stranger" if sender.startswith("stranger:") else sender,
            )
        raise


def _perform(room_id: int, name: str, raw_args: Mapping[str, Any], *, as_facilitator: bool) -> Done:
    # Counted before anything else, so a flood (even of malformed events) never reaches
    # the room's lock and slows nobody else down.
    if not allow(action_limit(), "act", sender_key(room_id, as_facilitator=as_facilitator)):
        raise ActionError(SLOW_DOWN, 429)
    spec = registered().get(name)
    if spec is None:
        raise ActionError(f"There is no action called {name[:40]!r}.", 404)
    raw = dict(raw_args)
    for_person = raw.pop("for_person", None) if spec.for_others else None
    try:
        args = spec.args.model_validate(raw)
        if for_person is not None:
            for_person = ForPerson(for_person=for_person).for_person
    except ValidationError as error:
        raise ActionError(describe_validation_error(error), 422) from None

    with room_turn(room_id):
        try:
            room = bump_version(room_id)
        except LookupError:
            db.session.rollback()
            raise ActionError(ROOM_GONE, 404) from None
        try:
            actor = _check_sender(spec, room, as_facilitator, for_person)
            publish = spec.fn(room, actor, args)
            outbox = render_change(room, publish, actor.participant)
            acted_for = ""
            if actor.acting_view is not None:
                viewer = Viewer(actor.acting_view, actor.participant)
                acted_for = render_regions(room, viewer, publish.own, publish.context)
        except BaseException:
            db.session.rollback()
            raise
        commit_and_deliver(outbox)
    return Done(outbox.version, publish.reply, acted_for)
