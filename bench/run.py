"""The benchmark behind `make bench`: build time, CPU and memory per format and size, checked against the targets.

Every figure comes from separate processes, run with compiled bytecode (a warm-up run first) the way an installed
evepub runs. Wall and CPU time are medians of several runs; CPU time and peak memory cover the whole process tree,
because a build of several formats renders them in parallel worker processes. The machine is shared and its speed
drifts, so every ratio compares two commands run turn about in the same run (one of each, then again), and the
builds of the table of sizes take turns too, one round of every size and format after another.
`--quick` (for CI) builds 200 and 2,000 items once each, all four formats together, and fails only on checks that
do not depend on the machine's speed: how the outputs and the memory grow with the items, which libraries each
format imports, and that `evepub verify` passes. It reports the timed targets it can measure without failing on them.
"""

from __future__ import annotations

import argparse
import os
import platform
import pstats
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from evepub.formats import FORMATS as FORMAT_TABLE

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "bench" / "out"  # sources, outputs and bytecode of a run; replaced by every run
MARKER = ".evepub-bench"  # marks a work folder as the bench's own, safe to empty
RESULTS = ROOT / "bench" / "RESULTS.md"
TRIED = ROOT / "bench" / "TRIED.md"  # hand-written by the engineers; included in RESULTS.md as it is
EVE = ROOT / "source" / "roadmap.yaml"
PYTHON = sys.executable
FORMATS = tuple(FORMAT_TABLE)
ALL = "all"
SIZES = (200, 2_000, 20_000)  # built to each format alone and to all four
LARGEST = 100_000  # built to all four only, LARGEST_REPEATS times: it is long
QUICK_SIZES = (200, 2_000)  # --quick: all four formats only, once each
TARGET_SIZE = 20_000  # the size of the targets on wall time, the PDF baseline and verify
ITEMS_PER_RELEASE = 50  # the many-releases shape: the same items in releases of this many (400 at 20,000)
LIBRARIES = "import yaml, jinja2, docx, reportlab.platypus, openpyxl"
HEAVY = {name: set(row.libraries) for name, row in FORMAT_TABLE.items()}  # what each format may import
EPOCH = "1700000000"
SAMPLE_SECONDS = 0.02
REPEATS = 3  # runs of each format and size
LARGEST_REPEATS = 2
SIDE_BY_SIDE_ROUNDS = 11  # a shared machine's speed drifts: more turn-about pairs give steadier medians
PDF_ROUNDS = 5  # turn-about pairs of the 20,000-item PDF and its platypus baseline
HEAVY_ROUNDS = 5  # turn-about pairs of a 20,000-item build and its verify (5-15 s each): their ratio is a goal
QUICK_ROUNDS = 3  # --quick: turn-about pairs of the EVE build and the imports (every other pair runs once)
PROFILED_FUNCTIONS = 15  # the profile's functions of most cumulative time in RESULTS.md
OWN_TIME_FUNCTIONS = 10  # and of most time of their own
MAKE_COMPARED = "EVE roadmap: `make all` after a one-word change vs the build alone"
QUICK_MEMORY_PER_THOUSAND = 40.0  # MiB of the tree per 1,000 items: a blow-up guard (16-30 measured), not the goal
PROFILE_SCRIPT = (
    "import cProfile, sys; from evepub.cli import main; profile = cProfile.Profile(); "
    "status = profile.runcall(main, sys.argv[2:]); profile.dump_stats(sys.argv[1]); sys.exit(status)"
)  # in the process, as `python -m cProfile` cannot: the evepub program ends with os._exit, before it writes


@dataclass(frozen=True)
class Run:
    """What one command cost: wall and CPU seconds, peak memory of its process tree in MiB, and its exit status."""

    wall: float
    cpu: float
    peak_mib: float
    status: int = 0


@dataclass(frozen=True)
class Figures:
    """The medians of several runs of one command, the range of their wall times, and how many did not exit 0."""

    wall: float
    cpu: float
    peak_mib: float
    fastest: float
    slowest: float
    runs: int = 1
    failures: int = 0

    @classmethod
    def of(cls, runs: list[Run]) -> Figures:
        """Each figure's median over the runs."""
        walls = [run.wall for run in runs]
        return cls(
            statistics.median(walls),
            statistics.median(run.cpu for run in runs),
            statistics.median(run.peak_mib for run in runs),
            min(walls),
            max(walls),
            len(runs),
            sum(1 for run in runs if run.status != 0),
        )

    def summary(self) -> str:
        """Median wall time and its range, and the median CPU time, for the table of comparisons."""
        return f"{self.wall:.2f} s ({self.fastest:.2f}-{self.slowest:.2f}), CPU {self.cpu:.2f} s"


