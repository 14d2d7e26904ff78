"""What the Word writer and reader agree on, and what the Word edition shows of an item besides its text."""

from __future__ import annotations

from evepub.formats.readback import Shows, hidden_status, links_in_text, status_label
from evepub.model import Located, Roadmap

WORD_LEVELS = 9
DEEPEST_LEVEL = WORD_LEVELS - 1
INDENT_STEP = 360  # twips (1/4 inch) per nesting level
FIRST_TEXT_INDENT = 540  # twips from the margin to the text of a top-level item
ITEM_BOOKMARK = "_evepub_"  # a leading underscore makes Word treat the bookmark as hidden
IDS_NAMESPACE = "urn:evepub:docx:item-ids"  # the custom XML part that keeps the item ids
# An item's details (its tracked fields) follow its text in runs of these character styles, which the
# reader leaves out of the text; the run in the status style holds the status label.
DETAILS_STYLE = "Item Details"
STATUS_STYLE = "Item Status"
INTRODUCTION_STYLE = "Introduction"  # the paragraphs of the roadmap's introduction, before the first release
# The release timeline after the overview: its heading (in the navigation pane and the contents) and the paragraph
# holding its picture, in styles of their own that the reader skips: neither is part of the roadmap.
TIMELINE_HEADING_STYLE = "Timeline Heading"
TIMELINE_STYLE = "Timeline"


def status_unless_in_text(located: Located, roadmap: Roadmap) -> str | None:
    """The status label shown after an item's text, for a status the text does not already show."""
    return status_label(hidden_status(located.item))


SHOWS = Shows(status_unless_in_text, links_in_text)
