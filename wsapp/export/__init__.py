"""The workshop record: exports (CSV, Excel, Markdown, SVG, JSON) and the print view."""

from flask import Blueprint

bp = Blueprint("export", __name__)

from . import domain, views  # noqa: E402, F401  (register the routes and the record.open action)
