"""Render processes: forked as a build starts, so that they import the writers' libraries while it loads the source.

A build of several formats on a machine of several cores forks one process per core (at most one per
format) before it reads the source. Each process imports the writer of the format it will render first
and prepares what needs no roadmap (fonts, compiled templates) while the build loads and validates the
source. The build then sends the roadmap to every process and hands out the formats, slowest first, each
to the next process that is free. A process that is not needed after all (bad input) is killed at once.

Ctrl-C reaches every process of the group. A render process ends quietly (SIGINT's default action, never
a traceback on the shared stderr) and the build reports it once. Ctrl-C is held off while a process is
forked and recorded, and while the processes are ended, so that none is ever left behind.
"""

from __future__ import annotations

import contextlib
import gc
import os
import pickle
import select
import signal
import struct
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, NoReturn

from evepub.errors import BuildStopped, EvepubError, check_ctrl_c
from evepub.formats import prepare_writer, slowest_first
from evepub.formats.settings import BuildSettings
from evepub.gc_pause import collection_paused
from evepub.model import Roadmap
from evepub.templating import Templates

LENGTH = struct.Struct("!Q")  # every message on a pipe: its length, then its pickle
RenderFormat = Callable[[str, Roadmap, BuildSettings], tuple[dict[str, bytes], float]]
STOPPING_SIGNALS = {signal.SIGKILL, signal.SIGTERM, signal.SIGHUP}  # the machine's doing, not a crash


class RemoteTraceback(Exception):
    """The traceback of an error in a render process, attached as the cause of the error re-raised here."""

    def __str__(self) -> str:
        return str(self.args[0])


@dataclass
class RenderProcess:
    """One forked process and the two pipes to it: jobs out, results back."""

    pid: int
    jobs: int
    results: int
    first: str  # the format it prepares while the build loads the source
    busy: str | None = None
    status: int | None = None  # how it ended, once reaped

    def reap(self) -> int:
        """Wait for the process to end (once) and return its wait status."""
        if self.status is None:
            self.status = os.waitpid(self.pid, 0)[1]
        return self.status

    def send(self, data: bytes) -> None:
        """Send the process one message; its death surfaces as died() says."""
        try:
            write_message(self.jobs, data)
        except BrokenPipeError:  # not the command's output closing: this process has ended
            raise self.died() from None

    def died(self) -> BaseException:
        """The error to raise for a process that ended without being asked to: Ctrl-C, a kill, a crash."""
        status = self.reap()
        signalled = os.WTERMSIG(status) if os.WIFSIGNALED(status) else None
        if signalled == signal.SIGINT:
            return KeyboardInterrupt()  # Ctrl-C reached the render processes before this one
        message = f"the process rendering {self.busy or self.first} {how_it_ended(status)}"
        if signalled in STOPPING_SIGNALS:
            return BuildStopped(f"{message}; the outputs are unchanged")
        return RuntimeError(message)


def how_it_ended(status: int) -> str:
    """A wait status in words, for the error that a render process died."""
    if os.WIFSIGNALED(status):
        name = signal.Signals(os.WTERMSIG(status)).name
        hint = " (out of memory?)" if name == "SIGKILL" else ""
        return f"was killed by {name}{hint}"
    return f"ended unexpectedly with exit status {os.waitstatus_to_exitcode(status)}"


def process_count(formats: list[str]) -> int:
    """How many render processes a build of these formats forks: none on one core or for a single format."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    count = min(len(formats), cores)
    return count if count >= 2 else 0


class RenderProcesses:
    """The render processes of one build; with none, every format renders in this process."""

    def __init__(self, formats: list[str], templates: Templates, render_format: RenderFormat) -> None:
        self.formats = slowest_first(formats)
        self.templates = templates
        self.render_format = render_format
        self.processes: list[RenderProcess] = []

    def start(self) -> None:
        """Fork one process per core, at most one per format; fewer, or none, on a machine out of processes."""
        check_ctrl_c()
        gc.freeze()  # what is alive now lives to the end: no collection in a forked process need scan it
        try:
            for first in self.formats[: process_count(self.formats)]:
                self._fork(first)
        except OSError:  # out of processes or pipes: the formats render in those there are, or in this one
            pass
        finally:
            gc.unfreeze()

    def _fork(self, first: str) -> None:
        """Fork one render process, which prepares `first`, and add it to the list."""
        # Ctrl-C waits until the process is on the list that close() ends; and the child starts with SIGINT
        # blocked, else the handler it inherits could raise KeyboardInterrupt there (in an at-fork hook, say)
        with ctrl_c_deferred():
            descriptors: list[int] = []
            try:
                descriptors += os.pipe()
                descriptors += os.pipe()
                pid = os.fork()
            except OSError:
                for descriptor in descriptors:
                    os.close(descriptor)
                raise
            job_read, job_write, result_read, result_write = descriptors
            if pid == 0:
                self._serve(first, job_read, result_write, [job_write, result_read])
            os.close(job_read)
            os.close(result_write)
            self.processes.append(RenderProcess(pid, job_write, result_read, first))

    def _serve(self, first: str, jobs: int, results: int, unused: list[int]) -> NoReturn:
        """Be the render process: never return into the caller's code, and end without a word however it ends."""
        status = 1
        try:
            signal.signal(signal.SIGINT, signal.SIG_DFL)  # Ctrl-C ends it quietly; the build reports it
            signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})  # a Ctrl-C held off since the fork ends it
            gc.disable()  # a short life: every writer pauses the collector anyway, and imports run faster without it
            siblings = [descriptor for sibling in self.processes for descriptor in (sibling.jobs, sibling.results)]
            for descriptor in [*unused, *siblings]:  # else a sibling never sees its pipe close
                os.close(descriptor)
            serve(first, self.templates, jobs, results, self.render_format)
            status = 0
        finally:
            os._exit(status)  # no traceback, no exit handlers: the build reports how this process ended

    def render(
        self, roadmap: Roadmap, settings: BuildSettings, progress: Callable[[str], None]
    ) -> dict[str, tuple[dict[str, bytes], float]]:
        """The files of every format and the seconds each took, by format."""
        check_ctrl_c()
        if not self.processes:
            results = {}
            for name in self.formats:
                results[name] = self.render_format(name, roadmap, settings)
                progress(name)
            return results
        job = pickle.dumps((roadmap, settings), protocol=pickle.HIGHEST_PROTOCOL)
        for process in self.processes:
            process.send(job)
        return self._hand_out(progress)

    def _hand_out(self, progress: Callable[[str], None]) -> dict[str, tuple[dict[str, bytes], float]]:
        waiting = list(self.formats)
        results: dict[str, tuple[dict[str, bytes], float]] = {}
        for process in self.processes:
            self._give(process, waiting.pop(0))
        while any(process.busy for process in self.processes):
            process = self._next_done()
            name, outcome = process.busy, receive(process)
            process.busy = None
            results[str(name)] = outcome
            progress(str(name))
            if waiting:
                self._give(process, waiting.pop(0))
        return results

    def _give(self, process: RenderProcess, name: str) -> None:
        process.busy = name
        process.send(pickle.dumps(name))

    def _next_done(self) -> RenderProcess:
        busy = {process.results: process for process in self.processes if process.busy}
        ready, _, _ = select.select(list(busy), [], [])
        return busy[ready[0]]

    def close(self, failed: bool) -> None:
        """End every process: at once after a failure, else once it has read that there is no more work."""
        with ctrl_c_deferred():  # a Ctrl-C now would leave the processes not yet reaped behind
            for process in self.processes:
                if failed and process.status is None:
                    os.kill(process.pid, signal.SIGKILL)
                os.close(process.jobs)  # a process waiting for work reads the end of its pipe and exits
            for process in self.processes:
                process.reap()
                os.close(process.results)
            self.processes = []


