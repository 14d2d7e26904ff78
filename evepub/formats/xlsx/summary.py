"""The Summary sheet (live counts by release and status, with a chart) and the hidden Lists sheet."""

from __future__ import annotations

import datetime as dt
import functools
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from openpyxl.utils import get_column_letter

from evepub.formats.xlsx.chart import FIRST_STATUS_COLUMN, Bars
from evepub.formats.xlsx.fit import text_width
from evepub.formats.xlsx.items import formula_string
from evepub.formats.xlsx.layout import (
    ITEMS_SHEET_KEY,
    ITEMS_TABLE,
    LIST_COLOUR,
    LIST_DONE,
    LIST_KEY,
    LIST_SECTION_AREA,
    LIST_SECTION_KIND,
    LIST_SECTION_PERIOD,
    LIST_SECTION_RELEASE,
    LIST_SECTION_TEXT,
    LIST_STATUS,
    LIST_TITLE,
    Layout,
    safe_text,
    visible_text,
)
from evepub.formats.xlsx.sheet import CellGrid, Column, KnownCells
from evepub.formats.xlsx.styles import Styles
from evepub.model import INTRODUCTION, Quarter, Release, Roadmap

HEADER_ROW = 4  # rows 1-2 hold the title and the edition
START_COLUMN, END_COLUMN = 3, 4  # the first and last day of a release's period, after Release and Period
NOTE_KIND = "note"  # notes carry no status and are never counted
NAME_WIDTH, MAX_NAME_WIDTH = 16, 40  # column A shows release and area names: at least 16 units, widened up to 40
TABLE_HEADER_HEIGHT = 32  # points: two lines of header text
CHART_GAP_ROWS = 2  # empty rows between the last table and the chart
CHART_WIDTH, CHART_HEIGHTS = 26, (7.0, 11.0)  # centimetres: its width, and the least and most of its height
# The printed page, landscape inside the tracker's margins (0.4 in left and right, 1 in top and bottom), in cm:
# A4 and Letter; the Summary is scaled to the page width, and its chart should not be cut across two pages.
PRINTED_PAGES = ((27.67, 15.92), (25.91, 16.51))
CM_PER_WIDTH_UNIT = 111 / 1440 * 2.54  # a column width unit: the digit width of Calibri 11 (111 twips)
CM_PER_POINT, DEFAULT_ROW_POINTS, TITLE_ROW_POINTS = 2.54 / 72, 15, 20
PAGE_ROOM_CM = 0.5  # what the estimate of the rows' printed height leaves free
CRITERIA_CACHE = 1024  # formula texts of release names, area titles and statuses kept, for the rows that repeat them
CountKey = tuple[str, str, str]  # an item row's release, area and status as COUNTIFS matches them


@dataclass(frozen=True)
class SummaryText:
    """The wording a Summary sheet shows above its table."""

    title: str
    edition: str
    status_labels: tuple[str, ...]
    areas: bool = False  # a per-area breakdown below the release table (the per-release trackers)


def quarter_start(quarter: Quarter) -> dt.date:
    """The first day of a quarter."""
    return dt.date(quarter.year, 3 * quarter.quarter - 2, 1)


def quarter_end(quarter: Quarter) -> dt.date:
    """The last day of a quarter."""
    if quarter.quarter == 4:
        return dt.date(quarter.year, 12, 31)
    return dt.date(quarter.year, 3 * quarter.quarter + 1, 1) - dt.timedelta(days=1)


def release_span(release: Release) -> tuple[Quarter, Quarter] | None:
    """A release's first and last quarter, or None when it has no period (one given end stands for both)."""
    start, end = release.start or release.end, release.end or release.start
    return (start, end) if start and end else None


@functools.lru_cache(maxsize=CRITERIA_CACHE)
def table_column(title: str) -> str:
    """A structured reference to one column of the Items table, escaped for any title."""
    escaped = "".join("'" + char if char in "[]#'" else char for char in title)
    return f"{ITEMS_TABLE}[[{escaped}]]"


