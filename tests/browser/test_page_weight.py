"""What a phone downloads for its room page on the embedded default (``wsapp serve``),
measured in Chromium: the bytes as transferred, from its DevTools Network events."""

from __future__ import annotations

from playwright.sync_api import Browser

from benchmarks.page_weight import participant_loads

from .helpers import open_room

READINESS = "Readiness protocol and action plan"


def test_a_phone_loads_its_room_page_in_60_kb_then_in_one_small_request(
    live_server: str, person, browser: Browser
):
    code = open_room(person("laptop"), live_server, READINESS)
    first, later = participant_loads(browser, live_server, code)

    assert first.kb <= 60, first.transferred
    assert later.requests == 1, later.transferred  # only the page: every asset is cached
    assert later.kb <= 10, later.transferred
