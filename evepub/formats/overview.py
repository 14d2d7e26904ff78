"""What every format's overview counts: per release, its items in total and by status.

Paragraphs and list entries count, notes do not; an item without a status counts as the default status.
A status that no release uses gets no column.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from evepub.errors import EvepubError
from evepub.model import ItemKind, Roadmap, walk


@dataclass(frozen=True)
class ReleaseCount:
    """How many items one release has, in total and by status."""

    name: str
    period: str | None
    items: int
    by_status: Counter[str]


def count_items(roadmap: Roadmap) -> list[ReleaseCount]:
    """The counts of every release, in document order."""
    counts = {id(release): Counter[str]() for release in roadmap.releases}
    known = {entry.name for entry in roadmap.statuses}
    for located in walk(roadmap):
        item = located.item
        if item.kind is ItemKind.NOTE:
            continue
        status = item.status or roadmap.default_status
        if status not in known:
            raise EvepubError(f"item {item.id}: status {status!r} is not in the status vocabulary")
        counts[id(located.release)][status] += 1
    return [
        ReleaseCount(release.name, release.period, sum(counts[id(release)].values()), counts[id(release)])
        for release in roadmap.releases
    ]


def used_statuses(roadmap: Roadmap, counts: list[ReleaseCount]) -> list[str]:
    """The statuses some release uses, in the order of the status vocabulary."""
    return [status.name for status in roadmap.statuses if any(count.by_status[status.name] for count in counts)]
