"""campaign.yml's brand kit: `logo:`, `photo:`, `font:` and `organisation:` per language.

    logo: logo.svg                      # PNG or SVG in the campaign's folder
    photo: {file: march.jpg, alt: "People marching in London", credit: "Photo: A. Person"}
    font: Noto Serif                    # an installed family (fc-list)
    organisation: {en: International Peoples' Assembly, es: Asamblea Internacional de los Pueblos}

Files are read through files.read_inside (a regular file inside source/<campaign>/, never a
symlink out, a FIFO or a device) with a size cap, and must be what their bytes say: PNG or
JPEG by signature (Pillow checks the header and refuses a pixel bomb), SVG as XML whose root is
<svg> with no DOCTYPE (no entity expansion). Every problem is one `campaign.yml:line:` error.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from pipeline import files
from pipeline.errors import HandbillError, SourceError
from pipeline.model import Brand, BrandImage, Photo
from pipeline.names import validate_language
from pipeline.sources.yamlstrict import YMap

LOGO_LIMIT = 1_000_000  # bytes: a logo is small; a 1 MB SVG is already a drawing, not a mark
PHOTO_LIMIT = 8_000_000
MAX_PIXELS = 40_000_000  # about 7,700 x 5,200: more than any A4 print at 300 dpi needs
_SIGNATURES = {b"\x89PNG\r\n\x1a\n": "png", b"\xff\xd8\xff": "jpeg"}


def read_brand(data: YMap, rel: str, campaign_dir: Path, project: Path | None,
               source_language: str, problems) -> Brand:
    """The brand fields of campaign.yml; each bad field is recorded in `problems`."""
    logo = photo = font = None
    organisations: tuple[tuple[str, str], ...] = ()
    try:
        if data.get("logo") is not None:
            logo = _image(data["logo"], "logo", data.lines["logo"], rel, campaign_dir, project,
                          ("png", "svg"), LOGO_LIMIT)
    except SourceError as exc:
        problems.add_error(exc)
    try:
        photo = _photo(data, rel, campaign_dir, project)
    except SourceError as exc:
        problems.add_error(exc)
    try:
        font = _font(data, rel, source_language)
    except SourceError as exc:
        problems.add_error(exc)
    try:
        organisations = _organisations(data, rel)
    except SourceError as exc:
        problems.add_error(exc)
    return Brand(logo, photo, font, organisations)


def organisation_text(data: YMap, rel: str, source_language: str) -> str:
    """`organisation:` as a text, or the source language's entry of its per-language map."""
    value = data.get("organisation")
    line = data.lines.get("organisation", data.line)
    if isinstance(value, YMap):
        name = value.get(source_language)
        if not isinstance(name, str) or not name.strip():
            raise SourceError(f"`organisation` maps languages to names; it needs the source "
                              f"language's: `{source_language}: ...`", rel, line)
        return name.strip()
    if not isinstance(value, str) or not value.strip():
        raise SourceError("`organisation` is missing or empty; write it as `organisation: ...` "
                          "or as a name per language (`{en: ..., es: ...}`)", rel, line)
    return value.strip()


def _organisations(data: YMap, rel: str) -> tuple[tuple[str, str], ...]:
    value = data.get("organisation")
    if not isinstance(value, YMap):
        return ()
    out = []
    for code, name in value.items():
        line = value.lines[code]
        validate_language(code, f"{rel}:{line}")
        if not isinstance(name, str) or not name.strip():
            raise SourceError(f"the organisation's name in {code} must be a text", rel, line)
        out.append((code, name.strip()))
    return tuple(out)


def _image(value, field: str, line: int, rel: str, campaign_dir: Path, project: Path | None,
           kinds: tuple[str, ...], limit: int) -> BrandImage:
    if not isinstance(value, str) or not value.strip():
        raise SourceError(f"`{field}` must be a file name in the campaign's folder, e.g. "
                          f"`{field}: {field}.{kinds[-1]}`", rel, line)
    name = value.strip()
    where = f"`{field}: {name}`"
    root = project or campaign_dir
    folder = campaign_dir.relative_to(root) if campaign_dir.is_relative_to(root) else ""
    try:
        data = files.read_inside(campaign_dir / name, root, folder, name, SourceError,
                                 limit=limit)
    except HandbillError as exc:
        raise SourceError(f"{where}: {name} {exc.message}", rel, line) from None
    kind = _kind(data)
    if kind not in kinds:
        allowed = " or ".join(k.upper() for k in kinds)
        raise SourceError(f"{where} is not a {allowed} file (its bytes say "
                          f"{kind.upper() if kind else 'neither'}); export it as {allowed}",
                          rel, line)
    try:
        width, height = _svg_size(data) if kind == "svg" else _raster_size(data)
    except ValueError as exc:
        raise SourceError(f"{where}: {exc}", rel, line) from None
    relpath = (Path(rel).parent / name).as_posix()
    return BrandImage(relpath, kind, width, height, data, line)


