"""`handbill build` and `handbill pack`: plan -> what is out of date -> workers -> packs -> page.

Each rendered unit records what it was made from in its build stamp (records.BuildStamp,
`.build-stamp.json`): one hash of the campaign's sources, the unit's catalogs (campaign and
ui), the templates, the render settings and handbill's version. A unit whose hash is unchanged
(and whose pack exists) is not rendered again; a change in one language's catalog rebuilds only
that language. Workers receive units; they inherit the config and the campaigns by fork.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from pipeline import catalogs, workers
from pipeline.config import Config, prepare_output
from pipeline.errors import HandbillError
from pipeline.files import write_text_if_changed
from pipeline.inputs import TEMPLATES, Hasher, code_fingerprint, project_inputs
from pipeline.model import Campaign
from pipeline.plan import (SHARD_RECORD_GLOB, Plan, RenderOptions, Shard, Unit, output_href,
                           shard_plan, shard_record, site_page, site_stamp, whole)
from pipeline.project import domains, load_plan
from pipeline.records import PUBLISHED, BuildStamp, RenderRecord, ShardRecord

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BuildOptions:
    jobs: int | None = None  # worker processes for merges and renders (None: one per CPU)
    clean: bool = False  # delete output/ first
    render: RenderOptions = RenderOptions()
    shard: Shard | None = None  # build only this share of the units (plan.partition)


@dataclass
class UnitResult:
    campaign: str
    lang: str
    state: str  # final | draft | skipped | failed | unchanged
    files: int = 0
    seconds: float = 0.0
    reasons: list[str] = field(default_factory=list)
    pack: str | None = None
    was: str | None = None  # for an unchanged unit: the state it was built in

    @property
    def outcome(self) -> str:
        """final, draft, skipped or failed, whether built now or unchanged since."""
        return self.was or self.state if self.state == "unchanged" else self.state


@dataclass
class BuildReport:
    units: list[UnitResult] = field(default_factory=list)
    catalog_failures: list[HandbillError] = field(default_factory=list)
    catalogs_written: int = 0
    seconds: float = 0.0
    site: Path | None = None

    @property
    def failed(self) -> bool:
        return bool(self.catalog_failures) or any(u.state == "failed" for u in self.units)


def fingerprint(cfg: Config, unit: Unit, hasher: Hasher, templates_hash: str,
                options: RenderOptions) -> str:
    """What a unit's outputs are made from, as one hash."""
    parts = {
        "version": code_fingerprint(),  # handbill's version and a hash of its own files
        "options": dataclasses.asdict(options),
        "render": [cfg.render.paper, cfg.render.drafts, cfg.render.allow_incomplete],
        "source": hasher.tree(unit.source_dir),
        "templates": templates_hash,
    }
    if unit.po is not None:
        parts["catalog"] = hasher.file(unit.po)
    parts["ui"] = hasher.file(unit.ui_po)
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


def _up_to_date(unit: Unit, digest: str) -> BuildStamp | None:
    stamp = BuildStamp.read(unit.stamp)
    if stamp is None or stamp.fingerprint != digest:
        return None
    if stamp.pack and not unit.pack.is_file():
        return None
    return stamp


@dataclass(frozen=True)
class _BuildJob:
    """What building a unit needs; forked workers inherit it, so they reload nothing."""

    cfg: Config
    campaigns: dict[str, Campaign]
    options: RenderOptions

    def run(self, unit: Unit, digest: str) -> UnitResult:
        """Render and pack one unit, then stamp it (runs in a worker process)."""
        from pipeline.packs import pack_unit
        from pipeline.render.stage import render_unit

        started = time.perf_counter()
        try:
            result = render_unit(self.cfg, self.campaigns[unit.campaign], unit, self.options)
            if result.state == "failed":
                raise result.error or HandbillError(result.why)
            done = UnitResult(unit.campaign, unit.lang, result.state, len(result.files),
                              reasons=[result.why, *result.warnings])
            if result.state in PUBLISHED:
                pack_unit(self.cfg, unit, result.record)
                done.pack = output_href(self.cfg, unit.pack)
                done.files += 1
            else:
                unit.pack.unlink(missing_ok=True)
            BuildStamp(unit.campaign, unit.lang, digest, done.state, done.files,
                       tuple(done.reasons), done.pack).write(unit.stamp)
        except HandbillError as exc:
            done = UnitResult(unit.campaign, unit.lang, "failed", reasons=[str(exc)])
            unit.stamp.unlink(missing_ok=True)
        done.seconds = time.perf_counter() - started
        return done


