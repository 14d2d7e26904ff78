"""PDF writer: the quarterly-review edition (cover, contents, overview with timeline, body) and the timeline SVG.

With `build --changes-since` a "Changes since" page follows the overview (see pdf_changes).

Layout parameters come from templates/pdf/style.yaml, PDF-only wording from templates/pdf/labels.j2 and the
shared wording from templates/wording.j2. Fonts: see evepub.formats.pdf.fonts (EVEPUB_FONT_DIR overrides).
The document is laid out in one pass: the contents knows its entries beforehand, so it takes its final size at
once, and the numbers that are only known at the end (contents page numbers, the page total in each footer) are
PDF form XObjects, referenced while laying out and filled in just before the file is saved.
"""

from __future__ import annotations

import datetime as dt
import io
import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from reportlab import rl_config
from reportlab.lib.pagesizes import A4, LETTER
from reportlab.lib.utils import TimeStamp
from reportlab.pdfbase.pdfdoc import PDFName, PDFStream
from reportlab.pdfbase.pdfmetrics import registerFontFamily, stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    CondPageBreak,
    Flowable,
    Frame,
    NextPageTemplate,
    PageBreak,
    PageTemplate,
    Spacer,
)
from reportlab.platypus.doctemplate import ActionFlowable
from reportlab.platypus.flowables import NullDraw

from evepub.errors import EvepubError
from evepub.formats import TIMELINE_PICTURE
from evepub.formats.changes import ChangeTexts, change_texts
from evepub.formats.pdf.body import BodyBuilder, Heading, Wording
from evepub.formats.pdf.changes import changes_flowables
from evepub.formats.pdf.contents import PAGE_NUMBER_MARK, contents_entries, page_number
from evepub.formats.pdf.contract import INTRODUCTION_FIT, INTRODUCTION_KEY
from evepub.formats.pdf.deferred import fill_in, mark
from evepub.formats.pdf.fonts import FontSet, load_fonts, register_main_faces
from evepub.formats.pdf.item_runs import ItemRun
from evepub.formats.pdf.lines import placed_text
from evepub.formats.pdf.markup import Paragraph
from evepub.formats.pdf.objects import use_quick_outline
from evepub.formats.pdf.overview import TableText, overview_table
from evepub.formats.pdf.story import FlowableQueue
from evepub.formats.pdf.style import Style, Styles, load_style, paragraph_styles
from evepub.formats.pdf.svg_cache import cached_svg, keep_svg, svg_key
from evepub.formats.pdf.timeline import TimelinePart, TimelineText, timeline_drawings, timeline_look, timeline_svg
from evepub.formats.settings import BuildSettings
from evepub.model import ItemKind, Roadmap, walk
from evepub.templating import Templates

PAGE_SIZES = {"A4": A4, "LETTER": LETTER}
PDF_NAME = "roadmap.pdf"
SVG_NAME = TIMELINE_PICTURE
LANGUAGE = "en"  # the language of the wording templates: the catalog's /Lang and the XMP dc:language
FOOTER_MARK = "footer-"  # the deferred text of a page's footer: this and the page number
# points of a page a part of the timeline leaves free: under every part, room for the note after the last;
# above the first, for the Timeline heading (kept with it by a CondPageBreak of the part's height and 60 more)
TIMELINE_NOTE_ROOM, TIMELINE_HEADING_ROOM = 24, 56
OVERVIEW_KEY, TIMELINE_KEY, CHANGES_KEY = "overview", "timeline", "changes"  # bookmark keys of the front matter

rl_config.useA85 = 0  # Flate alone: ASCII85 on top makes streams bigger and costs time in pure Python


@dataclass(frozen=True)
class Texts:
    """Every piece of wording the document prints, rendered once from the templates."""

    title: str
    subtitle: str
    edition: str
    toc_title: str
    overview_title: str
    timeline_title: str
    introduction_title: str
    count_rule: str
    timeline_note: str
    summary: str
    prepared_by: str | None
    footer: Any  # the page_footer macro
    body: Wording
    table: TableText
    timeline: TimelineText
    changes: ChangeTexts | None = None  # build --changes-since

    def all(self) -> list[str]:
        """Every string, for choosing fonts."""
        return [
            self.title,
            self.subtitle,
            self.edition,
            self.toc_title,
            self.overview_title,
            self.timeline_title,
            self.introduction_title,
            self.count_rule,
            self.timeline_note,
            self.summary,
            self.prepared_by or "",
            self.footer(0, 0),
            *self.body.release_headings,
            *(title for titles in self.body.area_headings for title in titles),
            *self.body.status_labels.values(),
            self.body.more_links,
            self.table.release,
            self.table.items,
            self.table.total,
            self.table.no_period,
            self.timeline.later,
            self.timeline.edition,
            *(self.changes.strings() if self.changes else []),
        ]


