"""Fidelity as a command: read every published file back and compare it with the source.

Each output is read back by its reader into flat entries (and, where the format shows them, list numbers,
statuses and links), aligned with the source's outline by kind and text, and every difference is named:
entries missing, extra or edited, moved out of order, at another nesting depth, with another list marker,
another id, status or links. The per-release trackers are each compared with their release.
"""

from __future__ import annotations

import dataclasses
import difflib
import functools
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from evepub import source
from evepub.errors import EvepubError
from evepub.formats import FORMATS, reader, slowest_first
from evepub.formats.readback import Shows
from evepub.model import Entry, ItemKind, Located, ReadBack, Roadmap, placed_outline, walk

if TYPE_CHECKING:
    from evepub.render_processes import RenderProcesses

MAX_LISTED = 5
ITEM_KINDS = {kind.value for kind in ItemKind}
SHOWN_KINDS = ITEM_KINDS | {"title"}  # texts a format may show only in part (Shows.visible)
ASPECTS = ("order", "nesting", "numbering")  # shown as "ok" or "N differ" in every report line


@dataclass(frozen=True)
class Expected:
    """What a reader should find: the outline, and behind each item entry the item in its place."""

    roadmap: Roadmap
    entries: list[Entry]
    places: list[Located | None]

    @classmethod
    def of(cls, roadmap: Roadmap) -> Expected:
        """The outline of a roadmap with each item's place."""
        entries, places = placed_outline(roadmap)
        return cls(roadmap, entries, places)

    def number(self, index: int) -> int:
        """The number the marker of entry `index` shows: 0 for bullets and entries outside lists."""
        place = self.places[index]
        return place.number if place is not None and place.style is not None and place.style.numbered else 0


@dataclass(frozen=True)
class Difference:
    """One named difference: its aspect, where it is in the document, and the report line."""

    aspect: str  # missing, extra, edited, order, nesting, numbering, ids, statuses, links
    position: float  # in the expected sequence, so that differences are listed in document order
    line: str


@dataclass
class Tally:
    """How many of the statuses or links that should be shown are."""

    shown: int = 0
    expected: int = 0


@dataclass
class Comparison:
    """How one output read back compares with what it should say."""

    name: str
    expected: int
    found: int = 0
    differences: list[Difference] = field(default_factory=list)
    statuses: Tally | None = None  # None when the format shows no statuses
    links: Tally | None = None
    shows: bool = False  # whether statuses and links were compared at all
    keeps_ids: bool = False
    unrecoverable: list[str] = field(default_factory=list)
    error: str | None = None

    @property
    def ok(self) -> bool:
        """True when nothing is missing, extra or changed."""
        return self.error is None and not self.differences

    def count(self, aspect: str) -> int:
        """How many differences of one aspect there are."""
        return sum(1 for difference in self.differences if difference.aspect == aspect)

    def lines(self, width: int = 9) -> list[str]:
        """The compact report: one line for the output, then its first differences in document order."""
        if self.error:
            return [f"{self.name:<{width}} FAILED    {self.error}"]
        return [self.head(width), *self.details()]

    def head(self, width: int) -> str:
        """The one line that sums up the output."""
        lost = [f"{self.count(aspect)} {aspect}" for aspect in ("missing", "extra", "edited") if self.count(aspect)]
        parts = [f"{self.found}/{self.expected} entries" + (f" ({', '.join(lost)})" if lost else "")]
        parts += [f"{aspect} {self._verdict(aspect)}" for aspect in ASPECTS]
        if self.keeps_ids:
            parts.append(f"ids {self._verdict('ids')}")
        if self.shows:
            parts += [_tally("statuses", self.statuses), _tally("links", self.links)]
        if self.unrecoverable:
            parts.append(f"not kept: {', '.join(self.unrecoverable)}")
        verdict = "ok" if self.ok else "DIFFERENT"
        return f"{self.name:<{width}} {verdict:<9} " + "; ".join(parts)

    def details(self) -> list[str]:
        """The first differences, one line each, and how many more there are."""
        ordered = sorted(self.differences, key=lambda difference: difference.position)
        lines = [f"    {difference.line}" for difference in ordered[:MAX_LISTED]]
        if len(ordered) > MAX_LISTED:
            lines.append(f"    ... and {len(ordered) - MAX_LISTED} more")
        return lines

    def _verdict(self, aspect: str) -> str:
        count = self.count(aspect)
        if not count:
            return "ok"
        return f"{count} moved" if aspect == "order" else f"{count} differ"


