"""Where the TrueType faces are; nothing here loads ReportLab.

Lookup order for the three faces (regular, bold, italic):
1. the folder named by the environment variable EVEPUB_FONT_DIR (documented override; it must hold
   DejaVuSans.ttf, DejaVuSans-Bold.ttf and DejaVuSans-Oblique.ttf, and may hold
   further .ttf/.ttc files used as fallbacks for characters DejaVu lacks);
2. fontconfig (one `fc-list 'DejaVu Sans'`), taking the file whose first family and first style are exactly the
   face's (the first in path order when several are installed);
3. the Debian path /usr/share/fonts/truetype/dejavu.

The Word edition checks its cached timeline picture against these files (docx/picture_cache.py) without
importing ReportLab; evepub/formats/fonts.py registers the same files with ReportLab.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import unicodedata
from functools import cache
from pathlib import Path

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


def drawable(char: str) -> bool:
    """True for a character that is printed as a glyph (not white space or a control character)."""
    return not char.isspace() and unicodedata.category(char) not in {"Cc", "Cs", "Zl", "Zp"}


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
