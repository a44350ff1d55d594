"""The ``wsapp`` command: serve the app, check content, and Flask's own commands (db ...)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext
from flask_migrate import upgrade


def _create_app():  # type: ignore[no-untyped-def]
    from . import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app)
def cli() -> None:
    """wsapp: live workshop rooms for professional-learning teams."""


@cli.command("serve")
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on (0.0.0.0 to let phones on the network join).",
)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=int,
    help="Server processes; more than one needs PostgreSQL, Redis and sticky "
    "sessions (see the README).",
)
@with_appcontext
def serve(host: str, port: int, workers: int) -> None:
    """Upgrade the database, then run the app under gunicorn's gevent worker."""
    upgrade()
    shown_host = "localhost" if host in {"127.0.0.1", "0.0.0.0"} else host
    base = current_app.config["PUBLIC_URL"] or f"http://{shown_host}:{port}"
    click.echo(f"wsapp is running. Facilitators start here: {base}/")
    click.echo(f"Database: {current_app.config['SQLALCHEMY_DATABASE_URI'].split('@')[-1]}")
    sys.stdout.flush()
    argv = [
        sys.executable,
        "-m",
        "gunicorn",
        "--worker-class",
        "gevent",
        "--workers",
        str(workers),
        "--bind",
        f"{host}:{port}",
        "--no-control-socket",
        "--access-logfile",
        "-",
        "--graceful-timeout",
        "5",
        "wsgi:app",
    ]
    os.chdir(Path(__file__).resolve().parent.parent)
    os.execv(sys.executable, argv)


@cli.command("check-content")
@with_appcontext
def check_content() -> None:
    """Validate content/ (the app has already loaded it to get here) and list the kits."""
    for kit in current_app.extensions["wsapp_content"].kits.values():
        click.echo(f"{kit.id}: {kit.title} ({len(kit.phases)} phases, {kit.minutes} min)")
    click.echo("Content is valid.")


def main() -> None:
    cli(prog_name="wsapp")
