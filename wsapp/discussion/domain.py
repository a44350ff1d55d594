"""The discussion's rules: which questions a room has, notes on them, stars, the spotlight.

A note belongs to one question of the room's kit (a guide question or a prompt phase's
question), keyed as in :mod:`wsapp.content`. Notes reach every screen through
``discussion/_live_notes.html``, which re-renders the notes of the current phase: the
lists sit apart from the note forms, so nobody's half-typed note is swapped away.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask import current_app, render_template
from markupsafe import Markup, escape
from pydantic import Field
from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import aliased

from ..actions import ActionError, Args, part_of
from ..content import Phase, Question, library
from ..extensions import db, plain
from ..feature import Feature
from ..identity import Actor
from ..limits import NOTES_MAX, NOTES_PER_PERSON_MAX
from ..live import Publish, Viewer, per_change
from ..models import Note, PlanCell, PlanColumn, PlanRow, Room, utcnow
from ..rooms.domain import kit_of

NOTE_MAX = 500
KEY_MAX = 160
# Rendered notes a process keeps (see ``_note_html``): under 2 KB each.
NOTES_KEPT = 10_000

# Shared lists for every audience; each participant also gets their own rendering, with
# the edit and delete buttons on their own notes.
LIVE_NOTES = ("discussion/_live_notes.html",)
SPOTLIGHT = ("discussion/_spotlight_push.html",)
PHASE = ("rooms/_phase.html",)

bp = Feature("discussion", __name__)
# Each participant's notes carry their own edit and delete buttons.
bp.phase("guide_warmup", "phases/_guide_warmup.html", per_person=True)
bp.phase("guide_element", "phases/_guide_element.html", per_person=True)
bp.phase("prompt", "phases/_prompt.html", per_person=True)
bp.phase("take_action", "phases/_take_action.html", per_person=True)
bp.template_globals(note_max=NOTE_MAX)


# --- Questions ----------------------------------------------------------------------------


def room_questions(room: Room) -> dict[str, Question]:
    """Every question a note in this room may be on: its kit's guides' and its prompts."""
    kit = kit_of(room)
    guides = library().guides
    found: dict[str, Question] = {}
    for guide_id in dict.fromkeys(phase.guide for phase in kit.phases if phase.guide):
        found.update((q.key, q) for q in guides[guide_id].questions())
    found.update((q.key, q) for q in kit.questions())
    return found


@bp.template_global
def phase_questions(room: Room, phase: Phase) -> list[Question]:
    """The questions a phase puts on screen, in display order."""
    if phase.kind == "prompt":
        key = f"{room.kit_id}:{phase.key}"
        return [q for q in kit_of(room).questions() if q.key == key]
    if phase.guide is None:
        return []
    questions = library().guides[phase.guide].questions()
    if phase.kind == "guide_warmup":
        return [q for q in questions if q.side == "warmup"]
    if phase.kind == "guide_element":
        return [q for q in questions if q.element_key == phase.element]
    if phase.kind == "take_action":
        return [q for q in questions if q.side == "take-action"]
    return []


@dataclass(frozen=True)
class QuestionLabel:
    """How a question is named: ``code`` beside it ("A2"), ``name`` in labels."""

    code: str
    name: str

    @property
    def title(self) -> str:
        return self.name[:1].upper() + self.name[1:]


@bp.template_global
def question_label(question: Question) -> QuestionLabel:
    if question.side == "featured":
        code = f"{question.element_key}{question.number}"
        return QuestionLabel(code, f"question {code} about the featured PL system")
    if question.side == "yours":
        code = f"{question.element_key}{question.number}"
        return QuestionLabel(code, f"question {code} about your PL system")
    if question.side == "warmup":
        return QuestionLabel("Warmup", "the warmup question")
    if question.side == "take-action":
        return QuestionLabel("Take Action", "the Take Action question")
    return QuestionLabel("Prompt", "the discussion prompt")


@bp.template_global
def question_anchor(key: str) -> str:
    """An element id for a question key (parts of keys never contain an underscore)."""
    return "q-" + key.replace(":", "_")


_URL = re.compile(r"https?://[^\s<>\"]*[^\s<>\".,;:!?)]")


@bp.template_global
def linkify(text: str) -> Markup:
    """Content text with its web addresses as links that open in a new tab.

    For the guides' own text only; a note is always shown exactly as typed.
    """
    parts: list[Markup] = []
    last = 0
    for found in _URL.finditer(text):
        parts.append(escape(text[last : found.start()]))
        parts.append(
            Markup('<a href="{0}" target="_blank" rel="noopener">{0}</a>').format(found[0])
        )
        last = found.end()
    parts.append(escape(text[last:]))
    return Markup("").join(parts)


@bp.template_global
def can_write(room: Room, viewer: Viewer) -> bool:
    """Whether this screen offers note forms now; the dispatcher enforces the same rules."""
    if room.is_closed or viewer.is_projector:
        return False
    return viewer.is_facilitator or not room.locked


# --- Queries ------------------------------------------------------------------------------


@bp.template_global
@per_change
def notes_by_question(room: Room) -> dict[str, list[Note]]:
    """The room's notes per question key: starred first, then oldest first."""
    found: dict[str, list[Note]] = {}
    notes = db.session.scalars(
        select(Note)
        .where(Note.room_id == room.id)
        .order_by(Note.starred.desc(), Note.created_at, Note.id)
    )
    for note in notes:
        found.setdefault(note.question_key, []).append(note)
    return found


