"""The build plan (pipeline/plan.py): the one language rule, every path, unit states, a fixed
order, and the commands that follow it (init -> draft, status, pack)."""

from __future__ import annotations

import json
import random
import shutil
from pathlib import Path

import pytest

from conftest import DEMO_CAMPAIGN, Cli, write_demo
from pipeline import catalogs, plan as planmod
from pipeline.config import load_config
from pipeline.errors import HandbillError
from pipeline.plan import make_plan, served_languages, unused_catalogs, whole
from pipeline.records import BuildStamp, CatalogCounts, RenderRecord, unit_state
from pipeline.sources import read_campaign


def with_languages(root: Path, campaign: str, listed: str | None, source: str = "en") -> None:
    """Give a campaign of the project its own `languages:` line (None: none)."""
    folder = root / "source" / campaign
    if not folder.exists():
        shutil.copytree(root / "source" / "demo", folder)
    text = DEMO_CAMPAIGN["campaign.yml"].replace("source_language: en",
                                                 f"source_language: {source}")
    if listed is not None:
        text = text.replace(f"source_language: {source}\n",
                            f"source_language: {source}\n# who reads it\nlanguages: {listed}\n")
    (folder / "campaign.yml").write_text(text)


@pytest.fixture
def two(tmp_path):
    """Project languages es, ar; campaign `demo` serves them, `other` lists [fr, ar, it]."""
    root = write_demo(tmp_path / "p", languages=("es", "ar"))
    with_languages(root, "other", "[fr, ar, it]")
    cfg = load_config(root)
    return cfg, [read_campaign(root, "demo"), read_campaign(root, "other")]


# ---------------------------------------------------------------------------- the language rule


def test_a_campaign_serves_its_source_and_its_list_or_the_project_list(two):
    cfg, (demo, other) = two
    assert served_languages(cfg, demo) == ("en", "es", "ar")
    # Its own list wins; project order first, then the list's own order for the rest.
    assert served_languages(cfg, other) == ("en", "ar", "fr", "it")
    plan = make_plan(cfg, [demo, other])
    assert [u.key for u in plan.units] == [
        "demo/en", "demo/es", "demo/ar", "other/en", "other/ar", "other/fr", "other/it"]
    assert plan.languages == ("en", "es", "ar", "fr", "it")
    # The ui domain serves every language any campaign serves, except English (the templates').
    assert plan.ui_languages == ("es", "ar", "fr", "it")
    assert [(r.domain, r.lang) for r in plan.catalogs][-4:] == [
        ("ui", "es"), ("ui", "ar"), ("ui", "fr"), ("ui", "it")]


def test_the_source_language_is_served_even_when_listed_or_not(tmp_path):
    root = write_demo(tmp_path / "p", languages=("es", "fr"))
    with_languages(root, "demo", "[fr, es, fr]", source="es")  # lists its own source, twice
    cfg = load_config(root)
    assert served_languages(cfg, read_campaign(root, "demo")) == ("es", "fr")


def test_requested_languages_and_campaigns(two):
    cfg, campaigns = two
    plan = make_plan(cfg, campaigns, ["it", "en"])
    assert [u.key for u in plan.units] == ["demo/en", "other/en", "other/it"]
    assert [u.is_source for u in plan.units] == [True, True, False]
    only = make_plan(cfg, campaigns, ["ar"], selected=["other"])
    assert [u.key for u in only.units] == ["other/ar"] and only.ui_languages == ()
    assert whole(only).languages == ("en", "ar", "fr", "it")  # the page lists them all


@pytest.mark.parametrize("langs, selected, expected", [
    (["de"], [], "language de is not served by any campaign; run `handbill init de`"),
    (["it"], ["demo"], "language it is not served by campaign demo; run `handbill init it`"),
    (["zz"], [], "unknown language 'zz'"),
    ([], ["nope"], "no campaign 'nope'"),
])
def test_what_no_campaign_serves_is_a_one_line_error(two, langs, selected, expected):
    cfg, campaigns = two
    with pytest.raises(HandbillError) as info:
        make_plan(cfg, campaigns, langs, selected)
    assert expected in str(info.value) and "\n" not in str(info.value)


# ---------------------------------------------------------------------------- where files live


