"""Reader for the PDF edition: entries back from the outline, the text and where each line of text sits.

What it relies on, all of it visible in the file (nothing hidden is embedded for it):
- the document title is the /Title of the document information;
- releases and areas are the outline (bookmarks) at levels 0 and 1, in order; the body starts on the page
  of the first bookmark, and each run of bold text larger than body text there is the next heading;
- a list entry is a line whose first piece of text is a label ("•", "1.", "a.") set apart before the text;
  the label gives the list style, and the x where the text starts gives the nesting depth;
- a note is set in the oblique face, a paragraph in the upright face, each starting at the left margin;
- a line continues the entry above it when it starts where that entry's text starts, in the same face,
  one line-spacing lower on the same page; lines are joined with a space, except where a word longer than
  a line was broken across lines (the two pieces together are wider than a line);
- the running header and footer are the top and bottom lines of each page; text smaller than body text
  (status badges, owner and target lines) is not part of an entry.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pypdf import PdfReader
from pypdf.generic import Destination

from evepub.errors import EvepubError
from evepub.model import Entry, ItemKind, ListStyle, ReadBack

LABEL_RE = re.compile(r"(?:[•◦▪]|\d+\.|[a-z]+\.|[A-Z]+\.)")
BULLET_LABELS = "•◦▪"
BFCHAR_RE = re.compile(r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>")
UNRECOVERABLE = [
    "item ids",
    "statuses as data (they stay in the item text; the badges are not read back)",
    "owner, target date and item notes (printed in small type under an item, not read back)",
    "list start numbers (labels are read for their style only)",
    "where one entry ends and the next begins for a paragraph or note taller than a page (read as two)",
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
    runs: list[Run]

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
    face: str
    lines: list[Line] = field(default_factory=list)


def read(path: Path) -> ReadBack:
    """Read a PDF edition back into outline entries."""
    try:
        pdf = PdfReader(str(path))
    except Exception as error:  # pypdf raises many kinds for a damaged file
        raise EvepubError(f"{path}: not a readable PDF: {error}") from error
    headings = bookmarks(pdf, pdf.outline, 0)
    title = (pdf.metadata.title if pdf.metadata else None) or ""
    entries = [Entry("title", title)]
    if not headings:
        return ReadBack(entries, UNRECOVERABLE)
    first_page = min(page for _, _, page in headings)
    runs = [run for number in range(first_page, len(pdf.pages)) for run in page_runs(pdf, number)]
    entries.extend(BodyReader(runs, headings).entries())
    return ReadBack(entries, list(UNRECOVERABLE))


def bookmarks(pdf: PdfReader, outline: list[Any], level: int) -> list[tuple[int, str, int]]:
    """The outline flattened to (level, title, page index), in order."""
    found: list[tuple[int, str, int]] = []
    for entry in outline:
        if isinstance(entry, list):
            found.extend(bookmarks(pdf, entry, level + 1))
        elif isinstance(entry, Destination):
            page = pdf.get_destination_page_number(entry)
            found.append((level, str(entry.title), page))
    return found


def page_runs(pdf: PdfReader, number: int) -> list[Run]:
    """Every non-blank piece of text of one page with its position, face, size and width."""
    page = pdf.pages[number]
    widths = FontWidths()
    runs: list[Run] = []

    def visit(text: str, cm: list[float], tm: list[float], font: Any, size: float) -> None:
        text = text.replace("\n", "")
        if not text.strip() or font is None:
            return
        x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
        y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
        scale = abs(tm[0] * cm[0]) or 1.0
        face = str(font.get("/BaseFont", "")).split("+")[-1]
        runs.append(Run(number, x, y, face, size * scale, text, widths.table_of(font)))

    page.extract_text(visitor_text=visit)
    return runs


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

    def __init__(self, runs: list[Run], headings: list[tuple[int, str, int]]) -> None:
        self.headings = headings
        body_runs, running = split_running_parts(runs)
        sizes = Counter(round(run.size, 1) for run in body_runs if "Bold" not in run.face)
        self.body_size = sizes.most_common(1)[0][0] if sizes else 0.0
        # the running header's right part ends exactly at the right edge of the text
        self.right = max((run.x + run.width for run in running), default=0.0)
        kept = [run for run in body_runs if run.size >= self.body_size - 0.3]
        self.lines = group_lines(kept)
        self.left = min((line.runs[0].x for line in self.lines if self.is_heading(line)), default=0.0)
        self.leading = typical_gap(self.lines)
        self.indent = min((label_split(line)[1].x - self.left for line in self.lines if label_split(line)), default=1.0)

    def entries(self) -> list[Entry]:
        """Headings from the outline in the places of the heading lines, and every entry between them."""
        found: list[Entry] = []
        blocks: list[Block] = []
        next_heading = 0
        previous_heading: Line | None = None
        for line in self.lines:
            if not self.is_heading(line):
                previous_heading = None
                self.add_line(blocks, line)
                continue
            wrapped = previous_heading is not None and continues_heading(previous_heading, line)
            if not wrapped and next_heading < len(self.headings):
                found.extend(self.close(blocks))
                blocks = []
                level, title, _ = self.headings[next_heading]
                found.append(Entry("release" if level == 0 else "area", title))
                next_heading += 1
            previous_heading = line
        found.extend(self.close(blocks))
        return found

    def is_heading(self, line: Line) -> bool:
        """Bold text larger than body text."""
        run = line.runs[0]
        return "Bold" in run.face and run.size > self.body_size + 0.5

    def add_line(self, blocks: list[Block], line: Line) -> None:
        """Start a new entry with this line, or continue the last one."""
        labelled = label_split(line)
        if labelled:
            label, first = labelled
            depth = max(round((first.x - self.left) / self.indent) - 1, 0) if self.indent > 0 else 0
            style = label_style(label.text.strip())
            text_line = Line(line.page, line.y, [run for run in line.runs if run is not label])
            blocks.append(Block(ItemKind.ITEM.value, depth, style, first.x, first.face, [text_line]))
            return
        first = line.runs[0]
        last = blocks[-1] if blocks else None
        if last is not None and self.continues(last, line):
            last.lines.append(line)
            return
        kind = ItemKind.NOTE.value if is_oblique(first.face) else ItemKind.PARAGRAPH.value
        blocks.append(Block(kind, 0, None, first.x, first.face, [line]))

    def continues(self, block: Block, line: Line) -> bool:
        """True when the line sits where the block's next line would."""
        previous = block.lines[-1]
        first = line.runs[0]
        return (
            previous.page == line.page
            and abs(first.x - block.x) < 1.0
            and is_oblique(first.face) == is_oblique(block.face)
            and 0 < previous.y - line.y <= self.leading + 1.0
        )

    def close(self, blocks: list[Block]) -> list[Entry]:
        """The entries of finished blocks."""
        return [Entry(block.kind, self.joined(block), block.depth, block.style) for block in blocks]

    def joined(self, block: Block) -> str:
        """The block's lines as one text: a space at each break, none inside a word longer than a line."""
        text = block.lines[0].text.rstrip()
        for before, after in itertools.pairwise(block.lines):
            following = after.text.rstrip()
            if self.breaks_word(before, after, block.x):
                text += following
            else:
                text += " " + following
        return text

    def breaks_word(self, before: Line, after: Line, start: float) -> bool:
        """True when the break falls inside a word: the pieces on both sides are wider than a line."""
        line_width = (self.right or max(run.x + run.width for run in before.runs)) - start
        tail = before.runs[-1].text.rstrip().rsplit(" ", 1)[-1]
        head = after.runs[0].text.lstrip().split(" ", 1)[0]
        return before.runs[-1].measure(tail) + after.runs[0].measure(head) > 0.9 * line_width


