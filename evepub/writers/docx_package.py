"""Deterministic packing of .docx zip files: fixed entry order, fixed times, fixed attributes."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Iterable

FIRST_ENTRIES = ("[Content_Types].xml", "_rels/.rels")  # where Office and most readers look first
ZIP_EPOCH = dt.datetime(1980, 1, 1)  # the zip format cannot store earlier times
ZIP_END = dt.datetime(2107, 12, 31, 23, 59, 58)  # nor later ones


def zip_time(timestamp: dt.datetime) -> tuple[int, int, int, int, int, int]:
    """The zip entry time for a timestamp: its UTC wall clock, clamped to what zip can store."""
    if timestamp.tzinfo is not None:
        timestamp = timestamp.astimezone(dt.UTC).replace(tzinfo=None)
    clamped = min(max(timestamp, ZIP_EPOCH), ZIP_END)
    return (clamped.year, clamped.month, clamped.day, clamped.hour, clamped.minute, clamped.second)


def ordered(names: Iterable[str]) -> list[str]:
    """Entry names in the fixed order: content types, package relationships, then by name."""
    names = list(names)
    first = [name for name in FIRST_ENTRIES if name in names]
    return first + sorted(name for name in names if name not in FIRST_ENTRIES)


def pack(entries: dict[str, bytes], timestamp: dt.datetime) -> bytes:
    """A zip holding the entries, byte-identical for the same entries and timestamp."""
    when = zip_time(timestamp)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in ordered(entries):
            info = zipfile.ZipInfo(name, date_time=when)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 0
            info.external_attr = 0
            archive.writestr(info, entries[name], compress_type=zipfile.ZIP_DEFLATED, compresslevel=6)
    return buffer.getvalue()


def repack(package: bytes, timestamp: dt.datetime) -> bytes:
    """Re-pack a zip (as saved by python-docx with the current time) deterministically."""
    with zipfile.ZipFile(io.BytesIO(package)) as archive:
        entries = {info.filename: archive.read(info) for info in archive.infolist()}
    return pack(entries, timestamp)
