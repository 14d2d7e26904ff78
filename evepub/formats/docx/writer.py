"""Writer of the roadmap as a Word document built on templates/reference.docx, whose styles restyle everything.

The document has a cover (Title, Subtitle, Edition, and a summary line in the Edition style: how many releases
and items), a table of contents (a real TOC field with pre-filled entries linking to heading bookmarks; the
entries have no page numbers, which only a layout can compute, and the document does not ask Word to update
fields on opening: an editor who wants page numbers updates the field), an overview table of item counts per
release and status (see docx_overview), then, when a release has a period, the release timeline: the PDF's
chart as a PNG picture under a Timeline Heading that the navigation pane and the contents list (see docx_timeline),
with `build --changes-since` a "Changes since" table (see docx_changes), releases as Heading 1,
areas as Heading 2, paragraphs, notes in the Note style and real Word lists (see docx_numbering).
URLs inside item text are clickable external hyperlinks; the footer carries PAGE / NUMPAGES fields.
An item's tracked fields follow its text in the same paragraph, in the smaller, muted Item Details
character style: " — status: done · owner: Jane Doe · target: 2025-03-31" (the status only when the text
does not already show it, in Item Status), then notes after a line break.
Every item carries a hidden bookmark `_evepub_<n>`; a custom XML part maps those bookmarks to item ids.
Headings, and every paragraph or list entry that owns a sub-list, keep with the next paragraph, so a list's parent
never ends a page while its sub-items start the next.
Lists nested deeper than Word's nine levels are clamped to level 9 (ilvl 8), indented by hand.
Characters that XML 1.0 forbids are written as U+FFFD. The output is deterministic.
The body is built, serialised and compressed a few hundred paragraphs at a time (see docx/stream.py), so that the
writer's memory does not grow with the roadmap as a whole tree of it would.
"""

from __future__ import annotations

import datetime as dt
import importlib
import io
import re
import uuid
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import TYPE_CHECKING, Any

from docx import Document
from docx.document import Document as DocxDocument
from docx.opc.constants import CONTENT_TYPE as CT
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.exceptions import PackageNotFoundError
from docx.opc.packuri import PackURI
from docx.opc.part import Part
from docx.opc.pkgwriter import PackageWriter
from docx.oxml.ns import nsmap as docx_namespaces
from docx.oxml.parser import parse_xml
from docx.oxml.shape import CT_Inline
from docx.parts.numbering import NumberingPart
from docx.shared import Emu, Twips
from lxml import etree

from evepub.errors import EvepubError
from evepub.formats.changes import change_texts
from evepub.formats.docx import paragraph_text as as_text
from evepub.formats.docx.changes import add_changes
from evepub.formats.docx.contract import (
    DETAILS_STYLE,
    IDS_NAMESPACE,
    INTRODUCTION_STYLE,
    ITEM_BOOKMARK,
    STATUS_STYLE,
    TIMELINE_HEADING_STYLE,
    TIMELINE_STYLE,
    hidden_status,
)
from evepub.formats.docx.numbering import DEEPEST_LEVEL, MARKER_WIDTH, Numbering, text_indent
from evepub.formats.docx.overview import SMALL, add_overview
from evepub.formats.docx.reference import EXTRA_STYLES, MUTED, STYLES
from evepub.formats.docx.stream import XmlStream
from evepub.formats.docx.wordml import (
    field,
    paragraph,
    run,
    styled_run,
    sub,
    url_spans,
    w,
    xml_safe,
)
from evepub.formats.ooxml import R_NS, W_NS, StreamedPart, pack_streamed
from evepub.formats.overview import ReleaseCount, count_items
from evepub.formats.settings import BuildSettings
from evepub.model import Block, Item, ItemKind, ItemList, Roadmap
from evepub.templating import Templates

if TYPE_CHECKING:
    from evepub.formats.docx.picture_cache import Picture

