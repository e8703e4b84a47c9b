"""Fuzzy matching of changed source strings, computed once for every language.

msgmerge compares each new msgid with old ones (its fstrcmp: the length of the longest common
subsequence, as 2*LCS/(len(a)+len(b)), threshold 0.6). The old and new source texts are the
same for every language of a campaign, so FuzzyMatcher scores each (new, old) pair once and
each catalog then takes the best-ranked candidate it holds a translation for.

The score is fstrcmp's own measure, computed by rapidfuzz (`Indel.normalized_similarity` is
1 - (insertions + deletions)/(len(a)+len(b)) = 2*LCS/(len(a)+len(b)), bit-parallel in C++ with
an early exit below the cutoff). Random-looking prose in one vocabulary defeats every cheap
filter at a threshold as low as 0.6 (the letters and lengths of two unrelated paragraphs are
alike), so the pairs must really be compared: with difflib and a Python LCS a catalog of 6,000
messages took 134 s of CPU to update, with rapidfuzz a few seconds.
"""

from __future__ import annotations

import threading
from typing import Iterable

# msgmerge's FUZZY_THRESHOLD.
THRESHOLD = 0.6


def similarity(a: str, b: str) -> float:
    """2*LCS/(len(a)+len(b)), the measure of gettext's fstrcmp."""
    from rapidfuzz.distance import Indel

    if not a and not b:
        return 1.0
    return Indel.normalized_similarity(a, b)


class FuzzyMatcher:
    """Ranks old msgids by similarity to a new msgid; each pair is scored once. Thread-safe:
    the drafting threads of the memory engine share one matcher."""

    def __init__(self, threshold: float = THRESHOLD):
        self.threshold = threshold
        # new msgid -> {old msgid: score} for the old msgids at or above the threshold
        self._good: dict[str, dict[str, float]] = {}
        # new msgid -> the pools whose scores are in _good (a few at most: see ranked())
        self._done: dict[str, list[frozenset[str]]] = {}
        # one string object per old msgid text, shared by every catalog's pool (see pool())
        self._texts: dict[str, str] = {}
        # Guards the three tables. A pool is marked done only together with its scores, under
        # the lock: marking it first (as before) let another thread read the scores while they
        # were still being computed, and a draft found no match where a second run found one.
        self._lock = threading.Lock()

    def pool(self, texts: Iterable[str]) -> frozenset[str]:
        """One catalog's old msgids as a pool for ranked(). Equal texts of different catalogs
        become one string object, so the pools this matcher remembers cost their tables only
        (each catalog's own copies of the texts cost a worker 80 MB at the large scale)."""
        with self._lock:
            canonical = self._texts
            return frozenset(canonical.setdefault(text, text) for text in texts)

    def ranked(self, msgid: str, pool: frozenset[str]) -> list[tuple[float, str]]:
        """Old msgids of `pool` scoring at least the threshold, best first."""
        with self._lock:
            done = self._done.get(msgid, [])
            todo = None if any(pool is seen for seen in done) else (
                pool.difference(*done) if done else pool)
        if todo is not None:
            # Scored outside the lock, so threads matching other msgids are not held up; two
            # threads scoring the same pool at once only do the work twice.
            scores = self._score(msgid, todo)
            with self._lock:
                self._good.setdefault(msgid, {}).update(scores)
                done = self._done.setdefault(msgid, [])
                done.append(pool)
                if len(done) > 8:  # one pool per language: fold them, so the check stays cheap
                    done[:] = [frozenset().union(*done)]
        with self._lock:
            good = self._good.get(msgid, {})
            results = [(score, old) for old, score in good.items() if old in pool]
        results.sort(key=lambda item: (-item[0], item[1]))
        return results

    def _score(self, msgid: str, todo: frozenset[str]) -> dict[str, float]:
        if todo and msgid:
            # Imported here: `extract` and `build` load this module but rarely match.
            from rapidfuzz import process
            from rapidfuzz.distance import Indel

            return {old: score for old, score, _ in process.extract(
                msgid, list(todo), scorer=Indel.normalized_similarity,
                score_cutoff=self.threshold, limit=None)}
        return {"": 1.0} if "" in todo else {}
