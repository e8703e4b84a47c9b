"""Machine drafting: fill untranslated entries with fuzzy, labelled drafts from an engine.

`draft(cfg, ...)` is the stage. The layout: protocol.py (what an engine is), registry.py
(engines by name; imports the engine modules, which never import it), settings.py and
langcodes.py (what engines share), one module per engine family (apertium, memory, openai,
deepl, deeptranslator), and the run itself: context.py (what is sent, with the entry's
context), masking.py, work.py (worker threads), catalogfile.py (safe reads and writes),
runner.py (the pool and the saving), cache.py.
"""

from __future__ import annotations

from pipeline import catalogs, project
from pipeline.config import Config
from pipeline.drafting import registry
from pipeline.drafting.runner import Job, Progress, run
from pipeline.drafting.summary import CatalogSummary, DraftSummary, Problem
from pipeline.errors import CatalogError, HandbillError
from pipeline.names import UI_DOMAIN
from pipeline.catalogs.pofile import read_catalog

__all__ = ["draft", "DraftSummary", "CatalogSummary", "Problem"]


def _targets(cfg: Config, campaigns: tuple[str, ...]) -> list[tuple]:
    """(domain, source language, protected terms, languages or None, campaign) to draft."""
    names = project.campaign_names(cfg, campaigns)
    out = []
    for campaign in project.read_campaigns(cfg, names):
        terms = tuple(campaign.protected_terms) + ((campaign.organisation,)
                                                   if campaign.organisation else ())
        out.append((campaign.name, campaign.source_language, terms, campaign.languages,
                    campaign))
    # The templates' strings are drafted with everything, as `handbill update` merges them.
    ui_exists = catalogs.pot_path(cfg, UI_DOMAIN).exists() or any(
        catalogs.po_path(cfg, lang, UI_DOMAIN).exists() for lang in cfg.languages)
    if not campaigns and ui_exists:
        out.append((UI_DOMAIN, cfg.source_language, (), None, None))
    return out


def _template_size(cfg: Config, domain: str) -> int | None:
    """How many messages the domain's template holds (a whole catalog holds as many)."""
    path = catalogs.pot_path(cfg, domain)
    try:
        return len(read_catalog(path, cfg.root).messages) if path.exists() else None
    except HandbillError:
        return None  # a broken template is `handbill update`'s to report


def draft(cfg: Config, languages: tuple[str, ...] = (), campaigns: tuple[str, ...] = (),
          engine: str | None = None, dry_run: bool = False,
          progress: Progress | None = None) -> DraftSummary:
    """Fill untranslated entries of locales/<lang>/LC_MESSAGES/<domain>.po with fuzzy drafts.

    Writes those catalogs and .handbill/cache/ (nothing when dry_run). Reviewed and fuzzy
    entries are never touched. A language an engine cannot serve fails alone.
    """
    langs = project.languages(cfg, tuple(languages))
    chosen = {lang: engine or cfg.draft.engine_for(lang) for lang in langs}
    for name in sorted(set(chosen.values())):
        registry.spec(name)  # an unknown engine is a ConfigError naming the engines
    made: dict[str, object] = {}
    checked: dict[tuple[str, str, str], HandbillError | None] = {}
    jobs = []
    for domain, source, terms, wanted, campaign in _targets(cfg, tuple(campaigns)):
        expected = _template_size(cfg, domain)
        for lang in langs:
            if wanted is not None and lang not in wanted:
                continue
            name = chosen[lang]
            job = Job(domain, lang, source, catalogs.po_path(cfg, lang, domain), name,
                      terms=terms, campaign=campaign, expected=expected)
            jobs.append(job)
            job.error = _prepare(cfg, job, made, checked)
    return run(cfg, jobs, dry_run, progress)


def _prepare(cfg: Config, job: Job, made: dict, checked: dict) -> HandbillError | None:
    """Give `job` its engine (one per name), or say why it cannot be drafted."""
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
        try:
            job.engine.check(job.source, job.lang)
            checked[key] = None
        except HandbillError as exc:
            checked[key] = exc
    return checked[key]
