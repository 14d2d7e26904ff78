"""The Summary sheet (live counts by release and status, with a chart) and the hidden Lists sheet."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from openpyxl.chart import BarChart, Reference, Series
from openpyxl.chart.data_source import AxDataSource, NumData, NumVal, StrData, StrRef, StrVal
from openpyxl.chart.marker import DataPoint
from openpyxl.chart.series import SeriesLabel
from openpyxl.chart.shapes import GraphicalProperties
from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.workbook import Workbook
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.worksheet import Worksheet

from evepub.formats.xlsx.contract import row_texts
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
    LISTS_SHEET,
    Layout,
    Styles,
    safe_text,
    visible_text,
)
from evepub.model import INTRODUCTION, Quarter, Release, Roadmap, walk

HEADER_ROW = 4  # rows 1-2 hold the title and the edition
START_COLUMN, END_COLUMN = 3, 4  # the first and last day of a release's period, after Release and Period
FIRST_STATUS_COLUMN = 5  # after Release, Period, Start and End
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


def table_column(title: str) -> str:
    """A structured reference to one column of the Items table, escaped for any title."""
    escaped = "".join("'" + char if char in "[]#'" else char for char in title)
    return f"{ITEMS_TABLE}[[{escaped}]]"


def equals_criterion(text: str, what: str) -> str:
    """A COUNTIFS criterion matching exactly this text: wildcards escaped, '=' so no operator is read."""
    literal = text.replace("~", "~~").replace("*", "~*").replace("?", "~?")
    return formula_string("=" + literal, what)


def status_counts(roadmap: Roadmap) -> tuple[list[list[int]], list[int]]:
    """What the Summary's COUNTIFS give for each release: items by status (in the roadmap's order), and items.

    Computed from the texts the Items rows hold, matched as COUNTIFS matches them (ignoring case), so that the
    cached values a viewer shows without recalculating are the ones Excel and LibreOffice compute.
    """
    by_status, items = _counted(roadmap, lambda texts: (visible_text(texts["release"]).lower(),))
    statuses = [visible_text(status.name).lower() for status in roadmap.statuses]
    keys = [(release.name.lower(),) for release in roadmap.releases]
    return [[by_status[(key, status)] for status in statuses] for key in keys], [items[key] for key in keys]


def _counted(
    roadmap: Roadmap, group: Callable[[dict[str, str]], tuple[str, ...]]
) -> tuple[Counter[tuple[tuple[str, ...], str]], Counter[tuple[str, ...]]]:
    """Items by (group, lower-case status) and by group, notes left out, as COUNTIFS counts them."""
    by_status: Counter[tuple[tuple[str, ...], str]] = Counter()
    items: Counter[tuple[str, ...]] = Counter()
    for located in walk(roadmap):
        texts = row_texts(located, roadmap)
        if visible_text(texts["kind"]).lower() == NOTE_KIND:
            continue
        key = group(texts)
        items[key] += 1
        by_status[(key, visible_text(texts["status"]).lower())] += 1
    return by_status, items


def area_counts(roadmap: Roadmap) -> list[tuple[str, str | None, list[int], int]]:
    """The per-area rows: release name, area title (None for the items before the first area), counts by status
    and items, in the document's order; the row of items before the first area only when there are any."""
    by_status, items = _counted(
        roadmap, lambda texts: (visible_text(texts["release"]).lower(), visible_text(texts["area"]).lower())
    )
    statuses = [visible_text(status.name).lower() for status in roadmap.statuses]
    rows: list[tuple[str, str | None, list[int], int]] = []
    for release in roadmap.releases:
        titles: list[str | None] = [None] if items[(release.name.lower(), "")] else []
        titles += [area.title for area in release.areas]
        for title in titles:
            key = (release.name.lower(), visible_text(title or "").lower())
            rows.append((release.name, title, [by_status[(key, status)] for status in statuses], items[key]))
    return rows


