"""source/<campaign>/ -> Campaign: metadata, the leaflet's block tree, posts and card slogans.

The package reads each file of a campaign folder: campaign.py (campaign.yml), leaflet.py
(leaflet.md, with frontmatter.py and images.py), posts.py (posts.yml, cards.yml), all YAML
through yamlstrict.py; messages.py turns the Campaign into messages for translators;
reading.py puts them together, and cache.py keeps what it read for the next command.

Every problem of every file of a campaign is reported in one run (errors.Problems, up to 50),
each as `path:line: what, and how to fix`; warnings (front matter keys handbill ignores) are
logged once per process, from the cache too.
"""

from __future__ import annotations

import importlib
import logging
import os
from pathlib import Path

from pipeline import files
from pipeline.errors import SourceError, log_once
from pipeline.model import Campaign
from pipeline.names import validate_campaign
from pipeline.sources.layout import CAMPAIGN_FILE, CARDS_FILE, LEAFLET_FILE, POSTS_FILE

# Imported when first used (PEP 562): a campaign read from the cache needs no YAML, Markdown
# or image library, and those imports were a third of a catalog command's start-up.
_WHERE = {"extract_messages": "messages", "placeholders_of": "messages",
          "parse_leaflet": "leaflet", "read_leaflet": "leaflet"}

__all__ = ["CAMPAIGN_FILE", "CARDS_FILE", "LEAFLET_FILE", "POSTS_FILE", "extract_messages",
           "list_campaigns", "parse_leaflet", "placeholders_of", "read_campaign", "read_leaflet"]

log = logging.getLogger(__name__)


def __getattr__(name: str):
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)


def list_campaigns(source_dir: Path, only: tuple[str, ...] | None = None) -> list[str]:
    """Names of the campaign folders under source/ (those holding a campaign.yml)."""
    if only is not None:
        return [validate_campaign(name) for name in only]
    if not source_dir.is_dir():
        return []
    return sorted(p.name for p in source_dir.iterdir()
                  if p.is_dir() and os.path.lexists(p / CAMPAIGN_FILE)
                  and not p.name.startswith("."))


def read_campaign(project_root: Path, name: str) -> Campaign:
    """Read and validate source/<name>/ into a Campaign with its messages, writing nothing in
    the project (a reading is cached outside it, keyed by the files' bytes: cache.py).

    Raises one SourceErrors listing every problem of the campaign's files."""
    validate_campaign(name)
    root = project_root / "source" / name
    rel = f"source/{name}"
    files.check_inside(root, project_root, "source", rel, SourceError, what="folder")
    # lexists, not is_file: a symlink out or a FIFO is refused by name (files.read_inside)
    if not os.path.lexists(root / CAMPAIGN_FILE):
        raise SourceError(f"campaign {name!r} has no {CAMPAIGN_FILE}; create it (see "
                          "`handbill new`)", f"{rel}/{CAMPAIGN_FILE}")
    from pipeline.sources import cache

    key = cache.inputs_key(project_root, name)
    found = cache.load(key, root) if key else None
    if found is not None:
        campaign, warnings = found
        log_once(log, warnings)
        return campaign
    from pipeline.sources.reading import read_sources

    campaign, warnings = read_sources(project_root, name)
    if key and cache.inputs_key(project_root, name) == key:  # unchanged while it was read
        cache.save(key, campaign, warnings)
    return campaign
