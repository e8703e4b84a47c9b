"""Sharded builds (#18.6a, 6d): the large corpus as N = 1, 4, 10 and 20 shards.

    .venv/bin/python benchmarks/bench_shard.py --parts partition,all --count 20  # ~2 hours
    .venv/bin/python benchmarks/bench_shard.py                     # partition, calibrate, merge
    .venv/bin/python benchmarks/bench_shard.py --parts partition   # the instant part only

- all (MEASURED, the run RESULTS-shard.md reports): every shard K of N (--count) built end to
  end in turn, each in its own copy of the corpus with an empty campaign cache, as a fresh CI
  runner (`build --shard K/N --allow-incomplete --jobs 2`; wall time and peak RSS from
  /usr/bin/time, every unit's render time from the build's table), then one real merge of
  the N outputs. The other N are DERIVED from it: every unit's measured render time, split as
  `--shard` splits at that N, plus the measured fixed part of a shard. The run is saved after
  each shard (benchmarks/data/shard-large.json, kept in git) and goes on where it stopped. A full
  large build is 10,100 renders (~88 minutes on 2 cores): building every N end to end would
  take four of them.

The earlier, shorter way (the default parts), and RESULTS-shard.md says which figure is which:

- partition (instant, exact): the plan's cost estimates split into N shards (plan.partition);
- calibrate (MEASURED): two shards (1 of 100 and 1 of 40: different sizes) each built end to
  end in its own copy of the corpus; from these, seconds per unit of estimated cost and the
  shard's fixed part (start-up, extract and update of the whole project, hashing every input);
- predict (PREDICTED from the measurements): each N's longest shard = fixed part + its units'
  estimated cost x seconds per cost unit / 2 workers; checked on the measured shards, each
  predicted from the other's calibration;
- merge: a real merge of the small corpus built as 4 shards (MEASURED, and compared with a
  plain build byte for byte); at the large scale, the merge command until its check, merge's
  copy of the larger calibration shard's units and the page over the whole plan (MEASURED),
  scaled to 10,100 units (PREDICTED).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))
import corpus  # noqa: E402

WORK = HERE / "work" / "shards"
RESULTS = HERE / "work" / "results"
# The runs' figures, kept in the repository: a session's machine does not outlive it (the
# 2026-11-30 run of N = 20 survived only as the report it wrote, see import_report).
SAVED = HERE / "data" / "shard-large.json"
COUNTS = (1, 4, 10, 20)
# The full large build on a calm machine (load ~2): RESULTS-build.md, 2026-11-26, --jobs 2.
CALM_FULL_BUILD = 5265.21
CALM_ONE_CAMPAIGN = 46.03  # the same run: one campaign in all 101 languages, --jobs 2
ENV = {**os.environ, "SOURCE_DATE_EPOCH": "1645790400", "PYTHONDONTWRITEBYTECODE": ""}
_ROW = re.compile(r"^(\S+)\s+(\S+)\s+(final|draft|skipped|failed)\s+(\d+)\s+([\d.]+) s$")


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def timed(project: Path, *args: str, env: dict | None = None) -> dict:
    """One handbill command: wall seconds, peak RSS (MiB, largest process), stdout, stderr."""
    out = WORK / "time.txt"
    before = load()
    started = time.perf_counter()
    run = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", str(out), sys.executable, "-m",
                          "pipeline", "--project", str(project), *args],
                         capture_output=True, text=True, env=env or ENV)
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "rss_mib": int(out.read_text().split()[-1]) // 1024,
            "exit": run.returncode, "stdout": run.stdout, "stderr": run.stderr,
            "load": f"{before} -> {load()}"}


def plan_of(project: Path):
    from pipeline.config import load_config
    from pipeline.plan import RenderOptions
    from pipeline.project import load_plan

    cfg = load_config(project)
    return load_plan(cfg, options=RenderOptions(allow_incomplete=True), tolerant=True).plan


def partition_rows(plan) -> dict:
    from pipeline.plan import partition

    rows = {}
    total = sum(u.cost.weight for u in plan.units)
    for n in COUNTS:
        shares = partition(plan.units, n)
        weights = [sum(u.cost.weight for u in s) for s in shares]
        rows[n] = {"units": [len(s) for s in shares], "weights": weights,
                   "longest": max(range(n), key=lambda i: weights[i]) + 1,
                   "lightest": min(range(n), key=lambda i: weights[i]) + 1,
                   "imbalance": max(weights) / (total / n)}
    return rows


def fresh_copy(source: Path, name: str) -> Path:
    """A runner's checkout: handbill.toml, source/, locales/ (no output/)."""
    target = WORK / name
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    shutil.copy(source / "handbill.toml", target)
    shutil.copytree(source / "source", target / "source")
    shutil.copytree(source / "locales", target / "locales")
    # Its own repository, at the same commit as every other copy (the same tree, author and
    # dates), as CI runners check out one commit: a build stamps the project's git revision,
    # and a copy without one of its own took the enclosing checkout's HEAD, which moves as the
    # lead commits (the 2026-11-30 run's shards named six revisions; see RESULTS-shard.md).
    git = {**os.environ, "GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "bench@localhost",
           "GIT_COMMITTER_NAME": "bench", "GIT_COMMITTER_EMAIL": "bench@localhost",
           "GIT_AUTHOR_DATE": "2022-02-25T12:00:00Z", "GIT_COMMITTER_DATE": "2022-02-25T12:00:00Z"}
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "corpus"]):
        subprocess.run(["git", *args], cwd=target, env=git, check=True, capture_output=True)
    return target


def unit_times(stdout: str) -> dict[str, float]:
    """campaign/lang -> seconds, from the build's table."""
    found = {}
    for line in stdout.splitlines():
        match = _ROW.match(line.strip())
        if match:
            found[f"{match.group(1)}/{match.group(2)}"] = float(match.group(5))
    return found


