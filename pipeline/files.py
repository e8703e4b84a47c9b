"""The only code that writes files: atomically, and only when the content changed."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Callable


def atomic_write(path: str | Path, data: bytes,
                 before_replace: Callable[[], None] | None = None) -> None:
    """Write `data` to `path` via a temporary file in the same folder and os.replace().
    `before_replace` runs just before the replace and may raise to leave `path` as it is."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if path.exists():
            os.chmod(tmp, path.stat().st_mode & 0o7777)
        else:
            os.chmod(tmp, 0o644)
        if before_replace is not None:
            before_replace()
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def write_if_changed(path: str | Path, data: bytes) -> bool:
    """Write `data` to `path` atomically unless the file already holds it; True if written."""
    path = Path(path)
    try:
        if path.read_bytes() == data:
            return False
    except FileNotFoundError:
        pass
    atomic_write(path, data)
    return True


def write_text_if_changed(path: str | Path, text: str) -> bool:
    """UTF-8 variant of write_if_changed for text outputs."""
    return write_if_changed(path, text.encode("utf-8"))
