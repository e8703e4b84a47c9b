"""The `handbill` command: parse options, call ONE stage function, hand its result to report
(which prints it and returns the exit code). Only this module and pipeline.report print.

Exit codes: 0 success (a language skipped by the review policy is not a failure: it is listed
as skipped, with why); 1 a user error (bad input, failed check, a language that failed);
2 bad usage (Click); 130 interrupted (Ctrl-C); 143 stopped by SIGTERM (workers stopped too).
"""

from __future__ import annotations

import functools
import logging
import sys
from pathlib import Path

import click

# Each command imports the stage it runs (start-up counts in every command's time).
from pipeline import __version__, report, stages
from pipeline.config import ProjectContext as _Context
from pipeline.errors import HandbillError, Terminated, UsageError
from pipeline.plan import OUTPUTS, RenderOptions, parse_shard

EPILOG_DOCS = "Guides: docs/translators.md, docs/coordinators.md, docs/weblate.md."


def _run(func):
    """Decorator: HandbillError -> one line on stderr and exit 1; SIGTERM -> exit 143."""
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except UsageError as exc:  # a malformed option value, found after Click parsed it
            click.echo(f"handbill: usage error: {exc}", err=True)
            sys.exit(2)
        except HandbillError as exc:
            report.errors([exc])
            sys.exit(1)
        except Terminated as exc:
            click.echo(f"handbill: {exc}; the work done so far is kept, run the same command "
                       "again to finish", err=True)
            sys.exit(128 + exc.signum)

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
    logging.basicConfig(level=max(logging.WARNING - 10 * verbose, logging.DEBUG),
                        format="%(levelname)s: %(message)s", stream=sys.stderr)
    ctx.obj = _Context(project_dir)


pass_ctx = click.make_pass_decorator(_Context)


def _stage(func):
    """A command that gets the project context, with _run's error handling."""
    return pass_ctx(_run(func))


_campaign_option = click.option("--campaign", "-c", "campaigns", multiple=True,
                                help="Only this campaign (repeatable). Default: all.")
_lang_option = click.option("--lang", "-l", "langs", multiple=True,
                            help="Only this language (repeatable). Default: every language the "
                                 "campaigns serve.")


@main.command()
@_campaign_option
@click.option("--check", is_flag=True, help="Only report whether a template is out of date "
              "(exit 1 if so); write nothing.")
@_stage
def extract(obj: _Context, campaigns: tuple[str, ...], check: bool) -> None:
    """Extract the campaigns' text into locales/<campaign>.pot (and locales/ui.pot).

    A template whose only change would be its creation date is left untouched.

    Example: handbill extract --campaign free-assange
    """
    sys.exit(report.extract(obj.cfg, stages.extract(obj.cfg, campaigns, check)))


@main.command()
@click.argument("lang")
@_campaign_option
@_stage
def init(obj: _Context, lang: str, campaigns: tuple[str, ...]) -> None:
    """Start a language: add it where campaigns look for it, create its catalogs (CLDR headers).

    LANG (es, pt_BR, zh_Hans...) goes into [project] languages and into every campaign.yml
    `languages:` list that leaves it out; with --campaign, into those campaigns' lists only.
    Existing catalogs are never overwritten.

    Example: handbill init pt_BR
    """
    report.init(obj.cfg, stages.init_language(obj.cfg, lang, campaigns))


@main.command()
@_campaign_option
@_lang_option
@click.option("--check", is_flag=True, help="Only report catalogs that are out of date "
              "(exit 1 if any); write nothing. For CI of content repositories.")
@_stage
def update(obj: _Context, campaigns: tuple[str, ...], langs: tuple[str, ...], check: bool) -> None:
    """Merge the templates into every language's catalog, like `msgmerge --previous`.

    A changed source string keeps its old translation, fuzzy, with the previous text (#|);
    removed messages become obsolete (#~) and come back with their text. Nothing is deleted.
    An unchanged message keeps the file's own layout (what Weblate or Poedit wrote). With
    --check, each out-of-date file is named with the first line that would change and why.

    Example: handbill update --lang es --check
    """
    sys.exit(report.update(obj.cfg, stages.update(obj.cfg, campaigns, langs, check)))


