"""Real-shaped campaigns (tests/data/real-shaped/, written for the project) go in faithfully.

- open-letter: a Hugo page with shortcodes, a reference link with a title, an inline link
  title, an image, a quote holding a heading, paragraphs and two lists, a nested list, hard
  line breaks and writers' notes; translated into Spanish, Russian and Chinese;
- strike-call: a campaign kept as YAML, with localised and dropped hashtags and two dates;
- petition: a Jekyll page with Liquid tags and an FAQ.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import REPO, Cli
from pipeline.catalogs.pofile import read_catalog

CORPUS = REPO / "tests" / "data" / "real-shaped"
OPEN_LETTER_CODES = """shortcodes:
  '{{< count type="signatures" >}}': {en: "12,480 people", es: "12.480 personas", ru: "12 480 человек", zh_Hans: "12,480 人"}
  '{{% notice info %}}': ""
  '{{% /notice %}}': ""
"""


def project(tmp_path: Path, languages: str) -> tuple[Path, Cli]:
    root = tmp_path / "movement"
    root.mkdir()
    (root / "handbill.toml").write_text(f"[project]\nlanguages = [{languages}]\n")
    return root, Cli(root)


@pytest.fixture
def letter(tmp_path):
    """The open letter started with `new --from`, its shortcodes mapped, event date set."""
    root, cli = project(tmp_path, '"es", "ru", "zh_Hans"')
    cli("new", "open-letter", "--from", str(CORPUS / "open-letter/page.md"))
    meta = root / "source/open-letter/campaign.yml"
    text = meta.read_text().replace("date: 2030-01-31", "date: 2024-06-28")
    meta.write_text(text.replace('organisation: "Your organisation"',
                                 'organisation: "Parents and Teachers for Public Code"')
                    + OPEN_LETTER_CODES)
    return root, cli


def visible_text(page: str) -> str:
    """What a reader sees of an HTML page's body: tags out, entities decoded, spaces folded."""
    body = page[page.index("<body"):]
    body = re.sub(r"<br\s*/?>", "\n", body)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())


def words(text: str) -> list[str]:
    return re.findall(r"\w+", text)


# ---------------------------------------------------------------------------- new --from


def test_new_from_a_hugo_page(tmp_path):
    root, cli = project(tmp_path, '"es"')
    page = CORPUS / "open-letter/page.md"
    result = cli("new", "open-letter", "--from", str(page))
    out = result.stdout
    assert "page.md:2: `title` -> campaign.yml title" in out
    assert "page.md:3: `description` -> campaign.yml summary" in out
    # Other generators' keys are listed once, all together, and dropped.
    assert out.count("front matter keys dropped") == 1
    for key, line in (("date", 4), ("draft", 5), ("type", 6), ("layout", 7), ("weight", 8),
                      ("tags", 9)):
        assert f"{key} (line {line})" in out
    folder = root / "source/open-letter"
    meta = (folder / "campaign.yml").read_text()
    assert 'title: "Open letter: public money, public code in our schools"' in meta
    assert 'summary: "Schools paid for by the public should run on software' in meta
    body = page.read_text().split("---\n", 2)[2].lstrip("\n")
    assert (folder / "leaflet.md").read_text() == body
    assert (folder / "classroom.png").read_bytes() == (page.parent / "classroom.png").read_bytes()
    assert "3 shortcodes" in out and "{{% notice info %}}" in out
    assert "#   '{{< count type=\"signatures\" >}}': \"\"" in meta


def test_new_from_a_toml_front_matter_page(tmp_path):
    root, cli = project(tmp_path, '"ru"')
    page = tmp_path / "ru" / "index.md"  # a Hugo page bundle: the page and its image
    page.parent.mkdir()
    shutil.copy(CORPUS / "open-letter/translations/page.ru.md", page)
    missing = cli("new", "letter-ru", "--from", str(page), expect=1)
    assert f"{page}:16: the image 'classroom.png' does not exist" in missing.stderr
    shutil.copy(CORPUS / "open-letter/classroom.png", page.parent)
    cli("new", "letter-ru", "--from", str(page))
    meta = (root / "source/letter-ru/campaign.yml").read_text()
    assert 'title: "Открытое письмо: общественные деньги — общественный код в наших школах"' \
        in meta
    assert (root / "source/letter-ru/leaflet.md").read_text().startswith(
        "# Общественные деньги — общественный код\n")


