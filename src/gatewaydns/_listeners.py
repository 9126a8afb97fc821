"""Listener admission: which listeners of a parent serve a route (SPEC section 5).

A listener serves a route when every rule of :data:`LISTENER_RULES` passes: the protocol can
carry the route's kind (:data:`PROTOCOLS`), the matched spec ref's ``port`` (if any) is the
listener's, ``allowedRoutes.namespaces`` admits the route's namespace (the ``namespaces.from``
table, :mod:`gatewaydns._namespaces`), and ``allowedRoutes.kinds`` (if any) holds the kind.

The outcome depends only on the parent, the route's kind and namespace, and the Namespaces'
labels: :func:`admitted_listeners` is a pure function of those values.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple, TypeAlias

from gatewaydns._base import GATEWAY_GROUP
from gatewaydns._diagnostics import ReasonCode, Rejection
from gatewaydns._gateway import Listener
from gatewaydns._hostnames import normalize_hostname
from gatewaydns._index import Index, memo_table, remember
from gatewaydns._meta import LabelSelector
from gatewaydns._namespaces import (
    NamespaceQuery,
    admission,
    compiled_selector,
    invalid_selector,
    selector_value,
)
from gatewaydns._parents import Parent
from gatewaydns._selectors import Selector
from gatewaydns._types import Hostname

__all__ = [
    "LISTENER_RULES",
    "PROTOCOLS",
    "Candidate",
    "Serving",
    "admitted_listeners",
    "serving_listeners",
]

#: Route kind -> listener protocols that can serve it (SPEC section 5).
PROTOCOLS: dict[str, frozenset[str]] = {
    "HTTPRoute": frozenset({"HTTP", "HTTPS"}),
    "GRPCRoute": frozenset({"HTTP", "HTTPS"}),
    "TLSRoute": frozenset({"TLS"}),
    "TCPRoute": frozenset({"TCP", "TLS"}),
    "UDPRoute": frozenset({"UDP"}),
}


#: a listener's ``allowedRoutes.namespaces`` as the namespace rule reads it: ``from``, the
#: selector, and the selector compiled (``Selector`` only; a string says why it is invalid)
_Allowed: TypeAlias = tuple[str, LabelSelector | None, Selector | str | None]


@dataclass(frozen=True)
class Candidate:
    """A listener of a parent, and the route asking to attach to it.

    Attributes:
        parent: the parent.
        listener: the listener.
        kind: the route's kind.
        namespace: the route's namespace.
        namespaces: Namespace name -> labels (``Selector`` admission).
    """

    parent: Parent
    listener: Listener
    kind: str
    namespace: str
    namespaces: Mapping[str, Mapping[str, str]]

    def reject(self, reason: ReasonCode, message: str) -> Rejection:
        """A rejection of this listener."""
        return Rejection(reason, message, parent=self.parent.label, listener=self.listener.name)


def _protocol(c: Candidate) -> Rejection | None:
    if c.listener.protocol in PROTOCOLS[c.kind]:
        return None
    message = f"listener protocol {c.listener.protocol} cannot serve a {c.kind}"
    return c.reject("protocol-mismatch", message)


def _port(c: Candidate) -> Rejection | None:
    # the port of the spec ref(s) that chose this listener (SPEC 4.1: never the entry's)
    ports = {port for section, port in c.parent.selectors if section in (None, c.listener.name)}
    if None in ports or c.listener.port in ports:
        return None
    wanted = " or ".join(str(p) for p in sorted(p for p in ports if p is not None))
    return c.reject("port-mismatch", f"parentRef port {wanted} != listener port {c.listener.port}")


#: Why a listener does not admit a route's namespace, by what ``allowedRoutes`` admits.
_NOT_ALLOWED: dict[str, tuple[ReasonCode, str]] = {
    "other-namespace": ("namespace-not-allowed", "listener admits only namespace {owner!r}"),
    "no-namespace": (
        "namespace-not-found",
        "Namespace {namespace!r} is not in the snapshot; the selector cannot match",
    ),
    "not-selected": (
        "namespace-not-allowed",
        "namespace {namespace!r} does not match the listener's selector",
    ),
}


def _namespace(c: Candidate) -> Rejection | None:
    return _judge_namespace(c, *_allowed_namespaces(c.listener))


def _allowed_namespaces(listener: Listener) -> _Allowed:
    """A listener's ``allowedRoutes.namespaces``: ``from`` (default ``Same``) and its selector.

    The selector comes compiled too when ``from`` is ``Selector``: once per listener, not once
    per namespace asked about.
    """
    allowed = listener.allowed_routes
    namespaces = allowed.namespaces if allowed is not None else None
    if namespaces is None:
        return "Same", None, None
    from_ = namespaces.from_ or "Same"
    selector = namespaces.selector
    if from_ != "Selector" or selector is None:
        return from_, selector, None
    return from_, selector, compiled_selector(selector)


def _judge_namespace(
    c: Candidate, from_: str, selector: LabelSelector | None, compiled: Selector | str | None
) -> Rejection | None:
    """The namespace rule, given the listener's ``allowedRoutes.namespaces`` read once."""
    query = NamespaceQuery(
        c.namespace, c.parent.owner_namespace, selector, c.namespaces, compiled=compiled
    )
    outcome = admission(from_, query)
    if outcome == "admitted":
        return None
    if outcome is None:
        return c.reject("namespace-not-allowed", f"unknown allowedRoutes.namespaces.from {from_!r}")
    bad_selector = invalid_selector(outcome, query, c.parent.label)
    if bad_selector is not None:  # about the parent's selector, not this listener
        return bad_selector
    reason, message = _NOT_ALLOWED[outcome]
    return c.reject(reason, message.format(owner=c.parent.owner_namespace, namespace=c.namespace))


