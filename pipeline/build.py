"""`handbill build`: extract, update, render and pack, redoing only what changed, in parallel.

Each rendered language folder records what it was made from in `.build-stamp.json`: a hash of
the campaign's sources, the language's catalogs (campaign and ui), the templates, the render
settings and handbill's version. A unit whose hash is unchanged (and whose pack exists) is not
rendered again; a change in one language's catalog rebuilds only that language.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from pipeline import __version__, catalogs, files, project, workers
from pipeline.config import Config, load_config, prepare_output
from pipeline.errors import HandbillError
from pipeline.files import write_text_if_changed
from pipeline.model import Campaign
from pipeline.names import UI_DOMAIN

log = logging.getLogger(__name__)
STAMP = ".build-stamp.json"
_TEMPLATES = Path(__file__).parent / "templates"


@dataclass
class UnitResult:
    campaign: str
    lang: str
    state: str  # final | draft | skipped | failed | unchanged
    files: int = 0
    seconds: float = 0.0
    reasons: list[str] = field(default_factory=list)
    pack: str | None = None


@dataclass
class BuildReport:
    units: list[UnitResult] = field(default_factory=list)
    catalog_failures: list[HandbillError] = field(default_factory=list)
    catalogs_written: int = 0
    seconds: float = 0.0

    @property
    def failed(self) -> bool:
        return bool(self.catalog_failures) or any(u.state == "failed" for u in self.units)


class _Hasher:
    """File hashes, each file read once per build."""

    def __init__(self):
        self._cache: dict[Path, str] = {}

    def file(self, path: Path) -> str:
        if path not in self._cache:
            try:  # never blocks on a FIFO; what the stages refuse, they report themselves
                data = files.read_regular(Path(os.path.realpath(path)))
                self._cache[path] = hashlib.sha256(data).hexdigest()
            except HandbillError:
                self._cache[path] = "-"
        return self._cache[path]

    def tree(self, folder: Path) -> str:
        if folder in self._cache:
            return self._cache[folder]
        if not folder.is_dir():
            return "-"
        digest = hashlib.sha256()
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            digest.update(f"{path.relative_to(folder)}\0{self.file(path)}\0".encode())
        self._cache[folder] = digest.hexdigest()
        return self._cache[folder]


def fingerprint(cfg: Config, campaign: Campaign, lang: str, hasher: _Hasher,
                templates_hash: str, options: dict) -> str:
    """What a language's outputs are made from, as one hash."""
    parts = {
        "version": __version__,
        "options": options,
        "render": [cfg.render.paper, cfg.render.drafts, cfg.render.allow_incomplete],
        "source": hasher.tree(campaign.root),
        "templates": templates_hash,
    }
    if lang != campaign.source_language:
        parts["catalog"] = hasher.file(catalogs.po_path(cfg, lang, campaign.name))
    parts["ui"] = hasher.file(catalogs.po_path(cfg, lang, UI_DOMAIN))
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


def _stamp_matches(cfg: Config, campaign: str, lang: str, digest: str) -> dict | None:
    path = cfg.output_dir / lang / campaign / STAMP
    try:
        stamp = json.loads(path.read_text())
    except (FileNotFoundError, ValueError):
        return None
    if stamp.get("fingerprint") != digest:
        return None
    pack = stamp.get("pack")
    if pack and not (cfg.output_dir / pack).is_file():
        return None
    return stamp


