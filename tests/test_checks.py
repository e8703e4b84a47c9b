"""Quality checks: one failing and one passing example per check, then a defective catalog."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import REPO, Cli
from pipeline import checks, textlength
from pipeline.checks import ERROR, WARNING, check_entry, entry_errors, make_context
from pipeline.config import load_config
from pipeline.catalogs.pofile import Entry, read_catalog
from pipeline.plan import make_plan
from pipeline.sources import read_campaign

FIXTURE = REPO / "tests" / "data" / "checks"
FIXTURE_PO = FIXTURE / "locales" / "es" / "LC_MESSAGES" / "rally.po"
RALLY = read_campaign(FIXTURE, "rally")


def run(source: str, target: str, lang: str = "es", flags=(), msgctxt=None, campaign=RALLY,
        values=None, **entry) -> list[checks.Finding]:
    ctx = make_context(campaign, lang, 2, "x.po")
    if values is not None:
        ctx = checks.CheckContext(lang, 2, campaign, "x.po", values=values)
    return check_entry(Entry(msgid=source, msgstr=target, msgctxt=msgctxt, flags=list(flags),
                             line=7, **entry), ctx)


def ids(findings) -> set[str]:
    return {f.check for f in findings}


LETTER = "Send a letter to the embassy."
MOBILIZE = "Take to the streets on {date}!"
BRACE = ("python-brace-format",)

# (check, source, bad translation, good translation, options): the bad one triggers the check,
# the good one passes it.
CASES = [
    ("placeholders", "Join us on {date}.", "Únete.", "Únete el {date}.", dict(flags=BRACE)),
    ("placeholders", "Join us on {date}.", "Únete el {fecha}.", "El {date}, únete.",
     dict(flags=BRACE)),
    ("placeholders", "Join us on {date}.", "Únete el {date.", "Únete el {date}.",
     dict(flags=BRACE)),
    ("placeholders", "Join us.", "Únete el {date}.", "Únete.", {}),
    ("placeholders", "%(count)s people", "%(n)s personas", "%(count)s personas",
     dict(flags=("python-format",))),
    ("markdown", "**Bring** a friend.", "Trae a un amigo.", "**Trae** a un amigo.", {}),
    ("markdown", "Run `handbill`, *now*.", "Ejecuta handbill, *ya*.", "Ejecuta `handbill`, *ya*.",
     {}),
    ("links", "Read [it](https://example.org/call).", "Lee [esto](https://example.net/).",
     "Lee [esto](https://example.org/call).", {}),
    ("links", "Read [it](https://example.org/call).", "Lee [esto](https://example.org/otro).",
     "Lee [esto](https://example.org/call).", {}),
    ("foreign-link", "Read it.", "Lee https://example.net/x.", "Léelo.", {}),
    ("foreign-link", "Read [it](https://example.org/call).",
     "Lee [esto](https://example.org@evil.example/call).", "Lee [esto](https://example.org/x).",
     {}),
    ("foreign-link", "Read it.", "Lee en www.evil.example/x.", "Lee en example.org.", {}),
    ("foreign-link", "Write to us.", "Escríbenos: [aquí](mailto:x@evil.example).",
     "Escríbenos.", {}),
    ("csv-formula", LETTER, "=HYPERLINK(\"https://evil.example\")", "Escribe a la embajada.",
     dict(msgctxt="post:letter")),
    ("csv-formula", LETTER, "@SUM(1+1)*cmd|' /C calc'!A0", "Escribe @demo_org.",
     dict(msgctxt="post:letter")),
    ("too-long", "Stay safe.", "Cuídate. " * 200, "Cuídate.", {}),
    ("links", "See [us](https://example.org/).", "Mira [nos](ftp://example.org/).",
     "Mira <https://example.org/>.", {}),
    ("links", "Sign up at [our page](https://example.org/join).",
     "Inscríbete en [nuestra página](https://example.org/es/unete).",
     "Inscríbete en [nuestra página](https://example.org/es/unete).", dict(good_lang="es",
                                                                          bad_lang="fr")),
    ("hashtags", "Share the news with #FreeThem.", "Comparte la noticia.",
     "Comparte la noticia con #LibérenlosYa.", {}),
    ("hashtags", "Share the news with #FreeThem.", "Partagez la nouvelle.",
     "Partagez #freethem.", dict(lang="fr")),
    ("mentions", "Follow @demo_org.", "Síguenos.", "Sigue a @demo_org.", {}),
    ("protected-terms", "Demo Org stands with Julian Assange.", "Demo Org apoya a Julián Assange.",
     "Demo Org apoya a Julian Assange.", {}),
    ("html", "Stay safe.", "Cuídate <img src=x onerror=alert(1)>.", "Cuídate (1 < 2, x < y).", {}),
    ("html", "Stay safe.", "Cuídate <script>alert(1)</script>.", "Cuídate.", {}),
    ("unsafe-link", "Be there.", "Ven [aquí](javascript:alert(1)).", "Ven aquí.", {}),
    ("unsafe-link", "Date: 25 February", "[x](data:text/html;base64,PHNjcmlwdD4=)",
     "Data: 25 de fevereiro", dict(lang="pt_BR")),
    ("control-chars", "Stay safe.", "Cuídate\x00.", "Cuídate.", {}),
    ("control-chars", "Stay safe.", "Cuídate\x1b[31m.", "Cuídate.", {}),
    ("control-chars", "Name:\tvalue", "Nombre:\tvalor\x0b", "Nombre:\tvalor", {}),
    ("bidi-controls", "Stay safe.", "Cuídate\u202e.", "Cuídate.", {}),
    ("bidi-controls", "Stay safe.", "Cuídate\u2066.\u2069", "Cuídate.", {}),
    ("invisible", "Stay safe #FreeThem.", "Cuídate\u200b #FreeThem.",
     "ابقوا آمنين \u200f#FreeThem.", dict(good_lang="ar", bad_lang="es")),
    ("invisible", "Stay safe.", "Cuídate\u200f.", "Cuídate.", {}),
    ("post-length", LETTER, "Escribe " * 40, "Manda una carta a la embajada.",
     dict(msgctxt="post:letter")),
    ("max-length", "Short.", "Más de diez letras.", "Corto.", dict(flags=("max-length:10",))),
    ("whitespace", "Stay safe.", " Cuídate.", "Cuídate.", {}),
    ("whitespace", "Stay safe.", "Cuídate. ", "Cuídate.", {}),
    ("whitespace", "Line one\nline two", "Línea uno línea dos", "Línea uno\nlínea dos", {}),
    ("end-punctuation", "We will not be silent!", "No nos callaremos.", "¡No nos callaremos!", {}),
    ("end-punctuation", "Act now", "Actúa ya.", "Actúa ya", {}),
    ("end-punctuation", "Why?", "لماذا!", "لماذا؟", dict(lang="ar")),
    ("end-punctuation", "We stand together.", "हम साथ हैं", "हम साथ हैं।", dict(lang="hi")),
    ("end-punctuation", "Note:", "注意。", "注意：", dict(lang="zh_Hans")),
    ("same", "Meet at the square.", "Meet at the square.", "Nos vemos en la plaza.", {}),
    ("doubled-words", "Bring water.", "Trae trae agua.", "Trae agua.", {}),
    ("double-space", "No cameras.", "Sin  cámaras.", "Sin cámaras.", {}),
]


@pytest.mark.parametrize("check_id, source, bad, good, opts", CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_check_triggers_and_passes(check_id, source, bad, good, opts):
    opts = dict(opts)
    lang = opts.pop("lang", "es")
    bad_lang, good_lang = opts.pop("bad_lang", lang), opts.pop("good_lang", lang)
    assert check_id in checks.REGISTRY
    found = [f for f in run(source, bad, bad_lang, **opts) if f.check == check_id]
    assert found, f"{check_id} missed {bad!r}"
    assert all(f.severity == checks.REGISTRY[check_id].severity for f in found)
    assert check_id not in ids(run(source, good, good_lang, **opts))


def test_plurals_need_as_many_forms_as_the_header_says():
    def entry(forms):
        return Entry(msgid="One person", msgid_plural="{n} people", msgstr_plural=forms,
                     flags=["python-brace-format"], line=3)
    ctx = make_context(None, "es", 2, "ui.po")
    bad = check_entry(entry(["{n} persona", "{n} personas", "{n} personas"]), ctx)
    assert [f.message for f in bad if f.check == "plurals"] == [
        "3 plural forms, but the Plural-Forms header says nplurals=2"]
    assert not check_entry(entry(["{n} persona", "{n} personas"]), ctx)
    # Placeholders are checked in every form, and the finding names the form.
    dropped = check_entry(entry(["{n} persona", "personas"]), ctx)
    assert [f.message for f in dropped] == ["missing placeholder {n} (msgstr[1])"]
    # Form 0 may spell "one" out or use the count; Japanese's one form follows msgid_plural.
    assert not check_entry(entry(["Una persona", "{n} personas"]), ctx)
    assert not check_entry(entry(["{n} 人"]), make_context(None, "ja", 1, "ui.po"))


def test_post_length_counts_the_post_as_published_with_placeholders_filled():
    date = "viernes, 25 de febrero de 2022"
    ctx = make_context(RALLY, "es", 2, "x.po")
    assert ctx.values["date"] == date  # Babel's full format for Spanish
    # Long enough to fit with "{date}" counted as 6 characters, too long once the date is in.
    text = "¡Salgan a las calles el {date}! " + "x" * 208
    published = textlength.compose_post(text.replace("{date}", date), ("#LibérenlosYa",),
                                        "https://example.org/")
    assert textlength.length("x", published) > 280
    assert textlength.length("x", textlength.compose_post(text, ("#LibérenlosYa",),
                                                          "https://example.org/")) <= 280
    found = [f for f in run(MOBILIZE, text, msgctxt="post:mobilize", flags=BRACE)
             if f.check == "post-length"]
    length = textlength.length("x", published)
    assert [f.message for f in found] == [
        f"{length} characters on X as published (limit 280), hashtags and link included: "
        f"{length - 280} too many"]


def test_messages_of_only_names_tags_and_links_may_stay_as_they_are():
    assert not run("Julian Assange", "Julian Assange")
    assert not run("#FreeThem https://example.org/", "#FreeThem https://example.org/")
    assert not run("{date}", "{date}", flags=BRACE)


def test_hashtags_handles_and_terms_are_not_confused_with_urls_or_emails():
    assert not run("Write to info@example.org or see https://example.org/#top.",
                   "Escribe a info@example.org o mira https://example.org/#top.")
    # A suffix after a protected name is fine (agglutinative languages).
    assert "protected-terms" not in ids(run("Free Julian Assange.", "Julian Assangen vapaaksi.",
                                            "fi"))


def test_ignore_flag_silences_one_check_for_one_message():
    assert ids(run("Meet at the square.", "Meet at the square.")) == {"same"}
    assert not run("Meet at the square.", "Meet at the square.", flags=("ignore-same",))
    # Weblate's own flag names work too.
    assert not run("On {date}.", "Pronto.", flags=BRACE + ("ignore-python-brace-format",))
    assert ids(run("On {date}.", "Pronto.", flags=BRACE + ("ignore-same",))) == {"placeholders"}


def test_fuzzy_entries_are_checked_and_marked():
    [finding] = run("On {date}.", "El {fecha}.", flags=("fuzzy",) + BRACE)[:1]
    assert finding.fuzzy and str(finding) == (
        "x.po:7: error [placeholders] (fuzzy) missing placeholder {date}")


def test_untranslated_and_obsolete_entries_are_skipped():
    assert not run("On {date}.", "", flags=BRACE)
    assert not run("On {date}.", "Pronto.", flags=BRACE, obsolete=True)


def test_entry_errors_leaves_warnings_out():
    entry = Entry(msgid="We will not be silent!", msgstr="No nos callaremos <b>ya</b>.", line=4)
    errors = entry_errors(entry, RALLY, "es", 2)
    assert [(f.check, f.severity) for f in errors] == [("html", ERROR)]
    all_findings = check_entry(entry, make_context(RALLY, "es", 2))
    assert ("end-punctuation", WARNING) in [(f.check, f.severity) for f in all_findings]


def test_rtl_marks_are_fine_in_arabic_but_bidi_overrides_are_not():
    assert not run("Free them!", "حرروهم\u200f!", "ar")
    assert ids(run("Free them!", "حرروهم\u202b!", "ar")) == {"bidi-controls"}


# ---------------------------------------------------------------------------- the catalog


@pytest.mark.parametrize("check_id, source, bad, good, opts", CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_errors_only_finds_the_same_errors(check_id, source, bad, good, opts):
    """Render runs only the error checks (errors_only); it must refuse exactly what the full
    run calls an error, on the bad and the good translation alike (cached parses included:
    each text is checked twice)."""
    opts = dict(opts)
    lang = opts.pop("lang", "es")
    opts.pop("bad_lang", None), opts.pop("good_lang", None)
    ctx = make_context(opts.pop("campaign", RALLY), lang, 2, "x.po")
    for target in (bad, good, bad):
        entry = Entry(msgid=source, msgstr=target, msgctxt=opts.get("msgctxt"),
                      flags=list(opts.get("flags", ())), line=7)
        full = [f for f in check_entry(entry, ctx) if f.severity == ERROR]
        assert check_entry(entry, ctx, errors_only=True) == full


def msgid_line(text: str, msgid: str) -> int:
    """The line of `msgid "..."` in a PO file's text, found without our parser."""
    return text.split("\n").index(f'msgid "{msgid}"') + 1


