"""The `handbill` command: parse options, load the config, call one stage, report.

Exit codes: 0 success; 1 a user error (bad input, failed check, a language that failed);
2 bad usage (Click). Only this module prints.
"""

from __future__ import annotations

import functools
import json
import logging
import sys
from pathlib import Path

import click

from pipeline import __version__, catalogs, project
from pipeline.config import Config, find_project, load_config
from pipeline.errors import HandbillError

EPILOG_DOCS = "Guides: docs/translators.md, docs/coordinators.md, docs/weblate.md."


class _Context:
    def __init__(self, project_dir: Path | None):
        self.project_dir = project_dir
        self._cfg: Config | None = None

    @property
    def cfg(self) -> Config:
        if self._cfg is None:
            root = self.project_dir.resolve() if self.project_dir else find_project(Path.cwd())
            self._cfg = load_config(root)
        return self._cfg


def fail(error: HandbillError | str) -> None:
    """Print the error (one line per problem: a source may hold several) and exit 1."""
    _report_failures([error])
    sys.exit(1)


def _run(func):
    """Decorator: turn HandbillError into one line on stderr and exit code 1."""
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except HandbillError as exc:
            fail(exc)

    return wrapper


@click.group(epilog=EPILOG_DOCS)
@click.option("--project", "project_dir", type=click.Path(file_okay=False, path_type=Path),
              help="The project folder (holding handbill.toml). Default: found by walking up "
                   "from the current folder.")
@click.option("-v", "--verbose", count=True, help="Show what each stage does (-vv: debug).")
@click.version_option(__version__, prog_name="handbill")
@click.pass_context
def main(ctx: click.Context, project_dir: Path | None, verbose: int) -> None:
    """handbill turns one campaign text into leaflets, posts and share cards in every language.

    \b
    Typical flow:
      handbill extract        # sources -> locales/<campaign>.pot
      handbill update         # .pot -> every language's .po (like msgmerge)
      handbill status         # who is done
      handbill build          # everything, into output/
    """
    level = logging.WARNING - 10 * verbose
    logging.basicConfig(level=max(level, logging.DEBUG), format="%(levelname)s: %(message)s",
                        stream=sys.stderr)
    ctx.obj = _Context(project_dir)


pass_ctx = click.make_pass_decorator(_Context)


def _campaign_option(func):
    return click.option("--campaign", "-c", "campaigns", multiple=True,
                        help="Only this campaign (repeatable). Default: all.")(func)


def _lang_option(func):
    return click.option("--lang", "-l", "langs", multiple=True,
                        help="Only this language (repeatable). Default: all in handbill.toml.")(func)


def _domains(cfg: Config, names: tuple[str, ...]):
    campaigns = project.read_campaigns(cfg, project.campaign_names(cfg, names))
    return campaigns, project.domains(cfg, campaigns, with_ui=not names)


def _report_failures(failures: list[HandbillError]) -> None:
    for failure in failures:
        for line in str(failure).splitlines() or [""]:
            click.echo(f"handbill: error: {line}", err=True)


@main.command()
@_campaign_option
@click.option("--check", is_flag=True, help="Only report whether a template is out of date "
              "(exit 1 if so); write nothing.")
@pass_ctx
@_run
def extract(obj: _Context, campaigns: tuple[str, ...], check: bool) -> None:
    """Extract the campaigns' text into locales/<campaign>.pot (and locales/ui.pot).

    A template whose only change would be its creation date is left untouched.

    Example: handbill extract --campaign free-assange
    """
    cfg = obj.cfg
    _, domains = _domains(cfg, campaigns)
    changed = catalogs.extract(cfg, domains, check=check)
    for domain in domains:
        path = catalogs.pot_path(cfg, domain.name)
        state = ("out of date" if check else "written") if path in changed else "up to date"
        click.echo(f"{cfg.relpath(path)}: {len(domain.messages)} messages, {state}")
    if check and changed:
        sys.exit(1)


