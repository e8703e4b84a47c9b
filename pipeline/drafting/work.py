"""Drafting some entries of one catalog, in a worker thread: the cache, the engine's calls with
retries and backoff, the checks of what came back, and one more request for a draft over its
length limit. The main thread (runner) collects the outcomes and saves them."""

from __future__ import annotations

import contextlib
import math
import threading
from dataclasses import dataclass, field, replace

import tenacity

from pipeline.drafting import context
from pipeline.drafting.cache import Cache, Shelf
from pipeline.drafting.context import Plan, Sent
from pipeline.drafting.masking import MaskError, must_keep, unmask
from pipeline.drafting.protocol import Answer, Engine, Fatal, Request, Segment, Transient
from pipeline.errors import HandbillError
from pipeline.catalogs.pofile import Entry

BACKOFF = 0.5  # seconds before the first retry, doubling each time (tests make it shorter)
MAX_BACKOFF = 30.0
GIVE_UP_AFTER = 8  # requests failing in a row (after their retries) before a catalog stops
OVER_LIMIT = "over limit"  # starts the translator comment of a draft longer than allowed


@dataclass
class Outcome:
    """What became of one entry: its draft forms, or why it has none."""

    entry: Entry
    forms: list[str] | None = None
    label: str = ""
    notes: tuple[str, ...] = ()  # translator comments to add (a draft over its limit)
    skipped: str | None = None
    failed: str | None = None


