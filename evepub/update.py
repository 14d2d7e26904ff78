"""`evepub import NEW.txt --update SOURCE`: bring a new edition of the plain text into an existing source.

Items of the new edition are matched with the source's: the same text first, then a text that changed a
little (a typo fixed, a status restated, a word added). A matched item keeps its id and every tracked field
and takes the new text; a new item gets a new id; what the new edition no longer has is removed. A match
that is not sure is listed and not taken. The new source is written through ruamel.yaml from the old one's
nodes, so the comments of every release, area and item that stays are kept.
"""

from __future__ import annotations

import difflib
import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq

from evepub import source
from evepub.errors import EvepubError, SourceError
from evepub.model import TRACKED_FIELDS, Item, Located, Roadmap, walk
from evepub.source_edit import TEXT_KEYS, item_maps, round_trip_yaml

SURE = 0.85  # text similarity from which a changed text is the same item
UNSURE = 0.6  # from here up to SURE a match is listed, and the item taken as new
STATUS_RE = re.compile(r"\s*\([^()]*\)\s*$")  # a status written in trailing parentheses
FROM_THE_TEXT = ("title", "introduction")  # roadmap-level keys a new edition of the text decides


@dataclass(frozen=True)
class Decision:
    """One line of the update: what happened to one item, and why."""

    kind: str  # "kept", "matched", "added", "removed", "unsure"
    item_id: str
    text: str
    detail: str = ""

    def line(self) -> str:
        """The decision as a person reads it."""
        return f"{self.kind}: {self.item_id}: {self.text}" + (f" ({self.detail})" if self.detail else "")


@dataclass
class Update:
    """The new roadmap with the old ids and tracked fields carried over, and every decision made."""

    roadmap: Roadmap
    decisions: list[Decision] = field(default_factory=list)
    renamed: dict[str, str] = field(default_factory=dict)  # the new edition's id -> the kept id


def comparable(text: str) -> str:
    """A text as matching compares it: without a trailing status, case and runs of spaces folded."""
    return " ".join(STATUS_RE.sub("", text).lower().split())


def similarity(old: str, new: str) -> float:
    """How alike two item texts are, from 0 to 1."""
    return difflib.SequenceMatcher(None, comparable(old), comparable(new), autojunk=False).ratio()


def match_items(old: Roadmap, new: Roadmap) -> tuple[dict[str, str], list[tuple[Located, Located, float]]]:
    """New item id -> old item id for every sure match, and the unsure pairs (new, old, score)."""
    old_items, new_items = list(walk(old)), list(walk(new))
    pairs: dict[str, str] = {}
    by_text: dict[tuple[str, str], list[Located]] = {}
    for located in old_items:
        by_text.setdefault((located.item.kind.value, located.item.text), []).append(located)
    for located in new_items:  # the same text: the first one not taken, the same release preferred
        candidates = by_text.get((located.item.kind.value, located.item.text), [])
        candidates.sort(key=lambda other: other.release.name != located.release.name)
        if candidates:
            pairs[located.item.id] = candidates.pop(0).item.id
    taken = set(pairs.values())
    scored = [
        (
            similarity(before.item.text, after.item.text) + 0.05 * (before.release.name == after.release.name),
            after,
            before,
        )
        for after in new_items
        if after.item.id not in pairs
        for before in old_items
        if before.item.id not in taken and before.item.kind is after.item.kind
    ]
    unsure: list[tuple[Located, Located, float]] = []
    for score, after, before in sorted(scored, key=lambda triple: -triple[0]):
        if after.item.id in pairs or before.item.id in taken or score < UNSURE:
            continue
        if score >= SURE:
            pairs[after.item.id] = before.item.id
            taken.add(before.item.id)
        elif all(pair[0] is not after for pair in unsure):
            unsure.append((after, before, score))
    return pairs, [entry for entry in unsure if entry[0].item.id not in pairs and entry[1].item.id not in taken]


def update(old: Roadmap, new: Roadmap) -> Update:
    """The new edition with ids and tracked fields of the items it shares with the old source."""
    pairs, unsure = match_items(old, new)
    old_items = {located.item.id: located.item for located in walk(old)}
    result = Update(new)
    matched: set[int] = set()  # the new edition's items that continue an old one, by identity
    for located in walk(new):
        item = located.item
        if item.id not in pairs:
            continue
        before = old_items[pairs[item.id]]
        result.renamed[item.id] = before.id
        matched.add(id(item))
        changed = before.text != item.text
        carry_over(before, item)
        detail = f"was: {before.text}" if changed else ""
        result.decisions.append(Decision("matched" if changed else "kept", before.id, item.text, detail))
    used = set(pairs.values())
    for located in walk(new):
        if id(located.item) not in matched:
            located.item.id = unique_id(located.item.id, used)
            result.decisions.append(Decision("added", located.item.id, located.item.text))
    for after, before, score in unsure:
        detail = f"{score:.0%} alike {before.item.id} '{before.item.text}': taken as new; give it that id if it is"
        result.decisions.append(Decision("unsure", after.item.id, after.item.text, detail))
    kept = set(pairs.values())
    result.decisions += [Decision("removed", key, item.text) for key, item in old_items.items() if key not in kept]
    return result


