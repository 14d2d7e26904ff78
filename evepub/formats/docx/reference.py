"""Generator of templates/reference.docx: the styles, page setup, header and footer every Word output starts from.

Like pandoc's --reference-doc, a user may restyle the Word output by editing the styles of
templates/reference.docx in Word (keeping the style names). Run `python -m evepub.formats.docx.reference`
to regenerate the committed file from this module; the result is byte-identical on every run.
"""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

from evepub.formats.ooxml import PKG_R_NS, R_NS, W_NS, pack

XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
TIMESTAMP = dt.datetime(1980, 1, 1, tzinfo=dt.UTC)
DEFAULT_PATH = Path(__file__).resolve().parents[3] / "templates" / "reference.docx"

FONT = "Arial"  # metric-compatible Liberation Sans stands in where Arial is missing
INK = "222222"  # body text
NAVY = "1F3A5F"  # title, release headings, table of contents
ACCENT = "2F6DB5"  # subtitle, area headings
MUTED = "6B6B6B"  # edition line, header and footer, item details (5.3:1 on white)
DETAILS_SIZE = 18  # half-points: an item's details (status, owner, target date, notes), a step below body text
LINK = "0B5CAD"
NOTE_BAR = "D08C00"
NOTE_FILL = "FFF6DD"
NOTE_INK = "4D3B00"

# A4 portrait, 2.5 cm margins; the writer switches to Letter when asked and keeps the margins.
PAGE_WIDTH, PAGE_HEIGHT, MARGIN, HEADER_DISTANCE = 11906, 16838, 1418, 709


def _style(
    kind: str,
    style_id: str,
    name: str,
    *,
    based_on: str | None = None,
    next_style: str | None = None,
    ppr: str = "",
    rpr: str = "",
    default: bool = False,
    custom: bool = False,
    hidden: bool = False,
) -> str:
    """One w:style element; ppr and rpr are the inner XML of w:pPr and w:rPr in schema order."""
    attributes = f'w:type="{kind}" w:styleId="{style_id}"'
    attributes += ' w:default="1"' if default else ""
    attributes += ' w:customStyle="1"' if custom else ""
    parts = [f'<w:name w:val="{name}"/>']
    parts += [f'<w:basedOn w:val="{based_on}"/>'] if based_on else []
    parts += [f'<w:next w:val="{next_style}"/>'] if next_style else []
    parts += ["<w:semiHidden/><w:unhideWhenUsed/>"] if hidden else ["<w:qFormat/>"]
    parts += [f"<w:pPr>{ppr}</w:pPr>"] if ppr else []
    parts += [f"<w:rPr>{rpr}</w:rPr>"] if rpr else []
    return f"<w:style {attributes}>{''.join(parts)}</w:style>"


def _colour(rgb: str) -> str:
    return f'<w:color w:val="{rgb}"/>'


def _size(half_points: int) -> str:
    return f'<w:sz w:val="{half_points}"/><w:szCs w:val="{half_points}"/>'


def _spacing(before: int = 0, after: int = 0) -> str:
    return f'<w:spacing w:before="{before}" w:after="{after}"/>'


def _border(side: str, size: int, space: int, rgb: str) -> str:
    return f'<w:{side} w:val="single" w:sz="{size}" w:space="{space}" w:color="{rgb}"/>'


TEXT_WIDTH = PAGE_WIDTH - 2 * MARGIN

