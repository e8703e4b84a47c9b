"""Align a translated page's blocks with the source's, by structure first, like po4a-gettextize.

Text cannot be compared across languages, so each block is described by what a translation
keeps: its kind and place in the tree (a heading 2 inside a quote, the second item of a nested
list), and its invariants — placeholders, template tokens, link targets, numbers (any script's
digits), hashtags — and its length relative to the whole page's length ratio (Gale and Church's
observation, which holds for CJK too once the global ratio is measured). A small dynamic
programme over the two block sequences then finds the best alignment, allowing a block to be
skipped on either side, one source block translated as two (a split paragraph), or two as one
(merged). Only 1:1 pairs of the same kind fill messages; everything else is reported.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass, field

from pipeline import placeholders, shortcodes

_URL_RE = re.compile(r"\]\(\s*<?([^)\s>]+)|<(https?://[^>]+)>|(https?://[^\s)\]>]+)")
_HASHTAG_RE = re.compile(r"(?<![\w&/#])#\w+")
_NUMBER_RE = re.compile(r"\d+(?:[.,\u066b\u066c]\d+)*")
_MARKUP_RE = re.compile(r"!?\[|\]\([^)]*\)|\][\[(][^\])]*[\])]|[*_`>#]+")

GAP = -1.6  # a block with no counterpart
SPLIT = -1.5  # one block translated as two (or two as one), on top of the pair's own score
ACCEPT = 0.5  # a 1:1 pair scoring less is not trusted to fill a message


@dataclass(frozen=True)
class Unit:
    """A block to align: its structural signature and what a translation keeps of it."""

    sig: tuple  # (kind, heading level, place in the tree)
    text: str
    line: int
    invariants: tuple[frozenset, ...] = ()
    length: int = 0
    payload: object = None  # the caller's (a message key, a parsed block…)


def unit(sig: tuple, text: str, line: int, payload: object = None) -> Unit:
    """A Unit with its invariants measured from `text`."""
    return Unit(sig, text, line, _invariants(text), _length(text), payload)


def _digits(text: str) -> str:
    return "".join(str(unicodedata.digit(c)) if unicodedata.digit(c, None) is not None
                   and not c.isascii() else c for c in text)


def _invariants(text: str) -> tuple[frozenset, ...]:
    try:
        fields = frozenset(f.key.split(":")[0] for f in placeholders.fields(text))
    except placeholders.PlaceholderError:
        fields = frozenset()
    urls = frozenset(next(g for g in m.groups() if g) for m in _URL_RE.finditer(text))
    numbers = frozenset(re.sub(r"[.,\u066b\u066c]", "", n)
                        for n in _NUMBER_RE.findall(_digits(shortcodes.blank(text))))
    tags = frozenset(t.lower() for t in _HASHTAG_RE.findall(re.sub(r"https?://\S+", " ", text)))
    return (fields, frozenset(shortcodes.find(text)), urls, numbers, tags)


def _length(text: str) -> int:
    """Characters a reader sees; a CJK character weighs two (it carries about a word)."""
    bare = _MARKUP_RE.sub("", shortcodes.blank(text))
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in bare if not c.isspace())


def _joined(a: Unit, b: Unit) -> Unit:
    return Unit(a.sig, a.text + " " + b.text, a.line,
                tuple(x | y for x, y in zip(a.invariants, b.invariants)), a.length + b.length,
                a.payload)


def _structure(s: Unit, t: Unit) -> float:
    if s.sig == t.sig:
        return 3.0
    if s.sig[0] == t.sig[0] and s.sig[2] == t.sig[2]:
        return 1.0  # a heading one level off
    if s.sig[0] == t.sig[0]:
        return 0.0
    return -3.0


def score(s: Unit, t: Unit, ratio: float) -> float:
    """How well `t` looks like the translation of `s` (higher is better)."""
    value = _structure(s, t)
    for want, got in zip(s.invariants, t.invariants):
        if want or got:
            value += 2.0 * len(want & got) / len(want | got) - 1.0
    expected = s.length * ratio
    value -= 1.5 * abs(math.log((t.length + 8) / (expected + 8)))
    return value


@dataclass
class Alignment:
    pairs: list[tuple[Unit, Unit, float]] = field(default_factory=list)  # accepted 1:1 pairs
    splits: list[tuple[Unit, Unit, Unit]] = field(default_factory=list)  # source, two targets
    merges: list[tuple[Unit, Unit, Unit]] = field(default_factory=list)  # two sources, target
    doubtful: list[tuple[Unit, Unit, float]] = field(default_factory=list)  # paired, not trusted
    source_only: list[Unit] = field(default_factory=list)
    target_only: list[Unit] = field(default_factory=list)

    def coverage(self, total: int) -> float:
        return len(self.pairs) / total if total else 1.0


def align(source: list[Unit], target: list[Unit]) -> Alignment:
    """The best alignment of two block sequences (dynamic programming, O(len*len))."""
    n, m = len(source), len(target)
    ratio = (sum(u.length for u in target) + 1) / (sum(u.length for u in source) + 1)
    best = [[-math.inf] * (m + 1) for _ in range(n + 1)]
    step: list[list[tuple | None]] = [[None] * (m + 1) for _ in range(n + 1)]
    best[0][0] = 0.0
    for i in range(n + 1):
        for j in range(m + 1):
            here = best[i][j]
            if here == -math.inf:
                continue
            moves = []
            if i < n and j < m:
                moves.append((i + 1, j + 1, "pair", score(source[i], target[j], ratio)))
            if i < n:
                moves.append((i + 1, j, "source", GAP))
            if j < m:
                moves.append((i, j + 1, "target", GAP))
            if i < n and j + 1 < m and target[j].sig == target[j + 1].sig == source[i].sig:
                joined = _joined(target[j], target[j + 1])
                moves.append((i + 1, j + 2, "split", score(source[i], joined, ratio) + SPLIT))
            if i + 1 < n and j < m and source[i].sig == source[i + 1].sig == target[j].sig:
                joined = _joined(source[i], source[i + 1])
                moves.append((i + 2, j + 1, "merge", score(joined, target[j], ratio) + SPLIT))
            for ni, nj, kind, gain in moves:
                if here + gain > best[ni][nj]:
                    best[ni][nj] = here + gain
                    step[ni][nj] = (i, j, kind, gain)
    return _trace(source, target, step, n, m)


def _trace(source, target, step, n: int, m: int) -> Alignment:
    result = Alignment()
    i, j = n, m
    while (i, j) != (0, 0):
        pi, pj, kind, gain = step[i][j]
        if kind == "pair":
            s, t = source[pi], target[pj]
            if s.sig[0] == t.sig[0] and gain >= ACCEPT:
                result.pairs.append((s, t, gain))
            else:
                result.doubtful.append((s, t, gain))
        elif kind == "source":
            result.source_only.append(source[pi])
        elif kind == "target":
            result.target_only.append(target[pj])
        elif kind == "split":
            result.splits.append((source[pi], target[pj], target[pj + 1]))
        else:
            result.merges.append((source[pi], source[pi + 1], target[pj]))
        i, j = pi, pj
    for items in (result.pairs, result.splits, result.merges, result.doubtful,
                  result.source_only, result.target_only):
        items.reverse()
    return result

