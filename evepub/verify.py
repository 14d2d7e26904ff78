"""Fidelity as a command: read every published file back and compare it with the source."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path

from evepub import source
from evepub.errors import EvepubError
from evepub.model import Entry, outline
from evepub.readers import READERS, reader

OUTPUT_FILES = {"md": "roadmap.md", "docx": "roadmap.docx", "pdf": "roadmap.pdf", "xlsx": "roadmap-tracker.xlsx"}
MAX_LISTED = 5


@dataclass
class Comparison:
    """How one read-back sequence of entries compares with the expected one."""

    name: str
    expected: int
    found: int = 0
    missing: list[Entry] = field(default_factory=list)
    extra: list[Entry] = field(default_factory=list)
    changed: list[tuple[Entry, Entry]] = field(default_factory=list)  # same text, other depth or style
    unrecoverable: list[str] = field(default_factory=list)
    error: str | None = None

    @property
    def ok(self) -> bool:
        """True when nothing is missing, extra or changed."""
        return self.error is None and not (self.missing or self.extra or self.changed)

    def lines(self) -> list[str]:
        """The compact report of this comparison."""
        if self.error:
            return [f"{self.name:<9} FAILED  {self.error}"]
        verdict = "ok" if self.ok else "DIFFERENT"
        head = (
            f"{self.name:<9} {verdict:<9} {self.found}/{self.expected} entries found; "
            f"{len(self.missing)} missing, {len(self.extra)} extra, {len(self.changed)} with other nesting "
            "or numbering"
        )
        if self.unrecoverable:
            head += f"; not kept by the format: {', '.join(self.unrecoverable)}"
        details = [f"    missing {describe(entry)}" for entry in self.missing[:MAX_LISTED]]
        details += [f"    extra {describe(entry)}" for entry in self.extra[:MAX_LISTED]]
        details += [
            f"    changed {describe(want)}: {nesting(want)} expected, {nesting(got)} found"
            for want, got in self.changed[:MAX_LISTED]
        ]
        return [head, *details]


@dataclass
class Report:
    """The comparison of every output (and optionally the original text) with the source."""

    comparisons: list[Comparison]

    @property
    def ok(self) -> bool:
        """True when every output says exactly what the source says."""
        return all(comparison.ok for comparison in self.comparisons)

    def render(self) -> str:
        """The report as text, one block per format."""
        lines = [line for comparison in self.comparisons for line in comparison.lines()]
        lines.append("verify: " + ("every output says what the source says" if self.ok else "differences found"))
        return "\n".join(lines)


def describe(entry: Entry) -> str:
    """An entry as a person finds it: kind, text and id."""
    text = entry.text if len(entry.text) <= 80 else entry.text[:77] + "..."
    return f"{entry.kind} '{text}'" + (f" ({entry.id})" if entry.id else "")


def nesting(entry: Entry) -> str:
    """The depth and list style of an entry, for a report."""
    return f"depth {entry.depth} {entry.style.value if entry.style else 'no list'}"


def normal(text: str) -> str:
    """Text with runs of white space folded, as every format may wrap or pad it."""
    return re.sub(r"\s+", " ", text).strip()


def compare(name: str, expected: list[Entry], found: list[Entry]) -> Comparison:
    """Align two entry sequences by kind and text, and list what is missing, extra or changed."""
    result = Comparison(name, len(expected))
    want = [(entry.kind, normal(entry.text)) for entry in expected]
    got = [(entry.kind, normal(entry.text)) for entry in found]
    matcher = difflib.SequenceMatcher(None, want, got, autojunk=False)
    for tag, w1, w2, g1, g2 in matcher.get_opcodes():
        if tag == "equal":
            result.found += w2 - w1
            for wanted, seen in zip(expected[w1:w2], found[g1:g2], strict=True):
                if (wanted.depth, wanted.style) != (seen.depth, seen.style):
                    result.changed.append((wanted, seen))
        else:
            result.missing.extend(expected[w1:w2])
            result.extra.extend(found[g1:g2])
    return result


def verify(source_path: Path, outdir: Path, original: Path | None = None) -> Report:
    """Compare every published output in OUTDIR (and the original text, if given) with the source."""
    roadmap = source.load(source_path)
    expected = outline(roadmap)
    comparisons: list[Comparison] = []
    if original is not None:
        comparisons.append(compare_original(original, expected))
    for name in READERS:
        path = Path(outdir) / OUTPUT_FILES[name]
        if not path.exists():
            comparisons.append(Comparison(name, len(expected), error=f"{path} does not exist; run evepub build"))
            continue
        try:
            read_back = reader(name).read(path)
        except EvepubError as error:
            comparisons.append(Comparison(name, len(expected), error=str(error)))
            continue
        comparison = compare(name, expected, read_back.entries)
        comparison.unrecoverable = read_back.unrecoverable
        comparisons.append(comparison)
    return Report(comparisons)


def compare_original(original: Path, expected: list[Entry]) -> Comparison:
    """The source against the original plain text it was imported from."""
    from evepub.readers.text import read_text

    try:
        text = original.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise EvepubError(f"cannot read the original {original}: {error}") from None
    from_original = [Entry(e.kind, e.text, e.depth, e.style) for e in outline(read_text(text, str(original)))]
    without_ids = [Entry(e.kind, e.text, e.depth, e.style) for e in expected]
    return compare("original", from_original, without_ids)
