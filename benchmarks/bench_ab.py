"""The same handbill commands run by two versions of handbill, alternating, as paired ratios.

    .venv/bin/python benchmarks/bench_ab.py --before 80cb2c8 --scales small,medium

Answers "did this change slow anything down?" on a shared machine: each round runs a workload
with the old version, then the new one (the order swapped every round), each on its own copy of
the corpus project, and the verdict is the median of the rounds' ratios new/old, which survives a
load that drifts during the run better than two separate medians do. The old version is taken
with `git archive` into benchmarks/work/ab/<commit> and run from there with this environment's
dependencies (PYTHONPATH first), so both versions use the same interpreter and libraries.

Workloads per scale: one campaign built in every language (--jobs 2, --clean), a no-op build of
it, a build after one of its catalogs changed, `update`, `check` and `status` of the whole
project. Writes benchmarks/RESULTS-ab.md.
"""

from __future__ import annotations

import argparse
import io
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tarfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))
import corpus  # noqa: E402

WORK = HERE / "work" / "ab"


def export(ref: str) -> tuple[str, Path]:
    """(short commit, folder) of `ref` exported from git (not a worktree: nothing to clean)."""
    commit = subprocess.run(["git", "rev-parse", "--short", ref], cwd=REPO, check=True,
                            capture_output=True, text=True).stdout.strip()
    dest = WORK / commit
    if not (dest / "pipeline").is_dir():
        data = subprocess.run(["git", "archive", commit, "pipeline"], cwd=REPO, check=True,
                              capture_output=True).stdout
        dest.mkdir(parents=True, exist_ok=True)
        with tarfile.open(fileobj=io.BytesIO(data)) as tar:
            tar.extractall(dest)
    return commit, dest


def run(code: Path, project: Path, *args: str) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one handbill command run from the code in `code`; CPU
    time is user + system of the command and every worker it waited for, which a busy machine
    changes much less than wall time."""
    env = {**os.environ, "PYTHONPATH": str(code), "SOURCE_DATE_EPOCH": "1645790400"}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "pipeline", "--project", str(project), *args],
                          capture_output=True, text=True, env=env, cwd=code)
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode not in (0, 1):
        raise SystemExit(f"{code.name}: handbill {' '.join(args)} failed:\n{done.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return seconds, cpu


def touch_catalog(project: Path, campaign: str, round_: int) -> None:
    """Change one translation of one catalog of `campaign` (the same one in both copies)."""
    path = sorted((project / "locales").glob(f"*/LC_MESSAGES/{campaign}.po"))[0]
    text = path.read_text(encoding="utf-8")
    marker = 'msgstr "'
    i = text.index(marker, text.index("#: source/"))
    path.write_text(text[: i + len(marker)] + f"[{round_}] " + text[i + len(marker):],
                    encoding="utf-8")


def workloads(campaign: str):
    """(name, setup or None, handbill arguments) in the order they run each round."""
    build = ["build", "--allow-incomplete", "--campaign", campaign, "--jobs", "2"]
    return [
        ("one campaign, all languages, --clean", None, [*build, "--clean"]),
        ("no-op build of it", None, build),
        ("one of its catalogs changed", touch_catalog, build),
        ("update, whole project", None, ["update"]),
        ("check, whole project", None, ["check"]),
        ("status, whole project", None, ["status"]),
    ]


def bench(scale: str, old: Path, new: Path, rounds: int) -> list[tuple]:
    root = corpus.build(scale)
    copies = {}
    for code in (old, new):
        project = WORK / "runs" / f"{scale}-{code.name}"
        if project.exists():
            shutil.rmtree(project)
        shutil.copytree(root / "v1", project)
        copies[code] = project
    campaign = corpus.campaign_name(1)
    times: dict[str, dict[Path, list[tuple[float, float]]]] = {}
    for round_ in range(rounds):
        order = (old, new) if round_ % 2 == 0 else (new, old)
        for name, setup, args in workloads(campaign):
            for code in order:
                if setup:
                    setup(copies[code], campaign, round_)
                times.setdefault(name, {}).setdefault(code, []).append(
                    run(code, copies[code], *args))
    rows = []
    for name, by in times.items():
        row = [scale, name]
        for i in (0, 1):  # wall, then CPU
            ratios = [n[i] / o[i] for o, n in zip(by[old], by[new])]
            row += [statistics.median(t[i] for t in by[old]),
                    statistics.median(t[i] for t in by[new]),
                    statistics.median(ratios), min(ratios), max(ratios)]
        rows.append(tuple(row))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--before", required=True, help="git commit of the old version")
    parser.add_argument("--after", default="HEAD", help="git commit of the new version")
    parser.add_argument("--scales", default="small,medium")
    parser.add_argument("--rounds", type=int, default=4)
    args = parser.parse_args(argv)
    WORK.mkdir(parents=True, exist_ok=True)
    (old_id, old), (new_id, new) = export(args.before), export(args.after)
    started, load = time.time(), os.getloadavg()
    rows = []
    for scale in filter(None, args.scales.split(",")):
        rows += bench(scale, old, new, args.rounds)
        for row in rows[-6:]:
            print(row, flush=True)
    end = os.getloadavg()
    lines = ["## A/B: the same commands, two versions, alternating", "",
             f"By `python benchmarks/bench_ab.py --before {old_id} --after {new_id} "
             f"--scales {args.scales} --rounds {args.rounds}`, run "
             f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime(started))} on {os.cpu_count()} "
             f"CPUs; load average at the start {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}, at the "
             f"end {end[0]:.2f} {end[1]:.2f} {end[2]:.2f}; took {time.time() - started:.0f} s. "
             "Ratio = new / old per round (order swapped every round); the median, and the "
             "range over rounds. Wall seconds, then CPU seconds (user + system of the command "
             "and its workers): on a shared machine the CPU ratio is the steadier measure of "
             "work done, the wall ratio also shows parallelism.", "",
             f"| scale | workload | wall {old_id} s | wall {new_id} s | wall ratio | range "
             f"| CPU {old_id} s | CPU {new_id} s | CPU ratio | range |",
             "| --- | --- | ---: | ---: | ---: | --- | ---: | ---: | ---: | --- |"]
    lines += [f"| {r[0]} | {r[1]} | {r[2]:.2f} | {r[3]:.2f} | {r[4]:.2f}x | {r[5]:.2f}–{r[6]:.2f} "
              f"| {r[7]:.2f} | {r[8]:.2f} | {r[9]:.2f}x | {r[10]:.2f}–{r[11]:.2f} |"
              for r in rows]
    text = "\n".join(lines) + "\n"
    (HERE / "RESULTS-ab.md").write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
