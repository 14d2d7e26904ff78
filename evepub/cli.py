"""The `evepub` command: a thin layer of arguments and messages over the library."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import traceback
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NoReturn

from evepub import __version__
from evepub.errors import EvepubError, ExitStatus, SourceError, ctrl_c_kept
from evepub.formats import FORMATS
from evepub.gc_pause import collection_paused


def parser() -> argparse.ArgumentParser:
    """The argument parser of every sub-command."""
    main = argparse.ArgumentParser(prog="evepub", description="Publish the EVE-OS roadmap from one YAML source.")
    main.add_argument("--version", action="version", version=f"evepub {__version__}")
    main.add_argument("--debug", action="store_true", help="show the traceback of an internal error")
    commands = main.add_subparsers(dest="command", required=True, metavar="COMMAND")

    build = commands.add_parser("build", help="publish the roadmap in every format")
    _source_and_outdir(build)
    build.add_argument("--format", dest="formats", metavar="LIST", help=f"comma-separated: {','.join(FORMATS)} (all)")
    build.add_argument("--templates", type=Path, metavar="DIR", help="template folder (templates/)")
    build.add_argument("--page-size", default="A4", choices=("A4", "Letter"), help="PDF page size (A4)")
    build.add_argument("--quiet", action="store_true", help="print nothing on success")
    build.add_argument(
        "--verify", action="store_true", help="then read every output back as `evepub verify` does (all formats)"
    )
    build.add_argument(
        "--changes-since", metavar="OLD", help="add a 'Changes since' section: OLD is a file, or git:REV"
    )

    imported = commands.add_parser("import", help="turn a roadmap in the original plain-text conventions into YAML")
    imported.add_argument("text", type=Path, metavar="TEXT")
    imported.add_argument("-o", "--output", type=Path, metavar="YAML", help="write here instead of standard output")
    imported.add_argument(
        "--update", type=Path, metavar="SOURCE", help="bring this edition into SOURCE, keeping ids and tracked fields"
    )
    imported.add_argument("--dry-run", action="store_true", help="with --update: print the decisions, write nothing")
    imported.add_argument("--quiet", action="store_true", help="print nothing on success")

    validate = commands.add_parser("validate", help="check the source and report every problem")
    validate.add_argument("source", type=Path, nargs="?", default=Path("source/roadmap.yaml"), metavar="SOURCE")

    verify = commands.add_parser("verify", help="read every output back and compare it with the source")
    _source_and_outdir(verify)
    verify.add_argument("--original", type=Path, metavar="TEXT", help="also compare with the original plain text")

    diff = commands.add_parser("diff", help="what changed between two sources (OLD may be git:REV)")
    diff.add_argument("old", metavar="OLD", help="the older source: a file, or git:REV for the working copy at REV")
    diff.add_argument("new", type=Path, nargs="?", default=Path("source/roadmap.yaml"), metavar="NEW")
    diff.add_argument("-o", "--output", type=Path, metavar="FILE", help="write the Markdown here")
    diff.add_argument("--templates", type=Path, metavar="DIR", help="template folder (templates/)")

    sync = commands.add_parser("sync", help="merge status, owner, target date and notes from trackers into the source")
    sync.add_argument(
        "paths", type=Path, nargs="+", metavar="TRACKER", help="trackers, merged in order; a last .yaml is the SOURCE"
    )
    sync.add_argument("--source", type=Path, help="the source (source/roadmap.yaml)")
    sync.add_argument("--skip-conflicts", action="store_true", help="merge the edits that do not conflict")
    sync.add_argument("--dry-run", action="store_true", help="print what would change and the conflicts; write nothing")
    return main


def _source_and_outdir(command: argparse.ArgumentParser) -> None:
    command.add_argument("source", type=Path, nargs="?", default=Path("source/roadmap.yaml"), metavar="SOURCE")
    command.add_argument("-o", "--outdir", type=Path, default=Path("build"), metavar="OUTDIR")


def run(args: argparse.Namespace) -> int:
    """Carry out one parsed command; errors propagate as exceptions."""
    handler = {
        "build": _build,
        "import": _import,
        "validate": _validate,
        "verify": _verify,
        "diff": _diff,
        "sync": _sync,
    }
    return handler[args.command](args)


def _build(args: argparse.Namespace) -> int:
    # the collector would rescan every module object again and again while the libraries import: pause it
    with collection_paused():
        from evepub.build import build, build_and_verify, parse_formats
        from evepub.templating import DEFAULT_TEMPLATES

        formats = parse_formats(args.formats)
        if args.verify and formats != list(FORMATS):
            raise EvepubError("--verify reads back every format: leave out --format")
        progress = None if args.quiet else terminal_progress(len(formats))
        templates = args.templates or DEFAULT_TEMPLATES
        if args.verify:
            outputs, report = build_and_verify(
                args.source, args.outdir, templates, args.page_size, args.changes_since, progress
            )
        else:
            outputs = build(args.source, args.outdir, formats, templates, args.page_size, args.changes_since, progress)
            report = None
    if not args.quiet:
        for output in outputs:
            print(f"{output.path}  {output.size:,} bytes  {output.seconds:.2f} s")
    if report is None:
        return ExitStatus.OK
    if not (args.quiet and report.ok):
        print(report.render())
    return ExitStatus.OK if report.ok else ExitStatus.DIFFERENCES


def terminal_progress(total: int) -> Callable[[str], None] | None:
    """A one-line progress display on a terminal; None in CI logs, pipes and files."""
    if not sys.stderr.isatty() or os.environ.get("CI"):
        return None
    done: list[str] = []

    def show(name: str) -> None:
        done.append(name)
        end = "\n" if len(done) == total else ""
        print(f"\revepub: built {len(done)}/{total}: {', '.join(done)}", end=end, file=sys.stderr, flush=True)

    return show


def _import(args: argparse.Namespace) -> int:
    if args.update is not None:
        return _update(args)
    from evepub.importer import import_text
    from evepub.source import dumps, loads

    text = _read_text_file(args.text)
    imported = import_text(text, str(args.text))
    yaml_text = dumps(imported.roadmap)
    loads(yaml_text, str(args.output or "<import>"))  # what import writes must itself validate
    for line in [] if args.quiet else imported.guess_lines(str(args.text)):
        print(line, file=sys.stderr)
    if args.output is None:
        sys.stdout.write(yaml_text)
    else:
        from evepub.build import publish

        publish(args.output.parent, {args.output.name: yaml_text.encode("utf-8")})
        if not args.quiet:
            print(f"{args.output}: imported", file=sys.stderr)
    return ExitStatus.OK


def _validate(args: argparse.Namespace) -> int:
    from evepub.model import walk
    from evepub.source import load

    roadmap = load(args.source)
    items = sum(1 for _ in walk(roadmap))
    print(f"{args.source}: valid ({len(roadmap.releases)} releases, {items} items)")
    return ExitStatus.OK


def _verify(args: argparse.Namespace) -> int:
    from evepub.verify import verify

    report = verify(args.source, args.outdir, args.original)
    print(report.render())
    return ExitStatus.OK if report.ok else ExitStatus.DIFFERENCES


def _diff(args: argparse.Namespace) -> int:
    from evepub.diff import changes_since
    from evepub.formats.markdown.changes import render_markdown
    from evepub.source import load
    from evepub.templating import DEFAULT_TEMPLATES, Templates

    changes = changes_since(args.old, load(args.new), args.new)
    text = render_markdown(changes, Templates(args.templates or DEFAULT_TEMPLATES))
    if args.output is None:
        sys.stdout.write(text)
    else:
        from evepub.build import publish

        publish(args.output.parent, {args.output.name: text.encode("utf-8")})
    return ExitStatus.OK


def _sync(args: argparse.Namespace) -> int:
    from evepub.sync import sync

    trackers, source = _sync_paths(args)
    report = sync(trackers, source, args.skip_conflicts, args.dry_run)
    for warning in report.warnings:
        print(f"evepub: warning: {warning}", file=sys.stderr)
    for conflict in report.conflicts:
        print(f"conflict: {conflict.line()}", file=sys.stderr)
    named = ", ".join(map(str, trackers))
    if report.written or (args.dry_run and report.changes):
        for item_id, change in report.changes:
            print(f"{item_id}: {change.name}: {_shown(change.old)} -> {_shown(change.new)}")
        done = "would be merged (dry run: nothing written)" if args.dry_run else "merged"
        print(f"{source}: {_count(len(report.changes), 'change')} {done} from {named}")
    if report.conflicts:
        outcome = "the other edits were merged" if report.written else "nothing was merged"
        print(f"evepub sync: {_count(len(report.conflicts), 'conflict')}; {outcome}", file=sys.stderr)
        return ExitStatus.DIFFERENCES
    if not report.changes:
        agree = "the tracker agrees" if len(trackers) == 1 else "the trackers agree"
        print(f"{source}: no changes; {agree} with the source")
    return ExitStatus.OK


def _sync_paths(args: argparse.Namespace) -> tuple[list[Path], Path]:
    """The trackers and the source of `evepub sync`: a last path ending in .yaml or .yml is the source."""
    paths = list(args.paths)
    if args.source is None and len(paths) > 1 and paths[-1].suffix.lower() in (".yaml", ".yml"):
        return paths[:-1], paths[-1]
    return paths, args.source or Path("source/roadmap.yaml")


def _update(args: argparse.Namespace) -> int:
    from evepub.update import run

    result, written = run(args.text, args.update, args.dry_run)
    for decision in result.decisions:
        print(decision.line())
    counts = Counter(decision.kind for decision in result.decisions)
    summary = ", ".join(f"{counts[kind]} {kind}" for kind in ("kept", "matched", "added", "removed", "unsure"))
    outcome = "written" if written else "nothing written (dry run)" if args.dry_run else "unchanged"
    print(f"{args.update}: {summary}; {outcome}")
    return ExitStatus.OK


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _shown(value: str | None) -> str:
    """A field value on one line, '(none)' when the field is not set."""
    return "(none)" if value is None else value.replace("\r", "\\r").replace("\n", "\\n")


def _read_text_file(path: Path) -> str:
    try:
        data = path.read_bytes()
    except OSError as error:
        raise EvepubError(f"cannot read {path}: {error.strerror}") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise SourceError(str(path), line, 1, "the file is not UTF-8 text; save it as UTF-8") from None


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line, turning every failure into one line and a documented exit status."""
    args = parser().parse_args(argv)
    try:
        with ctrl_c_kept():
            return run(args)
    except SourceError as error:
        for problem in error.problems:
            print(problem, file=sys.stderr)
        return error.status
    except EvepubError as error:
        print(f"evepub: {error}", file=sys.stderr)
        return error.status
    except KeyboardInterrupt:
        print("evepub: interrupted", file=sys.stderr)
        return ExitStatus.INTERRUPTED
    except BrokenPipeError:
        return ExitStatus.OK
    except Exception as error:  # a bug: one line for users, the traceback with --debug
        if args.debug:
            traceback.print_exc()
        print(
            f"evepub: internal error: {type(error).__name__}: {error} "
            "(a bug in evepub; run again with --debug and report the traceback)",
            file=sys.stderr,
        )
        return ExitStatus.INTERNAL


def console() -> NoReturn:
    """The `evepub` program: run the command line, then end the process without tearing the interpreter down.

    Freeing every imported module's objects one by one at exit costs a build 15-30 ms and achieves nothing:
    the outputs are published and every file is closed by then. Only the standard streams need flushing.
    """
    status = main()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(BrokenPipeError, ValueError):  # a reader that went away, a closed stream
            stream.flush()
    os._exit(status)
