"""Writes evepub/formats/xlsx/calibri.py, the advance widths of Calibri from a metric-compatible font file.

Run it once, when the table should change,
`python -m evepub.formats.xlsx.measure FONT.ttf > evepub/formats/xlsx/calibri.py`, with Carlito (Debian's
fonts-crosextra-carlito; `fc-match Calibri` names it), whose advance widths are Calibri's.
The build never reads a font file: the trackers' row heights come out the same on every machine.
"""

from __future__ import annotations

import sys
from pathlib import Path

RUN_WIDTHS_PER_LINE = 12
FIRST_CODE, LAST_CODE = 0x20, 0xFFFF  # printable characters of the Basic Multilingual Plane


def advances(path: Path) -> tuple[int, dict[int, int]]:
    """The font's units per em and the advance width in font units of every character it maps."""
    from reportlab.pdfbase.ttfonts import TTFontFile

    font = TTFontFile(str(path))
    per_em = int(font.unitsPerEm)
    widths = {code: round(width * per_em / 1000) for code, width in font.charWidths.items()}
    return per_em, {code: width for code, width in widths.items() if FIRST_CODE <= code <= LAST_CODE}


def runs(widths: dict[int, int]) -> list[tuple[int, list[int]]]:
    """The widths as runs of consecutive code points: (first code point, widths)."""
    found: list[tuple[int, list[int]]] = []
    for code in sorted(widths):
        if found and found[-1][0] + len(found[-1][1]) == code:
            found[-1][1].append(widths[code])
        else:
            found.append((code, [widths[code]]))
    return found


def module_text(path: Path) -> str:
    """The source of calibri.py for a font file."""
    per_em, widths = advances(path)
    lines = [
        '"""Advance widths of Calibri (regular), as its metric-compatible Carlito has them; written by measure.py."""',
        "",
        f'FONT_FILE = "{path.name}"',
        f"UNITS_PER_EM = {per_em}",
        "# (first code point, advance widths in font units of it and the code points after it)",
        "ADVANCE_RUNS: tuple[tuple[int, tuple[int, ...]], ...] = (",
    ]
    for first, run in runs(widths):
        lines.append(f"    (0x{first:04X}, (")
        for start in range(0, len(run), RUN_WIDTHS_PER_LINE):
            lines.append("        " + ", ".join(map(str, run[start : start + RUN_WIDTHS_PER_LINE])) + ",")
        lines.append("    )),")
    lines.append(")")
    return "\n".join(lines) + "\n"


def main(arguments: list[str]) -> int:
    """Print calibri.py for the font file named on the command line."""
    if len(arguments) != 1:
        print("usage: python -m evepub.formats.xlsx.measure FONT.ttf > evepub/formats/xlsx/calibri.py", file=sys.stderr)
        return 2
    sys.stdout.write(module_text(Path(arguments[0])))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
