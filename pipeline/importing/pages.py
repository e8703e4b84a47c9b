"""A translated Markdown page -> candidate translations, block by block (see align.py)."""

from __future__ import annotations

import re

from markdown_it.common.utils import normalizeReference

from pipeline.errors import Problems
from pipeline.importing import align
from pipeline.importing.result import Candidate, FileResult, Problem
from pipeline.sources.leaflet import parse_leaflet
from pipeline.model import Block, Campaign, Leaflet, walk

# Fewer aligned blocks than this share: the page is not a translation of this leaflet.
MIN_SHARE = 0.5
_FULL_REF_RE = re.compile(r"\]\[([^\]]+)\]")


def signature(block: Block, ancestors: tuple[Block, ...]) -> tuple:
    """(kind, heading level, place in the tree): what a translation keeps of a block."""
    place = "/".join(a.kind for a in ancestors)
    parent = ancestors[-1] if ancestors else None
    if parent is not None and parent.kind == "item":
        place += "#first" if parent.children and parent.children[0] is block else "#more"
    return (block.kind, block.level, place)


def units(blocks: tuple[Block, ...], payload) -> list[align.Unit]:
    """Every heading and paragraph of a tree as an alignment unit."""
    return [align.unit(signature(b, a), b.text, b.line, payload(b))
            for b, a in walk(blocks) if b.kind in ("heading", "paragraph")]


def _origin(campaign: Campaign, line: int) -> str:
    return f"{campaign.relroot}/leaflet.md:{line}"


def read_page(campaign: Campaign, lang: str, text: str, result: FileResult) -> None:
    """Align a translated page with the campaign's leaflet; candidates and problems go to
    `result` (its `error` is set when the structures do not match at all).

    The page's front matter is not aligned, but its `title` and `description` are taken as
    translations of campaign.yml's title and summary (fuzzy: `new --from` made those from the
    source page's, and the coordinator may have changed them since)."""
    page = parse_leaflet(text, result.shown, Problems(), strict=False)
    for key, context, source in (("title", "campaign:title", campaign.title),
                                 ("summary", "campaign:summary", campaign.summary)):
        value = dict(page.front).get(key)
        if value and source:
            result.candidates.append(Candidate((context, source), value, page.front_lines[key],
                                               "front matter", fuzzy=True))
    relabel = _labels(campaign, lang, page, result)
    source = units(campaign.blocks, lambda b: (None, b.text) if b.is_message else None)
    target = units(page.blocks, lambda b: None)
    target = [align.Unit(u.sig, _relabel(u.text, relabel), u.line, u.invariants, u.length)
              for u in target]
    if not target:
        result.error = "holds no text blocks; is it a Markdown page?"
        return
    found = align.align(source, target)
    result.blocks = len(source)
    result.aligned = len(found.pairs)
    if found.coverage(len(source)) < MIN_SHARE:
        result.error = (f"its structure does not match the leaflet: only {len(found.pairs)} of "
                        f"{len(source)} blocks align (headings, paragraphs, list items and quotes "
                        "in the same places); is it a translation of this leaflet?")
        return
    for s, t, _ in found.pairs:
        if s.payload is not None:
            result.candidates.append(Candidate(s.payload, t.text, t.line, "aligned"))
    for s, t1, t2 in found.splits:
        if s.payload is not None:
            result.candidates.append(Candidate(s.payload, f"{t1.text} {t2.text}", t1.line,
                                               "split", fuzzy=True))
        result.problems.append(Problem(
            "note", f"lines {t1.line} and {t2.line} translate one paragraph as two; joined "
            "into one message, marked for review", t1.line, _origin(campaign, s.line)))
    for s1, s2, t in found.merges:
        result.problems.append(Problem(
            "not aligned", f"translates the two paragraphs at lines {s1.line} and {s2.line} as "
            "one; not used: split it as the source does, or translate them in the catalog",
            t.line, _origin(campaign, s1.line)))
    for s, t, _ in found.doubtful:
        result.problems.append(Problem(
            "not aligned", f"does not look like the translation of the {s.sig[0]} it stands "
            f"in place of (different kind, numbers, links or length); not used", t.line,
            _origin(campaign, s.line)))
    for s in found.source_only:
        if s.payload is not None:
            result.problems.append(Problem("not aligned", "no block of the page translates it",
                                           None, _origin(campaign, s.line)))
    for t in found.target_only:
        result.problems.append(Problem("not aligned", "the leaflet has no block here (an "
                                       "added block?); not used", t.line))


def _labels(campaign: Campaign, lang: str, page: Leaflet, result: FileResult
            ) -> dict[str, str]:
    """Reference definitions of the page, matched to the leaflet's by label, URL or position:
    their titles become candidates; the labels of the page -> the leaflet's."""
    source = list(campaign.references)
    by_label = {r.label: r for r in source}
    by_url = {r.url: r for r in source}
    relabel = {}
    for index, ref in enumerate(page.references):
        match = by_label.get(ref.label) or by_url.get(ref.url) or (
            source[index] if index < len(source) else None)
        if match is None:
            result.problems.append(Problem("not aligned", f"the reference [{ref.name}] is not "
                                           "in the leaflet; not used", ref.line))
            continue
        relabel[ref.label] = match.name
        if ref.title and match.title:
            result.candidates.append(Candidate((None, match.title), ref.title, ref.line,
                                               "aligned"))
        if ref.url != match.url:
            result.problems.append(Problem(
                "note", f"links [{ref.name}] to {ref.url} where the leaflet has {match.url}; "
                f"to use it, add it to `overrides: {{{lang}: {{links: …}}}}` in campaign.yml",
                ref.line, _origin(campaign, match.line)))
    return relabel


def _relabel(text: str, relabel: dict[str, str]) -> str:
    """`[texto][etiqueta]` -> `[texto][label]`: the leaflet's own reference labels."""
    def swap(match: re.Match) -> str:
        label = relabel.get(normalizeReference(match.group(1)))
        return f"][{label}]" if label else match.group()
    return _FULL_REF_RE.sub(swap, text) if relabel else text
