"""Engines one by one: memory on the shipped catalogs, Apertium on the shipped campaign's real
text, DeepL's API v2 against a loopback server, and settings and keys."""

from __future__ import annotations

import ast
import importlib
import logging
import shutil
import socket
from pathlib import Path

import pytest

from conftest import Cli, write_demo
from pipeline.catalogs import DRAFT_MARK
from pipeline.config import load_config
from pipeline.drafting import registry as engines
from pipeline.drafting import work
from pipeline.drafting.masking import must_keep
from pipeline.errors import ConfigError
from pipeline.catalogs.pofile import dump_catalog, read_catalog
from test_drafting import write_po
from test_drafting_server import FakeTranslateServer

EPOCH = "1764115200"
STAMP = "2025-11-26"
def needs_apertium(test):
    """Apertium is installed by scripts/setup.sh; its absence is a failure, not a skip."""
    def wrapper(*args, **kwargs):
        assert shutil.which("apertium"), "apertium is missing: run scripts/setup.sh"
        return test(*args, **kwargs)

    import functools

    return functools.wraps(test)(wrapper)


@pytest.fixture(autouse=True)
def _quick(monkeypatch):
    monkeypatch.setattr(work, "BACKOFF", 0.01)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)


def blank(path: Path, keep=lambda entry: False) -> None:
    """Make entries untranslated (not fuzzy), except those `keep` accepts."""
    catalog = read_catalog(path)
    for entry in catalog.messages:
        if not keep(entry):
            entry.msgstr, entry.msgstr_plural = "", [""] * len(entry.msgstr_plural)
            entry.fuzzy = False
    path.write_bytes(dump_catalog(catalog))


# ---------------------------------------------------------------------------- memory


def test_memory_reuses_the_shipped_reviewed_translations(shipped):
    es = shipped / "locales" / "es" / "LC_MESSAGES" / "free-assange.po"
    reviewed = {(e.msgctxt, e.msgid): e.msgstr for e in read_catalog(es).messages}
    assert reviewed and all(reviewed.values()), "the shipped Spanish catalog is reviewed"
    wanted = {(None, "Julian Assange must be free!"), (None, "Free Assange Now!"),
              (None, "Act now"), ("post:belmarsh-tribunal", next(
                  k[1] for k in reviewed if k[0] == "post:belmarsh-tribunal"))}
    blank(es, keep=lambda e: (e.msgctxt, e.msgid) not in wanted)
    result = Cli(shipped)("draft", "--lang", "es", "--engine", "memory", "--campaign",
                          "free-assange")
    assert "3 drafted, 1 skipped, 0 failed" in result.stdout
    assert "no reviewed translation close enough" in result.stdout
    after = {(e.msgctxt, e.msgid): e for e in read_catalog(es).messages}
    exact = after[(None, "Julian Assange must be free!")]
    assert exact.msgstr == reviewed[("campaign:title", "Julian Assange must be free!")]
    assert exact.comments[-1] == f"{DRAFT_MARK} memory 100%, {STAMP}"
    close = after[(None, "Free Assange Now!")]  # from the card "Free Assange NOW!"
    assert close.fuzzy and close.msgstr == reviewed[("card:free-assange-now", "Free Assange NOW!")]
    assert close.comments[-1] == f"{DRAFT_MARK} memory 88%, {STAMP}"
    assert not after[(None, "Act now")].msgstr


def test_memory_uses_every_domain_and_refuses_other_placeholders(tmp_path):
    root = write_demo(tmp_path / "p", languages=("es",))
    folder = root / "locales" / "es" / "LC_MESSAGES"
    write_po(folder / "ui.po", "es", [("Take to the streets on {date}!", "reviewed"),
                                      ("Send a letter to the embassy today.", "reviewed")])
    write_po(folder / "demo.po", "es", [("Take to the streets on {time}!", "untranslated"),
                                        ("Send a letter to the embassy.", "untranslated")])
    (root / "handbill.toml").write_text('[project]\nlanguages = ["es"]\n[draft]\n'
                                        'engine = "memory"\nsimilarity = 0.8\n')
    result = Cli(root)("draft", "--campaign", "demo")
    assert "1 drafted, 1 skipped, 0 failed" in result.stdout
    assert "has other placeholders or links (missing ['{time}'], extra ['{date}'])" in result.stdout
    drafted = {e.msgid: e for e in read_catalog(folder / "demo.po").messages}
    assert drafted["Send a letter to the embassy."].msgstr == \
        "hecho: Send a letter to the embassy today."
    (root / "handbill.toml").write_text('[project]\nlanguages = ["es"]\n'
                                        '[draft.engines.memory]\nsimilarity = 2\n')
    with pytest.raises(ConfigError, match="similarity must be above 0 and at most 1"):
        engines.create(load_config(root), "memory")


