"""The PDF reader's reading layer: PDFium's text objects and marked-content ids, pypdf where PDFium would rewrite."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pypdfium2.raw as pdfium_c
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from evepub.errors import EvepubError
from evepub.formats.pdf import reader
from evepub.formats.pdf.contract import LONG_WORD, without_space_after_long_words
from evepub.formats.pdf.writer import write
from evepub.formats.settings import BuildSettings
from evepub.importer import read_text
from evepub.model import Item, ItemList, ListStyle, ReadBack, Release, Roadmap

from conftest import ORIGINAL

SETTINGS = BuildSettings(timestamp=dt.datetime(2024, 5, 15, 9, 30, tzinfo=dt.UTC), edition=dt.date(2024, 5, 15))
LONG_ITEM = " ".join(["a paragraph long enough to wrap onto a second and a third line of the page"] * 3)


def pdf_file(roadmap: Roadmap, folder: Path) -> Path:
    for name, data in write(roadmap, SETTINGS).items():
        (folder / name).write_bytes(data)
    return folder / "roadmap.pdf"


def one_list(*texts: str) -> Roadmap:
    items = [Item(f"k-{number}", text) for number, text in enumerate(texts)]
    return Roadmap("Roadmap", [Release("R1-release (Q1 2030)", blocks=[ItemList(ListStyle.BULLET, items)])])


def shown(back: ReadBack) -> tuple[Any, ...]:
    return back.entries, back.numbers, back.statuses, back.links, back.unrecoverable


@pytest.fixture(scope="module")
def eve_pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return pdf_file(read_text(ORIGINAL.read_text(encoding="utf-8")), tmp_path_factory.mktemp("eve"))


def test_pdfium_and_pypdf_read_every_page_alike(eve_pdf: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    read_by_pdfium = reader.read(eve_pdf)
    monkeypatch.setattr(reader.PageReader, "restored", lambda self, run: False)  # every page through pypdf
    assert shown(reader.read(eve_pdf)) == shown(read_by_pdfium)


def test_the_lines_of_a_paragraph_share_its_mcid_and_the_running_parts_have_none(tmp_path: Path) -> None:
    _, headings, runs, _ = reader.read_file(pdf_file(one_list(LONG_ITEM, "short"), tmp_path))
    first_page = min(heading.page for heading in headings)
    on_page = [run for run in runs if run.page == first_page]
    body, running = reader.split_running_parts(on_page)
    assert running and {run.text_object for run in running} == {-1}
    long_lines = [run for run in body if run.text.strip() and run.text.strip() in LONG_ITEM and run.size > 9]
    assert len({round(run.y) for run in long_lines}) >= 2
    assert len({run.text_object for run in long_lines}) == 1
    assert min(run.text_object for run in body) >= 0


def test_no_space_is_read_twice_where_a_text_object_starts_with_one() -> None:
    runs = [run_at(60.0, "https://e.com/a "), run_at(150.0, " L "), run_at(60.0, "next line ", y=500.0)]
    assert [run.text for run in reader.without_borrowed_spaces(runs)] == ["https://e.com/a", " L ", "next line "]


def run_at(x: float, text: str, y: float = 600.0) -> reader.Run:
    return reader.Run(0, x, y, "DejaVuSans", 9.5, text, {}, 0)


def calls(monkeypatch: pytest.MonkeyPatch, name: str) -> Counter[str]:
    """Count the calls of one function of the reader module as they happen."""
    counted: Counter[str] = Counter()
    original: Callable[..., Any] = getattr(reader, name)

    def counting(*args: Any) -> Any:
        counted[name] += 1
        return original(*args)

    monkeypatch.setattr(reader, name, counting)
    return counted


@pytest.mark.parametrize(
    ("text", "by_pypdf"),
    [
        ("plain text, which PDFium reads as drawn", False),
        ("مرحبا بالعالم", True),  # right-to-left: PDFium's text page would reorder it
        ("o\ufb01ce", True),  # a ligature: PDFium's text page would split it into its letters
    ],
)
def test_a_page_pdfium_would_rewrite_is_read_with_pypdf(
    text: str, by_pypdf: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = pdf_file(one_list(text), tmp_path)
    counted = calls(monkeypatch, "pypdf_runs")
    reader.read(path)
    assert bool(counted["pypdf_runs"]) == by_pypdf


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: b"",
        lambda data: b"this is not a pdf\n",
        lambda data: data[: len(data) // 2],
        lambda data: b"%PDF-1.4\n" + bytes(range(256)) * 20,
    ],
    ids=["empty", "text", "truncated", "garbage"],
)
def test_a_damaged_or_foreign_file_is_one_line_error(
    damage: Callable[[bytes], bytes], eve_pdf: Path, tmp_path: Path
) -> None:
    path = tmp_path / "roadmap.pdf"
    path.write_bytes(damage(eve_pdf.read_bytes()))
    with pytest.raises(EvepubError) as raised:
        reader.read(path)
    message = str(raised.value)
    assert message.startswith(f"{path}: not a readable PDF: ") and "\n" not in message


def test_every_page_pdfium_opens_is_closed_even_when_reading_it_fails(
    eve_pdf: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: Counter[str] = Counter()
    for open_name, close_name in (("FPDF_LoadPage", "FPDF_ClosePage"), ("FPDFText_LoadPage", "FPDFText_ClosePage")):
        for name, sign in ((open_name, 1), (close_name, -1)):
            monkeypatch.setattr(pdfium_c, name, counted_call(getattr(pdfium_c, name), opened, open_name, sign))
    reader.read(eve_pdf)
    assert opened["FPDF_LoadPage"] == opened["FPDFText_LoadPage"] == 0

    def broken(*_: Any) -> None:
        raise RuntimeError("a text object PDFium cannot give")

    monkeypatch.setattr(reader.PageReader, "add_text", broken)
    with pytest.raises(EvepubError, match="not a readable PDF: a text object PDFium cannot give"):
        reader.read(eve_pdf)
    assert opened["FPDF_LoadPage"] == opened["FPDFText_LoadPage"] == 0


def counted_call(function: Callable[..., Any], opened: Counter[str], key: str, sign: int) -> Callable[..., Any]:
    """The function, counting +1 for each handle it opens or -1 for each it closes."""

    def call(*args: Any) -> Any:
        result = function(*args)
        if sign < 0 or result:
            opened[key] += sign
        return result

    return call


def spaces_kept_one_by_one(text: str) -> str:
    """What without_space_after_long_words must give, worked out a character at a time."""
    kept: list[str] = []
    run = 0  # characters since the last white space kept
    for char in text:
        if char == " " and run >= LONG_WORD:
            continue
        kept.append(char)
        run = 0 if char.isspace() else run + 1
    return "".join(kept)


WORDS = st.integers(0, LONG_WORD + 8).map(lambda length: "w" * length)  # around the length that matters
BLANKS = st.sampled_from([" ", "  ", "\t", "\u00a0", " \n", "\u2003 "])


@given(st.lists(st.tuples(WORDS, BLANKS), max_size=8))
@example([("w" * 25, "\t"), ("w" * 5, " "), ("w" * 19, " "), ("y", " ")])  # a kept space starts the count anew
@example([("w" * 20, " "), ("", " "), ("w" * 3, "\u00a0"), ("w" * 19, " "), ("z", " ")])  # two dropped in a row
def test_spaces_after_long_words_are_dropped_as_character_by_character(words: list[tuple[str, str]]) -> None:
    text = "".join(word + blank for word, blank in words)
    assert without_space_after_long_words(text) == spaces_kept_one_by_one(text)


def test_a_bookmark_title_is_read_as_written_even_where_pdfium_would_blank_it(tmp_path: Path) -> None:
    # PDFium's FPDFBookmark_GetTitle gives a space for a soft hyphen (undefined in PDFDocEncoding) and for every
    # character up to U+0020: that is why pypdf reads the outline
    release = dataclasses.replace(one_list("short").releases[0], name="R1-re\u00adlease", period="Q1 2030")
    _, headings, _, _ = reader.read_file(pdf_file(Roadmap("Roadmap", [release]), tmp_path))
    assert [heading.title for heading in headings] == ["R1-re\u00adlease (Q1 2030)"]


def edited_outline(path: Path, edit: Callable[[Any], None]) -> Path:
    """A copy of a PDF whose outline `edit` changed (given the outline's root dictionary)."""
    from pypdf import PdfWriter

    writer = PdfWriter(clone_from=path)
    edit(writer._root_object["/Outlines"].get_object())
    edited = path.with_name("edited.pdf")
    with edited.open("wb") as stream:
        writer.write(stream)
    return edited


def test_an_outline_that_loops_is_read_once_round(eve_pdf: Path) -> None:
    from pypdf.generic import NameObject

    def loop(outlines: Any) -> None:
        outlines["/Last"].get_object()[NameObject("/Next")] = outlines.raw_get("/First")

    assert shown(reader.read(edited_outline(eve_pdf, loop))) == shown(reader.read(eve_pdf))


def test_a_bookmark_that_goes_to_its_heading_by_an_action_is_read(eve_pdf: Path) -> None:
    from pypdf.generic import DictionaryObject, NameObject

    def as_action(outlines: Any) -> None:
        first = outlines["/First"].get_object()
        while first.get("/Dest") is None or first["/Dest"][1] != "/XYZ":  # the first release's bookmark
            first = first["/Next"].get_object()
        action = DictionaryObject({NameObject("/S"): NameObject("/GoTo"), NameObject("/D"): first["/Dest"]})
        del first["/Dest"]
        first[NameObject("/A")] = action

    assert shown(reader.read(edited_outline(eve_pdf, as_action))) == shown(reader.read(eve_pdf))

