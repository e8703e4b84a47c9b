"""handbill's own interface, translated: reviewed catalogs shipped inside the package.

`pipeline/ui-catalogs/<lang>.po` holds reviewed translations of the templates' strings (the
`ui` domain). A project's `ui.po` is seeded from them when it is created (`init LANG`, or
`update` making a missing catalog), and `update` fills a message that is still untranslated
when the package has it; a translation already in the project, reviewed or fuzzy, is never
touched. This repository keeps them in step with its own locales/ through
`scripts/ui_catalogs.py` (tests/test_ui_catalogs.py fails when they drift).
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

from pipeline.catalogs.pofile import Catalog, Entry, read_catalog

UI_CATALOGS = Path(__file__).resolve().parent.parent / "ui-catalogs"


def shipped_languages() -> list[str]:
    """The languages the package carries interface translations for."""
    return sorted(p.stem for p in UI_CATALOGS.glob("*.po"))


@lru_cache(maxsize=64)
def _reviewed(lang: str) -> dict[tuple[str | None, str], Entry]:
    path = UI_CATALOGS / f"{lang}.po"
    if not path.is_file():
        return {}
    return {e.key: e for e in read_catalog(path).messages if e.translated and not e.fuzzy}


def shipped_translations(lang: str) -> dict[tuple[str | None, str], Entry]:
    """Reviewed interface translations for `lang`: its own file, else its base language's
    (es_MX uses es; pt does not use pt_BR, nor zh_Hant zh_Hans)."""
    found = _reviewed(lang)
    if not found and "_" in lang:
        found = _reviewed(lang.split("_")[0].split("@")[0])
    return found


def seed(catalog: Catalog, lang: str, nplurals: int) -> int:
    """Fill the untranslated messages of a ui catalog from the shipped translations;
    returns how many. Reviewed and fuzzy messages are left as they are."""
    shipped = shipped_translations(lang)
    if not shipped:
        return 0
    filled = 0
    for entry in catalog.messages:
        if entry.fuzzy or any(entry.strings):
            continue
        source = shipped.get(entry.key)
        if source is None or source.msgid_plural != entry.msgid_plural:
            continue
        if entry.msgid_plural is not None:
            if len(source.msgstr_plural) != nplurals:
                continue
            entry.msgstr_plural = list(source.msgstr_plural)
        else:
            entry.msgstr = source.msgstr
        filled += 1
    return filled


@lru_cache(maxsize=1)
def fingerprint() -> str:
    """A digest of the shipped catalogs, so a merge cache knows when they changed."""
    digest = hashlib.sha256()
    for path in sorted(UI_CATALOGS.glob("*.po")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]
