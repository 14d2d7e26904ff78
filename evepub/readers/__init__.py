"""The table of readers: one module per published format, for reading outputs back."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Protocol

from evepub.model import ReadBack

READERS: dict[str, str] = {
    "md": "evepub.readers.markdown",
    "docx": "evepub.readers.docx",
    "pdf": "evepub.readers.pdf",
    "xlsx": "evepub.readers.xlsx",
}


class ReaderModule(Protocol):
    """What every module listed in READERS provides."""

    def read(self, path: Path) -> ReadBack:
        """Read a published file back into flat entries, naming what the format cannot give back."""
        ...


def reader(name: str) -> ReaderModule:
    """The reader module of one format, imported on first use."""
    return importlib.import_module(READERS[name])  # type: ignore[return-value]
