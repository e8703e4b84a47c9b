"""Errors a user can fix: each names the file and line where it can be fixed."""

from __future__ import annotations

from pathlib import Path


class HandbillError(Exception):
    """A problem in the user's input or settings, reported as `path:line: message`."""

    def __init__(self, message: str, path: str | Path | None = None, line: int | None = None):
        super().__init__(message)
        self.message = message
        self.path = str(path) if path is not None else None
        self.line = line

    def __str__(self) -> str:
        where = ""
        if self.path:
            where = f"{self.path}:{self.line}: " if self.line else f"{self.path}: "
        return where + self.message


class SourceError(HandbillError):
    """A campaign source file (YAML or Markdown) is invalid."""


class CatalogError(HandbillError):
    """A PO or POT file cannot be read or is inconsistent."""


class ConfigError(HandbillError):
    """handbill.toml or the environment holds an invalid setting."""


class EngineError(HandbillError):
    """A machine translation engine failed or cannot serve a language."""


class RenderError(HandbillError):
    """A language could not be rendered (missing glyphs, broken template, ...)."""


class CheckFailed(HandbillError):
    """Checks found errors; the findings were already reported."""
