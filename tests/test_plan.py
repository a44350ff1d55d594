"""The action plan: seeding, co-editing cells over sockets, merges and conflicts, history,
locks, who is editing, placing poster gaps and Take Action notes, the checklist."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import select

from wsapp.extensions import db
from wsapp.models import (
    Note,
    PlanCell,
    PlanCellRevision,
    PlanColumn,
    PlanConsideration,
    PlanItemSource,
    PlanRow,
    PosterItem,
    Room,
)
from wsapp.plan.domain import CELL_MAX
from wsapp.posters.domain import summary, tally

from .conftest import Member, Workshop, phase_index
from .dom import Node, parse


def pushed(member: Member) -> Node:
    """Everything pushed to this screen since last asked; where an element came more than
    once, its last (as on screen)."""
    return parse("".join(swap["html"] for swap in member.swaps()))


def page(member: Member) -> Node:
    path = f"/r/{member.code}/lead" if member.view == "facilitator" else f"/r/{member.code}"
    response = member.client.get(path)
    assert response.status_code == 200
    return parse(response.get_data(as_text=True))


def cells(app: Flask, code: str) -> dict[str, int]:
    """The room's cells by label, e.g. cells["Major Focus, 30 Days"]."""
    with app.app_context():
        rows = db.session.execute(
            select(PlanCell.id, PlanRow.heading, PlanColumn.heading)
            .join(PlanRow, PlanCell.row_id == PlanRow.id)
            .join(PlanColumn, PlanCell.column_id == PlanColumn.id)
            .join(Room, PlanRow.room_id == Room.id)
            .where(Room.code == code)
        )
        return {f"{row}, {column}": cell_id for cell_id, row, column in rows}


def cell(app: Flask, cell_id: int) -> PlanCell:
    with app.app_context():
        found = db.session.get(PlanCell, cell_id)
        assert found is not None
        db.session.expunge(found)
        return found


def revisions(app: Flask, cell_id: int) -> list[tuple[int, str, str, str]]:
    with app.app_context():
        return [
            (r.revision, r.author_name, r.reason, r.text)
            for r in db.session.scalars(
                select(PlanCellRevision)
                .where(PlanCellRevision.cell_id == cell_id)
                .order_by(PlanCellRevision.revision)
            )
        ]


MAJOR_30 = "Major Focus, 30 Days"


# --- Seeding ------------------------------------------------------------------------------


def test_a_readiness_room_gets_the_kits_grid_and_considerations(workshop: Workshop, app):
    lead = workshop.open_room()
    labels = cells(app, lead.code)
    assert len(labels) == 16
    assert {MAJOR_30, "Challenges, 120 Days", "Tools and Materials Needed, 60 Days"} <= set(labels)
    with app.app_context():
        room = db.session.scalar(select(Room).where(Room.code == lead.code))
        texts = db.session.scalars(
            select(PlanConsideration.text)
            .where(PlanConsideration.room_id == room.id)
            .order_by(PlanConsideration.position)
        ).all()
    assert texts[0] == "The Standards for Professional Learning"
    assert len(texts) == 5


def test_a_discussion_room_has_no_plan(workshop: Workshop, app):
    lead = workshop.open_room(kit="discussion-equity")
    assert cells(app, lead.code) == {}


def test_the_plan_phase_shows_a_labelled_field_per_cell_and_text_on_the_projector(team, app):
    lead, ana, _ben, projector = team
    shown = page(ana)
    field = shown.by_id(f"plan-cell-{cells(app, ana.code)[MAJOR_30]}-text").attrs
    assert field["aria-label"] == MAJOR_30
    assert "readonly" not in field
    assert field["data-revision"] == "0"
    # The projector shows the cells as text, with no fields and no controls.
    html = projector.client.get(f"/r/{projector.code}/projector").get_data(as_text=True)
    assert "<textarea" not in html and "plan-setup" not in html
    assert "plan-setup" in page(lead).ids()


# --- Editing together ---------------------------------------------------------------------


