"""The Word body's paragraphs of items, headings, contents entries and the introduction written as
WordprocessingML text and parsed by lxml a batch at a time.

A roadmap has thousands of items and headings, each a paragraph of a dozen elements or more; made one SubElement at
a time they were the Word writer's largest cost. Written here as the text lxml would write for the same elements (the
same escaping, the same attribute order) and parsed by libxml2 in one call per batch, they become the same
elements, and the document the same bytes. Source text only ever goes in escaped, as text or attribute values.
"""

from __future__ import annotations

from lxml import etree

from evepub.formats.docx.wordml import BREAK_RE, xml_safe
from evepub.formats.ooxml import R_NS, W_NS
from evepub.formats.ooxml import xml_attribute as attribute
from evepub.formats.ooxml import xml_text as text

NAMESPACES = {"w": W_NS, "r": R_NS}  # the only prefixes the paragraphs use
DECLARED = "".join(f' xmlns:{prefix}="{uri}"' for prefix, uri in NAMESPACES.items())
WRAPPER = (f"<w:body{DECLARED}>", "</w:body>")  # the chunk's own namespace declarations
PARSER = etree.XMLParser(huge_tree=True, resolve_entities=False, no_network=True)  # an item's text may be long


def run(value: str, char_style: str | None = None) -> str:
    """A w:r holding the text literally, as wordml.run makes it (tabs w:tab, line ends w:br, U+FFFD if forbidden)."""
    pieces = [f'<w:rPr><w:rStyle w:val="{attribute(char_style)}"/></w:rPr>'] if char_style else []
    for piece in BREAK_RE.split(xml_safe(value)):
        if piece == "\t":
            pieces.append("<w:tab/>")
        elif piece in ("\r\n", "\r", "\n"):
            pieces.append("<w:br/>")
        elif piece:
            pieces.append(f'<w:t xml:space="preserve">{text(piece)}</w:t>')
    return f"<w:r>{''.join(pieces)}</w:r>" if pieces else "<w:r/>"


def external_link(relationship_id: str, content: str) -> str:
    """A w:hyperlink to an external relationship around its runs."""
    return f'<w:hyperlink r:id="{attribute(relationship_id)}" w:history="1">{content}</w:hyperlink>'


def anchor_link(anchor: str, content: str) -> str:
    """A w:hyperlink to a bookmark inside the document around its runs."""
    return f'<w:hyperlink w:anchor="{attribute(anchor)}" w:history="1">{content}</w:hyperlink>'


def field_begin(instruction: str) -> str:
    """The opening runs of a field whose result spans several paragraphs (a table of contents)."""
    code = f'<w:r><w:instrText xml:space="preserve"> {text(instruction)} </w:instrText></w:r>'
    return f'<w:r><w:fldChar w:fldCharType="begin"/></w:r>{code}<w:r><w:fldChar w:fldCharType="separate"/></w:r>'


def field_end() -> str:
    """The closing run of a field opened with field_begin."""
    return '<w:r><w:fldChar w:fldCharType="end"/></w:r>'


def bookmark_start(number: int, name: str) -> str:
    """A w:bookmarkStart."""
    return f'<w:bookmarkStart w:id="{number}" w:name="{attribute(name)}"/>'


def bookmark_end(number: int) -> str:
    """The w:bookmarkEnd of bookmark `number`."""
    return f'<w:bookmarkEnd w:id="{number}"/>'


def paragraph(style_id: str | None, properties: str, content: str) -> str:
    """A w:p with its w:pPr (the style first, then `properties`) and its content."""
    style = f'<w:pStyle w:val="{attribute(style_id)}"/>' if style_id else ""
    inner = style + properties
    return f"<w:p><w:pPr>{inner}</w:pPr>{content}</w:p>" if inner else f"<w:p><w:pPr/>{content}</w:p>"


class Paragraphs:
    """Paragraphs written as text, waiting in order to be parsed onto the end of a body chunk."""

    def __init__(self) -> None:
        self.pending: list[str] = []

    def add(self, paragraph_text: str) -> None:
        """Queue one paragraph."""
        self.pending.append(paragraph_text)

    def take(self) -> bytes:
        """The queued paragraphs as the bytes lxml would write for them, taken off the queue."""
        data = "".join(self.pending).encode("utf-8")
        self.pending.clear()
        return data

    def flush(self, chunk: etree._Element) -> None:
        """Parse the queued paragraphs and append them to chunk, before anything else is added to it."""
        if not self.pending:
            return
        data = "".join([WRAPPER[0], *self.pending, WRAPPER[1]]).encode("utf-8")
        self.pending.clear()
        chunk.extend(list(etree.fromstring(data, PARSER)))
