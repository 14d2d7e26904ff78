"""Sharing a build's trackers out among render processes: each writes some of the workbooks, about as much work.

A roadmap of many small releases has hundreds of trackers; written in one process they would end after every
other format. The shares are made the same way in every process, so each writes its own and none twice.
"""

from __future__ import annotations

import heapq

from evepub.model import Roadmap, walk

WORKBOOK_COST = 30  # the fixed work of one workbook, counted in items
# Below this much work (items in all workbooks, plus WORKBOOK_COST each) a second process's import of openpyxl,
# about as long as writing 2,500 items, costs more than sharing the trackers out saves.
SPLIT_FROM = 5_000


def worth_splitting(roadmap: Roadmap) -> bool:
    """Whether the trackers of this roadmap are worth writing in parts, one per render process."""
    work = WORKBOOK_COST * (len(roadmap.releases) + 1)
    for _ in walk(roadmap):
        work += 2  # once in the all-releases tracker, once in its release's
        if work >= SPLIT_FROM:
            return True
    return work >= SPLIT_FROM


def shares(costs: list[int], count: int) -> list[list[int]]:
    """The workbooks (by index) of each of `count` shares: costliest first, each to the share with least work."""
    heap = [(0, share) for share in range(count)]
    found: list[list[int]] = [[] for _ in range(count)]
    for index in sorted(range(len(costs)), key=lambda index: (-costs[index], index)):
        work, share = heapq.heappop(heap)
        found[share].append(index)
        heapq.heappush(heap, (work + costs[index], share))
    return [sorted(indexes) for indexes in found]


def share_of(items: list[int], part: tuple[int, int] | None) -> set[int]:
    """The workbooks part (k, n) writes, given each workbook's items: all of them when there is no part."""
    if part is None:
        return set(range(len(items)))
    k, n = part
    return set(shares([count + WORKBOOK_COST for count in items], n)[k - 1])
