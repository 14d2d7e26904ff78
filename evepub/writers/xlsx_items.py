"""The Items sheet of a tracker: one row per item, grouped by level, filterable, with a status drop-down."""

from __future__ import annotations

from openpyxl.formatting.rule import CellIsRule
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.workbook import Workbook
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.filters import AutoFilter
from openpyxl.worksheet.properties import Outline
from openpyxl.worksheet.table import Table, TableColumn, TableStyleInfo
from openpyxl.worksheet.worksheet import Worksheet

from evepub.errors import EvepubError
from evepub.model import ItemKind, Located, Roadmap, walk
from evepub.writers.xlsx_fit import FittedRow, row_height, wrapped_lines
from evepub.writers.xlsx_layout import (
    ITEMS_TABLE,
    LIST_STATUS,
    LISTS_SHEET,
    MAX_INDENT,
    Layout,
    Styles,
    font_colour_on,
    safe_text,
)

MAX_OUTLINE_LEVEL = 7  # Excel groups rows at most seven levels deep
MAX_HYPERLINK = 2_000  # Excel refuses hyperlink addresses longer than about 2,080 characters
LINK_SCHEMES = ("http://", "https://", "mailto:")
MAX_FORMULA_STRING = 255  # Excel's limit for a text constant inside a formula
UNWRAPPED_KEYS = {"id", "parent", "kind", "list"}  # short codes: cut at the column edge rather than wrapped


def status_of(located: Located, roadmap: Roadmap) -> str:
    """The status shown for an item: its own, the default one, or none for notes."""
    if located.item.kind is ItemKind.NOTE:
        return ""
    return located.item.status or roadmap.default_status


def row_texts(located: Located, roadmap: Roadmap) -> dict[str, str]:
    """The text columns of one item row, keyed by column key."""
    item = located.item
    return {
        "id": item.id,
        "release": located.release.name,
        "period": located.release.period or "",
        "area": located.area.title if located.area else "",
        "parent": located.parent.id if located.parent else "",
        "kind": item.kind.value,
        "list": located.style.label(located.number) if located.style else "",
        "item": item.text,
        "status": status_of(located, roadmap),
        "owner": item.owner or "",
        "notes": item.notes or "",
        "links": "\n".join(item.links),
    }


def build_items_sheet(workbook: Workbook, roadmap: Roadmap, layout: Layout, styles: Styles) -> Worksheet:
    """Add the Items sheet with every item of the roadmap, in document order."""
    sheet = workbook.create_sheet(layout.items_sheet)
    _write_header(sheet, layout, styles)
    rows = 0
    for row, located in enumerate(walk(roadmap), start=2):
        _write_row(sheet, row, located, roadmap, layout, styles)
        rows += 1
    last_row = max(rows, 1) + 1  # an Excel table needs one data row, even an empty one
    _add_table(sheet, layout, last_row)
    _add_status_rules(sheet, roadmap, layout, last_row)
    sheet.print_area = f"A1:{get_column_letter(layout.printed_columns)}{last_row}"
    sheet.freeze_panes = "A2"
    sheet.sheet_properties.outlinePr = Outline(summaryBelow=False, summaryRight=False)
    return sheet


def column_style(key: str, level: int, styles: Styles) -> str:
    """The named style of a cell in one column; Item cells are indented by level."""
    if key == "item":
        return styles.item(level)
    if key == "level":
        return styles.NUMBER
    if key == "target":
        return styles.DATE
    if key == "links":
        return styles.LINK
    return styles.TEXT if key in UNWRAPPED_KEYS else styles.WRAP


def _write_header(sheet: Worksheet, layout: Layout, styles: Styles) -> None:
    for number, column in enumerate(layout.columns, start=1):
        styles.put_text(sheet.cell(row=1, column=number), column.title, styles.HEADER, "tracker layout")
        dimension = sheet.column_dimensions[get_column_letter(number)]
        dimension.width = column.width
        styles.apply_to_column(dimension, column_style(column.key, 0, styles))
    sheet.row_dimensions[1].height = 30


