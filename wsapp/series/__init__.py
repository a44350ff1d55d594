"""Series: a workshop and its 30/60/90/120-day check-ins, and how the team's dots moved.

Planning a check-in and the series' order are in :mod:`.domain` (whose ``bp`` declares all
the feature adds: the ``series.checkin`` action, the facilitator's "Check-ins" card as a
live region, the check-in's ``action_review`` phase, template globals), movement in
:mod:`.movement`, the series' record, exports and import in :mod:`.record`, its calendar in
:mod:`.calendar`, and the pages in :mod:`.views`. Templates are in ``templates/series/``.
"""

from . import calendar, domain, movement, record, views
from .domain import bp

__all__ = ["bp", "calendar", "domain", "movement", "record", "views"]
