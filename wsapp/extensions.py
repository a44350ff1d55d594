"""Extensions, created unbound here and bound to the app in ``create_app``."""

from collections.abc import Mapping
from typing import Any, TypeVarTuple, overload

from flask_migrate import Migrate
from flask_socketio import SocketIO
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import CursorResult, Executable
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.sql.selectable import TypedReturnsRows


class Base(DeclarativeBase):
    """The models' base class. Flask-SQLAlchemy's ``db.Model`` is built from it and shares
    its metadata and registry; models subclass this one so type checkers see their columns."""


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
socketio = SocketIO()


Ts = TypeVarTuple("Ts")


@overload
def plain(
    statement: TypedReturnsRows[*Ts], params: Mapping[str, Any] | None = None
) -> CursorResult[*Ts]: ...
@overload
def plain(
    statement: Executable, params: Mapping[str, Any] | None = None
) -> CursorResult[*tuple[Any, ...]]: ...
def plain(
    statement: Executable, params: Mapping[str, Any] | None = None
) -> CursorResult[*tuple[Any, ...]]:
    """Run ``statement`` on the session's connection, in its transaction, as SQLAlchemy Core:
    for the hot statements that read plain rows or write without loading objects.

    The session's ``execute`` builds an ORM context, autoflushes and loads through the
    ORM even for a statement that returns no objects: about twice the CPU of the statement
    itself. What the session holds unsaved is flushed first, as its own ``execute`` would,
    so the statement sees it. Nothing here updates objects the session has loaded: use it
    only where none of them can be affected (see the callers)."""
    db.session.flush()
    return db.session.connection().execute(statement, params)