def prepare(templates: Templates) -> None:
    """What needs no roadmap, done while the build loads the source: register the fonts, compile the labels."""
    register_main_faces()
    pdf_labels(templates)


def pdf_labels(templates: Templates) -> Any:
    """The macros of pdf/labels.j2: the PDF's own wording."""
    return templates.macros("pdf/labels.j2")


def write(roadmap: Roadmap, settings: BuildSettings) -> dict[str, bytes]:
    """Render the PDF edition and the timeline SVG."""
    texts = render_texts(roadmap, settings)
    fonts = load_fonts(texts.all() + source_texts(roadmap))
    registerFontFamily(fonts.regular, normal=fonts.regular, bold=fonts.bold, italic=fonts.italic, boldItalic=fonts.bold)
    style = load_style(settings.templates)
    styles = paragraph_styles(style, fonts)
    document = RoadmapDocument(roadmap, settings, texts, fonts, style, styles)
    pdf = document.render()
    if not document.timelines:
        return {PDF_NAME: pdf}
    title = f"{texts.timeline_title}: {texts.title}"
    periods = "; ".join(
        f"{name}: {release.period or texts.timeline.no_period}"
        for name, release in zip(texts.body.release_headings, roadmap.releases, strict=True)
    )
    return {PDF_NAME: pdf, SVG_NAME: whole_timeline_svg(document, title, periods)}


def whole_timeline_svg(document: RoadmapDocument, title: str, description: str) -> bytes:
    """The timeline as one SVG however tall (a web page scrolls), from the cache when it holds it."""
    roadmap, edition, text = document.roadmap, document.settings.edition, document.texts.timeline
    look = timeline_look(document.style)
    key = svg_key(roadmap.releases, document.width, look, text, edition, document.fonts, (title, description))
    svg = cached_svg(key)
    if svg is None:
        whole = document.timelines
        if len(whole) > 1:
            unbounded = (document.width, math.inf)
            whole = timeline_drawings(roadmap.releases, unbounded, document.fonts, document.style, text, edition)
        svg = timeline_svg(whole[0], title, description)
        keep_svg(key, svg)
    return svg


def source_texts(roadmap: Roadmap) -> list[str]:
    """Every string of the source the document prints."""
    texts = [roadmap.title, roadmap.subtitle or "", roadmap.version or "", roadmap.author or ""]
    texts.extend(roadmap.introduction)
    for release in roadmap.releases:
        texts.extend([release.name, release.period or "", release.remark or ""])
    for located in walk(roadmap):
        item = located.item
        texts.extend([item.text, item.owner or "", item.notes or "", *item.links])
    return texts


def render_texts(roadmap: Roadmap, settings: BuildSettings) -> Texts:
    """Render the wording macros once."""
    words = settings.templates.wording()
    labels = pdf_labels(settings.templates)
    status_labels = {status.name: str(words.status_label(status.name)) for status in roadmap.statuses}
    items = sum(1 for located in walk(roadmap) if located.item.kind is not ItemKind.NOTE)
    body = Wording(
        release_headings=[str(words.release_heading(release)) for release in roadmap.releases],
        area_headings=[[str(words.area_heading(area)) for area in release.areas] for release in roadmap.releases],
        status_labels=status_labels,
        owner=lambda name: str(labels.owner(name)),
        target=lambda date: str(labels.target(date)),
        more_links=str(labels.more_links()),
    )
    return Texts(
        title=str(words.document_title(roadmap)),
        subtitle=str(words.subtitle(roadmap)),
        edition=str(words.edition(settings.edition, roadmap.version)),
        toc_title=str(words.toc_title()),
        overview_title=str(words.overview_title()),
        timeline_title=str(words.timeline_title()),
        introduction_title=str(words.introduction_title()),
        count_rule=str(labels.count_rule(roadmap.default_status)),
        timeline_note=str(labels.timeline_note()),
        summary=str(labels.cover_summary(len(roadmap.releases), items, *quarter_span(roadmap))),
        prepared_by=str(labels.prepared_by(roadmap.author)) if roadmap.author else None,
        footer=words.page_footer,
        body=body,
        table=TableText(
            str(labels.column_release()),
            str(labels.column_items()),
            str(labels.total_row()),
            str(words.no_period()),
            status_labels,
        ),
        timeline=TimelineText(str(labels.later_column()), str(words.no_period()), str(labels.edition_marker())),
        changes=change_texts(settings.changes, settings.templates) if settings.changes is not None else None,
    )


