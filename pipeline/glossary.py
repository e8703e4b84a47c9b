"""The glossary: a source term's agreed rendering per language, for `check` and the engines.

One data model (model.Term) serves both things a team agrees on:
- `glossary:` in campaign.yml, and a project-wide glossary.csv or glossary.tbx beside
  handbill.toml: a term and its rendering per language (`extradition: {es: extradición}`);
- `protected_terms:` entries with spellings (`{term: Julian Assange, ar: جوليان أسانج}`): a
  name readers of some scripts expect spelled their way. The original spelling stays right.

A campaign's own entries win over the project's for the same term and language. The TBX file is
read with the standard library's expat, hardened as defusedxml does: entity declarations and
external entities are refused (a document type line without them is fine, as TBX files carry
one), so a hostile file cannot expand entities or make the parser read other files.
"""

from __future__ import annotations

import csv
import io
import logging
import re
import xml.etree.ElementTree as ET
from xml.parsers import expat
from pathlib import Path
from typing import Iterable, Iterator

from pipeline.errors import HandbillError, SourceError
from pipeline.model import Term
from pipeline.names import validate_language

# campaign.yml arrives as sources.yamlstrict's YMap and YList: a dict and a list that know the
# line of each item (`.lines`). Typed here by what they are, so this module needs nothing of
# the sources package, which imports it.
YMap, YList = dict, list

log = logging.getLogger(__name__)

CSV_FILE, TBX_FILE = "glossary.csv", "glossary.tbx"
_MAX_BYTES = 5_000_000
_NOTE_COLUMNS = {"note", "notes", "comment", "description"}
_TRUE = {"yes", "y", "true", "1", "x"}
_WORD = r"\p{L}\p{M}\p{N}_"
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def fold(term: str) -> str:
    """A term as glossaries compare it: case and the apostrophe's shape do not matter."""
    return term.replace("’", "'").casefold()


def occurs(text: str, term: str, whole_word: bool = True) -> bool:
    """Whether `term` occurs in `text`, ignoring case (a suffix may follow if not whole_word)."""
    import regex  # here: reading a campaign needs none of it (9 ms of a command's start)

    body = "".join("['’]" if ch in "'’" else regex.escape(ch) for ch in term)
    right = rf"(?![{_WORD}])" if whole_word else ""
    return regex.search(rf"(?<![{_WORD}]){body}{right}", text, regex.I) is not None


def in_text(terms: Iterable[Term], text: str) -> list[Term]:
    """The glossary entries whose term occurs in `text`, longest first."""
    return sorted((t for t in terms if occurs(text, t.text)), key=lambda t: -len(t.text))


def renderings(terms: Iterable[Term], lang: str, protected: bool | None = None
               ) -> dict[str, str]:
    """term -> preferred spelling in `lang`, for the entries that have one (all, or only the
    protected or only the other ones)."""
    out = {}
    for term in terms:
        if protected is None or term.protected == protected:
            spelled = term.spellings(lang)
            if spelled:
                out[term.text] = spelled[0]
    return out


def problems(terms: Iterable[Term], source: str, target: str, lang: str) -> Iterator[str]:
    """What the `glossary` check reports: a term of the source rendered otherwise. In the
    translation a rendering may take a prefix or a suffix (Arabic للتسليم holds تسليم,
    Spanish extradiciones holds extradici...): it only has to occur, in any case."""
    folded = fold(target)
    for term in in_text((t for t in terms if not t.protected), source):
        spelled = term.spellings(lang)
        if spelled and not any(fold(s) in folded for s in spelled):
            shown = " or ".join(repr(s) for s in spelled)
            yield f"the glossary renders {term.text!r} as {shown}" + (
                f" ({term.origin})" if term.origin else "")


# ---------------------------------------------------------------------------- campaign.yml


def _spellings(value: object, rel: str, line: int, what: str) -> tuple[str, ...]:
    if isinstance(value, str) and value.strip():
        return (value.strip(),)
    if isinstance(value, YList) and value and all(isinstance(v, str) and v.strip()
                                                  for v in value):
        return tuple(v.strip() for v in value)
    raise SourceError(f"{what} must be a text or a list of texts", rel, line)


