"""The release timeline: one labelled bar per release on a quarter axis, as ReportLab Drawings.

The PDF draws it (and exports it as the SVG the Markdown shows); the Word edition shows it as PNG pictures. Each
passes its own colours and label size (TimelineLook) and its fonts (evepub/formats/fonts.py); the chart is the same.
A chart of more releases than a page holds at a readable row height comes in parts, one a page, on the same axis
(each with its own quarter header), so that no row is squeezed below MIN_ROW.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import math
from collections.abc import Iterator
from dataclasses import dataclass

from reportlab import rl_config
from reportlab.graphics.shapes import Drawing, Group, Line, Rect, String
from reportlab.lib import colors
from reportlab.pdfbase.pdfmetrics import stringWidth

from evepub.formats.fonts import FontSet
from evepub.model import Quarter, Release

ROW = 17.0  # height of one release row, at most
MIN_ROW = 12.0  # and at least: a label of SMALLEST + 0.5 points with room above and below
AXIS = 30.0  # height of the year and quarter header
FOOT = 14.0  # room under the plot for the edition marker label
GAP = 8.0  # between the name column, the period column and the plot
SMALLEST = 7.0  # points: the smallest label; at 800 px wide (the SVG scales to its width) that is 11 px or more


@dataclass(frozen=True)
class TimelineText:
    """Wording the chart prints besides release names and periods."""

    later: str  # header of the column for releases without a period
    no_period: str  # bar label of such a release
    edition: str  # label of the edition-date marker


@dataclass(frozen=True)
class TimelineLook:
    """The label size and colours the chart is drawn in."""

    size: float  # points: the type size of the labels, at most
    text: colors.Color  # release names and periods
    muted: colors.Color  # the axis labels, and the period of a release without one
    accent: colors.Color  # the bars
    accent_light: colors.Color  # the fill of the dashed bar of a release without a period
    rule: colors.Color  # row rules, year lines and the axis
    year_band_fill: colors.Color  # every other year's quarters
    edition_marker: colors.Color  # the edition-date line and its label


@dataclass(frozen=True)
class Axis:
    """The quarters on the horizontal axis, where the plot starts, and the row geometry."""

    first: Quarter
    quarters: int  # dated columns
    left: float  # x of the first column
    period_x: float  # x of the period column, between the names and the plot
    column: float  # width of one quarter
    later: float  # width of the column for releases without a period (0 when every release has one)
    row: float  # height of one release row
    size: float  # type size of the labels

    def x(self, index: int) -> float:
        """The x of the left edge of the column of quarter index `index` (Quarter.index)."""
        return self.left + (index - self.first.index) * self.column

    @property
    def later_x(self) -> float:
        """The x of the left edge of the column for releases without a period."""
        return self.x(self.first.index + self.quarters)

    @property
    def right(self) -> float:
        """The right edge of the plot."""
        return self.later_x + self.later


TimelinePart = tuple[Drawing, list[Release]]  # one part of the chart and the releases it shows


def timeline_drawings(
    releases: list[Release],
    size: tuple[float, float],
    fonts: FontSet,
    look: TimelineLook,
    text: TimelineText,
    edition: dt.date,
    first_room: float = 0.0,
) -> list[TimelinePart]:
    """The chart for these releases in parts, each within (width, maximum height), the first `first_room` points
    lower (its page holds the heading above it), with the releases each shows; one part when they all fit (a
    maximum height of math.inf: always); none when no release has a period."""
    dated = [release for release in releases if release.start and release.end]
    if not dated:
        return []
    width, most = size
    axis = _axis(releases, dated, width, most - first_room, fonts, look, text)
    shares = _shares(releases, _rows_within(most - first_room, axis.row), _rows_within(most, axis.row))
    with _unchecked_shapes():
        return [(_part(shown, axis, width, fonts, look, text, edition), shown) for shown in shares]


@contextlib.contextmanager
def _unchecked_shapes() -> Iterator[None]:
    """ReportLab's check of every attribute set on a shape turned off while the chart's shapes are made.

    The check is ReportLab's aid for writing drawing code (its docs say it slows shapes down); the shapes here take
    only the numbers and colours this module computes. At 400 releases it was about half the time of making the chart.
    """
    checking = rl_config.shapeChecking
    rl_config.shapeChecking = 0
    try:
        yield
    finally:
        rl_config.shapeChecking = checking


def _rows_within(height: float, row: float) -> float:
    """How many release rows a part of at most this height holds (with its header and foot): at least one, and
    any number (math.inf) in a height without end."""
    return max(1, math.floor((height - AXIS - FOOT) / row)) if math.isfinite(height) else math.inf


def _shares(releases: list[Release], first: float, each: float) -> list[list[Release]]:
    """The releases in as few parts as hold them, the first part of at most `first` rows and the others of at most
    `each`: as even as can be, or when even parts would overfill the first, the first full and the others even."""
    count = 1 if len(releases) <= first else 1 + math.ceil((len(releases) - first) / each)
    if math.ceil(len(releases) / count) <= first:
        return _even(releases, count)
    return [releases[: int(first)], *_even(releases[int(first) :], count - 1)]


def _even(releases: list[Release], count: int) -> list[list[Release]]:
    """The releases in `count` parts of as near the same length as can be, the longer ones first."""
    each, longer = divmod(len(releases), count)
    ends = [each * number + min(number, longer) for number in range(count + 1)]
    return [releases[start:end] for start, end in itertools.pairwise(ends)]


def _part(
    releases: list[Release],
    axis: Axis,
    width: float,
    fonts: FontSet,
    look: TimelineLook,
    text: TimelineText,
    edition: dt.date,
) -> Drawing:
    """One part of the chart: its quarter header, the rows of these releases, and the edition marker."""
    height = AXIS + axis.row * len(releases) + FOOT
    drawing = Drawing(width, height)
    drawing.initialFontName = fonts.regular  # else the renderer starts in Helvetica, which is never embedded
    plot_top = height - AXIS
    drawing.add(_year_bands(axis, plot_top, fonts, look))
    drawing.add(_quarter_header(axis, plot_top, fonts, look, text))
    marker = _edition_marker(edition, axis, plot_top, fonts, look, text)
    if marker is not None:
        drawing.add(marker)  # under the bars and their labels
    for row, release in enumerate(releases):
        drawing.add(_row(release, axis, plot_top - axis.row * (row + 1), fonts, look, text))
    drawing.add(Line(0, FOOT, axis.right, FOOT, strokeColor=look.rule, strokeWidth=0.6))
    return drawing


def _axis(
    releases: list[Release],
    dated: list[Release],
    width: float,
    most: float,
    fonts: FontSet,
    look: TimelineLook,
    text: TimelineText,
) -> Axis:
    row = max(MIN_ROW, min(ROW, (most - AXIS - FOOT) / len(releases)))
    size = max(min(look.size, row * 0.62), SMALLEST + 0.5)
    period_x = max(_width(fonts, fonts.bold, release.name, size) for release in releases) + GAP
    periods = max(_width(fonts, fonts.regular, period_label(release, text), size - 0.5) for release in releases)
    left = period_x + periods + GAP
    first = min(release.start for release in dated if release.start)
    last = max(release.end for release in dated if release.end)
    quarters = last.index - first.index + 1
    later = 0.0
    if len(dated) < len(releases):
        later = max(_width(fonts, fonts.regular, text.later, size - 1) + 6, (width - left) / (quarters + 1))
    return Axis(first, quarters, left, period_x, (width - left - later) / quarters, later, row, size)


def period_label(release: Release, text: TimelineText) -> str:
    """The period a release's row prints in the period column."""
    if release.start and release.end:
        return release.period or f"{release.start}–{release.end}"
    return text.no_period


