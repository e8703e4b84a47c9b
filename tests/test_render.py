"""Rendering: leaflets (HTML + PDF), posts and share cards, per language and review state."""

from __future__ import annotations

import csv
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image

from conftest import REPO, Cli, write_demo
from pipeline import textlength
from pipeline.config import load_config
from pipeline.catalogs.pofile import dump_catalog, read_catalog
from pipeline.render import DRAFT_LABEL, render_language
from pipeline.render import translations as trmod
from pipeline.sources import read_campaign

PARAGRAPH = ("A first paragraph with **bold** and a [link](https://example.org/x) that spans two "
             "lines, on {date}.")
SPANISH = {
    ("campaign:title", "Free them all"): "Libérenlos a todos",
    ("campaign:summary", "A demo campaign for the tests."): "Una campaña de prueba.",
    ("campaign:place", "Outside the embassy"): "Frente a la embajada",
    (None, "Free them all"): "Libérenlos a todos",
    (None, PARAGRAPH): "Un primer párrafo con **negrita** y un [enlace](https://example.org/x), "
                       "el {date}.",
    (None, "**MOBILIZE** – Take to the streets."): "**MOVILÍZATE** – Sal a la calle.",
    (None, "**WRITE** – Send a letter to Julian Assange."):
        "**ESCRIBE** – Envía una carta a Julian Assange.",
    (None, "No to extradition!"): "¡No a la extradición!",
    ("post:mobilize", "Take to the streets on {date}!"): "¡Sal a la calle el {date}!",
    ("post:letter", "Send a letter to the embassy."): "Envía una carta a la embajada.",
    ("card:free", "Free them all!"): "¡Libérenlos a todos!",
}
ARABIC = {
    ("campaign:title", "Free them all"): "الحرية للجميع",
    ("campaign:summary", "A demo campaign for the tests."): "حملة تجريبية.",
    ("campaign:place", "Outside the embassy"): "أمام السفارة",
    (None, "Free them all"): "الحرية للجميع",
    (None, PARAGRAPH): "فقرة أولى فيها **خط عريض** و[رابط](https://example.org/x)، يوم {date}.",
    (None, "**MOBILIZE** – Take to the streets."): "**تحركوا** – انزلوا إلى الشوارع.",
    (None, "**WRITE** – Send a letter to Julian Assange."):
        "**اكتبوا** – أرسلوا رسالة إلى Julian Assange.",
    (None, "No to extradition!"): "لا للتسليم!",
    ("post:mobilize", "Take to the streets on {date}!"): "انزلوا إلى الشوارع يوم {date}!",
    ("post:letter", "Send a letter to the embassy."): "أرسلوا رسالة إلى السفارة.",
    ("card:free", "Free them all!"): "الحرية للجميع!",
}


def translate(root: Path, lang: str, texts: dict, fuzzy: bool = False, domain: str = "demo"):
    """Write translations into a catalog (fuzzy ones carry the machine-draft comment)."""
    path = root / "locales" / lang / "LC_MESSAGES" / f"{domain}.po"
    catalog = read_catalog(path)
    for entry in catalog.messages:
        if entry.key in texts:
            entry.msgstr = texts[entry.key]
            entry.fuzzy = fuzzy
            if fuzzy:
                entry.comments = ["machine draft: test engine"]
    path.write_bytes(dump_catalog(catalog))


def make_demo(root: Path, languages=("es", "ar"), arabic_fuzzy=True, toml_extra="") -> Cli:
    """A demo project with the shipped ui translations, es reviewed and ar machine-drafted."""
    write_demo(root, languages)
    if toml_extra:
        with open(root / "handbill.toml", "a") as handle:
            handle.write(toml_extra)
    for lang in languages:
        ui = REPO / "locales" / lang / "LC_MESSAGES" / "ui.po"
        (root / "locales" / lang / "LC_MESSAGES").mkdir(parents=True, exist_ok=True)
        shutil.copy(ui, root / "locales" / lang / "LC_MESSAGES" / "ui.po")
    cli = Cli(root)
    cli("extract")
    cli("update")
    if "es" in languages:
        translate(root, "es", SPANISH)
    if "ar" in languages:
        translate(root, "ar", ARABIC, fuzzy=arabic_fuzzy)
    return cli


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> tuple[Path, str]:
    """The demo project rendered once in en (source), es (reviewed) and ar (drafts)."""
    root = tmp_path_factory.mktemp("render") / "proj"
    cli = make_demo(root)
    result = cli("render")
    return root, result.stdout


