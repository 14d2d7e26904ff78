"""Row heights for wrapped text, laid out as LibreOffice lays out the tracker's font, Calibri 11 (Carlito's metrics).

LibreOffice shows a row at the height the file gives it, so that height should be the one it computes itself with
"optimal row height"; Excel refits rows without customHeight when it opens the file. The constants below are
LibreOffice's own (7.4, measured headless through UNO with Carlito installed): it lays text out on a pixel grid,
each character's advance rounded to whole pixels at 15 pixels per em, and breaks lines as its break iterator does.
The widths come from calibri.py, a table of the font's advance widths: no font file is read at build time.
"""

from __future__ import annotations

import math
import re
import unicodedata
from functools import cache

from evepub.formats.xlsx.calibri import ADVANCE_RUNS, UNITS_PER_EM

PIXELS_PER_EM = 15  # 11 pt at 96 dpi, rounded to whole pixels, as LibreOffice sizes the font for layout
TWIPS_PER_PIXEL = 15.461  # a horizontal layout pixel: 96 dpi scaled by LibreOffice's printer-to-screen factor
DIGIT_TWIPS = 111  # one column width unit: the advance of "0" at 11 pt (111.5 twips), as LibreOffice takes it
MARGIN_PIXELS = 4  # a cell's left and right margins, and the grid line
INDENT_TWIPS = 150  # one alignment indent step: three spaces of the font
LINE_TWIPS, ROW_PADDING_TWIPS = 224, 29  # a row of wrapped text: 224 twips a line, and 29 more
MAX_ROW_HEIGHT = 409.0  # Excel's largest row height in points
WIDE_EM, OTHER_EM = 1.0, 0.6  # characters the font lacks: East Asian wide ones, and others (a fallback font's)
# LibreOffice breaks a line after spaces, hyphens, dashes, "?", "!", "|", "\" and before or after an ideograph
BREAK_RE = re.compile(
    r"(?<=[ \-?!|\\\u00ad\u200b\u2010\u2013\u2014\u2026])(?! )"
    r"|(?<=[\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef])(?! )"
    r"|(?=[\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef])(?<! )"
)

ASCII_BREAK_RE = re.compile(r"(?<=[ \-?!|\\])(?! )")  # BREAK_RE for ASCII text: the same breaks, found faster


def _pixel_table() -> dict[str, int]:
    """Each character of the table and its advance in layout pixels."""
    scale = PIXELS_PER_EM / UNITS_PER_EM
    return {
        chr(first + offset): round(width * scale)
        for first, widths in ADVANCE_RUNS
        for offset, width in enumerate(widths)
    }


PIXELS = _pixel_table()
SPACE_PIXELS = PIXELS[" "]
_pieces: dict[str, tuple[int, int]] = {}  # the pieces measured so far (words recur from item to item)


@cache
def char_pixels(char: str) -> int:
    """The advance of one character in layout pixels; one the font lacks is drawn from a fallback font."""
    known = PIXELS.get(char)
    if known is not None:
        return known
    if unicodedata.combining(char) or unicodedata.category(char) in ("Mn", "Me", "Cf"):
        return 0
    wide = unicodedata.east_asian_width(char) in "WF"
    return round((WIDE_EM if wide else OTHER_EM) * PIXELS_PER_EM)


def text_pixels(text: str) -> int:
    """The width of a text on one line, in layout pixels."""
    try:
        return sum(map(PIXELS.__getitem__, text))
    except KeyError:
        return sum(map(char_pixels, text))


def room(width: float, indent: int = 0) -> int:
    """The layout pixels a line of a wrapped cell has in a column of this width (character units)."""
    column = math.floor(round(width * DIGIT_TWIPS) / TWIPS_PER_PIXEL)
    return max(column - math.floor(indent * INDENT_TWIPS / TWIPS_PER_PIXEL) - MARGIN_PIXELS, 1)


def wrapped_lines(text: str, width: float, indent: int = 0) -> int:
    """How many lines a wrapped cell of this column width shows, broken as LibreOffice breaks them."""
    space = room(width, indent)
    lines = 0
    for paragraph in text.split("\n"):
        lines += 1 if text_pixels(paragraph) <= space else _paragraph_lines(paragraph, space)
    return max(lines, 1)


def _paragraph_lines(paragraph: str, space: int) -> int:
    """The lines of one paragraph too wide for one: greedy, spaces hanging past the line end."""
    lines, used = 1, 0
    for piece in (ASCII_BREAK_RE if paragraph.isascii() else BREAK_RE).split(paragraph):
        measured = _pieces.get(piece)
        if measured is None:
            measured = _pieces[piece] = _piece_pixels(piece)
        size, body = measured
        if used + body <= space:
            used += size
            continue
        if used:
            lines += 1
        if body <= space:
            used = size
            continue
        extra, used = _broken_word(piece, space)  # a word longer than a line breaks between characters
        lines += extra
    return lines


def _piece_pixels(piece: str) -> tuple[int, int]:
    """A piece's width, and its width without the spaces at its end (which hang past a line's end)."""
    size = text_pixels(piece)
    return size, size - (len(piece) - len(piece.rstrip(" "))) * SPACE_PIXELS


def _broken_word(word: str, space: int) -> tuple[int, int]:
    """A word wider than a line, from a line start: the lines it adds after its first, and its last line's width."""
    extra, used = 0, 0
    for char in word:
        size = char_pixels(char)
        if used and used + size > space and char != " ":
            extra, used = extra + 1, 0
        used += size
    return extra, used


def text_width(text: str) -> int:
    """The width of a text in column width units (characters: two for East Asian wide ones)."""
    if text.isascii():
        return len(text)
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def row_height(lines: int) -> float | None:
    """The height in points LibreOffice gives so many lines, None for a single line (the default height)."""
    if lines <= 1:
        return None
    return min((lines * LINE_TWIPS + ROW_PADDING_TWIPS) / 20, MAX_ROW_HEIGHT)