def test_every_path_of_a_unit(two):
    cfg, campaigns = two
    plan = make_plan(cfg, campaigns)
    root, out = cfg.root, cfg.root / "output"
    unit = plan.unit("other", "fr")
    assert unit.source_dir == root / "source/other"
    assert unit.pot == root / "locales/other.pot"
    assert unit.po == root / "locales/fr/LC_MESSAGES/other.po"
    assert unit.ui_po == root / "locales/fr/LC_MESSAGES/ui.po"
    assert unit.out_dir == out / "fr/other"
    assert unit.pack == out / "packs/other-fr.zip"
    assert unit.stamp == out / "fr/other/.build-stamp.json"
    assert unit.record == out / "fr/other/render.json"
    assert plan.unit("other", "en").po is None  # the source language has no catalog
    assert planmod.site_page(cfg) == out / "index.html"
    assert planmod.site_page(cfg, "fr") == out / "fr/index.html"
    assert planmod.output_href(cfg, unit.pack) == "packs/other-fr.zip"
    # The catalog stage asks the plan where catalogs live.
    assert catalogs.po_path(cfg, "fr", "other") == unit.po
    assert catalogs.pot_path(cfg, "other") == unit.pot


def test_an_output_folder_elsewhere_moves_every_output_path(tmp_path):
    root = write_demo(tmp_path / "p", languages=("es",))
    (root / "handbill.toml").write_text('[project]\nlanguages = ["es"]\noutput = "public"\n')
    cfg = load_config(root)
    unit = make_plan(cfg, [read_campaign(root, "demo")]).unit("demo", "es")
    assert unit.pack == root / "public/packs/demo-es.zip"
    assert unit.record.parent == unit.stamp.parent == root / "public/es/demo"


# ---------------------------------------------------------------------------- order and cost


def test_the_plan_is_the_same_whatever_the_order_of_files_on_disk(tmp_path):
    names = ["zeta", "alpha", "mid", "beta"]
    plans = []
    for attempt in range(3):
        root = tmp_path / f"p{attempt}"
        write_demo(root, languages=("es", "ja", "ar"), campaign="seed")
        order = names[:]
        random.Random(attempt).shuffle(order)
        for name in order:  # created in another order each time
            shutil.copytree(root / "source/seed", root / "source" / name)
        shutil.rmtree(root / "source/seed")
        from pipeline.project import load_plan

        cfg = load_config(root)
        plan = load_plan(cfg).plan
        shuffled = list(plan.campaigns)
        random.Random(attempt).shuffle(shuffled)
        again = make_plan(cfg, shuffled)
        assert again.units == plan.units
        plans.append([(u.key, u.cost) for u in plan.units])
    assert plans[0] == plans[1] == plans[2]
    assert [key for key, _ in plans[0]][:4] == ["alpha/en", "alpha/es", "alpha/ja", "alpha/ar"]


def test_handbill_toml_can_fix_the_campaign_order(tmp_path):
    root = write_demo(tmp_path / "p", languages=("es",), campaign="b")
    shutil.copytree(root / "source/b", root / "source/a")
    (root / "handbill.toml").write_text('[project]\nlanguages = ["es"]\ncampaigns = ["b", "a"]\n')
    cfg = load_config(root)
    plan = make_plan(cfg, [read_campaign(root, "a"), read_campaign(root, "b")])
    assert [c.name for c in plan.campaigns] == ["b", "a"]


def test_cost_counts_messages_cards_and_slow_scripts(two):
    cfg, (demo, _) = two
    latin = planmod.estimate_cost(demo, "es")
    assert (latin.messages, latin.cards, latin.script) == (11, 1, "Latn")
    assert not latin.slow_script
    arabic, japanese = planmod.estimate_cost(demo, "ar"), planmod.estimate_cost(demo, "ja")
    assert arabic.slow_script and japanese.script == "Jpan"
    assert latin.weight < arabic.weight < japanese.weight
    assert isinstance(latin.weight, int)  # sums over shards are exact


# ---------------------------------------------------------------------------- unit states


