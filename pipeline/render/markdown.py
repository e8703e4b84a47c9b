"""Untrusted text -> safe HTML: placeholders filled, inline Markdown only, then sanitised.

Order matters. Placeholders and template tokens are filled into the translated Markdown first
(their values are Markdown-escaped, so a place named `*Plaza*` stays literal), the inline subset
is rendered by markdown-it with raw HTML disabled (a `<script>` becomes text), and nh3 removes
anything outside a tiny allow-list as a second line of defence.

A leaflet is rendered one text at a time, but CommonMark's meaning spans the document: `env`
carries the document's reference definitions (their titles translated) so `[text][label]`
resolves in every language, and the campaign's images as data: URIs. An image whose source is
not one of the campaign's own files is printed as its alt text; nothing is fetched.
"""

from __future__ import annotations

import re

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup, escape

from pipeline import placeholders
from pipeline.placeholders import PlaceholderError  # noqa: F401  (re-exported)

ALLOWED_TAGS = {"strong", "em", "code", "a", "br", "img"}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"}}
URL_SCHEMES = {"http", "https", "mailto", "data"}
_SAFE_URL_RE = re.compile(r"^(https?://|mailto:)", re.I)
_IMAGE_DATA_RE = re.compile(r"^data:image/(png|jpeg|gif|webp|svg\+xml);base64,[A-Za-z0-9+/=]+$")
_MD_SPECIAL_RE = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~&])")

_md = MarkdownIt("commonmark", {"html": False, "breaks": True, "linkify": False})


def _image_rule(self, tokens, idx, options, env):
    """An image from the campaign folder (env["images"]: src -> data URI), else its alt text."""
    token = tokens[idx]
    alt = self.renderInlineAsText(token.children or [], options, env)
    data = (env or {}).get("images", {}).get(token.attrGet("src") or "")
    if not data:
        return str(escape(alt))
    title = token.attrGet("title")
    extra = f' title="{escape(title)}"' if title else ""
    return f'<img src="{data}" alt="{escape(alt)}"{extra}>'


_md.add_render_rule("image", _image_rule)


def placeholder_names(text: str) -> list[str]:
    """The placeholders of a text (`date`, `date.strike:long`…), in order; PlaceholderError
    for invalid braces or forms outside handbill's grammar (see pipeline.placeholders)."""
    return [field.key for field in placeholders.fields(text)]


def fill(text: str, values: dict[str, str]) -> str:
    """Placeholders and template tokens replaced by their values: only handbill's forms, no
    attribute access beyond a named date, no other format specs."""
    return placeholders.fill(text, values)


def escape_markdown(value: str) -> str:
    """Backslash-escape Markdown punctuation so a value renders literally."""
    return _MD_SPECIAL_RE.sub(r"\\\1", value)


def _keep_attribute(tag: str, attr: str, value: str) -> str | None:
    if tag == "a" and attr == "href":
        return value if _SAFE_URL_RE.match(value.strip()) else None
    if tag == "img" and attr == "src":
        return value if _IMAGE_DATA_RE.match(value) else None
    if attr in ("title", "alt"):
        return value
    return None


def sanitize(html: str) -> str:
    """Keep only strong, em, code, br, a[href, title] with an http(s)/mailto link, and img with
    an embedded (data:image) source."""
    return nh3.clean(html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES,
                     url_schemes=URL_SCHEMES, attribute_filter=_keep_attribute,
                     link_rel="noopener noreferrer", strip_comments=True)


def inline(text: str, env: dict | None = None) -> Markup:
    """Inline Markdown (bold, emphasis, code, links, images, line breaks) -> sanitised HTML.

    `env`: {"references": markdown-it's reference table, "images": {src: data URI}}."""
    return Markup(sanitize(_md.renderInline(text, dict(env or {}))).strip())


def render_text(text: str, values: dict[str, str], env: dict | None = None) -> Markup:
    """A leaflet text: placeholders filled (Markdown-escaped), then inline Markdown, sanitised."""
    escaped = {key: escape_markdown(value) for key, value in values.items()}
    return inline(fill(text, escaped), env)


def plain(text: str) -> str:
    """Inline Markdown -> plain text (for posts and cards): markup removed, links kept as text."""
    tokens = _md.parseInline(text)
    out = []
    for token in tokens:
        for child in token.children or []:
            if child.type in ("text", "code_inline"):
                out.append(child.content)
            elif child.type in ("softbreak", "hardbreak"):
                out.append("\n")
            elif child.type == "image":
                out.append(child.content)
    return "".join(out)
