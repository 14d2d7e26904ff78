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
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

from openpyxl.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from evepub.formats.ooxml import pack
from evepub.formats.settings import BuildSettings
from evepub.formats.xlsx.built import build_built_sheet, built_rows, source_fingerprint, source_label
from evepub.formats.xlsx.contract import BUILT_COLUMNS, BUILT_FIRST_ROW, BUILT_SHEET
from evepub.formats.xlsx.howto import build_how_to_sheet
from evepub.formats.xlsx.items import build_items_sheet, item_rows
from evepub.formats.xlsx.layout import Layout, Styles, load_layout, visible_text
from evepub.formats.xlsx.rows import ItemRow, PreparedSheet, TrackerWriter
from evepub.formats.xlsx.summary import HEADER_ROW, SummaryText, build_lists_sheet, build_summary_sheet
from evepub.formats.xlsx.timeline import HEADER_ROW as TIMELINE_HEADER_ROW
from evepub.formats.xlsx.timeline import build_timeline_sheet
from evepub.gc_pause import collection_paused
from evepub.model import Release, Roadmap

ALL_RELEASES_FILE = "roadmap-tracker.xlsx"
TRACKERS_FOLDER = "trackers"
PAPER_SIZES = {"A4": 9, "Letter": 1}  # OOXML paperSize codes
HEADER_PART_LIMIT = 60  # characters per header/footer part: two parts, "&" doubled, stay under Excel's 255
WINDOWS_RESERVED = {"con", "prn", "aux", "nul"} | {f"{kind}{n}" for kind in ("com", "lpt") for n in range(1, 10)}
FORMULA_CELL_RE = re.compile(rb'(<c r="([A-Z]+[0-9]+)"[^>]*><f>[^<]*</f><v>)</v></c>')
PAGE_TOKEN, PAGES_TOKEN = "\ue000", "\ue001"  # private-use stand-ins for the &P and &N fields
STYLES_PART = "xl/styles.xml"
FONT_RE = re.compile(rb"<font>((?:<[A-Za-z]+(?: [^<>]*)?/>)*)</font>")  # a font of empty elements, as openpyxl writes
FONT_CHILD_RE = re.compile(rb"<([A-Za-z]+)(?: [^<>]*)?/>")
FONT_CHILD_ORDER = (
    b"b", b"i", b"strike", b"condense", b"extend", b"outline", b"shadow", b"u", b"vertAlign", b"sz", b"color",
    b"name", b"family", b"charset", b"scheme",
)  # fmt: skip


@dataclasses.dataclass(frozen=True)
class Wording:
    """The user-changeable wording a tracker prints, rendered once per build."""

    title: str
    subtitle: str
    edition: str
    page_footer: str  # already in header/footer code: "&" doubled, page fields as &P and &N
    status_labels: tuple[str, ...]


def write(roadmap: Roadmap, settings: BuildSettings) -> dict[str, bytes]:
    """The all-releases tracker and one tracker per release, as file bytes by relative path."""
    layout = load_layout(settings.templates)
    wording = _wording(roadmap, settings)
    with collection_paused():
        rows = item_rows(roadmap, layout)  # each item's row is prepared once, for both trackers that show it
        built = built_rows(roadmap)
        source = (source_fingerprint(roadmap), source_label(roadmap))
        every_row = [row for release_rows in rows for row in release_rows]
        every_built = [row for release_rows in built for row in release_rows]
        everything = Scope(roadmap, None, every_row, every_built, source)
        files = {ALL_RELEASES_FILE: workbook_bytes(everything, layout, wording, settings)}
        taken: set[str] = set()
        for release, release_rows, release_built in zip(roadmap.releases, rows, built, strict=True):
            name = f"{TRACKERS_FOLDER}/{tracker_file_name(release.name, taken)}"
            single_roadmap = dataclasses.replace(roadmap, releases=[release])
            single = Scope(single_roadmap, release, release_rows, release_built, source)
            files[name] = workbook_bytes(single, layout, wording, settings)
    return files


def tracker_file_name(release_name: str, taken: set[str]) -> str:
    """A file name safe on every file system for a release's tracker, unique among `taken` (ignoring case)."""
    stem = re.sub(r"[^\w.-]+", "-", release_name).strip("-.")[:80].strip("-.") or "release"
    if stem.lower() in WINDOWS_RESERVED:
        stem += "-release"
    candidate, counter = stem, 1
    while candidate.lower() in taken:
        counter += 1
        candidate = f"{stem}-{counter}"
    taken.add(candidate.lower())
    return f"{candidate}.xlsx"


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


def header_footer_text(text: str) -> str:
    """Plain text for a page header or footer: '&' starts a field code there, so it is doubled."""
    text = visible_text(" ".join(text.split()))
    if len(text) > HEADER_PART_LIMIT:
        text = text[: HEADER_PART_LIMIT - 1] + "…"  # page decoration only; cells are never cut
    return text.replace("&", "&&")


@dataclasses.dataclass(frozen=True)
class Scope:
    """What one tracker shows: the roadmap or one release of it, and the prepared rows of its items."""

    roadmap: Roadmap
    release: Release | None
    rows: list[ItemRow]
    built: list[ItemRow]  # the as-built sheet's rows, in the same order
    source: tuple[str, str]  # the fingerprint and label of the source the tracker is built from


