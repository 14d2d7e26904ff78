"""Text known only once the document is laid out (the contents' page numbers, each footer's page total).

While a page is drawn, a PDF comment on a line of its own marks the place of each such text in the page's
content stream; once the layout is done, `fill_in` replaces every mark with the operators that draw the text,
where it would have been drawn. The text stays in reading order, inside the paragraph that holds it, and costs
no form XObject (a roadmap of 400 releases had 3,746 of them). A mark that were left would still be a valid
comment. Source text can never be taken for a mark: every text string of a stream starts its line with "(" or
an operator, and ReportLab escapes line breaks inside strings.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

MARK_PREFIX = "% evepub-deferred "
MARK_RE = re.compile(r"^% evepub-deferred (\S+)$", re.MULTILINE)


def mark(canvas: Any, key: str) -> None:
    """Mark the place, in the page being drawn, of the text that `fill_in` will give for `key` (no white space)."""
    canvas._code.append(MARK_PREFIX + key)
    canvas.__dict__.setdefault("_evepub_marked_pages", set()).add(canvas.getPageNumber())


def fill_in(canvas: Any, operators: Callable[[str], list[str]]) -> None:
    """Replace every mark of every page drawn with the operators for its key."""
    pages = canvas._doc.Pages.pages
    for number in sorted(canvas.__dict__.pop("_evepub_marked_pages", set())):
        page = pages[number - 1]
        page.stream = MARK_RE.sub(lambda found: "\n".join(operators(found.group(1))), page.stream)
