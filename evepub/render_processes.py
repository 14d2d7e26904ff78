"""Render processes: forked as a build starts, so that they import the writers' libraries while it loads the source.

A build of several formats on a machine of several cores forks one process per core (at most one per
job) before it reads the source. Each process prepares the job it will run first (a writer's imports,
fonts and compiled templates; a reader's imports) while the build loads and validates the source. The
build then sends every process what the jobs share (the roadmap, the settings, the output folder) and
hands out the jobs, costliest first, each to the next process that is free: the formats to render, and
after publishing, with `build --verify` or `evepub verify`, the outputs to read back and compare. A
process that is not needed after all (bad input) is killed at once.

Ctrl-C reaches every process of the group. A render process ends quietly (SIGINT's default action, never
a traceback on the shared stderr) and the build reports it once. Ctrl-C is held off while a process is
forked and recorded, and while the processes are ended, so that none is ever left behind.
"""

from __future__ import annotations

import contextlib
import ctypes
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

from evepub import source
from evepub.errors import BuildStopped, EvepubError, check_ctrl_c
from evepub.gc_pause import collection_paused

LENGTH = struct.Struct("!Q")  # every message on a pipe: its length, then its pickle
Task = Callable[[str, dict[str, Any]], Any]  # (job, what the jobs share) -> its result
Prepare = Callable[[str], None]  # what a process does for its first job before the shared data arrives
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
    first: str  # the job it prepares while the build loads the source
    busy: str | None = None
    status: int | None = None  # how it ended, once reaped
    doing: str = "rendering"  # what it does, for the error that it died

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
        message = f"the process {self.doing} {self.busy or self.first} {how_it_ended(status)}"
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


def process_count(jobs: list[str]) -> int:
    """How many render processes a build of these jobs forks: none on one core or for a single job."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    count = min(len(jobs), cores)
    return count if count >= 2 else 0


class RenderProcesses:
    """The render processes of one build or verify; with none, every job runs in this process."""

    def __init__(self, jobs: list[str], prepare: Prepare, tasks: dict[str, Task], warm_later: bool = False) -> None:
        self.jobs = jobs  # the first jobs, costliest first: each process prepares one of them
        self.prepare = prepare
        self.warm_later = warm_later  # then its share of the jobs no process starts with (_later)
        self.tasks = tasks
        self.shared: dict[str, Any] = {}  # what the jobs share, when they run in this process
        self.processes: list[RenderProcess] = []

    def start(self) -> None:
        """Fork one process per core, at most one per job; fewer, or none, on a machine out of processes."""
        check_ctrl_c()
        gc.freeze()  # what is alive now lives to the end: no collection in a forked process need scan it
        try:
            for first in self.jobs[: process_count(self.jobs)]:
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
            serve([first, *self._later(len(self.processes))], self.prepare, self.tasks, jobs, results)
            status = 0
        finally:
            os._exit(status)  # no traceback, no exit handlers: the build reports how this process ended

    def _later(self, number: int) -> list[str]:
        """The jobs no process starts with that process `number` prepares next: the first free process takes the
        next job, and that is most often the one whose first job is the cheapest, the last one. So the last
        process prepares the first of them, the one before it the second, and so on, each of them one core's work
        beside the loading (every process preparing every job would slow the loading down)."""
        if not self.warm_later:
            return []
        count = process_count(self.jobs)
        later = self.jobs[count:]
        return later[count - 1 - number :: count]

    def share(self, **shared: Any) -> None:
        """Give every process (or this one) data the jobs share, e.g. the roadmap: sent once, kept until replaced."""
        check_ctrl_c()
        self.shared.update(shared)
        if self.processes:
            with collection_paused():  # as in the loader (_be_loader)
                message = pickle.dumps(("share", shared), protocol=pickle.HIGHEST_PROTOCOL)
            for process in self.processes:
                process.send(message)

    def share_loaded(self, load: Callable[[], dict[str, Any]], keep: tuple[str, ...] = ()) -> dict[str, Any]:
        """Run `load` in a process of its own and share what it returns; this one keeps only the entries in `keep`.

        Loading a large source takes several times the memory of the roadmap it gives (the YAML nodes), and a
        process does not give freed memory back to the system: so the build, which only hands the roadmap on,
        never holds either. Its error (bad input) is raised here. Without render processes it loads here.
        """
        check_ctrl_c()
        from_loader = run_loader(load, keep, self.processes) if self.processes else None
        if from_loader is None:  # no render processes, or no process to spare for loading: load here
            loaded = load()
            self.share(**loaded)
            return {key: loaded[key] for key in keep}
        shared, kept = from_loader
        for process in self.processes:
            process.send(shared)  # the pickle as the loader made it: this process never unpickles the roadmap
        return kept

    def run(
        self,
        task: str,
        jobs: list[str],
        progress: Callable[[str], None],
        done: Callable[[str, Any], None] | None = None,
    ) -> dict[str, Any]:
        """The result of every job, by job: each run by `task`, in the processes that are free, in this order;
        `done` gets each job's result as it arrives (before `progress` hears of it)."""
        check_ctrl_c()
        if not self.processes:
            results = {}
            for job in jobs:
                results[job] = self.tasks[task](job, self.shared)
                if done is not None:
                    done(job, results[job])
                progress(job)
            return results
        return self._hand_out(task, jobs, progress, done)

    def _hand_out(
        self, task: str, jobs: list[str], progress: Callable[[str], None], done: Callable[[str, Any], None] | None
    ) -> dict[str, Any]:
        waiting = list(jobs)
        results: dict[str, Any] = {}
        for process in self.processes:
            if waiting:
                self._give(process, task, waiting.pop(0))
        while any(process.busy for process in self.processes):
            process = self._next_done()
            name, outcome = process.busy, receive(process)
            process.busy = None
            results[str(name)] = outcome
            if waiting:  # the process goes on at once, while this one takes the result
                self._give(process, task, waiting.pop(0))
            if done is not None:
                done(str(name), outcome)
            progress(str(name))
        return {job: results[job] for job in jobs}

    def _give(self, process: RenderProcess, task: str, job: str) -> None:
        process.busy = job
        process.send(pickle.dumps(("run", (task, job))))

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


