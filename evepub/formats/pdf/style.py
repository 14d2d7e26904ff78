"""Layout parameters of the PDF edition, read from templates/pdf/style.yaml, and the paragraph styles built on them."""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from typing import Any

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT
from reportlab.lib.styles import ParagraphStyle

from evepub.errors import EvepubError
from evepub.formats.pdf.fonts import FontSet
from evepub.templating import Templates, read_yaml_file

STYLE_FILE = "pdf/style.yaml"
HEX_RE = re.compile(r"[0-9A-Fa-f]{6}")


@dataclass(frozen=True)
class Page:
    """Margins and page-level choices."""

    margin_top: float
    margin_bottom: float
    margin_left: float
    margin_right: float
    header_gap: float
    footer_gap: float
    release_starts_page: bool


@dataclass(frozen=True)
class Type:
    """Type sizes and vertical rhythm."""

    body_size: float
    body_leading: float
    paragraph_space: float
    item_space: float
    list_indent: float
    h1_size: float
    h1_space_before: float
    h1_space_after: float
    h2_size: float
    h2_space_before: float
    h2_space_after: float
    small_size: float
    badge_size: float
    cover_title_size: float
    cover_subtitle_size: float
    note_padding: float


@dataclass(frozen=True)
class Colours:
    """Named colours, as ReportLab colour objects."""

    text: colors.Color
    muted: colors.Color
    accent: colors.Color
    accent_light: colors.Color
    rule: colors.Color
    link: colors.Color
    note_fill: colors.Color
    note_border: colors.Color
    table_header_fill: colors.Color
    table_header_text: colors.Color
    table_stripe_fill: colors.Color
    zero: colors.Color
    year_band_fill: colors.Color
    edition_marker: colors.Color


@dataclass(frozen=True)
class Style:
    """Everything style.yaml sets."""

    page: Page
    type: Type
    colours: Colours


def load_style(templates: Templates) -> Style:
    """Read and check style.yaml from the template folder."""
    path = templates.asset(STYLE_FILE)
    data = read_yaml_file(path)
    if not isinstance(data, dict):
        raise EvepubError(f"{path}: expected the sections page, type and colours")
    return Style(
        page=_section(data, "page", Page, path, _number_or_flag),
        type=_section(data, "type", Type, path, _number),
        colours=_section(data, "colours", Colours, path, _colour),
    )


def _section(data: dict[str, Any], name: str, kind: type, path: object, convert: Any) -> Any:
    section = data.get(name)
    if not isinstance(section, dict):
        raise EvepubError(f"{path}: section '{name}' is missing")
    values = {}
    for spec in dataclasses.fields(kind):
        if spec.name not in section:
            raise EvepubError(f"{path}: {name}.{spec.name} is missing")
        try:
            values[spec.name] = convert(section[spec.name])
        except (TypeError, ValueError) as error:
            raise EvepubError(f"{path}: {name}.{spec.name}: {error}") from error
    return kind(**values)


def _number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise ValueError(f"expected a non-negative number, got {value!r}")
    return float(value)


def _number_or_flag(value: Any) -> float | bool:
    return value if isinstance(value, bool) else _number(value)


def _colour(value: Any) -> colors.Color:
    if not isinstance(value, str) or not HEX_RE.fullmatch(value):
        raise ValueError(f"expected a colour like '1F4E79', got {value!r}")
    return colors.HexColor(f"#{value}")


def hex_colour(colour: colors.Color) -> str:
    """A colour as '#rrggbb' for Paragraph markup."""
    return "#" + colour.hexval()[2:]


@dataclass(frozen=True)
class Styles:
    """The paragraph styles of the document, all in the registered TrueType faces."""

    body: ParagraphStyle
    note: ParagraphStyle
    h1: ParagraphStyle
    h2: ParagraphStyle
    front_title: ParagraphStyle
    cover_title: ParagraphStyle
    cover_subtitle: ParagraphStyle
    cover_line: ParagraphStyle
    small: ParagraphStyle
    table_cell: ParagraphStyle
    table_number: ParagraphStyle
    table_head: ParagraphStyle
    toc_release: ParagraphStyle
    toc_area: ParagraphStyle