def _languages(entry: YMap, rel: str, skip: set[str]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    out = []
    for code, value in entry.items():
        if code in skip:
            continue
        line = entry.lines[code]
        try:
            lang = validate_language(code, f"{rel}:{line}")
        except HandbillError as exc:
            raise SourceError(exc.message, rel, line) from None
        out.append((lang, _spellings(value, rel, line, f"the {lang} spelling")))
    return tuple(out)


def read_protected_terms(data: YMap, rel: str) -> tuple[tuple[str, ...], tuple[Term, ...]]:
    """`protected_terms:` -> (the terms, glossary entries for those with spellings). An item is
    a term, or `{term: Julian Assange, ar: جوليان أسانج, hi: जूलियन असांज}`."""
    value = data.get("protected_terms")
    line = data.lines.get("protected_terms", data.line)
    if value is None:
        return (), ()
    if not isinstance(value, YList):
        raise SourceError("`protected_terms` must be a list, e.g. `protected_terms: [a, b]`",
                          rel, line)
    terms, spelled = [], []
    for item, item_line in zip(value, value.lines):
        if isinstance(item, str) and item.strip():
            terms.append(item.strip())
            continue
        if not isinstance(item, YMap) or not isinstance(item.get("term"), str) \
                or not item["term"].strip():
            raise SourceError("a protected term is a text, or a mapping with `term:` and its "
                              "spelling per language (`{term: Julian Assange, ar: ...}`)", rel,
                              item_line)
        term = item["term"].strip()
        terms.append(term)
        spelled.append(Term(term, _languages(item, rel, {"term"}), protected=True,
                            origin=f"{rel}:{item_line}"))
    return tuple(terms), tuple(spelled)


def read_glossary(data: YMap, rel: str) -> tuple[Term, ...]:
    """`glossary:` -> entries: `term: {es: rendering, fr: [rendering, alternative]}`, with an
    optional `note:` for translators and engines."""
    value = data.get("glossary")
    if value is None:
        return ()
    if not isinstance(value, YMap):
        raise SourceError("`glossary` must map each term to its renderings, e.g. "
                          "`glossary: {extradition: {es: extradición}}`", rel,
                          data.lines.get("glossary"))
    out = []
    for term, entry in value.items():
        line = value.lines[term]
        if not isinstance(entry, YMap) or not term.strip():
            raise SourceError(f"the glossary entry {term!r} must map languages to renderings, "
                              f"e.g. `{term}: {{es: ...}}`", rel, line)
        note = entry.get("note")
        if note is not None and not isinstance(note, str):
            raise SourceError("a glossary note must be text", rel, entry.lines["note"])
        out.append(Term(term.strip(), _languages(entry, rel, {"note"}), note=(note or "").strip(),
                        origin=f"{rel}:{line}"))
    return tuple(out)


# ---------------------------------------------------------------------------- project files


def project_glossary(root: Path, source_language: str) -> tuple[Term, ...]:
    """The entries of glossary.csv and glossary.tbx beside handbill.toml, if there are any."""
    out: list[Term] = []
    for name, reader in ((CSV_FILE, _read_csv), (TBX_FILE, _read_tbx)):
        path = root / name
        if path.is_symlink() or (path.exists() and not path.is_file()):
            raise SourceError("is not a regular file; the glossary must be a file of the "
                              "project, not a link", name)
        if path.is_file():
            raw = path.read_bytes()
            if len(raw) > _MAX_BYTES:
                raise SourceError(f"is larger than {_MAX_BYTES // 1_000_000} MB; split it or "
                                  "keep only the terms the campaigns use", name)
            out += reader(raw, name, source_language)
    return tuple(out)


def combined(project: Iterable[Term], campaign: Iterable[Term]) -> tuple[Term, ...]:
    """The campaign's entries, then the project's; for the same term (protected or not) the
    campaign's spellings win language by language."""
    by_key: dict[tuple[str, bool], Term] = {}
    for term in campaign:
        by_key[(fold(term.text), term.protected)] = term
    for term in project:
        key = (fold(term.text), term.protected)
        mine = by_key.get(key)
        if mine is None:
            by_key[key] = term
            continue
        langs = {lang for lang, _ in mine.renderings}
        extra = tuple((lang, s) for lang, s in term.renderings if lang not in langs)
        by_key[key] = Term(mine.text, mine.renderings + extra, mine.protected,
                           mine.note or term.note, mine.origin)
    return tuple(by_key.values())


def _read_csv(raw: bytes, rel: str, source_language: str) -> list[Term]:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise SourceError("is not UTF-8; save it as UTF-8 (CSV UTF-8 in a spreadsheet)",
                          rel) from None
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        return []
    header = [cell.strip() for cell in rows[0]]
    first = header[0] if header else ""
    if first.lower() not in ("term", "source"):
        try:
            code = validate_language(first, f"{rel}:1")
        except HandbillError:
            raise SourceError("the first column's heading must be `term` or the source "
                              f"language ({source_language})", rel, 1) from None
        if code != source_language:
            log.info("%s: terms in %s, not %s: not used for this campaign", rel, code,
                     source_language)
            return []
    columns = []
    for cell in header[1:]:
        key = cell.lower()
        columns.append(key if key in _NOTE_COLUMNS | {"protected"} else
                       validate_language(cell, f"{rel}:1"))
    out, seen = [], {}
    for number, row in enumerate(rows[1:], 2):
        if not any(cell.strip() for cell in row):
            continue
        term = row[0].strip()
        if not term:
            raise SourceError("a row without a term in the first column", rel, number)
        if fold(term) in seen:
            raise SourceError(f"{term!r} is already at line {seen[fold(term)]}; keep one row "
                              "per term", rel, number)
        seen[fold(term)] = number
        langs, note, protected = [], "", False
        for key, cell in zip(columns, row[1:]):
            cell = cell.strip()
            if key in _NOTE_COLUMNS:
                note = cell
            elif key == "protected":
                protected = cell.lower() in _TRUE
            elif cell:
                langs.append((key, tuple(s.strip() for s in cell.split("|") if s.strip())))
        out.append(Term(term, tuple(langs), protected, note, f"{rel}:{number}"))
    return out


class _Forbidden(Exception):
    pass


def _forbid(*args: object) -> None:
    raise _Forbidden


def _read_tbx(raw: bytes, rel: str, source_language: str) -> list[Term]:
    # The C ElementTree parser hides its expat object, so the tree is built here from expat's
    # own events, with defusedxml's rules: no entity declarations (billion laughs), no
    # external entities, no parameter entities.
    parser = expat.ParserCreate(namespace_separator=" ")
    builder = ET.TreeBuilder()
    parser.StartElementHandler = lambda name, attrs: builder.start(
        _clark(name), {_clark(k): v for k, v in attrs.items()})
    parser.EndElementHandler = lambda name: builder.end(_clark(name))
    parser.CharacterDataHandler = builder.data
    parser.EntityDeclHandler = _forbid
    parser.UnparsedEntityDeclHandler = _forbid
    parser.ExternalEntityRefHandler = _forbid
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    try:
        parser.Parse(raw, True)
        root = builder.close()
    except _Forbidden:
        raise SourceError("declares entities; handbill reads TBX files without entity "
                          "declarations or external entities", rel) from None
    except expat.ExpatError as exc:
        raise SourceError(f"is not well-formed XML ({expat.ErrorString(exc.code)})", rel,
                          exc.lineno) from None
    except AssertionError:  # TreeBuilder: the document ended inside an element
        raise SourceError("is not well-formed XML (it ends inside an element)", rel) from None
    out = []
    for entry in root.iter():
        if _local(entry.tag) not in ("termEntry", "conceptEntry"):
            continue
        source, langs = None, []
        for lang_set in entry:
            if _local(lang_set.tag) not in ("langSet", "langSec"):
                continue
            code = lang_set.get(_XML_LANG) or ""
            terms = tuple(t.text.strip() for t in lang_set.iter()
                          if _local(t.tag) == "term" and t.text and t.text.strip())
            if not terms:
                continue
            lang = validate_language(code, rel)
            if lang == source_language or (source is None and lang.split("_")[0]
                                            == source_language.split("_")[0]):
                source = source or terms[0]
            else:
                langs.append((lang, terms))
        if source:
            out.append(Term(source, tuple(langs), origin=f"{rel} ({entry.get('id') or source})"))
    return out


def _clark(name: str) -> str:
    """expat's "uri local" as ElementTree's "{uri}local"."""
    uri, _, local = name.rpartition(" ")
    return f"{{{uri}}}{local}" if uri else local


def _local(tag: object) -> str:
    return re.sub(r"^\{[^}]*\}", "", tag) if isinstance(tag, str) else ""
