"""Render stage: a plan's units -> output/<lang>/<campaign>/ (leaflet, posts, cards, record).

`render_unit` is a function of (config, campaign, unit, options) that returns the files it
wrote and the unit's state, so a build can run it per unit in a worker process. Everything for
a unit is produced in memory first; if any part fails (a missing glyph, a broken template)
nothing of it is written.

Outputs per unit: leaflet.html, leaflet.pdf, posts.txt, posts.json, posts.csv,
cards/<card>-<size>.png, and render.json (records.RenderRecord: state, reason, files, posts
over their limit, the page's texts and the catalog's counts) for the packs and the page.
"""

from __future__ import annotations

import base64
import dataclasses
import logging
import threading
from dataclasses import dataclass, field
from pathlib import Path

from babel.numbers import format_decimal
from markupsafe import Markup

from pipeline.config import Config, prepare_output
from pipeline.errors import HandbillError, RenderError
from pipeline.files import check_output_folder, write_if_changed
from pipeline.model import Campaign
from pipeline.plan import OUTPUTS, RenderOptions, Unit, make_unit
from pipeline.records import RenderRecord
from pipeline.render import cards as cards_mod
from pipeline.render import labels as labels_mod
from pipeline.render import layout
from pipeline.render import leaflet as leaflet_mod
from pipeline.render import posts as posts_mod
from pipeline.render import translations as trmod
from pipeline.render import typography
from pipeline.render.context import LanguageContext, build_context
from pipeline.render.markdown import PlaceholderError, fill, plain, render_text
from pipeline.render.templating import render_template
from pipeline.render.translations import FAILED, SKIPPED, Decision

log = logging.getLogger(__name__)

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
    title: str = ""  # the campaign's title in the language (also with some outputs only)
    record: RenderRecord | None = None  # what render.json says (None if it was not written)

    @property
    def reasons(self) -> list[str]:
        return [self.why, *self.warnings]


@dataclass
class RenderReport:
    results: list[LanguageResult] = field(default_factory=list)
    output_dir: Path | None = None

    @property
    def failures(self) -> list[LanguageResult]:
        return [r for r in self.results if r.state == FAILED]


def render(cfg: Config, campaigns: tuple[str, ...] = (), langs: tuple[str, ...] = (),
           options: RenderOptions = RenderOptions()) -> RenderReport:
    """`handbill render`: every unit of the plan; a failing unit does not stop the others."""
    from pipeline.project import load_plan

    plan = load_plan(cfg, campaigns, langs, options).plan
    prepare_output(cfg)  # a folder that is not handbill's is refused before anything is written
    report = RenderReport(output_dir=cfg.output_dir)
    for unit in plan.units:
        report.results.append(render_unit(cfg, plan.campaign(unit.campaign), unit, options))
    return report


def render_language(cfg: Config, campaign: Campaign, lang: str,
                    options: RenderOptions | None = None) -> LanguageResult:
    """Render one campaign in one language (its plan unit) into output/<lang>/<campaign>/."""
    return render_unit(cfg, campaign, make_unit(cfg, campaign, lang), options or RenderOptions())


def render_unit(cfg: Config, campaign: Campaign, unit: Unit,
                options: RenderOptions) -> LanguageResult:
    """Render one unit into unit.out_dir; its record goes to unit.record (all outputs only)."""
    complete = set(options.outputs) == set(OUTPUTS)
    try:
        check_output_folder(cfg.output_dir, unit.out_dir / "cards")  # and every folder above
        decision, texts, ui = _translations(cfg, campaign, unit, options)
        if decision.state == SKIPPED:
            result = LanguageResult(campaign.name, unit.lang, SKIPPED, decision.why)
            if complete:
                # The page still lists a skipped unit, with its title and progress.
                result.record = RenderRecord(campaign.name, unit.lang, SKIPPED, decision.why,
                                             page=trmod.page_texts(campaign, texts),
                                             catalog=texts.catalog)
                _write(unit, {unit.record.name: result.record.to_bytes()}, result)
            return result
        ctx = build_context(cfg, campaign, unit, options, decision, texts, ui)
        files, warnings, readme = _produce(ctx, options.outputs)
    except HandbillError as exc:
        log.debug("render %s/%s failed", unit.lang, campaign.name, exc_info=True)
        return LanguageResult(campaign.name, unit.lang, FAILED, str(exc), error=exc)
    result = LanguageResult(campaign.name, unit.lang, decision.state, decision.why,
                            warnings=warnings, title=ctx.tr(campaign.title, "campaign:title"))
    if complete:
        result.record = RenderRecord(
            campaign.name, unit.lang, decision.state, decision.why, ctx.paper,
            tuple(sorted(files)), tuple(warnings), result.title, readme,
            trmod.page_texts(campaign, texts), texts.catalog)
        files[unit.record.name] = result.record.to_bytes()
    _write(unit, files, result)
    return result


