"""What the Word writer and reader agree on, and what the Word edition shows of an item besides its text."""

from __future__ import annotations

from evepub.formats.readback import Shows, links_in_text, no_status

WORD_LEVELS = 9
DEEPEST_LEVEL = WORD_LEVELS - 1
INDENT_STEP = 360  # twips (1/4 inch) per nesting level
FIRST_TEXT_INDENT = 540  # twips from the margin to the text of a top-level item
ITEM_BOOKMARK = "_evepub_"  # a leading underscore makes Word treat the bookmark as hidden
IDS_NAMESPACE = "urn:evepub:docx:item-ids"  # the custom XML part that keeps the item ids

SHOWS = Shows(no_status, links_in_text)
