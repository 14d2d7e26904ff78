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
from evepub.periods import parse_period, quarters_text

VERSION = r"\d+(?:\.\d+)+"  # 13.4, 13.4.1
# a release heading: NAME-release, "Q2 2025 release", "H1 2025 release", "Release 13.4" or "13.4 (PERIOD)";
# then the period in parentheses (required after a bare version), then a remark opening with a dash
NAMES = rf"[A-Za-z]+-release|(?:Q[1-4]|H[12]) \d{{4}} [Rr]elease|[Rr]elease {VERSION}|(?P<bare>{VERSION})(?=\s*\()"
RELEASE_RE = re.compile(rf"(?P<name>{NAMES})(?:\s*\((?P<period>[^()]*)\))?(?:\s+(?P<remark>[-–—] \S.*))?")
VERSION_RE = re.compile(rf"(?<![\w.]){VERSION}(?![\w.]|\.\w)")
OLD_NAME_RE = re.compile(r"[A-Za-z]+-release")  # the original's own form: ids start with its first word
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
FEATURE_RUN = 3  # this many adjacent short Title Case lines at one indentation are features, not headings


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
    in_runs: set[int] = field(default_factory=set)  # line numbers inside runs of short Title Case features
    guesses: list[int] = field(default_factory=list)  # lines read as area headings where a paragraph was as likely
    heading_line: tuple[int, int] | None = None  # (number, indent) of the area heading just read, until its content
    introduction: list[list[str]] = field(default_factory=list)  # lines of each paragraph before the first release
    blank_before: bool = True

    def blocks(self) -> list[Block]:
        if self.area is not None:
            return self.area.blocks
        assert self.release is not None
        return self.release.blocks

    def feed(self, number: int, raw: str) -> None:
        line = raw.rstrip()
        blank_before, self.blank_before = self.blank_before, not line.strip()
        if not line.strip():
            return
        if self.roadmap is None:
            self.roadmap = Roadmap(title=line.strip())
            return
        stripped = line.strip()
        release = release_heading(stripped, self.path, number)
        self._settle_guess(number, line, release is not None)
        if release is not None:
            self._start_release(release)
        elif self.release is None:
            self._introduction(stripped, blank_before)
        elif (entry := parse_list_line(line)) is not None:
            self._list_item(entry)
        else:
            self._text_line(stripped, number, indent_of(line))

    def finish(self) -> None:
        """Settle the last heading's guess; the introduction goes to the roadmap."""
        self._settle_guess(0, "", True)
        assert self.roadmap is not None
        self.roadmap.introduction = [" ".join(lines) for lines in self.introduction]

    def _introduction(self, line: str, blank_before: bool) -> None:
        if blank_before or not self.introduction:
            self.introduction.append([])
        self.introduction[-1].append(line)

    def _settle_guess(self, number: int, line: str, ends_area: bool) -> None:
        """The heading read last was a guess when its area stays empty or opens with a short Title Case line."""
        if self.heading_line is None:
            return
        heading, indent = self.heading_line
        self.heading_line = None
        title_case = parse_list_line(line) is None and is_heading(line.strip()) and not NOTE_RE.match(line.strip())
        if ends_area or (title_case and indent_of(line) == indent):
            self.guesses.append(heading)

    def _start_release(self, release: Release) -> None:
        assert self.roadmap is not None
        self.release = release
        self.roadmap.releases.append(release)
        self.area, self.owner, self.in_list, self.area_is_empty = None, None, False, False

    def _text_line(self, line: str, number: int, indent: int) -> None:
        self.in_list = False
        if NOTE_RE.match(line):
            self.blocks().append(self._item(line, ItemKind.NOTE))
            self.owner, self.area_is_empty = None, False
        elif is_heading(line) and not self.area_is_empty and number not in self.in_runs:
            assert self.release is not None
            self.area = Area(title=line)
            self.release.areas.append(self.area)
            self.owner, self.area_is_empty = None, True
            self.heading_line = (number, indent)
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
        prefix = id_prefix(self.release.name)
        base = f"{prefix}-{slug(text, 5) or 'item'}"
        candidate, counter = base, 1
        while candidate in self.ids:
            counter += 1
            candidate = f"{base}-{counter}"
        self.ids.add(candidate)
        return candidate


