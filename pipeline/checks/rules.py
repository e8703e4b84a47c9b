"""The checks themselves: each a small function registered with an id and a severity.

A form check gets (source, translation, entry, context) for each translated form and yields
messages; an entry check gets (entry, context). Registration order is report order.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Iterator

from pipeline import glossary as _glossary
from pipeline import textlength
from pipeline.checks import text as t
from pipeline.checks.context import ERROR, WARNING, CheckContext, check, fill_placeholders
from pipeline.model import PLATFORM_NAMES
from pipeline.catalogs.pofile import Entry
from pipeline.textlength import FORMULA_STARTS

_BRACE_FLAG, _PRINTF_FLAGS = "python-brace-format", ("python-format", "c-format")


def _listing(items) -> str:
    return ", ".join(sorted(items))


# ---------------------------------------------------------------------------- size

# A translation this much longer than its source is not one, and could stall rendering (a
# megabyte-long post or slogan): reported alone, before the other checks run on it.
_LENGTH_FACTOR, _LENGTH_SLACK = 10, 1000


@check("too-long", ERROR, per="entry")
def too_long(entry: Entry, ctx: CheckContext) -> Iterator[str]:
    """A translation at most ten times as long as its source (plus 1,000 characters)."""
    source = max(len(entry.msgid), len(entry.msgid_plural or ""))
    limit = source * _LENGTH_FACTOR + _LENGTH_SLACK
    longest = max(len(form) for form in entry.strings)
    if longest > limit:
        yield (f"{longest:,} characters for a source of {source:,}: far longer than a "
               f"translation can be (at most {limit:,}); was something pasted by mistake?")


# ---------------------------------------------------------------------------- structure


@check("plurals", ERROR, per="entry")
def plurals(entry: Entry, ctx: CheckContext) -> Iterator[str]:
    """A plural message has as many forms as the catalog's Plural-Forms says."""
    if entry.msgid_plural is not None and any(entry.msgstr_plural):
        if len(entry.msgstr_plural) != ctx.nplurals:
            yield (f"{len(entry.msgstr_plural)} plural forms, but the Plural-Forms header says "
                   f"nplurals={ctx.nplurals}")
        empty = [str(i) for i, form in enumerate(entry.msgstr_plural) if not form]
        if empty:
            yield f"plural form msgstr[{'], msgstr['.join(empty)}] is empty"


@check("placeholders", ERROR, aliases=(_BRACE_FLAG, *_PRINTF_FLAGS))
def placeholders(source: str, target: str, entry: Entry, ctx: CheckContext) -> Iterator[str]:
    """Brace ({date}) and printf (%s) placeholders: the same set as the source."""
    if _BRACE_FLAG in entry.flags or t.loose_braces(source):
        wanted = _fields_or_empty(source)
        try:
            found = t.brace_fields(target)
        except ValueError as exc:
            yield f"broken braces ({exc}); write {{{{ and }}}} for a literal brace"
            found = t.loose_braces(target)
        missing, extra = wanted - found, found - wanted
        if entry.msgid_plural is not None:
            missing, extra = _plural_leeway(entry, target, found, missing, ctx.nplurals)
        if missing:
            yield f"missing placeholder {_listing(missing)}"
        if extra:
            yield f"placeholder {_listing(extra)} is not in the source"
    else:
        invented = t.loose_braces(target)
        if invented:
            yield f"placeholder {_listing(invented)} is not in the source"
    if any(flag in entry.flags for flag in _PRINTF_FLAGS) or t.printf_directives(source):
        want, got = t.printf_directives(source), t.printf_directives(target)
        if want != got:
            missing, extra = want - got, got - want
            if missing:
                yield f"missing format directive {_listing(missing)}"
            if extra:
                yield f"format directive {_listing(extra)} is not in the source"


def _plural_leeway(entry: Entry, target: str, found: set[str], missing: set[str],
                   nplurals: int) -> tuple[set[str], set[str]]:
    """Plural forms that stand for one number may say it in words ("Una persona")."""
    singular, plural = _fields_or_empty(entry.msgid), _fields_or_empty(entry.msgid_plural)
    extra = found - singular - plural
    if target == entry.msgstr_plural[0] and found in (singular, plural):
        return set(), extra
    if target != entry.msgstr_plural[-1] and nplurals > 2:
        return set(), extra  # "two", "few"... may name their number; the last form may not
    return missing, extra


def _fields_or_empty(text: str) -> set[str]:
    try:
        return t.brace_fields(text)
    except ValueError:
        return set()


@check("shortcodes", ERROR)
def template_tokens(source: str, target: str, entry: Entry, ctx: CheckContext) -> Iterator[str]:
    """Static-site template tokens ({{< x >}}, {% x %}) kept byte-exact, none added."""
    want, got = t.template_tokens(source), t.template_tokens(target)
    for token in want:
        if got[token] < want[token]:
            yield f"missing {token} (copy it unchanged, with its braces)"
    for token in got:
        if got[token] > want[token]:
            yield f"{token} is not in the source"


