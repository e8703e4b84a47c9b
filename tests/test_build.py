"""handbill build: incremental, parallel, reproducible; one failing language fails alone."""

from __future__ import annotations

import hashlib
import json
import time
import urllib.request
import zipfile
from pathlib import Path

import pytest

from conftest import Cli
from pipeline.config import load_config
from pipeline.catalogs.pofile import dump_catalog, read_catalog

EPOCH = {"SOURCE_DATE_EPOCH": "1645790400"}  # 2022-02-25 12:00 UTC


def fill(root: Path, lang: str, prefix: str, fuzzy: bool = False) -> None:
    """Translate every message of the demo campaign (keeping placeholders and markup)."""
    path = root / "locales" / lang / "LC_MESSAGES" / "demo.po"
    catalog = read_catalog(path)
    for entry in catalog.messages:
        entry.msgstr = entry.msgid if entry.msgctxt == "card:free" else f"{prefix} {entry.msgid}"
        entry.fuzzy = fuzzy
    path.write_bytes(dump_catalog(catalog))


@pytest.fixture
def project(cli, demo):
    cli("update")
    fill(demo, "es", "ES")
    fill(demo, "ar", "AR", fuzzy=True)
    return demo


def sums(root: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted((root / "output" / "packs").glob("*.zip"))}


def states(result) -> dict[str, str]:
    rows = {}
    for line in result.stdout.splitlines():
        parts = line.split()
        if len(parts) >= 3 and parts[0] == "demo":
            rows[parts[1]] = parts[2]
    return rows


def test_build_renders_packs_and_is_incremental(cli, project):
    first = cli("build", "--jobs", "2", env=EPOCH)
    assert states(first) == {"en": "final", "es": "final", "ar": "draft"}
    packs = sums(project)
    assert set(packs) == {"demo-en.zip", "demo-es.zip", "demo-ar.zip"}
    for lang in ("en", "es", "ar"):
        assert (project / "output" / lang / "index.html").is_file()
    assert (project / "output" / "index.html").is_file()

    # Nothing changed: nothing is rendered again.
    second = cli("build", env=EPOCH)
    assert set(states(second).values()) == {"unchanged"}
    assert "built 0 of 3" in second.stdout
    assert sums(project) == packs

    # One catalog changed: only that language is rebuilt.
    fill(project, "es", "ES2")
    third = cli("build", env=EPOCH)
    assert states(third) == {"en": "unchanged", "es": "final", "ar": "unchanged"}
    after = sums(project)
    assert after["demo-es.zip"] != packs["demo-es.zip"]
    assert after["demo-ar.zip"] == packs["demo-ar.zip"]

    # A template or setting change rebuilds everything; --clean too.
    config = project / "handbill.toml"
    config.write_text(config.read_text() + '\n[render]\npaper = "A4"\n')
    assert set(states(cli("build", env=EPOCH)).values()) == {"final", "draft"}
    assert set(states(cli("build", "--clean", env=EPOCH)).values()) == {"final", "draft"}


def test_packs_are_reproducible_and_manifest_is_complete(cli, project):
    cli("build", env=EPOCH)
    first = sums(project)
    cli("build", "--clean", "--jobs", "1", env=EPOCH)
    assert sums(project) == first, "two builds from the same input give the same bytes"
    with zipfile.ZipFile(project / "output" / "packs" / "demo-ar.zip") as archive:
        names = archive.namelist()
        manifest = json.loads(archive.read("demo-ar/manifest.json"))
        for item in manifest["files"]:
            data = archive.read(f"demo-ar/{item['path']}")
            assert hashlib.sha256(data).hexdigest() == item["sha256"]
            assert len(data) == item["size"]
        readme = archive.read("demo-ar/README.txt").decode()
    for name in ("leaflet.pdf", "leaflet.html", "posts.txt", "posts.json", "posts.csv",
                 "README.txt", "manifest.json", "cards/free-square.png"):
        assert f"demo-ar/{name}" in names
    assert not any(".build-stamp" in n or "render.json" in n for n in names)
    assert manifest["language"]["name"] == "العربية"
    assert manifest["language"]["direction"] == "rtl"
    assert manifest["state"] == "draft"
    assert manifest["counts"]["fuzzy"] == manifest["counts"]["total"] > 0
    assert manifest["built"] == "2022-02-25T12:00:00Z"
    assert "source_revision" in manifest
    assert readme.strip()


