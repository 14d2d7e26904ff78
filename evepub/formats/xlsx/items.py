"""The Items sheet of a tracker: one row per item, grouped by level, filterable, with a status drop-down.

The sheet is protected without a password: the cells of the four columns sync merges (model.TRACKED_FIELDS)
are shaded and unlocked, every other cell is locked; filtering, formatting rows and columns and selecting
stay allowed. Owner and Notes cells are text ("@"), so nothing typed there is converted; Target date cells,
empty ones too, are dates with a date validation; Status keeps its drop-down, and a status that is not exactly
one of the list (Excel's list validation ignores case, and a paste skips validation) is shown in red.
"""

from __future__ import annotations

import datetime as dt

from lxml import etree
from openpyxl.formatting.formatting import ConditionalFormatting
from openpyxl.formatting.rule import CellIsRule, FormulaRule
from openpyxl.styles import Font, PatternFill
from openpyxl.styles.differential import DifferentialStyle, DifferentialStyleList
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel
from openpyxl.workbook import Workbook
from openpyxl.worksheet.cell_range import MultiCellRange
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.filters import AutoFilter
from openpyxl.worksheet.properties import Outline
from openpyxl.worksheet.table import Table, TableColumn, TableStyleInfo
from openpyxl.worksheet.worksheet import Worksheet