def calibrate(v1: Path, plan, picks: list[tuple[int, int]], saved: Path, data: dict
              ) -> list[dict]:
    """Build the picked shards (K, N) end to end, each in its own copy (MEASURED); each
    result is saved as soon as it is known."""
    from pipeline.plan import partition

    runs = data.setdefault("calibration", [])
    for k, n in picks:
        if any(r["shard"] == k and r["of"] == n for r in runs):
            continue
        share = partition(plan.units, n)[k - 1]
        project = fresh_copy(v1, f"cal-{k}-of-{n}")
        print(f"shard {k}/{n}: {len(share)} units, load {load()}", flush=True)
        run = timed(project, "build", "--allow-incomplete", "--jobs", "2", "--shard", f"{k}/{n}")
        if run["exit"] not in (0, 1):
            raise SystemExit(f"shard {k}/{n} failed:\n{run['stderr'][-3000:]}")
        times = unit_times(run["stdout"])
        weight = {u.key: u.cost.weight for u in share}
        runs.append({"shard": k, "of": n, "seconds": run["seconds"], "rss_mib": run["rss_mib"],
                     "load": run["load"], "units": len(share),
                     "unit_seconds": sum(times.values()), "weight": sum(weight.values()),
                     "times": times, "output": str(project / "output")})
        saved.write_text(json.dumps(data, indent=1))
        print(f"  {run['seconds']:.0f} s, {run['rss_mib']} MiB, load {run['load']}", flush=True)
    return runs


def build_all(v1: Path, plan, n: int, saved: Path, data: dict, build: bool = True,
              only: set[int] | None = None) -> dict:
    """Every shard K/N built end to end in turn, each in its own copy as a CI runner would
    (MEASURED), then one real merge of all N outputs into a fresh copy (MEASURED). Each shard's
    result is saved as soon as it is known, so an interrupted run goes on where it stopped.
    `only`: build just these shards (a check of the derived figures at another N)."""
    from pipeline.plan import partition

    full = data.setdefault("full", {}).setdefault(str(n), {"shards": []})
    full.setdefault("started", time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()))
    full.setdefault("boot", boot_id())
    if build and full["boot"] != boot_id() and not complete(full, n):
        raise SystemExit(f"the run of N = {n} was started on another machine (boot "
                         f"{full['boot']}): its shards do not compare with new ones; build "
                         f"all of N = {n} again with --restart")
    shares = partition(plan.units, n)
    for k in range(1, n + 1):
        if any(r["shard"] == k for r in full["shards"]) or not build or (
                only is not None and k not in only):
            continue
        share = shares[k - 1]
        project = fresh_copy(v1, f"all-{k}-of-{n}")
        # A runner starts without handbill's cache of campaign readings, as a fresh CI job does.
        cache = WORK / f"cache-{k}-of-{n}"
        shutil.rmtree(cache, ignore_errors=True)
        print(f"shard {k}/{n}: {len(share)} units, load {load()}", flush=True)
        run = timed(project, "build", "--allow-incomplete", "--jobs", "2", "--shard", f"{k}/{n}",
                    env={**ENV, "HANDBILL_CACHE_DIR": str(cache)})
        if run["exit"] not in (0, 1):
            raise SystemExit(f"shard {k}/{n} failed:\n{run['stderr'][-3000:]}")
        times = unit_times(run["stdout"])
        full["shards"].append({
            "shard": k, "seconds": run["seconds"], "rss_mib": run["rss_mib"],
            "load": run["load"], "units": len(share), "built": len(times),
            "failed": run["stdout"].count(" failed "), "exit": run["exit"],
            "unit_seconds": sum(times.values()),
            "weight": sum(u.cost.weight for u in share), "times": times,
            "output": str(project / "output"),
            "finished": time.strftime("%H:%M UTC", time.gmtime())})
        saved.write_text(json.dumps(data, indent=1))
        print(f"  {run['seconds']:.0f} s, {len(times)} units built, {run['rss_mib']} MiB, "
              f"load {run['load']}", flush=True)
    if only is not None:
        return full
    if len(full["shards"]) < n:  # not every shard built: the merge's parts, as merge_large
        if "merge_parts" not in full:
            outputs = [r["output"] for r in full["shards"]]
            full["merge_parts"] = merge_large(v1, outputs)
            saved.write_text(json.dumps(data, indent=1))
    elif "merge" not in full:
        target = fresh_copy(v1, f"all-merge-{n}")
        outputs = [r["output"] for r in sorted(full["shards"], key=lambda r: r["shard"])]
        cache = WORK / f"cache-merge-{n}"
        shutil.rmtree(cache, ignore_errors=True)
        print(f"merge of {n} shards, load {load()}", flush=True)
        run = timed(target, "merge", *outputs, env={**ENV, "HANDBILL_CACHE_DIR": str(cache)})
        if run["exit"] != 0:
            raise SystemExit(f"merge failed:\n{run['stderr'][-3000:]}")
        merged = target / "output"
        full["merge"] = {"seconds": run["seconds"], "rss_mib": run["rss_mib"],
                         "load": run["load"],
                         "files": sum(1 for p in merged.rglob("*") if p.is_file()),
                         "bytes": sum(p.stat().st_size for p in merged.rglob("*")
                                      if p.is_file())}
        full["machine"] = (f"{os.cpu_count()} CPUs ({platform.processor() or platform.machine()})"
                           f", Python {platform.python_version()}")
        full["ended"] = time.strftime("%H:%M UTC", time.gmtime())
        saved.write_text(json.dumps(data, indent=1))
        print(f"  merge {run['seconds']:.0f} s, {run['rss_mib']} MiB", flush=True)
    return full


def merge_small() -> dict:
    """A real merge: the small corpus built as 4 shards (MEASURED), and a plain build."""
    v1 = corpus.build("small") / "v1"
    outputs = []
    shard_runs = []
    for k in range(1, 5):
        project = fresh_copy(v1, f"small-{k}")
        run = timed(project, "build", "--allow-incomplete", "--jobs", "2", "--shard", f"{k}/4")
        shard_runs.append(run["seconds"])
        outputs.append(str(project / "output"))
    target = fresh_copy(v1, "small-merge")
    run = timed(target, "merge", *outputs)
    if run["exit"] != 0:
        raise SystemExit(f"merge failed:\n{run['stderr'][-3000:]}")
    plain = fresh_copy(v1, "small-plain")
    built = timed(plain, "build", "--allow-incomplete", "--jobs", "2")
    same = _tree(plain / "output") == _tree(target / "output")
    units = len(plan_of(v1).units)
    return {"seconds": run["seconds"], "rss_mib": run["rss_mib"], "load": run["load"],
            "units": units, "shards": shard_runs, "plain": built["seconds"], "identical": same}


