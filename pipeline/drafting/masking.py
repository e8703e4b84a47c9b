"""Masking: what an engine must not translate becomes [[n]] tokens, restored and checked after.

Why `[[n]]`: Apertium (tested with apertium-eng-spa) passes `[[0]]` and `__0__` through
untouched, but reads `__0__word__1__` as one unknown word, while `[[0]]word[[1]]` still
translates the word inside. `{date}` itself does not survive (Apertium gives `{cita}`).
Engines add or drop spaces inside tokens (`[ [0] ]`) or use full-width brackets in CJK
output; restoring tolerates both, and takes back spaces an engine put inside markup
(`** palabra **` would no longer be bold).
"""

from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache
from dataclasses import dataclass
from typing import Mapping

from pipeline import shortcodes
from pipeline.glossary import fold

TOKEN = "[[{}]]"
_TOKEN_RE = re.compile(r"[\[［]\s*[\[［]\s*(\d+)\s*[\]］]\s*[\]］]")

# Whole spans an engine must pass through unchanged ("atoms"), by kind. Template tokens of
# static-site generators ({{< x >}}, {% x %}) come first: their braces are not placeholders.
_ATOMS = [
    ("shortcode", shortcodes.PATTERN),
    ("code", re.compile(r"(`+)(?!`).*?(?<!`)\1(?!`)", re.S)),
    ("link", re.compile(r"<(?:https?://|mailto:)[^\s<>]*>|<[\w.+-]+@[\w-]+(?:\.[\w-]+)+>")),
    ("url", re.compile(r"(?:https?://|www\.)[^\s<>\"`]+", re.I)),
    ("e-mail", re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+")),
    ("handle", re.compile(r"(?<![\w@/])@\w+(?:@[\w-]+(?:\.[\w-]+)+)?")),
    ("hashtag", re.compile(r"(?<![\w&#/])#\w+")),
    ("placeholder", re.compile(r"\{\{|\}\}|\{[^{}\s]*\}|%\([^)\s]+\)[#0 +-]*\d*(?:\.\d+)?[a-zA-Z%]")),
]
# What a text must hold for each kind to match at all: a pattern is not run on a text without
# it (most texts hold no "@", "`" or "<"; each pattern costs microseconds on every text, and
# the drafting threads share one GIL). Each test is implied by its pattern above.
_NEEDS = {
    "shortcode": lambda t: "{" in t,
    "code": lambda t: "`" in t,
    "link": lambda t: "<" in t,
    "url": lambda t: "://" in t or "www." in t.lower(),  # the pattern ignores case
    "e-mail": lambda t: "@" in t,
    "handle": lambda t: "@" in t,
    "hashtag": lambda t: "#" in t,
    "placeholder": lambda t: "{" in t or "}" in t or "%(" in t,
}
_PRINTF = re.compile(r"%(?:\d+\$)?[#0 +'-]*(?:\*|\d+)?(?:\.(?:\*|\d+))?(?:hh|h|ll|l|L|z|j|t)?"
                     r"[diouxXeEfFgGcrsa%]")
_LINK = re.compile(
    r"(!?\[)((?:[^\[\]\\]|\\.|\[[^\[\]]*\])*)"
    r"(\]\((?:<[^<>]*>|[^()\s]*(?:\([^()\s]*\)[^()\s]*)*)(?:\s+(?:\"[^\"]*\"|'[^']*'))?\s*\))")
_DELIMITER = re.compile(r"\*+|_+|~~")
_BRACKET = re.compile(r"[\[\]]")
_URL_TAIL = ".,;:!?'\"’”»)"


class MaskError(Exception):
    """The engine lost, duplicated or invented a token; the text says which."""


@dataclass(frozen=True)
class Masked:
    """A text with its protected pieces replaced by [[i]]."""

    text: str
    pieces: tuple[str, ...]  # the original text of token i
    kinds: tuple[str, ...]  # url, placeholder, ..., "open"/"close" for markup delimiters
    pairs: tuple[tuple[int, int], ...] = ()  # (opening, closing) tokens of links
    restore: tuple[str, ...] = ()  # what token i becomes in the translation (default: pieces)

    def describe(self, index: int) -> str:
        piece = self.pieces[index]
        shown = piece if len(piece) <= 40 else piece[:37] + "..."
        return f"{TOKEN.format(index)} ({self.kinds[index]} {shown!r})"


def _url_end(text: str, start: int, end: int) -> int:
    """Trailing punctuation belongs to the sentence, not the URL (unless a ')' is balanced)."""
    while end > start and text[end - 1] in _URL_TAIL:
        if text[end - 1] == ")" and text.count("(", start, end) >= text.count(")", start, end):
            break
        end -= 1
    return end


def _term_pattern(term: str) -> re.Pattern:
    # Writers type either apostrophe; the term is matched with both and restored as written.
    body = "".join("['’]" if ch in "'’" else re.escape(ch) for ch in term)
    return re.compile(rf"(?<!\w){body}(?!\w)", re.I)


@lru_cache(maxsize=64)
def _term_patterns(terms: tuple[str, ...]) -> tuple[re.Pattern, ...]:
    """The patterns of a catalog's terms, longest first: built once, not once per text."""
    return tuple(_term_pattern(t) for t in sorted({t for t in terms if t.strip()}, key=len,
                                                  reverse=True))


def _spans(text: str, terms: tuple[str, ...], printf: bool) -> list[tuple[int, int, str]]:
    found: list[tuple[int, int, str]] = []
    for match in _LINK.finditer(text) if "](" in text else ():
        found.append((match.start(1), match.end(1), "open"))
        found.append((match.start(3), match.end(3), "close"))
    for kind, pattern in _ATOMS:
        if not _NEEDS[kind](text):
            continue
        for match in pattern.finditer(text):
            end = _url_end(text, match.start(), match.end()) if kind == "url" else match.end()
            found.append((match.start(), end, kind))
    if printf:
        found += [(m.start(), m.end(), "placeholder") for m in _PRINTF.finditer(text)]
    for pattern in _term_patterns(tuple(terms)):
        found += [(m.start(), m.end(), "term") for m in pattern.finditer(text)]
    for match in _DELIMITER.finditer(text) if "*" in text or "_" in text or "~~" in text else ():
        kind = _flanking(text, match.start(), match.end())
        if kind:
            found.append((match.start(), match.end(), kind))
    if "[" in text or "]" in text:
        found += [(m.start(), m.end(), "bracket") for m in _BRACKET.finditer(text)]
    # Earliest first, the longest of those starting together; overlapping later ones lose.
    found.sort(key=lambda s: (s[0], -(s[1] - s[0])))
    chosen, last = [], 0
    for start, end, kind in found:
        if start >= last and end > start:
            chosen.append((start, end, kind))
            last = end
    return chosen


def _flanking(text: str, start: int, end: int) -> str | None:
    """CommonMark's idea of an emphasis delimiter: open, close, or (inside a word) both."""
    before = text[start - 1] if start else " "
    after = text[end] if end < len(text) else " "
    opens = not after.isspace()
    closes = not before.isspace()
    if text[start] == "_":
        # snake_case is not emphasis: `_` only counts at a word's edge.
        opens = opens and not before.isalnum()
        closes = closes and not after.isalnum()
    if opens and closes:
        return "delimiter"
    return "open" if opens else "close" if closes else None


def mask(text: str, terms: tuple[str, ...] = (), printf: bool = False,
         renderings: Mapping[str, str] | None = None) -> Masked:
    """Replace placeholders, URLs, link targets, hashtags, handles, e-mail addresses, code,
    markup delimiters and protected `terms` by tokens. `printf`: the text is python-format.
    `renderings` (term, casefolded -> text): what a term's token becomes in the translation,
    a glossary's rendering or a name's spelling in the target language."""
    renderings = renderings or {}
    out, pieces, kinds, opens, restore = [], [], [], {}, []
    pairs = []
    pos = 0
    for start, end, kind in _spans(text, terms, printf):
        out.append(text[pos:start])
        index = len(pieces)
        out.append(TOKEN.format(index))
        pieces.append(text[start:end])
        kinds.append(kind)
        restore.append(renderings.get(fold(text[start:end]), text[start:end])
                       if kind == "term" else text[start:end])
        if kind == "open" and text[start:end].endswith("["):
            opens[start] = index
        pos = end
    out.append(text[pos:])
    # Pair each link's "[" with its "](url)", so a draft that swaps them is refused.
    link_opens = [i for i, k in enumerate(kinds) if k == "open" and pieces[i].endswith("[")]
    for i, k in enumerate(kinds):
        if k == "close" and pieces[i].startswith("]("):
            before = [o for o in link_opens if o < i]
            if before:
                pairs.append((before[-1], i))
                link_opens.remove(before[-1])
    return Masked("".join(out), tuple(pieces), tuple(kinds), tuple(pairs), tuple(restore))



def unmask(translated: str, masked: Masked) -> str:
    """Put the original pieces back; MaskError if a token is missing, doubled or unknown."""
    matches = list(_TOKEN_RE.finditer(translated))
    counts = Counter(int(m.group(1)) for m in matches)
    n = len(masked.pieces)
    problems = []
    missing = [i for i in range(n) if counts[i] == 0]
    doubled = [i for i in range(n) if counts[i] > 1]
    unknown = sorted(i for i in counts if i >= n)
    if missing:
        problems.append("lost " + ", ".join(masked.describe(i) for i in missing))
    if doubled:
        problems.append("repeated " + ", ".join(masked.describe(i) for i in doubled))
    if unknown:
        problems.append("invented " + ", ".join(TOKEN.format(i) for i in unknown))
    if problems:
        raise MaskError("the engine " + "; ".join(problems))
    order = [int(m.group(1)) for m in matches]
    for opening, closing in masked.pairs:
        if order.index(opening) > order.index(closing):
            raise MaskError(f"the engine put {masked.describe(closing)} before "
                            f"{masked.describe(opening)}, which would break the link")
    segments = [translated[:matches[0].start()] if matches else translated]
    for k, match in enumerate(matches):
        following = translated[match.end():matches[k + 1].start() if k + 1 < len(matches)
                               else len(translated)]
        segments.append(following)
    out = [segments[0]]
    for k, match in enumerate(matches):
        index = int(match.group(1))
        kind = masked.kinds[index]
        before, after = _spaces_around(masked, index)
        if kind in ("close", "delimiter") and not before:
            out[-1] = out[-1].rstrip(" \t")
        elif out[-1].endswith("  ") and len(before) < 2:
            out[-1] = out[-1].rstrip(" ") + " "  # a space the engine added next to a token
        out.append(masked.restore[index] if masked.restore else masked.pieces[index])
        following = segments[k + 1]
        if kind in ("open", "delimiter") and not after:
            following = following.lstrip(" \t")
        elif following.startswith("  ") and len(after) < 2:
            following = " " + following.lstrip(" ")
        out.append(following)
    return "".join(out)


def _spaces_around(masked: Masked, index: int) -> tuple[str, str]:
    """The whitespace around token `index` in the text sent (an edge counts as a space)."""
    text, token = masked.text, TOKEN.format(index)
    start = text.index(token)  # scanned from the token, not split: no copies of the text
    end = start + len(token)
    first, last = start, end
    while first and text[first - 1].isspace():
        first -= 1
    while last < len(text) and text[last].isspace():
        last += 1
    return (text[first:start] if start else " "), (text[end:last] if end < len(text) else " ")


def must_keep(text: str) -> Counter:
    """Placeholders, URLs and link targets of a text: a reused translation must hold the same."""
    kept: Counter = Counter()
    for start, end, kind in _spans(text, (), False):
        if kind in ("placeholder", "url", "link", "shortcode") or (kind == "close" and text[start] == "]"):
            kept[text[start:end]] += 1
    return kept
