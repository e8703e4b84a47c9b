"""Reading and writing PO files: exact line-numbered errors, any charset, msgcat's layout.

Why not polib or Babel here: polib reports syntax errors as an IOError without the entry and
neither library writes gettext's wrapping, so a file that passed through them churns in every
editor's diff. Babel's write_po(include_previous=True) writes invalid `#|` lines for long msgids
and its read_po drops them. This module reads everything GNU gettext reads (previous msgids,
obsolete entries, plural forms, any declared charset) and writes what `msgcat` writes.

Writing follows gettext 0.21's write-po.c: the same escapes, the same UAX #14 breaks (from
libunistring, see linebreak.py), the same "msgid \"\"" first line when a string wraps or holds
an inner newline. One deliberate difference: msgcat drops flags it does not know (Weblate's
`max-length:80`, `ignore-*`); we keep them after the known flags, since translators' tools
rely on them.
"""

from __future__ import annotations

import codecs
import ctypes
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from pipeline.errors import CatalogError
from pipeline.linebreak import (
    UC_BREAK_POSSIBLE, UC_BREAK_PROHIBITED, UC_BREAK_UNDEFINED, _library, possible_breaks,
)

# gettext 0.21's format languages, in the order msgcat writes their flags (format.c).
FORMAT_LANGUAGES = (
    "c", "objc", "python", "python-brace", "java", "java-printf", "csharp", "javascript",
    "scheme", "lisp", "elisp", "librep", "ruby", "sh", "awk", "lua", "object-pascal",
    "smalltalk", "qt", "qt-plural", "kde", "kde-kuit", "boost", "tcl", "perl", "perl-brace",
    "php", "gcc-internal", "gfc-internal", "ycp",
)
_FORMAT_INDEX = {name: i for i, name in enumerate(FORMAT_LANGUAGES)}

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
_ESCAPES_IN = {"n": "\n", "t": "\t", "b": "\b", "r": "\r", "f": "\f", "v": "\v", "a": "\a",
               "\\": "\\", '"': '"', "'": "'", "?": "?"}
_ESCAPE_RE = re.compile(r"\\(x[0-9A-Fa-f]{1,2}|[0-7]{1,3}|.)", re.S)
_STRING_RE = re.compile(r'"((?:[^"\\]|\\.)*)"')
_KEYWORD_RE = re.compile(r"(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)(?=[\s\"]|$)")
_CHARSET_RE = re.compile(rb"charset=([A-Za-z0-9_.:+-]+)")

# Charset names gettext accepts, mapped to Python codecs where the spelling differs.
_CHARSET_ALIASES = {"CHARSET": "utf-8", "ASCII": "ascii", "ANSI_X3.4-1968": "ascii"}


class Origin:
    """An entry as the file had it: its text and its content when read.

    The writer copies an entry's text verbatim while its content is still what was read, so a
    file saved by another tool (Weblate wraps at 77 with its own line breaker, sorts flags
    alphabetically) keeps its layout wherever handbill changes nothing.
    """

    __slots__ = ("lines", "start", "end", "state")

    def __init__(self, lines: list[str], start: int, end: int, state: tuple):
        self.lines, self.start, self.end, self.state = lines, start, end, state

    @property
    def text(self) -> str:
        """The entry's lines in the file, each ending with a newline."""
        return "\n".join(self.lines[self.start - 1:self.end]) + "\n"

    @property
    def flags(self) -> tuple[str, ...]:
        """The flags in the order the file wrote them."""
        return self.state[_FLAGS_AT]


def content(entry: Entry) -> tuple:
    """Everything an entry holds (flags as written, in order), for comparing two states."""
    return (entry.msgid, entry.msgstr, entry.msgctxt, entry.msgid_plural,
            tuple(entry.msgstr_plural), tuple(entry.comments), tuple(entry.extracted),
            tuple(entry.references), tuple(entry.flags), entry.previous_msgctxt,
            entry.previous_msgid, entry.previous_msgid_plural, entry.obsolete)


