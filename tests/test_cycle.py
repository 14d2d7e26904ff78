"""The update cycle as people work it: program managers edit copies of one tracker, sync them in either order,
and the release engineer publishes after every sync; copies saved by LibreOffice behave the same."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import docx
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from pypdf import PdfReader
from strategies import roadmaps
from test_sync import CAN, CAN_TEXT, RSYNC, edited, set_cells, sync

from evepub.build import build
from evepub.cli import main
from evepub.formats.xlsx.contract import status_of
from evepub.importer import read_text
from evepub.model import ItemKind, Roadmap, walk
from evepub.source import dumps, load
from evepub.sync import sync as sync_trackers
from evepub.verify import verify

from conftest import ORIGINAL, ROOT, require_tool

SOURCE = ROOT / "source" / "roadmap.yaml"
RSYNC_TEXT = "Incremental image download (rsync-like) (proposed)"
Saver = Callable[[Path, Path], Path]


def saved_by_openpyxl(tracker: Path, out: Path) -> Path:
    return out


def saved_by_libreoffice(tracker: Path, out: Path) -> Path:
    """The tracker as LibreOffice saves it: opened and stored again as Excel 2007-365."""
    soffice = require_tool("soffice")
    folder = out.parent / "libreoffice"
    profile = f"file://{out.parent / 'lo-profile'}"
    subprocess.run(
        [soffice, f"-env:UserInstallation={profile}", "--headless", "--norestore", "--convert-to", "xlsx", "--outdir",
         str(folder), str(out)],
        check=True, capture_output=True, timeout=180,
    )  # fmt: skip
    shutil.move(folder / out.name, out)
    return out


@pytest.fixture
def project(tmp_path: Path) -> tuple[Path, Path]:
    source = tmp_path / "roadmap.yaml"
    shutil.copy(SOURCE, source)
    build(source, tmp_path / "build", ["xlsx"])
    return source, tmp_path / "build" / "roadmap-tracker.xlsx"


def copy_edited(tracker: Path, folder: Path, name: str, save: Saver, **cells: dict[str, object]) -> Path:
    """A program manager's copy of the tracker with some cells typed in, saved by their spreadsheet."""
    return save(tracker, edited(tracker, folder / name, set_cells(**cells)))


@pytest.mark.parametrize("save", [saved_by_openpyxl, saved_by_libreoffice], ids=["openpyxl", "libreoffice"])
@pytest.mark.parametrize("order", ["A then B", "B then A"])
def test_two_stale_copies_keep_both_edits_and_a_third_conflicts(
    project: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str], save: Saver, order: str
) -> None:
    source, tracker = project
    a = copy_edited(tracker, tmp_path / "a", "a.xlsx", save, **{RSYNC: {"Status": "done"}})
    b = copy_edited(tracker, tmp_path / "b", "b.xlsx", save, **{CAN: {"Owner": "Ravi"}})
    c = copy_edited(tracker, tmp_path / "c", "c.xlsx", save, **{RSYNC: {"Status": "blocked"}})
    for copy in [a, b] if order == "A then B" else [b, a]:
        status, _, stderr = sync(capsys, copy, source)
        assert (status, stderr) == (0, ""), stderr

    roadmap = load(source)
    items = {located.item.id: located.item for located in walk(roadmap)}
    assert items[RSYNC].status == "done" and items[RSYNC].text == "Incremental image download (rsync-like) (done)"
    assert items[CAN].owner == "Ravi"

    before = source.read_bytes()
    status, stdout, stderr = sync(capsys, c, source)
    assert status == 1 and stdout == ""
    conflict = stderr.splitlines()[0]
    assert conflict.startswith(f"conflict: {c}:Items!G")
    assert f"({RSYNC})" in conflict
    assert "this tracker says 'blocked', it was 'proposed' when the tracker was built" in conflict
    assert "the source now says 'done'" in conflict
    assert source.read_bytes() == before