def build_summary_sheet(
    workbook: Workbook, roadmap: Roadmap, layout: Layout, styles: Styles, text: SummaryText
) -> tuple[Worksheet, dict[str, float]]:
    """Add the Summary sheet: counts by status per release as COUNTIFS over the Items table, and their chart.

    Returns the sheet and the cached value of every formula cell by reference (what the writer stores as <v>).
    """
    sheet = workbook.create_sheet(layout.summary_sheet)
    styles.put_text(sheet.cell(row=1, column=1), text.title, styles.TITLE, "roadmap title")
    styles.put_text(sheet.cell(row=2, column=1), text.edition, styles.TEXT, "edition")
    labels = _summary_labels(roadmap, layout, text)
    cached: dict[str, float] = {}
    counts, totals_row = _release_table(sheet, labels, roadmap, layout, styles, cached)
    bars = Bars(HEADER_ROW, [visible_text(release.name) for release in roadmap.releases], counts)
    names, last_row = list(bars.names), totals_row
    if text.areas:
        areas = area_counts(roadmap)
        last_row = _area_rows(sheet, totals_row + 2, labels, areas, roadmap, layout, styles, cached)
        area_names = [visible_text(_area_label(title, layout)) for _, title, _, _ in areas]
        names += area_names
        if len(areas) > 1:  # a release with areas: a bar per area
            bars = Bars(totals_row + 2, area_names, [area[2] for area in areas])
    sheet.column_dimensions["A"].width = max(NAME_WIDTH, *(min(text_width(name), MAX_NAME_WIDTH) + 2 for name in names))
    if roadmap.releases:
        _add_chart(sheet, roadmap, layout, bars, text.status_labels, last_row + CHART_GAP_ROWS + 1)
    return sheet, cached


def _summary_labels(roadmap: Roadmap, layout: Layout, text: SummaryText) -> list[str]:
    """The release table's column titles: release, period, dates, statuses, items, done (if separate), % done."""
    dates = [layout.summary["start"], layout.summary["end"]]
    labels = [layout.summary["release"], layout.summary["period"], *dates, *text.status_labels, layout.summary["items"]]
    labels += [layout.summary["done"]] if separate_done_column(roadmap) else []
    return [*labels, layout.summary["percent_done"]]


def _release_table(
    sheet: Worksheet, labels: list[str], roadmap: Roadmap, layout: Layout, styles: Styles, cached: dict[str, float]
) -> tuple[list[list[int]], int]:
    """The table of releases with its header and totals rows; returns each release's counts and the totals row."""
    done_column = separate_done_column(roadmap)
    for number, label in enumerate(labels, start=1):
        style = styles.HEADER if number < FIRST_STATUS_COLUMN else styles.HEADER_NUMBER
        styles.put_text(sheet.cell(row=HEADER_ROW, column=number), label, style, "summary wording")
        sheet.column_dimensions[get_column_letter(number)].width = NAME_WIDTH if number < START_COLUMN else 11
    counts, items = status_counts(roadmap)
    for row, release in enumerate(roadmap.releases, start=HEADER_ROW + 1):
        styles.put_text(sheet.cell(row=row, column=1), release.name, styles.TEXT, "release name")
        styles.put_text(sheet.cell(row=row, column=2), release.period or "", styles.TEXT, "release period")
        _date_cells(sheet, row, release, styles)
        index = row - HEADER_ROW - 1
        _count_row(sheet, row, _release_criteria(release.name, layout), roadmap, layout, styles, done_column)
        _cache_row(cached, row, roadmap, counts[index], items[index], done_column)
    totals_row = HEADER_ROW + len(roadmap.releases) + 1
    _totals_row(sheet, totals_row, len(labels), roadmap, layout, styles)
    totals = [sum(column) for column in zip(*counts, strict=True)] or [0] * len(roadmap.statuses)
    _cache_row(cached, totals_row, roadmap, totals, sum(items), done_column)
    sheet.row_dimensions[HEADER_ROW].height = TABLE_HEADER_HEIGHT  # two lines for statuses such as "design approved"
    sheet.freeze_panes = f"A{HEADER_ROW + 1}"
    return counts, totals_row


def _date_cells(sheet: Worksheet, row: int, release: Release, styles: Styles) -> None:
    """The first day of the release's start quarter and the last of its end quarter; empty cells without a period."""
    span = release_span(release)
    values = (quarter_start(span[0]), quarter_end(span[1])) if span else (None, None)
    for column, value in zip((START_COLUMN, END_COLUMN), values, strict=True):
        cell = sheet.cell(row=row, column=column)
        if value is not None:
            cell.value = value
        styles.apply(cell, styles.DATE)


def _release_criteria(release: str, layout: Layout) -> str:
    return f"{table_column(layout.title('release'))},{equals_criterion(release, 'release name')}"


