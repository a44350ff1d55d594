"""The rooms a browser leads: listing them, copying one for a new team, deleting one."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from sqlalchemy import delete, func, select

from ..content import library
from ..export.domain import blank_copy, build_record, restore_room
from ..extensions import db
from ..identity import led_room_ids
from ..live import VIEWS, audience_key
from ..models import Connection, Participant, Room
from ..rooms.domain import TITLE_MAX, send_away


@dataclass(frozen=True)
class LedRoom:
    """A room on the facilitator's list, with what the list says about it."""

    room: Room
    kit_title: str
    people: int


def led_rooms() -> list[LedRoom]:
    """Rooms this browser's facilitator identity leads, open and closed, newest first."""
    ids = led_room_ids()
    rooms = db.session.scalars(
        select(Room).where(Room.id.in_(ids)).order_by(Room.created_at.desc(), Room.id.desc())
    )
    counts: dict[int, int] = {
        room_id: count
        for room_id, count in db.session.execute(
            select(Participant.room_id, func.count(Participant.id))
            .where(Participant.room_id.in_(ids), Participant.removed_at.is_(None))
            .group_by(Participant.room_id)
        )
    }
    kits = library().kits
    return [
        LedRoom(
            room,
            kits[room.kit_id].title if room.kit_id in kits else room.kit_id,
            counts.get(room.id, 0),
        )
        for room in rooms
    ]


def duplicate_room(room: Room) -> tuple[Room, str]:
    """A new room from the same kit with the same posters and plan grid, for a new team."""
    title = f"{room.title[: TITLE_MAX - 7]} (copy)"
    return restore_room(blank_copy(build_record(room)), title=title)


def delete_room(room: Room) -> None:
    """Delete the room and everything in it; tell anyone still in it, then let them go."""
    room_id = room.id
    sids = list(db.session.scalars(select(Connection.sid).where(Connection.room_id == room_id)))
    code = room.code
    db.session.execute(delete(Room).where(Room.id == room_id))
    db.session.commit()
    current_app.logger.info("room %s (id %d) deleted by its facilitator", code, room_id)
    audiences = [audience_key(room_id, view) for view in VIEWS]
    send_away("The facilitator deleted this room.", audiences, sids)
