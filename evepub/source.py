"""The YAML source: load it safely into the model, reporting every problem as FILE:LINE:COL: message."""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from evepub.errors import Problem, SourceError, yaml_syntax_error
from evepub.gc_pause import collection_paused
from evepub.model import (
    Area,
    Block,
    Item,
    ItemKind,
    ItemList,
    ListStyle,
    Quarter,
    Release,
    Roadmap,
    StatusDef,
    find_links,
)
from evepub.periods import parse_period, quarters_text

MAX_SOURCE_BYTES = 64 * 1024 * 1024
MAX_TEXT = 32_767  # the most a spreadsheet cell holds; longer texts could not be tracked
ID_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
COLOUR_RE = re.compile(r"[0-9A-Fa-f]{6}")
VERSION_RE = re.compile(r"\d+(?:\.\d+)+")
REMARK_RE = re.compile(r"[-–—] \S.*")
STR_TAG = "tag:yaml.org,2002:str"
YAML_TYPE_NAMES = {
    "tag:yaml.org,2002:bool": "a yes/no value",
    "tag:yaml.org,2002:int": "a number",
    "tag:yaml.org,2002:float": "a number",
    "tag:yaml.org,2002:null": "nothing",
    "tag:yaml.org,2002:timestamp": "a date",
    "tag:yaml.org,2002:map": "a mapping",
    "tag:yaml.org,2002:seq": "a list",
}
STANDARD_TAGS = {STR_TAG, *YAML_TYPE_NAMES}

ROADMAP_KEYS = (
    "title", "subtitle", "version", "date", "author", "statuses", "default_status", "introduction", "releases",
)  # fmt: skip
RELEASE_KEYS = ("name", "period", "remark", "version", "start", "end", "blocks", "areas")
AREA_KEYS = ("title", "blocks")
ITEM_KEYS = ("id", "text", "status", "owner", "target", "notes", "links", "lists")
BLOCK_KINDS = ("paragraph", "note", "list")
LIST_KEYS = ("list", "start", "items")
STATUS_KEYS = ("name", "done", "colour")
NOT_IN_XML_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")  # control characters XML 1.0 cannot hold
ITEM_KINDS = {  # an item's text key: its kind, what the messages call it, and the keys it may have
    "text": (ItemKind.ITEM, "an item", ("id", "text", *ITEM_KEYS[2:])),
    "paragraph": (ItemKind.PARAGRAPH, "a paragraph", ("id", "paragraph", *ITEM_KEYS[2:])),
    "note": (ItemKind.NOTE, "a note", ("id", "note", *ITEM_KEYS[2:-1])),
}


