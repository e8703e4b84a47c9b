"""Template syntax of static-site generators in campaign text: protected tokens, never mangled.

A page brought from Hugo or Jekyll carries shortcodes and tags: `{{< count type="x" >}}`,
`{{% notice %}}`, `{% include cta.html %}`, `{{ site.url }}`. In handbill's own placeholder
syntax (Python's brace format) `{{` is an escaped brace, so such a token used to come out as
`{< count … >}`. Here a token is one opaque unit: kept byte-exact in messages, masked for
engines, required by `check` in translations, and rendered only as the coordinator maps it in
campaign.yml (`shortcodes:`). Every module that reads braces (placeholders, checks, masking,
rendering) takes the tokens out first with `split` or `blank`, so they all agree.

Imports nothing of ours: sources, render, checks and drafting all use it.
"""

from __future__ import annotations

import re

# Longest forms first: `{{< … >}}` and `{{% … %}}` (Hugo), `{% … %}` (Liquid/Jinja tags),
# `{{ … }}` (Liquid/Hugo output, with a space inside: `{{x}}` stays an escaped brace pair).
# A token does not span a blank line (a paragraph break ends it).
PATTERN = re.compile(
    r"\{\{<(?:(?!\n\s*\n).)*?>\}\}"
    r"|\{\{%(?:(?!\n\s*\n).)*?%\}\}"
    r"|\{%-?(?:(?!\n\s*\n).)*?-?%\}"
    r"|\{\{-?\s(?:(?!\n\s*\n)[^{}])*?\s-?\}\}",
    re.S)


def find(text: str) -> list[str]:
    """The template tokens of a text, in order (repeats kept)."""
    return [m.group() for m in PATTERN.finditer(text)]


def has_tokens(text: str) -> bool:
    return PATTERN.search(text) is not None


def split(text: str) -> list[tuple[str, bool]]:
    """(piece, is_token) pieces of a text, in order; the pieces join back to the text."""
    out, pos = [], 0
    for match in PATTERN.finditer(text):
        if match.start() > pos:
            out.append((text[pos:match.start()], False))
        out.append((match.group(), True))
        pos = match.end()
    if pos < len(text):
        out.append((text[pos:], False))
    return out


def blank(text: str, fill: str = " ") -> str:
    """The text with each token replaced by `fill` (for code that parses braces)."""
    return PATTERN.sub(fill, text)


def normalize(token: str) -> str:
    """A token with its inner whitespace collapsed: the key of its rendering in campaign.yml."""
    return " ".join(token.split())


def only_tokens(text: str) -> bool:
    """True when a text holds tokens and nothing else but whitespace."""
    return has_tokens(text) and not blank(text, "").strip()
