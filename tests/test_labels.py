"""Labels say what is true (#15.5, #15.6): the source language is never a fallback; a machine
draft, a human translation awaiting review and untranslated text shown in the source language
are three labels, each in the reader's language, once per page."""

from __future__ import annotations

import json
import subprocess

from test_render import ARABIC, SPANISH, make_demo, out, translate


def test_the_source_language_is_never_a_fallback(tmp_path):
    root = tmp_path / "proj"
    cli = make_demo(root, languages=("es",))
    cli("render", "--lang", "en", "--only", "posts", "--only", "leaflet")
    posts = json.loads((out(root, "en") / "posts.json").read_text())["posts"]
    assert posts and not any(p["fallback"] for p in posts)
    text = (out(root, "en") / "posts.txt").read_text()
    assert "Not translated yet" not in text
    html = (out(root, "en") / "leaflet.html").read_text()
    assert "draftband" not in html.split("</style>")[1]
    assert ' lang="en" dir="ltr">' not in html.split("<body")[1]  # no text marked as a fallback
