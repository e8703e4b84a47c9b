"""Small, careful edits of handbill.toml that keep the writer's comments and layout."""

from __future__ import annotations

import re
from pathlib import Path

from pipeline.config import CONFIG_NAME
from pipeline.files import write_if_changed

_LANGS_RE = re.compile(r"^(\s*languages\s*=\s*\[)([^\]]*)(\])", re.M)


def add_language(root: Path, lang: str) -> bool:
    """Append `lang` to [project] languages if it is not listed; True if the file changed."""
    path = root / CONFIG_NAME
    text = path.read_text(encoding="utf-8")
    match = _LANGS_RE.search(text)
    if not match:
        return False
    listed = re.findall(r"\"([^\"]+)\"|'([^']+)'", match.group(2))
    codes = [a or b for a, b in listed]
    if lang in codes:
        return False
    inner = match.group(2).rstrip()
    sep = ", " if inner.strip() else ""
    new = f'{match.group(1)}{inner}{sep}"{lang}"{match.group(3)}'
    return write_if_changed(path, (text[: match.start()] + new + text[match.end():]).encode())
