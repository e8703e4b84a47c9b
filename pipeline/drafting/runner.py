"""Runs a draft: picks the entries, sends them concurrently (work.py), and saves as it goes
(about every second), so an interrupted run loses only what was in flight and a re-run
finishes the rest. A catalog is read and written through catalogfile, so a person saving it
meanwhile keeps their work."""

from __future__ import annotations

import logging
import threading
import time
from functools import partial
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable

from pipeline import catalogs
from pipeline.config import Config
from pipeline.drafting import catalogfile, context
from pipeline.drafting.cache import Cache
from pipeline.drafting.catalogfile import Changed, Snapshot, catalog_lock
from pipeline.drafting.protocol import Engine, when_sent
from pipeline.drafting.summary import CatalogSummary, DraftSummary, Problem
from pipeline.drafting.turns import Countdown, Inbox, Outstanding, Sending, start_threads
from pipeline.drafting.work import Asked, Drafting, Outcome, ask, finish, prepare
from pipeline.errors import HandbillError
from pipeline.model import Campaign
from pipeline.catalogs.entries import Origin, content, same_content
from pipeline.catalogs.pofile import Entry, dump_catalog, format_entry

log = logging.getLogger(__name__)

FLUSH_SECONDS = 1.0  # drafts are saved at least this often...
FLUSH_SHARE = 0.1  # ...unless saving a big catalog would take more than this share of the time
FIRST_ROUND_WAIT = 0.02  # seconds the next first-round chunk waits for a request to leave
INTERRUPT_WAIT = 1.0  # seconds Ctrl-C waits for answers in to be checked, before saving
WRITE_ATTEMPTS = 3  # a file changing under every write is tried again at the next flush

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
    terms: tuple[str, ...] = ()  # protected terms (and the organisation's name)
    campaign: Campaign | None = None  # None for the ui domain
    expected: int | None = None  # messages in its template: a catalog with fewer is half-saved
    error: HandbillError | None = None
    # The engine's check of the language pair, running meanwhile: None (fine) or why not.
    checked: Future | None = None


@dataclass
class _State:
    """A catalog being drafted: its plan, drafts not yet saved, and its summary."""

    job: Job
    summary: CatalogSummary
    drafting: Drafting
    todo: list[Entry]
    snapshot: Snapshot | None  # the file as last read or written by us; None: read it again
    first: object = None  # the catalog `todo` was taken from
    stamp: str = field(default_factory=lambda: f"{catalogs.now():%Y-%m-%d}")  # drafts' date
    pending: dict = field(default_factory=dict)
    # id(entry) -> (its content with the draft, its text in the file): written in the finisher
    # threads while requests are out, so the last save only joins texts (see _written).
    written: dict = field(default_factory=dict)
    encoding: bytes = b"UTF-8"  # the charset the catalog declared when read
    # Keys of pending drafts already applied to snapshot.catalog as they came in (see _early).
    early: set = field(default_factory=set)
    next_flush: float = field(default_factory=lambda: time.monotonic() + FLUSH_SECONDS)


def needs_draft(entry: Entry) -> bool:
    """Untranslated: no text in any form and not fuzzy. Anything else is a person's work."""
    return not entry.fuzzy and not any(entry.strings) and bool(entry.msgid.strip())


