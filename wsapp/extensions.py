"""Extensions, created unbound here and bound to the app in ``create_app``."""

from flask_migrate import Migrate
from flask_socketio import SocketIO
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    """The models' base class. Flask-SQLAlchemy's ``db.Model`` is built from it and shares
    its metadata and registry; models subclass this one so type checkers see their columns."""


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
socketio = SocketIO()
