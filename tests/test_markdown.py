"""The Markdown output, checked as a reader would: markdown-it-py and pandoc render every original line."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
import shutil
import subprocess
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it.token import Token
from strategies import roadmaps, tracked_roadmaps

from evepub.build import build
from evepub.formats import FORMATS
from evepub.formats.markdown.contract import TOC_ANCHOR
from evepub.formats.markdown.reader import parse, read, read_markdown, walk_markdown
from evepub.formats.markdown.writer import (
    LINE_START_RE,
    MAY_NEED_ESCAPES,
    MAY_NEED_ESCAPES_AT_LINE_START,
    NEEDED_CHARACTER_RE,
    escape,
    inline,
    write,
)
from evepub.formats.settings import BuildSettings
from evepub.importer import find_links, read_text
from evepub.model import (
    Entry,
    Item,
    ItemKind,
    ItemList,
    ListStyle,
    ReadBack,
    Release,
    Roadmap,
    outline,
    walk,
    walk_blocks,
)
from evepub.source import dumps, load
from evepub.templating import Templates
from evepub.verify import Expected, compare, compare_file

from conftest import ORIGINAL, check_golden, markdown_it, original_lines, require_tool, tracked_roadmap

GOLDEN = Path(__file__).parent / "golden" / "markdown" / "eve-roadmap.md"
EDITION_RE = re.compile(r"^\*Edition of [^\n]*\*$", re.MULTILINE)
HOSTILE_TEXTS = [
    "<img src=x onerror=alert(1)> & &amp; &#65; &copy",
    "# not a heading ###",
    "> not a quote",
    "1. not a list",
    "2) not a list either",
    "- not a bullet",
    "+ not a bullet",
    "* not a bullet",
    "---",
    "***",
    "___",
    "===",
    "    four spaces are not code",
    "\ttab first",
    "trailing spaces  ",
    "`code` ``more`` ~~struck~~ ~single~ **bold** __bold__ *em* _em_",
    "[link](http://x.invalid) ![image](x.png) [ref][1] [^note] <http://auto.invalid>",
    "| a | b |",
    "|---|---|",
    "{{ 7 * 7 }} {% if x %}y{% endif %} {# c #}",
    "$x^2$ and $$y$$",
    ":smile: :+1: :not-an-emoji",
    "back\\slash\\",
    "www.example.com and user@example.com",
    "<!-- comment -->",
    "<script>alert(1)</script>",
    "line\nbreak\r\nand carriage return",
    "- [ ] task box",
    "\u00a0non-breaking space edges\u00a0",
    "Ελληνικά → € 日本語",
]


def markdown_text(roadmap: Roadmap, overview: bool = True) -> str:
    """The Markdown of a roadmap; without `overview`, less the overview table and its contents link (the one
    table and the one bold outside lettered labels and details that the writer makes: tested on its own)."""
    text = write(roadmap, BuildSettings())["roadmap.md"].decode("utf-8")
    if overview:
        return text
    text = text.replace("- [Overview](#overview)\n", "")
    return re.sub(r'### <a id="overview"></a>.*?(?=\n## |\n### <a id="changes)', "", text, count=1, flags=re.DOTALL)


def pandoc(markdown: str, target: str) -> str:
    program = require_tool("pandoc")
    done = subprocess.run(
        [program, "-f", "gfm", "-t", target, "--wrap=none"],
        input=markdown,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


def without_ids(entries: list[Entry]) -> list[Entry]:
    return [dataclasses.replace(entry, id=None) for entry in entries]


# --- markdown-it-py: what a CommonMark renderer shows ---


def inline_text(token: Token) -> str:
    """The visible text of an inline token (links show their text, HTML shows nothing)."""
    parts = []
    for child in token.children or []:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append("\n")
        elif child.type == "image":
            parts.append(child.content)
    return "".join(parts)


def body_tokens(markdown: str) -> list[Token]:
    """The tokens after the table of contents (the title first): the roadmap's own content."""
    tokens = markdown_it().parse(markdown)
    toc = next(i for i, t in enumerate(tokens) if t.type == "inline" and f'<a id="{TOC_ANCHOR}">' in t.content)
    body = next(i for i in range(toc, len(tokens)) if tokens[i].type == "heading_open" and tokens[i].tag == "h2")
    return tokens[:3] + tokens[body:]


