"""The overview page: item counts per release and status (formats/overview.py counts them), as a table.

A roadmap of hundreds of releases has thousands of count cells: they are plain strings, which ReportLab's Table
sets itself in the font, colour and alignment the table's style gives each cell, and each release cell is set by
lines.py; only the header row is made of Paragraphs.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Flowable, Table, TableStyle

from evepub.formats.overview import ReleaseCount, count_items, used_statuses
from evepub.formats.pdf.fonts import FontSet, keep_spaces
from evepub.formats.pdf.lines import SetParagraph, colour_operator, placed_text, text_width
from evepub.formats.pdf.markup import Fragments, Paragraph
from evepub.formats.pdf.style import Style, Styles, hex_colour
from evepub.model import Roadmap

ITEMS_COLUMN = 40.0
CELL_PADDING = 4.0
ZERO = "–"  # a count of nothing, in the style's zero colour
TABLE_ALIGNMENT = {TA_LEFT: "LEFT", TA_CENTER: "CENTER", TA_RIGHT: "RIGHT"}  # a paragraph's alignment, as Table says it


@dataclass(frozen=True)
class TableText:
    """Wording of the overview table."""

    release: str
    items: str
    total: str
    no_period: str
    status_labels: dict[str, str]


def overview_table(
    roadmap: Roadmap, width: float, fonts: FontSet, style: Style, styles: Styles, text: TableText
) -> Table:
    """One row per release (name over period), its item count and its count per status, and a total row."""
    counts = count_items(roadmap)
    statuses = used_statuses(roadmap, counts)  # a status no release uses gets no column
    release_width = _release_width(counts, fonts, style, text)
    status_width = (width - release_width - ITEMS_COLUMN) / max(len(statuses), 1)
    head_style = _fitted_head(styles, fonts, [text.status_labels[name] for name in statuses], status_width)
    rows = [
        [_cell(text.release, styles.table_head, fonts, left=True), _cell(text.items, head_style, fonts)]
        + [_cell(text.status_labels[name], head_style, fonts) for name in statuses]
    ]
    for count in counts:
        rows.append(
            [_release_cell(count.name, count.period or text.no_period, fonts, style, styles), _count(count.items)]
            + [_count(count.by_status[name]) for name in statuses]
        )
    total = Counter[str]()
    for count in counts:
        total.update(count.by_status)
    total_cell = Paragraph(f"<b>{fonts.markup(text.total)}</b>", styles.table_cell)
    rows.append([total_cell, _count(sum(count.items for count in counts))] + [_count(total[name]) for name in statuses])
    table = CountTable(rows, colWidths=[release_width, ITEMS_COLUMN] + [status_width] * len(statuses), repeatRows=1)
    table.setStyle(_table_style(roadmap, statuses, style, fonts, styles))
    table.setStyle(_zero_cells(rows, style, fonts))
    return table


class CountTable(Table):
    """ReportLab's Table, its one-line text cells (the counts: 3,600 at 400 releases) written as operators, where
    Table draws each through the canvas's text object; what it draws otherwise is Table's own."""

    def _drawCell(self, cellval: Any, cellstyle: Any, pos: tuple[float, float], size: tuple[float, float]) -> None:
        code = _count_operators(self.canv, cellval, cellstyle, pos, size)
        if code is None:
            super()._drawCell(cellval, cellstyle, pos, size)
        else:
            self.canv._code.extend(code)


def _count_operators(
    canvas: Any, text: Any, style: Any, pos: tuple[float, float], size: tuple[float, float]
) -> list[str] | None:
    """The operators of a one-line text cell, placed as Table places it; None for any other cell."""
    plain = type(text) is str and "\n" not in text and not (style.href or style.destination)
    font = pdfmetrics.getFont(style.fontname) if plain and not (style.direction or style.shaping) else None
    colour = style.color
    if not isinstance(font, TTFont) or type(colour) is not colors.Color or colour.alpha != 1:
        return None
    (left, bottom), (width, height) = pos, size
    text_size = text_width(text, style.fontname, style.fontsize)
    x = {
        "LEFT": left + style.leftPadding,
        "CENTRE": left + (width + style.leftPadding - style.rightPadding) / 2 - text_size / 2,
        "CENTER": left + (width + style.leftPadding - style.rightPadding) / 2 - text_size / 2,
        "RIGHT": left + width - style.rightPadding - text_size,
    }.get(style.alignment)
    y = {
        "BOTTOM": bottom + style.bottomPadding + style.leading - style.fontsize,
        "TOP": bottom + height - style.topPadding - style.fontsize,
        "MIDDLE": bottom + (style.bottomPadding + height - style.topPadding + style.leading) / 2 - style.fontsize,
    }.get(style.valign)
    if x is None or y is None:
        return None
    placed = placed_text(canvas, x, y, [(style.fontname, text)], style.fontsize)
    return ["q", colour_operator(colour), *placed, "Q"]


def _release_cell(name: str, period: str, fonts: FontSet, style: Style, styles: Styles) -> Flowable:
    """The release's name in bold over its period in the muted colour, set by lines.py unless it must wrap."""
    cell_style = styles.table_cell
    text = Fragments(cell_style)
    muted = colors.HexColor(hex_colour(style.colours.muted))
    for face, run in fonts.runs(keep_spaces(name)):
        text.add(run, face or fonts.bold)
    text.line_break()
    for face, run in fonts.runs(keep_spaces(period)):
        text.add(run, face, colour=muted)
    markup = (
        f'<b>{fonts.markup(name)}</b><br/><font color="{hex_colour(style.colours.muted)}">{fonts.markup(period)}</font>'
    )
    faces = frozenset((fonts.regular, fonts.bold, fonts.italic))
    return SetParagraph(text.done(), cell_style, None, faces, lambda: Paragraph(markup, cell_style))