class FrontHeading(Paragraph):
    """The heading of a front-matter page (contents, overview, changes) or of the timeline below the overview.

    At level 0 it names the page in the running header; with a key it anchors a bookmark, an outline entry and a
    contents line, as a release (level 0) or area (level 1) heading does.
    """

    def __init__(self, markup: str, style: Any, title: str, key: str | None = None, level: int = 0) -> None:
        super().__init__(markup, style)
        self.title = title
        self.key = key
        self.level = level

    def draw(self) -> None:
        """Draw the heading and, with a key, bind its destination to the top of its first line."""
        if self.key is not None:  # /FitH, where a release or area heading has /XYZ: the reader skips front matter;
            # /FitBH for the introduction's, where the reader starts reading the body (contract.INTRODUCTION_FIT)
            _, top = self.canv.absolutePosition(0, self.height + self.style.fontSize * 0.4)
            fit = INTRODUCTION_FIT if self.key == INTRODUCTION_KEY else "FitH"
            self.canv.bookmarkPage(self.key, fit=fit, top=top)
        super().draw()


def release_canvas(canvas: Canvas) -> None:
    """Drop a saved canvas and its document, every PDF object of the file: they refer to one another, so only the
    cycle collector would free them, after the job, scanning each (0.3 s at 100,000 items, before the next job)."""
    canvas._doc.__dict__.clear()
    canvas.__dict__.clear()


