"""Post length as each platform counts it. One implementation for checks and rendering.

- X: twitter-text's weighted length (twitter-text-parser, the maintained port of X's own
  library): URLs count 23, CJK and emoji count 2, most other characters 1.
- Bluesky: 300 graphemes (extended grapheme clusters, via `regex`'s \\X, which follows current
  Unicode; the `grapheme` package is stuck at Unicode 11 and splits Devanagari conjuncts).
- Mastodon: characters (code points), every URL counts 23, `@user@domain` counts as `@user`.
- Others: characters.
"""

from __future__ import annotations

import functools
import re

import regex

from pipeline.model import PLATFORM_LIMITS

# What makes a spreadsheet read a cell as a formula (OWASP's "CSV injection" list, plus the
# full-width forms some spreadsheets also accept): posts.csv neutralises such cells, and the
# `csv-formula` check reports a translated post that starts with one.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
_URL_RE = re.compile(r"https?://[^\s<>\"]+")
_MENTION_RE = re.compile(r"(@\w+)@[\w.-]+\w")


@functools.lru_cache(maxsize=4096)
def x_length(text: str) -> int:
    # Cached by text: twitter-text's parser costs ~2-12 ms a call, and a post is counted by
    # the checks and by rendering, in every language. Imported here: twitter_text compiles
    # its emoji tables on import (0.6 s), which every command that never counts an X post
    # would pay.
    from twitter_text import parse_tweet

    return parse_tweet(text).weightedLength


def bluesky_length(text: str) -> int:
    return len(regex.findall(r"\X", text))


def mastodon_length(text: str) -> int:
    text = _MENTION_RE.sub(r"\1", text)
    return len(_URL_RE.sub("x" * 23, text))


def length(platform: str, text: str) -> int:
    """The length of `text` as `platform` counts it."""
    if platform == "x":
        return x_length(text)
    if platform == "bluesky":
        return bluesky_length(text)
    if platform == "mastodon":
        return mastodon_length(text)
    return len(text)


def limit(platform: str) -> int:
    return PLATFORM_LIMITS[platform]


def compose_post(text: str, hashtags: tuple[str, ...] | list[str], link: str | None) -> str:
    """The post as published: text, then the hashtags not already in it, then the link."""
    tags = [t for t in hashtags if t.lower() not in text.lower()]
    parts = [text.strip()]
    if tags:
        parts.append(" ".join(tags))
    if link and link not in text:
        parts.append(link)
    return " ".join(parts)
