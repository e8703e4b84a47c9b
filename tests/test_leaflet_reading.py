"""Reading leaflet.md: nothing lost silently, every problem reported in one run.

The rule (issues #13.7 and #14.3): after reading, every non-blank line of the file is in a
block (a message, code, a rule), a writers' note, a reference definition or the front matter,
and every word of it can be found there — or the reader reports the line as an error.
"""

from __future__ import annotations

import logging
import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.errors import Problems
from pipeline.sources.leaflet import MAX_DEPTH, parse_leaflet
from pipeline.model import walk
from pipeline.sources import read_campaign

WORDS = st.sampled_from(["free", "them", "all", "Assange", "huelga", "grève", "свобода",
                         "自由", "حرية", "स्वतंत्रता", "now", "today", "march", "x", "Belmarsh"])


def _line(words: list[str]) -> str:
    return " ".join(words)


@st.composite
def paragraph(draw) -> list[str]:
    lines = [draw(st.lists(WORDS, min_size=1, max_size=6)) for _ in range(draw(st.integers(1, 3)))]
    out = []
    for k, words in enumerate(lines):
        style = draw(st.sampled_from(["plain", "bold", "link", "code", "comment"]))
        if style == "bold":
            words = [f"**{words[0]}**"] + words[1:]
        elif style == "link":
            words = words + [f"[{words[0]}](https://example.org/{len(words)})"]
        elif style == "code":
            words = words + [f"`{words[-1]}`"]
        elif style == "comment":
            words = words + [f"<!-- {words[0]} -->"]
        end = draw(st.sampled_from(["", "", "  ", "\\"])) if k < len(lines) - 1 else ""
        out.append(_line(words) + end)
    return out


@st.composite
def leaf(draw) -> list[str]:
    kind = draw(st.sampled_from(["para", "para", "heading", "code", "note", "ref", "rule"]))
    words = draw(st.lists(WORDS, min_size=1, max_size=5))
    if kind == "heading":
        return ["#" * draw(st.integers(1, 6)) + " " + _line(words)]
    if kind == "code":
        return ["```", _line(words), "```"]
    if kind == "note":
        return [f"<!-- {_line(words)} -->"]
    if kind == "ref":
        return [f"[{words[0]}-{len(words)}]: https://example.org/r \"{_line(words)}\""]
    if kind == "rule":
        return ["***"]
    return draw(paragraph())


def blocks(children):
    return st.lists(children, min_size=1, max_size=3).map(
        lambda parts: [line for part in parts for line in part + [""]][:-1])


def container(children):
    @st.composite
    def build(draw) -> list[str]:
        if draw(st.booleans()):
            inner = draw(blocks(children))
            return [f"> {line}" if line else ">" for line in inner]
        ordered = draw(st.booleans())
        loose = draw(st.booleans())
        out = []
        for number in range(1, draw(st.integers(1, 3)) + 1):
            marker = f"{number}. " if ordered else "- "
            inner = draw(blocks(children))
            out.append(marker + inner[0])
            out += [(" " * len(marker) + line) if line else "" for line in inner[1:]]
            if loose:
                out.append("")
        return out
    return build()


DOCUMENT = blocks(st.recursive(leaf(), container, max_leaves=12)).map(lambda ls: "\n".join(ls) + "\n")


def _read(text: str):
    problems = Problems()
    leaflet = parse_leaflet(text, "leaflet.md", problems)
    return leaflet, problems


def _everything_read(leaflet) -> str:
    parts = []
    for block, _ in walk(leaflet.blocks):
        parts.append(block.text)
        parts.extend(block.notes)
    for ref in leaflet.references:
        parts += [ref.name, ref.url, ref.title]
    return "\n".join(parts)


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(DOCUMENT)
def test_every_line_and_word_is_accounted_for(text):
    leaflet, problems = _read(text)
    if problems.errors:  # then every problem names its line
        assert all(e.line and e.path == "leaflet.md" for e in problems.errors)
        return
    covered = {n for first, after, _ in leaflet.coverage for n in range(first, after)}
    lines = text.split("\n")
    lost = [n for n, line in enumerate(lines, 1) if line.strip(" >") and n not in covered]
    assert not lost, (lost, text)
    read = set(re.findall(r"\w+", _everything_read(leaflet)))
    # List numbers are structure (CommonMark renumbers the items), not words.
    body = re.sub(r"(?m)^(?:[ >]*(?:[-*+]|\d+[.)])[ \t])+", "", text)
    missing = [w for w in re.findall(r"\w+", body) if w not in read]
    assert not missing, (missing, text)