def test_an_edit_reaches_every_screen_with_its_new_revision(team, app):
    lead, ana, ben, projector = team
    cell_id = cells(app, ana.code)[MAJOR_30]
    reply = ana.act("plan.cell.edit", cell_id=cell_id, base_revision=0, text="Hire a coach ")
    assert reply["ok"], reply
    for member in (lead, ben, projector):
        fragment = pushed(member)
        text_id = f"plan-cell-{cell_id}-text"
        assert fragment.by_id(text_id).value == "Hire a coach ", member.view
        assert fragment.by_id(text_id).attrs["data-revision"] == "1"
        assert fragment.by_id(text_id).attrs["hx-swap-oob"] == "true"
    # Trailing spaces are kept: they are the start of the next word being typed.
    assert cell(app, cell_id).text == "Hire a coach "
    assert revisions(app, cell_id) == [(1, "Ana", "edit", "Hire a coach ")]


def test_a_typed_edit_tells_the_typist_what_the_cell_holds_now(team, app):
    _lead, ana, ben, _projector = team
    cell_id = cells(app, ana.code)[MAJOR_30]
    first = ana.act("plan.cell.edit", cell_id=cell_id, base_revision=0, text="Hire a coach")
    assert first["cell"] == {
        "cell_id": cell_id,
        "revision": 1,
        "text": "Hire a coach",
        "conflict": False,
    }
    # Typed against the empty cell too: the answer is the merge, which the page types on.
    merged = ben.act("plan.cell.edit", cell_id=cell_id, base_revision=0, text="Budget")
    assert merged == {
        "ok": True,
        "v": first["v"] + 1,
        "cell": {
            "cell_id": cell_id,
            "revision": 2,
            "text": "Budget\nHire a coach",
            "conflict": False,
        },
    }
    # Nothing new to save: the answer still says what the cell holds.
    same = ana.act("plan.cell.edit", cell_id=cell_id, base_revision=2, text="Budget\nHire a coach")
    assert same["cell"]["revision"] == 2 and same["cell"]["text"] == "Budget\nHire a coach"


def test_two_people_typing_in_one_cell_at_once_both_keep_their_words(team, app):
    _lead, ana, ben, _projector = team
    cell_id = cells(app, ana.code)[MAJOR_30]
    # Both start from the empty cell; Ana saves first, then Ben, from the same base.
    assert ana.act("plan.cell.edit", cell_id=cell_id, base_revision=0, text="Hire a coa")["ok"]
    assert ben.act("plan.cell.edit", cell_id=cell_id, base_revision=0, text="Budget")["ok"]
    assert cell(app, cell_id).text == "Budget\nHire a coa"
    # Ana types on from the text she had saved (revision 1), not knowing Ben's yet.
    assert ana.act("plan.cell.edit", cell_id=cell_id, base_revision=1, text="Hire a coach")["ok"]
    # Ben types on from the merged text he was sent (revision 2).
    ben_text = "Budget for coaching\nHire a coa"
    assert ben.act("plan.cell.edit", cell_id=cell_id, base_revision=2, text=ben_text)["ok"]
    saved = cell(app, cell_id)
    assert saved.text == "Budget for coaching\nHire a coach"
    assert saved.conflict_text is None
    history = revisions(app, cell_id)
    assert [(n, who, why) for n, who, why, _text in history] == [
        (1, "Ana", "edit"),
        (2, "Ben", "merge"),
        (3, "Ana", "merge"),
        (4, "Ben", "merge"),
    ]


def conflict(app: Flask, ana: Member, ben: Member, first: str, hers: str, his: str) -> int:
    """Ana saves ``first`` in the 30-day cell, then rewrites it as ``hers`` while Ben, from
    the same revision, rewrites it as ``his``: changes that cannot merge. The cell's id."""
    cell_id = cells(app, ana.code)[MAJOR_30]
    ana.act("plan.cell.edit", cell_id=cell_id, base_revision=0, text=first)
    ana.act("plan.cell.edit", cell_id=cell_id, base_revision=1, text=hers)
    ben.act("plan.cell.edit", cell_id=cell_id, base_revision=1, text=his)
    return cell_id


