"""The static download page: output/index.html and output/<lang>/index.html.

No request leaves the page: no CDN, no web fonts from elsewhere, one inline script allowed by
its hash in the Content-Security-Policy (so an injected script could not run even if escaping
failed). Works from file:// and on any static host.

The page is written from the plan and the units' records (records.py), never from catalogs: a
unit with no record is listed as not available yet. The page's own strings come from the `ui`
translations the caller passes in (`ui_for`), so this module reads no catalog either.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import os
import re
from pathlib import Path
from typing import Callable

from markupsafe import Markup, escape

from babel.units import format_unit

from pipeline.files import UnsafeFile, check_output_folder, read_regular, write_text_if_changed
from pipeline.model import PLATFORM_NAMES, Campaign, Colours
from pipeline.names import locale_of
from pipeline.packs import language_info
from pipeline.plan import Plan, Unit, output_href, site_page
from pipeline.records import PUBLISHED, is_regular, unit_state

log = logging.getLogger(__name__)

COPY_SCRIPT = """
document.addEventListener("click", function (event) {
  var button = event.target.closest("button.copy");
  if (!button) return;
  var text = document.getElementById(button.dataset.copy).textContent;
  var status = document.getElementById("copy-status");
  function done() {
    status.textContent = button.dataset.copied;
    document.body.dataset.copied = text;
  }
  function fallback() {
    var area = document.createElement("textarea");
    area.value = text;
    document.body.appendChild(area);
    area.select();
    try { document.execCommand("copy"); } catch (e) {}
    area.remove();
    done();
  }
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(text).then(done, fallback);
  } else {
    fallback();
  }
});
"""
SCRIPT_HASH = "sha256-" + base64.b64encode(hashlib.sha256(COPY_SCRIPT.encode()).digest()).decode()
CARD_SIZES = {"square": "1080 × 1080", "x": "1200 × 675", "facebook": "1200 × 630"}


_UNBROKEN_LINK = 32  # characters: ~17 rem of 16 px text, narrower than a 360 px phone's line
_LTR_ISLANDS = re.compile(r"https?://\S+|mailto:\S+|[#@]\w+(?:@[\w.-]+\w)?")


def isolate(text: str) -> Markup:
    """Escape a text and isolate its links, hashtags and @handles with <bdi>, so a hashtag at
    the end of an Arabic post is not reordered into "/FreeAssangeNOW#" by the bidi algorithm.
    The characters stay the same, so copying the text copies the post unchanged."""
    out, last = [], 0
    for match in _LTR_ISLANDS.finditer(text):
        out.append(str(escape(text[last:match.start()])))
        # A short link never breaks inside itself (an Arabic line would split it at a hyphen,
        # "https://ipa- / aip.org/"); a long one may, or a phone would scroll sideways.
        short = match.group()[0] not in "#@" and len(match.group()) <= _UNBROKEN_LINK
        attrs = ' dir="ltr" class="link"' if short else ' dir="ltr"'
        out.append(f"<bdi{attrs}>{escape(match.group())}</bdi>")
        last = match.end()
    out.append(str(escape(text[last:])))
    return Markup("".join(out))


def human_size(size: int, lang: str) -> str:
    """'1.2 MB' / '1,2 MB' / '١٫٢ ميغابايت' as CLDR writes it for the language."""
    locale = locale_of(lang)
    if size >= 1_000_000:
        return format_unit(round(size / 1_000_000, 1), "digital-megabyte", "short", locale=locale)
    return format_unit(max(1, round(size / 1000)), "digital-kilobyte", "short", locale=locale)


def _posts(out_dir: Path) -> list[dict]:
    """Posts from render's posts.json, one entry per post with its length per platform."""
    try:  # never through a symlink (records.is_regular), never blocking on a FIFO
        data = json.loads(read_regular(out_dir / "posts.json").decode("utf-8"))
    except (UnsafeFile, ValueError):
        return []
    posts: dict[str, dict] = {}
    for row in data.get("posts", []):
        post = posts.setdefault(row["post"], {"id": row["post"], "text": row["text"],
                                              "label": row["post"], "platforms": []})
        post["platforms"].append({
            "name": row.get("platform_name") or PLATFORM_NAMES.get(row["platform"]),
            "length": row["length"], "limit": row["limit"], "over": bool(row["over_limit"])})
    return list(posts.values())


def _png_size(path: Path) -> tuple[int, int] | None:
    """(width, height) from a PNG's header, for the img's size attributes (no layout shift)."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(24)
    except OSError:
        return None
    if head[:8] != b"\x89PNG\r\n\x1a\n" or head[12:16] != b"IHDR":
        return None
    return int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")


def _preview(unit: Unit, campaign: Campaign, record) -> dict | None:
    """The leaflet's page-1 thumbnail render made (render/leaflet.py), if it is recorded."""
    name = "leaflet.png"
    if record is None or name not in record.files:
        return None
    size = _png_size(unit.out_dir / name)
    if size is None:
        return None
    return {"href": f"{campaign.name}/{name}", "width": size[0], "height": size[1]}


