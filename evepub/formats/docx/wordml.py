"""WordprocessingML element builders on plain lxml: fast, and every piece of source text goes in as text."""

from __future__ import annotations

import re
from functools import cache

from lxml import etree

from evepub.formats.ooxml import W_NS, XML_SPACE
from evepub.model import URL_RE

# Characters that XML 1.0 cannot carry at all; they become U+FFFD REPLACEMENT CHARACTER (visible as �).
XML_FORBIDDEN_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
REPLACEMENT = "\ufffd"
BREAK_RE = re.compile(r"(\t|\r\n|\r|\n)")
URL_TRAILING = ".,;:!?"  # sentence punctuation after a URL is not part of it


@cache
def w(tag: str) -> str:
    """The Clark name of a WordprocessingML tag or attribute, e.g. w('p')."""
    return f"{{{W_NS}}}{tag}"


def xml_safe(text: str) -> str:
    """The text with every character that XML 1.0 forbids replaced by U+FFFD."""
    return XML_FORBIDDEN_RE.sub(REPLACEMENT, text)


def element(tag: str, **attributes: str) -> etree._Element:
    """A new stand-alone w:<tag> element (declaring the w prefix) with w:-namespaced attributes."""
    made = etree.Element(w(tag), nsmap={"w": W_NS})
    for name, value in attributes.items():
        made.set(w(name), value)
    return made


def sub(parent: etree._Element, tag: str, **attributes: str) -> etree._Element:
    """A new w:<tag> child of parent with w:-namespaced attributes."""
    if not attributes:
        return etree.SubElement(parent, w(tag))
    return etree.SubElement(parent, w(tag), {w(name): value for name, value in attributes.items()})


def paragraph(parent: etree._Element, style_id: str | None) -> tuple[etree._Element, etree._Element]:
    """A new w:p with its w:pPr (holding the style when given); returns (p, pPr)."""
    p = sub(parent, "p")
    properties = sub(p, "pPr")
    if style_id:
        sub(properties, "pStyle", val=style_id)
    return p, properties


def run(parent: etree._Element, text: str, char_style: str | None = None) -> etree._Element:
    """A w:r holding the text literally: tabs become w:tab, line ends w:br, forbidden characters U+FFFD."""
    r = sub(parent, "r")
    if char_style:
        sub(sub(r, "rPr"), "rStyle", val=char_style)
    for piece in BREAK_RE.split(xml_safe(text)):
        if piece == "\t":
            sub(r, "tab")
        elif piece in ("\r\n", "\r", "\n"):
            sub(r, "br")
        elif piece:
            t = sub(r, "t")
            t.set(XML_SPACE, "preserve")
            t.text = piece
    return r


def url_spans(text: str) -> list[tuple[str, bool]]:
    """The text cut into (piece, is_url) pieces that join back to it exactly."""
    pieces: list[tuple[str, bool]] = []
    position = 0
    for match in URL_RE.finditer(text):
        url = match.group(0).rstrip(URL_TRAILING)
        if not url.partition("://")[2]:
            continue
        if match.start() > position:
            pieces.append((text[position : match.start()], False))
        pieces.append((url, True))
        position = match.start() + len(url)
    if position < len(text) or not pieces:
        pieces.append((text[position:], False))
    return pieces


def field(parent: etree._Element, instruction: str, result: str, char_style: str | None = None) -> None:
    """A complex field (begin, instruction, separate, cached result, end) as runs of parent."""
    sub(sub(parent, "r"), "fldChar", fldCharType="begin")
    instr = sub(sub(parent, "r"), "instrText")
    instr.set(XML_SPACE, "preserve")
    instr.text = f" {instruction} "
    sub(sub(parent, "r"), "fldChar", fldCharType="separate")
    run(parent, result, char_style)
    sub(sub(parent, "r"), "fldChar", fldCharType="end")


def styled_run(
    p: etree._Element, text: str, ink: str | None = None, size: int | None = None, bold: bool = False
) -> None:
    """A run of literal text with direct formatting (run properties in schema order: b, color, sz)."""
    r = run(p, text)
    formatting: list[tuple[str, dict[str, str]]] = [("b", {})] if bold else []
    if ink:
        formatting.append(("color", {"val": ink}))
    if size:
        formatting += [("sz", {"val": str(size)}), ("szCs", {"val": str(size)})]
    if formatting:
        properties = sub(r, "rPr")
        r.insert(0, properties)  # w:rPr comes before the run's content
        for tag, attributes in formatting:
            sub(properties, tag, **attributes)


def ruled_table(body: etree._Element, widths: list[int], rule: str, cell_margin: int | None = None) -> etree._Element:
    """A table of a fixed grid with thin horizontal rules (top, bottom, between rows) in the colour `rule`."""
    table = sub(body, "tbl")
    properties = sub(table, "tblPr")
    sub(properties, "tblW", w=str(sum(widths)), type="dxa")
    borders = sub(properties, "tblBorders")
    for side in ("top", "bottom", "insideH"):
        sub(borders, side, val="single", sz="4", space="0", color=rule)
    sub(properties, "tblLayout", type="fixed")
    if cell_margin is not None:
        margins = sub(properties, "tblCellMar")
        for side in ("left", "right"):
            sub(margins, side, w=str(cell_margin), type="dxa")
    grid = sub(table, "tblGrid")
    for width in widths:
        sub(grid, "gridCol", w=str(width))
    return table
