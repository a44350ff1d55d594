"""Steps a person takes in the browser, found by role and accessible name."""

from __future__ import annotations

import re

from playwright.sync_api import Page, WebSocket, expect


def wait_live(page: Page) -> None:
    """Wait until the page's socket has joined its room (the header says "Live")."""
    expect(page.locator("body")).to_have_attribute("data-live", "connected")


def open_room(page: Page, base_url: str, kit_title: str, room_name: str = "") -> str:
    """Open a room from the kit as its facilitator; return the room code."""
    page.goto(base_url + "/")
    if room_name:
        kit_card = page.get_by_role("listitem").filter(
            has=page.get_by_role("heading", name=kit_title, exact=True)
        )
        kit_card.get_by_label("Room name").fill(room_name)
    page.get_by_role("button", name=f"Open a room for “{kit_title}”").click()
    wait_live(page)
    return str(page.locator("body").get_attribute("data-room-code"))


def join(page: Page, base_url: str, code: str, name: str) -> None:
    """Join with the code, as a participant typing it on their phone."""
    page.goto(base_url + "/join")
    page.get_by_label("Room code").fill(code)
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Your name").fill(name)
    page.get_by_role("button", name="Join the room").click()
    wait_live(page)


def resyncs_sent(page: Page) -> list[str]:
    """Every "resync" (a request for the whole room) this page's socket sends from now on.
    Call it before the page opens its room, so the socket is watched from its start."""
    sent: list[str] = []

    def watch(socket: WebSocket) -> None:
        socket.on(
            "framesent",
            lambda payload: sent.append(str(payload)) if '["resync"' in str(payload) else None,
        )

    page.on("websocket", watch)
    return sent


def leave_the_field(page: Page) -> None:
    """Tap the page's heading, away from any field (as someone looking up from typing)."""
    page.get_by_role("heading", level=1).click()


def go_to_phase(lead: Page, number: int, title: str, *pages: Page) -> None:
    """The facilitator jumps to phase ``number``; wait until every page shows its title."""
    lead.get_by_role("button", name=re.compile(f"Go to phase {number}:")).click()
    for page in (lead, *pages):
        expect(page.get_by_role("heading", level=1, name=title)).to_be_visible()


def projector_of(lead: Page, base_url: str, code: str) -> Page:
    """The room's projector view, 1920 by 1080, in another window of the facilitator's browser."""
    screen = lead.context.new_page()
    screen.set_viewport_size({"width": 1920, "height": 1080})
    screen.goto(f"{base_url}/r/{code}/projector")
    wait_live(screen)
    return screen
