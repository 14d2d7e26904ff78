"""`evepub verify`: passes on the published roadmap, and names every item lost or changed by hand in any output."""

from __future__ import annotations

import re
import shutil
from collections import Counter
from pathlib import Path

import docx
import pytest
from openpyxl import load_workbook

from evepub.build import build
from evepub.cli import main
from evepub.formats.markdown.writer import inline
from evepub.formats.pdf.writer import write as write_pdf
from evepub.formats.settings import BuildSettings
from evepub.model import Item, ItemList, Located, Roadmap, walk
from evepub.source import load

from conftest import ORIGINAL, ROOT

SOURCE = ROOT / "source" / "roadmap.yaml"
W_NS = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


@pytest.fixture(scope="module")
def eve() -> Roadmap:
    return load(SOURCE)


def verify(capsys: pytest.CaptureFixture[str], outdir: Path, *more: str, source: Path = SOURCE) -> tuple[int, str]:
    status = main(["verify", str(source), "-o", str(outdir), *more])
    return status, capsys.readouterr().out


def reported(capsys: pytest.CaptureFixture[str], outdir: Path, output: str) -> tuple[str, list[str]]:
    """Verify, expecting differences: the line of one output and the differences listed under it."""
    status, report = verify(capsys, outdir)
    assert status == 1, report
    assert report.endswith("verify: differences found\n")
    return line_of(report, output), details_of(report, output)


def set_tracker_cell(outdir: Path, item_id: str, column: int, value: str) -> None:
    """Type a value into one cell of an item's row, as a program manager would."""
    book = load_workbook(outdir / "roadmap-tracker.xlsx")
    row = next(row for row in book["Items"].iter_rows(min_row=2) if row[0].value == item_id)
    row[column].value = value
    book.save(outdir / "roadmap-tracker.xlsx")


def line_of(report: str, name: str) -> str:
    """The report line of one output."""
    return next(line for line in report.splitlines() if line.split(" ", 1)[0] == name)


def details_of(report: str, name: str) -> list[str]:
    """The difference lines under one output's line."""
    lines = report.splitlines()
    start = lines.index(line_of(report, name)) + 1
    found = []
    for line in lines[start:]:
        if not line.startswith("    "):
            break
        found.append(line.strip())
    return found


def named(located: Located) -> str:
    """How the report names an item: its kind, text in quotes (cut after 77 characters) and id."""
    text = located.item.text if len(located.item.text) <= 80 else located.item.text[:77] + "..."
    return f"{located.item.kind.value} '{text}' ({located.item.id})"


def pick(roadmap: Roadmap, which: str) -> Located:
    """The first item, the first nested list entry, or the last item; each with a text found once."""
    counts = Counter(located.item.text for located in walk(roadmap))
    unique = [located for located in walk(roadmap) if counts[located.item.text] == 1]
    if which == "first":
        return unique[0]
    if which == "nested":
        return next(located for located in unique if located.depth >= 1)
    return unique[-1]


# ---------------------------------------------------------------- by hand, as a person would


def delete_markdown_line(outdir: Path, item: Item) -> None:
    path = outdir / "roadmap.md"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    written = str(inline(item.text))
    matches = [index for index, line in enumerate(lines) if re.search(rf"(^|[-.*] ){re.escape(written)}( \*|$)", line)]
    assert len(matches) == 1, f"{item.text} is on {len(matches)} lines"
    del lines[matches[0]]
    path.write_text("".join(lines), encoding="utf-8")


def delete_docx_paragraph(outdir: Path, item: Item) -> None:
    path = outdir / "roadmap.docx"
    document = docx.Document(str(path))
    matches = [p for p in document.paragraphs if p.text == item.text]
    assert len(matches) == 1
    matches[0]._element.getparent().remove(matches[0]._element)
    document.save(str(path))


def delete_tracker_row(path: Path, item: Item) -> None:
    book = load_workbook(path)
    sheet = book["Items"]
    rows = [row[0].row for row in sheet.iter_rows(min_row=2) if row[0].value == item.id]
    assert len(rows) == 1
    sheet.delete_rows(rows[0])
    book.save(path)


def without(roadmap: Roadmap, item_id: str) -> Roadmap:
    """The roadmap with one item (and what it owns) taken out, as if deleted from a copy of the source."""
    for release in roadmap.releases:
        for blocks in [release.blocks, *(area.blocks for area in release.areas)]:
            _remove(blocks, item_id)
    return roadmap


def _remove(blocks: list, item_id: str) -> None:
    for block in list(blocks):
        if isinstance(block, Item):
            if block.id == item_id:
                blocks.remove(block)
            else:
                _remove(block.children, item_id)
        elif isinstance(block, ItemList):
            block.items[:] = [item for item in block.items if item.id != item_id]
            for item in block.items:
                _remove(item.children, item_id)
            if not block.items:
                blocks.remove(block)


def rebuild_pdf_without(outdir: Path, item: Item) -> None:
    files = write_pdf(without(load(SOURCE), item.id), BuildSettings())
    (outdir / "roadmap.pdf").write_bytes(files["roadmap.pdf"])


