"""The glossary: campaign.yml `glossary:` and protected terms' spellings, glossary.csv and
glossary.tbx, the `glossary` check at the right line, and the engines using it (masking for
LibreTranslate, DeepL's glossaries API)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conftest import Cli, write_demo
from pipeline.drafting import work
from pipeline.errors import SourceError
from pipeline.catalogs.pofile import dump_catalog, read_catalog
from pipeline.sources import read_campaign
from test_drafting_server import FakeTranslateServer

SPELLED = """\
protected_terms:
  - Demo Org
  - {term: Julian Assange, ar: جوليان أسانج, hi: जूलियन असांज}
glossary:
  extradition: {es: extradición, ar: [تسليم, ترحيل], note: the legal procedure}
"""


@pytest.fixture(autouse=True)
def _quick(monkeypatch):
    monkeypatch.setattr(work, "BACKOFF", 0.01)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1764115200")
    for var in ("HANDBILL_LIBRE_URL", "HANDBILL_DEEPL_API_KEY"):
        monkeypatch.delenv(var, raising=False)


def campaign_with(root: Path, extra: str, languages=("es", "ar")) -> Path:
    write_demo(root, languages=languages)
    yml = root / "source" / "demo" / "campaign.yml"
    text = yml.read_text().replace("protected_terms: [Demo Org, Julian Assange]\n", "")
    yml.write_text(text + extra)
    return root


def translate(root: Path, lang: str, texts: dict[str, str]) -> Path:
    path = root / "locales" / lang / "LC_MESSAGES" / "demo.po"
    catalog = read_catalog(path)
    for entry in catalog.messages:
        if entry.msgid in texts:
            entry.msgstr = texts[entry.msgid]
    path.write_bytes(dump_catalog(catalog))
    return path


def test_one_model_for_glossary_entries_and_protected_terms_spellings(tmp_path):
    root = campaign_with(tmp_path / "p", SPELLED)
    campaign = read_campaign(root, "demo")
    assert campaign.protected_terms == ("Demo Org", "Julian Assange")
    by_term = {t.text: t for t in campaign.glossary}
    assert by_term["Julian Assange"].protected
    assert by_term["Julian Assange"].spellings("ar") == ("جوليان أسانج",)
    assert by_term["extradition"].spellings("ar") == ("تسليم", "ترحيل")
    assert by_term["extradition"].spellings("es_MX") == ("extradición",)  # falls back to es
    assert by_term["extradition"].note == "the legal procedure"
    assert by_term["extradition"].origin == "source/demo/campaign.yml:15"


@pytest.mark.parametrize("extra, message, line", [
    ("glossary: [extradition]\n", "`glossary` must map each term to its renderings", 11),
    ("glossary:\n  extradition: extradición\n", "must map languages to renderings", 12),
    ("glossary:\n  extradition: {xx_YY: a}\n", "unknown language 'xx_YY'", 12),
    ("protected_terms:\n  - {ar: x}\n", "a protected term is a text, or a mapping", 12),
])
def test_a_wrong_glossary_is_named_at_its_line(tmp_path, extra, message, line):
    root = campaign_with(tmp_path / "p", extra)
    with pytest.raises(Exception) as caught:
        read_campaign(root, "demo")
    assert message in str(caught.value)
    assert f"source/demo/campaign.yml:{line}" in str(caught.value)


def test_check_reports_a_term_not_rendered_as_agreed_at_its_line(tmp_path):
    root = campaign_with(tmp_path / "p", SPELLED)
    cli = Cli(root)
    cli("update")
    path = translate(root, "es", {"No to extradition!": "¡No a la entrega!",
                                  "**WRITE** – Send a letter to Julian Assange.":
                                  "**ESCRIBE** – Envía una carta a Julian Assange."})
    line = next(e.line for e in read_catalog(path).messages if e.msgid == "No to extradition!")
    result = cli("check", "--campaign", "demo", "--lang", "es")
    assert (f"locales/es/LC_MESSAGES/demo.po:{line}: warning [glossary] the glossary renders "
            "'extradition' as 'extradición' (source/demo/campaign.yml:15)") in result.stdout
    translate(root, "es", {"No to extradition!": "¡No a la Extradición!"})  # any case
    assert "[glossary]" not in cli("check", "--campaign", "demo", "--lang", "es").stdout


def test_a_protected_name_may_take_its_agreed_native_spelling(tmp_path):
    root = campaign_with(tmp_path / "p", SPELLED)
    cli = Cli(root)
    cli("update")
    msgid = "**WRITE** – Send a letter to Julian Assange."
    translate(root, "ar", {msgid: "**اكتب** – أرسل رسالة إلى جوليان أسانج."})
    assert "protected-terms" not in cli("check", "--campaign", "demo", "--lang", "ar").stdout
    translate(root, "ar", {msgid: "**اكتب** – أرسل رسالة إلى جوليان أسانغ."})
    result = cli("check", "--campaign", "demo", "--lang", "ar", expect=1)
    assert "error [protected-terms] protected term 'Julian Assange' must appear unchanged or " \
           "as 'جوليان أسانج'" in result.stdout


CSV = """\
en,es,fr,protected,note
extradition,extradición|entrega,extradition,,
Belmarsh,,,yes,a prison
"""

TBX = """\
<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE martif SYSTEM "TBXcoreStructV02.dtd">
<martif type="TBX" xml:lang="en"><text><body>
  <termEntry id="t1">
    <langSet xml:lang="en"><tig><term>embassy</term></tig></langSet>
    <langSet xml:lang="es"><tig><term>embajada</term></tig></langSet>
    <langSet xml:lang="pt-BR"><tig><term>embaixada</term></tig></langSet>
  </termEntry>
