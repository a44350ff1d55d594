"""A facilitator's rooms: the list of rooms this browser leads, and what to do with them."""

from flask import Blueprint

bp = Blueprint("facilitator", __name__)

from . import views  # noqa: E402, F401  (register the routes)
