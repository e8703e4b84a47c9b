"""Typographic rules applied at render time, in leaflets and on cards (never in the catalogs).

- Units that never break across lines: protected terms (names) and their spellings in the
  language, a number and the word after it ("18 counts", "18 تهمة"), an Arabic prefix written
  with a tatweel before a foreign word ("لـ Assange"), and the last two words of a text (no
  word alone on a paragraph's last line). A unit's spaces become no-break spaces (U+00A0), in
  leaflets and for the card fitter alike. Not `<span style="white-space: nowrap">`: WeasyPrint
  70 breaks lines badly before an inline box that does not fit (Kozea/WeasyPrint#1614: a line
  ended at its first word, "convocadas" alone); U+00A0 stays inside one text box. pdftotext
  gives a no-break space back as a plain space, so the PDF's text layer is unchanged.
- Curly apostrophes, the language's quotation marks (CLDR's delimiters, which Babel does not
  import: the table below is copied from CLDR 44's common/main/*.xml), and French spacing (a
  narrow no-break space before ! ? ; : and inside « »). Only ASCII quotes and plain spaces are
  changed: a translator who typed ’, « » or a no-break space has chosen, and that wins.
- Balanced line breaks for headlines and slogans (`balance`): the fewest lines, then the
  narrowest widest line, and never a single word on the last line when two fit there.
"""

from __future__ import annotations

import html as htmllib
import re
from dataclasses import dataclass
from typing import Callable, Sequence

from markupsafe import Markup, escape

# language -> (open, close, alternate open, alternate close); CLDR 44 <delimiters>.
_QUOTES = {
    "en": "“”‘’", "es": "“”‘’", "pt": "“”‘’", "pt_PT": "«»“”", "fr": "«»«»", "ar": "”“’‘",
    "hi": "“”‘’", "sw": "“”‘’", "de": "„“‚‘", "de_CH": "«»‹›", "it": "«»“”", "ru": "«»„“",
    "tr": "“”‘’", "ja": "「」『』", "zh": "“”‘’", "zh_Hant": "「」『』", "pl": "„”«»",
    "cs": "„“‚‘", "sk": "„“‚‘", "uk": "«»„“", "nl": "‘’“”", "sv": "””’’", "da": "“”‘’",
    "nb": "«»‘’", "fi": "””’’", "el": "«»“”", "ca": "«»“”", "fa": "«»‹›", "he": "”״’׳",
    "ko": "“”‘’", "id": "“”‘’", "vi": "“”‘’", "bn": "“”‘’", "ta": "“”‘’", "ur": "”“’‘",
}
# Languages whose one-letter words (prepositions, conjunctions) must not end a line.
_SHORT_WORD_LANGUAGES = ("cs", "sk", "pl", "sl")
# Spaces a line may break at (not U+00A0, U+2007, U+202F: those are a writer's no-break).
BREAKING_SPACE = "[^\\S\u00a0\u2007\u202f]"
NNBSP = "\u202f"
_LETTER = r"[^\W\d_]"
_URLISH = re.compile(r"(?:https?://|mailto:|www\.)\S+|[#@][\w'’]+|\S+@\S+\.\w+")
_NUMBER_NOUN = re.compile(rf"(?<![\w.,])\d(?:[\d.,\u00a0\u202f]*\d)?{BREAKING_SPACE}+(?={_LETTER})")
_TATWEEL = re.compile(rf"\S*\u0640{BREAKING_SPACE}+(?=\S)")
_WORD_END = re.compile(r"[^\s,.;:!?)]*")
_TAG = re.compile(r'<(?:[^>"]|"[^"]*")*>')


@dataclass(frozen=True)
class Rules:
    """What the rules need to know of one language: its code and its protected terms."""

    lang: str
    terms: tuple[str, ...] = ()  # longest first

    @property
    def base(self) -> str:
        return self.lang.split("@")[0].split("_")[0]

    @property
    def quotes(self) -> str:
        lang = self.lang.split("@")[0]
        return _QUOTES.get(lang) or _QUOTES.get(self.base) or "“”‘’"

    @property
    def by_character(self) -> bool:
        """Written without spaces between words: no word-based rules."""
        return self.base in ("zh", "ja", "ko", "th", "lo", "km", "my")


def rules_for(lang: str, terms: Sequence[str] = ()) -> Rules:
    """The rules of `lang` with these protected terms (names and their spellings)."""
    unique = {t.strip() for t in terms if t and t.strip()}
    return Rules(lang, tuple(sorted(unique, key=lambda t: (-len(t), t))))


