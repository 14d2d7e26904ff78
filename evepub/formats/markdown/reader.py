"""Markdown reader: the roadmap written by `evepub.formats.markdown.writer`, read back by a CommonMark parser.

pulldown-cmark (through pyromark: compiled, CommonMark with GFM tables and strikethrough) gives the document as
events, turned here into a flat list of tokens named as markdown-it names them. The tests read every output
with markdown-it-py and pandoc as well: three parsers agree on what the writer meant.

"#" is the title, "##" a release, "###" an area; a blockquote paragraph is a note, any other paragraph a
paragraph; list items keep their nesting depth. An ordered list is "1." (decimal); a bullet item that opens
with a bold letter label ("**a.**", "**A.**") belongs to a lettered list, any other to a bullet list.
Everything before the first release heading (subtitle, edition, timeline, contents) is front matter, and so
is the section whose heading anchor is the table of contents'. The paragraphs of the section anchored
`introduction` are the roadmap's introduction. Anchors, list breaks (raw HTML: the data is
always escaped, so any raw HTML is the writer's own markup) are dropped. An entry's details (its tracked
fields) follow its first hard line break, which the escaped data never yields: they are not part of its text,
and the bold in them is its status. Each link of the text is read as its target, and an item's number as a
renderer shows it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyromark

from evepub.formats.markdown.contract import INTRODUCTION_ANCHOR, TOC_ANCHOR
from evepub.formats.readback import alpha_number
from evepub.model import INTRODUCTION, Entry, ListStyle, ReadBack

UNRECOVERABLE = ["item ids", "owners, target dates, item notes"]
ANCHOR_RE = re.compile(r'<a id="([^"]*)">')
LABEL_RE = re.compile(r"(?:[a-z]+|[A-Z]+)\.")
HEADING_KINDS = {"h1": "title", "h2": "release", "h3": "area"}
OPTIONS = pyromark.Options.ENABLE_TABLES | pyromark.Options.ENABLE_STRIKETHROUGH  # GFM's; CommonMark otherwise
CONTAINERS = {"Item": "list_item", "BlockQuote": "blockquote"}
MARKUP = {"Strong": "strong", "Emphasis": "em", "Strikethrough": "s", "Link": "link"}
INLINE_EVENTS = {"Text": "text", "Code": "code_inline", "InlineHtml": "html_inline"}
BREAKS = {"SoftBreak": "softbreak", "HardBreak": "hardbreak"}
SKIPPED_BLOCKS = {"CodeBlock", "HtmlBlock"}  # their text is not an entry's: code, and the writer's raw HTML


class Token:
    """One step of the parsed document, named as markdown-it names its tokens: a block opening or closing, the
    inline content of a paragraph, heading or table cell (its children), or, inside that, text, markup, breaks."""

    __slots__ = ("attrs", "children", "content", "tag", "type")

    def __init__(
        self,
        type: str,
        tag: str = "",
        content: str = "",
        attrs: dict[str, str] | None = None,
        children: list[Token] | None = None,
    ) -> None:
        self.type, self.tag, self.content = type, tag, content
        self.attrs = NO_ATTRIBUTES if attrs is None else attrs
        self.children = [] if children is None else children

    def __repr__(self) -> str:
        return f"Token({self.type!r}, {self.tag!r}, {self.content!r}, {self.attrs!r}, {self.children!r})"


NO_ATTRIBUTES: dict[str, str] = {}  # shared by every token without attributes: never changed


def parse(text: str) -> list[Token]:
    """CommonMark with GFM tables and strikethrough, parsed by pulldown-cmark (pyromark), as a flat list of tokens."""
    return _Tokens().of(pyromark.events(text, options=OPTIONS))


@dataclass
class _Tokens:
    """pulldown-cmark's events turned into tokens: each run of inline events becomes one inline token."""

    tokens: list[Token] = field(default_factory=list)
    inline: list[Token] = field(default_factory=list)  # the inline content being read
    skipped: int = 0  # inside a code block or raw HTML block
    image: int = 0  # inside an image: its alt text is no entry's text

    def of(self, events: Any) -> list[Token]:
        for event in events:
            if isinstance(event, str):  # an event without data: a break, or a rule
                self._marker(event)
            elif "Start" in event:
                self._start(event["Start"])
            elif "End" in event:
                self._end(event["End"])
            else:
                self._inline_event(*next(iter(event.items())))
        self._flush()
        return self.tokens

    def _marker(self, name: str) -> None:
        if name in BREAKS and not self.skipped:
            self.inline.append(Token(BREAKS[name]))
        elif name not in BREAKS:
            self._flush()

    def _start(self, start: Any) -> None:
        name, data = _named(start)
        if name in MARKUP:
            attrs = {"href": data["dest_url"]} if name == "Link" else {}
            self.inline.append(Token(f"{MARKUP[name]}_open", attrs=attrs))
        elif name == "Image":
            self.image += 1
            self.inline.append(Token("image", attrs={"src": data["dest_url"]}))
        else:
            self._flush()
            self._block_start(name, data)

    def _block_start(self, name: str, data: Any) -> None:
        if name in SKIPPED_BLOCKS:
            self.skipped += 1
        elif name == "Heading":
            self.tokens.append(Token("heading_open", f"h{data['level'][1:]}"))
        elif name == "List":
            ordered = data is not None
            attrs = {"start": str(data)} if ordered else {}
            self.tokens.append(Token("ordered_list_open" if ordered else "bullet_list_open", attrs=attrs))
        elif name in CONTAINERS:
            self.tokens.append(Token(f"{CONTAINERS[name]}_open"))

    def _end(self, end: Any) -> None:
        name, data = _named(end)
        if name in MARKUP:
            self.inline.append(Token(f"{MARKUP[name]}_close"))
        elif name == "Image":
            self.image -= 1
        else:
            self._flush()
            self._block_end(name, data)

    def _block_end(self, name: str, data: Any) -> None:
        if name in SKIPPED_BLOCKS:
            self.skipped -= 1
        elif name == "Heading":
            self.tokens.append(Token("heading_close", f"h{data[1:]}"))
        elif name == "List":
            self.tokens.append(Token("ordered_list_close" if data else "bullet_list_close"))
        elif name in CONTAINERS:
            self.tokens.append(Token(f"{CONTAINERS[name]}_close"))

    def _inline_event(self, name: str, content: str) -> None:
        if name in INLINE_EVENTS and not self.skipped and not self.image:
            self.inline.append(Token(INLINE_EVENTS[name], content=content))

    def _flush(self) -> None:
        if self.inline:
            self.tokens.append(Token("inline", children=self.inline))
            self.inline = []