def _tally(name: str, tally: Tally | None) -> str:
    return f"{name} not shown" if tally is None else f"{name} {tally.shown}/{tally.expected}"


@dataclass
class Report:
    """The comparison of every output (and optionally the original text) with the source."""

    comparisons: list[Comparison]

    @property
    def ok(self) -> bool:
        """True when every output says exactly what the source says."""
        return all(comparison.ok for comparison in self.comparisons)

    def render(self) -> str:
        """The report as text: one line per output, each followed by its first differences."""
        width = max([9, *(len(comparison.name) for comparison in self.comparisons)])
        lines = [line for comparison in self.comparisons for line in comparison.lines(width)]
        lines.append("verify: " + ("every output says what the source says" if self.ok else "differences found"))
        return "\n".join(lines)


def describe(entry: Entry, item_id: str | None = None) -> str:
    """An entry as a person finds it: kind, text and id (its own, else the one given)."""
    item_id = entry.id or item_id
    return f"{entry.kind} {quoted(entry.text)}" + (f" ({item_id})" if item_id else "")


def quoted(text: str) -> str:
    """Text on one line in quotes, cut to a readable length."""
    text = " ".join(text.split())
    text = text if len(text) <= 80 else text[:77] + "..."
    return f"'{text}'"


def marker(entry: Entry, number: int | None) -> str:
    """The list marker of an entry, for a report: style and the label it shows."""
    if entry.style is None:
        return "no list"
    if number and entry.style.numbered:
        return f"{entry.style.value} '{entry.style.label(number)}'"
    return entry.style.value


def normal(text: str) -> str:
    """Text with runs of white space folded, as every format may wrap or pad it (str.split's white space is the
    regular expressions' \\s, and splitting is three times as fast)."""
    return " ".join(text.split())


def key(entry: Entry, shown: Callable[[str], str]) -> tuple[str, str]:
    """An entry as alignment compares it: its kind, and its text as the format shows it with white space folded."""
    return entry.kind, normal(shown(entry.text) if entry.kind in SHOWN_KINDS else entry.text)


