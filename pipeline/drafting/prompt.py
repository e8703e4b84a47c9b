"""The chat messages the OpenAI-compatible engine sends, and the check of what comes back.

Instructions and every text's context go in the system message; the texts themselves go in the
last user message as a JSON array of strings, and the answer must be a JSON array of as many
strings, in order: the shape small local models follow best. Small models often wrap JSON in a
```json fence or put a sentence before it; that is accepted. Anything else (not JSON, an object,
other items than strings, another count) is a BadAnswer, which the engine asks again about.
"""

from __future__ import annotations

import json
import re

from pipeline.drafting.langcodes import language_name
from pipeline.drafting.protocol import Request, Segment

_FENCE = re.compile(r"```[A-Za-z]*\s*\n?(.*?)```", re.S)

INSTRUCTIONS = """\
You translate the texts of a social movement's campaign (leaflets, social media posts, share \
cards) from {source} into {target}. Volunteers review every draft before it is published.

Answer with a JSON array of exactly {count} strings: the translations, in the order of the \
texts. Write nothing else: no explanations, no notes, no keys.

Rules:
- Tokens such as [[0]] stand for links, placeholders, markup and names. Keep every token of a \
text exactly once and unchanged; move it to where the sentence needs it.
- Translate the meaning in a natural, direct and mobilising tone; keep the text's register.
- Where a text has a length limit, the translation must not be longer; count every character \
you write, tokens as written.
- Where a glossary rendering is given, use it (inflected as the grammar needs)."""


class BadAnswer(Exception):
    """The model's answer is not a JSON array of the expected number of strings."""


def messages(segments: list[Segment], request: Request) -> list[dict[str, str]]:
    """The chat messages for one request: system (instructions, context), user (the texts)."""
    system = INSTRUCTIONS.format(source=language_name(request.source),
                                 target=f"{request.target_name or request.target} "
                                        f"({request.target})",
                                 count=len(segments))
    if request.protected:
        system += ("\n\nNames kept as written (they reach you as tokens): "
                   + ", ".join(request.protected) + ".")
    if request.glossary:
        system += "\n\nGlossary (source term -> agreed rendering): " + "; ".join(
            f"{term} -> {rendering}" for term, rendering in request.glossary) + "."
    system += "\n\nThe texts, one by one:\n" + "\n".join(
        f"{i}. {describe(segment)}" for i, segment in enumerate(segments, 1))
    texts = json.dumps([s.text for s in segments], ensure_ascii=False)
    return [{"role": "system", "content": system}, {"role": "user", "content": texts}]


def describe(segment: Segment) -> str:
    """One text's context, as a line of the system message."""
    parts = [segment.role or "campaign text"]
    if segment.budget is not None:
        parts.append(f"length limit: at most {segment.budget} characters (max-length "
                     f"{segment.limit} once the tokens are replaced)")
    if segment.plural:
        parts.append(segment.plural)
    if segment.glossary:
        parts.append("glossary: " + "; ".join(f"{t} -> {r}" for t, r in segment.glossary))
    notes = [n for n in segment.notes if n.strip()]
    if notes:
        parts.append("notes for translators: " + " ".join(notes))
    if segment.shorten:
        parts.append(f"a previous translation was too long ({len(segment.shorten)} "
                     f"characters): {json.dumps(segment.shorten, ensure_ascii=False)}; write a "
                     "shorter one within the limit, keeping the tokens")
    return "; ".join(parts)


def correction(problem: str, count: int) -> dict[str, str]:
    """The user message that asks again after a BadAnswer."""
    return {"role": "user", "content": f"That answer could not be used ({problem}). Answer "
                                       f"again with only a JSON array of exactly {count} "
                                       "strings, the translations in order."}


def parse(content: object, count: int) -> list[str]:
    """The translations in a model's answer, or BadAnswer saying what is wrong with it."""
    if not isinstance(content, str) or not content.strip():
        raise BadAnswer("the answer was empty")
    text = content.strip()
    fenced = _FENCE.search(text)
    if fenced:
        text = fenced.group(1).strip()
    elif not text.startswith(("[", "{")) and "[" in text:
        text = text[text.index("["):text.rindex("]") + 1]  # a sentence before the array
    try:
        data = json.loads(text)
    except ValueError:
        raise BadAnswer("the answer was not valid JSON") from None
    if isinstance(data, dict):
        lists = [v for v in data.values() if isinstance(v, list)]
        if len(lists) != 1:
            raise BadAnswer("the answer was a JSON object, not an array")
        data = lists[0]
    if not isinstance(data, list) or not all(isinstance(item, str) for item in data):
        raise BadAnswer("the answer was not an array of strings")
    if len(data) != count:
        raise BadAnswer(f"the answer had {len(data)} strings for {count} texts")
    return data
