"""campaign.yml -> the Campaign's metadata, every problem of the file reported in one run.

Beyond title, links and colours it holds the data that renders per language: the event and
named `dates:` (formatted by Babel, `{date.strike:long}`), per-language `overrides:` (a
localised hashtag or link, or "" to drop a hashtag in that language) and `shortcodes:` (what a
static-site generator's template token shows, per language).
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from pipeline import glossary as terms
from pipeline import shortcodes as tokens
from pipeline.sources import brand
from pipeline.sources.layout import (  # noqa: F401  (the names, here as before)
    CAMPAIGN_FILE, CARDS_FILE, LEAFLET_FILE, POSTS_FILE,
)
from pipeline.errors import Problems, SourceError
from pipeline.model import Colours, Event, LanguageOverride, NamedDate, Shortcode
from pipeline.names import validate_language
from pipeline.sources.yamlstrict import YList, YMap, load_yaml

META_KEYS = {"title", "summary", "organisation", "url", "source_language", "languages", "event",
             "dates", "hashtags", "protected_terms", "colours", "overrides", "shortcodes",
             "glossary", "logo", "photo", "font"}
HASHTAG_RE = re.compile(r"^#\w+$")
_COLOUR_RE = re.compile(r"^#[0-9a-fA-F]{6}$")
_TIME_RE = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
_DATE_NAME_RE = re.compile(r"^[a-z][a-z0-9_]*$")
# What a coordinator may write to drop a hashtag in one language (YAML keeps `null` as text).
_DROP = (None, "", "null", "~")


def need_map(value, rel, line, what) -> YMap:
    if not isinstance(value, YMap):
        raise SourceError(f"{what} must be a mapping of `key: value` lines", rel, line)
    return value


def text_of(data: YMap, key: str, rel: str, required: bool = True) -> str:
    value = data.get(key)
    line = data.lines.get(key, data.line)
    if value is None or value == "":
        if required:
            raise SourceError(f"`{key}` is missing or empty; write it as `{key}: ...`", rel, line)
        return ""
    if not isinstance(value, str):
        raise SourceError(f"`{key}` must be text, not a list or mapping", rel, line)
    return value.strip()


def unknown_keys(data: YMap, known: set[str], rel: str, what: str, problems: Problems) -> None:
    for key in data:
        if key not in known:
            problems.add(f"unknown field `{key}` in {what}; known fields are "
                         f"{', '.join(sorted(known))}", rel, data.lines[key])


def str_list(data: YMap, key: str, rel: str) -> tuple[str, ...]:
    value = data.get(key)
    if value is None:
        return ()
    if not isinstance(value, YList) or not all(isinstance(v, str) and v for v in value):
        raise SourceError(f"`{key}` must be a list of texts, e.g. `{key}: [a, b]`", rel,
                          data.lines.get(key))
    return tuple(v.strip() for v in value)


def check_url(url: str, rel: str, line: int, allow_mailto: bool = False) -> str:
    schemes = ("https://", "http://") + (("mailto:",) if allow_mailto else ())
    if not url.startswith(schemes) or any(c.isspace() for c in url):
        raise SourceError(f"{url!r} is not a web link; links must start with https:// or http://",
                          rel, line)
    return url


class _Fields:
    """Reads one field at a time; a field's error is recorded and its default used."""

    def __init__(self, problems: Problems):
        self.problems = problems

    def __call__(self, default, func, *args):
        try:
            return func(*args)
        except SourceError as exc:
            self.problems.add_error(exc)
            return default


