"""Machine drafting: fill untranslated entries with fuzzy, labelled drafts from an engine.

`draft(cfg, ...)` is the stage; engines live one family per module behind engine.Engine.
"""

from __future__ import annotations

from pipeline import catalogs, project
from pipeline.config import Config
from pipeline.drafting import engine as engines
from pipeline.drafting.runner import Job, Progress, run
from pipeline.drafting.summary import CatalogSummary, DraftSummary, Problem
from pipeline.errors import CatalogError, HandbillError
from pipeline.names import UI_DOMAIN

__all__ = ["draft", "DraftSummary", "CatalogSummary", "Problem"]


def _targets(cfg: Config, campaigns: tuple[str, ...]) -> list[tuple]:
    """(domain, source language, protected terms, languages or None) to draft."""
    names = project.campaign_names(cfg, campaigns)
    out = []
    for campaign in project.read_campaigns(cfg, names):
        terms = tuple(campaign.protected_terms) + ((campaign.organisation,)
                                                   if campaign.organisation else ())
        out.append((campaign.name, campaign.source_language, terms, campaign.languages))
    # The templates' strings are drafted with everything, as `handbill update` merges them.
    ui_exists = catalogs.pot_path(cfg, UI_DOMAIN).exists() or any(
        catalogs.po_path(cfg, lang, UI_DOMAIN).exists() for lang in cfg.languages)
    if not campaigns and ui_exists:
        out.append((UI_DOMAIN, cfg.source_language, (), None))
    return out


def draft(cfg: Config, languages: tuple[str, ...] = (), campaigns: tuple[str, ...] = (),
          engine: str | None = None, dry_run: bool = False,
          progress: Progress | None = None) -> DraftSummary:
    """Fill untranslated entries of locales/<lang>/LC_MESSAGES/<domain>.po with fuzzy drafts.

    Writes those catalogs and .handbill/cache/ (nothing when dry_run). Reviewed and fuzzy
    entries are never touched. A language an engine cannot serve fails alone.
    """
    langs = project.languages(cfg, tuple(languages))
    chosen = {lang: engine or cfg.draft.engine_for(lang) for lang in langs}
    known = engines.engine_names()
    for name in sorted(set(chosen.values())):
        if name not in known:
            engines.engine_settings(cfg, name)  # raises the ConfigError naming the engines
    made: dict[str, object] = {}
    checked: dict[tuple[str, str, str], HandbillError | None] = {}
    jobs = []
    for domain, source, terms, wanted in _targets(cfg, tuple(campaigns)):
        for lang in langs:
            if wanted is not None and lang not in wanted:
                continue
            name = chosen[lang]
            job = Job(domain, lang, source, catalogs.po_path(cfg, lang, domain), name,
                      terms=terms)
            jobs.append(job)
            if not job.path.exists():
                job.error = CatalogError(f"no {lang} catalog for {domain}; run `handbill "
                                         "update` to create it", cfg.relpath(job.path))
                continue
            if name not in made:
                try:
                    made[name] = engines.create(cfg, name)
                except HandbillError as exc:
                    made[name] = exc
            if isinstance(made[name], HandbillError):
                job.error = made[name]
                continue
            job.engine = made[name]
            key = (name, source, lang)
            if key not in checked:
                try:
                    job.engine.check(source, lang)
                    checked[key] = None
                except HandbillError as exc:
                    checked[key] = exc
            job.error = checked[key]
    return run(cfg, jobs, dry_run, progress)