_FLAGS_AT = 8  # index of the flags in content()


def same_content(entry: Entry, state: tuple) -> bool:
    """True when the entry still holds `state` (flags compared as a set: order is layout)."""
    now = content(entry)
    return (now[:_FLAGS_AT] == state[:_FLAGS_AT] and now[_FLAGS_AT + 1:] == state[_FLAGS_AT + 1:]
            and set(now[_FLAGS_AT]) == set(state[_FLAGS_AT]))


@dataclass(eq=False)
class Entry:
    """One PO message. `msgstr` holds the single form; `msgstr_plural` the plural forms."""

    msgid: str
    msgstr: str = ""
    msgctxt: str | None = None
    msgid_plural: str | None = None
    msgstr_plural: list[str] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)  # translator comments ("# ")
    extracted: list[str] = field(default_factory=list)  # "#." comments
    references: list[str] = field(default_factory=list)  # "#:" tokens (file:line)
    flags: list[str] = field(default_factory=list)
    previous_msgctxt: str | None = None
    previous_msgid: str | None = None
    previous_msgid_plural: str | None = None
    obsolete: bool = False
    line: int = 0  # line of the msgid keyword in the file it was read from
    # Where the entry was read from (its lines and what it held then); None for a new entry.
    origin: Origin | None = field(default=None, repr=False)

    @property
    def key(self) -> tuple[str | None, str]:
        return (self.msgctxt, self.msgid)

    @property
    def fuzzy(self) -> bool:
        return "fuzzy" in self.flags

    @fuzzy.setter
    def fuzzy(self, value: bool) -> None:
        if value and "fuzzy" not in self.flags:
            self.flags.insert(0, "fuzzy")
        elif not value:
            self.flags = [f for f in self.flags if f != "fuzzy"]

    @property
    def is_header(self) -> bool:
        return self.msgid == "" and self.msgctxt is None

    @property
    def strings(self) -> list[str]:
        """Every translation form: [msgstr] or the plural forms."""
        return self.msgstr_plural if self.msgid_plural is not None else [self.msgstr]

    @property
    def translated(self) -> bool:
        """True when every form holds text (fuzzy or not)."""
        forms = self.strings
        return bool(forms) and all(forms)


@dataclass(eq=False)
class Catalog:
    """A PO/POT file: its header entry (if any), its entries in order, and its charset."""

    entries: list[Entry]
    charset: str = "UTF-8"
    path: Path | None = None

    @property
    def header_entry(self) -> Entry | None:
        for entry in self.entries:
            if entry.is_header and not entry.obsolete:
                return entry
        return None

    @property
    def messages(self) -> list[Entry]:
        """Active (not obsolete) entries other than the header."""
        return [e for e in self.entries if not e.obsolete and not e.is_header]

    @property
    def obsolete(self) -> list[Entry]:
        return [e for e in self.entries if e.obsolete]

    def header(self) -> dict[str, str]:
        """The header fields as an ordered dict ("Plural-Forms": "nplurals=2; ...")."""
        entry = self.header_entry
        fields: dict[str, str] = {}
        if entry is None:
            return fields
        for line in entry.msgstr.split("\n"):
            name, sep, value = line.partition(":")
            if sep and name.strip():
                fields[name.strip()] = value.strip()
        return fields

    def set_header_field(self, name: str, value: str) -> None:
        """Replace or append one header field, keeping the others in place."""
        entry = self.header_entry
        if entry is None:
            entry = Entry(msgid="", msgstr="")
            self.entries.insert(0, entry)
        lines = entry.msgstr.split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        for i, line in enumerate(lines):
            if line.partition(":")[0].strip() == name:
                lines[i] = f"{name}: {value}"
                break
        else:
            lines.append(f"{name}: {value}")
        entry.msgstr = "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------- reading