def _tree(root: Path) -> dict:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*")
            if p.is_file() and p.name != ".site-stamp"}


def merge_large(v1: Path, outputs: list[str]) -> dict:
    """merge on the large corpus, in parts, with the calibration shards (MEASURED): the
    command itself (start-up, plan of 10,100 units, fingerprint of every input) until it stops
    at its check (shards are missing); then, in this process, merge's own copy of every unit of
    those shards (merge._copy_unit) and the download page over the whole plan."""
    from pipeline.build import write_site_if_changed
    from pipeline.config import load_config, prepare_output
    from pipeline.inputs import Hasher
    from pipeline.merge import _copy_unit, find_shards

    target = fresh_copy(v1, "large-merge")
    run = timed(target, "merge", *outputs)
    assert run["exit"] == 1 and "handbill: error: " in run["stderr"], run["stderr"]
    cfg = load_config(target)
    plan = plan_of(target)
    prepare_output(cfg)
    started = time.perf_counter()
    write_site_if_changed(cfg, plan, Hasher(), True)  # the page with no unit built yet
    empty_page_seconds = time.perf_counter() - started
    copied, started = 0, time.perf_counter()
    for shard in find_shards([Path(o) for o in outputs]):
        for key, _ in shard.record.units:
            campaign, lang = key.split("/")
            _copy_unit(cfg, shard, plan.unit(campaign, lang))
            copied += 1
    copy_seconds = time.perf_counter() - started
    started = time.perf_counter()
    write_site_if_changed(cfg, plan, Hasher(), True)
    page_seconds = time.perf_counter() - started
    return {"seconds": run["seconds"], "rss_mib": run["rss_mib"], "load": run["load"],
            "copied": copied, "copy_seconds": copy_seconds, "page_seconds": page_seconds,
            "empty_page_seconds": empty_page_seconds,
            "page_load": load()}


def predict(parts: dict, runs: list[dict], plan) -> dict:
    """Each N's longest shard from the calibration (PREDICTED), and the check of the model
    on the measured shards (each predicted from the other's seconds per cost unit)."""
    per_weight = sum(r["unit_seconds"] for r in runs) / sum(r["weight"] for r in runs)
    fixed = statistics.mean(r["seconds"] - r["unit_seconds"] / 2 for r in runs)
    checks = []
    for run in runs:
        others = [r for r in runs if r is not run] or [run]
        rate = sum(r["unit_seconds"] for r in others) / sum(r["weight"] for r in others)
        base = statistics.mean(r["seconds"] - r["unit_seconds"] / 2 for r in others)
        checks.append({"shard": run["shard"], "measured": run["seconds"],
                       "predicted": base + rate * run["weight"] / 2})
    scripts: dict[str, list[float]] = {}
    units = {u.key: u for u in plan.units}
    for run in runs:
        for key, seconds in run["times"].items():
            unit = units[key]
            scripts.setdefault(unit.cost.script, []).append(seconds / unit.cost.weight)
    by_script = {s: statistics.median(v) / per_weight for s, v in sorted(scripts.items())}
    longest = {}
    for n in COUNTS:
        weights = parts[n]["weights"]
        longest[n] = fixed + per_weight * max(weights) / 2
    return {"per_weight": per_weight, "fixed": fixed, "checks": checks,
            "by_script": by_script, "longest": longest,
            "units": len(plan.units), "weight": sum(u.cost.weight for u in plan.units)}


