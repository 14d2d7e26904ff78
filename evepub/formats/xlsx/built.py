"""The tracker's as-built sheet: each item row's tracked values as built, and which source they came from.

sync compares every cell a program manager may edit with its as-built value, so that a tracker built before
someone else's sync never reverts their work (a three-way merge). The sheet is very hidden and protected;
its values are encoded (contract.encode_built) so that no spreadsheet changes them when it saves the file.
"""

from __future__ import annotations

import hashlib

from openpyxl.workbook import Workbook
from openpyxl.worksheet.protection import SheetProtection

from evepub.formats.xlsx.contract import (
    BUILT_COLUMNS,
    BUILT_MARK,
    BUILT_SHEET,
    encode_built,
    row_digest,
    row_texts,
    shown_values,
)
from evepub.formats.xlsx.layout import Styles, visible_text
from evepub.formats.xlsx.rows import ItemRow, text_cell
from evepub.model import Located, Roadmap, walk

LABEL_LIMIT = 1000  # characters of the source's label: a long title still fits one cell, encoded


def built_row(located: Located, roadmap: Roadmap) -> ItemRow:
    """One item's as-built row: its id and the tracked values its Items row shows."""
    shown = {key: visible_text(text) for key, text in row_texts(located, roadmap).items()}  # as the cells hold them
    values = {"id": located.item.id, "text": row_digest(shown), **shown_values(located, roadmap)}
    cells = tuple(
        text_cell(column, encode_built(values[key]), Styles.TEXT, False)
        for column, key in enumerate(BUILT_COLUMNS, start=1)
    )
    return ItemRow(cells, "", 0, None)


def built_rows(roadmap: Roadmap) -> list[list[ItemRow]]:
    """The as-built rows of every item, per release: prepared once for both trackers that show an item."""
    rows: dict[int, list[ItemRow]] = {id(release): [] for release in roadmap.releases}
    for located in walk(roadmap):
        rows[id(located.release)].append(built_row(located, roadmap))
    return [rows[id(release)] for release in roadmap.releases]


def source_fingerprint(roadmap: Roadmap) -> str:
    """A digest of every item's id, text and tracked values: it names the state of the source a tracker shows."""
    digest = hashlib.sha256()
    for located in walk(roadmap):
        values = shown_values(located, roadmap)
        for part in (located.item.id, located.item.text, *(values[key] or "" for key in BUILT_COLUMNS[2:])):
            digest.update(part.encode("utf-8", "surrogatepass") + b"\0")
    return digest.hexdigest()


def source_label(roadmap: Roadmap) -> str:
    """How people name the source a tracker was built from: its version, else its date, else its title."""
    if roadmap.version:
        return f"version {roadmap.version}"
    return roadmap.date.isoformat() if roadmap.date else roadmap.title


def build_built_sheet(workbook: Workbook, styles: Styles, fingerprint: str, label: str) -> None:
    """Add the as-built sheet's two header rows; TrackerWriter writes its item rows."""
    sheet = workbook.create_sheet(BUILT_SHEET)
    sheet.sheet_state = "veryHidden"
    sheet.protection = SheetProtection(sheet=True)  # no password: it keeps accidents out, not people
    header = (BUILT_MARK, encode_built(fingerprint), encode_built(label[:LABEL_LIMIT]))
    for column, text in enumerate(header, start=1):
        styles.put_text(sheet.cell(row=1, column=column), text, styles.TEXT)
    for column, key in enumerate(BUILT_COLUMNS, start=1):
        styles.put_text(sheet.cell(row=2, column=column), key, styles.TEXT)
