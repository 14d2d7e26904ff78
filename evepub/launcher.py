"""The `evepub` program's entry point: a Ctrl-C from its first moment ends it with one line, never a traceback.

Importing the command line takes tens of milliseconds (argparse, the table of formats); until it has, Ctrl-C ends
the process here, with the line and the exit status the command line gives an interrupted run.
"""

from __future__ import annotations

import os
import signal  # and nothing else, not even typing: until console() runs, a Ctrl-C is still a traceback

INTERRUPTED = 130  # errors.ExitStatus.INTERRUPTED, not imported: this module imports nothing of evepub's first


def interrupted(signum: int, frame: object) -> None:
    """End the process at once: nothing has been read or written yet."""
    os.write(2, b"evepub: interrupted\n")
    os._exit(INTERRUPTED)


def console() -> None:
    """Import the command line with Ctrl-C ending the process quietly, then run it (which reports Ctrl-C itself)."""
    previous = signal.signal(signal.SIGINT, interrupted)
    from evepub.cli import console as run

    signal.signal(signal.SIGINT, previous)
    run()
