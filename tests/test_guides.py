"""The guides cannot drift from the tool: every `$ command` in a ```console block of docs/*.md
runs here, in order, on a scratch project, and every output line the guide shows must appear
in what the command really prints.

Conventions in the guides:
- the first line `<!-- guide: start=shipped -->` starts from a copy of this repository's
  project; `start=empty` starts from an empty folder;
- `# exits 1` after a command means exit code 1 is expected (a check that finds something);
- `handbill serve` is run for a few seconds on a free port and must say it is serving;
- online engines' URLs (`https://libretranslate.example.org/`) are pointed at a
  LibreTranslate-compatible server on 127.0.0.1 (tests never touch the internet), and a local
  model's (`http://127.0.0.1:8080/v1`, llama.cpp's default) at an OpenAI-compatible one;
- `docs/examples/` (pages and catalogs the guides import) is copied to `examples/` in the
  folder the commands start in.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from conftest import REPO, default_sigint

DOCS = REPO / "docs"
GUIDES = sorted(DOCS.glob("*.md"))
BIN = Path(sys.executable).parent
BLOCK_RE = re.compile(r"```console\n(.*?)```", re.S)


def steps(text: str) -> list[tuple[str, list[str]]]:
    """(command, expected output lines) for every `$ ` line of every console block."""
    out: list[tuple[str, list[str]]] = []
    for block in BLOCK_RE.findall(text):
        for line in block.splitlines():
            if line.startswith("$ "):
                out.append((line[2:].strip(), []))
            elif out and line.strip() and line.strip() != "...":
                out[-1][1].append(line.strip())
    return out


def norm(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def libre_url():
    """The drafting tests' LibreTranslate-compatible server, on 127.0.0.1."""
    from test_drafting_server import FakeTranslateServer

    with FakeTranslateServer() as server:
        yield server.url


@pytest.fixture(scope="module")
def openai_url():
    """The drafting tests' OpenAI-compatible chat server (a local model's stand-in)."""
    from fake_openai import FakeChatServer

    with FakeChatServer() as server:
        yield server.url


def serve_until_serving(command: str, cwd: Path, env: dict) -> str:
    """Run `handbill serve` (it builds first) until it says it is serving, then Ctrl-C it."""
    proc = subprocess.Popen(["bash", "-c", f"exec {command} --port 0"], cwd=cwd, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True, preexec_fn=default_sigint)
    lines = []
    watchdog = threading.Timer(240, proc.kill)  # a serve that never says so fails, not hangs
    watchdog.start()
    try:
        while True:
            line = proc.stdout.readline()
            if not line:
                break
            lines.append(line)
            if line.startswith("serving "):
                time.sleep(1)  # a person reads the line before pressing Ctrl-C
                break
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            rest, _ = proc.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            rest, _ = proc.communicate()
            pytest.fail(f"`handbill serve` did not stop on Ctrl-C within 60 s:\n"
                        f"{''.join(lines)}{rest}")
        watchdog.cancel()
    return "".join(lines) + rest


@pytest.mark.parametrize("guide", GUIDES, ids=lambda p: p.name)
def test_guide_commands_run_as_shown(guide, tmp_path, libre_url, openai_url):
    text = guide.read_text(encoding="utf-8")
    match = re.search(r"<!-- guide: start=(\w+) -->", text)
    assert match, f"{guide.name} must say where its commands start"
    cwd = tmp_path / "work"
    if match.group(1) == "shipped":
        cwd.mkdir()
        shutil.copy(REPO / "handbill.toml", cwd)
        shutil.copytree(REPO / "source", cwd / "source")
        shutil.copytree(REPO / "locales", cwd / "locales")
    else:
        cwd.mkdir()
    if (DOCS / "examples").is_dir():
        shutil.copytree(DOCS / "examples", cwd / "examples")
    env = {**os.environ, "PATH": f"{BIN}:{os.environ['PATH']}", "SOURCE_DATE_EPOCH": "1645790400",
           "HOME": str(tmp_path), "NO_COLOR": "1", "COLUMNS": "100"}
    commands = steps(text)
    assert commands, f"{guide.name} shows no commands"
    for command, expected in commands:
        expect_exit = 1 if re.search(r"#\s*exits 1", command) else 0
        command = re.sub(r"\s+#.*$", "", command)
        if command.startswith("cd "):
            cwd = (cwd / shlex.split(command)[1]).resolve()
            continue
        command = command.replace("https://libretranslate.example.org/", libre_url)
        command = command.replace("http://127.0.0.1:8080/v1", openai_url)
        if command.startswith("handbill serve"):
            output = serve_until_serving(command, cwd, env)
            expect_exit = None
        else:
            run = subprocess.run(["bash", "-c", command], cwd=cwd, env=env,
                                 capture_output=True, text=True, timeout=300)
            output = run.stdout + run.stderr
        assert "Traceback" not in output, f"{guide.name}: {command}\n{output}"
        if expect_exit is not None:
            assert run.returncode == expect_exit, f"{guide.name}: `{command}` exited " \
                f"{run.returncode}\n{output}"
        for line in expected:
            assert norm(line) in norm(output), \
                f"{guide.name}: `{command}` did not print:\n  {line}\nit printed:\n{output}"


def test_every_command_explains_itself_with_an_example():
    from click.testing import CliRunner

    from pipeline.cli import main

    top = CliRunner().invoke(main, ["--help"])
    assert "Guides:" in top.output
    for name in main.commands:
        result = CliRunner().invoke(main, [name, "--help"])
        assert result.exit_code == 0
        assert f"Example: handbill {name}" in result.output, name