class Alignment:
    """Expected and found entries paired: in order by kind and text, then moved ones, then ones edited in place.

    Pairs are (expected index, found index); `missing` and `extra` are what is left unpaired.
    """

    def __init__(self, expected: list[Entry], found: list[Entry], shows: Shows | None = None) -> None:
        self.expected, self.found = expected, found
        visible, fold = (shows.visible, shows.fold) if shows else (str, str)
        self.want = [key(entry, lambda text: fold(visible(text))) for entry in expected]
        self.got = [key(entry, fold) for entry in found]
        self.equal: list[tuple[int, int]] = []
        self.moved: list[tuple[int, int]] = []
        self.edited: list[tuple[int, int]] = []
        self.found_position: dict[int, float] = {}  # a found index -> where it stands among the expected ones
        self.unpaired_want: set[int] = set()
        self.unpaired_got: set[int] = set()
        replaced = self._match_in_order()
        self._pair_by_id()
        self._pair_moved()
        for wanted, seen in replaced:
            self._pair_edited(wanted, seen)

    @property
    def missing(self) -> list[int]:
        """Expected entries found nowhere."""
        return sorted(self.unpaired_want)

    @property
    def extra(self) -> list[int]:
        """Found entries the source does not have."""
        return sorted(self.unpaired_got)

    def _match_in_order(self) -> list[tuple[range, range]]:
        """The longest runs in the same order; the runs replaced by others, for edits in place."""
        replaced = []
        if self.want == self.got:  # the common case, an output that says what the source says: one equal run
            opcodes = [("equal", 0, len(self.want), 0, len(self.got))]
        else:
            opcodes = difflib.SequenceMatcher(None, self.want, self.got, autojunk=False).get_opcodes()
        for tag, w1, w2, g1, g2 in opcodes:
            self.found_position.update({g: w1 - 0.5 + (g - g1 + 1) / (g2 - g1 + 2) for g in range(g1, g2)})
            if tag == "equal":
                self.equal.extend(zip(range(w1, w2), range(g1, g2), strict=True))
                continue
            self.unpaired_want.update(range(w1, w2))
            self.unpaired_got.update(range(g1, g2))
            if tag == "replace":
                replaced.append((range(w1, w2), range(g1, g2)))
        return replaced

    def _pair(self, pairs: list[tuple[int, int]], w: int, g: int) -> None:
        pairs.append((w, g))
        self.unpaired_want.discard(w)
        self.unpaired_got.discard(g)

    def _pair_by_id(self) -> None:
        """Entries with the same id: moved when their text is the same, edited when it is not."""
        by_id = {self.found[g].id: g for g in self.extra if self.found[g].id}
        for w in self.missing:
            g = by_id.get(self.expected[w].id) if self.expected[w].id else None
            if g is not None and g in self.unpaired_got:
                self._pair(self.moved if self.want[w] == self.got[g] else self.edited, w, g)

    def _pair_moved(self) -> None:
        """Entries of the same kind and text found elsewhere."""
        waiting: dict[tuple[str, str], list[int]] = defaultdict(list)
        for g in self.extra:
            waiting[self.got[g]].append(g)
        for w in self.missing:
            if waiting[self.want[w]]:
                self._pair(self.moved, w, waiting[self.want[w]].pop(0))

    def _pair_edited(self, wanted: range, seen: range) -> None:
        """Entries edited in place: as many left on both sides of a replaced run, of the same kinds in order."""
        left_want = [w for w in wanted if w in self.unpaired_want]
        left_got = [g for g in seen if g in self.unpaired_got]
        if len(left_want) == len(left_got):
            for w, g in zip(left_want, left_got, strict=True):
                if self.want[w][0] == self.got[g][0]:
                    self._pair(self.edited, w, g)


def compare(name: str, expected: Expected, back: ReadBack, shows: Shows | None = None) -> Comparison:
    """Compare what a reader found with what the source says, naming every difference."""
    found = back.entries
    alignment = Alignment(expected.entries, found, shows)
    result = Comparison(name, len(expected.entries), found=len(alignment.equal) + len(alignment.moved))
    result.unrecoverable = list(back.unrecoverable)
    result.keeps_ids = any(entry.id for entry in found) and any(entry.id for entry in expected.entries)
    add = result.differences.append
    for w in alignment.missing:
        add(Difference("missing", w, f"missing {describe(expected.entries[w])}"))
    for g in alignment.extra:
        add(Difference("extra", alignment.found_position[g], f"extra {describe(found[g])}"))
    for w, g in alignment.edited:
        want, got = expected.entries[w], found[g]
        add(Difference("edited", w, f"edited {describe(want, got.id)}: now {quoted(got.text)}"))
    for w, g in alignment.moved:
        add(Difference("order", w, f"moved {describe(expected.entries[w])}: {_moved(expected.entries, found, w, g)}"))
    if shows is not None:
        result.shows = True
        result.statuses = Tally() if back.statuses is not None else None
        result.links = Tally() if back.links is not None else None
    for w, g in sorted(alignment.equal + alignment.moved + alignment.edited):
        _compare_pair(result, expected, back, shows, w, g)
    return result


