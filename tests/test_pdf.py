"""The PDF edition, checked with tools we did not write: pypdf, pdftotext, pdffonts and qpdf."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import itertools
import json
import math
import re
import shutil
import subprocess
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
from defusedxml import ElementTree
from pypdf import PdfReader
from pypdf.generic import Destination
from reportlab.platypus import Flowable

from evepub.build import build
from evepub.errors import EvepubError
from evepub.formats.font_cache import load_ttfont
from evepub.formats.overview import count_items, used_statuses
from evepub.formats.pdf import body, item_runs
from evepub.formats.pdf.fonts import FACES, FONT_DIR_VARIABLE, find_faces, fontconfig_coverage
from evepub.formats.pdf.reader import read
from evepub.formats.pdf.writer import write
from evepub.formats.settings import BuildSettings
from evepub.importer import read_text
from evepub.model import Area, Block, Item, ItemKind, ItemList, ListStyle, Quarter, Release, Roadmap, outline, walk
from evepub.source import dumps, load
from evepub.verify import Expected, compare_file

from conftest import ORIGINAL, check_golden, original_lines, require_tool, tracked_roadmap

GOLDEN = Path(__file__).parent / "golden" / "pdf" / "eve-roadmap.json"
SETTINGS = BuildSettings(
    timestamp=dt.datetime(2024, 5, 15, 9, 30, tzinfo=dt.UTC),
    edition=dt.date(2024, 5, 15),
)
NO_PERIOD = "no period"  # the default wording of the overview and the timeline
TOTAL = "Total"
A4 = (595.28, 841.89)
LETTER = (612.0, 792.0)
HOSTILE = [
    "<b>bold</b> and <i>italic</i> stay as typed",
    "&amp; &lt; &#65; &nbsp; are not entities here",
    '<font color="red">red</font> <font name="Helvetica">Helvetica</font>',
    "<img src=\"/etc/passwd\"/> <img src='x.png' width=500/>",
    '<a href="javascript:alert(1)">click</a> <link href="#x">x</link>',
    "<para>para</para> <br/> <onDraw name='x'/> <seq id='s'/>",
    # CVE-2023-33733: ReportLab once evaluated colour attributes as Python
    "<font color=\"[[[getattr(pow, Word('__globals__'))['os'].system('touch /tmp/evepub-pwned')]]]\">x</font>",
    "{{ 7 * 7 }} {% raw %} =1+1 \\ trailing backslash \\",
    # the marks of text filled in after layout (pdf/deferred.py), which the source can never make
    "% evepub-deferred footer-1\n% evepub-deferred page-of-release-0",
]


def pdf_file(roadmap: Roadmap, folder: Path, settings: BuildSettings = SETTINGS) -> Path:
    outputs = write(roadmap, settings)
    for name, data in outputs.items():
        (folder / name).write_bytes(data)
    return folder / "roadmap.pdf"


def squash(text: str) -> str:
    """Text without any white space: line wrapping and spacing never decide a comparison."""
    return re.sub(r"\s+", "", text)


def assert_in_order(lines: list[str], text: str) -> None:
    haystack = squash(text)
    position = 0
    for line in lines:
        found = haystack.find(squash(line), position)
        assert found >= 0, f"not found in order: {line!r}"
        position = found + len(squash(line))


def flat_outline(reader: PdfReader, entries: list[Any] | None = None, level: int = 0) -> list[tuple[int, str, int]]:
    found = []
    for entry in reader.outline if entries is None else entries:
        if isinstance(entry, list):
            found.extend(flat_outline(reader, entry, level + 1))
        else:
            found.append((level, entry.title, reader.get_destination_page_number(entry)))
    return found


def body_text(reader: PdfReader) -> str:
    first = min(page for _, _, page in flat_outline(reader))
    return "\n".join(page.extract_text() for page in reader.pages[first:])


def headings(roadmap: Roadmap) -> list[tuple[int, str]]:
    return [
        (0 if entry.kind == "release" else 1, entry.text)
        for entry in outline(roadmap)
        if entry.kind in {"release", "area"}
    ]


def hostile_roadmap() -> Roadmap:
    items = [Item(f"h{number}", text) for number, text in enumerate(HOSTILE)]
    note = Item("note", "TODO: <script>alert(1)</script> & done", kind=ItemKind.NOTE)
    release = Release("A-release", period="Q1 2030", blocks=[ItemList(ListStyle.BULLET, items), note])
    return Roadmap(title="<b>Title</b> & <i>more</i>", releases=[release])


@pytest.fixture
def built(roadmap: Roadmap, tmp_path: Path) -> PdfReader:
    return PdfReader(pdf_file(roadmap, tmp_path))


def test_pypdf_finds_every_original_line_in_order(roadmap_text: str, built: PdfReader) -> None:
    lines = original_lines(roadmap_text)
    assert squash(lines[0]) in squash(built.pages[0].extract_text())  # the title, on the cover
    assert_in_order(lines[1:], body_text(built))


def test_pdftotext_finds_every_original_line_in_order(roadmap_text: str, roadmap: Roadmap, tmp_path: Path) -> None:
    program = require_tool("pdftotext")
    path = pdf_file(roadmap, tmp_path)
    text = subprocess.run([program, "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert_in_order(original_lines(roadmap_text), text)


def test_pdftotext_keeps_list_labels_before_their_text(eve_roadmap: Roadmap, tmp_path: Path) -> None:
    program = require_tool("pdftotext")
    path = pdf_file(eve_roadmap, tmp_path)
    text = " ".join(
        subprocess.run([program, str(path), "-"], capture_output=True, text=True, check=True).stdout.split()
    )
    numbered = [located for located in walk(eve_roadmap) if located.style and located.style.numbered]
    assert numbered
    for located in numbered:
        start = " ".join(located.item.text.split()[:3])
        assert f"{located.style.label(located.number)} {start}" in text


def front_headings(roadmap: Roadmap) -> list[tuple[int, str]]:
    """The front-matter sections the outline and the contents hold before the releases."""
    timeline = any(release.start and release.end for release in roadmap.releases)
    return [(0, "Overview"), *([(1, "Timeline")] if timeline else [])]


def test_outline_holds_every_release_and_area_in_order_at_its_heading(roadmap: Roadmap, built: PdfReader) -> None:
    bookmarks = flat_outline(built)
    assert [(level, title) for level, title, _ in bookmarks] == front_headings(roadmap) + headings(roadmap)
    for _, title, page in bookmarks:
        lines = [squash(line) for line in built.pages[page].extract_text().splitlines()]
        assert squash(title) in lines, f"{title!r} is not a line of page {page + 1}"
    pages = [page for _, _, page in bookmarks]
    assert pages == sorted(pages)
    assert built.trailer["/Root"]["/PageMode"] == "/UseOutlines"  # the bookmark pane opens with the document


def test_bookmarks_point_at_the_heading_position(eve_roadmap: Roadmap, tmp_path: Path) -> None:
    reader = PdfReader(pdf_file(eve_roadmap, tmp_path))
    tops = []

    def collect(entries: list[Any]) -> None:
        for entry in entries:
            if isinstance(entry, list):
                collect(entry)
            else:
                # /XYZ for releases and areas, /FitH for the front matter (the reader skips those)
                assert isinstance(entry, Destination) and entry.typ in ("/XYZ", "/FitH")
                assert entry.typ == "/XYZ" or entry.title in ("Overview", "Timeline"), entry.title
                tops.append(float(entry.top))

    collect(reader.outline)
    height = float(reader.pages[0].mediabox.height)
    assert all(0 < top < height for top in tops)


def test_contents_lists_every_heading_with_its_page_number_and_a_link(eve_roadmap: Roadmap, tmp_path: Path) -> None:
    reader = PdfReader(pdf_file(eve_roadmap, tmp_path))
    contents = reader.pages[1]
    text = contents.extract_text()
    assert_in_order([title for _, title in front_headings(eve_roadmap) + headings(eve_roadmap)], text)
    printed = [int(number) for number in re.findall(r"(?<![\w-])(\d+)(?![\w-])", text)]
    for _, title, page in flat_outline(reader):
        assert page + 1 in printed, f"page {page + 1} of {title!r} is not in the contents"
    spans: dict[tuple[Any, ...], list[float]] = {}  # per destination: the left and right of its links
    for annotation in contents.get("/Annots", []):
        link = annotation.get_object()
        if link.get("/Subtype") == "/Link" and "/Dest" in link:
            left, _, right, _ = (float(value) for value in link["/Rect"])
            span = spans.setdefault(tuple(link["/Dest"]), [left, right])
            span[0], span[1] = min(span[0], left), max(span[1], right)
    assert len(spans) == len(flat_outline(reader))  # every entry links to its heading
    column = max(right for _, right in spans.values()) - min(left for left, _ in spans.values())
    for left, right in spans.values():  # a click on the title or on the page number goes there
        assert right - left > 0.6 * column


def test_every_url_is_a_clickable_link(roadmap: Roadmap, built: PdfReader) -> None:
    urls = {
        annotation.get_object()["/A"]["/URI"]
        for page in built.pages
        for annotation in page.get("/Annots", [])
        if "/A" in annotation.get_object() and "/URI" in annotation.get_object()["/A"]
    }
    wanted = {url for located in walk(roadmap) for url in located.item.links}
    assert wanted
    assert wanted <= urls
    text = squash(body_text(built))
    assert all(squash(url) in text for url in wanted)  # printed in full


def fonts_of(resources: Any, seen: dict[str, Any]) -> None:
    resources = resources.get_object() if resources is not None else {}
    for font in resources.get("/Font", {}).values():
        font = font.get_object()
        seen[str(font["/BaseFont"])] = font
    for xobject in resources.get("/XObject", {}).values():
        xobject = xobject.get_object()
        if xobject.get("/Subtype") == "/Form":
            fonts_of(xobject.get("/Resources"), seen)


def test_every_font_is_an_embedded_subset(built: PdfReader) -> None:
    assert len(built.pages) > 3
    seen: dict[str, Any] = {}
    for page in built.pages:
        fonts_of(page.get("/Resources"), seen)
    assert seen
    for name, font in seen.items():
        assert re.fullmatch(r"/[A-Z]{6}\+.+", name), f"{name} is not a subset"
        assert "/FontFile2" in font["/FontDescriptor"].get_object(), f"{name} is not embedded"
        assert "Helvetica" not in name and "Times" not in name


def test_pdffonts_says_every_font_is_embedded(roadmap: Roadmap, tmp_path: Path) -> None:
    program = require_tool("pdffonts")
    report = subprocess.run([program, str(pdf_file(roadmap, tmp_path))], capture_output=True, text=True, check=True)
    rows = report.stdout.splitlines()[2:]
    assert rows
    for row in rows:
        _, kind, *rest = row.split()
        assert rest[-5:-3] == ["yes", "yes"], row  # emb, sub
        assert kind == "TrueType", row


def test_qpdf_finds_no_errors(roadmap: Roadmap, tmp_path: Path) -> None:
    program = require_tool("qpdf")
    done = subprocess.run([program, "--check", str(pdf_file(roadmap, tmp_path))], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "No syntax or stream encoding errors" in done.stdout


def test_markup_in_the_source_prints_literally(tmp_path: Path) -> None:
    pwned = Path("/tmp/evepub-pwned")
    pwned.unlink(missing_ok=True)
    roadmap = hostile_roadmap()
    reader = PdfReader(pdf_file(roadmap, tmp_path))
    text = "\n".join(page.extract_text() for page in reader.pages)
    for line in [*HOSTILE, "TODO: <script>alert(1)</script> & done", roadmap.title]:
        assert squash(line) in squash(text)
    assert not pwned.exists()
    assert reader.metadata.title == roadmap.title
    body = [entry for entry in flat_outline(reader) if entry[:2] not in front_headings(roadmap)]
    assert body[0][1] == "A-release (Q1 2030)"
    uris = [
        str(annotation.get_object()["/A"].get("/URI", ""))
        for page in reader.pages
        for annotation in page.get("/Annots", [])
        if "/A" in annotation.get_object()
    ]
    assert not any("javascript" in uri for uri in uris)
    assert read(tmp_path / "roadmap.pdf").entries[2].text == HOSTILE[0]
    for number, page in enumerate(reader.pages[1:], start=2):  # page numbers and footers filled in as ever
        assert f"Page {number} of {len(reader.pages)}" in page.extract_text()


def test_the_same_roadmap_gives_the_same_bytes(roadmap: Roadmap) -> None:
    assert write(roadmap, SETTINGS) == write(roadmap, SETTINGS)


def test_document_information_comes_from_the_roadmap_and_the_settings(tmp_path: Path) -> None:
    roadmap = read_text(ORIGINAL.read_text(encoding="utf-8"))
    roadmap.author = "LF Edge EVE TSC"
    reader = PdfReader(pdf_file(roadmap, tmp_path))
    info = reader.metadata
    assert info.title == "Feature Roadmap"
    assert info.author == "LF Edge EVE TSC"
    assert info.subject == "LF Edge EVE-OS feature roadmap"
    assert "K-release" in info["/Keywords"] and "Future ideas" in info["/Keywords"]
    assert info["/CreationDate"].startswith("D:20240515093000")
    assert info["/ModDate"] == info["/CreationDate"]
    assert "Edition of 15 May 2024" in reader.pages[0].extract_text()


def test_version_appears_on_the_cover(eve_roadmap: Roadmap, tmp_path: Path) -> None:
    eve_roadmap.version = "2024.2"
    reader = PdfReader(pdf_file(eve_roadmap, tmp_path))
    assert "Edition of 15 May 2024, version 2024.2" in " ".join(reader.pages[0].extract_text().split())


@pytest.mark.parametrize(("page_size", "expected"), [("A4", A4), ("Letter", LETTER)])
def test_page_size(eve_roadmap: Roadmap, tmp_path: Path, page_size: str, expected: tuple[float, float]) -> None:
    settings = dataclasses.replace(SETTINGS, page_size=page_size)
    reader = PdfReader(pdf_file(eve_roadmap, tmp_path, settings))
    for page in reader.pages:
        assert (round(float(page.mediabox.width), 2), round(float(page.mediabox.height), 2)) == expected


def test_unknown_page_size_is_a_clear_error(eve_roadmap: Roadmap) -> None:
    with pytest.raises(EvepubError, match="A4, Letter"):
        write(eve_roadmap, dataclasses.replace(SETTINGS, page_size="A5"))


def top_line(page: Any) -> str:
    pieces: list[tuple[float, float, str]] = []

    def visit(text: str, cm: list[float], tm: list[float], font: Any, size: float) -> None:
        if text.strip():
            pieces.append((tm[5] * cm[3] + cm[5], tm[4] * cm[0] + cm[4], text.strip()))

    page.extract_text(visitor_text=visit)
    top = max(y for y, _, _ in pieces)
    return " ".join(text for y, _, text in sorted(pieces, key=lambda piece: piece[1]) if abs(y - top) < 0.5)


def test_every_page_but_the_cover_has_a_running_header_and_footer(roadmap: Roadmap, built: PdfReader) -> None:
    total = len(built.pages)
    assert "Page" not in built.pages[0].extract_text()
    for number, page in enumerate(built.pages[1:], start=2):
        assert f"Page {number} of {total}" in page.extract_text()
        assert top_line(page).startswith(roadmap.title)
    # releases flow: a page's header names the release that starts at its top, or the one still running there
    starts = [(page, title) for level, title, page in flat_outline(built) if level == 0]
    for page in sorted({page for page, _ in starts}):
        before = [title for start, title in starts if start < page][-1:]
        first_here = [title for start, title in starts if start == page][:1]
        header = top_line(built.pages[page])
        assert any(header.endswith(title) for title in before + first_here), (header, before, first_here)


def test_missing_fonts_give_a_clear_error_naming_the_override(
    eve_roadmap: Roadmap, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(FONT_DIR_VARIABLE, str(tmp_path))
    with pytest.raises(EvepubError, match=FONT_DIR_VARIABLE) as error:
        write(eve_roadmap, SETTINGS)
    assert "DejaVuSans.ttf" in str(error.value)


def test_the_font_folder_override_is_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    system = find_faces()
    for path in system.values():
        shutil.copy(path, tmp_path / path.name)
    monkeypatch.setenv(FONT_DIR_VARIABLE, str(tmp_path))
    faces = find_faces()
    assert set(faces) == set(FACES)
    assert all(path.parent == tmp_path for path in faces.values())


def test_fontconfig_gives_the_plain_faces_not_the_condensed_or_light_ones(monkeypatch: pytest.MonkeyPatch) -> None:
    require_tool("fc-list")
    monkeypatch.delenv(FONT_DIR_VARIABLE, raising=False)
    assert {role: path.name for role, path in find_faces().items()} == {role: name for role, (name, _) in FACES.items()}


def test_a_font_from_the_cache_is_the_font_reportlab_parses(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EVEPUB_CACHE_DIR", str(tmp_path))
    path = find_faces()["regular"]

    def face_data(font: Any) -> dict[str, Any]:
        return {key: value for key, value in vars(font.face).items() if key != "_pdfScale"}

    parsed = load_ttfont("parsed", path)  # the cache is empty: parsed, then kept
    (entry,) = (tmp_path / "fonts").glob("*.marshal")
    cached = load_ttfont("cached", path)
    assert vars(cached).keys() == vars(parsed).keys()
    assert face_data(cached) == face_data(parsed)
    assert cached.face._pdfScale(2048) == parsed.face._pdfScale(2048)
    assert cached.stringWidth("Feature Roadmap", 10) == parsed.stringWidth("Feature Roadmap", 10)
    entry.write_bytes(b"not marshal data")
    assert face_data(load_ttfont("reparsed", path)) == face_data(parsed)


def test_characters_no_installed_font_has_still_extract(tmp_path: Path) -> None:
    text = "日本語のテキスト 😀 and 𝐀𝐁 beyond the BMP"
    release = Release("A-release", period="Q1 2030", blocks=[Item("x", text, kind=ItemKind.PARAGRAPH)])
    path = pdf_file(Roadmap("T", releases=[release]), tmp_path)
    assert text in PdfReader(path).pages[-1].extract_text()
    assert read(path).entries[-1].text == text


def test_a_fallback_face_sets_characters_dejavu_lacks(tmp_path: Path) -> None:
    candidates = fontconfig_coverage(ord("𝐀"))
    if not candidates:
        pytest.skip("no installed font has U+1D400")
    release = Release("A-release", period="Q1 2030", blocks=[Item("x", "bold math 𝐀", kind=ItemKind.PARAGRAPH)])
    reader = PdfReader(pdf_file(Roadmap("T", releases=[release]), tmp_path))
    seen: dict[str, Any] = {}
    fonts_of(reader.pages[-1].get("/Resources"), seen)
    assert any("DejaVuSans" not in name for name in seen), sorted(seen)


def test_the_reader_gives_back_every_entry(roadmap: Roadmap, tmp_path: Path) -> None:
    back = read(pdf_file(roadmap, tmp_path))
    assert back.entries == [dataclasses.replace(entry, id=None) for entry in outline(roadmap)]
    assert "item ids" in back.unrecoverable


def test_overview_counts_every_paragraph_and_list_entry_but_no_note(eve_roadmap: Roadmap, tmp_path: Path) -> None:
    counts = count_items(eve_roadmap)
    items = [located for located in walk(eve_roadmap) if located.item.kind is not ItemKind.NOTE]
    assert sum(count.items for count in counts) == len(items)
    f_release = next(count for count in counts if count.name == "F-release")
    assert f_release.by_status["proposed"] == 5 and f_release.by_status["design approved"] == 1
    reader = PdfReader(pdf_file(eve_roadmap, tmp_path))
    overview = " ".join(reader.pages[2].extract_text().split())
    for count in counts:
        assert count.name in overview
    assert "Timeline" in overview


def shown(count: int) -> str:
    """A count as the overview table prints it: a zero is a dash."""
    return str(count) if count else "–"


def overview_rows(roadmap: Roadmap) -> list[list[str]]:
    """The overview table below its header, counted from the model: per release its name, its period, its items
    and its items per status some release uses, in vocabulary order; then the total row. Notes do not count."""
    counters = {id(release): Counter[str]() for release in roadmap.releases}
    for located in walk(roadmap):
        if located.item.kind is not ItemKind.NOTE:
            counters[id(located.release)][roadmap.status(located.item.status).name] += 1
    used = sum(counters.values(), Counter[str]())
    statuses = [status.name for status in roadmap.statuses if used[status.name]]

    def numbers(counter: Counter[str]) -> list[str]:
        return [shown(counter.total()), *(shown(counter[name]) for name in statuses)]

    rows = [
        [release.name, release.period or NO_PERIOD, *numbers(counters[id(release)])] for release in roadmap.releases
    ]
    return [*rows, [TOTAL, *numbers(sum(counters.values(), Counter[str]()))]]


def overview_lines(reader: PdfReader) -> list[str]:
    """The non-blank lines of the page under the heading Overview, white space folded."""
    for page in reader.pages:
        lines = [" ".join(line.split()) for line in page.extract_text().splitlines()]
        lines = [line for line in lines if line]
        if lines and lines[0] == "Overview":
            return lines
    raise AssertionError("no page starts with the heading Overview")


def test_overview_prints_the_counts_of_every_release_and_status_and_the_totals(
    roadmap: Roadmap, built: PdfReader
) -> None:
    expected = overview_rows(roadmap)
    lines = overview_lines(built)
    start = lines.index(expected[0][0])  # the first release: the header row ends before it
    # a text extractor may join a row's cells on one line or give each its own: compare the words, in order
    expected_words = " ".join(cell for row in expected for cell in row).split()
    assert " ".join(lines[start:]).split()[: len(expected_words)] == expected_words
    header = " ".join(lines[1:start])
    used = {
        located.item.status or roadmap.default_status
        for located in walk(roadmap)
        if located.item.kind is not ItemKind.NOTE
    }
    columns = [status.name for status in roadmap.statuses if status.name in used]  # only statuses some release uses
    assert header == " ".join(["Release", "Items", *columns])


def test_overview_shows_a_release_without_items_with_dashes_in_plain_type(eve_roadmap: Roadmap, tmp_path: Path) -> None:
    eve_roadmap.releases.append(Release("Empty release", period="Q1 2030"))
    reader = PdfReader(pdf_file(eve_roadmap, tmp_path))
    words = " ".join(overview_lines(reader)).split()
    start = words.index("Empty")
    columns = 1 + len(used_statuses(eve_roadmap, count_items(eve_roadmap)))  # Items, then each status used
    assert words[start : start + 4 + columns] == ["Empty", "release", "Q1", "2030", *["–"] * columns]
    dashes = [piece for piece in overview_pieces(reader) if piece[0] == "–"]
    assert dashes and all("Bold" not in face for _, face in dashes)  # a count of nothing is never bold


def overview_pieces(reader: PdfReader) -> list[tuple[str, str]]:
    """The text pieces of the overview page, each with the base font it is drawn in."""
    page = next(page for page in reader.pages if "Overview" in page.extract_text().split("\n")[:3])
    pieces: list[tuple[str, str]] = []

    def visit(text: str, cm: Any, tm: Any, font: Any, size: float) -> None:
        if text.strip() and font is not None:
            pieces.append((text.strip(), str(font.get("/BaseFont", ""))))

    page.extract_text(visitor_text=visit)
    return pieces


def test_timeline_svg_names_every_release_and_is_stable(roadmap: Roadmap) -> None:
    outputs = write(roadmap, SETTINGS)
    svg = outputs["roadmap-timeline.svg"]
    assert svg == write(roadmap, SETTINGS)["roadmap-timeline.svg"]
    tree = ElementTree.fromstring(svg)
    texts = ["".join(element.itertext()) for element in tree.iter() if element.tag.endswith("text")]
    joined = " ".join(texts)
    for release in roadmap.releases:
        assert release.name in joined
        assert (release.period or "no period") in joined
    title = next(element for element in tree.iter() if element.tag.endswith("title"))
    assert roadmap.title in title.text
    assert b"evepub-" not in svg and b"Helvetica" not in svg


def golden_view(reader: PdfReader) -> dict[str, Any]:
    pages = []
    for page in reader.pages:
        lines = [" ".join(line.split()) for line in page.extract_text().splitlines()]
        pages.append([line for line in lines if line])
    fonts: dict[str, Any] = {}
    for page in reader.pages:
        fonts_of(page.get("/Resources"), fonts)
    return {
        "page_size": [
            round(float(reader.pages[0].mediabox.width), 2),
            round(float(reader.pages[0].mediabox.height), 2),
        ],
        "pages": len(reader.pages),
        "fonts": sorted(name.split("+")[-1] for name in fonts),
        "outline": [[level, title, page + 1] for level, title, page in flat_outline(reader)],
        "text": pages,
    }


@pytest.mark.golden
def test_golden_structure_outline_and_text(eve_roadmap: Roadmap, tmp_path: Path) -> None:
    view = golden_view(PdfReader(pdf_file(eve_roadmap, tmp_path)))
    check_golden(GOLDEN, json.dumps(view, ensure_ascii=False, indent=1) + "\n")


# --- the tracked fields a program manager sets: status, owner, target date, notes ---

SOURCE = Path(__file__).resolve().parent.parent / "source" / "roadmap.yaml"
TRACKED_TEXT = "Setup CAN interfaces on the host"  # k-setup-can-interfaces-on-the, without a status of its own
READABLE_SIZE = 8.0  # points
READABLE_CONTRAST = 4.5  # against white (WCAG AA for text)


@dataclasses.dataclass(frozen=True)
class Drawn:
    """A piece of text as a PDF viewer draws it: its text, font size, fill colour (RGB 0..1) and baseline."""

    text: str
    size: float
    fill: tuple[float, float, float]
    y: float


def drawn_texts(page: Any) -> list[Drawn]:
    """Every non-blank piece of text of a page, with the size and fill colour it is drawn in (pypdf's visitors)."""
    fills: list[tuple[float, float, float]] = [(0.0, 0.0, 0.0)]
    found: list[Drawn] = []

    def before(operator: bytes, operands: list[Any], cm: list[float], tm: list[float]) -> None:
        if operator == b"q":
            fills.append(fills[-1])
        elif operator == b"Q" and len(fills) > 1:
            fills.pop()
        elif operator == b"rg":
            fills[-1] = (float(operands[0]), float(operands[1]), float(operands[2]))
        elif operator == b"g":
            fills[-1] = (float(operands[0]),) * 3

    def text(content: str, cm: list[float], tm: list[float], font: Any, size: float) -> None:
        if content.strip():
            scale = abs(tm[0] * cm[0]) or 1.0
            y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
            found.append(Drawn(content, size * scale, fills[-1], round(y, 1)))

    page.extract_text(visitor_operand_before=before, visitor_text=text)
    return found


def contrast_on_white(fill: tuple[float, float, float]) -> float:
    """The WCAG contrast ratio of a fill colour against white."""
    red, green, blue = (value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4 for value in fill)
    return 1.05 / (0.2126 * red + 0.7152 * green + 0.0722 * blue + 0.05)


def details_line(reader: PdfReader, needle: str) -> list[Drawn]:
    """The pieces of text on (within a point of) the baseline of the first piece that holds `needle`."""
    for page in reader.pages:
        drawn = drawn_texts(page)
        hit = next((piece for piece in drawn if needle in piece.text), None)
        if hit is not None:
            return [piece for piece in drawn if abs(piece.y - hit.y) < 1.0]
    raise AssertionError(f"{needle!r} is drawn nowhere")


def test_tracked_fields_are_shown_at_a_readable_size(tmp_path: Path) -> None:
    reader = PdfReader(pdf_file(tracked_roadmap(), tmp_path))
    text = body_text(reader)
    assert_in_order([TRACKED_TEXT, "Owner: Jane Doe · Target: 2025-03-31 · needs a board"], text)
    assert_in_order(["Introduction of CAN Bus support", "Owner: Ann Other"], text)
    assert_in_order(["Advantech EPC-R3720", "Target: 2024-12-01"], text)
    for needle in ("Jane Doe", "Ann Other", "ask the release manager", "Target: 2024-12-01"):
        line = details_line(reader, needle)
        assert all(piece.size >= READABLE_SIZE for piece in line), line
        assert all(contrast_on_white(piece.fill) >= READABLE_CONTRAST for piece in line), line
    for item_text, status in ((TRACKED_TEXT, "done"), ("Advantech EPC-R3720", "blocked")):  # badges, drawn last
        badge = [piece for piece in details_line(reader, item_text) if piece.text.strip() == status]
        assert badge and badge[0].size >= READABLE_SIZE, badge


def test_tracked_fields_verify(tmp_path: Path) -> None:
    source = tmp_path / "roadmap.yaml"
    source.write_text(dumps(tracked_roadmap()), encoding="utf-8")
    build(source, tmp_path / "out", ["pdf"])
    expected = Expected.of(load(source))
    comparison = compare_file("pdf", tmp_path / "out" / "roadmap.pdf", expected, "pdf")
    assert comparison.ok, comparison.lines()
    back = read(tmp_path / "out" / "roadmap.pdf")
    statuses = dict(zip((entry.text for entry in back.entries), back.statuses or [], strict=True))
    assert statuses[TRACKED_TEXT] == "done" and statuses["Advantech EPC-R3720"] == "blocked"
    assert statuses["Introduction of CAN Bus support"] is None


# Issue 15: badges, flowing releases, front matter in the outline, metadata, subset tags, the timeline picture

BADGE_CONTRAST = 4.5  # WCAG AA, badge text against the badge's fill


def badge_pieces(reader: PdfReader, roadmap: Roadmap) -> list[Drawn]:
    """Every drawn piece that is a status label at the badge size (8 pt), on the body pages."""
    labels = {status.name for status in roadmap.statuses}
    return [
        piece
        for page in reader.pages[3:]
        for piece in drawn_texts(page)
        if piece.text.strip() in labels and abs(piece.size - 8.0) < 0.01
    ]


def test_no_badge_repeats_a_status_its_text_already_says(eve_roadmap: Roadmap, tmp_path: Path) -> None:
    said = [located.item for located in walk(eve_roadmap) if located.item.status]
    assert said and all(f"({item.status}" in item.text for item in said)  # every EVE status is in its text
    reader = PdfReader(pdf_file(eve_roadmap, tmp_path))
    assert badge_pieces(reader, eve_roadmap) == []
    assert "(proposed)" in body_text(reader)


def test_a_badge_is_drawn_where_the_text_does_not_say_its_status(tmp_path: Path) -> None:
    roadmap = tracked_roadmap()
    reader = PdfReader(pdf_file(roadmap, tmp_path))
    assert sorted(piece.text.strip() for piece in badge_pieces(reader, roadmap)) == ["blocked", "done"]


def test_every_badge_text_has_a_contrast_of_at_least_4_5_on_its_fill(tmp_path: Path) -> None:
    from reportlab.lib import colors

    from evepub.formats.pdf.body import badge_text_colour, contrast_ratio

    roadmap = tracked_roadmap()
    for status in roadmap.statuses:
        fill = colors.HexColor(f"#{status.colour}")
        text = badge_text_colour(fill)
        assert (text.red, text.green, text.blue) in ((0, 0, 0), (1, 1, 1))
        assert contrast_ratio(text, fill) >= BADGE_CONTRAST, status
    reader = PdfReader(pdf_file(roadmap, tmp_path))
    colours = {status.name: colors.HexColor(f"#{status.colour}") for status in roadmap.statuses}
    pieces = badge_pieces(reader, roadmap)
    assert pieces
    for piece in pieces:  # as drawn: the fill the badge text is set in, against the status colour
        drawn = colors.Color(*piece.fill)
        assert contrast_ratio(drawn, colours[piece.text.strip()]) >= BADGE_CONTRAST, piece


def page_fullness(path: Path, top: float = 72, bottom: float = 64) -> list[float]:
    """For each page, the share of the text frame's height down to its lowest line of text (pdftotext -bbox)."""
    program = require_tool("pdftotext")
    html = subprocess.run([program, "-bbox", str(path), "-"], capture_output=True, text=True, check=True).stdout
    shares = []
    for page in html.split("<page ")[1:]:
        height = float(re.search(r'height="([\d.]+)"', page).group(1))
        lows = [float(y) for y in re.findall(r'yMax="([\d.]+)"', page) if top - 2 <= float(y) <= height - bottom + 2]
        shares.append((max(lows) - top) / (height - bottom - top) if lows else 0.0)
    return shares


def test_releases_flow_onto_at_most_ten_well_filled_pages(eve_roadmap: Roadmap, tmp_path: Path) -> None:
    path = pdf_file(eve_roadmap, tmp_path)
    fullness = page_fullness(path)
    assert len(fullness) <= 10, fullness
    assert all(share >= 0.40 for share in fullness[:-1]), [f"{share:.0%}" for share in fullness]
    reader = PdfReader(path)
    release_pages = [page for level, title, page in flat_outline(reader) if level == 0 and title != "Overview"]
    assert len(set(release_pages)) < len(release_pages)  # some release starts on the page of the one before


def test_catalog_has_lang_outline_mode_and_xmp_metadata(eve_roadmap: Roadmap, tmp_path: Path) -> None:
    reader = PdfReader(pdf_file(eve_roadmap, tmp_path))
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "en" and root["/PageMode"] == "/UseOutlines"
    metadata = root["/Metadata"].get_object()
    assert metadata["/Type"] == "/Metadata" and metadata["/Subtype"] == "/XML"
    tree = ElementTree.fromstring(metadata.get_data())
    texts = {element.tag.rsplit("}", 1)[-1]: "".join(element.itertext()).strip() for element in tree.iter()}
    assert texts["language"] == "en" and texts["title"] == eve_roadmap.title and texts["CreatorTool"] == "evepub"


def test_pdffonts_shows_a_distinct_subset_tag_per_font(eve_roadmap: Roadmap, tmp_path: Path) -> None:
    program = require_tool("pdffonts")
    listing = subprocess.run([program, str(pdf_file(eve_roadmap, tmp_path))], capture_output=True, text=True).stdout
    names = [line.split()[0] for line in listing.splitlines()[2:] if line.strip()]
    tags = [name.split("+")[0] for name in names]
    assert len(names) >= 3 and all(re.fullmatch(r"[A-Z]{6}", tag) for tag in tags), names
    assert len(set(tags)) == len(tags), names


def test_timeline_svg_scales_to_the_page_on_an_opaque_background_with_readable_labels(eve_roadmap: Roadmap) -> None:
    svg = write(eve_roadmap, SETTINGS)["roadmap-timeline.svg"]
    tree = ElementTree.fromstring(svg)
    assert tree.get("width") == "100%" and tree.get("height") is None
    _, _, width, height = (float(value) for value in tree.get("viewBox").split())
    assert width > 0 and height > 0
    drawn = [element for element in tree.iter() if element.tag.rsplit("}", 1)[-1] in ("rect", "g", "text", "path")]
    first = drawn[0]
    assert first.tag.endswith("rect") and first.get("fill") == "#ffffff"
    assert (float(first.get("width")), float(first.get("height"))) == (width, height)
    sizes = [float(size) for size in re.findall(rb"font-size: ?([\d.]+)", svg)]
    assert sizes and min(sizes) * 800 / width >= 11, min(sizes)  # px at 100 % of an 800 px wide page


def test_no_timeline_label_crosses_a_year_line(eve_roadmap: Roadmap) -> None:
    from reportlab.graphics.shapes import Group, Line, String
    from reportlab.pdfbase.pdfmetrics import stringWidth

    from evepub.formats.pdf.fonts import load_fonts
    from evepub.formats.pdf.writer import RoadmapDocument, load_style, paragraph_styles, render_texts

    texts = render_texts(eve_roadmap, SETTINGS)
    fonts = load_fonts(texts.all())
    style = load_style(SETTINGS.templates)
    (drawing,) = RoadmapDocument(eve_roadmap, SETTINGS, texts, fonts, style, paragraph_styles(style, fonts)).timelines
    strings: list[String] = []
    lines: list[Line] = []

    def collect(node: Any) -> None:
        for child in node.contents if isinstance(node, Group) or hasattr(node, "contents") else []:
            if isinstance(child, String):
                strings.append(child)
            elif isinstance(child, Line):
                lines.append(child)
            collect(child)

    collect(drawing)
    # the vertical rules: year starts and the later column (not the edition marker, which crosses the plot)
    years = {line.x1 for line in lines if line.x1 == line.x2 and line.strokeColor == style.colours.rule}
    assert len(years) >= 4
    for string in strings:
        left = string.x
        right = left + stringWidth(string.text, string.fontName, string.fontSize)
        assert not any(left < x < right for x in years), (string.text, left, right)


def test_an_introduction_longer_than_a_page_has_its_heading_and_reads_back_whole(tmp_path: Path) -> None:
    text = "of an introduction that goes on about the year's plans, people and process."
    paragraphs = [f"Paragraph {n} {text}" for n in range(80)]
    roadmap = dataclasses.replace(load(SOURCE), introduction=paragraphs)
    path = pdf_file(roadmap, tmp_path)
    comparison = compare_file("pdf", path, Expected.of(roadmap), "pdf")
    assert comparison.ok, comparison.lines()
    pdf = PdfReader(path)
    front = [entry for entry in pdf.outline if isinstance(entry, Destination)]
    introduction = next(entry for entry in front if entry.title == "Introduction")
    first_page = pdf.get_destination_page_number(introduction)
    assert "Introduction" in pdf.pages[first_page].extract_text()
    assert paragraphs[-1] not in pdf.pages[first_page].extract_text()  # it runs over more than one page
    assert "Introduction" in pdf.pages[1].extract_text()  # a line of the contents


def long_area_roadmap() -> Roadmap:
    """A roadmap of runs to lay out: an area of 300 entries of every height (statuses, notes, sub-lists, entries
    taller than a page), then releases of many small areas, an area and a release with no entries at all, so that
    runs (item_runs.py) break across pages, split around long entries and keep headings with what follows."""
    words = ["edge", "node", "attestation", "données", "kernel", "volume", "naïve", "telemetry"]

    def entry(number: int, length: int) -> Item:
        text = " ".join(words[(number + k) % len(words)] for k in range(length))
        children = (
            [ItemList(ListStyle.DECIMAL, [Item(f"c{number}", "child of " + text[:60])])] if number % 9 == 0 else []
        )
        status = ["done", "in progress", None][number % 3]
        return Item(f"e{number}", text, status=status, owner="Li Wei" if number % 5 == 0 else None, children=children)

    entries = [entry(number, 3 + (number * 7) % 40 + (1200 if number in (70, 71, 180) else 0)) for number in range(300)]
    blocks = [Item("intro", "An area of many entries.", kind=ItemKind.PARAGRAPH), ItemList(ListStyle.BULLET, entries)]
    blocks.insert(1, Item("note", "NOTE: a note between the paragraph and the list", kind=ItemKind.NOTE))
    areas = [Area("Many entries", blocks), Area("Empty"), Area("After", [Item("last", "The last one.")])]
    releases = [Release("Z-release", period="Q1 2025", areas=areas), Release("Y-release")]
    for number in range(12):  # small areas: their headings fall at every height of a page
        small = [
            Area(
                f"Area {n}",
                [
                    ItemList(
                        ListStyle.BULLET, [entry(1000 + 50 * number + n * 7 + k, 5 + 9 * k) for k in range(n % 5 + 1)]
                    )
                ],
            )
            for n in range(9)
        ]
        releases.append(
            Release(
                f"R{number}", period="Q2 2025", blocks=[entry(2000 + number, 12)] if number % 2 else [], areas=small
            )
        )
    return Roadmap(title="Runs", releases=releases)


def one_by_one_runs(flowables: Iterable[Flowable], kept: list[Flowable]) -> Iterator[Flowable]:
    """What body.runs gives without runs: every flowable alone, headings kept with the next by their style."""
    yield from kept
    yield from flowables
    return []


def test_items_laid_out_in_runs_land_where_the_frame_puts_them_one_by_one(monkeypatch: pytest.MonkeyPatch) -> None:
    """item_runs.py places a run's items with the frame's own arithmetic: the PDF is the same, byte for byte, as
    when the frame places every item alone, across page breaks and around entries taller than a page."""
    roadmap = long_area_roadmap()
    split = []
    original_split = item_runs.ItemRun.split
    monkeypatch.setattr(item_runs.ItemRun, "split", lambda run, *size: split.append(run) or original_split(run, *size))
    for page_size in ("A4", "Letter"):
        settings = dataclasses.replace(SETTINGS, page_size=page_size)
        in_runs = write(roadmap, settings)["roadmap.pdf"]
        with monkeypatch.context() as alone:
            alone.setattr(body, "runs", one_by_one_runs)
            one_by_one = write(roadmap, settings)["roadmap.pdf"]
        assert in_runs == one_by_one
    assert len(split) > 10  # the runs did break across pages
    assert len(PdfReader(io.BytesIO(in_runs)).pages) > 12


def many_releases(count: int) -> Roadmap:
    """A roadmap of `count` quarterly releases of one item each: a timeline taller than a page."""
    releases = []
    for number in range(count):
        year, quarter = divmod(number, 4)
        items: list[Block] = [Item(id=f"r{number}", text=f"Item of release {number}", kind=ItemKind.PARAGRAPH)]
        start = Quarter(2020 + year, quarter + 1)
        releases.append(Release(f"R{number}", f"Q{quarter + 1} {2020 + year}", start, start, items))
    return Roadmap(title="Many releases", releases=releases)


def test_a_timeline_of_more_releases_than_a_page_holds_comes_a_part_a_page_with_readable_rows() -> None:
    from evepub.formats import timeline as chart
    from evepub.formats.pdf.fonts import load_fonts
    from evepub.formats.pdf.timeline import timeline_look
    from evepub.formats.pdf.writer import (
        TIMELINE_HEADING_ROOM,
        TIMELINE_NOTE_ROOM,
        RoadmapDocument,
        load_style,
        paragraph_styles,
        render_texts,
    )

    roadmap = many_releases(150)
    texts = render_texts(roadmap, SETTINGS)
    fonts = load_fonts(texts.all())
    style = load_style(SETTINGS.templates)
    document = RoadmapDocument(roadmap, SETTINGS, texts, fonts, style, paragraph_styles(style, fonts))
    page = document.height - TIMELINE_NOTE_ROOM  # a page's frame, with room for the note under the last part
    under_heading = page - TIMELINE_HEADING_ROOM
    look = timeline_look(style)
    chart_size = (document.width, page)
    parts = chart.timeline_drawings(
        roadmap.releases, chart_size, fonts, look, texts.timeline, SETTINGS.edition, TIMELINE_HEADING_ROOM
    )
    assert [release for _, shown in parts for release in shown] == roadmap.releases  # each once, in order
    first_rows, page_rows = ((height - chart.AXIS - chart.FOOT) // chart.MIN_ROW for height in (under_heading, page))
    assert len(parts) == 1 + math.ceil((150 - first_rows) / page_rows) >= 3  # as few parts as the pages hold
    later = [len(shown) for _, shown in parts[1:]]
    assert max(later) - min(later) <= 1 and min(later) > first_rows  # a later page is not kept short for a heading
    for number, (drawing, shown) in enumerate(parts):
        assert drawing.width == document.width and drawing.height <= (page if number else under_heading)
        assert (drawing.height - chart.AXIS - chart.FOOT) / len(shown) >= chart.MIN_ROW  # never squeezed
    assert [drawing.height for drawing in document.timelines] == [drawing.height for drawing, _ in parts]
    reader = PdfReader(io.BytesIO(write(roadmap, SETTINGS)["roadmap.pdf"]))
    marks = {title: page for _, title, page in flat_outline(reader)}
    timeline_pages = range(marks["Timeline"], marks[roadmap.releases[0].heading])
    assert len(timeline_pages) == len(parts)  # a part a page, the first under the heading
    printed = " ".join(reader.pages[page].extract_text() for page in timeline_pages)
    assert Counter(re.findall(r"\bR\d+\b", printed)) == Counter(release.name for release in roadmap.releases)


def test_the_svg_of_a_timeline_in_parts_is_one_picture_of_full_rows() -> None:
    from evepub.formats import timeline as chart

    svg = write(many_releases(150), SETTINGS)["roadmap-timeline.svg"]
    tree = ElementTree.fromstring(svg)
    _, _, _, height = (float(value) for value in tree.get("viewBox").split())
    assert height == pytest.approx(chart.AXIS + chart.ROW * 150 + chart.FOOT)
    texts = " ".join("".join(element.itertext()) for element in tree.iter() if element.tag.endswith("text"))
    assert all(re.search(rf"\bR{number}\b", texts) for number in range(150))


def test_the_timeline_leaves_reportlabs_shape_checking_on_for_other_drawings() -> None:
    """The chart turns ReportLab's attribute checks off while it makes its own shapes, and back on after."""
    from reportlab.graphics.shapes import Rect

    write(many_releases(3), SETTINGS)
    with pytest.raises(AttributeError):
        Rect(0, 0, 10, 10).fillColor = "no colour at all"


def test_the_cached_timeline_svg_is_the_svg_drawn_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from evepub.formats.pdf import writer

    roadmap = many_releases(150)  # the chart in parts: the SVG's one tall picture is drawn again
    monkeypatch.setenv("EVEPUB_CACHE_DIR", str(tmp_path))
    cold = write(roadmap, SETTINGS)
    (entry,) = (tmp_path / "svg").glob("*.entry")
    with monkeypatch.context() as drawing:
        drawing.setattr(writer, "timeline_svg", lambda *_: pytest.fail("drawn again, with the SVG in the cache"))
        warm = write(roadmap, SETTINGS)
    entry.write_bytes(entry.read_bytes()[:-9] + b"damaged\n")  # a disk error, an editor: drawn again
    damaged = write(roadmap, SETTINGS)
    monkeypatch.setenv("EVEPUB_CACHE_DIR", "")
    assert cold == warm == damaged == write(roadmap, SETTINGS)


def test_the_timeline_svg_is_kept_per_chart_and_never_with_a_fallback_face(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from evepub.formats.pdf.fonts import FontSet
    from evepub.formats.pdf.style import load_style
    from evepub.formats.pdf.svg_cache import svg_key
    from evepub.formats.pdf.timeline import TimelineText, timeline_look

    releases, text = many_releases(3).releases, TimelineText("Later", NO_PERIOD, "Edition")
    look, fonts, edition = timeline_look(load_style(SETTINGS.templates)), FontSet("r", "b", "i"), SETTINGS.edition
    key = svg_key(releases, 450.0, look, text, edition, fonts, ("title", "periods"))
    assert key is not None
    moved = [dataclasses.replace(releases[0], period="Q1 2031"), *releases[1:]]
    assert svg_key(moved, 450.0, look, text, edition, fonts, ("title", "periods")) != key
    assert svg_key(releases, 451.0, look, text, edition, fonts, ("title", "periods")) != key
    fallback = FontSet("r", "b", "i", fallback={"発": "fallback-0"})
    assert svg_key(releases, 450.0, look, text, edition, fallback, ("title", "periods")) is None
    monkeypatch.setenv("EVEPUB_CACHE_DIR", str(tmp_path))
    roadmap = many_releases(3)
    roadmap.releases[0].name = "発表 release"  # DejaVu has no kanji
    assert "roadmap-timeline.svg" in write(roadmap, SETTINGS)
    assert not list(tmp_path.glob("svg/*"))


def test_a_timeline_of_many_years_names_every_fifth_or_tenth_year_where_no_year_fits_its_quarters() -> None:
    from reportlab.graphics.shapes import String

    from evepub.formats import timeline as chart
    from evepub.formats.pdf.fonts import load_fonts
    from evepub.formats.pdf.timeline import timeline_look
    from evepub.formats.pdf.writer import load_style, render_texts

    def strings(node: Any) -> Iterator[str]:
        for child in getattr(node, "contents", []):
            if isinstance(child, String):
                yield child.text
            yield from strings(child)

    roadmap = many_releases(150)  # 2020 to 2057: 150 quarters, too narrow a column for a year each
    texts = render_texts(roadmap, SETTINGS)
    fonts = load_fonts(texts.all())
    look = timeline_look(load_style(SETTINGS.templates))
    parts = chart.timeline_drawings(roadmap.releases, (480.0, 700.0), fonts, look, texts.timeline, SETTINGS.edition)
    for drawing, _ in parts:
        years = [int(text) for text in strings(drawing) if re.fullmatch(r"\d{4}", text)]
        steps = {later - earlier for earlier, later in itertools.pairwise(years)}
        assert len(years) >= 3 and len(steps) == 1 and steps.pop() in chart.YEAR_STEPS, years
        assert all(year % (years[1] - years[0]) == 0 for year in years)  # round years: 2020, 2025, ...