def rendered_lines(tokens: list[Token]) -> list[str]:
    return [line for token in tokens if token.type == "inline" for line in inline_text(token).split("\n")]


def test_reads_back_as_the_outline(roadmap: Roadmap, tmp_path: Path) -> None:
    path = tmp_path / "roadmap.md"
    path.write_bytes(write(roadmap, BuildSettings())["roadmap.md"])
    back = read(path)
    assert back.entries == without_ids(outline(roadmap))
    assert "item ids" in back.unrecoverable


def test_markdown_it_shows_exactly_the_original_lines(roadmap_text: str) -> None:
    markdown = markdown_text(read_text(roadmap_text))
    assert original_lines("\n".join(rendered_lines(body_tokens(markdown)))) == original_lines(roadmap_text)


def test_markdown_it_sees_only_markup_the_writer_made(roadmap: Roadmap) -> None:
    tokens = markdown_it().parse(markdown_text(roadmap, overview=False))
    html = [t.content for t in tokens if t.type == "html_block"]
    html += [c.content for t in tokens if t.type == "inline" for c in t.children or [] if c.type == "html_inline"]
    assert set(html) <= {"<!-- -->\n", "</a>"} | {c for c in html if re.fullmatch(r'<a id="[a-z0-9-]+">', c)}
    block_types = {t.type.removesuffix("_open").removesuffix("_close") for t in tokens}
    assert block_types <= {
        "heading",
        "paragraph",
        "inline",
        "bullet_list",
        "ordered_list",
        "list_item",
        "blockquote",
        "html_block",
    }
    inline_types = {c.type for t in tokens if t.type == "inline" for c in t.children or []}
    assert not inline_types & {"s_open", "code_inline", "hardbreak", "softbreak"}
    rendered = markdown_it().render(markdown_text(roadmap, overview=False))
    for tag in ('<img src="/etc', "<script", "<font", "<b>", "<table", "<code", "<del", "<hr"):
        assert tag not in rendered


def test_emphasis_only_marks_subtitle_edition_and_labels(roadmap: Roadmap) -> None:
    tokens = markdown_it().parse(markdown_text(roadmap, overview=False))
    emphasised = []
    for token in (t for t in tokens if t.type == "inline"):
        children = token.children or []
        emphasised += [children[i + 1].content for i, c in enumerate(children) if c.type in ("em_open", "strong_open")]
    labels = [
        loc.style.label(loc.number)
        for loc in walk(roadmap)
        if loc.style in (ListStyle.LOWER_ALPHA, ListStyle.UPPER_ALPHA)
    ]
    wording = BuildSettings().templates.wording()
    front = [str(wording.subtitle(roadmap)), str(wording.edition(BuildSettings().edition, roadmap.version))]
    assert emphasised == front + labels


def test_jinja_in_the_text_is_printed_not_evaluated() -> None:
    roadmap = read_text(Path(__file__).parent.joinpath("data", "never-seen-roadmap.txt").read_text("utf-8"))
    markdown = markdown_text(roadmap)
    shown = "\n".join(rendered_lines(markdown_it().parse(markdown)))
    assert "{{ 7 * 7 }} and {% raw %}jinja{% endraw %} stay literal" in shown
    assert "49" not in shown
    assert "Edge Fleet Roadmap <b>&amp; Friends</b>" in shown


# the tests' CommonMark parser and the one verify reads with: both must see exactly the text
PARSERS = {"markdown-it-py": lambda markdown: markdown_it().parse(markdown), "pulldown-cmark": parse}


