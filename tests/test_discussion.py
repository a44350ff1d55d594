"""Discussion guides: the guide on screen, the team's live notes, stars, spotlight, Take Action."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from wsapp.discussion.domain import NOTE_MAX, notes_by_question, room_questions
from wsapp.extensions import db
from wsapp.models import Note, PlanCell, PlanColumn, PlanRow, Room

from .conftest import Member, Team, Workshop
from .dom import Node, parse

KIT = "discussion-alignment-coherence"
GUIDE = "alignment-coherence"
A2_YOURS = f"{GUIDE}:A:yours:2"
A1_FEATURED = f"{GUIDE}:A:featured:1"
TAKE_ACTION = f"{GUIDE}:take-action"
PHASES = {"warmup": 0, "A": 1, "B": 2, "C": 3, "take-action": 4}


# --- Reading what a screen shows -------------------------------------------------------


def pushed(member: Member) -> Node:
    """The latest change pushed to this screen (a participant's own rendering comes last)."""
    swaps = member.swaps()
    assert swaps, "nothing was pushed"
    return parse(swaps[-1]["html"])


def squash(text: str) -> str:
    return " ".join(text.split())


# --- Fixtures and helpers -----------------------------------------------------------------


def open_team(workshop: Workshop, kit: str = KIT, phase: int = PHASES["A"]) -> Team:
    return workshop.team(kit, phase)


@pytest.fixture
def team(workshop: Workshop) -> Team:
    return open_team(workshop)


def page(member: Member) -> Node:
    url = {"participant": "", "facilitator": "/lead", "projector": "/projector"}[member.view]
    response = member.client.get(f"/r/{member.code}{url}")
    assert response.status_code == 200
    return parse(response.get_data(as_text=True))


def all_notes(app) -> list[tuple[str, str, str, bool]]:
    with app.app_context():
        notes = db.session.scalars(select(Note).order_by(Note.id))
        return [(n.question_key, n.author_name, n.text, n.starred) for n in notes]


def note_id(app, text: str) -> int:
    with app.app_context():
        return db.session.scalars(select(Note.id).where(Note.text == text)).one()


def note_texts(tree: Node, key: str) -> list[str]:
    notes = tree.by_id(f"q-{key.replace(':', '_')}-notes")
    assert notes is not None
    return [squash(p.text) for p in notes.by_class("note-text")]


# --- The guide on screen ------------------------------------------------------------------


def test_an_element_shows_framing_then_featured_and_your_questions_paired(team: Team):
    tree = page(team.ana)
    phase = tree.by_id("phase")
    assert phase is not None
    assert "How does this professional learning (PL) system integrate policy" in phase.text
    pairs = phase.by_class("pairs")[0]
    articles = pairs.all(lambda n: n.tag == "article")
    labels = [a.attrs["aria-label"] for a in articles]
    # In the guide's order for a phone: the featured system's questions, then yours.
    assert labels == [f"Question A{n} about the featured PL system" for n in (1, 2, 3, 4)] + [
        f"Question A{n} about your PL system" for n in (1, 2, 3, 4)
    ]
    # Featured n and yours n share a grid row on a wide screen.
    rows = [next(c for c in a.classes if c.startswith("q-row-")) for a in articles]
    assert rows == ["q-row-1", "q-row-2", "q-row-3", "q-row-4"] * 2
    yours_2 = pairs.labelled("article", "Question A2 about your PL system")
    assert "How does your PL system frame educator development" in yours_2.text
    label = yours_2.all(lambda n: n.tag == "label")[0]
    assert squash(label.text) == "Your note on question A2 about your PL system"
    button = yours_2.all(lambda n: n.tag == "button")[0]
    assert squash(button.text) == "Add note on question A2 about your PL system"


def test_the_standards_indicators_are_one_tap_away_where_the_guide_has_a_standard(
    workshop: Workshop,
):
    team = open_team(workshop)
    details = page(team.ana).by_class("indicators")
    assert len(details) == 1 and details[0].tag == "details"
    assert squash(details[0].all(lambda n: n.tag == "summary")[0].text) == (
        "Indicators of the standard"
    )
    items = details[0].all(lambda n: n.tag == "li")
    assert [i.attrs["value"] for i in items] == ["1", "2", "3", "4"]
    assert items[0].text.startswith("Uses local goals and state direction")

    equity = open_team(workshop, kit="discussion-equity")
    assert page(equity.ana).by_class("indicators") == []


def test_the_warmup_links_the_standard_and_the_stories(workshop: Workshop):
    team = open_team(workshop, phase=PHASES["warmup"])
    tree = page(team.ana)
    hrefs = {a.attrs.get("href") for a in tree.by_id("phase").all(lambda n: n.tag == "a")}
    assert "https://www.cde.ca.gov/pd/ps/documents/qplsaligncoh.pdf" in hrefs
    assert "https://www.cde.ca.gov/pd/ps/plstoriesaligncoh.asp" in hrefs
    warmup = tree.labelled("article", "The warmup question")
    assert "What stands out to you about this standard and why?" in warmup.text


def test_the_projector_shows_questions_and_notes_without_forms(team: Team):
    assert team.ana.act("note.add", question_key=A2_YOURS, text="We map goals yearly")["ok"]
    tree = page(team.projector)
    phase = tree.by_id("phase")
    assert phase is not None
    assert phase.all(lambda n: n.tag in ("form", "textarea", "button")) == []
    assert note_texts(tree, A2_YOURS) == ["We map goals yearly"]


# --- Notes --------------------------------------------------------------------------------


def test_a_note_reaches_every_screen_with_its_authors_name(team: Team, app):
    reply = team.ana.act("note.add", question_key=A2_YOURS, text="  We use the LCAP goals  ")
    assert reply["ok"]
    assert all_notes(app) == [(A2_YOURS, "Ana", "We use the LCAP goals", False)]
    for member in team:
        tree = pushed(member)
        notes = tree.by_id("q-alignment-coherence_A_yours_2-notes")
        assert notes is not None
        assert notes.attrs["hx-swap-oob"] == "true"
        assert [squash(p.text) for p in notes.by_class("note-text")] == ["We use the LCAP goals"]
        meta = squash(notes.by_class("note-meta")[0].text)
        assert meta == ("You" if member is team.ana else "Ana")
    # The note forms are not in the push: nobody's half-typed note is swapped away.
    assert "textarea" not in "".join(s["html"] for s in team.ana.swaps())


def test_the_facilitator_adds_notes_too_and_http_works_like_the_socket(team: Team, app):
    assert team.lead.act("note.add", question_key=A1_FEATURED, text="From the video")["ok"]
    response = team.ben.post_action("note.add", question_key=A1_FEATURED, text="Agreed")
    assert response.status_code == 200
    assert [(k, who, text) for k, who, text, _ in all_notes(app)] == [
        (A1_FEATURED, "Facilitator", "From the video"),
        (A1_FEATURED, "Ben", "Agreed"),
    ]
    assert note_texts(page(team.ana), A1_FEATURED) == ["From the video", "Agreed"]


@pytest.mark.parametrize(
    "args,message",
    [
        ({"question_key": A2_YOURS, "text": ""}, "Type your note first"),
        ({"question_key": A2_YOURS, "text": " \n\t  "}, "Type your note first"),
        ({"question_key": A2_YOURS, "text": "x" * (NOTE_MAX + 1)}, "at most 500 characters"),
        ({"question_key": "alignment-coherence:A:yours:9", "text": "hi"}, "not part of"),
        ({"question_key": "equity:A:yours:1", "text": "hi"}, "not part of"),
        ({"question_key": "readiness-planning:where-are-we-now", "text": "hi"}, "not part of"),
        ({"question_key": A2_YOURS}, "text: is required"),
        ({"question_key": A2_YOURS, "text": "hi", "author": "Eve"}, "not expected"),
    ],
)
def test_bad_notes_are_refused_with_a_message_and_change_nothing(team: Team, app, args, message):
    version = Workshop(app).room(team.ana.code).version
    reply = team.ana.act("note.add", **args)
    assert reply["ok"] is False and message in reply["error"]
    assert all_notes(app) == []
    assert Workshop(app).room(team.ana.code).version == version
    response = team.ana.post_action("note.add", **args)
    assert response.status_code in (422,) and message in response.get_data(as_text=True)


def test_a_note_of_exactly_the_limit_is_kept_whole(team: Team, app):
    text = "é" * NOTE_MAX
    assert team.ana.act("note.add", question_key=A2_YOURS, text=text)["ok"]
    assert all_notes(app)[0][2] == text


def test_note_text_is_shown_exactly_as_typed_never_as_markup(team: Team, app):
    script = "<script>alert(1)</script>"
    bold = "**bold** & <b>not bold</b>"
    assert team.ana.act("note.add", question_key=A2_YOURS, text=script)["ok"]
    first = [pushed(member) for member in team]
    assert team.ana.act("note.add", question_key=A2_YOURS, text=bold)["ok"]
    # A question's first note goes out with its list; a later one alone, to join the list.
    later = [pushed(member) for member in team]
    for member, with_list, alone in zip(team, first, later, strict=True):
        assert note_texts(with_list, A2_YOURS) == [script]
        added = [squash(n.by_class("note-text")[0].text) for n in alone.by_class("note")]
        assert added == [bold]
        assert note_texts(page(member), A2_YOURS) == [script, bold]
        for tree in (with_list, alone, page(member)):
            # Plain text: no element was made of what was typed.
            shown = tree.by_class("note-text")
            assert shown and all(list(n.walk()) == [n] for n in shown)
    html = team.ana.client.get(f"/r/{team.ana.code}").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_a_later_note_joins_each_list_and_only_its_author_gets_its_buttons(team: Team, app):
    assert team.ana.act("note.add", question_key=A2_YOURS, text="first")["ok"]
    team.drain()
    assert team.ben.act("note.add", question_key=A2_YOURS, text="second")["ok"]
    second = note_id(app, "second")
    notes = "q-alignment-coherence_A_yours_2"
    for member in (team.lead, team.ana, team.projector):
        tree = pushed(member)
        joins = tree.all(lambda n: n.attrs.get("hx-swap-oob") == f"beforeend:#{notes}-list")
        assert len(joins) == 1 and joins[0].by_id(f"note-{second}") is not None
        assert page(member).by_id(f"{notes}-list") is not None  # where it goes
        assert squash(tree.by_id(f"{notes}-count").text) == "2 notes"
    # Ben's own rendering comes after the room's and replaces it with his buttons.
    own = pushed(team.ben).by_id(f"note-{second}")
    assert own.attrs["hx-swap-oob"] == "true"
    assert "Delete" in squash(own.text)


def test_authors_edit_and_delete_their_own_notes_only(team: Team, app):
    team.ana.act("note.add", question_key=A2_YOURS, text="Ana's first thought")
    team.ben.act("note.add", question_key=A2_YOURS, text="Ben's note")
    ana_note, ben_note = note_id(app, "Ana's first thought"), note_id(app, "Ben's note")
    team.drain()

    assert team.ana.act("note.edit", note_id=ana_note, text="Ana, on reflection")["ok"]
    tree = pushed(team.ben)
    assert note_texts(tree, A2_YOURS) == ["Ana, on reflection", "Ben's note"]
    assert "edited" in squash(tree.by_id(f"note-{ana_note}").text)

    before = all_notes(app)
    for name, args in (
        ("note.edit", {"note_id": ben_note, "text": "Ana was here"}),
        ("note.delete", {"note_id": ben_note}),
    ):
        reply = team.ana.act(name, **args)
        assert reply == {"ok": False, "error": "You can only change your own notes."}
        assert team.ana.post_action(name, **args).status_code == 403
    assert team.ana.act("note.edit", note_id=ana_note, text="   ")["ok"] is False
    assert team.ana.act("note.edit", note_id=9999, text="x")["ok"] is False
    assert all_notes(app) == before

    assert team.ana.act("note.delete", note_id=ana_note)["ok"]
    assert note_texts(pushed(team.projector), A2_YOURS) == ["Ben's note"]


def test_the_facilitator_edits_and_deletes_any_note(team: Team, app):
    team.ana.act("note.add", question_key=A2_YOURS, text="tpyo")
    team.ben.act("note.add", question_key=A2_YOURS, text="off topic")
    assert team.lead.act("note.edit", note_id=note_id(app, "tpyo"), text="typo")["ok"]
    assert team.lead.act("note.delete", note_id=note_id(app, "off topic"))["ok"]
    assert all_notes(app) == [(A2_YOURS, "Ana", "typo", False)]


def test_edit_buttons_appear_on_your_own_notes_and_on_all_for_the_facilitator(team: Team, app):
    def controls(tree: Node, note: int) -> list[str]:
        item = tree.by_id(f"note-{note}")
        assert item is not None
        found = item.all(lambda n: n.tag in ("button", "summary"))
        return [squash(n.text).split(" ")[0] for n in found]

    team.ana.act("note.add", question_key=A2_YOURS, text="mine")
    mine = note_id(app, "mine")
    assert controls(pushed(team.ana), mine) == ["Edit", "Save", "Delete"]
    team.ben.act("note.add", question_key=A2_YOURS, text="his")
    his = note_id(app, "his")
    # Ben's note reaches Ana without buttons; Ben's own rendering of it has them.
    assert controls(pushed(team.ana), his) == []
    assert controls(pushed(team.ben), his) == ["Edit", "Save", "Delete"]
    tree = page(team.ana)
    assert controls(tree, mine) == ["Edit", "Save", "Delete"]
    assert controls(tree, his) == []
    lead = page(team.lead)
    assert controls(lead, his) == ["Star", "Edit", "Save", "Delete"]
    assert controls(page(team.projector), his) == []


def test_starred_notes_lead_and_only_the_facilitator_stars(team: Team, app):
    for who, text in ((team.ana, "first"), (team.ben, "second"), (team.ana, "third")):
        who.act("note.add", question_key=A2_YOURS, text=text)
    third = note_id(app, "third")
    reply = team.ana.act("note.star", note_id=third, starred=True)
    assert reply == {"ok": False, "error": "Only the facilitator can do that."}
    team.drain()

    assert team.lead.act("note.star", note_id=third, starred=True)["ok"]
    for member in team:
        tree = pushed(member)
        assert note_texts(tree, A2_YOURS) == ["third", "first", "second"]
        starred = tree.by_id(f"note-{third}")
        assert starred is not None
        assert "starred" in starred.classes
        assert squash(starred.by_class("agreed")[0].text) == "Agreed"  # not colour alone
    with app.app_context():
        room = db.session.scalars(select(Room)).one()
        ordered = notes_by_question(room)[A2_YOURS]
        assert [n.text for n in ordered] == ["third", "first", "second"]

    assert team.lead.act("note.star", note_id=third, starred=False)["ok"]
    assert note_texts(pushed(team.ben), A2_YOURS) == ["first", "second", "third"]


def test_anonymous_notes_hide_names_on_every_screen(team: Team, app):
    team.ana.act("note.add", question_key=A2_YOURS, text="anonymous idea")
    assert team.ana.act("notes.anonymous", anonymous=True)["ok"] is False
    team.drain()
    assert team.lead.act("notes.anonymous", anonymous=True)["ok"]
    for member in team:
        for tree in (pushed(member), page(member)):
            assert "Ana" not in squash(tree.by_id("q-alignment-coherence_A_yours_2-notes").text)
    assert squash(page(team.ana).by_class("note-meta")[0].text) == "You"
    assert team.lead.act("notes.anonymous", anonymous=False)["ok"]
    assert squash(pushed(team.projector).by_class("note-meta")[0].text) == "Ana"


def test_a_locked_or_closed_room_takes_no_notes(team: Team, app):
    team.ana.act("note.add", question_key=A2_YOURS, text="before the lock")
    ana_note = note_id(app, "before the lock")
    assert team.lead.act("room.lock", locked=True)["ok"]
    for name, args in (
        ("note.add", {"question_key": A2_YOURS, "text": "sneaky"}),
        ("note.edit", {"note_id": ana_note, "text": "sneaky"}),
        ("note.delete", {"note_id": ana_note}),
    ):
        reply = team.ana.act(name, **args)
        assert reply == {"ok": False, "error": "The facilitator has locked the room for now."}
    # A locked room offers no note forms to participants.
    assert page(team.ana).by_id("phase").all(lambda n: n.tag == "form") == []
    assert team.lead.act("note.add", question_key=A2_YOURS, text="facilitator's summary")["ok"]

    assert team.lead.act("room.close")["ok"]
    reply = team.lead.act("note.add", question_key=A2_YOURS, text="after the end")
    assert reply["ok"] is False and "closed" in reply["error"]
    assert [text for _, _, text, _ in all_notes(app)] == [
        "before the lock",
        "facilitator's summary",
    ]
    assert page(team.lead).by_id("phase").all(lambda n: n.tag == "form") == []


def test_notes_stay_in_their_room(workshop: Workshop):
    first = open_team(workshop)
    second = open_team(workshop)
    second.drain()
    first.ana.act("note.add", question_key=A2_YOURS, text="private to the first room")
    for member in second:
        assert member.socket.get_received() == []
    assert note_texts(page(second.ana), A2_YOURS) == []


def test_every_guide_question_of_the_kit_takes_notes_and_nothing_else(workshop: Workshop, app):
    team = open_team(workshop, kit="discussion-equity")
    with app.app_context():
        room = db.session.scalars(select(Room)).one()
        keys = set(room_questions(room))
    assert "equity:warmup" in keys and "equity:take-action" in keys
    assert "equity:C:yours:3" in keys and A2_YOURS not in keys
    assert team.ana.act("note.add", question_key="equity:C:yours:3", text="ok")["ok"]
    assert team.ana.act("note.add", question_key=A2_YOURS, text="no")["ok"] is False


def test_a_protocol_prompt_takes_notes(workshop: Workshop, app):
    team = open_team(workshop, kit="readiness-planning", phase=1)
    key = "readiness-planning:where-are-we-now"
    tree = page(team.ana)
    prompt = tree.labelled("article", "The discussion prompt")
    assert "overall implementation of the ELA, math and Science" in prompt.text
    assert team.ana.act("note.add", question_key=key, text="Math adoption is uneven")["ok"]
    assert note_texts(pushed(team.lead), key) == ["Math adoption is uneven"]

    # Later phases show no notes, so a late note is saved and nothing is swapped in.
    assert team.lead.act("phase.go", index=2)["ok"]
    team.drain()
    assert team.lead.act("note.add", question_key=key, text="One more point")["ok"]
    assert [swap["html"].strip() for swap in team.lead.swaps()] == [""]
    assert team.lead.act("spotlight.set", question_key=key)["ok"]
    assert {swap["html"].strip() for swap in team.ana.swaps()} == {""}


# --- Spotlight ----------------------------------------------------------------------------


def test_the_spotlight_marks_one_question_on_every_screen(team: Team):
    assert team.ana.act("spotlight.set", question_key=A2_YOURS)["ok"] is False
    assert team.lead.act("spotlight.set", question_key="equity:A:yours:1")["ok"] is False
    team.drain()

    assert team.lead.act("spotlight.set", question_key=A2_YOURS)["ok"]
    for member in team:
        tree = pushed(member)
        head = tree.by_id("q-alignment-coherence_A_yours_2-head")
        assert head is not None
        assert head.attrs["hx-swap-oob"] == "true"
        assert head.attrs["data-spotlight"] == A2_YOURS
        assert squash(head.by_class("spotlight-badge")[0].text) == "Spotlight"
        others = tree.all(lambda n: "data-spotlight" in n.attrs)
        assert others == [head], "one question at a time"
        assert "form" not in [n.tag for n in tree.walk()], "the note forms are left alone"
    marked = page(team.ben).all(lambda n: "data-spotlight" in n.attrs)
    assert [n.attrs["id"] for n in marked] == ["q-alignment-coherence_A_yours_2-head"]

    assert team.lead.act("spotlight.set", question_key=A1_FEATURED)["ok"]
    tree = pushed(team.projector)
    assert [n.attrs["data-spotlight"] for n in tree.all(lambda n: "data-spotlight" in n.attrs)] == [
        A1_FEATURED
    ]
    assert team.lead.act("spotlight.set", question_key="")["ok"]
    assert pushed(team.ana).all(lambda n: "data-spotlight" in n.attrs) == []


def test_the_facilitator_sees_the_spotlight_and_can_clear_it(team: Team):
    team.lead.act("spotlight.set", question_key=A2_YOURS)
    controls = pushed(team.lead).by_id("discussion-controls")
    assert controls is not None
    assert "Question A2 about your PL system" in squash(controls.text)
    buttons = [squash(b.text) for b in controls.all(lambda n: n.tag == "button")]
    assert "Clear spotlight" in buttons


# --- Summary and Take Action --------------------------------------------------------------


def test_the_facilitator_summary_lists_notes_starred_first_and_questions_without_any(
    team: Team, app
):
    team.ana.act("note.add", question_key=A2_YOURS, text="older")
    team.ben.act("note.add", question_key=A2_YOURS, text="the agreed one")
    team.lead.act("note.star", note_id=note_id(app, "the agreed one"), starred=True)
    team.ben.act("note.add", question_key=A1_FEATURED, text="from the story")
    summary = pushed(team.lead).by_id("discussion-summary")
    assert summary is not None
    assert summary.attrs["hx-swap-oob"] == "true"
    assert "2 of 8 questions have notes." in squash(summary.text)
    empty = [
        squash(li.text) for li in summary.by_class("summary-empty")[0].all(lambda n: n.tag == "li")
    ]
    assert "Question A1 about your PL system" in empty
    assert "Question A2 about your PL system" not in empty and len(empty) == 6
    lists = summary.by_class("summary-notes")
    assert [squash(li.text) for li in lists[-1].all(lambda n: n.tag == "li")] == [
        "Agreed the agreed one",
        "older",
    ]
    # Participants and the projector see the notes, not the facilitator's summary.
    for member in (team.ana, team.projector):
        assert squash(pushed(member).by_id("discussion-summary").text) == ""


def test_take_action_collects_commitments_and_the_teams_agreements(team: Team, app):
    team.ana.act("note.add", question_key=A2_YOURS, text="We agree on induction")
    team.lead.act("note.star", note_id=note_id(app, "We agree on induction"), starred=True)
    team.lead.act("phase.go", index=PHASES["take-action"])
    tree = page(team.ana)
    action = tree.labelled("article", "The Take Action question")
    assert "What will you and your team do" in action.text
    assert squash(action.all(lambda n: n.tag == "button")[0].text).startswith("Add commitment")
    assert "We agree on induction" in squash(tree.by_id("discussion-summary").text)

    assert team.ben.act("note.add", question_key=TAKE_ACTION, text="Map PL to LCAP by May")["ok"]
    assert note_texts(pushed(team.projector), TAKE_ACTION) == ["Map PL to LCAP by May"]
    lead = page(team.lead)
    assert "kept with the room's record" in squash(lead.by_id("discussion-summary").text)
    # A discussion kit has no plan grid: nothing to send a commitment to yet.
    assert lead.all(lambda n: "send-to-plan" in n.classes) == []


def test_commitments_can_be_sent_to_the_plan_when_the_room_has_one(team: Team, app):
    team.lead.act("phase.go", index=PHASES["take-action"])
    team.ben.act("note.add", question_key=TAKE_ACTION, text="Pilot coaching cycles")
    commitment = note_id(app, "Pilot coaching cycles")
    with app.app_context():
        room = db.session.scalars(select(Room)).one()
        row = PlanRow(room_id=room.id, position=0, heading="Major focus")
        columns = [
            PlanColumn(room_id=room.id, position=i, heading=f"{d} days")
            for i, d in enumerate((30, 60))
        ]
        db.session.add_all([row, *columns])
        db.session.flush()
        cells = [PlanCell(row_id=row.id, column_id=c.id) for c in columns]
        db.session.add_all(cells)
        db.session.commit()
        cell_ids = [str(c.id) for c in cells]

    forms = page(team.lead).by_id(f"note-{commitment}").by_class("send-to-plan")
    assert len(forms) == 1
    form = forms[0]
    assert form.attrs["hx-post"] == f"/r/{team.lead.code}/lead/act/plan.place"
    hidden = {i.attrs["name"]: i.attrs["value"] for i in form.all(lambda n: n.tag == "input")}
    assert hidden == {"source_kind": "note", "source_id": str(commitment)}
    options = form.all(lambda n: n.tag == "option")
    assert [o.attrs["value"] for o in options] == cell_ids
    assert [squash(o.text) for o in options] == ["Major focus, 30 days", "Major focus, 60 days"]
    # Only the facilitator sends commitments to the plan.
    assert page(team.ben).all(lambda n: "send-to-plan" in n.classes) == []
