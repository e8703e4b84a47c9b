"""Runs a draft: picks the entries, sends them concurrently with timeouts and retries, and
saves as it goes (about every second), so an interrupted run loses only what was in flight
and a re-run finishes the rest."""

from __future__ import annotations

import fcntl
import logging
import math
import os
import queue
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

import tenacity

from pipeline import catalogs
from pipeline.config import Config
from pipeline.drafting.cache import Cache, state_dir
from pipeline.drafting.engine import Engine, Fatal, Match, Transient
from pipeline.drafting.masking import MaskError, mask, must_keep, unmask
from pipeline.drafting.summary import CatalogSummary, DraftSummary, Problem
from pipeline.errors import HandbillError
from pipeline.files import write_if_changed
from pipeline.pofile import Catalog, Entry, dump_catalog, read_catalog

log = logging.getLogger(__name__)

FLUSH_SECONDS = 1.0  # drafts are saved at least this often...
FLUSH_SHARE = 0.1  # ...unless saving a big catalog would take more than this share of the time
BACKOFF = 0.5  # seconds before the first retry, doubling each time (tests make it shorter)
MAX_BACKOFF = 30.0
GIVE_UP_AFTER = 8  # requests failing in a row (after their retries) before a catalog stops

Progress = Callable[[int, int], None]


@dataclass
class Job:
    """One catalog to draft: a domain in one language, and the engine chosen for it."""

    domain: str
    lang: str
    source: str
    path: Path
    engine_name: str
    engine: Engine | None = None
    terms: tuple[str, ...] = ()
    error: HandbillError | None = None


@dataclass
class _Outcome:
    entry: Entry
    forms: list[str] | None = None
    label: str = ""
    skipped: str | None = None
    failed: str | None = None


@dataclass
class _State:
    """A catalog being drafted: its plan, drafts not yet saved, and its summary."""

    job: Job
    summary: CatalogSummary
    nplurals: int
    todo: list[Entry]
    catalog: Catalog  # as last read or written by us
    stamp: tuple  # the file's identity then: a different one means someone else wrote it
    pending: dict = field(default_factory=dict)
    aborted: str | None = None
    failures_in_a_row: int = 0
    next_flush: float = field(default_factory=lambda: time.monotonic() + FLUSH_SECONDS)


@contextmanager
def catalog_lock(cfg: Config, lang: str, domain: str, path: Path) -> Iterator[None]:
    """Hold .handbill/locks/<lang>-<domain>.lock, or fail if another draft holds it."""
    folder = state_dir(cfg.root) / "locks"
    folder.mkdir(parents=True, exist_ok=True)
    # flock locks the open file, whose content never matters: opened here, not written.
    fd = os.open(folder / f"{lang}-{domain}.lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise HandbillError("another `handbill draft` is drafting this catalog right now; wait "
                            "for it to finish, then run this one again", cfg.relpath(path))
    try:
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def needs_draft(entry: Entry) -> bool:
    """Untranslated: no text in any form and not fuzzy. Anything else is a person's work."""
    return not entry.fuzzy and not any(entry.strings) and bool(entry.msgid.strip())


def run(cfg: Config, jobs: list[Job], dry_run: bool = False,
        progress: Progress | None = None) -> DraftSummary:
    """Draft every job's catalog; writes the catalogs and the cache (nothing in a dry run)."""
    summary = DraftSummary([], dry_run)
    cache = Cache(cfg.root)
    states: list[_State] = []
    with ExitStack() as locks:
        for job in jobs:
            cs = CatalogSummary(job.domain, job.lang, job.engine_name, cfg.relpath(job.path))
            summary.catalogs.append(cs)
            if job.error is not None:
                cs.error = str(job.error) if job.error.path else f"{cs.path}: {job.error}"
                continue
            try:
                if not dry_run:
                    locks.enter_context(catalog_lock(cfg, job.lang, job.domain, job.path))
                catalog = read_catalog(job.path)
                nplurals = catalogs.plural_count(catalog)
            except HandbillError as exc:
                cs.error = str(exc)
                continue
            todo = [e for e in catalog.messages if needs_draft(e)]
            cs.total = len(catalog.messages)
            cs.kept = sum(1 for e in catalog.messages if e.fuzzy or any(e.strings))
            cs.to_draft = len(todo)
            states.append(_State(job, cs, nplurals, todo, catalog, _stamp(job.path)))
        if dry_run:
            _plan(states, cache)
        else:
            summary.interrupted = _execute(cfg, states, cache, progress)
    return summary


