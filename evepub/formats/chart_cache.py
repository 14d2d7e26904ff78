"""What the timeline's caches share (the Word edition's pictures, the PDF's SVG): an entry's name, a digest of
everything that draws it, and reading and writing entries in evepub's cache (evepub/cache.py).

Nothing in the cache is ever needed: an entry that is missing, unreadable or cannot be written only means drawing
the chart again, and every output is byte-identical either way. A chart that a fallback face drew is never kept:
fontconfig may find or lose a fallback face between builds, while the main faces' files are part of the name.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from pathlib import Path

from evepub.cache import cache_folder
from evepub.errors import EvepubError
from evepub.formats.font_files import FONT_DIR_VARIABLE, find_faces
from evepub.model import Release

FORMATS_FOLDER = Path(__file__).resolve().parent
CHART_CODE = ("timeline.py", "fonts.py", "font_files.py", "font_cache.py")  # what draws the chart in every format


def chart_key(inputs: Iterable[object], releases: list[Release], code: Iterable[str]) -> str | None:
    """The name of a chart's cache entry: a digest of its inputs (their repr), of what it prints of each release,
    of the font files and of the code that draws it (files under evepub/formats/); None without the fonts
    (drawing the chart reports them missing)."""
    try:
        faces = find_faces()
    except EvepubError:
        return None
    digest = hashlib.sha256()
    for part in inputs:
        digest.update(repr(part).encode() + b"\0")
    for release in releases:
        digest.update(repr((release.name, release.period, str(release.start), str(release.end))).encode() + b"\0")
    digest.update(os.environ.get(FONT_DIR_VARIABLE, "").encode() + b"\0")
    for path in faces.values():
        status = path.stat()
        digest.update(f"{path.resolve()}|{status.st_size}|{status.st_mtime_ns}\0".encode())
    for name in (*CHART_CODE, *code):
        digest.update(hashlib.sha256((FORMATS_FOLDER / name).read_bytes()).digest())
    return digest.hexdigest()[:32]


def entry_path(folder: str, key: str, suffix: str) -> Path | None:
    """Where the cache keeps the entry of one key in one of its folders; None when there is no cache."""
    found = cache_folder(folder)
    return None if found is None else found / f"{key}{suffix}"
