"""handbill against the peer tools, on the same generated input in the same run (issue #7).

    bash benchmarks/run.sh [--scales small,medium,large] [--workloads extract,update,memory]

run.sh installs the peers first; this script only measures. Each workload is a function
registered by name; it times every tool on the same corpus (benchmarks/corpus.py), one warm-up
run and then interleaved repetitions (the median is reported), and stores its rows in
benchmarks/work/results/<scale>.json. RESULTS.md is rebuilt from every stored scale.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
WORK = HERE / "work"
RESULTS_DIR = WORK / "results"
PEERS = WORK / "peers-venv" / "bin"
APP = REPO / ".venv" / "bin"
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(HERE))

import corpus  # noqa: E402
from pipeline.catalogs.pofile import read_catalog  # noqa: E402

# Repetitions per scale: (handbill and fast peers, slow peers).
REPS = {"small": (5, 3), "medium": (3, 3), "large": (3, 2)}
# pybabel takes ~0.15 s per catalog: above this many domains it runs on an even sample of them.
PYBABEL_MAX_DOMAINS = {"small": 1, "medium": 5, "large": 5}


@dataclass
class Row:
    workload: str
    scale: str
    tool: str
    median: float | None  # seconds (estimated for the whole input when sampled)
    reps: int
    cpu: float | None = None  # user+sys seconds of the median run's processes
    count: str = ""  # messages extracted, catalogs merged, ...
    note: str = ""
    baseline: bool = False  # the handbill row others are compared with


@dataclass
class Context:
    scale: str
    root: Path  # the corpus of this scale
    work: Path  # scratch space for this scale
    env: dict
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    extra: dict = field(default_factory=dict)

    @property
    def campaigns(self) -> list[str]:
        return sorted(p.name for p in (self.root / "v1" / "source").iterdir())

    @property
    def languages(self) -> list[str]:
        return list(corpus.LOCALES[: corpus.SCALES[self.scale].languages])

    def only_campaigns(self, names: list[str] | None = None) -> list[str]:
        return [arg for name in (names or self.campaigns) for arg in ("-c", name)]


@dataclass
class Tool:
    name: str
    argv: list[str]
    prepare: Callable[[], None] | None = None  # untimed, before every run
    reps: int = 3
    factor: float = 1.0  # measured time x factor = estimate for the whole input (sampling)
    note: str = ""
    baseline: bool = False
    cwd: Path | None = None
    warmup: bool = True  # off for runs so long that a warm-up would only cost time


WORKLOADS: dict[str, Callable[[Context], None]] = {}


def workload(name: str):
    def register(func):
        WORKLOADS[name] = func
        return func
    return register


# ---------------------------------------------------------------------------- measuring


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_once(tool: Tool, env: dict) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one run, after its untimed preparation."""
    if tool.prepare:
        tool.prepare()
    cpu0, t0 = _children_cpu(), time.perf_counter()
    proc = subprocess.run(tool.argv, env=env, cwd=tool.cwd, stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE)
    wall, cpu = time.perf_counter() - t0, _children_cpu() - cpu0
    if proc.returncode != 0:
        raise RuntimeError(f"{tool.name} failed ({proc.returncode}): {' '.join(tool.argv)}\n"
                           + proc.stderr.decode("utf-8", "replace")[-2000:])
    return wall, cpu


def measure(ctx: Context, name: str, tools: list[Tool], counts: dict[str, str] | None = None,
            warmup: bool = True) -> dict[str, float]:
    """Time the tools interleaved (one warm-up each, then rounds); add rows; {tool: median}."""
    if warmup:
        for tool in tools:
            if tool.warmup:
                run_once(tool, ctx.env)
    times: dict[str, list[tuple[float, float]]] = {t.name: [] for t in tools}
    for rep in range(max(t.reps for t in tools)):
        for tool in tools:
            if rep < tool.reps:
                times[tool.name].append(run_once(tool, ctx.env))
    medians = {}
    for tool in tools:
        runs = sorted(times[tool.name])
        wall, cpu = runs[(len(runs) - 1) // 2] if len(runs) % 2 else (
            statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs))
        medians[tool.name] = wall * tool.factor
        ctx.rows.append(Row(name, ctx.scale, tool.name, wall * tool.factor, len(runs),
                            cpu * tool.factor, (counts or {}).get(tool.name, ""), tool.note,
                            tool.baseline))
        print(f"  {name:<28} {tool.name:<34} {wall * tool.factor:8.3f} s  "
              f"(cpu {cpu * tool.factor:.3f} s, {len(runs)} runs)", flush=True)
    return medians


