"""Parsed TrueType metrics kept between builds: ReportLab parses a whole font file each time it registers one.

Parsing DejaVu's three faces (their glyph tables and widths) costs a PDF build (and the Word edition's timeline
picture, when it is drawn) about 35 ms. What the
parse yields depends only on the file, so it is kept in evepub's cache (evepub/cache.py) as marshal data:
one entry per font file, named by the file's path, size, modification time and face index and by the
ReportLab version. A missing, unreadable or unexpected entry just means parsing the file again, and the
PDF is byte-identical either way (tests/test_build.py builds with a cold cache, a warm one and none).
"""

from __future__ import annotations

import hashlib
import marshal
from pathlib import Path
from typing import Any

import reportlab
from reportlab.pdfbase import ttfonts
from reportlab.pdfbase.ttfonts import TTFNameBytes, TTFont, TTFontFace

from evepub.cache import cache_folder, keep_entry

ENTRY_FORMAT = 1  # raise when what an entry holds changes
REREAD = ("_ttf_data", "_pdfScale")  # the file's bytes are read again; the scale is a function, made again


def load_ttfont(name: str, path: Path, index: int = 0) -> TTFont:
    """A TrueType font registered under `name`: from the cache when this file was parsed before, else parsed."""
    folder = cache_folder("fonts")
    entry = None if folder is None else folder / f"{entry_name(path, index)}.marshal"
    if entry is not None:
        font = restored(name, path, entry)
        if font is not None:
            return font
    font = TTFont(name, str(path), subfontIndex=index)
    if entry is not None:
        store(font.face, entry)
    return font


def entry_name(path: Path, index: int) -> str:
    """The name of a font file's entry: it changes with the file, the face index and ReportLab."""
    status = path.stat()
    identity = f"{ENTRY_FORMAT}|{reportlab.Version}|{path.resolve()}|{status.st_size}|{status.st_mtime_ns}|{index}"
    return hashlib.sha256(identity.encode()).hexdigest()[:32]


def store(face: TTFontFace, entry: Path) -> None:
    """Keep a parsed face's tables; a face that holds anything but plain data is not kept."""
    names = {key: value.ustr for key, value in vars(face).items() if isinstance(value, TTFNameBytes)}
    plain = {key: value for key, value in vars(face).items() if key not in names and key not in REREAD}
    try:
        data = marshal.dumps({"names": names, "plain": plain, "size": len(face._ttf_data)})
    except ValueError:  # a new ReportLab keeps an object that marshal cannot hold: parse every time
        return
    keep_entry(entry, data)


def restored(name: str, path: Path, entry: Path) -> TTFont | None:
    """The font rebuilt from its cache entry, or None when there is no usable entry."""
    try:
        saved = marshal.loads(entry.read_bytes())
        data = path.read_bytes()
        if not isinstance(saved, dict) or saved.get("size") != len(data):
            return None
        face = TTFontFace.__new__(TTFontFace)
        face.__dict__.update(saved["plain"])
        face.__dict__.update({key: TTFNameBytes(text.encode("utf-8")) for key, text in saved["names"].items()})
        face._ttf_data, face._pdfScale = data, pdf_scale(face.unitsPerEm)
    except (OSError, EOFError, ValueError, TypeError, KeyError, AttributeError, ZeroDivisionError):
        return None
    return font_with_face(name, face)


def pdf_scale(units_per_em: int) -> Any:
    """Font units to the thousandths of an em that PDF widths use, as ReportLab's parser makes it."""
    if units_per_em == 1000:
        return lambda x: x
    factor = 1000 / units_per_em
    return lambda x: x * factor


def font_with_face(name: str, face: TTFontFace) -> TTFont:
    """A TTFont made by ReportLab's own constructor, around a face that is already parsed."""
    # TTFont() makes its face by calling the module's TTFontFace; for this one call, that hands over ours
    constructor = ttfonts.TTFontFace
    ttfonts.TTFontFace = lambda *args, **kwargs: face  # type: ignore[assignment,misc]
    try:
        return TTFont(name, face.filename)
    finally:
        ttfonts.TTFontFace = constructor  # type: ignore[misc]
