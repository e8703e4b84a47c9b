"""leaflet.md -> a tree of blocks (CommonMark), one message per heading and paragraph.

The tree keeps CommonMark's meaning: a quote holding a heading, paragraphs and two lists stays
one quote with its heading and lists inside; a list item holds any blocks. Inline markup stays
inside the message, as po4a and mdpo do. Reference definitions (`[fs]: https://… "title"`) keep
their URL and give their title to translators; a shortcut reference (`[Free Software]`) is
written out as a full one (`[Free Software][free software]`) in the message, so a translator
can translate the link text without breaking the link. Images come from the campaign folder
only. HTML comments are writers' notes, passed to translators with the next message.

Nothing is dropped silently: every non-blank line must end up in a block, a note, a reference
or the front matter (`coverage`), or it is an error with its line. All problems of the file are
reported in one run (errors.Problems).
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote

from markdown_it import MarkdownIt
from markdown_it.common.utils import normalizeReference

from pipeline import files, shortcodes
from pipeline.errors import Problems, SourceError
from pipeline.model import Block, Leaflet, Reference
from pipeline.sources import frontmatter
from pipeline.sources.images import image_problem

PAPERS = frontmatter.PAPERS
MAX_DEPTH = 16  # lists and quotes inside each other
_MAX_SOURCE_BYTES = 2_000_000
# markdown-it stops reading (silently) past `maxNesting` levels of tokens; a list level costs
# two (list, item). 64 lets MAX_DEPTH + 1 levels be read, so they are reported, not lost.
_md = MarkdownIt("commonmark", {"inline_definitions": True, "maxNesting": 64})
_WEB_LINK_RE = re.compile(r"^(https?://|mailto:)", re.I)
_COMMENT_RE = re.compile(r"<!--(.*?)-->", re.S)
_CODE_SPAN_RE = re.compile(r"(`+)(?!`).*?(?<!`)\1(?!`)", re.S)
_REF_RE = re.compile(r"(?<![\]\\])(!?)\[((?:[^\[\]\\]|\\.)+)\](\[\])?(?![\[(:])")
_EMPTY_ITEM_RE = re.compile(r"^\s*(?:[-+*]|\d{1,9}[.)])\s*$")


def read_text_file(path: Path, rel: str, project: Path | None = None) -> str:
    """A source text file as str: UTF-8 (BOM dropped), LF line ends; SourceError otherwise.
    Only a regular file is read; with `project`, one whose real path lies in its source/."""
    raw = (files.read_inside(path, project, "source", rel, SourceError) if project
           else files.read_regular(path, rel, SourceError))
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


def read_leaflet(path: Path, rel: str, problems: Problems | None = None,
                 project: Path | None = None) -> tuple[Leaflet, str | None]:
    """leaflet.md -> (Leaflet, paper from its front matter). Problems are added to
    `problems`, or raised together as one SourceErrors when none is given."""
    own = problems is None
    problems = problems if problems is not None else Problems()
    try:
        text = read_text_file(path, rel, project)
    except SourceError as exc:
        problems.add_error(exc)
        if own:
            problems.raise_if_any()
        return Leaflet(), None
    leaflet = parse_leaflet(text, rel, problems, campaign_dir=path.parent)
    if own:
        problems.raise_if_any()
    return leaflet, leaflet.paper


class _Node:
    """A block while the tree is built (Block is frozen)."""

    def __init__(self, kind: str, line: int, **attrs):
        self.kind, self.line, self.attrs = kind, line, attrs
        self.children: list[_Node] = []
        self.notes: list[str] = []

    def freeze(self) -> Block:
        return Block(self.kind, line=self.line, children=tuple(c.freeze() for c in self.children),
                     notes=tuple(self.notes), **self.attrs)


class _Reader:
    """One pass over markdown-it's tokens of a page's body."""

    def __init__(self, rel: str, problems: Problems, offset: int, body: str,
                 campaign_dir: Path | None, strict: bool):
        self.rel, self.problems, self.offset = rel, problems, offset
        self.lines = body.split("\n")
        self.campaign_dir, self.strict = campaign_dir, strict
        self.env: dict = {}
        self.references: list[Reference] = []
        self.images: dict[str, str] = {}
        self.image_srcs: set[str] = set()
        self.coverage: list[tuple[int, int, str]] = []
        self.pending_notes: list[str] = []
        self.last_message: _Node | None = None
        self.too_deep = False

    def line_of(self, tok) -> int:
        return tok.map[0] + 1 + self.offset if tok.map else self.offset + 1

    def cover(self, tok, what: str) -> None:
        if tok.map:
            self.coverage.append((tok.map[0] + 1 + self.offset, tok.map[1] + 1 + self.offset, what))

    def error(self, message: str, line: int) -> None:
        if self.strict:
            self.problems.add(message, self.rel, line)

    def read(self, body: str) -> list[_Node]:
        tokens = _md.parse(body, self.env)
        self._definitions(tokens)
        root = _Node("root", 0)
        stack = [root]
        leaf: dict | None = None
        for tok in tokens:
            top = stack[-1]
            line = self.line_of(tok)
            if tok.type in ("blockquote_open", "bullet_list_open", "ordered_list_open"):
                node = _Node("quote", line) if tok.type == "blockquote_open" else _Node(
                    "list", line, ordered=tok.type == "ordered_list_open",
                    start=int(tok.attrGet("start") or 1), tight=True)
                top.children.append(node)
                stack.append(node)
                depth = sum(n.kind in ("quote", "list") for n in stack)
                if depth > MAX_DEPTH and not self.too_deep:
                    self.too_deep = True
                    self.problems.add(f"lists and quotes are nested {depth} levels deep here; "
                                      f"handbill reads up to {MAX_DEPTH}: flatten them", self.rel,
                                      line)
            elif tok.type == "list_item_open":
                node = _Node("item", line)
                top.children.append(node)
                stack.append(node)
                if tok.map and _EMPTY_ITEM_RE.match(self.lines[tok.map[0]]):
                    self.coverage.append((line, line + 1, "empty list item"))
            elif tok.type in ("blockquote_close", "bullet_list_close", "ordered_list_close",
                              "list_item_close"):
                stack.pop()
            elif tok.type in ("paragraph_open", "heading_open"):
                leaf = {"kind": "paragraph" if tok.type == "paragraph_open" else "heading",
                        "line": line, "end": (tok.map[1] + 1 + self.offset) if tok.map else line,
                        "level": int(tok.tag[1]) if tok.type == "heading_open" else 0}
                self.cover(tok, leaf["kind"])
                if tok.type == "paragraph_open" and top.kind == "item" and not tok.hidden:
                    stack[-2].attrs["tight"] = False  # markdown-it hides a tight list's <p>
            elif tok.type == "inline" and leaf is not None:
                self._leaf(top, leaf, tok)
                leaf = None
            elif tok.type in ("fence", "code_block"):
                self._code(top, tok, line)
            elif tok.type == "hr":
                top.children.append(_Node("rule", line))
                self.cover(tok, "rule")
            elif tok.type == "html_block":
                self._html_block(tok, line)
            elif tok.type == "definition":
                self.cover(tok, "reference definition")
        if self.pending_notes and self.last_message is not None:
            self.last_message.notes.extend(self.pending_notes)  # notes at the end: last message
        elif self.pending_notes:
            self.error("a writers' note (<!-- … -->) with no text to go with; write it before "
                       "the paragraph it is about", self.offset + 1)
        return root.children

    def _definitions(self, tokens) -> None:
        for tok in tokens:
            if tok.type == "definition":
                meta = tok.meta
                self.references.append(Reference(meta["id"], meta["url"], meta["title"] or "",
                                                 self.line_of(tok), meta["label"]))
        for dup in self.env.get("duplicate_refs", []):
            first = next(r for r in self.references if r.label == dup["label"])
            self.error(f"the reference [{first.name}] is defined twice; the first one (line "
                       f"{first.line}) is the one used: remove or rename this one",
                       dup["map"][0] + 1 + self.offset)
        # Only the first definition of a label counts (CommonMark).
        seen: set[str] = set()
        self.references = [r for r in self.references if not (r.label in seen or seen.add(r.label))]

    def _leaf(self, top: _Node, leaf: dict, tok) -> None:
        text, notes = self._inline_text(tok, leaf["line"])
        token_lines = tuple((shortcodes.normalize(t), self._line_in(tok, leaf["line"], t))
                            for t in dict.fromkeys(shortcodes.find(tok.content)))
        node = _Node(leaf["kind"], leaf["line"], text=text, end=leaf["end"], level=leaf["level"],
                     translatable=not _nothing_to_translate(tok, text), token_lines=token_lines)
        node.notes = self.pending_notes + notes
        self.pending_notes = []
        top.children.append(node)
        if node.attrs["translatable"] and text:
            self.last_message = node

    def _code(self, top: _Node, tok, line: int) -> None:
        self.cover(tok, "code")
        body_lines = self.lines
        while body_lines and not body_lines[-1].strip():
            body_lines = body_lines[:-1]
        if tok.type == "fence" and tok.map and tok.map[1] >= len(body_lines):
            closing = body_lines[tok.map[1] - 1].strip() if body_lines else ""
            if not closing.startswith(tok.markup) or tok.map[1] - tok.map[0] < 2:
                self.error("the code fence opened here is never closed; add a line with "
                           f"{tok.markup}", line)
        top.children.append(_Node("code", line, text=tok.content))

    def _html_block(self, tok, line: int) -> None:
        self.cover(tok, "writers' note")
        content = tok.content
        if content.lstrip().startswith("<!--") and "-->" not in content:
            self.error("the HTML comment opened here is never closed; add --> where it ends",
                       line)
            return
        rest = _COMMENT_RE.sub("", content).strip()
        if rest and "<" not in rest:
            self.error("text after an HTML comment on the same line is not read; start it on "
                       "a line of its own", line)
            return
        if rest:
            self.error("raw HTML is not allowed in the leaflet; write it in Markdown (**bold**, "
                       "[link](https://...)); an HTML comment (<!-- … -->) is a note for "
                       "translators", line)
            return
        self.pending_notes.extend(_notes(content))

    def _inline_text(self, tok, line: int) -> tuple[str, list[str]]:
        """A leaf's message: lines joined (hard breaks kept as \\n), comments taken out as
        notes, shortcut references written out; links and images checked."""
        content, notes = tok.content, []
        children = tok.children or []
        for child in children:
            if child.type == "html_inline" and not child.content.startswith("<!--"):
                self.error(f"raw HTML {child.content!r} is not allowed in the leaflet; use "
                           "Markdown instead", self._line_in(tok, line, child.content))
        if any(c.type == "html_inline" and c.content.startswith("<!--") for c in children):
            content, notes = _take_comments(content)
        text = join_lines(content)
        text = self._full_references(text)
        self._check_links(children, tok, line)
        return text, notes

    def _line_in(self, tok, line: int, piece: str) -> int:
        index = tok.content.find(piece)
        return line + tok.content[:index].count("\n") if index > 0 else line

    def _full_references(self, text: str) -> str:
        refs = self.env.get("references")
        if not refs or "[" not in text:
            return text
        for match in reversed(list(_REF_RE.finditer(text))):
            label = match.group(2)
            if normalizeReference(label) not in refs:
                continue
            candidate = (text[:match.start()] + f"{match.group(1)}[{label}][{label}]"
                         + text[match.end():])
            if _md.renderInline(candidate, dict(self.env)) == _md.renderInline(text, dict(self.env)):
                text = candidate
        return text

    def _check_links(self, children, tok, line: int) -> None:
        ref_urls = {r.url for r in self.references}
        for child in _flatten(children):
            if child.type == "link_open":
                href = child.attrGet("href") or ""
                if not _WEB_LINK_RE.match(href) and href not in ref_urls:
                    self.error(f"the link {href or '(empty)'!r} is not a web address; a printed "
                               "leaflet needs a full one: write https://…, or remove the link",
                               self._line_in(tok, line, href) if href else line)
            elif child.type == "image":
                src = child.attrGet("src") or ""
                self.image_srcs.add(src)
                self._image(src, self._line_in(tok, line, "!["))

    def _image(self, src: str, line: int) -> None:
        if src in self.images or not self.strict:
            return
        problem = image_problem(src, self.campaign_dir)
        if problem:
            self.error(problem, line)
        elif self.campaign_dir is not None:
            self.images[src] = unquote(src)

    def finish(self) -> None:
        """Definitions no link or image used with a non-web URL: an error, not a lost link."""
        for ref in self.references:
            if not _WEB_LINK_RE.match(ref.url) and ref.url not in self.image_srcs:
                self.error(f"the reference [{ref.name}] points to {ref.url!r}, which is not a "
                           "web address; write https://… (images: use it as ![text][label])",
                           ref.line)


def _flatten(children):
    for child in children:
        yield child
        if child.children:
            yield from _flatten(child.children)


def _notes(content: str) -> list[str]:
    return [" ".join(m.split()) for m in _COMMENT_RE.findall(content) if m.strip()]


def _take_comments(content: str) -> tuple[str, list[str]]:
    """Inline HTML comments out of a text (not inside code spans), as notes."""
    notes: list[str] = []
    out, pos = [], 0
    for span in list(_CODE_SPAN_RE.finditer(content)) + [None]:
        end = span.start() if span else len(content)
        part = content[pos:end]
        notes += _notes(part)
        out.append(_COMMENT_RE.sub("", part))
        if span:
            out.append(span.group())
            pos = span.end()
    text = re.sub(r"[ \t]{2,}(?=\S)", " ", "".join(out))
    return text, notes


def join_lines(content: str) -> str:
    """A paragraph's lines as one message: soft breaks become spaces, hard ones \\n."""
    parts = content.split("\n")
    out = []
    for k, part in enumerate(parts):
        hard = k < len(parts) - 1 and (part.endswith("  ") or part.endswith("\\"))
        part = part.strip()
        if hard:
            part = part.rstrip("\\").rstrip()
        out.append(part + ("\n" if hard else " "))
    return "".join(out).strip()


