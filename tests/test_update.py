"""`evepub import NEW.txt --update SOURCE`: a new edition comes in, ids, tracked fields and comments stay."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from evepub.cli import main
from evepub.diff import compare
from evepub.model import Item, walk
from evepub.source import load

from conftest import ORIGINAL, ROOT

SOURCE = ROOT / "source" / "roadmap.yaml"
CAN = "k-setup-can-interfaces-on-the"
QUEUES = "g-implement-creation-of-data-gueues"
DROPPED = "j-confidential-computing-feasibility-study"
COMMENT = "  # agreed with the hardware team"


def items(path: Path) -> dict[str, Item]:
    return {located.item.id: located.item for located in walk(load(path))}


@pytest.fixture
def project(tmp_path: Path) -> tuple[Path, Path]:
    """The source with tracked fields and a comment set, and a new edition of the text."""
    text = SOURCE.read_text(encoding="utf-8").replace(
        "                text: Setup CAN interfaces on the host\n",
        f"                text: Setup CAN interfaces on the host{COMMENT}\n"
        "                status: in progress\n                owner: Jane Doe\n                target: 2024-09-30\n",
        1,
    )
    text = text.replace(
        "                        text: Implement creation of data gueues\n",
        "                        text: Implement creation of data gueues\n                        notes: needs NVMe\n",
    )
    source = tmp_path / "roadmap.yaml"
    source.write_text(text, encoding="utf-8")
    edition = ORIGINAL.read_text(encoding="utf-8")
    edition = edition.replace(
        "Feature Roadmap\n\nK-release",
        "Feature Roadmap\n\nReleases now come every quarter.\n\nL-release (Q4 2024) - likely named 13.4\n\n"
        "Networking\n\n- WireGuard tunnels\n\nK-release",
    )
    edition = edition.replace(
        "- Setup CAN interfaces on the host\n", "- Setup CAN interfaces on the host\n- CAN diagnostics\n"
    )
    edition = edition.replace("data gueues", "data queues").replace("Confidential Computing feasibility study\n", "")
    new = tmp_path / "edition.txt"
    new.write_text(edition, encoding="utf-8")
    return source, new


def update(capsys: pytest.CaptureFixture[str], *args: Path | str) -> tuple[int, list[str]]:
    status = main(["import", *map(str, args)])
    return status, capsys.readouterr().out.splitlines()


def test_a_new_edition_keeps_ids_fields_and_comments_and_diff_shows_exactly_its_changes(
    project: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source, edition = project
    before = tmp_path / "before.yaml"
    shutil.copy(source, before)
    status, lines = update(capsys, edition, "--update", source)
    assert status == 0
    decisions = [line for line in lines if not line.startswith("kept:")]
    assert decisions == [
        f"matched: {QUEUES}: Implement creation of data queues (was: Implement creation of data gueues)",
        "added: l-wireguard-tunnels: WireGuard tunnels",
        "added: k-can-diagnostics: CAN diagnostics",
        f"removed: {DROPPED}: Confidential Computing feasibility study",
        f"{source}: 164 kept, 1 matched, 2 added, 1 removed, 0 unsure; written",
    ]
    old, now = items(before), items(source)
    for item_id, item in old.items():
        if item_id != DROPPED:
            kept = now[item_id]
            assert (kept.status, kept.owner, kept.target, kept.notes) == (
                item.status,
                item.owner,
                item.target,
                item.notes,
            )
    assert now[QUEUES].text == "Implement creation of data queues" and now[QUEUES].notes == "needs NVMe"
    assert COMMENT in source.read_text(encoding="utf-8")
    roadmap = load(source)
    assert roadmap.introduction == ["Releases now come every quarter."]
    assert (roadmap.releases[0].heading, roadmap.releases[0].version) == (
        "L-release (Q4 2024) - likely named 13.4",
        "13.4",
    )
    assert "author: LF Edge EVE-OS project" in source.read_text(encoding="utf-8")

    changes = compare(load(before), load(source), "before").changes
    assert sorted((change.kind, change.id) for change in changes) == sorted(
        [("added", "l-wireguard-tunnels"), ("added", "k-can-diagnostics"), ("removed", DROPPED), ("changed", QUEUES)]
    )
    assert main(["build", str(source), "-o", str(tmp_path / "out"), "--quiet"]) == 0
    assert main(["verify", str(source), "-o", str(tmp_path / "out"), "--original", str(edition)]) == 0
    assert main(["build", str(source), "-o", str(tmp_path / "review"), "--changes-since", str(before), "--quiet"]) == 0
    review = (tmp_path / "review" / "roadmap.md").read_text(encoding="utf-8")
    assert "l-wireguard-tunnels" in review and DROPPED in review and QUEUES in review


def test_a_dry_run_writes_nothing_and_an_unchanged_edition_changes_nothing(
    project: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    source, edition = project
    before = source.read_bytes()
    status, lines = update(capsys, edition, "--update", source, "--dry-run")
    assert status == 0 and lines[-1].endswith("nothing written (dry run)")
    assert source.read_bytes() == before
    status, lines = update(capsys, ORIGINAL, "--update", source)
    assert status == 0 and lines[-1] == f"{source}: 166 kept, 0 matched, 0 added, 0 removed, 0 unsure; unchanged"
    assert source.read_bytes() == before


def test_a_match_it_is_not_sure_of_is_listed_and_taken_as_new(
    project: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    source, edition = project
    text = edition.read_text(encoding="utf-8").replace(
        "- Setup CAN interfaces on the host\n", "- Set up the CAN host interfaces\n"
    )
    edition.write_text(text, encoding="utf-8")
    status, lines = update(capsys, edition, "--update", source, "--dry-run")
    assert status == 0
    unsure = [line for line in lines if line.startswith("unsure:")]
    assert len(unsure) == 1 and f"alike {CAN} 'Setup CAN interfaces on the host'" in unsure[0]
    assert f"removed: {CAN}: Setup CAN interfaces on the host" in lines


def test_a_status_restated_in_the_new_text_matches_and_becomes_the_status(
    project: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    source, edition = project
    rsync = "f-incremental-image-download-rsync-like"
    text = edition.read_text(encoding="utf-8").replace("(rsync-like) (proposed)", "(rsync-like) (done)")
    edition.write_text(text, encoding="utf-8")
    status, lines = update(capsys, edition, "--update", source)
    assert status == 0 and any(line.startswith(f"matched: {rsync}: ") for line in lines)
    assert items(source)[rsync].status == "done"