@check("markdown", ERROR, aliases=("md-syntax",))
def markdown(source: str, target: str, entry: Entry, ctx: CheckContext) -> Iterator[str]:
    """Inline Markdown: as many bold, italic, code, link and image spans as the source."""
    env = ctx.markdown_env
    want, got = t.inline_structure(source, env), t.inline_structure(target, env)
    for kind in t.STRUCTURE.values():
        if want[kind] != got[kind]:
            yield (f"{got[kind]} {kind} span{'s' * (got[kind] != 1)} where the source has "
                   f"{want[kind]} (check the ** _ ` [ ]( ) markers)")


# ---------------------------------------------------------------------------- links and tags


@check("links", ERROR)
def links(source: str, target: str, entry: Entry, ctx: CheckContext) -> Iterator[str]:
    """Every source URL kept (or its per-language replacement), no new URL, http(s)/mailto only."""
    overrides = {t.normalize_link(k): t.normalize_link(v) for k, v in ctx.link_overrides.items()}
    want, got = t.links(source), t.links(target)
    allowed = set(want) | {overrides[u] for u in want if u in overrides}
    missing = [u for u in want if u not in got and overrides.get(u) not in got]
    extra = [u for u in got if u not in allowed]
    # A new link to a host the source does not use is `foreign-link`'s to report (and not a
    # translator's to waive); here it only explains which source link it replaced.
    hosts = {t.host_of(u) for u in want}
    foreign = {u for u in extra if t.scheme_of(u) in ("http", "https", "mailto")
               and t.host_of(u) not in hosts}
    unsafe = {"javascript", "vbscript", "data"}  # reported by unsafe-link
    for url in extra:
        if t.scheme_of(url) in unsafe:
            continue
        if t.scheme_of(url) not in ("http", "https", "mailto"):
            yield f"link {url} is not allowed: only http(s) and mailto links are"
        elif missing:
            old = missing.pop(0)
            yield (f"link {old} was replaced by {url}; a localised link must be configured in "
                   f"the campaign's overrides ({ctx.language}: links)")
        elif url in foreign:
            continue
        else:
            yield f"link {url} is not in the source"
    for url in missing:
        alt = f" (or {overrides[url]})" if url in overrides else ""
        yield f"missing link {url}{alt}"


@check("foreign-link", ERROR, aliases=("links",))
def foreign_link(source: str, target: str, entry: Entry, ctx: CheckContext) -> Iterator[str]:
    """No link to a host the campaign's source does not use (nor the coordinator allows)."""
    known = ctx.source_hosts | {t.host_of(u) for u in t.links(source)}
    for url in t.links(target) + t.www_links(target):
        if t.scheme_of(url) not in ("http", "https", "mailto"):
            continue  # `links` and `unsafe-link` report other schemes
        host = t.host_of(url)
        if host and host not in known:
            yield (f"link {url} leads to {host}, which the campaign's source never links to; "
                   f"if it is right, the coordinator allows it in handbill.toml: [check] "
                   f"allow_hosts = {{ {ctx.language} = [\"{host}\"] }}")


@check("hashtags", ERROR)
def hashtags(source: str, target: str, entry: Entry, ctx: CheckContext) -> Iterator[str]:
    """Hashtags kept, or replaced by the localised tag the campaign configures."""
    got = {tag.lower() for tag in t.hashtags(target)}
    local = {k.lower(): v for k, v in ctx.hashtag_overrides.items()}
    for tag in t.hashtags(source):
        alt = local.get(tag.lower())
        if alt == "":
            continue  # the campaign drops this hashtag in this language
        if tag.lower() not in got and (alt is None or alt.lower() not in got):
            yield f"missing hashtag {tag}" + (f" (or {alt})" if alt else "")


@check("mentions", ERROR)
def mentions(source: str, target: str, entry: Entry, ctx: CheckContext) -> Iterator[str]:
    """@handles of the source kept unchanged."""
    got = {h.lower() for h in t.handles(target)}
    for handle in t.handles(source):
        if handle.lower() not in got:
            yield f"missing handle {handle}"


@check("protected-terms", ERROR)
def protected_terms(source: str, target: str, entry: Entry, ctx: CheckContext) -> Iterator[str]:
    """Names and organisations of the campaign's protected_terms, written as in the source."""
    if ctx.campaign is None:
        return
    spelled = {_glossary.fold(g.text): g.spellings(ctx.language) for g in ctx.campaign.glossary
               if g.protected}
    terms = [term for term in ctx.campaign.protected_terms if t.has_term(source, term)]
    missing = [term for term in terms if not t.has_term(target, term, whole_word=False)
               and not any(t.has_term(target, s, whole_word=False)
                           for s in spelled.get(_glossary.fold(term), ()))]
    for term in missing:
        # "Julian" is reported only if "Julian Assange" is not reported already.
        if not any(term != other and term in other for other in missing):
            native = spelled.get(_glossary.fold(term), ())
            yield f"protected term {term!r} must appear unchanged" + (
                f" or as {' or '.join(repr(s) for s in native)}" if native else "")