@pytest.mark.parametrize("parser", PARSERS)
@pytest.mark.parametrize("text", HOSTILE_TEXTS)
def test_escaped_text_renders_exactly(text: str, parser: str) -> None:
    plain = (escape(text), "## " + escape(text), "> " + escape(text))
    for markdown, links in [*((m, []) for m in plain), ("- " + inline(text), find_links(text))]:
        inlines = [t for t in PARSERS[parser](markdown) if t.type == "inline"]
        assert len(inlines) == 1
        assert inline_text(inlines[0]) == text
        markup = [c for c in inlines[0].children or [] if c.type != "text"]
        assert all(c.type in ("link_open", "link_close") for c in markup)
        assert [c.attrs["href"] for c in markup if c.type == "link_open"] == links


PIECES = [*"\\`*_{}[]<>()#+-.!|~&$:;=\"'%@^/ \t\n\rab1é→", "&amp;", "&#65;", "http://a.b/c_d?e=1&f", ":smile:", "1. "]


def test_pandoc_shows_hostile_texts_literally() -> None:
    paragraphs: list[Item | ItemList] = [
        Item(f"p{i}", text, ItemKind.PARAGRAPH) for i, text in enumerate(HOSTILE_TEXTS)
    ]
    bullets = ItemList(ListStyle.BULLET, [Item(f"i{i}", text) for i, text in enumerate(HOSTILE_TEXTS)])
    roadmap = Roadmap("Hostile", [Release("H", blocks=[*paragraphs, bullets])])

    def folded(rows: list[tuple]) -> list[tuple]:  # pandoc folds white space as HTML does
        return [(kind, " ".join(text.split()), *rest) for kind, text, *rest in rows]

    assert folded(ast_rows(pandoc_body(markdown_text(roadmap)))) == folded(expected_rows(roadmap))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=30).map("".join))
def test_any_text_renders_exactly(text: str) -> None:
    for markdown in (escape(text), "- " + inline(text)):
        for parser in PARSERS.values():
            inlines = [t for t in parser(markdown) if t.type == "inline"]
            assert (inline_text(inlines[0]) if inlines else "") == text


@settings(max_examples=500, deadline=None)
@given(st.one_of(st.lists(st.sampled_from(PIECES), max_size=30).map("".join), st.text(max_size=30)))
def test_the_quick_checks_pass_over_only_texts_with_nothing_to_escape(text: str) -> None:
    for line_start, full in ((True, MAY_NEED_ESCAPES_AT_LINE_START), (False, MAY_NEED_ESCAPES)):
        quick = NEEDED_CHARACTER_RE.search(text) or (line_start and LINE_START_RE.match(text))
        assert quick or not full.search(text)
    assert (escape(text) == text) == (text == text.strip() and not MAY_NEED_ESCAPES_AT_LINE_START.search(text))


def test_urls_are_links_that_show_the_url(roadmap: Roadmap) -> None:
    tokens = body_tokens(markdown_text(roadmap))
    links = []
    for token in (t for t in tokens if t.type == "inline"):
        children = token.children or []
        for index, child in enumerate(children):
            if child.type == "link_open":
                assert children[index + 1].content == child.attrs["href"]
                links.append(child.attrs["href"])
    expected = [url for located in walk(roadmap) for url in find_links(located.item.text)]
    assert links == expected
    if roadmap.title.startswith("Feature"):
        assert "https://github.com/lf-edge/eve/pull/2023" in links


