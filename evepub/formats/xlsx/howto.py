"""The How to use sheet of a tracker: what sync does with each column, in the wording of the layout file."""

from __future__ import annotations

import re

from evepub.formats.xlsx.fit import row_height, wrapped_lines
from evepub.formats.xlsx.layout import COLUMN_KEYS, Layout
from evepub.formats.xlsx.sheet import CellGrid, Column
from evepub.formats.xlsx.styles import Styles

TEXT_WIDTH = 110  # character units of the one column the lines wrap in
FIRST_LINE_ROW = 3  # row 1 holds the title
PLACEHOLDER_RE = re.compile(r"\{(" + "|".join(COLUMN_KEYS) + r")\}")


def how_to_lines(layout: Layout) -> list[str]:
    """The sheet's lines, each {key} of a column replaced by that column's title."""
    return [PLACEHOLDER_RE.sub(lambda match: layout.title(match.group(1)), line) for line in layout.how_to.lines]


def build_how_to_sheet(layout: Layout) -> tuple[CellGrid, dict[int, Column]]:
    """The How to use sheet's cells and its one column: its title, then one line of plain text per row."""
    grid = CellGrid()
    grid.text(1, 1, layout.how_to.title, Styles.TITLE, "tracker layout")
    for row, line in enumerate(how_to_lines(layout), start=FIRST_LINE_ROW):
        grid.text(row, 1, line, Styles.WRAP, "tracker layout")
        grid.heights[row] = row_height(wrapped_lines(line, TEXT_WIDTH))
    return grid, {1: Column(TEXT_WIDTH)}
