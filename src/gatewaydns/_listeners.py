"""Listener admission: which listeners of a parent serve a route (SPEC section 5).

A listener serves a route when every rule of :data:`LISTENER_RULES` passes: the protocol can
carry the route's kind (:data:`PROTOCOLS`), the matched spec ref's ``port`` (if any) is the
listener's, ``allowedRoutes.namespaces`` admits the route's namespace (the ``namespaces.from``
table, :mod:`gatewaydns._namespaces`), and ``allowedRoutes.kinds`` (if any) holds the kind.

The outcome depends only on the parent, the route's kind and namespace, and the Namespaces'
labels: :func:`admitted_listeners` is a pure function of those values.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from gatewaydns._base import GATEWAY_GROUP
from gatewaydns._diagnostics import ReasonCode, Rejection
from gatewaydns._gateway import Listener
from gatewaydns._index import Index
from gatewaydns._namespaces import NamespaceQuery, admission, invalid_selector
from gatewaydns._parents import Parent

__all__ = ["LISTENER_RULES", "PROTOCOLS", "Candidate", "admitted_listeners", "serving_listeners"]

#: Route kind -> listener protocols that can serve it (SPEC section 5).
PROTOCOLS: dict[str, frozenset[str]] = {
    "HTTPRoute": frozenset({"HTTP", "HTTPS"}),
    "GRPCRoute": frozenset({"HTTP", "HTTPS"}),
    "TLSRoute": frozenset({"TLS"}),
    "TCPRoute": frozenset({"TCP", "TLS"}),
    "UDPRoute": frozenset({"UDP"}),
}


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
    allowed = c.listener.allowed_routes
    namespaces = allowed.namespaces if allowed is not None else None
    from_ = (namespaces.from_ if namespaces is not None else None) or "Same"
    query = NamespaceQuery(
        c.namespace,
        c.parent.owner_namespace,
        namespaces.selector if namespaces is not None else None,
        c.namespaces,
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


def _admits_all(listener: Listener) -> bool:
    """Whether ``allowedRoutes.namespaces.from`` is ``All`` (see :func:`_namespace`)."""
    allowed = listener.allowed_routes
    namespaces = allowed.namespaces if allowed is not None else None
    return namespaces is not None and namespaces.from_ == "All"


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


def serving_listeners(
    parent: Parent, kind: str, namespace: str, index: Index
) -> tuple[tuple[Listener, ...], tuple[Rejection, ...]]:
    """:func:`admitted_listeners`, computed once per parent, route kind and route namespace.

    The outcome depends on nothing else (the parent's listeners and owner come from its object
    and the ``sectionName``/``port`` selectors, the Namespaces from the index), and on the
    namespace only when one of the listeners does not admit ``All`` namespaces; routes that
    share these share the outcome, kept in ``index.memo``.

    Args:
        parent: the parent.
        kind: the route's kind.
        namespace: the route's namespace.
        index: the snapshot's index.

    Returns:
        As :func:`admitted_listeners`.
    """
    owner = parent.listener_set or parent.gateway
    # the namespace matters only to a listener that does not admit every namespace
    blind = all(_admits_all(listener) for listener in parent.listeners)
    key = (
        "serving_listeners",
        id(owner),
        parent.label,
        parent.selectors,
        kind,
        None if blind else namespace,
    )
    hit = index.memo.get(key)
    if hit is not None and hit[0] is owner:  # the same object, not one at a reused address
        return hit[1]  # type: ignore[no-any-return]
    found = admitted_listeners(parent, kind, namespace, index.namespaces)
    index.memo[key] = (owner, found)
    return found
