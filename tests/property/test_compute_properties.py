"""Properties of compute_endpoints over generated snapshots (hypothesis)."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import gatewaydns
from tests.helpers import accepted, gateway, listener, namespace, route

NAMES = st.sampled_from(["a", "b", "c"])
HOST = st.sampled_from(
    ["a.example.com", "b.example.com", "*.example.com", "x.a.example.com", "example.org"]
)
LISTENER_HOST = st.none() | st.sampled_from(["*.example.com", "a.example.com", "example.org"])
ADDRESS = st.sampled_from(
    ["192.0.2.1", "192.0.2.2", "2001:db8::1", "lb.example.net", "lb2.example.net"]
)
FROM = st.sampled_from(
    [
        {"namespaces": {"from": "All"}},
        None,
        {"namespaces": {"from": "Selector", "selector": {"matchLabels": {"dns": "on"}}}},
    ]
)


@st.composite
def snapshots(draw: Any) -> list[dict[str, Any]]:
    docs: list[dict[str, Any]] = [namespace("app", {"dns": "on"}), namespace("web")]
    gw_names = draw(st.lists(NAMES, min_size=1, max_size=3, unique=True))
    for gw in gw_names:
        listeners = [
            listener(
                f"l{i}",
                draw(st.sampled_from(["HTTP", "HTTPS", "TLS"])),
                draw(st.sampled_from([80, 443])),
                draw(LISTENER_HOST),
                draw(FROM),
            )
            for i in range(draw(st.integers(1, 3)))
        ]
        docs.append(gateway(gw, listeners=listeners, addresses=draw(st.lists(ADDRESS, max_size=3))))
    for i in range(draw(st.integers(0, 6))):
        generation = draw(st.integers(1, 3))
        refs = [
            {"name": g, "namespace": "infra"}
            for g in draw(st.lists(st.sampled_from(gw_names), min_size=1, max_size=2, unique=True))
        ]
        status = [
            accepted(
                r["name"],
                generation=draw(st.none() | st.integers(1, 3)),
                controller=draw(st.sampled_from(["c1", "c2"])),
                status=draw(st.sampled_from(["True", "True", "False"])),
            )
            for r in [*refs, {"name": draw(st.sampled_from(gw_names))}]
        ]
        docs.append(
            route(
                f"r{i}",
                namespace=draw(st.sampled_from(["app", "web", "infra"])),
                kind=draw(st.sampled_from(["HTTPRoute", "GRPCRoute", "TLSRoute"])),
                hostnames=draw(st.none() | st.lists(HOST, max_size=2)),
                parents=refs,
                status=status,
                generation=generation,
                created=f"2025-01-0{draw(st.integers(1, 9))}T00:00:00Z",
            )
        )
    return docs


def compute(docs: list[dict[str, Any]], **config: Any) -> gatewaydns.Result:
    return gatewaydns.compute_endpoints(
        gatewaydns.Snapshot.from_manifests(docs), gatewaydns.SourceConfig(**config)
    )


SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(snapshots())
def test_endpoints_are_valid_and_sorted(docs: list[dict[str, Any]]) -> None:
    result = compute(docs)
    keys = [
        (e.dns_name, e.record_type, e.set_identifier, e.record_ttl, e.targets)
        for e in result.endpoints
    ]
    assert keys == sorted(keys)
    for ep in result.endpoints:
        assert ep.targets
        assert list(ep.targets) == sorted(set(ep.targets))
        assert gatewaydns._hostnames.normalize_hostname(ep.dns_name) == ep.dns_name


@SETTINGS
@given(snapshots())
def test_oldest_wins_is_conflict_free(docs: list[dict[str, Any]]) -> None:
    result = compute(docs, conflict_policy="oldest-wins")
    by_name: dict[str, set[str]] = {}
    for ep in result.endpoints:
        by_name.setdefault(ep.dns_name, set()).add(ep.record_type)
    for name, types in by_name.items():
        if "CNAME" in types:
            cname_routes = {
                k for k, eps in result.by_route.items() if any(e.dns_name == name for e in eps)
            }
            assert types == {"CNAME"} or len(cname_routes) == 1, name
