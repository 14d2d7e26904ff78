"""The "Changes since" section of `build --changes-since`, worded once through wording.j2 for every format."""

from __future__ import annotations

from dataclasses import dataclass

from evepub.diff import Change, ChangeSet
from evepub.errors import EvepubError
from evepub.templating import Templates


@dataclass(frozen=True)
class ChangeLine:
    """One change as the documents print it: plain text from the wording, escaped by each writer."""

    kind: str  # "added", "removed", "moved", "changed"
    label: str  # the kind as worded, e.g. "Added"
    id: str
    text: str
    details: tuple[str, ...]  # "status: planned → done", "moved from ... to ..."


@dataclass(frozen=True)
class ChangeTexts:
    """The "Changes since" section of `build --changes-since`, worded once for every format."""

    title: str
    empty: str  # the sentence shown when nothing changed
    columns: tuple[str, str, str]  # change, item, details: the column titles of a table
    releases: tuple[tuple[str, tuple[ChangeLine, ...]], ...]  # release heading -> its changes

    def strings(self) -> list[str]:
        """Every string the section prints, e.g. for choosing fonts."""
        lines = [line for _, release_lines in self.releases for line in release_lines]
        return [
            self.title,
            self.empty,
            *self.columns,
            *(heading for heading, _ in self.releases),
            *(part for line in lines for part in (line.label, line.id, line.text, *line.details)),
        ]


CHANGE_MACROS = (
    "changes_title",
    "no_changes",
    "change_kind",
    "change_moved",
    "change_field",
    "change_column_kind",
    "change_column_item",
    "change_column_details",
)


def change_texts(changes: ChangeSet, templates: Templates) -> ChangeTexts:
    """The changes worded through the change macros of wording.j2."""
    wording = templates.wording()
    missing = [name for name in CHANGE_MACROS if not hasattr(wording, name)]
    if missing:
        folder = templates.folder
        raise EvepubError(f"{folder}/wording.j2 has no macro {missing[0]}; copy it from evepub's templates/")

    def line(change: Change) -> ChangeLine:
        details = [str(wording.change_field(edit.name, edit.old, edit.new)) for edit in change.fields]
        if change.kind == "moved":
            details.append(str(wording.change_moved(change.old_place, change.new_place)))
        return ChangeLine(change.kind, str(wording.change_kind(change.kind)), change.id, change.text, tuple(details))

    return ChangeTexts(
        title=str(wording.changes_title(changes.since)),
        empty=str(wording.no_changes()),
        columns=(
            str(wording.change_column_kind()),
            str(wording.change_column_item()),
            str(wording.change_column_details()),
        ),
        releases=tuple((release, tuple(map(line, lines))) for release, lines in changes.releases()),
    )
