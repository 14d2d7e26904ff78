"""The TrueType faces ReportLab draws with, in the PDF and in the Word edition's timeline picture.

Lookup order for the three faces (regular, bold, italic):
1. the folder named by the environment variable EVEPUB_FONT_DIR (documented override; it must hold
   DejaVuSans.ttf, DejaVuSans-Bold.ttf and DejaVuSans-Oblique.ttf, and may hold
   further .ttf/.ttc files used as fallbacks for characters DejaVu lacks);
2. fontconfig (one `fc-list 'DejaVu Sans'`), taking the file whose first family and first style are exactly the
   face's (the first in path order when several are installed);
3. the Debian path /usr/share/fonts/truetype/dejavu.

Characters the main face lacks (CJK, for instance) are set in a fallback face found through fontconfig
(`fc-list :charset=...`) or in EVEPUB_FONT_DIR. ReportLab reads only TrueType outlines, so CFF-based fonts
(Noto Sans CJK .otf/.ttc) are skipped; fonts-wqy-zenhei or fonts-droid-fallback work. A character that no
installed font covers is drawn as the main face's empty box (.notdef).

Each face is registered once per process under a name tied to its file. `load` parses a font file: the PDF
passes its cached parser (pdf/font_cache.py), the default parses the file with ReportLab.
"""

from __future__ import annotations

import copy
import hashlib
import os
import shutil
import subprocess
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFError, TTFont

from evepub.errors import EvepubError

FONT_DIR_VARIABLE = "EVEPUB_FONT_DIR"
DEBIAN_DEJAVU = Path("/usr/share/fonts/truetype/dejavu")
FAMILY = "DejaVu Sans"
# role -> (file name in a font folder, (fontconfig family, style))
FACES: dict[str, tuple[str, tuple[str, str]]] = {
    "regular": ("DejaVuSans.ttf", (FAMILY, "Book")),
    "bold": ("DejaVuSans-Bold.ttf", (FAMILY, "Bold")),
    "italic": ("DejaVuSans-Oblique.ttf", (FAMILY, "Oblique")),
}
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


def drawable(char: str) -> bool:
    """True for a character that is printed as a glyph (not white space or a control character)."""
    return not char.isspace() and unicodedata.category(char) not in {"Cc", "Cs", "Zl", "Zp"}


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


def find_faces() -> dict[str, Path]:
    """The font file of every role, from the override folder, fontconfig or the Debian path."""
    return faces_found(os.environ.get(FONT_DIR_VARIABLE) or None)


@cache
def faces_found(override: str | None) -> dict[str, Path]:
    """find_faces for one value of the override, looked up once per process."""
    if override:
        return faces_in_folder(Path(override), source=f"{FONT_DIR_VARIABLE}={override}")
    installed = fontconfig_faces(FAMILY)
    found = {role: installed.get(face) for role, (_, face) in FACES.items()}
    if all(found.values()):
        return {role: path for role, path in found.items() if path is not None}
    return faces_in_folder(DEBIAN_DEJAVU, source="fontconfig and the Debian path")


def faces_in_folder(folder: Path, source: str) -> dict[str, Path]:
    """The DejaVu files of one folder; a clear error naming the override when any is missing."""
    paths = {role: folder / name for role, (name, _) in FACES.items()}
    missing = [path.name for path in paths.values() if not path.is_file()]
    if missing:
        raise EvepubError(
            f"no usable DejaVu fonts ({', '.join(missing)} not found via {source}); install fonts-dejavu-core "
            f"or set {FONT_DIR_VARIABLE} to a folder holding {', '.join(name for name, _ in FACES.values())}"
        )
    return paths


def fontconfig_faces(family: str) -> dict[tuple[str, str], Path]:
    """TrueType files fontconfig lists for a family, by (first family, first style), the first in path order."""
    if shutil.which("fc-list") is None:
        return {}
    answer = run_fontconfig(["fc-list", "-f", "%{family}|%{style}|%{file}\n", family])
    found: dict[tuple[str, str], Path] = {}
    for line in sorted(answer.splitlines(), key=lambda line: line.rpartition("|")[2]):
        names, style, file = line.split("|", 2) if line.count("|") >= 2 else ("", "", "")
        face = (names.split(",")[0], style.split(",")[0])
        if face[0] == family and file.lower().endswith((".ttf", ".ttc")):
            found.setdefault(face, Path(file))
    return found


def run_fontconfig(command: list[str]) -> str:
    """The output of one fontconfig command, empty when it fails."""
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=20, check=False)
    except (OSError, subprocess.SubprocessError):
        return ""
    return done.stdout.strip() if done.returncode == 0 else ""


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


def fallback_candidates(char: str) -> list[tuple[Path, int]]:
    """Fonts that claim `char`: extra files of the override folder first, then fontconfig's, in a stable order."""
    candidates: list[tuple[Path, int]] = []
    override = os.environ.get(FONT_DIR_VARIABLE)
    if override:
        main_names = {name for name, _ in FACES.values()}
        for path in sorted(Path(override).glob("*.tt[fc]")):
            if path.name not in main_names:
                candidates.append((path, 0))
    candidates.extend(fontconfig_coverage(ord(char)))
    return candidates


@cache
def fontconfig_coverage(code: int) -> tuple[tuple[Path, int], ...]:
    """TrueType files (and face index) that fontconfig says cover one code point, sorted by path."""
    if shutil.which("fc-list") is None:
        return ()
    answer = run_fontconfig(["fc-list", "-f", "%{file}|%{index}\n", f":charset={code:x}"])
    found = set()
    for line in answer.splitlines():
        file, _, index = line.partition("|")
        if file.lower().endswith((".ttf", ".ttc")):
            found.add((Path(file), int(index or 0)))
    return tuple(sorted(found))


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