# Style names as Word itself writes them (python-docx shows "heading 1" as "Heading 1").
STYLES: dict[str, str] = {
    "Normal": _style("paragraph", "Normal", "Normal", default=True, rpr=_colour(INK)),
    "Default Paragraph Font": _style(
        "character", "DefaultParagraphFont", "Default Paragraph Font", default=True, hidden=True
    ),
    "Normal Table": (
        '<w:style w:type="table" w:default="1" w:styleId="TableNormal"><w:name w:val="Normal Table"/>'
        '<w:semiHidden/><w:unhideWhenUsed/><w:tblPr><w:tblInd w:w="0" w:type="dxa"/><w:tblCellMar>'
        '<w:top w:w="0" w:type="dxa"/><w:left w:w="108" w:type="dxa"/><w:bottom w:w="0" w:type="dxa"/>'
        '<w:right w:w="108" w:type="dxa"/></w:tblCellMar></w:tblPr></w:style>'
    ),
    "No List": _style("numbering", "NoList", "No List", default=True, hidden=True),
    "Title": _style(
        "paragraph",
        "Title",
        "Title",
        based_on="Normal",
        next_style="Subtitle",
        ppr=f"<w:pBdr>{_border('bottom', 12, 10, NAVY)}</w:pBdr>{_spacing(3400, 280)}<w:contextualSpacing/>",
        rpr=f'<w:b/><w:bCs/>{_colour(NAVY)}<w:kern w:val="28"/>{_size(60)}',
    ),
    "Subtitle": _style(
        "paragraph",
        "Subtitle",
        "Subtitle",
        based_on="Normal",
        next_style="Edition",
        ppr=_spacing(120, 120),
        rpr=f"{_colour(ACCENT)}{_size(32)}",
    ),
    "Edition": _style(
        "paragraph",
        "Edition",
        "Edition",
        based_on="Normal",
        next_style="Normal",
        custom=True,
        ppr=_spacing(360, 0),
        rpr=f"{_colour(MUTED)}{_size(22)}",
    ),
    "heading 1": _style(
        "paragraph",
        "Heading1",
        "heading 1",
        based_on="Normal",
        next_style="Normal",
        ppr=f"<w:keepNext/><w:keepLines/><w:pBdr>{_border('bottom', 8, 4, NAVY)}</w:pBdr>{_spacing(560, 200)}"
        '<w:outlineLvl w:val="0"/>',
        rpr=f"<w:b/><w:bCs/>{_colour(NAVY)}{_size(36)}",
    ),
    "heading 2": _style(
        "paragraph",
        "Heading2",
        "heading 2",
        based_on="Normal",
        next_style="Normal",
        ppr=f'<w:keepNext/><w:keepLines/>{_spacing(320, 100)}<w:outlineLvl w:val="1"/>',
        rpr=f"<w:b/><w:bCs/>{_colour(ACCENT)}{_size(26)}",
    ),
    "TOC Heading": _style(
        "paragraph",
        "TOCHeading",
        "TOC Heading",
        based_on="Heading1",
        next_style="Normal",
        ppr=f'{_spacing(0, 240)}<w:outlineLvl w:val="9"/>',
    ),
    "toc 1": _style(
        "paragraph",
        "TOC1",
        "toc 1",
        based_on="Normal",
        next_style="Normal",
        hidden=True,
        ppr=f'<w:tabs><w:tab w:val="right" w:leader="dot" w:pos="{TEXT_WIDTH}"/></w:tabs>{_spacing(140, 40)}',
        rpr=f"<w:b/><w:bCs/>{_colour(NAVY)}",
    ),
    "toc 2": _style(
        "paragraph",
        "TOC2",
        "toc 2",
        based_on="Normal",
        next_style="Normal",
        hidden=True,
        ppr=f'<w:tabs><w:tab w:val="right" w:leader="dot" w:pos="{TEXT_WIDTH}"/></w:tabs>{_spacing(0, 20)}'
        '<w:ind w:left="360"/>',
    ),
    "Note": _style(
        "paragraph",
        "Note",
        "Note",
        based_on="Normal",
        next_style="Normal",
        custom=True,
        ppr=f"<w:pBdr>{_border('left', 24, 8, NOTE_BAR)}</w:pBdr>"
        f'<w:shd w:val="clear" w:color="auto" w:fill="{NOTE_FILL}"/>{_spacing(160, 200)}'
        '<w:ind w:left="170" w:right="170"/>',
        rpr=f"<w:i/><w:iCs/>{_colour(NOTE_INK)}",
    ),
    "List Paragraph": _style(
        "paragraph",
        "ListParagraph",
        "List Paragraph",
        based_on="Normal",
        ppr=f'{_spacing(0, 120)}<w:ind w:left="720"/><w:contextualSpacing/>',
    ),
    "Hyperlink": _style(
        "character",
        "Hyperlink",
        "Hyperlink",
        based_on="DefaultParagraphFont",
        hidden=True,
        rpr=f'{_colour(LINK)}<w:u w:val="single"/>',
    ),
    "Item Details": _style(
        "character",
        "ItemDetails",
        "Item Details",
        based_on="DefaultParagraphFont",
        custom=True,
        rpr=f"{_colour(MUTED)}{_size(DETAILS_SIZE)}",
    ),
    "Item Status": _style(
        "character",
        "ItemStatus",
        "Item Status",
        based_on="ItemDetails",
        custom=True,
        rpr="<w:b/><w:bCs/>",
    ),
    "header": _style(
        "paragraph",
        "Header",
        "header",
        based_on="Normal",
        hidden=True,
        ppr=f'<w:pBdr>{_border("bottom", 4, 4, "BFBFBF")}</w:pBdr>{_spacing(0, 0)}<w:jc w:val="right"/>',
        rpr=f"{_colour(MUTED)}{_size(16)}",
    ),
    "footer": _style(
        "paragraph",
        "Footer",
        "footer",
        based_on="Normal",
        hidden=True,
        ppr=f'{_spacing(0, 0)}<w:jc w:val="center"/>',
        rpr=f"{_colour(MUTED)}{_size(16)}",
    ),
}