def test_changes_that_cannot_merge_keep_both_texts_until_someone_resolves(team, app):
    _lead, ana, ben, projector = team
    cell_id = conflict(app, ana, ben, "Hire a coach", "Hire two coaches", "Hire a mentor")
    saved = cell(app, cell_id)
    # Ben's text, typed last, stays in the cell; Ana's is kept beside it, not dropped.
    assert saved.text == "Hire a mentor"
    assert saved.conflict_text == "Hire two coaches"
    meta = pushed(projector).by_id(f"plan-cell-{cell_id}-meta").text
    assert "Two versions" in meta and "Hire two coaches" in meta

    # Resolving against a version that is no longer current is refused.
    stale = ana.act("plan.cell.resolve", cell_id=cell_id, base_revision=2, text="Hire two coaches")
    assert stale["ok"] is False and "changed" in stale["error"]
    both = "Hire a mentor\nHire two coaches"
    assert ana.act("plan.cell.resolve", cell_id=cell_id, base_revision=3, text=both)["ok"]
    saved = cell(app, cell_id)
    assert (saved.text, saved.conflict_text) == (both, None)
    assert revisions(app, cell_id)[-1][:3] == (4, "Ana", "resolve")
    again = ana.act("plan.cell.resolve", cell_id=cell_id, base_revision=4, text="x")
    assert again["ok"] is False and "no conflict" in again["error"]


def test_the_conflict_offers_its_choices_to_people_who_may_edit(team, app):
    _lead, ana, ben, _projector = team
    conflict(app, ana, ben, "one", "two", "three")
    html = ana.client.get(f"/r/{ana.code}").get_data(as_text=True)
    for choice in ("Keep the text above", "Use this version", "Keep both"):
        assert f'aria-label="{choice} in {MAJOR_30}"' in html


# --- Bad input changes nothing ------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"base_revision": 1, "text": "x" * (CELL_MAX + 1)}, f"at most {CELL_MAX} characters"),
        ({"base_revision": 5, "text": "forged"}, "no version 5"),
        ({"base_revision": -1, "text": "negative"}, "base_revision"),
        ({"base_revision": 1, "text": "extra", "author": "Ben"}, "not expected"),
        ({"base_revision": "one", "text": "typed"}, "base_revision"),
        ({"base_revision": 1}, "text: is required"),
    ],
)
def test_bad_edits_are_refused_and_the_saved_text_is_intact(team, app, args, message):
    _lead, ana, _ben, _projector = team
    cell_id = cells(app, ana.code)[MAJOR_30]
    ana.act("plan.cell.edit", cell_id=cell_id, base_revision=0, text="Saved plan")
    reply = ana.act("plan.cell.edit", cell_id=cell_id, **args)
    assert reply["ok"] is False
    assert message in reply["error"]
    saved = cell(app, cell_id)
    assert (saved.text, saved.revision) == ("Saved plan", 1)


def test_a_cell_of_another_room_or_none_at_all_is_refused(team, workshop: Workshop, app):
    _lead, ana, _ben, _projector = team
    other = workshop.open_room()
    stranger_cell = cells(app, other.code)[MAJOR_30]
    for cell_id in (stranger_cell, 10**6):
        reply = ana.act("plan.cell.edit", cell_id=cell_id, base_revision=0, text="Mine now")
        assert reply == {
            "ok": False,
            "error": "That cell is not in this room's plan. Reload the page.",
        }
    assert cell(app, stranger_cell).text == ""


def test_a_merge_that_would_overfill_the_cell_is_refused(team, app):
    _lead, ana, ben, _projector = team
    cell_id = cells(app, ana.code)[MAJOR_30]
    ana.act("plan.cell.edit", cell_id=cell_id, base_revision=0, text="a " * 600)
    reply = ben.act("plan.cell.edit", cell_id=cell_id, base_revision=0, text="b " * 600)
    assert reply["ok"] is False and "2000" in reply["error"]
    assert cell(app, cell_id).text == "a " * 600


