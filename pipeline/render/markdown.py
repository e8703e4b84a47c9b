"""Untrusted text -> safe HTML: placeholders filled, inline Markdown only, then sanitised.

Order matters. Placeholders are filled into the translated Markdown first (their values are
Markdown-escaped, so a place named `*Plaza*` stays literal), the inline subset is rendered by
markdown-it with raw HTML disabled (a `<script>` becomes text), and nh3 removes anything outside
a tiny allow-list as a second line of defence.
"""

from __future__ import annotations

import re
import string

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

ALLOWED_TAGS = {"strong", "em", "code", "a", "br"}
URL_SCHEMES = {"http", "https", "mailto"}
_SAFE_URL_RE = re.compile(r"^(https?://|mailto:)", re.I)
_MD_SPECIAL_RE = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~&])")
_FORMATTER = string.Formatter()

_md = MarkdownIt("commonmark", {"html": False, "breaks": True, "linkify": False})
_md.disable(["image"])


class PlaceholderError(ValueError):
    """A text's braces are invalid or name a placeholder it may not use."""


def placeholder_names(text: str) -> list[str]:
    """The {name} fields of a text, in order; PlaceholderError for invalid braces or specs."""
    names = []
    try:
        parsed = list(_FORMATTER.parse(text))
    except ValueError as exc:
        raise PlaceholderError(f"invalid braces: {exc}") from None
    for _literal, name, spec, conversion in parsed:
        if name is None:
            continue
        if spec or conversion or not name.isidentifier():
            raise PlaceholderError(f"{{{name}}} must be a plain placeholder such as {{date}}")
        names.append(name)
    return names


def fill(text: str, values: dict[str, str]) -> str:
    """str.format_map for plain {name} fields only: no attribute access, no format specs."""
    out = []
    for literal, name, _spec, _conversion in _FORMATTER.parse(text):
        out.append(literal)
        if name is not None:
            if name not in values:
                raise PlaceholderError(f"unknown placeholder {{{name}}}")
            out.append(values[name])
    return "".join(out)


def escape_markdown(value: str) -> str:
    """Backslash-escape Markdown punctuation so a value renders literally."""
    return _MD_SPECIAL_RE.sub(r"\\\1", value)


def _keep_attribute(tag: str, attr: str, value: str) -> str | None:
    if tag == "a" and attr == "href":
        return value if _SAFE_URL_RE.match(value.strip()) else None
    return None


def sanitize(html: str) -> str:
    """Keep only strong, em, code, br and a[href] with an http(s)/mailto link."""
    return nh3.clean(html, tags=ALLOWED_TAGS, attributes={"a": {"href"}},
                     url_schemes=URL_SCHEMES, attribute_filter=_keep_attribute,
                     link_rel="noopener noreferrer", strip_comments=True)


def inline(text: str) -> Markup:
    """Inline Markdown (bold, emphasis, code, links, line breaks) -> sanitised HTML."""
    return Markup(sanitize(_md.renderInline(text)).strip())


def render_text(text: str, values: dict[str, str]) -> Markup:
    """A leaflet text: placeholders filled (Markdown-escaped), then inline Markdown, sanitised."""
    escaped = {key: escape_markdown(value) for key, value in values.items()}
    return inline(fill(text, escaped))


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
    return "".join(out)
