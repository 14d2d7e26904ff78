"""Cells and rows written as XML text: openpyxl's cell objects cost more than the rest of a tracker.

An item's row is prepared once (texts checked and escaped, wrapped height estimated) and then written into the
all-releases tracker and into its release's tracker, with the row numbers and style ids of each workbook. The
other sheets' cells are prepared the same way. The XML is what openpyxl itself writes for the same cells
(tests/test_xlsx.py compares them), but for the customHeight of the Items rows.
"""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

from lxml import etree
from openpyxl.compat import safe_string
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel
from openpyxl.utils.exceptions import IllegalCharacterError

from evepub.formats.ooxml import xml_text
from evepub.formats.xlsx.layout import ILLEGAL_CHARACTERS_RE, NON_CHARACTER_RE
from evepub.formats.xlsx.styles import CellStyles, StyleKey

FORMULA_LIMIT = 32_767  # characters openpyxl keeps of a formula, as of any cell value


class CellXml(NamedTuple):  # a tuple: made for every cell, where a frozen dataclass costs nearly twice as much
    """One prepared cell: its column letter, its style and its XML after the style attribute."""

    column: str
    style: StyleKey | None  # None: a cell without style
    body: str


class ItemRow(NamedTuple):
    """One prepared row of the Items sheet."""

    cells: tuple[CellXml, ...]
    attributes: str  # the row element's attributes after r, such as ' outlineLevel="1" ht="30"'
    level: int
    link: tuple[str, str] | None  # the column letter and address of the row's hyperlink


def escaped(text: str) -> str:
    """Text as an XML text node, escaped the way openpyxl's XML library writes it (ASCII, character references)."""
    text = xml_text(text)
    return text if text.isascii() else text.encode("ascii", "xmlcharrefreplace").decode("ascii")


def text_cell(column: int, text: str, style: str, quote: bool) -> CellXml:
    """A string cell, stored inline as openpyxl stores it (an empty text as a typed cell without content)."""
    if not text:
        return CellXml(get_column_letter(column), (style, quote), ' t="inlineStr"></c>')
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


def bool_cell(column: int, value: bool) -> CellXml:
    """A TRUE or FALSE cell without style."""
    return CellXml(get_column_letter(column), None, f' t="b"><v>{safe_string(value)}</v></c>')


def formula_cell(column: int, formula: str, style: str, cached: float | None) -> CellXml:
    """A formula cell (formula given with its "="), with the value it computes stored for viewers that do not
    recalculate; checked as openpyxl checks a cell value."""
    formula = formula[:FORMULA_LIMIT]
    if not formula.isprintable():  # else no control character, surrogate or non-character: no search needed
        _check_formula(formula)
    value = "" if cached is None else repr(cached)
    return CellXml(get_column_letter(column), (style, False), f"><f>{escaped(formula[1:])}</f><v>{value}</v></c>")


def _check_formula(formula: str) -> None:
    """Refuse a formula as openpyxl and its XML library would."""
    if ILLEGAL_CHARACTERS_RE.search(formula):
        raise IllegalCharacterError(f"{formula} cannot be used in worksheets.")
    if NON_CHARACTER_RE.search(formula):  # what XML cannot carry: refused by the XML library, as openpyxl's writer is
        etree.Element("f").text = formula[1:]


def row_attributes(outline: int, height: float | None) -> str:
    """The attributes openpyxl writes for a row of this outline level and height (never customHeight)."""
    attributes = f' outlineLevel="{outline}"' if outline else ""
    return attributes + (f' ht="{safe_string(height)}"' if height else "")


def rows_xml(rows: list[ItemRow], first_row: int, styles: CellStyles, links: list[tuple[str, str]]) -> str:
    """The XML of prepared rows from first_row on; their hyperlinks (cell, address) are added to links."""
    parts: list[str] = []
    known, attribute = styles.known, styles.attribute  # the lookup inline: this loop writes every item's cells
    for number, row in enumerate(rows, start=first_row):
        end = f'{number}"'
        cells = []
        for column, style_key, body in row.cells:
            style = known.get(style_key)
            if style is None:
                style = attribute(style_key)
            cells.append(f'<c r="{column}{end}{style}{body}')
        parts.append(f'<row r="{end}{row.attributes}>{"".join(cells)}</row>')
        if row.link:
            links.append((f"{row.link[0]}{number}", row.link[1]))
    return "".join(parts)