PROPERTY_LIMIT = 255  # characters in a core document property (title, keywords, ...)
OUTPUT = "roadmap.docx"
PROPERTIES_TEMPLATE = "docx/properties.j2"
PAGE_SIZES = {"A4": (11906, 16838), "Letter": (12240, 15840)}  # twips, portrait
TOC_INSTRUCTION = 'TOC \\o "1-2" \\h \\z \\u'
IDS_ITEM_ID = "{" + str(uuid.uuid5(uuid.NAMESPACE_URL, IDS_NAMESPACE)).upper() + "}"
PAGE_MARK, PAGES_MARK = "\ue000", "\ue001"  # stand-ins for the fields in the page_footer wording
STATUS_MARK = "\ue002"  # stand-in for the status in its detail wording, which goes in a run of its own
DETAILS_OPEN, DETAILS_SEPARATOR = " — ", " · "  # before an item's details, and between two of them
TIMELINE_BOOKMARK = "_TocTimeline"  # the timeline heading's, which its contents entry links to
# points of the text height a timeline picture leaves free: under every one, room for the note after the last;
# above the first, for the Timeline heading, which keeps with it (as the PDF keeps)
TIMELINE_NOTE_ROOM, TIMELINE_HEADING_ROOM = 24, 56
TWIPS_PER_POINT, EMU_PER_POINT = 20, 12700
DRAWING_NAMESPACES = {prefix: docx_namespaces[prefix] for prefix in ("wp", "a", "pic")}  # of an inline picture
MEDIA_FOLDER = "word/media/"  # where python-docx puts a document's pictures
CHUNK_PARAGRAPHS = 500  # built as one tree before they are serialised, compressed and dropped
# The role of each paragraph -> the style name (as Word writes it) looked up in the reference document.
STYLE_NAMES = {
    "title": "Title",
    "subtitle": "Subtitle",
    "edition": "Edition",
    "release": "heading 1",
    "area": "heading 2",
    "toc_heading": "TOC Heading",
    "toc1": "toc 1",
    "toc2": "toc 2",
    "paragraph": "Normal",
    "note": "Note",
    "list": "List Paragraph",
    "link": "Hyperlink",
    "details": DETAILS_STYLE,
    "status": STATUS_STYLE,
    "header": "header",
    "footer": "footer",
}


def prepare(templates: Templates) -> None:
    """What needs no roadmap, done in a render process while the build loads the source: compile the properties'
    macros, import the timeline's picture cache (with ReportLab and PIL, which name its entries) and find the fonts."""
    importlib.import_module("evepub.formats.docx.picture_cache")
    from evepub.formats.font_files import find_faces

    docx_properties(templates)
    find_faces()


def write(roadmap: Roadmap, settings: BuildSettings) -> dict[str, bytes]:
    """Render the roadmap as roadmap.docx."""
    document = reference_document(settings.templates)
    wording = settings.templates.wording()
    properties = docx_properties(settings.templates)
    styles = resolve_styles(document)
    text_width = set_page_size(document, settings.page_size)
    body = Body(document, styles, Numbering(numbering_root(document)), wording, properties, text_width)
    body.build(roadmap, settings)
    set_header_footer(document, styles, str(wording.document_title(roadmap)), wording)
    no_field_update_prompt(document)
    set_core_properties(document, roadmap, settings, wording, properties)
    add_item_ids(document, body.item_ids)
    return {OUTPUT: package(document, body, settings.timestamp)}


def package(document: DocxDocument, body: Body, timestamp: dt.datetime) -> bytes:
    """The .docx: every part as python-docx saves it, but the document part as streamed and the timeline pictures
    compressed before, packed deterministically."""
    body.stream.close()
    entries = {name: body.packed(name, data) for name, data in saved_parts(document).items()}
    entries[document.part.partname.membername] = body.part.close()
    return pack_streamed(entries, timestamp)


class _PartCollector:
    """Where python-docx's package writer puts each part: kept by its zip member name rather than zipped."""

    def __init__(self) -> None:
        self.parts: dict[str, bytes] = {}

    def write(self, name: PackURI, blob: bytes) -> None:
        """Keep one part."""
        self.parts[name.membername] = blob