@functools.lru_cache(maxsize=CRITERIA_CACHE)
def equals_criterion(text: str, what: str) -> str:
    """A COUNTIFS criterion matching exactly this text: wildcards escaped, '=' so no operator is read."""
    literal = text.replace("~", "~~").replace("*", "~*").replace("?", "~?")
    return formula_string("=" + literal, what)


def count_key(texts: dict[str, str]) -> CountKey | None:
    """What the Summary's COUNTIFS match in an item's row: its release, area and status as the cells hold them,
    in lower case (COUNTIFS ignores case); None for a note, which is never counted."""
    if visible_text(texts["kind"]).lower() == NOTE_KIND:
        return None
    release, area, status = (visible_text(texts[key]).lower() for key in ("release", "area", "status"))
    return release, area, status


def status_counts(roadmap: Roadmap, keys: list[CountKey | None]) -> tuple[list[list[int]], list[int]]:
    """What the Summary's COUNTIFS give for each release: items by status (in the roadmap's order), and items.

    Computed from the texts the Items rows hold (their count_key), matched as COUNTIFS matches them, so that the
    cached values a viewer shows without recalculating are the ones Excel and LibreOffice compute.
    """
    by_status, items = _counted(keys, lambda key: key[:1])
    statuses = [visible_text(status.name).lower() for status in roadmap.statuses]
    groups = [(release.name.lower(),) for release in roadmap.releases]
    return [[by_status[(group, status)] for status in statuses] for group in groups], [items[group] for group in groups]


def _counted(
    keys: list[CountKey | None], group: Callable[[CountKey], tuple[str, ...]]
) -> tuple[Counter[tuple[tuple[str, ...], str]], Counter[tuple[str, ...]]]:
    """Items by (group, lower-case status) and by group, notes left out, as COUNTIFS counts them."""
    by_status: Counter[tuple[tuple[str, ...], str]] = Counter()
    items: Counter[tuple[str, ...]] = Counter()
    for key in keys:
        if key is None:
            continue
        grouped = group(key)
        items[grouped] += 1
        by_status[(grouped, key[2])] += 1
    return by_status, items


def area_counts(roadmap: Roadmap, keys: list[CountKey | None]) -> list[tuple[str, str | None, list[int], int]]:
    """The per-area rows: release name, area title (None for the items before the first area), counts by status
    and items, in the document's order; the row of items before the first area only when there are any."""
    by_status, items = _counted(keys, lambda key: key[:2])
    statuses = [visible_text(status.name).lower() for status in roadmap.statuses]
    rows: list[tuple[str, str | None, list[int], int]] = []
    for release in roadmap.releases:
        titles: list[str | None] = [None] if items[(release.name.lower(), "")] else []
        titles += [area.title for area in release.areas]
        for title in titles:
            group = (release.name.lower(), visible_text(title or "").lower())
            rows.append((release.name, title, [by_status[(group, status)] for status in statuses], items[group]))
    return rows


@dataclass
class SummarySheet:
    """A Summary sheet's cells and column widths, and where its chart goes."""

    grid: CellGrid = field(default_factory=CellGrid)
    columns: dict[int, Column] = field(default_factory=dict)
    bars: Bars | None = None  # the rows the chart shows; None: no chart (a roadmap without releases)
    anchor_row: int = 0  # the chart's top left cell is in column A of this row
    chart_height: float = 0.0  # centimetres
    page_break: int | None = None  # a page break after this row, before the chart


