"""The Items rows' heights: the optimal heights LibreOffice computes for them, and the font table they come from."""

from __future__ import annotations

import datetime as dt
import io
import shutil
import subprocess
from pathlib import Path

import pytest
from openpyxl import load_workbook

from evepub.formats.settings import BuildSettings
from evepub.formats.xlsx import calibri, measure
from evepub.formats.xlsx.fit import LINE_TWIPS, room, row_height, text_pixels, wrapped_lines
from evepub.formats.xlsx.writer import write
from evepub.importer import read_text
from evepub.model import Roadmap, walk
from evepub.source import load

from conftest import IN_CI, NEVER_SEEN, ROOT, require_tool

SETTINGS = BuildSettings(timestamp=dt.datetime(2024, 5, 17, 9, 30, 12, tzinfo=dt.UTC), edition=dt.date(2024, 5, 17))
LINE = LINE_TWIPS / 20  # points: one line of wrapped Calibri 11 as LibreOffice lays it out
DEFAULT_HEIGHT = 15.0  # points: a row the tracker gives no height
MM100_PER_POINT = 2540 / 72
# A LibreOffice Basic macro: open a workbook, give every Items row its optimal height, list the heights (1/100 mm).
OPTIMAL_HEIGHTS = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE script:module PUBLIC "-//OpenOffice.org//DTD OfficeDocument 1.0//EN" "module.dtd">
<script:module xmlns:script="http://openoffice.org/2000/script" script:name="Module1" script:language="StarBasic">
Sub OptimalHeights(source As String, target As String)
    Dim args(0) As New com.sun.star.beans.PropertyValue
    args(0).Name = &quot;Hidden&quot;
    args(0).Value = True
    doc = StarDesktop.loadComponentFromURL(ConvertToURL(source), &quot;_blank&quot;, 0, args())
    sheet = doc.Sheets.getByName(&quot;Items&quot;)
    cursor = sheet.createCursor()
    cursor.gotoEndOfUsedArea(False)
    number = FreeFile()
    Open target For Output As #number
    For index = 0 To cursor.RangeAddress.EndRow
        row = sheet.Rows.getByIndex(index)
        row.OptimalHeight = True
        Print #number, row.Height
    Next index
    Close #number
    doc.close(True)
    StarDesktop.terminate()
End Sub
</script:module>
"""


def require_calibri_metrics() -> None:
    """Skip without a font of Calibri's metrics (Calibri or Carlito) for LibreOffice; fail without one in CI."""
    fc_match = shutil.which("fc-match")
    family = ""
    if fc_match:
        family = subprocess.run([fc_match, "-f", "%{family}", "Calibri"], capture_output=True, text=True).stdout
    if any(name in family for name in ("Calibri", "Carlito")):
        return
    message = "no font with Calibri's metrics (Debian: fonts-crosextra-carlito): LibreOffice would lay out another"
    if IN_CI:
        pytest.fail(f"{message}; CI needs it")
    pytest.skip(message)