def _kind(c: Candidate) -> Rejection | None:
    allowed = c.listener.allowed_routes
    kinds = allowed.kinds if allowed is not None else None
    if not kinds or any(
        (GATEWAY_GROUP if k.group is None else k.group, k.kind) == (GATEWAY_GROUP, c.kind)
        for k in kinds
    ):
        return None
    return c.reject("kind-not-allowed", f"listener allowedRoutes.kinds excludes {c.kind}")


#: The rules of SPEC section 5, in order; the first that objects rejects the listener.
LISTENER_RULES: tuple[Callable[[Candidate], Rejection | None], ...] = (
    _protocol,
    _port,
    _namespace,
    _kind,
)


def admitted_listeners(
    parent: Parent, kind: str, namespace: str, namespaces: Mapping[str, Mapping[str, str]]
) -> tuple[tuple[Listener, ...], tuple[Rejection, ...]]:
    """The listeners of ``parent`` that serve a route of ``kind`` in ``namespace``.

    Args:
        parent: the parent (its listeners, owner namespace and matched spec refs).
        kind: the route's kind.
        namespace: the route's namespace.
        namespaces: Namespace name -> labels.

    Returns:
        The serving listeners, in order, and one rejection for each other listener.
    """
    served: list[Listener] = []
    rejections: list[Rejection] = []
    for listener in parent.listeners:
        candidate = Candidate(parent, listener, kind, namespace, namespaces)
        rejection = next(filter(None, (rule(candidate) for rule in LISTENER_RULES)), None)
        if rejection is None:
            served.append(listener)
        else:
            rejections.append(rejection)
    return tuple(served), tuple(rejections)


class Serving(NamedTuple):
    """The listeners of a parent that serve a route, as :func:`serving_listeners` finds them.

    Attributes:
        listeners: the serving listeners, in order.
        rejections: one rejection for each other listener.
        names: the serving listeners' names.
        hostnames: the serving listeners' hostnames as written (``None`` when unset).
        normalized: those hostnames normalised (``None`` when unset or invalid), what hostname
            intersection (section 6) compares; kept here so that it is done once per listener.
    """

    listeners: tuple[Listener, ...]
    rejections: tuple[Rejection, ...]
    names: tuple[str, ...]
    hostnames: tuple[str | None, ...]
    normalized: tuple[Hostname | None, ...]


