"""A language's catalogs -> what to print for each message, and whether the result is final.

Review state decides what is published:
- reviewed entries are always used;
- fuzzy entries (human "needs review" or machine drafts) are used only when the language is
  rendered as a labelled draft (or the project's `[render] drafts = "final"` says so);
- untranslated entries, and entries whose translation fails a check, are missing: the language
  is not rendered unless incomplete output is allowed, which falls back to the source text.
"""

from __future__ import annotations

import functools
import logging
import re
from dataclasses import asdict, dataclass, field

from pipeline.catalogs import catalog_status, is_draft, plural_count
from pipeline.config import Config
from pipeline.model import Campaign, Message
from pipeline.names import UI_DOMAIN
from pipeline.plan import TEMPLATES_LANGUAGE, po_path
from pipeline.catalogs.pofile import Catalog, Entry, read_catalog
from pipeline.records import CatalogCounts, PageTexts, RenderCounts
from pipeline.render.markdown import PlaceholderError, placeholder_names

log = logging.getLogger(__name__)

Key = tuple[str | None, str]
FINAL, DRAFT, INCOMPLETE, SKIPPED, FAILED = "final", "draft", "incomplete", "skipped", "failed"
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_PERCENT_RE = re.compile(r"%\((\w+)\)")


@dataclass
class Counts:
    reviewed: int = 0
    fuzzy: int = 0
    drafts: int = 0
    missing: int = 0
    rejected: int = 0  # translated, but failing a check: treated as missing

    def add(self, other: Counts) -> None:
        for name in ("reviewed", "fuzzy", "drafts", "missing", "rejected"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class Translations:
    """One domain in one language: the text to print per (msgctxt, msgid)."""

    lang: str
    domain: str
    reviewed: dict[Key, str] = field(default_factory=dict)
    fuzzy: dict[Key, str] = field(default_factory=dict)
    counts: Counts = field(default_factory=Counts)
    reasons: list[str] = field(default_factory=list)
    use_fuzzy: bool = False
    fallbacks: set[Key] = field(default_factory=set)
    catalog: CatalogCounts | None = None  # the catalog's own counts (for the pack's manifest)
    is_source: bool = False  # the source language: every text is its own, never a fallback

    def get(self, msgid: str, context: str | None = None) -> str:
        """The translation to print, or the source text (recorded as a fallback)."""
        key = (context, msgid)
        if key in self.reviewed:
            return self.reviewed[key]
        if self.use_fuzzy and key in self.fuzzy:
            return self.fuzzy[key]
        if msgid and not self.is_source:
            self.fallbacks.add(key)
        return msgid

    def has(self, msgid: str, context: str | None = None) -> bool:
        """Whether `get` gives a translation (or the source's own text), not a fallback."""
        key = (context, msgid)
        return (self.is_source or key in self.reviewed
                or (self.use_fuzzy and key in self.fuzzy))

    @property
    def state(self) -> str:
        if self.counts.missing or self.counts.rejected:
            return INCOMPLETE
        return DRAFT if self.counts.fuzzy or self.counts.drafts else FINAL


def identity(lang: str, domain: str) -> Translations:
    """The source language: every text is its own, final, translation (never a fallback)."""
    return Translations(lang, domain, is_source=True)


def _own_errors(entry: Entry, message: Message | None, text: str) -> list[str]:
    """Checks that keep a translation from breaking rendering (placeholders, controls)."""
    errors = []
    if _CONTROL_RE.search(text):
        errors.append("contains a control character")
    if message is not None:
        try:
            names = placeholder_names(text)
        except PlaceholderError as exc:
            return errors + [str(exc)]
        # A format ({date:long} or {date:short}) is the translator's choice; the date is not.
        unknown = sorted({n.split(":")[0] for n in names}
                         - {n.split(":")[0] for n in message.placeholders})
        if unknown:
            errors.append("uses placeholders the source does not have: "
                          + ", ".join("{" + n + "}" for n in unknown))
    else:  # a ui string: Jinja's new-style gettext always applies %-formatting
        names = set(_PERCENT_RE.findall(entry.msgid))
        try:
            text % {name: "" for name in names}
        except (ValueError, TypeError, KeyError) as exc:
            errors.append(f"invalid %-format ({exc}); write %% for a percent sign")
    return errors


def _checker(campaign: Campaign | None, lang: str, nplurals: int, path: str,
             catalog: Catalog, waivers=None):
    """entry -> error messages from pipeline.checks (imported lazily: render works without
    it); the check context is built once per catalog."""
    try:
        from pipeline.checks import ERROR, check_entry, make_context
    except ImportError:
        return lambda entry: []
    context = make_context(campaign, lang, nplurals, path, catalog, waivers=waivers)
    return lambda entry: [f.message for f in check_entry(entry, context, errors_only=True)
                          if f.severity == ERROR]


def _check_errors(checker, entry: Entry) -> list[str]:
    return checker(entry)


def load(cfg: Config, lang: str, domain: str, messages: tuple[Message, ...] | list[Message],
         campaign: Campaign | None = None, counted: frozenset[Key] | None = None
         ) -> Translations:
    """Read locales/<lang>/LC_MESSAGES/<domain>.po against the current messages.

    `campaign` is None for the `ui` domain. `counted`: the keys whose state counts (default:
    all), so strings of templates that render does not use cannot hold a leaflet back.
    """
    out = Translations(lang, domain)
    path = po_path(cfg, lang, domain)
    counts = [m for m in messages if counted is None or m.key in counted]
    if not messages:
        return out
    if not path.exists():
        out.counts.missing = len(counts)
        if counts:
            out.reasons.append(f"{cfg.relpath(path)} does not exist; run `handbill update`")
        return out
    catalog: Catalog = read_catalog(path, cfg.root)
    nplurals = plural_count(catalog)
    status = catalog_status(catalog, domain, lang)
    out.catalog = CatalogCounts(status.total, status.reviewed, status.fuzzy, status.drafts,
                                status.untranslated)
    checker = _checker(campaign, lang, nplurals, cfg.relpath(path), catalog, cfg.check)
    entries = {e.key: e for e in catalog.messages}
    stale = 0
    for message in messages:
        tally = out.counts if counted is None or message.key in counted else Counts()
        entry = entries.get(message.key)
        if entry is None or not entry.translated:
            tally.missing += 1
            stale += entry is None and tally is out.counts
            continue
        text = entry.strings[0]
        where = f"{cfg.relpath(path)}:{entry.line}" if entry.line else cfg.relpath(path)
        errors = _own_errors(entry, message if campaign is not None else None, text)
        if not errors:
            errors = _check_errors(checker, entry)
        if errors:
            tally.rejected += 1
            if tally is out.counts:
                out.reasons.append(f"{where}: {errors[0]} (not used)")
            log.warning("%s: %s: translation not used: %s", where, lang, "; ".join(errors))
            continue
        if entry.fuzzy:
            out.fuzzy[message.key] = text
            if is_draft(entry):
                tally.drafts += 1
            else:
                tally.fuzzy += 1
        else:
            out.reviewed[message.key] = text
            tally.reviewed += 1
    if stale:
        out.reasons.append(f"{cfg.relpath(path)} lacks {stale} current messages; run "
                           "`handbill update`")
    return out


# The templates render prints; only their ui strings decide whether a language is final.
RENDER_TEMPLATES = ("leaflet.html", "leaflet.css", "posts.txt", "readme.txt", "labels.txt")


@functools.lru_cache(maxsize=1)
def _ui_messages() -> tuple[tuple[Message, ...], frozenset[Key]]:
    from pipeline.uistrings import ui_messages

    messages = tuple(ui_messages())
    paths = {f"pipeline/templates/{name}" for name in RENDER_TEMPLATES}
    used = frozenset(m.key for m in messages if any(o.path in paths for o in m.origins))
    return messages, used


def load_ui(cfg: Config, lang: str) -> Translations:
    """The templates' strings (`ui` domain) in `lang`; counts cover render's own templates."""
    messages, used = _ui_messages()
    if lang == TEMPLATES_LANGUAGE:
        return identity(lang, UI_DOMAIN)  # the templates are written in English
    return load(cfg, lang, UI_DOMAIN, messages, None, counted=used)


def describe(counts: Counts) -> str:
    """'3 untranslated, 2 machine drafts' for the report."""
    parts = []
    if counts.missing:
        parts.append(f"{counts.missing} untranslated")
    if counts.rejected:
        parts.append(f"{counts.rejected} failing checks")
    if counts.drafts:
        parts.append(f"{counts.drafts} machine drafts")
    if counts.fuzzy:
        parts.append(f"{counts.fuzzy} needing review")
    return ", ".join(parts)


@dataclass(frozen=True)
class Decision:
    """What to do with a language: render as final, as a labelled draft, or skip."""

    state: str  # final | draft | skipped
    label_draft: bool  # labelled as not reviewed (a machine draft, or awaiting review)
    use_fuzzy: bool
    why: str
    incomplete: bool = False  # untranslated text falls back to the source (and says so)
    kinds: tuple[str, ...] = ()  # the labels it carries (pipeline/render/labels.py)


def decide(counts: Counts, drafts_policy: str, allow_incomplete: bool) -> Decision:
    """Apply the project's [render] policy to a language's counts."""
    from pipeline.render.labels import kinds_for

    summary = describe(counts)
    has_fuzzy = bool(counts.fuzzy or counts.drafts)
    if has_fuzzy and drafts_policy == "skip":
        return Decision(SKIPPED, False, False, f"{summary}; [render] drafts = \"skip\"")
    if counts.missing or counts.rejected:
        if not allow_incomplete:
            return Decision(SKIPPED, False, False,
                            f"{summary}; translate them, or use --allow-incomplete")
        return Decision(DRAFT, has_fuzzy and drafts_policy == "label", has_fuzzy,
                        f"{summary}; untranslated text shown in the source language",
                        incomplete=True, kinds=kinds_for(counts, drafts_policy, True))
    if has_fuzzy:
        if drafts_policy == "final":
            return Decision(FINAL, False, True, f"{summary}; [render] drafts = \"final\"")
        return Decision(DRAFT, True, True, f"{summary}; labelled as a draft",
                        kinds=kinds_for(counts, drafts_policy, False))
    return Decision(FINAL, False, False, "fully reviewed")


def page_texts(campaign: Campaign, texts: Translations) -> PageTexts:
    """What the download page shows of a language: its title, summary and the cards' alt
    texts, and the catalog's counts. Render records it in render.json, so that the page need
    not read the catalog."""
    return PageTexts(
        title=texts.get(campaign.title, "campaign:title"),
        summary=texts.get(campaign.summary, "campaign:summary") if campaign.summary else "",
        cards=tuple((card.id, texts.get(card.text, f"card:{card.id}"))
                    for card in campaign.cards),
        counts=RenderCounts(**asdict(texts.counts)))
