"""`draft` while a translator's editor saves the same .po file in place (truncate, then slow
writes): no catalog handbill writes is ever cut short, the translator's last save survives,
and a half-saved or empty catalog counts as untranslated (issue #13.6)."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest

from conftest import Cli, assert_canonical, write_demo
from pipeline import files
from pipeline.catalogs import powrite
from pipeline.drafting import catalogfile, runner, work
from pipeline.errors import CatalogError
from pipeline.catalogs.pofile import dump_catalog, parse, read_catalog
from test_drafting_server import FakeTranslateServer

PARAGRAPHS = 40
HUMAN = "Párrafo 7 traducido por una persona, guardado número {}."


@pytest.fixture(autouse=True)
def _quick(monkeypatch):
    monkeypatch.setattr(work, "BACKOFF", 0.01)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1764115200")
    monkeypatch.delenv("HANDBILL_LIBRE_URL", raising=False)


def project(root: Path, url: str) -> Cli:
    write_demo(root, languages=("es",))
    leaflet = "\n\n".join(f"Paragraph {i} asks you to act." for i in range(PARAGRAPHS))
    (root / "source" / "demo" / "leaflet.md").write_text(f"# Act\n\n{leaflet}\n")
    with (root / "handbill.toml").open("a") as toml:
        toml.write(f'[draft]\nengine = "libre"\nconcurrency = 1\nretries = 0\n'
                   f'[draft.engines.libre]\nurl = "{url}"\n')
    cli = Cli(root)
    cli("update")
    return cli


class Editor(threading.Thread):
    """Saves its own copy of the catalog (paragraph 7 translated by hand) in place, the way
    some editors do: open with truncation, then the bytes in slow chunks."""

    def __init__(self, path: Path, saves: int, start_when):
        super().__init__(daemon=True)
        self.path, self.saves, self.start_when = path, saves, start_when
        self.buffer = read_catalog(path)
        self.done = 0

    def run(self) -> None:
        deadline = time.monotonic() + 20
        while not self.start_when() and time.monotonic() < deadline:
            time.sleep(0.01)
        for number in range(1, self.saves + 1):
            entry = next(e for e in self.buffer.messages if e.msgid.startswith("Paragraph 7 "))
            entry.msgstr = HUMAN.format(number)
            data = dump_catalog(self.buffer)
            with open(self.path, "wb") as handle:  # truncates: the file is empty now
                for i in range(0, len(data), 400):
                    handle.write(data[i:i + 400])
                    handle.flush()
                    time.sleep(0.01)
            self.done = number
            time.sleep(0.05)


def test_draft_never_writes_a_half_saved_catalog_and_keeps_the_last_save(tmp_path,
                                                                          monkeypatch):
    # 47 requests of 80 ms, one at a time (~3.8 s): the editor's six saves (~2 s) end first.
    with FakeTranslateServer(delay=0.08) as server:
        cli = project(tmp_path / "p", server.url)
        path = tmp_path / "p" / "locales" / "es" / "LC_MESSAGES" / "demo.po"
        template = len(read_catalog(tmp_path / "p" / "locales" / "demo.pot").messages)
        written: list[bytes] = []
        real_replace = os.replace

        def recording_replace(src, dst, *args, **kwargs):
            if Path(dst) == path:  # what handbill is about to put in place of the catalog
                written.append(Path(src).read_bytes())
            return real_replace(src, dst, *args, **kwargs)

        monkeypatch.setattr(files.os, "replace", recording_replace)
        editor = Editor(path, saves=6, start_when=lambda: server.requests >= 3)
        editor.start()
        cli("draft", "--campaign", "demo")
        editor.join(30)
        assert editor.done == 6
        # Every catalog handbill wrote was whole: parsed, every message of the template.
        assert written
        for data in written:
            assert len([e for e in parse(data.decode()) if e.msgid and not e.obsolete]) \
                == template
        # The translator's last save survives (their earlier saves were replaced by it).
        final = read_catalog(path)
        assert len(final.messages) == template
        seventh = next(e for e in final.messages if e.msgid.startswith("Paragraph 7 "))
        assert seventh.msgstr == HUMAN.format(6) and not seventh.fuzzy
        # Drafts the editor's saves overwrote come back from the cache: nothing is sent again.
        sent = server.requests
        cli("draft", "--campaign", "demo")
        assert server.requests == sent
        assert all(e.msgstr for e in read_catalog(path).messages)


def test_drafts_are_laid_out_while_requests_are_out_not_at_the_last_save(tmp_path, monkeypatch):
    # The last save is after the last answer, where its time adds to the run's: the drafted
    # entries' text was made in the finisher threads and the drafts applied as they came in,
    # so the last save formats and applies none, and the file is still what msgcat writes.
    formatted: list[str] = []
    real, real_apply, real_flush = powrite.format_entry, runner._apply, runner._flush
    saving = threading.local()
    applied_in_save: list[str] = []

    def recording(entry, *args, **kwargs):
        formatted.append(threading.current_thread().name)
        return real(entry, *args, **kwargs)

    def apply(entry, *args, **kwargs):
        if getattr(saving, "on", False):
            applied_in_save.append(entry.msgid)
        return real_apply(entry, *args, **kwargs)

    def flush(*args, **kwargs):
        saving.on = True
        try:
            return real_flush(*args, **kwargs)
        finally:
            saving.on = False

    monkeypatch.setattr(powrite, "format_entry", recording)
    monkeypatch.setattr(runner, "_apply", apply)
    monkeypatch.setattr(runner, "_flush", flush)
    with FakeTranslateServer() as server:
        cli = project(tmp_path / "p", server.url)
        path = tmp_path / "p" / "locales" / "es" / "LC_MESSAGES" / "demo.po"
        formatted.clear()
        cli("draft", "--campaign", "demo")
    final = read_catalog(path).messages
    assert all(e.fuzzy and e.msgstr for e in final) and len(final) == PARAGRAPHS + 7
    assert "MainThread" not in formatted and not applied_in_save
    assert_canonical(path)


def test_a_catalog_that_stays_half_saved_is_not_drafted(tmp_path, monkeypatch):
    monkeypatch.setattr(catalogfile, "SETTLE_SECONDS", 0.5)
    with FakeTranslateServer() as server:
        cli = project(tmp_path / "p", server.url)
        path = tmp_path / "p" / "locales" / "es" / "LC_MESSAGES" / "demo.po"
        whole = path.read_bytes()
        path.write_bytes(whole[: len(whole) // 2])  # cut mid-entry
        result = cli("draft", "--campaign", "demo", expect=1)
        assert "demo.po" in result.stderr and server.requests == 0
        assert path.read_bytes() == whole[: len(whole) // 2]  # left as it is
        cut = whole[: whole.index(b"\n#. Leaflet paragraph", len(whole) // 2)] + b"\n"
        path.write_bytes(cut)  # cut between two entries: it parses, with fewer messages
        result = cli("draft", "--campaign", "demo", expect=1)
        assert "of its template's 47 messages, as if half-saved; nothing was written to it" \
            in result.stderr
        assert path.read_bytes() == cut and server.requests == 0


def test_a_whole_file_that_will_not_parse_reports_its_own_error_quickly(tmp_path):
    path = tmp_path / "x.po"
    path.write_text('msgid "a"\nmsgstr "b"\nmsgid "a"\nmsgstr "c"\n')
    start = time.monotonic()
    with pytest.raises(CatalogError, match="duplicate message definition"):
        catalogfile.read_whole(path, None)
    assert time.monotonic() - start < catalogfile.SETTLE_SECONDS


@pytest.mark.parametrize("content", [b"", b'msgid ""\nmsgstr "Language: es\\n"\n'])
def test_an_empty_or_header_only_catalog_counts_as_untranslated(tmp_path, content):
    root = write_demo(tmp_path / "p", languages=("es",))
    cli = Cli(root)
    cli("update")
    (root / "locales" / "es" / "LC_MESSAGES" / "demo.po").write_bytes(content)
    result = cli("status", "--campaign", "demo", "--json")
    assert '"untranslated": 11' in result.stdout and '"percent_reviewed": 0.0' in result.stdout
