"""The tracker table: the Items sheet of a tracker as rows of cells by column key, read safely.

The one way evepub reads a tracker that may come from other hands: the reader (for verify) and sync both
use it, under one set of limits. The package is checked for zip bombs first; openpyxl reads it in read-only
mode with formulas kept as formulas; a sheet is read no further than its data goes, whatever used range it
claims: MAX_COLUMNS columns, MAX_ROWS rows, and no further than a run of EMPTY_ROWS_TO_STOP empty rows.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from defusedxml import DefusedXmlException

from evepub.errors import EvepubError
from evepub.formats.ooxml import EMPTY_ROWS_TO_STOP, MAX_COLUMNS, check_package, unreadable
from evepub.formats.xlsx.contract import BUILT_COLUMNS, BUILT_FIRST_ROW, BUILT_MARK, BUILT_SHEET, decode_built
from evepub.formats.xlsx.layout import (
    COLUMN_KEYS,
    ITEMS_SHEET_KEY,
    LIST_KEY,
    LIST_SECTION_AREA,
    LIST_SECTION_KIND,
    LIST_SECTION_RELEASE,
    LIST_SECTION_TEXT,
    LIST_TITLE,
    LISTS_SHEET,
    default_layout_path,
    load_layout_file,
)

if TYPE_CHECKING:  # openpyxl is imported where a workbook is opened with it: verify reads with calamine only
    from openpyxl.workbook import Workbook

T = TypeVar("T")  # what a caller of with_workbook makes of the workbook
MAX_ROWS = 250_000  # rows of one sheet: far beyond any roadmap; a damaged sheet claiming a million stops here
LIST_COLUMNS = max(LIST_KEY, LIST_TITLE, LIST_SECTION_KIND, LIST_SECTION_TEXT, LIST_SECTION_RELEASE, LIST_SECTION_AREA)
OOXML_ESCAPED = re.compile(r"_x([0-9A-Fa-f]{4})_")


@dataclass(frozen=True)
class Section:
    """A heading of the document as the Lists sheet records it."""

    kind: str  # "title", "release" or "area"
    text: str
    release: str
    area: str


@dataclass(frozen=True)
class TrackerRow:
    """One non-empty row of the Items sheet: its number, and raw cell values and data types by column key."""

    number: int
    values: dict[str, Any]
    types: dict[str, str]
    inline: bool = True  # the workbook stores text inline, where openpyxl leaves _xHHHH_ escapes undecoded

    def text(self, key: str) -> str:
        """The cell of a column as text ('' when empty), decoded as Excel shows it."""
        return cell_text(self.values.get(key), self.inline)


@dataclass(frozen=True)
class AsBuilt:
    """The as-built sheet: which source the tracker was built from, and each item's values as built."""

    fingerprint: str
    label: str
    values: dict[str, dict[str, str | None]]  # by item id: the text's digest and the tracked values


@dataclass(frozen=True)
class TrackerTable:
    """What a tracker holds: its column layout, the sections of its Lists sheet and its item rows."""

    path: Path
    sheet: str
    titles: dict[str, str]  # column titles by key
    columns: dict[str, int]  # 1-based column numbers by key
    rows: list[TrackerRow]
    sections: list[Section]
    cuts: list[str]  # why reading stopped early, per sheet: "rows after the first 250,000 of the Items sheet"
    title: str  # the workbook's title property
    built: AsBuilt | None = None  # None for a tracker made before trackers carried their as-built values

    @property
    def releases(self) -> list[str]:
        """The releases the tracker covers, as its Lists sheet records them."""
        return [section.release for section in self.sections if section.kind == "release"]

    def cell(self, row: TrackerRow, key: str) -> str:
        """A cell reference a spreadsheet user can go to, such as Items!G14."""
        from openpyxl.utils import get_column_letter

        return f"{self.sheet}!{get_column_letter(self.columns[key])}{row.number}"

    def column_title(self, key: str) -> str:
        """The column title of a key as the tracker shows it."""
        return self.titles.get(key, key)

    def texts(self) -> TrackerTexts:
        """The table as verify reads it: each row's cells as text."""
        rows = [{key: row.text(key) for key in self.columns} for row in self.rows]
        return TrackerTexts(self.sections, self.title, rows, self.cuts)


@dataclass(frozen=True)
class TrackerTexts:
    """What verify reads of a tracker: the sections, the title, and each item row as the texts its cells show."""

    sections: list[Section]
    title: str
    rows: list[dict[str, str]]  # one per non-empty row: the text of every column found, by column key
    cuts: list[str]


