"""A translated campaign.yml or posts.yml -> candidate translations, by key and post id."""

from __future__ import annotations

from pathlib import Path

from pipeline.errors import SourceError
from pipeline.importing.result import Candidate, FileResult, Problem
from pipeline.model import Campaign
from pipeline.sources.yamlstrict import YList, YMap, load_yaml


def read_yaml(campaign: Campaign, path: Path, result: FileResult) -> None:
    """Candidates from a translated campaign.yml (title, summary, event place) or posts.yml
    (posts and cards by id); the file's other keys are the campaign's, not translations."""
    try:
        data = load_yaml(path, result.shown)
    except SourceError as exc:
        result.error = str(exc).removeprefix(f"{result.shown}:").strip()
        return
    if not isinstance(data, YMap):
        result.error = "is not a campaign.yml or posts.yml (a mapping of `key: value` lines)"
        return
    if "posts" in data or "cards" in data:
        result.kind = "posts.yml"
        _items(campaign, data, "posts", "post", {p.id: p.text for p in campaign.posts}, result)
        _items(campaign, data, "cards", "card", {c.id: c.text for c in campaign.cards}, result)
        return
    result.kind = "campaign.yml"
    fields = [("title", campaign.title, "campaign:title", data),
              ("summary", campaign.summary, "campaign:summary", data)]
    event = data.get("event")
    if isinstance(event, YMap) and campaign.event and campaign.event.place:
        fields.append(("place", campaign.event.place, "campaign:place", event))
    for key, source, context, table in fields:
        value = table.get(key)
        if isinstance(value, str) and value.strip() and source:
            result.candidates.append(Candidate((context, source), value.strip(),
                                               table.lines[key], "key"))


def _items(campaign: Campaign, data: YMap, key: str, what: str, texts: dict[str, str],
           result: FileResult) -> None:
    items = data.get(key)
    if items is None:
        return
    if not isinstance(items, YList):
        result.problems.append(Problem("unknown", f"`{key}` is not a list; not used",
                                       data.lines.get(key)))
        return
    for item, line in zip(items, items.lines):
        if not isinstance(item, YMap) or not isinstance(item.get("id"), str):
            result.problems.append(Problem("unknown", f"a {what} without an id; not used", line))
            continue
        ident, text = item["id"], item.get("text")
        if ident not in texts:
            result.problems.append(Problem("unknown", f"the campaign has no {what} {ident!r}; "
                                           "not used", item.lines["id"]))
        elif isinstance(text, str) and text.strip():
            result.candidates.append(Candidate((f"{what}:{ident}", texts[ident]), text.strip(),
                                               item.lines["text"], "key"))
