"""`handbill new` and `handbill init-project`: a new campaign in minutes, nothing overwritten."""

from __future__ import annotations

from click.testing import CliRunner

from conftest import Cli
from pipeline.cli import main
from pipeline.sources import read_campaign


def test_init_project_then_new_campaign_extracts(tmp_path):
    runner = CliRunner()
    result = runner.invoke(main, ["init-project", str(tmp_path / "movement")])
    assert result.exit_code == 0, result.output
    root = tmp_path / "movement"
    for name in ("handbill.toml", ".gitignore", ".github/workflows/handbill.yml"):
        assert (root / name).is_file()
    ci = (root / ".github/workflows/handbill.yml").read_text()
    for command in ("handbill update --check", "handbill check", "handbill build"):
        assert command in ci
    cli = Cli(root)
    cli("new", "climate-strike")
    campaign = read_campaign(root, "climate-strike")
    assert campaign.title == "Climate strike" and campaign.posts and campaign.cards
    cli("init", "es")
    assert (root / "locales/es/LC_MESSAGES/climate-strike.po").is_file()
    assert 'languages = ["es"]' in (root / "handbill.toml").read_text()


def test_nothing_is_overwritten(tmp_path):
    root = tmp_path / "movement"
    root.mkdir()
    (root / "handbill.toml").write_text("[project]\nlanguages = []\n# mine\n")
    result = CliRunner().invoke(main, ["init-project", str(root)])
    assert result.exit_code == 0 and "kept existing" in result.output
    assert "# mine" in (root / "handbill.toml").read_text()
    cli = Cli(root)
    cli("new", "one")
    (root / "source/one/leaflet.md").write_text("# Mine\n")
    result = cli("new", "one", expect=1)
    assert "already exists" in result.stderr
    assert (root / "source/one/leaflet.md").read_text() == "# Mine\n"


def test_campaign_names_are_slugs(tmp_path):
    CliRunner().invoke(main, ["init-project", str(tmp_path / "m")])
    cli = Cli(tmp_path / "m")
    for bad in ("Bad_Name", "../x", "a b", "ui", "x-"):
        result = cli("new", bad, expect=1)
        assert "not a valid campaign name" in result.stderr
    assert not (tmp_path / "x").exists()
