"""The build: atomic publishing, no lost output, reproducible bytes, lazy imports, safe templates."""

from __future__ import annotations

import dataclasses
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from evepub.build import build, publish, render_format
from evepub.cache import cache_folder, cache_root
from evepub.cli import main
from evepub.errors import EvepubError, ExitStatus, SourceError
from evepub.formats import FORMATS
from evepub.formats.xlsx.contract import TRACKERS_FOLDER
from evepub.model import Roadmap
from evepub.render_processes import process_count

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
        ("{{ roadmap.title }}{{ roadmap.__dict__ }}{{ roadmap.__dict__ }}", "access to attribute '__dict__'"),
        ("{{ '{0.__class__}'.format(roadmap.title) }}", "access to attribute '__class__'"),
        ("{% for i in range(10**9) %}{% endfor %}", "Range too big"),
        ("{% for i in range(99999) %}{% for j in range(99999) %}{% endfor %}{% endfor %}", "loop forever"),
        ("{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}", "recursion"),
        ("{% include '../../etc/passwd' %}", "../../etc/passwd"),
        ("{{ 1 / 0 }}", "roadmap.md.j2: template error: ZeroDivisionError: division by zero"),
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


@pytest.mark.parametrize("formats", ["md", "docx", "pdf", "xlsx", "md,docx,pdf,xlsx"])
def test_a_wording_template_without_a_macro_the_writers_call_is_a_template_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], formats: str
) -> None:
    templates = tmp_path / "templates"
    shutil.copytree(TEMPLATES, templates)
    wording = templates / "wording.j2"
    wording.write_text(wording.read_text().replace("macro document_title(", "macro title_of_the_document("))
    arguments = ["build", str(SOURCE), "-o", str(tmp_path / "o"), "--format", formats, "--templates", str(templates)]
    assert main(arguments) == 2
    assert capsys.readouterr().err == "evepub: wording.j2: template error: it defines no macro 'document_title'\n"
    assert not (tmp_path / "o").exists()


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


@pytest.mark.parametrize("fmt", list(FORMATS))
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
    done = subprocess.run(
        [sys.executable, "-m", "evepub", "build", str(SOURCE), "-o", str(tmp_path / "alone"), "--format", "md,xlsx"],
        capture_output=True,
        timeout=300,
        check=True,
    )
    assert done.returncode == 0
    assert snapshot(outdir) == snapshot(tmp_path / "alone")


def no_child_processes_left() -> bool:
    try:
        os.waitpid(-1, os.WNOHANG)
    except ChildProcessError:
        return True
    return False


needs_render_processes = pytest.mark.skipif(
    process_count(list(FORMATS)) < 2, reason="one core: every format renders in the build's own process"
)


