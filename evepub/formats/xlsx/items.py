"""The Items sheet of a tracker: one row per item, grouped by level, filterable, with a status drop-down.

The sheet is protected without a password: the cells of the four columns sync merges (model.TRACKED_FIELDS)
are shaded and unlocked, every other cell is locked; filtering, formatting rows and columns and selecting
stay allowed. Owner and Notes cells are text ("@"), so nothing typed there is converted; Target date cells,
empty ones too, are dates with a date validation; Status keeps its drop-down, and a status that is not exactly
one of the list (Excel's list validation ignores case, and a paste skips validation) is shown in red.
"""

from __future__ import annotations

import datetime as dt

from openpyxl.formatting.rule import CellIsRule, FormulaRule
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel
from openpyxl.workbook import Workbook
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.filters import AutoFilter
from openpyxl.worksheet.properties import Outline
from openpyxl.worksheet.table import Table, TableColumn, TableStyleInfo
from openpyxl.worksheet.worksheet import Worksheet

from evepub.errors import EvepubError
from evepub.formats.xlsx.contract import row_texts
from evepub.formats.xlsx.fit import row_height, text_width, wrapped_lines
from evepub.formats.xlsx.layout import (
    FORMULA_LEADERS,
    ITEMS_TABLE,
    LIST_STATUS,
    LISTS_SHEET,
    MAX_INDENT,
    Layout,
    Styles,
    cell_text,
    font_colour_on,
    item_style,
    safe_text,
    tint,
)
from evepub.formats.xlsx.rows import (
    CellXml,
    ItemRow,
    date_cell,
    empty_cell,
    number_cell,
    row_attributes,
    text_cell,
)
from evepub.model import TRACKED_FIELDS, ItemKind, Located, Roadmap, walk

MAX_OUTLINE_LEVEL = 7  # Excel groups rows at most seven levels deep
MAX_HYPERLINK = 2_000  # Excel refuses hyperlink addresses longer than about 2,080 characters
LINK_SCHEMES = ("http://", "https://", "mailto:")
MAX_FORMULA_STRING = 255  # Excel's limit for a text constant inside a formula
MAX_FORMULA_TEXT = 6000  # of the 8,192 characters of a whole formula, what one text may take
UNWRAPPED_KEYS = {"id", "parent", "kind", "list"}  # short codes: cut at the column edge rather than wrapped
TARGETS_AFTER = dt.date(1900, 1, 1)  # the date validation takes any date after this one, and no text
MAX_ID_WIDTH = 50  # character units; IDs longer than this are clipped rather than widening the sheet without end
ID_MARGIN = 2  # character units of padding beside the longest ID
WRONG_CASE_FILL, WRONG_CASE_FONT = "FFC7CE", "9C0006"  # Excel's "Bad" cell style: light red, dark red text


def item_rows(roadmap: Roadmap, layout: Layout) -> list[list[ItemRow]]:
    """The prepared Items rows of every release, in document order."""
    rows: list[list[ItemRow]] = [[] for _ in roadmap.releases]
    index = {id(release): number for number, release in enumerate(roadmap.releases)}
    cells = _CellCache(layout)
    for located in walk(roadmap):
        rows[index[id(located.release)]].append(item_row(located, roadmap, layout, cells))
    return rows


class _CellCache:
    """Text cells of the columns whose texts repeat (release, period, area, status...), prepared once each."""

    def __init__(self, layout: Layout) -> None:
        self.layout = layout
        self.known: dict[tuple[str, str], tuple[CellXml, int]] = {}

    def text(self, key: str, text: str, where: str) -> tuple[CellXml, int]:
        """The cell of a column key holding a text, and the lines it wraps to."""
        found = self.known.get((key, text))
        if found is None:
            column = self.layout.index(key)
            stored = cell_text(text, where)
            cell = text_cell(column, stored, column_style(key, 0), stored.startswith(FORMULA_LEADERS))
            lines = 1 if key in UNWRAPPED_KEYS else wrapped_lines(text, self.layout.width(key))
            found = self.known[(key, text)] = (cell, lines)
        return found