def report(data: dict) -> str:
    parts, pred, runs = data["partition"], data["predict"], data["calibration"]
    small, large = data["merge_small"], data["merge_large"]
    share = large["copied"] / pred["units"]  # the part of the units the measured shards hold
    copy_all = large["copy_seconds"] / share
    # The page lists every unit either way; what grows with the units built is the rest.
    empty = large["empty_page_seconds"]
    page_all = empty + (large["page_seconds"] - empty) / share
    merge_large = large["seconds"] + copy_all + page_all
    lines = ["# Sharded builds: the large corpus on N runners (#18.6a, 6d)", "",
             data["machine"], "",
             f"Large corpus: {pred['units']:,} units (100 campaigns x 101 languages), "
             f"estimated cost {pred['weight']:,}. Built with `--allow-incomplete --jobs 2` "
             "(2 workers per runner, as on a 2-core CI runner).", "",
             "| target | measured | verdict |", "| --- | --- | --- |",
             "| 6a: the large corpus as N = 1, 4, 10, 20 shards: longest shard, merge, CI wall "
             "| the table below: predicted from two shards built end to end (M) | reported |",
             f"| 6d: peak memory of a shard < 500 MB | "
             f"{max(r['rss_mib'] for r in runs)} MiB (largest of the measured shards) | "
             f"{'met' if max(r['rss_mib'] for r in runs) * 1.048576 < 500 else 'MISSED'} |",
             f"| merge byte-identical to a plain build | small corpus, 4 shards: "
             f"{'identical' if small['identical'] else 'DIFFERENT'} (and the tests) | "
             f"{'met' if small['identical'] else 'MISSED'} |", "",
             "| N | units per shard (min-max) | imbalance (longest / mean, estimate) | longest "
             "shard | merge | CI wall (longest + merge) | full build / wall |",
             "| ---: | --- | ---: | ---: | ---: | ---: | ---: |"]
    full = pred["longest"][1]
    for n in COUNTS:
        row = parts[n]
        wall = pred["longest"][n] + merge_large
        lines.append(f"| {n} | {min(row['units'])}-{max(row['units'])} | "
                     f"{row['imbalance']:.3f} | {pred['longest'][n]:.0f} s (P) | "
                     f"{merge_large:.0f} s (P) | {wall:.0f} s (P) | {full / wall:.1f}x (P) |")
    slow = (runs[0]["unit_seconds"] / 2) / CALM_ONE_CAMPAIGN if runs[0]["units"] == 101 else 0
    scale = CALM_FULL_BUILD / full
    lines += ["", f"Every figure here was taken at load 4-8 on 2 shared cores: the 101 renders of "
              f"shard 1/100 took {runs[0]['unit_seconds'] / 2:.0f} s of render time, "
              f"{slow:.1f}x the {CALM_ONE_CAMPAIGN} s that 101 renders took at load ~2 "
              "(RESULTS-build.md, one campaign in all languages, --jobs 2). Ratios survive the "
              "load (the last column). Scaled so that N = 1 matches the calm full build "
              f"measured in RESULTS-build.md ({CALM_FULL_BUILD:,.0f} s; every part scaled alike, "
              "an assumption), the CI wall would be: " + ", ".join(
                  f"N = {n}: {(pred['longest'][n] + merge_large) * scale / 60:.0f} min"
                  for n in COUNTS[1:]) + "."]
    lines += ["", "(P): predicted from the measurements below; (M): measured. CI runner setup "
              "(checkout, apt-get, pip install: ~1-2 minutes on GitHub's runners, not "
              "measurable here) adds the same to every N.", "",
              "### Measured: two shards, each built end to end in its own copy", "",
              "| shard | units | estimated cost | wall (M) | render seconds summed over units (M) | "
              "predicted from the other shard | error | peak RSS (M) | load average |",
              "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |"]
    for run, check in zip(runs, pred["checks"]):
        error = 100 * (check["predicted"] - check["measured"]) / check["measured"]
        lines.append(f"| {run['shard']}/{run['of']} | {run['units']} | {run['weight']:,} | "
                     f"{run['seconds']:.0f} s | {run['unit_seconds']:.0f} s | "
                     f"{check['predicted']:.0f} s | {error:+.1f}% | {run['rss_mib']} MiB | "
                     f"{run['load']} |")
    peak = max(r["rss_mib"] for r in runs)
    lines += ["", f"- Seconds per unit of estimated cost (2 workers): {pred['per_weight']:.6f}; "
              f"a shard's fixed part (start-up, extract and update of all 10,000 catalogs, "
              f"hashing every input): {pred['fixed']:.0f} s (M).",
              "- How good the estimate is: the two shards, each predicted from the other's "
              "seconds per cost unit, come out within "
              f"{max(abs(c['predicted'] - c['measured']) / c['measured'] for c in pred['checks']):.0%}"
              " of their measured wall time, at a load that moved between 4 and 8. Per script, "
              "the medians of 1-20 units per shard (relative to the mean rate; 1.00 = the "
              "estimate is right) are " + ", ".join(
                  f"{k} {v:.2f}" for k, v in pred["by_script"].items()) + ": too few units "
              "and too much load to correct the script factors (a Khmer unit took 4.9 s in one "
              "shard, 49.8 s in the other, when a fresh worker loaded its fonts under load).",
              f"- Peak memory of a shard (6d, target < 500 MB): {peak} MiB "
              f"({'met' if peak * 1.048576 < 500 else 'NOT met'}; workers are replaced past "
              "~320 MB).", "",
              "### Merge", "",
              f"- Small corpus ({small['units']} units) built as 4 shards then merged (M): merge "
              f"{small['seconds']:.1f} s, {small['rss_mib']} MiB; byte-identical to a plain build "
              f"of the same copy: {'yes' if small['identical'] else 'NO'} (plain build "
              f"{small['plain']:.0f} s; shards {', '.join(f'{s:.0f}' for s in small['shards'])} s); "
              f"load {small['load']}.",
              f"- Large corpus, the merge command until its check (M): {large['seconds']:.1f} s "
              "(start-up, plan of 10,100 units, fingerprint of every input; run against the "
              f"calibration shards, it stops there: shards are missing), load {large['load']}.",
              f"- merge's copy of the {large['copied']} units of those shards (M): "
              f"{large['copy_seconds']:.1f} s; the download page over the whole plan with them "
              f"(M): {large['page_seconds']:.1f} s, and with none of them {empty:.1f} s (M); load "
              f"{large['page_load']}.",
              f"- Large merge (P) = the command until its check + copy and page (its part that "
              "grows with the units built) scaled to "
              f"{pred['units']:,} units = {large['seconds']:.0f} + {copy_all:.0f} + "
              f"{page_all:.0f} = {merge_large:.0f} s.", ""]
    return "\n".join(lines)


def unit_seconds(full: dict, plan) -> tuple[dict[str, float], int]:
    """Every unit's render seconds: as measured where its shard was built, else (shards not
    built) the median of the measured units in the same language (each shard holds units of
    90-odd languages and all 100 campaigns, whose sizes are alike); and how many measured."""
    measured = {key: t for r in full["shards"] for key, t in r["times"].items()}
    by_lang: dict[str, list[float]] = {}
    for key, seconds in measured.items():
        by_lang.setdefault(key.split("/")[1], []).append(seconds)
    median = {lang: statistics.median(v) for lang, v in by_lang.items()}
    overall = statistics.median(measured.values())
    return ({u.key: measured.get(u.key, median.get(u.key.split("/")[1], overall))
             for u in plan.units}, len(measured))


def derive(full: dict, plan, counts=COUNTS) -> dict:
    """Each N's longest shard from the units' render seconds (unit_seconds): a shard = the
    fixed part (the median, over the measured shards, of wall - render seconds / 2 workers)
    + its units' render seconds / 2, for the partition `--shard` makes at that N."""
    from pipeline.plan import partition

    runs = full["shards"]
    times, measured = unit_seconds(full, plan)
    fixed = statistics.median(r["seconds"] - r["unit_seconds"] / 2 for r in runs)
    rows = {}
    for n in counts:
        shares = partition(plan.units, n)
        walls = [fixed + sum(times[u.key] for u in share) / 2 for share in shares]
        rows[n] = {"longest": max(walls), "walls": walls, "units": [len(s) for s in shares]}
    return {"fixed": fixed, "rows": rows, "measured": measured}


def complete(run: dict | None, n: int) -> bool:
    """Every shard of N built end to end, and their real merge."""
    return bool(run) and len(run["shards"]) == n and "merge" in run


