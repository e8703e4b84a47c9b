"""Campaign + translations -> leaflet.html and leaflet.pdf (WeasyPrint), print-ready.

The HTML is self-contained (inline CSS and an inline SVG QR code), so it opens offline from
file:// and gives WeasyPrint nothing to fetch. A glyph that no installed font can draw makes
WeasyPrint log `.notdef glyph rendered`; we catch that log record and fail the language with the
text that holds the character, instead of printing a box.
"""

from __future__ import annotations

import functools
import logging
import re
import threading
from dataclasses import dataclass
from pathlib import Path

import segno
from jinja2 import Environment
from markupsafe import Markup

from pipeline.errors import RenderError
from pipeline.model import Block, Campaign
from pipeline.render import layout, pdftext, typography
from pipeline.render.markdown import render_text
from pipeline.render.templating import render_template

log = logging.getLogger(__name__)

# Paper sizes, margins and base font size (pipeline/render/layout.py).
PAPER = layout.PAPERS


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
             fallback_attrs, env: dict | None = None) -> list[dict]:
    """The block tree -> template sections, nested as written: headings, paragraphs, lists of
    items (each holding any sections), quotes (holding any sections), code, rules.

    `fallback_attrs(text)` gives the lang/dir attributes of a text shown untranslated; such a
    text gets the source language's placeholder values (`values.source`, see
    pipeline.placeholders.Values). `env`: see document_env.
    """
    out: list[dict] = []
    for block in blocks:
        if block.kind == "rule":
            out.append({"kind": "rule"})
        elif block.kind == "code":
            out.append({"kind": "code", "text": block.text})
            texts.append(block.text)
        elif block.kind in ("heading", "paragraph"):
            html, attrs = _text(block, tr, values, texts, fallback_attrs, env)
            out.append({"kind": block.kind, "level": min(block.level, 4), "html": html,
                        "attrs": attrs})
        elif block.kind == "quote":
            out.append({"kind": "quote",
                        "slogans": all(c.kind == "paragraph" for c in block.children),
                        "children": sections(block.children, tr, values, texts, fallback_attrs,
                                             env)})
        elif block.kind == "list":
            items = [_item(item, block.tight, tr, values, texts, fallback_attrs, env)
                     for item in block.children]
            out.append({"kind": "list", "ordered": block.ordered, "start": block.start,
                        "tight": block.tight, "items": items})
    return out


def _text(block: Block, tr, values, texts: list[str], fallback_attrs, env) -> tuple[Markup, Markup]:
    rules = (env or {}).get("typography", {})
    last_words = block.kind == "paragraph"  # headings get balanced lines (layout.py)
    if not block.is_message:  # template tokens only: the coordinator's rendering
        texts.append(block.text)
        return _typeset(render_text(block.text, values, env), rules.get("text"), last_words), \
            Markup("")
    text = tr(block.text)
    texts.append(text)
    attrs = fallback_attrs(block.text)
    shown = values.for_text(bool(attrs)) if hasattr(values, "for_text") else values
    rule = rules.get("source" if attrs else "text")
    return _typeset(render_text(text, shown, env), rule, last_words), attrs


def _typeset(html: Markup, rules: typography.Rules | None, last_words: bool) -> Markup:
    """The typographic rules applied; the HTML as rendered kept in `.raw` for layout.py,
    which chooses a heading's or a slogan's line breaks from it."""
    if rules is None:
        return html
    out = Typeset(typography.html(html, rules, last_words))
    out.raw = html
    return out


class Typeset(Markup):
    """Typeset HTML that remembers the HTML it was made from (`raw`)."""

    raw: Markup


def _item(item: Block, tight: bool, tr, values, texts, fallback_attrs, env) -> dict:
    """A list item: in a tight list its first paragraph is the item's own text (no <p>)."""
    children = item.children
    html = attrs = None
    if tight and children and children[0].kind == "paragraph":
        html, attrs = _text(children[0], tr, values, texts, fallback_attrs, env)
        children = children[1:]
    return {"html": html, "attrs": attrs or Markup(""),
            "children": sections(children, tr, values, texts, fallback_attrs, env)}


def document_env(campaign: Campaign, lang: str, tr) -> dict:
    """What every text of the leaflet renders with: the reference definitions (link overrides
    of `lang` applied, titles translated) and the campaign's images as data: URIs."""
    references = {ref.label: {"href": campaign.localised_link(lang, ref.url),
                              "title": tr(ref.title) if ref.title else ""}
                  for ref in campaign.references}
    images = {}
    for src, path in campaign.images:
        file = campaign.root / path
        stat = file.stat()
        images[src] = image_data_uri(str(file), stat.st_mtime_ns, stat.st_size)
    rules = {"text": rules_for(campaign, lang),
             "source": rules_for(campaign, campaign.source_language)}
    return {"references": references, "images": images, "typography": rules}


def protected_terms(campaign: Campaign, lang: str) -> tuple[str, ...]:
    """The campaign's protected terms and their spellings in `lang` (the glossary's
    `protected_terms` entries with spellings, where the campaign has them)."""
    terms = list(campaign.protected_terms)
    for term in getattr(campaign, "glossary", ()):  # model.Term, from the drafting branch
        if term.protected or term.text in campaign.protected_terms:
            terms += list(term.spellings(lang))
    return tuple(terms)


