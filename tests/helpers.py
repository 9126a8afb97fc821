"""Builders for Gateway API manifests, so tests state only what matters to them."""

from __future__ import annotations

from typing import Any

import gatewaydns

G = "gateway.networking.k8s.io/v1"
P = "external-dns.kubernetes.io/"


def listener(
    name: str = "http",
    protocol: str = "HTTP",
    port: int = 80,
    hostname: str | None = None,
    allowed: dict[str, Any] | None = None,
) -> dict[str, Any]:
    out: dict[str, Any] = {"name": name, "port": port, "protocol": protocol}
    if hostname is not None:
        out["hostname"] = hostname
    if allowed is not None:
        out["allowedRoutes"] = allowed
    return out


ALL = {"namespaces": {"from": "All"}}


def gateway(
    name: str = "gw",
    namespace: str = "infra",
    listeners: list[dict[str, Any]] | None = None,
    addresses: list[str] | None = None,
    annotations: dict[str, str] | None = None,
    labels: dict[str, str] | None = None,
    allowed_listeners: dict[str, Any] | None = None,
) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name, "namespace": namespace}
    if annotations:
        meta["annotations"] = annotations
    if labels:
        meta["labels"] = labels
    spec: dict[str, Any] = {
        "gatewayClassName": "c",
        "listeners": listeners if listeners is not None else [listener(allowed=ALL)],
    }
    if allowed_listeners is not None:
        spec["allowedListeners"] = allowed_listeners
    addrs = ["192.0.2.1"] if addresses is None else addresses
    status = {
        "addresses": [
            {"type": "Hostname" if not a[0].isdigit() and ":" not in a else "IPAddress", "value": a}
            for a in addrs
        ]
    }
    return {"apiVersion": G, "kind": "Gateway", "metadata": meta, "spec": spec, "status": status}


def accepted(
    name: str = "gw",
    namespace: str | None = "infra",
    generation: int | None = 1,
    status: str = "True",
    controller: str = "example.com/ctrl",
    **ref: Any,
) -> dict[str, Any]:
    cond: dict[str, Any] = {
        "type": "Accepted",
        "status": status,
        "reason": "Accepted",
        "message": "",
    }
    if generation is not None:
        cond["observedGeneration"] = generation
    parent_ref: dict[str, Any] = {"name": name, **ref}
    if namespace is not None:
        parent_ref["namespace"] = namespace
    return {"parentRef": parent_ref, "controllerName": controller, "conditions": [cond]}


def route(
    name: str = "r",
    namespace: str = "app",
    kind: str = "HTTPRoute",
    hostnames: list[str] | None = None,
    parents: list[dict[str, Any]] | None = None,
    status: list[dict[str, Any]] | None = None,
    generation: int | None = 1,
    annotations: dict[str, str] | None = None,
    labels: dict[str, str] | None = None,
    created: str | None = None,
) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name, "namespace": namespace}
    if generation is not None:
        meta["generation"] = generation
    if annotations:
        meta["annotations"] = annotations
    if labels:
        meta["labels"] = labels
    if created:
        meta["creationTimestamp"] = created
    refs = parents if parents is not None else [{"name": "gw", "namespace": "infra"}]
    spec: dict[str, Any] = {"parentRefs": refs}
    if hostnames is not None and kind not in ("TCPRoute", "UDPRoute"):
        spec["hostnames"] = hostnames
    if status is None:
        status = [
            accepted(
                r["name"],
                r.get("namespace"),
                generation,
                **{k: v for k, v in r.items() if k in ("sectionName", "port", "kind", "group")},
            )
            for r in refs
        ]
    return {
        "apiVersion": G,
        "kind": kind,
        "metadata": meta,
        "spec": spec,
        "status": {"parents": status},
    }


def namespace(name: str, labels: dict[str, str] | None = None) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name}
    if labels:
        meta["labels"] = labels
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": meta}


def listener_set(
    name: str = "ls",
    namespace: str = "team",
    gateway_name: str = "gw",
    gateway_namespace: str = "infra",
    listeners: list[dict[str, Any]] | None = None,
    accepted_listeners: list[str] | None = None,
    accepted_set: bool = True,
    annotations: dict[str, str] | None = None,
) -> dict[str, Any]:
    lsts = (
        listeners
        if listeners is not None
        else [listener("web", hostname="web.example.com", allowed=ALL)]
    )
    names = [entry["name"] for entry in lsts] if accepted_listeners is None else accepted_listeners
    meta: dict[str, Any] = {"name": name, "namespace": namespace}
    if annotations:
        meta["annotations"] = annotations
    return {
        "apiVersion": G,
        "kind": "ListenerSet",
        "metadata": meta,
        "spec": {
            "parentRef": {"name": gateway_name, "namespace": gateway_namespace},
            "listeners": lsts,
        },
        "status": {
            "conditions": [{"type": "Accepted", "status": "True" if accepted_set else "False"}],
            "listeners": [
                {"name": n, "conditions": [{"type": "Accepted", "status": "True"}]} for n in names
            ],
        },
    }


def compute(docs: list[dict[str, Any]], previous: Any = None, **config: Any) -> gatewaydns.Result:
    snap = gatewaydns.Snapshot.from_manifests(docs)
    return gatewaydns.compute_endpoints(snap, gatewaydns.SourceConfig(**config), previous)


def records(result: gatewaydns.Result) -> list[tuple[str, str, tuple[str, ...]]]:
    """(name, type, targets) of every merged endpoint."""
    return [(e.dns_name, e.record_type, e.targets) for e in result.endpoints]


def names(result: gatewaydns.Result) -> list[str]:
    return sorted({e.dns_name for e in result.endpoints})


def reasons(result: gatewaydns.Result) -> list[str]:
    return [d.reason for d in result.diagnostics]


def model(doc: dict[str, Any]) -> Any:
    """The model of one manifest (Gateway, ListenerSet, route or Namespace)."""
    snap = gatewaydns.Snapshot.from_manifests([doc])
    return [*snap.gateways, *snap.listener_sets, *snap.routes, *snap.namespaces][0]


# --- the parentRef move (external -> internal) that the reconciler tests replay -----------------
EXTERNAL = model(gateway("external", addresses=["203.0.113.10"]))
INTERNAL = model(gateway("internal", addresses=["192.0.2.20"]))
MOVED_LAGGING = model(
    route(
        "shop",
        hostnames=["shop.example.com"],
        parents=[{"name": "internal", "namespace": "infra"}],
        status=[accepted("external", generation=1)],
        generation=2,
    )
)
MOVED_CAUGHT_UP = model(
    route(
        "shop",
        hostnames=["shop.example.com"],
        parents=[{"name": "internal", "namespace": "infra"}],
        status=[accepted("external", generation=1), accepted("internal", generation=2)],
        generation=2,
    )
)


def route_readings(r: Any) -> tuple[Any, ...]:
    """Everything a route's readers give (what a compact route answers without its manifest)."""
    return (
        r.kind,
        r.name,
        r.namespace,
        r.key,
        r.resource,
        r._generation(),
        r._annotation_data(),
        r._label_data(),
        r._created(),
        tuple(r._hostname_data()),
        r._parent_ref_fields(),
        r._status_entries(),
        r._observed(),
        r._row_labels(),
    )
