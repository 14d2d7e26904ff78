"""The body of the PDF edition: release and area headings, paragraphs, notes and nested lists as flowables."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import CondPageBreak, Flowable, PageBreak, Spacer
from reportlab.platypus.paragraph import paraFontSizeHeightOffset

from evepub.formats.pdf.contract import text_says_status
from evepub.formats.pdf.fonts import FontSet, keep_spaces
from evepub.formats.pdf.item_runs import runs
from evepub.formats.pdf.lines import SetParagraph
from evepub.formats.pdf.markup import Fragments, Paragraph
from evepub.formats.pdf.style import Style, Styles, hex_colour
from evepub.model import Block, Item, ItemKind, ItemList, ListStyle, Release, Roadmap, find_links

BULLETS = ("•", "◦", "▪")  # bullet glyph by list depth, repeating
RELEASE_ROOM = 1 / 3  # a flowing release starts on a new page when less than this share of the frame is left
LABEL_GAP = 6.0  # between a list label and its text; ReportLab pushes the text right below 0.6 em


@dataclass(frozen=True)
class Wording:
    """Rendered wording the body needs, per release and area, and per status."""

    release_headings: list[str]
    area_headings: list[list[str]]
    status_labels: dict[str, str]
    owner: Callable[[str], str]  # "Owner: ..." from labels.j2
    target: Callable[[dt.date], str]
    more_links: str


class Heading(SetParagraph):
    """A release (level 0) or area (level 1) heading that anchors a bookmark, an outline entry and a TOC line."""

    def __init__(self, text: Fragments, markup: str, faces: frozenset[str], level: int, title: str, key: str) -> None:
        style = text.base_style
        super().__init__(text.done(), style, None, faces, lambda: Paragraph(markup, style))
        self.level = level
        self.title = title  # plain text, for the outline and the running header
        self.key = key

    def draw(self) -> None:
        """Draw the heading and bind its destination to the top of its first line."""
        self.canv.bookmarkHorizontal(self.key, 0, self.height + self.style.fontSize * 0.4)
        super().draw()


def relative_luminance(colour: colors.Color) -> float:
    """WCAG 2 relative luminance of an sRGB colour."""

    def linear(value: float) -> float:
        return value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4

    return 0.2126 * linear(colour.red) + 0.7152 * linear(colour.green) + 0.0722 * linear(colour.blue)


def contrast_ratio(first: colors.Color, second: colors.Color) -> float:
    """WCAG 2 contrast ratio of two colours, 1 to 21."""
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def badge_text_colour(fill: colors.Color) -> colors.Color:
    """Black or white, whichever contrasts more with the badge's fill (one of them always reaches 4.5:1)."""
    black, white = colors.Color(0, 0, 0), colors.Color(1, 1, 1)
    return white if contrast_ratio(white, fill) >= contrast_ratio(black, fill) else black


@dataclass(frozen=True)
class Badge:
    """A status badge: a rounded label in the status colour, drawn in room the item's text reserved for it."""

    runs: list[tuple[str, str]]  # (face, text) of the label
    colour: colors.Color
    text_colour: colors.Color  # black or white, whichever contrasts more with `colour`
    size: float
    width: float
    room: float  # width of the no-break spaces that end the item's text

    def draw(self, canvas: Canvas, end: float, baseline: float) -> None:
        """Draw the badge in the room that ends at x = `end` on this baseline."""
        size = self.size
        x = end - self.room  # the word space before the room is the gap
        canvas.saveState()
        canvas.setFillColor(self.colour)
        canvas.roundRect(x, baseline - size * 0.38, self.width, size * 1.45, size * 0.55, stroke=0, fill=1)
        canvas.setFillColor(self.text_colour)
        x += size * 0.6
        for face, text in self.runs:
            canvas.setFont(face, size)
            canvas.drawString(x, baseline + size * 0.03, text)
            x += stringWidth(text, face, size)
        canvas.restoreState()


class KeptWhole:
    """A flowable kept whole on one page unless it is taller than a page (frame_height)."""

    frame_height: float = 0.0
    height: float

    def split(self, availWidth: float, availHeight: float) -> list[Flowable]:
        """Refuse to split while the item would fit on an empty page; else split as the flowable does."""
        if self.height and self.height <= self.frame_height:
            return []
        return super().split(availWidth, availHeight)  # type: ignore[misc]


