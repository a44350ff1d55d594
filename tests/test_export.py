"""The workshop record: every export parsed back in its own format and compared with the
room, with awkward text (commas, quotes, line breaks, accents, formula-like cells)."""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import jsonschema
import openpyxl
import pytest
from sqlalchemy import delete, select

from wsapp.export.domain import json_schema
from wsapp.export.formats import neutralise, to_xlsx
from wsapp.extensions import db
from wsapp.models import (
    Dot,
    Note,
    Participant,
    PlanCell,
    PlanCellRevision,
    PlanColumn,
    PlanConsideration,
    PlanItemSource,
    PlanRow,
    Poster,
    PosterItem,
    QuietWrite,
    Room,
)

from .conftest import Member, Workshop, post
from .dom import Node, parse

SCHEMA_PATH = Path(__file__).resolve().parent.parent / "docs" / "room-export.schema.json"

ZOE = 'Zoë, "the" lead'
NANDU = "Ñandú"
AT_NAME = "@SUM(A1)"
TRICKY = 'Zoë, "the" lead\nline2'
FORMULAS = ['=HYPERLINK("http://example.com/x","click")', "+1", "-2", "@SUM(A1:A3)"]
WHERE_ARE_WE = "readiness-planning:where-are-we-now"

# The plan the tests write: row heading, detail, then one text per column.
COLUMNS = ["30 Days", "60 Days, or so"]
ROWS = [
    ("Major Focus", "District Leadership Actions", [TRICKY, FORMULAS[0]]),
    ("Tools | Materials", None, [FORMULAS[1], "Ñandú *bold* # not a heading"]),
    ("Challenges", "Benefits and Frustrations", [FORMULAS[2], FORMULAS[3]]),
]


@dataclass
class Team:
    lead: Member
    zoe: Member
    nandu: Member
    code: str


def _room(code: str) -> Room:
    return db.session.scalars(select(Room).where(Room.code == code)).one()


def _person(room: Room, name: str) -> Participant:
    return db.session.scalars(
        select(Participant).where(Participant.room_id == room.id, Participant.name == name)
    ).one()


def fill_room(app: Any, code: str) -> None:
    """Dots, notes, quiet writes and a plan with awkward text, written straight to the tables."""
    with app.app_context():
        room = _room(code)
        zoe, nandu, at = (_person(room, n) for n in (ZOE, NANDU, AT_NAME))
        posters = db.session.scalars(
            select(Poster).where(Poster.room_id == room.id).order_by(Poster.position)
        ).all()
        first, second = posters[0].items[0], posters[0].items[1]
        posters[1].items[0].text = FORMULAS[0]
        db.session.add_all(
            [
                Dot(item_id=first.id, participant_id=zoe.id, colour="green"),
                Dot(item_id=first.id, participant_id=nandu.id, colour="green"),
                Dot(item_id=first.id, participant_id=at.id, colour="red"),
                Dot(item_id=second.id, participant_id=zoe.id, colour="yellow"),
                Dot(item_id=posters[1].items[0].id, participant_id=nandu.id, colour="red"),
            ]
        )
        db.session.add_all(
            [
                Note(
                    room_id=room.id,
                    question_key=WHERE_ARE_WE,
                    participant_id=zoe.id,
                    author_name=ZOE,
                    text=TRICKY,
                ),
                Note(
                    room_id=room.id,
                    question_key=WHERE_ARE_WE,
                    participant_id=nandu.id,
                    author_name=NANDU,
                    text=FORMULAS[0],
                    starred=True,
                ),
                Note(
                    room_id=room.id,
                    question_key=WHERE_ARE_WE,
                    participant_id=None,
                    author_name="Facilitator",
                    text="+1 | *agreed*",
                ),
            ]
        )
        db.session.add_all(
            [
                QuietWrite(room_id=room.id, participant_id=zoe.id, text="Shared: " + TRICKY),
                QuietWrite(
                    room_id=room.id, participant_id=nandu.id, text="My secret", keep_private=True
                ),
            ]
        )
        for table in (PlanRow, PlanColumn, PlanConsideration):
            db.session.execute(delete(table).where(table.room_id == room.id))
        columns = [
            PlanColumn(room_id=room.id, position=i, heading=h) for i, h in enumerate(COLUMNS)
        ]
        rows = [
            PlanRow(room_id=room.id, position=i, heading=h, detail=d)
            for i, (h, d, _) in enumerate(ROWS)
        ]
        db.session.add_all([*columns, *rows])
        db.session.add(PlanConsideration(room_id=room.id, position=0, text="IC Maps", done=True))
        db.session.flush()
        for row, (_, _, texts) in zip(rows, ROWS, strict=True):
            for column, text in zip(columns, texts, strict=True):
                cell = PlanCell(row_id=row.id, column_id=column.id, text=text, revision=1)
                db.session.add(cell)
                db.session.flush()
                db.session.add(
                    PlanCellRevision(
                        cell_id=cell.id,
                        revision=1,
                        text=text,
                        author_name=ZOE,
                        participant_id=zoe.id,
                    )
                )
        db.session.add(
            PlanItemSource(
                cell_id=cell.id, kind="poster_item", source_id=first.id, label="A1 from the posters"
            )
        )
        db.session.commit()


