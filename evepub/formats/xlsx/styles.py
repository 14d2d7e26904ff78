"""The cell styles of the trackers: registered in an openpyxl workbook, numbered per tracker, written by openpyxl.

openpyxl numbers a workbook's fonts, fills, borders, alignments and number formats in the order they are
registered, and its cell styles in the order the cells are written. Styles registers evepub's named styles in
the order a tracker does, once for each such order in a build; CellStyles numbers the cell styles of one tracker
as openpyxl would; and the styles part (xl/styles.xml) is written by openpyxl once for each list of cell styles.
"""

from __future__ import annotations

import datetime as dt
import re
from copy import copy
from typing import Any

from openpyxl.styles import Alignment, Border, NamedStyle, PatternFill, Protection, Side
from openpyxl.styles.cell_style import StyleArray
from openpyxl.styles.differential import DifferentialStyleList
from openpyxl.styles.stylesheet import write_stylesheet
from openpyxl.utils.indexed_list import IndexedList
from openpyxl.workbook import Workbook
from openpyxl.worksheet.dimensions import ColumnDimension
from openpyxl.xml.functions import tostring

from evepub.formats.xlsx.layout import (
    INPUT_FILL,
    MAX_INDENT,
    SPAN_FILL,
    TABLE_HEADER_FILL,
    TEXT_FORMAT,
    font,
    item_style,
)

StyleKey = tuple[str, bool]  # a named style, and whether the cell has Excel's quote prefix
Record = tuple[int, ...]  # openpyxl's StyleArray of a cell or column, as a tuple
NO_STYLE: Record = tuple(StyleArray())
FONT_RE = re.compile(rb"<font>((?:<[A-Za-z]+(?: [^<>]*)?/>)*)</font>")  # a font of empty elements, as openpyxl writes
FONT_CHILD_RE = re.compile(rb"<([A-Za-z]+)(?: [^<>]*)?/>")
FONT_CHILD_ORDER = (
    b"b", b"i", b"strike", b"condense", b"extend", b"outline", b"shadow", b"u", b"vertAlign", b"sz", b"color",
    b"name", b"family", b"charset", b"scheme",
)  # fmt: skip
SOME_DATE = dt.date(2000, 1, 1)