def test_contents_links_resolve_to_heading_anchors(roadmap: Roadmap) -> None:
    tokens = markdown_it().parse(markdown_text(roadmap, overview=False))
    anchors: dict[str, str] = {}
    for index, token in enumerate(tokens):
        if token.type == "heading_open":
            children = tokens[index + 1].children or []
            for child in children:
                if match := re.fullmatch(r'<a id="([^"]+)">', child.content):
                    assert match.group(1) not in anchors, "anchors must be unique"
                    anchors[match.group(1)] = token.tag + " " + inline_text(tokens[index + 1])
    links = [
        (c.attrs["href"], tokens[i].children[j + 1].content)  # type: ignore[index]
        for i, t in enumerate(tokens)
        if t.type == "inline"
        for j, c in enumerate(t.children or [])
        if c.type == "link_open" and str(c.attrs["href"]).startswith("#")
    ]
    headings = [
        ("h2 " + release.heading, [("h3 " + area.title) for area in release.areas]) for release in roadmap.releases
    ]
    expected = [heading for release, areas in headings for heading in [release, *areas]]
    assert [anchors[str(href).removeprefix("#")] for href, _ in links] == expected
    assert [text for _, text in links] == [heading.split(" ", 1)[1] for heading in expected]


def test_anchors_are_stable_when_other_releases_change(eve_roadmap: Roadmap) -> None:
    before = re.findall(r'<a id="([^"]+)"></a>G-release', markdown_text(eve_roadmap).replace("\\", ""))
    del eve_roadmap.releases[0]
    after = re.findall(r'<a id="([^"]+)"></a>G-release', markdown_text(eve_roadmap).replace("\\", ""))
    assert before == after == ["g-release"]


# --- pandoc: a converter we did not write ---


def test_pandoc_plain_shows_every_original_line_in_order(roadmap_text: str) -> None:
    plain = original_lines(pandoc(markdown_text(read_text(roadmap_text)), "plain"))
    position = 0
    for line in original_lines(roadmap_text):
        assert line in plain[position:], f"missing or out of order in pandoc's plain text: {line!r}"
        position = plain.index(line, position) + 1


def stringify(inlines: list[dict]) -> str:
    parts = []
    for node in inlines:
        kind, content = node["t"], node.get("c")
        if kind == "Str":
            parts.append(content)
        elif kind == "Space":
            parts.append(" ")
        elif kind in ("SoftBreak", "LineBreak"):
            parts.append("\n")
        elif kind in ("Emph", "Strong", "Strikeout"):
            parts.append(stringify(content))
        elif kind == "Link":
            parts.append(stringify(content[1]))
        elif kind == "Code":
            parts.append(content[1])
    return "".join(parts)


def ast_rows(blocks: list[dict], depth: int = -1) -> list[tuple]:
    """(kind, text, list depth, style, number) of every heading, paragraph, note and list item."""
    rows: list[tuple] = []
    for block in blocks:
        kind, content = block["t"], block.get("c")
        if kind == "Header":
            rows.append(({1: "title", 2: "release", 3: "area"}[content[0]], stringify(content[2]), -1, None, 0))
        elif kind in ("Para", "Plain"):
            rows.append(("paragraph", stringify(without_details(content)), -1, None, 0))
        elif kind == "BlockQuote":
            rows += [("note", *row[1:]) for row in ast_rows(content)]
        elif kind == "OrderedList":
            (start, style, _), items = content
            assert style["t"] in ("Decimal", "DefaultStyle")
            for offset, item in enumerate(items):
                rows += list_item_rows(item, depth + 1, ListStyle.DECIMAL, start + offset)
        elif kind == "BulletList":
            for item in content:
                rows += list_item_rows(item, depth + 1, ListStyle.BULLET, 0)
        elif kind != "RawBlock":
            raise AssertionError(f"unexpected pandoc block {kind}")
    return rows


def without_details(inlines: list[dict]) -> list[dict]:
    """The inlines before the first line break: an item's details (its tracked fields) follow it."""
    kinds = [node["t"] for node in inlines]
    return inlines[: kinds.index("LineBreak")] if "LineBreak" in kinds else inlines


