"""How much of each leaflet's catalog text its PDF gives back through `pdftotext` (issue #17.5).

For every shipped language, on a copy of the shipped project, the leaflet is rendered once and
the texts render hands to write_pdf (LeafletText: the catalog's texts the leaflet prints) are
kept. Three PDFs of the same leaflet.html are then read back with poppler's pdftotext:
  weasyprint  weasyprint.HTML(string=html).write_pdf(): what handbill wrote before #17.5
  handbill    leaflet.pdf as handbill writes it now (tagged, ActualText spans)
  chromium    chromium --headless --print-to-pdf of leaflet.html, as a reference
Each cell is intact words / catalog words (pipeline/render/textlayer.py says what counts).

Usage: .venv/bin/python benchmarks/bench_textlayer.py [LANG ...]  (default: every language)
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import weasyprint  # noqa: E402

from pipeline.config import load_config  # noqa: E402
from pipeline.render import RenderOptions, render_language  # noqa: E402
from pipeline.render import leaflet as leaflet_mod  # noqa: E402
from pipeline.render.textlayer import measure, pdftotext  # noqa: E402
from pipeline.sources import read_campaign  # noqa: E402

LANGUAGES = ["en", "es", "pt_BR", "fr", "ar", "hi", "sw"]


def chromium_pdf(html_path: Path, pdf_path: Path) -> bool:
    """Chromium's own PDF of a page; False if there is no Chromium."""
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if not browser:
        return False
    subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu",
                    "--no-pdf-header-footer", f"--print-to-pdf={pdf_path}",
                    html_path.as_uri()], capture_output=True, timeout=180, check=False)
    return pdf_path.is_file()


def cell(texts: list[str], pdf: Path | None) -> str:
    if pdf is None:
        return "n/a"
    layer = measure(texts, pdftotext(pdf))
    return f"{layer.intact}/{layer.total} ({layer.ratio:.1%})"


def main(languages: list[str]) -> None:
    recorded: dict[str, list[str]] = {}
    write_pdf = leaflet_mod.write_pdf

    def recording(html, lang, texts, what="leaflet"):
        recorded[lang] = list(texts.texts)
        return write_pdf(html, lang, texts, what)

    leaflet_mod.write_pdf = recording
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "shipped"
        root.mkdir()
        shutil.copy(REPO / "handbill.toml", root / "handbill.toml")
        shutil.copytree(REPO / "source", root / "source")
        shutil.copytree(REPO / "locales", root / "locales")
        cfg = load_config(root)
        campaign = read_campaign(root, "free-assange")
        print("| language | catalog words | WeasyPrint alone (before) | handbill (after) "
              "| Chromium |")
        print("|---|---|---|---|---|")
        for lang in languages:
            result = render_language(cfg, campaign, lang, RenderOptions(outputs=("leaflet",)))
            if lang not in recorded:
                print(f"| {lang} | {result.state}: {result.why} | | | |")
                continue
            out = cfg.output_dir / lang / campaign.name
            html = (out / "leaflet.html").read_text()
            before = Path(tmp) / f"{lang}-weasyprint.pdf"
            before.write_bytes(weasyprint.HTML(string=html).write_pdf(
                font_config=leaflet_mod.font_config()))
            chromium = Path(tmp) / f"{lang}-chromium.pdf"
            texts = recorded[lang]
            print(f"| {lang} | {measure(texts, '').total} | {cell(texts, before)} | "
                  f"{cell(texts, out / 'leaflet.pdf')} | "
                  f"{cell(texts, chromium if chromium_pdf(out / 'leaflet.html', chromium) else None)} |")


if __name__ == "__main__":
    main(sys.argv[1:] or LANGUAGES)
