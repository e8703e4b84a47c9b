"""A Campaign -> its messages for translators: one per text, with role, notes and flags.

Placeholders are validated against the campaign (a named date it does not define is an error
at the text's line), and template tokens against its `shortcodes:`; a text holding both is
flagged `no-python-brace-format`, since its braces are not Python's.
"""

from __future__ import annotations

from pipeline import placeholders, shortcodes
from pipeline.errors import Problems, SourceError
from pipeline.model import PLATFORM_LIMITS, PLATFORM_NAMES, Block, Campaign, Message, Origin, Post, walk
from pipeline.sources.campaign import CAMPAIGN_FILE, CARDS_FILE, LEAFLET_FILE, POSTS_FILE


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
                      problems: Problems, lines: dict[str, int] | None = None) -> None:
    """Every template token of a text must have a rendering (`lines`: a token's own line)."""
    known = {code.key for code in campaign.shortcodes}
    for token in dict.fromkeys(shortcodes.find(text)):
        if shortcodes.normalize(token) not in known:
            shown = token if len(token) <= 60 else token[:57] + "…"
            problems.add(f"shortcode {shown} has no rendering; map it in campaign.yml "
                         "(shortcodes:) or remove it", rel,
                         (lines or {}).get(shortcodes.normalize(token), line))


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

    def add(msgid, context, rel, line, role, comments=(), limits=(), token_lines=None):
        _check_shortcodes(msgid, c, rel, line, problems, token_lines)
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
    if c.brand.photo:
        add(c.brand.photo.alt, "campaign:photo-alt", meta_rel, c.brand.photo.alt_line,
            "photo description", ["What the leaflet's photo shows, for readers who cannot see "
                                  "it (the image's alt text). Describe; do not add to it."])
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
    rel = f"{c.relroot}/{LEAFLET_FILE}"
    for block, ancestors in walk(c.blocks):
        if block.kind not in ("heading", "paragraph") or not block.text:
            continue
        lines = dict(block.token_lines)
        if not block.is_message:  # template tokens only: rendered, but nothing to translate
            _check_shortcodes(block.text, c, rel, block.line, problems, lines)
            continue
        role = _leaf_role(block, ancestors)
        notes = [f"Writers' note: {note}" for note in block.notes]
        add(block.text, None, rel, block.line, role,
            [f"Leaflet {role}. Keep **bold**, [links](...) and {{placeholders}}.", *notes],
            token_lines=lines)
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
