"""The static download page: output/index.html and output/<lang>/index.html.

No request leaves the page: no CDN, no web fonts from elsewhere, one inline script allowed by
its hash in the Content-Security-Policy (so an injected script could not run even if escaping
failed). Works from file:// and on any static host.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import re
from pathlib import Path

from markupsafe import Markup, escape

from babel.units import format_unit

from pipeline.config import Config
from pipeline.errors import HandbillError
from pipeline.files import write_text_if_changed
from pipeline.model import PLATFORM_NAMES, Campaign, Colours
from pipeline.names import locale_of
from pipeline.packs import language_info

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


_LTR_ISLANDS = re.compile(r"https?://\S+|mailto:\S+|[#@]\w+(?:@[\w.-]+\w)?")


def isolate(text: str) -> Markup:
    """Escape a text and isolate its links, hashtags and @handles with <bdi>, so a hashtag at
    the end of an Arabic post is not reordered into "/FreeAssangeNOW#" by the bidi algorithm.
    The characters stay the same, so copying the text copies the post unchanged."""
    out, last = [], 0
    for match in _LTR_ISLANDS.finditer(text):
        out.append(str(escape(text[last:match.start()])))
        out.append(f'<bdi dir="ltr">{escape(match.group())}</bdi>')
        last = match.end()
    out.append(str(escape(text[last:])))
    return Markup("".join(out))


def human_size(size: int, lang: str) -> str:
    """'1.2 MB' / '1,2 MB' / '١٫٢ ميغابايت' as CLDR writes it for the language."""
    locale = locale_of(lang)
    if size >= 1_000_000:
        return format_unit(round(size / 1_000_000, 1), "digital-megabyte", "short", locale=locale)
    return format_unit(max(1, round(size / 1000)), "digital-kilobyte", "short", locale=locale)


def _stamp(cfg: Config, lang: str, campaign: str) -> dict:
    """What build recorded for a language; after a bare `handbill render`, render.json."""
    folder = cfg.output_dir / lang / campaign
    try:
        return json.loads((folder / ".build-stamp.json").read_text())
    except (FileNotFoundError, ValueError):
        pass
    try:
        state = json.loads((folder / "render.json").read_text())["status"]
    except (FileNotFoundError, ValueError, KeyError):
        return {}
    pack = f"packs/{campaign}-{lang}.zip"
    return {"state": state, "pack": pack if (cfg.output_dir / pack).is_file() else None}


def _posts(out_dir: Path) -> list[dict]:
    """Posts from render's posts.json, one entry per post with its length per platform."""
    try:
        data = json.loads((out_dir / "posts.json").read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return []
    posts: dict[str, dict] = {}
    for row in data.get("posts", []):
        post = posts.setdefault(row["post"], {"id": row["post"], "text": row["text"],
                                              "label": row["post"], "platforms": []})
        post["platforms"].append({
            "name": row.get("platform_name") or PLATFORM_NAMES.get(row["platform"]),
            "length": row["length"], "limit": row["limit"], "over": bool(row["over_limit"])})
    return list(posts.values())


def _rendered_page(out_dir: Path, state: str) -> dict | None:
    """The page texts render recorded in render.json for this state, if it did."""
    try:
        data = json.loads((out_dir / "render.json").read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return None
    page = data.get("page")
    if data.get("status") != state or not isinstance(page, dict):
        return None
    return page


def _cards(out_dir: Path, campaign: Campaign, alts: dict[str, str]) -> list[dict]:
    cards = []
    folder = out_dir / "cards"
    for card in campaign.cards:
        for size, label in CARD_SIZES.items():
            name = f"{card.id}-{size}.png"
            if (folder / name).is_file():
                width, height = (int(x) for x in label.split(" × "))
                cards.append({"href": f"{campaign.name}/cards/{name}",
                              "alt": alts.get(card.id, card.text), "size": label,
                              "width": width, "height": height})
    return cards


def write_site(cfg: Config, campaigns: list[Campaign], languages: list[str]) -> list[Path]:
    """Write the index and one page per language from what build left in output/."""
    from pipeline.render.templating import UI_VARIABLE, make_environment, render_template
    from pipeline.render.translations import identity, load, load_ui, page_texts

    written = []
    env = make_environment()  # one environment: each template is compiled once
    env.filters["isolate"] = isolate
    source = cfg.source_language
    all_langs = [source] + [lang for lang in languages if lang != source]
    colours = campaigns[0].colours if campaigns else Colours()
    index_rows: dict[str, list[dict]] = {c.name: [] for c in campaigns}
    for lang in all_langs:
        try:
            ui = load_ui(cfg, lang)
            ui.use_fuzzy = True
        except HandbillError as exc:  # a broken ui.po: the page falls back to English
            log.warning("%s", exc)
            ui = identity(lang, "ui")
        info = language_info(lang)
        page_campaigns = []
        for campaign in campaigns:
            if lang != source and campaign.languages is not None and lang not in campaign.languages:
                continue
            stamp = _stamp(cfg, lang, campaign.name)
            state = stamp.get("state", "skipped")
            out_dir = cfg.output_dir / lang / campaign.name
            rendered = state in ("final", "draft")
            page = _rendered_page(out_dir, state) if rendered else None
            if page is None:  # not rendered (or by an older handbill): from the catalog
                texts = identity(lang, campaign.name)
                if lang != source:
                    try:
                        texts = load(cfg, lang, campaign.name, campaign.messages, None)
                        texts.use_fuzzy = state == "draft"
                    except HandbillError as exc:  # a broken catalog: listed, not offered
                        log.debug("%s", exc)  # build already reported it
                        state, rendered = "failed", False
                page = page_texts(campaign, texts)
            pack = None
            if stamp.get("pack") and (cfg.output_dir / stamp["pack"]).is_file():
                size = (cfg.output_dir / stamp["pack"]).stat().st_size
                pack = {"href": f"../{stamp['pack']}", "size": human_size(size, lang)}
            total = sum(page["counts"].values())
            percent = None if lang == source or not total else \
                f"{round(100 * page['counts'].get('reviewed', 0) / total)} %"
            entry = {
                "name": campaign.name, "title": page["title"], "summary": page["summary"],
                "state": state, "percent": percent, "pack": pack,
                "rendered": rendered, "is_source": lang == source,
                "draft_note_source": "Draft — machine translation, not yet reviewed",
                "posts": _posts(out_dir) if rendered else [],
                "cards": _cards(out_dir, campaign, page["cards"]) if rendered else [],
            }
            page_campaigns.append(entry)
            index_rows[campaign.name].append({
                **info, "lang_tag": lang.replace("_", "-"), "state": state, "percent": percent, "pack": {"href": stamp["pack"], "size": human_size(
                    (cfg.output_dir / stamp["pack"]).stat().st_size, source)} if pack else None})
        html = render_template(
            env, "site/language.html", **{UI_VARIABLE: ui}, lang_tag=lang.replace("_", "-"),
            direction=info["direction"], colours=colours, script=Markup(COPY_SCRIPT),
            script_hash=SCRIPT_HASH, campaigns=page_campaigns, source_tag=source,
            page_title=f"{info['name']} — {ui.get('Campaign materials to download')}")
        path = cfg.output_dir / lang / "index.html"
        write_text_if_changed(path, html)
        written.append(path)
    index = render_template(
        env, "site/index.html", **{UI_VARIABLE: identity(source, "ui")},
        lang_tag=source.replace("_", "-"), direction="ltr",
        colours=colours, script=Markup(COPY_SCRIPT), script_hash=SCRIPT_HASH,
        campaigns=[{"name": c.name, "title": c.title, "summary": c.summary,
                    "languages": index_rows[c.name]} for c in campaigns])
    path = cfg.output_dir / "index.html"
    write_text_if_changed(path, index)
    written.append(path)
    return written

