"""The build plan: (config, campaigns, requested languages and campaigns, options) -> Units.

A Unit is one campaign in one language, with every path a stage touches for it and an
estimate of what it costs to render. This module is the ONLY place that answers two
questions, so every command gives the same answer:

- which languages does a campaign serve? (`served_languages`)
- where does a file live? (`pot_path`, `po_path`, `unit_dir`, `pack_path`, ... below)

It reads nothing from disk except in `unused_catalogs`, and imports no stage: stages import it.
"""

from __future__ import annotations

import dataclasses
import functools
import heapq
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

from pipeline.config import Config
from pipeline.errors import HandbillError, UsageError
from pipeline.model import Campaign
from pipeline.names import UI_DOMAIN, script_of, validate_language

# handbill's own templates are written in English: the `ui` domain needs no catalog for it.
TEMPLATES_LANGUAGE = "en"
OUTPUTS = ("leaflet", "posts", "cards")
STAMP_NAME = ".build-stamp.json"  # what build made a unit from (records.BuildStamp)
RECORD_NAME = "render.json"  # what render made of a unit (records.RenderRecord)
PACKS_FOLDER = "packs"
SITE_STAMP_NAME = ".site-stamp"
SHARD_RECORD = ".handbill-shard-{index}-of-{count}.json"  # what a shard built (records.ShardRecord)
SHARD_RECORD_GLOB = ".handbill-shard-*-of-*.json"

# ---------------------------------------------------------------------------- where files live


def pot_path(cfg: Config, domain: str) -> Path:
    """locales/<domain>.pot"""
    return cfg.locales_dir / f"{domain}.pot"


def catalog_dir(cfg: Config, lang: str) -> Path:
    """locales/<lang>/LC_MESSAGES/, the folder of a language's catalogs."""
    return cfg.locales_dir / lang / "LC_MESSAGES"


def po_path(cfg: Config, lang: str, domain: str) -> Path:
    """locales/<lang>/LC_MESSAGES/<domain>.po"""
    return catalog_dir(cfg, lang) / f"{domain}.po"


def unit_dir(cfg: Config, campaign: str, lang: str) -> Path:
    """output/<lang>/<campaign>/, where render writes a unit's files."""
    return _lang_output(cfg.output_dir, lang) / campaign


def pack_path(cfg: Config, campaign: str, lang: str) -> Path:
    """output/packs/<campaign>-<lang>.zip"""
    return _packs_dir(cfg.output_dir) / _pack_name(campaign, lang)


def _lang_output(output: Path, lang: str) -> Path:
    return output / lang


def _packs_dir(output: Path) -> Path:
    return output / PACKS_FOLDER


def _pack_name(campaign: str, lang: str) -> str:
    return f"{campaign}-{lang}.zip"


def site_page(cfg: Config, lang: str | None = None) -> Path:
    """output/index.html (lang None) or output/<lang>/index.html."""
    return cfg.output_dir / lang / "index.html" if lang else cfg.output_dir / "index.html"


def site_stamp(cfg: Config) -> Path:
    """output/.site-stamp: what the download page was last written from."""
    return cfg.output_dir / SITE_STAMP_NAME


def shard_record(output: Path, index: int, count: int) -> Path:
    """output/.handbill-shard-K-of-N.json: what shard K of N built (one name per shard, so
    the shards' outputs never hold the same file)."""
    return output / SHARD_RECORD.format(index=index, count=count)


def output_href(cfg: Config, path: Path) -> str:
    """A path inside output/ as a relative URL ("packs/demo-es.zip")."""
    return path.relative_to(cfg.output_dir).as_posix()


# ---------------------------------------------------------------------------- options and units


@dataclass(frozen=True)
class RenderOptions:
    """How to render, from the command line; None means the project's [render] setting."""

    paper: str | None = None  # None: the leaflet's front matter, then [render] paper
    drafts: str | None = None  # None: [render] drafts
    allow_incomplete: bool | None = None  # None: [render] allow_incomplete
    outputs: tuple[str, ...] = OUTPUTS


# Render time of a unit relative to a Latin-script one (x10): CJK fonts are large to load and
# subset (measured ~1.5x, see build's ordering); Arabic and Indic scripts are slower to shape.
_SCRIPT_FACTOR = {"Hans": 15, "Hant": 15, "Jpan": 15, "Kore": 15,
                  "Arab": 12, "Deva": 12, "Beng": 12, "Taml": 12, "Thai": 12}


