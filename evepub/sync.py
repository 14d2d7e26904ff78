"""`evepub sync`: merge program managers' edits in trackers (status, owner, target date, notes) into the source.

Each tracker carries the values its rows showed when it was built (its as-built sheet), so the merge is
three-way, cell by cell: a cell equal to its as-built value is no edit, whatever the source says now; a cell
the tracker changed lands when the source still has the as-built value (or already the same new one); a cell
that the tracker and the source (or an earlier tracker of the same sync) both changed, to different values, is
a conflict naming the cell, the item and all three values. Several trackers merge in order. Any conflict stops
the merge unless the caller skips conflicts; the source is rewritten, atomically, only when something changed.

The trackers are untrusted: they are read through the tracker table (formats/xlsx/table.py), which checks
the package and bounds every sheet; a formula or an error value in an item row is a conflict, never a value.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evepub import source
from evepub.diff import FieldChange
from evepub.diff import value as field_value
from evepub.errors import EvepubError, SourceError
from evepub.formats.xlsx.contract import SOURCE_KEYS, row_digest, row_texts, shown_values
from evepub.formats.xlsx.layout import COLUMN_KEYS, safe_text, visible_text
from evepub.formats.xlsx.table import TrackerRow, TrackerTable, read_table
from evepub.formats.xlsx.table import cell_text as decoded_text
from evepub.model import TRACKED_FIELDS, Entry, Located, Roadmap, walk
from evepub.source_edit import edit_source, restate_status
from evepub.verify import describe

FORMULA_TYPES = {"f": "a formula", "e": "an error value"}  # openpyxl data types that are never data
ISO_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
NO_AS_BUILT = (
    "it has no as-built values (made before trackers carried them): its cells are compared with the source "
    "as it is now, so a value synced from another tracker since it was built would be taken back; "
    "build the trackers again and sync the new ones"
)


@dataclass(frozen=True)
class Conflict:
    """An edit sync refuses to merge: which tracker and cell, which item, and why."""

    tracker: Path
    item_id: str
    text: str
    message: str
    cell: str | None = None  # None when there is no cell to point at, as for a deleted row

    def line(self) -> str:
        """One line naming the tracker, the cell, the item (text and ID) and the problem."""
        where = f"{self.tracker}:{self.cell}" if self.cell else str(self.tracker)
        return f"{where}: {describe(Entry('item', self.text, id=self.item_id or None))}: {self.message}"


@dataclass
class Merge:
    """The edits and conflicts of every tracker of one sync against one source."""

    edits: dict[str, dict[str, Any]] = field(default_factory=dict)  # {id: {field: new value or None}}
    changes: list[tuple[str, FieldChange]] = field(default_factory=list)  # (id, change), for people
    conflicts: list[Conflict] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    set_by: dict[tuple[str, str], Path] = field(default_factory=dict)  # which tracker set a field in this sync


@dataclass(frozen=True)
class SyncReport:
    """What a sync did: the changes merged (or that would be), the conflicts, and whether the source was written."""

    trackers: list[Path]
    source: Path
    changes: list[tuple[str, FieldChange]]
    conflicts: list[Conflict]
    warnings: list[str]
    written: bool


def read_tracker(path: Path) -> TrackerTable:
    """The tracker table of a workbook, whole: sync refuses a table it could read only in part."""
    table = read_table(path)
    if table.cuts:
        raise EvepubError(f"{path}: it has {table.cuts[0]}; a tracker evepub wrote has far fewer")
    missing = [table.column_title(key) for key in TRACKED_FIELDS if key not in table.columns]
    if missing:
        raise EvepubError(f"{path}: the {table.sheet} sheet has no column titled {', '.join(missing)}")
    return table


def plan(roadmap: Roadmap, tracker: TrackerTable, merge: Merge | None = None) -> Merge:
    """Add one tracker's edits and conflicts to a merge; the roadmap takes the edits, for the next tracker."""
    merge = merge if merge is not None else Merge()
    if tracker.built is None:
        merge.warnings.append(f"{tracker.path}: {NO_AS_BUILT}")
    items = {located.item.id: located for located in walk(roadmap)}
    counts = Counter(row.text("id").strip() for row in tracker.rows)
    seen: set[str] = set()
    for row in tracker.rows:
        item_id = row.text("id").strip()
        seen.add(item_id)
        conflicts = row_identity_conflicts(row, item_id, items, counts, tracker)
        if not conflicts and item_id in items:
            conflicts = merge_row(row, items[item_id], roadmap, tracker, merge)
        merge.conflicts += conflicts
    merge.conflicts += missing_rows(roadmap, tracker, seen)
    return merge


