"""Importing roadmaps written in the original's plain-text conventions."""

from __future__ import annotations

import pytest

from evepub.errors import SourceError
from evepub.importer import read_text
from evepub.model import ItemKind, ListStyle, Quarter, outline, walk
from evepub.periods import parse_period
from evepub.source import dumps, loads

from conftest import ORIGINAL, original_lines


def entries_by_text(text: str) -> dict[str, object]:
    return {entry.text: entry for entry in outline(read_text(text))}


def test_every_line_of_the_text_becomes_one_entry_in_order(roadmap_text: str) -> None:
    roadmap = read_text(roadmap_text)
    assert [entry.text for entry in outline(roadmap)] == original_lines(roadmap_text)


def test_the_original_keeps_its_releases_in_order_with_periods() -> None:
    roadmap = read_text(ORIGINAL.read_text(encoding="utf-8"))
    assert roadmap.title == "Feature Roadmap"
    assert [(r.name, r.period) for r in roadmap.releases] == [
        ("K-release", "Q2-Q3 2024"),
        ("J-release", "Q4 2023"),
        ("I-release", "Q4 2022 - Q1 2023"),
        ("H-release", "Q2-Q3 2022"),
        ("G-release", "Q4 2021, Q1 2022"),
        ("F-release", "Q2-Q3 2021"),
        ("E-release", "Q1 2021"),
        ("D-release", "Q4 2020"),
        ("Future ideas", None),
    ]
    g_release = roadmap.releases[4]
    assert (g_release.start, g_release.end) == (Quarter(2021, 4), Quarter(2022, 1))


def test_the_original_areas_paragraphs_and_notes() -> None:
    roadmap = read_text(ORIGINAL.read_text(encoding="utf-8"))
    j_release = roadmap.releases[1]
    assert [area.title for area in j_release.areas] == ["Security", "Storage", "Networking", "Installation"]
    assert [block.kind for block in j_release.areas[0].blocks] == [ItemKind.PARAGRAPH] * 3
    h_release = roadmap.releases[3]
    assert h_release.blocks[0].kind is ItemKind.NOTE
    assert h_release.blocks[0].text == "TODO: Post links to beginning and ending release notes for this period"
    remote_access = next(area for area in h_release.areas if area.title == "Remote Access")
    assert [block.text for block in remote_access.blocks] == ["EdgeView"]  # a short line under a heading is content


@pytest.mark.parametrize(
    ("text", "depth", "style"),
    [
        ("Reporting multiple disks", 1, ListStyle.BULLET),  # "- o" after "- Add"
        ("S.M.A.R.T reporting", 0, ListStyle.BULLET),
        ("Initial support for single-use EVE image installer (USB images only)", 0, ListStyle.BULLET),  # "- ·"
        ("Harden the prototype", 1, ListStyle.BULLET),  # " - ·" among " - "
        ("NVMe/Vhost", 0, ListStyle.DECIMAL),
        ("ZFS", 0, ListStyle.BULLET),
        ("Deferring the reads so writes are not blocked", 1, ListStyle.BULLET),  # " - O"
        ("Monthly Video about EVE", 1, ListStyle.LOWER_ALPHA),  # "- a." level with "- 1."
        ("CI/CD", 0, ListStyle.DECIMAL),
        ("Github Account Verificationh. Add Github Registry", 1, ListStyle.LOWER_ALPHA),
        ("Modifiable via MetaData APIs", 1, ListStyle.BULLET),  # "- O" after a blank line
        ("crashkernel", 1, ListStyle.BULLET),  # " - o" twice: siblings
        ("Alpine", 1, ListStyle.BULLET),  # " - °"
        ("Golang", 1, ListStyle.BULLET),
    ],
)
def test_the_original_nesting_and_numbering(text: str, depth: int, style: ListStyle) -> None:
    entry = entries_by_text(ORIGINAL.read_text(encoding="utf-8"))[text]
    assert (entry.depth, entry.style) == (depth, style)


def test_numbered_lists_keep_their_numbers() -> None:
    roadmap = read_text(ORIGINAL.read_text(encoding="utf-8"))
    numbers = {located.item.text: located.number for located in walk(roadmap) if located.style is not None}
    assert numbers["SR-IOV support design"] == 5
    assert numbers["Release notes distribution"] == 2
    assert numbers["Github Account Verificationh. Add Github Registry"] == 7