def run(cfg: Config, jobs: list[Job], dry_run: bool = False,
        progress: Progress | None = None) -> DraftSummary:
    """Draft every job's catalog; writes the catalogs and the cache (nothing in a dry run)."""
    summary = DraftSummary([], dry_run)
    cache = Cache(cfg.root)
    stop = threading.Event()
    states: list[_State] = []
    slots: dict[int, threading.Semaphore] = {}  # one per engine: its concurrency
    with ExitStack() as locks:
        for job in jobs:
            cs = CatalogSummary(job.domain, job.lang, job.engine_name, cfg.relpath(job.path))
            summary.catalogs.append(cs)
            if job.error is not None:
                cs.error = _said(job.error, cs.path)
                continue
            try:
                if not dry_run:
                    locks.enter_context(catalog_lock(cfg, job.lang, job.domain, job.path))
                snapshot = catalogfile.read_whole(job.path, job.expected, cs.path,
                                                  cfg.root)
                nplurals = catalogs.plural_count(snapshot.catalog)
            except HandbillError as exc:
                cs.error = str(exc)
                continue
            problem = job.checked.result() if job.checked is not None else None
            if problem is not None:  # the engine cannot draft this pair
                cs.error = _said(problem, cs.path)
                continue
            messages = snapshot.catalog.messages
            todo = [e for e in messages if needs_draft(e)]
            cs.total, cs.to_draft = len(messages), len(todo)
            cs.kept = sum(1 for e in messages if e.fuzzy or any(e.strings))
            plan = context.plan(job.engine, job.source, job.lang, job.campaign, job.terms,
                                ui=job.campaign is None)
            slot = slots.setdefault(id(job.engine),
                                    threading.BoundedSemaphore(job.engine.concurrency))
            drafting = Drafting(job.engine, plan, nplurals, cache, stop, slots=slot)
            states.append(_State(job, cs, drafting, todo, snapshot, first=snapshot.catalog,
                                 encoding=snapshot.catalog.charset.upper().encode("ascii")))
        if dry_run:
            _plan(states)
        else:
            summary.interrupted = _execute(cfg, states, cache, stop, progress)
    return summary


def _said(error: HandbillError, path: str) -> str:
    return str(error) if error.path else f"{path}: {error}"


def _plan(states: list[_State]) -> None:
    for state in states:
        d = state.drafting
        for entry in state.todo:
            for item in context.sent(d.plan, d.engine, entry, d.nplurals):
                if d.cached(item.key) is not None:
                    state.summary.cached += 1
                else:
                    state.summary.characters += len(item.segment.text)


class _Chunk:
    """One translate() call's entries and what goes out for them (context.sent), made by the
    thread that comes first: the main thread ahead of the workers, or a worker that took the
    chunk before the main thread got to it (then it does not wait for the main thread)."""

    def __init__(self, drafting: Drafting, entries: list[Entry], sending: Sending):
        self.drafting, self.entries, self.sending = drafting, entries, sending
        self._lock = threading.Lock()
        self._sent: dict | None = None
        self.out = threading.Event()  # its request is written (or it asked nothing more)

    def sent(self, wait: bool = True) -> dict | None:
        """What goes out, made now if no thread made it yet; None if another thread is
        making it and not `wait`."""
        if not self._lock.acquire(blocking=wait):
            return None
        try:
            if self._sent is None:
                self._sent = prepare(self.drafting, self.entries)
            return self._sent
        finally:
            self._lock.release()

    def ask(self) -> Asked:
        self.sending.starting()
        when_sent(self._written)
        try:
            asked = ask(self.drafting, self.entries, self.sent())
        finally:
            when_sent(None)
            self._written()
        if getattr(self.drafting.engine, "tells_sent", False):
            self.sending.answered()  # this worker sends next: the finishers let it
        return asked

    def _written(self) -> None:
        self.out.set()
        self.sending.sent()


@dataclass
class _Flow:
    """What the threads of one run share besides the catalogs (see turns.py)."""

    finishers: ThreadPoolExecutor  # check the answers (tokens put back, limits, shortening)
    threads: int  # the finishers' threads at most
    finished: Inbox  # (state, future of a chunk's outcomes), to the main thread
    width: int  # the catalogs' line width
    handed: Countdown  # chunks handed to a finisher: at the last, the finishers end
    sending: Sending = field(default_factory=Sending)  # workers about to send
    checking: Outstanding = field(default_factory=Outstanding)  # handed, not yet finished