def continues_heading(previous: Line, line: Line) -> bool:
    """True for the next line of a wrapped heading: same size, one heading line-spacing lower."""
    size = previous.runs[0].size
    return previous.page == line.page and abs(line.runs[0].size - size) < 0.1 and 0 < previous.y - line.y <= size * 1.5


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
    """Runs grouped by page and baseline, top to bottom, each line left to right."""
    lines: dict[tuple[int, float], list[Run]] = {}
    for run in runs:
        key = (run.page, round(run.y * 2) / 2)
        lines.setdefault(key, []).append(run)
    ordered = sorted(lines.items(), key=lambda item: (item[0][0], -item[0][1]))
    return [Line(page, y, sorted(line_runs, key=lambda run: run.x)) for (page, y), line_runs in ordered]


def typical_gap(lines: list[Line]) -> float:
    """The most common distance between consecutive baselines on a page: the body line spacing."""
    gaps = Counter(
        round(before.y - after.y, 1)
        for before, after in itertools.pairwise(lines)
        if before.page == after.page and before.y > after.y
    )
    return gaps.most_common(1)[0][0] if gaps else 0.0


def label_split(line: Line) -> tuple[Run, Run] | None:
    """(label, first text run) when the line opens with a list label set apart before its text."""
    if len(line.runs) < 2:
        return None
    label, first = line.runs[0], line.runs[1]
    if LABEL_RE.fullmatch(label.text.strip()) and first.x > label.x + label.width * 0.5:
        return label, first
    return None


def label_style(label: str) -> ListStyle:
    """The list style a label shows."""
    if label in BULLET_LABELS:
        return ListStyle.BULLET
    if label[:-1].isdigit():
        return ListStyle.DECIMAL
    return ListStyle.LOWER_ALPHA if label[:-1].islower() else ListStyle.UPPER_ALPHA


def is_oblique(face: str) -> bool:
    """True for the oblique or italic face that notes are set in."""
    return "Oblique" in face or "Italic" in face