@dataclass(frozen=True)
class Comparison:
    """Two commands run turn about, each round one of each: the medians of both and the ratio of their wall times."""

    name: str
    first_name: str
    second_name: str
    first: Figures
    second: Figures
    rounds: int

    @property
    def ratio(self) -> float:
        """The first command's median wall time over the second's."""
        return self.first.wall / self.second.wall

    def measured(self) -> str:
        """Both medians and their ratio, for the table of targets."""
        return f"{self.first.wall:.2f} s vs {self.second.wall:.2f} s = {self.ratio:.2f}x"


@dataclass(frozen=True)
class Target:
    """One target of issue 16: what was measured, the goal, and whether it is met."""

    name: str
    measured: str
    goal: str
    met: bool
    timed: bool = True  # depends on the machine's speed; --quick reports it but does not fail on it


@dataclass(frozen=True)
class Plan:
    """What one run of the bench measures: sizes, repeats and rounds, full or --quick."""

    quick: bool
    sizes: tuple[int, ...]  # built to all four formats
    format_sizes: tuple[int, ...]  # built to each format alone too
    repeats: dict[int, int]  # runs of each size
    rounds: int  # turn-about pairs of the EVE build and the imports
    eve_rounds: int  # turn-about pairs of the EVE build and its verify, and of `make all` and the build
    pdf_rounds: int
    heavy_rounds: int  # turn-about pairs of the large build and its verify

    @classmethod
    def of(cls, quick: bool) -> Plan:
        """The plan of a full run or of --quick."""
        if quick:
            return cls(True, QUICK_SIZES, (), dict.fromkeys(QUICK_SIZES, 1), QUICK_ROUNDS, 1, 1, 1)
        repeats = {**dict.fromkeys(SIZES, REPEATS), LARGEST: LARGEST_REPEATS}
        rounds = SIDE_BY_SIDE_ROUNDS
        return cls(False, (*SIZES, LARGEST), SIZES, repeats, rounds, rounds, PDF_ROUNDS, HEAVY_ROUNDS)

    @property
    def compared_size(self) -> int:
        """The size of the PDF baseline, the verify comparisons and the many-releases shape."""
        return QUICK_SIZES[-1] if self.quick else TARGET_SIZE


@dataclass
class Measured:
    """Everything one run of the bench measured, for the targets and the report."""

    results: dict[tuple[int, str], Figures]
    output_bytes: dict[int, int]
    imports: Comparison
    pdf: Comparison
    verify: dict[str, Comparison]  # by what was built: synthetic, many releases, EVE
    make: Comparison | str  # the failure of the first `make all`, if it failed
    make_again: Figures | None
    libraries: dict[str, set[str]]
    profile: list[str] = field(default_factory=list)


def child_environment(work: Path) -> dict[str, str]:
    """The environment of every measured process: fixed dates, bytecode and evepub's cache of its own, kept warm."""
    environment = dict(os.environ, SOURCE_DATE_EPOCH=EPOCH, PYTHONPYCACHEPREFIX=str(work / "pycache"))
    environment["EVEPUB_CACHE_DIR"] = str(work / "cache")
    environment.pop("PYTHONDONTWRITEBYTECODE", None)
    return environment


def tree_rss(pid: int) -> int:
    """Bytes resident in a process and all its descendants (pages shared after fork count once per process)."""
    total, stack = 0, [pid]
    page = os.sysconf("SC_PAGE_SIZE")
    while stack:
        current = stack.pop()
        try:
            total += int(Path(f"/proc/{current}/statm").read_text().split()[1]) * page
            for task in Path(f"/proc/{current}/task").iterdir():
                stack.extend(int(child) for child in (task / "children").read_text().split())
        except (OSError, ValueError):
            continue  # the process ended between two reads
    return total