def site_translations(cfg: Config) -> Callable[[str], object]:
    """lang -> the download page's strings in that language (English if its ui.po is broken)."""
    from pipeline.render.translations import identity, load_ui

    def ui_for(lang: str):
        try:
            ui = load_ui(cfg, lang)
        except HandbillError as exc:
            log.warning("%s", exc)
            return identity(lang, "ui")
        ui.use_fuzzy = True
        return ui

    return ui_for


@dataclass
class PackResult:
    unit: Unit
    info: object | None  # packs.PackInfo, or None when the unit has no pack
    why: str


def pack(cfg: Config, campaigns: tuple[str, ...] = (), langs: tuple[str, ...] = ()
         ) -> tuple[list[PackResult], Path]:
    """`handbill pack`: pack every unit `handbill render` left in output/ (from its record),
    then write the download page. A unit rendered as skipped loses any pack an earlier build
    made, so nothing stale is offered for download."""
    from pipeline.packs import pack_unit
    from pipeline.site import write_site

    plan = load_plan(cfg, campaigns, langs).plan
    prepare_output(cfg)
    results = []
    for unit in plan.units:
        record = RenderRecord.read(unit.record)
        if record is None:
            results.append(PackResult(unit, None, "not rendered; run `handbill render`"))
        elif record.state not in PUBLISHED:
            unit.pack.unlink(missing_ok=True)
            results.append(PackResult(unit, None, record.reason or "skipped"))
        else:
            results.append(PackResult(unit, pack_unit(cfg, unit, record), record.state))
    write_site(whole(plan), site_translations(cfg))
    return results, site_page(cfg)


def _todo(cfg: Config, plan: Plan, broken: set[tuple[str, str]], hasher: Hasher,
          report: BuildReport, digests: dict[str, str]) -> list[tuple[Unit, str]]:
    """The units to render (with their fingerprints, also kept in `digests` by unit key); the
    others go into the report."""
    templates_hash = hasher.tree(TEMPLATES)
    todo = []
    for unit in plan.units:
        if (unit.campaign, unit.lang) in broken:
            report.units.append(UnitResult(unit.campaign, unit.lang, "failed",
                                           reasons=["its catalog could not be read"]))
            continue
        templates = templates_hash + hasher.tree(unit.source_dir / "templates")
        digest = digests[unit.key] = fingerprint(cfg, unit, hasher, templates, plan.options)
        stamp = _up_to_date(unit, digest)
        if stamp is None:
            todo.append((unit, digest))
            continue
        report.units.append(UnitResult(unit.campaign, unit.lang, "unchanged", stamp.files,
                                       reasons=list(stamp.reasons), pack=stamp.pack,
                                       was=stamp.state))
    # The costliest first, so that no worker finishes long after the others.
    todo.sort(key=lambda item: -item[0].cost.weight)
    return todo


def _catalogs(cfg: Config, plan: Plan, jobs: int | None, report: BuildReport) -> set:
    """Extract and update every catalog of the plan; the (campaign, lang) whose catalog failed.

    A shard runs this for the WHOLE plan, as a plain build does: it is cheap and deterministic,
    so every shard works from a plain checkout, and what a pack says of the project (its git
    revision, `-dirty` when update changed a catalog) is the same whichever shard made it."""
    message_domains = domains(plan)
    catalogs.extract(cfg, message_domains)
    updated = catalogs.update(cfg, message_domains, list(plan.catalog_languages), jobs=jobs)
    report.catalogs_written = len(updated.written)
    report.catalog_failures += updated.failures
    return updated.failed


