"""Where evepub keeps what it can always rebuild: compiled templates and parsed font metrics.

The folder is EVEPUB_CACHE_DIR when that is set (set it empty to keep no cache), else evepub/ in
$XDG_CACHE_HOME, else ~/.cache/evepub. Nothing in it is ever needed: a folder that cannot be made or
written is simply not used, and deleting it at any time only costs the next build the work again.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

CACHE_VARIABLE = "EVEPUB_CACHE_DIR"


def cache_root() -> Path | None:
    """The cache folder this process would use, or None when caching is turned off."""
    chosen = os.environ.get(CACHE_VARIABLE)
    if chosen is not None:
        return Path(chosen) if chosen.strip() else None
    base = os.environ.get("XDG_CACHE_HOME")
    if not base:
        try:
            base = str(Path.home() / ".cache")
        except (RuntimeError, KeyError):  # no HOME and no password entry to find one: keep no cache
            return None
    return Path(base) / "evepub"


def cache_folder(name: str) -> Path | None:
    """A folder of the cache, made private to this user if need be; None when there can be none."""
    root = cache_root()
    if root is None:
        return None
    folder = root / name
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        owner = folder.stat().st_uid
    except OSError:
        return None
    # compiled templates are code this process runs: never take them from a folder another user owns
    if hasattr(os, "getuid") and owner != os.getuid():
        return None
    return folder if os.access(folder, os.W_OK | os.X_OK) else None


def read_entry(entry: Path | None) -> bytes | None:
    """An entry's bytes; None when there is no such entry or it cannot be read."""
    if entry is None:
        return None
    try:
        return entry.read_bytes()
    except OSError:
        return None


def keep_entry(entry: Path | None, data: bytes) -> None:
    """Keep an entry whole or not at all (a reader never sees half of one); a cache that cannot be written is not
    used."""
    if entry is None:
        return
    temporary = None
    with contextlib.suppress(OSError):
        handle, temporary = tempfile.mkstemp(dir=entry.parent, suffix=".tmp")
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.replace(temporary, entry)
        temporary = None
    if temporary is not None:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
