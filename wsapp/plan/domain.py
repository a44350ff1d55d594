"""The plan's rules: seeding the grid from the kit, editing cells at once, history, locks,
placing poster gaps and Take Action notes into cells, and the considerations checklist.

A cell's ``revision`` counts its saved texts; every saved text is a PlanCellRevision.
An edit names the revision its typist started from, so edits made at the same time are
merged (see :mod:`.merge`) instead of one overwriting the other.

Live regions: ``plan/_grid.html``, whole when the grid's shape changes; ``CELLS``, each
cell's text and details (each its own out-of-band fragment, so a focused cell is held back
alone), and ``EDITING``, who is typing where, are parts of it (``live.Parts``).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from flask import request
from pydantic import ConfigDict, Field
from sqlalchemy import bindparam, select

from ..actions import ActionError, Args, SetLocked, part_of
from ..content import Kit, Phase, library
from ..extensions import db, plain
from ..feature import Feature
from ..identity import Actor
from ..limits import COLUMNS_MAX, ROWS_MAX
from ..live import Parts, Publish, connection_is_live, per_change
from ..models import (
    Connection,
    Note,
    Participant,
    PlanAction,
    PlanCell,
    PlanCellRevision,
    PlanColumn,
    PlanConsideration,
    PlanItemSource,
    PlanRow,
    Poster,
    PosterItem,
    Room,
    utcnow,
)
from ..posters.domain import ItemTally, summary
from ..text import Line
from .merge import Outcome, reconcile

CELL_MAX = 2000
GAPS_SHOWN = 12

bp = Feature("plan", __name__)
bp.phase("plan", "phases/_plan.html")
bp.template_globals(plan_cell_max=CELL_MAX)

# Each cell's text and details, who is typing in it: pushed as parts of the grid.
CELLS = (Parts("plan/_grid.html", ("plan/_cell_text.html", "plan/_cell_meta.html")),)
EDITING = (Parts("plan/_grid.html", ("plan/_cell_editing.html",)),)
bp.live_regions(presence=EDITING)  # who is typing where goes when they go offline
CONSIDERATIONS = ("plan/_considerations.html",)
SOURCES = ("plan/_sources.html",)
# The grid's shape or locks changed: everything that names rows, columns or cells.
SHAPE = ("plan/_grid.html", "plan/_setup.html", *CONSIDERATIONS, *SOURCES)


# --- Seeding ------------------------------------------------------------------------------


def seed_plan(room: Room, kit: Kit) -> None:
    """Give a new room the grid and considerations of its kit's plan phase, if it has one."""
    phase = next((phase for phase in kit.phases if phase.kind == "plan"), None)
    if phase is None or phase.protocol is None:
        return
    protocol = library().protocols[phase.protocol]
    rows = [
        PlanRow(room_id=room.id, position=n, heading=row.heading, detail=row.detail)
        for n, row in enumerate(protocol.plan.rows)
    ]
    columns = [
        PlanColumn(room_id=room.id, position=n, heading=column.heading)
        for n, column in enumerate(protocol.plan.columns)
    ]
    db.session.add_all([*rows, *columns])
    db.session.flush()
    db.session.add_all(PlanCell(row_id=r.id, column_id=c.id) for r in rows for c in columns)
    db.session.add_all(
        PlanConsideration(room_id=room.id, position=n, text=text)
        for n, text in enumerate(protocol.considerations)
    )


# --- Reading the plan ---------------------------------------------------------------------


@dataclass(frozen=True)
class Editor:
    """Someone typing in a cell. ``who`` ("p12", or "lead" for the facilitator) lets each
    screen leave its own person out: the partial is rendered once for all participants."""

    who: str
    name: str


FACILITATOR_EDITING = Editor("lead", "Facilitator")


@dataclass
class Plan:
    """A room's grid as the templates show it, read in a handful of queries."""

    rows: list[PlanRow]
    columns: list[PlanColumn]
    cells: dict[tuple[int, int], PlanCell]
    sources: dict[int, list[PlanItemSource]] = field(default_factory=dict)
    editors: dict[int, list[Editor]] = field(default_factory=dict)

    def cell(self, row: PlanRow, column: PlanColumn) -> PlanCell:
        return self.cells[(row.id, column.id)]

    def all_cells(self) -> list[tuple[PlanRow, PlanColumn, PlanCell]]:
        return [(r, c, self.cell(r, c)) for r in self.rows for c in self.columns]

    def row_unwritten(self, row: PlanRow) -> bool:
        return all(self.cell(row, column).revision == 0 for column in self.columns)

    def column_unwritten(self, column: PlanColumn) -> bool:
        return all(self.cell(row, column).revision == 0 for row in self.rows)


