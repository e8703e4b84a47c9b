"""`handbill init` and `handbill update`: write every language's catalog of every domain."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from pipeline import __version__, files, workers
from pipeline.catalogs.ui import fingerprint as ui_fingerprint
from pipeline.catalogs.ui import seed as seed_ui
from pipeline.catalogs.changes import Change, between_entries, first_change
from pipeline.catalogs.merging import MergeStats, merge, new_po, plural_count
from pipeline.catalogs.paths import po_path, pot_path
from pipeline.catalogs.pofile import Catalog, catalog_from_bytes, dump_catalog, python_codec
from pipeline.catalogs.template import Domain, load_pot, now
from pipeline.config import Config
from pipeline.errors import CatalogError, HandbillError
from pipeline.files import write_if_changed
from pipeline.fuzzy import FuzzyMatcher
from pipeline.names import UI_DOMAIN, validate_language


def init_language(cfg: Config, lang: str, domains: list[str]) -> tuple[list[Path], list[Path]]:
    """Create locales/LANG/LC_MESSAGES/<domain>.po for each domain; (created, already there)."""
    lang = validate_language(lang)
    created_at = now()
    created, existing = [], []
    for domain in domains:
        path = po_path(cfg, lang, domain)
        if path.exists():
            existing.append(path)
            continue
        catalog = new_po(load_pot(cfg, domain), lang, domain, created_at)
        write_if_changed(path, dump_catalog(catalog, cfg.wrap))
        created.append(path)
    return created, existing


@dataclass
class UpdateResult:
    written: list[Path] = field(default_factory=list)
    stale: list[Path] = field(default_factory=list)  # with check=True: would be rewritten
    reasons: dict[Path, Change] = field(default_factory=dict)  # why each stale one would
    unchanged: int = 0
    stats: dict[Path, MergeStats] = field(default_factory=dict)
    failures: list[HandbillError] = field(default_factory=list)
    failed: set[tuple[str, str]] = field(default_factory=set)  # (domain, lang) that failed


# Fewer catalogs than this are merged in this process: starting workers would cost more.
_PARALLEL_MIN = 64


@dataclass
class _UpdateJob:
    """What merging one catalog needs; forked workers inherit it instead of pickling it."""

    pots: dict[str, Catalog]
    matcher: FuzzyMatcher
    wrap: int
    check: bool
    created_at: dt.datetime
    root: Path | None = None  # the project: catalogs are read only from its locales/

    seen: dict[str, list] = field(default_factory=dict)  # _MergeCache's entries
    pot_digests: dict[str, str | None] = field(default_factory=dict)

    def run_batch(self, tasks: list[tuple[str, str, Path]]) -> list[tuple]:
        """Merge, format and (unless checking) write these catalogs: per catalog (outcome,
        error or, when checking, why it would change, stats, SHA-256 of the file as left).
        A catalog whose template and bytes are what the last merge left is "cached": not
        merged again (the hashing happens here, in the workers, not in the parent before and
        after). The files are written together, with one sync (files.write_all_if_changed)."""
        results: list[list] = []
        writes: list[tuple[int, Path, bytes]] = []  # (index in results, path, bytes)
        read = (files.inside_reader(self.root, "locales", CatalogError)
                if self.root is not None else
                lambda path, shown: files.read_regular(path, shown, CatalogError))
        for task in tasks:
            outcome, detail, stats, data = self._merged(task, read)
            if outcome == "write":
                writes.append((len(results), task[2], data))
                outcome, data = "unchanged", hashlib.sha256(data).hexdigest()
            results.append([outcome, detail, stats, data])
        if writes:
            done = files.write_all_if_changed([(path, data) for _i, path, data in writes])
            for (index, _path, _data), written in zip(writes, done):
                if written:
                    results[index][0] = "written"
        return [tuple(result) for result in results]

    def _merged(self, task: tuple[str, str, Path], read: Callable[[Path, str], bytes]) -> tuple:
        """(outcome, error or change, stats, digest or, for "write", the bytes to write);
        `read` reads a catalog (files.inside_reader)."""
        domain, lang, path = task
        pot = self.pots[domain]
        raw = po = None
        try:
            if os.path.lexists(path):
                raw = read(path, str(path))
                digest = hashlib.sha256(raw).hexdigest()
                if self.seen.get(str(path)) == [self.pot_digests.get(domain), digest]:
                    return "cached", None, None, digest
                po = catalog_from_bytes(raw, path)
                merged, stats = merge(po, pot, self.matcher, lang)
                if domain == UI_DOMAIN:
                    stats.seeded = seed_ui(merged, lang, plural_count(merged))
            else:
                merged, stats = new_po(pot, lang, domain, self.created_at), MergeStats()
                stats.new = len(pot.messages)
            data = dump_catalog(merged, self.wrap)
        except HandbillError as exc:
            return "failed", exc, None, None
        if self.check:
            if raw is None:
                return "stale", Change(1, "would be created"), stats, None
            if raw != data:
                return "stale", self._why(raw, po, merged, data), stats, None
            return "unchanged", None, stats, hashlib.sha256(raw).hexdigest()
        return "write", None, stats, data

    def _why(self, raw: bytes, po: Catalog, merged: Catalog, data: bytes) -> Change:
        codec = python_codec(po.charset)
        return (first_change(raw, po, merged, self.wrap)
                or between_entries(raw.decode(codec, "replace"), data.decode(codec))
                or Change(1, "would change"))


def _crashed_run(args: tuple[list[tuple[str, str, Path]]], why: str) -> list[tuple]:
    return [("failed", HandbillError(f"could not be merged: {why}", task[2]), None, None)
            for task in args[0]]


def update(cfg: Config, domains: list[Domain], languages: list[str], check: bool = False,
           matcher: FuzzyMatcher | None = None, jobs: int | None = None,
           templates: dict[str, bytes] | None = None) -> UpdateResult:
    """Merge each domain's POT into every language's PO; a broken PO fails alone.
    `templates`: a domain's template as it would be written (update --check merges with
    what extract would write, not with the stale file on disk).

    Many catalogs are merged in the worker pool (pipeline.workers: `jobs` forked processes,
    by default one per CPU, at most 8); the files and the result are the same as in one
    process.
    """
    plan: list[HandbillError | tuple[str, str, Path]] = []
    pots: dict[str, Catalog] = {}
    for domain in domains:
        try:
            if templates and domain.name in templates:
                pots[domain.name] = catalog_from_bytes(templates[domain.name],
                                                       pot_path(cfg, domain.name))
            else:
                pots[domain.name] = load_pot(cfg, domain.name)
        except HandbillError as exc:
            plan.append(exc)
            continue
        for lang in languages:
            if domain.languages is not None and lang not in domain.languages:
                continue
            plan.append((domain.name, lang, po_path(cfg, lang, domain.name)))
    # A catalog whose template and own bytes are what the last merge left is a fixed point:
    # merging it again would write the same bytes. This is what makes a no-op build cheap.
    # The workers hash the catalogs (they read them anyway); the parent only the templates.
    cache = _MergeCache(cfg)
    tasks = [item for item in plan if isinstance(item, tuple)]
    digests = {d: (hashlib.sha256(templates[d]).hexdigest() if templates and d in templates
                   else cache.pot(d)) for d in pots}
    job = _UpdateJob(pots, matcher or FuzzyMatcher(), cfg.wrap, check, now(), cfg.root,
                     seen=cache.entries, pot_digests=digests)
    count = jobs or workers.default_jobs()
    # Long runs of one domain per worker keep its fuzzy matches cached there; a worker writes
    # each run's files together (one sync).
    size = max(1, len(tasks) // (count * 8))
    runs = [(tasks[i:i + size],) for i in range(0, len(tasks), size)]
    done: dict[tuple, tuple] = {}
    for (run,), results in workers.run(job.run_batch, runs, count, _crashed_run,
                                       inline_below=2 if len(tasks) >= _PARALLEL_MIN
                                       else len(runs) + 1):
        done.update(zip(run, results))
    result = UpdateResult()
    for item in plan:
        if isinstance(item, HandbillError):
            result.failures.append(item)
            continue
        path = item[2]
        outcome, error, stats, digest = done[item]
        if outcome == "cached":
            result.unchanged += 1
            continue
        if outcome in ("written", "unchanged"):
            cache.record(item[0], path, digest)
        if outcome == "failed":
            result.failures.append(error)
            result.failed.add((item[0], item[1]))
            continue
        result.stats[path] = stats
        if outcome == "stale":
            result.stale.append(path)
            result.reasons[path] = error
        elif outcome == "written":
            result.written.append(path)
        else:
            result.unchanged += 1
    if not check:
        cache.save()
    return result


def _sha256(path: Path, root: Path) -> str | None:
    """A catalog's hash; None for one that load_catalog would refuse (a symlink out, a FIFO)."""
    try:
        return hashlib.sha256(files.read_inside(path, root, "locales")).hexdigest()
    except HandbillError:
        return None