def paragraph_styles(style: Style, fonts: FontSet) -> Styles:
    """Build the paragraph styles from the layout parameters."""
    t, c = style.type, style.colours
    body = ParagraphStyle(
        "evepub-body",
        fontName=fonts.regular,
        fontSize=t.body_size,
        leading=t.body_leading,
        textColor=c.text,
        alignment=TA_LEFT,
        spaceBefore=t.paragraph_space,
        bulletFontName=fonts.regular,
        bulletFontSize=t.body_size,
        hyphenationLang="",
        embeddedHyphenation=0,
        splitLongWords=1,
        allowWidows=1,
        allowOrphans=1,
    )
    small = _derive(body, "evepub-small", fontSize=t.small_size, leading=t.small_size * 1.35, spaceBefore=0)
    return Styles(
        body=body,
        note=_derive(
            body,
            "evepub-note",
            fontName=fonts.italic,
            backColor=c.note_fill,
            borderColor=c.note_border,
            borderWidth=0.6,
            borderPadding=t.note_padding,
            borderRadius=3,
            leftIndent=t.note_padding,
            rightIndent=t.note_padding,
            spaceBefore=t.paragraph_space + t.note_padding + 2,
            spaceAfter=t.note_padding + 2,
        ),
        h1=_derive(
            body,
            "evepub-h1",
            fontName=fonts.bold,
            fontSize=t.h1_size,
            leading=t.h1_size * 1.25,
            textColor=c.accent,
            spaceBefore=t.h1_space_before,  # dropped at the top of a page
            spaceAfter=t.h1_space_after,
            keepWithNext=1,
        ),
        h2=_derive(
            body,
            "evepub-h2",
            fontName=fonts.bold,
            fontSize=t.h2_size,
            leading=t.h2_size * 1.3,
            textColor=c.accent,
            spaceBefore=t.h2_space_before,
            spaceAfter=t.h2_space_after,
            keepWithNext=1,
        ),
        front_title=_derive(
            body,
            "evepub-front",
            fontName=fonts.bold,
            fontSize=t.h1_size,
            leading=t.h1_size * 1.25,
            textColor=c.accent,
            spaceBefore=t.h1_space_before,  # dropped at the top of a page
            spaceAfter=t.h1_space_after,
        ),
        cover_title=_derive(
            body,
            "evepub-cover-title",
            fontName=fonts.bold,
            fontSize=t.cover_title_size,
            leading=t.cover_title_size * 1.18,
            textColor=c.accent,
            spaceBefore=0,
        ),
        cover_subtitle=_derive(
            body,
            "evepub-cover-subtitle",
            fontSize=t.cover_subtitle_size,
            leading=t.cover_subtitle_size * 1.35,
            textColor=c.text,
            spaceBefore=10,
        ),
        cover_line=_derive(body, "evepub-cover-line", fontSize=t.body_size + 1.5, textColor=c.muted, spaceBefore=4),
        small=small,
        table_cell=_derive(small, "evepub-cell"),
        table_number=_derive(small, "evepub-number", alignment=TA_CENTER),
        table_head=_derive(
            small,
            "evepub-head",
            fontName=fonts.bold,
            alignment=TA_CENTER,
            textColor=c.table_header_text,
        ),
        toc_release=_derive(
            body,
            "evepub-toc-0",
            fontName=fonts.bold,
            fontSize=t.body_size + 1,
            leading=t.body_leading + 2,
            spaceBefore=7,
            textColor=c.text,
        ),
        toc_area=_derive(body, "evepub-toc-1", leftIndent=t.list_indent, spaceBefore=0, textColor=c.text),
    )


def _derive(parent: ParagraphStyle, name: str, **changes: Any) -> ParagraphStyle:
    return ParagraphStyle(name, parent=parent, **changes)
