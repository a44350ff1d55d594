"""Quiet write: each participant answers the kit's prompt privately, then the facilitator
shares the answers to the room's wall, with names or without.

Actions and queries are in :mod:`.domain`, whose ``bp`` declares them; the page is
``phases/_quiet_write.html`` with its partials in ``templates/quietwrite/``.
"""

from . import domain
from .domain import bp

__all__ = ["bp", "domain"]