def read_meta(path: Path, rel: str, problems: Problems, project: Path | None = None
              ) -> dict | None:
    """campaign.yml -> the Campaign fields it holds; None if the file cannot be read at all.
    With `project`, the file must lie in its source/ folder (files.read_inside)."""
    try:
        data = need_map(load_yaml(path, rel, project), rel, 1, CAMPAIGN_FILE)
    except SourceError as exc:
        problems.add_error(exc)
        return None
    field = _Fields(problems)
    unknown_keys(data, META_KEYS, rel, CAMPAIGN_FILE, problems)
    url = field("https://example.org/", lambda: check_url(
        text_of(data, "url", rel), rel, data.lines.get("url", 1)))
    languages = None
    if data.get("languages") is not None:
        languages = field(None, lambda: tuple(
            validate_language(c, f"{rel}:{data.lines['languages']}")
            for c in str_list(data, "languages", rel)))
    hashtags = field((), str_list, data, "hashtags", rel)
    for tag in hashtags:
        if not HASHTAG_RE.match(tag):
            problems.add(f"{tag!r} is not a hashtag: write # followed by letters or digits",
                         rel, data.lines["hashtags"])
    protected, spelled = field(((), ()), terms.read_protected_terms, data, rel)
    source_language = field("en", lambda: validate_language(
        text_of(data, "source_language", rel, False) or "en",
        f"{rel}:{data.lines.get('source_language', 1)}"))
    return dict(
        title=field("", text_of, data, "title", rel), title_line=data.lines.get("title", 1),
        summary=field("", text_of, data, "summary", rel, False),
        summary_line=data.lines.get("summary", 0),
        organisation=field("", brand.organisation_text, data, rel, source_language), url=url,
        source_language=source_language,
        brand=brand.read_brand(data, rel, path.parent, project, source_language, problems),
        languages=languages, event=field(None, _event, data, rel, problems),
        dates=field((), _dates, data, rel, problems), hashtags=hashtags,
        protected_terms=protected,
        glossary=spelled + field((), terms.read_glossary, data, rel),
        colours=field(Colours(), _colours, data, rel, problems),
        overrides=field((), _overrides, data, rel, problems),
        shortcodes=field((), _shortcodes, data, rel, problems),
    )


def _date_and_time(entry: YMap, rel: str, what: str) -> tuple[dt.date, str | None]:
    raw = text_of(entry, "date", rel)
    try:
        date = dt.date.fromisoformat(raw)
    except ValueError:
        raise SourceError(f"{what} date {raw!r} is not a date; write it as YYYY-MM-DD", rel,
                          entry.lines["date"]) from None
    time = text_of(entry, "time", rel, required=False) or None
    if time and not _TIME_RE.match(time):
        raise SourceError(f"{what} time {time!r} must be HH:MM (24-hour)", rel,
                          entry.lines["time"])
    return date, time


def _event(data: YMap, rel: str, problems: Problems) -> Event | None:
    if data.get("event") is None:
        return None
    ev = need_map(data["event"], rel, data.lines["event"], "`event`")
    unknown_keys(ev, {"date", "time", "place"}, rel, "`event`", problems)
    date, time = _date_and_time(ev, rel, "event")
    return Event(date=date, time=time, place=text_of(ev, "place", rel, required=False) or None,
                 place_line=ev.lines.get("place", 0))


def _dates(data: YMap, rel: str, problems: Problems) -> tuple[NamedDate, ...]:
    """`dates: {strike: 2019-09-20, tribunal: {date: 2019-09-27, time: "18:00"}}`."""
    if data.get("dates") is None:
        return ()
    table = need_map(data["dates"], rel, data.lines["dates"], "`dates`")
    out = []
    for name, value in table.items():
        line = table.lines[name]
        if not _DATE_NAME_RE.match(name):
            problems.add(f"date name {name!r} must be lowercase letters, digits and _ (it is "
                         f"used as {{date.NAME}})", rel, line)
            continue
        entry = value
        if isinstance(value, str):
            entry = YMap(date=value)
            entry.line, entry.lines = line, {"date": line}
        try:
            entry = need_map(entry, rel, line, f"dates.{name}")
            unknown_keys(entry, {"date", "time"}, rel, f"dates.{name}", problems)
            date, time = _date_and_time(entry, rel, f"dates.{name}")
        except SourceError as exc:
            problems.add_error(exc)
            continue
        out.append(NamedDate(name, date, time, line))
    return tuple(out)


