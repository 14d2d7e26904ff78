"""Row heights for wrapped text: an estimate that LibreOffice shows as is and Excel refits on load."""

from __future__ import annotations

import math
import unicodedata

LINE_HEIGHT = 15.0  # points per line of 11 pt Calibri, Excel's default row height
MAX_ROW_HEIGHT = 409.0  # Excel's largest row height in points
INDENT_WIDTH = 3  # character widths per alignment indent step


def char_width(char: str) -> int:
    """Column width units one character takes: two for East Asian wide characters."""
    return 2 if char >= "\u1100" and unicodedata.east_asian_width(char) in "WF" else 1


def narrow(text: str) -> bool:
    """Whether every character of a text is one unit wide: none reaches the East Asian blocks."""
    return text.isascii() or max(text) < "\u1100"


def text_width(text: str) -> int:
    """The width of a text in character units."""
    if narrow(text):
        return len(text)
    return sum(char_width(char) for char in text)


def wrapped_lines(text: str, width: float, indent: int = 0) -> int:
    """How many lines a wrapped cell of this column width shows, wrapping at spaces like Excel."""
    room = max(int(width) - INDENT_WIDTH * indent, 4)
    if "\n" not in text and (len(text) <= room // 2 or (len(text) <= room and narrow(text))):
        return 1  # even all-wide characters fit on one line, or every character is one unit wide
    lines = 0
    for paragraph in text.split("\n"):
        if text_width(paragraph) <= room:
            lines += 1
            continue
        lines += _paragraph_lines(paragraph, room)
    return max(lines, 1)


def _paragraph_lines(paragraph: str, room: int) -> int:
    lines, used = 1, 0
    words = paragraph.split(" ")
    for size in map(len, words) if narrow(paragraph) else map(text_width, words):
        if used and used + 1 + size <= room:
            used += 1 + size
            continue
        if used:
            lines += 1
        lines += max(math.ceil(size / room), 1) - 1  # a word longer than the line breaks anywhere
        used = size - (math.ceil(size / room) - 1) * room if size else 0
    return lines


def row_height(lines: int) -> float | None:
    """The height in points for so many lines, None for a single line (the default height)."""
    if lines <= 1:
        return None
    return min(lines * LINE_HEIGHT, MAX_ROW_HEIGHT)
