"""Apertium: offline rule-based translation from Debian's packages (apertium, apertium-eng-spa,
apertium-eng-cat, apertium-en-gl, apertium-eo-en, ...).

No network at all. What is offered is what is installed: the modes `apertium -l` lists, read
at run time (no list of pairs here). Mode names mix ISO 639-1 and 639-3 codes (en-gl, eng-cat)
and add variants after "_" (eng-cat_valencia, spa-eng_US, eng-hbs_SR); modes with more parts
(en-eo-bytecode, eo-en-j) are a pair's debugging or alternative pipelines and are not offered.
One process per text: batching texts on separate lines (`-f line`) or with null flushes (`-z`)
changes the output (Apertium reads across lines; `-z` on this version drops the separators),
and a text takes ~0.1 s anyway.
"""

from __future__ import annotations

import functools
import re
import shutil
import subprocess
import threading

from pipeline.drafting.langcodes import unsupported
from pipeline.drafting.protocol import BaseEngine, EngineSpec, Transient
from pipeline.drafting.settings import EngineSettings
from pipeline.errors import ConfigError, EngineError
from pipeline.names import locale_of

# ISO 639-1 -> the ISO 639-3 codes Apertium's modes use (eng-spa, spa-cat, ...).
ISO3 = {
    "af": "afr", "an": "arg", "ar": "ara", "az": "aze", "be": "bel", "bg": "bul", "br": "bre",
    "bs": "bos", "ca": "cat", "co": "cos", "cs": "ces", "cy": "cym", "da": "dan", "de": "deu",
    "el": "ell", "en": "eng", "eo": "epo", "es": "spa", "et": "est", "eu": "eus", "fa": "fas",
    "fi": "fin", "fo": "fao", "fr": "fra", "ga": "gle", "gd": "gla", "gl": "glg", "he": "heb",
    "hi": "hin", "hr": "hrv", "hu": "hun", "id": "ind", "is": "isl", "it": "ita", "kk": "kaz",
    "ky": "kir", "lt": "lit", "lv": "lav", "mk": "mkd", "ms": "msa", "mt": "mlt", "nb": "nob",
    "nl": "nld", "nn": "nno", "oc": "oci", "pl": "pol", "pt": "por", "ro": "ron", "ru": "rus",
    "sc": "srd", "se": "sme", "sk": "slk", "sl": "slv", "sq": "sqi", "sr": "srp", "sv": "swe",
    "sw": "swa", "tr": "tur", "tt": "tat", "uk": "ukr", "ur": "urd", "uz": "uzb",
}
_ISO1 = {v: k for k, v in ISO3.items()}
# Serbo-Croatian pairs (apertium-hbs-eng) write Latin script, with a variant per standard.
_MACRO = {("hr", None): "hbs_HR", ("bs", None): "hbs_BS", ("bs", "Latn"): "hbs_BS",
          ("sr", "Latn"): "hbs_SR"}
_MODE_RE = re.compile(r"^([a-z]{2,3})-([a-z]{2,3})(?:_([A-Za-z0-9_]+))?$")

# With -u Apertium still marks words its bilingual (@) or generation (#) dictionaries lack. Real
# hashtags and handles are masked before they get here, so a # or @ starting a word is a mark.
_DOUBLE_SPACE = re.compile(r"(?<=\S) {2,}(?=\S)")
_MARKS = re.compile(r"(?<!\S)[#@](?=\w)")


def spellings(lang: str) -> list[str]:
    """Apertium's spellings of a gettext code, most specific first: pt_BR -> por_BR, por,
    pt; ca@valencia -> cat_valencia, ...; hr -> hbs_HR, hrv, hr."""
    locale = locale_of(lang)
    base = ISO3.get(locale.language, locale.language)
    out = []
    if "@" in lang:
        out += [f"{base}_{lang.split('@', 1)[1]}", f"{locale.language}_{lang.split('@', 1)[1]}"]
    macro = _MACRO.get((locale.language, locale.script))
    if macro:
        out.append(macro)
    if locale.script:
        return out  # a script of its own (sr_Latn, zh_Hant): never the base language's pair
    if locale.territory:
        out += [f"{base}_{locale.territory}", f"{locale.language}_{locale.territory}"]
    return out + [base, locale.language]


