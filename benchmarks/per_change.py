"""The server's own cost of one change, in one process: CPU, statements, rows and pushes.

bench.py measures what a participant feels across the whole deployment, where the rest of
the machine's work (the clients, the fan-out, nginx, PostgreSQL) moves the figures from run
to run. This measures only what wsapp does between receiving a change and handing its
pushes to the message queue, for each kind of change the benchmark's participants make, so
two versions of the code can be compared on a machine that changes speed: run each a few
times, taking turns.

A room of the readiness-planning kit with --people participants (each with a socket, so
all are online) is opened, joined and prepared through the pages, as bench.py does; then,
in each working phase, participants send --changes changes as socket events through
Flask-SocketIO's test client, --rounds times. The database is a fresh PostgreSQL one
(dropped afterwards) or, with --sqlite, a file. Pushes are counted, not delivered:
delivering them is the same for any app, and bench.py's bare broadcast baseline measures it.

Usage: .venv/bin/python -m benchmarks.per_change [--people 30] [--changes 300] [--rounds 3]
"""

from __future__ import annotations

import argparse
import random
import re
import secrets
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade
from flask_socketio import SocketIOTestClient
from sqlalchemy import event

from benchmarks.bench import (
    KIT,
    PG_ADMIN_URL,
    PHASE_ACTION,
    TYPED,
    WORK,
    Act,
    csrf_token_of,
    dot_change,
    kit_phases,
    note_change,
    typing_change,
)
from benchmarks.deploy import fresh_database
from wsapp import create_app
from wsapp.extensions import db, socketio


@dataclass
class Person:
    browser: FlaskClient
    socket: SocketIOTestClient

    def act(self, name: str, args: dict[str, Any]) -> dict[str, Any]:
        reply = self.socket.emit("act", {"name": name, "args": args}, callback=True)
        assert isinstance(reply, dict) and reply.get("ok"), f"{name} {args}: {reply}"
        return reply


class Room:
    """One room, opened, joined and prepared through the pages, as a browser does."""

    def __init__(self, app: Flask, people: int) -> None:
        self.app = app
        browser = app.test_client()
        token = csrf_token_of(browser.get("/").get_data(as_text=True))
        opened = browser.post("/rooms", data={"kit": KIT, "csrf_token": token})
        self.code = re.search(r"/r/([A-Z0-9]+)/lead", opened.headers["Location"]).group(1)
        self.facilitator = self._seat(browser, "facilitator")
        self.people = [self._join(f"Person {n + 1}") for n in range(people)]
        phases = kit_phases()
        self.phase_index = {
            kind: next(n for n, phase in enumerate(phases) if phase["kind"] == kind)
            for kind in WORK
        }
        self.question = f"{KIT}:{phases[self.phase_index['prompt']]['key']}"
        self.lead("timer.start", minutes=60)
        self.lead("posters.reveal", revealed=True)
        self.go("posters")
        self.items = [int(i) for i in re.findall(r'id="item-(\d+)"', self.lead_page())]
        self.go("plan")
        self.cells = sorted(
            {int(i) for i in re.findall(r'data-plan-cell="(\d+)"', self.lead_page())}
        )
        self.dots: defaultdict[int, dict[int, str]] = defaultdict(dict)  # by person, item
        self.cell_texts: dict[int, tuple[int, str]] = {}

    def _join(self, name: str) -> Person:
        browser = self.app.test_client()
        page = browser.get(f"/r/{self.code}/join").get_data(as_text=True)
        browser.post(f"/r/{self.code}/join", data={"name": name, "csrf_token": csrf_token_of(page)})
        return self._seat(browser, "participant")

    def _seat(self, browser: FlaskClient, view: str) -> Person:
        auth = {"code": self.code, "view": view, "v": 0}
        return Person(browser, socketio.test_client(self.app, flask_test_client=browser, auth=auth))

    def lead(self, name: str, **args: Any) -> None:
        self.facilitator.act(name, args)

    def lead_page(self) -> str:
        return self.facilitator.browser.get(f"/r/{self.code}/lead").get_data(as_text=True)

    def go(self, kind: str) -> None:
        self.lead("phase.go", index=self.phase_index[kind])

    def change(self, kind: str, n: int) -> Act:
        """Participant n's change in a phase of this kind, as bench.py's participants make."""
        who = n % len(self.people)
        if kind == "posters":
            return dot_change(self.items, self.dots[who])
        if kind == "prompt":
            return note_change(self.question, n)
        cell = self.cells[who % len(self.cells)]
        return typing_change(cell, self.cell_texts.get(cell, (0, "")), TYPED[n % len(TYPED)])

    def send(self, n: int, change: Act) -> None:
        """Participant n sends the change; what it saved is what they know now."""
        name, args = change
        who = n % len(self.people)
        reply = self.people[who].act(name, args)
        if name == "dot.place":
            self.dots[who][args["item_id"]] = args["colour"]
        elif name == "plan.cell.edit":
            saved = reply["cell"]
            self.cell_texts[saved["cell_id"]] = (saved["revision"], saved["text"])


