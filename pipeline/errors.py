"""Errors a user can fix: each names the file and line where it can be fixed."""

from __future__ import annotations

import logging
from pathlib import Path

_WARNED: set[str] = set()


def log_once(log: logging.Logger, warnings) -> None:
    """Log each warning once per process (a source read again, or from the cache, repeats
    none)."""
    for text in warnings:
        if text not in _WARNED:
            _WARNED.add(text)
            log.warning("%s", text)


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


class Terminated(KeyboardInterrupt):
    """SIGTERM reached a process while its pool ran (or in `workers.sigterm_raises`); the
    workers have been stopped. A KeyboardInterrupt, so what saves its work on Ctrl-C does so
    here too. (Here, not in pipeline.workers: the command line catches it without importing
    multiprocessing.)"""

    def __init__(self, signum: int = 15):  # SIGTERM
        super().__init__(f"stopped by signal {signum}")
        self.signum = signum


class UsageError(HandbillError):
    """A command-line value Click accepted but handbill cannot use (exit 2, like Click's)."""


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


class SourceErrors(SourceError):
    """Several problems of a campaign's sources, reported together (one line each)."""

    def __init__(self, errors: list[HandbillError], more: int = 0):
        first = errors[0]
        super().__init__(first.message, first.path, first.line)
        self.errors = list(errors)
        self.more = more

    def __str__(self) -> str:
        lines = [HandbillError.__str__(e) for e in self.errors]
        if self.more:
            lines.append(f"... and {self.more} more problems; fix these and run again")
        return "\n".join(lines)


class Problems:
    """Collects a file's errors so one run reports all of them (up to `cap`), not the first.

    `raise_if_any()` raises one SourceErrors; an error raised by a helper is added with
    `add_error`. Warnings are kept apart: they never stop a stage."""

    def __init__(self, cap: int = 50):
        self.cap = cap
        self.errors: list[HandbillError] = []
        self.more = 0
        self.warnings: list[HandbillError] = []

    def add(self, message: str, path: str | Path | None = None, line: int | None = None) -> None:
        self.add_error(SourceError(message, path, line))

    def add_error(self, error: HandbillError) -> None:
        for one in getattr(error, "errors", [error]):
            if len(self.errors) < self.cap:
                self.errors.append(one)
            else:
                self.more += 1
        self.more += getattr(error, "more", 0)

    def warn(self, message: str, path: str | Path | None = None, line: int | None = None) -> None:
        self.warnings.append(SourceError(message, path, line))

    def __bool__(self) -> bool:
        return bool(self.errors)

    def raise_if_any(self) -> None:
        if self.errors:
            ordered = sorted(self.errors, key=lambda e: (e.path or "", e.line or 0))
            raise SourceErrors(ordered, self.more)
