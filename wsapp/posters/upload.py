"""Posters from a file: a facilitator's own standard, IC map or readiness tool.

A poster file (CSV or XLSX, read by :mod:`wsapp.tabular`) has a row per item:

    poster, item, text[, statement][, level 1, level 2, ...]

``poster`` is the poster's title (rows with the same title make one poster, in the order
they first appear), ``item`` the item's code ("LD-1", "1.2"; unique in the file, and what
survey results name it by), ``text`` what the team dots. ``statement`` (optional) is the
poster's one-line statement. ``level 1`` ... (or the scale's level labels) are optional
descriptors: what the item looks like at each level of the chosen scale, shown with it.

The file is checked whole (every problem by row and column), previewed, and only then put
on the wall by the ``posters.replace`` action, in one transaction, before any dot.
"""

from __future__ import annotations

import csv
import io
import re
from typing import Annotated, Any

from openpyxl import Workbook
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import delete, func, select

from ..actions import ActionError, Args
from ..content import Scale, library
from ..extensions import db
from ..identity import Actor, current_facilitator
from ..limits import ITEMS_PER_POSTER_MAX, POSTER_KITS_MAX, POSTERS_MAX, UPLOAD_MAX_BYTES
from ..live import Publish
from ..models import Poster, PosterItem, PosterKit, Room
from ..tabular import Problem, Table, TableError, header_name, refuse
from ..text import ONE_LINE
from .domain import (
    ITEM_TEXT_MAX,
    POSTER_TITLE_MAX,
    bp,
    has_dots,
    posters_phase,
    room_scale,
)
from .survey import wall_changed

CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9.\-_ ]{0,19}$"
KIT_TITLE_MAX = 120
COLUMNS = ("poster", "item", "text", "statement")
ALIASES = {
    "poster title": "poster",
    "standard": "poster",
    "item code": "item",
    "code": "item",
    "item text": "text",
    "indicator": "text",
    "desired outcome": "text",
    "poster statement": "statement",
}

Code = Annotated[str, Field(pattern=CODE_PATTERN), ONE_LINE]
ItemText = Annotated[str, Field(min_length=1, max_length=ITEM_TEXT_MAX), ONE_LINE]
Descriptor = Annotated[str, Field(max_length=ITEM_TEXT_MAX), ONE_LINE]


class ItemIn(BaseModel):
    """One item of an uploaded poster."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    code: Code
    text: ItemText
    descriptors: list[Descriptor] = Field(default=[], max_length=7)


class PosterIn(BaseModel):
    """One uploaded poster and its items, in order."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    title: Annotated[str, Field(min_length=1, max_length=POSTER_TITLE_MAX), ONE_LINE]
    statement: Annotated[str, Field(max_length=ITEM_TEXT_MAX), ONE_LINE] = ""
    items: list[ItemIn] = Field(min_length=1, max_length=ITEMS_PER_POSTER_MAX)


Posters = Annotated[list[PosterIn], Field(min_length=1, max_length=POSTERS_MAX)]


# --- Reading a file --------------------------------------------------------------------------


def _descriptor_columns(table: Table, scale: Scale) -> list[str | None]:
    """For each level of the scale, the column holding its descriptors (or None)."""
    found: list[str | None] = []
    for number, level in enumerate(scale.levels, start=1):
        names = {f"level {number}", header_name(level.label), header_name(level.key)}
        found.append(next((name for name in table.header if name in names), None))
    return found


