"""What a participant feels: latency, throughput, memory, resync and page weight.

Starts wsapp as docs/deployment.md deploys it (``wsapp serve --workers N`` on PostgreSQL and
Redis, nginx running deploy/nginx.conf in front; or ``--embedded``: one process on
SQLite, no nginx), then drives it over loopback with real Socket.IO clients
(python-socketio's asyncio client) that joined their rooms through the HTTP pages.

Scenarios, each reported as a row of one table:
  steady     K rooms x M participants (and a facilitator each), everyone making a change
             every --interval seconds on average (exponential gaps); see "Workload".
  baseline   the same against benchmarks/baseline_server.py (bare broadcast, same fan-out,
             same message size, same processes, Redis and nginx); ours as ratios to it.
  saved      the baseline again, saving each change in PostgreSQL before it broadcasts
             (a version bump and an insert in one transaction): the least an app that
             saves first can do, so what is left between it and ours is ours.
  reconnect  every client of the steady rooms drops and reconnects at once: time until
             each is connected again and holds its room's latest version.
  crowd      rooms added until --crowd participants are connected, all active at
             --crowd-interval.
  event      (--event) the steady load again with every steady room in one event whose
             lead's page watches it; the steady and event windows take turns, the rooms
             attached for each event window and taken out after it. Reported: the rooms'
             own latency (as steady) and the watcher's: from a change's sending until the
             event page has that room's rows at its version (dots and phase moves; notes
             and typing do not change the roll-up and send it nothing).

Workload (rooms of the readiness-planning kit, which has posters, a discussion prompt and
the plan grid). Before the load each facilitator starts the timer and reveals the posters,
so every participant's screen shows the tallies. A room is always in one of the kit's three
working phases, and a participant's change is what that phase asks for:
  posters    dot.place on a random item: a first dot, or a different colour on an item
             already dotted (changing it);
  prompt     note.add on the prompt's question (a short note);
  plan       plan.cell.edit of the participant's cell (30 people share the 16 cells): the
             cell's text plus the one to three words typed before the pause that saves it
             (static/js/app.js saves 500 ms after typing stops), sent against the revision
             that text is. As on the page, the typist knows the cell from the last push of
             it and from its own last save's answer (which says what the cell holds), so
             two typists in one cell merge rather than conflict (the report counts cells
             left in conflict).
Rooms start staggered across the three phases (room k in phase k mod 3), and each
facilitator's fifth change moves its room to the next working phase (posters, prompt, plan,
posters...), re-rendering every participant's phase; the change after it starts the timer
again (a phase move stops it), the others add or take away a minute on it. So participants'
changes are about a third dots, a third notes and a third typing: at the default --interval
of 5 s, 12 changes a minute each. The report counts what was actually saved, and latency
and message size by action.

Latency of a change: from just before the client sends it until the last other
participant of the room has received the last push carrying its version (a change with
personal parts, such as a question's first note or moving to the posters, reaches each
participant as the room's push and then their own rendering). Every change reaches every
participant: every audience is sent every version, so a change that shows them nothing new
still arrives. A participant missing any version of its room is a lost update. Message
size for the baseline: the HTML each participant received per change (all its pushes of
that version), averaged over the steady load.

Shared machines change speed from minute to minute, so each load also reports how long a
fixed Python loop took around it, with the servers idle (the "CPU probe", fastest and
slowest): rows measured on a slower machine say so. The steady load and the two baselines
take turns in --rounds windows (each --seconds / --rounds long; all three deployments stay
up, the two idle), so a change of speed slows all three alike and the ratios between them
hold.

Page weight: a phone (Chromium, benchmarks/page_weight.py) joins a room and loads its page
with an empty cache, then again; the requests and bytes as transferred, for this run's
deployment and, behind nginx, for the embedded default too. --weight-only stops there.
The Socket.IO clients offer permessage-deflate as browsers do; the report says how many
websockets negotiated it.

Usage: .venv/bin/python -m benchmarks.bench [--processes 2] [--rooms 10] [--people 30]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import resource
import secrets
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Mapping
from contextlib import ExitStack
from dataclasses import dataclass, field
from html import unescape
from pathlib import Path
from typing import Any

import aiohttp
import requests
import socketio
import yaml
from playwright.sync_api import sync_playwright

from benchmarks.deploy import (
    ROOT,
    Service,
    fresh_database,
    start_nginx,
    start_wsapp,
    wsapp_command,
)
from benchmarks.page_weight import Load, launch_chromium, participant_loads

PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
REDIS_URL = "redis://127.0.0.1:6379/0"
KIT = "readiness-planning"
# The kit's phases where participants work, in the order facilitators move through them.
WORK = ("posters", "prompt", "plan")
COLOURS = ("green", "yellow", "red")
# What a typist types between two pauses (each pause saves): one to three words at a time.
TYPED = (
    "Meet with",
    "principals to review",
    "the walkthrough data",
    "and agree",
    "on next steps;",
    "share the standards",
    "with coaches,",
    "schedule release time",
    "for grade-level teams",
    "and ask teachers",
    "which supports",
    "helped most.",
)
# The changes of the workload that alter an event's roll-up (and so reach its page).
ROLLED_UP = ("dot.place", "phase.go")
# The change participants make in each working phase (--phase).
PHASE_ACTION = {"posters": "dot.place", "prompt": "note.add", "plan": "plan.cell.edit"}
# The workload in the table's scenario column.
MIX = "participants dot, add notes or type, as their room's phase asks: ~⅓ each"
CELL_TEXT_MAX = 1500  # a typist whose cell holds this much starts it over (cells hold 2,000)
HEARTBEAT_SECONDS = 25
# A plan cell's field as templates/plan/_cell_text.html renders it.
PLAN_CELL = re.compile(
    r'<textarea id="plan-cell-(?P<cell>\d+)-text"[^>]*? data-revision="(?P<revision>\d+)"'
    r"[^>]*>\n?(?P<text>.*?)</textarea>",
    re.DOTALL,
)


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# --- Clients -------------------------------------------------------------------------------


@dataclass
class Client:
    room: RoomLoad
    name: str
    view: str
    cookie: str = ""
    sio: socketio.AsyncClient | None = None
    version: int = 0
    number: int = 0
    received: dict[int, float] = field(default_factory=dict)  # version -> its first push
    landed: dict[int, float] = field(default_factory=dict)  # version -> its last push
    html: dict[int, int] = field(default_factory=dict)  # version -> characters of live pushes
    pushes: int = 0
    dots: dict[int, str] = field(default_factory=dict)  # item id -> this person's dot
    cells: dict[int, tuple[int, str]] = field(default_factory=dict)  # id -> revision, text
    typed: int = 0  # stretches of typing saved so far
    gaps: int = 0  # pushes still missing after a second: the client had to resync
    reordered: int = 0  # pushes that overtook an earlier one and waited for it
    held: set[int] = field(default_factory=set)
    connected_at: float = 0.0  # when its socket was last admitted
    deflate: bool = False  # did its websocket negotiate permessage-deflate?
    gap_timer: asyncio.TimerHandle | None = None
    pending: set[asyncio.Future[None]] = field(default_factory=set)

    def on_swap(self, message: dict[str, Any]) -> None:
        """Track versions exactly as static/js/app.js does."""
        version = message["v"]
        now = time.perf_counter()
        self.received.setdefault(version, now)
        self.landed[version] = now
        self.pushes += 1
        if not message.get("full"):
            self.html[version] = self.html.get(version, 0) + len(message["html"])
        if "plan-cell-" in message["html"]:
            self.see_cells(message["html"])
        if self.version and version < self.version:
            pass  # older than what is on screen: app.js ignores it
        elif message.get("full") or not self.version or version <= self.version + 1:
            self.version = max(self.version, version)  # the whole room, or the next change
        else:
            self.held.add(version)
            self.reordered += 1
        self.apply_held()

    def see_cells(self, html: str) -> None:
        """The plan cells a push shows: what the page's fields then hold (app.js)."""
        for found in PLAN_CELL.finditer(html):
            self.know_cell(int(found["cell"]), int(found["revision"]), unescape(found["text"]))

    def know_cell(self, cell: int, revision: int, text: str) -> None:
        """A cell's text, from a push or a save's answer, unless a newer one is known."""
        if revision > self.cells.get(cell, (-1, ""))[0]:
            self.cells[cell] = (revision, text)

    def apply_held(self) -> None:
        while self.version + 1 in self.held:
            self.version += 1
        self.held = {v for v in self.held if v > self.version}
        if not self.held and self.gap_timer is not None:
            self.gap_timer.cancel()
            self.gap_timer = None
        elif self.held and self.gap_timer is None:
            self.gap_timer = asyncio.get_running_loop().call_later(1.0, self.gap)

    def gap(self) -> None:
        self.gap_timer = None
        self.held.clear()
        self.gaps += 1
        self.pending.add(asyncio.ensure_future(self.resync()))

    async def resync(self) -> None:
        if self.sio is None or not self.sio.connected:
            return  # reconnecting brings the full state anyway
        try:
            reply = await self.sio.call("resync", timeout=60)
        except Exception as error:  # the socket dropped meanwhile, or no answer came
            log(f"{self.name} in {self.room.code}: resync failed: {error!r}")
            return
        if reply.get("ok"):
            now = time.perf_counter()
            self.received.setdefault(reply["v"], now)
            self.landed.setdefault(reply["v"], now)
            self.version = max(self.version, reply["v"])
            self.apply_held()

    def on_refused(self, reason: Any) -> None:
        log(f"{self.name} in {self.room.code} refused: {reason}")

    async def connect(self, base: str) -> None:
        # Browsers offer permessage-deflate on every websocket, and the server accepts it:
        # so do these clients (aiohttp's compress=15, a 32 KB window, as Chromium offers).
        sio = socketio.AsyncClient(reconnection=False, websocket_extra_options={"compress": 15})
        sio.on("swap", self.on_swap)
        sio.on("connect_error", self.on_refused)
        await sio.connect(
            f"{base}?client={secrets.token_hex(8)}",  # as app.js does
            headers={"Cookie": self.cookie} if self.cookie else {},
            auth={"code": self.room.code, "view": self.view, "v": self.version},
            transports=["websocket"],
            wait_timeout=60,
        )
        self.connected_at = time.perf_counter()
        self.sio = sio
        self.deflate = bool(sio.eio.ws is not None and sio.eio.ws.compress)
        beating = asyncio.ensure_future(self.heartbeats(sio))
        self.pending.add(beating)
        beating.add_done_callback(self.pending.discard)

    async def heartbeats(self, sio: socketio.AsyncClient) -> None:
        """As app.js: a heartbeat every HEARTBEAT_SECONDS for as long as the socket is open,
        between loads too (a room's people keep their presence while another load runs)."""
        await asyncio.sleep(random.uniform(0, HEARTBEAT_SECONDS))
        while sio.connected:
            await sio.emit("heartbeat")
            await asyncio.sleep(HEARTBEAT_SECONDS)


