"""What the tracker writer, its reader and sync agree on: the status shown, and the as-built sheet; see layout.py."""

from __future__ import annotations

import hashlib
import urllib.parse

from evepub.formats.readback import Shows, every_link
from evepub.model import TRACKED_FIELDS, ItemKind, Located, Roadmap


def status_of(located: Located, roadmap: Roadmap) -> str:
    """The status shown for an item: its own, the default one, or none for notes."""
    if located.item.kind is ItemKind.NOTE:
        return ""
    return located.item.status or roadmap.default_status


def tracker_status(located: Located, roadmap: Roadmap) -> str | None:
    """The item's status or the default one; none for notes."""
    return status_of(located, roadmap) or None


SHOWS = Shows(tracker_status, every_link)


# The as-built sheet: what every item row showed when the tracker was built, for sync's three-way merge.
# Values are encoded so that no spreadsheet can change them on a save: "s:" and the text with '%', '_', '='
# and control characters percent-encoded (no _xHHHH_ escape, formula or conversion can apply), "n:" for none.
BUILT_SHEET = "_asbuilt"  # written very hidden and protected; LibreOffice saves it as hidden
BUILT_MARK = "evepub as built 1"  # A1: what the sheet is, and the version of its layout
BUILT_COLUMNS = ("id", "text", *TRACKED_FIELDS)  # row 2 names them; one row per item from row 3; text: its digest
BUILT_FIRST_ROW = 3
_ENCODED = {ord(char) for char in "%_="} | set(range(0x20)) | {0x7F}


def encode_built(value: str | None) -> str:
    """An as-built value as the sheet stores it."""
    if value is None:
        return "n:"
    return "s:" + "".join(f"%{ord(char):02X}" if ord(char) in _ENCODED else char for char in value)


def decode_built(stored: object) -> str | None:
    """An as-built value from the sheet; ValueError when it is not one evepub wrote."""
    if not isinstance(stored, str) or stored[:2] not in ("s:", "n:"):
        raise ValueError(f"not an as-built value: {stored!r}")
    if stored == "n:":
        return None
    return urllib.parse.unquote(stored[2:], errors="strict")


def text_digest(text: str) -> str:
    """A short digest of an item's text as a spreadsheet may save it (line ends as LF)."""
    normal = text.replace("\r\n", "\n")
    return hashlib.sha256(normal.encode("utf-8", "surrogatepass")).hexdigest()[:20]


def shown_values(located: Located, roadmap: Roadmap) -> dict[str, str | None]:
    """The tracked values an item's row shows, as text: the status the tracker shows, dates as YYYY-MM-DD."""
    item = located.item
    return {
        "status": status_of(located, roadmap) or None,
        "owner": item.owner,
        "target": item.target.isoformat() if item.target else None,
        "notes": item.notes,
    }
