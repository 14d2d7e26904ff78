"""`evepub sync`: a program manager's tracker edits merged back into the source, and every conflict refused."""

from __future__ import annotations

import datetime as dt
import difflib
import subprocess
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet
from strategies import roadmaps, texts

from evepub.build import build
from evepub.cli import main
from evepub.formats.settings import BuildSettings
from evepub.formats.xlsx.contract import status_of
from evepub.formats.xlsx.writer import ALL_RELEASES_FILE, write
from evepub.model import Roadmap, walk
from evepub.source import dumps, load, loads
from evepub.sync import plan, read_tracker

from conftest import ROOT, require_tool

SOURCE = ROOT / "source" / "roadmap.yaml"
CAN = "k-setup-can-interfaces-on-the"  # an item without a status: the tracker shows the default, planned
CAN_TEXT = "Setup CAN interfaces on the host"
RSYNC = "f-incremental-image-download-rsync-like"  # text ends "(proposed)", status proposed
TOP_COMMENT = "# Program office: statuses are reviewed every Monday\n"
ITEM_COMMENT = "              # CAN owners are agreed with the hardware team\n"


@pytest.fixture
def project(tmp_path: Path) -> tuple[Path, Path]:
    """A copy of the source with comments added, and the trackers built from it."""
    text = SOURCE.read_text(encoding="utf-8")
    text = TOP_COMMENT + text.replace(f"              - id: {CAN}\n", ITEM_COMMENT + f"              - id: {CAN}\n", 1)
    text = text.replace(f"text: {CAN_TEXT}\n", f"text: {CAN_TEXT}  # as in the 2024 plan\n", 1)
    source = tmp_path / "roadmap.yaml"
    source.write_text(text, encoding="utf-8")
    build(source, tmp_path / "build", ["xlsx"])
    return source, tmp_path / "build"


def columns(sheet: Worksheet) -> dict[str, int]:
    """Column numbers by header title."""
    return {cell.value: cell.column for cell in sheet[1] if cell.value}


def row_of(sheet: Worksheet, item_id: str) -> int:
    """The row of an item, found by its ID."""
    column = columns(sheet)["ID"]
    return next(row for row in range(2, sheet.max_row + 1) if sheet.cell(row, column).value == item_id)


def edited(tracker: Path, out: Path, change: Callable[[Worksheet], None]) -> Path:
    """A copy of a tracker with its Items sheet changed as a person would in a spreadsheet."""
    book = load_workbook(tracker)
    change(book["Items"])
    out.parent.mkdir(parents=True, exist_ok=True)
    book.save(out)
    return out


def set_cells(**cells_by_id: dict[str, Any]) -> Callable[[Worksheet], None]:
    """A change setting cells by item id and column title."""

    def change(sheet: Worksheet) -> None:
        for item_id, cells in cells_by_id.items():
            for title, value in cells.items():
                sheet.cell(row_of(sheet, item_id), columns(sheet)[title]).value = value  # cell(..., None) keeps it

    return change


def sync(capsys: pytest.CaptureFixture[str], *args: Path | str) -> tuple[int, str, str]:
    status = main(["sync", *map(str, args)])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def tracker_row(tracker: Path, item_id: str) -> dict[str, Any]:
    sheet = load_workbook(tracker)["Items"]
    row = row_of(sheet, item_id)
    return {title: sheet.cell(row, column).value for title, column in columns(sheet).items()}


# ---------------------------------------------------------------- the "Done when"


