"""Kubernetes label selectors: the string syntax (``kubectl -l``) and ``LabelSelector`` objects.

String syntax, comma = AND::

    a=b   a==b   a!=b   a in (x,y)   a notin (x)   a   !a

Errors are :class:`~gatewaydns.SelectorSyntaxError` with a caret under the bad character.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from gatewaydns._errors import SelectorSyntaxError
from gatewaydns._meta import LabelSelector

__all__ = [
    "Requirement",
    "Selector",
    "compile_label_selector",
    "compile_selector",
    "parse_selector",
]

# A label key: optional DNS-subdomain prefix and "/", then a name of [A-Za-z0-9-_.].
_KEY = re.compile(
    r"(?:[A-Za-z0-9](?:[-A-Za-z0-9.]*[A-Za-z0-9])?/)?[A-Za-z0-9](?:[-A-Za-z0-9_.]*[A-Za-z0-9])?"
)
_VALUE = re.compile(r"(?:[A-Za-z0-9](?:[-A-Za-z0-9_.]*[A-Za-z0-9])?)?")


@dataclass(frozen=True)
class Requirement:
    """One requirement: ``key``, an operator and values.

    Operators: ``=`` (one value), ``!=`` (one value), ``in``, ``notin``, ``exists``, ``!``.
    """

    key: str
    op: str
    values: frozenset[str] = frozenset()

    def matches(self, labels: Mapping[str, str]) -> bool:
        """Whether ``labels`` satisfy this requirement (Kubernetes semantics)."""
        present = self.key in labels
        if self.op == "exists":
            return present
        if self.op == "!":
            return not present
        if self.op in ("=", "in"):
            return present and labels[self.key] in self.values
        # "!=" and "notin" match when the key is absent, as in Kubernetes.
        return not present or labels[self.key] not in self.values


@dataclass(frozen=True)
class Selector:
    """A parsed selector: every requirement must hold. An empty selector matches everything."""

    requirements: tuple[Requirement, ...]
    text: str = ""

    def matches(self, labels: Mapping[str, str] | None) -> bool:
        """Whether ``labels`` (``None`` = no labels) satisfy every requirement."""
        labels = labels or {}
        return all(r.matches(labels) for r in self.requirements)

    def __str__(self) -> str:
        return self.text


class _Scanner:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def skip_ws(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos] == " ":
            self.pos += 1

    def peek(self, s: str) -> bool:
        return self.text.startswith(s, self.pos)

    def fail(self, reason: str, pos: int | None = None) -> SelectorSyntaxError:
        return SelectorSyntaxError(self.text, self.pos if pos is None else pos, reason)

    def match(self, rx: re.Pattern[str], what: str) -> str:
        m = rx.match(self.text, self.pos)
        if m is None or (not m.group() and what == "key"):
            raise self.fail(f"expected {what}, found {self.found()}")
        self.pos = m.end()
        return m.group()

    def found(self) -> str:
        char = self.text[self.pos : self.pos + 1]
        return repr(char) if char else "end of input"

    def word(self) -> str:
        start = self.pos
        while self.pos < len(self.text) and self.text[self.pos].isalpha():
            self.pos += 1
        return self.text[start : self.pos]


def parse_selector(text: str) -> Selector:
    """Parse a label-selector string as ``kubectl -l`` takes it.

    Args:
        text: the selector, e.g. ``"app=web,tier in (a,b),!legacy"``.

    Returns:
        The parsed selector.

    Raises:
        SelectorSyntaxError: the text does not parse; the message points at the bad character.

    Example:
        >>> parse_selector("app=web, env notin (dev)").matches({"app": "web", "env": "prod"})
        True
    """
    sc = _Scanner(text)
    reqs: list[Requirement] = []
    sc.skip_ws()
    if sc.pos == len(text):
        return Selector((), text)
    while True:
        sc.skip_ws()
        if sc.peek("!"):
            sc.pos += 1
            sc.skip_ws()
            reqs.append(Requirement(sc.match(_KEY, "key"), "!"))
        else:
            key = sc.match(_KEY, "key")
            sc.skip_ws()
            reqs.append(_operator(sc, key))
        sc.skip_ws()
        if sc.pos == len(text):
            return Selector(tuple(reqs), text)
        if not sc.peek(","):
            raise sc.fail(f"expected ',' or end of input, found {text[sc.pos]!r}")
        sc.pos += 1


def _operator(sc: _Scanner, key: str) -> Requirement:
    for op, name in (("==", "="), ("!=", "!="), ("=", "=")):
        if sc.peek(op):
            sc.pos += len(op)
            sc.skip_ws()
            return Requirement(key, name, frozenset([sc.match(_VALUE, "value")]))
    if sc.pos == len(sc.text) or sc.peek(","):
        return Requirement(key, "exists")
    start = sc.pos
    word = sc.word()
    if word not in ("in", "notin"):
        raise sc.fail("expected an operator (=, ==, !=, in, notin), ',' or end of input", start)
    sc.skip_ws()
    if not sc.peek("("):
        raise sc.fail(f"expected '(' after {word!r}")
    sc.pos += 1
    values: set[str] = set()
    while True:
        sc.skip_ws()
        values.add(sc.match(_VALUE, "value"))
        sc.skip_ws()
        if sc.peek(")"):
            sc.pos += 1
            return Requirement(key, word, frozenset(values))
        if not sc.peek(","):
            raise sc.fail(f"expected ',' or ')', found {sc.found()}")
        sc.pos += 1


_OPERATORS: dict[str, str] = {"In": "in", "NotIn": "notin", "Exists": "exists", "DoesNotExist": "!"}


def compile_label_selector(selector: LabelSelector) -> Callable[[Mapping[str, str] | None], bool]:
    """Compile a ``LabelSelector`` object into a predicate over labels.

    ``matchLabels`` and every ``matchExpressions`` item must hold. ``In`` and ``NotIn`` need at
    least one value, ``Exists`` and ``DoesNotExist`` none.

    Raises:
        ValueError: an unknown operator, or values that do not fit the operator (the caller
            turns this into an ``invalid-selector`` diagnostic).
    """
    exprs = ((e.key, e.operator, e.values) for e in selector.match_expressions or ())
    return compile_selector((selector.match_labels or {}).items(), exprs).matches


def compile_selector(
    match_labels: Iterable[tuple[str, str]],
    match_expressions: Iterable[tuple[str, str, Iterable[str] | None]],
) -> Selector:
    """A ``LabelSelector`` given as values: ``matchLabels`` items, ``matchExpressions`` items.

    Args:
        match_labels: ``(key, value)`` pairs.
        match_expressions: ``(key, operator, values)`` triples (``values`` ``None`` when absent).

    Raises:
        ValueError: see :func:`compile_label_selector`.
    """
    reqs = [Requirement(k, "=", frozenset([v])) for k, v in match_labels]
    for i, (key, operator, raw_values) in enumerate(match_expressions):
        op = _OPERATORS.get(operator)
        if op is None:
            msg = f"matchExpressions[{i}].operator: unknown operator {operator!r}"
            raise ValueError(msg)
        values = frozenset(raw_values or ())
        if op in ("in", "notin") and not values:
            msg = f"matchExpressions[{i}].values: {operator} needs at least one value"
            raise ValueError(msg)
        if op in ("exists", "!") and values:
            msg = f"matchExpressions[{i}].values: {operator} takes no values"
            raise ValueError(msg)
        reqs.append(Requirement(key, op, values))
    return Selector(tuple(reqs))