def test_new_from_reports_every_problem_of_the_page_and_writes_nothing(tmp_path):
    root, cli = project(tmp_path, '"es"')
    page = tmp_path / "bad.md"
    page.write_text("---\ntitle: T\n---\n# T\n\n<div class=\"x\">raw</div>\n\nSee [about](/about)"
                    " and ![logo](https://cdn.example.org/logo.png).\n")
    result = cli("new", "bad", "--from", str(page), expect=1)
    lines = [line for line in result.stderr.splitlines() if line.startswith("handbill: error:")]
    assert len(lines) == 3, result.stderr
    assert f"{page}:6: raw HTML" in result.stderr
    assert f"{page}:8: the link '/about' is not a web address" in result.stderr
    assert f"{page}:8: the image 'https://cdn.example.org/logo.png' is a link" in result.stderr
    assert not (root / "source/bad").exists()


# ---------------------------------------------------------------------------- shortcodes


def test_unmapped_shortcodes_are_refused_together_with_their_lines(tmp_path):
    root, cli = project(tmp_path, '"es"')
    cli("new", "open-letter", "--from", str(CORPUS / "open-letter/page.md"))
    result = cli("extract", expect=1)
    errors = [line for line in result.stderr.splitlines() if "has no rendering" in line]
    assert errors == [
        'handbill: error: source/open-letter/leaflet.md:6: shortcode {{< count type="signatures" '
        '>}} has no rendering; map it in campaign.yml (shortcodes:) or remove it',
        "handbill: error: source/open-letter/leaflet.md:25: shortcode {{% notice info %}} has no "
        "rendering; map it in campaign.yml (shortcodes:) or remove it",
        "handbill: error: source/open-letter/leaflet.md:27: shortcode {{% /notice %}} has no "
        "rendering; map it in campaign.yml (shortcodes:) or remove it"]
    assert not (root / "locales").exists()


def test_shortcodes_are_kept_byte_exact_in_messages_and_flags_say_so(letter, gettext_reference):
    root, cli = letter
    cli("extract")
    pot = read_catalog(root / "locales/open-letter.pot")
    count = next(e for e in pot.messages if "count" in e.msgid)
    assert '{{< count type="signatures" >}} have already signed this letter.' in count.msgid
    notice = next(e for e in pot.messages if "notice" in e.msgid)
    assert notice.msgid == ("{{% notice info %}} The letter stays open for signatures until the "
                            "end of the school year. {{% /notice %}}")
    # Braces of template tokens are not Python brace format: no python-brace-format flag.
    assert "python-brace-format" not in count.flags + notice.flags
    dated = next(e for e in pot.messages if "{date:long}" in e.msgid)
    assert "python-brace-format" in dated.flags
    cli("init", "es")
    gettext_reference(root / "locales/es/LC_MESSAGES/open-letter.po")


def test_shortcodes_render_as_mapped_per_language(letter):
    root, cli = letter
    cli("render", "--lang", "en", "--only", "leaflet")
    page = (root / "output/en/open-letter/leaflet.html").read_text()
    text = visible_text(page)
    assert "12,480 people have already signed" in text
    assert "The letter stays open for signatures until the end of the school year." in text
    assert "{{" not in text and "{<" not in text and "notice" not in text


# ---------------------------------------------------------------------------- fidelity


def _source_words(root: Path) -> list[str]:
    """Every word of leaflet.md a reader should see: notes, link targets, image paths and
    reference definitions taken out; shortcodes as mapped; the date as rendered."""
    text = (root / "source/open-letter/leaflet.md").read_text()
    text = re.sub(r"<!--.*?-->", " ", text, flags=re.S)
    text = re.sub(r"(?m)^\[[^\]]+\]:.*$", " ", text)
    text = re.sub(r"!\[[^\]]*\]\([^)]*\)", " ", text)  # the image: its alt is checked apart
    text = re.sub(r"\]\([^)]*\)|\]\[[^\]]*\]", "] ", text)  # link targets, reference labels
    text = re.sub(r"(?m)^[\s>]*\d+[.)]\s", " ", text)  # ordered list numbers: CSS counters
    text = text.replace('{{< count type="signatures" >}}', "12,480 people")
    text = re.sub(r"\{\{%[^}]*%\}\}", " ", text)
    text = text.replace("{date:long}", "June 28, 2024")
    return words(text)


