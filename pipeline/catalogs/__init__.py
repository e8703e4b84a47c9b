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

from pipeline.catalogs.merging import MergeStats, merge, new_po, plural_count
from pipeline.catalogs.paths import po_path, pot_path
from pipeline.catalogs.progress import DRAFT_MARK, Status, catalog_status, is_draft, status
from pipeline.catalogs.template import Domain, build_pot, extract, load_pot, now
from pipeline.catalogs.updating import UpdateResult, init_language, update

__all__ = [
    "DRAFT_MARK", "Domain", "MergeStats", "Status", "UpdateResult", "build_pot",
    "catalog_status", "extract", "init_language", "is_draft", "load_pot", "merge", "new_po",
    "now", "plural_count", "po_path", "pot_path", "status", "update",
]
