"""What checks look for in a message: placeholders, inline Markdown, links, tags, punctuation."""

from __future__ import annotations

import functools
import html
import json
import re
import string
import urllib.parse
from collections import Counter

import regex
from markdown_it import MarkdownIt

from pipeline import shortcodes

_md = MarkdownIt("commonmark")

# ---------------------------------------------------------------------------- placeholders

_FORMATTER = string.Formatter()
# A {name} in a text that is not brace-formatted: a translator's (or engine's) invention.
_LOOSE_BRACE_RE = re.compile(r"\{[A-Za-z_][\w.]*(?:![rsa])?(?::[^{}]*)?\}")
# printf directives without the space flag: "50 % des" in French is text, not "% d".
_PRINTF_RE = re.compile(
    r"%(?:\d+\$|\([^)\s]+\))?[-#0+']*(?:\*|\d+)?(?:\.(?:\*|\d+))?(?:hh|h|ll|l|L|z|j|t)?"
    r"[diouxXeEfFgGcsraA%]")


def brace_fields(text: str) -> set[str]:
    """The {name} fields of a brace-format text ("{}" for automatic ones); ValueError if broken.

    Template tokens (`{{< x >}}`, `{% x %}`: pipeline.shortcodes) are not fields; a format spec
    (`{date:long}`) is the writer's or translator's choice, so `{date:long}` counts as `{date}`."""
    return {"{" + (name or "") + "}" for _, name, _, _ in _FORMATTER.parse(shortcodes.blank(text))
            if name is not None}


def loose_braces(text: str) -> set[str]:
    return {re.sub(r"[!:].*", "", m.group()[1:-1]).join("{}")
            for m in _LOOSE_BRACE_RE.finditer(shortcodes.blank(text))}


def template_tokens(text: str) -> Counter:
    """The static-site template tokens of a text (`{{< count >}}`…), byte-exact."""
    return Counter(shortcodes.find(text))


def printf_directives(text: str) -> Counter:
    return Counter(m.group() for m in _PRINTF_RE.finditer(text) if m.group() != "%%")


# ---------------------------------------------------------------------------- Markdown

# Inline token types whose count must survive translation, with their names for a message.
STRUCTURE = {"strong_open": "bold", "em_open": "italic", "code_inline": "code",
             "link_open": "link", "image": "image"}


def inline_tokens(text: str, env: dict | None = None) -> list:
    """markdown-it's inline tokens of a message (CommonMark, as the leaflet is rendered; `env`
    holds the leaflet's reference definitions, so `[text][label]` is a link)."""
    tokens = _md.parseInline(text, dict(env or {}))
    return tokens[0].children or [] if tokens else []


def inline_structure(text: str, env: dict | None = None) -> Counter:
    """How many bold, italic, code, link and image spans a message holds."""
    key = json.dumps(env, sort_keys=True) if env else ""
    return Counter(dict(_structure(text, key)))


# Cached by text: a source text is parsed again for each language's catalog, and several
# checks read the same target (markdown-it costs ~0.1 ms a text).
@functools.lru_cache(maxsize=8192)
def _structure(text: str, env_json: str) -> tuple[tuple[str, int], ...]:
    counts: Counter = Counter()
    for tok in inline_tokens(text, json.loads(env_json) if env_json else None):
        if tok.type in STRUCTURE:
            counts[STRUCTURE[tok.type]] += 1
    return tuple(counts.items())


# ---------------------------------------------------------------------------- links

_BARE_URL_RE = re.compile(r"(?:https?://|mailto:)[^\s<>\"'`]+", re.I)
_TRAILING = ".,;:!?…'\"’”»"
_ANY_URL_RE = re.compile(r"(?:[a-z][a-z0-9+.-]*://|mailto:|www\.)\S+", re.I)


def normalize_link(url: str) -> str:
    """A link as markdown-it normalises it (percent-encoded), so both sides compare equal."""
    return _md.normalizeLink(url.strip())


def _strip_trailing(url: str) -> str:
    # A bare URL ends before sentence punctuation and before a ")" it did not open.
    while url and (url[-1] in _TRAILING or (url[-1] == ")" and url.count("(") < url.count(")"))):
        url = url[:-1]
    return url


def links(text: str) -> list[str]:
    """Every link of a message: Markdown links, autolinks and bare http(s)/mailto URLs."""
    return list(_links(text))


@functools.lru_cache(maxsize=8192)
def _links(text: str) -> tuple[str, ...]:
    found = []
    for tok in inline_tokens(text):
        if tok.type == "link_open":
            found.append(normalize_link(tok.attrs.get("href", "")))
        elif tok.type == "image":
            found.append(normalize_link(tok.attrs.get("src", "")))
        elif tok.type == "text":
            for match in _BARE_URL_RE.finditer(tok.content):
                url = _strip_trailing(match.group())
                if url.lower() not in ("mailto:", "http://", "https://"):
                    found.append(normalize_link(url))
    return tuple(dict.fromkeys(found))


_WWW_RE = re.compile(r"(?<![\w.@/-])www\.[^\s<>\"'`]+", re.I)