def _submit(states: list[_State], width: int
            ) -> tuple[list[_Chunk], list[ThreadPoolExecutor], _Flow]:
    """Send every state's entries in chunks; (chunks, pools, flow). Each finished chunk
    arrives in `flow.finished` as (state, future of its outcomes)."""
    pools: dict[int, ThreadPoolExecutor] = {}
    # Checking answers (tokens put back, limits; a request to shorten) happens in other
    # threads than asking: a worker sends its next request as soon as an answer is in, not
    # after the checks of the previous chunk (8 workers answered together took turns).
    threads = max((s.job.engine.concurrency for s in states), default=1)
    finishers = ThreadPoolExecutor(threads, thread_name_prefix="draft-finish")
    # Each finisher thread ends once the last chunk's checks were handed to it, each worker
    # once no chunk is left for it (every chunk is queued below): during the last round, while
    # the others wait for their answers, not all together after the last answer, where the
    # exits of some 20 threads took turns with the last save (2-3 ms of the stage).
    flow = _Flow(finishers, threads, Inbox(), width,
                 Countdown(partial(finishers.shutdown, wait=False)))
    # The first round (one chunk per worker of an engine) is prepared here, each just before
    # it is handed over: its requests then leave one after another, where workers preparing
    # their own first chunks at once (in turns, for the GIL) sent the last one ~15 ms after
    # the first, and every later request of that worker as late. For an engine that says
    # when a request is written, the next chunk is prepared only then (see turns.py).
    ahead: dict[int, int] = {}
    chunks = []
    for state in states:
        engine = state.job.engine
        pool = pools.get(id(engine))
        if pool is None:
            pool = pools[id(engine)] = ThreadPoolExecutor(
                engine.concurrency, thread_name_prefix=f"draft-{engine.name}")
        # Entries with the same text (a title that is also a heading) go out once, together.
        groups: dict[tuple, list[Entry]] = {}
        for entry in state.todo:
            groups.setdefault((entry.msgid, entry.msgid_plural, tuple(entry.flags)), []
                              ).append(entry)
        for entries in _chunks(list(groups.values()), engine):
            chunk = _Chunk(state.drafting, entries, flow.sending)
            first = ahead.get(id(engine), 0) < engine.concurrency
            if first:
                ahead[id(engine)] = ahead.get(id(engine), 0) + 1
                chunk.sent()
            future = pool.submit(chunk.ask)
            future.add_done_callback(partial(_then_finish, flow, state))
            chunks.append(chunk)
            if first and getattr(engine, "tells_sent", False):
                chunk.out.wait(FIRST_ROUND_WAIT)
    flow.handed.arm(len(chunks))
    flow.sending.arm(len(chunks))
    for pool in pools.values():
        pool.shutdown(wait=False)  # the chunks queued still run: see above
    return chunks, [*pools.values(), finishers], flow


def _prepare_ahead(chunks: list[_Chunk], stop: threading.Event) -> None:
    """The chunks are prepared here, ahead of the workers, while the first are out (a worker
    that gets to a chunk first prepares it itself: it never waits for this loop)."""
    for chunk in chunks:
        if stop.is_set():
            break
        chunk.sent(wait=False)


def _then_finish(flow: _Flow, state: _State, asked: Future) -> None:
    """In the worker that asked: hand the answers to a finisher thread."""
    try:
        if asked.cancelled():
            flow.finished.put((state, asked))
            return
        flow.checking.add()
        try:
            done = flow.finishers.submit(_finish, flow, state, asked)
        except RuntimeError:  # shut down: the run was interrupted, this chunk is not saved
            flow.checking.done()
            flow.finished.put((state, None))
            return
        done.add_done_callback(partial(_finished, flow, state))
    finally:
        flow.handed.count()


def _finished(flow: _Flow, state: _State, future: Future) -> None:
    flow.finished.put((state, future))
    flow.checking.done()


def _finish(flow: _Flow, state: _State, asked: Future) -> tuple[list[Outcome], int, int]:
    flow.sending.wait()  # workers with an answer in send their next request first
    done = finish(state.drafting, asked.result())  # an error in ask() is raised in the main thread
    for outcome in done[0]:
        if outcome.forms is not None:
            state.written[id(outcome.entry)] = _render(outcome, flow.width, state.encoding,
                                                       state.stamp)
    return done


def _chunks(groups: list[list[Entry]], engine: Engine) -> list[list[Entry]]:
    """Groups of entries in chunks of about `batch_size` texts, each one translate() call.
    An engine that reads context gets each entry of a group apart (a title and a heading
    may be said differently); a plural entry is two texts."""
    size = max(1, engine.batch_size)
    out: list[list[Entry]] = []
    chunk: list[Entry] = []
    count = 0
    for group in groups:
        forms = 2 if group[0].msgid_plural is not None else 1
        texts = forms * (len(group) if engine.reads_context else 1)
        if chunk and count + texts > size:
            out.append(chunk)
            chunk, count = [], 0
        chunk += group
        count += texts
    return out + ([chunk] if chunk else [])


