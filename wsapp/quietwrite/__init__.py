"""Quiet write: each participant answers the kit's prompt privately, then the facilitator
shares the answers to the room's wall, with names or without.

Actions and queries are in :mod:`.domain`; the page is ``phases/_quiet_write.html`` with
its partials in ``templates/quietwrite/``.
"""

from flask import Blueprint

bp = Blueprint("quietwrite", __name__)

from . import domain  # noqa: E402, F401  (register actions and template helpers)
