"""The Word edition's release timeline: the PDF's chart as one picture, as Word, pandoc and openxml-audit see it."""

from __future__ import annotations

import dataclasses
import datetime as dt
import importlib.util
import io
import json
import marshal
import os
import re
import subprocess
import sys
import zipfile
import zlib
from pathlib import Path

import docx
import pytest
from lxml import etree
from PIL import Image, ImageChops
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.pdfbase.pdfmetrics import stringWidth

from evepub.formats.docx.picture_cache import Labels, cached_pictures, keep_pictures, picture_key
from evepub.formats.docx.reader import read
from evepub.formats.docx.timeline import DPI, png, timeline_pictures
from evepub.formats.docx.writer import PAGE_SIZES, write
from evepub.formats.fonts import load_fonts
from evepub.formats.settings import BuildSettings
from evepub.model import Item, ItemKind, Release, Roadmap, outline
from evepub.source import dumps

from conftest import IN_CI, ROOT, require_tool

SETTINGS = BuildSettings(timestamp=dt.datetime(2024, 6, 1, 12, 30, tzinfo=dt.UTC), edition=dt.date(2024, 6, 1))
NS = {
    "w": "http://schemas.openxmlformats.org/wordprocessingml/2006/main",
    "wp": "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing",
}
EMU_PER_POINT, EMU_PER_TWIP = 12700, 635
MISSING_THEME = "relationships/theme' is missing"  # reference.docx has no theme part: older than the picture


def build(roadmap: Roadmap, tmp_path: Path, settings: BuildSettings = SETTINGS) -> Path:
    path = tmp_path / "roadmap.docx"
    path.write_bytes(write(roadmap, settings)["roadmap.docx"])
    return path


def undated() -> Roadmap:
    """A roadmap none of whose releases has a period."""
    blocks = [Item(id="idea", text="An idea for later", kind=ItemKind.PARAGRAPH)]
    return Roadmap(title="Ideas", releases=[Release(name="Future ideas", blocks=blocks)])


def document_part(path: Path) -> etree._Element:
    with zipfile.ZipFile(path) as archive:
        return etree.fromstring(archive.read("word/document.xml"))


