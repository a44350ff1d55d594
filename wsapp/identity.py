"""Who is asking: a room's participant or its facilitator, from the signed session cookie.

The cookie holds, per room joined, the participant this browser became (or the knock it
is waiting on), and one facilitator identity whose rooms the database keeps: a browser can
lead any number of rooms. The same functions serve HTTP views and socket handlers (a
socket handler sees the session as it was when the socket connected). Everything is
re-read from the database on every call, so a removed participant loses access at once,
and the browser stays known as removed from that room. An open socket's room and view are
kept in the process holding it (its ``Seat``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Literal

from flask import current_app, request, session
from sqlalchemy import delete, insert, literal, select, update

from .assets import FILE_ENDPOINTS
from .extensions import db
from .models import Facilitator, FacilitatorRoom, Knock, Participant, Room

# A room's private facilitator link can be shown again (its key is in the cookie) for the
# rooms this browser opened or claimed last; for older ones, the facilitator makes a new one.
LINKS_KEPT = 8


def new_facilitator_key() -> tuple[str, str]:
    """A fresh facilitator secret and the hash the room keeps of it."""
    key = secrets.token_urlsafe(32)
    return key, hash_key(key)


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def key_opens(room: Room, key: str | None) -> bool:
    """Constant-time check of a facilitator secret (the room's own, or its
    co-facilitator's while that link stands) against the stored hashes."""
    if not key:
        return False
    own = hmac.compare_digest(hash_key(key), room.facilitator_key_hash)
    return own or link_opens(room, "cofacilitator", key)


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

    The session names a participant only once the server has admitted this browser to
    the room, and a facilitator identity only once it opened or claimed a room, so no
    database read is needed; a browser the room does not know counts by its address, and
    so can never spend the facilitator's or a participant's allowance.
    """
    identity = _facilitator_cookie()
    if as_facilitator and identity is not None:
        return f"{room_id}:f{identity[0]}"
    participant_id = session.get("joined", {}).get(str(room_id))
    if not as_facilitator and participant_id is not None:
        return f"{room_id}:p{participant_id}"
    return f"stranger:{request.remote_addr}"


# --- Facilitators -------------------------------------------------------------------------


def _facilitator_cookie() -> tuple[int, int] | None:
    """The (facilitator id, generation) this browser's signed cookie names, if any."""
    value = session.get("facilitator")
    if isinstance(value, list) and len(value) == 2 and all(isinstance(v, int) for v in value):
        return value[0], value[1]
    return None


def current_facilitator() -> Facilitator | None:
    """This browser's facilitator identity, unless its "my rooms" link was made anew since."""
    identity = _facilitator_cookie()
    if identity is None:
        return None
    facilitator = db.session.get(Facilitator, identity[0])
    if facilitator is None or facilitator.generation != identity[1]:
        return None
    return facilitator


def become(facilitator: Facilitator) -> None:
    """This browser is now ``facilitator`` (at its current generation)."""
    session["facilitator"] = [facilitator.id, facilitator.generation]
    session.permanent = True


def _own_facilitator() -> Facilitator:
    facilitator = current_facilitator()
    if facilitator is None:
        facilitator = Facilitator()
        db.session.add(facilitator)
        db.session.flush()
        become(facilitator)
    return facilitator


def remember_facilitator(room: Room, key: str) -> None:
    """This browser leads the room from now on: kept in the database, under its identity.
    The key itself stays in the cookie only for the last few rooms, to show their link."""
    facilitator = _own_facilitator()
    # A co-facilitator's link makes a co-facilitator, who loses the room when that link is
    # made anew or revoked (``drop_cofacilitators``); the room's own key makes a facilitator.
    cofacilitator = not hmac.compare_digest(hash_key(key), room.facilitator_key_hash)
    led = db.session.get(FacilitatorRoom, (facilitator.id, room.id))
    if led is None:
        db.session.add(
            FacilitatorRoom(
                facilitator_id=facilitator.id, room_id=room.id, cofacilitator=cofacilitator
            )
        )
    elif not cofacilitator:
        led.cofacilitator = False
    db.session.commit()
    keys = {k: v for k, v in session.get("keys", {}).items() if k != str(room.id)}
    keys[str(room.id)] = key
    session["keys"] = dict(list(keys.items())[-LINKS_KEPT:])


def facilitator_link_key(room: Room) -> str | None:
    """The room's private facilitator key, when this browser still holds it."""
    key = session.get("keys", {}).get(str(room.id))
    return key if key_opens(room, key) else None


def adopt_rooms_of(facilitator: Facilitator) -> None:
    """Become ``facilitator``, bringing this browser's own rooms along (the "my rooms" link
    opened on a browser that already leads rooms: they join the list). The identity left
    behind keeps its rooms too, for any other browser that shares it."""
    mine = current_facilitator()
    if mine is not None and mine.id != facilitator.id:
        already = select(FacilitatorRoom.room_id).where(
            FacilitatorRoom.facilitator_id == facilitator.id
        )
        db.session.execute(
            insert(FacilitatorRoom).from_select(
                ["facilitator_id", "room_id"],
                select(literal(facilitator.id), FacilitatorRoom.room_id).where(
                    FacilitatorRoom.facilitator_id == mine.id,
                    FacilitatorRoom.room_id.not_in(already),
                ),
            )
        )
    db.session.commit()
    become(facilitator)


def new_rooms_link(facilitator: Facilitator) -> str:
    """A fresh secret for the facilitator's "my rooms" link. The old link stops working and
    other browsers that opened it lose the rooms; this browser keeps them."""
    secret, secret_hash = new_facilitator_key()
    _next_generation(facilitator, secret_hash)
    return secret


def revoke_rooms_link(facilitator: Facilitator) -> None:
    _next_generation(facilitator, None)


def _next_generation(facilitator: Facilitator, link_hash: str | None) -> None:
    db.session.execute(
        update(Facilitator)
        .where(Facilitator.id == facilitator.id)
        .values(link_hash=link_hash, generation=Facilitator.generation + 1)
    )
    db.session.commit()
    db.session.refresh(facilitator)
    become(facilitator)


def facilitator_by_link(secret: str) -> Facilitator | None:
    if not secret:
        return None
    return db.session.scalar(select(Facilitator).where(Facilitator.link_hash == hash_key(secret)))


def leads(room: Room) -> bool:
    """Does this browser's facilitator identity lead the room?"""
    identity = _facilitator_cookie()
    if identity is None:
        return False
    found = db.session.scalar(
        select(FacilitatorRoom.room_id)
        .join(Facilitator, Facilitator.id == FacilitatorRoom.facilitator_id)
        .where(
            FacilitatorRoom.room_id == room.id,
            Facilitator.id == identity[0],
            Facilitator.generation == identity[1],
        )
    )
    return found is not None


def led_room_ids() -> list[int]:
    facilitator = current_facilitator()
    if facilitator is None:
        return []
    return list(
        db.session.scalars(
            select(FacilitatorRoom.room_id).where(FacilitatorRoom.facilitator_id == facilitator.id)
        )
    )


def adopt_keys_from_old_cookie() -> None:
    """A browser from before facilitators were kept on the server carries its rooms' keys
    (``led``); the first page or action it asks for moves them to its identity. Static
    files are left alone: reading the session would make them vary by cookie."""
    if request.endpoint in FILE_ENDPOINTS:
        return
    led = session.get("led")
    if not isinstance(led, dict):
        return
    session.pop("led")
    for room_id, key in led.items():
        room = db.session.get(Room, int(room_id)) if str(room_id).isdigit() else None
        if room is not None and key_opens(room, key):
            remember_facilitator(room, key)


# --- Participants and knocks --------------------------------------------------------------


def remember_participant(room: Room, participant: Participant) -> None:
    joined = dict(session.get("joined", {}))
    joined[str(room.id)] = participant.id
    session["joined"] = joined
    knocks = {k: v for k, v in session.get("knocks", {}).items() if k != str(room.id)}
    session["knocks"] = knocks
    session.permanent = True


def remember_knock(room: Room, knock: Knock) -> None:
    knocks = dict(session.get("knocks", {}))
    knocks[str(room.id)] = knock.id
    session["knocks"] = knocks
    session.permanent = True


# The room's other links, each with its own secret: the view-only projector's and a
# co-facilitator's (a second facilitator key, which the room's facilitators can revoke).
LinkKind = Literal["projector", "cofacilitator"]


def link_key(room: Room, kind: LinkKind) -> str | None:
    """The secret of one of the room's links: derived from the app's secret key and the
    link's nonce, so the facilitator's page can show the link again while the database holds
    only a nonce and a hash (neither opens anything without the app's key)."""
    nonce = getattr(room, f"{kind}_nonce")
    if nonce is None:
        return None
    return derived_secret(f"{kind}:{room.id}:{nonce}")


def derived_secret(message: str) -> str:
    """A link's secret derived from the app's secret key and ``message`` (which names the
    link and its current nonce): shown again from the nonce, opened only through its hash."""
    secret = current_app.config["SECRET_KEY"].encode()
    digest = hmac.new(secret, message.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def set_link(room: Room, kind: LinkKind, *, on: bool) -> None:
    """A fresh secret for the link (the one before it stops working), or none at all. The
    browsers that came in through an old co-facilitator link lead the room no more."""
    setattr(room, f"{kind}_nonce", secrets.token_hex(16) if on else None)
    key = link_key(room, kind)
    setattr(room, f"{kind}_key_hash", hash_key(key) if key else None)
    if kind == "cofacilitator":
        db.session.execute(
            delete(FacilitatorRoom).where(
                FacilitatorRoom.room_id == room.id, FacilitatorRoom.cofacilitator.is_(True)
            )
        )


def link_opens(room: Room, kind: LinkKind, key: str | None) -> bool:
    stored = getattr(room, f"{kind}_key_hash")
    if not key or stored is None:
        return False
    return hmac.compare_digest(hash_key(key), stored)


def remember_projector(room: Room, key: str) -> None:
    watching = dict(session.get("watching", {}))
    watching[str(room.id)] = key
    session["watching"] = watching
    session.permanent = True


def watches(room: Room) -> bool:
    """Does this browser hold the room's current view-only projector secret?"""
    return link_opens(room, "projector", session.get("watching", {}).get(str(room.id)))


def knock_in(room: Room) -> Knock | None:
    """The knock this browser made at the room's door, waiting or answered."""
    knock_id = session.get("knocks", {}).get(str(room.id))
    knock = db.session.get(Knock, knock_id) if isinstance(knock_id, int) else None
    return knock if knock is not None and knock.room_id == room.id else None


def _joined(room: Room) -> Participant | None:
    participant_id = session.get("joined", {}).get(str(room.id))
    if not isinstance(participant_id, int):
        return None
    participant = db.session.get(Participant, participant_id)
    return participant if participant is not None and participant.room_id == room.id else None


def participant_in(room: Room) -> Participant | None:
    """This browser's participant in the room, unless they were removed."""
    participant = _joined(room)
    return participant if participant is not None and not participant.removed_at else None


def removed_from(room: Room) -> bool:
    """Was this browser's participant removed from the room? It stays out: its cookie
    names the participant, whom the database keeps as removed."""
    participant = _joined(room)
    return participant is not None and participant.removed_at is not None


def holds_a_place() -> bool:
    """Has this browser been let into, or knocked at, any room (read from the cookie)?"""
    return bool(session.get("joined") or session.get("knocks") or _facilitator_cookie())


def holds_a_place_in(room: Room) -> bool:
    """Is this browser in the room: its facilitator, a participant, or at its door?"""
    knock = knock_in(room)
    return (
        participant_in(room) is not None or (knock is not None and not knock.refused) or leads(room)
    )


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
