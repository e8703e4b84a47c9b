"""How much rendering one language's leaflet PDF costs beyond WeasyPrint's own time.

For each language, on a copy of the shipped project:
  handbill   render_language(..., outputs=("leaflet",)): catalogs, Jinja, Markdown, QR code,
             WeasyPrint, glyph check, writing leaflet.html and leaflet.pdf
  weasyprint weasyprint.HTML(string=html).write_pdf() on the very same leaflet.html
             (a fresh FontConfiguration per call, as that one-liner does)
  wp+fc      the same with one shared FontConfiguration (WeasyPrint at its best)
Median of 9 runs after one warm-up, the three interleaved (round by round, so that a
moment of load on this shared machine hits all three alike). The ratio is handbill / weasyprint (target <= 1.15).
It also times a whole `handbill render --lang L` in a fresh process (cards and posts included).

Usage: .venv/bin/python benchmarks/bench_render.py [LANG ...]
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import weasyprint  # noqa: E402
from weasyprint.text.fonts import FontConfiguration  # noqa: E402

from pipeline.config import load_config, prepare_output  # noqa: E402
from pipeline.render import RenderOptions, render_language  # noqa: E402
from pipeline.sources import read_campaign  # noqa: E402

RUNS = 9


def median_times(*funcs) -> list[float]:
    """Median seconds of each function, the functions run in turn RUNS times."""
    for func in funcs:
        func()  # warm-up: imports, font caches
    times: list[list[float]] = [[] for _ in funcs]
    for _ in range(RUNS):
        for func, record in zip(funcs, times):
            started = time.perf_counter()
            func()
            record.append(time.perf_counter() - started)
    return [statistics.median(record) for record in times]


def main(languages: list[str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "shipped"
        root.mkdir()
        shutil.copy(REPO / "handbill.toml", root / "handbill.toml")
        shutil.copytree(REPO / "source", root / "source")
        shutil.copytree(REPO / "locales", root / "locales")
        cfg = load_config(root)
        prepare_output(cfg)  # claim output/ as handbill does, so the `handbill render` run may use it
        campaign = read_campaign(root, "free-assange")
        only_leaflet = RenderOptions(outputs=("leaflet",))
        print("| language | pages | handbill (s) | weasyprint (s) | wp+fc (s) | ratio | "
              "ratio vs wp+fc | `handbill render` process (s) |")
        print("|---|---|---|---|---|---|---|---|")
        for lang in languages:
            result = render_language(cfg, campaign, lang, only_leaflet)
            if result.state in ("skipped", "failed"):
                print(f"| {lang} | {result.state}: {result.why} |")
                continue
            html = (cfg.output_dir / lang / campaign.name / "leaflet.html").read_text()
            shared = FontConfiguration()
            ours, plain, best = median_times(
                lambda: render_language(cfg, campaign, lang, only_leaflet),
                lambda: weasyprint.HTML(string=html).write_pdf(),
                lambda: weasyprint.HTML(string=html).write_pdf(font_config=shared))
            pages = len(weasyprint.HTML(string=html).render().pages)
            started = time.perf_counter()
            subprocess.run([str(REPO / ".venv" / "bin" / "handbill"), "--project", str(root),
                            "render", "--lang", lang], check=True, capture_output=True)
            process = time.perf_counter() - started
            print(f"| {lang} | {pages} | {ours:.3f} | {plain:.3f} | {best:.3f} | "
                  f"{ours / plain:.2f}x | {ours / best:.2f}x | {process:.2f} |")


if __name__ == "__main__":
    main(sys.argv[1:] or ["en", "es", "ar", "hi"])
