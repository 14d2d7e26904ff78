"""Reader for the PDF edition: entries back from the outline, the text and where each line of text sits.

What it relies on, all of it visible in the file (nothing hidden is embedded for it):
- the document title is the /Title of the document information;
- releases and areas are the outline (bookmarks) at levels 0 and 1, in order, their destinations /XYZ (the
  front matter's bookmarks, overview, timeline and changes, are /FitH and not entries); the body starts on the page
  of the first bookmark, and each heading is the first line below where its bookmark points (with the
  lines of the same size that continue it);
- a list entry is a line whose first piece of text is a label ("•", "1.", "a.") set apart before the text;
  the label gives the list style and number, and the x where the text starts gives the nesting depth;
- the introduction's paragraphs come first on the page of the first release, before its heading;
- a paragraph starts at the left margin in the upright face; a note is set in the oblique face (characters
  only a fallback face has are upright) and inset by its padding on both sides;
- a line continues the entry above it when the same text object (one per paragraph) drew it, starting
  where that entry's text starts; lines are joined with a space, except where a word longer than
  a line was broken across lines (the line before has no room for the next character, and the two
  pieces together are wider than a line);
- the running header and footer are the top and bottom lines of each page; text smaller than body text
  (status badges, owner and target lines) is not part of an entry's text: small text on the baseline of
  an entry's line is its status badge;
- a web link (a /URI link annotation) belongs to the entry whose line is at or nearest above it on its page.
"""

from __future__ import annotations

import bisect
import itertools
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pypdf import PdfReader
from pypdf.generic import Destination

from evepub.errors import EvepubError
from evepub.formats.ooxml import unreadable
from evepub.formats.readback import read_marker
from evepub.model import INTRODUCTION, Entry, ItemKind, ListStyle, ReadBack

