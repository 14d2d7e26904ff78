"""What the readers share: what a format shows of an item besides its text, and how list markers read back."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass

from evepub.model import Item, ListStyle, Located, Roadmap, find_links

MARKER_RE = re.compile(r"(?P<mark>\d+|[a-z]+|[A-Z]+)[.)]")


def alpha_number(letters: str) -> int:
    """The ordinal spreadsheet-style letters stand for: a -> 1, z -> 26, aa -> 27 (the inverse of alpha_label)."""
    number = 0
    for letter in letters.lower():
        number = number * 26 + ord(letter) - ord("a") + 1
    return number


@functools.lru_cache(maxsize=1024)  # every reader asks for each list entry's label, and labels repeat
def read_marker(label: str) -> tuple[ListStyle, int]:
    """The list style and number a visible marker shows: '3.' decimal 3, 'c.' lower-alpha 3, else a bullet (0)."""
    match = MARKER_RE.fullmatch(label.strip())
    if not match:
        return ListStyle.BULLET, 0
    mark = match.group("mark")
    if mark.isdigit():
        return ListStyle.DECIMAL, int(mark)
    return (ListStyle.LOWER_ALPHA if mark.islower() else ListStyle.UPPER_ALPHA), alpha_number(mark)


@dataclass(frozen=True)
class Shows:
    """What a format shows of an item besides its text: the status label and the link targets."""

    status: Callable[[Located, Roadmap], str | None]
    links: Callable[[Item], list[str]]
    visible: Callable[[str], str] = str  # the part of an item's text (and of the title) the format can show
    fold: Callable[[str], str] = str  # what of a text, on either side, the format cannot tell apart


def status_label(name: str | None) -> str | None:
    """A status as the default wording labels it."""
    return None if name is None else _status_label(name)


@functools.cache
def _status_label(name: str) -> str:
    from evepub.templating import Templates

    return str(Templates().wording().status_label(name))


def no_status(located: Located, roadmap: Roadmap) -> str | None:
    """For a format that shows no status."""
    return None


def hidden_status(item: Item) -> str | None:
    """The item's status when its text does not already show it, else None."""
    if item.status is None or item.status.lower() in item.text.lower():
        return None
    return item.status


def links_in_text(item: Item) -> list[str]:
    """The URLs written in the item's text, which become its links."""
    return [url for url in find_links(item.text) if not url.endswith("://")]


def every_link(item: Item) -> list[str]:
    """The item's links: the URLs in its text and those the source adds."""
    return list(item.links)
