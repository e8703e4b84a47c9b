"""handbill's own interface ships translated (#15.8): pipeline/ui-catalogs/<lang>.po seed a
project's ui.po on `init`, and `update` fills what is still untranslated, never more."""

from __future__ import annotations

import importlib.util
import json
import subprocess

import pytest

from conftest import REPO, Cli, write_demo
from pipeline.catalogs.pofile import dump_catalog, read_catalog
from pipeline.catalogs.ui import UI_CATALOGS, shipped_languages

REVIEWED_BY_HAND = ["de", "it", "ru", "tr", "ja", "zh_Hans"]


def _sync_script():
    spec = importlib.util.spec_from_file_location("ui_catalogs", REPO / "scripts/ui_catalogs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_shipped_catalogs_are_in_step_with_the_repositorys_locales():
    """A translation reviewed in locales/<lang>/LC_MESSAGES/ui.po reaches the package."""
    assert _sync_script().sync(check=True) == [], "run: .venv/bin/python scripts/ui_catalogs.py"


def test_sync_takes_reviewed_translations_and_keeps_gone_ones_as_obsolete(tmp_path):
    repo = tmp_path / "repo"
    (repo / "locales/es/LC_MESSAGES").mkdir(parents=True)
    pot = read_catalog(REPO / "locales/ui.pot")
    (repo / "locales/ui.pot").write_bytes((REPO / "locales/ui.pot").read_bytes())
    es = read_catalog(REPO / "locales/es/LC_MESSAGES/ui.po")
    es.messages[0].msgstr = "Borrador revisado"
    es.messages[1].fuzzy = True  # not reviewed: not shipped
    (repo / "locales/es/LC_MESSAGES/ui.po").write_bytes(dump_catalog(es))
    out = tmp_path / "ui-catalogs"
    out.mkdir()
    old = read_catalog(UI_CATALOGS / "de.po")
    old.messages[2].msgid = "A message the templates no longer have"
    (out / "de.po").write_bytes(dump_catalog(old))
    changed = _sync_script().sync(repo, out)
    assert len(changed) == 2
    shipped_es = {e.msgid: e for e in read_catalog(out / "es.po").messages}
    assert shipped_es[pot.messages[0].msgid].msgstr == "Borrador revisado"
    assert pot.messages[1].msgid not in shipped_es
    de = read_catalog(out / "de.po")
    assert [e.msgid for e in de.obsolete] == ["A message the templates no longer have"]
    assert _sync_script().sync(repo, out, check=True) == []


@pytest.mark.parametrize("lang", sorted(set(REVIEWED_BY_HAND) | {"es", "fr", "pt_BR", "ar"}))
def test_every_shipped_catalog_is_complete_and_valid(lang):
    assert lang in shipped_languages()
    path = UI_CATALOGS / f"{lang}.po"
    check = subprocess.run(["msgfmt", "-c", "-o", "/dev/null", str(path)],
                           capture_output=True, text=True)
    assert check.returncode == 0 and not check.stderr, check.stderr
    pot = read_catalog(REPO / "locales/ui.pot")
    shipped = {e.key: e for e in read_catalog(path).messages}
    assert set(shipped) == {e.key for e in pot.messages}
    for template in pot.messages:
        entry = shipped[template.key]
        assert entry.msgstr and not entry.fuzzy
        for name in ("%(language)s", "%(length)s", "%(limit)s", "%(percent)s"):
            assert (name in template.msgid) == (name in entry.msgstr), (lang, entry.msgid)


def test_init_seeds_the_interface_in_every_shipped_language(tmp_path):
    root = write_demo(tmp_path / "p", languages=("de",))
    cli = Cli(root)
    for lang in REVIEWED_BY_HAND + ["es_MX"]:
        cli("init", lang)
    rows = json.loads(cli("status", "--json").stdout)
    ui = {r["language"]: r for r in rows if r["campaign"] == "ui"}
    total = len(read_catalog(REPO / "locales/ui.pot").messages)
    for lang in REVIEWED_BY_HAND + ["es_MX"]:
        assert ui[lang]["reviewed"] == total == ui[lang]["total"], ui[lang]
    # es_MX takes Spanish; the campaign itself stays untranslated.
    es_mx = read_catalog(root / "locales/es_MX/LC_MESSAGES/ui.po")
    assert {e.msgid: e.msgstr for e in es_mx.messages}["Print this leaflet"] == \
        "Imprimir este volante"
    assert not any(e.msgstr for e in read_catalog(root / "locales/de/LC_MESSAGES/demo.po").messages)
    # handbill's checks find no error in them (placeholders, markup, links).
    result = cli("check")
    assert "0 errors" in result.stdout, result.stdout


def test_update_fills_untranslated_interface_messages_and_nothing_else(tmp_path):
    root = write_demo(tmp_path / "p", languages=("de",))
    cli = Cli(root)
    cli("update")
    path = root / "locales/de/LC_MESSAGES/ui.po"
    catalog = read_catalog(path)
    by_id = {e.msgid: e for e in catalog.messages}
    assert by_id["Date"].msgstr == "Datum"  # a new catalog made by update is seeded too
    by_id["Date"].msgstr = ""  # a new interface string, as after an upgrade of handbill
    by_id["Time"].msgstr = "Zeit"  # a project's own choice
    by_id["Where"].msgstr = "Wo?"
    by_id["Where"].fuzzy = True  # a draft under review
    path.write_bytes(dump_catalog(catalog))
    result = cli("update")
    assert "1 from handbill's translations" in result.stdout
    after = {e.msgid: e for e in read_catalog(path).messages}
    assert after["Date"].msgstr == "Datum" and not after["Date"].fuzzy
    assert after["Time"].msgstr == "Zeit"
    assert after["Where"].msgstr == "Wo?" and after["Where"].fuzzy
    cli("update", "--check")


def test_a_language_handbill_has_no_translations_for_starts_empty(tmp_path):
    root = write_demo(tmp_path / "p", languages=("de",))
    cli = Cli(root)
    cli("init", "pt")  # pt_BR is shipped, but Portugal's Portuguese is another variant
    assert not any(e.msgstr for e in read_catalog(root / "locales/pt/LC_MESSAGES/ui.po").messages)
