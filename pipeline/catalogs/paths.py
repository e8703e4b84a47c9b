"""Where catalogs live: locales/<domain>.pot and locales/<lang>/LC_MESSAGES/<domain>.po."""

from __future__ import annotations

from pathlib import Path

from pipeline.config import Config


def pot_path(cfg: Config, domain: str) -> Path:
    return cfg.locales_dir / f"{domain}.pot"


def po_path(cfg: Config, lang: str, domain: str) -> Path:
    return cfg.locales_dir / lang / "LC_MESSAGES" / f"{domain}.po"
