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

from ..content import Scale
from ..posters.domain import READING_HEADINGS, ItemTally, PosterTally
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

# A level's tone as a fill, and the ink written on it (Okabe-Ito beyond the traffic light).
FILL = {
    "green": "#1b6e35",
    "yellow": "#f4c542",
    "red": "#b3261e",
    "sky": "#56b4e9",
    "orange": "#e69f00",
    "purple": "#cc79a7",
    "grey": "#999999",
}
INK = {tone: "#ffffff" if tone in {"green", "red"} else "#1a1a1a" for tone in FILL}
WIDTH = 1280
BAR_X = 520
BAR_W = 560
FONT = "Segoe UI, Helvetica, Arial, sans-serif"


def _svg_text(x: float, y: float, text: str, **attrs: str | float) -> str:
    extra = "".join(f' {k.replace("_", "-")}="{v}"' for k, v in attrs.items())
    return f'<text x="{x:g}" y="{y:g}"{extra}>{escape(text)}</text>'


def counts_phrase(counts: dict[str, int], scale: Scale) -> str:
    return ", ".join(f"{counts[level.key]} {level.short.lower()}" for level in scale.levels)


def survey_phrase(entry: ItemTally) -> str:
    """The survey's results for an item in words ("" without them)."""
    survey = entry.survey
    if survey is None:
        return ""
    shares = ", ".join(f"{share['label']} {share['percent']:g}%" for share in survey.shares)
    mean = f"mean {survey.mean:g}" if survey.mean is not None else ""
    return "; ".join(part for part in (shares, mean) if part)


def posters_svg(title: str, tallies: list[PosterTally], scale: Scale) -> str:
    """Stacked horizontal bars, one per item, with each count written in or beside its bar
    and a legend that names each level by letter and shape, so it reads in black and white.
    """
    biggest = max((entry.total for p in tallies for entry in p.items), default=0) or 1
    letter = scale.letters
    parts: list[str] = []
    summary: list[str] = []
    y = 40
    parts.append(_svg_text(40, y, title, font_size=30, font_weight=700))
    y += 44
    x = 40
    for level in scale.levels:
        if x > WIDTH - 240:
            x, y = 40, y + 36
        parts.append(
            f'<rect x="{x}" y="{y - 20}" width="28" height="28" rx="4" '
            f'fill="{FILL[level.tone]}" stroke="#1a1a1a"/>'
        )
        parts.append(
            _svg_text(
                x + 14,
                y,
                letter[level.key],
                fill=INK[level.tone],
                font_weight=700,
                text_anchor="middle",
            )
        )
        label = f"{level.shape} {level.short} = {level.label}"
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
            for level in scale.levels:
                count = entry.counts[level.key]
                if not count:
                    continue
                width = BAR_W * count / biggest
                parts.append(
                    f'<rect x="{left:.1f}" y="{bar_y:.1f}" width="{width:.1f}" height="32" '
                    f'fill="{FILL[level.tone]}" stroke="#1a1a1a" stroke-width="1"/>'
                )
                inside = f"{letter[level.key]} {count}" if width >= 46 else f"{count}"
                if width >= 20:
                    parts.append(
                        _svg_text(
                            left + width / 2,
                            bar_y + 22,
                            inside,
                            fill=INK[level.tone],
                            font_size=17,
                            font_weight=700,
                            text_anchor="middle",
                        )
                    )
                left += width
            beside = (
                " · ".join(f"{letter[k]} {entry.counts[k]}" for k in scale.keys)
                if entry.total
                else "no dots"
            )
            parts.append(_svg_text(left + 10, bar_y + 22, beside, font_size=16, fill="#333333"))
            lists = ", ".join(READING_HEADINGS[reading] for reading in entry.readings)
            ranked = f" ({lists})" if lists else ""
            survey = f"; survey: {survey_phrase(entry)}" if entry.survey else ""
            summary.append(
                f"{entry.ref} {entry.item.text}: "
                f"{counts_phrase(entry.counts, scale)}{survey}{ranked}."
            )
            if entry.survey:
                parts.append(
                    _svg_text(
                        BAR_X, y + height + 4, f"Survey: {survey_phrase(entry)}", font_size=15
                    )
                )
                height += 22
            y += height
    height = y + 30
    desc = " ".join(summary) or "No posters."
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" '
        f'width="{WIDTH}" height="{height}" role="img" aria-labelledby="chart-title chart-desc" '
        f'font-family="{FONT}" font-size="18" fill="#1a1a1a">'
        f'<title id="chart-title">{escape(title)}</title>'
        f'<desc id="chart-desc">{escape(", ".join(level.short for level in scale.levels))} '
        "dots on each poster item. "
        f"{escape(desc)}</desc>"
        f'<rect width="100%" height="100%" fill="#ffffff"/>' + "".join(parts) + "</svg>"
    )


# --- The record's documents -----------------------------------------------------------------


def posters_rows(
    tallies: list[PosterTally], scale: Scale, named: bool, surveyed: bool = False
) -> list[list[Cell]]:
    """Every item with its counts per level (paper posters' dots included, and said), the
    summary's lists it is on, the survey's results (with a survey) and, when dots are
    named, who placed them."""
    header: list[Cell] = [
        "Poster",
        "Item",
        "Text",
        *(level.short for level in scale.levels),
        "Total",
        "In the summary",
        "Of which from the paper poster",
    ]
    if surveyed:
        header += ["Survey", "Team minus survey (0 to 1)"]
    if named:
        header += [f"{level.short} by" for level in scale.levels]
    rows = [header]
    for poster in tallies:
        for entry in poster.items:
            row: list[Cell] = [
                f"{poster.poster.key}. {poster.poster.title}",
                entry.ref,
                entry.item.text,
                *(entry.counts[k] for k in scale.keys),
                entry.total,
                "; ".join(READING_HEADINGS[reading] for reading in entry.readings),
                "; ".join(
                    f"{level.short} {entry.paper[level.key]}"
                    for level in scale.levels
                    if entry.paper.get(level.key)
                ),
            ]
            if surveyed:
                gap = entry.survey_gap
                row += [survey_phrase(entry), "" if gap is None else f"{gap:+.2f}"]
            if named:
                row += ["; ".join(entry.name_labels(k)) for k in scale.keys]
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
