"""Interrupting `python -m pipeline draft` (SIGKILL, SIGTERM) and running it again."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from conftest import write_demo
from pipeline.catalogs import DRAFT_MARK
from pipeline.catalogs.pofile import read_catalog
from test_drafting_server import FakeTranslateServer

PARAGRAPHS = 40
TRIALS = 3


def project(root: Path, url: str) -> Path:
    write_demo(root, languages=("es",))
    leaflet = "\n\n".join(f"Paragraph {i} asks you to **act** on {{date}}." for i in
                          range(PARAGRAPHS))
    (root / "source" / "demo" / "leaflet.md").write_text(f"# Act\n\n{leaflet}\n")
    with (root / "handbill.toml").open("a") as toml:
        toml.write(f'[draft]\nengine = "libre"\nconcurrency = 2\nretries = 0\ntimeout = 5\n'
                   f'[draft.engines.libre]\nurl = "{url}"\n')
    run(root)("update")
    return root


def run(root: Path):
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1764115200"}
    env.pop("HANDBILL_LIBRE_URL", None)

    def start(*args: str, wait: bool = True):
        cmd = [sys.executable, "-m", "pipeline", "--project", str(root), *args]
        if wait:
            return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=60)
        return subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
    return start


def drafts(path: Path) -> int:
    return sum(1 for e in read_catalog(path).messages if e.fuzzy)


def wait_for_drafts(path: Path, proc: subprocess.Popen, at_least: int, limit: float) -> None:
    end = time.monotonic() + limit
    while time.monotonic() < end and proc.poll() is None:
        try:
            if path.read_bytes().count(DRAFT_MARK.encode()) >= at_least:
                return
        except FileNotFoundError:
            pass
        time.sleep(0.02)


def test_sigkill_loses_only_what_was_in_flight_and_a_rerun_finishes(tmp_path):
    with FakeTranslateServer(delay=0.1) as server:
        root = project(tmp_path / "p", server.url)
        reference = shutil.copytree(root, tmp_path / "ref")
        path = root / "locales" / "es" / "LC_MESSAGES" / "demo.po"
        pristine = path.read_bytes()
        total = len(read_catalog(path).messages)
        for _ in range(TRIALS):  # the kill must land mid-run; timing can miss on a busy machine
            path.write_bytes(pristine)
            shutil.rmtree(root / ".handbill", ignore_errors=True)
            proc = run(root)("draft", "--campaign", "demo", wait=False)
            wait_for_drafts(path, proc, 1, limit=20)
            proc.send_signal(signal.SIGKILL)
            proc.wait(10)
            saved = drafts(path)
            if 0 < saved < total:
                break
        assert 0 < saved < total, f"could not interrupt mid-run in {TRIALS} trials"
        before = server.requests
        server.delay = 0
        result = run(root)("draft", "--campaign", "demo")
        assert result.returncode == 0, result.stderr
        # Saved drafts were neither asked for nor written again.
        assert server.requests - before <= total - saved
        assert drafts(path) == total
        clean = run(reference)("draft", "--campaign", "demo")
        assert clean.returncode == 0, clean.stderr
        ref = reference / "locales" / "es" / "LC_MESSAGES" / "demo.po"
        assert path.read_bytes() == ref.read_bytes()


def test_sigterm_saves_every_draft_received_before_exiting(tmp_path):
    with FakeTranslateServer(delay=0.1) as server:
        root = project(tmp_path / "p", server.url)
        path = root / "locales" / "es" / "LC_MESSAGES" / "demo.po"
        proc = run(root)("draft", "--campaign", "demo", wait=False)
        end = time.monotonic() + 20
        while server.requests < 4 and time.monotonic() < end:
            time.sleep(0.01)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(10) == 130
        # Stopped before the first periodic save, yet what had arrived is in the file.
        assert 0 < drafts(path) < len(read_catalog(path).messages)