def test_unit_states_come_from_the_records(two):
    cfg, campaigns = two
    unit = make_plan(cfg, campaigns).unit("demo", "es")
    assert unit_state(unit).state == "missing"
    RenderRecord("demo", "es", "skipped", "3 untranslated", catalog=CatalogCounts(3, 0, 0, 0, 3)
                 ).write(unit.record)
    state = unit_state(unit)
    assert (state.state, state.why, state.pack) == ("skipped", "3 untranslated", None)
    assert RenderRecord.read(unit.record).catalog.manifest()["percent_reviewed"] == 0.0
    BuildStamp("demo", "es", "f" * 64, "final", 9, ("fully reviewed",),
               "packs/demo-es.zip").write(unit.stamp)
    assert unit_state(unit).state == "final" and unit_state(unit).pack is None  # no zip yet
    unit.pack.parent.mkdir(parents=True)
    unit.pack.write_bytes(b"PK")
    assert unit_state(unit).pack == unit.pack
    unit.stamp.write_text("{not json")
    assert BuildStamp.read(unit.stamp) is None and unit_state(unit).state == "skipped"


# ---------------------------------------------------------------------------- the commands


def test_init_then_draft_drafts_a_campaign_with_its_own_list(tmp_path):
    from test_drafting_server import FakeTranslateServer

    root = write_demo(tmp_path / "p", languages=("es",))
    with_languages(root, "demo", "[es]")
    with FakeTranslateServer() as server:
        (root / "handbill.toml").write_text(
            '[project]\nlanguages = ["es"]\n[draft]\nengine = "libre"\nretries = 1\n\n'
            f'[draft.engines.libre]\nurl = "{server.url}"\n')
        cli = Cli(root)
        result = cli("init", "de")
        assert "added de to [project] languages in handbill.toml" in result.stdout
        assert "added de to `languages:` in source/demo/campaign.yml" in result.stdout
        assert "created locales/de/LC_MESSAGES/demo.po" in result.stdout
        assert "# who reads it\nlanguages: [es, de]\n" in (root / "source/demo/campaign.yml"
                                                            ).read_text()
        drafted = cli("draft", "--lang", "de", "--campaign", "demo")
        assert "locales/de/LC_MESSAGES/demo.po (libre): 11 drafted" in drafted.stdout
        status = cli("status", "--lang", "de", "--campaign", "demo")
        assert "demo      de" in status.stdout


def test_init_for_one_campaign_lists_it_there_only(tmp_path):
    root = write_demo(tmp_path / "p", languages=("es",))
    with_languages(root, "other", None)
    toml = (root / "handbill.toml").read_text()
    cli = Cli(root)
    result = cli("init", "fr", "--campaign", "other")
    assert "added fr to `languages:` in source/other/campaign.yml" in result.stdout
    assert (root / "handbill.toml").read_text() == toml
    assert "languages: [es, fr]\n" in (root / "source/other/campaign.yml").read_text()
    assert (root / "locales/fr/LC_MESSAGES/other.po").is_file()
    assert (root / "locales/fr/LC_MESSAGES/ui.po").is_file()
    assert not (root / "locales/fr/LC_MESSAGES/demo.po").exists()
    cfg = load_config(root)
    plan = make_plan(cfg, [read_campaign(root, "demo"), read_campaign(root, "other")])
    assert plan.languages_of("other") == ("en", "es", "fr") and plan.languages_of("demo") == (
        "en", "es")


def test_status_names_a_catalog_no_campaign_serves(cli, demo):
    cli("update")
    stray = demo / "locales/it/LC_MESSAGES/demo.po"
    stray.parent.mkdir(parents=True)
    shutil.copy(demo / "locales/es/LC_MESSAGES/demo.po", stray)
    result = cli("status")
    assert "not used: locales/it/LC_MESSAGES/demo.po: campaign demo does not serve it" \
        in result.stdout
    rows = json.loads(cli("status", "--json").stdout)
    assert [r for r in rows if r.get("used") is False][0]["language"] == "it"
    cfg = load_config(demo)
    assert [u.lang for u in unused_catalogs(make_plan(cfg, [read_campaign(demo, "demo")]))] \
        == ["it"]


def test_the_source_language_works_with_status_and_pack(cli, demo):
    cli("update")
    status = cli("status", "--lang", "en")
    assert "en is the source language of demo" in status.stdout
    cli("render", "--lang", "en")
    packed = cli("pack", "--lang", "en")
    assert "output/packs/demo-en.zip" in packed.stdout
    assert (demo / "output/index.html").is_file()
