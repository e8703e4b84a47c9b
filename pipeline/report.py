"""What the commands show on a terminal: tables, the progress bar and summaries.

The only module besides cli.py that prints (through click.echo); stages return values and log.
Errors go to stderr as `handbill: error: path:line: message`.
"""

from __future__ import annotations

import json
import sys
from typing import Iterable

import click

from pipeline.config import Config


def errors(failures: Iterable) -> None:
    """`handbill: error: ...` on stderr, one line per problem (a source may hold several)."""
    for failure in failures:
        for line in str(failure).splitlines() or [""]:
            click.echo(f"handbill: error: {line}", err=True)


def table(head: tuple[str, ...], body: list[tuple], right_from: int | None = None) -> str:
    """Columns padded to their widest cell; from column `right_from` on, aligned right."""
    widths = [max(len(str(x)) for x in col) for col in zip(head, *body)]
    right = len(head) if right_from is None else right_from
    return "\n".join("  ".join(str(x).rjust(w) if i >= right else str(x).ljust(w)
                               for i, (x, w) in enumerate(zip(row, widths))).rstrip()
                     for row in [head, *body])


def language_label(lang: str) -> str:
    """'es (español)' for the report."""
    from babel import Locale

    try:
        code = lang.split("@")[0]
        return f"{lang} ({Locale.parse(code).get_display_name(code)})"
    except Exception:  # noqa: BLE001 - a label is cosmetic
        return lang


class Progress:
    """A progress bar on stderr when it is a terminal, otherwise plain lines (or nothing).

    The bar is redrawn by `update` only: rich's refresh thread would be running when the build
    forks its workers, and a fork must not copy a lock another thread holds.
    """

    def __init__(self, label: str, quiet: bool = False):
        self.bar = self.task = None
        self.label = label
        if not quiet and sys.stderr.isatty():
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress as Bar
            from rich.progress import TimeRemainingColumn

            self.bar = Bar(label, BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                           "{task.description}", console=Console(stderr=True),
                           transient=True, auto_refresh=False)

    @property
    def active(self) -> bool:
        return self.bar is not None

    def __enter__(self) -> Progress:
        if self.bar is not None:
            self.bar.start()
        return self

    def update(self, done: int, total: int, description: str = "",
               line: str | None = None) -> None:
        """Move the bar to done/total; without a bar, print `line` if there is one."""
        if self.bar is None:
            if line:
                click.echo(line)
            return
        if self.task is None:
            self.task = self.bar.add_task(self.label, total=total)
        self.bar.update(self.task, completed=done, total=total, description=description,
                        refresh=True)

    def __exit__(self, *exc) -> None:
        if self.bar is not None:
            self.bar.stop()


