"""The "Changes since" page of the PDF edition (`build --changes-since`), after the overview.

It is front matter like the contents and the overview: no outline entry, and the body (which the PDF reader
reads from the page of the first outline entry on) starts on a later page. Paragraphs rather than a table, so
that a long item text can break across pages.
"""

from __future__ import annotations

from reportlab.platypus import Flowable

from evepub.formats.changes import ChangeLine, ChangeTexts
from evepub.formats.pdf.fonts import FontSet
from evepub.formats.pdf.markup import Paragraph
from evepub.formats.pdf.style import Style, Styles, hex_colour


def changes_flowables(text: ChangeTexts, fonts: FontSet, style: Style, styles: Styles) -> list[Flowable]:
    """Per release, a heading and its changes; the sentence saying so when nothing changed."""
    if not text.releases:
        return [Paragraph(fonts.markup(text.empty), styles.body)]
    flowables: list[Flowable] = []
    for heading, lines in text.releases:
        flowables.append(Paragraph(fonts.markup(heading), styles.h2))
        for line in lines:
            flowables += change(line, fonts, style, styles)
    return flowables


def change(line: ChangeLine, fonts: FontSet, style: Style, styles: Styles) -> list[Flowable]:
    """The kind in bold, the item's text and id, then each old -> new value indented below it."""
    muted = hex_colour(style.colours.muted)
    item_id = f'<font size="{style.type.small_size}" color="{muted}">{fonts.markup(line.id)}</font>'
    head = Paragraph(f"<b>{fonts.markup(line.label)}</b> {fonts.markup(line.text)} {item_id}", styles.body)
    indent = styles.small.clone("evepub-change-detail", leftIndent=style.type.list_indent, spaceBefore=1)
    return [head, *(Paragraph(fonts.markup(detail), indent) for detail in line.details)]
