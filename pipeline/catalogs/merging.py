"""Merging a template into a language's catalog, the way `msgmerge --previous` does; a new
catalog for a language (CLDR headers, the interface seeded from handbill's translations)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from pipeline import __version__
from pipeline.catalogs.ui import seed as seed_ui
from pipeline.catalogs.plurals import PluralError, parse_plural_forms, plural_forms_for
from pipeline.catalogs.pofile import Catalog, Entry
from pipeline.catalogs.template import header_date
from pipeline.errors import CatalogError
from pipeline.fuzzy import FuzzyMatcher
from pipeline.names import UI_DOMAIN, locale_of

_MANAGED_FLAG_RE = re.compile(r"^(?:no-|possible-)?[a-z-]+-format$|^max-length:|^range:")


_NPLURALS: dict[str, int] = {}


def plural_count(catalog: Catalog) -> int:
    """nplurals from the catalog's Plural-Forms header (2 when it has none)."""
    value = catalog.header().get("Plural-Forms")
    if not value:
        return 2
    nplurals = _NPLURALS.get(value)
    if nplurals is not None:
        return nplurals
    try:
        nplurals = parse_plural_forms(value).nplurals
    except PluralError as exc:
        entry = catalog.header_entry
        raise CatalogError(f"invalid Plural-Forms header: {exc}", catalog.path,
                           entry.line if entry else None) from None
    if len(_NPLURALS) < 4096:
        _NPLURALS[value] = nplurals
    return nplurals


def new_po(pot: Catalog, lang: str, domain: str, created: dt.datetime) -> Catalog:
    """A fresh catalog for `lang`: CLDR headers from Babel, every message untranslated."""
    locale = locale_of(lang)
    plural = plural_forms_for(locale)
    pot_date = pot.header().get("POT-Creation-Date", header_date(created))
    header = Entry(msgid="", comments=[
        f"{locale.english_name} translation of {domain}.",
        "Edit this file in Poedit, Weblate, Lokalize or a text editor; see docs/translators.md.",
    ])
    header.msgstr = (
        f"Project-Id-Version: {domain}\n"
        f"POT-Creation-Date: {pot_date}\n"
        f"PO-Revision-Date: {header_date(created)}\n"
        "Last-Translator: \n"
        f"Language-Team: {locale.english_name}\n"
        f"Language: {lang}\n"
        "MIME-Version: 1.0\n"
        "Content-Type: text/plain; charset=UTF-8\n"
        "Content-Transfer-Encoding: 8bit\n"
        f"Plural-Forms: {plural.header()}\n"
        f"Generated-By: handbill {__version__}\n"
    )
    catalog = Catalog(entries=[header], charset="UTF-8")
    for template in pot.messages:
        catalog.entries.append(_from_template(template, plural.nplurals))
    if domain == UI_DOMAIN:
        # handbill's own interface starts translated where the package has it (reviewed).
        seed_ui(catalog, lang, plural.nplurals)
    return catalog


def _from_template(template: Entry, nplurals: int) -> Entry:
    return Entry(
        msgid=template.msgid, msgctxt=template.msgctxt, msgid_plural=template.msgid_plural,
        msgstr_plural=[""] * nplurals if template.msgid_plural is not None else [],
        extracted=list(template.extracted), references=list(template.references),
        flags=[f for f in template.flags if f != "fuzzy"],
    )


@dataclass
class MergeStats:
    kept: int = 0
    fuzzy: int = 0
    new: int = 0
    obsolete: int = 0
    revived: int = 0
    seeded: int = 0  # ui messages filled from handbill's shipped interface translations


def merge(po: Catalog, pot: Catalog, matcher: FuzzyMatcher, lang: str | None = None
          ) -> tuple[Catalog, MergeStats]:
    """Merge a template into a catalog the way `msgmerge --previous` does.

    Unchanged messages keep their translation and state; a changed source string takes the
    most similar old translation as fuzzy with the old msgid as `#| msgid`; messages no longer
    in the template become obsolete (#~) with their translation, and come back when their text
    returns. Translator comments and flags the template does not manage survive.
    """
    stats = MergeStats()
    nplurals = plural_count(po)
    old_header = po.header_entry
    header = _merge_header(old_header, pot, lang)
    old_by_key: dict[tuple[str | None, str], Entry] = {}
    for entry in po.entries:
        if not entry.is_header:
            old_by_key.setdefault(entry.key, entry)
    used: set[int] = set()
    pool_entries: dict[str, list[Entry]] = {}
    for entry in po.entries:
        if not entry.is_header and entry.strings and entry.strings[0]:
            pool_entries.setdefault(entry.msgid, []).append(entry)
    pool = matcher.pool(pool_entries)
    entries = [header]
    for template in pot.messages:
        old = old_by_key.get(template.key)
        if old is not None:
            merged = _merge_exact(template, old, nplurals)
            if old.obsolete:
                stats.revived += 1
            stats.kept += 1
            used.add(id(old))
        else:
            source = _best_fuzzy(template, pool_entries, pool, matcher)
            if source is not None:
                merged = _merge_fuzzy(template, source, nplurals)
                used.add(id(source))
                stats.fuzzy += 1
            else:
                merged = _from_template(template, nplurals)
                stats.new += 1
        entries.append(merged)
    for entry in po.entries:
        if entry.is_header or id(entry) in used:
            continue
        if not entry.obsolete:
            stats.obsolete += 1
        entry.obsolete = True
        entry.references = []
        entries.append(entry)
    return Catalog(entries=entries, charset=po.charset, path=po.path), stats


