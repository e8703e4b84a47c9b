"""Machine drafting: fill untranslated entries with fuzzy, labelled drafts from an engine.

`draft(cfg, ...)` is the stage. The layout: protocol.py (what an engine is), registry.py
(engines by name; imports the engine modules, which never import it), settings.py and
langcodes.py (what engines share), one module per engine family (apertium, memory, openai,
deepl, deeptranslator), and the run itself: context.py (what is sent, with the entry's
context), masking.py, work.py (worker threads), catalogfile.py (safe reads and writes),
runner.py (the pool and the saving), turns.py (how its threads take turns), cache.py.
"""

from __future__ import annotations

import gc
import sys
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from typing import Iterator

from pipeline import catalogs, files
from pipeline.config import Config
from pipeline.drafting import registry
from pipeline.drafting.runner import Job, Progress, run
from pipeline.drafting.summary import CatalogSummary, DraftSummary, Problem
from pipeline.errors import CatalogError, HandbillError
from pipeline.catalogs import counts
from pipeline.catalogs.pofile import catalog_from_bytes
from pipeline.model import Campaign
from pipeline.plan import CatalogRef
from pipeline.project import load_plan

__all__ = ["draft", "DraftSummary", "CatalogSummary", "Problem"]


def _targets(cfg: Config, languages: tuple[str, ...], campaigns: tuple[str, ...]
             ) -> list[tuple[CatalogRef, tuple[str, ...], Campaign | None]]:
    """(catalog, protected terms, campaign or None for `ui`) to draft: the plan's catalogs
    (pipeline.plan decides which languages each campaign serves; the templates' strings go
    with every campaign, as `handbill update` merges them)."""
    plan = load_plan(cfg, campaigns, languages).plan
    terms = {c.name: tuple(c.protected_terms) + ((c.organisation,) if c.organisation else ())
             for c in plan.campaigns}
    refs = plan.catalogs
    ui = [ref for ref in refs if ref.campaign is None]
    if ui and not (ui[0].pot.exists() or any(ref.po.exists() for ref in ui)):
        refs = tuple(ref for ref in refs if ref.campaign is not None)
    return [(ref, terms.get(ref.campaign, ()),
             plan.campaign(ref.campaign) if ref.campaign else None) for ref in refs]


def _template_size(cfg: Config, domain: str) -> int | None:
    """How many messages the domain's template holds (a whole catalog holds as many): as
    remembered for these bytes (catalogs.counts), else parsed, and remembered."""
    path = catalogs.pot_path(cfg, domain)
    try:
        if not path.exists():
            return None
        raw = files.read_inside(path, cfg.root, "locales", str(path), CatalogError)
        count = counts.remembered(cfg.root, raw)
        if count is None:
            count = len(catalog_from_bytes(raw, path).messages)
            counts.remember(cfg.root, [(raw, count)])
        return count
    except HandbillError:
        return None  # a broken template is `handbill update`'s to report


def draft(cfg: Config, languages: tuple[str, ...] = (), campaigns: tuple[str, ...] = (),
          engine: str | None = None, dry_run: bool = False,
          progress: Progress | None = None) -> DraftSummary:
    """Fill untranslated entries of locales/<lang>/LC_MESSAGES/<domain>.po with fuzzy drafts.

    Writes those catalogs and .handbill/cache/ (nothing when dry_run). Reviewed and fuzzy
    entries are never touched. A language an engine cannot serve fails alone.
    """
    with _collector_paused(), _quick_switches():
        return _draft(cfg, languages, campaigns, engine, dry_run, progress)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off during the stage, on again after (if it was).
    Its passes over what the stage reads first (the campaign, templates, catalogs: tens of
    thousands of objects) stop every thread, and took 9-25 ms each, up to 35 ms a run of
    500 messages, while requests were out or about to go; the stage itself leaves about
    two cyclic objects a message, collected once the collector runs again."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


SWITCH_SECONDS = 0.0005


@contextmanager
def _quick_switches() -> Iterator[None]:
    """The interpreter's thread switch interval at most 0.5 ms during the stage (5 ms by
    default), then as it was. A drafting thread gives up the GIL at every socket call, and
    takes it back behind whichever thread is checking or laying out drafts: up to a whole
    interval each time, several times a request. At 5 ms the first round's requests took
    59-97 ms against a server answering after 50."""
    was = sys.getswitchinterval()
    sys.setswitchinterval(min(was, SWITCH_SECONDS))
    try:
        yield
    finally:
        sys.setswitchinterval(was)


def _draft(cfg: Config, languages: tuple[str, ...], campaigns: tuple[str, ...],
           engine: str | None, dry_run: bool, progress: Progress | None) -> DraftSummary:
    targets = _targets(cfg, tuple(languages), tuple(campaigns))
    chosen = {ref.lang: engine or cfg.draft.engine_for(ref.lang) for ref, _, _ in targets}
    for name in sorted(set(chosen.values())):
        registry.spec(name)  # an unknown engine is a ConfigError naming the engines
    made: dict[str, object] = {}
    checked: dict[tuple[str, str, str], Future] = {}
    sizes: dict[str, int | None] = {}
    jobs = []
    # An engine's check of a language pair may ask its server (the openai engine's model list,
    # a remote service's languages): it runs in another thread while the catalogs are read,
    # and each job waits for it before its first request (runner.run). Not waited for on the
    # way out: after Ctrl-C, a check still waiting for its server is left to its timeout.
    checks = ThreadPoolExecutor(4, thread_name_prefix="draft-check")
    try:
        for ref, terms, campaign in targets:
            if ref.domain not in sizes:
                sizes[ref.domain] = _template_size(cfg, ref.domain)
            job = Job(ref.domain, ref.lang, ref.source_language, ref.po, chosen[ref.lang],
                      terms=terms, campaign=campaign, expected=sizes[ref.domain])
            jobs.append(job)
            job.error = _prepare(cfg, job, made, checked, checks)
        # Its threads end once the checks asked for are done, not with the stage's last save.
        checks.shutdown(wait=False)
        return run(cfg, jobs, dry_run, progress)
    finally:
        checks.shutdown(wait=False, cancel_futures=True)
        for made_engine in made.values():  # its connections, if it holds any
            close = getattr(made_engine, "close", None)
            if close is not None and not isinstance(made_engine, HandbillError):
                close()


def _prepare(cfg: Config, job: Job, made: dict, checked: dict, checks: ThreadPoolExecutor
             ) -> HandbillError | None:
    """Give `job` its engine (one per name) and the check of its language pair (started, one
    per pair), or say why it cannot be drafted."""
    if not job.path.exists():
        return CatalogError(f"no {job.lang} catalog for {job.domain}; run `handbill update` "
                            "to create it", cfg.relpath(job.path))
    if job.engine_name not in made:
        try:
            made[job.engine_name] = registry.create(cfg, job.engine_name)
        except HandbillError as exc:
            made[job.engine_name] = exc
    if isinstance(made[job.engine_name], HandbillError):
        return made[job.engine_name]
    job.engine = made[job.engine_name]
    key = (job.engine_name, job.source, job.lang)
    if key not in checked:
        checked[key] = checks.submit(_check, job.engine, job.source, job.lang)
    job.checked = checked[key]
    return None


def _check(engine, source: str, target: str) -> HandbillError | None:
    """The engine's check of source -> target: None, or why it cannot draft it."""
    try:
        engine.check(source, target)
        return None
    except HandbillError as exc:
        return exc
