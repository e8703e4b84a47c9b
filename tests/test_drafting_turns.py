"""The rules by which the threads of a draft take turns (pipeline/drafting/turns.py): a
finisher waits for a worker about to send, but never long and never after a stop; a count
under way can be waited for; a countdown fires once, from whichever thread counts last."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

from pipeline.drafting import turns


def in_thread(fn) -> None:
    worker = threading.Thread(target=fn)
    worker.start()
    worker.join(5)


def timed_wait(sending: turns.Sending) -> float:
    start = time.monotonic()
    sending.wait()
    return time.monotonic() - start


def test_a_finisher_waits_for_a_worker_about_to_send_only_until_it_has_sent():
    sending = turns.Sending()
    sending.arm(3)
    assert timed_wait(sending) < turns.GATE_SECONDS  # nobody about to send

    ready, go, done = threading.Event(), threading.Event(), threading.Event()

    def worker():
        sending.starting()
        sending.answered()  # an answer in, the next chunk to send
        ready.set()
        go.wait(5)
        sending.starting()
        sending.sent()  # its next request is written
        done.set()

    thread = threading.Thread(target=worker)
    thread.start()
    ready.wait(5)
    waited = timed_wait(sending)  # the worker has not sent: the finisher waits, but briefly
    assert turns.GATE_SECONDS * 0.9 <= waited < 1.0
    go.set()
    done.wait(5)
    thread.join(5)
    assert timed_wait(sending) < turns.GATE_SECONDS


def test_once_stopped_or_with_no_chunk_left_nobody_waits(monkeypatch):
    monkeypatch.setattr(turns, "GATE_SECONDS", 5.0)  # a wait would show
    sending = turns.Sending()
    sending.arm(2)
    in_thread(lambda: (sending.starting(), sending.answered()))
    released = threading.Timer(0.05, sending.release)
    released.start()
    assert timed_wait(sending) < 1.0  # release() woke the finisher
    released.join()

    last = turns.Sending()
    last.arm(1)
    in_thread(lambda: (last.starting(), last.answered()))  # the last chunk began
    assert timed_wait(last) < 1.0  # nothing left to send: no wait


def test_what_is_under_way_can_be_waited_for():
    outstanding = turns.Outstanding()
    assert outstanding.wait(0.01)
    outstanding.add()
    assert not outstanding.wait(0.01)
    threading.Timer(0.05, outstanding.done).start()
    assert outstanding.wait(5)


def test_a_countdown_fires_once_after_it_is_armed_whoever_counts_last():
    fired = []
    countdown = turns.Countdown(lambda: fired.append(threading.current_thread().name))
    countdown.count()  # counted before all were handed over
    assert not fired
    countdown.arm(3)
    with ThreadPoolExecutor(2) as pool:
        list(pool.map(lambda _: countdown.count(), range(2)))
    assert len(fired) == 1


def test_threads_of_a_pool_start_before_they_are_needed():
    with ThreadPoolExecutor(4, thread_name_prefix="started") as pool:
        turns.start_threads(pool, 3)
        names = {t.name for t in threading.enumerate() if t.name.startswith("started")}
        assert len(names) == 3
        # Once their tasks are done, later tasks find them idle and start no new thread.
        time.sleep(0.1)
        pool.submit(lambda: None).result(5)
        assert len({t.name for t in threading.enumerate()
                    if t.name.startswith("started")}) == 3
