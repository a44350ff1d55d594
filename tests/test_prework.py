"""Pre-work: the room opened before the meeting, each person's answer and dots hidden from
everyone else until the facilitator opens the meeting, which starts already tallied."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from wsapp import create_app
from wsapp.extensions import db
from wsapp.models import Room, utcnow

from .conftest import EACH_DATABASE, TEST_CONFIG, Member, Workshop, database_for
from .dom import Node, parse
from .test_posters import item_ids, room_tally

ANSWER = "Every school plans its own PL by spring."


@pytest.fixture(params=EACH_DATABASE)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Pre-work outlives the server's process on SQLite and on PostgreSQL alike."""
    return database_for(request.param, request, tmp_path)


def page_of(member: Member) -> Node:
    prefix = "/lead" if member.view == "facilitator" else ""
    response = member.client.get(f"/r/{member.code}{prefix}")
    assert response.status_code == 200
    return parse(response.get_data(as_text=True))


def moved_to(client: FlaskClient, new: FlaskClient) -> FlaskClient:
    """The same browser (its signed session cookie) talking to another server process."""
    with client.session_transaction() as old_session:
        kept = dict(old_session)
    with new.session_transaction() as new_session:
        new_session.update(kept)
    return new


def prework_count(lead: Member) -> str:
    progress = page_of(lead).by_id("prework-progress")
    assert progress is not None
    return progress.words


def test_prework_stays_hidden_across_a_restart_and_the_meeting_starts_tallied(
    app, workshop: Workshop
) -> None:
    lead = workshop.connect(workshop.open_room())
    assert lead.act("prework.open", days=3)["ok"]
    ana = workshop.connect(workshop.join(lead.code, "Ana"))
    ben = workshop.connect(workshop.join(lead.code, "Ben"))
    workshop.join(lead.code, "Cleo")  # joins, does nothing yet
    items = item_ids(workshop, lead.code)

    page = page_of(ana)
    assert page.by_id("phase-title").words == "Pre-work before the meeting"
    assert page.by_id("quiet-text") is not None
    assert ana.act("quiet.save", text=ANSWER)["ok"]
    assert ana.act("dot.place", item_id=items["A1"], colour="green")["ok"]
    assert ben.act("dot.place", item_id=items["A1"], colour="red")["ok"]

    # Nobody sees anyone else's work: no tally reaches Ana, her page shows her dot alone.
    assert not parse("".join(s["html"] for s in ana.swaps())).ids("tally-")
    mine = page_of(ana).by_id(f"my-dots-{items['A1']}")
    pressed = [b.words for b in mine.find_all("button", aria_pressed="true")]
    assert len(pressed) == 1 and "Strength" in pressed[0]
    assert ANSWER not in page_of(ben).words
    # The facilitator sees how many, not who, and no one's words.
    assert prework_count(lead) == "2 of 3 people have done some pre-work."
    assert ANSWER not in page_of(lead).words

    # The server restarts: a new process on the same database; the browsers keep their cookies.
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    with app.app_context():
        db.engine.dispose()
    restarted = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": uri})
    again = Workshop(restarted)
    lead = Member(moved_to(lead.client, restarted.test_client()), lead.code, "facilitator")
    ana = Member(moved_to(ana.client, restarted.test_client()), ana.code, "participant")
    assert prework_count(lead) == "2 of 3 people have done some pre-work."
    page = page_of(ana)
    assert page.by_id("phase-title").words == "Pre-work before the meeting"
    assert ANSWER in page.by_id("quiet-text").text
    mine = page.by_id(f"my-dots-{items['A1']}")
    assert [
        b.attrs["aria-pressed"] for b in mine.find_all("button") if b.attrs.get("aria-pressed")
    ] == ["true", "false", "false"]

    # The facilitator opens the meeting: it starts already tallied.
    again.connect(lead)
    again.connect(ana)
    assert lead.act("prework.end")["ok"]
    assert not again.room(lead.code).prework_open
    assert room_tally(again, lead.code)["A1"] == {"green": 1, "yellow": 0, "red": 1}
    assert page_of(ana).by_id("phase-title").words != "Pre-work before the meeting"
    with restarted.app_context():
        db.engine.dispose()


def test_the_deadline_stops_participants_but_not_the_facilitator(workshop: Workshop) -> None:
    lead = workshop.connect(workshop.open_room())
    assert lead.act("prework.open", days=1)["ok"]
    ana = workshop.connect(workshop.join(lead.code, "Ana"))
    items = item_ids(workshop, lead.code)
    assert ana.act("dot.place", item_id=items["A1"], colour="green")["ok"]
    with workshop.app.app_context():
        room = db.session.query(Room).filter_by(code=lead.code).one()
        room.prework_until = utcnow() - timedelta(minutes=1)  # the deadline has passed
        db.session.commit()
    refused = ana.act("dot.place", item_id=items["A2"], colour="red")
    assert not refused["ok"] and "pre-work closed" in refused["error"]
    assert not ana.act("quiet.save", text="late")["ok"]
    assert "closed" in page_of(ana).by_id("phase").words
    assert room_tally(workshop, lead.code)["A2"] == {"green": 0, "yellow": 0, "red": 0}
    assert lead.act("prework.end")["ok"]


def test_only_the_facilitator_opens_and_ends_prework_with_sensible_days(
    workshop: Workshop,
) -> None:
    lead = workshop.connect(workshop.open_room())
    ana = workshop.connect(workshop.join(lead.code, "Ana"))
    assert not ana.act("prework.open", days=3)["ok"]
    assert ana.post_action("prework.open", days=3).status_code == 403
    for days in (0, 31, "soon", 2.5):
        assert not lead.act("prework.open", days=days)["ok"], days
    assert not lead.act("prework.end")["ok"]
    assert lead.act("phase.next")["ok"]
    refused = lead.act("prework.open", days=3)
    assert not refused["ok"] and "first phase" in refused["error"]
    assert not workshop.room(lead.code).prework_open
    assert lead.act("phase.back")["ok"]
    assert lead.act("prework.open", days=3)["ok"]
    assert not ana.act("prework.end")["ok"]
    assert workshop.room(lead.code).prework_open