class TreeSampler(threading.Thread):
    """Samples the resident memory of a process tree until stopped, keeping the peak."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak = pid, 0
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(SAMPLE_SECONDS):
            self.peak = max(self.peak, tree_rss(self.pid))


def measure(command: list[str], environment: dict[str, str] | None = None, allowed: tuple[int, ...] = (0,)) -> Run:
    """Wall time, CPU time (user + system, the process and its waited-for children) and peak memory of one command."""
    with tempfile.TemporaryFile() as errors:  # a file, not a pipe: a chatty process cannot fill it and stall
        started = time.perf_counter()
        process = subprocess.Popen(command, cwd=ROOT, env=environment, stdout=subprocess.DEVNULL, stderr=errors)
        sampler = TreeSampler(process.pid)
        sampler.start()
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        sampler.done.set()
        sampler.join()
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode not in allowed:
            errors.seek(0)
            message = errors.read().decode(errors="replace").strip()
            raise SystemExit(f"bench: {' '.join(command)} failed ({process.returncode}): {message}")
    # ru_maxrss is the largest single process of the tree; the sampled sum can only miss a peak shorter than a sample
    peak = max(sampler.peak, usage.ru_maxrss * 1024)
    return Run(wall, usage.ru_utime + usage.ru_stime, peak / 2**20, process.returncode)


def figures(command: list[str], repeats: int, work: Path) -> Figures:
    """The medians of several measured runs."""
    return Figures.of([measure(command, child_environment(work)) for _ in range(repeats)])


def warm_up(work: Path) -> None:
    """Run everything once unmeasured, so that every module is compiled to bytecode and every file is cached."""
    environment = child_environment(work)
    measure(build_command(EVE, work / "warm-up", ",".join(FORMATS)), environment)
    measure([PYTHON, "-c", LIBRARIES], environment)
    measure(platypus_command(EVE, work / "warm-up" / "platypus.pdf"), environment)
    measure(verify_command(EVE, work / "warm-up"), environment)


def build_command(source: Path, outdir: Path, formats: str) -> list[str]:
    """An evepub build of some formats."""
    return [PYTHON, "-m", "evepub", "build", str(source), "-o", str(outdir), "--format", formats, "--quiet"]


def verify_command(source: Path, outdir: Path) -> list[str]:
    """`evepub verify` of a build."""
    return [PYTHON, "-m", "evepub", "verify", str(source), "-o", str(outdir)]


def platypus_command(source: Path, output: Path) -> list[str]:
    """bench/platypus_alone.py: ReportLab's platypus alone setting the texts of a source."""
    return [PYTHON, str(ROOT / "bench" / "platypus_alone.py"), str(source), str(output)]


def progress(text: str) -> None:
    """A line on the terminal about what the bench is doing."""
    print(text, file=sys.stderr, flush=True)


def generate(size: int, path: Path, releases: int | None = None) -> Path:
    """A synthetic source from bench/generate.py, in releases of its usual size or in `releases` releases."""
    command = [PYTHON, str(ROOT / "bench" / "generate.py"), str(size), str(path)]
    subprocess.run([*command, *(["--releases", str(releases)] if releases else [])], check=True)
    return path


def synthetic_sources(sizes: tuple[int, ...], work: Path) -> dict[int, Path]:
    """One synthetic source per size, from bench/generate.py."""
    return {size: generate(size, work / f"synthetic-{size}.yaml") for size in sizes}


def build_everything(plan: Plan, paths: dict[int, Path], work: Path) -> dict[tuple[int, str], Figures]:
    """Each size built to all four formats and, for plan.format_sizes, to each alone: every build once a round."""
    jobs = [(size, name) for size in plan.sizes for name in (*FORMATS, ALL) if name == ALL or size in plan.format_sizes]
    runs: dict[tuple[int, str], list[Run]] = {job: [] for job in jobs}
    environment = child_environment(work)
    for round_number in range(max(plan.repeats.values())):
        for size, name in (job for job in jobs if plan.repeats[job[0]] > round_number):
            formats = ",".join(FORMATS) if name == ALL else name
            run = measure(build_command(paths[size], work / f"{name}-{size}", formats), environment)
            runs[size, name].append(run)
            progress(
                f"round {round_number + 1}: {size:>7,} items  {name:<4}  {run.wall:6.2f} s wall  {run.cpu:6.2f} s CPU"
            )
    return {job: Figures.of(found) for job, found in runs.items()}


def turn_about(
    names: tuple[str, str, str],
    commands: tuple[list[str], list[str]],
    rounds: int,
    work: Path,
    before: Callable[[int], None] | None = None,
    allowed: tuple[int, ...] = (0,),
) -> Comparison:
    """Two commands run turn about, the first then the second, `rounds` times; `before` prepares each round."""
    environment = child_environment(work)
    first_runs, second_runs = [], []
    for number in range(rounds):
        if before is not None:
            before(number)
        first_runs.append(measure(commands[0], environment, allowed))
        second_runs.append(measure(commands[1], environment, allowed))
    return Comparison(*names, Figures.of(first_runs), Figures.of(second_runs), rounds)


def side_by_side(rounds: int, work: Path) -> Comparison:
    """The EVE roadmap built to all four formats, and Python importing the five libraries, run turn about."""
    progress("EVE roadmap and library imports, turn about")
    eve = build_command(EVE, work / "eve", ",".join(FORMATS))
    names = ("EVE roadmap, four formats, vs importing the five libraries", "EVE build", "imports")
    return turn_about(names, (eve, [PYTHON, "-c", LIBRARIES]), rounds, work)