def _nested(depth: int, bullet: str = "-") -> str:
    return "\n".join("  " * i + f"{bullet} level {i + 1}" for i in range(depth)) + \
        "\n\nAfter the list.\n"


def test_a_list_nested_ten_levels_deep_is_read_and_rendered_whole(cli, demo):
    """#13.7: markdown-it's default nesting limit (20) dropped level 10 and the rest."""
    (demo / "source/demo/leaflet.md").write_text("# Deep\n\n" + _nested(10))
    campaign = read_campaign(demo, "demo")
    texts = [m.msgid for m in campaign.messages if m.context is None]
    assert [f"level {i}" for i in range(1, 11)] == texts[1:11]
    assert texts[-1] == "After the list."
    roles = {m.msgid: m.role for m in campaign.messages}
    assert roles["level 10"] == "list item (level 10)"
    cli("render", "--lang", "en", "--only", "leaflet")
    page = (demo / "output/en/demo/leaflet.html").read_text()
    page = page.replace("\xa0", " ")  # typography.py keeps a text's last two words together
    main = page[page.index("<main>"):page.index("</main>")]
    assert main.count("<ul") == 10 and "level 10" in main and "After the list." in main
    # Each level sits inside the one above it.
    assert re.search(r"level 9<ul[^>]*><li[^>]*>level 10</li>", main)


def test_nesting_deeper_than_handbill_reads_is_an_error_with_its_line(cli, demo):
    depth = MAX_DEPTH + 1
    (demo / "source/demo/leaflet.md").write_text("# Deep\n\n" + _nested(40))
    result = cli("extract", expect=1)
    assert (f"source/demo/leaflet.md:{2 + depth}: lists and quotes are nested {depth} levels "
            f"deep here; handbill reads up to {MAX_DEPTH}: flatten them") in result.stderr
    assert not (demo / "locales").exists()
    quotes = "".join("> " * i + f"quote {i}\n" + "> " * i + "\n" for i in range(1, 20))
    (demo / "source/demo/leaflet.md").write_text(quotes)
    result = cli("extract", expect=1)
    assert f"source/demo/leaflet.md:{2 * depth - 1}: lists and quotes are nested" in result.stderr


def test_every_problem_of_every_file_in_one_run(cli, demo):
    (demo / "source/demo/leaflet.md").write_text(
        "# Title\n\n<div>raw</div>\n\nSee [us](/about), ![x](http://e.org/x.png) on {dte}.\n\n"
        "[a]: https://e.org/a\n[a]: https://e.org/b\n\n<!-- never closed\n")
    meta = demo / "source/demo/campaign.yml"
    meta.write_text(meta.read_text().replace("url: https://example.org/", "url: example.org")
                    + "colour: red\n")
    (demo / "source/demo/posts.yml").write_text(
        "posts:\n  - id: a\n    text: hi\n    platforms: [myspace]\n  - id: a\n    text: yo\n")
    result = cli("extract", expect=1)
    errors = [line for line in result.stderr.splitlines() if line.startswith("handbill: error")]
    where = [re.search(r"source/demo/([\w.]+:\d+):", e).group(1) for e in errors]
    assert where == ["campaign.yml:4", "campaign.yml:12", "leaflet.md:3", "leaflet.md:5",
                     "leaflet.md:5", "leaflet.md:5", "leaflet.md:8", "leaflet.md:10",
                     "posts.yml:4", "posts.yml:5"], result.stderr
    assert "unknown placeholder {dte}" in errors[5]
    assert "never closed" in errors[7]


def test_the_cap_on_reported_problems(cli, demo):
    (demo / "source/demo/leaflet.md").write_text("".join(f"<p>{i}</p>\n\n" for i in range(80)))
    result = cli("extract", expect=1)
    assert result.stderr.count("raw HTML") == 50
    assert "... and 30 more problems; fix these and run again" in result.stderr