def build_items_sheet(
    workbook: Workbook, roadmap: Roadmap, layout: Layout, styles: Styles, rows: list[ItemRow]
) -> Worksheet:
    """Add the Items sheet with its header; the rows themselves are written by xlsx_rows.TrackerWriter."""
    sheet = workbook.create_sheet(layout.items_sheet)
    for level in dict.fromkeys([0, *(row.level for row in rows)]):
        styles.item(level)  # named styles in first-use order, the header's first
    _write_header(sheet, layout, styles, id_width(roadmap, layout))
    last_row = max(len(rows), 1) + 1  # an Excel table needs one data row, even an empty one
    _add_table(sheet, layout, last_row)
    _add_status_rules(sheet, roadmap, layout, last_row)
    _add_target_validation(sheet, layout, last_row)
    _add_source_guard(sheet, layout, last_row)
    sheet.print_area = f"A1:{get_column_letter(layout.printed_columns)}{last_row}"
    sheet.freeze_panes = "A2"
    sheet.sheet_properties.outlinePr = Outline(summaryBelow=False, summaryRight=False)
    return sheet


def column_style(key: str, level: int) -> str:
    """The named style of a cell in one column; Item cells are indented by level."""
    if key == "item":
        return item_style(level)
    if key == "level":
        return Styles.NUMBER
    if key == "target":
        return Styles.INPUT_DATE
    if key in TRACKED_FIELDS:
        return Styles.INPUT
    if key == "links":
        return Styles.LINK
    return Styles.TEXT if key in UNWRAPPED_KEYS else Styles.WRAP


def id_width(roadmap: Roadmap, layout: Layout) -> float:
    """The width of the ID column: the layout's, widened to show the longest ID, up to MAX_ID_WIDTH.

    IDs are not wrapped, so a narrower column clips them; past the cap the few longest are clipped.
    """
    longest = max((text_width(located.item.id) for located in walk(roadmap)), default=0)
    return max(layout.width("id"), min(longest + ID_MARGIN, MAX_ID_WIDTH))


def _write_header(sheet: Worksheet, layout: Layout, styles: Styles, ids: float) -> None:
    for number, column in enumerate(layout.columns, start=1):
        styles.put_text(sheet.cell(row=1, column=number), column.title, styles.HEADER, "tracker layout")
        dimension = sheet.column_dimensions[get_column_letter(number)]
        dimension.width = ids if column.key in ("id", "parent") else column.width
        styles.apply_to_column(dimension, column_style(column.key, 0))
    sheet.row_dimensions[1].height = 30


def item_row(located: Located, roadmap: Roadmap, layout: Layout, cache: _CellCache) -> ItemRow:
    """One item's row, prepared once for every tracker that shows it."""
    item = located.item
    where = f"item {item.id}"
    cells: dict[int, CellXml] = {}
    lines = 1
    link = _first_link(item.links)
    for key, text in row_texts(located, roadmap).items():
        if key == "item":  # the one column styled and wrapped by level
            column, style = layout.index(key), column_style(key, located.level)
            if text:
                stored = cell_text(text, where)
                cells[column] = text_cell(column, stored, style, stored.startswith(FORMULA_LEADERS))
                lines = max(lines, wrapped_lines(text, layout.width(key), min(located.level, MAX_INDENT)))
            else:  # an empty item keeps its indent so a typed-in text lines up
                cells[column] = empty_cell(column, style)
        elif text:
            cell, cell_lines = cache.text(key, text, where)
            cells[layout.index(key)] = cell
            if not (key == "links" and link):  # LibreOffice shows a hyperlink cell as one line, its first link
                lines = max(lines, cell_lines)
    column = layout.index("level")
    cells[column] = number_cell(column, located.level, Styles.NUMBER)
    if item.target is not None:
        column = layout.index("target")
        cells[column] = date_cell(column, item.target, Styles.INPUT_DATE)
    for key in _input_keys(located):
        column = layout.index(key)
        if column not in cells:  # an empty input cell keeps its format, shading and unlocking for what is typed
            cells[column] = empty_cell(column, column_style(key, 0))
    link_cell = (get_column_letter(layout.index("links")), link) if link else None
    attributes = row_attributes(min(located.level, MAX_OUTLINE_LEVEL), row_height(lines))
    return ItemRow(tuple(cells[number] for number in sorted(cells)), attributes, located.level, link_cell)


