"""The series' record: every session's posters (with their movement), plan and actions with
their status history, as one page, Markdown, an Excel workbook (a sheet per session and an
Actions sheet) and a JSON document that imports as the whole series again.

:class:`SeriesRecord` is the JSON (``series.json``): each session is a room export
(``docs/room-export.schema.json``); ``docs/series-export.schema.json`` is generated from it
by :func:`json_schema` (a test keeps the two equal).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date
from typing import Any, Literal

from pydantic import ConfigDict, Field

from ..actions import ActionError
from ..export.domain import (
    SCHEMA_VERSION,
    Moment,
    RoomRecord,
    Table,
    build_record,
    check_consistent,
    new_room_from,
    parse_record,
    plan_grid,
    read_export,
    restore_room,
)
from ..extensions import db
from ..models import PlanAction, Room, Series, utcnow
from ..plan.actions import STATUSES, action_history, plan_actions
from ..posters.domain import tally
from ..text import Line, Typed
from .domain import SESSIONS_MAX, bp, series_of, session_label, sessions_of, started_on
from .movement import Movement, room_levels, room_movements


class _Part(Typed):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)


class RecordSeries(_Part):
    title: Line = Field(min_length=1, max_length=120)
    started_on: date = Field(description="The first session's date; check-ins count from it.")


class SeriesRecord(_Part):
    """A series: its sessions in order, each a whole room export."""

    model_config = ConfigDict(
        extra="forbid",
        title="wsapp series export",
        json_schema_extra={
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": "https://wsapp.example/series-export.schema.json",
            "description": (
                "A workshop and its check-ins as exported by GET /r/<code>/series.json and "
                "read by POST /rooms/import, which makes every session a new room of one new "
                "series. Each session is a room export (room-export.schema.json) whose "
                "room.series_days places it in the series. Generated from the models in "
                "wsapp/series/record.py (json_schema())."
            ),
        },
    )

    schema_version: Literal[1] = Field(description="Bumped whenever the format changes.")
    kind: Literal["series"] = "series"
    exported_at: Moment
    series: RecordSeries
    sessions: list[RoomRecord] = Field(min_length=1, max_length=SESSIONS_MAX)


def json_schema() -> dict[str, Any]:
    schema = SeriesRecord.model_json_schema(mode="validation")
    # A session is a room export, in this document: its own $id would move its refs there.
    for key in ("$id", "$schema"):
        schema["$defs"]["RoomRecord"].pop(key, None)
    return schema


def build_series(room: Room) -> SeriesRecord:
    """The room's whole series (or the room alone, as a series of one)."""
    series = series_of(room)
    return SeriesRecord(
        schema_version=SCHEMA_VERSION,
        exported_at=utcnow().replace(tzinfo=UTC),
        series=RecordSeries(
            title=series.title if series else room.title, started_on=started_on(room)
        ),
        sessions=[build_record(session) for session in sessions_of(room)],
    )


# --- Importing -------------------------------------------------------------------------------


def _is_series(data: bytes) -> bool:
    """Does the upload say it is a series? (Anything else is read as a room export.)"""
    try:
        found = json.loads(data)
    except (ValueError, RecursionError):
        return False
    return isinstance(found, dict) and found.get("kind") == "series"


def restore_upload(data: bytes) -> list[tuple[Room, str]]:
    """New rooms from an uploaded room or series export, each with its facilitator key,
    in the series' order; or ActionError saying what is wrong with the file."""
    if not _is_series(data):
        return [restore_room(parse_record(data))]
    record = read_export(data, SeriesRecord)
    days = [session.room.series_days for session in record.sessions]
    if None in days or len(set(days)) != len(days):
        raise ActionError(
            "That series export is not valid: every session needs its own "
            "room.series_days (0 for the workshop, then the check-ins' days).",
            422,
        )
    for session in record.sessions:
        check_consistent(session)
    return restore_series(record)


def restore_series(record: SeriesRecord) -> list[tuple[Room, str]]:
    """A new series holding a room for each session, saved in one transaction."""
    try:
        series = Series(title=record.series.title, started_on=record.series.started_on)
        db.session.add(series)
        db.session.flush()
        made = []
        for session in record.sessions:
            room, key = new_room_from(session)
            room.series_id = series.id
            made.append((room, key))
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return made


