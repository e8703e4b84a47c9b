"""The one process pool of handbill: catalog merges and renders run in forked workers here, with
the same defaults (`--jobs`, else one per CPU, at most 8) and the same rules for when to fork.

Why not `concurrent.futures.ProcessPoolExecutor`: a render worker grows with every script it
renders (WeasyPrint keeps each font it loaded, harfbuzz a copy of its tables: a CJK language
adds 50-120 MB), so a long build needs workers replaced from time to time. The executor's
`max_tasks_per_child` forces the *spawn* start method on Python 3.11, and a spawned worker
re-imports WeasyPrint, Pillow and Babel and recompiles every regular expression: builds became
several times slower. Here workers are forked from a parent that has already imported (and
warmed) all of that, so a replacement starts in milliseconds; a worker leaves by itself after a
task that took its peak memory over `memory_limit_mb`, and the parent starts another. Workers
inherit what the parent holds (config, campaigns, templates) instead of loading it again.

When to fork: only from the main thread of a process that is not itself a pool worker (a fork
from a second thread, such as `handbill serve`'s watcher, copies locks other threads may hold);
otherwise, and where fork does not exist, the tasks run in this process, one after another.

A worker that dies (killed, out of memory, a crash in a C library) costs only its own tasks,
which are reported through `on_crash`; the pool goes on with the others. SIGTERM to the parent
stops every worker at once and raises `Terminated` (the CLI exits 143); a worker whose parent
died (SIGKILL) sees its pipe close and leaves after its task.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import resource
import signal
import sys
import threading
import traceback
from multiprocessing.connection import Connection, wait
from typing import Any, Callable, Iterable, Iterator

from pipeline.errors import Terminated  # defined with the errors: the CLI catches it cheaply

log = logging.getLogger(__name__)

_CONTEXT = multiprocessing.get_context("fork") if sys.platform != "win32" else None
DEFAULT_MEMORY_LIMIT_MB = 320
MAX_DEFAULT_JOBS = 8  # each render worker may hold ~300 MB: more only when asked for
_PARENT_ENDS: set[Connection] = set()  # this process's ends of its workers' pipes


def default_jobs() -> int:
    """One worker per CPU this process may use, at most MAX_DEFAULT_JOBS."""
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, min(cpus or 1, MAX_DEFAULT_JOBS))


def fork_refusal() -> str | None:
    """Why this process must not fork workers now, or None if it may."""
    if _CONTEXT is None:
        return "this system cannot fork"
    if threading.current_thread() is not threading.main_thread():
        return "not the main thread"
    if multiprocessing.current_process().daemon:
        return "inside a worker"
    return None


def peak_memory_mb() -> float:
    """This process's peak resident set, in MiB (Linux reports KiB, macOS bytes)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def _exit_on_term(signum, frame) -> None:
    raise SystemExit(128 + signum)  # unwinds: an atomic write in progress removes its temp file


def _worker(function: Callable, conn: Connection, parent_end: Connection,
            memory_limit_mb: float) -> None:
    # Ctrl-C reaches the whole process group; the parent alone decides what to do about it.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _exit_on_term)
    # Fork copied the parent's ends of every pipe: while this process holds them, no worker
    # (this one included) would see its pipe close if the parent died.
    for end in [parent_end, *_PARENT_ENDS]:
        end.close()
    _PARENT_ENDS.clear()
    while True:
        try:
            batch = conn.recv()
        except (EOFError, OSError):
            return
        if batch is None:
            return
        try:
            outcome = ("done", [function(*args) for args in batch], None)
        except Exception as exc:  # the parent re-raises it, with this traceback as a note
            outcome = ("error", exc, traceback.format_exc())
        retire = peak_memory_mb() > memory_limit_mb
        try:
            try:
                conn.send((*outcome, retire))
            except OSError:
                raise
            except Exception:  # an exception or result that cannot be pickled
                conn.send(("error", RuntimeError(traceback.format_exc()), None, retire))
        except OSError:  # the parent is gone
            return
        if retire:
            return


