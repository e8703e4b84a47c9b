"""13.8: WeasyPrint fetches only `data:` URLs and regular files inside the campaign's folder;
anything else fails that language with one line naming the template and the URL."""

from __future__ import annotations

import base64
import http.server
import threading
from pathlib import Path

import pytest

from conftest import Cli
from security.helpers import add_campaign, no_traceback, project

SHIPPED = Path(__file__).resolve().parents[2] / "pipeline" / "templates" / "leaflet.html"
# A 1x1 red PNG.
PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ"
                       "/pLvAAAAAElFTkSuQmCC")


class _Recorder(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self):  # noqa: N802 - http.server's name
        type(self).hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.end_headers()
        self.wfile.write(PNG)

    def log_message(self, *args):
        pass


@pytest.fixture
def recorder():
    _Recorder.hits = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", _Recorder.hits
    server.shutdown()
    server.server_close()


@pytest.fixture
def proj(tmp_path):
    root = project(tmp_path / "proj")
    (root / "source/demo/logo.png").write_bytes(PNG)
    return root


def _override(root: Path, snippet: str) -> Path:
    folder = root / "source/demo/templates"
    folder.mkdir(exist_ok=True)
    path = folder / "leaflet.html"
    path.write_text(SHIPPED.read_text().replace("</body>", snippet + "\n</body>"))
    return path


@pytest.mark.parametrize("snippet", [
    '<img src="logo.png" alt="logo">',
    '<img src="templates/../logo.png" alt="logo">',
    f'<img src="data:image/png;base64,{base64.b64encode(PNG).decode()}" alt="logo">',
    '<style>.x { background: url("logo.png") }</style><p class="x">x</p>',
])
def test_a_resource_inside_the_campaign_folder_renders(proj, snippet):
    _override(proj, snippet)
    result = Cli(proj)("build", "--jobs", "1")
    no_traceback(result)
    assert (proj / "output/packs/demo-es.zip").is_file()
    assert (proj / "output/es/demo/leaflet.pdf").stat().st_size > 1000


@pytest.mark.parametrize("url", [
    "file:///etc/passwd", "/etc/passwd", "../../../handbill.toml", "../../handbill.toml",
    "{server}/tracker.png", "{server_https}/x.png", "ftp://127.0.0.1/x",
    "file:///proc/self/environ",
])
@pytest.mark.parametrize("how", ["img", "css-url", "css-import", "link"])
def test_a_resource_from_elsewhere_fails_that_language(proj, recorder, url, how):
    server, hits = recorder
    url = url.format(server=server, server_https=server.replace("http:", "https:"))
    snippet = {"img": f'<img src="{url}" alt="x">',
               "css-url": f'<style>.x {{ background: url("{url}") }}</style><p class="x">x</p>',
               "css-import": f'<style>@import url("{url}");</style>',
               "link": f'<link rel="stylesheet" href="{url}">'}[how]
    _override(proj, snippet)
    result = Cli(proj)("build", "--jobs", "1", expect=1)
    no_traceback(result)
    assert hits == [], "the loopback server got a request"
    errors = [line for line in result.stderr.splitlines() if line.startswith("handbill: error:")]
    shown = url.replace("../", "")  # a relative URL is shown as its path in the project
    assert any("source/demo/templates/leaflet.html" in line and shown in line
               and "outside the campaign" in line for line in errors), result.stderr
    assert not (proj / "output/packs/demo-es.zip").exists()


def test_a_symlinked_asset_pointing_outside_is_refused(proj, tmp_path):
    outside = tmp_path / "outside.png"
    outside.write_bytes(PNG)
    (proj / "source/demo/evil.png").symlink_to(outside)
    _override(proj, '<img src="evil.png" alt="x">')
    result = Cli(proj)("build", "--jobs", "1", expect=1)
    no_traceback(result)
    assert "evil.png" in result.stderr and "symlink" in result.stderr, result.stderr


def test_the_other_campaign_still_builds(proj, recorder):
    add_campaign(proj)
    _override(proj, f'<img src="{recorder[0]}/x.png" alt="x">')
    Cli(proj)("build", "--jobs", "1", expect=1)
    assert (proj / "output/packs/other-es.zip").is_file()
    assert recorder[1] == []