def www_links(text: str) -> list[str]:
    """Scheme-less `www.` addresses, which platforms and mail readers make clickable."""
    return [normalize_link("http://" + _strip_trailing(m.group())) for m in
            _WWW_RE.finditer(without_urls_with_scheme(text))]


def without_urls_with_scheme(text: str) -> str:
    return re.sub(r"[a-z][a-z0-9+.-]*://\S+", " ", text, flags=re.I)


def host_of(url: str) -> str | None:
    """The host a link leads to, lower-case, without `www.` (userinfo and port dropped, so
    `https://example.org@evil.example/` is evil.example); a mailto's mail domain."""
    try:
        parts = urllib.parse.urlsplit(url.strip())
        if parts.scheme.lower() == "mailto":
            host = parts.path.rpartition("@")[2].split("?")[0]
        else:
            host = parts.hostname or ""
    except ValueError:
        return None
    host = host.lower().rstrip(".")
    return host.removeprefix("www.") or None


def scheme_of(url: str) -> str:
    match = re.match(r"([a-zA-Z][a-zA-Z0-9+.-]*):", url)
    return match.group(1).lower() if match else ""


def without_urls(text: str) -> str:
    """The text with URLs blanked, so a #fragment or /@user in a link is not a tag."""
    return _ANY_URL_RE.sub(" ", text)


# javascript: and vbscript: anywhere; data: only when it looks like a data URL ("Data: 25 de
# fevereiro" is Portuguese for "Date:"). Tabs and newlines are removed first, as browsers do.
_UNSAFE_RE = re.compile(r"\b(javascript|vbscript)\s*:|\bdata:[\w.+-]+/[\w.+-]+[;,]|\bdata:,|"
                        r"\]\(\s*<?\s*data:", re.I)


def unsafe_schemes(text: str) -> list[str]:
    flat = re.sub(r"[\t\n\r\x00-\x1f\u200b-\u200d\ufeff]", "", html.unescape(text))
    return [m.group().split(":")[0].lstrip("](< \t").lower() + ":"
            for m in _UNSAFE_RE.finditer(flat)]


# ---------------------------------------------------------------------------- tags and terms

_WORD = r"\p{L}\p{M}\p{N}_"
# A hashtag needs a letter (#2022 is not a tag on any platform); Devanagari marks are part of it.
_HASHTAG_RE = regex.compile(rf"(?<![{_WORD}&/#])#(?=[\p{{N}}_]*\p{{L}})[{_WORD}]+")
# @user or Mastodon's @user@example.social; an e-mail address is not a handle.
_HANDLE_RE = regex.compile(rf"(?<![{_WORD}.@/+-])@[A-Za-z0-9_]{{1,30}}"
                           r"(?:@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)?(?![A-Za-z0-9_@])")


def hashtags(text: str) -> list[str]:
    return list(dict.fromkeys(_HASHTAG_RE.findall(without_urls(text))))


def handles(text: str) -> list[str]:
    return list(dict.fromkeys(_HANDLE_RE.findall(without_urls(text))))


def has_term(text: str, term: str, whole_word: bool = True) -> bool:
    """Whether `term` occurs as written; in translations a suffix may follow (Assangen)."""
    right = rf"(?![{_WORD}])" if whole_word else ""
    return regex.search(rf"(?<![{_WORD}]){regex.escape(term)}{right}", text) is not None


def only_invariants(text: str, terms: tuple[str, ...]) -> bool:
    """True when nothing of the text is translatable: only terms, tags, URLs, placeholders."""
    rest = without_urls(text)
    rest = _HASHTAG_RE.sub(" ", rest)
    rest = _HANDLE_RE.sub(" ", rest)
    rest = _LOOSE_BRACE_RE.sub(" ", shortcodes.blank(rest))
    for term in sorted(terms, key=len, reverse=True):
        rest = regex.sub(rf"(?<![{_WORD}]){regex.escape(term)}(?![{_WORD}])", " ", rest)
    return not regex.search(r"\p{L}", rest)


_DOUBLED_RE = regex.compile(r"(?<![\p{L}\p{M}\p{N}])([\p{L}\p{M}]+)[ \t]+(\1)(?![\p{L}\p{M}\p{N}])",
                            regex.I)


def doubled_words(text: str) -> list[str]:
    return [m.group(1) for m in _DOUBLED_RE.finditer(text)]


# ---------------------------------------------------------------------------- punctuation

# Equivalent sentence endings across scripts: full-width CJK, Devanagari danda, Arabic/Urdu.
_ENDINGS = {".": ".", "。": ".", "।": ".", "۔": ".", "?": "?", "？": "?", "؟": "?",
            "!": "!", "！": "!", ",": ",", "،": ",", "、": ",", ":": ":", "：": ":",
            ";": ";", "؛": ";", "…": "…"}
# What may close a sentence after its punctuation: quotes, brackets, Markdown markers.
_CLOSERS = " \t\n*_`)]\"'”’»›」』）"


def ending(text: str) -> str | None:
    """The class of a text's final punctuation ('.', '?', '!', ',', ':', ';', '…') or None."""
    text = text.rstrip(_CLOSERS)
    if text.endswith("...") or text.endswith("…"):
        return "…"
    return _ENDINGS.get(text[-1:]) if text else None