def test_source_language_leaflet_shows_every_word_of_the_source(letter):
    root, cli = letter
    cli("render", "--lang", "en", "--only", "leaflet")
    page = (root / "output/en/open-letter/leaflet.html").read_text()
    shown = words(visible_text(page))
    missing = [w for w in _source_words(root) if w not in shown]
    assert not missing
    # The same in the PDF's text layer.
    pdf = subprocess.run(["pdftotext", str(root / "output/en/open-letter/leaflet.pdf"), "-"],
                         capture_output=True, text=True, check=True).stdout
    in_pdf = {w.lower() for w in words(pdf)}  # h3 is set in capitals by CSS
    assert not [w for w in _source_words(root) if w.lower() not in in_pdf]
    assert 'alt="Pupils in a classroom, each at a laptop"' in page
    assert 'title="A classroom in Lyon, 2023"' in page


def test_structure_is_kept(letter):
    root, cli = letter
    cli("render", "--lang", "en", "--only", "leaflet")
    page = (root / "output/en/open-letter/leaflet.html").read_text()
    main = page[page.index("<main>"):page.index("</main>")]
    # One quote holding its heading, two paragraphs and both lists.
    quotes = re.findall(r"<blockquote.*?</blockquote>", main, re.S)
    assert len(quotes) == 1
    quote = quotes[0]
    assert re.search(r"<h3[^>]*>What we ask</h3>", quote)
    assert len(re.findall(r"<p[ >]", quote)) == 2
    assert quote.count("<ul") == 1 and quote.count("<ol") == 1 and quote.count("<li") == 4
    assert quote.index("Use free software") < quote.index("Within two years") < \
        quote.index("train its staff")
    # The nested list sits inside its parent item.
    parent = re.search(r"<li[^>]*>Software licences.*?</li>\s*<li", main, re.S).group()
    parent = parent.replace("\xa0", " ")  # no-break spaces of typography.py
    assert "<ul" in parent and "Money that could pay for books." in parent
    # Reference link with its title, inline link title, hard break, image from the folder.
    assert re.search(r'<a href="https://fsfe.org/freesoftware/" title="What is Free Software\? '
                     r'\(FSFE\)"[^>]*>Free Software</a>', main)
    assert 'title="Foundation for Public Code"' in main
    assert "learns how it works,<br>" in main
    assert '<img src="data:image/png;base64,' in main
    # Writers' notes go to translators, not to readers.
    assert "Keep the tone formal" not in page
    cli("extract")
    pot = read_catalog(root / "locales/open-letter.pot")
    first = next(e for e in pot.messages if e.msgid.startswith("To the Minister"))
    assert "Writers' note: Keep the tone formal: this letter goes to ministers." in first.extracted
    title = next(e for e in pot.messages if e.msgid == "What is Free Software? (FSFE)")
    assert title.references == ["source/open-letter/leaflet.md:40"]


def test_nothing_of_the_corpus_is_lost_when_read():
    """Every non-blank line of every page of the corpus (sources and translations) is read
    into a block, a note, a reference or the front matter."""
    from pipeline.errors import Problems
    from pipeline.sources.leaflet import parse_leaflet

    pages = sorted(CORPUS.rglob("*.md"))
    assert len(pages) >= 7
    for page in pages:
        text = page.read_text()
        problems = Problems()
        leaflet = parse_leaflet(text, page.name, problems, campaign_dir=page.parent,
                                strict="translations" not in page.parts)
        assert not problems.errors, problems.errors
        covered = {n for first, after, _ in leaflet.coverage for n in range(first, after)}
        lost = [n for n, line in enumerate(text.split("\n"), 1)
                if line.strip().strip(">").strip() and n not in covered]
        assert not lost, f"{page.name}: lines {lost} not read"


# ---------------------------------------------------------------------------- strike call


@pytest.fixture
def strike(tmp_path):
    root, cli = project(tmp_path, '"es", "cs", "ru", "tr"')
    shutil.copytree(CORPUS / "strike-call", root / "source/strike-call",
                    ignore=shutil.ignore_patterns("translations"))
    cli("update")
    return root, cli


def translate(root: Path, lang: str, texts: dict[str, str], campaign: str = "strike-call"):
    """Give messages (found by the start of their msgid) a reviewed translation."""
    from pipeline.catalogs.pofile import dump_catalog

    path = root / f"locales/{lang}/LC_MESSAGES/{campaign}.po"
    catalog = read_catalog(path)
    for start, text in texts.items():
        entry = next(e for e in catalog.messages if e.msgid.startswith(start))
        entry.msgstr = text
    path.write_bytes(dump_catalog(catalog))
    return path


def main_of(root: Path, lang: str, campaign: str = "strike-call") -> str:
    page = (root / f"output/{lang}/{campaign}/leaflet.html").read_text()
    return page[page.index("<main>"):page.index("</main>")]


