"""`handbill build` on the benchmark corpus: a full build with --jobs 1 and --jobs 2, a no-op
build, a build after one catalog changed, and the peak memory of each; writes
benchmarks/RESULTS-build.md (included in RESULTS.md by run.py).

A full build of the large corpus renders 10,100 leaflets, PDFs and card sets (hours on two
cores); at that scale this times the no-op and one-catalog builds over the whole project, and
a full build of one campaign in all 100 languages.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import corpus  # noqa: E402

WORK = HERE / "work" / "runs"


def timed(project: Path, *args: str) -> tuple[float, int]:
    """(wall seconds, max RSS in MiB of the largest process) of one handbill command."""
    out = WORK / "time.txt"
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1645790400", "PYTHONDONTWRITEBYTECODE": ""}
    started = time.perf_counter()
    run = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", str(out), sys.executable, "-m",
                          "pipeline", "--project", str(project), *args],
                         capture_output=True, text=True, env=env)
    seconds = time.perf_counter() - started
    if run.returncode not in (0, 1):
        raise SystemExit(f"handbill {' '.join(args)} failed:\n{run.stderr[-3000:]}")
    return seconds, int(out.read_text().split()[-1]) // 1024


def change_one_catalog(project: Path, round_: int) -> None:
    path = sorted((project / "locales").glob("*/LC_MESSAGES/c*.po"))[0]
    text = path.read_text(encoding="utf-8")
    marker = 'msgstr "'
    i = text.index(marker, text.index("#: source/"))
    path.write_text(text[: i + len(marker)] + f"[{round_}] " + text[i + len(marker):],
                    encoding="utf-8")


def bench(scale: str) -> list[tuple[str, str, float, int, str]]:
    root = corpus.build(scale)
    project = WORK / f"build-{scale}"
    if project.exists():
        shutil.rmtree(project)
    shutil.copytree(root / "v1", project)
    rows = []
    base = ["build", "--allow-incomplete"]
    note = ""
    if scale == "large":
        # One campaign in all 100 languages (101 renders); the other 99 campaigns' catalogs
        # are not touched by a build restricted to it.
        base += ["--campaign", corpus.campaign_name(1)]
        note = "one campaign x 100 languages"
    if scale == "small":
        seconds, rss = timed(project, *base, "--clean", "--jobs", "1")
        rows.append((scale, "full build, --jobs 1", seconds, rss, note))
    seconds, rss = timed(project, *base, "--clean", "--jobs", "2")
    rows.append((scale, "full build, --jobs 2", seconds, rss, note))
    noop = [timed(project, *base) for _ in range(3)]
    rows.append((scale, "no-op build", statistics.median(s for s, _ in noop),
                 max(m for _, m in noop), "median of 3" + (f"; {note}" if note else "")))
    changed = []
    for round_ in range(3):
        change_one_catalog(project, round_)
        changed.append(timed(project, *base))
    rows.append((scale, "one catalog changed", statistics.median(s for s, _ in changed),
                 max(m for _, m in changed), "median of 3; one language rebuilt"))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scales", default="small,medium")
    args = parser.parse_args(argv)
    WORK.mkdir(parents=True, exist_ok=True)
    rows = []
    for scale in args.scales.split(","):
        rows += bench(scale)
        print(rows[-1], flush=True)
    lines = ["## build", "",
             f"Run {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on {os.cpu_count()} CPUs "
             f"({platform.processor() or platform.machine()}), Python {platform.python_version()}, "
             f"by `python benchmarks/bench_build.py --scales {args.scales}`. Memory is the largest "
             "resident set of any process of the command (the parent or one render worker).", "",
             "| scale | workload | seconds | peak memory | notes |", "| --- | --- | ---: | ---: | --- |"]
    lines += [f"| {s} | {w} | {sec:.2f} | {rss} MiB | {n} |" for s, w, sec, rss, n in rows]
    by = {(s, w): sec for s, w, sec, _, _ in rows}
    if ("small", "full build, --jobs 1") in by:
        ratio = by[("small", "full build, --jobs 1")] / by[("small", "full build, --jobs 2")]
        lines += ["", f"--jobs 2 is {ratio:.2f}x faster than --jobs 1 over all languages (small)."]
    for scale in ("small", "medium"):
        if (scale, "no-op build") in by and (scale, "full build, --jobs 2") in by:
            share = by[(scale, "no-op build")] / by[(scale, "full build, --jobs 2")]
            lines.append(f"No-op build, {scale}: {by[(scale, 'no-op build')]:.2f} s, "
                         f"{100 * share:.1f}% of the full build.")
    (HERE / "RESULTS-build.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
