"""Shared helpers of the security tests: a demo project, a CLI runner, traceback checks."""

from __future__ import annotations

from pathlib import Path

from conftest import Cli, write_demo
from pipeline.catalogs.pofile import dump_catalog, read_catalog


def project(root: Path, languages=("es",), translated: bool = True) -> Path:
    """A demo project with its catalogs updated (and translated, reviewed, by default)."""
    write_demo(root, languages=languages)
    Cli(root)("update")
    if translated:
        for lang in languages:
            fill(root, lang)
    return root


def add_campaign(root: Path, name: str = "other", lang: str = "es") -> Path:
    """A second campaign `name` in `root`, its catalog updated and translated (reviewed)."""
    write_demo(root, languages=(lang,), campaign=name)
    Cli(root)("update")
    fill(root, lang, name)
    return root


def fill(root: Path, lang: str, campaign: str = "demo", prefix: str | None = None,
         fuzzy: bool = False) -> Path:
    """Translate every message of a campaign ("ES " + source), reviewed unless fuzzy."""
    path = root / "locales" / lang / "LC_MESSAGES" / f"{campaign}.po"
    catalog = read_catalog(path)
    for entry in catalog.messages:
        entry.msgstr = (entry.msgid if entry.msgctxt and entry.msgctxt.startswith("card:")
                        else f"{prefix or lang.upper()} {entry.msgid}")
        entry.fuzzy = fuzzy
    path.write_bytes(dump_catalog(catalog))
    return path


def no_traceback(result) -> None:
    text = result.stdout + result.stderr
    assert "Traceback" not in text, text


def one_error_line(result, *words: str) -> str:
    """The single `handbill: error:` line of a result, holding every word given."""
    lines = [line for line in result.stderr.splitlines() if line.startswith("handbill: error:")]
    assert lines, result.stdout + result.stderr
    hit = [line for line in lines if all(w in line for w in words)]
    assert hit, f"no error line with {words}:\n{result.stderr}"
    return hit[0]