# Styles a document takes only when it needs them (the reference document leaves them out, so that a roadmap
# without an introduction or a timeline comes out as before); a reference document of your own may define them.
EXTRA_STYLES: dict[str, str] = {
    "Introduction": _style(
        "paragraph",
        "Introduction",
        "Introduction",
        based_on="Normal",
        next_style="Normal",
        custom=True,
        ppr=_spacing(0, 160),
        rpr=_size(24),
    ),
    # the release timeline after the overview: a heading that looks like an area's but sits at the outline level of
    # a release, before the first one (the navigation pane and the contents list it), then the picture's paragraph
    "Timeline Heading": _style(
        "paragraph",
        "TimelineHeading",
        "Timeline Heading",
        based_on="Heading2",
        next_style="Timeline",
        custom=True,
        ppr=f'{_spacing(480, 120)}<w:outlineLvl w:val="0"/>',
    ),
    "Timeline": _style(
        "paragraph",
        "Timeline",
        "Timeline",
        based_on="Normal",
        next_style="Normal",
        custom=True,
        # single spacing: at the document's 1.15 Word would make a picture's line 15 % taller than the picture
        ppr='<w:spacing w:before="0" w:after="0" w:line="240" w:lineRule="auto"/><w:jc w:val="center"/>',
    ),
}


def styles_xml() -> str:
    """word/styles.xml: document defaults and every style the writer uses."""
    defaults = (
        "<w:docDefaults><w:rPrDefault><w:rPr>"
        f'<w:rFonts w:ascii="{FONT}" w:hAnsi="{FONT}" w:cs="{FONT}"/>{_size(21)}'
        '<w:lang w:val="en-US" w:eastAsia="en-US" w:bidi="ar-SA"/></w:rPr></w:rPrDefault>'
        '<w:pPrDefault><w:pPr><w:spacing w:after="120" w:line="276" w:lineRule="auto"/></w:pPr></w:pPrDefault>'
        "</w:docDefaults>"
    )
    return f'{XML_HEAD}<w:styles xmlns:w="{W_NS}">{defaults}{"".join(STYLES.values())}</w:styles>'


