"""The leaflet's geometry and the line breaks handbill chooses itself.

WeasyPrint has no `text-wrap: balance`, so the headline, the subheads and the slogans of a
callout get their line breaks here: each text is measured with the very fonts the PDF embeds
(HarfBuzz through Pillow's raqm, like Pango in WeasyPrint, with the fallback per character the
cards use), the breaks are chosen by typography.balance, and `<br class="bal">` is put at them.
The stylesheet hides those breaks on screen, where the width is the reader's window.

The sizes below are the stylesheet's (leaflet.css reads them from here), so what is measured is
what is printed. Every printed word stays inside a 5 mm safe margin: office printers leave
4-5 mm unprinted, and a print shop trims within ~2 mm of the trim line.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from dataclasses import dataclass

from markupsafe import Markup, escape

from pipeline.render import typography
from pipeline.render.fonts import FontStack

MM = 72 / 25.4  # points per millimetre
SAFE_MM = 5.0
_BREAK = "\ue000"  # a private-use mark for a chosen break while the HTML is rewritten


@dataclass(frozen=True)
class Paper:
    """A paper size and its page box: margins in mm, base font size in pt."""

    name: str
    size: str  # CSS `size`
    width_mm: float
    height_mm: float
    top: float
    side: float
    bottom: float
    font_pt: float

    @property
    def margin(self) -> str:
        return f"{self.top}mm {self.side}mm {self.bottom}mm {self.side}mm"

    @property
    def font(self) -> str:
        return f"{self.font_pt}pt"

    @property
    def content_mm(self) -> float:
        return self.width_mm - 2 * self.side


PAPERS = {
    "A5": Paper("A5", "A5", 148, 210, 14, 11, 12, 9.0),
    "A4": Paper("A4", "A4", 210, 297, 20, 18, 20, 11),
    "Letter": Paper("Letter", "letter", 215.9, 279.4, 20, 18, 20, 11),
}

# The stylesheet's sizes (rem of the paper's font) and boxes (mm), shared with leaflet.css.
SIZES = {"title": 2.55, "h2": 1.85, "h3": 1.35, "slogan": 1.25, "slogan_last": 1.7,
         "banner_pt": 7.2, "banner_min_pt": 5.6}
BOXES = {"masthead_pad": 6.5, "callout_pad": 5.0, "callout_bar": 2.5, "banner_pad": 3.0,
         "banner_bar": 2.5, "logo": 12.0}


class Measure:
    """Widths of text in points, shaped with a language's font stack (bold or regular)."""

    def __init__(self, stack: FontStack, lang: str, direction: str, bold: bool = True):
        from pipeline.render.cards import Shaper  # Pillow is imported only when measuring

        self.shaper = Shaper(stack, lang, direction, bold=bold)

    def __call__(self, text: str, size_pt: float, tracking_em: float = 0.0) -> float:
        # Shaped at 200 px: widths scale linearly, and Pillow takes whole pixel sizes.
        width = self.shaper.line_width(text, 200) * size_pt / 200
        return width + tracking_em * size_pt * len(text)


@functools.lru_cache(maxsize=16)
def measure_for(stack: FontStack, lang: str, direction: str, bold: bool = True) -> Measure:
    """One Measure per (fonts, language, weight) and process."""
    return Measure(stack, lang, direction, bold)


