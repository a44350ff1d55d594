"""Writers for the record's files: CSV, Excel, Markdown and an SVG chart.

Spreadsheets run a cell that starts with =, +, - or @ (or a tab or carriage return) as a
formula, and some do so after leading spaces too, so a note such as ``=HYPERLINK(...)``
could act when the file is opened. CSV cells like that get a leading apostrophe; Excel
cells are written as text, marked with Excel's own "quote prefix" (the invisible
apostrophe), so they show exactly what was typed.
"""

from __future__ import annotations

import csv
import io
import re
import textwrap
from collections.abc import Iterable, Sequence
from html import escape

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from ..content import DotColour
from ..posters.domain import COLOURS, READING_HEADINGS, SHAPES, PosterTally
from ..quietwrite.domain import SharedAnswer
from .domain import NotesSection

Cell = str | int
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def looks_like_a_formula(text: str) -> bool:
    """Would a spreadsheet run it, straight away or after its leading whitespace?"""
    return text.startswith(FORMULA_START) or text.lstrip().startswith(FORMULA_START)


def neutralise(text: str) -> str:
    """Text a spreadsheet will not run: a leading apostrophe before a formula."""
    return "'" + text if looks_like_a_formula(text) else text


# --- CSV and Excel ------------------------------------------------------------------------


def to_csv(rows: Iterable[Sequence[Cell]]) -> bytes:
    """UTF-8 with a byte-order mark, so Excel reads names like Zoë and Ñandú correctly."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for row in rows:
        writer.writerow([neutralise(cell) if isinstance(cell, str) else cell for cell in row])
    return ("\ufeff" + out.getvalue()).encode()


def to_xlsx(sheets: Sequence[tuple[str, Sequence[Sequence[Cell]]]]) -> bytes:
    """One sheet per (title, rows), each as on screen: bold header row and first column,
    text wrapped."""
    book = Workbook()
    book.remove(book.active)  # type: ignore[arg-type]
    wrap = Alignment(wrap_text=True, vertical="top")
    for sheet_title, rows in sheets:
        sheet = book.create_sheet(sheet_title[:31])
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row, start=1):
                cell = sheet.cell(row=r, column=c, value=value)
                cell.alignment = wrap
                if isinstance(value, str):
                    cell.data_type = "s"  # never a formula, whatever it starts with
                    cell.quotePrefix = looks_like_a_formula(value)
                if r == 1 or c == 1:
                    cell.font = Font(bold=True)
        widths = [28] + [36] * (max((len(row) for row in rows), default=1) - 1)
        for c, width in enumerate(widths, start=1):
            sheet.column_dimensions[get_column_letter(c)].width = width
        sheet.freeze_panes = "B2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# --- Markdown -----------------------------------------------------------------------------

_INLINE = re.compile(r"([\\`*_\[\]<>|#~&])")
_BLOCK_START = re.compile(r"^(\s*)([-+=>]|\d+[.)])")


def md_text(text: str) -> list[str]:
    """Typed text as Markdown lines that show what was typed, with no markup taking effect."""
    lines = []
    for line in text.replace("\r\n", "\n").split("\n"):
        line = _INLINE.sub(r"\\\1", line)
        lines.append(_BLOCK_START.sub(r"\1\\\2", line))
    return lines


def md_inline(text: str, *, newline: str = " ") -> str:
    return newline.join(md_text(text))


def md_bullet(text: str, suffix: str = "") -> str:
    """A list item; a note's own line breaks stay line breaks inside the item."""
    lines = md_text(text)
    lines[-1] += suffix
    return "- " + "  \n  ".join(lines)


def md_table(rows: Sequence[Sequence[str]]) -> str:
    """A Markdown table; the first column's first line is bold, like the row headings."""
    if not rows:
        return ""

    def cell(text: str, first: bool) -> str:
        lines = md_text(text)
        if first and lines[0]:
            lines[0] = f"**{lines[0]}**"
        return "<br>".join(lines)

    header, *body = rows
    out = ["| " + " | ".join(cell(h, False) for h in header) + " |"]
    out.append("|" + "|".join(" --- " for _ in header) + "|")
    out.extend("| " + " | ".join(cell(t, i == 0) for i, t in enumerate(r)) + " |" for r in body)
    return "\n".join(out)


# --- The posters' chart -------------------------------------------------------------------

FILL = {"green": "#1b6e35", "yellow": "#f4c542", "red": "#b3261e"}
INK = {"green": "#ffffff", "yellow": "#1a1a1a", "red": "#ffffff"}
LETTER = {"green": "G", "yellow": "Y", "red": "R"}
WIDTH = 1280
BAR_X = 520
BAR_W = 560
FONT = "Segoe UI, Helvetica, Arial, sans-serif"


def _svg_text(x: float, y: float, text: str, **attrs: str | float) -> str:
    extra = "".join(f' {k.replace("_", "-")}="{v}"' for k, v in attrs.items())
    return f'<text x="{x:g}" y="{y:g}"{extra}>{escape(text)}</text>'


def counts_phrase(counts: dict[str, int]) -> str:
    return ", ".join(f"{counts[c]} {c}" for c in COLOURS)


