"""Records in output/ and the shards' folders are read without following symlinks; writes into
output/ never go through a symlinked subfolder; a change in handbill's own files re-renders."""

from __future__ import annotations

import json
import os
import shutil

import pytest

from conftest import Cli
from pipeline import build as build_stage
from pipeline import inputs
from pipeline.records import RenderRecord
from security.helpers import no_traceback, one_error_line, project


@pytest.fixture
def built(tmp_path, monkeypatch):
    """A demo project (es, reviewed) built once."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1645790400")
    root = project(tmp_path / "p")
    Cli(root)("build")
    return root


def test_the_page_does_not_follow_a_symlinked_record_or_posts(built, tmp_path, caplog):
    unit = built / "output" / "es" / "demo"
    record = json.loads((unit / "render.json").read_text())
    record["page"]["title"] = "PLANTED TITLE"
    planted = tmp_path / "planted.json"
    planted.write_text(json.dumps(record))
    posts = tmp_path / "posts.json"
    posts.write_text(json.dumps({"posts": [{"post": "x", "text": "PLANTED POST", "platform": "x",
                                            "length": 1, "limit": 280, "over_limit": False}]}))
    for name, target in (("render.json", planted), ("posts.json", posts)):
        (unit / name).unlink()
        (unit / name).symlink_to(target)
    assert RenderRecord.read(unit / "render.json") is None
    result = Cli(built)("pack", "--lang", "es")
    no_traceback(result)
    page = (built / "output" / "es" / "index.html").read_text()
    assert "PLANTED" not in page
    assert "render.json: is a symlink, not a record handbill wrote" in caplog.text


def test_a_write_through_a_symlinked_output_folder_is_refused(tmp_path, monkeypatch):
    root = project(tmp_path / "p")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (root / "output").mkdir()
    (root / "output" / ".handbill-output").write_text("handbill's\n")
    (root / "output" / "es").symlink_to(elsewhere)  # planted by an earlier CI step
    result = Cli(root)("build", expect=1)
    no_traceback(result)
    line = one_error_line(result, "output/es", "symlink")
    assert "delete the link" in line
    assert list(elsewhere.iterdir()) == []
    # The source language still built (another language's failure does not stop it).
    assert (root / "output" / "en" / "demo" / "leaflet.pdf").is_file()


def test_a_symlinked_packs_folder_fails_the_unit_not_the_build(tmp_path):
    root = project(tmp_path / "p")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (root / "output").mkdir()
    (root / "output" / ".handbill-output").write_text("handbill's\n")
    (root / "output" / "packs").symlink_to(elsewhere)
    result = Cli(root)("build", expect=1)
    no_traceback(result)
    one_error_line(result, "output/packs", "symlink")
    assert list(elsewhere.iterdir()) == []


@pytest.fixture
def shard(tmp_path, monkeypatch):
    """A demo project built as shard 1 of 1, and a fresh copy to merge in."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1645790400")
    root = project(tmp_path / "p")
    Cli(root)("build", "--shard", "1/1")
    target = tmp_path / "merge"
    target.mkdir()
    shutil.copy(root / "handbill.toml", target)
    shutil.copytree(root / "source", target / "source")
    shutil.copytree(root / "locales", target / "locales")
    return root / "output", target


def test_merge_refuses_a_symlink_in_a_shard_and_copies_nothing_from_it(shard, tmp_path):
    output, target = shard
    secret = tmp_path / "secret.txt"
    secret.write_text("TOKEN")
    posts = output / "es" / "demo" / "posts.txt"
    posts.unlink()
    posts.symlink_to(secret)
    result = Cli(target)("merge", str(output), expect=1)
    no_traceback(result)
    one_error_line(result, "posts.txt", "is a symlink")
    assert not any("TOKEN" in p.read_text(errors="replace")
                   for p in (target / "output").rglob("*") if p.is_file())


def test_merge_refuses_a_symlinked_unit_folder_or_shard_folder(shard, tmp_path):
    output, target = shard
    moved = tmp_path / "moved"
    shutil.move(output / "es" / "demo", moved)
    (output / "es" / "demo").symlink_to(moved)
    one_error_line(Cli(target)("merge", str(output), expect=1), "demo/es", "symlink")
    link = tmp_path / "link"
    link.symlink_to(output)
    one_error_line(Cli(target)("merge", str(link), expect=1), "not a folder")


def test_merge_never_writes_into_a_folder_handbill_did_not_make(shard):
    output, target = shard
    (target / "output").mkdir()
    (target / "output" / "notes.txt").write_text("mine")
    result = Cli(target)("merge", str(output), expect=1)
    one_error_line(result, "holds files handbill did not make")
    assert sorted(os.listdir(target / "output")) == ["notes.txt"]


def test_the_build_fingerprint_follows_handbills_own_files(built, tmp_path, monkeypatch):
    copy = tmp_path / "package"
    shutil.copytree(inputs.PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    before = inputs.package_hash(copy)
    assert inputs.package_hash(copy) == before
    leaflet = next(copy.glob("templates/**/*.html"))
    leaflet.write_text(leaflet.read_text() + "<!-- changed -->")
    changed = inputs.package_hash(copy)
    assert changed != before
    (copy / "__pycache__").mkdir()
    (copy / "__pycache__" / "plan.cpython-311.pyc").write_bytes(b"bytecode")
    assert inputs.package_hash(copy) == changed  # bytecode caches are not handbill's code
    # A build after handbill changed renders every unit again; then nothing.
    result = Cli(built)("build")
    assert "built 0 of 2 units" in result.stdout
    monkeypatch.setattr(build_stage, "code_fingerprint", lambda: "0.1.0+changed")
    assert "built 2 of 2 units" in Cli(built)("build").stdout
    assert "built 0 of 2 units" in Cli(built)("build").stdout