def boot_id() -> str:
    """This machine as booted: runs with the same id ran on the same machine, one after the
    other (each session here gets a fresh machine, and they differ in speed: a unit of the
    corpus took 1.78 s of render time on 2026-11-30's, 0.86 s on 2026-12-01's)."""
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        return platform.node()


def runs_of(data: dict, n: int) -> list[dict]:
    """Every run of shards kept but the run of N reported, as {"n", "run", "when", "same"}:
    this session's and earlier sessions' (data["full"], data["earlier"]: imported from the
    report one wrote); "same": on the same machine as the run of N, one after the other."""
    here = data["full"][str(n)].get("boot")
    out = []
    for c, run in data.get("full", {}).items():
        if int(c) != n:
            same = bool(here) and run.get("boot") == here
            out.append({"n": int(c), "run": run, "same": same,
                        "when": "" if same else run.get("started", "another session")[:10]})
    for c, run in data.get("earlier", {}).get("runs", {}).items():
        out.append({"n": int(c), "run": run, "same": False, "when": run["imported"]})
    return sorted(out, key=lambda r: (not r["same"], r["n"], r["when"]))


def per_unit(run: dict) -> float:
    """A run's render seconds per unit built: the machine's speed, as the corpus measures it."""
    shards = run["shards"]
    return sum(r["unit_seconds"] for r in shards) / max(sum(r["built"] for r in shards), 1)


def checks(data: dict, n: int, derived: dict) -> list[tuple[dict, dict, float]]:
    """(the run, a shard's record, the wall derived for it from the run of N) for every shard
    of another N built end to end, and not merged with all its N (those have rows of their
    own): in this session's runs or an earlier one's."""
    out = []
    for other in runs_of(data, n):
        if complete(other["run"], other["n"]) or other["n"] not in derived["rows"]:
            continue
        for r in sorted(other["run"]["shards"], key=lambda r: r["shard"]):
            out.append((other, r, derived["rows"][other["n"]]["walls"][r["shard"] - 1]))
    return out


def other_counts(data: dict, n: int, derived: dict) -> list[str]:
    """Report lines for the check shards (checks): each against the wall derived for it, and
    the render cost of its units in each run."""
    lines, away = [], []
    for other, r, d in checks(data, n, derived):
        c = other["n"]
        if not other["same"]:  # another machine's speed: not comparable with these walls
            away.append(f"{r['shard']}/{c} ({other['when']}, {r['seconds']:.0f} s)")
            continue
        same = 2 * (d - derived["fixed"]) / max(r["built"], 1)  # these units at N = n
        lines.append(
            f"- **Check at N = {c}: shard {r['shard']}/{c} built end to end** "
            f"({r['built']:,} units, {other['when'] + ' ' if other['when'] else ''}"
            f"{r['finished']}{'' if other['same'] else ', another machine'}): "
            f"{r['seconds']:.0f} s measured against {d:.0f} s derived from the N = {n} run "
            f"({100 * (d - r['seconds']) / r['seconds']:+.1f}%), peak RSS {r['rss_mib']} "
            f"MiB, load {r['load']}. Its units cost "
            f"{r['unit_seconds'] / max(r['built'], 1):.2f} s of render time each, where "
            f"the same units cost {same:.2f} s in the shards of N = {n}.")
    if away:
        lines.append("- Check shards built on other machines (" + ", ".join(away) + ") are "
                     "kept in the data; their walls do not compare with this machine's.")
    return lines


def _span(values: list[float], spec: str) -> str:
    """"lo-hi" of `values` in format `spec`, or the one value when they print the same."""
    lo, hi = format(min(values), spec), format(max(values), spec)
    return lo if lo == hi else f"{lo} to {hi}" if spec.startswith("+") else f"{lo}-{hi}"


def _shard_rows(runs: list[dict], n: int, walls: list[float] | None) -> list[str]:
    lines = ["| shard | units | built | wall | render seconds (sum over units) | "
             + ("derived wall | " if walls else "")
             + "peak RSS | load average (before -> after) | finished |",
             "| ---: | ---: | ---: | ---: | ---: | " + ("---: | " if walls else "")
             + "---: | --- | --- |"]
    for r in runs:
        lines.append(f"| {r['shard']}/{n} | {r['units']} | {r['built']} | {r['seconds']:.0f} s "
                     f"| {r['unit_seconds']:.0f} s | "
                     + (f"{walls[r['shard'] - 1]:.0f} s | " if walls else "")
                     + f"{r['rss_mib']} MiB | {r['load']} | {r['finished']} |")
    return lines


def _merge_seconds(full: dict, plan) -> tuple[float, str]:
    """The merge's seconds: measured (M), or predicted from its measured parts (P)."""
    if "merge" in full:
        return full["merge"]["seconds"], "M"
    parts = full["merge_parts"]
    share = parts["copied"] / len(plan.units)
    empty = parts["empty_page_seconds"]
    return (parts["seconds"] + parts["copy_seconds"] / share
            + empty + (parts["page_seconds"] - empty) / share), "P"


