"""The workshop record: the whole room as one versioned document, and rooms made from one.

:class:`RoomRecord` is the JSON export (``room.json``); ``docs/room-export.schema.json`` is
its JSON Schema, generated from these models by :func:`json_schema` (a test keeps the two
equal). Rows point at each other by ``ref``: a number counted from 1 within the document,
never a database id, so exporting a room, importing it and exporting the copy gives the
same document except for the room's code and the timestamps of the copy itself.

What is never exported: quiet writes their writers kept private.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal, TypeVar

from pydantic import AfterValidator, ConfigDict, Field, ValidationError
from pydantic_core import PydanticCustomError
from sqlalchemy import delete, insert, select

from ..actions import ActionError, Args, describe_validation_error
from ..content import Question, Scale, library
from ..discussion.domain import NOTE_MAX, notes_by_question, phase_questions, question_label
from ..extensions import db
from ..feature import Feature, feature_conclusions
from ..identity import Actor
from ..limits import (
    ACTIONS_MAX,
    COLUMNS_MAX,
    ITEMS_PER_POSTER_MAX,
    NOTES_MAX,
    PEOPLE_MAX,
    POSTERS_MAX,
    ROWS_MAX,
)
from ..live import Publish
from ..models import (
    Dot,
    Note,
    PaperTally,
    Participant,
    PlanAction,
    PlanActionChange,
    PlanCell,
    PlanCellRevision,
    PlanColumn,
    PlanConsideration,
    PlanItemSource,
    PlanRow,
    Poster,
    PosterItem,
    PreviousTally,
    QuietWrite,
    Room,
    SurveyItem,
    utcnow,
)
from ..plan.actions import (
    ACTION_TEXT_MAX,
    DUE_EARLIEST,
    DUE_LATEST,
    EVIDENCE_MAX,
    OWNER_MAX,
    STATUSES,
    Status,
    plan_actions,
)
from ..plan.domain import checklist_heading, plan_considerations, plan_of, take_action_commitments
from ..posters.domain import (
    ITEM_TEXT_MAX,
    PAPER_COUNT_MAX,
    LevelKey,
    PosterSummary,
    room_scale,
    scale_for,
    summary,
    tally,
)
from ..posters.survey import SHARES_MAX, SurveyShare
from ..rooms.domain import NAME_MAX, kit_of, open_room
from ..text import ONE_LINE, Line, Typed

SCHEMA_VERSION: Literal[1] = 1
# A series runs for years at most: its sessions' days after the first one.
SERIES_DAYS_MAX = 3660
IMPORT_MAX_BYTES = 4 * 1024 * 1024
TOO_LARGE = f"That file is too large to import (over {IMPORT_MAX_BYTES >> 20} MB)."
TEXT_MAX = 20_000
RECORD_REGION = ("export/_record.html",)

bp = Feature("export", __name__)
# The record's card, on the facilitator's and the participants' pages.
bp.live_regions(page=RECORD_REGION, views=("participant", "facilitator"))

RefT = TypeVar("RefT", int, tuple[int, int])
Ref = Annotated[
    int, Field(ge=1, description="A ref: rows are numbered from 1 within the document.")
]
Name = Annotated[str, Field(min_length=1, max_length=NAME_MAX), ONE_LINE]
Text = Annotated[str, Field(max_length=TEXT_MAX)]


def _storable(moment: datetime) -> datetime:
    """A time with a zone is moved to UTC, which must still fall within years 1 to 9999."""
    if moment.tzinfo is None:
        return moment
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        raise PydanticCustomError(
            "time_out_of_range", "is not a time between the years 1 and 9999 in UTC"
        ) from None


# Stored times are naive UTC; a time without a zone is taken to be UTC already.
Moment = Annotated[datetime, AfterValidator(_storable)]


class _Part(Typed):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)


class RoomSettings(_Part):
    """The facilitator's switches, as they were when the record was exported."""

    locked: bool = False
    posters_locked: bool = False
    posters_revealed: bool = False
    dots_named: bool = False
    dot_budget: int | None = Field(default=None, ge=1, le=1000)
    notes_anonymous: bool = False
    spotlight_key: str | None = Field(default=None, max_length=160)
    quiet_write_open: bool = False
    quiet_write_shared: bool = False
    quiet_write_named: bool = False
    plan_locked: bool = False
    exports_open: bool = False
    scale_id: str | None = Field(
        default=None,
        max_length=80,
        description="The scale of the room's dots; null: the three colours of its kit.",
    )
    survey_title: str | None = Field(default=None, max_length=120)


class RecordRoom(_Part):
    code: str = Field(max_length=12, description="The room's join code; a copy gets its own.")
    title: Line = Field(min_length=1, max_length=120)
    kit_id: str = Field(max_length=80, description="Id of the workshop kit the room runs.")
    kit_title: str = Field(description="The kit's title, for people reading the file.")
    created_at: Moment
    closed_at: Moment | None = None
    phase_index: int = Field(ge=0, description="Position in the kit's phases, from 0.")
    phase_key: str = Field(description="Key of the phase at phase_index, for people reading.")
    settings: RoomSettings
    series_days: int | None = Field(
        default=None,
        ge=0,
        le=SERIES_DAYS_MAX,
        description="In a series: days after its first session (0 for the workshop itself).",
    )
    meets_on: date | None = Field(
        default=None,
        ge=DUE_EARLIEST,
        le=DUE_LATEST,
        description="In a series: the date the session is planned for.",
    )


