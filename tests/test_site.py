"""The download page (#17.6): the campaign's own title, a leaflet preview per language made at
build time (a recorded, reproducible output of the unit), full-width cards, and links and
sizes isolated from right-to-left text. tests/test_browser.py looks at it in Chromium."""

from __future__ import annotations

import json
import re
import shutil

from PIL import Image

from pipeline.site import isolate
from test_build import EPOCH, fill


def build(cli, demo):
    cli("update")
    fill(demo, "es", "ES")
    fill(demo, "ar", "مرحبا", fuzzy=True)
    cli("build", "--jobs", "1", env=EPOCH)
    return demo / "output"


def test_a_leaflet_preview_per_language_is_a_recorded_reproducible_output(cli, demo, tmp_path):
    out = build(cli, demo)
    previews = {}
    for lang in ("en", "es", "ar"):
        unit = out / lang / "demo"
        record = json.loads((unit / "render.json").read_text())
        assert "leaflet.png" in record["files"], lang
        with Image.open(unit / "leaflet.png") as image:
            assert image.format == "PNG" and image.width == 320
            assert 1.35 < image.height / image.width < 1.48  # A5's page 1
            # Page 1 itself: the masthead's colour at the top, white paper lower down.
            rgb = image.convert("RGB")
            assert rgb.getpixel((160, 60)) != (255, 255, 255)
        previews[lang] = (unit / "leaflet.png").read_bytes()
        page = (out / lang / "index.html").read_text()
        assert '<img src="demo/leaflet.png"' in page and 'width="320"' in page
        assert f'href="{lang}/demo/leaflet.pdf"' in (out / "index.html").read_text()
    assert len(set(previews.values())) == 3  # each language its own
    # Built again elsewhere from the same sources, the bytes are the same (shards merge them).
    other = tmp_path / "again"
    shutil.copytree(demo, other, ignore=shutil.ignore_patterns("output", ".handbill"))
    from conftest import Cli

    Cli(other)("build", "--jobs", "1", env=EPOCH)
    for lang, data in previews.items():
        assert (other / "output" / lang / "demo" / "leaflet.png").read_bytes() == data, lang
    # The packs stay as they were: the preview is the page's, not the pack's.
    import zipfile

    names = zipfile.ZipFile(out / "packs" / "demo-es.zip").namelist()
    assert not any(name.endswith("leaflet.png") for name in names)


def test_the_page_carries_the_campaigns_own_title(cli, demo):
    out = build(cli, demo)
    index = (out / "index.html").read_text()
    assert "<title>Free them all</title>" in index
    assert re.search(r"<h1>Free them all</h1>", index)
    spanish = (out / "es" / "index.html").read_text()
    assert re.search(r'<h1 id="page-title">ES Free them all</h1>', spanish)
    assert "<title>ES Free them all — Español</title>" in spanish


def test_links_and_sizes_are_isolated_left_to_right(cli, demo):
    out = build(cli, demo)
    arabic = (out / "ar" / "index.html").read_text()
    # The pack's size is its own isolate beside an LTR "ZIP", not one LTR run holding an
    # Arabic unit (which read "(.zip, 3 كيلوبايت)" backwards). "ZIP", not ".zip": Chromium drew
    # the isolated ".zip" as "zip." on the Arabic page (seen in a screenshot at 390 px).
    assert re.search(r'\(<bdi dir="ltr">ZIP</bdi>, <bdi class="nowrap">[^<]*كيلوبايت</bdi>\)',
                     arabic)
    assert '<bdi dir="ltr">1080 × 1080</bdi>' in arabic
    link = isolate("انضموا https://ipa-aip.org/ #FreeAssange")
    assert '<bdi dir="ltr" class="link">https://ipa-aip.org/</bdi>' in link
    assert '<bdi dir="ltr">#FreeAssange</bdi>' in link
    long = "https://example.org/" + "a" * 60
    assert f'<bdi dir="ltr">{long}</bdi>' in isolate(f"x {long}")  # may wrap on a phone