def _named(value: Any) -> tuple[str, Any]:
    """An event's kind and its data: a name alone, or a one-entry mapping from the name to the data."""
    if isinstance(value, str):
        return value, None
    return next(iter(value.items()))


def read(path: Path) -> ReadBack:
    """Read a roadmap Markdown file back into flat entries, with list numbers, status badges and links."""
    text = path.read_text(encoding="utf-8")
    tokens = parse(text)  # parsed once: the walk and the pictures read the same tokens
    walker = walk_tokens(tokens)
    back = ReadBack(walker.entries, list(UNRECOVERABLE), walker.numbers, walker.statuses, walker.links)
    back.files = local_pictures(tokens)
    return back


def local_pictures(tokens: list[Token]) -> list[str]:
    """The pictures parsed Markdown shows from files beside it (not from the web), in order."""
    inline = [token for token in tokens if token.type == "inline"]
    sources = [child.attrs.get("src", "") for token in inline for child in token.children if child.type == "image"]
    return [source for source in sources if "://" not in source and not source.startswith(("/", "data:"))]


def read_markdown(text: str) -> list[Entry]:
    """The entries of a roadmap written as Markdown."""
    return walk_markdown(text).entries


def walk_markdown(text: str) -> _Walker:
    """Every entry of a roadmap written as Markdown, and what each one shows besides its text."""
    return walk_tokens(parse(text))


def walk_tokens(tokens: list[Token]) -> _Walker:
    """Every entry of parsed roadmap Markdown, and what each one shows besides its text."""
    walker = _Walker()
    for token in tokens:
        walker.visit(token)
    return walker


@dataclass
class _OpenList:
    ordered: bool
    next_number: int  # the number a renderer shows on the next item of an ordered list