@check("glossary", WARNING)
def glossary(source: str, target: str, entry: Entry, ctx: CheckContext) -> Iterator[str]:
    """Terms of the glossary (campaign.yml, glossary.csv, glossary.tbx) rendered as agreed."""
    if ctx.campaign is not None:
        yield from _glossary.problems(ctx.campaign.glossary, source, target, ctx.language)


# ---------------------------------------------------------------------------- hostile content

# As an HTML parser sees a tag: the name right after "<" ("1 < b" is not one).
_TAG_RE = re.compile(r"</?([A-Za-z][\w:-]*|!--|!|\?)[^<>]*>?", re.S)
_AUTOLINK_RE = re.compile(r"<(?:https?|mailto):[^<>\s]*>", re.I)
_BIDI_CONTROLS = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_BIDI_MARKS = set("\u200e\u200f\u061c")
_INVISIBLE = set("\u200b\u2060\ufeff")


def _name(char: str) -> str:
    return f"U+{ord(char):04X} {unicodedata.name(char, 'control character')}"


@check("html", ERROR, aliases=("safe-html",))
def html_tags(source: str, target: str, entry: Entry, ctx: CheckContext) -> Iterator[str]:
    """No HTML tags (<script>, <img onerror=...>, any <tag) beyond those of the source."""
    known = {m.group(1).lower() for m in _TAG_RE.finditer(_AUTOLINK_RE.sub(" ", source))}
    reported = set(known)
    for match in _TAG_RE.finditer(_AUTOLINK_RE.sub(" ", target)):
        name = match.group(1).lower()
        if name not in reported:
            reported.add(name)
            tag = match.group()
            shown = tag if len(tag) <= 40 else tag[:37] + "..."
            yield f"HTML {shown!r} is not allowed; use Markdown (**bold**, [text](https://...))"


@check("unsafe-link", ERROR)
def unsafe_link(source: str, target: str, entry: Entry, ctx: CheckContext) -> Iterator[str]:
    """No javascript:, vbscript: or data: links."""
    known = set(t.unsafe_schemes(source))
    for scheme in dict.fromkeys(t.unsafe_schemes(target)):
        if scheme not in known:
            yield f"{scheme} link is not allowed; only http(s) and mailto links are"


@check("control-chars", ERROR)
def control_chars(source: str, target: str, entry: Entry, ctx: CheckContext) -> Iterator[str]:
    """No NUL or control characters; a tab only where the source has one."""
    allowed = {"\n"} | ({"\t"} if "\t" in source else set())  # newlines: see `whitespace`
    bad = [c for c in target if unicodedata.category(c) == "Cc" and c not in allowed]
    for char in dict.fromkeys(bad):
        yield f"invisible control character {_name(char)}; delete it"


@check("bidi-controls", ERROR)
def bidi_controls(source: str, target: str, entry: Entry, ctx: CheckContext) -> Iterator[str]:
    """No bidirectional embedding, override or isolate characters (they can hide text)."""
    for char in dict.fromkeys(c for c in target if c in _BIDI_CONTROLS and c not in source):
        yield f"bidirectional control {_name(char)} can reorder what readers see; delete it"


@check("invisible", WARNING)
def invisible(source: str, target: str, entry: Entry, ctx: CheckContext) -> Iterator[str]:
    """Zero-width characters; direction marks (LRM, RLM) are fine in right-to-left languages."""
    suspects = _INVISIBLE | (set() if ctx.rtl else _BIDI_MARKS)
    for char in dict.fromkeys(c for c in target if c in suspects and c not in source):
        yield f"invisible character {_name(char)}"


@check("csv-formula", ERROR)
def csv_formula(source: str, target: str, entry: Entry, ctx: CheckContext) -> Iterator:
    """A post does not start like a spreadsheet formula (=, +, -, @, tab) unless its source
    does; posts.csv neutralises such cells anyway, but copies of the text may not."""
    if ctx.post(entry.msgctxt) is None:
        return
    start = target.lstrip(" ")
    if not start.startswith(FORMULA_STARTS) or source.lstrip(" ")[:1] == start[:1]:
        return
    if start[0] in "+-\uff0b\uff0d" and (len(start) == 1 or start[1] == " "):
        # "- 20 %": a dash that starts a list, most likely; still written as '- in the CSV.
        yield WARNING, (f"starts with {start[0]!r} and a space, which a spreadsheet may read as "
                        "a formula; posts.csv writes it as '" + start[0])
        return
    yield (f"starts with {start[0]!r}, which a spreadsheet runs as a formula "
           f"({start[:20]!r}...); start the post with a word")


