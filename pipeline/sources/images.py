"""Images of a leaflet: regular files inside the campaign folder, of a type handbill embeds.

A leaflet loads nothing from outside: an image is embedded as a data: URI at render time, so
at read time it must be a relative path to a regular file inside source/<campaign>/ (not a
URL, not an absolute path, not a path or symlink leading out), at most 5 MB, and really a PNG,
JPEG, GIF, WebP or SVG file (its first bytes, not its name, say so).
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote

MAX_IMAGE_BYTES = 5_000_000
IMAGE_TYPES = {b"\x89PNG\r\n\x1a\n": "image/png", b"\xff\xd8\xff": "image/jpeg",
               b"GIF87a": "image/gif", b"GIF89a": "image/gif"}


def image_type(data: bytes) -> str | None:
    """The MIME type of an image handbill embeds (PNG, JPEG, GIF, WebP, SVG), or None."""
    for magic, mime in IMAGE_TYPES.items():
        if data.startswith(magic):
            return mime
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    head = data[:1024].lstrip().lower()
    if head.startswith((b"<svg", b"<?xml")) and b"<svg" in data[:4096].lower():
        return "image/svg+xml"
    return None


def image_problem(src: str, campaign_dir: Path | None) -> str | None:
    """Why an image cannot be used, or None: only regular files inside the campaign folder."""
    how = "put the image file in the campaign folder and write its path, e.g. ![text](photo.jpg)"
    if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", src) or src.startswith("//"):
        return f"the image {src!r} is a link; images are taken from the campaign folder only: {how}"
    path_text = unquote(src)
    if not path_text or path_text.startswith("/") or "\\" in path_text:
        return f"the image {src!r} is not a path inside the campaign folder: {how}"
    if campaign_dir is None:
        return None
    base = campaign_dir.resolve()
    path = campaign_dir / path_text
    try:
        resolved = path.resolve()
    except (OSError, RuntimeError):
        return f"the image {src!r} cannot be read: {how}"
    if base not in resolved.parents:
        linked = any(q.is_symlink() for q in [path, *path.parents][:len(Path(path_text).parts)])
        where = "is a symlink to a file outside" if linked else "lies outside"
        return f"the image {src!r} {where} the campaign folder: {how}"
    if not resolved.is_file():
        return f"the image {src!r} does not exist in the campaign folder: {how}"
    size = resolved.stat().st_size
    if size > MAX_IMAGE_BYTES:
        return f"the image {src!r} is larger than 5 MB; make it smaller"
    if image_type(resolved.read_bytes()[:4096]) is None:
        return f"the image {src!r} is not a PNG, JPEG, GIF, WebP or SVG file"
    return None
