"""Series: a workshop and its check-ins. Planning a check-in (rights, a deleted room, who
is in it), the movement of the team's dots on every screen, the series' record and its
exports (cell by cell), its calendar, and the JSON that restores a whole series, on SQLite
and on PostgreSQL."""

from __future__ import annotations

import io
import json
import re
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import jsonschema
import openpyxl
import pytest
from flask import Flask
from sqlalchemy import select

from wsapp.content import DEFAULT_CONTENT_DIR, load_library
from wsapp.extensions import db, socketio
from wsapp.models import PlanAction, PlanActionChange, PreviousTally, Room, Series
from wsapp.series.calendar import escape_text, fold
from wsapp.series.movement import Level, measure, moved_most
from wsapp.series.record import json_schema

from .conftest import (
    EACH_DATABASE,
    Member,
    Team,
    Workshop,
    csrf_of,
    database_for,
    phase_index,
    post,
    unchanged,
)
from .dom import Node, parse
from .test_export import import_file
from .test_plan import MAJOR_30, cells, page, pushed
from .test_posters import item_ids, room_tally

SCHEMA_PATH = Path(__file__).resolve().parent.parent / "docs" / "series-export.schema.json"
LEVELS = [
    Level(key="green", label="Strength", meaning="strength", shape="●", tone="green"),
    Level(key="yellow", label="Some work", meaning="some work", shape="▲", tone="yellow"),
    Level(key="red", label="Significant work", meaning="much work", shape="■", tone="red"),
]


