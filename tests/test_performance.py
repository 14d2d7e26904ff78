"""The benchmark and what it builds on: synthetic roadmaps of the size asked, memory counted over worker processes."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import textwrap
from pathlib import Path
from types import ModuleType

from evepub.model import walk
from evepub.source import dumps, load

ROOT = Path(__file__).resolve().parent.parent


def bench_module(name: str) -> ModuleType:
    """A script of bench/ imported as a module."""
    spec = importlib.util.spec_from_file_location(f"bench_{name}", ROOT / "bench" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


generate = bench_module("generate")
bench = bench_module("run")


def test_synthetic_roadmaps_have_the_size_asked_and_are_valid_sources(tmp_path: Path) -> None:
    for count in (20, 200, 2_000):
        made = generate.roadmap(count)
        assert sum(1 for _ in walk(made)) == count
        path = tmp_path / f"synthetic-{count}.yaml"
        path.write_text(dumps(made), encoding="utf-8")
        assert load(path) == made


def test_synthetic_roadmaps_have_the_shapes_of_real_ones() -> None:
    made = list(walk(generate.roadmap(2_000)))
    kinds = {located.item.kind.value for located in made}
    assert kinds == {"item", "paragraph", "note"}
    assert max(located.level for located in made) >= 3
    assert {located.style.value for located in made if located.style} >= {"bullet", "decimal", "lower-alpha"}
    assert any(located.item.links for located in made)
    assert any(located.item.owner and located.item.target for located in made)
    assert any(not located.item.text.isascii() for located in made)


def test_synthetic_roadmaps_are_the_same_for_the_same_seed() -> None:
    assert dumps(generate.roadmap(300)) == dumps(generate.roadmap(300))
    assert dumps(generate.roadmap(300, seed=2)) != dumps(generate.roadmap(300))


def test_many_small_releases_share_the_items_out_evenly_and_are_valid_sources(tmp_path: Path) -> None:
    made = generate.roadmap(2_000, releases=40)
    located = list(walk(made))
    assert len(located) == 2_000 and len(made.releases) == 40
    per_release = {release.name: 0 for release in made.releases}
    for entry in located:
        per_release[entry.release.name] += 1
    assert set(per_release.values()) == {50}
    assert all(area.blocks for release in made.releases for area in release.areas)
    assert {entry.item.kind.value for entry in located} == {"item", "paragraph", "note"}
    assert dumps(generate.roadmap(2_000, releases=40)) == dumps(made)
    path = tmp_path / "many.yaml"
    path.write_text(dumps(made), encoding="utf-8")
    assert load(path) == made


def test_peak_memory_counts_every_process_of_a_build() -> None:
    # the parent and its forked child each fill 150 MiB of their own at the same time: no single process holds 300
    script = textwrap.dedent(
        """
        import os, time
        child = os.fork()
        block = b"x" * (150 * 2**20)
        time.sleep(0.6)
        if child == 0:
            os._exit(0)
        os.waitpid(child, 0)
        """
    )
    run = bench.measure([sys.executable, "-c", script])
    assert run.peak_mib >= 290


def test_quick_benchmark_passes_and_reports_every_check(tmp_path: Path) -> None:
    # make test runs the quick bench: it fails only on checks that do not depend on the machine's speed
    report = tmp_path / "results.md"
    command = [sys.executable, str(ROOT / "bench" / "run.py"), "--quick", "--work", str(tmp_path / "work")]
    done = subprocess.run([*command, "--output", str(report)], capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    text = report.read_text(encoding="utf-8")
    assert "Machine: " in text and " cores " in text and "load average" in text
    assert "| all | 200 |" in text and "| all | 2,000 |" in text
    rows = {line.split(" | ")[0].lstrip("| "): line for line in text.splitlines() if line.startswith("| ")}
    untimed = (
        "output bytes, four formats, 200 -> 2,000 items",
        "peak memory of the process tree per 1,000 items",
        "each format alone imports only its own library",
        "`evepub verify` passes, 2,000 items",
        "`evepub verify` passes, 2,000 items in 40 releases",
        "`evepub verify` passes, EVE roadmap",
    )
    for name in untimed:
        row = rows.get(name) or next(line for key, line in rows.items() if key.startswith(name))
        assert row.endswith("| yes |"), row
    assert "md: none" in rows[next(key for key in rows if key.startswith("each format alone"))]
    timed = (
        "2,000 items: PDF alone vs ReportLab's platypus alone",
        "`evepub verify` vs the build, 2,000 items",
        "`evepub verify` vs the build, EVE roadmap",
        "EVE roadmap: `make all` after a one-word change vs the build alone",
        "EVE roadmap, four formats, vs importing the five libraries",
        "second `make all` with nothing changed",
    )
    for name in timed:
        assert any(key.startswith(name) for key in rows), name
    assert "## Side by side" in text and "## What was tried that did not help" in text
