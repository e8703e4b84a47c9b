"""The only code that writes files (atomically, only when the content changed), the one guard
that reads a contributor's file (a regular file inside its folder, never a symlink out), and
the output folder's marker (`--clean` deletes only a folder handbill marked as its own)."""

from __future__ import annotations

import ctypes
import errno
import os
import shutil
import stat
import sys
import tempfile
from pathlib import Path
from typing import Callable

from pipeline.errors import HandbillError

OUTPUT_MARKER = ".handbill-output"
_MARKER_TEXT = (b"This folder is handbill's output: `handbill build --clean` may empty it.\n"
                b"Delete this file if the folder should never be emptied by handbill.\n")
# Errors of a full or read-only disk, said in words a coordinator can act on.
_DISK_ERRORS = {
    errno.ENOSPC: "no space left on device; free some space and run the command again",
    errno.EDQUOT: "disk quota exceeded; free some space and run the command again",
    errno.EFBIG: "file too large for this file system or the process's file size limit",
    errno.EROFS: "the file system is read-only",
    errno.EACCES: "permission denied",
    errno.EPERM: "operation not permitted",
}


class WriteError(HandbillError):
    """A file could not be written (disk full, read-only, no permission)."""


def atomic_write(path: str | Path, data: bytes,
                 before_replace: Callable[[], None] | None = None, durable: bool = True) -> None:
    """Write `data` to `path` via a temporary file in the same folder and os.replace().
    `before_replace` runs just before the replace and may raise to leave `path` as it is.
    `durable`: fsync the data before the replace (catalogs and what cannot be made again);
    without it a crash may leave an empty file where the old one was, on filesystems that do
    not order the data before the rename (merge's copies: run merge again).

    A full disk (or any OSError of the kind in _DISK_ERRORS) raises WriteError naming the file;
    the old file is left as it was.
    """
    path = Path(path)
    try:
        _atomic_write(path, data, before_replace, durable)
    except OSError as exc:
        if exc.errno in _DISK_ERRORS:
            raise WriteError(f"cannot write: {_DISK_ERRORS[exc.errno]}", path) from None
        raise


def _atomic_write(path: Path, data: bytes, before_replace: Callable[[], None] | None,
                  durable: bool = True) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            if durable:
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


def write_if_changed(path: str | Path, data: bytes, durable: bool = True) -> bool:
    """Write `data` to `path` atomically unless the file already holds it; True if written."""
    path = Path(path)
    try:
        if _same_content(path, data):
            return False
    except FileNotFoundError:
        pass
    atomic_write(path, data, durable=durable)
    return True


def write_all_if_changed(items: list[tuple[Path, bytes]]) -> list[bool]:
    """write_if_changed for many files at once, each durable before it replaces its old file,
    with one sync for the batch: True for each file written.

    Why not an fsync per file: on ext4 each one commits the journal (0.6-0.9 ms a catalog, 12%
    of an update); writing every temporary file first and syncing the file system once costs
    about what writing them without any sync does (measured on batches of 60 catalogs of
    30 KB: 0.43 ms a file against 0.43 unsynced and 0.68-0.94 with an fsync each). Only then
    does each temporary file replace its old file, so a crash leaves every file either as it
    was or complete: a human translation is never lost. syncfs() is Linux's; elsewhere, or if
    it reports an error, each temporary file is fsynced (and an error names its file). syncfs
    also flushes what other programs wrote to the same file system, so it is used for a batch
    only; a lone file is fsynced. A full disk raises WriteError naming the file; the files not
    yet replaced are left as they were.
    """
    written: list[bool] = []
    for start in range(0, len(items), _BATCH_FILES):  # a bounded number of open files
        written += _write_batch(items[start:start + _BATCH_FILES])
    return written


_BATCH_FILES = 64


def _write_batch(items: list[tuple[Path, bytes]]) -> list[bool]:
    pending: list[tuple[int, str, Path]] = []  # (open temporary file, its name, the file)
    written = [False] * len(items)
    current: Path | None = None
    try:
        for index, (path, data) in enumerate(items):
            current = Path(path)
            try:
                if _same_content(current, data):
                    continue
            except FileNotFoundError:
                pass
            pending.append((*_temp_with(current, data), current))
            written[index] = True
        if not _syncfs_all([fd for fd, _tmp, _path in pending]):
            for fd, _tmp, current in pending:
                os.fsync(fd)
        while pending:
            fd, tmp, current = pending[-1]
            os.close(fd)
            os.replace(tmp, current)
            pending.pop()
    except OSError as exc:
        if exc.errno in _DISK_ERRORS:
            raise WriteError(f"cannot write: {_DISK_ERRORS[exc.errno]}", current) from None
        raise
    finally:
        for fd, tmp, _path in pending:
            _discard(fd, tmp)
    return written


