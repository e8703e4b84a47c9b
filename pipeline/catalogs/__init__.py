"""Catalogs: campaign -> .pot (template), .pot -> every language's .po (merge, update), how far
each language is (status), and the PO reader/writer they share (pofile, with entries, powrite,
wrapping, directives, flags, linebreak and plurals beside it).

    template.py   Domain, build_pot, extract, load_pot
    merging.py    merge (msgmerge --previous), new_po, plural_count
    updating.py   init_language, update (the worker pool, the merge cache)
    progress.py   Status, catalog_status, status, is_draft, DRAFT_MARK
    changes.py    why a file would change (update --check, normalize --check)
    normalize.py  `handbill normalize`
    ui.py         handbill's own interface translations shipped in the package
    pofile.py     read_catalog, dump_catalog (entries.py: Entry, Catalog)

The names below are the stage's interface for the rest of handbill.
"""

from __future__ import annotations

import importlib

# Where each public name lives. The package imports a module only when one of its names is
# first used (PEP 562): `handbill extract` needs the template writer, not the merge, the
# status or the update pool, and importing them all cost ~40 ms of every command's start.
_WHERE = {
    "MergeStats": "merging", "merge": "merging", "new_po": "merging", "plural_count": "merging",
    "po_path": "paths", "pot_path": "paths",
    "DRAFT_MARK": "progress", "Status": "progress", "catalog_status": "progress",
    "is_draft": "progress", "status": "progress",
    "Domain": "template", "build_pot": "template", "extract": "template", "load_pot": "template",
    "now": "template",
    "UpdateResult": "updating", "init_language": "updating", "update": "updating",
}

__all__ = sorted(_WHERE)


def __getattr__(name: str):
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value  # once: later lookups are plain attribute reads
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_WHERE))
