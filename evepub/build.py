"""The build: load the source, render every format in memory, then publish all outputs atomically."""

from __future__ import annotations

import dataclasses
import datetime as dt
import fcntl
import functools
import os
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2

from evepub.errors import EvepubError
from evepub.formats import FORMATS, job_part, led_by, prepare_writer, reader, render_jobs, writer
from evepub.formats.settings import BuildSettings
from evepub.gc_pause import collection_paused
from evepub.model import Roadmap
from evepub.render_processes import ctrl_c_deferred, process_count, render_processes
from evepub.templating import DEFAULT_TEMPLATES, Templates, raised_in_template

if TYPE_CHECKING:
    from evepub.verify import Report

DEFAULT_SOURCE = Path("source/roadmap.yaml")
DEFAULT_OUTDIR = Path("build")
PAGE_SIZES = ("A4", "Letter")


@dataclass(frozen=True)
class Output:
    """One published file and what it took."""

    path: Path
    size: int
    seconds: float


def parse_formats(text: str | None) -> list[str]:
    """The formats named in a comma-separated list (all of them for None), in table order."""
    if not text:
        return list(FORMATS)
    wanted = [name.strip().lower() for name in text.split(",") if name.strip()]
    unknown = [name for name in wanted if name not in FORMATS]
    if unknown:
        raise EvepubError(f"unknown format '{unknown[0]}'; choose from {', '.join(FORMATS)}")
    return [name for name in FORMATS if name in wanted]


def build_settings(
    roadmap: Roadmap, templates: Templates | Path | str = DEFAULT_TEMPLATES, page_size: str = "A4"
) -> BuildSettings:
    """Settings for one build; every date derives from SOURCE_DATE_EPOCH when it is set."""
    if page_size not in PAGE_SIZES:
        raise EvepubError(f"unknown page size '{page_size}'; choose from {', '.join(PAGE_SIZES)}")
    timestamp = reproducible_timestamp(roadmap)
    edition = timestamp.date() if os.environ.get("SOURCE_DATE_EPOCH") or roadmap.date is None else roadmap.date
    folder = templates if isinstance(templates, Templates) else Templates(Path(templates))
    return BuildSettings(folder, timestamp, edition, page_size)


def reproducible_timestamp(roadmap: Roadmap) -> dt.datetime:
    """SOURCE_DATE_EPOCH, else the source's date, else now; in UTC, whole seconds, never before 1980."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch is not None:
        try:
            moment = dt.datetime.fromtimestamp(int(epoch), dt.UTC)
        except (ValueError, OverflowError, OSError):
            raise EvepubError(f"SOURCE_DATE_EPOCH must be a whole number of seconds, not '{epoch}'") from None
    elif roadmap.date is not None:
        moment = dt.datetime.combine(roadmap.date, dt.time(), dt.UTC)
    else:
        moment = dt.datetime.now(dt.UTC).replace(microsecond=0)
    return max(moment, dt.datetime(1980, 1, 1, tzinfo=dt.UTC))


def rendered_files(results: dict[str, tuple[dict[str, bytes], float]]) -> dict[str, tuple[bytes, float]]:
    """The files of every job, in the order of the table of formats and, within a format, of its parts."""
    order = {name: index for index, name in enumerate(FORMATS)}

    def place(job: str) -> tuple[int, int]:
        name, part = job_part(job)
        return order[name], part[0] if part else 0

    ordered = [results[job] for job in sorted(results, key=place)]
    return {relative: (data, seconds) for files, seconds in ordered for relative, data in files.items()}


def render_format(
    name: str, roadmap: Roadmap, settings: BuildSettings, part: tuple[int, int] | None = None
) -> tuple[dict[str, bytes], float]:
    """The files of one format (or of its part k of n) and the seconds it took."""
    started = time.perf_counter()
    try:
        with collection_paused():
            module = writer(name)
            files = module.write(roadmap, settings) if part is None else module.write(roadmap, settings, part=part)
    except jinja2.TemplateError as error:  # raised when a writer calls a wording macro
        raise EvepubError(f"template error while writing {name}: {error}") from None
    except EvepubError:
        raise
    except Exception as error:  # a wording macro that divides by zero, say: the template's fault, not evepub's
        template = raised_in_template(error)
        if template is None:
            raise
        raise EvepubError(f"template error while writing {name}: {template}: {type(error).__name__}: {error}") from None
    return files, time.perf_counter() - started


def render_job(job: str, shared: dict[str, Any]) -> tuple[dict[str, bytes], float]:
    """A render process's job: one format (or a part of one) of the shared roadmap and settings."""
    name, part = job_part(job)
    if part is None:
        return render_format(name, shared["roadmap"], shared["settings"])
    return render_format(name, shared["roadmap"], shared["settings"], part)