@main.command()
@click.argument("lang")
@_campaign_option
@pass_ctx
@_run
def init(obj: _Context, lang: str, campaigns: tuple[str, ...]) -> None:
    """Start a new language: create locales/LANG/LC_MESSAGES/<campaign>.po for each campaign.

    LANG is a gettext language code checked against Babel's CLDR data (es, pt_BR, zh_Hans...).
    Headers (Language, Plural-Forms) come from CLDR. Existing files are never overwritten.

    Example: handbill init pt_BR
    """
    from pipeline.names import validate_language
    from pipeline.projectfile import add_language

    cfg = obj.cfg
    lang = validate_language(lang)
    _, domains = _domains(cfg, campaigns)
    catalogs.extract(cfg, domains)
    created, existing = catalogs.init_language(cfg, lang, [d.name for d in domains])
    for path in created:
        click.echo(f"created {cfg.relpath(path)}")
    for path in existing:
        click.echo(f"{cfg.relpath(path)} already exists; kept it (run `handbill update`)")
    if add_language(cfg.root, lang):
        click.echo(f"added {lang} to [project] languages in handbill.toml")


@main.command()
@_campaign_option
@_lang_option
@click.option("--check", is_flag=True, help="Only report catalogs that are out of date "
              "(exit 1 if any); write nothing. For CI of content repositories.")
@pass_ctx
@_run
def update(obj: _Context, campaigns: tuple[str, ...], langs: tuple[str, ...], check: bool) -> None:
    """Merge the templates into every language's catalog, like `msgmerge --previous`.

    Unchanged messages keep their translation; a changed source string keeps the old
    translation marked fuzzy with the previous text (#| msgid); removed messages become
    obsolete (#~) and come back if their text returns. Nothing is ever deleted. A message
    whose content does not change keeps the file's own layout (what Weblate or Poedit wrote).
    With --check, each out-of-date file is named with the first line that would change and why.

    Example: handbill update --lang es --check
    """
    cfg = obj.cfg
    _, domains = _domains(cfg, campaigns)
    reasons: dict = {}
    stale_pots = catalogs.extract(cfg, domains, check=check, reasons=reasons)
    result = catalogs.update(cfg, domains, project.languages(cfg, langs), check=check)
    reasons.update(result.reasons)
    for path in result.written:
        s = result.stats[path]
        click.echo(f"updated {cfg.relpath(path)}: {s.kept} kept, {s.fuzzy} fuzzy, {s.new} new, "
                   f"{s.obsolete} obsolete"
                   + (f", {s.seeded} from handbill's translations" if s.seeded else ""))
    if check:
        for path in stale_pots + result.stale:
            click.echo(f"{cfg.relpath(path)}:{reasons[path]}")
    else:
        for path in stale_pots:
            click.echo(f"extracted {cfg.relpath(path)}")
    click.echo(f"{len(result.written)} catalogs updated, {result.unchanged} unchanged"
               + (f", {len(result.failures)} failed" if result.failures else ""))
    _report_failures(result.failures)
    if result.failures or (check and (stale_pots or result.stale)):
        sys.exit(1)


@main.command()
@_campaign_option
@_lang_option
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list instead of a table.")
@click.option("--errors", "with_errors", is_flag=True,
              help="Also run the checks and count the errors per catalog (see `handbill check`).")
@pass_ctx
@_run
def status(obj: _Context, campaigns: tuple[str, ...], langs: tuple[str, ...],
           as_json: bool, with_errors: bool) -> None:
    """Show translation progress per campaign and language.

    Columns: total, reviewed, fuzzy (needs review), machine drafts, untranslated, % reviewed;
    with --errors, the number of check errors.

    Example: handbill status --json
    """
    from pipeline.names import UI_DOMAIN

    cfg = obj.cfg
    names = project.campaign_names(cfg, campaigns)
    if not campaigns and catalogs.pot_path(cfg, UI_DOMAIN).exists():
        names.append(UI_DOMAIN)
    rows, failures = catalogs.status(cfg, names, project.languages(cfg, langs))
    errors = None
    if with_errors:
        from pipeline.checks import error_counts

        errors = error_counts(cfg, [n for n in names if n != UI_DOMAIN],
                              project.languages(cfg, langs))
    if as_json:
        items = [r.as_dict() for r in rows]
        if errors is not None:
            for item in items:
                item["errors"] = errors.get((item["campaign"], item["language"]), 0)
        click.echo(json.dumps(items, indent=2, ensure_ascii=False))
    else:
        click.echo(_status_table(rows, errors))
    _report_failures(failures)
    if failures:
        sys.exit(1)


