"""Row heights for wrapped text: an estimate that LibreOffice shows as is and Excel refits on load."""

from __future__ import annotations

import math
import unicodedata

from openpyxl.worksheet.dimensions import RowDimension

LINE_HEIGHT = 15.0  # points per line of 11 pt Calibri, Excel's default row height
MAX_ROW_HEIGHT = 409.0  # Excel's largest row height in points
INDENT_WIDTH = 3  # character widths per alignment indent step


class FittedRow(RowDimension):
    """A row whose height is only an estimate: written without customHeight, so Excel fits it again."""

    @property
    def customHeight(self) -> bool:  # type: ignore[override]
        """Never a custom height: spreadsheet programs may refit the row to its text."""
        return False


def char_width(char: str) -> int:
    """Column width units one character takes: two for East Asian wide characters."""
    return 2 if char >= "\u1100" and unicodedata.east_asian_width(char) in "WF" else 1


def text_width(text: str) -> int:
    """The width of a text in character units."""
    if text.isascii():
        return len(text)
    return sum(char_width(char) for char in text)


def wrapped_lines(text: str, width: float, indent: int = 0) -> int:
    """How many lines a wrapped cell of this column width shows, wrapping at spaces like Excel."""
    room = max(int(width) - INDENT_WIDTH * indent, 4)
    if len(text) <= room // 2 and "\n" not in text:
        return 1  # even all-wide characters fit on one line
    lines = 0
    for paragraph in text.split("\n"):
        if text_width(paragraph) <= room:
            lines += 1
            continue
        lines += _paragraph_lines(paragraph, room)
    return max(lines, 1)


def _paragraph_lines(paragraph: str, room: int) -> int:
    lines, used = 1, 0
    for word in paragraph.split(" "):
        size = text_width(word)
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
