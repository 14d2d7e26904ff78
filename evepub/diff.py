"""What changed between two versions of the source, matched by item id, per release."""

from __future__ import annotations

import datetime as dt
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from evepub.errors import EvepubError
from evepub.model import TRACKED_FIELDS, Located, Roadmap, walk

COMPARED_FIELDS = ("text", *TRACKED_FIELDS)  # what a change of an item lists


@dataclass(frozen=True)
class FieldChange:
    """One field of one item, before and after."""

    name: str
    old: str | None
    new: str | None


@dataclass(frozen=True)
class Change:
    """One item that was added, removed, moved or edited."""

    kind: str  # "added", "removed", "moved", "changed"
    id: str
    text: str
    release: str
    fields: tuple[FieldChange, ...] = ()
    old_place: str | None = None
    new_place: str | None = None


@dataclass
class ChangeSet:
    """Every change from an old roadmap to a new one, in the new document's order."""

    since: str  # how the old version is named: its version, its date, or where it came from
    changes: list[Change] = field(default_factory=list)

    def releases(self) -> list[tuple[str, list[Change]]]:
        """The changes grouped by release, releases in order of first appearance."""
        grouped: dict[str, list[Change]] = {}
        for change in self.changes:
            grouped.setdefault(change.release, []).append(change)
        return list(grouped.items())


def value(located: Located, name: str) -> str | None:
    """A tracked field of an item as text (dates as YYYY-MM-DD)."""
    raw = getattr(located.item, name)
    return raw.isoformat() if isinstance(raw, dt.date) else raw


def place(located: Located) -> str:
    """Where an item stands: release, area and parent item."""
    parts = [located.release.name]
    if located.area is not None:
        parts.append(located.area.title)
    if located.parent is not None:
        parts.append(f"under {located.parent.id}")
    return " › ".join(parts)


def compare(old: Roadmap, new: Roadmap, since: str) -> ChangeSet:
    """The changes that turn OLD into NEW."""
    old_items = {located.item.id: located for located in walk(old)}
    new_items = {located.item.id: located for located in walk(new)}
    changes = ChangeSet(since)
    for item_id, now in new_items.items():
        before = old_items.get(item_id)
        if before is None:
            changes.changes.append(Change("added", item_id, now.item.text, now.release.heading))
            continue
        if place(before) != place(now):
            changes.changes.append(
                Change(
                    "moved", item_id, now.item.text, now.release.heading, old_place=place(before), new_place=place(now)
                )
            )
        edited = tuple(
            FieldChange(name, value(before, name), value(now, name))
            for name in COMPARED_FIELDS
            if value(before, name) != value(now, name)
        )
        if edited:
            changes.changes.append(Change("changed", item_id, now.item.text, now.release.heading, edited))
    changes.changes += [
        Change("removed", item_id, gone.item.text, gone.release.heading)
        for item_id, gone in old_items.items()
        if item_id not in new_items
    ]
    headings = [release.heading for release in (*new.releases, *old.releases)]
    order = {heading: headings.index(heading) for heading in headings}
    changes.changes.sort(key=lambda change: order[change.release])  # stable: document order within a release
    return changes


def label(roadmap: Roadmap, origin: str) -> str:
    """How to name an old version: 'version 1.2', '2024-06-30', or where it was read from."""
    if roadmap.version:
        return f"version {roadmap.version}"
    if roadmap.date:
        return roadmap.date.isoformat()
    return origin


def load_version(spec: str, working_copy: Path) -> tuple[Roadmap, str]:
    """A source from a path, or from git as `git:REV` (the working copy's path at that revision)."""
    from evepub import source  # imported here: the writers import this module, and only the build loads sources

    if not spec.startswith("git:"):
        roadmap = source.load(spec)
        return roadmap, label(roadmap, spec)
    revision = spec.removeprefix("git:") or "HEAD"
    text = git_show(revision, working_copy)
    roadmap = source.loads(text, f"{revision}:{working_copy}")
    return roadmap, label(roadmap, revision)


def git_show(revision: str, path: Path) -> str:
    """The text of a file at a git revision."""
    folder = path.resolve().parent
    try:
        top = subprocess.run(
            ["git", "rev-parse", "--show-toplevel"], cwd=folder, capture_output=True, text=True, check=True
        ).stdout.strip()
        relative = path.resolve().relative_to(top)
        done = subprocess.run(
            ["git", "show", f"{revision}:{relative.as_posix()}"], cwd=top, capture_output=True, check=True
        )
    except FileNotFoundError:
        raise EvepubError("git is not installed; give the old source as a file instead of git:REV") from None
    except subprocess.CalledProcessError as error:
        message = (error.stderr.decode(errors="replace") if isinstance(error.stderr, bytes) else error.stderr) or ""
        raise EvepubError(f"cannot read {path} at {revision} from git: {message.strip()}") from None
    from evepub.source import decode

    return decode(done.stdout, f"{revision}:{path}")


def changes_since(spec: str, new: Roadmap, working_copy: Path) -> ChangeSet:
    """The changes from the old source SPEC (a path or git:REV) to the roadmap NEW."""
    old, since = load_version(spec, working_copy)
    return compare(old, new, since)
