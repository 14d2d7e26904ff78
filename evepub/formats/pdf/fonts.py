"""Fonts of the PDF edition: the faces of evepub/formats/fonts.py, embedded as subsets that extract correctly.

Finding DejaVu (or the EVEPUB_FONT_DIR override) and a fallback face for every character it lacks is shared with
the Word edition's timeline picture (evepub/formats/fonts.py); here the faces are parsed through the font cache
(font_cache.py), and ReportLab's embedding is mended: each font's subsets get tags of their own, and
characters beyond U+FFFF keep their Unicode mapping. A character that no installed font covers is printed as the
main face's empty box (.notdef) but keeps its Unicode mapping, so the text is still extracted and searched
correctly.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from reportlab.pdfbase import ttfonts
from reportlab.pdfbase.ttfonts import TTFont

from evepub.formats import fonts as shared
from evepub.formats.font_cache import load_ttfont
from evepub.formats.font_files import FACES, FONT_DIR_VARIABLE, find_faces, fontconfig_coverage
from evepub.formats.pdf.markup import escape

__all__ = [
    "FACES",
    "FONT_DIR_VARIABLE",
    "FontSet",
    "find_faces",
    "fontconfig_coverage",
    "keep_spaces",
    "load_fonts",
    "register_main_faces",
]


def subset_tag(font_name: str, number: int, subset: list[int]) -> bytes:
    """A subset's six-letter tag (the XXXXXX of XXXXXX+DejaVuSans), from the font's name, the subset's number and
    its characters: distinct per font and subset, as PDF readers expect, and the same on every build."""
    digest = hashlib.sha256(f"{font_name}/{number}/{subset}".encode()).digest()
    return bytes(ord("A") + byte % 26 for byte in digest[:6])


def tag_subsets_per_font(add_objects: Callable[..., None]) -> Callable[..., None]:
    """Wrap TTFont.addObjects so each font's subsets get tags of their own; ReportLab numbers every font's
    subsets from AAAAAA+, so all of a document's fonts shared one tag."""

    def add(font: TTFont, doc: object) -> None:
        numbering = ttfonts.SUBSETN
        subsets = font.state[doc].subsets if doc in font.state else []
        ttfonts.SUBSETN = lambda number, *args: subset_tag(font.fontName, number, subsets[number])
        try:
            add_objects(font, doc)
        finally:
            ttfonts.SUBSETN = numbering

    add.evepub_tagged = True  # type: ignore[attr-defined]
    return add


if not getattr(TTFont.addObjects, "evepub_tagged", False):
    TTFont.addObjects = tag_subsets_per_font(TTFont.addObjects)  # type: ignore[method-assign]


class FontSet(shared.FontSet):
    """The faces of one PDF build, and the paragraph markup that sets text in them."""

    def markup(self, text: str) -> str:
        """Paragraph markup for source text: escaped, spaces kept, fallback runs in their own face."""
        if not self.fallback:
            return escape(keep_spaces(text))
        parts = []
        for face, run in self.runs(keep_spaces(text)):
            body = escape(run)
            parts.append(body if face is None else f'<font name="{face}">{body}</font>')
        return "".join(parts)


def keep_spaces(text: str) -> str:
    """Make runs of spaces survive Paragraph's whitespace folding (no-break spaces extract as spaces)."""
    if "  " not in text:
        return text
    while "  " in text:
        text = text.replace("  ", " \u00a0")
    return text


def surrogate_safe(make_cmap: Callable[[str, list[int]], str]) -> Callable[[str, list[int]], str]:
    """Wrap ReportLab's ToUnicode CMap maker to write characters beyond U+FFFF as UTF-16 surrogate pairs."""

    def make(fontname: str, subset: list[int]) -> str:
        lines = make_cmap(fontname, subset).split("\n")
        for index, line in enumerate(lines):
            code, _, target = line.partition(" ")
            if code.startswith("<") and target.startswith("<") and len(target) > 6:
                utf16 = chr(int(target[1:-1], 16)).encode("utf-16-be").hex().upper()
                lines[index] = f"{code} <{utf16}>"
        return "\n".join(lines)

    make.evepub_surrogate_safe = True  # type: ignore[attr-defined]
    return make


# ReportLab writes "<1F600>" for characters beyond the BMP, which every reader rejects, losing them on extraction
if not getattr(ttfonts.makeToUnicodeCMap, "evepub_surrogate_safe", False):
    ttfonts.makeToUnicodeCMap = surrogate_safe(ttfonts.makeToUnicodeCMap)


def load_fonts(texts: list[str]) -> FontSet:
    """Register the main faces (parsed through the font cache) and a fallback for every character of `texts`."""
    return FontSet(**vars(shared.load_fonts(texts, load_ttfont)))


def register_main_faces() -> dict[str, str]:
    """Register the regular, bold and italic faces (once per process); their registered names by role."""
    return shared.register_main_faces(load_ttfont)