@pytest.fixture(params=EACH_DATABASE)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Every test here holds on SQLite and on PostgreSQL."""
    return database_for(request.param, request, tmp_path)


def plan_checkin(lead: Member, status: int = 204, **form: Any) -> Member | Any:
    """Press "Plan a check-in" on the facilitator's page (htmx) and follow it: the check-in
    as its facilitator sees it."""
    response = post(lead.client, f"/r/{lead.code}/lead/checkin", {"days": 30, **form})
    assert response.status_code == status, response.get_data(as_text=True)[:400]
    if status != 204:
        return response
    code = re.search(r"/r/([A-Z0-9]+)/lead", response.headers["HX-Redirect"]).group(1)
    return Member(lead.client, code, "facilitator")


def room_of(app: Flask, code: str) -> Room:
    with app.app_context():
        room = db.session.scalars(select(Room).where(Room.code == code)).one()
        db.session.expunge(room)
        return room


def workshop_with_dots_and_actions(workshop: Workshop, app: Flask) -> Team:
    """A readiness workshop in which Ana and Ben dotted A1 and A2 and the plan has an action
    whose status moved once."""
    team = workshop.team(phase=phase_index(app, "posters"))
    ids = item_ids(workshop, team.lead.code)
    assert team.ana.act("dot.place", item_id=ids["A1"], colour="red")["ok"]
    assert team.ben.act("dot.place", item_id=ids["A1"], colour="red")["ok"]
    assert team.ana.act("dot.place", item_id=ids["A2"], colour="green")["ok"]
    assert team.lead.act("phase.go", index=phase_index(app, "plan"))["ok"]
    cell = cells(app, team.lead.code)[MAJOR_30]
    assert team.ana.act(
        "plan.cell.edit", cell_id=cell, text="Map PL to standards", base_revision=0
    )["ok"]
    assert team.lead.act("plan.action.add", cell_id=cell, text="Map PL offerings", owner="Ana")[
        "ok"
    ]
    with app.app_context():
        action_id = db.session.scalars(select(PlanAction.id)).one()
    assert team.ana.act("plan.action.update", action_id=action_id, status="in_progress")["ok"]
    team.drain()
    return team


# --- Planning a check-in ------------------------------------------------------------------


def test_a_checkin_carries_the_plan_its_actions_and_the_posters_without_dots(
    workshop: Workshop, app: Flask
):
    team = workshop_with_dots_and_actions(workshop, app)
    before = room_tally(workshop, team.lead.code)
    checkin = plan_checkin(team.lead)
    first, second = room_of(app, team.lead.code), room_of(app, checkin.code)
    assert second.kit_id == "readiness-checkin"
    assert first.series_id == second.series_id is not None
    assert (first.series_days, second.series_days) == (0, 30)
    assert second.meets_on == first.created_at.date() + timedelta(days=30)
    # The same items, none dotted; each keeps the workshop's tally as its previous dots.
    after = room_tally(workshop, checkin.code)
    assert set(after) == set(before)
    assert all(sum(counts.values()) == 0 for counts in after.values())
    with app.app_context():
        previous = {
            (row.item_id, row.level): row.count for row in db.session.scalars(select(PreviousTally))
        }
    ids = item_ids(workshop, checkin.code)
    assert previous[(ids["A1"], "red")] == 2
    assert previous[(ids["A2"], "green")] == 1
    assert previous[(ids["B1"], "green")] == 0
    # The plan: the cell's text, the action with its owner, status and history.
    cell = cells(app, checkin.code)[MAJOR_30]
    with app.app_context():
        carried = db.session.scalars(select(PlanAction).where(PlanAction.cell_id == cell)).one()
        assert (carried.text, carried.owner, carried.status) == (
            "Map PL offerings",
            "Ana",
            "in_progress",
        )
        history = db.session.scalars(
            select(PlanActionChange)
            .where(PlanActionChange.action_id == carried.id)
            .order_by(PlanActionChange.id)
        ).all()
        assert [(c.field, c.new, c.author_name, c.participant_id) for c in history] == [
            ("added", "not_started", "Facilitator", None),
            ("status", "in_progress", "Ana", None),
        ]
        assert db.session.get(Room, second.id).participants == []
    page = parse(checkin.client.get(f"/r/{checkin.code}/lead").get_data(as_text=True))
    assert "30-day check-in" in page.words
    assert page.by_id("plan-actions") is None  # the list shows in its phase, not the intro
    first_session = page.by_id("series").find_all("li")[0]
    assert first_session.words.startswith("Session 1 (workshop)")


def test_the_series_keeps_its_rooms_in_order_and_each_step_once(workshop: Workshop, app: Flask):
    lead = workshop.open_room()
    thirty = plan_checkin(lead)
    sixty = plan_checkin(thirty, days=60)
    # From the workshop's own page, a later step: the series knows it has 30 and 60.
    ninety = plan_checkin(lead, days=90, meets_on="2031-03-04")
    response = plan_checkin(sixty, status=409, days=30)
    assert "already has a 30-day check-in" in response.get_data(as_text=True)
    page = parse(lead.client.get(f"/r/{ninety.code}/lead").get_data(as_text=True))
    sessions = page.by_id("series").find_all("li")
    assert [li.words.rsplit(" ", 3)[0] for li in sessions] == [
        "Session 1 (workshop)",
        "30-day check-in",
        "60-day check-in",
        "90-day check-in",
    ]
    assert room_of(app, ninety.code).meets_on == date(2031, 3, 4)
    # The rooms list offers a check-in from every session, and labels each.
    rooms = parse(lead.client.get("/facilitator/rooms").get_data(as_text=True))
    assert len(rooms.all(lambda n: n.tag == "button" and n.words == "Plan a check-in")) == 4
    assert "60-day check-in" in rooms.words
    # The rooms list's button posts a plain form and lands on the new check-in.
    response = lead.client.post(
        f"/r/{lead.code}/lead/checkin", data={"days": "120", "csrf_token": csrf_of(lead.client)}
    )
    assert response.status_code == 302 and "/lead" in response.headers["Location"]


@pytest.mark.parametrize("who", ["participant", "stranger"])
def test_only_the_facilitator_plans_a_checkin(workshop: Workshop, app: Flask, who: str):
    lead = workshop.open_room()
    asker = (
        workshop.join(lead.code, "Ana")
        if who == "participant"
        else Member(app.test_client(), lead.code, "stranger")
    )
    with unchanged(app):
        response = post(asker.client, f"/r/{lead.code}/lead/checkin", {"days": 30})
        assert response.status_code == 403
        assert "facilitator" in parse(response.get_data(as_text=True)).words
    # Over the socket too: a participant cannot send the facilitator's action.
    if who == "participant":
        workshop.connect(asker)
        with unchanged(app):
            reply = asker.act("series.checkin", days=30)
            assert not reply["ok"] and "facilitator" in reply["error"]


def test_a_checkin_of_a_deleted_room_is_refused_with_a_clear_message(
    workshop: Workshop, app: Flask
):
    lead = workshop.open_room()
    response = post(lead.client, f"/facilitator/rooms/{lead.code}/delete")
    assert response.status_code == 302
    with unchanged(app):
        response = post(lead.client, f"/r/{lead.code}/lead/checkin", {"days": 30})
    assert response.status_code == 404
    assert "deleted" in parse(response.get_data(as_text=True)).words


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"days": 0}, "days"),
        ({"days": 99999}, "days"),
        ({"days": "soon"}, "days"),
        ({"days": 30, "meets_on": "1926-01-01"}, "between 2000 and 2100"),
        ({"days": 30, "title": "x" * 200}, "title"),
        ({"days": 30, "owner": "Ana"}, "not expected"),
    ],
)
def test_bad_checkin_input_changes_nothing(workshop: Workshop, app: Flask, form, message):
    lead = workshop.open_room()
    with unchanged(app):
        response = post(lead.client, f"/r/{lead.code}/lead/checkin", form)
        assert response.status_code == 422
        assert message in parse(response.get_data(as_text=True)).words


def test_a_discussion_kit_has_no_checkin(workshop: Workshop, app: Flask):
    lead = workshop.open_room(kit="discussion-equity")
    with unchanged(app):
        response = post(lead.client, f"/r/{lead.code}/lead/checkin", {"days": 30})
    assert response.status_code == 409


def test_people_of_one_session_are_not_in_the_next_until_they_join(workshop: Workshop, app: Flask):
    lead = workshop.open_room()
    ana = workshop.connect(workshop.join(lead.code, "Ana"))
    checkin = plan_checkin(lead)
    # Ana's browser is in the workshop, not in the check-in: its page sends her to join.
    response = ana.client.get(f"/r/{checkin.code}")
    assert response.status_code == 302 and response.headers["Location"].endswith("/join")
    in_checkin = Member(ana.client, checkin.code, "participant")
    refused = socketio.test_client(
        app,
        flask_test_client=ana.client,
        auth={"code": checkin.code, "view": "participant", "v": 0},
    )
    assert not refused.is_connected()
    with unchanged(app):
        assert in_checkin.post_action("ready.set", done="true").status_code == 403
    # Once she joins, she is a new participant of the check-in.
    joined = post(ana.client, f"/r/{checkin.code}/join", {"name": "Ana"})
    assert joined.status_code == 302
    with app.app_context():
        names = db.session.scalars(select(Room).where(Room.code == checkin.code)).one().participants
        assert [p.name for p in names] == ["Ana"]


def test_the_rooms_facilitators_lead_the_checkin_and_its_cofacilitator_link_is_its_own(
    workshop: Workshop, app: Flask
):
    lead = workshop.open_room()
    assert lead.post_action("room.link", kind="cofacilitator").status_code == 200
    co_key = _link_key(app, lead.code)
    co = app.test_client()
    response = post(co, f"/claim/{lead.code}", {"key": co_key})
    assert response.status_code == 302
    checkin = plan_checkin(lead)
    assert co.get(f"/r/{checkin.code}/lead").status_code == 200  # came along
    # Revoking the check-in's co-facilitator link sends the co-facilitator away from it.
    assert (
        Member(lead.client, checkin.code, "facilitator")
        .post_action("room.link", kind="cofacilitator", on="false")
        .status_code
        == 200
    )
    assert co.get(f"/r/{checkin.code}/lead").status_code == 403
    assert co.get(f"/r/{lead.code}/lead").status_code == 200


def _link_key(app: Flask, code: str) -> str:
    from wsapp.identity import link_key

    with app.test_request_context(), app.app_context():
        room = db.session.scalars(select(Room).where(Room.code == code)).one()
        key = link_key(room, "cofacilitator")
        assert key is not None
        return key


# --- Movement -----------------------------------------------------------------------------


def test_movement_is_counted_over_the_levels_in_the_scales_order():
    moved = measure(LEVELS, "A1", "Aligned", {"red": 5, "green": 1}, {"red": 2, "green": 4})
    assert moved.words == "Strength 1 → 4, Significant work 5 → 2"
    assert moved.direction == "up" and moved.arrow == "↑"
    assert moved.summary(LEVELS) == "towards strength"
    same = measure(LEVELS, "A2", "x", {"yellow": 2}, {"yellow": 2})
    assert (
        same.direction == "same"
        and same.words == "Strength 0 → 0, Some work 2 → 2, Significant work 0 → 0"
    )
    worse = measure(LEVELS, "A3", "x", {"green": 3}, {"green": 1, "red": 2})
    assert worse.direction == "down" and worse.summary(LEVELS) == "towards significant work"
    fresh = measure(LEVELS, "A4", "x", {}, {"green": 1})
    assert fresh.summary(LEVELS) == "no dots last time" and fresh.direction == "same"
    assert [m.ref for m in moved_most([same, worse, moved, fresh])] == ["A3", "A1"]
    assert moved.described(LEVELS) == (
        "↑ Strength 1 → 4, Significant work 5 → 2 (towards strength)"
    )
    assert measure(LEVELS, "A5", "x", {}, {}).described(LEVELS) == "no dots then or now"


def test_movement_holds_for_any_number_of_levels():
    five = load_library(DEFAULT_CONTENT_DIR).all_scales["frequency"].levels
    moved = measure(five, "X1", "x", {"never": 4}, {"seldom": 4})
    assert moved.before_score == -1 and moved.after_score == pytest.approx(-0.5)
    assert moved.direction == "up" and moved.words == "Seldom 0 → 4, Never 4 → 0"
    assert moved.summary(five) == "towards always"


def movement_words(screen: Node, ref: str) -> str:
    found = screen.find(lambda n: n.attrs.get("data-movement") == ref)
    assert found is not None, f"no movement for {ref}"
    return found.words


def test_every_screen_shows_the_movement_as_the_team_dots_again(workshop: Workshop, app: Flask):
    team = workshop_with_dots_and_actions(workshop, app)
    checkin = workshop.connect(plan_checkin(team.lead))
    ana = workshop.connect(workshop.join(checkin.code, "Ana"))
    ben = workshop.connect(workshop.join(checkin.code, "Ben"))
    projector = workshop.connect(Member(checkin.client, checkin.code, "projector"))
    assert checkin.act("phase.go", index=phase_index(app, "posters", "readiness-checkin"))["ok"]
    assert checkin.act("posters.reveal", revealed=True)["ok"]
    for member in (checkin, ana, ben, projector):
        member.swaps()
    ids = item_ids(workshop, checkin.code)
    assert ana.act("dot.place", item_id=ids["A1"], colour="green")["ok"]
    for member in (checkin, ana, ben, projector):
        words = movement_words(pushed(member), "A1")
        assert "Significant work needed 2 → 0" in words and "Strength 0 → 1" in words
        assert "towards strength" in words
    # The summary of the review phase says what moved most.
    assert checkin.act("phase.go", index=phase_index(app, "poster_review", "readiness-checkin"))[
        "ok"
    ]
    for member in (checkin, ana, projector):
        member.swaps()
    assert ben.act("dot.place", item_id=ids["A2"], colour="red")["ok"]
    summary = pushed(projector).by_id("poster-summary")
    moved = summary.find(lambda n: n.attrs.get("aria-labelledby") == "summary-moved-heading")
    assert [m.attrs["data-movement"] for m in moved.all(lambda n: "data-movement" in n.attrs)] == [
        "A1",
        "A2",
    ]
    # The check-in's own exports carry the movement table.
    book = openpyxl.load_workbook(
        io.BytesIO(checkin.client.get(f"/r/{checkin.code}/export/plan.xlsx").data)
    )
    sheet = [list(row) for row in book["Movement"].iter_rows(values_only=True)]
    assert sheet[0][:4] == ["Item", "Text", "Strength: before", "Strength: now"]
    a1 = next(row for row in sheet if row[0] == "A1")
    assert a1[2:8] == [0, 1, 0, 0, 2, 0]
    assert a1[9] == "towards strength"


# --- The series' record -------------------------------------------------------------------


def a_series(workshop: Workshop, app: Flask) -> tuple[Team, Member, Member]:
    """A workshop, its 30-day check-in in which Ana dotted and moved the action to done."""
    team = workshop_with_dots_and_actions(workshop, app)
    checkin = workshop.connect(plan_checkin(team.lead, meets_on="2030-01-15"))
    ana = workshop.connect(workshop.join(checkin.code, "Ana"))
    assert checkin.act("phase.go", index=phase_index(app, "action_review", "readiness-checkin"))[
        "ok"
    ]
    with app.app_context():
        action_id = db.session.scalars(
            select(PlanAction.id)
            .join(Room, Room.id == PlanAction.room_id)
            .where(Room.code == checkin.code)
        ).one()
    assert ana.act("plan.action.update", action_id=action_id, status="done", evidence="Map v1")[
        "ok"
    ]
    assert checkin.act("phase.go", index=phase_index(app, "posters", "readiness-checkin"))["ok"]
    ids = item_ids(workshop, checkin.code)
    assert ana.act("dot.place", item_id=ids["A1"], colour="yellow")["ok"]
    return team, checkin, ana


def test_the_series_workbook_has_a_sheet_per_session_and_an_actions_sheet(
    workshop: Workshop, app: Flask
):
    team, checkin, _ana = a_series(workshop, app)
    response = checkin.client.get(f"/r/{checkin.code}/series.xlsx")
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == ["Session 1 (workshop)", "30-day check-in", "Actions"]
    first = [list(row) for row in book["Session 1 (workshop)"].iter_rows(values_only=True)]
    second = [list(row) for row in book["30-day check-in"].iter_rows(values_only=True)]
    opened = room_of(app, team.lead.code).created_at.date()
    assert first[0][:2] == ["Session 1 (workshop)", room_of(app, team.lead.code).title]
    assert first[1][:2] == ["Date", opened.isoformat()]
    assert second[1][:2] == ["Date", "2030-01-15"]
    # Posters: a header, then every item with its counts per level, in the scale's order.
    header = first.index(["Posters", *[None] * (len(first[3]) - 1)]) + 1
    assert first[header][:6] == [
        "Item",
        "Text",
        "Strength",
        "Some work needed",
        "Significant work needed",
        "Moved since last session",
    ]
    a1 = next(row for row in first[header:] if row[0] == "A1")
    assert a1[2:6] == [0, 0, 2, None]
    a1 = next(row for row in second if row[0] == "A1")
    assert a1[2:5] == [0, 1, 0]
    assert a1[5] == "↑ Some work needed 0 → 1, Significant work needed 2 → 0 (towards strength)"
    # The plan grid, as on screen.
    plan_at = next(n for n, row in enumerate(second) if row[0] == "Plan") + 1
    assert second[plan_at][:2] == ["Scenario Elements", "30 Days"]
    major = next(row for row in second[plan_at:] if str(row[0]).startswith("Major Focus"))
    assert major[1] == "Map PL to standards"
    # The Actions sheet: every session's actions with their status history.
    actions = [list(row) for row in book["Actions"].iter_rows(values_only=True)]
    assert actions[0] == [
        "Session",
        "Action",
        "Cell",
        "Owner",
        "Due",
        "Status",
        "Evidence",
        "History",
    ]
    assert [row[0] for row in actions[1:]] == ["Session 1 (workshop)", "30-day check-in"]
    workshop_row, checkin_row = actions[1], actions[2]
    assert workshop_row[1:4] == ["Map PL offerings", MAJOR_30, "Ana"]
    assert workshop_row[4] == (opened + timedelta(days=30)).isoformat()
    assert workshop_row[5:7] == ["In progress", None]
    assert workshop_row[7].splitlines() == [
        f"{date.today():%Y-%m-%d} Facilitator: added (Not started)",
        f"{date.today():%Y-%m-%d} Ana: status Not started → In progress",
    ]
    assert checkin_row[5:7] == ["Done", "Map v1"]
    assert (
        checkin_row[7].splitlines()[-1] == f"{date.today():%Y-%m-%d} Ana: status In progress → Done"
    )


def test_the_series_page_and_markdown_hold_every_session(workshop: Workshop, app: Flask):
    team, checkin, _ana = a_series(workshop, app)
    page = parse(team.lead.client.get(f"/r/{team.lead.code}/series").get_data(as_text=True))
    headings = [h.words for h in page.find_all("h2")]
    assert headings[1:] == [
        f"Session 1 (workshop): {room_of(app, team.lead.code).title}",
        f"30-day check-in: {room_of(app, checkin.code).title}",
    ]
    assert "Ana: status In progress → Done" in page.words
    markdown = team.lead.client.get(f"/r/{team.lead.code}/series.md").get_data(as_text=True)
    assert "## 30\\-day check\\-in" in markdown or "## 30-day check-in" in markdown
    assert "Significant work needed 2 → 0" in markdown


def test_the_calendar_has_an_event_per_checkin_folded_and_escaped(workshop: Workshop, app: Flask):
    lead = workshop.open_room(title="North, District; the \\ team " + "long " * 20)
    thirty = plan_checkin(lead, meets_on="2030-01-15")
    plan_checkin(lead, days=60)
    response = lead.client.get(f"/r/{lead.code}/series.ics")
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    body = response.data
    assert body.endswith(b"\r\n") and b"\n" not in body.replace(b"\r\n", b"")
    lines = body.split(b"\r\n")[:-1]
    assert all(len(line) <= 75 for line in lines)
    unfolded = body.replace(b"\r\n ", b"").decode().split("\r\n")[:-1]
    assert unfolded[0] == "BEGIN:VCALENDAR" and unfolded[-1] == "END:VCALENDAR"
    events = [n for n, line in enumerate(unfolded) if line == "BEGIN:VEVENT"]
    assert len(events) == 2
    starts = [line for line in unfolded if line.startswith("DTSTART")]
    sixty = room_of(app, lead.code).created_at.date() + timedelta(days=60)
    assert starts == ["DTSTART;VALUE=DATE:20300115", f"DTSTART;VALUE=DATE:{sixty:%Y%m%d}"]
    summary = next(line for line in unfolded if line.startswith("SUMMARY"))
    assert summary.startswith("SUMMARY:30-day check-in: North\\, District\\; the \\\\ team")
    assert thirty.code in next(line for line in unfolded if line.startswith("DESCRIPTION"))


def test_folding_never_splits_a_character():
    line = "DESCRIPTION:" + "é" * 100
    folded = fold(line)
    parts = folded.encode().split(b"\r\n")
    assert all(len(p) <= 75 for p in parts)
    assert folded.replace("\r\n ", "") == line
    assert escape_text("a,b;c\\d\ne") == "a\\,b\\;c\\\\d\\ne"


def test_only_the_facilitator_gets_the_series_record(workshop: Workshop, app: Flask):
    lead = workshop.open_room()
    ana = workshop.join(lead.code, "Ana")
    for name in ("series", "series.md", "series.xlsx", "series.json", "series.ics"):
        assert ana.client.get(f"/r/{lead.code}/{name}").status_code == 403
        assert app.test_client().get(f"/r/{lead.code}/{name}").status_code == 403


def test_the_schema_document_is_the_one_the_code_writes():
    documented = json.loads(SCHEMA_PATH.read_text())
    assert documented == json_schema(), (
        "docs/series-export.schema.json is out of date: regenerate it with json_schema()"
    )


def _without_copy_details(record: dict[str, Any]) -> dict[str, Any]:
    """What differs between a series and its imported copy: codes and the copy's times."""
    record = json.loads(json.dumps(record))
    del record["exported_at"]
    for session in record["sessions"]:
        del session["exported_at"]
        for key in ("code", "created_at", "closed_at"):
            del session["room"][key]
        for person in session["participants"]:
            del person["joined_at"]
    return record


