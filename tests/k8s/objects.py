"""Gateway API objects as a real API server accepts them (the test helpers, plus what it requires)."""

from __future__ import annotations

from typing import Any

from tests.helpers import accepted, gateway, route

T0 = "2025-01-01T00:00:00Z"


def stamped(status: dict[str, Any]) -> dict[str, Any]:
    """Give every condition the ``lastTransitionTime`` (and ``message``) the CRDs require."""

    def fix(conditions: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [{"lastTransitionTime": T0, "message": "", **c} for c in conditions]

    out = dict(status)
    if "conditions" in out:
        out["conditions"] = fix(out["conditions"])
    if "parents" in out:
        out["parents"] = [{**p, "conditions": fix(p["conditions"])} for p in out["parents"]]
    return out


def gw(name: str, namespace: str, address: str) -> dict[str, Any]:
    doc = gateway(name, namespace, addresses=[address])
    doc["status"] = stamped(doc["status"])
    return doc


def parent_status(gateway_name: str, namespace: str, generation: int) -> dict[str, Any]:
    """An Accepted status.parents entry, as a Gateway controller writes it."""
    return accepted(gateway_name, namespace, generation)


def http_route(
    name: str,
    namespace: str,
    hostnames: list[str],
    parent: str,
    *,
    status_parents: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """An HTTPRoute on Gateway ``parent`` (same namespace), accepted at generation 1."""
    doc = route(
        name,
        namespace,
        hostnames=hostnames,
        parents=[{"name": parent, "namespace": namespace}],
        status=status_parents,
        generation=None,
    )
    if status_parents is None:
        doc["status"] = {"parents": [parent_status(parent, namespace, 1)]}
    doc["status"] = stamped(doc["status"])
    return doc