def _status_table(rows, errors: dict | None = None) -> str:
    head = ("campaign", "language", "total", "reviewed", "fuzzy", "drafts", "untranslated",
            "reviewed %") + (("errors",) if errors is not None else ())
    body = [(r.campaign, r.language, r.total, r.reviewed, r.fuzzy, r.drafts, r.untranslated,
             f"{r.percent_reviewed:.1f}") + ((errors.get((r.campaign, r.language), 0),)
                                            if errors is not None else ()) for r in rows]
    widths = [max(len(str(x)) for x in col) for col in zip(head, *body)]
    lines = ["  ".join(str(x).ljust(w) if i < 2 else str(x).rjust(w)
                       for i, (x, w) in enumerate(zip(row, widths))) for row in [head, *body]]
    return "\n".join(lines)


@main.command()
@click.argument("files", nargs=-1, required=True,
                type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--check", is_flag=True, help="Only list files that are not in canonical form "
              "(exit 1 if any).")
@click.option("--width", type=int, default=None,
              help="Wrap width (default: the project's, or 79; 0 = no wrapping).")
@pass_ctx
@_run
def normalize(obj: _Context, files: tuple[Path, ...], check: bool, width: int | None) -> None:
    """Rewrite PO/POT files in GNU gettext's canonical layout (as msgcat writes them).

    The content does not change: only wrapping, escapes and spacing. Flags keep the order
    the file has them in (Weblate sorts them), and flags msgcat does not know are kept. With
    --check, each file that would change is named with the first line and the reason. Works
    on any catalog, also one outside a project.

    Example: handbill normalize --check locales/*/LC_MESSAGES/*.po
    """
    from pipeline.catalogs.normalize import normalize_files

    if width is None:
        try:
            width = obj.cfg.wrap
        except HandbillError:
            width = 79
    result = normalize_files(list(files), width, check)
    for path in result.changed:
        reason = result.reasons.get(path)
        if check:
            click.echo(f"{path}:{reason}" if reason else f"{path}: not canonical")
        else:
            click.echo(f"normalized: {path}")
    _report_failures(result.failures)
    click.echo(f"{len(files)} files, {len(result.changed)} "
               f"{'not canonical' if check else 'rewritten'}"
               + (f", {len(result.failures)} unreadable" if result.failures else ""))
    if result.failures or (check and result.changed):
        sys.exit(1)


# --- draft command (drafting) ---


class _DraftCommand(click.Command):
    """`draft --help` lists the engines as registered, with the Apertium pairs installed."""

    def format_help_text(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        super().format_help_text(ctx, formatter)
        from pipeline.drafting import registry

        with formatter.section("Engines"):
            formatter.write_dl(registry.describe())


@main.command(cls=_DraftCommand)
@_campaign_option
@_lang_option
@click.option("--engine", "-e", "engine_name", metavar="NAME",
              help="Use this engine for every language (default: [draft] engine and "
                   "[draft.languages] in handbill.toml).")
@click.option("--dry-run", is_flag=True, help="Only show what would be drafted (entries, "
              "characters to send, cache hits); send no text and write nothing.")
@pass_ctx
@_run
def draft(obj: _Context, campaigns: tuple[str, ...], langs: tuple[str, ...],
          engine_name: str | None, dry_run: bool) -> None:
    """Fill untranslated entries with machine drafts, marked fuzzy ("needs review").

    Reviewed and fuzzy entries are never touched. Each draft carries the comment
    "machine draft: ENGINE, DATE". Placeholders, links, hashtags and protected terms are
    masked; a draft that lost one is not written. Safe to interrupt: run it again to
    finish, answers already received come from .handbill/cache/.

    Engines are listed below. Settings: [draft] in handbill.toml or
    HANDBILL_<ENGINE>_<KEY>; API keys only from the environment, e.g.
    HANDBILL_DEEPL_API_KEY.

    Example: handbill draft --lang es --engine apertium
    """
    import signal

    from pipeline import drafting

    cfg = obj.cfg

    def on_term(signum, frame):  # `kill` saves the drafts done so far, like Ctrl-C
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, on_term)
    try:
        with _draft_progress(dry_run) as progress:
            summary = drafting.draft(cfg, langs, campaigns, engine_name, dry_run, progress)
    finally:
        signal.signal(signal.SIGTERM, previous)
    _print_draft_summary(summary)
    if summary.interrupted:
        click.echo("handbill: interrupted; the drafts made so far are saved, run the same "
                   "command again to finish", err=True)
        sys.exit(130)
    if summary.failed:
        sys.exit(1)


