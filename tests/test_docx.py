"""The Word output, checked as a reader would: python-docx, pandoc and LibreOffice find every line and every list."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import itertools
import json
import re
import shutil
import subprocess
import tracemalloc
import zipfile
from pathlib import Path

import docx
import pytest
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree
from strategies import tracked_roadmaps

from evepub.build import build as build_outputs
from evepub.errors import EvepubError
from evepub.formats import FORMATS
from evepub.formats.docx import paragraph_text as as_text
from evepub.formats.docx import wordml
from evepub.formats.docx import writer as docx_writer
from evepub.formats.docx.reader import PART_PARSER, WordPackage, read, read_document
from evepub.formats.docx.reference import DEFAULT_PATH, build_reference
from evepub.formats.docx.stream import XmlStream
from evepub.formats.docx.writer import reference_document, saved_parts, write
from evepub.formats.ooxml import XML_SPACE, StreamedPart, pack, pack_streamed, unpack
from evepub.formats.settings import BuildSettings
from evepub.importer import read_text
from evepub.model import Area, Entry, Item, ItemKind, ItemList, ListStyle, Release, Roadmap, outline, walk
from evepub.source import dumps, load
from evepub.templating import Templates
from evepub.verify import Expected, compare, compare_file

from conftest import check_golden, original_lines, require_tool, tracked_roadmap

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
NS = {"w": W_NS, "r": R_NS}
GOLDEN = Path(__file__).parent / "golden" / "docx"
GOLDEN_PARTS = ("word/document.xml", "word/numbering.xml", "word/styles.xml")
SETTINGS = BuildSettings(timestamp=dt.datetime(2024, 6, 1, 12, 30, tzinfo=dt.UTC), edition=dt.date(2024, 6, 1))
WORD_FORMATS = {
    ListStyle.BULLET: "bullet",
    ListStyle.DECIMAL: "decimal",
    ListStyle.LOWER_ALPHA: "lowerLetter",
    ListStyle.UPPER_ALPHA: "upperLetter",
}
PANDOC_STYLES = {"Decimal": ListStyle.DECIMAL, "LowerAlpha": ListStyle.LOWER_ALPHA, "UpperAlpha": ListStyle.UPPER_ALPHA}


def build(roadmap: Roadmap, tmp_path: Path, settings: BuildSettings = SETTINGS) -> Path:
    files = write(roadmap, settings)
    assert list(files) == ["roadmap.docx"]
    path = tmp_path / "roadmap.docx"
    path.write_bytes(files["roadmap.docx"])
    return path


def part(path: Path, name: str) -> etree._Element:
    with zipfile.ZipFile(path) as archive:
        return etree.fromstring(archive.read(name))


def squash(text: str) -> str:
    return " ".join(text.split())


def in_order(expected: list, found: list) -> tuple[int, object]:
    """How many of `expected` occur in `found` in order, and the first one that does not."""
    position = 0
    for count, wanted in enumerate(expected):
        while position < len(found) and found[position] != wanted:
            position += 1
        if position == len(found):
            return count, wanted
        position += 1
    return len(expected), None


def assert_in_order(expected: list, found: list, what: str) -> None:
    count, missing = in_order(expected, found)
    assert missing is None, f"{what}: {count} of {len(expected)} found in order; next missing: {missing!r}"


# --- the model comes back ------------------------------------------------------------------------------


def test_read_back_equals_outline_with_ids(roadmap: Roadmap, tmp_path: Path) -> None:
    back = read(build(roadmap, tmp_path))
    assert back.entries == outline(roadmap)  # ids included: the bookmarks and the id part keep them
    assert "item ids" not in back.unrecoverable


def test_every_original_line_is_a_python_docx_paragraph_in_order(roadmap_text: str, tmp_path: Path) -> None:
    paragraphs = [p.text for p in docx.Document(str(build(read_text(roadmap_text), tmp_path))).paragraphs]
    assert_in_order(original_lines(roadmap_text), paragraphs, "original lines among the Word paragraphs")


def test_headings_title_and_notes_use_their_styles(roadmap: Roadmap, tmp_path: Path) -> None:
    document = docx.Document(str(build(roadmap, tmp_path)))
    styled = [(p.style.name, p.text) for p in document.paragraphs]
    expected = [("Title", roadmap.title)]
    for release in roadmap.releases:
        expected.append(("Heading 1", release.heading))
        expected += [("Heading 2", area.title) for area in release.areas]
    assert_in_order(expected, styled, "title and headings")
    notes = [located.item.text for located in walk(roadmap) if located.item.kind is ItemKind.NOTE]
    assert [text for style, text in styled if style == "Note"] == notes
    headings = [text for style, text in styled if style in ("Heading 1", "Heading 2")]
    assert headings == [text for _, text in expected[1:]]


# --- real Word lists -----------------------------------------------------------------------------------


def list_paragraphs(path: Path) -> list[tuple[str, int, int]]:
    """(text, ilvl, numId) of every numbered paragraph, read straight from document.xml."""
    found = []
    for p in part(path, "word/document.xml").iter(f"{{{W_NS}}}p"):
        num_pr = p.find("w:pPr/w:numPr", NS)
        if num_pr is not None:
            text = "".join(p.xpath(".//w:t/text()", namespaces=NS))
            level = int(num_pr.find("w:ilvl", NS).get(f"{{{W_NS}}}val"))
            found.append((text, level, int(num_pr.find("w:numId", NS).get(f"{{{W_NS}}}val"))))
    return found


def numbering_formats(path: Path) -> tuple[dict[tuple[int, int], str], dict[tuple[int, int], int]]:
    """(numId, ilvl) -> numFmt, and (numId, ilvl) -> startOverride, from numbering.xml."""
    root = part(path, "word/numbering.xml")
    val = f"{{{W_NS}}}val"
    abstract_levels = {
        (abstract.get(f"{{{W_NS}}}abstractNumId"), level.get(f"{{{W_NS}}}ilvl")): level.find("w:numFmt", NS).get(val)
        for abstract in root.findall("w:abstractNum", NS)
        for level in abstract.findall("w:lvl", NS)
    }
    formats, starts = {}, {}
    for num in root.findall("w:num", NS):
        num_id = int(num.get(f"{{{W_NS}}}numId"))
        abstract_id = num.find("w:abstractNumId", NS).get(val)
        for level in range(9):
            formats[(num_id, level)] = abstract_levels[(abstract_id, str(level))]
        for override in num.findall("w:lvlOverride", NS):
            starts[(num_id, int(override.get(f"{{{W_NS}}}ilvl")))] = int(override.find("w:startOverride", NS).get(val))
    return formats, starts


def test_lists_are_word_numbering_restarting_per_list(roadmap: Roadmap, tmp_path: Path) -> None:
    path = build(roadmap, tmp_path)
    formats, starts = numbering_formats(path)
    paragraphs = list_paragraphs(path)
    items = [located for located in walk(roadmap) if located.style is not None]
    assert [(text, level) for text, level, _ in paragraphs] == [(i.item.text, i.depth) for i in items]
    list_of_item: dict[int, int] = {}  # numId per ItemList, found through its first item
    for located, (_, level, num_id) in zip(items, paragraphs, strict=True):
        assert formats[(num_id, level)] == WORD_FORMATS[located.style], located.item.text
        list_of_item[id(located.item)] = num_id
    seen_num_ids = set()
    for item_list in _item_lists(roadmap):
        num_ids = {list_of_item[id(item)] for item in item_list.items}
        assert len(num_ids) == 1, "one numbering instance per list"
        (num_id,) = num_ids
        assert num_id not in seen_num_ids, "each list has its own numbering instance, so it restarts"
        seen_num_ids.add(num_id)
        if item_list.style.numbered:
            depth = next(i.depth for i in items if i.item is item_list.items[0])
            assert starts[(num_id, depth)] == item_list.start


def _item_lists(roadmap: Roadmap) -> list[ItemList]:
    found: list[ItemList] = []

    def visit(blocks: list) -> None:
        for block in blocks:
            if isinstance(block, ItemList):
                found.append(block)
                for item in block.items:
                    visit(item.children)
            else:
                visit(block.children)

    for release in roadmap.releases:
        visit(release.blocks)
        for area in release.areas:
            visit(area.blocks)
    return found


def test_lettered_and_numbered_lists_of_the_original(eve_roadmap: Roadmap, tmp_path: Path) -> None:
    path = build(eve_roadmap, tmp_path)
    formats, _ = numbering_formats(path)
    by_text = {text: formats[(num_id, level)] for text, level, num_id in list_paragraphs(path)}
    assert by_text["Monthly Video about EVE"] == "lowerLetter"
    assert by_text["Github Actions refactoring"] == "lowerLetter"
    assert by_text["NVMe/Vhost"] == "decimal"
    assert by_text["CI/CD"] == "decimal"
    assert by_text["Prototype"] == "bullet"
    assert all(not re.match(r"(\d+|[a-z])\.\s|[•◦▪-]\s", text) for text in by_text), "markers are never typed"


def test_nesting_deeper_than_word_levels_is_clamped_and_read_back(tmp_path: Path) -> None:
    def nest(depth: int) -> ItemList:
        item = Item(id=f"level-{depth}", text=f"Level {depth}")
        if depth < 12:
            item.children.append(nest(depth + 1))
        return ItemList(ListStyle.DECIMAL if depth % 2 else ListStyle.BULLET, [item])

    roadmap = Roadmap(title="Deep", releases=[Release(name="A-release", blocks=[nest(0)])])
    path = build(roadmap, tmp_path)
    levels = [level for _, level, _ in list_paragraphs(path)]
    assert levels == [min(depth, 8) for depth in range(13)]
    assert read(path).entries == outline(roadmap)  # the reader gives the depth back from the indentation


# --- links, table of contents, footer, properties --------------------------------------------------------


def test_urls_are_clickable_external_hyperlinks(roadmap: Roadmap, tmp_path: Path) -> None:
    path = build(roadmap, tmp_path)
    document = docx.Document(str(path))
    rels = document.part.rels
    links = []
    for link in part(path, "word/document.xml").iter(f"{{{W_NS}}}hyperlink"):
        rid = link.get(f"{{{R_NS}}}id")
        if rid is not None:
            assert rels[rid].is_external
            text = "".join(link.xpath(".//w:t/text()", namespaces=NS))
            assert rels[rid].target_ref == text, "the visible text is the URL itself"
            links.append(text)
    expected = [url for located in walk(roadmap) for url in located.item.links]
    assert links == expected
    assert expected, "both roadmaps hold URLs"


def test_table_of_contents_is_a_field_prefilled_with_links_to_headings(eve_roadmap: Roadmap, tmp_path: Path) -> None:
    path = build(eve_roadmap, tmp_path)
    body = part(path, "word/document.xml")
    instructions = [text.strip() for text in body.xpath("//w:instrText/text()", namespaces=NS)]
    assert 'TOC \\o "1-2" \\h \\z \\u' in instructions
    entries = [
        ("".join(link.xpath(".//w:t/text()", namespaces=NS)), link.get(f"{{{W_NS}}}anchor"))
        for link in body.iter(f"{{{W_NS}}}hyperlink")
        if link.get(f"{{{W_NS}}}anchor")
    ]
    bookmarks = {}
    for p in body.iter(f"{{{W_NS}}}p"):
        style = p.find("w:pPr/w:pStyle", NS)
        if style is not None and style.get(f"{{{W_NS}}}val") in ("TimelineHeading", "Heading1", "Heading2"):
            name = p.find("w:bookmarkStart", NS).get(f"{{{W_NS}}}name")
            bookmarks[name] = "".join(p.xpath(".//w:t/text()", namespaces=NS))
    assert entries == [(text, name) for name, text in bookmarks.items()]
    assert entries[0] == ("Timeline", "_TocTimeline")  # the timeline after the overview, then every heading
    assert len(entries) == 1 + sum(1 + len(release.areas) for release in eve_roadmap.releases)
    # entries without page numbers (only a layout knows them), and no "update fields?" prompt on opening
    assert not body.xpath("//w:hyperlink[@w:anchor]//w:tab", namespaces=NS)
    assert part(path, "word/settings.xml").find("w:updateFields", NS) is None


def test_footer_shows_page_x_of_y_fields(eve_roadmap: Roadmap, tmp_path: Path) -> None:
    footer = docx.Document(str(build(eve_roadmap, tmp_path))).sections[0].footer
    xml = footer.part.element
    instructions = [text.strip() for text in xml.xpath(".//w:instrText/text()")]
    assert instructions == ["PAGE", "NUMPAGES"]
    assert footer.paragraphs[0].text == "Page 1 of 1"  # cached results; Word and LibreOffice compute them


def test_core_properties_come_from_roadmap_and_settings(eve_roadmap: Roadmap, tmp_path: Path) -> None:
    core = docx.Document(str(build(eve_roadmap, tmp_path))).core_properties
    assert core.title == "Feature Roadmap"
    assert core.subject == "LF Edge EVE-OS feature roadmap"
    assert core.author == core.last_modified_by == "LF Edge EVE-OS project"
    assert "EVE-OS" in core.keywords
    assert core.revision == 1
    naive = SETTINGS.timestamp.replace(tzinfo=None)
    assert core.created.replace(tzinfo=None) == core.modified.replace(tzinfo=None) == naive


def test_page_size_follows_settings(eve_roadmap: Roadmap, tmp_path: Path) -> None:
    letter = dataclasses.replace(SETTINGS, page_size="Letter")
    section = docx.Document(str(build(eve_roadmap, tmp_path, letter))).sections[0]
    assert (section.page_width.twips, section.page_height.twips) == (12240, 15840)
    section = docx.Document(str(build(eve_roadmap, tmp_path))).sections[0]
    assert (section.page_width.twips, section.page_height.twips) == (11906, 16838)


# --- determinism and hostile text -------------------------------------------------------------------------


def test_same_input_gives_the_same_bytes(roadmap: Roadmap) -> None:
    first = write(roadmap, SETTINGS)["roadmap.docx"]
    assert write(roadmap, SETTINGS)["roadmap.docx"] == first
    with zipfile.ZipFile(io.BytesIO(first)) as archive:
        names = [info.filename for info in archive.infolist()]
        assert names[:2] == ["[Content_Types].xml", "_rels/.rels"]
        assert {info.date_time for info in archive.infolist()} == {(2024, 6, 1, 12, 30, 0)}
    early = dataclasses.replace(SETTINGS, timestamp=dt.datetime(1970, 1, 1, tzinfo=dt.UTC))
    with zipfile.ZipFile(io.BytesIO(write(roadmap, early)["roadmap.docx"])) as archive:
        assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}


def test_hostile_text_stays_literal(tmp_path: Path) -> None:
    texts = [
        "<w:p><w:r><w:t>injected</w:t></w:r></w:p>",
        "<script>alert(1)</script> & &amp;",
        "{{ 7 * 7 }} {% raw %}",
        '=HYPERLINK("http://x.invalid","x")',
        "tab\there",
        "  edges  ",
    ]
    items = [Item(id=f"hostile-{n}", text=text) for n, text in enumerate(texts)]
    roadmap = Roadmap(
        title="<b>Title</b>", releases=[Release(name="A-release", blocks=[ItemList(ListStyle.BULLET, items)])]
    )
    path = build(roadmap, tmp_path)
    paragraphs = [p.text for p in docx.Document(str(path)).paragraphs]
    assert_in_order(["<b>Title</b>", *texts], paragraphs, "hostile texts")
    assert "injected" not in [t.text for t in part(path, "word/document.xml").iter(f"{{{W_NS}}}t")]
    assert read(path).entries == outline(roadmap)


def test_characters_xml_forbids_become_a_visible_replacement(tmp_path: Path) -> None:
    text = "bell\x07 nul\x00 escape\x1b vertical-tab\x0b end"
    roadmap = Roadmap(
        title="Control\x01",
        releases=[Release(name="A-release", blocks=[Item(id="c", text=text, kind=ItemKind.PARAGRAPH)])],
    )
    paragraphs = [p.text for p in docx.Document(str(build(roadmap, tmp_path))).paragraphs]
    assert "bell\ufffd nul\ufffd escape\ufffd vertical-tab\ufffd end" in paragraphs
    assert "Control\ufffd" in paragraphs


# --- independent readers -----------------------------------------------------------------------------------


def pandoc_text(inlines: list) -> str:
    pieces = []
    for inline in inlines:
        kind, content = inline["t"], inline.get("c")
        if kind == "Str":
            pieces.append(content)
        elif kind in ("Space", "SoftBreak", "LineBreak"):
            pieces.append(" ")
        elif kind in ("Link", "Span"):
            pieces.append(pandoc_text(content[1]))
        elif kind in ("Emph", "Strong", "Underline", "Strikeout", "SmallCaps"):
            pieces.append(pandoc_text(content))
        elif kind == "Code":
            pieces.append(content[1])
    return squash("".join(pieces))


def pandoc_lines(blocks: list, depth: int = -1, style: ListStyle | None = None, start: int = 0) -> list[tuple]:
    """(kind, depth, style, number, text) for every heading and paragraph in pandoc's AST."""
    found: list[tuple] = []
    for block in blocks:
        kind, content = block["t"], block.get("c")
        if kind == "Header":
            found.append(("heading", content[0], None, 0, pandoc_text(content[2])))
        elif kind in ("Para", "Plain"):
            found.append(("text", depth, style, start, pandoc_text(content)))
        elif kind == "BulletList":
            for item in content:
                found += pandoc_lines(item, depth + 1, ListStyle.BULLET, 0)
        elif kind == "OrderedList":
            (first, number_style, _), items = content
            for offset, item in enumerate(items):
                found += pandoc_lines(item, depth + 1, PANDOC_STYLES[number_style["t"]], first + offset)
        elif kind in ("Div", "BlockQuote"):
            found += pandoc_lines(content[-1], depth, style, start)
    return found


