"""The document model: typed dataclasses that every reader produces and every writer consumes."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from typing import NamedTuple

URL_RE = re.compile(r"https?://[^\s<>\"')\]]+")  # a URL in item text: every format links it
INTRODUCTION = "introduction"  # the entry kind of a paragraph of the roadmap's introduction
TRACKED_FIELDS = ("status", "owner", "target", "notes")  # what program managers set in trackers; sync merges them


def find_links(text: str) -> list[str]:
    """Every distinct URL in a text, in order, without trailing sentence punctuation."""
    return list(dict.fromkeys(url.rstrip(".,;:!?") for url in URL_RE.findall(text)))


class ListStyle(StrEnum):
    """How the items of one list are marked."""

    BULLET = "bullet"
    DECIMAL = "decimal"  # 1. 2. 3.
    LOWER_ALPHA = "lower-alpha"  # a. b. c.
    UPPER_ALPHA = "upper-alpha"  # A. B. C.

    @property
    def numbered(self) -> bool:
        """True for every style but bullets."""
        return self is not ListStyle.BULLET

    def label(self, number: int) -> str:
        """The visible marker of the item with this ordinal, e.g. '3.' or 'c.'."""
        if self is ListStyle.BULLET:
            return "•"
        if self is ListStyle.DECIMAL:
            return f"{number}."
        letters = alpha_label(number)
        return f"{letters.upper() if self is ListStyle.UPPER_ALPHA else letters}."


def alpha_label(number: int) -> str:
    """Spreadsheet-style letters for a 1-based ordinal: 1 -> a, 26 -> z, 27 -> aa."""
    letters = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        letters = chr(ord("a") + rest) + letters
    return letters


class ItemKind(StrEnum):
    """What an item is on the page."""

    ITEM = "item"  # a list entry
    PARAGRAPH = "paragraph"  # a plain line of text under a release or area
    NOTE = "note"  # an editorial note such as "TODO: ..."


@dataclass(frozen=True, order=True)
class Quarter:
    """A calendar quarter such as 2024-Q2."""

    year: int
    quarter: int

    def __str__(self) -> str:
        return f"{self.year}-Q{self.quarter}"

    @property
    def index(self) -> int:
        """Quarters since year 0, for arithmetic on a time axis."""
        return self.year * 4 + self.quarter - 1

    @classmethod
    def parse(cls, text: str) -> Quarter:
        """Parse 'YYYY-Qn'; raise ValueError otherwise."""
        match = re.fullmatch(r"(\d{4})-Q([1-4])", text)
        if not match:
            raise ValueError(f"'{text}' is not a quarter like 2024-Q2")
        return cls(int(match.group(1)), int(match.group(2)))


@dataclass(frozen=True)
class StatusDef:
    """One entry of the status vocabulary."""

    name: str
    done: bool = False
    colour: str = "808080"  # RGB hex, used by badges and conditional formats


@dataclass
class Item:
    """One line of work: a list entry, a paragraph or a note, with its own sub-lists."""

    id: str
    text: str  # verbatim, exactly as a reader sees it
    kind: ItemKind = ItemKind.ITEM
    status: str | None = None
    links: list[str] = field(default_factory=list)
    owner: str | None = None
    target: dt.date | None = None
    notes: str | None = None
    children: list[ItemList] = field(default_factory=list)


@dataclass
class ItemList:
    """A run of sibling items that share one marker style."""

    style: ListStyle
    items: list[Item]
    start: int = 1


Block = Item | ItemList  # an Item here is a paragraph or a note; list entries live in ItemList


@dataclass
class Area:
    """A titled group of work inside a release (Security, Storage, ...)."""

    title: str
    blocks: list[Block] = field(default_factory=list)


@dataclass
class Release:
    """A release or the 'Future ideas' section, in the original order."""

    name: str
    period: str | None = None  # as written, e.g. "Q4 2021, Q1 2022"
    start: Quarter | None = None
    end: Quarter | None = None
    blocks: list[Block] = field(default_factory=list)  # content before the first area
    areas: list[Area] = field(default_factory=list)
    remark: str | None = None  # as written after the period, its dash included: "- likely named 13.4"
    version: str | None = None  # the version the heading names, e.g. "13.4" (in the name or the remark)

    @property
    def heading(self) -> str:
        """The heading as the original writes it: name, period in parentheses, then the remark."""
        heading = f"{self.name} ({self.period})" if self.period else self.name
        return f"{heading} {self.remark}" if self.remark else heading


DEFAULT_STATUSES: tuple[StatusDef, ...] = (
    StatusDef("planned", colour="9E9E9E"),
    StatusDef("proposed", colour="7E57C2"),
    StatusDef("design approved", colour="1E88E5"),
    StatusDef("in progress", colour="FB8C00"),
    StatusDef("first cut done", colour="43A047"),
    StatusDef("done", done=True, colour="2E7D32"),
    StatusDef("blocked", colour="E53935"),
    StatusDef("dropped", colour="616161"),
)


@dataclass
class Roadmap:
    """The whole document: the one middle of the pipeline."""

    title: str
    releases: list[Release] = field(default_factory=list)
    introduction: list[str] = field(default_factory=list)  # paragraphs before the first release
    subtitle: str | None = None
    version: str | None = None
    date: dt.date | None = None
    author: str | None = None
    statuses: tuple[StatusDef, ...] = DEFAULT_STATUSES
    default_status: str = "planned"

    def status(self, name: str | None) -> StatusDef:
        """The vocabulary entry for a status name, the default one for None."""
        wanted = name or self.default_status
        for entry in self.statuses:
            if entry.name == wanted:
                return entry
        raise KeyError(wanted)


class Located(NamedTuple):
    """Where an item stands in the document (a named tuple: walks make one for every item, many times a build)."""

    item: Item
    release: Release
    area: Area | None
    parent: Item | None
    level: int  # hierarchy: 0 for paragraphs, notes and top-level list entries
    depth: int  # list nesting: 0 for a top-level list (even under a paragraph); -1 outside lists
    style: ListStyle | None  # None for paragraphs and notes
    number: int  # ordinal within its list (1-based), 0 outside lists


def walk(roadmap: Roadmap) -> Iterator[Located]:
    """Every item of the roadmap in document order, with its context."""
    for release in roadmap.releases:
        yield from walk_blocks(release.blocks, release, None)
        for area in release.areas:
            yield from walk_blocks(area.blocks, release, area)


def walk_blocks(blocks: list[Block], release: Release, area: Area | None) -> Iterator[Located]:
    """Every item of one run of blocks in document order."""
    for block in blocks:
        if isinstance(block, Item):
            yield Located(block, release, area, None, 0, -1, None, 0)
            yield from _walk_lists(block.children, release, area, block, 1, 0)
        else:
            yield from _walk_lists([block], release, area, None, 0, 0)


def _walk_lists(
    lists: list[ItemList],
    release: Release,
    area: Area | None,
    parent: Item | None,
    level: int,
    depth: int,
) -> Iterator[Located]:
    for item_list in lists:
        for offset, item in enumerate(item_list.items):
            number = item_list.start + offset
            yield Located(item, release, area, parent, level, depth, item_list.style, number)
            yield from _walk_lists(item.children, release, area, item, level + 1, depth + 1)


@dataclass(frozen=True)
class Entry:
    """One line of a document read flat: what every reader can give back and every check compares."""

    kind: str  # "title", "introduction", "release", "area", or an ItemKind value
    text: str
    depth: int = 0  # list nesting for list entries; 0 otherwise
    style: ListStyle | None = None  # the list marker style for list entries
    id: str | None = None  # the item id, where the format keeps it


def outline(roadmap: Roadmap) -> list[Entry]:
    """The roadmap flattened into the entries a reader of any format should find, in order."""
    return placed_outline(roadmap)[0]


def placed_outline(roadmap: Roadmap) -> tuple[list[Entry], list[Located | None]]:
    """The outline, and the place of each item entry in it (None for the title, the introduction, the headings)."""
    entries = [Entry("title", roadmap.title)]
    entries.extend(Entry(INTRODUCTION, paragraph) for paragraph in roadmap.introduction)
    places: list[Located | None] = [None] * len(entries)
    for release in roadmap.releases:
        entries.append(Entry("release", release.heading))
        places.append(None)
        _add_entries(entries, places, walk_blocks(release.blocks, release, None))
        for area in release.areas:
            entries.append(Entry("area", area.title))
            places.append(None)
            _add_entries(entries, places, walk_blocks(area.blocks, release, area))
    return entries, places


def _add_entries(entries: list[Entry], places: list[Located | None], items: Iterator[Located]) -> None:
    for located in items:
        item = located.item
        entries.append(Entry(item.kind.value, item.text, max(located.depth, 0), located.style, item.id))
        places.append(located)


@dataclass
class ReadBack:
    """What a reader recovers from a published file."""

    entries: list[Entry]
    unrecoverable: list[str] = field(default_factory=list)  # e.g. "item ids", "owner and target date"
    # Optional, each one value per entry (same index), None where the format does not show or keep it:
    numbers: list[int] | None = None  # the number the entry's list marker shows, 0 for bullets and non-list entries
    statuses: list[str | None] | None = None  # the status (label) shown with the entry, None for none shown
    links: list[list[str]] | None = None  # the link targets the entry carries, in order, each once
    files: list[str] = field(default_factory=list)  # other files the output shows (pictures), relative to it
