"""The brand kit in campaign.yml (#17.2): a logo on the leaflet and the cards, a photo with a
translated description, an installed font, the organisation's name per language (or a
protected term's spelling), and one-line errors for every bad field."""

from __future__ import annotations

import io
import os
import re
import subprocess

import pytest
from PIL import Image

from conftest import Cli, write_demo
from pipeline.catalogs.pofile import read_catalog
from test_render import SPANISH, make_demo, out, translate

GREEN = (0, 200, 80)


def png(colour=GREEN, size=(120, 60)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, "PNG")
    return buffer.getvalue()


def campaign_yml(root, extra: str) -> None:
    path = root / "source" / "demo" / "campaign.yml"
    path.write_text(path.read_text() + extra)


def line_of(root, text: str) -> int:
    lines = (root / "source" / "demo" / "campaign.yml").read_text().splitlines()
    return next(i for i, line in enumerate(lines, 1) if text in line)


# ---------------------------------------------------------------------------- errors


@pytest.mark.parametrize("extra,files,expected", [
    ("logo: missing.png\n", {}, "`logo: missing.png`: missing.png file not found"),
    ("logo: notes.png\n", {"notes.png": b"just text"}, "is not a PNG or SVG file"),
    ("logo: big.png\n", {"big.png": b"\x89PNG\r\n\x1a\n" + b"0" * 1_000_001},
     "more than the 1,000,000 handbill reads"),
    ("logo: bomb.svg\n", {"bomb.svg": b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aa">]>'
                                      b'<svg xmlns="http://www.w3.org/2000/svg"/>'},
     "has a DOCTYPE or entity declarations"),
    ("logo: bare.svg\n", {"bare.svg": b'<svg xmlns="http://www.w3.org/2000/svg"/>'},
     "has no viewBox"),
    ("photo: {file: march.png}\n", {"march.png": png()}, "`photo` needs `alt:`"),
    ("font: No Such Family\n", {}, "font 'No Such Family' is not installed for en"),
    ("organisation: {es: Org}\n", {}, "it needs the source language's: `en: ...`"),
])
def test_a_bad_brand_field_is_one_line_at_its_line(tmp_path, extra, files, expected):
    root = write_demo(tmp_path / "proj")
    if extra.startswith("organisation"):  # replaces the demo's own line
        path = root / "source" / "demo" / "campaign.yml"
        path.write_text(path.read_text().replace("organisation: Demo Org\n", ""))
    campaign_yml(root, extra)
    for name, data in files.items():
        (root / "source" / "demo" / name).write_bytes(data)
    result = Cli(root)("extract", expect=1)
    line = line_of(root, extra.split(":")[0] + ":")
    assert f"source/demo/campaign.yml:{line}: " in result.stderr
    assert expected in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    if "font" in extra:  # names what is installed for the language instead
        assert "installed families for it: " in result.stderr and "Noto Sans" in result.stderr


def test_a_logo_outside_the_campaign_is_refused(tmp_path):
    root = write_demo(tmp_path / "proj")
    secret = tmp_path / "secret.png"
    secret.write_bytes(png())
    os.symlink(secret, root / "source" / "demo" / "logo.png")
    campaign_yml(root, "logo: logo.png\n")
    result = Cli(root)("extract", expect=1)
    assert f"source/demo/campaign.yml:{line_of(root, 'logo:')}: `logo: logo.png`" in result.stderr
    assert "symlink" in result.stderr and len(result.stderr.strip().splitlines()) == 1


# ---------------------------------------------------------------------------- rendering


@pytest.fixture(scope="module")
def branded(tmp_path_factory):
    """The demo with a PNG logo, a photo, Noto Serif, the organisation in Spanish and a
    protected spelling of it in Arabic; es reviewed, ar machine drafts."""
    root = tmp_path_factory.mktemp("brand") / "proj"
    cli = make_demo(root, ("es", "ar"))  # ui catalogs copied, es reviewed, ar drafted
    folder = root / "source" / "demo"
    (folder / "logo.png").write_bytes(png())
    (folder / "march.png").write_bytes(png((40, 40, 200), (400, 200)))
    path = folder / "campaign.yml"
    text = path.read_text().replace("organisation: Demo Org\n",
                                    "organisation: {en: Demo Org, es: Organización Demo}\n")
    text = text.replace("protected_terms: [Demo Org, Julian Assange]",
                        "protected_terms: [{term: Demo Org, ar: منظمة العرض}, Julian Assange]")
    path.write_text(text + "logo: logo.png\nfont: Noto Serif\n"
                    "photo: {file: march.png, alt: People marching to the embassy, "
                    "credit: \"Photo: A. Person\"}\n")
    cli("extract")
    cli("update")
    alt = ("campaign:photo-alt", "People marching to the embassy")
    translate(root, "es", {alt: "Gente marchando hacia la embajada"})
    translate(root, "ar", {alt: "أناس يسيرون نحو السفارة"}, fuzzy=True)
    cli("render")
    return root