def _area_label(title: str | None, layout: Layout) -> str:
    """What the Area cell of a per-area row shows: the area's title, or the label of the items before the first."""
    return layout.summary["no_area"] if title is None else title


def _area_rows(
    sheet: Worksheet,
    header_row: int,
    labels: list[str],
    areas: list[tuple[str, str | None, list[int], int]],
    roadmap: Roadmap,
    layout: Layout,
    styles: Styles,
    cached: dict[str, float],
) -> int:
    """The per-area breakdown (area_counts): a header row like the release table's, a row per area; its last row."""
    header = [layout.summary["area"], layout.summary["release"], "", "", *labels[FIRST_STATUS_COLUMN - 1 :]]
    for number, label in enumerate(header, start=1):
        style = styles.HEADER if number < FIRST_STATUS_COLUMN else styles.HEADER_NUMBER
        styles.put_text(sheet.cell(row=header_row, column=number), label, style, "summary wording")
    sheet.row_dimensions[header_row].height = TABLE_HEADER_HEIGHT
    done_column = separate_done_column(roadmap)
    row = header_row
    for release, title, counts, items in areas:
        row += 1
        styles.put_text(sheet.cell(row=row, column=1), _area_label(title, layout), styles.TEXT, f"area in {release}")
        styles.put_text(sheet.cell(row=row, column=2), release, styles.TEXT, "release name")
        area = formula_string("", "area") if title is None else equals_criterion(title, f"area in {release}")
        criteria = f"{_release_criteria(release, layout)},{table_column(layout.title('area'))},{area}"
        _count_row(sheet, row, criteria, roadmap, layout, styles, done_column)
        _cache_row(cached, row, roadmap, counts, items, done_column)
    return row


def separate_done_column(roadmap: Roadmap) -> bool:
    """Whether the Summary has a Done column: not when one status alone is done, whose column says the same."""
    return sum(status.done for status in roadmap.statuses) != 1


def _done_count(roadmap: Roadmap, counts: list[int]) -> int:
    return sum(count for count, status in zip(counts, roadmap.statuses, strict=True) if status.done)


def _cache_row(
    cached: dict[str, float], row: int, roadmap: Roadmap, counts: list[int], items: int, done_column: bool
) -> None:
    """The values a count row's formulas compute, by cell reference."""
    values: list[float] = [*counts, items]
    done = _done_count(roadmap, counts)
    if done_column:
        values.append(done)
    values.append(done / items if items else 0)
    for column, value in enumerate(values, start=FIRST_STATUS_COLUMN):
        cached[f"{get_column_letter(column)}{row}"] = value


def _count_row(
    sheet: Worksheet, row: int, in_release: str, roadmap: Roadmap, layout: Layout, styles: Styles, done_column: bool
) -> None:
    """A row of COUNTIFS over the items that match `in_release` (range,criterion pairs), notes left out."""
    counted = f"{table_column(layout.title('kind'))},{formula_string('<>' + NOTE_KIND, 'kind')}"
    status_column = table_column(layout.title("status"))
    done_cells = []
    for offset, status in enumerate(roadmap.statuses):
        column = FIRST_STATUS_COLUMN + offset
        criterion = equals_criterion(status.name, "status")
        cell = sheet.cell(
            row=row, column=column, value=f"=COUNTIFS({in_release},{status_column},{criterion},{counted})"
        )
        styles.apply(cell, styles.COUNT)
        if status.done:
            done_cells.append(f"{get_column_letter(column)}{row}")
    items_column = FIRST_STATUS_COLUMN + len(roadmap.statuses)
    items = f"{get_column_letter(items_column)}{row}"
    sheet.cell(row=row, column=items_column, value=f"=COUNTIFS({in_release},{counted})").style = styles.COUNT
    if done_column:
        done = f"{get_column_letter(items_column + 1)}{row}"
        done_formula = f"=SUM({','.join(done_cells)})" if done_cells else "=0"
        sheet.cell(row=row, column=items_column + 1, value=done_formula).style = styles.COUNT
    else:
        done = done_cells[0]
    percent_column = items_column + (2 if done_column else 1)
    percent = sheet.cell(row=row, column=percent_column, value=f"=IF({items}=0,0,{done}/{items})")
    styles.apply(percent, styles.PERCENT)