def test_the_series_json_imports_as_the_whole_series(workshop: Workshop, app: Flask):
    team, checkin, _ana = a_series(workshop, app)
    first = team.lead.client.get(f"/r/{checkin.code}/series.json")
    assert first.status_code == 200
    document = first.get_json()
    jsonschema.Draft202012Validator(
        json.loads(SCHEMA_PATH.read_text()), format_checker=jsonschema.FormatChecker()
    ).validate(document)
    assert [s["room"]["series_days"] for s in document["sessions"]] == [0, 30]
    importer = app.test_client()
    with app.app_context():
        series_before = len(db.session.scalars(select(Series)).all())
    response = import_file(importer, first.data, "series.json")
    assert response.status_code == 204, response.get_data(as_text=True)
    new_code = re.search(r"/r/([A-Z0-9]+)/lead", response.headers["HX-Redirect"]).group(1)
    copy = room_of(app, new_code)
    assert copy.series_days == 30  # the latest session opens
    with app.app_context():
        assert len(db.session.scalars(select(Series)).all()) == series_before + 1
    second = importer.get(f"/r/{new_code}/series.json").get_json()
    assert _without_copy_details(second) == _without_copy_details(document)
    # Both sessions are the importer's, and the movement came along.
    rooms = parse(importer.get("/facilitator/rooms").get_data(as_text=True))
    assert "30-day check-in" in rooms.words and "Session 1 (workshop)" in rooms.words
    xlsx_a = openpyxl.load_workbook(
        io.BytesIO(team.lead.client.get(f"/r/{team.lead.code}/series.xlsx").data)
    )
    xlsx_b = openpyxl.load_workbook(io.BytesIO(importer.get(f"/r/{new_code}/series.xlsx").data))
    for name in ("30-day check-in", "Actions"):
        a = [row[2:] for row in xlsx_a[name].iter_rows(values_only=True)]
        b = [row[2:] for row in xlsx_b[name].iter_rows(values_only=True)]
        assert a == b


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: {**d, "sessions": []}, "sessions"),
        (
            lambda d: {**d, "sessions": [d["sessions"][0], d["sessions"][0]]},
            "its own room.series_days",
        ),
        (
            lambda d: {
                **d,
                "sessions": [
                    {**d["sessions"][0], "room": {**d["sessions"][0]["room"], "kit_id": "nope"}}
                ],
            },
            "which this site does not have",
        ),
    ],
)
def test_a_bad_series_import_says_what_is_wrong_and_creates_nothing(
    workshop: Workshop, app: Flask, change, message
):
    team, checkin, _ana = a_series(workshop, app)
    document = team.lead.client.get(f"/r/{checkin.code}/series.json").get_json()
    with unchanged(app):
        response = import_file(app.test_client(), json.dumps(change(document)).encode())
        assert response.status_code == 422
        assert message in parse(response.get_data(as_text=True)).words