class _draft_progress:
    """A rich progress bar on stderr when it is a terminal; otherwise nothing."""

    def __init__(self, quiet: bool):
        self.bar = None
        if not quiet and sys.stderr.isatty():
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

            self.bar = Progress("drafting", BarColumn(), MofNCompleteColumn(),
                                TimeRemainingColumn(), console=Console(stderr=True),
                                transient=True)
        self.task = None

    def __enter__(self):
        if self.bar is None:
            return None
        self.bar.start()
        return self.update

    def update(self, done: int, total: int) -> None:
        if self.task is None:
            self.task = self.bar.add_task("drafting", total=total)
        self.bar.update(self.task, completed=done, total=total)

    def __exit__(self, *exc) -> None:
        if self.bar is not None:
            self.bar.stop()


def _print_draft_summary(summary) -> None:
    shown_limit = 5  # per reason: a refused key fails every entry the same way
    if not summary.catalogs:
        click.echo("nothing to draft: no catalogs for these languages and campaigns (see "
                   "[project] languages in handbill.toml and `handbill update`)")
    for c in summary.catalogs:
        head = f"{c.path} ({c.engine})"
        if c.error:
            click.echo(f"{head}: not drafted", err=False)
            click.echo(f"handbill: error: {c.error}", err=True)
            continue
        if summary.dry_run:
            click.echo(f"{head}: would draft {c.to_draft} of {c.total} entries ({c.kept} "
                       f"reviewed or fuzzy kept); {c.characters} characters to send, "
                       f"{c.cached} texts already cached")
            continue
        click.echo(f"{head}: {c.drafted} drafted, {len(c.skipped)} skipped, {len(c.failed)} "
                   f"failed, {c.kept} kept (reviewed or fuzzy)"
                   + (f"; {c.cached} from cache" if c.cached else ""))
        for label, problems, err in (("failed", c.failed, True), ("skipped", c.skipped, False)):
            by_reason: dict[str, list] = {}
            for p in problems:
                by_reason.setdefault(p.reason, []).append(p)
            for reason, same in by_reason.items():
                for p in same[:shown_limit]:
                    text = p.msgid if len(p.msgid) <= 50 else p.msgid[:47] + "..."
                    click.echo(f"  {c.path}:{p.line}: {label} {text!r}: {reason}", err=err)
                if len(same) > shown_limit:
                    click.echo(f"  {c.path}: ... and {len(same) - shown_limit} more {label} "
                               f"for the same reason", err=err)
    langs: dict[str, list[int]] = {}
    for c in summary.catalogs:
        row = langs.setdefault(c.lang, [0, 0, 0])
        row[0] += c.drafted
        row[1] += len(c.skipped)
        row[2] += len(c.failed) + (1 if c.error else 0)
    if not summary.dry_run and langs:
        click.echo("per language: " + "; ".join(
            f"{lang} {d} drafted, {s} skipped, {f} failed" for lang, (d, s, f) in langs.items()))

# --- check command (checks) ---


@main.command()
@_campaign_option
@_lang_option
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="text: `path:line: severity [check] message` lines; "
              "json: a list of findings.")
