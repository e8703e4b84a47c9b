"""Byte-identity fuzz: random catalogs written by handbill must be what `msgcat` writes.

    .venv/bin/python benchmarks/msgcat_identity.py [--catalogs 300] [--seed 1] [--width 79]

Each round makes a random catalog (many scripts, long and short strings, escapes, inner
newlines, format directives, plurals, contexts, previous msgids, obsolete entries with their
flags, no-wrap, widths below msgcat's minimum of 20),
writes it with pipeline.catalogs.pofile.dump_catalog, runs GNU `msgcat` on the result and compares the
bytes. The only allowed difference is flags msgcat does not know (`max-length:N`, `ignore-*`),
which msgcat drops and handbill keeps. Exit 1 on the first mismatch, with a diff.
"""

from __future__ import annotations

import argparse
import difflib
import random
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from msgcat import drop_unknown_flags, msgcat_args  # noqa: E402
from pipeline.catalogs.pofile import Catalog, Entry, dump_catalog  # noqa: E402

# Pieces of text in many scripts, including wide (CJK), combining (Devanagari, Thai) and RTL.
SAMPLES = [
    "Free Assange now", "the quick brown fox jumps over the lazy dog",
    "¡Libertad para Julian Assange ya!", "Ação já: liberdade de imprensa",
    "Свободу Джулиану Ассанжу", "Ελευθερία στον Τζούλιαν Ασάνζ",
    "الحرية لجوليان أسانج الآن", "חופש לג'וליאן אסאנג'",
    "जूलियन असांजे को रिहा करो", "জুলিয়ান অ্যাসাঞ্জের মুক্তি চাই", "ஜூலியன் அசாஞ்சை விடுதலை செய்",
    "ปล่อยตัวจูเลียน อัสซานจ์", "释放朱利安·阿桑奇", "ジュリアン・アサンジを解放せよ",
    "줄리언 어산지를 석방하라", "ჯულიან ასანჟს თავისუფლება", "Ջուլիան Ասանժին ազատություն",
    "ጁሊያን አሳንጅ ነፃ ይውጣ", "Giải phóng Julian Assange", "Uhuru kwa Julian Assange",
    "**bold**", "[a link](https://example.org/some/long/path?with=query&and=more)",
    "#FreeAssangeNOW", "{date}", "{place}", "%(name)s", "%d", "%%", "100%",
    "tab\there", 'a "quoted" word', "back\\slash", "emoji ✊🏽 ✊", "non\u00a0breaking",
    "soft\u00adhyphen", "zero\u200bwidth", "dash—and–dash", "a-very-long-hyphenated-compound-word",
    "https://example.org/a/really/long/url/that/does/not/break/anywhere/at/all/ok",
    "word", "x", "", " ", "  double  spaces  ", "ends with space ", "…", "«guillemets»",
    "„Anführungszeichen“", "línea", "ß", "İstanbul", "ﬁ ligature",
]
FLAG_SETS = [[], ["fuzzy"], ["python-brace-format"], ["python-format"], ["c-format"],
             ["fuzzy", "python-brace-format"], ["no-wrap"], ["python-brace-format",
             "max-length:280"], ["max-length:80"], ["fuzzy", "c-format", "no-wrap"],
             ["no-wrap", "python-brace-format"], ["range: 1..5", "no-c-format"], ["wrap"],
             ["possible-python-format", "fuzzy"]]


def random_text(rng: random.Random, long: bool) -> str:
    n = rng.randint(1, 40 if long else 6)
    parts = [rng.choice(SAMPLES) for _ in range(n)]
    seps = [" ", " ", " ", "", "\n", ". ", ", "]
    text = parts[0]
    for part in parts[1:]:
        text += rng.choice(seps) + part
    if rng.random() < 0.1:
        text += "\n"
    return text


def random_entry(rng: random.Random, index: int, formats: bool = True) -> Entry:
    long = rng.random() < 0.5
    msgid = f"{index}: " + random_text(rng, long)
    entry = Entry(msgid=msgid)
    if rng.random() < 0.3:
        entry.msgctxt = rng.choice(["post:mobilize", "card:free", "campaign:title",
                                    random_text(rng, False)])
    if rng.random() < 0.15:
        entry.msgid_plural = random_text(rng, long)
        entry.msgstr_plural = [random_text(rng, long) if rng.random() < 0.8 else ""
                               for _ in range(rng.choice([1, 2, 3, 6]))]
    elif rng.random() < 0.85:
        entry.msgstr = random_text(rng, long)
    entry.flags = [f for f in rng.choice(FLAG_SETS) if formats or not f.endswith("-format")]
    if rng.random() < 0.3:
        entry.comments = [random_text(rng, False).replace("\n", " ") for _ in range(2)]
    if rng.random() < 0.5:
        entry.extracted = [random_text(rng, False).replace("\n", " ")]
    if rng.random() < 0.7:
        entry.references = [f"source/c{rng.randint(1, 30)}/leaflet.md:{rng.randint(1, 999)}"
                            for _ in range(rng.randint(1, 8))]
    if entry.fuzzy and rng.random() < 0.6:
        entry.previous_msgid = random_text(rng, long)
        if rng.random() < 0.2:
            entry.previous_msgctxt = "post:old"
    if rng.random() < 0.08:
        entry.obsolete = True
        entry.references = []
    return entry


