"""The table of formats: every output format is one package here and one row below.

Everything that lists formats derives from FORMATS: the CLI's choices, the build and its render order,
verify, the bench and the Makefile's outputs. A format's package holds `writer.py` (write), `reader.py`
(read, for verify) and `contract.py` (what both must agree on, and what the format shows back, SHOWS);
each is imported only when that format is used. A format that writes in parts has `parts.py` too, with
`worth_splitting(roadmap)`, which imports no library: the process that loads the source asks it.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from evepub.formats.readback import Shows
    from evepub.formats.settings import ReaderModule, WriterModule
    from evepub.model import Roadmap
    from evepub.templating import Templates


TIMELINE_PICTURE = "roadmap-timeline.svg"  # drawn by the PDF writer when a release has a period; the Markdown shows it


@dataclass(frozen=True)
class Format:
    """One output format: its package, the files it writes, and what it costs to render."""

    name: str  # as the CLI's --format takes it
    title: str  # for people
    package: str  # holds writer.py, reader.py and contract.py
    output: str  # the main output, relative to the output folder; verify reads it back
    other_outputs: tuple[str, ...]  # further files it writes (glob patterns), each checked or linked from `output`
    cost: int  # relative render time: formats render slowest first, so the longest starts first
    libraries: frozenset[str]  # the heavy top-level modules its writer may import
    parts: bool = False  # its writer can write its files in shares, write(..., part=(k, n)), one per process

    def writer(self) -> WriterModule:
        """The writer module, imported on first use."""
        return importlib.import_module(f"{self.package}.writer")  # type: ignore[return-value]

    def reader(self) -> ReaderModule:
        """The reader module, imported on first use."""
        return importlib.import_module(f"{self.package}.reader")  # type: ignore[return-value]

    def worth_splitting(self, roadmap: Roadmap) -> bool:
        """Whether this roadmap gives a format with parts enough work to share it out among processes."""
        return bool(importlib.import_module(f"{self.package}.parts").worth_splitting(roadmap))

    def shows(self) -> Shows:
        """What the format shows of an item besides its text, as verify checks it."""
        return importlib.import_module(f"{self.package}.contract").SHOWS


FORMATS: dict[str, Format] = {
    row.name: row
    for row in (
        Format("md", "Markdown", "evepub.formats.markdown", "roadmap.md", (), 1, frozenset()),
        Format("docx", "Word", "evepub.formats.docx", "roadmap.docx", (), 2, frozenset({"docx", "reportlab"})),
        Format(
            "pdf", "PDF", "evepub.formats.pdf", "roadmap.pdf", (TIMELINE_PICTURE,), 4, frozenset({"reportlab"})
        ),
        Format(
            "xlsx",
            "Excel trackers",
            "evepub.formats.xlsx",
            "roadmap-tracker.xlsx",
            ("trackers/*.xlsx",),
            3,
            frozenset({"openpyxl"}),
            parts=True,  # hundreds of trackers for a roadmap of many small releases: every process writes some
        ),
    )
}


def built_files(names: tuple[str, ...]) -> frozenset[str]:
    """Every file (or pattern) a build of these formats writes."""
    return frozenset(path for name in names for path in (FORMATS[name].output, *FORMATS[name].other_outputs))


def writer(name: str) -> WriterModule:
    """The writer module of one format, imported on first use."""
    return FORMATS[name].writer()


def reader(name: str) -> ReaderModule:
    """The reader module of one format, imported on first use."""
    return FORMATS[name].reader()


def slowest_first(names: list[str]) -> list[str]:
    """Formats in the order their renders should start: the costliest first."""
    return sorted(names, key=lambda name: -FORMATS[name].cost)


def render_jobs(names: list[str], processes: int, roadmap: Roadmap | None = None) -> list[str]:
    """The render jobs of a build, costliest first: one per format, or with several processes, for a format
    whose writer writes in parts, one per process ("xlsx:1/2", "xlsx:2/2"), each a share of its cost.

    A format is split only when it is the costliest of the build (else the costliest, the PDF, ends last
    anyway, and every part repeats the work its files share) and, given the roadmap, when that is worth it."""
    jobs: list[tuple[float, str]] = []
    costliest = max(FORMATS[name].cost for name in names) if names else 0
    for name in names:
        split = FORMATS[name].parts and processes >= 2 and FORMATS[name].cost == costliest
        if split and (roadmap is None or FORMATS[name].worth_splitting(roadmap)):
            jobs += [(FORMATS[name].cost / processes, f"{name}:{k}/{processes}") for k in range(1, processes + 1)]
        else:
            jobs.append((FORMATS[name].cost, name))
    return [job for _, job in sorted(jobs, key=lambda pair: -pair[0])]


def led_by(jobs: list[str], prepared: list[str]) -> list[str]:
    """The jobs, those of the formats the render processes prepared first (one each, in their order), then the rest."""
    waiting, first = list(jobs), []
    for job in prepared:
        same = next((other for other in waiting if job_part(other)[0] == job_part(job)[0]), None)
        if same is not None:
            waiting.remove(same)
            first.append(same)
    return first + waiting


def job_part(job: str) -> tuple[str, tuple[int, int] | None]:
    """A render job's format and its part (k, n), None when the job is the whole format."""
    name, _, part = job.partition(":")
    if not part:
        return name, None
    k, _, n = part.partition("/")
    return name, (int(k), int(n))


def prepare_writer(name: str, templates: Templates) -> None:
    """Do what a format needs before there is a roadmap: its imports, wording.j2, the writer's own `prepare`."""
    module = writer(job_part(name)[0])
    templates.wording()
    prepare = getattr(module, "prepare", None)
    if prepare is not None:
        prepare(templates)