def test_status_and_owner_edited_in_the_tracker_reach_the_source_the_tracker_and_the_diff(
    project: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source, out = project
    previous = tmp_path / "previous.yaml"
    previous.write_bytes(source.read_bytes())
    assert tracker_row(out / "roadmap-tracker.xlsx", CAN)["Status"] == "planned"  # the default status, shown
    tracker = edited(
        out / "roadmap-tracker.xlsx",
        tmp_path / "pm" / "roadmap-tracker.xlsx",
        set_cells(**{CAN: {"Status": "in progress", "Owner": "Jane Doe"}}),
    )

    status, stdout, stderr = sync(capsys, tracker, source)

    assert (status, stderr) == (0, "")
    assert stdout.splitlines()[:2] == [f"{CAN}: status: (none) -> in progress", f"{CAN}: owner: (none) -> Jane Doe"]
    item = next(located.item for located in walk(load(source)) if located.item.id == CAN)
    assert (item.status, item.owner) == ("in progress", "Jane Doe")
    before, after = previous.read_text(encoding="utf-8"), source.read_text(encoding="utf-8")
    assert TOP_COMMENT in after and ITEM_COMMENT in after and "# as in the 2024 plan\n" in after
    added = [line for line in difflib.ndiff(before.splitlines(), after.splitlines()) if line[:1] in "+-"]
    assert added == ["+                 status: in progress", "+                 owner: Jane Doe"]

    build(source, out, ["xlsx"])
    row = tracker_row(out / "roadmap-tracker.xlsx", CAN)
    assert (row["Status"], row["Owner"]) == ("in progress", "Jane Doe")

    assert main(["diff", str(previous), str(source)]) == 0
    report = capsys.readouterr().out
    assert f"- Changed `{CAN}`: {CAN_TEXT}\n  - status: (none) → in progress\n  - owner: (none) → Jane Doe\n" in report


def test_an_item_text_edited_in_the_tracker_is_refused_and_the_source_is_unchanged(
    project: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source, out = project
    before = source.read_bytes()
    tracker = edited(
        out / "roadmap-tracker.xlsx",
        tmp_path / "pm" / "t.xlsx",
        set_cells(**{CAN: {"Item": "Set up CAN interfaces", "Status": "done"}}),
    )

    status, stdout, stderr = sync(capsys, tracker, source)

    assert status == 1
    assert stdout == ""
    assert stderr.splitlines() == [
        f"conflict: {tracker}:Items!F4: item '{CAN_TEXT}' ({CAN}): the Item text was changed to "
        "'Set up CAN interfaces'; edit texts in the source",
        "evepub sync: 1 conflict; nothing was merged",
    ]
    assert source.read_bytes() == before


# ---------------------------------------------------------------- conflicts


def delete_row(item_id: str) -> Callable[[Worksheet], None]:
    return lambda sheet: sheet.delete_rows(row_of(sheet, item_id))


def append_row(item_id: str | None, text: str) -> Callable[[Worksheet], None]:
    def change(sheet: Worksheet) -> None:
        row = sheet.max_row + 1
        sheet.cell(row, columns(sheet)["ID"], item_id)
        sheet.cell(row, columns(sheet)["Item"], text)

    return change


CONFLICTS = {
    "deleted row": (delete_row(CAN), f"item '{CAN_TEXT}' ({CAN}): its row is missing from the tracker"),
    "added row": (append_row("k-new-work", "New work"), "Items!A168: item 'New work' (k-new-work): unknown ID"),
    "row without id": (append_row(None, "Untracked work"), "Items!A168: item 'Untracked work': a row without an ID"),
    "unknown status": (
        set_cells(**{CAN: {"Status": "Dne"}}),
        f"Items!G4: item '{CAN_TEXT}' ({CAN}): unknown status 'Dne'",
    ),
    "invalid date": (
        set_cells(**{CAN: {"Target date": "next week"}}),
        f"Items!I4: item '{CAN_TEXT}' ({CAN}): 'next week' is not a date like 2024-06-30",
    ),
    "impossible date": (set_cells(**{CAN: {"Target date": "2024-02-30"}}), "'2024-02-30' is not a date"),
    "formula": (
        set_cells(**{CAN: {"Owner": '=HYPERLINK("http://example.invalid","Jane")'}}),
        f"Items!H4: item '{CAN_TEXT}' ({CAN}): a formula (=HYPERLINK(",
    ),
    "duplicate id": (append_row(CAN, CAN_TEXT), f"Items!A168: item '{CAN_TEXT}' ({CAN}): the ID is on rows 4, 168"),
}


@pytest.mark.parametrize("kind", CONFLICTS)
def test_each_conflict_is_named_and_nothing_is_written(
    kind: str, project: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source, out = project
    change, expected = CONFLICTS[kind]
    before = source.read_bytes()

    def with_a_good_edit(sheet: Worksheet) -> None:
        change(sheet)
        set_cells(**{RSYNC: {"Owner": "Ravi"}})(sheet)

    tracker = edited(out / "roadmap-tracker.xlsx", tmp_path / "pm" / "t.xlsx", with_a_good_edit)

    status, stdout, stderr = sync(capsys, tracker, source)

    assert status == 1
    assert stdout == ""
    conflicts = [line for line in stderr.splitlines() if line.startswith("conflict: ")]
    assert len(conflicts) == (2 if kind == "duplicate id" else 1), stderr
    assert expected in conflicts[-1]
    assert stderr.endswith("nothing was merged\n")
    assert source.read_bytes() == before


def test_skip_conflicts_merges_the_other_edits_and_still_lists_the_conflicts(
    project: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source, out = project

    def change(sheet: Worksheet) -> None:
        set_cells(**{CAN: {"Status": "Dne", "Owner": "Left out"}, RSYNC: {"Owner": "Ravi"}})(sheet)

    tracker = edited(out / "roadmap-tracker.xlsx", tmp_path / "pm" / "t.xlsx", change)

    status, stdout, stderr = sync(capsys, tracker, source, "--skip-conflicts")

    assert status == 1  # conflicts remain: the tracker and the source still disagree
    assert stdout.splitlines() == [f"{RSYNC}: owner: (none) -> Ravi", f"{source}: 1 change merged from {tracker}"]
    assert "unknown status 'Dne'" in stderr
    assert stderr.endswith("evepub sync: 1 conflict; the other edits were merged\n")
    text = source.read_text(encoding="utf-8")
    assert "owner: Ravi" in text and "Left out" not in text  # a row with a conflict is left out whole


# ---------------------------------------------------------------- what counts as an edit


def test_an_unedited_tracker_changes_nothing(project: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    source, out = project
    before, stat = source.read_bytes(), source.stat()

    for tracker in [out / "roadmap-tracker.xlsx", *sorted((out / "trackers").iterdir())]:
        status, stdout, stderr = sync(capsys, tracker, source)
        assert (status, stdout, stderr) == (0, f"{source}: no changes; the tracker agrees with the source\n", "")

    assert source.read_bytes() == before
    assert source.stat().st_mtime_ns == stat.st_mtime_ns  # not even rewritten


def test_target_date_notes_and_cleared_owner(
    project: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source, out = project
    first = edited(
        out / "roadmap-tracker.xlsx",
        tmp_path / "one" / "t.xlsx",
        set_cells(**{CAN: {"Owner": "Jane Doe", "Target date": dt.datetime(2024, 9, 30), "Notes": "needs a board"}}),
    )
    assert sync(capsys, first, source)[0] == 0
    build(source, out, ["xlsx"])
    second = edited(
        out / "roadmap-tracker.xlsx",
        tmp_path / "two" / "t.xlsx",
        set_cells(**{CAN: {"Owner": None, "Target date": "2024-12-31"}}),
    )

    status, stdout, _ = sync(capsys, second, source)

    assert status == 0
    assert stdout.splitlines()[:2] == [f"{CAN}: owner: Jane Doe -> (none)", f"{CAN}: target: 2024-09-30 -> 2024-12-31"]
    text = source.read_text(encoding="utf-8")
    assert "owner:" not in text.split(f"id: {CAN}\n")[1].split("- id:")[0]
    assert f"text: {CAN_TEXT}  # as in the 2024 plan\n                target: 2024-12-31\n" in text
    assert "notes: needs a board" in text
    assert sync(capsys, second, source)[1].endswith("no changes; the tracker agrees with the source\n")


def test_a_status_change_restates_a_status_written_in_the_text(
    project: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source, out = project
    tracker = edited(out / "roadmap-tracker.xlsx", tmp_path / "pm" / "t.xlsx", set_cells(**{RSYNC: {"Status": "done"}}))

    status, stdout, _ = sync(capsys, tracker, source)

    assert status == 0
    assert f"{RSYNC}: text: Incremental image download (rsync-like) (proposed) -> " in stdout
    text = source.read_text(encoding="utf-8")
    assert "text: Incremental image download (rsync-like) (done)\n            status: done\n" in text


def test_status_set_to_the_default_on_an_item_without_status_is_no_edit(
    project: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source, out = project
    before = source.read_bytes()
    tracker = edited(
        out / "roadmap-tracker.xlsx", tmp_path / "pm" / "t.xlsx", set_cells(**{CAN: {"Status": "planned"}})
    )
    assert sync(capsys, tracker, source)[:2] == (0, f"{source}: no changes; the tracker agrees with the source\n")
    assert source.read_bytes() == before


# ---------------------------------------------------------------- per-release trackers and other hands


def test_a_per_release_tracker_syncs_its_own_release(
    project: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source, out = project
    tracker = edited(
        out / "trackers" / "K-release.xlsx", tmp_path / "pm" / "K.xlsx", set_cells(**{CAN: {"Status": "done"}})
    )
    status, stdout, stderr = sync(capsys, tracker, source)
    assert (status, stderr) == (0, "")  # the other releases' items are not missing rows
    assert stdout.startswith(f"{CAN}: status: (none) -> done\n")

    deleted = edited(out / "trackers" / "K-release.xlsx", tmp_path / "pm" / "K2.xlsx", delete_row(CAN))
    status, _, stderr = sync(capsys, deleted, source)
    assert status == 1
    assert f"({CAN}): its row is missing from the tracker" in stderr


def test_a_tracker_saved_by_libreoffice_still_syncs(
    project: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    soffice = require_tool("soffice")
    source, out = project
    tracker = edited(
        out / "roadmap-tracker.xlsx",
        tmp_path / "pm" / "roadmap-tracker.xlsx",
        set_cells(**{CAN: {"Status": "in progress", "Owner": "Jane Doe", "Target date": dt.datetime(2024, 9, 30)}}),
    )
    profile = tmp_path / "lo-profile"
    resaved = tmp_path / "resaved"
    command = [soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to", "xlsx"]
    subprocess.run([*command, "--outdir", str(resaved), str(tracker)], check=True, capture_output=True, timeout=600)

    status, stdout, stderr = sync(capsys, resaved / tracker.name, source)

    assert (status, stderr) == (0, "")
    assert stdout.splitlines()[:3] == [
        f"{CAN}: status: (none) -> in progress",
        f"{CAN}: owner: (none) -> Jane Doe",
        f"{CAN}: target: (none) -> 2024-09-30",
    ]


def test_a_zip_bomb_is_refused_before_it_is_opened(
    project: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source, _ = project
    before = source.read_bytes()
    bomb = tmp_path / "tracker.xlsx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("[Content_Types].xml", "<Types/>")
        package.writestr("xl/worksheets/sheet1.xml", b"\0" * (8 * 1024 * 1024))
    status, stdout, stderr = sync(capsys, bomb, source)
    assert (status, stdout) == (2, "")
    assert (
        stderr == f"evepub: {bomb}: part xl/worksheets/sheet1.xml is compressed 1028 to 1, like a zip bomb; refused\n"
    )
    assert source.read_bytes() == before


def test_what_is_not_a_workbook_is_refused(
    project: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source, _ = project
    text = tmp_path / "tracker.xlsx"
    text.write_text("ID,Item\n", encoding="utf-8")
    status, _, stderr = sync(capsys, text, source)
    assert status == 2
    assert stderr.startswith(f"evepub: {text}: not a readable Excel workbook")
    assert len(stderr.splitlines()) == 1


def test_a_tracker_read_only_in_part_is_refused_and_the_source_is_unchanged(
    project: tuple[Path, Path], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    source, out = project
    before = source.read_bytes()
    monkeypatch.setattr("evepub.formats.xlsx.table.MAX_ROWS", 10)  # the bound verify's reader uses too
    tracker = out / "roadmap-tracker.xlsx"
    status, _, stderr = sync(capsys, tracker, source)
    assert status == 2
    assert stderr.startswith(f"evepub: {tracker}: it has rows after the first 10 of the Items sheet;")
    assert len(stderr.splitlines()) == 1
    assert source.read_bytes() == before


# ---------------------------------------------------------------- any roadmap


@settings(max_examples=40, deadline=None)
@given(roadmaps(max_releases=3, max_depth=3, trackable=True), st.data())
def test_any_roadmaps_tracker_is_no_edit_and_a_status_change_is_one(roadmap: Roadmap, data: st.DataObject) -> None:
    for located in walk(roadmap):  # owners, dates and notes with any text, on some items
        if data.draw(st.booleans()):
            located.item.owner, located.item.notes = data.draw(texts), data.draw(texts)
            located.item.target = data.draw(st.dates(dt.date(1990, 1, 1), dt.date(2099, 12, 31)))
    roadmap = loads(dumps(roadmap))  # as the source holds it
    items = list(walk(roadmap))
    with tempfile.TemporaryDirectory() as folder:
        tracker = Path(folder) / "t.xlsx"
        tracker.write_bytes(write(roadmap, BuildSettings())[ALL_RELEASES_FILE])
        merge = plan(roadmap, read_tracker(tracker))
        assert (merge.edits, merge.conflicts) == ({}, [])
        if not items:
            return
        located = data.draw(st.sampled_from(items))
        status = data.draw(st.sampled_from([status.name for status in roadmap.statuses]))
        change = set_cells(**{located.item.id: {"Status": status}})
        unchanged = status in (status_of(located, roadmap), located.item.status)  # before plan() makes the edit
        merge = plan(roadmap, read_tracker(edited(tracker, Path(folder) / "e.xlsx", change)))
    assert merge.conflicts == []
    assert {item_id: edits["status"] for item_id, edits in merge.edits.items()} == (
        {} if unchanged else {located.item.id: status}
    )
