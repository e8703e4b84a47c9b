"""13.4: no cell of a CSV handbill writes starts a spreadsheet formula (OWASP: prefix `'`), and
`check` reports a translated post that starts with a formula character."""

from __future__ import annotations

import csv
import io

import pytest

from conftest import Cli
from pipeline.catalogs.pofile import dump_catalog, read_catalog
from security.helpers import project

PAYLOAD = "=1+1+cmd|' /C calc'!A0"


@pytest.mark.parametrize("cell,expected", [
    ("=1+1", "'=1+1"), ("+1", "'+1"), ("-2+3", "'-2+3"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\t=1", "'\t=1"), ("\r=1", "'\r=1"), ("＝1+1", "'＝1+1"), ("  =1+1", "'  =1+1"),
    ("Free them", "Free them"), ("", ""), ("a=b", "a=b"), ("#FreeThem", "#FreeThem"),
])
def test_neutralise_cell(cell, expected):
    from pipeline.render.posts import neutralise_cell

    assert neutralise_cell(cell) == expected


def _rows(path) -> list[dict]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))


def test_source_posts_that_start_with_a_formula_character_are_neutralised(tmp_path):
    root = project(tmp_path / "proj", languages=())
    posts = root / "source/demo/posts.yml"
    posts.write_text(posts.read_text()
                     .replace('"Take to the streets on {date}!"', '"@DemoOrg -20% today"')
                     .replace('"Send a letter to the embassy."', f'"{PAYLOAD}"'))
    Cli(root)("build", "--jobs", "1")
    rows = _rows(root / "output/en/demo/posts.csv")
    texts = {row["post"]: row["text"] for row in rows}
    assert texts["letter"] == "'" + PAYLOAD
    assert texts["mobilize"].startswith("'@DemoOrg -20% today")
    for row in rows:
        for value in row.values():
            assert not value.startswith(("=", "+", "-", "@", "\t", "\r")), row


def test_a_translated_post_starting_with_a_formula_is_reported_and_not_published(tmp_path):
    root = project(tmp_path / "proj")
    po = root / "locales/es/LC_MESSAGES/demo.po"
    catalog = read_catalog(po)
    entry = next(e for e in catalog.messages if e.msgctxt == "post:letter")
    entry.msgstr = PAYLOAD
    entry.flags = ["ignore-csv-formula", "ignore-links", "ignore-html"]  # not the translator's call
    po.write_bytes(dump_catalog(catalog))
    check = Cli(root)("check", "--lang", "es", expect=1)
    assert f"locales/es/LC_MESSAGES/demo.po:{entry.line}: error [csv-formula]" in check.stdout, \
        check.stdout
    Cli(root)("build", "--jobs", "1", "--allow-incomplete", expect=0)
    text = (root / "output/es/demo/posts.csv").read_text(encoding="utf-8-sig")
    assert "cmd|" not in text, "the entry is treated as untranslated: the source is shown"


def test_a_leading_dash_and_space_is_only_a_warning(tmp_path):
    root = project(tmp_path / "proj")
    po = root / "locales/es/LC_MESSAGES/demo.po"
    catalog = read_catalog(po)
    entry = next(e for e in catalog.messages if e.msgctxt == "post:letter")
    entry.msgstr = "- 20 % en la embajada."
    po.write_bytes(dump_catalog(catalog))
    check = Cli(root)("check", "--lang", "es", expect=None)
    assert "warning [csv-formula]" in check.stdout, check.stdout
    assert "error [csv-formula]" not in check.stdout
