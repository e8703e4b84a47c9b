"""On-disk cache of engine answers, so a re-run costs nothing: .handbill/cache/, git-ignored.

One JSON file per engine (and its identity, e.g. the server URL) and language pair, keyed by
the SHA-256 of the masked text sent. Written with the catalogs (pipeline.files, atomically),
and merged with what is on disk first, so two runs on other catalogs do not undo each other.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import threading
from pathlib import Path

from pipeline.files import write_if_changed

log = logging.getLogger(__name__)

STATE_DIR = ".handbill"


def state_dir(root: Path) -> Path:
    """<project>/.handbill/, holding a .gitignore so no project ever commits it."""
    folder = root / STATE_DIR
    # Not fsync'ed: made again whenever it differs, and the first draft of a project waited on
    # the disk for it before its first request.
    write_if_changed(folder / ".gitignore", b"# handbill's cache and locks; never commit.\n*\n",
                     durable=False)
    return folder


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-")[:40] or "x"


class Cache:
    """Answers by (engine, identity, source, target, text); thread-safe; flush() to save."""

    def __init__(self, root: Path | None):
        self.root = root
        self.folder = root / STATE_DIR / "cache" if root is not None else None
        self._lock = threading.Lock()
        self._files: dict[Path, dict[str, str]] = {}
        self._dirty: set[Path] = set()

    def _path(self, engine: str, identity: str, source: str, target: str) -> Path:
        tag = hashlib.sha256(identity.encode()).hexdigest()[:10] if identity else "default"
        return self.folder / f"{_slug(engine)}-{tag}" / f"{_slug(source)}-{_slug(target)}.json"

    @staticmethod
    def _key(text: str) -> str:
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]

    def _load(self, path: Path) -> dict[str, str]:
        table = self._files.get(path)
        if table is None:
            table = self._read(path)
            self._files[path] = table
        return table

    @staticmethod
    def _read(path: Path) -> dict[str, str]:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return {k: v for k, v in data.items() if isinstance(v, str)}
        except FileNotFoundError:
            return {}
        except (ValueError, AttributeError, UnicodeDecodeError):
            # A damaged cache only costs requests: start afresh rather than stop the run.
            log.warning("ignoring the damaged cache file %s", path)
            return {}

    def get(self, engine: str, identity: str, source: str, target: str, text: str) -> str | None:
        return self.shelf(engine, identity, source, target).get(text)

    def put(self, engine: str, identity: str, source: str, target: str, text: str,
            answer: str) -> None:
        self.shelf(engine, identity, source, target).put(text, answer)

    def shelf(self, engine: str, identity: str, source: str, target: str) -> "Shelf":
        """The answers of one engine (and identity) for one language pair: the file is found
        and read once, not at every lookup (a path costs two hashes and four regexes)."""
        if self.folder is None:
            return Shelf(self, None)
        path = self._path(engine, identity, source, target)
        with self._lock:
            self._load(path)
        return Shelf(self, path)

    def flush(self) -> None:
        """Write the files that gained answers, merged with what another run wrote meanwhile."""
        with self._lock:
            dirty, self._dirty = self._dirty, set()
            if dirty and self.root is not None:
                state_dir(self.root)
            for path in sorted(dirty):
                table = {**self._read(path), **self._files[path]}
                self._files[path] = table
                data = json.dumps(table, ensure_ascii=False, sort_keys=True, indent=0)
                # Atomic, not fsync'ed: after a crash the file is whole, or empty and ignored
                # as damaged (_read), which costs only requests again; the catalogs, a person's
                # work, are fsync'ed. An fsync here was 1.2 ms at the end of every draft.
                write_if_changed(path, data.encode("utf-8") + b"\n", durable=False)


class Shelf:
    """One cache file's answers by text, through its Cache (its lock, and flush())."""

    def __init__(self, cache: Cache, path: Path | None):
        self._cache, self._path = cache, path

    def get(self, text: str) -> str | None:
        if self._path is None:
            return None
        key = Cache._key(text)
        with self._cache._lock:  # flush() may replace the table meanwhile
            return self._cache._files[self._path].get(key)

    def put(self, text: str, answer: str) -> None:
        if self._path is None:
            return
        key = Cache._key(text)
        with self._cache._lock:
            self._cache._files[self._path][key] = answer
            self._cache._dirty.add(self._path)
