"""`handbill new` and `handbill init-project`: start a campaign or a content repository."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.config import CONFIG_NAME
from pipeline.errors import HandbillError
from pipeline.files import atomic_write
from pipeline.names import validate_campaign

SCAFFOLD = Path(__file__).parent / "scaffold"


def _write_new(path: Path, data: bytes, written: list[Path], kept: list[Path]) -> None:
    """Write a file that does not exist yet; an existing one is never overwritten."""
    if path.exists():
        kept.append(path)
        return
    atomic_write(path, data)
    written.append(path)


def new_campaign(root: Path, name: str) -> tuple[list[Path], list[Path]]:
    """Create source/<name>/ with commented campaign.yml, leaflet.md and posts.yml."""
    validate_campaign(name)
    folder = root / "source" / name
    if (folder / "campaign.yml").exists():
        raise HandbillError(f"campaign {name!r} already exists; edit its files instead",
                            folder / "campaign.yml")
    title = name.replace("-", " ").capitalize()
    written: list[Path] = []
    kept: list[Path] = []
    for template in sorted((SCAFFOLD / "campaign").iterdir()):
        text = template.read_text(encoding="utf-8")
        if template.name == "campaign.yml":
            text = text.replace("{title}", title)
        elif template.name == "leaflet.md":
            text = text.replace("# {title}", f"# {title}")
        _write_new(folder / template.name, text.encode("utf-8"), written, kept)
    return written, kept


@dataclass
class FromPage:
    """What `handbill new --from` made of a page, for the report."""

    written: list[Path] = field(default_factory=list)
    kept: list[Path] = field(default_factory=list)
    dropped: list[tuple[str, int]] = field(default_factory=list)  # front matter keys, lines
    used: list[tuple[str, str, int]] = field(default_factory=list)  # (key, campaign field, line)
    shortcodes: list[str] = field(default_factory=list)
    images: list[str] = field(default_factory=list)


def new_campaign_from_page(root: Path, name: str, page: Path, shown: str) -> FromPage:
    """Start source/<name>/ from an existing Markdown page (Hugo or Jekyll): its front matter's
    title and description become campaign.yml's title and summary (other keys are dropped and
    listed), its body becomes leaflet.md, and the images it uses are copied along. Every
    problem of the page is reported at once (SourceErrors) and then nothing is written."""
    from pipeline import shortcodes
    from pipeline.sources import frontmatter
    from pipeline.errors import Problems
    from pipeline.sources.leaflet import parse_leaflet, read_text_file
    from pipeline.model import walk

    validate_campaign(name)
    folder = root / "source" / name
    if (folder / "campaign.yml").exists():
        raise HandbillError(f"campaign {name!r} already exists; edit its files instead",
                            folder / "campaign.yml")
    problems = Problems()
    text = read_text_file(page, shown)
    lines = text.split("\n")
    front = frontmatter.split(lines, shown, problems)
    leaflet = parse_leaflet(text, shown, problems, campaign_dir=page.parent)
    problems.raise_if_any()
    out = FromPage()
    title = front.text(frontmatter.TITLE_KEYS)
    summary = front.text(frontmatter.SUMMARY_KEYS)
    first = next((b for b, _ in walk(leaflet.blocks) if b.kind == "heading" and b.level == 1), None)
    title = title or ((first.text, first.line) if first else (name.replace("-", " ").capitalize(), 0))
    used_keys = {key for key in frontmatter.TITLE_KEYS + frontmatter.SUMMARY_KEYS
                 if front.text((key,))}
    out.used = [(key, "title" if key in frontmatter.TITLE_KEYS else "summary", front.lines[key])
                for key in front.values if key in used_keys]
    out.dropped = front.ignored(tuple(used_keys) + ("paper",))
    for block, _ in walk(leaflet.blocks):
        for token in shortcodes.find(block.text):
            if shortcodes.normalize(token) not in out.shortcodes:
                out.shortcodes.append(shortcodes.normalize(token))
    body = "\n".join(lines[front.end:]).lstrip("\n")
    if leaflet.paper:
        body = f"---\npaper: {leaflet.paper}\n---\n{body}"
    meta = _campaign_yml(title[0], summary[0] if summary else None, out.shortcodes)
    _write_new(folder / "campaign.yml", meta.encode("utf-8"), out.written, out.kept)
    _write_new(folder / "leaflet.md", body.encode("utf-8"), out.written, out.kept)
    for src, path in leaflet.images:
        out.images.append(path)
        _write_new(folder / path, (page.parent / path).read_bytes(), out.written, out.kept)
    return out


def _campaign_yml(title: str, summary: str | None, tokens: list[str]) -> str:
    """The scaffold's campaign.yml with the page's title and summary (quoted as JSON, which
    YAML reads as a double-quoted string), and the page's shortcodes listed to be mapped."""
    text = (SCAFFOLD / "campaign" / "campaign.yml").read_text(encoding="utf-8")
    text = text.replace('title: "{title}"', f"title: {json.dumps(title, ensure_ascii=False)}")
    if summary:
        text = re.sub(r'(?m)^summary: ".*"$', lambda _: "summary: "
                      + json.dumps(summary, ensure_ascii=False), text)
    if tokens:
        text += ("# The page uses these shortcodes. Say what each shows, for every language or per\n"
                 "# language (en: …, es: …), or \"\" to show nothing, then remove the # signs:\n"
                 "# shortcodes:\n")
        text += "".join(f"#   {json.dumps(t, ensure_ascii=False)}: \"\"\n"
                        if "'" in t else f"#   '{t}': \"\"\n" for t in tokens)
    return text


def _ci(template: Path, shards: int) -> bytes:
    """A CI template for `shards` runners ({N}: the count, {SHARDS}: 1, 2, ..., N)."""
    text = template.read_text(encoding="utf-8").replace("{N}", str(shards))
    return text.replace("{SHARDS}", ", ".join(str(k) for k in range(1, shards + 1))).encode()


def init_project(target: Path, shards: int | None = None) -> tuple[list[Path], list[Path]]:
    """Create a content repository: handbill.toml, source/, locales/, .gitignore, CI example.

    With `shards` (N), the CI builds on N runners: a GitHub Actions workflow with a matrix of
    N `build --shard K/N` jobs and a merge job, and the same for GitLab (.gitlab-ci.yml,
    `parallel: N`)."""
    target = target.resolve()
    if target.exists() and not target.is_dir():
        raise HandbillError("exists and is not a folder", target)
    written: list[Path] = []
    kept: list[Path] = []
    project = SCAFFOLD / "project"
    files = {
        CONFIG_NAME: (project / "handbill.toml").read_bytes(),
        ".gitignore": (project / "gitignore").read_bytes(),
        ".github/workflows/handbill.yml": (project / "handbill-ci.yml").read_bytes(),
    }
    if shards is not None:
        files[".github/workflows/handbill.yml"] = _ci(project / "github-shards.yml", shards)
        files[".gitlab-ci.yml"] = _ci(project / "gitlab-shards.yml", shards)
    for name, data in files.items():
        _write_new(target / name, data, written, kept)
    for folder in ("source", "locales"):
        (target / folder).mkdir(parents=True, exist_ok=True)
    return written, kept