def render_job_then_reader(job: str, shared: dict[str, Any]) -> tuple[dict[str, bytes], float]:
    """A render job of a build that verifies: render, then import the format's reader while other formats render,
    so that reading back starts at once in the processes that finished first."""
    result = render_job(job, shared)
    reader(job_part(job)[0])
    return result


def whole_formats(progress: Callable[[str], None], jobs: list[str]) -> Callable[[str], None]:
    """A progress callback for jobs that reports each format once, when its last part is done."""
    left = Counter(job_part(job)[0] for job in jobs)

    def done(job: str) -> None:
        name = job_part(job)[0]
        left[name] -= 1
        if not left[name]:
            progress(name)

    return done


def build(
    source_path: Path | str = DEFAULT_SOURCE,
    outdir: Path | str = DEFAULT_OUTDIR,
    formats: list[str] | None = None,
    templates: Path | str = DEFAULT_TEMPLATES,
    page_size: str = "A4",
    changes_since: str | None = None,
    progress: Callable[[str], None] | None = None,
) -> list[Output]:
    """Load, validate and publish the roadmap; on any failure the previous outputs stay as they were.

    With `changes_since` (an older source file, or git:REV) the documents get a "Changes since" section.
    """
    outputs, _ = _build(source_path, outdir, formats, templates, page_size, changes_since, progress, verify=False)
    return outputs


def build_and_verify(
    source_path: Path | str = DEFAULT_SOURCE,
    outdir: Path | str = DEFAULT_OUTDIR,
    templates: Path | str = DEFAULT_TEMPLATES,
    page_size: str = "A4",
    changes_since: str | None = None,
    progress: Callable[[str], None] | None = None,
) -> tuple[list[Output], Report]:
    """Build every format, then read every output back and compare it with the source, as `evepub verify` does.

    The render processes, which hold the roadmap and the writers' libraries already, read the outputs back:
    so `make all` costs little more than the build.
    """
    outputs, report = _build(source_path, outdir, None, templates, page_size, changes_since, progress, verify=True)
    assert report is not None
    return outputs, report


def _build(
    source_path: Path | str,
    outdir: Path | str,
    formats: list[str] | None,
    templates: Path | str,
    page_size: str,
    changes_since: str | None,
    progress: Callable[[str], None] | None,
    verify: bool,
) -> tuple[list[Output], Report | None]:
    outdir, wanted, folder = Path(outdir), formats or list(FORMATS), Templates(Path(templates))
    tasks = {"render": render_job}
    if verify:
        from evepub.verify import compare_output

        tasks["render"], tasks["verify"] = render_job_then_reader, compare_output
    # fork first: the render processes import their libraries while this one reads and checks the source
    jobs = render_jobs(wanted, process_count(wanted))
    staging = Staging(outdir)  # each format's files are written as they come, and renamed into place together
    prepare = functools.partial(prepare_writer, templates=folder)
    with render_processes(jobs, prepare, tasks, warm_later=True) as processes, staging:

        def load() -> dict[str, Any]:
            loaded = loaded_for_build(Path(source_path), folder, page_size, changes_since, wanted, verify)
            final = render_jobs(wanted, len(processes.processes), loaded["roadmap"])
            # each process first renders what it prepared (imported) while the source loaded
            return {**loaded, "jobs": led_by(final, [process.first for process in processes.processes])}

        kept = processes.share_loaded(load, keep=("jobs", "trackers") if verify else ("jobs",))
        jobs = kept["jobs"]  # the same formats; a format's parts only where the roadmap makes them worth it
        formats_done = whole_formats(progress or (lambda name: None), jobs)
        results = processes.run("render", jobs, formats_done, lambda _, result: staging.add_soon(result[0]))
        rendered = rendered_files(results)
        staging.commit(list(rendered))
        outputs = [Output(outdir / relative, len(data), seconds) for relative, (data, seconds) in rendered.items()]
        if verify:  # the processes stay for reading back
            from evepub.verify import compare_outputs

            return outputs, compare_outputs(processes, kept["trackers"], outdir)
    return outputs, None


def loaded_for_build(
    source_path: Path, folder: Templates, page_size: str, changes_since: str | None, wanted: list[str], verify: bool
) -> dict[str, Any]:
    """What the render processes share: the roadmap, the build's settings and, to verify, the trackers to read."""
    from evepub import source

    roadmap = source.load(source_path)
    settings = build_settings(roadmap, folder, page_size)
    if changes_since is not None:
        from evepub.diff import changes_since as changes_from

        settings = dataclasses.replace(settings, changes=changes_from(changes_since, roadmap, source_path))
    loaded: dict[str, Any] = {"roadmap": roadmap, "settings": dataclasses.replace(settings, formats=tuple(wanted))}
    if verify:
        from evepub.verify import tracker_files

        loaded["trackers"] = tracker_files(roadmap)
    return loaded