def list_item_rows(blocks: list[dict], depth: int, style: ListStyle, number: int) -> list[tuple]:
    first = blocks[0] if blocks and blocks[0]["t"] in ("Plain", "Para") else None
    inlines = without_details(list(first["c"])) if first else []
    if style is ListStyle.BULLET and inlines and inlines[0]["t"] == "Strong":
        label = stringify(inlines[0]["c"])
        style = ListStyle.UPPER_ALPHA if label.isupper() else ListStyle.LOWER_ALPHA
        number = sum((ord(ch) - ord("a") + 1) * 26**i for i, ch in enumerate(reversed(label.lower()[:-1])))
        inlines = inlines[2:] if len(inlines) > 1 and inlines[1]["t"] == "Space" else inlines[1:]
    if style is ListStyle.BULLET:
        number = 1
    row = ("item", stringify(inlines), depth, style, number)
    return [row, *ast_rows(blocks[1:] if first else blocks, depth)]


def expected_rows(roadmap: Roadmap) -> list[tuple]:
    rows: list[tuple] = [("title", roadmap.title, -1, None, 0)]
    for release in roadmap.releases:
        rows.append(("release", release.heading, -1, None, 0))
        containers = [(None, release.blocks)] + [(area, area.blocks) for area in release.areas]
        for area, blocks in containers:
            if area is not None:
                rows.append(("area", area.title, -1, None, 0))
            for located in walk_blocks(blocks, release, area):
                number = 1 if located.style is ListStyle.BULLET else located.number
                rows.append((located.item.kind.value, located.item.text, located.depth, located.style, number))
    return rows


def pandoc_body(markdown: str) -> list[dict]:
    """pandoc's blocks after the table of contents, the title first."""
    blocks = json.loads(pandoc(markdown, "json"))["blocks"]
    headers = [i for i, block in enumerate(blocks) if block["t"] == "Header" and block["c"][0] == 2]
    return blocks[:1] + blocks[headers[1] :]


def test_pandoc_ast_has_the_structure_nesting_and_numbers(roadmap: Roadmap) -> None:
    assert ast_rows(pandoc_body(markdown_text(roadmap))) == expected_rows(roadmap)


def test_pandoc_sees_no_markup_from_the_data(roadmap: Roadmap) -> None:
    document = json.loads(pandoc(markdown_text(roadmap, overview=False), "json"))
    found: list[tuple[str, str]] = []

    def visit(node: object) -> None:
        if isinstance(node, dict) and "t" in node:
            if node["t"] in ("RawInline", "RawBlock"):
                found.append((node["t"], node["c"][1]))
            elif node["t"] in ("Code", "CodeBlock", "Strikeout", "Table", "HorizontalRule", "Note", "Math"):
                found.append((node["t"], json.dumps(node["c"])))
        if isinstance(node, dict):
            for value in node.values():
                visit(value)
        elif isinstance(node, list):
            for value in node:
                visit(value)

    visit(document["blocks"])
    for kind, content in found:
        assert kind in ("RawInline", "RawBlock"), (kind, content)
        assert re.fullmatch(r'<a id="[a-z0-9-]+">|</a>|<!-- -->\n', content), content


# --- lists the fixtures do not have: breaks between lists, empty items, badges ---


def edge_roadmap() -> Roadmap:
    def items(*texts: str) -> list[Item]:
        return [Item(f"id{len(text)}{text[:3]}", text) for text in texts]

    nested_from_three = ItemList(ListStyle.DECIMAL, items("three", "four"), start=3)
    parent = Item("p", "parent", children=[nested_from_three, ItemList(ListStyle.DECIMAL, items("again"))])
    empty = Item("e", "", children=[ItemList(ListStyle.BULLET, items("under an empty item"))])
    note = Item(
        "n",
        "NOTE: with a list",
        kind=ItemKind.NOTE,
        children=[ItemList(ListStyle.UPPER_ALPHA, items("upper A", "upper B"))],
    )
    badge = Item("b", "has a hidden status", status="in progress")
    blocks = [
        ItemList(ListStyle.DECIMAL, items("one", "two")),
        ItemList(ListStyle.DECIMAL, items("five", "six"), start=5),
        ItemList(ListStyle.BULLET, [parent, empty, badge]),
        ItemList(ListStyle.LOWER_ALPHA, items("", "b item"), start=1),
        ItemList(ListStyle.DECIMAL, [Item("x", "")], start=7),
        note,
        Item("q", "paragraph with status", kind=ItemKind.PARAGRAPH, status="blocked"),
    ]
    return Roadmap("Edges", [Release("Edge", blocks=blocks)])


