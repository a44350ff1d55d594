"""Reading a spreadsheet someone uploads (CSV or XLSX) into rows of plain text.

The one door for tabular files: poster sets and survey results both come in here. A file
is read whole or refused whole, with every problem named by row and column as the file's
owner sees them in their spreadsheet (row 1 is the header; column A is the first):

* CSV in UTF-8 (with or without a byte-order mark), UTF-16 with its mark, or
  Windows-1252 (what Excel on Windows saves as "CSV"); comma, semicolon or tab separated;
* XLSX through openpyxl, read-only and data-only: a formula is never evaluated (its cached
  value is read, or nothing), macros and links are never followed; the first sheet only;
* limits on the file's size (and an XLSX's unpacked size), rows, columns and text length.

What a cell holds is kept as plain text, cleaned like anything typed (:func:`wsapp.text.typed`):
a cell that starts with ``=`` stays the text it was; templates escape it when shown and
the exports neutralise it for spreadsheets (``wsapp.export.formats.neutralise``).
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException

from .limits import TABLE_CELL_MAX, TABLE_COLUMNS_MAX, TABLE_ROWS_MAX, UPLOAD_MAX_BYTES
from .text import typed

# An XLSX is a zip: refuse one that unpacks far past what its rows could need.
XLSX_UNPACKED_MAX = 20 * UPLOAD_MAX_BYTES
PROBLEMS_SHOWN = 20
EXTENSIONS = (".csv", ".txt", ".xlsx")


@dataclass(frozen=True)
class Problem:
    """What is wrong, and where: a row number as the spreadsheet shows it (None: the whole
    file) and a column letter with its header (None: the whole row)."""

    message: str
    row: int | None = None
    column: str | None = None

    def __str__(self) -> str:
        where = []
        if self.row is not None:
            where.append(f"Row {self.row}")
        if self.column is not None:
            where.append(f"column {self.column}")
        return f"{', '.join(where)}: {self.message}" if where else self.message


class TableError(Exception):
    """The file cannot be used; ``problems`` says every reason found (up to a limit)."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)[:PROBLEMS_SHOWN]
        super().__init__("; ".join(str(problem) for problem in self.problems))


def refuse(message: str, row: int | None = None, column: str | None = None) -> TableError:
    return TableError([Problem(message, row, column)])


@dataclass(frozen=True)
class Row:
    """One row that is not blank: its number in the file, and its cells by header."""

    number: int
    cells: dict[str, str]

    def get(self, name: str) -> str:
        return self.cells.get(name, "")


@dataclass
class Table:
    """The header (normalised, see :func:`header_name`), the rows that are not blank, and
    the problems found in their cells so far (a reader adds its own: :meth:`refuse_if`)."""

    header: list[str]
    rows: list[Row] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    def column(self, name: str) -> str:
        """Where a header is, as a person finds it: "C (text)"."""
        index = self.header.index(name)
        return f"{get_column_letter(index + 1)} ({name})"

    def rename(self, names: dict[str, str]) -> None:
        """Call columns by the names a reader knows them by ("item code" -> "item")."""
        self.header = [names.get(name, name) for name in self.header]
        self.rows = [
            Row(row.number, {names.get(k, k): v for k, v in row.cells.items()}) for row in self.rows
        ]

    def refuse_if(self, problems: Iterable[Problem]) -> None:
        """Raise TableError with the table's problems and ``problems``, in row order."""
        found = [*self.problems, *problems]
        if found:
            raise TableError(sorted(found, key=lambda p: (p.row or 0, p.column or "")))


def header_name(text: str) -> str:
    """A header as compared: lower case, one space between words ("Item_Code" -> "item code")."""
    return " ".join(re.split(r"[\s_]+", text.strip().lower())).strip()


