"""`evepub sync`: merge a program manager's edits in a tracker (status, owner, target date, notes) into the source.

The tracker is untrusted: its package is checked for zip bombs before openpyxl opens it, it is read in
read-only mode with bounded rows and columns, and formulas are read as formulas (a formula or an error value
in a data cell is a conflict, never a value). Rows are matched by ID only. Any conflict stops the merge
unless the caller skips conflicts, and the source is rewritten, atomically, only when something changed.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evepub import source
from evepub.diff import FieldChange, value
from evepub.errors import EvepubError, SourceError
from evepub.formats.xlsx.contract import status_of
from evepub.formats.xlsx.layout import COLUMN_KEYS, safe_text
from evepub.formats.xlsx.table import TrackerRow, TrackerTable, read_table
from evepub.model import TRACKED_FIELDS, Entry, Located, Roadmap, walk
from evepub.source_edit import edit_source, restate_status
from evepub.verify import describe

OWNED_KEYS = TRACKED_FIELDS  # tracker columns that sync merges, named as in the source
FORMULA_TYPES = {"f": "a formula", "e": "an error value"}  # openpyxl data types that are never data
ISO_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class Conflict:
    """An edit sync refuses to merge: where it is, which item, and why."""

    item_id: str
    text: str
    message: str
    cell: str | None = None  # None when there is no cell to point at, as for a deleted row

    def line(self, tracker: Path) -> str:
        """One line naming the tracker, the cell, the item (text and ID) and the problem."""
        where = f"{tracker}:{self.cell}" if self.cell else str(tracker)
        return f"{where}: {describe(Entry('item', self.text, id=self.item_id or None))}: {self.message}"


@dataclass
class Merge:
    """The edits and conflicts of one tracker against one roadmap."""

    edits: dict[str, dict[str, Any]] = field(default_factory=dict)  # {id: {field: new value or None}}
    changes: list[tuple[str, FieldChange]] = field(default_factory=list)  # (id, change), for people
    conflicts: list[Conflict] = field(default_factory=list)


@dataclass(frozen=True)
class SyncReport:
    """What a sync did: the changes merged (or that would be), the conflicts, and whether the source was written."""

    tracker: Path
    source: Path
    changes: list[tuple[str, FieldChange]]
    conflicts: list[Conflict]
    written: bool


def read_tracker(path: Path) -> TrackerTable:
    """The tracker table of a workbook, whole: sync refuses a table it could read only in part."""
    table = read_table(path)
    if table.cuts:
        raise EvepubError(f"{path}: it has {table.cuts[0]}; a tracker evepub wrote has far fewer")
    missing = [table.column_title(key) for key in OWNED_KEYS if key not in table.columns]
    if missing:
        raise EvepubError(f"{path}: the {table.sheet} sheet has no column titled {', '.join(missing)}")
    return table


def plan(roadmap: Roadmap, tracker: TrackerTable) -> Merge:
    """The field edits the tracker makes to the roadmap, and every conflict, in row order."""
    items = {located.item.id: located for located in walk(roadmap)}
    counts = Counter(row.text("id").strip() for row in tracker.rows)
    merge = Merge()
    seen: set[str] = set()
    for row in tracker.rows:
        item_id = row.text("id").strip()
        if item_id in items:
            seen.add(item_id)
        conflicts = row_identity_conflicts(row, item_id, items, counts, tracker)
        if not conflicts:
            conflicts = merge_row(row, items[item_id], roadmap, tracker, merge)
        merge.conflicts += conflicts
    merge.conflicts += missing_rows(roadmap, tracker, seen)
    return merge


def row_identity_conflicts(
    row: TrackerRow, item_id: str, items: dict[str, Located], counts: Counter[str], tracker: TrackerTable
) -> list[Conflict]:
    """A row holding a formula, without an ID, with an ID the source does not know, or with a duplicate ID."""
    text = items[item_id].item.text if item_id in items else row.text("item")  # the source's text when known
    cell = tracker.cell(row, "id")
    formulas = [key for key in COLUMN_KEYS if row.types.get(key) in FORMULA_TYPES]
    if formulas:
        return [
            Conflict(
                item_id,
                text,
                f"{FORMULA_TYPES[row.types[key]]} ({row.text(key)}) in the {tracker.column_title(key)} column; "
                "type values, not formulas",
                tracker.cell(row, key),
            )
            for key in formulas
        ]
    if not item_id:
        return [Conflict("", text, "a row without an ID; add items in the source, not in the tracker", cell)]
    if item_id not in items:
        return [Conflict(item_id, text, "unknown ID; add items in the source, not in the tracker", cell)]
    if counts[item_id] > 1:
        rows = ", ".join(str(other.number) for other in tracker.rows if other.text("id").strip() == item_id)
        return [Conflict(item_id, text, f"the ID is on rows {rows}; each item has one row", cell)]
    return []


def merge_row(
    row: TrackerRow, located: Located, roadmap: Roadmap, tracker: TrackerTable, merge: Merge
) -> list[Conflict]:
    """Add one row's edits to the merge, or return its conflicts (a row with a conflict is left out whole)."""
    item = located.item
    conflicts: list[Conflict] = []
    found: dict[str, Any] = {}
    for key in OWNED_KEYS:
        try:
            found[key] = cell_value(key, row, located, roadmap)
        except ValueError as error:
            conflicts.append(Conflict(item.id, item.text, str(error), tracker.cell(row, key)))
    status = found.get("status", item.status)
    restated = restate_status(item.text, item.status, status) if status != item.status else item.text
    if row.text("item") not in (safe_text(item.text, item.id), safe_text(restated, item.id)):
        message = (
            f"the {tracker.column_title('item')} text was changed to '{row.text('item')}'; edit texts in the source"
        )
        conflicts.append(Conflict(item.id, item.text, message, tracker.cell(row, "item")))
    if conflicts:
        return conflicts
    if restated != item.text:
        found["text"] = restated
    edits = {name: new for name, new in found.items() if new != getattr(item, name)}
    if edits:
        merge.edits[item.id] = edits
        for name, new in edits.items():
            shown = new.isoformat() if isinstance(new, dt.date) else new
            merge.changes.append((item.id, FieldChange(name, value(located, name), shown)))
    return []


