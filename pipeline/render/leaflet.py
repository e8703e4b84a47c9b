"""Campaign + translations -> leaflet.html and leaflet.pdf (WeasyPrint), print-ready.

The HTML is self-contained (inline CSS and an inline SVG QR code), so it opens offline from
file:// and gives WeasyPrint nothing to fetch. A glyph that no installed font can draw makes
WeasyPrint log `.notdef glyph rendered`; we catch that log record and fail the language with the
text that holds the character, instead of printing a box.
"""

from __future__ import annotations

import functools
import logging
import threading
from dataclasses import dataclass

import segno
from jinja2 import Environment
from markupsafe import Markup

from pipeline.errors import RenderError
from pipeline.model import Block, Campaign
from pipeline.render.markdown import render_text
from pipeline.render.templating import render_template

log = logging.getLogger(__name__)

# Base font size and page margins (top, outside, bottom) per paper size.
PAPER = {
    "A5": {"size": "A5", "font": "8.9pt", "margin": "14mm 12mm 15mm 12mm"},
    "A4": {"size": "A4", "font": "11pt", "margin": "20mm 18mm 20mm 18mm"},
    "Letter": {"size": "letter", "font": "11pt", "margin": "0.8in 0.7in 0.8in 0.7in"},
}


@dataclass
class LeafletText:
    """The texts a leaflet prints, kept to name the one holding a glyph no font can draw."""

    texts: list[str]

    def holding(self, chars: str) -> str:
        for text in self.texts:
            if chars in text:
                return text
        for text in self.texts:
            if any(c in text for c in chars):
                return text
        return ""


def sections(blocks: tuple[Block, ...], tr, values: dict[str, str], texts: list[str],
             fallback_attrs) -> list[dict]:
    """Blocks -> template sections: headings, paragraphs, grouped lists and quotes, code, rules.

    `fallback_attrs(text)` gives the lang/dir attributes of a text shown untranslated.
    """
    out: list[dict] = []
    for block in blocks:
        if block.kind == "rule":
            out.append({"kind": "rule"})
            continue
        if block.kind == "code":
            out.append({"kind": "code", "text": block.text})
            texts.append(block.text)
            continue
        text = tr(block.text)
        texts.append(text)
        html = render_text(text, values)
        attrs = fallback_attrs(block.text)
        if block.kind == "heading":
            out.append({"kind": "heading", "level": min(block.level, 4), "html": html,
                        "attrs": attrs})
        elif block.kind == "item":
            last = out[-1] if out else None
            if last and last["kind"] == "list" and last["number"] == block.level:
                last["items"].append((html, attrs))
            else:
                out.append({"kind": "list", "number": block.level, "ordered": block.ordered,
                            "start": block.start, "items": [(html, attrs)]})
        elif block.kind == "quote":
            if out and out[-1]["kind"] == "quote":
                out[-1]["paragraphs"].append((html, attrs))
            else:
                out.append({"kind": "quote", "paragraphs": [(html, attrs)]})
        else:
            out.append({"kind": "paragraph", "html": html, "attrs": attrs})
    return out


@functools.lru_cache(maxsize=32)
def qr_svg(url: str, colour: str) -> Markup:
    """The campaign link as an inline, vector QR code (cached: every language shares it)."""
    code = segno.make(url, error="m")
    return Markup(code.svg_inline(scale=1, border=2, dark=colour, light="#ffffff",
                                  omitsize=True))


def leaflet_html(env: Environment, campaign: Campaign, context: dict) -> str:
    """Render leaflet.html (campaign override first) with the prepared context."""
    return render_template(env, "leaflet.html", **context)


@functools.lru_cache(maxsize=1)
def font_config():
    """One FontConfiguration per process: creating one per document costs a fontconfig scan."""
    from weasyprint.text.fonts import FontConfiguration

    return FontConfiguration()


def _refuse_fetch(url: str, *args, **kwargs):
    raise ValueError(f"leaflets load nothing from outside ({url})")


class _NotdefCatcher(logging.Handler):
    """Collects WeasyPrint's `.notdef glyph rendered` warnings from this thread."""

    def __init__(self):
        super().__init__(logging.WARNING)
        self.thread = threading.get_ident()
        self.missing: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.thread == self.thread and ".notdef" in str(record.msg):
            chars = record.args[0] if record.args else record.getMessage()
            if chars not in self.missing:
                self.missing.append(str(chars))


def write_pdf(html: str, lang: str, texts: LeafletText, what: str = "leaflet") -> bytes:
    """WeasyPrint HTML -> PDF bytes (fonts embedded); missing glyphs are a RenderError."""
    import weasyprint

    logger = logging.getLogger("weasyprint")
    catcher = _NotdefCatcher()
    old_level = logger.level
    if not logger.isEnabledFor(logging.WARNING):
        logger.setLevel(logging.WARNING)
    logger.addHandler(catcher)
    try:
        pdf = weasyprint.HTML(string=html, url_fetcher=_refuse_fetch).write_pdf(
            font_config=font_config())
    finally:
        logger.removeHandler(catcher)
        logger.setLevel(old_level)
    if catcher.missing:
        raise RenderError(missing_glyph_message(lang, catcher.missing, texts, what))
    return pdf


def missing_glyph_message(lang: str, missing: list[str], texts: LeafletText, what: str) -> str:
    chars = "".join(missing)
    points = ", ".join(f"U+{ord(c):04X}" for c in dict.fromkeys(chars))
    text = texts.holding(missing[0])
    excerpt = f" in {text[:80] + ('…' if len(text) > 80 else '')!r}" if text else ""
    return (f"{lang}: the {what}'s fonts cannot draw {chars!r} ({points}){excerpt}; no installed "
            "font has this character: fix the translation or install a font for it")
