"""Item paragraphs set by evepub itself: broken into lines where ReportLab's Paragraph breaks them, drawn directly.

ReportLab's Paragraph is general (markup, justification, hyphenation, right-to-left text, images, splitting), and a
large PDF spent most of its time there on items that use none of it. An item whose fragments are all in the main
faces, without a soft hyphen, a background or a word wider than its line, is set here instead: each word measured
once (widths are kept per face and size), lines broken by Paragraph's rule for left-aligned text (a word goes on
the line while the line stays within its width plus 5 % of its spaces), each line drawn with the same text-showing
operators, colours and link rectangles. Any other item, and one taller than a page, which must split, is handed to
ReportLab's Paragraph (`fallback`). tests/test_pdf_lines.py compares the lines with Paragraph's on generated text.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from reportlab.lib.enums import TA_LEFT
from reportlab.lib.rl_accel import fp_str
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase.pdfmetrics import getFont
from reportlab.platypus import Flowable
from reportlab.platypus.paraparser import ParaFrag

from evepub.formats.pdf.markup import SOFT_HYPHEN, next_mcid

NBSP = "\u00a0"
WidthTable = dict[str, float]
_widths: dict[tuple[str, float], WidthTable] = {}  # per face and size: the width of every text measured


def width_table(face: str, size: float) -> WidthTable:
    """The widths measured so far in one face and size."""
    table = _widths.get((face, size))
    if table is None:
        table = _widths[(face, size)] = {}
    return table


def text_width(text: str, face: str, size: float) -> float:
    """The advance width of text in a registered face, measured once per process."""
    table = width_table(face, size)
    width = table.get(text)
    if width is None:
        width = table[text] = getFont(face).stringWidth(text, size)
    return width


class Word:
    """A run of text between spaces: its pieces (a fragment and its text each), its width and largest size, and
    the fragment that holds the space after it with that space's width (None and 0 when none follows)."""

    __slots__ = ("pieces", "size", "space", "space_width", "width")

    def __init__(
        self, pieces: list[tuple[ParaFrag, str]], width: float, size: float, space: ParaFrag | None, space_width: float
    ) -> None:
        if width <= 0:
            raise NotSettable  # Paragraph counts no space before a word without width
        self.pieces, self.width, self.size, self.space, self.space_width = pieces, width, size, space, space_width


@dataclass
class Line:
    """One line of a paragraph: its words, the width they take with the spaces between them, and its room."""

    words: list[Word]
    width: float
    room: float  # the line's width: the paragraph's width less its indents
    size: float  # the largest font size on the line
    forced: bool = False  # ended by a forced line break


class NotSettable(Exception):
    """The paragraph needs something only ReportLab's Paragraph does (see the module's docstring)."""


def words_of(frags: list[ParaFrag], faces: frozenset[str]) -> list[Word | None]:
    """The words of a paragraph's fragments, None for each forced line break; NotSettable when it has to be
    ReportLab's."""
    found: list[Word | None] = []
    pieces: list[tuple[ParaFrag, str]] = []
    width = size = 0.0
    for frag in frags:
        if getattr(frag, "lineBreak", False):
            if pieces:
                found.append(Word(pieces, width, size, None, 0.0))
                pieces, width, size = [], 0.0, 0.0
            found.append(None)
            continue
        text, face, frag_size = frag.text, frag.fontName, frag.fontSize
        if face not in faces or SOFT_HYPHEN in text or getattr(frag, "backColor", None):
            raise NotSettable
        table, measure = width_table(face, frag_size), getFont(face).stringWidth
        space_width = text_width(" ", face, frag_size)
        for index, part in enumerate(text.split(" ")):
            if index:
                if not pieces:
                    raise NotSettable  # a space that starts a line, after a forced break: Paragraph draws it
                found.append(Word(pieces, width, size, frag, space_width))
                pieces, width, size = [], 0.0, 0.0
            if part:
                pieces.append((frag, part))
                measured = table.get(part)
                if measured is None:
                    measured = table[part] = measure(part, frag_size)
                width += measured
                if frag_size > size:
                    size = frag_size
    if pieces:
        found.append(Word(pieces, width, size, None, 0.0))
    return found