def out(root: Path, lang: str, campaign: str = "demo") -> Path:
    return root / "output" / lang / campaign


def pdffonts(path: Path) -> str:
    return subprocess.run(["pdffonts", str(path)], capture_output=True, text=True,
                          check=True).stdout


def page_size(path: Path) -> str:
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True,
                          check=True).stdout
    return next(line for line in info.splitlines() if line.startswith("Page size"))


# ---------------------------------------------------------------------------- outputs


def test_every_output_is_written_and_states_are_reported(rendered):
    root, stdout = rendered
    for lang in ("en", "es", "ar"):
        folder = out(root, lang)
        for name in ("leaflet.html", "leaflet.pdf", "posts.txt", "posts.json", "posts.csv",
                     "render.json"):
            assert (folder / name).is_file(), (lang, name)
        assert sorted(p.name for p in (folder / "cards").iterdir()) == [
            "free-facebook.png", "free-square.png", "free-x.png"]
    states = {lang: json.loads((out(root, lang) / "render.json").read_text())["status"]
              for lang in ("en", "es", "ar")}
    assert states == {"en": "final", "es": "final", "ar": "draft"}
    assert "demo en (English): final" in stdout
    assert "demo es (español): final" in stdout
    assert "demo ar (العربية): draft" in stdout and "machine drafts" in stdout


def test_pdf_embeds_the_noto_family_of_each_script(rendered):
    root, _ = rendered
    arabic = pdffonts(out(root, "ar") / "leaflet.pdf")
    assert "Noto-Naskh-Arabic" in arabic and "Noto-Sans-Arabic" in arabic
    for lang in ("en", "es"):
        fonts = pdffonts(out(root, lang) / "leaflet.pdf")
        assert "Noto-Sans" in fonts and "Arabic" not in fonts
    for lang in ("en", "es", "ar"):
        rows = pdffonts(out(root, lang) / "leaflet.pdf").splitlines()[2:]
        assert rows and all(row.split()[-5] == "yes" for row in rows), rows  # emb column


def test_html_language_direction_dates_and_qr(rendered):
    root, _ = rendered
    arabic = (out(root, "ar") / "leaflet.html").read_text()
    spanish = (out(root, "es") / "leaflet.html").read_text()
    assert '<html lang="ar" dir="rtl">' in arabic
    assert '<html lang="es" dir="ltr">' in spanish
    assert "viernes, 25 de febrero de 2022" in spanish
    assert '<a href="https://example.org/x">enlace</a>' in spanish
    assert "<strong>negrita</strong>" in spanish
    assert "Frente a la embajada" in spanish
    assert "<svg" in spanish and 'class="qr"' in spanish
    assert "Noto Naskh Arabic" in arabic and "Noto Naskh Arabic" not in spanish
    assert ">Fecha<" in spanish and ">التاريخ<" in arabic  # ui domain, translated


def test_drafts_are_labelled_in_the_language_and_the_source(rendered):
    root, _ = rendered
    arabic = (out(root, "ar") / "leaflet.html").read_text()
    assert "مسودة — ترجمة آلية" in arabic and DRAFT_LABEL in arabic
    text = subprocess.run(["pdftotext", str(out(root, "ar") / "leaflet.pdf"), "-"],
                          capture_output=True, text=True, check=True).stdout
    assert "Draft — machine translation" in text  # on the page (the label repeats per page)
    for lang in ("en", "es"):
        assert "draftband" not in (out(root, lang) / "leaflet.html").read_text().split(
            "</style>")[1]
    ar_posts = json.loads((out(root, "ar") / "posts.json").read_text())
    assert ar_posts["status"] == "draft"
    assert DRAFT_LABEL in (out(root, "ar") / "posts.txt").read_text()


