"""What a project holds: its campaigns read from source/, the plan over them, and the message
domains (one per campaign, plus `ui` for the templates' strings) that go with the plan."""

from __future__ import annotations

from dataclasses import dataclass, field

from pipeline.catalogs import Domain
from pipeline.config import Config
from pipeline.errors import HandbillError
from pipeline.model import Campaign
from pipeline.names import UI_DOMAIN, validate_campaign
from pipeline.plan import Plan, RenderOptions, campaign_order, make_plan
from pipeline.sources import list_campaigns, read_campaign
from pipeline.uistrings import ui_messages


def campaign_names(cfg: Config, only: tuple[str, ...] = ()) -> list[str]:
    """The project's campaigns, or the requested ones after checking they exist."""
    names = list_campaigns(cfg.source_dir, cfg.campaigns)
    if not only:
        return names
    for name in only:
        validate_campaign(name)
        if name not in names:
            raise HandbillError(f"no campaign {name!r}; the project has: "
                                f"{', '.join(names) or 'none'} (see `handbill new`)")
    return list(dict.fromkeys(only))


def read_campaigns(cfg: Config, names: list[str]) -> list[Campaign]:
    """Read every campaign first (nothing is written if any source is broken)."""
    return [read_campaign(cfg.root, name) for name in names]


@dataclass
class Loaded:
    """A plan, and the campaigns that could not be read (when reading tolerantly)."""

    plan: Plan
    failures: list[HandbillError] = field(default_factory=list)


def load_plan(cfg: Config, campaigns: tuple[str, ...] = (), langs: tuple[str, ...] = (),
              options: RenderOptions = RenderOptions(), tolerant: bool = False,
              with_ui: bool | None = None) -> Loaded:
    """Read the (requested) campaigns and make the plan over them.

    tolerant: a campaign whose sources are broken is left out and its error returned, so the
    other campaigns still build; otherwise the first broken source raises.
    """
    names = campaign_names(cfg, campaigns)
    read, failures = [], []
    for name in names:
        try:
            read.append(read_campaign(cfg.root, name))
        except HandbillError as exc:
            if not tolerant:
                raise
            failures.append(exc)
    selected = tuple(c.name for c in read) if campaigns else ()
    if campaigns and not selected:  # every requested campaign is broken: an empty plan
        return Loaded(make_plan(cfg, [], (), (), options, with_ui=False), failures)
    return Loaded(make_plan(cfg, read, langs, selected, options, with_ui), failures)


def domains(plan: Plan) -> list[Domain]:
    """The message domains of a plan, each with the languages the plan gives it."""
    out = [Domain(c.name, c.title, c.messages,
                  tuple(code for code in plan.languages_of(c.name) if code != c.source_language))
           for c in plan.campaigns]
    if plan.with_ui:
        out += _ui_domain(plan.cfg, plan.ui_languages)
    return out


def template_domains(cfg: Config, campaigns: tuple[str, ...] = ()) -> list[Domain]:
    """The domains whose templates `extract` writes: the requested campaigns (default: all) in
    the plan's order, then `ui` when no campaign was requested. No plan: a template has no
    languages, and a plan of 1,000 units cost `extract` a fifth of its time."""
    read = read_campaigns(cfg, campaign_names(cfg, campaigns))
    out = [Domain(c.name, c.title, c.messages) for c in campaign_order(cfg, read)]
    return out if campaigns else out + _ui_domain(cfg, None)


def _ui_domain(cfg: Config, languages: tuple[str, ...] | None) -> list[Domain]:
    ui = ui_messages(cache_dir=cfg.root / ".handbill")
    return [Domain(UI_DOMAIN, "handbill's interface", tuple(ui), languages)] if ui else []