def _printf(entry: Entry) -> bool:
    return any(f in ("python-format", "c-format") for f in entry.flags)


def _sent(job: Job, entry: Entry) -> list[tuple[str, object]]:
    """(text for the engine, its Masked or None) for each source form of an entry."""
    texts = [entry.msgid] + ([entry.msgid_plural] if entry.msgid_plural is not None else [])
    if not job.engine.masks:
        return [(text, None) for text in texts]
    printf = _printf(entry)
    out = []
    for text in texts:
        masked = mask(text, job.terms, printf)
        out.append((masked.text, masked))
    return out


def _plan(states: list[_State], cache: Cache) -> None:
    for state in states:
        job = state.job
        for entry in state.todo:
            for text, _ in _sent(job, entry):
                if job.engine.cacheable and cache.get(job.engine.name, job.engine.identity,
                                                      job.source, job.lang, text) is not None:
                    state.summary.cached += 1
                else:
                    state.summary.characters += len(text)


def _execute(cfg: Config, states: list[_State], cache: Cache,
             progress: Progress | None) -> bool:
    """Run every state's entries through its engine; True if interrupted (Ctrl-C)."""
    stop = threading.Event()
    pools: dict[int, ThreadPoolExecutor] = {}
    futures: dict[Future, _State] = {}
    # Finished futures arrive here: O(1) per answer, where concurrent.futures.wait() would
    # re-arm a waiter on every pending future each time (quadratic with 500 entries).
    finished: queue.SimpleQueue[Future] = queue.SimpleQueue()
    for state in states:
        engine = state.job.engine
        pool = pools.get(id(engine))
        if pool is None:
            pool = pools[id(engine)] = ThreadPoolExecutor(
                engine.settings.concurrency, thread_name_prefix=f"draft-{engine.name}")
        # Entries with the same text (a title that is also a heading) go out once, together.
        groups: dict[tuple, list[Entry]] = {}
        for entry in state.todo:
            groups.setdefault((entry.msgid, entry.msgid_plural, _printf(entry)), []).append(entry)
        batches = list(groups.values())
        size = max(1, engine.batch_size)
        for i in range(0, len(batches), size):
            chunk = [entry for group in batches[i:i + size] for entry in group]
            future = pool.submit(_work, state, chunk, cache, stop)
            futures[future] = state
            future.add_done_callback(finished.put)
    total = sum(len(s.todo) for s in states)
    done = 0
    if progress:
        progress(0, total)
    remaining = len(futures)

    def harvest(future: Future) -> None:
        nonlocal done, remaining
        remaining -= 1
        if future.cancelled():
            return
        state = futures[future]
        outcomes, cached, characters = future.result()
        state.summary.cached += cached
        state.summary.characters += characters
        for outcome in outcomes:
            _record(state, outcome)
            done += 1

    interrupted = False
    try:
        while remaining:
            try:
                harvest(finished.get(timeout=FLUSH_SECONDS))
                while True:  # take everything that is ready before saving
                    harvest(finished.get_nowait())
            except queue.Empty:
                pass
            if progress:
                progress(done, total)
            now = time.monotonic()
            due = [s for s in states if s.pending and now >= s.next_flush]
            for state in due:
                _flush(cfg, state)
            if due:
                cache.flush()
    except KeyboardInterrupt:
        interrupted = True
        stop.set()
        # Answers that arrived but were not yet looked at are saved too.
        while True:
            try:
                harvest(finished.get_nowait())
            except queue.Empty:
                break
    finally:
        stop.set()
        for pool in pools.values():
            pool.shutdown(wait=False, cancel_futures=True)
        # Whatever happened, what is done is saved.
        for state in states:
            _flush(cfg, state)
        cache.flush()
    return interrupted