def report_all(data: dict, n: int, plan) -> str:
    """RESULTS-shard.md from the run of the shards of N (--parts all): every shard built end to
    end, or as many as the time allowed. The table is one machine's: the other N run on the
    same machine (the same boot) and merged are measured rows, the rest derived from this
    run's units. Runs on other machines (earlier sessions') are reported apart, with their
    render cost per unit; their check shards are compared with the derived walls."""
    full = data["full"][str(n)]
    runs = sorted(full["shards"], key=lambda r: r["shard"])
    done = complete(full, n)
    derived = derive(full, plan)
    longest = max(runs, key=lambda r: r["seconds"])
    merge, merge_mark = _merge_seconds(full, plan)
    own = derived["rows"][n]
    top = longest["seconds"] if done else max(longest["seconds"], own["longest"])
    built = sum(r["built"] for r in runs)
    # The longest shard is a measured one when no derived (unbuilt) shard is longer.
    mark = "M" if done or longest["seconds"] >= own["longest"] else "D"
    kept = runs_of(data, n)
    here = {o["n"]: o["run"] for o in kept if o["same"] and complete(o["run"], o["n"])}
    away = [o for o in kept if not o["same"] and complete(o["run"], o["n"])]
    rows = {}  # N -> (longest, its mark, merge, its mark, wall's mark)
    for c in COUNTS:
        if c == n:
            rows[c] = (top, mark, merge, merge_mark, mark)
        elif c in here:
            shards = here[c]["shards"]
            rows[c] = (max(r["seconds"] for r in shards), "M", here[c]["merge"]["seconds"],
                       "M", "M")
        else:
            rows[c] = (derived["rows"][c]["longest"], "D", merge, merge_mark, "D")
    d1 = rows[1][0] + rows[1][2]
    unbuilt = [c for c in COUNTS if c != n and c not in here]
    shard_count = len(runs) + sum(len(r["shards"]) for r in here.values())
    peak = max(r["rss_mib"] for run in [full, *here.values()] for r in run["shards"])
    same_runs = sorted([n, *here])
    lines = ["# Sharded builds: the large corpus on N runners (#18.6a, 6d)", "",
             f"Run {full['started']} to "
             f"{max([full.get('ended', runs[-1]['finished'])] + [r['run'].get('ended', '') for r in kept if r['same']])}"
             f", on {full.get('machine', '2 CPUs (x86_64), Python 3.11.7')}. "
             # What else ran meanwhile, written into the saved run by whoever ran it.
             + (f"N = {n}: " if here else "")
             + full.get("alongside", "The load averages are given with each shard.")
             + (" The other N's runs: below, with their shards." if here else ""), "",
             f"Large corpus: {len(plan.units):,} units (100 campaigns x 101 languages), as "
             + " and ".join(f"N = {c}" for c in same_runs) + " shards on one machine, "
             "**each shard built end to end in turn**, each in its own copy of the project (its "
             "own git repository, at one commit) with an empty campaign cache as a fresh CI "
             "runner has (`build --shard K/N --allow-incomplete --jobs 2`: 2 workers, as on a "
             "2-core runner)"
             + (", then one real `handbill merge` of each N's outputs into a fresh copy."
                if done else
                f". **{len(runs)} of the {n} shards were built** ({built:,} units, "
                f"{100 * built / len(plan.units):.0f}% of the corpus) before the session's "
                "time ran out; the other shards are derived from them (below).")
             + "".join(f" N = {o['n']} was built the same way, every shard and the merge, on "
                       f"another machine ({o['when']}), whose units cost "
                       f"{per_unit(o['run']) / per_unit(full):.2f}x this one's: its own section "
                       "below." for o in away), "",
             "| target | measured | verdict |", "| --- | --- | --- |"]
    for c in COUNTS:
        if c in same_runs:
            t, tm, m, mm, _ = rows[c]
            lines.append(f"| 6a: N = {c}: longest shard, merge, CI wall | {t:.0f} s ({tm}) + "
                         f"{m:.0f} s ({mm}) = **{t + m:.0f} s ({(t + m) / 60:.1f} min)** | "
                         "reported" + ("" if c != n or done else
                                       f"; {len(runs)} of {n} shards measured") + " |")
    for o in away:
        shards = o["run"]["shards"]
        t, m = max(r["seconds"] for r in shards), o["run"]["merge"]["seconds"]
        lines.append(f"| 6a: N = {o['n']}, on another machine ({o['when']}) | {t:.0f} s (M) + "
                     f"{m:.0f} s (M) = **{t + m:.0f} s ({(t + m) / 60:.1f} min)**; here: "
                     f"{rows[o['n']][0] + rows[o['n']][2]:.0f} s "
                     f"({rows[o['n']][4]}) | reported |")
    if unbuilt:
        lines.append(
            "| 6a: N = " + ", ".join(str(c) for c in unbuilt) + " on this machine | derived "
            f"from the measured units' render times of the N = {n} run (D), table below"
            + "".join(f"; checked by shard {r['shard']}/{o['n']} built end to end"
                      f"{' ' + o['when'] if o['when'] else ''} (derived "
                      f"{100 * (d - r['seconds']) / r['seconds']:+.1f}%)"
                      for o, r, d in checks(data, n, derived) if o["same"])
            + " | reported; not built end to end"
            + (" on this machine" if any(o["n"] in unbuilt for o in away) else "") + " |")
    lines += [f"| 6d: peak memory of a shard < 500 MB | {peak} MiB (largest of {shard_count} "
              f"shards on this machine) | {'met' if peak * 1.048576 < 500 else 'MISSED'} |", "",
              "This machine, every N:", "",
              "| N | units per shard | longest shard | merge | CI wall (longest + merge) | "
              "speed-up over N = 1 |", "| ---: | --- | ---: | ---: | ---: | ---: |"]
    for c in COUNTS:
        units = derived["rows"][c]["units"]
        t, tm, m, mm, wm = rows[c]
        w = t + m
        shown = f"**{w:.0f} s**" if wm == "M" else f"{w:.0f} s ({wm})"
        lines.append(f"| {c} | {min(units)}-{max(units)} | {t:.0f} s ({tm}) | {m:.0f} s ({mm})"
                     f" | {shown} | {d1 / w:.1f}x |")
    check = own["walls"]
    errors = [100 * (check[r["shard"] - 1] - r["seconds"]) / r["seconds"] for r in runs]
    lines += ["", f"(M): measured end to end on this machine. (D): derived from the N = {n} "
              "run's measurements: a shard = the fixed part (median over the measured shards of "
              f"wall minus render seconds / 2: {derived['fixed']:.0f} s; start-up, extract and "
              "update of all 10,000 catalogs, hashing every input) + its units' render "
              "seconds / 2 workers, for the partition `build --shard` makes at that N; a "
              f"unit's render seconds are measured ({derived['measured']:,} units) or, for a "
              "unit of a shard not built, the median of the measured units in its language. "
              f"Checked on the measured shards of N = {n}: derived against measured wall, "
              f"{min(errors):+.1f}% to {max(errors):+.1f}%.",
              "- Merge: " + (f"measured, {full['merge']['seconds']:.0f} s, "
                             f"{full['merge']['rss_mib']} MiB, {full['merge']['files']:,} files"
                             f" ({full['merge']['bytes'] / 1e9:.1f} GB), load "
                             f"{full['merge']['load']}. {full['merge'].get('note', '')}"
                             if "merge" in full else
                             f"(P) from its parts measured: {full['merge_parts']}.") +
              " The merge copies every unit whatever N is: about the same figure for every N "
              "(derived rows take the N = " + f"{n} run's). Byte-identity with a plain build is "
              "tested on the shipped campaign and a generated multi-campaign project (tests), "
              "and on the small corpus in the earlier run below."]
    for c in same_runs:
        run = full if c == n else here[c]
        shards = sorted(run["shards"], key=lambda r: r["shard"])
        slow = max(shards, key=lambda r: r["seconds"])
        walls = derived["rows"][c]["walls"]
        errs = [100 * (walls[r["shard"] - 1] - r["seconds"]) / r["seconds"] for r in shards]
        seconds = [r["seconds"] for r in shards]
        lines.append(
            f"- N = {c}, {len(shards)} shard{'s' if len(shards) > 1 else ''}: "
            f"{sum(r['built'] for r in shards):,} units built "
            f"({sum(r['failed'] for r in shards)} failed), wall {_span(seconds, '.0f')} s"
            + (f" (median {statistics.median(seconds):.0f} s); the slowest, shard "
               f"{slow['shard']}," if len(shards) > 1 else ";")
            + f" ran at load {slow['load']}. A unit cost {per_unit(run):.2f} s of render time"
            + (f" (per shard {_span([r['unit_seconds'] / r['built'] for r in shards], '.2f')}"
               " s)" if len(shards) > 1 else "") + " with 2 workers"
            + ("" if c == n else f"; its shards' walls derived from the N = {n} run are "
               f"{_span(errs, '+.1f')}% off what they measured")
            + (f"; merge {run['merge']['seconds']:.0f} s, {run['merge']['rss_mib']} MiB, load "
               f"{run['merge']['load']}" if c != n else "") + "."
            + (f" Built {run['started']} to {run.get('ended', shards[-1]['finished'])}. "
               + run.get("alongside", "") if c != n else ""))
    lines += [f"- A unit cost {per_unit(full):.2f} s of render time here, against 1.04 s in "
              "one plain full build of the corpus (5,265 s, RESULTS-build.md, 2026-11-26, "
              "another machine, older code). " + full.get("unit_cost_note", ""),
              *other_counts(data, n, derived),
              "- CI runner set-up (checkout, apt-get, pip install: ~1-2 minutes on GitHub's "
              "runners, not measurable here) adds the same to every N."]
    for c in same_runs:
        run = full if c == n else here[c]
        lines += ["", f"### N = {c}, shard by shard", "",
                  *_shard_rows(sorted(run["shards"], key=lambda r: r["shard"]), c,
                               derived["rows"][c]["walls"])]
    for o in away:
        run, c = o["run"], o["n"]
        shards = sorted(run["shards"], key=lambda r: r["shard"])
        slow = max(shards, key=lambda r: r["seconds"])
        m = run["merge"]
        lines += ["", f"## N = {c} on another machine ({o['when']}): every shard built end to "
                  "end and merged", "",
                  f"Run {run['started']} to {shards[-1]['finished']}. "
                  + run.get("alongside", ""), "",
                  "| N | longest shard | merge | CI wall | speed-up over N = 1 (that run's "
                  "derived N = 1) | a unit's render cost | against this machine's |",
                  "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
                  f"| {c} | {slow['seconds']:.0f} s (M) | {m['seconds']:.0f} s (M) | "
                  f"**{slow['seconds'] + m['seconds']:.0f} s** | "
                  + (f"{run['derived_1'] / (slow['seconds'] + m['seconds']):.1f}x"
                     if run.get("derived_1") else "-")
                  + f" | {per_unit(run):.2f} s | {per_unit(run) / per_unit(full):.2f}x |", "",
                  f"- The slowest shard, {slow['shard']}, ran at load {slow['load']}; median "
                  f"{statistics.median(r['seconds'] for r in shards):.0f} s. Merge "
                  f"{m['seconds']:.0f} s, {m['rss_mib']} MiB, {m['files']:,} files "
                  f"({m['bytes'] / 1e9:.1f} GB), load {m['load']}. {m.get('note', '')}"
                  + (f" ({run['imported_note']}.)" if run.get("imported_note") else ""),
                  "", *_shard_rows(shards, c, None)]
    earlier = data.get("earlier", {}).get("prediction") or (
        (RESULTS / "shard-prediction.md").read_text().split("\n", 1)[1]
        if (RESULTS / "shard-prediction.md").is_file() else "")
    if earlier:
        old = earlier.replace("\n### ", "\n#### ")
        lines += ["", "## Before these runs: the prediction from two calibration shards", "",
                  "What RESULTS-shard.md said before any N was built (kept to compare the "
                  "model with the measurement).", old.strip()]
    return "\n".join(lines) + "\n"