class RecordParticipant(_Part):
    ref: Ref
    name: Name
    joined_at: Moment
    removed: bool = Field(description="The facilitator removed this person from the room.")
    without_device: bool = Field(
        default=False,
        description="Had no phone: the facilitator or a table captain acted for them.",
    )


class RecordDot(_Part):
    participant: Ref
    colour: LevelKey = Field(description="The key of a level of the room's scale.")
    placed_at: Moment


# Dots typed in from a paper poster, by level key.
PaperDots = dict[LevelKey, Annotated[int, Field(ge=0, le=PAPER_COUNT_MAX)]]


LevelCount = Annotated[int, Field(ge=0, le=PEOPLE_MAX * 1000)]


class RecordItem(_Part):
    ref: Ref
    label: Line = Field(min_length=1, max_length=20)
    code: Line | None = Field(
        default=None, max_length=20, description="The item's own code, from a poster file."
    )
    text: Text
    descriptors: list[Annotated[str, Field(max_length=ITEM_TEXT_MAX)]] = Field(
        default=[], max_length=10, description="What each level of the scale looks like."
    )
    removed: bool = False
    dots: list[RecordDot] = Field(default=[])
    paper: PaperDots | None = Field(
        default=None, description="Dots typed in from the item's paper poster, by level."
    )
    previous: dict[LevelKey, LevelCount] | None = Field(
        default=None,
        max_length=16,
        description=(
            "In a check-in: the team's dots on this item at the series' previous session, "
            "by level of the scale; the check-in's movement is measured from them."
        ),
    )


class RecordPoster(_Part):
    key: str = Field(min_length=1, max_length=40)
    title: Line = Field(min_length=1, max_length=200)
    statement: Text | None = None
    items: list[RecordItem] = Field(default=[], max_length=ITEMS_PER_POSTER_MAX)


class RecordSurveyItem(_Part):
    code: Line = Field(min_length=1, max_length=20)
    shares: list[SurveyShare] = Field(default=[], max_length=SHARES_MAX)
    mean: float | None = None
    score: float = Field(ge=0, le=1, description="From 0 (the worst response) to 1 (the best).")


class RecordNote(_Part):
    ref: Ref
    question_key: str = Field(max_length=160)
    participant: Ref | None = Field(description="Null for the facilitator's notes.")
    author_name: Name
    text: str = Field(min_length=1, max_length=NOTE_MAX)
    starred: bool = False
    created_at: Moment
    updated_at: Moment


class RecordQuietWrite(_Part):
    participant: Ref
    text: Text
    updated_at: Moment


class RecordRevision(_Part):
    revision: int = Field(ge=0)
    text: Text
    author_name: Name
    participant: Ref | None
    reason: str = Field(max_length=20)
    created_at: Moment


class RecordSource(_Part):
    kind: Literal["poster_item", "note"]
    source: Ref | None = Field(
        description="ref of the poster item or note it came from; null once that was deleted."
    )
    label: Text
    created_at: Moment


class RecordActionChange(_Part):
    field: Literal["added", "status", "owner", "due"]
    old: Annotated[str, Field(max_length=60)] = ""
    new: Annotated[str, Field(max_length=60)] = ""
    author_name: Name
    participant: Ref | None
    created_at: Moment


class RecordAction(_Part):
    """An action made from the cell: who owns it, when it is due, how far it has got."""

    text: Annotated[str, Field(min_length=1, max_length=ACTION_TEXT_MAX), ONE_LINE]
    owner: Annotated[str, Field(max_length=OWNER_MAX), ONE_LINE] = ""
    due_on: date | None = Field(default=None, ge=DUE_EARLIEST, le=DUE_LATEST)
    status: Status = "not_started"
    evidence: Annotated[str, Field(max_length=EVIDENCE_MAX)] = ""
    created_at: Moment
    updated_at: Moment
    changes: list[RecordActionChange] = Field(default=[], max_length=1000)


class RecordCell(_Part):
    row: Ref
    column: Ref
    text: Text = ""
    conflict_text: Text | None = None
    revision: int = Field(default=0, ge=0)
    updated_at: Moment
    revisions: list[RecordRevision] = Field(default=[])
    sources: list[RecordSource] = Field(default=[])
    actions: list[RecordAction] = Field(default=[], max_length=ACTIONS_MAX)


class RecordPlanRow(_Part):
    ref: Ref
    heading: Line = Field(min_length=1, max_length=200)
    detail: Line | None = Field(default=None, max_length=200)
    locked: bool = False


class RecordPlanColumn(_Part):
    ref: Ref
    heading: Line = Field(min_length=1, max_length=80)


class RecordConsideration(_Part):
    text: Text
    done: bool = False


class RecordPlan(_Part):
    rows: list[RecordPlanRow] = Field(default=[], max_length=ROWS_MAX)
    columns: list[RecordPlanColumn] = Field(default=[], max_length=COLUMNS_MAX)
    cells: list[RecordCell] = Field(default=[])
    considerations: list[RecordConsideration] = Field(default=[])