def _paragraph(style_id: str, text: str, runs: tuple[tuple[str, str], ...] = ()) -> str:
    """A sample paragraph: its text, then runs of (character style id, text)."""
    styled = "".join(
        f'<w:r><w:rPr><w:rStyle w:val="{style}"/></w:rPr><w:t xml:space="preserve">{piece}</w:t></w:r>'
        for style, piece in runs
    )
    return f'<w:p><w:pPr><w:pStyle w:val="{style_id}"/></w:pPr><w:r><w:t>{text}</w:t></w:r>{styled}</w:p>'


def document_xml() -> str:
    """word/document.xml: one sample paragraph per style (the writer empties the body) and the page setup."""
    samples = [
        ("Title", "Title"),
        ("Subtitle", "Subtitle"),
        ("Edition", "Edition line"),
        ("Heading1", "Heading 1: a release"),
        ("Heading2", "Heading 2: an area"),
        ("Normal", "Body text: a paragraph of the roadmap."),
        ("Note", "TODO: a note set apart from the text."),
    ]
    details = (("ItemDetails", " — status: "), ("ItemStatus", "done"), ("ItemDetails", " · owner: Jane Doe"))
    section = (
        '<w:sectPr><w:headerReference w:type="default" r:id="rId5"/><w:headerReference w:type="first" r:id="rId6"/>'
        '<w:footerReference w:type="default" r:id="rId7"/><w:footerReference w:type="first" r:id="rId8"/>'
        f'<w:pgSz w:w="{PAGE_WIDTH}" w:h="{PAGE_HEIGHT}"/>'
        f'<w:pgMar w:top="{MARGIN}" w:right="{MARGIN}" w:bottom="{MARGIN}" w:left="{MARGIN}" '
        f'w:header="{HEADER_DISTANCE}" w:footer="{HEADER_DISTANCE}" w:gutter="0"/>'
        '<w:cols w:space="720"/><w:titlePg/><w:docGrid w:linePitch="360"/></w:sectPr>'
    )
    body = "".join(_paragraph(style, text) for style, text in samples)
    body += _paragraph("Normal", "An item followed by its details", details)
    return f'{XML_HEAD}<w:document xmlns:w="{W_NS}" xmlns:r="{R_NS}"><w:body>{body}{section}</w:body></w:document>'


def _header_footer(root: str, style_id: str | None) -> str:
    """A header or footer part holding one empty paragraph (the writer fills the default ones)."""
    properties = f'<w:pPr><w:pStyle w:val="{style_id}"/></w:pPr>' if style_id else ""
    return f'{XML_HEAD}<w:{root} xmlns:w="{W_NS}" xmlns:r="{R_NS}"><w:p>{properties}</w:p></w:{root}>'


def _relationships(targets: list[tuple[str, str]]) -> str:
    rels = "".join(
        f'<Relationship Id="rId{n}" Type="{kind}" Target="{target}"/>' for n, (kind, target) in enumerate(targets, 1)
    )
    return f'{XML_HEAD}<Relationships xmlns="{PKG_R_NS}">{rels}</Relationships>'


def _content_types() -> str:
    main = "application/vnd.openxmlformats-officedocument.wordprocessingml"
    overrides = [
        ("/word/document.xml", f"{main}.document.main+xml"),
        ("/word/styles.xml", f"{main}.styles+xml"),
        ("/word/settings.xml", f"{main}.settings+xml"),
        ("/word/numbering.xml", f"{main}.numbering+xml"),
        ("/word/fontTable.xml", f"{main}.fontTable+xml"),
        ("/word/header1.xml", f"{main}.header+xml"),
        ("/word/header2.xml", f"{main}.header+xml"),
        ("/word/footer1.xml", f"{main}.footer+xml"),
        ("/word/footer2.xml", f"{main}.footer+xml"),
        ("/docProps/core.xml", "application/vnd.openxmlformats-package.core-properties+xml"),
        ("/docProps/app.xml", "application/vnd.openxmlformats-officedocument.extended-properties+xml"),
    ]
    items = "".join(f'<Override PartName="{name}" ContentType="{kind}"/>' for name, kind in overrides)
    return (
        f'{XML_HEAD}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        f'<Default Extension="xml" ContentType="application/xml"/>{items}</Types>'
    )


