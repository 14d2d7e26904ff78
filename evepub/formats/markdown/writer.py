"""Markdown writer: GitHub-flavoured Markdown laid out by the template `markdown/roadmap.md.j2`.

Representation choices (the reader `evepub.formats.markdown.reader` relies on them):

- Every text the roadmap holds is data, escaped where Markdown would otherwise read it: everywhere
  ``\\ ` * _ { } [ ] < | ~ $``, an entity-like ``&`` and a colon that could open an emoji shortcode;
  at the start of the text ``# > + -`` and the dot or parenthesis of ``1.``/``1)``; a heading's
  closing ``#`` run. Leading/trailing blanks and line breaks become numeric character references.
  Renderers show the text exactly and never make HTML, links, emphasis, tables or headings of it,
  and the Markdown source stays readable. Braces are escaped so Liquid (GitHub Pages) cannot read
  `{{ }}` either.
- URLs inside a text become links whose visible text is the URL itself: `[url](url)`.
- Headings carry an explicit anchor `<a id="slug"></a>` made from the release name (and area title);
  the table of contents links to these, so links do not depend on a renderer's own heading ids.
- Notes are blockquotes; paragraphs are plain paragraphs; decimal lists are ordered lists that keep
  their real numbers.
- GFM has no lettered lists: a lettered list is a bullet list whose items begin with the letter in bold,
  e.g. `- **a.** Monthly video` (`**A.**` for upper case). Data never yields bold (`*` is escaped), so
  a bold label opening a bullet item always means "lettered list".
- Two lists in a row, and a nested list that could not interrupt its parent's text (an ordered list not
  starting at 1, an empty first item), are preceded by the HTML comment `<!-- -->` so that Markdown
  neither merges them nor reads them as the parent's text.
- An item's tracked fields follow its text after a hard line break (a backslash ending the line), as a line
  of metadata: ``status: **done** · owner: Jane Doe · target: 2025-03-31`` (the status only when the text
  does not already show it, in bold), then ``notes: ...`` on a line of its own. Data never yields a line
  break (line ends are character references) nor bold, so the first hard break of an entry always starts
  its details, and the bold in them is always its status.
- The roadmap's introduction is a "##" section whose anchor is `introduction`, after the contents and before
  the first release: its paragraphs are the introduction's, and its heading is wording, not data.
- The contents section ends with an "###" Overview: a GFM table of item counts per release and status (only the
  statuses some release uses) and a total row, then the counting rule; the reader takes it as front matter.
- `build --changes-since` adds a "Changes since" section at the end of the contents: a "###" heading and
  "####" release headings, which the reader takes as front matter like the rest of the contents.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from evepub.formats.changes import change_texts
from evepub.formats.markdown.contract import (
    CHANGES_ANCHOR,
    INTRODUCTION_ANCHOR,
    OVERVIEW_ANCHOR,
    TOC_ANCHOR,
    hidden_status,
)
from evepub.formats.markdown.overview import overview
from evepub.formats.settings import BuildSettings, timeline_picture
from evepub.model import URL_RE, Area, Block, Item, ItemList, ListStyle, Release, Roadmap
from evepub.templating import Trusted

TEMPLATE = "markdown/roadmap.md.j2"
OUTPUT = "roadmap.md"
LIST_BREAK = "<!-- -->"

# Characters that mean something anywhere in a line: emphasis, code, links, HTML, tables, strikethrough,
# maths, Liquid braces, an entity such as &amp;, a colon that could open an emoji shortcode (:smile:) and a
# '!' just before a link, which would make it an image
ANYWHERE_RE = re.compile(r"[\\`*_{}\[\]<|~$]|&(?=#?[A-Za-z0-9]+;)|:(?=[\w+\-]+:)|!\Z")
# ... and at the start of a line: a heading, quote or list marker, or the dot of "1." / "1)"
LINE_START_RE = re.compile(r"\A(?:[#>+\-]|(?P<number>\d{1,9})[.)])")
# ... and a heading's closing sequence: "Storage ##" would lose its "##"
CLOSING_HASHES_RE = re.compile(r"(?<=[ \t])#(?=#*[ \t]*\Z)")
CONTROL_RE = re.compile(r"[\r\n\f\v]")
EDGE_BLANKS_RE = re.compile(r"\A\s+|\s+\Z")  # Markdown strips them, or makes code of indented text
# whether any of the four may find something: a text none of them matches is its own escape
MAY_NEED_ESCAPES = re.compile("|".join(p.pattern for p in (ANYWHERE_RE, CLOSING_HASHES_RE, CONTROL_RE)))
MAY_NEED_ESCAPES_AT_LINE_START = re.compile(f"{MAY_NEED_ESCAPES.pattern}|{LINE_START_RE.pattern}")
# a character one of the three needs, wherever it stands: a text without any is its own escape, but at a line start;
# one character class is searched several times faster than the alternatives, tried at every position
NEEDED_CHARACTER_RE = re.compile(r"[\\`*_{}\[\]<|~$&:!#\r\n\f\v]")
TRAILING_PUNCTUATION = ".,;:!?"
NO_TEXT = Trusted("")


def escape(text: str) -> str:
    """Markdown source that renders as exactly `text`: no markup, HTML, link, heading or table."""
    return _protect_edges(_escape_characters(text))


def inline(text: str) -> Trusted:
    """Escaped text in which every URL is a link showing the URL itself."""
    parts: list[str] = []
    position = 0
    for start, end in _url_spans(text):
        url = _escape_characters(text[start:end], line_start=False)
        destination = re.sub(r"[()]", r"\\\g<0>", url)  # unbalanced parentheses would end the link
        parts += [_escape_characters(text[position:start], line_start=position == 0), f"[{url}]({destination})"]
        position = end
    parts.append(_escape_characters(text[position:], line_start=position == 0))
    return Trusted(_protect_edges("".join(parts)))


def _escape_characters(text: str, line_start: bool = True) -> str:
    """Backslash-escape only what would otherwise be read as Markdown, so the source stays readable."""
    if NEEDED_CHARACTER_RE.search(text) is None and not (line_start and LINE_START_RE.match(text)):
        return text
    if not (MAY_NEED_ESCAPES_AT_LINE_START if line_start else MAY_NEED_ESCAPES).search(text):
        return text  # most texts: nothing to escape, and four substitutions saved
    escaped = ANYWHERE_RE.sub(r"\\\g<0>", text)
    if line_start:
        escaped = LINE_START_RE.sub(_escape_line_start, escaped)
    escaped = CLOSING_HASHES_RE.sub(r"\\\g<0>", escaped)
    return CONTROL_RE.sub(lambda match: _reference(match.group()), escaped)


def _escape_line_start(match: re.Match[str]) -> str:
    number = match.group("number")
    return f"{number}\\{match.group()[-1]}" if number else f"\\{match.group()}"


def _protect_edges(escaped: str) -> str:
    """Leading and trailing whitespace as character references, so that it survives."""
    if not escaped or not (escaped[0].isspace() or escaped[-1].isspace()):  # str.isspace is the pattern's \s
        return escaped  # most texts: the pattern would try every inner run of spaces for one that ends the text
    return EDGE_BLANKS_RE.sub(lambda match: "".join(map(_reference, match.group())), escaped)


def _reference(character: str) -> str:
    return f"&#{ord(character)};"


def _url_spans(text: str) -> list[tuple[int, int]]:
    """Where the URLs of a text stand, without trailing sentence punctuation (as the importer finds them)."""
    spans = []
    for match in URL_RE.finditer(text):
        url = match.group().rstrip(TRAILING_PUNCTUATION)
        if not url.endswith("://"):
            spans.append((match.start(), match.start() + len(url)))
    return spans


@dataclass(frozen=True)
class Detail:
    """One tracked field shown after an item's text: which field, and its value (a date for the target)."""

    field: str  # "status", "owner", "target" or "notes" (model.TRACKED_FIELDS)
    value: object


