"""Campaigns as read before, kept for the next command: parsing 20 campaigns' Markdown and YAML
took ~0.2 s of every `extract`, `update`, `check` and `draft`, more than their own work.

Where: $HANDBILL_CACHE_DIR/campaigns (set but empty: no cache), else
$XDG_CACHE_HOME/handbill/campaigns, else ~/.cache/handbill/campaigns. Outside the project, on
purpose: a project's files come from contributors (a pull request can add any file, even one
.gitignore hides), and a cached reading is used as if handbill had just read and validated the
sources itself, so none may be planted beside them.

The key is a SHA-256 of everything read_campaign reads: Python's version, handbill's package
and the libraries that parse sources (their files' names, sizes and times), the campaign's name, every
entry under source/<name>/ (relative name, kind, a regular file's bytes, a link's target) and
glossary.csv / glossary.tbx beside handbill.toml. The project's location is not in it (the
campaign's folder is set on loading), so a copy of the project shares the readings. The value
is JSON (never pickle), decoded into the model's own dataclasses only; a damaged, foreign or
unreadable file is a miss. At most MAX_ENTRIES readings are kept, the least recently used go.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import functools
import hashlib
import importlib.util
import json
import logging
import os
import re
import stat
import sys
from pathlib import Path

from pipeline import __version__, model
from pipeline.errors import log_once
from pipeline.model import Campaign

log = logging.getLogger(__name__)

ENV = "HANDBILL_CACHE_DIR"
MAX_ENTRIES = 256
GLOSSARY_FILES = ("glossary.csv", "glossary.tbx")  # pipeline.glossary's CSV_FILE, TBX_FILE
_PARSERS = ("markdown_it", "yaml", "regex", "PIL", "babel", "mdit_py_plugins")
_CLASSES = {cls.__name__: cls for cls in vars(model).values()
            if isinstance(cls, type) and dataclasses.is_dataclass(cls)}
_FIELDS = {name: frozenset(f.name for f in dataclasses.fields(cls))
           for name, cls in _CLASSES.items()}
_DEFAULTS = {name: {f.name: f.default for f in dataclasses.fields(cls)
                    if f.default is not dataclasses.MISSING}
             for name, cls in _CLASSES.items()}
_FACTORIES = {name: [(f.name, f.default_factory) for f in dataclasses.fields(cls)
                     if f.default_factory is not dataclasses.MISSING]
              for name, cls in _CLASSES.items()}
_FORMAT = 1
_ENTRY_NAME = re.compile(r"[0-9a-f]{64}\.json")  # what _path names an entry


def folder() -> Path | None:
    """The cache folder, or None when caching is off or there is no home to put it in."""
    value = os.environ.get(ENV)
    if value is not None:
        base = os.path.abspath(value) if value else ""  # relative: to the current folder
    else:  # the XDG Base Directory rule: a relative XDG_CACHE_HOME is ignored
        xdg = os.environ.get("XDG_CACHE_HOME", "")
        base = (os.path.join(xdg, "handbill") if os.path.isabs(xdg)
                else os.path.join(os.path.expanduser("~"), ".cache", "handbill"))
    return Path(base, "campaigns") if base and os.path.isabs(base) else None


# ---------------------------------------------------------------------------- the key


@functools.cache
def _code() -> bytes:
    """handbill's code and the parsers' installed files, by name, size and time (as Python's
    own bytecode cache checks sources; hashing the package's bytes cost 8 ms a command)."""
    parts = [f"format {_FORMAT}", f"handbill {__version__}", f"python {sys.version}"]
    package = Path(__file__).resolve().parent.parent
    for here, dirs, names in os.walk(package):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(names):
            info = os.lstat(os.path.join(here, name))
            parts.append(f"{here[len(str(package)):]}/{name} {info.st_size} {info.st_mtime_ns}")
    for name in _PARSERS:
        spec = importlib.util.find_spec(name)
        info = os.stat(spec.origin) if spec and spec.origin else None
        parts.append(f"{name} {info and (info.st_size, info.st_mtime_ns)}")
    return "\n".join(parts).encode()


def _entry(digest, path: Path, shown: str) -> None:
    """Add one file system entry to the key: its name, its kind and what it holds."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        digest.update(f"{shown}\0absent\0".encode())
        return
    if stat.S_ISREG(info.st_mode):
        digest.update(f"{shown}\0file {info.st_size}\0".encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    elif stat.S_ISLNK(info.st_mode):
        digest.update(f"{shown}\0link {os.readlink(path)}\0".encode("utf-8", "surrogateescape"))
    else:
        digest.update(f"{shown}\0mode {stat.S_IFMT(info.st_mode)}\0".encode())


def usable_folder(project_root: Path, sub: str = "campaigns",
                  what: str = "campaign readings") -> Path | None:
    """The cache folder (`sub` beside the campaign readings), or None when caching is off or
    the folder lies inside the project (then a warning, once): what anyone who changes the
    project can write, they could plant there."""
    base = folder()
    if base is None:
        return None
    base = base.with_name(sub)
    try:
        real = os.path.realpath(project_root)
        if os.path.commonpath([os.path.realpath(base), real]) == real:
            log_once(log, [f"not caching {what} in {base}: it lies inside the project, "
                           "where anyone who changes the project could plant one; set "
                           f"{ENV} to a folder outside it"])
            return None
    except ValueError:
        pass  # other drives (Windows): not inside
    return base


def inputs_key(project_root: Path, name: str) -> str | None:
    """The key of campaign `name` as its files are now; None when caching is off or a file
    cannot be read (read_campaign then reads, and reports, as without a cache)."""
    if usable_folder(project_root) is None:
        return None
    root = project_root / "source" / name
    digest = hashlib.sha256(_code())
    digest.update(f"\0campaign {name}\0".encode("utf-8", "surrogateescape"))
    try:
        for here, dirs, names in os.walk(root):  # links to folders are listed, not followed
            dirs.sort()
            rel = Path(here).relative_to(root).as_posix()
            for entry in sorted(dirs + names):
                _entry(digest, Path(here, entry), f"{rel}/{entry}")
        for entry in GLOSSARY_FILES:
            _entry(digest, project_root / entry, f"../{entry}")
    except (OSError, ValueError) as exc:
        log.debug("not caching campaign %s: %s", name, exc)
        return None
    return digest.hexdigest()


# ---------------------------------------------------------------------------- the value


def _encode(value):
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, (tuple, list)):
        return [_encode(item) for item in value]
    if dataclasses.is_dataclass(value) and type(value).__name__ in _CLASSES:
        out = {"$": type(value).__name__}
        for f in dataclasses.fields(value):  # a field at its default is left out
            item = getattr(value, f.name)
            if f.default is dataclasses.MISSING or type(item) is not type(f.default) \
                    or item != f.default:
                out[f.name] = _encode(item)
        return out
    if isinstance(value, dict):
        return {"$dict": [[_encode(k), _encode(v)] for k, v in value.items()]}
    if isinstance(value, dt.datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, dt.date):
        return {"$date": value.isoformat()}
    if isinstance(value, bytes):
        return {"$bytes": base64.b64encode(value).decode("ascii")}
    if isinstance(value, Path):
        return {"$path": str(value)}
    raise TypeError(f"cannot cache a {type(value).__name__}")


def _tuples(value: list) -> tuple:
    if list not in map(type, value):  # the common case, in C: no list inside
        return tuple(value)
    return tuple([_tuples(item) if type(item) is list else item for item in value])


def _object(data: dict):
    """json's object_hook: the innermost objects first, so a dataclass's fields are decoded
    already but for their lists (the model holds tuples)."""
    name = data.pop("$", None)
    if name is not None:
        return _instance(name, data)
    if len(data) != 1:
        return data
    (tag, value), = data.items()
    if tag == "$dict":
        return {_tuples(k) if type(k) is list else k: _tuples(v) if type(v) is list else v
                for k, v in value}
    if tag == "$datetime":
        return dt.datetime.fromisoformat(value)
    if tag == "$date":
        return dt.date.fromisoformat(value)
    if tag == "$bytes":
        return base64.b64decode(value, validate=True)
    if tag == "$path":
        return Path(value)
    return data


def _instance(name: str, data: dict):
    """The model's dataclass `name` holding `data`: its fields set as its __init__ would (the
    model has no __post_init__), without the per-field frozen __setattr__ that made __init__
    most of a cached reading's cost."""
    cls = _CLASSES[name]  # KeyError: not one of the model's classes, a miss
    if not data.keys() <= _FIELDS[name]:
        raise ValueError(f"{name} has no field {', '.join(data.keys() - _FIELDS[name])}")
    obj = object.__new__(cls)
    values = obj.__dict__
    values.update(_DEFAULTS[name])
    for field_name, factory in _FACTORIES[name]:
        values[field_name] = factory()
    for key, value in data.items():
        values[key] = _tuples(value) if type(value) is list else value
    if len(values) != len(_FIELDS[name]):
        raise ValueError(f"{name} lacks a field")
    return obj


