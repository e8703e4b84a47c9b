"""Translated posts -> posts.txt, posts.json and posts.csv: one entry per post and platform.

Each post is composed the way the platform shows it (text, hashtags, link:
`textlength.compose_post`) and counted the way the platform counts it (`textlength.length`).
A post over its platform's limit is still written, because a coordinator needs to see it, but
it is marked `over_limit` in every file and reported as a warning: it is never presented as
ready to publish.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import asdict, dataclass

from pipeline.model import PLATFORM_LIMITS, PLATFORM_NAMES, Campaign, Post
from pipeline.render.markdown import fill, plain
from pipeline.textlength import FORMULA_STARTS, compose_post, length

CSV_FIELDS = ("campaign", "language", "post", "platform", "text", "length", "limit",
              "over_limit", "link", "hashtags", "status")


@dataclass(frozen=True)
class ComposedPost:
    post: str
    platform: str
    platform_name: str
    text: str
    length: int
    limit: int
    over_limit: bool
    link: str | None
    hashtags: tuple[str, ...]
    fallback: bool  # the text is the source's, not a translation


def localised(campaign: Campaign, lang: str, post: Post) -> tuple[tuple[str, ...], str | None]:
    """A post's hashtags and link after the campaign's per-language overrides (a hashtag
    overridden with "" is dropped)."""
    link = campaign.localised_link(lang, post.link) if post.link else None
    return campaign.localised_hashtags(lang, post.hashtags), link


def compose(campaign: Campaign, lang: str, tr, values: dict[str, str],
            fallbacks: set) -> list[ComposedPost]:
    """Every (post, platform) of a campaign in one language, composed and counted."""
    out = []
    for post in campaign.posts:
        key = (f"post:{post.id}", post.text)
        text = tr(post.text, f"post:{post.id}")
        shown = values.for_text(key in fallbacks) if hasattr(values, "for_text") else values
        text = plain(fill(text, shown)).strip()
        hashtags, link = localised(campaign, lang, post)
        for platform in post.platforms:
            full = compose_post(text, hashtags, link)
            count = length(platform, full)
            limit = PLATFORM_LIMITS[platform]
            out.append(ComposedPost(post.id, platform, PLATFORM_NAMES[platform], full, count,
                                    limit, count > limit, link, hashtags, key in fallbacks))
    return out


def posts_json(campaign: Campaign, lang: str, status: str, posts: list[ComposedPost]) -> str:
    data = {"campaign": campaign.name, "language": lang, "status": status,
            "posts": [{**asdict(p), "hashtags": list(p.hashtags)} for p in posts]}
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def neutralise_cell(value: str) -> str:
    """A CSV cell that no spreadsheet runs as a formula: OWASP's rule, a `'` in front."""
    return "'" + value if value.lstrip(" ").startswith(FORMULA_STARTS) else value


def posts_csv(campaign: Campaign, lang: str, status: str, posts: list[ComposedPost]) -> str:
    """RFC 4180 CSV (CRLF rows, UTF-8 with BOM so spreadsheet programs guess the encoding).

    Every text cell goes through `neutralise_cell`: a post starting with `=`, `+`, `-` or `@`
    ("@Org thanks", "-20%") reads `'@Org thanks` in the CSV; posts.txt and posts.json keep
    the text as written."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_FIELDS)
    for p in posts:
        writer.writerow([neutralise_cell(cell) if isinstance(cell, str) else cell for cell in (
            campaign.name, lang, p.post, p.platform, p.text, p.length, p.limit,
            "true" if p.over_limit else "false", p.link or "", " ".join(p.hashtags), status)])
    return "\ufeff" + buffer.getvalue()