def cell_value(key: str, row: TrackerRow, located: Located, roadmap: Roadmap) -> Any:
    """The value a tracker cell gives a field: the source's own when the cell shows it unchanged."""
    item = located.item
    if key == "target":
        return parse_date(row.values.get(key))
    typed = row.text(key)
    shown = status_of(located, roadmap) if key == "status" else getattr(item, key) or ""
    if typed == safe_text(shown, item.id):
        return getattr(item, key)
    typed = typed.strip()
    if key == "status" and typed and typed not in (known := tuple(status.name for status in roadmap.statuses)):
        raise ValueError(f"unknown status '{typed}'{source.suggest(typed, known)}")
    return typed or None


def parse_date(raw: Any) -> dt.date | None:
    """A target date from a cell: a date cell, or text written YYYY-MM-DD; ValueError for anything else."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if isinstance(raw, dt.datetime):
        if raw.time() != dt.time():
            raise ValueError(f"'{raw}' has a time of day; a target date is a day like 2024-06-30")
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    text = str(raw).strip()
    if isinstance(raw, str) and ISO_DATE_RE.fullmatch(text):
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            pass
    raise ValueError(f"'{text}' is not a date like 2024-06-30")


def missing_rows(roadmap: Roadmap, tracker: TrackerTable, seen: set[str]) -> list[Conflict]:
    """A conflict for every item of the tracker's releases that has no row (a row deleted in the tracker)."""
    scope = set(tracker.releases) or {row.text("release") for row in tracker.rows}
    return [
        Conflict(
            located.item.id,
            located.item.text,
            "its row is missing from the tracker; delete items in the source, not in the tracker",
        )
        for located in walk(roadmap)
        if safe_text(located.release.name, "release name") in scope and located.item.id not in seen
    ]


def sync(tracker_path: Path, source_path: Path, skip_conflicts: bool = False) -> SyncReport:
    """Merge the tracker's edits into the source; with conflicts nothing is written unless they are skipped."""
    tracker_path, source_path = Path(tracker_path), Path(source_path)
    tracker = read_tracker(tracker_path)
    roadmap = source.load(source_path)
    original = source_path.read_bytes()
    merge = plan(roadmap, tracker)
    blocked = bool(merge.conflicts) and not skip_conflicts
    if blocked or not merge.edits:
        return SyncReport(tracker_path, source_path, merge.changes, merge.conflicts, written=False)
    text = edit_source(source.decode(original, str(source_path)), merge.edits)
    try:
        source.loads(text, str(source_path))
    except SourceError as error:  # a value the tracker could hold but the source cannot
        raise EvepubError(f"{source_path}: the merged source would not be valid: {error.problems[0].message}") from None
    if source_path.read_bytes() != original:
        raise EvepubError(f"{source_path} changed while syncing; run evepub sync again")
    from evepub.build import publish

    publish(source_path.parent, {source_path.name: text.encode("utf-8")})
    return SyncReport(tracker_path, source_path, merge.changes, merge.conflicts, written=True)