class _Check(NamedTuple):
    """One listener's rules, split at the namespace rule (the only one the namespace decides).

    Attributes:
        listener: the listener.
        before: the rejection of a rule before the namespace rule (then it is not asked).
        ask: whether the namespace rule must be asked (``False``: it admits every namespace).
        after: the rejection of a rule after the namespace rule.
        allowed: ``allowedRoutes.namespaces`` (``from``, the selector and its compiled form),
            what the namespace rule reads of the listener.
        name: the listener's name.
        hostname: its hostname as written.
        normalized: that hostname normalised (``None`` when unset or invalid).
    """

    listener: Listener
    before: Rejection | None
    ask: bool
    after: Rejection | None
    allowed: _Allowed
    name: str
    hostname: str | None
    normalized: Hostname | None


class _Refusals(NamedTuple):
    """What the namespaces refused by the same listeners of a plan share (see :func:`_unkept`).

    Attributes:
        listeners, names, hostnames, normalized: as :class:`Serving` has them.
        slots: one per listener that does not serve, in order: its rejection when a rule other
            than the namespace rule gave it, else its place in the namespace's refusals.
    """

    listeners: tuple[Listener, ...]
    names: tuple[str, ...]
    hostnames: tuple[str | None, ...]
    normalized: tuple[Hostname | None, ...]
    slots: tuple[Rejection | int, ...]


class _Plan(NamedTuple):
    """What :func:`serving_listeners` keeps per parent and route kind."""

    checks: tuple[_Check, ...]
    label: str  # the parent's label, what its rejections name
    admitted: Serving  # the outcome when every namespace rule asked admits the namespace
    blind: bool  # no listener's namespace rule must be asked: ``admitted`` is the outcome
    # namespace -> the namespace rule's verdict (:func:`_verdict`), shared by every plan whose
    # asked listeners read the same ``allowedRoutes.namespaces`` at the same places
    by_namespace: dict[str, tuple[Any, ...]]
    by_refused: dict[tuple[int, ...], _Refusals]  # which listeners refused -> what they share


def serving_listeners(parent: Parent, kind: str, namespace: str, index: Index) -> Serving:
    """:func:`admitted_listeners`, kept per parent, route kind and (when it matters) namespace.

    The outcome depends on nothing else (the parent's listeners and owner come from its object
    and the ``sectionName``/``port`` selectors, the Namespaces from the index). Of the rules,
    only the namespace rule reads the route's namespace: the others are asked once per parent
    and route kind, the namespace rule once per namespace and what it reads of the listeners
    (their ``allowedRoutes.namespaces`` and owner namespace, shared by the Gateways made from
    one template), and not at all for listeners that admit ``All`` namespaces. Kept in the
    index's memo, keyed by those values.

    Args:
        parent: the parent.
        kind: the route's kind.
        namespace: the route's namespace.
        index: the snapshot's index.

    Returns:
        As :func:`admitted_listeners`, with the serving listeners' names and hostnames.
    """
    table = memo_table(index, "serving_listeners")
    key = (parent.key, parent.label, parent.selectors, kind)
    plan: _Plan | None = table.get(key)
    if plan is None:
        plan = remember(table, key, _plan(parent, kind, namespace, index))
    if plan.blind:
        return plan.admitted
    verdict = plan.by_namespace.get(namespace)
    if verdict is None:
        verdict = plan.by_namespace[namespace] = _verdict(plan, parent, kind, namespace, index)
    return _unkept(plan, verdict) if verdict else plan.admitted


def _plan(parent: Parent, kind: str, namespace: str, index: Index) -> _Plan:
    checks = []
    for listener in parent.listeners:
        candidate = Candidate(parent, listener, kind, namespace, index.namespaces)
        allowed = _allowed_namespaces(listener)
        before = after = None
        ask = False
        rules = iter(LISTENER_RULES)
        for rule in rules:
            if rule is _namespace:
                ask = allowed[0] != "All"  # a listener admitting All is never asked
                after = next(filter(None, (later(candidate) for later in rules)), None)
                break
            before = rule(candidate)
            if before is not None:
                break
        hostname = listener.hostname
        checks.append(
            _Check(
                listener,
                before,
                ask,
                after,
                allowed,
                listener.name,
                hostname,
                normalize_hostname(hostname) if hostname else None,
            )
        )
    # what the namespace rule reads: the owner namespace and, per listener asked, its
    # allowedRoutes.namespaces as values (selectors are equal when their values are)
    reads = tuple(
        (i, c.allowed[0], None if c.allowed[1] is None else selector_value(c.allowed[1]))
        for i, c in enumerate(checks)
        if c.ask and c.before is None
    )
    verdicts = memo_table(index, "namespace-verdicts")
    shared_key = (parent.owner_namespace, reads)
    by_namespace = verdicts.get(shared_key)
    if by_namespace is None:
        by_namespace = remember(verdicts, shared_key, {})
    return _Plan(tuple(checks), parent.label, _admitted(checks), not reads, by_namespace, {})


