"""How saved changes reach every screen.

Every change bumps ``Room.version`` inside its own transaction, then, after the commit,
sends each audience of the room the server-rendered partials that changed, as out-of-band
htmx fragments with the new version. Every audience gets every version (with no HTML when
nothing it sees changed), so a client that sees a gap knows it missed something and asks
for the full state. Partials are the ones the pages include, so first render and live
update cannot drift apart.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from flask import render_template
from sqlalchemy import select, update

from .extensions import db, socketio
from .models import Connection, Participant, Room

VIEWS = ("participant", "facilitator", "projector")

# The live regions of every room page, outermost first. Feature partials sit inside
# ``rooms/_phase.html`` so re-rendering the phase re-renders them.
PAGE_REGIONS = (
    "rooms/_status.html",
    "rooms/_agenda.html",
    "rooms/_phase.html",
    "rooms/_timer.html",
    "rooms/_people.html",
)


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


@dataclass
class Publish:
    """What an action changed: the partials to send and what to do once they are sent.

    ``personal`` partials depend on who is looking (a participant's own dots or quiet
    write); they are rendered once for each participant who is online in the room.
    """

    regions: tuple[str, ...] = ()
    personal: tuple[str, ...] = ()
    after: list[Callable[[], None]] = field(default_factory=list)


def bump_version(room_id: int) -> Room:
    """Take the room's write lock by bumping its version, and return the fresh room.

    On PostgreSQL the UPDATE holds the row lock until commit, so changes within a room
    are applied one at a time; SQLite transactions begin IMMEDIATE for the same effect.
    """
    db.session.execute(update(Room).where(Room.id == room_id).values(version=Room.version + 1))
    room = db.session.get(Room, room_id, populate_existing=True)
    assert room is not None
    return room


def render_regions(room: Room, viewer: Viewer, templates: Iterable[str]) -> str:
    return "".join(
        render_template(template, room=room, viewer=viewer, swap_oob=True) for template in templates
    )


def full_state(room: Room, viewer: Viewer) -> str:
    return render_regions(room, viewer, PAGE_REGIONS)


def _emit(room: Room, html: str, to: str) -> None:
    socketio.emit("swap", {"v": room.version, "html": html}, to=to)


def online_participants(room_id: int) -> list[Participant]:
    return list(
        db.session.scalars(
            select(Participant)
            .join(Connection, Connection.participant_id == Participant.id)
            .where(Connection.room_id == room_id, Participant.removed_at.is_(None))
            .distinct()
        )
    )


def send(room: Room, publish: Publish) -> None:
    """Send a committed change to every audience of the room; run its follow-ups."""
    for view in VIEWS:
        html = render_regions(room, Viewer(view), publish.regions)
        _emit(room, html, audience_key(room.id, view))
    if publish.personal:
        for participant in online_participants(room.id):
            html = render_regions(room, Viewer("participant", participant), publish.personal)
            _emit(room, html, participant_key(participant.id))
    for follow_up in publish.after:
        follow_up()


def commit_and_send(room: Room, publish: Publish) -> None:
    db.session.commit()
    send(room, publish)


def epoch_ms(moment: datetime | None = None) -> int:
    """Milliseconds since the epoch of a naive UTC time (now when none is given)."""
    if moment is None:
        return int(time.time() * 1000)
    return int((moment - datetime(1970, 1, 1)).total_seconds() * 1000)
