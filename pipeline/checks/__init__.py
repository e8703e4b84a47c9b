"""QA checks over catalogs -> findings: one implementation for `check`, `render` and `status`.

Public functions:

- ``entry_errors(entry, campaign, lang, nplurals) -> list[Finding]``: the errors (not warnings)
  of one PO entry, fuzzy or not; what `render` calls to refuse an entry. `campaign` is None for
  the `ui` domain (then only the generic checks run).
- ``check_entry(entry, context) -> list[Finding]``: every finding of one entry; build the
  context with ``make_context(campaign, lang, nplurals, path, catalog)``.
- ``check_catalog(catalog, campaign, lang, path="") -> list[Finding]``: one .po file.
- ``run_checks(cfg, plan) -> list[Finding]``: every existing catalog of a plan (pipeline.plan:
  its campaigns in the languages they serve, and the `ui` domain); `catalog_targets` lists them.
- ``error_counts(cfg, plan) -> dict[(campaign, lang), int]``: for status.

A Finding is located at the line of the entry's msgid (``path:line: severity [id] message``).
Untranslated, obsolete and header entries are not checked; fuzzy ones are, with fuzzy=True.
A translator silences a check for one message with the flag ``ignore-<id>`` in its ``#,``
line, as in Weblate (Weblate's own names work too: ignore-python-brace-format, ignore-end-stop,
ignore-duplicate ...). Newlines the source lacks are a `whitespace` warning, not a control
character. The checks, in report order (see rules.py):

  too-long, plurals, placeholders, markdown, links, foreign-link, hashtags, mentions,
  protected-terms, html, unsafe-link, control-chars, bidi-controls, csv-formula,
  post-length, max-length (errors); glossary (after protected-terms), invisible,
  whitespace, end-punctuation, same, doubled-words, double-space (warnings).

The checks that protect readers (config.PROTECTED_CHECKS: too-long, foreign-link, html,
unsafe-link, control-chars, bidi-controls, csv-formula) ignore a catalog's flags; only the
coordinator waives them, per language, in handbill.toml's [check] (allow_hosts, waive).
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass
from pathlib import Path

from pipeline import workers
from pipeline.catalogs import plural_count
from pipeline.checks import rules as _rules  # noqa: F401  (registers the checks)
from pipeline.checks.context import (
    ERROR, REGISTRY, WARNING, CheckContext, Finding, form_sources, make_context,
)
from pipeline.config import Config
from pipeline.errors import CatalogError
from pipeline.model import Campaign
from pipeline.plan import Plan
from pipeline.catalogs.pofile import Catalog, Entry, read_catalog

__all__ = ["ERROR", "WARNING", "REGISTRY", "CheckContext", "Finding", "Target", "make_context",
           "check_entry", "entry_errors", "check_catalog", "catalog_targets", "run_checks",
           "error_counts"]

log = logging.getLogger(__name__)


def check_entry(entry: Entry, context: CheckContext, errors_only: bool = False
                ) -> list[Finding]:
    """Every finding of one entry (none for untranslated, obsolete or header entries).

    A translation far longer than its source (`too-long`) is reported alone: the other
    checks would take long on it and say nothing useful. errors_only: only the checks whose
    severity is an error run (what render refuses; a warning check never finds an error).
    """
    if entry.obsolete or entry.is_header or not any(entry.strings):
        return []
    findings = []

    def add(chk, message: str | tuple[str, str], suffix: str = "") -> None:
        severity = chk.severity
        if isinstance(message, tuple):  # a check may say a milder case is only a warning
            severity, message = message
        tried = chk.flags_for(entry.flags) if chk.protected else []
        if tried:
            suffix += (f" (the flag {tried[0]} cannot waive it: only the coordinator can, "
                       "with [check] waive or allow_hosts in handbill.toml)")
        findings.append(Finding(
            path=context.path, line=entry.line, campaign=context.domain_name,
            language=context.language, msgctxt=entry.msgctxt, msgid=entry.msgid, check=chk.id,
            severity=severity, message=message + suffix, fuzzy=entry.fuzzy))

    forms = list(form_sources(entry, context.nplurals))
    for chk in REGISTRY.values():
        if chk.ignored_by(entry.flags) or chk.id in context.waived or (
                errors_only and chk.severity != ERROR):
            continue
        if chk.per == "entry":
            for message in chk.func(entry, context):
                add(chk, message)
            if chk.id == "too-long" and findings:
                return findings
            continue
        for index, source, target in forms:
            suffix = f" (msgstr[{index}])" if entry.msgid_plural is not None else ""
            for message in chk.func(source, target, entry, context):
                add(chk, message, suffix)
    return findings


def entry_errors(entry: Entry, campaign: Campaign | None, lang: str, nplurals: int,
                 path: str = "", waivers=None) -> list[Finding]:
    """The error findings of one entry (warnings left out): what render refuses."""
    context = make_context(campaign, lang, nplurals, path, waivers=waivers)
    return [f for f in check_entry(entry, context, errors_only=True) if f.severity == ERROR]


def _catalog_finding(exc: CatalogError, path: str, domain: str | None, lang: str) -> Finding:
    return Finding(path=path, line=exc.line or 0, campaign=domain, language=lang, msgctxt=None,
                   msgid="", check="catalog", severity=ERROR, message=exc.message)


def check_catalog(catalog: Catalog, campaign: Campaign | None, lang: str, path: str = "",
                  domain: str | None = None, waivers=None) -> list[Finding]:
    """Every finding of a catalog's active entries; a bad Plural-Forms header is one too."""
    findings = []
    domain = domain or (campaign.name if campaign else None)
    try:
        nplurals = plural_count(catalog)
    except CatalogError as exc:
        findings.append(_catalog_finding(exc, path, domain, lang))
        nplurals = 2
    context = make_context(campaign, lang, nplurals, path, catalog, domain, waivers)
    for entry in catalog.messages:
        findings.extend(check_entry(entry, context))
    return findings