@dataclass(frozen=True, order=True)
class Cost:
    """What rendering a unit costs, estimated from its inputs only (the same on every machine)."""

    messages: int
    cards: int
    script: str

    @property
    def slow_script(self) -> bool:
        return self.script in _SCRIPT_FACTOR

    @property
    def weight(self) -> int:
        """Estimated render time in arbitrary integer units (a leaflet and its PDF weigh about
        as much as 40 messages; each card is drawn in three sizes)."""
        return (40 + self.messages + 12 * self.cards) * _SCRIPT_FACTOR.get(self.script, 10)


@functools.lru_cache(maxsize=1024)
def _script(lang: str) -> str:
    try:
        return script_of(lang)
    except (ValueError, LookupError):
        return "Latn"


def estimate_cost(campaign: Campaign, lang: str) -> Cost:
    """The Cost of rendering `campaign` in `lang`."""
    return Cost(len(campaign.messages), len(campaign.cards), _script(lang))


@dataclass(frozen=True)
class Unit:
    """One campaign in one language: what a stage needs to work on it, and nothing to reload."""

    campaign: str
    lang: str
    source_language: str  # the campaign's
    source_dir: Path  # source/<campaign>/
    pot: Path  # locales/<campaign>.pot
    po: Path | None  # the campaign's catalog; None for its source language
    ui_po: Path  # the templates' strings in this language
    out_dir: Path
    pack: Path
    stamp: Path
    record: Path
    cost: Cost

    @property
    def is_source(self) -> bool:
        return self.lang == self.source_language

    @property
    def key(self) -> str:
        """'campaign/lang': stable across machines, for shards and merges."""
        return f"{self.campaign}/{self.lang}"


def make_unit(cfg: Config, campaign: Campaign, lang: str, _bases: dict | None = None) -> Unit:
    """The Unit of `campaign` in `lang`, with every path it touches.

    `_bases` caches the folders that units share (a plan has thousands of units: building
    every path from the root took half a second at 1,000 of them)."""
    bases = {} if _bases is None else _bases
    if not bases:
        bases.update(output=cfg.output_dir, packs=_packs_dir(cfg.output_dir))
    if lang not in bases:
        bases[lang] = (catalog_dir(cfg, lang), _lang_output(bases["output"], lang))
    catalogs, lang_output = bases[lang]
    out_dir = lang_output / campaign.name
    return Unit(
        campaign=campaign.name, lang=lang, source_language=campaign.source_language,
        source_dir=campaign.root, pot=pot_path(cfg, campaign.name),
        po=None if lang == campaign.source_language else catalogs / f"{campaign.name}.po",
        ui_po=catalogs / f"{UI_DOMAIN}.po", out_dir=out_dir,
        pack=bases["packs"] / _pack_name(campaign.name, lang),
        stamp=out_dir / STAMP_NAME, record=out_dir / RECORD_NAME,
        cost=estimate_cost(campaign, lang))


@dataclass(frozen=True)
class CatalogRef:
    """One catalog a command reads or writes: a domain (campaign or `ui`) in one language."""

    domain: str
    lang: str
    po: Path
    pot: Path
    source_language: str
    campaign: str | None  # None for the `ui` domain


# ---------------------------------------------------------------------------- the language rule


def _rank(cfg: Config, codes: Sequence[str]) -> list[str]:
    """`codes` in [project] languages order; codes the project does not list follow, in the
    order given."""
    rank = {code: i for i, code in enumerate(cfg.languages)}
    given = {code: i for i, code in enumerate(codes)}
    return sorted(dict.fromkeys(codes), key=lambda code: (rank.get(code, len(rank)), given[code]))


def served_languages(cfg: Config, campaign: Campaign) -> tuple[str, ...]:
    """THE language rule: a campaign serves its source language, then its own `languages:`
    list from campaign.yml when it has one, otherwise [project] languages from handbill.toml."""
    listed = campaign.languages if campaign.languages is not None else cfg.languages
    targets = [code for code in _rank(cfg, listed) if code != campaign.source_language]
    return (campaign.source_language, *targets)


def _not_served(code: str, selected: tuple[str, ...]) -> HandbillError:
    which = (f"campaign {selected[0]}" if len(selected) == 1 else
             "any of the selected campaigns" if selected else "any campaign")
    return HandbillError(
        f"language {code} is not served by {which}; run `handbill init {code}` (it adds {code} "
        "to [project] languages in handbill.toml and to every campaign's `languages:` list)")


# ---------------------------------------------------------------------------- the plan


