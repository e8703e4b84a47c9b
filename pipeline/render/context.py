"""What rendering one unit needs, worked out once: a typed per-language context.

Fonts, locale, the {placeholder} values, the draft labels, the campaign's link and hashtags
after the language's overrides (and the link's short form), the paper, and the variables every
template shares. The leaflet, the posts and the cards all read this one object, so none of them
works any of it out again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from babel import Locale
from jinja2 import Environment

from pipeline.config import PAPERS, Config
from pipeline.errors import HandbillError
from pipeline.model import Campaign
from pipeline.names import locale_of
from pipeline.placeholders import Values, values_for
from pipeline.plan import RenderOptions, Unit
from pipeline.render import translations as trmod
from pipeline.render.fonts import FontStack, families_for, font_file, font_stack
from pipeline.render.labels import MACHINE, MACHINE_LABEL, Label, label_lines, make_labels
from pipeline.render.templating import UI_VARIABLE, environment_for
from pipeline.render.translations import Decision, Translations

# The machine-draft label (pipeline/render/labels.py; Babel extracts it from labels.txt).
DRAFT_LABEL = MACHINE_LABEL


@dataclass(frozen=True)
class LanguageContext:
    """One unit's rendering context (see the module's docstring)."""

    campaign: Campaign
    unit: Unit
    decision: Decision
    texts: Translations  # the campaign's messages in the language
    ui: Translations  # the templates' strings in the language
    locale: Locale
    source_locale: Locale
    stack: FontStack
    url: str  # the campaign's link, after the language's override
    url_display: str  # the same without scheme and trailing slash, as printed
    hashtags: tuple[str, ...]  # the campaign's hashtags as the language uses them (overrides)
    values: Values  # {placeholder} values, formatted for the locale (`.source`: untranslated)
    paper: str
    labels: tuple[Label, ...]  # what the outputs say of the text's state (labels.py)
    env: Environment
    common: Mapping[str, object]  # the variables every template gets

    @property
    def lang(self) -> str:
        return self.unit.lang

    @property
    def organisation(self) -> str:
        """The organisation's name as the language writes it (Campaign.organisation_in)."""
        return self.campaign.organisation_in(self.unit.lang)

    def tr(self, msgid: str, context: str | None = None) -> str:
        """The text to print for a campaign message (the source text when untranslated)."""
        return self.texts.get(msgid, context)


def brand_stack(campaign: Campaign, lang: str) -> FontStack:
    """The language's Noto stack, with campaign.yml's `font:` first where it covers the
    language (fontconfig's language coverage); elsewhere the Noto stack alone."""
    stack = font_stack(lang)
    family = campaign.brand.font
    if not family or family not in families_for(lang):
        return stack
    return FontStack(stack.script, (family, *stack.body), (family, *stack.heading))


def paper_for(cfg: Config, campaign: Campaign, options: RenderOptions) -> str:
    """--paper, else the leaflet's front matter `paper:` (Campaign.paper), else [render] paper."""
    if options.paper:
        if options.paper not in PAPERS:
            raise HandbillError(f"paper must be one of {', '.join(PAPERS)}")
        return options.paper
    return campaign.paper or cfg.render.paper


def placeholder_values(campaign: Campaign, lang: str, tr, url: str) -> Values:
    """The {placeholder} values, formatted for the locale by Babel; `.source`: the same in the
    source language, for texts shown untranslated (pipeline.placeholders)."""
    title, place = tr(campaign.title, "campaign:title"), None
    if campaign.event and campaign.event.place:
        place = tr(campaign.event.place, "campaign:place")
    values = Values(values_for(campaign, lang, title, place, url))
    values.source = Values(values_for(campaign, campaign.source_language,
                                      url=campaign.localised_link(lang, campaign.url)))
    return values


def build_context(cfg: Config, campaign: Campaign, unit: Unit, options: RenderOptions,
                  decision: Decision, texts: Translations, ui: Translations
                  ) -> LanguageContext:
    """The context of one unit, built once (fonts are looked up here: a missing one fails)."""
    lang = unit.lang
    locale, source_locale = locale_of(lang), locale_of(campaign.source_language)
    stack = brand_stack(campaign, lang)
    for family in stack.body + stack.heading:
        font_file(family)
    url = campaign.localised_link(lang, campaign.url)
    labels: tuple[Label, ...] = ()
    source_tag = campaign.source_language.replace("_", "-")
    if decision.kinds:
        source_ui = trmod.load_ui(cfg, campaign.source_language)
        source_ui.use_fuzzy = True
        labels = make_labels(decision.kinds, ui, source_ui, locale, source_locale, source_tag)
    machine = next((label for label in labels if label.kind == MACHINE), None)
    title = texts.get(campaign.title, "campaign:title")
    common = {
        "lang": lang, "lang_tag": lang.split("@")[0].replace("_", "-"),
        "dir": locale.text_direction, "draft": decision.label_draft, "labels": labels,
        "label_lines": label_lines(labels),
        # For campaigns' own templates written before `labels`: the machine label's echo.
        "draft_source_label": machine.source if machine else None,
        "source_tag": source_tag,
        "source_dir": source_locale.text_direction, "title": title, "title_text": title,
        "language_name": (locale.get_display_name(locale) or lang), "state": decision.state,
        "fallback_language": (source_locale.get_display_name(locale)
                              if decision.incomplete else None),
        UI_VARIABLE: ui, "bleed_mm": cfg.render.bleed_mm, "crop_marks": cfg.render.crop_marks,
    }
    return LanguageContext(
        campaign=campaign, unit=unit, decision=decision, texts=texts, ui=ui, locale=locale,
        source_locale=source_locale, stack=stack, url=url,
        url_display=url.split("://", 1)[-1].rstrip("/"),
        hashtags=campaign.localised_hashtags(lang),
        values=placeholder_values(campaign, lang, texts.get, url),
        paper=paper_for(cfg, campaign, options), labels=labels,
        env=environment_for(campaign.root), common=common)