EXPECTED = [  # (msgid, check, severity) found in tests/data/checks' Spanish catalog
    ("Join us on {date} outside the embassy.", "placeholders", ERROR),  # dropped placeholder
    ("Share the news with #FreeThem.", "hashtags", ERROR),  # dropped hashtag
    ("Follow @demo_org for updates.", "mentions", ERROR),  # dropped @handle
    ("Read the [full call](https://example.org/call) before you go.", "links", ERROR),
    ("Read the [full call](https://example.org/call) before you go.", "markdown", ERROR),
    ("Write to [the embassy](https://example.org/embassy).", "links", ERROR),  # replaced URL
    ("Write to [the embassy](https://example.org/embassy).", "foreign-link", ERROR),
    ("**Bring** a friend.", "markdown", ERROR),
    ("Demo Org stands with Julian Assange.", "protected-terms", ERROR),
    ("Stay safe.", "html", ERROR),
    ("Be there on time.", "unsafe-link", ERROR),
    ("Tell your friends.", "control-chars", ERROR),
    ("Bring water.", "doubled-words", WARNING),
    ("We will not be silent!", "end-punctuation", WARNING),
    ("Meet at the square.", "same", WARNING),
    ("Spread the word.", "whitespace", WARNING),
    ("No cameras.", "double-space", WARNING),
    ("Take to the streets on {date}!", "placeholders", ERROR),  # fuzzy {fecha}
    ("Send a letter to the embassy.", "post-length", ERROR),  # over X's limit
    ("Send a letter to the embassy.", "max-length", ERROR),
    ("{n} person joined", "plurals", ERROR),
]