@pytest.fixture
def team(workshop: Workshop, app: Any) -> Team:
    lead = workshop.open_room(kit="readiness-planning", title="Cedar USD, “north”")
    zoe = workshop.join(lead.code, ZOE)
    nandu = workshop.join(lead.code, NANDU)
    workshop.join(lead.code, AT_NAME)
    fill_room(app, lead.code)
    return Team(lead, zoe, nandu, lead.code)


def set_room(app: Any, code: str, **values: Any) -> None:
    with app.app_context():
        room = _room(code)
        for name, value in values.items():
            setattr(room, name, value)
        db.session.commit()


def download(member: Member, name: str, status: int = 200) -> Any:
    response = member.client.get(f"/r/{member.code}/export/{name}")
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    return response


def expected_grid() -> list[list[str]]:
    grid = [["Scenario Elements", *COLUMNS]]
    for heading, detail, texts in ROWS:
        grid.append([f"{heading}\n{detail}" if detail else heading, *texts])
    return grid


# --- Formula safety -----------------------------------------------------------------------


@pytest.mark.parametrize("text", [*FORMULAS, "\tx", "\rx", " =x", "  +1", "\n@SUM(A1)", " \t-2"])
def test_formula_like_text_gets_an_apostrophe(text):
    assert neutralise(text) == "'" + text


@pytest.mark.parametrize("text", [" =1+2", "\n@SUM(A1)", "  -2"])
def test_a_formula_after_leading_whitespace_is_text_in_excel_too(text):
    sheet = openpyxl.load_workbook(io.BytesIO(to_xlsx([("Plan", [["x", text]])]))).active
    assert sheet["B1"].value == text and sheet["B1"].quotePrefix


@pytest.mark.parametrize("text", ["plain", "a=b", "1+1", " x=1", "", "  "])
def test_ordinary_text_is_left_alone(text):
    assert neutralise(text) == text


# --- The plan -----------------------------------------------------------------------------


def test_plan_csv_is_the_grid_as_on_screen_and_formula_safe(team: Team):
    response = download(team.lead, "plan.csv")
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"), newline="")))
    grid = expected_grid()
    assert rows[: len(grid)] == [[neutralise(text) for text in row] for row in grid]
    assert rows[len(grid)] == []  # the team's conclusions follow (see below)
    assert rows[1][1] == TRICKY  # commas, quotes and the line break survive
    assert rows[1][2] == "'" + FORMULAS[0]
    assert [rows[2][1], rows[3][1], rows[3][2]] == ["'+1", "'-2", "'@SUM(A1:A3)"]


def test_plan_xlsx_keeps_the_text_exactly_and_never_makes_a_formula(team: Team):
    data = download(team.lead, "plan.xlsx").data
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values == expected_grid()
    for row in sheet.iter_rows():
        for cell in row:
            assert cell.data_type == "s"
            if str(cell.value).lstrip().startswith(("=", "+", "-", "@")):
                assert cell.quotePrefix, cell.coordinate
    assert sheet["A1"].font.b and sheet["B1"].font.b
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        assert "<f>" not in book.read("xl/worksheets/sheet1.xml").decode()


def _md_cells(line: str) -> list[str]:
    cells = re.split(r"(?<!\\)\|", line.strip())[1:-1]
    return [
        re.sub(r"\\(.)", r"\1", cell.strip().replace("<br>", "\n")).replace("**", "", 2)
        for cell in cells
    ]


