"""Who is asking: a room's participant or its facilitator, from the signed session cookie.

The same functions serve HTTP views and socket handlers (a socket handler sees the session
as it was when the socket connected). A participant is re-read from the database on every
call, so a removed participant loses access at once. An open socket's room and view are
kept in the process holding it (its ``Seat``).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from flask import request, session

from .extensions import db
from .models import Participant, Room


def new_facilitator_key() -> tuple[str, str]:
    """A fresh facilitator secret and the hash the room keeps of it."""
    key = secrets.token_urlsafe(32)
    return key, hash_key(key)


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def key_opens(room: Room, key: str | None) -> bool:
    """Constant-time check of a facilitator secret against the room's stored hash."""
    if not key:
        return False
    return hmac.compare_digest(hash_key(key), room.facilitator_key_hash)


@dataclass(frozen=True)
class Actor:
    """The person behind a request: the room's facilitator or one of its participants."""

    room_id: int
    participant: Participant | None
    # Set when someone acts for a person without a device: the view of the screen that
    # acts for them ("facilitator", or "participant" for a table captain).
    acting_view: str | None = None

    @property
    def is_facilitator(self) -> bool:
        return self.participant is None

    @property
    def speaks_for_others(self) -> bool:
        """May add people without a device and act for them: the facilitator or a table
        captain the facilitator named."""
        return self.participant is None or self.participant.captain

    @property
    def name(self) -> str:
        return self.participant.name if self.participant else "Facilitator"


def sender_key(room_id: int, *, as_facilitator: bool) -> str:
    """Whom a request's rate limit is counted under, read from the signed session alone.

    The session holds a room only once the server has admitted this browser to it, so
    no database read is needed; a browser the room does not know counts by its address,
    and so can never spend the facilitator's or a participant's allowance.
    """
    if as_facilitator and str(room_id) in session.get("led", {}):
        return f"{room_id}:f"
    participant_id = session.get("joined", {}).get(str(room_id))
    if not as_facilitator and participant_id is not None:
        return f"{room_id}:p{participant_id}"
    return f"stranger:{request.remote_addr}"


def remember_facilitator(room: Room, key: str) -> None:
    led = dict(session.get("led", {}))
    led[str(room.id)] = key
    session["led"] = led
    session.permanent = True


def remember_participant(room: Room, participant: Participant) -> None:
    joined = dict(session.get("joined", {}))
    joined[str(room.id)] = participant.id
    session["joined"] = joined
    session.permanent = True


def leads(room: Room) -> bool:
    """Does this browser hold the room's facilitator secret?"""
    return key_opens(room, session.get("led", {}).get(str(room.id)))


def led_room_ids() -> list[int]:
    return [int(room_id) for room_id in session.get("led", {})]


def participant_in(room: Room) -> Participant | None:
    """This browser's participant in the room, unless they were removed."""
    participant_id = session.get("joined", {}).get(str(room.id))
    if participant_id is None:
        return None
    participant = db.session.get(Participant, participant_id)
    if participant is None or participant.room_id != room.id or participant.removed_at:
        return None
    return participant


def actor_in(room: Room, *, as_facilitator: bool) -> Actor | None:
    """The actor for a request that asks to act as facilitator or as participant."""
    if as_facilitator:
        return Actor(room.id, None) if leads(room) else None
    participant = participant_in(room)
    return Actor(room.id, participant) if participant else None


# --- Sockets ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Seat:
    """Where an open socket sits: its room, its view and, on a participant's phone, who.

    Fixed when the socket connects and kept by the process holding the socket, so an
    event needs no database read to know which room it is for. Who may act is still
    checked against the database on every action (a removed participant is refused).
    """

    room_id: int
    view: str
    participant_id: int | None


_SEATS: dict[str, Seat] = {}


def socket_id() -> str:
    """The Socket.IO session id of the socket whose event is being handled."""
    sid: str = request.sid  # type: ignore[attr-defined]  # set by Flask-SocketIO
    return sid


def take_seat(seat: Seat) -> None:
    """Seat the current socket, once its connect is admitted and saved."""
    _SEATS[socket_id()] = seat


def leave_seat() -> None:
    _SEATS.pop(socket_id(), None)


def socket_seat() -> Seat | None:
    """The current socket's seat, or None once it has disconnected or was never admitted."""
    return _SEATS.get(socket_id())


def seated_in() -> tuple[Seat, Room, Participant | None] | None:
    """The current socket's seat, its room and (on a phone) its participant, for an event
    that reads the room; None once the socket is not in a room any more: disconnected,
    never admitted, its room deleted or its participant removed since it connected."""
    seat = socket_seat()
    room = db.session.get(Room, seat.room_id) if seat is not None else None
    if seat is None or room is None:
        return None
    member = participant_in(room) if seat.participant_id else None
    if seat.participant_id and member is None:
        return None
    return seat, room, member
