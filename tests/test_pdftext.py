"""Issue #17.5: leaflet PDFs are tagged, titled, in their language, and give their text back.

The shipped campaign's leaflets are rendered once; for each language the catalog texts render
hands to write_pdf are kept, and pdftotext's reading of the PDF is measured against them
(pipeline/render/textlayer.py), next to WeasyPrint's own PDF of the same HTML (what handbill
wrote before).
"""

from __future__ import annotations

import logging
import re
import shutil
import subprocess
import zlib
from pathlib import Path

import pytest
import weasyprint
from PIL import Image, ImageChops

from pipeline.config import load_config
from pipeline.render import RenderOptions, pdftext, render_language
from pipeline.render import leaflet as leaflet_mod
from pipeline.render.textlayer import measure, words
from pipeline.sources import read_campaign

REPO = Path(__file__).resolve().parent.parent
LANGUAGES = ("en", "es", "pt_BR", "fr", "ar", "hi", "sw")


@pytest.fixture(scope="module")
def shipped_leaflets(tmp_path_factory):
    """{lang: (leaflet.pdf path, catalog texts, WeasyPrint-alone PDF path, title)}."""
    root = tmp_path_factory.mktemp("pdftext") / "shipped"
    root.mkdir()
    shutil.copy(REPO / "handbill.toml", root / "handbill.toml")
    shutil.copytree(REPO / "source", root / "source")
    shutil.copytree(REPO / "locales", root / "locales")
    cfg = load_config(root)
    campaign = read_campaign(root, "free-assange")
    recorded: dict[str, list[str]] = {}
    write_pdf = leaflet_mod.write_pdf

    def recording(html, lang, texts, what="leaflet", **options):
        recorded[lang] = list(texts.texts)
        return write_pdf(html, lang, texts, what, **options)

    out = {}
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(leaflet_mod, "write_pdf", recording)
        for lang in LANGUAGES:
            result = render_language(cfg, campaign, lang, RenderOptions(outputs=("leaflet",)))
            assert result.state in ("final", "draft"), result.why
            folder = cfg.output_dir / lang / campaign.name
            before = folder / "weasyprint-alone.pdf"
            before.write_bytes(weasyprint.HTML(
                string=(folder / "leaflet.html").read_text()).write_pdf(
                    font_config=leaflet_mod.font_config()))
            out[lang] = (folder / "leaflet.pdf", recorded[lang], before, result.title)
    return out


def pdftotext(path: Path) -> str:
    return subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True,
                          text=True, check=True).stdout


def catalog(path: Path) -> str:
    """The document catalog's dictionary, from the file or its (Flate) object streams."""
    data = path.read_bytes()
    chunks = [data]
    for match in re.finditer(rb"/ObjStm.*?stream\r?\n", data, re.S):
        end = data.find(b"endstream", match.end())
        chunks.append(zlib.decompress(data[match.end():end]))
    for chunk in chunks:
        start = chunk.find(b"/Type /Catalog")
        if start != -1:
            start = chunk.rfind(b"<<", 0, start)
            depth, i = 0, start
            while i < len(chunk):
                if chunk.startswith(b"<<", i):
                    depth, i = depth + 1, i + 2
                elif chunk.startswith(b">>", i):
                    depth, i = depth - 1, i + 2
                    if depth == 0:
                        return chunk[start:i].decode("latin-1")
                else:
                    i += 1
    raise AssertionError(f"{path}: no document catalog found")


def pdf_string(value: str) -> str:
    """A PDF string token, (literal) or <FEFF hex>, as text."""
    if value.startswith("<"):
        return bytes.fromhex(value[1:-1]).decode("utf-16")
    return value[1:-1]