def _temp_with(path: Path, data: bytes) -> tuple[int, str]:
    """A temporary file beside `path` holding `data` (not synced), with the mode `path` has."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        try:
            mode = os.stat(path).st_mode & 0o7777
        except FileNotFoundError:
            mode = 0o644
        os.fchmod(fd, mode)
    except BaseException:
        _discard(fd, tmp)
        raise
    return fd, tmp


def _discard(fd: int, tmp: str) -> None:
    try:
        os.close(fd)
    except OSError:
        pass
    try:
        os.unlink(tmp)
    except FileNotFoundError:
        pass


_SYNCFS: list = []  # [libc's syncfs or None], looked up once


def _syncfs() -> Callable[[int], int] | None:
    if not _SYNCFS:
        func = None
        if sys.platform.startswith("linux"):
            try:
                func = getattr(ctypes.CDLL(None, use_errno=True), "syncfs", None)
            except OSError:
                func = None
            if func is not None:
                func.argtypes, func.restype = [ctypes.c_int], ctypes.c_int
        _SYNCFS.append(func)
    return _SYNCFS[0]


def _syncfs_all(fds: list[int]) -> bool:
    """One syncfs per file system holding these open files; False if that is not possible
    (not Linux, a single file, or an error, which an fsync of each file will then name)."""
    syncfs = _syncfs() if len(fds) > 1 else None
    if syncfs is None:
        return False
    done: set[int] = set()
    for fd in fds:
        device = os.fstat(fd).st_dev
        if device not in done:
            if syncfs(fd) != 0:
                return False
            done.add(device)
    return True


def _same_content(path: Path, data: bytes) -> bool:
    """Whether a regular file at `path` holds `data` (a symlink or FIFO never does: reading a
    FIFO would block, and replacing a symlink writes a file in its place, not its target)."""
    info = os.lstat(path)
    if not stat.S_ISREG(info.st_mode) or info.st_size != len(data):
        return False
    return path.read_bytes() == data


def write_text_if_changed(path: str | Path, text: str) -> bool:
    """UTF-8 variant of write_if_changed for text outputs."""
    return write_if_changed(path, text.encode("utf-8"))


# ---------------------------------------------------------------------------- safe reads


class UnsafeFile(HandbillError):
    """A file handbill refuses to read: a symlink out of its folder, a FIFO, a device..."""


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "is a folder, not a file"
    if stat.S_ISFIFO(mode):
        kind = "a FIFO (named pipe)"
    elif stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        kind = "a device"
    elif stat.S_ISSOCK(mode):
        kind = "a socket"
    else:
        return "is not a regular file; handbill reads only regular files"
    return f"is {kind}, not a regular file; handbill reads only regular files"


def check_inside(path: Path, root: Path, folder: str | Path = "", shown: str | None = None,
                 error: type[HandbillError] = UnsafeFile, what: str = "file",
                 real: tuple[Path, Path] | None = None) -> Path:
    """The real path of `path` if it lies inside root/folder; else raise `error`.

    `root` is the project (resolved itself: the project may live under a symlink); `folder`
    narrows where the file may lead (`source`, `locales`), and must itself be a real folder,
    not a symlink: a link from a campaign into `.git/config` stays inside the project, but
    not inside `source/`, and CI keeps its token in `.git/config`. `real`: what
    _real_folder(root, folder) returned for an earlier file (see inside_reader).
    """
    shown = shown or str(path)
    base, allowed = real or _real_folder(root, folder, shown, error)
    resolved = Path(os.path.realpath(path))
    if _inside(resolved, allowed):
        return resolved
    where = f"{Path(folder).as_posix()}/" if folder and _inside(resolved, base) else "the project"
    raise error(f"is a symlink to a {what} outside {where}; handbill reads only files inside "
                f"it: replace the link with the file itself", shown)


def _real_folder(root: Path, folder: str | Path, shown: str,
                 error: type[HandbillError]) -> tuple[Path, Path]:
    """The project's real path and root/folder in it, which must be a real folder."""
    base = Path(os.path.realpath(root))
    allowed = base / folder
    if folder and Path(os.path.realpath(allowed)) != allowed:
        raise error(f"is in {Path(folder).as_posix()}/, which is a symlink (or lies in one); "
                    "make it a real folder of the project", shown)
    return base, allowed


