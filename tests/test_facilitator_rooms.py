"""A facilitator's rooms: the list, and open, duplicate, close and delete from it."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import select

from wsapp.extensions import db
from wsapp.identity import LINKS_KEPT, hash_key
from wsapp.models import (
    Dot,
    Facilitator,
    Note,
    Participant,
    PlanColumn,
    PlanRow,
    Poster,
    PosterItem,
    Room,
)

from .conftest import Member, Workshop, post
from .dom import parse


def my_rooms(member: Member) -> dict[str, str]:
    response = member.client.get("/facilitator/rooms")
    assert response.status_code == 200
    cards = parse(response.get_data(as_text=True)).by_class("led-room")
    return {card.find_all("h2")[0].words: card.words for card in cards}


def room(app: Any, code: str) -> Room | None:
    with app.app_context():
        found = db.session.scalars(select(Room).where(Room.code == code)).one_or_none()
        if found is not None:
            db.session.expunge(found)
        return found


def test_the_list_shows_the_rooms_this_browser_leads_open_and_closed(workshop: Workshop, app):
    first = workshop.open_room(kit="readiness-planning", title="Cedar USD")
    workshop.join(first.code, "Ana")
    workshop.join(first.code, "Ben")
    second = Member(first.client, "", "facilitator")
    response = post(first.client, "/rooms", {"kit": "discussion-equity", "title": "Oak team"})
    second.code = re.search(r"/r/([A-Z0-9]+)/lead", response.headers["Location"]).group(1)
    assert post(first.client, f"/facilitator/rooms/{second.code}/close").status_code == 302
    someone_else = workshop.open_room(title="Not mine")

    cards = my_rooms(first)
    assert set(cards) == {"Cedar USD", "Oak team"}
    assert "Readiness protocol and action plan" in cards["Cedar USD"]
    assert "People 2" in cards["Cedar USD"] and "Open" in cards["Cedar USD"]
    assert "Equity discussion" in cards["Oak team"] and "Closed" in cards["Oak team"]
    assert "Not mine" in my_rooms(someone_else)
    # The site header links to the list once the browser leads a room.
    assert b'href="/facilitator/rooms"' in first.client.get("/").data
    assert b'href="/facilitator/rooms"' not in app.test_client().get("/").data


def test_a_stranger_has_no_rooms_and_a_forged_session_key_shows_nothing(workshop, app):
    lead = workshop.open_room(title="Cedar USD")
    stranger = app.test_client()
    assert my_rooms(Member(stranger, "", "facilitator")) == {}
    with stranger.session_transaction() as session:
        session["led"] = {str(room(app, lead.code).id): "guessed-key"}
    assert my_rooms(Member(stranger, "", "facilitator")) == {}


def test_duplicate_makes_a_fresh_room_with_the_same_posters_and_grid(workshop: Workshop, app):
    lead = workshop.open_room(kit="readiness-planning", title="Cedar USD")
    workshop.join(lead.code, "Ana")
    with app.app_context():
        source = db.session.scalars(select(Room).where(Room.code == lead.code)).one()
        ana = db.session.scalars(select(Participant).where(Participant.room_id == source.id)).one()
        poster = db.session.scalars(select(Poster).where(Poster.room_id == source.id)).first()
        poster.title = "Our own poster"
        poster.items[0].text = "Our own item"
        poster.items[1].removed_at = source.created_at
        db.session.add(Dot(item_id=poster.items[0].id, participant_id=ana.id, colour="red"))
        db.session.add_all(
            [
                Note(
                    room_id=source.id,
                    question_key="readiness-planning:where-are-we-now",
                    author_name="Ana",
                    text="A note",
                ),
            ]
        )
        source.dots_named = True
        source.exports_open = True
        db.session.commit()
        source_items = len(poster.items)

    assert lead.post_action("plan.row.add", heading="Budget", detail="Who pays").status_code == 200
    assert lead.post_action("plan.column.add", heading="Next year").status_code == 200
    response = post(lead.client, f"/facilitator/rooms/{lead.code}/duplicate")
    assert response.status_code == 302
    code = re.search(r"/r/([A-Z0-9]+)/lead", response.headers["Location"]).group(1)
    assert code != lead.code
    assert lead.client.get(f"/r/{code}/lead").status_code == 200
    with app.app_context():
        copy = db.session.scalars(select(Room).where(Room.code == code)).one()
        assert copy.title == "Cedar USD (copy)" and copy.kit_id == "readiness-planning"
        assert copy.dots_named and not copy.exports_open and copy.phase_index == 0
        first = db.session.scalars(
            select(Poster).where(Poster.room_id == copy.id).order_by(Poster.position)
        ).first()
        assert first.title == "Our own poster"
        assert first.items[0].text == "Our own item"
        assert len(first.items) == source_items - 1  # the removed item stays behind
        rows = db.session.scalars(
            select(PlanRow.heading).where(PlanRow.room_id == copy.id).order_by(PlanRow.position)
        ).all()
        assert rows[-1] == "Budget"
        columns = db.session.scalars(
            select(PlanColumn.heading).where(PlanColumn.room_id == copy.id)
        ).all()
        assert "Next year" in columns
        item_ids = select(PosterItem.id).join(Poster).where(Poster.room_id == copy.id)
        assert db.session.query(Dot).filter(Dot.item_id.in_(item_ids)).count() == 0
        assert db.session.query(Note).filter_by(room_id=copy.id).count() == 0
        assert db.session.query(Participant).filter_by(room_id=copy.id).count() == 0
    assert "Cedar USD (copy)" in my_rooms(lead)


def test_close_from_the_list_closes_the_room_for_everyone(workshop: Workshop, app):
    lead = workshop.open_room(title="Cedar USD")
    ana = workshop.join(lead.code, "Ana")
    assert post(lead.client, f"/facilitator/rooms/{lead.code}/close").status_code == 302
    assert room(app, lead.code).is_closed
    assert ana.post_action("participant.rename", name="Ana R").status_code == 409


def test_delete_asks_first_then_deletes_everything(workshop: Workshop, app):
    lead = workshop.open_room(title="Cedar USD")
    workshop.join(lead.code, "Ana")
    confirm = lead.client.get(f"/facilitator/rooms/{lead.code}/delete")
    assert confirm.status_code == 200
    assert b"Delete the room for good" in confirm.data
    assert room(app, lead.code) is not None  # asking deletes nothing

    response = post(lead.client, f"/facilitator/rooms/{lead.code}/delete")
    assert response.status_code == 302
    assert room(app, lead.code) is None
    with app.app_context():
        assert db.session.query(Participant).count() == 0
    assert my_rooms(lead) == {}
    assert lead.client.get(f"/r/{lead.code}/lead").status_code == 404


@pytest.mark.parametrize("action", ["delete", "close", "duplicate"])
def test_only_the_facilitator_can_change_a_room_from_the_list(workshop: Workshop, app, action):
    lead = workshop.open_room(title="Cedar USD")
    ana = workshop.join(lead.code, "Ana")
    for someone in (ana.client, app.test_client()):
        assert post(someone, f"/facilitator/rooms/{lead.code}/{action}").status_code == 403
    kept = room(app, lead.code)
    assert kept is not None and not kept.is_closed
    with app.app_context():
        assert db.session.query(Room).count() == 1


def test_deleting_tells_the_people_still_in_the_room(workshop: Workshop):
    lead = workshop.open_room(title="Cedar USD")
    ana = workshop.connect(workshop.join(lead.code, "Ana"))
    post(lead.client, f"/facilitator/rooms/{lead.code}/delete")
    assert not ana.socket.is_connected()
    # get_received() refuses once disconnected; what arrived before is still in its queue.
    removed = [m for m in ana.socket.queue if m["name"] == "removed"]
    assert removed and "deleted" in removed[0]["args"][0]["message"]


# --- Any number of rooms, and the private link to them ---------------------------------------


def session_cookie(member: Member) -> str:
    cookie = member.client.get_cookie("session")
    assert cookie is not None
    return cookie.value


def test_one_browser_leads_150_rooms(workshop: Workshop, app):
    """A cookie holds about 4 KB: once it held every room's key, the 80th room's
    facilitator landed on "Forbidden". Now it holds one identity; the rooms are kept on
    the server."""
    lead = workshop.open_room(title="Room 1")
    codes = [lead.code]
    for n in range(2, 151):
        response = post(lead.client, "/rooms", {"kit": "readiness-planning", "title": f"Room {n}"})
        assert response.status_code == 302, n
        codes.append(response.headers["Location"].split("/")[2])
    assert len(session_cookie(lead)) < 1024
    for code in (codes[0], codes[79], codes[-1]):
        assert lead.client.get(f"/r/{code}/lead").status_code == 200, code
        assert lead.client.get(f"/r/{code}/projector").status_code == 200, code
    listed = my_rooms(lead)
    assert len(listed) == 150 and "Room 150" in listed and "Room 1" in listed


def rooms_link(member: Member) -> str:
    """Make the private link to this browser's rooms; the key is after the #."""
    page = post(member.client, "/facilitator/rooms/link")
    assert page.status_code == 200 and "no-store" in page.headers["Cache-Control"]
    link = parse(page.get_data(as_text=True)).by_id("my-rooms-link")
    assert link is not None
    url = str(link.attrs["value"])
    assert url.startswith("http://localhost/facilitator/rooms/open#")
    return url.split("#", 1)[1]