class ItemParagraph(KeptWhole, Paragraph):
    """An item set by ReportLab's Paragraph, with its status badge after its text."""

    badge: Badge | None = None

    def split(self, availWidth: float, availHeight: float) -> list[Flowable]:
        """Split as KeptWhole does; the badge goes with the last part."""
        parts = super().split(availWidth, availHeight)
        if parts and self.badge is not None:
            parts[-1].badge = self.badge
        return parts

    def draw_marked(self) -> None:
        """Draw the text, then the badge over the room reserved at the end of the text's last line."""
        super().draw_marked()
        if self.badge is None or not self.blPara.lines:
            return
        lines = self.blPara.lines
        simple = self.blPara.kind == 0
        # the text ends on the first forced break (details follow it) or on the last line
        index = next((i for i, line in enumerate(lines) if not simple and line.lineBreak), len(lines) - 1)
        first = self.blPara if simple else lines[0]
        ascent = first.fontSize if paraFontSizeHeightOffset else getattr(first, "ascent", first.fontSize)
        baseline = self.height - ascent - index * self.style.leading
        extra = lines[index][0] if simple else lines[index].extraSpace
        self.badge.draw(self.canv, self.width - self.style.rightIndent - extra, baseline)


class ItemLines(KeptWhole, SetParagraph):
    """An item set by lines.py, with its status badge after its text."""

    badge: Badge | None = None

    def draw_after_text(self) -> None:
        """The badge over the room reserved at the end of the item's text."""
        if self.badge is not None:
            self.badge.draw(self.canv, *self.text_end())