_IMPORTED_ROW = re.compile(r"^\| (\d+)/(\d+) \| (\d+) \| (\d+) \| (\d+) s \| (\d+) s \| \d+ s \| "
                           r"(\d+) MiB \| ([^|]+?) \| ([^|]+?) \|$")
_IMPORTED_CHECK = re.compile(
    r"^- \*\*Check at N = (\d+): shard (\d+)/\d+ built end to end\*\* \(([\d,]+) units, "
    r"([^)]+)\): (\d+) s measured .*?peak RSS (\d+) MiB, load (.+?)\. Its units cost "
    r"([\d.]+) s")


def import_report(text: str, when: str) -> dict:
    """data["earlier"] from a RESULTS-shard.md written by report_all from a run whose saved
    data did not survive (the 2026-11-30 run of N = 20, on a machine since replaced): its
    complete run (each shard's figures as the report rounded them; no unit's own time), its
    check shards, and the prediction kept below it."""
    head = re.search(r"^Run (.+?) to .+? UTC, on .+?\. (.*)$", text, re.M)
    merge = re.search(r"^- Merge: measured, (\d+) s, (\d+) MiB, ([\d,]+) files \(([\d.]+) GB\), "
                      r"load (.+? -> [\d. ]+?)\. (.*?) The merge copies", text, re.M)
    runs: dict[str, dict] = {}
    for line in text.splitlines():
        row = _IMPORTED_ROW.match(line)
        check = _IMPORTED_CHECK.match(line)
        if row:
            k, c, units, built, seconds, unit_s, rss, load_, fin = row.groups()
            run = runs.setdefault(c, {"shards": [], "imported": when})
            run["shards"].append({"shard": int(k), "seconds": float(seconds),
                                  "rss_mib": int(rss), "load": load_, "units": int(units),
                                  "built": int(built), "failed": 0,
                                  "unit_seconds": float(unit_s), "times": {},
                                  "finished": fin})
        elif check:
            c, k, units, fin, seconds, rss, load_, per_unit = check.groups()
            units_n = int(units.replace(",", ""))
            run = runs.setdefault(c, {"shards": [], "imported": when})
            run["shards"].append({"shard": int(k), "seconds": float(seconds),
                                  "rss_mib": int(rss), "load": load_, "units": units_n,
                                  "built": units_n, "failed": 0,
                                  "unit_seconds": float(per_unit) * units_n, "times": {},
                                  "finished": fin})
    if head is None or merge is None or not runs:
        raise SystemExit("not a RESULTS-shard.md written by report_all")
    whole = max(runs, key=lambda c: len(runs[c]["shards"]))
    runs[whole].update(
        started=head.group(1), alongside=head.group(2),
        imported_note="figures as its report rounded them; its units' own times were not kept",
        merge={"seconds": float(merge.group(1)), "rss_mib": int(merge.group(2)),
               "files": int(merge.group(3).replace(",", "")),
               "bytes": float(merge.group(4)) * 1e9, "load": merge.group(5),
               "note": merge.group(6)})
    one = re.search(r"^\| 1 \| [\d-]+ \| \d+ s \(D\) \| \d+ s \(M\) \| (\d+) s \(D\) \|",
                    text, re.M)
    if one:  # the CI wall it derived for N = 1 from its own units: its speed-ups' base
        runs[whole]["derived_1"] = float(one.group(1))
    prediction = text.split("\n## Before this run: the prediction from two calibration shards"
                            "\n", 1)
    kept = prediction[1].split("\n", 2)[2] if len(prediction) == 2 else ""
    return {"runs": runs, "prediction": "\n" + kept.replace("\n#### ", "\n### ")}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--parts", default="partition,calibrate,merge")
    parser.add_argument("--fresh", action="store_true", help="forget earlier calibration runs")
    parser.add_argument("--count", type=int, default=20,
                        help="N for --parts all: every shard of N built in turn, then merged")
    parser.add_argument("--only", help="--parts all: build only these shards of N (e.g. 1): "
                        "a check of the figures derived from another N's run; no merge")
    parser.add_argument("--report", type=int, default=None,
                        help="--parts all: the N whose run RESULTS-shard.md reports (default "
                             "--count)")
    parser.add_argument("--no-build", action="store_true",
                        help="--parts all: build no more shards; report what was built")
    parser.add_argument("--restart", action="store_true",
                        help="--parts all: forget the run of N (--count) and build it anew")
    parser.add_argument("--import-earlier", metavar="REPORT",
                        help="keep the runs a RESULTS-shard.md reports (one whose saved run "
                             "was lost) as earlier runs, reported beside this one")
    parser.add_argument("--when", default="", help="--import-earlier: whose run it was, e.g. "
                        "'2026-11-30, a29921c'")
    args = parser.parse_args(argv)
    parts_asked = args.parts.split(",")
    WORK.mkdir(parents=True, exist_ok=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    SAVED.parent.mkdir(parents=True, exist_ok=True)
    started = time.time()
    start_load = load()
    v1 = corpus.build("large") / "v1"
    plan = plan_of(v1)
    parts = partition_rows(plan)
    saved = SAVED
    data = json.loads(saved.read_text()) if saved.exists() and not args.fresh else {}
    if args.import_earlier:
        data["earlier"] = import_report(Path(args.import_earlier).read_text(), args.when)
    data["partition"] = {str(n): row for n, row in parts.items()}
    for n, row in parts.items():
        print(f"N={n}: units {min(row['units'])}-{max(row['units'])}, weights "
              f"{min(row['weights'])}-{max(row['weights'])}, imbalance {row['imbalance']:.4f}",
              flush=True)
    if "calibrate" in parts_asked:
        # Every shard of this corpus weighs the same (100 campaigns of the same size): two
        # shards of different sizes test the model (fixed part + cost x rate) better than two
        # of the same N, and fit in the time the shared machine gives.
        calibrate(v1, plan, [(1, 100), (1, 40)], saved, data)
    if "all" in parts_asked and args.restart:
        data.get("full", {}).pop(str(args.count), None)
    if "all" in parts_asked:
        only = {int(k) for k in args.only.split(",")} if args.only else None
        build_all(v1, plan, args.count, saved, data, build=not args.no_build, only=only)
        (HERE / "RESULTS-shard.md").write_text(report_all(data, args.report or args.count, plan))
        print((HERE / "RESULTS-shard.md").read_text())
    if "merge" in parts_asked:
        data["merge_small"] = merge_small()
        biggest = max(data["calibration"], key=lambda r: r["units"])  # shards of two Ns overlap
        data["merge_large"] = merge_large(v1, [biggest["output"]])
    if "calibrate" in parts_asked or "merge" in parts_asked:
        data["machine"] = (f"Run {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime(started))} on "
                           f"{os.cpu_count()} CPUs ({platform.processor() or platform.machine()})"
                           f", Python {platform.python_version()}; load average at the start "
                           f"{start_load}, at the end {load()} (the machine is shared).")
    saved.write_text(json.dumps(data, indent=1))
    if "calibration" in data and "merge_small" in data and "all" not in parts_asked:
        data["partition"] = {int(n): row for n, row in data["partition"].items()}
        data["predict"] = predict(data["partition"], data["calibration"], plan)
        (HERE / "RESULTS-shard.md").write_text(report(data))
        print((HERE / "RESULTS-shard.md").read_text())
    return 0


if __name__ == "__main__":
    sys.exit(main())