def md_tables(text: str) -> list[list[str]]:
    """The lines of each Markdown table in the text, in order."""
    tables: list[list[str]] = []
    previous = ""
    for line in text.splitlines():
        if line.startswith("|"):
            if not previous.startswith("|"):
                tables.append([])
            tables[-1].append(line)
        previous = line
    return tables


def test_plan_markdown_table_reads_back_as_the_grid(team: Team):
    text = download(team.lead, "plan.md").get_data(as_text=True)
    assert text.startswith("# Cedar USD, “north”: action plan")
    lines = md_tables(text)[0]
    assert set(lines[1].replace("|", "").split()) == {"---"}
    table = [_md_cells(lines[0]), *(_md_cells(line) for line in lines[2:])]
    assert table == expected_grid()
    assert "\\*bold\\* \\# not a heading" in text  # typed markup does not take effect


# --- What the team concluded -------------------------------------------------------------

CHECKLIST = "Throughout your planning, consider the following"


def expected_conclusions(app: Any, code: str) -> list[tuple[str, str, list[list[Any]]]]:
    """(title, sheet, rows) of the fixture's conclusions: its one ticked consideration, and
    the ranking of its dots (A1: green, green, red is a disagreement; B1: red, a clear gap).
    The readiness kit collects no Take Action."""
    with app.app_context():
        room = _room(code)
        posters = db.session.scalars(
            select(Poster).where(Poster.room_id == room.id).order_by(Poster.position)
        ).all()
        a1, b1 = posters[0].items[0].text, posters[1].items[0].text
    ranking = [
        ["Reading", "Rank", "Item", "Text", "Green", "Yellow", "Red", "Spread"],
        ["Clear gaps", 1, "B1", b1, 0, 0, 1, "0.00"],
        ["Most disagreement", 1, "A1", a1, 2, 0, 1, "0.94"],
    ]
    return [
        (CHECKLIST, "Considerations", [["Consideration", "Considered"], ["IC Maps", "Yes"]]),
        ("Strengths and gaps", "Strengths and gaps", ranking),
    ]


def test_plan_csv_carries_the_checklist_and_the_ranking_cell_by_cell(team: Team, app):
    text = download(team.lead, "plan.csv").data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text, newline="")))[len(expected_grid()) :]
    expected: list[list[str]] = []
    for title, _sheet, table in expected_conclusions(app, team.code):
        expected += [[], [title], *([neutralise(str(v)) for v in row] for row in table)]
    assert rows == expected
    assert rows[-2][3] == "'" + FORMULAS[0]  # B1's text, still formula-safe


def test_plan_xlsx_has_a_sheet_per_conclusion(team: Team, app):
    book = openpyxl.load_workbook(io.BytesIO(download(team.lead, "plan.xlsx").data))
    conclusions = expected_conclusions(app, team.code)
    assert book.sheetnames == ["Action plan", *(sheet for _t, sheet, _r in conclusions)]
    for _title, sheet, table in conclusions:
        values = [[cell.value for cell in row] for row in book[sheet].iter_rows()]
        assert values == table, sheet
    assert book["Strengths and gaps"]["D2"].quotePrefix  # B1's formula-like text


def test_plan_markdown_carries_the_checklist_and_the_ranking(team: Team, app):
    text = download(team.lead, "plan.md").get_data(as_text=True)
    tables = md_tables(text)[1:]
    conclusions = expected_conclusions(app, team.code)
    assert len(tables) == len(conclusions)
    for lines, (title, _sheet, table) in zip(tables, conclusions, strict=True):
        assert f"## {title}\n\n{lines[0]}" in text
        read = [_md_cells(lines[0]), *(_md_cells(line) for line in lines[2:])]
        assert read == [[str(value) for value in row] for row in table]


