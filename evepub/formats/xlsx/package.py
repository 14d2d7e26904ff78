"""What every tracker of a build shares, made once by openpyxl: a tracker without cells, written by openpyxl's own
workbook writer, whose parts the trackers take as they are and whose elements they take with their own values.

The parts that do not depend on the tracker (content types, relationships, theme, application properties) are
openpyxl's bytes. The drawing and the workbook part are openpyxl's XML trees, copied and given a tracker's chart
position and print area. The sheets' elements before and after their rows are openpyxl's, serialised once;
what depends on the tracker (the page header, the hyperlinks' relationships, the document properties) is made
by openpyxl for each tracker.
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
import io
import re
from dataclasses import dataclass

from lxml import etree
from openpyxl.chart import BarChart
from openpyxl.drawing.spreadsheet_drawing import SpreadsheetDrawing
from openpyxl.packaging.core import DocumentProperties
from openpyxl.packaging.relationship import Relationship, RelationshipList
from openpyxl.utils.escape import escape as ooxml_escape
from openpyxl.utils.units import cm_to_EMU
from openpyxl.workbook import Workbook
from openpyxl.workbook._writer import WorkbookWriter
from openpyxl.worksheet._writer import WorksheetWriter
from openpyxl.worksheet.header_footer import HeaderFooter
from openpyxl.worksheet.pagebreak import Break, RowBreak
from openpyxl.worksheet.print_settings import PrintArea
from openpyxl.worksheet.protection import SheetProtection
from openpyxl.worksheet.related import Related
from openpyxl.worksheet.table import Table
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter
from openpyxl.xml.constants import REL_NS
from openpyxl.xml.functions import tostring

from evepub.formats.ooxml import xml_text
from evepub.formats.xlsx.layout import visible_text
from evepub.formats.xlsx.rows import escaped
from evepub.formats.xlsx.sheet import SheetHead

SHARED_PARTS = (
    "[Content_Types].xml", "_rels/.rels", "docProps/app.xml", "xl/_rels/workbook.xml.rels", "xl/theme/theme1.xml",
)  # fmt: skip
CHART_PARTS = ("xl/worksheets/_rels/sheet1.xml.rels", "xl/drawings/_rels/drawing1.xml.rels")
PRINT_AREA = "_xlnm.Print_Area"
HEADER_PART_LIMIT = 60  # characters per header/footer part: two parts, "&" doubled, stay under Excel's 255
# private-use stand-ins for the texts of parts made once and filled in: title, scope, edition, footer
HEADER_FOOTER_SLOTS = ("\ue010", "\ue011", "\ue012", "\ue013")
PROPERTY_SLOTS = tuple(chr(0xE020 + n) for n in range(6))  # title, subject, creator, keywords, description, modifier
Filled = tuple[tuple[str, ...], tuple[int, ...]]  # a part cut around its slots, and the slot at each place
HYPERLINK_ELEMENT = '<hyperlink xmlns:r="{ns}" ref="{ref}" r:id="rId{number}"/>'
TABLE_PART = '<tableParts count="1"><tablePart xmlns:r="{ns}" r:id="rId{number}"/></tableParts>'


@dataclass(frozen=True)
class SheetTail:
    """The elements after a sheet's rows that openpyxl writes from its settings alone."""

    protection: str
    printing: str  # print options, margins, page setup: before the page header
    drawing: str  # after the page header and page breaks

    @classmethod
    def of(cls, sheet: Worksheet) -> SheetTail:
        """What openpyxl writes for a sheet's protection, print settings and drawing."""
        protection = _ascii(sheet.protection.to_tree()) if sheet.protection else ""
        printing = [sheet.print_options, sheet.page_margins, sheet.page_setup]
        drawing = _ascii(Related(id="rId1").to_tree("drawing")) if sheet._charts else ""
        return cls(protection, "".join(_ascii(part.to_tree()) for part in printing if part), drawing)