def expected_lines(roadmap: Roadmap) -> list[tuple]:
    expected = []
    located_items = iter(walk(roadmap))
    for entry in outline(roadmap)[1:]:
        if entry.kind in ("release", "area"):
            expected.append(("heading", 1 if entry.kind == "release" else 2, None, 0, squash(entry.text)))
            continue
        located = next(located_items)
        number = located.number if located.style is not None and located.style.numbered else 0
        expected.append(("text", located.depth, located.style, number, squash(entry.text)))
    return expected


def test_pandoc_reads_every_line_with_its_nesting_and_list_style(roadmap: Roadmap, tmp_path: Path) -> None:
    check_with_pandoc(roadmap, build(roadmap, tmp_path))


def check_with_pandoc(roadmap: Roadmap, path: Path) -> None:
    pandoc = require_tool("pandoc")
    result = subprocess.run(
        [pandoc, "-f", "docx", "-t", "json", str(path)], capture_output=True, check=True, timeout=120
    )
    ast = json.loads(result.stdout)
    assert pandoc_text(ast["meta"]["title"]["c"]) == squash(roadmap.title)
    assert_in_order(expected_lines(roadmap), pandoc_lines(ast["blocks"]), "pandoc lines (kind, depth, style, number)")


def soffice_convert(path: Path, target: str, tmp_path: Path) -> Path:
    soffice = require_tool("soffice")
    out = tmp_path / f"out-{target.split(':')[0]}"
    command = [
        soffice,
        f"-env:UserInstallation=file://{tmp_path}/lo-profile",
        "--headless",
        "--convert-to",
        target,
        "--outdir",
        str(out),
        str(path),
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300)
    converted = out / f"{path.stem}.{target.split(':')[0]}"
    assert result.returncode == 0 and converted.exists(), f"LibreOffice failed: {result.stdout}{result.stderr}"
    return converted