class Styles:
    """The named cell styles of a tracker, registered once in an openpyxl workbook in the order a tracker registers
    them: the fixed ones, what a Summary date cell and the Total cell add, then the Item styles in first-use order."""

    TEXT = "evepub text"
    WRAP = "evepub wrapped text"
    NUMBER = "evepub number"
    LINK = "evepub link"
    HEADER = "evepub header"
    HEADER_NUMBER = "evepub header over numbers"
    TITLE = "evepub title"
    COUNT = "evepub count"
    PERCENT = "evepub percent"
    TOTAL = "evepub total"
    TOTAL_PERCENT = "evepub total percent"
    INPUT = "evepub input"
    INPUT_DATE = "evepub input date"
    DATE = "evepub date"
    SPAN = "evepub timeline span"
    TOTAL_LABEL = "evepub total, aligned left"  # no named style: the Summary's Total cell, TOTAL aligned left

    def __init__(self, date_format: str, item_levels: tuple[int, ...], dated: bool) -> None:
        self.workbook = Workbook()
        self._named: dict[str, NamedStyle] = {}
        self._records: dict[StyleKey, Record] = {}
        self._columns: dict[str, Record] = {}
        self._add_fixed(date_format)
        scratch = self.workbook.active
        if dated:  # a date put into a cell without a date format gives it openpyxl's default one first
            scratch.cell(row=1, column=1).value = SOME_DATE
        label = scratch.cell(row=1, column=2)
        label.style = self.TOTAL
        label.alignment = Alignment(horizontal="left")
        self._label = tuple(label._style)
        for level in item_levels:
            self.item(level)

    def _add_fixed(self, date_format: str) -> None:
        top = Alignment(vertical="top")
        wrap = Alignment(vertical="top", wrap_text=True)
        above = Border(top=Side(style="thin"))
        bold = font(bold=True)
        self._add(self.TEXT, alignment=top)
        self._add(self.WRAP, alignment=wrap)
        self._add(self.NUMBER, alignment=Alignment(vertical="top", horizontal="center"))
        self._add(self.LINK, alignment=wrap, font=font(color="0563C1", underline="single"))
        self._add(
            self.HEADER,
            alignment=Alignment(vertical="center", wrap_text=True),
            font=font(bold=True, color="FFFFFF"),
            fill=PatternFill(fill_type="solid", start_color=TABLE_HEADER_FILL, end_color=TABLE_HEADER_FILL),
        )
        self._add(
            self.HEADER_NUMBER,
            alignment=Alignment(horizontal="center", vertical="center", wrap_text=True),
            font=font(bold=True, color="FFFFFF"),
            fill=PatternFill(fill_type="solid", start_color=TABLE_HEADER_FILL, end_color=TABLE_HEADER_FILL),
        )
        self._add(self.TITLE, font=font(bold=True, size=14))
        centre = Alignment(horizontal="center")
        self._add(self.COUNT, number_format="0", alignment=centre)
        self._add(self.PERCENT, number_format="0%", alignment=centre)
        self._add(self.TOTAL, font=bold, border=above, number_format="0", alignment=centre)
        self._add(self.TOTAL_PERCENT, font=bold, border=above, number_format="0%", alignment=centre)
        shaded = PatternFill(fill_type="solid", start_color=INPUT_FILL, end_color=INPUT_FILL)
        unlocked = Protection(locked=False)  # editable once the sheet is protected
        self._add(self.INPUT, alignment=wrap, number_format=TEXT_FORMAT, fill=shaded, protection=unlocked)
        self._add(self.INPUT_DATE, alignment=top, number_format=date_format, fill=shaded, protection=unlocked)
        self._add(self.DATE, alignment=centre, number_format=date_format)
        span = PatternFill(fill_type="solid", start_color=SPAN_FILL, end_color=SPAN_FILL)
        self._add(self.SPAN, fill=span, border=Border(left=Side(style="thin", color="FFFFFF")))

    def _add(self, name: str, **parts: Any) -> None:
        style = NamedStyle(name=name, **{"font": font(), **parts})
        self.workbook.add_named_style(style)
        self._named[name] = style

    def item(self, level: int) -> str:
        """The style of an Item cell, registered on first use: wrapped text indented by the item's level."""
        name = item_style(level)
        if name not in self._named:
            indent = min(level, MAX_INDENT)
            self._add(name, alignment=Alignment(horizontal="left", vertical="top", wrap_text=True, indent=indent))
        return name

    def record(self, key: StyleKey) -> Record:
        """The style record a cell of a named style gets, with Excel's quote prefix if asked."""
        found = self._records.get(key)
        if found is None:
            name, quote = key
            record = StyleArray(self._label) if name == self.TOTAL_LABEL else copy(self._named[name].as_tuple())
            if quote:
                record.quotePrefix = True
            found = self._records[key] = tuple(record)
        return found

    def column_record(self, name: str) -> Record:
        """The style record of a whole column given the font, alignment and number format of a named style."""
        found = self._columns.get(name)
        if found is None:
            style = self._named[name]
            dimension = ColumnDimension(self.workbook.active, index="A")
            dimension.font, dimension.alignment = style.font, style.alignment
            dimension.number_format = style.number_format
            found = self._columns[name] = tuple(dimension._style)
        return found

    def stylesheet(self, records: list[Record], differential: DifferentialStyleList) -> bytes:
        """The styles part of a tracker whose cells have these style records, in openpyxl's numbering order."""
        self.workbook._cell_styles = IndexedList([StyleArray(record) for record in records])
        self.workbook._differential_styles = differential
        return in_schema_order(tostring(write_stylesheet(self.workbook)))


def in_schema_order(styles_xml: bytes) -> bytes:
    """The styles part with each font's properties in the schema's order: openpyxl writes the name first."""

    def ordered(match: re.Match[bytes]) -> bytes:
        children = sorted(FONT_CHILD_RE.finditer(match.group(1)), key=lambda child: _font_rank(child.group(1)))
        return b"<font>" + b"".join(child.group(0) for child in children) + b"</font>"

    return FONT_RE.sub(ordered, styles_xml)


def _font_rank(name: bytes) -> int:
    return FONT_CHILD_ORDER.index(name) if name in FONT_CHILD_ORDER else len(FONT_CHILD_ORDER)


class CellStyles:
    """The cell style numbers of one tracker, handed out in the order its cells are written, as openpyxl does."""

    def __init__(self, styles: Styles) -> None:
        self.styles = styles
        self.numbers: dict[Record, int] = {NO_STYLE: 0}
        self.known: dict[StyleKey | None, str] = {None: ""}  # the s attribute of every style numbered so far

    def attribute(self, key: StyleKey | None) -> str:
        """The s attribute of a cell of this style; none for a cell without style (key None) or with an empty one."""
        found = self.known.get(key)
        if found is None:
            found = self.known[key] = self._numbered(self.styles.record(key), ' s="{}"')
        return found

    def column_attribute(self, name: str) -> str:
        """The style attribute of a column given the parts of a named style."""
        return self._numbered(self.styles.column_record(name), ' style="{}"')

    def _numbered(self, record: Record, attribute: str) -> str:
        if not any(record):
            return ""
        number = self.numbers.setdefault(record, len(self.numbers))
        return attribute.format(number)

    def records(self) -> list[Record]:
        """Every style record numbered so far, in number order."""
        return list(self.numbers)