def workbook_bytes(scope: Scope, layout: Layout, wording: Wording, settings: BuildSettings) -> bytes:
    """One tracker workbook, byte-identical for the same input."""
    workbook, styles, cached = build_workbook(scope, layout, wording, settings)
    build_built_sheet(workbook, styles, *scope.source)
    prepared = {
        layout.items_sheet: PreparedSheet(scope.rows, len(layout.columns)),
        BUILT_SHEET: PreparedSheet(scope.built, len(BUILT_COLUMNS), BUILT_FIRST_ROW),
    }
    writer = TrackerWriter(workbook, prepared, styles)
    writer.write_data()  # not save(): that stamps the current time
    part = workbook[layout.summary_sheet].path[1:]
    writer.parts.data[part] = with_cached_values(writer.parts.data[part], cached)
    writer.parts.data[STYLES_PART] = in_schema_order(writer.parts.data[STYLES_PART])
    return pack(writer.parts.data, settings.timestamp)


def in_schema_order(styles_xml: bytes) -> bytes:
    """The styles part with each font's properties in the schema's order: openpyxl writes the name first."""

    def ordered(match: re.Match[bytes]) -> bytes:
        children = sorted(FONT_CHILD_RE.finditer(match.group(1)), key=lambda child: _font_rank(child.group(1)))
        return b"<font>" + b"".join(child.group(0) for child in children) + b"</font>"

    return FONT_RE.sub(ordered, styles_xml)


def _font_rank(name: bytes) -> int:
    return FONT_CHILD_ORDER.index(name) if name in FONT_CHILD_ORDER else len(FONT_CHILD_ORDER)


def with_cached_values(sheet_xml: bytes, cached: dict[str, float]) -> bytes:
    """A sheet's XML with each formula cell's computed value stored in its <v>, which openpyxl leaves empty.

    Viewers that do not recalculate (mail and phone previews, pandas) show these values.
    """

    def filled(match: re.Match[bytes]) -> bytes:
        value = cached.get(match.group(2).decode())
        if value is None:
            return match.group(0)
        return match.group(1) + repr(value).encode() + b"</v></c>"

    return FORMULA_CELL_RE.sub(filled, sheet_xml)


def build_workbook(
    scope: Scope, layout: Layout, wording: Wording, settings: BuildSettings
) -> tuple[Workbook, Styles, dict[str, float]]:
    """The tracker as an openpyxl workbook (Summary, Items, the hidden Lists sheet, How to use, Timeline), its cell
    styles and the computed values of the Summary's formulas by cell reference."""
    roadmap, release = scope.roadmap, scope.release
    workbook = Workbook()
    workbook.remove(workbook.active)
    styles = Styles(workbook, layout.date_format)
    title = release.name if release else wording.title  # A1 names the tracker: its release, or the roadmap
    summary_text = SummaryText(title, wording.edition, wording.status_labels, areas=release is not None)
    summary, cached = build_summary_sheet(workbook, roadmap, layout, styles, summary_text)
    items = build_items_sheet(workbook, roadmap, layout, styles, scope.rows)
    lists = build_lists_sheet(workbook, roadmap, layout, styles)
    how_to = build_how_to_sheet(workbook, layout, styles)  # after Lists: Items and Lists keep their part names
    timeline = build_timeline_sheet(workbook, roadmap, layout, styles)  # appended, so the parts above keep names
    shown_scope = header_footer_text(release.heading) if release else ""
    paper = PAPER_SIZES.get(settings.page_size, PAPER_SIZES["A4"])
    _print_setup(summary, HEADER_ROW, wording, shown_scope, paper)
    _print_setup(items, 1, wording, shown_scope, paper)
    _print_setup(lists, 1, wording, shown_scope, paper)  # hidden, but printable once a user shows it
    _print_setup(how_to, 1, wording, shown_scope, paper)
    _print_setup(timeline, TIMELINE_HEADER_ROW, wording, shown_scope, paper)
    workbook.active = 0
    _set_properties(workbook, roadmap, release, wording, settings.timestamp)
    return workbook, styles, cached


def _print_setup(sheet: Worksheet, title_row: int, wording: Wording, scope: str, paper: int) -> None:
    """Landscape, one page wide, the header row on every page, title and page numbers in the margins."""
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = paper
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = f"{title_row}:{title_row}"
    sheet.print_options.gridLines = False
    sheet.page_margins.left = sheet.page_margins.right = 0.4
    sheet.oddHeader.left.text = header_footer_text(wording.title)
    sheet.oddHeader.right.text = scope or "&A"  # the release, or the sheet name
    sheet.oddFooter.left.text = header_footer_text(wording.edition)
    sheet.oddFooter.right.text = wording.page_footer


def _set_properties(
    workbook: Workbook, roadmap: Roadmap, release: Release | None, wording: Wording, timestamp: dt.datetime
) -> None:
    properties = workbook.properties
    title = f"{wording.title} – {release.heading}" if release else wording.title
    properties.title = xml_text(title)
    properties.subject = xml_text(wording.subtitle)
    properties.creator = properties.lastModifiedBy = xml_text(roadmap.author or "evepub")
    properties.keywords = xml_text(", ".join(["roadmap", "tracker", *(r.name for r in roadmap.releases)]))
    properties.description = xml_text(wording.edition)
    when = utc_naive(timestamp)
    properties.created = properties.modified = when


def xml_text(text: str) -> str:
    """Text for a document property, as visible_text makes it."""
    return visible_text(text)


def utc_naive(moment: dt.datetime) -> dt.datetime:
    """A moment in UTC without tzinfo, as Excel metadata and zip headers take it."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC).replace(tzinfo=None)
    return moment.replace(microsecond=0)
