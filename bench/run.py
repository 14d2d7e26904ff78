"""The benchmark behind `make bench`: build time, CPU and memory per format and size, against the targets."""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
PYTHON = sys.executable
FORMATS = ("md", "docx", "pdf", "xlsx")
SIZES = (200, 2_000, 20_000)
LIBRARIES = "import yaml, jinja2, docx, reportlab.platypus, openpyxl"


@dataclass(frozen=True)
class Run:
    """What one command cost."""

    wall: float
    cpu: float
    peak_mib: float
    status: int


def measure(command: list[str], cwd: Path = ROOT) -> Run:
    """Wall time, CPU time (user + system) and peak resident memory of one child process."""
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        error = process.stderr.read().decode() if process.stderr else ""
        raise SystemExit(f"bench: {' '.join(command)} failed: {error.strip()}")
    return Run(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, process.returncode)


def best_of(repeats: int, command: list[str], cwd: Path = ROOT) -> Run:
    """The median-wall run of several, to damp noise on a shared machine."""
    runs = sorted((measure(command, cwd) for _ in range(repeats)), key=lambda run: run.wall)
    return runs[len(runs) // 2]


def build_command(source: Path, outdir: Path, formats: str) -> list[str]:
    """The evepub build of some formats."""
    return [PYTHON, "-m", "evepub", "build", str(source), "-o", str(outdir), "--format", formats, "--quiet"]


def sources(sizes: tuple[int, ...]) -> dict[int, Path]:
    """Generate one synthetic source per size."""
    paths = {}
    for size in sizes:
        path = OUT / f"synthetic-{size}.yaml"
        subprocess.run([PYTHON, str(ROOT / "bench" / "generate.py"), str(size), str(path)], check=True)
        paths[size] = path
    return paths


def machine() -> str:
    """A line that says what this machine is."""
    model = "unknown processor"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores ({model}), {memory:.0f} GiB, "
            f"Python {platform.python_version()}")


def format_table(results: dict[tuple[int, str], Run], sizes: tuple[int, ...]) -> list[str]:
    """The wall/CPU/memory table with growth factors from each size to the next."""
    lines = ["| items | format | wall s | CPU s | peak MiB | growth (wall) |",
             "| ---: | --- | ---: | ---: | ---: | ---: |"]
    for fmt in (*FORMATS, "all"):
        previous: Run | None = None
        for size in sizes:
            run = results[size, fmt]
            growth = f"{run.wall / previous.wall:.1f}x" if previous else ""
            lines.append(f"| {size:,} | {fmt} | {run.wall:.2f} | {run.cpu:.2f} | {run.peak_mib:.0f} | {growth} |")
            previous = run
    return lines


def lazy_imports() -> str:
    """Which libraries a Markdown-only build imports (none of the other formats' is the target)."""
    script = (
        "import sys; from evepub.build import build; "
        f"build({str(ROOT / 'source' / 'roadmap.yaml')!r}, {str(OUT / 'lazy')!r}, ['md']); "
        "print(','.join(sorted({m.split('.')[0] for m in sys.modules} & {'reportlab', 'openpyxl', 'docx'})))"
    )
    done = subprocess.run([PYTHON, "-c", script], capture_output=True, text=True, check=True, cwd=ROOT)
    return done.stdout.strip()