@pass_ctx
@_run
def check(obj: _Context, campaigns: tuple[str, ...], langs: tuple[str, ...], fmt: str) -> None:
    """Check translations for what breaks a campaign: placeholders, links, hashtags, lengths...

    Every finding is reported (fuzzy entries too, marked as such); exit 1 if any is an error.
    Silence a check for one message with the flag `#, ignore-<check>` in its .po entry.

    Example: handbill check --lang fr --format json
    """
    from pipeline import checks

    cfg = obj.cfg
    selected = project.read_campaigns(cfg, project.campaign_names(cfg, campaigns))
    languages = project.languages(cfg, langs)
    include_ui = not campaigns
    findings = checks.run_checks(cfg, selected, languages, include_ui=include_ui)
    errors = sum(f.severity == checks.ERROR for f in findings)
    if fmt == "json":
        click.echo(json.dumps([f.as_dict() for f in findings], indent=2, ensure_ascii=False))
    else:
        for finding in findings:
            click.echo(str(finding))
        count = len(checks.catalog_targets(cfg, selected, languages, include_ui))
        click.echo(f"{errors} error{'s' * (errors != 1)}, {len(findings) - errors} warning"
                   f"{'s' * (len(findings) - errors != 1)} in {count} catalog{'s' * (count != 1)}")
    if errors:
        sys.exit(1)

# --- render command (render) ---


def _render_summary(cfg: Config, report) -> None:
    """One line per campaign and language: final, draft, incomplete, skipped or failed."""
    from pipeline.render import language_label

    for r in report.results:
        files = f", {len(r.written)} files written" if r.files else ""
        line = f"{r.campaign} {language_label(r.lang)}: {r.state}{files}"
        if r.state != "failed":
            line += f" — {r.why}"
        click.echo(line)
        for warning in r.warnings:
            click.echo(f"  warning: {warning}")
    counts: dict[str, int] = {}
    for r in report.results:
        counts[r.state] = counts.get(r.state, 0) + 1
    click.echo("rendered: " + ", ".join(f"{n} {state}" for state, n in counts.items())
               + f" (into {cfg.relpath(cfg.output_dir)}/)")
    _report_failures([r.error for r in report.failures])


@main.command()
@_campaign_option
@_lang_option
@click.option("--paper", type=click.Choice(["A5", "A4", "Letter"]), default=None,
              help="Leaflet paper size. Default: the leaflet's front matter, then [render] paper.")
@click.option("--allow-incomplete", is_flag=True, default=None,
              help="Render languages with untranslated text too, showing the source text there.")
@click.option("--only", "outputs", multiple=True,
              type=click.Choice(["leaflet", "posts", "cards"]),
              help="Only these outputs (repeatable). Default: all.")
@pass_ctx
@_run
def render(obj: _Context, campaigns: tuple[str, ...], langs: tuple[str, ...], paper: str | None,
           allow_incomplete: bool | None, outputs: tuple[str, ...]) -> None:
    """Render leaflets (HTML + PDF), social posts and share cards into output/<lang>/<campaign>/.

    A fully reviewed language renders as final; one with fuzzy or machine-drafted entries only
    as a labelled draft ([render] drafts = label | skip | final); one with untranslated entries
    is skipped unless --allow-incomplete. The source language always renders. Exit 1 if a
    language failed (for example a character no installed font can draw).

    Example: handbill render --lang ar --paper A4
    """
    from pipeline.render import OUTPUTS, RenderOptions
    from pipeline.render import render as render_stage

    cfg = obj.cfg
    selected = project.read_campaigns(cfg, project.campaign_names(cfg, campaigns))
    options = RenderOptions(paper=paper, allow_incomplete=allow_incomplete,
                            outputs=tuple(outputs) or OUTPUTS)
    report = render_stage(cfg, selected, list(langs) or None, options)
    _render_summary(cfg, report)
    if report.failures:
        sys.exit(1)

# --- pack / serve commands (packs) ---


