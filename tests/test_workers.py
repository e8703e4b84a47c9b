"""pipeline.workers: the render pool replaces workers that grew too big, and survives a worker
that dies."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from pipeline import workers


def _pid_and_grow(n: int, grow_mb: int) -> tuple[int, int]:
    if grow_mb:
        block = bytearray(grow_mb * 1024 * 1024)
        block[::4096] = b"x" * len(block[::4096])  # touch every page: resident, not reserved
    return n, os.getpid()


def _die_on(n: int, victim: int) -> int:
    if n == victim:
        os.kill(os.getpid(), signal.SIGKILL)
    return n * n


def _fail_on(n: int) -> int:
    if n == 3:
        raise KeyError("three")
    return n


def crashed(args, why):
    return ("crashed", args, why)


def test_every_task_runs_once_and_results_follow_their_arguments():
    tasks = [(n, 0) for n in range(40)]
    results = dict(workers.run(_pid_and_grow, tasks, jobs=2, on_crash=crashed))
    assert sorted(results) == tasks
    assert all(results[args][0] == args[0] for args in tasks)
    assert len({pid for _, pid in results.values()}) == 2  # the same two workers throughout


def _rss_mb() -> float:
    return int(Path("/proc/self/status").read_text().split("VmRSS:")[1].split()[0]) / 1024


def _grow_past(n: int, limit_mb: float) -> tuple[int, int]:
    """Touch enough memory to take this process 30 MiB over `limit_mb`."""
    return _pid_and_grow(n, max(0, int(limit_mb - _rss_mb()) + 30))


def test_a_worker_over_the_memory_limit_is_replaced_after_its_task():
    limit = _rss_mb() + 50  # a forked worker starts near (often below) the parent's size
    tasks = [(n, limit) for n in range(6)]
    results = dict(workers.run(_grow_past, tasks, jobs=2, on_crash=crashed,
                               memory_limit_mb=limit))
    pids = [pid for _, pid in results.values()]
    assert len(set(pids)) == 6, "each task should have had a fresh worker"
    assert os.getpid() not in pids


def test_a_worker_that_dies_costs_only_its_own_task():
    tasks = [(n, 5) for n in range(12)]
    results = dict(workers.run(_die_on, tasks, jobs=2, on_crash=crashed))
    assert results[(5, 5)] == ("crashed", (5, 5), "the render process was killed by signal 9")
    assert {args: value for args, value in results.items() if args != (5, 5)} == {
        (n, 5): n * n for n in range(12) if n != 5}


def test_an_exception_in_a_task_reaches_the_parent_with_its_traceback():
    with pytest.raises(KeyError) as info:
        list(workers.run(_fail_on, [(n,) for n in range(8)], jobs=2, on_crash=crashed))
    assert "In the render process" in "".join(getattr(info.value, "__notes__", []))
    assert "_fail_on" in "".join(info.value.__notes__)


def test_one_job_uses_one_worker_process():
    results = dict(workers.run(_pid_and_grow, [(n, 0) for n in range(5)], jobs=1,
                               on_crash=crashed))
    assert len({pid for _, pid in results.values()}) == 1


def test_no_worker_is_left_behind_after_an_exception():
    import multiprocessing

    with pytest.raises(KeyError):
        list(workers.run(_fail_on, [(n,) for n in range(8)], jobs=2, on_crash=crashed))
    assert multiprocessing.active_children() == []


def test_no_fork_from_a_second_thread_the_tasks_run_in_it():
    import threading

    results = {}
    thread = threading.Thread(target=lambda: results.update(
        workers.run(_pid_and_grow, [(n, 0) for n in range(4)], jobs=2, on_crash=crashed)))
    thread.start()
    thread.join(60)
    assert sorted(results) == [(n, 0) for n in range(4)]
    assert {pid for _, pid in results.values()} == {os.getpid()}
    assert workers.fork_refusal() is None  # the main thread may