def _execute(cfg: Config, states: list[_State], cache: Cache, stop: threading.Event,
             progress: Progress | None) -> bool:
    """Run every state's entries through its engine; True if interrupted (Ctrl-C)."""
    total = sum(len(s.todo) for s in states)
    done = 0
    if progress:
        progress(0, total)
    chunks, pools, flow = _submit(states, cfg.wrap)
    # Finished chunks arrive in the inbox: O(1) per answer, where concurrent.futures.wait()
    # would re-arm a waiter on every pending future each time (quadratic with 500 entries).
    inbox = flow.finished
    remaining = len(chunks)

    def harvest(again: bool = False) -> None:
        """Record the first chunk in the inbox; it leaves the inbox only then. `again`: it
        may have been recorded in part before an interruption: only drafts not yet pending."""
        nonlocal done, remaining
        state, future = inbox.first()
        remaining -= 1
        if future is not None and not future.cancelled():
            outcomes, cached, characters = future.result()
            state.summary.cached += cached
            state.summary.characters += characters
            for outcome in outcomes:
                if again and (outcome.forms is None or outcome.entry.key in state.pending):
                    continue
                _record(state, outcome)
                done += 1
        inbox.done()

    interrupted = False
    try:
        _prepare_ahead(chunks, stop)
        # The finishers' threads start now, while the first requests are out: started as
        # the first answers came in, each held up the worker that started it (turns.py).
        start_threads(flow.finishers, min(len(chunks), flow.threads))
        # What goes out for a chunk is freed once its answers are checked (in the finisher,
        # as the run goes), not all together at the end of the stage.
        chunks.clear()
        while remaining:
            if inbox.wait(FLUSH_SECONDS):
                harvest()
                while inbox.wait(0):  # take everything that is ready before saving
                    harvest()
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
        # Answers that arrived are saved too: the chunk whose harvest was interrupted, then
        # those being checked, waited for (checking takes milliseconds: no request to shorten
        # is made once stopped), at most a second.
        flow.sending.release()
        if inbox.first() is not None:
            harvest(again=True)
        flow.checking.wait(INTERRUPT_WAIT)
        while inbox.first() is not None:
            harvest()
    finally:
        stop.set()
        for pool in pools:
            pool.shutdown(wait=False, cancel_futures=True)
        # Whatever happened, what is done is saved: the catalogs, then the cache (not
        # fsync'ed, see Cache.flush: about 1 ms; in a thread of its own, alongside the
        # catalog's fsync, the stage ended no sooner, 20-run medians).
        for state in states:
            _flush(cfg, state, last=True)
        cache.flush()
    return interrupted


def _record(state: _State, outcome: Outcome) -> None:
    entry = outcome.entry
    if outcome.forms is not None:
        state.pending[entry.key] = outcome
        _early(state, outcome)
    elif outcome.failed:
        state.summary.failed.append(Problem(entry.line, entry.msgid, outcome.failed))
    else:
        state.summary.skipped.append(Problem(entry.line, entry.msgid, outcome.skipped or ""))


def _early(state: _State, outcome: Outcome) -> None:
    """Apply a draft to the catalog held in memory as it comes in, while it is the one read
    (or last written): the last save after the last answer then only writes (applying 500
    drafts there took 5-9 ms). The draft stays pending until a save succeeds: if the file
    changed meanwhile, _flush reads it again and applies every pending draft to that."""
    snapshot, entry = state.snapshot, outcome.entry
    if snapshot is None or snapshot.catalog is not state.first or not needs_draft(entry):
        return
    _apply(entry, outcome, _provenance(outcome, state.stamp))
    _written(entry, state.written.pop(id(entry), None))
    state.early.add(entry.key)


