"""Issue #17.1, #17.3, #17.4: the typographic and layout rules, measured on what is printed.

The shipped campaign is rendered once in every language; poppler's `pdftotext -bbox-layout`
gives every printed word with its box, and the cards' fitter is watched while it fits, so each
rule is checked on the lines really printed: no protected name split across lines, no number
parted from its noun, the headline's last line holding two words, every word inside the 5 mm
safe margin, the draft banner on one line inside that margin, "scan the code" on the page of
the code. Print-shop PDFs (bleed, crop marks) are measured with `pdfinfo -box`.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import unicodedata
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import pytest
from PIL import Image

from pipeline.config import load_config
from pipeline.render import RenderOptions, render_language
from pipeline.render import cards as cards_mod
from pipeline.render import leaflet as leaflet_mod
from pipeline.sources import read_campaign

REPO = Path(__file__).resolve().parent.parent
LANGUAGES = ("en", "es", "pt_BR", "fr", "ar", "hi", "sw")
RTL = ("ar",)
MM = 72 / 25.4
SAFE = 5 * MM
_NS = "{http://www.w3.org/1999/xhtml}"


@dataclass(frozen=True)
class Word:
    text: str
    x0: float
    y0: float
    x1: float
    y1: float


@dataclass(frozen=True)
class Page:
    width: float
    height: float
    blocks: list[list[list[Word]]]  # blocks of lines of words

    @property
    def lines(self) -> list[list[Word]]:
        return [line for block in self.blocks for line in block]

    @property
    def words(self) -> list[Word]:
        return [w for line in self.lines for w in line]


def bbox_pages(pdf: Path) -> list[Page]:
    """pdftotext -bbox-layout -> pages of blocks of lines of words (boxes in points)."""
    xml = subprocess.run(["pdftotext", "-bbox-layout", str(pdf), "-"], capture_output=True,
                         text=True, check=True, timeout=60).stdout
    root = ET.fromstring(xml)
    pages = []
    for page in root.iter(f"{_NS}page"):
        blocks = []
        for block in page.iter(f"{_NS}block"):
            lines = []
            for line in block.iter(f"{_NS}line"):
                lines.append([Word(w.text or "", *(float(w.get(k)) for k in
                                                   ("xMin", "yMin", "xMax", "yMax")))
                              for w in line.iter(f"{_NS}word")])
            blocks.append(lines)
        pages.append(Page(float(page.get("width")), float(page.get("height")), blocks))
    return pages


def bare(word: str) -> str:
    """A word without the punctuation at its ends, case-folded."""
    word = unicodedata.normalize("NFC", word).casefold()
    return word.strip("".join(c for c in set(word) if unicodedata.category(c)[0] in "PSZ"))


def line_ends(line: list[Word], rtl: bool) -> tuple[str, str]:
    """(first, last) word of a line in reading order (a right-to-left line reads from the
    right; pdftotext lists words left to right)."""
    ordered = sorted(line, key=lambda w: w.x0, reverse=rtl)
    return bare(ordered[0].text), bare(ordered[-1].text)


@pytest.fixture(scope="module")
def shipped(tmp_path_factory):
    """Every language rendered; {lang: leaflet.pdf}, and the lines the card fitter chose."""
    root = tmp_path_factory.mktemp("print") / "shipped"
    root.mkdir()
    shutil.copy(REPO / "handbill.toml", root / "handbill.toml")
    shutil.copytree(REPO / "source", root / "source")
    shutil.copytree(REPO / "locales", root / "locales")
    cfg = load_config(root)
    campaign = read_campaign(root, "free-assange")
    fitted: dict[str, list[list[str]]] = {}
    fit = cards_mod.Shaper.fit

    def watching(self, text, *args, **kwargs):
        size, lines = fit(self, text, *args, **kwargs)
        fitted.setdefault(self.lang.replace("-", "_"), []).append(lines)
        return size, lines

    pdfs = {}
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(cards_mod.Shaper, "fit", watching)
        for lang in LANGUAGES:
            result = render_language(cfg, campaign, lang, RenderOptions())
            assert result.state in ("final", "draft"), result.why
            pdfs[lang] = cfg.output_dir / lang / campaign.name / "leaflet.pdf"
    return cfg, campaign, pdfs, fitted


def _split_pairs(term: str) -> list[tuple[str, str]]:
    words = [bare(w) for w in term.split()]
    return list(zip(words, words[1:]))


@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_name_or_number_is_split_across_lines(shipped, lang):
    _, campaign, pdfs, _ = shipped
    terms = [t for t in leaflet_mod.protected_terms(campaign, lang) if " " in t]
    pairs = {p for term in terms for p in _split_pairs(term)}
    assert pairs, "the shipped campaign has names of two words"
    rtl = lang in RTL
    splits = []
    for number, page in enumerate(bbox_pages(pdfs[lang]), 1):
        for block in page.blocks:
            for above, below in zip(block, block[1:]):
                end, start = line_ends(above, rtl)[1], line_ends(below, rtl)[0]
                if (end, start) in pairs:
                    splits.append(f"p{number}: {end!r} / {start!r}")
                last = sorted(above, key=lambda w: w.x0, reverse=rtl)[-1].text
                if re.fullmatch(r"\d+", last) and re.match(r"[^\W\d_]", start):
                    splits.append(f"p{number}: number {last!r} / {start!r}")
    assert not splits, splits


def _headline(page: Page) -> list[list[Word]]:
    """The lines set in the largest type on the page (the title)."""
    tallest = max(w.y1 - w.y0 for w in page.words)
    return [line for line in page.lines
            if line and min(w.y1 - w.y0 for w in line) >= 0.8 * tallest]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_headline_is_balanced_with_two_words_on_its_last_line(shipped, lang):
    _, _, pdfs, _ = shipped
    lines = _headline(bbox_pages(pdfs[lang])[0])
    assert 1 <= len(lines) <= 3, [[w.text for w in line] for line in lines]
    assert len(lines[-1]) >= 2, [[w.text for w in line] for line in lines]
    if len(lines) == 2:  # balanced: the lines are of similar width
        widths = [max(w.x1 for w in line) - min(w.x0 for w in line) for line in lines]
        assert min(widths) / max(widths) > 0.5, widths


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_word_is_inside_the_safe_margin(shipped, lang):
    _, _, pdfs, _ = shipped
    outside = []
    for number, page in enumerate(bbox_pages(pdfs[lang]), 1):
        for w in page.words:
            if w.x0 < SAFE or w.y0 < SAFE or w.x1 > page.width - SAFE or \
                    w.y1 > page.height - SAFE:
                outside.append(f"p{number} {w.text!r} at {w.x0 / MM:.1f},{w.y0 / MM:.1f} mm")
    assert not outside, outside


@pytest.mark.parametrize("lang", ("ar", "hi", "sw"))
def test_draft_banner_is_one_line_inside_the_margin_on_every_page(shipped, lang):
    cfg, _, pdfs, _ = shipped
    top_margin = 14 * MM  # layout.PAPERS["A5"].top
    for number, page in enumerate(bbox_pages(pdfs[lang]), 1):
        banner = [w for w in page.words if w.y1 < top_margin]
        assert banner, f"p{number}: no banner"
        tops = {round(w.y0) for w in banner}
        assert max(tops) - min(tops) <= 2, f"p{number}: the banner wraps: {sorted(tops)}"
        assert min(w.y0 for w in banner) >= SAFE


@pytest.mark.parametrize("lang", LANGUAGES)
def test_scan_the_code_is_on_the_page_of_the_code(shipped, lang):
    cfg, _, pdfs, _ = shipped
    from pipeline.render.translations import load_ui

    label = load_ui(cfg, lang).get("Scan the code or visit")
    first = bare(label.split()[0] if lang not in RTL else label.split()[0])
    pages = bbox_pages(pdfs[lang])
    found = [n for n, page in enumerate(pages, 1)
             if any(bare(w.text) in (first, first[::-1]) for w in page.words)]
    assert found == [1], (label, found)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_cards_keep_names_whole_and_no_short_word_alone(shipped, lang):
    _, campaign, _, fitted = shipped
    pairs = {p for t in leaflet_mod.protected_terms(campaign, lang) if " " in t
             for p in _split_pairs(t)}
    assert fitted[lang]
    for lines in fitted[lang]:
        for above, below in zip(lines, lines[1:]):
            assert (bare(above.split()[-1]), bare(below.split()[0])) not in pairs, lines
        if len(lines) > 1 and lang not in ("zh_Hans", "ja"):
            last = lines[-1].split()
            assert len(last) >= 2 or len(last[0]) >= 8, lines


def _boxes(pdf: Path) -> dict[str, tuple[float, ...]]:
    out = subprocess.run(["pdfinfo", "-box", "-f", "1", "-l", "1", str(pdf)],
                         capture_output=True, text=True, check=True).stdout
    boxes = {}
    for name in ("MediaBox", "CropBox", "BleedBox", "TrimBox"):
        match = re.search(rf"Page\s+1 {name}:\s+([-\d. ]+)", out)
        boxes[name] = tuple(float(v) for v in match[1].split())
    return boxes


def _size(box: tuple[float, ...]) -> tuple[float, float]:
    return round(box[2] - box[0], 1), round(box[3] - box[1], 1)


A5 = (round(148 * MM, 1), round(210 * MM, 1))


def test_default_pdf_has_no_bleed(shipped):
    _, _, pdfs, _ = shipped
    boxes = _boxes(pdfs["en"])
    assert _size(boxes["MediaBox"]) == _size(boxes["TrimBox"]) == pytest.approx(A5, abs=0.2)


def test_print_shop_pdf_has_bleed_trim_box_and_crop_marks(tmp_path):
    root = tmp_path / "shop"
    root.mkdir()
    toml = (REPO / "handbill.toml").read_text().replace(
        '[render]\n', '[render]\nbleed = "3mm"\ncrop_marks = true\n')
    (root / "handbill.toml").write_text(toml)
    shutil.copytree(REPO / "source", root / "source")
    shutil.copytree(REPO / "locales", root / "locales")
    cfg = load_config(root)
    assert cfg.render.bleed_mm == 3 and cfg.render.crop_marks
    campaign = read_campaign(root, "free-assange")
    render_language(cfg, campaign, "en", RenderOptions(outputs=("leaflet",)))
    pdf = cfg.output_dir / "en" / campaign.name / "leaflet.pdf"
    boxes = _boxes(pdf)
    bleed, marks = 3 * MM, 6 * MM
    near = lambda size: pytest.approx(size, abs=0.2)  # noqa: E731
    assert _size(boxes["TrimBox"]) == near(A5)
    assert _size(boxes["BleedBox"]) == near((A5[0] + 2 * bleed, A5[1] + 2 * bleed))
    assert _size(boxes["MediaBox"]) == near((A5[0] + 2 * (bleed + marks),
                                             A5[1] + 2 * (bleed + marks)))
    trim = boxes["TrimBox"]
    media = boxes["MediaBox"]
    # Every word inside the safe margin of the trimmed page.
    for page in bbox_pages(pdf):
        for w in page.words:
            x0, y0 = w.x0 + media[0], w.y0 + media[1]
            x1, y1 = w.x1 + media[0], w.y1 + media[1]
            assert trim[0] + SAFE <= x0 and x1 <= trim[2] - SAFE, w
            assert trim[1] + SAFE <= y0 and y1 <= trim[3] - SAFE, w
    # The masthead's colour runs into the bleed; crop marks stand outside the bleed.
    dpi = 72
    subprocess.run(["pdftoppm", "-png", "-r", str(dpi), "-f", "1", "-l", "1", str(pdf),
                    str(tmp_path / "p")], check=True)
    image = Image.open(next(tmp_path.glob("p*.png"))).convert("RGB")
    to_px = lambda x, y: (round(x - media[0]), round(media[3] - y))  # noqa: E731
    corner = to_px(trim[0] - bleed / 2, trim[3] - 10 * MM)  # in the bleed, beside the masthead
    assert image.getpixel(corner) == (0x8B, 0x00, 0x00)
    mark_y = round(media[3] - trim[3])  # the top trim line, in the margin left of the bleed
    mark = [image.getpixel((x, y)) for x in range(0, round(marks))
            for y in range(mark_y - 2, mark_y + 3)]
    assert any(sum(px) < 300 for px in mark), "no crop mark at the top trim line"
    bleed_zone = [image.getpixel((round(marks + bleed) - 2, y)) for y in range(0, mark_y)]
    assert all(sum(px) > 700 for px in bleed_zone[:round(marks)]), "a mark inside the bleed"
    inside_trim = to_px(trim[0] + 20 * MM, trim[1] + 20 * MM)
    assert image.getpixel(inside_trim) == (255, 255, 255)


def test_bleed_must_be_a_length(tmp_path):
    from pipeline.errors import ConfigError

    (tmp_path / "handbill.toml").write_text('[project]\nlanguages = []\n[render]\nbleed = "3"\n')
    with pytest.raises(ConfigError, match="bleed"):
        load_config(tmp_path)


def test_a_language_written_without_spaces_stays_inside_the_page(tmp_path):
    # Burmese has no spaces between words and Pango no dictionary for it: a long title or
    # paragraph ran off the right edge of the page (seen on a 100-language corpus).
    import polib

    from pipeline import stages

    root = tmp_path / "my"
    root.mkdir()
    shutil.copy(REPO / "handbill.toml", root / "handbill.toml")
    shutil.copytree(REPO / "source", root / "source")
    shutil.copytree(REPO / "locales", root / "locales")
    cfg = load_config(root)
    stages.init_language(cfg, "my")
    po_file = root / "locales" / "my" / "LC_MESSAGES" / "free-assange.po"
    catalog = polib.pofile(str(po_file))
    burmese = "ဂျူလီယန်အက်ဆမ့်ချ်ကိုယခုချက်ချင်းလွတ်မြောက်စေရမည်" * 3
    filled = 0
    for entry in catalog:
        if not re.search(r"[{<\[*_#@]|https?:", entry.msgid) and not entry.msgid_plural:
            entry.msgstr, filled = burmese, filled + 1
    assert filled > 5
    catalog.save()
    cfg = load_config(root)
    campaign = read_campaign(root, "free-assange")
    result = render_language(cfg, campaign, "my", RenderOptions(outputs=("leaflet",),
                                                                allow_incomplete=True))
    assert result.state in ("final", "draft"), result.why
    pdf = cfg.output_dir / "my" / campaign.name / "leaflet.pdf"
    outside = [(n, w.text[:12], round(w.x1 / MM, 1)) for n, page in
               enumerate(bbox_pages(pdf), 1) for w in page.words
               if w.x0 < SAFE or w.x1 > page.width - SAFE]
    assert not outside, outside


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_short_headline_fills_the_masthead(shipped, lang):
    """"Julian Assange / must be free!" at the base size (2.55 times the text) left the
    masthead's right half empty: a short headline grows (up to 1.5x, never into more lines)."""
    _, _, pdfs, _ = shipped
    page = bbox_pages(pdfs[lang])[0]
    lines = _headline(page)
    widest = max(max(w.x1 for w in line) - min(w.x0 for w in line) for line in lines)
    content = page.width - 2 * 11 * MM  # A5's side margins (layout.PAPERS)
    assert widest > 0.5 * content, (lang, widest / content)
    heights = sorted(w.y1 - w.y0 for w in page.words)
    text = heights[len(heights) // 2]  # the body text's words are most of the page's
    headline = max(w.y1 - w.y0 for line in lines for w in line)
    assert headline / text > 2.55 * 1.25, (lang, headline / text)
