"""Card slogans -> share images (PNG) per platform size, with shaped text in any script.

Pillow with raqm shapes each run (Arabic joining, Devanagari conjuncts), but it has no font
fallback: a Hindi slogan that keeps the Latin name "Assange" needs two fonts on one line. So a
line is cut into runs by font coverage and direction (a two-level simplification of the Unicode
bidi algorithm: right-to-left text with left-to-right islands, or the reverse), each run is
shaped by raqm in its own direction, and the runs are placed in visual order.
"""

from __future__ import annotations

import functools
import io
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from PIL import Image, ImageColor, ImageDraw, ImageFont

from pipeline.errors import RenderError
from pipeline.render import linebreaks, typography
from pipeline.render.fonts import FontStack, coverage, font_file, missing_glyphs

SIZES: dict[str, tuple[int, int]] = {"square": (1080, 1080), "x": (1200, 675),
                                     "facebook": (1200, 630)}
_LINE_HEIGHT = {"Arab": 1.45, "Deva": 1.4, "Beng": 1.4, "Taml": 1.4, "Thai": 1.45,
                "Hans": 1.2, "Hant": 1.2, "Jpan": 1.2, "Kore": 1.2}
# Spaces that allow a line break (not the no-break spaces of "libre !" or "10 000").
_SPACE = "[^\\S\u00a0\u2007\u202f]+"
# zlib level 1, chosen by measuring the shipped cards (Pillow 13, 1080x1080 and 1200x630):
# Pillow's default (6) costs ~34 ms of CPU a card, level 1 ~20 ms for files ~22% larger (the
# largest card 88 KB instead of 73, far under the 400 KB a platform takes without
# re-compressing); levels 2-3 are no faster, optimize=True (level 9) is 6x slower for 4% less.
# A 256-colour palette would halve the files but is not exact (cards hold 500-1,000 colours
# of anti-aliased text) and quantising costs more than it saves.
PNG_COMPRESS_LEVEL = 1


@dataclass(frozen=True)
class Run:
    text: str
    font: int  # index into the stack
    direction: str  # "ltr" | "rtl"


@functools.lru_cache(maxsize=24)
def _truetype(path: str, index: int, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, size, index=index, layout_engine=ImageFont.Layout.RAQM)