@bp.template_global
def cell_label(row: PlanRow, column: PlanColumn) -> str:
    """How a cell is named to people and screen readers: "Major Focus, 30 Days"."""
    return f"{row.heading}, {column.heading}"


@bp.template_global
@per_change
def plan_of(room: Room) -> Plan:
    rows = list(
        db.session.scalars(
            select(PlanRow).where(PlanRow.room_id == room.id).order_by(PlanRow.position)
        )
    )
    columns = list(
        db.session.scalars(
            select(PlanColumn).where(PlanColumn.room_id == room.id).order_by(PlanColumn.position)
        )
    )
    cells = db.session.scalars(
        select(PlanCell)
        .join(PlanRow, PlanCell.row_id == PlanRow.id)
        .where(PlanRow.room_id == room.id)
    )
    plan = Plan(rows, columns, {(cell.row_id, cell.column_id): cell for cell in cells})
    cell_ids = [cell.id for cell in plan.cells.values()]
    if not cell_ids:
        return plan
    sources: dict[int, list[PlanItemSource]] = defaultdict(list)
    for source in db.session.scalars(
        select(PlanItemSource)
        .where(PlanItemSource.cell_id.in_(cell_ids))
        .order_by(PlanItemSource.id)
    ):
        sources[source.cell_id].append(source)
    plan.sources = dict(sources)
    plan.editors = editors_of(room)
    return plan


def editors_of(room: Room) -> dict[int, list[Editor]]:
    """Who is typing in which cell right now, by cell id."""
    editors: dict[int, list[Editor]] = defaultdict(list)
    rows = db.session.execute(
        select(Connection.editing_cell_id, Participant.id, Participant.name)
        .outerjoin(Participant, Connection.participant_id == Participant.id)
        .where(
            Connection.room_id == room.id,
            Connection.editing_cell_id.is_not(None),
            connection_is_live(),
        )
        .order_by(Connection.connected_at)
    )
    for cell_id, participant_id, name in rows:
        if cell_id is None:
            continue
        editor = Editor(f"p{participant_id}", name) if participant_id else FACILITATOR_EDITING
        if editor not in editors[cell_id]:
            editors[cell_id].append(editor)
    return dict(editors)


@bp.template_global
def plan_editable(room: Room, is_facilitator: bool, row: PlanRow) -> bool:
    """May this view type in the row's cells? The facilitator always may, until closing."""
    if room.is_closed:
        return False
    if is_facilitator:
        return True
    return not (room.locked or room.plan_locked or row.locked)


@bp.template_global
def plan_history(cell: PlanCell) -> list[PlanCellRevision]:
    """Every saved text of the cell, newest first."""
    return list(
        db.session.scalars(
            select(PlanCellRevision)
            .where(PlanCellRevision.cell_id == cell.id)
            .order_by(PlanCellRevision.revision.desc())
        )
    )


@bp.template_global
@per_change
def plan_considerations(room: Room) -> list[PlanConsideration]:
    return list(
        db.session.scalars(
            select(PlanConsideration)
            .where(PlanConsideration.room_id == room.id)
            .order_by(PlanConsideration.position)
        )
    )


@bp.template_global
def poster_gaps(room: Room) -> list[ItemTally]:
    """The posters' clear gaps, as the summary ranks them: where work is needed."""
    return summary(room).gaps[:GAPS_SHOWN]


@dataclass(frozen=True)
class NotesToPlace:
    """Notes of one phase that the team can place into the plan."""

    heading: str
    take_action: bool
    notes: list[Note]


def _notes_phases(kit: Kit) -> list[Phase]:
    """The phases whose notes the plan draws on: the Take Action phases where the kit has
    them; otherwise its discussion prompts, since the readiness protocol plans from "the
    readiness assessment data and group discussion" and collects no Take Action."""
    take_action = [phase for phase in kit.phases if phase.kind == "take_action"]
    return take_action or [phase for phase in kit.phases if phase.kind == "prompt"]


