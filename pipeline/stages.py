"""One stage function per catalog command: extract, init, update, status and check.

Each reads the campaigns, makes the plan (pipeline.plan decides which catalogs there are) and
runs the catalog stage over it, returning what happened for pipeline.report to show.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pipeline import catalogs
from pipeline.config import Config, load_config
from pipeline.errors import HandbillError
from pipeline.names import validate_language
from pipeline.plan import UnusedCatalog, served_languages, unused_catalogs
from pipeline.catalogs.pofile import read_catalog
from pipeline.project import domains, load_plan, template_domains


@dataclass
class ExtractReport:
    templates: list[tuple[Path, int, bool]]  # (path, messages, written or out of date)
    check: bool


def extract(cfg: Config, campaigns: tuple[str, ...] = (), check: bool = False) -> ExtractReport:
    """`handbill extract`: locales/<campaign>.pot (and ui.pot); with check, write nothing."""
    message_domains = template_domains(cfg, campaigns)
    changed = set(catalogs.extract(cfg, message_domains, check=check))
    paths = [catalogs.pot_path(cfg, d.name) for d in message_domains]
    return ExtractReport([(path, len(d.messages), path in changed)
                          for path, d in zip(paths, message_domains)], check)


@dataclass
class InitReport:
    lang: str
    created: list[Path] = field(default_factory=list)
    existing: list[Path] = field(default_factory=list)
    edits: list[str] = field(default_factory=list)  # "added it to ... in FILE"
    notes: list[str] = field(default_factory=list)


def _serve_everywhere(cfg: Config, lang: str, report: InitReport) -> None:
    """`init LANG`: LANG into [project] languages, and into each campaign list that lacks it."""
    from pipeline.projectfile import add_campaign_language, add_language

    if lang == cfg.source_language:
        report.notes.append(f"{lang} is the project's source language: it needs no catalog")
    elif add_language(cfg.root, lang):
        report.edits.append(f"added {lang} to [project] languages in handbill.toml")
    cfg = load_config(cfg.root)
    for campaign in load_plan(cfg).plan.campaigns:  # those with a list that leaves LANG out
        if lang not in served_languages(cfg, campaign) \
                and add_campaign_language(campaign.root / "campaign.yml", lang, []):
            report.edits.append(f"added {lang} to `languages:` in {campaign.relroot}/campaign.yml")


def _serve_in(cfg: Config, lang: str, names: tuple[str, ...], report: InitReport) -> None:
    """`init LANG --campaign NAME`: LANG into those campaigns' lists only (a campaign without
    a list gets one: the languages it served so far, and LANG); handbill.toml is not touched."""
    from pipeline.projectfile import add_campaign_language

    for campaign in load_plan(cfg, names).plan.campaigns:
        served = served_languages(cfg, campaign)
        if lang == campaign.source_language:
            report.notes.append(f"{lang} is the source language of {campaign.name}")
        elif lang not in served:
            if add_campaign_language(campaign.root / "campaign.yml", lang, list(served[1:])):
                report.edits.append(f"added {lang} to `languages:` in "
                                    f"{campaign.relroot}/campaign.yml")


def init_language(cfg: Config, lang: str, campaigns: tuple[str, ...] = ()) -> InitReport:
    """`handbill init LANG`: make LANG served (editing handbill.toml and campaign.yml lists as
    needed), then create its catalogs from the templates; existing catalogs are kept."""
    lang = validate_language(lang)
    report = InitReport(lang)
    if campaigns:
        _serve_in(cfg, lang, campaigns, report)
    else:
        _serve_everywhere(cfg, lang, report)
    cfg = load_config(cfg.root)  # the lists may have changed
    loaded = load_plan(cfg, campaigns, with_ui=True)
    plan = loaded.plan
    if lang not in plan.languages:
        return report
    message_domains = domains(plan)
    catalogs.extract(cfg, message_domains)
    wanted = [ref.domain for ref in plan.catalogs if ref.lang == lang]
    report.created, report.existing = catalogs.init_language(cfg, lang, wanted)
    return report


@dataclass
class UpdateReport:
    result: catalogs.UpdateResult
    stale_templates: list[Path]
    check: bool
    reasons: dict = field(default_factory=dict)  # with check: path -> its first change, why

    @property
    def failed(self) -> bool:
        return bool(self.result.failures) or (self.check and bool(self.stale_templates
                                                                  or self.result.stale))


def update(cfg: Config, campaigns: tuple[str, ...] = (), langs: tuple[str, ...] = (),
           check: bool = False, jobs: int | None = None) -> UpdateReport:
    """`handbill update`: extract, then merge the templates into the plan's catalogs."""
    plan = load_plan(cfg, campaigns, langs).plan
    message_domains = domains(plan)
    reasons: dict = {}
    fresh: dict[str, bytes] = {}  # checking: the templates as extract would write them
    stale = catalogs.extract(cfg, message_domains, check=check, reasons=reasons, fresh=fresh)
    result = catalogs.update(cfg, message_domains, list(plan.catalog_languages), check=check,
                             jobs=jobs, templates=fresh)
    return UpdateReport(result, stale, check, {**reasons, **result.reasons})