class RoadmapDocument(BaseDocTemplate):
    """The page templates, running header and footer, outline and contents of the edition."""

    def __init__(
        self, roadmap: Roadmap, settings: BuildSettings, texts: Texts, fonts: FontSet, style: Style, styles: Styles
    ) -> None:
        size = PAGE_SIZES.get(settings.page_size.upper())
        if size is None:
            raise EvepubError(f"page size {settings.page_size!r} is not one of A4, Letter")
        self.buffer = io.BytesIO()
        page = style.page
        super().__init__(
            self.buffer,
            pagesize=size,
            leftMargin=page.margin_left,
            rightMargin=page.margin_right,
            topMargin=page.margin_top,
            bottomMargin=page.margin_bottom,
            title=document_information(texts.title),
            author=document_information(roadmap.author or ""),
            subject=document_information(texts.subtitle),
            keywords=document_information(keywords(roadmap)),
            creator="evepub",
            lang=LANGUAGE,
            invariant=1,
            pageCompression=1,
            initialFontName=fonts.regular,
        )
        self.roadmap, self.settings, self.texts, self.fonts = roadmap, settings, texts, fonts
        self.style, self.styles = style, styles
        self.toc_styles = [styles.toc_release, styles.toc_area]
        self.heading_pages: dict[str, int] = {}  # bookmark key -> page, for the contents
        self.heading_levels: dict[str, int] = {}
        self.section = ""  # the release (or front-matter page) in effect
        self.page_section = ""  # the one the running header of the current page names
        self.page_is_fresh = True
        chart_size = (self.width, self.height - TIMELINE_NOTE_ROOM)
        self.timelines = timeline_drawings(
            roadmap.releases, chart_size, fonts, style, texts.timeline, settings.edition, TIMELINE_HEADING_ROOM
        )
        frame = Frame(
            self.leftMargin,
            self.bottomMargin,
            self.width,
            self.height,
            id="text",
            leftPadding=0,
            rightPadding=0,
            topPadding=0,
            bottomPadding=0,
        )
        cover_frame = Frame(
            self.leftMargin,
            self.bottomMargin,
            self.width,
            self.height * 0.62,
            id="cover",
            leftPadding=0,
            rightPadding=0,
            topPadding=0,
            bottomPadding=0,
        )
        self.addPageTemplates(
            [
                PageTemplate("cover", [cover_frame], onPage=self.draw_cover_band),
                PageTemplate("page", [frame], onPageEnd=self.draw_running_parts),
            ]
        )

    def render(self) -> bytes:
        """Lay the document out once, fill in the deferred page numbers, and return the PDF bytes."""
        self._doSave = 0  # BaseDocTemplate.build saves unless told not to, as multiBuild does
        self.build(FlowableQueue(self.story()))  # type: ignore[arg-type]  # build takes any list-like story
        fill_in(self.canv, self.deferred_text)
        self.canv.save()
        pdf = self.buffer.getvalue()
        release_canvas(self.canv)
        return pdf

    # The story

    def story(self) -> Iterator[Flowable]:
        """Cover, contents, overview, body: made as they are laid out."""
        frame_height = self.height
        body = BodyBuilder(self.roadmap, self.fonts, self.style, self.styles, self.texts.body, frame_height)
        yield from self.cover()
        yield NextPageTemplate("page")
        yield PageBreak()
        yield from self.contents()
        yield PageBreak()
        yield from self.overview()
        yield PageBreak()
        yield from self.changes()
        if self.roadmap.introduction:  # its paragraphs open the body, under their own heading
            title = self.texts.introduction_title
            yield FrontHeading(self.fonts.markup(title), self.styles.front_title, title, INTRODUCTION_KEY)
        yield from body.story()

    def cover(self) -> list[Flowable]:
        """Title, subtitle, edition (with the version) and a one-line summary."""
        styles, markup = self.styles, self.fonts.markup
        flowables: list[Flowable] = [
            Paragraph(markup(self.texts.title), styles.cover_title),
            Paragraph(markup(self.texts.subtitle), styles.cover_subtitle),
            Spacer(1, 26),
            Paragraph(markup(self.texts.edition), styles.cover_line),
            Paragraph(markup(self.texts.summary), styles.cover_line),
        ]
        if self.texts.prepared_by:
            flowables.append(Paragraph(markup(self.texts.prepared_by), styles.cover_line))
        return flowables

    def contents(self) -> list[Flowable]:
        """The contents page: every release and, indented, its areas, with clickable page numbers."""
        entries = [(0, self.texts.overview_title, OVERVIEW_KEY)]
        if self.timelines:
            entries.append((1, self.texts.timeline_title, TIMELINE_KEY))
        if self.texts.changes is not None:
            entries.append((0, self.texts.changes.title, CHANGES_KEY))
        if self.roadmap.introduction:
            entries.append((0, self.texts.introduction_title, INTRODUCTION_KEY))
        for number, release in enumerate(self.roadmap.releases):
            entries.append((0, self.texts.body.release_headings[number], f"release-{number}"))
            for area_number in range(len(release.areas)):
                title = self.texts.body.area_headings[number][area_number]
                entries.append((1, title, f"release-{number}-area-{area_number}"))
        title = self.texts.toc_title
        heading = FrontHeading(self.fonts.markup(title), self.styles.front_title, title)
        return [heading, *contents_entries(entries, self.toc_styles, self.fonts)]

    def overview(self) -> list[Flowable]:
        """The overview page: counts per release and status, the rule behind them, and the timeline."""
        markup = self.fonts.markup
        title = self.texts.overview_title
        flowables: list[Flowable] = [
            FrontHeading(markup(title), self.styles.front_title, title, OVERVIEW_KEY),
            overview_table(self.roadmap, self.width, self.fonts, self.style, self.styles, self.texts.table),
            Spacer(1, 5),
            Paragraph(markup(self.texts.count_rule), self.styles.small),
        ]
        if self.timelines:
            timeline = self.texts.timeline_title
            flowables += [
                CondPageBreak(self.timelines[0].height + 60),
                FrontHeading(markup(timeline), self.styles.h2, timeline, TIMELINE_KEY, level=1),
                *map(TimelinePart, self.timelines),  # a chart of more rows than a page holds: a part a page
            ]
            if any(release.start is None for release in self.roadmap.releases):
                flowables += [Spacer(1, 4), Paragraph(markup(self.texts.timeline_note), self.styles.small)]
        return flowables

    def changes(self) -> list[Flowable]:
        """With --changes-since, a front-matter page of what changed since the older source; else nothing."""
        if self.texts.changes is None:
            return []
        title = self.texts.changes.title
        heading = FrontHeading(self.fonts.markup(title), self.styles.front_title, title, CHANGES_KEY)
        return [heading, *changes_flowables(self.texts.changes, self.fonts, self.style, self.styles), PageBreak()]

    # Events of the layout

    def beforeDocument(self) -> None:
        """Date the document from the build timestamp and reset the running-header state."""
        canvas = self.canv
        canvas._doc._timeStamp = build_timestamp(self.settings.timestamp)
        canvas.showOutline()  # the bookmark pane opens with the document (/PageMode /UseOutlines)
        use_quick_outline(canvas)
        canvas._doc.Catalog.Metadata = canvas._doc.Reference(self.xmp_metadata())
        self.section = self.page_section = ""

    def xmp_metadata(self) -> PDFStream:
        """The XMP metadata stream: the document information again, with the language, as viewers and
        archives that read XMP rather than the Info dictionary expect."""
        moment = self.settings.timestamp
        moment = moment.astimezone(dt.UTC) if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
        stamp = moment.strftime("%Y-%m-%dT%H:%M:%SZ")
        info = self.canv._doc.info
        packet = XMP_TEMPLATE.format(
            title=xml_text(info.title),
            author=xml_text(info.author),
            subject=xml_text(info.subject),
            keywords=xml_text(info.keywords),
            language=LANGUAGE,
            date=stamp,
        )
        stream = PDFStream(content=packet.encode("utf-8"), filters=[])  # uncompressed: metadata stays readable
        stream.dictionary["Type"] = PDFName("Metadata")
        stream.dictionary["Subtype"] = PDFName("XML")
        return stream

    def beforePage(self) -> None:
        """The running header names the section in effect unless a release starts at the top of the page."""
        self.page_section = self.section
        self.page_is_fresh = True

    def afterFlowable(self, flowable: Flowable) -> None:
        """Register headings with the outline and the contents; track the section for the running header."""
        if isinstance(flowable, ItemRun):  # as if the frame had laid out each of its flowables alone
            for part in flowable.items:
                self.afterFlowable(part)
            return
        if isinstance(flowable, FrontHeading | Heading) and flowable.level == 0:
            self.section = flowable.title
            if self.page_is_fresh:
                self.page_section = flowable.title
        if isinstance(flowable, Heading) or (isinstance(flowable, FrontHeading) and flowable.key is not None):
            self.canv.addOutlineEntry(flowable.title, flowable.key, level=flowable.level, closed=False)
            self.heading_pages[flowable.key] = self.page
            self.heading_levels[flowable.key] = flowable.level
        if not isinstance(flowable, ActionFlowable | NullDraw | PageBreak):
            self.page_is_fresh = False

    # Drawing on the canvas

    def draw_cover_band(self, canvas: Canvas, document: BaseDocTemplate) -> None:
        """An accent band across the top of the cover and a rule above the footer area."""
        width, height = self.pagesize
        colours = self.style.colours
        canvas.saveState()
        canvas.setFillColor(colours.accent)
        canvas.rect(0, height - 18, width, 18, stroke=0, fill=1)
        canvas.setFillColor(colours.accent_light)
        canvas.rect(0, height - 24, width, 6, stroke=0, fill=1)
        canvas.setStrokeColor(colours.accent)
        canvas.setLineWidth(1.2)
        top = self.bottomMargin + self.height * 0.62 + 16
        canvas.line(self.leftMargin, top, self.leftMargin + 60, top)
        canvas.restoreState()

    def draw_running_parts(self, canvas: Canvas, document: BaseDocTemplate) -> None:
        """The header (title left, current release right, a rule) and the footer (page X of Y)."""
        size = self.style.type.small_size
        colours = self.style.colours
        left, right = self.leftMargin, self.leftMargin + self.width
        header_y = self.bottomMargin + self.height + self.style.page.header_gap
        canvas.saveState()
        canvas.setFillColor(colours.muted)
        section_width = self.text_width(self.page_section, self.fonts.bold, size)
        self.draw_text(canvas, right - section_width, header_y, self.page_section, self.fonts.bold, size)
        title = self.fit_text(self.texts.title, self.fonts.regular, size, self.width - section_width - 24)
        self.draw_text(canvas, left, header_y, title, self.fonts.regular, size)
        canvas.setStrokeColor(colours.rule)
        canvas.setLineWidth(0.6)
        canvas.line(left, header_y - 6, right, header_y - 6)
        mark(canvas, f"{FOOTER_MARK}{self.page}")  # "page X of Y": Y is known once the layout is done
        canvas.restoreState()

    def deferred_text(self, key: str) -> list[str]:
        """The operators of a text known once the layout is done: a contents page number or a page's footer."""
        if key.startswith(PAGE_NUMBER_MARK):
            heading = key.removeprefix(PAGE_NUMBER_MARK)
            return page_number(self.canv, heading, self.heading_pages, self.toc_styles, self.heading_levels)
        page = int(key.removeprefix(FOOTER_MARK))
        size = self.style.type.small_size
        footer = str(self.texts.footer(page, self.page))
        x = self.leftMargin + (self.width - self.text_width(footer, self.fonts.regular, size)) / 2
        runs = [(face or self.fonts.regular, run) for face, run in self.fonts.runs(footer)]
        return placed_text(self.canv, x, self.bottomMargin - self.style.page.footer_gap, runs, size)

    def draw_text(self, canvas: Canvas, x: float, y: float, text: str, face: str, size: float) -> None:
        """Draw text literally, switching to fallback faces for characters the main face lacks."""
        for run_face, run in self.fonts.runs(text):
            canvas.setFont(run_face or face, size)
            canvas.drawString(x, y, run)
            x += stringWidth(run, run_face or face, size)

    def text_width(self, text: str, face: str, size: float) -> float:
        """The width of text set with fallback faces."""
        return sum(stringWidth(run, run_face or face, size) for run_face, run in self.fonts.runs(text))

    def fit_text(self, text: str, face: str, size: float, width: float) -> str:
        """The text, cut with an ellipsis when it is wider than `width`."""
        if self.text_width(text, face, size) <= width:
            return text
        while text and self.text_width(text + "…", face, size) > width:
            text = text[:-1]
        return text.rstrip() + "…"