@bp.template_global
@per_change
def notes_to_place(room: Room) -> list[NotesToPlace]:
    """The team's notes the plan draws on, phase by phase, starred first."""
    kit = library().kits[room.kit_id]
    found = []
    for phase in _notes_phases(kit):
        if phase.kind == "take_action" and phase.guide:
            questions = library().guides[phase.guide].questions()
            keys = [q.key for q in questions if q.side == "take-action"]
            heading = "Take Action commitments"
        else:
            keys = [f"{kit.id}:{phase.key}"]
            heading = f"From the discussion: {phase.title}"
        notes = db.session.scalars(
            select(Note)
            .where(Note.room_id == room.id, Note.question_key.in_(keys))
            .order_by(Note.starred.desc(), Note.created_at, Note.id)
        )
        found.append(NotesToPlace(heading, phase.kind == "take_action", list(notes)))
    return found


def take_action_commitments(room: Room) -> list[Note] | None:
    """The team's Take Action commitments, or None where the kit collects none."""
    sections = [section for section in notes_to_place(room) if section.take_action]
    if not sections:
        return None
    return [note for section in sections for note in section.notes]


@bp.template_global
def checklist_heading(room: Room) -> str:
    """The considerations' heading: the protocol direction that lists them, less its colon."""
    for phase in library().kits[room.kit_id].phases:
        if phase.kind == "plan" and phase.protocol:
            checklist = library().protocols[phase.protocol].checklist
            if checklist is not None:
                return checklist.text.rstrip(":")
    return "Considerations"


@bp.template_global
@per_change
def plan_placements(room: Room) -> dict[tuple[str, int], list[str]]:
    """Where each poster item or note was placed, as cell labels, keyed (kind, source id)."""
    placed: dict[tuple[str, int], list[str]] = defaultdict(list)
    rows = db.session.execute(
        select(PlanItemSource.kind, PlanItemSource.source_id, PlanRow, PlanColumn)
        .join(PlanCell, PlanItemSource.cell_id == PlanCell.id)
        .join(PlanRow, PlanCell.row_id == PlanRow.id)
        .join(PlanColumn, PlanCell.column_id == PlanColumn.id)
        .where(PlanRow.room_id == room.id)
        .order_by(PlanItemSource.id)
    )
    for kind, source_id, row, column in rows:
        placed[(kind, source_id)].append(cell_label(row, column))
    return dict(placed)


# --- Guards -------------------------------------------------------------------------------


# Every typed save runs it; built once (see live._BUMP).
_CELL_IN_ROOM = (
    select(PlanCell, PlanRow, PlanColumn)
    .join(PlanRow, PlanCell.row_id == PlanRow.id)
    .join(PlanColumn, PlanCell.column_id == PlanColumn.id)
    .where(PlanCell.id == bindparam("cell_id"), PlanRow.room_id == bindparam("room_id"))
)


def cell_in(room: Room, cell_id: int) -> tuple[PlanCell, PlanRow, PlanColumn]:
    """The room's cell with this id, its row and its column, or a refusal naming the
    problem."""
    found = db.session.execute(_CELL_IN_ROOM, {"cell_id": cell_id, "room_id": room.id}).first()
    if found is None:
        raise ActionError("That cell is not in this room's plan. Reload the page.", 404)
    cell, row, column = found
    return cell, row, column


def _row_in(room: Room, row_id: int) -> PlanRow:
    return part_of(room, PlanRow, row_id, "That row is not in this room's plan. Reload the page.")


def _column_in(room: Room, column_id: int) -> PlanColumn:
    missing = "That column is not in this room's plan. Reload the page."
    return part_of(room, PlanColumn, column_id, missing)


def check_editable(room: Room, actor: Actor, row: PlanRow) -> None:
    if actor.is_facilitator:
        return
    if room.plan_locked:
        raise ActionError("The facilitator has locked the plan; your text was not saved.", 409)
    if row.locked:
        raise ActionError(
            f"The facilitator has locked the row “{row.heading}”; your text was not saved.", 409
        )


def fits_a_cell(text: str, limit: int = CELL_MAX) -> str:
    """The text, unless it is longer than a cell holds."""
    if len(text) > limit:
        raise ActionError(
            f"A cell holds at most {limit} characters; this text has {len(text)}. "
            "Shorten it: nothing was saved.",
            422,
        )
    return text


# A typed save against an older revision reads its text; built once (see live._BUMP).
_REVISION_TEXT = select(PlanCellRevision.text).where(
    PlanCellRevision.cell_id == bindparam("cell_id"),
    PlanCellRevision.revision == bindparam("revision"),
)