@dataclass
class StatusReport:
    rows: list[catalogs.Status]
    failures: list[HandbillError]
    errors: dict[tuple[str, str], int] | None  # with --errors
    unused: list[tuple[UnusedCatalog, catalogs.Status | None]]  # catalogs no campaign serves
    notes: list[str]


def status(cfg: Config, campaigns: tuple[str, ...] = (), langs: tuple[str, ...] = (),
           with_errors: bool = False) -> StatusReport:
    """`handbill status`: counts per catalog of the plan, and the catalogs it does not use."""
    plan = load_plan(cfg, campaigns, langs).plan
    refs = [ref for ref in plan.catalogs if ref.campaign is not None or ref.pot.exists()]
    rows, failures = catalogs.status(cfg, refs)
    errors = None
    if with_errors:
        from pipeline.checks import error_counts

        errors = error_counts(cfg, plan)
    unused = []
    for item in unused_catalogs(plan):
        try:
            counts = catalogs.catalog_status(read_catalog(item.path, cfg.root), item.domain,
                                             item.lang)
        except HandbillError:
            counts = None
        unused.append((item, counts))
    notes = [f"{code} is the source language of {', '.join(c.name for c in plan.campaigns)}: "
             "it has no catalog to translate" for code in plan.requested
             if all(u.is_source for u in plan.units if u.lang == code)]
    return StatusReport(rows, failures, errors, unused, notes)


@dataclass
class CheckReport:
    findings: list
    catalogs: int

    @property
    def errors(self) -> int:
        from pipeline.checks import ERROR

        return sum(f.severity == ERROR for f in self.findings)


def check(cfg: Config, campaigns: tuple[str, ...] = (), langs: tuple[str, ...] = ()
          ) -> CheckReport:
    """`handbill check`: every finding in the plan's catalogs."""
    from pipeline import checks

    plan = load_plan(cfg, campaigns, langs).plan
    return CheckReport(checks.run_checks(cfg, plan), len(checks.catalog_targets(cfg, plan)))


def import_translations(cfg: Config, campaign: str | None, lang: str, files: list[Path],
                        fuzzy: bool = False, dry_run: bool = False):
    """`handbill import`: fill a language's catalog of a campaign (the project's only one when
    none is named) from translated files; returns importing.ImportResult."""
    from pipeline.importing import import_files
    from pipeline.project import campaign_names, read_campaigns

    names = campaign_names(cfg, (campaign,) if campaign else ())
    if len(names) != 1:
        raise HandbillError("the project has several campaigns; say which one with --campaign "
                            + " | ".join(names))
    return import_files(cfg, read_campaigns(cfg, names)[0], validate_language(lang),
                        list(files), fuzzy, dry_run, [str(f) for f in files])