def _totals_row(sheet: Worksheet, row: int, columns: int, roadmap: Roadmap, layout: Layout, styles: Styles) -> None:
    done_column = separate_done_column(roadmap)
    total = sheet.cell(row=row, column=1)
    styles.put_text(total, layout.summary["total"], styles.TOTAL, "summary wording")
    total.alignment = Alignment(horizontal="left")
    for column in range(2, FIRST_STATUS_COLUMN):
        sheet.cell(row=row, column=column).style = styles.TOTAL
    for column in range(FIRST_STATUS_COLUMN, columns):
        letter = get_column_letter(column)
        sheet.cell(
            row=row, column=column, value=f"=SUM({letter}{HEADER_ROW + 1}:{letter}{row - 1})"
        ).style = styles.TOTAL
    if done_column:
        items, done = f"{get_column_letter(columns - 2)}{row}", f"{get_column_letter(columns - 1)}{row}"
    else:
        items = f"{get_column_letter(columns - 1)}{row}"
        first_done = next(n for n, status in enumerate(roadmap.statuses) if status.done)
        done = f"{get_column_letter(FIRST_STATUS_COLUMN + first_done)}{row}"
    percent = sheet.cell(row=row, column=columns, value=f"=IF({items}=0,0,{done}/{items})")
    styles.apply(percent, styles.TOTAL_PERCENT)


@dataclass(frozen=True)
class Bars:
    """The rows of a Summary table that its chart shows, a bar each: the table's header row, names and counts."""

    header_row: int  # the rows follow it, named in column A, counted by status from FIRST_STATUS_COLUMN
    names: list[str]
    counts: list[list[int]]  # each row's counts in the roadmap's status order

    @property
    def first_row(self) -> int:
        """The first row shown."""
        return self.header_row + 1

    @property
    def last_row(self) -> int:
        """The last row shown."""
        return self.header_row + len(self.names)


def _add_chart(
    sheet: Worksheet, roadmap: Roadmap, layout: Layout, bars: Bars, titles: tuple[str, ...], anchor_row: int
) -> None:
    """A column chart of a table's rows, its values cached: stacked by status, or one row's statuses side by side."""
    chart = BarChart()
    chart.type = "col"
    chart.title = layout.summary["chart_title"]
    if len(bars.names) > 1:
        _stacked_series(chart, sheet, roadmap, bars, titles)
    else:
        _status_series(chart, sheet, roadmap, bars, titles)
    chart.x_axis.delete = False  # recent Excel hides axes that openpyxl leaves unset
    chart.y_axis.delete = False
    chart.y_axis.majorGridlines = None
    chart.width, chart.height = CHART_WIDTH, _chart_height(sheet, anchor_row)
    sheet.add_chart(chart, f"A{anchor_row}")


def _chart_height(sheet: Worksheet, anchor_row: int) -> float:
    """The chart's height: what the first printed page leaves under the tables, or, when that is too little,
    the largest height on a page of its own (a page break before the chart's row)."""
    columns = sum(dimension.width or 0 for dimension in sheet.column_dimensions.values()) * CM_PER_WIDTH_UNIT
    width = max(columns, CHART_WIDTH)
    page = min(height / min(1.0, page_width / width) for page_width, height in PRINTED_PAGES)
    heights = {1: TITLE_ROW_POINTS} | {row: dimension.height for row, dimension in sheet.row_dimensions.items()}
    rows = sum(heights.get(row) or DEFAULT_ROW_POINTS for row in range(1, anchor_row)) * CM_PER_POINT
    least, most = CHART_HEIGHTS
    room = page - rows - PAGE_ROOM_CM
    if room >= least:
        return min(room, most)
    sheet.row_breaks.append(Break(id=anchor_row - 1))
    return min(page - PAGE_ROOM_CM, most)


def _stacked_series(chart: BarChart, sheet: Worksheet, roadmap: Roadmap, bars: Bars, titles: tuple[str, ...]) -> None:
    """A series per status over the table's rows, stacked: a bar per row (release or area)."""
    chart.grouping = "stacked"
    chart.overlap = 100
    last_status = FIRST_STATUS_COLUMN + len(roadmap.statuses) - 1
    data = Reference(
        sheet, min_col=FIRST_STATUS_COLUMN, max_col=last_status, min_row=bars.header_row, max_row=bars.last_row
    )
    chart.add_data(data, titles_from_data=True)
    cells = f"{quote_sheetname(sheet.title)}!$A${bars.first_row}:$A${bars.last_row}"
    categories = StrRef(f=cells, strCache=_strings(bars.names))
    for offset, (series, status) in enumerate(zip(chart.series, roadmap.statuses, strict=True)):
        _colour(series.graphicalProperties, status.colour)
        series.tx.strRef.strCache = _strings([titles[offset]])
        series.val.numRef.numCache = _numbers([row[offset] for row in bars.counts])
        series.cat = AxDataSource(strRef=categories)
    chart.legend.position = "r"