class RoomRecord(_Part):
    """A workshop room: what the team made in it, and the settings it ran with."""

    model_config = ConfigDict(
        extra="forbid",
        title="wsapp room export",
        json_schema_extra={
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": "https://wsapp.example/room-export.schema.json",
            "description": (
                "One workshop room as exported by GET /r/<code>/export/room.json and read by "
                "POST /rooms/import. Rows refer to each other by 'ref', numbered from 1 within "
                "the document. Times are UTC. Quiet writes their writers kept private are "
                "never exported; the others keep their writer even when shared without names. "
                "Generated from the models in wsapp/export/domain.py "
                "(json_schema())."
            ),
        },
    )

    schema_version: Literal[1] = Field(description="Bumped whenever the format changes.")
    exported_at: Moment
    room: RecordRoom
    participants: list[RecordParticipant] = Field(default=[], max_length=PEOPLE_MAX)
    posters: list[RecordPoster] = Field(default=[], max_length=POSTERS_MAX)
    notes: list[RecordNote] = Field(default=[], max_length=NOTES_MAX)
    quiet_writes: list[RecordQuietWrite] = Field(default=[])
    plan: RecordPlan = RecordPlan()
    survey: list[RecordSurveyItem] = Field(
        default=[],
        max_length=POSTERS_MAX * ITEMS_PER_POSTER_MAX,
        description="Survey results per item code, shown beside the team's dots.",
    )


def json_schema() -> dict[str, Any]:
    return RoomRecord.model_json_schema(mode="validation")


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC)


def _naive(moment: datetime) -> datetime:
    """As stored: naive UTC (a Moment with a zone is in UTC already)."""
    return moment.replace(tzinfo=None)


def _refs(rows: Iterable[Any]) -> dict[int, int]:
    """Database id -> ref, numbering the rows from 1 in the order given."""
    return {row.id: ref for ref, row in enumerate(rows, start=1)}


# --- Building the record ------------------------------------------------------------------


def build_record(room: Room) -> RoomRecord:
    """The whole room as a :class:`RoomRecord`."""
    kit = kit_of(room)
    phase = kit.phases[min(room.phase_index, len(kit.phases) - 1)]
    settings = RoomSettings.model_validate(
        {name: getattr(room, name) for name in RoomSettings.model_fields}
    )
    participants = list(
        db.session.scalars(
            select(Participant).where(Participant.room_id == room.id).order_by(Participant.id)
        )
    )
    person = _refs(participants)
    posters = list(
        db.session.scalars(
            select(Poster).where(Poster.room_id == room.id).order_by(Poster.position, Poster.id)
        )
    )
    items = [item for poster in posters for item in poster.items]
    item_ref = _refs(items)
    dots: dict[int, list[Dot]] = {}
    if items:
        for dot in db.session.scalars(
            select(Dot).where(Dot.item_id.in_(item_ref)).order_by(Dot.id)
        ):
            dots.setdefault(dot.item_id, []).append(dot)
    levels = room_scale(room).keys
    paper = {
        row.item_id: {level: row.counts.get(level, 0) for level in levels}
        for row in db.session.scalars(select(PaperTally).where(PaperTally.item_id.in_(item_ref)))
    }
    previous: dict[int, dict[str, int]] = {}
    for row in db.session.scalars(
        select(PreviousTally)
        .where(PreviousTally.item_id.in_(item_ref))
        .order_by(PreviousTally.item_id)
    ):
        previous.setdefault(row.item_id, {})[row.level] = row.count
    notes = list(db.session.scalars(select(Note).where(Note.room_id == room.id).order_by(Note.id)))
    note_ref = _refs(notes)
    return RoomRecord(
        schema_version=SCHEMA_VERSION,
        exported_at=_utc(utcnow()),
        room=RecordRoom(
            code=room.code,
            title=room.title,
            kit_id=room.kit_id,
            kit_title=kit.title,
            created_at=_utc(room.created_at),
            closed_at=_utc(room.closed_at) if room.closed_at else None,
            phase_index=room.phase_index,
            phase_key=phase.key,
            settings=settings,
            series_days=room.series_days,
            meets_on=room.meets_on,
        ),
        participants=[
            RecordParticipant(
                ref=person[p.id],
                name=p.name,
                joined_at=_utc(p.joined_at),
                removed=p.removed_at is not None,
                without_device=p.without_device,
            )
            for p in participants
        ],
        posters=[
            RecordPoster(
                key=poster.key,
                title=poster.title,
                statement=poster.statement,
                items=[
                    RecordItem(
                        ref=item_ref[item.id],
                        label=item.label,
                        code=item.code,
                        text=item.text,
                        descriptors=item.descriptors or [],
                        removed=item.removed_at is not None,
                        dots=[
                            RecordDot(
                                participant=person[dot.participant_id],
                                colour=dot.colour,
                                placed_at=_utc(dot.placed_at),
                            )
                            for dot in dots.get(item.id, [])
                        ],
                        paper=paper.get(item.id),
                        previous=previous.get(item.id),
                    )
                    for item in poster.items
                ],
            )
            for poster in posters
        ],
        notes=[
            RecordNote(
                ref=note_ref[note.id],
                question_key=note.question_key,
                participant=person.get(note.participant_id or 0),
                author_name=note.author_name,
                text=note.text,
                starred=note.starred,
                created_at=_utc(note.created_at),
                updated_at=_utc(note.updated_at),
            )
            for note in notes
        ],
        quiet_writes=[
            RecordQuietWrite(
                participant=person[write.participant_id],
                text=write.text,
                updated_at=_utc(write.updated_at),
            )
            for write in db.session.scalars(
                select(QuietWrite)
                .where(QuietWrite.room_id == room.id, QuietWrite.keep_private.is_(False))
                .order_by(QuietWrite.participant_id)
            )
        ],
        plan=_build_plan(room, person, {"poster_item": item_ref, "note": note_ref}),
        survey=[
            RecordSurveyItem(
                code=row.code,
                shares=[SurveyShare.model_validate(share) for share in row.shares],
                mean=row.mean,
                score=row.score,
            )
            for row in db.session.scalars(
                select(SurveyItem).where(SurveyItem.room_id == room.id).order_by(SurveyItem.id)
            )
        ],
    )