LABEL_RE = re.compile(r"(?:[•◦▪]|\d+\.|[a-z]+\.|[A-Z]+\.)")
BFCHAR_RE = re.compile(r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>")
UNRECOVERABLE = [
    "item ids",
    "soft hyphens",
    "owners, target dates, item notes (small type)",
    "the end of a paragraph taller than a page",
    "a space after a word longer than a line that fills its last line",
]


@dataclass
class Run:
    """A piece of text as the PDF draws it, with where and in which face."""

    page: int
    x: float
    y: float
    face: str
    size: float
    text: str
    advances: dict[str, float]  # character -> advance in thousandths of the size
    text_object: int = 0  # which BT ... ET text object of its page drew it: one per paragraph

    def measure(self, text: str) -> float:
        """The width of some text in this run's face and size."""
        return sum(self.advances.get(char, 500.0) for char in text) * self.size / 1000.0

    @property
    def width(self) -> float:
        """The width of the run."""
        return self.measure(self.text)


@dataclass
class Line:
    """Runs on one baseline of one page, left to right."""

    page: int
    y: float
    runs: list[Run]  # from the first visible run to the last
    lead: float = 0.0  # the width of blank text drawn before the first visible run

    @property
    def text(self) -> str:
        """The text of the line."""
        return "".join(run.text for run in self.runs)


@dataclass
class Block:
    """An entry being read: its kind, text lines and where its text starts."""

    kind: str
    depth: int
    style: ListStyle | None
    x: float
    lines: list[Line] = field(default_factory=list)
    number: int = 0  # the number its label shows, 0 for bullets and other entries
    label_width: float = 0.0  # a wide label takes room from the first line of text
    status: str | None = None  # the text of its status badge
    links: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class WebLink:
    """A /URI link annotation: where it is and where it goes."""

    page: int
    bottom: float
    top: float
    x: float
    uri: str


def read(path: Path) -> ReadBack:
    """Read a PDF edition back into outline entries, with list numbers, status badges and links."""
    try:
        pdf = PdfReader(str(path))
        headings = bookmarks(pdf, pdf.outline, 0)
        title = (pdf.metadata.title if pdf.metadata else None) or ""
        if not headings:
            return ReadBack([Entry("title", title)], list(UNRECOVERABLE), numbers=[0], statuses=[None], links=[[]])
        first_page = min(heading.page for heading in headings)
        pages = range(first_page, len(pdf.pages))
        runs = [run for number in pages for run in page_runs(pdf, number)]
        links = [link for number in pages for link in web_links(pdf, number)]
    except EvepubError:
        raise
    except Exception as error:  # pypdf raises many kinds for a damaged file
        raise unreadable(path, "PDF", error) from error
    found: list[tuple[Entry, Block | None]] = [(Entry("title", title), None)]
    found.extend(introduced(BodyReader(runs, headings).entries(links)))
    return ReadBack(
        [entry for entry, _ in found],
        list(UNRECOVERABLE),
        numbers=[block.number if block else 0 for _, block in found],
        statuses=[block.status if block else None for _, block in found],
        links=[list(dict.fromkeys(block.links)) if block else [] for _, block in found],
    )


def introduced(found: list[tuple[Entry, Block | None]]) -> list[tuple[Entry, Block | None]]:
    """The paragraphs before the first heading are the introduction."""
    first = next((index for index, (entry, _) in enumerate(found) if entry.kind in ("release", "area")), len(found))
    for index in range(first):
        entry, block = found[index]
        if entry.kind == ItemKind.PARAGRAPH.value:
            found[index] = (Entry(INTRODUCTION, entry.text), block)
    return found


@dataclass(frozen=True)
class Bookmark:
    """An outline entry: its level (0 release, 1 area), title, page index and the top its destination shows."""

    level: int
    title: str
    page: int
    top: float | None


def bookmarks(pdf: PdfReader, outline: list[Any], level: int) -> list[Bookmark]:
    """The outline flattened, in order."""
    found: list[Bookmark] = []
    for entry in outline:
        if isinstance(entry, list):
            found.extend(bookmarks(pdf, entry, level + 1))
        elif isinstance(entry, Destination):
            if entry.typ == "/FitH":  # a front-matter section (overview, timeline, changes), not a release or area
                continue
            top = float(entry.top) if isinstance(entry.top, int | float) else None
            found.append(Bookmark(level, str(entry.title), pdf.get_destination_page_number(entry), top))
    return found


def page_runs(pdf: PdfReader, number: int) -> list[Run]:
    """Every non-blank piece of text of one page with its position, face, size and width."""
    page = pdf.pages[number]
    widths = FontWidths()
    runs: list[Run] = []
    text_objects = 0

    def count_text_objects(operator: bytes, *_: Any) -> None:
        nonlocal text_objects
        text_objects += operator == b"BT"

    def visit(text: str, cm: list[float], tm: list[float], font: Any, size: float) -> None:
        text = text.replace("\n", "")
        if not text or font is None:  # blank runs are kept: a space between two faces is one
            return
        x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
        y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
        scale = abs(tm[0] * cm[0]) or 1.0
        face = str(font.get("/BaseFont", "")).split("+")[-1]
        runs.append(Run(number, x, y, face, size * scale, text, widths.table_of(font), text_objects))

    page.extract_text(visitor_operand_before=count_text_objects, visitor_text=visit)
    return runs


def web_links(pdf: PdfReader, number: int) -> list[WebLink]:
    """The /URI link annotations of one page."""
    found = []
    for reference in pdf.pages[number].get("/Annots") or []:
        annotation = reference.get_object()
        action = annotation.get("/A")
        if annotation.get("/Subtype") != "/Link" or action is None or action.get("/S") != "/URI":
            continue
        left, bottom, _, top = (float(value) for value in annotation["/Rect"])
        found.append(WebLink(number, min(bottom, top), max(bottom, top), left, str(action.get("/URI", ""))))
    return found


class FontWidths:
    """Glyph advance widths by character, from each font's /Widths and /ToUnicode."""

    def __init__(self) -> None:
        self.tables: dict[int, dict[str, float]] = {}  # by font object, which pypdf keeps per page

    def table_of(self, font: Any) -> dict[str, float]:
        """The advances of one font, read once."""
        table = self.tables.get(id(font))
        if table is None:
            table = self.tables[id(font)] = self.table(font)
        return table

    @staticmethod
    def table(font: Any) -> dict[str, float]:
        """Character -> advance for one simple font."""
        widths = font.get("/Widths")
        to_unicode = font.get("/ToUnicode")
        if widths is None or to_unicode is None:
            return {}
        first = int(font.get("/FirstChar", 0))
        advances = [float(value) for value in widths.get_object()]
        table: dict[str, float] = {}
        cmap = to_unicode.get_object().get_data().decode("latin-1")
        for code, target in BFCHAR_RE.findall(cmap):
            index = int(code, 16) - first
            try:
                text = bytes.fromhex(target).decode("utf-16-be")
            except ValueError:
                continue
            if 0 <= index < len(advances) and len(text) == 1:
                table[text] = advances[index]
        table.setdefault("\u00a0", table.get(" ", 500.0))
        return table


class BodyReader:
    """Turns the runs of the body pages into entries, guided by the outline."""

    def __init__(self, runs: list[Run], headings: list[Bookmark]) -> None:
        self.headings = headings
        body_runs, running = split_running_parts(runs)
        every_line = group_lines(body_runs)
        self.heading_lines = heading_lines(every_line, headings)  # (page, y) of each heading's lines, by heading
        in_headings = {key for keys in self.heading_lines for key in keys}
        self.body_size = body_size(line for line in every_line if (line.page, line.y) not in in_headings)
        # the running header's right part ends exactly at the right edge of the text
        self.right = max((run.x + run.width for run in running), default=0.0)
        self.lines: list[Line] = []
        self.small: list[Run] = []
        for line in every_line:
            if (line.page, line.y) in in_headings:
                self.lines.append(line)
                continue
            kept = [run for run in line.runs if run.size >= self.body_size - 0.3]
            self.small.extend(run for run in line.runs if run.size < self.body_size - 0.3)
            if kept:
                self.lines.append(Line(line.page, line.y, kept, line.lead if kept[0] is line.runs[0] else 0.0))
        firsts = {keys[0] for keys in self.heading_lines if keys}
        self.left = min((line.runs[0].x for line in self.lines if (line.page, line.y) in firsts), default=0.0)
        self.indent = min((label_split(line)[1].x - self.left for line in self.lines if label_split(line)), default=1.0)

    def entries(self, links: list[WebLink]) -> list[tuple[Entry, Block | None]]:
        """Headings from the outline at their lines, and every entry (with its block) between them."""
        starts = {keys[0]: index for index, keys in enumerate(self.heading_lines) if keys}
        continued = {key for keys in self.heading_lines for key in keys[1:]}
        reading = _Reading(self)
        for line in self.lines:
            key = (line.page, line.y)
            if key in continued:
                continue
            reading.headings_before(line)
            if key in starts:
                reading.headings_to(starts[key])
            else:
                self.add_line(reading.blocks, line)
        reading.headings_to(len(self.headings) - 1)
        reading.close()
        self.add_badges(reading.every_block)
        attach_links(reading.every_block, links)
        return reading.found

    def add_line(self, blocks: list[Block], line: Line) -> None:
        """Start a new entry with this line, or continue the last one."""
        labelled = label_split(line)
        if labelled:
            label, first = labelled
            depth = max(round((first.x - self.left) / self.indent) - 1, 0) if self.indent > 0 else 0
            style, number = read_marker(label.text.strip())
            start = next(index for index, run in enumerate(line.runs) if run is first)
            text_line = Line(line.page, line.y, line.runs[start:], sum(run.width for run in line.runs[1:start]))
            blocks.append(Block(ItemKind.ITEM.value, depth, style, first.x, [text_line], number, label.width))
            return
        first = line.runs[0]
        last = blocks[-1] if blocks else None
        if last is not None and self.continues(last, line):
            last.lines.append(line)
            return
        kind = ItemKind.NOTE.value if self.is_note(line) else ItemKind.PARAGRAPH.value
        blocks.append(Block(kind, 0, None, first.x, [line]))

    def is_note(self, line: Line) -> bool:
        """A note: set in the oblique face (but for characters only a fallback face has), or inset by its padding."""
        return any(is_oblique(run.face) for run in line.runs) or line.runs[0].x > self.left + 1.0

    def continues(self, block: Block, line: Line) -> bool:
        """True when the line is the next line of the block's paragraph: same text object, where its text starts."""
        previous = block.lines[-1]
        first = line.runs[0]
        return (
            previous.page == line.page
            and first.text_object == previous.runs[0].text_object
            and abs(first.x - block.x) < 1.0
            and previous.y > line.y
        )

    def close(self, blocks: list[Block]) -> list[tuple[Entry, Block | None]]:
        """The entries of finished blocks."""
        return [(Entry(block.kind, self.joined(block), block.depth, block.style), block) for block in blocks]

    def add_badges(self, blocks: list[Block]) -> None:
        """Give each block its badge: small type with bold in it, on its line or just below (when it wrapped)."""
        baselines: dict[tuple[int, float], list[Run]] = {}
        for run in self.small:
            baselines.setdefault((run.page, round(run.y * 2) / 2), []).append(run)
        place = BlockPlaces(blocks)
        for (page, y), runs in sorted(baselines.items(), key=lambda item: (item[0][0], -item[0][1])):
            block = place.at_or_above(page, y)
            if block is not None and any("Bold" in run.face for run in runs):
                block.status = " ".join("".join(run.text for run in sorted(runs, key=lambda run: run.x)).split())

    def joined(self, block: Block) -> str:
        """The block's lines as one text: a space at each break, none inside a word longer than a line."""
        text = block.lines[0].text.rstrip()
        for before, after in itertools.pairwise(block.lines):
            following = after.text.rstrip()
            room = block.label_width if before is block.lines[0] else 0.0
            inset = block.x - self.left if block.kind == ItemKind.NOTE.value else 0.0  # padding on both sides
            if self.breaks_word(before, after, block.x, room + inset):
                text += following
            else:
                text += " " + following
        return text

    def breaks_word(self, before: Line, after: Line, start: float, room: float = 0.0) -> bool:
        """True when the break falls inside a word: the line before is too full for the next character (a word
        is cut only where the line is full; `room` more on the first line of a list entry, where ReportLab
        keeps some for a wide label, and in a note, inset on the right too), and the pieces on both sides are
        together wider than a line."""
        line_width = (self.right or max(run.x + run.width for run in before.runs)) - start
        last, first = before.runs[-1], after.runs[0]
        used = before.lead + sum(run.width for run in before.runs[:-1]) + last.measure(last.text.rstrip())
        tail = last.text.rstrip().rsplit(" ", 1)[-1]
        head = first.text.lstrip().split(" ", 1)[0]
        full = line_width - used < first.measure(head[:1]) + room + 0.05
        return full and last.measure(tail) + first.measure(head) > 0.9 * line_width


@dataclass
class _Reading:
    """Entries found so far, the blocks of the current section, and the next heading of the outline."""

    body: BodyReader
    found: list[tuple[Entry, Block | None]] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)
    every_block: list[Block] = field(default_factory=list)
    next_heading: int = 0

    def close(self) -> None:
        """Finish the blocks of the current section."""
        self.found.extend(self.body.close(self.blocks))
        self.every_block.extend(self.blocks)
        self.blocks = []

    def headings_to(self, last: int) -> None:
        """Close the section and add the headings up to index `last`."""
        self.close()
        while self.next_heading <= last:
            heading = self.body.headings[self.next_heading]
            self.found.append((Entry("release" if heading.level == 0 else "area", heading.title), None))
            self.next_heading += 1

    def headings_before(self, line: Line) -> None:
        """Add the headings with no visible line (e.g. only soft hyphens) that point above this line."""
        while self.next_heading < len(self.body.headings) and not self.body.heading_lines[self.next_heading]:
            heading = self.body.headings[self.next_heading]
            top = math.inf if heading.top is None else heading.top
            if line.page < heading.page or (line.page == heading.page and line.y >= top):
                return
            self.headings_to(self.next_heading)