# ------------------------------------------------------------------------- characters


def smarten(text: str, rules: Rules) -> str:
    """ASCII apostrophes and quotes -> the language's; French spacing. Links, hashtags and
    e-mail addresses are left as written."""
    out, last = [], 0
    for match in _URLISH.finditer(text):
        out.append(_smarten_plain(text[last:match.start()], rules, out))
        out.append(match.group())
        last = match.end()
    out.append(_smarten_plain(text[last:], rules, out))
    return "".join(out)


def _smarten_plain(text: str, rules: Rules, before: list[str]) -> str:
    if not text:
        return text
    q_open, q_close, a_open, a_close = rules.quotes
    prev_text = "".join(before)[-1:]
    chars = list(text)
    doubles = 0
    for i, ch in enumerate(chars):
        if ch not in "'\"":
            continue
        if ch == '"' and rules.by_character:  # no spaces to tell: they alternate
            chars[i] = q_open if doubles % 2 == 0 else q_close
            doubles += 1
            continue
        prev = chars[i - 1] if i else prev_text
        nxt = chars[i + 1] if i + 1 < len(chars) else ""
        opening = not prev or prev.isspace() or prev in "([{«‹“‘„‚—–-/"
        if ch == "'":
            if re.match(r"\w", prev or "") and (not nxt or not nxt.isalnum() or
                                                re.match(r"\w", nxt)):
                chars[i] = "’"  # l’IPA, Assange’s, peoples’
            elif opening and nxt[:1].isdigit():
                chars[i] = "’"  # ’90s
            else:
                chars[i] = a_open if opening else a_close
        else:
            chars[i] = q_open if opening else q_close
    text = "".join(chars)
    if rules.base == "fr":
        text = re.sub(rf"(?<=\S){BREAKING_SPACE}+(?=[!?;:»])", NNBSP, text)
        text = re.sub(rf"«{BREAKING_SPACE}+", "«" + NNBSP, text)
        text = re.sub(rf"(?<=«)(?=\w)", NNBSP, text)
        text = re.sub(rf"(?<=\w)(?=»)", NNBSP, text)
    return text


# ------------------------------------------------------------------------- no-break units


def units(text: str, rules: Rules, last_words: bool = True) -> list[tuple[int, int]]:
    """(start, end) spans of `text` that must stay on one line, sorted and disjoint."""
    spans: list[tuple[int, int]] = []
    folded = text.casefold()
    for term in rules.terms:
        if not re.search(BREAKING_SPACE, term):
            continue  # one word never breaks anyway
        for match in re.finditer(re.escape(term.casefold()), folded):
            start, end = match.span()
            if _word_edge(text, start - 1) and _word_edge(text, end):
                spans.append((start, end))
    for pattern in (_NUMBER_NOUN, _TATWEEL):
        for match in pattern.finditer(text):
            word_end = _WORD_END.match(text, match.end()).end()
            spans.append((match.start(), word_end))
    if rules.base in _SHORT_WORD_LANGUAGES:
        for match in re.finditer(rf"(?<!\S){_LETTER}{BREAKING_SPACE}+\S+", text):
            spans.append(match.span())
    if last_words and not rules.by_character:
        tail = re.search(rf"\S+{BREAKING_SPACE}+\S+\s*$", text)
        if tail and len(tail.group().strip()) <= 24:
            spans.append((tail.start(), tail.end()))
    return _merge(spans)


def _word_edge(text: str, index: int) -> bool:
    return index < 0 or index >= len(text) or not text[index].isalnum()


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if out and start < out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def unbreakable(text: str, rules: Rules, last_words: bool = True) -> str:
    """`text` with the spaces inside its units made no-break (U+00A0), for the card fitter."""
    chars = list(text)
    for start, end in units(text, rules, last_words):
        for i in range(start, end):
            if re.fullmatch(BREAKING_SPACE, chars[i]):
                chars[i] = "\u00a0"
    return "".join(chars)


# ------------------------------------------------------------------------- HTML


