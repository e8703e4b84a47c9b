"""YAML for writers: every scalar stays the string typed, with line numbers; no surprises.

PyYAML's safe loader still retypes `no` to False, `012345` to 5349 (octal) and `12:30` to 750
(sexagesimal), and a value written as `#FreeAssangeNOW` silently becomes null because YAML reads
it as a comment. Here the composer's node tree is converted by hand: plain scalars stay strings,
explicit tags, anchors and aliases (the "billion laughs" bomb) and duplicate keys are errors,
and an empty value whose line holds `#word` asks the writer to quote it.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from pipeline import files
from pipeline.errors import SourceError

_STANDARD_TAGS = {
    "tag:yaml.org,2002:str", "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq",
    "tag:yaml.org,2002:null", "tag:yaml.org,2002:bool", "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float", "tag:yaml.org,2002:timestamp",
}
_MAX_BYTES = 2_000_000


class YMap(dict):
    """A mapping that remembers the line of each key and its own line."""

    line: int = 0
    lines: dict


class YList(list):
    line: int = 0
    lines: list


class _Composer(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """Composes nodes only; resolution of plain scalars is ignored by _convert."""


def _convert(node: yaml.Node, path: Path, text_lines: list[str], seen: set[int]):
    line = node.start_mark.line + 1
    if id(node) in seen:
        raise SourceError("anchors and aliases (&name, *name) are not allowed in campaign files; "
                          "write the value out", path, line)
    seen.add(id(node))
    if node.tag not in _STANDARD_TAGS:
        raise SourceError(f"the tag {node.tag!r} is not allowed; campaign files hold plain text, "
                          "lists and mappings", path, line)
    if isinstance(node, yaml.ScalarNode):
        if not node.style and node.value == "":
            rest = text_lines[node.start_mark.line][node.start_mark.column:]
            match = re.match(r"\s*#(\S+)", rest)
            if match:
                raise SourceError(
                    f"'#{match.group(1)}' is read by YAML as a comment, so this value is empty; "
                    f"put it in quotes: \"#{match.group(1)}\"", path, line)
            return None
        return node.value
    if isinstance(node, yaml.SequenceNode):
        out = YList()
        out.line, out.lines = line, []
        for item in node.value:
            out.append(_convert(item, path, text_lines, seen))
            out.lines.append(item.start_mark.line + 1)
        return out
    if isinstance(node, yaml.MappingNode):
        out = YMap()
        out.line, out.lines = line, {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise SourceError("a key must be plain text", path, key_node.start_mark.line + 1)
            if key_node.value == "<<":
                raise SourceError("merge keys (<<) are not allowed", path,
                                  key_node.start_mark.line + 1)
            key = key_node.value
            if key in out:
                raise SourceError(f"duplicate key {key!r}; the first one is at line "
                                  f"{out.lines[key]}", path, key_node.start_mark.line + 1)
            out[key] = _convert(value_node, path, text_lines, seen)
            out.lines[key] = key_node.start_mark.line + 1
        return out
    raise SourceError("unsupported YAML node", path, line)


def load_yaml(path: Path, relpath: str | None = None, project: Path | None = None) -> object:
    """Load a YAML file into YMap/YList/str/None, or raise SourceError(path, line).

    With `project`, the file must lie in its source/ folder (no symlink out of it); it is
    read only if it is a regular file either way (a FIFO or a device is an error)."""
    shown = relpath or str(path)
    raw = (files.read_inside(path, project, "source", shown, SourceError) if project
           else files.read_regular(path, shown, SourceError))
    if len(raw) > _MAX_BYTES:
        raise SourceError(f"the file is larger than {_MAX_BYTES // 1_000_000} MB", shown)
    return parse_yaml(_decode(raw, shown), shown)


def parse_yaml(text: str, shown: str) -> object:
    """YAML text -> YMap/YList/str/None, or SourceError(shown, line). Lines count from the
    text's first line (prefix newlines to place a fragment, e.g. front matter)."""
    if "\t" in text:
        for number, text_line in enumerate(text.split("\n"), 1):
            stripped = text_line.lstrip(" ")
            if stripped.startswith("\t"):
                raise SourceError("a tab is used for indentation; YAML allows only spaces", shown,
                                  number)
    try:
        node = yaml.compose(text, Loader=_Composer)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or "invalid YAML"
        hint = ""
        bad_line = text.split("\n")[mark.line] if mark and mark.line < text.count("\n") + 1 else ""
        if "#" in bad_line or "'#'" in problem:
            hint = "; if this is a hashtag or starts with a special character, put it in quotes"
        raise SourceError(f"invalid YAML: {problem}{hint}", shown,
                          mark.line + 1 if mark else None) from None
    except yaml.YAMLError as exc:
        raise SourceError(f"invalid YAML: {exc}", shown) from None
    if node is None:
        return None
    return _convert(node, Path(shown), text.split("\n"), set())


def _decode(raw: bytes, shown: str) -> str:
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    if b"\x00" in raw:
        line = raw[: raw.index(b"\x00")].count(b"\n") + 1
        raise SourceError("the file contains a NUL byte; save it as UTF-8 text", shown, line)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise SourceError(f"not UTF-8: bytes {raw[exc.start:exc.end]!r}; save the file as UTF-8",
                          shown, line) from None
    return text.replace("\r\n", "\n")
