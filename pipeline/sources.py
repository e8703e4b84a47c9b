"""source/<campaign>/ -> Campaign: metadata, Markdown leaflet blocks, posts and card slogans."""

from __future__ import annotations

import datetime as dt
import re
import string
from pathlib import Path

from pipeline.errors import SourceError
from pipeline.model import (
    PLACEHOLDERS, PLATFORM_LIMITS, PLATFORM_NAMES, Campaign, Card, Colours, Event,
    LanguageOverride, Message, Origin, Post,
)
from pipeline.leafletsource import read_leaflet
from pipeline.names import validate_campaign, validate_language
from pipeline.yamlstrict import YList, YMap, load_yaml

CAMPAIGN_FILE, LEAFLET_FILE, POSTS_FILE, CARDS_FILE = (
    "campaign.yml", "leaflet.md", "posts.yml", "cards.yml")
_ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
_HASHTAG_RE = re.compile(r"^#\w+$")
_COLOUR_RE = re.compile(r"^#[0-9a-fA-F]{6}$")


def list_campaigns(source_dir: Path, only: tuple[str, ...] | None = None) -> list[str]:
    """Names of the campaign folders under source/ (those holding a campaign.yml)."""
    if only is not None:
        return [validate_campaign(name) for name in only]
    if not source_dir.is_dir():
        return []
    return sorted(p.name for p in source_dir.iterdir()
                  if p.is_dir() and (p / CAMPAIGN_FILE).is_file() and not p.name.startswith("."))


def read_campaign(project_root: Path, name: str) -> Campaign:
    """Read and validate source/<name>/ into a Campaign with its messages, writing nothing."""
    validate_campaign(name)
    root = project_root / "source" / name
    rel = f"source/{name}"
    if not (root / CAMPAIGN_FILE).is_file():
        raise SourceError(f"campaign {name!r} has no {CAMPAIGN_FILE}; create it (see "
                          "`handbill new`)", f"{rel}/{CAMPAIGN_FILE}")
    meta = _read_meta(root / CAMPAIGN_FILE, f"{rel}/{CAMPAIGN_FILE}")
    blocks, paper = ((), None)
    if (root / LEAFLET_FILE).is_file():
        blocks, paper = read_leaflet(root / LEAFLET_FILE, f"{rel}/{LEAFLET_FILE}")
    posts, cards = (), ()
    if (root / POSTS_FILE).is_file():
        posts, cards = _read_posts(root / POSTS_FILE, f"{rel}/{POSTS_FILE}", meta)
    if (root / CARDS_FILE).is_file():
        if cards:
            raise SourceError(f"cards are defined both here and in {POSTS_FILE}; keep one",
                              f"{rel}/{CARDS_FILE}")
        data = load_yaml(root / CARDS_FILE, f"{rel}/{CARDS_FILE}")
        cards = _read_cards(data, f"{rel}/{CARDS_FILE}", top_key="cards")
    campaign = Campaign(
        name=name, root=root, relroot=rel, blocks=tuple(blocks), posts=tuple(posts),
        cards=tuple(cards), paper=paper or "A5", **meta)
    messages = extract_messages(campaign)
    return Campaign(**{**campaign.__dict__, "messages": tuple(messages)})


# ---------------------------------------------------------------------------- campaign.yml

_META_KEYS = {"title", "summary", "organisation", "url", "source_language", "languages", "event",
              "hashtags", "protected_terms", "colours", "overrides"}


def _need_map(value, rel, line, what) -> YMap:
    if not isinstance(value, YMap):
        raise SourceError(f"{what} must be a mapping of `key: value` lines", rel, line)
    return value


def _text(data: YMap, key: str, rel: str, required: bool = True) -> str:
    value = data.get(key)
    line = data.lines.get(key, data.line)
    if value is None or value == "":
        if required:
            raise SourceError(f"`{key}` is missing or empty; write it as `{key}: ...`", rel, line)
        return ""
    if not isinstance(value, str):
        raise SourceError(f"`{key}` must be text, not a list or mapping", rel, line)
    return value.strip()


def _unknown(data: YMap, known: set[str], rel: str, what: str) -> None:
    for key in data:
        if key not in known:
            raise SourceError(f"unknown field `{key}` in {what}; known fields are "
                              f"{', '.join(sorted(known))}", rel, data.lines[key])


def _str_list(data: YMap, key: str, rel: str) -> tuple[str, ...]:
    value = data.get(key)
    if value is None:
        return ()
    if not isinstance(value, YList) or not all(isinstance(v, str) and v for v in value):
        raise SourceError(f"`{key}` must be a list of texts, e.g. `{key}: [a, b]`", rel,
                          data.lines.get(key))
    return tuple(v.strip() for v in value)