def _count(value: int) -> str:
    return str(value) if value else ZERO


def _release_width(counts: list[ReleaseCount], fonts: FontSet, style: Style, text: TableText) -> float:
    size = style.type.small_size
    widest = max(
        [stringWidth(count.name, fonts.bold, size) for count in counts]
        + [stringWidth(count.period or text.no_period, fonts.regular, size) for count in counts]
        + [stringWidth(text.release, fonts.bold, size)]
    )
    return min(max(widest + 2 * CELL_PADDING + 2, 70.0), 150.0)


def _fitted_head(styles: Styles, fonts: FontSet, labels: list[str], column: float) -> object:
    """The header style, smaller when a word of a status label would not fit its column."""
    size = styles.table_head.fontSize
    words = [word for label in labels for word in label.split()] or [""]
    while size > 5.5 and max(stringWidth(word, fonts.bold, size) for word in words) > column - 2 * CELL_PADDING:
        size -= 0.25
    return styles.table_head.clone("evepub-head-fitted", fontSize=size, leading=size * 1.25)


def _cell(label: str, style: object, fonts: FontSet, left: bool = False) -> Paragraph:
    cell_style = style.clone("evepub-head-left", alignment=0) if left else style  # type: ignore[attr-defined]
    return Paragraph(fonts.markup(label), cell_style)


def _table_style(roadmap: Roadmap, statuses: list[str], style: Style, fonts: FontSet, styles: Styles) -> TableStyle:
    colours = style.colours
    numbers = styles.table_number
    commands: list[tuple[object, ...]] = [
        ("FONTNAME", (0, 0), (-1, -1), fonts.regular),  # Table sets a cell font even for Paragraph cells
        ("FONTNAME", (1, 1), (1, -1), fonts.bold),  # the item counts, and the total row's
        ("FONTNAME", (1, -1), (-1, -1), fonts.bold),
        ("FONTSIZE", (1, 1), (-1, -1), numbers.fontSize),
        ("LEADING", (1, 1), (-1, -1), numbers.leading),
        ("TEXTCOLOR", (1, 1), (-1, -1), numbers.textColor),
        ("ALIGN", (1, 1), (-1, -1), TABLE_ALIGNMENT.get(numbers.alignment, "CENTER")),
        ("BACKGROUND", (0, 0), (-1, 0), colours.table_header_fill),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("LEFTPADDING", (0, 0), (-1, -1), CELL_PADDING),
        ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PADDING),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
        ("LINEBELOW", (0, 1), (-1, -2), 0.4, colours.rule),
        ("LINEABOVE", (0, -1), (-1, -1), 1.0, colours.accent),
        ("LINEBELOW", (0, -1), (-1, -1), 1.0, colours.accent),
        ("BACKGROUND", (1, 1), (1, -1), colours.table_stripe_fill),
    ]
    for column, name in enumerate(statuses, start=2):
        colour = roadmap.status(name).colour
        commands.append(("LINEBELOW", (column, 0), (column, 0), 2.5, colors.HexColor(f"#{colour}")))
    return TableStyle(commands)


def _zero_cells(rows: list[list[object]], style: Style, fonts: FontSet) -> TableStyle:
    """Every count of nothing in the zero colour, never bold (a release without items, say)."""
    zero = colors.HexColor(hex_colour(style.colours.zero))
    zeros = [(column, row) for row, cells in enumerate(rows) for column, cell in enumerate(cells) if cell == ZERO]
    commands = [("TEXTCOLOR", place, place, zero) for place in zeros]
    return TableStyle(commands + [("FONTNAME", place, place, fonts.regular) for place in zeros])