def revision_text(cell: PlanCell, revision: int) -> str:
    """The cell's text as saved at ``revision`` (0 is the empty cell it started as)."""
    if revision > cell.revision:
        raise ActionError(
            f"This cell has no version {revision} yet. Reload the page to get its latest text.",
            409,
        )
    if revision == 0:
        return ""
    text = plain(_REVISION_TEXT, {"cell_id": cell.id, "revision": revision}).scalar()
    if text is None:
        raise ActionError(f"Version {revision} of this cell was not found.", 404)
    return text


def _save(cell: PlanCell, text: str, actor: Actor, reason: str) -> None:
    cell.text = text
    cell.revision += 1
    cell.updated_at = utcnow()
    db.session.add(
        PlanCellRevision(
            cell_id=cell.id,
            revision=cell.revision,
            text=text,
            author_name=actor.name,
            participant_id=actor.participant.id if actor.participant else None,
            reason=reason,
        )
    )


# --- Editing cells ------------------------------------------------------------------------


# And this, for the saved cell's push.
_SOURCES_OF_CELL = (
    select(PlanItemSource)
    .where(PlanItemSource.cell_id == bindparam("cell_id"))
    .order_by(PlanItemSource.id)
)


def _cell_changed(cell: PlanCell, row: PlanRow, column: PlanColumn) -> Publish:
    """Only the cell's text and details are sent: no other cell changed. The push shows
    the plan as far as that cell goes (its row, its column, where its items came from)."""
    sources = db.session.scalars(_SOURCES_OF_CELL, {"cell_id": cell.id})
    only_cell = Plan([row], [column], {(row.id, column.id): cell}, {cell.id: list(sources)})
    return Publish(regions=CELLS, context={"only_cell": only_cell})


def saved_cell(cell: PlanCell) -> dict[str, Any]:
    """What a cell holds as saved: the typist's page carries what was typed meanwhile
    over onto it (static/js/app.js)."""
    return {
        "cell_id": cell.id,
        "revision": cell.revision,
        "text": cell.text,
        "conflict": cell.conflict_text is not None,
    }


class CellText(Args):
    """Typed text keeps its spaces: a trailing space is the start of the next word."""

    model_config = ConfigDict(str_strip_whitespace=False)


class EditCell(CellText):
    """A cell's text against the revision it was typed on: an edit, or a conflict's
    resolution."""

    cell_id: int = Field(ge=1)
    base_revision: int = Field(ge=0)
    text: str


@bp.action("plan.cell.edit", EditCell, who="anyone")
def edit_cell(room: Room, actor: Actor, args: EditCell) -> Publish:
    """Save a cell as typed, merged with whatever others saved since the typist's base;
    the typist is told the cell as saved (``"cell"``: ``saved_cell``)."""
    cell, row, column = cell_in(room, args.cell_id)
    check_editable(room, actor, row)
    text = fits_a_cell(args.text)
    if args.base_revision == cell.revision:  # nothing saved since: no base to read
        outcome = Outcome(text, cell.conflict_text, "edit")
    else:
        base = revision_text(cell, args.base_revision)
        outcome = reconcile(base, text, cell.text, cell.conflict_text)
    if outcome.text == cell.text and outcome.conflict_text == cell.conflict_text:
        return Publish(reply={"cell": saved_cell(cell)})
    if len(outcome.text) > CELL_MAX:
        raise ActionError(
            f"With what others just added, this cell would pass {CELL_MAX} characters. "
            "Shorten it: nothing was saved.",
            422,
        )
    cell.conflict_text = outcome.conflict_text
    _save(cell, outcome.text, actor, outcome.kind)
    return replace(_cell_changed(cell, row, column), reply={"cell": saved_cell(cell)})


@bp.action("plan.cell.resolve", EditCell, who="anyone")
def resolve_cell(room: Room, actor: Actor, args: EditCell) -> Publish:
    """Settle a conflict with the text chosen; only against the text the chooser saw."""
    cell, row, column = cell_in(room, args.cell_id)
    check_editable(room, actor, row)
    if cell.conflict_text is None:
        raise ActionError("This cell has no conflict to resolve any more.", 409)
    if args.base_revision != cell.revision:
        raise ActionError("The cell changed while you were choosing; look at it again.", 409)
    cell.conflict_text = None
    _save(cell, fits_a_cell(args.text), actor, "resolve")
    return _cell_changed(cell, row, column)


