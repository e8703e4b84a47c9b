"""The templates' own strings ("Date", "Share", ...) -> the `ui` domain, via Babel + Jinja2."""

from __future__ import annotations

from pathlib import Path

from pipeline.model import Message, Origin

TEMPLATES_DIR = Path(__file__).parent / "templates"
_METHODS = [("**.html", "jinja2"), ("**.txt", "jinja2"), ("**.md", "jinja2"),
            ("**.css", "ignore")]
_OPTIONS = {"**.html": {"extensions": "jinja2.ext.i18n", "newstyle_gettext": "true",
                        "trimmed": "true"},
            "**.txt": {"extensions": "jinja2.ext.i18n", "newstyle_gettext": "true",
                       "trimmed": "true"},
            "**.md": {"extensions": "jinja2.ext.i18n", "newstyle_gettext": "true",
                      "trimmed": "true"}}


def ui_messages(templates_dir: Path = TEMPLATES_DIR) -> list[Message]:
    """Messages of the handbill templates; references are relative to the package folder."""
    from babel.messages.extract import extract_from_dir  # ~10 ms; only for the ui domain

    if not templates_dir.is_dir():
        return []
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
