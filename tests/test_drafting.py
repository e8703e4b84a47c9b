"""`handbill draft`: deep-translator's real LibreTranslate client against a loopback server,
failures, timeouts, mangled tokens, the cache, the lock, plurals, and what is never touched."""

from __future__ import annotations

import fcntl
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import Cli, write_demo
from pipeline import drafting
from pipeline.catalogs import DRAFT_MARK, po_path
from pipeline.config import load_config
from pipeline.drafting import registry, runner, work
from pipeline.drafting.protocol import BaseEngine, EngineSpec
from pipeline.files import write_if_changed
from pipeline.names import locale_of
from pipeline.catalogs.plurals import plural_forms_for
from pipeline.catalogs.pofile import Catalog, Entry, dump_catalog, read_catalog
from test_drafting_server import FakeTranslateServer

EPOCH = "1764115200"  # 2025-11-26
STAMP = "2025-11-26"


@pytest.fixture(autouse=True)
def _quick(monkeypatch):
    monkeypatch.setattr(work, "BACKOFF", 0.01)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    for var in ("HANDBILL_LIBRE_URL", "HANDBILL_LIBRE_API_KEY", "HANDBILL_LIBRE_TIMEOUT"):
        monkeypatch.delenv(var, raising=False)


@pytest.fixture
def server():
    with FakeTranslateServer() as srv:
        yield srv


def libre_project(root: Path, server: FakeTranslateServer, languages=("es", "fr"),
                  timeout: float = 5, retries: int = 2, concurrency: int = 8) -> Cli:
    write_demo(root, languages)
    with (root / "handbill.toml").open("a") as toml:
        toml.write(f'\n[draft]\nengine = "libre"\ntimeout = {timeout}\nretries = {retries}\n'
                   f'concurrency = {concurrency}\n\n[draft.engines.libre]\nurl = "{server.url}"\n')
    cli = Cli(root)
    cli("update")
    return cli


def entries(root: Path, lang: str, domain: str = "demo") -> list[Entry]:
    return read_catalog(root / "locales" / lang / "LC_MESSAGES" / f"{domain}.po").messages


def test_libre_drafts_every_untranslated_entry_as_a_labelled_fuzzy_draft(tmp_path, server):
    cli = libre_project(tmp_path / "p", server)
    result = cli("draft", "--campaign", "demo")
    assert "locales/es/LC_MESSAGES/demo.po (libre): 11 drafted, 0 skipped, 0 failed" in result.stdout
    for lang in ("es", "fr"):
        for entry in entries(tmp_path / "p", lang):
            assert entry.fuzzy and entry.msgstr.startswith(lang.upper() + ": ")
            assert entry.comments[-1] == f"{DRAFT_MARK} libre, {STAMP}"
    by_id = {e.msgid: e.msgstr for e in entries(tmp_path / "p", "es")}
    assert by_id["A first paragraph with **bold** and a [link](https://example.org/x) that spans "
                 "two lines, on {date}."] == ("ES: A FIRST PARAGRAPH WITH **BOLD** AND A [LINK]"
                                              "(https://example.org/x) THAT SPANS TWO LINES, ON "
                                              "{date}.")
    # A protected term (campaign.yml protected_terms) is never sent, so never changed.
    assert by_id["**WRITE** – Send a letter to Julian Assange."] == \
        "ES: **WRITE** – SEND A LETTER TO Julian Assange."
    sent = " ".join(f["q"] for f in server.seen)
    assert "{date}" not in sent and "https://" not in sent and "Julian" not in sent
    assert "api_key" not in server.seen[0]  # no key configured: none sent
    status = cli("status", "--json").stdout
    assert '"drafts": 11' in status
    path = po_path(load_config(tmp_path / "p"), "es", "demo")
    check = subprocess.run(["msgfmt", "-c", "-o", "/dev/null", str(path)], capture_output=True,
                           text=True)
    assert check.returncode == 0, check.stderr