def _cell_text(value: object) -> str:
    """An XLSX cell's value as the text a person sees in it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return str(value)


def _decode(data: bytes) -> str:
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8) :].decode("utf-8", errors="strict")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16")
    if b"\x00" in data:
        raise refuse("This is not a text file. Save it as CSV (or XLSX) and upload that.")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError as error:
        raise refuse(
            "This file is neither UTF-8 nor Windows-1252 text (byte "
            f"{error.start + 1} cannot be read). Save it as “CSV UTF-8” and upload it again."
        ) from None


def _csv_rows(data: bytes) -> Iterator[list[str]]:
    text = _decode(data)
    first = text[:4096]
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(first, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    try:
        yield from reader
    except csv.Error as error:
        raise refuse(f"The CSV cannot be read here: {error}.", reader.line_num) from None


def _xlsx_rows(data: bytes) -> Iterator[list[str]]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile:
        raise refuse("This XLSX file is damaged: it cannot be opened.") from None
    if unpacked > XLSX_UNPACKED_MAX:
        raise refuse("This XLSX file holds far more than a poster set or a survey could.")
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True, keep_links=False)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, OSError):
        raise refuse("This XLSX file is damaged or not a workbook: it cannot be opened.") from None
    try:
        if not book.worksheets:
            raise refuse("This workbook has no sheet.")
        for values in book.worksheets[0].iter_rows(values_only=True):
            yield [_cell_text(value) for value in values]
    finally:
        book.close()


def _raw_rows(data: bytes, filename: str) -> Iterable[list[str]]:
    name = filename.lower()
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise refuse("This is an old Excel file (.xls). Save it as .xlsx or CSV and upload that.")
    if data.startswith(b"PK\x03\x04"):
        return _xlsx_rows(data)
    if name.endswith(".xlsx"):
        raise refuse("This file is named .xlsx but is not a workbook.")
    return _csv_rows(data)


def read_table(data: bytes, filename: str = "") -> Table:
    """The file's header and rows, each cell cleaned text, blank rows skipped; TableError
    for a file that cannot be read as a table at all. Problems in single cells (too long, a
    value past the header) are kept in ``Table.problems`` for the reader to report with its
    own, so a person sees every problem at once."""
    if not data.strip():
        raise refuse("The file is empty.")
    if len(data) > UPLOAD_MAX_BYTES:
        raise refuse(f"The file is too large (over {UPLOAD_MAX_BYTES // 1024} KB).")
    problems: list[Problem] = []
    table: Table | None = None
    for number, raw in enumerate(_raw_rows(data, filename), start=1):
        cells = [typed(cell).strip() for cell in raw]
        while cells and not cells[-1]:
            cells.pop()
        if not cells:
            continue
        if len(cells) > TABLE_COLUMNS_MAX:
            raise refuse(f"has {len(cells)} columns; at most {TABLE_COLUMNS_MAX} are read.", number)
        for index, cell in enumerate(cells):
            if len(cell) > TABLE_CELL_MAX:
                problems.append(
                    Problem(
                        f"is {len(cell)} characters long; at most {TABLE_CELL_MAX} fit.",
                        number,
                        get_column_letter(index + 1),
                    )
                )
        if table is None:
            table = _header(cells, number)
            continue
        if len(table.rows) >= TABLE_ROWS_MAX:
            raise refuse(f"The file has more than {TABLE_ROWS_MAX} rows; that is too many.")
        if len(cells) > len(table.header):
            problems.append(
                Problem(
                    "has a value beyond the last column with a header.",
                    number,
                    get_column_letter(len(cells)),
                )
            )
            continue
        table.rows.append(Row(number, dict(zip(table.header, cells, strict=False))))
    if table is None:
        raise refuse("The file is empty.")
    table.problems = problems
    return table


def _header(cells: list[str], number: int) -> Table:
    names = [header_name(cell) for cell in cells]
    for index, name in enumerate(names):
        letter = get_column_letter(index + 1)
        if not name:
            raise refuse("has no header; name every column in the first row.", number, letter)
        if names.index(name) != index:
            raise refuse(f"repeats the header “{name}”.", number, letter)
    return Table(names)
