"""The templates' own strings ("Date", "Share", ...) -> the `ui` domain, via Babel + Jinja2."""

from __future__ import annotations

import hashlib
import json
import logging
import importlib.util
import os
from pathlib import Path

from pipeline import __version__
from pipeline.model import Message, Origin

log = logging.getLogger(__name__)
CACHE_NAME = "ui-messages.json"

TEMPLATES_DIR = Path(__file__).parent / "templates"
_METHODS = [("**.html", "jinja2"), ("**.txt", "jinja2"), ("**.md", "jinja2"),
            ("**.css", "ignore")]
_OPTIONS = {"**.html": {"extensions": "jinja2.ext.i18n", "newstyle_gettext": "true",
                        "trimmed": "true"},
            "**.txt": {"extensions": "jinja2.ext.i18n", "newstyle_gettext": "true",
                       "trimmed": "true"},
            "**.md": {"extensions": "jinja2.ext.i18n", "newstyle_gettext": "true",
                      "trimmed": "true"}}


def ui_messages(templates_dir: Path = TEMPLATES_DIR, cache_dir: Path | None = None
                ) -> list[Message]:
    """Messages of the handbill templates; references are relative to the package folder.

    With `cache_dir` (the project's .handbill/), the result is kept in ui-messages.json and
    reused while the templates' bytes, handbill's, Babel's and Jinja's versions are the same:
    extracting through Babel costs ~0.1 s on every update, check or extract."""
    if not templates_dir.is_dir():
        return []
    if cache_dir is None:
        return _extract(templates_dir)
    key = _fingerprint(templates_dir)
    path = cache_dir / CACHE_NAME
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("key") == key:
            return [_message(item) for item in data["messages"]]
    except (OSError, ValueError, KeyError, TypeError):
        pass  # missing or damaged: extract again
    messages = _extract(templates_dir)
    from pipeline.errors import HandbillError
    from pipeline.files import write_if_changed  # the one module that writes files

    try:
        write_if_changed(path, json.dumps({"key": key, "messages": [_item(m) for m in messages]},
                                          ensure_ascii=False, indent=0).encode("utf-8"))
    except (OSError, HandbillError) as exc:  # a read-only project works, only slower
        log.debug("cannot cache the ui messages in %s: %s", path, exc)
    return messages


def _fingerprint(templates_dir: Path) -> str:
    """What the extracted messages depend on: every template file's name and bytes,
    handbill's version, and the installed Babel and Jinja (their package files' size and
    time: importlib.metadata would cost 40 ms of imports, a third of what the cache saves)."""
    digest = hashlib.sha256()
    for name in ("babel", "jinja2"):
        spec = importlib.util.find_spec(name)
        info = os.stat(spec.origin) if spec and spec.origin else None
        digest.update(f"{name} {info and (info.st_size, info.st_mtime_ns)}\n".encode())
    digest.update(f"handbill {__version__}\n".encode())
    for path in sorted(p for p in templates_dir.rglob("*") if p.is_file()):
        data = path.read_bytes()
        digest.update(f"{path.relative_to(templates_dir).as_posix()} {len(data)}\n".encode())
        digest.update(data)
    return digest.hexdigest()


def _item(message: Message) -> dict:
    return {"msgid": message.msgid, "context": message.context,
            "origins": [[o.path, o.line] for o in message.origins],
            "comments": list(message.comments), "flags": list(message.flags)}


def _message(item: dict) -> Message:
    return Message(str(item["msgid"]), item["context"],
                   tuple(Origin(str(p), int(n)) for p, n in item["origins"]), "interface",
                   tuple(str(c) for c in item["comments"]), tuple(str(f) for f in item["flags"]))


def _extract(templates_dir: Path) -> list[Message]:
    from babel.messages.extract import extract_from_dir  # ~10 ms; only for the ui domain

    found: dict[tuple[str | None, str], dict] = {}
    order = []
    for filename, lineno, message, comments, context in extract_from_dir(
            str(templates_dir), method_map=_METHODS, options_map=_OPTIONS,
            comment_tags=("Translators:",), strip_comment_tags=True):
        if isinstance(message, tuple):
            message = message[0]  # ui strings are singular; plurals are not used in templates
        if not message:
            continue
        key = (context, message)
        origin = Origin(f"pipeline/templates/{filename}", lineno)
        if key not in found:
            found[key] = {"origins": [], "comments": []}
            order.append(key)
        found[key]["origins"].append(origin)
        for comment in comments:
            if comment not in found[key]["comments"]:
                found[key]["comments"].append(comment)
    out = []
    for context, msgid in order:
        info = found[(context, msgid)]
        flags = ("python-format",) if "%(" in msgid else ()
        out.append(Message(msgid, context, tuple(info["origins"]), "interface",
                           tuple(info["comments"]), flags))
    return out