@dataclass(frozen=True)
class Plan:
    """Every unit a command works on, in a fixed order, and the catalogs that go with them."""

    cfg: Config
    campaigns: tuple[Campaign, ...]
    units: tuple[Unit, ...]
    with_ui: bool  # the `ui` domain is part of this command (no --campaign given)
    selected: tuple[str, ...] = ()  # campaigns asked for with --campaign
    requested: tuple[str, ...] = ()  # languages asked for with --lang
    options: RenderOptions = field(default_factory=RenderOptions)

    @functools.cached_property
    def _index(self) -> tuple[dict[str, Campaign], dict[tuple[str, str], Unit],
                              dict[str, tuple[str, ...]]]:
        # A plan may hold 10,000 units: lookups by name must not scan them (the page asks
        # for every campaign in every language).
        langs: dict[str, list[str]] = {}
        for u in self.units:
            langs.setdefault(u.campaign, []).append(u.lang)
        return ({c.name: c for c in self.campaigns},
                {(u.campaign, u.lang): u for u in self.units},
                {name: tuple(codes) for name, codes in langs.items()})

    def campaign(self, name: str) -> Campaign:
        """The Campaign called `name`."""
        return self._index[0][name]

    def unit(self, campaign: str, lang: str) -> Unit | None:
        """The unit of `campaign` in `lang`, if the plan has it."""
        return self._index[1].get((campaign, lang))

    def languages_of(self, campaign: str) -> tuple[str, ...]:
        """The languages the plan covers for one campaign (its source language first)."""
        return self._index[2].get(campaign, ())

    @property
    def languages(self) -> tuple[str, ...]:
        """Every language of the plan: the project's source language first, then the others
        in [project] languages order (the download page's order)."""
        codes = _rank(self.cfg, [u.lang for u in self.units])
        return tuple(sorted(codes, key=lambda code: code != self.cfg.source_language))

    @property
    def ui_languages(self) -> tuple[str, ...]:
        """The `ui` domain serves every language any campaign serves (except English, the
        templates' own language); none when the command is limited to some campaigns."""
        if not self.with_ui:
            return ()
        return tuple(code for code in self.languages if code != TEMPLATES_LANGUAGE)

    @property
    def catalogs(self) -> tuple[CatalogRef, ...]:
        """The catalogs of the plan: each campaign's in its target languages, then `ui`."""
        out = [CatalogRef(u.campaign, u.lang, u.po, u.pot, u.source_language, u.campaign)
               for u in self.units if u.po is not None]
        ui_pot = pot_path(self.cfg, UI_DOMAIN)
        out += [CatalogRef(UI_DOMAIN, code, po_path(self.cfg, code, UI_DOMAIN), ui_pot,
                           TEMPLATES_LANGUAGE, None) for code in self.ui_languages]
        return tuple(out)

    @property
    def catalog_languages(self) -> tuple[str, ...]:
        """Every language that has a catalog in the plan, in plan order."""
        return tuple(dict.fromkeys(ref.lang for ref in self.catalogs))


def campaign_order(cfg: Config, campaigns: Sequence[Campaign]) -> list[Campaign]:
    """handbill.toml's `campaigns` order when it lists them, otherwise by name: never the
    order in which a folder listing happened to return them."""
    listed = {name: i for i, name in enumerate(cfg.campaigns or ())}
    unique = {c.name: c for c in campaigns}
    return sorted(unique.values(), key=lambda c: (listed.get(c.name, len(listed)), c.name))


def make_plan(cfg: Config, campaigns: Sequence[Campaign], languages: Sequence[str] = (),
              selected: Sequence[str] = (), options: RenderOptions = RenderOptions(),
              with_ui: bool | None = None) -> Plan:
    """THE plan: one Unit per (campaign, language) the campaigns serve, limited to the
    `selected` campaigns and the requested `languages` when given, in a fixed order (campaign,
    then its source language, then [project] languages order).

    A requested language that none of the selected campaigns serves is an error saying how to
    add it. `with_ui` (default: no campaign selected) puts the `ui` domain in the plan.
    """
    selected = tuple(dict.fromkeys(selected))
    chosen = campaign_order(cfg, campaigns)
    if selected:
        known = {c.name for c in chosen}
        for name in selected:
            if name not in known:
                raise HandbillError(f"no campaign {name!r}; the project has: "
                                    f"{', '.join(sorted(known)) or 'none'} (see `handbill new`)")
        chosen = [c for c in chosen if c.name in selected]
    requested = tuple(dict.fromkeys(validate_language(code) for code in languages))
    served = {c.name: served_languages(cfg, c) for c in chosen}
    for code in requested:
        if not any(code in codes for codes in served.values()):
            raise _not_served(code, selected)
    bases: dict = {}
    units = tuple(make_unit(cfg, c, code, bases) for c in chosen for code in served[c.name]
                  if not requested or code in requested)
    return Plan(cfg, tuple(chosen), units, not selected if with_ui is None else with_ui,
                selected, requested, options)