def pdf_against_platypus(source: Path, size: int, rounds: int, work: Path) -> Comparison:
    """The PDF alone and ReportLab's platypus alone setting the same paragraphs, run turn about."""
    progress(f"PDF of {size:,} items and platypus alone, turn about")
    pdf = build_command(source, work / f"pdf-{size}", "pdf")
    names = (f"{size:,} items: PDF alone vs platypus alone", "evepub PDF", "platypus alone")
    return turn_about(names, (pdf, platypus_command(source, work / "platypus" / "roadmap.pdf")), rounds, work)


def verify_against_build(name: str, source: Path, outdir: Path, rounds: int, work: Path) -> Comparison:
    """`evepub verify` of a build, and the build of the same source (all four formats), run turn about."""
    progress(f"{name}: build and verify, turn about")
    build = build_command(source, outdir, ",".join(FORMATS))
    # the build goes first, so that verify reads what it wrote; verify's exit status 1 (a difference) is counted
    found = turn_about((name, "build", "verify"), (build, verify_command(source, outdir)), rounds, work, None, (0, 1))
    return Comparison(f"{name}: verify vs build", "verify", "build", found.second, found.first, rounds)


def edit_one_word(original: str, path: Path, number: int) -> None:
    """Write the source with the first word of its first item text changed, differently each round."""
    edited, count = re.subn(r"^(\s*(?:- )?text: )[A-Za-z]\w*", rf"\g<1>Edited{number}", original, count=1, flags=re.M)
    if not count:
        raise SystemExit("bench: the EVE roadmap has no item text to change for the `make all` comparison")
    path.write_text(edited, encoding="utf-8")


def make_against_build(rounds: int, work: Path) -> tuple[Comparison | str, Figures | None]:
    """`make all` after a one-word change to a copy of the EVE roadmap, and the build alone, run turn about; then
    `make all` with nothing changed. What failed instead, if the first `make all` fails."""
    progress("`make all` after a change, and the build alone, turn about")
    copy, original = work / "make-source" / "roadmap.yaml", EVE.read_text(encoding="utf-8")
    copy.parent.mkdir(parents=True, exist_ok=True)
    copy.write_text(original, encoding="utf-8")
    make = ["make", "-s", "all", f"SOURCE={copy}", f"OUTDIR={work / 'make'}"]
    first = subprocess.run(make, cwd=ROOT, capture_output=True, text=True, env=child_environment(work))
    if first.returncode != 0:
        said = (first.stderr.strip() or first.stdout.strip() or "no message").splitlines()[-1]
        return f"the first `make all` failed: {said}", None
    build = build_command(copy, work / "make-build", ",".join(FORMATS))
    names = (MAKE_COMPARED, "make all", "build")
    found = turn_about(names, (make, build), rounds, work, lambda number: edit_one_word(original, copy, number))
    progress("second `make all` with nothing changed")
    return found, figures(make, REPEATS, work)


def imported_libraries(work: Path) -> dict[str, set[str]]:
    """Which of python-docx, reportlab and openpyxl a build of each single format imports."""
    found = {}
    for name in FORMATS:
        script = (
            "import sys; from evepub.build import build; "
            f"build({str(EVE)!r}, {str(work / 'imports' / name)!r}, [{name!r}]); "
            "print(','.join(sorted({m.split('.')[0] for m in sys.modules} & {'reportlab', 'openpyxl', 'docx'})))"
        )
        done = subprocess.run(
            [PYTHON, "-c", script], capture_output=True, text=True, check=True, cwd=ROOT, env=child_environment(work)
        )
        found[name] = set(filter(None, done.stdout.strip().split(",")))
    return found


def output_bytes(outdir: Path) -> int:
    """Bytes of every output a build wrote (its own hidden files left out)."""
    return sum(path.stat().st_size for path in outdir.rglob("*") if path.is_file() and not path.name.startswith("."))


def many_releases(size: int) -> str:
    """The name of the many-releases shape at a size."""
    return f"{size:,} items in {size // ITEMS_PER_RELEASE} releases"


def slowest_format(results: dict[tuple[int, str], Figures], size: int) -> str:
    """The format whose build of its own takes longest at a size."""
    return max(FORMATS, key=lambda name: results[size, name].wall)


def profile(source: Path, name: str, work: Path) -> list[str]:
    """One build of a format under cProfile, in a process of its own: the functions of most cumulative time."""
    progress(f"profile of the {name} build at {TARGET_SIZE:,} items")
    stats_file = work / f"profile-{name}.prof"
    arguments = ["build", str(source), "-o", str(work / f"profile-{name}"), "--format", name, "--quiet"]
    command = [PYTHON, "-c", PROFILE_SCRIPT, str(stats_file), *arguments]
    subprocess.run(command, check=True, cwd=ROOT, env=child_environment(work), stdout=subprocess.DEVNULL)
    return profile_table(stats_file, f"The {name} build alone at {TARGET_SIZE:,} items (the slowest format)")