class Shaper:
    """Lays out text in one language with a stack of fonts (first that has the glyph wins)."""

    def __init__(self, stack: FontStack, lang: str, direction: str, bold: bool = True):
        self.families = stack.heading
        self.files = [font_file(name, bold) for name in self.families]
        self.covered = [coverage(*f) for f in self.files]
        self.lang = lang.replace("_", "-")
        self.base = direction
        self.bold = bold
        self.line_factor = _LINE_HEIGHT.get(stack.script, 1.1)
        self._widths: dict[tuple[str, int, str | None], float] = {}
        self._runs: dict[tuple[str, str | None], list[Run]] = {}  # fitting asks at many sizes

    def font(self, index: int, size: int) -> ImageFont.FreeTypeFont:
        return _truetype(*self.files[index], size)

    def missing(self, text: str) -> list[str]:
        return missing_glyphs(text, self.families, self.bold)

    def _font_for(self, char: str, previous: int | None) -> int:
        neutral = not char.isalpha() or unicodedata.category(char).startswith("M")
        if previous is not None and neutral and ord(char) in self.covered[previous]:
            return previous
        for index, cov in enumerate(self.covered):
            if ord(char) in cov:
                return index
        return previous or 0

    def runs(self, text: str, base: str | None = None) -> list[Run]:
        """Runs of one font and one direction, in visual order (left to right).

        base: the line's direction; "auto" takes the first strong character's (for a hashtag
        or a link, which read left to right inside right-to-left text)."""
        key = (text, base)
        if key not in self._runs:
            self._runs[key] = self._split(text, base)
        return self._runs[key]

    def _split(self, text: str, base: str | None) -> list[Run]:
        base = base or self.base
        if base == "auto":
            base = next(("rtl" if unicodedata.bidirectional(c) in ("R", "AL") else "ltr"
                         for c in text if unicodedata.bidirectional(c) in ("R", "AL", "L")),
                        self.base)
        kinds = []
        for char in text:
            bidi = unicodedata.bidirectional(char)
            kinds.append("rtl" if bidi in ("R", "AL") else "ltr" if bidi == "L" else
                         "num" if bidi in ("EN", "AN") else "nsm" if bidi == "NSM" else None)
        dirs: list[str] = []
        for i, kind in enumerate(kinds):
            if kind == "nsm":
                dirs.append(dirs[-1] if dirs else base)
            elif kind == "num":
                dirs.append("ltr")
            elif kind:
                dirs.append(kind)
            else:  # neutral: the direction of strong text on both sides, else the base
                before = next((d for d in reversed(dirs) if d), None)
                after = next((k for k in kinds[i + 1:] if k in ("rtl", "ltr")), None)
                dirs.append(before if before and before == after else base)
        runs: list[Run] = []
        font = None
        for char, direction in zip(text, dirs):
            font = self._font_for(char, font)
            if runs and runs[-1].font == font and runs[-1].direction == direction:
                runs[-1] = Run(runs[-1].text + char, font, direction)
            else:
                runs.append(Run(char, font, direction))
        return _visual_order(runs, base)

    def width(self, runs: list[Run], size: int) -> float:
        return sum(self.font(r.font, size).getlength(r.text, direction=r.direction,
                                                     language=self.lang) for r in runs)

    def line_width(self, text: str, size: int, base: str | None = None) -> float:
        key = (text, size, base)
        if key not in self._widths:
            self._widths[key] = self.width(self.runs(text, base), size)
        return self._widths[key]

    def draw_line(self, draw: ImageDraw.ImageDraw, x: float, baseline: float, text: str,
                  size: int, fill, base: str | None = None) -> None:
        """Draw one line with its left edge at x and its baseline at `baseline`."""
        for run in self.runs(text, base):
            font = self.font(run.font, size)
            draw.text((x, baseline), run.text, font=font, fill=fill, anchor="ls",
                      direction=run.direction, language=self.lang)
            x += font.getlength(run.text, direction=run.direction, language=self.lang)

    # ------------------------------------------------------------------ wrapping

    def tokens(self, text: str) -> list[str]:
        """The pieces a line may break between, each with the spaces after it: Pango's line
        breaking (UAX #14; Thai by dictionary; between CJK and Hangul characters), the rules
        WeasyPrint applies to the same text in the leaflet. No-break spaces join pieces."""
        return list(linebreaks.pieces(text.replace("\n", " "), self.lang))

    def wrap(self, text: str, size: int, max_width: float) -> list[str] | None:
        """Greedy line breaking at the break opportunities of tokens(); None if a piece does
        not fit on a line by itself."""
        return self._greedy(self.tokens(text), size, max_width)

    def _greedy(self, pieces: Sequence[str], size: int, max_width: float) -> list[str] | None:
        lines: list[str] = []
        current = ""
        for piece in pieces:
            candidate = current + piece
            if current.strip() and self.line_width(candidate.strip(), size) > max_width:
                lines.append(current.strip())
                current = piece
            else:
                current = candidate
            if self.line_width(current.strip(), size) > max_width:
                return None
        if current.strip():
            lines.append(current.strip())
        return lines

    def _breakable(self, pieces: list[str], low: int, box_w: float) -> list[str]:
        """In a language written without spaces between words (Burmese, Khmer, Lao; Thai
        words missing from Pango's dictionary), a piece too wide for a line even at size
        `low` is split between its grapheme clusters, as a browser does with `overflow-wrap:
        anywhere`; elsewhere a word too long for the card stays an error."""
        if self.lang.split("-")[0] not in linebreaks.SPACELESS:
            return pieces
        out: list[str] = []
        for piece in pieces:
            if self.line_width(piece.strip(), low) > box_w:
                out += linebreaks.clusters(piece, self.lang)
            else:
                out.append(piece)
        return out

    def fit(self, text: str, box_w: float, box_h: float, low: int = 16, high: int = 260
            ) -> tuple[int, list[str]] | None:
        """The largest size (binary search) at which the text fits the box, in balanced lines
        (typography.balance: the fewest lines, the narrowest widest one, two words on the last
        when they fit), or None if it does not fit even at size `low`. No-break units (U+00A0,
        see typography.unbreakable) are one word.

        A text that cannot fit is found fast, before the search: by its length, then by the
        lines its width needs at size `low` (one shaping of the whole text)."""
        if len(text) > MAX_CARD_TEXT:
            return None
        ink = self.line_width(re.sub(_SPACE, "", text), low) * 0.95
        if (ink // box_w) * low * self.line_factor > box_h:
            return None
        words = self._breakable([t for t in self.tokens(text) if t.strip()], low, box_w)
        found = self._search(words, box_w, box_h, low, high)
        if self.lang.split("-")[0] in linebreaks.NO_SEGMENTER:
            # Khmer and Lao: Pango finds no word breaks, so a slogan could only shrink onto
            # one line; breaking between clusters is taken when it allows a text half again
            # as large.
            clusters = [c for w in words for c in linebreaks.clusters(w, self.lang)]
            alternative = self._search(clusters, box_w, box_h, low, high)
            if alternative and (found is None or alternative[0] >= 1.5 * found[0]):
                found = alternative
        return found

    def _search(self, words: list[str], box_w: float, box_h: float, low: int, high: int
                ) -> tuple[int, list[str]] | None:
        found = None
        for strict in (True, False):  # a smaller size rather than one word on the last line
            lo, hi = low, high
            while lo <= hi:
                size = (lo + hi) // 2
                lines = self.lines(words, size, box_w, strict)
                if lines is not None and len(lines) * size * self.line_factor <= box_h:
                    found, lo = (size, lines), size + 1
                else:
                    hi = size - 1
            if found:
                return found
        return None

    def lines(self, words: list[str], size: int, max_width: float,
              strict: bool = False) -> list[str] | None:
        """Balanced lines at `size` (greedy past 40 pieces, where balancing costs too much).
        Pieces carry their own spaces (tokens()), so they join with nothing."""
        if len(words) > 40:
            return self._greedy(words, size, max_width)
        lines = typography.balance(words, lambda line: self.line_width(line.strip(), size),
                                   max_width, "", strict)
        return None if lines is None else [line.strip() for line in lines]


def _visual_order(runs: list[Run], base: str) -> list[Run]:
    """Two-level bidi reordering. Right-to-left: the line reversed, but each left-to-right
    island kept in reading order. Left-to-right: each right-to-left island reversed."""
    if base == "rtl":
        runs = runs[::-1]
    out: list[Run] = []
    group: list[Run] = []
    for run in runs:
        if run.direction != base:
            group.append(run)
            continue
        out.extend(group[::-1])
        group = []
        out.append(run)
    out.extend(group[::-1])
    return out


def _rgb(colour: str) -> tuple[int, int, int]:
    return ImageColor.getrgb(colour)[:3]


@dataclass(frozen=True)
class CardText:
    slogan: str
    organisation: str
    hashtag: str | None
    url: str
    draft_lines: tuple[str, ...] = ()  # the draft label, in the language and the source's
    card: str = ""  # the card's id, for errors
    logo: object | None = None  # model.BrandImage: drawn at the organisation's line end


# No card holds more (1080 x 1080 at the smallest size is about 4,000 Latin characters);
# longer text is refused before any shaping.
MAX_CARD_TEXT = 4000


def _too_long(shaper: Shaper, texts: CardText, size: tuple[int, int], what: str,
              text: str) -> RenderError:
    shown = text if len(text) <= 60 else text[:57] + "..."
    lang = shaper.lang.replace("-", "_")
    return RenderError(f"{lang}: card {texts.card!r}: the {what} does not fit on the "
                       f"{size[0]}x{size[1]} image even at the smallest size ({len(text):,} "
                       f"characters: {shown!r}); shorten it")


def draw_card(shaper: Shaper, texts: CardText, size: tuple[int, int], colours) -> bytes:
    """One PNG: the slogan as large as fits, organisation, hashtag, link, draft band."""
    width, height = size
    background, ink, accent = (_rgb(colours.background), _rgb(colours.text),
                               _rgb(colours.accent))
    image = Image.new("RGB", size, background)
    draw = ImageDraw.Draw(image)
    unit = min(width, height)
    margin = round(unit * 0.075)
    rtl = shaper.base == "rtl"
    top = margin

    def fitted(text: str, what: str, largest: int, room: int = 0) -> int:
        px = _fit_line(shaper, text, width - 2 * margin - room)
        if px is None:
            raise _too_long(shaper, texts, size, what, text)
        return min(largest, px)

    def place(text: str, size_px: int, y: float, fill) -> None:
        line_w = shaper.line_width(text, size_px, "auto")
        x = width - margin - line_w if rtl else margin
        shaper.draw_line(draw, x, y, text, size_px, fill, "auto")

    if texts.draft_lines:
        band_h = round(unit * (0.05 + 0.04 * len(texts.draft_lines)))
        draw.rectangle((0, 0, width, band_h), fill=(29, 29, 27))
        stripe = round(unit * 0.018)
        draw.rectangle((width - stripe if rtl else 0, 0, width if rtl else stripe, band_h),
                       fill=accent)
        line_h = band_h / (len(texts.draft_lines) + 0.6)
        for i, line in enumerate(texts.draft_lines):
            px = fitted(line, "draft label", round(line_h * 0.62))
            place(line, px, line_h * (i + 1.05), accent if i == 0 else (235, 235, 230))
        top = band_h + round(margin * 0.7)

    org_size = round(unit * 0.034)
    room = 0
    if texts.logo is not None:
        from pipeline.render.raster import logo_pixels

        logo = logo_pixels(texts.logo, round(unit * 0.085), round(unit * 0.3))
        room = logo.width + round(unit * 0.03)
        image.paste(logo, (margin if rtl else width - margin - logo.width, top), logo)
    org_size = fitted(texts.organisation, "organisation", org_size, room)
    place(texts.organisation, org_size, top + org_size, accent)
    bar_y = top + org_size * 1.9
    bar_w = round(unit * 0.11)
    bar_x = width - margin - bar_w if rtl else margin
    draw.rectangle((bar_x, bar_y, bar_x + bar_w, bar_y + round(unit * 0.012)), fill=accent)

    tag_size = round(unit * 0.056)
    url_size = round(unit * 0.03)
    bottom = height - margin
    if texts.url:
        url_size = fitted(texts.url, "link", url_size)
        place(texts.url, url_size, bottom, ink)
        bottom -= url_size * 1.7
    if texts.hashtag:
        tag_size = fitted(texts.hashtag, "hashtag", tag_size)
        place(texts.hashtag, tag_size, bottom, accent)
        bottom -= tag_size * 1.6

    box_w, box_h = width - 2 * margin, bottom - (bar_y + unit * 0.05)
    # Below 3 % of the image's short side (32 px on the square card), a slogan shown in a
    # feed at ~500 px is under 10 px high: unreadable, so that is "does not fit".
    found = shaper.fit(texts.slogan, box_w, box_h, low=max(16, round(unit * 0.03)),
                       high=round(unit * 0.22))
    if found is None:
        raise _too_long(shaper, texts, size, "slogan", texts.slogan)
    size_px, lines = found
    box_top = bar_y + unit * 0.05
    _draw_block(image, shaper, lines, size_px, (margin, box_top, width - margin, bottom), ink,
                _block_direction(shaper.base, texts.slogan))
    buffer = io.BytesIO()
    image.save(buffer, "PNG", compress_level=PNG_COMPRESS_LEVEL)
    return buffer.getvalue()


def _fit_line(shaper: Shaper, text: str, max_width: float) -> int | None:
    """The largest size (up to 200 px) at which `text` fits on one line; None if it does not
    fit even at 8 px (it would be cut off)."""
    if len(text) > MAX_CARD_TEXT:
        return None
    low, high, best = 8, 200, None
    while low <= high:
        mid = (low + high) // 2
        if shaper.line_width(text, mid, "auto") <= max_width:
            best, low = mid, mid + 1
        else:
            high = mid - 1
    return best


def _block_direction(base: str, text: str) -> str:
    """The direction of a slogan block: the language's, unless the text holds no letter of
    that direction at all (the source's English shown untranslated on a Hebrew card must read
    "Grow workers demand!", not "!demand"); a Hebrew slogan that merely starts with a Latin
    name stays right to left, which the first-strong-character rule would get wrong."""
    kinds = {unicodedata.bidirectional(c) for c in text}
    if base == "rtl" and not kinds & {"R", "AL"} and "L" in kinds:
        return "ltr"
    if base == "ltr" and "L" not in kinds and kinds & {"R", "AL"}:
        return "rtl"
    return base


def _draw_block(image: Image.Image, shaper: Shaper, lines: list[str], size: int,
                box: tuple[float, float, float, float], fill, direction: str) -> None:
    """Draw the lines on a transparent layer, then centre their ink vertically in the box."""
    rtl = direction == "rtl"
    left, top, right, bottom = box
    line_h = size * shaper.line_factor
    layer = Image.new("L", (int(right - left), int(len(lines) * line_h + size)), 0)
    draw = ImageDraw.Draw(layer)
    for i, line in enumerate(lines):
        x = (right - left) - shaper.line_width(line, size, direction) if rtl else 0
        shaper.draw_line(draw, x, size * 0.95 + i * line_h, line, size, 255, direction)
    ink = layer.getbbox()
    if ink is None:
        return
    ink_h = ink[3] - ink[1]
    y = top + max(0.0, ((bottom - top) - ink_h) / 2) - ink[1]
    colour = Image.new("RGB", layer.size, fill)
    image.paste(colour, (int(left), int(y)), layer)


def check_glyphs(shaper: Shaper, lang: str, card_id: str, texts: CardText) -> None:
    for text in (texts.slogan, texts.organisation, texts.hashtag or "", texts.url,
                 *texts.draft_lines):
        missing = shaper.missing(text)
        if missing:
            points = ", ".join(f"U+{ord(c):04X}" for c in missing)
            raise RenderError(f"{lang}: card {card_id!r}: the fonts cannot draw "
                              f"{''.join(missing)!r} ({points}) in {text!r}; fix the translation "
                              "or install a font for it")