def _nothing_to_translate(tok, text: str) -> bool:
    """Template tokens only, or images without alt text only: no message for translators."""
    if shortcodes.only_tokens(text):
        return True
    children = [c for c in tok.children or [] if not (c.type in ("softbreak", "hardbreak") or
                (c.type == "text" and not c.content.strip()))]
    return bool(children) and all(c.type == "image" and not c.content.strip() for c in children)


def _blank(line: str) -> bool:
    return not re.sub(r"^[\s>]*", "", line).strip()


def parse_leaflet(text: str, rel: str, problems: Problems, campaign_dir: Path | None = None,
                  strict: bool = True) -> Leaflet:
    """A page's text -> Leaflet. `strict=False` (a translated page being imported) reads what
    it can and leaves links, images and HTML unchecked."""
    lines = text.split("\n")
    front = frontmatter.split(lines, rel, problems if strict else Problems())
    paper = frontmatter.leaflet_settings(front, rel, problems) if strict else None
    body = "\n".join(lines[front.end:])
    reader = _Reader(rel, problems, front.end, body, campaign_dir, strict)
    blocks = tuple(n.freeze() for n in reader.read(body))
    reader.finish()
    coverage = list(reader.coverage)
    if front.end:
        coverage.append((1, front.end + 1, "front matter"))
    if strict and not reader.too_deep:
        covered = set()
        for first, after, _ in coverage:
            covered.update(range(first, after))
        lost = [n for n, line in enumerate(lines, 1) if n not in covered and not _blank(line)]
        if lost:
            problems.add("this line was not read as Markdown (nested too deeply?); flatten the "
                         "structure around it", rel, lost[0])
    found = [(k, v) for k, v in (("title", front.text(frontmatter.TITLE_KEYS)),
                                 ("summary", front.text(frontmatter.SUMMARY_KEYS))) if v]
    return Leaflet(blocks=blocks, references=tuple(reader.references),
                   images=tuple(reader.images.items()), paper=paper,
                   front=tuple((k, v[0]) for k, v in found),
                   front_lines={k: v[1] for k, v in found}, coverage=tuple(sorted(coverage)))