def test_lists_the_fixtures_lack_keep_numbers_nesting_and_text(tmp_path: Path) -> None:
    roadmap = edge_roadmap()
    markdown = markdown_text(roadmap)
    assert read_markdown(markdown) == without_ids(outline(roadmap))
    assert ast_rows(pandoc_body(markdown)) == expected_rows(roadmap)
    assert "has a hidden status\\\n  status: **in progress**\n" in markdown
    assert "paragraph with status\\\nstatus: **blocked**\n" in markdown


@settings(max_examples=100, deadline=None)
@given(roadmaps())
def test_any_roadmap_reads_back(roadmap: Roadmap) -> None:
    assert read_markdown(markdown_text(roadmap)) == without_ids(outline(roadmap))


@settings(max_examples=25, deadline=None)
@given(roadmaps(max_releases=2))
def test_pandoc_reads_any_roadmap_with_its_structure(roadmap: Roadmap) -> None:
    def nfc(rows: list[tuple]) -> list[tuple]:  # pandoc composes characters (NFC): the same text on screen
        return [(kind, unicodedata.normalize("NFC", text), *rest) for kind, text, *rest in rows]

    assert nfc(ast_rows(pandoc_body(markdown_text(roadmap)))) == nfc(expected_rows(roadmap))


# --- the file as a whole ---


def test_two_writes_are_identical(roadmap: Roadmap) -> None:
    assert write(roadmap, BuildSettings()) == write(roadmap, BuildSettings())


def test_timeline_image_and_contents_come_before_the_first_release(eve_roadmap: Roadmap) -> None:
    tokens = markdown_it().parse(markdown_text(eve_roadmap))
    images = [c for t in tokens if t.type == "inline" for c in t.children or [] if c.type == "image"]
    assert [(image.attrs["src"], image.content) for image in images] == [("roadmap-timeline.svg", "Timeline")]
    h2 = [inline_text(tokens[i + 1]) for i, t in enumerate(tokens) if t.type == "heading_open" and t.tag == "h2"]
    assert h2[0] == "Contents" and h2[1] == eve_roadmap.releases[0].heading


def normalised(markdown: str) -> str:
    return EDITION_RE.sub("*Edition of <masked>*", markdown)


@pytest.mark.golden
def test_golden_markdown(eve_roadmap: Roadmap) -> None:
    check_golden(GOLDEN, normalised(markdown_text(eve_roadmap)))


@pytest.mark.golden
def test_golden_is_the_original(eve_roadmap: Roadmap) -> None:
    assert original_lines("\n".join(rendered_lines(body_tokens(GOLDEN.read_text("utf-8"))))) == original_lines(
        ORIGINAL.read_text("utf-8")
    )


# --- the tracked fields a program manager sets: status, owner, target date, notes ---

SOURCE = Path(__file__).resolve().parent.parent / "source" / "roadmap.yaml"
TRACKED_ID = "k-setup-can-interfaces-on-the"  # "Setup CAN interfaces on the host", without a status of its own


def shown_lines(markdown: str, after: str) -> list[str]:
    """The lines a renderer shows of the first paragraph after the text `after`: its text, then its details."""
    tokens = markdown_it().parse(markdown.split(after, 1)[1])
    children = next(t for t in tokens if t.type == "inline").children or []
    lines = [""]
    for child in children:
        if child.type == "hardbreak":
            lines.append("")
        elif child.type in ("text", "code_inline"):
            lines[-1] += child.content
    return lines