def _build_plan(
    room: Room, person: dict[int, int], source_refs: dict[str, dict[int, int]]
) -> RecordPlan:
    plan = plan_of(room)
    row_ref, column_ref = _refs(plan.rows), _refs(plan.columns)
    cells = [cell for _row, _column, cell in plan.all_cells()]
    revisions: dict[int, list[PlanCellRevision]] = {}
    for revision in db.session.scalars(
        select(PlanCellRevision)
        .where(PlanCellRevision.cell_id.in_([cell.id for cell in cells]))
        .order_by(PlanCellRevision.revision, PlanCellRevision.id)
    ):
        revisions.setdefault(revision.cell_id, []).append(revision)
    considerations = db.session.scalars(
        select(PlanConsideration)
        .where(PlanConsideration.room_id == room.id)
        .order_by(PlanConsideration.position, PlanConsideration.id)
    )
    actions = _build_actions(room, person)
    return RecordPlan(
        rows=[
            RecordPlanRow(ref=row_ref[r.id], heading=r.heading, detail=r.detail, locked=r.locked)
            for r in plan.rows
        ],
        columns=[RecordPlanColumn(ref=column_ref[c.id], heading=c.heading) for c in plan.columns],
        cells=[
            RecordCell(
                row=row_ref[cell.row_id],
                column=column_ref[cell.column_id],
                text=cell.text,
                conflict_text=cell.conflict_text,
                revision=cell.revision,
                updated_at=_utc(cell.updated_at),
                revisions=[
                    RecordRevision(
                        revision=r.revision,
                        text=r.text,
                        author_name=r.author_name,
                        participant=person.get(r.participant_id or 0),
                        reason=r.reason,
                        created_at=_utc(r.created_at),
                    )
                    for r in revisions.get(cell.id, [])
                ],
                sources=[
                    RecordSource(
                        kind=s.kind,  # type: ignore[arg-type]
                        source=source_refs.get(s.kind, {}).get(s.source_id),
                        label=s.label,
                        created_at=_utc(s.created_at),
                    )
                    for s in plan.sources.get(cell.id, [])
                ],
                actions=actions.get(cell.id, []),
            )
            for cell in cells
        ],
        considerations=[RecordConsideration(text=c.text, done=c.done) for c in considerations],
    )


def _build_actions(room: Room, person: dict[int, int]) -> dict[int, list[RecordAction]]:
    """The room's actions with their history, by the id of the cell they were made from."""
    changes: dict[int, list[PlanActionChange]] = {}
    for change in db.session.scalars(
        select(PlanActionChange)
        .join(PlanAction, PlanActionChange.action_id == PlanAction.id)
        .where(PlanAction.room_id == room.id)
        .order_by(PlanActionChange.id)
    ):
        changes.setdefault(change.action_id, []).append(change)
    by_cell: dict[int, list[RecordAction]] = {}
    for a in db.session.scalars(
        select(PlanAction).where(PlanAction.room_id == room.id).order_by(PlanAction.id)
    ):
        by_cell.setdefault(a.cell_id, []).append(
            RecordAction(
                text=a.text,
                owner=a.owner,
                due_on=a.due_on,
                status=a.status,  # type: ignore[arg-type]
                evidence=a.evidence,
                created_at=_utc(a.created_at),
                updated_at=_utc(a.updated_at),
                changes=[
                    RecordActionChange(
                        field=c.field,  # type: ignore[arg-type]
                        old=c.old,
                        new=c.new,
                        author_name=c.author_name,
                        participant=person.get(c.participant_id or 0),
                        created_at=_utc(c.created_at),
                    )
                    for c in changes.get(a.id, [])
                ],
            )
        )
    return by_cell


# --- Queries the exports share --------------------------------------------------------------


def plan_corner(room: Room) -> str:
    """The heading over the grid's row headings, from the kit's plan protocol."""
    for phase in kit_of(room).phases:
        if phase.kind == "plan" and phase.protocol:
            return library().protocols[phase.protocol].plan.corner
    return "Plan"