def build_unit(root: str, campaign_name: str, lang: str, digest: str, options: dict) -> UnitResult:
    """Render and pack one campaign in one language (runs in a worker process)."""
    from pipeline import render
    from pipeline.sources import read_campaign

    started = time.perf_counter()
    cfg = load_config(Path(root))
    campaign = read_campaign(cfg.root, campaign_name)
    out_dir = cfg.output_dir / lang / campaign_name
    try:
        result = render.render_language(cfg, campaign, lang, **options)
        if result.state == "failed":
            raise result.error or HandbillError(result.why)
        unit = UnitResult(campaign_name, lang, result.state, len(result.files),
                          reasons=[result.why, *result.warnings])
        if result.state in ("final", "draft"):
            info = pack_language(cfg, campaign, lang, result.state, result.title, result.readme)
            unit.pack = info.path.relative_to(cfg.output_dir).as_posix()
            unit.files += 1
        else:
            (cfg.output_dir / "packs" / f"{campaign_name}-{lang}.zip").unlink(missing_ok=True)
        write_text_if_changed(out_dir / STAMP, json.dumps(
            {"fingerprint": digest, "state": unit.state, "files": unit.files,
             "reasons": unit.reasons, "pack": unit.pack}, indent=1) + "\n")
    except HandbillError as exc:
        unit = UnitResult(campaign_name, lang, "failed", reasons=[str(exc)])
        (out_dir / STAMP).unlink(missing_ok=True)
    unit.seconds = time.perf_counter() - started
    return unit


def pack_language(cfg: Config, campaign: Campaign, lang: str, state: str, title: str,
                  readme: str):
    """Zip a rendered language with its manifest (counts from its catalog)."""
    from pipeline.packs import build_time, make_pack, source_revision
    from pipeline.catalogs.pofile import read_catalog

    status = None
    po = catalogs.po_path(cfg, lang, campaign.name)
    if lang != campaign.source_language and po.exists():
        status = catalogs.catalog_status(read_catalog(po, cfg.root), campaign.name, lang)
    inputs = [p for p in campaign.root.rglob("*") if p.is_file()] + [po]
    return make_pack(cfg, campaign.name, title, lang, state, status, readme,
                     source_revision(cfg.root), build_time(cfg.root, inputs))


def pack_rendered(cfg: Config, campaigns: list[Campaign], languages: list[str]):
    """Pack every language `handbill render` left in output/, then write the download page.

    Returns (campaign, lang, PackInfo or None, why) per language; a language rendered as
    skipped loses any pack an earlier build made, so nothing stale is offered for download.
    """
    from pipeline.site import write_site

    prepare_output(cfg)
    results = []
    for campaign in campaigns:
        for lang in [campaign.source_language] + [
                code for code in languages if code != campaign.source_language
                and (campaign.languages is None or code in campaign.languages)]:
            try:
                state = json.loads((cfg.output_dir / lang / campaign.name / "render.json")
                                   .read_text(encoding="utf-8"))
            except (FileNotFoundError, ValueError):
                results.append((campaign.name, lang, None, "not rendered; run `handbill render`"))
                continue
            if state.get("status") not in ("final", "draft"):
                (cfg.output_dir / "packs" / f"{campaign.name}-{lang}.zip").unlink(missing_ok=True)
                results.append((campaign.name, lang, None, state.get("reason") or "skipped"))
                continue
            info = pack_language(cfg, campaign, lang, state["status"], state.get("title", ""),
                                 state.get("readme", ""))
            results.append((campaign.name, lang, info, state["status"]))
    write_site(cfg, campaigns, languages)
    return results


def _expected_cost(lang: str) -> int:
    """Languages in CJK scripts take about 1.5 times as long to render (large fonts to load
    and subset); starting them first keeps one worker from finishing long after the other."""
    from babel.core import UnknownLocaleError

    from pipeline.render.fonts import CJK_SCRIPTS, script_of

    try:
        return 3 if script_of(lang) in CJK_SCRIPTS else 2
    except (UnknownLocaleError, ValueError):
        return 2


