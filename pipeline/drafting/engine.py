"""The engine protocol, the registry of engines by name, settings, and language-code mapping."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Callable, Iterable, Mapping, Protocol

from babel.core import get_global

from pipeline.config import CONFIG_NAME, Config
from pipeline.errors import ConfigError, EngineError
from pipeline.names import locale_of

# Settings every engine understands; they override [draft]'s for that engine only.
COMMON_SETTINGS = ("timeout", "concurrency", "retries")


class Unsupported(EngineError):
    """The engine cannot translate this language pair; reported per language."""


class Transient(EngineError):
    """A failure worth retrying: HTTP 429 or 5xx, a timeout, a dropped connection."""

    def __init__(self, message: str, retry_after: float = 0.0):
        super().__init__(message)
        self.retry_after = retry_after


class Fatal(EngineError):
    """A failure that every further request would repeat (a refused key, a quota used up)."""


class Engine(Protocol):
    """What the runner needs from an engine. translate() is called from many threads."""

    name: str
    identity: str  # what, besides the name, makes answers differ (a server URL): cache key
    batch_size: int  # texts per translate() call
    masks: bool  # text is masked before translate() and checked after
    cacheable: bool

    def check(self, source: str, target: str) -> None:
        """Raise Unsupported unless the engine serves source -> target (gettext codes)."""

    def translate(self, texts: list[str], source: str, target: str) -> list[str]:
        """One translation per text, in order; "" where the engine has none."""


@dataclass(frozen=True)
class EngineSettings:
    """An engine's settings: [draft.engines.NAME] overridden by HANDBILL_NAME_KEY variables."""

    name: str
    cfg: Config
    options: Mapping[str, str]
    origins: Mapping[str, str]  # option -> where it was set, for error messages
    timeout: float
    concurrency: int
    retries: int

    def get(self, key: str, default: str | None = None) -> str | None:
        return self.options.get(key, default)

    def secret(self, key: str) -> str | None:
        """An API key or secret: only ever from the environment (config.py refuses them)."""
        return os.environ.get(env_name(self.name, key)) or None

    def require_secret(self, key: str, what: str) -> str:
        value = self.secret(key)
        if not value:
            raise ConfigError(f"the {self.name} engine needs {what}: set the environment "
                              f"variable {env_name(self.name, key)} (keys are never read from "
                              f"{CONFIG_NAME})")
        return value

    def number(self, key: str, default: float) -> float:
        raw = self.options.get(key)
        if raw is None:
            return default
        try:
            return float(raw)
        except ValueError:
            raise ConfigError(f"{self.origins[key]}: {key} must be a number, got {raw!r}") from None


def env_name(engine: str, key: str) -> str:
    return f"HANDBILL_{engine.upper()}_{key.upper()}"


Factory = Callable[[EngineSettings], Engine]


@dataclass
class _Registration:
    factory: Factory
    settings: tuple[str, ...]  # settings this engine accepts besides COMMON_SETTINGS
    secrets: tuple[str, ...] = ()
    summary: str = ""


_REGISTRY: dict[str, _Registration] = {}


def register(name: str, settings: tuple[str, ...] = (), secrets: tuple[str, ...] = (),
             summary: str = "") -> Callable[[Factory], Factory]:
    """Class or function decorator: make an engine available under `name`."""
    def wrap(factory: Factory) -> Factory:
        _REGISTRY[name] = _Registration(factory, settings, secrets, summary)
        return factory
    return wrap


def _load_builtin() -> None:
    # Importing the modules registers their engines; done lazily so `handbill status` does not
    # pay for deep-translator's imports (BeautifulSoup, requests).
    from pipeline.drafting import apertium, deepl, deeptranslator, memory  # noqa: F401


def engine_names() -> list[str]:
    _load_builtin()
    return sorted(_REGISTRY)


def engine_settings(cfg: Config, name: str) -> EngineSettings:
    """Merge [draft.engines.NAME] with HANDBILL_NAME_* variables; unknown keys are errors."""
    _load_builtin()
    reg = _known(name)
    options: dict[str, str] = {}
    origins: dict[str, str] = {}
    for key, value in cfg.draft.engines.get(name, {}).items():
        options[key], origins[key] = value, f"{CONFIG_NAME} [draft.engines.{name}]"
    prefix = f"HANDBILL_{name.upper()}_"
    for var, value in os.environ.items():
        if var.startswith(prefix):
            key = var[len(prefix):].lower()
            if key in reg.secrets:
                continue  # read through EngineSettings.secret(), never kept with the options
            options[key], origins[key] = value, f"environment variable {var}"
    known = set(COMMON_SETTINGS) | set(reg.settings)
    for key in options:
        if key not in known:
            raise ConfigError(f"{origins[key]}: {key!r} is not a setting of the {name} engine; "
                              f"it knows {', '.join(sorted(known | set(reg.secrets)))}")
    settings = EngineSettings(name, cfg, options, origins, 0.0, 0, 0)
    timeout = settings.number("timeout", cfg.draft.timeout)
    concurrency = int(settings.number("concurrency", cfg.draft.concurrency))
    retries = int(settings.number("retries", cfg.draft.retries))
    if timeout <= 0 or not 1 <= concurrency <= 256 or not 0 <= retries <= 20:
        raise ConfigError(f"the {name} engine's timeout must be positive, concurrency between 1 "
                          "and 256 and retries between 0 and 20; check [draft.engines."
                          f"{name}] in {CONFIG_NAME} and HANDBILL_{name.upper()}_* variables")
    return EngineSettings(name, cfg, options, origins, timeout, concurrency, retries)


