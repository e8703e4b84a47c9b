"""A campaign's logo as pixels for the share cards (Pillow draws PNG; SVG goes through
WeasyPrint and poppler's pdftocairo, which keeps the transparency pdftoppm would fill white).

Cached per (image, size): a build draws the same logo on every card of every language.
"""

from __future__ import annotations

import base64
import functools
import io
import shutil
import subprocess

from PIL import Image

from pipeline.errors import RenderError
from pipeline.model import BrandImage


def logo_pixels(logo: BrandImage, height: int, max_width: int) -> Image.Image:
    """The logo as an RGBA image `height` pixels tall (narrower than `max_width`)."""
    width = max(1, round(height * logo.width / logo.height))
    if width > max_width:
        width, height = max_width, max(1, round(max_width * logo.height / logo.width))
    return _pixels(logo.data, logo.kind, logo.path, width, height).copy()


@functools.lru_cache(maxsize=16)
def _pixels(data: bytes, kind: str, path: str, width: int, height: int) -> Image.Image:
    # Keyed by the bytes, not the path: `handbill serve` rebuilds after the logo is edited.
    logo = BrandImage(path, kind, width, height, data)
    if kind == "svg":
        data = _svg_png(logo, width, height)
    try:
        with Image.open(io.BytesIO(data)) as image:
            return image.convert("RGBA").resize((width, height), Image.LANCZOS)
    except Exception as exc:  # Pillow raises many kinds for a broken file
        raise RenderError(f"the logo {logo.path} cannot be drawn ({exc})",
                          logo.path) from None


def _svg_png(logo: BrandImage, width: int, height: int) -> bytes:
    """SVG -> a one-page PDF of exactly width x height CSS px (WeasyPrint, fetching nothing
    but data: URLs) -> PNG with alpha (pdftocairo -transp)."""
    import weasyprint

    tool = shutil.which("pdftocairo")
    if tool is None:
        raise RenderError("drawing an SVG logo on the cards needs pdftocairo (Debian: "
                          "poppler-utils); install it or give a PNG logo", logo.path)
    source = f"data:image/svg+xml;base64,{base64.b64encode(logo.data).decode('ascii')}"
    html = (f"<style>@page {{ size: {width}px {height}px; margin: 0 }} html, body {{ margin: 0 "
            f"}} img {{ display: block; width: {width}px; height: {height}px }}</style>"
            f'<img src="{source}" alt="">')
    try:
        pdf = weasyprint.HTML(string=html, url_fetcher=_data_only()).write_pdf()
    except _Refused as exc:
        raise RenderError(f"the logo {logo.path} {exc}", logo.path) from None
    try:
        done = subprocess.run([tool, "-png", "-transp", "-singlefile", "-scale-to-x",
                               str(width), "-scale-to-y", str(height), "-", "-"], input=pdf,
                              capture_output=True, timeout=60, check=True)
    except (OSError, subprocess.SubprocessError) as exc:
        raise RenderError(f"pdftocairo could not draw the logo ({exc})", logo.path) from None
    return done.stdout


class _Refused(Exception):
    pass


def _data_only():
    """A WeasyPrint fetcher for the logo alone: its own data: URL, nothing else (an SVG that
    links a file or a web address stops here; leaflet.py's fetcher explains the raise)."""
    from weasyprint.urls import FatalURLFetchingError, URLFetcher

    global _Refused
    if not issubclass(_Refused, FatalURLFetchingError):
        _Refused = type("_Refused", (FatalURLFetchingError,), {})

    class Fetcher(URLFetcher):
        def fetch(self, url: str, headers=None):
            if url.split(":", 1)[0].lower() == "data":
                return super().fetch(url, headers)
            raise _Refused(f"loads {url[:80]}; a logo must be self-contained (no links to "
                           "files or the web)")

    return Fetcher(allowed_protocols={"data"}, fail_on_errors=True)