def plan_grid(room: Room) -> list[list[str]]:
    """The action plan as it appears on screen: a header row of column headings, then one
    row per plan row, its heading (and detail, on the next line) first."""
    plan = plan_of(room)
    grid = [[plan_corner(room), *(column.heading for column in plan.columns)]]
    for row in plan.rows:
        heading = f"{row.heading}\n{row.detail}" if row.detail else row.heading
        grid.append([heading, *(plan.cell(row, column).text for column in plan.columns)])
    return grid


@dataclass(frozen=True)
class Table:
    """One part of what the team concluded, header row first; the print view, the CSV, the
    Excel workbook (a sheet named ``sheet``) and the Markdown all write these same rows."""

    title: str
    sheet: str
    rows: list[list[str | int]]


def ranking_rows(ranked: PosterSummary, scale: Scale) -> list[list[str | int]]:
    """The summary's lists, each item with its rank, counts and spread (and, with a survey,
    how far the team's view is from the survey's)."""
    surveyed = ranked.survey_differs is not None
    rows: list[list[str | int]] = [
        [
            "Reading",
            "Rank",
            "Item",
            "Text",
            *(level.short for level in scale.levels),
            "Spread",
            *(["Team minus survey (0 to 1)"] if surveyed else []),
        ]
    ]
    for _reading, heading, entries in ranked.lists():
        for rank, entry in enumerate(entries, start=1):
            counts = [entry.counts[key] for key in scale.keys]
            row: list[str | int] = [
                heading,
                rank,
                entry.ref,
                entry.item.text,
                *counts,
                f"{entry.spread:.2f}",
            ]
            if surveyed:
                gap = entry.survey_gap
                row.append("" if gap is None else f"{gap:+.2f}")
            rows.append(row)
    return rows


def actions_table(room: Room) -> Table | None:
    """The plan's actions by due date (None when the team made none)."""
    listed = plan_actions(room)
    if not listed:
        return None
    rows: list[list[str | int]] = [["Action", "Cell", "Owner", "Due", "Status", "Evidence"]]
    rows += [
        [
            item.action.text,
            item.cell,
            item.action.owner,
            item.action.due_on.isoformat() if item.action.due_on else "",
            STATUSES.get(item.action.status, item.action.status),
            item.action.evidence,
        ]
        for item in listed
    ]
    return Table("Actions", "Actions", rows)


def conclusions(room: Room, *, with_actions: bool = True) -> list[Table]:
    """What the team concluded besides the plan grid: its actions (unless the page lists
    them itself), the considerations checklist, the Take Action commitments where the kit
    collects them, and the posters' strengths, gaps and disagreements, ranked as the
    summary ranks them."""
    tables = []
    made = actions_table(room) if with_actions else None
    if made is not None:
        tables.append(made)
    considerations = plan_considerations(room)
    if considerations:
        checklist: list[list[str | int]] = [["Consideration", "Considered"]]
        checklist += [[c.text, "Yes" if c.done else "No"] for c in considerations]
        tables.append(Table(checklist_heading(room), "Considerations", checklist))
    commitments = take_action_commitments(room)
    if commitments is not None:
        named = not room.notes_anonymous
        rows: list[list[str | int]] = [["Commitment", "By"] if named else ["Commitment"]]
        rows += [[n.text, n.author_name] if named else [n.text] for n in commitments]
        tables.append(Table("Take Action commitments", "Take Action", rows))
    if tally(room):
        ranking = ranking_rows(summary(room), room_scale(room))
        tables.append(Table("Strengths and gaps", "Strengths and gaps", ranking))
    for more in feature_conclusions():
        tables += more(room)
    return tables


@dataclass(frozen=True)
class NotedQuestion:
    question: Question
    code: str
    notes: list[Note]


@dataclass(frozen=True)
class NotesSection:
    """One phase of the agenda with the notes taken on its questions."""

    title: str
    questions: list[NotedQuestion]


def notes_sections(room: Room, leave_out: tuple[str, ...] = ()) -> list[NotesSection]:
    """The room's notes, phase by phase in agenda order, each question's starred first;
    without the phases of the kinds ``leave_out`` (shown elsewhere)."""
    notes = notes_by_question(room)
    sections = []
    for phase in kit_of(room).phases:
        if phase.kind in leave_out:
            for question in phase_questions(room, phase):
                notes.pop(question.key, None)
            continue
        questions = [
            NotedQuestion(q, question_label(q).code, notes.pop(q.key, []))
            for q in phase_questions(room, phase)
        ]
        if questions:
            sections.append(NotesSection(phase.title, questions))
    if notes:  # notes on questions the kit no longer shows
        sections.append(
            NotesSection(
                "Other notes",
                [
                    NotedQuestion(
                        Question(key, library().question_text(key) or key, None, "prompt"),
                        "",
                        found,
                    )
                    for key, found in notes.items()
                ],
            )
        )
    return sections


# --- Rooms made from a record -------------------------------------------------------------


def parse_record(data: bytes) -> RoomRecord:
    """Read an uploaded export, or raise ActionError saying what is wrong with it."""
    record = read_export(data, RoomRecord)
    check_consistent(record)
    return record


