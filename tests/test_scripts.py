"""Scripts beyond the named ones (Armenian, Georgian, Khmer, Burmese, Sinhala, Telugu) find
their Noto family by the script's name and print without a missing glyph."""

from __future__ import annotations

import subprocess

import pytest

from conftest import Cli, write_demo
from pipeline.catalogs.pofile import dump_catalog, read_catalog

SAMPLES = {"hy": ("Ազատություն", "Armenian"), "ka": ("თავისუფლება", "Georgian"),
           "km": ("សេរីភាព", "Khmer"), "my": ("လွတ်လပ်ခွင့်", "Myanmar"),
           "si": ("නිදහස", "Sinhala"), "te": ("స్వేచ్ఛ", "Telugu")}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = write_demo(tmp_path_factory.mktemp("scripts"), languages=tuple(SAMPLES))
    cli = Cli(root)
    cli("update")
    for lang, (word, _) in SAMPLES.items():
        path = root / "locales" / lang / "LC_MESSAGES" / "demo.po"
        catalog = read_catalog(path)
        for entry in catalog.messages:
            entry.msgstr = f"{word} {entry.msgid}"
        path.write_bytes(dump_catalog(catalog))
    result = cli("render", "--only", "leaflet")
    return root, result


@pytest.mark.parametrize("lang", sorted(SAMPLES))
def test_script_renders_with_its_noto_family(built, lang):
    root, result = built
    assert f"demo {lang} (" in result.stdout and ": final" in result.stdout
    pdf = root / "output" / lang / "demo" / "leaflet.pdf"
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True).stdout
    assert f"Noto-Sans-{SAMPLES[lang][1]}" in fonts or f"Noto-Serif-{SAMPLES[lang][1]}" in fonts
