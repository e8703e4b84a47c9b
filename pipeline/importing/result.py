"""What an import did, as data: filled messages, conflicts and what could not be aligned."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

Key = tuple[str | None, str]


@dataclass(frozen=True)
class Candidate:
    """A translation found in a file for one message, before it meets the catalog."""

    key: Key
    text: str
    line: int  # in the imported file
    how: str  # aligned | split | key | exact | fuzzy
    fuzzy: bool = False  # must be reviewed whatever --fuzzy says (split, close match…)
    previous: str | None = None  # the other tool's msgid, for a close match (#| msgid)
    previous_context: str | None = None


@dataclass(frozen=True)
class Filled:
    key: Key
    origin: str  # where the message is written: source/x/leaflet.md:12
    line: int  # in the imported file
    how: str
    fuzzy: bool
    replaced_draft: bool = False


@dataclass(frozen=True)
class Problem:
    """Something not imported, with its place on both sides when there is one."""

    what: str  # conflict | not aligned | unknown | note
    why: str
    line: int | None = None  # in the imported file
    origin: str | None = None  # the source message's place, or the catalog entry's


@dataclass
class FileResult:
    path: Path
    shown: str  # the path as the user gave it
    kind: str  # page | campaign.yml | posts.yml | po
    candidates: list[Candidate] = field(default_factory=list)
    filled: list[Filled] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    aligned: int | None = None  # pages: blocks aligned
    blocks: int | None = None  # pages: source blocks
    error: str | None = None  # nothing of the file was used (unreadable, structure mismatch)


@dataclass
class ImportResult:
    campaign: str
    lang: str
    catalog: Path
    files: list[FileResult] = field(default_factory=list)
    written: bool = False
    dry_run: bool = False

    @property
    def failed(self) -> bool:
        return any(f.error for f in self.files)

    @property
    def filled(self) -> int:
        return sum(len(f.filled) for f in self.files)
