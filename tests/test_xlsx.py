"""Excel trackers: what a program manager opens, filters, edits and prints, checked with openpyxl and LibreOffice."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import os
import re
import shutil
import subprocess
import sys
import zipfile
from collections import Counter
from pathlib import Path
from xml.etree import ElementTree

import pytest
from hypothesis import given
from hypothesis import strategies as st
from lxml import etree
from openpyxl import load_workbook
from openpyxl.cell.cell import Cell
from openpyxl.packaging.core import DocumentProperties
from openpyxl.utils.exceptions import IllegalCharacterError
from openpyxl.workbook import Workbook
from openpyxl.worksheet.header_footer import HeaderFooter
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.xml.functions import tostring
from pypdf import PdfReader

from evepub.errors import EvepubError
from evepub.formats.ooxml import pack
from evepub.formats.settings import BuildSettings
from evepub.formats.xlsx.chart import Bars, Charts
from evepub.formats.xlsx.howto import how_to_lines
from evepub.formats.xlsx.layout import INPUT_FILL, default_layout_path, load_layout_file, tint, visible_text
from evepub.formats.xlsx.package import core_properties, header_footer_xml
from evepub.formats.xlsx.reader import read
from evepub.formats.xlsx.rows import formula_cell
from evepub.formats.xlsx.styles import in_schema_order
from evepub.formats.xlsx.writer import header_footer_text, tracker_file_name, write
from evepub.formats.xlsx.zipped import Zipper
from evepub.importer import read_text
from evepub.model import (
    DEFAULT_STATUSES,
    TRACKED_FIELDS,
    Area,
    Entry,
    Item,
    ItemKind,
    ItemList,
    ListStyle,
    Quarter,
    Release,
    Roadmap,
    StatusDef,
    outline,
    walk,
)
from evepub.templating import DEFAULT_TEMPLATES, Templates

from conftest import ROOT, check_golden, require_tool

GOLDEN = Path(__file__).parent / "golden" / "xlsx"
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
SETTINGS = BuildSettings(timestamp=dt.datetime(2024, 5, 17, 9, 30, 12, tzinfo=dt.UTC), edition=dt.date(2024, 5, 17))
INJECTIONS = [
    '=HYPERLINK("http://example.invalid","x")',
    "+SUM(A1:A2)",
    "-1+2",
    "@SUM(1)",
    "#N/A",
    "=1+1",
    "\t=2",
    "\r=3",
]
ODD_TEXTS = ["\r=3 after a carriage return", "  spaces around  ", "日本語 → €", "tab\tinside"]
RECALC_ALWAYS = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse">
<value>0</value></prop></item>
</oor:items>
"""


# ---------------------------------------------------------------- helpers


def save_all(files: dict[str, bytes], folder: Path) -> dict[str, Path]:
    """Write every output file under a folder, as the build step would."""
    paths = {}
    for name, data in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        paths[name] = path
    return paths