def test_a_duplicated_checkin_is_a_new_teams_room_without_movement(workshop: Workshop, app):
    team = workshop_with_dots_and_actions(workshop, app)
    checkin = plan_checkin(team.lead)
    response = post(checkin.client, f"/facilitator/rooms/{checkin.code}/duplicate")
    assert response.status_code == 302
    copy = re.search(r"/r/([A-Z0-9]+)/lead", response.headers["Location"]).group(1)
    room = room_of(app, copy)
    assert (room.series_id, room.series_days, room.meets_on) == (None, None, None)
    with app.app_context():
        items = item_ids(workshop, copy).values()
        assert not db.session.scalars(
            select(PreviousTally).where(PreviousTally.item_id.in_(items))
        ).all()


def test_a_checkin_planned_over_the_socket_shows_on_the_facilitators_card_alone(
    workshop: Workshop, app: Flask
):
    team = workshop.team()
    reply = team.lead.act("series.checkin", days=60, meets_on="2030-02-01")
    assert reply["ok"] and reply["sessions"] == 2
    checkin = room_of(app, reply["code"])
    assert (checkin.series_days, checkin.meets_on) == (60, date(2030, 2, 1))
    card = pushed(team.lead).by_id("series")
    assert [li.words.split(" 0")[0] for li in card.find_all("li")][1].startswith("60-day")
    for member in (team.ana, team.ben, team.projector):
        assert pushed(member).by_id("series") is None  # nothing of the card leaves the lead
    # The facilitator's browser leads the check-in already (its identity came along).
    assert team.lead.client.get(f"/r/{checkin.code}/lead").status_code == 200


