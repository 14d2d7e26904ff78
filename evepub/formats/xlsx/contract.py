"""What the tracker shows of an item besides its text; its sheets and columns are in layout.py."""

from __future__ import annotations

from evepub.formats.readback import Shows, every_link
from evepub.model import ItemKind, Located, Roadmap


def status_of(located: Located, roadmap: Roadmap) -> str:
    """The status shown for an item: its own, the default one, or none for notes."""
    if located.item.kind is ItemKind.NOTE:
        return ""
    return located.item.status or roadmap.default_status


def tracker_status(located: Located, roadmap: Roadmap) -> str | None:
    """The item's status or the default one; none for notes."""
    return status_of(located, roadmap) or None


SHOWS = Shows(tracker_status, every_link)
