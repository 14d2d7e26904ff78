"""The overview of the Word document: a table of item counts per release and status, after the contents.

Counted by formats/overview.py, as every format's overview is. The heading is in the TOC Heading
style, the numbers are table cells and the counting rule under the table is in the Edition style: the docx
reader skips all three (it reads only the body's own paragraphs, and skips those two styles).
"""

from __future__ import annotations

import copy
from collections import Counter
from typing import Any

from lxml import etree

from evepub.formats.docx.reference import MUTED, NAVY
from evepub.formats.docx.wordml import paragraph, ruled_table, run, styled_run, sub
from evepub.formats.overview import ReleaseCount, used_statuses
from evepub.model import Roadmap

RELEASE_SHARE = 0.26  # of the text width, for the release column
ITEMS_COLUMN = 900  # twips
RULE = "C5CED8"
STRIPE = "EEF2F7"
HEADER_INK = "FFFFFF"
SMALL = 18  # half-points: the period under a release's name and the counting rule
ZERO = "–"  # shown for a count of zero
NUMBER_CELLS_KEPT = 4096  # distinct count cells kept to copy from

_NUMBER_CELLS: dict[tuple[int, int, bool, str | None, str | None], etree._Element] = {}


def add_overview(
    body: etree._Element, roadmap: Roadmap, counts: list[ReleaseCount], wording: Any, styles: dict[str, str], width: int
) -> None:
    """Append the overview heading, the table of the counts (count_items) and the counting rule to the body."""
    if not roadmap.releases:
        return
    statuses = used_statuses(roadmap, counts)
    colours = {status.name: status.colour for status in roadmap.statuses}
    p, properties = paragraph(body, styles["toc_heading"])
    sub(properties, "keepNext")
    sub(properties, "pageBreakBefore")
    run(p, str(wording.overview_title()))
    release_width = int(width * RELEASE_SHARE)
    status_width = (width - release_width - ITEMS_COLUMN) // max(len(statuses), 1)
    widths = [release_width, ITEMS_COLUMN] + [status_width] * len(statuses)
    table = ruled_table(body, widths, RULE, cell_margin=80)
    header = sub(table, "tr")
    trpr = sub(header, "trPr")
    sub(trpr, "cantSplit")
    sub(trpr, "tblHeader")
    head = {"size": SMALL}  # a step smaller, so that status labels break between words only
    _cell(header, widths[0], [(str(wording.overview_column_release()), head)], fill=NAVY, bold=True, ink=HEADER_INK)
    _cell(header, widths[1], [(str(wording.overview_column_items()), head)], fill=NAVY, bold=True, ink=HEADER_INK,
          right=True)  # fmt: skip
    for name, column in zip(statuses, widths[2:], strict=True):
        label = str(wording.status_label(name))
        _cell(header, column, [(label, head)], fill=NAVY, bold=True, ink=HEADER_INK, right=True, rule=colours[name])
    for count in counts:
        row = sub(table, "tr")
        sub(sub(row, "trPr"), "cantSplit")
        period = count.period or str(wording.no_period())
        _cell(row, widths[0], [(count.name, {"bold": True}), (period, {"ink": MUTED, "size": SMALL})])
        _number(row, widths[1], count.items, bold=True, fill=STRIPE)
        for name, column in zip(statuses, widths[2:], strict=True):
            _number(row, column, count.by_status[name])
    total = Counter[str]()
    for count in counts:
        total.update(count.by_status)
    row = sub(table, "tr")
    sub(sub(row, "trPr"), "cantSplit")
    _cell(row, widths[0], [(str(wording.overview_total()), {"bold": True})], top=NAVY)
    _number(row, widths[1], sum(count.items for count in counts), bold=True, fill=STRIPE, top=NAVY)
    for name, column in zip(statuses, widths[2:], strict=True):
        _number(row, column, total[name], bold=True, top=NAVY)
    p, properties = paragraph(body, styles["edition"])  # a style the reader skips, muted like a caption
    sub(properties, "spacing", before="120", after="0")
    styled_run(p, str(wording.overview_rule(roadmap.default_status)), ink=MUTED, size=SMALL)


def _number(
    row: etree._Element, width: int, value: int, bold: bool = False, fill: str | None = None, top: str | None = None
) -> None:
    """A count's cell: copied from the first cell of the same count and look, as the same counts repeat on every row
    of a long table and a copy costs a fraction of making the cell's dozen elements."""
    key = (width, value, bold, fill, top)
    made = _NUMBER_CELLS.get(key)
    if made is None:
        shown = (str(value), {"bold": bold}) if value else (ZERO, {"ink": MUTED})
        _cell(row, width, [shown], fill=fill, right=True, top=top)
        if len(_NUMBER_CELLS) < NUMBER_CELLS_KEPT:
            _NUMBER_CELLS[key] = copy.deepcopy(row[-1])
    else:
        row.append(copy.deepcopy(made))


def _cell(
    row: etree._Element,
    width: int,
    lines: list[tuple[str, dict[str, Any]]],
    fill: str | None = None,
    bold: bool = False,
    ink: str | None = None,
    right: bool = False,
    rule: str | None = None,
    top: str | None = None,
) -> None:
    """A cell with one paragraph per (text, run formatting); `rule` a thick coloured bottom border, `top` a top one."""
    cell = sub(row, "tc")
    properties = sub(cell, "tcPr")
    sub(properties, "tcW", w=str(width), type="dxa")
    if rule or top:
        borders = sub(properties, "tcBorders")
        if top:
            sub(borders, "top", val="single", sz="8", space="0", color=top)
        if rule:
            sub(borders, "bottom", val="single", sz="24", space="0", color=rule)
    if fill:
        sub(properties, "shd", val="clear", color="auto", fill=fill)
    sub(properties, "vAlign", val="center")
    for text, formatting in lines:
        p, paragraph_properties = paragraph(cell, None)
        sub(paragraph_properties, "spacing", before="40", after="40")
        if right:
            sub(paragraph_properties, "jc", val="right")
        styled_run(p, text, bold=bold or formatting.get("bold", False), ink=formatting.get("ink", ink),
                    size=formatting.get("size"))  # fmt: skip
