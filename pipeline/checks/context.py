"""What a check sees and says: Finding, CheckContext and the registry of checks."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Callable, Iterable, Iterator, Mapping

from pipeline.config import PROTECTED_CHECKS, CheckConfig
from pipeline.model import Campaign, Post
from pipeline.names import locale_of
from pipeline.placeholders import fill, values_for
from pipeline.catalogs.pofile import Catalog, Entry

ERROR, WARNING = "error", "warning"


@dataclass(frozen=True)
class Finding:
    """One defect of one message, located at the line of its msgid in the catalog."""

    path: str
    line: int
    campaign: str | None
    language: str
    msgctxt: str | None
    msgid: str
    check: str
    severity: str
    message: str
    fuzzy: bool = False

    def __str__(self) -> str:
        prefix = "(fuzzy) " if self.fuzzy else ""
        where = f"{self.path}:{self.line}" if self.line else self.path  # 0: the whole file
        return f"{where}: {self.severity} [{self.check}] {prefix}{self.message}"

    def as_dict(self) -> dict:
        return {"path": self.path, "line": self.line, "campaign": self.campaign,
                "language": self.language, "msgctxt": self.msgctxt, "msgid": self.msgid,
                "check": self.check, "severity": self.severity, "message": self.message,
                "fuzzy": self.fuzzy}


@dataclass(frozen=True)
class CheckContext:
    """Where a message lives: its campaign (None for `ui`), language, plural count, catalog."""

    language: str
    nplurals: int = 2
    campaign: Campaign | None = None
    path: str = ""
    domain: str | None = None
    # Realistic placeholder values for this language, so post lengths are counted honestly.
    values: Mapping[str, str] = field(default_factory=dict)
    # What the coordinator allows this language in handbill.toml's [check] (never a catalog).
    allowed_hosts: frozenset[str] = frozenset()
    waived: frozenset[str] = frozenset()

    @property
    def domain_name(self) -> str | None:
        return self.domain or (self.campaign.name if self.campaign else None)

    @functools.cached_property
    def link_overrides(self) -> dict[str, str]:
        return dict(self.campaign.override(self.language).links) if self.campaign else {}

    @functools.cached_property
    def hashtag_overrides(self) -> dict[str, str]:
        return dict(self.campaign.override(self.language).hashtags) if self.campaign else {}

    @functools.cached_property
    def markdown_env(self) -> dict:
        """The leaflet's reference definitions, so `[text][label]` counts as a link."""
        refs = self.campaign.references if self.campaign else ()
        return {"references": {r.label: {"href": r.url, "title": r.title} for r in refs}}

    @functools.cached_property
    def source_hosts(self) -> frozenset[str]:
        """Every host the campaign's source links to (its url, posts, messages, and this
        language's link overrides), and those the coordinator allows."""
        from pipeline.checks.text import host_of, links

        urls = list(self.link_overrides.values())
        if self.campaign is not None:
            urls += [self.campaign.url, *(p.link for p in self.campaign.posts if p.link),
                     *(ref.url for ref in self.campaign.references)]
            for message in self.campaign.messages:
                urls += links(message.msgid)
        return frozenset(h for h in map(host_of, urls) if h) | self.allowed_hosts

    @functools.cached_property
    def rtl(self) -> bool:
        try:
            return locale_of(self.language).character_order == "right-to-left"
        except (ValueError, LookupError):
            return False

    def post(self, msgctxt: str | None) -> Post | None:
        """The Post an entry with msgctxt `post:<id>` translates, if any."""
        if not self.campaign or not msgctxt or not msgctxt.startswith("post:"):
            return None
        post_id = msgctxt[len("post:"):]
        return next((p for p in self.campaign.posts if p.id == post_id), None)


def make_context(campaign: Campaign | None, lang: str, nplurals: int = 2, path: str = "",
                 catalog: Catalog | None = None, domain: str | None = None,
                 waivers: CheckConfig | None = None) -> CheckContext:
    """A CheckContext with placeholder values for `lang` (title and place from `catalog`) and
    the coordinator's [check] allowances for it (`waivers`: cfg.check)."""
    waivers = waivers or CheckConfig()
    return CheckContext(language=lang, nplurals=nplurals, campaign=campaign, path=path,
                        domain=domain, values=placeholder_values(campaign, lang, catalog),
                        allowed_hosts=waivers.hosts_for(lang), waived=waivers.waived_for(lang))


def placeholder_values(campaign: Campaign | None, lang: str,
                       catalog: Catalog | None = None) -> dict[str, str]:
    """What {date}, {place}, ... become in `lang`: Babel's formats and the catalog's text."""
    if campaign is None:
        return {}
    title = place = None
    if catalog is not None:
        # The title and place are messages themselves: count their translation, not English.
        for entry in catalog.messages:
            if entry.msgctxt == "campaign:title" and entry.msgstr:
                title = entry.msgstr
            elif entry.msgctxt == "campaign:place" and entry.msgstr:
                place = entry.msgstr
    return values_for(campaign, lang, title, place, campaign.localised_link(lang, campaign.url))


def fill_placeholders(text: str, values: Mapping[str, str]) -> str:
    """`text` with each known {name} replaced by its value; unknown ones are kept as written."""
    return fill(text, dict(values), keep_unknown=True)


# ---------------------------------------------------------------------------- registry

FormCheck = Callable[[str, str, Entry, CheckContext], Iterable[str]]
EntryCheck = Callable[[Entry, CheckContext], Iterable[str]]


@dataclass(frozen=True)
class Check:
    """A registered check: `per` is "form" (source, target pairs) or "entry" (the whole entry)."""

    id: str
    severity: str
    per: str
    func: Callable[..., Iterable[str]]
    doc: str
    # Weblate's own flag names that silence the same defect (ignore-python-brace-format ...).
    aliases: tuple[str, ...] = ()

    @property
    def protected(self) -> bool:
        """A check that protects readers: no flag in a catalog silences it (see config.py)."""
        return self.id in PROTECTED_CHECKS

    def flags_for(self, flags: Iterable[str]) -> list[str]:
        """The entry's flags that name this check (ignore-<id> or a Weblate alias)."""
        names = {f"ignore-{name}" for name in (self.id, *self.aliases)}
        return [flag for flag in flags if flag in names]

    def ignored_by(self, flags: Iterable[str]) -> bool:
        return not self.protected and bool(self.flags_for(flags))


REGISTRY: dict[str, Check] = {}


def check(check_id: str, severity: str, per: str = "form", aliases: tuple[str, ...] = ()):
    """Decorator: register a check function under `check_id` with a severity."""
    def register(func):
        if check_id in REGISTRY:
            raise ValueError(f"check {check_id!r} registered twice")
        doc = (func.__doc__ or "").strip().splitlines()[0] if func.__doc__ else ""
        REGISTRY[check_id] = Check(check_id, severity, per, func, doc, aliases)
        return func
    return register


def form_sources(entry: Entry, nplurals: int) -> Iterator[tuple[int, str, str]]:
    """(form index, source text, translation) for every non-empty translation form."""
    if entry.msgid_plural is None:
        if entry.msgstr:
            yield 0, entry.msgid, entry.msgstr
        return
    for index, target in enumerate(entry.msgstr_plural):
        if not target:
            continue
        # With one form (ja, zh...) the only form says the plural; otherwise form 0 is singular.
        source = entry.msgid if index == 0 and nplurals > 1 else entry.msgid_plural
        yield index, source, target
