"""One tracker workbook, assembled from what the trackers of a build share and from its own prepared cells.

openpyxl makes, once per build, a tracker without cells (package.Prototype: the shared parts, the sheets' elements
before and after their rows), the chart of each shape (chart.Charts), the Items rules (items.ItemsRules) and the
styles part of each list of cell styles (styles.Styles); each tracker adds its cells, written as openpyxl writes
them (rows.py, sheet.py), and the values that set it apart (ranges, chart values, print area, page header).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools

from openpyxl.utils import get_column_letter
from openpyxl.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from evepub.formats.settings import BuildSettings
from evepub.formats.xlsx.built import build_built_sheet, built_rows
from evepub.formats.xlsx.chart import Charts
from evepub.formats.xlsx.contract import BUILT_COLUMNS, BUILT_FIRST_ROW, BUILT_SHEET, row_texts
from evepub.formats.xlsx.howto import build_how_to_sheet
from evepub.formats.xlsx.items import (
    Entry,
    ItemsRules,
    build_items_header,
    item_levels,
    item_rows,
    items_sheet_setup,
    items_table,
    last_item_row,
    longest_id,
    print_area,
)
from evepub.formats.xlsx.layout import LISTS_SHEET, Layout, visible_text
from evepub.formats.xlsx.package import (
    Prototype,
    core_properties,
    header_footer_text,
    header_footer_xml,
    hyperlinks_xml,
    protected,
    row_break_xml,
    sheet_relationships,
    table_parts_xml,
    with_chart,
)
from evepub.formats.xlsx.rows import ItemRow, rows_xml
from evepub.formats.xlsx.sheet import CellGrid, Column, KnownCells, SheetXml, cols_xml
from evepub.formats.xlsx.styles import CellStyles, Record, Styles
from evepub.formats.xlsx.summary import (
    CHART_WIDTH,
    HEADER_ROW,
    CountKey,
    SummarySheet,
    SummaryText,
    build_lists_sheet,
    build_summary_sheet,
    count_key,
    release_span,
)
from evepub.formats.xlsx.timeline import FIRST_QUARTER_COLUMN, build_timeline_sheet
from evepub.formats.xlsx.timeline import HEADER_ROW as TIMELINE_HEADER_ROW
from evepub.formats.xlsx.zipped import Zipper
from evepub.model import Release, Roadmap, walk

PAPER_SIZES = {"A4": 9, "Letter": 1}  # OOXML paperSize codes
SHEET_PART = "xl/worksheets/sheet{}.xml"
RELS_PART = "xl/worksheets/_rels/sheet2.xml.rels"  # the Items sheet's: its hyperlinks and its table
REPEATED_PARTS = ("xl/styles.xml", "xl/tables/table1.xml", "xl/workbook.xml")  # the same in many trackers


@dataclasses.dataclass(frozen=True)
class Wording:
    """The user-changeable wording a tracker prints, rendered once per build."""

    title: str
    subtitle: str
    edition: str
    page_footer: str  # already in header/footer code: "&" doubled, page fields as &P and &N
    status_labels: tuple[str, ...]


@dataclasses.dataclass(frozen=True)
class Scope:
    """What one tracker shows: the roadmap or one release of it, and the prepared rows of its items."""

    roadmap: Roadmap
    release: Release | None
    rows: list[ItemRow]
    built: list[ItemRow]  # the as-built sheet's rows, in the same order
    counted: list[CountKey | None]  # what the Summary counts of each row (summary.count_key)
    longest_id: float  # the width of the longest ID, in character units

    @classmethod
    def joined(cls, roadmap: Roadmap, scopes: list[Scope]) -> Scope:
        """The all-releases tracker's scope: every release's rows in order."""
        rows = [row for scope in scopes for row in scope.rows]
        built = [row for scope in scopes for row in scope.built]
        counted = [key for scope in scopes for key in scope.counted]
        return cls(roadmap, None, rows, built, counted, max((scope.longest_id for scope in scopes), default=0))


def release_scopes(roadmap: Roadmap, layout: Layout) -> list[Scope]:
    """What each release's tracker shows, its items' rows prepared, walking the roadmap once."""
    index = {id(release): number for number, release in enumerate(roadmap.releases)}
    entries: list[list[Entry]] = [[] for _ in roadmap.releases]
    for located in walk(roadmap):
        entries[index[id(located.release)]].append((located, row_texts(located, roadmap)))
    rows, built = item_rows(entries, layout), built_rows(entries, roadmap)
    return [
        Scope(
            dataclasses.replace(roadmap, releases=[release]), release, release_rows, release_built,
            [count_key(texts) for _, texts in release_entries], longest_id(release_entries),
        )
        for release, release_entries, release_rows, release_built in zip(
            roadmap.releases, entries, rows, built, strict=True
        )
    ]  # fmt: skip


class Trackers:
    """The trackers of one build: what they share is made once (by openpyxl), each tracker's cells are prepared."""

    def __init__(
        self, roadmap: Roadmap, layout: Layout, wording: Wording, settings: BuildSettings, source: tuple[str, str]
    ) -> None:
        self.layout, self.wording, self.settings = layout, wording, settings
        self.paper = PAPER_SIZES.get(settings.page_size, PAPER_SIZES["A4"])
        self.roadmap = roadmap
        chart_title = layout.summary["chart_title"]
        self.charts = Charts(layout.summary_sheet, roadmap.statuses, wording.status_labels, chart_title)
        self.how_to = build_how_to_sheet(layout)
        self.known: KnownCells = {}  # the text cells of the trackers' small sheets, each made once
        self.zipper = Zipper()
        self.built = build_built_sheet(*source)
        self._prototypes: dict[bool, Prototype] = {}
        self._styles: dict[tuple[tuple[int, ...], bool], Styles] = {}
        self._stylesheets: dict[tuple[Styles, tuple[Record, ...]], bytes] = {}

    @functools.cached_property
    def rules(self) -> ItemsRules:
        """The Items sheet's rules and validations, made when the first tracker's Summary is (which checks texts)."""
        return ItemsRules(self.roadmap, self.layout)

    def workbook_bytes(self, scope: Scope) -> bytes:
        """One tracker workbook, byte-identical for the same input."""
        summary = self._summary(scope)
        prototype = self._prototype(summary.bars is not None)
        dated = any(map(release_span, scope.roadmap.releases))
        cells = CellStyles(self._styles_for(item_levels(scope.rows), dated))
        links: list[tuple[str, str]] = []
        parts = dict(prototype.shared)
        for number, sheet in enumerate(self._sheets(scope, summary, prototype, cells, links), start=1):
            parts[SHEET_PART.format(number)] = sheet
        parts.update(self._parts(scope, summary, prototype, cells, links))
        repeated = {*prototype.shared, *REPEATED_PARTS, *([] if links else [RELS_PART])}
        return self.zipper.pack(parts, self.settings.timestamp, repeated)

    def _summary(self, scope: Scope) -> SummarySheet:
        release, wording = scope.release, self.wording
        title = release.name if release else wording.title  # A1 names the tracker: its release, or the roadmap
        text = SummaryText(title, wording.edition, wording.status_labels, areas=release is not None)
        return build_summary_sheet(scope.roadmap, self.layout, text, scope.counted, self.known)

    def _sheets(
        self, scope: Scope, summary: SummarySheet, prototype: Prototype, cells: CellStyles, links: list[tuple[str, str]]
    ) -> list[bytes]:
        """The six sheets in order (their cells take style numbers in that order); the Items hyperlinks go to links."""
        wording, roadmap = self.wording, scope.roadmap
        shown_scope = header_footer_text(scope.release.heading) if scope.release else ""
        title, edition = header_footer_text(wording.title), header_footer_text(wording.edition)
        page = header_footer_xml(title, shown_scope, edition, wording.page_footer)
        return [
            self._summary_xml(summary, prototype, cells, page),
            self._items_xml(scope, prototype, cells, page, links),
            _grid_xml(build_lists_sheet(roadmap, self.layout, self.known), {}, prototype, 2, cells, page),
            _grid_xml(*self.how_to, prototype, 3, cells, page),
            _grid_xml(*build_timeline_sheet(roadmap, self.layout, self.known), prototype, 4, cells, page),
            self._built_xml(scope, prototype, cells),
        ]

    def _parts(
        self, scope: Scope, summary: SummarySheet, prototype: Prototype, cells: CellStyles, links: list[tuple[str, str]]
    ) -> dict[str, bytes]:
        """The parts besides the sheets and the shared ones; the styles part once every cell is numbered."""
        last_row = last_item_row(scope.rows)
        parts = {
            RELS_PART: sheet_relationships([target for _, target in links], self.rules.table_path),
            "xl/tables/table1.xml": self.rules.table_xml(last_row),
        }
        if summary.bars is not None:
            parts["xl/charts/chart1.xml"] = self.charts.xml(summary.bars)
            drawing = prototype.drawing_xml(summary.anchor_row, CHART_WIDTH, summary.chart_height)
            parts["xl/drawings/drawing1.xml"] = drawing
        parts["xl/styles.xml"] = self._stylesheet(cells)
        parts["xl/workbook.xml"] = prototype.workbook_xml(print_area(self.layout, last_row))
        parts["docProps/core.xml"] = self._properties(scope.roadmap, scope.release)
        return parts

    def _summary_xml(self, summary: SummarySheet, prototype: Prototype, cells: CellStyles, page: str) -> bytes:
        head, tail = prototype.heads[0], prototype.tails[0]
        sheet = SheetXml(head, summary.grid.dimension(), cols_xml(summary.columns, cells))
        sheet.rows.append(summary.grid.xml(cells))
        sheet.tail += [tail.protection, tail.printing, page]
        if summary.page_break is not None:
            sheet.tail.append(row_break_xml(summary.page_break))
        sheet.tail.append(tail.drawing)
        return sheet.part()

    def _items_xml(
        self, scope: Scope, prototype: Prototype, cells: CellStyles, page: str, links: list[tuple[str, str]]
    ) -> bytes:
        head, tail = prototype.heads[1], prototype.tails[1]
        grid, columns = build_items_header(scope.longest_id, self.layout, self.known)
        dimension = _prepared_dimension(scope.rows, len(self.layout.columns), 2)
        sheet = SheetXml(head, dimension, cols_xml(columns, cells))
        sheet.rows += [grid.xml(cells), rows_xml(scope.rows, 2, cells, links)]
        rules, hyperlinks = self.rules.xml(last_item_row(scope.rows)), hyperlinks_xml([cell for cell, _ in links])
        sheet.tail += [tail.protection, rules, hyperlinks, tail.printing, page, tail.drawing]
        sheet.tail.append(table_parts_xml(len(links) + 1))
        return sheet.part()

    def _built_xml(self, scope: Scope, prototype: Prototype, cells: CellStyles) -> bytes:
        head, tail = prototype.heads[5], prototype.tails[5]
        dimension = _prepared_dimension(scope.built, len(BUILT_COLUMNS), BUILT_FIRST_ROW)
        sheet = SheetXml(head, dimension, "")
        sheet.rows += [self.built.xml(cells), rows_xml(scope.built, BUILT_FIRST_ROW, cells, [])]
        sheet.tail += [tail.protection, tail.printing, tail.drawing]
        return sheet.part()

    def _prototype(self, chart: bool) -> Prototype:
        """The tracker without cells, with or without a chart, made once."""
        prototype = self._prototypes.get(chart)
        if prototype is None:
            prototype = self._prototypes[chart] = Prototype(self._skeleton(chart))
        return prototype

    def _skeleton(self, chart: bool) -> Workbook:
        """An openpyxl workbook with the trackers' sheets and their settings, and no cells."""
        layout = self.layout
        workbook = Workbook()
        workbook.remove(workbook.active)
        summary = workbook.create_sheet(layout.summary_sheet)
        summary.freeze_panes = f"A{HEADER_ROW + 1}"
        if chart:
            with_chart(summary)
        items = workbook.create_sheet(layout.items_sheet)
        items_sheet_setup(items, layout)
        items.add_table(items_table(layout, 2))
        items.print_area = print_area(layout, 2)
        lists = workbook.create_sheet(LISTS_SHEET)
        lists.sheet_state = "hidden"
        how_to = workbook.create_sheet(layout.how_to.sheet)  # after Lists: Items and Lists keep their part names
        how_to.sheet_view.showGridLines = False
        timeline = workbook.create_sheet(layout.summary["timeline_sheet"])  # appended: the parts above keep names
        timeline.sheet_view.showGridLines = False
        timeline.freeze_panes = timeline.cell(row=TIMELINE_HEADER_ROW + 1, column=FIRST_QUARTER_COLUMN)
        built = workbook.create_sheet(BUILT_SHEET)
        built.sheet_state = "veryHidden"
        protected(built)
        title_rows = ((summary, HEADER_ROW), (items, 1), (lists, 1), (how_to, 1), (timeline, TIMELINE_HEADER_ROW))
        for sheet, title_row in title_rows:  # Lists is hidden, but printable once a user shows it
            _print_setup(sheet, title_row, self.paper)
        workbook.active = 0
        return workbook

    def _styles_for(self, levels: tuple[int, ...], dated: bool) -> Styles:
        """The styles registered as a tracker with these Item levels (and with release dates or none) does."""
        key = (levels, dated)
        styles = self._styles.get(key)
        if styles is None:
            styles = self._styles[key] = Styles(self.layout.date_format, levels, dated)
        return styles

    def _stylesheet(self, cells: CellStyles) -> bytes:
        """The styles part, written by openpyxl once for each list of style records."""
        records = cells.records()
        key = (cells.styles, tuple(records))
        found = self._stylesheets.get(key)
        if found is None:
            found = self._stylesheets[key] = cells.styles.stylesheet(records, self.rules.differential)
        return found

    def _properties(self, roadmap: Roadmap, release: Release | None) -> bytes:
        wording = self.wording
        title = f"{wording.title} – {release.heading}" if release else wording.title
        keywords = ", ".join(["roadmap", "tracker", *(r.name for r in roadmap.releases)])
        creator = roadmap.author or "evepub"
        when = utc_naive(self.settings.timestamp)
        texts = (xml_text(text) for text in (title, wording.subtitle, creator, keywords, wording.edition))
        return core_properties(*texts, when)


