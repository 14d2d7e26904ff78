"""Reader for the Excel trackers: the Items rows and the hidden Lists sheet back into outline entries."""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.workbook import Workbook

from evepub.errors import EvepubError
from evepub.model import Entry, ItemKind, ListStyle, ReadBack, Release
from evepub.writers.xlsx_layout import (
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

MAX_ROWS = 250_000  # far beyond any roadmap; a damaged sheet claiming a million rows stops here
MAX_LIST_ROWS = 250_000  # the same bound for the Lists sheet
CONTROL_PICTURES = re.compile("[\u2400-\u241f]")
NUMBERED_LABEL = re.compile(r"(?P<mark>\d+|[a-z]+|[A-Z]+)[.)]")
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


def read(path: Path) -> ReadBack:
    """Read a tracker workbook back into the entries of the roadmap it shows."""
    try:
        workbook = load_workbook(path, read_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError) as error:
        raise EvepubError(f"{path}: not a readable Excel workbook: {error}") from error
    try:
        titles, sheet_name, sections = _read_lists(workbook)
        if sheet_name not in workbook.sheetnames:
            raise EvepubError(f"{path}: the tracker has no sheet named '{sheet_name}'")
        rows, cut = _read_rows(workbook[sheet_name].iter_rows(max_row=MAX_ROWS + 2, values_only=True), titles, path)
        title = workbook.properties.title or ""
    finally:
        workbook.close()
    if not any(section.kind == "title" for section in sections):
        sections.insert(0, Section("title", title, "", ""))
    entries = merge(sections, runs_of(rows))
    unrecoverable = []
    if cut:
        unrecoverable.append(f"rows after the first {MAX_ROWS:,} of the {sheet_name} sheet")
    if any(CONTROL_PICTURES.search(entry.text) for entry in entries):
        unrecoverable.append("control characters (shown as Unicode control pictures U+2400-U+241F)")
    return ReadBack(entries, unrecoverable)


def _read_lists(workbook: Workbook) -> tuple[dict[str, str], str, list[Section]]:
    """Column titles by key, the Items sheet name and the sections, from the Lists sheet or the defaults."""
    if LISTS_SHEET not in workbook.sheetnames:
        layout = load_layout_file(default_layout_path())
        return {column.key: column.title for column in layout.columns}, layout.items_sheet, []
    titles: dict[str, str] = {}
    sections: list[Section] = []
    for row in workbook[LISTS_SHEET].iter_rows(min_row=2, max_row=MAX_LIST_ROWS, values_only=True):
        key, title = _cell(row, LIST_KEY), _cell(row, LIST_TITLE)
        if key:
            titles[key] = title
        kind = _cell(row, LIST_SECTION_KIND)
        if kind in ("title", "release", "area"):
            text, release, area = (
                _cell(row, column) for column in (LIST_SECTION_TEXT, LIST_SECTION_RELEASE, LIST_SECTION_AREA)
            )
            sections.append(Section(kind, text, release, area))
    return titles, titles.pop(ITEMS_SHEET_KEY, "Items"), sections


def _cell(row: tuple[Any, ...], column: int) -> str:
    """The text of a 1-based column of a row of values, '' when empty or missing."""
    if column > len(row) or row[column - 1] is None:
        return ""
    value = row[column - 1]
    if isinstance(value, str) and "_x" in value:  # decoded as Excel shows it; openpyxl leaves "_x000D_" as is
        return OOXML_ESCAPED.sub(lambda match: chr(int(match.group(1), 16)), value)
    return str(value)


def _read_rows(
    rows: Iterator[tuple[Any, ...]], titles: dict[str, str], path: Path
) -> tuple[list[dict[str, str]], bool]:
    """The item rows as texts by column key, and whether the row bound cut the sheet short."""
    header = next(rows, None)
    if header is None:
        raise EvepubError(f"{path}: the Items sheet is empty")
    columns = _columns(header, titles, path)
    items: list[dict[str, str]] = []
    count = 0
    for count, row in enumerate(rows, start=1):
        if count > MAX_ROWS:
            return items, True
        if any(value is not None and value != "" for value in row):
            items.append({key: _cell(row, column) for key, column in columns.items()})
    return items, False


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
        entry = row_entry(row, depths)
        runs[-1].entries.append(entry)
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
        entry = Entry(kind, row.get("item", ""), depth, list_style(row.get("list", "")), item_id)
    if item_id:
        depths[item_id] = (kind, entry.depth)
    return entry


def list_style(label: str) -> ListStyle:
    """The list style a visible marker shows: '1.' decimal, 'a.' lower-alpha, 'A.' upper-alpha, else bullet."""
    match = NUMBERED_LABEL.fullmatch(label.strip())
    if not match:
        return ListStyle.BULLET
    mark = match.group("mark")
    if mark.isdigit():
        return ListStyle.DECIMAL
    return ListStyle.LOWER_ALPHA if mark.islower() else ListStyle.UPPER_ALPHA


def merge(sections: list[Section], runs: list[_Run]) -> list[Entry]:
    """Headings and item runs in document order: each recorded heading takes the runs that belong under it."""
    entries: list[Entry] = []
    position = 0
    release = None
    for section in sections:
        entries.append(Entry(section.kind, section.text))
        if section.kind == "title":
            continue
        release = section.release
        while position < len(runs) and (runs[position].release, runs[position].area) == (release, section.area):
            entries.extend(runs[position].entries)
            position += 1
    for run in runs[position:]:  # rows the Lists sheet does not know, e.g. moved or added by hand
        if run.release != release:
            release = run.release
            entries.append(Entry("release", Release(run.release, run.period or None).heading))
        if run.area:
            entries.append(Entry("area", run.area))
        entries.extend(run.entries)
    return entries
