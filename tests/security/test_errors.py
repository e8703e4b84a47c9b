"""13.9: one line, never a traceback, for a full disk during `build` and `update` (other
languages keep their outputs, no catalog is damaged) and a bad SOURCE_DATE_EPOCH."""

from __future__ import annotations

import contextlib
import errno
import os
import resource
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from conftest import Cli
from pipeline import files
from pipeline.catalogs.pofile import dump_catalog, read_catalog
from security.helpers import fill, no_traceback, one_error_line, project

BIN = Path(sys.executable).parent


@pytest.fixture
def built(tmp_path):
    root = project(tmp_path / "proj", languages=("es", "fr"))
    Cli(root)("build", "--jobs", "1")
    return root


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@contextlib.contextmanager
def _full_disk(folder: Path):
    """Put `folder` on a small tmpfs filled to the last byte; yields "tmpfs", or "fsync" where
    mounting is not permitted (then fsync fails with ENOSPC for files in the folder)."""
    keep = Path(tempfile.mkdtemp())
    shutil.copytree(folder, keep / "copy", symlinks=True)
    try:
        mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs",
                                  str(folder)], capture_output=True).returncode == 0
    except OSError:  # no mount(8)
        mounted = False
    try:
        if mounted:
            shutil.copytree(keep / "copy", folder, symlinks=True, dirs_exist_ok=True)
            with open(folder / ".filler", "wb") as filler:
                try:
                    while True:
                        filler.write(b"\0" * 65536)
                        filler.flush()
                except OSError as exc:
                    assert exc.errno == errno.ENOSPC
            yield "tmpfs"
        else:
            real_fsync = os.fsync

            def fsync(fd):
                if os.readlink(f"/proc/self/fd/{fd}").startswith(str(folder.resolve())):
                    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
                return real_fsync(fd)

            with pytest.MonkeyPatch.context() as patch:
                patch.setattr(os, "fsync", fsync)
                # Catalogs written together are synced with one syncfs: make them fsync.
                patch.setattr(files, "_syncfs", lambda: None)
                yield "fsync"
    finally:
        if mounted:
            (folder / ".filler").unlink(missing_ok=True)
            snapshot = keep / "after"
            shutil.copytree(folder, snapshot, symlinks=True)
            subprocess.run(["umount", str(folder)], check=True)
            shutil.rmtree(folder)
            shutil.copytree(snapshot, folder, symlinks=True)
        shutil.rmtree(keep)


def test_disk_full_during_build_keeps_the_other_languages_outputs(built):
    po = built / "locales/es/LC_MESSAGES/demo.po"
    fill(built, "es", prefix="NUEVO")
    before = _snapshot(built / "output")
    with _full_disk(built / "output") as how:
        result = Cli(built)("build", "--jobs", "1", expect=1)
    no_traceback(result)
    line = one_error_line(result, "no space left on device")
    assert line.count("\n") == 0 and "es" in line, (how, result.stderr)
    after = _snapshot(built / "output")
    for name in ("fr/demo/leaflet.pdf", "packs/demo-fr.zip", "packs/demo-es.zip",
                 "en/demo/leaflet.pdf", "es/demo/leaflet.html"):
        assert after[name] == before[name], name
    # Nothing half-written: no temporary file left, each PDF old or complete.
    assert not [name for name in after if name.endswith(".tmp")]
    for name, data in after.items():
        if name.endswith(".pdf"):
            assert data.startswith(b"%PDF") and data.rstrip().endswith(b"%%EOF"), name
    assert po.is_file()
    Cli(built)("build", "--jobs", "1")  # space again: the next build finishes the job
    assert "NUEVO" in (built / "output/es/demo/leaflet.html").read_text()


def test_disk_full_during_update_damages_no_catalog(built):
    posts = built / "source/demo/posts.yml"
    posts.write_text(posts.read_text().replace("Send a letter", "Send two letters"))
    locales = built / "locales"
    before = _snapshot(locales)
    with _full_disk(locales):
        result = Cli(built)("update", expect=1)
    no_traceback(result)
    one_error_line(result, "no space left on device")
    assert _snapshot(locales) == before
    for path in locales.rglob("*.po"):
        read_catalog(path)


def test_a_file_size_limit_during_update_is_one_line(built):
    """A real kernel error without mounting: RLIMIT_FSIZE makes every larger write fail."""
    posts = built / "source/demo/posts.yml"
    posts.write_text(posts.read_text().replace("Send a letter", "Send two letters"))
    before = _snapshot(built / "locales")

    def limit():
        resource.setrlimit(resource.RLIMIT_FSIZE, (1000, 1000))

    run = subprocess.run([str(BIN / "handbill"), "--project", str(built), "update"],
                         capture_output=True, text=True, preexec_fn=limit, timeout=120)
    assert run.returncode == 1, run.stdout + run.stderr
    assert "Traceback" not in run.stderr
    errors = [line for line in run.stderr.splitlines() if line.startswith("handbill: error:")]
    assert errors and "file too large" in errors[0], run.stderr
    assert _snapshot(built / "locales") == before


@pytest.mark.parametrize("value,words", [
    ("99999999999999", "after the year 9999"),
    ("-1", "a whole number of seconds"),
    ("1.5", "a whole number of seconds"),
    ("soon", "a whole number of seconds"),
    (" 12", "a whole number of seconds"),
])
@pytest.mark.parametrize("command", ["update", "build", "pack"])
def test_source_date_epoch_out_of_range_is_one_line(built, value, words, command):
    posts = built / "source/demo/posts.yml"
    posts.write_text(posts.read_text().replace("Send a letter", "Send two letters"))
    args = (command, "--jobs", "1") if command == "build" else (command,)
    result = Cli(built)(*args, env={"SOURCE_DATE_EPOCH": value}, expect=1)
    no_traceback(result)
    one_error_line(result, "SOURCE_DATE_EPOCH", words)


def test_a_valid_source_date_epoch_still_works(built):
    Cli(built)("build", "--jobs", "1", env={"SOURCE_DATE_EPOCH": "1700000000"})
    Cli(built)("build", "--jobs", "1", env={"SOURCE_DATE_EPOCH": ""})
