"""Rooms: create, join, phases, timer, presence and the facilitator's control."""

from flask import Blueprint

bp = Blueprint("rooms", __name__)

from . import domain, events, prework, views  # noqa: E402, F401  (register routes, actions, handlers)
