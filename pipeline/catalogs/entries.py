"""The catalog model: a PO file's entries, in memory, and what each held when it was read."""

from __future__ import annotations

import codecs
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.errors import CatalogError

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
