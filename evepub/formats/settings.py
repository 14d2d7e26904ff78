"""What a writer is given besides the roadmap, and what every format's writer and reader provide."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from evepub.formats import FORMATS, TIMELINE_PICTURE, built_files
from evepub.model import ReadBack, Roadmap
from evepub.templating import Templates

if TYPE_CHECKING:
    from evepub.diff import ChangeSet


@dataclass(frozen=True)
class BuildSettings:
    """Everything a writer needs besides the roadmap."""

    templates: Templates = field(default_factory=Templates)
    timestamp: dt.datetime = dt.datetime(1980, 1, 1, tzinfo=dt.UTC)  # metadata and zip entry times
    edition: dt.date = dt.date(1980, 1, 1)  # the date printed on the cover
    page_size: str = "A4"  # or "Letter"
    changes: ChangeSet | None = None  # build --changes-since: what changed since an older source
    formats: tuple[str, ...] = tuple(FORMATS)  # every format of this build: an output links only files that exist


def timeline_picture(roadmap: Roadmap, settings: BuildSettings) -> str | None:
    """The timeline picture's file when this build draws one: some format writes it and a release has a period."""
    drawn = any(release.start and release.end for release in roadmap.releases)
    return TIMELINE_PICTURE if drawn and TIMELINE_PICTURE in built_files(settings.formats) else None


class WriterModule(Protocol):
    """What every format's `writer` module provides."""

    def write(self, roadmap: Roadmap, settings: BuildSettings) -> dict[str, bytes]:
        """Render the roadmap; the keys are paths relative to the output folder. A format whose row in FORMATS
        says `parts` also takes `part=(k, n)` and writes only the k-th of n shares of its files."""
        ...


class ReaderModule(Protocol):
    """What every format's `reader` module provides."""

    def read(self, path: Path) -> ReadBack:
        """Read a published file back into flat entries, naming what the format cannot give back."""
        ...
