"""Fuzzy matching of changed source strings, computed once for every language.

msgmerge compares each new msgid with every old one in every catalog (its fstrcmp, a
diff-based similarity, threshold 0.6). The old and new source texts are the same for every
language of a campaign, so FuzzyMatcher scores each (new, old) pair once and each catalog then
takes the best-ranked candidate it holds a translation for.
"""

from __future__ import annotations

from difflib import SequenceMatcher

# msgmerge's FUZZY_THRESHOLD.
THRESHOLD = 0.6


def similarity(a: str, b: str) -> float:
    """2*matches/(len(a)+len(b)), the measure gettext's fstrcmp approximates."""
    if not a and not b:
        return 1.0
    return SequenceMatcher(None, a, b, autojunk=False).ratio()


def _lcs_length(a: str, b: str) -> int:
    """Length of the longest common subsequence (bit-parallel, Hyyrö 2004)."""
    masks: dict[str, int] = {}
    for i, ch in enumerate(b):
        masks[ch] = masks.get(ch, 0) | (1 << i)
    full = (1 << len(b)) - 1
    row = full
    for ch in a:
        mask = masks.get(ch)
        if mask:
            low = row & mask
            row = ((row + low) | (row - low)) & full
    return len(b) - row.bit_count()


class FuzzyMatcher:
    """Ranks old msgids by similarity to a new msgid; each pair is scored once."""

    def __init__(self, threshold: float = THRESHOLD):
        self.threshold = threshold
        # new msgid -> {old msgid: score, or None when below the threshold}
        self._scores: dict[str, dict[str, float | None]] = {}

    def ranked(self, msgid: str, pool: frozenset[str]) -> list[tuple[float, str]]:
        """Old msgids of `pool` scoring at least the threshold, best first."""
        scores = self._scores.get(msgid)
        if scores is None:
            scores = self._scores[msgid] = {}
        matcher = None
        results = []
        for old in pool:
            try:
                score = scores[old]
            except KeyError:
                if matcher is None:
                    matcher = SequenceMatcher(None, autojunk=False)
                    matcher.set_seq2(msgid)
                score = scores[old] = self._score(matcher, msgid, old)
            if score is not None:
                results.append((score, old))
        results.sort(key=lambda item: (-item[0], item[1]))
        return results

    def _score(self, matcher: SequenceMatcher, msgid: str, old: str) -> float | None:
        """difflib's ratio of (old, msgid), or None when it is surely below the threshold."""
        la, lb = len(msgid), len(old)
        total = la + lb
        # Upper bound from lengths alone: 2*min/total.
        if total == 0 or 2 * min(la, lb) / total < self.threshold:
            return None
        matcher.set_seq1(old)
        if matcher.real_quick_ratio() < self.threshold or matcher.quick_ratio() < self.threshold:
            return None
        # difflib's matching blocks form a common subsequence, so 2*LCS/total bounds its ratio
        # from above; it is much cheaper than the ratio and rules out most unrelated texts.
        if 2 * _lcs_length(old, msgid) / total < self.threshold:
            return None
        score = matcher.ratio()
        return score if score >= self.threshold else None
