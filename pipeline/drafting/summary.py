"""What a draft did, per catalog: drafted, kept, skipped and failed entries with reasons."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Problem:
    line: int
    msgid: str
    reason: str


@dataclass
class CatalogSummary:
    """What happened to one catalog."""

    domain: str
    lang: str
    engine: str
    path: str
    total: int = 0
    kept: int = 0  # reviewed or fuzzy: never touched
    to_draft: int = 0  # untranslated entries sent (or, in a dry run, that would be)
    drafted: int = 0
    cached: int = 0  # texts answered from .handbill/cache
    characters: int = 0  # characters sent to the engine (dry run: that would be sent)
    skipped: list[Problem] = field(default_factory=list)
    failed: list[Problem] = field(default_factory=list)
    error: str | None = None  # the whole catalog could not be drafted


@dataclass
class DraftSummary:
    catalogs: list[CatalogSummary]
    dry_run: bool = False
    interrupted: bool = False

    @property
    def failed(self) -> bool:
        return self.interrupted or any(c.error or c.failed for c in self.catalogs)
