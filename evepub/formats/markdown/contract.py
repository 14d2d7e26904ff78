"""What the Markdown writer and reader agree on, and what the Markdown shows of an item besides its text."""

from __future__ import annotations

from evepub.formats.readback import Shows, hidden_status, links_in_text, status_label
from evepub.model import Located, Roadmap

TOC_ANCHOR = "contents"  # the anchor of the table of contents; the reader skips that section
INTRODUCTION_ANCHOR = "introduction"  # the section of the roadmap's introduction, before the first release
OVERVIEW_ANCHOR = "overview"  # the overview table, inside the contents section (so front matter too)
CHANGES_ANCHOR = "changes-since"  # reserved even without --changes-since, so release anchors never depend on it


def badge_unless_in_text(located: Located, roadmap: Roadmap) -> str | None:
    """A badge for a status the item's text does not already show."""
    return status_label(hidden_status(located.item))


SHOWS = Shows(badge_unless_in_text, links_in_text)
