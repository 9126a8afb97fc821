"""Which namespaces may attach: the ``namespaces.from`` rule (SPEC sections 4.7 and 5).

Two Gateway API fields share it: a listener's ``allowedRoutes.namespaces`` (which routes may
attach; ``from`` defaults to ``Same``) and a Gateway's ``allowedListeners.namespaces`` (which
ListenerSets may attach; defaults to ``None``). :data:`NAMESPACE_FROM` is the one table of what
each ``from`` value admits; each caller words the outcome its own way.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal, TypeAlias

from gatewaydns._diagnostics import Rejection
from gatewaydns._meta import LabelSelector
from gatewaydns._selectors import Selector, compile_selector

__all__ = [
    "NAMESPACE_FROM",
    "Admission",
    "NamespaceQuery",
    "admission",
    "compiled_selector",
    "invalid_selector",
    "selector_value",
]

#: ``admitted``; ``other-namespace`` (``Same``); ``no-selector``, ``bad-selector``,
#: ``no-namespace`` (the Namespace object is not in the snapshot), ``not-selected``
#: (``Selector``). A ``from`` value the table lacks (``None`` included) admits nothing.
Admission: TypeAlias = Literal[
    "admitted", "other-namespace", "no-selector", "bad-selector", "no-namespace", "not-selected"
]


@dataclass(frozen=True)
class NamespaceQuery:
    """May an object in ``namespace`` attach to one owned in ``owner_namespace``?

    Attributes:
        namespace: the namespace of the route (or ListenerSet) asking.
        owner_namespace: the namespace of the listener's owner (or of the Gateway).
        selector: ``namespaces.selector``.
        namespaces: Namespace name -> labels, for every Namespace in the snapshot.
        compiled: ``selector`` already compiled by :func:`compiled_selector` (a caller asking
            about many namespaces compiles it once), or ``None``.
    """

    namespace: str
    owner_namespace: str
    selector: LabelSelector | None
    namespaces: Mapping[str, Mapping[str, str]]
    compiled: Selector | str | None = None


def _selected(query: NamespaceQuery) -> Admission:
    if query.selector is None:
        return "no-selector"
    selector = query.compiled
    if selector is None:
        selector = compiled_selector(query.selector)
    if isinstance(selector, str):
        return "bad-selector"
    labels = query.namespaces.get(query.namespace)
    if labels is None:
        return "no-namespace"
    return "admitted" if selector.matches(labels) else "not-selected"


#: ``namespaces.from`` -> what it admits. A value not in the table admits nothing.
NAMESPACE_FROM: dict[str, Callable[[NamespaceQuery], Admission]] = {
    "All": lambda q: "admitted",
    "Same": lambda q: "admitted" if q.namespace == q.owner_namespace else "other-namespace",
    "Selector": _selected,
}


def admission(from_: str, query: NamespaceQuery) -> Admission | None:
    """What ``from_`` admits for ``query``; ``None`` for a ``from`` value the table lacks."""
    rule = NAMESPACE_FROM.get(from_)
    return None if rule is None else rule(query)


def invalid_selector(
    outcome: Admission | None, query: NamespaceQuery, parent: str
) -> Rejection | None:
    """The ``invalid-selector`` rejection when ``from`` is ``Selector`` without a valid one."""
    if outcome == "no-selector":
        message = "namespaces.from is Selector but no selector is set"
        return Rejection("invalid-selector", message, parent=parent)
    if outcome == "bad-selector" and query.selector is not None:
        problem = compiled_selector(query.selector)
        assert isinstance(problem, str)
        return Rejection("invalid-selector", problem, parent=parent)
    return None


def compiled_selector(selector: LabelSelector) -> Selector | str:
    """A ``LabelSelector`` compiled, or why it is invalid (cached by value)."""
    return _compile(selector_value(selector))


_SelectorValue: TypeAlias = tuple[
    tuple[tuple[str, str], ...], tuple[tuple[str, str, tuple[str, ...] | None], ...]
]


def selector_value(selector: LabelSelector) -> _SelectorValue:
    """A ``LabelSelector`` as a hashable value: equal selectors, equal values."""
    labels = tuple((selector.match_labels or {}).items())
    exprs = tuple((e.key, e.operator, e.values) for e in selector.match_expressions or ())
    return labels, exprs


@lru_cache(maxsize=4096)
def _compile(value: _SelectorValue) -> Selector | str:
    labels, exprs = value
    try:
        return compile_selector(labels, exprs)
    except ValueError as exc:
        return str(exc)