@pytest.fixture(scope="module")
def fixture_findings():
    result = Cli(FIXTURE)("check", "--format", "json", expect=1)
    return json.loads(result.stdout)


def test_every_defect_is_found_at_its_msgid_line(fixture_findings):
    text = FIXTURE_PO.read_text(encoding="utf-8")
    found = {(f["line"], f["check"], f["severity"]) for f in fixture_findings}
    expected = {(msgid_line(text, msgid), check, severity) for msgid, check, severity in EXPECTED}
    assert found == expected
    keys = {"path", "line", "campaign", "language", "msgctxt", "msgid", "check", "severity",
            "message", "fuzzy"}
    assert all(set(f) == keys for f in fixture_findings)
    replaced = next(f for f in fixture_findings if f["msgid"].startswith("Write to"))
    assert replaced["message"].startswith("link https://example.org/embassy was replaced by "
                                          "https://example.net/embajada")
    fuzzy = [f for f in fixture_findings if f["fuzzy"]]
    assert {f["msgctxt"] for f in fuzzy} == {"post:mobilize"}
    # The localised link and hashtag the campaign allows for Spanish are not defects.
    assert not [f for f in fixture_findings if f["msgid"].startswith("Sign up")]


def test_text_output_is_compiler_style_with_a_summary():
    result = Cli(FIXTURE)("check", "--lang", "es", "--campaign", "rally", expect=1)
    lines = result.stdout.splitlines()
    text = FIXTURE_PO.read_text(encoding="utf-8")
    line = msgid_line(text, "Join us on {date} outside the embassy.")
    assert lines[0] == (f"locales/es/LC_MESSAGES/rally.po:{line}: error [placeholders] "
                        "missing placeholder {date}")
    assert lines[-1] == "17 errors, 6 warnings in 1 catalog"
    assert any(" (fuzzy) " in x for x in lines)


