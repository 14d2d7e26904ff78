"""Edit tracked fields of items in the YAML source in place, keeping its comments, order and layout."""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Iterator
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from evepub.errors import EvepubError

TEXT_KEYS = ("text", "paragraph", "note")
FIELD_ORDER = ("status", "owner", "target", "notes")


def round_trip_yaml() -> YAML:
    """A ruamel.yaml instance set up like the source files evepub writes."""
    yaml = YAML(typ="rt")
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.width = 100_000
    yaml.preserve_quotes = True
    return yaml


def item_maps(node: Any) -> Iterator[CommentedMap]:
    """Every mapping in the document that is an item (it has an id and a text key)."""
    if isinstance(node, CommentedMap):
        if "id" in node and any(key in node for key in TEXT_KEYS):
            yield node
        for value in node.values():
            yield from item_maps(value)
    elif isinstance(node, CommentedSeq):
        for value in node:
            yield from item_maps(value)


def set_field(item: CommentedMap, name: str, value: str | dt.date | None) -> None:
    """Set or remove one tracked field, inserting a new key where a person would write it."""
    if value is None:
        item.pop(name, None)
        return
    if name in item:
        item[name] = value
        return
    anchor_keys = ["id", *TEXT_KEYS, *FIELD_ORDER[: FIELD_ORDER.index(name)]]
    position = max((index for index, key in enumerate(item) if key in anchor_keys), default=len(item) - 1) + 1
    item.insert(position, name, value)


def restate_status(text: str, old: str | None, new: str | None) -> str:
    """A text that ends with '(old status ...)' says the new status instead; any other text is kept."""
    if not old or not new:
        return text
    pattern = re.compile(rf"\({re.escape(old)}(?=[\s)])")
    matches = list(pattern.finditer(text))
    match = matches[-1] if matches else None
    if match is None or not re.search(r"\)\s*$", text[match.end() :]):
        return text
    return text[: match.start()] + f"({new}" + text[match.end() :]


def edit_source(text: str, edits: dict[str, dict[str, Any]]) -> str:
    """The source text with each item's fields set as given: {id: {field: value or None}}."""
    yaml = round_trip_yaml()
    try:
        document = yaml.load(text)
    except Exception as error:  # ruamel raises many types; the source was validated before this
        raise EvepubError(f"cannot edit the source: {error}") from None
    found = {str(item["id"]): item for item in item_maps(document)}
    for item_id, fields in edits.items():
        item = found.get(item_id)
        if item is None:
            raise EvepubError(f"cannot edit the source: it has no item with the id '{item_id}'")
        for name, value in fields.items():
            if name == "text":
                key = next(key for key in TEXT_KEYS if key in item)
                item[key] = value
            else:
                set_field(item, name, value)
    stream = io.StringIO()
    yaml.dump(document, stream)
    return stream.getvalue()
