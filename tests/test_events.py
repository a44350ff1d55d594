"""Events: a lead's roll-up of many rooms, the membership of rooms in it, the privacy rule,
the live pushes to its watchers and its exports."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_socketio import SocketIOTestClient
from openpyxl import load_workbook
from sqlalchemy import select

from wsapp.extensions import db, socketio
from wsapp.models import Event, PlanCell, PlanRow, Room

from .conftest import Member, Workshop, phase_index, post, wait_until
from .dom import Node, parse
from .test_posters import item_ids

TEAM = "Lincoln Elementary"


@dataclass
class Lead:
    """The browser that opened an event, with its links as its page shows them."""

    client: FlaskClient
    code: str
    organiser_link: str
    rooms_link: str

    @property
    def rooms_key(self) -> str:
        return self.rooms_link.split("#", 1)[1]

    def page(self, path: str = "") -> Node:
        response = self.client.get(f"/e/{self.code}{path}")
        assert response.status_code == 200, response.get_data(as_text=True)
        return parse(response.get_data(as_text=True))

    def watch(self, app: Flask) -> SocketIOTestClient:
        socket = socketio.test_client(
            app, flask_test_client=self.client, auth={"kind": "event", "event": self.code}
        )
        assert socket.is_connected()
        return socket


def open_event(app: Flask, name: str = "Spring PL readiness day") -> Lead:
    client = app.test_client()
    response = post(client, "/events/new", {"name": name})
    assert response.status_code == 200, response.get_data(as_text=True)
    page = parse(response.get_data(as_text=True))
    organiser = page.by_id("organiser-link")
    rooms = page.by_id("rooms-link")
    assert organiser is not None and rooms is not None
    code = re.search(r"/e/([^/]+)/open", organiser.attrs["value"]).group(1)  # type: ignore[union-attr]
    return Lead(client, code, organiser.attrs["value"], rooms.attrs["value"])


def room_in(workshop: Workshop, lead: Lead, team: str = TEAM) -> Member:
    """A facilitator opens a room from the event's facilitators' link."""
    client = workshop.app.test_client()
    response = post(
        client,
        f"/e/{lead.code}/rooms",
        {"key": lead.rooms_key, "team": team, "kit": "readiness-planning", "title": ""},
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    code = re.search(r"/r/([A-Z0-9]+)/lead", response.headers["Location"]).group(1)  # type: ignore[union-attr]
    return Member(client, code, "facilitator")


def rooms_in(app: Flask, lead: Lead) -> list[tuple[str, str | None]]:
    with app.app_context():
        event = db.session.scalar(select(Event).where(Event.code == lead.code))
        assert event is not None
        rows = db.session.scalars(select(Room).where(Room.event_id == event.id).order_by(Room.id))
        return [(room.code, room.event_team) for room in rows]


def room_id(workshop: Workshop, code: str) -> int:
    return workshop.room(code).id


def dotting(workshop: Workshop, lead: Member, people: int) -> list[Member]:
    """The room at its posters with ``people`` connected participants."""
    workshop.connect(lead)
    assert lead.act("phase.go", index=phase_index(workshop.app, "posters"))["ok"]
    return [workshop.connect(workshop.join(lead.code, f"Person {n}")) for n in range(people)]


def heat_cells(page: Node, room: int, poster: str = "A") -> list[str]:
    row = page.by_id(f"heat-{room}-{poster}")
    assert row is not None
    return [cell.words for cell in row.find_all("td")]


def html_of(swaps: list[dict]) -> str:
    return "".join(s["html"] for s in swaps)


def swaps_of(socket: SocketIOTestClient) -> list[dict]:
    return [m["args"][0] for m in socket.get_received() if m["name"] == "swap"]


# --- The lead and the links ---------------------------------------------------------------


def test_only_the_lead_sees_the_event_and_the_organiser_link_brings_others_in(app: Flask) -> None:
    lead = open_event(app)
    assert lead.page().find_all("h1")[0].words == "Spring PL readiness day"

    stranger = app.test_client()
    refused = stranger.get(f"/e/{lead.code}")
    assert refused.status_code == 403
    assert "organiser link" in parse(refused.get_data(as_text=True)).words
    assert stranger.get("/e/no-such-event").status_code == 404
    assert stranger.get(f"/e/{lead.code}/projector").status_code == 403
    assert stranger.get(f"/e/{lead.code}/export/rollup.xlsx").status_code == 403

    forged = post(stranger, f"/e/{lead.code}/open", {"key": "forged"})
    assert forged.status_code == 403
    secret = lead.organiser_link.split("#", 1)[1]
    opened = post(stranger, f"/e/{lead.code}/open", {"key": secret})
    assert opened.status_code == 302
    assert stranger.get(f"/e/{lead.code}").status_code == 200

    # A new organiser link signs the other browser out; the lead stays in.
    renewed = post(lead.client, f"/e/{lead.code}/organiser-link")
    assert renewed.status_code == 200
    assert renewed.headers["Cache-Control"] == "private, no-store"
    assert stranger.get(f"/e/{lead.code}").status_code == 403
    assert post(stranger, f"/e/{lead.code}/open", {"key": secret}).status_code == 403
    assert lead.client.get(f"/e/{lead.code}").status_code == 200


@pytest.mark.parametrize(
    ("name", "status"), [("", 422), ("   ", 422), ("x" * 121, 422), ("A" * 120, 200)]
)
def test_event_names_are_bounded(app: Flask, name: str, status: int) -> None:
    response = post(app.test_client(), "/events/new", {"name": name})
    assert response.status_code == status
    with app.app_context():
        assert db.session.query(Event).count() == (1 if status == 200 else 0)


def test_a_stranger_cannot_rename_the_event_or_renew_its_links(app: Flask) -> None:
    lead = open_event(app)
    stranger = app.test_client()
    assert post(stranger, f"/e/{lead.code}/name", {"name": "Mine"}).status_code == 403
    assert post(stranger, f"/e/{lead.code}/facilitators-link").status_code == 403
    assert post(stranger, f"/e/{lead.code}/organiser-link").status_code == 403
    with app.app_context():
        assert db.session.scalar(select(Event.name)) == "Spring PL readiness day"


# --- Membership ---------------------------------------------------------------------------


def test_facilitators_open_rooms_in_the_event_with_their_team(
    app: Flask, workshop: Workshop
) -> None:
    lead = open_event(app)
    first = room_in(workshop, lead, "Lincoln Elementary")
    second = room_in(workshop, lead, "Adams Middle")
    assert rooms_in(app, lead) == [
        (first.code, "Lincoln Elementary"),
        (second.code, "Adams Middle"),
    ]
    # The facilitator leads the room they opened, and its page says which event it is in.
    page = parse(first.client.get(f"/r/{first.code}/lead").get_data(as_text=True))
    membership = page.by_id("event-membership")
    assert membership is not None and "Spring PL readiness day" in membership.words
    # The lead's page lists each team, alphabetically.
    teams = [
        row.find_all("th")[0].words
        for row in lead.page().by_id("event-rollup").find_all("tr")
        if row.attrs.get("id", "").startswith("event-room-")
    ]  # type: ignore[union-attr]
    assert teams == ["Adams Middle", "Lincoln Elementary"]


@pytest.mark.parametrize(
    ("form", "status"),
    [
        ({"key": "forged", "team": TEAM}, 403),
        ({"key": "", "team": TEAM}, 403),
        ({"team": ""}, 422),
        ({"team": "x" * 81}, 422),
        ({"team": TEAM, "kit": "no-such-kit"}, 422),
    ],
)
def test_a_wrong_link_or_team_opens_no_room(
    app: Flask, workshop: Workshop, form: dict[str, str], status: int
) -> None:
    lead = open_event(app)
    data = {"key": lead.rooms_key, "kit": "readiness-planning", **form}
    response = post(app.test_client(), f"/e/{lead.code}/rooms", data)
    assert response.status_code == status
    assert parse(response.get_data(as_text=True)).by_class("field-error")
    with app.app_context():
        assert db.session.query(Room).count() == 0


def test_a_new_facilitators_link_stops_the_old_one(app: Flask, workshop: Workshop) -> None:
    lead = open_event(app)
    old_key = lead.rooms_key
    assert post(lead.client, f"/e/{lead.code}/facilitators-link").status_code == 302
    data = {"key": old_key, "team": TEAM, "kit": "readiness-planning"}
    assert post(app.test_client(), f"/e/{lead.code}/rooms", data).status_code == 403


def test_a_facilitator_attaches_only_their_own_rooms_and_can_leave(
    app: Flask, workshop: Workshop
) -> None:
    lead = open_event(app)
    mine = workshop.open_room()
    theirs = workshop.open_room()
    attach = {"key": lead.rooms_key, "team": "Adams Middle"}
    refused = post(mine.client, f"/e/{lead.code}/rooms", {**attach, "room": theirs.code})
    assert refused.status_code == 403
    assert "only attach a room you lead" in parse(refused.get_data(as_text=True)).words
    assert rooms_in(app, lead) == []

    # The facilitators' page offers this browser's own rooms to attach.
    offered = parse(mine.client.get(f"/e/{lead.code}/rooms").get_data(as_text=True))
    options = [o.attrs["value"] for o in offered.by_id("attach-room").find_all("option")]  # type: ignore[union-attr]
    assert options == [mine.code]
    assert (
        post(mine.client, f"/e/{lead.code}/rooms", {**attach, "room": mine.code}).status_code == 302
    )
    assert rooms_in(app, lead) == [(mine.code, "Adams Middle")]

    # Only the room's facilitator can take it out, and a participant cannot.
    member = workshop.connect(workshop.join(mine.code, "Ana"))
    assert member.act("event.leave")["ok"] is False
    assert rooms_in(app, lead) == [(mine.code, "Adams Middle")]
    assert mine.post_action("event.leave").status_code == 200
    assert rooms_in(app, lead) == []
    assert mine.post_action("event.leave").status_code == 409


def test_attach_over_a_socket_needs_the_events_key(app: Flask, workshop: Workshop) -> None:
    lead = open_event(app)
    mine = workshop.connect(workshop.open_room())
    reply = mine.act("event.attach", event=lead.code, key="guess", team=TEAM)
    assert reply == {"ok": False, "error": reply["error"]} and "link" in reply["error"]
    reply = mine.act("event.attach", event=lead.code, key=lead.rooms_key, team="\x00 " * 3)
    assert reply["ok"] is False
    assert rooms_in(app, lead) == []
    assert mine.act("event.attach", event=lead.code, key=lead.rooms_key, team=TEAM)["ok"]
    assert rooms_in(app, lead) == [(mine.code, TEAM)]
    # Attaching again relabels the team; its watchers get the whole roll-up once.
    watcher = lead.watch(app)
    swaps_of(watcher)
    assert mine.act("event.attach", event=lead.code, key=lead.rooms_key, team="Adams")["ok"]
    assert rooms_in(app, lead) == [(mine.code, "Adams")]
    pushed = swaps_of(watcher)
    assert len(pushed) == 1 and parse(pushed[0]["html"]).by_id("event-rollup") is not None


# --- The privacy rule ---------------------------------------------------------------------


def dot_all(workshop: Workshop, room: Member, people: list[Member], colour: str) -> None:
    items = item_ids(workshop, room.code)
    for person in people:
        assert person.act("dot.place", item_id=items["A1"], colour=colour)["ok"]


def test_a_rooms_numbers_show_only_once_revealed_and_enough_have_dotted(
    app: Flask, workshop: Workshop
) -> None:
    lead = open_event(app)
    room = room_in(workshop, lead)
    people = dotting(workshop, room, 5)
    rid = room_id(workshop, room.code)
    dot_all(workshop, room, people[:4], "green")

    assert room.act("posters.reveal", revealed=True)["ok"]
    cells = heat_cells(lead.page(), rid)
    assert cells == ["4 of the 5 people needed have dotted"]

    assert room.act("posters.reveal", revealed=False)["ok"]
    dot_all(workshop, room, people[4:], "red")
    assert heat_cells(lead.page(), rid) == ["Not revealed by its facilitator yet"]

    assert room.act("posters.reveal", revealed=True)["ok"]
    page = lead.page()
    cells = heat_cells(page, rid)
    assert cells[0] == "+0.6 from 5 dots"  # 4 green, 1 red
    # Nobody's name, anywhere on the lead's page or in its exports.
    for text in (
        page.words,
        lead.client.get(f"/e/{lead.code}/export/rollup.csv").get_data(as_text=True),
        lead.page("/print").words,
    ):
        assert "Person" not in text


def test_the_threshold_is_a_setting(app: Flask, workshop: Workshop) -> None:
    app.config["EVENT_MIN_DOTTERS"] = 2
    lead = open_event(app)
    room = room_in(workshop, lead)
    people = dotting(workshop, room, 2)
    dot_all(workshop, room, people, "yellow")
    assert room.act("posters.reveal", revealed=True)["ok"]
    assert heat_cells(lead.page(), room_id(workshop, room.code))[0] == "+0.0 from 2 dots"


def test_the_events_summary_pools_only_rooms_that_share(app: Flask, workshop: Workshop) -> None:
    app.config["EVENT_MIN_DOTTERS"] = 2
    lead = open_event(app)
    sharing, private = room_in(workshop, lead, "A team"), room_in(workshop, lead, "B team")
    dot_all(workshop, sharing, dotting(workshop, sharing, 2), "green")
    dot_all(workshop, private, dotting(workshop, private, 3), "red")
    assert sharing.act("posters.reveal", revealed=True)["ok"]
    summary = lead.page().by_id("event-summary")
    assert summary is not None
    assert "Pooled from 1 of 2 rooms" in summary.words
    lists = {h.words: h for h in summary.find_all("h3")}
    assert any("Clear strengths" in heading for heading in lists)
    assert "A1" in summary.words and "(+1.0, 2 dots)" in summary.words
    assert "-1.0" not in summary.words


# --- Live ---------------------------------------------------------------------------------


def test_a_watcher_gets_only_the_changed_rooms_rows(app: Flask, workshop: Workshop) -> None:
    app.config["EVENT_MIN_DOTTERS"] = 1
    lead = open_event(app)
    room, other = room_in(workshop, lead), room_in(workshop, lead, "Adams Middle")
    people = dotting(workshop, room, 1)
    outside = workshop.open_room()
    dotting(workshop, outside, 1)
    assert room.act("posters.reveal", revealed=True)["ok"]
    watcher = lead.watch(app)
    first = swaps_of(watcher)
    assert len(first) == 1 and parse(first[0]["html"]).by_id("event-rollup") is not None

    dot_all(workshop, room, people, "green")
    pushed = html_of(swaps_of(watcher))
    # The summary follows a moment later, read after the commit.
    summary = wait_until(lambda: html_of(swaps_of(watcher)), "the event's summary")
    assert parse(summary).by_id("event-summary") is not None
    assert parse(summary).by_id(f"event-room-{room_id(workshop, room.code)}") is None
    fragment = parse(pushed)
    rid, oid = room_id(workshop, room.code), room_id(workshop, other.code)
    assert fragment.by_id("event-rollup") is None  # not the whole map
    assert fragment.by_id(f"event-room-{rid}") is not None
    assert fragment.by_id(f"heat-{rid}-A") is not None
    assert fragment.by_id(f"event-room-{oid}") is None
    assert "<template>" in pushed  # table rows travel inside templates
    assert heat_cells(fragment, rid)[0] == "+1.0 from 1 dots"
    # Counted from the room's own tally, the pushed rows say what the page's do.
    page = lead.page()
    for row_id in (f"event-room-{rid}", f"heat-{rid}-A", f"heat-{rid}-B"):
        assert fragment.by_id(row_id).words == page.by_id(row_id).words  # type: ignore[union-attr]

    # A room outside the event reaches no watcher of it.
    outside_people = [workshop.connect(workshop.join(outside.code, "Zed"))]
    dot_all(workshop, outside, outside_people, "red")
    assert swaps_of(watcher) == []
    # Someone going offline changes nothing the event shows: nothing is sent.
    assert people[0].socket is not None
    people[0].socket.disconnect()
    assert swaps_of(watcher) == []
    # Nor does a note (the roll-up shows no notes).
    phases = app.extensions["wsapp_content"].kits["readiness-planning"].phases
    prompt = phases[phase_index(app, "prompt")].key
    note = {"question_key": f"readiness-planning:{prompt}", "text": "Hello"}
    assert room.act("note.add", **note)["ok"]
    assert swaps_of(watcher) == []


def test_a_room_that_joins_or_leaves_sends_the_whole_rollup(app: Flask, workshop: Workshop) -> None:
    lead = open_event(app)
    watcher = lead.watch(app)
    swaps_of(watcher)
    room = room_in(workshop, lead)
    joined = parse(html_of(swaps_of(watcher)))
    rid = room_id(workshop, room.code)
    assert joined.by_id(f"event-room-{rid}") is not None
    assert room.post_action("event.leave").status_code == 200
    left = parse(html_of(swaps_of(watcher)))
    assert left.by_id("event-rollup") is not None and left.by_id(f"event-room-{rid}") is None


def test_only_the_lead_can_watch(app: Flask) -> None:
    lead = open_event(app)
    stranger = socketio.test_client(
        app, flask_test_client=app.test_client(), auth={"kind": "event", "event": lead.code}
    )
    assert not stranger.is_connected()
    nowhere = socketio.test_client(
        app, flask_test_client=lead.client, auth={"kind": "event", "event": "nope"}
    )
    assert not nowhere.is_connected()
    watcher = lead.watch(app)
    assert watcher.emit("event.resync", {"event": lead.code}, callback=True)["ok"]
    # A watcher is in no room: it cannot act on one.
    reply = watcher.emit("act", {"name": "phase.next", "args": {}}, callback=True)
    assert reply["ok"] is False


def test_plans_actions_from_every_room_in_one_list(app: Flask, workshop: Workshop) -> None:
    lead = open_event(app)
    rooms = [room_in(workshop, lead, team) for team in ("A team", "B team")]
    watcher = lead.watch(app)
    for n, room in enumerate(rooms):
        workshop.connect(room)
        assert room.act("phase.go", index=phase_index(app, "plan"))["ok"]
        with app.app_context():
            rid = room_id(workshop, room.code)
            cell = db.session.scalar(
                select(PlanCell.id)
                .join(PlanRow, PlanRow.id == PlanCell.row_id)
                .where(PlanRow.room_id == rid)
                .limit(1)
            )
        status = "done" if n else "in_progress"
        reply = room.act(
            "plan.action.add", cell_id=cell, text=f"Action {n}", owner="Maria", status=status
        )
        assert reply["ok"], reply
    pushed = parse(html_of(swaps_of(watcher)))
    assert pushed.by_id(f"event-actions-{room_id(workshop, rooms[1].code)}") is not None

    page = lead.page("?status=done")
    rows = [tr for tr in page.by_id("event-rollup").find_all("tr") if "data-status" in tr.attrs]  # type: ignore[union-attr]
    shown = [tr.find_all("th")[0].words for tr in rows if "hidden" not in tr.attrs]
    assert shown == ["B team"] and len(rows) == 2
    assert "Maria" not in page.words  # owners are names: the roll-up shows none


# --- Exports ------------------------------------------------------------------------------


def test_exports_have_a_sheet_per_poster_with_rooms_as_columns(
    app: Flask, workshop: Workshop
) -> None:
    app.config["EVENT_MIN_DOTTERS"] = 1
    lead = open_event(app)
    room = room_in(workshop, lead, '=HYPERLINK("x")')
    room_in(workshop, lead, "Adams Middle")
    dot_all(workshop, room, dotting(workshop, room, 1), "green")
    assert room.act("posters.reveal", revealed=True)["ok"]

    response = lead.client.get(f"/e/{lead.code}/export/rollup.xlsx")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.data))
    standard = app.extensions["wsapp_content"].standards
    elements = next(iter(standard.values())).elements
    assert len(book.sheetnames) == len(elements)
    sheet = book[book.sheetnames[0]]
    header = [cell.value for cell in sheet[1]]
    assert header[1:] == ['=HYPERLINK("x")', "Adams Middle"]  # by team, as on the page
    assert sheet.cell(row=1, column=2).data_type == "s"  # text, never a formula
    assert sheet.cell(row=2, column=2).value == "+1.00"
    assert sheet.cell(row=2, column=3).value is None  # Adams has not shared

    text = lead.client.get(f"/e/{lead.code}/export/rollup.csv").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0][:5] == ["Team", "Room", "Phase", "People", "Dots"]
    assert any(row[0] == '\'=HYPERLINK("x")' for row in rows[1:])
    assert lead.client.get(f"/e/{lead.code}/print").status_code == 200