def _settings() -> str:
    return (
        f'{XML_HEAD}<w:settings xmlns:w="{W_NS}"><w:zoom w:percent="100"/><w:defaultTabStop w:val="720"/>'
        '<w:characterSpacingControl w:val="doNotCompress"/><w:compat>'
        '<w:compatSetting w:name="compatibilityMode" w:uri="http://schemas.microsoft.com/office/word" w:val="15"/>'
        '</w:compat><w:decimalSymbol w:val="."/><w:listSeparator w:val=","/></w:settings>'
    )


def _properties() -> tuple[str, str]:
    core = (
        f"{XML_HEAD}<cp:coreProperties"
        ' xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties"'
        ' xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/"'
        ' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        "<dc:title>evepub reference document</dc:title><dc:creator>evepub</dc:creator>"
        "<cp:lastModifiedBy>evepub</cp:lastModifiedBy><cp:revision>1</cp:revision>"
        '<dcterms:created xsi:type="dcterms:W3CDTF">1980-01-01T00:00:00Z</dcterms:created>'
        '<dcterms:modified xsi:type="dcterms:W3CDTF">1980-01-01T00:00:00Z</dcterms:modified>'
        "</cp:coreProperties>"
    )
    app = (
        f'{XML_HEAD}<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
        "<Application>evepub</Application><DocSecurity>0</DocSecurity></Properties>"
    )
    return core, app


def build_reference() -> bytes:
    """The bytes of reference.docx, the same on every run."""
    office = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    core, app = _properties()
    fonts = (
        f'{XML_HEAD}<w:fonts xmlns:w="{W_NS}"><w:font w:name="{FONT}"><w:panose1 w:val="020B0604020202020204"/>'
        '<w:charset w:val="00"/><w:family w:val="swiss"/><w:pitch w:val="variable"/></w:font></w:fonts>'
    )
    word_rels = [
        (f"{office}/styles", "styles.xml"),
        (f"{office}/settings", "settings.xml"),
        (f"{office}/numbering", "numbering.xml"),
        (f"{office}/fontTable", "fontTable.xml"),
        (f"{office}/header", "header1.xml"),
        (f"{office}/header", "header2.xml"),
        (f"{office}/footer", "footer1.xml"),
        (f"{office}/footer", "footer2.xml"),
    ]
    package_rels = [
        (f"{office}/officeDocument", "word/document.xml"),
        ("http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties", "docProps/core.xml"),
        (f"{office}/extended-properties", "docProps/app.xml"),
    ]
    parts = {
        "[Content_Types].xml": _content_types(),
        "_rels/.rels": _relationships(package_rels),
        "docProps/core.xml": core,
        "docProps/app.xml": app,
        "word/document.xml": document_xml(),
        "word/_rels/document.xml.rels": _relationships(word_rels),
        "word/styles.xml": styles_xml(),
        "word/settings.xml": _settings(),
        "word/numbering.xml": f'{XML_HEAD}<w:numbering xmlns:w="{W_NS}"/>',
        "word/fontTable.xml": fonts,
        "word/header1.xml": _header_footer("hdr", "Header"),
        "word/header2.xml": _header_footer("hdr", None),  # the cover page has neither header nor footer
        "word/footer1.xml": _header_footer("ftr", "Footer"),
        "word/footer2.xml": _header_footer("ftr", None),
    }
    return pack({name: text.encode("utf-8") for name, text in parts.items()}, TIMESTAMP)


def main(argv: list[str] | None = None) -> int:
    """Write reference.docx (by default over templates/reference.docx)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output", nargs="?", type=Path, default=DEFAULT_PATH)
    arguments = parser.parse_args(argv)
    arguments.output.write_bytes(build_reference())
    print(f"wrote {arguments.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