def test_my_rooms_open_on_another_browser_through_the_private_link(workshop: Workshop, app):
    lead = workshop.open_room(title="Cedar USD")
    second = post(lead.client, "/rooms", {"kit": "readiness-planning", "title": "Birch USD"})
    assert second.status_code == 302
    key = rooms_link(lead)
    with app.app_context():
        kept = db.session.scalars(select(Facilitator.link_hash)).one()
    assert kept == hash_key(key) and key not in kept  # stored only as a hash

    laptop = Member(app.test_client(), lead.code, "facilitator")
    assert laptop.client.get(f"/r/{lead.code}/lead").status_code == 403
    opened = post(laptop.client, "/facilitator/rooms/open", {"key": key})
    assert opened.status_code == 302 and opened.headers["Location"] == "/facilitator/rooms"
    assert set(my_rooms(laptop)) == {"Cedar USD", "Birch USD"}
    assert laptop.client.get(f"/r/{lead.code}/lead").status_code == 200
    # A room opened later on either browser shows on both: they are one facilitator.
    post(laptop.client, "/rooms", {"kit": "readiness-planning", "title": "Aspen USD"})
    assert set(my_rooms(lead)) == {"Cedar USD", "Birch USD", "Aspen USD"}


def test_a_new_link_stops_the_old_one_and_signs_out_who_opened_it(workshop: Workshop, app):
    lead = workshop.open_room(title="Cedar USD")
    old_key = rooms_link(lead)
    thief = Member(app.test_client(), lead.code, "facilitator")
    assert post(thief.client, "/facilitator/rooms/open", {"key": old_key}).status_code == 302
    assert set(my_rooms(thief)) == {"Cedar USD"}

    new_key = rooms_link(lead)
    assert set(my_rooms(lead)) == {"Cedar USD"}  # this browser keeps its rooms
    assert my_rooms(thief) == {}
    assert thief.client.get(f"/r/{lead.code}/lead").status_code == 403
    refused = post(app.test_client(), "/facilitator/rooms/open", {"key": old_key})
    assert refused.status_code == 403
    assert "does not work" in refused.get_data(as_text=True)

    assert post(lead.client, "/facilitator/rooms/link", {"revoke": "1"}).status_code == 302
    assert post(app.test_client(), "/facilitator/rooms/open", {"key": new_key}).status_code == 403
    assert set(my_rooms(lead)) == {"Cedar USD"}