@dataclass
class BodyBuilder:
    """Turns the releases of a roadmap into flowables."""

    roadmap: Roadmap
    fonts: FontSet
    style: Style
    styles: Styles
    wording: Wording
    frame_height: float
    list_styles: dict[tuple[int, bool], ParagraphStyle] = field(default_factory=dict)
    badges: dict[str, Badge] = field(default_factory=dict)

    def story(self) -> Iterator[Flowable]:
        """Every flowable of the body: the introduction, then release after release."""
        for text in self.roadmap.introduction:
            yield self.paragraph(Item(id="", text=text, links=find_links(text)), self.styles.body, None)
        if self.roadmap.introduction:  # the first heading's bookmark points above it: keep the text out of reach
            yield Spacer(1, self.styles.h1.fontSize * 2)
        for number, release in enumerate(self.roadmap.releases):
            if number and self.style.page.release_starts_page:
                yield PageBreak()
            elif number:  # releases flow: a new page only where this one would start in the page's last third
                yield CondPageBreak(self.frame_height * RELEASE_ROOM)
            yield from self.release(number, release)

    def release(self, number: int, release: Release) -> Iterator[Flowable]:
        """One release: heading, blocks before the first area, then each area; in runs (item_runs.py), each
        heading in the run of the flowables after it."""
        heading = self.heading(self.wording.release_headings[number], self.styles.h1, 0, f"release-{number}")
        kept = yield from runs(self.blocks(release.blocks), [heading])
        for area_number, area in enumerate(release.areas):
            area_title = self.wording.area_headings[number][area_number]
            kept.append(self.heading(area_title, self.styles.h2, 1, f"release-{number}-area-{area_number}"))
            kept = yield from runs(self.blocks(area.blocks), kept)
        yield from kept  # headings with nothing after them: alone, kept with what follows by their style

    def heading(self, title: str, style: ParagraphStyle, level: int, key: str) -> Heading:
        """A release or area heading, set by lines.py unless a fallback face has some of its characters."""
        text = Fragments(style)
        self.add_text(text, title, None)
        return Heading(text, self.fonts.markup(title), self.main_faces, level, title, key)

    def blocks(self, blocks: list[Block]) -> Iterator[Flowable]:
        """Paragraphs, notes and lists in their original order."""
        for block in blocks:
            if isinstance(block, ItemList):
                yield from self.item_list(block, 0)
                continue
            style = self.styles.note if block.kind is ItemKind.NOTE else self.styles.body
            yield self.paragraph(block, style, None)
            for child in block.children:
                yield from self.item_list(child, 0)

    def item_list(self, item_list: ItemList, depth: int) -> Iterator[Flowable]:
        """The entries of one list with their labels, and their sub-lists one level deeper."""
        for offset, item in enumerate(item_list.items):
            number = item_list.start + offset
            label = (
                BULLETS[depth % len(BULLETS)] if item_list.style is ListStyle.BULLET else item_list.style.label(number)
            )
            style = self.list_style(depth, item_list.style.numbered)
            yield self.paragraph(item, style, label)
            for child in item.children:
                yield from self.item_list(child, depth + 1)

    def paragraph(self, item: Item, style: ParagraphStyle, label: str | None) -> Flowable:
        """One item as a paragraph that keeps itself on one page, with its badge."""
        badge = self.badge(item.status)
        if badge is not None and text_says_status(item.text, self.wording.status_labels.get(item.status or "", "")):
            badge = None  # "(proposed)" in the text already says it
        text = Fragments(style)
        self.add_linked_text(text, item.text, item.links)
        if badge is not None:
            text.add(" " + "\u00a0" * round(badge.room / self.nbsp_width))
        if self.has_details(item):
            text.line_break()
            self.add_details(text, item)
        frags = text.done()

        def by_reportlab() -> ItemParagraph:
            paragraph = ItemParagraph(None, style, bulletText=label, frags=frags)
            paragraph.frame_height, paragraph.badge = self.frame_height, badge
            return paragraph

        flowable = ItemLines(frags, style, label, self.main_faces, by_reportlab)
        flowable.frame_height, flowable.badge = self.frame_height, badge
        return flowable

    @property
    def main_faces(self) -> frozenset[str]:
        """The faces lines.py sets text in: the main three."""
        return frozenset((self.fonts.regular, self.fonts.bold, self.fonts.italic))

    def list_style(self, depth: int, numbered: bool) -> ParagraphStyle:
        """The style of list entries at one depth: text indent by depth, label right-aligned before it."""
        key = (depth, numbered)
        if key not in self.list_styles:
            indent = self.style.type.list_indent
            self.list_styles[key] = ParagraphStyle(
                f"evepub-list-{depth}-{int(numbered)}",
                parent=self.styles.body,
                alignment=TA_LEFT,
                leftIndent=(depth + 1) * indent,
                bulletIndent=(depth + 1) * indent - LABEL_GAP,
                bulletAnchor="end",
                bulletFontName=self.fonts.regular,
                bulletColor=self.style.colours.accent if numbered else self.style.colours.muted,
                spaceBefore=self.style.type.item_space,
            )
        return self.list_styles[key]

    def add_linked_text(self, text: Fragments, source: str, links: list[str], size: float | None = None) -> None:
        """Source text in which every URL it contains is a clickable link printed in full."""
        position = 0
        for url in links:
            found = source.find(url, position)
            if found < 0:
                continue
            self.add_text(text, source[position:found], size)
            self.add_text(text, url, size, self.link_colour, url)
            position = found + len(url)
        self.add_text(text, source[position:], size)

    def add_text(
        self, text: Fragments, source: str, size: float | None, colour: colors.Color | None = None, link: str = ""
    ) -> None:
        """Source text with its runs of spaces kept, each run of characters only a fallback face has in that face."""
        source = keep_spaces(source)
        if not self.fonts.fallback or self.fonts.fallback.keys().isdisjoint(source):
            text.add(source, None, size, colour, link)  # the common case, without a look at every character
            return
        for face, run in self.fonts.runs(source):
            text.add(run, face, size, colour, link)

    @property
    def link_colour(self) -> colors.Color:
        """The colour of web links."""
        return colors.HexColor(hex_colour(self.style.colours.link))

    def badge(self, status: str | None) -> Badge | None:
        """The badge of an explicit status (none for items without one), made once per status."""
        if status is None:
            return None
        if status not in self.badges:
            try:
                colour = colors.HexColor(f"#{self.roadmap.status(status).colour}")
            except KeyError:
                return None
            label = self.wording.status_labels[status]
            size = self.style.type.badge_size
            runs = [(face or self.fonts.bold, text) for face, text in self.fonts.runs(label)]
            width = sum(stringWidth(text, face, size) for face, text in runs) + size * 1.2
            spaces = math.ceil(width / self.nbsp_width)
            text_colour = badge_text_colour(colour)
            self.badges[status] = Badge(runs, colour, text_colour, size, width, spaces * self.nbsp_width)
        return self.badges[status]

    @property
    def nbsp_width(self) -> float:
        """The width of one no-break space of body text, the unit of a badge's room."""
        return stringWidth("\u00a0", self.fonts.regular, self.style.type.body_size)

    @staticmethod
    def has_details(item: Item) -> bool:
        """Whether an item has owner, target date, notes or links its text does not show."""
        return bool(item.owner or item.target or item.notes or any(url not in item.text for url in item.links))

    def add_details(self, text: Fragments, item: Item) -> None:
        """Owner, target date, item notes and links the text does not show, as one line of small type."""
        size = self.style.type.small_size  # readable, yet smaller than body text, which the reader tells apart
        muted = colors.HexColor(hex_colour(self.style.colours.muted))
        parts = [self.wording.owner(item.owner)] if item.owner else []
        parts += [self.wording.target(item.target)] if item.target else []
        parts += [item.notes] if item.notes else []
        hidden = [url for url in item.links if url not in item.text]
        for index, part in enumerate(parts):
            text.add(" · " if index else "", None, size, muted)
            self.add_text(text, part, size, muted)
        if hidden:
            text.add((" · " if parts else "") + self.wording.more_links, None, size, muted)
            for url in hidden:
                text.add(" ", None, size, muted)
                self.add_text(text, url, size, self.link_colour, url)
