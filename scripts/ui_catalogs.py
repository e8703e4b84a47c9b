"""Keep handbill's shipped interface translations (pipeline/ui-catalogs/) in step with this
repository's own catalogs.

    .venv/bin/python scripts/ui_catalogs.py          # rewrite pipeline/ui-catalogs/*.po
    .venv/bin/python scripts/ui_catalogs.py --check  # only say what would change (exit 1)

For every language: the reviewed messages of locales/<lang>/LC_MESSAGES/ui.po (where the
repository has one; translators work there, in Weblate too) replace the package's; languages
the repository does not serve (de, ja, ...) keep the package file as the place they are
edited. Only reviewed translations of messages in locales/ui.pot are shipped, in its order;
a shipped translation whose message left the template stays as an obsolete entry (#~), so
nothing a translator wrote is lost. tests/test_ui_catalogs.py runs the check.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from pipeline.names import locale_of  # noqa: E402
from pipeline.catalogs.plurals import plural_forms_for  # noqa: E402
from pipeline.catalogs.pofile import Catalog, Entry, dump_catalog, read_catalog  # noqa: E402
from pipeline.catalogs.ui import UI_CATALOGS  # noqa: E402

Key = tuple[str | None, str]


def shipped_catalog(lang: str, pot: Catalog, translations: dict[Key, Entry],
                    gone: list[Entry], revised: str) -> Catalog:
    """The package file for `lang`: reviewed translations in the template's order."""
    locale = locale_of(lang)
    header = Entry(msgid="", comments=[
        f"handbill's interface in {locale.english_name}: reviewed translations shipped with "
        "handbill.",
        "`handbill init` copies them into a project's ui.po; see scripts/ui_catalogs.py.",
    ])
    header.msgstr = (f"Project-Id-Version: handbill ui\nPO-Revision-Date: {revised}\n"
                     "Last-Translator: handbill contributors\n"
                     f"Language-Team: {locale.english_name}\nLanguage: {lang}\n"
                     "MIME-Version: 1.0\nContent-Type: text/plain; charset=UTF-8\n"
                     "Content-Transfer-Encoding: 8bit\n"
                     f"Plural-Forms: {plural_forms_for(locale).header()}\n")
    entries = [header]
    for template in pot.messages:
        done = translations.get(template.key)
        if done is None:
            continue
        entries.append(Entry(msgid=template.msgid, msgctxt=template.msgctxt,
                             msgid_plural=template.msgid_plural, msgstr=done.msgstr,
                             msgstr_plural=list(done.msgstr_plural),
                             flags=[f for f in template.flags if f.endswith("-format")]))
    for entry in gone:
        entries.append(Entry(msgid=entry.msgid, msgctxt=entry.msgctxt,
                             msgid_plural=entry.msgid_plural, msgstr=entry.msgstr,
                             msgstr_plural=list(entry.msgstr_plural), obsolete=True))
    return Catalog(entries=entries, charset="UTF-8")


def _reviewed(path: Path) -> dict[Key, Entry]:
    if not path.is_file():
        return {}
    return {e.key: e for e in read_catalog(path).entries
            if not e.is_header and e.translated and not e.fuzzy}


def sync(repo: Path = REPO, out: Path = UI_CATALOGS, check: bool = False) -> list[str]:
    """Bring the package files up to date; returns one line per file that changes."""
    pot = read_catalog(repo / "locales" / "ui.pot")
    in_pot = {e.key for e in pot.messages}
    langs = {p.stem for p in out.glob("*.po")}
    langs |= {p.parent.parent.name for p in (repo / "locales").glob("*/LC_MESSAGES/ui.po")}
    changed = []
    for lang in sorted(langs):
        path = out / f"{lang}.po"
        shipped = _reviewed(path)
        shipped.update(_reviewed(repo / "locales" / lang / "LC_MESSAGES" / "ui.po"))
        gone = [e for key, e in shipped.items() if key not in in_pot]
        revised = _revised(path)
        data = dump_catalog(shipped_catalog(lang, pot, shipped, gone, revised), 79,
                            keep_layout=False)
        if path.is_file() and path.read_bytes() != data:
            data = dump_catalog(shipped_catalog(lang, pot, shipped, gone, _now()), 79,
                                keep_layout=False)
        if not path.is_file() or path.read_bytes() != data:
            shown = path.relative_to(repo) if path.is_relative_to(repo) else path
            changed.append(f"{shown}: out of step with locales/"
                           + ("" if check else ", rewritten"))
            if not check:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(data)
    return changed


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M+0000")


def _revised(path: Path) -> str:
    """The file's PO-Revision-Date, kept while its translations stay the same."""
    if path.is_file():
        date = read_catalog(path).header().get("PO-Revision-Date")
        if date:
            return date
    return _now()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if stale")
    args = parser.parse_args(argv)
    changed = sync(check=args.check)
    for line in changed:
        print(line)
    print(f"{len(changed)} interface catalogs {'out of step' if args.check else 'rewritten'}")
    return 1 if args.check and changed else 0


if __name__ == "__main__":
    sys.exit(main())