def build(cfg: Config, campaigns: tuple[str, ...] = (), langs: tuple[str, ...] = (),
          options: BuildOptions = BuildOptions(),
          on_unit: Callable[[UnitResult, int, int], None] | None = None) -> BuildReport:
    """Extract, update, render and pack everything out of date; then the download page.

    With `options.shard`, only that shard's units are rendered and packed, and instead of
    the page the shard writes its record (records.ShardRecord) for `handbill merge`."""
    started = time.perf_counter()
    report = BuildReport()
    if options.shard and (campaigns or langs):
        raise HandbillError("--shard builds a share of the whole project: leave out --campaign "
                            "and --lang")
    loaded = load_plan(cfg, campaigns, langs, options.render, tolerant=True)
    plan = loaded.plan
    hasher = Hasher()
    # Taken before extract and update write anything: what every shard checked out.
    inputs = project_inputs(cfg, plan.options, Hasher()) if options.shard else None
    prepare_output(cfg)  # refuse a folder that is not handbill's before writing anything
    report.catalog_failures += loaded.failures  # a broken campaign; the others still build
    broken = _catalogs(cfg, plan, options.jobs, report)
    if options.clean:
        prepare_output(cfg, clean=True)  # empties only a folder marked as handbill's
    _forget_shards(cfg)
    built = shard_plan(plan, options.shard) if options.shard else plan
    digests: dict[str, str] = {}
    todo = _todo(cfg, built, broken, hasher, report, digests)
    _render(cfg, built, todo, options.jobs, report, on_unit)
    if options.shard:
        ShardRecord(options.shard.index, options.shard.count, tuple(inputs.items()),
                    tuple((u.key, digests.get(u.key, "-")) for u in built.units)).write(
            shard_record(cfg.output_dir, options.shard.index, options.shard.count))
    else:
        report.site = write_site_if_changed(cfg, plan, hasher, bool(todo))
    report.seconds = time.perf_counter() - started
    return report


def _forget_shards(cfg: Config) -> None:
    """Remove shard records an earlier build left in output/ (handbill's own files): the
    folder now holds what this build makes."""
    for old in cfg.output_dir.glob(SHARD_RECORD_GLOB):
        old.unlink(missing_ok=True)


def _render(cfg: Config, plan: Plan, todo: list[tuple[Unit, str]], jobs: int | None,
            report: BuildReport, on_unit) -> None:
    """Render and pack the units of `todo` in worker processes; results into the report."""
    job = _BuildJob(cfg, {c.name: c for c in plan.campaigns}, plan.options)
    if len(todo) > 1:
        from pipeline.render.stage import warm_up

        warm_up()  # the forked workers inherit it
    # Forked workers, each replaced when it has grown too big (see pipeline/workers.py);
    # with --jobs 1 too, so that a long build's memory stays bounded.
    crashed = lambda args, why: UnitResult(args[0].campaign, args[0].lang,  # noqa: E731
                                           "failed", reasons=[why])
    with contextlib.closing(workers.run(job.run, todo, jobs, crashed)) as results:
        for done, (_, unit) in enumerate(results, 1):
            report.units.append(unit)
            if on_unit:
                on_unit(unit, done, len(todo))
    order = {u.key: i for i, u in enumerate(plan.units)}
    report.units.sort(key=lambda u: order[f"{u.campaign}/{u.lang}"])


def _stat(path: Path) -> tuple[int, int] | None:
    """(size, modification time) of a record: enough to see that it was written again."""
    try:
        found = path.stat()
    except FileNotFoundError:
        return None
    return found.st_size, found.st_mtime_ns


def write_site_if_changed(cfg: Config, plan: Plan, hasher: Hasher, rendered: bool) -> Path:
    """The download page, unless nothing it shows changed (most of a no-op build's time).

    output/.site-stamp is a cache key made of the records' sizes and modification times
    (reading 10,000 records to compare them costs more): it is the one file of output/ that
    two builds of the same inputs write differently."""
    site = whole(plan)
    inputs: list = [[code_fingerprint(), hasher.tree(TEMPLATES), *site.languages]]
    for unit in site.units:  # what the page shows of a unit is in its records
        inputs.append([unit.key, _stat(unit.stamp), _stat(unit.record), hasher.file(unit.ui_po)])
    key = hashlib.sha256(json.dumps(inputs).encode()).hexdigest()
    stamp = site_stamp(cfg)
    current = stamp.read_text() if stamp.exists() else ""
    if rendered or current != key or not site_page(cfg).exists():
        from pipeline.site import write_site

        write_site(site, site_translations(cfg))
        write_text_if_changed(stamp, key)
    return site_page(cfg)
