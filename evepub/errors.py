"""Errors that reach users as one line, and the exit statuses they map to."""

from __future__ import annotations

import contextlib
import functools
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from enum import IntEnum
from typing import Any


class ExitStatus(IntEnum):
    """Documented exit statuses of the `evepub` command."""

    OK = 0
    DIFFERENCES = 1  # verify found a difference, sync found conflicts
    BAD_INPUT = 2  # the source, a template, a tracker or an argument is wrong
    STOPPED = 3  # the machine stopped the build: a render process was killed (out of memory, a shutdown)
    INTERNAL = 70  # a bug in evepub (EX_SOFTWARE)
    INTERRUPTED = 130


_DROPPED_CTRL_C: list[BaseException] = []  # the Ctrl-Cs Python dropped during a command, kept by ctrl_c_kept()


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with an input file, at a position."""

    path: str
    line: int
    column: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}: {self.message}"


class EvepubError(Exception):
    """A problem the user can fix; printed as `evepub: message`, exit status 2."""

    status = ExitStatus.BAD_INPUT


class BuildStopped(EvepubError):
    """The machine, not evepub or its input, ended a render process; printed as `evepub: message`, exit status 3."""

    status = ExitStatus.STOPPED


class SourceError(EvepubError):
    """One or more problems in an input file, each printed as FILE:LINE:COL: message."""

    def __init__(self, *args: object, problems: list[Problem] | None = None) -> None:
        if problems is None:
            path, line, column, message = args
            problems = [Problem(str(path), int(line), int(column), str(message))]  # type: ignore[arg-type]
        self.problems = sorted(problems, key=lambda p: (p.line, p.column))
        super().__init__("\n".join(str(problem) for problem in self.problems))

    def __reduce__(self) -> tuple[Any, tuple[()]]:
        # rebuilt from its problems, so that it crosses the pipe from a render process intact
        return functools.partial(SourceError, problems=self.problems), ()


def yaml_syntax_error(error: Any, text: str, path: str, holds: str = "document") -> SourceError:
    """A PyYAML syntax error (MarkedYAMLError) as one FILE:LINE:COL problem, in words a user can act on."""
    mark = error.problem_mark or error.context_mark
    message = error.problem or str(error)
    if mark is not None and text[mark.index : mark.index + 1] == "\t":
        message = "a tab character; indent with spaces, not tabs"
    if "expected a single document" in str(error):
        message = f"the file holds more than one YAML document (a second '---'); keep one {holds} per file"
    line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    return SourceError(path, line, column, f"YAML syntax: {message}")


@contextlib.contextmanager
def ctrl_c_kept() -> Iterator[None]:
    """Keep a Ctrl-C that Python drops (raised in a weakref callback or a __del__): raised again at the next check."""
    previous = sys.unraisablehook

    def keep(unraisable: Any) -> None:
        if isinstance(unraisable.exc_value, KeyboardInterrupt):  # else "Exception ignored in", and the command goes on
            _DROPPED_CTRL_C.append(unraisable.exc_value)
        else:
            previous(unraisable)

    sys.unraisablehook = keep
    try:
        yield
        check_ctrl_c()
    finally:
        sys.unraisablehook = previous
        _DROPPED_CTRL_C.clear()


def check_ctrl_c() -> None:
    """Raise the KeyboardInterrupt of a Ctrl-C that Python dropped (imports drop them now and then), if any."""
    if _DROPPED_CTRL_C:
        raise KeyboardInterrupt