def balanced(markup: str, rules: typography.Rules, measure: Measure, size_pt: float,
             max_width_pt: float, tracking_em: float = 0.0) -> Markup:
    """Inline HTML with `<br class="bal">` at the balanced breaks (typography.balance), then
    the typographic rules applied. Unchanged but for the rules when it fits on one line."""
    text = typography.plain_text(markup)
    words = typography.words_of(text, rules)
    joiner = "" if rules.by_character else " "
    lines = typography.balance(words, lambda s: measure(s, size_pt, tracking_em),
                               max_width_pt * 0.985, joiner)
    if not lines or len(lines) < 2 or rules.by_character:
        return typography.html(markup, rules, last_words=False)
    # A chosen break is the n-th run of breakable spaces of the plain text (unbreakable()
    # keeps every character in its place, so its runs are a subset at the same offsets).
    space = f"{typography.BREAKING_SPACE}+"
    runs = [m.start() for m in re.finditer(space, text)]
    kept = [m.start() for m in re.finditer(space, typography.unbreakable(text, rules, False))]
    ends, words_so_far = set(), 0
    for line in lines[:-1]:
        words_so_far += len(line.split(joiner))
        ends.add(runs.index(kept[words_so_far - 1]) + 1)
    marked = _mark_spaces(str(markup), ends)
    out = typography.html(marked, rules, last_words=False)
    return Markup(str(out).replace(_BREAK, '<br class="bal">'))


def _mark_spaces(markup: str, ends: set[int]) -> str:
    """Put _BREAK after the n-th runs of breakable spaces (n in `ends`) of the text pieces,
    counting as the plain text does (tags do not count)."""
    pieces = typography._TAG.split(markup)
    tags = typography._TAG.findall(markup)
    count, out = 0, []
    pattern = re.compile(f"{typography.BREAKING_SPACE}+")

    def mark(match: re.Match) -> str:
        nonlocal count
        count += 1
        return match.group() + (_BREAK if count in ends else "")

    for i, piece in enumerate(pieces):
        out.append(pattern.sub(mark, piece))
        if i < len(tags):
            out.append(tags[i])
    return "".join(out)


def fit_one_line(parts: list[str], measure: Measure, max_width_pt: float, size_pt: float,
                 min_pt: float, gap_em: float = 1.0) -> tuple[float, list[str]]:
    """The largest size (down to min_pt) at which the parts fit on one line side by side;
    parts after the first are dropped, last first, when even min_pt is too wide."""
    parts = [p for p in parts if p]
    while parts:
        size = size_pt
        while size >= min_pt - 1e-6:
            width = sum(measure(p, size) for p in parts) + gap_em * size * (len(parts) - 1)
            if width <= max_width_pt:
                return round(size, 2), parts
            size -= 0.2
        if len(parts) == 1:
            return round(min_pt, 2), parts
        parts = parts[:-1]
    return size_pt, []


# Room for WeasyPrint's crop marks beyond the bleed (it draws them in its CSS bleed area, from
# the media edge, half that area long): 6 mm gives 3 mm marks that start 3 mm off the bleed.
MARKS_MM = 6.0


def arrange(context: dict, rules: typography.Rules, source_rules: typography.Rules) -> dict:
    """What leaflet.html needs beyond the stage's context: balanced headline, subheads and
    slogans, the draft banner's size, and the geometry (paper, sizes, print-shop bleed)."""
    paper: Paper = context["paper"]
    stack: FontStack = context["fonts"]
    direction = context.get("dir", "ltr")
    bold = measure_for(stack, context["lang"], direction, True)
    latin = context.get("latin", False)
    content = paper.content_mm * MM
    logo = context.get("logo")
    title_width = content - 2 * BOXES["masthead_pad"] * MM
    title_rules = source_rules if context.get("title_attrs") else rules
    tracking = -0.01 if latin else 0.0
    title_scale = _title_scale(context["title"], title_rules, bold,
                               SIZES["title"] * paper.font_pt, title_width, tracking)
    title = balanced(context["title"], title_rules, bold,
                     SIZES["title"] * title_scale * paper.font_pt, title_width, tracking)
    sections = [_arrange_section(s, rules, bold, paper, content, latin)
                for s in context.get("sections", [])]
    banner_pt, banner, banner_wrap = SIZES["banner_pt"], [], False
    labels = context.get("labels") or ()
    if labels:
        # Each label once, in the reader's language; the source-language echoes after them,
        # dropped (last first) when the line would need a size below banner_min_pt.
        parts = [label.text for label in labels] + [label.source for label in labels
                                                    if label.source]
        width = content - (2 * BOXES["banner_pad"] + BOXES["banner_bar"]) * MM
        banner_pt, kept = fit_one_line(parts, bold, width, SIZES["banner_pt"],
                                       SIZES["banner_min_pt"])
        shown = kept[len(labels):]
        # Labels that do not fit on one line even alone wrap rather than run off the page.
        banner_wrap = len(kept) < len(labels)
        banner = [dataclasses.replace(label, source=label.source if label.source in shown
                                      else None) for label in labels]
    bleed = float(context.get("bleed_mm") or 0)
    marks = bool(context.get("crop_marks"))
    organisation = typography.html(escape(context.get("organisation", "")), rules, False)
    return {"title": title, "title_rem": round(SIZES["title"] * title_scale, 3),
            "sections": sections, "organisation": organisation, "paper": paper, "sizes": SIZES,
            "boxes": BOXES, "banner_pt": banner_pt, "banner": banner,
            "banner_wrap": banner_wrap,
            "bleed_mm": bleed, "crop_marks": marks,
            "media_bleed_mm": bleed + (MARKS_MM if marks else 0), "logo": logo,
            "photo": context.get("photo")}


