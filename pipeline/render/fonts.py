"""Language -> writing system -> the Noto fonts that draw it (CSS families and font files).

fontconfig will not pick these for us: asked for "sans-serif" in Arabic it may answer with
DejaVu, which has no Naskh shapes. So each script is mapped to named Noto families, with Noto
Sans after them for the Latin names, hashtags and links that appear in every language. The
files come from `scripts/setup.sh` (Debian's fonts-noto-core and fonts-noto-cjk).
"""

from __future__ import annotations

import functools
import subprocess
import unicodedata
from dataclasses import dataclass

from pipeline.errors import RenderError
from pipeline.names import script_of

LATIN = "Noto Sans"

# script (ISO 15924) -> (body families, heading families); Noto Sans is appended to both.
_SCRIPTS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "Latn": ((), ()),
    "Cyrl": ((), ()),
    "Grek": ((), ()),
    "Arab": (("Noto Naskh Arabic", "Noto Sans Arabic"), ("Noto Sans Arabic",)),
    "Hebr": (("Noto Sans Hebrew",), ("Noto Sans Hebrew",)),
    "Deva": (("Noto Sans Devanagari",), ("Noto Sans Devanagari",)),
    "Beng": (("Noto Sans Bengali",), ("Noto Sans Bengali",)),
    "Taml": (("Noto Sans Tamil",), ("Noto Sans Tamil",)),
    "Thai": (("Noto Sans Thai",), ("Noto Sans Thai",)),
    "Ethi": (("Noto Sans Ethiopic",), ("Noto Sans Ethiopic",)),
    "Hans": (("Noto Sans CJK SC",), ("Noto Sans CJK SC",)),
    "Hant": (("Noto Sans CJK TC",), ("Noto Sans CJK TC",)),
    "Jpan": (("Noto Sans CJK JP",), ("Noto Sans CJK JP",)),
    "Kore": (("Noto Sans CJK KR",), ("Noto Sans CJK KR",)),
}
# Scripts written without spaces between words: cards wrap them by characters.
CJK_SCRIPTS = ("Hans", "Hant", "Jpan", "Kore")


@dataclass(frozen=True)
class FontStack:
    """The fonts for one language: CSS families for the leaflet, the same for the cards."""

    script: str
    body: tuple[str, ...]
    heading: tuple[str, ...]

    @property
    def css_body(self) -> str:
        return ", ".join(f'"{name}"' for name in self.body) + ", sans-serif"

    @property
    def css_heading(self) -> str:
        return ", ".join(f'"{name}"' for name in self.heading) + ", sans-serif"

    @property
    def wraps_by_character(self) -> bool:
        return self.script in CJK_SCRIPTS


def font_stack(lang: str) -> FontStack:
    """The Noto families for `lang`; a script we do not know falls back to Noto Sans."""
    script = script_of(lang)
    language = lang.split("_")[0]
    if language == "ja":
        script = "Jpan"  # CLDR says Jpan already; kept explicit for the Han/Kana mix
    elif language == "ko":
        script = "Kore"
    if script in _SCRIPTS:
        body, heading = _SCRIPTS[script]
    else:
        body = heading = _noto_for(script)
    return FontStack(script, body + (LATIN,), heading + (LATIN,))


# Where Noto's family names differ from CLDR's English script names.
_NOTO_NAMES = {"Odia": "Oriya", "Bangla": "Bengali", "Myanmar": "Myanmar"}


@functools.lru_cache(maxsize=None)
def _noto_for(script: str) -> tuple[str, ...]:
    """Noto's family for a script not listed above ("Noto Sans Armenian" for Armn), if installed.

    fonts-noto-core names its families after the scripts, so CLDR's English script name finds
    them; a script with no installed family gets none, and the glyph check then names the text
    it cannot draw.
    """
    from babel import Locale

    name = Locale("en").scripts.get(script)
    if not name:
        return ()
    name = _NOTO_NAMES.get(name, name)
    for family in (f"Noto Sans {name}", f"Noto Serif {name}"):
        try:
            font_file(family)
        except RenderError:
            continue
        return (family,)
    return ()


@functools.lru_cache(maxsize=None)
def font_file(family: str, bold: bool = False) -> tuple[str, int]:
    """(path, face index) of an installed family, or a RenderError saying how to install it."""
    pattern = f"{family}:weight={'bold' if bold else 'regular'}"
    try:
        out = subprocess.run(["fc-match", "--format=%{file}\t%{index}\t%{family}", pattern],
                             capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError) as exc:
        raise RenderError(f"cannot ask fontconfig for {family!r} ({exc}); install fontconfig "
                          "and run scripts/setup.sh") from None
    path, index, families = (out.split("\t") + ["", "", ""])[:3]
    if family not in [name.strip() for name in families.split(",")]:
        raise RenderError(f"the font {family!r} is not installed; run scripts/setup.sh "
                          "(Debian packages fonts-noto-core and fonts-noto-cjk)")
    return path, int(index or 0)


@functools.lru_cache(maxsize=None)
def coverage(path: str, index: int) -> frozenset[int]:
    """The code points a font file has glyphs for."""
    from fontTools.ttLib import TTFont

    font = TTFont(path, fontNumber=index, lazy=True)
    try:
        return frozenset(font.getBestCmap() or {})
    finally:
        font.close()


def needs_glyph(char: str) -> bool:
    """False for characters that are never drawn (spaces, joiners, controls)."""
    return not (char.isspace() or unicodedata.category(char) in ("Cc", "Cf", "Zs"))


def missing_glyphs(text: str, families: tuple[str, ...], bold: bool = False) -> list[str]:
    """The characters of `text` that none of `families` can draw."""
    covered = [coverage(*font_file(name, bold)) for name in families]
    return [c for c in dict.fromkeys(text)
            if needs_glyph(c) and not any(ord(c) in cov for cov in covered)]


@functools.lru_cache(maxsize=None)
def families_for(lang: str) -> frozenset[str]:
    """The installed font families that cover `lang` (fontconfig's `fc-list :lang=...`)."""
    code = lang.split("@")[0].replace("_", "-").lower()
    base = code.split("-")[0]  # fontconfig knows "pt", "ar"; Chinese by region
    code = ("zh-tw" if "hant" in code else "zh-cn") if base == "zh" else base
    try:
        out = subprocess.run(["fc-list", f":lang={code}", "family"], capture_output=True,
                             text=True, check=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return frozenset()
    names = set()
    for row in out.splitlines():
        names.update(name.strip().replace("\\-", "-") for name in row.split(",") if name.strip())
    return frozenset(names)
