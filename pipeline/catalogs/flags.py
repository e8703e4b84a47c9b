"""Flags (`#,` lines) as msgcat writes them, and as the file had them.

gettext's order is fuzzy, the format flags in format.c's order, range, no-wrap; flags gettext
does not know (Weblate's `max-length:N`, `ignore-*`, po4a's `markdown-text`) follow, kept
although msgcat drops them. A message keeps the file's order while its set of flags is the same
(Weblate sorts them alphabetically; reordering would churn every file Weblate saved).
"""

from __future__ import annotations

import re
from functools import lru_cache

from pipeline.catalogs.entries import Entry

# gettext 0.21's format languages, in the order msgcat writes their flags (format.c).
FORMAT_LANGUAGES = (
    "c", "objc", "python", "python-brace", "java", "java-printf", "csharp", "javascript",
    "scheme", "lisp", "elisp", "librep", "ruby", "sh", "awk", "lua", "object-pascal",
    "smalltalk", "qt", "qt-plural", "kde", "kde-kuit", "boost", "tcl", "perl", "perl-brace",
    "php", "gcc-internal", "gfc-internal", "ycp",
)
_FORMAT_INDEX = {name: i for i, name in enumerate(FORMAT_LANGUAGES)}
_RANGE_RE = re.compile(r"range:\s*(\d+)\s*\.\.\s*(\d+)$")
_UNKNOWN_RANK = 1000  # unknown flags (Weblate's max-length:N, ignore-*) go after gettext's own


@lru_cache(maxsize=1024)
def _flag_kind(flag: str) -> tuple[int, str, str]:
    """(rank in msgcat's order, what the flag decides, how msgcat spells it) for one flag.

    Flags that decide the same thing (c-format, no-c-format, possible-c-format) share the
    second item; the last one in the file wins, as in gettext's reader.
    """
    if flag == "fuzzy":
        return 0, "fuzzy", "fuzzy"
    if flag in ("wrap", "no-wrap"):
        return 3 + len(FORMAT_LANGUAGES), "wrap", flag
    match = _RANGE_RE.match(flag)
    if match:
        return 2 + len(FORMAT_LANGUAGES), "range", f"range: {match.group(1)}..{match.group(2)}"
    base, negated = flag, False
    for pre in ("no-", "possible-"):
        if base.startswith(pre) and base[len(pre):].removesuffix("-format") in _FORMAT_INDEX:
            negated = pre == "no-"
            base = base[len(pre):]
    if base.endswith("-format") and base[:-7] in _FORMAT_INDEX:
        lang = base[:-7]
        return (1 + _FORMAT_INDEX[lang], base,
                f"no-{lang}-format" if negated else f"{lang}-format")
    return _UNKNOWN_RANK, flag, flag


def _written(flags, fuzzy: bool, obsolete: bool = False) -> dict[str, tuple[int, str]]:
    """What each decided thing ends up as: {kind: (rank, spelling)}, in the flags' order."""
    chosen: dict[str, tuple[int, str]] = {}
    for flag in flags:
        rank, kind, spelling = _flag_kind(flag)
        chosen.pop(kind, None)  # the last one wins, and takes its own place in the order
        chosen[kind] = (rank, spelling)
    if not fuzzy:
        chosen.pop("fuzzy", None)
    if obsolete:
        chosen.pop("range", None)  # msgcat 0.21 keeps every other flag of an obsolete entry
    # msgcat writes "no-wrap" but never "wrap", the default.
    if chosen.get("wrap", (0, ""))[1] == "wrap":
        del chosen["wrap"]
    return chosen


def canonical_flags(entry: Entry) -> list[str]:
    """Flags in msgcat's order (fuzzy, formats, range, no-wrap), then unknown ones."""
    fuzzy = bool(entry.strings and entry.strings[0])
    chosen = _written(entry.flags, fuzzy, entry.obsolete)
    return [spelling for _rank, spelling in sorted(chosen.values(), key=lambda v: v[0])]


def written_flags(entry: Entry) -> list[str]:
    """The flags to write: in the file's order while the set is what the file had (Weblate
    sorts them alphabetically), else in msgcat's order."""
    fuzzy = bool(entry.strings and entry.strings[0])
    chosen = _written(entry.flags, fuzzy, entry.obsolete)
    if len(chosen) < 2:
        return [spelling for _rank, spelling in chosen.values()]
    origin = entry.origin
    if origin is not None:
        before = _written(origin.flags, fuzzy, entry.obsolete)
        if set(before.values()) == set(chosen.values()):
            return [spelling for _rank, spelling in before.values()]
    return [spelling for _rank, spelling in sorted(chosen.values(), key=lambda v: v[0])]