def _write_row(sheet: Worksheet, row: int, located: Located, roadmap: Roadmap, layout: Layout, styles: Styles) -> None:
    item = located.item
    where = f"item {item.id}"
    lines = 1
    for key, text in row_texts(located, roadmap).items():
        style = column_style(key, located.level, styles)
        if text:
            styles.put_text(sheet.cell(row=row, column=layout.index(key)), text, style, where)
            if key not in UNWRAPPED_KEYS:
                indent = min(located.level, MAX_INDENT) if key == "item" else 0
                lines = max(lines, wrapped_lines(text, layout.width(key), indent))
        elif key == "item":  # an empty item keeps its indent so a typed-in text lines up
            sheet.cell(row=row, column=layout.index(key)).style = style
    level = sheet.cell(row=row, column=layout.index("level"), value=located.level)
    styles.apply(level, styles.NUMBER)
    if item.target is not None:
        target = sheet.cell(row=row, column=layout.index("target"), value=item.target)
        styles.apply(target, styles.DATE)
    link = _first_link(item.links)
    if link:
        sheet.cell(row=row, column=layout.index("links")).hyperlink = link
    outline = min(located.level, MAX_OUTLINE_LEVEL)
    height = row_height(lines)
    if outline or height:
        sheet.row_dimensions[row] = FittedRow(sheet, index=row, ht=height, outlineLevel=outline)


def _first_link(links: list[str]) -> str | None:
    """The address a Links cell opens: the first web or mail link that Excel can take."""
    if not links:
        return None
    first = links[0]
    if first.lower().startswith(LINK_SCHEMES) and len(first) <= MAX_HYPERLINK and first == safe_text(first, ""):
        return first
    return None


def _add_table(sheet: Worksheet, layout: Layout, last_row: int) -> None:
    ref = f"A1:{get_column_letter(len(layout.columns))}{last_row}"
    # columns named here, or openpyxl reads the header through ws[ref] and creates every empty cell of the table
    columns = [TableColumn(id=number, name=column.title) for number, column in enumerate(layout.columns, start=1)]
    table = Table(displayName=ITEMS_TABLE, ref=ref, tableColumns=columns, autoFilter=AutoFilter(ref=ref))
    table.tableStyleInfo = TableStyleInfo(name=layout.table_style, showRowStripes=True)
    sheet.add_table(table)


def _add_status_rules(sheet: Worksheet, roadmap: Roadmap, layout: Layout, last_row: int) -> None:
    """A drop-down of the statuses on the Lists sheet, and a fill colour per status."""
    letter = get_column_letter(layout.index("status"))
    cells = f"{letter}2:{letter}{last_row}"
    list_letter = get_column_letter(LIST_STATUS)
    choices = f"{LISTS_SHEET}!${list_letter}$2:${list_letter}${len(roadmap.statuses) + 1}"
    validation = DataValidation(
        type="list",
        formula1=choices,
        allow_blank=True,
        showErrorMessage=True,
        errorTitle=layout.summary["status_error_title"],
        error=layout.summary["status_error"],
    )
    validation.add(cells)
    sheet.add_data_validation(validation)
    for status in roadmap.statuses:
        fill = PatternFill(fill_type="solid", start_color=status.colour, end_color=status.colour)
        font = Font(color=font_colour_on(status.colour))
        rule = CellIsRule(operator="equal", formula=[formula_string(status.name, "status")], fill=fill, font=font)
        sheet.conditional_formatting.add(cells, rule)


def formula_string(text: str, what: str) -> str:
    """A text as a string constant inside a formula, refused when Excel could not hold it."""
    if len(text) > MAX_FORMULA_STRING - 1:
        raise EvepubError(f"{what} '{text[:40]}...' is too long for a tracker formula ({MAX_FORMULA_STRING - 1} max)")
    return '"' + text.replace('"', '""') + '"'
