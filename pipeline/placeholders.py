"""The placeholder syntax writers use (`{date}`, `{date:long}`, `{date.strike}`) and its values.

One grammar for every stage: sources validate it, checks compare it, drafting masks it and
render fills it. It is a strict subset of Python's brace format, so gettext's
`python-brace-format` checks (msgfmt -c) read it the same way (tested: msgfmt 0.21 accepts
`{date:long}` and `{date.strike}`, and treats `{date.strike}` and `{date}` as different
arguments). Allowed, and nothing else (no `{0.__class__}`, no `!r`, no `[0]`):

    {url} {organisation} {title} {place}
    {date} {date:short|medium|long|full}          the event's date (default: full)
    {time} {time:short|medium}                    the event's time (default: short)
    {date.NAME} {date.NAME:FORMAT} {time.NAME}…   a named date of campaign.yml `dates:`

Template tokens (`{{< … >}}`, see shortcodes.py) are taken out before braces are parsed; their
renderings travel in the same values mapping, keyed by the normalised token.
"""

from __future__ import annotations

import datetime as dt
import re
import string
from dataclasses import dataclass

from pipeline import shortcodes

NAMES = ("date", "time", "place", "url", "organisation", "title")
DATE_FORMATS = ("short", "medium", "long", "full")
# CLDR's long and full time formats print a time zone, which a campaign's HH:MM does not have.
TIME_FORMATS = ("short", "medium")
DEFAULT_FORMAT = {"date": "full", "time": "short"}
_FIELD_RE = re.compile(r"^(?P<name>[a-z]+)(?:\.(?P<attr>[a-z][a-z0-9_]*))?(?::(?P<spec>[a-z]+))?$")
_FORMATTER = string.Formatter()


class PlaceholderError(ValueError):
    """A text's braces are invalid or name a placeholder it may not use."""


@dataclass(frozen=True)
class Field:
    """One placeholder: `{name.attr:spec}`."""

    name: str
    attr: str | None = None
    spec: str | None = None

    @property
    def key(self) -> str:
        return self.name + (f".{self.attr}" if self.attr else "") + (
            f":{self.spec}" if self.spec else "")

    def __str__(self) -> str:
        return "{" + self.key + "}"


def _field(raw: str, spec: str, conversion: str | None) -> Field:
    shown = "{" + raw + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "") + "}"
    match = _FIELD_RE.match(raw + (f":{spec}" if spec else ""))
    if conversion or not match or match["name"] not in NAMES:
        known = ", ".join("{" + n + "}" for n in NAMES)
        raise PlaceholderError(f"unknown placeholder {shown}; known: {known}, and "
                               "{date:long}, {date.NAME} for the dates of campaign.yml")
    name, attr, fmt = match["name"], match["attr"], match["spec"]
    if (attr or fmt) and name not in ("date", "time"):
        raise PlaceholderError(f"{shown}: only {{date}} and {{time}} take a name or a format; "
                               f"write {{{name}}}")
    allowed = DATE_FORMATS if name == "date" else TIME_FORMATS
    if fmt and fmt not in allowed:
        raise PlaceholderError(f"{shown}: the format must be one of "
                               + ", ".join(f"{{{name}:{f}}}" for f in allowed))
    return Field(name, attr, fmt)


def fields(text: str) -> list[Field]:
    """The placeholders of a text, in order; PlaceholderError for broken braces or forms."""
    try:
        parsed = list(_FORMATTER.parse(shortcodes.blank(text)))
    except ValueError as exc:
        raise PlaceholderError(f"invalid braces ({exc}); write {{{{ and }}}} for a literal "
                               "brace") from None
    return [_field(name, spec, conv) for _, name, spec, conv in parsed if name is not None]


def fill(text: str, values: dict[str, str], keep_unknown: bool = False) -> str:
    """Text with its placeholders and template tokens replaced by `values` (keys: Field.key
    and shortcodes.normalize(token)). An unknown one is a PlaceholderError, or kept as
    written with `keep_unknown`. `{{` and `}}` become single braces."""
    out = []
    for piece, is_token in shortcodes.split(text):
        if is_token:
            key = shortcodes.normalize(piece)
            if key in values:
                out.append(values[key])
            elif keep_unknown:
                out.append(piece)
            else:
                raise PlaceholderError(f"shortcode {piece} has no rendering; map it in "
                                       "campaign.yml (shortcodes:) or remove it")
            continue
        try:
            parsed = list(_FORMATTER.parse(piece))
        except ValueError as exc:
            if keep_unknown:
                out.append(piece)
                continue
            raise PlaceholderError(f"invalid braces ({exc})") from None
        for literal, name, spec, conversion in parsed:
            out.append(literal)
            if name is None:
                continue
            try:
                key = _field(name, spec, conversion).key
            except PlaceholderError:
                if not keep_unknown:
                    raise
                key = None
            if key in values:
                out.append(values[key])
            elif keep_unknown:
                out.append("{" + name + (f"!{conversion}" if conversion else "")
                           + (f":{spec}" if spec else "") + "}")
            else:
                raise PlaceholderError(f"unknown placeholder {{{key}}}")
    return "".join(out)


class Values(dict):
    """Placeholder values of one language; `.source`: the same in the campaign's source
    language, for a text shown untranslated (it is formatted as the language it is in)."""

    source: "Values | None" = None

    def for_text(self, fallback: bool) -> "Values":
        return self.source if fallback and self.source is not None else self


def date_values(name: str | None, date: dt.date, time: str | None, locale) -> dict[str, str]:
    """{date…} and {time…} keys for one date, formatted by Babel for `locale`."""
    from babel.dates import format_date, format_time

    suffix = f".{name}" if name else ""
    out = {}
    for fmt in DATE_FORMATS:
        out[f"date{suffix}:{fmt}"] = format_date(date, format=fmt, locale=locale)
    out[f"date{suffix}"] = out[f"date{suffix}:{DEFAULT_FORMAT['date']}"]
    if time:
        moment = dt.time.fromisoformat(time)
        for fmt in TIME_FORMATS:
            out[f"time{suffix}:{fmt}"] = format_time(moment, format=fmt, locale=locale)
        out[f"time{suffix}"] = out[f"time{suffix}:{DEFAULT_FORMAT['time']}"]
    return out


def values_for(campaign, lang: str, title: str | None = None, place: str | None = None,
               url: str | None = None) -> dict[str, str]:
    """Every placeholder and shortcode value of a campaign in `lang` (Babel's CLDR formats;
    `title` and `place` are the translated texts when known)."""
    from pipeline.names import locale_of

    locale = locale_of(lang)
    organisation = (campaign.organisation_in(lang) if hasattr(campaign, "organisation_in")
                    else campaign.organisation)
    values = {"url": url or campaign.url, "organisation": organisation,
              "title": title if title is not None else campaign.title}
    event = campaign.event
    if event:
        values.update(date_values(None, event.date, event.time, locale))
        if event.place:
            values["place"] = place if place is not None else event.place
    for named in getattr(campaign, "dates", ()):
        values.update(date_values(named.name, named.date, named.time, locale))
    for code in getattr(campaign, "shortcodes", ()):
        text = code.text_for(lang, campaign.source_language)
        if text is not None:
            values[code.key] = text
    return values
