"""Reader of published Word documents: paragraph styles, real list numbering and item-id bookmarks back to entries.

Paragraph roles come from style names (Title, Introduction, Heading 1, Heading 2, Note; list paragraphs by their
numbering; cover, table-of-contents, timeline, header and footer styles are skipped; any other style is a
paragraph). A list entry's depth is its w:ilvl and its style the w:numFmt of that level in the
numbering part; its number is counted as Word counts it (each w:num and level from its start, a level
restarting after a higher one). Lists nested deeper than Word's nine levels sit at level 8 and show their
depth by direct indentation, which gives it back. Item ids come from the `_evepub_<n>` bookmarks and the
custom XML part that maps them; links from the external hyperlink relationships of each paragraph. Runs in
the Item Details and Item Status character styles are an item's details, not its text: the Item Status run
is its status. The package is checked by `ooxml.check_package` before python-docx opens it.

python-docx's package reader gives the parts as they are stored; lxml parses the ones read, with the options
python-docx parses them with. (python-docx's Document would parse the body into its own element classes, which
are several times slower to walk, and serialising it for a plain copy and parsing that cost a fifth of reading.)
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from docx.opc.constants import CONTENT_TYPE as CT
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.exceptions import PackageNotFoundError
from docx.opc.packuri import PACKAGE_URI
from docx.opc.pkgreader import PackageReader
from docx.parts.styles import StylesPart
from lxml import etree

from evepub.formats.docx.contract import (
    DEEPEST_LEVEL,
    DETAILS_STYLE,
    FIRST_TEXT_INDENT,
    IDS_NAMESPACE,
    INDENT_STEP,
    INTRODUCTION_STYLE,
    ITEM_BOOKMARK,
    STATUS_STYLE,
    TIMELINE_HEADING_STYLE,
    TIMELINE_STYLE,
)
from evepub.formats.ooxml import R_NS, W_NS, check_package, unreadable
from evepub.model import INTRODUCTION, Entry, ListStyle, ReadBack

R_ID = f"{{{R_NS}}}id"
KINDS_BY_STYLE = {
    "title": "title", INTRODUCTION_STYLE.lower(): INTRODUCTION, "heading 1": "release", "heading 2": "area",
    "note": "note",
}  # fmt: skip
TIMELINE_STYLES = {TIMELINE_HEADING_STYLE.lower(), TIMELINE_STYLE.lower()}  # the timeline's heading and picture
SKIPPED_STYLES = {"subtitle", "edition", "toc heading", "header", "footer", *TIMELINE_STYLES}  # plus every "toc N"
STYLES_BY_FORMAT = {
    "bullet": ListStyle.BULLET,
    "decimal": ListStyle.DECIMAL,
    "decimalZero": ListStyle.DECIMAL,
    "lowerLetter": ListStyle.LOWER_ALPHA,
    "upperLetter": ListStyle.UPPER_ALPHA,
}
UNRECOVERABLE = ["owners, target dates, item notes"]  # shown in an item's details, not read back
RUN, HYPERLINK, TEXT = (f"{{{W_NS}}}{tag}" for tag in ("r", "hyperlink", "t"))
PROPERTIES, STYLE, NUMBERING, INDENT = (f"{{{W_NS}}}{tag}" for tag in ("pPr", "pStyle", "numPr", "ind"))
RUN_PROPERTIES, RUN_STYLE = f"{{{W_NS}}}rPr", f"{{{W_NS}}}rStyle"
LEVEL, NUMBER_ID, VAL = (f"{{{W_NS}}}{tag}" for tag in ("ilvl", "numId", "val"))
BOOKMARK_START, BOOKMARK_NAME = f"{{{W_NS}}}bookmarkStart", f"{{{W_NS}}}name"
RUN_CHARACTERS = {
    f"{{{W_NS}}}{tag}": text
    for tag, text in (("tab", "\t"), ("ptab", "\t"), ("br", "\n"), ("cr", "\n"), ("noBreakHyphen", "-"))
}
SAFE_PARSER = etree.XMLParser(resolve_entities=False, no_network=True)
PART_PARSER = etree.XMLParser(remove_blank_text=True, resolve_entities=False, no_network=True)  # as python-docx's


def w(tag: str) -> str:
    """The Clark name of a WordprocessingML tag or attribute."""
    return f"{{{W_NS}}}{tag}"


def read(path: Path) -> ReadBack:
    """Read a Word document written by evepub back into flat entries, with list numbers and links."""
    check_package(path, "Word document")
    try:
        return read_document(WordPackage.of(path))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError, etree.XMLSyntaxError) as error:
        raise unreadable(path, "Word document", error) from error


@dataclass(frozen=True)
class WordPackage:
    """What the reader reads of a Word package, as python-docx's package reader gives it: the main document part,
    the parts it relates to by type, and its external relationships (rId -> target)."""

    document: bytes
    related: dict[str, list[bytes]]
    external: dict[str, str]

    @classmethod
    def of(cls, source: Path | IO[bytes]) -> WordPackage:
        """The package of a file; ValueError when its main part is not a Word document, as python-docx says."""
        package = PackageReader.from_file(str(source) if isinstance(source, Path) else source)
        blobs = {partname: (content_type, blob) for partname, content_type, _, blob in package.iter_sparts()}
        relationships = list(package.iter_srels())
        main = [rel for origin, rel in relationships if origin == PACKAGE_URI and rel.reltype == RT.OFFICE_DOCUMENT]
        if not main or main[0].is_external:
            raise KeyError("the package has no main document part")
        content_type, document = blobs[main[0].target_partname]
        if content_type != CT.WML_DOCUMENT_MAIN:
            raise ValueError(f"not a Word file, content type is '{content_type}'")
        related: dict[str, list[bytes]] = {}
        external: dict[str, str] = {}
        for origin, rel in relationships:
            if origin != main[0].target_partname:
                continue
            if rel.is_external:
                external[rel.rId] = rel.target_ref
            elif rel.target_partname in blobs:
                related.setdefault(rel.reltype, []).append(blobs[rel.target_partname][1])
        return cls(document, related, external)

    def part(self, reltype: str) -> etree._Element | None:
        """The one part the document relates to by this type, parsed; None when there is none (ValueError when there
        are several, as python-docx says)."""
        blobs = self.related.get(reltype, [])
        if len(blobs) > 1:
            raise ValueError(f"multiple relationships of type '{reltype}'")
        return etree.fromstring(blobs[0], PART_PARSER) if blobs else None


def read_document(package: WordPackage) -> ReadBack:
    """The entries of a Word package, with list numbers, statuses and links."""
    styles = style_names(package)
    details = DetailStyles.of(styles)
    formats = ListFormats.of(package)
    ids = item_ids(package)
    targets = package.external
    entries, numbers, statuses, links = [], [], [], []
    for p in body_paragraphs(package):
        properties = first_grandchildren(p, PROPERTIES)
        numbering = numbering_of(properties)
        text, status = paragraph_texts(p, details.every, details.status)
        entry = to_entry(p, properties, text, numbering, styles, formats, ids)
        if entry is not None:
            entries.append(entry)
            numbers.append(formats.count(entry, numbering))
            statuses.append(status or None)
            links.append(paragraph_links(p, targets))
    unrecoverable = list(UNRECOVERABLE) if ids else ["item ids", *UNRECOVERABLE]
    return ReadBack(entries, unrecoverable, numbers=numbers, statuses=statuses, links=links)


@dataclass(frozen=True)
class DetailStyles:
    """The ids of the character styles of an item's details: every one of them, and the status's."""

    every: frozenset[str]
    status: frozenset[str]

    @classmethod
    def of(cls, styles: dict[str, str]) -> DetailStyles:
        """The detail styles among a document's styles (style id -> lower-case name)."""
        status = frozenset(style for style, name in styles.items() if name == STATUS_STYLE.lower())
        return cls(status | {style for style, name in styles.items() if name == DETAILS_STYLE.lower()}, status)


