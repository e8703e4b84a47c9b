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


# Leaflet blocks that hold text of their own (one message each); the others hold blocks.
LEAF_KINDS = ("heading", "paragraph", "code", "rule")
CONTAINER_KINDS = ("list", "item", "quote")


@dataclass(frozen=True)
class Block:
    """A node of the leaflet's tree, as CommonMark reads it.

    Leaves: heading, paragraph (also the text of a list item or of a quote), code, rule.
    Containers: list (of items), item and quote (of any blocks). A heading or paragraph is one
    message; `notes` are the writers' HTML comments before it, passed to translators."""

    kind: str
    text: str = ""
    line: int = 0
    level: int = 0  # heading level
    ordered: bool = False  # lists
    start: int = 1  # ordered lists
    tight: bool = True  # lists: items without blank lines between them
    children: tuple[Block, ...] = ()
    notes: tuple[str, ...] = ()
    end: int = 0  # the line after the block (as markdown-it maps it)
    translatable: bool = True  # False for a paragraph of template tokens only
    token_lines: tuple[tuple[str, int], ...] = ()  # (normalised template token, its line)

    @property
    def is_message(self) -> bool:
        return self.kind in ("heading", "paragraph") and self.translatable and bool(self.text)


def walk(blocks: tuple[Block, ...], ancestors: tuple[Block, ...] = ()):
    """(block, its ancestors) for every block of a tree, in document order."""
    for block in blocks:
        yield block, ancestors
        if block.children:
            yield from walk(block.children, ancestors + (block,))


@dataclass(frozen=True)
class Reference:
    """A link reference definition: `[label]: url "title"`; the title is a message."""

    label: str  # as markdown-it normalises it (the key of env["references"])
    url: str
    title: str
    line: int
    name: str = ""  # the label as written


@dataclass(frozen=True)
class Leaflet:
    """What leaflet.md holds: its block tree, reference definitions and images."""

    blocks: tuple[Block, ...] = ()
    references: tuple[Reference, ...] = ()
    images: tuple[tuple[str, str], ...] = ()  # (src as written, path relative to the project)
    paper: str | None = None
    front: tuple[tuple[str, str], ...] = ()  # front matter texts handbill uses (title…)
    front_lines: dict = field(default_factory=dict, compare=False, hash=False)
    coverage: tuple[tuple[int, int, str], ...] = ()  # (first line, after last, what) read

    def leaves(self):
        """(block, ancestors) of every heading and paragraph, in document order."""
        return [(b, a) for b, a in walk(self.blocks) if b.kind in ("heading", "paragraph")]


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
class NamedDate:
    """One of campaign.yml's `dates:`, used as {date.NAME} and {time.NAME}."""

    name: str
    date: _dt.date
    time: str | None = None
    line: int = 0


@dataclass(frozen=True)
class Shortcode:
    """How the coordinator renders a template token: one text, or a text per language."""

    key: str  # the token, whitespace normalised
    texts: tuple[tuple[str, str], ...]  # (language or "*" for every language, text)
    line: int = 0

    def text_for(self, lang: str, source_language: str) -> str | None:
        """The rendering in `lang`: its own, else the one for every language, else the
        source language's."""
        table = dict(self.texts)
        for code in (lang, "*", source_language):
            if code in table:
                return table[code]
        return None


@dataclass(frozen=True)
class Colours:
    background: str = "#b71c1c"
    text: str = "#ffffff"
    accent: str = "#ffd54f"


@dataclass(frozen=True)
class Term:
    """A glossary entry (campaign.yml `glossary:`, glossary.csv, glossary.tbx, or a protected
    term with spellings): a source term and its agreed spellings per language."""

    text: str
    renderings: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (language, spellings) best first
    protected: bool = False  # a name: the original spelling is always right too
    note: str = ""
    origin: str = ""  # path:line where it is defined

    def spellings(self, lang: str) -> tuple[str, ...]:
        """The agreed spellings in `lang` (pt_BR falls back to pt), preferred first."""
        table = dict(self.renderings)
        return table.get(lang) or table.get(lang.split("_")[0].split("@")[0]) or ()


@dataclass(frozen=True)
class BrandImage:
    """A logo or photo of campaign.yml, read and checked (pipeline/sources/brand.py)."""

    path: str  # relative to the project
    kind: str  # png | jpeg | svg
    width: float  # pixels, or the SVG's viewBox units: the aspect ratio is what counts
    height: float
    data: bytes = field(repr=False, compare=False, default=b"")
    line: int = 0

    @property
    def mime(self) -> str:
        return {"png": "image/png", "jpeg": "image/jpeg", "svg": "image/svg+xml"}[self.kind]


@dataclass(frozen=True)
class Photo:
    image: BrandImage
    alt: str  # a message (context "campaign:photo-alt")
    alt_line: int
    credit: str = ""


@dataclass(frozen=True)
class Brand:
    """campaign.yml's brand kit beyond the colours: logo, photo, font, organisation names."""

    logo: BrandImage | None = None
    photo: Photo | None = None
    font: str | None = None  # an installed family, for the languages it covers
    organisations: tuple[tuple[str, str], ...] = ()  # (language, the organisation's name)


@dataclass(frozen=True)
class LanguageOverride:
    """Per-language replacements a campaign allows: localised hashtags and links.

    A hashtag mapped to "" is dropped in that language (every output leaves it out)."""

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
    paper: str | None = None  # the leaflet's front matter `paper:`; None: [render] paper
    glossary: tuple[Term, ...] = ()  # agreed renderings, and protected terms' spellings
    messages: tuple[Message, ...] = field(default=(), compare=False)
    references: tuple[Reference, ...] = ()
    images: tuple[tuple[str, str], ...] = ()
    dates: tuple[NamedDate, ...] = ()
    shortcodes: tuple[Shortcode, ...] = ()
    brand: Brand = Brand()

    def organisation_in(self, lang: str) -> str:
        """The organisation's name in `lang`: campaign.yml's per-language map, else a
        protected term's spelling for the language, else the name as written."""
        table = dict(self.brand.organisations)
        for code in (lang, lang.split("_")[0].split("@")[0]):
            if table.get(code):
                return table[code]
        for term in self.glossary:
            if term.protected and term.text == self.organisation and term.spellings(lang):
                return term.spellings(lang)[0]
        return self.organisation

    def override(self, lang: str) -> LanguageOverride:
        for code, value in self.overrides:
            if code == lang:
                return value
        return LanguageOverride()

    def localised_hashtags(self, lang: str, tags: tuple[str, ...] | None = None
                           ) -> tuple[str, ...]:
        """`tags` (default: the campaign's) as `lang` uses them: overrides applied, dropped
        ones left out."""
        table = dict(self.override(lang).hashtags)
        out = []
        for tag in self.hashtags if tags is None else tags:
            local = table.get(tag, tag)
            if local and local not in out:
                out.append(local)
        return tuple(out)

    def localised_link(self, lang: str, url: str) -> str:
        """A link as `lang` uses it (the campaign's per-language link overrides)."""
        return dict(self.override(lang).links).get(url, url)
