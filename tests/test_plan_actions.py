"""Actions made from the plan's cells: owner, due date, status and evidence, their history,
rights and bad input, the badges and the Actions list on every screen."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date, timedelta

import jsonschema
import openpyxl
import pytest
from flask import Flask
from sqlalchemy import select

from wsapp.export.formats import neutralise
from wsapp.extensions import db
from wsapp.models import PlanAction, PlanActionChange, PlanCell

from .conftest import Member, Workshop, unchanged
from .test_export import (
    SCHEMA_PATH,
    _md_cells,
    _without_copy_details,
    download,
    import_file,
    md_tables,
)
from .test_plan import MAJOR_30, cells, page, pushed

MAJOR_60 = "Major Focus, 60 Days"


def actions(app: Flask) -> list[tuple[str, str, date | None, str, str]]:
    with app.app_context():
        return [
            (a.text, a.owner, a.due_on, a.status, a.evidence)
            for a in db.session.scalars(select(PlanAction).order_by(PlanAction.id))
        ]


def changes(app: Flask) -> list[tuple[str, str, str, str]]:
    with app.app_context():
        return [
            (c.field, c.old, c.new, c.author_name)
            for c in db.session.scalars(select(PlanActionChange).order_by(PlanActionChange.id))
        ]


def opened_on(workshop: Workshop, code: str) -> date:
    return workshop.room(code).created_at.date()


def only_cell_of_action(app: Flask) -> int:
    with app.app_context():
        return db.session.scalars(select(PlanAction.cell_id)).one()


def only_action_id(app: Flask) -> int:
    with app.app_context():
        return db.session.scalars(select(PlanAction.id)).one()


def test_a_participant_makes_an_action_due_by_its_column_and_everyone_sees_it(
    team, app, workshop: Workshop
):
    lead, ana, ben, projector = team
    ids = cells(app, ana.code)
    reply = ana.act("plan.action.add", cell_id=ids[MAJOR_60], text="Train the coaches", owner="Ben")
    assert reply["ok"], reply
    due = opened_on(workshop, ana.code) + timedelta(days=60)
    assert actions(app) == [("Train the coaches", "Ben", due, "not_started", "")]
    assert changes(app) == [("added", "", "not_started", "Ana")]
    for member in (lead, ben, projector):
        seen = pushed(member)
        assert "1 action" in seen.by_id(f"plan-cell-{ids[MAJOR_60]}-actions").text
        assert "1 not started" in seen.by_id(f"plan-cell-{ids[MAJOR_60]}-actions").text
        assert "Train the coaches" in seen.by_id("plan-actions").text
    # The page shows the same as the push.
    assert "Train the coaches" in page(ben).by_id("plan-actions").text


def test_a_date_typed_or_cleared_wins_over_the_columns_default(team, app):
    _lead, ana, _ben, _projector = team
    ids = cells(app, ana.code)
    assert ana.act("plan.action.add", cell_id=ids[MAJOR_30], text="A", due="2027-02-01")["ok"]
    assert ana.act("plan.action.add", cell_id=ids[MAJOR_30], text="B", due="")["ok"]
    assert [a[2] for a in actions(app)] == [date(2027, 2, 1), None]


def test_a_column_without_a_number_of_days_gives_no_default(team, app):
    lead, ana, _ben, _projector = team
    assert lead.act("plan.column.add", heading="Next year")["ok"]
    cell_id = cells(app, ana.code)["Major Focus, Next year"]
    assert ana.act("plan.action.add", cell_id=cell_id, text="Review")["ok"]
    assert actions(app)[0][2] is None


def test_status_owner_and_due_changes_are_kept_with_who_made_them(team, app):
    lead, ana, ben, _projector = team
    ids = cells(app, ana.code)
    ana.act("plan.action.add", cell_id=ids[MAJOR_30], text="Survey staff", due="2027-01-10")
    action_id = only_action_id(app)
    assert ben.act("plan.action.update", action_id=action_id, status="in_progress")["ok"]
    assert lead.act(
        "plan.action.update", action_id=action_id, owner="Ana", due="2027-01-20", evidence="Link"
    )["ok"]
    assert ben.act("plan.action.update", action_id=action_id, status="done")["ok"]
    assert actions(app) == [("Survey staff", "Ana", date(2027, 1, 20), "done", "Link")]
    assert changes(app) == [
        ("added", "", "not_started", "Ana"),
        ("status", "not_started", "in_progress", "Ben"),
        ("owner", "", "Ana", "Facilitator"),
        ("due", "2027-01-10", "2027-01-20", "Facilitator"),
        ("status", "in_progress", "done", "Ben"),
    ]
    assert "Done" in pushed(ana).by_id("plan-actions").text


def test_an_action_is_removed_by_the_team(team, app):
    _lead, ana, ben, _projector = team
    ana.act("plan.action.add", cell_id=cells(app, ana.code)[MAJOR_30], text="Oops")
    assert ben.act("plan.action.remove", action_id=only_action_id(app))["ok"]
    assert actions(app) == []
    assert "No actions yet" in pushed(ana).by_id("plan-actions").text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"status": "finished"}, "status"),
        ({"owner": "x" * 61}, "owner"),
        ({"due": "someday"}, "due"),
        ({"due": "1900-01-01"}, "between 2000 and 2100"),
        ({"text": ""}, "needs some text"),
        ({"text": "y" * 301}, "text"),
        ({"evidence": "z" * 2001}, "evidence"),
        ({"assignee": "Ben"}, "not expected"),
    ],
)
def test_bad_changes_are_refused_and_nothing_changes(team, app, args, message):
    _lead, ana, _ben, _projector = team
    ana.act("plan.action.add", cell_id=cells(app, ana.code)[MAJOR_30], text="Saved", owner="Ana")
    action_id = only_action_id(app)
    with unchanged(app):
        reply = ana.act("plan.action.update", action_id=action_id, **args)
    assert reply["ok"] is False and message in reply["error"], reply


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"text": ""}, "text"),
        ({"text": "ok", "status": "late"}, "status"),
        ({"text": "ok", "owner": "o" * 61}, "owner"),
        ({"text": "ok", "due": "2101-01-01"}, "between 2000 and 2100"),
    ],
)
def test_bad_new_actions_are_refused(team, app, args, message):
    _lead, ana, _ben, _projector = team
    with unchanged(app):
        reply = ana.act("plan.action.add", cell_id=cells(app, ana.code)[MAJOR_30], **args)
    assert reply["ok"] is False and message in reply["error"], reply


def test_a_locked_plan_or_a_closed_room_refuses_actions(team, app):
    lead, ana, _ben, _projector = team
    ids = cells(app, ana.code)
    ana.act("plan.action.add", cell_id=ids[MAJOR_30], text="Before")
    action_id = only_action_id(app)
    assert lead.act("plan.lock", locked=True)["ok"]
    with unchanged(app):
        for name, args in (
            ("plan.action.add", {"cell_id": ids[MAJOR_30], "text": "Locked"}),
            ("plan.action.update", {"action_id": action_id, "status": "done"}),
            ("plan.action.remove", {"action_id": action_id}),
        ):
            reply = ana.act(name, **args)
            assert reply["ok"] is False and "locked" in reply["error"]
    # The facilitator still may, until the room closes.
    assert lead.act("plan.action.update", action_id=action_id, status="blocked")["ok"]
    assert lead.act("room.close")["ok"]
    with unchanged(app):
        for member in (lead, ana):
            reply = member.act("plan.action.update", action_id=action_id, status="done")
            assert reply["ok"] is False and "closed" in reply["error"]
    assert actions(app)[0][3] == "blocked"


def test_another_rooms_action_or_cell_is_refused(team, app, workshop: Workshop):
    _lead, ana, _ben, _projector = team
    other = workshop.connect(workshop.open_room())
    other.act("plan.action.add", cell_id=cells(app, other.code)[MAJOR_30], text="Theirs")
    theirs = only_action_id(app)
    with unchanged(app):
        reply = ana.act("plan.action.update", action_id=theirs, status="done")
        assert reply == {
            "ok": False,
            "error": "That action is not in this room's plan. Reload the page.",
        }
        assert ana.act("plan.action.remove", action_id=theirs)["ok"] is False
        reply = ana.act("plan.action.add", cell_id=cells(app, other.code)[MAJOR_30], text="x")
        assert reply["ok"] is False and "not in this room" in reply["error"]


def test_the_list_sorts_by_due_date_owner_and_status_on_the_server(team, app):
    _lead, ana, _ben, _projector = team
    cell_id = cells(app, ana.code)[MAJOR_30]
    for text, owner, due, status in (
        ("Third", "Ana", "2027-03-01", "done"),
        ("First", "Cy", "2027-01-01", "blocked"),
        ("Second", "Ben", "2027-02-01", "not_started"),
    ):
        ana.act("plan.action.add", cell_id=cell_id, text=text, owner=owner, due=due, status=status)

    def order(sort: str) -> list[str]:
        response = ana.client.get(f"/r/{ana.code}/plan/actions?sort={sort}")
        assert response.status_code == 200
        rows = response.get_data(as_text=True).split('<tr id="plan-action-')[1:]
        return [row.split('<th scope="row">')[1].split("<")[0] for row in rows]

    assert order("due") == ["First", "Second", "Third"]
    assert order("owner") == ["Third", "Second", "First"]
    assert order("status") == ["Second", "Third", "First"]
    assert order("nonsense") == ["First", "Second", "Third"]


def test_a_row_with_an_action_is_not_removed_with_it(team, app):
    lead, ana, _ben, _projector = team
    assert lead.act("plan.row.add", heading="Extra")["ok"]
    ana.act("plan.action.add", cell_id=cells(app, ana.code)["Extra, 30 Days"], text="Keep me")
    with app.app_context():
        row_id = db.session.get(PlanCell, only_cell_of_action(app)).row_id
    reply = lead.act("plan.row.remove", row_id=row_id)
    assert reply["ok"] is False
    assert actions(app)[0][0] == "Keep me"


def test_the_record_page_lists_the_actions(team, app):
    lead, ana, _ben, _projector = team
    ana.act("plan.action.add", cell_id=cells(app, ana.code)[MAJOR_30], text="On the record")
    response = lead.client.get(f"/r/{lead.code}/record?sort=owner")
    assert response.status_code == 200
    assert "On the record" in response.get_data(as_text=True)


# --- The exports --------------------------------------------------------------------------


def made_for_export(team, app) -> list[list[str]]:
    """Two actions with awkward text, made through the actions; the rows the exports hold."""
    _lead, ana, ben, _projector = team
    ids = cells(app, ana.code)
    assert ana.act(
        "plan.action.add",
        cell_id=ids[MAJOR_60],
        text='=HYPERLINK("x") call, "quoted"',
        owner="@Ben",
        evidence="Line one\nline | two *bold*",
    )["ok"]
    assert ben.act(
        "plan.action.add", cell_id=ids[MAJOR_30], text="Survey", due="2027-01-05", status="done"
    )["ok"]
    return [
        ["Action", "Cell", "Owner", "Due", "Status", "Evidence"],
        ["Survey", MAJOR_30, "", "2027-01-05", "Done", ""],
        [
            '=HYPERLINK("x") call, "quoted"',
            MAJOR_60,
            "@Ben",
            "2027-03-01",  # set below: the room's opening + 60 days
            "Not started",
            "Line one\nline | two *bold*",
        ],
    ]


def expected_actions(team, app, workshop: Workshop) -> list[list[str]]:
    rows = made_for_export(team, app)
    rows[2][3] = (opened_on(workshop, team.lead.code) + timedelta(days=60)).isoformat()
    return rows


def test_plan_csv_xlsx_and_markdown_carry_the_actions_cell_by_cell(team, app, workshop):
    lead = team.lead
    expected = expected_actions(team, app, workshop)
    text = download(lead, "plan.csv").data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    start = rows.index(["Actions"])
    assert rows[start + 1 : start + 1 + len(expected)] == [
        [neutralise(v) for v in row] for row in expected
    ]
    book = openpyxl.load_workbook(io.BytesIO(download(lead, "plan.xlsx").data))
    assert "Actions" in book.sheetnames
    assert [[c.value or "" for c in row] for row in book["Actions"].iter_rows()] == expected
    assert book["Actions"]["A3"].quotePrefix
    markdown = download(lead, "plan.md").get_data(as_text=True)
    assert "## Actions\n\n" in markdown
    table = next(t for t in md_tables(markdown) if t[0].startswith("| Action"))
    assert [_md_cells(table[0]), *(_md_cells(line) for line in table[2:])] == expected


def test_the_room_json_carries_the_actions_and_their_history_through_an_import(team, app, workshop):
    lead = team.lead
    made_for_export(team, app)
    assert lead.act("plan.action.update", action_id=1, status="blocked", owner="Ana")["ok"]
    first = download(lead, "room.json").data
    record = json.loads(first)
    schema = json.loads(SCHEMA_PATH.read_text())
    jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker()).validate(
        record
    )
    made = [a for cell in record["plan"]["cells"] for a in cell["actions"]]
    assert {a["text"] for a in made} == {'=HYPERLINK("x") call, "quoted"', "Survey"}
    changed = next(a for a in made if a["status"] == "blocked")
    assert [(c["field"], c["old"], c["new"]) for c in changed["changes"]] == [
        ("added", "", "not_started"),
        ("status", "not_started", "blocked"),
        ("owner", "@Ben", "Ana"),
    ]
    importer = app.test_client()
    response = import_file(importer, first)
    assert response.status_code == 204
    new_code = re.search(r"/r/([A-Z0-9]+)/lead", response.headers["HX-Redirect"]).group(1)
    second = download(Member(importer, new_code, "facilitator"), "room.json").get_json()
    assert _without_copy_details(second) == _without_copy_details(record)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"status": "finished"}, "status"),
        ({"due_on": "1850-01-01"}, "due_on"),
        ({"owner": "o" * 61}, "owner"),
    ],
)
def test_an_import_with_a_bad_action_is_refused(team, app, workshop, change, message):
    made_for_export(team, app)
    record = download(team.lead, "room.json").get_json()
    cell = next(c for c in record["plan"]["cells"] if c["actions"])
    cell["actions"][0].update(change)
    before = len(actions(app))
    response = import_file(app.test_client(), json.dumps(record).encode())
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert len(actions(app)) == before


def test_the_pages_forms_make_and_change_actions_by_htmx_too(team, app, workshop: Workshop):
    """The dialog's form and the list's status menu post to the same actions."""
    lead, ana, _ben, _projector = team
    cell_id = cells(app, ana.code)[MAJOR_30]
    form = ana.client.get(f"/r/{ana.code}/plan/cells/{cell_id}/action")
    assert form.status_code == 200
    default = (opened_on(workshop, ana.code) + timedelta(days=30)).isoformat()
    assert f'value="{default}"' in form.get_data(as_text=True)
    response = ana.post_action(
        "plan.action.add", cell_id=cell_id, text="By form", owner="Ana", due=default
    )
    assert response.status_code == 200
    action_id = only_action_id(app)
    assert (
        lead.post_action("plan.action.update", action_id=action_id, status="done").status_code
        == 200
    )
    assert actions(app) == [("By form", "Ana", date.fromisoformat(default), "done", "")]
    refused = ana.post_action("plan.action.update", action_id=action_id, status="nearly")
    assert refused.status_code == 422
    assert actions(app)[0][3] == "done"
