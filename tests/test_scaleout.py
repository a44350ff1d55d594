"""Scale-out: real server processes sharing PostgreSQL and a Redis message queue.

Each test run gets its own PostgreSQL database and its own Redis channel, starts the app
as docs/deployment.md deploys it (``wsapp serve --workers 2``: one gunicorn gevent process per
port), and drives it with real Socket.IO clients whose HTTP sessions joined the room the
way a browser does. A change made through one process must reach a person whose socket
is on the other; presence and timers must not depend on which process anyone is on.
"""

from __future__ import annotations

import html
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest
import redis
import requests
import socketio
from sqlalchemy import func, select, text

from benchmarks.deploy import (
    Service,
    free_ports,
    fresh_database,
    nginx_binary,
    start_nginx,
    start_wsapp,
    wsapp_command,
)

from .conftest import PG_ADMIN_URL, require_services, wait_until
from .dom import Node, parse

pytestmark = pytest.mark.services

ROOT = Path(__file__).resolve().parent.parent
REDIS_URL = os.environ.get("WSAPP_TEST_REDIS", "redis://127.0.0.1:6379/0")
PRESENCE_TTL = 3  # seconds; the test clients send heartbeats every HEARTBEAT seconds
PRESENCE_GRACE = 1  # seconds a closed socket's person still counts as here
HEARTBEAT = 0.5
WAIT = 15  # seconds: a guard against hanging, never a performance assertion
KIT = "readiness-planning"


# --- Services ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def database_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this module, dropped afterwards."""
    require_services(REDIS_URL)
    with fresh_database(PG_ADMIN_URL, "wsapp_scale") as url:
        yield url