ExportT = TypeVar("ExportT", bound=Typed)


def read_export(data: bytes, model: type[ExportT]) -> ExportT:
    """Validate an uploaded export as ``model`` (a room's or a series'), or raise
    ActionError saying what is wrong with it."""
    if len(data) > IMPORT_MAX_BYTES:
        raise ActionError(TOO_LARGE, 413)
    if not data.strip():
        raise ActionError("That file is empty. Choose a room.json exported from wsapp.", 422)
    try:
        return model.model_validate_json(data)
    except ValidationError as error:
        first = error.errors()[0]
        if first["type"] == "json_invalid":
            raise ActionError(
                "That file is not a room export: it is not valid JSON.", 422
            ) from None
        if first["type"] == "too_long":  # more rows of some kind than a room may hold
            where = ".".join(str(part) for part in first["loc"])
            limit, what = first["ctx"]["max_length"], first["loc"][-1]
            raise ActionError(
                f"That room export is too large to import: {where} may hold at most "
                f"{limit} {what}.",
                422,
            ) from None
        if first["loc"] == ("schema_version",):
            raise ActionError(
                "That file is not a room export this version of wsapp can read "
                f"(expected schema_version {SCHEMA_VERSION}).",
                422,
            ) from None
        raise ActionError(
            f"That room export is not valid: {describe_validation_error(error)}.", 422
        ) from None


def check_consistent(record: RoomRecord) -> None:
    """What the schema cannot say: the kit exists and every ref points at something."""
    kit = library().kits.get(record.room.kit_id)
    if kit is None:
        raise ActionError(
            f"That room ran the kit {record.room.kit_id[:80]!r}, which this site does not "
            "have. It cannot be imported here.",
            422,
        )
    if record.room.phase_index >= len(kit.phases):
        raise ActionError(
            "That room export is not valid: room.phase_index is past the agenda.", 422
        )

    def unique(refs: list[RefT], what: str) -> set[RefT]:
        if len(set(refs)) != len(refs):
            raise ActionError(f"That room export is not valid: two {what} share a ref.", 422)
        return set(refs)

    def known(ref: int | None, refs: set[int], what: str) -> None:
        if ref is not None and ref not in refs:
            raise ActionError(
                f"That room export is not valid: it refers to {what} {ref}, which it does "
                "not contain.",
                422,
            )

    scale_id = record.room.settings.scale_id
    scales = library().all_scales
    if scale_id is not None and scale_id not in scales:
        raise ActionError(
            f"That room used the scale {scale_id[:80]!r}, which this site does not have. "
            "It cannot be imported here.",
            422,
        )
    levels = set(scale_for(kit.id, scale_id).keys)
    for poster in record.posters:
        for item in poster.items:
            placed = {dot.colour for dot in item.dots} | set(item.paper or {})
            if not placed <= levels:
                raise ActionError(
                    f"That room export is not valid: item {item.ref} has dots of "
                    f"{', '.join(sorted(placed - levels))[:80]}, which its scale has not.",
                    422,
                )
    if len({row.code for row in record.survey}) != len(record.survey):
        raise ActionError("That room export is not valid: two survey items share a code.", 422)
    if record.survey and not record.room.settings.survey_title:
        raise ActionError("That room export is not valid: its survey results have no title.", 422)
    people = unique([p.ref for p in record.participants], "participants")
    items = unique([i.ref for p in record.posters for i in p.items], "poster items")
    notes = unique([n.ref for n in record.notes], "notes")
    rows = unique([r.ref for r in record.plan.rows], "plan rows")
    columns = unique([c.ref for c in record.plan.columns], "plan columns")
    for poster in record.posters:
        for item in poster.items:
            for dot in item.dots:
                known(dot.participant, people, "participant")
            for level in item.previous or {}:
                if level not in levels:
                    raise ActionError(
                        f"That room export is not valid: item {item.ref}'s previous dots "
                        f"name the level {level!r}, which the posters' scale does not have.",
                        422,
                    )
    questions = _kit_question_keys(record.room.kit_id)
    for note in record.notes:
        known(note.participant, people, "participant")
        if note.question_key not in questions:
            raise ActionError(
                f"That room export is not valid: a note is on the question "
                f"{note.question_key[:80]!r}, which is not in the kit.",
                422,
            )
    unique([w.participant for w in record.quiet_writes], "quiet writes' writers")
    for write in record.quiet_writes:
        known(write.participant, people, "participant")
    unique([(c.row, c.column) for c in record.plan.cells], "plan cells")
    for cell in record.plan.cells:
        known(cell.row, rows, "plan row")
        known(cell.column, columns, "plan column")
        for revision in cell.revisions:
            known(revision.participant, people, "participant")
        unique([r.revision for r in cell.revisions], "revisions of one cell")
        for source in cell.sources:
            known(source.source, items if source.kind == "poster_item" else notes, source.kind)
        for made in cell.actions:
            for change in made.changes:
                known(change.participant, people, "participant")
    if sum(len(cell.actions) for cell in record.plan.cells) > ACTIONS_MAX:
        raise ActionError(
            f"That room export is too large to import: a plan may hold at most {ACTIONS_MAX} "
            "actions.",
            422,
        )