def script(path: Path, lines: list[str]) -> list[str]:
    """A shell script running one command per line, the way people loop over files."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("set -e\n" + "\n".join(lines) + "\n")
    return ["bash", str(path)]


def fresh_copy(src: Path, dst: Path) -> Callable[[], None]:
    def prepare():
        if dst.exists():
            shutil.rmtree(dst)
        shutil.copytree(src, dst)
    return prepare


def fresh_dir(path: Path) -> Callable[[], None]:
    def prepare():
        if path.exists():
            shutil.rmtree(path)
        path.mkdir(parents=True)
    return prepare


def handbill_argv(project: Path, *args: str) -> list[str]:
    return [str(APP / "handbill"), "--project", str(project), *args]


def count_messages(paths: list[Path], only_ref: str | None = None) -> int:
    total = 0
    for path in paths:
        for entry in read_catalog(path).messages:
            if only_ref is None or any(only_ref in ref for ref in entry.references):
                total += 1
    return total


def project_copy(ctx: Context, name: str, source: Path) -> Path:
    """A handbill project (settings + sources, no catalogs) under the scale's work folder."""
    proj = ctx.work / name
    if proj.exists():
        shutil.rmtree(proj)
    proj.mkdir(parents=True)
    shutil.copy(ctx.root / "v1" / "handbill.toml", proj / "handbill.toml")
    shutil.copytree(source, proj / "source")
    return proj


# ---------------------------------------------------------------------------- workloads


@workload("extract")
def extract(ctx: Context) -> None:
    """handbill extract (all campaigns, one process) vs po4a, translate-toolkit and mdpo, each
    run once per campaign's leaflet as people run them; po4a also with one config for all."""
    fast, slow = REPS[ctx.scale]
    proj = project_copy(ctx, "extract", ctx.root / "v1" / "source")
    out = ctx.work / "extract-out"
    leaflets = [(c, proj / "source" / c / "leaflet.md") for c in ctx.campaigns]
    tools = [Tool("handbill extract", handbill_argv(proj, "extract", *ctx.only_campaigns()),
                  fresh_dir(proj / "locales"), fast, baseline=True,
                  note="one process; leaflet + posts + metadata of every campaign")]
    have = shutil.which("po4a-updatepo") is not None
    if have:
        tools.append(Tool("po4a-updatepo (per campaign)", script(ctx.work / "po4a.sh", [
            f"po4a-updatepo -f text -o markdown -M UTF-8 -m {md} -p {out}/po4a/{c}.pot "
            ">/dev/null 2>&1" for c, md in leaflets]), fresh_dir(out / "po4a"), fast,
            note="leaflet.md only"))
        cfg = ctx.work / "po4a.cfg"
        cfg.write_text("[po4a_langs] fr\n[po4a_paths] " f"{out}/po4a-cfg/leaflets.pot "
                       f"$lang:{out}/po4a-cfg/$lang.po\n" + "".join(
                           f"[type: text] {md} $lang:{out}/po4a-cfg/{c}.$lang.md "
                           "opt:\"-o markdown\"\n" for c, md in leaflets))
        tools.append(Tool("po4a (one po4a.cfg for all)", ["po4a", "--no-translations", "-q",
                                                          str(cfg)],
                          fresh_dir(out / "po4a-cfg"), fast, note="leaflet.md only"))
    else:
        ctx.notes.append("po4a is not installed: its extract rows are missing.")
    if (PEERS / "python").exists():
        tools.append(Tool("translate-toolkit md2po (per campaign)", script(
            ctx.work / "tt.sh", [f"{PEERS}/python -m translate.convert.md2po --pot -i {md} "
                                 f"-o {out}/tt/{c}.pot" for c, md in leaflets]),
            fresh_dir(out / "tt"), slow, note="leaflet.md only", warmup=ctx.scale != "large"))
        tools.append(Tool("mdpo md2po (per campaign)", script(
            ctx.work / "mdpo.sh", [f"{PEERS}/python -m mdpo.md2po {md} -s -q "
                                   f"-p {out}/mdpo/{c}.po" for c, md in leaflets]),
            fresh_dir(out / "mdpo"), slow, note="leaflet.md only"))
    else:
        ctx.notes.append("The peers venv is missing (run benchmarks/run.sh): translate-toolkit "
                         "and mdpo rows are missing.")
    medians = measure(ctx, "extract", tools)
    counts = {}
    pots = sorted((proj / "locales").glob("*.pot"))
    counts["handbill extract"] = (f"{count_messages(pots)} messages "
                                  f"({count_messages(pots, 'leaflet.md')} from leaflets)")
    for tool, folder in (("po4a-updatepo (per campaign)", "po4a"),
                         ("po4a (one po4a.cfg for all)", "po4a-cfg"),
                         ("translate-toolkit md2po (per campaign)", "tt"),
                         ("mdpo md2po (per campaign)", "mdpo")):
        files = sorted((out / folder).glob("*.pot")) + sorted((out / folder).glob("c*.po"))
        if tool in medians and files:
            counts[tool] = f"{count_messages(files)} messages"
    for row in ctx.rows:
        if row.workload == "extract" and row.tool in counts:
            row.count = counts[row.tool]