@dataclass
class Change:
    room: RoomLoad
    sender: Client
    sent_at: float
    version: int
    name: str


@dataclass
class RoomLoad:
    code: str
    facilitator: Client | None = None
    participants: list[Client] = field(default_factory=list)
    number: int = 0
    phase: str = ""  # the working phase the room is in (or is being moved to)
    items: list[int] = field(default_factory=list)  # poster item ids
    cells: list[int] = field(default_factory=list)  # plan cell ids
    prepared: bool = False
    timer_running: bool = False  # moving the phase stops the timer: it belongs to a phase

    @property
    def clients(self) -> list[Client]:
        return ([self.facilitator] if self.facilitator else []) + self.participants


# A room's progress row on an event page, with its version (and, first time, its team: the
# benchmark labels each room's team with its code).
EVENT_ROW = re.compile(
    r'<tr id="event-room-(\d+)" data-v="(\d+)"[^>]*>\s*<th scope="row">([^<]*)</th>'
)


@dataclass
class EventWatch:
    """An event's lead with its page open (--event): when each room's rows reached it."""

    code: str
    key: str
    cookie: str
    sio: socketio.AsyncClient | None = None
    codes: dict[int, str] = field(default_factory=dict)  # room id -> room code
    rows: dict[tuple[str, int], float] = field(default_factory=dict)  # (code, version) -> t
    summaries: int = 0
    chars: int = 0

    def on_swap(self, message: dict[str, Any]) -> None:
        now = time.perf_counter()
        html = message["html"]
        self.chars += len(html)
        self.summaries += html.count('id="event-summary"')
        for room_id, version, team in EVENT_ROW.findall(html):
            code = self.codes.setdefault(int(room_id), unescape(team))
            self.rows.setdefault((code, int(version)), now)

    async def connect(self, base: str) -> None:
        sio = socketio.AsyncClient(reconnection=False, websocket_extra_options={"compress": 15})
        sio.on("swap", self.on_swap)
        await sio.connect(
            f"{base}?client={secrets.token_hex(8)}",
            headers={"Cookie": self.cookie},
            auth={"kind": "event", "event": self.code},
            transports=["websocket"],
            wait_timeout=60,
        )
        self.sio = sio