def test_the_photo_description_is_a_message_for_translators(branded):
    pot = read_catalog(branded / "locales" / "demo.pot")
    entry = next(e for e in pot.messages if e.msgctxt == "campaign:photo-alt")
    assert entry.msgid == "People marching to the embassy"
    assert any("alt text" in c for c in entry.extracted), entry.extracted  # a #. note
    html = (out(branded, "es") / "leaflet.html").read_text()
    assert 'alt="Gente marchando hacia la embajada"' in html
    assert "Photo: A. Person" in html


def test_the_logo_is_on_the_leaflet_and_the_cards(branded):
    for lang in ("en", "es", "ar"):
        html = (out(branded, lang) / "leaflet.html").read_text()
        assert re.search(r'<img class="logo" src="data:image/png;base64,[^"]+" alt="[^"]+">',
                         html)
        images = subprocess.run(["pdfimages", "-list", str(out(branded, lang) / "leaflet.pdf")],
                                capture_output=True, text=True, check=True).stdout
        sizes = {tuple(row.split()[3:5]) for row in images.splitlines()[2:]}
        assert ("120", "60") in sizes and ("400", "200") in sizes, images  # logo and photo
        with Image.open(out(branded, lang) / "cards" / "free-square.png") as card:
            rgb = card.convert("RGB")
            greens = sum(1 for x in range(0, 1080, 4) for y in range(0, 400, 4)
                         if rgb.getpixel((x, y)) == GREEN)
            assert greens > 100, lang  # the logo, drawn at the organisation's line


def test_the_organisation_is_written_as_each_language_writes_it(branded):
    def pdf_text(lang):
        return subprocess.run(["pdftotext", str(out(branded, lang) / "leaflet.pdf"), "-"],
                              capture_output=True, text=True, check=True).stdout

    spanish = (out(branded, "es") / "leaflet.html").read_text()
    assert "Organización Demo" in spanish and 'alt="Organización Demo"' in spanish
    assert "ORGANIZACIÓN DEMO" in pdf_text("es").upper()
    arabic = (out(branded, "ar") / "leaflet.html").read_text()
    assert "منظمة العرض" in arabic and ">Demo Org<" not in arabic  # the protected spelling
    assert "Demo Org" in (out(branded, "en") / "leaflet.html").read_text()


def test_the_campaign_font_is_used_where_it_covers_the_language(branded):
    def fonts(lang):
        return subprocess.run(["pdffonts", str(out(branded, lang) / "leaflet.pdf")],
                              capture_output=True, text=True, check=True).stdout

    assert "+Noto-Serif " in fonts("en") and "+Noto-Serif " in fonts("es")
    arabic = fonts("ar")  # Noto Serif has no Arabic: the Naskh stack stays
    assert "Naskh" in arabic and "Noto-Serif" not in arabic


def test_an_svg_logo_that_links_out_embeds_nothing_from_outside(tmp_path):
    """WeasyPrint asks its fetcher for an SVG's own <image> links (seen with a recording
    fetcher); ours refuse a file outside the campaign (leaflet) or anything not data: (cards),
    and WeasyPrint's SVG code then draws the logo without that image."""
    root = write_demo(tmp_path / "proj", ())
    outside = tmp_path / "private.png"
    outside.write_bytes(png())
    (root / "source" / "demo" / "logo.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
        f'viewBox="0 0 10 10"><image xlink:href="{outside.as_uri()}" width="10" '
        'height="10"/></svg>')
    campaign_yml(root, "logo: logo.svg\n")
    Cli(root)("render")
    images = subprocess.run(["pdfimages", "-list", str(out(root, "en") / "leaflet.pdf")],
                            capture_output=True, text=True, check=True).stdout
    assert images.splitlines()[2:] == [], images
    with Image.open(out(root, "en") / "cards" / "free-square.png") as card:
        rgb = card.convert("RGB")
        assert not any(rgb.getpixel((x, y)) == GREEN for x in range(0, 1080, 3)
                       for y in range(0, 300, 3))