def test_tracked_fields_follow_the_item_as_a_line_of_metadata() -> None:
    markdown = markdown_text(tracked_roadmap())
    assert (
        "- Setup CAN interfaces on the host\\\n"
        "  status: **done** · owner: Jane Doe · target: 2025-03-31\\\n"
        "  notes: needs a board\n"
    ) in markdown
    html = markdown_it().render(markdown)
    assert (
        "<li>Setup CAN interfaces on the host<br />\n"
        "status: <strong>done</strong> · owner: Jane Doe · target: 2025-03-31<br />\n"
        "notes: needs a board</li>"
    ) in html
    assert "<p>Introduction of CAN Bus support<br />\nowner: Ann Other</p>" in html
    assert "<p>TODO: Post links to beginning and ending release notes for this period<br />\nnotes: ask" in html
    assert "<li>Advantech EPC-R3720<br />\nstatus: <strong>blocked</strong> · target: 2024-12-01</li>" in html
    assert "<em>" not in html.split('<a id="k-release">')[1]  # nothing reads as emphasis


def test_pandoc_shows_the_tracked_fields_after_the_item() -> None:
    plain = pandoc(markdown_text(tracked_roadmap()), "plain")
    lines = [line.strip(" -") for line in plain.splitlines()]
    at = lines.index("Setup CAN interfaces on the host")
    assert lines[at + 1 : at + 3] == ["status: done · owner: Jane Doe · target: 2025-03-31", "notes: needs a board"]
    assert ast_rows(pandoc_body(markdown_text(tracked_roadmap()))) == expected_rows(tracked_roadmap())


def test_tracked_fields_read_back_and_verify(tmp_path: Path) -> None:
    roadmap = tracked_roadmap()
    path = tmp_path / "roadmap.md"
    path.write_bytes(write(roadmap, BuildSettings())["roadmap.md"])
    back = read(path)
    assert back.entries == without_ids(outline(roadmap))
    shown = {entry.text: status for entry, status in zip(back.entries, back.statuses or [], strict=True) if status}
    assert shown == {"Setup CAN interfaces on the host": "done", "Advantech EPC-R3720": "blocked"}
    source = tmp_path / "roadmap.yaml"
    source.write_text(dumps(roadmap), encoding="utf-8")
    build(source, tmp_path / "out", ["md"])
    comparison = compare_file("md", tmp_path / "out" / "roadmap.md", Expected.of(load(source)), "md")
    assert comparison.ok, comparison.lines()
    assert comparison.statuses is not None and (comparison.statuses.shown, comparison.statuses.expected) == (2, 2)


def test_a_status_the_text_already_says_is_not_repeated() -> None:
    item = Item("p", "Zpool status errors (proposed)", status="proposed", owner="Jane Doe")
    markdown = markdown_text(Roadmap("T", [Release("R", blocks=[ItemList(ListStyle.BULLET, [item])])]))
    assert "- Zpool status errors (proposed)\\\n  owner: Jane Doe\n" in markdown
    assert "status:" not in markdown


@pytest.mark.parametrize("text", ["", "trailing space ", "back\\slash\\", "1. not a list"])
@pytest.mark.parametrize("style", list(ListStyle))
def test_hostile_tracked_values_stay_literal_and_the_text_comes_back(text: str, style: ListStyle) -> None:
    owner, notes = "*Jane* <b>Doe</b> [x](y) `z`", "# two\nlines | a | ~b~ \\"
    item = Item("i", text, status="in progress", owner=owner, target=dt.date(2025, 3, 31), notes=notes)
    child = ItemList(ListStyle.DECIMAL, [Item("c", "child from three")], start=3)
    item.children.append(child)
    note = Item("n", text, ItemKind.NOTE, status="blocked", notes=notes)
    roadmap = Roadmap("T", [Release("R", blocks=[ItemList(style, [item]), note])])
    markdown = markdown_text(roadmap)
    walker = walk_markdown(markdown)
    assert walker.entries == without_ids(outline(roadmap))
    assert walker.statuses[-3:] == ["in progress", None, "blocked"]
    assert shown_lines(markdown, '<a id="r"></a>R')[1:] == [
        f"status: in progress · owner: {owner} · target: 2025-03-31",
        f"notes: {notes}",
    ]
    body = markdown_it().parse(markdown.split('<a id="r"></a>R', 1)[1])
    kinds = {c.type for t in body if t.type == "inline" for c in t.children or []}
    assert kinds <= {"text", "hardbreak", "strong_open", "strong_close"}