def saved_parts(document: DocxDocument) -> dict[str, bytes]:
    """Every part of the document as Document.save writes it (its document part holds only the body's markers and
    section properties), by member name: the steps of python-docx's PackageWriter.write without its zip, which
    deflates each part at level 6 only for pack_streamed to inflate and deflate it again (0.3 s at 400 releases)."""
    package = document.part.package
    for part in package.parts:
        part.before_marshal()
    collector = _PartCollector()
    PackageWriter._write_content_types_stream(collector, package.parts)
    PackageWriter._write_pkg_rels(collector, package.rels)
    PackageWriter._write_parts(collector, package.parts)
    return collector.parts


def reference_document(templates: Templates) -> DocxDocument:
    """A new document from the template folder's reference.docx, whose styles and page set-up it takes."""
    path = templates.asset("reference.docx")
    try:
        return Document(str(path))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError, etree.XMLSyntaxError) as error:
        raise EvepubError(f"{path}: not a Word document that evepub can start from ({error})") from None


def docx_properties(templates: Templates) -> Any:
    """The macros of docx/properties.j2: author, keywords, category and comments of the document."""
    return templates.macros(PROPERTIES_TEMPLATE)


@dataclass(frozen=True)
class Heading:
    """A release or area heading with the bookmark its table-of-contents entry links to."""

    level: int  # 1 for releases, 2 for areas
    text: str
    bookmark: str


