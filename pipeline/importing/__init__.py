"""`handbill import`: existing human translations into a language's catalog.

A movement arrives with its text already translated: a translated page (aligned block by
block with the leaflet, pages.py), a translated campaign.yml or posts.yml (by key and post id,
yamlfiles.py), or a PO file from another tool (by msgid, then by closeness, pofiles.py).

Rules, as a translator expects them:
- only untranslated messages (and machine drafts, which no human wrote) are filled; a human
  translation already in the catalog is never replaced: a different one is a conflict;
- imported messages are reviewed, or fuzzy with `fuzzy=True` (and always fuzzy when the match
  was not exact: a split paragraph, a close msgid with its `#| msgid`), and carry the
  translator comment `imported from FILE:LINE`;
- the catalog is first brought up to date with the campaign (as `update` would), then written
  once, atomically, in GNU gettext's layout; `dry_run` writes nothing.
"""

from __future__ import annotations

import logging
from pathlib import Path

from pipeline import catalogs
from pipeline.catalogs import DRAFT_MARK, Domain, is_draft
from pipeline.config import Config
from pipeline.plan import served_languages
from pipeline.errors import HandbillError
from pipeline.files import write_if_changed
from pipeline.fuzzy import FuzzyMatcher
from pipeline.importing.pages import read_page
from pipeline.importing.pofiles import read_po
from pipeline.importing.result import Candidate, FileResult, Filled, ImportResult, Problem
from pipeline.importing.yamlfiles import read_yaml
from pipeline.sources.leaflet import read_text_file
from pipeline.model import Campaign
from pipeline.catalogs.pofile import Catalog, Entry, dump_catalog, read_catalog

__all__ = ["import_files", "ImportResult", "FileResult", "Filled", "Problem"]

log = logging.getLogger(__name__)
PAGE_SUFFIXES = (".md", ".markdown", ".mdown", ".txt")
YAML_SUFFIXES = (".yml", ".yaml")
PO_SUFFIXES = (".po", ".pot")


def import_files(cfg: Config, campaign: Campaign, lang: str, paths: list[Path],
                 fuzzy: bool = False, dry_run: bool = False,
                 shown: list[str] | None = None) -> ImportResult:
    """Fill `lang`'s catalog of `campaign` from translated files; the typed result says what
    was filled, what conflicted and what could not be aligned, with lines on both sides."""
    if lang == campaign.source_language:
        raise HandbillError(f"{lang} is the campaign's source language; import translations "
                            "into another language")
    if lang not in served_languages(cfg, campaign):  # the plan's rule (pipeline.plan)
        raise HandbillError(f"campaign {campaign.name} does not serve {lang}; run `handbill "
                            f"init {lang} --campaign {campaign.name}` first")
    path = catalogs.po_path(cfg, lang, campaign.name)
    result = ImportResult(campaign.name, lang, path, dry_run=dry_run)
    for index, file in enumerate(paths):
        label = shown[index] if shown else str(file)
        result.files.append(read_file(campaign, lang, file, label))
    catalog = _current_catalog(cfg, campaign, lang, path)
    _apply(catalog, result, fuzzy, cfg.relpath(path))
    for file in result.files:
        file.filled.sort(key=lambda f: f.line)
        file.problems.sort(key=lambda p: (p.line or 0, p.origin or ""))
    if not dry_run and result.filled:
        domain = _domain(campaign)
        catalogs.extract(cfg, [domain])
        result.written = write_if_changed(path, dump_catalog(catalog, cfg.wrap))
    return result


def read_file(campaign: Campaign, lang: str, path: Path, shown: str) -> FileResult:
    """One file's candidates, by its kind (from its suffix, then its content)."""
    suffix = path.suffix.lower()
    kind = ("page" if suffix in PAGE_SUFFIXES else "po" if suffix in PO_SUFFIXES
            else "yaml" if suffix in YAML_SUFFIXES else "")
    result = FileResult(path, shown, kind)
    if not path.is_file():
        result.error = "is not a file"
        return result
    if kind == "page":
        try:
            read_page(campaign, lang, read_text_file(path, shown), result)
        except HandbillError as exc:
            result.error = str(exc).removeprefix(f"{shown}:").strip()
    elif kind == "yaml":
        read_yaml(campaign, path, result)
    elif kind == "po":
        read_po(campaign.messages, path, result)
    else:
        result.error = ("is not a translated page (.md), campaign.yml or posts.yml (.yml) or "
                        "PO file (.po)")
    return result


def _domain(campaign: Campaign) -> Domain:
    return Domain(campaign.name, campaign.title, campaign.messages, campaign.languages)


def _current_catalog(cfg: Config, campaign: Campaign, lang: str, path: Path) -> Catalog:
    """The language's catalog merged with the campaign's current messages (as `update` would
    leave it), or a new one (as `init` would make it)."""
    pot = catalogs.build_pot(_domain(campaign), catalogs.now())
    if not path.exists():
        return catalogs.new_po(pot, lang, campaign.name, catalogs.now())
    merged, _ = catalogs.merge(read_catalog(path, cfg.root), pot, FuzzyMatcher(), lang)
    return merged


def _apply(catalog: Catalog, result: ImportResult, fuzzy: bool, catalog_rel: str) -> None:
    """Candidates -> catalog entries, in file order; the first translation of a message wins."""
    entries = {e.key: e for e in catalog.messages if not e.obsolete}
    origins = {}
    for entry in entries.values():
        origins[entry.key] = entry.references[0] if entry.references else catalog_rel
    done: dict[tuple, tuple[str, str]] = {}  # key -> (text, where it came from)
    for file in result.files:
        if file.error:
            file.candidates.clear()
            continue
        for cand in file.candidates:
            entry = entries.get(cand.key)
            if entry is None or entry.msgid_plural is not None:
                file.problems.append(Problem("unknown", "matches no message of the catalog",
                                             cand.line))
                continue
            where = f"{file.shown}:{cand.line}"
            if cand.key in done:
                if done[cand.key][0] != cand.text:
                    file.problems.append(Problem(
                        "conflict", f"differs from the translation already taken from "
                        f"{done[cand.key][1]}; not used", cand.line, origins[cand.key]))
                continue
            _fill(entry, cand, file, where, fuzzy, origins[cand.key], catalog_rel)
            if any(f.key == cand.key for f in file.filled):
                done[cand.key] = (cand.text, where)


def _fill(entry: Entry, cand: Candidate, file: FileResult, where: str, fuzzy: bool,
          origin: str, catalog_rel: str) -> None:
    draft = entry.msgstr and is_draft(entry)
    if entry.msgstr and not draft:
        if entry.msgstr != cand.text:
            file.problems.append(Problem(
                "conflict", f"{catalog_rel}:{entry.line or '?'} already has a translation by a "
                "person; kept it (edit the catalog to change it)", cand.line, origin))
        return
    entry.msgstr = cand.text
    entry.comments = [c for c in entry.comments if not c.startswith(DRAFT_MARK)]
    entry.comments.append(f"imported from {where}")
    is_fuzzy = fuzzy or cand.fuzzy
    entry.fuzzy = is_fuzzy
    entry.previous_msgctxt = entry.previous_msgid = None
    if cand.previous is not None and is_fuzzy:
        entry.previous_msgctxt, entry.previous_msgid = cand.previous_context, cand.previous
    file.filled.append(Filled(cand.key, origin, cand.line, cand.how, is_fuzzy, bool(draft)))