class _Worker:
    def __init__(self, function: Callable, memory_limit_mb: float):
        self.conn, child = _CONTEXT.Pipe()
        self.process = _CONTEXT.Process(
            target=_worker, args=(function, child, self.conn, memory_limit_mb), daemon=True)
        self.process.start()
        _PARENT_ENDS.add(self.conn)
        child.close()
        self.batch: list[int] = []

    def _close(self) -> None:
        _PARENT_ENDS.discard(self.conn)
        self.conn.close()

    def stop(self, wait_seconds: float) -> None:
        """Ask the worker to leave; terminate it if it has not within `wait_seconds`."""
        try:
            self.conn.send(None)
        except OSError:
            pass
        self.process.join(timeout=wait_seconds)
        if self.process.is_alive():
            self.kill()
        self._close()

    def kill(self) -> None:
        """Stop the worker now (SIGTERM, then SIGKILL if it does not go within 2 s)."""
        self.process.terminate()
        self.process.join(timeout=2)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        if not self.conn.closed:
            self._close()


@contextlib.contextmanager
def sigterm_raises():
    """Within this block SIGTERM raises Terminated (in the main thread; elsewhere it cannot be
    caught), so the pool stops its workers and a command can save what it did."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum, frame):
        raise Terminated(signum)

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def run(function: Callable, argument_lists: Iterable[tuple], jobs: int | None,
        on_crash: Callable[[tuple, str], Any],
        memory_limit_mb: float = DEFAULT_MEMORY_LIMIT_MB, batch: int = 1,
        inline_below: int = 2) -> Iterator[tuple[tuple, Any]]:
    """Yield (arguments, result) for every call `function(*arguments)`, in completion order.

    `jobs` workers (None: default_jobs()) each take `batch` calls at a time. Fewer than
    `inline_below` calls, or a process that must not fork (fork_refusal), run them here.
    An exception raised by `function` is re-raised in the parent. A worker that dies mid-task
    yields (arguments, on_crash(arguments, why)) for each call of its batch instead.
    """
    todo = list(argument_lists)
    refusal = fork_refusal()
    if len(todo) < inline_below or refusal:
        if refusal and len(todo) >= inline_below:
            log.info("running %d tasks in this process: %s", len(todo), refusal)
        for args in todo:
            yield args, function(*args)
        return
    jobs = max(1, jobs or default_jobs())
    batch = max(1, batch)
    queue = [list(range(i, min(i + batch, len(todo)))) for i in range(0, len(todo), batch)][::-1]
    busy: list[_Worker] = []

    def give(worker: _Worker | None) -> None:
        """Hand the next batch to `worker` (a new one if None), or let it go when none is left."""
        if not queue:
            if worker is not None:
                worker.stop(wait_seconds=5)
            return
        worker = worker or _Worker(function, memory_limit_mb)
        worker.batch = queue.pop()
        worker.conn.send([todo[i] for i in worker.batch])
        busy.append(worker)

    with sigterm_raises():
        try:
            for _ in range(min(jobs, len(queue))):
                give(None)
            while busy:
                ready = set(wait([w.conn for w in busy] + [w.process.sentinel for w in busy]))
                for worker in [w for w in busy if w.conn in ready or w.process.sentinel in ready]:
                    busy.remove(worker)
                    try:
                        kind, value, remote, retire = worker.conn.recv()
                    except (EOFError, OSError):  # it died during the task
                        worker.process.join()
                        code = worker.process.exitcode
                        why = (f"the render process was killed by signal {-code}"
                               if code is not None and code < 0
                               else f"the render process exited with status {code}")
                        worker.kill()
                        for index in worker.batch:
                            yield todo[index], on_crash(todo[index], why)
                        give(None)
                        continue
                    if kind == "error":
                        worker.stop(wait_seconds=5)
                        if remote and hasattr(value, "add_note"):
                            value.add_note(f"In the render process:\n{remote}")
                        raise value
                    if retire:
                        worker.stop(wait_seconds=5)
                    for index, result in zip(worker.batch, value):
                        yield todo[index], result
                    give(None if retire else worker)
        except BaseException:  # an error, Ctrl-C, SIGTERM, or the caller stopped early
            for worker in busy:
                worker.kill()
            busy.clear()
            raise
        finally:
            for worker in busy:
                worker.stop(wait_seconds=0.5)
