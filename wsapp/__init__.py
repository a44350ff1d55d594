"""wsapp: a real-time workshop room for school-district professional-learning teams."""

from __future__ import annotations

from collections.abc import MutableMapping
from pathlib import Path
from typing import Any

from flask import Flask, render_template, request
from flask.templating import Environment
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.exceptions import HTTPException

from . import (
    assets,
    discussion,
    events,
    export,
    facilitator,
    plan,
    posters,
    quietwrite,
    rooms,
    security,
    series,
)
from .config import config_from_env
from .content import load_library
from .extensions import db, migrate, socketio
from .live import check_phases
from .queue import message_queue

ROOT = Path(__file__).resolve().parent.parent

# Each feature's blueprint declares its routes, actions, live regions, phase kinds and
# template globals (wsapp.feature); registering it here applies them to the app. Their
# socket handlers (@socketio.on) are declared when these modules are imported, with this
# package, so before any init_app: Flask-SocketIO gives the handlers declared before
# init_app to every server it makes, but those declared after only to the current one.
FEATURES = (
    rooms.bp,
    posters.bp,
    discussion.bp,
    quietwrite.bp,
    plan.bp,
    export.bp,
    facilitator.bp,
    events.bp,
    series.bp,
)


class _Environment(Environment):
    """Flask's Jinja environment, with each template's globals one dict.

    Jinja chains a template's globals onto the environment's (a ``ChainMap``), and every
    render and every include copies them into a new context key by key through the
    chain: with the app's forty-odd helpers that was about a sixth of the CPU of a note's
    change. All the helpers are registered in ``create_app``, before any template is
    loaded, as Jinja asks ("avoid modifying any globals after a template is loaded")."""

    def make_globals(self, d: MutableMapping[str, Any] | None) -> MutableMapping[str, Any]:
        return {**self.globals, **(d or {})}


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder=str(ROOT / "templates"),
        static_folder=None,  # wsapp.assets serves it, compressed, without the session
    )
    app.jinja_environment = _Environment
    app.config.from_mapping(config_from_env(Path(app.instance_path)))
    if test_config:
        app.config.from_mapping(test_config)
    app.logger.setLevel(app.config["LOG_LEVEL"])
    _one_sqlite_connection_under_gevent(app.config)

    # A broken content file stops the app here, naming the file and field.
    app.extensions["wsapp_content"] = load_library(Path(app.config["CONTENT_DIR"]))

    db.init_app(app)
    migrate.init_app(
        app, db, directory=str(Path(__file__).parent / "migrations"), render_as_batch=True
    )
    socketio.init_app(
        app,
        async_mode=app.config["ASYNC_MODE"],
        client_manager=message_queue(
            app.config["MESSAGE_QUEUE_URL"], app.config["MESSAGE_QUEUE_CHANNEL"]
        ),
        max_http_buffer_size=app.config["MAX_CONTENT_LENGTH"],
        cors_allowed_origins=security.socket_origins(app.config),
        logger=False,
        engineio_logger=False,
    )
    security.init_app(app)
    if app.config["PROXIES"]:
        app.wsgi_app = security.ProxiesAt(  # type: ignore[method-assign]
            app.wsgi_app, app.config["PROXIES"], app.config["PROXY_ADDRESSES"]
        )
    _init_templates(app, assets.init_app(app, ROOT / "static"))

    for feature in FEATURES:
        app.register_blueprint(feature)
    check_phases(app)
    app.register_error_handler(HTTPException, _error_page)
    return app


def _one_sqlite_connection_under_gevent(config: MutableMapping[str, Any]) -> None:
    """On SQLite in a gevent process (the embedded default), changes take turns for the
    process's one connection instead of for the database file's write lock.

    Every SQLite transaction here begins IMMEDIATE, so only one runs at a time anyway. But
    a greenlet that waits for the write lock waits inside the sqlite3 module (its busy
    timeout), which blocks the whole process: when the lock's holder had yielded (to send
    on a socket, or for a lock), nothing could run until the wait timed out, "database is
    locked" after 10 s, and gunicorn killed the worker for its missed heartbeat. Waiting
    for the pool's connection yields to the other greenlets instead."""
    if config["ASYNC_MODE"] == "gevent" and config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        options = config.get("SQLALCHEMY_ENGINE_OPTIONS") or {}
        config["SQLALCHEMY_ENGINE_OPTIONS"] = {**options, "pool_size": 1, "max_overflow": 0}


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """WAL with a busy timeout, and IMMEDIATE transactions so writers queue, not fail."""
    if type(dbapi_connection).__module__ != "sqlite3":
        return
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


@event.listens_for(Engine, "begin")
def _sqlite_begin_immediate(connection: Any) -> None:
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def _error_page(error: HTTPException) -> tuple[str, int]:
    template = "_flash.html" if request.headers.get("HX-Request") else "error.html"
    return (
        render_template(
            template, message=security.error_message(error), error=error, swap_oob=True
        ),
        error.code or 500,
    )


def _init_templates(app: Flask, static_files: assets.StaticFiles) -> None:
    """Helpers every template may use that belong to no feature: asset URLs with content
    hashes, and the content library. Features add their own (:mod:`wsapp.feature`)."""
    app.jinja_env.globals.update(
        asset_url=static_files.url,
        library=lambda: app.extensions["wsapp_content"],
    )
