"""Why a catalog would change: the first message a rewrite touches, and the reason.

`update --check` and `normalize --check` name the file, the line and why, so a CI failure
after a Weblate save says what to do: "template changed" means run `handbill update`,
"layout" means the file is not in gettext's layout (or handbill's rules for it changed).
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass

from pipeline.catalogs.entries import Catalog, Entry, content
from pipeline.catalogs.flags import written_flags
from pipeline.catalogs.powrite import entry_text, written_entries

TEMPLATE = "template changed"
LAYOUT = "layout"

# Positions in pofile.content(): what changed, in the order a reader cares about.
_FIELDS = [
    (12, "obsolete"), (3, "msgid_plural"), (8, "flags"), (6, "extracted"), (7, "references"),
    (1, "msgstr"), (4, "msgstr_plural"), (5, "comments"), (9, "previous"), (10, "previous"),
    (11, "previous"), (0, "msgid"), (2, "msgctxt"),
]


@dataclass(frozen=True)
class Change:
    """The first place a file would change: its line in the file as it is, and why."""

    line: int
    reason: str
    # A consequence of other changes (a template's new creation date): named only alone.
    incidental: bool = False

    def __str__(self) -> str:
        return f"{self.line}: would change: {self.reason}"


def first_change(raw: bytes, old: Catalog, new: Catalog, width: int,
                 keep_layout: bool = True) -> Change | None:
    """Where and why writing `new` over the file `raw` (read as `old`) would change it.

    Entries of `new` carry the Origin of the entry they came from (pofile.Entry.origin).
    None when nothing would change.
    """
    found: list[Change] = []
    if raw.startswith(codecs.BOM_UTF8):
        found.append(Change(1, f"the byte order mark is dropped ({LAYOUT})"))
    if b"\r\n" in raw:
        found.append(Change(1, f"CRLF line ends become LF ({LAYOUT})"))
    olds = [e for e in old.entries if e.origin is not None]
    index = {id(e.origin): i for i, e in enumerate(olds)}
    encoding = new.charset.upper().encode("ascii")
    used: set[int] = set()
    previous = -1
    for entry in written_entries(new):
        i = index.get(id(entry.origin)) if entry.origin is not None else None
        if i is None:
            where = olds[previous + 1].origin.start if previous + 1 < len(olds) else _end(olds)
            found.append(Change(where, _new_message(entry)))
            continue
        used.add(i)
        before = olds[i]
        if i < previous:
            found.append(Change(before.origin.start,
                                f"moves after the messages in use, as msgcat orders ({LAYOUT})"))
        previous = max(previous, i)
        text = entry_text(entry, width, encoding, keep_layout)
        if text != before.origin.text:
            found.append(_explain(before, entry, text))
    for i, entry in enumerate(olds):
        if i not in used:
            found.append(Change(entry.origin.start, "an obsolete entry without a translation is "
                                "dropped, as msgmerge and msgcat do"))
    if found:
        return min(found, key=lambda change: (change.incidental, change.line))
    return None


def between_entries(raw_text: str, new_text: str) -> Change | None:
    """The first differing line when the entries agree but the file does not (blank lines,
    comments that belong to no message)."""
    if raw_text == new_text:
        return None
    old_lines, new_lines = raw_text.split("\n"), new_text.split("\n")
    for k, (a, b) in enumerate(zip(old_lines, new_lines)):
        if a != b:
            return Change(k + 1, f"blank lines or comments between messages ({LAYOUT})")
    return Change(min(len(old_lines), len(new_lines)),
                  f"blank lines or comments at the end ({LAYOUT})")


def _end(olds: list[Entry]) -> int:
    return olds[-1].origin.end + 1 if olds else 1


def _new_message(entry: Entry) -> str:
    text = entry.msgid if len(entry.msgid) <= 40 else entry.msgid[:39] + "…"
    if entry.fuzzy and entry.previous_msgid is not None:
        return f"new message {text!r}, with the translation of a similar one as fuzzy ({TEMPLATE})"
    return f"new message {text!r} ({TEMPLATE})"


def _explain(before: Entry, after: Entry, text: str) -> Change:
    """Why `after` is written differently from what the file has for `before`."""
    origin = before.origin
    line = origin.start + _first_differing_line(origin.text, text)
    if after.is_header:
        reason = _header_reason(before, after, text)
        return Change(line, reason, incidental=reason.startswith("header field POT-Creation"))
    old, new = origin.state, content(after)
    for at, what in _FIELDS:
        if at == 8:
            if set(old[8]) != set(new[8]):
                return Change(line, _flags_reason(old[8], new[8]))
        elif old[at] != new[at]:
            return Change(line, _content_reason(what, old, new))
    return Change(line, _layout_reason(origin.text, text, after))


def _content_reason(what: str, old: tuple, new: tuple) -> str:
    if what == "obsolete":
        return (f"no longer in the template: becomes obsolete ({TEMPLATE})" if new[12] else
                f"back in the template: no longer obsolete ({TEMPLATE})")
    reasons = {
        "msgid_plural": f"the plural source text changed ({TEMPLATE})",
        "extracted": f"the extracted comment (#.) is regenerated ({TEMPLATE})",
        "references": f"the source references (#:) changed ({TEMPLATE})",
        "msgstr": "the translation changes form (singular/plural)",
        "msgstr_plural": "the plural translations are padded to the language's plural forms",
        "comments": "the translator comments change",
        "previous": "the previous source text (#|) is dropped, as the entry is not fuzzy",
    }
    return reasons.get(what, f"the {what} changes")


def _flags_reason(old: tuple, new: tuple) -> str:
    added = [f for f in new if f not in old]
    removed = [f for f in old if f not in new]
    if added == ["fuzzy"] and not removed:
        return f"marked fuzzy ({TEMPLATE})"
    parts = [f"+{f}" for f in added] + [f"-{f}" for f in removed]
    return f"flags change: {' '.join(parts)} ({TEMPLATE})"


def _header_reason(before: Entry, after: Entry, text: str) -> str:
    old = _fields(before.origin.state[1])
    new = _fields(after.msgstr)
    for name in list(new) + [n for n in old if n not in new]:
        if old.get(name) != new.get(name):
            verb = "is added" if name not in old else "is removed" if name not in new else "changes"
            cause = f" ({TEMPLATE})" if name == "POT-Creation-Date" else ""
            return f"header field {name} {verb}{cause}"
    if list(old) != list(new):
        return "header fields are reordered"
    return _layout_reason(before.origin.text, text, after)


def _fields(msgstr: str) -> dict[str, str]:
    fields = {}
    for line in msgstr.split("\n"):
        name, sep, value = line.partition(":")
        if sep and name.strip():
            fields[name.strip()] = value.strip()
    return fields


def _first_differing_line(a: str, b: str) -> int:
    for k, (x, y) in enumerate(zip(a.split("\n"), b.split("\n"))):
        if x != y:
            return k
    return 0


def _layout_reason(old_text: str, new_text: str, entry: Entry) -> str:
    """Same content, other text: name the kind of line that differs first."""
    for a, b in zip(old_text.split("\n"), new_text.split("\n")):
        if a == b:
            continue
        if a.startswith("#,") and b.startswith("#,"):
            old_flags = [f.strip() for f in a[2:].split(",") if f.strip()]
            written = written_flags(entry)
            if old_flags == written:
                return f"spacing of the flags ({LAYOUT})"
            if sorted(old_flags) == sorted(written):
                return f"flags reordered ({LAYOUT})"
            return f"flags written differently ({LAYOUT})"
        if a.startswith("#:") or b.startswith("#:"):
            return f"source references laid out again ({LAYOUT})"
        if a.startswith("#") and not a.startswith(("#~", "#|")):
            return f"comment spacing ({LAYOUT})"
        break
    if _strings(old_text) == _strings(new_text):
        return f"re-wrapped ({LAYOUT})"
    return f"escapes or keywords written differently ({LAYOUT})"


def _strings(text: str) -> list[str]:
    """Each keyword's quoted text joined across its lines, escapes as written."""
    out: list[str] = []
    for line in text.split("\n"):
        body = line.removeprefix("#~").removeprefix("#|").removeprefix("|").strip()
        if '"' not in body or body.startswith("#"):
            continue
        quoted = body[body.index('"'):]
        inner = quoted[1:-1] if quoted.endswith('"') else quoted[1:]
        if body.startswith('"') and out:
            out[-1] += inner
        else:
            out.append(inner)
    return out