def test_locks_stop_participants_but_not_the_facilitator(team, app):
    lead, ana, _ben, projector = team
    ids = cells(app, ana.code)
    assert ana.act("plan.cell.edit", cell_id=ids[MAJOR_30], base_revision=0, text="Before")["ok"]
    assert lead.act("plan.lock", locked=True)["ok"]
    assert "locked" in pushed(projector).by_id("plan-grid").text
    refused = ana.act("plan.cell.edit", cell_id=ids[MAJOR_30], base_revision=1, text="After")
    assert refused == {
        "ok": False,
        "error": "The facilitator has locked the plan; your text was not saved.",
    }
    assert (
        ana.post_action(
            "plan.cell.edit", cell_id=ids[MAJOR_30], base_revision=1, text="A"
        ).status_code
        == 409
    )
    assert "readonly" in page(ana).by_id(f"plan-cell-{ids[MAJOR_30]}-text").attrs
    assert lead.act("plan.cell.edit", cell_id=ids[MAJOR_30], base_revision=1, text="Lead")["ok"]

    # Unlock the plan, lock one row: only that row's cells are closed to participants.
    lead.act("plan.lock", locked=False)
    with app.app_context():
        row_id = db.session.get(PlanCell, ids[MAJOR_30]).row_id
    assert lead.act("plan.row.lock", row_id=row_id, locked=True)["ok"]
    refused = ana.act("plan.cell.edit", cell_id=ids[MAJOR_30], base_revision=2, text="Row")
    assert refused["ok"] is False and "Major Focus" in refused["error"]
    assert ana.act(
        "plan.cell.edit", cell_id=ids["Challenges, 30 Days"], base_revision=0, text="ok"
    )["ok"]
    assert cell(app, ids[MAJOR_30]).text == "Lead"
    # Only the facilitator locks.
    assert ana.act("plan.lock", locked=False)["ok"] is False


def test_a_closed_room_keeps_its_plan_as_it_was(team, app):
    lead, ana, _ben, _projector = team
    cell_id = cells(app, ana.code)[MAJOR_30]
    ana.act("plan.cell.edit", cell_id=cell_id, base_revision=0, text="Final")
    assert lead.act("room.close")["ok"]
    for member in (ana, lead):
        reply = member.act("plan.cell.edit", cell_id=cell_id, base_revision=1, text="Later")
        assert reply["ok"] is False and "closed" in reply["error"]
    assert cell(app, cell_id).text == "Final"
    assert "readonly" in page(lead).by_id(f"plan-cell-{cell_id}-text").attrs


# --- History ------------------------------------------------------------------------------


def test_everyone_sees_a_cells_history_and_the_facilitator_restores(team, app):
    lead, ana, ben, _projector = team
    cell_id = cells(app, ana.code)[MAJOR_30]
    ana.act("plan.cell.edit", cell_id=cell_id, base_revision=0, text="First idea")
    ben.act("plan.cell.edit", cell_id=cell_id, base_revision=1, text="Second idea")
    ana.act("plan.cell.edit", cell_id=cell_id, base_revision=2, text="Third idea")

    history = parse(
        ben.client.get(f"/r/{ben.code}/plan/cells/{cell_id}/history").get_data(as_text=True)
    )
    listed = history.by_id("plan-history").text
    assert f"History of {MAJOR_30}" in listed
    assert listed.index("Third idea") < listed.index("Second idea") < listed.index("First idea")
    assert "Ben" in listed and "Restore" not in listed

    lead_view = lead.client.get(f"/r/{lead.code}/plan/cells/{cell_id}/history?lead=1")
    assert "Restore version 1" in lead_view.get_data(as_text=True)
    # A stranger, and a participant asking for the facilitator's copy, are refused.
    assert app.test_client().get(f"/r/{ana.code}/plan/cells/{cell_id}/history").status_code == 403
    assert ana.client.get(f"/r/{ana.code}/plan/cells/{cell_id}/history?lead=1").status_code == 403

    assert ana.act("plan.cell.restore", cell_id=cell_id, revision=1)["ok"] is False
    assert lead.act("plan.cell.restore", cell_id=cell_id, revision=1)["ok"]
    assert cell(app, cell_id).text == "First idea"
    assert revisions(app, cell_id)[-1] == (4, "Facilitator", "restore", "First idea")
    assert lead.act("plan.cell.restore", cell_id=cell_id, revision=4)["ok"] is False
    assert lead.act("plan.cell.restore", cell_id=cell_id, revision=9)["ok"] is False
    assert len(revisions(app, cell_id)) == 4