def _record(state: _State, outcome: _Outcome) -> None:
    entry = outcome.entry
    if outcome.forms is not None:
        state.pending[entry.key] = (outcome.forms, outcome.label, entry)
    elif outcome.failed:
        state.summary.failed.append(Problem(entry.line, entry.msgid, outcome.failed))
    else:
        state.summary.skipped.append(Problem(entry.line, entry.msgid, outcome.skipped or ""))


def _flush(cfg: Config, state: _State) -> None:
    """Apply the drafts to the file as it is now on disk (a person may have edited it)."""
    if not state.pending:
        return
    pending, state.pending = state.pending, {}
    began = time.monotonic()
    current = state.catalog
    if _stamp(state.job.path) != state.stamp:
        try:
            current = read_catalog(state.job.path)
        except HandbillError as exc:
            state.summary.error = f"{exc} (the file changed while drafting; drafts not saved)"
            return
    by_key = {e.key: e for e in current.messages}
    stamp = f"{catalogs.now():%Y-%m-%d}"
    for key, (forms, label, original) in pending.items():
        entry = by_key.get(key)
        if entry is None or not needs_draft(entry):
            state.summary.skipped.append(Problem(original.line, original.msgid,
                                                 "changed in the file while drafting; left as is"))
            continue
        _apply(entry, forms, f"{catalogs.DRAFT_MARK} {label}, {stamp}")
        state.summary.drafted += 1
    write_if_changed(state.job.path, dump_catalog(current, cfg.wrap))
    state.catalog, state.stamp = current, _stamp(state.job.path)
    log.info("%s: saved %d drafts", cfg.relpath(state.job.path), len(pending))
    took = time.monotonic() - began
    state.next_flush = time.monotonic() + max(FLUSH_SECONDS, took / FLUSH_SHARE)


def _stamp(path: Path) -> tuple:
    try:
        st = path.stat()
    except FileNotFoundError:
        return ()
    return (st.st_ino, st.st_size, st.st_mtime_ns)


def _apply(entry: Entry, forms: list[str], provenance: str) -> None:
    if entry.msgid_plural is not None:
        entry.msgstr_plural = list(forms)
    else:
        entry.msgstr = forms[0]
    entry.fuzzy = True
    entry.comments = [c for c in entry.comments if not c.startswith(catalogs.DRAFT_MARK)]
    entry.comments.append(provenance)


def _translate(engine: Engine, texts: list[str], source: str, target: str,
               stop: threading.Event) -> list[str]:
    """engine.translate with retries and exponential backoff on Transient errors."""
    def backoff(retry_state: tenacity.RetryCallState) -> float:
        exc = retry_state.outcome.exception()
        delay = min(BACKOFF * 2 ** (retry_state.attempt_number - 1), MAX_BACKOFF)
        return max(delay, min(getattr(exc, "retry_after", 0.0), MAX_BACKOFF))

    retrying = tenacity.Retrying(
        retry=tenacity.retry_if_exception_type(Transient),
        stop=tenacity.stop_after_attempt(engine.settings.retries + 1)
        | tenacity.stop_when_event_set(stop),
        wait=backoff, sleep=stop.wait, reraise=True)
    answers = retrying(engine.translate, texts, source, target)
    if len(answers) != len(texts):
        raise HandbillError(f"{engine.name}: sent {len(texts)} texts, got {len(answers)} back")
    return answers