def to_entry(
    p: etree._Element,
    properties: dict[str, etree._Element],
    text: str,
    numbering: tuple[int, int],
    styles: dict[str, str],
    formats: ListFormats,
    ids: dict[str, str],
) -> Entry | None:
    """The entry of one paragraph, given its properties, text and numbering_of, or None for cover, contents and
    other furniture."""
    style_id = properties.get(STYLE)
    style = styles.get(style_id.get(VAL, "") if style_id is not None else "", "normal")
    item_id = _item_id(p, ids)
    level, num_id = numbering
    if num_id:
        return Entry("item", text, list_depth(properties, level), formats.style(num_id, level), item_id)
    if style in KINDS_BY_STYLE:
        kind = KINDS_BY_STYLE[style]
        return Entry(kind, text, 0, None, item_id if kind == "note" else None)
    if style in SKIPPED_STYLES or style.startswith("toc "):
        return None
    return Entry("paragraph", text, 0, None, item_id)


def first_grandchildren(element: etree._Element, tag: str) -> dict[str, etree._Element]:
    """The first grandchild of each tag under the children of one tag (a paragraph's properties, say), as
    element.find(f"{tag}/{grandchild}") finds it, in one pass (lxml's find walks a path in Python)."""
    found: dict[str, etree._Element] = {}
    for child in element.iterchildren(tag):
        for grandchild in child:
            found.setdefault(grandchild.tag, grandchild)
    return found


