"""Language packs: reproducible bytes, a truthful manifest, nothing escapes the archive."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import zipfile

import pytest

from pipeline.config import load_config
from pipeline.errors import HandbillError
from pipeline.packs import language_info, make_pack
from pipeline.records import CatalogCounts

WHEN = dt.datetime(2022, 2, 25, 12, 0, tzinfo=dt.timezone.utc)


def _fake_render(root, lang="ar", campaign="demo"):
    out = root / "output" / lang / campaign
    (out / "cards").mkdir(parents=True)
    (out / "leaflet.pdf").write_bytes(b"%PDF-1.7 fake")
    (out / "leaflet.html").write_text("<html lang=ar dir=rtl></html>")
    (out / "posts.txt").write_text("post")
    (out / "posts.json").write_text("[]")
    (out / "posts.csv").write_text("id\n")
    (out / "cards" / "free-square.png").write_bytes(b"\x89PNG fake")
    (out / ".build-stamp.json").write_text("{}")
    return out


def _pack(demo, **kw):
    cfg = load_config(demo)
    counts = CatalogCounts(10, 4, 3, 2, 1)
    args = dict(campaign="demo", title="حرروهم جميعا", lang="ar", state="draft", counts=counts,
                readme="اقرأني", revision="abc123", built_at=WHEN)
    args.update(kw)
    return make_pack(cfg, **args)


def test_pack_is_reproducible_and_manifest_is_truthful(demo):
    _fake_render(demo)
    first = _pack(demo)
    data = first.path.read_bytes()
    second = _pack(demo)
    assert second.path.read_bytes() == data and second.sha256 == first.sha256
    assert first.path.name == "demo-ar.zip"
    with zipfile.ZipFile(first.path) as archive:
        names = archive.namelist()
        assert names == sorted(names)
        assert names == ["demo-ar/README.txt", "demo-ar/cards/free-square.png",
                         "demo-ar/leaflet.html", "demo-ar/leaflet.pdf", "demo-ar/manifest.json",
                         "demo-ar/posts.csv", "demo-ar/posts.json", "demo-ar/posts.txt"]
        assert all(info.date_time == (2022, 2, 25, 12, 0, 0) for info in archive.infolist())
        manifest = json.loads(archive.read("demo-ar/manifest.json"))
        for item in manifest["files"]:
            content = archive.read(f"demo-ar/{item['path']}")
            assert item["size"] == len(content)
            assert item["sha256"] == hashlib.sha256(content).hexdigest()
    assert manifest["campaign"] == "demo" and manifest["state"] == "draft"
    assert manifest["language"] == {"code": "ar", "name": "العربية", "english_name": "Arabic",
                                    "direction": "rtl"}
    assert manifest["counts"] == {"total": 10, "reviewed": 4, "fuzzy": 3, "drafts": 2,
                                  "untranslated": 1, "percent_reviewed": 40.0}
    assert manifest["source_revision"] == "abc123"
    assert manifest["built"] == "2022-02-25T12:00:00Z"
    assert ".build-stamp.json" not in json.dumps(manifest)


def test_a_different_input_gives_a_different_pack(demo):
    out = _fake_render(demo)
    first = _pack(demo).sha256
    (out / "posts.txt").write_text("changed")
    assert _pack(demo).sha256 != first


def test_names_are_validated(demo):
    _fake_render(demo)
    with pytest.raises(HandbillError):
        _pack(demo, lang="../../etc")
    with pytest.raises(HandbillError):
        _pack(demo, campaign="../x")


def test_nothing_rendered_is_a_clear_error(demo):
    with pytest.raises(HandbillError, match="nothing rendered"):
        _pack(demo)


def test_language_names_in_their_own_language():
    assert language_info("pt_BR")["name"] == "Português (Brasil)"
    assert language_info("hi")["name"] == "हिन्दी"
    assert language_info("sw")["direction"] == "ltr"
