"""Apertium: offline rule-based translation from Debian's packages (apertium, apertium-eng-spa).

No network at all. The installed modes are read at run time (`apertium -l`); a language with no
mode is reported with the pairs that are there. One process per text: batching texts on
separate lines (`-f line`) or with null flushes (`-z`) changes the output (Apertium reads
across lines; `-z` on this version drops the separators), and a text takes ~0.1 s anyway.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import threading

from pipeline.drafting.engine import (
    BaseEngine, EngineSettings, Transient, register, unsupported,
)
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


# With -u Apertium still marks words its bilingual (@) or generation (#) dictionaries lack. Real
# hashtags and handles are masked before they get here, so a # or @ starting a word is a mark.
_DOUBLE_SPACE = re.compile(r"(?<=\S) {2,}(?=\S)")
_MARKS = re.compile(r"(?<!\S)[#@](?=\w)")


def _iso3(lang: str) -> list[str]:
    """Apertium spellings of a gettext code: pt_BR -> por_BR, por (and the old pt)."""
    locale = locale_of(lang)
    base = ISO3.get(locale.language, locale.language)
    out = [f"{base}_{locale.territory}"] if locale.territory else []
    return out + [base, locale.language]


@register("apertium", settings=("command",),
          summary="Apertium, offline, from Debian packages (apertium-eng-spa, ...)")
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
        self._modes: list[str] | None = None
        self._lock = threading.Lock()

    def modes(self) -> list[str]:
        """The installed translation modes, as `apertium -l` lists them (eng-spa, ...)."""
        with self._lock:
            if self._modes is None:
                try:
                    done = subprocess.run([self.command, "-l"], capture_output=True, text=True,
                                          timeout=self.timeout)
                except subprocess.TimeoutExpired:
                    raise EngineError(f"apertium -l gave no answer within {self.timeout:g} s")
                self._modes = [line.strip() for line in done.stdout.splitlines() if line.strip()]
            return self._modes

    def mode(self, source: str, target: str) -> str:
        modes = self.modes()
        for src in _iso3(source):
            for tgt in _iso3(target):
                if f"{src}-{tgt}" in modes:
                    return f"{src}-{tgt}"
        sources = set(_iso3(source))
        offered = [m.split("-", 1)[1] for m in modes if m.split("-", 1)[0] in sources]
        names = {v: k for k, v in ISO3.items()}
        shown = [f"{names.get(code, code)} ({code})" for code in offered]
        raise unsupported("apertium", target, shown, hint=(
            f"Installed modes: {', '.join(modes) or 'none'}. Debian packages more pairs "
            f"(`apt-cache search apertium-{_iso3(source)[-2]}`)."))

    def check(self, source: str, target: str) -> None:
        self.mode(source, target)

    def translate(self, texts: list[str], source: str, target: str) -> list[str]:
        mode = self.mode(source, target)
        out = []
        for text in texts:
            try:
                # -u: no '*' before unknown words; they pass through as written.
                done = subprocess.run([self.command, "-u", mode], input=text + "\n",
                                      capture_output=True, text=True, timeout=self.timeout)
            except subprocess.TimeoutExpired:
                raise Transient(f"apertium {mode} took longer than {self.timeout:g} s") from None
            if done.returncode != 0:
                detail = (done.stderr.strip().splitlines() or ["no message"])[-1]
                raise EngineError(f"apertium {mode} failed (exit {done.returncode}): {detail}")
            answer = _MARKS.sub("", done.stdout[:-1] if done.stdout.endswith("\n")
                                else done.stdout)
            if "  " not in text:
                # Apertium leaves two spaces where it drops a word ("What you can do" ->
                # "Qué  puedes hacer"); the checks would flag every such draft.
                answer = _DOUBLE_SPACE.sub(" ", answer)
            out.append(answer)
        return out
