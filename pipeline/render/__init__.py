"""Render stage: campaign + catalogs -> output/<lang>/<campaign>/ (leaflet, posts, cards).

`render_language` is a function of (config, campaign, language, options) that returns the files
it wrote and the language's state, so a build can run it per language in a worker process.
Everything for a language is produced in memory first; if any part fails (a missing glyph, a
broken template) nothing of that language is written.

Outputs per language: leaflet.html, leaflet.pdf, posts.txt, posts.json, posts.csv,
cards/<card>-<size>.png, and render.json (state, reason, files, posts over their limit) for
the packs stage.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path

from babel import Locale
from babel.numbers import format_decimal
from markupsafe import Markup

from pipeline.config import PAPERS, Config, prepare_output
from pipeline.errors import HandbillError, RenderError
from pipeline.files import write_if_changed
from pipeline.model import Campaign
from pipeline.names import locale_of, validate_language
from pipeline.render import cards as cards_mod
from pipeline.render import leaflet as leaflet_mod
from pipeline.render import posts as posts_mod
from pipeline.render import translations as trmod
from pipeline.render import typography
from pipeline.render.fonts import font_file, font_stack
from pipeline.placeholders import Values, values_for
from pipeline.render.markdown import PlaceholderError, fill, plain, render_text
from pipeline.render.templating import UI_VARIABLE, environment_for, render_template
from pipeline.render.translations import FAILED, SKIPPED, Decision

log = logging.getLogger(__name__)

OUTPUTS = ("leaflet", "posts", "cards")
# The draft label; the same literal is in templates/leaflet.html so Babel extracts it.
DRAFT_LABEL = "Draft — machine translation, not yet reviewed"
_LINE_HEIGHTS = {"Arab": (1.7, 1.45), "Deva": (1.6, 1.35), "Beng": (1.6, 1.35),
                 "Hans": (1.65, 1.25), "Hant": (1.65, 1.25), "Jpan": (1.65, 1.25),
                 "Kore": (1.65, 1.25)}


def warm_up() -> None:
    """Import and prepare what rendering any language needs, once, in a process that is about
    to fork render workers: they inherit it instead of each spending ~0.5 s on it again."""
    import weasyprint  # noqa: F401
    from pipeline import packs, sources, textlength  # noqa: F401
    from pipeline.checks import check_entry  # noqa: F401

    textlength.x_length("warm #up https://example.org")  # compiles twitter_text's tables


@dataclass(frozen=True)
class RenderOptions:
    paper: str | None = None  # None: the leaflet's front matter, then [render] paper
    drafts: str | None = None  # None: [render] drafts
    allow_incomplete: bool | None = None  # None: [render] allow_incomplete
    outputs: tuple[str, ...] = OUTPUTS


@dataclass
class LanguageResult:
    campaign: str
    lang: str
    state: str  # final | draft | skipped | failed
    why: str
    written: list[Path] = field(default_factory=list)  # files whose content changed
    files: list[Path] = field(default_factory=list)  # every file of this language
    warnings: list[str] = field(default_factory=list)  # e.g. posts over their limit
    error: HandbillError | None = None
    title: str = ""  # the campaign title in this language (for packs)
    readme: str = ""  # README.txt for the language's pack, in the language

    @property
    def reasons(self) -> list[str]:
        return [self.why, *self.warnings]


@dataclass
class RenderReport:
    results: list[LanguageResult] = field(default_factory=list)

    @property
    def failures(self) -> list[LanguageResult]:
        return [r for r in self.results if r.state == FAILED]


def languages_for(cfg: Config, campaign: Campaign, requested: list[str] | None) -> list[str]:
    """The source language first, then the project's languages the campaign serves."""
    wanted = [campaign.source_language] + list(cfg.languages)
    if requested:
        wanted = [validate_language(code) for code in requested]
    out = []
    for code in wanted:
        if code == campaign.source_language or campaign.languages is None \
                or code in campaign.languages:
            if code not in out:
                out.append(code)
    return out


def check_languages(cfg: Config, campaigns: list[Campaign], requested: list[str]) -> None:
    """A requested language must be a project language or a campaign's source language."""
    known = set(cfg.languages) | {c.source_language for c in campaigns} | {cfg.source_language}
    for code in requested:
        code = validate_language(code)
        if code not in known:
            raise HandbillError(f"language {code} is not in handbill.toml; add it to "
                                f"[project] languages or run `handbill init {code}`")