def _known(name: str) -> _Registration:
    reg = _REGISTRY.get(name)
    if reg is None:
        raise ConfigError(f"unknown drafting engine {name!r}; the engines are "
                          f"{', '.join(sorted(_REGISTRY))} (set [draft] engine in {CONFIG_NAME} "
                          "or pass --engine)")
    return reg


def create(cfg: Config, name: str) -> Engine:
    """Build the engine registered under `name` with its settings (ConfigError if unusable)."""
    settings = engine_settings(cfg, name)
    return _REGISTRY[name].factory(settings)


# ---------------------------------------------------------------------------- language codes

# Codes some engines still spell the old way.
_OLD_CODES = {"he": ("iw",), "jv": ("jw",), "nb": ("no",), "fil": ("tl",), "yi": ("ji",),
              "id": ("in",)}


def _likely(lang: str) -> tuple[str | None, str | None]:
    """CLDR's likely script and region of a bare language code (pt -> Latn, BR)."""
    full = get_global("likely_subtags").get(lang)
    if not full:
        return None, None
    parts = full.split("_")
    return (parts[1] if len(parts) > 1 else None), (parts[2] if len(parts) > 2 else None)


def code_candidates(lang: str) -> list[str]:
    """Spellings of a gettext code engines use, most specific first: pt_BR -> pt-BR, pt, ..."""
    locale = locale_of(lang)
    ll, script, region = locale.language, locale.script, locale.territory
    likely_script, likely_region = _likely(ll)
    out: list[str] = []
    if script and region:
        out.append(f"{ll}-{script}-{region}")
    if script:
        out.append(f"{ll}-{script}")
    if region:
        out.append(f"{ll}-{region}")
    if ll == "zh":
        # Engines spell Chinese scripts as regions, or with codes of their own (zt, cht).
        hant = script == "Hant" or region in ("TW", "HK", "MO")
        out += ["zh-Hant", "zh-TW", "zt", "cht"] if hant else ["zh-Hans", "zh-CN", "zh"]
    # Falling back to the bare language is right for a region (pt_BR -> pt) but not for another
    # script (sr_Latn must not become Cyrillic sr).
    if script is None or script == likely_script:
        out.append(ll)
        if likely_region:
            out.append(f"{ll}-{likely_region}")
        out += _OLD_CODES.get(ll, ())
    return list(dict.fromkeys(out))


def _names(lang: str) -> list[str]:
    """English names deep-translator's tables use as keys: 'portuguese brazil', 'portuguese'."""
    locale = locale_of(lang)
    full = (locale.english_name or "").lower()
    base = (locale_of(locale.language).english_name or "").lower()
    names = [full, full.replace("(", "").replace(")", "")]
    if locale.script is None or locale.script == _likely(locale.language)[0]:
        names.append(base)
    return [n for n in dict.fromkeys(names) if n]


def pick_code(lang: str, codes: Iterable[str], by_name: Mapping[str, str] | None = None
              ) -> str | None:
    """The engine's own spelling of `lang` among `codes` (case-insensitive), or None."""
    spelled = {c.lower(): c for c in codes}
    for candidate in code_candidates(lang):
        if candidate.lower() in spelled:
            return spelled[candidate.lower()]
    if by_name:
        names = {k.lower(): v for k, v in by_name.items()}
        for name in _names(lang):
            if name in names:
                return names[name]
    return None


def unsupported(engine: str, lang: str, offered: Iterable[str], hint: str = "") -> Unsupported:
    """The per-language error: what the engine offers and what to do instead."""
    shown = sorted(set(offered))
    listing = ", ".join(shown[:60]) + (f" and {len(shown) - 60} more" if len(shown) > 60 else "")
    return Unsupported(f"the {engine} engine cannot translate into {lang}"
                       f" ({locale_of(lang).english_name}); it offers {listing or 'nothing'}."
                       f"{' ' + hint if hint else ''} Choose another engine for {lang} under "
                       f"[draft.languages] in {CONFIG_NAME}, or pass --engine.")


class BaseEngine:
    """Defaults for the protocol's attributes; engines override what differs."""

    batch_size = 1
    masks = True
    cacheable = True

    def __init__(self, settings: EngineSettings):
        self.settings = settings
        self.name = settings.name
        self.identity = ""
        self.timeout = settings.timeout


class Match(str):
    """A translation that carries a similarity score (translation memory)."""

    score: float = 1.0

    def __new__(cls, text: str, score: float) -> "Match":
        obj = super().__new__(cls, text)
        obj.score = score
        return obj
