"""Events: many rooms at once (a conference day, a network), rolled up live for a lead.

The feature's blueprint is ``domain.bp``: the domain declares its actions, the room
watcher and its template globals on it, ``views`` its routes, ``sockets`` how the event
page's socket is admitted.
"""

from . import domain, sockets, views
from .domain import bp

__all__ = ["bp", "domain", "sockets", "views"]