def test_a_rerun_costs_nothing_thanks_to_the_cache(tmp_path, server):
    cli = libre_project(tmp_path / "p", server, languages=("es",))
    path = tmp_path / "p" / "locales" / "es" / "LC_MESSAGES" / "demo.po"
    before = path.read_bytes()
    cli("draft", "--campaign", "demo")
    drafted, sent = path.read_bytes(), server.requests
    assert sent == 10  # "Free them all" is both the title and a heading: sent once
    path.write_bytes(before)
    result = cli("draft", "--campaign", "demo")
    assert server.requests == sent and "10 from cache" in result.stdout
    assert path.read_bytes() == drafted
    gitignore = tmp_path / "p" / ".handbill" / ".gitignore"
    assert gitignore.read_text().splitlines()[-1] == "*"


def test_429_and_503_are_retried_with_backoff(tmp_path, server):
    cli = libre_project(tmp_path / "p", server, languages=("es",), retries=3)
    server.statuses = [429, 503, 429]
    cli("draft", "--campaign", "demo")
    assert server.requests == 10 + 3
    assert all(e.fuzzy for e in entries(tmp_path / "p", "es"))


def test_persistent_500s_fail_those_entries_and_leave_them_untranslated(tmp_path, server):
    cli = libre_project(tmp_path / "p", server, languages=("es",), retries=1, concurrency=1)
    server.statuses = [500] * 2  # "Free them all" (title and heading) fails twice
    result = cli("draft", "--campaign", "demo", expect=1)
    assert "9 drafted, 0 skipped, 2 failed" in result.stdout
    assert "answered HTTP 500" in result.stderr
    assert "locales/es/LC_MESSAGES/demo.po:" in result.stderr
    assert sum(1 for e in entries(tmp_path / "p", "es") if not e.msgstr) == 2


def test_a_server_slower_than_the_timeout_fails_in_bounded_time(tmp_path, server):
    cli = libre_project(tmp_path / "p", server, languages=("es",), timeout=0.3, retries=1)
    server.delay = 2.0
    start = time.monotonic()
    result = cli("draft", "--campaign", "demo", expect=1)
    # 11 requests, 8 at a time, 2 attempts of 0.3 s each: far below one 2 s answer.
    assert time.monotonic() - start < 1.9
    assert "0 drafted, 0 skipped, 11 failed" in result.stdout
    assert "no answer from 127.0.0.1" in result.stderr and "within 0.3 s" in result.stderr
    assert not any(e.msgstr for e in entries(tmp_path / "p", "es"))


def test_requests_run_concurrently(tmp_path, server):
    cli = libre_project(tmp_path / "p", server, languages=("es",))
    server.delay = 0.1
    cli("draft", "--campaign", "demo")
    assert server.max_inflight >= 4


def test_spacing_changes_in_tokens_are_tolerated(tmp_path, server):
    cli = libre_project(tmp_path / "p", server, languages=("es",))
    server.mangle = "spaces"
    cli("draft", "--campaign", "demo")
    by_id = {e.msgid: e.msgstr for e in entries(tmp_path / "p", "es")}
    assert by_id["**MOBILIZE** – Take to the streets."] == "ES: **MOBILIZE** – TAKE TO THE STREETS."
    assert "[LINK](https://example.org/x) THAT" in by_id[next(k for k in by_id if "[link]" in k)]


def test_a_draft_that_lost_a_token_is_never_written(tmp_path, server):
    cli = libre_project(tmp_path / "p", server, languages=("es",))
    server.mangle = "drop"  # the server drops [[1]]
    result = cli("draft", "--campaign", "demo", expect=1)
    by_id = {e.msgid: e for e in entries(tmp_path / "p", "es")}
    lost = by_id["A first paragraph with **bold** and a [link](https://example.org/x) that spans "
                 "two lines, on {date}."]
    assert lost.msgstr == "" and not lost.fuzzy
    assert "the engine lost [[1]] (close '**')" in result.stderr
    assert by_id["Take to the streets on {date}!"].msgstr == "ES: TAKE TO THE STREETS ON {date}!"
    server.mangle = "duplicate"
    result = cli("draft", "--campaign", "demo", expect=1)
    assert "repeated [[0]]" in result.stderr


