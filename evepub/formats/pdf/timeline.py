"""The release timeline of the PDF edition: the shared chart (evepub/formats/timeline.py) in the PDF's style, and
its SVG export for the Markdown."""

from __future__ import annotations

import datetime as dt
import re

from reportlab.graphics import renderSVG
from reportlab.graphics.shapes import Drawing, Group, Line, Rect, String
from reportlab.lib.colors import Color
from reportlab.lib.rl_accel import fp_str
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.canvas import PATH_OPS
from reportlab.pdfgen.pathobject import PDFPathObject
from reportlab.platypus import Flowable

from evepub.formats import timeline as chart
from evepub.formats.pdf.fonts import FontSet
from evepub.formats.pdf.lines import placed_text
from evepub.formats.pdf.markup import escape
from evepub.formats.pdf.style import Style
from evepub.formats.timeline import TimelineLook, TimelineText
from evepub.model import Release

__all__ = ["TimelinePart", "TimelineText", "timeline_drawings", "timeline_look", "timeline_svg"]


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


class TimelinePart(Flowable):
    """A part of the chart on a page, its lines, bars and labels written as operators: ReportLab's renderer sets
    every property of each of the thousands of shapes of a chart of many releases (5,408 at 400 releases) through
    the canvas. It draws what renderPDF draws; a drawing with a shape or colour not written here goes to renderPDF."""

    def __init__(self, drawing: Drawing) -> None:
        super().__init__()
        self.drawing = drawing
        self.width, self.height = drawing.width, drawing.height

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        """The drawing's own size."""
        return self.width, self.height

    def draw(self) -> None:
        """Draw every shape of the part, each in a saved graphics state as renderPDF draws it."""
        code: list[str] = []
        if not all(_shape_operators(self.canv, shape, code) for shape in self.drawing.contents):
            self.drawing.drawOn(self.canv, 0, 0)
            return
        self.canv._code.extend(code)


def _shape_operators(canvas: object, shape: object, code: list[str]) -> bool:
    """Add one shape's operators to code; False for anything renderPDF would draw differently."""
    kind = type(shape)
    if kind is Group:
        if tuple(shape.transform) != (1, 0, 0, 1, 0, 0):  # type: ignore[attr-defined]
            return False
        return all(_shape_operators(canvas, child, code) for child in shape.contents)  # type: ignore[attr-defined]
    if kind is Line:
        return _line(shape, code)  # type: ignore[arg-type]
    if kind is Rect:
        return _rect(canvas, shape, code)  # type: ignore[arg-type]
    if kind is String:
        return _string_operators(canvas, shape, code)  # type: ignore[arg-type]
    return False


def _colour(colour: object, operator: str) -> str | None:
    """An opaque RGB colour's operator (rg for fill, RG for stroke); None for any other colour."""
    if type(colour) is not Color or colour.alpha != 1:  # type: ignore[attr-defined]
        return None
    return f"{fp_str(colour.red, colour.green, colour.blue)} {operator}"  # type: ignore[attr-defined]


def _stroke(shape: Line | Rect) -> list[str] | None:
    """The stroke state renderPDF sets for a shape: colour, width, caps, joins and dashes."""
    colour = _colour(shape.strokeColor, "RG")
    dashes = shape.strokeDashArray
    if colour is None or (dashes and not all(type(dash) in (int, float) for dash in dashes)):
        return None
    dash = f"[{fp_str(*dashes)}] 0 d" if dashes else "[] 0 d"
    return [colour, f"{fp_str(shape.strokeWidth)} w", f"{shape.strokeLineCap} J", f"{shape.strokeLineJoin} j", dash]


def _line(line: Line, code: list[str]) -> bool:
    if line.strokeColor is None:
        return True  # renderPDF draws nothing
    stroke = _stroke(line)
    if stroke is None:
        return False
    code += ["q", *stroke, f"n {fp_str(line.x1, line.y1)} m {fp_str(line.x2, line.y2)} l S", "Q"]
    return True


def _rect(canvas: object, rect: Rect, code: list[str]) -> bool:
    filled, stroked = rect.fillColor is not None, rect.strokeColor is not None
    fill = _colour(rect.fillColor, "rg") if filled else ""
    stroke = _stroke(rect) if stroked else []
    if fill is None or stroke is None or rect.rx != rect.ry:
        return False
    fill_mode = getattr(rect, "fillMode", None)
    fill_mode = canvas._fillMode if fill_mode is None else fill_mode  # type: ignore[attr-defined]
    path: list[str] = []
    if rect.rx == 0:
        path.append(f"n {fp_str(rect.x, rect.y, rect.width, rect.height)} re")
    else:
        PDFPathObject(code=path).roundRect(rect.x, rect.y, rect.width, rect.height, rect.rx)
    paint = PATH_OPS[int(stroked), int(filled), fill_mode]
    code += ["q", *([fill] if fill else []), *stroke, *path, paint, "Q"]
    return True


def _string_operators(canvas: object, string: String, code: list[str]) -> bool:
    fill = _colour(string.fillColor, "rg")
    if fill is None or string.textAnchor != "start" or getattr(string, "textRenderMode", 0):
        return False
    text = placed_text(canvas, string.x, string.y, [(string.fontName, string.text)], string.fontSize)
    code += ["q", fill, *text, "Q"]
    return True
