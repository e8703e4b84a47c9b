"""Strings cut into lines exactly where gettext's write-po.c (wrap()) cuts them.

The same escapes, the same UAX #14 breaks (libunistring, see linebreak.py), the same
`msgid ""` first line when a string does not fit after its keyword or holds an inner newline.
"""

from __future__ import annotations

import re

from pipeline.catalogs.linebreak import (
    UC_BREAK_POSSIBLE, UC_BREAK_PROHIBITED, UC_BREAK_UNDEFINED, linebreaks, possible_breaks,
)

_ESCAPES_OUT = {"\a": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t",
                "\v": "\\v", "\\": "\\\\", '"': '\\"'}
_ESCAPE_TABLE = str.maketrans(_ESCAPES_OUT)
# Per UTF-8 byte: a continuation byte (10xxxxxx) may never start a line.
_CONTINUATION_BYTES = bytes(UC_BREAK_PROHIBITED if 0x80 <= b < 0xC0 else UC_BREAK_UNDEFINED
                            for b in range(256))
_POSSIBLE_RE = re.compile(re.escape(bytes([UC_BREAK_POSSIBLE])))
_MASKED_RE = re.compile(b"\x01")
_ESCAPED_RE = re.compile("[" + re.escape("".join(_ESCAPES_OUT)) + "]")
_WIDE_RE = re.compile("[\u1100-\U0010ffff]")


def _fits(escaped: str, startcol: int, width: int, encoding: bytes) -> bool:
    """True when the escaped text surely fits on the line, so gettext breaks it nowhere.

    libunistring inserts a break only where a line would exceed the width, and no character
    is wider than 2 columns; below U+1100 none is wider than 1 outside the CJK encodings.
    """
    room = width - startcol
    length = len(escaped)
    if length > room:
        return False
    if escaped.isascii() or 2 * length <= room:
        return True
    return encoding == b"UTF-8" and length + len(_WIDE_RE.findall(escaped)) <= room


def _pieces(portion: str, escaped: str, start: int, directives: bytes | None, width: int,
            startcol: int, encoding: bytes) -> list[str]:
    """The escaped portion cut where gettext breaks its line (one piece when it fits)."""
    newline = portion.endswith("\n")
    if len(escaped) - len(portion) == newline:
        # The common case, done in C: every character is its own unit, so only a multibyte
        # character's continuation bytes, the closing "\n" escape and the inside of a format
        # directive may not start a line.
        data = escaped.encode("utf-8")
        n = len(data)
        over = bytearray(data.translate(_CONTINUATION_BYTES))
        if newline:
            over[n - 2] = over[n - 1] = UC_BREAK_PROHIBITED
        if directives is not None:
            ascii_ = portion.isascii()
            for match in _MASKED_RE.finditer(directives, start, start + len(portion)):
                k = match.start() - start
                over[k if ascii_ else len(portion[:k].encode("utf-8"))] = UC_BREAK_PROHIBITED
        result = linebreaks(data, width, startcol, bytes(over), encoding)
        positions = [m.start() for m in _POSSIBLE_RE.finditer(result)]
        if not positions:
            return [escaped]
        bounds = [0, *positions, n]
        return [data[a:b].decode("utf-8") for a, b in zip(bounds, bounds[1:])]
    units = [_ESCAPES_OUT.get(ch, ch) for ch in portion]
    overrides = bytearray(len(units))
    if directives is not None:
        for k in range(len(units)):
            if directives[start + k]:
                overrides[k] = UC_BREAK_PROHIBITED
    if newline:
        overrides[-1] = UC_BREAK_PROHIBITED
    breaks = possible_breaks(units, bytes(overrides), width, startcol, encoding)
    if not breaks:
        return [escaped]
    pieces, last = [], 0
    for b in breaks:
        pieces.append("".join(units[last:b]))
        last = b
    pieces.append("".join(units[last:]))
    return pieces


# Wrapped lines of msgids and contexts, which recur in every language's catalog.
_WRAP_CACHE: dict[tuple, tuple[str, ...]] = {}
_WRAP_CACHE_SIZE = 8192


def wrap(out: list[str], prefix: str, name: str, value: str, width: int | None,
          encoding: bytes, directives: bytes | None = None) -> None:
    """Append the lines for `name "value"`, wrapped the way gettext's wrap() does."""
    if name.startswith("msgstr"):
        out.extend(_wrap_lines(prefix, name, value, width, encoding, directives))
        return
    key = (prefix, name, value, width, encoding, directives)
    lines = _WRAP_CACHE.get(key)
    if lines is None:
        if len(_WRAP_CACHE) >= _WRAP_CACHE_SIZE:
            _WRAP_CACHE.clear()
        lines = _WRAP_CACHE[key] = tuple(_wrap_lines(prefix, name, value, width, encoding,
                                                     directives))
    out.extend(lines)


def _wrap_lines(prefix: str, name: str, value: str, width: int | None, encoding: bytes,
                directives: bytes | None) -> list[str]:
    out = []
    # The '\n'-terminated portions of the value, each written on its own line(s).
    portions = value.split("\n")
    if len(portions) > 1 and portions[-1] == "":
        portions.pop()
        portions = [p + "\n" for p in portions]
    else:
        portions = [p + "\n" for p in portions[:-1]] + [portions[-1]]
    first_line = True
    after_break = len(prefix) + 1
    line_width = (width if width else 2**31 - 1) - 1 - after_break
    offset = 0
    for index, portion in enumerate(portions):
        start, offset = offset, offset + len(portion)
        has_more = index < len(portions) - 1
        escaped = portion.translate(_ESCAPE_TABLE) if _ESCAPED_RE.search(portion) else portion
        if not portion or _fits(escaped, 0, line_width, encoding):
            pieces = [escaped]
        else:
            pieces = _pieces(portion, escaped, start, directives, line_width, 0, encoding)
        if first_line and portion:
            first_col = len(name) + 1  # after `msgid `
            # gettext writes `msgid ""` first when the string does not fit after the keyword.
            # A string that breaks from column 0 also breaks from any later column, so only
            # one that does not may need a second look.
            if (has_more or first_col > line_width or len(pieces) > 1 or not (
                    _fits(escaped, first_col, line_width, encoding) or
                    len(_pieces(portion, escaped, start, directives, line_width, first_col,
                                encoding)) == 1)):
                out.append(f'{prefix}{name} ""\n')
                first_line = False
        head = f"{prefix}{name} " if first_line else prefix
        first_line = False
        out.append(f'{head}"{pieces[0]}"\n')
        out.extend(f'{prefix}"{piece}"\n' for piece in pieces[1:])
    return out
