"""source/<campaign>/ -> Campaign: metadata, the leaflet's block tree, posts and card slogans.

Every problem of every file of a campaign is reported in one run (errors.Problems, up to 50),
each as `path:line: what, and how to fix`; warnings (front matter keys handbill ignores) are
logged once per process.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

from pipeline import placeholders, shortcodes
from pipeline.campaignfile import (
    CAMPAIGN_FILE, HASHTAG_RE, check_url, need_map, read_meta, str_list, text_of, unknown_keys,
)
from pipeline.errors import Problems, SourceError
from pipeline.leafletsource import read_leaflet
from pipeline.model import (
    PLATFORM_LIMITS, PLATFORM_NAMES, Block, Campaign, Card, Leaflet, Message, Origin, Post,
)
from pipeline.names import validate_campaign
from pipeline.yamlstrict import YList, YMap, load_yaml

log = logging.getLogger(__name__)

LEAFLET_FILE, POSTS_FILE, CARDS_FILE = "leaflet.md", "posts.yml", "cards.yml"
_ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
_WARNED: set[str] = set()


def list_campaigns(source_dir: Path, only: tuple[str, ...] | None = None) -> list[str]:
    """Names of the campaign folders under source/ (those holding a campaign.yml)."""
    if only is not None:
        return [validate_campaign(name) for name in only]
    if not source_dir.is_dir():
        return []
    return sorted(p.name for p in source_dir.iterdir()
                  if p.is_dir() and (p / CAMPAIGN_FILE).is_file() and not p.name.startswith("."))


def read_campaign(project_root: Path, name: str) -> Campaign:
    """Read and validate source/<name>/ into a Campaign with its messages, writing nothing.

    Raises one SourceErrors listing every problem of the campaign's files."""
    validate_campaign(name)
    root = project_root / "source" / name
    rel = f"source/{name}"
    if not (root / CAMPAIGN_FILE).is_file():
        raise SourceError(f"campaign {name!r} has no {CAMPAIGN_FILE}; create it (see "
                          "`handbill new`)", f"{rel}/{CAMPAIGN_FILE}")
    problems = Problems()
    meta = read_meta(root / CAMPAIGN_FILE, f"{rel}/{CAMPAIGN_FILE}", problems)
    leaflet = Leaflet()
    if (root / LEAFLET_FILE).is_file():
        leaflet, _ = read_leaflet(root / LEAFLET_FILE, f"{rel}/{LEAFLET_FILE}", problems)
    posts, cards = [], []
    if (root / POSTS_FILE).is_file():
        posts, cards = _read_posts(root / POSTS_FILE, f"{rel}/{POSTS_FILE}", problems)
    if (root / CARDS_FILE).is_file():
        if cards:
            problems.add(f"cards are defined both here and in {POSTS_FILE}; keep one",
                         f"{rel}/{CARDS_FILE}")
        else:
            try:
                data = load_yaml(root / CARDS_FILE, f"{rel}/{CARDS_FILE}")
                cards = _read_cards(data, f"{rel}/{CARDS_FILE}", "cards", problems)
            except SourceError as exc:
                problems.add_error(exc)
    _log_warnings(problems)
    if meta is None:
        problems.raise_if_any()
    campaign = Campaign(
        name=name, root=root, relroot=rel, blocks=leaflet.blocks, posts=tuple(posts),
        cards=tuple(cards), paper=leaflet.paper or "A5", references=leaflet.references,
        images=leaflet.images, **meta)
    messages = extract_messages(campaign, problems)
    problems.raise_if_any()
    return Campaign(**{**campaign.__dict__, "messages": tuple(messages)})


def _log_warnings(problems: Problems) -> None:
    for warning in problems.warnings:
        text = str(warning)
        if text not in _WARNED:
            _WARNED.add(text)
            log.warning("%s", text)


# ---------------------------------------------------------------------------- posts.yml


def _read_posts(path: Path, rel: str, problems: Problems) -> tuple[list[Post], list[Card]]:
    try:
        data = need_map(load_yaml(path, rel), rel, 1, POSTS_FILE)
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
    cards = _read_cards(data, rel, "cards", problems) if data.get("cards") is not None else []
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