def _cards(out_dir: Path, campaign: Campaign, alts: dict[str, str]) -> list[dict]:
    cards = []
    folder = out_dir / "cards"
    for card in campaign.cards:
        for size, label in CARD_SIZES.items():
            name = f"{card.id}-{size}.png"
            if is_regular(folder / name):
                width, height = (int(x) for x in label.split(" × "))
                cards.append({"href": f"{campaign.name}/cards/{name}",
                              "alt": alts.get(card.id, card.text), "size": label,
                              "width": width, "height": height})
    return cards


def _labels(plan: Plan, unit: Unit, page, ui, source_ui) -> tuple:
    """The labels the unit's leaflet carries (render/labels.py), from its recorded counts."""
    from pipeline.render.labels import kinds_for, make_labels

    counts, source = page.counts, plan.cfg.source_language
    kinds = kinds_for(counts, plan.cfg.render.drafts, bool(counts.missing or counts.rejected))
    return make_labels(kinds, ui, source_ui, locale_of(unit.lang), locale_of(source),
                       source.replace("_", "-"))


def _entry(plan: Plan, unit: Unit, campaign: Campaign, ui, source_ui) -> tuple[dict, dict]:
    """(the language page's entry, the index row's state) of one unit, from its records."""
    cfg, lang = plan.cfg, unit.lang
    found = unit_state(unit)
    state, record = found.state, found.record
    page = record.page if record is not None and record.state == state else None
    rendered = state in PUBLISHED
    pack = None
    if found.pack is not None:
        pack = {"href": f"../{output_href(cfg, found.pack)}",
                "size": human_size(os.lstat(found.pack).st_size, lang)}
    preview = _preview(unit, campaign, record) if rendered else None
    total = page.counts.total if page else 0
    percent = (f"{round(100 * page.counts.reviewed / total)} %"
               if page and total and not unit.is_source else None)
    entry = {
        "name": campaign.name, "title": page.title if page else campaign.title,
        "summary": page.summary if page else campaign.summary,
        "state": state, "percent": percent, "pack": pack,
        "rendered": rendered, "is_source": lang == cfg.source_language,
        "labels": _labels(plan, unit, page, ui, source_ui) if page and state == "draft" else (),
        "posts": _posts(unit.out_dir) if rendered else [],
        "preview": preview,
        "cards": _cards(unit.out_dir, campaign, dict(page.cards) if page else {})
        if rendered else [],
    }
    row = {"state": state, "percent": percent,
           "preview": dict(preview, href=output_href(cfg, unit.out_dir / "leaflet.png"),
                           pdf=output_href(cfg, unit.out_dir / "leaflet.pdf"))
           if preview else None,
           "pack": {"href": output_href(cfg, found.pack),
                    "size": human_size(os.lstat(found.pack).st_size, cfg.source_language)}
           if pack else None}
    return entry, row


def write_site(plan: Plan, ui_for: Callable[[str], object]) -> list[Path]:
    """Write output/index.html and one page per language of the plan, from the units' records.

    `ui_for(lang)` gives the page's own strings in a language (a gettext-like object).
    """
    from pipeline.render.templating import UI_VARIABLE, make_environment, render_template

    cfg = plan.cfg
    written = []
    env = make_environment()  # one environment: each template is compiled once
    env.filters["isolate"] = isolate
    source = cfg.source_language
    colours = plan.campaigns[0].colours if plan.campaigns else Colours()
    index_rows: dict[str, list[dict]] = {c.name: [] for c in plan.campaigns}
    source_ui = ui_for(source)
    for lang in plan.languages:
        ui = ui_for(lang)
        info = language_info(lang)
        page_campaigns = []
        for campaign in plan.campaigns:
            unit = plan.unit(campaign.name, lang)
            if unit is None:
                continue
            entry, row = _entry(plan, unit, campaign, ui, source_ui)
            page_campaigns.append(entry)
            index_rows[campaign.name].append({**info, "lang_tag": lang.replace("_", "-"), **row})
        materials = ui.get("Campaign materials to download")
        single = page_campaigns[0]["title"] if len(plan.campaigns) == 1 and page_campaigns \
            else None  # one campaign: the page is named after it, in the language
        html = render_template(
            env, "site/language.html", **{UI_VARIABLE: ui}, lang_tag=lang.replace("_", "-"),
            direction=info["direction"], colours=colours, script=Markup(COPY_SCRIPT),
            script_hash=SCRIPT_HASH, campaigns=page_campaigns, source_tag=source.replace("_", "-"),
            source_dir=locale_of(source).text_direction,
            single=bool(single), language_name=info["name"],
            page_title=f"{single or materials} — {info['name']}")
        path = site_page(cfg, lang)
        check_output_folder(cfg.output_dir, path.parent)
        write_text_if_changed(path, html)
        written.append(path)
    index = render_template(
        env, "site/index.html", **{UI_VARIABLE: None}, lang_tag=source.replace("_", "-"),
        single=plan.campaigns[0].title if len(plan.campaigns) == 1 else None,
        direction="ltr", colours=colours, script=Markup(COPY_SCRIPT), script_hash=SCRIPT_HASH,
        campaigns=[{"name": c.name, "title": c.title, "summary": c.summary,
                    "languages": index_rows[c.name]} for c in plan.campaigns])
    path = site_page(cfg)
    write_text_if_changed(path, index)
    written.append(path)
    return written
