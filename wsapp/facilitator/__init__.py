"""A facilitator's rooms: the list of rooms this browser leads, and what to do with them.

The routes are in :mod:`.views`, on its ``bp``.
"""

from . import views
from .views import bp

__all__ = ["bp", "views"]