def _work(state: _State, entries: list[Entry], cache: Cache,
          stop: threading.Event) -> tuple[list[_Outcome], int, int]:
    """Draft some entries of one catalog, in a worker thread: (outcomes, cache hits,
    characters sent); the main thread adds them up."""
    job, engine = state.job, state.job.engine
    if stop.is_set():
        return [], 0, 0
    if state.aborted:
        return [_Outcome(e, failed=state.aborted) for e in entries], 0, 0
    cached = characters = 0
    sent = {id(e): _sent(job, e) for e in entries}
    answers: dict[str, str] = {}
    errors: dict[str, str] = {}
    missing: list[str] = []
    for pairs in sent.values():
        for text, _ in pairs:
            if text in answers or text in missing:
                continue
            hit = (cache.get(engine.name, engine.identity, job.source, job.lang, text)
                   if engine.cacheable else None)
            if hit is not None:
                answers[text] = hit
                cached += 1
            else:
                missing.append(text)
    size = max(1, engine.batch_size)
    for i in range(0, len(missing), size):
        chunk = missing[i:i + size]
        try:
            got = _translate(engine, chunk, job.source, job.lang, stop)
        except Fatal as exc:
            state.aborted = str(exc)  # every further request would fail the same way
            return [_Outcome(e, failed=state.aborted) for e in entries], cached, characters
        except Transient as exc:
            errors.update((text, str(exc)) for text in chunk)
            # A server that is down or blackholed would cost every entry its timeouts and
            # retries: after GIVE_UP_AFTER failures in a row the rest is not sent.
            state.failures_in_a_row += 1
            if state.failures_in_a_row >= GIVE_UP_AFTER and not state.aborted:
                state.aborted = (f"not sent: {engine.name} failed {GIVE_UP_AFTER} times in a "
                                 f"row (last: {exc}); run `handbill draft` again later")
            continue
        except HandbillError as exc:
            errors.update((text, str(exc)) for text in chunk)
            continue
        state.failures_in_a_row = 0
        characters += sum(len(t) for t in chunk)
        answers.update(zip(chunk, got))
    outcomes = [_outcome(state, e, sent[id(e)], answers, errors) for e in entries]
    if engine.cacheable:
        # Only answers that made a draft: one that lost a token is asked again next time.
        fresh = set(missing) - set(errors)
        for outcome in outcomes:
            if outcome.forms is not None:
                for text, _ in sent[id(outcome.entry)]:
                    if text in fresh:
                        cache.put(engine.name, engine.identity, job.source, job.lang, text,
                                  answers[text])
    return outcomes, cached, characters


def _outcome(state: _State, entry: Entry, pairs: list, answers: dict[str, str],
             errors: dict[str, str]) -> _Outcome:
    engine = state.job.engine
    texts, scores = [], []
    for (text, masked), source in zip(pairs, [entry.msgid, entry.msgid_plural]):
        if text in errors:
            return _Outcome(entry, failed=errors[text])
        answer = answers.get(text, "")
        if not answer.strip():
            miss = getattr(engine, "miss_reason", "")  # the memory may simply not know it
            if miss:
                return _Outcome(entry, skipped=miss)
            return _Outcome(entry, failed=f"{engine.name} returned no text")
        scores.append(answer.score if isinstance(answer, Match) else 1.0)
        if masked is not None:
            try:
                answer = unmask(answer, masked)
            except MaskError as exc:
                return _Outcome(entry, failed=f"not drafted: {exc}")
        elif must_keep(answer) != must_keep(source):
            lost = sorted((must_keep(source) - must_keep(answer)).elements())
            added = sorted((must_keep(answer) - must_keep(source)).elements())
            return _Outcome(entry, skipped=(
                f"the closest match ({math.floor(scores[-1] * 100)}%) has other placeholders or "
                f"links (missing {lost or 'none'}, extra {added or 'none'})"))
        texts.append(str(answer))
    n = state.nplurals
    if entry.msgid_plural is None:
        forms = texts
    else:
        forms = [texts[1]] if n == 1 else [texts[0]] + [texts[1]] * (n - 1)
    label = engine.name
    if any(isinstance(answers.get(t), Match) for t, _ in pairs):
        label = f"{engine.name} {math.floor(min(scores) * 100)}%"
    return _Outcome(entry, forms=forms, label=label)