def python_codec(charset: str, path: object = None) -> str:
    """The Python codec for a charset named in a PO header, or a CatalogError."""
    name = _CHARSET_ALIASES.get(charset.upper(), charset)
    try:
        return codecs.lookup(name).name
    except LookupError:
        raise CatalogError(
            f"unknown charset {charset!r} in the Content-Type header; convert the file to UTF-8 "
            f"(e.g. `msgconv -t UTF-8`) and declare charset=UTF-8",
            path,
        ) from None


def decode(raw: bytes, path: object = None) -> tuple[str, str]:
    """Decode a PO file's bytes by the charset its header declares: (text, charset)."""
    if b"\x00" in raw:
        line = raw[: raw.index(b"\x00")].count(b"\n") + 1
        raise CatalogError("the file contains a NUL byte; it is not a PO file or is damaged",
                           path, line)
    if raw.startswith(codecs.BOM_UTF8):
        raw = raw[len(codecs.BOM_UTF8):]  # gettext tolerates a UTF-8 byte order mark
    match = _CHARSET_RE.search(raw)
    charset = match.group(1).decode("ascii") if match else "UTF-8"
    if charset.upper() == "CHARSET":
        charset = "UTF-8"
    codec = python_codec(charset, path)
    try:
        text = raw.decode(codec)
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise CatalogError(
            f"bytes {raw[exc.start:exc.end]!r} are not valid {charset}, the charset the header "
            f"declares; re-save the file as {charset} or fix the header's charset",
            path, line,
        ) from None
    return text, charset


def _unescape(body: str, path: object, line: int) -> str:
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


def _strings(rest: str, path: object, line: int) -> str:
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
        out.append(_unescape(match.group(1), path, line))
        pos = match.end()
        while pos < len(rest) and rest[pos] in " \t":
            pos += 1
        if pos < len(rest) and rest[pos] != '"':
            raise CatalogError(f"unexpected text {rest[pos:pos + 30]!r} after a string", path,
                               line)
    return "".join(out)


