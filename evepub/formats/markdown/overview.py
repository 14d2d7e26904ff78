"""The overview table of the Markdown edition: item counts per release and status, inside the contents section.

Counted by formats/overview.py, as every format's overview is. The reader takes the
contents section, and so this table, as front matter.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from evepub.formats.overview import count_items, used_statuses
from evepub.model import Roadmap


@dataclass(frozen=True)
class OverviewRow:
    """One release of the overview: its name, period, item count and count per shown status."""

    name: str
    period: str | None
    items: int
    by_status: tuple[int, ...]


@dataclass(frozen=True)
class Overview:
    """The statuses shown (the vocabulary's order), a row per release and the totals."""

    statuses: tuple[str, ...]
    rows: tuple[OverviewRow, ...]
    items: int
    by_status: tuple[int, ...]


def overview(roadmap: Roadmap) -> Overview | None:
    """The overview of a roadmap, None when it has no release."""
    if not roadmap.releases:
        return None
    counts = count_items(roadmap)
    statuses = tuple(used_statuses(roadmap, counts))
    rows = tuple(
        OverviewRow(count.name, count.period, count.items, tuple(count.by_status[name] for name in statuses))
        for count in counts
    )
    total = sum((count.by_status for count in counts), Counter[str]())
    return Overview(statuses, rows, sum(count.items for count in counts), tuple(total[name] for name in statuses))
