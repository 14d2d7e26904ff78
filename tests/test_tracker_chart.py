"""The Summary chart: a bar per release in the all-releases tracker, a bar per area in a release's, values cached."""

from __future__ import annotations

import datetime as dt
import importlib.util
import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import pytest
from openpyxl import load_workbook
from openpyxl.workbook import Workbook
from test_xlsx import recalculated, save_all

from evepub.formats.settings import BuildSettings
from evepub.formats.xlsx.writer import tracker_file_name, write
from evepub.model import Roadmap
from evepub.source import load

from conftest import IN_CI, ROOT

SETTINGS = BuildSettings(timestamp=dt.datetime(2024, 5, 17, 9, 30, 12, tzinfo=dt.UTC), edition=dt.date(2024, 5, 17))
C = {"c": "http://schemas.openxmlformats.org/drawingml/2006/chart"}
HEADER_ROW = 4
INLINE_STRINGS = "inline-string cell(s)"


@pytest.fixture(scope="module")
def eve() -> Roadmap:
    return load(ROOT / "source" / "roadmap.yaml")


@pytest.fixture(scope="module")
def files(eve: Roadmap) -> dict[str, bytes]:
    return write(eve, SETTINGS)


def chart_series(data: bytes) -> list[dict[str, object]]:
    """The Summary chart's series as written: name, its cell, categories and values with their cells."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        (part,) = [name for name in archive.namelist() if name.startswith("xl/charts/chart")]
        root = ElementTree.fromstring(archive.read(part))
    return [
        {
            "name": [v.text for v in series.findall("c:tx/c:strRef/c:strCache/c:pt/c:v", C)],
            "name_cell": series.findtext("c:tx/c:strRef/c:f", namespaces=C),
            "categories": [v.text for v in series.findall("c:cat/c:strRef/c:strCache/c:pt/c:v", C)],
            "category_cells": series.findtext("c:cat/c:strRef/c:f", namespaces=C),
            "values": [float(v.text or "") for v in series.findall("c:val/c:numRef/c:numCache/c:pt/c:v", C)],
            "value_cells": series.findtext("c:val/c:numRef/c:f", namespaces=C),
        }
        for series in root.iter(f"{{{C['c']}}}ser")
    ]


def cells(book: Workbook, reference: str) -> list[object]:
    """The values of a chart reference such as 'Summary'!$E$9:$E$13, read from a workbook."""
    sheet_name, area = reference.rsplit("!", 1)
    sheet = book[sheet_name.strip("'")]
    found = sheet[area.replace("$", "")]
    if not isinstance(found, tuple):
        return [found.value]
    return [cell.value for row in found for cell in (row if isinstance(row, tuple) else (row,))]


def per_area_trackers(roadmap: Roadmap) -> list[str]:
    """The per-release trackers whose release has two areas or more."""
    return [f"trackers/{tracker_file_name(r.name, set())}" for r in roadmap.releases if len(r.areas) > 1]


def test_the_all_releases_chart_has_a_bar_per_release(eve: Roadmap, files: dict[str, bytes]) -> None:
    series = chart_series(files["roadmap-tracker.xlsx"])
    book = load_workbook(io.BytesIO(files["roadmap-tracker.xlsx"]), data_only=True)
    assert [s["name"] for s in series] == [[status.name] for status in eve.statuses]
    for entry in series:
        assert entry["categories"] == [release.name for release in eve.releases]
        assert cells(book, str(entry["category_cells"])) == entry["categories"]
        assert cells(book, str(entry["value_cells"])) == entry["values"]  # the table's cached counts


def test_a_release_chart_has_a_bar_per_area_with_the_numbers_of_its_area_table(
    eve: Roadmap, files: dict[str, bytes]
) -> None:
    trackers = per_area_trackers(eve)
    assert len(trackers) >= 3
    for name in trackers:
        book = load_workbook(io.BytesIO(files[name]), data_only=True)
        sheet = book["Summary"]
        header = next(row for row in range(HEADER_ROW + 1, 40) if sheet.cell(row, 1).value == "Area")
        rows = range(header + 1, next(row for row in range(header + 1, 99) if sheet.cell(row, 1).value is None))
        release = next(r for r in eve.releases if name.endswith(tracker_file_name(r.name, set())))
        titles = [sheet.cell(row, 1).value for row in rows]
        assert titles == [area.title for area in release.areas]
        series = chart_series(files[name])
        assert [s["name"] for s in series] == [[status.name] for status in eve.statuses], name
        for offset, entry in enumerate(series):
            assert entry["categories"] == titles, name  # one category per area, in the table's order
            assert entry["name_cell"] == f"'Summary'!{chr(ord('E') + offset)}{header}"  # the area table's header
            column = 5 + offset
            assert entry["values"] == [sheet.cell(row, column).value for row in rows]
            assert cells(book, str(entry["value_cells"])) == entry["values"]


def test_a_release_without_areas_charts_its_statuses_side_by_side(eve: Roadmap, files: dict[str, bytes]) -> None:
    release = next(r for r in eve.releases if not r.areas and r.name == "F-release")
    name = f"trackers/{tracker_file_name(release.name, set())}"
    book = load_workbook(io.BytesIO(files[name]), data_only=True)
    (series,) = chart_series(files[name])
    assert series["name"] == [release.name]
    assert series["categories"] == [status.name for status in eve.statuses]
    row = [book["Summary"].cell(HEADER_ROW + 1, 5 + n).value for n in range(len(eve.statuses))]
    assert series["values"] == row and sum(row) > 0 and len([v for v in row if v]) > 1


def test_libreoffice_computes_the_numbers_every_chart_caches(
    eve: Roadmap, files: dict[str, bytes], tmp_path: Path
) -> None:
    names = ["roadmap-tracker.xlsx", *per_area_trackers(eve), "trackers/F-release.xlsx"]
    paths = save_all({name: files[name] for name in names}, tmp_path / "out")
    books = recalculated(tmp_path, [paths[name] for name in names])
    for name in names:
        book = books[Path(name).name]
        for entry in chart_series(files[name]):
            assert cells(book, str(entry["value_cells"])) == entry["values"], name
            assert cells(book, str(entry["category_cells"])) == entry["categories"], name


def test_openxml_audit_accepts_every_tracker(files: dict[str, bytes], tmp_path: Path) -> None:
    if importlib.util.find_spec("openxml_audit") is None:
        if IN_CI:
            pytest.fail("openxml-audit is required in CI (CI=true) but is not installed")
        pytest.skip("openxml-audit is not installed; pip install openxml-audit installs it")
    save_all(files, tmp_path / "out")
    command = [sys.executable, "-m", "openxml_audit", "-o", "json", "-m", "0", "-r", str(tmp_path / "out")]
    reports = json.loads(subprocess.run(command, capture_output=True, text=True, timeout=600).stdout)
    assert len(reports) == len(files)
    for report in reports:
        assert report["valid"] and report["error_count"] == 0, report["errors"]
        # openpyxl writes strings inline; Excel moves them to a shared-strings table when it saves, repairing nothing
        others = [finding for finding in report["errors"] if INLINE_STRINGS not in finding["description"]]
        assert others == [], others
