"""Language packs: output/packs/<campaign>-<lang>.zip with a manifest, byte-reproducible.

A pack is made from a unit's rendered files and its render record (records.RenderRecord), never
from its catalog: the record carries the title, README and review counts the manifest needs."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
import json
import re
import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path

from pipeline import __version__
from pipeline.config import Config, build_moment, source_date_epoch
from pipeline.errors import HandbillError
from pipeline.files import check_output_folder, read_regular, write_if_changed
from pipeline.inputs import commit_time, git_revision
from pipeline.names import locale_of, validate_campaign, validate_language
from pipeline.plan import Unit, pack_path, unit_dir
from pipeline.records import CatalogCounts, RenderRecord

# Zip entries get this timestamp unless SOURCE_DATE_EPOCH says otherwise (zip cannot store
# dates before 1980).
_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
_SAFE_ENTRY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)*$")
PACKABLE = ("leaflet.pdf", "leaflet.html", "posts.txt", "posts.json", "posts.csv")


@dataclass(frozen=True)
class PackInfo:
    path: Path
    size: int
    sha256: str
    files: int


def language_info(lang: str) -> dict:
    """Code, own name, English name and direction of a language, from Babel's CLDR data."""
    locale = locale_of(lang)
    name = locale.get_display_name(locale) or lang
    return {"code": lang, "name": name[:1].upper() + name[1:],
            "english_name": locale.get_display_name("en") or lang,
            "direction": locale.text_direction}


def _regular(path: Path, kind=stat.S_ISREG) -> bool:
    """Whether `path` itself (not a symlink's target) is a regular file (or `kind`)."""
    try:
        return kind(os.lstat(path).st_mode)
    except OSError:
        return False


def pack_files(out_dir: Path) -> list[tuple[str, Path]]:
    """The (archive name, file) pairs of a rendered language folder, sorted: regular files
    only, so a symlink planted in output/ never puts another file into a pack."""
    found = []
    for name in PACKABLE:
        if _regular(out_dir / name):
            found.append((name, out_dir / name))
    cards = out_dir / "cards"
    if _regular(cards, stat.S_ISDIR):
        found += [(f"cards/{p.name}", p) for p in sorted(cards.glob("*.png")) if _regular(p)]
    for name, _ in found:
        if not _SAFE_ENTRY.match(name) or ".." in name.split("/"):
            raise HandbillError(f"refusing to pack {name!r}: not a safe file name", out_dir)
    return sorted(found)


def build_time(root: Path, inputs: list[Path]) -> dt.datetime:
    """When the pack's inputs last changed, so the same input gives the same bytes.

    The reproducible-builds convention: SOURCE_DATE_EPOCH if set, else the time of the last
    commit when the project is a git checkout (inputs.in_git), else the newest input file's
    modification time.
    """
    if source_date_epoch() is not None:  # validated: a malformed one is a ConfigError
        return build_moment()
    committed = commit_time(root)
    if committed is not None:
        return dt.datetime.fromtimestamp(committed, dt.timezone.utc)
    newest = max((p.stat().st_mtime for p in inputs if p.exists()), default=0)
    return dt.datetime.fromtimestamp(int(newest), dt.timezone.utc)


def _zip_time(moment: dt.datetime) -> tuple[int, int, int, int, int, int]:
    if moment.year < 1980:
        return _ZIP_EPOCH
    return (moment.year, moment.month, moment.day, moment.hour, moment.minute,
            moment.second // 2 * 2)


def build_manifest(campaign: str, title: str, lang: str, state: str,
                   counts: CatalogCounts | None, revision: str | None, built: str,
                   files: list[tuple[str, bytes]]) -> dict:
    """manifest.json of a pack: what it holds, in which language and review state."""
    return {
        "campaign": campaign,
        "title": title,
        "language": language_info(lang),
        "state": state,
        "counts": counts.manifest() if counts else {},
        "source_revision": revision,
        "built": built,
        "generator": f"handbill {__version__}",
        "files": [{"path": name, "size": len(data), "sha256": hashlib.sha256(data).hexdigest()}
                  for name, data in files],
    }


def pack_unit(cfg: Config, unit: Unit, record: RenderRecord) -> PackInfo:
    """Zip a rendered unit with its manifest, from its render record."""
    inputs = [p for p in unit.source_dir.rglob("*") if p.is_file()]
    inputs += [unit.po] if unit.po is not None else []
    return make_pack(cfg, unit.campaign, record.title, unit.lang, record.state, record.catalog,
                     record.readme, git_revision(cfg.root), build_time(cfg.root, inputs))


def make_pack(cfg: Config, campaign: str, title: str, lang: str, state: str,
              counts: CatalogCounts | None, readme: str, revision: str | None,
              built_at: dt.datetime) -> PackInfo:
    """Zip output/<lang>/<campaign>/ into output/packs/<campaign>-<lang>.zip."""
    validate_campaign(campaign)
    validate_language(lang)
    out_dir = unit_dir(cfg, campaign, lang)
    files = [(name, read_regular(path)) for name, path in pack_files(out_dir)]
    if not any(name == "leaflet.pdf" for name, _ in files):
        raise HandbillError(f"{lang}: nothing rendered to pack for {campaign}; run "
                            "`handbill render` first", out_dir)
    files.append(("README.txt", readme.encode("utf-8")))
    files.sort()
    built = built_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    manifest = build_manifest(campaign, title, lang, state, counts, revision, built, files)
    files.append(("manifest.json", (json.dumps(manifest, indent=2, ensure_ascii=False)
                                    + "\n").encode("utf-8")))
    folder = f"{campaign}-{lang}"
    stamp = _zip_time(built_at)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in sorted(files):
            info = zipfile.ZipInfo(f"{folder}/{name}", date_time=stamp)
            info.external_attr = 0o644 << 16
            info.create_system = 3  # Unix, so the mode bits above mean the same everywhere
            # PDFs and PNGs are already compressed; deflating them again costs time for nothing.
            compress = name.endswith((".pdf", ".png"))
            info.compress_type = zipfile.ZIP_STORED if compress else zipfile.ZIP_DEFLATED
            archive.writestr(info, data, compresslevel=None if compress else 9)
    data = buffer.getvalue()
    path = pack_path(cfg, campaign, lang)
    check_output_folder(cfg.output_dir, path.parent)
    write_if_changed(path, data)
    return PackInfo(path, len(data), hashlib.sha256(data).hexdigest(), len(files))