def test_a_language_the_engine_lacks_fails_alone(tmp_path, server):
    cli = libre_project(tmp_path / "p", server, languages=("es", "sw"))
    result = cli("draft", "--campaign", "demo", expect=1)
    assert "locales/sw/LC_MESSAGES/demo.po: the libre engine cannot translate into sw (Swahili); " \
           "it offers ar, de, en, es, fr, hi, pt, zh." in result.stderr
    assert "[draft.languages]" in result.stderr
    assert all(e.fuzzy for e in entries(tmp_path / "p", "es"))


def test_environment_overrides_the_file(tmp_path, server):
    cli = libre_project(tmp_path / "p", server, languages=("es",))
    with FakeTranslateServer() as other:
        cli("draft", "--campaign", "demo", env={"HANDBILL_LIBRE_URL": other.url})
        assert other.requests == 10 and server.requests == 0
    result = cli("draft", env={"HANDBILL_LIBRE_COLOUR": "red"}, expect=1)
    assert "environment variable HANDBILL_LIBRE_COLOUR: 'colour' is not a setting of the libre " \
           "engine" in result.stderr


def test_dry_run_sends_and_writes_nothing(tmp_path, server):
    cli = libre_project(tmp_path / "p", server, languages=("es",))
    path = tmp_path / "p" / "locales" / "es" / "LC_MESSAGES" / "demo.po"
    before = path.read_bytes()
    state = tmp_path / "p" / ".handbill"
    files_before = sorted(p for p in state.rglob("*")) if state.exists() else []
    result = cli("draft", "--campaign", "demo", "--dry-run")
    assert "would draft 11 of 11 entries" in result.stdout
    assert server.requests == 0 and path.read_bytes() == before
    # No cache, no lock: the dry run leaves .handbill/ as update left it.
    assert (sorted(p for p in state.rglob("*")) if state.exists() else []) == files_before


def test_the_ui_domain_is_drafted_too(tmp_path, server):
    # Portugal's Portuguese: handbill ships no interface translation for it (pt_BR is another
    # variant), so its ui.po starts empty.
    cli = libre_project(tmp_path / "p", server, languages=("pt",))
    ui = tmp_path / "p" / "locales" / "pt" / "LC_MESSAGES" / "ui.po"
    if not ui.exists():  # no templates with strings yet: make a tiny ui catalog
        write_po(ui, "pt", [("Download", "untranslated")])
    result = cli("draft")
    assert "locales/pt/LC_MESSAGES/ui.po (libre)" in result.stdout
    assert all(e.fuzzy for e in read_catalog(ui).messages)