@needs_render_processes
def test_an_error_in_one_format_of_a_parallel_build_keeps_every_previous_output(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    outdir = tmp_path / "out"
    build(SOURCE, outdir)
    before = snapshot(outdir)
    templates = tmp_path / "templates"
    shutil.copytree(TEMPLATES, templates)
    labels = templates / "pdf" / "labels.j2"
    labels.write_text(labels.read_text().replace("{% macro total_row() %}Total", "{% macro total_row() %}{{ 1 / 0 }}"))
    assert main(["build", str(SOURCE), "-o", str(outdir), "--templates", str(templates)]) == 2
    message = "evepub: template error while writing pdf: labels.j2: ZeroDivisionError: division by zero\n"
    assert capsys.readouterr().err == message
    assert snapshot(outdir) == before
    assert no_child_processes_left()


@needs_render_processes
def test_a_first_build_whose_last_format_fails_leaves_no_folder_and_no_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    outdir = tmp_path / "out"

    def failing_after_the_trackers(name: str, *args: object) -> object:
        if name != "pdf":
            return render_format(name, *args)
        for _ in range(600):  # the other formats' files are written as they come: wait for the trackers'
            if (outdir / TRACKERS_FOLDER).is_dir():
                raise EvepubError("the PDF failed")
            time.sleep(0.05)
        raise AssertionError("the trackers were not written while the PDF rendered")

    monkeypatch.setattr("evepub.build.render_format", failing_after_the_trackers)
    with pytest.raises(EvepubError, match="the PDF failed"):
        build(SOURCE, outdir)
    assert list(tmp_path.iterdir()) == []  # no output folder, no trackers folder, no temporary file
    assert no_child_processes_left()


@needs_render_processes
def test_a_render_process_that_dies_fails_the_build_instead_of_hanging(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    outdir = tmp_path / "out"
    build(SOURCE, outdir)
    before = snapshot(outdir)
    builder = os.getpid()

    def dying(name: str, *args: object) -> object:
        if os.getpid() != builder:
            os._exit(9)  # as when the kernel kills a process that ran out of memory
        raise AssertionError("the formats were to render in render processes")

    monkeypatch.setattr("evepub.build.render_format", dying)
    died = r"^the process rendering (pdf|xlsx) ended unexpectedly with exit status 9$"  # the first jobs
    with pytest.raises(RuntimeError, match=died):
        build(SOURCE, outdir)
    assert snapshot(outdir) == before
    assert no_child_processes_left()


@needs_render_processes
def test_an_invalid_source_ends_the_render_processes(tmp_path: Path) -> None:
    bad = tmp_path / "roadmap.yaml"
    bad.write_text(SOURCE.read_text(encoding="utf-8").replace("title: Feature Roadmap", "title: [oops"))
    with pytest.raises(SourceError):
        build(bad, tmp_path / "out")
    assert not (tmp_path / "out").exists()
    assert no_child_processes_left()


def test_the_evepub_program_prints_every_line_before_it_ends(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "evepub", "build", str(SOURCE), "-o", str(tmp_path)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    printed = [line.split("  ")[0] for line in done.stdout.splitlines()]
    assert sorted(printed) == sorted(str(path) for path in tmp_path.rglob("*") if path.is_file())
    bad = tmp_path / "bad.yaml"
    bad.write_text("title: [oops\n")
    failed = subprocess.run([*command[:4], str(bad), "-o", str(tmp_path)], capture_output=True, text=True, timeout=120)
    assert (failed.returncode, failed.stderr) == (2, f"{bad}:2:1: YAML syntax: did not find expected ',' or ']'\n")


def build_in_a_process(outdir: Path, cache: str, templates: Path = TEMPLATES, formats: str = ",".join(FORMATS)) -> None:
    environment = dict(os.environ, EVEPUB_CACHE_DIR=cache, SOURCE_DATE_EPOCH="1700000000")
    command = [sys.executable, "-m", "evepub", "build", str(SOURCE), "-o", str(outdir), "--format", formats]
    command += ["--templates", str(templates), "--quiet"]
    subprocess.run(command, env=environment, check=True, timeout=120)


def test_compiled_templates_are_kept_and_give_the_same_bytes_as_none(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    build_in_a_process(tmp_path / "cold", str(cache))
    assert len(list((cache / "templates").glob("*.jinja"))) >= 4  # wording, labels, properties, Markdown
    assert len(list((cache / "fonts").glob("*.marshal"))) == 3  # DejaVu Sans, bold and oblique
    build_in_a_process(tmp_path / "warm", str(cache))
    build_in_a_process(tmp_path / "none", "")
    assert snapshot(tmp_path / "cold") == snapshot(tmp_path / "warm") == snapshot(tmp_path / "none")


def test_an_edited_template_is_compiled_again(tmp_path: Path) -> None:
    cache, templates = str(tmp_path / "cache"), tmp_path / "templates"
    shutil.copytree(TEMPLATES, templates)
    build_in_a_process(tmp_path / "before", cache, templates, "md")
    page = templates / "markdown" / "roadmap.md.j2"
    page.write_text(page.read_text(encoding="utf-8") + "Edited after the first build.\n", encoding="utf-8")
    build_in_a_process(tmp_path / "after", cache, templates, "md")
    assert (tmp_path / "after" / "roadmap.md").read_text(encoding="utf-8").endswith("Edited after the first build.\n")


def test_a_cache_folder_that_cannot_be_made_does_not_fail_a_build(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    build_in_a_process(tmp_path / "out", str(blocker / "cache"), formats="md,pdf")
    assert (tmp_path / "out" / "roadmap.pdf").stat().st_size > 10_000


def test_where_the_cache_lives(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("EVEPUB_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_root() == tmp_path / "xdg" / "evepub"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache_root() == tmp_path / "home" / ".cache" / "evepub"
    monkeypatch.setenv("EVEPUB_CACHE_DIR", str(tmp_path / "mine"))
    assert cache_folder("templates") == tmp_path / "mine" / "templates"
    monkeypatch.setenv("EVEPUB_CACHE_DIR", "")
    assert (cache_root(), cache_folder("templates")) == (None, None)
    monkeypatch.delenv("EVEPUB_CACHE_DIR")
    monkeypatch.delenv("HOME")

    def no_home(cls: type[Path]) -> Path:
        raise RuntimeError("Could not determine home directory.")  # what pathlib says without HOME or passwd

    monkeypatch.setattr(Path, "home", classmethod(no_home))
    assert cache_folder("templates") is None


@pytest.fixture(scope="module")
def large_source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated roadmap of 2,000 items: a build of it lasts long enough to press Ctrl-C at every stage."""
    source = tmp_path_factory.mktemp("large") / "roadmap.yaml"
    subprocess.run([sys.executable, str(ROOT / "bench" / "generate.py"), "2000", str(source)], check=True, timeout=120)
    return source


def importing(pid: int, outdir: Path) -> bool:
    """The build has begun: it imports jinja2 (markupsafe's C speedups are mapped), before it forks."""
    return "markupsafe/_speedups" in Path(f"/proc/{pid}/maps").read_text()


def forked(pid: int, outdir: Path) -> bool:
    """The build has forked its first render process (which may not yet have reset its Ctrl-C handler)."""
    return any(path.read_text().split() for path in Path(f"/proc/{pid}/task").glob("*/children"))


def rendering(pid: int, outdir: Path) -> bool:
    """The build has sent the roadmap to its render processes: it has written over 100 kB, to their pipes."""
    counts = dict(line.split(": ") for line in Path(f"/proc/{pid}/io").read_text().splitlines())
    return int(counts["wchar"]) > 100_000


def publishing(pid: int, outdir: Path) -> bool:
    """The build has a temporary file beside an output: looked at with the build stopped, and left stopped then."""
    os.kill(pid, signal.SIGSTOP)  # publishing is brief: else the build could be done before Ctrl-C reaches it
    while process_state(pid) not in "tTZ":
        pass
    if outdir.is_dir() and any(path.name.endswith(".tmp") for path in outdir.rglob(".*")):
        return True
    os.kill(pid, signal.SIGCONT)
    time.sleep(0.001)
    return False


def process_state(pid: int) -> str:
    """The state letter of a process in /proc: R running, S sleeping, T stopped, Z ended (a zombie), ..."""
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]


def wait_until(stage: Callable[[int, Path], bool], process: subprocess.Popen[str], outdir: Path) -> None:
    deadline = time.monotonic() + 60
    while not stage(process.pid, outdir):  # no sleep: Ctrl-C is to come within microseconds of the stage
        assert process.poll() is None and time.monotonic() < deadline, f"the build never reached {stage.__name__}"


def no_process_left_in_group(group: int) -> bool:
    """Whether every process of the group has ended; one that is ending may show in /proc a moment longer."""
    deadline = time.monotonic() + 2
    while processes_in_group(group):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


@needs_render_processes
@pytest.mark.parametrize(
    ("stage", "after"),
    [
        (importing, 0.0),  # before the fork
        (forked, 0.0),  # while the build forks
        (forked, 0.0005),  # in a render process as it starts
        (forked, 0.1),  # while the build loads the source and the render processes import their libraries
        (rendering, 0.05),
        (publishing, 0.0),
    ],
    ids=["importing", "forking", "child-starting", "loading", "rendering", "publishing"],
)
def test_ctrl_c_ends_a_parallel_build_with_one_line_and_every_process(
    tmp_path: Path, large_source: Path, stage: Callable[[int, Path], bool], after: float
) -> None:
    outdir = tmp_path / "out"
    command = [sys.executable, "-m", "evepub", "build", str(large_source), "-o", str(outdir)]
    build_process = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True
    )
    wait_until(stage, build_process, outdir)
    time.sleep(after)
    os.killpg(build_process.pid, signal.SIGINT)  # what Ctrl-C does: every process of the group gets it
    os.kill(build_process.pid, signal.SIGCONT)  # a build stopped at publishing goes on, and gets the SIGINT
    _, err = build_process.communicate(timeout=60)
    assert (build_process.returncode, err) == (130, "evepub: interrupted\n")
    assert no_process_left_in_group(build_process.pid)
    assert [path for path in outdir.rglob("*") if path.name.endswith(".tmp")] == []
    assert stage is publishing or not outdir.exists()


@needs_render_processes
def test_a_render_process_the_machine_kills_is_one_line_and_exit_3_and_keeps_the_outputs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    outdir = tmp_path / "out"
    build(SOURCE, outdir)
    before = snapshot(outdir)
    builder = os.getpid()

    def killed_rendering_pdf(name: str, *args: object) -> object:
        if os.getpid() != builder and name == "pdf":
            os.kill(os.getpid(), signal.SIGKILL)  # what the kernel does to a process when memory runs out
        return render_format(name, *args)

    monkeypatch.setattr("evepub.build.render_format", killed_rendering_pdf)
    assert main(["build", str(SOURCE), "-o", str(outdir)]) == ExitStatus.STOPPED == 3
    message = "the process rendering pdf was killed by SIGKILL (out of memory?); the outputs are unchanged"
    assert capsys.readouterr().err == f"evepub: {message}\n"
    assert snapshot(outdir) == before
    assert no_child_processes_left()


def processes_in_group(group: int) -> list[int]:
    """The processes still running (zombies aside) in a process group, from /proc."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # it ended while being looked at
        if int(fields[2]) == group and fields[0] != "Z":
            found.append(int(stat.parent.name))
    return found


@pytest.mark.parametrize("forks_allowed", [0, 1])
def test_a_machine_out_of_processes_still_builds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, forks_allowed: int
) -> None:
    real_fork, forked = os.fork, []

    def fork() -> int:
        if len(forked) >= forks_allowed:
            raise BlockingIOError(11, "Resource temporarily unavailable")
        forked.append(True)
        return real_fork()

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    monkeypatch.setattr(os, "fork", fork)
    build(SOURCE, tmp_path / "out")
    monkeypatch.setattr(os, "fork", real_fork)
    build(SOURCE, tmp_path / "expected")
    assert snapshot(tmp_path / "out") == snapshot(tmp_path / "expected")
    assert no_child_processes_left()


def test_a_cache_folder_another_user_owns_is_not_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shared = tmp_path / "shared"
    (shared / "templates").mkdir(parents=True)
    try:
        os.chown(shared / "templates", os.getuid() + 1, -1)
    except PermissionError:
        pytest.skip("only root can give a folder to another user")
    monkeypatch.setenv("EVEPUB_CACHE_DIR", str(shared))
    assert cache_folder("templates") is None  # its compiled templates would be code run by this user


@pytest.mark.parametrize(("template", "formats"), [("pdf/style.yaml", "pdf"), ("xlsx/layout.yaml", "xlsx")])
@pytest.mark.parametrize("parallel", [False, True], ids=["alone", "with markdown"])
def test_a_yaml_template_with_a_syntax_error_is_one_file_line_column_problem(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], template: str, formats: str, parallel: bool
) -> None:
    templates = tmp_path / "templates"
    shutil.copytree(TEMPLATES, templates)
    (templates / template).write_text("page: [oops\n", encoding="utf-8")
    wanted = f"{formats},md" if parallel else formats
    arguments = ["build", str(SOURCE), "-o", str(tmp_path / "o"), "--format", wanted, "--templates", str(templates)]
    assert main(arguments) == 2
    assert capsys.readouterr().err == f"{templates / template}:2:1: YAML syntax: did not find expected ',' or ']'\n"


@pytest.mark.parametrize(
    ("template", "content", "message"),
    [
        ("reference.docx", "not a zip", "reference.docx: not a Word document that evepub can start from ("),
        ("xlsx/layout.yaml", "columns: []\n", "xlsx/layout.yaml: the setting 'sheets' is missing"),
        ("pdf/style.yaml", "page: {}\n", "pdf/style.yaml: page.margin_top is missing"),
    ],
)
def test_a_broken_template_file_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], template: str, content: str, message: str
) -> None:
    templates = tmp_path / "templates"
    shutil.copytree(TEMPLATES, templates)
    (templates / template).write_text(content, encoding="utf-8")
    assert main(["build", str(SOURCE), "-o", str(tmp_path / "o"), "--templates", str(templates)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"evepub: {templates}/{message}")
    assert len(err.splitlines()) == 1
    assert not (tmp_path / "o").exists()


@needs_render_processes
def test_the_source_loads_in_a_process_of_its_own_that_the_machine_may_kill(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from evepub import source

    outdir = tmp_path / "out"
    build(SOURCE, outdir)
    before = snapshot(outdir)
    builder, real_load = os.getpid(), source.load

    def killed_loading(path: object) -> object:
        assert os.getpid() != builder, "the build itself loaded the source"
        os.kill(os.getpid(), signal.SIGKILL)  # a source too large for the machine's memory
        return real_load(path)  # type: ignore[arg-type]

    monkeypatch.setattr(source, "load", killed_loading)
    assert main(["build", str(SOURCE), "-o", str(outdir)]) == ExitStatus.STOPPED
    message = "the process loading the source was killed by SIGKILL (out of memory?); the outputs are unchanged"
    assert capsys.readouterr().err == f"evepub: {message}\n"
    assert snapshot(outdir) == before
    assert no_child_processes_left()


def test_trackers_shared_out_among_processes_are_written_as_one_process_writes_them() -> None:
    from evepub.formats.xlsx.parts import share_of, shares

    costs = [470, 12, 300, 5, 5, 90, 61]
    found = shares(costs, 2)
    assert sorted(index for share in found for index in share) == list(range(len(costs)))  # each once
    loads = sorted(sum(costs[index] for index in share) for share in found)
    assert loads[1] - loads[0] <= max(costs)  # as even as the largest workbook allows
    assert share_of([1, 2, 3], None) == {0, 1, 2}


def test_trackers_are_shared_out_only_when_that_makes_the_build_end_sooner(eve_roadmap: Roadmap) -> None:
    from evepub.formats import led_by, render_jobs

    # with the PDF in the build, the PDF ends last whatever the trackers do: they are written in one piece
    assert render_jobs(list(FORMATS), 2) == ["pdf", "xlsx", "docx", "md"]
    many = dataclasses.replace(eve_roadmap, releases=eve_roadmap.releases * 40)
    assert render_jobs(list(FORMATS), 2, many) == ["pdf", "xlsx", "docx", "md"]
    # without it, the trackers of a large roadmap are shared out; a small roadmap's are not worth a second openpyxl
    assert render_jobs(["xlsx", "md"], 2) == ["xlsx:1/2", "xlsx:2/2", "md"]  # before the load
    assert render_jobs(["xlsx", "md"], 2, many) == ["xlsx:1/2", "xlsx:2/2", "md"]
    assert render_jobs(["xlsx", "md"], 2, eve_roadmap) == ["xlsx", "md"]
    # the processes forked before the load prepared the first jobs: each renders that format first
    assert led_by(["xlsx", "md"], ["xlsx:1/2", "xlsx:2/2"]) == ["xlsx", "md"]
    assert led_by(["pdf", "xlsx", "docx", "md"], ["pdf", "docx"]) == ["pdf", "docx", "xlsx", "md"]


@needs_render_processes
def test_a_build_of_every_format_writes_the_trackers_a_tracker_only_build_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # with several processes the trackers are written in parts, each process some of them
    from evepub.formats.xlsx import parts

    monkeypatch.setattr(parts, "SPLIT_FROM", 0)  # the EVE roadmap's trackers are too little work to share out
    alone, together = tmp_path / "alone", tmp_path / "together"
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    build(SOURCE, alone, ["xlsx"])
    build(SOURCE, together, ["xlsx", "md"])  # the trackers the costliest format: written in parts
    from evepub.formats import render_jobs
    from evepub.source import load

    assert "xlsx:2/2" in render_jobs(["xlsx", "md"], 2, load(SOURCE))
    trackers = sorted(path.relative_to(alone) for path in alone.rglob("*.xlsx"))
    assert len(trackers) == 10
    assert trackers == sorted(path.relative_to(together) for path in together.rglob("*.xlsx"))
    for relative in trackers:
        assert (alone / relative).read_bytes() == (together / relative).read_bytes(), relative


def test_a_render_process_frees_what_a_job_left_in_cycles_before_the_next() -> None:
    import gc
    import weakref

    from evepub.render_processes import release_memory

    class Node:
        pass

    was_enabled = gc.isenabled()
    gc.disable()  # as in a render process
    try:
        first, second = Node(), Node()
        first.other, second.other = second, first  # a cycle, as ReportLab's document and canvas make
        alive = weakref.ref(first)
        del first, second
        assert alive() is not None  # with the collector off, nothing frees it
        release_memory()
        assert alive() is None
    finally:
        if was_enabled:
            gc.enable()


@needs_render_processes
def test_a_file_that_cannot_be_staged_fails_the_build_and_keeps_the_outputs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    outdir = tmp_path / "out"
    build(SOURCE, outdir)
    shutil.rmtree(outdir / TRACKERS_FOLDER)
    (outdir / TRACKERS_FOLDER).write_text("a file where the trackers' folder goes\n", encoding="utf-8")
    before = snapshot(outdir)
    assert main(["build", str(SOURCE), "-o", str(outdir)]) == ExitStatus.BAD_INPUT  # staged in a thread
    err = capsys.readouterr().err
    assert err.startswith(f"evepub: cannot write {(outdir / TRACKERS_FOLDER).resolve()}/")
    assert err.endswith("-release.xlsx: File exists\n") and len(err.splitlines()) == 1
    assert snapshot(outdir) == before  # nothing published, no temporary file left