def _verdict(
    plan: _Plan, parent: Parent, kind: str, namespace: str, index: Index
) -> tuple[Any, ...]:
    """The namespace rule asked about ``namespace`` by each of the plan's listeners that ask.

    Kept as one flat tuple of strings and numbers, ``()`` when every listener admits it, else
    ``(how many listeners refused, their positions..., then per refusal its reason, message and
    whether it names the listener...)``. It does not name the parent or the listeners, so the
    plans whose namespace rule reads the same values share it: the rule is asked once per
    namespace for all the Gateways made from one template, where it was asked once per (Gateway,
    namespace) pair, and those pairs grow faster than the routes (#17). The collector stops
    tracking such a tuple at its first look, where a ``Serving`` and its ``Rejection``s (named
    tuples) kept per pair stayed tracked and, at 50k routes, brought a full collection into a
    computation. :func:`_unkept` makes the outcome.
    """
    positions: list[int] = []
    fields: list[Any] = []
    for i, check in enumerate(plan.checks):
        if check.ask and check.before is None:
            candidate = Candidate(parent, check.listener, kind, namespace, index.namespaces)
            rejection = _judge_namespace(candidate, *check.allowed)
            if rejection is not None:
                positions.append(i)
                fields += (rejection.reason, rejection.message, rejection.listener is not None)
    return (len(positions), *positions, *fields) if positions else ()


def _unkept(plan: _Plan, verdict: tuple[Any, ...]) -> Serving:
    """The outcome for a namespace some listener refused (``verdict``: :func:`_verdict`)."""
    count = verdict[0]
    positions = verdict[1 : 1 + count]
    shared = plan.by_refused.get(positions)
    if shared is None:
        shared = plan.by_refused[positions] = _refusals(plan.checks, positions)
    label, checks = plan.label, plan.checks
    refusals = [
        Rejection(
            verdict[at],
            verdict[at + 1],
            label,
            checks[position].name if verdict[at + 2] else None,
        )
        for position, at in zip(positions, range(1 + count, len(verdict), 3), strict=True)
    ]
    rejections = tuple(refusals[s] if isinstance(s, int) else s for s in shared.slots)
    return Serving(shared.listeners, rejections, shared.names, shared.hostnames, shared.normalized)


def _refusals(checks: Sequence[_Check], positions: tuple[int, ...]) -> _Refusals:
    """What a namespace refused by the listeners at ``positions`` shares with every other."""
    served: list[_Check] = []
    slots: list[Rejection | int] = []
    for i, check in enumerate(checks):
        if check.before is not None:
            slots.append(check.before)
        elif i in positions:
            slots.append(positions.index(i))
        elif check.after is not None:
            slots.append(check.after)
        else:
            served.append(check)
    return _Refusals(
        tuple(c.listener for c in served),
        tuple(c.name for c in served),
        tuple(c.hostname for c in served),
        tuple(c.normalized for c in served),
        tuple(slots),
    )


def _admitted(checks: Sequence[_Check]) -> Serving:
    """The listeners that serve, and the rejections, when the namespace rule admits."""
    served: list[_Check] = []
    rejections: list[Rejection] = []
    for check in checks:
        rejection = check.before if check.before is not None else check.after
        if rejection is None:
            served.append(check)
        else:
            rejections.append(rejection)
    return Serving(
        tuple(c.listener for c in served),
        tuple(rejections),
        tuple(c.name for c in served),
        tuple(c.hostname for c in served),
        tuple(c.normalized for c in served),
    )