def _flush(cfg: Config, state: _State, last: bool = False) -> None:
    """Apply the drafts to the file as it is now on disk (a person may have edited it, or be
    saving it right now): never over a save made meanwhile, never to a half-saved file."""
    if not state.pending:
        return
    began = time.monotonic()
    path, rel = state.job.path, state.summary.path
    problem = "the file kept changing under every write"
    for _ in range(WRITE_ATTEMPTS):
        snapshot, early = state.snapshot, state.early
        try:
            if snapshot is None or not catalogfile.unchanged(path, snapshot):
                snapshot, early = catalogfile.read_whole(path, state.job.expected, rel), set()
        except HandbillError as exc:
            problem = str(exc)
            break
        # Its catalog is changed now, whatever becomes of the write (and no draft is applied to
        # it early until the write succeeded).
        state.snapshot, state.early = None, set()
        current = snapshot.catalog
        applied, skipped = _apply_all(state, current, early)
        try:
            state.snapshot = catalogfile.write(path, dump_catalog(current, cfg.wrap), current,
                                               snapshot)
        except Changed:
            continue  # someone saved meanwhile: read their version, apply the drafts again
        state.summary.drafted += applied
        state.summary.skipped += skipped
        log.info("%s: saved %d drafts", rel, applied)
        state.pending = {}
        break
    if state.pending and last:
        state.summary.error = (f"{problem} ({len(state.pending)} drafts not saved; run "
                               "`handbill draft` again, answers already received are in "
                               ".handbill/cache/)")
    took = time.monotonic() - began
    state.next_flush = time.monotonic() + max(FLUSH_SECONDS, took / FLUSH_SHARE)


def _apply_all(state: _State, current, early: set) -> tuple[int, list[Problem]]:
    if early.issuperset(state.pending):  # all applied as they came in
        return len(state.pending), []
    by_key = {e.key: e for e in current.messages}
    applied, skipped = 0, []
    for key, outcome in state.pending.items():
        if key in early:  # applied to this catalog as it came in
            applied += 1
            continue
        entry = by_key.get(key)
        if entry is None or not needs_draft(entry):
            original = outcome.entry
            skipped.append(Problem(original.line, original.msgid,
                                   "changed in the file while drafting; left as is"))
            continue
        _apply(entry, outcome, _provenance(outcome, state.stamp))
        if entry is outcome.entry:  # the catalog as read: its text may be written already
            _written(entry, state.written.pop(id(entry), None))
        applied += 1
    return applied, skipped


def _provenance(outcome: Outcome, stamp: str) -> str:
    return f"{catalogs.DRAFT_MARK} {outcome.label}, {stamp}"


def _render(outcome: Outcome, width: int, encoding: bytes, stamp: str) -> tuple[tuple, str]:
    """(content, text) of the outcome's entry with its draft applied, as dump_catalog would
    write it: the same format_entry on a copy (its lists copied: `fuzzy = True` changes
    the flags list in place; its Origin shared, which orders the flags)."""
    entry = outcome.entry
    draft = replace(entry, flags=list(entry.flags), comments=list(entry.comments),
                    msgstr_plural=list(entry.msgstr_plural))
    _apply(draft, outcome, _provenance(outcome, stamp))
    return content(draft), format_entry(draft, width, encoding)


def _written(entry: Entry, rendered: tuple[tuple, str] | None) -> None:
    """Give a drafted entry the text rendered for it in a finisher thread, if its content
    is still what was rendered (the date, a file read again: otherwise dump_catalog formats
    it). As an Origin: entry_text() copies an entry's text while its content is unchanged."""
    if rendered is None or not same_content(entry, rendered[0]):
        return
    state, text = rendered
    lines = text[:-1].split("\n")  # format_entry's text ends with a line break
    entry.origin = Origin(lines, 1, len(lines), state)


def _apply(entry: Entry, outcome: Outcome, provenance: str) -> None:
    if entry.msgid_plural is not None:
        entry.msgstr_plural = list(outcome.forms)
    else:
        entry.msgstr = outcome.forms[0]
    entry.fuzzy = True
    entry.comments = [c for c in entry.comments if not c.startswith(catalogs.DRAFT_MARK)]
    entry.comments += list(outcome.notes) + [provenance]
