"""The PO reader's lexing: quoted strings and comments, and a fast path for whole entries.

Most entries of a real catalog have gettext's usual shape: comments, `#|` previous strings,
msgctxt, msgid and msgstr, each keyword at the start of its line, one string per line. `scan`
reads such entries with one regular expression each (a third of the time the line parser
takes); at the first entry of any other shape (obsolete `#~`, plural forms, indented lines,
stray text) it stops and pofile's line parser goes on from the start of the last entry scanned,
so the entries, their lines and every error are exactly the line parser's.
"""

from __future__ import annotations

import re

from pipeline.catalogs.entries import Entry, Origin, content
from pipeline.errors import CatalogError

_ESCAPES_IN = {"n": "\n", "t": "\t", "b": "\b", "r": "\r", "f": "\f", "v": "\v", "a": "\a",
               "\\": "\\", '"': '"', "'": "'", "?": "?"}
_ESCAPE_RE = re.compile(r"\\(x[0-9A-Fa-f]{1,2}|[0-7]{1,3}|.)", re.S)
_STRING_RE = re.compile(r'"((?:[^"\\]|\\.)*)"')
KEYWORD_RE = re.compile(r"(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)(?=[\s\"]|$)")
# One entry in the usual shape, after any blank lines: (blank lines, comments, previous
# strings, msgctxt's lines, msgid's lines, msgstr's lines); every line ends with "\n".
_ENTRY_RE = re.compile(
    r'(\n*)'
    r'((?:#(?:[^|~\n][^\n]*)?\n)*)'
    r'((?:#\|[^\n]*\n)*)'
    r'(?:msgctxt ("[^\n]*"\n(?:"[^\n]*"\n)*))?'
    r'msgid ("[^\n]*"\n(?:"[^\n]*"\n)*)'
    r'msgstr ("[^\n]*"\n(?:"[^\n]*"\n)*)')
_PREVIOUS = ("msgctxt", "msgid", "msgid_plural")


class Unusual(Exception):
    """An entry the fast path leaves to the line parser (which also reports any error)."""


def unescape(body: str, path: object, line: int) -> str:
    """A string's body with its C escapes resolved."""
    if "\\" not in body:
        return body

    def repl(match: re.Match) -> str:
        seq = match.group(1)
        if seq in _ESCAPES_IN:
            return _ESCAPES_IN[seq]
        if seq[0] == "x" and len(seq) > 1:
            return chr(int(seq[1:], 16))
        if seq[0] in "01234567":
            return chr(int(seq, 8))
        raise CatalogError(
            f"invalid escape sequence '\\{seq}' in a string; write '\\\\' for a backslash", path,
            line)

    return _ESCAPE_RE.sub(repl, body)


def strings(rest: str, path: object, line: int) -> str:
    """Parse one or more quoted strings filling the rest of a line."""
    rest = rest.strip()
    if not rest.startswith('"'):
        raise CatalogError(f"expected a quoted string, found {rest[:30]!r}", path, line)
    if rest.endswith('"') and rest.count('"') == 2 and "\\" not in rest:
        return rest[1:-1]  # the usual line: one string without escapes
    pos, out = 0, []
    while pos < len(rest):
        match = _STRING_RE.match(rest, pos)
        if not match:
            raise CatalogError("unterminated string: a closing \" is missing at the end of the "
                               "line", path, line)
        out.append(unescape(match.group(1), path, line))
        pos = match.end()
        while pos < len(rest) and rest[pos] in " \t":
            pos += 1
        if pos < len(rest) and rest[pos] != '"':
            raise CatalogError(f"unexpected text {rest[pos:pos + 30]!r} after a string", path,
                               line)
    return "".join(out)


def strip_one_space(text: str) -> str:
    """A comment's text without its line end and the one space after the mark."""
    text = text.rstrip("\r\n")
    return text[1:] if text[:1] == " " else text


