"""Reader for the PDF edition: entries back from the outline, the text and where each line of text sits.

The pages are read with PDFium (pypdfium2): their text objects, with the marked-content id of each, and their
/URI link annotations. pypdf reads the document information's title, the outline and each font's /Widths and
/ToUnicode (once): PDFium rounds advance widths to whole units and blanks some characters of a string. PDFium's
text page rewrites a few things for reading, undone here: the space it appends to a text object's text when the
next one on its line starts with one, and the hyphen it marks at the end of a line. A page where it may have done
more (a face that draws right-to-left text, which it reorders, ligatures, which it splits, or marks so narrow that
it drops one repeated; a text object it left out) is read with pypdf's content-stream interpreter instead.

What it relies on, all of it visible in the file (nothing hidden is embedded for it):
- the document title is the /Title of the document information;
- releases and areas are the outline (bookmarks) at levels 0 and 1, in order, their destinations /XYZ (the
  front matter's bookmarks, overview, timeline and changes, are /FitH and not entries); the Introduction heading's
  bookmark is /FitBH, and no entry; the body starts on the page of the first of these bookmarks, and each heading is
  the first line below where its bookmark points (with the lines of the same size that continue it);
- a list entry is a line whose first piece of text is a label ("•", "1.", "a.") set apart before the text;
  the label gives the list style and number, and the x where the text starts gives the nesting depth;
- the introduction's paragraphs come first, after the Introduction heading and before the first release's;
- a paragraph starts at the left margin in the upright face; a note is set in the oblique face (characters
  only a fallback face has are upright) and inset by its padding on both sides;
- every paragraph is one marked-content sequence, /P <</MCID n>> BDC ... EMC, its n numbered 0, 1, 2, ... on
  each page; a line continues the entry above it when the same sequence drew it, starting where that entry's
  text starts; lines are joined with a space, except where a word longer than a line was broken across lines
  (the line before has no room for the next character, and the two pieces together are wider than a line);
- the running header and footer, drawn outside any marked-content sequence, are the top and bottom lines of
  each page; text smaller than body text (status badges, owner and target lines) is not part of an entry's
  text: small text on the baseline of an entry's line is its status badge;
- a web link (a /URI link annotation) belongs to the entry whose line is at or nearest above it on its page.
"""

from __future__ import annotations

import bisect
import ctypes
import io
import itertools
import math
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from pypdf import PdfReader
from pypdf.generic import Destination, IndirectObject, create_string_object

from evepub.errors import EvepubError
from evepub.formats.ooxml import unreadable
from evepub.formats.pdf.contract import INTRODUCTION_FIT
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
RIGHT_TO_LEFT = {"R", "AL", "AN", "RLE", "RLO", "RLI"}  # the bidi classes PDFium's text page reorders and mirrors
LIGATURES = "\ufb00\ufb01\ufb02\ufb03\ufb04\ufb05\ufb06"  # split by PDFium's text page into their letters
NARROW = 71  # thousandths of the size: PDFium drops a repeated character this narrow as drawn twice in one place
PDFIUM_HYPHEN = "\x02"  # how PDFium's text page writes a hyphen ("-" or a soft hyphen) that ends a line
Transform = tuple[float, float, float, float, float, float]  # a, b, c, d, e, f of a PDF matrix
INTRODUCTION_LEVEL = -1  # the Bookmark level of the Introduction heading's bookmark


@dataclass(slots=True)
class Run:
    """A piece of text as the PDF draws it, with where and in which face."""

    page: int
    x: float
    y: float
    face: str
    size: float
    text: str
    advances: dict[str, float]  # character -> advance in thousandths of the size
    text_object: int = -1  # the MCID of the marked-content sequence (one per paragraph) that drew it; -1 outside

    def measure(self, text: str) -> float:
        """The width of some text in this run's face and size."""
        return sum(map(self.advances.get, text, itertools.repeat(500.0))) * self.size / 1000.0

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


@dataclass(frozen=True)
class Bookmark:
    """An outline entry: its level (0 release, 1 area, INTRODUCTION_LEVEL the Introduction heading), title, page
    index and the top its destination shows."""

    level: int
    title: str
    page: int
    top: float | None