def test_a_second_draft_on_the_same_catalog_is_refused(tmp_path, server):
    cli = libre_project(tmp_path / "p", server, languages=("es",))
    locks = tmp_path / "p" / ".handbill" / "locks"
    locks.mkdir(parents=True)
    with open(locks / "es-demo.lock", "w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        result = cli("draft", "--campaign", "demo", expect=1)
    assert "another `handbill draft` is drafting this catalog right now" in result.stderr
    assert server.requests == 0
    cli("draft", "--campaign", "demo")  # released: works again


# ---------------------------------------------------------------------------- never touched


def write_po(path: Path, lang: str, specs: list[tuple[str, str]]) -> None:
    """A catalog with one entry per (msgid, state); msgids containing '|' are plural."""
    plural = plural_forms_for(locale_of(lang))
    header = Entry(msgid="", msgstr=f"Language: {lang}\nContent-Type: text/plain; charset=UTF-8\n"
                                    f"Plural-Forms: {plural.header()}\n")
    out = [header]
    for msgid, state in specs:
        single, _, many = msgid.partition("|")
        entry = Entry(msgid=single, msgid_plural=many or None,
                      msgstr_plural=[""] * plural.nplurals if many else [])
        done = {"reviewed": "hecho", "fuzzy": "dudoso"}.get(state)
        if done and many:
            entry.msgstr_plural = [f"{done} {i}" for i in range(plural.nplurals)]
        elif done:
            entry.msgstr = f"{done}: {single}"
        if state == "fuzzy":
            entry.fuzzy = True
            entry.comments = ["a translator's note"]
        if state == "partial":
            entry.msgstr_plural[0] = "medio"
        out.append(entry)
    write_if_changed(path, dump_catalog(Catalog(out)))


class ShoutEngine(BaseEngine):
    """An in-process engine for the tests: upper case, keeping [[n]] tokens."""

    batch_size = 3

    def translate_texts(self, texts, source, target):
        return [f"{target}> {t.upper()}" for t in texts]


registry.add(EngineSpec("test-shout", ShoutEngine))


STATES = st.sampled_from(["reviewed", "fuzzy", "untranslated", "partial"])


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(st.booleans(), STATES), min_size=1, max_size=12))
def test_reviewed_and_fuzzy_entries_are_never_touched(shape):
    with tempfile.TemporaryDirectory() as tmp:
        root = write_demo(Path(tmp), languages=("ar",))
        specs = []
        for i, (plural, state) in enumerate(shape):
            if state == "partial" and not plural:
                state = "untranslated"
            msgid = f"Message {i} on {{date}}" + (f"|Messages {i} on {{date}}" if plural else "")
            specs.append((msgid, state))
        path = root / "locales" / "ar" / "LC_MESSAGES" / "demo.po"
        write_po(path, "ar", specs)
        before = {e.key: e for e in read_catalog(path).messages}
        summary = drafting.draft(load_config(root), engine="test-shout")
        assert not summary.failed
        after = {e.key: e for e in read_catalog(path).messages}
        for (msgid, state), key in zip(specs, before):
            old, new = before[key], after[key]
            if state == "untranslated":
                assert new.fuzzy and new.comments == [f"{DRAFT_MARK} test-shout, {STAMP}"]
                if new.msgid_plural is not None:  # Arabic: six forms, every one drafted
                    assert new.msgstr_plural == [f"ar> MESSAGE {msgid[8:msgid.index(' ', 8)]} "
                                                 "ON {date}"] + [
                        f"ar> MESSAGES {msgid[8:msgid.index(' ', 8)]} ON {{date}}"] * 5
                else:
                    assert new.msgstr == f"ar> {old.msgid.upper().replace('{DATE}', '{date}')}"
            else:
                assert (new.msgstr, new.msgstr_plural, new.flags, new.comments) == (
                    old.msgstr, old.msgstr_plural, old.flags, old.comments)
        assert summary.catalogs[0].drafted == sum(1 for _, s in specs if s == "untranslated")


def test_a_server_that_is_down_is_given_up_on_quickly(tmp_path, server):
    import socket

    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}/"
    cli = libre_project(tmp_path / "p", server, languages=("es",), retries=1, concurrency=2)
    ui = tmp_path / "p" / "locales" / "es" / "LC_MESSAGES" / "ui.po"
    write_po(ui, "es", [(f"Button {i}", "untranslated") for i in range(40)])
    result = cli("draft", env={"HANDBILL_LIBRE_URL": closed}, expect=1)
    assert "cannot connect to 127.0.0.1" in result.stderr
    assert "not sent: libre failed 8 times in a row" in result.stderr
    assert "more failed for the same reason" in result.stderr


def test_a_person_saving_the_file_meanwhile_keeps_their_work(tmp_path, server, monkeypatch):
    cli = libre_project(tmp_path / "p", server, languages=("es",))
    path = tmp_path / "p" / "locales" / "es" / "LC_MESSAGES" / "demo.po"
    real_flush, saved = runner._flush, []

    def translator_saves_first(cfg, state, last=False):
        if not saved:  # as if Poedit saved the file just before handbill does
            catalog = read_catalog(path)
            catalog.messages[0].msgstr = "Libérenlos a todos"
            path.write_bytes(dump_catalog(catalog))
            saved.append(True)
        real_flush(cfg, state, last)

    monkeypatch.setattr(runner, "_flush", translator_saves_first)
    result = cli("draft", "--campaign", "demo")
    assert "10 drafted, 1 skipped" in result.stdout
    assert "changed in the file while drafting; left as is" in result.stdout
    first = entries(tmp_path / "p", "es")[0]
    assert first.msgstr == "Libérenlos a todos" and not first.fuzzy and not first.comments
