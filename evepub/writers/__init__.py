"""The table of writers: one module per output format, imported only when that format is built."""

from __future__ import annotations

import datetime as dt
import importlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from evepub.model import Roadmap
from evepub.templating import Templates

if TYPE_CHECKING:
    from evepub.diff import ChangeSet

WRITERS: dict[str, str] = {
    "md": "evepub.writers.markdown",
    "docx": "evepub.writers.docx",
    "pdf": "evepub.writers.pdf",
    "xlsx": "evepub.writers.xlsx",
}


@dataclass(frozen=True)
class BuildSettings:
    """Everything a writer needs besides the roadmap."""

    templates: Templates = field(default_factory=Templates)
    timestamp: dt.datetime = dt.datetime(1980, 1, 1, tzinfo=dt.UTC)  # metadata and zip entry times
    edition: dt.date = dt.date(1980, 1, 1)  # the date printed on the cover
    page_size: str = "A4"  # or "Letter"
    changes: ChangeSet | None = None  # build --changes-since: what changed since an older source


class WriterModule(Protocol):
    """What every module listed in WRITERS provides."""

    def write(self, roadmap: Roadmap, settings: BuildSettings) -> dict[str, bytes]:
        """Render the roadmap; the keys are paths relative to the output folder."""
        ...


def writer(name: str) -> WriterModule:
    """The writer module of one format, imported on first use."""
    return importlib.import_module(WRITERS[name])  # type: ignore[return-value]


def prepare_writer(name: str, templates: Templates) -> None:
    """Do what a format needs before there is a roadmap: its imports, wording.j2, the writer's own `prepare`."""
    module = writer(name)
    templates.wording()
    prepare = getattr(module, "prepare", None)
    if prepare is not None:
        prepare(templates)