class RestoreCell(Args):
    cell_id: int = Field(ge=1)
    revision: int = Field(ge=1)


@bp.action("plan.cell.restore", RestoreCell, who="facilitator")
def restore_cell(room: Room, actor: Actor, args: RestoreCell) -> Publish:
    """Bring back an earlier text as a new revision; the history keeps everything."""
    cell, row, column = cell_in(room, args.cell_id)
    if args.revision == cell.revision:
        raise ActionError("That version is already the cell's text.", 409)
    _save(cell, revision_text(cell, args.revision), actor, "restore")
    return _cell_changed(cell, row, column)


class Editing(Args):
    cell_id: int | None = Field(default=None, ge=1)


@bp.action("plan.editing", Editing, who="anyone", while_locked=True)
def set_editing(room: Room, actor: Actor, args: Editing) -> Publish:
    """Show the others which cell this person is typing in (None: no cell)."""
    connection = db.session.get(Connection, getattr(request, "sid", ""))
    if connection is None or connection.room_id != room.id:
        raise ActionError("Who is editing is shared over the live connection. Reload.", 409)
    if args.cell_id is not None:
        _cell, row, _column = cell_in(room, args.cell_id)
        check_editable(room, actor, row)
    if connection.editing_cell_id == args.cell_id:
        return Publish()
    connection.editing_cell_id = args.cell_id
    return Publish(regions=EDITING)


# --- Placing poster gaps and Take Action notes --------------------------------------------


class Place(Args):
    source_kind: Literal["poster_item", "note"]
    source_id: int = Field(ge=1)
    cell_id: int = Field(ge=1)


def _source(room: Room, kind: str, source_id: int) -> tuple[str, str]:
    """The text of a poster item or note of this room, and how the plan names its origin."""
    if kind == "poster_item":
        item = db.session.scalar(
            select(PosterItem)
            .join(Poster, PosterItem.poster_id == Poster.id)
            .where(
                PosterItem.id == source_id,
                Poster.room_id == room.id,
                PosterItem.removed_at.is_(None),
            )
        )
        if item is None:
            raise ActionError("That poster item is not in this room.", 404)
        return item.text, f"poster {item.ref}"
    note = part_of(room, Note, source_id, "That note is not in this room.")
    origin = "Take Action" if note.question_key.endswith(":take-action") else "the discussion"
    return note.text, origin


@bp.action("plan.place", Place, who="anyone")
def place_item(room: Room, actor: Actor, args: Place) -> Publish:
    """Add a poster gap or a Take Action note to a cell as a new line, linked to its source."""
    cell, row, _column = cell_in(room, args.cell_id)
    check_editable(room, actor, row)
    already = db.session.scalar(
        select(PlanItemSource.id).where(
            PlanItemSource.cell_id == cell.id,
            PlanItemSource.kind == args.source_kind,
            PlanItemSource.source_id == args.source_id,
        )
    )
    text, origin = _source(room, args.source_kind, args.source_id)
    if already is not None:
        raise ActionError("That item is already in this cell.", 409)
    line = " ".join(text.split())
    joiner = "\n" if cell.text and not cell.text.endswith("\n") else ""
    if len(cell.text) + len(joiner) + len(line) > CELL_MAX:
        raise ActionError(
            f"That cell is full ({CELL_MAX} characters); place the item in another cell.", 409
        )
    _save(cell, cell.text + joiner + line, actor, "item")
    db.session.add(
        PlanItemSource(
            cell_id=cell.id, kind=args.source_kind, source_id=args.source_id, label=origin
        )
    )
    return Publish(regions=(*CELLS, *SOURCES))


# --- Considerations -----------------------------------------------------------------------


class ToggleConsideration(Args):
    consideration_id: int = Field(ge=1)
    done: bool


@bp.action("plan.consideration.toggle", ToggleConsideration, who="anyone")
def toggle_consideration(room: Room, actor: Actor, args: ToggleConsideration) -> Publish:
    consideration = part_of(
        room,
        PlanConsideration,
        args.consideration_id,
        "That consideration is not in this room's plan.",
    )
    if room.plan_locked and not actor.is_facilitator:
        raise ActionError("The facilitator has locked the plan.", 409)
    consideration.done = args.done
    return Publish(regions=CONSIDERATIONS)


# --- The facilitator's grid ---------------------------------------------------------------