@pytest.mark.parametrize("lang", ["hi", "ar"])
def test_hindi_and_arabic_text_layers_give_back_95_percent_of_the_words(shipped_leaflets, lang):
    pdf, texts, before, _ = shipped_leaflets[lang]
    layer = measure(texts, pdftotext(pdf))
    assert layer.total > 300
    assert layer.ratio >= 0.95, (layer.intact, layer.total, layer.missing)
    assert layer.ratio > measure(texts, pdftotext(before)).ratio  # WeasyPrint alone: 83%, 93%


@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_language_reads_back_worse_than_weasyprint_alone(shipped_leaflets, lang):
    pdf, texts, before, _ = shipped_leaflets[lang]
    after, plain = measure(texts, pdftotext(pdf)), measure(texts, pdftotext(before))
    assert after.ratio >= plain.ratio, (after.missing, plain.missing)
    assert after.ratio >= 0.99 or lang == "ar", after.missing


def test_devanagari_matras_and_conjuncts_are_copied_as_written(shipped_leaflets):
    text = pdftotext(shipped_leaflets["hi"][0])
    for word in ("किया", "अमेरिका", "क्योंकि", "देशों", "ब्रिटेन", "प्रत्यर्पण", "कुल"):
        assert word in words(text), word
    assert "कया" not in words(text)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_leaflet_pdf_is_tagged_with_language_and_title(shipped_leaflets, lang):
    pdf, _, _, title = shipped_leaflets[lang]
    root = catalog(pdf)
    assert re.search(r"/StructTreeRoot \d+ 0 R", root)
    assert re.search(r"/MarkInfo <</Marked true>>", root)
    assert re.search(r"/DisplayDocTitle true", root)
    language = re.search(r"/Lang (\([^)]*\)|<[0-9A-Fa-f]+>)", root)
    assert language and pdf_string(language.group(1)) == lang.replace("_", "-")
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True,
                          check=True).stdout
    assert re.search(r"^Tagged:\s+yes$", info, re.M)
    assert re.search(rf"^Title:\s+{re.escape(title)}$", info, re.M)
    assert title and title != "Julian Assange must be free!" or lang == "en"
    xmp = subprocess.run(["pdfinfo", "-meta", str(pdf)], capture_output=True, text=True,
                         check=True).stdout
    assert f'<rdf:li xml:lang="x-default">{title}</rdf:li>' in xmp
    assert "pdfuaid" not in xmp  # no conformance claim that nothing validated


# ------------------------------------------------------------------------- small documents


def render(body: str, lang: str, direction: str = "ltr", patched: bool = True) -> bytes:
    html = (f'<html lang="{lang}" dir="{direction}"><head><title>t</title><style>'
            "@page { size: A6; margin: 8mm } body { font: 11pt 'Noto Sans', 'Noto Sans Bengali',"
            " 'Noto Sans Tamil', 'Noto Sans CJK SC', 'Noto Naskh Arabic', sans-serif }"
            f"</style></head><body>{body}</body></html>")
    document = weasyprint.HTML(string=html)
    if patched:
        with pdftext.actual_text():
            return document.write_pdf(font_config=leaflet_mod.font_config(),
                                      uncompressed_pdf=True)
    return document.write_pdf(font_config=leaflet_mod.font_config(), uncompressed_pdf=True)


def read_back(tmp_path: Path, pdf: bytes) -> str:
    path = tmp_path / "doc.pdf"
    path.write_bytes(pdf)
    return pdftotext(path)


@pytest.mark.parametrize("lang, text", [
    # Bengali: pre-base and two-part vowel signs (কি, কো), a reph and conjuncts.
    ("bn", "আন্তর্জাতিক জনগণের সমাবেশ কোনো প্রত্যর্পণ নয়, সাংবাদিকতা অপরাধ নয়। "
           "জুলিয়ান অ্যাসাঞ্জকে এখনই মুক্তি দিতে হবে এবং সত্যের পক্ষে দাঁড়াতে হবে।"),
    # Tamil: two-part vowel signs (கொ, போ) drawn on both sides of the consonant.
    ("ta", "சர்வதேச மக்கள் பேரவை ஜூலியன் அசாஞ்சை உடனடியாக விடுதலை செய்யக் "
           "கோருகிறது. பத்திரிகை சுதந்திரம் குற்றமல்ல, போராட்டம் தொடரும்."),
])
def test_other_indic_scripts_read_back(tmp_path, lang, text):
    layer = measure([text], read_back(tmp_path, render(f"<p>{text}</p>", lang)))
    assert layer.ratio >= 0.95, layer.missing
    plain = measure([text], read_back(tmp_path, render(f"<p>{text}</p>", lang, patched=False)))
    assert layer.ratio >= plain.ratio


