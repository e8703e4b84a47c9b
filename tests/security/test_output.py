"""13.1: `[project] output` and `build --clean` never delete or overwrite what handbill did
not make. Every refusal is one line naming the setting and handbill.toml:LINE, exit 1."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from conftest import Cli, write_demo
from security.helpers import no_traceback, one_error_line, project

MARKER = ".handbill-output"


def _tree(root: Path) -> dict[str, bytes | None]:
    """Every path under root (not following symlinks) with its bytes."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = Path(dirpath) / name
            rel = path.relative_to(root).as_posix()
            out[rel] = path.read_bytes() if path.is_file() and not path.is_symlink() else None
    return out


def _set_output(root: Path, value: str) -> int:
    """Write `output = value` into handbill.toml; return its line number."""
    text = (root / "handbill.toml").read_text()
    (root / "handbill.toml").write_text(text + f'output = "{value}"\n')
    return text.count("\n") + 1


@pytest.fixture
def proj(tmp_path):
    root = project(tmp_path / "proj")
    (root / ".git").mkdir()
    (root / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    (root / "README.md").write_text("# our movement\n")
    return root


@pytest.mark.parametrize("value,why", [
    (".", "is the project folder"),
    ("./", "is the project folder"),
    ("locales", "locales"),
    ("source", "source"),
    ("source/demo/out", "source"),
    ("locales/es", "locales"),
    (".git", ".git"),
    (".handbill", ".handbill"),
    ("out/..", "is the project folder"),
    ("..", "outside the project"),
    ("../elsewhere", "outside the project"),
    ("{outside}", "outside the project"),  # an absolute path elsewhere
    ("README.md", "is a file"),
    ("handbill.toml", "is a file"),
    ("Locales", "locales"),  # a case-insensitive file system (macOS, Windows) is the same
])
@pytest.mark.parametrize("clean", [False, True])
def test_an_unsafe_output_is_refused_before_anything_is_written(proj, value, why, clean):
    outside = proj.parent / "elsewhere"
    line = _set_output(proj, value.format(outside=outside))
    before = _tree(proj)
    result = Cli(proj)("build", "--jobs", "1", *(["--clean"] if clean else []), expect=1)
    no_traceback(result)
    one_error_line(result, f"handbill.toml:{line}:", "[project] output", why)
    assert _tree(proj) == before, "nothing is written or deleted"
    assert not outside.exists()


def test_an_output_that_is_a_symlink_is_refused(proj, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "precious.txt").write_text("keep me")
    (proj / "out").symlink_to(elsewhere, target_is_directory=True)
    line = _set_output(proj, "out")
    for clean in ([], ["--clean"]):
        result = Cli(proj)("build", "--jobs", "1", *clean, expect=1)
        no_traceback(result)
        one_error_line(result, f"handbill.toml:{line}:", "[project] output", "symlink")
    assert (elsewhere / "precious.txt").read_text() == "keep me"
    assert [p.name for p in elsewhere.iterdir()] == ["precious.txt"]


def test_an_output_inside_a_symlinked_folder_pointing_into_locales_is_refused(proj):
    (proj / "site").symlink_to(proj / "locales", target_is_directory=True)
    line = _set_output(proj, "site/out")
    result = Cli(proj)("build", "--jobs", "1", expect=1)
    one_error_line(result, f"handbill.toml:{line}:", "[project] output")
    assert not (proj / "locales" / "out").exists()


def test_the_default_output_is_created_and_marked(proj):
    Cli(proj)("build", "--jobs", "1")
    assert (proj / "output" / MARKER).is_file()
    assert (proj / "output/packs/demo-es.zip").is_file()


def test_clean_deletes_only_inside_a_marked_output_and_keeps_the_marker(proj, tmp_path):
    cli = Cli(proj)
    cli("build", "--jobs", "1")
    stray = proj / "output" / "stray.txt"
    stray.write_text("old")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "keep.txt").write_text("keep")
    (proj / "output" / "link").symlink_to(outside, target_is_directory=True)
    cli("build", "--jobs", "1", "--clean")
    assert not stray.exists() and not (proj / "output" / "link").is_symlink()
    assert (outside / "keep.txt").read_text() == "keep", "a symlink is removed, not followed"
    assert (proj / "output" / MARKER).is_file()
    assert (proj / "output/packs/demo-es.zip").is_file()
    assert (proj / "locales/es/LC_MESSAGES/demo.po").is_file()
    assert (proj / ".git/HEAD").is_file() and (proj / "README.md").is_file()


@pytest.mark.parametrize("clean", [False, True])
def test_an_existing_unmarked_folder_is_refused_with_a_way_out(proj, clean):
    (proj / "docs").mkdir()
    (proj / "docs" / "index.html").write_text("<h1>our own page</h1>")
    line = _set_output(proj, "docs")
    before = _tree(proj)
    result = Cli(proj)("build", "--jobs", "1", *(["--clean"] if clean else []), expect=1)
    no_traceback(result)
    error = one_error_line(result, f"handbill.toml:{line}:", "[project] output", "docs")
    assert "did not make" in error and "delete" in error
    assert _tree(proj) == before
    assert (proj / "docs/index.html").read_text() == "<h1>our own page</h1>"


def test_an_empty_existing_folder_is_adopted(proj):
    (proj / "site").mkdir()
    _set_output(proj, "site")
    Cli(proj)("build", "--jobs", "1")
    assert (proj / "site" / MARKER).is_file() and (proj / "site/index.html").is_file()


def test_a_marker_that_is_a_symlink_does_not_count(proj, tmp_path):
    (proj / "site").mkdir()
    (proj / "site" / "index.html").write_text("mine")
    real = tmp_path / "marker"
    real.write_text("")
    (proj / "site" / MARKER).symlink_to(real)
    _set_output(proj, "site")
    result = Cli(proj)("build", "--jobs", "1", "--clean", expect=1)
    one_error_line(result, "[project] output")
    assert (proj / "site/index.html").read_text() == "mine"


@pytest.mark.parametrize("command", [("render",), ("pack",), ("status",)])
def test_other_commands_refuse_the_project_root_too(proj, command):
    line = _set_output(proj, ".")
    before = _tree(proj)
    result = Cli(proj)(*command, expect=1)
    no_traceback(result)
    one_error_line(result, f"handbill.toml:{line}:", "[project] output")
    assert _tree(proj) == before


def test_a_nested_output_folder_inside_the_project_is_fine(tmp_path):
    root = write_demo(tmp_path / "p", languages=())
    _set_output(root, "build/site")
    Cli(root)("build", "--jobs", "1")
    assert (root / "build/site/index.html").is_file()
    assert (root / "build/site" / MARKER).is_file()
