"""How far each language is: reviewed, fuzzy, machine drafts, untranslated."""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.catalogs.pofile import Catalog, Entry, read_catalog
from pipeline.catalogs.template import load_pot
from pipeline.config import Config
from pipeline.errors import CatalogError, HandbillError

# A translator comment that marks a machine draft; written by drafting, counted by status.
DRAFT_MARK = "machine draft:"


@dataclass(frozen=True)
class Status:
    campaign: str
    language: str
    total: int
    reviewed: int
    fuzzy: int
    drafts: int
    untranslated: int

    @property
    def percent_reviewed(self) -> float:
        return round(100.0 * self.reviewed / self.total, 1) if self.total else 100.0

    def as_dict(self) -> dict:
        return {"campaign": self.campaign, "language": self.language, "total": self.total,
                "reviewed": self.reviewed, "fuzzy": self.fuzzy, "drafts": self.drafts,
                "untranslated": self.untranslated, "percent_reviewed": self.percent_reviewed}


def is_draft(entry: Entry) -> bool:
    """A fuzzy entry written by a machine engine (it carries the provenance comment)."""
    return entry.fuzzy and any(c.startswith(DRAFT_MARK) for c in entry.comments)


def catalog_status(catalog: Catalog, campaign: str, lang: str,
                   template: Catalog | None = None) -> Status:
    """Counts of one catalog; the template's messages it lacks (a 0-byte or header-only file,
    one cut short by an editor's save) count as untranslated, never as 100% reviewed."""
    reviewed = fuzzy = drafts = untranslated = 0
    messages = catalog.messages
    if template is not None:
        have = {e.key for e in messages}
        untranslated += sum(1 for e in template.messages if e.key not in have)
    for entry in messages:
        if not entry.translated:
            untranslated += 1
        elif is_draft(entry):
            drafts += 1
        elif entry.fuzzy:
            fuzzy += 1
        else:
            reviewed += 1
    total = reviewed + fuzzy + drafts + untranslated
    return Status(campaign, lang, total, reviewed, fuzzy, drafts, untranslated)


def status(cfg: Config, refs) -> tuple[list[Status], list[HandbillError]]:
    """Counts per catalog of `refs` (plan.CatalogRef: domain, lang, po, pot); a missing or
    broken catalog is reported, not fatal."""
    rows, failures = [], []
    templates: dict[str, Catalog | None] = {}
    for ref in refs:
        if ref.domain not in templates:
            try:
                templates[ref.domain] = load_pot(cfg, ref.domain)
            except HandbillError:
                templates[ref.domain] = None  # no template yet: the catalogs' own counts
        if not ref.po.exists():
            failures.append(CatalogError(f"no catalog for {ref.lang}; run `handbill update` to "
                                         "create it", ref.po))
            continue
        try:
            rows.append(catalog_status(read_catalog(ref.po, cfg.root), ref.domain, ref.lang,
                                       templates[ref.domain]))
        except HandbillError as exc:
            failures.append(exc)
    return rows, failures
