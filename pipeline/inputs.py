"""What a build is made from, as hashes: file and folder hashes (each file read once), handbill's
own code (its installed package, hashed once per process), and every input of a project at
once (for shard records: two shards must have been built from the same inputs to be merged)."""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import os
import stat
import subprocess
from pathlib import Path

from pipeline import __version__, files
from pipeline.config import CONFIG_NAME, Config, source_date_epoch
from pipeline.errors import HandbillError

PACKAGE = Path(__file__).parent
TEMPLATES = PACKAGE / "templates"
# The order in which a mismatch is named: the first differing input is the one reported.
INPUTS = ("handbill", "settings", "options", "templates", "sources", "catalogs", "revision")


class Hasher:
    """File and folder hashes, each file read once per build."""

    def __init__(self):
        self._cache: dict[Path, str] = {}

    def file(self, path: Path | None) -> str:
        """The SHA-256 of a regular file, "-" if there is none (or not a regular file)."""
        if path is None:
            return "-"
        if path not in self._cache:
            try:  # never blocks on a FIFO; what the stages refuse, they report themselves
                data = files.read_regular(Path(os.path.realpath(path)))
                self._cache[path] = hashlib.sha256(data).hexdigest()
            except HandbillError:
                self._cache[path] = "-"
        return self._cache[path]

    def tree(self, folder: Path) -> str:
        """One hash of every file under `folder` (relative names and contents), "-" if none."""
        if folder in self._cache:
            return self._cache[folder]
        if not folder.is_dir():
            return "-"
        digest = hashlib.sha256()
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            digest.update(f"{path.relative_to(folder).as_posix()}\0{self.file(path)}\0".encode())
        self._cache[folder] = digest.hexdigest()
        return self._cache[folder]


@functools.lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """handbill's version and a hash of every file of its installed package (code, templates,
    fonts, interface catalogs; not bytecode caches): a change in any of them re-renders.
    Computed once per process (~120 files, ~1 MB: a few milliseconds)."""
    return f"{__version__}+{package_hash(PACKAGE)[:16]}"


def package_hash(root: Path) -> str:
    """One hash of the regular files under `root` (relative names and contents), leaving out
    __pycache__ folders and bytecode."""
    digest = hashlib.sha256(f"handbill {__version__}\0".encode())
    found = []
    for folder, dirs, names in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        found += [Path(folder, name) for name in names if not name.endswith((".pyc", ".pyo"))]
    for path in sorted(found):
        try:
            if not stat.S_ISREG(os.lstat(path).st_mode):
                continue
            data = path.read_bytes()
        except OSError:
            continue
        digest.update(f"{path.relative_to(root).as_posix()}\0".encode())
        digest.update(hashlib.sha256(data).digest())
    return digest.hexdigest()


def _git(root: Path, *args: str) -> str | None:
    try:
        out = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True,
                             timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() if out.returncode == 0 else None


@functools.lru_cache(maxsize=64)
def in_git(root: Path) -> bool:
    """Whether the project belongs to a git checkout: its handbill.toml is tracked there. A
    project inside another checkout's ignored or untracked folder (a copy made in a scratch
    folder of some repository) does not: that checkout's revision says nothing about it, and
    it moves with commits the project never saw (two shards built in two such copies would
    name different revisions). Asked once per process and project (a build asks per pack):
    a project added to git while `handbill serve` runs is seen after a restart."""
    return _git(root, "ls-files", "--error-unmatch", "--", CONFIG_NAME) is not None


def git_revision(root: Path) -> str | None:
    """The commit of the checkout that tracks the project, with `-dirty` if its sources,
    catalogs or handbill.toml have changes; None outside one (in_git)."""
    if not in_git(root):
        return None
    head = _git(root, "rev-parse", "HEAD")
    if head is None:
        return None
    dirty = _git(root, "status", "--porcelain", "--", "source", "locales", CONFIG_NAME)
    return head + ("-dirty" if dirty else "")


def commit_time(root: Path) -> int | None:
    """The time of the last commit (Unix seconds) of the checkout that tracks the project."""
    date = _git(root, "log", "-1", "--format=%ct") if in_git(root) else None
    return int(date) if date and date.isdigit() else None


def project_inputs(cfg: Config, options: object, hasher: Hasher | None = None) -> dict[str, str]:
    """Every input of a build of the project, one hash per kind (see INPUTS): handbill's code,
    the settings (handbill.toml, SOURCE_DATE_EPOCH), the build's options, handbill's templates,
    the campaigns' sources (their own templates too), the catalogs, and the git revision with
    its date (packs carry them). Taken before extract and update write anything."""
    hasher = hasher or Hasher()
    settings = {"config": hasher.file(cfg.root / CONFIG_NAME),
                "SOURCE_DATE_EPOCH": source_date_epoch()}
    given = dataclasses.asdict(options) if dataclasses.is_dataclass(options) else repr(options)
    revision, date = git_revision(cfg.root), commit_time(cfg.root)
    return {
        "handbill": code_fingerprint(),
        "settings": _hash(settings),
        "options": _hash(given),  # the build's command-line options (--allow-incomplete)
        "templates": hasher.tree(TEMPLATES),
        "sources": hasher.tree(cfg.source_dir),
        "catalogs": hasher.tree(cfg.locales_dir),
        "revision": f"{revision}@{date}" if revision else "-",
    }


def _hash(value: object) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()