def id_prefix(name: str) -> str:
    """The first part of the ids of a release's items: "k" for K-release, "q2-2025" for "Q2 2025 release"."""
    if OLD_NAME_RE.fullmatch(name) or FUTURE_RE.fullmatch(name):
        return slug(name.removesuffix("-release"), 1) or "release"
    return slug(re.sub(r"\brelease\b", "", name, flags=re.IGNORECASE), 3) or "release"


def indent_of(line: str) -> int:
    """The columns of a line's leading white space (a tab to the next multiple of four)."""
    return len(line) - len(line.lstrip()) if "\t" not in line else len(line.expandtabs(4)) - len(line.lstrip())


def release_heading(line: str, path: str, number: int) -> Release | None:
    """The release a line starts (name, period, quarters, remark, version), or None for any other line."""
    if FUTURE_RE.fullmatch(line):
        return Release(name=line)
    match = RELEASE_RE.fullmatch(line)
    if not match:
        return None
    name, period, remark = match.group("name"), match.group("period"), match.group("remark")
    period = period.strip() if period is not None and period.strip() else None
    try:
        text = quarters_text(name, period)
        start, end = parse_period(text) if text else (None, None)
    except ValueError as error:
        if match.group("bare"):
            return None  # "2.0 (new API)" is a line of text, not a release
        raise SourceError(path, number, 1, f"malformed period: {error}") from None
    if match.group("bare") and period is None:
        return None
    version = next(iter(VERSION_RE.findall(name)), None) or next(iter(VERSION_RE.findall(remark or "")), None)
    return Release(name=name, period=period, start=start, end=end, remark=remark, version=version)


def title_case_runs(lines: list[str]) -> set[int]:
    """Line numbers of runs of FEATURE_RUN or more adjacent short Title Case lines at one indentation."""
    found: set[int] = set()
    run: list[int] = []
    indent = -1
    for number, line in enumerate([*lines, ""], start=1):
        feature = is_feature_line(line)
        if feature and run and indent_of(line) == indent:
            run.append(number)
            continue
        if len(run) >= FEATURE_RUN:
            found.update(run)
        run, indent = ([number], indent_of(line)) if feature else ([], -1)
    return found


def is_feature_line(line: str) -> bool:
    """A plain line of short Title Case text: no list marker, note, or release heading."""
    stripped = line.strip()
    if not stripped or parse_list_line(line) is not None or NOTE_RE.match(stripped):
        return False
    return is_heading(stripped) and RELEASE_RE.fullmatch(stripped) is None and not FUTURE_RE.fullmatch(stripped)


def slug(text: str, words: int) -> str:
    """Lower-case ASCII words of a text joined by '-', at most `words` of them."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    kept: list[str] = []
    for word in re.findall(r"[a-z0-9]+", ascii_text.lower())[:words]:
        if kept and len("-".join([*kept, word])) > 40:
            break
        kept.append(word[:40])
    return "-".join(kept)


@dataclass(frozen=True)
class Imported:
    """A roadmap read from plain text, and the lines it read as area headings only by guessing."""

    roadmap: Roadmap
    guesses: list[int]  # line numbers, in order

    def guess_lines(self, path: str) -> list[str]:
        """One line per guess, as `FILE:LINE: read as an area heading`."""
        return [f"{path}:{number}: read as an area heading" for number in self.guesses]


def import_text(text: str, path: str = "<text>") -> Imported:
    """Parse a roadmap written in the plain-text conventions, saying which area headings were guesses."""
    lines = text.splitlines()
    importer = _Importer(path=path, statuses=status_names(), in_runs=title_case_runs(lines))
    for number, line in enumerate(lines, start=1):
        importer.feed(number, line)
    if importer.roadmap is None:
        raise SourceError(path, 1, 1, "the text is empty: expected a title line")
    if not importer.roadmap.releases and importer.introduction:
        first = next(n for n, line in enumerate(lines, start=1) if line.strip() and n > _title_line(lines))
        raise SourceError(path, first, 1, "expected a release heading such as 'K-release (Q2-Q3 2024)'")
    importer.finish()
    return Imported(importer.roadmap, importer.guesses)


def _title_line(lines: list[str]) -> int:
    return next(n for n, line in enumerate(lines, start=1) if line.strip())


def read_text(text: str, path: str = "<text>") -> Roadmap:
    """Parse a roadmap written in the original's plain-text conventions into the model."""
    return import_text(text, path).roadmap