# A short headline grows until its widest line fills this share of the masthead (at most
# TITLE_GROW times the base size, and never into more lines): "Julian Assange / must be free!"
# left the masthead's right half empty.
TITLE_FILL, TITLE_GROW = 0.9, 1.5


def _title_scale(markup, rules, measure: Measure, size_pt: float, width: float,
                 tracking: float) -> float:
    """How much larger than `size_pt` the headline may be set (1.0: as it is)."""
    if rules.by_character:
        return 1.0
    words = typography.words_of(typography.plain_text(markup), rules)

    def lines_at(size: float):
        return typography.balance(words, lambda s: measure(s, size, tracking),
                                  width * 0.985, " ")

    base = lines_at(size_pt)
    if not base:
        return 1.0
    widest = max(measure(line, size_pt, tracking) for line in base)
    scale = min(TITLE_GROW, TITLE_FILL * width / widest) if widest else 1.0
    while scale > 1.0:
        grown = lines_at(size_pt * scale)
        if grown and len(grown) == len(base):
            return round(scale, 3)
        scale -= 0.05
    return 1.0


def _arrange_section(section: dict, rules, bold: Measure, paper: Paper, content: float,
                     latin: bool) -> dict:
    """A top-level section with its line breaks chosen: subheads (h2, h3) and a callout's
    slogans; nested blocks keep the browser's breaks."""
    kind = section.get("kind")
    if kind == "heading" and section["level"] <= 2:
        size = SIZES["h2" if section["level"] == 1 else "h3"] * paper.font_pt
        upper = section["level"] == 2 and latin
        return dict(section, html=_balance_typeset(section["html"], rules, bold, size, content,
                                                   upper, 0.04 if upper else 0.0))
    if kind == "quote" and section.get("slogans"):
        width = content - (2 * BOXES["callout_pad"] + BOXES["callout_bar"]) * MM
        children = section["children"]
        out = []
        for i, child in enumerate(children):
            key = "slogan_last" if i == len(children) - 1 else "slogan"
            out.append(dict(child, html=_balance_typeset(
                child["html"], rules, bold, SIZES[key] * paper.font_pt, width)))
        return dict(section, children=out)
    return section


def _balance_typeset(html, rules, bold: Measure, size: float, width: float,
                     upper: bool = False, tracking: float = 0.0) -> Markup:
    raw = getattr(html, "raw", None)
    if raw is None:  # not typeset by leaflet.sections (a template token's text): as it is
        return html
    if upper:  # measured as printed (text-transform: uppercase)
        return balanced(raw, rules, _Upper(bold), size, width, tracking)
    return balanced(raw, rules, bold, size, width, tracking)


class _Upper:
    def __init__(self, measure: Measure):
        self.measure = measure

    def __call__(self, text: str, size_pt: float, tracking_em: float = 0.0) -> float:
        return self.measure(text.upper(), size_pt, tracking_em)
