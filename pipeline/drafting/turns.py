"""How the threads of a draft take turns: the runner's workers send requests, its finishers
check the answers, its main thread prepares and saves, all under one GIL. A thread sending a
request gives the GIL up at each socket call and gets it back only after whatever another
thread is doing; these are the few rules that keep the requests going out first.

Measured with the openai engine (500 messages, 8 at a time, a loopback server answering after
50 ms): a request began while the next chunk was being prepared left 1.2-1.8 ms after its
worker began it instead of 0.3; a finisher thread started as the first answers came in held
up the worker that started it for 0.5-3.2 ms.
"""

from __future__ import annotations

import threading
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from typing import Callable

GATE_SECONDS = 0.003  # at most this long a finisher waits for workers about to send


class Sending:
    """Which workers have an answer in and their next request still to write: a finisher
    waits for them (at most GATE_SECONDS), rather than check its answers while they send.

    Only for engines that say when a request is written (protocol.request_sent): for
    others, `answered` is not called and nobody waits."""

    def __init__(self) -> None:
        self._cond = threading.Condition(threading.Lock())
        self._unstarted = 0  # chunks no worker has begun (once arm() counted them)
        self._pending = 0  # workers with an answer in whose next request is not written yet
        self._released = False
        self._mine = threading.local()

    def arm(self, chunks: int) -> None:
        """All chunks are handed over: `chunks` of them (some may have begun already)."""
        with self._cond:
            self._unstarted += chunks

    def starting(self) -> None:
        """In a worker beginning a chunk."""
        with self._cond:
            self._unstarted -= 1
            if self._unstarted <= 0:
                self._cond.notify_all()

    def answered(self) -> None:
        """In a worker whose request was answered: it sends the next, if a chunk is left."""
        with self._cond:
            if not getattr(self._mine, "pending", False):
                self._mine.pending = True
                self._pending += 1

    def sent(self) -> None:
        """In a worker whose request is written (or that sent none)."""
        with self._cond:
            if getattr(self._mine, "pending", False):
                self._mine.pending = False
                self._pending -= 1
                if not self._pending:
                    self._cond.notify_all()

    def release(self) -> None:
        """Nobody waits any more (the run was interrupted: what is in is checked now)."""
        with self._cond:
            self._released = True
            self._cond.notify_all()

    def wait(self) -> None:
        """In a finisher: until no worker is about to send, or GATE_SECONDS."""
        with self._cond:
            self._cond.wait_for(
                lambda: self._released or not self._pending or self._unstarted <= 0,
                GATE_SECONDS)


class Inbox:
    """Items from any thread for one reader, first in first out. An item leaves only when
    the reader says it is done with it: Ctrl-C (an exception at any point of the reader's
    code) then never loses one half-way, as between a queue's get() and the line after.
    `wait` counts the items put, so each is waited for once; `first` and `done` are the
    reader's, in its thread only."""

    def __init__(self) -> None:
        self._items: deque = deque()
        self._ready = threading.Semaphore(0)

    def put(self, item: object) -> None:
        self._items.append(item)
        self._ready.release()

    def wait(self, timeout: float) -> bool:
        """True when an item came that was not waited for yet; False after `timeout`."""
        return self._ready.acquire(timeout=timeout)

    def first(self):
        """The first item not done with, or None."""
        return self._items[0] if self._items else None

    def done(self) -> None:
        self._items.popleft()


class Outstanding:
    """A count of things under way, from any thread, that can be waited for to reach 0."""

    def __init__(self) -> None:
        self._cond = threading.Condition(threading.Lock())
        self._count = 0

    def add(self) -> None:
        with self._cond:
            self._count += 1

    def done(self) -> None:
        with self._cond:
            self._count -= 1
            if not self._count:
                self._cond.notify_all()

    def wait(self, timeout: float) -> bool:
        """True once none is under way; False after `timeout` seconds."""
        with self._cond:
            return self._cond.wait_for(lambda: not self._count, timeout)


class Countdown:
    """Calls `then` once count() was called as many times as arm() was told (any thread)."""

    def __init__(self, then: Callable[[], None]):
        self._left, self._armed, self._then = 0, False, then
        self._lock = threading.Lock()

    def arm(self, total: int) -> None:
        self._step(total, armed=True)

    def count(self) -> None:
        self._step(-1)

    def _step(self, change: int, armed: bool = False) -> None:
        with self._lock:
            self._left += change
            self._armed = self._armed or armed
            fire = self._armed and self._left == 0
        if fire:
            self._then()


def start_threads(pool: ThreadPoolExecutor, count: int) -> None:
    """Start `count` threads of `pool` now. A pool starts a thread when a task finds none
    idle, and the thread submitting it waits (for the GIL) until the new one has run."""
    gate = threading.Event()
    try:
        for _ in range(count):  # each finds the ones before waiting: a new thread each
            pool.submit(gate.wait)
    except RuntimeError:
        pass  # shut down meanwhile: every task is done already (or the run stopped)
    finally:
        gate.set()