def test_a_cells_history_takes_the_room_code_as_people_type_it(team, app):
    """The code in the history's URL reads as it does everywhere else: lower case or with
    its dash, it is the same room, not a 404 that spends one of the device's guesses."""
    _lead, ana, _ben, _projector = team
    cell_id = cells(app, ana.code)[MAJOR_30]
    ana.act("plan.cell.edit", cell_id=cell_id, base_revision=0, text="First idea")
    app.config["JOIN_ATTEMPTS_PER_MINUTE"] = 2
    for typed in (ana.code.lower(), f"{ana.code[:3]}-{ana.code[3:]}", ana.code.lower()):
        response = ana.client.get(f"/r/{typed}/plan/cells/{cell_id}/history")
        assert response.status_code == 200, typed
        assert "First idea" in response.get_data(as_text=True)
    # No guess was spent: the device can still open the room.
    assert ana.client.get(f"/r/{ana.code}").status_code == 200


# --- Who is editing -----------------------------------------------------------------------


@pytest.mark.parametrize("grace", [0, 5], ids=["gone at once", "still here for a grace"])
def test_everyone_sees_who_is_editing_which_cell_until_they_stop_or_leave(team, app, grace):
    app.config["PRESENCE_GRACE"] = grace
    lead, ana, ben, projector = team
    cell_id = cells(app, ana.code)[MAJOR_30]
    editing_id = f"plan-cell-{cell_id}-editing"
    assert ana.act("plan.editing", cell_id=cell_id)["ok"]
    for member in (lead, ben, projector):
        assert pushed(member).by_id(editing_id).text.strip() == "✎ Ana is editing"
    assert ben.act("plan.editing", cell_id=cell_id)["ok"]
    assert "Ana, Ben are editing" in pushed(lead).by_id(editing_id).text

    assert ben.act("plan.editing", cell_id=None)["ok"]
    assert pushed(projector).by_id(editing_id).text.strip() == "✎ Ana is editing"
    # Ana's phone drops off: she no longer shows as editing, at once (even while she still
    # counts as here, in case it was only a Wi-Fi blip).
    ana.socket.disconnect()
    assert pushed(projector).by_id(editing_id).text.strip() == ""

    # Only over the live connection, and only cells of the room.
    assert ben.post_action("plan.editing", cell_id=cell_id).status_code == 409
    assert ben.act("plan.editing", cell_id=10**6)["ok"] is False


# --- Placing items ------------------------------------------------------------------------