def rules_for(campaign: Campaign, lang: str) -> typography.Rules:
    """The typographic rules of `lang` for this campaign's texts."""
    return typography.rules_for(lang, protected_terms(campaign, lang))


@functools.lru_cache(maxsize=64)
def image_data_uri(path: str, mtime_ns: int = 0, size: int = 0) -> str:
    """An image of the campaign folder, embedded (leaflets load nothing from outside)."""
    import base64

    from pipeline.sources.images import image_type

    data = Path(path).read_bytes()
    mime = image_type(data)
    if mime is None:
        raise RenderError(f"{path}: not a PNG, JPEG, GIF, WebP or SVG image")
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


@functools.lru_cache(maxsize=32)
def qr_svg(url: str, colour: str) -> Markup:
    """The campaign link as an inline, vector QR code (cached: every language shares it)."""
    code = segno.make(url, error="m")
    return Markup(code.svg_inline(scale=1, border=2, dark=colour, light="#ffffff",
                                  omitsize=True))


def leaflet_html(env: Environment, campaign: Campaign, context: dict) -> str:
    """Render leaflet.html (campaign override first) with the prepared context, after
    layout.arrange has chosen line breaks, the banner's size and the print-shop geometry."""
    context = dict(context)
    context.update(layout.arrange(context, rules_for(campaign, context["lang"]),
                                  rules_for(campaign, campaign.source_language)))
    return render_template(env, "leaflet.html", **context)


@functools.lru_cache(maxsize=1)
def font_config():
    """One FontConfiguration per process: creating one per document costs a fontconfig scan."""
    from weasyprint.text.fonts import FontConfiguration

    return FontConfiguration()


def _refuse_fetch(url: str, *args, **kwargs):
    raise ValueError(f"leaflets load nothing from outside ({url})")


@functools.lru_cache(maxsize=1)
def _data_fetcher():
    """WeasyPrint's fetcher protocol (70: an URLFetcher, not a function) serving only the
    data: URIs handbill embeds (the campaign's images); anything else is refused."""
    import base64

    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class DataOnly(URLFetcher):
        def fetch(self, url, headers=None):
            head, _, body = url.partition(",")
            if not url.startswith("data:image/") or not head.endswith(";base64"):
                return _refuse_fetch(url)
            return URLFetcherResponse(url, base64.b64decode(body),
                                      {"Content-Type": head[5:].split(";")[0]})

    return DataOnly()


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
    """WeasyPrint HTML -> tagged PDF bytes (fonts embedded, text layer with ActualText);
    missing glyphs are a RenderError."""
    import weasyprint

    logger = logging.getLogger("weasyprint")
    catcher = _NotdefCatcher()
    old_level = logger.level
    if not logger.isEnabledFor(logging.WARNING):
        logger.setLevel(logging.WARNING)
    logger.addHandler(catcher)
    try:
        bleed = _BLEED_META.search(html)
        finisher = (functools.partial(_finish_bleed, float(bleed[1]) * layout.MM) if bleed
                    else pdftext.finish)
        with pdftext.actual_text():  # the text layer gives back the text (pdftext.py)
            pdf = weasyprint.HTML(string=html, url_fetcher=_data_fetcher()).write_pdf(
                font_config=font_config(), finisher=finisher, **pdftext.PDF_OPTIONS)
    finally:
        logger.removeHandler(catcher)
        logger.setLevel(old_level)
    if catcher.missing:
        raise RenderError(missing_glyph_message(lang, catcher.missing, texts, what))
    return pdf


# leaflet.html names its print-shop bleed (mm) for the PDF's BleedBox.
_BLEED_META = re.compile(r'<meta name="handbill-bleed" content="([\d.]+)">')


def _finish_bleed(bleed_pt: float, document, pdf) -> None:
    """pdftext.finish, then each page's BleedBox set to the trim box plus the bleed.

    WeasyPrint 70 sets TrimBox to the CSS page box and BleedBox to the trim box plus at most
    10 pt of its CSS bleed area; handbill's CSS bleed area also holds the crop marks, so the
    real bleed is set here (pdfinfo -box shows it)."""
    import pydyf

    pdftext.finish(document, pdf)
    for obj in pdf.objects:
        if isinstance(obj, pydyf.Dictionary) and obj.get("Type") == "/Page" \
                and "TrimBox" in obj:
            left, top, right, bottom = (float(v) for v in obj["TrimBox"])
            obj["BleedBox"] = pydyf.Array([left - bleed_pt, top - bleed_pt,
                                           right + bleed_pt, bottom + bleed_pt])


def missing_glyph_message(lang: str, missing: list[str], texts: LeafletText, what: str) -> str:
    chars = "".join(missing)
    points = ", ".join(f"U+{ord(c):04X}" for c in dict.fromkeys(chars))
    text = texts.holding(missing[0])
    excerpt = f" in {text[:80] + ('…' if len(text) > 80 else '')!r}" if text else ""
    return (f"{lang}: the {what}'s fonts cannot draw {chars!r} ({points}){excerpt}; no installed "
            "font has this character: fix the translation or install a font for it")
