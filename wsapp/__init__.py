"""wsapp: a real-time workshop room for school-district professional-learning teams."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask, render_template, request, url_for
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.exceptions import HTTPException

from . import assets, security
from .config import config_from_env
from .content import load_library
from .extensions import db, migrate, socketio

ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder=str(ROOT / "templates"),
        static_folder=None,  # wsapp.assets serves it, compressed, without the session
    )
    app.config.from_mapping(config_from_env(Path(app.instance_path)))
    if test_config:
        app.config.from_mapping(test_config)
    app.logger.setLevel(app.config["LOG_LEVEL"])

    # A broken content file stops the app here, naming the file and field.
    app.extensions["wsapp_content"] = load_library(Path(app.config["CONTENT_DIR"]))

    # Features register their actions and socket handlers on import. Flask-SocketIO attaches
    # handlers declared before init_app to every app it is bound to, but those declared after
    # only to the server that already exists, so the imports must come first.
    from . import (  # noqa: F401
        discussion,
        events,
        export,
        facilitator,
        plan,
        posters,
        quietwrite,
        rooms,
    )

    db.init_app(app)
    migrate.init_app(
        app, db, directory=str(Path(__file__).parent / "migrations"), render_as_batch=True
    )
    socketio.init_app(
        app,
        async_mode=app.config["ASYNC_MODE"],
        message_queue=app.config["MESSAGE_QUEUE_URL"],
        channel=app.config["MESSAGE_QUEUE_CHANNEL"],
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

    app.register_blueprint(rooms.bp)
    app.register_blueprint(plan.bp)
    app.register_blueprint(quietwrite.bp)
    app.register_blueprint(export.bp)
    app.register_blueprint(facilitator.bp)
    app.register_blueprint(events.bp)
    app.register_error_handler(HTTPException, _error_page)
    return app


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
    """Helpers every template may use: asset URLs with content hashes, room helpers."""

    from .live import Viewer, epoch_ms, per_change
    from .models import Room
    from .rooms.codes import format_code
    from .rooms.domain import (
        current_phase,
        kit_of,
        knocks,
        people,
        readiness,
        ready_phase,
        remaining_seconds,
    )
    from .rooms.views import cofacilitator_link_url, projector_link_url

    @per_change
    def action_path(code: str, endpoint: str, name: str) -> str:
        return url_for(endpoint, code=code, name=name)

    def act_url(room: Room, viewer: Viewer, name: str) -> str:
        """Where this page posts an action: the facilitator's door or a participant's.
        A wall of posters asks this for every button, so each answer is built once a change."""
        endpoint = "rooms.lead_act" if viewer.is_facilitator else "rooms.act"
        return action_path(room.code, endpoint, name)

    app.jinja_env.globals.update(
        asset_url=static_files.url,
        act_url=act_url,
        kit_of=kit_of,
        current_phase=current_phase,
        people=people,
        knocks=knocks,
        remaining_seconds=remaining_seconds,
        readiness=readiness,
        ready_phase=ready_phase,
        projector_link_url=projector_link_url,
        cofacilitator_link_url=cofacilitator_link_url,
        format_code=format_code,
        epoch_ms=epoch_ms,
        library=lambda: app.extensions["wsapp_content"],
    )

    from .discussion import domain as discussion

    app.jinja_env.globals.update(
        notes_by_question=discussion.notes_by_question,
        note_items=discussion.note_items,
        starred_count=discussion.starred_count,
        phase_questions=discussion.phase_questions,
        question_label=discussion.question_label,
        question_anchor=discussion.question_anchor,
        plan_cells=discussion.plan_cells,
        can_write=discussion.can_write,
        linkify=discussion.linkify,
        note_max=discussion.NOTE_MAX,
    )

    from .posters import domain as posters

    app.jinja_env.globals.update(posters.template_globals())