class Health:
    """A catalog's run of failures, shared by its worker threads (hence the lock): after
    GIVE_UP_AFTER failures in a row, or one Fatal error, the rest is not sent."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._aborted: str | None = None
        self._failures_in_a_row = 0

    @property
    def aborted(self) -> str | None:
        with self._lock:
            return self._aborted

    def fatal(self, reason: str) -> str:
        with self._lock:
            self._aborted = self._aborted or reason
            return self._aborted

    def failure(self, engine: str, exc: Exception) -> None:
        with self._lock:
            self._failures_in_a_row += 1
            if self._failures_in_a_row >= GIVE_UP_AFTER and not self._aborted:
                self._aborted = (f"not sent: {engine} failed {GIVE_UP_AFTER} times in a row "
                                 f"(last: {exc}); run `handbill draft` again later")

    def success(self) -> None:
        with self._lock:
            self._failures_in_a_row = 0


@dataclass
class Drafting:
    """What the worker threads of one catalog share."""

    engine: Engine
    plan: Plan
    nplurals: int
    cache: Cache
    stop: threading.Event
    health: Health = field(default_factory=Health)
    # Requests in flight to this engine at most (the askers' pool and the finishers' requests
    # to shorten a draft share them); None: no limit beyond the caller's own threads.
    slots: threading.Semaphore | None = None

    shelf: Shelf | None = None  # this catalog's answers in the cache, found at the first use

    @property
    def request(self) -> Request:
        return self.plan.request

    def _shelf(self) -> Shelf:
        if self.shelf is None:  # two threads may both find it: the same file, no harm
            engine, req = self.engine, self.request
            self.shelf = self.cache.shelf(engine.name, engine.identity, req.source, req.target)
        return self.shelf

    def cached(self, key: str) -> str | None:
        return self._shelf().get(key) if self.engine.cacheable else None

    def remember(self, key: str, answer: str) -> None:
        if self.engine.cacheable:
            self._shelf().put(key, answer)


def translate(d: Drafting, segments: list[Segment]) -> list[Answer]:
    """engine.translate with retries and exponential backoff on Transient errors (a server's
    Retry-After is honoured, up to MAX_BACKOFF)."""
    engine = d.engine

    def backoff(retry_state: tenacity.RetryCallState) -> float:
        exc = retry_state.outcome.exception()
        delay = min(BACKOFF * 2 ** (retry_state.attempt_number - 1), MAX_BACKOFF)
        asked = exc.retry_after if isinstance(exc, Transient) else 0.0
        return max(delay, min(asked, MAX_BACKOFF))

    retrying = tenacity.Retrying(
        retry=tenacity.retry_if_exception_type(Transient),
        stop=tenacity.stop_after_attempt(engine.retries + 1)
        | tenacity.stop_when_event_set(d.stop),
        wait=backoff, sleep=d.stop.wait, reraise=True)
    with d.slots or contextlib.nullcontext():
        answers = retrying(engine.translate, segments, d.request)
    if len(answers) != len(segments):
        raise HandbillError(f"{engine.name}: sent {len(segments)} texts, got {len(answers)} back")
    return answers


@dataclass
class Asked:
    """One chunk's entries with their texts as sent and the engine's answers (or why none)."""

    entries: list[Entry]
    sent: dict[int, list[Sent]]  # by id(entry)
    answers: dict[str, Answer] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    fresh: set[str] = field(default_factory=set)  # keys answered now, not from the cache
    cached: int = 0
    characters: int = 0
    done: list[Outcome] | None = None  # outcomes decided without answers (stopped, aborted)


def prepare(d: Drafting, entries: list[Entry]) -> dict[int, list[Sent]]:
    """What goes out for each entry (masked texts, context, cache keys), by id(entry)."""
    return {id(e): context.sent(d.plan, d.engine, e, d.nplurals) for e in entries}


def ask(d: Drafting, entries: list[Entry], sent: dict[int, list[Sent]] | None = None
        ) -> Asked:
    """The cache, then the engine, for some entries of one catalog (a worker thread's part:
    only this is between one request and the next)."""
    asked = Asked(entries, sent if sent is not None else {})
    if d.stop.is_set():
        asked.done = []
        return asked
    if d.health.aborted:
        asked.done = [Outcome(e, failed=d.health.aborted) for e in entries]
        return asked
    if sent is None:
        asked.sent = prepare(d, entries)
    todo: dict[str, Segment] = {}
    answers, errors = asked.answers, asked.errors
    for item in (s for group in asked.sent.values() for s in group):
        key = item.key
        if key in answers or key in todo:
            continue
        hit = d.cached(key)
        if hit is not None:
            answers[key] = Answer(hit)
            asked.cached += 1
        else:
            todo[key] = item.segment
    keys = list(todo)
    size = max(1, d.engine.batch_size)
    for i in range(0, len(keys), size):
        chunk = keys[i:i + size]
        try:
            got = translate(d, [todo[k] for k in chunk])
        except Fatal as exc:  # every further request would fail the same way
            reason = d.health.fatal(str(exc))
            asked.done = [Outcome(e, failed=reason) for e in entries]
            return asked
        except Transient as exc:
            errors.update((k, str(exc)) for k in chunk)
            d.health.failure(d.engine.name, exc)
            continue
        except HandbillError as exc:
            errors.update((k, str(exc)) for k in chunk)
            continue
        d.health.success()
        asked.characters += sum(len(todo[k].text) for k in chunk)
        answers.update(zip(chunk, got))
    asked.fresh = set(todo) - set(errors)
    return asked


def finish(d: Drafting, asked: Asked) -> tuple[list[Outcome], int, int]:
    """The drafts of an asked chunk, their tokens restored and checked, and over-limit ones
    asked to shorten: (outcomes, cache hits, characters sent)."""
    if asked.done is not None:
        return asked.done, asked.cached, asked.characters
    return [_outcome(d, e, asked.sent[id(e)], asked.answers, asked.errors, asked.fresh)
            for e in asked.entries], asked.cached, asked.characters


def work(d: Drafting, entries: list[Entry]) -> tuple[list[Outcome], int, int]:
    """Draft some entries of one catalog: (outcomes, cache hits, characters sent)."""
    return finish(d, ask(d, entries))


def _outcome(d: Drafting, entry: Entry, items: list[Sent], answers: dict[str, Answer],
             errors: dict[str, str], fresh: set[str]) -> Outcome:
    engine = d.engine
    texts, scores, notes, keep = [], [], [], []
    for item in items:
        key = item.key
        if key in errors:
            return Outcome(entry, failed=errors[key])
        answer = answers.get(key, Answer())
        if answer.failed:
            return Outcome(entry, failed=answer.failed)
        if not answer.text.strip():
            if answer.missing:  # the memory may simply not know it
                return Outcome(entry, skipped=answer.missing)
            return Outcome(entry, failed=f"{engine.name} returned no text")
        scores.append(answer.score)
        text, problem = _restored(answer.text, item, answer.score)
        if problem:
            return Outcome(entry, **problem)
        limit = item.segment.limit
        if limit is not None and len(text) > limit:
            raw, text, note = _within_limit(d, item, answer.text, text)
            answer = replace(answer, text=raw)
            notes += [note] if note else []
        if key in fresh:
            keep.append((key, answer.text))
        texts.append(text)
    for key, raw in keep:  # only answers that made a draft: a lost token is asked again
        d.remember(key, raw)
    n = d.nplurals
    forms = texts if entry.msgid_plural is None else (
        [texts[1]] if n == 1 else [texts[0]] + [texts[1]] * (n - 1))
    label = engine.name
    if any(s is not None for s in scores):  # a memory match says how close it was
        label = f"{engine.name} {math.floor(min(s for s in scores if s is not None) * 100)}%"
    return Outcome(entry, forms=forms, label=label, notes=tuple(dict.fromkeys(notes)))


def _restored(answer: str, item: Sent, score: float | None = None) -> tuple[str, dict | None]:
    """The answer with its tokens put back, or what is wrong with it."""
    if item.masked is not None:
        try:
            return unmask(answer, item.masked), None
        except MaskError as exc:
            return "", {"failed": f"not drafted: {exc}"}
    if must_keep(answer) != must_keep(item.original):
        lost = sorted((must_keep(item.original) - must_keep(answer)).elements())
        added = sorted((must_keep(answer) - must_keep(item.original)).elements())
        close = f" ({math.floor(score * 100)}%)" if score is not None else ""
        return "", {"skipped": (f"the closest match{close} has other placeholders or links "
                                f"(missing {lost or 'none'}, extra {added or 'none'})")}
    return answer, None


def _within_limit(d: Drafting, item: Sent, raw: str, text: str) -> tuple[str, str, str]:
    """(answer, draft, note) for a draft over its limit: an engine that can is asked once more
    for a shorter one; a draft still too long is kept, with an `over limit` comment."""
    limit = item.segment.limit
    if d.engine.shortens and not d.stop.is_set():  # stopped: what is in is saved, as it is
        try:
            [again] = translate(d, [replace(item.segment, shorten=raw)])
        except HandbillError:
            again = Answer()
        if again.ok:
            shorter, problem = _restored(again.text, item)
            if not problem and len(shorter) < len(text):
                raw, text = again.text, shorter
    if len(text) <= limit:
        return raw, text, ""
    return raw, text, (f"{OVER_LIMIT}: {len(text)} characters where max-length is {limit}; "
                       "shorten it")
