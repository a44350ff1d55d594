"""Who comes in: newcomers who wait for the facilitator to let them in, a locked door, and
removed people kept out, by HTTP and by socket."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from wsapp.extensions import db
from wsapp.limits import KNOCKS_MAX
from wsapp.models import Knock, Participant
from wsapp.rooms.domain import LOCKED_DOOR

from .conftest import Member, Workshop, post, unchanged
from .dom import Node, parse
from .test_security import socket_for

WAITING = "Waiting for the facilitator to let you in"


def names_in_room(app: Flask) -> list[str]:
    with app.app_context():
        return list(
            db.session.scalars(
                select(Participant.name)
                .where(Participant.removed_at.is_(None))
                .order_by(Participant.id)
            )
        )


def pushed(socket: Any) -> Node:
    """Everything pushed to a socket since last asked, read as one page."""
    swaps = [m["args"][0]["html"] for m in socket.get_received() if m["name"] == "swap"]
    return parse("".join(swaps))


def knock_button(html: Node, label: str) -> Node:
    button = html.find(lambda n: n.tag == "button" and n.attrs.get("aria-label") == label)
    assert button is not None, f"no button named {label!r}"
    return button


def knock(workshop: Workshop, lead: Member, name: str) -> FlaskClient:
    """A newcomer gives their name at a room whose newcomers wait; they are sent to wait."""
    browser = workshop.app.test_client()
    asked = post(browser, f"/r/{lead.code}/join", {"name": name})
    assert asked.status_code == 302
    assert asked.headers["Location"] == f"/r/{lead.code}/wait"
    return browser


def test_newcomers_wait_until_the_facilitator_lets_them_in(workshop: Workshop, app: Flask):
    lead = workshop.connect(workshop.open_room())
    assert lead.act("room.admission", wait=True)["ok"]
    join_page = parse(app.test_client().get(f"/r/{lead.code}/join").get_data(as_text=True))
    assert join_page.find(lambda n: n.tag == "button" and n.words == "Ask to join")
    lead.swaps()
    ben = knock(workshop, lead, "Ben")

    # Ben waits on a screen that says so, and is not in the room yet: no page, no socket
    # as a participant, no action, not among the people.
    screen = parse(ben.get(f"/r/{lead.code}/wait").get_data(as_text=True))
    assert WAITING in screen.by_id("knock").words
    assert ben.get(f"/r/{lead.code}").headers["Location"] == f"/r/{lead.code}/join"
    assert ben.get(f"/r/{lead.code}/join").headers["Location"] == f"/r/{lead.code}/wait"
    assert not socket_for(app, ben, lead.code, "participant").is_connected()
    assert post(ben, f"/r/{lead.code}/act/participant.rename", {"name": "Eve"}).status_code == 403
    assert names_in_room(app) == []
    waiting = socket_for(app, ben, lead.code, "waiting")
    assert waiting.is_connected()
    assert WAITING in pushed(waiting).by_id("knock").words
    # Its heartbeats keep it open: waiting is not being online in the room.
    assert waiting.emit("heartbeat", callback=True) == {"ok": True}
    assert waiting.is_connected()

    # The facilitator sees the knock live, with buttons named for the person.
    seen = pushed(lead.socket)
    knocks = seen.by_id("people")
    assert knocks is not None and "Waiting to be let in 1" in knocks.words
    assert "Newcomers wait until you let them in: 1 waiting" in seen.by_id("room-status").words
    knock_button(knocks, "Refuse Ben")
    admit = knock_button(knocks, "Admit Ben")
    assert lead.act("knock.admit", knock_id=int(str(admit.attrs["value"])))["ok"]

    # Ben's screen is told at once, and moves on into the room by itself.
    answer = pushed(waiting).by_id("knock")
    assert answer is not None and "let you in" in answer.words
    follow = answer.find(lambda n: n.attrs.get("hx-trigger") == "load")
    assert follow is not None and follow.attrs["hx-get"] == f"/r/{lead.code}/wait"
    moved = ben.get(f"/r/{lead.code}/wait", headers={"HX-Request": "true"})
    assert moved.headers["HX-Redirect"] == f"/r/{lead.code}"
    assert ben.get(f"/r/{lead.code}").status_code == 200
    assert names_in_room(app) == ["Ben"]
    people = pushed(lead.socket).by_id("people")
    assert people is not None and "Ben" in people.words and "Admit Ben" not in str(people)


def test_a_refused_newcomer_is_told_so_and_gets_nothing(workshop: Workshop, app: Flask):
    lead = workshop.connect(workshop.open_room())
    assert lead.act("room.admission", wait=True)["ok"]
    eve = knock(workshop, lead, "Eve")
    waiting = socket_for(app, eve, lead.code, "waiting")
    waiting.get_received()
    with app.app_context():
        knock_id = db.session.scalars(select(Knock.id)).one()
    assert lead.act("knock.refuse", knock_id=knock_id)["ok"]
    assert "did not let you in" in pushed(waiting).by_id("knock").words
    assert "did not let you in" in eve.get(f"/r/{lead.code}/wait").get_data(as_text=True)
    assert eve.get(f"/r/{lead.code}").headers["Location"] == f"/r/{lead.code}/join"
    assert not socket_for(app, eve, lead.code, "participant").is_connected()
    assert names_in_room(app) == []
    # An answered knock cannot be answered again.
    again = lead.act("knock.admit", knock_id=knock_id)
    assert again == {"ok": False, "error": "Nobody is waiting by that name any more."}


def test_only_the_facilitator_answers_knocks(workshop: Workshop, app: Flask):
    lead = workshop.connect(workshop.open_room())
    ana = workshop.connect(workshop.join(lead.code, "Ana"))
    assert lead.act("room.admission", wait=True)["ok"]
    knock(workshop, lead, "Mallory")
    with app.app_context():
        knock_id = db.session.scalars(select(Knock.id)).one()
    with unchanged(app):
        for name in ("knock.admit", "knock.refuse"):
            refused = ana.act(name, knock_id=knock_id)
            assert refused == {"ok": False, "error": "Only the facilitator can do that."}
        assert ana.act("room.admission", wait=False)["ok"] is False


def test_letting_newcomers_straight_in_admits_everyone_waiting(workshop: Workshop, app: Flask):
    lead = workshop.connect(workshop.open_room())
    assert lead.act("room.admission", wait=True)["ok"]
    browsers = [knock(workshop, lead, name) for name in ("Ana", "Ben")]
    assert lead.act("room.admission", wait=False)["ok"]
    assert names_in_room(app) == ["Ana", "Ben"]
    for browser in browsers:
        assert browser.get(f"/r/{lead.code}/join").headers["Location"] == f"/r/{lead.code}"
        assert browser.get(f"/r/{lead.code}").status_code == 200


def test_a_crowd_of_knocks_is_capped(workshop: Workshop, app: Flask):
    lead = workshop.open_room()
    assert lead.post_action("room.admission", wait="true").status_code == 200
    for n in range(KNOCKS_MAX):
        knock(workshop, lead, f"Guest {n}")
    with unchanged(app):
        refused = post(app.test_client(), f"/r/{lead.code}/join", {"name": "One more"})
    assert refused.status_code == 409
    assert "Too many people are already waiting" in refused.get_data(as_text=True)


def test_a_locked_room_lets_nobody_new_in(workshop: Workshop, app: Flask):
    lead = workshop.open_room()
    ana = workshop.join(lead.code, "Ana")
    assert lead.post_action("room.lock", locked="true").status_code == 200
    stranger = app.test_client()
    with unchanged(app):
        for response in (
            stranger.get(f"/r/{lead.code}/join"),
            post(stranger, f"/r/{lead.code}/join", {"name": "Mallory"}),
        ):
            assert response.status_code == 409
            assert LOCKED_DOOR in response.get_data(as_text=True)
    assert ana.client.get(f"/r/{lead.code}").status_code == 200  # those in stay in


def test_a_removed_person_cannot_simply_rejoin(workshop: Workshop, app: Flask):
    """Removed, Mallory's browser stays known as removed from the room: no new join, no
    knock, so nothing added after the removal reaches it."""
    lead = workshop.connect(workshop.open_room())
    mallory = workshop.connect(workshop.join(lead.code, "Mallory"))
    with app.app_context():
        mallory_id = db.session.scalars(select(Participant.id)).one()
    assert lead.act("participant.remove", participant_id=mallory_id)["ok"]
    for wait in (False, True):
        if wait:
            assert lead.act("room.admission", wait=True)["ok"]
        with unchanged(app):
            for response in (
                mallory.client.get(f"/r/{lead.code}/join"),
                post(mallory.client, f"/r/{lead.code}/join", {"name": "Mallory again"}),
            ):
                assert response.status_code == 403
                assert "removed you from this room" in response.get_data(as_text=True)
            assert mallory.client.get(f"/r/{lead.code}").status_code == 302
            assert not socket_for(app, mallory.client, lead.code, "participant").is_connected()
            assert not socket_for(app, mallory.client, lead.code, "waiting").is_connected()
