"""Reading and writing PO files: exact line-numbered errors, any charset, msgcat's layout.

Why not polib or Babel here: polib reports syntax errors as an IOError without the entry and
neither library writes gettext's wrapping, so a file that passed through them churns in every
editor's diff. Babel's write_po(include_previous=True) writes invalid `#|` lines for long msgids
and its read_po drops them. This module reads everything GNU gettext reads (previous msgids,
obsolete entries, plural forms, any declared charset); powrite.py writes what `msgcat` writes
(wrapping.py, directives.py and flags.py hold gettext 0.21's rules), with two deliberate
differences: flags msgcat does not know (Weblate's `max-length:80`, `ignore-*`) are kept, and
an entry whose content did not change keeps the file's own text (entries.Origin).
"""

from __future__ import annotations

import codecs
import re
from pathlib import Path

from pipeline.catalogs.entries import Catalog, Entry, Origin, content, python_codec
from pipeline.catalogs.poscan import KEYWORD_RE, Unusual, add_comment, scan, strings
from pipeline.catalogs.powrite import (  # noqa: F401  (the reader and writer, in one place)
    dump_catalog, entry_text, format_catalog, format_entry, written_entries,
)
from pipeline.errors import CatalogError

__all__ = ["Catalog", "Entry", "decode", "dump_catalog", "entry_text", "format_catalog",
           "format_entry", "load_catalog", "parse", "python_codec", "read_catalog",
           "written_entries"]

_CHARSET_RE = re.compile(rb"charset=([A-Za-z0-9_.:+-]+)")


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
        match = KEYWORD_RE.match(text)
        if not match:
            raise self.error(f"syntax error: unexpected {text[:40]!r}; expected msgid, msgstr, "
                             "msgctxt, a quoted string or a # comment", lineno)
        word, index = match.group(1), match.group(2)
        value = strings(text[match.end():], self.path, lineno)
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
        value = strings(text, self.path, lineno)
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
            self.prev[self.prev_current] += strings(text, self.path, lineno)
            return
        match = KEYWORD_RE.match(text)
        if not match or match.group(1) not in ("msgctxt", "msgid", "msgid_plural"):
            raise self.error(f"syntax error in a '#|' previous-msgid comment: {text[:40]!r}",
                             lineno)
        if self.has_msgstr:
            self.finish_entry(lineno)
        self.start(lineno)
        self.prev_current = match.group(1)
        self.prev[self.prev_current] = strings(text[match.end():], self.path, lineno)

    def comment(self, line: str, lineno: int) -> None:
        if self.has_msgstr:
            self.finish_entry(lineno)
        self.start(lineno)
        add_comment(self, line)


def parse(text: str, path: object = None) -> list[Entry]:
    """Parse the decoded text of a PO file into entries, or raise CatalogError(path, line)."""
    if "\r\n" in text:
        text = text.replace("\r\n", "\n")
    lines = text.split("\n")
    if "\r" in text:
        # Each entry remembers its lines, unless a stray CR would end up inside them.
        return _parse_lines(_Parser(path, None), lines, 0)
    parser = _Parser(path, lines)
    try:
        # Entries of the usual shape first (poscan), then this parser from where they end.
        parser.entries, parser.seen, resume = scan(text, lines)
    except (Unusual, CatalogError):
        parser.entries, parser.seen, resume = [], {}, 0
    return _parse_lines(parser, lines, resume) if resume < len(lines) else parser.entries


def _parse_lines(parser: _Parser, lines: list[str], resume: int) -> list[Entry]:
    """Feed lines[resume:] to the line parser; the entries read so far and after."""
    lineno = 0
    for lineno, raw in enumerate(lines[resume:], resume + 1):
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


def read_catalog(path: Path, project: Path | None = None) -> Catalog:
    """Read a PO/POT file in whatever charset it declares (see load_catalog for `project`)."""
    return load_catalog(path, project)[1]


def load_catalog(path: Path, project: Path | None = None) -> tuple[bytes, Catalog]:
    """The file's bytes and the catalog read from them.

    Only a regular file is read (a FIFO or a device is a CatalogError); with `project`, the
    file must also lie in the project's locales/ folder, not be a symlink out of it."""
    from pipeline import files

    if project is not None:
        raw = files.read_inside(Path(path), project, "locales", str(path), CatalogError)
    else:
        raw = files.read_regular(Path(path), str(path), CatalogError)
    return raw, catalog_from_bytes(raw, path)


def catalog_from_bytes(raw: bytes, path: Path) -> Catalog:
    """The catalog held by `raw`, the bytes of the file at `path` (named in errors)."""
    text, charset = decode(raw, path)
    return Catalog(entries=parse(text, path), charset=charset, path=Path(path))