def whole(plan: Plan) -> Plan:
    """The same campaigns in every language they serve (the download page lists them all)."""
    if not plan.requested:
        return plan
    return make_plan(plan.cfg, plan.campaigns, (), plan.selected, plan.options, plan.with_ui)


@dataclass(frozen=True)
class UnusedCatalog:
    """A catalog on disk that no unit of the plan uses, and why."""

    path: Path
    domain: str
    lang: str
    why: str


def unused_catalogs(plan: Plan) -> tuple[UnusedCatalog, ...]:
    """Catalogs under locales/ that the plan's campaigns (and `ui`) do not use, sorted."""
    cfg = plan.cfg
    used = {ref.po for ref in plan.catalogs}
    names = {c.name for c in plan.campaigns}
    out = []
    for path in sorted(cfg.locales_dir.glob("*/LC_MESSAGES/*.po")):
        domain, lang = path.stem, path.parent.parent.name
        if path in used or (plan.requested and lang not in plan.requested):
            continue
        if domain == UI_DOMAIN:
            if not plan.with_ui:
                continue
            why = f"no campaign serves {lang}"
        elif domain in names and lang == plan.campaign(domain).source_language:
            why = f"{lang} is the source language of {domain}: it needs no catalog"
        elif domain in names:
            why = f"campaign {domain} does not serve {lang} (see `languages:` in " \
                  f"{plan.campaign(domain).relroot}/campaign.yml, or run `handbill init {lang}`)"
        elif plan.selected:
            continue
        else:
            why = f"there is no campaign {domain!r} under source/"
        out.append(UnusedCatalog(path, domain, lang, why))
    return tuple(out)


# ---------------------------------------------------------------------------- shards


@dataclass(frozen=True)
class Shard:
    """Shard `index` of `count` (1-based): one balanced share of a plan's units."""

    index: int
    count: int

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"


_SHARD_RE = re.compile(r"^\s*([0-9]{1,4})\s*/\s*([0-9]{1,4})\s*$")
SHARD_USAGE = "write K/N with 1 <= K <= N (2/4 is the second of four shards), or auto"


def parse_shard(text: str, env: dict | None = None) -> Shard:
    """`K/N`, or `auto`: HANDBILL_SHARD (K/N), else GitLab's CI_NODE_INDEX (1-based) and
    CI_NODE_TOTAL (a `parallel: N` job). A malformed value raises UsageError (one line)."""
    env = os.environ if env is None else env
    where = f"--shard {text}"
    if text.strip() == "auto":
        if env.get("HANDBILL_SHARD"):
            text, where = env["HANDBILL_SHARD"], f"HANDBILL_SHARD={env['HANDBILL_SHARD']}"
        elif env.get("CI_NODE_INDEX") or env.get("CI_NODE_TOTAL"):
            index, total = env.get("CI_NODE_INDEX", ""), env.get("CI_NODE_TOTAL", "")
            text, where = f"{index}/{total}", f"CI_NODE_INDEX={index} CI_NODE_TOTAL={total}"
        else:
            raise UsageError("--shard auto: no shard in the environment (HANDBILL_SHARD=K/N, or "
                             "GitLab's CI_NODE_INDEX and CI_NODE_TOTAL from `parallel: N`); on "
                             "GitHub Actions pass --shard ${{ matrix.shard }}/N")
    match = _SHARD_RE.match(text)
    if not match or not 1 <= int(match.group(1)) <= int(match.group(2)):
        raise UsageError(f"{where}: not a shard; {SHARD_USAGE}")
    return Shard(int(match.group(1)), int(match.group(2)))


def partition(units: Sequence[Unit], count: int) -> tuple[tuple[Unit, ...], ...]:
    """`units` in `count` shares balanced by estimated cost, the same on every machine and
    for any order of the input: longest processing time first (the costliest unit first,
    ties broken by key, goes to the least loaded share, the lowest-numbered among equals).
    Each share keeps the order `units` were given in."""
    loads = [(0, i) for i in range(count)]
    owner: dict[str, int] = {}
    for unit in sorted(units, key=lambda u: (-u.cost.weight, u.key)):
        load, i = heapq.heappop(loads)
        owner[unit.key] = i
        heapq.heappush(loads, (load + unit.cost.weight, i))
    return tuple(tuple(u for u in units if owner[u.key] == i) for i in range(count))


def shard_plan(plan: Plan, shard: Shard) -> Plan:
    """The plan limited to one shard's units."""
    return dataclasses.replace(plan, units=partition(plan.units, shard.count)[shard.index - 1])