@dataclass
class Body:
    """Builds the document body with lxml in one pass (python-docx's is quadratic), streamed a chunk at a time."""

    document: DocxDocument
    styles: dict[str, str]
    numbering: Numbering
    wording: Any
    properties: Any  # the macros of docx/properties.j2
    text_width: int
    item_ids: list[str] = dataclass_field(default_factory=list)
    bookmarks: int = 0
    link_ids: dict[str, str] = dataclass_field(default_factory=dict)
    pending: int = 0  # paragraphs begun since the last chunk was streamed
    picture_parts: dict[bytes, bytes] = dataclass_field(default_factory=dict)  # each timeline PNG's compressed part

    def __post_init__(self) -> None:
        # Paragraphs are built in a plain lxml tree (python-docx's element classes make each new
        # element several times slower) and moved into the document body a chunk at a time (see docx/stream.py).
        self.element = etree.Element(w("body"), nsmap={"w": W_NS, "r": R_NS})
        self.paragraphs = as_text.Paragraphs()  # item paragraphs written as text, parsed onto the chunk in batches
        self.part = StreamedPart()  # word/document.xml, compressed as the body is built
        self.stream = XmlStream(self.document.element, emptied_body(self.document), self.part)
        rel_numbers = [int(rid[3:]) for rid in self.document.part.rels if re.fullmatch(r"rId\d+", rid)]
        self.next_rel = 1 + max(rel_numbers, default=0)

    def build(self, roadmap: Roadmap, settings: BuildSettings) -> None:
        """Cover, table of contents, overview and timeline, then every release in order."""
        counts = count_items(roadmap)
        pictures = self.timeline_pictures(roadmap, settings)
        if pictures:  # declared on the document element with the first chunk, as Word does
            self.stream.top_namespaces = DRAWING_NAMESPACES
        self.cover(roadmap, settings, counts)
        headings = list(self.headings(roadmap))
        timeline_heading = Heading(1, str(self.wording.timeline_title()), TIMELINE_BOOKMARK)
        self.table_of_contents([timeline_heading, *headings] if pictures else headings)
        add_overview(self.element, roadmap, counts, self.wording, self.styles, self.text_width)
        if pictures:
            self.timeline(timeline_heading, pictures, roadmap)
        if settings.changes is not None:
            add_changes(self.element, change_texts(settings.changes, settings.templates), self.styles, self.text_width)
        self.introduction(roadmap)
        pending = iter(headings)
        for index, release in enumerate(roadmap.releases):
            self.spill()
            self.heading(next(pending), "release", page_break=index == 0)
            self.blocks(release.blocks)
            for area in release.areas:
                self.spill()
                self.heading(next(pending), "area")
                self.blocks(area.blocks)
        self.numbering.finish()
        self.write_chunk()

    def spill(self) -> None:
        """Before a paragraph of the contents or the releases: stream the paragraphs built so far once they make
        a chunk. The picture's namespaces are declared on the document element with the first chunk."""
        self.pending += 1
        if self.pending >= CHUNK_PARAGRAPHS:
            self.write_chunk()
            self.pending = 0

    def write_chunk(self) -> None:
        """Stream the chunk's elements, then the paragraphs queued as text after them: as they are, once the stream
        takes text (after the first chunk), else parsed onto the chunk first."""
        if self.stream.takes_text(as_text.NAMESPACES):
            self.stream.write(self.element)
            self.stream.write_text(self.paragraphs.take())  # the text lxml would write for them
        else:
            self.paragraphs.flush(self.element)
            self.stream.write(self.element)

    def headings(self, roadmap: Roadmap) -> Iterator[Heading]:
        """Every heading in document order, with the Word-style _Toc bookmark of each."""
        count = 0
        for release in roadmap.releases:
            count += 1
            yield Heading(1, str(self.wording.release_heading(release)), f"_Toc{count:08d}")
            for area in release.areas:
                count += 1
                yield Heading(2, str(self.wording.area_heading(area)), f"_Toc{count:08d}")

    def introduction(self, roadmap: Roadmap) -> None:
        """The introduction on a page of its own: its title (in the skipped TOC Heading style), then its paragraphs."""
        if not roadmap.introduction:
            return
        p, properties = paragraph(self.element, self.styles["toc_heading"])
        sub(properties, "pageBreakBefore")
        run(p, str(self.wording.introduction_title()))
        style = extra_style(self.document, INTRODUCTION_STYLE)
        for text in roadmap.introduction:
            self.paragraphs.add(as_text.paragraph(style, "", self.linked_runs(text)))
        self.paragraphs.flush(self.element)

    def cover(self, roadmap: Roadmap, settings: BuildSettings, counts: list[ReleaseCount]) -> None:
        """Title, subtitle, edition line and summary (how many releases and items) on the first page."""
        for role, text in (
            ("title", self.wording.document_title(roadmap)),
            ("subtitle", self.wording.subtitle(roadmap)),
            ("edition", self.wording.edition(settings.edition, roadmap.version)),
        ):
            p, _ = paragraph(self.element, self.styles[role])
            run(p, str(text))
        p, properties = paragraph(self.element, self.styles["edition"])
        sub(properties, "spacing", before="60", after="0")
        run(p, str(self.wording.document_summary(len(roadmap.releases), sum(count.items for count in counts))))

    def table_of_contents(self, headings: list[Heading]) -> None:
        """A TOC field whose cached result already lists every heading, linked to its bookmark."""
        if not headings:
            return
        p, properties = paragraph(self.element, self.styles["toc_heading"])
        sub(properties, "pageBreakBefore")
        run(p, str(self.wording.toc_title()))
        tabs = f'<w:tabs><w:tab w:val="right" w:leader="dot" w:pos="{self.text_width}"/></w:tabs>'
        for index, heading in enumerate(headings):
            self.spill()  # hundreds of entries for a roadmap of many releases
            begin = as_text.field_begin(TOC_INSTRUCTION) if index == 0 else ""
            end = as_text.field_end() if index == len(headings) - 1 else ""
            entry = as_text.anchor_link(heading.bookmark, as_text.run(heading.text))  # Word adds the page numbers
            self.paragraphs.add(as_text.paragraph(self.styles[f"toc{heading.level}"], tabs, begin + entry + end))
        self.paragraphs.flush(self.element)

    def packed(self, name: str, data: bytes) -> bytes | StreamedPart:
        """A part of the package as pack_streamed takes it: a timeline picture as its compressed part, made once."""
        made = self.picture_parts.get(data) if name.startswith(MEDIA_FOLDER) else None
        return StreamedPart.compressed_before(data, made) if made else data

    def timeline_pictures(self, roadmap: Roadmap, settings: BuildSettings) -> list[Picture]:
        """The release timeline as pictures, one a part; none, without loading ReportLab, when no release has a
        period."""
        if not any(release.start and release.end for release in roadmap.releases):
            return []
        from evepub.formats.docx.picture_cache import Labels, cached_pictures, keep_pictures, picture_key

        size = (self.text_width / TWIPS_PER_POINT, text_height(self.document) / TWIPS_PER_POINT - TIMELINE_NOTE_ROOM)
        later, edition = str(self.properties.timeline_later()), str(self.properties.timeline_edition())
        labels = Labels(later, str(self.wording.no_period()), edition)
        key = picture_key(roadmap.releases, size, labels, settings.edition, TIMELINE_HEADING_ROOM)
        pictures = cached_pictures(key)
        if pictures is None:
            from evepub.formats.docx.timeline import timeline_pictures  # ReportLab: only drawing the chart needs it

            drawn = timeline_pictures(roadmap.releases, size, labels, settings.edition, TIMELINE_HEADING_ROOM)
            pictures = [picture.with_part() for picture in drawn]
            keep_pictures(key, pictures)
        self.picture_parts = {picture.png: picture.part for picture in pictures}
        return pictures

    def timeline(self, heading: Heading, pictures: list[Picture], roadmap: Roadmap) -> None:
        """The timeline after the overview: its heading, its pictures (a part a page), and a note when a release has
        no period."""
        self.styles["timeline_heading"] = extra_style(self.document, TIMELINE_HEADING_STYLE)
        self.heading(heading, "timeline_heading")
        self.paragraphs.flush(self.element)  # before the pictures' paragraphs
        undated = any(release.start is None for release in roadmap.releases)
        for number, picture in enumerate(pictures, start=1):
            p, properties = paragraph(self.element, extra_style(self.document, TIMELINE_STYLE))
            if undated and number == len(pictures):
                sub(properties, "keepNext")  # with its note
            sub(sub(p, "r"), "drawing").append(self.inline_picture(picture))
        if undated:
            p, properties = paragraph(self.element, self.styles["edition"])  # a style the reader skips, as a caption
            sub(properties, "spacing", before="60", after="0")
            styled_run(p, str(self.properties.timeline_note()), ink=MUTED, size=SMALL)

    def inline_picture(self, picture: Picture) -> etree._Element:
        """The PNG as python-docx's inline picture at its size on the page, with its description as alt text."""
        part = self.document.part
        image = part.package.get_or_add_image_part(io.BytesIO(picture.png))
        rid = self.new_relationship_id()
        part.rels.add_relationship(RT.IMAGE, image, rid)
        width, height = (Emu(round(points * EMU_PER_POINT)) for points in (picture.width, picture.height))
        inline = CT_Inline.new_pic_inline(part.next_id, rid, image.filename, width, height)
        for side in ("distT", "distB", "distL", "distR"):  # as Word writes it: else LibreOffice adds 9 pt each side
            inline.set(side, "0")
        inline.docPr.set("descr", xml_safe(str(self.properties.timeline_description(picture.periods))))
        return inline

    def heading(self, heading: Heading, role: str, page_break: bool = False) -> None:
        """A release (Heading 1), area (Heading 2) or the timeline's heading, carrying its contents bookmark; queued
        as text with the blocks after it (the caller flushes the queue before adding any element itself)."""
        # keepNext is also in the reference's heading styles; direct, so any reference keeps it
        properties = "<w:keepNext/><w:pageBreakBefore/>" if page_break else "<w:keepNext/>"
        number = self.new_bookmark()
        content = as_text.bookmark_start(number, heading.bookmark) + as_text.run(heading.text)
        self.paragraphs.add(as_text.paragraph(self.styles[role], properties, content + as_text.bookmark_end(number)))

    def blocks(self, blocks: list[Block]) -> None:
        """Paragraphs and notes with the lists they own, and free-standing lists (written as text, parsed in
        batches: docx/paragraph_text.py)."""
        for block in blocks:
            self.spill()
            if isinstance(block, ItemList):
                self.lists([block], 0)
                continue
            role = "note" if block.kind is ItemKind.NOTE else "paragraph"
            keep = "<w:keepNext/>" if owns_items(block) else ""
            self.paragraphs.add(as_text.paragraph(self.styles[role], keep, self.item_text(block)))
            self.lists(block.children, 0)

    def lists(self, lists: list[ItemList], depth: int) -> None:
        """Each list as a fresh numbering instance (so it restarts), its items at level `depth`."""
        level = min(depth, DEEPEST_LEVEL)
        for item_list in lists:
            num_id = str(self.numbering.new_list(item_list.style, depth, item_list.start))
            numbering = f'<w:numPr><w:ilvl w:val="{level}"/><w:numId w:val="{num_id}"/></w:numPr>'
            if depth > DEEPEST_LEVEL:  # past Word's last level: indent by hand so it still looks nested
                numbering += f'<w:ind w:left="{text_indent(depth)}" w:hanging="{MARKER_WIDTH}"/>'
            for item in item_list.items:
                self.spill()
                keep = "<w:keepNext/>" if owns_items(item) else ""  # with its first sub-item, before w:numPr
                self.paragraphs.add(as_text.paragraph(self.styles["list"], keep + numbering, self.item_text(item)))
                self.lists(item.children, depth + 1)

    def item_text(self, item: Item) -> str:
        """The item's text as runs (URLs as hyperlinks) inside its id bookmark, then its details."""
        self.item_ids.append(item.id)
        number = self.new_bookmark()
        pieces = [as_text.bookmark_start(number, f"{ITEM_BOOKMARK}{len(self.item_ids)}"), self.linked_runs(item.text)]
        pieces.append(as_text.bookmark_end(number))
        pieces += [as_text.run(text, self.styles[role]) for text, role in self.details(item)]
        return "".join(pieces)

    def linked_runs(self, text: str) -> str:
        """A text as runs, its URLs as hyperlinks."""
        link_style = self.styles["link"]
        return "".join(
            as_text.external_link(self.link_id(piece), as_text.run(piece, link_style)) if is_url else as_text.run(piece)
            for piece, is_url in url_spans(text)
        )

    def details(self, item: Item) -> list[tuple[str, str]]:
        """The runs, (text, style role), of the tracked fields after an item's text; notes after a line break."""
        pieces: list[tuple[str, str]] = []
        for runs in self.fields(item):
            pieces += [(DETAILS_SEPARATOR if pieces else DETAILS_OPEN if item.text else "", "details"), *runs]
        if item.notes:
            line_break = "\n" if item.text or pieces else ""
            pieces.append((line_break + str(self.wording.detail("notes", item.notes)), "details"))
        return joined_runs(pieces)

    def fields(self, item: Item) -> list[list[tuple[str, str]]]:
        """Status (unless the text shows it), owner and target date, each as its runs (text, style role)."""
        found = []
        status = hidden_status(item)
        if status is not None:
            label, _, after = str(self.wording.detail("status", STATUS_MARK)).partition(STATUS_MARK)
            found.append([(label, "details"), (str(self.wording.status_label(status)), "status"), (after, "details")])
        if item.owner:
            found.append([(str(self.wording.detail("owner", item.owner)), "details")])
        if item.target:
            found.append([(str(self.wording.detail("target", self.wording.detail_date(item.target))), "details")])
        return found

    def link_id(self, url: str) -> str:
        """The relationship id of an external hyperlink, one per distinct URL."""
        if url not in self.link_ids:
            rid = self.new_relationship_id()
            self.document.part.rels.add_relationship(RT.HYPERLINK, xml_safe(url), rid, is_external=True)
            self.link_ids[url] = rid
        return self.link_ids[url]

    def new_relationship_id(self) -> str:
        """A fresh relationship id of the document part (python-docx's own would reuse a gap)."""
        rid = f"rId{self.next_rel}"
        self.next_rel += 1
        return rid

    def new_bookmark(self) -> int:
        """A fresh w:id for a bookmark."""
        self.bookmarks += 1
        return self.bookmarks


