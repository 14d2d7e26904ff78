"""`evepub diff`: what changed between two sources, per release, matched by id."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from evepub.cli import main
from evepub.diff import compare
from evepub.source import load, loads

from conftest import ROOT

SOURCE = ROOT / "source" / "roadmap.yaml"
CAN_ITEM = "                text: Setup CAN interfaces on the host\n"


def edited(text: str) -> str:
    new_fields = "                status: in progress\n                owner: Jane Doe\n"
    text = text.replace(CAN_ITEM, CAN_ITEM + new_fields, 1)
    text = text.replace("text: Implement creation of data gueues", "text: Implement creation of data queues")
    return text.replace(
        "                      - id: h-published-to-lf-edge-eve-3\n"
        "                        text: Published to LF Edge EVE repository on GitHub\n", "")


def test_nothing_changed() -> None:
    roadmap = load(SOURCE)
    assert compare(roadmap, load(SOURCE), "old").changes == []


def test_status_owner_text_and_removal_are_named_with_old_and_new_values(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    new = tmp_path / "new.yaml"
    new.write_text(edited(SOURCE.read_text(encoding="utf-8")), encoding="utf-8")
    assert main(["diff", str(SOURCE), str(new)]) == 0
    out = capsys.readouterr().out
    assert "- Changed `k-setup-can-interfaces-on-the`: Setup CAN interfaces on the host\n" in out
    assert "  - status: (none) → in progress\n  - owner: (none) → Jane Doe\n" in out
    assert "  - text: Implement creation of data gueues → Implement creation of data queues\n" in out
    assert "- Removed `h-published-to-lf-edge-eve-3`: Published to LF Edge EVE repository on GitHub\n" in out
    headings = [line for line in out.splitlines() if line.startswith("## ")]
    assert headings == ["## K-release (Q2-Q3 2024)", "## H-release (Q2-Q3 2022)", "## G-release (Q4 2021, Q1 2022)"]


def test_added_and_moved_items() -> None:
    old = loads("title: T\nreleases:\n  - name: A\n    blocks:\n      - paragraph: p\n        id: p\n"
                "  - name: B\n")
    new = loads("title: T\nreleases:\n  - name: A\n  - name: B\n    blocks:\n      - paragraph: p\n        id: p\n"
                "      - note: n\n        id: n\n")
    kinds = [(change.kind, change.id, change.old_place, change.new_place) for change in compare(old, new, "x").changes]
    assert kinds == [("moved", "p", "A", "B"), ("added", "n", None, None)]


def test_against_a_git_revision(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repo = tmp_path / "repo"
    (repo / "source").mkdir(parents=True)
    source = repo / "source" / "roadmap.yaml"
    source.write_text(SOURCE.read_text(encoding="utf-8"), encoding="utf-8")
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid"]
    subprocess.run([*git, "init", "-q"], cwd=repo, check=True)
    subprocess.run([*git, "add", "."], cwd=repo, check=True)
    subprocess.run([*git, "commit", "-qm", "first"], cwd=repo, check=True)
    source.write_text(edited(source.read_text(encoding="utf-8")), encoding="utf-8")
    output = tmp_path / "changes.md"
    assert main(["diff", "git:HEAD", str(source), "-o", str(output)]) == 0
    text = output.read_text(encoding="utf-8")
    assert text.startswith("# Changes since HEAD\n")
    assert "owner: (none) → Jane Doe" in text
    assert main(["diff", "git:no-such-rev", str(source)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"evepub: cannot read {source} at no-such-rev from git: fatal:")
    assert len(err.splitlines()) == 1
