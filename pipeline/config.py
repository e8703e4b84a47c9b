"""handbill.toml -> a frozen, validated Config. Unknown keys are errors."""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping

from pipeline.errors import ConfigError
from pipeline.names import validate_language

CONFIG_NAME = "handbill.toml"
PAPERS = ("A5", "A4", "Letter")
DRAFT_POLICIES = ("label", "skip", "final")


@dataclass(frozen=True)
class DraftConfig:
    engine: str = "memory"
    languages: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    concurrency: int = 8
    timeout: float = 20.0
    retries: int = 3
    similarity: float = 0.75
    engines: Mapping[str, Mapping[str, str]] = field(default_factory=lambda: MappingProxyType({}))

    def engine_for(self, lang: str) -> str:
        return self.languages.get(lang, self.engine)


@dataclass(frozen=True)
class RenderConfig:
    paper: str = "A5"
    drafts: str = "label"  # label: render drafts labelled; skip: do not render; final: as final
    allow_incomplete: bool = False
    bleed_mm: float = 0.0  # print-shop bleed around the trimmed page ("3mm"); 0: none
    crop_marks: bool = False  # crop marks outside the bleed (print shops)


def parse_length_mm(value: str) -> float | None:
    """"3mm", "0.125in", "8.5pt", "0" -> millimetres; None if it is not such a length."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(mm|cm|in|pt)?\s*", value)
    if not match or (match[2] is None and float(match[1]) != 0):
        return None
    factor = {"mm": 1.0, "cm": 10.0, "in": 25.4, "pt": 25.4 / 72, None: 0.0}[match[2]]
    return float(match[1]) * factor


@dataclass(frozen=True)
class Config:
    root: Path
    languages: tuple[str, ...]
    source_language: str = "en"
    wrap: int = 79
    output: Path = Path("output")
    campaigns: tuple[str, ...] | None = None  # None: every folder under source/
    render: RenderConfig = RenderConfig()
    draft: DraftConfig = DraftConfig()

    @property
    def source_dir(self) -> Path:
        return self.root / "source"

    @property
    def locales_dir(self) -> Path:
        return self.root / "locales"

    @property
    def output_dir(self) -> Path:
        return self.output if self.output.is_absolute() else self.root / self.output

    def relpath(self, path: Path) -> str:
        """A path relative to the project root, for messages and references."""
        try:
            return Path(os.path.relpath(path, self.root)).as_posix()
        except ValueError:
            return str(path)


def find_project(start: Path) -> Path:
    """Walk up from `start` to the folder holding handbill.toml."""
    start = start.resolve()
    for folder in (start, *start.parents):
        if (folder / CONFIG_NAME).is_file():
            return folder
    raise ConfigError(
        f"no {CONFIG_NAME} found in {start} or above; run `handbill init-project DIR` to create "
        "a project, or pass --project DIR"
    )


def _line_of(text: str, key: str) -> int | None:
    match = re.search(rf"^\s*{re.escape(key)}\s*=", text, re.M)
    return text.count("\n", 0, match.start()) + 1 if match else None


class _Section:
    """Reads one TOML table, remembering which keys were used, so leftovers are errors."""

    def __init__(self, data: Mapping[str, Any], name: str, path: Path, text: str):
        if not isinstance(data, dict):
            raise ConfigError(f"[{name}] must be a table", path, _line_of(text, name))
        self.data, self.name, self.path, self.text = data, name, path, text
        self.used: set[str] = set()

    def error(self, key: str, message: str) -> ConfigError:
        return ConfigError(f"[{self.name}] {key}: {message}", self.path, _line_of(self.text, key))

    def get(self, key: str, kind: type | tuple[type, ...], default: Any) -> Any:
        self.used.add(key)
        if key not in self.data:
            return default
        value = self.data[key]
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
            raise self.error(key, f"expected {names}, got {type(value).__name__} {value!r}")
        return value

    def table(self, key: str) -> dict:
        self.used.add(key)
        value = self.data.get(key, {})
        if not isinstance(value, dict):
            raise self.error(key, "must be a table")
        return value

    def finish(self) -> None:
        unknown = sorted(set(self.data) - self.used)
        if unknown:
            raise self.error(
                unknown[0], f"unknown setting; known ones are {', '.join(sorted(self.used))}"
            )


def load_config(root: Path) -> Config:
    """Read and validate root/handbill.toml."""
    path = root / CONFIG_NAME
    try:
        text = path.read_text(encoding="utf-8")
        data = tomllib.loads(text)
    except FileNotFoundError:
        raise ConfigError(f"no {CONFIG_NAME} here; run `handbill init-project DIR`", path) from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"not UTF-8 text: {exc.reason}", path) from None
    except tomllib.TOMLDecodeError as exc:
        line = getattr(exc, "lineno", None)
        match = re.search(r"\(at line (\d+)", str(exc))
        if match:
            line = int(match.group(1))
        raise ConfigError(f"invalid TOML: {str(exc).split(' (at')[0]}", path, line) from None

    top = _Section(data, "top level", path, text)
    proj = _Section(top.table("project"), "project", path, text)
    languages = tuple(
        validate_language(code, where=f"{path}") for code in proj.get("languages", list, [])
    )
    if len(set(languages)) != len(languages):
        raise proj.error("languages", "a language is listed twice")
    source_language = validate_language(proj.get("source_language", str, "en"), str(path))
    wrap = proj.get("wrap", int, 79)
    if wrap < 0:
        raise proj.error("wrap", "must be 0 (no wrapping) or a positive width")
    output = Path(proj.get("output", str, "output"))
    campaigns = proj.get("campaigns", list, None)
    proj.finish()

    rsec = _Section(top.table("render"), "render", path, text)
    paper = rsec.get("paper", str, "A5")
    if paper not in PAPERS:
        raise rsec.error("paper", f"must be one of {', '.join(PAPERS)}")
    drafts = rsec.get("drafts", str, "label")
    if drafts not in DRAFT_POLICIES:
        raise rsec.error("drafts", f"must be one of {', '.join(DRAFT_POLICIES)}")
    bleed = parse_length_mm(str(rsec.get("bleed", (str, int, float), "0")))
    if bleed is None or bleed > 10:
        raise rsec.error("bleed", 'must be a length up to 10 mm, such as "3mm" or "0.125in"')
    render = RenderConfig(paper, drafts, rsec.get("allow_incomplete", bool, False), bleed,
                          rsec.get("crop_marks", bool, False))
    rsec.finish()

    draft = _load_draft(_Section(top.table("draft"), "draft", path, text))
    top.finish()
    return Config(
        root=root,
        languages=languages,
        source_language=source_language,
        wrap=wrap,
        output=output,
        campaigns=tuple(campaigns) if campaigns is not None else None,
        render=render,
        draft=draft,
    )


def _load_draft(sec: _Section) -> DraftConfig:
    engine = sec.get("engine", str, "memory")
    per_lang = sec.table("languages")
    languages = {}
    for code, name in per_lang.items():
        if not isinstance(name, str):
            raise sec.error(code, "a per-language engine must be a name such as apertium")
        languages[validate_language(code, str(sec.path))] = name
    concurrency = sec.get("concurrency", int, 8)
    if not 1 <= concurrency <= 256:
        raise sec.error("concurrency", "must be between 1 and 256")
    timeout = float(sec.get("timeout", (int, float), 20.0))
    if timeout <= 0:
        raise sec.error("timeout", "must be a positive number of seconds")
    retries = sec.get("retries", int, 3)
    if not 0 <= retries <= 20:
        raise sec.error("retries", "must be between 0 and 20")
    similarity = float(sec.get("similarity", (int, float), 0.75))
    if not 0 < similarity <= 1:
        raise sec.error("similarity", "must be above 0 and at most 1")
    engines = {}
    for name, settings in sec.table("engines").items():
        if not isinstance(settings, dict):
            raise sec.error(name, "[draft.engines.NAME] must be a table of settings")
        for key, value in settings.items():
            if "key" in key.lower() or "secret" in key.lower() or "token" in key.lower():
                raise sec.error(
                    key,
                    f"API keys are read only from the environment: set "
                    f"HANDBILL_{name.upper()}_{key.upper()} instead of writing it in a file",
                )
            if not isinstance(value, (str, int, float, bool)):
                raise sec.error(key, "engine settings must be strings or numbers")
        engines[name] = MappingProxyType({k: str(v) for k, v in settings.items()})
    sec.finish()
    return DraftConfig(
        engine=engine,
        languages=MappingProxyType(languages),
        concurrency=concurrency,
        timeout=timeout,
        retries=retries,
        similarity=similarity,
        engines=MappingProxyType(engines),
    )
