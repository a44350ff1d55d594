"""Events: many rooms at once (a conference day, a network), rolled up live for a lead."""

from flask import Blueprint

bp = Blueprint("events", __name__)

# Registered together, on import: the routes, the membership actions and the room watcher
# (domain), the event page's socket, and the helpers templates use.
from . import domain, sockets, views  # noqa: E402, F401

bp.record_once(lambda state: state.app.jinja_env.globals.update(domain.template_globals()))