def canonical(element: etree._Element) -> bytes:
    return etree.tostring(element, method="c14n")


def test_the_reader_reads_the_parts_python_docx_reads(roadmap: Roadmap, tmp_path: Path) -> None:
    """The reader takes the parts from python-docx's package reader and parses them as python-docx parses them: for
    evepub's document, for LibreOffice's save of it and for one written with blank text between the elements, the
    body, styles, numbering and hyperlink targets are those python-docx's Document holds."""
    built = build(roadmap, tmp_path)
    spaced = tmp_path / "spaced.docx"
    entries = unpack(built.read_bytes())
    entries["word/document.xml"] = etree.tostring(etree.fromstring(entries["word/document.xml"]), pretty_print=True)
    with zipfile.ZipFile(spaced, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    for path in (built, soffice_convert(built, "docx", tmp_path), spaced):
        package = WordPackage.of(path)
        document = docx.Document(str(path))
        assert canonical(etree.fromstring(package.document, PART_PARSER)) == canonical(document.element), path
        assert canonical(package.part(RT.STYLES)) == canonical(document.styles.element), path
        assert canonical(package.part(RT.NUMBERING)) == canonical(document.part.numbering_part.element), path
        links = {rid: rel.target_ref for rid, rel in document.part.rels.items() if rel.is_external}
        assert package.external == links and links, path
    assert read(spaced) == read(built)


def test_libreoffice_opens_it_and_numbers_every_list_from_its_own_start(roadmap: Roadmap, tmp_path: Path) -> None:
    check_with_libreoffice(roadmap, build(roadmap, tmp_path), tmp_path)


def test_lists_starting_past_one_start_there_for_pandoc_and_libreoffice(tmp_path: Path) -> None:
    letters = ItemList(ListStyle.LOWER_ALPHA, [Item(id="b", text="Second letter"), Item(id="c", text="Third")], start=2)
    steps = [Item(id="s3", text="Step three", children=[letters]), Item(id="s4", text="Step four")]
    again = ItemList(ListStyle.DECIMAL, [Item(id="again", text="A new list that starts at one")])
    blocks = [ItemList(ListStyle.DECIMAL, steps, start=3), Item(id="p", text="Between", kind=ItemKind.PARAGRAPH), again]
    roadmap = Roadmap(title="Starts", releases=[Release(name="A-release", blocks=blocks)])
    path = build(roadmap, tmp_path)
    check_with_pandoc(roadmap, path)
    check_with_libreoffice(roadmap, path, tmp_path)


def check_with_libreoffice(roadmap: Roadmap, path: Path, tmp_path: Path) -> None:
    text = soffice_convert(path, "txt:Text (encoded):UTF8", tmp_path).read_text("utf-8-sig")
    lines = [re.sub(r"^[•◦▪] ", "", line.strip()) for line in text.splitlines()]  # bullet glyphs vary by level
    expected = [roadmap.title]
    located_items = iter(walk(roadmap))
    for entry in outline(roadmap)[1:]:
        if entry.kind in ("release", "area"):
            expected.append(entry.text.strip())
            continue
        located = next(located_items)
        numbered = located.style is not None and located.style.numbered
        label = f"{located.style.label(located.number)} " if numbered else ""  # computed by LibreOffice
        expected.append(f"{label}{entry.text.strip()}")
    assert_in_order(expected, lines, "LibreOffice text lines (with the list labels it computes)")


def test_libreoffice_converts_it_to_pdf(eve_roadmap: Roadmap, tmp_path: Path) -> None:
    pdf = soffice_convert(build(eve_roadmap, tmp_path), "pdf", tmp_path)
    assert pdf.read_bytes().startswith(b"%PDF")
    if shutil.which("pdftotext"):
        text = subprocess.run(
            ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
        ).stdout
        assert "Page 3 of" in text
        assert all(release.heading in text for release in eve_roadmap.releases)


# --- the reference document and the golden XML ---------------------------------------------------------------


def test_reference_docx_is_what_its_generator_makes() -> None:
    assert DEFAULT_PATH.read_bytes() == build_reference(), "run python -m evepub.formats.docx.reference"


def test_a_reference_without_our_styles_still_gives_notes(eve_roadmap: Roadmap, tmp_path: Path) -> None:
    folder = tmp_path / "templates"
    shutil.copytree(Templates().folder, folder)
    with zipfile.ZipFile(folder / "reference.docx") as archive:
        entries = {name: archive.read(name) for name in archive.namelist()}
    styles = etree.fromstring(entries["word/styles.xml"])
    for style in styles.findall("w:style", NS):
        if style.get(f"{{{W_NS}}}styleId") in ("Note", "Heading2"):
            styles.remove(style)
        if style.get(f"{{{W_NS}}}styleId") == "Heading1":
            style.find("w:rPr/w:color", NS).set(f"{{{W_NS}}}val", "C00000")
    entries["word/styles.xml"] = etree.tostring(styles)
    with zipfile.ZipFile(folder / "reference.docx", "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    path = build(eve_roadmap, tmp_path, dataclasses.replace(SETTINGS, templates=Templates(folder)))
    assert read(path).entries == outline(eve_roadmap)
    heading = docx.Document(str(path)).styles["Heading 1"]
    assert str(heading.font.color.rgb) == "C00000", "the reference document's styles restyle the output"


def normalised(xml: bytes) -> str:
    root = etree.fromstring(xml, etree.XMLParser(remove_blank_text=True))
    for element in root.iter():
        for name in list(element.attrib):
            if re.search(r"rsid|paraId|textId", name) or name.endswith("}date"):
                element.set(name, "MASKED")
    text = etree.tostring(root, pretty_print=True, encoding="unicode")
    return re.sub(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", "MASKED-DATE", text)


@pytest.mark.golden
@pytest.mark.parametrize("name", GOLDEN_PARTS)
def test_golden_xml(eve_roadmap: Roadmap, tmp_path: Path, name: str) -> None:
    path = build(eve_roadmap, tmp_path)
    with zipfile.ZipFile(path) as archive:
        check_golden(GOLDEN / Path(name).name, normalised(archive.read(name)))


def test_unknown_entries_are_not_invented(tmp_path: Path) -> None:
    roadmap = Roadmap(title="Only a title")
    path = build(roadmap, tmp_path)
    assert read(path).entries == [Entry("title", "Only a title")]


@pytest.mark.parametrize("content", [b"not a zip", b"PK\x03\x04 broken"])
def test_a_file_that_is_not_a_word_document_is_a_clear_error(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "roadmap.docx"
    path.write_bytes(content)
    with pytest.raises(EvepubError, match="not a readable Word document"):
        read(path)


# --- the tracked fields a program manager sets: status, owner, target date, notes ---------------------------------

SOURCE = Path(__file__).resolve().parent.parent / "source" / "roadmap.yaml"
TRACKED_TEXT = "Setup CAN interfaces on the host"  # k-setup-can-interfaces-on-the, without a status of its own
TRACKED_DETAILS = " — status: done · owner: Jane Doe · target: 2025-03-31\nnotes: needs a board"


def contrast_on_white(rgb: str) -> float:
    """The WCAG contrast ratio of a colour against white."""

    def linear(channel: int) -> float:
        value = channel / 255
        return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4

    red, green, blue = (linear(int(rgb[i : i + 2], 16)) for i in (0, 2, 4))
    return 1.05 / (0.2126 * red + 0.7152 * green + 0.0722 * blue + 0.05)


def test_tracked_fields_follow_the_item_text_in_a_smaller_muted_run(tmp_path: Path) -> None:
    document = docx.Document(str(build(tracked_roadmap(), tmp_path)))
    paragraph = next(p for p in document.paragraphs if p.text.startswith(TRACKED_TEXT))
    assert paragraph.text == TRACKED_TEXT + TRACKED_DETAILS
    runs = [(run.style.name, run.text) for run in paragraph.runs if run.text]
    assert runs == [
        ("Default Paragraph Font", TRACKED_TEXT),
        ("Item Details", " — status: "),
        ("Item Status", "done"),
        ("Item Details", " · owner: Jane Doe · target: 2025-03-31\nnotes: needs a board"),
    ]
    details, status = document.styles["Item Details"], document.styles["Item Status"]
    assert details.font.size is not None and 8 <= details.font.size.pt < 10.5  # body text is 10.5 pt
    assert details.font.color.rgb is not None and contrast_on_white(str(details.font.color.rgb)) >= 4.5
    assert status.base_style.name == "Item Details" and status.font.bold
    texts = [p.text for p in document.paragraphs]
    assert "Introduction of CAN Bus support — owner: Ann Other" in texts
    assert "Advantech EPC-R3720 — status: blocked · target: 2024-12-01" in texts
    assert (
        "TODO: Post links to beginning and ending release notes for this period\nnotes: ask the release manager"
        in texts
    )


def test_a_status_the_text_already_says_is_not_repeated(tmp_path: Path) -> None:
    item = Item("z", "Zpool status errors (proposed)", status="proposed", target=dt.date(2025, 1, 2))
    path = build(Roadmap("T", [Release("R", blocks=[ItemList(ListStyle.BULLET, [item])])]), tmp_path)
    assert [p.text for p in docx.Document(str(path)).paragraphs][
        -1
    ] == "Zpool status errors (proposed) — target: 2025-01-02"
    assert read(path).statuses == [None, None, None]


def test_pandoc_shows_the_tracked_fields(tmp_path: Path) -> None:
    pandoc = require_tool("pandoc")
    path = build(tracked_roadmap(), tmp_path)
    plain = subprocess.run(
        [pandoc, "-f", "docx", "-t", "plain", "--wrap=none", str(path)], capture_output=True, text=True, check=True
    ).stdout
    lines = [line.strip(" -") for line in plain.splitlines()]
    at = lines.index(TRACKED_TEXT + " — status: done · owner: Jane Doe · target: 2025-03-31")
    assert lines[at + 1] == "notes: needs a board"


def test_libreoffice_shows_the_tracked_fields(tmp_path: Path) -> None:
    text = soffice_convert(build(tracked_roadmap(), tmp_path), "txt:Text (encoded):UTF8", tmp_path).read_text(
        "utf-8-sig"
    )
    assert TRACKED_TEXT + TRACKED_DETAILS in text.replace("\r\n", "\n")


@pytest.mark.parametrize("text", ["", "trailing space ", "https://example.org/a_b", "tab\there\nand a line"])
def test_the_reader_gives_back_the_text_without_its_details_and_the_status(text: str, tmp_path: Path) -> None:
    item = Item("i", text, status="in progress", owner="Jane\nDoe", notes="needs\ta board")
    note = Item("n", "NOTE: x", ItemKind.NOTE, status="blocked", target=dt.date(2025, 3, 31))
    item.links = [url for url in [text] if url.startswith("https")]
    roadmap = Roadmap("T", [Release("R", blocks=[ItemList(ListStyle.LOWER_ALPHA, [item]), note])])
    back = read(build(roadmap, tmp_path))
    assert back.entries == outline(roadmap)
    assert back.statuses == [None, None, "in progress", "blocked"]
    assert back.links == [[], [], item.links, []]


def test_tracked_fields_verify(tmp_path: Path) -> None:
    source = tmp_path / "roadmap.yaml"
    source.write_text(dumps(tracked_roadmap()), encoding="utf-8")
    build_outputs(source, tmp_path / "out", ["docx"])
    comparison = compare_file("docx", tmp_path / "out" / "roadmap.docx", Expected.of(load(source)), "docx")
    assert comparison.ok, comparison.lines()
    assert comparison.statuses is not None and (comparison.statuses.shown, comparison.statuses.expected) == (2, 2)


def test_a_reference_without_the_details_styles_gets_ours(eve_roadmap: Roadmap, tmp_path: Path) -> None:
    folder = tmp_path / "templates"
    shutil.copytree(Templates().folder, folder)
    with zipfile.ZipFile(folder / "reference.docx") as archive:
        entries = {name: archive.read(name) for name in archive.namelist()}
    styles = etree.fromstring(entries["word/styles.xml"])
    for style in styles.findall("w:style", NS):
        if style.get(f"{{{W_NS}}}styleId") in ("ItemDetails", "ItemStatus"):
            styles.remove(style)
    entries["word/styles.xml"] = etree.tostring(styles)
    with zipfile.ZipFile(folder / "reference.docx", "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    path = build(tracked_roadmap(), tmp_path, dataclasses.replace(SETTINGS, templates=Templates(folder)))
    assert read(path).entries == outline(tracked_roadmap())
    assert docx.Document(str(path)).styles["Item Details"].font.size.pt == 9


@settings(max_examples=50, deadline=None)
@given(tracked_roadmaps())
def test_any_tracked_fields_leave_the_text_and_show_the_status(roadmap: Roadmap) -> None:
    back = read_document(WordPackage.of(io.BytesIO(write(roadmap, SETTINGS)["roadmap.docx"])))
    comparison = compare("docx", Expected.of(roadmap), back, FORMATS["docx"].shows())
    assert comparison.ok, comparison.lines()


# --- overview, cover summary, keep-with-next, properties ----------------------------------------------------


def expected_overview(roadmap: Roadmap) -> tuple[list[str], list[list[str]]]:
    """The overview's header and rows as text, counted here from the model (not with the writer's code)."""
    counts: dict[str, dict[str, int]] = {release.name: {} for release in roadmap.releases}
    for located in walk(roadmap):
        if located.item.kind is not ItemKind.NOTE:
            status = located.item.status or roadmap.default_status
            counts[located.release.name][status] = counts[located.release.name].get(status, 0) + 1
    used = [s.name for s in roadmap.statuses if any(c.get(s.name) for c in counts.values())]
    rows = []
    for release in roadmap.releases:
        by_status = counts[release.name]
        period = release.period or "no period"
        rows.append(
            [f"{release.name} {period}", str(sum(by_status.values()))] + [str(by_status.get(n, "–")) for n in used]
        )
    totals = [str(sum(c.get(n, 0) for c in counts.values())) for n in used]
    rows.append(["Total", str(sum(sum(c.values()) for c in counts.values())), *totals])
    return ["Release", "Items", *used], rows


def test_overview_table_follows_the_contents_with_only_the_used_statuses(eve_roadmap: Roadmap, tmp_path: Path) -> None:
    path = build(eve_roadmap, tmp_path)
    body = part(path, "word/document.xml").find("w:body", NS)
    tables = body.findall("w:tbl", NS)
    assert len(tables) == 1
    before = [p for p in tables[0].itersiblings(preceding=True) if p.tag == f"{{{W_NS}}}p"]
    assert "".join(before[0].xpath(".//w:t/text()", namespaces=NS)) == "Overview"
    assert any(p.xpath(".//w:instrText", namespaces=NS) for p in before)  # the contents comes first
    rows = [
        [" ".join(c.xpath(".//w:t/text()", namespaces=NS)) for c in row.findall("w:tc", NS)]
        for row in tables[0].findall("w:tr", NS)
    ]
    header, expected = expected_overview(eve_roadmap)
    assert rows == [header, *expected]
    assert header == ["Release", "Items", "planned", "proposed", "design approved", "first cut done"]
    # read back, the document is still exactly the roadmap (the table and its heading are skipped)
    assert read(path).entries == outline(eve_roadmap)


def test_pandoc_reads_the_overview_as_a_table(eve_roadmap: Roadmap, tmp_path: Path) -> None:
    pandoc = require_tool("pandoc")
    path = build(eve_roadmap, tmp_path)
    result = subprocess.run(
        [pandoc, "-f", "docx", "-t", "json", str(path)], capture_output=True, check=True, timeout=120
    )
    tables = [block for block in json.loads(result.stdout)["blocks"] if block["t"] == "Table"]
    assert len(tables) == 1
    text = json.dumps(tables[0])
    for release in eve_roadmap.releases:
        assert json.dumps(release.name.split()[0])[1:-1] in text


def test_cover_summary_counts_releases_and_items(eve_roadmap: Roadmap, tmp_path: Path) -> None:
    document = docx.Document(str(build(eve_roadmap, tmp_path)))
    texts = [(p.style.name, p.text) for p in document.paragraphs[:5]]
    _, rows = expected_overview(eve_roadmap)
    summary = f"{len(eve_roadmap.releases)} releases · {rows[-1][1]} items"
    assert texts[2][0] == texts[3][0] == "Edition"
    assert texts[3][1] == summary == "9 releases · 165 items"


def test_headings_and_list_parents_keep_with_next(eve_roadmap: Roadmap, tmp_path: Path) -> None:
    body = part(build(eve_roadmap, tmp_path), "word/document.xml").find("w:body", NS)
    paragraphs = body.findall("w:p", NS)

    def level(p: etree._Element) -> int:
        found = p.find("w:pPr/w:numPr/w:ilvl", NS)
        return int(found.get(f"{{{W_NS}}}val")) if found is not None else -1

    def keeps(p: etree._Element) -> bool:
        return p.find("w:pPr/w:keepNext", NS) is not None

    parents = 0
    for p, following in itertools.pairwise(paragraphs):
        style = p.find("w:pPr/w:pStyle", NS)
        style_id = style.get(f"{{{W_NS}}}val") if style is not None else ""
        if style_id in ("Heading1", "Heading2"):
            assert keeps(p)
        elif level(following) > level(p) and style_id != "TOCHeading":
            parents += 1
            assert keeps(p), "".join(p.xpath(".//w:t/text()", namespaces=NS))
        elif level(p) >= 0 and level(following) <= level(p):
            assert not keeps(p)
    assert parents >= 5


def test_properties_invite_editing(eve_roadmap: Roadmap, tmp_path: Path) -> None:
    core = docx.Document(str(build(eve_roadmap, tmp_path))).core_properties
    assert "do not edit" not in core.comments.lower()
    assert "editors" in core.comments


# --- streaming: the body a chunk at a time, in bounded memory ------------------------------------------------


def test_the_parts_taken_from_python_docx_are_those_its_save_writes(tmp_path: Path) -> None:
    document = reference_document(Templates())
    document.add_paragraph("Release notes: https://example.com/a")  # a part with relationships of its own
    document.core_properties.title = "Feature Roadmap"
    saved = tmp_path / "saved.docx"
    document.save(str(saved))
    assert saved_parts(document) == unpack(saved.read_bytes())


def test_streamed_packing_gives_the_bytes_that_pack_gives() -> None:
    entries = {
        "word/document.xml": b"<w:p>text</w:p>" * 20_000,
        "[Content_Types].xml": b"<Types/>",
        "_rels/.rels": b"",
        "media/bild-ü.png": bytes(range(256)) * 500,
    }
    streamed: dict[str, bytes | StreamedPart] = dict(entries)
    part = StreamedPart()
    data = entries["word/document.xml"]
    for start in range(0, len(data), 7_777):
        part.write(data[start : start + 7_777])
    streamed["word/document.xml"] = part.close()
    for timestamp in (SETTINGS.timestamp, dt.datetime(1970, 1, 1, tzinfo=dt.UTC)):
        assert pack_streamed(streamed, timestamp) == pack(entries, timestamp)
    assert pack_streamed({}, SETTINGS.timestamp) == pack({}, SETTINGS.timestamp)


def hostile_release(name: str, count: int) -> Release:
    """A release of hostile texts, text that names namespaces among them, in lists nested past Word's levels."""
    texts = ["tab\there", "line\nbreak", '<w:p xmlns:w="urn:x"/> & xmlns', "\x01 \ufffe \u4e2d \U0001f600", "x" * 300]

    def nested(depth: int, prefix: str) -> list[ItemList]:
        if not depth:
            return []
        item = Item(id=f"{prefix}-{depth}", text=texts[depth % len(texts)], children=nested(depth - 1, prefix))
        return [ItemList(ListStyle.LOWER_ALPHA, [item], start=depth)]

    items = [
        Item(
            id=f"{name}-{n}",
            text=texts[n % len(texts)],
            owner="<&>" if n % 3 else None,
            children=nested(n % 12, f"{name}-{n}"),
        )
        for n in range(count)
    ]
    return Release(name=f"{name} <&>", areas=[Area(title="xmlns:w", blocks=[ItemList(ListStyle.DECIMAL, items)])])


def test_the_document_is_the_same_bytes_whatever_its_chunks(
    eve_roadmap: Roadmap, monkeypatch: pytest.MonkeyPatch
) -> None:
    roadmap = dataclasses.replace(eve_roadmap, releases=[*eve_roadmap.releases, hostile_release("Z", 40)])
    whole = write(roadmap, SETTINGS)["roadmap.docx"]
    for size in (1, 3):
        monkeypatch.setattr(docx_writer, "CHUNK_PARAGRAPHS", size)
        assert write(roadmap, SETTINGS)["roadmap.docx"] == whole
    document = part_bytes(whole, "word/document.xml")
    for prefix, uri in (("w", W_NS), ("r", R_NS), ("pic", "http://schemas.openxmlformats.org/drawingml/2006/picture")):
        assert document.count(f'xmlns:{prefix}="{uri}"'.encode()) == 1  # on the document element, as Word has it


def part_bytes(package: bytes, name: str) -> bytes:
    with zipfile.ZipFile(io.BytesIO(package)) as archive:
        return archive.read(name)


def many_items(total: int, releases: int = 10) -> Roadmap:
    """A roadmap of `total` items: lists of linked, tracked items, every fourth with three sub-items."""

    def item(release: int, n: int) -> Item:
        subs = [ItemList(ListStyle.DECIMAL, [Item(id=f"r{release}-{n}-{k}", text=f"sub {k}") for k in range(3)])]
        text = f"Item {n} of release {release}: see https://example.com/{release}/{n % 7} for more"
        return Item(
            id=f"r{release}-{n}", text=text, status="done" if n % 3 else None, children=subs if n % 4 == 0 else []
        )

    per_release = [
        ItemList(ListStyle.BULLET, [item(r, n) for n in range(0, total // releases, 4)]) for r in range(releases)
    ]
    return Roadmap(
        title="Many", releases=[Release(name=f"R{r}", blocks=[items]) for r, items in enumerate(per_release)]
    )


def test_a_large_roadmap_is_written_a_chunk_at_a_time_in_bounded_memory(monkeypatch: pytest.MonkeyPatch) -> None:
    roadmap = many_items(5_000)
    assert sum(1 for _ in walk(roadmap)) == 5_000
    chunks: list[int] = []
    write_chunk = XmlStream.write

    def counted(stream: XmlStream, chunk: etree._Element) -> None:
        if stream.parent.tag == f"{{{W_NS}}}body":
            chunks.append(len(chunk))
        write_chunk(stream, chunk)

    write_text = XmlStream.write_text

    def counted_text(stream: XmlStream, content: bytes) -> None:
        chunks[-1] += content.count(b"<w:p>")  # the chunk's paragraphs streamed as text after its elements
        write_text(stream, content)

    monkeypatch.setattr(XmlStream, "write", counted)
    monkeypatch.setattr(XmlStream, "write_text", counted_text)
    tracemalloc.start()
    try:
        package = write(roadmap, SETTINGS)["roadmap.docx"]
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    paragraphs = len(etree.fromstring(part_bytes(package, "word/document.xml")).find("w:body", NS))
    # the tree never holds more than a chunk of paragraphs (the first also holds the cover, contents and overview)
    assert len(chunks) >= 5_000 // docx_writer.CHUNK_PARAGRAPHS
    assert max(chunks[1:]) <= docx_writer.CHUNK_PARAGRAPHS
    assert sum(chunks) == paragraphs - 1  # all but the section properties
    # nor is the document's XML held whole (it is some 350 bytes an item): Python allocates ~400 bytes an item
    assert peak < 1_000 * 5_000, f"{peak / 5_000:.0f} bytes an item"
    # and the chunks after the first, streamed as text, keep every entry in its place
    assert read_document(WordPackage.of(io.BytesIO(package))).entries == outline(roadmap)


def test_contents_longer_than_a_chunk_keep_the_overview_and_the_body_in_their_places() -> None:
    """A roadmap of many releases lists more headings than a chunk holds: the contents go out over several chunks,
    the later ones as text, and the overview's table and every release still follow in document order."""
    releases = [
        Release(name=f"R{n}", blocks=[ItemList(ListStyle.BULLET, [Item(id=f"r{n}", text=f"Item of release {n}")])])
        for n in range(docx_writer.CHUNK_PARAGRAPHS + 100)
    ]
    roadmap = Roadmap(title="Many releases", releases=releases)
    package = write(roadmap, SETTINGS)["roadmap.docx"]
    body = etree.fromstring(part_bytes(package, "word/document.xml")).find("w:body", NS)
    tables = [index for index, child in enumerate(body) if child.tag == f"{{{W_NS}}}tbl"]
    entries = [index for index, child in enumerate(body) if child.find("w:pPr/w:pStyle[@w:val='TOC1']", NS) is not None]
    assert len(entries) == len(releases) and tables and max(entries) < min(tables)
    assert read_document(WordPackage.of(io.BytesIO(package))).entries == outline(roadmap)


# The elements of the Word body's text builders (docx/paragraph_text.py), made one lxml call at a time: the oracle.
def begin_field(parent: etree._Element, instruction: str) -> None:
    wordml.sub(wordml.sub(parent, "r"), "fldChar", fldCharType="begin")
    code = wordml.sub(wordml.sub(parent, "r"), "instrText")
    code.set(XML_SPACE, "preserve")
    code.text = f" {instruction} "
    wordml.sub(wordml.sub(parent, "r"), "fldChar", fldCharType="separate")


def end_field(parent: etree._Element) -> None:
    wordml.sub(wordml.sub(parent, "r"), "fldChar", fldCharType="end")


def link_to(parent: etree._Element, relationship_id: str) -> etree._Element:
    link = etree.SubElement(parent, wordml.w("hyperlink"))
    link.set(f"{{{R_NS}}}id", relationship_id)
    link.set(wordml.w("history"), "1")
    return link


@given(st.text(), st.text(), st.sampled_from([None, "Details", 'Odd & "style" <id>']), st.integers(1, 10**6))
def test_item_paragraphs_written_as_text_parse_to_the_elements_the_builders_make(
    text: str, name: str, style: str | None, number: int
) -> None:
    """Item paragraphs go into the body as WordprocessingML text, parsed in batches: for any texts (markup,
    control characters, tabs and line ends, lone surrogates) they are the elements wordml's builders make, and
    the text lxml writes for those elements."""
    name = wordml.xml_safe(name)  # bookmark names and relationship ids are evepub's own, and XML-safe
    made = etree.Element(wordml.w("body"), nsmap={"w": W_NS, "r": R_NS})
    p, properties = wordml.paragraph(made, style)
    etree.SubElement(properties, wordml.w("keepNext"))
    wordml.sub(p, "bookmarkStart", id=str(number), name=name)
    wordml.run(link_to(p, name), text, style)
    wordml.sub(p, "bookmarkEnd", id=str(number))
    wordml.run(p, text)
    content = as_text.bookmark_start(number, name) + as_text.external_link(name, as_text.run(text, style))
    batch = as_text.Paragraphs()
    batch.add(as_text.paragraph(style, "<w:keepNext/>", content + as_text.bookmark_end(number) + as_text.run(text)))
    batch.add(as_text.paragraph(None, "", ""))
    wordml.paragraph(made, None)
    p, _ = wordml.paragraph(made, style)  # a contents entry: a field begins, a link to a heading, the field ends
    begin_field(p, docx_writer.TOC_INSTRUCTION)
    wordml.run(wordml.sub(p, "hyperlink", anchor=name, history="1"), text)
    end_field(p)
    link = as_text.anchor_link(name, as_text.run(text))
    entry = as_text.field_begin(docx_writer.TOC_INSTRUCTION) + link + as_text.field_end()
    batch.add(as_text.paragraph(style, "", entry))
    queued = list(batch.pending)
    parsed = etree.Element(wordml.w("body"), nsmap={"w": W_NS, "r": R_NS})
    batch.flush(parsed)
    expected = etree.tostring(made, encoding="utf-8")
    assert etree.tostring(parsed, encoding="utf-8") == expected
    # streamed as they are, once the document has its head: the bytes lxml writes between the body's tags
    batch.pending.extend(queued)
    assert batch.take() == expected[expected.index(b">") + 1 : expected.rindex(b"</")]
    assert not batch.pending


@given(st.lists(st.text(), max_size=5))
def test_the_item_ids_part_is_what_lxml_writes_for_the_ids(item_ids: list[str]) -> None:
    """The part that ties each item's bookmark to its id, written as text, is the XML lxml writes for those ids."""
    namespace = docx_writer.IDS_NAMESPACE
    root = etree.Element(f"{{{namespace}}}items", nsmap={None: namespace})
    for number, item_id in enumerate(item_ids, start=1):
        attributes = {"bookmark": f"{docx_writer.ITEM_BOOKMARK}{number}", "id": wordml.xml_safe(item_id)}
        etree.SubElement(root, f"{{{namespace}}}item", attributes)
    assert docx_writer.item_ids_xml(item_ids) == etree.tostring(root, encoding="UTF-8", standalone=True)