REMOVE = {
    "md": delete_markdown_line,
    "docx": delete_docx_paragraph,
    "xlsx": lambda outdir, item: delete_tracker_row(outdir / "roadmap-tracker.xlsx", item),
    "pdf": rebuild_pdf_without,
}


# ---------------------------------------------------------------- tests


def test_passes_on_the_published_roadmap(capsys: pytest.CaptureFixture[str], published: Path, eve: Roadmap) -> None:
    status, report = verify(capsys, published, "--original", str(ORIGINAL))
    assert status == 0, report
    expected = sum(1 for _ in walk(eve)) + 1 + len(eve.releases) + sum(len(r.areas) for r in eve.releases)
    for name in ("original", "md", "docx", "pdf", "xlsx"):
        assert line_of(report, name).split()[1:3] == ["ok", f"{expected}/{expected}"], report
    trackers = [line for line in report.splitlines() if line.startswith("trackers/")]
    assert len(trackers) == len(eve.releases) and all(line.split()[1] == "ok" for line in trackers)
    assert report.endswith("verify: every output says what the source says\n")


@pytest.mark.parametrize("which", ["first", "nested", "last"])
@pytest.mark.parametrize("output", ["md", "docx", "pdf", "xlsx"])
def test_an_item_removed_from_one_output_is_named(
    capsys: pytest.CaptureFixture[str], outdir: Path, eve: Roadmap, output: str, which: str
) -> None:
    located = pick(eve, which)
    REMOVE[output](outdir, located.item)
    status, report = verify(capsys, outdir)
    assert status == 1
    assert line_of(report, output).split()[1] == "DIFFERENT"
    assert f"missing {named(located)}" in details_of(report, output)
    others = [name for name in ("md", "docx", "pdf", "xlsx") if name != output]
    assert all(line_of(report, name).split()[1] == "ok" for name in others), report
    assert report.endswith("verify: differences found\n")


def test_exact_report_for_a_paragraph_deleted_in_word(
    capsys: pytest.CaptureFixture[str], outdir: Path, eve: Roadmap
) -> None:
    located = pick(eve, "first")
    delete_docx_paragraph(outdir, located.item)
    head, details = reported(capsys, outdir, "docx")
    assert head == (
        "docx                       DIFFERENT 197/198 entries (1 missing); order ok; nesting ok; numbering ok; "
        "ids ok; statuses 0/0; links 1/1; not kept: owners, target dates, item notes"
    )
    assert details == ["missing paragraph 'Introduction of CAN Bus support' (k-introduction-of-can-bus-support)"]


def test_a_row_removed_from_a_release_tracker_is_named(
    capsys: pytest.CaptureFixture[str], outdir: Path, eve: Roadmap
) -> None:
    located = pick(eve, "last")
    delete_tracker_row(outdir / "trackers" / "Future-ideas.xlsx", located.item)
    head, details = reported(capsys, outdir, "trackers/Future-ideas.xlsx")
    assert head.split()[1:3] == ["DIFFERENT", "24/25"]
    assert details == [f"missing {named(located)}"]


def test_a_missing_output_is_reported(capsys: pytest.CaptureFixture[str], outdir: Path) -> None:
    (outdir / "roadmap.pdf").unlink()
    shutil.rmtree(outdir / "trackers")
    status, report = verify(capsys, outdir)
    assert status == 1
    assert (
        line_of(report, "pdf")
        == f"{'pdf':<26} FAILED    missing: {outdir / 'roadmap.pdf'} does not exist; run evepub build"
    )
    assert "missing: " in line_of(report, "trackers/K-release.xlsx")
    assert line_of(report, "md").split()[1] == "ok"


def test_a_timeline_picture_that_is_gone_is_reported(capsys: pytest.CaptureFixture[str], outdir: Path) -> None:
    (outdir / "roadmap-timeline.svg").unlink()
    line, details = reported(capsys, outdir, "md")
    assert "(1 missing)" in line
    assert details == ["missing: the picture roadmap-timeline.svg that roadmap.md shows does not exist"]


def test_markdown_built_alone_shows_no_timeline_picture(tmp_path: Path) -> None:
    build(SOURCE, tmp_path, ["md"])
    assert sorted(path.name for path in tmp_path.iterdir()) == ["roadmap.md"]
    assert "roadmap-timeline.svg" not in (tmp_path / "roadmap.md").read_text(encoding="utf-8")
    build(SOURCE, tmp_path, ["md", "pdf"])
    assert "](roadmap-timeline.svg)" in (tmp_path / "roadmap.md").read_text(encoding="utf-8")


def test_a_changed_nesting_level_is_reported(capsys: pytest.CaptureFixture[str], outdir: Path, eve: Roadmap) -> None:
    located = pick(eve, "nested")
    path = outdir / "roadmap.docx"
    document = docx.Document(str(path))
    paragraph = next(p for p in document.paragraphs if p.text == located.item.text)
    paragraph._element.find(f"{W_NS}pPr/{W_NS}numPr/{W_NS}ilvl").set(f"{W_NS}val", "0")  # promoted by a person
    document.save(str(path))
    head, details = reported(capsys, outdir, "docx")
    assert "; nesting 1 differ;" in head
    assert f"nesting of {named(located)}: depth 1 expected, 0 found" in details