@dataclass(frozen=True)
class Target:
    """One catalog to check: its domain, campaign (None for `ui`), language and file."""

    domain: str
    campaign: Campaign | None
    language: str
    path: Path


def catalog_targets(cfg: Config, plan: Plan) -> list[Target]:
    """The existing catalogs of a plan (its campaigns, and `ui` when the plan has it)."""
    targets = []
    for ref in plan.catalogs:
        campaign = plan.campaign(ref.campaign) if ref.campaign else None
        if ref.po.is_file():
            targets.append(Target(ref.domain, campaign, ref.lang, ref.po))
        elif campaign is not None:
            log.info("%s: no catalog yet; run `handbill update`", cfg.relpath(ref.po))
    return targets


# Fewer catalogs than this are checked in this process: starting workers would cost more.
_PARALLEL_MIN = 64


@dataclass
class _CheckJob:
    """What checking one catalog needs; forked workers inherit it (a task is an index, so no
    campaign is pickled per catalog)."""

    cfg: Config
    targets: list[Target]

    def run(self, index: int) -> list[Finding]:
        target = self.targets[index]
        rel = self.cfg.relpath(target.path)
        try:
            catalog = read_catalog(target.path, self.cfg.root)
        except CatalogError as exc:
            return [_catalog_finding(exc, rel, target.domain, target.language)]
        return check_catalog(catalog, target.campaign, target.language, rel, target.domain,
                             self.cfg.check)

    def crashed(self, args: tuple[int], why: str) -> list[Finding]:
        target = self.targets[args[0]]
        return [_catalog_finding(CatalogError(f"could not be checked: {why}"),
                                 self.cfg.relpath(target.path), target.domain, target.language)]


def run_checks(cfg: Config, plan: Plan, jobs: int | None = None) -> list[Finding]:
    """Check every catalog of `catalog_targets`; an unreadable catalog is an error finding.

    Many catalogs are checked in the worker pool (pipeline.workers: `jobs` forked processes,
    by default one per CPU); the findings and their order are those of one process."""
    job = _CheckJob(cfg, catalog_targets(cfg, plan))
    count = jobs or workers.default_jobs()
    done = dict(workers.run(job.run, [(i,) for i in range(len(job.targets))], count,
                            job.crashed, batch=max(1, len(job.targets) // (count * 8)),
                            inline_below=_PARALLEL_MIN))
    return [finding for i in range(len(job.targets)) for finding in done[(i,)]]


def error_counts(cfg: Config, plan: Plan) -> dict[tuple[str, str], int]:
    """Errors per (campaign, language) among the existing catalogs of the plan's campaigns."""
    campaigns_only = dataclasses.replace(plan, with_ui=False)
    counts = {(t.domain, t.language): 0 for t in catalog_targets(cfg, campaigns_only)}
    for finding in run_checks(cfg, campaigns_only):
        if finding.severity == ERROR:
            key = (finding.campaign, finding.language)
            counts[key] = counts.get(key, 0) + 1
    return counts