def add_comment(entry: Entry, line: str) -> None:
    """One `#` line (not `#|` or `#~`) into the entry's comments, extracted comments,
    references (without a leading ./, each once) or flags (each once). `entry` may also be
    pofile's line parser, which holds the same four lists."""
    kind = line[1:2]
    if kind == ".":
        entry.extracted.append(strip_one_space(line[2:]))
    elif kind == ":":
        references = entry.references
        for token in line[2:].split():
            while token.startswith("./"):
                token = token[2:]
            if token not in references:
                references.append(token)
    elif kind == ",":
        flags = entry.flags
        for flag in line[2:].split(","):
            flag = " ".join(flag.split())
            if flag and flag not in flags:
                flags.append(flag)
    else:
        entry.comments.append(strip_one_space(line[1:]))


def _value(lines: str) -> str:
    """The string held by `"..."` lines (each ending with a newline)."""
    if "\\" not in lines and lines.count('"') == 2 * lines.count("\n"):
        return lines.replace('"\n"', "")[1:-2]
    return "".join(strings(line, None, 0) for line in lines.split("\n")[:-1])


def _previous(lines: str) -> dict[str, str]:
    """The `#|` lines' previous msgctxt, msgid and msgid_plural, as the line parser reads
    them (a keyword seen twice: the last one counts)."""
    found: dict[str, str] = {}
    current = None
    for line in lines.split("\n")[:-1]:
        text = line[2:].strip()
        if text.startswith('"'):
            if current is None:
                raise Unusual
            found[current] += strings(text, None, 0)
            continue
        match = KEYWORD_RE.match(text)
        if not match or match.group(1) not in _PREVIOUS:
            raise Unusual
        current = match.group(1)
        found[current] = strings(text[match.end():], None, 0)
    return found


def scan(text: str, lines: list[str]) -> tuple[list[Entry], dict, int]:
    """The entries of the usual shape at the start of `text` (split into `lines`), the line of
    each key's msgid, and the index in `lines` where the line parser must go on (len(lines):
    nowhere). Raises Unusual or CatalogError where the line parser must read the whole file."""
    if not text.endswith("\n"):
        text += "\n"
    entries: list[Entry] = []
    seen: dict[tuple[bool, str | None, str], int] = {}
    first = pos = 0
    line = 1
    match = _ENTRY_RE.match
    while (found := match(text, pos)) is not None:
        blank, comments, previous, ctxt, msgid, msgstr = found.groups()
        first = line + len(blank)
        msgid_line = (first + comments.count("\n") + previous.count("\n")
                      + (ctxt.count("\n") if ctxt is not None else 0))
        last = msgid_line + msgid.count("\n") + msgstr.count("\n") - 1
        entry = Entry(msgid=_value(msgid), msgstr=_value(msgstr),
                      msgctxt=_value(ctxt) if ctxt is not None else None, line=msgid_line)
        if comments:
            for comment in comments.split("\n")[:-1]:
                add_comment(entry, comment)
        if previous:
            before = _previous(previous)
            entry.previous_msgctxt = before.get("msgctxt")
            entry.previous_msgid = before.get("msgid")
            entry.previous_msgid_plural = before.get("msgid_plural")
        key = (False, entry.msgctxt, entry.msgid)
        if key in seen:
            raise Unusual  # the line parser says where the first one is
        seen[key] = msgid_line
        entry.origin = Origin(lines, first, last, content(entry))
        entries.append(entry)
        pos, line = found.end(), last + 1
    if text.count("\n", pos) == len(text) - pos:
        return entries, seen, len(lines)
    if not entries:
        return [], {}, 0
    # The last entry may go on in a way the pattern does not know (a string on an indented
    # line, after blank lines): the line parser reads it again, from its first line.
    last_entry = entries.pop()
    del seen[(False, last_entry.msgctxt, last_entry.msgid)]
    return entries, seen, first - 1
