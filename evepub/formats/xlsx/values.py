"""A tracker's cell values read by calamine (a compiled xlsx reader), in the shape table.py reads from openpyxl.

verify reads every tracker evepub wrote, hundreds for a roadmap of many releases, and needs only what the cells
show: calamine reads them ten times as fast as openpyxl, whose per-workbook set-up (the stylesheet, every sheet's
dimensions) dominates a small tracker. Values come as openpyxl gives them (None for an empty cell, whole numbers
as int, dates as datetime), but text as Excel shows it: calamine decodes the _xHHHH_ escapes itself; verify takes
each row as the texts of its cells (text_rows), without a cell object per value. sync, which must see formulas as
formulas, keeps reading with openpyxl.

calamine holds a sheet as one dense range from its first cell to its last: a single cell a million rows down and
thousands of columns across would take more memory than any machine has, and it aborts the process. So each
sheet to read is checked first: a scan of its bytes proves most sheets close by (every cell and row states its
position, and none is far); any other sheet is walked with lxml, every cell and row. A sheet reaching past
MAX_ROWS or MAX_COLUMNS is read with openpyxl, which table.py bounds row by row.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any, TypeVar

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring
from lxml import etree
from python_calamine import CalamineError, CalamineWorkbook

from evepub.formats.ooxml import MAX_COLUMNS, check_package, unreadable

T = TypeVar("T")
CORE_PROPERTIES = "docProps/core.xml"
DC_TITLE = "{http://purl.org/dc/elements/1.1/}title"
SHEET_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELATIONSHIP_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_RELATIONSHIP_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
MAX_EXTENT_ROWS = 250_000 + 1_000  # table.py's MAX_ROWS and its run of empty rows: beyond it, openpyxl reads
MAX_SCANNED_BYTES = 128 * 1024 * 1024  # a larger sheet is walked as a stream, never held whole
# an element of the name opening, unprefixed; the empty group makes findall list one shared b"" per match
OPENING = {name: re.compile(b"<" + name + rb"[\s/>]()") for name in (b"c", b"row")}
PREFIXED_CELL_OR_ROW = re.compile(rb":(?:c|row)[\s/>]")
# a value an r attribute may have but a near position does not: column AA on, row 100,000 on, anything odd
NOT_NEAR = re.compile(rb"r\s*=\s*(?:\"(?![A-Za-z]?[0-9]{1,5}\")|'(?![A-Za-z]?[0-9]{1,5}'))")
OTHER_NAME_BYTES = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-:")  # "xr", "x:r"
DECLARED_ENCODING = re.compile(rb"encoding\s*=\s*[\"']([^\"']*)")


class ValueCell:
    """A cell's value and openpyxl's name for its type ('s', 'n', 'b', 'd')."""

    __slots__ = ("data_type", "value")

    def __init__(self, value: Any, kind: str | None = None) -> None:
        self.value = value
        self.data_type = data_type(value) if kind is None else kind


EMPTY_CELL = ValueCell(None, "n")


def value_cell(raw: Any) -> ValueCell:
    """The cell of a calamine value as openpyxl gives it (as_openpyxl and data_type in one step: text first,
    the cells a tracker has most of)."""
    kind = type(raw)
    if kind is str:
        return ValueCell(raw, "s") if raw else EMPTY_CELL
    if kind is float:
        return ValueCell(int(raw) if raw.is_integer() else raw, "n")
    value = as_openpyxl(raw)
    return EMPTY_CELL if value is None else ValueCell(value)


class ValueSheet:
    """One sheet's values, rows from 1, as openpyxl's read-only sheet iterates them."""

    def __init__(self, rows: list[list[Any]]) -> None:
        self.rows = rows

    def reset_dimensions(self) -> None:
        """Nothing to reset: calamine reads as far as the cells go, whatever used range the file claims."""

    def iter_rows(
        self, min_row: int = 1, max_row: int | None = None, max_col: int | None = None, values_only: bool = False
    ) -> Iterator[tuple[Any, ...]]:
        """Rows `min_row` to `max_row`, each `max_col` cells wide (padded with empty cells)."""
        for row in self.rows[min_row - 1 : max_row]:
            if values_only:
                values = [as_openpyxl(value) for value in row[:max_col]]
                if max_col is not None:
                    values.extend([None] * (max_col - len(values)))
                yield tuple(values)
                continue
            cells = [value_cell(value) for value in row[:max_col]]
            if max_col is not None:
                cells.extend([EMPTY_CELL] * (max_col - len(cells)))
            yield tuple(cells)

    def text_rows(self, min_row: int, max_col: int) -> Iterator[list[str]]:
        """Rows from `min_row`, each as the texts of its first `max_col` cells ('' for an empty cell)."""
        for row in self.rows[min_row - 1 :]:
            texts = [value if value.__class__ is str else shown_text(value) for value in row[:max_col]]
            texts.extend([""] * (max_col - len(texts)))
            yield texts


class Properties:
    """The document properties table.py reads: the title."""

    def __init__(self, title: str | None) -> None:
        self.title = title


class ValueWorkbook:
    """The sheets of a workbook by name, each checked and read when first asked for, and its title."""

    def __init__(self, workbook: CalamineWorkbook, archive: zipfile.ZipFile) -> None:
        self.workbook = workbook
        self.archive = archive
        self.parts = sheet_parts(archive)
        self.sheetnames: list[str] = list(workbook.sheet_names)
        self.properties = Properties(title_of(archive))
        self.sheets: dict[str, ValueSheet] = {}

    def __getitem__(self, name: str) -> ValueSheet:
        if name not in self.sheets:
            if not sheet_within_bounds(self.archive, self.parts.get(name, "")):
                raise TooFarReaching(name)
            self.sheets[name] = ValueSheet(self.workbook.get_sheet_by_name(name).to_python(skip_empty_area=False))
        return self.sheets[name]


class TooFarReaching(Exception):
    """A sheet whose cells reach past the bounds: calamine would try to hold all of its dense range."""


def with_values(path: Path, consume: Callable[[Any, Path], T], fallback: Callable[[Path], T]) -> T:
    """Open a workbook's values safely (the package checked first), hand them to `consume`, close the file;
    `fallback` reads a workbook with a sheet that reaches too far for calamine."""
    check_package(path, "Excel workbook")
    try:
        workbook = CalamineWorkbook.from_path(str(path))
    except (CalamineError, OSError, ValueError) as error:
        raise unreadable(path, "Excel workbook", error) from error
    try:
        with zipfile.ZipFile(path) as archive:
            return consume(ValueWorkbook(workbook, archive), path)
    except TooFarReaching:
        return fallback(path)
    except (CalamineError, KeyError, ValueError, TypeError, zipfile.BadZipFile, etree.XMLSyntaxError) as error:
        raise unreadable(path, "Excel workbook", error) from error
    except DefusedXmlException as error:
        raise unreadable(path, "Excel workbook", error) from error
    finally:
        workbook.close()


def sheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """The zip member of each worksheet, by sheet name, from xl/workbook.xml and its relationships."""
    workbook = fromstring(archive.read("xl/workbook.xml"))
    relations = fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    targets = {
        relation.get("Id"): relation.get("Target", "")
        for relation in relations.iter(f"{{{PACKAGE_RELATIONSHIP_NS}}}Relationship")
    }
    parts = {}
    for sheet in workbook.iter(f"{{{SHEET_NS}}}sheet"):
        target = targets.get(sheet.get(f"{{{RELATIONSHIP_NS}}}id"), "")
        parts[sheet.get("name", "")] = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    return parts


def sheet_within_bounds(archive: zipfile.ZipFile, member: str) -> bool:
    """Whether every cell and row of a worksheet lies within MAX_COLUMNS columns and MAX_EXTENT_ROWS rows."""
    if member not in archive.namelist():
        return True  # no such part: calamine says so when it reads the sheet
    if archive.getinfo(member).file_size <= MAX_SCANNED_BYTES and plainly_within_bounds(archive.read(member)):
        return True
    with archive.open(member) as stream:
        return every_position_within_bounds(stream)


def plainly_within_bounds(xml: bytes) -> bool:
    """True when a scan of a sheet's bytes proves every cell and row close by: every element named c or row opens
    with its position as its first attribute, r="B7" or r="7", every r attribute anywhere is such a near position
    (one letter at most, five digits at most), and nothing could hide or make an element (a prefix, a comment or
    declaration, another encoding). Text and attribute values hold no raw "<", so each "<c " of such bytes opens
    a cell. False leaves it to the walk."""
    declared = DECLARED_ENCODING.search(xml[:200])
    if declared and declared.group(1).lower() != b"utf-8":
        return False
    if b"\0" in xml or b"<!" in xml or PREFIXED_CELL_OR_ROW.search(xml):
        return False
    if any(map(is_position, NOT_NEAR.finditer(xml))):
        return False
    return all(len(opening.findall(xml)) == xml.count(b"<" + name + b' r="') for name, opening in OPENING.items())


def is_position(match: re.Match[bytes]) -> bool:
    """Whether a match is an attribute named r (calamine takes no prefixed one), not the end of another name."""
    return match.start() == 0 or match.string[match.start() - 1] not in OTHER_NAME_BYTES


def every_position_within_bounds(stream: IO[bytes]) -> bool:
    """Whether every element named c or row, in any namespace (calamine goes by the local name), lies within the
    bounds: by its r attribute, or without one as calamine counts (a row is the next row, a cell the next column)."""
    row_number = 0
    for _, element in etree.iterparse(stream, events=("end",), resolve_entities=False):
        name = element.tag.rpartition("}")[2] if isinstance(element.tag, str) else ""
        if name == "c" and not reference_within_bounds(element.get("r")):
            return False
        if name == "row":
            row_number = int(element.get("r") or row_number + 1)
            if row_number > MAX_EXTENT_ROWS or len(element) > MAX_COLUMNS:
                return False
            element.clear(keep_tail=False)
    return True


def reference_within_bounds(reference: str | None) -> bool:
    """Whether a cell reference (None: the cell has none) lies within the bounds; a malformed one does not."""
    if reference is None:
        return True
    from openpyxl.utils.cell import column_index_from_string, coordinate_from_string  # only a walked sheet needs it
    from openpyxl.utils.exceptions import CellCoordinatesException

    try:
        column, row = coordinate_from_string(reference)
    except (CellCoordinatesException, ValueError):
        return False
    return column_index_from_string(column) <= MAX_COLUMNS and row <= MAX_EXTENT_ROWS


def title_of(archive: zipfile.ZipFile) -> str | None:
    """The workbook's title property (docProps/core.xml), read with defusedxml; None when it has none."""
    if CORE_PROPERTIES not in archive.namelist():
        return None
    found = fromstring(archive.read(CORE_PROPERTIES)).find(DC_TITLE)
    return found.text if found is not None else None


def shown_text(raw: Any) -> str:
    """A calamine value as the text of the cell openpyxl would give for it ('' when empty)."""
    value = as_openpyxl(raw)
    return "" if value is None else str(value)


def as_openpyxl(value: Any) -> Any:
    """A calamine value as openpyxl gives it: None for empty, int for a whole number, datetime for a date."""
    if value == "" or value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return dt.datetime.combine(value, dt.time())
    return value


def data_type(value: Any) -> str:
    """openpyxl's data type letter for a value ('n' for an empty cell, as openpyxl's empty cells say)."""
    if value is None:
        return "n"
    if isinstance(value, bool):
        return "b"
    if isinstance(value, int | float):
        return "n"
    if isinstance(value, dt.date | dt.time | dt.timedelta):
        return "d"
    return "s"
