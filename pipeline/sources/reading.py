"""Reading a campaign's files when no cached reading of them holds (pipeline.sources.cache):
campaign.yml, leaflet.md, posts.yml or cards.yml, and the project's glossary files."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from pipeline import glossary
from pipeline.errors import Problems, SourceError, log_once
from pipeline.model import Campaign, Leaflet
from pipeline.sources.campaign import read_meta
from pipeline.sources.layout import CAMPAIGN_FILE, CARDS_FILE, LEAFLET_FILE, POSTS_FILE
from pipeline.sources.leaflet import read_leaflet
from pipeline.sources.messages import extract_messages
from pipeline.sources.posts import read_cards, read_posts
from pipeline.sources.yamlstrict import load_yaml

log = logging.getLogger("pipeline.sources")  # as the cache's reading logs them

def read_sources(project_root: Path, name: str) -> tuple[Campaign, list[str]]:
    """Read and validate source/<name>/ into a Campaign with its messages, writing nothing;
    with the warnings it logged (front matter keys handbill does not use...).

    Raises one SourceErrors listing every problem of the campaign's files."""
    root = project_root / "source" / name
    rel = f"source/{name}"
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
    warned = [str(warning) for warning in problems.warnings]
    log_once(log, warned)
    if meta is None:
        problems.raise_if_any()
    campaign = Campaign(
        name=name, root=root, relroot=rel, blocks=leaflet.blocks, posts=tuple(posts),
        cards=tuple(cards), paper=leaflet.paper, references=leaflet.references,
        images=leaflet.images, **meta)
    messages = extract_messages(campaign, problems)
    problems.raise_if_any()
    return (Campaign(**{**campaign.__dict__, "messages": tuple(messages)}),
            warned)
