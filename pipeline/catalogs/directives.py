"""Format directives in a string, as gettext 0.21 marks them when it lays the string out.

gettext forbids line breaks inside a directive of the message's format (its format parsers
mark each one), which changes where libunistring breaks the line. The parsers' own rules and
quirks are reproduced, because msgcat is the reference, quirks included.
"""

from __future__ import annotations

import re
from functools import lru_cache

from pipeline.catalogs.entries import python_codec
from pipeline.errors import CatalogError

# Format directives gettext recognises when laying out a string with that format flag: it
# forbids breaks inside them, and libunistring's fitting then differs (seen with msgcat 0.21).
_DIRECTIVES = {
    # format-python.c knows no %F and no %a (Python does).
    "python-format": re.compile(r"%(?:\([^)]*\))?[#0 +-]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[hlL]?[diouxXeEfgGcrs%]"),
    # format-c.c reads any run of size letters ("% https" is a directive: size "htt", 'p').
    "c-format": re.compile(r"%(?:\d+\$)?[#0 +'I-]*(?:\*(?:\d+\$)?|\d+)?(?:\.(?:\*(?:\d+\$)?|\d+))?[hlLqjzZt]*[diouxXeEfFgGaAcCsSpn%]"),
}
_IDENT_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_FIELD_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*|[0-9]+")
_SPEC_RE = re.compile(r"[+\- ]?#?0?[0-9]*(?:\.[0-9]+)?[bcdoxXneEfFgG%]?")


def _mixes(directive: str, kinds: set[str]) -> bool:
    """True when a python-format directive mixes named and unnamed arguments with the ones
    before it: gettext's parser (format-python.c) stops there, like at an invalid one."""
    if directive.endswith("%"):
        return False  # "%%" or "% %": no argument at all
    if directive.startswith("%("):
        kinds.add("named")
        return "unnamed" in kinds or "*" in directive
    kinds.add("unnamed")
    return "named" in kinds


def _percent_mask(value: str, pattern: re.Pattern, python: bool) -> bytes | None:
    """c-format and python-format: no break inside a directive, up to the first invalid one."""
    mask = bytearray(len(value))
    kinds: set[str] = set()
    pos = value.find("%")
    while pos != -1:
        match = pattern.match(value, pos)
        if match is None or (python and _mixes(match.group(), kinds)):
            break
        for k in range(match.start() + 1, match.end()):
            mask[k] = 1
        pos = value.find("%", match.end())
    return bytes(mask) if any(mask) else None


@lru_cache(maxsize=16)
def _codec(encoding: bytes) -> str:
    try:
        return python_codec(encoding.decode("ascii"))
    except CatalogError:
        return "utf-8"


def _brace_directive(s: str, i: int, toplevel: bool) -> tuple[int, int | None, int | None]:
    """One `{...}` at s[i] as format-python-brace.c reads it: (index after it, offset of its
    closing brace from i or None, offset of the error from i or None)."""
    j = i + 1
    if s.startswith("{", j):
        return j + 1, None, None  # an escaped brace
    match = _FIELD_RE.match(s, j)
    if not match:
        return j, None, j - i
    j = match.end()
    while j < len(s) and s[j] in ".[":
        match = (_IDENT_RE if s[j] == "." else _FIELD_RE).match(s, j + 1)
        if not match:
            return j, None, j + 1 - i
        j = match.end()
        if s[j - len(match.group()) - 1] == "[":
            if not s.startswith("]", j):
                return j, None, j - i
            j += 1
    if s.startswith(":", j):
        if not toplevel:
            return j, None, j - i
        j += 1
        if s.startswith("{", j):
            j, _end, error = _brace_directive(s, j, False)
            if error is not None:
                return j, None, error  # gettext marks it from the nested brace
        elif j >= len(s):
            return j, None, j - i
        else:
            if s[j + 1:j + 2] in ("<", ">", "=", "^") and j + 1 < len(s):
                j += 2
            elif s[j] in "<>=^":
                j += 1
            j = _SPEC_RE.match(s, j).end()
    if not s.startswith("}", j):
        return j, None, j - i
    return j + 1, (j - i if toplevel else None), None


def _brace_mask(value: str, codec: str) -> bytes | None:
    """python-brace-format as gettext 0.21 lays it out.

    format-python-brace.c marks each directive relative to the directive's own start instead
    of the string's (its FDI_SET uses a local `format_start`), so every directive's marks land
    at the start of the string: msgcat then forbids breaks in value[1:n], n being the shortest
    directive's length. Reproduced here because msgcat is the reference, bug included.
    """
    marks: list[tuple[int, bool]] = []  # (offset, is an error)
    pos = value.find("{")
    while pos != -1:
        pos, end, error = _brace_directive(value, pos, True)
        if error is not None:
            marks.append((error, True))
            break
        if end is not None:
            marks.append((end, False))
        pos = value.find("{", pos)
    if not any(not is_error for _, is_error in marks):
        return None  # no valid directive: no start mark at all
    last = min(offset for offset, _ in marks)
    if (last, True) in marks:
        return None
    # The marks are byte offsets (in the file's charset): a character is protected when its
    # first byte is.
    mask = bytearray(len(value))
    offset = 0
    for k, ch in enumerate(value):
        if offset > last:
            break
        if offset:
            mask[k] = 1
        offset += len(ch.encode(codec, "replace")) if ch >= "\x80" else 1
    return bytes(mask) if any(mask) else None


def directive_mask(value: str, flags: list[str], encoding: bytes = b"UTF-8") -> bytes | None:
    """Per character of `value`: 1 where gettext forbids a break inside a format directive.

    gettext's format parsers stop at the first invalid directive, so only the directives
    before it are protected; the scans stop there too. The first format flag decides.
    """
    for flag in flags:
        if flag == "python-brace-format":
            return _brace_mask(value, _codec(encoding)) if "{" in value else None
        if flag in _DIRECTIVES:
            return (_percent_mask(value, _DIRECTIVES[flag], flag == "python-format")
                    if "%" in value else None)
    return None