def _write(unit: Unit, files: dict[str, bytes], result: LanguageResult) -> None:
    for name in sorted(files):
        path = unit.out_dir / name
        result.files.append(path)
        if write_if_changed(path, files[name]):
            result.written.append(path)


def _translations(cfg: Config, campaign: Campaign, unit: Unit, options: RenderOptions):
    """(decision, campaign texts, ui texts) for a unit, by the project's policy."""
    drafts = options.drafts or cfg.render.drafts
    allow = (cfg.render.allow_incomplete if options.allow_incomplete is None
             else options.allow_incomplete)
    lang = unit.lang
    if unit.is_source:
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
                       f"{cfg.relpath(unit.ui_po)}")
    decision = decide_with_reasons(counts, drafts, allow, reasons)
    texts.use_fuzzy = ui.use_fuzzy = decision.use_fuzzy
    return decision, texts, ui


def decide_with_reasons(counts, drafts: str, allow: bool, reasons: list[str]) -> Decision:
    """The policy's decision for these counts, its reason followed by the first few notes."""
    decision = trmod.decide(counts, drafts, allow)
    if reasons:
        extra = "; ".join(reasons[:3]) + (f"; and {len(reasons) - 3} more" if len(reasons) > 3
                                           else "")
        decision = dataclasses.replace(decision, why=f"{decision.why} ({extra})")
    return decision