def _grid_xml(
    grid: CellGrid, columns: dict[int, Column], prototype: Prototype, index: int, cells: CellStyles, page: str
) -> bytes:
    """A sheet of prepared cells alone, the index-th (from 0) of the workbook."""
    head, tail = prototype.heads[index], prototype.tails[index]
    sheet = SheetXml(head, grid.dimension(), cols_xml(columns, cells))
    sheet.rows.append(grid.xml(cells))
    sheet.tail += [tail.protection, tail.printing, page, tail.drawing]
    return sheet.part()


def _prepared_dimension(rows: list[ItemRow], columns: int, first_row: int) -> str:
    """The used range of a sheet whose prepared rows start at first_row, under header rows."""
    return f"A1:{get_column_letter(columns)}{len(rows) + first_row - 1}"


def _print_setup(sheet: Worksheet, title_row: int, paper: int) -> None:
    """Landscape, one page wide, the header row on every page (the page header is each tracker's)."""
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = paper
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = f"{title_row}:{title_row}"
    sheet.print_options.gridLines = False
    sheet.page_margins.left = sheet.page_margins.right = 0.4


def xml_text(text: str) -> str:
    """Text for a document property, as visible_text makes it."""
    return visible_text(text)


def utc_naive(moment: dt.datetime) -> dt.datetime:
    """A moment in UTC without tzinfo, as Excel metadata and zip headers take it."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC).replace(tzinfo=None)
    return moment.replace(microsecond=0)