def test_the_print_view_carries_the_checklist_and_the_ranking(team: Team, app):
    html = team.lead.client.get(f"/r/{team.code}/record").get_data(as_text=True)
    page = parse(html)
    for title, _sheet, table in expected_conclusions(app, team.code):
        heading = page.find(lambda n, t=title: n.tag == "h2" and n.words == t)
        assert heading is not None, title
        section = page.find(
            lambda n, h=heading: (
                n.tag == "section" and n.attrs.get("aria-labelledby") == h.attrs["id"]
            )
        )
        header = [th.words for th in section.find_all("th", scope="col")]
        body = [
            [cell.words for cell in tr.all(lambda n: n.tag in {"th", "td"})]
            for tr in section.find_all("tr")[1:]
        ]
        assert [header, *body] == [[str(value) for value in row] for row in table]


def test_a_discussion_kits_record_carries_its_take_action_commitments(workshop: Workshop):
    lead = workshop.open_room(kit="discussion-equity")
    lead.post_action("note.add", question_key="equity:take-action", text="=Meet monthly")
    lead.post_action("note.add", question_key="equity:A:yours:1", text="Dashboards, by school")
    expected = [["Commitment", "By"], ["=Meet monthly", "Facilitator"]]

    rows = list(csv.reader(io.StringIO(download(lead, "plan.csv").data.decode("utf-8-sig"))))
    assert rows[-4:] == [
        [],
        ["Take Action commitments"],
        *expected[:1],
        ["'=Meet monthly", "Facilitator"],
    ]
    book = openpyxl.load_workbook(io.BytesIO(download(lead, "plan.xlsx").data))
    assert [[c.value for c in row] for row in book["Take Action"].iter_rows()] == expected
    text = download(lead, "plan.md").get_data(as_text=True)
    lines = md_tables(text)[-1]
    assert "## Take Action commitments\n\n" + lines[0] in text
    assert [_md_cells(lines[0]), *(_md_cells(line) for line in lines[2:])] == expected

    page = parse(lead.client.get(f"/r/{lead.code}/record").get_data(as_text=True))
    headings = [h.words for h in page.find_all("h2")]
    assert "Take Action commitments" in headings
    # Said once: the commitments are not repeated among the discussion notes.
    assert page.words.count("=Meet monthly") == 1
    assert "Dashboards, by school" in page.words


# --- Posters ------------------------------------------------------------------------------


def test_posters_csv_counts_every_item(team: Team, app):
    rows = list(
        csv.DictReader(io.StringIO(download(team.lead, "posters.csv").data.decode("utf-8-sig")))
    )
    with app.app_context():
        room = _room(team.code)
        items = db.session.scalars(
            select(PosterItem)
            .join(Poster)
            .where(Poster.room_id == room.id)
            .order_by(Poster.position, PosterItem.position)
        ).all()
    assert len(rows) == len(items)
    first = rows[0]
    assert first["Item"] == "A1"
    assert (first["Green"], first["Yellow"], first["Red"], first["Total"]) == ("2", "0", "1", "3")
    assert rows[1]["Yellow"] == "1" and rows[1]["Total"] == "1"
    # The summary's one definition: A1 (2 green, 1 red) is a disagreement, B1 a clear gap.
    assert [row["In the summary"] for row in rows[:2]] == ["Most disagreement", ""]
    assert rows[4]["Item"] == "B1" and rows[4]["In the summary"] == "Clear gaps"
    formula_row = next(row for row in rows if row["Text"].endswith('click")'))
    assert formula_row["Text"] == "'" + FORMULAS[0] and formula_row["Red"] == "1"
    assert "Green by" not in first  # dots are anonymous unless the room names them


def test_posters_csv_names_who_dotted_when_dots_are_named(team: Team, app):
    set_room(app, team.code, dots_named=True)
    rows = list(
        csv.DictReader(io.StringIO(download(team.lead, "posters.csv").data.decode("utf-8-sig")))
    )
    assert rows[0]["Green by"] == f"{ZOE}; {NANDU}"
    assert rows[0]["Red by"] == "'" + AT_NAME


def test_posters_chart_is_svg_with_title_desc_legend_and_counts(team: Team):
    response = download(team.lead, "posters.svg")
    assert response.mimetype == "image/svg+xml"
    svg = ElementTree.fromstring(response.data)
    ns = {"s": "http://www.w3.org/2000/svg"}
    assert svg.get("role") == "img"
    assert "poster dots" in svg.find("s:title", ns).text
    desc = svg.find("s:desc", ns).text
    assert "A1 " in desc and "2 green, 0 yellow, 1 red (Most disagreement)." in desc
    texts = [t.text for t in svg.iterfind(".//s:text", ns)]
    assert {"G", "Y", "R"} <= set(texts)  # the legend names colours by letter
    assert "● Green = Strength" in texts
    assert "G 2" in texts and "G 2 · Y 0 · R 1" in texts
    assert "no dots" in texts