class _Parser:
    """A line-oriented state machine over the decoded text of a PO file."""

    def __init__(self, path: object, lines: list[str] | None = None):
        self.path = path
        self.lines = lines  # the file's lines, for each entry's Origin (None: record none)
        self.last = 0  # the last non-blank line seen
        self.entries: list[Entry] = []
        self.seen: dict[tuple[bool, str | None, str], int] = {}
        self._reset()

    def _reset(self) -> None:
        self.comments: list[str] = []
        self.extracted: list[str] = []
        self.references: list[str] = []
        self.flags: list[str] = []
        self.prev: dict[str, str] = {}
        self.fields: dict[str, str] = {}
        self.plural: dict[int, str] = {}
        self.current: str | None = None  # the field continuation strings append to
        self.prev_current: str | None = None
        self.obsolete = False
        self.msgid_line = 0
        self.has_msgstr = False
        self.started = False  # any comment or keyword seen for this entry
        self.first = 0  # the entry's first line

    def start(self, lineno: int) -> None:
        if not self.started:
            self.started = True
            self.first = lineno

    def error(self, message: str, line: int) -> CatalogError:
        return CatalogError(message, self.path, line)

    def finish_entry(self, line: int) -> None:
        if "msgid" not in self.fields:
            if self.fields or self.plural:
                raise self.error("msgstr or msgctxt without a msgid", line)
            if self.prev:
                # A previous msgid with no entry after it (msgmerge never writes one).
                raise self.error("a '#|' previous msgid is not followed by an entry", line)
            # Comments with no entry (e.g. at the end of the file) are kept by gettext only
            # when they belong to an entry; drop them like msgcat does.
            self._reset()
            return
        if not self.has_msgstr:
            raise self.error(
                "this entry has no msgstr; the file may be truncated or the msgstr line lost",
                self.msgid_line)
        plural = self.fields.get("msgid_plural")
        if plural is not None:
            if "msgstr" in self.fields:
                raise self.error("an entry with msgid_plural needs msgstr[0], msgstr[1], ... "
                                 "instead of msgstr", self.msgid_line)
            indices = sorted(self.plural)
            if indices != list(range(len(indices))):
                raise self.error(f"plural forms must be numbered msgstr[0] to msgstr[N] without "
                                 f"gaps; found {indices}", self.msgid_line)
            forms = [self.plural[i] for i in indices]
        else:
            if self.plural:
                raise self.error("msgstr[N] is only allowed after msgid_plural",
                                 self.msgid_line)
            forms = []
        entry = Entry(
            msgid=self.fields["msgid"],
            msgstr=self.fields.get("msgstr", ""),
            msgctxt=self.fields.get("msgctxt"),
            msgid_plural=plural,
            msgstr_plural=forms,
            comments=self.comments,
            extracted=self.extracted,
            references=self.references,
            flags=self.flags,
            previous_msgctxt=self.prev.get("msgctxt"),
            previous_msgid=self.prev.get("msgid"),
            previous_msgid_plural=self.prev.get("msgid_plural"),
            obsolete=self.obsolete,
            line=self.msgid_line,
        )
        key = (entry.obsolete, entry.msgctxt, entry.msgid)
        if key in self.seen:
            where = f"line {self.seen[key]}"
            raise self.error(f"duplicate message definition (msgctxt {entry.msgctxt!r}, msgid "
                             f"{entry.msgid[:40]!r}); the first one is at {where}; merge the two",
                             self.msgid_line)
        self.seen[key] = self.msgid_line
        if self.lines is not None:
            entry.origin = Origin(self.lines, self.first, self.last, content(entry))
        self.entries.append(entry)
        self._reset()

    def keyword(self, text: str, lineno: int, obsolete: bool) -> None:
        match = _KEYWORD_RE.match(text)
        if not match:
            raise self.error(f"syntax error: unexpected {text[:40]!r}; expected msgid, msgstr, "
                             "msgctxt, a quoted string or a # comment", lineno)
        word, index = match.group(1), match.group(2)
        value = _strings(text[match.end():], self.path, lineno)
        if word in ("msgctxt", "msgid") and (self.has_msgstr or (word == "msgctxt" and
                                                                  "msgid" in self.fields)):
            self.finish_entry(lineno)
        if word == "msgid" and "msgid" in self.fields:
            raise self.error("msgid follows msgid without a msgstr in between", lineno)
        if self.started and self.obsolete != obsolete and self.fields:
            raise self.error("an entry mixes obsolete (#~) and active lines", lineno)
        self.start(lineno)
        self.obsolete = obsolete
        if word.startswith("msgstr"):
            if "msgid" not in self.fields:
                raise self.error("msgstr without a msgid before it", lineno)
            self.has_msgstr = True
            if index is not None:
                i = int(index)
                if i in self.plural:
                    raise self.error(f"msgstr[{i}] appears twice in one entry", lineno)
                self.plural[i] = value
                self.current = f"msgstr[{i}]"
                return
        elif self.has_msgstr:
            raise self.error(f"{word} after msgstr; start a new entry with msgid", lineno)
        if word == "msgid":
            self.msgid_line = lineno
        if word in self.fields:
            raise self.error(f"{word} appears twice in one entry", lineno)
        self.fields[word] = value
        self.current = word

    def continuation(self, text: str, lineno: int) -> None:
        if self.current is None:
            raise self.error("a string without a msgid or msgstr before it", lineno)
        value = _strings(text, self.path, lineno)
        if self.current.startswith("msgstr["):
            i = int(self.current[7:-1])
            self.plural[i] += value
        else:
            self.fields[self.current] += value

    def previous(self, text: str, lineno: int) -> None:
        text = text.strip()
        if text.startswith('"'):
            if self.prev_current is None:
                raise self.error("a '#|' string without a previous msgid before it", lineno)
            self.prev[self.prev_current] += _strings(text, self.path, lineno)
            return
        match = _KEYWORD_RE.match(text)
        if not match or match.group(1) not in ("msgctxt", "msgid", "msgid_plural"):
            raise self.error(f"syntax error in a '#|' previous-msgid comment: {text[:40]!r}",
                             lineno)
        if self.has_msgstr:
            self.finish_entry(lineno)
        self.start(lineno)
        self.prev_current = match.group(1)
        self.prev[self.prev_current] = _strings(text[match.end():], self.path, lineno)

    def comment(self, line: str, lineno: int) -> None:
        if self.has_msgstr:
            self.finish_entry(lineno)
        self.start(lineno)
        kind = line[1:2]
        if kind == ".":
            self.extracted.append(_strip_one_space(line[2:]))
        elif kind == ":":
            for token in line[2:].split():
                while token.startswith("./"):
                    token = token[2:]
                if token not in self.references:
                    self.references.append(token)
        elif kind == ",":
            for flag in line[2:].split(","):
                flag = " ".join(flag.split())
                if flag and flag not in self.flags:
                    self.flags.append(flag)
        else:
            self.comments.append(_strip_one_space(line[1:]))