def break_lines(words: list[Word | None], rooms: tuple[float, float], shrinkage: float) -> list[Line]:
    """Lines as Paragraph breaks them: a word joins the line while the line, with the space before the word,
    stays within its room plus `shrinkage` of the widths of its spaces; NotSettable for a word wider than a line."""
    lines: list[Line] = []
    room = rooms[0]
    current: list[Word] = []
    width = pending = spaces = size = 0.0
    for word in words:
        if word is not None and word.width > room:
            raise NotSettable  # Paragraph splits a word wider than its line
        if word is None or (current and width + pending + word.width > room + shrinkage * (pending + spaces)):
            if not current:
                raise NotSettable  # an empty line, between two forced breaks or before the first
            lines.append(Line(current, width, room, size, word is None))
            room, current, width, pending, spaces, size = rooms[1], [], 0.0, 0.0, 0.0, 0.0
            if word is None:
                continue
        if current:
            spaces += pending
            width += pending
        current.append(word)
        width += word.width
        if word.size > size:
            size = word.size
        pending = word.space_width
    if current:
        lines.append(Line(current, width, room, size))
    return lines


Segment = tuple[ParaFrag, list[str]]  # words and spaces drawn in one fragment's face, size, colour and link


def segments(line: Line) -> list[Segment]:
    """The line's text as runs of one fragment style each: words, and the spaces between them in their fragments."""
    runs: list[Segment] = []
    style: ParaFrag | None = None
    parts: list[str] = []
    space: ParaFrag | None = None  # the fragment of the space before the next word
    for word in line.words:
        pieces = word.pieces if space is None else [(space, " "), *word.pieces]
        for frag, text in pieces:
            if frag is style or (style is not None and same_style(style, frag)):
                parts.append(text)
            else:
                style, parts = frag, [text]
                runs.append((frag, parts))
        space = word.space
    return runs


def same_style(first: ParaFrag, second: ParaFrag) -> bool:
    """Whether two fragments are drawn alike: face, size, colour and link."""
    if first is second:
        return True
    return (first.fontName, first.fontSize, first.textColor, first.link) == (
        second.fontName,
        second.fontSize,
        second.textColor,
        second.link,
    )


@dataclass
class TextDrawer:
    """Text-showing operators for one canvas, from each word's subset codes, worked out once per face and word."""

    canvas: Any
    # each text's (subset, codes) runs, the codes escaped for a PDF string: escaping goes byte by byte, so the
    # escaped codes of neighbouring texts join as the codes themselves would
    codes: dict[tuple[str, str], list[tuple[int, str]]] = field(default_factory=dict)
    names: dict[tuple[str, int], str] = field(default_factory=dict)  # each subset's font resource name

    def encoded(self, parts: list[str], face: str) -> list[tuple[int, list[str]]]:
        """The escaped codes of the texts in a face's subsets: (subset, codes) runs, neighbours of one subset joined."""
        runs: list[tuple[int, list[str]]] = []
        last, run = -1, []
        for text in parts:
            pieces = self.codes.get((face, text))
            if pieces is None:
                pieces = self.codes[(face, text)] = self._split(text, face)
            for subset, codes in pieces:
                if subset == last:
                    run.append(codes)
                else:
                    last, run = subset, [codes]
                    runs.append((subset, run))
        return runs

    def _split(self, text: str, face: str) -> list[tuple[int, str]]:
        escape, document = self.canvas._escape, self.canvas._doc
        return [(subset, escape(codes)) for subset, codes in getFont(face).splitString(text, document)]

    def show(self, parts: list[str], face: str, size: float, state: list[Any]) -> list[str]:
        """Operators that draw the texts at the current text position; `state` holds the font last set."""
        names, code = self.names, []
        for subset, codes in self.encoded(parts, face):
            name = names.get((face, subset))
            if name is None:
                name = names[(face, subset)] = getFont(face).getSubsetInternalName(subset, self.canvas._doc)
            if state[0] != (name, size):
                state[0] = (name, size)
                code.append(f"{name} {size_text(size)} Tf")
            code.append(f"({''.join(codes)}) Tj")
        return code


@cache
def size_text(size: float) -> str:
    """A font size as ReportLab writes numbers."""
    return str(fp_str(size))


def drawer_of(canvas: Any) -> TextDrawer:
    """The text drawer of a canvas, made on first use."""
    drawer = canvas.__dict__.get("_evepub_drawer")
    if drawer is None:
        drawer = canvas.__dict__["_evepub_drawer"] = TextDrawer(canvas)
    return drawer


