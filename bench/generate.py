"""Synthetic roadmaps of a given size, shaped like real ones: releases, areas, nesting, statuses, links.

Items carry what real trackers carry now and then: an owner, a target date, notes, a link, a non-ASCII word; a few
blocks are paragraphs or TODO notes. The same count and seed always give the same roadmap.

By default each release has six areas of up to four blocks (about 470 items a release). `--releases N` spreads the
same kinds of items over N releases instead, each of about COUNT / N items shared out among its six areas: the
shape of a roadmap of many small releases, which publishes a tracker per release.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from evepub.model import DEFAULT_STATUSES, Area, Item, ItemKind, ItemList, ListStyle, Quarter, Release, Roadmap
from evepub.source import dumps

WORDS = (
    "support",
    "storage",
    "network",
    "TPM",
    "attestation",
    "controller",
    "edge",
    "cluster",
    "image",
    "installer",
    "update",
    "logging",
    "metrics",
    "firmware",
    "kernel",
    "container",
    "volume",
    "snapshot",
    "policy",
    "telemetry",
    "modem",
    "GPS",
    "passthrough",
    "zpool",
    "hypervisor",
    "naïve",
    "Müller",
    "données",
    "–",
)
OWNERS = ("Jane Doe", "José Núñez", "Li Wei", "Priya Raman")
AREAS = ("Security", "Storage", "Networking", "Installation", "Testing/Validation", "Release Engineering")
STYLES = (ListStyle.BULLET, ListStyle.BULLET, ListStyle.DECIMAL, ListStyle.LOWER_ALPHA)


class _Maker:
    """Hands out items with unique ids until the budget is spent."""

    def __init__(self, total: int, seed: int) -> None:
        self.random = random.Random(seed)
        self.left = total
        self.count = 0
        self.floor = 0  # stop starting new lists and sub-lists once no more than this is left

    def item(self, kind: ItemKind = ItemKind.ITEM) -> Item:
        self.left -= 1
        self.count += 1
        chance = self.random.random
        words = " ".join(self.random.choice(WORDS) for _ in range(self.random.randint(3, 14))).capitalize()
        if kind is ItemKind.NOTE:
            return Item(id=f"i{self.count}", text=f"TODO: {words}", kind=kind)
        status = self.random.choice([None, None, *(s.name for s in DEFAULT_STATUSES)])
        links = [f"https://github.com/lf-edge/eve/pull/{self.count}"] if chance() < 0.05 else []
        if links:
            words += f" (see {links[0]})"
        if status:
            words += f" ({status})"
        item = Item(id=f"i{self.count}", text=words, kind=kind, status=status, links=links)
        if chance() < 0.1:
            item.owner = self.random.choice(OWNERS)
        if chance() < 0.1:
            item.target = dt.date(2040, 1, 1) + dt.timedelta(days=self.random.randrange(3650))
        if chance() < 0.05:
            item.notes = " ".join(self.random.choice(WORDS) for _ in range(self.random.randint(5, 30)))
        return item

    def block(self) -> Item | ItemList:
        """Mostly lists; a paragraph now and then, and a rare TODO note."""
        roll = self.random.random()
        if roll < 0.8:
            return self.item_list(0)
        if roll > 0.97:
            return self.item(ItemKind.NOTE)
        paragraph = self.item(ItemKind.PARAGRAPH)
        if self.left > self.floor and self.random.random() < 0.5:
            paragraph.children.append(self.item_list(0))  # a heading-like line that owns a list
        return paragraph

    def item_list(self, depth: int) -> ItemList:
        style = self.random.choice(STYLES)
        items = [self.item()]
        for _ in range(self.random.randint(1, 5)):
            if self.left <= self.floor:
                break
            items.append(self.item())
        for item in items:
            if depth < 3 and self.left > self.floor and self.random.random() < 0.3:
                item.children.append(self.item_list(depth + 1))
        return ItemList(style, items)


def roadmap(total: int, seed: int = 1, releases: int | None = None) -> Roadmap:
    """A roadmap of about `total` items (exactly `total` items when total >= 20), in `releases` releases if given."""
    maker = _Maker(total, seed)
    made: list[Release] = []
    year, quarter = 2040, 4
    while maker.left > 0:
        name = f"R{len(made) + 1}-release"
        when = Quarter(year, quarter)
        release = Release(name=name, period=f"Q{quarter} {year}", start=when, end=when)
        release.blocks.append(maker.item(ItemKind.PARAGRAPH))
        if releases is None:
            release.areas = [full_area(maker, title) for title in AREAS]
        else:
            release.areas = shared_areas(maker, max(total - total * (len(made) + 1) // releases, 0))
        made.append(release)
        year, quarter = (year, quarter - 1) if quarter > 1 else (year - 1, 4)
    return Roadmap(title=f"Synthetic roadmap of {maker.count} items", releases=made)


def full_area(maker: _Maker, title: str) -> Area:
    """An area of up to four blocks, as long as items are left."""
    area = Area(title)
    while maker.left > 0 and len(area.blocks) < 4:
        area.blocks.append(maker.block())
    return area


def shared_areas(maker: _Maker, floor: int) -> list[Area]:
    """The six areas of a release that ends when `floor` items are left, sharing its items out about evenly."""
    areas, budget = [], max(maker.left - floor, 0)
    for index, title in enumerate(AREAS):
        maker.floor = floor + budget * (len(AREAS) - 1 - index) // len(AREAS)
        area = Area(title)
        while maker.left > maker.floor:
            area.blocks.append(maker.block())
        areas.append(area)
    maker.floor = 0
    return areas


def main() -> None:
    """Write a synthetic source: generate.py COUNT OUTPUT.yaml [--releases N]."""
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("count", type=int)
    parser.add_argument("output", type=Path)
    parser.add_argument("--releases", type=int, help="spread the items over this many releases (many small ones)")
    args = parser.parse_args()
    if args.releases is not None and not 1 <= args.releases <= args.count:
        parser.error("--releases must be between 1 and COUNT")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(dumps(roadmap(args.count, releases=args.releases)), encoding="utf-8")


if __name__ == "__main__":
    main()
