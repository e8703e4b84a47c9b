"""Drafting under threads: the fuzzy matcher shared by the memory engine's threads gives every
thread the same answer as a matcher used alone, and `draft --engine memory` drafts the same
set on every run whatever the concurrency (issue #15.4)."""

from __future__ import annotations

import random
import sys
import threading

from conftest import Cli, write_demo
from pipeline.fuzzy import FuzzyMatcher
from pipeline.catalogs.pofile import read_catalog
from test_drafting import write_po

WORDS = ("people movement street embassy letter truth justice freedom press voice solidarity "
         "protest worker union city march rally").split()


def sentences(seed: int, count: int) -> list[str]:
    rnd = random.Random(seed)
    return [" ".join(rnd.choice(WORDS) for _ in range(12)) for _ in range(count)]


def test_a_shared_matcher_answers_every_thread_like_a_matcher_alone():
    old = sentences(1, 1500)
    new = [s[:-6] + " today" for s in sentences(1, 1500)[:40]]  # close to their old text
    pools = [frozenset(old[i::3]) for i in range(3)]  # three languages, three pools
    alone = FuzzyMatcher(0.75)
    expected = {(m, i): alone.ranked(m, p) for m in new for i, p in enumerate(pools)}
    assert all(expected[(m, 0)] or expected[(m, 1)] or expected[(m, 2)] for m in new)
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)  # switch threads often, so a race shows up in a few rounds
    try:
        rounds(new, pools, expected)
    finally:
        sys.setswitchinterval(interval)


def rounds(new: list[str], pools: list[frozenset], expected: dict) -> None:
    for _ in range(12):  # bounded: 12 rounds of 6 threads, well under a second each
        shared = FuzzyMatcher(0.75)
        start = threading.Barrier(6)
        wrong: list = []

        def work(worker: int) -> None:
            start.wait()
            for msgid in new:
                index = (worker + len(msgid)) % 3
                got = shared.ranked(msgid, pools[index])
                if got != expected[(msgid, index)]:
                    wrong.append((msgid, index, got))

        threads = [threading.Thread(target=work, args=(w,)) for w in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        assert not wrong, f"{len(wrong)} answers differ from a matcher used alone: {wrong[:2]}"


def test_memory_drafts_the_same_set_on_every_run_whatever_the_concurrency(tmp_path):
    root = write_demo(tmp_path / "p", languages=("es", "fr", "de", "it"))
    reviewed = sentences(7, 300)
    for lang in ("es", "fr", "de", "it"):
        folder = root / "locales" / lang / "LC_MESSAGES"
        write_po(folder / "ui.po", lang, [(text, "reviewed") for text in reviewed])
    wanted = [s[:-4] + "now" for s in reviewed[:60]]
    for lang in ("es", "fr", "de", "it"):
        write_po(root / "locales" / lang / "LC_MESSAGES" / "demo.po", lang,
                 [(text, "untranslated") for text in wanted])
    (root / "handbill.toml").write_text('[project]\nlanguages = ["es", "fr", "de", "it"]\n'
                                        '[draft]\nengine = "memory"\nsimilarity = 0.8\n'
                                        'concurrency = 8\n')
    before = {lang: (root / "locales" / lang / "LC_MESSAGES" / "demo.po").read_bytes()
              for lang in ("es", "fr", "de", "it")}
    results = []
    for _ in range(3):
        for lang, data in before.items():
            (root / "locales" / lang / "LC_MESSAGES" / "demo.po").write_bytes(data)
        Cli(root)("draft", "--campaign", "demo")
        results.append({lang: sorted(e.msgid for e in read_catalog(
            root / "locales" / lang / "LC_MESSAGES" / "demo.po").messages if e.msgstr)
            for lang in before})
    assert all(len(drafted) == len(wanted) for drafted in results[0].values())
    assert results[0] == results[1] == results[2]
