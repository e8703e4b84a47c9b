"""Reading campaign sources: strings stay strings, bad input names its file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.errors import SourceError
from pipeline.sources import read_campaign
from pipeline.sources.yamlstrict import load_yaml


def test_yaml_keeps_every_scalar_as_typed(tmp_path):
    path = tmp_path / "x.yml"
    path.write_text("a: no\nb: 012345\nc: 12:30\nd: '#ok'\ne: 2022-02-25\nf: 1e3\ng: ~x\n")
    data = load_yaml(path)
    assert data == {"a": "no", "b": "012345", "c": "12:30", "d": "#ok", "e": "2022-02-25",
                    "f": "1e3", "g": "~x"}
    assert data.lines == {"a": 1, "b": 2, "c": 3, "d": 4, "e": 5, "f": 6, "g": 7}


BAD_YAML = {
    "hashtag read as comment": ("hashtags:\n  - #FreeAssangeNOW\n", 2, 'put it in quotes: "#FreeAssangeNOW"'),
    "hashtag value as comment": ("tag: #Free\n", 1, "read by YAML as a comment"),
    "duplicate key": ("title: a\ntitle: b\n", 2, "duplicate key 'title'; the first one is at line 1"),
    "tab indentation": ("event:\n\tdate: 2022-02-25\n", 2, "tab"),
    "unterminated quote": ('title: "abc\nurl: x\n', 3, "invalid YAML"),
    "python object tag": ("x: !!python/object/apply:os.system ['touch pwned']\n", 1, "not allowed"),
    "billion laughs": ("a: &a [x, x]\nb: &b [*a, *a]\nc: [*b, *b]\n", 1, "aliases"),
}


@pytest.mark.parametrize("case", sorted(BAD_YAML))
def test_bad_yaml_is_a_clear_error(tmp_path, case):
    text, line, words = BAD_YAML[case]
    path = tmp_path / "bad.yml"
    path.write_text(text)
    with pytest.raises(SourceError) as info:
        load_yaml(path, "source/x/bad.yml")
    assert info.value.line == line, str(info.value)
    assert words in str(info.value)
    assert str(info.value).startswith(f"source/x/bad.yml:{line}: ")
    assert not Path("pwned").exists()


def _campaign_error(cli, demo, name, text, *, expect_line, words):
    path = demo / "source" / "demo" / name
    path.write_text(text)
    result = cli("extract", expect=1)
    assert f"source/demo/{name}:{expect_line}: " in result.stderr, result.stderr
    assert words in result.stderr
    assert "Traceback" not in result.stderr
    assert not (demo / "locales").exists(), "nothing is written when a source is broken"


def test_unknown_field_in_campaign(cli, demo):
    text = (demo / "source/demo/campaign.yml").read_text() + "colour: red\n"
    _campaign_error(cli, demo, "campaign.yml", text, expect_line=12, words="unknown field `colour`")


def test_post_without_text(cli, demo):
    _campaign_error(cli, demo, "posts.yml", "posts:\n  - id: x\n    platforms: [x]\n",
                    expect_line=2, words="`text` is missing")


def test_unknown_platform_and_bad_link(cli, demo):
    _campaign_error(cli, demo, "posts.yml",
                    "posts:\n  - id: x\n    text: hi\n    platforms: [myspace]\n",
                    expect_line=4, words="unknown platform 'myspace'")
    _campaign_error(cli, demo, "posts.yml",
                    "posts:\n  - id: x\n    text: hi\n    link: javascript:alert(1)\n",
                    expect_line=4, words="not a web link")


def test_unknown_placeholder(cli, demo):
    _campaign_error(cli, demo, "leaflet.md", "# Title\n\nMeet on {dte}.\n", expect_line=3,
                    words="unknown placeholder {dte}")


def test_unclosed_front_matter(cli, demo):
    _campaign_error(cli, demo, "leaflet.md", "---\npaper: A4\n# Title\n", expect_line=1,
                    words="never closed")


def test_front_matter_not_on_first_line(cli, demo):
    _campaign_error(cli, demo, "leaflet.md", "\n\n---\npaper: A4\n---\n# T\n", expect_line=3,
                    words="must start on the first line")


def test_raw_html_and_unclosed_fence(cli, demo):
    _campaign_error(cli, demo, "leaflet.md", "# T\n\n<script>alert(1)</script>\n",
                    expect_line=3, words="raw HTML")
    _campaign_error(cli, demo, "leaflet.md", "# T\n\nText with <b onclick=x>bold</b>.\n",
                    expect_line=3, words="raw HTML")
    _campaign_error(cli, demo, "leaflet.md", "# T\n\n```\ncode never closed\n",
                    expect_line=3, words="never closed")


def test_latin1_markdown(cli, demo):
    path = demo / "source/demo/leaflet.md"
    path.write_bytes("# Título\n\nÉlève\n".encode("latin-1"))
    result = cli("extract", expect=1)
    assert "source/demo/leaflet.md:1: not UTF-8" in result.stderr


def test_crlf_bom_markdown_and_front_matter(demo):
    path = demo / "source/demo/leaflet.md"
    path.write_bytes(b"\xef\xbb\xbf---\r\npaper: A4\r\n---\r\n# Title\r\n\r\nOne\r\ntwo.\r\n")
    campaign = read_campaign(demo, "demo")
    assert campaign.paper == "A4"
    texts = [(b.kind, b.text, b.line) for b in campaign.blocks]
    assert texts == [("heading", "Title", 4), ("paragraph", "One two.", 6)]


def test_blocks_lists_quotes_and_inline_markup(demo):
    campaign = read_campaign(demo, "demo")
    assert [b.kind for b in campaign.blocks] == ["heading", "paragraph", "list", "quote"]
    items = campaign.blocks[2].children
    assert [(i.kind, i.children[0].text) for i in items][0] == \
        ("item", "**MOBILIZE** – Take to the streets.")
    assert campaign.blocks[3].children[0].text == "No to extradition!"
    roles = {m.msgid: m.role for m in campaign.messages}
    assert roles["**MOBILIZE** – Take to the streets."] == "list item"
    assert roles["No to extradition!"] == "quote"
    assert campaign.event.date.isoformat() == "2022-02-25"
    post = next(m for m in campaign.messages if m.context == "post:mobilize")
    assert post.placeholders == ("date",)
    assert dict(post.limits)["x"] < 280


def test_campaign_names_that_escape_are_refused(cli, demo):
    for bad in ("..", "../etc", "/abs", "UPPER", "a\x00b", "ui"):
        result = cli("extract", "--campaign", bad, expect=1)
        assert "campaign" in result.stderr and "Traceback" not in result.stderr


def test_shipped_campaign_reads(shipped):
    campaign = read_campaign(shipped, "free-assange")
    assert len(campaign.posts) >= 6 and len(campaign.cards) >= 3
    assert "Julian Assange" in campaign.protected_terms
    assert any("{date}" in m.msgid for m in campaign.messages if m.context is None)
    assert "#FreeAssangeNOW" in campaign.hashtags
