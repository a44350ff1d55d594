"""Series: a workshop and its 30/60/90/120-day check-ins, and how the team's dots moved.

Everything the feature registers is here, in one place: the blueprint's routes
(:mod:`.views`), the ``series.checkin`` action (:mod:`.domain`), and the helpers its
templates (``templates/series/``) call, added as template globals below. Movement is
measured in :mod:`.movement`; the series' record, its exports and its import in
:mod:`.record`; its calendar in :mod:`.calendar`.
"""

from typing import Any

from flask import Blueprint

bp = Blueprint("series", __name__)

from . import domain, movement, views  # noqa: E402, F401  (register the action and the routes)


def _template_globals() -> dict[str, Any]:
    return {
        "session_label": domain.session_label,
        "sessions_of": domain.sessions_of,
        "can_plan_checkin": domain.can_plan_checkin,
        "checkin_steps": domain.checkin_steps,
        "room_levels": movement.room_levels,
        "room_movements": movement.room_movements,
        "movement_of": movement.movement_of,
        "moved_most": movement.moved_most,
    }


bp.record_once(lambda state: state.app.jinja_env.globals.update(_template_globals()))
