"""The command line: exit statuses, exact messages, and `python -m evepub`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from evepub import cli
from evepub.cli import main
from evepub.source import load

from conftest import ORIGINAL, ROOT


def run_module(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "evepub", *args], capture_output=True, text=True, cwd=cwd, timeout=120)


def test_import_writes_the_source_that_is_committed(tmp_path: Path) -> None:
    output = tmp_path / "roadmap.yaml"
    assert main(["import", str(ORIGINAL), "-o", str(output)]) == 0
    imported, committed = load(output), load(ROOT / "source" / "roadmap.yaml")
    committed.author = None  # the committed source adds metadata that plain text cannot hold
    assert imported == committed


def test_import_to_standard_output(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["import", str(ORIGINAL)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("# EVE-OS feature roadmap")
    assert "text: Implement creation of data gueues" in out


def test_validate_the_committed_source(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(ROOT / "source" / "roadmap.yaml")]) == 0
    assert capsys.readouterr().out.endswith("valid (9 releases, 166 items)\n")


def test_import_of_a_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["import", str(tmp_path / "none.txt")]) == 2
    assert capsys.readouterr().err == f"evepub: cannot read {tmp_path / 'none.txt'}: No such file or directory\n"


def test_import_of_text_that_is_not_a_roadmap(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("Shopping\n\nmilk\n")
    assert main(["import", str(text)]) == 2
    assert capsys.readouterr().err == f"{text}:3:1: expected a release heading such as 'K-release (Q2-Q3 2024)'\n"


def test_an_unknown_format_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["build", "--format", "md,odt", "-o", "/nonexistent/never"]) == 2
    assert capsys.readouterr().err == "evepub: unknown format 'odt'; choose from md, docx, pdf, xlsx\n"


def test_a_bug_exits_70_with_one_line(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    def broken(args: object) -> int:
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(cli, "run", lambda args: broken(args))
    assert main(["validate"]) == 70
    err = capsys.readouterr().err
    assert err == ("evepub: internal error: ZeroDivisionError: division by zero "
                   "(a bug in evepub; run again with --debug and report the traceback)\n")


def test_debug_shows_the_traceback_of_a_bug(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(cli, "run", lambda args: 1 / 0)
    assert main(["--debug", "validate"]) == 70
    assert "Traceback (most recent call last)" in capsys.readouterr().err


def test_python_dash_m_and_the_usage_error_status() -> None:
    done = run_module("validate")
    assert (done.returncode, done.stdout) == (0, "source/roadmap.yaml: valid (9 releases, 166 items)\n")
    usage = run_module("frobnicate")
    assert usage.returncode == 2
    assert "invalid choice: 'frobnicate'" in usage.stderr


def test_the_library_loads_what_the_cli_validates() -> None:
    roadmap = load(ROOT / "source" / "roadmap.yaml")
    assert roadmap.title == "Feature Roadmap"
    assert roadmap.releases[-1].name == "Future ideas"


def test_progress_shows_on_a_terminal_only(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("CI", raising=False)
    assert cli.terminal_progress(2) is None  # captured stderr is no terminal
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    show = cli.terminal_progress(2)
    assert show is not None
    show("pdf")
    show("md")
    assert capsys.readouterr().err == "\revepub: built 1/2: pdf\revepub: built 2/2: pdf, md\n"
    monkeypatch.setenv("CI", "true")
    assert cli.terminal_progress(2) is None  # CI logs get no progress lines


def test_build_verify_publishes_then_reports_what_verify_would(tmp_path: Path) -> None:
    source = str(ROOT / "source" / "roadmap.yaml")
    built = run_module("build", "--verify", source, "-o", str(tmp_path))
    assert built.returncode == 0, built.stderr
    alone = run_module("verify", source, "-o", str(tmp_path))
    assert alone.returncode == 0, alone.stderr
    assert alone.stdout.rstrip().endswith("verify: every output says what the source says")
    assert built.stdout.endswith(alone.stdout)  # the build's lines, then the same report
    assert "trackers/G-release.xlsx" in alone.stdout


def test_build_verify_finds_an_output_that_lost_an_item(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from evepub.formats.markdown import writer as markdown_writer

    real_write = markdown_writer.write

    def losing_a_line(*args: object) -> dict[str, bytes]:
        files = real_write(*args)  # type: ignore[arg-type]
        text = files["roadmap.md"].decode()
        files["roadmap.md"] = text.replace("- Implement creation of data gueues", "- (lost)", 1).encode()
        return files

    monkeypatch.setattr(markdown_writer, "write", losing_a_line)  # the render processes fork with it
    assert main(["build", "--verify", str(ROOT / "source" / "roadmap.yaml"), "-o", str(tmp_path), "--quiet"]) == 1
    out = capsys.readouterr().out
    assert out.splitlines()[0].startswith("md ") and "DIFFERENT" in out.splitlines()[0]
    assert "data gueues" in out
    assert out.rstrip().endswith("verify: differences found")
    assert (tmp_path / "roadmap.md").is_file()  # published, so that the difference can be looked at


def test_build_verify_reads_back_every_format_so_it_refuses_a_choice(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["build", "--verify", "--format", "md", "-o", "/nonexistent/never"]) == 2
    assert capsys.readouterr().err == "evepub: --verify reads back every format: leave out --format\n"


CTRL_C_WHILE_IMPORTING = """
import builtins, os, signal, sys
import evepub.launcher
real_import = builtins.__import__
def importing(name, *args, **kwargs):
    if name == "evepub.cli":  # Ctrl-C while the command line is still being imported
        os.kill(os.getpid(), signal.SIGINT)
    return real_import(name, *args, **kwargs)
builtins.__import__ = importing
sys.argv = ["evepub", "--version"]
evepub.launcher.console()
"""


def test_ctrl_c_while_the_program_is_still_importing_is_one_line_and_exit_130() -> None:
    ended = subprocess.run([sys.executable, "-c", CTRL_C_WHILE_IMPORTING], capture_output=True, text=True, cwd=ROOT)
    assert (ended.returncode, ended.stderr, ended.stdout) == (130, "evepub: interrupted\n", "")


def test_the_program_runs_from_its_launcher() -> None:
    ended = subprocess.run([sys.executable, "-m", "evepub", "--version"], capture_output=True, text=True, cwd=ROOT)
    assert ended.returncode == 0 and ended.stdout.startswith("evepub ")
