"""leaflet.md -> blocks: one message per heading, paragraph, list item or quote (CommonMark).

Inline markup stays inside the message, as po4a and mdpo do; raw HTML, unclosed fences and
misplaced front matter are errors with their line, never silently mangled output.
"""

from __future__ import annotations

from pathlib import Path

from markdown_it import MarkdownIt

from pipeline.errors import SourceError
from pipeline.model import Block

PAPERS = ("A5", "A4", "Letter")
_MAX_SOURCE_BYTES = 2_000_000


_md = MarkdownIt("commonmark")


def _read_text_file(path: Path, rel: str) -> str:
    raw = path.read_bytes()
    if len(raw) > _MAX_SOURCE_BYTES:
        raise SourceError("the file is larger than 2 MB; a leaflet should be much shorter", rel)
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    if b"\x00" in raw:
        raise SourceError("the file contains a NUL byte; save it as UTF-8 text", rel,
                          raw[: raw.index(b"\x00")].count(b"\n") + 1)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SourceError(f"not UTF-8: bytes {raw[exc.start:exc.end]!r} (Latin-1?); save the file "
                          "as UTF-8", rel, raw[: exc.start].count(b"\n") + 1) from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def read_leaflet(path: Path, rel: str) -> tuple[list[Block], str | None]:
    """Markdown -> blocks (one message per heading, paragraph, list item or quote)."""
    text = _read_text_file(path, rel)
    lines = text.split("\n")
    offset, paper = 0, None
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is not None and lines[first].strip() == "---":
        if first != 0:
            raise SourceError("front matter (---) must start on the first line of the file", rel,
                              first + 1)
        close = next((i for i in range(1, len(lines)) if lines[i].strip() in ("---", "...")), None)
        if close is None:
            raise SourceError("the front matter opened on line 1 is never closed; add a line "
                              "with --- after it", rel, 1)
        front = _parse_front_matter(lines[1:close], rel)
        paper = front.get("paper")
        offset = close + 1
    body = "\n".join(lines[offset:])
    blocks: list[Block] = []
    stack: list[str] = []
    list_number = 0
    list_info: list[tuple[int, bool, int]] = []
    tokens = _md.parse(body)
    for i, tok in enumerate(tokens):
        line = (tok.map[0] + 1 + offset) if tok.map else 0
        if tok.type in ("bullet_list_open", "ordered_list_open"):
            list_number += 1
            start = int(tok.attrGet("start") or 1) if tok.type == "ordered_list_open" else 1
            list_info.append((list_number, tok.type == "ordered_list_open", start))
        elif tok.type in ("bullet_list_close", "ordered_list_close"):
            list_info.pop()
        elif tok.type.endswith("_open"):
            stack.append(tok.type[:-5])
        elif tok.type.endswith("_close"):
            stack.pop()
        elif tok.type == "inline":
            content = _inline_text(tok, rel, line)
            if not content:
                continue
            parent = stack[-1] if stack else "paragraph"
            if parent == "heading":
                level = int(tokens[i - 1].tag[1])
                blocks.append(Block("heading", content, line, level=level))
            elif "list_item" in stack:
                number, ordered, start = list_info[-1]
                blocks.append(Block("item", content, line, level=number, ordered=ordered,
                                    start=start))
            elif "blockquote" in stack:
                blocks.append(Block("quote", content, line))
            else:
                blocks.append(Block("paragraph", content, line))
        elif tok.type in ("fence", "code_block"):
            body_lines = body.rstrip("\n").split("\n")
            if tok.type == "fence" and tok.map and tok.map[1] >= len(body_lines):
                closing = body_lines[tok.map[1] - 1].strip()
                if not closing.startswith(tok.markup) or tok.map[1] - tok.map[0] < 2:
                    raise SourceError("the code fence opened here is never closed; add a line "
                                      f"with {tok.markup}", rel, line)
            blocks.append(Block("code", tok.content, line))
        elif tok.type == "hr":
            blocks.append(Block("rule", "", line))
        elif tok.type == "html_block":
            raise SourceError("raw HTML is not allowed in the leaflet; write it in Markdown "
                              "(**bold**, [link](https://...))", rel, line)
    return blocks, paper


def _parse_front_matter(lines: list[str], rel: str) -> dict:
    front = {}
    for number, line in enumerate(lines, 2):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        key, sep, value = line.partition(":")
        key, value = key.strip(), value.strip().strip("\"'")
        if not sep:
            raise SourceError("front matter lines must look like `paper: A4`", rel, number)
        if key != "paper":
            raise SourceError(f"unknown front matter field `{key}`; known: paper", rel, number)
        if value not in PAPERS:
            raise SourceError(f"paper must be one of {', '.join(PAPERS)}", rel, number)
        front[key] = value
    return front


def _inline_text(tok, rel: str, line: int) -> str:
    for child in tok.children or []:
        if child.type == "html_inline":
            raise SourceError(f"raw HTML {child.content!r} is not allowed in the leaflet; use "
                              "Markdown instead", rel, line)
    parts = tok.content.split("\n")
    out = []
    for k, part in enumerate(parts):
        hard = k < len(parts) - 1 and (part.endswith("  ") or part.endswith("\\"))
        part = part.strip()
        if hard:
            part = part.rstrip("\\").rstrip()
        out.append(part + ("\n" if hard else " "))
    return "".join(out).strip()
