"""The Summary's column chart: made by openpyxl once per shape in a build, then filled in with each tracker's values.

Every tracker of a build draws the same statuses in the same colours, under the same title: only the number of
bars, the cells the chart refers to and the counts and names differ. openpyxl makes the chart of each shape once
(stacked by status with n bars, or one row's statuses side by side) as an XML tree; each tracker's chart is that
tree with the tracker's references, names and counts set as element texts, which the XML library escapes.
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree
from openpyxl.chart import BarChart, Reference, Series
from openpyxl.chart.data_source import AxDataSource, NumData, NumVal, StrData, StrRef, StrVal
from openpyxl.chart.marker import DataPoint
from openpyxl.chart.series import SeriesLabel
from openpyxl.chart.shapes import GraphicalProperties
from openpyxl.compat import safe_string
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.workbook import Workbook
from openpyxl.xml.constants import XML_NS
from openpyxl.xml.functions import whitespace

from evepub.model import StatusDef

FIRST_STATUS_COLUMN = 5  # after Release, Period, Start and End
XML_SPACE = f"{{{XML_NS}}}space"


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

    @property
    def stacked(self) -> bool:
        """Whether the bars are stacked by status (several rows), or one row's statuses stand side by side."""
        return len(self.names) > 1


@dataclass(frozen=True)
class _Series:
    """The elements of one series whose texts each chart sets: the references of its name, categories and values,
    and the cached name, category and value of each point."""

    name: etree._Element
    names: list[etree._Element]
    categories: etree._Element
    category_points: list[etree._Element]
    values: etree._Element
    value_points: list[etree._Element]

    @classmethod
    def of(cls, series: etree._Element) -> _Series:
        """The elements of a series as openpyxl writes it."""
        parts = [_one(series, f"{path}/f") for path in ("tx/strRef", "cat/strRef", "val/numRef")]
        points = [series.findall(f"{path}/pt/v") for path in ("tx/strRef/strCache", "cat/strRef/strCache")]
        return cls(parts[0], points[0], parts[1], points[1], parts[2], series.findall("val/numRef/numCache/pt/v"))


@dataclass(frozen=True)
class _Shape:
    """The tree of a chart of one shape, made by openpyxl, and its series."""

    tree: etree._Element
    series: list[_Series]


