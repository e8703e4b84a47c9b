"""`handbill build` on the benchmark corpus, at each scale: all languages of one campaign with
--jobs 1 and --jobs 2, a full build of every campaign, a no-op build, a build after one catalog
changed, and the peak memory of each; writes benchmarks/RESULTS-build.md (included in
RESULTS.md by run.py).

    .venv/bin/python benchmarks/bench_build.py --scales small,medium,large

Each scale's rows are kept in benchmarks/work/results/build-<scale>.json, so scales can be run
separately (a full large build renders 10,100 leaflets, PDFs and card sets: about an hour on
two cores); RESULTS-build.md is written from every scale on record.
"""

from __future__ import annotations

import argparse
import json
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
RESULTS = HERE / "work" / "results"


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


PARTS = ("jobs", "full")  # "full" is the full build, then the no-op and one-catalog builds


def bench(scale: str, parts: tuple[str, ...] = PARTS) -> list[list]:
    root = corpus.build(scale)
    project = WORK / f"build-{scale}"
    if project.exists():
        shutil.rmtree(project)
    shutil.copytree(root / "v1", project)
    rows = []
    base = ["build", "--allow-incomplete"]
    languages = corpus.SCALES[scale].languages + 1
    one = ["--campaign", corpus.campaign_name(1)]
    # --jobs 1 against --jobs 2 over all languages of one campaign (interleaved runs).
    rounds = 3 if scale == "small" else 2 if scale == "medium" else 1
    runs: dict[str, list[tuple[float, int]]] = {"1": [], "2": []}
    for _ in range(rounds if "jobs" in parts else 0):
        for jobs in ("1", "2"):
            runs[jobs].append(timed(project, *base, *one, "--clean", "--jobs", jobs))
    for jobs in ("1", "2") if "jobs" in parts else ():
        rows.append([scale, f"one campaign, all languages, --jobs {jobs}",
                     statistics.median(s for s, _ in runs[jobs]), max(m for _, m in runs[jobs]),
                     f"{languages} renders; median of {rounds}"])
    if "full" not in parts:
        return rows
    renders = corpus.SCALES[scale].campaigns * languages
    seconds, rss = timed(project, *base, "--clean", "--jobs", "2")
    rows.append([scale, "full build, --jobs 2", seconds, rss, f"{renders} renders"])
    noop = [timed(project, *base) for _ in range(3)]
    rows.append([scale, "no-op build", statistics.median(s for s, _ in noop),
                 max(m for _, m in noop), "median of 3"])
    changed = []
    for round_ in range(3):
        change_one_catalog(project, round_)
        changed.append(timed(project, *base))
    rows.append([scale, "one catalog changed", statistics.median(s for s, _ in changed),
                 max(m for _, m in changed), "median of 3; one language rebuilt"])
    return rows


def report() -> str:
    """RESULTS-build.md from every scale on record."""
    lines = ["## build", "",
             "By `python benchmarks/bench_build.py --scales …` (each scale's run time below). "
             "Memory is the largest resident set of any process of the command (the parent or "
             "one render worker), from `/usr/bin/time -f %M`.", ""]
    verdicts = []
    for scale in corpus.SCALES:
        path = RESULTS / f"build-{scale}.json"
        if not path.exists():
            continue
        data = json.loads(path.read_text())
        rows = data["rows"]
        lines += [f"### {scale}", "", data["machine"], "",
                  "| workload | seconds | peak memory | notes |", "| --- | ---: | ---: | --- |"]
        lines += [f"| {w} | {sec:.2f} | {rss} MiB | {n} |" for _, w, sec, rss, n in rows]
        lines.append("")
        by = {w: (sec, rss) for _, w, sec, rss, _ in rows}
        one, two = (by[f"one campaign, all languages, --jobs {j}"][0] for j in (1, 2))
        ratio = one / two
        verdicts.append(f"| --jobs 2 ≥ 1.7x faster than --jobs 1 | {scale} | {ratio:.2f}x "
                        f"({one:.1f} s / {two:.1f} s) | {'met' if ratio >= 1.7 else 'MISSED'} |")
        noop, full = by["no-op build"][0], by["full build, --jobs 2"][0]
        if scale == "medium":
            ok = noop < 1 and noop / full < 0.05
            verdicts.append(f"| no-op build < 1 s and < 5% of the full build | {scale} | "
                            f"{noop:.2f} s, {100 * noop / full:.2f}% of {full:.0f} s | "
                            f"{'met' if ok else 'MISSED'} |")
        peak = max(rss for _, _, _, rss, _ in rows)
        if scale == "large":
            verdicts.append(f"| peak memory of a build < 500 MB | {scale} | {peak} MiB "
                            f"({peak * 1.048576:.0f} MB) | {'met' if peak * 1.048576 < 500 else 'MISSED'} |")
        else:
            verdicts.append(f"| peak memory of a build (target < 500 MB at large) | {scale} | "
                            f"{peak} MiB | – |")
    head = lines[:4] + ["| target | scale | measured | verdict |", "| --- | --- | --- | --- |",
                        *verdicts, ""]
    return "\n".join(head + lines[4:]) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scales", default="small,medium")
    parser.add_argument("--parts", default=",".join(PARTS),
                        help="jobs (one campaign, --jobs 1 and 2) and/or full (full, no-op and "
                             "one-catalog builds); rows not measured are kept from the last run")
    args = parser.parse_args(argv)
    parts = tuple(p for p in args.parts.split(",") if p)
    WORK.mkdir(parents=True, exist_ok=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    for scale in filter(None, args.scales.split(",")):
        started = time.time()
        load = " ".join(f"{x:.2f}" for x in os.getloadavg())
        rows = bench(scale, parts)
        machine = (f"Run {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime(started))} on "
                   f"{os.cpu_count()} CPUs ({platform.processor() or platform.machine()}), "
                   f"Python {platform.python_version()}; load average at the start {load}, "
                   f"at the end {' '.join(f'{x:.2f}' for x in os.getloadavg())}; "
                   f"took {time.time() - started:.0f} s.")
        path = RESULTS / f"build-{scale}.json"
        if set(parts) != set(PARTS) and path.exists():
            old = json.loads(path.read_text())
            measured = {row[1] for row in rows}
            rows = [row for row in old["rows"] if row[1] not in measured] + rows
            rows.sort(key=lambda row: not row[1].startswith("one campaign"))
            machine = f"{old['machine']} Re-run of {', '.join(parts)}: {machine}"
        path.write_text(json.dumps({"machine": machine, "rows": rows}, indent=1))
        for row in rows:
            print(row, flush=True)
    text = report()
    (HERE / "RESULTS-build.md").write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