@dataclass
class Cost:
    cpu_ms: float
    wall_ms: float
    statements: float
    rows: float  # read or written (PostgreSQL's count; SQLite's drivers do not say)
    pushes: float


@contextmanager
def counting(app: Flask) -> Iterator[Callable[[], tuple[int, int, int]]]:
    """Count the statements run, the rows they read or wrote and the pushes emitted (not
    delivered) meanwhile."""
    statements, rows, pushes = [0], [0], [0]

    def on_statement(_connection: Any, cursor: Any, *_: Any) -> None:
        statements[0] += 1
        rows[0] += max(cursor.rowcount, 0)

    def emit(*_: Any, **__: Any) -> None:
        pushes[0] += 1

    with app.app_context():
        engine = db.engine
    event.listen(engine, "after_cursor_execute", on_statement)
    socketio.emit = emit  # type: ignore[method-assign]
    try:
        yield lambda: (statements[0], rows[0], pushes[0])
    finally:
        del socketio.emit
        event.remove(engine, "after_cursor_execute", on_statement)


def measure(
    room: Room, changes: int, make: Callable[[int], None], between: Callable[[], None] | None
) -> Cost:
    """The mean cost of ``make(n)`` for n < changes, with ``between()`` (if any) run,
    unmeasured, before each."""
    cost = Cost(0.0, 0.0, 0.0, 0.0, 0.0)
    with counting(room.app) as counted:
        for n in range(changes):
            if between is not None:
                between()
            before = (time.process_time(), time.perf_counter(), *counted())
            make(n)
            after = (time.process_time(), time.perf_counter(), *counted())
            cpu, wall, statements, rows, pushes = (
                a - b for a, b in zip(after, before, strict=True)
            )
            cost.cpu_ms += cpu * 1000 / changes
            cost.wall_ms += wall * 1000 / changes
            cost.statements += statements / changes
            cost.rows += rows / changes
            cost.pushes += pushes / changes
    return cost


@contextmanager
def database(sqlite: bool) -> Iterator[str]:
    if sqlite:
        with tempfile.TemporaryDirectory() as folder:
            yield f"sqlite:///{Path(folder) / 'wsapp.sqlite'}"
        return
    with fresh_database(PG_ADMIN_URL, "wsapp_per_change") as url:
        yield url


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=30)
    parser.add_argument("--changes", type=int, default=300, help="per kind and round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--sqlite", action="store_true", help="instead of PostgreSQL")
    options = parser.parse_args()
    random.seed(7)
    with database(options.sqlite) as url:
        app = create_app(
            {
                "SECRET_KEY": secrets.token_hex(16),
                "SQLALCHEMY_DATABASE_URI": url,
                "ASYNC_MODE": "threading",
                "MESSAGE_QUEUE_URL": None,
                "ACTION_RATE": 1e6,
                "ACTION_BURST": 10**6,
                "JOIN_ATTEMPTS_PER_MINUTE": 10**6,
                "CONNECTS_PER_MINUTE": 10**6,
            }
        )
        with app.app_context():
            upgrade()
        room = Room(app, options.people)
        fresh = Room(app, options.people)  # nobody ever dots here
        print(f"{options.people} participants online, {options.changes} changes a round")
        print("| change | round | CPU ms/change | wall ms/change | statements | rows | pushes |")
        print("|---|---|---|---|---|---|---|")
        # (what is measured, in which room, the phase it starts in, how many, the change,
        # what runs unmeasured before each)
        Load = tuple[str, Room, str, int, Callable[[int], None], Callable[[], None] | None]
        loads: list[Load] = []
        for kind in WORK:

            def participant_changes(n: int, kind: str = kind) -> None:
                room.send(n, room.change(kind, n))

            loads.append(
                (PHASE_ACTION[kind], room, kind, options.changes, participant_changes, None)
            )
        # Moving a room to the posters re-renders every phone's wall: after a dot each, and
        # in a room where nobody has dotted (each phone's own buttons are then the wall's).
        moves = max(1, options.changes // 10)
        for name, moved in (
            ("phase.go to the posters", room),
            ("phase.go to the posters, nobody has dotted", fresh),
        ):
            loads.append(
                (
                    name,
                    moved,
                    "plan",
                    moves,
                    lambda n, moved=moved: moved.go("posters"),
                    lambda moved=moved: moved.go("plan"),
                )
            )
        for name, measured, phase, changes, make, between in loads:
            measured.go(phase)
            measure(measured, max(1, changes // 5), make, between)  # warm the caches
            for n in range(options.rounds):
                cost = measure(measured, changes, make, between)
                print(
                    f"| {name} | {n + 1} | {cost.cpu_ms:.2f} | {cost.wall_ms:.2f} "
                    f"| {cost.statements:.1f} | {cost.rows:.1f} | {cost.pushes:.1f} |"
                )
        with app.app_context():
            db.engine.dispose()


if __name__ == "__main__":
    main()