def inside_reader(root: Path, folder: str | Path,
                  error: type[HandbillError]) -> Callable[[Path, str], bytes]:
    """read_inside(path, root, folder, shown, error) for many files read in a row: the project
    and the folder are resolved once, at the first file that passes (two thirds of the time
    read_inside takes for a catalog); each file is still resolved and opened as read_inside
    does. Make one per batch of files, not one for a whole session."""
    real: list[tuple[Path, Path]] = []

    def read(path: Path, shown: str) -> bytes:
        if not real:
            real.append(_real_folder(root, folder, shown, error))
        return read_regular(check_inside(path, root, folder, shown, error, real=real[0]),
                            shown, error)

    return read


def read_inside(path: Path, root: Path, folder: str | Path = "", shown: str | None = None,
                error: type[HandbillError] = UnsafeFile, limit: int | None = None) -> bytes:
    """The bytes of a regular file whose real path lies inside root/folder; anything else (a
    symlink out, a FIFO, a device, a folder) raises `error` with one line naming `shown`.

    The file is opened without following a final symlink and without blocking (a FIFO would
    wait forever for a writer), and checked with fstat on what was actually opened.
    """
    shown = shown or str(path)
    resolved = check_inside(path, root, folder, shown, error)
    return read_regular(resolved, shown, error, limit)


def read_regular(path: Path, shown: str | None = None,
                 error: type[HandbillError] = UnsafeFile, limit: int | None = None) -> bytes:
    """The bytes of `path` if it is a regular file (not a FIFO, device or folder)."""
    shown = shown or str(path)
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise error("file not found", shown) from None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise error("is a symlink that changed while being read", shown) from None
        raise error(f"cannot be read: {exc.strerror}", shown) from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise error(_kind(info.st_mode), shown)
        if limit is not None and info.st_size > limit:
            raise error(f"is {info.st_size:,} bytes, more than the {limit:,} handbill reads",
                        shown)
        os.set_blocking(fd, True)
        with os.fdopen(fd, "rb", closefd=True) as handle:
            fd = -1
            return handle.read()
    finally:
        if fd >= 0:
            os.close(fd)


# ---------------------------------------------------------------------------- output folder


class OutputRefused(Exception):
    """The output folder is not handbill's to write into or empty (message says why)."""


def check_output_folder(output: Path, folder: Path) -> None:
    """Refuse (UnsafeFile, one line) to write into `folder` inside the output folder through a
    symlink: each folder from `output` down to `folder` must be a real folder or not exist yet
    (output/es -> /elsewhere, planted by an earlier step, would send writes out of output/)."""
    try:
        parts = folder.relative_to(output).parts
    except ValueError:
        raise UnsafeFile("is not inside the output folder; handbill writes only there",
                         folder) from None
    current = output
    for part in parts:
        current = current / part
        try:
            mode = os.lstat(current).st_mode
        except FileNotFoundError:
            return
        if stat.S_ISLNK(mode):
            raise UnsafeFile("is a symlink inside the output folder; handbill writes only "
                             "into real folders there: delete the link and build again", current)
        if not stat.S_ISDIR(mode):
            raise UnsafeFile("is a file where handbill writes a folder: delete it and build "
                             "again", current)


def claim_output(folder: Path, shown: str, clean: bool = False) -> None:
    """Make sure `folder` is handbill's own output: create and mark it if missing or empty;
    refuse a symlink, a file, or a non-empty folder without the marker. With `clean`, delete
    what the marked folder holds (never following a symlink), keeping the marker."""
    try:
        info = os.lstat(folder)
    except FileNotFoundError:
        folder.mkdir(parents=True)
        atomic_write(folder / OUTPUT_MARKER, _MARKER_TEXT)
        return
    if stat.S_ISLNK(info.st_mode):
        raise OutputRefused(f"{shown} is a symlink; handbill writes (and --clean deletes) only "
                            "inside a real folder of the project")
    if not stat.S_ISDIR(info.st_mode):
        raise OutputRefused(f"{shown} is a file, not a folder; choose another folder")
    marker = folder / OUTPUT_MARKER
    try:
        marked = stat.S_ISREG(os.lstat(marker).st_mode)
    except FileNotFoundError:
        marked = False
    if not marked:
        if any(True for _ in os.scandir(folder)):
            raise OutputRefused(
                f"{shown}/ holds files handbill did not make (it has no {OUTPUT_MARKER}); "
                f"choose another folder, or delete {shown}/ yourself if it is an old build")
        atomic_write(marker, _MARKER_TEXT)
        return
    if clean:
        _empty(folder)


def _empty(folder: Path) -> None:
    """Delete everything inside `folder` but the marker; symlinks are removed, not followed."""
    with os.scandir(folder) as entries:
        for entry in entries:
            if entry.name == OUTPUT_MARKER:
                continue
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(entry.path)  # does not follow symlinks (fd-based on Linux)
            else:
                os.unlink(entry.path)
