"""ReportLab's platypus alone setting the texts of a roadmap: the baseline of the bench's PDF target.

`python bench/platypus_alone.py SOURCE OUT.pdf` loads the source as evepub does and sets the same texts with plain
platypus: a SimpleDocTemplate on A4, one Paragraph per release and area heading (bold, in a heading style) and per
paragraph, note and list entry (escaped with xml.sax.saxutils.escape), list entries with their bullet or number as
bulletText, in the TrueType faces evepub's PDF embeds (DejaVu Sans, found as evepub finds it), so that both pay for
parsing and subsetting TrueType. Sizes, leading and margins are those of templates/pdf/style.yaml, so that both
set about the same pages. No cover, contents, overview, timeline, badges, links, item details or outline: what is
left is the library's own speed at the same paragraphs, which `bench/run.py` compares a PDF build with.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from evepub.model import Area, Block, ItemKind, ListStyle, Release, Roadmap, walk_blocks
from evepub.source import load

FONT_DIR_VARIABLE = "EVEPUB_FONT_DIR"  # evepub's override: a folder holding the three DejaVu files
DEBIAN_DEJAVU = Path("/usr/share/fonts/truetype/dejavu")
FACES = {  # registered name -> (file name, fontconfig pattern)
    "Baseline": ("DejaVuSans.ttf", "DejaVu Sans:style=Book"),
    "Baseline-Bold": ("DejaVuSans-Bold.ttf", "DejaVu Sans:style=Bold"),
    "Baseline-Oblique": ("DejaVuSans-Oblique.ttf", "DejaVu Sans:style=Oblique"),
}
LIST_INDENT = 17.0


def font_file(name: str, pattern: str) -> Path:
    """One DejaVu face: from EVEPUB_FONT_DIR, the Debian path, or fontconfig, as evepub looks for it."""
    folder = os.environ.get(FONT_DIR_VARIABLE)
    if folder:
        return Path(folder) / name
    if (DEBIAN_DEJAVU / name).exists():
        return DEBIAN_DEJAVU / name
    if shutil.which("fc-match"):
        found = subprocess.run(["fc-match", "-f", "%{file}", pattern], capture_output=True, text=True, check=False)
        if found.stdout.strip():
            return Path(found.stdout.strip())
    raise SystemExit(f"platypus_alone: no {name}; set {FONT_DIR_VARIABLE}")


def register_faces() -> None:
    """Register the regular, bold and oblique faces as TrueType fonts, embedded as subsets."""
    for registered, (name, pattern) in FACES.items():
        pdfmetrics.registerFont(TTFont(registered, str(font_file(name, pattern))))


def styles() -> dict[str, ParagraphStyle]:
    """Body, note and the two heading styles, at the sizes of templates/pdf/style.yaml."""
    body = ParagraphStyle(
        "body", fontName="Baseline", fontSize=9.5, leading=13.5, spaceBefore=5, bulletFontName="Baseline"
    )
    heading = {"fontName": "Baseline-Bold", "keepWithNext": 1}
    return {
        "body": body,
        "note": ParagraphStyle("note", parent=body, fontName="Baseline-Oblique"),
        "h1": ParagraphStyle("h1", parent=body, fontSize=19, leading=23.75, spaceBefore=22, spaceAfter=10, **heading),
        "h2": ParagraphStyle("h2", parent=body, fontSize=12.5, leading=16.25, spaceBefore=14, spaceAfter=5, **heading),
    }


@dataclass
class Setter:
    """Turns the releases of a roadmap into paragraphs, one per heading and per item."""

    styles: dict[str, ParagraphStyle] = field(default_factory=styles)
    lists: dict[int, ParagraphStyle] = field(default_factory=dict)  # list entry style by nesting depth

    def story(self, roadmap: Roadmap) -> Iterator[Flowable]:
        """The introduction, then every release: its heading, its blocks, and each area's heading and blocks."""
        for text in roadmap.introduction:
            yield Paragraph(escape(text), self.styles["body"])
        for release in roadmap.releases:
            yield Paragraph(escape(release.heading), self.styles["h1"])
            yield from self.blocks(release.blocks, release, None)
            for area in release.areas:
                yield Paragraph(escape(area.title), self.styles["h2"])
                yield from self.blocks(area.blocks, release, area)

    def blocks(self, blocks: list[Block], release: Release, area: Area | None) -> Iterator[Flowable]:
        """A Paragraph for each item of a run of blocks, in document order (evepub.model's walk)."""
        for located in walk_blocks(blocks, release, area):
            item = located.item
            if item.kind is ItemKind.ITEM and located.style is not None:
                label = "•" if located.style is ListStyle.BULLET else located.style.label(located.number)
                yield Paragraph(escape(item.text), self.list_style(located.depth), bulletText=label)
            else:
                yield Paragraph(escape(item.text), self.styles["note" if item.kind is ItemKind.NOTE else "body"])

    def list_style(self, depth: int) -> ParagraphStyle:
        """The style of a list entry at one nesting depth: indented one step per level, the label in the indent."""
        if depth not in self.lists:
            self.lists[depth] = ParagraphStyle(
                f"list-{depth}",
                parent=self.styles["body"],
                spaceBefore=2.5,
                leftIndent=LIST_INDENT * (depth + 1),
                bulletIndent=LIST_INDENT * depth,
            )
        return self.lists[depth]


def main() -> int:
    """Set the texts of SOURCE in OUT.pdf."""
    if len(sys.argv) != 3:
        print("usage: platypus_alone.py SOURCE OUT.pdf", file=sys.stderr)
        return 2
    source, output = Path(sys.argv[1]), Path(sys.argv[2])
    roadmap = load(source)
    register_faces()
    output.parent.mkdir(parents=True, exist_ok=True)
    document = SimpleDocTemplate(
        str(output), pagesize=A4, leftMargin=60, rightMargin=60, topMargin=72, bottomMargin=64, title=roadmap.title
    )
    document.build(list(Setter().story(roadmap)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