class Prototype:
    """A tracker without cells, made and written by openpyxl once per build: every tracker's shared parts and the
    elements of its sheets that do not depend on the tracker."""

    def __init__(self, workbook: Workbook) -> None:
        """Given the workbook with its sheets set up, a chart on the first if the trackers have one, a table on
        the second."""
        sheets = workbook.worksheets
        self.heads = [SheetHead.of(sheet) for sheet in sheets]
        self.tails = [SheetTail.of(sheet) for sheet in sheets]
        self.chart = bool(sheets[0]._charts)
        self.workbook_tree = _workbook_tree(workbook)
        self.drawing_tree = _drawing_tree() if self.chart else None
        parts = _written(workbook)
        self.shared = {name: parts[name] for name in SHARED_PARTS + (CHART_PARTS if self.chart else ())}
        self.items_title = sheets[1].title

    def workbook_xml(self, print_area: str) -> bytes:
        """The workbook part, the Items sheet printing this range."""
        tree = copy.deepcopy(self.workbook_tree)
        area = PrintArea.from_string(print_area)
        area.title = self.items_title
        for name in tree.iter("definedName"):
            if name.get("name") == PRINT_AREA:
                name.text = str(area)
        return bytes(tostring(tree))

    def drawing_xml(self, anchor_row: int, width: float, height: float) -> bytes:
        """The drawing part: the chart's top left corner in column A of anchor_row, its size in centimetres."""
        if self.drawing_tree is None:
            raise ValueError("these trackers have no chart")
        tree = copy.deepcopy(self.drawing_tree)
        _found(tree, "oneCellAnchor/from/row").text = str(anchor_row - 1)
        extent = _found(tree, "oneCellAnchor/ext")
        extent.set("cx", str(cm_to_EMU(width)))
        extent.set("cy", str(cm_to_EMU(height)))
        return bytes(tostring(tree))


def _found(tree: etree._Element, path: str) -> etree._Element:
    """The element at path in one of openpyxl's trees."""
    found = tree.find(path)
    if found is None:
        raise ValueError(f"openpyxl's tree has no {path}")
    return found


def _ascii(element: etree._Element) -> str:
    """An element as a sheet's stream writes it: ASCII, other characters as references."""
    return etree.tostring(element).decode("ascii")


def _workbook_tree(workbook: Workbook) -> etree._Element:
    """The workbook part's tree, as openpyxl's workbook writer makes it."""
    writer = WorkbookWriter(workbook)
    writer.write_properties()
    writer.write_worksheets()
    writer.write_names()
    writer.write_pivots()
    writer.write_views()
    writer.write_refs()
    return writer.package.to_tree()


def _drawing_tree() -> etree._Element:
    """The drawing part's tree for one chart, anchored at A1."""
    drawing = SpreadsheetDrawing()
    drawing.charts = [BarChart()]
    drawing.charts[0].anchor = "A1"
    return drawing._write()


class _Parts:
    """The parts of a package by name, in the order written: what openpyxl's writer needs of a zip file."""

    def __init__(self) -> None:
        self.data: dict[str, bytes] = {}

    def writestr(self, name: str, data: str | bytes) -> None:
        """Keep one part; text is stored as UTF-8, as a zip file would."""
        self.data[name] = data.encode("utf-8") if isinstance(data, str) else data

    def namelist(self) -> list[str]:
        """The names of the parts kept so far."""
        return list(self.data)


class _MemoryWriter(ExcelWriter):
    """openpyxl's workbook writer, writing every part in memory rather than through temporary files."""

    def write_worksheet(self, ws: Worksheet) -> None:
        """Write one sheet into memory."""
        ws._drawing = SpreadsheetDrawing()
        ws._drawing.charts = ws._charts
        ws._drawing.images = ws._images
        writer = WorksheetWriter(ws, out=io.BytesIO())
        writer.write()
        ws._rels = writer._rels
        self._archive.writestr(ws.path[1:], writer.read())
        self.manifest.append(ws)


def _written(workbook: Workbook) -> dict[str, bytes]:
    """Every part openpyxl writes for a workbook (not save(), which stamps the current time)."""
    parts = _Parts()
    _MemoryWriter(workbook, parts).write_data()
    return parts.data


def header_footer_text(text: str) -> str:
    """Plain text for a page header or footer: '&' starts a field code there, so it is doubled."""
    text = visible_text(" ".join(text.split()))
    if len(text) > HEADER_PART_LIMIT:
        text = text[: HEADER_PART_LIMIT - 1] + "…"  # page decoration only; cells are never cut
    return text.replace("&", "&&")


