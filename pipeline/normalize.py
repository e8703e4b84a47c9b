"""`handbill normalize`: rewrite any catalog in canonical form without changing its content."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pipeline.errors import HandbillError
from pipeline.files import write_if_changed
from pipeline.pofile import dump_catalog, read_catalog


@dataclass
class NormalizeResult:
    changed: list[Path] = field(default_factory=list)
    failures: list[HandbillError] = field(default_factory=list)


def normalize_files(paths: list[Path], width: int, check: bool) -> NormalizeResult:
    """Re-serialise each file; with check=True only report which ones would change."""
    result = NormalizeResult()
    for path in paths:
        try:
            data = dump_catalog(read_catalog(path), width)
        except HandbillError as exc:
            result.failures.append(exc)
            continue
        if path.read_bytes() != data:
            result.changed.append(path)
            if not check:
                write_if_changed(path, data)
    return result