async def open_event(base: str) -> EventWatch:
    """An event opened through its page, as its lead does; its facilitators' link's key."""
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        async with http.get(base + "/events/new") as page:
            token = csrf_token_of(await page.text())
        async with http.post(
            base + "/events/new", data={"name": "Benchmark day", "csrf_token": token}
        ) as opened:
            link = re.search(r'id="rooms-link"[^>]*value="([^"]+)"', await opened.text())
        assert link, "the event's page shows no facilitators' link"
        found = re.search(r"/e/([^/]+)/rooms#(.+)$", unescape(link.group(1)))
        assert found
        return EventWatch(found.group(1), found.group(2), _session_cookie(http))


async def attach_all(rooms: list[RoomLoad], event: EventWatch, attached: bool) -> None:
    """Every room's facilitator puts it in the event (its team: its code), or takes it out."""

    async def one(room: RoomLoad) -> None:
        assert room.facilitator is not None and room.facilitator.sio is not None
        name, args = (
            ("event.attach", {"event": event.code, "key": event.key, "team": room.code})
            if attached
            else ("event.leave", {})
        )
        reply = await room.facilitator.sio.call("act", {"name": name, "args": args}, timeout=60)
        if not reply.get("ok"):
            raise RuntimeError(f"{name} in {room.code} refused: {reply}")

    for room in rooms:  # one at a time: each sends the watchers the whole roll-up
        await one(room)


# --- Targets: wsapp, or the bare baseline ----------------------------------------------------


