"""How much of a leaflet's text its PDF gives back: catalog words against `pdftotext` words.

A word is "intact" when the very word (NFC, case-folded, punctuation at its ends removed)
comes out of `pdftotext`; the ratio counts words with their repeats (a word printed three
times must come out three times). What a reader copies, searches or hears from the PDF is the
text layer, so this is the measure of issue #17.5 (tests/test_pdftext.py,
benchmarks/bench_textlayer.py).

Normalised on both sides: Unicode NFC and case (the organisation is printed in capitals),
punctuation and symbols at a word's ends (pdftotext attaches an Arabic comma to the next
word), the scheme of a URL (the leaflet prints the link without https://). pdftotext's
own marks are dropped: the bidi embeddings it wraps right-to-left lines in (U+202A-U+202E,
read as word breaks, since they stand where the direction changes). pdftotext also joins a
word broken after a hyphen at a line end and drops that hyphen ("anti-" / "imperialist" comes
out as "antiimperialist", from Chromium's PDFs as well): that word counts as not intact.
"""

from __future__ import annotations

import re
import subprocess
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from pipeline.render.markdown import plain

_BIDI_CONTROLS = dict.fromkeys(map(ord, "\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
                                        "\u2066\u2067\u2068\u2069"), " ")
_PLACEHOLDER = re.compile(r"\{[A-Za-z_]\w*\}")
_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://")


@dataclass(frozen=True)
class TextLayer:
    """Words of the catalog text found intact in the PDF's text layer."""

    intact: int
    total: int
    missing: tuple[str, ...]  # the catalog words not found (with repeats), in catalog order

    @property
    def ratio(self) -> float:
        return self.intact / self.total if self.total else 1.0


def words(text: str) -> list[str]:
    """The normalised words of a text (see the module docstring)."""
    text = unicodedata.normalize("NFC", text.translate(_BIDI_CONTROLS)).casefold()
    out = []
    for word in text.split():
        word = _SCHEME.sub("", word)
        start, end = 0, len(word)
        while start < end and unicodedata.category(word[start])[0] in "PSZ":
            start += 1
        while end > start and unicodedata.category(word[end - 1])[0] in "PSZ":
            end -= 1
        if start < end:
            out.append(word[start:end])
    return out


def catalog_words(texts: Iterable[str]) -> list[str]:
    """Words a leaflet prints from its texts (translated Markdown: markup removed, the
    {placeholders} left out: their values are texts of their own)."""
    out: list[str] = []
    for text in texts:
        out += words(_PLACEHOLDER.sub(" ", plain(text)))
    return out


def pdftotext(pdf: Path) -> str:
    """poppler's pdftotext of a PDF file, as text."""
    return subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True,
                          text=True, check=True, timeout=60).stdout


def measure(texts: Iterable[str], extracted: str) -> TextLayer:
    """How many of the texts' words the extracted text holds intact."""
    expected = catalog_words(texts)
    available = Counter(words(extracted))
    missing = []
    for word in expected:
        if available[word] > 0:
            available[word] -= 1
        else:
            missing.append(word)
    return TextLayer(len(expected) - len(missing), len(expected), tuple(missing))
