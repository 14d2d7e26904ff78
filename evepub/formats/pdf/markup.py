"""Escaping text for ReportLab's paragraph markup and the timeline's SVG, and a Paragraph that keeps its spaces.

The same as xml.sax.saxutils' escape and quoteattr, without importing xml.sax.saxutils: that module
imports urllib.request, and with it http, email and ssl, which cost a PDF build more than its fonts.
"""

from __future__ import annotations

import re
from typing import Any

from reportlab import platypus

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
