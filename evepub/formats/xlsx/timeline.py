"""The Timeline sheet of a tracker: a row per release, a column per quarter, the quarters it spans shaded."""

from __future__ import annotations

from openpyxl.utils import get_column_letter
from openpyxl.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from evepub.formats.xlsx.layout import Layout, Styles
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


def build_timeline_sheet(workbook: Workbook, roadmap: Roadmap, layout: Layout, styles: Styles) -> Worksheet:
    """Add the Timeline sheet: releases with a period in the roadmap's order, then those without one, unshaded."""
    sheet = workbook.create_sheet(layout.summary["timeline_sheet"])
    sheet.sheet_view.showGridLines = False
    styles.put_text(sheet.cell(row=1, column=1), layout.summary["timeline_title"], styles.TITLE, "tracker layout")
    axis = quarters(roadmap)
    headers = [layout.summary["release"], layout.summary["period"], *map(quarter_label, axis)]
    for number, label in enumerate(headers, start=1):
        style = styles.HEADER if number < FIRST_QUARTER_COLUMN else styles.HEADER_NUMBER
        styles.put_text(sheet.cell(row=HEADER_ROW, column=number), label, style, "tracker layout")
    sheet.column_dimensions["A"].width = max([16, *(min(len(r.name), 40) + 2 for r in roadmap.releases)])
    sheet.column_dimensions["B"].width = max([16, *(min(len(r.period or ""), 40) + 2 for r in roadmap.releases)])
    for number in range(FIRST_QUARTER_COLUMN, len(headers) + 1):
        sheet.column_dimensions[get_column_letter(number)].width = QUARTER_WIDTH
    dated = [release for release in roadmap.releases if release_span(release)]
    undated = [release for release in roadmap.releases if not release_span(release)]
    for row, release in enumerate([*dated, *undated], start=HEADER_ROW + 1):
        styles.put_text(sheet.cell(row=row, column=1), release.name, styles.TEXT, "release name")
        styles.put_text(sheet.cell(row=row, column=2), release.period or "", styles.TEXT, "release period")
        span = release_span(release)
        if span is None:
            continue
        for offset, index in enumerate(axis):
            if span[0].index <= index <= span[1].index:
                styles.apply(sheet.cell(row=row, column=FIRST_QUARTER_COLUMN + offset), styles.SPAN)
    sheet.freeze_panes = sheet.cell(row=HEADER_ROW + 1, column=FIRST_QUARTER_COLUMN)
    return sheet


__all__ = ["build_timeline_sheet", "quarter_label", "quarters"]