@pytest.fixture(scope="module")
def server_env(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The environment of docs/deployment.md's deployment, isolated on its own Redis channel."""
    env = {
        **os.environ,
        "WSAPP_DATABASE_URL": database_url,
        "WSAPP_MESSAGE_QUEUE_URL": REDIS_URL,
        "WSAPP_MESSAGE_QUEUE_CHANNEL": f"wsapp-test-{secrets.token_hex(4)}",
        "WSAPP_SECRET_KEY": secrets.token_urlsafe(32),
        "WSAPP_PRESENCE_TTL": str(PRESENCE_TTL),
        "WSAPP_PRESENCE_GRACE": str(PRESENCE_GRACE),
        "WSAPP_ACTION_RATE": "1000",
        "WSAPP_ACTION_BURST": "1000",
        "WSAPP_JOIN_ATTEMPTS_PER_MINUTE": "1000",
        "WSAPP_CONNECTS_PER_MINUTE": "10000",
        "WSAPP_EVENT_MIN_DOTTERS": "1",
    }
    upgrade = subprocess.run(
        [wsapp_command(), "db", "upgrade"], env=env, cwd=ROOT, capture_output=True, text=True
    )
    assert upgrade.returncode == 0, upgrade.stderr
    return env


@pytest.fixture(scope="module")
def servers(
    server_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Service]:
    """Two processes, as deployed: ``wsapp serve --workers 2``."""
    server = start_wsapp(server_env, 2, tmp_path_factory.mktemp("servers") / "serve.log")
    yield server
    server.stop()


# --- Reading what the server pushed --------------------------------------------------------


def people_in(fragment: str) -> dict[str, bool] | None:
    """Name → online, from the people region in a pushed fragment (None if absent)."""
    region = parse(fragment).by_id("people")
    if region is None:
        return None
    listed = {}
    for item in region.walk():
        if item.tag == "li" and item.by_class("person-name"):
            listed[item.by_class("person-name")[0].words] = "online" in item.attrs["class"]
    return listed


def sockets_of(database_url: str, code: str, name: str) -> int:
    """The connection rows a person has in a room: open sockets, and closed ones still
    within the grace."""
    with psycopg.connect(database_url.replace("+psycopg", "")) as connection:
        row = connection.execute(
            "SELECT count(*) FROM connections c"
            " JOIN participants p ON p.id = c.participant_id"
            " JOIN rooms r ON r.id = c.room_id WHERE r.code = %s AND p.name = %s",
            (code, name),
        ).fetchone()
    assert row is not None
    return int(row[0])


def timer_face(fragment: str) -> Node | None:
    return parse(fragment).find(lambda node: "data-timer" in node.attrs)


def poster_items(fragment: str) -> dict[str, int]:
    """Item reference (A1, B3...) → item id, from a rendering of the posters phase."""
    return {
        item.by_class("item-ref")[0].words: int(item.attrs["id"].removeprefix("item-"))
        for item in parse(fragment).by_class("poster-item")
    }


def dot_counts(fragment: str, item_id: int) -> dict[str, int] | None:
    """Colour → count from an item's tally in a pushed fragment (None if it is absent)."""
    tally = parse(fragment).by_id(f"tally-{item_id}")
    if tally is None:
        return None
    counts = {}
    for row in tally.by_class("tally-row"):
        colour = next(c for c in ("green", "yellow", "red") if f"tally-{c}" in row.attrs["class"])
        counts[colour] = int(row.by_class("tally-count")[0].words)
    return counts


def plan_cell_ids(fragment: str) -> list[int]:
    """The plan's cells, row by row, from a rendering of the plan phase."""
    root = parse(fragment)
    return [
        int(node.attrs["data-plan-cell"]) for node in root.walk() if "data-plan-cell" in node.attrs
    ]


def notes_on(fragment: str, question_key: str) -> list[str] | None:
    """The texts of a question's notes in a pushed fragment (None if its list is absent)."""
    found = parse(fragment).by_id("q-" + question_key.replace(":", "_") + "-notes")
    if found is None:
        return None
    return [note.words for note in found.by_class("note-text")]


# --- People with browsers ------------------------------------------------------------------


def _csrf(page: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match, "the page has no CSRF token"
    return html.unescape(match.group(1))


class Person:
    """A browser: an HTTP session holding the room's cookie, and one socket at a time."""

    def __init__(self) -> None:
        self.http = requests.Session()
        self.code = ""
        self.view = ""
        self.sio: socketio.Client | None = None
        self.received: list[dict[str, Any]] = []
        self._read = 0
        self._changed = threading.Condition()
        self._beating = threading.Event()
        self.version = 0  # the newest version this screen has
        self.catches_up = False  # does its heartbeat resync when behind, as app.js does?

    def open_room(self, base: str, kit: str = KIT) -> Person:
        token = _csrf(self.http.get(base + "/").text)
        response = self.http.post(
            base + "/rooms", data={"kit": kit, "csrf_token": token}, allow_redirects=False
        )
        assert response.status_code == 302, response.text
        self.code = re.search(r"/r/([A-Z0-9]+)/lead", response.headers["Location"]).group(1)
        self.view = "facilitator"
        return self

    def open_event(self, base: str, name: str) -> tuple[str, str]:
        """Open an event as its lead; return its code and its facilitators' link's key."""
        token = _csrf(self.http.get(base + "/events/new").text)
        page = self.http.post(base + "/events/new", data={"name": name, "csrf_token": token})
        assert page.status_code == 200, page.text
        link = parse(page.text).by_id("rooms-link")
        assert link is not None
        found = re.search(r"/e/([^/]+)/rooms#(.+)$", html.unescape(link.attrs["value"]))
        assert found is not None
        return found.group(1), found.group(2)

    def open_room_in(self, base: str, event: tuple[str, str], team: str) -> Person:
        """Open a room from an event's facilitators' link, labelled with its team."""
        code, key = event
        token = _csrf(self.http.get(f"{base}/e/{code}/rooms").text)
        response = self.http.post(
            f"{base}/e/{code}/rooms",
            data={"key": key, "team": team, "kit": KIT, "csrf_token": token},
            allow_redirects=False,
        )
        assert response.status_code == 302, response.text
        self.code = re.search(r"/r/([A-Z0-9]+)/lead", response.headers["Location"]).group(1)
        self.view = "facilitator"
        return self

    def watch_event(self, base: str, code: str) -> Person:
        """The event's page on ``base``: its socket, admitted as the event's lead."""
        client = socketio.Client(http_session=self.http, reconnection=False)
        client.on("swap", self._on_swap)
        client.connect(
            f"{base}?client={secrets.token_hex(8)}",
            auth={"kind": "event", "event": code},
            transports=["websocket"],
            wait_timeout=WAIT,
        )
        self.sio = client
        return self

    def join(self, base: str, code: str, name: str) -> Person:
        token = _csrf(self.http.get(f"{base}/r/{code}/join").text)
        response = self.http.post(
            f"{base}/r/{code}/join", data={"name": name, "csrf_token": token}, allow_redirects=False
        )
        assert response.status_code == 302, response.text
        self.code, self.view = code, "participant"
        return self

    def connect(self, base: str, transports: tuple[str, ...] = ("websocket",)) -> Person:
        """Open a socket to ``base`` (replacing none: call ``drop`` first to move)."""
        client = socketio.Client(http_session=self.http, reconnection=False)
        client.on("swap", self._on_swap)
        client.connect(
            f"{base}?client={secrets.token_hex(8)}",  # as app.js does, for nginx's stickiness
            auth={"code": self.code, "view": self.view, "v": 0},
            transports=list(transports),
            wait_timeout=WAIT,
        )
        self.sio = client
        threading.Thread(target=self._heartbeat, args=(client,), daemon=True).start()
        return self

    def _heartbeat(self, client: socketio.Client) -> None:
        while client.connected:
            if self.catches_up:
                self._beat_and_catch_up(client)
            else:
                client.emit("heartbeat")
            time.sleep(HEARTBEAT)

    def _beat_and_catch_up(self, client: socketio.Client) -> None:
        """As app.js does: when the heartbeat's answer shows the room ahead, and the pushes
        have not come a moment later, ask for the full state."""
        try:
            reply = client.call("heartbeat", timeout=WAIT)
        except socketio.exceptions.SocketIOError:
            return  # disconnected meanwhile
        if reply.get("v", 0) > self.version:
            time.sleep(HEARTBEAT)
            if reply["v"] > self.version:
                state = client.call("resync", timeout=WAIT)
                if state.get("ok"):
                    self._on_swap({"v": state["v"], "full": True, "html": state["html"]})

    def _on_swap(self, message: dict[str, Any]) -> None:
        with self._changed:
            self.received.append(message)
            self.version = max(self.version, message["v"])
            self._changed.notify_all()

    def drop(self) -> None:
        """Close this person's socket, as a phone leaving the Wi-Fi's range does."""
        if self.sio is not None:
            self.sio.disconnect()
            # A socket whose server died is "disconnected" without its websocket closed.
            websocket = getattr(self.sio.eio, "ws", None)
            if websocket is not None:
                websocket.close()
            self.sio = None

    def act(self, name: str, /, **args: Any) -> dict[str, Any]:
        assert self.sio is not None
        reply = self.sio.call("act", {"name": name, "args": args}, timeout=WAIT)
        assert reply["ok"], reply
        return reply

    def post_action(self, base: str, name: str, /, **args: Any) -> requests.Response:
        """Act over HTTP, as an htmx button does, through whichever process ``base`` is."""
        token = re.search(r'"X-CSRFToken": "([^"]+)"', self._page(base)).group(1)
        prefix = "/lead" if self.view == "facilitator" else ""
        return self.http.post(
            f"{base}/r/{self.code}{prefix}/act/{name}",
            data=args,
            headers={"X-CSRFToken": token, "HX-Request": "true"},
        )

    def _page(self, base: str) -> str:
        path = "/lead" if self.view == "facilitator" else ""
        return self.http.get(f"{base}/r/{self.code}{path}").text

    def resync(self) -> dict[str, Any]:
        assert self.sio is not None
        reply = self.sio.call("resync", timeout=WAIT)
        assert reply["ok"], reply
        return reply

    def next_swap(self, matches: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
        """The first pushed message not yet read that ``matches``; waits for it."""
        deadline = time.monotonic() + WAIT
        with self._changed:
            while True:
                for index in range(self._read, len(self.received)):
                    if matches(self.received[index]):
                        self._read = index + 1
                        return self.received[index]
                left = deadline - time.monotonic()
                assert left > 0, f"nothing matching reached this socket: {self.received[-3:]}"
                self._changed.wait(left)

    def swap_with_version(self, version: int) -> dict[str, Any]:
        return self.next_swap(lambda message: message["v"] == version and bool(message["html"]))

    def skip_to_now(self) -> None:
        with self._changed:
            self._read = len(self.received)


@pytest.fixture
def people() -> Iterator[Callable[[], Person]]:
    made: list[Person] = []

    def make() -> Person:
        made.append(Person())
        return made[-1]

    yield make
    for person in made:
        person.drop()
        person.http.close()


@dataclass
class Room:
    facilitator: Person  # socket on process A
    ana: Person  # participant, socket on process A
    ben: Person  # participant, socket on process B


@pytest.fixture
def room(servers: Service, people: Callable[[], Person], request: pytest.FixtureRequest) -> Room:
    """A room of the readiness kit, or of the kit a test names with ``indirect``."""
    a, b = servers.urls
    facilitator = people().open_room(a, getattr(request, "param", KIT))
    ana = people().join(a, facilitator.code, "Ana").connect(a)
    ben = people().join(b, facilitator.code, "Ben").connect(b)
    facilitator.connect(a)
    # Everyone is online once both participants' arrivals have reached Ana.
    ana.next_swap(lambda m: people_in(m["html"]) == {"Ana": True, "Ben": True})
    for person in (facilitator, ana, ben):
        person.skip_to_now()
    return Room(facilitator, ana, ben)


# --- A change on one process is seen on the other ------------------------------------------


def test_serve_runs_one_gunicorn_gevent_process_per_port(servers: Service) -> None:
    for url in servers.urls:
        page = requests.get(url + "/", timeout=5)
        assert page.status_code == 200
        assert page.headers["Server"].startswith("gunicorn")
    assert len(set(servers.urls)) == 2


def test_a_process_keeps_its_database_connections_and_queues_for_one_past_them(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """More changes at once than the pool holds wait for a connection; none opens another
    (a PostgreSQL backend started and ended per change was the cost this avoids)."""
    from wsapp import create_app
    from wsapp.config import config_from_env
    from wsapp.extensions import db

    monkeypatch.setenv("WSAPP_DATABASE_URL", database_url)
    monkeypatch.setenv("WSAPP_DB_POOL_SIZE", "2")
    app = create_app({**config_from_env(tmp_path), "ASYNC_MODE": "threading"})
    backends: list[int] = []

    def change() -> None:
        with app.app_context():
            backends.append(db.session.execute(text("SELECT pg_backend_pid()")).scalar_one())
            db.session.execute(text("SELECT pg_sleep(0.2)"))
            db.session.commit()

    workers = [threading.Thread(target=change) for _ in range(6)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=10)
    with app.app_context():
        db.engine.dispose()
    assert len(backends) == 6
    assert len(set(backends)) == 2


def test_simultaneous_joins_never_pass_the_cap(
    server_env: dict[str, str], database_url: str, tmp_path: Path
) -> None:
    """People are counted under the room's lock: a dozen phones joining at once for the
    last place in a room make one participant, not a dozen."""
    from wsapp import create_app
    from wsapp.extensions import db
    from wsapp.limits import PEOPLE_MAX
    from wsapp.models import Participant
    from wsapp.models import Room as RoomRow

    from .conftest import TEST_CONFIG, Workshop, post

    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url})
    lead = Workshop(app).open_room()
    with app.app_context():
        room_id = db.session.scalars(select(RoomRow.id).where(RoomRow.code == lead.code)).one()
        already = range(PEOPLE_MAX - 1)
        db.session.add_all(Participant(room_id=room_id, name=f"P{n}") for n in already)
        db.session.commit()
    arrivals = 12
    start = threading.Barrier(arrivals)
    answers: list[int] = []

    def arrive(n: int) -> None:
        phone = app.test_client()
        start.wait(timeout=WAIT)
        answers.append(post(phone, f"/r/{lead.code}/join", {"name": f"Late {n}"}).status_code)

    phones = [threading.Thread(target=arrive, args=(n,)) for n in range(arrivals)]
    for phone in phones:
        phone.start()
    for phone in phones:
        phone.join(timeout=WAIT)
    with app.app_context():
        joined = db.session.scalar(
            select(func.count(Participant.id)).where(Participant.room_id == room_id)
        )
        db.session.remove()
        db.engine.dispose()
    assert sorted(answers) == [302] + [409] * (arrivals - 1)
    assert joined == PEOPLE_MAX


@pytest.fixture(scope="module")
def strict_servers(
    server_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Service]:
    """Two processes with small allowances, to see that they spend one between them."""
    env = {
        **server_env,
        "WSAPP_MESSAGE_QUEUE_CHANNEL": f"wsapp-test-{secrets.token_hex(4)}",
        "WSAPP_JOIN_ATTEMPTS_PER_MINUTE": "4",
        "WSAPP_ACTION_BURST": "4",
        "WSAPP_ACTION_RATE": "0.1",  # 4 changes in any 40 s
    }
    server = start_wsapp(env, 2, tmp_path_factory.mktemp("strict") / "serve.log")
    yield server
    server.stop()


def test_wrong_codes_on_either_process_spend_one_allowance(strict_servers: Service) -> None:
    a, b = strict_servers.urls
    guesser = requests.Session()
    for n, base in enumerate((a, b, a, b)):
        token = _csrf(guesser.get(base + "/join").text)
        wrong = guesser.post(base + "/join", data={"code": f"ZZZZZ{n + 2}", "csrf_token": token})
        assert wrong.status_code == 404
    for base in (a, b):
        token = _csrf(guesser.get(base + "/join").text)
        refused = guesser.post(base + "/join", data={"code": "ZZZZZ9", "csrf_token": token})
        assert refused.status_code == 429


def test_actions_on_either_process_spend_one_allowance(
    strict_servers: Service, people: Callable[[], Person]
) -> None:
    a, b = strict_servers.urls
    lead = people().open_room(a)
    page = lead.http.get(f"{a}/r/{lead.code}/lead").text
    token = json.loads(
        html.unescape(parse(page).find(lambda n: n.tag == "body").attrs["hx-headers"])
    )["X-CSRFToken"]
    answers = [
        lead.http.post(
            f"{base}/r/{lead.code}/lead/act/timer.start",
            data={"minutes": "5"},
            headers={"X-CSRFToken": token, "HX-Request": "true"},
        ).status_code
        for base in (a, b, a, b, a, b)
    ]
    assert answers == [200, 200, 200, 200, 429, 429]


def test_phase_change_on_a_reaches_b(room: Room) -> None:
    version = room.facilitator.act("phase.go", index=1)["v"]
    pushed = parse(room.ben.swap_with_version(version)["html"])
    phase = pushed.by_id("phase")
    assert phase is not None and phase.attrs["data-phase"] == "where-are-we-now"
    assert "Phase 2 of" in pushed.by_id("agenda").words


def test_timer_started_on_a_is_the_same_on_b(room: Room) -> None:
    version = room.facilitator.act("timer.start", minutes=7, label="Gallery walk")["v"]
    on_b = timer_face(room.ben.swap_with_version(version)["html"])
    on_a = timer_face(room.ana.swap_with_version(version)["html"])
    assert on_b is not None and on_a is not None
    assert on_b.by_class("timer-label")[0].words == "Gallery walk"
    assert on_b.attrs["data-ends-at"] == on_a.attrs["data-ends-at"]


def test_rename_on_b_reaches_a(room: Room) -> None:
    version = room.ben.act("participant.rename", name="Benjamin")["v"]
    assert people_in(room.ana.swap_with_version(version)["html"]) == {
        "Ana": True,
        "Benjamin": True,
    }


def test_http_action_on_b_reaches_sockets_on_a(room: Room, servers: Service) -> None:
    response = room.facilitator.post_action(servers.urls[1], "room.lock", locked="true")
    assert response.status_code == 200, response.text
    pushed = room.ana.next_swap(lambda m: parse(m["html"]).by_id("room-status") is not None)
    assert "locked" in parse(pushed["html"]).by_id("room-status").words
    refused = room.ana.sio.call("act", {"name": "participant.rename", "args": {"name": "X"}})
    assert refused == {"ok": False, "error": "The facilitator has locked the room for now."}


def test_arrival_on_b_is_seen_on_a(room: Room, servers: Service, people: Callable) -> None:
    b = servers.urls[1]
    cleo = people().join(b, room.facilitator.code, "Cleo")
    # Joining shows Cleo (not yet online) to everyone; connecting shows her online.
    room.ana.next_swap(lambda m: (people_in(m["html"]) or {}).get("Cleo") is False)
    cleo.connect(b)
    room.ana.next_swap(lambda m: (people_in(m["html"]) or {}).get("Cleo") is True)
    cleo.drop()
    room.ana.next_swap(lambda m: (people_in(m["html"]) or {}).get("Cleo") is False)


# --- Every kind of change: dots, notes, cells, quiet write, the facilitator's structure ------

POSTERS, PROMPT, QUIET_WRITE, PLAN = 3, 1, 2, 5  # phases of the readiness kit
# Its phases that look the same on every participant's screen (declared with bp.phase):
# moving there sends participants one push, not one and then each their own.
SAME_FOR_EVERY_PARTICIPANT = {PLAN}


def go_to(room: Room, phase: int) -> None:
    """Move the room to a phase and read past the pushes that announce it: the
    facilitator's, and each participant's (the participants' view, then their own unless
    the phase is the same for every participant)."""
    version = room.facilitator.act("phase.go", index=phase)["v"]
    mine = 1 if phase in SAME_FOR_EVERY_PARTICIPANT else 2
    for person, pushes in ((room.facilitator, 1), (room.ana, mine), (room.ben, mine)):
        for _ in range(pushes):
            person.swap_with_version(version)
        person.skip_to_now()


def test_dots_placed_on_either_process_reach_the_other(room: Room) -> None:
    go_to(room, POSTERS)
    a1 = poster_items(room.facilitator.resync()["html"])["A1"]
    # Before the reveal only the facilitator sees the team's dots.
    version = room.ben.act("dot.place", item_id=a1, colour="red")["v"]
    on_a = room.facilitator.swap_with_version(version)["html"]
    assert dot_counts(on_a, a1) == {"green": 0, "yellow": 0, "red": 1}
    assert room.ana.next_swap(lambda m: m["v"] == version)["html"] == ""
    room.facilitator.act("posters.reveal", revealed=True)
    # After it, a dot placed through B reaches a participant on A, and one through A reaches B.
    version = room.ben.act("dot.place", item_id=a1, colour="yellow")["v"]
    for person in (room.ana, room.facilitator):
        pushed = person.swap_with_version(version)["html"]
        assert dot_counts(pushed, a1) == {"green": 0, "yellow": 1, "red": 0}
    version = room.ana.act("dot.place", item_id=a1, colour="green")["v"]
    pushed = room.ben.swap_with_version(version)["html"]
    assert dot_counts(pushed, a1) == {"green": 1, "yellow": 1, "red": 0}


@pytest.mark.parametrize(
    ("room", "phase", "question"),
    [
        (KIT, PROMPT, f"{KIT}:where-are-we-now"),  # a prompt phase's question
        ("discussion-equity", 0, "equity:warmup"),  # a discussion guide's question
    ],
    indirect=["room"],
    ids=["prompt", "guide"],
)
def test_a_note_added_on_b_reaches_a(room: Room, phase: int, question: str) -> None:
    if phase:
        go_to(room, phase)
    version = room.ben.act("note.add", question_key=question, text="Coaching works")["v"]
    # B renders each participant's own copy of the notes; Ana's reaches her on A.
    to_ana = room.ana.swap_with_version(version)["html"]
    assert notes_on(to_ana, question) == ["Coaching works"]
    assert parse(to_ana).by_class("note-meta")[0].words == "Ben"
    to_ben = room.ben.swap_with_version(version)["html"]
    assert parse(to_ben).by_class("note-meta")[0].words == "You"
    to_facilitator = room.facilitator.swap_with_version(version)["html"]
    assert notes_on(to_facilitator, question) == ["Coaching works"]


def test_a_cell_typed_on_b_reaches_a_and_two_typists_merge_across_processes(room: Room) -> None:
    go_to(room, PLAN)
    cell = plan_cell_ids(room.ana.resync()["html"])[0]
    field = f"plan-cell-{cell}-text"

    def type_in(person: Person, base_revision: int, text: str) -> dict[str, Any]:
        """As app.js saves: the text typed on top of the revision the field holds."""
        return person.act("plan.cell.edit", cell_id=cell, base_revision=base_revision, text=text)

    version = type_in(room.ben, 0, "Hire a coach")["v"]
    pushed = parse(room.ana.swap_with_version(version)["html"]).by_id(field)
    assert (pushed.words, pushed.attrs["data-revision"]) == ("Hire a coach", "1")
    # Both type on from revision 1 at once, one through each process: both keep their words,
    # and the second typist is told the merged text, which their page types on.
    type_in(room.ana, 1, "Hire a coach by May")
    reply = type_in(room.ben, 1, "Budget\nHire a coach")
    version, merged = reply["v"], "Budget\nHire a coach by May"
    assert (reply["cell"]["text"], reply["cell"]["revision"]) == (merged, 3)
    pushed = parse(room.ana.swap_with_version(version)["html"]).by_id(field)
    assert (pushed.words, pushed.attrs["data-revision"]) == (" ".join(merged.split()), "3")


def test_who_is_editing_on_b_is_shown_on_a_until_b_drops(room: Room) -> None:
    go_to(room, PLAN)
    cell = plan_cell_ids(room.ana.resync()["html"])[0]
    signal_id = f"plan-cell-{cell}-editing"
    version = room.ben.act("plan.editing", cell_id=cell)["v"]
    signal = parse(room.ana.swap_with_version(version)["html"]).by_id(signal_id)
    assert "Ben is editing" in signal.words
    room.ben.drop()  # B's disconnect handler tells A that Ben stopped
    pushed = room.ana.next_swap(lambda m: parse(m["html"]).by_id(signal_id) is not None)
    assert parse(pushed["html"]).by_id(signal_id).words == ""


def test_quiet_write_stays_private_across_processes_until_shared_through_b(
    room: Room, servers: Service
) -> None:
    go_to(room, QUIET_WRITE)
    room.facilitator.act("quiet.open")
    hers, his = "Ana hopes for coaching", "Ben hopes for time"
    room.ana.act("quiet.save", text=hers)
    saved = room.ben.act("quiet.save", text=his)["v"]
    progress = parse(room.ana.swap_with_version(saved)["html"]).by_id("quiet-progress")
    assert "2 of 2" in progress.words
    # Stopping the writing on A sends Ben, on B, his own answer back: his words, not hers.
    stopped = room.facilitator.act("quiet.close")["v"]
    own = room.ben.next_swap(lambda m: m["v"] == stopped and "quiet-text" in m["html"])
    assert parse(own["html"]).by_id("quiet-text").words == his
    assert all(hers not in message["html"] for message in room.ben.received)
    assert hers not in room.ben.resync()["html"]
    # Sharing through B puts both answers on the wall of Ana, on A.
    response = room.facilitator.post_action(servers.urls[1], "quiet.share", named="true")
    assert response.status_code == 200, response.text
    pushed = room.ana.next_swap(lambda m: parse(m["html"]).by_class("quiet-answer"))
    wall = parse(pushed["html"]).by_id("quiet-wall")
    assert [answer.words for answer in wall.by_class("quiet-answer")] == [
        f"{hers} — Ana",
        f"{his} — Ben",
    ]


def test_the_facilitators_poster_and_plan_changes_over_http_on_b_reach_a(
    room: Room, servers: Service
) -> None:
    b = servers.urls[1]
    go_to(room, POSTERS)
    poster = parse(room.facilitator.resync()["html"]).by_class("poster")[0]
    poster_id = poster.attrs["id"].removeprefix("poster-")
    response = room.facilitator.post_action(
        b, "poster.item.add", poster_id=poster_id, text="Time to plan"
    )
    assert response.status_code == 200, response.text
    # Ana's copy of the wall, rendered on B for her, comes with her own dot buttons.
    pushed = room.ana.next_swap(lambda m: parse(m["html"]).by_class("my-dots"))
    added = [
        item
        for item in parse(pushed["html"]).by_class("poster-item")
        if "Time to plan" in item.words
    ]
    assert len(added) == 1 and added[0].by_class("my-dots")
    go_to(room, PLAN)
    response = room.facilitator.post_action(b, "plan.row.add", heading="Budget", detail="")
    assert response.status_code == 200, response.text
    pushed = room.ana.next_swap(lambda m: parse(m["html"]).by_id("plan-grid") is not None)
    headings = [node.words for node in parse(pushed["html"]).by_class("plan-row-heading")]
    assert headings[-1] == "Budget"


# --- Background work is the same with one process or several --------------------------------


def test_timer_has_no_server_tick_and_reads_the_same_on_both(room: Room) -> None:
    """A running timer is one anchored end time, so no process ticks it, let alone two."""
    version = room.facilitator.act("timer.start", minutes=3)["v"]
    room.ben.swap_with_version(version)
    room.ana.swap_with_version(version)
    count_before = len(room.ana.received), len(room.ben.received)

    def remaining() -> int:
        return int(timer_face(room.ana.resync()["html"]).attrs["data-remaining"])

    # One resync a second: a screen asking more often is slowed down
    # (security.socket_event_allowed).
    wait_until(lambda: remaining() <= 177, "three seconds of the timer to run", every=1.0)
    assert (len(room.ana.received), len(room.ben.received)) == count_before
    on_a, on_b = (timer_face(person.resync()["html"]) for person in (room.ana, room.ben))
    assert on_a.attrs["data-ends-at"] == on_b.attrs["data-ends-at"]
    assert abs(int(on_a.attrs["data-remaining"]) - int(on_b.attrs["data-remaining"])) <= 1
    assert int(on_a.attrs["data-remaining"]) < 180


def test_presence_survives_a_socket_moving_to_the_other_process(
    room: Room, servers: Service, database_url: str
) -> None:
    b = servers.urls[1]
    old_socket = room.ana.sio
    room.ana.sio = None
    room.ana.connect(b)  # the phone's new socket reaches B before A notices the old one
    old_socket.disconnect()
    # Nobody was shown Ana away while she moved (once the old socket's row is swept after
    # the grace), and she is listed once, online.
    code = room.facilitator.code
    wait_until(lambda: sockets_of(database_url, code, "Ana") == 1, "the old socket's sweep")
    for message in room.ben.received:
        listed = people_in(message["html"])
        assert listed is None or listed.get("Ana") is True, listed
    state = room.ben.resync()["html"]
    assert people_in(state) == {"Ana": True, "Ben": True}
    assert "2 online of 2" in parse(state).by_id("people").words
    # And a change she makes from her new process reaches the old one.
    version = room.ana.act("participant.rename", name="Ana M")["v"]
    assert people_in(room.facilitator.swap_with_version(version)["html"])["Ana M"] is True


def test_a_phone_that_drops_and_is_back_on_the_other_process_within_the_grace_tells_nobody(
    room: Room, servers: Service, database_url: str
) -> None:
    b = servers.urls[1]
    version = room.facilitator.act("timer.start", minutes=5)["v"]
    room.ben.swap_with_version(version)
    room.ana.drop()  # on A: Wi-Fi gone
    room.ana.connect(b)  # back, through the other process, before the grace is over
    # Past the grace, A's sweep deletes the closed socket's row and finds her back.
    code = room.facilitator.code
    wait_until(lambda: sockets_of(database_url, code, "Ana") == 1, "A's sweep after the grace")
    assert [m for m in room.ben.received if m["v"] > version] == []
    state = room.ben.resync()
    assert state["v"] == version and people_in(state["html"]) == {"Ana": True, "Ben": True}
    room.ana.drop()  # gone for good this time: once the grace is over, Ben is told
    room.ben.next_swap(lambda m: (people_in(m["html"]) or {}).get("Ana") is False)


def test_a_killed_process_leaves_nobody_online_after_the_ttl(
    room: Room, server_env: dict[str, str], tmp_path: Path, people: Callable
) -> None:
    """SIGKILL runs no disconnect handlers; heartbeats on the survivors expire its sockets."""
    doomed = start_wsapp(server_env, 1, tmp_path / "doomed.log")
    try:
        dana = people().join(doomed.urls[0], room.facilitator.code, "Dana")
        dana.connect(doomed.urls[0])
        room.ana.next_swap(lambda m: (people_in(m["html"]) or {}).get("Dana") is True)
        doomed.stop(signal.SIGKILL)
        killed_at = time.monotonic()
        room.ana.next_swap(lambda m: (people_in(m["html"]) or {}).get("Dana") is False)
        assert time.monotonic() - killed_at >= PRESENCE_TTL - 1
        assert people_in(room.ben.resync()["html"])["Dana"] is False
    finally:
        doomed.stop(signal.SIGKILL)


# --- wsapp serve --workers N keeps each process running --------------------------------------


def _gunicorn_masters(parent: int) -> dict[str, int]:
    """The gunicorn masters ``wsapp serve`` started, by the URL each serves."""
    masters = {}
    for child in Path(f"/proc/{parent}/task/{parent}/children").read_text().split():
        argv = Path(f"/proc/{child}/cmdline").read_bytes().decode().split("\0")
        if "--bind" in argv:  # not one that has exited and waits to be reaped
            masters["http://" + argv[argv.index("--bind") + 1]] = int(child)
    return masters


def _answers(url: str) -> bool:
    try:
        return requests.get(url + "/", timeout=5).ok
    except requests.RequestException:
        return False


def test_a_killed_process_is_started_again_and_the_others_keep_serving(
    server_env: dict[str, str], tmp_path: Path
) -> None:
    """Killing one process's gunicorn master used to stop every process ``wsapp serve
    --workers 2`` had started (nginx then had nothing to send to)."""
    server = start_wsapp(server_env, 2, tmp_path / "serve.log")
    try:
        doomed, other = server.urls
        before = _gunicorn_masters(server.process.pid)
        os.kill(before[doomed], signal.SIGKILL)
        deadline = time.monotonic() + 2 * WAIT
        while not (_answers(doomed) and doomed in _gunicorn_masters(server.process.pid)):
            assert time.monotonic() < deadline, (tmp_path / "serve.log").read_text()[-3000:]
            time.sleep(0.2)
        after = _gunicorn_masters(server.process.pid)
        assert after[doomed] != before[doomed]  # a new process on the same port
        assert after[other] == before[other]  # the other one never stopped
        assert _answers(other)
        assert server.process.poll() is None
    finally:
        server.stop()


# --- The message queue goes away and comes back -----------------------------------------------


class PrivateRedis:
    """A redis-server of this test's own, on a free port: stopping it disturbs nothing else
    that uses the machine's Redis (other tests, other checkouts' tests)."""

    def __init__(self, log: Path) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            message = "redis-server is not installed"
            if os.environ.get("CI"):
                pytest.fail(message)
            pytest.skip(message)
        self.argv = [binary, "--bind", "127.0.0.1", "--port", str(free_ports(1))]
        self.argv += ["--save", "", "--appendonly", "no"]
        self.url = f"redis://127.0.0.1:{self.argv[4]}/0"
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(self.argv, stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + WAIT
        while True:
            try:
                redis.Redis.from_url(self.url, socket_timeout=1).ping()
                return
            except redis.ConnectionError:
                assert time.monotonic() < deadline, self.log.read_text()[-2000:]
                time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(WAIT)


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[PrivateRedis]:
    queue = PrivateRedis(tmp_path / "redis.log")
    queue.start()
    yield queue
    queue.stop()


def test_after_a_message_queue_outage_a_quiet_room_catches_up_with_no_further_change(
    server_env: dict[str, str], private_redis: PrivateRedis, people: Callable, tmp_path: Path
) -> None:
    """#15: pushes published while Redis is away are lost, and a quiet room sees no gap
    until its next change. The heartbeat's answer carries the room's version, so each
    screen that missed them resyncs on its own."""
    env = {**server_env, "WSAPP_MESSAGE_QUEUE_URL": private_redis.url}
    servers = start_wsapp(env, 2, tmp_path / "serve.log")
    try:
        a, b = servers.urls
        facilitator = people().open_room(a)
        ana = people().join(b, facilitator.code, "Ana").connect(b)
        facilitator.connect(a)
        ana.next_swap(lambda m: (people_in(m["html"]) or {}).get("Ana") is True)
        ana.catches_up = True
        private_redis.stop()
        version = facilitator.act("timer.start", minutes=4, label="After the outage")["v"]
        private_redis.start()
        caught_up = ana.next_swap(lambda m: m["v"] >= version)
        assert caught_up.get("full"), "the change's push itself reached Ana"
        face = timer_face(caught_up["html"])
        assert face is not None and face.by_class("timer-label")[0].words == "After the outage"
        assert facilitator.resync()["v"] == version  # nothing else changed meanwhile
    finally:
        servers.stop()


# --- nginx in front, as deploy/nginx.conf configures it --------------------------------------


@pytest.fixture(scope="module")
def nginx(servers: Service, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if nginx_binary() is None:
        message = "nginx is not installed (scripts/test installs nginx-light)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    proxy = start_nginx(servers.urls, tmp_path_factory.mktemp("nginx"))
    yield proxy.urls[0]
    proxy.stop()


def test_long_polling_through_nginx_keeps_each_session_on_one_process(
    nginx: str, people: Callable
) -> None:
    """Without websockets every request of a session must reach the process that holds it."""
    facilitator = people().open_room(nginx)
    ana = people().join(nginx, facilitator.code, "Ana").connect(nginx, ("polling",))
    ben = people().join(nginx, facilitator.code, "Ben").connect(nginx, ("polling",))
    facilitator.connect(nginx, ("polling",))
    assert ana.sio.transport() == "polling"
    for n in range(6):  # many polls and posts, none of them "Invalid session"
        version = ben.act("participant.rename", name=f"Ben {n}")["v"]
        assert people_in(ana.swap_with_version(version)["html"])[f"Ben {n}"] is True
    version = facilitator.act("phase.next")["v"]
    assert parse(ben.swap_with_version(version)["html"]).by_id("phase") is not None


POLLING = "/socket.io/?EIO=4&transport=polling"


def _holds(polling_url: str, engineio_sid: str) -> bool:
    """Does the process that ``polling_url`` reaches hold this Engine.IO session? Any packet
    posted to another is refused as an unknown session; the one posted (a Socket.IO connect
    without a room) is refused by the holder too, after the session has taken it."""
    return requests.post(f"{polling_url}&sid={engineio_sid}", data="40", timeout=5).ok


def test_nginx_spreads_tabs_over_the_processes_and_keeps_each_on_one(
    nginx: str, servers: Service
) -> None:
    """Sockets go by the tab key app.js adds, not by room: one room's phones load every
    process, and every request of one tab's session reaches the process holding it."""
    tabs_on: dict[str, int] = dict.fromkeys(servers.urls, 0)
    for tab in range(16):
        through_nginx = f"{nginx}{POLLING}&client=tab{tab}"
        handshake = requests.get(through_nginx, timeout=5)
        assert handshake.ok, handshake.text
        sid = json.loads(handshake.text[1:])["sid"]  # "0" + the open packet
        (holder,) = [url for url in servers.urls if _holds(url + POLLING, sid)]
        for _ in range(3):  # the same tab's next requests: the same process
            assert _holds(through_nginx, sid)
        tabs_on[holder] += 1
    assert all(tabs_on.values()), tabs_on


def test_pages_and_hashed_assets_reach_phones_compressed_and_cached_through_nginx(
    nginx: str, people: Callable
) -> None:
    page = requests.get(nginx + "/", headers={"Accept-Encoding": "gzip"}, timeout=5)
    assert page.headers["Content-Encoding"] == "gzip"
    assets = re.findall(r'(?:src|href)="(/static/[^"]+\?v=[0-9a-f]+)"', page.text)
    assert len(assets) >= 3
    for asset in assets:
        response = requests.get(nginx + html.unescape(asset), headers={"Accept-Encoding": "gzip"})
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        assert "Set-Cookie" not in response.headers
        if re.search(r"\.(css|js)\?", asset):  # the icons are PNG, or too small to gain
            assert response.headers["Content-Encoding"] == "gzip"
    stale = requests.get(nginx + "/static/js/app.js?v=000000000000")
    assert "immutable" not in stale.headers.get("Cache-Control", "")


# --- An event watching rooms on both processes ---------------------------------------------


def heat_of(fragment: str, room_code: str, rooms: dict[str, int]) -> str | None:
    """The first heat cell of a room's row for poster A in a pushed fragment, if it is there."""
    row = parse(fragment).by_id(f"heat-{rooms[room_code]}-A")
    return row.find_all("td")[0].words if row is not None else None


def test_an_event_page_on_one_process_follows_rooms_on_both(
    servers: Service, people: Callable[[], Person], database_url: str
) -> None:
    a, b = servers.urls
    lead = people()
    event = lead.open_event(a, "Network day")
    watcher = lead.watch_event(a, event[0])
    full = watcher.next_swap(lambda m: "event-rollup" in m["html"])
    assert parse(full["html"]).by_id("event-rollup") is not None
    # The lead's second screen (the projector view) is on the other process.
    projector = people()
    projector.http.cookies.update(lead.http.cookies)
    projector.watch_event(b, event[0])

    rooms = []
    for base, team in ((a, "Adams Middle"), (b, "Valley High")):
        facilitator = people().open_room_in(base, event, team).connect(base)
        facilitator.act("phase.go", index=POSTERS)
        facilitator.act("posters.reveal", revealed=True)
        rooms.append(facilitator.code)
    with psycopg.connect(database_url.replace("+psycopg", "")) as connection:
        ids = dict(connection.execute("SELECT code, id FROM rooms").fetchall())
        items = dict(
            connection.execute(
                "SELECT r.code, i.id FROM poster_items i JOIN posters p ON p.id = i.poster_id"
                " JOIN rooms r ON r.id = p.room_id WHERE p.key = 'A' AND i.label = '1'"
            ).fetchall()
        )
    for screen in (watcher, projector):
        screen.skip_to_now()

    # A phone on each process dots its room: both event screens see both rooms' rows.
    for code, base, colour in zip(rooms, (b, a), ("green", "red"), strict=True):
        phone = people().join(base, code, "Ana").connect(base)
        phone.act("dot.place", item_id=items[code], colour=colour)
        expected = "+1.0" if colour == "green" else "-1.0"
        for screen in (watcher, projector):
            pushed = screen.next_swap(
                lambda m, code=code, expected=expected: (
                    heat_of(m["html"], code, ids) or ""
                ).startswith(expected)
            )
            assert parse(pushed["html"]).by_id("event-rollup") is None  # just that room
    # The summary, read after the last commit, pools both rooms: a disagreement on A1.
    summary = watcher.next_swap(
        lambda m: "Pooled from 2 of 2 rooms" in m["html"] and "(+0.0, 2 dots)" in m["html"]
    )
    assert parse(summary["html"]).by_id("event-summary") is not None
