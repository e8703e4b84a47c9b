"""Validation of names that become paths: language codes and campaign names."""

from __future__ import annotations

import re

from babel import Locale, UnknownLocaleError
from babel.core import get_global

from pipeline.errors import HandbillError

# gettext-style locale names: ll, ll_CC, ll_Ssss, ll_Ssss_CC, with an optional @modifier.
_LANG_RE = re.compile(r"^[a-z]{2,3}(_[A-Z][a-z]{3})?(_(?:[A-Z]{2}|[0-9]{3}))?(@[a-z]{2,12})?$")
_CAMPAIGN_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")

# The domain of the templates' own strings; no campaign may take its name.
UI_DOMAIN = "ui"


def validate_language(code: str, where: str | None = None) -> str:
    """Return the canonical gettext form of a language code (pt-BR -> pt_BR) or raise."""
    if not isinstance(code, str) or "\x00" in code or "/" in code or "\\" in code or ".." in code:
        raise HandbillError(
            f"{code!r} is not a language code; use a code such as es, pt_BR or zh_Hans",
            path=where,
        )
    candidate = code.strip().replace("-", "_")
    if not _LANG_RE.match(candidate):
        raise HandbillError(
            f"{code!r} is not a language code; use a code such as es, pt_BR or zh_Hans", path=where
        )
    try:
        Locale.parse(candidate.split("@")[0])
    except (UnknownLocaleError, ValueError):
        raise HandbillError(
            f"unknown language {code!r}: Babel's CLDR data has no such locale; "
            "use a code such as es, pt_BR or zh_Hans",
            path=where,
        ) from None
    return candidate


def validate_campaign(name: str, where: str | None = None) -> str:
    """Return `name` if it is a safe campaign name (lowercase slug), else raise."""
    if not isinstance(name, str) or not _CAMPAIGN_RE.match(name) or name == UI_DOMAIN:
        raise HandbillError(
            f"{name!r} is not a valid campaign name: use lowercase letters, digits and hyphens "
            f"(for example free-assange), at most 64 characters, and not {UI_DOMAIN!r}",
            path=where,
        )
    return name


def locale_of(code: str) -> Locale:
    """The Babel Locale for a validated language code (the @modifier is ignored)."""
    return Locale.parse(code.split("@")[0])


def script_of(lang: str) -> str:
    """The ISO 15924 script a language is written in (from CLDR's likely subtags)."""
    locale = locale_of(lang)
    if locale.script:
        return locale.script
    likely = get_global("likely_subtags")
    for key in (f"{locale.language}_{locale.territory}" if locale.territory else None,
                locale.language):
        if key and key in likely:
            parts = likely[key].split("_")
            for part in parts[1:]:
                if len(part) == 4 and part.istitle():
                    return part
    return "Latn"