def test_the_labels_come_from_the_wording(tmp_path: Path) -> None:
    folder = Path(shutil.copytree(Path(__file__).resolve().parent.parent / "templates", tmp_path / "templates"))
    wording = folder / "wording.j2"
    text = wording.read_text(encoding="utf-8")
    labels = '{"status": "status", "owner": "owner", "target": "target", "notes": "notes"}'
    assert labels in text
    german = '{"status": "Stand", "owner": "Verantwortlich", "target": "Ziel", "notes": "Hinweise"}'
    wording.write_text(text.replace(labels, german), encoding="utf-8")
    markdown = write(tracked_roadmap(), BuildSettings(templates=Templates(folder)))["roadmap.md"].decode("utf-8")
    assert "  Stand: **done** · Verantwortlich: Jane Doe · Ziel: 2025-03-31\\\n  Hinweise: needs a board\n" in markdown
    assert walk_markdown(markdown).entries == without_ids(outline(tracked_roadmap()))


@settings(max_examples=100, deadline=None)
@given(tracked_roadmaps(trackable=False))
def test_any_tracked_fields_leave_the_text_and_show_the_status(roadmap: Roadmap) -> None:
    walker = walk_markdown(markdown_text(roadmap))
    back = ReadBack(walker.entries, [], walker.numbers, walker.statuses, walker.links)
    comparison = compare("md", Expected.of(roadmap), back, FORMATS["md"].shows())
    assert comparison.ok, comparison.lines()


# --- overview table ----------------------------------------------------------------------------------------


def test_overview_is_a_gfm_table_in_the_contents_that_the_reader_skips(eve_roadmap: Roadmap) -> None:
    text = markdown_text(eve_roadmap)
    tokens = markdown_it().parse(text)
    opened = [index for index, token in enumerate(tokens) if token.type == "table_open"]
    assert len(opened) == 1
    rows: list[list[str]] = []
    for token in tokens[opened[0] :]:
        if token.type == "tr_open":
            rows.append([])
        elif token.type == "inline" and rows:
            rows[-1].append("".join(child.content for child in token.children or [] if child.type == "text"))
        elif token.type == "table_close":
            break
    counts: dict[str, dict[str, int]] = {release.name: {} for release in eve_roadmap.releases}
    for located in walk(eve_roadmap):
        if located.item.kind is not ItemKind.NOTE:
            status = located.item.status or eve_roadmap.default_status
            counts[located.release.name][status] = counts[located.release.name].get(status, 0) + 1
    used = [s.name for s in eve_roadmap.statuses if any(c.get(s.name) for c in counts.values())]
    expected = [["Release", "Items", *used]]
    for release in eve_roadmap.releases:
        by_status = counts[release.name]
        expected.append(
            [f"{release.name} · {release.period or 'no period'}", str(sum(by_status.values()))]
            + [str(by_status.get(name, "–")) for name in used]
        )
    expected.append(
        ["Total", str(sum(sum(c.values()) for c in counts.values()))]
        + [str(sum(c.get(name, 0) for c in counts.values())) for name in used]
    )
    assert rows == expected
    assert used == ["planned", "proposed", "design approved", "first cut done"]
    start, table, first = text.index('## <a id="contents">'), text.index("| Release |"), text.index('\n## <a id="k-')
    assert start < table < first
    assert "- [Overview](#overview)" in text
    assert read_markdown(text) == without_ids(outline(eve_roadmap))
