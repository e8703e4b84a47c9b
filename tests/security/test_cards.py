"""13.11: card text that does not fit is an error naming the card and the language, found
fast; a post or slogan long enough to stall rendering fails fast."""

from __future__ import annotations

import time

import pytest

from conftest import Cli
from pipeline.catalogs.pofile import dump_catalog, read_catalog
from security.helpers import no_traceback, project


@pytest.fixture
def proj(tmp_path):
    return project(tmp_path / "proj")


def _translate(root, context: str, text: str) -> None:
    po = root / "locales/es/LC_MESSAGES/demo.po"
    catalog = read_catalog(po)
    entry = next(e for e in catalog.messages if e.msgctxt == context)
    entry.msgstr, entry.flags = text, sorted(set(entry.flags) | {"ignore-max-length",
                                                                   "ignore-post-length"})
    po.write_bytes(dump_catalog(catalog))


def test_a_source_slogan_that_does_not_fit_is_an_error(proj):
    posts = proj / "source/demo/posts.yml"
    slogan = " ".join(["Freedom"] * 1500)  # 11,999 characters
    posts.write_text(posts.read_text().replace("text: Free them all!", f"text: {slogan}"))
    started = time.monotonic()
    result = Cli(proj)("build", "--jobs", "1", expect=1)
    assert time.monotonic() - started < 60
    no_traceback(result)
    assert "card 'free'" in result.stderr and "does not fit" in result.stderr, result.stderr
    assert "en (demo)" in result.stderr


def test_a_translated_slogan_that_does_not_fit_fails_that_language_only(proj):
    _translate(proj, "card:free", " ".join(["Libertad"] * 120))  # 1,079: not "too long"
    result = Cli(proj)("build", "--jobs", "1", expect=1)
    no_traceback(result)
    errors = [line for line in result.stderr.splitlines() if "card 'free'" in line]
    assert errors and "es" in errors[0] and "does not fit" in errors[0], result.stderr
    assert (proj / "output/packs/demo-en.zip").is_file()


def test_a_long_word_that_does_not_fit_a_line_is_an_error(proj):
    _translate(proj, "card:free", "Libertad" * 40)
    result = Cli(proj)("build", "--jobs", "1", expect=1)
    assert "card 'free'" in result.stderr and "does not fit" in result.stderr, result.stderr


def test_a_slogan_that_fits_still_renders(proj):
    _translate(proj, "card:free", "¡Libertad para todas las personas presas por informar!")
    Cli(proj)("build", "--jobs", "1")
    assert (proj / "output/es/demo/cards/free-square.png").is_file()


@pytest.mark.parametrize("context,size", [("post:letter", 2_000_000),
                                          ("card:free", 2_000_000)])
def test_a_megabyte_translation_fails_fast(proj, context, size):
    _translate(proj, context, ("Libertad " * (size // 9 + 1))[:size])
    started = time.monotonic()
    result = Cli(proj)("build", "--jobs", "1", expect=None)
    elapsed = time.monotonic() - started
    no_traceback(result)
    assert elapsed < 30, elapsed
    check = Cli(proj)("check", "--lang", "es", expect=1)
    assert "[too-long]" in check.stdout, check.stdout[-2000:]
