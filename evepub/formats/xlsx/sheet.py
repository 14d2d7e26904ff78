"""A worksheet's XML as openpyxl writes it: its fixed elements serialised by openpyxl, its cells prepared (rows.py).

openpyxl writes a worksheet as a stream of elements: properties, used range, views, format, columns, the rows of
cells, then the elements after them (protection, conditional formats, validations, hyperlinks, print settings,
page breaks, drawing, tables). CellGrid holds a sheet's cells as openpyxl would hold them, and SheetXml joins
the parts in that order.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from lxml import etree
from openpyxl.compat import safe_string
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.xml.constants import SHEET_MAIN_NS

from evepub.formats.xlsx.layout import FORMULA_LEADERS, cell_text
from evepub.formats.xlsx.rows import (
    CellXml,
    bool_cell,
    date_cell,
    empty_cell,
    formula_cell,
    number_cell,
    text_cell,
)
from evepub.formats.xlsx.styles import CellStyles

WORKSHEET_START = f'<worksheet xmlns="{SHEET_MAIN_NS}">'
WORKSHEET_END = "</worksheet>"
KnownCells = dict[tuple[int, str, str], CellXml]  # text cells by column, text and style, made once


class CellGrid:
    """The cells of one sheet by row and column, as an openpyxl worksheet would hold them, and its row heights."""

    def __init__(self, known: KnownCells | None = None) -> None:
        self.cells: dict[int, dict[int, CellXml | None]] = {}  # None: a cell made but empty, never written
        self.heights: dict[int, float | None] = {}  # rows given a height (None: given one and then none)
        self.known: KnownCells = {} if known is None else known  # shared by the sheets of a build

    def put(self, row: int, column: int, cell: CellXml | None) -> None:
        """Set one cell."""
        self.cells.setdefault(row, {})[column] = cell

    def text(self, row: int, column: int, text: str, style: str, where: str = "tracker") -> None:
        """A string cell, never a formula or an error code, in a named style (quote-prefixed if it looks like one)."""
        key = (column, text, style)  # a text once checked passes wherever it stands: `where` only names a failure
        cell = self.known.get(key)
        if cell is None:
            stored = cell_text(text, where)
            cell = self.known[key] = text_cell(column, stored, style, stored.startswith(FORMULA_LEADERS))
        self.put(row, column, cell)

    def styled(self, row: int, column: int, style: str) -> None:
        """A cell with a style and no value."""
        self.put(row, column, empty_cell(column, style))

    def number(self, row: int, column: int, value: int, style: str) -> None:
        """A number cell."""
        self.put(row, column, number_cell(column, value, style))

    def date(self, row: int, column: int, value: dt.date, style: str) -> None:
        """A date cell."""
        self.put(row, column, date_cell(column, value, style))

    def boolean(self, row: int, column: int, value: bool) -> None:
        """A TRUE or FALSE cell without style."""
        self.put(row, column, bool_cell(column, value))

    def formula(self, row: int, column: int, formula: str, style: str, cached: float | None) -> None:
        """A formula cell with its computed value."""
        self.put(row, column, formula_cell(column, formula, style, cached))

    def touch(self, row: int, column: int) -> None:
        """A cell openpyxl makes without a value or style (as freeze_panes does): it counts for the used range."""
        self.cells.setdefault(row, {}).setdefault(column, None)

    def dimension(self) -> str:
        """The used range, as openpyxl computes it from the cells it holds."""
        columns = [column for row in self.cells.values() for column in row]
        if not columns:
            return "A1:A1"
        rows = [row for row, cells in self.cells.items() if cells]
        return f"{get_column_letter(min(columns))}{min(rows)}:{get_column_letter(max(columns))}{max(rows)}"

    def xml(self, styles: CellStyles) -> str:
        """The rows, in order, each with its cells in column order."""
        parts: list[str] = []
        attribute = styles.attribute
        for number in sorted(self.cells.keys() | self.heights.keys()):
            height = self.heights.get(number)
            extra = f' ht="{safe_string(float(height))}" customHeight="1"' if height is not None else ""
            parts.append(f'<row r="{number}"{extra}>')
            cells = self.cells.get(number, {})
            for column in sorted(cells):
                cell = cells[column]
                if cell is not None:
                    parts.append(f'<c r="{cell.column}{number}"{attribute(cell.style)}{cell.body}')
            parts.append("</row>")
        return "".join(parts)


@dataclass(frozen=True)
class Column:
    """One column's width, and the named style whose font, alignment and number format the whole column takes."""

    width: float
    style: str | None = None


def cols_xml(columns: dict[int, Column], styles: CellStyles) -> str:
    """The column widths (and styles), in column order; nothing when no column has a width."""
    parts = []
    for number in sorted(columns):
        column = columns[number]
        if not column.width:
            continue
        style = styles.column_attribute(column.style) if column.style else ""
        width = safe_string(float(column.width))
        parts.append(f'<col width="{width}" customWidth="1"{style} min="{number}" max="{number}"/>')
    return f"<cols>{''.join(parts)}</cols>" if parts else ""


@dataclass(frozen=True)
class SheetHead:
    """The elements of a sheet before its rows that do not depend on its cells, serialised by openpyxl."""

    properties: str
    views: str
    format: str

    @classmethod
    def of(cls, sheet: Worksheet) -> SheetHead:
        """What openpyxl writes for a sheet's properties, views and format."""
        sheet.sheet_format.outlineLevelCol = sheet.column_dimensions.max_outline
        parts = (sheet.sheet_properties, sheet.views, sheet.sheet_format)
        return cls(*(etree.tostring(part.to_tree()).decode("ascii") for part in parts))


@dataclass
class SheetXml:
    """The parts of one worksheet's XML, in the order openpyxl writes them."""

    head: SheetHead
    dimension: str
    cols: str
    rows: list[str] = field(default_factory=list)
    tail: list[str] = field(default_factory=list)

    def part(self) -> bytes:
        """The whole part."""
        head = self.head
        return "".join(
            [
                WORKSHEET_START, head.properties, f'<dimension ref="{self.dimension}"/>', head.views, head.format,
                self.cols, "<sheetData>", *self.rows, "</sheetData>", *self.tail, WORKSHEET_END,
            ]
        ).encode("ascii")  # fmt: skip
