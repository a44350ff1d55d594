"""Discussion guides: the team's live notes on every question, the spotlight, Take Action.

Everything here is an action or a query in :mod:`.domain`, whose ``bp`` declares them; the
pages are the phase templates ``phases/_guide_*.html``, ``_take_action.html`` and
``_prompt.html``.
"""

from . import domain
from .domain import bp

__all__ = ["bp", "domain"]