def _input_keys(located: Located) -> tuple[str, ...]:
    """The columns a program manager may fill in on an item's row: a note has no status."""
    if located.item.kind is ItemKind.NOTE:
        return tuple(key for key in TRACKED_FIELDS if key != "status")
    return TRACKED_FIELDS


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
    sheet.conditional_formatting.add(cells, _wrong_case_rule(letter, choices))
    for status in roadmap.statuses:
        if status.name == roadmap.default_status:
            continue  # the default status stays unfilled, so that the statuses someone set stand out
        light = tint(status.colour)
        fill = PatternFill(fill_type="solid", start_color=light, end_color=light)
        font = Font(color=font_colour_on(light))
        rule = CellIsRule(operator="equal", formula=[formula_string(status.name, "status")], fill=fill, font=font)
        sheet.conditional_formatting.add(cells, rule)


def _wrong_case_rule(letter: str, choices: str) -> FormulaRule:
    """Red for a status that is not exactly one of the list: Excel's list validation and "=" both ignore case.

    It comes first and stops the status colours, which would colour "Done" as "done"; a pasted unknown status,
    which no validation sees, is red too.
    """
    exact = f"SUMPRODUCT(--EXACT({letter}2,{choices}))=0"
    fill = PatternFill(fill_type="solid", start_color=WRONG_CASE_FILL, end_color=WRONG_CASE_FILL)
    font = Font(color=WRONG_CASE_FONT)
    return FormulaRule(formula=[f'AND({letter}2<>"",{exact})'], stopIfTrue=True, fill=fill, font=font)


def _add_target_validation(sheet: Worksheet, layout: Layout, last_row: int) -> None:
    """A date validation over every Target date cell, empty ones too: a text typed there is refused."""
    letter = get_column_letter(layout.index("target"))
    validation = DataValidation(
        type="date",
        operator="greaterThan",
        formula1=str(int(to_excel(TARGETS_AFTER))),
        allow_blank=True,
        showErrorMessage=True,
        errorTitle=layout.summary["target_error_title"],
        error=layout.summary["target_error"],
    )
    validation.add(f"{letter}2:{letter}{last_row}")
    sheet.add_data_validation(validation)


def _add_source_guard(sheet: Worksheet, layout: Layout, last_row: int) -> None:
    """Refuse what is typed into the source's columns, with a message saying where to edit them.

    A validation rather than sheet protection: Excel and LibreOffice sort no range with locked cells on a
    protected sheet, and program managers sort. A value pasted in gets past it; sync then refuses it by name.
    """
    source = [number for number, column in enumerate(layout.columns, 1) if column.key not in TRACKED_FIELDS]
    validation = DataValidation(
        type="custom",
        formula1="FALSE",
        showErrorMessage=True,
        errorTitle=layout.summary["source_error_title"],
        error=layout.summary["source_error"],
    )
    for first, last in column_runs(source):
        validation.add(f"{get_column_letter(first)}2:{get_column_letter(last)}{last_row}")
    sheet.add_data_validation(validation)


def column_runs(numbers: list[int]) -> list[tuple[int, int]]:
    """Sorted column numbers as runs of neighbours: [1, 2, 3, 7] -> [(1, 3), (7, 7)]."""
    runs: list[tuple[int, int]] = []
    for number in numbers:
        if runs and runs[-1][1] == number - 1:
            runs[-1] = (runs[-1][0], number)
        else:
            runs.append((number, number))
    return runs


def formula_string(text: str, what: str) -> str:
    """A text as a string in a formula; past 255 characters, constants joined by & (as Excel advises)."""
    pieces = [text[start : start + MAX_FORMULA_STRING] for start in range(0, len(text), MAX_FORMULA_STRING)]
    expression = "&".join('"' + piece.replace('"', '""') + '"' for piece in pieces or [""])
    if len(expression) > MAX_FORMULA_TEXT:
        raise EvepubError(f"{what} '{text[:40]}...' is too long for a tracker formula ({MAX_FORMULA_TEXT:,} max)")
    return expression