Details = tuple[tuple[Detail, ...], ...]  # the lines of details after an item's text, each a run of fields


def item_details(item: Item) -> Details:
    """The tracked fields an item shows after its text: status (unless the text shows it), owner and target
    date on one line, notes on the next; no line for fields it lacks."""
    shown = (("status", hidden_status(item)), ("owner", item.owner), ("target", item.target))
    first = tuple([Detail(name, value) for name, value in shown if value])
    notes = (Detail("notes", item.notes),) if item.notes else ()
    return tuple(line for line in (first, notes) if line)


@dataclass(frozen=True)
class ListLine:
    """One line of a Markdown list: an item, or a break (`style == "break"`) that keeps lists apart."""

    indent: Trusted
    style: str  # a ListStyle value, or "break"
    number: int = 0
    label: str = ""  # the visible marker, "3." or "c."
    text: Trusted = NO_TEXT  # Markdown made by `inline`
    details: Details = ()  # the tracked fields shown after the text
    hang: Trusted = NO_TEXT  # the indent of the item's continuation lines (its details)


@dataclass(frozen=True)
class TextBlock:
    """A paragraph or a note."""

    kind: str  # "paragraph" or "note"
    text: Trusted
    details: Details = ()


@dataclass(frozen=True)
class ListBlock:
    """A run of lists written one after another, with their nested lists."""

    lines: list[ListLine]
    kind: str = "list"


@dataclass(frozen=True)
class Section:
    """A release or an area: its heading's anchor and its blocks (`area` is None for the release's own)."""

    release: Release
    area: Area | None
    anchor: Trusted
    blocks: list[TextBlock | ListBlock]


