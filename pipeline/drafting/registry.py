"""The engines by name. Each engine module lists its engines in a module-level ENGINES tuple of
EngineSpec; the registry knows which module holds which name and imports a module by name only
when one of its engines is asked for (so `draft --engine apertium` never pays for httpx,
requests or deep-translator), never the other way round: engines import only the protocol,
their settings and the language codes.
"""

from __future__ import annotations

import importlib
import threading

from pipeline.config import CONFIG_NAME, Config
from pipeline.drafting.protocol import Engine, EngineSpec
from pipeline.drafting.settings import EngineSettings, load_settings
from pipeline.errors import ConfigError

# The built-in engines and the module whose ENGINES defines each, in `draft --help` order.
_DRAFTING = "pipeline.drafting."
BUILTIN = {
    "apertium": _DRAFTING + "apertium", "memory": _DRAFTING + "memory",
    "openai": _DRAFTING + "openai", "deepl": _DRAFTING + "deepl",
    **{name: _DRAFTING + "deeptranslator"
       for name in ("libre", "google", "mymemory", "microsoft", "baidu", "qcri")},
}

_specs: dict[str, EngineSpec] = {}
_extra: dict[str, EngineSpec] = {}
_lock = threading.Lock()


def _import(name: str) -> EngineSpec:
    with _lock:
        if name not in _specs:
            for spec in importlib.import_module(BUILTIN[name]).ENGINES:
                _specs[spec.name] = spec
        return _specs[name]


def _load() -> dict[str, EngineSpec]:
    """Every engine: the built-in ones (all their modules imported) and those added."""
    found = {name: _import(name) for name in BUILTIN}
    with _lock:
        return {**found, **_extra}


def add(spec: EngineSpec) -> EngineSpec:
    """Make one more engine available (a plug-in, or a test's in-process engine)."""
    with _lock:
        _extra[spec.name] = spec
    return spec


def specs() -> list[EngineSpec]:
    """Every engine, built-in first, in listing order."""
    return list(_load().values())


def engine_names() -> list[str]:
    """The names `--engine` and [draft] engine accept, sorted."""
    with _lock:
        return sorted({*BUILTIN, *_extra})


def spec(name: str) -> EngineSpec:
    """The engine registered under `name`, or a ConfigError listing the engines."""
    with _lock:
        if name in _extra:
            return _extra[name]
    if name in BUILTIN:
        return _import(name)
    raise ConfigError(f"unknown drafting engine {name!r}; the engines are "
                      f"{', '.join(engine_names())} (set [draft] engine in {CONFIG_NAME} "
                      "or pass --engine)")


def engine_settings(cfg: Config, name: str) -> EngineSettings:
    """The validated settings of engine `name` (ConfigError for an unknown engine or key)."""
    found = spec(name)
    return load_settings(cfg, name, found.settings, found.secrets)


def create(cfg: Config, name: str) -> Engine:
    """Build the engine registered under `name` with its settings (ConfigError if unusable)."""
    return spec(name).factory(engine_settings(cfg, name))


def describe() -> list[tuple[str, str]]:
    """(name, one line) per engine, for `draft --help` and the guides: what it is, and for
    Apertium the pairs installed on this machine."""
    out = []
    for found in specs():
        line = found.summary
        if found.details is not None:
            line = f"{line}; {found.details()}" if line else found.details()
        out.append((found.name, line))
    return out