def row_identity_conflicts(
    row: TrackerRow, item_id: str, items: dict[str, Located], counts: Counter[str], tracker: TrackerTable
) -> list[Conflict]:
    """A row holding a formula, without an ID, with an ID neither the source nor the build knew, or a duplicate."""
    text = items[item_id].item.text if item_id in items else row.text("item")  # the source's text when known
    cell = tracker.cell(row, "id")
    formulas = [key for key in COLUMN_KEYS if row.types.get(key) in FORMULA_TYPES]
    if formulas:
        return [
            Conflict(
                tracker.path,
                item_id,
                text,
                f"{FORMULA_TYPES[row.types[key]]} ({row.text(key)}) in the {tracker.column_title(key)} column; "
                "type values, not formulas",
                tracker.cell(row, key),
            )
            for key in formulas
        ]
    if not item_id:
        return [
            Conflict(tracker.path, "", text, "a row without an ID; add items in the source, not in the tracker", cell)
        ]
    removed_since_built = tracker.built is not None and item_id in tracker.built.values
    if item_id not in items and not removed_since_built:
        return [Conflict(tracker.path, item_id, text, "unknown ID; add items in the source, not in the tracker", cell)]
    if counts[item_id] > 1:
        rows = ", ".join(str(other.number) for other in tracker.rows if other.text("id").strip() == item_id)
        return [Conflict(tracker.path, item_id, text, f"the ID is on rows {rows}; each item has one row", cell)]
    return []


def merge_row(
    row: TrackerRow, located: Located, roadmap: Roadmap, tracker: TrackerTable, merge: Merge
) -> list[Conflict]:
    """Add one row's edits to the merge and the roadmap, or return its conflicts (such a row is left out whole)."""
    item = located.item
    built = tracker.built.values.get(item.id) if tracker.built else None
    now = shown_values(located, roadmap)
    base = built if built is not None else now  # no as-built values: the source as it is now stands in
    conflicts = source_column_conflicts(row, located, roadmap, base, tracker)
    edits: dict[str, str | None] = {}
    for key in TRACKED_FIELDS:
        try:
            typed = typed_value(key, row, roadmap)
        except ValueError as error:
            conflicts.append(Conflict(tracker.path, item.id, item.text, str(error), tracker.cell(row, key)))
            continue
        if same(typed, base[key]) or same(typed, now[key]):
            continue
        if not same(now[key], base[key]):
            conflicts.append(three_way_conflict(key, typed, base[key], now[key], located, row, tracker, merge))
            continue
        edits[key] = typed
    if conflicts:
        return conflicts
    for key, value in edits.items():
        apply_edit(located, roadmap, key, value, merge, tracker.path)
    return []


def source_column_conflicts(
    row: TrackerRow, located: Located, roadmap: Roadmap, base: dict[str, str | None], tracker: TrackerTable
) -> list[Conflict]:
    """The source's columns: a cell that neither the source now nor the tracker as built shows is an edit refused."""
    expected = {key: visible_text(text) for key, text in row_texts(located, roadmap).items()}
    keys = [key for key in SOURCE_KEYS if key in tracker.columns]
    changed = [key for key in keys if not same(row.text(key), expected[key]) and not same(raw(row, key), expected[key])]
    if not changed:
        return []
    shown = {key: row.text(key) for key in keys}
    if base.get("text") in (row_digest(shown), row_digest({key: raw(row, key) for key in keys})):
        return []  # the source moved on since the tracker was built; the tracker did not edit these cells
    item = located.item
    return [
        Conflict(
            tracker.path, item.id, item.text, source_column_message(key, row.text(key), tracker), tracker.cell(row, key)
        )
        for key in changed
    ]


def source_column_message(key: str, shown: str, tracker: TrackerTable) -> str:
    """Why an edit of one of the source's columns is refused, and where to make it."""
    if key == "item":
        return f"the {tracker.column_title('item')} text was changed to '{shown}'; edit texts in the source"
    return f"the {tracker.column_title(key)} column was changed to '{shown}'; it is the source's: edit it there"


def raw(row: TrackerRow, key: str) -> str:
    """A cell's text exactly as openpyxl read it, with no escape decoded."""
    value = row.values.get(key)
    return "" if value is None else str(value)


def three_way_conflict(
    key: str,
    typed: str | None,
    built: str | None,
    now: str | None,
    located: Located,
    row: TrackerRow,
    tracker: TrackerTable,
    merge: Merge,
) -> Conflict:
    """A field the tracker and the source both changed since the tracker was built, to different values."""
    setter = merge.set_by.get((located.item.id, key))
    other = f"{setter} sets {shown(now)}" if setter else f"the source now says {shown(now)}"
    message = (
        f"{tracker.column_title(key)}: this tracker says {shown(typed)}, it was {shown(built)} when the tracker "
        f"was built, and {other}; set one of them and sync again"
    )
    return Conflict(tracker.path, located.item.id, located.item.text, message, tracker.cell(row, key))


