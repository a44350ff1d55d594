"""One write path for every change to a room, whether it comes by htmx or by socket.

A feature declares an action with ``@action(name, Args, who=...)``; the HTTP view
``POST /r/<code>/act/<name>`` and the socket event ``act`` both call ``perform``, which
checks the sender, the room's state, the arguments and the rate limit, applies the change
under the room's lock, commits, and only then broadcasts.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator
from pydantic_core import PydanticCustomError

from .extensions import db
from .identity import Actor, actor_in, sender_key
from .live import Publish, bump_version, commit_and_deliver, render_change
from .models import Room
from .security import SLOW_DOWN, action_limit, allow
from .text import Typed

Who = Literal["participant", "facilitator", "anyone"]
ArgsT = TypeVar("ArgsT", bound=BaseModel)


class ActionError(Exception):
    """A request the room refuses, with a message meant for the person who sent it."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


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


ActionFn = Callable[[Room, Actor, Any], Publish]


@dataclass(frozen=True)
class ActionSpec:
    name: str
    args: type[BaseModel]
    who: Who
    fn: ActionFn
    while_locked: bool  # may participants do it in a locked room?
    while_closed: bool


ACTIONS: dict[str, ActionSpec] = {}


def action(
    name: str,
    args: type[ArgsT],
    *,
    who: Who,
    while_locked: bool = False,
    while_closed: bool = False,
) -> Callable[[Callable[[Room, Actor, ArgsT], Publish]], Callable[[Room, Actor, ArgsT], Publish]]:
    """Register a domain function as the action ``name``."""

    def register(
        fn: Callable[[Room, Actor, ArgsT], Publish],
    ) -> Callable[[Room, Actor, ArgsT], Publish]:
        if name in ACTIONS:
            raise RuntimeError(f"action {name!r} is registered twice")
        ACTIONS[name] = ActionSpec(name, args, who, fn, while_locked, while_closed)
        return fn

    return register


def describe_validation_error(error: ValidationError) -> str:
    first = error.errors()[0]
    where = ".".join(str(part) for part in first["loc"]) or "request"
    message = str(first["msg"])
    if first["type"] == "extra_forbidden":
        message = "is not expected here"
    elif first["type"] == "missing":
        message = "is required"
    return f"{where}: {message}"


def _check_sender(spec: ActionSpec, room: Room, as_facilitator: bool) -> Actor:
    if spec.who == "facilitator" and not as_facilitator:
        raise ActionError("Only the facilitator can do that.", 403)
    if spec.who == "participant" and as_facilitator:
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
    return actor


@dataclass(frozen=True)
class Done:
    """A change saved and sent: the room's version now, and what its sender is told."""

    version: int
    reply: Mapping[str, Any]


def perform(room_id: int, name: str, raw_args: Mapping[str, Any], *, as_facilitator: bool) -> Done:
    """Apply action ``name`` to the room for the current sender.

    Raises ActionError, having changed nothing, when the sender, the room's state or the
    arguments do not allow it.
    """
    # Counted before anything else, so a flood (even of malformed events) never reaches
    # the room's lock and slows nobody else down.
    if not allow(action_limit(), "act", sender_key(room_id, as_facilitator=as_facilitator)):
        raise ActionError(SLOW_DOWN, 429)
    spec = ACTIONS.get(name)
    if spec is None:
        raise ActionError(f"There is no action called {name[:40]!r}.", 404)
    try:
        args = spec.args.model_validate(dict(raw_args))
    except ValidationError as error:
        raise ActionError(describe_validation_error(error), 422) from None

    room = bump_version(room_id)
    try:
        actor = _check_sender(spec, room, as_facilitator)
        publish = spec.fn(room, actor, args)
        outbox = render_change(room, publish, actor.participant)
    except BaseException:
        db.session.rollback()
        raise
    commit_and_deliver(outbox)
    return Done(outbox.version, publish.reply)
