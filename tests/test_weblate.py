"""Catalogs saved by Weblate (#15.1): translate-toolkit's PO storage, driven the way Weblate
drives it, then `handbill update --check` must pass and `update` must not churn the file.

What Weblate writes when a translator saves or approves (weblate/formats/ttkit.py PoUnit and
weblate/trans/models/translation.py, over translate-toolkit 3.20's pypo and poheader):

- only the units it touched are re-serialised; every other unit keeps its lines byte for byte;
- a touched msgstr is re-wrapped at 77 columns of text by translate-toolkit's own breaker
  (unicode-segmentation-rs `gettext_wrap`), which is close to gettext's but not equal: it writes
  a 71-character msgstr on the keyword's line (80 columns: gettext moves it to the next line),
  keeps an opening '¡' at the end of a line, and counts Arabic wider or narrower than
  libunistring does;
- when the fuzzy state changes, the flags are sorted alphabetically
  (`#, max-length:239, python-brace-format`); gettext's order puts formats first;
- approving (not fuzzy) drops the previous msgid (`#|`);
- the header gets Last-Translator, PO-Revision-Date, Language, Language-Team (with a link to
  the translation in Weblate), Plural-Forms in Weblate's spelling (Spanish `plural=n != 1;`
  without gettext's parentheses) and, at its end, `X-Generator: Weblate X.Y`.

handbill's answer: an entry whose content does not change keeps the file's own text, and flags
keep the file's order while their set is the same; so none of the above is undone.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

from conftest import Cli
from pipeline.catalogs.pofile import dump_catalog, read_catalog
from translate.storage.pypo import pofile

ES = "locales/es/LC_MESSAGES/free-assange.po"
AR = "locales/ar/LC_MESSAGES/free-assange.po"
WEBLATE = "Weblate 5.8.4"
# Weblate's own plural formulas (its language database), as it writes them.
PLURALS = {"es": "nplurals=2; plural=n != 1;"}


def weblate_save(path: Path, lang: str, edits: dict[tuple[str | None, str], str | None],
                 fuzzy: bool = False) -> None:
    """Save translations into `path` the way Weblate does: load with translate-toolkit, set
    each target (None: keep the text, approve only) and the state, update the header, write."""
    store = pofile(path.read_bytes())  # Weblate's default wrap: 77 (its po_line_wrap)
    done = set()
    for unit in store.units:
        if unit.isheader() or unit.isobsolete():
            continue
        key = (unit.getcontext() or None, unit.source)
        if key not in edits:
            continue
        target = edits[key]
        unit.target = unit.target if target is None else target  # PoUnit.set_target
        unit.markfuzzy(fuzzy)  # PoUnit.set_state
        if not fuzzy:
            unit.prev_msgid, unit.prev_msgid_plural, unit.prev_msgctxt = [], [], []
        done.add(key)
    assert done == set(edits), set(edits) - done
    plural = PLURALS.get(lang, store.parseheader().get("Plural-Forms"))
    team = {"es": "Spanish", "ar": "Arabic"}[lang]
    store.updateheader(  # Translation.update_units -> BasePoFormat.update_header
        add=True, last_translator="Ana Translator <ana@example.org>", plural_forms=plural,
        language=lang, PO_Revision_Date="2026-12-01 09:30+0000",
        language_team=f"{team} <https://weblate.example.org/projects/free-assange/{lang}/>",
        x_generator=WEBLATE)
    out = io.BytesIO()
    store.serialize(out)
    path.write_bytes(out.getvalue())


def _key(path: Path, start: str, context: str | None = None) -> tuple[str | None, str]:
    entry = next(e for e in read_catalog(path).messages
                 if e.msgid.startswith(start) and e.msgctxt == context)
    return entry.msgctxt, entry.msgid


def _approve_in_weblate(root: Path) -> dict[str, bytes]:
    es, ar = root / ES, root / AR
    es_edits = {
        _key(es, "**PARTICIPATE**"): None,  # re-saved as is: re-wrapped ('¡' at a line end)
        _key(es, "Outside the embassies", "campaign:place"): None,  # 71 characters: 80 columns
        _key(es, "Nils Melzer", "post:torture"): ("Nils Melzer, relator especial de la ONU sobre la tortura, "
                                  "calificó el trato dado a Julian Assange como tortura "
                                  "psicológica y persecución colectiva. ¡Basta de ocultar la "
                                  "verdad sobre los crímenes del imperialismo!"),
    }
    ar_edits = {_key(ar, "Take to the streets on {date}!", "post:mobilize"): None,
                _key(ar, "Sign the IPA", "post:send-a-letter"): None,
                _key(ar, "For more than ten years, journalist"): None}
    before = {ES: es.read_bytes(), AR: ar.read_bytes()}
    weblate_save(es, "es", es_edits)
    weblate_save(ar, "ar", ar_edits)
    return before


def test_update_check_passes_after_a_weblate_save(shipped):
    cli = Cli(shipped)
    cli("update", "--check")
    before = _approve_in_weblate(shipped)
    es, ar = (shipped / ES).read_text(), (shipped / AR).read_text()
    # What Weblate wrote, as the module docstring says (so a change in translate-toolkit that
    # makes this test pass for another reason shows up here).
    assert "#, max-length:239, python-brace-format\nmsgctxt \"post:mobilize\"" in ar
    assert ("msgstr \"Frente a las embajadas y consulados del Reino Unido y de Estados "
            "Unidos\"\n") in es
    assert "movimientos. ¡\"\n\"Ayúdanos" in es
    assert "\"X-Generator: Weblate 5.8.4\\n\"\n" in es and "plural=n != 1;" in es
    assert "Language-Team: Spanish <https://weblate.example.org/" in es
    untouched = before[AR].split(b"\n\n")[-1]  # ttk keeps what it did not touch
    assert untouched in (shipped / AR).read_bytes()
    saved = {ES: (shipped / ES).read_bytes(), AR: (shipped / AR).read_bytes()}
    result = cli("update", "--check")
    assert "would change" not in result.stdout
    cli("update")
    assert {ES: (shipped / ES).read_bytes(), AR: (shipped / AR).read_bytes()} == saved
    rows = json.loads(cli("status", "--json", "--campaign", "free-assange", "--lang", "ar").stdout)
    assert rows[0]["reviewed"] == 3  # the three approved messages count as reviewed


def test_after_a_weblate_save_template_changes_keep_weblates_flag_order(shipped):
    cli = Cli(shipped)
    _approve_in_weblate(shipped)
    posts = shipped / "source/free-assange/posts.yml"
    # Every post moves down one line: only the references change.
    posts.write_text("# A comment line.\n" + posts.read_text())
    result = cli("update", "--check", expect=1)
    line = next(x for x in result.stdout.splitlines() if x.startswith("locales/free-assange.pot"))
    assert line.endswith("would change: the source references (#:) changed (template changed)")
    cli("extract")
    result = cli("update", "--check", expect=1)
    ar_line = next(x for x in result.stdout.splitlines() if x.startswith(AR))
    assert ar_line.endswith("would change: the source references (#:) changed (template "
                            "changed)"), ar_line
    reported = int(ar_line.split(":")[1])
    assert (shipped / AR).read_text().splitlines()[reported - 1].startswith("#: source/")
    cli("update")
    ar = (shipped / AR).read_text()
    # The same flags as before: Weblate's order stays, the entry now cites line 7.
    assert ("#: source/free-assange/posts.yml:7\n#, max-length:239, python-brace-format\n"
            "msgctxt \"post:mobilize\"") in ar
    cli("update", "--check")
    # A changed source text makes the message fuzzy: a new set of flags, in gettext's order.
    posts.write_text(posts.read_text().replace("Take to the streets on {date}!",
                                               "Take to the streets with us on {date}!"))
    cli("update")
    ar = (shipped / AR).read_text()
    assert "#, fuzzy, python-brace-format, max-length:239\n#| msgctxt \"post:mobilize\"" in ar


def test_normalize_says_what_it_would_undo_in_a_weblate_file(shipped):
    """normalize is the one command that re-lays out a whole file (it reports why)."""
    cli = Cli(shipped)
    _approve_in_weblate(shipped)
    result = cli("normalize", "--check", str(shipped / ES), str(shipped / AR), expect=1)
    lines = result.stdout.splitlines()
    es = next(x for x in lines if x.startswith(str(shipped / ES)))
    assert es.endswith("would change: re-wrapped (layout)"), es
    # The first: Weblate's long Language-Team header line, which gettext breaks elsewhere.
    catalog_text = (shipped / ES).read_text().splitlines()
    assert catalog_text[int(es.split(":")[1]) - 1].startswith('"Language-Team: Spanish <')
    # Flags keep Weblate's order under normalize too: only the wrapping changes.
    cli("normalize", str(shipped / AR))
    assert "#, max-length:239, python-brace-format\n" in (shipped / AR).read_text()


def test_weblate_saves_what_handbill_wrote_for_untouched_entries(shipped):
    """The other direction: a file handbill wrote, saved by Weblate with nothing edited, keeps
    every message's lines (only the header changes)."""
    path = shipped / ES
    before = path.read_bytes()
    weblate_save(path, "es", {})
    after = path.read_bytes()
    assert before.split(b"\n\n", 1)[1] == after.split(b"\n\n", 1)[1]
    catalog = read_catalog(path)
    assert dump_catalog(catalog) == after
