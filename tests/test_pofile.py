"""PO reading and writing: GNU gettext (msgcat, msgfmt) is the reference."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from conftest import assert_canonical, drop_unknown_flags
from pipeline.errors import CatalogError
from pipeline.catalogs.pofile import Catalog, Entry, dump_catalog, read_catalog

HEADER = '''msgid ""
msgstr ""
"Project-Id-Version: test\\n"
"Language: {lang}\\n"
"MIME-Version: 1.0\\n"
"Content-Type: text/plain; charset={charset}\\n"
"Content-Transfer-Encoding: 8bit\\n"
"Plural-Forms: {plural}\\n"
'''

# Real-world shapes, written loosely (odd wrapping, flag order, spacing) the way files arrive;
# msgcat turns each into its canonical form, which handbill must reproduce byte for byte.
CASES = {
    "arabic_six_plurals": ("ar", "UTF-8",
        "nplurals=6; plural=(n==0 ? 0 : n==1 ? 1 : n==2 ? 2 : n%100>=3 && n%100<=10 ? 3 : n%100>=11 ? 4 : 5);",
        '''
# translator note
#. extracted note
#: source/a.md:3 source/b.md:10
#, python-format
msgid "%(n)s leaflet"
msgid_plural "%(n)s leaflets"
msgstr[0] "لا منشورات"
msgstr[1] "منشور واحد"
msgstr[2] "منشوران"
msgstr[3] "%(n)s منشورات"
msgstr[4] "%(n)s منشورًا"
msgstr[5] "%(n)s منشور"
'''),
    "japanese_one_plural": ("ja", "UTF-8", "nplurals=1; plural=0;", '''
msgid "%d day"
msgid_plural "%d days"
msgstr[0] "%d日"

msgctxt "card:free"
msgid "Free Assange NOW! A very long slogan that certainly needs to be wrapped because it is longer than the page"
msgstr "アサンジを今すぐ解放せよ！とても長いスローガンで、ページより長いので必ず折り返す必要があります。さらに長くするための文章です。"
'''),
    "latin1_french": ("fr", "ISO-8859-1", "nplurals=2; plural=(n > 1);", '''
#, fuzzy, python-brace-format
#| msgid "Take to the streets on {date}"
msgid "Take to the streets with us on {date}"
msgstr "Descendez dans la rue le {date}, élève"
'''),
    "koi8_russian": ("ru", "KOI8-R",
        "nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2);",
        '''
msgid "freedom"
msgstr "свобода"

#~ msgid "old text"
#~ msgstr "старый текст"
'''),
    "escapes_and_flags": ("es", "UTF-8", "nplurals=2; plural=(n != 1);", '''
#, max-length:80, python-brace-format, fuzzy, ignore-ending
msgctxt "post:mobilize"
msgid "Tab\\there and \\"quotes\\" and a backslash \\\\ and\\nnew line"
msgstr "Tab\\taquí y \\"comillas\\" y una barra \\\\ y\\nnueva línea"

#~| msgid "previous"
#~ msgid "obsolete with previous"
#~ msgstr "obsoleto"
'''),
}


def _write_case(tmp_path: Path, name: str) -> Path:
    lang, charset, plural, body = CASES[name]
    text = HEADER.format(lang=lang, charset=charset, plural=plural) + body
    raw = tmp_path / f"{name}.raw.po"
    raw.write_bytes(text.encode("koi8_r" if charset == "KOI8-R" else
                                "latin-1" if charset == "ISO-8859-1" else "utf-8"))
    canonical = tmp_path / f"{name}.po"
    out = subprocess.run(["msgcat", str(raw)], capture_output=True, check=True).stdout
    # msgcat drops flags it does not know; add ours back where the raw file had them.
    if b"max-length:80" in raw.read_bytes():
        out = out.replace(b"#, fuzzy, python-brace-format\n",
                          b"#, fuzzy, python-brace-format, max-length:80, ignore-ending\n")
    canonical.write_bytes(out)
    return canonical


@pytest.mark.parametrize("name", sorted(CASES))
def test_real_world_catalogs_round_trip_byte_for_byte(tmp_path, name):
    path = _write_case(tmp_path, name)
    catalog = read_catalog(path)
    assert dump_catalog(catalog, keep_layout=False) == path.read_bytes()
    assert dump_catalog(catalog) == path.read_bytes()
    assert_canonical(path)


def test_round_trip_keeps_every_part(tmp_path):
    catalog = read_catalog(_write_case(tmp_path, "escapes_and_flags"))
    active = catalog.messages[0]
    assert active.msgctxt == "post:mobilize"
    assert active.msgid == 'Tab\there and "quotes" and a backslash \\ and\nnew line'
    assert active.fuzzy and "max-length:80" in active.flags and "ignore-ending" in active.flags
    obsolete = catalog.obsolete[0]
    assert obsolete.previous_msgid == "previous" and obsolete.msgstr == "obsoleto"
    arabic = read_catalog(_write_case(tmp_path, "arabic_six_plurals")).messages[0]
    assert len(arabic.msgstr_plural) == 6
    assert arabic.comments == ["translator note"] and arabic.extracted == ["extracted note"]
    assert arabic.references == ["source/a.md:3", "source/b.md:10"]
    koi = read_catalog(_write_case(tmp_path, "koi8_russian"))
    assert koi.charset == "KOI8-R" and koi.messages[0].msgstr == "свобода"


@pytest.mark.parametrize("width", [79, 40, 0])
def test_wrapping_matches_msgcat_for_every_script(tmp_path, width):
    texts = [
        "Julian Assange must be free! " * 5,
        "جوليان أسانج يجب أن يكون حراً. لا لتسليمه! " * 4,
        "जूलियन असांज को रिहा करो। प्रत्यर्पण नहीं! " * 4,
        "朱利安·阿桑奇必须获得自由！不要引渡！" * 6,
        "https://example.org/a/very/long/path/that/goes/on?and=on&and=on#fragment text after",
        "Line one\nLine two is longer than the others and must wrap at the page width for sure\n",
        "{date} %(n)s **bold** [link](https://x.org) #FreeAssangeNOW @ipa_aip e-mail well-known",
    ]
    entries = [Entry(msgid="", msgstr="Content-Type: text/plain; charset=UTF-8\n")]
    for i, text in enumerate(texts):
        entries.append(Entry(msgid=text, msgstr=text[::-1], msgctxt=f"c{i}",
                             previous_msgid=text.upper(), flags=["fuzzy"]))
    path = tmp_path / "wrap.po"
    path.write_bytes(dump_catalog(Catalog(entries), width))
    assert_canonical(path, width)


def test_empty_fuzzy_and_untranslated_obsolete_are_dropped_like_msgcat(tmp_path):
    entries = [Entry(msgid="", msgstr="Content-Type: text/plain; charset=UTF-8\n"),
               Entry(msgid="a", flags=["fuzzy"]),
               Entry(msgid="gone", obsolete=True)]
    text = dump_catalog(Catalog(entries)).decode()
    assert "fuzzy" not in text and "gone" not in text


BROKEN = {
    "unterminated string": ('msgid "a"\nmsgstr "b\n', 2, "unterminated string"),
    "bad escape": ('msgid "a\\q"\nmsgstr "b"\n', 1, "invalid escape"),
    "duplicate msgid": ('msgid "a"\nmsgstr "b"\n\nmsgid "a"\nmsgstr "c"\n', 4, "duplicate"),
    "truncated mid-entry": ('msgid "a"\nmsgstr "b"\n\nmsgid "c"\n', 4, "no msgstr"),
    "NUL byte": ('msgid "a"\nmsgstr "b\x00"\n', 2, "NUL"),
    "msgstr without msgid": ('msgstr "b"\n', 1, "without a msgid"),
    "garbage keyword": ('msgid "a"\nmsgstr "b"\nfoo "x"\n', 3, "syntax error"),
    "plural gap": ('msgid "a"\nmsgid_plural "as"\nmsgstr[0] "x"\nmsgstr[2] "z"\n', 1, "gaps"),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_broken_catalogs_name_file_and_line(tmp_path, case):
    text, line, words = BROKEN[case]
    path = tmp_path / "broken.po"
    path.write_bytes(text.encode())
    with pytest.raises(CatalogError) as info:
        read_catalog(path)
    assert info.value.line == line, str(info.value)
    assert words in str(info.value)
    assert str(info.value).startswith(f"{path}:{line}: ")


def test_bytes_invalid_for_declared_charset(tmp_path):
    path = tmp_path / "bad.po"
    path.write_bytes(HEADER.format(lang="es", charset="UTF-8", plural="nplurals=2; plural=(n != 1);")
                     .encode() + b'\nmsgid "a"\nmsgstr "\xe9l\xe8ve"\n')
    with pytest.raises(CatalogError) as info:
        read_catalog(path)
    assert info.value.line == 11 and "UTF-8" in str(info.value)


def test_unknown_charset(tmp_path):
    path = tmp_path / "bad.po"
    path.write_bytes(HEADER.format(lang="es", charset="X-NOPE", plural="nplurals=1; plural=0;")
                     .encode())
    with pytest.raises(CatalogError, match="unknown charset"):
        read_catalog(path)


def test_bom_and_crlf_are_read_like_gettext(tmp_path):
    body = HEADER.format(lang="es", charset="UTF-8", plural="nplurals=2; plural=(n != 1);")
    body += '\nmsgid "a"\nmsgstr "b"\n'
    path = tmp_path / "crlf.po"
    path.write_bytes(b"\xef\xbb\xbf" + body.replace("\n", "\r\n").encode())
    catalog = read_catalog(path)
    assert catalog.messages[0].msgstr == "b"
    # Written back canonical: LF line ends, no BOM, exactly what msgcat makes of the CRLF text.
    crlf_only = tmp_path / "crlf-only.po"
    crlf_only.write_bytes(body.replace("\n", "\r\n").encode())
    reference = subprocess.run(["msgcat", str(crlf_only)], capture_output=True,
                               check=True).stdout
    assert dump_catalog(catalog, keep_layout=False) == reference
    assert dump_catalog(read_catalog(crlf_only)) == reference  # kept entries lose the CRs too


def test_gettext_reads_what_we_write_with_polib_too(tmp_path):
    import polib

    path = _write_case(tmp_path, "escapes_and_flags")
    entry = polib.pofile(str(path)).find("Tab\there and \"quotes\" and a backslash \\ and\nnew line",
                                         msgctxt="post:mobilize")
    assert entry is not None and entry.fuzzy


def test_drop_unknown_flags_helper_only_drops_unknown():
    assert drop_unknown_flags("#, fuzzy, max-length:5\n") == "#, fuzzy\n"
    assert drop_unknown_flags("#, max-length:5\n") == ""
    assert drop_unknown_flags("#, markdown-text, no-wrap, no-c-format, ignore-x\n") == \
        "#, no-wrap, no-c-format\n"
    assert drop_unknown_flags("#, range: 1..5, possible-python-brace-format\n") == \
        "#, range: 1..5, possible-python-brace-format\n"


WEBLATE_SHAPED = '''msgid ""
msgstr "Content-Type: text/plain; charset=UTF-8\\n"

#: source/a.md:3
#, max-length:239, python-brace-format
msgid "Take to the streets on {date}!"
msgstr "Frente a las embajadas y consulados del Reino Unido y de Estados Unidos"

#, fuzzy, max-length:80, no-wrap, python-format
msgid "%(n)s leaflets"
msgstr "%(n)s tracts"
'''


def test_flags_keep_the_files_order_while_their_set_is_the_same(tmp_path):
    path = tmp_path / "weblate.po"
    path.write_text(WEBLATE_SHAPED)
    catalog = read_catalog(path)
    canonical = dump_catalog(catalog, keep_layout=False).decode()
    assert "#, max-length:239, python-brace-format\n" in canonical
    assert "#, fuzzy, max-length:80, no-wrap, python-format\n" in canonical
    first, second = catalog.messages
    second.fuzzy = False  # the set changes: gettext's order (formats, no-wrap, then unknown)
    first.references = ["source/a.md:4"]  # the set stays: the file's order stays
    text = dump_catalog(catalog).decode()
    assert "#: source/a.md:4\n#, max-length:239, python-brace-format\n" in text
    assert "#, python-format, no-wrap, max-length:80\n" in text
    # A new entry has no file order: gettext's.
    fresh = Entry(msgid="a", msgstr="b", flags=["max-length:5", "fuzzy", "python-format"])
    assert "#, fuzzy, python-format, max-length:5\n" in dump_catalog(Catalog([fresh])).decode()


def test_an_entry_keeps_the_files_text_until_its_content_changes(tmp_path):
    """Unchanged entries are copied as the file has them (Weblate's 80-column line here);
    a changed entry is written in msgcat's layout; keep_layout=False re-lays out all."""
    path = tmp_path / "weblate.po"
    path.write_text(WEBLATE_SHAPED)
    catalog = read_catalog(path)
    assert dump_catalog(catalog) == path.read_bytes()
    one_line = 'msgstr "Frente a las embajadas y consulados del Reino Unido y de Estados Unidos"\n'
    assert one_line in path.read_text()
    catalog.messages[1].msgstr = "%(n)s hojas"
    text = dump_catalog(catalog).decode()
    assert one_line in text and 'msgstr "%(n)s hojas"' in text
    canonical = dump_catalog(catalog, keep_layout=False).decode()
    assert one_line not in canonical
    assert 'msgstr ""\n"Frente a las embajadas y consulados del Reino Unido y de Estados ' \
           'Unidos"\n' in canonical


@pytest.mark.parametrize("width", [79, 40, 12])
def test_random_catalogs_are_written_as_msgcat_writes_them(width):
    """The fuzz of benchmarks/msgcat_identity.py, a fixed sample: scripts, escapes, format
    directives (and gettext 0.21's quirks with them), obsolete entries with their flags."""
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
    from msgcat_identity import check

    assert check(catalogs=25, seed=11, width=width, formats=True, show=1) == 0


# The fast path (poscan.scan) reads entries of the usual shape; at any other it hands over to
# the line parser from the start of its last entry. Both must read every file alike.
_HANDOVER_CASES = {
    "usual": '# c\n#. x\n#: a.md:1 ./a.md:1\n#, fuzzy, python-format\n#| msgctxt "o"\n'
             '#| msgid "old"\nmsgctxt "k"\nmsgid ""\n"long "\n"text"\nmsgstr "t\\n"\n\n'
             'msgid "b"\nmsgstr "c"\n',
    "string after a blank line": 'msgid "a"\nmsgstr "b"\n\n"c"\n\nmsgid "d"\nmsgstr ""\n',
    "indented string": 'msgid "a"\nmsgstr "b"\n  "c"\nmsgid "d"\nmsgstr ""\n',
    "obsolete continuation": 'msgid "a"\nmsgstr "b"\n#~ "c"\n',
    "obsolete tail": 'msgid "a"\nmsgstr "b"\n\n#~ msgid "o"\n#~ msgstr "p"\n',
    "plural in the middle": 'msgid "a"\nmsgstr "b"\n\nmsgid "n"\nmsgid_plural "ns"\nmsgstr[0] "x"'
                            '\nmsgstr[1] "y"\n\nmsgid "z"\nmsgstr "w"',
    "comment after previous": '#| msgid "o"\n#, fuzzy\nmsgid "a"\nmsgstr "b"\n',
    "duplicate": 'msgid "a"\nmsgstr "b"\n\nmsgid "a"\nmsgstr "c"\n',
    "bad escape": 'msgid "a"\nmsgstr "b\\q"\n',
    "two strings on a line": 'msgid "a" "b"\nmsgstr "c"  "d"\n',
    "stray text": 'msgid "a"\nmsgstr "b" x\n',
    "previous string first": '#| "o"\nmsgid "a"\nmsgstr "b"\n',
    "no msgstr at the end": 'msgid "a"\nmsgstr "b"\n\nmsgid "c"\n',
    "comments only": '# nothing else\n',
    "empty": '',
}


@pytest.mark.parametrize("name", sorted(_HANDOVER_CASES))
def test_the_fast_path_reads_like_the_line_parser(monkeypatch, name):
    from pipeline.catalogs import pofile, poscan
    from pipeline.catalogs.entries import content

    def read(text):
        try:
            return [(content(e), e.line, e.origin.start, e.origin.end, e.origin.text)
                    for e in pofile.parse(text, "x.po")]
        except CatalogError as exc:
            return str(exc)

    text = _HANDOVER_CASES[name]
    fast = read(text)

    def unusual(text, lines):
        raise poscan.Unusual

    monkeypatch.setattr(pofile, "scan", unusual)
    assert fast == read(text)
    if name == "usual":
        entries, _seen, resume = poscan.scan(text, text.split("\n"))
        assert len(entries) == 2 and resume == len(text.split("\n"))  # no handover
    if name == "string after a blank line":
        assert fast[0][0][1] == "bc"