def apply_edit(located: Located, roadmap: Roadmap, key: str, value: str | None, merge: Merge, path: Path) -> None:
    """Record one field edit and make it in the roadmap, so that later trackers merge against it."""
    item = located.item
    before = field_value(located, key)  # as the source holds it, as diff names it
    old = shown_values(located, roadmap)[key]
    fields = merge.edits.setdefault(item.id, {})
    if key == "target":
        item.target = dt.date.fromisoformat(value) if value else None
        fields["target"] = item.target
    elif key == "status":
        restated = restate_status(item.text, old, value or roadmap.default_status)
        item.status = value
        fields["status"] = item.status
        if restated != item.text:
            merge.changes.append((item.id, FieldChange("text", item.text, restated)))
            item.text = fields["text"] = restated
    else:
        setattr(item, key, value)
        fields[key] = value
    merge.changes.append((item.id, FieldChange(key, before, field_value(located, key))))
    merge.set_by[(item.id, key)] = path


def typed_value(key: str, row: TrackerRow, roadmap: Roadmap) -> str | None:
    """What a person typed in a tracked cell, as the source's text; ValueError for what no field can hold."""
    raw = row.values.get(key)
    if key == "target":
        day = parse_date(raw)
        return day.isoformat() if day else None
    text = as_text(raw, row)
    if key == "status" and text:
        names = {status.name.lower(): status.name for status in roadmap.statuses}
        if text.lower() not in names:
            known = tuple(status.name for status in roadmap.statuses)
            raise ValueError(f"unknown status '{text}'{source.suggest(text, known)}")
        return names[text.lower()]
    return text or None


def as_text(raw: Any, row: TrackerRow) -> str:
    """A cell as the text a person sees: a date at midnight as YYYY-MM-DD, TRUE as TRUE, 7.0 as 7."""
    if isinstance(raw, bool):
        return "TRUE" if raw else "FALSE"
    if isinstance(raw, dt.datetime):
        return raw.date().isoformat() if raw.time() == dt.time() else raw.isoformat(sep=" ")
    if isinstance(raw, dt.date):
        return raw.isoformat()
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    return decoded_text(raw, row.inline).replace("\r\n", "\n").strip() if isinstance(raw, str) else str(raw or "")


def parse_date(raw: Any) -> dt.date | None:
    """A target date from a cell: a date cell (a time of day is ignored), or text YYYY-MM-DD; ValueError else."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if isinstance(raw, dt.datetime):
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


def same(left: str | None, right: str | None) -> bool:
    """Two field values alike as a spreadsheet keeps them: none and empty alike, line ends and edges ignored."""
    return (left or "").replace("\r\n", "\n").strip() == (right or "").replace("\r\n", "\n").strip()


def shown(value: str | None) -> str:
    """A value quoted for a message, '(none)' for none."""
    return "(none)" if value is None else f"'{value}'"


def missing_rows(roadmap: Roadmap, tracker: TrackerTable, seen: set[str]) -> list[Conflict]:
    """A conflict for every item the tracker was built with that has no row (a row deleted in the tracker)."""
    if tracker.built is not None:
        expected = set(tracker.built.values)  # items added to the source since are not this tracker's
    else:
        scope = set(tracker.releases) or {row.text("release") for row in tracker.rows}
        expected = {loc.item.id for loc in walk(roadmap) if safe_text(loc.release.name, "release") in scope}
    return [
        Conflict(
            tracker.path,
            located.item.id,
            located.item.text,
            "its row is missing from the tracker; delete items in the source, not in the tracker",
        )
        for located in walk(roadmap)
        if located.item.id in expected and located.item.id not in seen
    ]


def sync(
    tracker_paths: list[Path] | Path, source_path: Path, skip_conflicts: bool = False, dry_run: bool = False
) -> SyncReport:
    """Merge the trackers' edits into the source, in order; with conflicts nothing is written unless skipped."""
    paths = [Path(path) for path in ([tracker_paths] if isinstance(tracker_paths, str | Path) else tracker_paths)]
    source_path = Path(source_path)
    trackers = [read_tracker(path) for path in paths]
    original = source_path.read_bytes()
    roadmap = source.load(source_path)
    merge = Merge()
    for tracker in trackers:
        plan(roadmap, tracker, merge)
    if dry_run or (merge.conflicts and not skip_conflicts) or not merge.edits:
        return SyncReport(paths, source_path, merge.changes, merge.conflicts, merge.warnings, written=False)
    write_source(source_path, original, merge.edits)
    return SyncReport(paths, source_path, merge.changes, merge.conflicts, merge.warnings, written=True)


def write_source(source_path: Path, original: bytes, edits: dict[str, dict[str, Any]]) -> None:
    """Write the edits into the source, keeping its layout, only if the result is valid and nobody wrote meanwhile."""
    text = edit_source(source.decode(original, str(source_path)), edits)
    try:
        source.loads(text, str(source_path))
    except SourceError as error:  # a value the tracker could hold but the source cannot
        raise EvepubError(f"{source_path}: the merged source would not be valid: {error.problems[0].message}") from None
    if source_path.read_bytes() != original:
        raise EvepubError(f"{source_path} changed while syncing; run evepub sync again")
    from evepub.build import publish

    publish(source_path.parent, {source_path.name: text.encode("utf-8")})
