"""Typed records the stages leave for each other in a unit's output folder.

- `RenderRecord` (render.json): what render made of a unit: its state and why, paper, files,
  warnings, the pack's title and README, the download page's texts, and the catalog's counts
  for the pack's manifest.
- `BuildStamp` (.build-stamp.json): what build made a unit from (one fingerprint), and what
  came of it (state, files, reasons, pack).
- `ShardRecord` (output/.handbill-shard-K-of-N.json): what `build --shard K/N` built (units
  and their fingerprints) from which inputs (inputs.project_inputs), for `handbill merge`.

Packs and the download page read these records, never catalogs. A record that is missing,
unreadable or of another shape reads as None (the unit counts as not built). Records are written
atomically and only when their content changed (pipeline.files).
"""

from __future__ import annotations

import json
import logging
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.errors import HandbillError
from pipeline.files import read_regular, write_if_changed

log = logging.getLogger(__name__)

PUBLISHED = ("final", "draft")  # the states that get a pack and a place on the page


def _load(path: Path) -> dict | None:
    # Never through a symlink, never blocking on a FIFO: output/ may hold what a hostile step
    # of an earlier CI job planted there.
    try:
        if stat.S_ISLNK(os.lstat(path).st_mode):
            log.warning("%s: is a symlink, not a record handbill wrote; it is not read (delete "
                        "it and build again)", path)
            return None
        data = json.loads(read_regular(path))
    except FileNotFoundError:
        return None
    except HandbillError as exc:
        if exc.message != "file not found":
            log.warning("%s", exc)
        return None
    except ValueError as exc:
        log.debug("%s: not a record (%s)", path, exc)
        return None
    return data if isinstance(data, dict) else None