def read_posters(table: Table, scale: Scale) -> list[PosterIn]:
    """The posters in a table, or TableError naming every problem by row and column."""
    table.rename(ALIASES)
    if len(set(table.header)) != len(table.header):
        raise refuse("names the same column twice (e.g. “item” and “item code”).", 1)
    missing = [name for name in COLUMNS[:3] if name not in table.header]
    if missing:
        raise refuse(
            f"The first row needs the columns poster, item and text; “{', '.join(missing)}” "
            "is missing.",
            1,
        )
    levels = _descriptor_columns(table, scale)
    known = set(COLUMNS) | {name for name in levels if name}
    unknown = [
        Problem(
            f"“{name}” is not a column a poster file has: poster, item, text, statement, and "
            f"level 1 to level {len(scale.levels)} for the descriptors of {scale.title}.",
            1,
            table.column(name),
        )
        for name in table.header
        if name not in known
    ]
    if unknown:  # the rows cannot be read without knowing their columns
        raise TableError(unknown)
    problems: list[Problem] = []
    posters: dict[str, dict[str, Any]] = {}
    codes: dict[str, int] = {}
    for row in table.rows:
        found = _row_problems(table, row.cells, row.number, codes)
        if found:
            problems.extend(found)
            continue
        title = row.get("poster")
        poster = posters.setdefault(title.casefold(), {"title": title, "items": []})
        if row.get("statement") and not poster.get("statement"):
            poster["statement"] = row.get("statement")
        descriptors = [row.get(name) if name else "" for name in levels]
        item: dict[str, Any] = {"code": row.get("item"), "text": row.get("text")}
        if any(descriptors):
            item["descriptors"] = descriptors
        poster["items"].append(item)
        if len(poster["items"]) > ITEMS_PER_POSTER_MAX:
            problems.append(
                Problem(
                    f"poster “{title[:60]}” has more than {ITEMS_PER_POSTER_MAX} items.",
                    row.number,
                )
            )
    if len(posters) > POSTERS_MAX:
        problems.append(Problem(f"The file has {len(posters)} posters; at most {POSTERS_MAX}."))
    table.refuse_if(problems)
    if not posters:
        raise refuse("The file has no items under its header.")
    return [PosterIn.model_validate(poster) for poster in posters.values()]


def _row_problems(
    table: Table, cells: dict[str, str], number: int, codes: dict[str, int]
) -> list[Problem]:
    problems: list[Problem] = []

    def check(name: str, ok: bool, message: str) -> None:
        if not ok:
            problems.append(Problem(message, number, table.column(name)))

    title, code, text = cells.get("poster", ""), cells.get("item", ""), cells.get("text", "")
    check("poster", bool(title), "needs the poster's title.")
    check("poster", len(title) <= POSTER_TITLE_MAX, f"is over {POSTER_TITLE_MAX} characters.")
    check("item", bool(code), "needs the item's code (like LD-1 or 1.2).")
    if code:
        check(
            "item",
            bool(re.fullmatch(CODE_PATTERN, code)),
            "should be up to 20 letters, digits, dots, dashes or spaces, starting with a "
            f"letter or digit; got “{code[:40]}”.",
        )
        first = codes.setdefault(code.casefold(), number)
        check("item", first == number, f"repeats the item code {code[:20]} of row {first}.")
    check("text", bool(text), "needs the item's text.")
    check("text", len(text) <= ITEM_TEXT_MAX, f"is over {ITEM_TEXT_MAX} characters.")
    for name, value in cells.items():
        if name not in ("poster", "item", "text") and len(value) > ITEM_TEXT_MAX:
            check(name, False, f"is over {ITEM_TEXT_MAX} characters.")
    return problems


# --- A template to start from ------------------------------------------------------------------


def template_rows(scale: Scale) -> list[list[str]]:
    """A short example poster file for the scale: the header and two items."""
    levels = [f"level {n}" for n in range(1, len(scale.levels) + 1)]
    example = [
        ["Leadership", "LD-1", "Leaders make professional learning a priority.", ""],
        ["Leadership", "LD-2", "Leaders share responsibility for learning.", ""],
    ]
    rows = [["poster", "item", "text", "statement", *levels]]
    for row in example:
        rows.append(row + [f"What {row[1]} looks like at {level}" for level in levels])
    rows[1][3] = "Leaders develop capacity, advocate and create support systems."
    return rows


def template_csv(scale: Scale) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(template_rows(scale))
    return out.getvalue()


def template_xlsx(scale: Scale) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Posters"
    for row in template_rows(scale):
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# --- Putting them on the wall -----------------------------------------------------------------


class ReplacePosters(Args):
    """The posters :func:`read_posters` made, their scale, and a title to keep them under
    for later rooms ("" keeps nothing)."""

    scale_id: str = Field(min_length=1, max_length=80)
    posters: Posters
    keep_as: Annotated[str, Field(max_length=KIT_TITLE_MAX), ONE_LINE] = ""


class UseKit(Args):
    kit_id: int = Field(ge=1)


class ChooseScale(Args):
    scale_id: str = Field(min_length=1, max_length=80)


DOTS_STARTED = (
    "Dots have been placed, so the posters and their scale stay as they are. "
    "Clear every poster's dots first to change them."
)


def _scale(scale_id: str) -> Scale:
    scale = library().all_scales.get(scale_id)
    if scale is None:
        raise ActionError(f"There is no scale called {scale_id[:80]!r}.", 422)
    return scale


def _before_dots(room: Room) -> None:
    if has_dots(room):
        raise ActionError(DOTS_STARTED, 409)


