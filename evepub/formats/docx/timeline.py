"""The release timeline of the Word edition: the PDF's chart (evepub/formats/timeline.py) as PNG pictures, one
for each part of it (a chart of more releases than a page holds comes in parts, one a page).

The chart is drawn by the same code as the PDF's, in the PDF's fonts (evepub/formats/fonts.py) and the Word
edition's colours, as wide as the text, and rasterised by rl_renderPM at DPI dots per inch so that it prints
crisply. The writer imports this module only for a roadmap in which a release has a period, and only when evepub's
cache holds no picture of this chart (docx/picture_cache.py): it loads ReportLab, which costs more than the rest.
"""

from __future__ import annotations

import ctypes
import datetime as dt
import io
from typing import Any

import _rl_renderPM
from reportlab.graphics import renderPM
from reportlab.graphics.shapes import Drawing
from reportlab.lib.colors import HexColor

from evepub.formats.docx.overview import RULE, STRIPE
from evepub.formats.docx.picture_cache import Labels, Picture
from evepub.formats.docx.reference import INK, MUTED, NAVY
from evepub.formats.font_cache import load_ttfont
from evepub.formats.fonts import load_fonts
from evepub.formats.timeline import TimelineLook, TimelineText, period_label, timeline_drawings
from evepub.model import Release

DPI = 300  # dots per inch of the picture: crisp in print at its size on the page
RASTER_SEED = 1  # of the rasteriser's pseudo-random nudges (see seed_rasteriser)
LABEL_SIZE = 8.0  # points: the largest label, as in the PDF
UNDATED_FILL = "DDE1E7"  # the dashed bar of a release without a period: a light tint of the bars' navy
EDITION_MARKER = "C62828"
# the colours of the overview table above the picture: navy bars, its rules, its stripe for every other year
WORD_LOOK = TimelineLook(
    size=LABEL_SIZE,
    text=HexColor(f"#{INK}"),
    muted=HexColor(f"#{MUTED}"),
    accent=HexColor(f"#{NAVY}"),
    accent_light=HexColor(f"#{UNDATED_FILL}"),
    rule=HexColor(f"#{RULE}"),
    year_band_fill=HexColor(f"#{STRIPE}"),
    edition_marker=HexColor(f"#{EDITION_MARKER}"),
)


def timeline_pictures(
    releases: list[Release], size: tuple[float, float], labels: Labels, edition: dt.date, first_room: float = 0.0
) -> list[Picture]:
    """The chart's parts, each within (width, maximum height) in points, the first `first_room` lower, as PNGs;
    none when no release has a period."""
    text = TimelineText(labels.later, labels.no_period, labels.edition)
    periods = [(release.name, period_label(release, text)) for release in releases]
    printed = [text.later, text.no_period, text.edition, *(piece for row in periods for piece in row)]
    fonts = load_fonts(printed, load_ttfont)
    return [
        Picture(
            png(drawing, DPI),
            drawing.width,
            drawing.height,
            [(release.name, period_label(release, text)) for release in shown],
            fallback_free=not fonts.fallback,
        )
        for drawing, shown in timeline_drawings(releases, size, fonts, WORD_LOOK, text, edition, first_room)
    ]


def png(drawing: Drawing, dpi: int) -> bytes:
    """The drawing as a PNG of `dpi` dots per inch (its resolution recorded), the same bytes for the same drawing."""
    canvas = PixelCanvas(drawing.width, drawing.height, dpi)
    seed_rasteriser()
    renderPM.draw(drawing, canvas, 0, 0, showBoundary=False)
    buffer = io.BytesIO()
    canvas.toPIL().save(buffer, "PNG", dpi=(dpi, dpi))
    return buffer.getvalue()


def seed_rasteriser() -> None:
    """Seed the C library's rand(), which libart (rl_renderPM's rasteriser) uses to nudge each path it fills off
    degenerate positions: unseeded, the same drawing came out with its edges a shade apart from one picture to the
    next; seeded before each, it gives the same pixels in every process."""
    ctypes.CDLL(None).srand(RASTER_SEED)


class PixelCanvas(renderPM.PMCanvas):
    """ReportLab's pixel canvas on rl_renderPM's graphics state, which draws TrueType text with FreeType.

    ReportLab 5's renderPM creates only the state of its pycairo backend (rlPyCairo, which needs pycairo built
    against cairo); the rl_renderPM wheel brings a rasteriser of its own, so the canvas is handed that one. It sets
    each string's face itself: renderPM's font switch (reportlab.graphics.utils.setFont) is a stub that raises
    unless the pycairo extra's freetype-py is installed.
    """

    def __init__(self, width: float, height: float, dpi: int) -> None:
        super().__init__(width, height, dpi=dpi)
        self.__dict__["_backend"] = "_renderPM"
        self.__dict__["_colorConverter"] = renderPM.Color2Hex  # rl_renderPM takes colours as 0xRRGGBB

    @staticmethod
    def _getGState(w: int, h: int, bg: int, backend: str | None = None, fmt: str = "RGB") -> Any:
        """A white rl_renderPM graphics state of w x h pixels."""
        return _rl_renderPM.gstate(w, h, bg=bg)

    def setFont(self, fontName: str, fontSize: float, leading: float | None = None) -> None:
        """Make a registered face the current one."""
        self._gs.setFont(fontName, fontSize)

    def drawString(self, x: float, y: float, text: str, _fontInfo: tuple[str, float] | None = None, **_: Any) -> None:
        """Draw a string (placed by the renderer, anchor applied) in its face, then return to the current one."""
        current = (self._gs.fontName, self._gs.fontSize)
        face, size = _fontInfo or current
        self._gs.setFont(face, size)
        try:
            self._gs.drawString(x, y, text)
        finally:
            self._gs.setFont(*current)
