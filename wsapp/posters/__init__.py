"""Readiness posters: green, yellow and red dots on a kit's posters, live on every screen."""

from . import domain  # noqa: F401  (registers the posters' actions)
