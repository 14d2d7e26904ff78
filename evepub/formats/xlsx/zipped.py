"""Tracker packages zipped as ooxml.pack zips them, the parts that trackers share deflated once a build.

The trackers of a build share many parts word for word (the theme, the package's relationships and content types,
the styles of most trackers): a Zipper keeps each such part deflated by its content, and ooxml.pack_streamed
writes the packages, the same bytes as ooxml.pack (tests/test_xlsx.py compares them).
"""

from __future__ import annotations

import datetime as dt

from evepub.formats.ooxml import ZIP_LIMIT, StreamedPart, pack, pack_streamed

ZIP64_SHARE = 1.05  # zipfile writes zip64 records once a part may deflate to more than ZIP_LIMIT / 1.05 bytes


class Zipper:
    """Zips the packages of one build, each part that repeats deflated once."""

    def __init__(self) -> None:
        self._deflated: dict[bytes, StreamedPart] = {}

    def pack(self, entries: dict[str, bytes], timestamp: dt.datetime, repeated: set[str]) -> bytes:
        """What ooxml.pack(entries, timestamp) gives; the parts named in repeated are deflated once per content."""
        if sum(map(len, entries.values())) * ZIP64_SHARE > ZIP_LIMIT:
            return pack(entries, timestamp)  # a package this large needs zip64, which zipfile writes
        parts = {name: self._part(data) if name in repeated else data for name, data in entries.items()}
        return pack_streamed(parts, timestamp)

    def _part(self, data: bytes) -> StreamedPart:
        found = self._deflated.get(data)
        if found is None:
            found = self._deflated[data] = StreamedPart.of(data)
        return found