def emptied_body(document: DocxDocument) -> etree._Element:
    """The reference's w:body with nothing left in it but its section properties."""
    body = document.element.body
    section = body.find(w("sectPr"))
    del body[:]
    if section is not None:
        body.append(section)
    return body


def owns_items(item: Item) -> bool:
    """Whether an item has sub-items, which its paragraph keeps with."""
    return any(child.items for child in item.children)


def joined_runs(pieces: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Pieces of (text, style role) with the empty ones left out and neighbours of the same role joined."""
    runs: list[tuple[str, str]] = []
    for text, role in pieces:
        if runs and runs[-1][1] == role:
            runs[-1] = (runs[-1][0] + text, role)
        elif text:
            runs.append((text, role))
    return runs


def resolve_styles(document: DocxDocument) -> dict[str, str]:
    """The style id of every role, looked up by name once; a style the reference lacks is added from ours."""
    root = document.styles.element
    by_name = style_ids_by_name(root)
    return {role: style_id(root, by_name, name) for role, name in STYLE_NAMES.items()}


def style_ids_by_name(root: etree._Element) -> dict[str, str]:
    """The id of every style of a styles part, by its name in lower case (the first of a name wins)."""
    by_name: dict[str, str] = {}
    for style in root.iter(w("style")):
        name = style.find(w("name"))
        if name is not None:
            by_name.setdefault(name.get(w("val"), "").lower(), style.get(w("styleId")))
    return by_name


def style_id(root: etree._Element, by_name: dict[str, str], name: str) -> str:
    """The id of the style named `name`, added from ours when the document lacks it."""
    if name.lower() not in by_name:
        definition = STYLES.get(name) or EXTRA_STYLES[name]
        added = parse_xml(f'<w:styles xmlns:w="{W_NS}">{definition}</w:styles>')[0]
        root.append(added)
        by_name[name.lower()] = added.get(w("styleId"))
    return by_name[name.lower()]


def extra_style(document: DocxDocument, name: str) -> str:
    """The id of a style only some documents use (Introduction, Timeline, ...), added only once one needs it."""
    root = document.styles.element
    return style_id(root, style_ids_by_name(root), name)


def numbering_root(document: DocxDocument) -> etree._Element:
    """The w:numbering element, creating the numbering part when the reference has none."""
    part = document.part
    try:
        return part.part_related_by(RT.NUMBERING).element
    except KeyError:
        element = parse_xml(f'<w:numbering xmlns:w="{W_NS}"/>')
        numbering = NumberingPart(PackURI("/word/numbering.xml"), CT.WML_NUMBERING, element, part.package)
        part.relate_to(numbering, RT.NUMBERING)
        return element


def set_page_size(document: DocxDocument, page_size: str) -> int:
    """Apply the page size, keeping the reference's margins; returns the text width in twips."""
    if page_size not in PAGE_SIZES:
        raise EvepubError(f"unknown page size {page_size!r}: expected one of {', '.join(PAGE_SIZES)}")
    width, height = PAGE_SIZES[page_size]
    section = document.sections[0]
    section.page_width, section.page_height = Twips(width), Twips(height)
    margins = (section.left_margin or Twips(0)).twips + (section.right_margin or Twips(0)).twips
    return width - margins


def text_height(document: DocxDocument) -> int:
    """The height of the page less its top and bottom margins, in twips."""
    section = document.sections[0]
    margins = (section.top_margin or Twips(0)).twips + (section.bottom_margin or Twips(0)).twips
    return (section.page_height or Twips(PAGE_SIZES["A4"][1])).twips - margins


def set_header_footer(document: DocxDocument, styles: dict[str, str], title: str, wording: Any) -> None:
    """Header: the document title. Footer: the page_footer wording with PAGE and NUMPAGES fields."""
    section = document.sections[0]
    header = _emptied(section.header.part.element)
    p, _ = paragraph(header, styles["header"])
    run(p, title)
    footer = _emptied(section.footer.part.element)
    p, _ = paragraph(footer, styles["footer"])
    text = str(wording.page_footer(PAGE_MARK, PAGES_MARK))
    for piece in re.split(f"({PAGE_MARK}|{PAGES_MARK})", text):
        if piece == PAGE_MARK:
            field(p, "PAGE", "1")
        elif piece == PAGES_MARK:
            field(p, "NUMPAGES", "1")
        elif piece:
            run(p, piece)


def _emptied(element: etree._Element) -> etree._Element:
    for child in list(element):
        element.remove(child)
    return element


def no_field_update_prompt(document: DocxDocument) -> None:
    """Remove w:updateFields from the settings, so that Word does not ask to update fields on every opening.

    The contents' entries are written out (text and links); their page numbers need a layout evepub does not
    compute, so the document does not pretend to have them, nor asks for them.
    """
    settings = document.settings.element
    for update in settings.findall(w("updateFields")):
        settings.remove(update)


def set_core_properties(
    document: DocxDocument, roadmap: Roadmap, settings: BuildSettings, wording: Any, properties: Any
) -> None:
    """Title, subject, author, keywords and dates, all derived from the roadmap and settings."""
    core = document.core_properties
    moment = settings.timestamp
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC).replace(tzinfo=None)
    author = property_text(properties.author(roadmap))
    core.title = property_text(wording.document_title(roadmap))
    core.subject = property_text(wording.subtitle(roadmap))
    core.author = author
    core.last_modified_by = author
    core.keywords = property_text(properties.keywords(roadmap))
    core.category = property_text(properties.category())
    core.comments = property_text(properties.comments(roadmap))
    if roadmap.version:
        core.version = property_text(roadmap.version)
    core.revision = 1
    core.created = moment
    core.modified = moment


