"""Property tests (hypothesis): what must hold for any input, not just the examples."""

from __future__ import annotations

import string

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.catalogs.pofile import Catalog, Entry, dump_catalog, parse
from pipeline.render.markdown import inline as inline_html

# Anything a translator can type, with the troublemakers weighted up: quotes, backslashes,
# tabs, newlines, CR, RTL/LRM marks, bidi isolates, emoji, combining marks, very long words.
TRICKY = st.sampled_from(['"', "\\", "\t", "\n", "\r", "\u200f", "\u200e", "\u2068", "😀",
                          "👩🏽‍💻", "\u0301", "«", "—", "#", "%", "{", "}", "\a", "\f", "\v",
                          "x" * 120, "جوليان", "जूलियन", "自由"])
TEXT = st.lists(st.one_of(TRICKY, st.characters(blacklist_categories=("Cs",),
                                                blacklist_characters="\x00")),
                max_size=60).map("".join)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(msgid=TEXT.filter(bool), msgstr=TEXT, context=st.none() | TEXT, previous=st.none() | TEXT,
       comment=TEXT.map(lambda t: t.replace("\n", " ").replace("\r", " ")),
       width=st.sampled_from([79, 40, 0]), fuzzy=st.booleans(), obsolete=st.booleans())
def test_po_write_read_round_trips_any_unicode(msgid, msgstr, context, previous, comment,
                                               width, fuzzy, obsolete):
    entry = Entry(msgid=msgid, msgstr=msgstr or "x", msgctxt=context, previous_msgid=previous,
                  comments=[comment], flags=["fuzzy"] if fuzzy else [], obsolete=obsolete)
    header = Entry(msgid="", msgstr="Content-Type: text/plain; charset=UTF-8\n")
    text = dump_catalog(Catalog([header, entry]), width).decode("utf-8")
    back = [e for e in parse(text) if not e.is_header]
    assert len(back) == 1
    got = back[0]
    assert (got.msgid, got.msgstr, got.msgctxt, got.previous_msgid, got.obsolete) == \
           (msgid, msgstr or "x", context, previous, obsolete)
    assert got.fuzzy == fuzzy
    assert got.comments == [comment.rstrip("\r")] if comment else True
    # Writing what was read gives the same bytes: the canonical form is a fixed point.
    assert dump_catalog(Catalog(parse(text)), width, keep_layout=False).decode("utf-8") == text


PLAIN = st.text(alphabet=string.ascii_letters + string.digits + " .,;:!?'-" + "éñçاأبجदनम自由",
                min_size=1, max_size=200).map(lambda t: " ".join(t.split())).filter(bool)


@settings(max_examples=200, deadline=None)
@given(PLAIN)
def test_source_language_text_renders_back_to_itself(text):
    """Text without markup comes out of the inline renderer as itself (escaped only)."""
    import html

    rendered = str(inline_html(text))
    assert html.unescape(rendered) == text


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(paragraphs=st.lists(PLAIN.filter(lambda t: t[0] not in "-+#>0123456789" and
                                        not t.endswith(" ")), min_size=1, max_size=4))
def test_source_language_leaflet_holds_its_own_text(tmp_path_factory, paragraphs):
    """Rendered in the source language, the leaflet says exactly what the writer wrote."""
    import html
    import re

    from conftest import Cli, write_demo

    root = write_demo(tmp_path_factory.mktemp("p"))
    (root / "source/demo/leaflet.md").write_text(
        "# Free them all\n\n" + "\n\n".join(paragraphs) + "\n", encoding="utf-8")
    Cli(root)("render", "--lang", "en", "--only", "leaflet")
    page = (root / "output/en/demo/leaflet.html").read_text(encoding="utf-8")
    # typography.py changes characters at render time (curly quotes, no-break spaces): the
    # words are the writer's, compared with quotes and spaces made plain again.
    plain = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"', "\xa0": " ", "\u202f": " "})
    shown = [html.unescape(re.sub(r"<[^>]+>", "", p)).strip().translate(plain)
             for p in re.findall(r"<p[^>]*>(.*?)</p>", page, re.S)]
    for paragraph in paragraphs:
        assert paragraph.translate(plain) in shown