def _v2_pots(ctx: Context) -> Path:
    """The version-2 templates, made by handbill extract (untimed): msgmerge's input."""
    proj = project_copy(ctx, "v2-templates", ctx.root / "v2" / "source")
    subprocess.run(handbill_argv(proj, "extract", *ctx.only_campaigns()), env=ctx.env,
                   check=True, stdout=subprocess.DEVNULL)
    return proj / "locales"


@workload("update")
def update(ctx: Context) -> None:
    """Update every catalog after the source change: handbill update vs msgmerge --previous
    (one process per catalog) vs pybabel update (one call per domain); then one campaign and
    one catalog alone; then how often handbill and msgmerge chose the same fuzzy match."""
    fast, slow = REPS[ctx.scale]
    v1_locales = ctx.root / "v1" / "locales"
    pots = _v2_pots(ctx)
    langs, campaigns = ctx.languages, ctx.campaigns
    hb = project_copy(ctx, "update-handbill", ctx.root / "v2" / "source")
    mm = ctx.work / "update-msgmerge"
    pb = ctx.work / "update-pybabel"
    n = len(langs) * len(campaigns)

    def msgmerge_lines(locales: Path, names: list[str], languages: list[str]) -> list[str]:
        return [f"msgmerge --previous --quiet --update --backup=off "
                f"{locales}/{lang}/LC_MESSAGES/{c}.po {pots}/{c}.pot"
                for c in names for lang in languages]

    step = max(1, -(-len(campaigns) // PYBABEL_MAX_DOMAINS[ctx.scale]))
    sample = campaigns[::step]
    pybabel_note = ("" if len(sample) == len(campaigns) else
                    f"sampled: {len(sample)} of {len(campaigns)} domains timed, x"
                    f"{len(campaigns) / len(sample):.0f}")
    tools = [
        Tool("handbill update", handbill_argv(hb, "update", *ctx.only_campaigns()),
             fresh_copy(v1_locales, hb / "locales"), fast, baseline=True,
             note="one command; includes re-extracting the templates"),
        Tool("msgmerge --previous (per catalog)",
             script(ctx.work / "msgmerge.sh", msgmerge_lines(mm / "locales", campaigns, langs)),
             fresh_copy(v1_locales, mm / "locales"), fast, warmup=ctx.scale != "large"),
    ]
    if (PEERS / "pybabel").exists():
        tools.append(Tool(
            "pybabel update --previous (per domain)", script(ctx.work / "pybabel.sh", [
                f"{PEERS}/pybabel -q update -i {pots}/{c}.pot -d {pb}/locales -D {c} "
                "--previous -w 79" for c in sample]),
            fresh_copy(v1_locales, pb / "locales"), slow, len(campaigns) / len(sample),
            pybabel_note, warmup=ctx.scale != "large"))
    measure(ctx, "update (all catalogs)", tools,
            {t.name: f"{n} catalogs" for t in tools})
    ctx.extra["agreement"] = agreement(ctx, hb / "locales", mm / "locales", pots, campaigns,
                                       langs)

    first = campaigns[0]
    one = [
        Tool("handbill update", handbill_argv(hb, "update", "-c", first),
             fresh_copy(v1_locales, hb / "locales"), fast, baseline=True),
        Tool("msgmerge --previous (per catalog)",
             script(ctx.work / "msgmerge-one.sh", msgmerge_lines(mm / "locales", [first],
                                                                 langs)),
             fresh_copy(v1_locales, mm / "locales"), fast),
    ]
    measure(ctx, "update (one campaign)", one, {t.name: f"{len(langs)} catalogs" for t in one})
    lang = langs[0]
    single = [
        Tool("handbill update", handbill_argv(hb, "update", "-c", first, "-l", lang),
             fresh_copy(v1_locales, hb / "locales"), fast, baseline=True,
             note="mostly interpreter start-up"),
        Tool("msgmerge --previous", script(ctx.work / "msgmerge-single.sh", msgmerge_lines(
            mm / "locales", [first], [lang])), fresh_copy(v1_locales, mm / "locales"), fast),
    ]
    measure(ctx, "update (one catalog)", single, {t.name: "1 catalog" for t in single})


def agreement(ctx: Context, ours: Path, theirs: Path, pots: Path, campaigns: list[str],
              langs: list[str]) -> dict:
    """Compare handbill's and msgmerge's fuzzy matches entry by entry.

    Two measures: the same `#| msgid` (previous msgid) written, and the same old message
    chosen (the same translation carried over: the pseudo-translations differ per message).
    They differ where the chosen old entry was itself fuzzy without a `#| msgid`: msgmerge then
    writes none, handbill writes the old msgid.
    """
    new_either = new_same = new_source_either = new_source_same = 0
    all_either = all_same = ours_only = theirs_only = 0
    for c in campaigns:
        old_keys = {e.key for e in read_catalog(ctx.root / "v1" / "locales" / f"{c}.pot").messages}
        for lang in langs:
            a = {e.key: e for e in read_catalog(ours / lang / "LC_MESSAGES" / f"{c}.po").messages}
            b = {e.key: e for e in read_catalog(theirs / lang / "LC_MESSAGES" /
                                                f"{c}.po").messages}
            for key in a.keys() | b.keys():
                ea, eb = a.get(key), b.get(key)
                pa = ea.previous_msgid if ea is not None and ea.fuzzy else None
                pb = eb.previous_msgid if eb is not None and eb.fuzzy else None
                if pa is not None or pb is not None:
                    all_either += 1
                    all_same += pa == pb
                if key in old_keys:
                    continue  # an unchanged message: an exact match, not a fuzzy one
                if pa is not None or pb is not None:
                    new_either += 1
                    new_same += pa == pb
                # The old message each tool chose, told by the translation it carried over.
                sa = ea.msgstr if ea is not None and ea.fuzzy and ea.msgstr else None
                sb = eb.msgstr if eb is not None and eb.fuzzy and eb.msgstr else None
                if sa is not None or sb is not None:
                    new_source_either += 1
                    new_source_same += sa == sb
                    ours_only += sb is None
                    theirs_only += sa is None
    def pct(same, either):
        return 100.0 * same / either if either else 100.0
    result = {
        "new_either": new_either, "new_same": new_same,
        "new_percent": pct(new_same, new_either),
        "source_either": new_source_either, "source_same": new_source_same,
        "source_percent": pct(new_source_same, new_source_either),
        "handbill_only": ours_only, "msgmerge_only": theirs_only,
        "all_either": all_either, "all_same": all_same,
        "all_percent": pct(all_same, all_either),
    }
    print(f"  fuzzy agreement with msgmerge: same #| msgid in {result['new_percent']:.1f}% of "
          f"{new_either}; same old message chosen in {result['source_percent']:.1f}% of "
          f"{new_source_either}", flush=True)
    return result


@workload("one-catalog")
def one_catalog(ctx: Context) -> None:
    """At the large scale: the update of ONE catalog holding the whole large text of a language
    (6,000 messages, the corpus `large-one-catalog`), handbill against msgmerge --previous:
    where fuzzy matching, not start-up, is the cost. pybabel is left out: about 7 minutes per
    run on a catalog this size."""
    if ctx.scale != "large":
        return
    root = corpus.build("large-one-catalog")
    big = Context("large", root, ctx.work / "one-catalog", ctx.env)
    big.work.mkdir(parents=True, exist_ok=True)
    v1_locales = root / "v1" / "locales"
    pots = _v2_pots(big)
    name, lang = big.campaigns[0], "es"
    hb = project_copy(big, "update-handbill", root / "v2" / "source")
    mm = big.work / "update-msgmerge"
    tools = [
        Tool("handbill update", handbill_argv(hb, "update", "-c", name, "-l", lang),
             fresh_copy(v1_locales, hb / "locales"), 3, baseline=True,
             note="includes re-extracting the template"),
        Tool("msgmerge --previous", script(big.work / "msgmerge-big.sh", [
            f"msgmerge --previous --quiet --update --backup=off "
            f"{mm}/locales/{lang}/LC_MESSAGES/{name}.po {pots}/{name}.pot"]),
             fresh_copy(v1_locales, mm / "locales"), 2, warmup=False),
    ]
    measure(ctx, "update (one catalog of 6,000 messages)", tools,
            {t.name: "1 catalog, 6000 messages" for t in tools})
    ctx.extra["one_catalog_agreement"] = agreement(big, hb / "locales", mm / "locales", pots,
                                                   [name], [lang])


@workload("memory")
def memory(ctx: Context) -> None:
    """Peak memory (max RSS, as /usr/bin/time -v reports it) of handbill update, all catalogs."""
    hb = project_copy(ctx, "memory-handbill", ctx.root / "v2" / "source")
    fresh_copy(ctx.root / "v1" / "locales", hb / "locales")()
    out = ctx.work / "memory.txt"
    argv = ["/usr/bin/time", "-f", "%M", "-o", str(out),
            *handbill_argv(hb, "update", *ctx.only_campaigns())]
    subprocess.run(argv, env=ctx.env, check=True, stdout=subprocess.DEVNULL)
    kib = int(out.read_text().split()[-1])
    ctx.rows.append(Row("peak memory: update", ctx.scale, "handbill update", None, 1,
                        count=f"{kib / 1024:.0f} MiB max RSS",
                        note="largest single process (the parent; forked workers share its "
                             "pages)", baseline=True))
    print(f"  peak memory of handbill update: {kib / 1024:.0f} MiB", flush=True)


DEFAULT_WORKLOADS = ("extract", "update", "one-catalog", "memory")


# ---------------------------------------------------------------------------- the report


def _version(argv: list[str]) -> str:
    try:
        out = subprocess.run(argv, capture_output=True, text=True, timeout=60)
        return (out.stdout or out.stderr).strip().splitlines()[0]
    except (OSError, IndexError, subprocess.TimeoutExpired):
        return "not installed"


def machine() -> dict:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    peers_py = str(PEERS / "python")
    meta = ("import importlib.metadata as m; print(' / '.join(f'{n} {m.version(n)}' for n in "
            "('translate-toolkit', 'mdpo', 'babel')))")
    return {
        "date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "os": platform.platform(),
        "python": platform.python_version(),
        "handbill": _version([str(APP / "handbill"), "--version"]),
        "msgmerge": _version(["msgmerge", "--version"]),
        "po4a": _version(["po4a", "--version"]),
        "peers": _version([peers_py, "-c", meta]),
        "load": " ".join(f"{x:.2f}" for x in os.getloadavg()),
    }


TARGETS = """\
- update, medium, all 50 languages: handbill at most 0.25x msgmerge's time.
- update, large: at most 0.25x msgmerge for all catalogs, and for ONE catalog holding a whole
  language of the large text (6,000 messages: the issue's "one catalog of ~6,400", where
  msgmerge's fuzzy search is the cost). A 60-message catalog alone is reported for
  information: one process for one small file is mostly interpreter start-up.
- handbill's fuzzy matches agree with msgmerge's (same `#| msgid`) at least 90% of the time;
  also shown: how often both chose the same old message (the same translation carried over).
- extract: no slower than po4a at every scale (po4a run per campaign, and with one po4a.cfg).

In this table, times are compared as handbill ÷ peer: below 1 means handbill is faster."""


def _fmt(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    return f"{seconds:.3f}" if seconds < 10 else f"{seconds:.1f}"


def _share_row(target: str, scale: str, agree: dict, measure: str) -> str:
    """A target row for an agreement share (`measure`: "new" or "source"), 90% to meet."""
    percent = agree[f"{measure}_percent"]
    return (f"| {target} | {scale} | {percent:.1f}% of {agree[f'{measure}_either']} | "
            f"{'met' if percent >= 90 else 'MISSED'} |")


def render_results(results: dict[str, dict]) -> str:
    lines = ["# Benchmarks: handbill against the peer tools", "",
             "Generated by `bash benchmarks/run.sh` (see benchmarks/README.md); do not edit.",
             "Times are medians of wall-clock seconds over the runs shown (after one warm-up "
             "run); *x handbill* is the tool's time divided by handbill's on the same workload "
             "in the same run (above 1: handbill is faster). CPU is user+sys of all processes.",
             "", "## Targets", "", TARGETS, "",
             "| target | scale | measured (handbill ÷ peer, or share) | verdict |",
             "| --- | --- | --- | --- |"]
    for scale in ("small", "medium", "large"):
        data = results.get(scale)
        if not data:
            continue
        rows = [Row(**r) for r in data["rows"]]

        def med(workload, tool):
            return next((r.median for r in rows if r.workload == workload and r.tool == tool
                         and r.median), None)
        hb = med("update (all catalogs)", "handbill update")
        mm = med("update (all catalogs)", "msgmerge --previous (per catalog)")
        if hb and mm and scale in ("medium", "large"):
            ratio = hb / mm
            lines.append(f"| update, all catalogs, ≤ 0.25x msgmerge | {scale} | {ratio:.2f}x | "
                         f"{'met' if ratio <= 0.25 else 'MISSED'} |")
        hb1 = med("update (one catalog of 6,000 messages)", "handbill update")
        mm1 = med("update (one catalog of 6,000 messages)", "msgmerge --previous")
        if hb1 and mm1:
            lines.append(f"| update, one catalog (6,000 messages), ≤ 0.25x msgmerge | {scale} | "
                         f"{hb1 / mm1:.3f}x ({hb1:.2f} s vs {mm1:.1f} s) | "
                         f"{'met' if hb1 / mm1 <= 0.25 else 'MISSED'} |")
        one = data.get("extra", {}).get("one_catalog_agreement")
        if one:
            lines.append(_share_row("fuzzy matches in that catalog: same `#\\| msgid` as "
                                    "msgmerge, ≥ 90%", scale, one, "new"))
        hbs = med("update (one catalog)", "handbill update")
        mms = med("update (one catalog)", "msgmerge --previous")
        if hbs and mms and scale == "large":
            lines.append(f"| (information) one 60-message catalog alone: start-up bound | "
                         f"{scale} | {hbs / mms:.2f}x ({hbs:.3f} s vs {mms:.3f} s) | – |")
        agree = data.get("extra", {}).get("agreement")
        if agree:
            lines.append(_share_row("fuzzy matches: same `#\\| msgid` as msgmerge, ≥ 90%",
                                    scale, agree, "new"))
            if "source_either" in agree:
                lines.append(_share_row("fuzzy matches: same old message as msgmerge", scale,
                                        agree, "source"))
        hbx = med("extract", "handbill extract")
        for peer in ("po4a-updatepo (per campaign)", "po4a (one po4a.cfg for all)"):
            px = med("extract", peer)
            if hbx and px:
                lines.append(f"| extract no slower than {peer} | {scale} | {hbx / px:.2f}x | "
                             f"{'met' if hbx <= px else 'MISSED'} |")
    for scale in ("small", "medium", "large"):
        data = results.get(scale)
        if not data:
            continue
        m = data["machine"]
        s = corpus.SCALES[scale]
        lines += ["", f"## {scale}: {s.campaigns} campaign(s) × {s.messages} messages × "
                      f"{s.languages} languages", "",
                  f"Run {m['date']} on {m['nproc']} CPUs ({m['cpu']}), {m['os']}, Python "
                  f"{m['python']}; load average (1, 5, 15 min) at the start {m['load']}, at the end "
                  f"{m.get('load_end', '?')}; took "
                  f"{data.get('seconds', 0):.0f} s." + (f" ({m['partial']}.)" if m.get("partial")
                                                        else ""),
                  f"Versions: {m['handbill']}; {m['msgmerge']}; {m['po4a']}; {m['peers']}.", "",
                  "| workload | tool | median s | x handbill | runs | CPU s | count | notes |",
                  "| --- | --- | ---: | ---: | ---: | ---: | --- | --- |"]
        rows = [Row(**r) for r in data["rows"]]
        base = {r.workload: r.median for r in rows if r.baseline and r.median}
        for r in rows:
            ratio = (f"{r.median / base[r.workload]:.2f}" if r.median and
                     base.get(r.workload) and not r.baseline else ("1" if r.baseline and
                                                                   r.median else "–"))
            lines.append(f"| {r.workload} | {r.tool} | {_fmt(r.median)} | {ratio} | {r.reps} | "
                         f"{_fmt(r.cpu)} | {r.count} | {r.note} |")
        agree = data.get("extra", {}).get("agreement")
        if agree:
            lines += ["", f"Fuzzy matching, over the changed and new messages of every catalog: "
                      f"of {agree['new_either']} entries where either tool wrote a `#| msgid`, "
                      f"{agree['new_same']} ({agree['new_percent']:.1f}%) have the same one."]
            if "source_either" in agree:
                lines[-1] += (
                    f" Of {agree['source_either']} entries where either tool carried an old "
                    f"translation over as fuzzy, both chose the same old message in "
                    f"{agree['source_same']} ({agree['source_percent']:.1f}%); handbill alone "
                    f"matched {agree['handbill_only']}, msgmerge alone "
                    f"{agree['msgmerge_only']}. The difference between the two measures: when "
                    f"the chosen old entry was itself fuzzy without a `#| msgid`, msgmerge "
                    f"writes none and handbill writes the old msgid.")
            lines[-1] += (f" Counting every entry with a `#| msgid` (also those kept from "
                          f"version 1): {agree['all_same']} of {agree['all_either']} "
                          f"({agree['all_percent']:.1f}%).")
        for note in data.get("notes", []):
            lines.append(f"\nNote: {note}")
    lines += ["", "## How the workloads run", "",
              "- Corpus: `benchmarks/corpus.py` (seeded; sources v1 and v2 with ~5% of the "
              "messages edited by a word, ~2% removed, ~2% added; catalogs ~80% reviewed, ~10% "
              "fuzzy, pseudo-translated in each language's script).",
              "- extract: handbill reads every campaign (leaflet, posts, metadata) in one "
              "process; the peers handle only the Markdown leaflet, run once per campaign as "
              "people script them (po4a also with one po4a.cfg listing every leaflet).",
              "- update: every run starts from a fresh copy of the version-1 catalogs. handbill "
              "runs `handbill update -c …` (the campaigns only, not its own `ui` domain), "
              "which also re-extracts the version-2 templates; msgmerge gets those templates "
              "(made by handbill extract, untimed) and runs once per catalog with --previous; "
              "pybabel update --previous runs once per domain (all languages).",
              "- Python tools run with bytecode caching on (PYTHONPYCACHEPREFIX under "
              "benchmarks/work/), as in a normal install.",
              "- The machine is shared: other processes may run during a benchmark. Ratios "
              "come from interleaved runs in the same session; CPU seconds are less sensitive "
              "to the load than wall-clock seconds.", ""]
    return "\n".join(lines)


def write_results() -> Path:
    results = {}
    for path in sorted(RESULTS_DIR.glob("*.json")):
        results[path.stem] = json.loads(path.read_text())
    out = HERE / "RESULTS.md"
    text = render_results(results)
    # Workloads with scripts of their own (they need servers or rendered output) keep their
    # latest results next to this file; RESULTS.md carries them so it holds every row.
    for name in ("RESULTS-update.md", "RESULTS-throughput.md", "RESULTS-build.md",
                 "RESULTS-shard.md", "RESULTS-render.md", "RESULTS-textlayer.md",
                 "RESULTS-draft.md"):
        extra = HERE / name
        if extra.is_file():
            body = extra.read_text().strip()
            body = body.replace("\n# ", "\n## ", 1) if body.startswith("# ") else body
            if body.startswith("# "):
                body = "#" + body
            text += f"\n\n<!-- from benchmarks/{name} -->\n{body}\n"
    out.write_text(text)
    return out


# ---------------------------------------------------------------------------- main


def bench_env() -> dict:
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(WORK / "pycache")
    env["SOURCE_DATE_EPOCH"] = "1767225600"
    return env


def run_scale(scale: str, names: list[str]) -> None:
    started = time.perf_counter()
    print(f"== {scale}: building or reusing the corpus", flush=True)
    root = corpus.build(scale)
    work = WORK / "runs" / scale
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    ctx = Context(scale, root, work, bench_env())
    info = machine()
    for name in names:
        print(f"== {scale}: {name}", flush=True)
        WORKLOADS[name](ctx)
    info["load_end"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"{scale}.json"
    rows, extra = [asdict(r) for r in ctx.rows], dict(ctx.extra)
    if path.exists() and set(names) != set(DEFAULT_WORKLOADS):
        # Only some workloads were run: keep the other workloads' rows from the last run.
        old = json.loads(path.read_text())
        measured = {r["workload"] for r in rows}
        rows = [r for r in old["rows"] if r["workload"] not in measured] + rows
        extra = {**old.get("extra", {}), **extra}
        info["partial"] = (f"{', '.join(names)} re-run on {info['date']}; the rest from "
                           f"{old['machine'].get('date', '?')}")
    path.write_text(json.dumps({
        "machine": info, "rows": rows, "notes": ctx.notes,
        "extra": extra, "seconds": time.perf_counter() - started}, indent=1))
    shutil.rmtree(work)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scales", default="small,medium",
                        help="comma-separated: small, medium, large (default small,medium)")
    parser.add_argument("--workloads", default=",".join(DEFAULT_WORKLOADS),
                        help=f"comma-separated, from: {', '.join(WORKLOADS)} "
                             f"(default {','.join(DEFAULT_WORKLOADS)})")
    args = parser.parse_args(argv)
    scales = [s for s in args.scales.split(",") if s]
    names = [w for w in args.workloads.split(",") if w]
    for s in scales:
        if s not in REPS:
            parser.error(f"unknown scale {s!r}")
    for w in names:
        if w not in WORKLOADS:
            parser.error(f"unknown workload {w!r}; known: {', '.join(WORKLOADS)}")
    for scale in scales:
        run_scale(scale, names)
    print(f"wrote {write_results()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
