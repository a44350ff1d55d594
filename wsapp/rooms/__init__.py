"""Rooms: create, join, phases, timer, presence and the facilitator's control.

The feature's blueprint is ``domain.bp``; its modules declare on it what they add.
"""

from . import domain, events, prework, views
from .domain import bp

__all__ = ["bp", "domain", "events", "prework", "views"]
