"""Reader for the Excel trackers: the Items rows and the hidden Lists sheet back into outline entries.

The package is checked by `ooxml.check_package` first; openpyxl then parses sheets through defusedxml
(it does whenever defusedxml is installed, which evepub requires) and other parts with entity resolution
off. A sheet is read only as far as its data goes, whatever used range it claims: a bounded number of
columns, and no further than a run of `ooxml.EMPTY_ROWS_TO_STOP` empty rows. Besides the entries it gives
back each row's list number (from the List column), status and links.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from defusedxml import DefusedXmlException
from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.workbook import Workbook

from evepub.errors import EvepubError
from evepub.formats.ooxml import EMPTY_ROWS_TO_STOP, MAX_COLUMNS, check_package, unreadable
from evepub.formats.readback import read_marker
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
from evepub.model import Entry, ItemKind, ReadBack, Release

T = TypeVar("T")  # what a caller of with_workbook makes of the workbook
MAX_ROWS = 250_000  # far beyond any roadmap; a damaged sheet claiming a million rows stops here
MAX_LIST_ROWS = 250_000  # the same bound for the Lists sheet
LIST_COLUMNS = max(LIST_KEY, LIST_TITLE, LIST_SECTION_KIND, LIST_SECTION_TEXT, LIST_SECTION_RELEASE, LIST_SECTION_AREA)
CONTROL_PICTURES = re.compile("[\u2400-\u241f]")
KINDS = {kind.value for kind in ItemKind}
OOXML_ESCAPED = re.compile(r"_x([0-9A-Fa-f]{4})_")


@dataclass(frozen=True)
class Section:
    """A heading of the document as the Lists sheet records it."""

    kind: str  # "title", "release" or "area"
    text: str
    release: str
    area: str


@dataclass
class _Run:
    """Consecutive item rows of one release and area."""

    release: str
    period: str
    area: str
    entries: list[Entry] = field(default_factory=list)
    rows: list[dict[str, str]] = field(default_factory=list)  # the row of each entry


@dataclass
class BoundedRows:
    """The rows of a sheet as far as its data goes: `max_col` columns, up to `limit` rows, stopping after a
    run of EMPTY_ROWS_TO_STOP empty rows; `cut` says why reading stopped early."""

    sheet: Any
    min_row: int
    max_col: int
    limit: int
    cut: str | None = None

    def __iter__(self) -> Iterator[tuple[Any, ...]]:
        self.sheet.reset_dimensions()  # the used range a file claims is not trusted
        rows = self.sheet.iter_rows(min_row=self.min_row, max_col=self.max_col, values_only=True)
        empty = 0
        for count, row in enumerate(rows, start=1):
            if count > self.limit:
                self.cut = f"rows after the first {self.limit:,}"
                return
            if any(value is not None and value != "" for value in row):
                empty = 0
                yield row
                continue
            empty += 1
            if empty >= EMPTY_ROWS_TO_STOP:
                if next(rows, None) is not None:
                    self.cut = f"rows after a run of {EMPTY_ROWS_TO_STOP:,} empty rows"
                return


def read(path: Path) -> ReadBack:
    """Read a tracker workbook back into the entries of the roadmap it shows, with list numbers, statuses, links."""
    return with_workbook(path, read_workbook)


def with_workbook(path: Path, consume: Callable[[Workbook, Path], T]) -> T:
    """Open an untrusted workbook safely (read-only, formulas kept as formulas), hand it to `consume`, close it."""
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


def read_workbook(workbook: Workbook, path: Path) -> ReadBack:
    """The entries of an open tracker workbook, with list numbers, statuses and links."""
    titles, sheet_name, sections, lists_cut = _read_lists(workbook)
    if sheet_name not in workbook.sheetnames or not hasattr(workbook[sheet_name], "iter_rows"):
        raise EvepubError(f"{path}: the tracker has no sheet named '{sheet_name}'")
    rows, cut = _read_rows(workbook[sheet_name], titles, path)
    if not any(section.kind == "title" for section in sections):
        sections.insert(0, Section("title", workbook.properties.title or "", "", ""))
    back = ReadBack([], [], numbers=[], statuses=[], links=[])
    merge(sections, runs_of(rows), _Collector(back.entries, back.numbers, back.statuses, back.links))
    if cut:
        back.unrecoverable.append(f"{cut} of the {sheet_name} sheet")
    if lists_cut:
        back.unrecoverable.append(f"{lists_cut} of the {LISTS_SHEET} sheet")
    if any(CONTROL_PICTURES.search(entry.text) for entry in back.entries):
        back.unrecoverable.append("control characters (shown as Unicode control pictures U+2400-U+241F)")
    return back


def _read_lists(workbook: Workbook) -> tuple[dict[str, str], str, list[Section], str | None]:
    """Column titles by key, the Items sheet name and the sections, from the Lists sheet or the defaults."""
    if LISTS_SHEET not in workbook.sheetnames or not hasattr(workbook[LISTS_SHEET], "iter_rows"):
        layout = load_layout_file(default_layout_path())
        return {column.key: column.title for column in layout.columns}, layout.items_sheet, [], None
    titles: dict[str, str] = {}
    sections: list[Section] = []
    rows = BoundedRows(workbook[LISTS_SHEET], 2, LIST_COLUMNS, MAX_LIST_ROWS)
    for row in rows:
        key, title = _cell(row, LIST_KEY), _cell(row, LIST_TITLE)
        if key:
            titles[key] = title
        kind = _cell(row, LIST_SECTION_KIND)
        if kind in ("title", "release", "area"):
            text, release, area = (
                _cell(row, column) for column in (LIST_SECTION_TEXT, LIST_SECTION_RELEASE, LIST_SECTION_AREA)
            )
            sections.append(Section(kind, text, release, area))
    return titles, titles.pop(ITEMS_SHEET_KEY, "Items"), sections, rows.cut


def _cell(row: tuple[Any, ...], column: int) -> str:
    """The text of a 1-based column of a row of values, '' when empty or missing."""
    if column > len(row) or row[column - 1] is None:
        return ""
    value = row[column - 1]
    if isinstance(value, str) and "_x" in value:  # decoded as Excel shows it; openpyxl leaves "_x000D_" as is
        return OOXML_ESCAPED.sub(lambda match: chr(int(match.group(1), 16)), value)
    return str(value)


def _read_rows(sheet: Any, titles: dict[str, str], path: Path) -> tuple[list[dict[str, str]], str | None]:
    """The item rows as texts by column key, and why reading stopped early (None when it read them all)."""
    header = next(sheet.iter_rows(min_row=1, max_row=1, max_col=MAX_COLUMNS, values_only=True), None)
    if header is None:
        raise EvepubError(f"{path}: the Items sheet is empty")
    columns = _columns(header, titles, path)
    rows = BoundedRows(sheet, 2, max(columns.values()), MAX_ROWS)
    items = [{key: _cell(row, column) for key, column in columns.items()} for row in rows]
    return items, rows.cut


def _columns(header: tuple[Any, ...], titles: dict[str, str], path: Path) -> dict[str, int]:
    """The 1-based column of each key, found by its title in the header row (ignoring case)."""
    found = {str(value).strip().lower(): number for number, value in enumerate(header, start=1) if value}
    columns: dict[str, int] = {}
    for key in COLUMN_KEYS:
        number = found.get(titles.get(key, "").strip().lower())
        if number is not None:
            columns[key] = number
    missing = [titles.get(key, key) for key in ("id", "item") if key not in columns]
    if missing:
        raise EvepubError(f"{path}: the Items sheet has no column titled {', '.join(missing)}")
    return columns


def runs_of(rows: list[dict[str, str]]) -> list[_Run]:
    """Item rows as entries, grouped into runs of the same release and area."""
    depths: dict[str, tuple[str, int]] = {}
    runs: list[_Run] = []
    for row in rows:
        release, area = row.get("release", ""), row.get("area", "")
        if not runs or (runs[-1].release, runs[-1].area) != (release, area):
            runs.append(_Run(release, row.get("period", ""), area))
        runs[-1].entries.append(row_entry(row, depths))
        runs[-1].rows.append(row)
    return runs


def row_entry(row: dict[str, str], depths: dict[str, tuple[str, int]]) -> Entry:
    """One item row as an entry; `depths` remembers each id's kind and list depth for its children."""
    kind = row.get("kind", "").strip().lower()
    kind = kind if kind in KINDS else ItemKind.ITEM.value
    item_id = row.get("id") or None
    if kind != ItemKind.ITEM.value:
        entry = Entry(kind, row.get("item", ""), 0, None, item_id)
    else:
        parent_kind, parent_depth = depths.get(row.get("parent", ""), ("", -1))
        depth = parent_depth + 1 if parent_kind == ItemKind.ITEM.value else 0
        entry = Entry(kind, row.get("item", ""), depth, read_marker(row.get("list", ""))[0], item_id)
    if item_id:
        depths[item_id] = (kind, entry.depth)
    return entry


