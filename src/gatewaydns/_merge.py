"""Merging endpoints of all routes, and DNS conflicts (SPEC sections 8 and 11).

Same (dnsName, recordType, setIdentifier, TTL) ⇒ one endpoint with the union of targets; a
CNAME merges only with a CNAME of the same target. Merged endpoints keep the labels and
provider-specific properties of the route that sorts first by (creationTimestamp, namespace,
name, kind).

A DNS name (per set identifier) is in conflict when it would get a CNAME and also A/AAAA
records, more than one CNAME target, or one record type with different TTLs or provider-specific
properties. ``report`` publishes as upstream does and adds a ``dns-conflict`` diagnostic;
``oldest-wins`` keeps only the oldest route's records for that name (the Gateway API conflict
rule) and drops the others with a diagnostic.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from gatewaydns._diagnostics import Diagnostic, make_diagnostic
from gatewaydns._endpoint import Endpoint, endpoint_sort_key
from gatewaydns._routes import Route
from gatewaydns._types import ConflictPolicy

__all__ = ["merge", "route_sort_key"]


def route_sort_key(route: Route) -> tuple[Any, ...]:
    """Age order of routes: (creationTimestamp, namespace, name, kind); no timestamp sorts last."""
    ts = route.metadata.creation_timestamp
    return (ts is None, ts or "", route.namespace, route.name, route.kind)


def _conflict(endpoints: list[tuple[str, Endpoint]]) -> str | None:
    types = {ep.record_type for _, ep in endpoints}
    if "CNAME" in types and types & {"A", "AAAA"}:
        return "a CNAME and A/AAAA records"
    cname_targets = {t for _, ep in endpoints if ep.record_type == "CNAME" for t in ep.targets}
    if len(cname_targets) > 1:
        return f"{len(cname_targets)} CNAME targets ({', '.join(sorted(cname_targets))})"
    for rtype in sorted(types):
        props = {
            (ep.record_ttl, ep.provider_specific) for _, ep in endpoints if ep.record_type == rtype
        }
        if len(props) > 1:
            return f"{rtype} records with different TTLs or provider-specific properties"
    return None


def merge(
    routes: Iterable[Route],
    by_route: Mapping[str, tuple[Endpoint, ...]],
    policy: ConflictPolicy,
) -> tuple[list[Endpoint], list[Diagnostic], dict[str, tuple[Endpoint, ...]]]:
    """Detect conflicts, apply the conflict policy, and merge endpoints across routes.

    Args:
        routes: every route of the snapshot (for age order and diagnostics).
        by_route: route key -> that route's endpoints.
        policy: ``report`` or ``oldest-wins``.

    Returns:
        (merged sorted endpoints, conflict diagnostics, by_route after the policy).
    """
    route_of = {r.resource: r for r in routes}

    def age(key: str) -> tuple[Any, ...]:
        route = route_of.get(key)
        return route_sort_key(route) if route is not None else (True, "", key)

    order = sorted(by_route, key=age)
    rank = {key: i for i, key in enumerate(order)}
    names: dict[tuple[str, str], list[tuple[str, Endpoint]]] = {}
    for key in order:
        for ep in by_route[key]:
            names.setdefault((ep.dns_name, ep.set_identifier), []).append((key, ep))

    diagnostics: list[Diagnostic] = []
    dropped: set[tuple[str, str, str]] = set()  # (route key, dns name, set id)
    for (dns_name, set_id), entries in sorted(names.items()):
        why = _conflict(entries)
        if why is None:
            continue
        involved = sorted({key for key, _ in entries}, key=rank.__getitem__)
        where = dns_name + (f" (set {set_id})" if set_id else "")
        for key in involved:
            route = route_of.get(key)
            kind, namespace, name = (
                (route.kind, route.namespace, route.name) if route else ("Route", "", key)
            )
            others = [k for k in involved if k != key]
            msg = f"{where} would get {why}"
            if others:
                msg += f"; also claimed by {', '.join(others)}"
            if policy == "oldest-wins" and key != involved[0]:
                msg += f"; dropped: {involved[0]} is older and keeps the name"
                dropped.add((key, dns_name, set_id))
            diagnostics.append(
                make_diagnostic("dns-conflict", kind, namespace, name, msg, hostname=dns_name)
            )

    kept: dict[str, tuple[Endpoint, ...]] = {}
    for key in order:
        eps = tuple(
            ep for ep in by_route[key] if (key, ep.dns_name, ep.set_identifier) not in dropped
        )
        if eps:
            kept[key] = eps

    merged: dict[tuple[Any, ...], Endpoint] = {}
    for key in order:
        for ep in kept.get(key, ()):
            mkey: tuple[Any, ...] = (ep.dns_name, ep.record_type, ep.set_identifier, ep.record_ttl)
            if ep.record_type == "CNAME":
                mkey += (ep.targets,)
            first = merged.get(mkey)
            if first is None:
                merged[mkey] = ep
            else:
                targets = tuple(sorted(set(first.targets) | set(ep.targets)))
                merged[mkey] = first.model_copy(update={"targets": targets})
    return sorted(merged.values(), key=endpoint_sort_key), diagnostics, kept