def _moved(expected: list[Entry], found: list[Entry], w: int, g: int) -> str:
    """Where a moved entry should be and where it is: after which entry."""

    def after(entries: list[Entry], index: int) -> str:
        return f"after {quoted(entries[index - 1].text)}" if index else "first"

    return f"expected {after(expected, w)}, found {after(found, g)}"


def _compare_pair(result: Comparison, expected: Expected, back: ReadBack, shows: Shows | None, w: int, g: int) -> None:
    """Nesting, numbering, id, status and links of one entry found where it should be (or moved)."""
    want, got = expected.entries[w], back.entries[g]
    add = result.differences.append
    if want.depth != got.depth:
        add(Difference("nesting", w, f"nesting of {describe(want)}: depth {want.depth} expected, {got.depth} found"))
    number = back.numbers[g] if back.numbers is not None else None
    if want.style != got.style or (number is not None and want.style is not None and expected.number(w) != number):
        shown = f"{marker(want, expected.number(w))} expected, {marker(got, number)} found"
        add(Difference("numbering", w, f"numbering of {describe(want)}: {shown}"))
    if want.id and got.id and want.id != got.id:
        add(Difference("ids", w, f"id of {describe(want)}: {got.id} found"))
    place = expected.places[w]
    if shows is None or place is None:
        return
    if result.statuses is not None and back.statuses is not None:
        _compare_status(result, result.statuses, want, shows.status(place, expected.roadmap), back.statuses[g], w)
    if result.links is not None and back.links is not None:
        _compare_links(result, result.links, want, shows.links(place.item), back.links[g], w)


def _compare_status(
    result: Comparison, tally: Tally, want: Entry, status: str | None, seen: str | None, w: int
) -> None:
    if status is None and seen is None:
        return
    tally.expected += status is not None
    if status == seen:
        tally.shown += 1
        return
    shown = f"{_or_none(status)} expected, {_or_none(seen)} found"
    result.differences.append(Difference("statuses", w, f"status of {describe(want)}: {shown}"))


def _or_none(text: str | None) -> str:
    return "none" if text is None else quoted(text)


def _compare_links(result: Comparison, tally: Tally, want: Entry, links: list[str], seen: list[str], w: int) -> None:
    lost = [link for link in links if link not in seen]
    added = [link for link in seen if link not in links]
    tally.expected += len(links)
    tally.shown += len(links) - len(lost)
    if lost or added:
        changes = [f"{link} missing" for link in lost] + [f"{link} extra" for link in added]
        result.differences.append(Difference("links", w, f"links of {describe(want)}: {', '.join(changes)}"))


def verify(source_path: Path, outdir: Path, original: Path | None = None) -> Report:
    """Compare every published output in OUTDIR (and the original text, if given) with the source."""
    from evepub.render_processes import render_processes

    # fork first: the processes import the readers' libraries, and read their first outputs back, while another
    # process loads the source (reading needs no roadmap; comparing does)
    prepare = functools.partial(prepare_reader, outdir=Path(outdir))
    with render_processes(slowest_first(list(FORMATS)), prepare, {"verify": compare_output}) as processes:
        kept = processes.share_loaded(lambda: loaded_for_verify(source_path), keep=("trackers",))
        report = compare_outputs(processes, kept["trackers"], Path(outdir))
    if original is not None:
        report.comparisons.insert(0, compare_original(original, Expected.of(source.load(source_path))))
    return report


def loaded_for_verify(source_path: Path) -> dict[str, Any]:
    """What the processes that read back share: the roadmap, and each release's tracker."""
    roadmap = source.load(source_path)
    return {"roadmap": roadmap, "trackers": tracker_files(roadmap)}


READ_AHEAD: dict[Path, Future[ReadBack]] = {}  # outputs being read back before the roadmap arrives