class DraftCommand(click.Command):
    """`draft --help` lists the engines as registered, with the Apertium pairs installed."""

    def format_help_text(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        super().format_help_text(ctx, formatter)
        from pipeline.drafting import registry

        with formatter.section("Engines"):
            formatter.write_dl(registry.describe())


# ---------------------------------------------------------------------------- catalogs


def extract(cfg: Config, report) -> int:
    """Each template and its state; 1 with --check when one is out of date."""
    for path, messages, changed in report.templates:
        state = ("out of date" if report.check else "written") if changed else "up to date"
        click.echo(f"{cfg.relpath(path)}: {messages} messages, {state}")
    return 1 if report.check and any(changed for _, _, changed in report.templates) else 0


def init(cfg: Config, report) -> None:
    """The catalogs created or kept, and the files edited to serve the language."""
    for path in report.created:
        click.echo(f"created {cfg.relpath(path)}")
    for path in report.existing:
        click.echo(f"{cfg.relpath(path)} already exists; kept it (run `handbill update`)")
    for line in report.edits + report.notes:
        click.echo(line)


def update(cfg: Config, report) -> int:
    """What each catalog merge did; 1 if one failed (or, with --check, is out of date)."""
    result = report.result
    for path in result.written:
        s = result.stats[path]
        click.echo(f"updated {cfg.relpath(path)}: {s.kept} kept, {s.fuzzy} fuzzy, {s.new} new, "
                   f"{s.obsolete} obsolete"
                   + (f", {s.seeded} from handbill's translations" if s.seeded else ""))
    if report.check:  # each out-of-date file with its first line that would change, and why
        for path in report.stale_templates + result.stale:
            click.echo(f"{cfg.relpath(path)}:{report.reasons[path]}")
    else:
        for path in report.stale_templates:
            click.echo(f"extracted {cfg.relpath(path)}")
    click.echo(f"{len(result.written)} catalogs updated, {result.unchanged} unchanged"
               + (f", {len(result.failures)} failed" if result.failures else ""))
    errors(result.failures)
    return 1 if report.failed else 0


def status(cfg: Config, report, as_json: bool) -> int:
    """The progress table (or JSON) and catalogs no campaign uses; 1 if one is missing."""
    errs = report.errors
    if as_json:
        items = [r.as_dict() for r in report.rows]
        if errs is not None:
            for item in items:
                item["errors"] = errs.get((item["campaign"], item["language"]), 0)
        for unused, counts in report.unused:
            item = counts.as_dict() if counts else {"campaign": unused.domain,
                                                    "language": unused.lang}
            items.append({**item, "used": False, "why": unused.why})
        click.echo(json.dumps(items, indent=2, ensure_ascii=False))
    else:
        head = ("campaign", "language", "total", "reviewed", "fuzzy", "drafts", "untranslated",
                "reviewed %") + (("errors",) if errs is not None else ())
        body = [(r.campaign, r.language, r.total, r.reviewed, r.fuzzy, r.drafts, r.untranslated,
                 f"{r.percent_reviewed:.1f}")
                + ((errs.get((r.campaign, r.language), 0),) if errs is not None else ())
                for r in report.rows]
        click.echo(table(head, body, right_from=2))
        for unused, _ in report.unused:
            click.echo(f"not used: {cfg.relpath(unused.path)}: {unused.why}")
    for note in report.notes:
        click.echo(f"note: {note}", err=as_json)
    errors(report.failures)
    return 1 if report.failures else 0


def check(report, fmt: str) -> int:
    """Every finding, then a count; 1 if one is an error."""
    if fmt == "json":
        click.echo(json.dumps([f.as_dict() for f in report.findings], indent=2,
                              ensure_ascii=False))
        return 1 if report.errors else 0
    for finding in report.findings:
        click.echo(str(finding))
    n, warnings, count = report.errors, len(report.findings) - report.errors, report.catalogs
    click.echo(f"{n} error{'s' * (n != 1)}, {warnings} warning{'s' * (warnings != 1)} in "
               f"{count} catalog{'s' * (count != 1)}")
    return 1 if report.errors else 0


def draft(summary) -> int:
    """Per catalog: drafted, skipped, failed and kept entries, with the first few reasons;
    130 if interrupted, 1 if something failed."""
    shown_limit = 5  # per reason: a refused key fails every entry the same way
    if not summary.catalogs:
        click.echo("nothing to draft: no catalogs for these languages and campaigns (see "
                   "[project] languages in handbill.toml and `handbill update`)")
    for c in summary.catalogs:
        head = f"{c.path} ({c.engine})"
        if c.error:
            click.echo(f"{head}: not drafted")
            click.echo(f"handbill: error: {c.error}", err=True)
        elif summary.dry_run:
            click.echo(f"{head}: would draft {c.to_draft} of {c.total} entries ({c.kept} "
                       f"reviewed or fuzzy kept); {c.characters} characters to send, "
                       f"{c.cached} texts already cached")
        else:
            click.echo(f"{head}: {c.drafted} drafted, {len(c.skipped)} skipped, "
                       f"{len(c.failed)} failed, {c.kept} kept (reviewed or fuzzy)"
                       + (f"; {c.cached} from cache" if c.cached else ""))
            for label, problems, err in (("failed", c.failed, True),
                                         ("skipped", c.skipped, False)):
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
    if summary.interrupted:
        click.echo("handbill: interrupted; the drafts made so far are saved, run the same "
                   "command again to finish", err=True)
        return 130
    return 1 if summary.failed else 0


def normalize(result, files: int, check: bool) -> int:
    """The files rewritten (or not canonical); 1 if one is unreadable or, with --check, not
    canonical."""
    for path in result.changed:
        reason = result.reasons.get(path)
        if check:
            click.echo(f"{path}:{reason}" if reason else f"{path}: not canonical")
        else:
            click.echo(f"normalized: {path}")
    errors(result.failures)
    click.echo(f"{files} files, {len(result.changed)} {'not canonical' if check else 'rewritten'}"
               + (f", {len(result.failures)} unreadable" if result.failures else ""))
    return 1 if result.failures or (check and result.changed) else 0


def new_campaign(cfg: Config, campaign: str, made, page=None) -> None:
    """What `handbill new` wrote; `made` is (written, kept), or scaffold.FromPage with --from."""
    written, kept = (made.written, made.kept) if page is not None else made
    for key, target, line in made.used if page is not None else ():
        click.echo(f"{page}:{line}: `{key}` -> campaign.yml {target}")
    if page is not None and made.dropped:
        click.echo(f"{page}: front matter keys dropped (not used by handbill): "
                   + ", ".join(f"{key} (line {line})" for key, line in made.dropped))
    for path in written:
        click.echo(f"created {cfg.relpath(path)}")
    for path in kept:
        click.echo(f"kept existing {cfg.relpath(path)}")
    if cfg.campaigns is not None and campaign not in cfg.campaigns:
        click.echo(f"note: handbill.toml lists its campaigns; add {campaign!r} to "
                   "[project] campaigns")
    if page is None:
        click.echo(f"next: edit source/{campaign}/campaign.yml, leaflet.md and posts.yml, then "
                   "run `handbill update` and `handbill build`")
        return
    if made.shortcodes:
        click.echo(f"note: the page uses {len(made.shortcodes)} shortcodes ("
                   + ", ".join(made.shortcodes) + "); say what each shows under "
                   "`shortcodes:` in campaign.yml (listed there, commented out)")
    click.echo(f"next: edit source/{campaign}/campaign.yml (organisation, url, event), "
               "then run `handbill extract`; add posts.yml for social posts")


def imported(cfg: Config, result) -> int:
    """Per file: what was filled from which line, conflicts and blocks not aligned; 1 if a file
    could not be used."""
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
    return 1 if result.failed else 0


def new_project(directory, written, kept) -> None:
    """What `handbill init-project` wrote and what to do next."""
    for path in written:
        click.echo(f"created {path}")
    for path in kept:
        click.echo(f"kept existing {path}")
    click.echo(f"next: cd {directory} && handbill new CAMPAIGN && handbill init LANG")


# ---------------------------------------------------------------------------- outputs


def render(cfg: Config, report) -> int:
    """One line per campaign and language: final, draft, skipped or failed, and why; 1 if one
    failed."""
    counts: dict[str, int] = {}
    for r in report.results:
        files = f", {len(r.written)} files written" if r.files else ""
        click.echo(f"{r.campaign} {language_label(r.lang)}: {r.state}{files}"
                   + (f" — {r.why}" if r.state != "failed" else ""))
        for warning in r.warnings:
            click.echo(f"  warning: {warning}")
        counts[r.state] = counts.get(r.state, 0) + 1
    click.echo("rendered: " + ", ".join(f"{n} {state}" for state, n in counts.items())
               + f" (into {cfg.relpath(cfg.output_dir)}/)")
    errors(r.error for r in report.failures)
    return 1 if report.failures else 0


def pack(cfg: Config, results, site) -> None:
    """Each pack written, or why a unit has none; where the download page is."""
    for result in results:
        if result.info is not None:
            click.echo(f"{cfg.relpath(result.info.path)}: {result.info.files} files, "
                       f"{result.info.size:,} bytes")
        else:
            click.echo(f"{result.unit.campaign} {result.unit.lang}: no pack ({result.why})")
    click.echo(f"download page: {cfg.relpath(site)}")


def rebuilt(report) -> None:
    """What `handbill serve` rebuilt after a save, and what failed."""
    for unit in report.units:
        if unit.state != "unchanged":
            click.echo(f"rebuilt {unit.campaign} {unit.lang}: {unit.state}")
    errors(report.catalog_failures)
    for unit in report.units:
        if unit.state == "failed":
            click.echo(f"handbill: error: {unit.lang} ({unit.campaign}): {unit.reasons[0]}",
                       err=True)


def build_line(unit, done: int, total: int) -> str:
    """The progress line of one unit, when there is no progress bar."""
    return f"[{done}/{total}] {unit.campaign} {unit.lang}: {unit.state} ({unit.seconds:.1f} s)"


def build(cfg: Config, report) -> int:
    """The table of units, then what was built, skipped (by policy: exit 0) and failed (1)."""
    body = [(u.campaign, u.lang, f"unchanged ({u.was})" if u.state == "unchanged" else u.state,
             str(u.files), f"{u.seconds:.1f} s") for u in report.units]
    click.echo(table(("campaign", "language", "state", "files", "time"), body))
    errors(report.catalog_failures)
    for unit in report.units:
        if unit.state == "failed":
            click.echo(f"handbill: error: {unit.lang} ({unit.campaign}): {unit.reasons[0]}",
                       err=True)
    outcome = {state: sum(1 for u in report.units if u.outcome == state)
               for state in ("final", "draft", "skipped", "failed")}
    built = sum(1 for u in report.units if u.state in ("final", "draft"))
    unchanged = sum(1 for u in report.units if u.state == "unchanged")
    click.echo(f"built {built} of {len(report.units)} units in {report.seconds:.1f} s "
               f"({unchanged} unchanged): " + ", ".join(f"{n} {s}" for s, n in outcome.items())
               + f"; {report.catalogs_written} catalogs updated")
    skipped = [u for u in report.units if u.outcome == "skipped"]
    for unit in skipped[:10]:
        click.echo(f"skipped, not published: {unit.lang} ({unit.campaign}): "
                   f"{unit.reasons[0] if unit.reasons else 'skipped'}")
    if len(skipped) > 10:
        click.echo(f"skipped, not published: ... and {len(skipped) - 10} more (see the table)")
    if report.site is not None:
        click.echo(f"download page: {cfg.relpath(report.site)}")
    return 1 if report.failed else 0


def merged(cfg, result) -> int:
    """What `handbill merge` joined; exit 1 if a campaign could not be read."""
    errors(result.failures)
    click.echo(f"merged {result.shards} shards: {result.units} units, {result.packs} packs, "
               f"{result.files} files in {result.seconds:.1f} s")
    if result.site is not None:
        click.echo(f"download page: {cfg.relpath(result.site)}")
    return 1 if result.failures else 0
