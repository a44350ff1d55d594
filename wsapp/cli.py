"""The ``wsapp`` command: serve the app, check content, and Flask's own commands (db ...)."""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext
from flask_migrate import upgrade

from .content import DEFAULT_CONTENT_DIR
from .content import main as check_content_folder


def _create_app() -> Flask:
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
    help="Server processes, on ports PORT, PORT+1, ...; more than one needs PostgreSQL, "
    "Redis and nginx in front (see docs/deployment.md).",
)
@with_appcontext
def serve(host: str, port: int, workers: int) -> None:
    """Upgrade the database, then run the app under gunicorn's gevent worker.

    Each process is its own gunicorn with one gevent worker: Socket.IO keeps a session's
    state in the process that opened it, so several workers behind one gunicorn socket
    would break long-polling sessions. nginx spreads rooms over the processes instead.
    """
    config = current_app.config
    if workers > 1 and (
        config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite") or not config["MESSAGE_QUEUE_URL"]
    ):
        raise click.UsageError(
            "Several processes must share PostgreSQL and Redis: set WSAPP_DATABASE_URL and "
            "WSAPP_MESSAGE_QUEUE_URL (see docs/deployment.md)."
        )
    upgrade()
    shown_host = "localhost" if host in {"127.0.0.1", "0.0.0.0"} else host
    base = current_app.config["PUBLIC_URL"] or f"http://{shown_host}:{port}"
    click.echo(f"wsapp is running. Facilitators start here: {base}/")
    click.echo(f"Database: {current_app.config['SQLALCHEMY_DATABASE_URI'].split('@')[-1]}")
    sys.stdout.flush()
    if workers > 1:
        click.echo(f"Processes on ports {port}-{port + workers - 1}: put nginx in front.")
    sys.stdout.flush()
    os.chdir(Path(__file__).resolve().parent.parent)
    if workers == 1:
        os.execv(sys.executable, gunicorn_argv(host, port))
    sys.exit(run_all([gunicorn_argv(host, port + n) for n in range(workers)]))


def gunicorn_argv(host: str, port: int, app: str = "wsgi:app") -> list[str]:
    """One server process: gunicorn with a single gevent worker (benchmarks use it too)."""
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "--worker-class",
        "gevent",
        "--workers",
        "1",
        # Every open socket holds one of these; gunicorn's default (1000) is one big event.
        "--worker-connections",
        "5000",
        "--bind",
        f"{host}:{port}",
        "--no-control-socket",
        "--access-logfile",
        "-",
        "--graceful-timeout",
        "5",
        app,
    ]


# A process that dies is started again after the first of these delays (seconds); one that
# keeps dying within RESTART_RESET_SECONDS of starting (a port taken, a database refusing
# it) waits the next one each time, so it is not spun on.
RESTART_DELAYS = (1, 2, 4, 8, 16, 30)
RESTART_RESET_SECONDS = 60


@dataclass
class _Child:
    command: list[str]
    process: subprocess.Popen[bytes]
    started: float
    quick_deaths: int = 0  # in a row, each within RESTART_RESET_SECONDS of its start


def run_all(commands: list[list[str]]) -> int:
    """Run one process per command, each on its own: one that dies is started again on
    its port while the others go on serving, until we are told to stop (SIGTERM, SIGINT);
    then stop them all. (deploy/systemd runs one unit per process instead.)"""
    children: dict[int, _Child] = {}
    stopping = threading.Event()

    def start(command: list[str], quick_deaths: int = 0) -> None:
        process = subprocess.Popen(command)
        children[process.pid] = _Child(command, process, time.monotonic(), quick_deaths)

    def stop(_signum: int, _frame: object) -> None:
        stopping.set()
        for child in children.values():
            child.process.terminate()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for command in commands:
        start(command)
    while children:
        pid, status = os.wait()
        child = children.pop(pid, None)
        if child is None:
            continue
        child.process.returncode = os.waitstatus_to_exitcode(status)
        if stopping.is_set():
            continue
        quick = time.monotonic() - child.started < RESTART_RESET_SECONDS
        deaths = child.quick_deaths + 1 if quick else 0
        delay = RESTART_DELAYS[min(deaths, len(RESTART_DELAYS) - 1)]
        click.echo(
            f"wsapp: {shlex.join(child.command)} stopped ({child.process.returncode}); "
            f"starting it again in {delay} s",
            err=True,
        )
        if not stopping.wait(delay):
            start(child.command, deaths)
    return 0


@cli.command("check-content", with_appcontext=False)
@click.argument("content", required=False, type=click.Path(path_type=Path))
@click.option(
    "--scale",
    default=None,
    help="For a poster file: the id of the scale its descriptors are for "
    "(default: the three readiness colours).",
)
def check_content(content: Path | None, scale: str | None) -> None:
    """Validate a content folder (default: WSAPP_CONTENT_DIR or content/), or a poster file
    (CSV or XLSX, as uploaded on the facilitator's page), without the app.

    It must not build the app first: a broken file would stop it with a traceback instead
    of the one line naming the file, the field and what was expected.
    """
    folder = Path(os.environ.get("WSAPP_CONTENT_DIR") or DEFAULT_CONTENT_DIR)
    if content is not None and content.is_file():
        sys.exit(check_poster_file(content, scale, folder))
    sys.exit(check_content_folder([str(content or folder)]))


def check_poster_file(path: Path, scale_id: str | None, content_dir: Path) -> int:
    """Check a poster file as an upload is checked; print what it holds, or each problem
    with its row and column. Returns the process exit status."""
    from .content import ContentError, load_library
    from .posters.upload import read_posters
    from .tabular import TableError, read_table

    try:
        scales = load_library(content_dir).all_scales
    except ContentError as error:
        click.echo(error, err=True)
        return 1
    scale = scales.get(scale_id) if scale_id else next(iter(scales.values()))
    if scale is None:
        click.echo(f"There is no scale {scale_id!r}: one of {', '.join(scales)}.", err=True)
        return 1
    try:
        posters = read_posters(read_table(path.read_bytes(), path.name), scale)
    except TableError as error:
        for problem in error.problems:
            click.echo(f"{path.name}: {problem}", err=True)
        return 1
    for poster in posters:
        click.echo(f"{poster.title}: {len(poster.items)} items")
    items = sum(len(poster.items) for poster in posters)
    click.echo(f"{path.name}: {len(posters)} posters, {items} items, on {scale.title}")
    return 0


def main() -> None:
    cli(prog_name="wsapp")
