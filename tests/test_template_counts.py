"""Template message counts remembered outside the project (pipeline/catalogs/counts.py): what
`draft` checks a catalog against before its first request, without parsing the template."""

from __future__ import annotations

import json
import logging

import pytest

from conftest import Cli, write_demo
from pipeline import drafting, errors
from pipeline.catalogs import counts
from pipeline.catalogs.pofile import read_catalog
from pipeline.config import load_config


@pytest.fixture
def parsed(monkeypatch):
    """The templates `draft` had to parse to count their messages."""
    calls = []
    real = drafting.catalog_from_bytes

    def counting(raw, path):
        calls.append(path.name)
        return real(raw, path)

    monkeypatch.setattr(drafting, "catalog_from_bytes", counting)
    return calls


def _folder(campaign_cache):
    return campaign_cache.parent / counts.SUB


def _entry(root):
    """The remembered count of root's demo.pot."""
    return counts._where(root, (root / "locales" / "demo.pot").read_bytes())[0]


def test_extract_remembers_every_template_it_writes_with_the_count_a_parse_gives(
        shipped, campaign_cache, parsed):
    Cli(shipped)("extract")
    cfg = load_config(shipped)
    pots = sorted((shipped / "locales").glob("*.pot"))
    assert len(pots) >= 2  # the campaign and the templates' ui strings
    for pot in pots:
        assert drafting._template_size(cfg, pot.stem) == len(read_catalog(pot).messages)
    assert parsed == []  # every count came from what extract remembered
    assert len(list(_folder(campaign_cache).glob("*.json"))) == len(pots)


def test_extract_with_only_the_date_changed_remembers_the_template_on_disk(
        demo, campaign_cache, parsed, monkeypatch):
    cli = Cli(demo)
    cli("extract")
    for entry in _folder(campaign_cache).glob("*.json"):
        entry.unlink()
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1900000000")  # another creation date
    before = (demo / "locales" / "demo.pot").read_bytes()
    cli("extract")
    assert (demo / "locales" / "demo.pot").read_bytes() == before  # not rewritten...
    assert drafting._template_size(load_config(demo), "demo") == 11  # ...but remembered
    assert parsed == []


def test_a_changed_template_is_parsed_once_then_remembered(demo, campaign_cache, parsed):
    Cli(demo)("extract")
    pot = demo / "locales" / "demo.pot"
    text = pot.read_text()
    pot.write_text(text + '\nmsgid "One more"\nmsgstr ""\n')  # changed by hand, not by extract
    cfg = load_config(demo)
    assert drafting._template_size(cfg, "demo") == 12
    assert drafting._template_size(cfg, "demo") == 12
    assert parsed == ["demo.pot"]


@pytest.mark.parametrize("damage", [
    lambda data: b"not json",
    lambda data: json.dumps({**json.loads(data), "messages": 3.0}).encode(),
    lambda data: json.dumps({**json.loads(data), "messages": True}).encode(),
    lambda data: json.dumps({**json.loads(data), "messages": -1}).encode(),
    lambda data: json.dumps({**json.loads(data), "key": "0" * 64}).encode(),
    lambda data: json.dumps([1, 2]).encode(),
])
def test_a_damaged_or_foreign_entry_is_a_miss(demo, campaign_cache, parsed, damage):
    Cli(demo)("extract")
    entry = _entry(demo)
    entry.write_bytes(damage(entry.read_bytes()))
    assert drafting._template_size(load_config(demo), "demo") == 11
    assert parsed == ["demo.pot"]


def test_a_symlinked_entry_is_not_followed(demo, campaign_cache, parsed, tmp_path):
    Cli(demo)("extract")
    entry = _entry(demo)
    elsewhere = tmp_path / "elsewhere.json"
    elsewhere.write_bytes(entry.read_bytes().replace(b'"messages": 11', b'"messages": 2'))
    entry.unlink()
    entry.symlink_to(elsewhere)
    assert drafting._template_size(load_config(demo), "demo") == 11
    assert parsed == ["demo.pot"]


def test_no_count_is_taken_from_or_written_into_the_project(tmp_path, monkeypatch, caplog,
                                                            parsed):
    """A count planted beside the project's files could let `draft` write into a half-saved
    catalog: a cache folder set inside the project is not used, with a warning."""
    root = write_demo(tmp_path / "p")
    inside = root / ".handbill" / "cache-dir"
    monkeypatch.setenv("HANDBILL_CACHE_DIR", str(inside))
    with caplog.at_level(logging.WARNING):
        Cli(root)("extract")
    assert not (inside / counts.SUB).exists()
    with caplog.at_level(logging.WARNING):
        assert drafting._template_size(load_config(root), "demo") == 11
    assert parsed == ["demo.pot"]
    assert not (inside / counts.SUB).exists()
    assert f"not caching template sizes in {inside / counts.SUB}: it lies inside the " \
        "project" in caplog.text


def test_no_cache_at_all_still_counts(demo, monkeypatch, parsed):
    monkeypatch.setenv("HANDBILL_CACHE_DIR", "")
    Cli(demo)("extract")
    assert drafting._template_size(load_config(demo), "demo") == 11
    assert parsed == ["demo.pot"]


def test_a_remembered_count_still_refuses_a_catalog_cut_between_entries(demo, campaign_cache,
                                                                        monkeypatch):
    """The half-saved check works as before with the count from the cache."""
    from pipeline.drafting import catalogfile

    monkeypatch.setattr(catalogfile, "SETTLE_SECONDS", 0.3)
    monkeypatch.setattr(catalogfile, "STABLE_SECONDS", 0.1)
    Cli(demo)("update")
    po = demo / "locales" / "es" / "LC_MESSAGES" / "demo.po"
    whole = po.read_bytes()
    cut = whole[: whole.rindex(b"\n#")] + b"\n"
    po.write_bytes(cut)
    with pytest.raises(errors.CatalogError, match="of its template's 11 messages"):
        catalogfile.read_whole(po, drafting._template_size(load_config(demo), "demo"))


def test_eviction_keeps_at_most_the_cache_limit(demo, campaign_cache, monkeypatch):
    from pipeline.sources import cache

    monkeypatch.setattr(cache, "MAX_ENTRIES", 3)
    folder = _folder(campaign_cache)
    folder.mkdir(parents=True)
    mine = folder / "notes.txt"
    mine.write_text("a user's own file")
    for n in range(6):
        counts.remember(demo, [(f"template {n}".encode(), n)])
    assert len(list(folder.glob("*.json"))) == 3 and mine.exists()
    assert counts.remembered(demo, b"template 5") == 5
    assert counts.remembered(demo, b"template 0") is None
