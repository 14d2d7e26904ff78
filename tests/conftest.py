"""Shared fixtures: the original roadmap, a never-seen one, and real-client tools that CI must have."""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from markdown_it import MarkdownIt

from evepub.importer import read_text
from evepub.model import Roadmap, walk
from evepub.source import load

ROOT = Path(__file__).resolve().parent.parent


def markdown_it() -> MarkdownIt:
    """markdown-it-py as CommonMark with GFM tables and strikethrough: a second parser the tests render the
    Markdown with (verify reads it with cmark-gfm), so that two parsers agree on what the writer meant."""
    return MarkdownIt("commonmark").enable(["table", "strikethrough"])


ORIGINAL = ROOT / "source" / "eve-roadmap.txt"
NEVER_SEEN = ROOT / "tests" / "data" / "never-seen-roadmap.txt"
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
REGEN_GOLDEN = "EVEPUB_REGEN_GOLDEN"  # set by `make golden`: the golden tests rewrite their files
# make test: a few hundred examples where a test asks for them; HYPOTHESIS_PROFILE=long for a longer hunt
# derandomize: make test draws the same examples every run, so CI never fails on a new draw; hunt with "long"
settings.register_profile("default", deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("long", deadline=None, max_examples=5000, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))
MARKER_RE = re.compile(r"^\s*(?:[-*•·]\s+)?(?:[·•oO°◦]\s+)?(?:(?:\d+|[A-Za-z])\.\s+)?")


@pytest.fixture(scope="session", autouse=True)
def private_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Keep the tests' compiled templates out of the user's own cache (subprocesses inherit this too)."""
    os.environ["EVEPUB_CACHE_DIR"] = str(tmp_path_factory.mktemp("cache"))


def require_tool(name: str) -> str:
    """The path of an external program; skip without it locally, fail without it in CI."""
    found = shutil.which(name)
    if found:
        return found
    if IN_CI:
        pytest.fail(f"{name} is required in CI (CI=true) but is not installed")
    pytest.skip(f"{name} is not installed; CI installs it")


def check_golden(golden: Path, actual: str) -> None:
    """Compare normalised output with its golden file; under `make golden` (EVEPUB_REGEN_GOLDEN=1) rewrite it first.

    Every test that calls this carries `@pytest.mark.golden`: `make golden` runs just those tests.
    """
    if os.environ.get(REGEN_GOLDEN) == "1":
        golden.parent.mkdir(parents=True, exist_ok=True)
        if not golden.exists() or golden.read_text(encoding="utf-8") != actual:
            golden.write_text(actual, encoding="utf-8")
    assert golden.exists(), f"{golden} is missing: run `make golden` to create it"
    assert actual == golden.read_text(encoding="utf-8"), f"differs from {golden}; `make golden` rewrites it"


def original_lines(text: str) -> list[str]:
    """Every non-blank line of a roadmap text without its list marker: what every output must hold."""
    lines = []
    for line in text.splitlines():
        if line.strip():
            lines.append(MARKER_RE.sub("", line, count=1).strip())
    return lines


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The EVE roadmap built once per test module; tests change copies of it (fixture `outdir`)."""
    from evepub.build import build

    outdir = tmp_path_factory.mktemp("published")
    build(ROOT / "source" / "roadmap.yaml", outdir)
    return outdir


@pytest.fixture
def outdir(published: Path, tmp_path: Path) -> Path:
    """A copy of the published outputs that a test may change by hand."""
    return Path(shutil.copytree(published, tmp_path / "build"))


@pytest.fixture(params=[ORIGINAL, NEVER_SEEN], ids=["original", "never-seen"])
def roadmap_text(request: pytest.FixtureRequest) -> str:
    """The text of the EVE roadmap and of a never-seen roadmap in the same conventions."""
    return Path(request.param).read_text(encoding="utf-8")


@pytest.fixture
def roadmap(roadmap_text: str) -> Roadmap:
    """The model of each roadmap text."""
    return read_text(roadmap_text)


@pytest.fixture
def eve_roadmap() -> Roadmap:
    """The model of the original EVE roadmap."""
    return read_text(ORIGINAL.read_text(encoding="utf-8"))


def tracked_roadmap() -> Roadmap:
    """The EVE roadmap as a program manager left it: one item done (its text does not say so), with an owner,
    a target date and notes; a paragraph with an owner, a note with notes, a nested item blocked with a target."""
    roadmap = load(ROOT / "source" / "roadmap.yaml")
    items = {located.item.id: located.item for located in walk(roadmap)}
    item = items["k-setup-can-interfaces-on-the"]
    item.status, item.owner, item.target, item.notes = "done", "Jane Doe", dt.date(2025, 3, 31), "needs a board"
    items["k-introduction-of-can-bus-support"].owner = "Ann Other"
    items["h-todo-post-links-to-beginning"].notes = "ask the release manager"
    nested = items["j-advantech-epc-r3720"]
    nested.status, nested.target = "blocked", dt.date(2024, 12, 1)
    return roadmap