def _strip_one_space(text: str) -> str:
    text = text.rstrip("\r\n")
    return text[1:] if text[:1] == " " else text


def parse(text: str, path: object = None) -> list[Entry]:
    """Parse the decoded text of a PO file into entries, or raise CatalogError(path, line)."""
    if "\r\n" in text:
        text = text.replace("\r\n", "\n")
    lines = text.split("\n")
    # Each entry remembers its lines, unless a stray CR would end up inside them.
    parser = _Parser(path, None if "\r" in text else lines)
    lineno = 0
    for lineno, raw in enumerate(lines, 1):
        line = raw[:-1] if raw.endswith("\r") else raw
        stripped = line.lstrip()
        if not stripped:
            continue
        first = stripped[0]
        if first == "#":
            if stripped.startswith("#~"):
                body = stripped[2:]
                if body.startswith("|"):
                    parser.previous(body[1:], lineno)
                    parser.last = lineno
                    continue
                body = body.strip()
                if not body:
                    continue
                if body.startswith('"'):
                    parser.continuation(body, lineno)
                else:
                    parser.keyword(body, lineno, obsolete=True)
            elif stripped.startswith("#|"):
                parser.previous(stripped[2:], lineno)
            else:
                parser.comment(stripped, lineno)
        elif first == '"':
            current = parser.current
            if (current in parser.fields and stripped.endswith('"') and stripped.count('"') == 2
                    and "\\" not in stripped):
                parser.fields[current] += stripped[1:-1]  # the usual continuation line
            else:
                parser.continuation(stripped, lineno)
        else:
            parser.keyword(stripped, lineno, obsolete=False)
        parser.last = lineno
    if parser.started or parser.fields:
        parser.finish_entry(lineno or 1)
    return parser.entries


def read_catalog(path: Path) -> Catalog:
    """Read a PO/POT file in whatever charset it declares."""
    return load_catalog(path)[1]


def load_catalog(path: Path) -> tuple[bytes, Catalog]:
    """The file's bytes and the catalog read from them."""
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        raise CatalogError("file not found", path) from None
    except IsADirectoryError:
        raise CatalogError("is a folder, not a PO file", path) from None
    text, charset = decode(raw, path)
    return raw, Catalog(entries=parse(text, path), charset=charset, path=Path(path))


# ---------------------------------------------------------------------------- writing


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


def _directive_mask(value: str, flags: list[str], encoding: bytes = b"UTF-8") -> bytes | None:
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
        result = ctypes.create_string_buffer(n)
        _library().handbill_linebreaks(data, n, width, startcol, 0, bytes(over), encoding,
                                       result)
        positions = [m.start() for m in _POSSIBLE_RE.finditer(result.raw)]
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


