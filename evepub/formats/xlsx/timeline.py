"""The Timeline sheet of a tracker: a row per release, a column per quarter, the quarters it spans shaded."""

from __future__ import annotations

from evepub.formats.xlsx.layout import Layout
from evepub.formats.xlsx.sheet import CellGrid, Column, KnownCells
from evepub.formats.xlsx.styles import Styles
from evepub.formats.xlsx.summary import release_span
from evepub.model import Roadmap

HEADER_ROW = 3  # row 1 holds the title
FIRST_QUARTER_COLUMN = 3  # after Release and Period
QUARTER_WIDTH = 9  # character units: "2024 Q2" and a little air


def quarter_label(index: int) -> str:
    """A quarter's column header from its Quarter.index, e.g. "2024 Q2"."""
    return f"{index // 4} Q{index % 4 + 1}"


def quarters(roadmap: Roadmap) -> list[int]:
    """The quarters (as Quarter.index) from the earliest start to the latest end of the releases; none without."""
    spans = [span for span in map(release_span, roadmap.releases) if span]
    if not spans:
        return []
    return list(range(min(start.index for start, _ in spans), max(end.index for _, end in spans) + 1))


def build_timeline_sheet(
    roadmap: Roadmap, layout: Layout, known: KnownCells | None = None
) -> tuple[CellGrid, dict[int, Column]]:
    """The Timeline sheet's cells and columns: releases with a period in the roadmap's order, then those without
    one, unshaded."""
    grid = CellGrid(known)
    grid.text(1, 1, layout.summary["timeline_title"], Styles.TITLE, "tracker layout")
    axis = quarters(roadmap)
    headers = [layout.summary["release"], layout.summary["period"], *map(quarter_label, axis)]
    for number, label in enumerate(headers, start=1):
        style = Styles.HEADER if number < FIRST_QUARTER_COLUMN else Styles.HEADER_NUMBER
        grid.text(HEADER_ROW, number, label, style, "tracker layout")
    columns = {
        1: Column(max([16, *(min(len(r.name), 40) + 2 for r in roadmap.releases)])),
        2: Column(max([16, *(min(len(r.period or ""), 40) + 2 for r in roadmap.releases)])),
    }
    for number in range(FIRST_QUARTER_COLUMN, len(headers) + 1):
        columns[number] = Column(QUARTER_WIDTH)
    dated = [release for release in roadmap.releases if release_span(release)]
    undated = [release for release in roadmap.releases if not release_span(release)]
    for row, release in enumerate([*dated, *undated], start=HEADER_ROW + 1):
        grid.text(row, 1, release.name, Styles.TEXT, "release name")
        grid.text(row, 2, release.period or "", Styles.TEXT, "release period")
        span = release_span(release)
        if span is None:
            continue
        for offset, index in enumerate(axis):
            if span[0].index <= index <= span[1].index:
                grid.styled(row, FIRST_QUARTER_COLUMN + offset, Styles.SPAN)
    grid.touch(HEADER_ROW + 1, FIRST_QUARTER_COLUMN)  # openpyxl makes the cell the panes are frozen at
    return grid, columns


__all__ = ["build_timeline_sheet", "quarter_label", "quarters"]