# --- Notes --------------------------------------------------------------------------------


def test_notes_markdown_has_starred_notes_first_names_and_only_shared_quiet_writes(team, app):
    text = download(team.lead, "notes.md").get_data(as_text=True)
    where = text.index("### Prompt. Start with discussion")
    notes = [line for line in text[where:].split("\n\n")[1].splitlines()]
    assert notes[0] == '- ★ **Starred:** \\=HYPERLINK("http://example.com/x","click") — *Ñandú*'
    assert notes[1] == '- Zoë, "the" lead  '
    assert notes[2] == '  line2 — *Zoë, "the" lead*'
    assert notes[3] == "- \\+1 \\| \\*agreed\\* — *Facilitator*"
    assert "## Take action" not in text  # this kit has no Take Action phase
    assert "Quiet write" not in text and "secret" not in text  # not shared yet

    set_room(app, team.code, quiet_write_shared=True, notes_anonymous=True)
    text = download(team.lead, "notes.md").get_data(as_text=True)
    assert "## Quiet write" in text and "Shared: Zoë" in text
    assert "My secret" not in text  # kept private
    assert "— *" not in text  # anonymous notes and unnamed quiet writes carry no names
    set_room(app, team.code, quiet_write_named=True)
    text = download(team.lead, "notes.md").get_data(as_text=True)
    assert '  line2 — *Zoë, "the" lead*' in text.split("## Quiet write")[1]


def test_notes_markdown_of_a_discussion_kit_has_take_action(workshop: Workshop, app):
    lead = workshop.open_room(kit="discussion-equity")
    lead.post_action("note.add", question_key="equity:take-action", text="We will meet monthly")
    lead.post_action("note.add", question_key="equity:A:yours:1", text="Dashboards, by school")
    text = download(lead, "notes.md").get_data(as_text=True)
    assert "## Take action" in text
    assert text.index("Dashboards, by school") < text.index("## Take action")
    assert text.split("## Take action")[1].count("We will meet monthly") == 1
    assert "### A1. How does your PL system use disaggregated" in text
    assert "*No notes.*" in text


# --- The whole room as JSON ---------------------------------------------------------------


def test_the_schema_document_is_the_one_the_code_writes():
    documented = json.loads(SCHEMA_PATH.read_text())
    assert documented == json_schema(), (
        "docs/room-export.schema.json is out of date: regenerate it with json_schema()"
    )


def test_room_json_validates_and_holds_the_whole_room(team: Team):
    record = download(team.lead, "room.json").get_json()
    schema = json.loads(SCHEMA_PATH.read_text())
    jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker()).validate(
        record
    )
    assert record["schema_version"] == 1
    assert record["room"]["kit_id"] == "readiness-planning"
    assert record["room"]["title"] == "Cedar USD, “north”"
    assert [p["name"] for p in record["participants"]] == [ZOE, NANDU, AT_NAME]
    first = record["posters"][0]["items"][0]
    assert [d["colour"] for d in first["dots"]] == ["green", "green", "red"]
    assert {n["text"] for n in record["notes"]} == {TRICKY, FORMULAS[0], "+1 | *agreed*"}
    assert [w["text"] for w in record["quiet_writes"]] == ["Shared: " + TRICKY]  # not the private
    plan = record["plan"]
    assert [c["heading"] for c in plan["columns"]] == COLUMNS
    assert [c["text"] for c in plan["cells"]] == [t for _, _, texts in ROWS for t in texts]
    assert plan["cells"][-1]["sources"][0]["source"] == first["ref"]
    assert plan["cells"][0]["revisions"][0]["author_name"] == ZOE
    assert plan["considerations"] == [{"text": "IC Maps", "done": True}]


def _without_copy_details(record: dict[str, Any]) -> dict[str, Any]:
    """What may differ between a room and its imported copy: its code and own timestamps."""
    record = json.loads(json.dumps(record))
    del record["exported_at"]
    for key in ("code", "created_at", "closed_at"):
        del record["room"][key]
    for person in record["participants"]:
        del person["joined_at"]
    return record


