"""The workshop record: exports (CSV, Excel, Markdown, SVG, JSON) and the print view.

The record's rules and its ``record.open`` action are in :mod:`.domain`, whose ``bp``
declares them; the routes are in :mod:`.views`.
"""

from . import domain, views
from .domain import bp

__all__ = ["bp", "domain", "views"]