def _tint(colour: str, amount: float = 0.08) -> str:
    rgb = [int(colour[i:i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(255 - (255 - c) * amount):02x}" for c in rgb)


def _produce(ctx: LanguageContext, outputs: tuple[str, ...]
             ) -> tuple[dict[str, bytes], list[str], str]:
    """Every output of one unit, in memory: ({relative name: bytes}, warnings, readme)."""
    campaign, lang = ctx.campaign, ctx.lang
    files: dict[str, bytes] = {}
    warnings: list[str] = []
    preview = None
    try:
        if "leaflet" in outputs:
            html, leaflet_texts = _leaflet_html(ctx)
            files["leaflet.html"] = html.encode("utf-8")
            files["leaflet.pdf"] = leaflet_mod.write_pdf(html, lang, leaflet_texts,
                                                         campaign_root=campaign.root)
            if set(outputs) == set(OUTPUTS):
                # The download page's preview, with the record (a whole unit only); poppler
                # draws it in its own process while the posts and cards are made here.
                preview = _Preview(files["leaflet.pdf"], lang)
        if "posts" in outputs:
            composed = posts_mod.compose(campaign, lang, ctx.tr, ctx.values, ctx.texts.fallbacks)
            warnings += [f"post {p.post!r} is {p.length} characters on {p.platform_name}, over "
                         f"its limit of {p.limit}" for p in composed if p.over_limit]
            number = lambda n: format_decimal(n, locale=ctx.locale)  # noqa: E731
            files["posts.txt"] = render_template(
                ctx.env, "posts.txt", posts=composed, number=number, **ctx.common).encode("utf-8")
            state = ctx.decision.state
            files["posts.json"] = posts_mod.posts_json(campaign, lang, state,
                                                       composed).encode("utf-8")
            files["posts.csv"] = posts_mod.posts_csv(campaign, lang, state,
                                                     composed).encode("utf-8")
        if "cards" in outputs and campaign.cards:
            files.update(_cards(ctx))
        if preview is not None:
            image = preview.result()
            if image is None:
                warnings.append("no leaflet preview for the download page: pdftoppm is not "
                                "installed (Debian: poppler-utils)")
            else:
                files[leaflet_mod.THUMBNAIL] = image
        readme = render_template(ctx.env, "readme.txt", files=sorted(files), **ctx.common)
    except PlaceholderError as exc:
        raise RenderError(f"{lang}: {exc}; campaign.yml has no value for it (an `event`?)",
                          f"{campaign.relroot}") from None
    return files, warnings, readme


class _Preview(threading.Thread):
    """leaflet_mod.thumbnail in a thread: the thread waits on pdftoppm (no GIL held)."""

    def __init__(self, pdf: bytes, lang: str):
        super().__init__(daemon=True)
        self.pdf, self.lang = pdf, lang
        self.image: bytes | None = None
        self.error: HandbillError | None = None
        self.start()

    def run(self) -> None:
        try:
            self.image = leaflet_mod.thumbnail(self.pdf, self.lang)
        except HandbillError as exc:
            self.error = exc

    def result(self) -> bytes | None:
        self.join()
        if self.error is not None:
            raise self.error
        return self.image


def _leaflet_html(ctx: LanguageContext) -> tuple[str, leaflet_mod.LeafletText]:
    campaign, tr, values = ctx.campaign, ctx.tr, ctx.values
    texts: list[str] = []
    fallbacks = ctx.texts.fallbacks
    source_attrs = Markup(' lang="{}" dir="{}"').format(ctx.common["source_tag"],
                                                       ctx.common["source_dir"])

    def attrs(msgid: str, context: str | None = None) -> Markup:
        return source_attrs if (context, msgid) in fallbacks else Markup("")

    blocks = campaign.blocks
    md_env = leaflet_mod.document_env(campaign, ctx.lang, tr)
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
    organisation = ctx.organisation
    logo, photo = _brand_images(ctx, organisation, source_attrs, texts)
    body_lh, heading_lh = _LINE_HEIGHTS.get(ctx.stack.script, (1.45, 1.08))
    rtl = ctx.locale.text_direction == "rtl"
    context = dict(
        ctx.common, title=title_html, title_attrs=title_attrs,
        paper=leaflet_mod.PAPER[ctx.paper], paper_name=ctx.paper, fonts=ctx.stack,
        colours=campaign.colours, tint=_tint(campaign.colours.background),
        organisation=organisation, logo=logo, photo=photo, event=event, sections=sections,
        qr=leaflet_mod.qr_svg(ctx.url, "#1d1d1b"), url=ctx.url, url_display=ctx.url_display,
        hashtags=list(ctx.hashtags), start="right" if rtl else "left",
        end="left" if rtl else "right", latin=ctx.stack.script in ("Latn", "Cyrl", "Grek"),
        line_height=body_lh, heading_line_height=heading_lh,
    )
    texts += [organisation, ctx.url, *ctx.hashtags]
    html = leaflet_mod.leaflet_html(ctx.env, campaign, context)
    return html, leaflet_mod.LeafletText(texts)


def _data_uri(image) -> str:
    return f"data:{image.mime};base64,{base64.b64encode(image.data).decode('ascii')}"


def _brand_images(ctx: LanguageContext, organisation: str, source_attrs: Markup,
                  texts: list[str]) -> tuple[dict | None, dict | None]:
    """The logo and photo for leaflet.html, inline as data: URIs (the page works offline and
    WeasyPrint fetches nothing); the logo's alt text is the organisation's name, the photo's
    the translated description."""
    brand = ctx.campaign.brand
    logo = None
    if brand.logo:
        # Its box from campaign.yml's aspect (an SVG may have only a viewBox): 12 mm tall,
        # 40 mm wide at most; the same box on screen and on paper.
        width = min(40.0, layout.BOXES["logo"] * brand.logo.width / brand.logo.height)
        logo = {"src": _data_uri(brand.logo), "alt": organisation,
                "width_mm": round(width, 2), "height_mm": round(
                    width * brand.logo.height / brand.logo.width, 2)}
    photo = None
    if brand.photo:
        alt = ctx.tr(brand.photo.alt, "campaign:photo-alt")
        shown_source = ("campaign:photo-alt", brand.photo.alt) in ctx.texts.fallbacks
        photo = {"src": _data_uri(brand.photo.image), "alt": alt,
                 "alt_attrs": source_attrs if shown_source else None,
                 "credit": brand.photo.credit}
        texts += [brand.photo.credit] if brand.photo.credit else []
    return logo, photo


def _cards(ctx: LanguageContext) -> dict[str, bytes]:
    campaign = ctx.campaign
    shaper = cards_mod.Shaper(ctx.stack, ctx.lang, ctx.locale.text_direction)
    draft_lines = labels_mod.card_lines(ctx.labels)
    rules = leaflet_mod.rules_for(campaign, ctx.lang)
    out = {}
    for card in campaign.cards:
        shown_untranslated = (f"card:{card.id}", card.text) in ctx.texts.fallbacks
        slogan = plain(fill(ctx.tr(card.text, f"card:{card.id}"),
                            ctx.values.for_text(shown_untranslated))).strip()
        slogan = typography.unbreakable(typography.smarten(slogan, rules), rules, False)
        texts = cards_mod.CardText(slogan, typography.smarten(ctx.organisation, rules),
                                   ctx.hashtags[0] if ctx.hashtags else None,
                                   ctx.url_display, draft_lines, card.id,
                                   campaign.brand.logo)
        cards_mod.check_glyphs(shaper, ctx.lang, card.id, texts)
        for size_name, size in cards_mod.SIZES.items():
            out[f"cards/{card.id}-{size_name}.png"] = cards_mod.draw_card(
                shaper, texts, size, campaign.colours)
    return out