def build(cfg: Config, campaign_names: tuple[str, ...] = (), langs: tuple[str, ...] = (),
          jobs: int | None = None, clean: bool = False, options: dict | None = None,
          on_unit: Callable[[UnitResult, int, int], None] | None = None) -> BuildReport:
    """Extract, update, render and pack everything out of date; then the download page."""
    started = time.perf_counter()
    options = options or {}
    report = BuildReport()
    from pipeline.sources import read_campaign

    names = project.campaign_names(cfg, campaign_names)
    languages = project.languages(cfg, langs)
    prepare_output(cfg)  # refuse a folder that is not handbill's before writing anything
    campaigns = []
    for name in names:  # a broken campaign is reported; the other campaigns still build
        try:
            campaigns.append(read_campaign(cfg.root, name))
        except HandbillError as exc:
            report.catalog_failures.append(exc)
    domains = project.domains(cfg, campaigns, with_ui=not campaign_names)
    catalogs.extract(cfg, domains)
    updated = catalogs.update(cfg, domains, languages)
    report.catalogs_written = len(updated.written)
    report.catalog_failures += updated.failures
    broken = {(Path(f.path).stem, Path(f.path).parent.parent.name) for f in updated.failures
              if f.path}
    if clean:
        prepare_output(cfg, clean=True)  # empties only a folder marked as handbill's
    hasher = _Hasher()
    templates_hash = hasher.tree(_TEMPLATES)
    todo: list[tuple[str, str, str]] = []
    site_inputs: list[list[str]] = [[__version__, templates_hash, *languages]]
    for campaign in campaigns:
        targets = [campaign.source_language] + [
            lang for lang in languages
            if lang != campaign.source_language
            and (campaign.languages is None or lang in campaign.languages)]
        templates = templates_hash + hasher.tree(campaign.root / "templates")
        for lang in targets:
            if (campaign.name, lang) in broken:
                report.units.append(UnitResult(campaign.name, lang, "failed",
                                               reasons=["its catalog could not be read"]))
                continue
            digest = fingerprint(cfg, campaign, lang, hasher, templates, options)
            site_inputs.append([campaign.name, lang, digest])
            stamp = _stamp_matches(cfg, campaign.name, lang, digest)
            if stamp is not None:
                report.units.append(UnitResult(campaign.name, lang, "unchanged",
                                               stamp.get("files", 0),
                                               reasons=[f"up to date ({stamp.get('state')})"],
                                               pack=stamp.get("pack")))
                continue
            todo.append((campaign.name, lang, digest))
    jobs = max(1, jobs or os.cpu_count() or 1)
    cost = {lang: _expected_cost(lang) for lang in {unit[1] for unit in todo}}
    todo.sort(key=lambda unit: -cost[unit[1]])
    done = 0
    if len(todo) <= 1:  # nothing to render (a no-op build), or one language: no workers
        units = [build_unit(str(cfg.root), *unit, options) for unit in todo]
    else:
        # Forked workers, each replaced when it has grown too big (see pipeline/workers.py);
        # with --jobs 1 too, so that a long build's memory stays bounded.
        from pipeline import render

        render.warm_up()
        units = (unit for _, unit in workers.run(
            build_unit, [(str(cfg.root), name, lang, digest, options)
                         for name, lang, digest in todo],
            jobs, on_crash=lambda args, why: UnitResult(args[1], args[2], "failed",
                                                        reasons=[why])))
    for unit in units:
        report.units.append(unit)
        done += 1
        if on_unit:
            on_unit(unit, done, len(todo))
    position = {c.name: i for i, c in enumerate(campaigns)}
    lang_position = {lang: i for i, lang in enumerate([cfg.source_language, *languages])}
    report.units.sort(key=lambda u: (position.get(u.campaign, 0),
                                     lang_position.get(u.lang, 1 << 30), u.lang))
    # The download page depends on every unit's inputs and outcome; when none changed (a no-op
    # build) it is not rendered again, which is most of a no-op build's time.
    site_inputs += [[u.campaign, u.lang, u.state if u.state != "unchanged" else "same"]
                    for u in report.units if u.state != "unchanged"]
    site_key = hashlib.sha256(json.dumps(site_inputs).encode()).hexdigest()
    site_stamp = cfg.output_dir / ".site-stamp"
    current = site_stamp.read_text() if site_stamp.exists() else ""
    if todo or current != site_key or not (cfg.output_dir / "index.html").exists():
        from pipeline.site import write_site

        write_site(cfg, campaigns, languages)
        write_text_if_changed(site_stamp, site_key)
    report.seconds = time.perf_counter() - started
    return report