def header_footer_xml(title: str, scope: str, edition: str, footer: str) -> str:
    """The page header and footer of a sheet: title and scope (or the sheet's name) above, edition and page below."""
    texts = (title, scope, edition, footer)
    pieces, order = _header_footer_pieces(bool(scope))
    filled = (piece + escaped(ooxml_escape(texts[slot])) for piece, slot in zip(pieces[:-1], order, strict=True))
    return "".join(filled) + pieces[-1]


@functools.cache
def _header_footer_pieces(scoped: bool) -> Filled:
    """openpyxl's header and footer element, made once, around the places of its texts (no scope: the sheet's name)."""
    header_footer = HeaderFooter()
    header_footer.oddHeader.left.text = HEADER_FOOTER_SLOTS[0]
    header_footer.oddHeader.right.text = HEADER_FOOTER_SLOTS[1] if scoped else "&A"
    header_footer.oddFooter.left.text = HEADER_FOOTER_SLOTS[2]
    header_footer.oddFooter.right.text = HEADER_FOOTER_SLOTS[3]
    return _split_at_slots(_ascii(header_footer.to_tree()), [escaped(slot) for slot in HEADER_FOOTER_SLOTS])


def _split_at_slots(made: str, slots: list[str]) -> Filled:
    """A part made with stand-ins (as written in it) cut around them, with the number of the slot at each place."""
    pieces = re.split(f"({'|'.join(map(re.escape, slots))})", made)
    return tuple(pieces[::2]), tuple(slots.index(slot) for slot in pieces[1::2])


def row_break_xml(row: int) -> str:
    """A manual page break after a row."""
    breaks = RowBreak()
    breaks.append(Break(id=row))
    return _ascii(breaks.to_tree())


def hyperlinks_xml(cells: list[str]) -> str:
    """The hyperlinks of a sheet's cells, each to the relationship of the same number (cell references and
    numbers only: the addresses are in the relationships)."""
    if not cells:
        return ""
    links = (HYPERLINK_ELEMENT.format(ns=REL_NS, ref=cell, number=n) for n, cell in enumerate(cells, start=1))
    return f"<hyperlinks>{''.join(links)}</hyperlinks>"


def table_parts_xml(number: int) -> str:
    """The sheet's one table, by its relationship number."""
    return TABLE_PART.format(ns=REL_NS, number=number)


def sheet_relationships(targets: list[str], table_path: str) -> bytes:
    """The relationships of a sheet with these hyperlinks (in order) and one table."""
    relationships = RelationshipList()
    for target in targets:
        relationships.append(Relationship(type="hyperlink", TargetMode="External", Target=target))
    relationships.append(Relationship(Type=Table._rel_type, Target=table_path))
    return bytes(tostring(relationships.to_tree()))


def core_properties(
    title: str, subject: str, creator: str, keywords: str, description: str, when: dt.datetime
) -> bytes:
    """The document properties part."""
    pieces, order = _core_properties_pieces(when)
    texts = (title, subject, creator, keywords, description, creator)  # the last modified by its creator
    filled = (
        _opened(piece, texts[slot]) + xml_text(texts[slot]) for piece, slot in zip(pieces[:-1], order, strict=True)
    )
    return ("".join(filled) + pieces[-1]).encode("utf-8")


@functools.lru_cache(maxsize=4)
def _core_properties_pieces(when: dt.datetime) -> Filled:
    """openpyxl's document properties, made once for a build's moment, around the places of their texts."""
    properties = DocumentProperties()
    properties.title, properties.subject, properties.creator = PROPERTY_SLOTS[:3]
    properties.keywords, properties.description, properties.lastModifiedBy = PROPERTY_SLOTS[3:]
    properties.created = properties.modified = when
    return _split_at_slots(bytes(tostring(properties.to_tree())).decode("utf-8"), list(PROPERTY_SLOTS))


def _opened(piece: str, text: str) -> str:
    """The piece that opens a text's element, marked to keep white space at the text's ends as openpyxl marks it."""
    stripped = text.strip()
    return f'{piece[:-1]} xml:space="preserve">' if stripped and stripped != text else piece


def protected(sheet: Worksheet) -> None:
    """Protect a sheet without a password: it keeps accidents out, not people."""
    sheet.protection = SheetProtection(sheet=True)


def with_chart(sheet: Worksheet) -> None:
    """Give a sheet a chart, so that the workbook has a drawing and a chart part."""
    sheet.add_chart(BarChart(), "A1")
