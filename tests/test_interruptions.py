"""SIGKILL at random points loses nothing: every catalog is the old or the new version, never
truncated, and a re-run ends exactly where an uninterrupted run does."""

from __future__ import annotations

import hashlib
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from conftest import Cli, write_demo
from test_build import fill

LANGS = ("es", "ar", "fr", "de", "it", "pt", "nl", "sv", "pl", "ru", "uk", "tr", "fa", "hi",
         "bn", "sw", "ja", "ko", "zh_Hans", "id")
ENV = {**os.environ, "SOURCE_DATE_EPOCH": "1645790400"}
TRIALS = 5


def digest_tree(root: Path, pattern: str) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.glob(pattern)) if p.is_file()}


def run(root: Path, *args: str, kill_after: float | None = None) -> int | None:
    """Run handbill in a subprocess; with kill_after, SIGKILL it after that many seconds."""
    proc = subprocess.Popen([sys.executable, "-m", "pipeline", "--project", str(root), *args],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=ENV,
                            start_new_session=True)
    if kill_after is None:
        return proc.wait(timeout=300)
    try:
        return proc.wait(timeout=kill_after)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)  # the whole group: build's workers too
        proc.wait(timeout=30)
        return None


def project(tmp_path: Path, name: str) -> Path:
    root = write_demo(tmp_path / name, languages=LANGS)
    Cli(root)("update")
    for lang in LANGS:
        fill(root, lang, lang.upper())
    return root


def test_update_killed_at_random_points(tmp_path):
    base = project(tmp_path, "base")
    leaflet = base / "source/demo/leaflet.md"
    leaflet.write_text(leaflet.read_text().replace("Take to the streets.", "Take to the streets!")
                       + "\nA new paragraph.\n")
    old = digest_tree(base, "locales/**/*.po")
    reference = tmp_path / "reference"
    shutil.copytree(base, reference)
    started = time.monotonic()
    assert run(reference, "update") == 0
    duration = time.monotonic() - started
    new = digest_tree(reference, "locales/**/*.po")
    assert new != old
    rng = random.Random(1)
    for trial in range(TRIALS):
        work = tmp_path / f"trial{trial}"
        shutil.copytree(base, work)
        run(work, "update", kill_after=rng.uniform(0.05, duration))
        now = digest_tree(work, "locales/**/*.po")
        for name, value in now.items():
            assert value in (old[name], new[name]), f"trial {trial}: {name} is neither version"
        assert run(work, "update") == 0
        assert digest_tree(work, "locales/**/*.po") == new


def test_render_and_build_killed_at_random_points(tmp_path):
    base = project(tmp_path, "base")
    catalogs = digest_tree(base, "locales/**/*.po")
    reference = tmp_path / "reference"
    shutil.copytree(base, reference)
    started = time.monotonic()
    assert run(reference, "build", "--jobs", "2") == 0
    duration = time.monotonic() - started
    packs = digest_tree(reference, "output/packs/*.zip")
    assert len(packs) == len(LANGS) + 1
    rng = random.Random(2)
    for trial in range(3):
        work = tmp_path / f"build{trial}"
        shutil.copytree(base, work)
        command = "render" if trial == 0 else "build"
        run(work, command, "--jobs", "2", kill_after=rng.uniform(0.5, duration * 0.8)) \
            if command == "build" else run(work, command, kill_after=rng.uniform(0.5, duration))
        assert digest_tree(work, "locales/**/*.po") == catalogs
        for pdf in work.glob("output/**/*.pdf"):
            assert pdf.read_bytes().startswith(b"%PDF") and b"%%EOF" in pdf.read_bytes()[-64:]
        assert run(work, "build", "--jobs", "2") == 0
        assert digest_tree(work, "output/packs/*.zip") == packs, f"trial {trial}"


def _alive_in_group(pgid: int) -> list[int]:
    """The live processes of process group `pgid` (a zombie counts as gone)."""
    pids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # it ended while we looked
            continue
        if int(fields[2]) == pgid and fields[0] not in ("Z", "X"):
            pids.append(int(stat.parent.name))
    return pids


def _children(pid: int) -> list[int]:
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            out.append(int(stat.parent.name))
    return out


def test_sigterm_to_build_stops_its_render_workers(tmp_path):
    root = project(tmp_path, "term")
    proc = subprocess.Popen([sys.executable, "-m", "pipeline", "--project", str(root), "build",
                             "--jobs", "2"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            text=True, env=ENV, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while len(_children(proc.pid)) < 2:  # both render workers are at work
            assert proc.poll() is None and time.monotonic() < deadline, "no workers started"
            time.sleep(0.05)
        time.sleep(0.3)
        os.kill(proc.pid, signal.SIGTERM)
        assert proc.wait(timeout=30) == 143
        deadline = time.monotonic() + 10
        while _alive_in_group(proc.pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert _alive_in_group(proc.pid) == [], "a render worker outlived `handbill build`"
        assert "stopped by signal 15" in proc.stderr.read()
    finally:
        proc.stderr.close()
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    # What was done is kept, nothing is half-written, and the next build finishes the job.
    assert not list(root.glob("output/**/*.tmp"))
    assert run(root, "build", "--jobs", "2") == 0