@main.command()
@_campaign_option
@_lang_option
@pass_ctx
@_run
def pack(obj: _Context, campaigns: tuple[str, ...], langs: tuple[str, ...]) -> None:
    """Pack what `handbill render` made: output/packs/<campaign>-<lang>.zip with a manifest
    (review state, counts, source revision, sha256 of every file), and the download page.

    Packs are reproducible: the same input gives the same bytes (SOURCE_DATE_EPOCH is honoured).

    Example: handbill pack --lang es
    """
    from pipeline.build import pack_rendered

    cfg = obj.cfg
    names = project.campaign_names(cfg, campaigns)
    results = pack_rendered(cfg, project.read_campaigns(cfg, names), project.languages(cfg, langs))
    for campaign, lang, info, why in results:
        if info is not None:
            click.echo(f"{cfg.relpath(info.path)}: {info.files} files, {info.size:,} bytes")
        else:
            click.echo(f"{campaign} {lang}: no pack ({why})")
    click.echo(f"download page: {cfg.relpath(cfg.output_dir / 'index.html')}")


@main.command()
@click.option("--port", "-p", type=click.IntRange(0, 65535), default=8000,
              help="Port on 127.0.0.1 (default 8000; 0 picks a free one).")
@click.option("--no-watch", is_flag=True, help="Only serve; do not rebuild on changes.")
@pass_ctx
@_run
def serve(obj: _Context, port: int, no_watch: bool) -> None:
    """Preview output/ at http://127.0.0.1:PORT/, rebuilding when a source or catalog is saved.

    A translator keeps this running, saves the .po file in Poedit, and reloads the page to see
    the leaflet in their language. Stop with Ctrl-C.

    Example: handbill serve --port 8080
    """
    from pipeline import build as build_stage
    from pipeline.serve import Server

    def rebuild(cfg: Config) -> None:
        report = build_stage.build(cfg)
        for unit in report.units:
            if unit.state != "unchanged":
                click.echo(f"rebuilt {unit.campaign} {unit.lang}: {unit.state}")
        _report_failures(report.catalog_failures)
        for unit in report.units:
            if unit.state == "failed":
                click.echo(f"handbill: error: {unit.lang} ({unit.campaign}): {unit.reasons[0]}",
                           err=True)

    cfg = obj.cfg
    server = Server(cfg, port, watch=not no_watch)  # the port first: a taken one fails fast
    try:  # Ctrl-C at any moment from here on stops the server cleanly
        rebuild(cfg)
        server.start()
        click.echo(f"serving {cfg.relpath(cfg.output_dir)} at {server.url} (Ctrl-C to stop)")
        server.run(rebuild, lambda message: click.echo(f"handbill: error: {message}", err=True))
    except KeyboardInterrupt:
        click.echo("stopped")
    finally:
        server.stop()

# --- new / init-project commands (onboarding) ---


@main.command()
@click.argument("campaign")
@click.option("--from", "page", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Start from an existing Markdown page (Hugo or Jekyll): its title and "
                   "description go to campaign.yml, its text becomes leaflet.md.")
@pass_ctx
@_run
def new(obj: _Context, campaign: str, page: Path | None) -> None:
    """Start a campaign: create source/CAMPAIGN/ with commented files to replace.

    CAMPAIGN is a lowercase name with hyphens (it becomes folder and catalog names).
    Existing files are never overwritten. Campaigns under source/ are found automatically.
    With --from, the page's front matter keys other than title and description are listed
    and dropped, and the images it uses are copied into the campaign folder.

    Example: handbill new climate-strike
    """
    from pipeline.scaffold import new_campaign, new_campaign_from_page

    cfg = obj.cfg
    if page is not None:
        made = new_campaign_from_page(cfg.root, campaign, page, str(page))
        written, kept = made.written, made.kept
        for key, target, line in made.used:
            click.echo(f"{page}:{line}: `{key}` -> campaign.yml {target}")
        if made.dropped:
            click.echo(f"{page}: front matter keys dropped (not used by handbill): "
                       + ", ".join(f"{key} (line {line})" for key, line in made.dropped))
    else:
        written, kept = new_campaign(cfg.root, campaign)
    for path in written:
        click.echo(f"created {cfg.relpath(path)}")
    for path in kept:
        click.echo(f"kept existing {cfg.relpath(path)}")
    if cfg.campaigns is not None and campaign not in cfg.campaigns:
        click.echo(f"note: handbill.toml lists its campaigns; add {campaign!r} to "
                   "[project] campaigns")
    if page is not None:
        if made.shortcodes:
            click.echo(f"note: the page uses {len(made.shortcodes)} shortcodes ("
                       + ", ".join(made.shortcodes) + "); say what each shows under "
                       "`shortcodes:` in campaign.yml (listed there, commented out)")
        click.echo(f"next: edit source/{campaign}/campaign.yml (organisation, url, event), "
                   "then run `handbill extract`; add posts.yml for social posts")
        return
    click.echo(f"next: edit source/{campaign}/campaign.yml, leaflet.md and posts.yml, then run "
               "`handbill update` and `handbill build`")


