"""Translation memory: reviewed translations from the project's own catalogs (every domain).

Exact matches, and close ones scoring at least `[draft] similarity` (gettext's fstrcmp-like
measure from pipeline.fuzzy); the score goes into the provenance comment. Only reviewed
entries (translated, not fuzzy) are reused: a draft must not breed drafts.
"""

from __future__ import annotations

import logging
import threading

from pipeline.drafting.protocol import Answer, BaseEngine, EngineSpec, Request, Segment
from pipeline.drafting.settings import EngineSettings
from pipeline.errors import CatalogError, ConfigError, HandbillError
from pipeline.fuzzy import FuzzyMatcher
from pipeline.catalogs.pofile import read_catalog
from pipeline.plan import catalog_dir

log = logging.getLogger(__name__)

MISSING = "no reviewed translation close enough in the translation memory"


class MemoryEngine(BaseEngine):
    """Looks texts up in every reviewed entry of locales/<target>/LC_MESSAGES/*.po."""

    masks = False  # a human translation is reused as it is; runner checks its placeholders
    cacheable = False  # the memory grows as people review; a cache would hide that
    batch_size = 64

    def __init__(self, settings: EngineSettings):
        super().__init__(settings)
        self.similarity = settings.number("similarity", settings.cfg.draft.similarity)
        if not 0 < self.similarity <= 1:
            raise ConfigError(f"{settings.where('similarity')}: similarity must be above 0 "
                              "and at most 1 (0.75 means 75% alike)")
        self.cfg = settings.cfg
        self._pools: dict[str, tuple[dict[str, str], frozenset[str]]] = {}
        self._lock = threading.Lock()
        self._matcher = FuzzyMatcher(self.similarity)

    def pool(self, target: str) -> tuple[dict[str, str], frozenset[str]]:
        """source text -> reviewed translation for one language, and its texts as the one
        pool object the shared matcher remembers (read once)."""
        with self._lock:
            if target not in self._pools:
                table = self._read(target)
                self._pools[target] = (table, self._matcher.pool(table))
            return self._pools[target]

    def _read(self, target: str) -> dict[str, str]:
        pool: dict[str, str] = {}
        folder = catalog_dir(self.cfg, target)
        for path in sorted(folder.glob("*.po")):
            try:
                catalog = read_catalog(path, self.cfg.root)
            except HandbillError as exc:
                # A broken catalog is drafted (or reported) on its own; the memory does without.
                log.warning("translation memory skips %s: %s", path, exc)
                continue
            for entry in catalog.messages:
                if entry.fuzzy or not entry.translated:
                    continue
                if entry.msgid_plural is None:
                    pool.setdefault(entry.msgid, entry.msgstr)
                else:
                    forms = entry.msgstr_plural
                    pool.setdefault(entry.msgid, forms[0])
                    pool.setdefault(entry.msgid_plural, forms[1] if len(forms) > 1 else forms[0])
        return pool

    def check(self, source: str, target: str) -> None:
        folder = catalog_dir(self.cfg, target)
        if not any(folder.glob("*.po")):
            raise CatalogError(f"no catalogs for {target} to take translations from; run "
                               "`handbill update` first", folder)

    def translate(self, segments: list[Segment], request: Request) -> list[Answer]:
        table, keys = self.pool(request.target)
        out: list[Answer] = []
        for segment in segments:
            text = segment.text
            if text in table:
                out.append(Answer(table[text], 1.0))
                continue
            ranked = self._matcher.ranked(text, keys)
            out.append(Answer(table[ranked[0][1]], ranked[0][0]) if ranked
                       else Answer(missing=MISSING))
        return out


ENGINES = (EngineSpec("memory", MemoryEngine, settings=("similarity",),
                      summary="the project's own reviewed translations, exact and close "
                              "matches (offline)"),)