def test_one_failing_language_does_not_stop_the_others(cli, project):
    (project / "locales/ar/LC_MESSAGES/demo.po").write_bytes(b'msgid "x"\nmsgstr "broken\n')
    result = cli("build", expect=1)
    rows = states(result)
    assert rows["ar"] == "failed" and rows["es"] == "final" and rows["en"] == "final"
    assert "demo.po:2: unterminated string" in result.stderr
    assert (project / "output/packs/demo-es.zip").is_file()
    assert not (project / "output/packs/demo-ar.zip").exists()


def test_render_then_pack_and_skipped_languages_lose_stale_packs(cli, project):
    cli("render", env=EPOCH)
    result = cli("pack", env=EPOCH)
    assert "output/packs/demo-es.zip" in result.stdout
    assert (project / "output/index.html").is_file()
    # es now has an untranslated entry: it is skipped, and its old pack disappears.
    path = project / "locales/es/LC_MESSAGES/demo.po"
    catalog = read_catalog(path)
    catalog.messages[0].msgstr = ""
    path.write_bytes(dump_catalog(catalog))
    cli("render", env=EPOCH)
    result = cli("pack", env=EPOCH)
    assert "demo es: no pack" in result.stdout
    assert not (project / "output/packs/demo-es.zip").exists()


def test_serve_previews_and_rebuilds_on_save(cli, project):
    import threading

    from pipeline import build as build_stage
    from pipeline.serve import Server

    cfg = load_config(project)
    one_job = build_stage.BuildOptions(jobs=1)
    build_stage.build(cfg, options=one_job)
    server = Server(cfg, 0, interval=0.2).start()
    pages = []

    def browse():  # a translator's browser; the rebuilds run on the main thread
        try:
            pages.append(urllib.request.urlopen(server.url + "es/index.html", timeout=10)
                         .read().decode())
            fill(project, "es", "NUEVO")
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and "NUEVO Free them all" not in pages[-1]:
                time.sleep(0.3)
                pages.append(urllib.request.urlopen(server.url + "es/index.html", timeout=10)
                             .read().decode())
        finally:
            server.stopping.set()

    browser = threading.Thread(target=browse)
    browser.start()
    try:
        assert server.url.startswith("http://127.0.0.1:")
        server.run(lambda new_cfg: build_stage.build(new_cfg, options=one_job), pytest.fail)
    finally:
        browser.join(timeout=120)
        server.stop()
    assert "ES Free them all" in pages[0]
    assert "NUEVO Free them all" in pages[-1]


def test_the_summary_counts_skipped_languages_and_says_why(cli, project):
    path = project / "locales/es/LC_MESSAGES/demo.po"
    catalog = read_catalog(path)
    catalog.messages[0].msgstr = ""
    path.write_bytes(dump_catalog(catalog))
    result = cli("build", env=EPOCH)  # skipping by policy is not a failure: exit 0
    assert states(result) == {"en": "final", "es": "skipped", "ar": "draft"}
    assert "built 2 of 3 units" in result.stdout
    assert "1 final, 1 draft, 1 skipped, 0 failed" in result.stdout
    assert "skipped, not published: es (demo): 1 untranslated; translate them, or use " \
           "--allow-incomplete" in result.stdout
    again = cli("build", env=EPOCH)  # still skipped, still said, though nothing was rebuilt
    assert "built 0 of 3 units" in again.stdout and "(3 unchanged)" in again.stdout
    assert "1 skipped" in again.stdout and "skipped, not published: es (demo)" in again.stdout


def test_jobs_governs_the_catalog_pool_and_the_render_pool(project, monkeypatch):
    from pipeline import build as build_stage
    from pipeline import workers

    asked = []
    real = workers.run

    def spy(function, argument_lists, jobs, *args, **kwargs):
        asked.append(jobs)
        return real(function, argument_lists, jobs, *args, **kwargs)

    monkeypatch.setattr(workers, "run", spy)
    build_stage.build(load_config(project), options=build_stage.BuildOptions(jobs=1))
    assert asked == [1, 1]  # update's merges, then the renders
