"""Update, extract and check against their peers on a movement's corpus (#18.5, benchmark 6c).

The medium corpus of benchmarks/corpus.py: 20 campaigns of 60 messages in 50 languages, 80%
translated, 10% fuzzy, 10% empty; version 2 of the sources edits 5% of the messages, removes
2% and adds 2%. In one run, each pair timed in turn (which goes first alternates) after one
warm-up each, and the figure is the median of the paired ratios (handbill / peer), which
survives the load of this shared machine better than two medians:

  update   `handbill update` of all 1,000 catalogs (fresh copy of version 1's catalogs, the
           version 2 sources; it re-extracts the templates too) against `msgmerge --previous`
           per catalog, two at a time (`xargs -P2`: fair on 2 cores), on the same catalogs
           and version 2 templates; then the agreement of the fuzzy matches (run.agreement)
  extract  `handbill extract` of the 20 campaigns against one `po4a-updatepo` process given
           every leaflet with `-m` (campaign readings cached by the warm-up run); then, for
           comparison, with one campaign's leaflet edited before each run, and with no cache
  check    `handbill check` of the 1,050 catalogs (the 1,000 and the ui domain) against the
           same command of a reference checkout (--against DIR, e.g. main before this work):
           the ratio to the one-core figure the issue started from

Targets: update <= 0.25x with 100% agreement; extract <= 1.0x; check <= 0.5x the reference.
Writes benchmarks/RESULTS-update.md.

Usage: .venv/bin/python benchmarks/bench_update.py [--pairs 3] [--against CHECKOUT]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(REPO))

import corpus  # noqa: E402
import run  # noqa: E402

SCALE = "medium"


def timed(argv: list[str], env: dict, prepare=None, cwd: Path | None = None) -> float:
    if prepare:
        prepare()
    started = time.perf_counter()
    proc = subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                          cwd=cwd)
    elapsed = time.perf_counter() - started
    if proc.returncode not in (0, 1):  # check exits 1 when it finds errors
        raise RuntimeError(f"{' '.join(argv)} failed ({proc.returncode}):\n"
                           + proc.stderr.decode("utf-8", "replace")[-2000:])
    return elapsed


def paired(name: str, ours, theirs, pairs: int, env: dict) -> dict:
    """Median of paired ratios of two (argv, prepare) commands, alternating the order."""
    for argv, prepare in (ours, theirs):
        timed(argv, env, prepare)  # warm-up
    load = os.getloadavg()
    runs = []
    for i in range(pairs):
        order = (ours, theirs) if i % 2 == 0 else (theirs, ours)
        got = {id(cmd): timed(cmd[0], env, cmd[1]) for cmd in order}
        runs.append((got[id(ours)], got[id(theirs)]))
    ratios = [a / b for a, b in runs]
    result = {"ratio": statistics.median(ratios), "ratios": ratios,
              "ours": statistics.median(a for a, _ in runs),
              "theirs": statistics.median(b for _, b in runs),
              "load": (load, os.getloadavg())}
    print(f"  {name}: {result['ratio']:.3f}x (pairs {', '.join(f'{r:.3f}' for r in ratios)}; "
          f"load {load[0]:.2f} -> {os.getloadavg()[0]:.2f})", flush=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=3)
    parser.add_argument("--against", type=Path, help="a reference checkout for the check row")
    args = parser.parse_args()
    root = corpus.build(SCALE)
    env = run.bench_env()
    ctx = run.Context(SCALE, root, HERE / "work" / "bench-update", env)
    ctx.work.mkdir(parents=True, exist_ok=True)
    campaigns, langs = ctx.campaigns, ctx.languages
    v1 = root / "v1" / "locales"
    pots = run._v2_pots(ctx)

    hb = run.project_copy(ctx, "update-handbill", root / "v2" / "source")
    mm = ctx.work / "update-msgmerge"
    pairs_file = ctx.work / "msgmerge-pairs.txt"
    pairs_file.write_text("".join(f"{mm}/locales/{lang}/LC_MESSAGES/{c}.po {pots}/{c}.pot\n"
                                  for c in campaigns for lang in langs))
    msgmerge = ["bash", "-c", f"xargs -P2 -n2 msgmerge --previous --quiet --update "
                f"--backup=off < {pairs_file}"]
    update = paired("update", (run.handbill_argv(hb, "update", *ctx.only_campaigns()),
                               run.fresh_copy(v1, hb / "locales")),
                    (msgmerge, run.fresh_copy(v1, mm / "locales")), args.pairs, env)
    agree = run.agreement(ctx, hb / "locales", mm / "locales", pots, campaigns, langs)

    ex = run.project_copy(ctx, "extract", root / "v1" / "source")
    out = ctx.work / "extract-po4a"
    leaflets = " ".join(f"-m {ex}/source/{c}/leaflet.md" for c in campaigns)
    po4a = ["bash", "-c", f"po4a-updatepo -f text -o markdown -M UTF-8 {leaflets} "
            f"-p {out}/all.pot >/dev/null 2>&1"]
    extract = paired("extract", (run.handbill_argv(ex, "extract", *ctx.only_campaigns()),
                                 run.fresh_dir(ex / "locales")),
                     (po4a, run.fresh_dir(out)), args.pairs, env)

    # The row above reuses the campaign readings cached by the warm-up (pipeline/sources/
    # cache.py: the sources did not change between runs). Two more rows say what the cache is
    # worth: one campaign's leaflet edited before every run (19 readings cached, one parsed),
    # and no cache at all (every campaign parsed, as on a fresh machine).
    edited = ex / "source" / campaigns[0] / "leaflet.md"
    original = edited.read_text()
    runs = iter(range(10**6))

    def edit_one():
        edited.write_text(original + f"\nEdited before run {next(runs)}.\n")
        run.fresh_dir(ex / "locales")()

    extract_argv = run.handbill_argv(ex, "extract", *ctx.only_campaigns())
    extract_edited = paired("extract, one leaflet edited", (extract_argv, edit_one),
                            (po4a, run.fresh_dir(out)), args.pairs, env)
    edited.write_text(original)
    extract_cold = paired("extract, no cache", (["env", "HANDBILL_CACHE_DIR=", *extract_argv],
                                                run.fresh_dir(ex / "locales")),
                          (po4a, run.fresh_dir(out)), args.pairs, env)

    check = None
    if args.against:
        # Run from inside the reference checkout: `-m pipeline` then imports its package (the
        # current folder comes first on sys.path, before this .venv's editable install,
        # which PYTHONPATH alone does not override).
        ref_dir = args.against.resolve()
        ref = [sys.executable, "-m", "pipeline", "--project", str(hb), "check"]
        ours = run.handbill_argv(hb, "check")
        timed(ours, env)
        timed(ref, env, cwd=ref_dir)
        load = os.getloadavg()
        runs = []
        for i in range(args.pairs):
            if i % 2:
                b, a = timed(ref, env, cwd=ref_dir), timed(ours, env)
            else:
                a, b = timed(ours, env), timed(ref, env, cwd=ref_dir)
            runs.append((a, b))
        ratios = [a / b for a, b in runs]
        check = {"ratio": statistics.median(ratios), "ratios": ratios,
                 "ours": statistics.median(a for a, _ in runs),
                 "theirs": statistics.median(b for _, b in runs),
                 "load": (load, os.getloadavg())}
        print(f"  check: {check['ratio']:.3f}x", flush=True)

    def loads(r: dict) -> str:
        return f"{r['load'][0][0]:.2f} -> {r['load'][1][0]:.2f}"

    def verdict(ok: bool) -> str:
        return "met" if ok else "MISSED"

    n = len(campaigns) * len(langs)
    lines = [
        "## update, extract and check on a movement's corpus (#18.5, 6c)",
        "",
        f"By `python benchmarks/bench_update.py --pairs {args.pairs}`: the medium corpus "
        f"({len(campaigns)} campaigns x 60 messages x {len(langs)} languages; v2 edits 5%, "
        f"removes 2%, adds 2%); Python {platform.python_version()}, {os.cpu_count()} CPUs. "
        "Each figure is the median of paired ratios (handbill / peer), the pairs alternating "
        "which runs first, after one warm-up each; the load average (1 min) is shown at the "
        "start and end of each row's pairs (a shared machine).",
        "",
        "| target | measured (handbill / peer) | seconds (median) | load | verdict |",
        "| --- | --- | --- | --- | --- |",
        f"| update of {n} catalogs <= 0.25x `msgmerge --previous` per catalog, "
        f"`xargs -P2` | {update['ratio']:.3f}x ({', '.join(f'{r:.3f}' for r in update['ratios'])}) "
        f"| {update['ours']:.2f} vs {update['theirs']:.2f} | {loads(update)} | "
        f"{verdict(update['ratio'] <= 0.25)} |",
        f"| fuzzy matches: same `#\\| msgid` as msgmerge, 100% | "
        f"{agree['new_percent']:.1f}% of {agree['new_either']} | – | – | "
        f"{verdict(agree['new_percent'] == 100.0)} |",
        f"| fuzzy matches: same old message as msgmerge | {agree['source_percent']:.1f}% of "
        f"{agree['source_either']} | – | – | {verdict(agree['source_percent'] == 100.0)} |",
        f"| extract of {len(campaigns)} campaigns <= 1.0x one `po4a-updatepo` with every "
        f"leaflet (`-m`) | {extract['ratio']:.3f}x "
        f"({', '.join(f'{r:.3f}' for r in extract['ratios'])}) | {extract['ours']:.2f} vs "
        f"{extract['theirs']:.2f} | {loads(extract)} | {verdict(extract['ratio'] <= 1.0)} |",
    ]
    for label, row in (("one campaign's leaflet edited before each run", extract_edited),
                       ("no cache of campaign readings (`HANDBILL_CACHE_DIR=`)", extract_cold)):
        lines.append(f"| extract, {label} (for comparison) | {row['ratio']:.3f}x "
                     f"({', '.join(f'{r:.3f}' for r in row['ratios'])}) | {row['ours']:.2f} vs "
                     f"{row['theirs']:.2f} | {loads(row)} | – |")
    if check:
        lines.append(
            f"| check of {n + len(langs)} catalogs <= 0.5x the reference checkout "
            f"(`{args.against}`) | {check['ratio']:.3f}x "
            f"({', '.join(f'{r:.3f}' for r in check['ratios'])}) | {check['ours']:.2f} vs "
            f"{check['theirs']:.2f} | {loads(check)} | {verdict(check['ratio'] <= 0.5)} |")
    lines += ["", "handbill extract writes leaflet, posts and metadata messages of every "
              "campaign (and the ui template); po4a-updatepo the leaflets only. The extract "
              "row reuses the campaign readings handbill cached in the warm-up run (the "
              "sources are the same in every run; the cache lives outside the project, keyed "
              "by every file read); the two rows after it show one campaign edited before each "
              "run, and no cache."]
    report = "\n".join(lines) + "\n"
    print(report)
    (HERE / "RESULTS-update.md").write_text(report)


if __name__ == "__main__":
    main()