def test_named_dates_formats_and_the_source_language_for_fallbacks(strike, gettext_reference):
    root, cli = strike
    path = translate(root, "tr", {
        "On {date.strike:long}": "{date.strike:long} günü saat {time}'da okullarımızı ve "
                                 "işyerlerimizi terk ediyoruz. {place} meydanında buluşalım.",
        "Walk out": "İklim için greve çık"})
    gettext_reference(path)  # msgfmt -c accepts {date.strike:long} and {time.tribunal}
    cli("render", "--lang", "en", "--lang", "tr", "--only", "leaflet", "--allow-incomplete")
    en = main_of(root, "en").replace("\xa0", " ")  # no-break spaces of typography.py
    assert "On September 20, 2019 we leave" in en and "at 11:00\u202fAM" in en  # CLDR's NNBSP
    assert "on Sep 27, 2019 at 6:30\u202fPM." in en
    # typography.py's no-break spaces and apostrophes (U+2019), made plain for the searches.
    tr = main_of(root, "tr").replace("\xa0", " ").replace("’", "'")
    # The translated paragraph: Turkish long date (no weekday: the writer chose :long).
    assert re.search(r"<p>20 Eylül 2019 günü saat 11:00'da okullarımızı", tr)
    # The untranslated one is shown in English, with English dates, and says it is English.
    assert re.search(r'<p lang="en" dir="ltr">The people\'s climate tribunal hears witnesses on '
                     r"Sep 27, 2019 at 6:30\u202fPM", html.unescape(tr))
    page = (root / "output/tr/strike-call/leaflet.html").read_text()
    assert "20 Eylül 2019 Cuma" in page  # the masthead's date: Turkish, full


def test_placeholders_outside_the_grammar_are_refused_all_at_once(strike):
    root, cli = strike
    leaflet = root / "source/strike-call/leaflet.md"
    leaflet.write_text("# T\n\nA {0.__class__} b.\n\nC {date!r} d.\n\nE {date:%Y} f.\n\n"
                       "G {date.nope} h.\n\nI {time:long} j.\n\nK {url.x} l.\n")
    result = cli("extract", expect=1)
    errors = [line for line in result.stderr.splitlines() if line.startswith("handbill: error")]
    assert [re.search(r"leaflet.md:(\d+):", e).group(1) for e in errors] == \
        ["3", "5", "7", "9", "11", "13"], result.stderr
    assert "unknown placeholder {0.__class__}" in errors[0]
    assert "campaign.yml has no date named 'nope' (known: {date.strike}, {date.tribunal})" \
        in errors[3]
    assert "{time:long}: the format must be one of {time:short}, {time:medium}" in errors[4]


def test_hashtag_overrides_reach_every_output(strike, monkeypatch):
    root, cli = strike
    from pipeline.render import cards as cards_mod

    seen = {}
    real = cards_mod.CardText

    def record(slogan, organisation, hashtag, *rest):
        seen.setdefault(hashtag, 0)
        seen[hashtag] += 1
        return real(slogan, organisation, hashtag, *rest)

    monkeypatch.setattr(cards_mod, "CardText", record)
    cli("build", "--jobs", "1", "--allow-incomplete")
    cli("render", "--lang", "cs", "--lang", "tr", "--lang", "es", "--only", "cards",
        "--allow-incomplete")
    assert set(seen) == {"#ClimateStrike", "#İklimGrevi", "#HuelgaPorElClima"}
    expect = {"en": {"#ClimateStrike", "#FridaysForFuture"},
              "es": {"#HuelgaPorElClima", "#FridaysForFuture"},
              "cs": {"#ClimateStrike"}, "tr": {"#İklimGrevi"}}
    tag = re.compile(r"#[^\W\d_]\w*")
    for lang, tags in expect.items():
        out = root / "output" / lang / "strike-call"
        footer = re.search(r'class="tag-list"[^>]*>([^<]*)<', (out / "leaflet.html").read_text())
        assert set(footer.group(1).split()) == tags, lang
        posts = json.loads((out / "posts.json").read_text())
        assert {t for p in posts["posts"] for t in p["hashtags"]} == tags, lang
        assert set(tag.findall((out / "posts.txt").read_text())) == tags, lang
        page = (root / "output" / lang / "index.html").read_text()
        assert set(re.findall(r'<bdi dir="ltr">(#[^<]*)</bdi>', page)) == tags, lang


def test_check_accepts_a_dropped_hashtag_and_only_that(strike):
    root, cli = strike
    translate(root, "cs", {"No planet B!": "Žádná planeta B!"})
    translate(root, "tr", {"No planet B!": "B gezegeni yok!"})
    translate(root, "es", {"No planet B!": "¡No hay planeta B!"})
    result = cli("check", "--format", "json", expect=1)
    found = {(f["language"], f["message"]) for f in json.loads(result.stdout)
             if f["check"] == "hashtags"}
    assert found == {("es", "missing hashtag #FridaysForFuture")}


