"""What the cluster calls for, and every path a route has or had to a Gateway (for ``audit``).

Stale records are explained by the manifests themselves: a route's ``status.parents`` still names
the Gateway it left (the controller never cleans up, or lags), and every Gateway's
``status.addresses`` and ``target`` annotation say whose a target is. :func:`expect` gathers:

* the desired record sets: ``compute_endpoints``' result, by (name, type), and which route calls
  for which targets;
* every :class:`Link`: for each route, one per parent named in ``spec.parentRefs`` or
  ``status.parents``, computed with every rule of SPEC sections 1-8 as configured, but as if that
  parent had accepted the route at its current generation (generation, spec membership and
  acceptance relaxed). That is what the route publishes, or would, through that parent: what
  external-dns publishes while it trusts the stale entry. A link is ``current`` when the route
  publishes the name through that Gateway now (``Result.attachments``), ``held`` when the
  route's status lags its spec under the ``strict`` policy and the link comes from a status
  entry (SPEC 9: hold keeps these records until the controller catches up), ``pending`` when
  the parent is in ``spec.parentRefs`` but has no status entry (the route is on its way there),
  and ``left`` otherwise, with the diagnostics that say why (no longer in ``spec.parentRefs``, a
  stale generation, not accepted, a listener that no longer matches);
* which Gateway has each target: ``status.addresses`` and ``target`` annotations of every
  Gateway, and ListenerSets' ``target`` annotations (their Gateway's), filtered or not.

Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal, TypeAlias

from gatewaydns._annotations import Annotations
from gatewaydns._compute import Result, compute_endpoints
from gatewaydns._config import SourceConfig
from gatewaydns._diagnostics import Diagnostic
from gatewaydns._generation import is_behind
from gatewaydns._meta import Condition, ParentReference, RouteParentStatus
from gatewaydns._parents import RefIdentity, stands_for
from gatewaydns._plan import normalize_endpoint
from gatewaydns._routes import Route, RouteKey, RouteStatus
from gatewaydns._snapshot import Snapshot
from gatewaydns._targets import clean_target

__all__ = ["Expected", "Link", "LinkState", "expect"]

#: How a route relates to a Gateway for one name (see the module docstring).
LinkState: TypeAlias = Literal["current", "held", "pending", "left"]
NameType: TypeAlias = tuple[str, str]


@dataclass(frozen=True)
class Link:
    """A route's path to a Gateway for one DNS name and type (see the module docstring).

    Attributes:
        route: the route key (``httproute/ns/name``).
        route_kind: the route's kind.
        route_name: the route's ``namespace/name``.
        parent: the parent as ``--explain`` names it (``Gateway infra/external``).
        gateway: the Gateway's ``namespace/name`` (a ListenerSet parent's Gateway).
        dns_name: the name.
        record_type: the type.
        targets: what the route publishes (or would) through this parent, sorted.
        state: ``current``, ``held``, ``pending`` or ``left``.
        why: the diagnostics about this parent (``reason: message``), and the status entry.
    """

    route: str
    route_kind: str
    route_name: str
    parent: str
    gateway: str
    dns_name: str
    record_type: str
    targets: tuple[str, ...]
    state: LinkState
    why: tuple[str, ...] = ()


@dataclass(frozen=True)
class Expected:
    """What the cluster calls for, and what explains the rest (built by :func:`expect`).

    Attributes:
        desired: (name, type) -> the targets the cluster calls for (every set identifier).
        wanted_by: (name, type) -> route key -> the targets that route calls for.
        links: (name, type) -> every link reaching it, sorted.
        addresses: target -> ``(Gateway namespace/name, where)`` for each Gateway that has it.
        routes: route key -> (kind, ``namespace/name``, ``metadata.generation``).
        names: every name worth asking DNS about (desired or reached by a link), sorted.
    """

    desired: Mapping[NameType, frozenset[str]]
    wanted_by: Mapping[NameType, Mapping[str, frozenset[str]]]
    links: Mapping[NameType, tuple[Link, ...]]
    addresses: Mapping[str, tuple[tuple[str, str], ...]]
    routes: Mapping[str, tuple[str, str, int | None]] = field(default_factory=dict)
    names: tuple[str, ...] = ()


# --- what the cluster calls for, and every path to a Gateway -----------------------------------
def expect(snapshot: Snapshot, config: SourceConfig, result: Result) -> Expected:
    """Derive what an audit compares DNS with, from the manifests and their computed result.

    Args:
        snapshot: the Gateway API objects.
        config: the configuration ``result`` was computed with.
        result: ``compute_endpoints(snapshot, config, previous)``.

    Returns:
        The desired record sets, the routes' links to Gateways and the Gateways' targets.

    Example:
        >>> snap = Snapshot.from_manifests([])
        >>> expect(snap, SourceConfig(), compute_endpoints(snap)).names
        ()
    """
    desired: dict[NameType, set[str]] = {}
    for ep in map(normalize_endpoint, result.endpoints):
        desired.setdefault((ep.dns_name, ep.record_type), set()).update(ep.targets)
    wanted_by: dict[NameType, dict[str, set[str]]] = {}
    for route, eps in result.by_route.items():
        for ep in map(normalize_endpoint, eps):
            per = wanted_by.setdefault((ep.dns_name, ep.record_type), {})
            per.setdefault(route, set()).update(ep.targets)
    links: dict[NameType, list[Link]] = {}
    for link in _links(snapshot, config, result):
        links.setdefault((link.dns_name, link.record_type), []).append(link)
    names = {name for name, _ in desired} | {name for name, _ in links}
    return Expected(
        desired={k: frozenset(v) for k, v in desired.items()},
        wanted_by={k: {r: frozenset(t) for r, t in v.items()} for k, v in wanted_by.items()},
        links={k: tuple(sorted(v, key=_link_key)) for k, v in links.items()},
        addresses=_addresses(snapshot, config),
        routes={
            r.resource: (r.kind, f"{r.namespace}/{r.name}", r.metadata.generation)
            for r in snapshot.routes
        },
        names=tuple(sorted(names)),
    )


def _link_key(link: Link) -> tuple[Any, ...]:
    return (link.route, link.gateway, link.parent, link.state, link.targets)


def _addresses(snapshot: Snapshot, config: SourceConfig) -> dict[str, tuple[tuple[str, str], ...]]:
    """Target -> (Gateway, where) for every Gateway and ListenerSet, filtered or not (SPEC 7)."""
    prefix = config.annotation_prefix
    found: dict[str, set[tuple[str, str]]] = {}

    def add(values: Iterable[str], gateway: str, where: str) -> None:
        for value in values:
            target = clean_target(value)
            if target is not None:
                found.setdefault(target, set()).add((gateway, where))

    for gw in snapshot.gateways:
        key = f"{gw.namespace}/{gw.name}"
        addresses = gw.status.addresses or () if gw.status else ()
        add((a.value for a in addresses), key, "status.addresses")
        ann = Annotations(gw.metadata.annotations, prefix)
        add(ann.targets(), key, "target annotation")
    for ls in snapshot.listener_sets:
        gateway = ls.gateway_key()
        if gateway is None:  # attached to no Gateway: its targets are nobody's
            continue
        ann = Annotations(ls.metadata.annotations, prefix)
        where = f"target annotation of ListenerSet {ls.namespace}/{ls.name}"
        add(ann.targets(), "/".join(gateway), where)
    return {t: tuple(sorted(v)) for t, v in sorted(found.items())}


_ACCEPTED = (Condition(type="Accepted", status="True"),)


def _through(route: Route, ref: ParentReference) -> Route:
    """``route`` with ``ref`` as its only parent, accepted there (generation not checked)."""
    # built from validated parts: construct without validating again (one per route and parent)
    accepted = RouteParentStatus.model_construct(parent_ref=ref, conditions=_ACCEPTED)
    return route.model_copy(
        update={
            "spec": route.spec.model_copy(update={"parent_refs": (ref,)}),
            "status": RouteStatus.model_construct(parents=(accepted,)),
        }
    )


def _links(snapshot: Snapshot, config: SourceConfig, result: Result) -> list[Link]:
    """Every route's path to every Gateway it names in spec or status, with its state."""
    # The history: SPEC 1-8 as configured, but every parent counts (policy off, trusted).
    history = config.model_copy(
        update={
            "generation_policy": "off",
            "missing_observed_generation": "trust",
            "conflict_policy": "report",
        }
    )
    sets = {(ls.namespace, ls.name): ls for ls in snapshot.listener_sets}

    def gateway_of(ref: ParentReference, namespace: str) -> str:
        _group, kind, ns, name = ref.identity(namespace)
        gateway = (
            sets[(ns, name)].gateway_key() if kind == "ListenerSet" and (ns, name) in sets else None
        )
        return "/".join(gateway or (ns, name))

    # per route: its parents (status entries first: they say what was published), deduplicated
    parents: dict[str, list[tuple[ParentReference, RouteParentStatus | None]]] = {}
    for route in snapshot.routes:
        seen: dict[RefIdentity, tuple[ParentReference, RouteParentStatus | None]] = {}
        statuses = [
            (RefIdentity.of(e.parent_ref, route.namespace), e) for e in route.parent_statuses
        ]
        for identity, entry in statuses:
            seen.setdefault(identity, (entry.parent_ref, entry))
        for ref in route.parent_refs:
            spec = RefIdentity.of(ref, route.namespace)
            if not any(stands_for(identity, spec) for identity, _ in statuses):
                seen.setdefault(spec, (ref, None))
        parents[route.resource] = list(seen.values())
    # which Gateway each route publishes each name through now (SPEC 4-6, result.attachments)
    labels = {
        (route.resource, ref.label(route.namespace)): gateway_of(ref, route.namespace)
        for route in snapshot.routes
        for ref, _ in parents[route.resource]
    }
    current = {
        (att.route, labels.get((att.route, att.parent), ""), att.hostname)
        for att in result.attachments
    }
    diagnostics: dict[RouteKey, list[Diagnostic]] = {}  # route -> its diagnostics
    for d in result.diagnostics:
        diagnostics.setdefault(RouteKey(d.kind, d.namespace, d.name), []).append(d)
    out: list[Link] = []
    depth = max((len(p) for p in parents.values()), default=0)
    for i in range(depth):  # batch i: every route through its i-th parent
        batch = [
            (route, *parents[route.resource][i])
            for route in snapshot.routes
            if len(parents[route.resource]) > i
        ]
        through = replace(snapshot, routes=tuple(_through(r, ref) for r, ref, _ in batch))
        computed = compute_endpoints(through, history)
        for route, ref, status_entry in batch:
            label = ref.label(route.namespace)
            gateway = gateway_of(ref, route.namespace)
            behind = config.generation_policy == "strict" and is_behind(
                route.metadata.generation, route.parent_statuses
            )
            why = _why(diagnostics.get(route.key, ()), label, route, status_entry)
            for ep in map(normalize_endpoint, computed.by_route.get(route.resource, ())):
                state: LinkState = "left"
                if (route.resource, gateway, ep.dns_name) in current:
                    state = "current"
                elif status_entry is None:
                    state = "pending"
                elif behind:
                    state = "held"
                out.append(
                    Link(
                        route=route.resource,
                        route_kind=route.kind,
                        route_name=f"{route.namespace}/{route.name}",
                        parent=label,
                        gateway=gateway,
                        dns_name=ep.dns_name,
                        record_type=ep.record_type,
                        targets=ep.targets,
                        state=state,
                        why=why,
                    )
                )
    return out


def _why(
    diagnostics: Sequence[Diagnostic],
    label: str,
    route: Route,
    entry: RouteParentStatus | None,
) -> tuple[str, ...]:
    """What the route's diagnostics say about one parent, and its status entry."""
    lines = [f"{d.reason}: {d.message}" for d in diagnostics if d.parent == label]
    if entry is None:
        lines.append("no status.parents entry: the Gateway controller has not accepted it there")
    else:
        cond = entry.condition("Accepted")
        state = "no Accepted condition" if cond is None else f"Accepted={cond.status}"
        if cond is not None and cond.observed_generation is not None:
            state += f", observedGeneration {cond.observed_generation}"
        gen = route.metadata.generation
        lines.append(
            f"status entry: {state}" + (f" (route generation {gen})" if gen is not None else "")
        )
    return tuple(lines)
