"""13.2: campaign templates (from contributors) render in Jinja2's sandbox; an unsafe attribute
is `path:line: template uses an unsafe attribute` for that campaign only; the loader does not
leave the campaign's templates folder."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from conftest import Cli
from security.helpers import add_campaign, no_traceback, project

SHIPPED = Path(__file__).resolve().parents[2] / "pipeline" / "templates" / "leaflet.html"

# Each payload goes on line 3 of an otherwise harmless campaign leaflet.html.
ESCAPES = {
    "globals-popen": "{{ cycler.__init__.__globals__.os.popen('touch PWNED').read() }}",
    "mro": "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "template-reference": "{{ self._TemplateReference__context }}",
    "attr-filter": "{{ (cycler|attr('__init__')|attr('__globals__'))['os'] }}",
    "format-string": "{{ '{0.__class__.__mro__}'.format('') }}",
    "format-filter": "{{ '%s'|format(cycler.__init__) }}{{ cycler.__init__.__globals__ }}",
    "joiner-globals": "{{ joiner.__init__.__globals__['__builtins__'] }}",
    "namespace-dict": "{{ namespace.__init__.__globals__ }}",
    "lipsum-globals": "{{ lipsum.__globals__['os'].system('touch PWNED') }}",
    "ui-internals": "{{ _ui.__dict__ }}",
}


def _campaign_template(root: Path, body: str, name: str = "leaflet.html",
                       campaign: str = "demo") -> Path:
    folder = root / "source" / campaign / "templates"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text("<!doctype html>\n<title>x</title>\n" + body + "\n<p>end</p>\n")
    return path


@pytest.fixture
def two_campaigns(tmp_path):
    return add_campaign(project(tmp_path / "proj"))


@pytest.mark.parametrize("name", sorted(ESCAPES))
def test_a_sandbox_escape_fails_that_campaign_with_its_line(two_campaigns, name, monkeypatch):
    root = two_campaigns
    monkeypatch.chdir(root)
    _campaign_template(root, ESCAPES[name])
    result = Cli(root)("build", "--jobs", "1", expect=1)
    no_traceback(result)
    assert not (root / "PWNED").exists()
    assert "source/demo/templates/leaflet.html:3: template uses an unsafe attribute" \
        in result.stderr, result.stderr
    # The other campaign still builds.
    assert (root / "output/packs/other-en.zip").is_file()
    assert (root / "output/packs/other-es.zip").is_file()
    assert not (root / "output/packs/demo-en.zip").exists()


def test_the_error_names_the_line_of_an_included_template(two_campaigns):
    root = two_campaigns
    _campaign_template(root, "{% include 'part.html' %}")
    (root / "source/demo/templates/part.html").write_text(
        "<p>fine</p>\n<p>{{ ''.__class__ }}</p>\n")
    result = Cli(root)("build", "--jobs", "1", expect=1)
    assert "source/demo/templates/part.html:2: template uses an unsafe attribute" \
        in result.stderr, result.stderr


@pytest.mark.parametrize("target", ["../../../handbill.toml", "../campaign.yml",
                                    "/etc/passwd", "..\\..\\handbill.toml",
                                    "templates/../../campaign.yml"])
@pytest.mark.parametrize("tag", ["include", "import", "extends"])
def test_include_or_import_cannot_leave_the_templates_folder(two_campaigns, target, tag):
    root = two_campaigns
    statement = {"include": f"{{% include '{target}' %}}",
                 "import": f"{{% import '{target}' as x %}}",
                 "extends": f"{{% extends '{target}' %}}"}[tag]
    _campaign_template(root, statement)
    result = Cli(root)("build", "--jobs", "1", expect=1)
    no_traceback(result)
    for path in (root / "output").rglob("leaflet.html"):
        text = path.read_text()
        assert "[project]" not in text and "root:" not in text and "organisation:" not in text
    assert "demo" in result.stderr and "template" in result.stderr


def test_a_template_symlinked_out_of_the_templates_folder_is_refused(two_campaigns, tmp_path):
    root = two_campaigns
    secret = tmp_path / "secret.html"
    secret.write_text("<p>TOP-SECRET</p>\n")
    folder = root / "source/demo/templates"
    folder.mkdir()
    (folder / "leaflet.html").symlink_to(secret)
    result = Cli(root)("build", "--jobs", "1", expect=1)
    no_traceback(result)
    assert "source/demo/templates/leaflet.html: is a symlink to a file outside the project" \
        in result.stderr, result.stderr
    assert not any("TOP-SECRET" in p.read_text() for p in (root / "output").rglob("*.html"))


def test_a_symlinked_templates_folder_is_refused(two_campaigns, tmp_path):
    root = two_campaigns
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "leaflet.html").write_text("<p>TOP-SECRET</p>\n")
    (root / "source/demo/templates").symlink_to(elsewhere, target_is_directory=True)
    result = Cli(root)("build", "--jobs", "1", expect=1)
    no_traceback(result)
    assert "source/demo/templates" in result.stderr and "symlink" in result.stderr
    assert not any("TOP-SECRET" in p.read_text() for p in (root / "output").rglob("*.html"))


def test_an_include_of_a_symlink_inside_a_symlinked_folder_is_refused(two_campaigns, tmp_path):
    root = two_campaigns
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "x.html").write_text("TOP-SECRET")
    inner = root / "source/demo/templates/inner"
    inner.mkdir(parents=True)
    (inner / "deeper").symlink_to(outside, target_is_directory=True)
    _campaign_template(root, "{% include 'inner/deeper/x.html' %}")
    result = Cli(root)("build", "--jobs", "1", expect=1)
    no_traceback(result)
    assert "symlink" in result.stderr
    assert not any("TOP-SECRET" in p.read_text() for p in (root / "output").rglob("*.html"))


def test_a_huge_range_or_repetition_fails_fast(two_campaigns):
    root = two_campaigns
    _campaign_template(root, "{{ range(10**9)|list|length }}{{ 'x' * 10**9 }}{{ 10**10**10 }}")
    started = time.monotonic()
    result = Cli(root)("build", "--jobs", "1", expect=1)
    assert time.monotonic() - started < 60
    no_traceback(result)
    assert "source/demo/templates/leaflet.html:3:" in result.stderr, result.stderr


def test_a_harmless_campaign_override_still_renders(two_campaigns):
    root = two_campaigns
    text = SHIPPED.read_text().replace("</body>", "<p>{{ title_text|upper }} OVERRIDE "
                                       "{{ range(3)|list|join(',') }}</p></body>")
    folder = root / "source/demo/templates"
    folder.mkdir()
    (folder / "leaflet.html").write_text(text)
    Cli(root)("build", "--jobs", "1")
    assert "OVERRIDE 0,1,2" in (root / "output/en/demo/leaflet.html").read_text()
