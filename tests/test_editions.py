"""The 2022-2025 editions of the roadmap: introduction, release headings by quarter, version and remark,
runs of short feature lines; each imports, builds, verifies against its text, and real clients read it back."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from hypothesis import given
from openpyxl import load_workbook
from strategies import ReleaseHeading, release_headings

from evepub.build import build
from evepub.cli import main
from evepub.errors import SourceError
from evepub.importer import import_text, read_text
from evepub.source import dumps, loads
from evepub.verify import verify

from conftest import ORIGINAL, original_lines, require_tool

EDITIONS = sorted((Path(__file__).parent / "data" / "editions").glob("*.txt"))
SOURCE_HEAD = "title: T\nreleases:\n  - name: L-release\n    period: Q4 2024\n"


def squash(text: str) -> str:
    """Text with white space folded, as every client may wrap it."""
    return re.sub(r"\s+", " ", text).strip()


def assert_lines_in_order(lines: list[str], text: str, what: str) -> None:
    """Every line is in the text, each after the one before."""
    text, position = squash(text), 0
    for line in lines:
        found = text.find(squash(line), position)
        assert found >= 0, f"{what}: {line!r} not found after position {position}"
        position = found + len(squash(line))


@pytest.fixture(scope="module", params=EDITIONS, ids=[path.stem for path in EDITIONS])
def edition(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Each edition's text, imported and built into all four formats: (text, build folder)."""
    text_path = Path(request.param)
    folder = tmp_path_factory.mktemp(text_path.stem)
    source = folder / "roadmap.yaml"
    source.write_text(dumps(read_text(text_path.read_text(encoding="utf-8"), str(text_path))), encoding="utf-8")
    build(source, folder / "build")
    return text_path, folder


def test_there_are_editions_of_each_year() -> None:
    assert [path.stem for path in EDITIONS] == ["2022", "2023", "2024", "2025"]


def test_each_edition_builds_and_verifies_against_its_text(edition: tuple[Path, Path]) -> None:
    text_path, folder = edition
    report = verify(folder / "roadmap.yaml", folder / "build", original=text_path)
    assert report.ok, report.render()


def test_pandoc_reads_every_line_of_the_markdown(edition: tuple[Path, Path]) -> None:
    pandoc = require_tool("pandoc")
    text_path, folder = edition
    command = [pandoc, "-f", "gfm", "-t", "plain", "--wrap=none", str(folder / "build" / "roadmap.md")]
    plain = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    assert_lines_in_order(original_lines(text_path.read_text(encoding="utf-8")), plain, "pandoc (Markdown)")


def test_pandoc_reads_every_line_of_the_word_document(edition: tuple[Path, Path]) -> None:
    pandoc = require_tool("pandoc")
    text_path, folder = edition
    command = [pandoc, "-s", "-f", "docx", "-t", "plain", "--wrap=none", str(folder / "build" / "roadmap.docx")]
    plain = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    assert_lines_in_order(original_lines(text_path.read_text(encoding="utf-8")), plain, "pandoc (Word)")


def test_pdftotext_reads_every_line_of_the_pdf(edition: tuple[Path, Path]) -> None:
    program = require_tool("pdftotext")
    text_path, folder = edition
    command = [program, "-enc", "UTF-8", str(folder / "build" / "roadmap.pdf"), "-"]
    text = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    assert_lines_in_order(original_lines(text_path.read_text(encoding="utf-8")), text, "pdftotext")


def libreoffice(folder: Path, tmp_path: Path, source: Path, target: str) -> Path:
    """A file converted by LibreOffice headless, with its own profile."""
    soffice = require_tool("soffice")
    command = [soffice, f"-env:UserInstallation={(tmp_path / 'lo').as_uri()}", "--headless", "--convert-to", target]
    subprocess.run([*command, "--outdir", str(tmp_path), str(source)], check=True, timeout=300, capture_output=True)
    converted = tmp_path / f"{source.stem}.{target.split(':')[0]}"
    assert converted.is_file(), f"LibreOffice could not convert {source.name}"
    return converted


def test_libreoffice_reads_every_line_of_the_word_document(edition: tuple[Path, Path], tmp_path: Path) -> None:
    text_path, folder = edition
    converted = libreoffice(folder, tmp_path, folder / "build" / "roadmap.docx", "txt:Text (encoded):UTF8")
    text = converted.read_text(encoding="utf-8-sig")
    assert_lines_in_order(original_lines(text_path.read_text(encoding="utf-8")), text, "LibreOffice (Word)")


def test_libreoffice_keeps_every_line_in_the_tracker(edition: tuple[Path, Path], tmp_path: Path) -> None:
    text_path, folder = edition
    converted = libreoffice(folder, tmp_path, folder / "build" / "roadmap-tracker.xlsx", "xlsx")
    book = load_workbook(converted, data_only=True)
    cells = {
        squash(str(value)) for sheet in book for row in sheet.iter_rows(values_only=True) for value in row if value
    }
    lines = original_lines(text_path.read_text(encoding="utf-8"))
    missing = [line for line in lines if not any(squash(line) in cell for cell in cells)]  # a paragraph's lines
    assert not missing, f"lines no cell of the tracker holds after LibreOffice saved it: {missing}"


# --- what import reads ---------------------------------------------------------------------------------------


