"""How much rendering one language's leaflet PDF costs beyond WeasyPrint's own time.

For each language, on a copy of the shipped project:
  handbill   render_language(..., outputs=("leaflet",)): catalogs, Jinja, Markdown, QR code,
             WeasyPrint, glyph check, writing leaflet.html and leaflet.pdf
  weasyprint weasyprint.HTML(string=html).write_pdf() on the very same leaflet.html
             (a fresh FontConfiguration per call, as that one-liner does)
  wp+fc      the same with one shared FontConfiguration (WeasyPrint at its best)
Median of 5 runs after one warm-up. The ratio is handbill / weasyprint (target <= 1.15).
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

from pipeline.config import load_config  # noqa: E402
from pipeline.render import RenderOptions, render_language  # noqa: E402
from pipeline.sources import read_campaign  # noqa: E402

RUNS = 5


def median_time(func) -> float:
    func()  # warm-up: imports, font caches
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        func()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main(languages: list[str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "shipped"
        root.mkdir()
        shutil.copy(REPO / "handbill.toml", root / "handbill.toml")
        shutil.copytree(REPO / "source", root / "source")
        shutil.copytree(REPO / "locales", root / "locales")
        cfg = load_config(root)
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
            ours = median_time(lambda: render_language(cfg, campaign, lang, only_leaflet))
            plain = median_time(lambda: weasyprint.HTML(string=html).write_pdf())
            shared = FontConfiguration()
            best = median_time(lambda: weasyprint.HTML(string=html).write_pdf(
                font_config=shared))
            pages = len(weasyprint.HTML(string=html).render().pages)
            started = time.perf_counter()
            subprocess.run([str(REPO / ".venv" / "bin" / "handbill"), "--project", str(root),
                            "render", "--lang", lang], check=True, capture_output=True)
            process = time.perf_counter() - started
            print(f"| {lang} | {pages} | {ours:.3f} | {plain:.3f} | {best:.3f} | "
                  f"{ours / plain:.2f}x | {ours / best:.2f}x | {process:.2f} |")


if __name__ == "__main__":
    main(sys.argv[1:] or ["en", "es", "ar", "hi"])
