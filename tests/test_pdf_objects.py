"""What the PDF writer writes itself rather than through ReportLab's generic code: the contents' links and the
outline's entries are ReportLab's bytes, the timeline's shapes are the pixels ReportLab's renderer draws."""

from __future__ import annotations

import io
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from reportlab.graphics.shapes import Drawing
from reportlab.pdfbase import pdfdoc
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Table

from evepub.build import build_settings, render_format
from evepub.formats.pdf.objects import link_to_heading, use_quick_outline
from evepub.formats.pdf.overview import CountTable
from evepub.formats.pdf.timeline import TimelinePart
from evepub.model import Roadmap
from evepub.templating import Templates

from conftest import ROOT, require_tool

TITLES = ["Overview", "R1 (Q4 2025) \\ done", "Zoë's “edge” release", "Größe – 日本", "soft\u00adhyphen", ""]


def sample_pdf(quick: bool, encrypt: str | None = None) -> bytes:
    """A few pages of headings (each kind of destination, nested and closed entries) and links to them."""
    out = io.BytesIO()
    canvas = Canvas(out, invariant=1, encrypt=encrypt)
    canvas.showOutline()
    if quick:
        use_quick_outline(canvas)
    for page, title in enumerate(TITLES):
        key = f"heading-{page}"
        if page % 3 == 0:
            canvas.bookmarkPage(key, fit="FitH", top=700.25 - page)
        elif page % 3 == 1:
            canvas.bookmarkHorizontal(key, 72, 640.5 + page / 3)
        else:
            canvas.bookmarkPage(key, fit="Fit")  # a kind evepub does not make: ReportLab writes it
        canvas.addOutlineEntry(title, key, level=min(page, 2), closed=page == 1)
        canvas.drawString(72, 700, title)
        for other in range(page + 1):
            rect = (60 + other, 100.125 * (other + 1) / 3, 535.2756, 120 + other)
            if quick:
                link_to_heading(canvas, f"heading-{other}", rect)
            else:
                canvas.linkRect("", f"heading-{other}", rect, relative=1)
        canvas.showPage()
    canvas.save()
    return out.getvalue()


def test_links_and_outline_are_reportlabs_bytes(monkeypatch: pytest.MonkeyPatch) -> None:
    by_reportlab = {"Annotation": 0, "OutlineEntryObject": 0}
    for name in by_reportlab:
        monkeypatch.setattr(getattr(pdfdoc, name), "format", counted(getattr(pdfdoc, name).format, by_reportlab, name))
    quick = sample_pdf(quick=True)
    written_here = dict(by_reportlab)
    assert quick == sample_pdf(quick=False)
    # only what points at the two /Fit headings (2 and 5) was left to ReportLab: the links to them on pages 2 to 5
    # and on page 5, and their two outline entries
    assert written_here == {"Annotation": 5, "OutlineEntryObject": 2}
    assert quick.count(b"/Subtype /Link") == sum(range(1, len(TITLES) + 1))
    assert b"/XYZ 72 " in quick and b"/FitH " in quick and b"/Fit ]" in quick


def test_an_encrypted_document_is_left_to_reportlab() -> None:
    encrypted = sample_pdf(quick=True, encrypt="secret")
    assert b"/Encrypt" in encrypted
    assert encrypted == sample_pdf(quick=False, encrypt="secret")


def counted(method: Callable[..., bytes], counts: dict[str, int], name: str) -> Callable[..., bytes]:
    """`method`, counting its calls in counts[name]."""

    def call(*args: object) -> bytes:
        counts[name] += 1
        return method(*args)

    return call


def test_the_overview_page_is_drawn_as_reportlab_draws_it(
    eve_roadmap: Roadmap, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The timeline's shapes and the count table's numbers, written by evepub, are ReportLab's pixels."""
    pdftoppm = require_tool("pdftoppm")
    settings = build_settings(eve_roadmap, Templates(ROOT / "templates"), "A4")
    left_to_reportlab: list[object] = []
    draw_on, draw_cell = Drawing.drawOn, Table._drawCell

    def drawing_drawn(drawing: Drawing, *args: object) -> None:
        left_to_reportlab.append(drawing)
        draw_on(drawing, *args)

    def cell_drawn(table: Table, value: object, *args: object) -> None:
        if isinstance(value, str):  # a count: CountTable writes it
            left_to_reportlab.append(value)
        draw_cell(table, value, *args)

    monkeypatch.setattr(Drawing, "drawOn", drawing_drawn)
    monkeypatch.setattr(Table, "_drawCell", cell_drawn)
    ours = render_format("pdf", eve_roadmap, settings)[0]["roadmap.pdf"]
    monkeypatch.setattr(Drawing, "drawOn", draw_on)
    monkeypatch.setattr(Table, "_drawCell", draw_cell)
    monkeypatch.setattr(TimelinePart, "draw", lambda part: part.drawing.drawOn(part.canv, 0, 0))
    monkeypatch.setattr(CountTable, "_drawCell", draw_cell)
    theirs = render_format("pdf", eve_roadmap, settings)[0]["roadmap.pdf"]
    assert ours != theirs and not left_to_reportlab
    pages = []
    for name, pdf in (("ours", ours), ("theirs", theirs)):
        (tmp_path / f"{name}.pdf").write_bytes(pdf)
        # the overview page: the EVE roadmap's chart has dated and undated bars, year bands and the edition marker
        command = [pdftoppm, "-r", "150", "-f", "3", "-l", "3", "-png", "-singlefile", str(tmp_path / f"{name}.pdf")]
        subprocess.run([*command, str(tmp_path / name)], check=True)
        pages.append((tmp_path / f"{name}.png").read_bytes())
    assert pages[0] == pages[1]