def import_file(client: Any, data: bytes, filename: str = "room.json") -> Any:
    """Upload a file as the import form does (the body built here: werkzeug's test client
    would spool a large one to a temporary file it never closes)."""
    boundary = "wsapp-test-boundary"
    body = (
        (
            f"--{boundary}\r\n"
            f'Content-Disposition: form-data; name="record"; filename="{filename}"\r\n'
            "Content-Type: application/json\r\n\r\n"
        ).encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return post(
        client, "/rooms/import", body, content_type=f"multipart/form-data; boundary={boundary}"
    )


def test_export_import_export_gives_the_same_room(team: Team, app, workshop: Workshop):
    set_room(app, team.code, dots_named=True, exports_open=True, phase_index=3)
    first = download(team.lead, "room.json").data
    importer = app.test_client()
    response = import_file(importer, first)
    assert response.status_code == 204
    new_code = re.search(r"/r/([A-Z0-9]+)/lead", response.headers["HX-Redirect"]).group(1)
    assert new_code != team.code
    assert importer.get(f"/r/{new_code}/lead").status_code == 200  # this browser leads it
    copy = Member(importer, new_code, "facilitator")
    second = download(copy, "room.json").get_json()
    assert _without_copy_details(second) == _without_copy_details(json.loads(first))
    # The copy's exports match the original's, too.
    assert download(copy, "plan.csv").data == download(team.lead, "plan.csv").data
    assert download(copy, "notes.md").data.replace(new_code.encode(), b"") != b""
    with app.app_context():
        assert _room(team.code).facilitator_key_hash != _room(new_code).facilitator_key_hash


def test_an_export_larger_than_an_ordinary_request_imports(team: Team, app):
    """The CSRF check reads the upload's form too: under the import's own limit (4 MB),
    not the 64 KB every other request has."""
    record = download(team.lead, "room.json").data + b" " * (200 * 1024)
    response = import_file(app.test_client(), record)
    assert response.status_code == 204, response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("change", "status", "message"),
    [
        (lambda r: b"not json", 422, "not valid JSON"),
        (lambda r: b"", 422, "That file is empty"),
        (lambda r: {**r, "schema_version": 2}, 422, "expected schema_version 1"),
        (lambda r: {**r, "room": {**r["room"], "kit_id": "no-such-kit"}}, 422, "no-such-kit"),
        (lambda r: {**r, "surprise": 1}, 422, "surprise: is not expected here"),
        (
            lambda r: {**r, "notes": [{**r["notes"][0], "participant": 99}]},
            422,
            "participant 99",
        ),
        (
            lambda r: {**r, "notes": [{**r["notes"][0], "question_key": "x:y"}]},
            422,
            "not in the kit",
        ),
        (lambda r: b" " * (4 * 1024 * 1024 + 10), 413, "too large"),
    ],
)
def test_a_bad_import_says_what_is_wrong_and_creates_nothing(team, app, change, status, message):
    record = download(team.lead, "room.json").get_json()
    changed = change(record)
    data = changed if isinstance(changed, bytes) else json.dumps(changed).encode()
    with app.app_context():
        before = db.session.query(Room).count()
    response = import_file(app.test_client(), data)
    assert response.status_code == status
    assert message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.query(Room).count() == before


# --- Who may download ---------------------------------------------------------------------

EXPORTS = ["plan.csv", "plan.xlsx", "plan.md", "posters.csv", "posters.svg", "notes.md"]


@pytest.mark.parametrize("name", [*EXPORTS, "room.json"])
def test_strangers_never_get_the_record(team: Team, app, name):
    set_room(app, team.code, exports_open=True)
    stranger = Member(app.test_client(), team.code, "participant")
    download(stranger, name, 403)
    assert stranger.client.get(f"/r/{team.code}/record").status_code == 403


@pytest.mark.parametrize("name", EXPORTS)
def test_participants_get_the_record_once_the_facilitator_shares_it(team: Team, name):
    download(team.zoe, name, 403)
    assert team.zoe.client.get(f"/r/{team.code}/record").status_code == 403
    assert team.zoe.post_action("record.open", open="true").status_code == 403
    assert team.lead.post_action("record.open", open="true").status_code == 200
    download(team.zoe, name, 200)
    assert team.zoe.client.get(f"/r/{team.code}/record").status_code == 200
    assert team.lead.post_action("record.open", open="false").status_code == 200
    download(team.zoe, name, 403)


