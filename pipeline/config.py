"""handbill.toml -> a frozen, validated Config. Unknown keys are errors."""

from __future__ import annotations

import datetime as dt
import functools
import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping

from pipeline import files
from pipeline.errors import ConfigError, HandbillError
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


# Checks that protect readers: a translator's `#, ignore-*` flag cannot silence them; only the
# coordinator can, per language, with [check] waive (see pipeline/checks/context.py).
PROTECTED_CHECKS = ("foreign-link", "html", "unsafe-link", "control-chars", "bidi-controls",
                    "csv-formula", "too-long")
_HOST_RE = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)*"
                      r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")


@dataclass(frozen=True)
class CheckConfig:
    """[check]: what the coordinator allows that a translator's flags cannot."""

    # language (or "*") -> hosts a translation may link to although the source does not
    allow_hosts: Mapping[str, tuple[str, ...]] = field(
        default_factory=lambda: MappingProxyType({}))
    # language (or "*") -> protected checks waived for that language
    waive: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: MappingProxyType({}))

    def hosts_for(self, lang: str) -> frozenset[str]:
        return frozenset(self.allow_hosts.get(lang, ()) + self.allow_hosts.get("*", ()))

    def waived_for(self, lang: str) -> frozenset[str]:
        return frozenset(self.waive.get(lang, ()) + self.waive.get("*", ()))


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
    check: CheckConfig = CheckConfig()
    output_line: int | None = None  # the line of `output =` in handbill.toml, for errors

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
    _check_output(root, output, proj)
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
    check = _load_check(_Section(top.table("check"), "check", path, text))
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
        check=check,
        output_line=_line_of(text, "output"),
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


def _load_check(sec: _Section) -> CheckConfig:
    """[check] allow_hosts = {es = ["example.es"]}, waive = {ar = ["bidi-controls"]}."""
    tables = {}
    for key in ("allow_hosts", "waive"):
        table = {}
        for code, values in sec.table(key).items():
            lang = code if code == "*" else validate_language(code, f"{sec.path}: [check] {key}")
            if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
                raise sec.error(key, f"{code} must be a list of texts, e.g. {code} = "
                                + ('["example.es"]' if key == "allow_hosts" else '["html"]'))
            for value in values:
                if key == "allow_hosts" and not _HOST_RE.match(value.lower()):
                    raise sec.error(key, f"{value!r} is not a host name; write it as "
                                         "example.org (no https://, no path)")
                if key == "waive" and value not in PROTECTED_CHECKS:
                    raise sec.error(key, f"{value!r} is not one of the checks only the "
                                         f"coordinator waives: {', '.join(PROTECTED_CHECKS)} "
                                         "(other checks are waived with #, ignore-CHECK in "
                                         "the catalog)")
            table[lang] = tuple(v.lower() for v in values) if key == "allow_hosts" \
                else tuple(values)
        tables[key] = MappingProxyType(table)
    sec.finish()
    return CheckConfig(**tables)


# The project's own folders and files, which no output folder may be, hold or lie in.
_PROTECTED = ("source", "locales", ".git", ".handbill")


def _check_output(root: Path, output: Path, sec: _Section) -> None:
    """Refuse an output folder that handbill could not empty without losing someone's work:
    the project itself, a folder of sources, catalogs or git, a file, a symlink, or a folder
    outside the project. Case is ignored, as on macOS's and Windows' file systems."""
    base = Path(os.path.normpath(root))
    lexical = Path(os.path.normpath(base / output))

    def refuse(why: str) -> ConfigError:
        return sec.error("output", f"{output.as_posix()!r} {why}; choose a folder of its own "
                                   "inside the project, such as \"output\"")

    def inside(candidate: Path, start: Path) -> None:
        if candidate == start:
            raise refuse("is the project folder")
        if start not in candidate.parents:
            raise refuse("lies outside the project")
        first = candidate.relative_to(start).parts[0].casefold()
        if first in _PROTECTED:
            raise refuse(f"is or lies in the project's {first}/, which handbill must never "
                         "write into or empty")

    inside(lexical, base)
    if lexical.is_symlink():
        raise refuse("is a symlink")
    # A folder on the way may be a symlink (site -> locales): where it really leads counts.
    inside(Path(os.path.realpath(lexical)), Path(os.path.realpath(base)))
    if lexical.exists() and not lexical.is_dir():
        raise refuse("is a file, not a folder")


def prepare_output(cfg: Config, clean: bool = False) -> Path:
    """The output folder, created and marked as handbill's if needed; with `clean`, emptied
    (only a folder marked as handbill's). Refusals name the setting in handbill.toml."""
    try:
        files.claim_output(cfg.output_dir, cfg.relpath(cfg.output_dir), clean)
    except files.OutputRefused as exc:
        raise ConfigError(f"[project] output: {exc}", cfg.root / CONFIG_NAME,
                          cfg.output_line) from None
    return cfg.output_dir


# The largest SOURCE_DATE_EPOCH a date can hold (9999-12-31T23:59:59Z).
_MAX_EPOCH = 253402300799


def source_date_epoch() -> int | None:
    """SOURCE_DATE_EPOCH as an integer, None when unset or empty; a malformed or out-of-range
    value is an error, as reproducible-builds.org asks ("the build SHOULD fail")."""
    value = os.environ.get("SOURCE_DATE_EPOCH")
    if not value:
        return None
    if not value.isascii() or not value.isdigit():
        raise ConfigError(f"SOURCE_DATE_EPOCH={value!r} must be a whole number of seconds since "
                          "1970-01-01 UTC, such as the output of `git log -1 --format=%ct`")
    epoch = int(value)
    if epoch > _MAX_EPOCH:
        raise ConfigError(f"SOURCE_DATE_EPOCH={value} is after the year 9999; use the output "
                          "of `git log -1 --format=%ct`")
    return epoch


def build_moment() -> dt.datetime:
    """SOURCE_DATE_EPOCH as a UTC datetime, or now (to the second)."""
    epoch = source_date_epoch()
    if epoch is not None:
        return dt.datetime.fromtimestamp(epoch, dt.timezone.utc)
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0)


class ProjectContext:
    """The project a command works on, its config read only when a command asks for it."""

    def __init__(self, project_dir: Path | None):
        self.project_dir = project_dir

    @functools.cached_property
    def cfg(self) -> Config:
        return load_config(self.project_dir.resolve() if self.project_dir
                           else find_project(Path.cwd()))

    def wrap(self) -> int:
        """The project's wrap width, or msgcat's 79 outside a project."""
        try:
            return self.cfg.wrap
        except HandbillError:
            return 79
