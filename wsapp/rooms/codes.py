"""Room codes: made to be read aloud and typed on a phone, and looked up as people type them.

Kept apart from the room's rules so that every feature's views can look a room up without
importing what a room is made of (its posters and plan).
"""

from __future__ import annotations

import secrets

from flask import abort
from sqlalchemy import select

from ..extensions import db
from ..identity import leads
from ..models import Room

# No 0/O, 1/I/L: a code read aloud or off a projector is typed right the first time.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 6


def normalise_code(typed: str) -> str:
    """Upper-case the code and drop the spaces and dashes people type."""
    return "".join(ch for ch in typed.upper() if ch.isalnum())[: CODE_LENGTH * 2]


def format_code(code: str) -> str:
    """ABC-DEF: easier to read off a projector."""
    half = len(code) // 2
    return f"{code[:half]}-{code[half:]}"


def new_code() -> str:
    """A code no room has yet."""
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if db.session.scalar(select(Room.id).where(Room.code == code)) is None:
            return code


def room_by_code(code: str) -> Room | None:
    """The room with this code as people type it (any case, spaces or a dash)."""
    return db.session.scalar(select(Room).where(Room.code == normalise_code(code)))


def room_or_404(code: str) -> Room:
    """For a view: the room a URL names, or a 404 (which spends one of the address's
    guesses: see ``security.count_wrong_room_urls``)."""
    room = room_by_code(code)
    if room is None:
        abort(404, "There is no room with that code. Check the code and try again.")
    return room


def led_room_or_403(code: str) -> Room:
    """For a facilitator's view: the room a URL names, if this browser leads it."""
    room = room_or_404(code)
    if not leads(room):
        abort(
            403,
            "This is for the room's facilitator. Open your private facilitator link on "
            "this device to take control.",
        )
    return room
