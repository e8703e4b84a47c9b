"""Frozen data of a campaign: what writers wrote, as the stages see it. Imports nothing of ours."""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from pathlib import Path

# How each platform limits a post; counted by pipeline.textlength.
PLATFORM_LIMITS: dict[str, int] = {
    "x": 280,
    "bluesky": 300,
    "mastodon": 500,
    "facebook": 63206,
    "instagram": 2200,
    "telegram": 4096,
    "whatsapp": 65536,
}
PLATFORM_NAMES: dict[str, str] = {
    "x": "X",
    "bluesky": "Bluesky",
    "mastodon": "Mastodon",
    "facebook": "Facebook",
    "instagram": "Instagram",
    "telegram": "Telegram",
    "whatsapp": "WhatsApp",
}

# Variables a writer may use as {name} in any text; filled in at render time.
PLACEHOLDERS = ("date", "time", "place", "url", "organisation", "title")


@dataclass(frozen=True)
class Origin:
    """Where a text was written: a path relative to the project root and a 1-based line."""

    path: str
    line: int

    def __str__(self) -> str:
        return f"{self.path}:{self.line}"


@dataclass(frozen=True)
class Message:
    """One translatable unit, as it goes into the POT."""

    msgid: str
    context: str | None
    origins: tuple[Origin, ...]
    role: str
    comments: tuple[str, ...] = ()
    flags: tuple[str, ...] = ()
    limits: tuple[tuple[str, int], ...] = ()
    placeholders: tuple[str, ...] = ()

    @property
    def key(self) -> tuple[str | None, str]:
        return (self.context, self.msgid)


@dataclass(frozen=True)
class Block:
    """A leaflet block. kind: heading, paragraph, item, quote, code, rule."""

    kind: str
    text: str
    line: int
    level: int = 0  # heading level; for items, the list's number (lists are grouped by it)
    ordered: bool = False
    start: int = 1

    @property
    def translatable(self) -> bool:
        return self.kind in ("heading", "paragraph", "item", "quote")


@dataclass(frozen=True)
class Post:
    id: str
    text: str
    platforms: tuple[str, ...]
    line: int
    link: str | None = None
    hashtags: tuple[str, ...] = ()


@dataclass(frozen=True)
class Card:
    id: str
    text: str
    line: int


@dataclass(frozen=True)
class Event:
    date: _dt.date
    time: str | None = None
    place: str | None = None
    place_line: int = 0


@dataclass(frozen=True)
class Colours:
    background: str = "#b71c1c"
    text: str = "#ffffff"
    accent: str = "#ffd54f"


@dataclass(frozen=True)
class LanguageOverride:
    """Per-language replacements a campaign allows: localised hashtags and links."""

    hashtags: tuple[tuple[str, str], ...] = ()
    links: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Campaign:
    name: str
    root: Path  # source/<name>/
    relroot: str  # the same, relative to the project, for references
    title: str
    title_line: int
    summary: str
    summary_line: int
    organisation: str
    url: str
    source_language: str
    languages: tuple[str, ...] | None
    event: Event | None
    hashtags: tuple[str, ...]
    protected_terms: tuple[str, ...]
    colours: Colours
    overrides: tuple[tuple[str, LanguageOverride], ...]
    blocks: tuple[Block, ...]
    posts: tuple[Post, ...]
    cards: tuple[Card, ...]
    paper: str = "A5"
    messages: tuple[Message, ...] = field(default=(), compare=False)

    def override(self, lang: str) -> LanguageOverride:
        for code, value in self.overrides:
            if code == lang:
                return value
        return LanguageOverride()
