"""13.3: only regular files inside the project are read (sources, catalogs, templates) or
published (packs); a symlink out of the project, a FIFO or a device is refused with one line."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import pytest

from conftest import Cli
from security.helpers import add_campaign, no_traceback, project

SECRET = "TOP-SECRET-OUTSIDE-THE-PROJECT"


@pytest.fixture
def proj(tmp_path):
    return add_campaign(project(tmp_path / "proj"))


@pytest.fixture
def secret(tmp_path) -> Path:
    path = tmp_path / "secret.md"
    path.write_text(f"# {SECRET}\n\nposts:\n")
    return path


def _leaked(root: Path) -> list[Path]:
    found = []
    for path in [*root.rglob("*.po*"), *(root / "output").rglob("*")]:
        if path.is_file() and not path.is_symlink():
            data = path.read_bytes()
            if SECRET.encode() in data:
                found.append(path)
            if path.suffix == ".zip":
                with zipfile.ZipFile(path) as archive:
                    if any(SECRET.encode() in archive.read(n) for n in archive.namelist()):
                        found.append(path)
    return found


@pytest.mark.parametrize("name", ["leaflet.md", "campaign.yml", "posts.yml", "cards.yml"])
def test_a_source_symlinked_out_of_the_project_is_refused(proj, secret, name):
    path = proj / "source/demo" / name
    if name == "cards.yml":  # the demo keeps its cards in posts.yml: one place only
        posts = proj / "source/demo/posts.yml"
        posts.write_text(posts.read_text().split("cards:")[0])
    path.unlink(missing_ok=True)
    path.symlink_to(secret)
    result = Cli(proj)("build", "--jobs", "1", expect=1)
    no_traceback(result)
    assert f"source/demo/{name}: is a symlink to a file outside the project" in result.stderr, \
        result.stderr
    assert not _leaked(proj), _leaked(proj)
    assert (proj / "output/packs/other-es.zip").is_file(), "the other campaign still builds"


def test_a_source_symlinked_to_the_git_folder_is_refused(proj):
    """Inside the project, but not a source: CI keeps its token in .git/config."""
    (proj / ".git").mkdir()
    (proj / ".git/config").write_text(f"# {SECRET}\n")
    path = proj / "source/demo/leaflet.md"
    path.unlink()
    path.symlink_to(proj / ".git/config")
    result = Cli(proj)("extract", expect=1)
    no_traceback(result)
    assert "source/demo/leaflet.md: is a symlink to a file outside source/" in result.stderr, \
        result.stderr
    assert not _leaked(proj)


def test_a_symlink_inside_the_sources_is_followed(proj):
    """A campaign may share a file with another: both lie inside source/."""
    path = proj / "source/other/leaflet.md"
    path.unlink()
    path.symlink_to(Path("..") / "demo" / "leaflet.md")
    Cli(proj)("extract")


def test_a_campaign_folder_symlinked_elsewhere_is_refused(proj, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    for name in ("campaign.yml", "posts.yml"):
        (elsewhere / name).write_bytes((proj / "source/demo" / name).read_bytes())
    (elsewhere / "leaflet.md").write_text(f"# {SECRET}\n")
    (proj / "source/evil").symlink_to(elsewhere, target_is_directory=True)
    result = Cli(proj)("build", "--jobs", "1", expect=1)
    no_traceback(result)
    assert "source/evil: is a symlink to a folder outside the project" in result.stderr, \
        result.stderr
    assert not _leaked(proj)
    assert (proj / "output/packs/demo-es.zip").is_file()


def test_a_source_under_a_symlinked_subfolder_via_dotdot_is_refused(proj, secret):
    (proj / "source/demo/sub").symlink_to(secret.parent, target_is_directory=True)
    path = proj / "source/demo/leaflet.md"
    path.unlink()
    path.symlink_to(Path("sub") / ".." / "sub" / secret.name)
    result = Cli(proj)("extract", expect=1)
    assert "is a symlink to a file outside the project" in result.stderr
    assert not _leaked(proj)


@pytest.mark.parametrize("kind", ["fifo", "device", "folder"])
def test_a_source_that_is_not_a_regular_file_is_refused(proj, kind):
    path = proj / "source/demo/leaflet.md"
    path.unlink()
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "device":
        path.symlink_to("/dev/zero")
    else:
        path.mkdir()
    result = Cli(proj)("extract", expect=None)
    no_traceback(result)
    words = {"fifo": "is a FIFO (named pipe), not a regular file",
             "device": "is a symlink to a file outside the project",
             "folder": "is a folder, not a file"}[kind]
    assert result.exit_code == 1 and f"source/demo/leaflet.md: {words}" in result.stderr, \
        result.stderr


def test_a_device_inside_the_project_is_refused(proj):
    import stat
    path = proj / "source/demo/leaflet.md"
    path.unlink()
    try:
        os.mknod(path, stat.S_IFCHR | 0o600, os.makedev(1, 5))  # /dev/zero's numbers
    except PermissionError:
        os.mkfifo(path)  # not root: a FIFO stands in for a device
    result = Cli(proj)("extract", expect=1)
    no_traceback(result)
    assert "source/demo/leaflet.md: is a " in result.stderr and "not a regular file" \
        in result.stderr


def test_a_catalog_symlinked_out_of_the_project_is_refused(proj, tmp_path):
    outside = tmp_path / "outside.po"
    po = proj / "locales/es/LC_MESSAGES/demo.po"
    text = po.read_text().replace('msgstr "ES Free them all"', f'msgstr "{SECRET}"')
    outside.write_text(text)
    po.unlink()
    po.symlink_to(outside)
    for command in (("update",), ("check",), ("status",), ("render",), ("build", "--jobs", "1")):
        result = Cli(proj)(*command, expect=1)
        no_traceback(result)
        where = "locales/es/LC_MESSAGES/demo.po: " + ("error [catalog] " if command == ("check",)
                                                      else "")
        assert where + "is a symlink to a file outside the project" \
            in result.stdout + result.stderr, (command, result.stdout, result.stderr)
    assert po.is_symlink() and outside.read_text() == text, "the catalog is not rewritten"
    assert not _leaked(proj)


def test_a_fifo_catalog_does_not_hang(proj):
    po = proj / "locales/es/LC_MESSAGES/ui.po"
    po.unlink(missing_ok=True)
    os.mkfifo(po)
    result = Cli(proj)("build", "--jobs", "1", expect=1)
    no_traceback(result)
    assert "locales/es/LC_MESSAGES/ui.po: is a FIFO (named pipe), not a regular file" \
        in result.stderr, result.stderr


def test_pack_does_not_follow_a_symlink_planted_in_output(proj, secret):
    cli = Cli(proj)
    cli("build", "--jobs", "1")
    folder = proj / "output/es/demo"
    (folder / "cards" / "planted.png").symlink_to(secret)
    (folder / "leaflet.html").unlink()
    (folder / "leaflet.html").symlink_to(secret)
    cli("pack")
    with zipfile.ZipFile(proj / "output/packs/demo-es.zip") as archive:
        names = archive.namelist()
        assert not any("planted" in n for n in names)
        assert all(SECRET.encode() not in archive.read(n) for n in names)
        assert "demo-es/leaflet.html" not in names