def prepare_reader(job: str, outdir: Path | None = None) -> None:
    """What a process does before the roadmap arrives: import the reader of its first output and, given the output
    folder, start reading that output back in a thread, while this one takes the roadmap as it comes."""
    module = reader(job)
    path = outdir / FORMATS[job].output if outdir is not None else None
    if path is not None and path.is_file():
        worker = ThreadPoolExecutor(max_workers=1)
        READ_AHEAD[path] = worker.submit(module.read, path)
        worker.shutdown(wait=False)


def read_back(path: Path, format_name: str) -> ReadBack:
    """An output read back by its format's reader, or as the reading started ahead gave it."""
    ahead = READ_AHEAD.pop(path, None)
    if ahead is not None:
        try:
            return ahead.result()
        except Exception:  # read again: the error is reported as for any output
            pass
    return reader(format_name).read(path)


def compare_outputs(processes: RenderProcesses, trackers: dict[str, tuple[int, int]], outdir: Path) -> Report:
    """Every output and each release's tracker compared with the shared roadmap, in the processes that are free."""
    processes.share(outdir=outdir, trackers=trackers)
    by_cost = slowest_first(list(FORMATS)) + sorted(trackers, key=lambda name: -trackers[name][1])
    results = processes.run("verify", by_cost, lambda job: None)
    return Report([results[job] for job in [*FORMATS, *trackers]])


def tracker_files(roadmap: Roadmap) -> dict[str, tuple[int, int]]:
    """Each release's tracker: its path in the output folder, the release's index and its number of items."""
    from evepub.formats.xlsx.contract import TRACKERS_FOLDER, tracker_file_name  # without openpyxl

    taken: set[str] = set()
    files = {}
    for index, release in enumerate(roadmap.releases):
        items = sum(1 for _ in walk(dataclasses.replace(roadmap, releases=[release])))
        files[f"{TRACKERS_FOLDER}/{tracker_file_name(release.name, taken)}"] = (index, items)
    return files


def compare_output(job: str, shared: dict[str, Any]) -> Comparison:
    """A process's job: one output (a format's name, or a release's tracker) read back and compared."""
    roadmap, outdir = shared["roadmap"], shared["outdir"]
    if job in FORMATS:
        return compare_file(job, outdir / FORMATS[job].output, expected_of(shared), job)
    index, _ = shared["trackers"][job]
    single = Expected.of(dataclasses.replace(roadmap, releases=[roadmap.releases[index]]))
    return compare_file(job, outdir / job, single, "xlsx")


def expected_of(shared: dict[str, Any]) -> Expected:
    """The expected outline of the shared roadmap, made once per process."""
    roadmap = shared["roadmap"]
    known = shared.get("expected")
    if known is None or known.roadmap is not roadmap:
        known = shared["expected"] = Expected.of(roadmap)
    return known


def compare_file(name: str, path: Path, expected: Expected, format_name: str) -> Comparison:
    """One published file read back with its format's reader and compared; a missing file is reported as such."""
    if not path.is_file():
        return Comparison(name, len(expected.entries), error=f"missing: {path} does not exist; run evepub build")
    back = read_back(path, format_name)  # an unreadable or hostile file stops verify: EvepubError, exit 2
    comparison = compare(name, expected, back, FORMATS[format_name].shows())
    for picture in back.files:
        if not (path.parent / picture).is_file():
            line = f"missing: the picture {picture} that {path.name} shows does not exist"
            comparison.differences.append(Difference("missing", len(expected.entries), line))
    return comparison


def compare_original(original: Path, expected: Expected) -> Comparison:
    """The source against the original plain text it was imported from: the original is what it should say."""
    from evepub.importer import read_text

    try:
        text = original.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise EvepubError(f"cannot read the original {original}: {error}") from None
    from_original = Expected.of(read_text(text, str(original)))
    without_ids = [dataclasses.replace(entry, id=None) for entry in from_original.entries]
    numbers = [expected.number(index) for index in range(len(expected.entries))]
    source_side = ReadBack(expected.entries, numbers=numbers)
    return compare("original", dataclasses.replace(from_original, entries=without_ids), source_side)
