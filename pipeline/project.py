"""What a project holds: its campaigns, its message domains and the languages to serve."""

from __future__ import annotations

from pipeline.catalogs import Domain
from pipeline.config import Config
from pipeline.errors import HandbillError
from pipeline.model import Campaign
from pipeline.names import UI_DOMAIN, validate_campaign, validate_language
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
    return list(only)


def languages(cfg: Config, only: tuple[str, ...] = ()) -> list[str]:
    """The project's languages, or the requested ones after validating them."""
    if not only:
        return list(cfg.languages)
    out = []
    for code in only:
        code = validate_language(code)
        if code not in cfg.languages:
            raise HandbillError(f"language {code} is not in handbill.toml; add it to "
                                "[project] languages or run `handbill init " + code + "`")
        out.append(code)
    return out


def read_campaigns(cfg: Config, names: list[str]) -> list[Campaign]:
    """Read every campaign first (nothing is written if any source is broken)."""
    return [read_campaign(cfg.root, name) for name in names]


def domains(cfg: Config, campaigns: list[Campaign], with_ui: bool = True) -> list[Domain]:
    """The message domains: one per campaign, plus `ui` for the templates' strings."""
    out = [Domain(c.name, c.title, c.messages, c.languages) for c in campaigns]
    if with_ui:
        ui = ui_messages()
        if ui:
            out.append(Domain(UI_DOMAIN, "handbill's interface", tuple(ui)))
    return out
