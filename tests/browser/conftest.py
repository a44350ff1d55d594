"""A real server (``wsapp serve``: gunicorn with a gevent worker on a temporary SQLite
database) and real Chromium pages, one browser context per person."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

pytestmark = pytest.mark.browser

# The live server's secret key: a room filled in this process derives the same projector
# link as the server does.
LIVE_SECRET_KEY = "browser-tests-only"

SIZES = {
    "phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True},
    "laptop": {"viewport": {"width": 1366, "height": 768}},
    "projector": {"viewport": {"width": 1920, "height": 1080}},
}


# How long an expectation waits for the page to come round: a deadline, not a measure. On a
# loaded two-core machine three phones' simultaneous taps have taken over Playwright's default
# 5 s to come back, and a passing screen only returns sooner.
expect.set_options(timeout=15_000)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    return {
        **browser_type_launch_args,
        "executable_path": os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"),
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
        ],
    }


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="session")
def live_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("live")


@pytest.fixture(scope="session")
def live_database_url(live_folder: Path) -> str:
    """The live server's database, for tests that fill a room through the app's own
    actions in this process (tests/browser/crowd.py) before looking at it in Chromium."""
    return f"sqlite:///{live_folder / 'wsapp.sqlite'}"


@pytest.fixture(scope="session")
def live_server(live_folder: Path, live_database_url: str) -> Iterator[str]:
    """Base URL of ``python -m wsapp serve``, the README's way of running the app."""
    folder = live_folder
    port = _free_port()
    env = {
        **os.environ,
        "WSAPP_DATABASE_URL": live_database_url,
        "WSAPP_SECRET_KEY": LIVE_SECRET_KEY,
        "WSAPP_JOIN_ATTEMPTS_PER_MINUTE": "1000",
        "WSAPP_CONNECTS_PER_MINUTE": "10000",
        # Short, so a phone that goes away is shown gone well within expect()'s wait.
        "WSAPP_PRESENCE_GRACE": "0.5",
        # Two phones a room are enough for an event's roll-up to show the room's numbers.
        "WSAPP_EVENT_MIN_DOTTERS": "2",
    }
    log = (folder / "server.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "wsapp", "serve", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=Path(__file__).resolve().parents[2],
    )
    base_url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(base_url + "/", timeout=1).close()
            break
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                raise RuntimeError(
                    "the server did not start:\n" + (folder / "server.log").read_text()
                ) from None
            time.sleep(0.2)
    yield base_url
    server.terminate()
    try:
        server.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.kill()
    log.close()


@pytest.fixture
def person(browser: Browser) -> Iterator[Callable[..., Page]]:
    """``person("phone")``: a new page in its own browser context, so its own cookies."""
    contexts: list[BrowserContext] = []

    def new_person(size: str = "phone") -> Page:
        context = browser.new_context(**SIZES[size])
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield new_person
    for context in contexts:
        context.close()


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    """Where this test keeps screenshots and PDFs: its own folder, or ``$WSAPP_SHOTS`` when
    it is set, to look at them afterwards."""
    return Path(os.environ["WSAPP_SHOTS"]) if os.environ.get("WSAPP_SHOTS") else tmp_path


@pytest.fixture
def shoot(shots: Path) -> Callable[..., Path]:
    """``shoot(page, "plan-phone")``: a screenshot into ``shots``."""
    folder = shots

    def take(page: Page, name: str, *, full_page: bool = True) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{name}.png"
        page.screenshot(path=path, full_page=full_page)
        return path

    return take