@dataclass
class _Collector:
    """The lists of a ReadBack being filled: one entry and what it shows at a time."""

    entries: list[Entry]
    numbers: list[int]
    statuses: list[str | None]
    links: list[list[str]]

    def heading(self, entry: Entry) -> None:
        """A heading: no number, status or links."""
        self.add(entry, 0, None, [])

    def run(self, run: _Run) -> None:
        """The item rows of one run, with the number of their List label, their status and their links."""
        for entry, row in zip(run.entries, run.rows, strict=True):
            links = (link.strip() for link in row.get("links", "").splitlines())
            number = read_marker(row.get("list", ""))[1]
            self.add(entry, number, row.get("status") or None, list(dict.fromkeys(link for link in links if link)))

    def add(self, entry: Entry, number: int, status: str | None, links: list[str]) -> None:
        """One entry and what it shows."""
        self.entries.append(entry)
        self.numbers.append(number)
        self.statuses.append(status)
        self.links.append(links)


def merge(sections: list[Section], runs: list[_Run], back: _Collector) -> None:
    """Headings and item runs in document order: each recorded heading takes the runs that belong under it."""
    position = 0
    release = None
    for section in sections:
        back.heading(Entry(section.kind, section.text))
        if section.kind == "title":
            continue
        release = section.release
        while position < len(runs) and (runs[position].release, runs[position].area) == (release, section.area):
            back.run(runs[position])
            position += 1
    for run in runs[position:]:  # rows the Lists sheet does not know, e.g. moved or added by hand
        if run.release != release:
            release = run.release
            back.heading(Entry("release", Release(run.release, run.period or None).heading))
        if run.area:
            back.heading(Entry("area", run.area))
        back.run(run)