def test_latin_ligatures_and_cjk_are_left_as_weasyprint_writes_them(tmp_path):
    body = ("<p>The office staff fill in fifty official flyers.</p>"
            "<p lang='zh'>释放阿桑奇，新闻自由不是犯罪。</p>")
    pdf = render(body, "en")
    text = read_back(tmp_path, pdf)
    assert "office staff fill in fifty official flyers" in text
    assert "释放阿桑奇，新闻自由不是犯罪。" in text
    assert b"ActualText" not in pdf  # one glyph per character (or an fi ligature): no spans


def test_the_page_looks_the_same(tmp_path):
    body = ("<p lang='hi'>किया अमेरिका क्योंकि देशों कुल ट्रेड प्रत्यर्पण क़ैद</p>"
            "<p lang='ar' dir='rtl'>يجب أن يكون حرًّا! يتعرّض نُقل لا الآن تُقدَّر</p>")
    images = []
    for patched in (False, True):
        path = tmp_path / f"{patched}.pdf"
        path.write_bytes(render(body, "hi", patched=patched))
        subprocess.run(["pdftoppm", "-r", "150", "-png", "-singlefile", str(path),
                        str(tmp_path / str(patched))], check=True)
        images.append(Image.open(tmp_path / f"{patched}.png").convert("L"))
    assert b"ActualText" in (tmp_path / "True.pdf").read_bytes()
    difference = ImageChops.difference(*images)
    # Glyphs drawn in another order may round one anti-aliased edge pixel differently.
    assert max(difference.getextrema()) <= 2
    histogram = difference.histogram()
    assert sum(histogram) - histogram[0] < 20


def test_weasyprint_is_the_version_the_line_drawer_was_written_for():
    # If this fails, WeasyPrint changed: pipeline/render/pdftext.py replaces its
    # draw_first_line with a copy. Port the change, then update the pin.
    assert weasyprint.__version__ == pdftext.PINNED_VERSION
    assert pdftext.source_digest() == pdftext.PINNED_SOURCE_SHA256
    assert pdftext.install()


def test_another_weasyprint_is_left_alone_and_still_renders(tmp_path, monkeypatch, caplog):
    from weasyprint.draw import text as wp_text

    pdftext.install()
    weasyprints_own = pdftext._original
    monkeypatch.setattr(wp_text, "draw_first_line", weasyprints_own)
    monkeypatch.setattr(pdftext, "_original", None)
    monkeypatch.setattr(pdftext, "_refused", False)
    monkeypatch.setattr(pdftext, "PINNED_SOURCE_SHA256", "0" * 64)
    with caplog.at_level(logging.WARNING, logger="pipeline.render.pdftext"):
        assert not pdftext.install()
        pdf = render("<p>नमस्ते दुनिया</p>", "hi")
    assert wp_text.draw_first_line is weasyprints_own
    assert caplog.text.count("keep WeasyPrint's own text layer") == 1
    assert b"ActualText" not in pdf
    assert "नमस्ते" in read_back(tmp_path, pdf) or "दुनिया" in read_back(tmp_path, pdf)


def test_weasyprint_outside_handbill_is_untouched(tmp_path):
    pdftext.install()
    assert b"ActualText" not in render("<p lang='hi'>किया</p>", "hi", patched=False)
    assert b"ActualText" in render("<p lang='hi'>किया</p>", "hi")