def test_other_generators_front_matter_is_one_warning(demo, caplog):
    (demo / "source/demo/leaflet.md").write_text(
        "---\ntitle: Free them\nlayout: page\nweight: 3\npaper: A4\n---\n# Free them\n\nText.\n")
    with caplog.at_level(logging.WARNING):
        campaign = read_campaign(demo, "demo")
        read_campaign(demo, "demo")
    assert campaign.paper == "A4"
    warnings = [r.getMessage() for r in caplog.records if "front matter" in r.getMessage()]
    assert warnings == ["source/demo/leaflet.md:2: front matter keys not used by handbill are "
                        "ignored: title (line 2), layout (line 3), weight (line 4); handbill "
                        "reads only `paper:` here (the title and summary belong in campaign.yml)"]


def test_writers_notes_go_to_the_next_message_and_never_to_readers(cli, demo):
    (demo / "source/demo/leaflet.md").write_text(
        "# Title\n\n<!-- Say \"embassy\", not \"consulate\". -->\n<!-- Second note. -->\nGo to "
        "the embassy <!-- inline note --> now.\n\nLast paragraph.\n\n<!-- A closing note. -->\n")
    campaign = read_campaign(demo, "demo")
    go = next(m for m in campaign.messages if m.msgid.startswith("Go to"))
    assert go.msgid == "Go to the embassy now."
    assert go.comments[1:] == ("Writers' note: Say \"embassy\", not \"consulate\".",
                               "Writers' note: Second note.", "Writers' note: inline note")
    last = next(m for m in campaign.messages if m.msgid == "Last paragraph.")
    assert last.comments[1:] == ("Writers' note: A closing note.",)
    cli("render", "--lang", "en", "--only", "leaflet")
    page = (demo / "output/en/demo/leaflet.html").read_text()
    assert "note" not in page.split("<main>")[1]


def test_images_only_from_the_campaign_folder(cli, demo, tmp_path):
    folder = demo / "source/demo"
    (tmp_path / "outside.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"0" * 64)
    (folder / "img").mkdir()
    (folder / "img/in.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"0" * 64)
    (folder / "img/fake.png").write_text("<script>alert(1)</script>")
    (folder / "img/link.png").symlink_to(tmp_path / "outside.png")
    (folder / "leaflet.md").write_text(
        "# T\n\n![ok](img/in.png)\n\n![a](../../../outside.png)\n\n![b](img/link.png)\n\n"
        "![c](img/fake.png)\n\n![d](img/none.png)\n\n![e](/etc/passwd)\n\n"
        "![f](data:image/png;base64,AAAA)\n")
    result = cli("extract", expect=1)
    errors = [line for line in result.stderr.splitlines() if line.startswith("handbill: error")]
    assert [re.search(r"leaflet.md:(\d+):", e).group(1) for e in errors] == \
        ["5", "7", "9", "11", "13", "15"], result.stderr
    assert "lies outside the campaign folder" in errors[0]
    assert "is a symlink to a file outside the campaign folder" in errors[1]
    assert "not a PNG, JPEG, GIF, WebP or SVG" in errors[2] and "does not exist" in errors[3]
    assert "is a link" in errors[5]


def test_a_translation_cannot_bring_its_own_image(cli, demo):
    folder = demo / "source/demo"
    (folder / "in.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"0" * 64)
    (folder / "leaflet.md").write_text("# T\n\n![A photo](in.png)\n")
    cli("update")
    from pipeline.catalogs.pofile import dump_catalog, read_catalog

    path = demo / "locales/es/LC_MESSAGES/demo.po"
    catalog = read_catalog(path)
    for entry in catalog.messages:
        entry.msgstr = "ES " + entry.msgid
        if entry.msgid == "![A photo](in.png)":
            entry.msgstr = "![Una foto](https://evil.example/track.png) ![y](../../etc/x.png)"
    path.write_bytes(dump_catalog(catalog))
    cli("render", "--lang", "es", "--only", "leaflet", "--allow-incomplete")
    page = (demo / "output/es/demo/leaflet.html").read_text()
    assert "evil.example" not in page and "etc/x.png" not in page
    # And the renderer itself: an image the campaign does not hold is printed as its alt text.
    from pipeline.render.markdown import render_text

    env = {"images": {"in.png": "data:image/png;base64,AAAA"}}
    assert str(render_text("![Una foto](https://evil.example/t.png) ![x](in.png)", {}, env)) == \
        'Una foto <img src="data:image/png;base64,AAAA" alt="x">'
