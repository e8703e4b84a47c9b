"""posts.yml (and cards.yml) -> Posts and Cards: one message per post and per card slogan."""

from __future__ import annotations

import re
from pathlib import Path

from pipeline.errors import Problems, SourceError
from pipeline.model import PLATFORM_LIMITS, Card, Post
from pipeline.sources.campaign import (
    HASHTAG_RE, POSTS_FILE, check_url, need_map, str_list, text_of, unknown_keys,
)
from pipeline.sources.yamlstrict import YList, YMap, load_yaml

_ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")


def read_posts(path: Path, rel: str, problems: Problems, project: Path | None = None
               ) -> tuple[list[Post], list[Card]]:
    try:
        data = need_map(load_yaml(path, rel, project), rel, 1, POSTS_FILE)
    except SourceError as exc:
        problems.add_error(exc)
        return [], []
    unknown_keys(data, {"posts", "cards"}, rel, POSTS_FILE, problems)
    posts = []
    items = data.get("posts")
    if items is not None and not isinstance(items, YList):
        problems.add("`posts` must be a list of posts (lines starting with -)", rel,
                     data.lines["posts"])
        items = None
    seen: dict[str, int] = {}
    for item, line in zip(items or [], (items.lines if items else [])):
        try:
            posts.append(_read_post(item, line, rel, seen, problems))
        except SourceError as exc:
            problems.add_error(exc)
    cards = read_cards(data, rel, "cards", problems) if data.get("cards") is not None else []
    return posts, cards


def _read_post(item, line: int, rel: str, seen: dict[str, int], problems: Problems) -> Post:
    post = need_map(item, rel, line, "a post")
    unknown_keys(post, {"id", "text", "platforms", "link", "hashtags"}, rel, "a post", problems)
    pid = _ident(post, rel, seen, "post")
    text = text_of(post, "text", rel)
    platforms = str_list(post, "platforms", rel) or ("x", "bluesky", "mastodon")
    for name in platforms:
        if name not in PLATFORM_LIMITS:
            problems.add(f"unknown platform {name!r}; known: {', '.join(PLATFORM_LIMITS)}", rel,
                         post.lines.get("platforms"))
    link = text_of(post, "link", rel, required=False) or None
    if link:
        check_url(link, rel, post.lines["link"])
    hashtags = str_list(post, "hashtags", rel)
    for tag in hashtags:
        if not HASHTAG_RE.match(tag):
            problems.add(f"{tag!r} is not a hashtag; write it in quotes as \"#Tag\"", rel,
                         post.lines["hashtags"])
    platforms = tuple(p for p in platforms if p in PLATFORM_LIMITS)
    return Post(pid, text, platforms, post.lines["text"], link, hashtags)


def _ident(item: YMap, rel: str, seen: dict[str, int], what: str) -> str:
    ident = text_of(item, "id", rel)
    if not _ID_RE.match(ident):
        raise SourceError(f"{what} id {ident!r} must be lowercase letters, digits and hyphens",
                          rel, item.lines["id"])
    if ident in seen:
        raise SourceError(f"duplicate {what} id {ident!r}; the first is at line {seen[ident]}",
                          rel, item.lines["id"])
    seen[ident] = item.lines["id"]
    return ident


def read_cards(data, rel: str, top_key: str, problems: Problems) -> list[Card]:
    try:
        data = need_map(data, rel, 1, rel)
    except SourceError as exc:
        problems.add_error(exc)
        return []
    items = data.get(top_key)
    if not isinstance(items, YList):
        problems.add(f"`{top_key}` must be a list of cards (lines starting with -)", rel,
                     data.lines.get(top_key, 1))
        return []
    seen: dict[str, int] = {}
    cards = []
    for item, line in zip(items, items.lines):
        try:
            card = need_map(item, rel, line, "a card")
            unknown_keys(card, {"id", "text"}, rel, "a card", problems)
            cards.append(Card(_ident(card, rel, seen, "card"), text_of(card, "text", rel),
                              card.lines["text"]))
        except SourceError as exc:
            problems.add_error(exc)
    return cards