def media(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as archive:
        return [name for name in archive.namelist() if name.startswith("word/media/")]


def the_picture(path: Path) -> Image.Image:
    with zipfile.ZipFile(path) as archive:
        (name,) = (name for name in archive.namelist() if name.startswith("word/media/"))
        return Image.open(io.BytesIO(archive.read(name)))


def expected_periods(roadmap: Roadmap) -> list[str]:
    return [f"{release.name}: {release.period or 'no period'}" for release in roadmap.releases]


# --- the picture is there, once, with alt text; and only when a release has a period --------------------------


def test_releases_with_periods_give_one_picture_with_alt_text_after_the_overview(
    eve_roadmap: Roadmap, tmp_path: Path
) -> None:
    path = build(eve_roadmap, tmp_path)
    document = docx.Document(str(path))
    assert len(document.inline_shapes) == 1
    assert media(path) == ["word/media/image1.png"]
    (described,) = document_part(path).xpath("//wp:inline/wp:docPr/@descr", namespaces=NS)
    assert described.startswith("Release timeline")
    assert all(period in described for period in expected_periods(eve_roadmap))
    paragraphs = document.paragraphs
    heading = next(index for index, p in enumerate(paragraphs) if p.style.name == "Timeline Heading")
    assert paragraphs[heading].text == "Timeline"
    assert paragraphs[heading + 1].style.name == "Timeline"
    assert paragraphs[heading + 1]._p.xpath(".//w:drawing")
    assert paragraphs[heading - 1].text.startswith("Items are the paragraphs")  # the overview's rule, under its table
    assert read(path).entries == outline(eve_roadmap)  # neither heading nor picture is read as part of the roadmap


def test_releases_without_periods_give_no_timeline_at_all(tmp_path: Path) -> None:
    path = build(undated(), tmp_path)
    document = docx.Document(str(path))
    assert len(document.inline_shapes) == 0
    assert media(path) == []
    assert "Timeline" not in [p.text for p in document.paragraphs]
    assert "Timeline Heading" not in [style.name for style in document.styles]
    assert read(path).entries == outline(undated())


def test_a_word_build_draws_with_reportlab_only_a_timeline_its_cache_lacks(tmp_path: Path) -> None:
    source = tmp_path / "undated.yaml"
    source.write_text(dumps(undated()), encoding="utf-8")
    cache = tmp_path / "cache"

    def loaded_libraries(source: Path, outdir: Path, cache: Path | str) -> set[str]:
        script = (
            "import sys; from evepub.build import build; "
            f"build({str(source)!r}, {str(outdir)!r}, ['docx']); "
            "print(' '.join(sorted(name for name in sys.modules if name.startswith('reportlab'))))"
        )
        environment = dict(os.environ, EVEPUB_CACHE_DIR=str(cache), SOURCE_DATE_EPOCH="1700000000")
        done = subprocess.run(
            [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=120, env=environment
        )
        return set(done.stdout.split())

    assert loaded_libraries(source, tmp_path / "undated", cache) == set()
    eve = ROOT / "source" / "roadmap.yaml"
    assert "reportlab.graphics.renderPM" in loaded_libraries(eve, tmp_path / "cold", cache)
    assert len(list((cache / "pictures").glob("*.marshal"))) == 1
    assert not any(name.startswith("reportlab.graphics") for name in loaded_libraries(eve, tmp_path / "warm", cache))
    assert "reportlab.graphics.renderPM" in loaded_libraries(eve, tmp_path / "none", "")
    cold, warm, none = ((tmp_path / name / "roadmap.docx").read_bytes() for name in ("cold", "warm", "none"))
    assert cold == warm == none


def test_a_kept_picture_whose_compressed_part_is_damaged_is_drawn_again(
    eve_roadmap: Roadmap, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EVEPUB_CACHE_DIR", str(tmp_path / "cache"))
    cold = write(eve_roadmap, SETTINGS)["roadmap.docx"]
    (entry,) = (tmp_path / "cache" / "pictures").glob("*.marshal")
    kept = marshal.loads(entry.read_bytes())
    assert zlib.decompress(kept["pictures"][0]["part"], -15) == kept["pictures"][0]["png"]  # the part .docx stores
    part = kept["pictures"][0]["part"]
    kept["pictures"][0]["part"] = part[:100] + bytes([part[100] ^ 0xFF]) + part[101:]  # one flipped byte
    entry.write_bytes(marshal.dumps(kept))
    assert write(eve_roadmap, SETTINGS)["roadmap.docx"] == cold
    with zipfile.ZipFile(io.BytesIO(cold)) as package:
        assert package.testzip() is None


def test_a_chart_a_fallback_face_draws_is_never_kept(eve_roadmap: Roadmap, tmp_path: Path) -> None:
    labels = Labels("Later", "no period", "Edition")
    size, edition = (450.0, 300.0), dt.date(2024, 6, 1)
    key = picture_key(eve_roadmap.releases, size, labels, edition)
    assert key is not None
    other = dataclasses.replace(eve_roadmap.releases[0], period="Q1 2031")
    assert picture_key([other, *eve_roadmap.releases[1:]], size, labels, edition) != key  # a period is in the key
    cjk = dataclasses.replace(eve_roadmap.releases[0], name="発表 release")  # DejaVu has no kanji
    (picture,) = timeline_pictures([cjk, *eve_roadmap.releases[1:]], size, labels, edition)
    assert not picture.fallback_free  # a fallback face (or the empty box) drew it
    keep_pictures("0" * 32, [picture])
    assert cached_pictures("0" * 32) is None
    (plain,) = timeline_pictures(eve_roadmap.releases, size, labels, edition)
    assert plain.fallback_free


def test_the_timeline_heading_is_in_the_navigation_pane_and_the_contents(eve_roadmap: Roadmap, tmp_path: Path) -> None:
    path = build(eve_roadmap, tmp_path)
    style = docx.Document(str(path)).styles["Timeline Heading"]
    assert style.element.xpath("w:pPr/w:outlineLvl/@w:val") == ["0"]  # as a release: before the first one
    root = document_part(path)
    (bookmark,) = root.xpath("//w:p[w:pPr/w:pStyle/@w:val='TimelineHeading']/w:bookmarkStart/@w:name", namespaces=NS)
    first_entry = root.xpath("//w:hyperlink[@w:anchor]", namespaces=NS)[0]
    assert (first_entry.get(f"{{{NS['w']}}}anchor"), "".join(first_entry.xpath(".//w:t/text()", namespaces=NS))) == (
        bookmark,
        "Timeline",
    )


# --- independent readers ------------------------------------------------------------------------------------


def test_pandoc_shows_the_picture_with_its_alt_text_under_the_timeline(eve_roadmap: Roadmap, tmp_path: Path) -> None:
    pandoc = require_tool("pandoc")
    path = build(eve_roadmap, tmp_path)
    command = [pandoc, "-f", "docx", "-t", "json", str(path)]
    result = subprocess.run(command, capture_output=True, check=True, timeout=120)
    blocks = json.loads(result.stdout)["blocks"]
    heading = next(
        index
        for index, block in enumerate(blocks)
        if block["t"] == "Header" and [inline.get("c") for inline in block["c"][2]] == ["Timeline"]
    )
    (image,) = blocks[heading + 1]["c"]
    assert image["t"] == "Image"
    _, alt, (target, _) = image["c"]
    assert target.endswith("media/image1.png")
    alt_text = "".join(inline.get("c", " ") if inline["t"] == "Str" else " " for inline in alt)
    (described,) = document_part(path).xpath("//wp:docPr/@descr", namespaces=NS)
    assert alt_text == described
    plain = subprocess.run(
        [pandoc, "-f", "docx", "-t", "plain", "--wrap=none", str(path)], capture_output=True, text=True, check=True
    ).stdout
    assert f"Timeline\n\n[{described}]" in plain


def test_openxml_audit_finds_nothing_the_picture_brought(eve_roadmap: Roadmap, tmp_path: Path) -> None:
    if importlib.util.find_spec("openxml_audit") is None:
        if IN_CI:
            pytest.fail("openxml-audit is required in CI (CI=true) but is not installed")
        pytest.skip("openxml-audit is not installed; pip install -e '.[test]' installs it")
    path = build(eve_roadmap, tmp_path)
    command = [sys.executable, "-m", "openxml_audit", "-o", "json", "-m", "0", str(path)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300)
    (report,) = json.loads(done.stdout)
    findings = [finding for finding in report["errors"] if MISSING_THEME not in finding["description"]]
    assert findings == [], findings
    assert report["warning_count"] == 0


# --- the PNG ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("page_size", list(PAGE_SIZES))
def test_the_png_has_the_pixels_of_its_size_on_the_page_at_its_resolution(
    eve_roadmap: Roadmap, tmp_path: Path, page_size: str
) -> None:
    path = build(eve_roadmap, tmp_path, dataclasses.replace(SETTINGS, page_size=page_size))
    (extent,) = document_part(path).xpath("//wp:inline/wp:extent", namespaces=NS)
    width, height = (int(extent.get(side)) / EMU_PER_POINT for side in ("cx", "cy"))
    section = docx.Document(str(path)).sections[0]
    text_width = section.page_width.twips - section.left_margin.twips - section.right_margin.twips
    assert int(extent.get("cx")) == text_width * EMU_PER_TWIP  # as wide as the text
    inline = extent.getparent()
    assert [inline.get(side) for side in ("distT", "distB", "distL", "distR")] == ["0"] * 4  # and no wider
    picture = the_picture(path)
    assert DPI >= 200
    assert picture.format == "PNG"
    assert picture.size == (int(width * DPI / 72 + 0.5), int(height * DPI / 72 + 0.5))
    assert picture.info["dpi"] == pytest.approx((DPI, DPI), abs=0.01)


def label_picture(text: str, face: str, size: float) -> Image.Image:
    """A one-label drawing as the Word edition's PNG."""
    drawing = Drawing(200, 20)
    drawing.initialFontName = face
    drawing.add(String(0, 5, text, fontName=face, fontSize=size, fillColor=colors.black))
    return Image.open(io.BytesIO(png(drawing, DPI)))


def test_the_labels_are_drawn_in_the_pdfs_dejavu_faces() -> None:
    fonts = load_fonts([])
    text, size = "K-release Q2-Q3 2024", 8.0
    left, _, right, _ = ImageChops.invert(label_picture(text, fonts.bold, size).convert("L")).getbbox()
    expected = stringWidth(text, fonts.bold, size) * DPI / 72
    assert abs((right - left) - expected) < 0.03 * expected  # DejaVu Sans Bold's widths, as in the PDF
    assert abs(stringWidth(text, "Helvetica-Bold", size) * DPI / 72 - expected) > 0.05 * expected  # a fallback shows


def test_the_same_roadmap_gives_the_same_picture_whatever_was_drawn_before(eve_roadmap: Roadmap) -> None:
    first = write(eve_roadmap, SETTINGS)["roadmap.docx"]
    label_picture("Q1 2030", load_fonts([]).regular, 8.0)  # moves on the rasteriser's pseudo-random nudges
    assert write(eve_roadmap, SETTINGS)["roadmap.docx"] == first


# --- a chart taller than a page ----------------------------------------------------------------------------


def test_a_timeline_of_more_releases_than_a_page_holds_is_a_picture_a_page_each_with_its_releases(
    tmp_path: Path,
) -> None:
    from test_pdf import many_releases

    roadmap = many_releases(150)
    path = build(roadmap, tmp_path)
    document = docx.Document(str(path))
    section = document.sections[0]
    text_height = section.page_height.pt - section.top_margin.pt - section.bottom_margin.pt
    heights = [shape.height.pt for shape in document.inline_shapes]
    assert len(heights) >= 3 and max(heights) <= text_height  # each picture fits a page
    assert min(heights[1:]) > heights[0]  # only the first keeps room for the heading above it
    # single-spaced: at the document's 1.15 Word makes a picture's line taller than the picture, past the page
    assert document.styles["Timeline"].paragraph_format.line_spacing == 1.0
    paragraphs = [p for p in document.paragraphs if p._p.xpath(".//w:drawing")]
    assert all(p.style.name == "Timeline" for p in paragraphs)
    described = document_part(path).xpath("//wp:inline/wp:docPr/@descr", namespaces=NS)
    named = [name for text in described for name in re.findall(r"\bR\d+\b", text)]
    assert named == [release.name for release in roadmap.releases]  # each part's alt text names its releases
    assert read(path).entries == outline(roadmap)