class Charts:
    """The charts of one build's trackers: a tree per shape, made by openpyxl; each tracker's filled in."""

    def __init__(self, sheet_title: str, statuses: tuple[StatusDef, ...], titles: tuple[str, ...], title: str) -> None:
        self.sheet = Workbook().active
        self.sheet.title = sheet_title
        self.quoted = quote_sheetname(sheet_title)
        self.statuses, self.titles, self.title = statuses, titles, title
        self.shapes: dict[tuple[bool, int], _Shape] = {}

    def xml(self, bars: Bars) -> bytes:
        """The chart part of one tracker: its shape's tree with the tracker's texts set (by the XML library)."""
        shape = self._shape(bars)
        if bars.stacked:
            self._fill_stacked(shape.series, bars)
        else:
            self._fill_statuses(shape.series[0], bars)
        return etree.tostring(shape.tree, encoding="utf-8")

    def _shape(self, bars: Bars) -> _Shape:
        key = (bars.stacked, len(bars.names))
        shape = self.shapes.get(key)
        if shape is None:
            tree = self.openpyxl_chart(bars)._write()
            series = [_Series.of(element) for element in tree.findall("chart/plotArea/barChart/ser")]
            shape = self.shapes[key] = _Shape(tree, series)
        return shape

    def openpyxl_chart(self, bars: Bars) -> BarChart:
        """The chart openpyxl makes for these bars (the shape of a tracker's chart)."""
        chart = BarChart()
        chart.type = "col"
        chart.title = self.title
        if bars.stacked:
            self._stacked_series(chart, bars)
        else:
            self._status_series(chart, bars)
        chart.x_axis.delete = False  # recent Excel hides axes that openpyxl leaves unset
        chart.y_axis.delete = False
        chart.y_axis.majorGridlines = None
        return chart

    def _stacked_series(self, chart: BarChart, bars: Bars) -> None:
        """A series per status over the table's rows, stacked: a bar per row (release or area)."""
        chart.grouping = "stacked"
        chart.overlap = 100
        last_status = FIRST_STATUS_COLUMN + len(self.statuses) - 1
        data = Reference(
            self.sheet, min_col=FIRST_STATUS_COLUMN, max_col=last_status, min_row=bars.header_row, max_row=bars.last_row
        )
        chart.add_data(data, titles_from_data=True)
        categories = StrRef(f=self._names_cells(bars), strCache=_strings(bars.names))
        for offset, (series, status) in enumerate(zip(chart.series, self.statuses, strict=True)):
            _colour(series.graphicalProperties, status.colour)
            series.tx.strRef.strCache = _strings([self.titles[offset]])
            series.val.numRef.numCache = _numbers([row[offset] for row in bars.counts])
            series.cat = AxDataSource(strRef=categories)
        chart.legend.position = "r"

    def _status_series(self, chart: BarChart, bars: Bars) -> None:
        """One row's counts as a bar per status, each in its status colour: the chart of a table of one row."""
        chart.grouping = "clustered"
        series = Series(self._status_counts(bars))
        series.tx = SeriesLabel(strRef=StrRef(f=self._row_name(bars), strCache=_strings(bars.names)))
        series.val.numRef.numCache = _numbers(bars.counts[0])
        series.cat = AxDataSource(strRef=StrRef(f=self._status_labels(bars), strCache=_strings(list(self.titles))))
        for index, status in enumerate(self.statuses):
            point = DataPoint(idx=index)
            _colour(point.graphicalProperties, status.colour)
            series.dPt.append(point)
        chart.series.append(series)
        chart.legend = None  # the bars are named on the axis

    def _fill_stacked(self, series: list[_Series], bars: Bars) -> None:
        names = self._names_cells(bars)
        for offset, parts in enumerate(series):
            column = FIRST_STATUS_COLUMN + offset
            _set_text(parts.name, f"{self.quoted}!{get_column_letter(column)}{bars.header_row}")
            _set_text(parts.categories, names)
            _set_points(parts.category_points, bars.names)
            _set_text(parts.values, self._range(column, bars.first_row, column, bars.last_row))
            _set_points(parts.value_points, [safe_string(row[offset]) for row in bars.counts])

    def _fill_statuses(self, parts: _Series, bars: Bars) -> None:
        _set_text(parts.name, self._row_name(bars))
        _set_points(parts.names, bars.names)
        _set_text(parts.categories, self._status_labels(bars))
        last = self._last_status()
        _set_text(parts.values, self._range(FIRST_STATUS_COLUMN, bars.first_row, last, bars.first_row))
        _set_points(parts.value_points, [safe_string(count) for count in bars.counts[0]])

    def _names_cells(self, bars: Bars) -> str:
        return f"{self.quoted}!$A${bars.first_row}:$A${bars.last_row}"

    def _row_name(self, bars: Bars) -> str:
        return f"{self.quoted}!$A${bars.first_row}"

    def _status_labels(self, bars: Bars) -> str:
        first, last = get_column_letter(FIRST_STATUS_COLUMN), get_column_letter(self._last_status())
        return f"{self.quoted}!${first}${bars.header_row}:${last}${bars.header_row}"

    def _status_counts(self, bars: Bars) -> Reference:
        return Reference(self.sheet, min_col=FIRST_STATUS_COLUMN, max_col=self._last_status(), min_row=bars.first_row)

    def _range(self, first_column: int, first_row: int, last_column: int, last_row: int) -> str:
        """A range of the sheet as openpyxl's Reference writes it (a single cell without the colon)."""
        first = f"{self.quoted}!${get_column_letter(first_column)}${first_row}"
        if (first_column, first_row) == (last_column, last_row):
            return first
        return f"{first}:${get_column_letter(last_column)}${last_row}"

    def _last_status(self) -> int:
        return FIRST_STATUS_COLUMN + len(self.statuses) - 1


def _one(element: etree._Element, path: str) -> etree._Element:
    """The one element at path under element."""
    found = element.find(path)
    if found is None:
        raise ValueError(f"openpyxl's chart has no {path}")
    return found


def _set_text(element: etree._Element, text: str) -> None:
    """Set an element's text as openpyxl sets it, marking white space at its ends to be kept."""
    element.attrib.pop(XML_SPACE, None)
    element.text = text
    whitespace(element)


def _set_points(points: list[etree._Element], texts: list[str]) -> None:
    """Set the values of a cache's points, which the shape made as many as there are texts."""
    if len(points) != len(texts):
        raise ValueError(f"a chart of {len(points)} points cannot show {len(texts)}")
    for point, text in zip(points, texts, strict=True):
        _set_text(point, text)


def _colour(properties: GraphicalProperties, colour: str) -> None:
    """Fill and outline in one colour."""
    properties.solidFill = colour
    properties.line.solidFill = colour


def _numbers(values: list[int]) -> NumData:
    return NumData(formatCode="General", pt=[NumVal(idx=i, v=v) for i, v in enumerate(values)], ptCount=len(values))


def _strings(texts: list[str]) -> StrData:
    return StrData(pt=[StrVal(idx=index, v=text) for index, text in enumerate(texts)], ptCount=len(texts))