def test_the_2025_edition_reads_its_introduction_and_every_heading_form() -> None:
    roadmap = read_text(EDITIONS[-1].read_text(encoding="utf-8"))
    assert roadmap.introduction == [
        "Releases now come every quarter. A release is named by its quarter until its version is known; "
        "versions count up from 14.0."
    ]
    found = [(r.name, r.period, r.remark, r.version, str(r.start), str(r.end)) for r in roadmap.releases]
    assert found == [
        ("Q2 2025 release", None, None, None, "2025-Q2", "2025-Q2"),
        ("H1 2025 release", None, None, None, "2025-Q1", "2025-Q2"),
        ("14.1", "Q3 2025", "- planned with the new installer", "14.1", "2025-Q3", "2025-Q3"),
        ("Release 14.2", None, "- date not fixed yet", "14.2", "None", "None"),
    ]


def test_a_remark_keeps_its_words_and_the_version_it_names() -> None:
    release = read_text("T\n\nL-release (Q4 2024) - likely named 13.4\n").releases[0]
    assert (release.name, release.period, release.remark, release.version) == (
        "L-release", "Q4 2024", "- likely named 13.4", "13.4",
    )  # fmt: skip
    assert release.heading == "L-release (Q4 2024) - likely named 13.4"


def test_a_run_of_short_title_case_lines_is_features_not_headings() -> None:
    imported = import_text("T\n\nQ2 2025 release\n\nEVE RT\nExclusive CPU Pinning\nKubernetes Support\n")
    release = imported.roadmap.releases[0]
    assert not release.areas and [block.text for block in release.blocks] == [
        "EVE RT", "Exclusive CPU Pinning", "Kubernetes Support",
    ]  # fmt: skip
    assert imported.guesses == []


@pytest.mark.parametrize(
    ("text", "guesses"),
    [
        ("T\n\nA-release\n\nStorage\n\n- a disk\n", []),  # a list follows: a heading for sure
        ("T\n\nA-release\n\nRemote Access\n\nEdgeView\n", [5]),  # its content is a short Title Case line
        ("T\n\nA-release\n\nStorage\nZFS\n\n- a disk\n", [5]),
        ("T\n\nA-release\n\nLonely Heading\n\nB-release\n", [5]),  # an empty area
        ("T\n\nA-release\n\nLast Words\n", [5]),
        ("T\n\nA-release\n\nStorage\n  EVE RT\n  Other Thing\n  Third Thing\n", []),  # features indented under it
    ],
)
def test_import_lists_the_headings_it_guessed(text: str, guesses: list[int]) -> None:
    assert import_text(text).guesses == guesses


def test_the_eve_roadmap_reports_two_guesses() -> None:
    imported = import_text(ORIGINAL.read_text(encoding="utf-8"), "eve.txt")
    lines = ORIGINAL.read_text(encoding="utf-8").splitlines()
    assert [lines[number - 1] for number in imported.guesses] == ["Storage", "Remote Access"]


def test_the_cli_lists_guesses_on_stderr_unless_quiet(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = tmp_path / "road.txt"
    text.write_text("T\n\nA-release\n\nRemote Access\n\nEdgeView\n", encoding="utf-8")
    assert main(["import", str(text), "-o", str(tmp_path / "a.yaml")]) == 0
    assert capsys.readouterr().err.splitlines() == [
        f"{text}:5: read as an area heading",
        f"{tmp_path / 'a.yaml'}: imported",
    ]
    assert main(["import", "--quiet", str(text), "-o", str(tmp_path / "b.yaml")]) == 0
    assert capsys.readouterr().err == ""
    assert (tmp_path / "a.yaml").read_bytes() == (tmp_path / "b.yaml").read_bytes()


def test_an_introduction_without_any_release_is_refused() -> None:
    with pytest.raises(SourceError, match=r"road.txt:3:1: expected a release heading"):
        read_text("Title\n\nJust words\n\nMore words\n", "road.txt")


def test_a_bare_version_needs_a_period_to_be_a_release() -> None:
    release = read_text("T\n\nA-release\n\n2.0 (new API)\n\n13.4\n").releases
    assert [r.name for r in release] == ["A-release"]
    assert [block.text for block in release[0].blocks] == ["2.0 (new API)", "13.4"]


@given(release_headings())
def test_every_release_heading_form_round_trips_through_import(heading: ReleaseHeading) -> None:
    roadmap = read_text(f"Title\n\nAn introduction.\n\n{heading.line}\n\n- one item\n")
    release = roadmap.releases[0]
    assert release.heading == heading.line
    assert (release.name, release.period, release.remark, release.version) == (
        heading.name, heading.period, heading.remark, heading.version,
    )  # fmt: skip
    assert loads(dumps(roadmap)) == roadmap


# --- the source keys -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ("    remark: likely 13.4\n", "5:13: remark 'likely 13.4' must be one line opening with a dash"),
        ("    version: 13.4\n", "5:14: version must be text: YAML reads '13.4' as a number"),
        ('    version: "v13"\n', "5:14: version 'v13' must be numbers joined by dots"),
        ('    version: "13.4"\n', "5:14: version '13.4' is written neither in the release name nor in its remark"),
    ],
)
def test_bad_release_keys_are_reported_where_they_are(extra: str, message: str) -> None:
    with pytest.raises(SourceError) as error:
        loads(SOURCE_HEAD + extra, "road.yaml")
    assert f"road.yaml:{message}" in str(error.value)


def test_an_introduction_must_be_text() -> None:
    with pytest.raises(SourceError) as error:
        loads("title: T\nintroduction:\n  - 12\nreleases: []\n", "road.yaml")
    assert "road.yaml:3:5: an introduction paragraph must be text" in str(error.value)
    assert loads("title: T\nintroduction: One paragraph.\nreleases: []\n").introduction == ["One paragraph."]