def _wrap(out: list[str], prefix: str, name: str, value: str, width: int | None,
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


def _references(out: list[str], refs: list[str], width: int) -> None:
    if not refs:
        return
    line, column = "#:", 2
    page = width if width else 79  # gettext wraps references even with --no-wrap
    for ref in refs:
        length = len(ref) + 1
        if column > 2 and column + length > page:
            out.append(line + "\n")
            line, column = "#:", 2
        line += " " + ref
        column += length
    out.append(line + "\n")


def _comment_lines(out: list[str], mark: str, items: list[str], split: bool) -> None:
    for item in items:
        for part in item.split("\n") if split else [item]:
            out.append(f"{mark} {part}\n" if part else f"{mark}\n")


def format_entry(entry: Entry, width: int = 79, encoding: bytes = b"UTF-8") -> str:
    """One entry in msgcat's layout, without the blank line that separates entries."""
    if 0 < width < 20:
        width = 20  # msgcat's narrowest page (write-po.c, message_page_width_set)
    out: list[str] = []
    obsolete = entry.obsolete
    _comment_lines(out, "#", entry.comments, split=True)
    _comment_lines(out, "#.", entry.extracted, split=False)
    _references(out, entry.references, width)
    flags = written_flags(entry)
    if flags:
        out.append("#, " + ", ".join(flags) + "\n")
    # msgcat honours no-wrap on obsolete entries too (po4a writes it there).
    wrap_width = 0 if "no-wrap" in flags else width
    # gettext lays out every string of a message (context and previous ones too) with the
    # message's format flags.
    prev_prefix = "#~| " if obsolete else "#| "
    for name, value in (("msgctxt", entry.previous_msgctxt), ("msgid", entry.previous_msgid),
                        ("msgid_plural", entry.previous_msgid_plural)):
        if value is not None:
            _wrap(out, prev_prefix, name, value, wrap_width, encoding,
                  _directive_mask(value, flags, encoding))
    prefix = "#~ " if obsolete else ""

    def field(name: str, value: str) -> None:
        _wrap(out, prefix, name, value, wrap_width, encoding,
              _directive_mask(value, flags, encoding))

    if entry.msgctxt is not None:
        field("msgctxt", entry.msgctxt)
    field("msgid", entry.msgid)
    if entry.msgid_plural is not None:
        field("msgid_plural", entry.msgid_plural)
        for i, form in enumerate(entry.msgstr_plural or [""]):
            field(f"msgstr[{i}]", form)
    else:
        field("msgstr", entry.msgstr)
    return "".join(out)


def written_entries(catalog: Catalog) -> list[Entry]:
    """The entries a file holds, in its order: active ones, then obsolete ones with a
    translation (msgcat and msgmerge drop an obsolete entry that carries none)."""
    active = [e for e in catalog.entries if not e.obsolete]
    return active + [e for e in catalog.entries
                     if e.obsolete and e.strings and e.strings[0]]


def entry_text(entry: Entry, width: int = 79, encoding: bytes = b"UTF-8",
               keep_layout: bool = True) -> str:
    """The entry's text: as the file had it while its content is unchanged (keep_layout),
    else in msgcat's layout."""
    origin = entry.origin
    if keep_layout and origin is not None and same_content(entry, origin.state):
        return origin.text
    return format_entry(entry, width, encoding)


def format_catalog(catalog: Catalog, width: int = 79, keep_layout: bool = True) -> str:
    """The whole file: active entries in order, then obsolete ones, one blank line between.

    Entries are in msgcat's layout, except that with keep_layout an entry whose content is
    what was read keeps the file's own text (`handbill normalize` passes keep_layout=False).
    """
    encoding = catalog.charset.upper().encode("ascii")
    return "\n".join(entry_text(e, width, encoding, keep_layout)
                     for e in written_entries(catalog))


def dump_catalog(catalog: Catalog, width: int = 79, keep_layout: bool = True) -> bytes:
    """The file's bytes in its declared charset (see format_catalog)."""
    text = format_catalog(catalog, width, keep_layout)
    codec = python_codec(catalog.charset, catalog.path)
    try:
        return text.encode(codec)
    except UnicodeEncodeError as exc:
        raise CatalogError(
            f"{text[exc.start:exc.end]!r} cannot be written in {catalog.charset}, the charset the "
            "header declares; convert the catalog to UTF-8 (`handbill normalize` keeps the "
            "charset; `msgconv -t UTF-8` changes it)", catalog.path) from None
