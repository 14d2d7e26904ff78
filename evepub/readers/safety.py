"""Limits for reading files from other hands: zip bombs and oversized packages are refused before parsing."""

from __future__ import annotations

import zipfile
from pathlib import Path

from evepub.errors import EvepubError

MAX_ENTRIES = 10_000
MAX_ENTRY_BYTES = 256 * 1024 * 1024  # one uncompressed part
MAX_TOTAL_BYTES = 1024 * 1024 * 1024  # all parts together
MAX_RATIO = 250  # uncompressed / compressed, for parts larger than SMALL_PART
SMALL_PART = 1024 * 1024
MAX_ROWS = 1_048_576  # Excel's own limit; readers stop at the first run of EMPTY_ROWS_TO_STOP empty rows
EMPTY_ROWS_TO_STOP = 1000


def check_package(path: Path) -> None:
    """Refuse a .docx or .xlsx whose declared sizes or compression ratios are those of a zip bomb."""
    try:
        with zipfile.ZipFile(path) as package:
            infos = package.infolist()
    except (zipfile.BadZipFile, OSError) as error:
        raise EvepubError(f"{path}: not a readable Office file ({error})") from None
    if len(infos) > MAX_ENTRIES:
        raise EvepubError(f"{path}: {len(infos)} parts; an Office file from evepub has far fewer")
    total = 0
    for info in infos:
        total += info.file_size
        if info.file_size > MAX_ENTRY_BYTES:
            raise EvepubError(f"{path}: part {info.filename} would unpack to {info.file_size:,} bytes; refused")
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > SMALL_PART and ratio > MAX_RATIO:
            raise EvepubError(f"{path}: part {info.filename} is compressed {ratio:.0f} to 1, like a zip bomb; refused")
    if total > MAX_TOTAL_BYTES:
        raise EvepubError(f"{path}: would unpack to {total:,} bytes; refused")