def check_posters(posters: list[PosterIn], scale: Scale) -> None:
    """What the models cannot say alone: codes unique in the set, descriptors that fit."""
    seen: set[str] = set()
    for poster in posters:
        for item in poster.items:
            if item.code.casefold() in seen:
                raise ActionError(f"The item code {item.code} is used twice.", 422)
            seen.add(item.code.casefold())
            if len(item.descriptors) > len(scale.levels):
                raise ActionError(
                    f"Item {item.code} has descriptors for {len(item.descriptors)} levels; "
                    f"{scale.title} has {len(scale.levels)}.",
                    422,
                )


def _put_up(room: Room, scale: Scale, posters: list[PosterIn]) -> Publish:
    """Replace the room's posters and scale (in the action's one transaction)."""
    _before_dots(room)
    check_posters(posters, scale)
    db.session.execute(delete(Poster).where(Poster.room_id == room.id))
    room.scale_id = scale.id
    for position, given in enumerate(posters):
        poster = Poster(
            room_id=room.id,
            position=position,
            key=_key(position),
            title=given.title,
            statement=given.statement or None,
        )
        poster.items = [
            PosterItem(
                position=index,
                label=str(index + 1),
                code=item.code,
                text=item.text,
                descriptors=list(item.descriptors) or None,
            )
            for index, item in enumerate(given.items)
        ]
        db.session.add(poster)
    return wall_changed()


def _key(position: int) -> str:
    return chr(ord("A") + position) if position < 26 else str(position + 1)


@bp.action("posters.replace", ReplacePosters, who="facilitator")
def replace_posters(room: Room, actor: Actor, args: ReplacePosters) -> Publish:
    """Put the previewed posters on the wall in place of the room's, before any dot; with
    ``keep_as``, keep them for the facilitator's later rooms too."""
    scale = _scale(args.scale_id)
    publish = _put_up(room, scale, args.posters)
    if args.keep_as:
        facilitator = current_facilitator()
        if facilitator is None:
            raise ActionError("Open the room from this device to keep posters for later.", 403)
        kept = db.session.scalar(
            select(func.count(PosterKit.id)).where(PosterKit.facilitator_id == facilitator.id)
        )
        if (kept or 0) >= POSTER_KITS_MAX:
            raise ActionError(f"You can keep at most {POSTER_KITS_MAX} poster sets.", 409)
        db.session.add(
            PosterKit(
                facilitator_id=facilitator.id,
                title=args.keep_as,
                scale_id=scale.id,
                posters=[poster.model_dump() for poster in args.posters],
            )
        )
    return publish


@bp.action("posters.use_kit", UseKit, who="facilitator")
def use_kit(room: Room, actor: Actor, args: UseKit) -> Publish:
    """Put a poster set the facilitator kept on this room's wall."""
    facilitator = current_facilitator()
    kit = db.session.get(PosterKit, args.kit_id)
    if kit is None or facilitator is None or kit.facilitator_id != facilitator.id:
        raise ActionError("That poster set is not one you kept.", 404)
    posters = [PosterIn.model_validate(poster) for poster in kit.posters]
    return _put_up(room, _scale(kit.scale_id), posters)


@bp.action("posters.scale", ChooseScale, who="facilitator")
def choose_scale(room: Room, actor: Actor, args: ChooseScale) -> Publish:
    """Rate the room's posters on another scale, before any dot. Descriptors written for
    the old scale's levels stay only if the new one has as many levels."""
    scale = _scale(args.scale_id)
    _before_dots(room)
    old = room_scale(room)
    room.scale_id = scale.id
    if len(old.levels) != len(scale.levels):
        for poster in db.session.scalars(select(Poster).where(Poster.room_id == room.id)):
            for item in poster.items:
                item.descriptors = None
    return wall_changed()


@bp.template_global
def kept_kits() -> list[PosterKit]:
    """The poster sets this browser's facilitator kept, newest first."""
    facilitator = current_facilitator()
    if facilitator is None:
        return []
    return list(
        db.session.scalars(
            select(PosterKit)
            .where(PosterKit.facilitator_id == facilitator.id)
            .order_by(PosterKit.created_at.desc(), PosterKit.id.desc())
        )
    )


bp.template_globals(
    all_scales=lambda: list(library().all_scales.values()),
    scale_titles=lambda: {scale.id: scale.title for scale in library().all_scales.values()},
    upload_max_kb=UPLOAD_MAX_BYTES // 1024,
    posters_phase=posters_phase,
)