def _path(key: str) -> Path | None:
    base = folder()
    return base / f"{key}.json" if base else None


def load(key: str, root: Path) -> tuple[Campaign, list[str]] | None:
    """The campaign (with its folder set to `root`) and warnings cached under `key`, or None."""
    path = _path(key)
    try:
        info = os.lstat(path)
        if not stat.S_ISREG(info.st_mode):
            return None
        data = json.loads(path.read_bytes(), object_hook=_object)
        if data.get("key") != key:
            return None
        campaign = _instance("Campaign", {"root": root, **data["campaign"]})
        warnings = [str(text) for text in data["warnings"]]
        os.utime(path)  # recently used: evicted last
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:
        log.debug("ignoring the cached reading %s: %s", path, exc)
        return None
    return campaign, warnings


def save(key: str, campaign: Campaign, warnings: list[str]) -> None:
    """Keep `campaign` under `key`; a cache that cannot be written only costs time."""
    from pipeline.files import write_if_changed  # the module that writes files

    path = _path(key)
    fields = {f.name: _encode(getattr(campaign, f.name))
              for f in dataclasses.fields(campaign) if f.name != "root"}
    try:
        data = json.dumps({"key": key, "campaign": fields, "warnings": list(warnings)},
                          separators=(",", ":")).encode("ascii")
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        write_if_changed(path, data, durable=False)  # a cache: losing it costs a reading
        _evict(path.parent)
    except (OSError, TypeError, ValueError) as exc:
        log.debug("cannot cache campaign %s in %s: %s", campaign.name, path, exc)


def _evict(base: Path) -> None:
    """Keep at most MAX_ENTRIES readings: the least recently used go first. Only files named
    as this module names them are ever deleted (the folder may be one a user chose)."""
    entries = []
    with os.scandir(base) as found:
        for item in found:
            if _ENTRY_NAME.fullmatch(item.name) and item.is_file(follow_symlinks=False):
                entries.append((item.stat(follow_symlinks=False).st_mtime_ns, item.path))
    for _, old in sorted(entries)[:max(0, len(entries) - MAX_ENTRIES)]:
        try:
            os.unlink(old)
        except OSError:
            pass