# ---------------------------------------------------------------------------- apertium


@needs_apertium
def test_apertium_drafts_the_shipped_campaign_offline(shipped, monkeypatch):
    es = shipped / "locales" / "es" / "LC_MESSAGES" / "free-assange.po"
    blank(es)

    def no_network(*args, **kwargs):
        raise AssertionError("apertium must not use the network")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    result = Cli(shipped)("draft", "--lang", "es", "--engine", "apertium", "--campaign",
                          "free-assange")
    assert "28 drafted, 0 skipped, 0 failed" in result.stdout
    by_id = {(e.msgctxt, e.msgid): e for e in read_catalog(es).messages}
    title = by_id[("campaign:title", "Julian Assange must be free!")]
    assert title.msgstr == "Julian Assange tiene que ser libre!"  # Apertium's own words
    assert title.comments[-1] == f"{DRAFT_MARK} apertium, {STAMP}"
    for (ctx, msgid), entry in by_id.items():
        assert entry.fuzzy and entry.msgstr and entry.msgstr != msgid
        # Placeholders, links and hashtags survive; so do protected names and bold markup.
        assert must_keep(entry.msgstr) == must_keep(msgid), msgid
        for kept in ("#FreeAssangeNOW", "Julian Assange", "Wikileaks", "Nils Melzer", "**"):
            assert msgid.count(kept) == entry.msgstr.count(kept), (kept, entry.msgstr)
    mobilize = next(e for (c, m), e in by_id.items() if m.startswith("**MOBILIZE**"))
    assert "{date}" in mobilize.msgstr and "{cita}" not in mobilize.msgstr


# What scripts/setup.sh installs: a machine without one of them is not set up (a failure).
SETUP_PAIRS = {"es", "ca", "gl", "eo"}
# A word each pair's draft of "Take to the streets." must hold (read in the real output).
STREETS = {"es": "calles", "ca": "carrers", "gl": "rúas", "eo": "strato"}


def installed_targets() -> list[str]:
    from pipeline.drafting.apertium import installed_modes, pairs

    return sorted({t for s, t in pairs(list(installed_modes())) if s == "en"})


@needs_apertium
def test_apertium_offers_what_is_installed_and_names_it_for_a_language_it_lacks(shipped):
    targets = installed_targets()
    assert SETUP_PAIRS <= set(targets), f"run scripts/setup.sh: only {targets} installed"
    result = Cli(shipped)("draft", "--lang", "fr", "--engine", "apertium", expect=1)
    assert "the apertium engine cannot translate into fr (French); it offers " \
           f"{', '.join(targets)}. Installed modes: " in result.stderr
    assert "eng-spa" in result.stderr and "en-eo-bytecode" not in result.stderr
    assert "apt-cache search apertium-eng" in result.stderr
    help_text = Cli(shipped)("draft", "--help").stdout
    assert f"installed here from en: {', '.join(targets)}" in " ".join(help_text.split())


@needs_apertium
@pytest.mark.parametrize("target", installed_targets() or ["es"])
def test_apertium_drafts_with_every_installed_pair_from_english(tmp_path, target):
    root = write_demo(tmp_path / "p", languages=(target,))
    cli = Cli(root)
    cli("update")
    result = cli("draft", "--campaign", "demo", "--engine", "apertium")
    assert "11 drafted, 0 skipped, 0 failed" in result.stdout, result.stdout + result.stderr
    po = root / "locales" / target / "LC_MESSAGES" / "demo.po"
    by_id = {e.msgid: e for e in read_catalog(po).messages}
    for msgid, entry in by_id.items():
        assert entry.fuzzy and entry.msgstr and entry.msgstr != msgid, (target, msgid)
        assert must_keep(entry.msgstr) == must_keep(msgid), (target, entry.msgstr)
    assert "Julian Assange" in by_id["**WRITE** – Send a letter to Julian Assange."].msgstr
    streets = by_id["**MOBILIZE** – Take to the streets."].msgstr
    if target in STREETS:
        assert STREETS[target] in streets, streets


