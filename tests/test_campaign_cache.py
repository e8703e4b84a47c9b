"""The cache of campaign readings (pipeline/sources/cache.py): a reading is reused only while
every file it came from is the same, it lives outside the project, and nothing in it is trusted
that handbill did not write itself."""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path

import pytest

from pipeline import errors
from pipeline.errors import SourceError
from pipeline.sources import cache, reading
from pipeline.sources import read_campaign


def _entries(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.json")) if folder.is_dir() else []


@pytest.fixture
def counted(monkeypatch):
    """How many times the sources were really read (not taken from the cache)."""
    calls = []
    real = reading.read_sources

    def counting(root, name):
        calls.append(name)
        return real(root, name)

    monkeypatch.setattr(reading, "read_sources", counting)
    return calls


def _same(a, b) -> None:
    assert a == b
    assert a.messages == b.messages  # not part of Campaign's ==
    assert a.root == b.root


def test_a_second_reading_comes_from_the_cache_and_equals_the_first(demo, counted,
                                                                     campaign_cache):
    first = read_campaign(demo, "demo")
    second = read_campaign(demo, "demo")
    assert counted == ["demo"]
    _same(first, second)
    assert first.messages and isinstance(second.messages, tuple)
    assert isinstance(second.messages[0].origins, tuple)
    assert hash(second.event) == hash(first.event)  # tuples, not lists: still hashable
    assert len(_entries(campaign_cache)) == 1


def test_the_shipped_campaign_round_trips_whole(shipped, counted):
    """Brand images (bytes), dates, overrides, glossary: every kind of field survives."""
    first = read_campaign(shipped, "free-assange")
    second = read_campaign(shipped, "free-assange")
    assert counted == ["free-assange"]
    _same(first, second)
    assert second.brand == first.brand and second.brand.logo is not None
    assert second.brand.logo.data == first.brand.logo.data  # not part of ==


@pytest.mark.parametrize("change", ["leaflet", "campaign", "new file", "glossary", "image"])
def test_any_change_to_what_was_read_is_read_again(demo, counted, change):
    folder = demo / "source" / "demo"
    read_campaign(demo, "demo")
    if change == "leaflet":
        with open(folder / "leaflet.md", "a") as handle:
            handle.write("\nA new paragraph.\n")
    elif change == "campaign":
        text = (folder / "campaign.yml").read_text()
        (folder / "campaign.yml").write_text(text.replace("Free them all", "Free them now"))
    elif change == "new file":
        (folder / "cards.yml").write_text("cards:\n  - id: two\n    text: Another card\n")
    elif change == "glossary":
        (demo / "glossary.csv").write_text("term,es\nembassy,embajada\n")
    else:
        (folder / "photo.png").write_bytes(b"\x89PNG not really")
    try:
        after = read_campaign(demo, "demo")
    except SourceError:  # cards in two files: an error, which is the point (read again)
        after = None
    assert counted == ["demo", "demo"]
    if change == "leaflet":
        assert any(m.msgid == "A new paragraph." for m in after.messages)
    if change == "campaign":
        assert after.title == "Free them now"
    if change == "glossary":
        assert any(term.text == "embassy" for term in after.glossary)


def test_a_link_planted_after_caching_is_refused_not_masked(demo, tmp_path):
    read_campaign(demo, "demo")
    leaflet = demo / "source" / "demo" / "leaflet.md"
    outside = tmp_path / "outside.md"
    outside.write_text(leaflet.read_text())  # the same bytes, through a link out
    leaflet.unlink()
    leaflet.symlink_to(outside)
    with pytest.raises(SourceError, match="outside the project|symlink|link"):
        read_campaign(demo, "demo")


def test_warnings_are_shown_again_from_the_cache(demo, caplog, monkeypatch):
    leaflet = demo / "source" / "demo" / "leaflet.md"
    leaflet.write_text("---\nlayout: page\n---\n" + leaflet.read_text())
    read_campaign(demo, "demo")
    monkeypatch.setattr(errors, "_WARNED", set())  # as in the next process
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        read_campaign(demo, "demo")
    assert "front matter keys not used by handbill are ignored: layout" in caplog.text


def test_the_cache_is_outside_the_project_and_can_be_turned_off(demo, monkeypatch, counted,
                                                                 caplog):
    assert not str(cache.folder()).startswith(str(demo))
    monkeypatch.delenv(cache.ENV)
    monkeypatch.setenv("HOME", str(demo))  # a home that holds the project...
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/path")  # (not absolute: ignored)
    assert cache.folder() == demo / ".cache" / "handbill" / "campaigns"
    with caplog.at_level(logging.WARNING):  # ...or a cache folder set inside it: not used
        read_campaign(demo, "demo")
        read_campaign(demo, "demo")
    assert counted == ["demo", "demo"]
    assert not (demo / ".cache").exists()
    assert "lies inside the project" in caplog.text
    monkeypatch.chdir(demo.parent)
    monkeypatch.setenv(cache.ENV, "relative")
    assert cache.folder() == demo.parent / "relative" / "campaigns"
    monkeypatch.setenv(cache.ENV, "")
    assert cache.folder() is None
    read_campaign(demo, "demo")
    read_campaign(demo, "demo")
    assert counted == ["demo"] * 4


@pytest.mark.parametrize("damage", [
    b"not json", b"{}", b'{"key": "other"}',
    "foreign class", "extra field", "missing field", "deep",
])
def test_a_damaged_or_foreign_entry_is_a_miss_and_is_rewritten(demo, counted, campaign_cache,
                                                               damage):
    first = read_campaign(demo, "demo")
    (entry,) = _entries(campaign_cache)
    data = json.loads(entry.read_bytes())
    if damage == "foreign class":
        data["campaign"]["event"]["$"] = "Path"
    elif damage == "extra field":
        data["campaign"]["event"]["__class__"] = "x"
    elif damage == "missing field":
        del data["campaign"]["title"]
    if isinstance(damage, bytes):
        entry.write_bytes(damage)
    elif damage == "deep":
        entry.write_bytes(b'{"key": "' + data["key"].encode() + b'", "campaign": '
                          + b"[" * 100_000 + b"]" * 100_000 + b"}")
    else:
        entry.write_text(json.dumps(data))
    second = read_campaign(demo, "demo")
    assert counted == ["demo", "demo"]
    _same(first, second)
    assert read_campaign(demo, "demo") == first and counted == ["demo", "demo"]  # rewritten


def test_a_copy_of_the_project_shares_the_reading_with_its_own_folder(demo, tmp_path, counted):
    read_campaign(demo, "demo")
    copy = tmp_path / "copy"
    shutil.copytree(demo, copy)
    campaign = read_campaign(copy, "demo")
    assert counted == ["demo"]
    assert campaign.root == copy / "source" / "demo"


def test_at_most_max_entries_are_kept_least_recently_used_first(demo, monkeypatch,
                                                                campaign_cache):
    monkeypatch.setattr(cache, "MAX_ENTRIES", 2)
    campaign_cache.mkdir(parents=True)
    mine = [campaign_cache / "notes.json", campaign_cache / ("0" * 63 + ".json")]
    for path in mine:  # a user's files in a folder they chose: never deleted
        path.write_text("{}")
    leaflet = demo / "source" / "demo" / "leaflet.md"
    base = leaflet.read_text()
    for i in range(4):
        leaflet.write_text(base + f"\nParagraph {i}.\n")
        read_campaign(demo, "demo")
    assert len(_entries(campaign_cache)) == 2 + len(mine)
    assert all(path.exists() for path in mine)
    latest = cache.inputs_key(demo, "demo")
    assert (campaign_cache / f"{latest}.json").is_file()  # the newest reading is kept


def test_extract_output_is_the_same_from_the_cache(cli, demo, counted):
    cli("extract")
    pot = (demo / "locales" / "demo.pot").read_bytes()
    (demo / "locales" / "demo.pot").unlink()
    cli("extract")
    assert counted == ["demo"]
    assert (demo / "locales" / "demo.pot").read_bytes() == pot
