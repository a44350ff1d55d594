"""Posters: dots on a kit's posters (or the facilitator's own, from a file) on any scale,
with survey results beside them, live on every screen."""

from . import domain, survey, upload, views
from .domain import bp

__all__ = ["bp", "domain", "survey", "upload", "views"]