def first_grandchild(element: etree._Element, tag: str, grandchild: str) -> etree._Element | None:
    """The first grandchild of one tag under the children of another, as element.find(f"{tag}/{grandchild}")."""
    for child in element.iterchildren(tag):
        for found in child.iterchildren(grandchild):
            return found
    return None


def first_child(element: etree._Element, tag: str) -> etree._Element | None:
    """The first child of a tag, as element.find(tag) finds it."""
    return next(element.iterchildren(tag), None)


def numbering_of(properties: dict[str, etree._Element]) -> tuple[int, int]:
    """(w:ilvl, w:numId) of a paragraph's numbering, given its properties; numId 0 when it has none."""
    numbering = properties.get(NUMBERING)
    if numbering is None:
        return 0, 0
    return _int_val(first_child(numbering, LEVEL)), _int_val(first_child(numbering, NUMBER_ID))


def list_depth(properties: dict[str, etree._Element], level: int) -> int:
    """The nesting depth of a list paragraph: its level, or past Word's last level, its direct indentation."""
    indent = properties.get(INDENT)
    if level < DEEPEST_LEVEL or indent is None:
        return level
    try:
        left = int(indent.get(w("left")) or indent.get(w("start")) or "0")
    except ValueError:
        return level
    return max(level, round((left - FIRST_TEXT_INDENT) / INDENT_STEP))


def paragraph_links(p: etree._Element, targets: dict[str, str]) -> list[str]:
    """The targets of a paragraph's external hyperlinks, in order, each once."""
    found = (targets.get(link.get(R_ID, "")) for link in p.iter(HYPERLINK))
    return list(dict.fromkeys(target for target in found if target))


def paragraph_texts(p: etree._Element, skip: frozenset[str], status: frozenset[str]) -> tuple[str, str]:
    """The visible text of a paragraph's runs and hyperlinks, as python-docx's Paragraph.text gives it, less the
    runs in the character styles `skip`; and the text of just the runs in the styles `status`."""
    pieces: list[str] = []
    status_pieces: list[str] = []
    for child in p:
        runs = (child,) if child.tag == RUN else child.iterchildren(RUN) if child.tag == HYPERLINK else ()
        for r in runs:
            style = first_grandchild(r, RUN_PROPERTIES, RUN_STYLE)
            style_id = style.get(VAL, "") if style is not None else ""
            into = status_pieces if style_id in status else None if style_id in skip else pieces
            if into is None:
                continue
            for content in r:
                if content.tag == TEXT:
                    into.append(content.text or "")
                elif content.tag in RUN_CHARACTERS:
                    into.append(RUN_CHARACTERS[content.tag])
    return "".join(pieces), "".join(status_pieces)


def _int_val(element: etree._Element | None, default: int = 0) -> int:
    if element is None:
        return default
    value = element.get(VAL)
    if value is None:
        return default
    try:
        return int(value)
    except ValueError:
        return default


def _item_id(p: etree._Element, ids: dict[str, str]) -> str | None:
    for bookmark in p.iter(BOOKMARK_START):
        name = bookmark.get(BOOKMARK_NAME, "")
        if name.startswith(ITEM_BOOKMARK) and name in ids:
            return ids[name]
    return None


