"""Benchmark: drafting 500 messages against a loopback LibreTranslate-compatible server that
answers each request after 50 ms (a ThreadingHTTPServer in its own process).

    .venv/bin/python benchmarks/bench_draft.py [--messages 500] [--delay 0.05]

Compares, in one run, deep-translator's own LibreTranslator.translate_batch (a sequential
loop) with handbill's drafting stage at the default concurrency (8) on a fresh cache, and
reports the ratio and how close handbill comes to the latency bound
(messages x delay / concurrency). Also times the whole `python -m pipeline draft` command on
another fresh copy (Python start-up and imports included). Prints the figures and writes
benchmarks/RESULTS-draft.md. Not a test: nothing is asserted.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))

from click.testing import CliRunner  # noqa: E402

from pipeline.cli import main  # noqa: E402

WORDS = ("people movement street embassy letter truth justice freedom press voice "
         "solidarity protest worker union city march rally").split()


def make_project(root: Path, messages: int, url: str) -> Path:
    """A project whose campaign has `messages` distinct leaflet paragraphs, extracted + init."""
    (root / "source" / "bench").mkdir(parents=True)
    (root / "handbill.toml").write_text(
        '[project]\nlanguages = ["es"]\n[draft]\nengine = "libre"\n'
        f'[draft.engines.libre]\nurl = "{url}"\n')
    (root / "source" / "bench" / "campaign.yml").write_text(
        "title: Bench\nsummary: A benchmark campaign.\norganisation: Bench Org\n"
        "url: https://example.org/\nsource_language: en\nhashtags: ['#Bench']\n"
        "protected_terms: [Bench Org]\n")
    paragraphs = []
    for i in range(messages - 3):  # title, summary and heading are messages too
        words = " ".join(WORDS[(i * 7 + k) % len(WORDS)] for k in range(8))
        paragraphs.append(f"Paragraph {i}: the **{words}** join [us](https://example.org/{i}) "
                          f"on {{date}} with #Bench{i % 10}.")
    (root / "source" / "bench" / "leaflet.md").write_text(
        "# The bench leaflet\n\n" + "\n\n".join(paragraphs) + "\n")
    result = CliRunner().invoke(main, ["--project", str(root), "update"])
    assert result.exit_code == 0, result.output
    return root


def baseline(url: str, texts: list[str]) -> float:
    """deep-translator as it is: LibreTranslator.translate_batch, one request after another."""
    from deep_translator import LibreTranslator

    translator = LibreTranslator(source="en", target="es", api_key="unused", custom_url=url)
    start = time.perf_counter()
    out = translator.translate_batch(texts)
    elapsed = time.perf_counter() - start
    assert len(out) == len(texts)
    return elapsed


def handbill_stage(root: Path) -> tuple[float, int]:
    from pipeline import drafting
    from pipeline.config import load_config

    cfg = load_config(root)
    start = time.perf_counter()
    summary = drafting.draft(cfg)
    elapsed = time.perf_counter() - start
    assert not summary.failed, summary
    return elapsed, sum(c.drafted for c in summary.catalogs)


def handbill_cli(root: Path) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "pipeline", "--project", str(root), "draft"],
                   check=True, capture_output=True)
    return time.perf_counter() - start


def main_() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=500)
    parser.add_argument("--delay", type=float, default=0.05)
    args = parser.parse_args()

    server = subprocess.Popen([sys.executable, str(REPO / "tests" / "test_drafting_server.py"),
                               "--delay", str(args.delay)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    url = server.stdout.readline().strip()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            # No ui domain: the benchmark drafts exactly `messages` entries.
            first = make_project(Path(tmp) / "stage", args.messages, url)
            for ui in first.glob("locales/**/ui.po*"):
                ui.unlink()
            (first / "locales" / "ui.pot").unlink(missing_ok=True)
            second = Path(tmp) / "cli"
            shutil.copytree(first, second)
            from pipeline.pofile import read_catalog

            po = first / "locales" / "es" / "LC_MESSAGES" / "bench.po"
            texts = [e.msgid for e in read_catalog(po).messages]
            from pipeline.config import load_config

            concurrency = load_config(first).draft.concurrency
            seq = baseline(url, texts)
            ours, drafted = handbill_stage(first)
            cli = handbill_cli(second)
    finally:
        server.stdin.close()
        server.wait(10)

    load = os.getloadavg()[0]
    n = len(texts)
    bound = n * args.delay / concurrency
    lines = [
        "# Drafting benchmark",
        "",
        f"`{' '.join(['benchmarks/bench_draft.py', *sys.argv[1:]])}` — {n} messages, a loopback "
        f"LibreTranslate-compatible server (ThreadingHTTPServer, own process) answering after "
        f"{args.delay * 1000:.0f} ms; Python {platform.python_version()}, {os.cpu_count()} CPUs, "
        f"load average {load:.1f} at the end (the machine is shared: figures vary with it).",
        "",
        "| run | seconds | messages/s |",
        "|---|---:|---:|",
        f"| deep-translator `translate_batch` (sequential) | {seq:.2f} | {n / seq:.1f} |",
        f"| handbill drafting stage, concurrency {concurrency} | {ours:.2f} | {n / ours:.1f} |",
        f"| `python -m pipeline draft` (start-up included) | {cli:.2f} | {n / cli:.1f} |",
        f"| latency bound ({n} x {args.delay * 1000:.0f} ms / {concurrency}) | {bound:.2f} | "
        f"{n / bound:.1f} |",
        "",
        f"- speed-up over the sequential loop: **{seq / ours:.2f}x** (target: at least "
        f"{0.9 * concurrency:.1f}x)",
        f"- handbill reaches **{100 * bound / ours:.1f}%** of the latency bound (target: 90%); "
        f"the whole command {100 * bound / cli:.1f}%",
        f"- drafted {drafted} entries; each also masked, checked, cached and saved as it went",
    ]
    report = "\n".join(lines) + "\n"
    print(report)
    (HERE / "RESULTS-draft.md").write_text(report)


if __name__ == "__main__":
    main_()
