"""What the PDF shows of an item besides its text, what of a text it cannot show, and where its introduction is."""

from __future__ import annotations

import functools
import re

from evepub.formats.readback import Shows, every_link, status_label
from evepub.model import Located, Roadmap

SOFT_HYPHEN = "\u00ad"
INTRODUCTION_KEY = "introduction"  # the bookmark of the Introduction heading, over the introduction's paragraphs
INTRODUCTION_FIT = "FitBH"  # its destination's kind: the reader starts reading the body there (front matter: FitH)
LONG_WORD = 20  # characters: no line of a PDF is so narrow that a shorter word is cut
LONG_RUN_RE = re.compile(rf"\S{{{LONG_WORD}}}")  # LONG_WORD characters without white space between them
LAST_SPACE_RE = re.compile(r"\s\S*\Z")  # the last white space of a text (\s is what str.isspace says)


def text_says_status(text: str, label: str) -> bool:
    """True when the text already names the status, right after an opening bracket: "(proposed)",
    "(first cut done https://...)", "[done]". A badge there would only repeat it."""
    if not label.strip():
        return False
    return status_pattern(label.strip()).search(text.replace(SOFT_HYPHEN, "")) is not None


@functools.lru_cache(maxsize=256)
def status_pattern(label: str) -> re.Pattern[str]:
    """The pattern of a status label named right after an opening bracket (made once per label)."""
    return re.compile(r"[(\[]\s*" + re.escape(label) + r"(?![\w-])", re.IGNORECASE)


def badge_of_own_status(located: Located, roadmap: Roadmap) -> str | None:
    """A badge for every status the source gives an item, unless its text already says that status."""
    label = status_label(located.item.status)
    if label is None or text_says_status(located.item.text, label):
        return None
    return label


def without_space_after_long_words(text: str) -> str:
    """The text without the spaces that follow a word of LONG_WORD characters or more (counting a word joined to
    the next): a PDF cannot show whether a word longer than a line, ending where its line ends, has a space after it.
    """
    if LONG_RUN_RE.search(text) is None:  # no word so long: nothing to drop (most texts)
        return text
    pieces = text.split(" ")
    kept = [pieces[0]]
    run = run_after(pieces[0], 0)  # characters since the last white space kept
    for piece in pieces[1:]:
        if run < LONG_WORD:
            kept.append(" ")
            run = 0
        kept.append(piece)
        run = run_after(piece, run)
    return "".join(kept)


def run_after(piece: str, run: int) -> int:
    """The characters since the last white space, after a piece of text without spaces follows `run` of them."""
    last = LAST_SPACE_RE.search(piece)
    return run + len(piece) if last is None else len(piece) - last.start() - 1


def drawn(text: str) -> str:
    """The text a PDF draws: soft hyphens only mark where a word may break, and blanks at either end show nothing."""
    return text.replace(SOFT_HYPHEN, "").strip()


SHOWS = Shows(badge_of_own_status, every_link, drawn, without_space_after_long_words)