def test_apertium_spells_gettext_codes_as_its_modes_do():
    from pipeline.drafting.apertium import gettext_code, pairs, spellings

    assert spellings("pt_BR") == ["por_BR", "pt_BR", "por", "pt"]
    assert spellings("ca@valencia")[:1] == ["cat_valencia"]
    assert spellings("sr_Latn") == ["hbs_SR"] and "srp" not in spellings("sr_Latn")
    assert spellings("hr")[0] == "hbs_HR"
    assert gettext_code("cat_iec2017") is None and gettext_code("eng_US") == "en_US"
    modes = ["eng-spa", "en-gl", "eng-cat_valencia", "en-eo-bytecode", "eo-en-j", "Cyrl-Latn",
             "eng-hbs_SR", "eng-cat_iec2017"]
    assert pairs(modes) == [("en", "es"), ("en", "gl"), ("en", "ca@valencia"),
                            ("en", "sr_Latn")]


# ---------------------------------------------------------------------------- DeepL


def deepl_project(root: Path, server: FakeTranslateServer) -> Cli:
    write_demo(root, languages=("pt_BR", "es"))
    (root / "handbill.toml").write_text(
        '[project]\nlanguages = ["pt_BR", "es"]\n[draft]\nengine = "deepl"\nretries = 1\n'
        f'[draft.engines.deepl]\nurl = "{server.url}"\n')
    cli = Cli(root)
    cli("update")
    return cli


def test_deepl_uses_api_v2_with_the_auth_header_and_batches(tmp_path):
    key = "0123-secret-key:fx"
    with FakeTranslateServer(deepl_key=key) as server:
        cli = deepl_project(tmp_path / "p", server)
        cli("draft", "--campaign", "demo", env={"HANDBILL_DEEPL_API_KEY": key})
        assert server.requests == 2  # one request of 10 texts per language
        assert {body["target_lang"] for body in server.seen} == {"PT-BR", "ES"}
        assert all(body["source_lang"] == "EN" for body in server.seen)
    entry = read_catalog(tmp_path / "p" / "locales" / "pt_BR" / "LC_MESSAGES" / "demo.po"
                         ).messages[0]
    assert entry.msgstr == "PT-BR: FREE THEM ALL" and entry.fuzzy
    # The key is never written anywhere in the project (catalogs, cache, locks).
    for path in (tmp_path / "p").rglob("*"):
        if path.is_file():
            assert key.encode() not in path.read_bytes(), path


def test_a_refused_deepl_key_fails_each_language_once_without_showing_it(tmp_path):
    with FakeTranslateServer(deepl_key="right") as server:
        cli = deepl_project(tmp_path / "p", server)
        result = cli("draft", "--campaign", "demo", env={"HANDBILL_DEEPL_API_KEY": "wrong-key"},
                     expect=1)
    assert "the API key was refused (HTTP 403); check HANDBILL_DEEPL_API_KEY" in result.stderr
    assert "wrong-key" not in result.stdout + result.stderr
    assert server.requests == 0  # found out when listing languages, before any text is sent


def test_deepl_without_a_key_says_which_variable_to_set(tmp_path, monkeypatch):
    monkeypatch.delenv("HANDBILL_DEEPL_API_KEY", raising=False)
    with FakeTranslateServer() as server:
        result = deepl_project(tmp_path / "p", server)("draft", expect=1)
    assert "the deepl engine needs a DeepL API key: set the environment variable " \
           "HANDBILL_DEEPL_API_KEY" in result.stderr


# ---------------------------------------------------------------------------- settings


def test_settings_come_from_the_file_then_the_environment(tmp_path, monkeypatch):
    root = write_demo(tmp_path / "p", languages=("es",))
    (root / "handbill.toml").write_text(
        '[project]\nlanguages = ["es"]\n[draft]\ntimeout = 9\n'
        '[draft.engines.libre]\nurl = "http://a.example/"\ntimeout = 4\n')
    monkeypatch.setenv("HANDBILL_LIBRE_URL", "http://b.example/")
    monkeypatch.setenv("HANDBILL_LIBRE_API_KEY", "k-123")
    s = engines.engine_settings(load_config(root), "libre")
    assert s.get("url") == "http://b.example/" and s.timeout == 4.0
    assert "api_key" not in s.options and s.secret("api_key") == "k-123"
    monkeypatch.setenv("HANDBILL_LIBRE_TIMEOUT", "soon")
    with pytest.raises(ConfigError, match="HANDBILL_LIBRE_TIMEOUT: timeout must be a number"):
        engines.engine_settings(load_config(root), "libre")