def publish(outdir: Path, files: dict[str, bytes]) -> None:
    """Write every file next to its target, then rename them all into place; clean up on failure."""
    with Staging(Path(outdir)) as staging:
        staging.add(files)
        staging.commit(list(files))


class Staging:
    """Files written beside their targets as they come (a build stages each format's files while the others
    still render), renamed into place together by `commit`; on failure every staged file, and every folder
    made for them, is removed and the outputs stay as they were. From the first file to the end, the output
    folder is locked against other builds.
    """

    def __init__(self, outdir: Path) -> None:
        self.outdir = outdir
        self.staged: dict[str, tuple[Path, Path]] = {}  # relative path -> (temporary file, target)
        self.made: list[Path] = []  # the folders made for the files, outermost first
        self.lock: int | None = None
        self.writer: ThreadPoolExecutor | None = None  # add_soon's thread, started by its first call
        self.pending: list[Future[None]] = []

    def __enter__(self) -> Staging:
        return self

    def __exit__(self, failed: type[BaseException] | None, *_: object) -> None:
        with ctrl_c_deferred():  # no temporary file left behind
            with suppress(Exception):  # failing already, or its error was raised by commit
                self.wait()
            for temporary, _target in self.staged.values():
                temporary.unlink(missing_ok=True)
            if self.lock is not None:
                os.close(self.lock)
            if failed is not None:
                for folder in reversed(self.made):
                    with suppress(OSError):  # not empty: it holds what is not ours
                        folder.rmdir()

    def add(self, files: dict[str, bytes]) -> None:
        """Write files (by path in the output folder) to hidden temporary files beside their targets."""
        targets = {relative: safe_target(self.outdir, relative) for relative in files}
        if self.lock is None:
            self._make_folder(self.outdir, f"cannot create output folder {self.outdir}")
            self.lock = build_lock(self.outdir)
        for relative, data in files.items():
            target = targets[relative]
            self._make_folder(target.parent, f"cannot write {target}")
            with ctrl_c_deferred():  # a file written is a file on the list, removed if the build fails
                try:
                    self.staged[relative] = (stage(target, data), target)
                except OSError as error:
                    raise EvepubError(f"cannot write {error.filename or self.outdir}: {error.strerror}") from None

    def add_soon(self, files: dict[str, bytes]) -> None:
        """Stage files as `add` does, in a thread of their own: the build goes on handing out jobs meanwhile
        (writing and syncing the 401 trackers of 400 releases takes a third of a second). Errors come from commit."""
        with ctrl_c_deferred():  # the thread, started by the first submit, inherits the mask: Ctrl-C reaches this one
            if self.writer is None:
                self.writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="staging")
            self.pending.append(self.writer.submit(self.add, files))

    def wait(self) -> None:
        """Wait until every file given to add_soon is staged; raise the first error staging met."""
        pending, self.pending = self.pending, []
        errors = [error for error in (future.exception() for future in pending) if error is not None]
        if self.writer is not None:
            self.writer.shutdown()
            self.writer = None
        if errors:
            raise errors[0]

    def commit(self, order: list[str]) -> None:
        """Rename every staged file into place, in this order; Ctrl-C waits, so no output is half published."""
        self.wait()
        with ctrl_c_deferred():
            try:
                for relative in order:
                    temporary, target = self.staged.pop(relative)
                    os.replace(temporary, target)
            except OSError as error:
                raise EvepubError(f"cannot write {error.filename or self.outdir}: {error.strerror}") from None

    def _make_folder(self, folder: Path, failure: str) -> None:
        """Make a folder and the folders above it that are missing, noting each one made."""
        missing: list[Path] = []
        for path in [folder, *folder.parents]:
            if path.is_dir():
                break
            missing.append(path)
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise EvepubError(f"{failure}: {error.strerror}") from None
        self.made.extend(reversed(missing))


def safe_target(outdir: Path, relative: str) -> Path:
    """The path of an output inside the output folder; a writer cannot escape it."""
    target = (outdir / relative).resolve()
    if not target.is_relative_to(outdir.resolve()):
        raise EvepubError(f"output path {relative} lies outside the output folder {outdir}")
    return target


def stage(target: Path, data: bytes) -> Path:
    """Write data to a hidden temporary file beside the target (in a folder that exists) and return its path."""
    handle, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(name, 0o644)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
    return Path(name)


def build_lock(outdir: Path) -> int:
    """Lock the output folder against other builds publishing into it (waiting for theirs to end): the open folder,
    which the caller closes to let go. Locking the folder itself leaves no lock file behind."""
    folder = os.open(outdir, os.O_RDONLY)
    try:
        fcntl.flock(folder, fcntl.LOCK_EX)
    except BaseException:
        os.close(folder)
        raise
    return folder
