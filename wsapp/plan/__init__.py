"""The action plan: a 30/60/90/120-day grid the whole team edits at once.

Actions and queries are in :mod:`.domain`, the three-way merge of a cell's text in
:mod:`.merge`, a cell's history page in :mod:`.views`, and the socket event that tells a
typist's page its cell's saved text in :mod:`.events`. The page is the phase template
``phases/_plan.html`` with its partials in ``templates/plan/``.
"""

from flask import Blueprint

bp = Blueprint("plan", __name__)

from . import domain, events, views  # noqa: E402, F401  (register actions, routes, handlers)
