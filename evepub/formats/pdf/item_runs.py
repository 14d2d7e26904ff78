"""Runs of consecutive items laid out as one flowable, each item where the frame would have put it alone.

ReportLab's document template spends about 25 microseconds on every flowable it handles (keep-with-next and
break-before checks, the frame's bookkeeping, the story's queue), a quarter of the PDF's layout at 20,000 items,
and keeps a heading with the flowable after it by deep-copying the frame. An ItemRun hands the frame up to
RUN_LENGTH items at once, after the headings that lead them, and places them itself with the frame's own
arithmetic (Frame._add's, step by step, from the frame's current position): space before each item but the first
on a page, less the space after the one above it; an item that does not fit goes to the next page, one taller
than a page is split as it splits alone, and headings go to the next page with the first item after them unless
the run is at the top of a page. So the pages are the same (tests/test_pdf.py compares them byte for byte with
the frame placing every flowable alone), with far fewer flowables to handle.
"""

from __future__ import annotations

from collections.abc import Generator, Iterable
from dataclasses import dataclass
from typing import Any

from reportlab import rl_config
from reportlab.platypus import Flowable

RUN_LENGTH = 64  # items in one run at most: a page split sums what is left of the run, which must stay short
FUZZ = rl_config._FUZZ  # the frame's tolerance at its bottom edge
AT_TOP = object()  # a frame at its top: the first item takes no space before it


@dataclass
class Placed:
    """Where the frame puts one item: the height it offers it, its drawing position and size, and whether it fits
    on this page."""

    available: float
    bottom: float
    width: float
    height: float
    fits: bool


def runs(flowables: Iterable[Flowable], kept: list[Flowable]) -> Generator[Flowable, None, list[Flowable]]:
    """The flowables in runs of RUN_LENGTH, the first run led by `kept` (headings, which go on the page of the
    flowable after them, as keep-with-next keeps them). Returns `kept` when no flowable came to follow them."""
    pending, lead = list(kept), len(kept)
    for flowable in flowables:
        pending.append(flowable)
        if len(pending) == lead + RUN_LENGTH:
            yield ItemRun(pending, kept=lead)
            pending, lead = [], 0
    if len(pending) == lead:
        return pending
    yield pending[0] if len(pending) == 1 else ItemRun(pending, kept=lead)
    return []


class ItemRun(Flowable):
    """Consecutive items, each kept whole on a page unless it is taller than a page, laid out as one flowable;
    its first `kept` flowables (headings) go on the page of the flowable after them."""

    def __init__(
        self, items: list[Flowable], sizes: dict[tuple[int, float], tuple[float, float]] | None = None, kept: int = 0
    ) -> None:
        super().__init__()
        self.items = items
        self.kept = kept
        self.sizes = {} if sizes is None else sizes  # per item and width: its width and height, shared with parts
        self.placed: tuple[tuple[Any, float], list[Placed]] | None = None  # the last placing and what it was for

    def getSpaceBefore(self) -> float:
        """The space above the first item."""
        return self.items[0].getSpaceBefore()

    def getSpaceAfter(self) -> float:
        """The space below the last item."""
        return self.items[-1].getSpaceAfter()

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        """The run's height from its first item's top to its last item's bottom."""
        places = self.place(availWidth)
        self.width, self.height = availWidth, places[0].bottom + places[0].height - places[-1].bottom
        return self.width, self.height

    def split(self, availWidth: float, availHeight: float) -> list[Flowable]:
        """The items that fit on this page and the rest; an item taller than a page split where it stands."""
        places = self.place(availWidth)
        out = next((index for index, place in enumerate(places) if not place.fits), None)
        if out is None:  # every item fits, yet the frame found the run too tall (rounding): hold the last back
            if len(self.items) <= self.kept + 1:
                return []
            return [self.part(self.items[:-1], self.kept), self.part(self.items[-1:], 0)]
        if self.kept and out <= self.kept and self.frame_state()[2] is not AT_TOP:
            return []  # the headings and the flowable after them go to the next page together
        head, item, tail = self.items[:out], self.items[out], self.items[out + 1 :]
        available = places[out].available
        item_parts = item.split(availWidth, available) if available > 0 else []
        if not item_parts:
            tail = [item, *tail]
        parts = ([self.part(head, min(self.kept, out))] if head else []) + item_parts
        if not parts:
            return []  # not even the first item fits: the run goes to the next page
        return parts + ([self.part(tail, max(self.kept - out, 0))] if tail else [])

    def part(self, items: list[Flowable], kept: int) -> ItemRun:
        """A run of some of these items, sharing what is measured of them."""
        return ItemRun(items, self.sizes, kept)

    def drawOn(self, canvas: Any, x: float, y: float, _sW: float = 0) -> None:
        """Draw every item where the frame would have drawn it."""
        for item, place in zip(self.items, self.place(self.width), strict=True):
            item.drawOn(canvas, x, place.bottom, _sW=self.width - place.width)

    # The frame's arithmetic, from where it stands now

    def frame_state(self) -> tuple[float, float, Any, float, bool]:
        """The frame's position, its bottom, whether it is at its top, the space after what it holds last, and
        whether spaces collapse; without a frame (a container lays the run out), a run that starts at 0."""
        frame = getattr(self, "_frame", None)
        if frame is None:
            return 0.0, float("-inf"), AT_TOP, 0.0, True
        top = AT_TOP if frame._atTop else None
        return frame._y, frame._y1p, top, frame._prevASpace, bool(frame._oASpace)

    def place(self, width: float) -> list[Placed]:
        """Each item's position, as Frame._add places one flowable after another from the frame's position
        (worked out once for the wrap, split and drawing that the frame asks for in one place)."""
        state = self.frame_state()
        if self.placed is None or self.placed[0] != (state, width):
            self.placed = ((state, width), self._place(state, width))
        return self.placed[1]

    def _place(self, state: tuple[float, float, Any, float, bool], width: float) -> list[Placed]:
        y, bottom, top, space_after, collapse = state
        places: list[Placed] = []
        fits = True
        for item in self.items:
            space = 0.0 if top is AT_TOP else item.getSpaceBefore()
            if top is not AT_TOP and collapse:
                space = max(space - space_after, 0)
            available = y - bottom - space
            item_width, height = self.size(item, width, available)
            fits = fits and available > 0 and y - (height + space) >= bottom - FUZZ
            before = y
            y -= height + space
            places.append(Placed(available, y, item_width, height, fits))
            space_after = item.getSpaceAfter()
            y -= space_after
            if y != before:
                top = None
        return places

    def size(self, item: Flowable, width: float, available: float) -> tuple[float, float]:
        """An item's width and height at this width, measured once (an item's height does not depend on the height
        offered; what it draws is what that one wrap worked out)."""
        key = (id(item), width)
        found = self.sizes.get(key)
        if found is None:
            found = self.sizes[key] = item.wrap(width, max(available, 1.0))
        return found