def _kit_question_keys(kit_id: str) -> set[str]:
    kit = library().kits[kit_id]
    keys = {q.key for q in kit.questions()}
    for guide_id in {phase.guide for phase in kit.phases if phase.guide}:
        keys.update(q.key for q in library().guides[guide_id].questions())
    return keys


def restore_room(record: RoomRecord, title: str | None = None) -> tuple[Room, str]:
    """A new room (new code, new facilitator key) holding the record's content, saved in
    one transaction: a record that fails half-way leaves nothing behind."""
    try:
        room, key = new_room_from(record, title)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return room, key


def new_room_from(record: RoomRecord, title: str | None = None) -> tuple[Room, str]:
    """A new room holding the record's content, in the session (the caller commits)."""
    room, key = open_room(record.room.kit_id, title or record.room.title)
    _fill(room, record)
    return room, key


def _insert(model: type[Any], rows: list[dict[str, Any]]) -> list[int]:
    """Insert the rows in one statement (a few, for a driver that batches) and return
    their ids in the same order, so what comes next can point at them."""
    if not rows:
        return []
    statement = insert(model).returning(model.id, sort_by_parameter_order=True)
    return list(db.session.scalars(statement, rows))


def _insert_many(model: type[Any], rows: list[dict[str, Any]]) -> None:
    """Insert rows nothing points at (dots, revisions...) as one executemany on the table,
    past the ORM's per-row bookkeeping: tens of thousands fit in an import's 4 MB."""
    if rows:
        db.session.execute(insert(model.__table__), rows)


def _by_ref(parts: Iterable[Any], ids: list[int]) -> dict[int, int]:
    """Each part's ref (in the record) -> the id of the row made from it."""
    return dict(zip((part.ref for part in parts), ids, strict=True))


def _fill(room: Room, record: RoomRecord) -> None:
    """Replace what create_room seeded from the kit with the record's content.

    Each table is written with one bulk insert: a dozen statements for the largest room
    the limits allow (``wsapp/limits.py``), never one per row.
    """
    for table in (Poster, PlanRow, PlanColumn, PlanConsideration):
        db.session.execute(delete(table).where(table.room_id == room.id))
    db.session.expire(room)
    for name, value in record.room.settings.model_dump().items():
        setattr(room, name, value)
    room.phase_index = record.room.phase_index
    room.series_days = record.room.series_days
    room.meets_on = record.room.meets_on
    now = utcnow()
    plan = record.plan

    people = _by_ref(
        record.participants,
        _insert(
            Participant,
            [
                {
                    "room_id": room.id,
                    "name": p.name,
                    "joined_at": _naive(p.joined_at),
                    "removed_at": now if p.removed else None,
                    "without_device": p.without_device,
                }
                for p in record.participants
            ],
        ),
    )

    def person_id(ref: int | None) -> int | None:
        return None if ref is None else people[ref]

    walls = _insert(
        Poster,
        [
            {
                "room_id": room.id,
                "position": position,
                "key": poster.key,
                "title": poster.title,
                "statement": poster.statement,
            }
            for position, poster in enumerate(record.posters)
        ],
    )
    items = [
        (wall, position, item)
        for wall, poster in zip(walls, record.posters, strict=True)
        for position, item in enumerate(poster.items)
    ]
    item_ids = _insert(
        PosterItem,
        [
            {
                "poster_id": wall,
                "position": position,
                "label": item.label,
                "code": item.code,
                "text": item.text,
                "descriptors": item.descriptors or None,
                "removed_at": now if item.removed else None,
            }
            for wall, position, item in items
        ],
    )
    _insert_many(
        Dot,
        [
            {
                "item_id": item_id,
                "participant_id": people[dot.participant],
                "colour": dot.colour,
                "placed_at": _naive(dot.placed_at),
            }
            for item_id, (*_, item) in zip(item_ids, items, strict=True)
            for dot in item.dots
        ],
    )
    _insert_many(
        PaperTally,
        [
            {"item_id": item_id, "counts": item.paper, "updated_at": now}
            for item_id, (*_, item) in zip(item_ids, items, strict=True)
            if item.paper is not None
        ],
    )
    _insert_many(
        SurveyItem,
        [{"room_id": room.id, **row.model_dump()} for row in record.survey],
    )
    _insert_many(
        PreviousTally,
        [
            {"item_id": item_id, "level": level, "count": count}
            for item_id, (*_, item) in zip(item_ids, items, strict=True)
            for level, count in (item.previous or {}).items()
        ],
    )
    notes = _by_ref(
        record.notes,
        _insert(
            Note,
            [
                {
                    "room_id": room.id,
                    "question_key": n.question_key,
                    "participant_id": person_id(n.participant),
                    "author_name": n.author_name,
                    "text": n.text,
                    "starred": n.starred,
                    "created_at": _naive(n.created_at),
                    "updated_at": _naive(n.updated_at),
                }
                for n in record.notes
            ],
        ),
    )
    _insert_many(
        QuietWrite,
        [
            {
                "room_id": room.id,
                "participant_id": people[w.participant],
                "text": w.text,
                "keep_private": False,
                "updated_at": _naive(w.updated_at),
            }
            for w in record.quiet_writes
        ],
    )
    _insert_many(
        PlanConsideration,
        [
            {"room_id": room.id, "position": i, "text": c.text, "done": c.done}
            for i, c in enumerate(plan.considerations)
        ],
    )
    rows = _by_ref(
        plan.rows,
        _insert(
            PlanRow,
            [
                {
                    "room_id": room.id,
                    "position": i,
                    "heading": r.heading,
                    "detail": r.detail,
                    "locked": r.locked,
                }
                for i, r in enumerate(plan.rows)
            ],
        ),
    )
    columns = _by_ref(
        plan.columns,
        _insert(
            PlanColumn,
            [
                {"room_id": room.id, "position": i, "heading": c.heading}
                for i, c in enumerate(plan.columns)
            ],
        ),
    )
    filled = {(c.row, c.column) for c in plan.cells}
    cells = [
        *plan.cells,
        *(
            RecordCell(row=r, column=c, updated_at=_utc(now))
            for r in rows
            for c in columns
            if (r, c) not in filled
        ),
    ]
    cell_ids = _insert(
        PlanCell,
        [
            {
                "row_id": rows[cell.row],
                "column_id": columns[cell.column],
                "text": cell.text,
                "conflict_text": cell.conflict_text,
                "revision": cell.revision,
                "updated_at": _naive(cell.updated_at),
            }
            for cell in cells
        ],
    )
    in_cells = list(zip(cell_ids, cells, strict=True))
    _insert_many(
        PlanCellRevision,
        [
            {
                "cell_id": cell_id,
                "revision": r.revision,
                "text": r.text,
                "author_name": r.author_name,
                "participant_id": person_id(r.participant),
                "reason": r.reason,
                "created_at": _naive(r.created_at),
            }
            for cell_id, cell in in_cells
            for r in cell.revisions
        ],
    )
    sources = {"poster_item": _by_ref((item for *_, item in items), item_ids), "note": notes}
    _insert_many(
        PlanItemSource,
        [
            {
                "cell_id": cell_id,
                "kind": s.kind,
                # 0 matches no row: the source had been deleted before the export.
                "source_id": sources[s.kind][s.source] if s.source else 0,
                "label": s.label,
                "created_at": _naive(s.created_at),
            }
            for cell_id, cell in in_cells
            for s in cell.sources
        ],
    )
    made = [(cell_id, a) for cell_id, cell in in_cells for a in cell.actions]
    action_ids = _insert(
        PlanAction,
        [
            {
                "room_id": room.id,
                "cell_id": cell_id,
                "text": a.text,
                "owner": a.owner,
                "due_on": a.due_on,
                "status": a.status,
                "evidence": a.evidence,
                "created_at": _naive(a.created_at),
                "updated_at": _naive(a.updated_at),
            }
            for cell_id, a in made
        ],
    )
    _insert_many(
        PlanActionChange,
        [
            {
                "action_id": action_id,
                "field": c.field,
                "old": c.old,
                "new": c.new,
                "author_name": c.author_name,
                "participant_id": person_id(c.participant),
                "created_at": _naive(c.created_at),
            }
            for action_id, (_cell_id, a) in zip(action_ids, made, strict=True)
            for c in a.changes
        ],
    )


