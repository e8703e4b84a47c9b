"""Issue #17.1: the typographic rules as functions (pipeline/render/typography.py)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from pipeline.render import typography as ty

NBSP, NNBSP = "\u00a0", "\u202f"
EN = ty.rules_for("en", ["Julian Assange", "Nils Melzer", "Assange"])


def test_names_and_number_noun_pairs_do_not_break():
    text = "He faces 18 counts and 175 years; Julian Assange and Nils Melzer spoke on April 11, 2019, while"
    out = ty.unbreakable(text, EN, last_words=False)
    assert f"18{NBSP}counts" in out and f"175{NBSP}years" in out
    assert f"Julian{NBSP}Assange" in out and f"Nils{NBSP}Melzer" in out
    assert "11, 2019, while" in out  # a number before a comma binds nothing


def test_arabic_prefix_with_tatweel_and_number_bind_to_the_next_word():
    ar = ty.rules_for("ar", ["Julian Assange"])
    out = ty.unbreakable("الحرية لـ Assange الآن! وجهت إليه 18 تهمة بموجب", ar, False)
    assert f"لـ{NBSP}Assange" in out and f"18{NBSP}تهمة" in out


def test_last_two_words_stay_together_unless_long():
    assert ty.unbreakable("we must all be free", EN).endswith(f"be{NBSP}free")
    long = "internationalisation counterrevolutionaries"
    assert NBSP not in ty.unbreakable(f"a {long}", EN)


def test_quotes_and_apostrophes_per_language():
    assert ty.smarten("Assange's \"case\" and 'truth'", EN) == "Assange’s “case” and ‘truth’"
    de = ty.rules_for("de")
    assert ty.smarten('Er sagte "frei"', de) == "Er sagte „frei“"
    fr = ty.rules_for("fr")
    assert ty.smarten('Il dit "libre" ! Vraiment ?', fr) == \
        f"Il dit «{NNBSP}libre{NNBSP}»{NNBSP}! Vraiment{NNBSP}?"
    assert ty.smarten("l'IPA", fr) == "l’IPA"
    ja = ty.rules_for("ja")
    assert ty.smarten('彼は"自由"と', ja) == "彼は「自由」と"


def test_a_translators_own_choice_wins_and_links_are_left_alone():
    fr = ty.rules_for("fr")
    assert ty.smarten(f"libre{NBSP}!", fr) == f"libre{NBSP}!"  # typed by the translator
    url = "https://example.org/it's?a=1 #Free'Now"
    assert ty.smarten(url, EN) == url
    assert ty.smarten("’ “ « »", EN) == "’ “ « »"


def test_html_keeps_tags_and_code_as_written():
    html = 'Say <strong>"no"</strong> to <code>"x"</code> &amp; 18 counts'
    out = ty.html(html, EN, last_words=False)
    assert out == f"Say <strong>“no”</strong> to <code>&#34;x&#34;</code> &amp; 18{NBSP}counts"


def _width(text: str) -> float:
    return float(len(text))


def test_balance_fewest_lines_then_narrowest_and_no_runt():
    words = "Julian\u00a0Assange must be free!".split(" ")
    lines = ty.balance(words, _width, 20)
    assert lines == ["Julian\u00a0Assange", "must be free!"]
    # Greedy fills "aaaa bbbb cccc dddd" and leaves "e" alone; balanced lines do not.
    assert ty.balance("aaaa bbbb cccc dddd e".split(), _width, 20) == ["aaaa bbbb", "cccc dddd e"]
    assert ty.balance(["toolongword"], _width, 5) is None
    # One long word may end a text alone; a short one not even when strict.
    assert ty.balance(["No", "to", "extradition!"], _width, 13) == ["No to", "extradition!"]
    assert ty.balance(["aaaaaaaaaa", "bb"], _width, 11, strict=True) is None


@given(st.lists(st.text("abcdefgh", min_size=1, max_size=8), min_size=1, max_size=12),
       st.integers(8, 40))
def test_balance_keeps_every_word_in_order_within_the_width(words, width):
    lines = ty.balance(words, _width, width)
    if lines is None:
        assert max(map(len, words)) > width
        return
    assert " ".join(lines).split(" ") == words
    assert all(len(line) <= width for line in lines)
    greedy, current = 0, ""
    for word in words:  # balancing never takes more lines than greedy filling
        if current and len(current) + 1 + len(word) > width:
            greedy, current = greedy + 1, word
        else:
            current = f"{current} {word}" if current else word
    assert len(lines) <= greedy + 1 or len(lines) <= len(words) // 2 + 1


def test_no_short_word_alone_on_a_middle_line():
    """pt_BR and fr square cards read "Julian Assange / precisa / ser livre!": the middle line
    one short word. Two lines (at a smaller size, where the card needs it) are better."""
    from pipeline.render.typography import balance

    words = ["Julian\u00a0Assange", "doit", "être", "libre!"]
    assert balance(words, len, 15, strict=True) is None  # three lines would strand "doit"
    assert balance(words, len, 20, strict=True) == ["Julian\u00a0Assange", "doit être libre!"]
    # A long word may stand alone in the middle ("extradition" fills the measure).
    assert balance(["No", "to", "extraditions", "now", "please"], len, 13, strict=True) == [
        "No to", "extraditions", "now please"]
