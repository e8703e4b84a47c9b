"""Catalogs made by po4a (#15.2): obsolete entries keep their flags (`#, no-wrap`), their
previous msgids (`#~|`) and their layout; GNU msgcat is the reference, byte for byte."""

from __future__ import annotations

import subprocess
from pathlib import Path

from conftest import assert_canonical
from msgcat import drop_unknown_flags
from pipeline.catalogs.pofile import dump_catalog, read_catalog

DOC_V1 = """\
# Free them all

A first paragraph that is long enough to be wrapped by msgcat at the page width of
seventy-nine columns for sure.

    a verbatim block whose first line is long enough to go beyond the page width of seventy-nine
    and a second line

* a list item
* another item

> No to extradition!
"""
# The title and the paragraph change (fuzzy, with #| previous msgids); the verbatim block and
# the quote go (obsolete, still `#, no-wrap`).
DOC_V2 = """\
# Free them all now

A first paragraph that is long enough to be wrapped by msgcat at the page width of
eighty columns for sure.

* a list item
* another item
"""
# The title goes while it is fuzzy: an obsolete `#, fuzzy, no-wrap` entry with `#~| msgid`.
DOC_V3 = """\
A first paragraph that is long enough to be wrapped by msgcat at the page width of
eighty columns for sure.

* a list item
* another item
"""
# Shapes po4a's Markdown module does not make: contexts on obsolete entries (with a previous
# context), a live no-wrap entry with a long translation, a c-format obsolete entry whose
# directive sits where a line would break.
HAND_SHAPED = """
#, no-wrap
msgctxt "verbatim"
msgid "a live verbatim line that is long enough to go beyond the page width of seventy-nine\\n"
msgstr "ES a live verbatim line that is long enough to go beyond the page width of seventy-nine\\n"

#, fuzzy, no-wrap
#~| msgctxt "old block"
#~| msgid "an old verbatim block that was long enough to go beyond the page width of seventy-nine"
#~ msgctxt "block"
#~ msgid "a verbatim block that is long enough to go beyond the page width of seventy-nine columns"
#~ msgstr "ES a verbatim block that is long enough to go beyond the page width of seventy-nine columns"

#, c-format
#~ msgctxt "counter"
#~ msgid "There are %d leaflets left in the box next to the door of the office, %s wrote"
#~ msgstr "ES Il reste %d tracts dans la boîte à côté de la porte du bureau, a écrit %s"
"""


def _po4a(doc: Path, po: Path) -> None:
    subprocess.run(["po4a-updatepo", "-f", "text", "-o", "markdown", "-M", "UTF-8",
                    "-m", str(doc), "-p", str(po)], check=True, capture_output=True)


def _translate(po: Path) -> None:
    """Fill every translation the way a translator's tool would: gettext's own msgen/msgfilter."""
    subprocess.run(["msgen", str(po), "-o", str(po)], check=True, capture_output=True)
    subprocess.run(["msgfilter", "--keep-header", "-i", str(po), "-o", str(po),
                    "sed", "-e", "s/^/ES /"], check=True, capture_output=True)


def po4a_catalog(tmp_path: Path) -> Path:
    """es.po as po4a leaves it after three versions of a Markdown document."""
    doc, po = tmp_path / "doc.md", tmp_path / "es.po"
    doc.write_text(DOC_V1)
    _po4a(doc, po)
    _translate(po)
    for version in (DOC_V2, DOC_V3):
        doc.write_text(version)
        _po4a(doc, po)
    return po


def _msgcat(path: Path, out: Path) -> Path:
    subprocess.run(["msgcat", str(path), "-o", str(out)], check=True, capture_output=True)
    return out


def test_po4a_catalog_has_the_shapes_under_test(tmp_path):
    text = po4a_catalog(tmp_path).read_text()
    assert "#, no-wrap\n#~ msgid \"\"\n#~ \"    a verbatim block whose first line is long" in text
    assert "#, fuzzy, no-wrap\n#~| msgid \"Free them all\"\n#~ msgid \"Free them all now\"" in text
    assert "#, fuzzy\n#| msgid \"\"\n#| \"A first paragraph" in text


def test_po4a_catalog_is_written_as_msgcat_writes_it(tmp_path, cli):
    """Read and written again (normalize's canonical writer), a po4a catalog is byte for byte
    what msgcat makes of it: obsolete entries keep `no-wrap` and stay unwrapped."""
    po = po4a_catalog(tmp_path)
    po.write_text(po.read_text() + HAND_SHAPED)
    reference = _msgcat(po, tmp_path / "msgcat.po").read_bytes()
    ours = dump_catalog(read_catalog(po), keep_layout=False)
    assert drop_unknown_flags(ours.decode()) == reference.decode()
    assert b"#, no-wrap\n#~ msgid \"\"\n#~ \"    a verbatim block whose first line is long " \
           b"enough to go beyond the page width of seventy-nine\\n\"\n" in ours
    assert b"#~| msgctxt \"old block\"\n" in ours and b"#~ msgctxt \"counter\"\n" in ours
    # The msgcat-written file comes back byte-identical from normalize, and --check agrees.
    canonical = tmp_path / "msgcat.po"
    cli("normalize", "--check", str(canonical))
    cli("normalize", str(canonical))
    assert canonical.read_bytes() == reference
    # normalize also turns po4a's own file into msgcat's layout.
    cli("normalize", str(po))
    assert po.read_bytes() == reference


def test_update_keeps_obsolete_po4a_entries_and_writes_new_ones_like_msgcat(tmp_path, cli, demo):
    cli("update")
    es = demo / "locales/es/LC_MESSAGES/demo.po"
    canonical = _msgcat(po4a_catalog(tmp_path), tmp_path / "msgcat.po").read_text()
    obsolete = canonical[canonical.index("\n#, no-wrap\n#~ "):]
    es.write_text(es.read_text() + obsolete)
    before = es.read_bytes()
    cli("update", "--check")
    cli("update")
    assert es.read_bytes() == before
    # A message of the campaign marked no-wrap becomes obsolete when its source goes: written
    # by handbill's own writer, it keeps the flag and stays unwrapped, as msgcat has it.
    catalog = read_catalog(es)
    quote = next(e for e in catalog.messages if e.msgid == "No to extradition!")
    quote.msgstr = "¡No a la extradición! " * 6
    quote.flags = ["no-wrap"]
    es.write_bytes(dump_catalog(catalog))
    leaflet = demo / "source/demo/leaflet.md"
    leaflet.write_text(leaflet.read_text().replace("> No to extradition!\n", ""))
    result = cli("update")
    assert "1 obsolete" in result.stdout
    text = es.read_text()
    assert "#, no-wrap\n#~ msgid \"No to extradition!\"\n#~ msgstr \"¡No a la extradición! ¡No" in text
    assert obsolete.strip() in text
    assert_canonical(es)
