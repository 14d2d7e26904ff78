"""The benchmark behind `make bench`: build time, CPU and memory per format and size, checked against the targets.

Every figure comes from separate `evepub` processes, run with compiled bytecode (a warm-up run first) the way an
installed evepub runs. Wall and CPU time are medians of several runs; CPU time and peak memory cover the whole
process tree, because a build of several formats renders them in parallel worker processes.
`--quick` (for CI) builds the smallest size once per format and checks only what does not depend on the machine's
speed: that the bench runs, that `evepub verify` passes, and which libraries each format imports.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from evepub.formats import FORMATS as FORMAT_TABLE

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "bench" / "out"  # sources, outputs and bytecode of a run; replaced by every run
MARKER = ".evepub-bench"  # marks a work folder as the bench's own, safe to empty
RESULTS = ROOT / "bench" / "RESULTS.md"
PYTHON = sys.executable
FORMATS = tuple(FORMAT_TABLE)
ALL = "all"
SIZES = (200, 2_000, 20_000)
LIBRARIES = "import yaml, jinja2, docx, reportlab.platypus, openpyxl"
HEAVY = {name: set(row.libraries) for name, row in FORMAT_TABLE.items()}  # what each format may import
EPOCH = "1700000000"
SAMPLE_SECONDS = 0.02
SIDE_BY_SIDE_ROUNDS = 11  # a shared machine's speed drifts: more turn-about pairs give steadier medians


@dataclass(frozen=True)
class Run:
    """What one command cost: wall and CPU seconds, peak memory of its process tree in MiB."""

    wall: float
    cpu: float
    peak_mib: float


@dataclass(frozen=True)
class Figures:
    """The medians of several runs of one command, and the range of their wall times."""

    wall: float
    cpu: float
    peak_mib: float
    fastest: float
    slowest: float

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
        )


@dataclass(frozen=True)
class Target:
    """One target of issue 7: what was measured, the goal, and whether it is met."""

    name: str
    measured: str
    goal: str
    met: bool
    timed: bool = True  # depends on the machine's speed; --quick reports it but does not fail on it


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


def measure(command: list[str], environment: dict[str, str] | None = None) -> Run:
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
        if process.returncode != 0:
            errors.seek(0)
            message = errors.read().decode(errors="replace").strip()
            raise SystemExit(f"bench: {' '.join(command)} failed ({process.returncode}): {message}")
    # ru_maxrss is the largest single process of the tree; the sampled sum can only miss a peak shorter than a sample
    peak = max(sampler.peak, usage.ru_maxrss * 1024)
    return Run(wall, usage.ru_utime + usage.ru_stime, peak / 2**20)


def figures(command: list[str], repeats: int, work: Path) -> Figures:
    """The medians of several measured runs."""
    return Figures.of([measure(command, child_environment(work)) for _ in range(repeats)])


def warm_up(work: Path) -> None:
    """Run everything once unmeasured, so that every module is compiled to bytecode and every file is cached."""
    measure(
        build_command(ROOT / "source" / "roadmap.yaml", work / "warm-up", ",".join(FORMATS)), child_environment(work)
    )
    measure([PYTHON, "-c", LIBRARIES], child_environment(work))


def build_command(source: Path, outdir: Path, formats: str) -> list[str]:
    """An evepub build of some formats."""
    return [PYTHON, "-m", "evepub", "build", str(source), "-o", str(outdir), "--format", formats, "--quiet"]


def progress(text: str) -> None:
    """A line on the terminal about what the bench is doing."""
    print(text, file=sys.stderr, flush=True)


def synthetic_sources(sizes: tuple[int, ...], work: Path) -> dict[int, Path]:
    """One synthetic source per size, from bench/generate.py."""
    paths = {}
    for size in sizes:
        path = work / f"synthetic-{size}.yaml"
        subprocess.run([PYTHON, str(ROOT / "bench" / "generate.py"), str(size), str(path)], check=True)
        paths[size] = path
    return paths


def build_everything(paths: dict[int, Path], repeats: int, work: Path) -> dict[tuple[int, str], Figures]:
    """Each size built to each format alone and to all four together."""
    results = {}
    for size, path in paths.items():
        for name in (*FORMATS, ALL):
            formats = ",".join(FORMATS) if name == ALL else name
            results[size, name] = figures(build_command(path, work / f"{name}-{size}", formats), repeats, work)
            found = results[size, name]
            progress(f"{size:>7,} items  {name:<4}  {found.wall:6.2f} s wall  {found.cpu:6.2f} s CPU")
    return results


def side_by_side(rounds: int, work: Path) -> tuple[Figures, Figures]:
    """The EVE roadmap built to all four formats, and Python importing the five libraries, run turn about."""
    eve = build_command(ROOT / "source" / "roadmap.yaml", work / "eve", ",".join(FORMATS))
    imports = [PYTHON, "-c", LIBRARIES]
    environment = child_environment(work)
    eve_runs, import_runs = [], []
    for _ in range(rounds):
        eve_runs.append(measure(eve, environment))
        import_runs.append(measure(imports, environment))
    return Figures.of(eve_runs), Figures.of(import_runs)


def imported_libraries(work: Path) -> dict[str, set[str]]:
    """Which of python-docx, reportlab and openpyxl a build of each single format imports."""
    found = {}
    for name in FORMATS:
        script = (
            "import sys; from evepub.build import build; "
            f"build({str(ROOT / 'source' / 'roadmap.yaml')!r}, {str(work / 'imports' / name)!r}, [{name!r}]); "
            "print(','.join(sorted({m.split('.')[0] for m in sys.modules} & {'reportlab', 'openpyxl', 'docx'})))"
        )
        done = subprocess.run(
            [PYTHON, "-c", script], capture_output=True, text=True, check=True, cwd=ROOT, env=child_environment(work)
        )
        found[name] = set(filter(None, done.stdout.strip().split(",")))
    return found


def second_make(repeats: int, work: Path) -> Figures | str:
    """`make all` with nothing changed, after one make that builds and verifies; what failed if that make fails."""
    command = ["make", "-s", "all", f"OUTDIR={work / 'make'}"]
    first = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, env=child_environment(work))
    if first.returncode != 0:
        said = (first.stderr.strip() or first.stdout.strip() or "no message").splitlines()[-1]
        return f"the first `make all` failed: {said}"
    return figures(command, repeats, work)


def verify(source: Path, outdir: Path, work: Path) -> tuple[bool, float]:
    """Whether `evepub verify` passes on a build, and the seconds it took."""
    command = [PYTHON, "-m", "evepub", "verify", str(source), "-o", str(outdir)]
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, env=child_environment(work))
    seconds = time.perf_counter() - started
    if done.returncode not in (0, 1):
        raise SystemExit(f"bench: {' '.join(command)} failed: {done.stderr.strip()}")
    if done.returncode == 1:
        progress(done.stdout)
    return done.returncode == 0, seconds


def targets(
    results: dict[tuple[int, str], Figures],
    sizes: tuple[int, ...],
    eve: Figures,
    imports: Figures,
    libraries: dict[str, set[str]],
) -> list[Target]:
    """Every target that the sizes measured allow checking."""
    ratio = eve.wall / imports.wall
    unexpected = {name: found - HEAVY[name] for name, found in libraries.items() if found - HEAVY[name]}
    checks = [
        Target(
            "EVE roadmap, four formats, vs Python importing the five libraries (medians, run turn about)",
            f"{eve.wall:.2f} s vs {imports.wall:.2f} s = {ratio:.2f}x",
            "<= 1.5x",
            ratio <= 1.5,
        ),
        Target(
            "each format alone imports only its own library (Markdown: none of reportlab, openpyxl, python-docx)",
            "; ".join(f"{name}: {', '.join(sorted(found)) or 'none'}" for name, found in libraries.items()),
            "own library only",
            not unexpected,
            timed=False,
        ),
    ]
    if SIZES[-1] in sizes:
        large, middle = results[SIZES[-1], ALL], results[SIZES[1], ALL]
        growth = large.wall / middle.wall
        checks += [
            Target("20,000 items, four formats: wall time", f"{large.wall:.2f} s", "<= 10 s", large.wall <= 10),
            Target(
                "20,000 items, four formats: peak memory of the process tree",
                f"{large.peak_mib:.0f} MiB",
                "<= 1,024 MiB",
                large.peak_mib <= 1024,
            ),
            Target("growth 2,000 -> 20,000 items, four formats (wall)", f"{growth:.1f}x", "<= 11x", growth <= 11),
        ]
    return checks


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
        "| format | items | wall s (median) | wall s (range) | CPU s | peak MiB | growth wall | growth CPU |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name in (*FORMATS, ALL):
        previous: Figures | None = None
        for size in sizes:
            found = results[size, name]
            growth = f"{found.wall / previous.wall:.1f}x" if previous else ""
            cpu_growth = f"{found.cpu / previous.cpu:.1f}x" if previous else ""
            lines.append(
                f"| {name} | {size:,} | {found.wall:.2f} | {found.fastest:.2f}-{found.slowest:.2f} | {found.cpu:.2f} "
                f"| {found.peak_mib:.0f} | {growth} | {cpu_growth} |"
            )
            previous = found
    return lines


def render(
    checks: list[Target],
    results: dict[tuple[int, str], Figures],
    sizes: tuple[int, ...],
    extra: list[str],
    context: dict[str, str],
) -> str:
    """RESULTS.md: the machine, the targets, what each figure means, and every format and size."""
    lines = [
        "# Benchmark results",
        "",
        f"Machine: {context['machine']}.",
        f"The machine is shared: {context['load']}; {context['others']}.",
        "Regenerate with `make bench` (`make bench-quick` for CI).",
        "",
        "## Targets",
        "",
        "| target | measured | goal | met |",
        "| --- | --- | --- | --- |",
        *(f"| {check.name} | {check.measured} | {check.goal} | {'yes' if check.met else 'NO'} |" for check in checks),
        "",
        "## What the figures mean",
        "",
        "- Every figure comes from a separate process: `python -m evepub build SOURCE -o DIR --format F --quiet`, run",
        f"  {context['repeats']}, with `SOURCE_DATE_EPOCH` set, bytecode compiled and evepub's cache (compiled",
        "  templates, font metrics) filled beforehand by one unmeasured warm-up build, as every build after the first",
        "  has them. Figures are medians; the range is the fastest and slowest wall time.",
        "- **wall**: seconds from starting the process to its end. **CPU**: user + system seconds of the process and",
        "  of the worker processes it waited for (a build of several formats renders them in parallel).",
        "- **peak MiB**: the largest resident memory of the whole process tree, sampled every 20 ms as the sum over",
        "  the build and its workers (pages that forked workers still share with the build count once per process,",
        "  so this overstates), and never less than the largest single process as the kernel reports it.",
        "- **growth**: a figure divided by the same figure at the previous size; 10x the items gives 10x when linear.",
        "- The side-by-side target runs the EVE build and `python -c " + f'"{LIBRARIES}"`',
        f"  turn about, {context['rounds']} times each, and compares the medians of their wall times.",
        "- Synthetic roadmaps come from `bench/generate.py`: releases of six areas, nested lists (bullets, numbers,",
        "  letters), paragraphs owning lists, TODO notes, statuses, links, owners, target dates, notes and non-ASCII",
        "  words.",
        "",
        "## Every format and size",
        "",
        *size_table(results, sizes),
        "",
        *extra,
        "",
    ]
    return "\n".join(lines)


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


def measure_everything(quick: bool, work: Path) -> tuple[list[Target], dict[tuple[int, str], Figures], list[str]]:
    """Every measurement of the bench: the targets, the table of formats and sizes, and the notes under it."""
    sizes = SIZES[:1] if quick else SIZES
    repeats, rounds = (1, 3) if quick else (3, SIDE_BY_SIDE_ROUNDS)
    paths = synthetic_sources(sizes, work)
    warm_up(work)
    results = build_everything(paths, repeats, work)
    progress("EVE roadmap and library imports, turn about")
    eve, imports = side_by_side(rounds, work)
    checks = targets(results, sizes, eve, imports, imported_libraries(work))
    largest = sizes[-1]
    progress(f"evepub verify on the {largest:,}-item build")
    verified, verification = verify(paths[largest], work / f"{ALL}-{largest}", work)
    checks.append(
        Target(f"`evepub verify` on the {largest:,}-item build", "passes" if verified else "FAILS", "passes", verified,
               timed=False)
    )  # fmt: skip
    if not quick:
        progress("second `make all` with nothing changed")
        again = second_make(repeats, work)
        measured = again if isinstance(again, str) else f"{again.wall:.3f} s"
        met = not isinstance(again, str) and again.wall < 0.1
        checks.append(Target("second `make all` with nothing changed", measured, "< 0.1 s", met))
    notes = [
        f"EVE roadmap, four formats: {eve.wall:.2f} s wall ({eve.fastest:.2f}-{eve.slowest:.2f}), {eve.cpu:.2f} s CPU, "
        f"{eve.peak_mib:.0f} MiB. Importing the five libraries: {imports.wall:.2f} s wall "
        f"({imports.fastest:.2f}-{imports.slowest:.2f}), {imports.cpu:.2f} s CPU.",
        "",
        f"`evepub verify` of the {largest:,}-item build: {verification:.2f} s wall (one run).",
        "",
        slowest_format(results, largest),
    ]
    return checks, results, notes


def slowest_format(results: dict[tuple[int, str], Figures], size: int) -> str:
    """A note on the format that bounds a build of all four: they render in parallel, so none ends before it."""
    name = max(FORMATS, key=lambda format_name: results[size, format_name].wall)
    alone, together = results[size, name], results[size, ALL]
    return (
        f"At {size:,} items the slowest format is {name}: {alone.wall:.2f} s wall and {alone.cpu:.2f} s CPU in a "
        f"build of its own, against {together.wall:.2f} s for all four, which cannot end before it does."
    )


def main() -> int:
    """Run the benchmark and write its report (exit status 1 when a target is not met)."""
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--quick", action="store_true", help="smallest size, one run each; for CI")
    parser.add_argument("--output", type=Path, help="the report (default bench/RESULTS.md; --quick: in WORK)")
    parser.add_argument("--work", type=Path, default=WORK, help="a folder for sources and outputs, emptied first")
    args = parser.parse_args()
    work = args.work.resolve()
    fresh_folder(work)
    started, load_before, busy, own = time.perf_counter(), load_average(), busy_seconds(), own_seconds()
    checks, results, notes = measure_everything(args.quick, work)
    elapsed = time.perf_counter() - started
    others = max(busy_seconds() - busy - (own_seconds() - own), 0.0)
    context = {
        "machine": machine(),
        "load": f"load average (1 minute) {load_before} before the run, {load_average()} after",
        "others": f"other processes kept {others / elapsed:.0%} of one core busy during its {elapsed / 60:.1f} minutes",
        "repeats": "once" if args.quick else "3 times",
        "rounds": "3" if args.quick else str(SIDE_BY_SIDE_ROUNDS),
    }
    report = render(checks, results, SIZES[:1] if args.quick else SIZES, notes, context)
    output = args.output or (work / "RESULTS-quick.md" if args.quick else RESULTS)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(report, encoding="utf-8")
    print(report)
    failed = [check for check in checks if not check.met and not (args.quick and check.timed)]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