def _year_bands(axis: Axis, top: float, fonts: FontSet, look: TimelineLook) -> Group:
    group = Group()
    for offset in range(axis.quarters):
        quarter_index = axis.first.index + offset
        x = axis.x(quarter_index)
        if (quarter_index // 4) % 2 == 0:
            group.add(Rect(x, FOOT, axis.column, top - FOOT, fillColor=look.year_band_fill, strokeColor=None))
        if quarter_index % 4 == 0 or offset == 0:
            group.add(Line(x, FOOT, x, top + AXIS, strokeColor=look.rule, strokeWidth=0.6))
    if axis.later:
        dashes = [2, 2]
        group.add(Line(axis.later_x, FOOT, axis.later_x, top + AXIS, strokeColor=look.rule, strokeDashArray=dashes))
    return group


def _quarter_header(axis: Axis, top: float, fonts: FontSet, look: TimelineLook, text: TimelineText) -> Group:
    """Quarter names over each column (when they fit) and each year over its first quarter; on an axis of many
    years too narrow for that, every `step` years (see _year_step)."""
    group = Group()
    size = axis.size
    muted = look.muted
    quarter_fits = axis.column >= _width(fonts, fonts.regular, "Q4", size - 1) + 2
    step = _year_step(axis, fonts, size)
    for offset in range(axis.quarters):
        quarter_index = axis.first.index + offset
        year, quarter = divmod(quarter_index, 4)
        if quarter_fits:
            centre = axis.x(quarter_index) + axis.column / 2
            group.add(_string(fonts, centre, top + 4, f"Q{quarter + 1}", fonts.regular, size - 1, muted, "middle"))
        if (quarter == 0 or offset == 0) and year % step == 0:
            room = min(4 * step - quarter, axis.quarters - offset) * axis.column
            label = str(year) if _width(fonts, fonts.bold, str(year), size) + 5 <= room else f"’{year % 100:02d}"
            if _width(fonts, fonts.bold, label, size) + 5 <= room:
                group.add(_string(fonts, axis.x(quarter_index) + 3, top + 17, label, fonts.bold, size, muted))
    if axis.later:
        centre = axis.later_x + axis.later / 2
        group.add(_string(fonts, centre, top + 4, text.later, fonts.regular, size - 1, muted, "middle"))
    return group


YEAR_STEPS = (2, 5, 10, 20, 25, 50, 100)  # years between labels when a year's quarters hold no label of its own


def _year_step(axis: Axis, fonts: FontSet, size: float) -> int:
    """Every how many years the header names a year: each year when a whole year's quarters hold at least its short
    label ("’24"), else the fewest years (YEAR_STEPS) whose quarters hold a whole year ("2040")."""
    if _width(fonts, fonts.bold, "’88", size) + 5 <= 4 * axis.column:
        return 1
    widest = _width(fonts, fonts.bold, "8888", size) + 5
    return next((step for step in YEAR_STEPS if widest <= 4 * step * axis.column), YEAR_STEPS[-1])


def _row(release: Release, axis: Axis, bottom: float, fonts: FontSet, look: TimelineLook, text: TimelineText) -> Group:
    """The release name, its period in a column of its own (so no label runs into another year's band), its row
    rule, and its bar: solid from start to end quarter, dashed when undated."""
    group = Group()
    baseline = bottom + (axis.row - axis.size) / 2 + axis.size * 0.18
    bar = axis.row * 0.65
    bar_bottom = bottom + (axis.row - bar) / 2
    group.add(_string(fonts, 0, baseline, release.name, fonts.bold, axis.size, look.text))
    period_colour = look.text if release.start and release.end else look.muted
    period = period_label(release, text)
    group.add(_string(fonts, axis.period_x, baseline, period, fonts.regular, axis.size - 0.5, period_colour))
    group.add(Line(0, bottom, axis.right, bottom, strokeColor=look.rule, strokeWidth=0.3))
    if release.start and release.end:
        x = axis.x(release.start.index) + 1
        width = (release.end.index - release.start.index + 1) * axis.column - 2
        group.add(Rect(x, bar_bottom, width, bar, rx=2.5, ry=2.5, fillColor=look.accent, strokeColor=None))
    else:
        x, width = axis.later_x + 2, axis.later - 4
        group.add(
            Rect(
                x,
                bar_bottom,
                width,
                bar,
                rx=2.5,
                ry=2.5,
                fillColor=look.accent_light,
                strokeColor=look.accent,
                strokeWidth=0.8,
                strokeDashArray=[2.5, 1.5],
            )
        )
    return group


def _edition_marker(
    edition: dt.date, axis: Axis, top: float, fonts: FontSet, look: TimelineLook, text: TimelineText
) -> Group | None:
    """A dashed vertical line at the edition date, when it falls on the axis."""
    quarter = Quarter(edition.year, (edition.month - 1) // 3 + 1)
    if not 0 <= quarter.index - axis.first.index < axis.quarters:
        return None
    quarter_start = dt.date(quarter.year, 3 * quarter.quarter - 2, 1)
    fraction = min((edition - quarter_start).days / 91.3, 1.0)
    x = axis.x(quarter.index) + fraction * axis.column
    colour = look.edition_marker
    group = Group()
    group.add(Line(x, FOOT, x, top, strokeColor=colour, strokeWidth=0.9, strokeDashArray=[3, 2]))
    group.add(_string(fonts, x, 3, text.edition, fonts.regular, SMALLEST, colour, "middle"))
    return group


def _string(
    fonts: FontSet, x: float, y: float, text: str, face: str, size: float, colour: colors.Color, anchor: str = "start"
) -> Group:
    """Text as one String per font run (fallback faces for characters the main face lacks)."""
    runs = fonts.runs(text)
    total = sum(stringWidth(run, run_face or face, size) for run_face, run in runs)
    if anchor == "middle":
        x -= total / 2
    group = Group()
    for run_face, run in runs:
        group.add(String(x, y, run, fontName=run_face or face, fontSize=size, fillColor=colour))
        x += stringWidth(run, run_face or face, size)
    return group


def _width(fonts: FontSet, face: str, text: str, size: float) -> float:
    return sum(stringWidth(run, run_face or face, size) for run_face, run in fonts.runs(text))
