"""Masking before an engine, restoring after: tokens, spacing tolerance, refusal of losses."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.drafting.langcodes import code_candidates, pick_code
from pipeline.drafting.masking import MaskError, mask, must_keep, unmask

TERMS = ("Julian Assange", "Assange", "Julian", "Wikileaks", "International Peoples' Assembly")


@pytest.mark.parametrize("text, hidden", [
    ("Take to the streets on {date}!", ["{date}"]),
    ("%(n)s letters sent", ["%(n)s"]),
    ("See https://ipa-aip.org/call. Now.", ["https://ipa-aip.org/call"]),
    ("Read [the call](https://ipa-aip.org/x \"title\") today", ["[", "](https://ipa-aip.org/x \"title\")"]),
    ("Share #FreeAssangeNOW and follow @ipa@mastodon.social", ["#FreeAssangeNOW", "@ipa@mastodon.social"]),
    ("Write to info@ipa-aip.org", ["info@ipa-aip.org"]),
    ("**MOBILIZE** – *now* and _here_", ["**", "**", "*", "*", "_", "_"]),
    ("Run `handbill draft` here", ["`handbill draft`"]),
    ("As the International Peoples’ Assembly, free Julian Assange and Assange’s work",
     ["International Peoples’ Assembly", "Julian Assange", "Assange"]),
])
def test_mask_hides_what_must_not_change(text, hidden):
    masked = mask(text, TERMS)
    assert list(masked.pieces) == hidden
    for piece in hidden:
        if len(piece) > 2:
            assert piece not in masked.text
    assert unmask(masked.text, masked) == text


def test_plain_underscores_stars_and_percent_stay_text():
    text = "snake_case, 5 * 3 and 50% of people"
    assert mask(text).pieces == ()
    assert mask("%s of %d", printf=True).pieces == ("%s", "%d")


def test_spacing_changes_are_tolerated():
    masked = mask("A **bold** [link](https://x.org/) on {date}.")
    assert masked.text == "A [[0]]bold[[1]] [[2]]link[[3]] on [[4]]."
    engine = "Un [ [0] ] negrita [[1]] [[2]]  enlace [[3 ]] el  ［［4］］ ."
    assert unmask(engine, masked) == "Un **negrita** [enlace](https://x.org/) el {date} ."


@pytest.mark.parametrize("engine, why", [
    ("Un [[0]]negrita[[1]] [[2]]enlace el [[4]].", "lost [[3]]"),
    ("Un [[0]]negrita[[1]] [[2]]enlace[[3]] [[3]] el [[4]].", "repeated [[3]]"),
    ("Un [[0]]negrita[[1]] [[2]]enlace[[3]] el [[4]] [[9]].", "invented [[9]]"),
    ("Un [[0]]negrita[[1]] [[3]]enlace[[2]] el [[4]].", "break the link"),
])
def test_lost_duplicated_invented_or_swapped_tokens_are_refused(engine, why):
    masked = mask("A **bold** [link](https://x.org/) on {date}.")
    with pytest.raises(MaskError, match=why.replace("[", r"\[").replace("]", r"\]")):
        unmask(engine, masked)


def test_must_keep_counts_placeholders_and_links():
    assert must_keep("On {date}, see [x](https://a.org/) and https://b.org") == {
        "{date}": 1, "](https://a.org/)": 1, "https://b.org": 1}


_TEXT = st.lists(st.sampled_from(list("ab *_`[]()#@{}%.:/ \n'’") + ["http://x.y/",
                                                                      "Julian Assange"]),
                 max_size=30).map("".join)


@settings(max_examples=300, deadline=None)
@given(_TEXT)
def test_mask_then_unmask_gives_the_text_back(text):
    masked = mask(text, TERMS)
    assert unmask(masked.text, masked) == text


@settings(max_examples=200, deadline=None)
@given(_TEXT, st.integers(min_value=0, max_value=5))
def test_a_dropped_token_is_always_noticed(text, which):
    masked = mask(text, TERMS)
    if not masked.pieces:
        return
    index = which % len(masked.pieces)
    with pytest.raises(MaskError):
        unmask(masked.text.replace(f"[[{index}]]", ""), masked)


@pytest.mark.parametrize("lang, codes, expected", [
    ("pt_BR", ["en", "pt", "es"], "pt"),
    ("pt_BR", ["pt-PT", "pt-BR"], "pt-BR"),
    ("pt", ["PT-BR", "PT-PT", "ES"], "PT-BR"),  # DeepL: CLDR's likely region
    ("zh_Hans", ["zh-CN", "zh-TW"], "zh-CN"),
    ("zh_Hans", ["ZH-HANS", "ZH-HANT"], "ZH-HANS"),
    ("zh_Hant", ["zh", "zt"], "zt"),
    ("zh_Hant", ["zh"], None),  # never simplified Chinese for a traditional-script language
    ("he", ["iw", "en"], "iw"),
    ("sr_Latn", ["sr"], None),
    ("es", ["es-ES", "en-GB"], "es-ES"),
])
def test_language_codes_map_to_each_engines_spelling(lang, codes, expected):
    assert pick_code(lang, codes) == expected


def test_language_names_are_the_last_resort():
    # MyMemory calls Swahili sw-KE while CLDR's likely region is Tanzania.
    assert pick_code("sw", ["sw-KE", "en-GB"], {"swahili": "sw-KE"}) == "sw-KE"
    assert code_candidates("pt_BR")[:2] == ["pt-BR", "pt"]
