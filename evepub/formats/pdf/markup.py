"""Escaping text for ReportLab's paragraph markup and the timeline's SVG, and a Paragraph that keeps its spaces.

The same as xml.sax.saxutils' escape and quoteattr, without importing xml.sax.saxutils: that module
imports urllib.request, and with it http, email and ssl, which cost a PDF build more than its fonts.
"""

from __future__ import annotations

import copy
import re
from typing import Any

from reportlab import platypus
from reportlab.lib.fonts import ps2tt, tt2ps
from reportlab.platypus.paraparser import ParaFrag

ATTRIBUTE_ENTITIES = {'"': "&quot;", "\n": "&#10;", "\r": "&#13;", "\t": "&#9;"}


def escape(text: str) -> str:
    """Text with &, < and > written as entities."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def quoteattr(text: str) -> str:
    """An attribute value in double quotes, with every character that could end or bend it escaped."""
    escaped = escape(text)
    for char, entity in ATTRIBUTE_ENTITIES.items():
        escaped = escaped.replace(char, entity)
    return f'"{escaped}"'


SOFT_HYPHEN = "\u00ad"
SPACE_BEFORE_BREAK_RE = re.compile(r" (?=[&<])")


def keep_spaces_before_breaks(markup: str) -> str:
    """Markup whose spaces before a tag or entity survive ReportLab's soft-hyphen handling.

    In a paragraph that holds a soft hyphen, ReportLab drops a space that ends the text before a tag or
    an entity ("co\u00adop &lt;work&gt;" prints "coop<work>"). The same space written as the character
    reference &#32; is kept. Paragraphs without a soft hyphen are left exactly as they were.
    """
    return SPACE_BEFORE_BREAK_RE.sub("&#32;", markup) if SOFT_HYPHEN in markup else markup


class Paragraph(platypus.Paragraph):
    """ReportLab's Paragraph, keeping every space of its markup (see keep_spaces_before_breaks), drawn as one
    marked-content sequence: its MCID, numbered on each page, tells a reader which lines are one paragraph."""

    def __init__(self, text: str | None, *args: Any, **kwargs: Any) -> None:
        super().__init__(keep_spaces_before_breaks(text) if isinstance(text, str) else text, *args, **kwargs)

    def draw(self) -> None:
        """Draw the paragraph between BDC and EMC."""
        canvas = self.canv
        canvas.addLiteral(f"/P <</MCID {next_mcid(canvas)}>> BDC")
        self.draw_marked()
        canvas.addLiteral("EMC")

    def draw_marked(self) -> None:
        """What the marked-content sequence holds: the paragraph's text."""
        super().draw()


def next_mcid(canvas: Any) -> int:
    """The next marked-content id of the canvas's current page: 0, 1, 2, ... on every page."""
    counts: dict[int, int] = canvas.__dict__.setdefault("_evepub_mcids", {})
    page = canvas.getPageNumber()
    counts[page] = counts.get(page, -1) + 1
    return counts[page]


# white space as Paragraph folds it, each run into one space: Python's, but for the no-break space
WHITESPACE_RE = re.compile("[\t\n\x0b\x0c\r\x1c-\x1f \x85\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+")


class Fragments:
    """A paragraph's text as ReportLab's fragments, made directly: source text is data, never parsed as markup.

    Each piece of text gets what ReportLab's markup parser would give it for the same text escaped in its
    face, size, colour and link; white space is folded as Paragraph folds its markup.
    """

    def __init__(self, style: Any) -> None:
        base = ParaFrag()
        base.rise, base.greek, base.link, base.us_lines = 0, 0, [], []
        base.fontName, base.bold, base.italic = _faces(style.fontName)
        base.fontSize, base.textColor = style.fontSize, style.textColor
        self.base = base
        self.base_style = style
        self.frags: list[ParaFrag] = []
        self.links = 0
        self.soft_hyphens = False

    def add(
        self, text: str, face: str | None = None, size: float | None = None, colour: Any = None, link: str = ""
    ) -> None:
        """Add text in a face (None: the style's), size and colour, as a link when `link` is given."""
        if not text.isprintable() or "  " in text:  # every space but " " is unprintable: else nothing to fold
            text = WHITESPACE_RE.sub(" ", text)
        if text[:1] == " " and (not self.frags or self.frags[-1].text.endswith(" ")):
            text = text[1:]  # the space before it already separates, or the paragraph starts here
        if not text:
            return
        frag = ParaFrag.__new__(ParaFrag)
        frag.__dict__.update(self.base.__dict__)  # as copy.copy does, without its generic protocol
        if face is not None:
            frag.fontName, frag.bold, frag.italic = _faces(face)
        if size is not None:
            frag.fontSize = size
        if colour is not None:
            frag.textColor = colour
        if link:
            frag.link = [(self.links, link)]
            self.links += 1
        frag.text = text
        self.soft_hyphens = self.soft_hyphens or SOFT_HYPHEN in text
        self.frags.append(frag)

    def line_break(self) -> None:
        """A forced line break, as <br/> gives."""
        frag = copy.copy(self.base)
        frag.lineBreak, frag.text = True, ""
        self.frags.append(frag)

    def done(self) -> list[ParaFrag]:
        """The fragments, without white space at the paragraph's end (Paragraph strips its markup)."""
        self._trim_end()
        if self.soft_hyphens:  # see keep_spaces_before_breaks: a space ending a fragment would be dropped
            self.frags = [part for frag in self.frags for part in _space_apart(frag)]
        return self.frags

    def _trim_end(self) -> None:
        while self.frags and not getattr(self.frags[-1], "lineBreak", False):
            last = self.frags[-1]
            last.text = last.text.rstrip(" ")
            if last.text:
                return
            self.frags.pop()


def _faces(face: str) -> tuple[str, int, int]:
    """(face, bold, italic) as the markup parser records a face: its family's flags, the face itself."""
    family, bold, italic = ps2tt(face)
    return tt2ps(family, bold, italic), bold, italic


def _space_apart(frag: ParaFrag) -> list[ParaFrag]:
    """A fragment that ends with a space as two: its text, and the space in a fragment of its own."""
    if len(frag.text) < 2 or not frag.text.endswith(" "):
        return [frag]
    space = copy.copy(frag)
    frag.text, space.text = frag.text[:-1], " "
    return [frag, space]