def _status_series(chart: BarChart, sheet: Worksheet, roadmap: Roadmap, bars: Bars, titles: tuple[str, ...]) -> None:
    """One row's counts as a bar per status, each in its status colour: the chart of a table of one row."""
    chart.grouping = "clustered"
    row, last_status = bars.first_row, FIRST_STATUS_COLUMN + len(roadmap.statuses) - 1
    series = Series(Reference(sheet, min_col=FIRST_STATUS_COLUMN, max_col=last_status, min_row=row))
    name = StrRef(f=f"{quote_sheetname(sheet.title)}!$A${row}", strCache=_strings(bars.names))
    series.tx = SeriesLabel(strRef=name)
    series.val.numRef.numCache = _numbers(bars.counts[0])
    first, last = get_column_letter(FIRST_STATUS_COLUMN), get_column_letter(last_status)
    labels = f"{quote_sheetname(sheet.title)}!${first}${bars.header_row}:${last}${bars.header_row}"
    series.cat = AxDataSource(strRef=StrRef(f=labels, strCache=_strings(list(titles))))
    for index, status in enumerate(roadmap.statuses):
        point = DataPoint(idx=index)
        _colour(point.graphicalProperties, status.colour)
        series.dPt.append(point)
    chart.series.append(series)
    chart.legend = None  # the bars are named on the axis


def _colour(properties: GraphicalProperties, colour: str) -> None:
    """Fill and outline in one colour."""
    properties.solidFill = colour
    properties.line.solidFill = colour


def _numbers(values: list[int]) -> NumData:
    return NumData(formatCode="General", pt=[NumVal(idx=i, v=v) for i, v in enumerate(values)], ptCount=len(values))


def _strings(texts: list[str]) -> StrData:
    return StrData(pt=[StrVal(idx=index, v=text) for index, text in enumerate(texts)], ptCount=len(texts))


def build_lists_sheet(workbook: Workbook, roadmap: Roadmap, layout: Layout, styles: Styles) -> Worksheet:
    """Add the hidden Lists sheet: the status vocabulary, the Items column titles and the document's sections."""
    sheet = workbook.create_sheet(LISTS_SHEET)
    sheet.sheet_state = "hidden"
    headers = {
        LIST_STATUS: "Status", LIST_DONE: "Done", LIST_COLOUR: "Colour", LIST_KEY: "Key", LIST_TITLE: "Title",
        LIST_SECTION_KIND: "Section", LIST_SECTION_TEXT: "Text", LIST_SECTION_RELEASE: "Release",
        LIST_SECTION_PERIOD: "Period", LIST_SECTION_AREA: "Area",
    }  # fmt: skip
    for column, header in headers.items():
        styles.put_text(sheet.cell(row=1, column=column), header, styles.HEADER)
    for row, status in enumerate(roadmap.statuses, start=2):
        styles.put_text(sheet.cell(row=row, column=LIST_STATUS), status.name, styles.TEXT, "status")
        sheet.cell(row=row, column=LIST_DONE, value=status.done)
        styles.put_text(sheet.cell(row=row, column=LIST_COLOUR), status.colour, styles.TEXT)
    keys = [(ITEMS_SHEET_KEY, layout.items_sheet)] + [(column.key, column.title) for column in layout.columns]
    for row, (key, title) in enumerate(keys, start=2):
        styles.put_text(sheet.cell(row=row, column=LIST_KEY), key, styles.TEXT)
        styles.put_text(sheet.cell(row=row, column=LIST_TITLE), title, styles.TEXT)
    for row, section in enumerate(sections(roadmap), start=2):
        for column, value in zip(_SECTION_COLUMNS, section, strict=True):
            styles.put_text(sheet.cell(row=row, column=column), value, styles.TEXT)
    return sheet


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
