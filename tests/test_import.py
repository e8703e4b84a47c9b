"""`handbill import`: translated pages aligned by structure, foreign PO files by msgid.

The pages and catalogs are the real-shaped corpus's (tests/data/real-shaped/): the open letter
translated into Spanish, Russian and Chinese (the Chinese translator split a paragraph in two),
the petition in German (made into a po4a catalog here, with po4a's own tools) and in French as
Weblate exports it.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import Cli
from pipeline.errors import Problems
from pipeline.sources.leaflet import parse_leaflet
from pipeline.catalogs.pofile import dump_catalog, read_catalog
from test_real_shaped import CORPUS, OPEN_LETTER_CODES, project

LETTER = CORPUS / "open-letter"
PETITION = CORPUS / "petition"
PETITION_CODES = """shortcodes:
  "{% include signature-counter.html %}": {en: "3,214 people have signed.", de: "3.214 Menschen haben unterschrieben."}
  "{{ site.url }}": "https://nightbus.example.org"
"""


@pytest.fixture
def letter(tmp_path):
    root, cli = project(tmp_path, '"es", "ru", "zh_Hans"')
    cli("new", "open-letter", "--from", str(LETTER / "page.md"))
    meta = root / "source/open-letter/campaign.yml"
    meta.write_text(meta.read_text() + OPEN_LETTER_CODES)
    cli("update")
    return root, cli


@pytest.fixture
def petition(tmp_path):
    root, cli = project(tmp_path, '"de", "fr"')
    cli("new", "night-buses", "--from", str(PETITION / "page.md"))
    meta = root / "source/night-buses/campaign.yml"
    meta.write_text(meta.read_text() + PETITION_CODES)
    cli("update")
    return root, cli


def leaves(path: Path) -> list[str]:
    """The heading and paragraph texts of a page, in document order."""
    leaflet = parse_leaflet(path.read_text(), path.name, Problems(), strict=False)
    return [block.text for block, _ in leaflet.leaves()]


def catalog(root: Path, lang: str, campaign: str) -> dict:
    path = root / f"locales/{lang}/LC_MESSAGES/{campaign}.po"
    return {e.key: e for e in read_catalog(path).messages}


# ---------------------------------------------------------------------------- pages


@pytest.mark.parametrize("lang, name", [("es", "page.es.md"), ("ru", "page.ru.md"),
                                        ("zh_Hans", "page.zh.md")])
def test_a_translated_page_fills_each_message_with_the_block_at_its_place(letter, lang, name):
    root, cli = letter
    page = LETTER / "translations" / name
    result = cli("import", "--lang", lang, str(page))
    source = leaves(root / "source/open-letter/leaflet.md")
    target = leaves(page)
    if name == "page.zh.md":  # the translator split the second paragraph (index 2) in two
        target[2:4] = [f"{target[2]} {target[3]}"]
    assert len(source) == len(target) == 18
    entries = catalog(root, lang, "open-letter")
    filled = aligned = 0
    for msgid, expected in zip(source, target):
        entry = entries.get((None, msgid))
        if entry is None:  # only shortcodes: nothing to translate
            continue
        aligned += 1
        if entry.msgstr:
            filled += 1
            assert entry.msgstr == expected.replace("[sl]", "[fs]"), msgid
            assert entry.comments[-1].startswith(f"imported from {page}:")
    assert filled >= 0.9 * aligned and filled == aligned
    head = next(line for line in result.stdout.splitlines() if line.startswith(str(page)))
    assert head.endswith("18 of 18 blocks aligned") or head.endswith("17 of 18 blocks aligned")
    # The split is reported with both line numbers, and the joined text must be reviewed.
    if name == "page.zh.md":
        assert f"note: {page}:10 [source/open-letter/leaflet.md:6]: lines 10 and 12 translate " \
               "one paragraph as two" in result.stdout
        joined = entries[(None, source[2])]
        assert joined.fuzzy
    # Front matter: the page's title translates the campaign title (fuzzy: to be checked).
    title = entries[("campaign:title", "Open letter: public money, public code in our schools")]
    assert title.msgstr and title.fuzzy
    # The reference title is filled by label, and a localised link target is pointed out.
    ref = entries[(None, "What is Free Software? (FSFE)")]
    assert "FSFE" in ref.msgstr and ref.msgstr != ref.msgid
    assert f"to use it, add it to `overrides: {{{lang}: {{links: …}}}}`" in result.stdout
    check = cli("check", "--lang", lang, "--format", "json", expect=None)
    assert '"severity": "error"' not in check.stdout, check.stdout


def test_fuzzy_option_and_a_second_import_never_replaces(letter):
    root, cli = letter
    page = LETTER / "translations/page.es.md"
    path = root / "locales/es/LC_MESSAGES/open-letter.po"
    cat = read_catalog(path)
    mine = next(e for e in cat.messages if e.msgid == "Public money, public code")
    mine.msgstr = "Dinero público, código abierto"  # a translator's own choice
    draft = next(e for e in cat.messages if e.msgid.startswith("To the Minister"))
    draft.msgstr, draft.comments = "Al ministro (borrador)", ["machine draft: apertium, 2024-05-01"]
    draft.fuzzy = True
    path.write_bytes(dump_catalog(cat))
    mine_line = next(e for e in read_catalog(path).messages if e.msgid == mine.msgid).line
    result = cli("import", "--lang", "es", "--fuzzy", str(page))
    assert (f"conflict: {page}:9 [source/open-letter/leaflet.md:1]: "
            f"locales/es/LC_MESSAGES/open-letter.po:{mine_line} already has a translation by a "
            "person; kept it") in result.stdout
    assert "(aligned, fuzzy, replaced a machine draft)" in result.stdout
    entries = catalog(root, "es", "open-letter")
    assert entries[(None, mine.msgid)].msgstr == "Dinero público, código abierto"
    replaced = entries[(None, draft.msgid)]
    assert replaced.msgstr.startswith("A la ministra") and replaced.fuzzy
    assert not any(c.startswith("machine draft:") for c in replaced.comments)
    assert all(e.fuzzy for e in entries.values() if e.msgstr and e.key != (None, mine.msgid))
    # Importing again changes nothing: every message already holds that translation.
    before = path.read_bytes()
    again = cli("import", "--lang", "es", str(page))
    assert path.read_bytes() == before and "filled 0 messages" in again.stdout


def test_dry_run_writes_nothing(letter):
    root, cli = letter
    (root / "locales/ru/LC_MESSAGES/open-letter.po").unlink()  # not even created

    def tree():
        return {p: p.read_bytes() if p.is_file() else None for p in root.rglob("*")}

    files = tree()
    result = cli("import", "--lang", "ru", "--dry-run", str(LETTER / "translations/page.ru.md"))
    assert "would fill source/open-letter/leaflet.md:1 <- " in result.stdout
    assert "nothing written (--dry-run)" in result.stdout
    assert tree() == files


def test_a_page_of_another_text_is_refused(letter):
    root, cli = letter
    before = (root / "locales/es/LC_MESSAGES/open-letter.po").read_bytes()
    result = cli("import", "--lang", "es", str(PETITION / "translations/page.de.md"), expect=1)
    assert "its structure does not match the leaflet: only" in result.stderr
    assert (root / "locales/es/LC_MESSAGES/open-letter.po").read_bytes() == before


def test_added_and_missing_blocks_are_reported_with_lines(letter, tmp_path):
    root, cli = letter
    text = (LETTER / "translations/page.es.md").read_text()
    text = text.replace("- Los datos del alumnado salen del país.\n", "")
    text = text.replace("# Dinero público, código público\n",
                        "# Dinero público, código público\n\nUn párrafo que el original no tiene.\n")
    page = tmp_path / "page.es.md"
    page.write_text(text)
    result = cli("import", "--lang", "es", str(page))
    assert f"not aligned: {page}:11: the leaflet has no block here" in result.stdout
    assert ("not aligned: " + str(page) + " [source/open-letter/leaflet.md:35]: no block of the "
            "page translates it") in result.stdout
    entries = catalog(root, "es", "open-letter")
    assert entries[(None, "Pupils' data leaves the country.")].msgstr == ""
    assert entries[(None, "Software licences cost our schools 240 million euros each year.")
                   ].msgstr.startswith("Las licencias")


# ---------------------------------------------------------------------------- PO files


def test_a_po4a_catalog_is_imported_by_msgid(petition, tmp_path):
    root, cli = petition
    work = tmp_path / "po4a"
    work.mkdir()
    shutil.copy(PETITION / "page.md", work / "page.md")
    shutil.copy(PETITION / "translations/page.de.md", work / "page.de.md")
    po4a = ["-f", "text", "-o", "markdown", "-M", "UTF-8"]
    subprocess.run(["po4a-gettextize", *po4a, "-L", "UTF-8", "-m", "page.md", "-l",
                    "page.de.md", "-p", "de.po"], cwd=work, check=True, capture_output=True)
    # A translator reviews the gettextized catalog, then the English page changes a little.
    subprocess.run(["msgattrib", "--clear-fuzzy", "-o", "de.po", "de.po"], cwd=work, check=True)
    page = (work / "page.md").read_text()
    (work / "page.md").write_text(page.replace("ridership figures", "ridership numbers"))
    subprocess.run(["po4a-updatepo", *po4a, "-m", "page.md", "-p", "de.po", "--previous"],
                   cwd=work, check=True, capture_output=True)
    result = cli("import", "--lang", "de", str(work / "de.po"))
    entries = catalog(root, "de", "night-buses")
    assert entries[(None, "Our demands")].msgstr == "Unsere Forderungen"
    assert not entries[(None, "Our demands")].fuzzy
    title = "Keep the night buses running"
    assert entries[(None, title)].msgstr == entries[("campaign:title", title)].msgstr == \
        "Die Nachtbusse müssen fahren"
    long = entries[(None, "No. We hand the council the number of signatures and the districts "
                          "they come from, never your name or address.")]
    assert long.msgstr == ("Nein. Wir übergeben dem Stadtrat die Zahl der Unterschriften und die "
                           "Stadtteile, aus denen sie kommen, niemals deinen Namen oder deine "
                           "Adresse.")
    # po4a's update made this one fuzzy: imported as fuzzy, with the other tool's msgid kept.
    changed = entries[(None, "Publish the ridership figures the decision is based on.")]
    assert changed.fuzzy and changed.previous_msgid == \
        "Publish the ridership numbers the decision is based on."
    assert changed.msgstr.startswith("Die Fahrgastzahlen")
    share = entries[(None, "Share the petition: {{ site.url }}/petition/night-buses/")]
    assert share.msgstr == "Teile die Petition: {{ site.url }}/petition/night-buses/"
    assert "filled 20 messages (1 fuzzy), 0 conflicts" in result.stdout
    # What po4a extracted that is not a message here (front matter keys, the Liquid tag, the
    # writers' note) is listed, not lost silently.
    assert result.stdout.count("no message of the campaign is like this msgid") == 5
    check = cli("check", "--lang", "de", "--format", "json", expect=None)
    assert '"severity": "error"' not in check.stdout, check.stdout


def test_a_weblate_catalog_is_imported_by_msgid_and_closeness(petition):
    root, cli = petition
    po = PETITION / "translations/weblate.fr.po"
    path = root / "locales/fr/LC_MESSAGES/night-buses.po"
    cat = read_catalog(path)
    mine = next(e for e in cat.messages if e.msgid == "Our demands")
    mine.msgstr = "Nos demandes"
    path.write_bytes(dump_catalog(cat))
    result = cli("import", "--lang", "fr", str(po))
    out = result.stdout
    entries = catalog(root, "fr", "night-buses")
    # Exact, and exact once the other tool's line breaks are set aside.
    assert entries[(None, "Who runs the night buses?")].msgstr == "Qui exploite les bus de nuit ?"
    para = entries[(None, "The city plans to cut all twelve night bus lines from 1 January. "
                          "Nurses, cooks, cleaners and students who finish after midnight would "
                          "have no way home.")]
    assert para.msgstr.startswith("La ville prévoit") and "\n" not in para.msgstr
    assert f"leaflet.md:5 <- {po}:26 (exact (layout differs), reviewed)" in out
    # Fuzzy in Weblate stays fuzzy here; a close msgid becomes fuzzy with #| msgid.
    assert entries[(None, "Ask the people who ride at night before changing the timetable.")
                   ].fuzzy
    close = entries[(None, "Publish the ridership figures the decision is based on.")]
    assert close.fuzzy and close.previous_msgid == \
        "Publish the ridership numbers the decision rests on."
    # The translator's own translation is kept; the conflict names both places.
    assert entries[(None, "Our demands")].msgstr == "Nos demandes"
    assert (f"conflict: {po}:37 [source/night-buses/leaflet.md:8]: "
            "locales/fr/LC_MESSAGES/night-buses.po:51 already has a translation") in out
    assert not any(c.startswith("imported") for c in entries[(None, "Our demands")].comments)
    assert f"unknown: {po}:63: no message of the campaign is like this msgid" in out
    assert "filled 7 messages (2 fuzzy), 1 conflicts" in out
