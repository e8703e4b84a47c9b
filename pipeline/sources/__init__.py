"""source/<campaign>/ -> Campaign: metadata, the leaflet's block tree, posts and card slogans.

The package reads each file of a campaign folder: campaign.py (campaign.yml), leaflet.py
(leaflet.md, with frontmatter.py and images.py), posts.py (posts.yml, cards.yml), all YAML
through yamlstrict.py; messages.py turns the Campaign into messages for translators.

Every problem of every file of a campaign is reported in one run (errors.Problems, up to 50),
each as `path:line: what, and how to fix`; warnings (front matter keys handbill ignores) are
logged once per process.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from pipeline import files, glossary
from pipeline.errors import Problems, SourceError
from pipeline.model import Campaign, Leaflet
from pipeline.names import validate_campaign
from pipeline.sources.campaign import (
    CAMPAIGN_FILE, CARDS_FILE, LEAFLET_FILE, POSTS_FILE, read_meta,
)
from pipeline.sources.leaflet import parse_leaflet, read_leaflet
from pipeline.sources.messages import extract_messages, placeholders_of
from pipeline.sources.posts import read_cards, read_posts
from pipeline.sources.yamlstrict import load_yaml

__all__ = ["CAMPAIGN_FILE", "CARDS_FILE", "LEAFLET_FILE", "POSTS_FILE", "extract_messages",
           "list_campaigns", "parse_leaflet", "placeholders_of", "read_campaign", "read_leaflet"]

log = logging.getLogger(__name__)

_WARNED: set[str] = set()


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
    """Read and validate source/<name>/ into a Campaign with its messages, writing nothing.

    Raises one SourceErrors listing every problem of the campaign's files."""
    validate_campaign(name)
    root = project_root / "source" / name
    rel = f"source/{name}"
    files.check_inside(root, project_root, "source", rel, SourceError, what="folder")
    # lexists, not is_file: a symlink out or a FIFO is refused by name (files.read_inside)
    if not os.path.lexists(root / CAMPAIGN_FILE):
        raise SourceError(f"campaign {name!r} has no {CAMPAIGN_FILE}; create it (see "
                          "`handbill new`)", f"{rel}/{CAMPAIGN_FILE}")
    problems = Problems()
    meta = read_meta(root / CAMPAIGN_FILE, f"{rel}/{CAMPAIGN_FILE}", problems, project_root)
    if meta is not None:
        try:  # with glossary.csv / glossary.tbx beside handbill.toml
            meta["glossary"] = glossary.combined(
                glossary.project_glossary(project_root, meta["source_language"]),
                meta["glossary"])
        except SourceError as exc:
            problems.add_error(exc)
    leaflet = Leaflet()
    if os.path.lexists(root / LEAFLET_FILE):
        leaflet, _ = read_leaflet(root / LEAFLET_FILE, f"{rel}/{LEAFLET_FILE}", problems,
                                  project_root)
    posts, cards = [], []
    if os.path.lexists(root / POSTS_FILE):
        posts, cards = read_posts(root / POSTS_FILE, f"{rel}/{POSTS_FILE}", problems,
                                  project_root)
    if os.path.lexists(root / CARDS_FILE):
        if cards:
            problems.add(f"cards are defined both here and in {POSTS_FILE}; keep one",
                         f"{rel}/{CARDS_FILE}")
        else:
            try:
                data = load_yaml(root / CARDS_FILE, f"{rel}/{CARDS_FILE}", project_root)
                cards = read_cards(data, f"{rel}/{CARDS_FILE}", "cards", problems)
            except SourceError as exc:
                problems.add_error(exc)
    _log_warnings(problems)
    if meta is None:
        problems.raise_if_any()
    campaign = Campaign(
        name=name, root=root, relroot=rel, blocks=leaflet.blocks, posts=tuple(posts),
        cards=tuple(cards), paper=leaflet.paper, references=leaflet.references,
        images=leaflet.images, **meta)
    messages = extract_messages(campaign, problems)
    problems.raise_if_any()
    return Campaign(**{**campaign.__dict__, "messages": tuple(messages)})


def _log_warnings(problems: Problems) -> None:
    for warning in problems.warnings:
        text = str(warning)
        if text not in _WARNED:
            _WARNED.add(text)
            log.warning("%s", text)