def random_catalog(rng: random.Random, formats: bool = True) -> Catalog:
    header = Entry(msgid="", comments=["Random catalog for the msgcat identity fuzz."])
    header.msgstr = ("Project-Id-Version: fuzz\nMIME-Version: 1.0\n"
                     "Content-Type: text/plain; charset=UTF-8\n"
                     "Content-Transfer-Encoding: 8bit\n"
                     "Plural-Forms: nplurals=6; plural=(n==0 ? 0 : n==1 ? 1 : n==2 ? 2 : "
                     "n%100>=3 && n%100<=10 ? 3 : n%100>=11 ? 4 : 5);\n")
    entries = [header] + [random_entry(rng, i, formats) for i in range(rng.randint(1, 40))]
    return Catalog(entries=entries, charset="UTF-8")


def _entry_blocks(text: str) -> list[str]:
    return text.split("\n\n")


def check(catalogs: int, seed: int, width: int, formats: bool, show: int = 3) -> int:
    """Compare `catalogs` random catalogs with msgcat; returns the number that differ."""
    rng = random.Random(seed)
    bad = 0
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "fuzz.po"
        for round_ in range(catalogs):
            ours = dump_catalog(random_catalog(rng, formats), width)
            path.write_bytes(ours)
            ref = subprocess.run(msgcat_args(path, width), capture_output=True)
            if ref.returncode != 0:
                print(f"round {round_}: msgcat rejected the file:\n{ref.stderr.decode()}")
                bad += 1
                continue
            expected = ref.stdout.decode("utf-8")
            got = drop_unknown_flags(ours.decode("utf-8"))
            if expected != got:
                bad += 1
                if bad <= show:
                    diff = difflib.unified_diff(expected.splitlines(True), got.splitlines(True),
                                                "msgcat", "handbill", n=2)
                    print(f"round {round_} (seed {seed}, width {width}): MISMATCH")
                    sys.stdout.writelines(list(diff)[:40])
    kind = "with" if formats else "without"
    verdict = "all byte-identical" if not bad else f"{bad} DIFFER"
    print(f"msgcat identity, {kind} format flags, width {width}: {catalogs} random catalogs, "
          f"{verdict}")
    return bad


_OTHER_TREE = """
import json, sys
sys.path.insert(0, sys.argv[1])
try:
    from pipeline.catalogs.pofile import Catalog, Entry, dump_catalog
except ImportError:  # a tree from before the catalogs package
    from pipeline.pofile import Catalog, Entry, dump_catalog
for line in sys.stdin:
    width, entries = json.loads(line)
    data = dump_catalog(Catalog([Entry(**e) for e in entries]), width)
    sys.stdout.write(json.dumps(data.decode("utf-8")) + "\\n")
    sys.stdout.flush()
"""
_FIELDS = ("msgid", "msgstr", "msgctxt", "msgid_plural", "msgstr_plural", "comments",
           "extracted", "references", "flags", "previous_msgctxt", "previous_msgid",
           "previous_msgid_plural", "obsolete")


def against(root: Path, catalogs: int, seed: int) -> int:
    """Compare this tree's writer with another checkout's (its root folder) on the same random
    catalogs (all flags, widths 79, 40 and 0): an optimisation must not change a byte."""
    import json

    other = subprocess.Popen([sys.executable, "-c", _OTHER_TREE, str(root)], text=True,
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    bad = 0
    for width in (79, 40, 0):
        rng = random.Random(seed)
        for round_ in range(catalogs):
            catalog = random_catalog(rng)
            entries = [{name: getattr(e, name) for name in _FIELDS} for e in catalog.entries]
            other.stdin.write(json.dumps([width, entries]) + "\n")
            other.stdin.flush()
            theirs = json.loads(other.stdout.readline()).encode("utf-8")
            if dump_catalog(catalog, width) != theirs:
                bad += 1
                if bad <= 3:
                    print(f"round {round_}, width {width}: differs from {root}")
    other.stdin.close()
    other.wait()
    print(f"against {root}: {3 * catalogs} catalogs, "
          + ("all byte-identical" if not bad else f"{bad} DIFFER"))
    return bad


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--catalogs", type=int, default=300)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--width", type=int, action="append",
                        help="wrap width(s) to test (repeatable; default 79, 40, 0 and 12)")
    parser.add_argument("--no-format-flags", action="store_true",
                        help="only catalogs without c-/python-/python-brace-format flags")
    parser.add_argument("--against", type=Path, metavar="CHECKOUT",
                        help="instead, compare with the writer of another checkout of handbill")
    args = parser.parse_args(argv)
    if args.against:
        return 1 if against(args.against, args.catalogs, args.seed) else 0
    bad = 0
    for formats in ([False] if args.no_format_flags else [False, True]):
        for width in args.width or [79, 40, 0, 12]:
            bad += check(args.catalogs, args.seed, width, formats)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