# --- Tables the page, the Markdown and the workbook share ----------------------------------


def movement_rows(room: Room, movements: list[Movement]) -> list[list[str | int]]:
    """Each item's dots per level before and now, the counts that changed, and where to."""
    levels = room_levels(room)
    rows: list[list[str | int]] = [
        [
            "Item",
            "Text",
            *(f"{level.label}: {when}" for level in levels for when in ("before", "now")),
            "Moved",
            "Direction",
        ]
    ]
    for m in movements:
        counts = [n for move in m.moves for n in (move.before, move.after)]
        rows.append([m.ref, m.text, *counts, m.words, m.summary(levels)])
    return rows


@bp.conclusion
def movement_tables(room: Room) -> list[Table]:
    """A check-in's movement table for its own exports (none outside a check-in)."""
    movements = room_movements(room)
    if not movements:
        return []
    return [Table("Movement since the last session", "Movement", movement_rows(room, movements))]


def posters_rows(room: Room) -> list[list[str | int]]:
    """The session's dots per item (and, in a check-in, how they moved)."""
    levels = room_levels(room)
    moved = {m.ref: m for m in room_movements(room)}
    rows: list[list[str | int]] = [
        ["Item", "Text", *(level.label for level in levels), "Moved since last session"]
    ]
    for poster in tally(room):
        for entry in poster.items:
            m = moved.get(entry.ref)
            shown = m.described(levels) if m else ""
            rows.append(
                [entry.ref, entry.item.text, *(entry.counts[lv.key] for lv in levels), shown]
            )
    return rows


def history_text(action: PlanAction) -> str:
    """An action's changes, one a line: when, who, what from what to what."""
    lines = []
    for change in action_history(action):
        when = f"{change.created_at:%Y-%m-%d}"
        if change.field == "added":
            shown = STATUSES.get(change.new, change.new)
            lines.append(f"{when} {change.author_name}: added ({shown})")
            continue
        old, new = change.old, change.new
        if change.field == "status":
            old, new = STATUSES.get(old, old), STATUSES.get(new, new)
        lines.append(f"{when} {change.author_name}: {change.field} {old or '—'} → {new or '—'}")
    return "\n".join(lines)


ACTION_HEADINGS: list[str | int] = [
    "Action",
    "Cell",
    "Owner",
    "Due",
    "Status",
    "Evidence",
    "History",
]


def action_rows(room: Room) -> list[list[str | int]]:
    return [
        [
            item.action.text,
            item.cell,
            item.action.owner,
            item.action.due_on.isoformat() if item.action.due_on else "",
            STATUSES.get(item.action.status, item.action.status),
            item.action.evidence,
            history_text(item.action),
        ]
        for item in plan_actions(room)
    ]


@dataclass(frozen=True)
class SessionRecord:
    """One session as the series' record shows it."""

    room: Room
    label: str
    on: date
    posters: list[list[str | int]]
    plan: list[list[str]]
    actions: list[list[str | int]]


def session_records(room: Room) -> list[SessionRecord]:
    return [
        SessionRecord(
            room=session,
            label=session_label(session),
            on=session.meets_on or session.created_at.date(),
            posters=posters_rows(session),
            plan=plan_grid(session),
            actions=[ACTION_HEADINGS, *action_rows(session)],
        )
        for session in sessions_of(room)
    ]


def workbook_sheets(records: list[SessionRecord]) -> list[tuple[str, list[list[Any]]]]:
    """A sheet per session (its posters, then its plan grid, then its actions) and an
    Actions sheet with every session's actions and their history."""
    sheets: list[tuple[str, list[list[Any]]]] = []
    for record in records:
        rows: list[list[Any]] = [
            [record.label, record.room.title],
            ["Date", record.on.isoformat()],
            [],
            ["Posters"],
            *record.posters,
            [],
            ["Plan"],
            *record.plan,
            [],
            ["Actions"],
            *record.actions,
        ]
        sheets.append((record.label, rows))
    every: list[list[Any]] = [["Session", *ACTION_HEADINGS]]
    every += [[record.label, *row] for record in records for row in record.actions[1:]]
    sheets.append(("Actions", every))
    return sheets