def test_a_changed_list_style_is_reported(capsys: pytest.CaptureFixture[str], outdir: Path, eve: Roadmap) -> None:
    lettered = next(located for located in walk(eve) if located.style and located.style.value == "lower-alpha")
    path = outdir / "roadmap.md"
    text = path.read_text(encoding="utf-8")
    label = f"**{lettered.style.label(lettered.number)}** {inline(lettered.item.text)}"
    assert text.count(label) == 1
    path.write_text(text.replace(label, str(inline(lettered.item.text))), encoding="utf-8")  # "a." label dropped
    head, details = reported(capsys, outdir, "md")
    assert re.search(r"; numbering \d+ differ;", head)
    assert f"numbering of {named(lettered)}: lower-alpha 'a.' expected, bullet found" in details


def test_a_renumbered_item_is_reported(capsys: pytest.CaptureFixture[str], outdir: Path, eve: Roadmap) -> None:
    numbered = next(located for located in walk(eve) if located.style and located.style.value == "decimal")
    set_tracker_cell(outdir, numbered.item.id, 4, "7.")  # the List column
    head, details = reported(capsys, outdir, "xlsx")
    assert "; numbering 1 differ;" in head
    assert details == [f"numbering of {named(numbered)}: decimal '1.' expected, decimal '7.' found"]


def test_a_moved_item_is_reported_as_moved(capsys: pytest.CaptureFixture[str], outdir: Path, eve: Roadmap) -> None:
    located = pick(eve, "first")  # a paragraph of the first release, moved to the end of the document
    path = outdir / "roadmap.md"
    lines = path.read_text(encoding="utf-8").splitlines()
    index = lines.index(str(inline(located.item.text)))
    moved = lines.pop(index)
    lines += ["", moved]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    head, details = reported(capsys, outdir, "md")
    assert "198/198 entries; order 1 moved;" in head
    last = list(walk(eve))[-1].item.text
    expected = f"moved {named(located)}: expected after 'K-release (Q2-Q3 2024)', found after '{last}'"
    assert details[0] == expected


def test_a_changed_status_in_the_tracker_is_reported(
    capsys: pytest.CaptureFixture[str], outdir: Path, eve: Roadmap
) -> None:
    located = next(
        located for located in walk(eve) if located.item.status is None and located.item.kind.value == "item"
    )
    set_tracker_cell(outdir, located.item.id, 6, "done")  # the Status column
    head, details = reported(capsys, outdir, "xlsx")
    assert "; statuses 164/165;" in head
    assert details == [f"status of {named(located)}: 'planned' expected, 'done' found"]


def test_a_link_removed_from_the_markdown_is_reported(
    capsys: pytest.CaptureFixture[str], outdir: Path, eve: Roadmap
) -> None:
    located = next(located for located in walk(eve) if located.item.links)
    url = located.item.links[0]
    path = outdir / "roadmap.md"
    text = path.read_text(encoding="utf-8")
    assert text.count(f"[{url}]({url})") == 1
    path.write_text(text.replace(f"[{url}]({url})", url), encoding="utf-8")
    head, details = reported(capsys, outdir, "md")
    assert "; links 0/1;" in head
    assert details == [f"links of {named(located)}: {url} missing"]


def test_the_original_catches_a_source_item_whose_text_was_edited(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, eve: Roadmap
) -> None:
    located = pick(eve, "last")
    text = SOURCE.read_text(encoding="utf-8")
    assert text.count(f"text: {located.item.text}\n") == 1
    source = tmp_path / "roadmap.yaml"
    source.write_text(text.replace(f"text: {located.item.text}\n", "text: Golang 1.22\n"), encoding="utf-8")
    build(source, tmp_path / "build")
    status, report = verify(capsys, tmp_path / "build", "--original", str(ORIGINAL), source=source)
    assert status == 1
    assert line_of(report, "original").split()[1:5] == ["DIFFERENT", "197/198", "entries", "(1"]
    assert details_of(report, "original") == [
        f"edited item '{located.item.text}' ({located.item.id}): now 'Golang 1.22'"
    ]
    assert all(line.split()[1] == "ok" for line in report.splitlines()[1:-1] if not line.startswith(" "))


def test_only_the_first_differences_are_listed(capsys: pytest.CaptureFixture[str], outdir: Path) -> None:
    path = outdir / "roadmap.md"
    lines = path.read_text(encoding="utf-8").splitlines()
    kept = [line for line in lines if not line.startswith("- ")]  # every top-level bullet deleted
    path.write_text("\n".join(kept) + "\n", encoding="utf-8")
    _, details = reported(capsys, outdir, "md")
    assert len(details) == 6 and re.fullmatch(r"\.\.\. and \d+ more", details[-1])