@main.command()
@_campaign_option
@_lang_option
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list instead of a table.")
@click.option("--errors", "with_errors", is_flag=True,
              help="Also run the checks and count the errors per catalog (see `handbill check`).")
@_stage
def status(obj: _Context, campaigns: tuple[str, ...], langs: tuple[str, ...],
           as_json: bool, with_errors: bool) -> None:
    """Show translation progress per campaign and language.

    Total, reviewed, fuzzy, machine drafts, untranslated, % reviewed (--errors: check errors).
    A catalog that no campaign serves is listed as "not used" (JSON: "used": false).

    Example: handbill status --json
    """
    sys.exit(report.status(obj.cfg, stages.status(obj.cfg, campaigns, langs, with_errors),
                           as_json))


@main.command()
@click.argument("files", nargs=-1, required=True,
                type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--check", is_flag=True, help="Only list files that are not in canonical form "
              "(exit 1 if any).")
@click.option("--width", type=int, default=None,
              help="Wrap width (default: the project's, or 79; 0 = no wrapping).")
@_stage
def normalize(obj: _Context, files: tuple[Path, ...], check: bool, width: int | None) -> None:
    """Rewrite PO/POT files in GNU gettext's canonical layout (as msgcat writes them).

    Only wrapping, escapes and spacing change; flags keep their order and unknown flags stay.
    --check names each file that would change with its first line and why. Works anywhere.

    Example: handbill normalize --check locales/*/LC_MESSAGES/*.po
    """
    if width is None:  # the project's, or msgcat's default outside a project
        width = obj.wrap()
    from pipeline.catalogs.normalize import normalize_files
    sys.exit(report.normalize(normalize_files(list(files), width, check), len(files), check))


@main.command(cls=report.DraftCommand)
@_campaign_option
@_lang_option
@click.option("--engine", "-e", "engine_name", metavar="NAME",
              help="Use this engine for every language (default: [draft] engine and "
                   "[draft.languages] in handbill.toml).")
@click.option("--dry-run", is_flag=True, help="Only show what would be drafted (entries, "
              "characters to send, cache hits); send no text and write nothing.")
@_stage
def draft(obj: _Context, campaigns: tuple[str, ...], langs: tuple[str, ...],
          engine_name: str | None, dry_run: bool) -> None:
    """Fill untranslated entries with machine drafts, marked fuzzy ("needs review").

    Reviewed and fuzzy entries are never touched; each draft says "machine draft: ENGINE,
    DATE". Placeholders, links, hashtags and protected terms are masked and must come back.
    Safe to interrupt: run it again to finish (answers received are in .handbill/cache/).

    Engines are listed below. Settings: [draft] in handbill.toml or HANDBILL_<ENGINE>_<KEY>;
    API keys only from the environment (HANDBILL_DEEPL_API_KEY).

    Example: handbill draft --lang es --engine apertium
    """
    from pipeline import drafting
    from pipeline.workers import sigterm_raises

    with sigterm_raises(), report.Progress("drafting", quiet=dry_run) as bar:
        # SIGTERM, like Ctrl-C, stops drafting and saves the drafts made so far.
        summary = drafting.draft(obj.cfg, langs, campaigns, engine_name, dry_run,
                                 bar.update if bar.active else None)
    sys.exit(report.draft(summary))


@main.command()
@_campaign_option
@_lang_option
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="text: `path:line: severity [check] message` lines; "
              "json: a list of findings.")
@_stage
def check(obj: _Context, campaigns: tuple[str, ...], langs: tuple[str, ...], fmt: str) -> None:
    """Check translations for what breaks a campaign: placeholders, links, hashtags, lengths...

    Every finding is reported (fuzzy entries too, marked as such); exit 1 if any is an error.
    Silence a check for one message with the flag `#, ignore-<check>` in its .po entry.

    Example: handbill check --lang fr --format json
    """
    sys.exit(report.check(stages.check(obj.cfg, campaigns, langs), fmt))


