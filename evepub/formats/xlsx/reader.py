"""Reader for the Excel trackers: the Items rows and the hidden Lists sheet back into outline entries.

The workbook is read through the tracker table (table.py), which checks the package and bounds every
sheet; besides the entries it gives back each row's list number (from the List column), status and links.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from evepub.formats.readback import read_marker
from evepub.formats.xlsx.layout import LIST_SECTION_KIND, LIST_SECTION_TEXT, LISTS_SHEET
from evepub.formats.xlsx.table import (
    LIST_COLUMNS,
    BoundedRows,
    Section,
    TrackerTexts,
    column_text,
    table_of,
    texts_of,
    with_workbook,
)
from evepub.formats.xlsx.values import with_values
from evepub.model import INTRODUCTION, Entry, ItemKind, ListStyle, ReadBack, Release

if TYPE_CHECKING:
    from openpyxl.workbook import Workbook

CONTROL_PICTURES = re.compile("[\u2400-\u241f]")
KINDS = {kind.value for kind in ItemKind}
ITEM = ItemKind.ITEM.value


@dataclass
class _Run:
    """Consecutive item rows of one release and area."""

    release: str
    period: str
    area: str
    entries: list[Entry] = field(default_factory=list)
    rows: list[dict[str, str]] = field(default_factory=list)  # the row of each entry
    numbers: list[int] = field(default_factory=list)  # the number of each entry's List label


def read(path: Path) -> ReadBack:
    """Read a tracker workbook back into the entries of the roadmap it shows, with list numbers, statuses, links."""
    def tracker(workbook: Workbook, at: Path) -> tuple[TrackerTexts, list[str]]:
        # calamine gives text as Excel shows it, its escapes decoded
        return texts_of(workbook, at), introduction_of(workbook, inline=False)

    def bounded(at: Path) -> tuple[TrackerTexts, list[str]]:  # sheets too far-reaching for calamine
        def texts(workbook: Workbook, _: Path) -> tuple[TrackerTexts, list[str]]:
            return table_of(workbook, at, with_built=False).texts(), introduction_of(workbook)

        return with_workbook(at, texts)

    table, introduction = with_values(path, tracker, bounded)
    return read_back(table, introduction)


def introduction_of(workbook: Workbook, inline: bool = True) -> list[str]:
    """The introduction's paragraphs, as the Lists sheet records them after the title."""
    if LISTS_SHEET not in workbook.sheetnames or not hasattr(workbook[LISTS_SHEET], "iter_rows"):
        return []
    rows = (tuple(cell.value for cell in cells) for _, cells in BoundedRows(workbook[LISTS_SHEET], 2, LIST_COLUMNS))
    return [
        column_text(row, LIST_SECTION_TEXT, inline)
        for row in rows
        if column_text(row, LIST_SECTION_KIND, inline) == INTRODUCTION
    ]


def read_back(table: TrackerTexts, introduction: list[str] | None = None) -> ReadBack:
    """The entries of a tracker's texts (and the introduction's paragraphs), with list numbers, statuses, links."""
    sections = list(table.sections)
    if not any(section.kind == "title" for section in sections):
        sections.insert(0, Section("title", table.title, "", ""))
    at = next(index for index, section in enumerate(sections) if section.kind == "title") + 1
    sections[at:at] = [Section(INTRODUCTION, text, "", "") for text in introduction or []]
    back = ReadBack([], [], numbers=[], statuses=[], links=[])
    merge(sections, runs_of(table.rows), _Collector(back.entries, back.numbers, back.statuses, back.links))
    back.unrecoverable.extend(table.cuts)
    if any(CONTROL_PICTURES.search(entry.text) for entry in back.entries):
        back.unrecoverable.append("control characters (shown as Unicode control pictures U+2400-U+241F)")
    return back


def runs_of(rows: list[dict[str, str]]) -> list[_Run]:
    """Item rows as entries, grouped into runs of the same release and area."""
    depths: dict[str, tuple[str, int]] = {}
    markers: dict[str, tuple[ListStyle, int]] = {}  # a tracker has few distinct List labels, read once each
    runs: list[_Run] = []
    for row in rows:
        release, area = row.get("release", ""), row.get("area", "")
        if not runs or (runs[-1].release, runs[-1].area) != (release, area):
            runs.append(_Run(release, row.get("period", ""), area))
        label = row.get("list", "")
        marker = markers.get(label) or markers.setdefault(label, read_marker(label))
        runs[-1].entries.append(row_entry(row, marker[0], depths))
        runs[-1].rows.append(row)
        runs[-1].numbers.append(marker[1])
    return runs


def row_entry(row: dict[str, str], style: ListStyle, depths: dict[str, tuple[str, int]]) -> Entry:
    """One item row (with the list style of its List label) as an entry; `depths` remembers each id's kind and
    list depth for its children."""
    kind = row.get("kind", "").strip().lower()
    kind = kind if kind in KINDS else ITEM
    item_id = row.get("id") or None
    if kind != ITEM:
        entry = Entry(kind, row.get("item", ""), 0, None, item_id)
    else:
        parent_kind, parent_depth = depths.get(row.get("parent", ""), ("", -1))
        depth = parent_depth + 1 if parent_kind == ITEM else 0
        entry = Entry(kind, row.get("item", ""), depth, style, item_id)
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
        for entry, row, number in zip(run.entries, run.rows, run.numbers, strict=True):
            links = (link.strip() for link in row.get("links", "").splitlines())
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
        if section.kind in ("title", INTRODUCTION):
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
