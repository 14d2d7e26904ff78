"""What the tracker writer, its reader and sync agree on: the status shown, and the as-built sheet; see layout.py."""

from __future__ import annotations

import hashlib
import re
import urllib.parse

from evepub.formats.readback import Shows, every_link
from evepub.model import TRACKED_FIELDS, ItemKind, Located, Roadmap

TRACKERS_FOLDER = "trackers"  # the per-release trackers, beside the all-releases one
WINDOWS_RESERVED = {"con", "prn", "aux", "nul"} | {f"{kind}{n}" for kind in ("com", "lpt") for n in range(1, 10)}


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
BUILT_COLUMNS = ("id", "text", *TRACKED_FIELDS)  # row 2 names them; one row per item from row 3
# "text" is a digest of the row's source columns as built: sync tells a source that moved on from an edit
SOURCE_KEYS = ("release", "period", "area", "parent", "kind", "list", "item", "links")
BUILT_FIRST_ROW = 3
_ENCODED = {ord(char) for char in "%_="} | set(range(0x20)) | {0x7F}
_ENCODING = {code: f"%{code:02X}" for code in _ENCODED}


def encode_built(value: str | None) -> str:
    """An as-built value as the sheet stores it."""
    if value is None:
        return "n:"
    return "s:" + value.translate(_ENCODING)


def decode_built(stored: object) -> str | None:
    """An as-built value from the sheet; ValueError when it is not one evepub wrote."""
    if not isinstance(stored, str) or stored[:2] not in ("s:", "n:"):
        raise ValueError(f"not an as-built value: {stored!r}")
    if stored == "n:":
        return None
    return urllib.parse.unquote(stored[2:], errors="strict")


def row_digest(texts: dict[str, str]) -> str:
    """A short digest of a row's source columns as a spreadsheet may save them (line ends as LF, edges trimmed)."""
    columns = [texts.get(key, "").replace("\r\n", "\n").strip() for key in SOURCE_KEYS]
    return hashlib.sha256(("\0".join(columns) + "\0").encode("utf-8", "surrogatepass")).hexdigest()[:24]


def row_texts(located: Located, roadmap: Roadmap) -> dict[str, str]:
    """The text columns of one item row, keyed by column key."""
    item = located.item
    return {
        "id": item.id,
        "release": located.release.name,
        "period": located.release.period or "",
        "area": located.area.title if located.area else "",
        "parent": located.parent.id if located.parent else "",
        "kind": item.kind.value,
        "list": located.style.label(located.number) if located.style else "",
        "item": item.text,
        "status": status_of(located, roadmap),
        "owner": item.owner or "",
        "notes": item.notes or "",
        "links": "\n".join(item.links),
    }


def shown_values(located: Located, roadmap: Roadmap) -> dict[str, str | None]:
    """The tracked values an item's row shows, as text: the status the tracker shows, dates as YYYY-MM-DD."""
    item = located.item
    return {
        "status": status_of(located, roadmap) or None,
        "owner": item.owner,
        "target": item.target.isoformat() if item.target else None,
        "notes": item.notes,
    }


def tracker_file_name(release_name: str, taken: set[str]) -> str:
    """A file name safe on every file system for a release's tracker, unique among `taken` (ignoring case)."""
    stem = re.sub(r"[^\w.-]+", "-", release_name).strip("-.")[:80].strip("-.") or "release"
    if stem.lower() in WINDOWS_RESERVED:
        stem += "-release"
    candidate, counter = stem, 1
    while candidate.lower() in taken:
        counter += 1
        candidate = f"{stem}-{counter}"
    taken.add(candidate.lower())
    return f"{candidate}.xlsx"
