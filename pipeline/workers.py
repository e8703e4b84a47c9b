"""A small process pool for rendering: forked workers, each replaced once it has grown too big.

Why not `concurrent.futures.ProcessPoolExecutor`: a render worker grows with every script it
renders (WeasyPrint keeps each font it loaded, harfbuzz a copy of its tables: a CJK language
adds 50-120 MB), so a long build needs workers replaced from time to time. The executor's
`max_tasks_per_child` forces the *spawn* start method on Python 3.11, and a spawned worker
re-imports WeasyPrint, Pillow and Babel and recompiles every regular expression: builds became
several times slower. Here workers are forked from a parent that has already imported (and
warmed) all of that, so a replacement starts in milliseconds; a worker leaves by itself after a
task that took its peak memory over `memory_limit_mb`, and the parent starts another.

A worker that dies (killed, out of memory, a crash in a C library) costs only its own task,
which is reported through `on_crash`; the pool goes on with the others.
"""

from __future__ import annotations

import multiprocessing
import resource
import signal
import sys
import traceback
from multiprocessing.connection import wait
from typing import Any, Callable, Iterable, Iterator

_CONTEXT = multiprocessing.get_context("fork") if sys.platform != "win32" else None
DEFAULT_MEMORY_LIMIT_MB = 320


def peak_memory_mb() -> float:
    """This process's peak resident set, in MiB (Linux reports KiB, macOS bytes)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def _worker(function: Callable, conn, memory_limit_mb: float) -> None:
    # Ctrl-C reaches the whole process group; the parent alone decides what to do about it.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    while True:
        try:
            args = conn.recv()
        except EOFError:
            return
        if args is None:
            return
        try:
            outcome = ("done", function(*args), None)
        except Exception as exc:  # the parent re-raises it, with this traceback as a note
            outcome = ("error", exc, traceback.format_exc())
        retire = peak_memory_mb() > memory_limit_mb
        try:
            conn.send((*outcome, retire))
        except Exception:  # an exception that cannot be pickled
            conn.send(("error", RuntimeError(traceback.format_exc()), None, retire))
        if retire:
            return


class _Worker:
    def __init__(self, function: Callable, memory_limit_mb: float):
        self.conn, child = _CONTEXT.Pipe()
        self.process = _CONTEXT.Process(target=_worker, args=(function, child, memory_limit_mb),
                                        daemon=True)
        self.process.start()
        child.close()
        self.task: int | None = None

    def stop(self, wait_seconds: float) -> None:
        try:
            self.conn.send(None)
        except OSError:
            pass
        self.process.join(timeout=wait_seconds)
        if self.process.is_alive():
            self.process.terminate()
            self.process.join()
        self.conn.close()


def run(function: Callable, argument_lists: Iterable[tuple], jobs: int,
        on_crash: Callable[[tuple, str], Any],
        memory_limit_mb: float = DEFAULT_MEMORY_LIMIT_MB) -> Iterator[tuple[tuple, Any]]:
    """Yield (arguments, result) for every call `function(*arguments)`, in completion order.

    An exception raised by `function` is re-raised in the parent. A worker that dies mid-task
    yields (arguments, on_crash(arguments, why)) for that task instead.
    """
    todo = list(argument_lists)
    if _CONTEXT is None:  # no fork: run in this process
        for args in todo:
            yield args, function(*args)
        return
    queue = list(range(len(todo)))[::-1]
    busy: list[_Worker] = []

    def give(worker: _Worker | None) -> None:
        """Hand the next task to `worker` (a new one if None), or let it go when none is left."""
        if not queue:
            if worker is not None:
                worker.stop(wait_seconds=5)
            return
        worker = worker or _Worker(function, memory_limit_mb)
        worker.task = queue.pop()
        worker.conn.send(todo[worker.task])
        busy.append(worker)

    try:
        for _ in range(min(jobs, len(todo))):
            give(None)
        while busy:
            ready = set(wait([w.conn for w in busy] + [w.process.sentinel for w in busy]))
            for worker in [w for w in busy if w.conn in ready or w.process.sentinel in ready]:
                busy.remove(worker)
                index = worker.task
                try:
                    kind, value, remote, retire = worker.conn.recv()
                except (EOFError, OSError):  # it died during the task
                    worker.process.join()
                    code = worker.process.exitcode
                    why = (f"the render process was killed by signal {-code}"
                           if code is not None and code < 0
                           else f"the render process exited with status {code}")
                    worker.conn.close()
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
                yield todo[index], value
                give(None if retire else worker)
    finally:
        for worker in busy:
            worker.stop(wait_seconds=0.5)
