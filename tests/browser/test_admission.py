"""Newcomers wait at the door until the facilitator lets them in, in real Chromium."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from .helpers import open_room, wait_live

READINESS = "Readiness protocol and action plan"
WAITING = "Waiting for the facilitator to let you in"


def ask_to_join(page: Page, base_url: str, code: str, name: str) -> None:
    page.goto(f"{base_url}/r/{code}/join")
    page.get_by_label("Your name").fill(name)
    page.get_by_role("button", name="Ask to join").click()
    expect(page.get_by_role("status").filter(has_text=WAITING)).to_be_visible()
    wait_live(page)


def test_a_newcomer_waits_and_moves_on_live_when_let_in_or_refused(live_server, person):
    lead = person("laptop")
    code = open_room(lead, live_server, READINESS, room_name="Cedar USD team")
    lead.get_by_role("button", name="Make newcomers wait to be let in").click()
    expect(lead.get_by_role("button", name="Let newcomers straight in")).to_be_visible()

    ben, eve = person("phone"), person("phone")
    ask_to_join(ben, live_server, code, "Ben")
    ask_to_join(eve, live_server, code, "Eve")
    knocks = lead.get_by_role("group", name=re.compile("^Waiting to be let in"))
    expect(knocks).to_contain_text("Waiting to be let in 2")

    lead.get_by_role("button", name="Admit Ben").click()
    expect(ben.get_by_text("You are Ben")).to_be_visible()
    wait_live(ben)
    people = lead.get_by_role("region", name=re.compile("^People"))
    expect(people.get_by_role("button", name="Remove Ben")).to_be_visible()

    lead.get_by_role("button", name="Refuse Eve").click()
    expect(eve.get_by_role("status").filter(has_text="did not let you in")).to_be_visible()
    expect(knocks).to_contain_text("Nobody is waiting")
    expect(people.get_by_role("button", name="Remove Eve")).to_have_count(0)
