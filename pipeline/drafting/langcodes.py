"""Language codes as engines spell them: gettext's pt_BR is pt-BR, PT-BR, pt or "portuguese"."""

from __future__ import annotations

from typing import Iterable, Mapping

from babel.core import get_global

from pipeline.config import CONFIG_NAME
from pipeline.drafting.protocol import Unsupported
from pipeline.names import locale_of

# Codes some engines still spell the old way.
_OLD_CODES = {"he": ("iw",), "jv": ("jw",), "nb": ("no",), "fil": ("tl",), "yi": ("ji",),
              "id": ("in",)}


def _likely(lang: str) -> tuple[str | None, str | None]:
    """CLDR's likely script and region of a bare language code (pt -> Latn, BR)."""
    full = get_global("likely_subtags").get(lang)
    if not full:
        return None, None
    parts = full.split("_")
    return (parts[1] if len(parts) > 1 else None), (parts[2] if len(parts) > 2 else None)


def code_candidates(lang: str) -> list[str]:
    """Spellings of a gettext code engines use, most specific first: pt_BR -> pt-BR, pt, ..."""
    locale = locale_of(lang)
    ll, script, region = locale.language, locale.script, locale.territory
    likely_script, likely_region = _likely(ll)
    out: list[str] = []
    if script and region:
        out.append(f"{ll}-{script}-{region}")
    if script:
        out.append(f"{ll}-{script}")
    if region:
        out.append(f"{ll}-{region}")
    if ll == "zh":
        # Engines spell Chinese scripts as regions, or with codes of their own (zt, cht).
        hant = script == "Hant" or region in ("TW", "HK", "MO")
        out += ["zh-Hant", "zh-TW", "zt", "cht"] if hant else ["zh-Hans", "zh-CN", "zh"]
    # Falling back to the bare language is right for a region (pt_BR -> pt) but not for another
    # script (sr_Latn must not become Cyrillic sr).
    if script is None or script == likely_script:
        out.append(ll)
        if likely_region:
            out.append(f"{ll}-{likely_region}")
        out += _OLD_CODES.get(ll, ())
    return list(dict.fromkeys(out))


def _names(lang: str) -> list[str]:
    """English names deep-translator's tables use as keys: 'portuguese brazil', 'portuguese'."""
    locale = locale_of(lang)
    full = (locale.english_name or "").lower()
    base = (locale_of(locale.language).english_name or "").lower()
    names = [full, full.replace("(", "").replace(")", "")]
    if locale.script is None or locale.script == _likely(locale.language)[0]:
        names.append(base)
    return [n for n in dict.fromkeys(names) if n]


def pick_code(lang: str, codes: Iterable[str], by_name: Mapping[str, str] | None = None
              ) -> str | None:
    """The engine's own spelling of `lang` among `codes` (case-insensitive), or None."""
    spelled = {c.lower(): c for c in codes}
    for candidate in code_candidates(lang):
        if candidate.lower() in spelled:
            return spelled[candidate.lower()]
    if by_name:
        names = {k.lower(): v for k, v in by_name.items()}
        for name in _names(lang):
            if name in names:
                return names[name]
    return None


def unsupported(engine: str, lang: str, offered: Iterable[str], hint: str = "") -> Unsupported:
    """The per-language error: what the engine offers and what to do instead."""
    shown = sorted(set(offered))
    listing = ", ".join(shown[:60]) + (f" and {len(shown) - 60} more" if len(shown) > 60 else "")
    return Unsupported(f"the {engine} engine cannot translate into {lang}"
                       f" ({locale_of(lang).english_name}); it offers {listing or 'nothing'}."
                       f"{' ' + hint if hint else ''} Choose another engine for {lang} under "
                       f"[draft.languages] in {CONFIG_NAME}, or pass --engine.")


def language_name(lang: str) -> str:
    """The English name of a gettext code, as instructions to a model say it."""
    try:
        return locale_of(lang).english_name or lang
    except (ValueError, LookupError):
        return lang