def read(path: Path) -> ReadBack:
    """Read a PDF edition back into outline entries, with list numbers, status badges and links."""
    try:
        title, headings, runs, links = read_file(path)
    except EvepubError:
        raise
    except Exception as error:  # pypdf and PDFium raise many kinds for a damaged file
        raise unreadable(path, "PDF", error) from error
    if not headings:
        return ReadBack([Entry("title", title)], list(UNRECOVERABLE), numbers=[0], statuses=[None], links=[[]])
    found: list[tuple[Entry, Block | None]] = [(Entry("title", title), None)]
    found.extend(introduced(BodyReader(runs, headings).entries(links)))
    return ReadBack(
        [entry for entry, _ in found],
        list(UNRECOVERABLE),
        numbers=[block.number if block else 0 for _, block in found],
        statuses=[block.status if block else None for _, block in found],
        links=[list(dict.fromkeys(block.links)) if block else [] for _, block in found],
    )


def read_file(path: Path) -> tuple[str, list[Bookmark], list[Run], list[WebLink]]:
    """The title, the outline, and the text runs and web links of the body pages (from the first bookmark's)."""
    data = path.read_bytes()  # both libraries read the same bytes, even if a build replaces the file meanwhile
    pdf = PdfReader(io.BytesIO(data))
    title = (pdf.metadata.title if pdf.metadata else None) or ""
    headings = bookmarks(pdf, pdf.outline, 0)
    if not headings:
        return title, headings, [], []
    document = pdfium.PdfDocument(data)
    try:
        pages = PageReader(document, pdf)
        runs: list[Run] = []
        links: list[WebLink] = []
        for number in range(min(heading.page for heading in headings), len(document)):
            pages.read(number, runs, links)
        return title, headings, runs, links
    finally:
        document.close()


def introduced(found: list[tuple[Entry, Block | None]]) -> list[tuple[Entry, Block | None]]:
    """The paragraphs before the first heading are the introduction."""
    first = next((index for index, (entry, _) in enumerate(found) if entry.kind in ("release", "area")), len(found))
    for index in range(first):
        entry, block = found[index]
        if entry.kind == ItemKind.PARAGRAPH.value:
            found[index] = (Entry(INTRODUCTION, entry.text), block)
    return found


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
            kind = INTRODUCTION_LEVEL if entry.typ == f"/{INTRODUCTION_FIT}" else level
            found.append(Bookmark(kind, str(entry.title), pdf.get_destination_page_number(entry), top))
    return found