def second_make(repeats: int) -> float:
    """Seconds of `make all` when nothing changed (after one make that builds)."""
    outdir = OUT / "make"
    subprocess.run(["make", "-s", "all", f"OUTDIR={outdir}"], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    return best_of(repeats, ["make", "-s", "all", f"OUTDIR={outdir}"]).wall


def verify_large(source: Path) -> bool:
    """Whether `evepub verify` passes on the largest build."""
    done = subprocess.run([PYTHON, "-m", "evepub", "verify", str(source), "-o", str(OUT / "all-largest")],
                          capture_output=True, text=True, cwd=ROOT)
    print(done.stdout)
    return done.returncode == 0


def main() -> int:
    """Run the benchmark and write bench/RESULTS.md (--quick: the smallest size, no results file)."""
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--quick", action="store_true", help="smallest size only, one repeat; for CI")
    args = parser.parse_args()
    sizes = SIZES[:1] if args.quick else SIZES
    repeats = 1 if args.quick else 3
    shutil.rmtree(OUT, ignore_errors=True)
    OUT.mkdir(parents=True)
    env_epoch = {"SOURCE_DATE_EPOCH": "1700000000"}
    os.environ.update(env_epoch)

    results: dict[tuple[int, str], Run] = {}
    paths = sources(sizes)
    for size, path in paths.items():
        for fmt in (*FORMATS, "all"):
            formats = ",".join(FORMATS) if fmt == "all" else fmt
            outdir = OUT / ("all-largest" if fmt == "all" and size == sizes[-1] else f"{fmt}-{size}")
            results[size, fmt] = best_of(repeats, build_command(path, outdir, formats))
            print(f"{size:>6} items  {fmt:<4} {results[size, fmt].wall:6.2f} s", flush=True)

    eve = best_of(repeats, build_command(ROOT / "source" / "roadmap.yaml", OUT / "eve", ",".join(FORMATS)))
    imports = best_of(repeats, [PYTHON, "-c", LIBRARIES])
    lazy = lazy_imports()
    checks = [
        ("EVE roadmap, four formats, vs importing the five libraries", f"{eve.wall:.2f} s vs {imports.wall:.2f} s "
         f"= {eve.wall / imports.wall:.2f}x", eve.wall <= 1.5 * imports.wall, "<= 1.5x"),
        ("Markdown alone imports reportlab, openpyxl or python-docx", lazy or "none", lazy == "", "none"),
    ]
    if not args.quick:
        large, mid = results[SIZES[-1], "all"], results[SIZES[1], "all"]
        growth = large.wall / mid.wall
        make_again = second_make(repeats)
        checks += [
            ("20,000 items, four formats: wall", f"{large.wall:.2f} s", large.wall <= 10, "<= 10 s"),
            ("20,000 items, four formats: peak memory", f"{large.peak_mib:.0f} MiB", large.peak_mib <= 1024,
             "<= 1024 MiB"),
            ("growth 2,000 -> 20,000 items, four formats", f"{growth:.1f}x", growth <= 11, "<= 11x"),
            ("second `make all` with nothing changed", f"{make_again:.3f} s", make_again < 0.1, "< 0.1 s"),
        ]
        verified = verify_large(paths[SIZES[-1]])
        checks.append(("`evepub verify` on the 20,000-item build", "passes" if verified else "FAILS", verified,
                       "passes"))
    report = render(results, sizes, checks, eve, imports)
    print(report)
    if not args.quick:
        (ROOT / "bench" / "RESULTS.md").write_text(report, encoding="utf-8")
    return 0 if all(met for _, _, met, _ in checks) else 1


def render(results: dict[tuple[int, str], Run], sizes: tuple[int, ...], checks: list, eve: Run, imports: Run) -> str:
    """RESULTS.md: the machine, the targets and the full table."""
    lines = ["# Benchmark results", "", f"Machine: {machine()}.", "",
             "Regenerate with `make bench`. Each figure is the median of three runs of a separate process;",
             "memory is the peak resident set of that process. Synthetic roadmaps come from `bench/generate.py`.",
             "", "## Targets", "", "| target | measured | goal | met |", "| --- | --- | --- | --- |"]
    lines += [f"| {name} | {measured} | {goal} | {'yes' if met else 'NO'} |" for name, measured, met, goal in checks]
    lines += ["", "## Every format and size", "", *format_table(results, sizes), "",
              f"EVE roadmap ({len(FORMATS)} formats): {eve.wall:.2f} s wall, {eve.cpu:.2f} s CPU, "
              f"{eve.peak_mib:.0f} MiB; `python -c \"{LIBRARIES}\"`: {imports.wall:.2f} s.", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