def test_import_translated_yaml_by_key_and_id(strike):
    root, cli = strike
    files = [str(CORPUS / "strike-call/translations/campaign.es.yml"),
             str(CORPUS / "strike-call/translations/posts.es.yml")]
    result = cli("import", "--lang", "es", *files)
    out = result.stdout
    assert "campaign.es.yml (campaign.yml)" in out and "posts.es.yml (posts.yml)" in out
    assert "filled source/strike-call/campaign.yml:2 <- " in out
    assert "campaign.es.yml:8 (key, reviewed)" in out  # event place, by key
    assert "posts.es.yml:6: the campaign has no post 'old-post'; not used" in out
    catalog = {e.key: e for e in read_catalog(root / "locales/es/LC_MESSAGES/strike-call.po")
               .messages}
    walkout = catalog[("post:walkout", "On {date.strike:medium} we walk out at {time}: {place}.")]
    assert walkout.msgstr == "El {date.strike:medium} salimos a las {time}: {place}."
    assert not walkout.fuzzy
    assert walkout.comments[-1] == f"imported from {files[1]}:3"
    assert catalog[("card:no-planet-b", "No planet B!")].msgstr == "¡No hay planeta B!"
    assert catalog[("campaign:place", "Town hall square")].msgstr == "Plaza del Ayuntamiento"


def test_shortcodes_are_masked_for_engines_and_required_by_check(letter):
    from pipeline.drafting.masking import mask, unmask

    root, cli = letter
    text = 'We are {{< count type="signatures" >}} on {date:long}. {% include x.html %}'
    masked = mask(text)
    assert masked.pieces == ('{{< count type="signatures" >}}', "{date:long}",
                             "{% include x.html %}")
    assert unmask(masked.text.replace("We are", "Somos"), masked).startswith(
        'Somos {{< count type="signatures" >}} on {date:long}.')
    cli("update")
    path = translate(root, "es", {"We are teachers": (
        "Somos docentes. {< count type=\"signatures\" >} ya han firmado. Pedimos "
        "[software libre][fs] y [Código Público](https://publiccode.net/ \"Fundación\").")},
        campaign="open-letter")
    result = cli("check", "--lang", "es", "--format", "json", expect=1)
    found = [f["message"] for f in json.loads(result.stdout) if f["check"] == "shortcodes"]
    assert found == ['missing {{< count type="signatures" >}} (copy it unchanged, with its '
                     'braces)']
    assert path.exists()


def test_a_text_with_shortcodes_and_placeholders_is_not_brace_format(demo, cli,
                                                                     gettext_reference):
    meta = demo / "source/demo/campaign.yml"
    meta.write_text(meta.read_text() + "shortcodes: {'{{< count >}}': '1,000 people'}\n")
    (demo / "source/demo/leaflet.md").write_text(
        "# T\n\n{{< count >}} marched on {date:long}; join them at {place} and bring a friend "
        "who has never marched before, with a banner and a song.\n")
    cli("init", "es")
    entry = next(e for e in read_catalog(demo / "locales/es/LC_MESSAGES/demo.po").messages
                 if e.msgid.startswith("{{< count >}}"))
    assert entry.flags == ["no-python-brace-format"]
    gettext_reference(demo / "locales/es/LC_MESSAGES/demo.po")
    cli("render", "--lang", "en", "--only", "leaflet")
    page = (demo / "output/en/demo/leaflet.html").read_text().replace("\xa0", " ")
    assert "1,000 people marched on February 25, 2022; join them at Outside the embassy" in page


def test_reference_links_follow_the_languages_link_overrides(letter):
    root, cli = letter
    meta = root / "source/open-letter/campaign.yml"
    meta.write_text(meta.read_text() + "overrides:\n  es:\n    links: {\"https://fsfe.org/"
                    "freesoftware/\": \"https://fsfe.org/freesoftware/index.es.html\"}\n")
    cli("update")
    cli("import", "--lang", "es", str(CORPUS / "open-letter/translations/page.es.md"))
    cli("render", "--lang", "es", "--only", "leaflet", "--allow-incomplete")
    main = main_of(root, "es", "open-letter")
    assert re.search(r'<a href="https://fsfe.org/freesoftware/index.es.html" title="¿Qué es el '
                     r'software libre\? \(FSFE\)"[^>]*>software libre</a>', main)
