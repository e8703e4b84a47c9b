"""Writing catalogs: each entry in msgcat's layout, or as the file had it while unchanged."""

from __future__ import annotations

from pipeline.catalogs.directives import directive_mask
from pipeline.catalogs.entries import Catalog, Entry, python_codec, same_content
from pipeline.catalogs.flags import written_flags
from pipeline.catalogs.wrapping import wrap
from pipeline.errors import CatalogError


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
            wrap(out, prev_prefix, name, value, wrap_width, encoding,
                  directive_mask(value, flags, encoding))
    prefix = "#~ " if obsolete else ""

    def field(name: str, value: str) -> None:
        wrap(out, prefix, name, value, wrap_width, encoding,
              directive_mask(value, flags, encoding))

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
