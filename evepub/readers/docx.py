"""Reader of published Word documents: paragraph styles, real list numbering and item-id bookmarks back to entries.

Paragraph roles come from style names (Title, Heading 1, Heading 2, Note; list paragraphs by their
numbering; cover, table-of-contents, header and footer styles are skipped; any other style is a
paragraph). A list entry's depth is its w:ilvl and its style the w:numFmt of that level in the
numbering part. Item ids come from the `_evepub_<n>` bookmarks and the custom XML part that maps them.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from docx import Document
from docx.document import Document as DocxDocument
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.exceptions import PackageNotFoundError
from lxml import etree

from evepub.errors import EvepubError
from evepub.model import Entry, ListStyle, ReadBack

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
IDS_NAMESPACE = "urn:evepub:docx:item-ids"  # the writer's custom XML part
ITEM_BOOKMARK = "_evepub_"
KINDS_BY_STYLE = {"title": "title", "heading 1": "release", "heading 2": "area", "note": "note"}
SKIPPED_STYLES = {"subtitle", "edition", "toc heading", "header", "footer"}  # plus every "toc N"
STYLES_BY_FORMAT = {
    "bullet": ListStyle.BULLET,
    "decimal": ListStyle.DECIMAL,
    "decimalZero": ListStyle.DECIMAL,
    "lowerLetter": ListStyle.LOWER_ALPHA,
    "upperLetter": ListStyle.UPPER_ALPHA,
}
UNRECOVERABLE = ["owner and target date", "item notes"]  # the Word output does not show them
RUN, HYPERLINK, TEXT = (f"{{{W_NS}}}{tag}" for tag in ("r", "hyperlink", "t"))
RUN_CHARACTERS = {
    f"{{{W_NS}}}{tag}": text
    for tag, text in (("tab", "\t"), ("ptab", "\t"), ("br", "\n"), ("cr", "\n"), ("noBreakHyphen", "-"))
}
SAFE_PARSER = etree.XMLParser(resolve_entities=False, no_network=True)


def w(tag: str) -> str:
    """The Clark name of a WordprocessingML tag or attribute."""
    return f"{{{W_NS}}}{tag}"


def read(path: Path) -> ReadBack:
    """Read a Word document written by evepub back into flat entries."""
    try:
        document = Document(str(path))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError, etree.XMLSyntaxError) as error:
        raise EvepubError(f"{path}: not a readable Word document: {error}") from error
    styles = style_names(document)
    formats = ListFormats.of(document)
    ids = item_ids(document)
    entries = []
    for p in body_paragraphs(document):
        entry = to_entry(p, styles, formats, ids)
        if entry is not None:
            entries.append(entry)
    return ReadBack(entries, list(UNRECOVERABLE) if ids else ["item ids", *UNRECOVERABLE])


def to_entry(p: etree._Element, styles: dict[str, str], formats: ListFormats, ids: dict[str, str]) -> Entry | None:
    """The entry of one paragraph, or None for cover, contents and other furniture."""
    properties = p.find(w("pPr"))
    style_id = properties.find(w("pStyle")) if properties is not None else None
    style = styles.get(style_id.get(w("val"), "") if style_id is not None else "", "normal")
    text = paragraph_text(p)
    item_id = _item_id(p, ids)
    numbering = properties.find(w("numPr")) if properties is not None else None
    if numbering is not None:
        level, num_id = _int_val(numbering.find(w("ilvl"))), _int_val(numbering.find(w("numId")))
        if num_id:
            return Entry("item", text, level, formats.style(num_id, level), item_id)
    if style in KINDS_BY_STYLE:
        kind = KINDS_BY_STYLE[style]
        return Entry(kind, text, 0, None, item_id if kind == "note" else None)
    if style in SKIPPED_STYLES or style.startswith("toc "):
        return None
    return Entry("paragraph", text, 0, None, item_id)


def paragraph_text(p: etree._Element) -> str:
    """The visible text of a paragraph's runs and hyperlinks, as python-docx's Paragraph.text gives it."""
    pieces = []
    for child in p:
        runs = [child] if child.tag == RUN else child.iterchildren(RUN) if child.tag == HYPERLINK else ()
        for r in runs:
            for content in r:
                if content.tag == TEXT:
                    pieces.append(content.text or "")
                elif content.tag in RUN_CHARACTERS:
                    pieces.append(RUN_CHARACTERS[content.tag])
    return "".join(pieces)


def _int_val(element: etree._Element | None) -> int:
    return int(element.get(w("val"), "0")) if element is not None else 0


def _item_id(p: etree._Element, ids: dict[str, str]) -> str | None:
    for bookmark in p.iter(w("bookmarkStart")):
        name = bookmark.get(w("name"), "")
        if name.startswith(ITEM_BOOKMARK) and name in ids:
            return ids[name]
    return None


def body_paragraphs(document: DocxDocument) -> Iterator[etree._Element]:
    """The body's paragraphs in order, looking inside content controls (Word wraps some TOCs in one)."""
    # A plain lxml copy of the body: walking python-docx's own element classes is several times slower.
    root = etree.fromstring(document.part.blob, SAFE_PARSER)
    body = root.find(w("body"))
    if body is not None:
        yield from _paragraphs_in(body)


