"""The table of contents, laid out once: its page numbers are PDF forms filled in after the body is laid out."""

from __future__ import annotations

from typing import Any

from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Spacer, Table, TableStyle
from reportlab.platypus.tableofcontents import TableOfContents

from evepub.formats.pdf.markup import Paragraph

TOC_CALLBACK = "evepub-toc-entry"
NUMBER_ROOM = "00000"  # the page-number column is as wide as this, in the entry's style
DOT_LEADER = " . "


def page_number_form(key: str) -> str:
    """The name of the form that prints the page number of the heading with this key."""
    return f"evepub-page-of-{key}"


class Contents(TableOfContents):
    """Every release and area with a dot leader and a clickable page number.

    The entries are known before layout, so the contents takes its final size in the only layout pass; each
    page number is a form XObject that `define_page_numbers` fills in once the body has been laid out.
    """

    def __init__(
        self, entries: list[tuple[int, str, str]], level_styles: list[ParagraphStyle], table_style: TableStyle
    ):
        super().__init__(levelStyles=level_styles, tableStyle=table_style, dotsMinLevel=1)
        self._lastEntries = [(level, markup, 0, key) for level, markup, key in entries]

    def beforeBuild(self) -> None:
        """Keep the entries: they do not come from a previous pass."""

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        """Lay the entries out as a one-column table of linked paragraphs."""
        rows: list[list[Any]] = []
        for level, markup, _, key in self._lastEntries:
            style = self.getLevelStyle(level)
            room = stringWidth(NUMBER_ROOM, style.fontName, style.fontSize)
            style = ParagraphStyle(f"{style.name}-room", parent=style, rightIndent=room)
            if style.spaceBefore:
                rows.append([Spacer(1, style.spaceBefore)])
            callback = f'<onDraw name="{TOC_CALLBACK}" label="{level} {key}"/>'
            rows.append([Paragraph(f'<a href="#{key}">{markup}</a>{callback}', style)])
        self.canv.setNamedCB(TOC_CALLBACK, self.draw_number_slot(availWidth))
        self._table = Table(rows, colWidths=(availWidth,), style=self.tableStyle)
        self.width, self.height = self._table.wrapOn(self.canv, availWidth, availHeight)
        return self.width, self.height

    def draw_number_slot(self, right: float) -> Any:
        """The paragraph callback that draws the dot leader, the page-number form and its link."""

        def draw(canvas: Canvas, kind: str, label: str) -> None:
            level_text, key = label.split(" ", 1)
            style = self.getLevelStyle(int(level_text))
            info = canvas._curr_tx_info
            x, y = info["cur_x"], info["cur_y"]
            room = stringWidth(NUMBER_ROOM, style.fontName, style.fontSize)
            canvas.saveState()
            canvas.setFillColor(style.textColor)
            if int(level_text) >= self.dotsMinLevel:
                dot_width = stringWidth(DOT_LEADER, style.fontName, style.fontSize)
                dots = int((right - room - x - 4) / dot_width)
                if dots > 0:
                    canvas.setFont(style.fontName, style.fontSize)
                    canvas.drawRightString(right - room + dot_width / 2, y, DOT_LEADER * dots)
            canvas.translate(right, y)
            canvas.doForm(page_number_form(key))
            canvas.restoreState()
            canvas.linkRect("", key, (right - room, y - 2, right, y + style.fontSize), relative=1)

        return draw


def define_page_numbers(canvas: Canvas, pages: dict[str, int], styles: list[ParagraphStyle], levels: dict[str, int]):
    """Fill in every page-number form, right-aligned on its slot, in the style of its entry's level."""
    for key, page in pages.items():
        style = styles[min(levels[key], len(styles) - 1)]
        canvas.beginForm(page_number_form(key), lowerx=-200, lowery=-50, upperx=50, uppery=50)
        canvas.setFillColor(style.textColor)
        canvas.setFont(style.fontName, style.fontSize)
        canvas.drawRightString(0, 0, str(page))
        canvas.endForm()
