"""What the Markdown writer and reader agree on, and what the Markdown shows of an item besides its text."""

from __future__ import annotations

from evepub.formats.readback import Shows, links_in_text, status_label
from evepub.model import Item, Located, Roadmap

TOC_ANCHOR = "contents"  # the anchor of the table of contents; the reader skips that section
INTRODUCTION_ANCHOR = "introduction"  # the section of the roadmap's introduction, before the first release
OVERVIEW_ANCHOR = "overview"  # the overview table, inside the contents section (so front matter too)
CHANGES_ANCHOR = "changes-since"  # reserved even without --changes-since, so release anchors never depend on it


def hidden_status(item: Item) -> str | None:
    """The item's status when its text does not already show it, else None."""
    if item.status is None or item.status.lower() in item.text.lower():
        return None
    return item.status


def badge_unless_in_text(located: Located, roadmap: Roadmap) -> str | None:
    """A badge for a status the item's text does not already show."""
    return status_label(hidden_status(located.item))


SHOWS = Shows(badge_unless_in_text, links_in_text)
