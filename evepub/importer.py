"""Reader for roadmaps written in the original plain-text conventions (what `evepub import` reads)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from evepub.errors import SourceError
from evepub.model import (
    DEFAULT_STATUSES,
    URL_RE,
    Area,
    Block,
    Item,
    ItemKind,
    ItemList,
    ListStyle,
    Release,
    Roadmap,
    find_links,
)
from evepub.periods import parse_period

RELEASE_RE = re.compile(r"(?P<name>[A-Za-z]+-release)(?:\s*\((?P<period>[^()]*)\))?")
FUTURE_RE = re.compile(r"future ideas", re.IGNORECASE)
NOTE_RE = re.compile(r"(?:TODO|NOTE|FIXME):")
BULLETS = "-*•·"  # a bullet at the item's own level ("- ·" is one bullet written twice)
SUB_BULLETS = "oO°◦"  # a bullet one level deeper than the indentation says
ITEM_RE = re.compile(
    rf"(?P<indent>[ \t]*)"
    rf"(?:(?P<bullet>[{re.escape(BULLETS)}])(?:[ \t]+|$))?"
    rf"(?:(?P<glyph>[{re.escape(BULLETS + SUB_BULLETS)}])[ \t]+)?"
    rf"(?:(?P<number>\d{{1,4}}|[A-Za-z])\.[ \t]+)?"
    rf"(?P<text>.*)"
)
HEADING_WORD_RE = re.compile(r"[A-Z0-9][\w&+'’-]*(?:/[A-Z0-9][\w&+'’-]*)*")
MINOR_WORDS = {"a", "an", "and", "as", "at", "by", "for", "in", "of", "on", "or", "the", "to", "&"}


def status_names() -> list[str]:
    """The status vocabulary the importer recognises in trailing parentheses."""
    return [status.name for status in DEFAULT_STATUSES]


def find_status(text: str, names: list[str]) -> str | None:
    """The status written in trailing parentheses, e.g. '(proposed)' or '(first cut done URL)'."""
    match = re.search(r"\(([^()]*)\)\s*$", text)
    if not match:
        return None
    inside = URL_RE.sub("", match.group(1)).strip().lower()
    return next((name for name in names if inside == name), None)


def is_heading(line: str) -> bool:
    """Area-heading rule: a short Title Case line (<= 4 words) without sentence punctuation."""
    words = line.split()
    if not 1 <= len(words) <= 4 or re.search(r"[.,:;?!()\"]", line):
        return False
    if words[0].lower() in MINOR_WORDS:
        return False
    return all(word in MINOR_WORDS or HEADING_WORD_RE.fullmatch(word) for word in words)


@dataclass
class _ListLine:
    indent: int
    sub_glyph: bool
    style: ListStyle
    number: int
    text: str


def parse_list_line(line: str) -> _ListLine | None:
    """The marker and text of a list line, or None for a line that is not a list entry."""
    match = ITEM_RE.fullmatch(line)
    assert match is not None  # the pattern accepts any line
    bullet, glyph, number = match.group("bullet"), match.group("glyph"), match.group("number")
    if not (bullet or glyph or number):
        return None
    if glyph and not bullet and glyph in SUB_BULLETS and not match.group("text"):
        return None
    style, ordinal = _numbering(number)
    indent = len(match.group("indent").expandtabs(4))
    return _ListLine(indent, bool(glyph and glyph in SUB_BULLETS), style, ordinal, match.group("text"))


def _numbering(number: str | None) -> tuple[ListStyle, int]:
    if number is None:
        return ListStyle.BULLET, 1
    if number.isdigit():
        return ListStyle.DECIMAL, int(number)
    style = ListStyle.LOWER_ALPHA if number.islower() else ListStyle.UPPER_ALPHA
    return style, ord(number.lower()) - ord("a") + 1


@dataclass
class _Open:
    """An item on the path from the current list's root to the last item read."""

    item: Item
    style: ListStyle