</body></text></martif>
"""


def test_project_glossaries_in_csv_and_tbx_and_the_campaign_wins(tmp_path):
    root = campaign_with(tmp_path / "p", "glossary:\n  extradition: {es: extradición}\n")
    (root / "glossary.csv").write_text(CSV.replace("extradición|entrega", "entrega"))
    (root / "glossary.tbx").write_text(TBX)
    by_term = {t.text: t for t in read_campaign(root, "demo").glossary}
    assert by_term["extradition"].spellings("es") == ("extradición",)  # campaign.yml wins
    assert by_term["extradition"].spellings("fr") == ("extradition",)  # from glossary.csv
    assert by_term["Belmarsh"].protected and by_term["Belmarsh"].note == "a prison"
    assert by_term["embassy"].spellings("pt_BR") == ("embaixada",)
    assert by_term["embassy"].origin == "glossary.tbx (t1)"


@pytest.mark.parametrize("name, text, message", [
    ("glossary.tbx", '<?xml version="1.0"?><!DOCTYPE m [<!ENTITY a "aaaa">]><m>&a;</m>',
     "declares entities"),
    ("glossary.tbx", '<?xml version="1.0"?><!DOCTYPE m [<!ENTITY x SYSTEM "file:///etc/passwd">'
     ']><m>&x;</m>', "declares entities"),
    ("glossary.tbx", "<martif><text>", "is not well-formed XML"),
    ("glossary.csv", "en,es\nextradition,extradición\nextradition,entrega\n",
     "glossary.csv:3: 'extradition' is already at line 2"),
    ("glossary.csv", "words,es\n", "glossary.csv:1: the first column's heading must be `term`"),
])
def test_a_hostile_or_broken_project_glossary_is_refused(tmp_path, name, text, message):
    root = campaign_with(tmp_path / "p", "")
    (root / name).write_text(text)
    with pytest.raises(SourceError, match=message.replace("(", r"\(")):
        read_campaign(root, "demo")


def test_a_glossary_link_out_of_the_project_is_refused(tmp_path):
    root = campaign_with(tmp_path / "p", "")
    (tmp_path / "elsewhere.csv").write_text(CSV)
    (root / "glossary.csv").symlink_to(tmp_path / "elsewhere.csv")
    with pytest.raises(SourceError, match="glossary.csv: is not a regular file"):
        read_campaign(root, "demo")


def test_masking_engines_put_the_agreed_renderings_back(tmp_path):
    root = campaign_with(tmp_path / "p", SPELLED)
    with FakeTranslateServer() as server:
        cli = Cli(root)
        cli("update")
        env = {"HANDBILL_LIBRE_URL": server.url}
        cli("draft", "--campaign", "demo", "--engine", "libre", env=env)
        sent = " ".join(f["q"] for f in server.seen)
    es = {e.msgid: e.msgstr for e in read_catalog(
        root / "locales" / "es" / "LC_MESSAGES" / "demo.po").messages}
    ar = {e.msgid: e.msgstr for e in read_catalog(
        root / "locales" / "ar" / "LC_MESSAGES" / "demo.po").messages}
    assert es["No to extradition!"] == "ES: NO TO extradición!"
    assert ar["No to extradition!"] == "AR: NO TO تسليم!"  # the first spelling is preferred
    assert ar["**WRITE** – Send a letter to Julian Assange."].endswith("TO جوليان أسانج.")
    assert es["**WRITE** – Send a letter to Julian Assange."].endswith("TO Julian Assange.")
    assert "extradition" not in sent and "Julian" not in sent


def test_deepl_gets_the_glossary_through_its_glossaries_api(tmp_path):
    key = "k:fx"
    root = campaign_with(tmp_path / "p", SPELLED, languages=("es", "pt_BR"))
    with FakeTranslateServer(deepl_key=key) as server:
        with (root / "handbill.toml").open("a") as toml:
            toml.write(f'[draft]\nengine = "deepl"\n[draft.engines.deepl]\nurl = "{server.url}"\n')
        cli = Cli(root)
        cli("update")
        cli("draft", "--campaign", "demo", env={"HANDBILL_DEEPL_API_KEY": key})
        [made] = server.glossaries.values()  # es only: the glossary has no pt rendering
        assert (made["source_lang"], made["target_lang"]) == ("en", "es")
        assert made["entries"] == "extradition\textradición" and made["entries_format"] == "tsv"
        es_requests = [b for b in server.seen if b["target_lang"] == "ES"]
        assert es_requests and all(b["glossary_id"] == "g-1" for b in es_requests)
        assert all("glossary_id" not in b for b in server.seen if b["target_lang"] == "PT-BR")
        assert any("No to extradition!" in b["text"] for b in es_requests)  # not masked
        # Run again from scratch: the glossary is found by its name, not made again.
        shutil.rmtree(root / ".handbill")
        for lang in ("es", "pt_BR"):
            (root / "locales" / lang / "LC_MESSAGES" / "demo.po").unlink()
        cli("update")
        cli("draft", "--campaign", "demo", env={"HANDBILL_DEEPL_API_KEY": key})
        assert len(server.glossaries) == 1
    es = {e.msgid: e.msgstr for e in read_catalog(
        root / "locales" / "es" / "LC_MESSAGES" / "demo.po").messages}
    assert es["No to extradition!"] == "ES: NO TO extradición!"