class _MergeCache:
    """(template sha256, catalog sha256) per catalog after its last merge, in .handbill/."""

    def __init__(self, cfg: Config):
        self.path = cfg.root / ".handbill" / "update-cache.json"
        # New shipped interface translations may fill ui catalogs a merge left untouched.
        self.key = f"{__version__} wrap={cfg.wrap} ui={ui_fingerprint()}"
        self.cfg = cfg
        self.pots: dict[str, str] = {}
        try:
            data = json.loads(self.path.read_text())
            self.entries = data["entries"] if data.get("key") == self.key else {}
        except (FileNotFoundError, ValueError, KeyError, TypeError):
            self.entries = {}
        self.changed = False

    def pot(self, domain: str) -> str | None:
        """The SHA-256 of the domain's template (None if it cannot be read)."""
        if domain not in self.pots:
            self.pots[domain] = _sha256(pot_path(self.cfg, domain), self.cfg.root)
        return self.pots[domain]

    def record(self, domain: str, path: Path, digest: str | None) -> None:
        """The catalog at `path` holds bytes of this SHA-256 after a merge with the template."""
        if digest is not None:
            self.entries[str(path)] = [self.pot(domain), digest]
            self.changed = True

    def save(self) -> None:
        if self.changed:
            write_if_changed(self.path, json.dumps(
                {"key": self.key, "entries": self.entries}, sort_keys=True).encode())