@dataclass
class _Checker:
    """Walks the YAML node tree, building the model and collecting every problem on the way."""

    path: str
    problems: list[Problem] = field(default_factory=list)
    ids: dict[str, int] = field(default_factory=dict)
    status_refs: list[tuple[Node, str]] = field(default_factory=list)

    def problem(self, node: Node, message: str) -> None:
        self.problems.append(Problem(self.path, node.start_mark.line + 1, node.start_mark.column + 1, message))

    # -- generic shapes -------------------------------------------------------------------------
    def mapping(self, node: Node, what: str, allowed: tuple[str, ...], required: tuple[str, ...]) -> dict[str, Node]:
        """The keys of a mapping node, after reporting duplicates, unknown and missing keys."""
        if not isinstance(node, MappingNode):
            self.problem(node, f"{what} must be a mapping (key: value), found {describe(node)}")
            return {}
        found: dict[str, Node] = {}
        misspelt: set[str] = set()  # required keys already named by a did-you-mean
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, ScalarNode) else None
            if key is None or key_node.tag != STR_TAG:
                self.problem(key_node, f"keys of {what} must be text, found {describe(key_node)}")
            elif key in found:
                first = found[key].start_mark.line + 1
                self.problem(key_node, f"duplicate key '{key}' in {what} (first given on line {first})")
            elif key not in allowed:
                self.problem(key_node, f"unknown key '{key}' in {what}{suggest(key, allowed)}")
                misspelt.update(difflib.get_close_matches(key, allowed, n=1, cutoff=0.6))
            else:
                found[key] = value_node
        for key in required:
            if key not in found and key not in misspelt:
                self.problem(node, f"{what} is missing the required key '{key}'")
        return found

    def sequence(self, node: Node, what: str) -> list[Node]:
        """The entries of a list node."""
        if not isinstance(node, SequenceNode):
            self.problem(node, f"{what} must be a list, found {describe(node)}")
            return []
        return list(node.value)

    def text(self, node: Node | None, what: str, required: bool = True) -> str | None:
        """A text scalar; booleans, numbers and dates that YAML guessed from unquoted text are refused."""
        if node is None:
            return None
        if not isinstance(node, ScalarNode):
            self.problem(node, f"{what} must be text, found {describe(node)}")
            return None
        if node.tag == "tag:yaml.org,2002:null" and not required:
            return None
        if node.tag != STR_TAG:
            hint = f": YAML reads {node.value!r} as {YAML_TYPE_NAMES.get(node.tag, node.tag)}; put it in quotes"
            self.problem(node, f"{what} must be text{hint if node.value else ', found nothing'}")
            return None
        if len(node.value) > MAX_TEXT:
            self.problem(node, f"{what} is {len(node.value)} characters long; the limit is {MAX_TEXT}")
            return None
        if required and not node.value.strip():
            self.problem(node, f"{what} must not be empty")
            return None
        if "\ufffe" in node.value or "\uffff" in node.value:  # Unicode's non-characters: not text anywhere
            code = "U+FFFE" if "\ufffe" in node.value else "U+FFFF"
            self.problem(node, f"{what} holds {code}, which is not a character (no Office file can hold it); remove it")
            return None
        return node.value

    def name(self, node: Node | None, what: str) -> str | None:
        """A name (of a status, release or area): text that XML can hold, as the trackers' formulas and sheet names
        hold it; a control character or a non-character in it is refused."""
        value = self.text(node, what)
        found = NOT_IN_XML_RE.search(value) if value is not None else None
        if found is not None:
            code = f"U+{ord(found.group()):04X}"
            self.problem(node, f"{what} holds {code}, a character no Office file can hold; remove it")
            return None
        return value

    def scalar(self, node: Node | None, what: str, tag: str, convert: Callable[[str], Any]) -> Any:
        """A scalar of one YAML type (number, yes/no, date), converted."""
        if node is None:
            return None
        if not isinstance(node, ScalarNode) or node.tag not in {tag, STR_TAG}:
            self.problem(node, f"{what} must be {YAML_TYPE_NAMES.get(tag, tag)}, found {describe(node)}")
            return None
        try:
            return convert(node.value)
        except ValueError as error:
            self.problem(node, f"{what}: {error}")
            return None

    # -- the roadmap ----------------------------------------------------------------------------
    def roadmap(self, node: Node) -> Roadmap:
        keys = self.mapping(node, "the roadmap", ROADMAP_KEYS, ("title", "releases"))
        statuses = self.statuses(keys.get("statuses"))
        roadmap = Roadmap(
            title=self.text(keys.get("title"), "title") or "",
            subtitle=self.text(keys.get("subtitle"), "subtitle", required=False),
            version=self.text(keys.get("version"), "version", required=False),
            author=self.text(keys.get("author"), "author", required=False),
            date=self.scalar(keys.get("date"), "date", "tag:yaml.org,2002:timestamp", to_date),
        )
        if statuses:
            roadmap.statuses = tuple(statuses)
        default = keys.get("default_status")
        roadmap.default_status = self.text(default, "default_status") or roadmap.default_status
        if default is not None:
            self.status_refs.append((default, roadmap.default_status))
        roadmap.introduction = self.introduction(keys.get("introduction"))
        roadmap.releases = self.releases(keys.get("releases"))
        self.check_statuses(roadmap)
        return roadmap

    def introduction(self, node: Node | None) -> list[str]:
        """The introduction's paragraphs: a list of texts, or one text for a single paragraph."""
        if node is None:
            return []
        single = isinstance(node, ScalarNode) and node.tag == STR_TAG
        entries = [node] if single else self.sequence(node, "introduction")
        paragraphs = [self.text(entry, "an introduction paragraph") for entry in entries]
        return [paragraph for paragraph in paragraphs if paragraph is not None]

    def statuses(self, node: Node | None) -> list[StatusDef]:
        if node is None:
            return []
        found: list[StatusDef] = []
        for entry in self.sequence(node, "statuses"):
            keys = self.mapping(entry, "a status", STATUS_KEYS, ("name",))
            name = self.name(keys.get("name"), "status name")
            done = self.scalar(keys.get("done"), "done", "tag:yaml.org,2002:bool", to_bool)
            colour = self.text(keys.get("colour"), "colour")
            if colour is not None and not COLOUR_RE.fullmatch(colour):
                self.problem(keys["colour"], f"colour '{colour}' must be six hex digits such as 2E7D32")
                colour = None
            if name is not None:
                found.append(StatusDef(name, bool(done), colour or "808080"))
        return found

    def releases(self, node: Node | None) -> list[Release]:
        releases: list[Release] = []
        names: dict[str, int] = {}
        for entry in self.sequence(node, "releases") if node is not None else []:
            release = self.release(entry)
            if release.name and release.name in names:
                self.problem(entry, f"duplicate release name '{release.name}' (first on line {names[release.name]})")
            names[release.name] = entry.start_mark.line + 1
            releases.append(release)
        return releases

    def release(self, node: Node) -> Release:
        keys = self.mapping(node, "a release", RELEASE_KEYS, ("name",))
        release = Release(name=self.name(keys.get("name"), "release name") or "")
        release.period = self.text(keys.get("period"), "period", required=False)
        release.remark = self.remark(keys.get("remark"))
        release.version = self.version(keys.get("version"), release)
        self.period(release, keys)
        release.blocks = self.blocks(keys.get("blocks"))
        for entry in self.sequence(keys["areas"], "areas") if "areas" in keys else []:
            area_keys = self.mapping(entry, "an area", AREA_KEYS, ("title",))
            release.areas.append(
                Area(self.name(area_keys.get("title"), "area title") or "", self.blocks(area_keys.get("blocks")))
            )
        return release

    def remark(self, node: Node | None) -> str | None:
        """A release's remark: one line opening with a dash, as the heading writes it after the period."""
        remark = self.text(node, "remark", required=False)
        if remark is not None and node is not None and not REMARK_RE.fullmatch(remark):
            self.problem(node, f"remark {remark!r} must be one line opening with a dash and a space: '- likely 13.4'")
            return None
        return remark

    def version(self, node: Node | None, release: Release) -> str | None:
        """The version a release heading names: digits and dots, written in its name or remark."""
        version = self.text(node, "version", required=False)
        if version is None or node is None:
            return None
        if not VERSION_RE.fullmatch(version):
            self.problem(node, f"version '{version}' must be numbers joined by dots, such as \"13.4\"")
            return None
        if version not in release.name and version not in (release.remark or ""):
            self.problem(node, f"version '{version}' is written neither in the release name nor in its remark")
        return version

    def period(self, release: Release, keys: dict[str, Node]) -> None:
        start = self.scalar(keys.get("start"), "start", STR_TAG, Quarter.parse)
        end = self.scalar(keys.get("end"), "end", STR_TAG, Quarter.parse)
        text = quarters_text(release.name, release.period)
        if text is None:
            for key in ("start", "end"):
                if key in keys:
                    self.problem(keys[key], f"{key} is given but the release has no period")
            return
        try:
            parsed = parse_period(text)
        except ValueError as error:
            self.problem(keys["period"], f"malformed period: {error}")  # a name such as "Q2 2025 release" parses
            return
        for key, given, expected in (("start", start, parsed[0]), ("end", end, parsed[1])):
            if given is not None and given != expected:
                self.problem(keys[key], f"{key} {given} does not match period '{text}' ({expected})")
        release.start, release.end = parsed

    def blocks(self, node: Node | None) -> list[Block]:
        blocks: list[Block] = []
        for entry in self.sequence(node, "blocks") if node is not None else []:
            if isinstance(entry, MappingNode):
                kinds = [key.value for key, _ in entry.value if getattr(key, "value", None) in BLOCK_KINDS]
            else:
                kinds = []
            if len(kinds) != 1:
                self.problem(entry, "a block must have exactly one of the keys 'paragraph', 'note' or 'list'")
                continue
            block = self.item_list(entry) if kinds[0] == "list" else self.item(entry, kinds[0])
            if block is not None:
                blocks.append(block)
        return blocks

    def item_list(self, node: Node) -> ItemList | None:
        keys = self.mapping(node, "a list", LIST_KEYS, ("list", "items"))
        style_name = self.text(keys.get("list"), "list style")
        start = self.scalar(keys.get("start"), "start", "tag:yaml.org,2002:int", to_positive_int)
        items = [self.item(entry, "text") for entry in self.sequence(keys["items"], "items")] if "items" in keys else []
        try:
            style = ListStyle(style_name)
        except ValueError:
            if style_name is not None:
                styles = tuple(s.value for s in ListStyle)
                self.problem(keys["list"], f"unknown list style '{style_name}'{suggest(style_name, styles)}")
            return None
        if "items" in keys and not items:
            self.problem(keys["items"], "a list must have at least one item")
        return ItemList(style, [item for item in items if item is not None], start or 1)

    def item(self, node: Node, text_key: str) -> Item | None:
        kind, what, allowed = ITEM_KINDS[text_key]
        keys = self.mapping(node, what, allowed, ("id", text_key))
        text = self.text(keys.get(text_key), f"{kind.value} text")
        item_id = self.item_id(keys.get("id"))
        item = Item(id=item_id or "", text=text or "", kind=kind)
        item.status = self.text(keys.get("status"), "status", required=False)
        if item.status is not None:
            self.status_refs.append((keys["status"], item.status))
        item.owner = self.text(keys.get("owner"), "owner", required=False)
        item.notes = self.text(keys.get("notes"), "notes", required=False)
        item.target = self.scalar(keys.get("target"), "target", "tag:yaml.org,2002:timestamp", to_date)
        extra_links = (
            [self.text(link, "link") for link in self.sequence(keys["links"], "links")] if "links" in keys else []
        )
        item.links = list(dict.fromkeys([*find_links(item.text), *(link for link in extra_links if link)]))
        for entry in self.sequence(keys["lists"], "lists") if "lists" in keys else []:
            child = self.item_list(entry)
            if child is not None:
                item.children.append(child)
        return item if text is not None and item_id is not None else None

    def item_id(self, node: Node | None) -> str | None:
        item_id = self.text(node, "id")
        if item_id is None or node is None:
            return None
        if not ID_RE.fullmatch(item_id):
            self.problem(node, f"id '{item_id}' may hold only letters, digits, '.', '_' and '-'")
        elif item_id in self.ids:
            self.problem(node, f"duplicate id '{item_id}' (first on line {self.ids[item_id]})")
        else:
            self.ids[item_id] = node.start_mark.line + 1
        return item_id

    def check_statuses(self, roadmap: Roadmap) -> None:
        known = tuple(status.name for status in roadmap.statuses)
        for node, name in self.status_refs:
            if name not in known:
                self.problem(node, f"unknown status '{name}'{suggest(name, known)} (known: {', '.join(known)})")


