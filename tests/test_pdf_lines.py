"""The PDF's own line setting (pdf/lines.py): lines broken where ReportLab's Paragraph breaks them, else Paragraph."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st
from reportlab.lib import colors

from evepub.formats.pdf.fonts import load_fonts
from evepub.formats.pdf.lines import SetParagraph
from evepub.formats.pdf.markup import Fragments, Paragraph
from evepub.formats.pdf.style import load_style, paragraph_styles
from evepub.formats.settings import BuildSettings
from evepub.templating import Templates

from conftest import ORIGINAL, ROOT

FONTS = load_fonts(["発"])
STYLES = paragraph_styles(load_style(Templates(ROOT / "templates")), FONTS)
FACES = frozenset((FONTS.regular, FONTS.bold, FONTS.italic))
MUTED = colors.HexColor("#61707c")
WORDS = st.text(alphabet="aiWm.,é(0–\u00a0", min_size=1, max_size=12)
TEXTS = st.lists(WORDS, min_size=1, max_size=40).map(" ".join)
# what an item's paragraph holds: its text, a link in it, the room for a badge, a forced break and small details
PIECES = st.lists(
    st.one_of(
        st.tuples(st.just("text"), TEXTS),
        st.tuples(st.just("link"), st.just("https://example.org/a/long/path")),
        st.tuples(st.just("room"), st.integers(1, 9)),
    ),
    min_size=1,
    max_size=4,
)
DETAILS = st.one_of(st.none(), TEXTS)
LABELS = st.sampled_from([None, "•", "◦", "9.", "10.", "xxiv."])


def fragments(pieces: list[tuple[str, Any]], details: str | None, style: Any) -> list[Any]:
    """The fragments the PDF's body makes of an item like this."""
    text = Fragments(style)
    for kind, value in pieces:
        if kind == "text":
            text.add(" " + value)
        elif kind == "link":
            text.add(" ")
            text.add(value, None, None, colors.HexColor("#1565c0"), value)
        else:
            text.add(" " + "\u00a0" * value)
    if details is not None:
        text.line_break()
        text.add(details, None, 7.5, MUTED)
    return text.done()


def reportlab_lines(paragraph: Paragraph) -> list[str]:
    """The text of each line of ReportLab's paragraph."""
    lines = paragraph.blPara.lines
    if paragraph.blPara.kind == 0:
        return [" ".join(words) for _, words in lines]
    return ["".join(word.text for word in line.words).rstrip(" ") for line in lines]


def our_lines(paragraph: SetParagraph) -> list[str]:
    """The text of each line as lines.py broke it."""
    return [" ".join("".join(text for _, text in word.pieces) for word in line.words) for line in paragraph.lines]


@settings(max_examples=300, deadline=None)
@given(PIECES, DETAILS, LABELS, st.floats(110, 480), st.sampled_from([0, 1, 3]))
def test_lines_break_where_reportlabs_paragraph_breaks_them(
    pieces: list[tuple[str, Any]], details: str | None, label: str | None, width: float, depth: int
) -> None:
    style = STYLES.body if depth == 0 else list_style(depth)
    theirs = Paragraph(None, style, bulletText=label, frags=fragments(pieces, details, style))
    ours = SetParagraph(fragments(pieces, details, style), style, label, FACES, lambda: Paragraph("", style))
    their_size = theirs.wrap(width, 10_000)
    our_size = ours.wrap(width, 10_000)
    event("set here" if ours.replaced is None else "left to Paragraph")
    if ours.replaced is None:  # set here: a word wider than its line is left to Paragraph (below)
        assert our_lines(ours) == reportlab_lines(theirs)
        assert our_size == their_size


def list_style(depth: int) -> Any:
    """A list entry's style at a depth, as the body makes it."""
    from reportlab.lib.styles import ParagraphStyle

    return ParagraphStyle(
        f"list-{depth}",
        parent=STYLES.body,
        leftIndent=18 * (depth + 1),
        bulletIndent=18 * (depth + 1) - 6,
        bulletAnchor="end",
        bulletFontName=FONTS.regular,
    )


def test_what_only_reportlab_sets_is_left_to_its_paragraph() -> None:
    style = STYLES.body
    made: list[str] = []

    def fallback() -> Paragraph:
        made.append("Paragraph")
        return Paragraph("x", style)

    def settable(text: str, width: float = 300) -> bool:
        made.clear()
        paragraph = SetParagraph(fragments([("text", text)], None, style), style, None, FACES, fallback)
        paragraph.wrap(width, 10_000)
        return not made

    assert settable("plain words that wrap over a line or two, with a no-break\u00a0space")
    assert not settable("a soft hy\u00adphen")
    assert not settable("x" * 200)  # a word wider than the line: Paragraph splits it
    made.clear()
    other_face = Fragments(style)
    other_face.add("a word in a face that is not one of the main three", FONTS.italic)
    SetParagraph(other_face.done(), style, None, frozenset({FONTS.regular}), fallback)
    assert made == ["Paragraph"]


def test_the_eve_roadmap_reads_back_and_prints_the_same_through_both(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from evepub.formats.pdf import lines
    from evepub.formats.pdf.reader import read
    from evepub.formats.pdf.writer import write
    from evepub.importer import read_text

    roadmap = read_text(ORIGINAL.read_text(encoding="utf-8"))
    settings = BuildSettings(timestamp=dt.datetime(2024, 5, 15, 9, 30, tzinfo=dt.UTC), edition=dt.date(2024, 5, 15))
    ours, theirs = tmp_path / "ours.pdf", tmp_path / "theirs.pdf"
    ours.write_bytes(write(roadmap, settings)["roadmap.pdf"])

    def never(*_: Any) -> Any:
        raise lines.NotSettable

    monkeypatch.setattr(lines, "words_of", never)  # every item through ReportLab's Paragraph
    theirs.write_bytes(write(roadmap, settings)["roadmap.pdf"])
    assert read(ours) == read(theirs)
    if shutil.which("pdftotext"):  # the same words on the same lines of the same pages
        layout = [
            subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True).stdout
            for path in (ours, theirs)
        ]
        assert layout[0] == layout[1]