# ---------------------------------------------------------------------------- length


@check("post-length", ERROR)
def post_length(source: str, target: str, entry: Entry, ctx: CheckContext) -> Iterator[str]:
    """A post fits each platform as published (placeholders filled, hashtags and link added)."""
    post = ctx.post(entry.msgctxt)
    if post is None:
        return
    try:
        text = fill_placeholders(target, ctx.values)
    except ValueError:
        return  # broken braces: reported by `placeholders`
    tags = ctx.campaign.localised_hashtags(ctx.language, post.hashtags)
    link = ctx.link_overrides.get(post.link, post.link) if post.link else None
    published = textlength.compose_post(text, tags, link)
    for platform in post.platforms:
        size, limit = textlength.length(platform, published), textlength.limit(platform)
        if size > limit:
            yield (f"{size} characters on {PLATFORM_NAMES[platform]} as published (limit {limit}), "
                   f"hashtags and link included: {size - limit} too many")


@check("max-length", ERROR, per="entry")
def max_length(entry: Entry, ctx: CheckContext) -> Iterator[str]:
    """The `max-length:N` flag: at most N characters in each translation."""
    for flag in entry.flags:
        if flag.startswith("max-length:") and flag[11:].strip().isdigit():
            limit = int(flag[11:])
            for form in entry.strings:
                if len(form) > limit:
                    yield f"{len(form)} characters, more than max-length:{limit}"


# ---------------------------------------------------------------------------- typography


@check("whitespace", WARNING,
       aliases=("begin-space", "end-space", "begin-newline", "end-newline", "newline-count"))
def whitespace(source: str, target: str, entry: Entry, ctx: CheckContext) -> Iterator[str]:
    """Leading and trailing whitespace and the number of line breaks as in the source."""
    if _lead(source) != _lead(target):
        yield f"starts with {_lead(target)!r} where the source starts with {_lead(source)!r}"
    if _trail(source) != _trail(target):
        yield f"ends with {_trail(target)!r} where the source ends with {_trail(source)!r}"
    if source.count("\n") != target.count("\n"):
        got = target.count("\n")
        yield f"{got} line break{'s' * (got != 1)} where the source has {source.count(chr(10))}"


def _lead(text: str) -> str:
    return text[: len(text) - len(text.lstrip())]


def _trail(text: str) -> str:
    return text[len(text.rstrip()):]


@check("end-punctuation", WARNING,
       aliases=("end-stop", "end-question", "end-exclamation", "end-colon", "end-semicolon",
                "end-ellipsis"))
def end_punctuation(source: str, target: str, entry: Entry, ctx: CheckContext) -> Iterator[str]:
    """The same closing punctuation as the source (。 ~ . , ؟ ~ ?, । ~ . and so on)."""
    want, got = t.ending(source), t.ending(target)
    if want != got:
        if not got:
            yield f"ends without punctuation where the source ends with {want!r}"
        elif not want:
            yield f"ends with {got!r} where the source has no closing punctuation"
        else:
            yield f"ends with {got!r} where the source ends with {want!r}"


@check("same", WARNING)
def same(source: str, target: str, entry: Entry, ctx: CheckContext) -> Iterator[str]:
    """The translation is a copy of the source (unless the source is only names, tags, URLs)."""
    terms = ctx.campaign.protected_terms if ctx.campaign else ()
    if target.strip() == source.strip() and not t.only_invariants(source, terms):
        yield "the translation is a copy of the source text"


# Words a language doubles by grammar ("nous nous joignons"); the list Weblate uses.
_DOUBLED_OK = {"fr": {"nous", "vous"}, "fy": {"jo", "mei"}, "hi": {"कर"}, "tr": {"tek"},
               "sq": {"të"}}


@check("doubled-words", WARNING, aliases=("duplicate",))
def doubled_words(source: str, target: str, entry: Entry, ctx: CheckContext) -> Iterator[str]:
    """The same word twice in a row (unless the source does it too, or grammar wants it)."""
    known = {w.lower() for w in t.doubled_words(source)}
    known |= _DOUBLED_OK.get(ctx.language.split("_")[0], set())
    for word in dict.fromkeys(t.doubled_words(target)):
        if word.lower() not in known:
            yield f"the word {word!r} is doubled"


@check("double-space", WARNING)
def double_space(source: str, target: str, entry: Entry, ctx: CheckContext) -> Iterator[str]:
    """Two spaces in a row inside the text."""
    def count(text: str) -> int:
        return len(re.findall(r"(?<=\S) {2,}(?=\S)", text))
    if count(target) > count(source):
        yield "two spaces in a row"