def continues_heading(previous: Line, line: Line) -> bool:
    """True for the next line of a wrapped heading: same size, one heading line-spacing lower."""
    size = previous.runs[0].size
    return previous.page == line.page and abs(line.runs[0].size - size) < 0.1 and 0 < previous.y - line.y <= size * 1.5


def heading_lines(lines: list[Line], headings: list[Bookmark]) -> list[list[tuple[int, float]]]:
    """For each bookmark, the (page, y) of its heading's lines: the first line below where its destination
    points, and the lines that continue it; empty when no line is there."""
    claimed: set[tuple[int, float]] = set()
    found: list[list[tuple[int, float]]] = []
    for heading in headings:
        top = math.inf if heading.top is None else heading.top
        below = [
            line for line in lines if line.page == heading.page and line.y < top and (line.page, line.y) not in claimed
        ]
        if not below:
            found.append([])
            continue
        first = max(below, key=lambda line: line.y)
        keys = [(first.page, first.y)]
        previous = first
        for line in sorted((line for line in below if line.y < first.y), key=lambda line: -line.y):
            if not continues_heading(previous, line):
                break
            keys.append((line.page, line.y))
            previous = line
        claimed.update(keys)
        found.append(keys)
    return found


def body_size(lines: Iterable[Line]) -> float:
    """The size of body text: outside headings, upright text is either body text or small type (owner, notes,
    more links), and bold text is a status badge; so the largest upright size is that of body text."""
    sizes = [round(run.size, 1) for line in lines for run in line.runs if "Bold" not in run.face]
    return max(sizes, default=0.0)