def gettext_code(apertium: str) -> str | None:
    """The gettext code of an Apertium language (eng -> en, cat_valencia -> ca@valencia,
    por_BR -> pt_BR), or None for a variant that has none (cat_iec2017)."""
    base, _, variant = apertium.partition("_")
    code = _ISO1.get(base, base if len(base) == 2 else None)
    if base == "hbs":
        return {"HR": "hr", "BS": "bs", "SR": "sr_Latn"}.get(variant)
    if code is None or not variant:
        return code
    if re.fullmatch(r"[A-Z]{2}", variant):
        return f"{code}_{variant}"
    if re.fullmatch(r"[a-z]{3,12}", variant):
        return f"{code}@{variant}"
    return None


def pairs(modes: list[str]) -> list[tuple[str, str]]:
    """(source, target) gettext codes of the translation modes among `modes`."""
    out = []
    for mode in modes:
        match = _MODE_RE.match(mode)
        if match:
            src = gettext_code(match.group(1))
            tgt = gettext_code(match.group(2) + (f"_{match.group(3)}" if match.group(3) else ""))
            if src and tgt:
                out.append((src, tgt))
    return out


@functools.lru_cache(maxsize=4)
def installed_modes(command: str = "apertium", timeout: float = 20.0) -> tuple[str, ...]:
    """The installed modes as `apertium -l` lists them (eng-spa, ...); () without apertium."""
    path = shutil.which(command)
    if path is None:
        return ()
    try:
        done = subprocess.run([path, "-l"], capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise EngineError(f"apertium -l gave no answer within {timeout:g} s") from None
    return tuple(line.strip() for line in done.stdout.splitlines() if line.strip())


def installed_pairs_text(source: str = "en") -> str:
    """What `draft --help` says about the installed pairs from `source`."""
    targets = sorted({t for s, t in pairs(list(installed_modes())) if s == source})
    if not targets:
        return f"no pair from {source} installed (Debian: apt-get install apertium-eng-spa ...)"
    return f"installed here from {source}: {', '.join(targets)}"


class ApertiumEngine(BaseEngine):
    """Runs `apertium -u MODE` once per text."""

    def __init__(self, settings: EngineSettings):
        super().__init__(settings)
        command = settings.get("command") or "apertium"
        self.command = shutil.which(command)
        if self.command is None:
            raise ConfigError(f"the apertium engine needs the `{command}` command; install "
                              "Debian's apertium and a language pair (sudo apt-get install "
                              "apertium apertium-eng-spa) or set [draft.engines.apertium] command")
        self._lock = threading.Lock()

    def modes(self) -> list[str]:
        """The installed translation modes (asked once per command)."""
        with self._lock:
            return list(installed_modes(self.command, self.timeout))

    def mode(self, source: str, target: str) -> str:
        """The mode translating source -> target, or Unsupported naming what is there."""
        modes = self.modes()
        for src in spellings(source):
            for tgt in spellings(target):
                if f"{src}-{tgt}" in modes:
                    return f"{src}-{tgt}"
        offered = sorted({t for s, t in pairs(modes) if s == source})
        base = ISO3.get(locale_of(source).language, source)
        raise unsupported("apertium", target, offered, hint=(
            f"Installed modes: {', '.join(m for m in modes if _MODE_RE.match(m)) or 'none'}. "
            f"Debian packages more pairs (`apt-cache search apertium-{base}`)."))

    def check(self, source: str, target: str) -> None:
        self.mode(source, target)

    def translate_texts(self, texts: list[str], source: str, target: str) -> list[str]:
        mode = self.mode(source, target)
        return [self._one(text, mode) for text in texts]

    def _one(self, text: str, mode: str) -> str:
        try:
            # -u: no '*' before unknown words; they pass through as written.
            done = subprocess.run([self.command, "-u", mode], input=text + "\n",
                                  capture_output=True, text=True, timeout=self.timeout)
        except subprocess.TimeoutExpired:
            raise Transient(f"apertium {mode} took longer than {self.timeout:g} s") from None
        if done.returncode != 0:
            detail = (done.stderr.strip().splitlines() or ["no message"])[-1]
            raise EngineError(f"apertium {mode} failed (exit {done.returncode}): {detail}")
        answer = _MARKS.sub("", done.stdout[:-1] if done.stdout.endswith("\n") else done.stdout)
        if "  " not in text:
            # Apertium leaves two spaces where it drops a word ("What you can do" ->
            # "Qué  puedes hacer"); the checks would flag every such draft.
            answer = _DOUBLE_SPACE.sub(" ", answer)
        return answer


ENGINES = (EngineSpec("apertium", ApertiumEngine, settings=("command",),
                      summary="Apertium, offline, from Debian's packages",
                      details=installed_pairs_text),)
