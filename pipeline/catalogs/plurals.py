"""Plural-Forms headers: parsed into a safe evaluator, never passed to eval()."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

from babel import Locale

_TOKEN_RE = re.compile(r"\s*(?:(\d+)|(n)\b|(\|\||&&|==|!=|<=|>=|[-+*/%<>!?:()]))")
_BINARY = [  # lowest precedence first, as in C
    ("||",), ("&&",), ("==", "!="), ("<", ">", "<=", ">="), ("+", "-"), ("*", "/", "%"),
]
_OPS: dict[str, Callable[[int, int], int]] = {
    "||": lambda a, b: int(bool(a) or bool(b)), "&&": lambda a, b: int(bool(a) and bool(b)),
    "==": lambda a, b: int(a == b), "!=": lambda a, b: int(a != b),
    "<": lambda a, b: int(a < b), ">": lambda a, b: int(a > b),
    "<=": lambda a, b: int(a <= b), ">=": lambda a, b: int(a >= b),
    "+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b,
    "/": lambda a, b: a // b if b else 0, "%": lambda a, b: a % b if b else 0,
}


class PluralError(ValueError):
    """The Plural-Forms header is malformed; the message says how."""


def _tokenize(expr: str) -> list[str]:
    tokens, pos = [], 0
    expr = expr.strip()
    while pos < len(expr):
        match = _TOKEN_RE.match(expr, pos)
        if not match or match.end() == pos:
            raise PluralError(f"unexpected {expr[pos:pos + 20]!r} in the plural expression; only "
                              "n, numbers and C operators are allowed")
        tokens.append(next(g for g in match.groups() if g is not None))
        pos = match.end()
        while pos < len(expr) and expr[pos].isspace():
            pos += 1
    return tokens


class _Parser:
    def __init__(self, tokens: list[str]):
        self.tokens, self.pos = tokens, 0

    def peek(self) -> str | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self, expected: str | None = None) -> str:
        token = self.peek()
        if token is None or (expected is not None and token != expected):
            raise PluralError(f"expected {expected or 'more'} in the plural expression, found "
                              f"{token or 'the end'}")
        self.pos += 1
        return token

    def ternary(self):
        cond = self.binary(0)
        if self.peek() == "?":
            self.take("?")
            yes = self.ternary()
            self.take(":")
            no = self.ternary()
            return lambda n: yes(n) if cond(n) else no(n)
        return cond

    def binary(self, level: int):
        if level == len(_BINARY):
            return self.unary()
        left = self.binary(level + 1)
        while self.peek() in _BINARY[level]:
            op = _OPS[self.take()]
            right = self.binary(level + 1)
            left = (lambda l, r, o: lambda n: o(l(n), r(n)))(left, right, op)
        return left

    def unary(self):
        token = self.peek()
        if token == "!":
            self.take()
            inner = self.unary()
            return lambda n: int(not inner(n))
        if token == "-":
            self.take()
            inner = self.unary()
            return lambda n: -inner(n)
        if token == "(":
            self.take()
            inner = self.ternary()
            self.take(")")
            return inner
        if token == "n":
            self.take()
            return lambda n: n
        if token is not None and token.isdigit():
            value = int(self.take())
            return lambda n: value
        raise PluralError(f"unexpected {token or 'end'} in the plural expression")


@dataclass(frozen=True)
class PluralForms:
    nplurals: int
    expression: str
    function: Callable[[int], int]

    def header(self) -> str:
        return f"nplurals={self.nplurals}; plural={self.expression};"


def parse_plural_forms(value: str) -> PluralForms:
    """Parse 'nplurals=N; plural=EXPR;' and check EXPR stays within 0..N-1 for n in 0..1000."""
    match = re.match(r"^\s*nplurals\s*=\s*(\d+)\s*;\s*plural\s*=\s*(.+?)\s*;?\s*$", value)
    if not match:
        raise PluralError("Plural-Forms must look like 'nplurals=2; plural=(n != 1);'")
    nplurals, expression = int(match.group(1)), match.group(2)
    if not 1 <= nplurals <= 10:
        raise PluralError(f"nplurals={nplurals} is out of range (1 to 10)")
    parser = _Parser(_tokenize(expression))
    function = parser.ternary()
    if parser.peek() is not None:
        raise PluralError(f"unexpected {parser.peek()!r} after the plural expression")
    for n in range(0, 1001):
        index = function(n)
        if not 0 <= index < nplurals:
            raise PluralError(f"the expression gives form {index} for n={n}, but nplurals is "
                              f"{nplurals}")
    return PluralForms(nplurals, expression, function)


def plural_forms_for(locale: Locale | str) -> PluralForms:
    """The Plural-Forms of a language from Babel's CLDR-derived table.

    Babel < 2.19 keeps gettext's conventional forms where they differ from CLDR (Spanish 2, as
    msginit writes); 2.19 switched to CLDR's categories (Spanish 3, with "many" for millions),
    which would give new catalogs a header unlike every existing one. pyproject pins < 2.19.
    """
    # Imported here: babel.messages pulls in its whole catalog model (~10 ms), which commands
    # that never write a Plural-Forms header (extract, check, build with nothing new) skip.
    from babel.messages.plurals import get_plural

    rule = get_plural(str(locale))
    return parse_plural_forms(f"nplurals={rule.num_plurals}; plural={rule.plural_expr};")
