"""Where a card's lines may break, in every script: Pango's line breaking (UAX #14, Thai by
dictionary, CJK and Hangul between characters; the rules WeasyPrint applies to the same text in
the leaflet), plus what Pango lacks: Korean words kept whole, Burmese syllables, and breaks
between whole clusters for scripts with no segmenter (Khmer, Lao)."""

from __future__ import annotations

import functools
import re
import unicodedata

# Languages written without spaces between words (typography.Rules.by_character less CJK,
# whose characters Pango breaks between anyway), and Korean, whose words the cards keep whole
# (CSS `word-break: keep-all`, the usual choice for Korean headlines): in these a piece too
# wide for the card is split between grapheme clusters rather than refused.
SPACELESS = ("th", "lo", "km", "my", "ko")
# Written without spaces, and neither Pango's dictionaries nor a syllable rule here segment them.
NO_SEGMENTER = ("km", "lo")
# Break only at spaces (Pango allows breaks between any two Hangul syllables).
_KEEP_ALL = ("ko",)
# A character that belongs with the one after it: coeng, virama, Thai and Lao leading vowels.
_JOINS_NEXT = frozenset("\u17d2\u1039\u0e40\u0e41\u0e42\u0e43\u0e44"
                        "\u0ec0\u0ec1\u0ec2\u0ec3\u0ec4")
# Burmese breaks lines between syllables (Pango, without a dictionary for it, offers no break
# inside a run of Burmese): a syllable starts at a consonant or independent vowel that is not
# stacked under the one before (U+1039) and not killed by an asat or stacker after it (U+103A,
# U+1039, U+1037; a medial U+103B/U+103E may come between), the rule of the common syllable
# segmenters (e.g. Ye Kyaw Thu's sylbreak); punctuation stays with the syllable before it.
_MY_SYLLABLE = re.compile("(?<!\u1039)(?=[\u1000-\u102a\u103f]"
                          "(?![\u103b\u103e]?[\u1037\u1039\u103a]))")


def _log_attrs(text: str, lang: str):
    """Pango's PangoLogAttr array for `text` (one per character, plus one), through the
    bindings WeasyPrint ships (imported here: only rendering needs them)."""
    from weasyprint.text.line_break import get_log_attrs
    return get_log_attrs(text, lang)


@functools.lru_cache(maxsize=512)
def pieces(text: str, lang: str) -> tuple[str, ...]:
    """`text` cut at its line-break opportunities (each piece keeps its trailing spaces)."""
    if len(text) < 2:
        return (text,) if text else ()
    attrs = _log_attrs(text, lang)
    keep_all = lang.split("-")[0] in _KEEP_ALL
    cuts = {i for i in range(1, len(text))
            if attrs[i].is_line_break and not (keep_all and not text[i - 1].isspace())}
    if lang.split("-")[0] == "my":
        cuts |= {m.start() for m in _MY_SYLLABLE.finditer(text) if 0 < m.start()}
    ordered = sorted(cuts)
    return tuple(text[a:b] for a, b in zip([0, *ordered], [*ordered, len(text)]))


def clusters(text: str, lang: str) -> list[str]:
    """`text` cut between grapheme clusters (Pango's cursor positions), but never after a
    stacking sign (Khmer coeng, Myanmar virama) or a vowel written before its consonant (Thai,
    Lao), nor before a mark or a repetition sign (ๆ, ៗ): extended grapheme clusters split
    Khmer's subscript consonants from their base."""
    attrs = _log_attrs(text, lang)
    cuts = [i for i in range(1, len(text)) if attrs[i].is_cursor_position
            and text[i - 1] not in _JOINS_NEXT
            and unicodedata.category(text[i]) not in ("Mn", "Mc", "Lm")]
    return [text[a:b] for a, b in zip([0, *cuts], [*cuts, len(text)])]
