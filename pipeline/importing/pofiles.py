"""A PO file from another tool (po4a, Weblate, Pontoon, Babel) -> candidate translations.

An entry fills the message with the same msgid (and msgctxt, when it has one). Other tools
lay text out differently, so msgids are compared with their whitespace collapsed and po4a's
block markup taken off (po4a keeps a quote's `> ` and a final newline in its msgids, and writes
the msgstr the same way). Messages no entry matches take the closest msgid by gettext's own
measure (the one `update` uses, pipeline.fuzzy), as a fuzzy translation with that msgid as the
previous one (`#| msgid`), as msgmerge does.
"""

from __future__ import annotations

import re
from pathlib import Path

from pipeline.errors import HandbillError
from pipeline.fuzzy import FuzzyMatcher
from pipeline.importing.result import Candidate, FileResult, Problem
from pipeline.sources.leaflet import join_lines
from pipeline.model import Message
from pipeline.catalogs.pofile import read_catalog

_QUOTE_MARK_RE = re.compile(r"^[ \t]{0,3}(?:>[ \t]?)+", re.M)


def normalize(text: str) -> str:
    """A text as handbill writes a message: quote markers off, lines joined (hard breaks
    kept), surrounding whitespace off."""
    lines = text.rstrip("\n").split("\n")
    if len(lines) > 1 or text.lstrip().startswith(">"):
        if all(_QUOTE_MARK_RE.match(line) or not line.strip() for line in lines):
            lines = [_QUOTE_MARK_RE.sub("", line) for line in lines]
    return join_lines("\n".join(lines))


def _loose(text: str) -> str:
    return " ".join(normalize(text).split())


def read_po(messages: tuple[Message, ...], path: Path, result: FileResult) -> None:
    """Candidates from a foreign catalog: exact, then whitespace-normalised, then close."""
    try:
        catalog = read_catalog(path)
    except HandbillError as exc:
        result.error = str(exc).removeprefix(f"{path}:").strip()
        return
    ours: dict[str, list[Message]] = {}
    for message in messages:
        ours.setdefault(_loose(message.msgid), []).append(message)
    matched: set[tuple[str | None, str]] = set()
    foreign = [e for e in catalog.messages if not e.obsolete and e.msgstr and e.msgid_plural is None]
    for entry in foreign:
        found = [m for m in ours.get(_loose(entry.msgid), [])
                 if entry.msgctxt is None or m.context == entry.msgctxt]
        if not found:
            continue
        for message in found:
            matched.add(message.key)
            how = "exact" if message.msgid == entry.msgid else "exact (layout differs)"
            result.candidates.append(Candidate(message.key, normalize(entry.msgstr), entry.line,
                                               how, fuzzy=entry.fuzzy))
    used = {c.line for c in result.candidates}
    rest = [e for e in foreign if e.line not in used]
    _close(messages, matched, rest, result)
    used = {c.line for c in result.candidates}
    for entry in foreign:
        if entry.line not in used:
            result.problems.append(Problem("unknown", "no message of the campaign is like this "
                                           "msgid; not used", entry.line))


def _close(messages, matched: set, rest, result: FileResult) -> None:
    """Unmatched messages take the most similar unused foreign msgid (>= gettext's 0.6), the
    best-scoring pairs first, so a message never takes a msgid that suits another better."""
    if not rest:
        return
    matcher = FuzzyMatcher()
    by_text: dict[str, list] = {}
    for entry in rest:
        by_text.setdefault(_loose(entry.msgid), []).append(entry)
    pool = matcher.pool(by_text)
    pairs = []
    for order, message in enumerate(messages):
        if message.key not in matched:
            pairs += [(-score, order, text, message)
                      for score, text in matcher.ranked(_loose(message.msgid), pool)]
    taken_texts: set[str] = set()
    taken_keys: set = set()
    for _score, _order, text, message in sorted(pairs, key=lambda p: p[:3]):
        if text in taken_texts or message.key in taken_keys:
            continue
        taken_texts.add(text)
        taken_keys.add(message.key)
        entry = by_text[text][0]
        result.candidates.append(Candidate(
            message.key, normalize(entry.msgstr), entry.line, "close match", fuzzy=True,
            previous=entry.msgid, previous_context=entry.msgctxt))