def test_keys_in_handbill_toml_are_refused(tmp_path):
    root = write_demo(tmp_path / "p", languages=("es",))
    (root / "handbill.toml").write_text('[project]\nlanguages = ["es"]\n'
                                        '[draft.engines.deepl]\napi_key = "oops"\n')
    result = Cli(root)("draft", expect=1)
    assert "HANDBILL_DEEPL_API_KEY" in result.stderr and "oops" not in result.stderr


def test_every_engine_offered_is_one_the_tests_run():
    builtin = {"apertium", "memory", "openai", "libre", "deepl", "google", "mymemory",
               "microsoft", "baidu", "qcri"}
    assert builtin == set(engines.engine_names()) - {"test-shout"}
    # yandex and papago: their clients call APIs their providers replaced (deeptranslator.py).
    assert not {"yandex", "papago"} & set(engines.engine_names())


# ---------------------------------------------------------------------------- deep-translator


@pytest.mark.parametrize("name, base, endpoint, target, code", [
    ("mymemory", "MYMEMORY", "get", "pt_BR", "pt-BR"),
    ("google", "GOOGLE_TRANSLATE", "m", "pt_BR", "pt"),
])
def test_other_deep_translator_engines_through_the_same_wrapper(tmp_path, monkeypatch, name,
                                                                base, endpoint, target, code):
    from deep_translator import constants

    with FakeTranslateServer() as server:
        # Their addresses are hard-coded in deep-translator; point them at the loopback server.
        monkeypatch.setitem(constants.BASE_URLS, base, server.url + endpoint)
        root = write_demo(tmp_path / "p", languages=(target,))
        cli = Cli(root)
        cli("update")
        result = cli("draft", "--campaign", "demo", "--engine", name)
        assert "11 drafted" in result.stdout
        assert code in (server.seen[0].get("langpair", "") + server.seen[0].get("tl", "")).split("|")
    entry = read_catalog(root / "locales" / target / "LC_MESSAGES" / "demo.po").messages[4]
    assert entry.msgstr.endswith("[LINK](https://example.org/x) THAT SPANS TWO LINES, ON {date}.")


