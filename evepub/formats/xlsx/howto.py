"""The How to use sheet of a tracker: what sync does with each column, in the wording of the layout file."""

from __future__ import annotations

import re

from openpyxl.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from evepub.formats.xlsx.fit import row_height, wrapped_lines
from evepub.formats.xlsx.layout import COLUMN_KEYS, Layout, Styles

TEXT_WIDTH = 110  # character units of the one column the lines wrap in
FIRST_LINE_ROW = 3  # row 1 holds the title
PLACEHOLDER_RE = re.compile(r"\{(" + "|".join(COLUMN_KEYS) + r")\}")


def how_to_lines(layout: Layout) -> list[str]:
    """The sheet's lines, each {key} of a column replaced by that column's title."""
    return [PLACEHOLDER_RE.sub(lambda match: layout.title(match.group(1)), line) for line in layout.how_to.lines]


def build_how_to_sheet(workbook: Workbook, layout: Layout, styles: Styles) -> Worksheet:
    """Add the How to use sheet: its title, then one line of plain text per row."""
    sheet = workbook.create_sheet(layout.how_to.sheet)
    sheet.sheet_view.showGridLines = False
    sheet.column_dimensions["A"].width = TEXT_WIDTH
    styles.put_text(sheet.cell(row=1, column=1), layout.how_to.title, styles.TITLE, "tracker layout")
    for row, line in enumerate(how_to_lines(layout), start=FIRST_LINE_ROW):
        styles.put_text(sheet.cell(row=row, column=1), line, styles.WRAP, "tracker layout")
        sheet.row_dimensions[row].height = row_height(wrapped_lines(line, TEXT_WIDTH))
    return sheet
