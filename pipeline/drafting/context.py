"""What goes to an engine for one catalog entry: its texts, masked, with the context a
translator reads in the catalog (role, #. comments, length limit, glossary, plural rules)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, fields

from pipeline import glossary as terms
from pipeline.drafting.langcodes import language_name
from pipeline.drafting.masking import TOKEN, Masked, mask
from pipeline.drafting.protocol import Engine, Request, Segment
from pipeline.model import PLATFORM_NAMES, Campaign, Message, Term
from pipeline.names import locale_of
from pipeline.catalogs.pofile import Entry

_CONTEXT_ROLES = {"campaign:title": "campaign title (the leaflet's and download page's headline)",
                  "campaign:summary": "campaign summary (one sentence on the download page)",
                  "campaign:place": "the place of the action (an address or landmark)"}
_PRINTF_FLAGS = ("python-format", "c-format")


@dataclass(frozen=True)
class Sent:
    """One text of an entry as sent: the segment, how it was masked, and the original text."""

    segment: Segment
    masked: Masked | None
    original: str
    key: str  # what the cache files its answer under (see cache_key)


@dataclass
class Plan:
    """How one catalog's entries are sent: the shared request and what to mask."""

    request: Request
    mask_terms: tuple[str, ...]
    renderings: dict[str, str]  # casefolded term -> its text in the target language
    messages: dict[tuple[str | None, str], Message] = field(default_factory=dict)
    ui: bool = False


def plan(engine: Engine, source: str, target: str, campaign: Campaign | None,
         protected: tuple[str, ...], ui: bool = False) -> Plan:
    """The request and masking for drafting `campaign`'s catalog in `target` with `engine`."""
    glossary: tuple[Term, ...] = campaign.glossary if campaign else ()
    spelled = terms.renderings(glossary, target, protected=True)
    agreed = terms.renderings(glossary, target, protected=False)
    takes = bool(agreed) and engine.takes_glossary(source, target)
    mask_terms = protected + (() if takes else tuple(agreed))
    renderings = {terms.fold(k): v for k, v in {**({} if takes else agreed), **spelled}.items()}
    request = Request(source, target, language_name(target), protected,
                      tuple(agreed.items()) if takes else ())
    messages = {m.key: m for m in campaign.messages} if campaign else {}
    return Plan(request, mask_terms, renderings, messages, ui)


def sent(plan: Plan, engine: Engine, entry: Entry, nplurals: int) -> list[Sent]:
    """One Sent per source form of `entry` (msgid, and msgid_plural if any)."""
    texts = [entry.msgid] + ([entry.msgid_plural] if entry.msgid_plural is not None else [])
    printf = any(f in _PRINTF_FLAGS for f in entry.flags)
    limit = _limit(entry)
    role = _role(plan, entry)
    notes = tuple(entry.extracted)
    out = []
    for index, text in enumerate(texts):
        masked = mask(text, plan.mask_terms, printf, plan.renderings) if engine.masks else None
        body = masked.text if masked else text
        budget = _budget(limit, masked)
        glossary = tuple((t, r) for t, r in plan.request.glossary if terms.occurs(text, t))
        plural = _plural(plan.request.target, entry, index, nplurals) if len(texts) > 1 else ""
        segment = Segment(body, role, notes, limit, budget, glossary, plural)
        out.append(Sent(segment, masked, text, cache_key(engine, segment, plan.request)))
    return out


def cache_key(engine: Engine, segment: Segment, request: Request) -> str:
    """What the cache files an answer under: the text, and the context if the answer
    depends on it (a model reading instructions, a DeepL glossary)."""
    if not engine.reads_context and not request.glossary:
        return segment.text
    # The fields by hand: dataclasses.asdict deep-copies every tuple, a third of this key's
    # cost; the JSON is the same (no field holds a dataclass), so cached answers still match.
    if engine.reads_context:
        context = {name: getattr(segment, name) for name in _CONTEXT_FIELDS}
    else:
        context = {"glossary": segment.glossary}
    digest = hashlib.sha256(json.dumps(context, sort_keys=True, ensure_ascii=False)
                            .encode()).hexdigest()[:16]
    return f"{segment.text}\x1f{digest}"


_CONTEXT_FIELDS = tuple(f.name for f in fields(Segment) if f.name != "text")


def _limit(entry: Entry) -> int | None:
    limits = [int(f[11:]) for f in entry.flags
              if f.startswith("max-length:") and f[11:].strip().isdigit()]
    return min(limits) if limits else None


def _budget(limit: int | None, masked: Masked | None) -> int | None:
    """The limit counted on the text as sent: each token stands for what it restores to."""
    if limit is None or masked is None:
        return limit
    extra = sum(len(restored) - len(TOKEN.format(i))
                for i, restored in enumerate(masked.restore or masked.pieces))
    return max(1, limit - extra)


def _role(plan: Plan, entry: Entry) -> str:
    if plan.ui:
        return "a string of the leaflet's or download page's interface (button, label, heading)"
    ctx = entry.msgctxt or ""
    if ctx in _CONTEXT_ROLES:
        return _CONTEXT_ROLES[ctx]
    message = plan.messages.get((entry.msgctxt, entry.msgid))
    if ctx.startswith("post:"):
        platforms = [PLATFORM_NAMES[p] for p, _ in message.limits] if message else []
        return "social media post" + (f" for {', '.join(platforms)}" if platforms else "")
    if ctx.startswith("card:"):
        return "share card slogan, printed large on an image: short and punchy"
    if message is not None:
        roles = message.role.split(", ")
        return "leaflet " + " and ".join(r.rstrip(" 0123456789") for r in roles)
    return "leaflet text"


def _plural(target: str, entry: Entry, index: int, nplurals: int) -> str:
    try:
        rules = locale_of(target).plural_form.rules
    except (ValueError, LookupError):
        rules = {}
    categories = ", ".join(f"{k} ({v})" for k, v in sorted(rules.items())) or "other only"
    name = language_name(target)
    if index == 0 and nplurals > 1:
        return (f"singular form (n = 1) of a message whose plural is {entry.msgid_plural!r}; "
                f"{name} has {nplurals} plural forms: {categories}, other")
    return (f"plural form of a message whose singular is {entry.msgid!r}; it is used for every "
            f"form of {name} except the first ({nplurals} forms: {categories}, other)")
