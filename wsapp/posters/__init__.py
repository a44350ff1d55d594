"""Readiness posters: green, yellow and red dots on a kit's posters, live on every screen."""

from . import domain
from .domain import bp

__all__ = ["bp", "domain"]