def test_a_libre_key_is_sent_but_never_shown_or_logged(tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    with FakeTranslateServer() as server:
        root = write_demo(tmp_path / "p", languages=("es",))
        cli = Cli(root)
        cli("update")
        env = {"HANDBILL_LIBRE_URL": server.url, "HANDBILL_LIBRE_API_KEY": "k-secret-123"}
        cli("draft", "--campaign", "demo", "--engine", "libre", env=env)
        assert server.seen[0]["api_key"] == "k-secret-123"
        blank(root / "locales" / "es" / "LC_MESSAGES" / "demo.po")
        shutil.rmtree(root / ".handbill")
        server.statuses = [403]
        result = cli("-vv", "draft", "--campaign", "demo", "--engine", "libre", env=env,
                     expect=1)
    assert "refused the request (HTTP 403); check the key in the environment variable " \
           "HANDBILL_LIBRE_API_KEY" in result.stderr
    assert "k-secret-123" not in result.stdout + result.stderr
    assert "demo.po: saved" in caplog.text and "POST /translate?..." in caplog.text
    assert "k-secret-123" not in caplog.text  # ...yet urllib3 did not log the URL with the key


# ------------------------------------------------- microsoft, baidu, qcri (their real clients)


@pytest.mark.parametrize("name, target, settings, env, code", [
    ("microsoft", "es", 'region = "westeurope"\n', {"HANDBILL_MICROSOFT_API_KEY": "ms-secret-1"},
     "es"),
    ("baidu", "es", 'appid = "2015063000000001"\n', {"HANDBILL_BAIDU_APPKEY": "bd-secret-2"},
     "spa"),
    ("qcri", "ar", 'domain = "news"\n', {"HANDBILL_QCRI_API_KEY": "qc-secret-3"}, "ar"),
])
def test_keyed_deep_translator_engines_against_a_loopback_server(tmp_path, caplog, name, target,
                                                                  settings, env, code):
    caplog.set_level(logging.DEBUG)
    with FakeTranslateServer(baidu_appkey="bd-secret-2") as server:
        root = write_demo(tmp_path / "p", languages=(target,))
        (root / "handbill.toml").write_text(
            f'[project]\nlanguages = ["{target}"]\n[draft]\nretries = 0\n'
            f'[draft.engines.{name}]\nurl = "{server.url}"\n{settings}')
        cli = Cli(root)
        cli("update")
        result = cli("draft", "--campaign", "demo", "--engine", name, env=env)
        assert "11 drafted, 0 skipped, 0 failed" in result.stdout, result.stderr
        seen, headers = server.seen, server.headers
    secret = next(iter(env.values()))
    if name == "microsoft":
        assert {s["from"] for s in seen} == {"en"} and {s["to"] for s in seen} == {code}
        assert headers[0]["Ocp-Apim-Subscription-Key"] == secret
        assert headers[0]["Ocp-Apim-Subscription-Region"] == "westeurope"
    elif name == "baidu":  # the server checked each request's MD5 signature with the key
        assert {s["to"] for s in seen} == {code} and all("sign" in s for s in seen)
        assert all(secret not in str(s) for s in seen)  # the key signs; it is never sent
    else:
        assert {s["langpair"] for s in seen} == {f"en-{code}"} and seen[0]["key"] == secret
        assert {s["domain"] for s in seen} == {"news"}
    entry = read_catalog(root / "locales" / target / "LC_MESSAGES" / "demo.po").messages[4]
    assert entry.fuzzy and entry.msgstr.startswith(f"{code.upper()}: A FIRST PARAGRAPH")
    assert entry.msgstr.endswith("[LINK](https://example.org/x) THAT SPANS TWO LINES, ON {date}.")
    assert secret not in result.stdout + result.stderr + caplog.text


def test_a_wrong_baidu_signature_is_an_error_that_names_the_engine(tmp_path):
    with FakeTranslateServer(baidu_appkey="the-right-key") as server:
        root = write_demo(tmp_path / "p", languages=("es",))
        (root / "handbill.toml").write_text(
            '[project]\nlanguages = ["es"]\n[draft]\nretries = 0\n'
            f'[draft.engines.baidu]\nurl = "{server.url}"\nappid = "1"\n')
        cli = Cli(root)
        cli("update")
        result = cli("draft", "--campaign", "demo", "--engine", "baidu",
                     env={"HANDBILL_BAIDU_APPKEY": "a-wrong-key"}, expect=1)
    assert "baidu: the server refused the request (Invalid Sign)" in result.stderr
    assert "a-wrong-key" not in result.stdout + result.stderr


def test_the_registry_names_each_engine_where_its_module_defines_it():
    from pipeline.drafting.registry import BUILTIN

    assert {s.name for s in engines.specs()} - {"test-shout"} == set(BUILTIN)
    for name, module in BUILTIN.items():
        assert name in {s.name for s in importlib.import_module(module).ENGINES}


def test_drafting_modules_import_one_way():
    """No import cycle among pipeline.drafting's modules, counting imports inside functions;
    engine modules import neither the registry nor the runner."""
    folder = Path(engines.__file__).parent
    graph: dict[str, set[str]] = {}
    for path in folder.glob("*.py"):
        name = "pipeline.drafting" + ("" if path.stem == "__init__" else f".{path.stem}")
        found = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                found.add(node.module)
                found |= {f"{node.module}.{a.name}" for a in node.names}
            elif isinstance(node, ast.Import):
                found |= {a.name for a in node.names}
        graph[name] = {m for m in found if m.startswith("pipeline.drafting.")}
    for engine in ("apertium", "memory", "openai", "deepl", "deeptranslator"):
        assert not graph[f"pipeline.drafting.{engine}"] & {
            "pipeline.drafting.registry", "pipeline.drafting.runner", "pipeline.drafting.work"}

    def visit(node: str, path: tuple[str, ...]) -> None:
        for nxt in graph.get(node, ()):
            assert nxt not in path, f"import cycle: {' -> '.join(path + (nxt,))}"
            visit(nxt, path + (nxt,))

    for start in graph:
        visit(start, (start,))
