"""The benchmark's baseline: a bare Socket.IO broadcast server, deployed like wsapp.

No database, no templates, no identities: ``act`` bumps the room's counter and pushes a
``{"v", "html"}`` message of ``WSAPP_BASELINE_BYTES`` characters to the room's three
audiences, exactly as wsapp's fan-out does, through the same Redis message queue, the
same gunicorn gevent processes and the same nginx. What wsapp takes beyond this is the
cost of being a real app.

Run: ``python -m benchmarks.baseline_server --port 9001 --workers 2`` (env as for wsapp).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections import defaultdict
from itertools import count
from typing import Any

import socketio

from wsapp.cli import gunicorn_argv, run_all

VIEWS = ("participant", "facilitator", "projector")
PAYLOAD = "x" * int(os.environ.get("WSAPP_BASELINE_BYTES", "1000"))

# nginx sends every socket of a room to one process, so a room's counter lives there.
versions: defaultdict[str, count[int]] = defaultdict(lambda: count(2))
current: dict[str, int] = defaultdict(lambda: 1)

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


@sio.event
def connect(sid: str, environ: dict[str, Any], auth: dict[str, Any]) -> None:
    code, view = auth["code"], auth["view"]
    sio.save_session(sid, {"code": code})
    sio.enter_room(sid, f"{code}:{view}")
    sio.emit("swap", {"v": current[code], "html": PAYLOAD}, to=sid)


def _bump(code: str) -> int:
    current[code] = next(versions[code])
    return current[code]


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
    return {"ok": True, "v": current[code], "html": PAYLOAD}


@sio.event
def heartbeat(sid: str) -> dict[str, Any]:
    return {"ok": True}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=9001)
    parser.add_argument("--workers", type=int, default=1)
    options = parser.parse_args()
    target = "benchmarks.baseline_server:app"
    sys.exit(
        run_all(
            [gunicorn_argv("127.0.0.1", options.port + n, target) for n in range(options.workers)]
        )
    )


if __name__ == "__main__":
    main()
