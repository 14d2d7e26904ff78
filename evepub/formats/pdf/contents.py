"""The table of contents, laid out once: its page numbers are filled in (deferred.py) after the body is laid out.

An entry is set by lines.py, as items are, and is one link from its title to its page number; an entry that
needs ReportLab's Paragraph (a face lines.py does not set) links its title and its page number apart.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from reportlab.lib.rl_accel import fp_str
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Spacer

from evepub.formats.pdf.deferred import mark
from evepub.formats.pdf.fonts import FontSet, keep_spaces
from evepub.formats.pdf.item_runs import runs
from evepub.formats.pdf.lines import SetParagraph, colour_operator, placed_text, text_width
from evepub.formats.pdf.markup import Fragments, Paragraph
from evepub.formats.pdf.objects import link_to_heading

TOC_CALLBACK = "evepub-toc-entry"
NUMBER_ROOM = "00000"  # the page-number column is as wide as this, in the entry's style
DOT_LEADER = " . "
ENTRY_PADDING = 0.5  # points above and below each entry
DOTS_FROM_LEVEL = 1  # areas have a dot leader, releases not
PAGE_NUMBER_MARK = "page-of-"  # the deferred text of an entry's page number: this and the heading's key


def contents_entries(
    entries: list[tuple[int, str, str]], level_styles: list[ParagraphStyle], fonts: FontSet
) -> list[Flowable]:
    """Every (level, title, key) entry with a dot leader and a clickable page number, one flowable per entry.

    The entries are known before layout, so the contents takes its final size in the only layout pass; each
    page number is deferred text that `page_number` gives once the body has been laid out. Each
    entry is a flowable of its own (one long table would be measured again for every page it is split over), in
    runs (item_runs.py) as the body's items are: 3,200 flowables at 400 releases.
    """
    flowables: list[Flowable] = []
    styles = [ParagraphStyle(f"{style.name}-room", parent=style, rightIndent=_room(style)) for style in level_styles]
    faces = frozenset((fonts.regular, fonts.bold, fonts.italic))
    for level, title, key in entries:
        style = styles[min(level, len(styles) - 1)]
        if style.spaceBefore:
            flowables.append(Spacer(1, style.spaceBefore + 2 * ENTRY_PADDING))
        text = Fragments(style)
        for face, run in fonts.runs(keep_spaces(title)):
            text.add(run, face)
        fallback = _by_reportlab(fonts.markup(title), style, level, key)
        flowables.append(ContentsEntry(EntryText(text.done(), style, faces, fallback, (level, key), level_styles)))
    return list(runs(flowables, []))  # handed to the frame a run at a time, as the body's items are


def _by_reportlab(markup: str, style: ParagraphStyle, level: int, key: str) -> Callable[[], Paragraph]:
    """The entry as ReportLab's Paragraph: a linked title, and a callback that draws the page-number slot."""
    callback = f'<onDraw name="{TOC_CALLBACK}" label="{level} {key}"/>'
    return lambda: Paragraph(f'<a href="#{key}">{markup}</a>{callback}', style)


def _room(style: ParagraphStyle) -> float:
    return stringWidth(NUMBER_ROOM, style.fontName, style.fontSize)


class EntryText(SetParagraph):
    """An entry's title, with the dot leader and page number after its last line and one link over it all."""

    def __init__(
        self,
        frags: list[Any],
        style: ParagraphStyle,
        faces: frozenset[str],
        fallback: Callable[[], Paragraph],
        entry: tuple[int, str],
        level_styles: list[ParagraphStyle],
    ) -> None:
        super().__init__(frags, style, None, faces, fallback)
        self.level, self.key = entry  # the heading's level and key
        self.level_styles = level_styles

    def draw_after_text(self) -> None:
        """The page-number slot after the text, and the entry's link from its first line's start to the number."""
        x, baseline = self.text_end()
        draw_number_slot(self.canv, x, baseline, self.width, self.level, self.key, self.level_styles)
        top = self.baseline(0) + self.style.fontSize
        link_to_heading(self.canv, self.key, (self.style.leftIndent, baseline - 2, self.width, top))


class ContentsEntry(Flowable):
    """One entry of the contents: its linked title, padded above and below, kept whole on one page."""

    def __init__(self, paragraph: EntryText) -> None:
        super().__init__()
        self.paragraph = paragraph

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        """The paragraph's height and the padding; the page-number slot is drawn at the right of `availWidth`."""
        _, height = self.paragraph.wrap(availWidth, availHeight)
        self.width, self.height = availWidth, height + 2 * ENTRY_PADDING
        return self.width, self.height

    def split(self, availWidth: float, availHeight: float) -> list[Flowable]:
        """Never split: an entry moves to the next page whole."""
        return []

    def draw(self) -> None:
        """Draw the paragraph above the bottom padding."""
        self.canv.setNamedCB(TOC_CALLBACK, number_slot(self.width, self.paragraph.level_styles))  # for a Paragraph
        self.paragraph.drawOn(self.canv, 0, ENTRY_PADDING)


def number_slot(right: float, level_styles: list[ParagraphStyle]) -> Any:
    """The paragraph callback of an entry set by ReportLab: the page-number slot and the number's link."""

    def draw(canvas: Canvas, kind: str, label: str) -> None:
        level_text, key = label.split(" ", 1)
        level = int(level_text)
        style = level_styles[min(level, len(level_styles) - 1)]
        info = canvas._curr_tx_info
        x, y = info["cur_x"], info["cur_y"]
        draw_number_slot(canvas, x, y, right, level, key, level_styles)
        link_to_heading(canvas, key, (right - _room(style), y - 2, right, y + style.fontSize))

    return draw


def draw_number_slot(
    canvas: Canvas, x: float, y: float, right: float, level: int, key: str, level_styles: list[ParagraphStyle]
) -> None:
    """The dot leader from x (areas only) and the place of the page number, right-aligned at `right` on baseline y."""
    style = level_styles[min(level, len(level_styles) - 1)]
    room = _room(style)
    # the operators written directly (no canvas state changes): 2,800 entries at 400 releases
    code = ["q", colour_operator(style.textColor)]
    if level >= DOTS_FROM_LEVEL:
        dot_width = text_width(DOT_LEADER, style.fontName, style.fontSize)
        dots = int((right - room - x - 4) / dot_width)
        if dots > 0:
            leader = DOT_LEADER * dots
            end = right - room + dot_width / 2
            start = end - text_width(leader, style.fontName, style.fontSize)
            code += placed_text(canvas, start, y, [(style.fontName, leader)], style.fontSize)
    code.append(f"1 0 0 1 {fp_str(right, y)} cm")
    canvas._code.extend(code)
    mark(canvas, PAGE_NUMBER_MARK + key)
    canvas._code.append("Q")


def page_number(
    canvas: Canvas, key: str, pages: dict[str, int], styles: list[ParagraphStyle], levels: dict[str, int]
) -> list[str]:
    """The operators of the page number of the heading with this key, right-aligned on its place, in the style of
    its entry's level."""
    style = styles[min(levels[key], len(styles) - 1)]
    text = str(pages[key])
    width = text_width(text, style.fontName, style.fontSize)
    return placed_text(canvas, -width, 0, [(style.fontName, text)], style.fontSize)