def split_running_parts(runs: list[Run]) -> tuple[list[Run], list[Run]]:
    """(body runs, running header and footer runs): the header and footer are each page's top and bottom line."""
    body: list[Run] = []
    running: list[Run] = []
    by_page: dict[int, list[Run]] = {}
    for run in runs:
        by_page.setdefault(run.page, []).append(run)
    for on_page in by_page.values():
        top = max(run.y for run in on_page)
        bottom = min(run.y for run in on_page)
        for run in on_page:
            (running if abs(run.y - top) < 0.5 or abs(run.y - bottom) < 0.5 else body).append(run)
    return body, running


def group_lines(runs: list[Run]) -> list[Line]:
    """Runs grouped by page and baseline, top to bottom, each line left to right from its first visible run."""
    lines: dict[tuple[int, float], list[Run]] = {}
    for run in runs:
        key = (run.page, round(run.y * 2) / 2)
        lines.setdefault(key, []).append(run)
    ordered = sorted(lines.items(), key=lambda item: (item[0][0], -item[0][1]))
    found = []
    for (page, y), line_runs in ordered:
        runs = sorted(line_runs, key=lambda run: run.x)
        visible = [index for index, run in enumerate(runs) if run.text.strip()]
        if visible:  # without the blank runs at either end (the room a badge is drawn in)
            lead = sum(run.width for run in runs[: visible[0]])
            found.append(Line(page, y, runs[visible[0] : visible[-1] + 1], lead))
    return found