def profile_table(stats_file: Path, what: str) -> list[str]:
    """The functions of a cProfile file of most cumulative time, then those of most time of their own, as tables."""
    stats = pstats.Stats(str(stats_file))
    entries = list(stats.stats.items())
    total = max(stats.total_tt, *(cumulative for _, (_, _, _, cumulative, _) in entries))
    return [
        f"{what}, once under cProfile in a process of its own:",
        f"{total:.2f} s profiled (cProfile slows down most what makes many small calls).",
        f"The {PROFILED_FUNCTIONS} functions of most cumulative time:",
        "",
        *profile_rows(entries, total, by_own_time=False),
        "",
        f"The {OWN_TIME_FUNCTIONS} of most time of their own (leaving out the functions they call):",
        "",
        *profile_rows(entries, total, by_own_time=True),
    ]


def profile_rows(entries: list[tuple[tuple[str, int, str], tuple]], total: float, by_own_time: bool) -> list[str]:
    """A Markdown table of the top profiled functions, by cumulative time or by time of their own."""
    key = 2 if by_own_time else 3  # (primitive calls, calls, own time, cumulative time, callers)
    ranked = sorted(entries, key=lambda entry: entry[1][key], reverse=True)
    ranked = ranked[: OWN_TIME_FUNCTIONS if by_own_time else PROFILED_FUNCTIONS]
    lines = ["| function | calls | own s | cumulative s | % |", "| --- | ---: | ---: | ---: | ---: |"]
    for (path, line, function), (_, calls, own, cumulative, _) in ranked:
        share = (own if by_own_time else cumulative) / total
        lines.append(f"| `{where(path, line, function)}` | {calls:,} | {own:.2f} | {cumulative:.2f} | {share:.0%} |")
    return lines


def where(path: str, line: int, function: str) -> str:
    """A profiled function as file:line(function), the file relative to site-packages or to the project."""
    if path == "~":
        return function  # a built-in
    if "site-packages" + os.sep in path:
        path = path.split("site-packages" + os.sep, 1)[1]
    elif path.startswith(str(ROOT) + os.sep):
        path = path[len(str(ROOT)) + 1 :]
    return f"{path}:{line}({function})"


def ratio_target(comparison: Comparison, name: str, limit: float) -> Target:
    """A target on the ratio of two commands run turn about."""
    return Target(f"{name} (turn about)", comparison.measured(), f"<= {limit}x", comparison.ratio <= limit)


def goals(plan: Plan, measured: Measured) -> list[Target]:
    """The goals of issue 16 in its order; --quick has no builds of 20,000 and 100,000 items, and compares at 2,000."""
    size = plan.compared_size
    found = large_size_goals(measured)[:2] if not plan.quick else []
    found.append(ratio_target(measured.pdf, f"{size:,} items: PDF alone vs ReportLab's platypus alone", 1.5))
    found += [
        ratio_target(comparison, f"`evepub verify` vs the build, {what}", 1.0)
        for what, comparison in measured.verify.items()
    ]
    if isinstance(measured.make, str):
        found.append(Target(f"{MAKE_COMPARED} (turn about)", measured.make, "<= 1.6x", False))
    else:
        found.append(ratio_target(measured.make, measured.make.name, 1.6))
    found += large_size_goals(measured)[2:] if not plan.quick else []
    found.append(ratio_target(measured.imports, measured.imports.name, 1.4))
    return found


def large_size_goals(measured: Measured) -> list[Target]:
    """The goals at 20,000 items (two shapes) and at 100,000 items, from a full run."""
    large, largest = measured.results[TARGET_SIZE, ALL], measured.results[LARGEST, ALL]
    many = measured.verify[many_releases(TARGET_SIZE)].second
    return [
        Target(f"{TARGET_SIZE:,} items, four formats: wall time", f"{large.wall:.2f} s", "<= 4 s", large.wall <= 4),
        Target(
            f"{many_releases(TARGET_SIZE)} (many small releases), four formats: wall time",
            f"{many.wall:.2f} s",
            "<= 4 s",
            many.wall <= 4,
        ),
        Target(f"{LARGEST:,} items, four formats: wall time", f"{largest.wall:.2f} s", "<= 20 s", largest.wall <= 20),
        Target(
            f"{LARGEST:,} items, four formats: peak memory of the process tree",
            f"{largest.peak_mib:.0f} MiB",
            "<= 1,024 MiB",
            largest.peak_mib <= 1024,
            timed=False,
        ),
        growth_target(measured.results, TARGET_SIZE, LARGEST, 5.5),
    ]


def growth_target(results: dict[tuple[int, str], Figures], small: int, large: int, limit: float) -> Target:
    """How the wall time of a build of all four formats grows from one size to another."""
    growth = results[large, ALL].wall / results[small, ALL].wall
    name = f"growth {small:,} -> {large:,} items, four formats (wall, builds taking turns)"
    return Target(name, f"{growth:.1f}x", f"<= {limit}x", growth <= limit)