def _read_cards(data, rel: str, top_key: str, problems: Problems) -> list[Card]:
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


# ---------------------------------------------------------------------------- messages


def placeholders_of(text: str, rel: str | None = None, line: int | None = None,
                    campaign: Campaign | None = None) -> tuple[str, ...]:
    """The placeholders of a text (`date`, `date.strike:long`…), in order; a SourceError for
    broken braces, unknown names, and (given the campaign) dates it does not define."""
    try:
        found = placeholders.fields(text)
    except placeholders.PlaceholderError as exc:
        raise SourceError(str(exc), rel, line) from None
    if campaign is not None:
        for field in found:
            _check_field_defined(field, campaign, rel, line)
    return tuple(dict.fromkeys(f.key for f in found))


def _check_field_defined(field, campaign: Campaign, rel, line) -> None:
    meta = f"{campaign.relroot}/{CAMPAIGN_FILE}"
    if field.attr:
        named = {d.name: d for d in campaign.dates}
        if field.attr not in named:
            known = ", ".join(f"{{date.{n}}}" for n in named) or "none yet"
            raise SourceError(f"{field}: campaign.yml has no date named {field.attr!r} (known: "
                              f"{known}); add it under `dates:` in {meta}", rel, line)
        if field.name == "time" and not named[field.attr].time:
            raise SourceError(f"{field}: the date {field.attr!r} has no time; write it as "
                              f"`{field.attr}: {{date: …, time: \"HH:MM\"}}` in {meta}", rel, line)
    elif field.name in ("date", "time", "place"):
        event = campaign.event
        if event is None:
            raise SourceError(f"{field}: the campaign has no event; add `event: {{date: "
                              f"YYYY-MM-DD}}` to {meta}", rel, line)
        if field.name == "time" and not event.time:
            raise SourceError(f"{field}: the event has no time; add `time: \"HH:MM\"` to "
                              f"`event` in {meta}", rel, line)
        if field.name == "place" and not event.place:
            raise SourceError(f"{field}: the event has no place; add `place:` to `event` in "
                              f"{meta}", rel, line)


def _check_shortcodes(text: str, campaign: Campaign, rel: str, line: int,
                      problems: Problems) -> None:
    known = {code.key for code in campaign.shortcodes}
    for token in dict.fromkeys(shortcodes.find(text)):
        if shortcodes.normalize(token) not in known:
            shown = token if len(token) <= 60 else token[:57] + "…"
            problems.add(f"shortcode {shown} has no rendering; map it in campaign.yml "
                         "(shortcodes:) or remove it", rel, line)


def _leaf_role(block: Block, ancestors: tuple[Block, ...]) -> str:
    """How a translator should think of a leaflet text: heading 2, list item, quote…"""
    lists = sum(a.kind == "list" for a in ancestors)
    parent = ancestors[-1] if ancestors else None
    if block.kind == "heading":
        role = f"heading {block.level}"
    elif parent is not None and parent.kind == "item" and parent.children[0] is block:
        role = "list item" + (f" (level {lists})" if lists > 1 else "")
    elif parent is not None and parent.kind == "item":
        role = "paragraph of a list item"
    else:
        role = "paragraph"
    if any(a.kind == "quote" for a in ancestors):
        role = "quote" if role == "paragraph" else f"{role} in a quote"
    return role


