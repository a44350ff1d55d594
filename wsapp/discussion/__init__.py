"""Discussion guides: the team's live notes on every question, the spotlight, Take Action.

Everything here is an action or a query in :mod:`.domain`; the pages are the phase
templates ``phases/_guide_*.html``, ``_take_action.html`` and ``_prompt.html``.
"""

from . import domain  # noqa: F401  (registers the actions)
