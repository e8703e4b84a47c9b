"""Small, careful edits of handbill.toml and campaign.yml that keep the writer's comments and
layout: `handbill init LANG` adds a language to the lists that decide who serves it.

Each edit is checked before it is written: the edited text must parse, hold the new language,
and be otherwise the same data; if not, nothing is written and the error says what to add by
hand.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

from pipeline.config import CONFIG_NAME
from pipeline.errors import HandbillError
from pipeline.files import write_if_changed

_LANGS_RE = re.compile(r"^(\s*languages\s*=\s*\[)([^\]]*)(\])", re.M)
_PROJECT_RE = re.compile(r"^\[project\][ \t]*(#.*)?$", re.M)


def _append_to_flow(inner: str, item: str) -> str:
    """The inside of a `[a, b]` list with `item` added after the last element."""
    body = inner.rstrip()
    trailing = inner[len(body):]
    if not body.strip():
        return item + trailing
    return f"{body}{' ' if body.endswith(',') else ', '}{item}{trailing}"


def _project_languages(text: str) -> list[str] | None:
    project = tomllib.loads(text).get("project", {})
    return project.get("languages") if isinstance(project, dict) else None


def add_language(root: Path, lang: str) -> bool:
    """Add `lang` to [project] languages in handbill.toml; True if the file changed."""
    path = root / CONFIG_NAME
    text = path.read_text(encoding="utf-8")
    before = _project_languages(text)
    if before is not None and lang in before:
        return False
    match = _LANGS_RE.search(text)
    if match and before is not None:
        new = (text[:match.start(2)] + _append_to_flow(match.group(2), f'"{lang}"')
               + text[match.end(2):])
    elif _PROJECT_RE.search(text):
        header = _PROJECT_RE.search(text)
        new = f'{text[:header.end()]}\nlanguages = ["{lang}"]{text[header.end():]}'
    else:
        new = f'{text.rstrip()}\n\n[project]\nlanguages = ["{lang}"]\n'.lstrip()
    try:
        ok = _project_languages(new) == [*(before or []), lang]
    except tomllib.TOMLDecodeError:
        ok = False
    if not ok:
        raise HandbillError(f"could not add {lang} to [project] languages safely; add it by "
                            "hand", path)
    return write_if_changed(path, new.encode("utf-8"))


_YAML_KEY_RE = re.compile(r"^languages[ \t]*:[ \t]*(?P<value>[^#\n]*?)[ \t]*(?P<comment>#.*)?$",
                          re.M)


def _yaml_list_edit(text: str, lang: str, initial: list[str]) -> str:
    """campaign.yml's text with `lang` added to its top-level `languages:` list (created, with
    `initial` first, when the campaign has none)."""
    match = _YAML_KEY_RE.search(text)
    if match is None:
        line = f"languages: [{', '.join([*initial, lang])}]\n"
        source = re.search(r"^source_language[ \t]*:.*\n?", text, re.M)
        at = source.end() if source else len(text)
        prefix = "" if at == 0 or text[at - 1] == "\n" else "\n"
        return text[:at] + prefix + line + text[at:]
    value = match.group("value")
    if value.startswith("[") and value.endswith("]"):  # flow: languages: [es, fr]
        start, end = match.start("value") + 1, match.end("value") - 1
        return text[:start] + _append_to_flow(text[start:end], lang) + text[end:]
    if value in ("", "null", "~"):
        rest = text[match.end():]
        items = re.match(r"(?:\n[ \t]*(?:#.*)?(?=\n)|\n([ \t]*)-[ \t]+[^\n]*)*", rest)
        block = items.group(0)
        dashes = re.findall(r"\n([ \t]*)-[ \t]", block)
        if dashes:  # block: languages:\n  - es\n  - fr
            last = block.rfind("\n" + dashes[-1] + "-")
            end = block.index("\n", last + 1) if "\n" in block[last + 1:] else len(block)
            at = match.end() + end
            return text[:at] + f"\n{dashes[-1]}- {lang}" + text[at:]
        start, end = match.start("value"), match.end("value")
        space = "" if text[start - 1] in " \t" else " "
        return text[:start] + f"{space}[{', '.join([*initial, lang])}]" + text[end:]
    raise ValueError("not a list")


def _load(text: str) -> dict:
    # BaseLoader keeps every scalar the string typed (`no` stays "no"), as campaign files are read.
    data = yaml.load(text, Loader=yaml.BaseLoader)  # noqa: S506 - BaseLoader builds no objects
    return data if isinstance(data, dict) else {}


def add_campaign_language(path: Path, lang: str, initial: list[str]) -> bool:
    """Add `lang` to the `languages:` list of a campaign.yml; True if the file changed.

    A campaign without the list gets one: `initial` (the languages it served until now) and
    `lang`. Flow (`[a, b]`) and block (`- a`) lists keep their style, comments stay.
    """
    text = path.read_text(encoding="utf-8")
    before = _load(text)
    listed = before.get("languages")
    if isinstance(listed, list) and lang in listed:
        return False
    initial = [code for code in initial if code != lang]
    expected = {**before, "languages": [*(listed if isinstance(listed, list) else initial), lang]}
    try:
        new = _yaml_list_edit(text, lang, initial)
        ok = _load(new) == expected
    except (ValueError, yaml.YAMLError):
        ok = False
    if not ok:
        raise HandbillError(f"could not add {lang} to `languages:` safely; add it to the list "
                            "by hand", path)
    return write_if_changed(path, new.encode("utf-8"))