def describe(node: Node | None) -> str:
    """How a node looks to a person: 'a list', 'a mapping', 'text', 'a number 3'."""
    if isinstance(node, MappingNode):
        return "a mapping"
    if isinstance(node, SequenceNode):
        return "a list"
    if isinstance(node, ScalarNode):
        if node.tag == STR_TAG:
            return f"text {node.value!r}" if len(node.value) < 40 else "text"
        return f"{YAML_TYPE_NAMES.get(node.tag, node.tag)} {node.value!r}".strip()
    return "nothing"


def suggest(word: str, choices: tuple[str, ...]) -> str:
    """A did-you-mean suffix for an unknown word."""
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else f"; expected one of: {', '.join(choices)}"


def to_date(value: str) -> dt.date:
    """A date written YYYY-MM-DD."""
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"'{value}' is not a date like 2024-06-30") from None


def to_bool(value: str) -> bool:
    """A YAML yes/no value."""
    lowered = value.lower()
    if lowered in {"true", "yes", "on"}:
        return True
    if lowered in {"false", "no", "off"}:
        return False
    raise ValueError(f"'{value}' is not true or false")


def to_positive_int(value: str) -> int:
    """A whole number from 1 up."""
    if not value.isdigit() or int(value) < 1:
        raise ValueError(f"'{value}' is not a whole number from 1 up")
    return int(value)