def carry_over(before: Item, item: Item) -> None:
    """The old item's id and tracked fields on the new one; a status the new text states wins."""
    stated = item.status if item.status is not None and item.status in item.text else None
    item.id = before.id
    for name in TRACKED_FIELDS:
        setattr(item, name, getattr(before, name))
    if stated is not None:
        item.status = stated
    item.links = list(dict.fromkeys([*item.links, *before.links]))


def unique_id(wanted: str, used: set[str]) -> str:
    """An id not yet used: the wanted one, else it with -2, -3, ..."""
    candidate, number = wanted, 1
    while candidate in used:
        number += 1
        candidate = f"{wanted}-{number}"
    used.add(candidate)
    return candidate


def updated_source_text(old_text: str, result: Roadmap) -> str:
    """The new roadmap as YAML, written from the old source's nodes wherever a release, area or item stays."""
    yaml = round_trip_yaml()
    old_doc = yaml.load(old_text)
    new_doc = yaml.load(source.dumps(result))
    old_items = {str(item["id"]): item for item in item_maps(old_doc)}
    for key in FROM_THE_TEXT:  # the rest (author, version, statuses, ...) is the source's own
        if key in new_doc and old_doc.get(key) != new_doc[key]:
            old_doc[key] = new_doc[key]
        elif key not in new_doc and key in old_doc:
            del old_doc[key]
    old_releases = {str(release.get("name")): release for release in old_doc.get("releases", [])}
    old_doc["releases"] = CommentedSeq(
        merged_node(old_releases.get(str(release.get("name"))), release, old_items) for release in new_doc["releases"]
    )
    stream = io.StringIO()
    yaml.dump(old_doc, stream)
    return stream.getvalue()


def merged_node(old: Any, new: Any, old_items: dict[str, CommentedMap]) -> Any:
    """A node of the new document, reusing the old one (and its comments) where it is the same release, area or item."""
    if isinstance(new, CommentedSeq):
        return CommentedSeq(merged_node(matching(old, value), value, old_items) for value in new)
    if not isinstance(new, CommentedMap):
        return new
    if "id" in new and any(key in new for key in TEXT_KEYS):
        old = old_items.get(str(new["id"]))
    if not isinstance(old, CommentedMap):
        old = CommentedMap()
    for key in [key for key in old if key not in new]:
        del old[key]
    for position, (key, value) in enumerate(new.items()):
        merged = merged_node(old.get(key), value, old_items)
        if key in old:
            if old[key] != merged or isinstance(merged, CommentedMap | CommentedSeq):
                old[key] = merged
        else:
            old.insert(position, key, merged)
    return old


def matching(old: Any, new: Any) -> Any:
    """The old list entry that a new one continues: the area of the same title (items are found by id)."""
    if not isinstance(old, CommentedSeq) or not isinstance(new, CommentedMap) or "title" not in new:
        return None
    return next(
        (entry for entry in old if isinstance(entry, CommentedMap) and entry.get("title") == new["title"]), None
    )


def run(text_path: Path, source_path: Path, dry_run: bool = False) -> tuple[Update, bool]:
    """Update the source from a new edition; with dry_run nothing is written. Returns the update and whether
    the source was written."""
    from evepub.importer import read_text

    try:
        text = text_path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise EvepubError(f"cannot read {text_path}: {error}") from None
    original = source_path.read_bytes()
    old = source.loads(source.decode(original, str(source_path)), str(source_path))
    result = update(old, read_text(text, str(text_path)))
    new_text = updated_source_text(source.decode(original, str(source_path)), result.roadmap)
    try:
        source.loads(new_text, str(source_path))
    except SourceError as error:
        raise EvepubError(f"{source_path}: the updated source would not be valid: {error.problems[0]}") from None
    if dry_run or new_text.encode("utf-8") == original:
        return result, False
    from evepub.build import publish

    publish(source_path.parent, {source_path.name: new_text.encode("utf-8")})
    return result, True
