"""Downloads of the record and its print view: the facilitator always, the room's
participants once the facilitator opens the record to them, nobody else."""

from __future__ import annotations

import re
from collections.abc import Sequence

from flask import Response, abort, render_template, request

from ..identity import leads, participant_in
from ..live import Viewer
from ..models import Room
from ..posters.domain import dot_colours, room_scale, tally
from ..quietwrite.domain import quiet_wall, quiet_write_prompt
from ..rooms.codes import format_code, room_or_404
from ..rooms.domain import kit_of
from .domain import (
    bp,
    build_record,
    conclusions,
    notes_sections,
    plan_grid,
)
from .formats import (
    Cell,
    md_inline,
    md_table,
    notes_markdown,
    posters_rows,
    posters_svg,
    survey_phrase,
    to_csv,
    to_xlsx,
)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _record_room(code: str, *, facilitator_only: bool = False) -> Room:
    room = room_or_404(code)
    if leads(room):
        return room
    if participant_in(room) is None:
        abort(403, "The record of this room is for its team and facilitator.")
    if facilitator_only:
        abort(403, "The whole-room file is the facilitator's backup of the room.")
    if not room.exports_open:
        abort(403, "The facilitator has not shared the record with the team yet.")
    return room


def download(
    title: str, name: str, body: bytes | str, mimetype: str, *, untitled: str = "event"
) -> Response:
    """A file to save, named after ``title`` (made safe for a file name, or ``untitled``
    when nothing of it is), never cached."""
    stem = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:40] or untitled
    return Response(
        body,
        mimetype=mimetype,
        headers={
            "Content-Disposition": f'attachment; filename="{stem}-{name}"',
            "Cache-Control": "private, no-store",
        },
    )


def _download(room: Room, name: str, body: bytes | str, mimetype: str) -> Response:
    return download(room.title, f"{room.code}-{name}", body, mimetype, untitled="room")


def _about(room: Room) -> str:
    return (
        f"{kit_of(room).title} · room {format_code(room.code)} · opened {room.created_at:%d %B %Y}"
    )


@bp.get("/r/<code>/export/plan.csv")
def plan_csv(code: str) -> Response:
    """The grid, then each of the team's conclusions after a blank row and its title."""
    room = _record_room(code)
    rows: list[Sequence[Cell]] = [*plan_grid(room)]
    for table in conclusions(room):
        rows += [[], [table.title], *table.rows]
    return _download(room, "plan.csv", to_csv(rows), "text/csv")


@bp.get("/r/<code>/export/plan.xlsx")
def plan_xlsx(code: str) -> Response:
    room = _record_room(code)
    sheets: list[tuple[str, Sequence[Sequence[Cell]]]] = [("Action plan", plan_grid(room))]
    sheets += [(table.sheet, table.rows) for table in conclusions(room)]
    return _download(room, "plan.xlsx", to_xlsx(sheets), XLSX)


@bp.get("/r/<code>/export/plan.md")
def plan_md(code: str) -> Response:
    room = _record_room(code)
    parts = [
        f"# {md_inline(f'{room.title}: action plan')}",
        md_inline(_about(room)),
        md_table(plan_grid(room)),
    ]
    for table in conclusions(room):
        parts += [
            f"## {md_inline(table.title)}",
            md_table([[str(cell) for cell in row] for row in table.rows]),
        ]
    return _download(room, "plan.md", "\n\n".join(parts) + "\n", "text/markdown")


@bp.get("/r/<code>/export/posters.csv")
def posters_csv(code: str) -> Response:
    room = _record_room(code)
    rows = posters_rows(tally(room), room_scale(room), room.dots_named, bool(room.survey_title))
    return _download(room, "posters.csv", to_csv(rows), "text/csv")


def _chart(room: Room) -> str:
    return posters_svg(f"{room.title}: poster dots", tally(room), room_scale(room))


@bp.get("/r/<code>/export/posters.svg")
def posters_chart(code: str) -> Response:
    room = _record_room(code)
    return _download(room, "posters.svg", _chart(room), "image/svg+xml")


@bp.get("/r/<code>/export/notes.md")
def notes_md(code: str) -> Response:
    room = _record_room(code)
    body = notes_markdown(
        f"{room.title}: discussion notes",
        _about(room),
        notes_sections(room),
        room.notes_anonymous,
        quiet_write_prompt(room),
        quiet_wall(room),
    )
    return _download(room, "notes.md", body, "text/markdown")


@bp.get("/r/<code>/export/room.json")
def room_json(code: str) -> Response:
    room = _record_room(code, facilitator_only=True)
    body = build_record(room).model_dump_json(indent=2)
    return _download(room, "room.json", body, "application/json")


@bp.get("/r/<code>/record")
def record(code: str) -> str:
    """The whole record on one page, laid out to print (or save as PDF) cleanly."""
    room = _record_room(code)
    return render_template(
        "export/record.html",
        room=room,
        about=_about(room),
        is_facilitator=leads(room),
        viewer=Viewer("facilitator" if leads(room) else "participant"),
        on_record=True,
        sort=request.args.get("sort", "due"),
        grid=plan_grid(room),
        conclusions=conclusions(room, with_actions=False),  # the Actions list, sortable
        tallies=tally(room),
        chart=_chart(room),
        survey_phrase=survey_phrase,
        # Take Action commitments are among the conclusions.
        sections=notes_sections(room, leave_out=("take_action",)),
        quiet_prompt=quiet_write_prompt(room),
        writes=quiet_wall(room),
    )


PAPER_SIZES = {"letter": "Letter", "a4": "A4"}


@bp.get("/r/<code>/lead/print")
def wall_print(code: str) -> str:
    """The paper posters for the wall, one to a page, and the planning chart: printed from
    the same content as the screens, with the room's QR code to join."""
    room = _record_room(code, facilitator_only=True)
    paper = request.args.get("paper", "letter")
    if paper not in PAPER_SIZES:
        abort(404, "Print on letter or A4 paper.")
    plan = plan_grid(room)
    return render_template(
        "export/wall.html",
        room=room,
        paper=paper,
        paper_sizes=PAPER_SIZES,
        posters=tally(room),
        colours=dot_colours(room),
        chart=plan if len(plan) > 1 and len(plan[0]) > 1 else None,
    )
