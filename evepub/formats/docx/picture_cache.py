"""The Word edition's timeline pictures, kept between builds: drawing them loads ReportLab, which costs more than
the rest.

The PNGs depend only on what the chart prints (each release's name, period and quarters, the labels' wording,
the edition date), on its size, on the code that draws it, on ReportLab, rl_renderPM and Pillow, and on the font
files. An entry (the pictures of every part of the chart) is named by a digest of all of these, in evepub's cache
(evepub/cache.py). The pictures are kept only when no fallback face drew any of them: fontconfig may find or lose
a fallback face between builds, while the main faces' files are part of the name. A missing or unreadable entry
means drawing the pictures again; the Word file is byte-identical either way (tests/test_word_timeline.py builds
cold, warm and without a cache).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import marshal
import zlib
from dataclasses import dataclass
from typing import Any

import _rl_renderPM
import PIL
import reportlab

from evepub.cache import keep_entry, read_entry
from evepub.formats.chart_cache import chart_key, entry_path
from evepub.formats.ooxml import COMPRESS_LEVEL, deflated
from evepub.model import Release

ENTRY_FORMAT = 3  # raise when what an entry holds changes (2: the pictures of every part; 3: and their parts)
DRAWING_CODE = ("docx/timeline.py", "docx/overview.py", "docx/reference.py")  # besides the chart's own code


@dataclass(frozen=True)
class Picture:
    """The timeline as a PNG, its size on the page, and each release's name and period as the chart prints them."""

    png: bytes
    width: float  # points
    height: float  # points
    periods: list[tuple[str, str]]
    fallback_free: bool = True  # no character of it was drawn in a fallback face: it may be kept
    # the PNG compressed as the .docx stores it (ooxml.deflated), b"" when not made yet: kept with the picture, for
    # deflating the 8 pictures of 400 releases (4.4 MB that hardly shrink) took a seventh of the Word writer's time
    part: bytes = b""

    def with_part(self) -> Picture:
        """The picture with its compressed part made."""
        return self if self.part else dataclasses.replace(self, part=deflated(self.png))


@dataclass(frozen=True)
class Labels:
    """The chart's own wording: the column of releases without a period, the note for them, the edition marker."""

    later: str
    no_period: str
    edition: str


def picture_key(
    releases: list[Release], size: tuple[float, float], labels: Labels, edition: dt.date, first_room: float = 0.0
) -> str | None:
    """The name of the picture's cache entry; None without the fonts (drawing the picture reports them missing)."""
    versions = (ENTRY_FORMAT, reportlab.Version, _rl_renderPM._version, PIL.__version__)
    versions += (zlib.ZLIB_RUNTIME_VERSION, COMPRESS_LEVEL)  # what makes the compressed parts
    return chart_key((*versions, size, first_room, labels, edition), releases, DRAWING_CODE)


def cached_pictures(key: str | None) -> list[Picture] | None:
    """The pictures kept under this key, or None when there are none that can be read."""
    data = read_entry(entry_path("pictures", key, ".marshal") if key is not None else None)
    if data is None:
        return None
    try:
        return [saved_picture(saved) for saved in marshal.loads(data)["pictures"]] or None
    except (EOFError, ValueError, TypeError, KeyError, zlib.error):
        return None


def saved_picture(saved: Any) -> Picture:
    """A picture as an entry holds it (any part of it may be damaged: the caller catches what that raises)."""
    periods = [(str(name), str(period)) for name, period in saved["periods"]]
    png, part = bytes(saved["png"]), bytes(saved["part"])
    if zlib.decompress(part, -15) != png:  # a damaged part would make a damaged .docx
        raise ValueError("the picture's part does not hold the picture")
    return Picture(png, float(saved["width"]), float(saved["height"]), periods, part=part)


def keep_pictures(key: str | None, pictures: list[Picture]) -> None:
    """Keep the pictures under their key; a cache that cannot be written is not used."""
    every = bool(pictures) and all(picture.fallback_free for picture in pictures)
    if key is None or not every:
        return
    data = marshal.dumps(
        {
            "pictures": [
                {
                    "png": picture.png,
                    "part": picture.with_part().part,
                    "width": picture.width,
                    "height": picture.height,
                    "periods": picture.periods,
                }
                for picture in pictures
            ]
        }
    )
    keep_entry(entry_path("pictures", key, ".marshal"), data)