def body_paragraphs(package: WordPackage) -> Iterator[etree._Element]:
    """The body's paragraphs in order, looking inside content controls (Word wraps some TOCs in one)."""
    body = etree.fromstring(package.document, PART_PARSER).find(w("body"))
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


def style_names(package: WordPackage) -> dict[str, str]:
    """Paragraph style id -> lower-case style name, as the styles part defines them."""
    names = {}
    root = package.part(RT.STYLES)
    if root is None:  # python-docx gives a document without styles its default ones
        root = etree.fromstring(StylesPart._default_styles_xml(), PART_PARSER)
    for style in root.iter(w("style")):
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
    starts: dict[tuple[int, int], int] = field(default_factory=dict)  # (numId, level) -> w:startOverride
    abstract_starts: dict[tuple[int, int], int] = field(default_factory=dict)  # (abstractNumId, level) -> w:start
    counters: dict[int, list[int | None]] = field(default_factory=dict)  # numId -> last number shown per level

    @classmethod
    def of(cls, package: WordPackage) -> ListFormats:
        """The formats of a document's numbering part (empty when it has none)."""
        formats = cls({}, {}, {})
        root = package.part(RT.NUMBERING)
        if root is None:
            return formats
        for abstract in root.iter(w("abstractNum")):
            abstract_id = _int_attr(abstract, "abstractNumId")
            for level in abstract.iter(w("lvl")):
                key = (abstract_id, _int_attr(level, "ilvl"))
                formats.abstract_formats[key] = _number_format(level)
                formats.abstract_starts[key] = _int_val(level.find(w("start")), 1)
        for num in root.iter(w("num")):
            num_id = _int_attr(num, "numId")
            formats.abstract_of[num_id] = _int_val(num.find(w("abstractNumId")))
            for override in num.iter(w("lvlOverride")):
                key = (num_id, _int_attr(override, "ilvl"))
                level = override.find(w("lvl"))
                if level is not None:
                    formats.overrides[key] = _number_format(level)
                start = override.find(w("startOverride"))
                if start is not None:
                    formats.starts[key] = _int_val(start, 1)
        return formats

    def style(self, num_id: int, level: int) -> ListStyle:
        """The list style of a paragraph numbered (num_id, level); bullets when unknown."""
        number_format = self.overrides.get((num_id, level))
        if number_format is None:
            number_format = self.abstract_formats.get((self.abstract_of.get(num_id, -1), level), "bullet")
        return STYLES_BY_FORMAT.get(number_format, ListStyle.BULLET)

    def start(self, num_id: int, level: int) -> int:
        """The first number of a list level: its start override, else its abstract definition's start."""
        override = self.starts.get((num_id, level))
        if override is not None:
            return override
        return self.abstract_starts.get((self.abstract_of.get(num_id, -1), level), 1)

    def count(self, entry: Entry, numbering: tuple[int, int]) -> int:
        """The number Word shows on a list paragraph, given its numbering_of (0 for bullets and other
        paragraphs), counting it."""
        level, num_id = numbering
        if not num_id:
            return 0
        shown = self.counters.setdefault(num_id, [])
        del shown[level + 1 :]  # a level restarts after any higher level
        shown.extend([None] * (level + 1 - len(shown)))
        last = shown[level]
        number = self.start(num_id, level) if last is None else last + 1
        shown[level] = number
        return number if entry.style is not None and entry.style.numbered else 0


def _int_attr(element: etree._Element, name: str) -> int:
    return int(element.get(w(name), "0"))


def _number_format(level: etree._Element) -> str:
    number_format = level.find(w("numFmt"))
    return number_format.get(w("val"), "decimal") if number_format is not None else "decimal"


def item_ids(package: WordPackage) -> dict[str, str]:
    """Bookmark name -> item id, from the writer's custom XML part (empty when there is none)."""
    for blob in package.related.get(RT.CUSTOM_XML, []):
        try:
            root = etree.fromstring(blob, SAFE_PARSER)
        except etree.XMLSyntaxError:
            continue
        if root.tag == f"{{{IDS_NAMESPACE}}}items":
            return {entry.get("bookmark", ""): entry.get("id", "") for entry in root}
    return {}
