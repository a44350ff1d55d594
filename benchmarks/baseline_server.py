"""The benchmark's baseline: a bare Socket.IO broadcast server, deployed like wsapp.

No templates, no identities: ``act`` bumps the room's counter and pushes a
``{"v", "html"}`` message of ``WSAPP_BASELINE_BYTES`` characters to the room's three
audiences, exactly as wsapp's fan-out does, through the same Redis message queue, the
same gunicorn gevent processes and the same nginx. What wsapp takes beyond this is the
cost of being a real app.

With ``WSAPP_BASELINE_SAVE=1`` it first saves each change in ``WSAPP_DATABASE_URL``'s
database, the least any app that saves before it broadcasts must do: one transaction that
bumps the room's version (taking its row lock) and inserts the change. Without it, nothing
is saved: the bare broadcast, whose processes number each room's changes with one counter
in the message queue's Redis (a room's people sit on several processes: deploy/nginx.conf
spreads sockets by tab), or in memory with one process.

Run: ``python -m benchmarks.baseline_server --port 9001 --workers 2`` (env as for wsapp).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections import defaultdict
from typing import Any

import redis
import socketio
from sqlalchemy import Engine, create_engine, text

from wsapp.cli import gunicorn_argv, run_all

VIEWS = ("participant", "facilitator", "projector")
PAYLOAD = "x" * int(os.environ.get("WSAPP_BASELINE_BYTES", "1000"))

queue_url = os.environ.get("WSAPP_MESSAGE_QUEUE_URL")
sio = socketio.Server(
    async_mode="gevent",
    client_manager=socketio.RedisManager(
        queue_url, channel=os.environ.get("WSAPP_MESSAGE_QUEUE_CHANNEL", "wsapp")
    )
    if queue_url
    else None,
)
app = socketio.WSGIApp(sio)

SCHEMA = (
    "CREATE TABLE IF NOT EXISTS baseline_rooms (code VARCHAR(12) PRIMARY KEY, version INTEGER)",
    "CREATE TABLE IF NOT EXISTS baseline_changes "
    "(code VARCHAR(12), version INTEGER, html TEXT, PRIMARY KEY (code, version))",
)
BUMP = text("UPDATE baseline_rooms SET version = version + 1 WHERE code = :code RETURNING version")
SAVE = text("INSERT INTO baseline_changes (code, version, html) VALUES (:code, :version, :html)")
CURRENT = text("SELECT version FROM baseline_rooms WHERE code = :code")
ADD_ROOM = text("INSERT INTO baseline_rooms VALUES (:code, 1) ON CONFLICT DO NOTHING")


def _database() -> Engine | None:
    if os.environ.get("WSAPP_BASELINE_SAVE") != "1":
        return None
    return create_engine(os.environ["WSAPP_DATABASE_URL"], pool_size=20)


database = _database()


class Counters:
    """Each room's last version: in Redis when processes share it, else in memory."""

    def __init__(self, url: str | None) -> None:
        self.redis = redis.Redis.from_url(url) if url else None
        self.prefix = f"baseline:{os.environ.get('WSAPP_MESSAGE_QUEUE_CHANNEL', 'wsapp')}:"
        self.last: defaultdict[str, int] = defaultdict(lambda: 1)

    def next(self, code: str) -> int:
        if self.redis is None:
            self.last[code] += 1
            return self.last[code]
        return int(self.redis.incr(self.prefix + code)) + 1  # versions start at 1

    def current(self, code: str) -> int:
        if self.redis is None:
            return self.last[code]
        return int(self.redis.get(self.prefix + code) or 0) + 1


counters = Counters(queue_url if database is None else None)


@sio.event
def connect(sid: str, environ: dict[str, Any], auth: dict[str, Any]) -> None:
    code, view = auth["code"], auth["view"]
    sio.save_session(sid, {"code": code})
    sio.enter_room(sid, f"{code}:{view}")
    if database is not None:
        with database.begin() as saving:
            saving.execute(ADD_ROOM, {"code": code})
    sio.emit("swap", {"v": _current(code), "html": PAYLOAD}, to=sid)


def _bump(code: str) -> int:
    if database is None:
        return counters.next(code)
    with database.begin() as saving:
        version = saving.execute(BUMP, {"code": code}).scalar_one()
        saving.execute(SAVE, {"code": code, "version": version, "html": PAYLOAD})
    return int(version)


def _current(code: str) -> int:
    if database is None:
        return counters.current(code)
    with database.connect() as reading:
        return int(reading.execute(CURRENT, {"code": code}).scalar_one())


@sio.event
def act(sid: str, message: dict[str, Any]) -> dict[str, Any]:
    code = sio.get_session(sid)["code"]
    version = _bump(code)
    for view in VIEWS:
        sio.emit("swap", {"v": version, "html": PAYLOAD}, to=f"{code}:{view}")
    return {"ok": True, "v": version}


@sio.event
def resync(sid: str) -> dict[str, Any]:
    code = sio.get_session(sid)["code"]
    return {"ok": True, "v": _current(code), "html": PAYLOAD}


@sio.event
def heartbeat(sid: str) -> dict[str, Any]:
    return {"ok": True}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=9001)
    parser.add_argument("--workers", type=int, default=1)
    options = parser.parse_args()
    if database is not None:
        with database.begin() as saving:
            for statement in SCHEMA:
                saving.execute(text(statement))
        database.dispose()  # before the workers start: they open their own connections
    target = "benchmarks.baseline_server:app"
    sys.exit(
        run_all(
            [gunicorn_argv("127.0.0.1", options.port + n, target) for n in range(options.workers)]
        )
    )


if __name__ == "__main__":
    main()