def _colours(data: YMap, rel: str, problems: Problems) -> Colours:
    if data.get("colours") is None:
        return Colours()
    col = need_map(data["colours"], rel, data.lines["colours"], "`colours`")
    unknown_keys(col, {"background", "text", "accent"}, rel, "`colours`", problems)
    values = {}
    for key in col:
        if key not in ("background", "text", "accent"):
            continue
        value = text_of(col, key, rel)
        if not _COLOUR_RE.match(value):
            problems.add(f"colour {value!r} must be written as \"#rrggbb\" (in quotes)", rel,
                         col.lines[key])
            continue
        values[key] = value.lower()
    return Colours(**values)


def _overrides(data: YMap, rel: str, problems: Problems) -> tuple:
    if data.get("overrides") is None:
        return ()
    ov = need_map(data["overrides"], rel, data.lines["overrides"], "`overrides`")
    out = []
    for code, value in ov.items():
        try:
            lang = validate_language(code, f"{rel}:{ov.lines[code]}")
            entry = need_map(value, rel, ov.lines[code], f"overrides for {code}")
        except SourceError as exc:
            problems.add_error(exc)
            continue
        unknown_keys(entry, {"hashtags", "links"}, rel, f"overrides for {code}", problems)
        pairs = {}
        for kind in ("hashtags", "links"):
            pairs[kind] = ()
            if entry.get(kind) is None:
                continue
            try:
                table = need_map(entry[kind], rel, entry.lines[kind], f"overrides.{code}.{kind}")
            except SourceError as exc:
                problems.add_error(exc)
                continue
            pairs[kind] = tuple(_override_pairs(kind, table, rel, problems))
        out.append((lang, LanguageOverride(**pairs)))
    return tuple(out)


def _override_pairs(kind: str, table: YMap, rel: str, problems: Problems):
    for old, new in table.items():
        line = table.lines[old]
        if kind == "hashtags":
            if new in _DROP:
                new = ""  # this language goes without the hashtag
            if not isinstance(new, str) or not HASHTAG_RE.match(old) or \
                    (new and not HASHTAG_RE.match(new)):
                problems.add(f"hashtag overrides map \"#tag\" to \"#tag\" (quoted), or to \"\" to "
                             f"drop it in this language; got {old!r}: {new!r}", rel, line)
                continue
        else:
            if not isinstance(new, str) or not new:
                problems.add(f"the replacement for {old!r} must be a link", rel, line)
                continue
            try:
                check_url(old, rel, line)
                check_url(new, rel, line)
            except SourceError as exc:
                problems.add_error(exc)
                continue
        yield old, new


def _shortcodes(data: YMap, rel: str, problems: Problems) -> tuple[Shortcode, ...]:
    """`shortcodes: {'{{< count >}}': {en: "12,000 signatures", es: …}, '{{% note %}}': ""}`."""
    if data.get("shortcodes") is None:
        return ()
    table = need_map(data["shortcodes"], rel, data.lines["shortcodes"], "`shortcodes`")
    out = []
    for token, value in table.items():
        line = table.lines[token]
        if not tokens.PATTERN.fullmatch(token.strip()):
            problems.add(f"{token!r} is not a shortcode; write the token as it appears in the "
                         "text, in quotes, e.g. '{{< count >}}'", rel, line)
            continue
        if value is None or isinstance(value, str):
            texts = (("*", value or ""),)
        elif isinstance(value, YMap):
            texts = []
            for code, text in value.items():
                try:
                    if code != "*":
                        validate_language(code, f"{rel}:{value.lines[code]}")
                    if text is not None and not isinstance(text, str):
                        raise SourceError(f"the rendering of {token} in {code} must be text", rel,
                                          value.lines[code])
                except SourceError as exc:
                    problems.add_error(exc)
                    continue
                texts.append((code, text or ""))
            texts = tuple(texts)
        else:
            problems.add(f"the rendering of {token} must be a text, or a text per language "
                         "(en: …, es: …)", rel, line)
            continue
        out.append(Shortcode(tokens.normalize(token), texts, line))
    return tuple(out)