def label_split(line: Line) -> tuple[Run, Run] | None:
    """(label, first text run) when the line opens with a list label set apart before its text."""
    label = line.runs[0]
    first = next((run for run in line.runs[1:] if run.text.strip()), None)
    if first is not None and LABEL_RE.fullmatch(label.text.strip()) and first.x > label.x + label.width * 0.5:
        return label, first
    return None


class BlockPlaces:
    """Finds the block that owns something drawn on a page: the one whose line is at it or nearest above."""

    def __init__(self, blocks: list[Block]) -> None:
        self.lines: dict[int, list[tuple[float, int, Block]]] = {}
        for number, block in enumerate(blocks):
            for line in block.lines:
                self.lines.setdefault(line.page, []).append((line.y, number, block))
        for on_page in self.lines.values():
            on_page.sort(key=lambda row: row[:2])

    def at_or_above(self, page: int, y: float) -> Block | None:
        """The block of the lowest line at or above y (within a point) on a page."""
        on_page = self.lines.get(page, [])
        index = bisect.bisect_left(on_page, y - 1.0, key=lambda row: row[0])
        return on_page[index][2] if index < len(on_page) else None


def attach_links(blocks: list[Block], links: list[WebLink]) -> None:
    """Give each web link to the block whose line is at or nearest above it: its text or its small-type line."""
    place = BlockPlaces(blocks)
    for link in sorted(links, key=lambda link: (link.page, -link.top, link.x)):
        block = place.at_or_above(link.page, link.bottom)
        if block is not None:
            block.links.append(link.uri)


def is_oblique(face: str) -> bool:
    """True for the oblique or italic face that notes are set in."""
    return "Oblique" in face or "Italic" in face
