"""Posters: dots on a kit's posters (or the facilitator's own, from a file) on any scale,
with survey results beside them, live on every screen."""

from flask import Blueprint

bp = Blueprint("posters", __name__)

from . import domain, survey, upload, views  # noqa: E402, F401  (register actions and routes)
