"""extract / init / update / status / normalize through the CLI, checked against GNU gettext."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from conftest import Cli, assert_canonical, write_demo
from pipeline.catalogs.pofile import dump_catalog, read_catalog

LEAFLET = "source/demo/leaflet.md"


def po(root: Path, lang: str = "es", domain: str = "demo") -> Path:
    return root / "locales" / lang / "LC_MESSAGES" / f"{domain}.po"


def translate_all(path: Path, prefix: str = "ES ") -> None:
    catalog = read_catalog(path)
    for entry in catalog.messages:
        entry.msgstr = prefix + entry.msgid
    path.write_bytes(dump_catalog(catalog))


def entry(path: Path, msgid_start: str):
    for e in read_catalog(path).entries:
        if e.msgid.startswith(msgid_start):
            return e
    return None


def test_extract_writes_pot_with_context_references_comments_and_flags(cli, demo):
    result = cli("extract")
    assert "locales/demo.pot: 11 messages, written" in result.stdout
    pot = read_catalog(demo / "locales" / "demo.pot")
    by_ctx = {e.msgctxt: e for e in pot.messages if e.msgctxt}
    post = by_ctx["post:mobilize"]
    assert post.references == ["source/demo/posts.yml:3"]
    assert "python-brace-format" in post.flags
    assert any(f.startswith("max-length:") for f in post.flags)
    assert any("X 280" in c and "Bluesky 300" in c for c in post.extracted)
    assert by_ctx["campaign:title"].msgid == "Free them all"
    heading = next(e for e in pot.messages if e.msgctxt is None and e.msgid == "Free them all")
    assert heading.references == [f"{LEAFLET}:1"]
    paragraph = entry(demo / "locales" / "demo.pot", "A first paragraph")
    assert paragraph.msgid.endswith("that spans two lines, on {date}.")
    assert paragraph.references == [f"{LEAFLET}:3"]
    assert_canonical(demo / "locales" / "demo.pot")


def test_pot_is_not_rewritten_when_only_its_date_would_change(cli, demo):
    cli("extract", env={"SOURCE_DATE_EPOCH": "1600000000"})
    pot = demo / "locales" / "demo.pot"
    before = pot.read_bytes()
    result = cli("extract", env={"SOURCE_DATE_EPOCH": "1700000000"})
    assert "up to date" in result.stdout
    assert pot.read_bytes() == before
    cli("extract", "--check")


def test_init_uses_cldr_headers_and_refuses_bad_codes(cli, demo):
    cli("init", "ar")
    header = read_catalog(po(demo, "ar")).header()
    assert header["Language"] == "ar"
    assert header["Plural-Forms"].startswith("nplurals=6;")
    assert header["Content-Type"] == "text/plain; charset=UTF-8"
    assert_canonical(po(demo, "ar"))
    for bad in ("../../x", "xx_INVALID", "e\x00s", "/etc", "zz"):
        result = cli("init", bad, expect=1)
        assert "language" in result.stderr and "Traceback" not in result.stderr
    assert not (demo / "locales" / ".." / "x").exists()


def test_init_registers_the_language_in_handbill_toml(cli, demo):
    cli("init", "pt_BR")
    assert '"pt_BR"' in (demo / "handbill.toml").read_text()
    result = cli("init", "pt_BR")
    assert "already exists" in result.stdout


def test_update_changed_removed_and_restored_paragraph(cli, demo):
    cli("update")
    translate_all(po(demo))
    leaflet = demo / LEAFLET
    original = leaflet.read_text()

    # 1. A changed paragraph: the old translation is kept as fuzzy with the previous msgid.
    leaflet.write_text(original.replace("Take to the streets.", "Take to the streets now."))
    cli("update")
    changed = entry(po(demo), "**MOBILIZE** – Take to the streets now.")
    assert changed.fuzzy and changed.msgstr == "ES **MOBILIZE** – Take to the streets."
    assert changed.previous_msgid == "**MOBILIZE** – Take to the streets."
    assert_canonical(po(demo))

    # 2. A removed paragraph becomes obsolete with its translation; nothing is lost.
    leaflet.write_text(original.replace("> No to extradition!\n", ""))
    cli("update")
    catalog = read_catalog(po(demo))
    gone = [e for e in catalog.obsolete if e.msgid == "No to extradition!"]
    assert gone and gone[0].msgstr == "ES No to extradition!"
    assert "#~ msgid \"No to extradition!\"" in po(demo).read_text()

    # 3. Restored: it comes back with its translation, reviewed as before.
    leaflet.write_text(original)
    cli("update")
    back = entry(po(demo), "No to extradition!")
    assert not back.obsolete and not back.fuzzy and back.msgstr == "ES No to extradition!"
    # And the fuzzy one from step 1 is an exact match again, still marked for review.
    mobilize = entry(po(demo), "**MOBILIZE** – Take to the streets.")
    assert mobilize.msgstr == "ES **MOBILIZE** – Take to the streets."
    assert_canonical(po(demo))


def test_update_keeps_translator_comments_and_unknown_flags(cli, demo):
    cli("update")
    path = po(demo)
    catalog = read_catalog(path)
    target = next(e for e in catalog.messages if e.msgid == "No to extradition!")
    target.msgstr = "¡No a la extradición!"
    target.comments = ["checked with the Madrid team"]
    target.flags = ["ignore-ending", "no-wrap"]
    path.write_bytes(dump_catalog(catalog))
    before = path.read_bytes()
    result = cli("update")
    assert path.read_bytes() == before, result.stdout
    (demo / LEAFLET).write_text((demo / LEAFLET).read_text().replace("> No to extradition!",
                                                                     "> No to the extradition!"))
    cli("update")
    moved = entry(path, "No to the extradition!")
    assert moved.comments == ["checked with the Madrid team"]
    assert "ignore-ending" in moved.flags and moved.fuzzy


def test_update_is_idempotent_and_check_reports_stale(cli, demo):
    cli("update")
    translate_all(po(demo))
    cli("update")
    before = {p: p.read_bytes() for p in (demo / "locales").rglob("*.po")}
    cli("update")
    assert before == {p: p.read_bytes() for p in (demo / "locales").rglob("*.po")}
    cli("update", "--check")
    (demo / LEAFLET).write_text((demo / LEAFLET).read_text() + "\nA new paragraph.\n")
    result = cli("update", "--check", expect=1)
    # Each stale file is named with the line that would change and why.
    pot = next(line for line in result.stdout.splitlines() if line.startswith("locales/demo.pot:"))
    assert pot.endswith("would change: new message 'A new paragraph.' (template changed)"), pot
    # The catalogs are checked against the template as extract would write it, not against
    # the stale one on disk: CI learns in one run that every language would change.
    es = next(line for line in result.stdout.splitlines()
              if line.startswith("locales/es/LC_MESSAGES/demo.po:"))
    assert es.endswith("would change: new message 'A new paragraph.' (template changed)"), es
    assert before == {p: p.read_bytes() for p in (demo / "locales").rglob("*.po")}
    cli("extract")
    lines = cli("update", "--check", expect=1).stdout.splitlines()
    es = next(line for line in lines if line.startswith("locales/es/LC_MESSAGES/demo.po:"))
    assert es.endswith("would change: new message 'A new paragraph.' (template changed)"), es
    # It goes after the leaflet's messages, so before the first post's entry.
    first_post = po(demo).read_text().splitlines().index("#. Social post 'mobilize' for X 280, "
                                                         "Bluesky 300, Mastodon 500 (limits "
                                                         "include the hashtags and link).")
    assert int(es.split(":")[1]) == first_post + 1
    assert before == {p: p.read_bytes() for p in (demo / "locales").rglob("*.po")}


def test_file_from_another_editor_round_trips_unchanged(cli, demo):
    """A catalog saved by Poedit/Weblate (canonical gettext layout, msgcat'ed) stays byte-identical."""
    cli("update")
    translate_all(po(demo))
    path = po(demo)
    # What an editor that writes through libgettextpo produces: msgcat's output.
    path.write_bytes(subprocess.run(["msgcat", str(path)], capture_output=True,
                                    check=True).stdout)
    # Re-add the Weblate flags msgcat 0.21 drops (Weblate keeps them).
    cli("update")
    first = path.read_bytes()
    cli("update")
    assert path.read_bytes() == first


def test_one_broken_language_does_not_stop_the_others(cli, demo):
    cli("update")
    po(demo, "ar").write_bytes(b'msgid "a"\nmsgstr "unterminated\n')
    (demo / LEAFLET).write_text((demo / LEAFLET).read_text() + "\nAnother paragraph.\n")
    broken_before = po(demo, "ar").read_bytes()
    result = cli("update", expect=1)
    assert "locales/ar/LC_MESSAGES/demo.po:2: unterminated string" in result.stderr
    assert "updated" in result.stdout and "1 failed" in result.stdout
    assert entry(po(demo, "es"), "Another paragraph.") is not None
    assert po(demo, "ar").read_bytes() == broken_before
    status = cli("status", expect=1)
    assert "es" in status.stdout and "ar/LC_MESSAGES/demo.po:2" in status.stderr
    assert "Traceback" not in result.stderr + status.stderr


def test_wrong_plural_forms_is_an_error_with_line(cli, demo):
    cli("update")
    path = po(demo)
    catalog = read_catalog(path)
    catalog.set_header_field("Plural-Forms",
                             'nplurals=2; plural=__import__("os").system("touch pwned");')
    path.write_bytes(dump_catalog(catalog))
    assert "__import__" in path.read_text()
    result = cli("update", expect=1)
    assert "Plural-Forms" in result.stderr and "demo.po:" in result.stderr
    assert not (demo / "pwned").exists() and not Path("pwned").exists()


def test_status_json_counts_states(cli, demo):
    cli("update")
    path = po(demo)
    catalog = read_catalog(path)
    messages = catalog.messages
    messages[0].msgstr = "reviewed"
    messages[1].msgstr = "fuzzy"
    messages[1].fuzzy = True
    messages[2].msgstr = "draft"
    messages[2].fuzzy = True
    messages[2].comments = ["machine draft: apertium, 2026-11-26"]
    path.write_bytes(dump_catalog(catalog))
    rows = json.loads(cli("status", "--json", "--lang", "es", "--campaign", "demo").stdout)
    assert rows == [{"campaign": "demo", "language": "es", "total": 11, "reviewed": 1,
                     "fuzzy": 1, "drafts": 1, "untranslated": 8, "percent_reviewed": 9.1}]


def test_normalize_rewrites_any_catalog_without_changing_content(tmp_path, cli, demo):
    messy = tmp_path / "messy.po"
    messy.write_text('msgid ""\nmsgstr "Content-Type: text/plain; charset=UTF-8\\n"\n\n'
                     '#, python-format,fuzzy\nmsgid "a very long line that goes on and on and on '
                     'and on and on beyond the width"\nmsgstr "x"\n')
    result = cli("normalize", "--check", str(messy), expect=1)
    assert f"{messy}:4: would change: spacing of the flags (layout)" in result.stdout
    assert "1 not canonical" in result.stdout
    cli("normalize", str(messy))
    # msgcat's layout, except that the flags keep the file's order.
    assert "#, python-format, fuzzy\n" in messy.read_text()
    assert_canonical(messy, any_flag_order=True)
    entry_ = read_catalog(messy).messages[0]
    assert entry_.fuzzy and "python-format" in entry_.flags and entry_.msgstr == "x"
    cli("normalize", "--check", str(messy))


def test_project_found_by_walking_up_and_clear_error_without_one(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from pipeline.cli import main

    root = write_demo(tmp_path / "p")
    (root / "source" / "demo" / "sub").mkdir()
    monkeypatch.chdir(root / "source" / "demo" / "sub")
    assert CliRunner().invoke(main, ["extract"]).exit_code == 0
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["status"])
    assert result.exit_code == 1
    assert "no handbill.toml found" in result.stderr and "init-project" in result.stderr


def test_every_shipped_catalog_is_canonical_and_valid():
    repo = Path(__file__).resolve().parent.parent
    files = sorted((repo / "locales").rglob("*.po")) + sorted((repo / "locales").glob("*.pot"))
    assert files, "the repository ships catalogs"
    for path in files:
        assert_canonical(path)


def test_shipped_project_is_up_to_date(shipped):
    """The committed catalogs match the committed sources (what a content repo's CI checks)."""
    Cli(shipped)("update", "--check")


def test_status_can_count_check_errors(cli, demo):
    cli("update")
    path = po(demo)
    catalog = read_catalog(path)
    for e in catalog.messages:
        e.msgstr = e.msgid.replace("{date}", "{fecha}")
    path.write_bytes(dump_catalog(catalog))
    rows = json.loads(cli("status", "--json", "--errors", "--campaign", "demo").stdout)
    errors = {r["language"]: r["errors"] for r in rows}
    assert errors["es"] == 4 and errors["ar"] == 0  # 2 messages: {date} missing, {fecha} new
    assert "errors" in cli("status", "--errors").stdout
