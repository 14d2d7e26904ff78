"""The build: atomic publishing, no lost output, reproducible bytes, lazy imports, safe templates."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from evepub.build import build, publish
from evepub.cli import main
from evepub.errors import EvepubError
from evepub.writers import WRITERS

from conftest import ROOT

SOURCE = ROOT / "source" / "roadmap.yaml"
TEMPLATES = ROOT / "templates"


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(path.relative_to(folder)): path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file()}


def broken_templates(tmp_path: Path, template: str) -> Path:
    folder = tmp_path / "templates"
    shutil.copytree(TEMPLATES, folder)
    (folder / "markdown" / "roadmap.md.j2").write_text(template)
    return folder


def test_build_prints_one_line_per_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["build", str(SOURCE), "-o", str(tmp_path), "--format", "md"]) == 0
    (line,) = capsys.readouterr().out.splitlines()
    assert line.startswith(f"{tmp_path / 'roadmap.md'}  ")
    assert line.endswith(" s")
    assert (tmp_path / "roadmap.md").stat().st_size > 5000


def test_a_failed_build_keeps_the_previous_outputs_and_leaves_no_temp_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    outdir = tmp_path / "out"
    build(SOURCE, outdir, ["md"])
    before = snapshot(outdir)
    templates = broken_templates(tmp_path, "{% for x in %}")
    assert main(["build", str(SOURCE), "-o", str(outdir), "--format", "md", "--templates", str(templates)]) == 2
    assert "template syntax error" in capsys.readouterr().err
    assert snapshot(outdir) == before


def test_an_invalid_source_keeps_the_previous_outputs(tmp_path: Path) -> None:
    outdir = tmp_path / "out"
    build(SOURCE, outdir, ["md"])
    before = snapshot(outdir)
    bad = tmp_path / "roadmap.yaml"
    bad.write_text(SOURCE.read_text(encoding="utf-8").replace("title: Feature Roadmap", "title: [oops"))
    assert main(["build", str(bad), "-o", str(outdir), "--format", "md"]) == 2
    assert snapshot(outdir) == before


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("{{ ''.__class__.__mro__[1].__subclasses__() }}", "access to attribute '__class__'"),
        ("{% for i in range(10**9) %}{% endfor %}", "Range too big"),
        ("{% for i in range(99999) %}{% for j in range(99999) %}{% endfor %}{% endfor %}", "loop forever"),
        ("{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}", "recursion"),
        ("{% include '../../etc/passwd' %}", "../../etc/passwd"),
    ],
)
def test_hostile_user_templates_are_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, template: str, message: str
) -> None:
    monkeypatch.setenv("EVEPUB_TEMPLATE_SECONDS", "1")
    templates = broken_templates(tmp_path, template)
    arguments = ["build", str(SOURCE), "-o", str(tmp_path / "o"), "--format", "md", "--templates", str(templates)]
    assert main(arguments) == 2
    err = capsys.readouterr().err
    assert err.startswith("evepub: ")
    assert message in err
    assert len(err.splitlines()) == 1
    assert not (tmp_path / "o" / "roadmap.md").exists()


def test_an_output_path_outside_the_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(EvepubError, match="lies outside the output folder"):
        publish(tmp_path / "out", {"../escape.txt": b"x"})
    assert not (tmp_path / "escape.txt").exists()


def test_a_template_folder_that_does_not_exist(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "nowhere"
    assert main(["build", str(SOURCE), "-o", str(tmp_path), "--templates", str(missing)]) == 2
    assert capsys.readouterr().err == f"evepub: template folder {missing} does not exist\n"


def test_building_markdown_imports_no_library_of_the_other_formats(tmp_path: Path) -> None:
    script = (
        "import sys; from evepub.build import build; "
        f"build({str(SOURCE)!r}, {str(tmp_path)!r}, ['md']); "
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'reportlab', 'openpyxl', 'docx', 'lxml'}))"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True)
    assert done.stdout.strip() == "[]"


@pytest.mark.parametrize("fmt", list(WRITERS))
def test_the_same_source_and_epoch_give_the_same_bytes(
    fmt: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    build(SOURCE, tmp_path / "one", [fmt])
    build(SOURCE, tmp_path / "two", [fmt])
    first, second = snapshot(tmp_path / "one"), snapshot(tmp_path / "two")
    assert first and first == second


def test_two_builds_at_once_into_one_folder_corrupt_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    outdir = tmp_path / "shared"
    command = [sys.executable, "-m", "evepub", "build", str(SOURCE), "-o", str(outdir), "--format", "md,xlsx"]
    runs = [subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) for _ in range(2)]
    assert [run.wait(timeout=300) for run in runs] == [0, 0]
    done = subprocess.run([sys.executable, "-m", "evepub", "build", str(SOURCE), "-o", str(tmp_path / "alone"),
                           "--format", "md,xlsx"], capture_output=True, timeout=300, check=True)
    assert done.returncode == 0
    assert snapshot(outdir) == snapshot(tmp_path / "alone")
