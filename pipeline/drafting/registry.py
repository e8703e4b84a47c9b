"""The engines by name. Each engine module lists its engines in a module-level ENGINES tuple of
EngineSpec; the registry imports those modules by name when first asked (so `handbill status`
never pays for deep-translator's imports) and never the other way round: engines import only
the protocol, their settings and the language codes.
"""

from __future__ import annotations

import importlib
import threading

from pipeline.config import CONFIG_NAME, Config
from pipeline.drafting.protocol import Engine, EngineSpec
from pipeline.drafting.settings import EngineSettings, load_settings
from pipeline.errors import ConfigError

# The modules holding the built-in engines, in the order `draft --help` lists them.
MODULES = ("pipeline.drafting.apertium", "pipeline.drafting.memory",
           "pipeline.drafting.openai", "pipeline.drafting.deepl",
           "pipeline.drafting.deeptranslator")

_specs: dict[str, EngineSpec] = {}
_extra: dict[str, EngineSpec] = {}
_loaded = False
_lock = threading.Lock()


def _load() -> dict[str, EngineSpec]:
    global _loaded
    with _lock:
        if not _loaded:
            for module in MODULES:
                for spec in importlib.import_module(module).ENGINES:
                    _specs[spec.name] = spec
            _loaded = True
        return {**_specs, **_extra}


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
    return sorted(_load())


def spec(name: str) -> EngineSpec:
    """The engine registered under `name`, or a ConfigError listing the engines."""
    known = _load()
    if name not in known:
        raise ConfigError(f"unknown drafting engine {name!r}; the engines are "
                          f"{', '.join(sorted(known))} (set [draft] engine in {CONFIG_NAME} "
                          "or pass --engine)")
    return known[name]


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
