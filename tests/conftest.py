"""Fixtures: an app on a fresh migrated SQLite database per test, HTTP and socket clients
that act as a facilitator or a participant, and (in tests/browser) a live server."""

from __future__ import annotations

import os
import re
import secrets
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import psycopg
import pytest
import redis
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade
from flask_socketio import SocketIOTestClient
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import select, text

from benchmarks.deploy import fresh_database
from wsapp import create_app
from wsapp.extensions import db, socketio
from wsapp.models import Room

T = TypeVar("T")

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
    "ROOMS_PER_HOUR": 10_000,
    "ROOMS_PER_HOUR_PER_ADDRESS": 10_000,
}
PG_ADMIN_URL = os.environ.get(
    "WSAPP_TEST_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres"
)


def require_services(redis_url: str | None = None) -> None:
    """PostgreSQL (and Redis, when a URL is given) must answer. In CI their absence fails
    the tests; elsewhere it skips them."""
    problems = []
    try:
        psycopg.connect(PG_ADMIN_URL, connect_timeout=3).close()
    except psycopg.Error as error:
        problems.append(f"PostgreSQL at {PG_ADMIN_URL}: {error}")
    if redis_url is not None:
        try:
            redis.Redis.from_url(redis_url, socket_timeout=3).ping()
        except redis.RedisError as error:
            problems.append(f"Redis at {redis_url}: {error}")
    if problems:
        message = "these tests need the machine's services: " + "; ".join(problems)
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message + " (start them as scripts/test does)")


@pytest.fixture(scope="session")
def migrated_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One SQLite file upgraded through every migration; each test gets a copy."""
    path = tmp_path_factory.mktemp("template") / "wsapp.sqlite"
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"})
    with app.app_context():
        upgrade()
        db.engine.dispose()
    return path


@pytest.fixture(scope="session")
def postgresql_database() -> Iterator[str]:
    """One fresh PostgreSQL database upgraded through every migration, dropped at the end."""
    require_services()
    with fresh_database(PG_ADMIN_URL, "wsapp_test") as url:
        app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": url})
        with app.app_context():
            upgrade()
            db.engine.dispose()
        yield url


def database_for(kind: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database for one test: a copy of the migrated SQLite file, or the session's
    PostgreSQL database emptied of every row."""
    if kind == "sqlite":
        path = tmp_path / "wsapp.sqlite"
        shutil.copy(request.getfixturevalue("migrated_database"), path)
        return f"sqlite:///{path}"
    url: str = request.getfixturevalue("postgresql_database")
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        tables = ", ".join(f'"{table.name}"' for table in db.metadata.sorted_tables)
        db.session.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        db.session.commit()
        db.engine.dispose()
    return url


@pytest.fixture
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh SQLite database for each test (see ``EACH_DATABASE`` for PostgreSQL too)."""
    return database_for("sqlite", request, tmp_path)


# A module whose tests must hold on both databases overrides ``database_url`` with these as
# its params (the PostgreSQL runs need the machine's services).
EACH_DATABASE = ["sqlite", pytest.param("postgresql", marks=pytest.mark.services)]


@pytest.fixture
def app(database_url: str) -> Iterator[Flask]:
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url})
    yield app
    with app.app_context():
        db.engine.dispose()


def saved_state(app: Flask) -> dict[str, list[tuple[Any, ...]]]:
    """Every saved row of every table, except the open sockets (they come and go)."""
    with app.app_context():
        return {
            table.name: sorted(map(tuple, db.session.execute(select(table)).all()), key=repr)
            for table in db.metadata.sorted_tables
            if table.name != "connections"
        }


@contextmanager
def unchanged(app: Flask) -> Iterator[None]:
    """Asserts that what is inside changed no saved row."""
    before = saved_state(app)
    yield
    assert saved_state(app) == before


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

    def team(self, kit: str = "readiness-planning", phase: int = 0) -> Team:
        """A room of ``kit`` at phase ``phase``, its facilitator, Ana, Ben and the projector
        connected, with what was pushed to them so far read."""
        lead = self.connect(self.open_room(kit=kit))
        ana = self.connect(self.join(lead.code, "Ana"))
        ben = self.connect(self.join(lead.code, "Ben"))
        projector = self.connect(Member(lead.client, lead.code, "projector"))
        if phase:
            assert lead.act("phase.go", index=phase)["ok"]
        team = Team(lead, ana, ben, projector)
        team.drain()
        return team


@dataclass
class Team:
    """Everyone at one room's screens; unpacks as ``lead, ana, ben, projector``."""

    lead: Member
    ana: Member
    ben: Member
    projector: Member

    def __iter__(self) -> Iterator[Member]:
        return iter((self.lead, self.ana, self.ben, self.projector))

    def drain(self) -> None:
        for member in self:
            member.swaps()


def phase_index(app: Flask, kind: str, kit: str = "readiness-planning") -> int:
    """Where the kit's first phase of this kind is in its agenda."""
    phases = app.extensions["wsapp_content"].kits[kit].phases
    return next(n for n, phase in enumerate(phases) if phase.kind == kind)


def wait_until(
    condition: Callable[[], T | None], what: str, seconds: float = 10.0, every: float = 0.02
) -> T:
    """Ask ``condition`` every ``every`` seconds until it returns something true, and return
    that; fail with ``what`` once ``seconds`` have passed. For what a background task or
    another process does in its own time."""
    deadline = time.monotonic() + seconds
    while not (result := condition()):
        assert time.monotonic() < deadline, f"still waiting, after {seconds} s, for {what}"
        time.sleep(every)
    return result


@pytest.fixture
def workshop(app: Flask) -> Workshop:
    return Workshop(app)


@pytest.fixture
def team(workshop: Workshop, app: Flask) -> Team:
    """A readiness room at its plan phase: facilitator, Ana, Ben, and the projector."""
    return workshop.team(phase=phase_index(app, "plan"))