def test_the_whole_room_file_stays_with_the_facilitator(team: Team, app):
    set_room(app, team.code, exports_open=True)
    response = download(team.zoe, "room.json", 403)
    assert "facilitator" in response.get_data(as_text=True)


def test_an_unknown_room_is_404(client):
    assert client.get("/r/ZZZZZZ/export/plan.csv").status_code == 404


def words_of(page: Node, *tags: str) -> list[str]:
    """The words of every element with one of these tags, in document order."""
    return [node.words for node in page.all(lambda node: node.tag in tags)]


def links(page: Node) -> list[str]:
    return [node.attrs.get("href") or "" for node in page.find_all("a")]


def test_the_print_view_holds_plan_posters_and_notes(team: Team, app):
    set_room(app, team.code, quiet_write_shared=True)
    page = parse(team.lead.client.get(f"/r/{team.code}/record").get_data(as_text=True))
    assert words_of(page, "h1") == ["Cedar USD, “north”"]
    assert {"Action plan", "Poster dots", "Discussion notes", "Quiet write"} <= set(
        words_of(page, "h2", "h3")
    )
    rows = words_of(page, "tr")
    assert any(r.startswith("Major Focus District Leadership Actions") for r in rows)
    assert any(FORMULAS[0] in r for r in rows)  # on the page, text is text
    assert any(r.startswith("A1 ") and r.endswith("2 0 1 3") for r in rows)
    notes = words_of(page, "li")
    assert any(n.startswith("★ Starred: =HYPERLINK") for n in notes)
    assert not any("My secret" in n for n in notes)
    assert f"/r/{team.code}/export/room.json" in links(page)


def test_the_room_pages_show_the_record_card(team: Team):
    lead_page = parse(team.lead.client.get(f"/r/{team.code}/lead").get_data(as_text=True))
    assert "Let participants download the record" in words_of(lead_page, "button")
    assert f"/r/{team.code}/export/plan.xlsx" in links(lead_page)
    assert f"/r/{team.code}/export/plan.xlsx" not in links(
        parse(team.zoe.client.get(f"/r/{team.code}").get_data(as_text=True))
    )
    team.lead.post_action("record.open", open="true")
    zoe_page = parse(team.zoe.client.get(f"/r/{team.code}").get_data(as_text=True))
    assert f"/r/{team.code}/export/plan.xlsx" in links(zoe_page)
    assert f"/r/{team.code}/export/room.json" not in links(zoe_page)


def test_sharing_the_record_reaches_participants_live(team: Team, workshop: Workshop):
    workshop.connect(team.zoe)
    reply = team.lead.post_action("record.open", open="true")
    assert reply.status_code == 200
    html = "".join(swap["html"] for swap in team.zoe.swaps())
    assert 'id="record"' in html and f"/r/{team.code}/export/notes.md" in html


def test_the_facilitator_may_share_the_record_of_a_closed_room(team: Team):
    assert team.lead.post_action("room.close").status_code == 200
    assert team.lead.post_action("record.open", open="true").status_code == 200
    download(team.zoe, "plan.csv", 200)


def test_a_phone_that_missed_the_record_being_shared_gets_it_on_resync(workshop: Workshop):
    """The full state a reconnecting or resyncing phone gets carries every region its page
    shows: the record's card (shared while it was away) and who it is."""
    lead = workshop.connect(workshop.open_room())
    ana = workshop.connect(workshop.join(lead.code, "Ana"))
    ana.socket.disconnect()  # offline while the facilitator shares the record
    assert lead.act("record.open", open=True)["ok"]
    ana = workshop.connect(Member(ana.client, ana.code, "participant"))
    state = parse(ana.socket.emit("resync", callback=True)["html"])
    record = state.by_id("record")
    assert record is not None and "hidden" not in record.attrs
    assert record.find_all("a"), "the shared downloads"
    assert "Ana" in state.by_id("you").words
    lead_state = parse(lead.socket.emit("resync", callback=True)["html"])
    assert lead_state.by_id("record") is not None and lead_state.by_id("you") is None