def _dump(data: dict) -> bytes:
    return (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def _strings(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(x, str) for x in value):
        raise TypeError("expected a list of strings")
    return tuple(value)


@dataclass(frozen=True)
class CatalogCounts:
    """A catalog's review state, as GNU gettext's tools count it (for the pack's manifest)."""

    total: int
    reviewed: int
    fuzzy: int
    drafts: int  # fuzzy entries written by a machine engine
    untranslated: int

    @property
    def percent_reviewed(self) -> float:
        return round(100.0 * self.reviewed / self.total, 1) if self.total else 100.0

    def manifest(self) -> dict:
        """The `counts` object of manifest.json."""
        return {"total": self.total, "reviewed": self.reviewed, "fuzzy": self.fuzzy,
                "drafts": self.drafts, "untranslated": self.untranslated,
                "percent_reviewed": self.percent_reviewed}


@dataclass(frozen=True)
class RenderCounts:
    """What render used of a catalog: `missing` and `rejected` (failing a check) were not."""

    reviewed: int = 0
    fuzzy: int = 0
    drafts: int = 0
    missing: int = 0
    rejected: int = 0

    @property
    def total(self) -> int:
        return self.reviewed + self.fuzzy + self.drafts + self.missing + self.rejected


@dataclass(frozen=True)
class PageTexts:
    """What the download page shows of a unit, in its language."""

    title: str
    summary: str
    cards: tuple[tuple[str, str], ...]  # (card id, alt text)
    counts: RenderCounts

    def as_json(self) -> dict:
        return {"title": self.title, "summary": self.summary, "cards": dict(self.cards),
                "counts": {name: getattr(self.counts, name) for name in
                           ("reviewed", "fuzzy", "drafts", "missing", "rejected")}}

    @classmethod
    def from_json(cls, data: dict) -> PageTexts:
        cards = data["cards"]
        if not isinstance(cards, dict):
            raise TypeError("cards")
        return cls(str(data["title"]), str(data["summary"]),
                   tuple((str(k), str(v)) for k, v in cards.items()),
                   RenderCounts(**{k: int(v) for k, v in data["counts"].items()}))


@dataclass(frozen=True)
class RenderRecord:
    """render.json: what render made of one unit."""

    campaign: str
    language: str
    state: str  # final | draft | skipped
    reason: str
    paper: str | None = None
    files: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    title: str = ""  # the campaign's title in the language (for the pack)
    readme: str = ""  # the pack's README.txt, in the language
    page: PageTexts | None = None
    catalog: CatalogCounts | None = None  # None for the source language

    def to_bytes(self) -> bytes:
        data = {"campaign": self.campaign, "language": self.language, "status": self.state,
                "reason": self.reason, "paper": self.paper, "files": list(self.files),
                "warnings": list(self.warnings), "title": self.title, "readme": self.readme}
        if self.page is not None:
            data["page"] = self.page.as_json()
        if self.catalog is not None:
            data["catalog"] = {name: getattr(self.catalog, name) for name in
                               ("total", "reviewed", "fuzzy", "drafts", "untranslated")}
        return _dump(data)

    def write(self, path: Path) -> bool:
        """Write the record to `path` (atomically, if changed); True if written."""
        return write_if_changed(path, self.to_bytes())

    @classmethod
    def read(cls, path: Path) -> RenderRecord | None:
        """The record at `path`, or None if there is none (or not one of this shape)."""
        data = _load(path)
        if data is None:
            return None
        try:
            page = data.get("page")
            catalog = data.get("catalog")
            return cls(str(data["campaign"]), str(data["language"]), str(data["status"]),
                       str(data.get("reason") or ""), data.get("paper"),
                       _strings(data.get("files", [])), _strings(data.get("warnings", [])),
                       str(data.get("title", "")), str(data.get("readme", "")),
                       PageTexts.from_json(page) if isinstance(page, dict) else None,
                       CatalogCounts(**{k: int(v) for k, v in catalog.items()})
                       if isinstance(catalog, dict) else None)
        except (KeyError, TypeError, ValueError) as exc:
            log.debug("%s: not a render record (%s)", path, exc)
            return None


@dataclass(frozen=True)
class BuildStamp:
    """.build-stamp.json: what build made one unit from, and what came of it."""

    campaign: str
    language: str
    fingerprint: str  # one hash of every input (see build.fingerprint)
    state: str  # final | draft | skipped
    files: int = 0
    reasons: tuple[str, ...] = ()
    pack: str | None = None  # the pack, relative to output/ ("packs/demo-es.zip")

    def to_bytes(self) -> bytes:
        return _dump({"campaign": self.campaign, "language": self.language,
                      "fingerprint": self.fingerprint, "state": self.state, "files": self.files,
                      "reasons": list(self.reasons), "pack": self.pack})

    def write(self, path: Path) -> bool:
        """Write the stamp to `path` (atomically, if changed); True if written."""
        return write_if_changed(path, self.to_bytes())

    @classmethod
    def read(cls, path: Path) -> BuildStamp | None:
        """The stamp at `path`, or None if there is none (or not one of this shape)."""
        data = _load(path)
        if data is None:
            return None
        try:
            return cls(str(data["campaign"]), str(data["language"]), str(data["fingerprint"]),
                       str(data["state"]), int(data.get("files", 0)),
                       _strings(data.get("reasons", [])),
                       str(data["pack"]) if data.get("pack") else None)
        except (KeyError, TypeError, ValueError) as exc:
            log.debug("%s: not a build stamp (%s)", path, exc)
            return None


@dataclass(frozen=True)
class ShardRecord:
    """output/.handbill-shard-K-of-N.json: what one shard built, and from what."""

    index: int
    count: int
    inputs: tuple[tuple[str, str], ...]  # (kind, hash): inputs.project_inputs
    units: tuple[tuple[str, str], ...]  # (unit key "campaign/lang", its fingerprint)

    def to_bytes(self) -> bytes:
        return _dump({"shard": self.index, "of": self.count, "inputs": dict(self.inputs),
                      "units": dict(self.units)})

    def write(self, path: Path) -> bool:
        """Write the record to `path` (atomically, if changed); True if written."""
        return write_if_changed(path, self.to_bytes())

    @classmethod
    def read(cls, path: Path) -> ShardRecord | None:
        """The record at `path`, or None if there is none (or not one of this shape)."""
        data = _load(path)
        if data is None:
            return None
        try:
            inputs, units = data["inputs"], data["units"]
            if not isinstance(inputs, dict) or not isinstance(units, dict):
                raise TypeError("inputs and units must be objects")
            index, count = int(data["shard"]), int(data["of"])
            if not 1 <= index <= count:
                raise ValueError("shard out of range")
            return cls(index, count, tuple((str(k), str(v)) for k, v in inputs.items()),
                       tuple((str(k), str(v)) for k, v in units.items()))
        except (KeyError, TypeError, ValueError) as exc:
            log.debug("%s: not a shard record (%s)", path, exc)
            return None


@dataclass(frozen=True)
class UnitState:
    """Where a unit stands, from its records: final, draft, skipped, or missing (not built)."""

    state: str
    why: str
    pack: Path | None  # its pack, when the stamp (or, after `render`, the record) has one
    record: RenderRecord | None


def unit_state(unit) -> UnitState:
    """What the records of `unit` (a plan.Unit) say: the build stamp first, then render.json."""
    stamp = BuildStamp.read(unit.stamp)
    record = RenderRecord.read(unit.record)
    if stamp is not None:
        state, why = stamp.state, (stamp.reasons[0] if stamp.reasons else "")
        has_pack = stamp.pack is not None
    elif record is not None:
        state, why, has_pack = record.state, record.reason, record.state in PUBLISHED
    else:
        return UnitState("missing", "not built yet", None, None)
    pack = unit.pack if has_pack and is_regular(unit.pack) else None
    return UnitState(state, why, pack, record)


def is_regular(path: Path) -> bool:
    """Whether `path` itself is a regular file (a symlink to one is not)."""
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
    except OSError:
        return False
