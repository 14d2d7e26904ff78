"""The timeline SVG, kept between builds: a roadmap of hundreds of releases spends a tenth of a second drawing the
chart again as one tall picture and writing it as SVG.

The SVG depends only on what the chart prints (each release's name, period and quarters, its wording, the
edition date, the title and description), on its width and look (style.yaml), on the code that draws and writes
it, on ReportLab and on the font files. An entry is named by a digest of all of these, in evepub's cache
(evepub/cache.py). The cache is used only when the document needs no fallback face: fontconfig may find or lose
one between builds, while the main faces' files are part of the name. A missing, unreadable or damaged entry means
drawing the chart again; the SVG is byte-identical either way (tests/test_pdf.py builds cold, warm and without a
cache).
"""

from __future__ import annotations

import datetime as dt
import hashlib

import reportlab

from evepub.cache import keep_entry, read_entry
from evepub.formats.chart_cache import chart_key, entry_path
from evepub.formats.pdf.fonts import FontSet
from evepub.formats.timeline import TimelineLook, TimelineText
from evepub.model import Release

ENTRY_FORMAT = 1  # raise when what an entry holds changes
DIGEST_SIZE = 32  # an entry is the SHA-256 of the SVG, then the SVG
WRITING_CODE = ("pdf/timeline.py", "pdf/fonts.py", "pdf/markup.py", "pdf/svg_cache.py")  # besides the chart's


def svg_key(
    releases: list[Release],
    width: float,
    look: TimelineLook,
    text: TimelineText,
    edition: dt.date,
    fonts: FontSet,
    captions: tuple[str, str],
) -> str | None:
    """The name of the SVG's cache entry; None when it must not be kept (a fallback face, or no fonts at all)."""
    if fonts.fallback or fonts.uncovered:
        return None
    inputs = (ENTRY_FORMAT, reportlab.Version, width, look, text, edition, fonts.regular, fonts.bold, captions)
    return chart_key(inputs, releases, WRITING_CODE)


def cached_svg(key: str | None) -> bytes | None:
    """The SVG kept under this key, or None; an entry whose bytes are not those kept (damaged) is not used."""
    data = read_entry(entry_path("svg", key, ".entry") if key is not None else None)
    if data is None:
        return None
    digest, svg = data[:DIGEST_SIZE], data[DIGEST_SIZE:]
    return svg if svg and hashlib.sha256(svg).digest() == digest else None


def keep_svg(key: str | None, svg: bytes) -> None:
    """Keep the SVG under its key, after the digest of its bytes; a cache that cannot be written is not used."""
    if key is not None:
        keep_entry(entry_path("svg", key, ".entry"), hashlib.sha256(svg).digest() + svg)
