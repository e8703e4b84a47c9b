"""Front matter of a Markdown page: YAML (`---`, Jekyll, Hugo) or TOML (`+++`, Hugo).

handbill's own key in a leaflet is `paper`. Pages brought from a static-site generator carry
others (title, description, type, layout, weight, date, draft, tags…): they are not refused one
at a time, but reported together once as ignored, so a coordinator sees the whole list in one
run. `handbill new --from` takes `title` and `description` (or `summary`) into campaign.yml.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field

from pipeline.errors import Problems, SourceError
from pipeline.sources.yamlstrict import YList, YMap, parse_yaml

PAPERS = ("A5", "A4", "Letter")
HANDBILL_KEYS = ("paper",)
# Keys `handbill new --from` turns into campaign.yml's title and summary.
TITLE_KEYS, SUMMARY_KEYS = ("title",), ("description", "summary")
_FENCES = {"---": ("yaml", ("---", "...")), "+++": ("toml", ("+++",))}


@dataclass
class FrontMatter:
    """The keys of a page's front matter with their lines; `end`: the body's first line index."""

    kind: str = ""  # yaml | toml | "" (none)
    values: dict[str, object] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)
    end: int = 0  # index (0-based) of the first line after the closing fence
    first: int = 0  # 1-based line of the opening fence

    def text(self, keys: tuple[str, ...]) -> tuple[str, int] | None:
        """The first of `keys` holding text, with its line."""
        for key in keys:
            value = self.values.get(key)
            if isinstance(value, str) and value.strip():
                return " ".join(value.split()), self.lines.get(key, self.first)
        return None

    def ignored(self, used: tuple[str, ...]) -> list[tuple[str, int]]:
        return [(key, self.lines.get(key, self.first)) for key in self.values if key not in used]


def split(lines: list[str], rel: str, problems: Problems) -> FrontMatter:
    """Find and parse front matter at the top of a page's lines; problems go to `problems`."""
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is None:
        return FrontMatter()
    fence = lines[first].strip()
    if fence not in _FENCES:
        return FrontMatter()
    kind, closers = _FENCES[fence]
    if first != 0:
        if kind == "toml":
            return FrontMatter()  # `+++` further down is text, not front matter
        problems.add(f"front matter ({fence}) must start on the first line of the file", rel,
                     first + 1)
        return FrontMatter()
    close = next((i for i in range(1, len(lines)) if lines[i].strip() in closers), None)
    if close is None:
        problems.add(f"the front matter opened on line 1 is never closed; add a line with "
                     f"{closers[0]} after it", rel, 1)
        return FrontMatter(end=len(lines))
    front = FrontMatter(kind=kind, end=close + 1, first=1)
    body = "\n".join(lines[1:close])
    try:
        if kind == "yaml":
            _from_yaml(front, body, rel)
        else:
            _from_toml(front, body, lines[1:close])
    except SourceError as exc:
        problems.add_error(exc)
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"line (\d+)", str(exc))
        line = int(match.group(1)) + 1 if match else 1
        problems.add(f"invalid TOML front matter: {re.sub(r' [(]at .*', '', str(exc))}", rel,
                     line)
    return front


def _from_yaml(front: FrontMatter, body: str, rel: str) -> None:
    data = parse_yaml("\n" + body, rel)  # one newline: the opening fence is line 1
    if data is None:
        return
    if not isinstance(data, YMap):
        raise SourceError("front matter must be `key: value` lines", rel, 2)
    for key, value in data.items():
        front.values[key] = _plain(value)
        front.lines[key] = data.lines[key]


def _from_toml(front: FrontMatter, body: str, lines: list[str]) -> None:
    data = tomllib.loads(body)
    for key, value in data.items():
        front.values[key] = value if isinstance(value, str) else str(value)
        number = next((i for i, line in enumerate(lines, 2)
                       if re.match(rf"\s*[\"']?{re.escape(key)}[\"']?\s*=", line)), 1)
        front.lines[key] = number


def _plain(value: object) -> object:
    if isinstance(value, YList):
        return [_plain(v) for v in value]
    if isinstance(value, YMap):
        return {k: _plain(v) for k, v in value.items()}
    return value


def leaflet_settings(front: FrontMatter, rel: str, problems: Problems) -> str | None:
    """The leaflet's `paper`, validated; every other key reported once, as ignored."""
    paper = None
    if "paper" in front.values:
        value = front.values["paper"]
        if value not in PAPERS:
            problems.add(f"paper must be one of {', '.join(PAPERS)}", rel, front.lines["paper"])
        else:
            paper = value
    ignored = front.ignored(HANDBILL_KEYS)
    if ignored:
        listed = ", ".join(f"{key} (line {line})" for key, line in ignored)
        problems.warn(f"front matter keys not used by handbill are ignored: {listed}; handbill "
                      "reads only `paper:` here (the title and summary belong in campaign.yml)",
                      rel, ignored[0][1])
    return paper
