"""Shared fixtures: a scratch project, the CLI runner, and GNU gettext as the reference."""

from __future__ import annotations

import shutil
import signal
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from msgcat import drop_unknown_flags, msgcat_reference, sorted_flags
from pipeline.cli import main

REPO = Path(__file__).resolve().parent.parent
DEMO_CAMPAIGN = {
    "campaign.yml": """\
title: Free them all
summary: A demo campaign for the tests.
organisation: Demo Org
url: https://example.org/
source_language: en
event:
  date: 2022-02-25
  place: Outside the embassy
hashtags: ["#FreeThem"]
protected_terms: [Demo Org, Julian Assange]
colours: {background: "#8b0000", text: "#ffffff", accent: "#ffd54f"}
""",
    "leaflet.md": """\
# Free them all

A first paragraph with **bold** and a [link](https://example.org/x) that
spans two lines, on {date}.

- **MOBILIZE** – Take to the streets.
- **WRITE** – Send a letter to Julian Assange.

> No to extradition!
""",
    "posts.yml": """\
posts:
  - id: mobilize
    text: "Take to the streets on {date}!"
    platforms: [x, bluesky, mastodon]
    link: https://example.org/
    hashtags: ["#FreeThem"]
  - id: letter
    text: "Send a letter to the embassy."
    platforms: [x]
cards:
  - id: free
    text: Free them all!
""",
}


def write_demo(root: Path, languages=("es", "ar"), campaign: str = "demo") -> Path:
    """A minimal project with one campaign; returns its root."""
    (root / "source" / campaign).mkdir(parents=True, exist_ok=True)
    langs = ", ".join(f'"{code}"' for code in languages)
    (root / "handbill.toml").write_text(f"[project]\nlanguages = [{langs}]\n")
    for name, text in DEMO_CAMPAIGN.items():
        (root / "source" / campaign / name).write_text(text)
    return root


@pytest.fixture
def demo(tmp_path: Path) -> Path:
    """A scratch project (languages es and ar) with the demo campaign, not yet extracted."""
    return write_demo(tmp_path / "proj")


@pytest.fixture
def shipped(tmp_path: Path) -> Path:
    """A copy of the repository's own content project (source/, locales/, handbill.toml)."""
    root = tmp_path / "shipped"
    root.mkdir()
    shutil.copy(REPO / "handbill.toml", root / "handbill.toml")
    shutil.copytree(REPO / "source", root / "source")
    if (REPO / "locales").exists():
        shutil.copytree(REPO / "locales", root / "locales")
    return root


class Cli:
    def __init__(self, root: Path):
        self.root = root
        self.runner = CliRunner()

    def __call__(self, *args: str, expect: int | None = 0, env: dict | None = None):
        result = self.runner.invoke(main, ["--project", str(self.root), *args], env=env,
                                    catch_exceptions=False)
        if expect is not None:
            assert result.exit_code == expect, (
                f"exit {result.exit_code}, expected {expect}\nstdout:\n{result.stdout}\n"
                f"stderr:\n{result.stderr}")
        return result


@pytest.fixture
def cli(demo: Path) -> Cli:
    return Cli(demo)


def assert_canonical(path: Path, width: int = 79, any_flag_order: bool = False) -> None:
    """GNU gettext accepts the file and msgcat reproduces it (modulo unknown flags, and with
    any_flag_order, modulo the order of flags on a line: handbill keeps the file's order)."""
    check = subprocess.run(["msgfmt", "--check-format", "--check-domain", "-o", "/dev/null",
                            str(path)], capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    ours = drop_unknown_flags(path.read_bytes().decode("latin-1"))
    reference = msgcat_reference(path, width)
    if any_flag_order:
        ours, reference = sorted_flags(ours), sorted_flags(reference)
    assert reference == ours


@pytest.fixture(autouse=True)
def campaign_cache(tmp_path_factory, monkeypatch) -> Path:
    """Each test gets its own cache of campaign readings (pipeline/sources/cache.py): never
    the user's ~/.cache, and no reading left over from another test."""
    folder = tmp_path_factory.mktemp("campaign-cache")
    monkeypatch.setenv("HANDBILL_CACHE_DIR", str(folder))
    return folder / "campaigns"


@pytest.fixture
def gettext_reference():
    return assert_canonical


def default_sigint() -> None:
    """preexec_fn for a server a test will Ctrl-C: a shell starts background jobs with SIGINT
    ignored, and an ignored signal stays ignored across exec, so under `ci &` the server would
    never see the Ctrl-C. A person runs serve in a terminal, where Ctrl-C works."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