def test_posts_are_composed_and_counted_per_platform(rendered):
    root, _ = rendered
    for lang in ("en", "es", "ar"):
        data = json.loads((out(root, lang) / "posts.json").read_text())
        assert [(p["post"], p["platform"]) for p in data["posts"]] == [
            ("mobilize", "x"), ("mobilize", "bluesky"), ("mobilize", "mastodon"),
            ("letter", "x")]
        for post in data["posts"]:
            assert post["length"] == textlength.length(post["platform"], post["text"])
            assert post["length"] <= post["limit"] and post["over_limit"] is False
        with open(out(root, lang) / "posts.csv", encoding="utf-8-sig", newline="") as handle:
            rows = list(csv.DictReader(handle))
        assert len(rows) == 4 and rows[0]["over_limit"] == "false"
        assert rows[0]["text"] == data["posts"][0]["text"]
    spanish = json.loads((out(root, "es") / "posts.json").read_text())["posts"][0]
    assert spanish["text"] == ("¡Sal a la calle el viernes, 25 de febrero de 2022! #FreeThem "
                               "https://example.org/")
    assert "de 280 caracteres" in (out(root, "es") / "posts.txt").read_text()


def test_cards_have_exact_sizes_and_drafts_carry_a_band(rendered):
    root, _ = rendered
    sizes = {"square": (1080, 1080), "x": (1200, 675), "facebook": (1200, 630)}
    for lang in ("en", "es", "ar"):
        for name, size in sizes.items():
            with Image.open(out(root, lang) / "cards" / f"free-{name}.png") as image:
                assert image.size == size and image.format == "PNG"
                top = image.convert("RGB").getpixel((size[0] // 2, 5))
                if lang == "ar":
                    assert top == (29, 29, 27)  # the dark draft band
                else:
                    assert top == (0x8b, 0, 0)  # the campaign's background colour


def test_rendering_again_writes_nothing(rendered):
    root, _ = rendered
    cfg = load_config(root)
    result = render_language(cfg, read_campaign(root, "demo"), "es")
    assert result.state == "final" and result.files and result.written == []
    assert result.record.title == "Libérenlos a todos" and "leaflet.pdf" in result.record.readme


# ---------------------------------------------------------------------------- review state


def test_incomplete_language_is_skipped_unless_allowed(tmp_path):
    root = tmp_path / "proj"
    cli = make_demo(root, languages=("es",))
    path = root / "locales" / "es" / "LC_MESSAGES" / "demo.po"
    catalog = read_catalog(path)
    for entry in catalog.messages:
        if entry.msgid == "No to extradition!":
            entry.msgstr = ""
    path.write_bytes(dump_catalog(catalog))
    result = cli("render", "--lang", "es", "--only", "leaflet")
    assert "es (español): skipped" in result.stdout and "1 untranslated" in result.stdout
    assert not (out(root, "es") / "leaflet.pdf").exists()
    result = cli("render", "--lang", "es", "--only", "leaflet", "--allow-incomplete")
    assert "es (español): draft" in result.stdout
    html = (out(root, "es") / "leaflet.html").read_text()
    assert "Algunas partes aún no están traducidas y se muestran en inglés." in html
    assert '<p lang="en" dir="ltr">No to extradition!</p>' in html
    assert "Draft — machine translation" not in html.split("</style>")[1]
    with open(root / "handbill.toml", "a") as handle:
        handle.write("\n[render]\nallow_incomplete = true\n")
    assert "es (español): draft" in cli("render", "--lang", "es", "--only", "leaflet").stdout


@pytest.mark.parametrize("policy,state,label", [("skip", "skipped", False),
                                                ("final", "final", False)])
def test_draft_policy_from_the_project(tmp_path, policy, state, label):
    root = tmp_path / "proj"
    cli = make_demo(root, languages=("ar",), toml_extra=f'\n[render]\ndrafts = "{policy}"\n')
    result = cli("render", "--lang", "ar", "--only", "leaflet")
    assert f"ar (العربية): {state}" in result.stdout
    html = out(root, "ar") / "leaflet.html"
    assert html.exists() == (state != "skipped")
    if html.exists():
        assert (DRAFT_LABEL in html.read_text()) == label


def test_a_translation_failing_a_check_is_not_used(tmp_path):
    root = tmp_path / "proj"
    cli = make_demo(root, languages=("es",))
    translate(root, "es", {(None, "No to extradition!"): "¡No a la {extradicion}!"})
    result = cli("render", "--lang", "es", "--only", "leaflet")
    assert "es (español): skipped" in result.stdout and "failing checks" in result.stdout
    result = cli("render", "--lang", "es", "--only", "leaflet", "--allow-incomplete")
    assert "{extradicion}" not in (out(root, "es") / "leaflet.html").read_text()


EVIL = ('¡No a la extradición! <script>alert(1)</script><img src=x onerror="alert(2)"> '
        '[clic](javascript:alert(3)) <b onmouseover=alert(4)>x</b>')


def test_script_in_a_translation_never_reaches_the_output(tmp_path, monkeypatch):
    root = tmp_path / "proj"
    cli = make_demo(root, languages=("es",))
    translate(root, "es", {(None, "No to extradition!"): EVIL,
                           ("card:free", "Free them all!"): "¡Libres! <script>x</script>"})
    # The checks refuse such a translation; without them, rendering must still escape it.
    monkeypatch.setattr(trmod, "_check_errors", lambda *args, **kwargs: [])
    cli("render", "--lang", "es")
    html = (out(root, "es") / "leaflet.html").read_text()
    # Balanced line breaks (layout.py) may stand between the words of the escaped text.
    body = html.split("</style>")[1].replace('<br class="bal">', "")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert "<script" not in html and "<img" not in html and "<b " not in body
    assert 'href="javascript:alert' not in html
    assert not re.search(r"<[^>]*\bon(error|mouseover)", html)  # only as escaped text
    assert "&lt;img src=x onerror=" in body
    posts = (out(root, "es") / "posts.json").read_text()
    assert "<script" not in json.loads(posts)["posts"][0]["text"]


def test_ui_translation_is_escaped_too(tmp_path, monkeypatch):
    root = tmp_path / "proj"
    cli = make_demo(root, languages=("es",))
    translate(root, "es", {(None, "Date"): "<i>Fecha</i>"}, domain="ui")
    monkeypatch.setattr(trmod, "_check_errors", lambda *args, **kwargs: [])
    cli("render", "--lang", "es", "--only", "leaflet")
    html = (out(root, "es") / "leaflet.html").read_text()
    assert "<dt>&lt;i&gt;Fecha&lt;/i&gt;</dt>" in html and "<i>" not in html


def test_a_glyph_no_font_has_is_an_error_naming_language_and_text(tmp_path):
    root = tmp_path / "proj"
    cli = make_demo(root, languages=("es",))
    translate(root, "es", {(None, "No to extradition!"): "¡No a la extradición! \U0010fffd"})
    result = cli("render", "--lang", "es", expect=1)
    assert "es (español): failed" in result.stdout
    assert "U+10FFFD" in result.stderr and "No a la extradición" in result.stderr
    assert not (out(root, "es") / "leaflet.pdf").exists()


def test_a_card_glyph_no_font_has_is_an_error(tmp_path):
    root = tmp_path / "proj"
    cli = make_demo(root, languages=("es",))
    translate(root, "es", {("card:free", "Free them all!"): "¡Libres! \U0010fffd"})
    result = cli("render", "--lang", "es", "--only", "cards", expect=1)
    assert "card 'free'" in result.stderr and "U+10FFFD" in result.stderr


def test_over_limit_post_is_marked_and_reported(tmp_path):
    root = tmp_path / "proj"
    cli = make_demo(root, languages=("es",))
    posts = root / "source" / "demo" / "posts.yml"
    posts.write_text(posts.read_text().replace("Send a letter to the embassy.",
                                               "Send a letter to the embassy. " * 12))
    cli("extract")
    result = cli("render", "--lang", "en", "--only", "posts")
    assert "warning: post 'letter' is 359 characters on X, over its limit of 280" in result.stdout
    data = json.loads((out(root, "en") / "posts.json").read_text())
    letter = [p for p in data["posts"] if p["post"] == "letter"][0]
    assert letter["over_limit"] is True and letter["length"] == 359
    assert "Over the limit: shorten it before posting." in (out(root, "en") / "posts.txt"
                                                            ).read_text()
    with open(out(root, "en") / "posts.csv", encoding="utf-8-sig", newline="") as handle:
        assert [r["over_limit"] for r in csv.DictReader(handle)] == [
            "false", "false", "false", "true"]
    result = render_language(load_config(root), read_campaign(root, "demo"), "en")
    assert result.warnings == ["post 'letter' is 359 characters on X, over its limit of 280"]
    assert "359" in json.loads((out(root, "en") / "render.json").read_text())["warnings"][0]


# ---------------------------------------------------------------------------- paper, templates


def test_paper_from_option_front_matter_and_config(tmp_path):
    root = tmp_path / "proj"
    cli = make_demo(root, languages=("es",), toml_extra='\n[render]\npaper = "A4"\n')
    cli("render", "--lang", "en", "--only", "leaflet")
    assert "595.276 x 841.89" in page_size(out(root, "en") / "leaflet.pdf")  # A4
    cli("render", "--lang", "en", "--only", "leaflet", "--paper", "A5")
    assert "419.528 x 595.276" in page_size(out(root, "en") / "leaflet.pdf")
    leaflet = root / "source" / "demo" / "leaflet.md"
    leaflet.write_text("---\npaper: Letter\n---\n" + leaflet.read_text())
    cli("render", "--lang", "en", "--only", "leaflet")
    assert "612 x 792" in page_size(out(root, "en") / "leaflet.pdf")


def test_a_campaign_can_override_a_template(tmp_path):
    root = tmp_path / "proj"
    cli = make_demo(root, languages=("es",))
    templates = root / "source" / "demo" / "templates"
    templates.mkdir()
    (templates / "posts.txt").write_text(
        "{% for p in posts %}{{ p.platform }}: {{ p.text }}\n{% endfor %}")
    cli("render", "--lang", "es", "--only", "posts")
    assert (out(root, "es") / "posts.txt").read_text().startswith("x: ¡Sal a la calle el")


def test_source_language_is_the_only_one_needed(tmp_path):
    root = write_demo(tmp_path / "proj", languages=())
    result = Cli(root)("render", "--only", "leaflet")
    assert "demo en (English): final" in result.stdout
    assert (out(root, "en") / "leaflet.pdf").is_file()


def test_unknown_language_is_a_usage_error(tmp_path):
    root = write_demo(tmp_path / "proj", languages=("es",))
    result = Cli(root)("render", "--lang", "de", expect=1)
    assert "language de is not served by any campaign" in result.stderr
    assert "`handbill init de`" in result.stderr and len(result.stderr.splitlines()) == 1


# ---------------------------------------------------------------------------- shipped project


def test_shipped_campaign_renders_in_every_language(shipped):
    assert (shipped / "locales" / "ui.pot").exists(), "the repository ships its ui catalogs"
    cfg = load_config(shipped)
    result = Cli(shipped)("render")
    for lang in ["en", *cfg.languages]:
        assert f"free-assange {lang} (" in result.stdout
        state = json.loads((out(shipped, lang, "free-assange") / "render.json").read_text())
        assert state["status"] in ("final", "draft"), (lang, state)
        for post in json.loads((out(shipped, lang, "free-assange") / "posts.json").read_text()
                               )["posts"]:
            assert post["length"] == textlength.length(post["platform"], post["text"])
            assert post["length"] <= post["limit"], (lang, post)
    for lang, family in (("ar", "Arabic"), ("hi", "Devanagari"), ("es", "Noto-Sans"),
                         ("fr", "Noto-Sans"), ("pt_BR", "Noto-Sans"), ("sw", "Noto-Sans")):
        assert family in pdffonts(out(shipped, lang, "free-assange") / "leaflet.pdf"), lang
        for card in (out(shipped, lang, "free-assange") / "cards").iterdir():
            with Image.open(card) as image:
                assert image.size == {"square": (1080, 1080), "x": (1200, 675),
                                      "facebook": (1200, 630)}[card.stem.rsplit("-", 1)[1]]
    html = (out(shipped, "ar", "free-assange") / "leaflet.html").read_text()
    assert '<html lang="ar" dir="rtl">' in html
