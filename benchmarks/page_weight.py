"""A phone's page weight as Chromium sees it: the requests a load of a participant's page
sends to the server and the bytes they transfer (headers and body as they travel,
compressed or not), read from the DevTools protocol's Network events. A file Chromium
takes from its cache without asking counts nothing; a revalidation (304) counts as a
request. Socket.IO's own traffic (``/socket.io/``) is left out: it is the live room, not
the page.

Used by benchmarks/bench.py (``--weight-only`` measures just this) and
tests/browser/test_page_weight.py.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from typing import Any

from playwright.sync_api import Browser, Page, Playwright


def launch_chromium(playwright: Playwright) -> Browser:
    """Debian's Chromium (never a downloaded one), headless."""
    return playwright.chromium.launch(
        executable_path=os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"),
        args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
    )


# Playwright's description of a phone: the size the README's screenshots use.
PHONE: dict[str, Any] = {
    "viewport": {"width": 390, "height": 844},
    "is_mobile": True,
    "has_touch": True,
}
LIVE = 'body[data-live="connected"]'  # the page's socket has joined its room
RETURN_AFTER_MS = 1100
WAIT_SECONDS = 15  # a guard against hanging, never a performance assertion


@dataclass
class Load:
    """One load of a page: each request that reached the server, and its bytes."""

    transferred: dict[str, int] = field(default_factory=dict)  # URL -> bytes on the wire

    @property
    def requests(self) -> int:
        return len(self.transferred)

    @property
    def kb(self) -> float:
        return sum(self.transferred.values()) / 1024


class NetworkMeter:
    """Counts what one page's loads transfer, through a DevTools session on the page."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self._urls: dict[str, str] = {}
        self._pending: set[str] = set()
        self._load = Load()
        devtools = page.context.new_cdp_session(page)
        devtools.on("Network.requestWillBeSent", self._sent)
        devtools.on("Network.loadingFinished", self._finished)
        devtools.on("Network.loadingFailed", self._failed)
        devtools.send("Network.enable")

    def _sent(self, event: dict[str, Any]) -> None:
        url = event["request"]["url"]
        if "/socket.io/" not in url:
            self._urls[event["requestId"]] = url
            self._pending.add(event["requestId"])

    def _finished(self, event: dict[str, Any]) -> None:
        url = self._urls.get(event["requestId"])
        self._pending.discard(event["requestId"])
        if url is not None and event["encodedDataLength"] > 0:  # 0: from the cache
            self._load.transferred[url] = int(event["encodedDataLength"])

    def _failed(self, event: dict[str, Any]) -> None:
        self._pending.discard(event["requestId"])

    def load(self, url: str) -> Load:
        """Go to ``url``, wait until its socket is live and nothing is left in flight."""
        self._load = Load()
        self.page.goto(url)
        self.page.wait_for_selector(LIVE)
        deadline = time.monotonic() + WAIT_SECONDS
        while self._pending and time.monotonic() < deadline:
            self.page.wait_for_timeout(20)  # lets Playwright deliver the events
        assert not self._pending, f"still loading: {[self._urls[r] for r in self._pending]}"
        return self._load


def participant_loads(browser: Browser, base: str, code: str) -> tuple[Load, Load]:
    """A phone joins room ``code``, then loads its page with an empty cache (the first
    load) and again (a later load, as when the phone comes back to the room)."""
    joining = browser.new_context(**PHONE)
    page = joining.new_page()
    page.goto(f"{base}/r/{code}/join")
    page.get_by_label("Your name").fill("Phone")
    page.get_by_role("button", name="Join the room").click()
    page.wait_for_selector(LIVE)
    cookies = joining.storage_state()
    joining.close()

    phone = browser.new_context(**PHONE, storage_state=cookies)
    try:
        page = phone.new_page()
        first = NetworkMeter(page).load(f"{base}/r/{code}")
        # The phone comes back later, in a new tab: nothing is left in the old page's
        # memory, only in the browser's HTTP cache. A session cookie re-signed on every
        # request differs once a second has passed (its signature holds the time in
        # seconds), and a cached file that varies on it must then be asked for again.
        page.wait_for_timeout(RETURN_AFTER_MS)
        page.close()
        return first, NetworkMeter(phone.new_page()).load(f"{base}/r/{code}")
    finally:
        phone.close()
