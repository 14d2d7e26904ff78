"""`evepub build --changes-since OLD`: a "Changes since" section in the Markdown, Word and PDF documents."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest
from docx import Document
from pypdf import PdfReader

from evepub.build import build
from evepub.cli import main
from evepub.formats import reader
from evepub.model import outline
from evepub.source import load
from evepub.templating import DEFAULT_TEMPLATES
from evepub.verify import verify

from conftest import ROOT, markdown_it

SOURCE = ROOT / "source" / "roadmap.yaml"
CAN = "k-setup-can-interfaces-on-the"
CAN_LINE = "                text: Setup CAN interfaces on the host\n"
REMOVED = "h-published-to-lf-edge-eve-3"
HOSTILE = "<b>Route</b> *templates* {{ 7*7 }} & _x0041_ [x](javascript:alert(1))"
TITLE = "Changes since version 2024.1"
DOCUMENTS = ["md", "docx", "pdf"]


@pytest.fixture
def versions(tmp_path: Path) -> tuple[Path, Path]:
    """An old source (version 2024.1) and a new one: a status and owner set, a text fixed, an item removed."""
    text = SOURCE.read_text(encoding="utf-8")
    old = tmp_path / "old.yaml"
    old.write_text(text.replace("title: Feature Roadmap\n", 'title: Feature Roadmap\nversion: "2024.1"\n', 1))
    text = text.replace(
        CAN_LINE, CAN_LINE + "                status: in progress\n                owner: Jane Doe\n", 1
    )
    text = text.replace("text: Implement creation of data gueues", "text: Implement creation of data queues")
    text = text.replace("paragraph: Route templates\n", f"paragraph: '{HOSTILE}'\n")
    text = text.replace(
        f"                      - id: {REMOVED}\n"
        "                        text: Published to LF Edge EVE repository on GitHub\n",
        "",
    )
    new = tmp_path / "new.yaml"
    new.write_text(text, encoding="utf-8")
    return old, new


def markdown_section(text: str) -> str:
    """The Markdown between the changes heading and the first release heading."""
    start = text.index('### <a id="changes-since"></a>')
    return text[start : text.index("\n## ", start)]


def docx_changes(path: Path) -> tuple[list[str], list[list[str]]]:
    """The style names of the body's paragraphs, and the rows of its changes table as cell texts (the other is the
    overview)."""
    document = Document(str(path))
    styles = [paragraph.style.name for paragraph in document.paragraphs]
    tables = [table for table in document.tables if table.rows[0].cells[0].text == "Change"]
    assert len(tables) == 1 and len(document.tables) == 2
    rows = [[cell.text for cell in row.cells] for row in tables[0].rows]
    return styles, rows


def pdf_pages(path: Path) -> list[str]:
    """The text of each page, white space normalised."""
    return [" ".join(page.extract_text().split()) for page in PdfReader(str(path)).pages]


def test_the_section_names_every_change_in_each_document(versions: tuple[Path, Path], tmp_path: Path) -> None:
    old, new = versions
    out = tmp_path / "out"
    build(new, out, DOCUMENTS, changes_since=str(old))

    markdown = (out / "roadmap.md").read_text(encoding="utf-8")
    contents = markdown.index('## <a id="contents"></a>')
    section = markdown_section(markdown)
    assert contents < markdown.index(section) < markdown.index('## <a id="k-release"></a>')
    assert f"- [{TITLE}](#changes-since)\n" in markdown  # listed first in the contents
    assert (
        "#### K-release (Q2-Q3 2024)\n\n"
        f"- Changed `{CAN}`: Setup CAN interfaces on the host\n"
        "  - status: (none) → in progress\n  - owner: (none) → Jane Doe\n"
    ) in section
    assert "  - text: Implement creation of data gueues → Implement creation of data queues\n" in section
    assert f"- Removed `{REMOVED}`: Published to LF Edge EVE repository on GitHub\n" in section

    styles, rows = docx_changes(out / "roadmap.docx")
    assert styles.index("TOC Heading", 1) < styles.index("Heading 1")  # after the contents, before the releases
    assert rows[0] == ["Change", "Item", "Details"]
    assert ["K-release (Q2-Q3 2024)"] * 3 in rows  # a release row spans the table
    can = next(row for row in rows if CAN in row[1])
    assert can == [
        "Changed",
        f"Setup CAN interfaces on the host\n{CAN}",
        "status: (none) → in progress\nowner: (none) → Jane Doe",
    ]
    assert any(row[0] == "Removed" and REMOVED in row[1] for row in rows)

    pages = pdf_pages(out / "roadmap.pdf")
    page = next(number for number, text in enumerate(pages) if text.startswith(f"{TITLE} K-release (Q2-Q3 2024) "))
    pdf = PdfReader(str(out / "roadmap.pdf"))
    release = next(
        entry for entry in pdf.outline if not isinstance(entry, list) and entry.title.startswith("K-release")
    )
    first_release = pdf.get_destination_page_number(release)  # the outline opens with the overview now
    assert 2 < page < first_release  # after the contents and the overview, before the first release
    text = pages[page]
    assert (
        f"Changed Setup CAN interfaces on the host {CAN} status: (none) → in progress owner: (none) → Jane Doe" in text
    )
    assert f"Removed Published to LF Edge EVE repository on GitHub {REMOVED}" in text


def test_source_text_in_the_section_stays_text(versions: tuple[Path, Path], tmp_path: Path) -> None:
    old, new = versions
    out = tmp_path / "out"
    build(new, out, DOCUMENTS, changes_since=str(old))

    html = markdown_it().render(markdown_section((out / "roadmap.md").read_text(encoding="utf-8")))
    assert (
        "text: Route templates → &lt;b&gt;Route&lt;/b&gt; *templates* {{ 7*7 }} &amp; _x0041_ [x](javascript:alert(1))"
        in html
    )
    assert "<b>" not in html and "<em>" not in html and "<a href" not in html
    _, rows = docx_changes(out / "roadmap.docx")
    assert any(row[2] == f"text: Route templates → {HOSTILE}" for row in rows)
    assert f"Route templates → {HOSTILE}" in pdf_pages(out / "roadmap.pdf")[3]


def test_every_reader_still_reads_the_roadmap_and_verify_passes(versions: tuple[Path, Path], tmp_path: Path) -> None:
    old, new = versions
    out = tmp_path / "out"
    build(new, out, changes_since=str(old))
    expected = outline(load(new))
    for name, file in (("md", "roadmap.md"), ("docx", "roadmap.docx"), ("pdf", "roadmap.pdf")):
        found = reader(name).read(out / file).entries
        keeps_ids = name == "docx"  # the Markdown and the PDF do not show ids
        assert found == (expected if keeps_ids else [dataclasses.replace(e, id=None) for e in expected]), name
    report = verify(new, out)
    assert report.ok, report.render()


def test_without_the_option_no_document_has_the_section(versions: tuple[Path, Path], tmp_path: Path) -> None:
    _, new = versions
    out = tmp_path / "out"
    build(new, out, DOCUMENTS)
    assert "Changes since" not in (out / "roadmap.md").read_text(encoding="utf-8")
    document = Document(str(out / "roadmap.docx"))
    headings = [paragraph.text for paragraph in document.paragraphs if paragraph.style.name == "TOC Heading"]
    assert headings == ["Contents", "Overview"]
    assert [table.rows[0].cells[0].text for table in document.tables] == ["Release"]  # the overview's only
    assert not any("Changes since" in page for page in pdf_pages(out / "roadmap.pdf"))


def test_nothing_changed_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    monkeypatch.chdir(SOURCE.parent.parent)  # a relative path names the old version the same in every clone
    old = "source/roadmap.yaml"
    assert main(["build", old, "-o", str(out), "--format", "md,docx,pdf", "--changes-since", old]) == 0
    sentence = "No item was added, removed, moved or changed."
    assert f"Changes since {old}\n\n{sentence}\n" in (out / "roadmap.md").read_text(encoding="utf-8")
    assert docx_changes(out / "roadmap.docx")[1][1:] == [[sentence] * 3]
    assert f"Changes since {old} {sentence}" in pdf_pages(out / "roadmap.pdf")[3]


def test_a_missing_old_source_or_old_wording_is_one_line_and_publishes_nothing(
    versions: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old, new = versions
    out = tmp_path / "out"
    missing = tmp_path / "no-such.yaml"
    assert main(["build", str(new), "-o", str(out), "--changes-since", str(missing)]) == 2
    assert capsys.readouterr().err == f"{missing}:1:1: cannot read the source: No such file or directory\n"
    assert not out.exists()

    templates = tmp_path / "templates"
    shutil.copytree(DEFAULT_TEMPLATES, templates)
    wording = templates / "wording.j2"
    wording.write_text(wording.read_text(encoding="utf-8").split('{#- The "Changes since"')[0], encoding="utf-8")
    assert main(["build", str(new), "-o", str(out), "--templates", str(templates), "--changes-since", str(old)]) == 2
    assert capsys.readouterr().err == (
        f"evepub: {templates}/wording.j2 has no macro changes_title; copy it from evepub's templates/\n"
    )
    assert not out.exists() or not any(out.iterdir())