def placed_text(canvas: Any, x: float, y: float, runs: list[tuple[str, str]], size: float) -> list[str]:
    """Operators that draw runs of (face, text), one after the other from (x, y), as one text object."""
    drawer, font = drawer_of(canvas), [None]
    code = ["BT", f"1 0 0 1 {fp_str(x, y)} Tm"]
    for face, text in runs:
        code += drawer.show([text], face, size, font)
    code.append("ET")
    return code


def colour_operator(colour: Any) -> str:
    """The fill colour operator of a colour, as ReportLab's text objects write it."""
    return rgb_operator(colour.red, colour.green, colour.blue)


@cache
def rgb_operator(red: float, green: float, blue: float) -> str:
    """The fill colour operator of an RGB colour."""
    return f"{fp_str(red, green, blue)} rg"


def settable_style(style: ParagraphStyle) -> bool:
    """Whether a paragraph style asks for nothing but left-aligned lines of its own leading."""
    plain = style.alignment == TA_LEFT and not style.backColor and not (style.borderWidth and style.borderColor)
    leading_only = getattr(style, "autoLeading", "") in ("", "off", None)
    return plain and leading_only and not style.wordWrap and not style.firstLineIndent


class SetParagraph(Flowable):
    """An item's paragraph, set here when it can be (see the module's docstring), else by `fallback`."""

    def __init__(
        self,
        frags: list[ParaFrag],
        style: ParagraphStyle,
        label: str | None,
        faces: frozenset[str],
        fallback: Callable[[], Any],
    ) -> None:
        super().__init__()
        self.frags, self.style, self.label, self.faces = frags, style, label, faces
        self.make_fallback = fallback
        self.replaced: Any = None  # ReportLab's Paragraph, once this one could not be set here
        self.lines: list[Line] = []
        self.words: list[Word | None] = []
        try:
            if not settable_style(style):
                raise NotSettable
            self.words = words_of(frags, faces)
        except NotSettable:
            self.replaced = fallback()

    def getSpaceBefore(self) -> float:
        """The space above the paragraph, as its style says."""
        return self.style.spaceBefore

    def getSpaceAfter(self) -> float:
        """The space below the paragraph, as its style says."""
        return self.style.spaceAfter

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        """Break the lines for this width; the paragraph's size."""
        if self.replaced is None:
            try:
                self.lines = break_lines(self.words, self.rooms(availWidth), self.style.spaceShrinkage)
            except NotSettable:
                self.replaced = self.make_fallback()
        if self.replaced is not None:
            self.width, self.height = self.replaced.wrap(availWidth, availHeight)
            return self.width, self.height
        self.width, self.height = availWidth, len(self.lines) * self.style.leading
        return self.width, self.height

    def rooms(self, width: float) -> tuple[float, float]:
        """The room of the first line and of every later one: the width less the indents, and the label's overrun."""
        style = self.style
        first = width - style.leftIndent - style.firstLineIndent - style.rightIndent
        later = width - style.leftIndent - style.rightIndent
        if self.label:  # as Paragraph reckons it: a label running into the text narrows the first line
            label_end = style.bulletIndent + text_width(self.label, style.bulletFontName, style.bulletFontSize)
            overrun = label_end + 0.6 * style.bulletFontSize - (style.leftIndent + style.firstLineIndent)
            first -= max(overrun, 0)
        return first, later

    def split(self, availWidth: float, availHeight: float) -> list[Flowable]:
        """Split as ReportLab's Paragraph splits (only an item taller than a page is ever split)."""
        if self.replaced is None:
            self.replaced = self.make_fallback()
            self.replaced.wrap(availWidth, availHeight)
        return self.replaced.split(availWidth, availHeight)

    def drawOn(self, canvas: Any, x: float, y: float, _sW: float = 0) -> None:
        """Draw at (x, y) as Flowable.drawOn does, without copying the canvas's state: what is set here changes
        none of it but the transformation, which is put back (a badge saves and restores what it changes)."""
        if self.replaced is not None:
            super().drawOn(canvas, x, y, _sW)
            return
        matrix = canvas._currentMatrix
        a, b, c, d, e, f = matrix
        canvas._code += ["q", f"{fp_str(1, 0, 0, 1, x, y)} cm"]  # as saveState and translate write them
        canvas._currentMatrix = (a, b, c, d, a * x + c * y + e, b * x + d * y + f)
        self.canv = canvas
        try:
            self.draw()
        finally:
            del self.canv
            canvas._code.append("Q")
            canvas._currentMatrix = matrix

    def draw(self) -> None:
        """Draw the paragraph as one marked-content sequence, its label before its first line."""
        if self.replaced is not None:
            self.replaced.canv = self.canv
            try:
                self.replaced.draw()
            finally:
                del self.replaced.canv
            return
        canvas = self.canv
        canvas._code.append(f"/P <</MCID {next_mcid(canvas)}>> BDC")
        if self.lines:
            canvas._code.extend(self.text_operators(canvas))
            self.draw_after_text()
        canvas._code.append("EMC")

    def baseline(self, index: int) -> float:
        """The baseline of line `index`, as Paragraph places it: the first a font size below the top."""
        return self.height - self.lines[0].size - index * self.style.leading

    def text_operators(self, canvas: Any) -> list[str]:
        """The operators that draw the label and every line, and the links of the lines on the canvas."""
        drawer, style, font = drawer_of(canvas), self.style, [None]
        code = ["q"]
        if self.label:  # a text object of its own, as Paragraph draws it: a reader tells it apart from the text
            x = style.bulletIndent - text_width(self.label, style.bulletFontName, style.bulletFontSize)
            code += ["BT", f"1 0 0 1 {fp_str(x, self.baseline(0))} Tm", colour_operator(style.bulletColor)]
            code += drawer.show([self.label], style.bulletFontName, style.bulletFontSize, font)
            code.append("ET")
            font[0] = None
        code.append("BT")
        colour = None
        for index, line in enumerate(self.lines):
            y = self.baseline(index)
            code.append(f"1 0 0 1 {fp_str(style.leftIndent, y)} Tm")
            word_space = self.word_space(line)
            if word_space:
                code.append(f"{fp_str(word_space)} Tw")
            runs = segments(line)
            if word_space or any(frag.link for frag, _ in runs):
                self.add_links(canvas, runs, y, word_space)
            for frag, parts in runs:
                if frag.textColor != colour:
                    colour = frag.textColor
                    code.append(colour_operator(colour))
                code += drawer.show(parts, frag.fontName, frag.fontSize, font)
            if word_space:
                code.append("0 Tw")
        code += ["ET", "Q"]
        return code

    def add_links(self, canvas: Any, runs: list[Segment], y: float, word_space: float) -> None:
        """A link annotation over each link's text on the line with baseline y, as Paragraph places it."""
        links: dict[str, list[float]] = {}
        x = self.style.leftIndent
        for frag, parts in runs:
            width = sum(text_width(part, frag.fontName, frag.fontSize) for part in parts)
            width += word_space * sum(part.count(" ") + part.count(NBSP) for part in parts)
            for _, url in frag.link:
                place = links.setdefault(url, [x, x, -0.2 * frag.fontSize, frag.fontSize])
                place[1] = x + width
                place[2], place[3] = min(place[2], -0.2 * frag.fontSize), max(place[3], frag.fontSize)
            x += width
        for url, (start, end, low, high) in links.items():
            canvas.linkURL(url, (start, y + low, end, y + high), relative=1, kind="URI")

    @staticmethod
    def word_space(line: Line) -> float:
        """The word spacing of a line that overruns its room (within the spaces' shrinkage), as Paragraph sets it."""
        overrun = line.width - line.room
        if overrun <= 1e-8:
            return 0.0
        spaces = len(line.words) - 1 + sum(text.count(NBSP) for word in line.words for _, text in word.pieces)
        return -overrun / spaces if spaces > 0 else 0.0

    def draw_after_text(self) -> None:
        """What a subclass draws over the text (an item's status badge)."""

    def text_end(self) -> tuple[float, float]:
        """Where the item's own text ends, (x, baseline), as Paragraph reckons it for the badge: on its first forced
        break or its last line, the line's room short of the paragraph's right edge."""
        index = next((i for i, line in enumerate(self.lines) if line.forced), len(self.lines) - 1)
        line = self.lines[index]
        return self.width - self.style.rightIndent - (line.room - line.width), self.baseline(index)
