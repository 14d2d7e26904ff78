"""The TrueType faces ReportLab draws with, in the PDF and in the Word edition's timeline picture.

Where the files are (the EVEPUB_FONT_DIR override, fontconfig, the Debian path) is font_files.py's business.
Characters the main face lacks (CJK, for instance) are set in a fallback face found through fontconfig
(`fc-list :charset=...`) or in EVEPUB_FONT_DIR. ReportLab reads only TrueType outlines, so CFF-based fonts
(Noto Sans CJK .otf/.ttc) are skipped; fonts-wqy-zenhei or fonts-droid-fallback work. A character that no
installed font covers is drawn as the main face's empty box (.notdef).

Each face is registered once per process under a name tied to its file. `load` parses a font file: the PDF and
the Word picture pass the cached parser (font_cache.py), the default parses the file with ReportLab.
"""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFError, TTFont

from evepub.errors import EvepubError
from evepub.formats.font_files import FACES, FONT_DIR_VARIABLE, drawable, fallback_candidates, find_faces

__all__ = ["FACES", "FONT_DIR_VARIABLE", "FontSet", "find_faces", "load_fonts", "register_main_faces"]

TOFU_ROLE = "tofu"

FontLoader = Callable[[str, Path, int], TTFont]  # (registered name, file, face index) -> the parsed font


def parse_font(name: str, path: Path, index: int = 0) -> TTFont:
    """A TrueType font parsed by ReportLab, under `name`."""
    return TTFont(name, str(path), subfontIndex=index)


@dataclass
class FontSet:
    """The registered faces of one build and the fallback face of every character the main face lacks."""

    regular: str
    bold: str
    italic: str
    fallback: dict[str, str] = field(default_factory=dict)  # character -> registered fallback face
    uncovered: set[str] = field(default_factory=set)  # characters no installed font has

    def runs(self, text: str) -> list[tuple[str | None, str]]:
        """Split text into runs, each with its fallback face or None for the main face."""
        pieces: list[tuple[str | None, str]] = []
        for char in text:
            face = self.fallback.get(char)
            if pieces and pieces[-1][0] == face:
                pieces[-1] = (face, pieces[-1][1] + char)
            else:
                pieces.append((face, char))
        return pieces


def load_fonts(texts: list[str], load: FontLoader = parse_font) -> FontSet:
    """Register the main faces and a fallback for every character of `texts` the regular face lacks."""
    paths = find_faces()
    fonts = FontSet(**register_main_faces(load))
    regular = pdfmetrics.getFont(fonts.regular)
    wanted = set().union(*texts) if texts else set()
    missing = sorted(char for char in wanted if ord(char) not in regular.face.charToGlyph and drawable(char))
    for char in missing:
        face = fallback_face(char, sorted(set(fonts.fallback.values())), load)
        if face is None:
            fonts.uncovered.add(char)
            fonts.fallback[char] = tofu_face(paths["regular"], char)
        else:
            fonts.fallback[char] = face
    return fonts


def register_main_faces(load: FontLoader = parse_font) -> dict[str, str]:
    """Register the regular, bold and italic faces (once per process); their registered names by role."""
    return {role: register(role, path, load=load) for role, path in find_faces().items()}


def register(role: str, path: Path, index: int = 0, load: FontLoader = parse_font) -> str:
    """Register one TrueType face under a name tied to its file, once per process; return the name."""
    digest = hashlib.sha1(f"{path.resolve()}#{index}".encode()).hexdigest()[:10]
    name = f"evepub-{role}-{digest}"
    if name not in pdfmetrics.getRegisteredFontNames():
        try:
            pdfmetrics.registerFont(load(name, path, index))
        except (TTFError, OSError) as error:
            raise EvepubError(f"cannot use font {path}: {error}; set {FONT_DIR_VARIABLE} to another folder") from error
    return name


def fallback_face(char: str, used: list[str], load: FontLoader = parse_font) -> str | None:
    """A registered face that has a glyph for `char` (faces already in use first), or None when none has."""
    for name in used:
        if f"-{TOFU_ROLE}-" not in name and ord(char) in pdfmetrics.getFont(name).face.charToGlyph:
            return name
    for path, index in fallback_candidates(char):
        name = loadable_face(path, index, load)
        if name and ord(char) in pdfmetrics.getFont(name).face.charToGlyph:
            return name
    return None


@cache
def loadable_face(path: Path, index: int, load: FontLoader = parse_font) -> str | None:
    """Register a fallback face; None when ReportLab cannot read it (CFF outlines, broken file)."""
    try:
        return register("fallback", path, index, load)
    except EvepubError:
        return None


def tofu_face(regular: Path, char: str) -> str:
    """A copy of the regular face that maps `char` to its .notdef box, so the character still extracts."""
    digest = hashlib.sha1(str(regular.resolve()).encode()).hexdigest()[:10]
    name = f"evepub-{TOFU_ROLE}-{digest}"
    if name not in pdfmetrics.getRegisteredFontNames():
        font = TTFont(name, str(regular))
        # ReportLab shares one face per file and aliases fonts by face name: copy and rename before changing it
        font.face = copy.copy(font.face)
        font.face.charToGlyph = dict(font.face.charToGlyph)
        font.face.name = (
            font.face.name + b"-Fallback" if isinstance(font.face.name, bytes) else f"{font.face.name}-Fallback"
        )
        pdfmetrics.registerFont(font)
    pdfmetrics.getFont(name).face.charToGlyph.setdefault(ord(char), 0)
    return name