def build_summary_sheet(
    roadmap: Roadmap, layout: Layout, text: SummaryText, keys: list[CountKey | None], known: KnownCells | None = None
) -> SummarySheet:
    """The Summary sheet: counts by status per release as COUNTIFS over the Items table, and their chart.

    keys are the count_key of every item row; every formula cell stores the value it computes, for viewers that
    do not recalculate.
    """
    summary = SummarySheet(CellGrid(known))
    grid = summary.grid
    grid.text(1, 1, text.title, Styles.TITLE, "roadmap title")
    grid.text(2, 1, text.edition, Styles.TEXT, "edition")
    labels = _summary_labels(roadmap, layout, text)
    counts, totals_row = _release_table(summary, labels, roadmap, layout, keys)
    bars = Bars(HEADER_ROW, [visible_text(release.name) for release in roadmap.releases], counts)
    names, last_row = list(bars.names), totals_row
    if text.areas:
        areas = area_counts(roadmap, keys)
        last_row = _area_rows(grid, totals_row + 2, labels, areas, roadmap, layout)
        area_names = [visible_text(_area_label(title, layout)) for _, title, _, _ in areas]
        names += area_names
        if len(areas) > 1:  # a release with areas: a bar per area
            bars = Bars(totals_row + 2, area_names, [area[2] for area in areas])
    width = max([NAME_WIDTH, *(min(text_width(name), MAX_NAME_WIDTH) + 2 for name in names)])  # no release: no name
    summary.columns[1] = Column(width)
    if roadmap.releases:
        summary.bars, summary.anchor_row = bars, last_row + CHART_GAP_ROWS + 1
        summary.chart_height, summary.page_break = _chart_height(summary, summary.anchor_row)
    return summary


def _summary_labels(roadmap: Roadmap, layout: Layout, text: SummaryText) -> list[str]:
    """The release table's column titles: release, period, dates, statuses, items, done (if separate), % done."""
    dates = [layout.summary["start"], layout.summary["end"]]
    labels = [layout.summary["release"], layout.summary["period"], *dates, *text.status_labels, layout.summary["items"]]
    labels += [layout.summary["done"]] if separate_done_column(roadmap) else []
    return [*labels, layout.summary["percent_done"]]


def _release_table(
    summary: SummarySheet, labels: list[str], roadmap: Roadmap, layout: Layout, keys: list[CountKey | None]
) -> tuple[list[list[int]], int]:
    """The table of releases with its header and totals rows; returns each release's counts and the totals row."""
    grid = summary.grid
    done_column = separate_done_column(roadmap)
    for number, label in enumerate(labels, start=1):
        style = Styles.HEADER if number < FIRST_STATUS_COLUMN else Styles.HEADER_NUMBER
        grid.text(HEADER_ROW, number, label, style, "summary wording")
        summary.columns[number] = Column(NAME_WIDTH if number < START_COLUMN else 11)
    counts, items = status_counts(roadmap, keys)
    for row, release in enumerate(roadmap.releases, start=HEADER_ROW + 1):
        grid.text(row, 1, release.name, Styles.TEXT, "release name")
        grid.text(row, 2, release.period or "", Styles.TEXT, "release period")
        _date_cells(grid, row, release)
        index = row - HEADER_ROW - 1
        values = _row_values(roadmap, counts[index], items[index], done_column)
        _count_row(grid, row, _release_criteria(release.name, layout), roadmap, layout, values, done_column)
    totals_row = HEADER_ROW + len(roadmap.releases) + 1
    totals = [sum(column) for column in zip(*counts, strict=True)] or [0] * len(roadmap.statuses)
    _totals_row(grid, totals_row, len(labels), roadmap, layout, _row_values(roadmap, totals, sum(items), done_column))
    grid.heights[HEADER_ROW] = TABLE_HEADER_HEIGHT  # two lines for statuses such as "design approved"
    return counts, totals_row


def _date_cells(grid: CellGrid, row: int, release: Release) -> None:
    """The first day of the release's start quarter and the last of its end quarter; empty cells without a period."""
    span = release_span(release)
    values = (quarter_start(span[0]), quarter_end(span[1])) if span else (None, None)
    for column, value in zip((START_COLUMN, END_COLUMN), values, strict=True):
        if value is None:
            grid.styled(row, column, Styles.DATE)
        else:
            grid.date(row, column, value, Styles.DATE)


def _release_criteria(release: str, layout: Layout) -> str:
    return f"{table_column(layout.title('release'))},{equals_criterion(release, 'release name')}"


def _area_label(title: str | None, layout: Layout) -> str:
    """What the Area cell of a per-area row shows: the area's title, or the label of the items before the first."""
    return layout.summary["no_area"] if title is None else title


