"""The openai engine (any OpenAI-compatible chat server) through its real client, httpx, against
a loopback server: the context each request carries, answers of the wrong shape, a dropped
token, 429 then success, a timeout, drafts over their length limit."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest

from conftest import Cli, write_demo
from fake_openai import FakeChatServer
from pipeline.catalogs import DRAFT_MARK
from pipeline.drafting import prompt, work
from pipeline.catalogs.pofile import read_catalog

EPOCH = "1764115200"


@pytest.fixture(autouse=True)
def _quick(monkeypatch):
    monkeypatch.setattr(work, "BACKOFF", 0.01)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    for var in ("HANDBILL_OPENAI_URL", "HANDBILL_OPENAI_API_KEY", "HANDBILL_OPENAI_MODEL"):
        monkeypatch.delenv(var, raising=False)


@pytest.fixture
def server():
    with FakeChatServer() as srv:
        yield srv


GLOSSARY = "glossary:\n  extradition: {es: extradición, fr: extradition}\n"


def project(root: Path, server: FakeChatServer, timeout: float = 5, retries: int = 2,
            settings: str = "", glossary: str = "") -> Cli:
    write_demo(root, languages=("es",))
    if glossary:
        with (root / "source" / "demo" / "campaign.yml").open("a") as yml:
            yml.write(glossary)
    with (root / "handbill.toml").open("a") as toml:
        toml.write(f'\n[draft]\nengine = "openai"\ntimeout = {timeout}\nretries = {retries}\n'
                   f'\n[draft.engines.openai]\n{settings}')
    cli = Cli(root)
    cli("update")
    return lambda *args, expect=0: cli(*args, expect=expect,
                                       env={"HANDBILL_OPENAI_URL": server.url})


def drafted(root: Path) -> dict[str, object]:
    return {e.msgid: e for e in read_catalog(root / "locales" / "es" / "LC_MESSAGES" /
                                             "demo.po").messages}


def test_a_local_model_drafts_with_each_messages_context(tmp_path, server):
    root = tmp_path / "p"
    result = project(root, server, glossary=GLOSSARY)("draft", "--campaign", "demo")
    assert "demo.po (openai): 11 drafted, 0 skipped, 0 failed" in result.stdout
    by_id = drafted(root)
    post = by_id["Take to the streets on {date}!"]
    assert post.fuzzy and post.msgstr == "ES: TAKE TO THE STREETS ON {date}!"
    assert post.comments[-1] == f"{DRAFT_MARK} openai, 2025-11-26"
    assert by_id["**WRITE** – Send a letter to Julian Assange."].msgstr == \
        "ES: **WRITE** – SEND A LETTER TO Julian Assange."
    # Two requests of at most 8 texts (the batch), to the model the server named.
    assert server.requests == 2 and {b["model"] for b in server.seen} == {"fake-model"}
    assert all(len(json.loads(b["messages"][1]["content"])) <= 8 for b in server.seen)
    system = server.systems()
    assert "from English into Spanish (es)" in system
    # The context a translator gets: role, #. comments, the limit, names, the glossary.
    assert "social media post for X, Bluesky, Mastodon; length limit: at most 244 " \
           "characters (max-length 245 once the tokens are replaced)" in system
    assert "Hashtags and link are added after the text: #FreeThem https://example.org/" in system
    assert "share card slogan" in system and "leaflet quote" in system
    assert "leaflet heading and campaign title" not in system
    assert "Names kept as written (they reach you as tokens): Demo Org, Julian Assange" in system
    assert "Glossary (source term -> agreed rendering): extradition -> extradición." in system
    assert "leaflet quote; glossary: extradition -> extradición" in system
    # Texts go masked, in JSON; a glossary term is left for the model to inflect.
    texts = server.texts()
    assert "Take to the streets on [[0]]!" in texts and "No to extradition!" in texts
    assert not any("{date}" in t or "Julian" in t or "https://" in t for t in texts)


def test_answers_of_the_wrong_shape_are_asked_again_then_split_never_written(tmp_path, server):
    root = tmp_path / "p"
    draft = project(root, server, settings="concurrency = 1\n")
    # First batch: an object, then one string too few (asked twice): split into single texts,
    # the first of which gets prose twice and fails alone; the rest answer in a ```json fence.
    server.script = ["object", "short", "prose", "prose"] + ["fence"] * 20
    result = draft("draft", "--campaign", "demo", expect=1)
    assert "10 drafted, 0 skipped, 1 failed" in result.stdout
    assert "openai: the answer was not valid JSON, 2 times; not drafted" in result.stderr
    assert "That answer could not be used (the answer was a JSON object, not an array)" in \
        json.dumps([b["messages"] for b in server.seen], ensure_ascii=False)
    every = read_catalog(root / "locales" / "es" / "LC_MESSAGES" / "demo.po").messages
    failed = [e for e in every if not e.msgstr]
    assert len(failed) == 1 and not failed[0].fuzzy and not failed[0].comments
    assert all(e.msgstr.startswith("ES: ") for e in every if e.msgstr)


def test_a_draft_that_lost_a_token_is_refused(tmp_path, server):
    root = tmp_path / "p"
    draft = project(root, server, settings="batch = 1\n")
    server.script = ["drop"] * 20
    result = draft("draft", "--campaign", "demo", expect=1)
    assert "the engine lost [[1]] (close '**')" in result.stderr
    lost = drafted(root)["A first paragraph with **bold** and a [link](https://example.org/x) "
                         "that spans two lines, on {date}."]
    assert lost.msgstr == "" and not lost.fuzzy


def test_429_then_success_honours_retry_after(tmp_path, server):
    root = tmp_path / "p"
    draft = project(root, server, settings="batch = 20\n")
    server.script = [429]
    result = draft("draft", "--campaign", "demo")
    assert "11 drafted, 0 skipped, 0 failed" in result.stdout
    assert server.requests == 2 and server.times[1] - server.times[0] >= 0.95  # Retry-After: 1


def test_a_model_slower_than_the_timeout_fails_in_bounded_time(tmp_path, server):
    root = tmp_path / "p"
    draft = project(root, server, timeout=0.3, retries=1, settings="batch = 20\n")
    server.script = ["slow", "slow"]
    start = time.monotonic()
    result = draft("draft", "--campaign", "demo", expect=1)
    assert time.monotonic() - start < 1.9  # two attempts of 0.3 s, not two 2 s answers
    assert "0 drafted, 0 skipped, 11 failed" in result.stdout
    assert "openai: no answer from 127.0.0.1 within 0.3 s" in result.stderr
    assert not any(e.msgstr for e in drafted(root).values())


def test_a_draft_over_its_limit_is_asked_once_more_then_kept_with_a_comment(tmp_path, server):
    root = tmp_path / "p"
    draft = project(root, server, settings="batch = 20\n")
    server.script = ["long"]  # every draft of the batch too long; the second asks get it right
    result = draft("draft", "--campaign", "demo")
    assert "11 drafted, 0 skipped, 0 failed" in result.stdout
    shorten = [b for b in server.seen if "write a shorter one" in b["messages"][0]["content"]]
    assert len(shorten) == 2  # the two posts have limits (245 and 280); the others do not
    post = drafted(root)["Take to the streets on {date}!"]
    assert post.msgstr == "ES: TAKE TO THE STREETS ON {date}!" and len(post.comments) == 1
    card = drafted(root)["Free them all!"]  # no limit: kept as the model wrote it
    assert card.msgstr.endswith("PADDING")

    server.long = True  # too long, even when asked to shorten
    draft2 = project(tmp_path / "q", server, settings="batch = 20\n")
    result = draft2("draft", "--campaign", "demo")
    assert "11 drafted" in result.stdout
    post = drafted(tmp_path / "q")["Take to the streets on {date}!"]
    assert post.fuzzy and post.comments[0].startswith(
        f"over limit: {len(post.msgstr)} characters where max-length is 245; shorten it")
    result = Cli(tmp_path / "q")("check", "--campaign", "demo", expect=1)
    assert "error [max-length] (fuzzy)" in result.stdout


def test_settings_a_coordinator_gets_wrong_are_named(tmp_path, server):
    root = tmp_path / "p"
    draft = project(root, server)
    result = Cli(root)("draft", "--campaign", "demo", expect=1)  # no HANDBILL_OPENAI_URL
    assert "the openai engine needs the server's address: set HANDBILL_OPENAI_URL to its base " \
           "URL ending in /v1 (llama.cpp's server: http://127.0.0.1:8080/v1" in result.stderr
    server.models = ["llama3.2", "qwen2.5"]  # Ollama lists every model pulled: choose one
    result = draft("draft", "--campaign", "demo", expect=1)
    assert "the openai engine needs a model: set [draft.engines.openai] model (the server " \
           "offers llama3.2, qwen2.5)" in result.stderr
    assert server.requests == 0


@pytest.mark.parametrize("content, count, expected", [
    ('["a", "b"]', 2, ["a", "b"]),
    ('```json\n["a"]\n```', 1, ["a"]),
    ('Here they are:\n```\n["a"]\n```\nEnjoy', 1, ["a"]),
    ('The translations: ["a", "b"]', 2, ["a", "b"]),
    ('{"translations": ["a"]}', 1, ["a"]),
])
def test_answers_small_models_give_are_read(content, count, expected):
    assert prompt.parse(content, count) == expected


@pytest.mark.parametrize("content, count, problem", [
    ("", 1, "empty"), ("a, b", 2, "not valid JSON"), ('["a"]', 2, "1 strings for 2 texts"),
    ('[1, 2]', 2, "not an array of strings"), ('{"a": ["x"], "b": ["y"]}', 1, "JSON object"),
    ('[["a"]]', 1, "not an array of strings"),
])
def test_answers_of_the_wrong_shape_are_refused(content, count, problem):
    with pytest.raises(prompt.BadAnswer, match=problem):
        prompt.parse(content, count)


def test_a_plural_message_tells_the_model_its_form_and_the_languages_rules():
    from pipeline.drafting import context
    from pipeline.drafting.protocol import BaseEngine
    from pipeline.catalogs.pofile import Entry

    class Reader(BaseEngine):
        reads_context = True

        def __init__(self):
            self.masks, self.name = True, "reader"

    entry = Entry(msgid="{n} person joins", msgid_plural="{n} people join",
                  msgstr_plural=[""] * 6, flags=["python-brace-format"])
    plan = context.plan(Reader(), "en", "ar", None, (), ui=True)
    singular, plural = context.sent(plan, Reader(), entry, 6)
    assert singular.segment.text == "[[0]] person joins"
    assert singular.segment.plural.startswith("singular form (n = 1) of a message whose "
                                              "plural is '{n} people join'; Arabic has 6 "
                                              "plural forms: few (n mod 100 in 3..10)")
    assert "plural form of a message whose singular is '{n} person joins'" in \
        plural.segment.plural
    assert singular.key != plural.key and "interface" in singular.segment.role


def test_a_worker_prepares_its_chunk_itself_rather_than_wait_for_the_main_thread(
        tmp_path, server, monkeypatch):
    # The main thread prepares chunks (masking, context, cache keys) ahead of the workers; a
    # worker that gets to a chunk first makes it itself, so a slow main thread (a busy CPU)
    # never leaves a connection idle.
    from pipeline.drafting import runner

    real, made = runner.prepare, []

    def slow_in_main_thread(drafting, entries):
        made.append(threading.current_thread().name)
        if threading.current_thread() is threading.main_thread():
            time.sleep(0.2)
        return real(drafting, entries)

    monkeypatch.setattr(runner, "prepare", slow_in_main_thread)
    root = tmp_path / "p"
    result = project(root, server, settings="batch = 1\nconcurrency = 2\n")(
        "draft", "--campaign", "demo")
    assert "demo.po (openai): 11 drafted, 0 skipped, 0 failed" in result.stdout
    # Each chunk made once, by one thread: 10 chunks, as the title and the heading that says
    # the same go out together (in two requests: the engine reads context, batch 1).
    assert len(made) == 10 and server.requests == 11
    assert any(name.startswith("draft-openai") for name in made)


def test_the_interpreter_is_tuned_while_drafting_and_as_before_after(tmp_path, server,
                                                                     monkeypatch):
    # The garbage collector's passes over everything read at the start stopped every thread
    # for 9-25 ms; and at a 5 ms switch interval a drafting thread waited for the GIL up to
    # 5 ms at each socket call, behind threads checking drafts (first-round requests took
    # 59-97 ms against 50). Both are set for the stage only.
    import gc
    import sys

    from pipeline.drafting import runner

    real, seen = runner.prepare, []

    def recording(drafting, entries):
        seen.append((gc.isenabled(), sys.getswitchinterval()))
        return real(drafting, entries)

    monkeypatch.setattr(runner, "prepare", recording)
    before = sys.getswitchinterval()
    cli = project(tmp_path / "p", server)
    assert gc.isenabled()
    cli("draft", "--campaign", "demo")
    assert seen and not any(enabled for enabled, _ in seen) and gc.isenabled()
    assert max(interval for _, interval in seen) <= 0.0005 < before
    assert sys.getswitchinterval() == before
    cli("draft", "--campaign", "demo", "--engine", "nonesuch", expect=1)  # a ConfigError
    assert gc.isenabled() and sys.getswitchinterval() == before


def test_a_proxy_from_the_environment_is_used_unless_no_proxy_covers_the_host(tmp_path, server,
                                                                              monkeypatch):
    # The server stands in for the proxy too: a request to an address that does not resolve
    # reaches it only through HTTP_PROXY, as httpx.Client(trust_env=True) would send it.
    from pipeline.drafting.openai import _proxy

    for var in ("NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy", "HTTPS_PROXY", "https_proxy",
                "http_proxy"):
        monkeypatch.delenv(var, raising=False)
    proxy = server.url.rsplit("/", 1)[0]
    monkeypatch.setenv("HTTP_PROXY", proxy)
    project(tmp_path / "p", server)
    result = Cli(tmp_path / "p")("draft", "--campaign", "demo",
                                 env={"HANDBILL_OPENAI_URL": "http://model.invalid/v1"})
    assert "11 drafted" in result.stdout
    assert server.proxied == server.requests + 1 > 1  # and GET /models
    assert _proxy("http://model.invalid/v1") == proxy
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,.invalid")
    assert _proxy(server.url) is None and _proxy("http://model.invalid/v1") is None


def test_the_engine_checks_its_languages_while_the_catalogs_are_read(tmp_path, server,
                                                                      monkeypatch):
    # The openai engine's check asks the server for its models (GET /models): that wait
    # overlaps with reading the catalogs rather than coming before it; a pair the engine
    # cannot serve still fails alone, naming its catalog, and nothing is written to it.
    from pipeline.drafting import catalogfile
    from pipeline.drafting.openai import OpenAIEngine
    from pipeline.errors import EngineError

    events, refuse = [], []
    real_check, real_read = OpenAIEngine.check, catalogfile.read_whole

    def slow_check(self, source, target):
        events.append(("check", threading.current_thread().name))
        time.sleep(0.3)
        real_check(self, source, target)
        if refuse:
            raise EngineError("openai: this model does not write Spanish")
        events.append(("checked",))

    def read(*args, **kwargs):
        events.append(("read",))
        return real_read(*args, **kwargs)

    monkeypatch.setattr(OpenAIEngine, "check", slow_check)
    monkeypatch.setattr(catalogfile, "read_whole", read)
    cli = project(tmp_path / "p", server)
    po = tmp_path / "p" / "locales" / "es" / "LC_MESSAGES" / "demo.po"
    before = po.read_bytes()
    refuse.append(True)
    result = cli("draft", "--campaign", "demo", expect=1)
    assert "demo.po: openai: this model does not write Spanish" in result.stdout + result.stderr
    assert po.read_bytes() == before and server.requests == 0
    refuse.clear()
    events.clear()
    result = cli("draft", "--campaign", "demo")
    assert "11 drafted" in result.stdout
    assert events[0][0] == "check" and events[0][1].startswith("draft-check")
    assert events.index(("read",)) < events.index(("checked",))  # read while it was checking


def test_the_stage_leaves_no_thread_or_open_connection_behind(tmp_path, server):
    # The askers and the finishers end as their work runs out, most of them before the last
    # save; the engine's connections are closed when the stage ends, not left for the garbage
    # collector to close, each with a ResourceWarning (whose text asked every socket for its
    # peer's address: 0.9 ms at the end of a draft).
    import gc
    import warnings

    cli = project(tmp_path / "p", server)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)
        result = cli("draft", "--campaign", "demo")
        gc.collect()
    assert "11 drafted" in result.stdout
    assert [str(w.message) for w in caught if issubclass(w.category, ResourceWarning)] == []
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        left = [t.name for t in threading.enumerate() if t.name.startswith("draft-")]
        if not left:
            break
        time.sleep(0.01)
    assert left == []


def test_answers_in_when_the_draft_is_stopped_are_saved(tmp_path):
    # The finishers let a worker with an answer in send its next request before they check
    # the answers (pipeline/drafting/turns.py): stopped right then, those answers are still
    # checked and saved. Two requests at a time, two texts each, answered after 0.3 s: the
    # signal comes as the second pair goes out, so the first pair's answers are in.
    import os
    import signal
    import subprocess
    import sys

    root = tmp_path / "p"
    write_demo(root, languages=("es",))
    paragraphs = "\n\n".join(f"Paragraph {i} asks you to act." for i in range(30))
    (root / "source" / "demo" / "leaflet.md").write_text(f"# Act\n\n{paragraphs}\n")
    with (root / "handbill.toml").open("a") as toml:
        toml.write('\n[draft]\nengine = "openai"\nconcurrency = 2\nretries = 0\n'
                   '[draft.engines.openai]\nbatch = 2\n')
    Cli(root)("update")
    with FakeChatServer(delay=0.3) as srv:
        env = {**os.environ, "SOURCE_DATE_EPOCH": EPOCH, "HANDBILL_OPENAI_URL": srv.url}
        proc = subprocess.Popen([sys.executable, "-m", "pipeline", "--project", str(root),
                                 "draft", "--campaign", "demo"], env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        end = time.monotonic() + 20
        while srv.requests < 4 and time.monotonic() < end:
            time.sleep(0.002)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(10) == 130
        answered = [t for body in srv.seen[:2] for t in json.loads(body["messages"][1]["content"])]
    fuzzy = {e.msgid for e in drafted(root).values() if e.fuzzy}
    assert len(answered) == 4 and fuzzy == set(answered)