def checks(plan: Plan, measured: Measured) -> list[Target]:
    """Earlier targets, and the checks that do not depend on the machine's speed (growth, imports, verify)."""
    found = [] if plan.quick else [growth_target(measured.results, SIZES[1], TARGET_SIZE, 11)]
    if measured.make_again is not None:
        again = measured.make_again
        found.append(
            Target("second `make all` with nothing changed", f"{again.wall:.3f} s", "< 0.1 s", again.wall < 0.1)
        )
    small, middle = QUICK_SIZES
    factor = middle / small
    grown = measured.output_bytes[middle] / measured.output_bytes[small]
    low, high = measured.results[small, ALL].peak_mib, measured.results[middle, ALL].peak_mib
    per_thousand = (high - low) / (middle - small) * 1000
    libraries = measured.libraries
    unexpected = {name: imported - HEAVY[name] for name, imported in libraries.items() if imported - HEAVY[name]}
    found += [
        Target(
            f"output bytes, four formats, {small:,} -> {middle:,} items (at most linear)",
            f"{measured.output_bytes[small]:,} -> {measured.output_bytes[middle]:,} = {grown:.1f}x",
            f"<= {factor * 1.1:.0f}x",
            grown <= factor * 1.1,
            timed=False,
        ),
        Target(
            f"peak memory of the process tree per 1,000 items above the {small:,}-item build, at {middle:,} items",
            f"{low:.0f} -> {high:.0f} MiB = {per_thousand:.1f} MiB per 1,000 items",
            f"<= {QUICK_MEMORY_PER_THOUSAND:.0f} MiB per 1,000 items",
            per_thousand <= QUICK_MEMORY_PER_THOUSAND,
            timed=False,
        ),
        Target(
            "each format alone imports only its own library (Markdown: none of reportlab, openpyxl, python-docx)",
            "; ".join(f"{name}: {', '.join(sorted(imported)) or 'none'}" for name, imported in libraries.items()),
            "own library only",
            not unexpected,
            timed=False,
        ),
    ]
    for what, comparison in measured.verify.items():
        failed = comparison.first.failures
        said = f"FAILS {failed} of {comparison.rounds} runs" if failed else "passes"
        found.append(Target(f"`evepub verify` passes, {what}", said, "passes", not failed, timed=False))
    return found


def machine() -> str:
    """What this machine is: system, processor, cores, memory, Python and the libraries' versions."""
    model = "unknown processor"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    names = ("PyYAML", "Jinja2", "python-docx", "reportlab", "rl_accel", "openpyxl", "lxml")
    libraries = ", ".join(f"{name} {version(name)}" for name in names)
    return (
        f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores ({model}), {memory:.0f} GiB, "
        f"Python {platform.python_version()}; {libraries}"
    )


def load_average() -> str:
    """The 1-minute load average: how busy the machine was with other work too."""
    return f"{os.getloadavg()[0]:.2f}" if hasattr(os, "getloadavg") else "unknown"