from evepub.errors import EvepubError
from evepub.formats.xlsx.fit import row_height, text_width, wrapped_lines
from evepub.formats.xlsx.layout import (
    FORMULA_LEADERS,
    ITEMS_TABLE,
    LIST_STATUS,
    LISTS_SHEET,
    MAX_INDENT,
    Layout,
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
from evepub.formats.xlsx.sheet import CellGrid, Column, KnownCells
from evepub.formats.xlsx.styles import Styles
from evepub.model import TRACKED_FIELDS, ItemKind, Located, Roadmap

MAX_OUTLINE_LEVEL = 7  # Excel groups rows at most seven levels deep
MAX_HYPERLINK = 2_000  # Excel refuses hyperlink addresses longer than about 2,080 characters
LINK_SCHEMES = ("http://", "https://", "mailto:")
MAX_FORMULA_STRING = 255  # Excel's limit for a text constant inside a formula
MAX_FORMULA_TEXT = 6000  # of the 8,192 characters of a whole formula, what one text may take
UNWRAPPED_KEYS = {"id", "parent", "kind", "list"}  # short codes: cut at the column edge rather than wrapped
TARGETS_AFTER = dt.date(1900, 1, 1)  # the date validation takes any date after this one, and no text
MAX_ID_WIDTH = 50  # character units; IDs longer than this are clipped rather than widening the sheet without end
ID_MARGIN = 2  # character units of padding beside the longest ID
RANGE_STAND_IN = "EVEPUB_RANGE_{}"  # where ItemsRules puts a tracker's ranges
NOTE_INPUTS = tuple(key for key in TRACKED_FIELDS if key != "status")  # what may be typed on a note's row: no status
WRONG_CASE_FILL, WRONG_CASE_FONT = "FFC7CE", "9C0006"  # Excel's "Bad" cell style: light red, dark red text


Entry = tuple[Located, dict[str, str]]  # an item where it stands, and its row's texts (contract.row_texts)


def item_rows(entries: list[list[Entry]], layout: Layout) -> list[list[ItemRow]]:
    """The prepared Items rows of every release (its entries), in document order."""
    cells = _CellCache(layout)
    return [[item_row(located, texts, layout, cells) for located, texts in release] for release in entries]


class _CellCache:
    """Text cells of the columns whose texts repeat (release, period, area, status...), prepared once each."""

    def __init__(self, layout: Layout) -> None:
        self.layout = layout
        self.known: dict[tuple[str, str], tuple[CellXml, int]] = {}
        self.levels: dict[int, CellXml] = {}
        self.empty: dict[tuple[int, str], CellXml] = {}
        self.columns = {column.key: number for number, column in enumerate(layout.columns, start=1)}
        self.item_column, self.item_width = self.columns["item"], layout.width("item")
        self.link_letter = get_column_letter(self.columns["links"])
        self.inputs = {  # (column, style) of every input cell, by whether the row is a note's
            note: tuple((self.columns[key], column_style(key, 0)) for key in keys)
            for note, keys in ((True, NOTE_INPUTS), (False, TRACKED_FIELDS))
        }

    def level(self, level: int) -> CellXml:
        """The Level cell of a row."""
        found = self.levels.get(level)
        if found is None:
            found = self.levels[level] = number_cell(self.layout.index("level"), level, Styles.NUMBER)
        return found

    def empty_cell(self, column: int, style: str) -> CellXml:
        """A cell with a style and no value."""
        found = self.empty.get((column, style))
        if found is None:
            found = self.empty[(column, style)] = empty_cell(column, style)
        return found

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


def item_levels(rows: list[ItemRow]) -> tuple[int, ...]:
    """The levels whose Item styles a tracker of these rows registers, in first-use order (the header's first)."""
    return tuple(dict.fromkeys(min(level, MAX_INDENT) for level in [0, *(row.level for row in rows)]))


def last_item_row(rows: list[ItemRow]) -> int:
    """The Items table's last row: an Excel table needs one data row, even an empty one."""
    return max(len(rows), 1) + 1


def build_items_header(
    longest_id: float, layout: Layout, known: KnownCells | None = None
) -> tuple[CellGrid, dict[int, Column]]:
    """The Items sheet's header row and its columns (the ID column as wide as the longest ID needs); prepared rows
    (items.item_row) follow."""
    grid, columns = CellGrid(known), {}
    ids = id_width(longest_id, layout)
    for number, column in enumerate(layout.columns, start=1):
        grid.text(1, number, column.title, Styles.HEADER, "tracker layout")
        width = ids if column.key in ("id", "parent") else column.width
        columns[number] = Column(width, column_style(column.key, 0))
    grid.heights[1] = 30
    return grid, columns


def items_sheet_setup(sheet: Worksheet, layout: Layout) -> None:
    """What an Items sheet has besides its cells and ranges: frozen header, row groups summarised above."""
    sheet.freeze_panes = "A2"
    sheet.sheet_properties.outlinePr = Outline(summaryBelow=False, summaryRight=False)


def print_area(layout: Layout, last_row: int) -> str:
    """The range the Items sheet prints: every row, up to the last printed column."""
    return f"A1:{get_column_letter(layout.printed_columns)}{last_row}"


class ItemsRules:
    """The Items sheet's status drop-down and colours, date and source-column validations, and its table:
    made by openpyxl once per build, as XML trees that each tracker copies with its own ranges set."""

    def __init__(self, roadmap: Roadmap, layout: Layout) -> None:
        self.layout = layout
        sheet = Workbook().active
        _add_status_rules(sheet, roadmap, layout, 2)
        _add_target_validation(sheet, layout, 2)
        _add_source_guard(sheet, layout, 2)
        self.differential = DifferentialStyleList()  # the styles part's, numbered as openpyxl numbers them
        formats = [self._numbered(formatting) for formatting in sheet.conditional_formatting]
        validations = sheet.data_validations.to_tree()
        table = items_table(layout, 2)
        self.table_path = table.path
        # each serialised once with stand-ins for its ranges, which a tracker's ranges replace: the same bytes
        # as a copy of the tree with its ranges set (a range is letters, digits, ':' and ' ', never escaped)
        for formatting in formats:  # every conditional format is over the Status column
            formatting.set("sqref", RANGE_STAND_IN.format("status"))
        for validation, name in zip(validations, ("status", "target", "source"), strict=True):
            validation.set("sqref", RANGE_STAND_IN.format(name))
        rules = [etree.tostring(formatting).decode("ascii") for formatting in formats]
        self.rules = "".join(rules) + etree.tostring(validations).decode("ascii")
        tree = table.to_tree()
        for element in (tree, *tree.iter("autoFilter")):
            element.set("ref", RANGE_STAND_IN.format("table"))
        self.table = etree.tostring(tree, encoding="utf-8")

    def _numbered(self, formatting: ConditionalFormatting) -> etree._Element:
        """A conditional format's tree, its rules' differential styles numbered as openpyxl's sheet writer does."""
        default = DifferentialStyle()
        for rule in formatting.rules:
            if rule.dxf and rule.dxf != default:
                rule.dxfId = self.differential.add(rule.dxf)
        return formatting.to_tree()

    def xml(self, last_row: int) -> str:
        """The conditional formats and validations of a tracker's Items sheet, over rows 2 to last_row."""
        ranges = {
            "status": _status_cells(self.layout, last_row),
            "target": _target_cells(self.layout, last_row),
            "source": _source_cells(self.layout, last_row),
        }
        xml = self.rules
        for name, cells in ranges.items():
            xml = xml.replace(RANGE_STAND_IN.format(name), str(MultiCellRange(cells)))
        return xml

    def table_xml(self, last_row: int) -> bytes:
        """The Items table's part, over rows 1 to last_row."""
        ref = _table_ref(self.layout, last_row).encode("ascii")
        return self.table.replace(RANGE_STAND_IN.format("table").encode("ascii"), ref)


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


def longest_id(entries: list[Entry]) -> float:
    """The width of the longest ID of these items, in character units (0 for none)."""
    return max((text_width(located.item.id) for located, _ in entries), default=0)


def id_width(longest: float, layout: Layout) -> float:
    """The width of the ID column: the layout's, widened to show the longest ID, up to MAX_ID_WIDTH.

    IDs are not wrapped, so a narrower column clips them; past the cap the few longest are clipped.
    """
    return max(layout.width("id"), min(longest + ID_MARGIN, MAX_ID_WIDTH))


def item_row(located: Located, texts: dict[str, str], layout: Layout, cache: _CellCache) -> ItemRow:
    """One item's row (given its texts), prepared once for every tracker that shows it."""
    item, level, columns = located.item, located.level, cache.columns
    where = f"item {item.id}"
    cells: dict[int, CellXml] = {}
    lines = 1
    link = _first_link(item.links)
    for key, text in texts.items():
        if key == "item":  # the one column styled and wrapped by level
            column, style = cache.item_column, item_style(level)
            if text:
                stored = cell_text(text, where)
                cells[column] = text_cell(column, stored, style, stored.startswith(FORMULA_LEADERS))
                lines = max(lines, wrapped_lines(text, cache.item_width, min(level, MAX_INDENT)))
            else:  # an empty item keeps its indent so a typed-in text lines up
                cells[column] = cache.empty_cell(column, style)
        elif text:
            cell, cell_lines = cache.text(key, text, where)
            cells[columns[key]] = cell
            if cell_lines > lines and not (key == "links" and link):  # LibreOffice shows a hyperlink cell as one
                lines = cell_lines  # line, its first link
    cells[columns["level"]] = cache.level(level)
    if item.target is not None:
        column = columns["target"]
        cells[column] = date_cell(column, item.target, Styles.INPUT_DATE)
    for column, style in cache.inputs[item.kind is ItemKind.NOTE]:
        if column not in cells:  # an empty input cell keeps its format, shading and unlocking for what is typed
            cells[column] = cache.empty_cell(column, style)
    link_cell = (cache.link_letter, link) if link else None
    attributes = row_attributes(min(level, MAX_OUTLINE_LEVEL), row_height(lines))
    return ItemRow(tuple([cells[number] for number in sorted(cells)]), attributes, level, link_cell)


def _first_link(links: list[str]) -> str | None:
    """The address a Links cell opens: the first web or mail link that Excel can take."""
    if not links:
        return None
    first = links[0]
    if first.lower().startswith(LINK_SCHEMES) and len(first) <= MAX_HYPERLINK and first == safe_text(first, ""):
        return first
    return None


def _table_ref(layout: Layout, last_row: int) -> str:
    return f"A1:{get_column_letter(len(layout.columns))}{last_row}"


def items_table(layout: Layout, last_row: int) -> Table:
    """The Items table, the first table of the workbook."""
    ref = _table_ref(layout, last_row)
    # columns named here, or openpyxl reads the header through ws[ref] and creates every empty cell of the table
    columns = [TableColumn(id=number, name=column.title) for number, column in enumerate(layout.columns, start=1)]
    table = Table(displayName=ITEMS_TABLE, ref=ref, tableColumns=columns, autoFilter=AutoFilter(ref=ref))
    table.tableStyleInfo = TableStyleInfo(name=layout.table_style, showRowStripes=True)
    table.id = 1
    return table


def _status_cells(layout: Layout, last_row: int) -> str:
    letter = get_column_letter(layout.index("status"))
    return f"{letter}2:{letter}{last_row}"


def _target_cells(layout: Layout, last_row: int) -> str:
    letter = get_column_letter(layout.index("target"))
    return f"{letter}2:{letter}{last_row}"


def _source_cells(layout: Layout, last_row: int) -> str:
    source = [number for number, column in enumerate(layout.columns, 1) if column.key not in TRACKED_FIELDS]
    runs = column_runs(source)
    return " ".join(f"{get_column_letter(first)}2:{get_column_letter(last)}{last_row}" for first, last in runs)


def _add_status_rules(sheet: Worksheet, roadmap: Roadmap, layout: Layout, last_row: int) -> None:
    """A drop-down of the statuses on the Lists sheet, and a fill colour per status."""
    letter = get_column_letter(layout.index("status"))
    cells = _status_cells(layout, last_row)
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
    validation = DataValidation(
        type="date",
        operator="greaterThan",
        formula1=str(int(to_excel(TARGETS_AFTER))),
        allow_blank=True,
        showErrorMessage=True,
        errorTitle=layout.summary["target_error_title"],
        error=layout.summary["target_error"],
    )
    validation.add(_target_cells(layout, last_row))
    sheet.add_data_validation(validation)


def _add_source_guard(sheet: Worksheet, layout: Layout, last_row: int) -> None:
    """Refuse what is typed into the source's columns, with a message saying where to edit them.

    A validation rather than sheet protection: Excel and LibreOffice sort no range with locked cells on a
    protected sheet, and program managers sort. A value pasted in gets past it; sync then refuses it by name.
    """
    validation = DataValidation(
        type="custom",
        formula1="FALSE",
        showErrorMessage=True,
        errorTitle=layout.summary["source_error_title"],
        error=layout.summary["source_error"],
    )
    for cells in _source_cells(layout, last_row).split():
        validation.add(cells)
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