def _area_rows(
    grid: CellGrid,
    header_row: int,
    labels: list[str],
    areas: list[tuple[str, str | None, list[int], int]],
    roadmap: Roadmap,
    layout: Layout,
) -> int:
    """The per-area breakdown (area_counts): a header row like the release table's, a row per area; its last row."""
    header = [layout.summary["area"], layout.summary["release"], "", "", *labels[FIRST_STATUS_COLUMN - 1 :]]
    for number, label in enumerate(header, start=1):
        style = Styles.HEADER if number < FIRST_STATUS_COLUMN else Styles.HEADER_NUMBER
        grid.text(header_row, number, label, style, "summary wording")
    grid.heights[header_row] = TABLE_HEADER_HEIGHT
    done_column = separate_done_column(roadmap)
    row = header_row
    for release, title, counts, items in areas:
        row += 1
        grid.text(row, 1, _area_label(title, layout), Styles.TEXT, f"area in {release}")
        grid.text(row, 2, release, Styles.TEXT, "release name")
        area = formula_string("", "area") if title is None else equals_criterion(title, f"area in {release}")
        criteria = f"{_release_criteria(release, layout)},{table_column(layout.title('area'))},{area}"
        values = _row_values(roadmap, counts, items, done_column)
        _count_row(grid, row, criteria, roadmap, layout, values, done_column)
    return row


def separate_done_column(roadmap: Roadmap) -> bool:
    """Whether the Summary has a Done column: not when one status alone is done, whose column says the same."""
    return sum(status.done for status in roadmap.statuses) != 1


def _done_count(roadmap: Roadmap, counts: list[int]) -> int:
    return sum(count for count, status in zip(counts, roadmap.statuses, strict=True) if status.done)


def _row_values(roadmap: Roadmap, counts: list[int], items: int, done_column: bool) -> list[float]:
    """The values a count row's formulas compute, from FIRST_STATUS_COLUMN on: counts, items, done, % done."""
    values: list[float] = [*counts, items]
    done = _done_count(roadmap, counts)
    if done_column:
        values.append(done)
    values.append(done / items if items else 0)
    return values


def _count_row(
    grid: CellGrid, row: int, in_release: str, roadmap: Roadmap, layout: Layout, values: list[float], done_column: bool
) -> None:
    """A row of COUNTIFS over the items that match `in_release` (range,criterion pairs), notes left out."""
    counted = f"{table_column(layout.title('kind'))},{formula_string('<>' + NOTE_KIND, 'kind')}"
    status_column = table_column(layout.title("status"))
    done_cells = []
    for offset, status in enumerate(roadmap.statuses):
        column = FIRST_STATUS_COLUMN + offset
        criterion = equals_criterion(status.name, "status")
        formula = f"=COUNTIFS({in_release},{status_column},{criterion},{counted})"
        grid.formula(row, column, formula, Styles.COUNT, values[offset])
        if status.done:
            done_cells.append(f"{get_column_letter(column)}{row}")
    items_column = FIRST_STATUS_COLUMN + len(roadmap.statuses)
    items = f"{get_column_letter(items_column)}{row}"
    grid.formula(row, items_column, f"=COUNTIFS({in_release},{counted})", Styles.COUNT, values[len(roadmap.statuses)])
    if done_column:
        done = f"{get_column_letter(items_column + 1)}{row}"
        done_formula = f"=SUM({','.join(done_cells)})" if done_cells else "=0"
        grid.formula(row, items_column + 1, done_formula, Styles.COUNT, values[-2])
    else:
        done = done_cells[0]
    percent_column = items_column + (2 if done_column else 1)
    grid.formula(row, percent_column, f"=IF({items}=0,0,{done}/{items})", Styles.PERCENT, values[-1])


def _totals_row(
    grid: CellGrid, row: int, columns: int, roadmap: Roadmap, layout: Layout, values: list[float]
) -> None:
    done_column = separate_done_column(roadmap)
    grid.text(row, 1, layout.summary["total"], Styles.TOTAL_LABEL, "summary wording")
    for column in range(2, FIRST_STATUS_COLUMN):
        grid.styled(row, column, Styles.TOTAL)
    for column in range(FIRST_STATUS_COLUMN, columns):
        letter = get_column_letter(column)
        formula = f"=SUM({letter}{HEADER_ROW + 1}:{letter}{row - 1})"
        grid.formula(row, column, formula, Styles.TOTAL, values[column - FIRST_STATUS_COLUMN])
    if done_column:
        items, done = f"{get_column_letter(columns - 2)}{row}", f"{get_column_letter(columns - 1)}{row}"
    else:
        items = f"{get_column_letter(columns - 1)}{row}"
        first_done = next(n for n, status in enumerate(roadmap.statuses) if status.done)
        done = f"{get_column_letter(FIRST_STATUS_COLUMN + first_done)}{row}"
    grid.formula(row, columns, f"=IF({items}=0,0,{done}/{items})", Styles.TOTAL_PERCENT, values[-1])