def _kind(data: bytes) -> str | None:
    for signature, kind in _SIGNATURES.items():
        if data.startswith(signature):
            return kind
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"<") and b"<svg" in head:
        return "svg"
    return None


def _raster_size(data: bytes) -> tuple[float, float]:
    import io

    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise ValueError(f"is {width} x {height} pixels, more than handbill draws "
                                 f"({MAX_PIXELS:,}); make it smaller")
            image.verify()
    except ValueError:
        raise
    except Exception as exc:  # Pillow raises many kinds for a broken file
        raise ValueError(f"cannot be read as an image ({exc})") from None
    return float(width), float(height)


def _svg_size(data: bytes) -> tuple[float, float]:
    """The SVG's aspect from its viewBox (or width/height); no DOCTYPE, so no entities."""
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise ValueError("has a DOCTYPE or entity declarations, which handbill does not read; "
                         "save it as plain SVG")
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise ValueError(f"is not well-formed SVG ({exc})") from None
    if root.tag not in ("svg", "{http://www.w3.org/2000/svg}svg"):
        raise ValueError("is XML but not SVG (its root is not <svg>)")
    box = root.get("viewBox", "").replace(",", " ").split()
    try:
        if len(box) == 4 and float(box[2]) > 0 and float(box[3]) > 0:
            return float(box[2]), float(box[3])
        width = float(root.get("width", "").rstrip("px") or 0)
        height = float(root.get("height", "").rstrip("px") or 0)
    except ValueError:
        width = height = 0
    if width <= 0 or height <= 0:
        raise ValueError("has no viewBox (or width and height in px); add viewBox=\"0 0 W H\"")
    return width, height


def _photo(data: YMap, rel: str, campaign_dir: Path, project: Path | None) -> Photo | None:
    value = data.get("photo")
    if value is None:
        return None
    line = data.lines["photo"]
    if not isinstance(value, YMap):
        raise SourceError("`photo` is a mapping: `photo: {file: march.jpg, alt: \"what it "
                          "shows\", credit: \"Photo: …\"}`", rel, line)
    unknown = sorted(set(value) - {"file", "alt", "credit"})
    if unknown:
        raise SourceError(f"unknown field `{unknown[0]}` in `photo`; known fields are alt, "
                          "credit, file", rel, value.lines[unknown[0]])
    image = _image(value.get("file"), "photo", value.lines.get("file", line), rel,
                   campaign_dir, project, ("png", "jpeg", "svg"), PHOTO_LIMIT)
    alt = value.get("alt")
    if not isinstance(alt, str) or not alt.strip():
        raise SourceError("`photo` needs `alt:`, a sentence saying what the photo shows (for "
                          "readers who cannot see it; it is translated)", rel, line)
    credit = value.get("credit") or ""
    if not isinstance(credit, str):
        raise SourceError("the photo's `credit` must be a text", rel, value.lines["credit"])
    return Photo(image, alt.strip(), value.lines.get("alt", line), credit.strip())


def _font(data: YMap, rel: str, source_language: str) -> str | None:
    value = data.get("font")
    if value is None:
        return None
    line = data.lines["font"]
    if not isinstance(value, str) or not value.strip():
        raise SourceError("`font` must be the name of an installed font family, e.g. "
                          "`font: Noto Serif`", rel, line)
    family = value.strip()
    from pipeline.render.fonts import families_for

    installed = families_for(source_language)
    if family not in installed:
        shown = ", ".join(sorted(installed)[:40]) + (", …" if len(installed) > 40 else "")
        raise SourceError(f"font {family!r} is not installed for {source_language} on this "
                          f"machine; installed families for it: {shown or 'none'}", rel, line)
    return family