def size_table(results: dict[tuple[int, str], Figures], sizes: tuple[int, ...]) -> list[str]:
    """Wall, CPU and memory per format and size, with the growth factor from each size to the next."""
    lines = [
        "| format | items | runs | wall s (median) | wall s (range) | CPU s | peak MiB | growth wall | growth CPU |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name in (*FORMATS, ALL):
        previous: Figures | None = None
        for size in (size for size in sizes if (size, name) in results):
            found = results[size, name]
            growth = f"{found.wall / previous.wall:.1f}x" if previous else ""
            cpu_growth = f"{found.cpu / previous.cpu:.1f}x" if previous else ""
            lines.append(
                f"| {name} | {size:,} | {found.runs} | {found.wall:.2f} "
                f"| {found.fastest:.2f}-{found.slowest:.2f} | {found.cpu:.2f} | {found.peak_mib:.0f} "
                f"| {growth} | {cpu_growth} |"
            )
            previous = found
    return lines


def comparison_table(comparisons: list[Comparison]) -> list[str]:
    """Every pair of commands run turn about: the medians and ranges of both, and the ratio."""
    lines = [
        "| compared | rounds | first: median wall (range), CPU | second: median wall (range), CPU | ratio (wall) |",
        "| --- | ---: | --- | --- | ---: |",
    ]
    for found in comparisons:
        lines.append(
            f"| {found.name} | {found.rounds} | {found.first_name}: {found.first.summary()} "
            f"| {found.second_name}: {found.second.summary()} | {found.ratio:.2f}x |"
        )
    return lines


def tried() -> list[str]:
    """bench/TRIED.md as it is: what the engineers tried that did not help."""
    if not TRIED.exists():
        return ["## What was tried that did not help", "", "(bench/TRIED.md is missing)"]
    return TRIED.read_text(encoding="utf-8").rstrip("\n").splitlines()


def meaning(plan: Plan, context: dict[str, str]) -> list[str]:
    """What each figure of the report means and how it was measured."""
    size = plan.compared_size
    return [
        "## What the figures mean",
        "",
        "- Every figure comes from a separate process: `python -m evepub build SOURCE -o DIR --format F --quiet`, run",
        f"  {context['repeats']}, with `SOURCE_DATE_EPOCH` set, bytecode compiled and evepub's cache (compiled",
        "  templates, font metrics) filled beforehand by one unmeasured warm-up build, as every build after the first",
        "  has them. The builds of the table take turns: one round builds every size and format once, then the next",
        "  round. Figures are medians; the range is the fastest and slowest wall time.",
        "- **wall**: seconds from starting the process to its end. **CPU**: user + system seconds of the process and",
        "  of the worker processes it waited for (a build of several formats renders them in parallel).",
        "- **peak MiB**: the largest resident memory of the whole process tree, sampled every 20 ms as the sum over",
        "  the build and its workers (pages that forked workers still share with the build count once per process,",
        "  so this overstates), and never less than the largest single process as the kernel reports it.",
        "- **growth**: a figure divided by the same figure at the previous size; 10x the items gives 10x when linear.",
        "- **Ratios** compare two commands run turn about (one of each, then again) in the same run, the medians of",
        "  their wall times: the EVE build (all four formats) and `python -c " + f'"{LIBRARIES}"`;',
        f"  at {size:,} items the PDF alone and `bench/platypus_alone.py`, which sets the same headings, paragraphs,",
        "  notes and list entries with plain platypus (SimpleDocTemplate, one Paragraph each, bullets and numbers as",
        "  bulletText, the same DejaVu TrueType faces, the same sizes) and nothing else: no cover, contents, badges,",
        "  links, item details or outline; `python -m evepub verify SOURCE -o DIR` and the build of the same source",
        "  into DIR, each build first; `make -s all SOURCE=COPY OUTDIR=DIR` (which builds with `--verify`) after one",
        "  word of an item of COPY, a copy of the EVE roadmap, changed before each round, and",
        "  `python -m evepub build COPY -o DIR2 --quiet`.",
        "- Synthetic roadmaps come from `bench/generate.py`: releases of six areas (about 470 items each), nested",
        "  lists (bullets, numbers, letters), paragraphs owning lists, TODO notes, statuses, links, owners, target",
        "  dates, notes and non-ASCII words. The many-releases shape (`generate.py COUNT OUT --releases N`) has the",
        f"  same kinds of items, {size:,} of them in {size // ITEMS_PER_RELEASE} releases of {ITEMS_PER_RELEASE},"
        " and so as many per-release trackers.",
        "- Checks that do not depend on the machine's speed (`make bench-quick` fails only on those): the bytes of",
        f"  every output and the peak memory from {QUICK_SIZES[0]:,} to {QUICK_SIZES[1]:,} items (10x the items), the",
        "  libraries each format imports, and that every `evepub verify` passed. `make bench-quick` builds",
        f"  {QUICK_SIZES[0]:,} and {QUICK_SIZES[1]:,} items (four formats, once each) and compares at"
        f" {QUICK_SIZES[1]:,} items, each pair once (the EVE build and the imports {QUICK_ROUNDS} times).",
    ]


def render(plan: Plan, targets: list[Target], measured: Measured, notes: list[str], context: dict[str, str]) -> str:
    """RESULTS.md: the machine, the targets, what each figure means, every format and size, the profile, what failed."""
    lines = [
        "# Benchmark results",
        "",
        f"Machine: {context['machine']}.",
        f"The machine is shared: {context['load']}; {context['others']}.",
        "Regenerate with `make bench` (`make bench-quick` for CI)."
        + (" This is a `--quick` run." if plan.quick else ""),
        "",
        "## Targets",
        "",
        "| target | measured | goal | met |",
        "| --- | --- | --- | --- |",
        *(f"| {check.name} | {check.measured} | {check.goal} | {'yes' if check.met else 'NO'} |" for check in targets),
        "",
        *meaning(plan, context),
        "",
        "## Every format and size",
        "",
        *size_table(measured.results, plan.sizes),
        "",
        "## Side by side",
        "",
        *comparison_table(comparisons(measured)),
        "",
        *notes,
        "## The profile of the slowest step",
        "",
        *(measured.profile or ["Measured by the full `make bench` only."]),
        "",
        *tried(),
        "",
    ]
    return "\n".join(lines)


def comparisons(measured: Measured) -> list[Comparison]:
    """Every pair of commands this run compared."""
    found = [measured.imports, measured.pdf, *measured.verify.values()]
    return found + ([measured.make] if isinstance(measured.make, Comparison) else [])


def fresh_folder(work: Path) -> None:
    """Empty the work folder, refusing a folder given with --work that holds anything but an earlier bench's files."""
    if work != WORK and work.exists() and any(work.iterdir()) and not (work / MARKER).exists():
        raise SystemExit(f"bench: {work} is not empty and not a bench work folder; give another --work")
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    (work / MARKER).touch()


def busy_seconds() -> float:
    """CPU seconds the whole machine has spent busy since boot, from /proc/stat (0 where there is none)."""
    stat = Path("/proc/stat")
    if not stat.exists():
        return 0.0
    fields = [int(value) for value in stat.read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle and iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def own_seconds() -> float:
    """CPU seconds of this bench and every process it has waited for."""
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


def measure_everything(plan: Plan, work: Path) -> Measured:
    """Every measurement of the bench: the table of sizes, then the pairs run turn about, then the profile."""
    size = plan.compared_size
    paths = synthetic_sources(plan.sizes, work)
    many = generate(size, work / f"many-releases-{size}.yaml", size // ITEMS_PER_RELEASE)
    warm_up(work)
    results = build_everything(plan, paths, work)
    imports = side_by_side(plan.rounds, work)
    pdf = pdf_against_platypus(paths[size], size, plan.pdf_rounds, work)
    verify = {
        f"{size:,} items": verify_against_build(
            f"{size:,} items", paths[size], work / f"{ALL}-{size}", plan.heavy_rounds, work
        ),
        many_releases(size): verify_against_build(
            many_releases(size), many, work / f"many-{size}", plan.heavy_rounds, work
        ),
        "EVE roadmap": verify_against_build("EVE roadmap", EVE, work / "eve-verify", plan.eve_rounds, work),
    }
    make, make_again = make_against_build(plan.eve_rounds, work)
    measured = Measured(
        results=results,
        output_bytes={size: output_bytes(work / f"{ALL}-{size}") for size in plan.sizes},
        imports=imports,
        pdf=pdf,
        verify=verify,
        make=make,
        make_again=make_again,
        libraries=imported_libraries(work),
    )
    if not plan.quick:
        measured.profile = profile(paths[TARGET_SIZE], slowest_format(results, TARGET_SIZE), work)
    return measured


def notes(plan: Plan, measured: Measured) -> list[str]:
    """The notes under the tables: the slowest format, and what `make all` costs with nothing to do."""
    lines = []
    if not plan.quick:
        name = slowest_format(measured.results, TARGET_SIZE)
        alone, together = measured.results[TARGET_SIZE, name], measured.results[TARGET_SIZE, ALL]
        lines.append(
            f"At {TARGET_SIZE:,} items the slowest format is {name}: {alone.wall:.2f} s wall and {alone.cpu:.2f} s "
            f"CPU in a build of its own, against {together.wall:.2f} s for all four, which cannot end before it does."
        )
    if measured.make_again is not None:
        again = measured.make_again
        lines.append(
            f"`make all` with nothing changed: {again.wall:.3f} s wall ({again.fastest:.3f}-{again.slowest:.3f})."
        )
    return [part for line in lines for part in (line, "")]


def main() -> int:
    """Run the benchmark and write its report (exit status 1 when a target is not met)."""
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--quick", action="store_true", help="200 and 2,000 items, four formats, once each; for CI")
    parser.add_argument("--output", type=Path, help="the report (default bench/RESULTS.md; --quick: in WORK)")
    parser.add_argument("--work", type=Path, default=WORK, help="a folder for sources and outputs, emptied first")
    args = parser.parse_args()
    work = args.work.resolve()
    fresh_folder(work)
    plan = Plan.of(args.quick)
    started, load_before, busy, own = time.perf_counter(), load_average(), busy_seconds(), own_seconds()
    measured = measure_everything(plan, work)
    targets = [*goals(plan, measured), *checks(plan, measured)]
    elapsed = time.perf_counter() - started
    others = max(busy_seconds() - busy - (own_seconds() - own), 0.0)
    context = {
        "machine": machine(),
        "load": f"load average (1 minute) {load_before} before the run, {load_average()} after",
        "others": f"other processes kept {others / elapsed:.0%} of one core busy during its {elapsed / 60:.1f} minutes",
        "repeats": "once" if plan.quick else f"{REPEATS} times ({LARGEST_REPEATS} at {LARGEST:,} items)",
    }
    report = render(plan, targets, measured, notes(plan, measured), context)
    output = args.output or (work / "RESULTS-quick.md" if plan.quick else RESULTS)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(report, encoding="utf-8")
    print(report)
    failed = [check for check in targets if not check.met and not (plan.quick and check.timed)]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