@dataclass
class BoundedRows:
    """The rows of a sheet as far as its data goes: `max_col` columns, up to MAX_ROWS rows, stopping after a
    run of EMPTY_ROWS_TO_STOP empty rows; `cut` says why reading stopped early. Rows are (number, cells), or
    with `texts` (a sheet of values.py's, read by calamine) (number, the text each cell shows)."""

    sheet: Any
    min_row: int
    max_col: int
    cut: str | None = None
    texts: bool = False

    def __iter__(self) -> Iterator[tuple[int, Any]]:
        self.sheet.reset_dimensions()  # the used range a file claims is not trusted
        if self.texts:
            rows, filled = self.sheet.text_rows(self.min_row, self.max_col), any  # a text is '' only when empty
        else:
            rows, filled = self.sheet.iter_rows(min_row=self.min_row, max_col=self.max_col), has_value
        empty = 0
        for number, cells in enumerate(rows, start=self.min_row):
            if number - self.min_row >= MAX_ROWS:
                self.cut = f"rows after the first {MAX_ROWS:,}"
                return
            if filled(cells):
                empty = 0
                yield number, cells
                continue
            empty += 1
            if empty >= EMPTY_ROWS_TO_STOP:
                if next(rows, None) is not None:
                    self.cut = f"rows after a run of {EMPTY_ROWS_TO_STOP:,} empty rows"
                return


def has_value(cells: tuple[Any, ...]) -> bool:
    """Whether any cell of a row holds a value (openpyxl gives an empty cell as None, or '' when saved so)."""
    return any(cell.value is not None and cell.value != "" for cell in cells)


def with_workbook(path: Path, consume: Callable[[Workbook, Path], T]) -> T:
    """Open an untrusted workbook safely (read-only, formulas kept as formulas), hand it to `consume`, close it."""
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    check_package(path, "Excel workbook")
    try:
        workbook = load_workbook(path, read_only=True, data_only=False)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError, DefusedXmlException) as error:
        raise unreadable(path, "Excel workbook", error) from error
    try:
        return consume(workbook, path)
    except (KeyError, ValueError, TypeError, DefusedXmlException) as error:
        raise unreadable(path, "Excel workbook", error) from error
    finally:
        workbook.close()


def read_table(path: Path) -> TrackerTable:
    """The tracker table of a workbook file."""
    return with_workbook(path, table_of)


@dataclass(frozen=True)
class _Frame:
    """Where a tracker's item rows are: the Items sheet, its columns, and what the Lists sheet says."""

    titles: dict[str, str]
    sheet_name: str
    sheet: Any
    columns: dict[str, int]
    sections: list[Section]
    lists_cut: str | None


def table_of(workbook: Workbook, path: Path, with_built: bool = True, decoded: bool = False) -> TrackerTable:
    """The tracker table of an open workbook; without the as-built sheet (which only sync needs) when told, and
    `decoded` when the library has decoded every _xHHHH_ escape already (calamine does, openpyxl not inline)."""
    inline = not decoded and not has_shared_strings(path)
    frame = frame_of(workbook, path, inline)
    bounded = BoundedRows(frame.sheet, 2, max(frame.columns.values()))
    rows = [row_of(number, cells, frame.columns, inline) for number, cells in bounded]
    built, built_cut = read_built(workbook, path) if with_built else (None, None)
    cuts = cuts_of(frame, bounded.cut, built_cut)
    title = workbook.properties.title or ""
    return TrackerTable(path, frame.sheet_name, frame.titles, frame.columns, rows, frame.sections, cuts, title, built)


def texts_of(workbook: Any, path: Path) -> TrackerTexts:
    """The texts of a tracker whose sheets values.py read with calamine (escapes decoded): each row's cells taken
    once, as text, without the cell objects and types that sync needs."""
    frame = frame_of(workbook, path, inline=False)
    bounded = BoundedRows(frame.sheet, 2, max(frame.columns.values()), texts=True)
    at = [(key, column - 1) for key, column in frame.columns.items()]
    rows = [{key: texts[index] for key, index in at} for _, texts in bounded]
    return TrackerTexts(frame.sections, workbook.properties.title or "", rows, cuts_of(frame, bounded.cut, None))


def frame_of(workbook: Workbook, path: Path, inline: bool) -> _Frame:
    """The Lists sheet read, and the Items sheet found with the columns its header row names."""
    titles, sheet_name, sections, lists_cut = read_lists(workbook, inline)
    if sheet_name not in workbook.sheetnames or not hasattr(workbook[sheet_name], "iter_rows"):
        raise EvepubError(f"{path}: the tracker has no sheet named '{sheet_name}'")
    sheet = workbook[sheet_name]
    sheet.reset_dimensions()
    header = next(sheet.iter_rows(min_row=1, max_row=1, max_col=MAX_COLUMNS, values_only=True), None)
    if header is None:
        raise EvepubError(f"{path}: the {sheet_name} sheet is empty")
    columns = find_columns(header, titles, path, sheet_name)
    return _Frame(titles, sheet_name, sheet, columns, sections, lists_cut)


def cuts_of(frame: _Frame, items_cut: str | None, built_cut: str | None) -> list[str]:
    """Why reading stopped early, per sheet."""
    named_cuts = ((items_cut, frame.sheet_name), (frame.lists_cut, LISTS_SHEET), (built_cut, BUILT_SHEET))
    return [f"{cut} of the {name} sheet" for cut, name in named_cuts if cut]


