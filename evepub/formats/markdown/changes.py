"""The Markdown report of `evepub diff`, through templates/changes.md.j2."""

from __future__ import annotations

from evepub.diff import ChangeSet
from evepub.formats.markdown.writer import escape
from evepub.templating import Templates, Trusted


def render_markdown(changes: ChangeSet, templates: Templates) -> str:
    """The changes as Markdown, through templates/changes.md.j2."""

    def code(item_id: str) -> Trusted:
        return Trusted(f"`{item_id}`")  # ids hold only letters, digits, '.', '_' and '-'

    return templates.render("changes.md.j2", escape=escape, changes=changes, code=code)
