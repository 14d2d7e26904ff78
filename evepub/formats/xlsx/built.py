"""The tracker's as-built sheet: each item row's tracked values as built, and which source they came from.

sync compares every cell a program manager may edit with its as-built value, so that a tracker built before
someone else's sync never reverts their work (a three-way merge). The sheet is very hidden and protected;
its values are encoded (contract.encode_built) so that no spreadsheet changes them when it saves the file.
"""

from __future__ import annotations

import hashlib

from evepub.formats.xlsx.contract import (
    BUILT_COLUMNS,
    BUILT_MARK,
    SOURCE_KEYS,
    encode_built,
    row_digest,
    shown_values,
)
from evepub.formats.xlsx.layout import visible_text
from evepub.formats.xlsx.rows import CellXml, ItemRow, text_cell
from evepub.formats.xlsx.sheet import CellGrid
from evepub.formats.xlsx.styles import Styles
from evepub.model import Located, Roadmap, walk

LABEL_LIMIT = 1000  # characters of the source's label: a long title still fits one cell, encoded
REPEATED_AFTER = 2  # the columns after ID and digest hold values that repeat from row to row


def built_row(
    located: Located, texts: dict[str, str], roadmap: Roadmap, cells: dict[tuple[int, str], CellXml]
) -> ItemRow:
    """One item's as-built row: its id and the tracked values its Items row (of these texts) shows; cells holds
    the cells of values that repeat (statuses, no value), made once."""
    shown = {key: visible_text(texts[key]) for key in SOURCE_KEYS}  # the source columns, as the cells hold them
    values = {"id": located.item.id, "text": row_digest(shown), **shown_values(located, roadmap)}
    row = []
    for column, key in enumerate(BUILT_COLUMNS, start=1):
        encoded = encode_built(values[key])
        cell = cells.get((column, encoded))
        if cell is None:
            cell = text_cell(column, encoded, Styles.TEXT, False)
            if column > REPEATED_AFTER:
                cells[(column, encoded)] = cell
        row.append(cell)
    return ItemRow(tuple(row), "", 0, None)


def built_rows(entries: list[list[tuple[Located, dict[str, str]]]], roadmap: Roadmap) -> list[list[ItemRow]]:
    """The as-built rows of every item, per release (its items and their row texts): prepared once for both
    trackers that show an item."""
    cells: dict[tuple[int, str], CellXml] = {}
    return [[built_row(located, texts, roadmap, cells) for located, texts in release] for release in entries]


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


def build_built_sheet(fingerprint: str, label: str) -> CellGrid:
    """The as-built sheet's two header rows; its item rows (built_rows) follow."""
    grid = CellGrid()
    header = (BUILT_MARK, encode_built(fingerprint), encode_built(label[:LABEL_LIMIT]))
    for column, text in enumerate(header, start=1):
        grid.text(1, column, text, Styles.TEXT)
    for column, key in enumerate(BUILT_COLUMNS, start=1):
        grid.text(2, column, key, Styles.TEXT)
    return grid