@bp.template_global
def starred_count(notes: list[Note]) -> int:
    return sum(1 for note in notes if note.starred)


@bp.template_global
def note_items(
    room: Room,
    viewer: Viewer,
    notes: list[Note],
    noun: str,
    label: QuestionLabel,
    cells: list[tuple[int, str]],
    first: int = 1,
    oob: bool = False,
) -> Markup:
    """A question's notes as this screen shows them (``discussion/_note.html`` each): with
    buttons on its own notes (on all of them, for the facilitator) while it may write.
    ``first`` is the first note's number in the list; ``oob`` makes each replace itself.

    A change to the notes re-renders the list for every participant, each with their own
    buttons, and notes come in fast while a team talks. So every participant's list is
    joined from the notes as anyone sees them (rendered once per change for everyone) and
    their own notes, and each note's HTML is kept (``_note_html``) until it changes."""
    writable = can_write(room, viewer)
    me = viewer.participant.id if viewer.participant is not None else None
    plain = _plain_notes(room, tuple(notes), oob)
    shown = []
    for number, (note, html) in enumerate(zip(notes, plain, strict=True), start=first):
        author = note.participant_id
        mine = viewer.is_facilitator if author is None else (me is not None and author == me)
        if writable and (mine or viewer.is_facilitator):
            which = f"{noun} {number} on {label.name}"
            html = _note_html(room, note, mine, oob, viewer, which, noun, tuple(cells))
        elif mine:
            html = _note_html(room, note, mine, oob)
        shown.append(html)
    return Markup("\n".join(shown))


@per_change
def _plain_notes(room: Room, notes: tuple[Note, ...], oob: bool) -> list[str]:
    """The notes as a screen that did not write them and has no buttons shows them."""
    return [_note_html(room, note, False, oob) for note in notes]


def _note_html(
    room: Room,
    note: Note,
    mine: bool,
    oob: bool,
    viewer: Viewer | None = None,
    which: str = "",
    noun: str = "",
    cells: tuple[tuple[int, str], ...] = (),
) -> str:
    """One note rendered, without buttons or (given the viewer) with them; kept per process
    under everything it shows, so an unchanged note is not rendered again for the next
    change. Whatever ``discussion/_note.html`` comes to show must be part of the key."""
    key: tuple[object, ...] = (
        note.id,
        note.text,
        note.author_name,
        note.starred,
        note.updated_at > note.created_at,
        mine,
        room.notes_anonymous,
        oob,
    )
    if viewer is not None:
        key += (room.code, viewer.view, which, noun, cells)
    kept: dict[tuple[object, ...], str] = current_app.extensions.setdefault("wsapp_notes", {})
    html = kept.get(key)
    if html is None or current_app.debug:
        html = render_template(
            "discussion/_note.html",
            room=room,
            note=note,
            mine=mine,
            note_oob=oob,
            controls=viewer is not None,
            viewer=viewer,
            which=which,
            noun=noun,
            cells=list(cells),
        )
        if len(kept) >= NOTES_KEPT:
            kept.clear()  # a bound, not a policy: a busy process re-renders what it needs
        kept[key] = html
    return html


@bp.template_global
@per_change
def plan_cells(room: Room) -> list[tuple[int, str]]:
    """The room's action-plan cells as (id, "row heading, column heading"), row by row."""
    rows = db.session.execute(
        select(PlanCell.id, PlanRow.heading, PlanColumn.heading)
        .join(PlanRow, PlanCell.row_id == PlanRow.id)
        .join(PlanColumn, PlanCell.column_id == PlanColumn.id)
        .where(PlanRow.room_id == room.id)
        .order_by(PlanRow.position, PlanColumn.position)
    )
    return [(cell_id, f"{row}, {column}") for cell_id, row, column in rows]


# --- Notes --------------------------------------------------------------------------------


def _notes_changed() -> Publish:
    return Publish(regions=LIVE_NOTES, personal=LIVE_NOTES)


def _note_text(text: str, *, empty: str) -> str:
    """The note's text, unless it is empty or too long to be a note."""
    if not text:
        raise ActionError(empty, 422)
    if len(text) > NOTE_MAX:
        raise ActionError(
            f"A note can be at most {NOTE_MAX} characters; this one has {len(text)}. "
            "Shorten it or split it into two notes.",
            422,
        )
    return text


