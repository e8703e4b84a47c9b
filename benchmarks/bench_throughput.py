"""Render throughput against the floor (#18.4, benchmark 6b): every language of the shipped
campaign rendered by one `handbill render` process, against the floor, one process that does
only what no renderer can skip:

  handbill  `handbill --project COPY render`: catalogs, checks, Jinja, Markdown, typography,
            WeasyPrint, the text layer, posts, card layout and PNG encoding, writing it all
  floor     a Python process that imports WeasyPrint and Pillow, writes each language's
            leaflet.html (the very file handbill wrote) to PDF with weasyprint.HTML(...)
            .write_pdf(), and re-encodes each of the same card PNGs with Pillow's defaults

Both are timed as whole processes (start-up and imports included), in pairs, alternating
which goes first, and the figure is the median of the paired ratios (handbill / floor): a
moment of load on this shared machine hits both runs of a pair alike. Target: <= 1.2x, every
card under 400 KB. Writes benchmarks/RESULTS-throughput.md.

Usage: .venv/bin/python benchmarks/bench_throughput.py [--pairs 7]
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
CARD_LIMIT = 400 * 1024

FLOOR = r"""
import sys
from pathlib import Path

import weasyprint
from PIL import Image

out, dest = Path(sys.argv[1]), Path(sys.argv[2])
for html in sorted(out.glob("*/*/leaflet.html")):
    target = dest / html.parent.relative_to(out)
    target.mkdir(parents=True, exist_ok=True)
    weasyprint.HTML(filename=str(html)).write_pdf(str(target / "leaflet.pdf"))
    for card in sorted(html.parent.glob("cards/*.png")):
        (target / "cards").mkdir(exist_ok=True)
        with Image.open(card) as image:
            image.load()
            image.save(target / "cards" / card.name, "PNG")
"""


# Bytecode caching on, as in a normal install (this workplace sets PYTHONDONTWRITEBYTECODE,
# which would make every run recompile handbill; see benchmarks/README.md).
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
ENV["PYTHONPYCACHEPREFIX"] = str(HERE / "work" / "pycache")


def timed(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True, env=ENV)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=7)
    args = parser.parse_args()
    py = str(REPO / ".venv" / "bin" / "python")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "shipped"
        root.mkdir()
        shutil.copy(REPO / "handbill.toml", root / "handbill.toml")
        for folder in ("source", "locales"):
            shutil.copytree(REPO / folder, root / folder)
        floor_script = Path(tmp) / "floor.py"
        floor_script.write_text(FLOOR)
        ours = [py, "-m", "pipeline", "--project", str(root), "render"]
        floor = [py, str(floor_script), str(root / "output"), str(Path(tmp) / "floor")]
        timed(ours)  # warm-up, and the leaflet.html and cards the floor reads
        timed(floor)
        load_start = os.getloadavg()
        pairs: list[tuple[float, float]] = []
        for i in range(args.pairs):
            if i % 2:
                b = timed(floor)
                a = timed(ours)
            else:
                a = timed(ours)
                b = timed(floor)
            pairs.append((a, b))
        load_end = os.getloadavg()
        cards = sorted((root / "output").glob("*/*/cards/*.png"))
        largest = max(cards, key=lambda p: p.stat().st_size)
        languages = len(list((root / "output").glob("*/*/leaflet.pdf")))
        size = largest.stat().st_size
        largest = largest.relative_to(root / "output")
    ratios = [a / b for a, b in pairs]
    ratio = statistics.median(ratios)
    lines = [
        "## render throughput: all languages of the shipped campaign against the floor",
        "",
        f"By `python benchmarks/bench_throughput.py --pairs {args.pairs}` (issue #18.4, 6b); "
        f"{platform.python_version()}, {os.cpu_count()} CPUs; load average "
        f"{' '.join(f'{x:.2f}' for x in load_start)} at the start, "
        f"{' '.join(f'{x:.2f}' for x in load_end)} at the end (a shared machine). "
        "Both are whole processes, timed in alternating pairs after one warm-up each; the "
        "ratio is the median of the paired ratios. The floor writes the same leaflet.html "
        "files to PDF with WeasyPrint alone and re-encodes the same card PNGs with Pillow's "
        "default settings. Bytecode caching on, as in a normal install.",
        "",
        "| target | measured | verdict |",
        "| --- | --- | --- |",
        f"| `handbill render` <= 1.2x the floor | {ratio:.2f}x (median of {len(pairs)} "
        f"pairs; handbill {statistics.median(a for a, _ in pairs):.2f} s, floor "
        f"{statistics.median(b for _, b in pairs):.2f} s) | "
        f"{'met' if ratio <= 1.2 else 'MISSED'} |",
        f"| every card under 400 KB | largest {size / 1024:.0f} KB "
        f"({largest}; {len(cards)} cards) | "
        f"{'met' if size < CARD_LIMIT else 'MISSED'} |",
        "",
        f"{languages} languages rendered. Paired ratios: "
        + ", ".join(f"{r:.2f}" for r in ratios) + ".",
    ]
    report = "\n".join(lines) + "\n"
    print(report)
    (HERE / "RESULTS-throughput.md").write_text(report)


if __name__ == "__main__":
    main()
