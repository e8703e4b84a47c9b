"""13.5: a translator's `#, ignore-*` flags cannot waive the checks that protect readers
(foreign links, raw HTML, unsafe links, control and bidi characters, CSV formulas); only the
coordinator can, in handbill.toml, per language. Such an entry is never published."""

from __future__ import annotations

import json

import pytest

from conftest import Cli
from pipeline.catalogs.pofile import dump_catalog, read_catalog
from security.helpers import project

ALL_FLAGS = ["ignore-links", "ignore-markdown", "ignore-html", "ignore-safe-html",
             "ignore-unsafe-link", "ignore-control-chars", "ignore-bidi-controls",
             "ignore-foreign-link", "ignore-csv-formula", "ignore-placeholders"]
PARAGRAPH = "A first paragraph with **bold**"

HOSTILE = {
    # check id -> translation of the leaflet's first paragraph
    "foreign-link": "ES primero **negrita** y un [enlace](https://evil.example.net/login) el "
                    "{date}.",
    "foreign-link-userinfo": "ES primero **negrita** y un [enlace](https://example.org@evil."
                             "example.net/) el {date}.",
    "foreign-link-bare": "ES primero **negrita** y un [enlace](https://example.org/x) el "
                         "{date}. Más: https://evil.example.net/",
    "html": "ES primero **negrita** y un [enlace](https://example.org/x) <img src=x "
            "onerror=alert(1)> el {date}.",
    "unsafe-link": "ES primero **negrita** y un [enlace](javascript:alert(1)) el {date}.",
    "control-chars": "ES primero **negrita** y un [enlace](https://example.org/x)\x1b[2J el "
                     "{date}.",
    "bidi-controls": "ES primero **negrita** y un [enlace](https://example.org/x) \u202egnp.exe "
                     "el {date}.",
}
CHECK_ID = {"foreign-link-userinfo": "foreign-link", "foreign-link-bare": "foreign-link"}


def _translate(root, text: str, flags=ALL_FLAGS) -> int:
    po = root / "locales/es/LC_MESSAGES/demo.po"
    catalog = read_catalog(po)
    entry = next(e for e in catalog.messages if e.msgid.startswith(PARAGRAPH))
    entry.msgstr = text
    entry.flags = sorted(set(entry.flags) | set(flags))
    entry.fuzzy = False
    po.write_bytes(dump_catalog(catalog))
    return read_catalog(po).messages[catalog.messages.index(entry)].line


@pytest.fixture
def proj(tmp_path):
    return project(tmp_path / "proj")


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_flags_do_not_waive_reader_protecting_checks(proj, name):
    line = _translate(proj, HOSTILE[name])
    check = Cli(proj)("check", "--lang", "es", expect=1)
    check_id = CHECK_ID.get(name, name)
    assert f"demo.po:{line}: error [{check_id}]" in check.stdout, check.stdout
    build = Cli(proj)("build", "--jobs", "1", expect=None)
    state = json.loads((proj / "output/es/demo/render.json").read_text())
    assert state["status"] != "final", "an entry with such a finding is never published"
    html = proj / "output/es/demo/leaflet.html"
    if html.exists():
        text = html.read_text()
        assert "evil.example.net" not in text and "\u202e" not in text and "\x1b" not in text
    assert not (proj / "output/packs/demo-es.zip").exists() or state["status"] == "draft"
    assert "Traceback" not in build.stdout + build.stderr


def test_a_link_to_a_source_host_stays_waivable_by_the_translator(proj):
    text = "ES primero **negrita** y un [enlace](https://example.org/otra) el {date}."
    _translate(proj, text, flags=["ignore-links"])
    check = Cli(proj)("check", "--lang", "es", expect=0)
    assert "[links]" not in check.stdout and "[foreign-link]" not in check.stdout
    Cli(proj)("build", "--jobs", "1")
    assert json.loads((proj / "output/es/demo/render.json").read_text())["status"] == "final"


def test_the_coordinator_allows_a_host_per_language(proj):
    text = "ES primero **negrita** y un [enlace](https://example.es/x) el {date}."
    line = _translate(proj, text, flags=["ignore-links"])
    check = Cli(proj)("check", "--lang", "es", expect=1)
    assert f"demo.po:{line}: error [foreign-link]" in check.stdout
    config = proj / "handbill.toml"
    config.write_text(config.read_text() + '\n[check]\nallow_hosts = { fr = ["example.es"] }\n')
    Cli(proj)("check", "--lang", "es", expect=1)  # another language's allowance: no
    config.write_text(config.read_text().replace("fr =", "es ="))
    Cli(proj)("check", "--lang", "es", expect=0)
    Cli(proj)("build", "--jobs", "1")
    assert "https://example.es/x" in (proj / "output/es/demo/leaflet.html").read_text()


def test_the_coordinator_waives_a_protected_check_per_language(proj):
    _translate(proj, HOSTILE["bidi-controls"], flags=[])
    config = proj / "handbill.toml"
    config.write_text(config.read_text() + '\n[check]\nwaive = { es = ["bidi-controls"] }\n')
    Cli(proj)("check", "--lang", "es", expect=0)


def test_the_flag_is_reported_as_ineffective(proj):
    _translate(proj, HOSTILE["html"], flags=["ignore-html"])
    check = Cli(proj)("check", "--lang", "es", expect=1)
    assert "ignore-html cannot waive it" in check.stdout, check.stdout


@pytest.mark.parametrize("toml,words", [
    ('[check]\nwaive = { es = ["placeholders"] }\n', "not one of"),
    ('[check]\nwaive = { es = "html" }\n', "list"),
    ('[check]\nallow_hosts = { es = ["https://example.es/"] }\n', "host name"),
    ('[check]\nallow_hosts = { "../x" = ["example.es"] }\n', "language"),
])
def test_bad_waivers_are_config_errors(proj, toml, words):
    config = proj / "handbill.toml"
    config.write_text(config.read_text() + "\n" + toml)
    result = Cli(proj)("check", expect=1)
    assert "handbill.toml:" in result.stderr and words in result.stderr, result.stderr