def _paragraphs_in(parent: etree._Element) -> Iterator[etree._Element]:
    for child in parent:
        if child.tag == w("p"):
            yield child
        elif child.tag == w("sdt"):
            content = child.find(w("sdtContent"))
            if content is not None:
                yield from _paragraphs_in(content)


def style_names(document: DocxDocument) -> dict[str, str]:
    """Paragraph style id -> lower-case style name, as the styles part defines them."""
    names = {}
    for style in document.styles.element.iter(w("style")):
        name = style.find(w("name"))
        if name is not None:
            names[style.get(w("styleId"), "")] = name.get(w("val"), "").lower()
    return names


@dataclass
class ListFormats:
    """The numbering part: which marker style each (numId, level) shows."""

    abstract_of: dict[int, int]
    overrides: dict[tuple[int, int], str]  # (numId, level) -> numFmt from a w:lvlOverride/w:lvl
    abstract_formats: dict[tuple[int, int], str]  # (abstractNumId, level) -> numFmt

    @classmethod
    def of(cls, document: DocxDocument) -> ListFormats:
        """The formats of a document's numbering part (empty when it has none)."""
        try:
            root = document.part.numbering_part.element
        except (KeyError, NotImplementedError):
            return cls({}, {}, {})
        abstract_formats = {}
        for abstract in root.iter(w("abstractNum")):
            abstract_id = _int_attr(abstract, "abstractNumId")
            for level in abstract.iter(w("lvl")):
                abstract_formats[(abstract_id, _int_attr(level, "ilvl"))] = _number_format(level)
        abstract_of, overrides = {}, {}
        for num in root.iter(w("num")):
            num_id = _int_attr(num, "numId")
            abstract_of[num_id] = _int_val(num.find(w("abstractNumId")))
            for override in num.iter(w("lvlOverride")):
                level = override.find(w("lvl"))
                if level is not None:
                    overrides[(num_id, _int_attr(override, "ilvl"))] = _number_format(level)
        return cls(abstract_of, overrides, abstract_formats)

    def style(self, num_id: int, level: int) -> ListStyle:
        """The list style of a paragraph numbered (num_id, level); bullets when unknown."""
        number_format = self.overrides.get((num_id, level))
        if number_format is None:
            number_format = self.abstract_formats.get((self.abstract_of.get(num_id, -1), level), "bullet")
        return STYLES_BY_FORMAT.get(number_format, ListStyle.BULLET)


def _int_attr(element: etree._Element, name: str) -> int:
    return int(element.get(w(name), "0"))


def _number_format(level: etree._Element) -> str:
    number_format = level.find(w("numFmt"))
    return number_format.get(w("val"), "decimal") if number_format is not None else "decimal"


def item_ids(document: DocxDocument) -> dict[str, str]:
    """Bookmark name -> item id, from the writer's custom XML part (empty when there is none)."""
    for rel in document.part.rels.values():
        if rel.reltype != RT.CUSTOM_XML or rel.is_external:
            continue
        try:
            root = etree.fromstring(rel.target_part.blob, SAFE_PARSER)
        except etree.XMLSyntaxError:
            continue
        if root.tag == f"{{{IDS_NAMESPACE}}}items":
            return {entry.get("bookmark", ""): entry.get("id", "") for entry in root}
    return {}