def has_shared_strings(path: Path) -> bool:
    """Whether a workbook stores its text as shared strings, as Excel and LibreOffice save it (evepub and openpyxl
    write text inline): openpyxl decodes the _xHHHH_ escapes of shared strings itself, never those of inline text."""
    with zipfile.ZipFile(path) as archive:
        return any(name.lower().endswith("sharedstrings.xml") for name in archive.namelist())


def row_of(number: int, cells: tuple[Any, ...], columns: dict[str, int], inline: bool) -> TrackerRow:
    """One sheet row as values and data types by column key."""
    values, types, width = {}, {}, len(cells)
    for key, column in columns.items():
        if column <= width:
            cell = cells[column - 1]
            values[key], types[key] = cell.value, cell.data_type
    return TrackerRow(number, values, types, inline)


def read_built(workbook: Workbook, path: Path) -> tuple[AsBuilt | None, str | None]:
    """The as-built sheet, if the tracker has one, and why reading it stopped early."""
    if BUILT_SHEET not in workbook.sheetnames or not hasattr(workbook[BUILT_SHEET], "iter_rows"):
        return None, None
    rows = BoundedRows(workbook[BUILT_SHEET], 1, len(BUILT_COLUMNS))
    try:
        cells = [tuple(cell.value for cell in row) for _, row in rows]
        if not cells or cells[0][0] != BUILT_MARK:
            raise ValueError("no mark")
        fingerprint, label = (decode_built(value) or "" for value in cells[0][1:3])
        values = {}
        for row in cells[BUILT_FIRST_ROW - 1 :]:
            decoded = [decode_built(value) for value in (*row, *[None] * len(BUILT_COLUMNS))[: len(BUILT_COLUMNS)]]
            values[decoded[0] or ""] = dict(zip(BUILT_COLUMNS[1:], decoded[1:], strict=True))
    except (ValueError, IndexError):
        raise EvepubError(f"{path}: its {BUILT_SHEET} sheet was changed by hand; sync needs it as built") from None
    return AsBuilt(fingerprint, label, values), rows.cut


def read_lists(workbook: Workbook, inline: bool = True) -> tuple[dict[str, str], str, list[Section], str | None]:
    """Column titles by key, the Items sheet name and the sections, from the Lists sheet or the defaults."""
    if LISTS_SHEET not in workbook.sheetnames or not hasattr(workbook[LISTS_SHEET], "iter_rows"):
        layout = load_layout_file(default_layout_path())
        return {column.key: column.title for column in layout.columns}, layout.items_sheet, [], None
    titles: dict[str, str] = {}
    sections: list[Section] = []
    rows = BoundedRows(workbook[LISTS_SHEET], 2, LIST_COLUMNS)
    for _, cells in rows:
        row = tuple(cell.value for cell in cells)
        key, title = column_text(row, LIST_KEY, inline), column_text(row, LIST_TITLE, inline)
        if key:
            titles[key] = title
        kind = column_text(row, LIST_SECTION_KIND, inline)
        if kind in ("title", "release", "area"):
            text, release, area = (
                column_text(row, column, inline)
                for column in (LIST_SECTION_TEXT, LIST_SECTION_RELEASE, LIST_SECTION_AREA)
            )
            sections.append(Section(kind, text, release, area))
    return titles, titles.pop(ITEMS_SHEET_KEY, "Items"), sections, rows.cut


def cell_text(value: Any, inline: bool = True) -> str:
    """A cell value as text, '' when empty, with _xHHHH_ escapes decoded as Excel shows them.

    openpyxl leaves the escapes of inline text (as evepub writes it) undecoded, but has decoded the shared
    strings that Excel and LibreOffice save: those are taken as they are, or "_x005F_x0042_" is decoded twice.
    """
    if value is None:
        return ""
    if inline and isinstance(value, str) and "_x" in value:
        return OOXML_ESCAPED.sub(lambda match: chr(int(match.group(1), 16)), value)
    return str(value)


def column_text(row: tuple[Any, ...], column: int, inline: bool = True) -> str:
    """The text of a 1-based column of a row of values, '' when empty or missing."""
    return cell_text(row[column - 1], inline) if column <= len(row) else ""


def find_columns(header: tuple[Any, ...], titles: dict[str, str], path: Path, sheet: str) -> dict[str, int]:
    """The 1-based column of each key, found by its title in the header row (ignoring case)."""
    found = {str(value).strip().lower(): number for number, value in enumerate(header, start=1) if value}
    columns: dict[str, int] = {}
    for key in COLUMN_KEYS:
        number = found.get(titles.get(key, "").strip().lower())
        if number is not None:
            columns[key] = number
    missing = [titles.get(key, key) for key in ("id", "item") if key not in columns]
    if missing:
        raise EvepubError(f"{path}: the {sheet} sheet has no column titled {', '.join(missing)}")
    return columns
