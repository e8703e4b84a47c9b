"""files.write_all_if_changed: many catalogs written with one sync, each durable before it
replaces its old file; a failure leaves every old file as it was and no temporary file."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from pipeline import files


def _temps(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def test_writes_the_changed_files_only_keeping_their_mode(tmp_path):
    same, changed, new = tmp_path / "same.po", tmp_path / "changed.po", tmp_path / "sub/new.po"
    same.write_bytes(b"same\n")
    changed.write_bytes(b"old\n")
    changed.chmod(0o600)
    before = os.stat(same).st_mtime_ns
    written = files.write_all_if_changed([(same, b"same\n"), (changed, b"new\n"),
                                          (new, b"created\n")])
    assert written == [False, True, True]
    assert changed.read_bytes() == b"new\n" and new.read_bytes() == b"created\n"
    assert os.stat(changed).st_mode & 0o777 == 0o600
    assert os.stat(new).st_mode & 0o777 == 0o644
    assert os.stat(same).st_mtime_ns == before
    assert _temps(tmp_path) == [] and _temps(tmp_path / "sub") == []


def test_more_files_than_one_batch_opens(tmp_path, monkeypatch):
    monkeypatch.setattr(files, "_BATCH_FILES", 3)
    items = [(tmp_path / f"{i}.po", f"{i}\n".encode()) for i in range(8)]
    assert files.write_all_if_changed(items) == [True] * 8
    assert [p.read_bytes() for p, _ in items] == [d for _, d in items]


def test_every_temporary_file_is_synced_before_the_first_replace(tmp_path, monkeypatch):
    paths = [tmp_path / f"{i}.po" for i in range(4)]
    for path in paths:
        path.write_bytes(b"old\n")
    seen = []
    real = files._syncfs_all

    def syncfs_all(fds):
        # When the sync runs, every new text is in a temporary file and no old file replaced.
        seen.append(([p.read_bytes() for p in paths], len(_temps(tmp_path)), len(fds)))
        return real(fds)

    monkeypatch.setattr(files, "_syncfs_all", syncfs_all)
    files.write_all_if_changed([(p, b"new\n") for p in paths])
    assert seen == [([b"old\n"] * 4, 4, 4)]
    assert [p.read_bytes() for p in paths] == [b"new\n"] * 4


@pytest.mark.parametrize("syncfs", ["missing", "fails"])
def test_without_syncfs_each_file_is_fsynced(tmp_path, monkeypatch, syncfs):
    synced = []
    real_fsync = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: (synced.append(fd), real_fsync(fd)))
    if syncfs == "missing":
        monkeypatch.setattr(files, "_syncfs", lambda: None)
    else:
        monkeypatch.setattr(files, "_syncfs", lambda: (lambda fd: -1))
    paths = [tmp_path / f"{i}.po" for i in range(3)]
    files.write_all_if_changed([(p, b"x\n") for p in paths])
    assert len(synced) == 3
    assert [p.read_bytes() for p in paths] == [b"x\n"] * 3


def test_a_full_disk_replaces_no_file_and_names_one(tmp_path, monkeypatch):
    paths = [tmp_path / f"{i}.po" for i in range(3)]
    for path in paths:
        path.write_bytes(b"human translation\n")
    monkeypatch.setattr(files, "_syncfs", lambda: None)

    def fsync(fd):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", fsync)
    with pytest.raises(files.WriteError) as caught:
        files.write_all_if_changed([(p, b"merged\n") for p in paths])
    assert "no space left on device" in str(caught.value)
    assert caught.value.path in [str(p) for p in paths]
    assert [p.read_bytes() for p in paths] == [b"human translation\n"] * 3
    assert _temps(tmp_path) == []


def test_inside_reader_refuses_what_read_inside_refuses(tmp_path):
    from pipeline.errors import CatalogError

    root = tmp_path / "proj"
    (root / "locales").mkdir(parents=True)
    (root / "locales/ok.po").write_bytes(b"ok")
    (tmp_path / "secret").write_bytes(b"secret")
    (root / "locales/out.po").symlink_to(tmp_path / "secret")
    read = files.inside_reader(root, "locales", CatalogError)
    assert read(root / "locales/ok.po", "ok.po") == b"ok"
    for reader in (read, lambda p, shown: files.read_inside(p, root, "locales", shown,
                                                            CatalogError)):
        with pytest.raises(CatalogError) as caught:
            reader(root / "locales/out.po", "out.po")
        assert str(caught.value) == ("out.po: is a symlink to a file outside the project; "
                                     "handbill reads only files inside it: replace the link "
                                     "with the file itself")
    # A locales/ that is a symlink is refused for every file, each named.
    other = tmp_path / "other"
    (other / "locales").mkdir(parents=True)
    (other / "locales/a.po").write_bytes(b"a")
    (tmp_path / "linked").mkdir()
    (tmp_path / "linked/locales").symlink_to(other / "locales")
    read = files.inside_reader(tmp_path / "linked", "locales", CatalogError)
    for name in ("a.po", "a.po"):
        with pytest.raises(CatalogError, match=f"^{name}: is in locales/, which is a symlink"):
            read(tmp_path / "linked/locales" / name, name)