def test_a_poster_gap_and_a_discussion_note_are_placed_with_a_link_back(team, app):
    _lead, ana, ben, projector = team
    ids = cells(app, ana.code)
    with app.app_context():
        room = db.session.scalar(select(Room).where(Room.code == ana.code))
        item = db.session.scalars(
            select(PosterItem).join(PosterItem.poster).where(PosterItem.poster.has(room_id=room.id))
        ).first()
        item_id, item_text, ref = item.id, item.text, f"{item.poster.key}{item.label}"
        note = Note(
            room_id=room.id,
            question_key="readiness-planning:where-are-we-now",
            author_name="Ben",
            text="Map every PL offer to the district goals",
        )
        db.session.add(note)
        db.session.commit()
        note_id = note.id
    assert ben.act("dot.place", item_id=item_id, colour="red")["ok"]
    ben.swaps()

    # The plan phase lists the gap and the discussion's note, each with a way to place it.
    sources = page(ana).by_id("plan-sources").text
    assert ref in sources and "1 red" in sources and "Map every PL offer" in sources

    assert ana.act(
        "plan.place", source_kind="poster_item", source_id=item_id, cell_id=ids[MAJOR_30]
    )["ok"]
    assert ben.act("plan.place", source_kind="note", source_id=note_id, cell_id=ids[MAJOR_30])["ok"]
    saved = cell(app, ids[MAJOR_30])
    assert saved.text == f"{' '.join(item_text.split())}\nMap every PL offer to the district goals"
    assert [why for _n, _who, why, _text in revisions(app, ids[MAJOR_30])] == ["item", "item"]
    meta = pushed(projector).by_id(f"plan-cell-{ids[MAJOR_30]}-meta").text
    assert f"from poster {ref}" in meta and "from the discussion" in meta
    assert f"In the plan: {MAJOR_30}" in pushed(ana).by_id("plan-sources").text

    again = ana.act("plan.place", source_kind="note", source_id=note_id, cell_id=ids[MAJOR_30])
    assert again == {"ok": False, "error": "That item is already in this cell."}
    for kind, source_id in (("note", 10**6), ("poster_item", 10**6), ("dot", note_id)):
        reply = ana.act("plan.place", source_kind=kind, source_id=source_id, cell_id=ids[MAJOR_30])
        assert reply["ok"] is False
    with app.app_context():
        assert db.session.query(PlanItemSource).count() == 2


# --- The checklist and the grid's shape ---------------------------------------------------


def test_the_team_ticks_considerations_on_every_screen(team, app):
    _lead, ana, _ben, projector = team
    with app.app_context():
        first = db.session.scalars(select(PlanConsideration).order_by(PlanConsideration.id)).first()
        first_id = first.id
    assert (
        ana.post_action(
            "plan.consideration.toggle", consideration_id=first_id, done="true"
        ).status_code
        == 200
    )
    assert "☑" in pushed(projector).by_id("plan-considerations").text
    checkbox = page(ana).by_id(f"consideration-{first_id}").attrs
    assert "checked" in checkbox
    assert ana.act("plan.consideration.toggle", consideration_id=10**6, done=True)["ok"] is False


def test_the_facilitator_adds_and_renames_rows_and_columns(team, app):
    lead, ana, _ben, projector = team
    assert lead.act("plan.row.add", heading="Communication", detail="Who hears what")["ok"]
    assert lead.act("plan.column.add", heading="150 Days")["ok"]
    labels = cells(app, lead.code)
    assert len(labels) == 25
    assert "Communication, 150 Days" in labels
    grid = pushed(projector).by_id("plan-grid").text
    assert "Communication" in grid and "150 Days" in grid

    with app.app_context():
        column_id = db.session.get(PlanCell, labels[MAJOR_30]).column_id
    assert (
        lead.post_action(
            "plan.column.rename", column_id=column_id, heading="First month"
        ).status_code
        == 200
    )
    assert "Major Focus, First month" in cells(app, lead.code)
    # Participants cannot change the grid; bad headings are refused.
    assert ana.act("plan.row.add", heading="Mine")["ok"] is False
    assert lead.act("plan.column.rename", column_id=column_id, heading="")["ok"] is False
    assert lead.act("plan.column.rename", column_id=10**6, heading="Nope")["ok"] is False
    for n in range(7):
        lead.act("plan.row.add", heading=f"Extra {n}")
    reply = lead.act("plan.row.add", heading="One too many")
    assert reply == {"ok": False, "error": "A plan can have at most 12 rows."}