def posters_svg(title: str, tallies: list[PosterTally], colours: list[DotColour]) -> str:
    """Stacked horizontal bars, one per item, with each count written in or beside its bar
    and a legend that names each colour by letter and shape, so it reads in black and white.
    """
    biggest = max((entry.total for p in tallies for entry in p.items), default=0) or 1
    names = {colour.key: f"{colour.key.title()} = {colour.label}" for colour in colours}
    parts: list[str] = []
    summary: list[str] = []
    y = 40
    parts.append(_svg_text(40, y, title, font_size=30, font_weight=700))
    y += 44
    x = 40
    for colour in COLOURS:
        parts.append(
            f'<rect x="{x}" y="{y - 20}" width="28" height="28" rx="4" fill="{FILL[colour]}" '
            'stroke="#1a1a1a"/>'
        )
        parts.append(
            _svg_text(
                x + 14, y, LETTER[colour], fill=INK[colour], font_weight=700, text_anchor="middle"
            )
        )
        label = f"{SHAPES[colour]} {names.get(colour, colour.title())}"
        parts.append(_svg_text(x + 38, y, label, font_size=18))
        x += 56 + 10 * len(label)
    y += 30
    for poster in tallies:
        y += 36
        heading = f"{poster.poster.key}. {poster.poster.title}"
        parts.append(_svg_text(40, y, heading, font_size=24, font_weight=700))
        summary.append(f"{heading}.")
        y += 14
        for entry in poster.items:
            lines = textwrap.wrap(
                f"{entry.ref}  {entry.item.text}", 56, max_lines=2, placeholder=" …"
            )
            height = max(44, 22 * len(lines) + 12)
            for n, line in enumerate(lines):
                parts.append(_svg_text(40, y + 26 + 22 * n, line, font_size=17))
            bar_y = y + (height - 32) / 2
            left = float(BAR_X)
            for colour in COLOURS:
                count = entry.counts[colour]
                if not count:
                    continue
                width = BAR_W * count / biggest
                parts.append(
                    f'<rect x="{left:.1f}" y="{bar_y:.1f}" width="{width:.1f}" height="32" '
                    f'fill="{FILL[colour]}" stroke="#1a1a1a" stroke-width="1"/>'
                )
                inside = f"{LETTER[colour]} {count}" if width >= 46 else f"{count}"
                if width >= 20:
                    parts.append(
                        _svg_text(
                            left + width / 2,
                            bar_y + 22,
                            inside,
                            fill=INK[colour],
                            font_size=17,
                            font_weight=700,
                            text_anchor="middle",
                        )
                    )
                left += width
            beside = (
                " · ".join(f"{LETTER[c]} {entry.counts[c]}" for c in COLOURS)
                if entry.total
                else "no dots"
            )
            parts.append(_svg_text(left + 10, bar_y + 22, beside, font_size=16, fill="#333333"))
            lists = ", ".join(READING_HEADINGS[reading] for reading in entry.readings)
            ranked = f" ({lists})" if lists else ""
            summary.append(f"{entry.ref} {entry.item.text}: {counts_phrase(entry.counts)}{ranked}.")
            y += height
    height = y + 30
    desc = " ".join(summary) or "No posters."
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" '
        f'width="{WIDTH}" height="{height}" role="img" aria-labelledby="chart-title chart-desc" '
        f'font-family="{FONT}" font-size="18" fill="#1a1a1a">'
        f'<title id="chart-title">{escape(title)}</title>'
        f'<desc id="chart-desc">Green, yellow and red dots on each poster item. '
        f"{escape(desc)}</desc>"
        f'<rect width="100%" height="100%" fill="#ffffff"/>' + "".join(parts) + "</svg>"
    )


# --- The record's documents -----------------------------------------------------------------


def posters_rows(tallies: list[PosterTally], named: bool) -> list[list[Cell]]:
    """Every item with its counts per colour, the summary's lists it is on (and, when dots
    are named, who placed them)."""
    header: list[Cell] = [
        "Poster",
        "Item",
        "Text",
        "Green",
        "Yellow",
        "Red",
        "Total",
        "In the summary",
    ]
    if named:
        header += ["Green by", "Yellow by", "Red by"]
    rows = [header]
    for poster in tallies:
        for entry in poster.items:
            row: list[Cell] = [
                f"{poster.poster.key}. {poster.poster.title}",
                entry.ref,
                entry.item.text,
                *(entry.counts[c] for c in COLOURS),
                entry.total,
                "; ".join(READING_HEADINGS[reading] for reading in entry.readings),
            ]
            if named:
                row += ["; ".join(entry.name_labels(c)) for c in COLOURS]
            rows.append(row)
    return rows


def notes_markdown(
    heading: str,
    about: str,
    sections: list[NotesSection],
    anonymous: bool,
    quiet_prompt: str | None,
    writes: list[SharedAnswer],
) -> str:
    """Discussion notes question by question (starred marked), then shared quiet writes."""
    out = [f"# {md_inline(heading)}", "", md_inline(about), ""]
    for section in sections:
        out += [f"## {md_inline(section.title)}", ""]
        for noted in section.questions:
            code = f"{md_inline(noted.code)}. " if noted.code else ""
            out += [f"### {code}{md_inline(noted.question.text)}", ""]
            for note in noted.notes:
                star = "★ **Starred:** " if note.starred else ""
                author = "" if anonymous else f" — *{md_inline(note.author_name)}*"
                out.append(md_bullet(note.text, author).replace("- ", f"- {star}", 1))
            if not noted.notes:
                out.append("*No notes.*")
            out.append("")
    if writes:
        out += ["## Quiet write", ""]
        if quiet_prompt:
            out += [f"> {md_inline(quiet_prompt)}", ""]
        for write in writes:
            author = f" — *{md_inline(write.name)}*" if write.name else ""
            out.append(md_bullet(write.text, author))
        out.append("")
    return "\n".join(out)