def decode(data: bytes, path: str) -> str:
    """Source bytes as text: UTF-8, with or without a byte-order mark."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        column = error.start - (data.rfind(b"\n", 0, error.start) + 1) + 1
        bad = data[error.start : error.start + 1].hex()
        raise SourceError(path, line, column, f"the file is not UTF-8 text (byte 0x{bad}); save it as UTF-8") from None


def compose(text: str, path: str) -> Node:
    """The YAML node tree of one document; syntax errors become problems with positions."""
    loader = SourceLoader(text) if SourceLoader is not None else yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as error:
        raise yaml_syntax_error(error, text, path, holds="roadmap") from None
    except yaml.reader.ReaderError as error:
        line = text.count("\n", 0, error.position) + 1
        column = error.position - (text.rfind("\n", 0, error.position) + 1) + 1
        character = chr(error.character) if isinstance(error.character, int) else error.character
        raise SourceError(
            path,
            line,
            column,
            f"control character U+{ord(character):04X} is not allowed in YAML; "
            'write it as an escape in double quotes, such as "\\x07"',
        ) from None
    except RecursionError:
        raise SourceError(path, 1, 1, "the YAML is nested too deeply to be a roadmap") from None
    finally:
        loader.dispose()
    if node is None:
        raise SourceError(path, 1, 1, "the file is empty: a roadmap needs at least 'title' and 'releases'")
    return node


def _lean_loader() -> type | None:
    """libyaml's safe loader with a shorter resolver: the same tags, found without the steps for path resolvers,
    which the safe loader has none of (a tenth of composing a large source). None without libyaml."""
    if not hasattr(yaml, "CSafeLoader"):
        return None
    base = yaml.CSafeLoader
    if base.yaml_path_resolvers or None in base.yaml_implicit_resolvers:  # a PyYAML unlike 6.0: its own resolver
        return base
    by_first_character = {first: tuple(found) for first, found in base.yaml_implicit_resolvers.items()}
    sequence, mapping = base.DEFAULT_SEQUENCE_TAG, base.DEFAULT_MAPPING_TAG

    class LeanLoader(base):  # type: ignore[valid-type, misc]
        def resolve(self, kind: type, value: Any, implicit: tuple[bool, bool]) -> str:
            if kind is ScalarNode:
                if implicit[0]:  # plain: the patterns for its first character ('' for an empty value)
                    for tag, pattern in by_first_character.get(value[:1], ()):
                        if pattern.match(value):
                            return tag
                return STR_TAG
            return sequence if kind is SequenceNode else mapping

        def descend_resolver(self, current_node: Any, current_index: Any) -> None:
            pass

        def ascend_resolver(self) -> None:
            pass

    return LeanLoader


SourceLoader = _lean_loader()
NODES_KEPT: list[Node] | None = None  # see keep_nodes_to_the_end


def keep_nodes_to_the_end() -> None:
    """In a process that ends with os._exit (the build's loader), keep each source's YAML nodes rather than free
    them: freeing the 190,000 nodes of 20,000 items takes a tenth of loading them, and the process's end frees all."""
    global NODES_KEPT
    NODES_KEPT = []


ALIAS_MESSAGE = "an alias (*name) repeats the value anchored here; aliases are not allowed, write the value out"


def check_nodes(node: Node, path: str) -> None:
    """Refuse aliases (alias bombs, cycles) and any tag that is not plain YAML, before anything else."""
    problems: list[Problem] = []
    stack: list[Node] = [node]
    seen: set[int] = set()
    pop, extend, add = stack.pop, stack.extend, seen.add  # 180,000 nodes in a roadmap of 20,000 items
    while stack:
        current = pop()
        if id(current) in seen:
            mark = current.start_mark
            raise SourceError(path, mark.line + 1, mark.column + 1, ALIAS_MESSAGE)
        add(id(current))
        if current.tag not in STANDARD_TAGS:
            kind = "Python object tags are" if "python/" in current.tag else f"the tag {current.tag} is"
            problems.append(
                Problem(
                    path,
                    current.start_mark.line + 1,
                    current.start_mark.column + 1,
                    f"{kind} not allowed in a roadmap source",
                )
            )
        kind = type(current)
        if kind is MappingNode:
            for pair in current.value:
                extend(pair)
        elif kind is SequenceNode:
            extend(current.value)
    if problems:
        raise SourceError(problems=problems)


def loads(text: str, path: str = "<source>") -> Roadmap:
    """Parse and validate a YAML source text into the model, raising SourceError with every problem."""
    with collection_paused():  # rescanning the many objects made here, again and again, cost more than parsing
        checker = _Checker(path)
        roadmap = _checked(text, checker)  # the YAML nodes are gone once it returns
    if checker.problems:
        raise SourceError(problems=checker.problems)
    return roadmap


def _checked(text: str, checker: _Checker) -> Roadmap:
    node = compose(text, checker.path)
    if NODES_KEPT is not None:
        NODES_KEPT.append(node)
    if "&" in text or "!" in text:  # else no node has an anchor (so none is an alias) or a tag of its own
        check_nodes(node, checker.path)
    try:
        return checker.roadmap(node)
    except RecursionError:
        raise SourceError(
            checker.path, 1, 1, "the lists are nested too deeply (more than a few hundred levels)"
        ) from None


def load(path: Path | str) -> Roadmap:
    """Read, parse and validate a YAML source file."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_SOURCE_BYTES:
            raise SourceError(str(path), 1, 1, f"the file is {size} bytes; a source may have {MAX_SOURCE_BYTES}")
        data = path.read_bytes()
    except OSError as error:
        raise SourceError(str(path), 1, 1, f"cannot read the source: {error.strerror}") from None
    return loads(decode(data, str(path)), str(path))


def dumps(roadmap: Roadmap) -> str:
    """The YAML source text of a roadmap, in the key order a person reads it."""
    header = "# EVE-OS feature roadmap: the one source of every published format. See README.md, 'Source format'.\n"
    return header + yaml.dump(
        _roadmap_data(roadmap), Dumper=_SourceDumper, sort_keys=False, allow_unicode=True, width=100_000
    )


class _SourceDumper(yaml.SafeDumper):
    """Indents list entries under their key, the way people write YAML by hand."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def _roadmap_data(roadmap: Roadmap) -> dict[str, Any]:
    data: dict[str, Any] = {"title": roadmap.title}
    for key in ("subtitle", "version", "author", "date"):
        if getattr(roadmap, key) is not None:
            data[key] = getattr(roadmap, key)
    data["statuses"] = [{"name": s.name, "done": s.done, "colour": s.colour} for s in roadmap.statuses]
    data["default_status"] = roadmap.default_status
    if roadmap.introduction:
        data["introduction"] = list(roadmap.introduction)
    data["releases"] = [_release_data(release) for release in roadmap.releases]
    return data


def _release_data(release: Release) -> dict[str, Any]:
    data: dict[str, Any] = {"name": release.name}
    for key in ("period", "remark", "version"):
        if getattr(release, key) is not None:
            data[key] = getattr(release, key)
    if release.start is not None and release.end is not None:
        data["start"], data["end"] = str(release.start), str(release.end)
    if release.blocks:
        data["blocks"] = [_block_data(block) for block in release.blocks]
    if release.areas:
        data["areas"] = [
            {"title": area.title, "blocks": [_block_data(b) for b in area.blocks]} for area in release.areas
        ]
    return data


def _block_data(block: Block) -> dict[str, Any]:
    if isinstance(block, ItemList):
        return _list_data(block)
    return _item_data(block, block.kind.value)


def _list_data(item_list: ItemList) -> dict[str, Any]:
    data: dict[str, Any] = {"list": item_list.style.value}
    if item_list.start != 1:
        data["start"] = item_list.start
    data["items"] = [_item_data(item, "text") for item in item_list.items]
    return data


def _item_data(item: Item, text_key: str) -> dict[str, Any]:
    if text_key == "text":
        data: dict[str, Any] = {"id": item.id, "text": item.text}
    else:
        data = {text_key: item.text, "id": item.id}
    for key in ("status", "owner", "target", "notes"):
        if getattr(item, key) is not None:
            data[key] = getattr(item, key)
    extra_links = [link for link in item.links if link not in find_links(item.text)]
    if extra_links:
        data["links"] = extra_links
    if item.children:
        data["lists"] = [_list_data(child) for child in item.children]
    return data
