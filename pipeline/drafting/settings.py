"""An engine's settings: [draft.engines.NAME] in handbill.toml, overridden by HANDBILL_NAME_KEY
environment variables; secrets (API keys) only ever from the environment."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Mapping

from pipeline.config import CONFIG_NAME, Config
from pipeline.errors import ConfigError

# Settings every engine understands; they override [draft]'s for that engine only.
COMMON_SETTINGS = ("timeout", "concurrency", "retries")


def env_name(engine: str, key: str) -> str:
    """HANDBILL_<ENGINE>_<KEY>: the environment variable of one setting or secret."""
    return f"HANDBILL_{engine.upper()}_{key.upper()}"


@dataclass(frozen=True)
class EngineSettings:
    """An engine's settings, validated against what the engine declares it takes."""

    name: str
    cfg: Config
    options: Mapping[str, str]
    origins: Mapping[str, str]  # option -> where it was set, for error messages
    timeout: float
    concurrency: int
    retries: int

    def get(self, key: str, default: str | None = None) -> str | None:
        """A setting as written, or `default`."""
        return self.options.get(key, default)

    def where(self, key: str) -> str:
        """Where a setting was (or would be) set, for an error message."""
        return self.origins.get(key, f"{CONFIG_NAME} [draft.engines.{self.name}] {key}")

    def secret(self, key: str) -> str | None:
        """An API key or secret: only ever from the environment (config.py refuses them)."""
        return os.environ.get(env_name(self.name, key)) or None

    def require_secret(self, key: str, what: str) -> str:
        """A secret the engine cannot work without, or a ConfigError naming its variable."""
        value = self.secret(key)
        if not value:
            raise ConfigError(f"the {self.name} engine needs {what}: set the environment "
                              f"variable {env_name(self.name, key)} (keys are never read from "
                              f"{CONFIG_NAME})")
        return value

    def number(self, key: str, default: float) -> float:
        """A numeric setting, or `default`; a ConfigError names where a bad one was set."""
        raw = self.options.get(key)
        if raw is None:
            return default
        try:
            return float(raw)
        except ValueError:
            raise ConfigError(f"{self.origins[key]}: {key} must be a number, got {raw!r}") from None


def load_settings(cfg: Config, name: str, accepted: tuple[str, ...],
                  secrets: tuple[str, ...]) -> EngineSettings:
    """Merge [draft.engines.NAME] with HANDBILL_NAME_* variables; unknown keys are errors."""
    options: dict[str, str] = {}
    origins: dict[str, str] = {}
    for key, value in cfg.draft.engines.get(name, {}).items():
        options[key], origins[key] = value, f"{CONFIG_NAME} [draft.engines.{name}]"
    prefix = f"HANDBILL_{name.upper()}_"
    for var, value in os.environ.items():
        if var.startswith(prefix):
            key = var[len(prefix):].lower()
            if key in secrets:
                continue  # read through EngineSettings.secret(), never kept with the options
            options[key], origins[key] = value, f"environment variable {var}"
    known = set(COMMON_SETTINGS) | set(accepted)
    for key in options:
        if key not in known:
            raise ConfigError(f"{origins[key]}: {key!r} is not a setting of the {name} engine; "
                              f"it knows {', '.join(sorted(known | set(secrets)))}")
    draft = EngineSettings(name, cfg, options, origins, 0.0, 0, 0)
    timeout = draft.number("timeout", cfg.draft.timeout)
    concurrency = int(draft.number("concurrency", cfg.draft.concurrency))
    retries = int(draft.number("retries", cfg.draft.retries))
    if timeout <= 0 or not 1 <= concurrency <= 256 or not 0 <= retries <= 20:
        raise ConfigError(f"the {name} engine's timeout must be positive, concurrency between 1 "
                          "and 256 and retries between 0 and 20; check [draft.engines."
                          f"{name}] in {CONFIG_NAME} and HANDBILL_{name.upper()}_* variables")
    return EngineSettings(name, cfg, options, origins, timeout, concurrency, retries)