def test_the_console_points_to_a_checkin_at_the_end_of_the_agenda(workshop: Workshop, app):
    team = workshop.team(phase=phase_index(app, "quiet_write"))
    console = page(team.lead).by_id("console-bar")
    assert console.find(lambda n: n.attrs.get("href") == "#series") is None
    assert team.lead.act("phase.go", index=phase_index(app, "plan"))["ok"]  # the last one
    console = pushed(team.lead).by_id("console-bar")
    link = console.find(lambda n: n.attrs.get("href") == "#series")
    assert link is not None and link.words == "Plan a check-in"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"status": "finished"}, "status"),
        ({"owner": "x" * 61}, "owner"),
        ({"status": "done", "evidence": "y" * 2001}, "evidence"),
    ],
)
def test_a_checkins_actions_refuse_a_bad_status_or_owner(workshop: Workshop, app, args, message):
    team = workshop_with_dots_and_actions(workshop, app)
    checkin = workshop.connect(plan_checkin(team.lead))
    ana = workshop.connect(workshop.join(checkin.code, "Ana"))
    with app.app_context():
        action_id = db.session.scalars(
            select(PlanAction.id)
            .join(Room, Room.id == PlanAction.room_id)
            .where(Room.code == checkin.code)
        ).one()
    with unchanged(app):
        reply = ana.act("plan.action.update", action_id=action_id, **args)
    assert not reply["ok"] and message in reply["error"]


def test_a_closed_workshop_plans_check_ins_and_the_series_outlives_a_deleted_session(
    workshop: Workshop, app: Flask
):
    team = workshop_with_dots_and_actions(workshop, app)
    assert team.lead.act("room.close")["ok"]
    thirty = plan_checkin(team.lead)  # the workshop is over: that is when check-ins come
    response = post(team.lead.client, f"/facilitator/rooms/{team.lead.code}/delete")
    assert response.status_code == 302
    # The 30-day check-in carries on: its page, its movement, and the next check-in.
    assert thirty.client.get(f"/r/{thirty.code}/lead").status_code == 200
    sixty = plan_checkin(thirty, days=60)
    started = room_of(app, thirty.code).created_at.date()
    assert room_of(app, sixty.code).meets_on == started + timedelta(days=60)
    document = thirty.client.get(f"/r/{sixty.code}/series.json").get_json()
    assert [s["room"]["series_days"] for s in document["sessions"]] == [30, 60]
    previous = {
        item["label"]: item["previous"]
        for poster in document["sessions"][0]["posters"]
        for item in poster["items"]
        if poster["key"] == "A"
    }
    assert previous["1"] == {"green": 0, "yellow": 0, "red": 2}
