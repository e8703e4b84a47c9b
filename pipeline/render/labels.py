"""The labels a unit's outputs carry: true, each in one language, each once.

Three different things are labelled (#15.6):
- a machine draft: fuzzy entries carrying drafting's `#. machine draft: <engine>, <date>`
  comment (catalogs.is_draft; the runner writes it, an editor's approval removes the fuzzy
  flag and `import` strips the comment);
- a human translation awaiting review: fuzzy entries without that comment (a translator's
  "needs review" in Weblate or Poedit, or msgmerge's fuzzy match);
- untranslated text shown in the source language (only with --allow-incomplete).

A label is printed in the reader's language when the `ui` catalog translates it; otherwise it
is printed wholly in the source language (sentence and language name alike, marked with the
source's lang and dir), never an English sentence around a Russian language name. Beside it,
where it differs, the same label in the source language (for a coordinator or print shop
that does not read the language); the leaflet's banner drops those first when space is short.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from babel import Locale


class Translations(Protocol):
    """render.translations.Translations as used here (that module imports this one)."""

    def get(self, msgid: str, context: str | None = None) -> str: ...

    def has(self, msgid: str, context: str | None = None) -> bool: ...

MACHINE, REVIEW, UNTRANSLATED = "machine", "review", "untranslated"
# The same literals are in templates/labels.txt, from where Babel extracts them.
MACHINE_LABEL = "Draft — machine translation, not yet reviewed"
REVIEW_LABEL = "Translation awaiting review"
UNTRANSLATED_NOTE = "Some parts are not translated yet and are shown in %(language)s."
MESSAGES = {MACHINE: MACHINE_LABEL, REVIEW: REVIEW_LABEL, UNTRANSLATED: UNTRANSLATED_NOTE}
# Draft labels: the unit is not reviewed (the cards' band and the page's draft class).
DRAFT_KINDS = (MACHINE, REVIEW)


@dataclass(frozen=True)
class Label:
    """One label: its text, the language it is written in, and its source-language echo."""

    kind: str  # machine | review | untranslated
    text: str
    lang_tag: str | None = None  # None: the reader's language; else the source's tag
    dir: str | None = None
    source: str | None = None  # the label in the source language, when it differs


def _text(kind: str, ui: Translations, language: str) -> str:
    text = ui.get(MESSAGES[kind])
    return text % {"language": language} if kind == UNTRANSLATED else text


def make_labels(kinds: tuple[str, ...], ui: Translations, source_ui: Translations,
                locale: Locale, source_locale: Locale, source_tag: str) -> tuple[Label, ...]:
    """The labels of `kinds`, in the reader's language where `ui` translates them."""
    out = []
    source_dir = source_locale.text_direction
    for kind in kinds:
        in_source = _text(kind, source_ui, source_locale.get_display_name(source_locale))
        if ui.has(MESSAGES[kind]):
            text = _text(kind, ui, source_locale.get_display_name(locale))
            out.append(Label(kind, text, source=in_source if in_source != text else None))
        else:
            out.append(Label(kind, in_source, source_tag, source_dir))
    return tuple(out)


def kinds_for(counts, policy: str, incomplete: bool) -> tuple[str, ...]:
    """Which labels a unit's counts call for, under [render] drafts = `policy`."""
    kinds = []
    if policy == "label":
        if counts.drafts:
            kinds.append(MACHINE)
        if counts.fuzzy:
            kinds.append(REVIEW)
    if incomplete:
        kinds.append(UNTRANSLATED)
    return tuple(kinds)


def label_lines(labels: tuple[Label, ...]) -> list[str]:
    """Plain-text lines for posts.txt and README.txt: each label, then its source echo."""
    return [label.text + (f" / {label.source}" if label.source else "") for label in labels]


def card_lines(labels: tuple[Label, ...]) -> tuple[str, ...]:
    """The cards' band: the draft labels (a card has no untranslated parts but its slogan,
    printed as it is), and the first one's source echo when there is room (two lines)."""
    drafts = [label for label in labels if label.kind in DRAFT_KINDS]
    out = [label.text for label in drafts]
    if len(out) == 1 and drafts[0].source:
        out.append(drafts[0].source)
    return tuple(out)