def preferences(settings: RoomSettings) -> RoomSettings:
    """The facilitator's preferences of a room, for a new one: everything they opened
    (the reveal, the locks, the quiet write, the shared record) closed again."""
    return RoomSettings(
        scale_id=settings.scale_id,
        dots_named=settings.dots_named,
        dot_budget=settings.dot_budget,
        notes_anonymous=settings.notes_anonymous,
        quiet_write_named=settings.quiet_write_named,
    )


def blank_copy(record: RoomRecord) -> RoomRecord:
    """The same kit, posters and plan grid, ready for a new team: no people, dots, notes or
    plan text; the facilitator's preferences kept, everything they opened closed again."""
    return RoomRecord(
        schema_version=SCHEMA_VERSION,
        exported_at=record.exported_at,
        room=record.room.model_copy(
            update={
                "phase_index": 0,
                "closed_at": None,
                # A new team's room starts no series and measures no movement.
                "series_days": None,
                "meets_on": None,
                "settings": preferences(record.room.settings),
            }
        ),
        posters=[
            poster.model_copy(
                update={
                    "items": [
                        item.model_copy(update={"dots": [], "previous": None})
                        for item in poster.items
                        if not item.removed
                    ]
                }
            )
            for poster in record.posters
        ],
        plan=RecordPlan(
            rows=[row.model_copy(update={"locked": False}) for row in record.plan.rows],
            columns=record.plan.columns,
            considerations=[RecordConsideration(text=c.text) for c in record.plan.considerations],
        ),
    )


# --- Sharing the record with the team -------------------------------------------------------


class SetRecordOpen(Args):
    open: bool


@bp.action("record.open", SetRecordOpen, who="facilitator", while_closed=True)
def open_record(room: Room, actor: Actor, args: SetRecordOpen) -> Publish:
    """Let participants download the record too (or stop letting them)."""
    room.exports_open = args.open
    return Publish(regions=RECORD_REGION)
