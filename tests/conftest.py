"""Fixtures: an app on a fresh migrated SQLite database per test, HTTP and socket clients
that act as a facilitator or a participant, and (in tests/browser) a live server."""

from __future__ import annotations

import re
import secrets
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade
from flask_socketio import SocketIOTestClient
from itsdangerous import URLSafeTimedSerializer

from wsapp import create_app
from wsapp.extensions import db, socketio
from wsapp.models import Room

TEST_CONFIG = {
    "TESTING": True,
    "SECRET_KEY": "tests-only-secret",
    "ASYNC_MODE": "threading",
    "MESSAGE_QUEUE_URL": None,
    "ACTION_RATE": 1000.0,
    "ACTION_BURST": 1000,
    "JOIN_ATTEMPTS_PER_MINUTE": 1000,
    "CONNECTS_PER_MINUTE": 10_000,
    "PRESENCE_GRACE": 0,  # a closed socket is gone at once (tests/test_rooms.py sets one)
}


@pytest.fixture(scope="session")
def migrated_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One SQLite file upgraded through every migration; each test gets a copy."""
    path = tmp_path_factory.mktemp("template") / "wsapp.sqlite"
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"})
    with app.app_context():
        upgrade()
        db.engine.dispose()
    return path


@pytest.fixture
def app(tmp_path: Path, migrated_database: Path) -> Iterator[Flask]:
    path = tmp_path / "wsapp.sqlite"
    shutil.copy(migrated_database, path)
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"})
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def csrf_of(client: FlaskClient) -> str:
    """The CSRF token this browser's pages carry: Flask-WTF's signed form of the secret its
    session holds (made here, as the first page would make it, if there is none yet)."""
    with client.session_transaction() as session:
        secret = session.setdefault("csrf_token", secrets.token_hex(20))
    signer = URLSafeTimedSerializer(client.application.secret_key, salt="wtf-csrf-token")
    return str(signer.dumps(secret))


def post(client: FlaskClient, url: str, data: dict[str, Any] | None = None, **kwargs: Any) -> Any:
    """POST the way the pages do: with the session's CSRF token in the htmx header."""
    headers = {"X-CSRFToken": csrf_of(client), "HX-Request": "true", **kwargs.pop("headers", {})}
    return client.post(url, data=data or {}, headers=headers, **kwargs)


@dataclass
class Member:
    """Someone in a room: their browser (HTTP client) and, once connected, their socket."""

    client: FlaskClient
    code: str
    view: str
    socket: SocketIOTestClient | None = None

    def act(self, action: str, /, **args: Any) -> dict[str, Any]:
        """Send an action over the socket and return the server's acknowledgement."""
        assert self.socket is not None, "connect() first"
        reply = self.socket.emit("act", {"name": action, "args": args}, callback=True)
        assert isinstance(reply, dict)
        return reply

    def post_action(self, action: str, /, **args: Any) -> Any:
        """Send an action by HTTP, as a page's htmx button does."""
        prefix = "/lead" if self.view == "facilitator" else ""
        return post(self.client, f"/r/{self.code}{prefix}/act/{action}", args)

    def swaps(self) -> list[dict[str, Any]]:
        """The fragments pushed to this socket since the last call."""
        assert self.socket is not None
        return [m["args"][0] for m in self.socket.get_received() if m["name"] == "swap"]


class Workshop:
    """Opens rooms and brings people into them, through the same HTTP routes as a browser."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    def open_room(self, kit: str = "readiness-planning", title: str = "") -> Member:
        client = self.app.test_client()
        response = post(client, "/rooms", {"kit": kit, "title": title})
        assert response.status_code == 302, response.get_data(as_text=True)
        code = re.search(r"/r/([A-Z0-9]+)/lead", response.headers["Location"]).group(1)
        return Member(client, code, "facilitator")

    def join(self, code: str, name: str) -> Member:
        client = self.app.test_client()
        response = post(client, f"/r/{code}/join", {"name": name})
        assert response.status_code == 302, response.get_data(as_text=True)
        return Member(client, code, "participant")

    def connect(self, member: Member, view: str | None = None, version: int = 0) -> Member:
        member.socket = socketio.test_client(
            self.app,
            flask_test_client=member.client,
            auth={"code": member.code, "view": view or member.view, "v": version},
        )
        assert member.socket.is_connected()
        member.socket.get_received()
        return member

    def room(self, code: str) -> Room:
        with self.app.app_context():
            room = db.session.query(Room).filter_by(code=code).one()
            db.session.expunge(room)
            return room


@pytest.fixture
def workshop(app: Flask) -> Workshop:
    return Workshop(app)