def _chart_height(summary: SummarySheet, anchor_row: int) -> tuple[float, int | None]:
    """The chart's height: what the first printed page leaves under the tables, or, when that is too little,
    the largest height on a page of its own (with the row after which the page breaks before the chart's row)."""
    columns = sum(column.width or 0 for column in summary.columns.values()) * CM_PER_WIDTH_UNIT
    width = max(columns, CHART_WIDTH)
    page = min(height / min(1.0, page_width / width) for page_width, height in PRINTED_PAGES)
    heights = {1: TITLE_ROW_POINTS} | summary.grid.heights
    rows = sum(heights.get(row) or DEFAULT_ROW_POINTS for row in range(1, anchor_row)) * CM_PER_POINT
    least, most = CHART_HEIGHTS
    room = page - rows - PAGE_ROOM_CM
    if room >= least:
        return min(room, most), None
    return min(page - PAGE_ROOM_CM, most), anchor_row - 1


def build_lists_sheet(roadmap: Roadmap, layout: Layout, known: KnownCells | None = None) -> CellGrid:
    """The hidden Lists sheet's cells: the status vocabulary, the Items column titles and the document's sections."""
    grid = CellGrid(known)
    headers = {
        LIST_STATUS: "Status", LIST_DONE: "Done", LIST_COLOUR: "Colour", LIST_KEY: "Key", LIST_TITLE: "Title",
        LIST_SECTION_KIND: "Section", LIST_SECTION_TEXT: "Text", LIST_SECTION_RELEASE: "Release",
        LIST_SECTION_PERIOD: "Period", LIST_SECTION_AREA: "Area",
    }  # fmt: skip
    for column, header in headers.items():
        grid.text(1, column, header, Styles.HEADER)
    for row, status in enumerate(roadmap.statuses, start=2):
        grid.text(row, LIST_STATUS, status.name, Styles.TEXT, "status")
        grid.boolean(row, LIST_DONE, status.done)
        grid.text(row, LIST_COLOUR, status.colour, Styles.TEXT)
    keys = [(ITEMS_SHEET_KEY, layout.items_sheet)] + [(column.key, column.title) for column in layout.columns]
    for row, (key, title) in enumerate(keys, start=2):
        grid.text(row, LIST_KEY, key, Styles.TEXT)
        grid.text(row, LIST_TITLE, title, Styles.TEXT)
    for row, section in enumerate(sections(roadmap), start=2):
        for column, value in zip(_SECTION_COLUMNS, section, strict=True):
            grid.text(row, column, value, Styles.TEXT)
    return grid


_SECTION_COLUMNS = (LIST_SECTION_KIND, LIST_SECTION_TEXT, LIST_SECTION_RELEASE, LIST_SECTION_PERIOD, LIST_SECTION_AREA)


def sections(roadmap: Roadmap) -> list[tuple[str, str, str, str, str]]:
    """The headings of the document in order: kind, text, release name, period, area title; the introduction's
    paragraphs follow the title (kind "introduction", which the tracker table passes over)."""
    rows = [("title", safe_text(roadmap.title, "roadmap title"), "", "", "")]
    rows += [(INTRODUCTION, safe_text(text, "introduction"), "", "", "") for text in roadmap.introduction]
    for release in roadmap.releases:
        name, period = safe_text(release.name, "release name"), safe_text(release.period or "", "release period")
        rows.append(("release", safe_text(release.heading, "release heading"), name, period, ""))
        for area in release.areas:
            title = safe_text(area.title, f"area in {release.name}")
            rows.append(("area", title, name, period, title))
    return rows