def optimal_heights(workbook: Path, tmp_path: Path) -> list[float]:
    """LibreOffice's optimal height of every Items row of a workbook, in points, header row first."""
    soffice = require_tool("soffice")
    profile = tmp_path / "lo-profile"
    environment = [soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore"]
    subprocess.run([*environment, "--terminate_after_init"], check=True, timeout=300, capture_output=True)
    (profile / "user" / "basic" / "Standard" / "Module1.xba").write_text(OPTIMAL_HEIGHTS, encoding="utf-8")
    listed = tmp_path / "heights.txt"
    macro = f'macro:///Standard.Module1.OptimalHeights("{workbook}","{listed}")'
    subprocess.run([*environment, macro], check=True, timeout=600, capture_output=True)
    assert listed.is_file(), "LibreOffice did not run the macro"
    return [int(line) / MM100_PER_POINT for line in listed.read_text(encoding="utf-8").split()]


def written_heights(data: bytes) -> list[float]:
    """The height evepub gives each Items row, in points (the sheet's default where it gives none)."""
    sheet = load_workbook(io.BytesIO(data))["Items"]
    return [sheet.row_dimensions[row].height or DEFAULT_HEIGHT for row in range(1, sheet.max_row + 1)]


def never_seen() -> Roadmap:
    return read_text(NEVER_SEEN.read_text(encoding="utf-8"))


@pytest.mark.parametrize("roadmap", [load(ROOT / "source" / "roadmap.yaml"), never_seen()], ids=["eve", "never-seen"])
def test_every_items_row_is_as_tall_as_libreoffice_makes_it(roadmap: Roadmap, tmp_path: Path) -> None:
    require_calibri_metrics()
    data = write(roadmap, SETTINGS)["roadmap-tracker.xlsx"]
    path = tmp_path / "roadmap-tracker.xlsx"
    path.write_bytes(data)
    ours, theirs = written_heights(data), optimal_heights(path, tmp_path)
    assert len(ours) == len(theirs) > 20
    rows = list(zip(range(2, len(ours) + 1), ours[1:], theirs[1:], strict=True))
    taller = [(row, mine, round(lo, 2)) for row, mine, lo in rows if mine - lo > LINE / 2]
    shorter = [(row, mine, round(lo, 2)) for row, mine, lo in rows if lo - mine > LINE]
    assert taller == [], "rows more than half a line taller than their text"
    assert shorter == [], "rows more than a line shorter than their text"
    wrapped = [(mine, lo) for _, mine, lo in rows if lo > DEFAULT_HEIGHT]
    assert len(wrapped) > 5  # the comparison covers rows of several lines
    # the same number of lines for every one: LibreOffice's own optimal height moves by a few hundredths of a line
    # with the heights a sheet already has, as it scales its layout pixels to the rows at the top
    assert all(abs(mine - lo) < LINE / 10 for mine, lo in wrapped), wrapped


def test_the_width_table_is_what_measure_makes_of_the_installed_font() -> None:
    fc_match = shutil.which("fc-match")
    if not fc_match:
        pytest.skip("fontconfig is not installed")
    found = subprocess.run([fc_match, "-f", "%{file}", "Calibri"], capture_output=True, text=True).stdout
    if Path(found).name != calibri.FONT_FILE:
        pytest.skip(f"{calibri.FONT_FILE} is not installed (Debian: fonts-crosextra-carlito)")
    assert measure.module_text(Path(found)) == Path(calibri.__file__).read_text(encoding="utf-8")


def test_heights_count_the_lines_libreoffice_breaks_into() -> None:
    assert row_height(1) is None and row_height(2) == 23.85 and row_height(3) == 35.05
    assert row_height(100) == 409.0  # Excel's largest
    assert room(55) == 390 and room(55, 2) == 371  # pixels of a line in the Item column, at indent 0 and 2
    assert text_pixels("0000000000") == 80 and text_pixels("iiiiiiiiii") == 30
    line = "x" * 50  # about 300 pixels, most of a line of the Item column
    assert wrapped_lines(f"{line} {line}", 55) == 2
    assert wrapped_lines(f"{line}-{line}", 55) == 2  # a break after a hyphen
    assert wrapped_lines(f"{line} abcdefghijkl/mnopqrstuvwx", 55) == 2  # none after a slash: the word moves down
    assert wrapped_lines("y" * 100, 55) == 2  # a word longer than the line breaks anywhere (7 pixels a "y")
    assert wrapped_lines("one\ntwo\nthree", 55) == 3
    assert wrapped_lines("日本語" * 20, 55) == 3  # East Asian text breaks between characters, a full em each


def test_a_hyperlinked_links_cell_counts_as_one_line(tmp_path: Path) -> None:
    roadmap = load(ROOT / "source" / "roadmap.yaml")
    item = next(located.item for located in walk(roadmap) if not located.item.links)
    item.links = ["https://github.com/lf-edge/eve/pull/1", "https://example.com/a/second/link/that/is/quite/long"]
    sheet = load_workbook(io.BytesIO(write(roadmap, SETTINGS)["roadmap-tracker.xlsx"]))["Items"]
    row = next(row[0].row for row in sheet.iter_rows(min_row=2) if row[0].value == item.id)
    assert sheet.cell(row, 11).hyperlink is not None
    assert sheet.row_dimensions[row].height is None  # LibreOffice shows the cell as its first link, on one line