def test_only_an_unwritten_row_or_column_can_be_removed(team, app):
    lead, ana, _ben, projector = team
    assert lead.act("plan.row.add", heading="Added by mistake")["ok"]
    assert lead.act("plan.column.add", heading="150 Days")["ok"]
    labels = cells(app, lead.code)
    with app.app_context():
        mistake = db.session.get(PlanCell, labels["Added by mistake, 30 Days"]).row_id
        extra = db.session.get(PlanCell, labels["Major Focus, 150 Days"]).column_id
        major = db.session.get(PlanCell, labels[MAJOR_30]).row_id
    assert "Remove row 5 (nothing written in it)" in page(lead).by_id("plan-setup").text
    written = ana.act("plan.cell.edit", cell_id=labels[MAJOR_30], base_revision=0, text="Coaching")
    assert written["ok"]
    projector.swaps()

    # A row or column someone wrote in stays, with its words; participants cannot remove.
    assert lead.act("plan.row.remove", row_id=major) == {
        "ok": False,
        "error": "Someone has written in this row, so it stays; rename it instead.",
    }
    assert ana.act("plan.row.remove", row_id=mistake)["ok"] is False
    assert "Remove row 1" not in page(lead).by_id("plan-setup").text
    assert cell(app, labels[MAJOR_30]).text == "Coaching"

    # The empty ones go, from every screen.
    assert lead.act("plan.row.remove", row_id=mistake)["ok"]
    assert lead.act("plan.column.remove", column_id=extra)["ok"]
    assert len(cells(app, lead.code)) == 16
    grid = pushed(projector).by_id("plan-grid").text
    assert "Added by mistake" not in grid and "150 Days" not in grid and "Coaching" in grid
    assert lead.act("plan.row.remove", row_id=mistake)["ok"] is False  # already gone


def test_the_readiness_plan_offers_the_discussions_notes_not_an_empty_take_action(team, app):
    """The readiness kit collects no Take Action: its plan draws on the group discussion."""
    _lead, ana, ben, _projector = team
    reply = ben.act(
        "note.add",
        question_key="readiness-planning:where-are-we-now",
        text="Coaching reaches only two schools",
    )
    assert reply["ok"], reply
    html = parse(ana.client.get(f"/r/{ana.code}").get_data(as_text=True))
    sources = html.by_id("plan-sources")
    assert [h.words for h in sources.find_all("h3")] == [
        "Gaps from the posters",
        "From the discussion: Where are we now?",
    ]
    notes = sources.find(lambda n: n.attrs.get("aria-labelledby") == "plan-notes-1-title")
    assert [li.find_all("p")[0].words for li in notes.find_all("li")] == [
        "Coaching reaches only two schools — Ben"
    ]


# --- Gaps agree with the summary ----------------------------------------------------------


def test_the_plans_gaps_are_the_summarys_clear_gaps(workshop: Workshop, app):
    """C1 with one yellow dot among greens is a clear strength, not a gap to plan for."""
    lead = workshop.connect(workshop.open_room())
    people = [workshop.connect(workshop.join(lead.code, f"P{n}")) for n in range(1, 5)]
    with app.app_context():
        room = db.session.scalar(select(Room).where(Room.code == lead.code))
        ids = {entry.ref: entry.item.id for poster in tally(room) for entry in poster.items}
    colour = {"g": "green", "y": "yellow", "r": "red"}
    pattern = {"C1": "gggy", "B1": "rrrr", "B2": "rryy", "A3": "gggr", "C2": "yyyy"}
    for ref, letters in pattern.items():
        for member, letter in zip(people, letters, strict=True):
            assert member.act("dot.place", item_id=ids[ref], colour=colour[letter])["ok"]
    assert lead.act("phase.go", index=phase_index(app, "plan"))["ok"]
    with app.app_context():
        room = db.session.scalar(select(Room).where(Room.code == lead.code))
        ranked = summary(room)
    assert [e.ref for e in ranked.strengths] == ["C1"]
    assert [e.ref for e in ranked.gaps] == ["B1", "B2"]

    for member in (lead, people[0]):
        path = f"/r/{lead.code}/lead" if member is lead else f"/r/{lead.code}"
        html = parse(member.client.get(path).get_data(as_text=True))
        gaps = html.find(lambda n: n.attrs.get("aria-labelledby") == "plan-gaps-title")
        assert gaps is not None
        assert [ref.words for ref in gaps.by_class("plan-source-ref")] == ["B1", "B2"]
