"""One write path for every change to a room, whether it comes by htmx or by socket.

A feature declares an action with ``@action(name, Args, who=...)``; the HTTP view
``POST /r/<code>/act/<name>`` and the socket event ``act`` both call ``perform``, which
checks the sender, the room's state, the arguments and the rate limit, applies the change
under the room's lock, commits, and only then broadcasts.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

from flask import current_app
from pydantic import BaseModel, ConfigDict, ValidationError

from .extensions import db
from .identity import Actor, actor_in
from .live import Publish, bump_version, send
from .models import Room

Who = Literal["participant", "facilitator", "anyone"]
ArgsT = TypeVar("ArgsT", bound=BaseModel)


class ActionError(Exception):
    """A request the room refuses, with a message meant for the person who sent it."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


class Args(BaseModel):
    """Base for an action's arguments: unknown fields are refused, strings are trimmed."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)


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


class RateLimiter:
    """A token bucket per sender, kept in this process (sockets are sticky to one)."""

    def __init__(self) -> None:
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def allow(self, key: str, rate: float, burst: int) -> bool:
        now = time.monotonic()
        with self._lock:
            tokens, stamp = self._buckets.get(key, (float(burst), now))
            tokens = min(float(burst), tokens + (now - stamp) * rate)
            if tokens < 1:
                self._buckets[key] = (tokens, now)
                return False
            self._buckets[key] = (tokens - 1, now)
            if len(self._buckets) > 50_000:
                self._buckets.clear()
            return True


rate_limiter = RateLimiter()


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


def perform(room_id: int, name: str, raw_args: Mapping[str, Any], *, as_facilitator: bool) -> int:
    """Apply action ``name`` to the room for the current sender; return the new version.

    Raises ActionError, having changed nothing, when the sender, the room's state or the
    arguments do not allow it.
    """
    spec = ACTIONS.get(name)
    if spec is None:
        raise ActionError(f"There is no action called {name[:40]!r}.", 404)
    try:
        args = spec.args.model_validate(dict(raw_args))
    except ValidationError as error:
        raise ActionError(describe_validation_error(error), 422) from None

    config = current_app.config
    room = bump_version(room_id)
    try:
        actor = _check_sender(spec, room, as_facilitator)
        if not rate_limiter.allow(actor.key, config["ACTION_RATE"], config["ACTION_BURST"]):
            raise ActionError("Slow down a little: too many changes at once. Try again.", 429)
        publish = spec.fn(room, actor, args)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    send(room, publish)
    return room.version