@dataclass
class _Anchors:
    """Stable, unique anchors made from heading words."""

    used: set[str] = field(default_factory=lambda: {TOC_ANCHOR, CHANGES_ANCHOR, INTRODUCTION_ANCHOR, OVERVIEW_ANCHOR})

    def make(self, *words: str) -> Trusted:
        base = "-".join(part for part in map(anchor_slug, words) if part) or "section"
        candidate, counter = base, 1
        while candidate in self.used:
            counter += 1
            candidate = f"{base}-{counter}"
        self.used.add(candidate)
        return Trusted(candidate)


def anchor_slug(text: str) -> str:
    """Lower-case ASCII words of a text joined by '-': a fragment that needs no escaping anywhere."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "-".join(re.findall(r"[a-z0-9]+", ascii_text.lower()))[:60].strip("-")


def marker_width(style: ListStyle, number: int) -> int:
    """Columns taken by an item's marker and the space after it ("- " or "12. ")."""
    return len(f"{number}. ") if style is ListStyle.DECIMAL else 2


def list_lines(lists: list[ItemList], indent: str = "", under_text: bool = False) -> list[ListLine]:
    """The lines of consecutive lists and their nested lists, indented under `indent`."""
    lines: list[ListLine] = []
    _add_lists(lists, indent, under_text, lines)
    return lines


def _add_lists(lists: list[ItemList], indent: str, under_text: bool, lines: list[ListLine]) -> None:
    for position, item_list in enumerate(lists):
        if position > 0 or (under_text and not _can_interrupt_text(item_list)):
            lines.append(ListLine(Trusted(indent), "break"))
        for offset, item in enumerate(item_list.items):
            number = item_list.start + offset
            label = item_list.style.label(number)
            details = item_details(item)
            child_indent = indent + " " * marker_width(item_list.style, number)
            style = item_list.style.value
            text = inline(item.text)
            lines.append(ListLine(Trusted(indent), style, number, label, text, details, Trusted(child_indent)))
            _add_lists(item.children, child_indent, bool(item.text or details), lines)


def _can_interrupt_text(item_list: ItemList) -> bool:
    """Whether CommonMark lets this list start right under a line of text (else it joins that text)."""
    first = item_list.items[0] if item_list.items else None
    starts_at_one = item_list.style is not ListStyle.DECIMAL or item_list.start == 1
    return starts_at_one and first is not None and first.text != ""


def container_blocks(blocks: list[Block]) -> list[TextBlock | ListBlock]:
    """Paragraphs, notes and runs of lists of a release or area, in order."""
    result: list[TextBlock | ListBlock] = []
    pending: list[ItemList] = []
    for block in blocks:
        if isinstance(block, ItemList):
            pending.append(block)
            continue
        if pending:
            result.append(ListBlock(list_lines(pending)))
            pending = []
        result.append(TextBlock(block.kind.value, inline(block.text), item_details(block)))
        pending.extend(block.children)
    if pending:
        result.append(ListBlock(list_lines(pending)))
    return result


def sections(roadmap: Roadmap) -> list[Section]:
    """Every release followed by its areas, with anchors and Markdown-ready blocks."""
    anchors = _Anchors()
    result = []
    for release in roadmap.releases:
        result.append(Section(release, None, anchors.make(release.name), container_blocks(release.blocks)))
        for area in release.areas:
            anchor = anchors.make(release.name, area.title)
            result.append(Section(release, area, anchor, container_blocks(area.blocks)))
    return result


def code(item_id: str) -> Trusted:
    """An item id as a code span (ids hold only letters, digits, '.', '_' and '-', never a backtick)."""
    return Trusted(f"`{item_id}`")


def context(roadmap: Roadmap, settings: BuildSettings) -> dict[str, Any]:
    """What the template sees."""
    changes = change_texts(settings.changes, settings.templates) if settings.changes is not None else None
    return {
        "roadmap": roadmap,
        "sections": sections(roadmap),
        "wording": settings.templates.wording(),
        "edition": settings.edition,
        "toc_anchor": Trusted(TOC_ANCHOR),
        "timeline_picture": timeline_picture(roadmap, settings),
        "list_break": Trusted(LIST_BREAK),
        "inline": inline,
        "changes": changes,
        "changes_anchor": Trusted(CHANGES_ANCHOR),
        "overview": overview(roadmap),
        "overview_anchor": Trusted(OVERVIEW_ANCHOR),
        "introduction": [inline(paragraph) for paragraph in roadmap.introduction],
        "introduction_anchor": Trusted(INTRODUCTION_ANCHOR),
        "code": code,
    }


def write(roadmap: Roadmap, settings: BuildSettings) -> dict[str, bytes]:
    """Render the roadmap as GitHub-flavoured Markdown."""
    text = settings.templates.render(TEMPLATE, escape=escape, **context(roadmap, settings))
    return {OUTPUT: text.encode("utf-8")}