def libreoffice(tmp_path: Path, *arguments: str) -> None:
    """Run LibreOffice headless with its own profile, set to recalculate every formula on load."""
    soffice = require_tool("soffice")
    profile = tmp_path / "lo-profile"
    (profile / "user").mkdir(parents=True, exist_ok=True)
    (profile / "user" / "registrymodifications.xcu").write_text(RECALC_ALWAYS, encoding="utf-8")
    command = [soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", *arguments]
    subprocess.run(command, check=True, timeout=600, capture_output=True)


def recalculated(tmp_path: Path, paths: list[Path]) -> dict[str, Workbook]:
    """The workbooks as LibreOffice saves them after opening and recalculating, with cached values."""
    out = tmp_path / "recalculated"
    libreoffice(tmp_path, "--convert-to", "xlsx", "--outdir", str(out), *map(str, paths))
    books = {}
    for path in paths:
        converted = out / path.name
        assert converted.is_file(), f"LibreOffice could not open {path.name}"
        books[path.name] = load_workbook(converted, data_only=True)
    return books


def item_rows(book: Workbook) -> list[dict[str, object]]:
    """The Items sheet as dicts by header title."""
    sheet = book["Items"]
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[0]
    return [dict(zip(header, row, strict=True)) for row in rows[1:]]


def summary_table(book: Workbook) -> dict[str, dict[str, object]]:
    """The Summary sheet's table: release (or 'Total') -> column title -> value."""
    sheet = book["Summary"]
    rows = list(sheet.iter_rows(min_row=4, values_only=True))
    header = rows[0]
    table = {}
    for row in rows[1:]:
        if row[0] is None:
            break
        table[row[0]] = dict(zip(header, row, strict=False))
    return table


def expected_counts(roadmap: Roadmap) -> dict[str, Counter[str]]:
    """Status counts per release from the model: notes carry no status, others default to roadmap's default."""
    counts: dict[str, Counter[str]] = {release.name: Counter() for release in roadmap.releases}
    for located in walk(roadmap):
        if located.item.kind is not ItemKind.NOTE:
            counts[located.release.name][located.item.status or roadmap.default_status] += 1
    return counts


def sheet_xml(data: bytes, sheet_name: str) -> str:
    """The raw worksheet XML of a named sheet in an xlsx file."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
        rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
        targets = {rel.get("Id"): rel.get("Target") for rel in rels}
        for sheet in workbook.iter(f"{{{MAIN}}}sheet"):
            if sheet.get("name") == sheet_name:
                target = targets[sheet.get(f"{{{REL}}}id")].lstrip("/")
                return archive.read(target if target.startswith("xl/") else f"xl/{target}").decode()
    raise AssertionError(f"no sheet {sheet_name}")


def with_extra_items(roadmap: Roadmap, items: list[Item]) -> Roadmap:
    """The roadmap with a bullet list of extra items at the end of its first release."""
    roadmap.releases[0].blocks.append(ItemList(ListStyle.BULLET, items))
    return roadmap


# ---------------------------------------------------------------- fidelity


def test_read_back_equals_outline_including_ids(roadmap: Roadmap, tmp_path: Path) -> None:
    paths = save_all(write(roadmap, SETTINGS), tmp_path)
    back = read(paths["roadmap-tracker.xlsx"])
    assert back.entries == outline(roadmap)
    assert back.unrecoverable == []
    assert all(entry.id for entry in back.entries if entry.kind not in ("title", "release", "area"))
    for release in roadmap.releases:
        name = f"trackers/{tracker_file_name(release.name, set())}"
        single = dataclasses.replace(roadmap, releases=[release])
        assert read(paths[name]).entries == outline(single), name


def test_verify_reads_a_tracker_without_importing_openpyxl(roadmap: Roadmap, tmp_path: Path) -> None:
    # every verify process reads trackers: openpyxl's import (0.15 s) is for sync and the writer only, Jinja's and
    # PyYAML's (0.05 s) for reading a layout file, which a tracker with its Lists sheet does not need
    path = save_all(write(roadmap, SETTINGS), tmp_path)["roadmap-tracker.xlsx"]
    script = (
        "import sys; from pathlib import Path; from evepub.formats.xlsx.reader import read; "
        "entries = len(read(Path(sys.argv[1])).entries); "
        "print(entries, *(name in sys.modules for name in ('openpyxl', 'jinja2', 'yaml')))"
    )
    done = subprocess.run([sys.executable, "-c", script, str(path)], capture_output=True, text=True, check=True)
    assert done.stdout.split() == [str(len(outline(roadmap))), "False", "False", "False"]


def test_the_trackers_forbidden_characters_are_those_openpyxl_refuses() -> None:
    # layout.py names XML's forbidden control characters itself, so that the reader need not import openpyxl
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE as refused_by_openpyxl

    from evepub.formats.xlsx.layout import ILLEGAL_CHARACTERS_RE

    for code in range(0x3000):
        character = chr(code)
        assert bool(ILLEGAL_CHARACTERS_RE.search(character)) == bool(refused_by_openpyxl.search(character)), code


def test_calamine_reads_back_what_openpyxl_reads(roadmap: Roadmap, tmp_path: Path) -> None:
    # verify reads trackers with calamine (fast), sync with openpyxl (formulas as formulas): they must agree
    from evepub.formats.xlsx.reader import introduction_of, read_back
    from evepub.formats.xlsx.table import table_of, with_workbook

    for name, path in save_all(write(roadmap, SETTINGS), tmp_path).items():
        by_openpyxl = with_workbook(
            path, lambda book, at: read_back(table_of(book, at, False).texts(), introduction_of(book))
        )
        by_calamine = read(path)
        assert by_calamine.entries == by_openpyxl.entries, name
        assert (by_calamine.numbers, by_calamine.statuses, by_calamine.links) == (
            by_openpyxl.numbers,
            by_openpyxl.statuses,
            by_openpyxl.links,
        ), name
        assert by_calamine.unrecoverable == by_openpyxl.unrecoverable, name


def test_calamine_reads_typed_values_as_openpyxl_does(roadmap: Roadmap, tmp_path: Path) -> None:
    # a program manager types a number, a date, a yes/no and a formula, and clears a row in the middle
    from evepub.formats.xlsx.reader import introduction_of, read_back
    from evepub.formats.xlsx.table import table_of, with_workbook

    path = save_all(write(roadmap, SETTINGS), tmp_path)["roadmap-tracker.xlsx"]
    book = load_workbook(path)
    sheet = book["Items"]
    sheet["F2"], sheet["G3"], sheet["J4"], sheet["J5"] = 42, dt.datetime(2026, 12, 4), True, 2.5
    for cell in sheet[6]:
        cell.value = None
    book.save(path)
    by_openpyxl = with_workbook(
        path, lambda book, at: read_back(table_of(book, at, False).texts(), introduction_of(book))
    )
    by_calamine = read(path)
    assert [entry.text for entry in by_calamine.entries] == [entry.text for entry in by_openpyxl.entries]
    assert "42" in [entry.text for entry in by_calamine.entries]
    assert "2026-12-04 00:00:00" in by_calamine.statuses
    assert (by_calamine.entries, by_calamine.numbers, by_calamine.statuses, by_calamine.links) == (
        by_openpyxl.entries,
        by_openpyxl.numbers,
        by_openpyxl.statuses,
        by_openpyxl.links,
    )


def test_one_workbook_per_release_with_safe_names(roadmap: Roadmap) -> None:
    files = write(roadmap, SETTINGS)
    names = [name for name in files if name.startswith("trackers/")]
    assert len(names) == len(roadmap.releases)
    assert all(re.fullmatch(r"trackers/[\w.-]+\.xlsx", name) for name in names)
    assert "trackers/Future-ideas.xlsx" in files


def test_tracker_file_names_are_safe_and_unique() -> None:
    taken: set[str] = set()
    assert tracker_file_name("K-release", taken) == "K-release.xlsx"
    assert tracker_file_name("Future ideas", taken) == "Future-ideas.xlsx"
    assert tracker_file_name("future/ideas", taken) == "future-ideas-2.xlsx"
    assert tracker_file_name("../..", taken) == "release.xlsx"
    assert tracker_file_name("CON", taken) == "CON-release.xlsx"
    assert tracker_file_name('a<b>:"c|?*', taken) == "a-b-c.xlsx"


def test_every_item_row_carries_its_context(roadmap: Roadmap) -> None:
    book = load_workbook(io.BytesIO(write(roadmap, SETTINGS)["roadmap-tracker.xlsx"]))
    rows = item_rows(book)
    located_items = list(walk(roadmap))
    assert len(rows) == len(located_items)
    for row, located in zip(rows, located_items, strict=True):
        item = located.item
        assert row["ID"] == item.id
        assert row["Item"] == item.text
        assert row["Release"] == located.release.name
        assert row["Period"] == located.release.period
        assert row["Area"] == (located.area.title if located.area else None)
        assert row["Level"] == located.level
        assert row["Parent ID"] == (located.parent.id if located.parent else None)
        assert row["Kind"] == item.kind.value
        assert row["List"] == (located.style.label(located.number) if located.style else None)
        if item.kind is ItemKind.NOTE:
            assert row["Status"] is None
        else:
            assert row["Status"] == (item.status or roadmap.default_status)


def test_items_are_indented_by_alignment_and_grouped_by_level(roadmap: Roadmap) -> None:
    book = load_workbook(io.BytesIO(write(roadmap, SETTINGS)["roadmap-tracker.xlsx"]))
    sheet = book["Items"]
    assert sheet.sheet_properties.outlinePr.summaryBelow is False
    levels = set()
    for row, located in enumerate(walk(roadmap), start=2):
        cell = sheet.cell(row=row, column=6)
        assert cell.value == located.item.text  # no padding spaces
        assert cell.alignment.indent == located.level
        assert cell.alignment.horizontal == "left"  # Excel ignores an indent without it
        assert sheet.row_dimensions[row].outline_level == min(located.level, 7)
        levels.add(located.level)
    assert len(levels) > 1


def test_table_filter_frozen_header_and_widths(roadmap: Roadmap) -> None:
    book = load_workbook(io.BytesIO(write(roadmap, SETTINGS)["roadmap-tracker.xlsx"]))
    sheet = book["Items"]
    table = sheet.tables["Items"]
    rows = sum(1 for _ in walk(roadmap)) + 1
    assert table.ref == f"A1:N{rows}"
    assert table.autoFilter.ref == table.ref
    assert table.tableStyleInfo.name.startswith("TableStyle")
    assert [column.name for column in table.tableColumns] == [cell.value for cell in sheet[1]]
    assert sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["F"].width >= 40
    assert sheet.cell(row=2, column=6).alignment.wrap_text


def test_status_drop_down_refers_to_hidden_lists_sheet(roadmap: Roadmap) -> None:
    book = load_workbook(io.BytesIO(write(roadmap, SETTINGS)["roadmap-tracker.xlsx"]))
    sheet = book["Items"]
    (validation,) = [found for found in sheet.data_validations.dataValidation if found.type == "list"]
    last = sum(1 for _ in walk(roadmap)) + 1
    assert str(validation.sqref) == f"G2:G{last}"
    match = re.fullmatch(r"Lists!\$A\$(\d+):\$A\$(\d+)", validation.formula1)
    assert match, validation.formula1
    lists = book["Lists"]
    assert lists.sheet_state == "hidden"
    choices = [lists.cell(row=row, column=1).value for row in range(int(match[1]), int(match[2]) + 1)]
    assert choices == [status.name for status in roadmap.statuses]


def test_status_cells_are_coloured_by_status(roadmap: Roadmap) -> None:
    book = load_workbook(io.BytesIO(write(roadmap, SETTINGS)["roadmap-tracker.xlsx"]))
    rules = {}
    for ranges, cf_rules in book["Items"].conditional_formatting._cf_rules.items():
        assert str(ranges.sqref).startswith("G2:G")
        for rule in cf_rules:
            if rule.type == "cellIs":
                rules[rule.formula[0]] = rule.dxf.fill.fgColor.rgb[-6:]
    assert rules == {
        f'"{status.name}"': tint(status.colour) for status in roadmap.statuses if status.name != roadmap.default_status
    }


def test_status_fills_are_light_tints_and_the_default_status_is_unfilled(eve_roadmap: Roadmap) -> None:
    book = load_workbook(io.BytesIO(write(eve_roadmap, SETTINGS)["roadmap-tracker.xlsx"]))
    fills = {}
    for cf_rules in book["Items"].conditional_formatting._cf_rules.values():
        for rule in cf_rules:
            if rule.type == "cellIs":
                fills[rule.formula[0].strip('"')] = rule.dxf.fill.fgColor.rgb[-6:]
    assert eve_roadmap.default_status == "planned" and "planned" not in fills
    for status, fill in fills.items():
        red, green, blue = (int(fill[i : i + 2], 16) for i in (0, 2, 4))
        assert 0.299 * red + 0.587 * green + 0.114 * blue > 190, (status, fill)  # light: black text reads on it


def test_every_font_names_its_face_and_size(eve_roadmap: Roadmap) -> None:
    for name, data in write(eve_roadmap, SETTINGS).items():
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            styles = ElementTree.fromstring(archive.read("xl/styles.xml"))
        fonts = styles.find(f"{{{MAIN}}}fonts")
        assert fonts is not None and len(fonts) > 0
        for font in fonts:
            assert font.find(f"{{{MAIN}}}name").get("val") == "Calibri", (name, ElementTree.tostring(font))
            assert float(font.find(f"{{{MAIN}}}sz").get("val")) >= 11, name
        book = load_workbook(io.BytesIO(data))
        for sheet in ("Summary", "How to use"):  # the sheets' own cells, titles included
            for row in book[sheet].iter_rows():
                for cell in row:
                    if cell.value is not None:
                        assert (cell.font.name, cell.font.sz is not None) == ("Calibri", True), (name, sheet, cell)


def test_the_id_column_shows_the_longest_id(eve_roadmap: Roadmap) -> None:
    files = write(eve_roadmap, SETTINGS)
    for name, data in files.items():
        book = load_workbook(io.BytesIO(data))
        sheet = book["Items"]
        ids = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True) if row[0]]
        width = sheet.column_dimensions["A"].width
        assert width >= min(max(map(len, ids)) + 1, 50), name
        assert width <= 50
    tracker = load_workbook(io.BytesIO(files["roadmap-tracker.xlsx"]))["Items"]
    ids = [row[0] for row in tracker.iter_rows(min_row=2, values_only=True)]
    assert max(map(len, ids)) == 45 and tracker.column_dimensions["A"].width >= 46  # none of the 166 clipped


def test_a1_names_the_tracker_and_no_two_summary_headers_differ_only_in_case(eve_roadmap: Roadmap) -> None:
    files = write(eve_roadmap, SETTINGS)
    for name, data in files.items():
        sheet = load_workbook(io.BytesIO(data))["Summary"]
        if name == "roadmap-tracker.xlsx":
            assert sheet["A1"].value == eve_roadmap.title == "Feature Roadmap"
        else:
            release = next(r for r in eve_roadmap.releases if name == f"trackers/{tracker_file_name(r.name, set())}")
            assert sheet["A1"].value == release.name
        headers = [cell.value for cell in sheet[4] if cell.value]
        assert len({header.casefold() for header in headers}) == len(headers), headers


def test_a_roadmap_with_two_done_statuses_keeps_a_done_column(eve_roadmap: Roadmap) -> None:
    statuses = [dataclasses.replace(s, done=s.done or s.name == "first cut done") for s in eve_roadmap.statuses]
    roadmap = dataclasses.replace(eve_roadmap, statuses=statuses)
    book = load_workbook(io.BytesIO(write(roadmap, SETTINGS)["roadmap-tracker.xlsx"]), data_only=True)
    table = summary_table(book)
    assert table["F-release"]["Done"] == table["F-release"]["first cut done"] + table["F-release"]["done"] == 1


def test_links_are_hyperlinks_and_target_dates_are_dates(eve_roadmap: Roadmap) -> None:
    item = Item(
        "k-extra",
        "Extra work",
        owner="Ada",
        target=dt.date(2024, 9, 30),
        notes="needs review",
        links=["https://example.org/one", "https://example.org/two"],
    )
    roadmap = with_extra_items(eve_roadmap, [item])
    book = load_workbook(io.BytesIO(write(roadmap, SETTINGS)["roadmap-tracker.xlsx"]))
    row = next(r for r in book["Items"].iter_rows(min_row=2) if r[0].value == "k-extra")
    cells = {book["Items"].cell(row=1, column=cell.column).value: cell for cell in row}
    assert cells["Links"].value == "https://example.org/one\nhttps://example.org/two"
    assert cells["Links"].hyperlink.target == "https://example.org/one"
    assert cells["Target date"].value == dt.datetime(2024, 9, 30)
    assert cells["Target date"].is_date and cells["Target date"].number_format == "yyyy-mm-dd"
    assert (cells["Owner"].value, cells["Notes"].value) == ("Ada", "needs review")


def test_items_without_any_rows_still_make_a_valid_table() -> None:
    roadmap = read_text("Empty roadmap\n\nK-release (Q2-Q3 2024)\n")
    book = load_workbook(io.BytesIO(write(roadmap, SETTINGS)["roadmap-tracker.xlsx"]))
    assert book["Items"].tables["Items"].ref == "A1:N2"


# ---------------------------------------------------------------- what a program manager may edit


LAYOUT = load_layout_file(default_layout_path())
INPUT_TITLES = {LAYOUT.title(key): key for key in TRACKED_FIELDS}  # Status, Owner, Target date, Notes


def items_cells(book: Workbook) -> list[dict[str, Cell]]:
    """The Items sheet's data rows as cells by header title (a cell that is not written reads as empty)."""
    sheet = book["Items"]
    titles = [cell.value for cell in sheet[1]]
    last = sheet.tables["Items"].ref.split(":")[1]
    rows = sheet.iter_rows(min_row=2, max_row=int(re.sub(r"\D", "", last)), max_col=len(titles))
    return [dict(zip(titles, row, strict=True)) for row in rows]


def is_note(row: dict[str, Cell]) -> bool:
    """Whether an Items row is a note (TODO:, NOTE:), which has no status to set."""
    return row["Kind"].value == ItemKind.NOTE.value


def plain_format(number_format: str) -> str:
    """A number format without the backslash escapes LibreOffice writes (yyyy\\-mm\\-dd)."""
    return number_format.replace("\\", "")


def empty_inputs_roadmap(eve_roadmap: Roadmap) -> Roadmap:
    """The roadmap with an item that has no owner, notes or target, and one with values that look like others."""
    items = [
        Item("k-bare", "Nothing set yet"),
        Item("k-looks-like", "Values to convert", owner="007", notes="50%", target=dt.date(2025, 1, 15)),
    ]
    return with_extra_items(eve_roadmap, items)


def check_source_guard(sheet: Worksheet, last_row: int) -> None:
    """No sheet protection (it would stop sorting); typing into any of the source's columns is refused instead."""
    assert not sheet.protection.sheet
    guards = [found for found in sheet.data_validations.dataValidation if found.type == "custom"]
    assert len(guards) == 1 and guards[0].showErrorMessage
    assert guards[0].formula1 in ("FALSE", "0")  # LibreOffice saves FALSE as 0: false all the same
    assert guards[0].error == LAYOUT.summary["source_error"]
    assert str(guards[0].sqref).split() == [f"A2:F{last_row}", f"K2:N{last_row}"]  # all but the inputs, G:J


def check_inputs(book: Workbook) -> None:
    """Only the tracked columns of item rows are unlocked and shaded; Owner and Notes are text, Target a date."""
    rows = items_cells(book)
    assert rows
    for row in rows:
        for title, cell in row.items():
            key = INPUT_TITLES.get(title)
            editable = key is not None and not (key == "status" and is_note(row))
            assert cell.protection.locked is not editable, (cell.coordinate, title)
            assert (cell.fill.fgColor.rgb[-6:] == INPUT_FILL) is editable, (cell.coordinate, title)
        assert row["Owner"].number_format == row["Notes"].number_format == "@", row["ID"].value
        assert plain_format(row["Target date"].number_format) == LAYOUT.date_format, row["ID"].value
    assert all(cell.protection.locked for cell in book["Items"][1])  # the header row too


def test_the_source_columns_refuse_typing_and_nothing_stops_sorting(roadmap: Roadmap) -> None:
    book = load_workbook(io.BytesIO(write(roadmap, SETTINGS)["roadmap-tracker.xlsx"]))
    check_source_guard(book["Items"], max(sum(1 for _ in walk(roadmap)), 1) + 1)
    assert not any(book[name].protection.sheet for name in ("Summary", "Items", "How to use"))


def test_only_the_cells_sync_merges_are_unlocked_and_shaded(roadmap: Roadmap) -> None:
    book = load_workbook(io.BytesIO(write(roadmap, SETTINGS)["roadmap-tracker.xlsx"]))
    check_inputs(book)
    for name in ("evepub input", "evepub input date"):  # the named styles the prepared rows refer to
        style = next(style for style in book._named_styles if style.name == name)
        assert style.protection.locked is False and style.fill.fgColor.rgb[-6:] == INPUT_FILL
    has_notes = any(located.item.kind is ItemKind.NOTE for located in walk(roadmap))
    assert any(is_note(row) for row in items_cells(book)) is has_notes


def test_owner_and_notes_are_text_and_target_dates_are_dates_even_when_empty(eve_roadmap: Roadmap) -> None:
    book = load_workbook(io.BytesIO(write(empty_inputs_roadmap(eve_roadmap), SETTINGS)["roadmap-tracker.xlsx"]))
    check_inputs(book)
    rows = {row["ID"].value: row for row in items_cells(book)}
    bare, looks_like = rows["k-bare"], rows["k-looks-like"]
    assert [bare[title].value for title in ("Owner", "Target date", "Notes")] == [None, None, None]
    assert (looks_like["Owner"].value, looks_like["Notes"].value) == ("007", "50%")
    assert looks_like["Owner"].data_type == "s" and looks_like["Target date"].is_date
    assert bare["Status"].number_format == "@" and bare["Status"].value == eve_roadmap.default_status
    columns = book["Items"].column_dimensions  # the columns' own format, for cells below the table
    assert (columns["H"].number_format, columns["I"].number_format, columns["J"].number_format) == (
        "@",
        LAYOUT.date_format,
        "@",
    )


def test_target_dates_are_validated_as_dates_over_the_whole_column(roadmap: Roadmap) -> None:
    book = load_workbook(io.BytesIO(write(roadmap, SETTINGS)["roadmap-tracker.xlsx"]))
    last = sum(1 for _ in walk(roadmap)) + 1
    found_all = book["Items"].data_validations.dataValidation
    validations = {str(found.sqref): found for found in found_all if found.type != "custom"}
    assert set(validations) == {f"G2:G{last}", f"I2:I{last}"}
    target = validations[f"I2:I{last}"]
    assert (target.type, target.operator, target.formula1) == ("date", "greaterThan", "1")  # after 1900-01-01
    assert target.allow_blank and target.showErrorMessage and target.errorStyle in (None, "stop")
    assert (target.errorTitle, target.error) == (LAYOUT.summary["target_error_title"], LAYOUT.summary["target_error"])
    status = validations[f"G2:G{last}"]
    assert status.type == "list" and status.allow_blank and status.showErrorMessage
    assert status.showDropDown in (None, False)  # in OOXML, showDropDown=1 hides the arrow


def test_a_status_not_exactly_in_the_list_turns_red_before_any_status_colour(eve_roadmap: Roadmap) -> None:
    """Excel's list validation ignores case, so "Done" passes the drop-down: a case-exact rule flags it."""
    book = load_workbook(io.BytesIO(write(eve_roadmap, SETTINGS)["roadmap-tracker.xlsx"]))
    sheet = book["Items"]
    (validation,) = [found for found in sheet.data_validations.dataValidation if found.type == "list"]
    ((ranges, rules),) = sheet.conditional_formatting._cf_rules.items()
    first = min(rules, key=lambda rule: rule.priority)
    assert str(ranges.sqref) == str(validation.sqref)
    assert first.type == "expression" and first.stopIfTrue
    assert first.formula == [f'AND(G2<>"",SUMPRODUCT(--EXACT(G2,{validation.formula1}))=0)']
    assert first.dxf.fill.fgColor.rgb[-6:] == "FFC7CE"
    assert all(rule.type == "cellIs" for rule in rules if rule is not first)


def test_how_to_use_sheet_says_what_sync_does_with_each_column(eve_roadmap: Roadmap) -> None:
    files = write(eve_roadmap, SETTINGS)
    for name in ("roadmap-tracker.xlsx", "trackers/K-release.xlsx"):
        book = load_workbook(io.BytesIO(files[name]))
        assert book.sheetnames[:4] == ["Summary", "Items", "Lists", "How to use"]
        assert book.active.title == "Summary"
        sheet = book["How to use"]
        assert sheet.sheet_state == "visible"
        assert sheet["A1"].value == "How to use this tracker"
        lines = [row[0].value for row in sheet.iter_rows(min_row=3) if row[0].value]
        assert lines == how_to_lines(LAYOUT)
        assert 8 <= len(lines) <= 12
        assert all(cell.data_type == "s" for row in sheet.iter_rows() for cell in row if cell.value)
    text = "\n".join(lines)
    assert "{" not in text
    assert "Status, Owner, Target date and Notes" in text and "evepub sync" in text
    assert "matched by ID" in text and "Do not add, delete" in text and "drop-down" in text
    assert "2024-06-30" in text and "refuses what you type" in text


def custom_layout(tmp_path: Path, text: str) -> BuildSettings:
    """Build settings whose template folder is the default one with another layout file."""
    folder = tmp_path / "templates"
    shutil.copytree(DEFAULT_TEMPLATES, folder)
    (folder / "xlsx" / "layout.yaml").write_text(text, encoding="utf-8")
    return dataclasses.replace(SETTINGS, templates=Templates(folder))


def renamed_layout(tmp_path: Path, old: str, new: str) -> BuildSettings:
    """Build settings with the default layout, one text of it replaced."""
    text = default_layout_path().read_text(encoding="utf-8")
    assert old in text
    return custom_layout(tmp_path, text.replace(old, new))


def test_how_to_use_lines_name_the_columns_by_their_titles(eve_roadmap: Roadmap, tmp_path: Path) -> None:
    settings = renamed_layout(tmp_path, "key: owner, title: Owner", "key: owner, title: Responsible")
    book = load_workbook(io.BytesIO(write(eve_roadmap, settings)["roadmap-tracker.xlsx"]))
    text = "\n".join(str(row[0].value) for row in book["How to use"].iter_rows(min_row=3))
    assert "Status, Responsible, Target date and Notes" in text and "Owner" not in text


def test_a_layout_file_without_the_newer_settings_takes_them_from_the_default(
    eve_roadmap: Roadmap, tmp_path: Path
) -> None:
    older = default_layout_path().read_text(encoding="utf-8").split('\n# The "How to use" sheet')[0]
    older = re.sub(r"\n  (target|source)_error.*", "", older) + "\n"
    assert "how_to" not in older and "target_error" not in older and "status_error:" in older
    settings = custom_layout(tmp_path, older)
    book = load_workbook(io.BytesIO(write(eve_roadmap, settings)["roadmap-tracker.xlsx"]))
    assert [row[0].value for row in book["How to use"].iter_rows(min_row=3)] == how_to_lines(LAYOUT)
    errors = {found.type: found.error for found in book["Items"].data_validations.dataValidation}
    assert errors == {
        "list": LAYOUT.summary["status_error"],
        "date": LAYOUT.summary["target_error"],
        "custom": LAYOUT.summary["source_error"],
    }


def test_a_how_to_sheet_named_like_another_sheet_is_refused(eve_roadmap: Roadmap, tmp_path: Path) -> None:
    settings = renamed_layout(tmp_path, "sheet: How to use", "sheet: items")
    message = r"layout\.yaml: the Summary, Items, How to use and Timeline sheets need different"
    with pytest.raises(EvepubError, match=message):
        write(eve_roadmap, settings)


def test_libreoffice_keeps_the_source_guard_inputs_text_formats_and_validations(
    eve_roadmap: Roadmap, tmp_path: Path
) -> None:
    roadmap = empty_inputs_roadmap(eve_roadmap)
    paths = save_all(write(roadmap, SETTINGS), tmp_path / "out")
    out = tmp_path / "resaved"
    libreoffice(tmp_path, "--convert-to", "xlsx", "--outdir", str(out), str(paths["roadmap-tracker.xlsx"]))
    book = load_workbook(out / "roadmap-tracker.xlsx")
    last = sum(1 for _ in walk(roadmap)) + 1
    check_source_guard(book["Items"], last)
    check_inputs(book)
    rows = {row["ID"].value: row for row in items_cells(book)}
    assert (rows["k-looks-like"]["Owner"].value, rows["k-looks-like"]["Notes"].value) == ("007", "50%")
    kinds = {str(found.sqref): found.type for found in book["Items"].data_validations.dataValidation}
    assert {sqref: kind for sqref, kind in kinds.items() if kind != "custom"} == {
        f"G2:G{last}": "list",
        f"I2:I{last}": "date",
    }
    lines = [row[0].value for row in book["How to use"].iter_rows(min_row=3) if row[0].value]
    assert lines == how_to_lines(LAYOUT)
    assert read(out / "roadmap-tracker.xlsx").entries == outline(roadmap)


# ---------------------------------------------------------------- safety


def test_formula_like_texts_stay_plain_text(eve_roadmap: Roadmap) -> None:
    items = [Item(f"k-inject-{n}", text) for n, text in enumerate(INJECTIONS)]
    data = write(with_extra_items(eve_roadmap, items), SETTINGS)["roadmap-tracker.xlsx"]
    sheet = load_workbook(io.BytesIO(data))["Items"]
    cells = {row[5].value: row[5] for row in sheet.iter_rows(min_row=2)}
    xml = sheet_xml(data, "Items")
    for text in INJECTIONS:
        cell = cells[text]
        assert cell.data_type == "s"
        assert cell.quotePrefix or text.startswith("#")
        element = re.search(rf'<c r="{cell.coordinate}"[^>]*>(.*?)</c>', xml)
        assert element and "<f>" not in element.group(0) and 't="inlineStr"' in element.group(0)
    assert "<f>" not in xml and "<f " not in xml


def test_never_seen_roadmap_has_no_formula_anywhere_but_the_summary(tmp_path: Path) -> None:
    text = (Path(__file__).parent / "data" / "never-seen-roadmap.txt").read_text(encoding="utf-8")
    roadmap = read_text(text)
    data = write(roadmap, SETTINGS)["roadmap-tracker.xlsx"]
    xml = sheet_xml(data, "Items")
    assert "+SUM(A1:A2)" in xml and "HYPERLINK" in xml
    assert "<f>" not in xml and "<f " not in xml
    assert "<f>" not in sheet_xml(data, "Lists")
    sheet = load_workbook(io.BytesIO(data))["Items"]
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


def test_control_characters_are_shown_not_dropped(eve_roadmap: Roadmap, tmp_path: Path) -> None:
    roadmap = with_extra_items(eve_roadmap, [Item("k-bell", "ring\x07the\x1bbell\x00")])
    paths = save_all(write(roadmap, SETTINGS), tmp_path)
    rows = item_rows(load_workbook(paths["roadmap-tracker.xlsx"]))
    assert any(row["Item"] == "ring\u2407the\u241bbell\u2400" for row in rows)
    assert any("control characters" in note for note in read(paths["roadmap-tracker.xlsx"]).unrecoverable)


def test_text_over_excel_cell_limit_names_the_item(eve_roadmap: Roadmap) -> None:
    roadmap = with_extra_items(eve_roadmap, [Item("k-too-long", "x" * 32_768)])
    with pytest.raises(EvepubError, match="k-too-long"):
        write(roadmap, SETTINGS)


def test_limit_counts_excel_characters_not_code_points(eve_roadmap: Roadmap) -> None:
    roadmap = with_extra_items(eve_roadmap, [Item("k-emoji", "🙂" * 16_384)])  # 32,768 UTF-16 units
    with pytest.raises(EvepubError, match="k-emoji"):
        write(roadmap, SETTINGS)


def test_text_at_excel_cell_limit_is_kept_whole(eve_roadmap: Roadmap) -> None:
    text = "y" * 32_767
    roadmap = with_extra_items(eve_roadmap, [Item("k-longest", text)])
    rows = item_rows(load_workbook(io.BytesIO(write(roadmap, SETTINGS)["roadmap-tracker.xlsx"])))
    assert any(row["Item"] == text for row in rows)


def test_text_that_looks_like_an_ooxml_escape_is_shown_as_written(eve_roadmap: Roadmap, tmp_path: Path) -> None:
    text = "x_x000D_y keeps its underscores"  # Excel would show "_x000D_" in a cell as a carriage return
    roadmap = with_extra_items(eve_roadmap, [Item("k-escape", text)])
    paths = save_all(write(roadmap, SETTINGS), tmp_path)
    assert "x_x005F_x000D_y" in sheet_xml(paths["roadmap-tracker.xlsx"].read_bytes(), "Items")
    assert read(paths["roadmap-tracker.xlsx"]).entries == outline(roadmap)


def test_reader_reads_a_tracker_saved_by_libreoffice(roadmap: Roadmap, tmp_path: Path) -> None:
    extra = [Item(f"odd-{n}", text) for n, text in enumerate(ODD_TEXTS)]
    roadmap = with_extra_items(roadmap, extra)
    paths = save_all(write(roadmap, SETTINGS), tmp_path / "out")
    assert read(paths["roadmap-tracker.xlsx"]).entries == outline(roadmap)
    out = tmp_path / "resaved"
    libreoffice(tmp_path, "--convert-to", "xlsx", "--outdir", str(out), str(paths["roadmap-tracker.xlsx"]))
    assert read(out / "roadmap-tracker.xlsx").entries == outline(roadmap)


# ---------------------------------------------------------------- live summary, via LibreOffice


def done_count(row: dict[str, object], roadmap: Roadmap) -> object:
    """The Done count of a Summary row: its own column, or the one done status's column."""
    done = [status.name for status in roadmap.statuses if status.done]
    return row["Done"] if len(done) != 1 else row[done[0]]


def test_libreoffice_recalculates_summary_counts_of_every_workbook(roadmap: Roadmap, tmp_path: Path) -> None:
    paths = save_all(write(roadmap, SETTINGS), tmp_path / "out")
    books = recalculated(tmp_path, list(paths.values()))
    expected = expected_counts(roadmap)
    for name, book in books.items():
        table = summary_table(book)
        path = next(path for path in paths.values() if path.name == name)
        cached = load_workbook(path, data_only=True)  # what a viewer that does not recalculate shows
        assert summary_table(cached) == table, name
        dated = ("Period", "Start", "End", None)  # a release without a period has no dates
        assert None not in [v for row in table.values() for k, v in row.items() if k not in dated]
        releases = [release for release in table if release != "Total"]
        if name == "roadmap-tracker.xlsx":
            assert releases == [release.name for release in roadmap.releases]
        for release in releases:
            for status in roadmap.statuses:
                assert table[release][status.name] == expected[release][status.name], (name, release, status)
            total = sum(expected[release].values())
            done = sum(expected[release][status.name] for status in roadmap.statuses if status.done)
            assert (table[release]["Items"], done_count(table[release], roadmap)) == (total, done)
            assert table[release]["% done"] == pytest.approx(done / total if total else 0)
        totals = Counter[str]()
        for release in releases:
            totals.update(expected[release])
        assert table["Total"]["Items"] == sum(totals.values())
        for status in roadmap.statuses:
            assert table["Total"][status.name] == totals[status.name]


def test_libreoffice_counts_a_release_whose_name_is_longer_than_a_formula_constant(
    eve_roadmap: Roadmap, tmp_path: Path
) -> None:
    long_name = "K-release of the edge: " + 'very long "quoted" name, ' * 20  # 500+ characters, quotes doubled
    release = dataclasses.replace(eve_roadmap.releases[0], name=long_name)
    roadmap = dataclasses.replace(eve_roadmap, releases=[release, *eve_roadmap.releases[1:]])
    paths = save_all(write(roadmap, SETTINGS), tmp_path / "out")
    table = summary_table(recalculated(tmp_path, [paths["roadmap-tracker.xlsx"]])["roadmap-tracker.xlsx"])
    expected = expected_counts(roadmap)[long_name]
    assert table[long_name]["Items"] == sum(expected.values()) > 0
    assert [table[long_name][status.name] for status in roadmap.statuses] == [
        expected[status.name] for status in roadmap.statuses
    ]


def test_summary_follows_a_status_change(eve_roadmap: Roadmap, tmp_path: Path) -> None:
    paths = save_all(write(eve_roadmap, SETTINGS), tmp_path / "out")
    tracker = paths["roadmap-tracker.xlsx"]
    before = summary_table(recalculated(tmp_path / "before", [tracker])[tracker.name])
    book = load_workbook(tracker)
    sheet = book["Items"]
    row = next(r for r in sheet.iter_rows(min_row=2) if r[1].value == "J-release" and r[6].value == "planned")
    row[6].value = "done"
    edited = tmp_path / "edited" / "roadmap-tracker.xlsx"
    edited.parent.mkdir()
    book.save(edited)
    after = summary_table(recalculated(tmp_path / "after", [edited])[edited.name])
    assert after["J-release"]["done"] == before["J-release"]["done"] + 1
    assert after["J-release"]["planned"] == before["J-release"]["planned"] - 1
    assert after["Total"]["done"] == before["Total"]["done"] + 1
    assert after["J-release"]["% done"] > before["J-release"]["% done"]


def test_renamed_columns_with_odd_characters_keep_formulas_working(eve_roadmap: Roadmap, tmp_path: Path) -> None:
    folder = tmp_path / "templates"
    shutil.copytree(DEFAULT_TEMPLATES, folder)
    layout = folder / "xlsx" / "layout.yaml"
    text = layout.read_text(encoding="utf-8")
    for key, title in (("release", "Rel [name] #1"), ("status", "Stat'us"), ("kind", "Kind & sort")):
        text = re.sub(rf"(key: {key}, title: )[^,]+", rf'\g<1>"{title}"', text)
    layout.write_text(text, encoding="utf-8")
    settings = dataclasses.replace(SETTINGS, templates=Templates(folder))
    paths = save_all({"roadmap-tracker.xlsx": write(eve_roadmap, settings)["roadmap-tracker.xlsx"]}, tmp_path / "out")
    book = recalculated(tmp_path, [paths["roadmap-tracker.xlsx"]])["roadmap-tracker.xlsx"]
    expected = expected_counts(eve_roadmap)
    table = summary_table(book)
    assert [table[r.name]["planned"] for r in eve_roadmap.releases] == [
        expected[r.name]["planned"] for r in eve_roadmap.releases
    ]
    assert read(paths["roadmap-tracker.xlsx"]).entries == outline(eve_roadmap)


# ---------------------------------------------------------------- print, properties, determinism


def test_every_sheet_prints_landscape_one_page_wide_with_title_and_page_numbers(eve_roadmap: Roadmap) -> None:
    book = load_workbook(io.BytesIO(write(eve_roadmap, SETTINGS)["trackers/K-release.xlsx"]))
    title_rows = {"Summary": "$4:$4", "Items": "$1:$1", "Lists": "$1:$1", "How to use": "$1:$1"}
    for sheet, title_row in ((book[name], rows) for name, rows in title_rows.items()):
        assert sheet.page_setup.orientation == "landscape"
        assert (sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight) == (1, 0)
        assert sheet.sheet_properties.pageSetUpPr.fitToPage
        assert sheet.print_title_rows == title_row
        assert sheet.oddHeader.left.text == "Feature Roadmap"
        assert sheet.oddHeader.right.text == "K-release (Q2-Q3 2024)"
        assert sheet.oddFooter.right.text == "Page &P of &N"


def test_printed_tracker_repeats_the_header_on_every_landscape_page(eve_roadmap: Roadmap, tmp_path: Path) -> None:
    require_tool("soffice")
    paths = save_all(write(eve_roadmap, SETTINGS), tmp_path / "out")
    libreoffice(tmp_path, "--convert-to", "pdf", "--outdir", str(tmp_path / "pdf"), str(paths["roadmap-tracker.xlsx"]))
    pages = PdfReader(tmp_path / "pdf" / "roadmap-tracker.pdf").pages
    assert len(pages) >= 3
    for number, page in enumerate(pages, start=1):
        text = page.extract_text()
        assert page.mediabox.width > page.mediabox.height
        assert "Feature Roadmap" in text and f"Page {number} of {len(pages)}" in text
    texts = [page.extract_text() for page in pages]
    assert "How to use this tracker" in texts[-2] and "Releases by quarter" in texts[-1]  # the last sheets printed
    item_pages = texts[1:-2]
    for text in item_pages:  # every Items page: the header row, all printed columns, no technical ones
        assert all(title in text for title in ("ID", "Release", "Item", "Status", "Owner", "Links"))
        assert "Parent ID" not in text
    printed = " ".join(item_pages).replace("\n", " ")
    missing = [entry.text for entry in outline(eve_roadmap) if entry.id and entry.text[:20] not in printed]
    assert missing == []


def test_header_text_is_escaped_and_short_enough_for_excel() -> None:
    assert header_footer_text("Edge & <b>Friends</b>") == "Edge && <b>Friends</b>"
    assert header_footer_text("bell\x07 and\nnewline") == "bell\u2407 and newline"
    long = header_footer_text("&" * 500)
    assert 2 * len(long) + len("&L&R") < 255


def test_a_broken_layout_file_is_reported_with_its_path(tmp_path: Path, eve_roadmap: Roadmap) -> None:
    folder = tmp_path / "templates"
    shutil.copytree(DEFAULT_TEMPLATES, folder)
    layout = folder / "xlsx" / "layout.yaml"
    layout.write_text(layout.read_text(encoding="utf-8").replace("key: owner", "key: owners"), encoding="utf-8")
    settings = dataclasses.replace(SETTINGS, templates=Templates(folder))
    with pytest.raises(EvepubError, match=r"layout\.yaml: columns must list each"):
        write(eve_roadmap, settings)


def test_document_properties_come_from_roadmap_and_settings(eve_roadmap: Roadmap) -> None:
    book = load_workbook(io.BytesIO(write(eve_roadmap, SETTINGS)["roadmap-tracker.xlsx"]))
    properties = book.properties
    assert properties.title == "Feature Roadmap"
    assert properties.subject == "LF Edge EVE-OS feature roadmap"
    assert properties.creator == "evepub"
    assert "K-release" in properties.keywords
    assert properties.created == properties.modified == dt.datetime(2024, 5, 17, 9, 30, 12)


def test_two_builds_are_byte_identical_across_processes(eve_roadmap: Roadmap, tmp_path: Path) -> None:
    first = write(eve_roadmap, SETTINGS)
    assert first == write(eve_roadmap, SETTINGS)
    script = (
        "import datetime as dt, sys, pickle;"
        "from pathlib import Path;"
        "from evepub.importer import read_text;"
        "from evepub.formats.settings import BuildSettings;"
        "from evepub.formats.xlsx.writer import write;"
        "r = read_text(Path('source/eve-roadmap.txt').read_text(encoding='utf-8'));"
        "s = BuildSettings(timestamp=dt.datetime(2024, 5, 17, 9, 30, 12, tzinfo=dt.UTC), edition=dt.date(2024, 5, 17));"
        "sys.stdout.buffer.write(pickle.dumps(write(r, s)))"
    )
    root = Path(__file__).resolve().parent.parent
    environment = {**os.environ, "PYTHONHASHSEED": "12345"}
    output = subprocess.run([sys.executable, "-c", script], cwd=root, env=environment, capture_output=True, check=True)
    assert __import__("pickle").loads(output.stdout) == first
    with zipfile.ZipFile(io.BytesIO(first["roadmap-tracker.xlsx"])) as archive:
        assert archive.namelist()[0] == "[Content_Types].xml"
        assert {info.date_time for info in archive.infolist()} == {(2024, 5, 17, 9, 30, 12)}


def items_sheet_xml(workbook_bytes: bytes) -> tuple[list[str], list[str]]:
    """The Items sheet's rows and hyperlinks as XML, as written into a tracker's package."""
    name = next(name for name in zipfile.ZipFile(io.BytesIO(workbook_bytes)).namelist() if name.endswith("sheet2.xml"))
    xml = zipfile.ZipFile(io.BytesIO(workbook_bytes)).read(name).decode("utf-8")
    return re.findall(r"<row .*?</row>", xml, re.DOTALL), re.findall(r"<hyperlink [^>]*/>", xml)


def test_prepared_item_rows_are_what_openpyxl_writes_for_the_same_cells() -> None:
    """The Items rows are written as prepared XML for speed; openpyxl, given the cells it reads from them,
    writes the same XML (but for customHeight: evepub's heights are estimates that a spreadsheet may refit)."""
    text = (Path(__file__).parent / "data" / "never-seen-roadmap.txt").read_text(encoding="utf-8")
    for roadmap in (read_text((ROOT / "source" / "eve-roadmap.txt").read_text(encoding="utf-8")), read_text(text)):
        ours = write(roadmap, SETTINGS)["roadmap-tracker.xlsx"]
        workbook = load_workbook(io.BytesIO(ours))
        theirs = io.BytesIO()
        workbook.save(theirs)
        our_rows, our_links = items_sheet_xml(ours)
        their_rows, their_links = items_sheet_xml(theirs.getvalue())
        assert len(our_rows) == len(walk_count(roadmap)) + 1
        assert our_rows[1:] == [row.replace(' customHeight="1"', "") for row in their_rows[1:]]
        assert our_links == their_links


def walk_count(roadmap: Roadmap) -> list[str]:
    return [located.item.id for located in walk(roadmap)]


# ---------------------------------------------------------------- reader


def test_reader_stops_at_its_row_bound(eve_roadmap: Roadmap, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    paths = save_all(write(eve_roadmap, SETTINGS), tmp_path)
    monkeypatch.setattr("evepub.formats.xlsx.table.MAX_ROWS", 10)
    back = read(paths["roadmap-tracker.xlsx"])
    assert len([entry for entry in back.entries if entry.id]) == 10
    assert any("rows after" in note for note in back.unrecoverable)


def test_reader_refuses_what_is_not_a_workbook(tmp_path: Path) -> None:
    path = tmp_path / "tracker.xlsx"
    path.write_text("not a zip", encoding="utf-8")
    with pytest.raises(EvepubError, match="not a readable Excel workbook"):
        read(path)


def test_reader_keeps_rows_a_user_added_for_a_new_area(eve_roadmap: Roadmap, tmp_path: Path) -> None:
    paths = save_all(write(eve_roadmap, SETTINGS), tmp_path)
    book = load_workbook(paths["roadmap-tracker.xlsx"])
    sheet = book["Items"]
    sheet.append(["d-new", "D-release", "Q4 2020", "Brand New Area", "1.", "A new item", "planned"])
    book.save(paths["roadmap-tracker.xlsx"])
    entries = read(paths["roadmap-tracker.xlsx"]).entries
    assert entries[-3:] == [
        Entry("release", "D-release (Q4 2020)"),
        Entry("area", "Brand New Area"),
        Entry("item", "A new item", 0, ListStyle.DECIMAL, "d-new"),
    ]


# ---------------------------------------------------------------- golden


def normalised(data: bytes) -> str:
    """Every XML part but the theme, indented, with the sheets' cells listed one per line."""
    lines: list[str] = []
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            lines.append(f"== {name}")
            if name.endswith("theme1.xml"):
                continue
            root = ElementTree.fromstring(archive.read(name))
            for sheet_data in root.iter(f"{{{MAIN}}}sheetData"):
                lines.extend(_cells(sheet_data))
                sheet_data.clear()
            ElementTree.indent(root)
            lines.append(ElementTree.tostring(root, encoding="unicode"))
    text = "\n".join(lines) + "\n"
    text = re.sub(r"(<ns\d:(?:created|modified)[^>]*>)[^<]*", r"\1MASKED", text)
    return re.sub(r"(<ns\d:(?:AppVersion|Application)>)[^<]*", r"\1MASKED", text)  # the openpyxl version


def _cells(sheet_data: ElementTree.Element) -> list[str]:
    lines = []
    for row in sheet_data:
        attributes = " ".join(f"{k}={v}" for k, v in row.attrib.items())
        lines.append(f"row {attributes}")
        for cell in row:
            value = "".join(cell.itertext())
            formula = cell.find(f"{{{MAIN}}}f")
            shown = f"={formula.text}" if formula is not None else repr(value)
            lines.append(f"  {cell.get('r')} t={cell.get('t')} s={cell.get('s')} {shown}")
    return lines


@pytest.mark.golden
@pytest.mark.parametrize("name", ["roadmap-tracker.xlsx", "trackers/K-release.xlsx"])
def test_golden(eve_roadmap: Roadmap, name: str) -> None:
    check_golden(GOLDEN / (Path(name).stem + ".txt"), normalised(write(eve_roadmap, SETTINGS)[name]))


# ---------------------------------------------------------------- release dates, areas, timeline


def area_table(book: Workbook) -> list[tuple[object, ...]]:
    """The per-area rows of a Summary: below the release table's blank row, after their header row."""
    rows = list(book["Summary"].iter_rows(min_row=4, values_only=True))
    blank = next(index for index, row in enumerate(rows) if row[0] is None)
    return [row for row in rows[blank + 2 :] if row[0] is not None]


def expected_area_counts(roadmap: Roadmap) -> dict[tuple[str, str], Counter[str]]:
    """Status counts per (release, area title), '' for items before the first area; notes not counted."""
    counts: dict[tuple[str, str], Counter[str]] = {}
    for located in walk(roadmap):
        if located.item.kind is not ItemKind.NOTE:
            key = (located.release.name, located.area.title if located.area else "")
            counts.setdefault(key, Counter())[located.item.status or roadmap.default_status] += 1
    return counts


def test_summary_gives_each_release_its_first_and_last_day(eve_roadmap: Roadmap) -> None:
    sheet = load_workbook(io.BytesIO(write(eve_roadmap, SETTINGS)["roadmap-tracker.xlsx"]))["Summary"]
    assert [cell.value for cell in sheet[4]][:4] == ["Release", "Period", "Start", "End"]
    rows = {row[0].value: row for row in sheet.iter_rows(min_row=5) if row[0].value}
    assert rows["K-release"][1].value == "Q2-Q3 2024"
    assert (rows["K-release"][2].value, rows["K-release"][3].value) == (
        dt.datetime(2024, 4, 1),
        dt.datetime(2024, 9, 30),
    )
    assert (rows["D-release"][2].value, rows["D-release"][3].value) == (
        dt.datetime(2020, 10, 1),
        dt.datetime(2020, 12, 31),
    )
    assert rows["K-release"][2].number_format == rows["K-release"][3].number_format == "yyyy-mm-dd"
    assert rows["Future ideas"][2].value is None and rows["Future ideas"][3].value is None
    for release in eve_roadmap.releases:
        if release.start:
            assert rows[release.name][2].value.month == 3 * release.start.quarter - 2
            assert rows[release.name][3].value.month == 3 * release.end.quarter


def test_each_release_tracker_breaks_its_summary_down_by_area(roadmap: Roadmap, tmp_path: Path) -> None:
    files = write(roadmap, SETTINGS)
    expected = expected_area_counts(roadmap)
    assert "Area" not in [
        cell.value
        for row in load_workbook(io.BytesIO(files["roadmap-tracker.xlsx"]))["Summary"].iter_rows()
        for cell in row
    ]  # the all-releases tracker keeps its release table
    paths = save_all({name: data for name, data in files.items() if name.startswith("trackers/")}, tmp_path / "out")
    books = recalculated(tmp_path, list(paths.values()))
    statuses = [status.name for status in roadmap.statuses]
    for release in roadmap.releases:
        path = next(p for p in paths.values() if p.name == tracker_file_name(release.name, set()))
        cached = load_workbook(path, data_only=True)
        header = [cell.value for cell in cached["Summary"][4]]
        rows = area_table(cached)
        assert rows == area_table(books[path.name]), release.name  # the cached values are what LibreOffice computes
        titles = [area.title for area in release.areas]
        before = [] if (release.name, "") not in expected else ["(before the first area)"]
        assert [row[0] for row in rows] == before + titles
        for row in rows:
            key = (release.name, "" if row[0] == "(before the first area)" else row[0])
            counts = expected.get(key, Counter())
            assert row[1] == release.name
            assert [row[header.index(s)] for s in statuses] == [counts[s] for s in statuses], key
            assert row[header.index("Items")] == sum(counts.values())
        assert sum(row[header.index("Items")] for row in rows) == summary_table(cached)[release.name]["Items"]


def test_timeline_sheet_shades_the_quarters_each_release_spans(eve_roadmap: Roadmap) -> None:
    book = load_workbook(io.BytesIO(write(eve_roadmap, SETTINGS)["roadmap-tracker.xlsx"]))
    assert book.sheetnames[:5] == ["Summary", "Items", "Lists", "How to use", "Timeline"]
    sheet = book["Timeline"]
    header = [cell.value for cell in sheet[3]]
    dated = [release for release in eve_roadmap.releases if release.start]
    first = min(release.start.index for release in dated)
    last = max(release.end.index for release in dated)
    assert header[:2] == ["Release", "Period"] and len(header) == 2 + last - first + 1
    assert header[2] == "2020 Q4" and header[-1] == "2024 Q3"
    rows = list(sheet.iter_rows(min_row=4))
    undated = [release.name for release in eve_roadmap.releases if not release.start]
    assert [row[0].value for row in rows] == [release.name for release in dated] + undated
    for row, release in zip(rows, dated, strict=False):
        shaded = [header[cell.column - 1] for cell in row[2:] if cell.fill.fill_type == "solid"]
        assert shaded == [f"{i // 4} Q{i % 4 + 1}" for i in range(release.start.index, release.end.index + 1)]
    for row in rows[len(dated) :]:
        assert all(cell.fill.fill_type is None for cell in row[2:])
    assert rows[0][1].value == "Q2-Q3 2024" and sheet.freeze_panes == "C4"


# ---------------------------------------------------------------- written as openpyxl writes them


def hostile_roadmap() -> Roadmap:
    """A roadmap of every kind of odd text, release names that make the same file name, areas and no areas,
    releases with periods and without, and two done statuses."""
    odd = [*INJECTIONS, *ODD_TEXTS, "a & b < c > d", "漢字 🎉 emoji", "lit _x000D_", "ctl \x01\x1f", "x" * 32_767]
    statuses = (StatusDef("planned", False, "9E9E9E"), StatusDef("=shipped & <x>", True, "2E7D32"))
    statuses += (StatusDef("done", True, "000000"), StatusDef(" spaced ", False, "FFFFFF"))
    names = ["A/B", "A:B", "a b", "=R & <1>", "  spaced  ", "漢字 🎉", "+R"]
    releases = []
    for number, name in enumerate(names):
        quarter = Quarter(2030 - number, number % 4 + 1)
        release = Release(name, period=f"Q{quarter.quarter} {quarter.year}", start=quarter, end=quarter)
        if number % 3 == 1:
            release.period = release.start = release.end = None
        titles = [odd[(number + k) % len(odd)][:100] for k in range(number % 3)]
        for title in dict.fromkeys(re.sub("[\x01\x1f]", "", title) for title in titles):  # formulas refuse them
            items = []
            for k, text in enumerate(odd):
                item = Item(f"r{number}-{title[:3]}-{k}".replace(" ", "_"), text, status=statuses[k % 4].name)
                item.owner, item.notes = (odd[k - 1], odd[k - 2]) if k % 3 == 0 else (None, None)
                item.links = [f"https://e.org/{k}?a=1&b=<2>"] if k % 4 == 0 else []
                items.append(item)
            release.areas.append(Area(title, [ItemList(ListStyle.DECIMAL, [*items])]))
        release.blocks.append(Item(f"r{number}-note", "TODO: note & <x>", kind=ItemKind.NOTE))
        releases.append(release)
    return Roadmap(title="Hostile & <roadmap> 🎉", releases=releases, statuses=statuses, author="A & <b>")


def resaved(workbook: bytes) -> dict[str, bytes]:
    """A tracker's parts as openpyxl writes them once it has read the tracker."""
    saved = io.BytesIO()
    load_workbook(io.BytesIO(workbook)).save(saved)
    with zipfile.ZipFile(saved) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def comparable(part: str, data: bytes) -> bytes:
    """A part without what openpyxl changes by design in reading and saving a tracker: the cached values of
    formulas (it keeps none), customHeight (evepub leaves it off the Items rows, estimates a spreadsheet may
    refit), the selections of frozen panes, the save time; and without evepub's own order of font properties."""
    data = re.sub(rb"(</f><v>)[^<]*(</v>)", rb"\1\2", data).replace(b' customHeight="1"', b"")
    data = re.sub(rb"<selection[^>]*/>", b"<selection/>", data)
    data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\1", data)
    return in_schema_order(data) if part == "xl/styles.xml" else data


@pytest.mark.parametrize("case", ["eve", "never-seen", "hostile", "hostile on Letter"])
def test_every_part_is_what_openpyxl_writes_for_the_same_workbook(case: str) -> None:
    """The trackers are written as prepared XML and from templates openpyxl makes once a build; openpyxl, given
    the workbook it reads from them, writes the same parts (but for what its reading changes, see comparable)."""
    texts = {"eve": ROOT / "source" / "eve-roadmap.txt", "never-seen": ROOT / "tests/data/never-seen-roadmap.txt"}
    roadmap = read_text(texts[case].read_text(encoding="utf-8")) if case in texts else hostile_roadmap()
    settings = dataclasses.replace(SETTINGS, page_size="Letter") if case.endswith("Letter") else SETTINGS
    for name, workbook in write(roadmap, settings).items():
        with zipfile.ZipFile(io.BytesIO(workbook)) as archive:
            ours = {part: archive.read(part) for part in archive.namelist()}
        theirs = resaved(workbook)
        assert sorted(ours) == sorted(theirs), name
        for part, data in ours.items():
            if part == "xl/worksheets/sheet5.xml":  # the Timeline's frozen panes make a cell openpyxl does not read
                data = re.sub(rb'<dimension ref="A1:C(\d+)"/>', rb'<dimension ref="A1:B\1"/>', data)
                theirs[part] = re.sub(rb'<dimension ref="A1:C(\d+)"/>', rb'<dimension ref="A1:B\1"/>', theirs[part])
            assert comparable(part, data) == comparable(part, theirs[part]), f"{name}: {part}"


def test_a_chart_filled_in_from_its_shape_is_what_openpyxl_makes_for_its_values() -> None:
    """Each shape's chart is made once by openpyxl and then filled in: filled in with other values, it is what
    openpyxl makes from those values."""
    statuses = DEFAULT_STATUSES
    titles, count = tuple(f"{status.name} & <label>" for status in statuses), len(statuses)
    pairs = [
        (Bars(4, ["a", "b", "c"], [[1] * count] * 3), Bars(9, ["  x  ", "y & <z> 🎉", "=w"], [[3] * count] * 3)),
        (Bars(4, ["one"], [[1] * count]), Bars(6, ["  two & <2> "], [list(range(count))])),
    ]
    for first, second in pairs:
        charts = Charts("Sum & mary", statuses, titles, "Items & <status>")
        charts.xml(first)  # the shape, made from the first bars
        made = charts.openpyxl_chart(second)._write()  # what openpyxl's writer serialises
        assert charts.xml(second) == etree.tostring(made, encoding="utf-8")


@given(st.lists(st.text(alphabet=st.characters(blacklist_categories=["Cs"])), min_size=4, max_size=4))
def test_a_page_header_filled_in_is_what_openpyxl_writes_for_its_texts(texts: list[str]) -> None:
    """The page header and footer element is made once and filled in: for any texts a sheet can carry (as
    header_footer_text leaves them), it is what openpyxl writes for those texts."""
    title, scope, edition, footer = (header_footer_text(text) for text in texts)
    made = HeaderFooter()
    made.oddHeader.left.text, made.oddHeader.right.text = title, scope or "&A"
    made.oddFooter.left.text, made.oddFooter.right.text = edition, footer
    assert header_footer_xml(title, scope, edition, footer) == etree.tostring(made.to_tree()).decode("ascii")


@given(st.lists(st.text(alphabet=st.characters(blacklist_categories=["Cs"])), min_size=5, max_size=5))
def test_document_properties_filled_in_are_what_openpyxl_writes_for_their_texts(texts: list[str]) -> None:
    """The document properties part is made once a build and filled in: for any texts (as a tracker makes them
    visible), it is what openpyxl writes for those texts."""
    title, subject, creator, keywords, description = (visible_text(text) for text in texts)
    made = DocumentProperties(title=title, subject=subject, creator=creator, keywords=keywords)
    made.description, made.lastModifiedBy = description, creator
    made.created = made.modified = SETTINGS.timestamp.replace(tzinfo=None)
    expected = bytes(tostring(made.to_tree()))
    assert core_properties(title, subject, creator, keywords, description, made.created) == expected


def test_trackers_are_zipped_as_ooxml_pack_zips_them(eve_roadmap: Roadmap) -> None:
    """The parts trackers share are deflated once a build; the packages are the bytes ooxml.pack makes."""
    zipper = Zipper()
    moments = (SETTINGS.timestamp, dt.datetime(1975, 1, 1), dt.datetime(2200, 1, 1, tzinfo=dt.UTC))
    for workbook in write(eve_roadmap, SETTINGS).values():
        with zipfile.ZipFile(io.BytesIO(workbook)) as archive:
            parts = {part: archive.read(part) for part in archive.namelist()}
        for moment in moments:
            assert zipper.pack(parts, moment, set(parts)) == pack(parts, moment)
    odd = {"xl/é.xml": b"x", "[Content_Types].xml": b"", "_rels/.rels": b"<r/>"}  # a name zipfile marks UTF-8
    assert zipper.pack(odd, SETTINGS.timestamp, set(odd)) == pack(odd, SETTINGS.timestamp)


def test_formula_cells_are_refused_where_openpyxl_would_refuse_them() -> None:
    assert formula_cell(3, '=COUNTIFS(A:A,"Élan <1>")', "Count", 2.0).body == (
        '><f>COUNTIFS(A:A,"&#201;lan &lt;1&gt;")</f><v>2.0</v></c>'
    )
    with pytest.raises(IllegalCharacterError):
        formula_cell(3, '=COUNTIFS(A:A,"bell \x07")', "Count", None)
    with pytest.raises(ValueError):  # what XML cannot carry, refused by lxml as in openpyxl's writer
        formula_cell(3, '=COUNTIFS(A:A,"\ufffe")', "Count", None)