def run_loader(
    load: Callable[[], dict[str, Any]], keep: tuple[str, ...], siblings: list[RenderProcess]
) -> tuple[bytes, dict[str, Any]] | None:
    """Fork a process that runs `load`: the "share" message it pickled, and the entries in `keep`, unpickled;
    None when the machine has no process or pipe to spare."""
    with ctrl_c_deferred():
        try:
            read_end, write_end = os.pipe()
        except OSError:
            return None
        try:
            pid = os.fork()
        except OSError:
            os.close(read_end)
            os.close(write_end)
            return None
        if pid == 0:
            _be_loader(load, keep, write_end, [read_end, *(fd for p in siblings for fd in (p.jobs, p.results))])
        os.close(write_end)
    messages: list[bytes] = []
    try:
        messages.extend(read_message(read_end) for _ in range(3))
    except EOFError:
        pass
    finally:
        os.close(read_end)
        status = os.waitpid(pid, 0)[1]
    if len(messages) < 3:
        raise RenderProcess(pid, -1, -1, "the source", status=status, doing="loading").died()
    state, first, second = messages
    if state == b"failed":
        error, remote = pickle.loads(first)
        raise error from RemoteTraceback(remote)
    return second, pickle.loads(first)


def _be_loader(load: Callable[[], dict[str, Any]], keep: tuple[str, ...], results: int, unused: list[int]) -> NoReturn:
    """Be the loader process: send what `load` gave (or its error), then end without a word."""
    status = 1
    try:
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
        for descriptor in unused:
            os.close(descriptor)
        # it ends with os._exit once it has sent the roadmap: neither collecting cycles (a scan of every object
        # the source made, as soon as the collector is back on) nor freeing the YAML nodes would be of any use
        gc.disable()
        source.keep_nodes_to_the_end()
        try:
            loaded = load()
            with collection_paused():  # pickling makes a tuple an object, and each collection would scan them all
                kept = pickle.dumps({key: loaded[key] for key in keep})
                messages = [b"done", kept, pickle.dumps(("share", loaded), 5)]
        except Exception as error:  # re-raised in the build
            messages = [b"failed", pickle.dumps((portable(error), traceback.format_exc())), b""]
        for message in messages:
            write_message(results, message)
        status = 0
    finally:
        os._exit(status)


@contextlib.contextmanager
def render_processes(
    jobs: list[str], prepare: Prepare, tasks: dict[str, Task], warm_later: bool = False
) -> Iterator[RenderProcesses]:
    """Fork the render processes of a build now; end them when the build is done or has failed. With `warm_later`
    each process, once it has prepared its first job, prepares its share of the jobs that no process starts with
    (a writer's imports, say) for as long as the shared data keeps it waiting."""
    processes = RenderProcesses(jobs, prepare, tasks, warm_later)
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


def serve(prepared: list[str], prepare: Prepare, tasks: dict[str, Task], jobs: int, results: int) -> None:
    """The loop of a render process: prepare its first job (and the others given, while no message has come),
    then keep what is shared and run jobs until told to stop."""
    for number, job in enumerate(prepared):
        if number and select.select([jobs], [], [], 0)[0]:
            break  # the shared data is on its way: the first job should not wait for the rest
        with contextlib.suppress(Exception):  # the same error comes back when the job runs, reported then
            prepare(job)
    shared: dict[str, Any] = {}
    try:
        while True:
            with collection_paused():
                kind, payload = pickle.loads(read_message(jobs))
            if kind == "share":
                shared.update(payload)
                gc.freeze()  # what is shared lives to the end: release_memory's collections need not scan it
                continue
            task, job = payload
            write_message(results, pickle.dumps(outcome(tasks[task], job, shared), protocol=5))
            release_memory()  # before the next job: a job's peak should not stand on the last one's leftovers
    except EOFError:
        return  # the build has no more work, or has failed


def release_memory() -> None:
    """Free what the last job left in cycles (the collector is off in a render process) and give the freed
    heap back to the system (glibc's malloc_trim; nothing elsewhere).

    With the collector off, everything the job made is still in the youngest generation: collecting that one
    frees the job's cycles without scanning what earlier jobs left alive (the expected outline of a large
    roadmap, say), which made every small job after a large one cost a full scan of it.
    """
    gc.collect(0)
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None).malloc_trim(0)


def outcome(task: Task, job: str, shared: dict[str, Any]) -> tuple[str, Any]:
    """What a render process sends back: the job's result, or the error and its traceback."""
    try:
        return "done", task(job, shared)
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


def receive(process: RenderProcess) -> Any:
    """The result of the job one process ran, re-raising its error here."""
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