def test_error_counts_for_status(fixture_findings):
    cfg = load_config(FIXTURE)
    errors = sum(f["severity"] == "error" for f in fixture_findings)
    plan = make_plan(cfg, [read_campaign(FIXTURE, "rally")], ["es"])
    assert checks.error_counts(cfg, plan) == {("rally", "es"): errors}


def test_a_clean_project_passes(cli):
    cli("init", "es")
    result = cli("check")
    assert result.stdout.splitlines()[-1].startswith("0 errors, 0 warnings in ")


def test_an_unreadable_catalog_is_a_finding_not_a_crash(cli, demo: Path):
    cli("init", "es")
    path = demo / "locales" / "es" / "LC_MESSAGES" / "demo.po"
    path.write_text(path.read_text(encoding="utf-8") + '\nmsgid "dangling"\n', encoding="utf-8")
    result = cli("check", "--campaign", "demo", expect=1)
    assert "error [catalog]" in result.stdout


def test_shipped_reviewed_languages_have_no_errors():
    assert (REPO / "locales").is_dir(), "the repository ships its catalogs"
    cfg = load_config(REPO)
    campaign = read_campaign(REPO, "free-assange")
    plan = make_plan(cfg, [campaign], ["es", "pt_BR", "fr"], with_ui=False)
    findings = checks.run_checks(cfg, plan)
    reviewed_errors = [str(f) for f in findings if f.severity == ERROR and not f.fuzzy]
    assert reviewed_errors == []
    assert read_catalog(REPO / "locales" / "es" / "LC_MESSAGES" / "free-assange.po").messages