def _note_in(room: Room, note_id: int) -> Note:
    return part_of(room, Note, note_id, "That note is not in this room any more.")


def _check_may_change(actor: Actor, note: Note) -> None:
    if actor.is_facilitator:
        return
    assert actor.participant is not None
    if note.participant_id != actor.participant.id:
        raise ActionError("You can only change your own notes.", 403)


class AddNote(Args):
    question_key: str = Field(max_length=KEY_MAX)
    text: str


_IN_ROOM = aliased(Note)
# Every note added runs it; built once (see live._BUMP). Counts the question's notes,
# its starred ones and the author's (a facilitator's have no participant), and the room's.
_NOTES_SO_FAR = select(
    func.count(Note.id),
    func.count(Note.id).filter(Note.starred),
    func.count(Note.id).filter(Note.participant_id.is_not_distinct_from(bindparam("author_id"))),
    select(func.count(_IN_ROOM.id))
    .where(_IN_ROOM.room_id == bindparam("room_id"))
    .scalar_subquery(),
).where(Note.room_id == bindparam("room_id"), Note.question_key == bindparam("question_key"))


@bp.action("note.add", AddNote, who="anyone")
def add_note(room: Room, actor: Actor, args: AddNote) -> Publish:
    if args.question_key not in room_questions(room):
        raise ActionError("That question is not part of this room's discussion.", 422)
    text = _note_text(args.text, empty="Type your note first: an empty note was not added.")
    author_id = actor.participant.id if actor.participant else None
    earlier, agreed, mine, in_room = plain(
        _NOTES_SO_FAR,
        {"room_id": room.id, "question_key": args.question_key, "author_id": author_id},
    ).one()
    if in_room >= NOTES_MAX:
        raise ActionError(
            f"This room already holds {NOTES_MAX} notes, the most it can. "
            "Edit a note instead of adding one.",
            409,
        )
    if mine >= NOTES_PER_PERSON_MAX:
        raise ActionError(
            f"You have added {NOTES_PER_PERSON_MAX} notes on this question, the most one "
            "person can. Edit one of yours instead.",
            409,
        )
    now = utcnow()  # one moment for both, so a note is "edited" only once it is
    note = Note(
        room_id=room.id,
        question_key=args.question_key,
        participant_id=author_id,
        author_name=actor.name,
        text=text,
        created_at=now,
        updated_at=now,
    )
    db.session.add(note)
    if not earlier:
        return _notes_changed()  # the question's first: its list replaces "No notes yet"
    db.session.flush()
    # A later note goes out alone, to the end of every list (see _note_added.html), and
    # with its buttons to its author; with the question's new count.
    return Publish(
        regions=LIVE_NOTES,
        own=LIVE_NOTES,
        context={"added_note": note, "counted": (earlier + 1, agreed)},
    )


class EditNote(Args):
    note_id: int = Field(ge=1)
    text: str


@bp.action("note.edit", EditNote, who="anyone")
def edit_note(room: Room, actor: Actor, args: EditNote) -> Publish:
    note = _note_in(room, args.note_id)
    _check_may_change(actor, note)
    text = _note_text(args.text, empty="A note cannot be empty. To remove it, delete it.")
    if text != note.text:
        note.text = text
        note.updated_at = utcnow()
    return _notes_changed()


class NoteRef(Args):
    note_id: int = Field(ge=1)


@bp.action("note.delete", NoteRef, who="anyone")
def delete_note(room: Room, actor: Actor, args: NoteRef) -> Publish:
    note = _note_in(room, args.note_id)
    _check_may_change(actor, note)
    db.session.delete(note)
    return _notes_changed()


class StarNote(Args):
    note_id: int = Field(ge=1)
    starred: bool


@bp.action("note.star", StarNote, who="facilitator")
def star_note(room: Room, actor: Actor, args: StarNote) -> Publish:
    """A starred note is what the team agreed on; it leads its question's list."""
    note = _note_in(room, args.note_id)
    note.starred = args.starred
    return _notes_changed()


class SetAnonymous(Args):
    anonymous: bool


@bp.action("notes.anonymous", SetAnonymous, who="facilitator")
def set_anonymous(room: Room, actor: Actor, args: SetAnonymous) -> Publish:
    """Hide (or show again) the authors' names on every screen, the projector included."""
    room.notes_anonymous = args.anonymous
    return Publish(regions=PHASE, personal=PHASE)


# --- Spotlight ----------------------------------------------------------------------------


class SetSpotlight(Args):
    question_key: str = Field(default="", max_length=KEY_MAX)


@bp.action("spotlight.set", SetSpotlight, who="facilitator")
def set_spotlight(room: Room, actor: Actor, args: SetSpotlight) -> Publish:
    """Point every screen at one question; an empty key clears the spotlight."""
    if args.question_key and args.question_key not in room_questions(room):
        raise ActionError("That question is not part of this room's discussion.", 422)
    room.spotlight_key = args.question_key or None
    return Publish(regions=SPOTLIGHT)
