"""The download page in headless Chromium (Debian's, driven by Playwright): it works offline,
right-to-left pages are laid out right-to-left, the copy button copies, and no injected
script ever runs. Screenshots are kept in test-artifacts/."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from conftest import REPO
from pipeline.catalogs.pofile import dump_catalog, read_catalog
from test_build import EPOCH, fill

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
ARTIFACTS = REPO / "test-artifacts"

HOSTILE = [
    '<script>window.__pwned = "script"</script>',
    '<img src=x onerror="window.__pwned = \'onerror\'">',
    "[click](javascript:window.__pwned='js-link')",
    "[data](data:text/html;base64,PHNjcmlwdD5wYXJlbnQuX19wd25lZD0nZGF0YSc8L3NjcmlwdD4=)",
    '</style><style>body { display: none }</style>',
    '"><svg onload="window.__pwned=\'svg\'">',
    "\u202eevil bidi override\u202c {{7*7}} ${7*7}",
    '<a href="javascript:window.__pwned=1" onclick="window.__pwned=2">x</a>',
]


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield instance
        instance.close()


def open_page(browser, url: str):
    """A page that records console errors, failed requests and every requested URL."""
    context = browser.new_context(viewport={"width": 360, "height": 740})
    page = context.new_page()
    page.problems, page.requests = [], []
    page.on("console", lambda m: m.type == "error" and page.problems.append(m.text))
    page.on("pageerror", lambda e: page.problems.append(str(e)))
    page.on("requestfailed", lambda r: page.problems.append(f"failed: {r.url}"))
    page.on("request", lambda r: page.requests.append(r.url))
    page.on("dialog", lambda d: (page.problems.append(f"dialog: {d.message}"), d.dismiss()))
    page.goto(url)
    page.wait_for_load_state("load")
    return page


@pytest.fixture
def built(cli, demo):
    cli("update")
    fill(demo, "es", "ES")
    fill(demo, "ar", "مرحبا", fuzzy=True)
    cli("build", "--jobs", "1", env=EPOCH)
    return demo


def test_index_and_rtl_language_page(browser, built):
    ARTIFACTS.mkdir(exist_ok=True)
    index = open_page(browser, (built / "output" / "index.html").as_uri())
    assert index.problems == []
    assert all(url.startswith("file://") for url in index.requests), index.requests
    assert index.locator("h1").count() == 1
    assert index.get_by_role("link", name="العربية").count() == 1
    index.screenshot(path=str(ARTIFACTS / "browser-index.png"), full_page=True)

    page = open_page(browser, (built / "output" / "ar" / "index.html").as_uri())
    assert page.problems == [] and all(u.startswith("file://") for u in page.requests)
    assert page.evaluate("document.documentElement.dir") == "rtl"
    assert page.evaluate("getComputedStyle(document.querySelector('main')).direction") == "rtl"
    # Laid out right to left: the first post's copy button hugs the right edge.
    box = page.locator("button.copy").first.bounding_box()
    assert box["x"] + box["width"] > 360 * 0.6
    # No horizontal scrolling on a 360 px phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    # Every image has a text alternative; the cards are shown as thumbnails.
    assert page.locator("img").count() >= 3
    assert page.locator("img:not([alt]), img[alt='']").count() == 0
    page.screenshot(path=str(ARTIFACTS / "browser-ar.png"), full_page=True)

    # The copy button puts the post's text on the clipboard (and says so for screen readers).
    post = page.locator("article.post p").first.inner_text()
    page.locator("button.copy").first.focus()
    page.keyboard.press("Enter")
    # Polled from here: wait_for_function evaluates a string in the page, which its CSP
    # (rightly) forbids.
    deadline = time.monotonic() + 10
    while page.evaluate("document.body.dataset.copied") is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert page.evaluate("document.body.dataset.copied") == post
    assert page.locator("#copy-status").inner_text().strip()


def test_injection_attempts_never_run(browser, cli, demo):
    """Hostile translations, with checks silenced by ignore-* flags, still run no script."""
    cli("update")
    path = demo / "locales" / "es" / "LC_MESSAGES" / "demo.po"
    catalog = read_catalog(path)
    for i, entry in enumerate(catalog.messages):
        entry.msgstr = f"{HOSTILE[i % len(HOSTILE)]} {entry.msgid}"
        entry.flags += ["ignore-html", "ignore-unsafe-link", "ignore-bidi-controls",
                        "ignore-markdown", "ignore-links", "ignore-control-chars"]
    path.write_bytes(dump_catalog(catalog))
    ui = demo / "locales" / "es" / "LC_MESSAGES" / "ui.po"
    catalog = read_catalog(ui)
    for i, entry in enumerate(catalog.messages):
        entry.msgstr = f"{HOSTILE[i % len(HOSTILE)]} {entry.msgid}"
    ui.write_bytes(dump_catalog(catalog))
    cli("build", "--jobs", "1", "--allow-incomplete", env=EPOCH, expect=None)
    out = demo / "output"
    pages = [out / "index.html", out / "es" / "index.html"]
    pages += [p for p in [out / "es" / "demo" / "leaflet.html"] if p.exists()]
    assert len(pages) == 3, "the Spanish leaflet is rendered (as a labelled draft)"
    for file in pages:
        page = open_page(browser, file.as_uri())
        for link in page.locator("a").all():
            href = link.get_attribute("href") or ""
            assert not href.lower().startswith(("javascript:", "data:")), href
        page.locator("body").click(position={"x": 5, "y": 5})
        assert page.evaluate("window.__pwned === undefined"), file
        assert page.evaluate("getComputedStyle(document.body).display") != "none"
        assert [p for p in page.problems if "dialog" in p] == []
        assert all(u.startswith("file://") for u in page.requests), page.requests
    page.screenshot(path=str(ARTIFACTS / "browser-hostile-leaflet.png"), full_page=True)


VISIBLE_IMAGES = """() => Array.from(document.images).map(img => {
  const box = img.getBoundingClientRect();
  return {src: img.getAttribute("src"), loaded: img.complete && img.naturalWidth > 0,
          width: box.width, height: box.height};
})"""


def test_pages_hold_from_a_phone_to_a_desktop(browser, built):
    """No sideways scroll at 360 px; every image loads and shows; cards span the phone's
    width and a third of a desktop's; the leaflet's preview is there; a link in an Arabic post
    stays on one line."""
    ARTIFACTS.mkdir(exist_ok=True)
    out = built / "output"
    for width in (360, 1280):
        for path in (out / "index.html", out / "es" / "index.html", out / "ar" / "index.html"):
            context = browser.new_context(viewport={"width": width, "height": 800})
            page = context.new_page()
            page.goto(path.as_uri())
            page.wait_for_load_state("load")
            for img in page.locator("img").all():
                img.scroll_into_view_if_needed()  # lazy ones load when near
            page.wait_for_load_state("load")
            assert page.evaluate("document.documentElement.scrollWidth") <= width, (width, path)
            images = page.evaluate(VISIBLE_IMAGES)
            assert images and all(i["loaded"] and i["width"] > 20 and i["height"] > 20
                                  for i in images), images
            name = path.parent.name if path.parent != out else "index"
            page.screenshot(path=str(ARTIFACTS / f"browser-{name}-{width}.png"), full_page=True)
            if path.parent == out:
                # One preview per language in the index's table.
                assert sum("/demo/leaflet.png" in i["src"] for i in images) == 3
                context.close()
                continue
            main = page.evaluate("document.querySelector('section.campaign')"
                                 ".getBoundingClientRect().width")
            cards = [i for i in images if "/cards/" in i["src"]]
            assert len(cards) == 3
            assert min(i["width"] for i in cards) >= (0.85 * main if width < 600 else main / 4)
            previews = [i for i in images if i["src"].endswith("leaflet.png")]
            assert len(previews) == 1 and previews[0]["height"] > previews[0]["width"]
            if path.parent.name == "ar":
                lines = page.evaluate("Array.from(document.querySelectorAll('bdi.link'))"
                                      ".map(b => b.getClientRects().length)")
                assert lines and set(lines) == {1}, lines
            context.close()