class PageReader:
    """The text runs and web links of one page at a time, with PDFium's raw API and buffers kept between pages."""

    def __init__(self, document: pdfium.PdfDocument, pdf: PdfReader) -> None:
        self.document = document
        self.pdf = pdf  # for the pages PDFium's text page would rewrite
        self.advances = font_advances(pdf)  # by face: the fonts of the pages' own resources, all that evepub uses
        self.rewritten = rewritten_faces(self.advances)
        self.forms_read = False  # the fonts of forms too, read the first time a face is not among the pages'
        self.buffer = (ctypes.c_ushort * 1024)()
        self.capacity = ctypes.sizeof(self.buffer)  # in bytes, as PDFium counts
        self.matrix = pdfium_c.FS_MATRIX()
        self.size = ctypes.c_float()
        self.name = ctypes.create_string_buffer(256)
        self.faces: dict[int, str] = {}  # font handle -> face, for the page being read (its fonts stay put)
        self.text_page: Any = None
        self.number = 0
        self.dropped = False  # a text object of the page has no text: PDFium's text page left it out

    def read(self, number: int, runs: list[Run], links: list[WebLink]) -> None:
        """Add the runs and web links of one page."""
        page = pdfium_c.FPDF_LoadPage(self.document.raw, number)
        if not page:
            raise pdfium.PdfiumError(f"page {number + 1} cannot be loaded")
        try:
            self.number, self.faces, self.dropped = number, {}, False
            on_page = self.text_runs(page)
            if self.dropped or not all(self.restored(run) for run in on_page):
                on_page = pypdf_runs(self.pdf, number, self.advances)
            runs.extend(on_page)
            links.extend(self.web_links(page))
        finally:
            pdfium_c.FPDF_ClosePage(page)

    def text_runs(self, page: Any) -> list[Run]:
        """The runs of the page's text objects, in drawing order, as PDFium's text page extracts them."""
        runs: list[Run] = []
        self.text_page = pdfium_c.FPDFText_LoadPage(page)
        if not self.text_page:
            raise pdfium.PdfiumError(f"the text of page {self.number + 1} cannot be read")
        try:
            self.add_objects(runs, page, pdfium_c.FPDFPage_CountObjects, pdfium_c.FPDFPage_GetObject, None)
        finally:
            pdfium_c.FPDFText_ClosePage(self.text_page)
            self.text_page = None
        return without_borrowed_spaces(runs)

    def restored(self, run: Run) -> bool:
        """Undo the line-end hyphen PDFium marks; False if it may have rewritten more (see rewritten_faces)."""
        if run.face in self.rewritten:
            return False
        if run.text.endswith(PDFIUM_HYPHEN):
            if "\u00ad" in run.advances:  # a soft hyphen or a hyphen: which one, PDFium does not say
                return False
            run.text = run.text[:-1] + "-"
        return True

    def add_objects(self, runs: list[Run], holder: Any, count: Any, get: Any, outer: Transform | None) -> None:
        """Add a run for every text object of a page or form, in drawing order, forms' objects in their place."""
        text_kind, form_kind = pdfium_c.FPDF_PAGEOBJ_TEXT, pdfium_c.FPDF_PAGEOBJ_FORM
        kind_of, add_text = pdfium_c.FPDFPageObj_GetType, self.add_text  # 57,000 text objects at 20,000 items
        for index in range(count(holder)):
            item = get(holder, index)
            kind = kind_of(item)
            if kind == text_kind:
                add_text(runs, item, outer)
            elif kind == form_kind:
                inner = self.transform(item, outer)
                self.add_objects(runs, item, pdfium_c.FPDFFormObj_CountObjects, pdfium_c.FPDFFormObj_GetObject, inner)

    def add_text(self, runs: list[Run], item: Any, outer: Transform | None) -> None:
        """Add the run of one text object: its text, where it starts, its face and size, its paragraph's MCID."""
        text = self.text_of(item)
        font = pdfium_c.FPDFTextObj_GetFont(item)
        if not text or not font:  # blank runs are kept: a space between two faces is one
            self.dropped = self.dropped or not text
            return
        a, _, _, _, x, y = self.transform(item, outer)
        pdfium_c.FPDFTextObj_GetFontSize(item, self.size)
        face = self.face_of(font)
        size = self.size.value * (abs(a) or 1.0)
        mcid = pdfium_c.FPDFPageObj_GetMarkedContentID(item)
        advances = self.advances.get(face)
        if advances is None:
            advances = self.advances_of(face)
        runs.append(Run(self.number, x, y, face, size, text, advances, mcid))

    def advances_of(self, face: str) -> dict[str, float]:
        """The advances of a face, reading the fonts of forms too the first time a face is not among the pages'."""
        if face not in self.advances and not self.forms_read:
            self.forms_read = True
            self.advances = font_advances(self.pdf, forms=True)
            self.rewritten = rewritten_faces(self.advances)
        return self.advances.get(face, {})

    def text_of(self, item: Any) -> str:
        """The text PDFium extracts for one text object, into the buffer kept (grown when too small)."""
        capacity = self.capacity
        size = pdfium_c.FPDFTextObj_GetText(item, self.text_page, self.buffer, capacity)
        if size > capacity:
            self.buffer = (ctypes.c_ushort * (size // 2))()
            self.capacity = size
            size = pdfium_c.FPDFTextObj_GetText(item, self.text_page, self.buffer, size)
        return ctypes.string_at(self.buffer, max(size - 2, 0)).decode("utf-16-le", errors="replace")

    def transform(self, item: Any, outer: Transform | None) -> Transform:
        """The object's matrix, on the page: within a form, followed by the form's."""
        if not pdfium_c.FPDFPageObj_GetMatrix(item, self.matrix):
            raise pdfium.PdfiumError("an object has no matrix")
        matrix = self.matrix
        own = (matrix.a, matrix.b, matrix.c, matrix.d, matrix.e, matrix.f)
        return own if outer is None else compose(own, outer)

    def face_of(self, font: Any) -> str:
        """The base font name without its subset tag, read once per font of the page."""
        key = ctypes.addressof(font.contents)
        face = self.faces.get(key)
        if face is None:
            size = pdfium_c.FPDFFont_GetBaseFontName(font, self.name, len(self.name))
            if size > len(self.name):
                self.name = ctypes.create_string_buffer(size)
                pdfium_c.FPDFFont_GetBaseFontName(font, self.name, size)
            face = self.faces[key] = face_name(self.name.value.decode("utf-8", errors="replace"))
        return face

    def web_links(self, page: Any) -> list[WebLink]:
        """The /URI link annotations of one page, with their rectangles."""
        found = []
        position, link, rect = ctypes.c_int(0), pdfium_c.FPDF_LINK(), pdfium_c.FS_RECTF()
        while pdfium_c.FPDFLink_Enumerate(page, position, link):
            action = pdfium_c.FPDFLink_GetAction(link)
            if not action or pdfium_c.FPDFAction_GetType(action) != pdfium_c.PDFACTION_URI:
                continue
            if not pdfium_c.FPDFLink_GetAnnotRect(link, rect):
                continue
            bottom, top = min(rect.bottom, rect.top), max(rect.bottom, rect.top)
            found.append(WebLink(self.number, bottom, top, rect.left, self.uri_of(action)))
        return found

    def uri_of(self, action: Any) -> str:
        """The URI of a /URI action, decoded as pypdf decodes a PDF string (PDFium gives its bytes as written)."""
        size = pdfium_c.FPDFAction_GetURIPath(self.document.raw, action, None, 0)
        buffer = ctypes.create_string_buffer(size)
        pdfium_c.FPDFAction_GetURIPath(self.document.raw, action, buffer, size)
        return str(create_string_object(buffer.raw[: max(size - 1, 0)]))


def without_borrowed_spaces(runs: list[Run]) -> list[Run]:
    """The runs without the space PDFium adds to a text object's text when the next one on its line starts with one."""
    ordered = sorted(runs, key=lambda run: (round(run.y * 2) / 2, run.x))
    for run, following in itertools.pairwise(ordered):
        same_line = round(run.y * 2) == round(following.y * 2)
        if same_line and run.text.endswith(" ") and following.text.startswith(" "):
            run.text = run.text[:-1]
    return [run for run in runs if run.text]


def compose(inner: Transform, outer: Transform) -> Transform:
    """The matrix that applies `inner`, then `outer`."""
    a, b, c, d, e, f = inner
    p, q, r, s, t, u = outer
    return a * p + b * r, a * q + b * s, c * p + d * r, c * q + d * s, e * p + f * r + t, e * q + f * s + u


def pypdf_runs(pdf: PdfReader, number: int, advances: dict[str, dict[str, float]]) -> list[Run]:
    """Every non-blank piece of text of one page, read with pypdf's content-stream interpreter."""
    runs: list[Run] = []
    sequences: list[int] = []  # the MCIDs of the marked-content sequences open, innermost last

    def mark(operator: bytes, operands: list[Any], *_: Any) -> None:
        if operator in (b"BMC", b"BDC"):
            properties = operands[1] if operator == b"BDC" and len(operands) > 1 else None
            mcid = properties.get("/MCID", -1) if hasattr(properties, "get") else -1
            sequences.append(int(mcid) if isinstance(mcid, int) else -1)
        elif operator == b"EMC" and sequences:
            sequences.pop()

    def visit(text: str, cm: list[float], tm: list[float], font: Any, size: float) -> None:
        text = text.replace("\n", "")
        if not text or font is None:  # blank runs are kept: a space between two faces is one
            return
        x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
        y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
        scale = abs(tm[0] * cm[0]) or 1.0
        face = face_name(str(font.get("/BaseFont", "")))
        mcid = next((mcid for mcid in sequences if mcid >= 0), -1)  # the outermost, as PDFium gives it
        runs.append(Run(number, x, y, face, size * scale, text, advances.get(face, {}), mcid))

    pdf.pages[number].extract_text(visitor_operand_before=mark, visitor_text=visit)
    return runs


def face_name(base_font: str) -> str:
    """A font's face: its base font name without the leading slash and the subset tag ("ABCDEF+")."""
    return base_font.lstrip("/").split("+")[-1]


def font_advances(pdf: PdfReader, forms: bool = False) -> dict[str, dict[str, float]]:
    """Character -> advance for every face of the pages (and their forms'), subsets together, each font read once."""
    seen: set[int] = set()
    mapped: dict[str, dict[str, float]] = {}
    for page in pdf.pages:
        for font in fonts_in(page.get("/Resources"), seen, forms):
            mapped.setdefault(face_name(str(font.get("/BaseFont", ""))), {}).update(font_table(font))
    for table in mapped.values():
        table.setdefault("\u00a0", table.get(" ", 500.0))
    return mapped


def fonts_in(resources: Any, seen: set[int], forms: bool) -> Iterator[Any]:
    """The font dictionaries of a resource dictionary (and of the forms it holds), each shared one once."""
    for reference in entries_of(resources, "/Font"):
        if first_time(reference, seen):
            yield reference.get_object()
    for reference in entries_of(resources, "/XObject") if forms else ():
        if first_time(reference, seen):
            form = reference.get_object()
            if form.get("/Subtype") == "/Form":
                yield from fonts_in(form.get("/Resources"), seen, forms)


def entries_of(resources: Any, kind: str) -> Iterable[Any]:
    """The (unresolved) entries of one kind of resource: /Font, /XObject."""
    dictionary = resources.get_object().get(kind) if resources is not None else None
    return dictionary.get_object().values() if dictionary is not None else ()


def first_time(reference: Any, seen: set[int]) -> bool:
    """True unless the reference is to an object already seen (a direct object is always new)."""
    if not isinstance(reference, IndirectObject):
        return True
    if reference.idnum in seen:
        return False
    seen.add(reference.idnum)
    return True


def font_table(font: Any) -> dict[str, float]:
    """Character -> advance for one simple font, from its /Widths and /ToUnicode."""
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
    return table


def rewritten_faces(advances: dict[str, dict[str, float]]) -> set[str]:
    """The faces that draw a character PDFium's text page rewrites (RIGHT_TO_LEFT, LIGATURES, NARROW ones)."""
    return {face for face, table in advances.items() if any(map(rewritten, table.items()))}


def rewritten(character_advance: tuple[str, float]) -> bool:
    """True for a character PDFium's text page does not give back as drawn (see rewritten_faces)."""
    character, advance = character_advance
    return advance < NARROW or character in LIGATURES or unicodedata.bidirectional(character) in RIGHT_TO_LEFT


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
        self.labels = {id(line): split for line in self.lines if (split := label_split(line))}  # by line, once
        self.indent = min((first.x - self.left for _, first in self.labels.values()), default=1.0)

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
        labelled = self.labels.get(id(line))
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
            if heading.level != INTRODUCTION_LEVEL:  # the Introduction heading: its paragraphs follow, it is no entry
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
    by_page: dict[int, list[Line]] = {}
    for line in lines:
        by_page.setdefault(line.page, []).append(line)
    for heading in headings:
        top = math.inf if heading.top is None else heading.top
        on_page = by_page.get(heading.page, [])
        below = [line for line in on_page if line.y < top and (line.page, line.y) not in claimed]
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
    if not LABEL_RE.fullmatch(label.text.strip()):
        return None
    first = next((run for run in line.runs[1:] if run.text.strip()), None)
    if first is not None and first.x > label.x + label.width * 0.5:
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