def _check_url(url: str, rel: str, line: int, allow_mailto: bool = False) -> str:
    schemes = ("https://", "http://") + (("mailto:",) if allow_mailto else ())
    if not url.startswith(schemes) or any(c.isspace() for c in url):
        raise SourceError(f"{url!r} is not a web link; links must start with https:// or http://",
                          rel, line)
    return url


def _read_meta(path: Path, rel: str) -> dict:
    data = _need_map(load_yaml(path, rel), rel, 1, CAMPAIGN_FILE)
    _unknown(data, _META_KEYS, rel, CAMPAIGN_FILE)
    url = _check_url(_text(data, "url", rel), rel, data.lines.get("url", 1))
    languages = None
    if data.get("languages") is not None:
        languages = tuple(validate_language(c, f"{rel}:{data.lines['languages']}")
                          for c in _str_list(data, "languages", rel))
    hashtags = _str_list(data, "hashtags", rel)
    for tag in hashtags:
        if not _HASHTAG_RE.match(tag):
            raise SourceError(f"{tag!r} is not a hashtag: write # followed by letters or digits",
                              rel, data.lines["hashtags"])
    event = None
    if data.get("event") is not None:
        ev = _need_map(data["event"], rel, data.lines["event"], "`event`")
        _unknown(ev, {"date", "time", "place"}, rel, "`event`")
        raw_date = _text(ev, "date", rel)
        try:
            date = dt.date.fromisoformat(raw_date)
        except ValueError:
            raise SourceError(f"event date {raw_date!r} is not a date; write it as YYYY-MM-DD",
                              rel, ev.lines["date"]) from None
        time = _text(ev, "time", rel, required=False) or None
        if time and not re.match(r"^([01]\d|2[0-3]):[0-5]\d$", time):
            raise SourceError(f"event time {time!r} must be HH:MM (24-hour)", rel, ev.lines["time"])
        event = Event(date=date, time=time, place=_text(ev, "place", rel, required=False) or None,
                      place_line=ev.lines.get("place", 0))
    colours = Colours()
    if data.get("colours") is not None:
        col = _need_map(data["colours"], rel, data.lines["colours"], "`colours`")
        _unknown(col, {"background", "text", "accent"}, rel, "`colours`")
        values = {}
        for key in col:
            value = _text(col, key, rel)
            if not _COLOUR_RE.match(value):
                raise SourceError(f"colour {value!r} must be written as \"#rrggbb\" (in quotes)",
                                  rel, col.lines[key])
            values[key] = value.lower()
        colours = Colours(**values)
    overrides = []
    if data.get("overrides") is not None:
        ov = _need_map(data["overrides"], rel, data.lines["overrides"], "`overrides`")
        for code, value in ov.items():
            lang = validate_language(code, f"{rel}:{ov.lines[code]}")
            entry = _need_map(value, rel, ov.lines[code], f"overrides for {code}")
            _unknown(entry, {"hashtags", "links"}, rel, f"overrides for {code}")
            pairs = {}
            for kind in ("hashtags", "links"):
                table = entry.get(kind)
                if table is None:
                    pairs[kind] = ()
                    continue
                table = _need_map(table, rel, entry.lines[kind], f"overrides.{code}.{kind}")
                items = []
                for old, new in table.items():
                    if not isinstance(new, str) or not new:
                        raise SourceError(f"the replacement for {old!r} must be text", rel,
                                          table.lines[old])
                    if kind == "hashtags" and not (_HASHTAG_RE.match(old) and _HASHTAG_RE.match(new)):
                        raise SourceError(f"hashtag overrides map \"#tag\" to \"#tag\" (quoted); got "
                                          f"{old!r}: {new!r}", rel, table.lines[old])
                    if kind == "links":
                        _check_url(old, rel, table.lines[old])
                        _check_url(new, rel, table.lines[old])
                    items.append((old, new))
                pairs[kind] = tuple(items)
            overrides.append((lang, LanguageOverride(**pairs)))
    return dict(
        title=_text(data, "title", rel), title_line=data.lines.get("title", 1),
        summary=_text(data, "summary", rel, required=False),
        summary_line=data.lines.get("summary", 0),
        organisation=_text(data, "organisation", rel), url=url,
        source_language=validate_language(_text(data, "source_language", rel, False) or "en",
                                          rel),
        languages=languages, event=event, hashtags=hashtags,
        protected_terms=_str_list(data, "protected_terms", rel), colours=colours,
        overrides=tuple(overrides),
    )


# ---------------------------------------------------------------------------- posts.yml