def quarter_span(roadmap: Roadmap) -> tuple[str, str] | tuple[None, None]:
    """The first and last quarter any release covers, or (None, None)."""
    starts = [release.start for release in roadmap.releases if release.start]
    ends = [release.end for release in roadmap.releases if release.end]
    if not (starts and ends):
        return None, None
    first, last = min(starts), max(ends)
    return f"Q{first.quarter} {first.year}", f"Q{last.quarter} {last.year}"


XMP_TEMPLATE = """<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about=""
    xmlns:dc="http://purl.org/dc/elements/1.1/"
    xmlns:pdf="http://ns.adobe.com/pdf/1.3/"
    xmlns:xmp="http://ns.adobe.com/xap/1.0/">
   <dc:format>application/pdf</dc:format>
   <dc:title><rdf:Alt><rdf:li xml:lang="x-default">{title}</rdf:li></rdf:Alt></dc:title>
   <dc:creator><rdf:Seq><rdf:li>{author}</rdf:li></rdf:Seq></dc:creator>
   <dc:description><rdf:Alt><rdf:li xml:lang="x-default">{subject}</rdf:li></rdf:Alt></dc:description>
   <dc:language><rdf:Bag><rdf:li>{language}</rdf:li></rdf:Bag></dc:language>
   <pdf:Keywords>{keywords}</pdf:Keywords>
   <pdf:Producer>ReportLab</pdf:Producer>
   <xmp:CreatorTool>evepub</xmp:CreatorTool>
   <xmp:CreateDate>{date}</xmp:CreateDate>
   <xmp:ModifyDate>{date}</xmp:ModifyDate>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>"""


def xml_text(text: str) -> str:
    """Text escaped for XML character data."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def document_information(text: str) -> str:
    """Text for the PDF's title, author, subject and keywords, without soft hyphens (they only mark line breaks)."""
    # ReportLab would write U+00AD as PDFDocEncoding's byte 0xAD, which that encoding leaves undefined
    return text.replace("\u00ad", "")


def keywords(roadmap: Roadmap) -> str:
    """Document keywords: the release names."""
    return ", ".join(["roadmap", *(release.name for release in roadmap.releases)])


def build_timestamp(moment: dt.datetime) -> TimeStamp:
    """A ReportLab timestamp for the document dates, from the build settings instead of the clock."""
    stamp = TimeStamp(invariant=1)
    utc = moment.astimezone(dt.UTC) if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
    stamp.t = utc.timestamp()
    stamp.lt = utc.timetuple()
    stamp.YMDhms = tuple(utc.timetuple())[:6]
    stamp.dhh = stamp.dmm = 0
    return stamp