def extract_messages(c: Campaign, problems: Problems | None = None) -> list[Message]:
    """The campaign's messages in document order: metadata, leaflet, posts, cards.

    Problems (unknown placeholders, unmapped shortcodes) go to `problems`, or are raised."""
    own = problems is None
    problems = problems if problems is not None else Problems()
    by_key: dict[tuple[str | None, str], Message] = {}
    order: list[tuple[str | None, str]] = []

    def add(msgid, context, rel, line, role, comments=(), limits=()):
        _check_shortcodes(msgid, c, rel, line, problems)
        try:
            phs = placeholders_of(msgid, rel, line, c)
        except SourceError as exc:
            problems.add_error(exc)
            phs = ()
        flags = ()
        if phs:  # a text holding template tokens is not Python brace format: say so
            flags = ("no-python-brace-format",) if shortcodes.has_tokens(msgid) else \
                ("python-brace-format",)
        if limits:
            flags += (f"max-length:{min(n for _, n in limits)}",)
        key = (context, msgid)
        origin = Origin(rel, line)
        if key in by_key:
            old = by_key[key]
            roles = old.role if role in old.role.split(", ") else f"{old.role}, {role}"
            by_key[key] = Message(msgid, context, old.origins + (origin,), roles,
                                  tuple(dict.fromkeys(old.comments + tuple(comments))),
                                  old.flags, old.limits, old.placeholders)
            return
        by_key[key] = Message(msgid, context, (origin,), role, tuple(comments), flags,
                              tuple(limits), phs)
        order.append(key)

    meta_rel = f"{c.relroot}/{CAMPAIGN_FILE}"
    add(c.title, "campaign:title", meta_rel, c.title_line, "campaign title",
        ["Campaign title: the leaflet's and download page's headline."])
    if c.summary:
        add(c.summary, "campaign:summary", meta_rel, c.summary_line, "campaign summary",
            ["One-sentence summary shown on the download page."])
    if c.event and c.event.place:
        add(c.event.place, "campaign:place", meta_rel, c.event.place_line, "event place",
            ["Where the action takes place."])
    _leaflet_messages(c, add, problems)
    posts_rel = f"{c.relroot}/{POSTS_FILE}"
    for post in c.posts:
        appended = _appended_length(post)
        limits = tuple((p, PLATFORM_LIMITS[p] - appended[p]) for p in post.platforms
                       if PLATFORM_LIMITS[p] < 10000)
        names = ", ".join(f"{PLATFORM_NAMES[p]} {PLATFORM_LIMITS[p]}" for p in post.platforms)
        extra = []
        if post.hashtags or post.link:
            extra.append("Hashtags and link are added after the text: "
                         + " ".join(post.hashtags + ((post.link,) if post.link else ())))
        add(post.text, f"post:{post.id}", posts_rel, post.line, f"post {post.id}",
            [f"Social post {post.id!r} for {names} (limits include the hashtags and link).",
             *extra], limits)
    cards_rel = f"{c.relroot}/{CARDS_FILE if (c.root / CARDS_FILE).is_file() else POSTS_FILE}"
    for card in c.cards:
        add(card.text, f"card:{card.id}", cards_rel, card.line, f"card {card.id}",
            ["Slogan printed large on a share image; keep it about as short as the original."])
    if own:
        problems.raise_if_any()
    return [by_key[k] for k in order]


def _leaflet_messages(c: Campaign, add, problems: Problems) -> None:
    """One message per heading and paragraph of the leaflet tree, then each link title."""
    from pipeline.model import walk

    rel = f"{c.relroot}/{LEAFLET_FILE}"
    for block, ancestors in walk(c.blocks):
        if block.kind not in ("heading", "paragraph") or not block.text:
            continue
        if not block.is_message:  # template tokens only: rendered, but nothing to translate
            _check_shortcodes(block.text, c, rel, block.line, problems)
            continue
        role = _leaf_role(block, ancestors)
        notes = [f"Writers' note: {note}" for note in block.notes]
        add(block.text, None, rel, block.line, role,
            [f"Leaflet {role}. Keep **bold**, [links](...) and {{placeholders}}.", *notes])
    for ref in c.references:
        if ref.title:
            add(ref.title, None, rel, ref.line, "link title",
                [f"Title of the link [{ref.name}] ({ref.url}), shown when pointing at it."])


def _appended_length(post: Post) -> dict[str, int]:
    """Characters each platform spends on the hashtags and link appended to a post's text."""
    tags = sum(len(t) + 1 for t in post.hashtags)
    out = {}
    for platform in PLATFORM_LIMITS:
        link = 0
        if post.link:
            link = 24 if platform in ("x", "mastodon") else len(post.link) + 1
        out[platform] = tags + link + (1 if tags or link else 0)
    return out