@bp.action("plan.lock", SetLocked, who="facilitator")
def lock_plan(room: Room, actor: Actor, args: SetLocked) -> Publish:
    room.plan_locked = args.locked
    return Publish(regions=SHAPE)


class RowRef(Args):
    row_id: int = Field(ge=1)


class LockRow(RowRef):
    locked: bool


@bp.action("plan.row.lock", LockRow, who="facilitator")
def lock_row(room: Room, actor: Actor, args: LockRow) -> Publish:
    _row_in(room, args.row_id).locked = args.locked
    return Publish(regions=SHAPE)


class RowHeading(Args):
    heading: Line = Field(min_length=1, max_length=120)
    detail: Line = Field(default="", max_length=120)


class RenameRow(RowHeading):
    row_id: int = Field(ge=1)


class ColumnHeading(Args):
    heading: Line = Field(min_length=1, max_length=60)


class RenameColumn(ColumnHeading):
    column_id: int = Field(ge=1)


@bp.action("plan.row.add", RowHeading, who="facilitator")
def add_row(room: Room, actor: Actor, args: RowHeading) -> Publish:
    plan = plan_of(room)
    if len(plan.rows) >= ROWS_MAX:
        raise ActionError(f"A plan can have at most {ROWS_MAX} rows.", 409)
    position = max((row.position for row in plan.rows), default=-1) + 1
    row = PlanRow(
        room_id=room.id, position=position, heading=args.heading, detail=args.detail or None
    )
    db.session.add(row)
    db.session.flush()
    db.session.add_all(PlanCell(row_id=row.id, column_id=column.id) for column in plan.columns)
    return Publish(regions=SHAPE)


@bp.action("plan.row.rename", RenameRow, who="facilitator")
def rename_row(room: Room, actor: Actor, args: RenameRow) -> Publish:
    row = _row_in(room, args.row_id)
    row.heading = args.heading
    row.detail = args.detail or None
    return Publish(regions=SHAPE)


@bp.action("plan.column.add", ColumnHeading, who="facilitator")
def add_column(room: Room, actor: Actor, args: ColumnHeading) -> Publish:
    plan = plan_of(room)
    if len(plan.columns) >= COLUMNS_MAX:
        raise ActionError(f"A plan can have at most {COLUMNS_MAX} columns.", 409)
    position = max((column.position for column in plan.columns), default=-1) + 1
    column = PlanColumn(room_id=room.id, position=position, heading=args.heading)
    db.session.add(column)
    db.session.flush()
    db.session.add_all(PlanCell(row_id=row.id, column_id=column.id) for row in plan.rows)
    return Publish(regions=SHAPE)


@bp.action("plan.column.rename", RenameColumn, who="facilitator")
def rename_column(room: Room, actor: Actor, args: RenameColumn) -> Publish:
    _column_in(room, args.column_id).heading = args.heading
    return Publish(regions=SHAPE)


class ColumnRef(Args):
    column_id: int = Field(ge=1)


def _remove_unwritten(line: PlanRow | PlanColumn, kind: str, left: int) -> None:
    """Take a row or column off the grid, but only one nobody has written in: a row added by
    mistake goes, while a cell's words, its actions and its history are never deleted."""
    if left <= 1:
        raise ActionError(f"The plan needs at least one {kind}.", 409)
    ours = PlanCell.row_id if isinstance(line, PlanRow) else PlanCell.column_id
    written = db.session.scalar(select(PlanCell.id).where(ours == line.id, PlanCell.revision > 0))
    acted_on = db.session.scalar(
        select(PlanAction.id)
        .join(PlanCell, PlanAction.cell_id == PlanCell.id)
        .where(ours == line.id)
    )
    if written is not None or acted_on is not None:
        raise ActionError(
            f"Someone has written in this {kind}, so it stays; rename it instead.", 409
        )
    db.session.delete(line)  # its empty cells go with it (ON DELETE CASCADE)


@bp.action("plan.row.remove", RowRef, who="facilitator")
def remove_row(room: Room, actor: Actor, args: RowRef) -> Publish:
    _remove_unwritten(_row_in(room, args.row_id), "row", len(plan_of(room).rows))
    return Publish(regions=SHAPE)


@bp.action("plan.column.remove", ColumnRef, who="facilitator")
def remove_column(room: Room, actor: Actor, args: ColumnRef) -> Publish:
    _remove_unwritten(_column_in(room, args.column_id), "column", len(plan_of(room).columns))
    return Publish(regions=SHAPE)