def csrf_token_of(page: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match, "no CSRF token on the page"
    return unescape(match.group(1))


def _session_cookie(http: aiohttp.ClientSession) -> str:
    return "; ".join(f"{c.key}={c.value}" for c in http.cookie_jar)


def kit_phases() -> list[dict[str, Any]]:
    return yaml.safe_load((ROOT / "content" / "kits" / f"{KIT}.yaml").read_text())["phases"]


# --- What participants do (here and in benchmarks/per_change.py) ------------------------------

Act = tuple[str, dict[str, Any]]  # an action's name and arguments, as the socket's act sends


def dot_change(items: list[int], placed: Mapping[int, str]) -> Act:
    """A dot on a random item: a first one, or a new colour for the one placed there."""
    item = random.choice(items)
    colour = random.choice([c for c in COLOURS if c != placed.get(item)])
    return "dot.place", {"item_id": item, "colour": colour}


def note_change(question: str, n: int) -> Act:
    return "note.add", {"question_key": question, "text": f"Point {n} from me."}


def typing_change(cell: int, known: tuple[int, str], typed: str) -> Act:
    """The cell as its typist last knew it (revision, text), with a few words typed on;
    a cell grown long is started over."""
    revision, text = known
    text = text if len(text) < CELL_TEXT_MAX else ""
    space = " " if text and not text.endswith((" ", "\n")) else ""
    return "plan.cell.edit", {
        "cell_id": cell,
        "base_revision": revision,
        "text": text + space + typed,
    }


class Wsapp:
    """Rooms opened and joined through wsapp's pages, as a browser does."""

    def __init__(self, base: str, phase: str | None = None) -> None:
        self.base = base
        self.only = phase  # every room in this working phase, its facilitator idle
        self.rooms_opened = 0
        self.conflicts: set[int] = set()  # plan cells that ended up with a conflict
        phases = kit_phases()
        self.phase_index = {
            kind: next(n for n, phase in enumerate(phases) if phase["kind"] == kind)
            for kind in WORK
        }
        prompt = phases[self.phase_index["prompt"]]["key"]
        self.question = f"{KIT}:{prompt}"

    async def open_room(self, people: int) -> RoomLoad:
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
            async with http.get(self.base + "/") as page:
                token = csrf_token_of(await page.text())
            async with http.post(
                self.base + "/rooms",
                data={"kit": KIT, "title": "Benchmark", "csrf_token": token},
                allow_redirects=False,
            ) as created:
                code = re.search(r"/r/([A-Z0-9]+)/lead", created.headers["Location"]).group(1)
            room = RoomLoad(code, number=self.rooms_opened)
            self.rooms_opened += 1
            room.facilitator = Client(room, "Facilitator", "facilitator", _session_cookie(http))
        gate = asyncio.Semaphore(10)
        room.participants = list(
            await asyncio.gather(*(self._join(room, n, gate) for n in range(people)))
        )
        return room

    async def _join(self, room: RoomLoad, n: int, gate: asyncio.Semaphore) -> Client:
        async with gate, aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
            url = f"{self.base}/r/{room.code}/join"
            async with http.get(url) as page:
                token = csrf_token_of(await page.text())
            name = f"Person {n + 1}"
            async with http.post(
                url, data={"name": name, "csrf_token": token}, allow_redirects=False
            ) as joined:
                assert joined.status == 302, await joined.text()
            return Client(room, name, "participant", _session_cookie(http), number=n)

    async def _lead(self, room: RoomLoad, name: str, args: dict[str, Any]) -> None:
        assert room.facilitator is not None and room.facilitator.sio is not None
        reply = await room.facilitator.sio.call("act", {"name": name, "args": args}, timeout=60)
        if not reply.get("ok"):
            raise RuntimeError(f"{name} in {room.code} refused: {reply}")

    async def _lead_page(self, room: RoomLoad) -> str:
        assert room.facilitator is not None
        async with (
            aiohttp.ClientSession() as http,
            http.get(
                f"{self.base}/r/{room.code}/lead", headers={"Cookie": room.facilitator.cookie}
            ) as page,
        ):
            return await page.text()

    async def prepare(self, room: RoomLoad) -> None:
        """Posters revealed, the ids of the posters' items and the plan's cells (read off
        the facilitator's page in each phase), and the room in its first working phase with
        its timer running."""
        if room.prepared or room.facilitator is None or room.facilitator.sio is None:
            return  # done for an earlier load, or its connect failed (counted as an error)
        await self._lead(room, "posters.reveal", {"revealed": True})
        await self._lead(room, "phase.go", {"index": self.phase_index["posters"]})
        room.items = [int(i) for i in re.findall(r'id="item-(\d+)"', await self._lead_page(room))]
        await self._lead(room, "phase.go", {"index": self.phase_index["plan"]})
        page = await self._lead_page(room)
        room.cells = sorted({int(i) for i in re.findall(r'data-plan-cell="(\d+)"', page)})
        assert room.items and room.cells, f"no poster items or plan cells in {room.code}"
        room.phase = self.only or WORK[room.number % len(WORK)]
        await self._lead(room, "phase.go", {"index": self.phase_index[room.phase]})
        await self._lead(room, "timer.start", {"minutes": 60})
        room.prepared = True

    async def change(self, client: Client, n: int) -> Act:
        """The next change this client makes: what a facilitator or a participant does."""
        room = client.room
        if client.view == "facilitator":
            if n % 5 == 4:
                room.phase = WORK[(WORK.index(room.phase) + 1) % len(WORK)]
                room.timer_running = False
                return "phase.go", {"index": self.phase_index[room.phase]}
            if not room.timer_running:
                return "timer.start", {"minutes": 60}
            return "timer.add", {"seconds": 60 if n % 2 else -60}
        if room.phase == "posters":
            return dot_change(room.items, client.dots)
        if room.phase == "prompt":
            return note_change(self.question, n)
        cell = room.cells[client.number % len(room.cells)]
        typed = TYPED[(client.number + client.typed) % len(TYPED)]
        client.typed += 1
        return typing_change(cell, client.cells.get(cell, (0, "")), typed)

    def done(self, client: Client, name: str, args: dict[str, Any], reply: dict[str, Any]) -> None:
        """The change was saved: remember what the page now shows."""
        if name == "timer.start":
            client.room.timer_running = True
        elif name == "dot.place":
            client.dots[args["item_id"]] = args["colour"]
        elif name == "plan.cell.edit":
            saved = reply["cell"]
            client.know_cell(saved["cell_id"], saved["revision"], saved["text"])
            if saved["conflict"]:
                self.conflicts.add(saved["cell_id"])


class Baseline:
    """Rooms on the bare broadcast server: nothing to join, any action is broadcast."""

    def __init__(self, base: str) -> None:
        self.base = base

    async def open_room(self, people: int) -> RoomLoad:
        room = RoomLoad(secrets.token_hex(3).upper())
        room.facilitator = Client(room, "Facilitator", "facilitator")
        room.participants = [Client(room, f"Person {n + 1}", "participant") for n in range(people)]
        return room

    async def prepare(self, room: RoomLoad) -> None:
        return None

    async def change(self, client: Client, n: int) -> Act:
        return "broadcast", {}

    def done(self, client: Client, name: str, args: dict[str, Any], reply: dict[str, Any]) -> None:
        return None


Target = Wsapp | Baseline


# --- Running a load ----------------------------------------------------------------------------


@dataclass
class Result:
    scenario: str
    participants: int
    label: str = ""  # the table's scenario column: what the load was
    mix: Counter[str] = field(default_factory=Counter)  # changes saved, by action
    by_action: defaultdict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    # characters each other participant was sent per change, by action
    html_by_action: defaultdict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    latencies_ms: list[float] = field(default_factory=list)
    changes: int = 0
    seconds: float = 0.0
    errors: int = 0
    lost: int = 0
    gaps: int = 0
    reordered: int = 0
    mean_html: float = 0.0
    rss_mb: float | None = None
    server_cpu_ms: float | None = None  # server CPU time per change, all processes
    rss_per_participant_kb: float | None = None
    # cpu_probe_ms() around each window of the load: the fastest and the slowest
    probe_ms: tuple[float, float] | None = None
    note: str = ""
    # --event: a change's sending until the event page had its room's rows at its version,
    # for the changes that alter the roll-up; those that never reached it; summaries sent.
    watch_ms: list[float] = field(default_factory=list)
    watch_missed: int = 0
    watch_summaries: int = 0
    watch_chars: int = 0

    def percentile(self, q: float, latencies: list[float] | None = None) -> float:
        latencies = self.latencies_ms if latencies is None else latencies
        if not latencies:
            return float("nan")
        ordered = sorted(latencies)
        return ordered[min(len(ordered) - 1, int(q / 100 * len(ordered)))]


def merged(windows: list[Result]) -> Result:
    """One scenario's windows (taken in turns with the others') as one row of the table."""
    first = windows[0]
    row = Result(first.scenario, first.participants, label=first.label, note=first.note)
    for window in windows:
        row.mix.update(window.mix)
        for name, latencies in window.by_action.items():
            row.by_action[name].extend(latencies)
        for name, sizes in window.html_by_action.items():
            row.html_by_action[name].extend(sizes)
        row.latencies_ms.extend(window.latencies_ms)
        row.changes += window.changes
        row.seconds += window.seconds
        row.errors += window.errors
        row.lost += window.lost
        row.gaps += window.gaps
        row.reordered += window.reordered
        row.watch_ms.extend(window.watch_ms)
        row.watch_missed += window.watch_missed
        row.watch_summaries += window.watch_summaries
        row.watch_chars += window.watch_chars
    changes = max(1, row.changes)
    row.mean_html = sum(w.mean_html * w.changes for w in windows) / changes
    row.rss_mb = max((w.rss_mb for w in windows if w.rss_mb is not None), default=None)
    timed = [(w.server_cpu_ms, w.changes) for w in windows if w.server_cpu_ms is not None]
    if len(timed) == len(windows):
        row.server_cpu_ms = sum(ms * n for ms, n in timed) / changes
    probes = [ms for w in windows for ms in (w.probe_ms or ())]
    row.probe_ms = (min(probes), max(probes)) if probes else None
    return row


async def disconnect_all(rooms: list[RoomLoad]) -> None:
    await asyncio.gather(
        *(client.sio.disconnect() for room in rooms for client in room.clients if client.sio)
    )


async def connect_all(clients: list[Client], base: str, parallel: int = 50) -> int:
    gate = asyncio.Semaphore(parallel)
    errors = 0

    async def one(client: Client) -> None:
        nonlocal errors
        async with gate:
            try:
                await client.connect(base)
            except Exception as error:  # counted and reported, never hidden
                errors += 1
                log(f"connect failed for {client.name} in {client.room.code}: {error!r}")

    await asyncio.gather(*(one(client) for client in clients))
    return errors


async def drive(
    target: Target,
    rooms: list[RoomLoad],
    interval: float,
    seconds: float,
    scenario: str,
    label: str,
    participants_only: bool = False,
    watch: EventWatch | None = None,
) -> Result:
    """Every client (with ``participants_only``, every participant) acts every ``interval``
    s on average for ``seconds``; measure delivery (to the room's participants, and to an
    event page watching the rooms, if any)."""
    result = Result(scenario, sum(len(room.participants) for room in rooms), label=label)
    changes: list[Change] = []
    deadline = time.perf_counter() + seconds

    async def act_loop(client: Client) -> None:
        n = 0
        pause = random.expovariate(1 / interval)
        while time.perf_counter() + pause < deadline:
            await asyncio.sleep(pause)
            name = "change"
            try:
                assert client.sio is not None
                name, args = await target.change(client, n)
                n += 1
                sent_at = time.perf_counter()
                reply = await client.sio.call("act", {"name": name, "args": args}, timeout=60)
            except Exception as error:
                result.errors += 1
                log(f"{name} failed: {error!r}")
            else:
                if reply.get("ok"):
                    target.done(client, name, args, reply)
                    result.mix[name] += 1
                    changes.append(Change(client.room, client, sent_at, reply["v"], name))
                else:
                    result.errors += 1
                    log(f"{name} refused: {reply}")
            pause = random.expovariate(1 / interval)

    clients = [client for room in rooms for client in room.clients]
    first_version = {id(client): client.version for client in clients}
    # Counted from here: a client's earlier loads (a reconnect storm) are not this one's.
    first_gaps = {id(client): (client.gaps, client.reordered) for client in clients}
    for client in clients:
        client.html.clear()
    watched = (watch.summaries, watch.chars) if watch else (0, 0)
    await asyncio.gather(
        *(act_loop(c) for c in clients if not (participants_only and c.view == "facilitator"))
    )
    result.seconds = seconds  # every change counted was sent within this window
    await asyncio.sleep(2)  # let the last pushes land

    for change in changes:
        others = [p for p in change.room.participants if p is not change.sender]
        times = [p.landed.get(change.version) for p in others]
        if all(times):
            latency = (max(times) - change.sent_at) * 1000
            result.latencies_ms.append(latency)
            result.by_action[change.name].append(latency)
        sizes = [p.html[change.version] for p in others if change.version in p.html]
        result.html_by_action[change.name].extend(sizes)
        if watch is not None and change.name in ROLLED_UP:
            seen = watch.rows.get((change.room.code, change.version))
            if seen is None:
                result.watch_missed += 1
            else:
                result.watch_ms.append((seen - change.sent_at) * 1000)
    if watch is not None:
        result.watch_summaries = watch.summaries - watched[0]
        result.watch_chars = watch.chars - watched[1]
    result.changes = len(changes)
    last_version: dict[str, int] = defaultdict(int)
    for change in changes:
        last_version[change.room.code] = max(last_version[change.room.code], change.version)
    for room in rooms:
        for participant in room.participants:
            wanted = range(first_version[id(participant)] + 1, last_version[room.code] + 1)
            result.lost += sum(1 for v in wanted if v not in participant.received)
            gaps, reordered = first_gaps[id(participant)]
            result.gaps += participant.gaps - gaps
            result.reordered += participant.reordered - reordered
    participants = [p for room in rooms for p in room.participants]
    result.mean_html = sum(sum(p.html.values()) for p in participants) / max(
        1, sum(len(p.html) for p in participants)
    )
    return result


async def reconnect_storm(rooms: list[RoomLoad], base: str) -> Result:
    """Every client drops and comes back at once; each must reach its room's last version."""
    clients = [client for room in rooms for client in room.clients]
    participants = sum(len(room.participants) for room in rooms)
    label = f"reconnect: all {participants:,} drop and reconnect at once"
    result = Result("reconnect", participants, label=label)
    gaps_before = sum(client.gaps for client in clients)
    reordered_before = sum(client.reordered for client in clients)
    await asyncio.gather(*(client.sio.disconnect() for client in clients if client.sio))
    await asyncio.sleep(1)
    started = time.perf_counter()
    result.errors = await connect_all(clients, base, parallel=len(clients))
    # Settle: until no client has received anything for a second.
    while True:
        latest = max((max(c.received.values(), default=0.0) for c in clients), default=0.0)
        if time.perf_counter() - latest > 1.0:
            break
        await asyncio.sleep(0.2)
    for room in rooms:
        final = max(client.version for client in room.clients)
        for client in room.participants:
            # In sync once connected again and holding the room's last version: pushed
            # since, or already held when it dropped (a change nobody saw needs no push).
            reached = [t for v, t in client.received.items() if v >= final and t >= started]
            if reached:
                back = max(min(reached), client.connected_at)
            elif client.version >= final and client.connected_at >= started:
                back = client.connected_at
            else:
                result.lost += 1
                continue
            result.latencies_ms.append((back - started) * 1000)
    result.seconds = time.perf_counter() - started
    result.gaps = sum(client.gaps for client in clients) - gaps_before
    result.reordered = sum(client.reordered for client in clients) - reordered_before
    result.note = "latency = time until the client is connected and holds its room's last version"
    return result


# --- Server memory and page weight -------------------------------------------------------------


def cpu_seconds(service: Service) -> float:
    """User + system CPU time so far of every process of the service."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in service.pids():
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / ticks


def rss_mb(service: Service) -> float:
    total = 0
    for pid in service.pids():
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except FileNotFoundError:
            continue
        match = re.search(r"VmRSS:\s+(\d+) kB", status)
        total += int(match.group(1)) if match else 0
    return total / 1024


def page_weight(base: str) -> tuple[Load, Load]:
    """A phone's participant page in Chromium: its first load and a later one."""
    created = requests.Session()
    token = csrf_token_of(created.get(base + "/").text)
    opened = created.post(base + "/rooms", data={"kit": KIT, "csrf_token": token})
    code = re.search(r"/r/([A-Z0-9]+)/lead", opened.url).group(1)
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            return participant_loads(browser, base, code)
        finally:
            browser.close()


async def page_weights(
    options: argparse.Namespace, deployment: Deployment, work: Path
) -> dict[str, tuple[Load, Load]]:
    """The page weight of this run's deployment and, in a run behind nginx, of the
    embedded default too (started for the measurement alone)."""
    weights = {deployment.description: await asyncio.to_thread(page_weight, deployment.base)}
    if not options.embedded:
        (work / "embedded").mkdir(exist_ok=True)
        with ExitStack() as stack:
            embedded, _env = deploy(
                argparse.Namespace(**{**vars(options), "embedded": True}), stack, work / "embedded"
            )
            weights[embedded.description] = await asyncio.to_thread(page_weight, embedded.base)
    return weights


# --- The run ------------------------------------------------------------------------------------


@dataclass
class Deployment:
    base: str
    app: Service
    description: str


def deploy(options: argparse.Namespace, stack: ExitStack, work: Path) -> tuple[Deployment, dict]:
    env = {
        **os.environ,
        "WSAPP_SECRET_KEY": secrets.token_urlsafe(32),
        "WSAPP_PROXIES": "0" if options.embedded else "1",
        # Every simulated phone shares 127.0.0.1, as a venue's phones share its NAT address.
        "WSAPP_CONNECTS_PER_MINUTE": "100000",
    }
    if options.embedded:
        env["WSAPP_DATABASE_URL"] = f"sqlite:///{work / 'bench.sqlite'}"
        app = start_wsapp(env, 1, work / "wsapp.log")
        stack.callback(app.stop)
        return Deployment(app.urls[0], app, "1 process, SQLite, no proxy"), env
    env["WSAPP_DATABASE_URL"] = stack.enter_context(fresh_database(PG_ADMIN_URL, "wsapp_bench"))
    env["WSAPP_MESSAGE_QUEUE_URL"] = REDIS_URL
    env["WSAPP_MESSAGE_QUEUE_CHANNEL"] = f"wsapp-bench-{secrets.token_hex(4)}"
    app = start_wsapp(env, options.processes, work / "wsapp.log")
    stack.callback(app.stop)
    proxy = start_nginx(app.urls, work / "nginx")
    stack.callback(proxy.stop)
    description = f"{options.processes} gunicorn gevent processes, PostgreSQL, Redis, nginx"
    return Deployment(proxy.urls[0], app, description), env


def deploy_baseline(
    options: argparse.Namespace,
    env: dict,
    html_bytes: int,
    stack: ExitStack,
    work: Path,
    scenario: str,
) -> Deployment:
    """The baseline server, bare or (``saved``) saving each change in wsapp's database."""
    env = {
        **env,
        "WSAPP_BASELINE_BYTES": str(html_bytes),
        "WSAPP_BASELINE_SAVE": "1" if scenario == "saved" else "0",
    }
    processes = 1 if options.embedded else options.processes
    argv = [sys.executable, "-m", "benchmarks.baseline_server", "--workers", str(processes)]
    app = start_wsapp(env, processes, work / f"{scenario}.log", argv=argv)
    stack.callback(app.stop)
    if options.embedded:
        return Deployment(app.urls[0], app, scenario)
    proxy = start_nginx(app.urls, work / f"nginx-{scenario}")
    stack.callback(proxy.stop)
    return Deployment(proxy.urls[0], app, scenario)


async def open_rooms(target: Target, count: int, people: int) -> list[RoomLoad]:
    rooms = []
    for _ in range(count):
        rooms.append(await target.open_room(people))
    return rooms


def cpu_probe_ms() -> float:
    """How fast this machine runs Python at the moment: the median of five timings of one
    fixed loop, taken while the servers are idle. Shared machines change speed from minute
    to minute; this says how fast the one under a row of the table was."""
    timings = []
    for _ in range(5):
        started = time.perf_counter()
        sum(n * n for n in range(300_000))
        timings.append((time.perf_counter() - started) * 1000)
    return sorted(timings)[2]


async def load(
    target: Target,
    deployment: Deployment,
    rooms: list[RoomLoad],
    scenario: str,
    interval: float,
    seconds: float,
    label: str,
    participants_only: bool = False,
    watch: EventWatch | None = None,
) -> Result:
    """One window of a load. With ``watch``, the rooms are in its event for the window."""
    clients = [client for room in rooms for client in room.clients]
    errors = await connect_all([c for c in clients if c.sio is None], deployment.base)
    await asyncio.gather(*(target.prepare(room) for room in rooms))
    if watch is not None:
        await attach_all(rooms, watch, attached=True)
    await asyncio.sleep(2)
    probe_before = cpu_probe_ms()
    cpu_before = cpu_seconds(deployment.app)
    log(f"{scenario}: {len(clients)} clients connected and ready; measuring for {seconds:g} s")
    result = await drive(
        target, rooms, interval, seconds, scenario, label, participants_only, watch
    )
    result.errors += errors
    await asyncio.sleep(2)  # the last pushes land and the servers go idle again
    probe_after = cpu_probe_ms()
    result.probe_ms = (min(probe_before, probe_after), max(probe_before, probe_after))
    result.server_cpu_ms = (
        (cpu_seconds(deployment.app) - cpu_before) * 1000 / max(1, result.changes)
    )
    result.rss_mb = rss_mb(deployment.app)
    if watch is not None:
        await attach_all(rooms, watch, attached=False)
    return result


async def run(options: argparse.Namespace) -> None:
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    results: list[Result] = []
    with ExitStack() as stack:
        work = Path(options.work or stack.enter_context(tempfile.TemporaryDirectory()))
        work.mkdir(parents=True, exist_ok=True)
        deployment, env = deploy(options, stack, work)
        log(f"wsapp: {deployment.description} at {deployment.base}")
        weights = {} if options.no_weight else await page_weights(options, deployment, work)
        if options.weight_only:
            print(weight_report(weights))
            return
        ours = Wsapp(deployment.base, options.phase)
        only = options.phase is not None  # facilitators idle, here and in the baselines

        idle_rss = rss_mb(deployment.app)
        rooms = await open_rooms(ours, options.rooms, options.people)
        log(f"steady: {options.rooms} x {options.people}, a change every {options.interval} s")
        mix = f"only {PHASE_ACTION[options.phase]}, facilitators idle" if only else MIX
        label = (
            f"steady: {options.rooms} rooms \N{MULTIPLICATION SIGN} {options.people}, 1 change / "
            f"{options.interval:g} s each ({mix})"
        )
        # The steady load and the baselines take turns in short windows, so a machine that
        # changes speed (see the probe) slows all three alike and their ratios hold.
        window = options.seconds / options.rounds
        steady_windows = [
            await load(ours, deployment, rooms, "steady", options.interval, window, label, only)
        ]
        size = round(steady_windows[0].mean_html)  # the baselines send as much HTML as ours
        baselines = (
            []
            if options.no_baseline
            else [
                ("baseline", f"baseline (bare broadcast of {size} characters), as steady"),
                ("saved", "baseline saving each change first (version bump + insert), as steady"),
            ]
        )
        rivals = []
        for scenario, rival_label in baselines:
            base = deploy_baseline(options, env, size, stack, work, scenario)
            target = Baseline(base.base)
            log(f"{scenario}: {rival_label}")
            rival_rooms = await open_rooms(target, options.rooms, options.people)
            rivals.append((scenario, rival_label, target, base, rival_rooms))
        rival_windows: dict[str, list[Result]] = {scenario: [] for scenario, _ in baselines}
        event_windows: list[Result] = []
        watch = await open_event(deployment.base) if options.event else None
        if watch is not None:
            await watch.connect(deployment.base)
        event_label = (
            f"event: as steady, the {options.rooms} rooms in one event whose page watches them"
        )
        for turn in range(options.rounds):
            if turn:
                steady_windows.append(
                    await load(
                        ours, deployment, rooms, "steady", options.interval, window, label, only
                    )
                )
            if watch is not None:
                event_windows.append(
                    await load(
                        ours,
                        deployment,
                        rooms,
                        "event",
                        options.interval,
                        window,
                        event_label,
                        only,
                        watch=watch,
                    )
                )
            for scenario, rival_label, target, base, rival_rooms in rivals:
                rival_windows[scenario].append(
                    await load(
                        target,
                        base,
                        rival_rooms,
                        scenario,
                        options.interval,
                        window,
                        rival_label,
                        only,
                    )
                )
        for _scenario, _label, _target, base, rival_rooms in rivals:
            await disconnect_all(rival_rooms)
            base.app.stop()  # the reconnect and the crowd have the cores to themselves
        cpu_by_window = cpu_ratios(steady_windows, rival_windows)
        steady = merged(steady_windows)
        steady.rss_per_participant_kb = (steady.rss_mb - idle_rss) * 1024 / steady.participants
        results.append(steady)
        if event_windows:
            results.append(merged(event_windows))
        if watch is not None and watch.sio is not None:
            await watch.sio.disconnect()

        if not options.no_reconnect:
            log("reconnect: every client of the steady rooms at once")
            results.append(await reconnect_storm(rooms, deployment.base))

        if options.crowd:
            extra = max(0, options.crowd - steady.participants)
            more = await open_rooms(ours, -(-extra // options.crowd_people), options.crowd_people)
            crowd_rooms = rooms + more
            total = sum(len(room.participants) for room in crowd_rooms)
            log(f"crowd: {total} participants, a change every {options.crowd_interval} s each")
            label = (
                f"crowd: {total:,} connected ({len(more)} more rooms of {options.crowd_people}), "
                f"1 change / {options.crowd_interval:g} s each ({MIX})"
            )
            crowd = await load(
                ours,
                deployment,
                crowd_rooms,
                "crowd",
                options.crowd_interval,
                options.seconds,
                label,
            )
            crowd.rss_per_participant_kb = (crowd.rss_mb - idle_rss) * 1024 / crowd.participants
            results.append(crowd)
        await disconnect_all(rooms + (more if options.crowd else []))
        results.extend(merged(rival_windows[scenario]) for scenario, _ in baselines)
        steady_clients = [client for room in rooms for client in room.clients]
        report(options, deployment, results, weights, ours, steady_clients, cpu_by_window)


def cpu_ratios(ours: list[Result], rivals: dict[str, list[Result]]) -> str:
    """Server CPU per change of each turn, ours next to the baselines' turns right after it
    (the machine at about one speed), and their ratios: over the whole run, and per turn."""
    if not rivals or not all(len(windows) == len(ours) for windows in rivals.values()):
        return ""
    turns = []
    for n, window in enumerate(ours):
        cells = [f"ours {window.server_cpu_ms:.2f} ms"]
        for scenario, windows in rivals.items():
            theirs = windows[n].server_cpu_ms or float("nan")
            cells.append(
                f"{scenario} {theirs:.2f} ms ({(window.server_cpu_ms or 0) / theirs:.2f}x)"
            )
        turns.append(f"turn {n + 1}: " + ", ".join(cells))
    return "Server CPU per change, ours against each baseline: " + "; ".join(turns) + "."


def report(
    options: argparse.Namespace,
    deployment: Deployment,
    results: list[Result],
    weights: dict[str, tuple[Load, Load]],
    ours: Wsapp,
    clients: list[Client],
    cpu_by_window: str = "",
) -> None:
    lines = [
        f"Deployment: {deployment.description}; {os.cpu_count()} cores; clients over loopback.",
        "",
        "| scenario | participants | p50 ms | p95 ms | p99 ms | max ms | changes/s | errors "
        "| lost | reordered | resyncs | server CPU ms/change | server RSS MB "
        "| RSS/participant KB | CPU probe ms fastest/slowest |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        rate = r.changes / r.seconds if r.changes else 0.0
        rss = f"{r.rss_mb:.0f}" if r.rss_mb is not None else ""
        per = f"{r.rss_per_participant_kb:.0f}" if r.rss_per_participant_kb is not None else ""
        cpu = f"{r.server_cpu_ms:.1f}" if r.server_cpu_ms is not None else ""
        rate_cell = f"{rate:.1f}" if r.changes else ""
        probe = "/".join(f"{ms:.0f}" for ms in r.probe_ms) if r.probe_ms else ""
        lines.append(
            f"| {r.label or r.scenario} | {r.participants:,} | {r.percentile(50):,.1f} "
            f"| {r.percentile(95):,.1f} | {r.percentile(99):,.1f} "
            f"| {max(r.latencies_ms, default=float('nan')):,.1f} | {rate_cell} | {r.errors} "
            f"| {r.lost} | {r.reordered} | {r.gaps} | {cpu} | {rss} | {per} | {probe} |"
        )
    lines.append("")
    for r in results:
        if r.mix:
            total = sum(r.mix.values())
            counted = ", ".join(f"{name} {n} ({n / total:.0%})" for name, n in r.mix.most_common())
            lines.append(f"Changes saved in {r.scenario}: {counted}.")
    for r in results:
        if len(r.by_action) > 1:
            lines.append(f"By action in {r.scenario} (ms, and HTML characters per participant):")
            for name, latencies in sorted(r.by_action.items()):
                sizes = r.html_by_action[name]
                lines.append(
                    f"  {name}: p50 {r.percentile(50, latencies):.1f}, "
                    f"p95 {r.percentile(95, latencies):.1f}, "
                    f"p99 {r.percentile(99, latencies):.1f}; "
                    f"{sum(sizes) / max(1, len(sizes)):,.0f} characters"
                )
    lines.append(
        f"Plan cells left with a conflict (two edits that could not merge): {len(ours.conflicts)}."
    )
    for r in results:
        if r.watch_ms or r.watch_missed:
            lines.append(
                f"Event page watching the rooms in {r.scenario}: a room's rows reached it "
                f"p50 {r.percentile(50, r.watch_ms):.1f} ms, "
                f"p95 {r.percentile(95, r.watch_ms):.1f}, "
                f"p99 {r.percentile(99, r.watch_ms):.1f} after the change was sent "
                f"({len(r.watch_ms)} dots and phase moves; {r.watch_missed} never arrived); "
                f"{r.watch_summaries / max(r.seconds, 1):.1f} summaries/s; "
                f"{r.watch_chars / max(r.seconds, 1) / 1024:.1f} KB/s of HTML."
            )
    by_name = {r.scenario: r for r in results}

    def ratios(measured: Result, base: Result) -> str:
        return ", ".join(
            f"p{q} {measured.percentile(q) / base.percentile(q):.2f}x" for q in (50, 95, 99)
        )

    if "event" in by_name:
        lines.append(
            f"Rooms with an event page watching vs without: "
            f"{ratios(by_name['event'], by_name['steady'])}."
        )
    if "baseline" in by_name:
        steady, base = by_name["steady"], by_name["baseline"]
        lines.append(
            f"Steady vs bare broadcast baseline: {ratios(steady, base)} (HTML per participant "
            f"per change: ours {steady.mean_html:.0f} characters, the baseline's "
            f"{base.mean_html:.0f})."
        )
        if "saved" in by_name:
            saved = by_name["saved"]
            lines.append(
                f"Saving first vs bare broadcast: {ratios(saved, base)}; "
                f"steady vs saving first: {ratios(steady, saved)}."
            )
        if cpu_by_window:
            lines.append(cpu_by_window)
    lines.append(weight_report(weights))
    lines.append(
        f"permessage-deflate negotiated by {sum(c.deflate for c in clients)} of "
        f"{len(clients)} steady clients' websockets."
    )
    for r in results:
        if r.note:
            lines.append(f"{r.scenario}: {r.note}.")
    lines.append(f"Command: {' '.join(['.venv/bin/python -m benchmarks.bench', *sys.argv[1:]])}")
    text = "\n".join(lines)
    print(text)
    if options.out:
        Path(options.out).write_text(text + "\n")


def weight_report(weights: dict[str, tuple[Load, Load]]) -> str:
    return "\n".join(
        f"Phone, participant page, in Chromium, as transferred ({name}): first load "
        f"{first.kb:.1f} KB in {first.requests} requests; a later load {later.kb:.1f} KB in "
        f"{later.requests} request(s)."
        for name, (first, later) in weights.items()
    )


def main() -> None:
    parser = argparse.ArgumentParser(description="wsapp's benchmark (see the module docstring)")
    parser.add_argument("--embedded", action="store_true", help="one process on SQLite")
    parser.add_argument("--processes", type=int, default=2, help="gunicorn processes")
    parser.add_argument("--rooms", type=int, default=10)
    parser.add_argument("--people", type=int, default=30, help="participants per room")
    parser.add_argument("--interval", type=float, default=5.0, help="mean s between changes")
    parser.add_argument(
        "--seconds", type=float, default=60.0, help="length of each load (all its windows)"
    )
    parser.add_argument("--crowd", type=int, default=1000, help="participants (0: skip)")
    parser.add_argument("--crowd-people", type=int, default=50, help="per added room")
    parser.add_argument("--crowd-interval", type=float, default=30.0)
    parser.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="windows the steady load and the baselines take in turns (each seconds / rounds)",
    )
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument(
        "--event",
        action="store_true",
        help="also run the steady load with its rooms in an event whose page watches them",
    )
    parser.add_argument(
        "--phase",
        choices=WORK,
        help="every room in this working phase (one kind of change: dots, notes or typing), "
        "facilitators idle here and in the baselines: the server CPU per change of that kind",
    )
    parser.add_argument(
        "--weight-only", action="store_true", help="measure a phone's page weight, then stop"
    )
    parser.add_argument("--no-weight", action="store_true", help="skip the page weight")
    parser.add_argument("--no-reconnect", action="store_true", help="skip the reconnect storm")
    parser.add_argument("--out", help="also write the report to this file")
    parser.add_argument("--work", help="keep the servers' logs in this folder")
    options = parser.parse_args()
    os.chdir(ROOT)
    assert Path(wsapp_command()).exists(), "install wsapp first: pip install -e '.[bench]'"
    asyncio.run(run(options))


if __name__ == "__main__":
    main()