def property_text(value: object) -> str:
    """A document property: XML-safe, and cut to the 255 characters Word allows (the body keeps every word)."""
    text = xml_safe(str(value))
    return text if len(text) <= PROPERTY_LIMIT else text[: PROPERTY_LIMIT - 1] + "…"


def add_item_ids(document: DocxDocument, item_ids: list[str]) -> None:
    """A custom XML part mapping each `_evepub_<n>` bookmark to its item id (Word keeps such parts)."""
    package = document.part.package
    items = Part(package.next_partname("/customXml/item%d.xml"), CT.XML, item_ids_xml(item_ids), package)
    item_props = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<ds:datastoreItem ds:itemID="{IDS_ITEM_ID}" '
        'xmlns:ds="http://schemas.openxmlformats.org/officeDocument/2006/customXml">'
        f'<ds:schemaRefs><ds:schemaRef ds:uri="{IDS_NAMESPACE}"/></ds:schemaRefs></ds:datastoreItem>'
    )
    props_name = package.next_partname("/customXml/itemProps%d.xml")
    props = Part(props_name, CT.OFC_CUSTOM_XML_PROPERTIES, item_props.encode("utf-8"), package)
    items.relate_to(props, RT.CUSTOM_XML_PROPS)
    document.part.relate_to(items, RT.CUSTOM_XML)


def item_ids_xml(item_ids: list[str]) -> bytes:
    """The item ids part, <items><item bookmark="_evepub_1" id="..."/>...</items>, written as lxml writes it."""
    head = f"<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n<items xmlns=\"{IDS_NAMESPACE}\""
    if not item_ids:
        return f"{head}/>".encode()
    items = (
        f'<item bookmark="{ITEM_BOOKMARK}{number}" id="{as_text.attribute(xml_safe(item_id))}"/>'
        for number, item_id in enumerate(item_ids, start=1)
    )
    return "".join([f"{head}>", *items, "</items>"]).encode("utf-8")