@dataclass
class _Walker:
    entries: list[Entry] = field(default_factory=list)
    numbers: list[int] = field(default_factory=list)
    statuses: list[str | None] = field(default_factory=list)
    links: list[list[str]] = field(default_factory=list)
    in_body: bool = False  # past the front matter
    in_contents: bool = False
    in_introduction: bool = False  # in the section anchored INTRODUCTION_ANCHOR: its paragraphs are the introduction
    lists: list[_OpenList] = field(default_factory=list)  # the open lists, outermost first
    quotes: int = 0
    heading: str | None = None  # the kind of the heading being read
    item_waiting: bool = False  # a list item has opened and its text has not been read yet
    item_number: int = 0  # the number a renderer shows on that item (0 in a bullet list)

    def visit(self, token: Token) -> None:
        if token.type in ("bullet_list_open", "ordered_list_open"):
            self._flush_empty_item()
            ordered = token.type == "ordered_list_open"
            self.lists.append(_OpenList(ordered, int(token.attrs.get("start", 1)) if ordered else 0))
        elif token.type in ("bullet_list_close", "ordered_list_close"):
            self.lists.pop()
        elif token.type == "list_item_open":
            self.item_waiting = True
            self.item_number = self.lists[-1].next_number
            if self.lists[-1].ordered:
                self.lists[-1].next_number += 1
        elif token.type == "list_item_close":
            self._flush_empty_item()
        elif token.type == "blockquote_open":
            self.quotes += 1
        elif token.type == "blockquote_close":
            self.quotes -= 1
        elif token.type == "heading_open":
            self.heading = HEADING_KINDS.get(token.tag)
        elif token.type == "heading_close":
            self.heading = None
        elif token.type == "inline":
            self._inline(token)

    def _inline(self, token: Token) -> None:
        children = token.children or []
        if self.heading is not None:
            self._heading(self.heading, children)
        elif not self.in_body or self.in_contents:
            return
        elif self.item_waiting:
            self.item_waiting = False
            self._item(children)
        elif not self.lists:
            kind = INTRODUCTION if self.in_introduction else "note" if self.quotes else "paragraph"
            self._add(kind, children)

    def _heading(self, kind: str, children: list[Token]) -> None:
        if kind == "release":
            anchor = anchor_of(children)
            self.in_contents, self.in_introduction = anchor == TOC_ANCHOR, anchor == INTRODUCTION_ANCHOR
            self.in_body = self.in_body or not self.in_contents
            if self.in_contents or self.in_introduction:
                return
        elif kind == "area" and (not self.in_body or self.in_contents):
            return
        self._add(kind, children)

    def _item(self, children: list[Token]) -> None:
        style = ListStyle.DECIMAL if self.lists[-1].ordered else ListStyle.BULLET
        label, rest = split_label(children) if style is ListStyle.BULLET else (None, children)
        number = self.item_number
        if label is not None:
            style = ListStyle.UPPER_ALPHA if label.isupper() else ListStyle.LOWER_ALPHA
            number = alpha_number(label[:-1])
        self._add("item", rest, number, len(self.lists) - 1, style)

    def _add(
        self, kind: str, children: list[Token], number: int = 0, depth: int = 0, style: ListStyle | None = None
    ) -> None:
        """Record an entry whose text, status and links come from its inline tokens."""
        tokens, status = without_details(children)
        self.entries.append(Entry(kind, "".join(_pieces(tokens)), depth, style))
        self.numbers.append(number)
        self.statuses.append(status)
        self.links.append(link_targets(tokens))

    def _flush_empty_item(self) -> None:
        """An item without text of its own (directly followed by its sub-list or its end)."""
        if self.item_waiting:
            self.item_waiting = False
            if self.in_body and not self.in_contents:
                self._item([])


def anchor_of(children: list[Token]) -> str | None:
    """The id of the writer's anchor at the start of a heading."""
    for child in children:
        if child.type == "html_inline" and (match := ANCHOR_RE.match(child.content)):
            return match.group(1)
    return None


def split_label(children: list[Token]) -> tuple[str | None, list[Token]]:
    """A leading bold letter label such as "a." and the tokens after it (less the space that follows)."""
    tokens = [child for child in children if not (child.type == "text" and not child.content)]
    if len(tokens) < 3 or tokens[0].type != "strong_open" or tokens[2].type != "strong_close":
        return None, children
    if tokens[1].type != "text" or not LABEL_RE.fullmatch(tokens[1].content):
        return None, children
    rest = tokens[3:]
    if rest and rest[0].type == "text" and rest[0].content.startswith(" "):
        rest = [_with_content(rest[0], rest[0].content[1:]), *rest[1:]]
    return tokens[1].content, rest


def _with_content(token: Token, content: str) -> Token:
    return Token(token.type, token.tag, content, token.attrs, token.children)


def without_details(children: list[Token]) -> tuple[list[Token], str | None]:
    """The tokens before the first hard line break, and the status in the details after it: their bold text."""
    cut = next((index for index, child in enumerate(children) if child.type == "hardbreak"), len(children))
    return children[:cut], status_in(children[cut + 1 :])


def status_in(details: list[Token]) -> str | None:
    """The text of the first bold run of an entry's details, or None when there is none."""
    types = [token.type for token in details]
    if "strong_open" not in types:
        return None
    start = types.index("strong_open") + 1
    end = types.index("strong_close", start) if "strong_close" in types[start:] else len(details)
    return "".join(_pieces(details[start:end]))


def link_targets(tokens: list[Token]) -> list[str]:
    """Each link's destination once, in order, as written (pulldown-cmark gives it unescaped, not URL-encoded)."""
    return list(dict.fromkeys(token.attrs["href"] for token in tokens if token.type == "link_open"))


def _pieces(children: list[Token]) -> list[str]:
    pieces = []
    for child in children:
        if child.type in ("text", "code_inline"):
            pieces.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            pieces.append("\n")
    return pieces
