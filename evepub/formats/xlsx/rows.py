"""The Items sheet's data rows, written as XML text: openpyxl's cell objects cost more than the rest of a tracker.

An item's row is prepared once (texts checked and escaped, wrapped height estimated) and then written into the
all-releases tracker and into its release's tracker, with the row numbers and style ids of each workbook. The XML is
what openpyxl itself writes for the same cells (tests/test_xlsx.py compares them), but for customHeight.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass

from openpyxl.compat import safe_string
from openpyxl.drawing.spreadsheet_drawing import SpreadsheetDrawing
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel
from openpyxl.workbook import Workbook
from openpyxl.worksheet._writer import WorksheetWriter
from openpyxl.worksheet.dimensions import SheetDimension
from openpyxl.worksheet.hyperlink import Hyperlink
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter

from evepub.formats.xlsx.layout import Styles

StyleKey = tuple[str, bool]  # a named style, and whether the cell has Excel's quote prefix


@dataclass(frozen=True, slots=True)
class CellXml:
    """One prepared cell: its column letter, its style and its XML after the style attribute."""

    column: str
    style: StyleKey
    body: str


@dataclass(frozen=True, slots=True)
class ItemRow:
    """One prepared row of the Items sheet."""

    cells: tuple[CellXml, ...]
    attributes: str  # the row element's attributes after r, such as ' outlineLevel="1" ht="30"'
    level: int
    link: tuple[str, str] | None  # the column letter and address of the row's hyperlink


def escaped(text: str) -> str:
    """Text as an XML text node, escaped the way openpyxl's XML library writes it (ASCII, character references)."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")
    return text.encode("ascii", "xmlcharrefreplace").decode("ascii")


def text_cell(column: int, text: str, style: str, quote: bool) -> CellXml:
    """A string cell, stored inline as openpyxl stores it."""
    space = ' xml:space="preserve"' if text != text.strip() else ""
    body = f' t="inlineStr"><is><t{space}>{escaped(text)}</t></is></c>'
    return CellXml(get_column_letter(column), (style, quote), body)


def number_cell(column: int, value: int, style: str) -> CellXml:
    """A number cell."""
    return CellXml(get_column_letter(column), (style, False), f' t="n"><v>{safe_string(value)}</v></c>')


def date_cell(column: int, value: dt.date, style: str) -> CellXml:
    """A date cell, stored as Excel's serial day number."""
    return CellXml(get_column_letter(column), (style, False), f' t="n"><v>{safe_string(to_excel(value))}</v></c>')


def empty_cell(column: int, style: str) -> CellXml:
    """A cell with a style and no value, ready for a typed-in text."""
    return CellXml(get_column_letter(column), (style, False), ' t="n"></c>')


def row_attributes(outline: int, height: float | None) -> str:
    """The attributes openpyxl writes for a row of this outline level and height (never customHeight)."""
    attributes = f' outlineLevel="{outline}"' if outline else ""
    return attributes + (f' ht="{safe_string(height)}"' if height else "")


class _StyleIds:
    """The style attribute of each prepared style in one workbook, registered in first-use order like openpyxl."""

    def __init__(self, workbook: Workbook, styles: Styles) -> None:
        self.cell_styles = workbook._cell_styles
        self.styles = styles
        self.known: dict[StyleKey, str] = {}

    def attribute(self, key: StyleKey) -> str:
        attribute = self.known.get(key)
        if attribute is None:
            array = self.styles.array(*key)
            attribute = f' s="{self.cell_styles.add(array)}"' if any(array) else ""
            self.known[key] = attribute
        return attribute


def rows_xml(rows: list[ItemRow], first_row: int, style_ids: _StyleIds, sheet: Worksheet) -> bytes:
    """The XML of the data rows from first_row on; their hyperlinks are added to the sheet's list as openpyxl does."""
    parts: list[str] = []
    attribute = style_ids.attribute
    for number, row in enumerate(rows, start=first_row):
        parts.append(f'<row r="{number}"{row.attributes}>')
        parts.extend(f'<c r="{cell.column}{number}"{attribute(cell.style)}{cell.body}' for cell in row.cells)
        parts.append("</row>")
        if row.link:
            sheet._hyperlinks.append(Hyperlink(ref=f"{row.link[0]}{number}", target=row.link[1]))
    return "".join(parts).encode("ascii")


@dataclass(frozen=True)
class PreparedSheet:
    """The prepared rows of one sheet, below the header rows written from openpyxl cells."""

    rows: list[ItemRow]
    columns: int
    first_row: int = 2


class _PreparedSheetWriter(WorksheetWriter):
    """openpyxl's sheet writer, with the prepared rows put after the header rows it writes from cells."""

    def __init__(self, sheet: Worksheet, prepared: PreparedSheet, styles: Styles) -> None:
        super().__init__(sheet, out=io.BytesIO())
        self.prepared = prepared
        self.styles = styles
        self.rows_xml = b""

    def write_dimensions(self) -> None:
        last_row = len(self.prepared.rows) + self.prepared.first_row - 1
        self.xf.send(SheetDimension(f"A1:{get_column_letter(self.prepared.columns)}{last_row}").to_tree())

    def write_rows(self) -> None:
        super().write_rows()  # the header rows; then the prepared rows take their style ids, in cell order
        style_ids = _StyleIds(self.ws.parent, self.styles)
        self.rows_xml = rows_xml(self.prepared.rows, self.prepared.first_row, style_ids, self.ws)

    def read(self) -> bytes:
        # everything before the first "</sheetData>" is markup or escaped text, so it is where sheetData ends
        head, tail = super().read().split(b"</sheetData>", 1)
        return head + self.rows_xml + b"</sheetData>" + tail


class TrackerWriter(ExcelWriter):
    """openpyxl's workbook writer, writing every part in memory and the rows of some sheets from prepared XML."""

    def __init__(self, workbook: Workbook, prepared: dict[str, PreparedSheet], styles: Styles) -> None:
        self.parts = Parts()
        super().__init__(workbook, self.parts)
        self.prepared, self.styles = prepared, styles

    def write_worksheet(self, ws: Worksheet) -> None:
        """Write one sheet into memory rather than a temporary file."""
        ws._drawing = SpreadsheetDrawing()
        ws._drawing.charts = ws._charts
        ws._drawing.images = ws._images
        if ws.title in self.prepared:
            writer = _PreparedSheetWriter(ws, self.prepared[ws.title], self.styles)
        else:
            writer = WorksheetWriter(ws, out=io.BytesIO())
        writer.write()
        ws._rels = writer._rels
        self.parts.writestr(ws.path[1:], writer.read())
        self.manifest.append(ws)


class Parts:
    """The parts of a package by name, in the order written: what openpyxl's writer needs of a zip file."""

    def __init__(self) -> None:
        self.data: dict[str, bytes] = {}

    def writestr(self, name: str, data: str | bytes) -> None:
        """Keep one part; text is stored as UTF-8, as a zip file would."""
        self.data[name] = data.encode("utf-8") if isinstance(data, str) else data

    def namelist(self) -> list[str]:
        """The names of the parts kept so far."""
        return list(self.data)
