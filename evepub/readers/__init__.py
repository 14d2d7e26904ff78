"""The table of readers: one module per published format, for reading outputs back."""

from __future__ import annotations

import importlib
import re
from pathlib import Path
from typing import Protocol

from evepub.model import ListStyle, ReadBack

READERS: dict[str, str] = {
    "md": "evepub.readers.markdown",
    "docx": "evepub.readers.docx",
    "pdf": "evepub.readers.pdf",
    "xlsx": "evepub.readers.xlsx",
}
MARKER_RE = re.compile(r"(?P<mark>\d+|[a-z]+|[A-Z]+)[.)]")


class ReaderModule(Protocol):
    """What every module listed in READERS provides."""

    def read(self, path: Path) -> ReadBack:
        """Read a published file back into flat entries, naming what the format cannot give back."""
        ...


def reader(name: str) -> ReaderModule:
    """The reader module of one format, imported on first use."""
    return importlib.import_module(READERS[name])  # type: ignore[return-value]


def alpha_number(letters: str) -> int:
    """The ordinal spreadsheet-style letters stand for: a -> 1, z -> 26, aa -> 27 (the inverse of alpha_label)."""
    number = 0
    for letter in letters.lower():
        number = number * 26 + ord(letter) - ord("a") + 1
    return number


def read_marker(label: str) -> tuple[ListStyle, int]:
    """The list style and number a visible marker shows: '3.' decimal 3, 'c.' lower-alpha 3, else a bullet (0)."""
    match = MARKER_RE.fullmatch(label.strip())
    if not match:
        return ListStyle.BULLET, 0
    mark = match.group("mark")
    if mark.isdigit():
        return ListStyle.DECIMAL, int(mark)
    return (ListStyle.LOWER_ALPHA if mark.islower() else ListStyle.UPPER_ALPHA), alpha_number(mark)
