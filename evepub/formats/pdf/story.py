"""The story as ReportLab takes it, made as it is laid out: a queue that pulls flowables from an iterator.

BaseDocTemplate.build takes its flowables from the front of a list (`del flowables[0]`), which moves every
pointer after it: quadratic in the number of flowables, seconds at 100,000 items. And a list holds every
flowable, with its text fragments, from the start of the build to its end. This queue holds only the next
few; it answers every operation build makes on its list: the first items, slices from the front, deleting
and inserting there, and its length.
"""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Iterable, Iterator
from typing import Any

LOOKAHEAD = 64  # flowables made ahead: more than any keep-with-next run (a heading and its first entries)


class FlowableQueue:
    """The flowables not laid out yet: those made so far, then the rest of the iterator."""

    def __init__(self, flowables: Iterable[Any]) -> None:
        self.made: deque[Any] = deque()
        self.rest: Iterator[Any] = iter(flowables)
        self.exhausted = False

    def _make(self, count: int) -> None:
        """Make flowables until `count` are waiting, or there are no more."""
        missing = count - len(self.made)
        if missing > 0 and not self.exhausted:
            before = len(self.made)
            self.made.extend(itertools.islice(self.rest, missing))
            self.exhausted = len(self.made) - before < missing

    def __len__(self) -> int:
        """How many are waiting, counting up to LOOKAHEAD ahead: 0 only when every flowable is laid out.

        build uses the length to stop, and to bound its look for keep-with-next runs, which are shorter."""
        self._make(LOOKAHEAD)
        return len(self.made)

    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, slice):
            start, stop, step = index.indices(LOOKAHEAD if index.stop is None else max(index.stop, 0))
            self._make(stop)
            return list(itertools.islice(self.made, start, stop, step))
        self._make(index + 1)
        return self.made[index]

    def __setitem__(self, index: int | slice, value: Any) -> None:
        if isinstance(index, slice):
            if (index.start or 0, index.stop) != (0, 0):
                raise TypeError("only the front of the story can take flowables back")
            self.made.extendleft(reversed(list(value)))
            return
        self._make(index + 1)
        self.made[index] = value

    def __delitem__(self, index: int | slice) -> None:
        if isinstance(index, slice):
            if index.start not in (None, 0) or index.step not in (None, 1) or index.stop is None:
                raise TypeError("only the front of the story can be taken")
            self._make(index.stop)
            for _ in range(min(index.stop, len(self.made))):
                self.made.popleft()
            return
        self._make(index + 1)
        del self.made[index]

    def insert(self, index: int, flowable: Any) -> None:
        """Put a flowable back (at the front, where build puts them)."""
        self._make(index)
        self.made.insert(index, flowable)