@contextlib.contextmanager
def render_processes(
    formats: list[str], templates: Templates, render_format: RenderFormat
) -> Iterator[RenderProcesses]:
    """Fork the render processes of a build now; end them when the build is done or has failed."""
    processes = RenderProcesses(formats, templates, render_format)
    failed = True
    try:
        processes.start()
        yield processes
        failed = False
    finally:
        processes.close(failed)


@contextlib.contextmanager
def ctrl_c_deferred() -> Iterator[None]:
    """Hold Ctrl-C (SIGINT) off while the body runs; its KeyboardInterrupt is raised once the body is done."""
    pending = False
    try:
        blocked_here = signal.SIGINT not in signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    except KeyboardInterrupt:  # a Ctrl-C already on its way, raised once SIGINT is blocked: held off too
        pending = blocked_here = True
    try:
        yield
    finally:
        if blocked_here:  # else an enclosing body still holds Ctrl-C off
            signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})  # raises the KeyboardInterrupt held off
        if pending:
            raise KeyboardInterrupt


def serve(first: str, templates: Templates, jobs: int, results: int, render_format: RenderFormat) -> None:
    """The loop of a render process: prepare the first format, take the roadmap, render formats until told to stop."""
    with contextlib.suppress(Exception):  # the same error comes back when the format is rendered, reported then
        prepare_writer(first, templates)
    try:
        with collection_paused():
            roadmap, settings = pickle.loads(read_message(jobs))
        while True:
            name = pickle.loads(read_message(jobs))
            write_message(results, pickle.dumps(outcome(name, roadmap, settings, render_format), protocol=5))
    except EOFError:
        return  # the build has no more work, or has failed


def outcome(name: str, roadmap: Roadmap, settings: BuildSettings, render_format: RenderFormat) -> tuple[str, Any]:
    """What a render process sends back: the rendered files, or the error and its traceback."""
    try:
        return "done", render_format(name, roadmap, settings)
    except Exception as error:  # every error is re-raised in the build process
        return "failed", (portable(error), traceback.format_exc())


def portable(error: Exception) -> Exception:
    """The error itself when it survives pickling, else an error of the same kind of failure with its text."""
    try:
        pickle.loads(pickle.dumps(error))
        return error
    except Exception:  # any error that cannot cross a pipe
        kind = EvepubError if isinstance(error, EvepubError) else RuntimeError
        return kind(f"{type(error).__name__}: {error}")


def receive(process: RenderProcess) -> tuple[dict[str, bytes], float]:
    """The files one process rendered, re-raising its error here."""
    try:
        state, payload = pickle.loads(read_message(process.results))
    except EOFError:
        raise process.died() from None
    if state == "failed":
        error, remote = payload
        raise error from RemoteTraceback(remote)
    return payload


def write_message(descriptor: int, data: bytes) -> None:
    """Write one message to a pipe: its length, then the data."""
    for part in (LENGTH.pack(len(data)), data):
        view = memoryview(part)
        while view:
            view = view[os.write(descriptor, view) :]


def read_message(descriptor: int) -> bytes:
    """Read one whole message from a pipe; EOFError when the other end has closed it."""
    (length,) = LENGTH.unpack(read_exactly(descriptor, LENGTH.size))
    return read_exactly(descriptor, length)


def read_exactly(descriptor: int, size: int) -> bytes:
    """Exactly `size` bytes from a pipe."""
    chunks, missing = [], size
    while missing:
        chunk = os.read(descriptor, min(missing, 1 << 20))
        if not chunk:
            raise EOFError
        chunks.append(chunk)
        missing -= len(chunk)
    return b"".join(chunks)
