"""Steps a person takes in the browser, found by role and accessible name."""

from __future__ import annotations

from playwright.sync_api import Page, expect


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