def _read_posts(path: Path, rel: str, meta: dict) -> tuple[list[Post], list[Card]]:
    data = _need_map(load_yaml(path, rel), rel, 1, POSTS_FILE)
    _unknown(data, {"posts", "cards"}, rel, POSTS_FILE)
    posts = []
    items = data.get("posts")
    if items is not None and not isinstance(items, YList):
        raise SourceError("`posts` must be a list of posts (lines starting with -)", rel,
                          data.lines["posts"])
    seen: dict[str, int] = {}
    for item, line in zip(items or [], (items.lines if items else [])):
        post = _need_map(item, rel, line, "a post")
        _unknown(post, {"id", "text", "platforms", "link", "hashtags"}, rel, "a post")
        pid = _ident(post, rel, seen, "post")
        text = _text(post, "text", rel)
        platforms = _str_list(post, "platforms", rel) or ("x", "bluesky", "mastodon")
        for name in platforms:
            if name not in PLATFORM_LIMITS:
                raise SourceError(f"unknown platform {name!r}; known: "
                                  f"{', '.join(PLATFORM_LIMITS)}", rel,
                                  post.lines.get("platforms"))
        link = _text(post, "link", rel, required=False) or None
        if link:
            _check_url(link, rel, post.lines["link"])
        hashtags = _str_list(post, "hashtags", rel)
        for tag in hashtags:
            if not _HASHTAG_RE.match(tag):
                raise SourceError(f"{tag!r} is not a hashtag; write it in quotes as \"#Tag\"", rel,
                                  post.lines["hashtags"])
        posts.append(Post(pid, text, tuple(platforms), post.lines["text"], link, hashtags))
    cards = _read_cards(data, rel, top_key="cards") if data.get("cards") is not None else []
    return posts, cards


def _ident(item: YMap, rel: str, seen: dict[str, int], what: str) -> str:
    ident = _text(item, "id", rel)
    if not _ID_RE.match(ident):
        raise SourceError(f"{what} id {ident!r} must be lowercase letters, digits and hyphens",
                          rel, item.lines["id"])
    if ident in seen:
        raise SourceError(f"duplicate {what} id {ident!r}; the first is at line {seen[ident]}",
                          rel, item.lines["id"])
    seen[ident] = item.lines["id"]
    return ident


def _read_cards(data, rel: str, top_key: str) -> list[Card]:
    data = _need_map(data, rel, 1, rel)
    items = data.get(top_key)
    if not isinstance(items, YList):
        raise SourceError(f"`{top_key}` must be a list of cards (lines starting with -)", rel,
                          data.lines.get(top_key, 1))
    seen: dict[str, int] = {}
    cards = []
    for item, line in zip(items, items.lines):
        card = _need_map(item, rel, line, "a card")
        _unknown(card, {"id", "text"}, rel, "a card")
        cards.append(Card(_ident(card, rel, seen, "card"), _text(card, "text", rel),
                          card.lines["text"]))
    return cards


# ---------------------------------------------------------------------------- messages

_FORMATTER = string.Formatter()


def placeholders_of(text: str, rel: str | None = None, line: int | None = None) -> tuple[str, ...]:
    """The {name} placeholders of a text, in order; unknown names are a SourceError."""
    try:
        fields = [f for _, f, _, _ in _FORMATTER.parse(text) if f is not None]
    except ValueError as exc:
        raise SourceError(f"invalid braces ({exc}); write {{{{ and }}}} for literal braces", rel,
                          line) from None
    names = []
    for name in fields:
        if name not in PLACEHOLDERS:
            raise SourceError(f"unknown placeholder {{{name}}}; known: "
                              f"{', '.join('{' + p + '}' for p in PLACEHOLDERS)}", rel, line)
        if name not in names:
            names.append(name)
    return tuple(names)


_ROLE_NAMES = {"heading": "heading", "paragraph": "paragraph", "item": "list item",
               "quote": "quote"}


def extract_messages(c: Campaign) -> list[Message]:
    """The campaign's messages in document order: metadata, leaflet, posts, cards."""
    by_key: dict[tuple[str | None, str], Message] = {}
    order: list[tuple[str | None, str]] = []

    def add(msgid, context, rel, line, role, comments=(), limits=()):
        phs = placeholders_of(msgid, rel, line)
        flags = ("python-brace-format",) if phs else ()
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
    leaflet_rel = f"{c.relroot}/{LEAFLET_FILE}"
    for block in c.blocks:
        if block.translatable:
            role = _ROLE_NAMES[block.kind]
            if block.kind == "heading":
                role = f"heading {block.level}"
            add(block.text, None, leaflet_rel, block.line, role,
                [f"Leaflet {role}. Keep **bold**, [links](...) and {{placeholders}}."])
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
    return [by_key[k] for k in order]


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