_allow_incomplete = click.option(
    "--allow-incomplete", is_flag=True, default=None,
    help="Render languages with untranslated text too, showing the source text there.")


@main.command()
@_campaign_option
@_lang_option
@click.option("--paper", type=click.Choice(["A5", "A4", "Letter"]), default=None,
              help="Leaflet paper size. Default: the leaflet's front matter, then [render] paper.")
@_allow_incomplete
@click.option("--only", "outputs", multiple=True,
              type=click.Choice(["leaflet", "posts", "cards"]),
              help="Only these outputs (repeatable). Default: all.")
@_stage
def render(obj: _Context, campaigns: tuple[str, ...], langs: tuple[str, ...], paper: str | None,
           allow_incomplete: bool | None, outputs: tuple[str, ...]) -> None:
    """Render leaflets (HTML + PDF), social posts and share cards into output/<lang>/<campaign>/.

    Fully reviewed: final; fuzzy or machine drafts: a labelled draft ([render] drafts);
    untranslated entries: skipped unless --allow-incomplete. Exit 1 if a language failed
    (for example a character no installed font can draw).

    Example: handbill render --lang ar --paper A4
    """
    from pipeline.render.stage import render as render_stage

    options = RenderOptions(paper=paper, allow_incomplete=allow_incomplete,
                            outputs=tuple(outputs) or OUTPUTS)
    sys.exit(report.render(obj.cfg, render_stage(obj.cfg, campaigns, langs, options)))


@main.command()
@_campaign_option
@_lang_option
@_stage
def pack(obj: _Context, campaigns: tuple[str, ...], langs: tuple[str, ...]) -> None:
    """Pack what `handbill render` made: output/packs/<campaign>-<lang>.zip with a manifest
    (review state, counts, source revision, sha256 of every file), and the download page.
    The same input gives the same bytes (SOURCE_DATE_EPOCH is honoured).

    Example: handbill pack --lang es
    """
    from pipeline import build as build_stage
    results, site = build_stage.pack(obj.cfg, campaigns, langs)
    report.pack(obj.cfg, results, site)


@main.command()
@click.option("--port", "-p", type=click.IntRange(0, 65535), default=8000,
              help="Port on 127.0.0.1 (default 8000; 0 picks a free one).")
@click.option("--no-watch", is_flag=True, help="Only serve; do not rebuild on changes.")
@_stage
def serve(obj: _Context, port: int, no_watch: bool) -> None:
    """Preview output/ at http://127.0.0.1:PORT/, rebuilding when a source or catalog is saved.

    A translator saves the .po file in Poedit and reloads the page to see it. Stop with Ctrl-C.

    Example: handbill serve --port 8080
    """
    from pipeline import build as build_stage
    from pipeline.serve import serve_and_rebuild

    serve_and_rebuild(obj.cfg, port, not no_watch,
                      lambda cfg: report.rebuilt(build_stage.build(cfg)),
                      lambda text, error: click.echo(text, err=error))


@main.command()
@click.argument("campaign")
@click.option("--from", "page", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Start from an existing Markdown page (Hugo or Jekyll): its title and "
                   "description go to campaign.yml, its text becomes leaflet.md.")
@_stage
def new(obj: _Context, campaign: str, page: Path | None) -> None:
    """Start a campaign: create source/CAMPAIGN/ with commented files to replace.

    CAMPAIGN is a lowercase name with hyphens. Existing files are never overwritten. With
    --from, the page's other front matter keys are listed and dropped, its images copied.

    Example: handbill new climate-strike
    """
    from pipeline.scaffold import new_campaign, new_campaign_from_page
    made = (new_campaign_from_page(obj.cfg.root, campaign, page, str(page)) if page else
            new_campaign(obj.cfg.root, campaign))
    report.new_campaign(obj.cfg, campaign, made, page)


