"""A catalog file that people edit while `draft` runs: read only when it is whole, written
back only if it did not change since it was read.

Editors such as Poedit or a text editor may save a .po file in place (truncate, then write),
so a read can catch it empty or half-written, and a write can undo a save made meanwhile. So:
- a read is retried until the file is whole: it parses, ends with a line break, and holds at
  least as many messages as its template (a shorter one is half-saved or not updated), and
  did not change while it was read; a file that stays broken is reported as it is;
- before a write, size and SHA-256 are compared with what was read (just before the
  os.replace, the temporary file already written); if they differ, the caller reads the file
  again and applies its drafts to what a person saved.
What is left is the instant between that comparison and the replace, which a file system
without locks that editors honour cannot close.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from pipeline import files
from pipeline.config import Config
from pipeline.drafting.cache import state_dir
from pipeline.errors import CatalogError, HandbillError
from pipeline.files import atomic_write
from pipeline.catalogs.pofile import Catalog, decode, parse

SETTLE_SECONDS = 3.0  # how long a half-saved file is waited for
STABLE_SECONDS = 0.3  # a file unchanged this long is as its editor left it
RETRY_SECONDS = 0.05


class Changed(Exception):
    """The file changed since it was read; read it again and re-apply."""


@dataclass(frozen=True)
class Snapshot:
    """A catalog as read (or written) by us, with what identifies those bytes."""

    catalog: Catalog
    size: int
    mtime_ns: int
    digest: str


def _digest(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def _problem(path: Path, raw: bytes, expected: int | None
             ) -> tuple[str | None, Catalog | CatalogError | None]:
    """(what is wrong with these bytes as a whole catalog, or None; the catalog, or the
    error that parsing it raised)."""
    if not raw.strip():
        return "is empty", None
    try:
        text, charset = decode(raw, path)
        catalog = Catalog(entries=parse(text, path), charset=charset, path=path)
    except CatalogError as exc:
        return "does not parse", exc
    if not raw.endswith(b"\n"):
        return "ends in the middle of a line", catalog
    if expected is not None and len(catalog.messages) < expected:
        return (f"holds {len(catalog.messages)} of its template's {expected} messages",
                catalog)
    return None, catalog


def read_whole(path: Path, expected: int | None, rel: str = "", project: Path | None = None
               ) -> Snapshot:
    """Read a catalog once it is whole (see the module's docstring); CatalogError if it stays
    broken: its own parse error if it is stable, "looks half-saved" if it keeps changing."""
    deadline = time.monotonic() + SETTLE_SECONDS
    last, since = None, time.monotonic()
    while True:
        try:
            before = os.stat(path)
            # Only a regular file inside the project's locales/ (files.read_inside): a FIFO
            # would block, a symlink out would draft (and write back) someone else's file.
            raw = (files.read_inside(path, project, "locales", rel or str(path), CatalogError)
                   if project else files.read_regular(path, rel or str(path), CatalogError))
            after = os.stat(path)
        except FileNotFoundError:
            raise CatalogError("the file disappeared while drafting", rel or path) from None
        stamp = (after.st_size, after.st_mtime_ns)
        settled = (before.st_size, before.st_mtime_ns) == stamp and len(raw) == after.st_size
        problem, catalog = _problem(path, raw, expected) if settled else ("changing", None)
        if problem is None:
            return Snapshot(catalog, len(raw), after.st_mtime_ns, _digest(raw))
        now = time.monotonic()
        if stamp != last:
            last, since = stamp, now
        stable = now - since >= STABLE_SECONDS
        if stable and isinstance(catalog, CatalogError):
            raise catalog  # broken as its editor left it: say what is wrong, and where
        if stable or now >= deadline:
            hint = ("run `handbill update` first" if problem.startswith("holds") else
                    "if an editor is saving it, let it finish and run `handbill draft` again")
            raise CatalogError(f"the catalog {problem}, as if half-saved; nothing was written "
                               f"to it ({hint})", rel or path)
        time.sleep(RETRY_SECONDS)


def unchanged(path: Path, snapshot: Snapshot) -> bool:
    """Whether the file still holds the bytes of `snapshot` (size, then SHA-256)."""
    try:
        if os.stat(path).st_size != snapshot.size:
            return False
        return _digest(path.read_bytes()) == snapshot.digest
    except FileNotFoundError:
        return False


def write(path: Path, data: bytes, catalog: Catalog, read: Snapshot) -> Snapshot:
    """Replace the file with `data` unless it changed since `read` (then raise Changed)."""
    def still_as_read() -> None:
        if not unchanged(path, read):
            raise Changed
    atomic_write(path, data, before_replace=still_as_read)
    return Snapshot(catalog, len(data), os.stat(path).st_mtime_ns, _digest(data))


@contextmanager
def catalog_lock(cfg: Config, lang: str, domain: str, path: Path) -> Iterator[None]:
    """Hold .handbill/locks/<lang>-<domain>.lock, or fail if another draft holds it."""
    folder = state_dir(cfg.root) / "locks"
    folder.mkdir(parents=True, exist_ok=True)
    # flock locks the open file, whose content never matters: opened here, not written.
    fd = os.open(folder / f"{lang}-{domain}.lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise HandbillError("another `handbill draft` is drafting this catalog right now; wait "
                            "for it to finish, then run this one again", cfg.relpath(path))
    try:
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)