def render(cfg: Config, campaigns: list[Campaign], languages: list[str] | None = None,
           options: RenderOptions = RenderOptions()) -> RenderReport:
    """Render every campaign in every language; a failing language does not stop the others."""
    if languages:
        check_languages(cfg, campaigns, languages)
    prepare_output(cfg)
    report = RenderReport()
    for campaign in campaigns:
        for lang in languages_for(cfg, campaign, languages):
            report.results.append(render_language(cfg, campaign, lang, options))
    return report


def render_language(cfg: Config, campaign: Campaign, lang: str,
                    options: RenderOptions | None = None, **settings) -> LanguageResult:
    """Render one campaign in one language into cfg.output_dir/<lang>/<campaign>/.

    `settings` are RenderOptions fields (paper=, drafts=, allow_incomplete=, outputs=), for
    callers that pass plain keyword arguments (a build's worker processes).
    """
    options = options or RenderOptions(**settings)
    out_dir = cfg.output_dir / lang / campaign.name
    try:
        decision, texts, ui = _translations(cfg, campaign, lang, options)
        if decision.state == SKIPPED:
            result = LanguageResult(campaign.name, lang, SKIPPED, decision.why)
            if set(options.outputs) == set(OUTPUTS):
                _write(out_dir, {"render.json": _state_json(campaign, lang, result, None, [])},
                       result)
            return result
        files, warnings, paper, readme = _produce(cfg, campaign, lang, options, decision,
                                                  texts, ui)
    except HandbillError as exc:
        log.debug("render %s/%s failed", lang, campaign.name, exc_info=True)
        return LanguageResult(campaign.name, lang, FAILED, str(exc), error=exc)
    result = LanguageResult(campaign.name, lang, decision.state, decision.why,
                            warnings=warnings, title=texts.get(campaign.title, "campaign:title"),
                            readme=readme)
    if set(options.outputs) == set(OUTPUTS):
        files["render.json"] = _state_json(campaign, lang, result, paper, sorted(files),
                                           trmod.page_texts(campaign, texts))
    _write(out_dir, files, result)
    return result


def _write(out_dir: Path, files: dict[str, bytes], result: LanguageResult) -> None:
    for name in sorted(files):
        path = out_dir / name
        result.files.append(path)
        if write_if_changed(path, files[name]):
            result.written.append(path)


