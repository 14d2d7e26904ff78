"""Synthetic roadmaps of a given size, shaped like real ones: releases, areas, nesting, statuses, links.

Items carry what real trackers carry now and then: an owner, a target date, notes, a link, a non-ASCII word; a few
blocks are paragraphs or TODO notes. The same count and seed always give the same roadmap.
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
        if self.left > 0 and self.random.random() < 0.5:
            paragraph.children.append(self.item_list(0))  # a heading-like line that owns a list
        return paragraph

    def item_list(self, depth: int) -> ItemList:
        style = self.random.choice(STYLES)
        items = [self.item()]
        for _ in range(self.random.randint(1, 5)):
            if self.left <= 0:
                break
            items.append(self.item())
        for item in items:
            if depth < 3 and self.left > 0 and self.random.random() < 0.3:
                item.children.append(self.item_list(depth + 1))
        return ItemList(style, items)


def roadmap(total: int, seed: int = 1) -> Roadmap:
    """A roadmap of about `total` items (exactly `total` items when total >= 20)."""
    maker = _Maker(total, seed)
    releases: list[Release] = []
    year, quarter = 2040, 4
    while maker.left > 0:
        name = f"R{len(releases) + 1}-release"
        when = Quarter(year, quarter)
        release = Release(name=name, period=f"Q{quarter} {year}", start=when, end=when)
        release.blocks.append(maker.item(ItemKind.PARAGRAPH))
        for title in AREAS:
            area = Area(title)
            while maker.left > 0 and len(area.blocks) < 4:
                area.blocks.append(maker.block())
            release.areas.append(area)
        releases.append(release)
        year, quarter = (year, quarter - 1) if quarter > 1 else (year - 1, 4)
    return Roadmap(title=f"Synthetic roadmap of {maker.count} items", releases=releases)


def main() -> None:
    """Write a synthetic source: generate.py COUNT OUTPUT.yaml."""
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("count", type=int)
    parser.add_argument("output", type=Path)
    args = parser.parse_args()
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(dumps(roadmap(args.count)), encoding="utf-8")


if __name__ == "__main__":
    main()