def test_opening_the_link_where_other_rooms_are_led_keeps_them_all(workshop: Workshop, app):
    home = workshop.open_room(title="Cedar USD")
    school = workshop.open_room(title="Birch USD")
    assert post(school.client, "/facilitator/rooms/open", {"key": rooms_link(home)}).status_code
    assert set(my_rooms(school)) == {"Cedar USD", "Birch USD"}
    assert set(my_rooms(home)) == {"Cedar USD", "Birch USD"}


def test_wrong_rooms_link_keys_run_out(workshop: Workshop, app):
    app.config["JOIN_ATTEMPTS_PER_MINUTE"] = 3
    lead = workshop.open_room()
    key = rooms_link(lead)
    thief = app.test_client()
    for n in range(3):
        assert post(thief, "/facilitator/rooms/open", {"key": f"guess-{n}"}).status_code == 403
    assert post(thief, "/facilitator/rooms/open", {"key": key}).status_code == 429


def test_a_browser_from_before_keeps_its_rooms(workshop: Workshop, app):
    """A cookie made before rooms were kept on the server carries their keys: the first
    request moves them to the server, and the browser still leads every one."""
    lead = workshop.open_room(title="Cedar USD")
    with lead.client.session_transaction() as session:
        key = next(iter(session["keys"].values()))
    old = app.test_client()
    with old.session_transaction() as session:
        session["led"] = {str(room(app, lead.code).id): key}
    assert set(my_rooms(Member(old, lead.code, "facilitator"))) == {"Cedar USD"}
    with old.session_transaction() as session:
        assert "led" not in session
    assert old.get(f"/r/{lead.code}/lead").status_code == 200


def test_an_older_rooms_private_link_can_be_made_anew(workshop: Workshop, app):
    """The cookie keeps only the last rooms' keys; for an older room the facilitator makes a
    new private link, and the old one stops working."""
    lead = workshop.open_room(title="Oldest")
    with lead.client.session_transaction() as session:
        old_key = next(iter(session["keys"].values()))
    for n in range(LINKS_KEPT):
        post(lead.client, "/rooms", {"kit": "readiness-planning", "title": f"Room {n}"})
    page = parse(lead.client.get(f"/r/{lead.code}/lead").get_data(as_text=True))
    assert page.by_id("facilitator-link") is None
    assert page.find(lambda n: n.tag == "button" and n.words == "Make a new private link")
    made = post(lead.client, f"/r/{lead.code}/lead/link")
    assert made.headers["Location"] == f"/r/{lead.code}/lead#private-link"
    page = parse(lead.client.get(f"/r/{lead.code}/lead").get_data(as_text=True))
    link = str(page.by_id("facilitator-link").attrs["value"])
    new_key = link.split("#", 1)[1]
    assert new_key != old_key
    assert post(app.test_client(), f"/claim/{lead.code}", {"key": old_key}).status_code == 403
    assert post(app.test_client(), f"/claim/{lead.code}", {"key": new_key}).status_code == 302
    stranger = app.test_client()
    assert post(stranger, f"/r/{lead.code}/lead/link").status_code == 403
