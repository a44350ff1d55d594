"""The action plan: a 30/60/90/120-day grid the whole team edits at once.

Actions and queries are in :mod:`.domain` (a typed edit's acknowledgement tells the typist's
page the cell as saved), the three-way merge of a cell's text in :mod:`.merge`, and a cell's
history page in :mod:`.views`. The page is the phase template
``phases/_plan.html`` with its partials in ``templates/plan/``.
"""

from flask import Blueprint

bp = Blueprint("plan", __name__)

from . import actions, domain, views  # noqa: E402, F401  (register actions and routes)