def test_statuses_and_links_are_captured_while_the_text_stays_verbatim() -> None:
    roadmap = read_text(ORIGINAL.read_text(encoding="utf-8"))
    items = {located.item.text: located.item for located in walk(roadmap)}
    first_cut = items[
        "EVE self-monitor and log memory and disk usage increases "
        "(first cut done https://github.com/lf-edge/eve/pull/2023)"
    ]
    assert first_cut.status == "first cut done"
    assert first_cut.links == ["https://github.com/lf-edge/eve/pull/2023"]
    assert items["Next generation storage architecture (design approved)"].status == "design approved"
    assert items["Incremental image download (rsync-like) (proposed)"].status == "proposed"
    assert items["Support CAN Bus on EVE (+ several CAN controllers)"].status is None
    assert sum(1 for item in items.values() if item.status == "proposed") == 5


def test_typos_are_the_authors_words() -> None:
    text = ORIGINAL.read_text(encoding="utf-8")
    texts = [entry.text for entry in outline(read_text(text))]
    assert any("firware/software" in t for t in texts)
    assert "Implement creation of data gueues" in texts


def test_ids_are_unique_and_survive_an_insertion() -> None:
    text = ORIGINAL.read_text(encoding="utf-8")
    before = {e.text: e.id for e in outline(read_text(text)) if e.id}
    ids = [located.item.id for located in walk(read_text(text))]
    assert len(ids) == len(set(ids))
    new_line = "- A brand new first item\n- Setup CAN interfaces on the host"
    changed = text.replace("- Setup CAN interfaces on the host", new_line)
    after = {e.text: e.id for e in outline(read_text(changed)) if e.id}
    assert all(after[t] == i for t, i in before.items())


@pytest.mark.parametrize(
    ("line", "depth"),
    [("- plain", 0), ("· middle dot", 0), ("- · dash and dot", 0), ("* star", 0), ("- o sub", 1), ("o sub", 1),
     ("- O sub", 1), ("- ° degree", 1), ("  - indented", 1)],
)
def test_every_bullet_form_of_the_conventions(line: str, depth: int) -> None:
    text = f"T\n\nA-release (Q1 2020)\n\n- parent\n{line}\n"
    entries = outline(read_text(text))
    assert entries[-1].depth == depth
    assert entries[-1].text.split()[-1] == line.split()[-1]


def test_blank_lines_inside_a_list_keep_the_list() -> None:
    roadmap = read_text("T\n\nA-release\n\n- one\n\n- two\n\n   - three\n")
    (only_list,) = roadmap.releases[0].blocks
    assert [item.text for item in only_list.items] == ["one", "two"]
    assert only_list.items[1].children[0].items[0].text == "three"


def test_a_skipped_number_starts_a_new_list_with_its_own_start() -> None:
    roadmap = read_text("T\n\nA-release\n\n1. one\n2. two\n5. five\n")
    lists = roadmap.releases[0].blocks
    assert [(lst.start, len(lst.items)) for lst in lists] == [(1, 2), (5, 1)]


def test_text_before_the_first_release_is_refused_with_its_line() -> None:
    with pytest.raises(SourceError) as error:
        read_text("Title\n\nNot a release\n", "road.txt")
    assert str(error.value) == "road.txt:3:1: expected a release heading such as 'K-release (Q2-Q3 2024)'"


def test_import_writes_a_source_that_loads_back_equal(roadmap_text: str) -> None:
    roadmap = read_text(roadmap_text)
    assert loads(dumps(roadmap)) == roadmap


@pytest.mark.parametrize(
    ("period", "start", "end"),
    [("Q2-Q3 2024", "2024-Q2", "2024-Q3"), ("Q4 2023", "2023-Q4", "2023-Q4"),
     ("Q4 2022 - Q1 2023", "2022-Q4", "2023-Q1"), ("Q4 2021, Q1 2022", "2021-Q4", "2022-Q1")],
)
def test_periods_as_written(period: str, start: str, end: str) -> None:
    assert tuple(map(str, parse_period(period))) == (start, end)


@pytest.mark.parametrize(
    ("period", "message"),
    [("Q5 2020", "there is no quarter Q5"), ("2020", "has no quarter before it"), ("Q1", "is not like"),
     ("Q3 2021 - Q1 2021", "ends before it starts"), ("Q1 2020?", "unexpected '?'")],
)
def test_malformed_periods(period: str, message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("?", r"\?")):
        parse_period(period)