@main.command("import")
@click.argument("files", nargs=-1, required=True,
                type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--lang", "-l", "lang", required=True, help="The language of the files.")
@click.option("--campaign", "-c", "campaign_name", default=None,
              help="The campaign they translate (default: the project's only campaign).")
@click.option("--fuzzy", is_flag=True, help="Mark every imported translation as needing "
              "review (fuzzy). Default: reviewed, except close matches and split paragraphs.")
@click.option("--dry-run", is_flag=True, help="Only report what would be filled; write nothing.")
@_stage
def import_command(obj: _Context, files: tuple[Path, ...], lang: str, campaign_name: str | None,
                   fuzzy: bool, dry_run: bool) -> None:
    """Bring existing human translations into a language's catalog.

    FILE: a translated page (.md, aligned with leaflet.md by structure), campaign.yml or
    posts.yml (by key), or a PO file from another tool (by msgid). Only untranslated messages
    and machine drafts are filled. Exit 1 if a file could not be used at all.

    Example: handbill import --lang es translations/page.es.md
    """
    sys.exit(report.imported(obj.cfg, stages.import_translations(
        obj.cfg, campaign_name, lang, list(files), fuzzy, dry_run)))


@main.command("init-project")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--shards", type=click.IntRange(1, 256), help="CI that builds on N runners "
              "(GitHub matrix, GitLab parallel) and merges (docs/coordinators.md).")
@_run
def init_project_command(directory: Path, shards: int | None) -> None:
    """Create a new content repository in DIRECTORY (handbill.toml, source/, locales/,
    .gitignore and a CI example running update --check, check and build).

    Existing files are never overwritten.

    Example: handbill init-project my-movement --shards 4
    """
    from pipeline.scaffold import init_project
    report.new_project(directory, *init_project(directory, shards))


@main.command()
@_campaign_option
@_lang_option
@click.option("--jobs", "-j", type=click.IntRange(1, 64), default=None,
              help="Worker processes for merging catalogs and rendering languages (default: "
                   "one per CPU, at most 8).")
@click.option("--clean", is_flag=True, help="Delete output/ and rebuild everything.")
@_allow_incomplete
@click.option("--shard", "shard_text", metavar="K/N|auto", help="Build only shard K of N "
              "(a CI job; auto: HANDBILL_SHARD or GitLab's CI_NODE_*); see `handbill merge`.")
@_stage
def build(obj: _Context, campaigns: tuple[str, ...], langs: tuple[str, ...], jobs: int | None,
          clean: bool, allow_incomplete: bool | None, shard_text: str | None) -> None:
    """Build everything: extract, update, render, pack, and the download page.

    Incremental and parallel: a language renders again only when its inputs changed. The
    summary counts final, draft, skipped (not published, with why: exit 0) and failed
    languages (the others still build: exit 1). --shard K/N: one share of the units.

    Example: handbill build --jobs 2
    """
    from pipeline import build as build_stage
    options = build_stage.BuildOptions(jobs, clean, RenderOptions(
        allow_incomplete=True if allow_incomplete else None),
        parse_shard(shard_text) if shard_text is not None else None)
    with report.Progress("building") as bar:
        result = build_stage.build(obj.cfg, campaigns, langs, options, on_unit=lambda u, d, t:
                                   bar.update(d, t, f"{u.campaign} {u.lang}",
                                              report.build_line(u, d, t)))
    sys.exit(report.build(obj.cfg, result))


@main.command()
@click.argument("folders", nargs=-1, required=True,
                type=click.Path(file_okay=False, path_type=Path))
@_stage
def merge(obj: _Context, folders: tuple[Path, ...]) -> None:
    """Join the output/ folders of all N `build --shard K/N` jobs into output/: the bytes of
    one plain build. Refuses shards of other inputs, missing, or given twice (one line).

    Example: handbill merge shards/*
    """
    from pipeline.merge import merge as merge_stage

    sys.exit(report.merged(obj.cfg, merge_stage(obj.cfg, folders)))
