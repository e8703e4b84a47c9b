"""Drafting some entries of one catalog, in a worker thread: the cache, the engine's calls with
retries and backoff, the checks of what came back, and one more request for a draft over its
length limit. The main thread (runner) collects the outcomes and saves them."""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass, field, replace

import tenacity

from pipeline.drafting import context
from pipeline.drafting.cache import Cache
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

    @property
    def request(self) -> Request:
        return self.plan.request

    def cached(self, key: str) -> str | None:
        engine, req = self.engine, self.request
        if not engine.cacheable:
            return None
        return self.cache.get(engine.name, engine.identity, req.source, req.target, key)

    def remember(self, key: str, answer: str) -> None:
        engine, req = self.engine, self.request
        if engine.cacheable:
            self.cache.put(engine.name, engine.identity, req.source, req.target, key, answer)


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
    answers = retrying(engine.translate, segments, d.request)
    if len(answers) != len(segments):
        raise HandbillError(f"{engine.name}: sent {len(segments)} texts, got {len(answers)} back")
    return answers


def work(d: Drafting, entries: list[Entry]) -> tuple[list[Outcome], int, int]:
    """Draft some entries of one catalog: (outcomes, cache hits, characters sent)."""
    if d.stop.is_set():
        return [], 0, 0
    if d.health.aborted:
        return [Outcome(e, failed=d.health.aborted) for e in entries], 0, 0
    sent = {id(e): context.sent(d.plan, d.engine, e, d.nplurals) for e in entries}
    todo: dict[str, Segment] = {}
    answers: dict[str, Answer] = {}
    cached = characters = 0
    for item in (s for group in sent.values() for s in group):
        key = item.key
        if key in answers or key in todo:
            continue
        hit = d.cached(key)
        if hit is not None:
            answers[key], cached = Answer(hit), cached + 1
        else:
            todo[key] = item.segment
    errors: dict[str, str] = {}
    keys = list(todo)
    size = max(1, d.engine.batch_size)
    for i in range(0, len(keys), size):
        chunk = keys[i:i + size]
        try:
            got = translate(d, [todo[k] for k in chunk])
        except Fatal as exc:  # every further request would fail the same way
            reason = d.health.fatal(str(exc))
            return [Outcome(e, failed=reason) for e in entries], cached, characters
        except Transient as exc:
            errors.update((k, str(exc)) for k in chunk)
            d.health.failure(d.engine.name, exc)
            continue
        except HandbillError as exc:
            errors.update((k, str(exc)) for k in chunk)
            continue
        d.health.success()
        characters += sum(len(todo[k].text) for k in chunk)
        answers.update(zip(chunk, got))
    fresh = set(todo) - set(errors)
    return [_outcome(d, e, sent[id(e)], answers, errors, fresh) for e in entries], cached, \
        characters


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
    if d.engine.shortens:
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
