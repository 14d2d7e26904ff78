"""Excel trackers for program managers: one workbook with every release and one per release.

Each workbook has a Summary sheet (live COUNTIFS by release and status, a stacked chart), an Items sheet
(one row per item, grouped by level, a table to filter, a status drop-down coloured by status) and a hidden
Lists sheet (statuses, column titles and the document's headings, which evepub.formats.xlsx.reader reads back).
Notes (TODO:, NOTE:) are rows of kind "note" with no status; the Summary never counts them. Items without a
status show the roadmap's default one. Every source text is stored as a string cell, never a formula (texts
starting with = + - @ also get Excel's quote prefix). Control characters, which Excel cannot store, are shown
as their Unicode control pictures (U+0001 -> U+2401 "␁"), and the non-characters U+FFFE, U+FFFF and lone
surrogates, which XML cannot carry, as U+FFFD "�"; a literal "_x000D_" is written escaped so Excel
shows it as typed; a text over Excel's 32,767-character cell limit stops the build with an error naming the item.
How the workbooks are put together, openpyxl making what they share once per build: see workbook.py.
"""

from __future__ import annotations

from evepub.formats.settings import BuildSettings
from evepub.formats.xlsx.built import source_fingerprint, source_label
from evepub.formats.xlsx.contract import TRACKERS_FOLDER, tracker_file_name
from evepub.formats.xlsx.layout import load_layout
from evepub.formats.xlsx.package import header_footer_text
from evepub.formats.xlsx.parts import share_of
from evepub.formats.xlsx.workbook import Scope, Trackers, Wording, release_scopes
from evepub.gc_pause import collection_paused
from evepub.model import Roadmap

ALL_RELEASES_FILE = "roadmap-tracker.xlsx"
PAGE_TOKEN, PAGES_TOKEN = "\ue000", "\ue001"  # private-use stand-ins for the &P and &N fields
__all__ = ["ALL_RELEASES_FILE", "TRACKERS_FOLDER", "header_footer_text", "tracker_file_name", "write"]


def write(roadmap: Roadmap, settings: BuildSettings, part: tuple[int, int] | None = None) -> dict[str, bytes]:
    """The all-releases tracker and one tracker per release, as file bytes by relative path; with `part` (k, n)
    only the k-th of n shares of them, for n render processes (parts.py shares them out by their items)."""
    layout = load_layout(settings.templates)
    wording = _wording(roadmap, settings)
    with collection_paused():
        source = (source_fingerprint(roadmap), source_label(roadmap))
        scopes = release_scopes(roadmap, layout)  # each item's rows are prepared once, for both its trackers
        total = sum(len(scope.rows) for scope in scopes)
        mine = share_of([total, *(len(scope.rows) for scope in scopes)], part)
        trackers = Trackers(roadmap, layout, wording, settings, source)
        files = {ALL_RELEASES_FILE: trackers.workbook_bytes(Scope.joined(roadmap, scopes))} if 0 in mine else {}
        taken: set[str] = set()
        for number, (release, scope) in enumerate(zip(roadmap.releases, scopes, strict=True), start=1):
            name = f"{TRACKERS_FOLDER}/{tracker_file_name(release.name, taken)}"  # every name: each is unique
            if number in mine:
                files[name] = trackers.workbook_bytes(scope)
    return files


def _wording(roadmap: Roadmap, settings: BuildSettings) -> Wording:
    macros = settings.templates.wording()
    footer = header_footer_text(str(macros.page_footer(PAGE_TOKEN, PAGES_TOKEN)))
    return Wording(
        title=str(macros.document_title(roadmap)),
        subtitle=str(macros.subtitle(roadmap)),
        edition=str(macros.edition(settings.edition, roadmap.version)),
        page_footer=footer.replace(PAGE_TOKEN, "&P").replace(PAGES_TOKEN, "&N"),
        status_labels=tuple(str(macros.status_label(status.name)) for status in roadmap.statuses),
    )


