"""`handbill normalize`: rewrite any catalog in canonical form without changing its content.

Canonical is what `msgcat` writes, with two differences kept on purpose: flags msgcat does not
know (Weblate's `max-length:N`, `ignore-*`) stay, and a message's flags stay in the order the
file has them (Weblate sorts them alphabetically; reordering them would churn every file
Weblate saved).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pipeline.catalogs.changes import Change, between_entries, first_change
from pipeline.catalogs.pofile import dump_catalog, load_catalog, python_codec
from pipeline.errors import HandbillError
from pipeline.files import write_if_changed


@dataclass
class NormalizeResult:
    changed: list[Path] = field(default_factory=list)
    reasons: dict[Path, Change] = field(default_factory=dict)
    failures: list[HandbillError] = field(default_factory=list)


def normalize_files(paths: list[Path], width: int, check: bool) -> NormalizeResult:
    """Re-serialise each file; with check=True only report which ones would change and why."""
    result = NormalizeResult()
    for path in paths:
        try:
            raw, catalog = load_catalog(path)
            data = dump_catalog(catalog, width, keep_layout=False)
        except HandbillError as exc:
            result.failures.append(exc)
            continue
        if raw != data:
            result.changed.append(path)
            codec = python_codec(catalog.charset)
            result.reasons[path] = (
                first_change(raw, catalog, catalog, width, keep_layout=False)
                or between_entries(raw.decode(codec, "replace"), data.decode(codec)))
            if not check:
                write_if_changed(path, data)
    return result
