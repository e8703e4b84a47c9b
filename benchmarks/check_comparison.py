"""Run one defective catalog through `handbill check`, `msgfmt --check` and `pofilter`.

The fixture is tests/data/checks (campaign `rally`, Spanish catalog with one defect per
message), plus one entry holding a bidirectional override added here (kept out of the
repository's files on purpose). Prints a Markdown table of what each tool reports per message;
benchmarks/CHECKS-COMPARISON.md holds its output.

Needs GNU gettext (msgfmt) and translate-toolkit (`.venv/bin/pip install translate-toolkit`).
Usage: .venv/bin/python benchmarks/check_comparison.py
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from pipeline.catalogs.pofile import Entry, dump_catalog, read_catalog  # noqa: E402

FIXTURE = REPO / "tests" / "data" / "checks"
CATALOG = Path("locales/es/LC_MESSAGES/rally.po")
BIDI_MSGID = "Free them all!"

# What the translator did to each message, by msgid (the fixture's own text).
DEFECTS = {
    "Free them all": "nothing (correct translation)",
    "Join us on {date} outside the embassy.": "dropped the `{date}` placeholder",
    "Share the news with #FreeThem.": "dropped the hashtag",
    "Follow @demo_org for updates.": "dropped the @handle",
    "Read the [full call](https://example.org/call) before you go.":
        "dropped the link (URL and Markdown)",
    "Sign up at [our page](https://example.org/join).":
        "used the localised URL campaign.yml allows (correct)",
    "Write to [the embassy](https://example.org/embassy).": "replaced the URL by another site",
    "**Bring** a friend.": "dropped the **bold**",
    "Demo Org stands with Julian Assange.": "changed a protected name (Julián)",
    "Stay safe.": "added `<script>`",
    "Be there on time.": "added a `javascript:` link",
    "Tell your friends.": "added a control character (BEL)",
    "Bring water.": "doubled a word",
    "We will not be silent!": "`!` became `.`",
    "Meet at the square.": "left the English text",
    "Spread the word.": "added leading/trailing spaces",
    "No cameras.": "added a double space",
    "Take to the streets on {date}!": "fuzzy draft renamed `{date}` to `{fecha}`",
    "Send a letter to the embassy.": "post 74 characters over X's 280",
    "{n} person joined": "three plural forms where Spanish has two",
    BIDI_MSGID: "hid text behind U+202E (bidi override)",
}


def prepare(workdir: Path) -> Path:
    """Copy the fixture project and add the bidi-override entry; returns the project root."""
    root = workdir / "project"
    shutil.copytree(FIXTURE, root)
    catalog = read_catalog(root / CATALOG)
    catalog.entries.append(Entry(msgid=BIDI_MSGID, msgctxt="card:free",
                                 msgstr="¡Libérenlos \u202ea todos!"))
    (root / CATALOG).write_bytes(dump_catalog(catalog, 79))
    return root


def entries_by_line(path: Path) -> list[Entry]:
    return sorted((e for e in read_catalog(path).messages), key=lambda e: e.line)


def entry_at(entries: list[Entry], line: int) -> Entry | None:
    """The entry a tool's line number falls in (msgfmt points at msgstr lines)."""
    found = None
    for entry in entries:
        if entry.line <= line:
            found = entry
    return found


def run_handbill(root: Path) -> dict[str, list[str]]:
    out = subprocess.run([sys.executable, "-m", "pipeline", "--project", str(root), "check",
                          "--format", "json"], capture_output=True, text=True, cwd=REPO)
    found = defaultdict(list)
    for finding in json.loads(out.stdout):
        label = finding["check"] + (" (fuzzy)" if finding.get("fuzzy") else "")
        if label not in found[finding["msgid"]]:
            found[finding["msgid"]].append(label)
    return found


def run_msgfmt(root: Path) -> dict[str, list[str]]:
    path = root / CATALOG
    out = subprocess.run(["msgfmt", "--check", "-o", "/dev/null", str(path)],
                         capture_output=True, text=True)
    entries = entries_by_line(path)
    found = defaultdict(list)
    for line in out.stderr.splitlines():
        match = re.match(rf"{re.escape(str(path))}:(\d+): (.*)", line)
        if not match:
            continue
        entry = entry_at(entries, int(match.group(1)))
        if entry is not None and not entry.is_header:
            short = _short(match.group(2))
            if short not in found[entry.msgid]:
                found[entry.msgid].append(short)
    return found


def _short(message: str) -> str:
    if "format specification" in message:
        return "format"
    if "plural forms" in message:
        return "plural forms"
    return message[:30]


def run_pofilter(root: Path, workdir: Path) -> dict[str, list[str]]:
    notranslate = workdir / "notranslate.txt"
    # pofilter matches single words, so the campaign's protected terms go in word by word.
    notranslate.write_text("Demo\nOrg\nJulian\nAssange\n", encoding="utf-8")
    out_path = workdir / "pofilter.po"
    subprocess.run([str(Path(sys.executable).parent / "pofilter"), "--language=es",
                    f"--notranslatefile={notranslate}", str(root / CATALOG), str(out_path)],
                   capture_output=True, text=True, check=True)
    found = defaultdict(list)
    for entry in read_catalog(out_path).messages:
        for comment in entry.comments:
            match = re.match(r"\(pofilter\) ([\w-]+):", comment)
            if match and match.group(1) != "isfuzzy":
                found[entry.msgid].append(match.group(1))
    return found


def table(results: dict[str, dict[str, list[str]]]) -> str:
    tools = list(results)
    lines = ["| The translator … | " + " | ".join(tools) + " |",
             "|---|" + "---|" * len(tools)]
    totals = dict.fromkeys(tools, 0)
    for msgid, what in DEFECTS.items():
        cells = []
        for tool in tools:
            hits = results[tool].get(msgid, [])
            cells.append(", ".join(f"`{h}`" for h in hits) if hits else "—")
            correct = "correct" in what
            totals[tool] += (not hits) if correct else bool(hits)
        lines.append(f"| {what} | " + " | ".join(cells) + " |")
    lines.append(f"| **messages judged right (of {len(DEFECTS)})** | "
                 + " | ".join(f"**{totals[t]}**" for t in tools) + " |")
    return "\n".join(lines)


def main() -> None:
    pofilter = Path(sys.executable).parent / "pofilter"
    if not shutil.which("msgfmt") or not pofilter.exists():
        sys.exit("needs GNU gettext's msgfmt and translate-toolkit's pofilter: apt-get install "
                 "gettext; .venv/bin/pip install translate-toolkit")
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        root = prepare(workdir)
        results = {
            "handbill check": run_handbill(root),
            "msgfmt --check": run_msgfmt(root),
            "pofilter": run_pofilter(root, workdir),
        }
    print(table(results))


if __name__ == "__main__":
    main()