@dataclass
class _Importer:
    path: str
    statuses: list[str]
    roadmap: Roadmap | None = None
    release: Release | None = None
    area: Area | None = None
    owner: Item | None = None  # the paragraph that a following list belongs to
    path_items: list[_Open] = field(default_factory=list)
    indents: list[int] = field(default_factory=list)
    last_marker: tuple[int, bool, ListStyle] | None = None  # indent, sub-glyph, style of the last entry
    in_list: bool = False
    area_is_empty: bool = False
    ids: set[str] = field(default_factory=set)

    def blocks(self) -> list[Block]:
        if self.area is not None:
            return self.area.blocks
        assert self.release is not None
        return self.release.blocks

    def feed(self, number: int, raw: str) -> None:
        line = raw.rstrip()
        if not line.strip():
            return
        if self.roadmap is None:
            self.roadmap = Roadmap(title=line.strip())
            return
        stripped = line.strip()
        if self._release_heading(stripped):
            return
        if self.release is None:
            raise SourceError(self.path, number, 1, "expected a release heading such as 'K-release (Q2-Q3 2024)'")
        entry = parse_list_line(line)
        if entry is not None:
            self._list_item(entry)
        else:
            self._text_line(stripped)

    def _release_heading(self, line: str) -> bool:
        match = RELEASE_RE.fullmatch(line)
        if not match and not FUTURE_RE.fullmatch(line):
            return False
        assert self.roadmap is not None
        period = match.group("period").strip() if match and match.group("period") else None
        start, end = parse_period(period) if period else (None, None)
        self.release = Release(name=match.group("name") if match else line, period=period, start=start, end=end)
        self.roadmap.releases.append(self.release)
        self.area, self.owner, self.in_list, self.area_is_empty = None, None, False, False
        return True

    def _text_line(self, line: str) -> None:
        self.in_list = False
        if NOTE_RE.match(line):
            self.blocks().append(self._item(line, ItemKind.NOTE))
            self.owner, self.area_is_empty = None, False
        elif is_heading(line) and not self.area_is_empty:
            assert self.release is not None
            self.area = Area(title=line)
            self.release.areas.append(self.area)
            self.owner, self.area_is_empty = None, True
        else:
            paragraph = self._item(line, ItemKind.PARAGRAPH)
            self.blocks().append(paragraph)
            self.owner, self.area_is_empty = paragraph, False

    def _list_item(self, entry: _ListLine) -> None:
        if not self.in_list:
            self.path_items, self.indents, self.last_marker, self.in_list = [], [], None, True
        self.area_is_empty = False
        depth = self._depth(entry)
        del self.path_items[depth:]
        item = self._item(entry.text, ItemKind.ITEM)
        siblings = self._sibling_lists(depth)
        last = siblings[-1] if siblings and isinstance(siblings[-1], ItemList) else None
        continues = last is not None and last.style is entry.style
        if continues and entry.style.numbered:
            continues = entry.number == last.start + len(last.items)  # a skipped number starts a new list
        if continues:
            last.items.append(item)
        else:
            siblings.append(ItemList(entry.style, [item], start=entry.number))
        self.path_items.append(_Open(item, entry.style))

    def _depth(self, entry: _ListLine) -> int:
        marker = (entry.indent, entry.sub_glyph, entry.style)
        if marker == self.last_marker:
            return len(self.path_items) - 1  # written like the line before: its sibling
        self.last_marker = marker
        while self.indents and self.indents[-1] > entry.indent:
            self.indents.pop()
        if not self.indents or self.indents[-1] < entry.indent:
            self.indents.append(entry.indent)
        depth = len(self.indents) - 1 + (1 if entry.sub_glyph else 0)
        # "a." written level with "1." is the numbered item's sub-list
        lettered = entry.style in (ListStyle.LOWER_ALPHA, ListStyle.UPPER_ALPHA)
        if lettered and depth < len(self.path_items) and self.path_items[depth].style is ListStyle.DECIMAL:
            depth += 1
        return min(depth, len(self.path_items))

    def _sibling_lists(self, depth: int) -> list:
        if depth > 0:
            return self.path_items[depth - 1].item.children
        if self.owner is not None:
            return self.owner.children
        return self.blocks()

    def _item(self, text: str, kind: ItemKind) -> Item:
        return Item(
            id=self._new_id(text),
            text=text,
            kind=kind,
            status=find_status(text, self.statuses),
            links=find_links(text),
        )

    def _new_id(self, text: str) -> str:
        assert self.release is not None
        prefix = slug(self.release.name.removesuffix("-release"), 1) or "release"
        base = f"{prefix}-{slug(text, 5) or 'item'}"
        candidate, counter = base, 1
        while candidate in self.ids:
            counter += 1
            candidate = f"{base}-{counter}"
        self.ids.add(candidate)
        return candidate


def slug(text: str, words: int) -> str:
    """Lower-case ASCII words of a text joined by '-', at most `words` of them."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    kept: list[str] = []
    for word in re.findall(r"[a-z0-9]+", ascii_text.lower())[:words]:
        if kept and len("-".join([*kept, word])) > 40:
            break
        kept.append(word[:40])
    return "-".join(kept)


def read_text(text: str, path: str = "<text>") -> Roadmap:
    """Parse a roadmap written in the original's plain-text conventions into the model."""
    importer = _Importer(path=path, statuses=status_names())
    for number, line in enumerate(text.splitlines(), start=1):
        importer.feed(number, line)
    if importer.roadmap is None:
        raise SourceError(path, 1, 1, "the text is empty: expected a title line")
    return importer.roadmap