def _state_json(campaign: Campaign, lang: str, result: LanguageResult, paper: str | None,
                names: list[str], page: dict | None = None) -> bytes:
    data = {"campaign": campaign.name, "language": lang, "status": result.state,
            "reason": result.why, "paper": paper, "files": names,
            "warnings": result.warnings, "title": result.title, "readme": result.readme}
    if page is not None:
        data["page"] = page
    return (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def _translations(cfg: Config, campaign: Campaign, lang: str, options: RenderOptions):
    """(decision, campaign texts, ui texts) for a language, by the project's policy."""
    drafts = options.drafts or cfg.render.drafts
    allow = (cfg.render.allow_incomplete if options.allow_incomplete is None
             else options.allow_incomplete)
    if lang == campaign.source_language:
        ui = trmod.load_ui(cfg, lang)
        ui.use_fuzzy = True
        return (Decision(trmod.FINAL, False, False, "source language"),
                trmod.identity(lang, campaign.name), ui)
    texts = trmod.load(cfg, lang, campaign.name, campaign.messages, campaign)
    ui = trmod.load_ui(cfg, lang)
    # Only the campaign's own messages decide final / draft / skipped. The templates' strings
    # ("Date", "Share") are handbill's chrome: one missing in a new project's ui.po falls back
    # to English with a note, instead of keeping a fully translated leaflet from being printed.
    counts = trmod.Counts()
    counts.add(texts.counts)
    reasons = list(texts.reasons)
    untranslated_ui = ui.counts.missing + ui.counts.rejected
    if untranslated_ui:
        reasons.append(f"{untranslated_ui} interface strings are shown in English; translate "
                       f"locales/{lang}/LC_MESSAGES/ui.po")
    decision = decide_with_reasons(counts, drafts, allow, reasons)
    texts.use_fuzzy = ui.use_fuzzy = decision.use_fuzzy
    return decision, texts, ui


def decide_with_reasons(counts, drafts: str, allow: bool, reasons: list[str]) -> Decision:
    decision = trmod.decide(counts, drafts, allow)
    if reasons:
        extra = "; ".join(reasons[:3]) + (f"; and {len(reasons) - 3} more" if len(reasons) > 3
                                           else "")
        decision = dataclasses.replace(decision, why=f"{decision.why} ({extra})")
    return decision


def paper_for(cfg: Config, campaign: Campaign, options: RenderOptions) -> str:
    """--paper, else the leaflet's front matter `paper:`, else [render] paper."""
    if options.paper:
        if options.paper not in PAPERS:
            raise HandbillError(f"paper must be one of {', '.join(PAPERS)}")
        return options.paper
    from pipeline.sources import LEAFLET_FILE, read_leaflet

    path = campaign.root / LEAFLET_FILE
    if path.is_file():
        _, front = read_leaflet(path, f"{campaign.relroot}/{LEAFLET_FILE}",
                                campaign.root.parent.parent)
        if front:
            return front
    return cfg.render.paper


def _values(campaign: Campaign, lang: str, tr, url: str) -> Values:
    """The {placeholder} values, formatted for the locale by Babel; `.source`: the same in the
    source language, for texts shown untranslated (pipeline.placeholders)."""
    title, place = tr(campaign.title, "campaign:title"), None
    if campaign.event and campaign.event.place:
        place = tr(campaign.event.place, "campaign:place")
    values = Values(values_for(campaign, lang, title, place, url))
    values.source = Values(values_for(campaign, campaign.source_language,
                                      url=campaign.localised_link(lang, campaign.url)))
    return values


def _tint(colour: str, amount: float = 0.08) -> str:
    rgb = [int(colour[i:i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(255 - (255 - c) * amount):02x}" for c in rgb)


def _produce(cfg: Config, campaign: Campaign, lang: str, options: RenderOptions,
             decision: Decision, texts: trmod.Translations, ui: trmod.Translations):
    """Every output of one language, in memory: ({relative name: bytes}, warnings, paper)."""
    locale = locale_of(lang)
    source_locale = locale_of(campaign.source_language)
    stack = font_stack(lang)
    for family in stack.body + stack.heading:
        font_file(family)
    links = dict(campaign.override(lang).links)
    url = links.get(campaign.url, campaign.url)
    tr = texts.get
    values = _values(campaign, lang, tr, url)
    env = environment_for(campaign.root)
    source_ui = trmod.load_ui(cfg, campaign.source_language)
    source_ui.use_fuzzy = True
    draft_local = ui.get(DRAFT_LABEL) if decision.label_draft else None
    draft_source = source_ui.get(DRAFT_LABEL) if decision.label_draft else None
    if draft_source == draft_local:
        draft_source = None
    fallback_language = (locale_of(campaign.source_language).get_display_name(locale)
                         if decision.incomplete else None)
    files: dict[str, bytes] = {}
    warnings: list[str] = []
    paper = paper_for(cfg, campaign, options)
    common = {
        "lang": lang, "lang_tag": lang.split("@")[0].replace("_", "-"),
        "dir": locale.text_direction, "draft": decision.label_draft,
        "draft_source_label": draft_source,
        "source_tag": campaign.source_language.replace("_", "-"),
        "source_dir": source_locale.text_direction,
        "title": tr(campaign.title, "campaign:title"),
        "title_text": tr(campaign.title, "campaign:title"),
        "language_name": (locale.get_display_name(locale) or lang),
        "state": decision.state, "fallback_language": fallback_language, UI_VARIABLE: ui,
        "bleed_mm": cfg.render.bleed_mm, "crop_marks": cfg.render.crop_marks,
    }
    try:
        if "leaflet" in options.outputs:
            html, leaflet_texts = _leaflet_html(env, campaign, lang, tr, values, url, paper,
                                                stack, decision, common, source_locale, locale)
            files["leaflet.html"] = html.encode("utf-8")
            files["leaflet.pdf"] = leaflet_mod.write_pdf(html, lang, leaflet_texts,
                                                         campaign_root=campaign.root)
        if "posts" in options.outputs:
            composed = posts_mod.compose(campaign, lang, tr, values, texts.fallbacks)
            for p in composed:
                if p.over_limit:
                    warnings.append(f"post {p.post!r} is {p.length} characters on "
                                    f"{p.platform_name}, over its limit of {p.limit}")
            number = lambda n: format_decimal(n, locale=locale)  # noqa: E731
            files["posts.txt"] = render_template(
                env, "posts.txt", posts=composed, number=number, **common).encode("utf-8")
            files["posts.json"] = posts_mod.posts_json(campaign, lang, decision.state,
                                                       composed).encode("utf-8")
            files["posts.csv"] = posts_mod.posts_csv(campaign, lang, decision.state,
                                                     composed).encode("utf-8")
        if "cards" in options.outputs and campaign.cards:
            files.update(_cards(campaign, lang, tr, values, url, stack, locale, draft_local,
                                draft_source))
        readme = render_template(env, "readme.txt", files=sorted(files), **common)
    except PlaceholderError as exc:
        raise RenderError(f"{lang}: {exc}; campaign.yml has no value for it (an `event`?)",
                          f"{campaign.relroot}") from None
    return files, warnings, paper, readme


def _leaflet_html(env, campaign, lang, tr, values, url, paper, stack, decision, common,
                  source_locale, locale) -> tuple[str, leaflet_mod.LeafletText]:
    texts: list[str] = []
    fallbacks = tr.__self__.fallbacks
    source_attrs = Markup(' lang="{}" dir="{}"').format(common["source_tag"],
                                                       common["source_dir"])

    def attrs(msgid: str, context: str | None = None) -> Markup:
        return source_attrs if (context, msgid) in fallbacks else Markup("")

    blocks = campaign.blocks
    md_env = leaflet_mod.document_env(campaign, lang, tr)
    if blocks and blocks[0].kind == "heading" and blocks[0].level == 1:
        title_attrs = attrs(blocks[0].text)
        title_html = render_text(tr(blocks[0].text), values.for_text(bool(title_attrs)), md_env)
        texts.append(tr(blocks[0].text))
        blocks = blocks[1:]
    else:
        title_attrs = attrs(campaign.title, "campaign:title")
        title_html = render_text(tr(campaign.title, "campaign:title"),
                                 values.for_text(bool(title_attrs)), md_env)
    sections = leaflet_mod.sections(blocks, tr, values, texts, attrs, md_env)
    event = None
    if campaign.event:
        event = {"date": values.get("date"), "time": values.get("time"),
                 "place": values.get("place")}
        texts.extend(v for v in event.values() if v)
    hashtags = list(campaign.localised_hashtags(lang))
    body_lh, heading_lh = _LINE_HEIGHTS.get(stack.script, (1.45, 1.08))
    context = dict(
        common, title=title_html, title_attrs=title_attrs, paper=leaflet_mod.PAPER[paper], paper_name=paper,
        fonts=stack, colours=campaign.colours, tint=_tint(campaign.colours.background),
        organisation=campaign.organisation, event=event, sections=sections,
        qr=leaflet_mod.qr_svg(url, "#1d1d1b"), url=url,
        url_display=url.split("://", 1)[-1].rstrip("/"), hashtags=hashtags,
        start="right" if locale.text_direction == "rtl" else "left",
        end="left" if locale.text_direction == "rtl" else "right",
        latin=stack.script in ("Latn", "Cyrl", "Grek"),
        line_height=body_lh, heading_line_height=heading_lh,
    )
    texts += [campaign.organisation, url, *hashtags]
    html = leaflet_mod.leaflet_html(env, campaign, context)
    return html, leaflet_mod.LeafletText(texts)


def _cards(campaign, lang, tr, values, url, stack, locale, draft_local, draft_source
           ) -> dict[str, bytes]:
    shaper = cards_mod.Shaper(stack, lang, locale.text_direction)
    hashtags = campaign.localised_hashtags(lang)
    draft_lines = tuple(x for x in (draft_local, draft_source) if x)
    rules = leaflet_mod.rules_for(campaign, lang)
    out = {}
    for card in campaign.cards:
        key = (f"card:{card.id}", card.text)
        text = tr(card.text, f"card:{card.id}")
        slogan = plain(fill(text, values.for_text(key in tr.__self__.fallbacks))).strip()
        slogan = typography.unbreakable(typography.smarten(slogan, rules), rules, False)
        texts = cards_mod.CardText(slogan, typography.smarten(campaign.organisation, rules),
                                   hashtags[0] if hashtags else None,
                                   url.split("://", 1)[-1].rstrip("/"), draft_lines, card.id)
        cards_mod.check_glyphs(shaper, lang, card.id, texts)
        for size_name, size in cards_mod.SIZES.items():
            out[f"cards/{card.id}-{size_name}.png"] = cards_mod.draw_card(
                shaper, texts, size, campaign.colours)
    return out


def language_label(lang: str) -> str:
    """'es (español)' for the report."""
    try:
        return f"{lang} ({Locale.parse(lang.split('@')[0]).get_display_name(lang.split('@')[0])})"
    except Exception:  # noqa: BLE001 - a label is cosmetic
        return lang
