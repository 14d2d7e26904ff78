"""The release timeline of the PDF edition: the shared chart (evepub/formats/timeline.py) in the PDF's style, and
its SVG export for the Markdown."""

from __future__ import annotations

import datetime as dt
import re

from reportlab.graphics import renderSVG
from reportlab.graphics.shapes import Drawing
from reportlab.pdfbase import pdfmetrics

from evepub.formats import timeline as chart
from evepub.formats.pdf.fonts import FontSet
from evepub.formats.pdf.markup import escape
from evepub.formats.pdf.style import Style
from evepub.formats.timeline import TimelineLook, TimelineText
from evepub.model import Release

__all__ = ["TimelineText", "timeline_drawings", "timeline_look", "timeline_svg"]


def timeline_drawings(
    releases: list[Release],
    size: tuple[float, float],
    fonts: FontSet,
    style: Style,
    text: TimelineText,
    edition: dt.date,
    first_room: float = 0.0,
) -> list[Drawing]:
    """The chart for these releases in parts, each within (width, maximum height), the first `first_room` lower:
    one when they fit, as the SVG always is (a maximum height of math.inf); none when no release has a period."""
    parts = chart.timeline_drawings(releases, size, fonts, timeline_look(style), text, edition, first_room)
    return [drawing for drawing, _ in parts]


def timeline_look(style: Style) -> TimelineLook:
    """The chart's label size and colours from style.yaml: its small type size and its named colours."""
    colours = style.colours
    return TimelineLook(
        size=style.type.small_size,
        text=colours.text,
        muted=colours.muted,
        accent=colours.accent,
        accent_light=colours.accent_light,
        rule=colours.rule,
        year_band_fill=colours.year_band_fill,
        edition_marker=colours.edition_marker,
    )


def timeline_svg(drawing: Drawing, title: str, description: str) -> bytes:
    """The chart as a standalone SVG with a title and description, naming the real font families."""
    svg = renderSVG.drawToString(drawing)
    svg = _scalable(svg, drawing.width, drawing.height)
    svg = svg.replace("<title>...</title>", f"<title>{escape(title)}</title>", 1)
    svg = svg.replace("<desc>...</desc>", f"<desc>{escape(description)}</desc>", 1)
    return _family_names(svg).encode("utf-8")


def _scalable(svg: str, width: float, height: float) -> str:
    """The SVG as wide as the page it is shown on (width 100 %, its aspect kept by the viewBox), on an opaque
    white background so the labels stay readable on a dark page."""
    opening = re.search(r"<svg\b[^>]*>", svg)
    if opening is None:
        return svg
    tag = re.sub(r'\s(width|height|viewBox|preserveAspectRatio)="[^"]*"', "", opening.group(0))
    tag = tag[:-1].rstrip() + f' width="100%" viewBox="0 0 {width:g} {height:g}" preserveAspectRatio="xMinYMin meet">'
    background = f'<rect x="0" y="0" width="{width:g}" height="{height:g}" fill="#ffffff" stroke="none"/>'
    rest = svg[opening.end() :]
    # after the title and description, before the first drawn element
    at = rest.find("</desc>")
    at = at + len("</desc>") if at >= 0 else 0
    return svg[: opening.start()] + tag + rest[:at] + background + rest[at:]


def _family_names(svg: str) -> str:
    def family(match: re.Match[str]) -> str:
        face = pdfmetrics.getFont(match.group(1)).face
        name, family = _text(face.name), _text(face.familyName)
        weight = " font-weight: bold;" if "Bold" in name else ""
        slant = " font-style: oblique;" if "Oblique" in name or "Italic" in name else ""
        return f"font-family: '{family}', sans-serif;{weight}{slant}"

    return re.sub(r"font-family: ?(evepub-[\w-]+);?", family, svg)


def _text(value: str | bytes) -> str:
    return value.decode("latin-1") if isinstance(value, bytes) else value