@main.command("import")
@click.argument("files", nargs=-1, required=True,
                type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--lang", "-l", "lang", required=True, help="The language of the files.")
@click.option("--campaign", "-c", "campaign_name", default=None,
              help="The campaign they translate (default: the project's only campaign).")
@click.option("--fuzzy", is_flag=True, help="Mark every imported translation as needing "
              "review (fuzzy). Default: reviewed, except close matches and split paragraphs.")
@click.option("--dry-run", is_flag=True, help="Only report what would be filled; write nothing.")
@pass_ctx
@_run
def import_command(obj: _Context, files: tuple[Path, ...], lang: str, campaign_name: str | None,
                   fuzzy: bool, dry_run: bool) -> None:
    """Bring existing human translations into a language's catalog.

    FILE is a translated page (.md, aligned block by block with leaflet.md by structure,
    like po4a-gettextize), a translated campaign.yml or posts.yml (by key and post id), or a
    PO file from another tool (po4a, Weblate, Pontoon, Babel: by msgid, close msgids as
    fuzzy). Only untranslated messages (and machine drafts) are filled; a translation
    already in the catalog is never replaced. Exit 1 if a file could not be used at all.

    Example: handbill import --lang es translations/page.es.md
    """
    from pipeline.importing import import_files
    from pipeline.names import validate_language

    cfg = obj.cfg
    names = project.campaign_names(cfg, (campaign_name,) if campaign_name else ())
    if len(names) != 1:
        raise HandbillError("the project has several campaigns; say which one with --campaign "
                            + " | ".join(names))
    campaign = project.read_campaigns(cfg, names)[0]
    result = import_files(cfg, campaign, validate_language(lang), list(files), fuzzy, dry_run,
                          [str(f) for f in files])
    _import_report(cfg, result)
    if result.failed:
        sys.exit(1)


def _import_report(cfg: Config, result) -> None:
    for f in result.files:
        head = f"{f.shown} ({f.kind or 'unknown'})"
        if f.error:
            click.echo(f"handbill: error: {f.shown}: {f.error}", err=True)
            continue
        if f.aligned is not None:
            head += f": {f.aligned} of {f.blocks} blocks aligned"
        click.echo(head)
        for fill in f.filled:
            state = "fuzzy" if fill.fuzzy else "reviewed"
            extra = ", replaced a machine draft" if fill.replaced_draft else ""
            click.echo(f"  {'would fill' if result.dry_run else 'filled'} {fill.origin} <- "
                       f"{f.shown}:{fill.line} ({fill.how}, {state}{extra})")
        for problem in f.problems:
            where = f"{f.shown}:{problem.line}" if problem.line else f.shown
            other = f" [{problem.origin}]" if problem.origin else ""
            click.echo(f"  {problem.what}: {where}{other}: {problem.why}")
    fuzzy = sum(fill.fuzzy for f in result.files for fill in f.filled)
    verb = "would fill" if result.dry_run else "filled"
    conflicts = sum(p.what == "conflict" for f in result.files for p in f.problems)
    missing = sum(p.what == "not aligned" for f in result.files for p in f.problems)
    click.echo(f"{cfg.relpath(result.catalog)}: {verb} {result.filled} messages "
               f"({fuzzy} fuzzy), {conflicts} conflicts, {missing} not aligned"
               + ("; nothing written (--dry-run)" if result.dry_run else
                  "" if result.written else "; catalog unchanged"))


@main.command("init-project")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
def init_project_command(directory: Path) -> None:
    """Create a new content repository in DIRECTORY (handbill.toml, source/, locales/,
    .gitignore and a CI example running update --check, check and build).

    Existing files are never overwritten.

    Example: handbill init-project my-movement
    """
    from pipeline.scaffold import init_project

    try:
        written, kept = init_project(directory)
    except HandbillError as exc:
        fail(exc)
    for path in written:
        click.echo(f"created {path}")
    for path in kept:
        click.echo(f"kept existing {path}")
    click.echo(f"next: cd {directory} && handbill new CAMPAIGN && handbill init LANG")


@main.command()
@_campaign_option
@_lang_option
@click.option("--jobs", "-j", type=click.IntRange(1, 64), default=None,
              help="Languages rendered at once (default: the number of CPUs).")
@click.option("--clean", is_flag=True, help="Delete output/ and rebuild everything.")
@click.option("--allow-incomplete", is_flag=True, default=None,
              help="Also render languages with untranslated entries (source text shown).")
@pass_ctx
@_run
def build(obj: _Context, campaigns: tuple[str, ...], langs: tuple[str, ...], jobs: int | None,
          clean: bool, allow_incomplete: bool | None) -> None:
    """Build everything: extract, update, render, pack, and the download page.

    Incremental: a language is rendered again only when its sources, catalogs, templates or
    settings changed. Languages render in parallel. A language that fails is reported and the
    others still build (exit code 1).

    Example: handbill build --jobs 2
    """
    from pipeline import build as build_stage

    cfg = obj.cfg
    options = {"allow_incomplete": True} if allow_incomplete else {}
    with _build_progress() as on_unit:
        report = build_stage.build(cfg, campaigns, langs, jobs=jobs, clean=clean,
                                   options=options, on_unit=on_unit)
    click.echo(_build_table(report))
    _report_failures(report.catalog_failures)
    for unit in report.units:
        if unit.state == "failed":
            click.echo(f"handbill: error: {unit.lang} ({unit.campaign}): {unit.reasons[0]}",
                       err=True)
    rendered = sum(1 for u in report.units if u.state not in ("unchanged",))
    click.echo(f"built {rendered} of {len(report.units)} language outputs in "
               f"{report.seconds:.1f} s ({report.catalogs_written} catalogs updated); "
               f"download page: {cfg.relpath(cfg.output_dir / 'index.html')}")
    if report.failed:
        sys.exit(1)


class _build_progress:
    """A progress bar on a terminal; one plain line per language otherwise."""

    def __init__(self):
        self.bar = self.task = None

    def __enter__(self):
        if sys.stderr.isatty():
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress

            self.bar = Progress("building", BarColumn(), MofNCompleteColumn(),
                                "{task.description}", console=Console(stderr=True),
                                transient=True)
            self.bar.start()
        return self.update

    def update(self, unit, done: int, total: int) -> None:
        if self.bar is None:
            click.echo(f"[{done}/{total}] {unit.campaign} {unit.lang}: {unit.state} "
                       f"({unit.seconds:.1f} s)")
            return
        if self.task is None:
            self.task = self.bar.add_task("", total=total)
        self.bar.update(self.task, completed=done, description=f"{unit.campaign} {unit.lang}")

    def __exit__(self, *exc):
        if self.bar is not None:
            self.bar.stop()


def _build_table(report) -> str:
    head = ("campaign", "language", "state", "files", "time")
    body = [(u.campaign, u.lang, u.state if u.state != "unchanged" else
             f"unchanged ({(u.reasons[0] if u.reasons else '').removeprefix('up to date (')[:-1]})",
             str(u.files), f"{u.seconds:.1f} s") for u in report.units]
    widths = [max(len(str(x)) for x in col) for col in zip(head, *body)]
    return "\n".join("  ".join(str(x).ljust(w) for x, w in zip(row, widths))
                     for row in [head, *body])
