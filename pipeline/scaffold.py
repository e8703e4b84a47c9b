"""`handbill new` and `handbill init-project`: start a campaign or a content repository."""

from __future__ import annotations

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


def init_project(target: Path) -> tuple[list[Path], list[Path]]:
    """Create a content repository: handbill.toml, source/, locales/, .gitignore, CI example."""
    target = target.resolve()
    if target.exists() and not target.is_dir():
        raise HandbillError("exists and is not a folder", target)
    written: list[Path] = []
    kept: list[Path] = []
    files = {
        CONFIG_NAME: SCAFFOLD / "project" / "handbill.toml",
        ".gitignore": SCAFFOLD / "project" / "gitignore",
        ".github/workflows/handbill.yml": SCAFFOLD / "project" / "handbill-ci.yml",
    }
    for name, template in files.items():
        _write_new(target / name, template.read_bytes(), written, kept)
    for folder in ("source", "locales"):
        (target / folder).mkdir(parents=True, exist_ok=True)
    return written, kept