def test_the_ui_domain_gets_the_generic_checks(cli, demo: Path):
    cli("init", "es")
    ui = demo / "locales" / "es" / "LC_MESSAGES" / "ui.po"
    ui.write_text('msgid ""\nmsgstr ""\n"Plural-Forms: nplurals=2; plural=(n != 1);\\n"\n\n'
                  '#, python-format\nmsgid "Download %(name)s"\nmsgstr "Descargar <b>nombre</b>"\n',
                  encoding="utf-8")
    result = cli("check", "--format", "json", expect=1)
    found = [(f["campaign"], f["line"], f["check"]) for f in json.loads(result.stdout)]
    assert found == [("ui", 6, "placeholders"), ("ui", 6, "html")]
    # With --campaign only that campaign's catalogs are checked.
    assert json.loads(cli("check", "--campaign", "demo", "--format", "json").stdout) == []


def test_checks_in_worker_processes_find_what_one_process_finds(monkeypatch, tmp_path):
    """`handbill check` of many catalogs runs in the worker pool: the same findings, in the
    same order, as in one process (the shipped project, forked even for its 14 catalogs)."""
    import shutil

    from pipeline.project import load_plan

    shutil.copy(REPO / "handbill.toml", tmp_path / "handbill.toml")
    for folder in ("source", "locales"):
        shutil.copytree(REPO / folder, tmp_path / folder)
    cfg = load_config(tmp_path)
    plan = load_plan(cfg).plan
    alone = checks.run_checks(cfg, plan, jobs=1)
    assert alone
    monkeypatch.setattr(checks, "_PARALLEL_MIN", 1)
    calls = []
    real_run = checks.workers.run
    monkeypatch.setattr(checks.workers, "run",
                        lambda *a, **k: calls.append(k) or real_run(*a, **k))
    assert checks.run_checks(cfg, plan, jobs=2) == alone
    assert calls and calls[0]["inline_below"] == 1
