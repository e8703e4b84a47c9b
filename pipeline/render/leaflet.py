"""Campaign + translations -> leaflet.html and leaflet.pdf (WeasyPrint), print-ready.

The HTML is self-contained (inline CSS and an inline SVG QR code), so it opens offline from
file:// and gives WeasyPrint nothing to fetch. A glyph that no installed font can draw makes
WeasyPrint log `.notdef glyph rendered`; we catch that log record and fail the language with the
text that holds the character, instead of printing a box.
"""

from __future__ import annotations

import functools
import logging
import mimetypes
import os
import re
import threading
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import segno
from jinja2 import Environment
from markupsafe import Markup

from pipeline import files
from pipeline.errors import HandbillError, RenderError
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
        images[src] = image_data_uri(str(file), stat.st_mtime_ns, stat.st_size,
                                     str(campaign.root))
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
def image_data_uri(path: str, mtime_ns: int = 0, size: int = 0, campaign_root: str = "") -> str:
    """An image of the campaign folder, embedded (leaflets load nothing from outside); read
    only as a regular file inside that folder (files.read_inside)."""
    import base64

    from pipeline.sources.images import image_type

    if campaign_root:
        root = Path(campaign_root)
        data = files.read_inside(Path(path), root.parent.parent, f"source/{root.name}",
                                 error=RenderError)
    else:
        data = files.read_regular(Path(path), error=RenderError)
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


def _fetcher(campaign_root: Path | None, template: str):
    """WeasyPrint's URL fetcher for one leaflet: `data:` URLs and regular files inside the
    campaign's folder; anything else (another file, http, https, ftp) stops the render.

    WeasyPrint 70's fetcher is an object (`weasyprint.urls.URLFetcher`) whose `fetch(url)`
    returns a URLFetcherResponse; `weasyprint.urls.fetch()` turns any Exception into a logged
    warning (or, with fail_on_errors, a FatalURLFetchingError without our message), so a
    refusal is raised as a FatalURLFetchingError subclass, which nothing in WeasyPrint catches.
    """
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class Fetcher(URLFetcher):
        def fetch(self, url: str, headers=None):
            scheme = url.split(":", 1)[0].lower()
            if scheme == "data":
                return super().fetch(url, headers)
            if scheme == "file" and campaign_root is not None:
                parts = urllib.parse.urlsplit(url)
                path = Path(os.path.normpath(urllib.request.url2pathname(parts.path)))
                project = campaign_root.parent.parent
                shown = _shown(path, project)
                if parts.netloc in ("", "localhost") and (campaign_root == path
                                                          or campaign_root in path.parents):
                    try:
                        data = files.read_inside(path, project, f"source/{campaign_root.name}",
                                                 shown, limit=MAX_ASSET_BYTES)
                    except HandbillError as exc:
                        raise _Refused(str(exc)) from None
                    kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                    return URLFetcherResponse(url, data, {"Content-Type": kind})
                if parts.netloc in ("", "localhost") and shown != str(path):
                    url = shown  # inside the project: its path there says it best
            raise _Refused(f"loads {url}, outside the campaign's folder; a leaflet may use "
                           "only files inside source/<campaign>/ and data: URLs (handbill "
                           "fetches nothing from the network)")

    return Fetcher(allowed_protocols={"data", "file"}, fail_on_errors=True)


MAX_ASSET_BYTES = 20_000_000


def _shown(path: Path, project: Path) -> str:
    try:
        return Path(os.path.normpath(path)).relative_to(project).as_posix()
    except ValueError:
        return str(path)


def _refused_class():
    from weasyprint.urls import FatalURLFetchingError

    class Refused(FatalURLFetchingError):
        """A resource the leaflet may not load (BaseException: WeasyPrint does not catch it)."""

    return Refused


_Refused = None  # set on first use: importing WeasyPrint is slow, render imports it lazily


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


def write_pdf(html: str, lang: str, texts: LeafletText, what: str = "leaflet",
              campaign_root: Path | None = None) -> bytes:
    """WeasyPrint HTML -> tagged PDF bytes (fonts embedded, text layer with ActualText);
    missing glyphs are a RenderError, and so is a resource from outside the campaign's folder
    (see `_fetcher`)."""
    import weasyprint

    global _Refused
    if _Refused is None:
        _Refused = _refused_class()
    template = "pipeline/templates/leaflet.html"
    if campaign_root is not None and os.path.lexists(campaign_root / "templates/leaflet.html"):
        template = f"source/{campaign_root.name}/templates/leaflet.html"
    base_url = campaign_root.as_uri() + "/" if campaign_root is not None else None
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
            pdf = weasyprint.HTML(string=html, base_url=base_url,
                                  url_fetcher=_fetcher(campaign_root, template)).write_pdf(
                font_config=font_config(), finisher=finisher, **pdftext.PDF_OPTIONS)
    except _Refused as exc:
        raise RenderError(f"{lang}: {exc}", template) from None
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


# The download page's preview of page 1: 320 px wide (a phone's full width at 1x, a 160 px
# thumbnail at 2x). poppler's pdftoppm writes the same PNG bytes for the same PDF (no time
# chunk), so the thumbnail is a reproducible output of the unit like the PDF it shows.
THUMBNAIL = "leaflet.png"
THUMBNAIL_WIDTH = 320


def thumbnail(pdf: bytes, lang: str) -> bytes | None:
    """Page 1 of a leaflet PDF as a PNG (pdftoppm, ~0.1 s); None without poppler-utils."""
    import shutil
    import subprocess

    tool = shutil.which("pdftoppm")
    if tool is None:
        return None
    try:
        done = subprocess.run([tool, "-png", "-f", "1", "-l", "1", "-singlefile", "-scale-to-x",
                               str(THUMBNAIL_WIDTH), "-scale-to-y", "-1", "-"], input=pdf,
                              capture_output=True, timeout=60, check=True)
    except (OSError, subprocess.SubprocessError) as exc:
        stderr = getattr(exc, "stderr", b"") or b""
        raise RenderError(f"{lang}: pdftoppm could not draw the leaflet's first page "
                          f"({stderr.decode('utf-8', 'replace').strip() or exc})") from None
    return done.stdout
