"""The action plan: a 30/60/90/120-day grid the whole team edits at once.

Actions and queries are in :mod:`.domain` (a typed edit's acknowledgement tells the typist's
page the cell as saved), the plan's actions (owner, due date, status) in :mod:`.actions`,
the three-way merge of a cell's text in :mod:`.merge`, and a cell's history page in
:mod:`.views`; all declare what they add on ``domain.bp``. The page is the phase template
``phases/_plan.html`` with its partials in ``templates/plan/``.
"""

from . import actions, domain, views
from .domain import bp

__all__ = ["actions", "bp", "domain", "views"]