def test_several_trackers_in_one_sync_that_disagree_conflict_and_write_nothing(
    project: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source, tracker = project
    a = copy_edited(tracker, tmp_path / "a", "a.xlsx", saved_by_openpyxl, **{RSYNC: {"Status": "done"}})
    b = copy_edited(tracker, tmp_path / "b", "b.xlsx", saved_by_openpyxl, **{RSYNC: {"Status": "Blocked"}})
    before = source.read_bytes()
    status, _, stderr = sync(capsys, a, b, source)
    assert status == 1
    assert f"{a} sets 'done'" in stderr and "this tracker says 'blocked'" in stderr
    assert source.read_bytes() == before


def test_a_dry_run_prints_the_changes_and_writes_nothing(
    project: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source, tracker = project
    a = copy_edited(tracker, tmp_path / "a", "a.xlsx", saved_by_openpyxl, **{CAN: {"Status": "DONE", "Owner": "007"}})
    before = source.read_bytes()
    status, stdout, _ = main(["sync", str(a), str(source), "--dry-run"]), *capsys.readouterr()
    assert status == 0
    assert f"{CAN}: status: (none) -> done" in stdout and f"{CAN}: owner: (none) -> 007" in stdout
    assert "would be merged (dry run: nothing written)" in stdout
    assert source.read_bytes() == before


def test_a_tracker_without_as_built_values_syncs_with_one_warning(
    project: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source, tracker = project

    def older(sheet: object) -> None:
        book = sheet.parent  # type: ignore[attr-defined]
        del book["_asbuilt"]
        set_cells(**{CAN: {"Owner": "Ravi"}})(sheet)  # type: ignore[arg-type]

    old = edited(tracker, tmp_path / "old" / "old.xlsx", older)
    status, stdout, stderr = sync(capsys, old, source)
    assert status == 0 and f"{CAN}: owner: (none) -> Ravi" in stdout
    assert len(stderr.splitlines()) == 1 and stderr.startswith(f"evepub: warning: {old}: it has no as-built values")


def test_make_all_passes_after_a_synced_status_change(
    project: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source, tracker = project
    change = {RSYNC: {"Status": "done", "Owner": "Jane Doe"}}
    a = copy_edited(tracker, tmp_path / "a", "a.xlsx", saved_by_openpyxl, **change)
    assert sync(capsys, a, source)[0] == 0
    out = tmp_path / "published"
    build(source, out)
    assert verify(source, out).ok  # the release engineer's gate: the outputs say what the source says
    word = "\n".join(paragraph.text for paragraph in docx.Document(str(out / "roadmap.docx")).paragraphs)
    pdf = "\n".join(page.extract_text() for page in PdfReader(out / "roadmap.pdf").pages)
    for name, text in (("md", (out / "roadmap.md").read_text(encoding="utf-8")), ("docx", word), ("pdf", pdf)):
        line = next(line for line in text.splitlines() if "Incremental image download" in line)
        assert "(done)" in line and "proposed" not in line, (name, line)
        assert "Jane Doe" in text.split("Incremental image download", 1)[1][:120], name


def test_a_build_of_the_imported_original_reads_back_every_original_line(tmp_path: Path) -> None:
    source = tmp_path / "imported.yaml"
    source.write_text(dumps(read_text(ORIGINAL.read_text(encoding="utf-8"), str(ORIGINAL))), encoding="utf-8")
    build(source, tmp_path / "out")
    report = verify(source, tmp_path / "out", ORIGINAL)
    assert report.ok, report.render()
    assert [comparison.name for comparison in report.comparisons][:1] == ["original"]


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(drawn=roadmaps(max_releases=2, max_depth=2, trackable=True), data=st.data())
def test_any_edits_on_any_copies_in_any_order_land_or_conflict(
    drawn: Roadmap, data: st.DataObject, tmp_path_factory: pytest.TempPathFactory
) -> None:
    folder = tmp_path_factory.mktemp("copies")
    source = folder / "roadmap.yaml"
    source.write_text(dumps(drawn), encoding="utf-8")
    items = [located.item.id for located in walk(load(source)) if located.item.kind is ItemKind.ITEM]
    if not items:
        return
    build(source, folder / "build", ["xlsx"])
    tracker = folder / "build" / "roadmap-tracker.xlsx"
    statuses = [status.name for status in drawn.statuses]
    values = {"Status": st.sampled_from(statuses), "Owner": st.sampled_from(["Ana", "Bo", "007", "50%"])}
    copies = []
    for number in range(data.draw(st.integers(2, 3))):
        edits = data.draw(st.dictionaries(st.sampled_from(items[:3]), st.sampled_from(sorted(values)), max_size=3))
        cells = {item_id: {column: data.draw(values[column])} for item_id, column in edits.items()}
        copies.append((edited(tracker, folder / f"pm{number}" / "t.xlsx", set_cells(**cells)), cells))
    landed: dict[tuple[str, str], str] = {}
    for path, cells in data.draw(st.permutations(copies)):
        report = sync_trackers([path], source)
        event("a sync with conflicts" if report.conflicts else "a sync that merged")
        if report.conflicts:
            assert not report.written
            continue
        for item_id, row in cells.items():
            for column, value in row.items():
                landed[item_id, column] = value  # it landed, or it was what the source already said
    final = {located.item.id: located for located in walk(load(source))}
    original = {located.item.id: located for located in walk(drawn)}
    for item_id, located in final.items():
        want_status = landed.get((item_id, "Status"), status_of(original[item_id], drawn))
        assert status_of(located, drawn) == want_status, item_id
        assert located.item.owner == landed.get((item_id, "Owner"), original[item_id].item.owner), item_id


def test_an_edit_pasted_into_a_source_column_is_a_conflict_but_a_source_that_moved_on_is_not(
    project: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source, tracker = project
    pasted = copy_edited(tracker, tmp_path / "a", "a.xlsx", saved_by_openpyxl, **{CAN: {"Area": "Hardware"}})
    status, _, stderr = sync(capsys, pasted, source)
    assert status == 1
    assert f"{pasted}:Items!D" in stderr and "the Area column was changed to 'Hardware'" in stderr

    text = source.read_text(encoding="utf-8")
    source.write_text(text.replace("text: Setup CAN interfaces on the host", "text: Set up CAN interfaces on the host"))
    stale = copy_edited(tracker, tmp_path / "b", "b.xlsx", saved_by_openpyxl, **{CAN: {"Owner": "Ravi"}})
    status, stdout, stderr = sync(capsys, stale, source)
    assert (status, stderr) == (0, "") and f"{CAN}: owner: (none) -> Ravi" in stdout


@pytest.mark.parametrize("save", [saved_by_openpyxl, saved_by_libreoffice], ids=["openpyxl", "libreoffice"])
def test_escape_like_literals_and_typed_looking_values_round_trip_unedited(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], save: Saver
) -> None:
    source = tmp_path / "roadmap.yaml"
    text = SOURCE.read_text(encoding="utf-8").replace(
        f"text: {CAN_TEXT}\n",
        f"text: {CAN_TEXT} _x000D_\n                owner: Team_x0042_B\n                notes: '007'\n",
        1,
    )
    source.write_text(text, encoding="utf-8")
    build(source, tmp_path / "build", ["xlsx"])
    before = source.read_bytes()
    for tracker in (tmp_path / "build" / "roadmap-tracker.xlsx", tmp_path / "build" / "trackers" / "K-release.xlsx"):
        copy = save(tracker, Path(shutil.copy(tracker, tmp_path / f"copy-{tracker.name}")))
        status, stdout, stderr = sync(capsys, copy, source)
        assert (status, stderr) == (0, ""), stderr
        assert stdout.endswith("no changes; the tracker agrees with the source\n")
    assert source.read_bytes() == before


def test_an_emptied_status_shows_the_default_in_the_text_too(
    project: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source, tracker = project
    emptied = copy_edited(tracker, tmp_path / "a", "a.xlsx", saved_by_openpyxl, **{RSYNC: {"Status": None}})
    status, stdout, _ = sync(capsys, emptied, source)
    assert status == 0 and f"{RSYNC}: status: proposed -> (none)" in stdout
    item = next(located.item for located in walk(load(source)) if located.item.id == RSYNC)
    assert (item.status, item.text) == (None, "Incremental image download (rsync-like) (planned)")