def _merge_header(old: Entry | None, pot: Catalog, lang: str | None) -> Entry:
    header = Entry(msgid="", msgstr=old.msgstr if old else "",
                   comments=list(old.comments) if old else [],
                   flags=list(old.flags) if old else [], origin=old.origin if old else None)
    catalog = Catalog(entries=[header])
    pot_date = pot.header().get("POT-Creation-Date")
    if pot_date:
        catalog.set_header_field("POT-Creation-Date", pot_date)
    fields = catalog.header()
    if lang and "Language" not in fields:
        catalog.set_header_field("Language", lang)
    if lang and "Plural-Forms" not in fields:
        catalog.set_header_field("Plural-Forms", plural_forms_for(locale_of(lang)).header())
    if "Content-Type" not in fields:
        catalog.set_header_field("Content-Type", "text/plain; charset=UTF-8")
    return header


def _kept_flags(template: Entry, old: Entry) -> list[str]:
    """The template's flags plus the old entry's own flags that the template does not manage."""
    flags = [f for f in template.flags if f != "fuzzy"]
    for flag in old.flags:
        if flag != "fuzzy" and not _MANAGED_FLAG_RE.match(flag) and flag not in flags:
            flags.append(flag)
    return flags


def _forms(old: Entry, template: Entry, nplurals: int) -> tuple[str, list[str]]:
    if template.msgid_plural is None:
        return (old.msgstr if old.msgid_plural is None else
                (old.msgstr_plural[0] if old.msgstr_plural else "")), []
    forms = list(old.msgstr_plural) if old.msgid_plural is not None else [old.msgstr]
    forms = (forms + [""] * nplurals)[:max(nplurals, len(old.msgstr_plural))]
    return "", forms


def _merge_exact(template: Entry, old: Entry, nplurals: int) -> Entry:
    msgstr, plural = _forms(old, template, nplurals)
    entry = Entry(
        msgid=template.msgid, msgctxt=template.msgctxt, msgid_plural=template.msgid_plural,
        msgstr=msgstr, msgstr_plural=plural, comments=list(old.comments),
        extracted=list(template.extracted), references=list(template.references),
        flags=_kept_flags(template, old), line=old.line, origin=old.origin,
    )
    if old.fuzzy or (template.msgid_plural != old.msgid_plural):
        entry.fuzzy = True
        entry.previous_msgctxt = old.previous_msgctxt
        entry.previous_msgid = old.previous_msgid
        entry.previous_msgid_plural = old.previous_msgid_plural
    return entry


def _best_fuzzy(template: Entry, pool_entries: dict[str, list[Entry]], pool: frozenset,
                matcher: FuzzyMatcher) -> Entry | None:
    if not template.msgid:
        return None
    for _score, msgid in matcher.ranked(template.msgid, pool):
        candidates = pool_entries[msgid]
        # msgmerge gives a candidate with the same context a tiny bonus.
        for entry in candidates:
            if entry.msgctxt == template.msgctxt:
                return entry
        return candidates[0]
    return None


def _merge_fuzzy(template: Entry, old: Entry, nplurals: int) -> Entry:
    msgstr, plural = _forms(old, template, nplurals)
    entry = Entry(
        msgid=template.msgid, msgctxt=template.msgctxt, msgid_plural=template.msgid_plural,
        msgstr=msgstr, msgstr_plural=plural, comments=list(old.comments),
        extracted=list(template.extracted), references=list(template.references),
        flags=_kept_flags(template, old),
    )
    entry.fuzzy = True
    if old.fuzzy:
        # The translation was made for an older text still: keep pointing at that one, and,
        # like msgmerge, at none when the old entry did not say which.
        entry.previous_msgctxt = old.previous_msgctxt
        entry.previous_msgid = old.previous_msgid
        entry.previous_msgid_plural = old.previous_msgid_plural
    else:
        entry.previous_msgctxt = old.msgctxt
        entry.previous_msgid = old.msgid
        entry.previous_msgid_plural = old.msgid_plural
    return entry
