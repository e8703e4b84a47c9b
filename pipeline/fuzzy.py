"""Fuzzy matching of changed source strings, computed once for every language.

msgmerge compares each new msgid with every old one in every catalog (its fstrcmp, a
diff-based similarity, threshold 0.6). The old and new source texts are the same for every
language of a campaign, so FuzzyMatcher ranks the candidates for a new msgid once and each
catalog then takes the best-ranked candidate it holds a translation for.
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


class FuzzyMatcher:
    """Ranks old msgids by similarity to a new msgid; results are cached per new msgid."""

    def __init__(self, threshold: float = THRESHOLD):
        self.threshold = threshold
        self._ranked: dict[tuple[str, frozenset], list[tuple[float, str]]] = {}
        self._by_length: dict[frozenset, list[str]] = {}

    def ranked(self, msgid: str, pool: frozenset[str]) -> list[tuple[float, str]]:
        """Old msgids of `pool` scoring at least the threshold, best first."""
        key = (msgid, pool)
        cached = self._ranked.get(key)
        if cached is not None:
            return cached
        results = []
        la = len(msgid)
        matcher = SequenceMatcher(None, autojunk=False)
        matcher.set_seq2(msgid)
        for old in pool:
            lb = len(old)
            total = la + lb
            # Upper bound from lengths alone: 2*min/total.
            if total == 0 or 2 * min(la, lb) / total < self.threshold:
                continue
            matcher.set_seq1(old)
            if matcher.real_quick_ratio() < self.threshold or matcher.quick_ratio() < self.threshold:
                continue
            score = matcher.ratio()
            if score >= self.threshold:
                results.append((score, old))
        results.sort(key=lambda item: (-item[0], item[1]))
        self._ranked[key] = results
        return results
