"""Hypothesis strategies: roadmaps with any Unicode text, markup of every target format and deep nesting."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from hypothesis import strategies as st

from evepub.model import DEFAULT_STATUSES, Area, Item, ItemKind, ItemList, ListStyle, Release, Roadmap, find_links, walk

# characters that mean something to Markdown, HTML, reportlab, Jinja, spreadsheets or YAML
MARKUP = [
    "<b>bold</b>", "&amp;", "&", "<font color='red'>x</font>", "<img src='/etc/passwd'/>", "{{ 7 * 7 }}",
    "{% raw %}", "{#", "*em*", "_u_", "`code`", "# hash", "[a](b)", "| pipe |", "\\", "=1+1", "+1", "-1", "@x",
    "=HYPERLINK(\"http://example.invalid\",\"x\")", "- dash", "1. one", "> quote", "~~s~~", "<!-- c -->", "&#x41;",
    "%s", "${x}", "'quote'", '"dq"', "a: b", "? q", "!tag", "*alias", "&anchor", "NO", "1.10", "12:30", "~",
]  # fmt: skip
LONG_WORD = "x" * 300
NAME_LIMIT = 100
# web addresses as people write them: with markup characters, non-ASCII, parentheses, trailing punctuation
URLS = [
    "https://example.org/a_(b)?q=*x*&y=[z]#~f", "http://例え.jp/パス", "https://e.com/x.", "https://e.com/a,b;c",
    "(see https://github.com/lf-edge/eve/pull/2023)", "https://e.com/%20&amp;", "http://x.invalid/{{ 7*7 }}",
]  # fmt: skip
# every code point but surrogates, control characters, line separators (all formats fold white space) and the
# non-characters U+FFFE and U+FFFF, which the loader refuses
TEXT_CHARS = st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp"), blacklist_characters="\x85\ufeff\ufffe\uffff")
# ... and but the soft hyphen, which the PDF draws only as a hyphen at a line end and cannot put in its /Title
# (tests on their own in test_roundtrip_properties)
PRINTED_CHARS = st.characters(
    blacklist_categories=("Cs", "Cc", "Zl", "Zp"), blacklist_characters="\x85\ufeff\xad\ufffe\uffff"
)


def tidy(text: str) -> str:
    """Single spaces between words, none at the ends: what every format shows."""
    return " ".join(text.split())


texts = (
    st.one_of(
        st.text(TEXT_CHARS, min_size=1, max_size=60),
        st.lists(st.sampled_from([*MARKUP, LONG_WORD]), min_size=1, max_size=4).map(" ".join),
        st.tuples(st.text(TEXT_CHARS, max_size=20), st.sampled_from(MARKUP)).map(" ".join),
    )
    .map(tidy)
    .filter(bool)
)
# texts every format prints, web addresses among them
printed_texts = st.one_of(
    st.text(PRINTED_CHARS, min_size=1, max_size=60),
    st.lists(st.sampled_from([*MARKUP, LONG_WORD]), min_size=1, max_size=4).map(" ".join),
    st.tuples(st.text(PRINTED_CHARS, max_size=20), st.sampled_from(MARKUP)).map(" ".join),
    st.tuples(st.text(PRINTED_CHARS, max_size=20), st.sampled_from(URLS), st.text(PRINTED_CHARS, max_size=9)).map(
        " ".join
    ),
).map(tidy).filter(bool)  # fmt: skip


class _Ids:
    """Unique ids for one generated roadmap, and the strategy of its texts."""

    def __init__(self, texts: st.SearchStrategy[str]) -> None:
        self.counter = itertools.count(1)
        self.texts = texts

    def next(self) -> str:
        return f"id{next(self.counter)}"


@st.composite
def item_lists(draw: st.DrawFn, ids: _Ids, depth: int, max_depth: int) -> ItemList:
    style = draw(st.sampled_from(list(ListStyle)))
    items = []
    for _ in range(draw(st.integers(1, 3))):
        item = Item(id=ids.next(), text=draw(ids.texts))
        if depth < max_depth and draw(st.integers(0, 3)) == 0:
            item.children.append(draw(item_lists(ids, depth + 1, max_depth)))
        items.append(item)
    start = draw(st.integers(1, 3)) if style.numbered else 1
    return ItemList(style, items, start)


@st.composite
def blocks(draw: st.DrawFn, ids: _Ids, max_depth: int) -> list:
    found: list = []
    for _ in range(draw(st.integers(0, 3))):
        kind = draw(st.sampled_from(["list", "list", "paragraph", "note"]))
        if kind == "list":
            new_list = draw(item_lists(ids, 0, max_depth))
            # two neighbouring lists of one style read back as one list in every format
            if found and isinstance(found[-1], ItemList) and found[-1].style is new_list.style:
                continue
            found.append(new_list)
        else:
            item = Item(id=ids.next(), text=draw(ids.texts), kind=ItemKind(kind))
            if kind == "paragraph" and draw(st.booleans()):
                item.children.append(draw(item_lists(ids, 0, max_depth)))
            found.append(item)
    return found


@st.composite
def roadmaps(
    draw: st.DrawFn,
    max_releases: int = 4,
    max_depth: int = 6,
    trackable: bool = False,
    words: st.SearchStrategy[str] = texts,
    extra_links: bool = False,
) -> Roadmap:
    """A valid roadmap: releases with or without areas (some empty), nested lists, hostile text.

    `trackable` keeps within what every format holds today: a title and release names of at most
    NAME_LIMIT characters (tracker formulas, document properties) and area titles unique within their
    release (tracker rows name their area by title). `words` is the strategy of item texts; `extra_links`
    gives some items links their text lacks.
    """
    ids = _Ids(words)
    releases = []
    names = draw(st.lists(texts, min_size=1, max_size=max_releases, unique=True))
    if trackable:
        names = list(dict.fromkeys(name[:NAME_LIMIT].strip() for name in names))
    for name in names:
        release = Release(name=name, blocks=draw(blocks(ids, max_depth)))
        for title in draw(st.lists(texts, max_size=3, unique=trackable)):
            release.areas.append(Area(title, draw(blocks(ids, max_depth))))
        releases.append(release)
    statuses = [status.name for status in DEFAULT_STATUSES]
    title = draw(texts)
    roadmap = Roadmap(title=title[:NAME_LIMIT].strip() if trackable else title, releases=releases)
    for located in walk(roadmap):
        located.item.status = draw(st.sampled_from([None, *statuses]))
        located.item.links = find_links(located.item.text)
        if extra_links and draw(st.integers(0, 4)) == 0:
            located.item.links.append(f"https://example.org/more/{located.item.id}")
    return roadmap


@dataclass(frozen=True)
class ReleaseHeading:
    """A release heading as a roadmap writer would write it, and what import should read from it."""

    line: str
    name: str
    period: str | None
    remark: str | None
    version: str | None


versions = st.lists(st.integers(0, 99).map(str), min_size=2, max_size=3).map(".".join)
years = st.integers(2000, 2099).map(str)
periods = st.one_of(
    st.tuples(st.integers(1, 4), years).map(lambda parts: f"Q{parts[0]} {parts[1]}"),
    st.tuples(st.integers(1, 3), years).map(lambda parts: f"Q{parts[0]}-Q{parts[0] + 1} {parts[1]}"),
    st.tuples(st.integers(1, 2), years).map(lambda parts: f"H{parts[0]} {parts[1]}"),
    st.tuples(years, st.integers(2000, 2099)).map(lambda parts: f"Q4 {parts[0]}, Q1 {int(parts[0]) + 1}"),
)
REMARK_WORDS = ["likely", "named", "shipped", "as", "maybe", "late", "(tbd)", "see", "notes:", "–", "&", "<b>x</b>"]
remark_words = st.lists(st.sampled_from(REMARK_WORDS), min_size=1, max_size=4).map(" ".join)


@st.composite
def release_headings(draw: st.DrawFn) -> ReleaseHeading:
    """A release heading in any supported form: NAME-release, by quarter or half-year, by version, with a remark."""
    form = draw(st.sampled_from(["letter", "quarter", "release-version", "bare-version"]))
    version = draw(versions)
    name = {
        "letter": draw(st.from_regex(r"[A-Z][a-z]?", fullmatch=True)) + "-release",
        "quarter": f"{draw(st.sampled_from(['Q1', 'Q2', 'Q3', 'Q4', 'H1', 'H2']))} {draw(years)} release",
        "release-version": f"{draw(st.sampled_from(['Release', 'release']))} {version}",
        "bare-version": version,
    }[form]
    named = version if form.endswith("version") else None
    needs_period = form == "bare-version"
    has_period = needs_period or (form != "quarter" and draw(st.booleans()))
    period = draw(periods) if has_period else None
    remark_version = draw(st.none() | versions)
    remark = None
    if draw(st.booleans()):
        words = draw(remark_words)
        remark = f"{draw(st.sampled_from('-–—'))} {words}" + (f" {remark_version}" if remark_version else "")
    line = name + (f" ({period})" if period else "") + (f" {remark}" if remark else "")
    found_version = named or (remark_version if remark else None)
    return ReleaseHeading(line, name, period, remark, found_version)


@st.composite
def tracked_roadmaps(draw: st.DrawFn, trackable: bool = True) -> Roadmap:
    """Any roadmap whose items have, now and then, an owner, a target date and notes, of any text."""
    roadmap = draw(roadmaps(max_releases=2, trackable=trackable))
    for located in walk(roadmap):
        item = located.item
        item.owner, item.notes = draw(st.none() | texts), draw(st.none() | texts)
        item.target = draw(st.none() | st.dates())
    return roadmap
