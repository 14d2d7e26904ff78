"""The "Changes since" section of the Word document (`build --changes-since`): a heading and one table.

The heading is in the TOC Heading style (outline level 9: Word's table of contents leaves it out) and the
changes are rows of a table. The docx reader skips that style and reads only the body's own paragraphs, not
table cells, so the section is never taken for part of the roadmap.
"""

from __future__ import annotations

from lxml import etree

from evepub.formats.changes import ChangeLine, ChangeTexts
from evepub.formats.docx.reference import MUTED, NAVY
from evepub.formats.docx.wordml import paragraph, ruled_table, run, styled_run, sub

KIND_COLUMN = 1300  # twips
ITEM_SHARE = 0.55  # of the width left after the kind column
RULE = "C5CED8"
RELEASE_FILL = "E8EEF5"
HEADER_INK = "FFFFFF"
ID_SIZE = 16  # half-points


def add_changes(body: etree._Element, text: ChangeTexts, styles: dict[str, str], width: int) -> None:
    """Append the section, on a page of its own, to the body being built."""
    p, properties = paragraph(body, styles["toc_heading"])
    sub(properties, "pageBreakBefore")
    run(p, text.title)
    item_width = int((width - KIND_COLUMN) * ITEM_SHARE)
    widths = (KIND_COLUMN, item_width, width - KIND_COLUMN - item_width)
    table = ruled_table(body, list(widths), RULE)
    header = sub(table, "tr")
    sub(sub(header, "trPr"), "tblHeader")  # repeated at the top of every page the table runs over
    for column, title in zip(widths, text.columns, strict=True):
        _cell(header, column, [title], fill=NAVY, ink=HEADER_INK, bold=True)
    if not text.releases:
        _cell(sub(table, "tr"), width, [text.empty], span=3)
    for heading, lines in text.releases:
        _cell(sub(table, "tr"), width, [heading], span=3, fill=RELEASE_FILL, ink=NAVY, bold=True)
        for line in lines:
            _change_row(table, widths, line)


def _change_row(table: etree._Element, widths: tuple[int, ...], line: ChangeLine) -> None:
    """One change: its kind, the item's text over its id, and the old -> new values."""
    row = sub(table, "tr")
    _cell(row, widths[0], [line.label], bold=True)
    item = _cell(row, widths[1], [line.text])
    id_paragraph, _ = paragraph(item, None)
    styled_run(id_paragraph, line.id, ink=MUTED, size=ID_SIZE)
    _cell(row, widths[2], list(line.details))


def _cell(
    row: etree._Element,
    width: int,
    texts: list[str],
    span: int = 1,
    fill: str | None = None,
    ink: str | None = None,
    bold: bool = False,
) -> etree._Element:
    """A table cell holding one paragraph per text (at least one, as Word requires)."""
    cell = sub(row, "tc")
    properties = sub(cell, "tcPr")
    sub(properties, "tcW", w=str(width), type="dxa")
    if span > 1:
        sub(properties, "gridSpan", val=str(span))
    if fill:
        sub(properties, "shd", val="clear", color="auto", fill=fill)
    for text in texts or [""]:
        p, paragraph_properties = paragraph(cell, None)
        sub(paragraph_properties, "spacing", before="40", after="40")
        styled_run(p, text, ink=ink, bold=bold)
    return cell