def html(markup: str, rules: Rules, last_words: bool = True) -> Markup:
    """Sanitised inline HTML (render.markdown's output) with the rules applied to its text:
    characters smartened, units made unbreakable. Text inside <code> is left as written; a
    unit never crosses a tag (a name half in bold keeps its break)."""
    pieces = _TAG.split(str(markup))
    tags = _TAG.findall(str(markup))
    in_code = 0
    out: list[str] = []
    for i, piece in enumerate(pieces):
        text = htmllib.unescape(piece)
        if not in_code:
            last = last_words and i == len(pieces) - 1
            text = unbreakable(smarten(text, rules), rules, last)
        out.append(str(escape(text)))
        if i < len(tags):
            out.append(tags[i])
            tag = tags[i].lower()
            in_code += 1 if tag.startswith("<code") else -1 if tag.startswith("</code") else 0
    return Markup("".join(out))


def plain_text(markup: str) -> str:
    """The text of inline HTML (tags removed, entities decoded)."""
    return htmllib.unescape(_TAG.sub("", str(markup)))


# ------------------------------------------------------------------------- balanced lines


def words_of(text: str, rules: Rules) -> list[str]:
    """The pieces a line may break between: words (no-break units kept whole), or, in
    languages written without spaces, characters with their closing punctuation."""
    if rules.by_character:
        return re.findall(r"[A-Za-z0-9#@'’.,-]+[!?]*|\S[、。，．！？：；」』）〉》】!?,.:;)]*", text)
    return [w for w in re.split(f"{BREAKING_SPACE}+", unbreakable(text, rules, False)) if w]


# A last line of one word is fine when that word is long ("No to / extradition!"): a runt is a
# short word alone ("must be / free!"), under this share of the measure.
LONG_LAST = 0.45
# A word alone on a middle line reads as a stray ("Julian Assange / precisa / ser livre!")
# unless it fills most of the measure.
LONG_MIDDLE = 0.6


def balance(words: Sequence[str], width: Callable[[str], float], max_width: float,
            joiner: str = " ", strict: bool = False) -> list[str] | None:
    """Lines of `words` no wider than max_width: the fewest lines, then the narrowest widest
    line; the last line holds two words, or one long word (LONG_LAST), when that is possible
    (`strict`: always, else None).
    None if a word alone is too wide. `width` measures a line's text (shaped, in the units of
    max_width)."""
    n = len(words)
    if n == 0:
        return []
    cache: dict[tuple[int, int], float] = {}

    def line(i: int, j: int) -> float:
        if (i, j) not in cache:
            cache[(i, j)] = width(joiner.join(words[i:j]))
        return cache[(i, j)]

    if any(line(i, i + 1) > max_width for i in range(n)):
        return None
    for lines in range(1, n + 1):
        best = _best_breaks(n, lines, line, max_width, min_last=2 if n >= 2 else 1)
        if best is None and lines >= n // 2 + 1 and not strict:
            best = _best_breaks(n, lines, line, max_width, min_last=1)
        if best is not None:
            cuts = [0, *best, n]
            return [joiner.join(words[a:b]) for a, b in zip(cuts, cuts[1:])]
    return None if strict else [*words]


def _best_breaks(n: int, lines: int, line, max_width: float, min_last: int):
    """Break indices splitting n words into `lines` lines minimising the widest line (ties:
    the smaller sum of squared slack), with at least `min_last` words on the last one (and,
    with min_last > 1, no short word alone on a middle line)."""
    if lines > n or n - (lines - 1) < 1:
        return None
    # cost[k][j]: best (widest, squares) for the first j words in k lines; back: the cut.
    inf = (float("inf"), float("inf"))
    cost = [[inf] * (n + 1) for _ in range(lines + 1)]
    back = [[0] * (n + 1) for _ in range(lines + 1)]
    cost[0][0] = (0.0, 0.0)
    for k in range(1, lines + 1):
        for j in range(k, n + 1):
            if k == lines and j != n:
                continue
            for i in range(k - 1, j):
                if cost[k - 1][i] == inf:
                    continue
                if k == lines and j - i < min_last and line(i, j) < LONG_LAST * max_width:
                    continue
                # Nor a short word alone between two lines ("Julian Assange / doit / être
                # libre !"), while the last line's rule holds (min_last 2).
                if 1 < k < lines and min_last > 1 and j - i == 1 \
                        and line(i, j) < LONG_MIDDLE * max_width:
                    continue
                w = line(i, j)
                if w > max_width:
                    continue
                prev = cost[k - 1][i]
                cand = (max(prev[0], w), prev[1] + (max_width - w) ** 2)
                if cand < cost[k][j]:
                    cost[k][j], back[k][j] = cand, i
    if cost[lines][n] == inf:
        return None
    cuts, j = [], n
    for k in range(lines, 1, -1):
        j = back[k][j]
        cuts.append(j)
    return cuts[::-1]
