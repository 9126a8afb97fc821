"""Hypothesis strategies for valid Gateway API snapshots and configurations.

Valid means "would pass the API server's structural schema": values may still be semantically
bad (invalid hostnames, unknown protocols, broken selectors), which the computation must turn
into diagnostics.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

G = "gateway.networking.k8s.io"
P = "external-dns.kubernetes.io/"

NAMESPACES = ["infra", "app", "team"]
GATEWAYS = ["g1", "g2", "g3"]
SETS = ["ls1", "ls2"]
KINDS = ["HTTPRoute", "GRPCRoute", "TLSRoute", "TCPRoute", "UDPRoute"]

hostnames = st.sampled_from(
    [
        "a.example.com",
        "b.example.com",
        "*.example.com",
        "x.a.example.com",
        "*.a.example.com",
        "example.com",
        "A.Example.COM.",
        "bad_name.example.com",
        "192.0.2.1",
        "ä.example.com",
        "a\x00.example.com",
        "-a.example.com",
        "x" * 64 + ".example.com",
        "",
    ]
)
listener_hostnames = st.none() | st.sampled_from(
    ["*.example.com", "a.example.com", "example.com", "*.a.example.com", "bad..name"]
)
addresses = st.sampled_from(
    ["192.0.2.1", "192.0.2.2", "2001:db8::1", "lb.example.net", "lb2.example.net", "not valid!"]
)
label_sets = st.sampled_from([{}, {"dns": "on"}, {"dns": "off", "tier": "web"}, {"tier": "web"}])
selectors = st.sampled_from(
    [
        {"matchLabels": {"dns": "on"}},
        {"matchExpressions": [{"key": "tier", "operator": "In", "values": ["web"]}]},
        {"matchExpressions": [{"key": "dns", "operator": "DoesNotExist"}]},
        {"matchExpressions": [{"key": "dns", "operator": "Sometimes"}]},  # invalid: a diagnostic
        {},
    ]
)
allowed_routes = st.one_of(
    st.just({"namespaces": {"from": "All"}}),
    st.none(),
    st.builds(lambda f: {"namespaces": {"from": f}}, st.sampled_from(["Same", "All", "Bogus"])),
    st.builds(lambda sel: {"namespaces": {"from": "Selector", "selector": sel}}, selectors),
    st.builds(
        lambda kinds, f: {"namespaces": {"from": f}, "kinds": kinds},
        st.lists(
            st.builds(
                lambda k, g: {"kind": k, **({"group": g} if g else {})},
                st.sampled_from(KINDS),
                st.sampled_from([None, G, "example.com"]),
            ),
            max_size=2,
        ),
        st.sampled_from(["All", "Same"]),
    ),
)
listeners = st.builds(
    lambda i, proto, port, host, allowed: {
        "name": f"l{i}",
        "protocol": proto,
        "port": port,
        **({"hostname": host} if host is not None else {}),
        **({"allowedRoutes": allowed} if allowed is not None else {}),
    },
    st.integers(0, 3),
    st.sampled_from(["HTTP", "HTTP", "HTTPS", "HTTPS", "TLS", "TCP", "UDP", "example.com/custom"]),
    st.sampled_from([53, 80, 443]),
    listener_hostnames,
    allowed_routes,
)


def _unique_listeners(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    seen: dict[str, dict[str, Any]] = {}
    for item in items:
        seen.setdefault(item["name"], item)
    return list(seen.values())


def _condition(status: str, gen: int | None) -> dict[str, Any]:
    cond: dict[str, Any] = {"type": "Accepted", "status": status}
    if gen is not None:
        cond["observedGeneration"] = gen
    return cond


@st.composite
def gateways(draw: Any, name: str) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name, "namespace": "infra"}
    if draw(st.booleans()):
        meta["annotations"] = {
            P + "target": draw(
                st.sampled_from(["198.51.100.1", "t.example.net, 198.51.100.2", "bad target"])
            )
        }
    spec: dict[str, Any] = {
        "gatewayClassName": "c",
        "listeners": _unique_listeners(draw(st.lists(listeners, min_size=1, max_size=4))),
    }
    allowed = draw(st.sampled_from(["All", None, "Same", "Selector", "None"]))
    if allowed is not None:
        spec["allowedListeners"] = {
            "namespaces": {
                "from": allowed,
                **({"selector": draw(selectors)} if allowed == "Selector" else {}),
            }
        }
    return {
        "apiVersion": f"{G}/v1",
        "kind": "Gateway",
        "metadata": meta,
        "spec": spec,
        "status": {"addresses": [{"value": a} for a in draw(st.lists(addresses, max_size=3))]},
    }


@st.composite
def listener_sets(draw: Any, name: str) -> dict[str, Any]:
    ls_listeners = _unique_listeners(draw(st.lists(listeners, min_size=1, max_size=2)))
    accepted = [
        entry["name"] for entry in ls_listeners if draw(st.sampled_from([True, True, False]))
    ]
    return {
        "apiVersion": f"{G}/v1",
        "kind": "ListenerSet",
        "metadata": {"name": name, "namespace": draw(st.sampled_from(NAMESPACES))},
        "spec": {
            "parentRef": {"name": draw(st.sampled_from(GATEWAYS)), "namespace": "infra"},
            "listeners": ls_listeners,
        },
        "status": {
            "conditions": [_condition(draw(st.sampled_from(["True", "True", "False"])), 1)],
            "listeners": [{"name": n, "conditions": [_condition("True", 1)]} for n in accepted],
        },
    }


@st.composite
def parent_refs(draw: Any) -> dict[str, Any]:
    # hypothesis favours the first option: the common, attaching case comes first
    target = draw(st.sampled_from(["gateway", "gateway", "listenerset", "service"]))
    if target == "listenerset":
        ref: dict[str, Any] = {
            "kind": "ListenerSet",
            "name": draw(st.sampled_from(SETS)),
            "namespace": draw(st.sampled_from(NAMESPACES)),
        }
    elif target == "service":
        ref = {"group": "", "kind": "Service", "name": "svc"}
    else:
        ref = {"name": draw(st.sampled_from(GATEWAYS)), "namespace": "infra"}
    if draw(st.sampled_from([False, False, True])):
        ref["sectionName"] = f"l{draw(st.integers(0, 3))}"
    if draw(st.sampled_from([False, False, False, True])):
        ref["port"] = draw(st.sampled_from([80, 443]))
    return ref


@st.composite
def routes(draw: Any, name: str) -> dict[str, Any]:
    kind = draw(st.sampled_from([*KINDS, "HTTPRoute", "HTTPRoute"]))
    generation = draw(st.none() | st.integers(1, 4))
    refs = draw(st.lists(parent_refs(), min_size=draw(st.sampled_from([0, 1, 1, 1])), max_size=2))
    annotations: dict[str, str] = {}
    if draw(st.sampled_from([False, True])):
        annotations[P + "hostname"] = draw(
            st.sampled_from(
                ["h.example.com", "h.example.com,", " x.example.com , y.example.com", "bad name"]
            )
        )
    if draw(st.integers(0, 3)) == 0:
        annotations[P + "ttl"] = draw(st.sampled_from(["60", "5m", "0", "soon"]))
    if draw(st.integers(0, 4)) == 0:
        annotations[P + "gateway-hostname-source"] = draw(
            st.sampled_from(["annotation-only", "defined-hosts-only", "bogus"])
        )
    if draw(st.integers(0, 5)) == 0:
        annotations[P + "set-identifier"] = draw(st.sampled_from(["eu", "us\n"]))
    status = []
    for ref in refs + draw(st.lists(parent_refs(), max_size=1)):  # the extra one is often stale
        gen = draw(st.sampled_from([generation, generation, generation, None, 1, 2]))
        has_condition = draw(st.sampled_from([True, True, True, False]))
        cond = (
            [_condition(draw(st.sampled_from(["True", "True", "True", "False"])), gen)]
            if has_condition
            else []
        )
        status.append(
            {
                "parentRef": ref,
                "controllerName": draw(st.sampled_from(["c1", "c2"])),
                "conditions": cond,
            }
        )
    meta: dict[str, Any] = {
        "name": name,
        "namespace": draw(st.sampled_from(NAMESPACES)),
        "creationTimestamp": f"2025-01-0{draw(st.integers(1, 9))}T00:00:00Z",
    }
    if generation is not None:
        meta["generation"] = generation
    if annotations:
        meta["annotations"] = annotations
    spec: dict[str, Any] = {"parentRefs": refs}
    if kind in ("HTTPRoute", "GRPCRoute", "TLSRoute"):
        hosts = draw(
            st.none()
            | st.lists(
                st.one_of(
                    hostnames,
                    st.sampled_from(["a.example.com", "b.a.example.com", "c.example.com"]),
                ),
                max_size=3,
            )
        )
        if hosts is not None:
            spec["hostnames"] = hosts
    return {
        "apiVersion": f"{G}/v1",
        "kind": kind,
        "metadata": meta,
        "spec": spec,
        "status": {"parents": status},
    }


@st.composite
def snapshots(draw: Any) -> list[dict[str, Any]]:
    docs: list[dict[str, Any]] = []
    for ns in NAMESPACES:
        if draw(st.integers(0, 5)):
            docs.append(
                {
                    "apiVersion": "v1",
                    "kind": "Namespace",
                    "metadata": {"name": ns, "labels": draw(label_sets)},
                }
            )
    for name in draw(st.lists(st.sampled_from(GATEWAYS), min_size=1, max_size=3, unique=True)):
        docs.append(draw(gateways(name)))
    for name in draw(st.lists(st.sampled_from(SETS), max_size=2, unique=True)):
        docs.append(draw(listener_sets(name)))
    for i in range(draw(st.integers(0, 6))):
        docs.append(draw(routes(f"r{i}")))
    return docs


configs: st.SearchStrategy[dict[str, Any]] = st.builds(
    dict,
    generation_policy=st.sampled_from(["strict", "latest", "off"]),
    missing_observed_generation=st.sampled_from(["trust", "reject"]),
    conflict_policy=st.sampled_from(["report", "oldest-wins"]),
    listener_sets=st.sampled_from([True, False]),
    route_targets=st.booleans(),
    inherit_gateway_annotations=st.booleans(),
    listener_hostname_fallback=st.sampled_from([True, True, False]),
    ignore_hostname_annotation=st.booleans(),
    namespace=st.sampled_from([None, None, None, None, "app"]),
    gateway_name=st.sampled_from([None, None, None, None, "g1"]),
    label_selector=st.sampled_from([None, None, None, None, "!skip", "team=a"]),
)


# --- mostly consistent snapshots: routes usually attach, with occasional faults ---------------

good_listeners = st.builds(
    lambda i, proto, host, allowed: {
        "name": f"l{i}",
        "protocol": proto,
        "port": 443 if proto == "HTTPS" else 80,
        **({"hostname": host} if host is not None else {}),
        "allowedRoutes": allowed,
    },
    st.integers(0, 2),
    st.sampled_from(["HTTP", "HTTPS", "HTTPS", "TLS"]),
    st.sampled_from([None, "*.example.com", "a.example.com", "*.a.example.com"]),
    st.sampled_from(
        [
            {"namespaces": {"from": "All"}},
            {"namespaces": {"from": "All"}},
            {"namespaces": {"from": "Same"}},
            {"namespaces": {"from": "Selector", "selector": {"matchLabels": {"dns": "on"}}}},
            {
                "namespaces": {
                    "from": "Selector",
                    "selector": {
                        "matchExpressions": [{"key": "tier", "operator": "NotIn", "values": ["db"]}]
                    },
                }
            },
            {"namespaces": {"from": "All"}, "kinds": [{"kind": "HTTPRoute"}]},
            {
                "namespaces": {"from": "All"},
                "kinds": [{"kind": "GRPCRoute", "group": "example.com"}],
            },
        ]
    ),
)


@st.composite
def attachable_snapshots(draw: Any) -> list[dict[str, Any]]:
    docs: list[dict[str, Any]] = [
        {
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": {"name": ns, "labels": draw(label_sets)},
        }
        for ns in NAMESPACES
    ]
    for g in GATEWAYS:
        docs.append(
            {
                "apiVersion": f"{G}/v1",
                "kind": "Gateway",
                "metadata": {"name": g, "namespace": "infra"},
                "spec": {
                    "gatewayClassName": "c",
                    "listeners": _unique_listeners(
                        draw(st.lists(good_listeners, min_size=1, max_size=3))
                    ),
                    "allowedListeners": {
                        "namespaces": {
                            "from": draw(st.sampled_from(["All", "All", "Same", "None"]))
                        }
                    },
                },
                "status": {
                    "addresses": [
                        {"value": a} for a in draw(st.lists(addresses, min_size=1, max_size=2))
                    ]
                },
            }
        )
    for s in SETS:
        ls_listeners = _unique_listeners(draw(st.lists(good_listeners, min_size=1, max_size=2)))
        docs.append(
            {
                "apiVersion": f"{G}/v1",
                "kind": "ListenerSet",
                "metadata": {"name": s, "namespace": draw(st.sampled_from(NAMESPACES))},
                "spec": {
                    "parentRef": {"name": draw(st.sampled_from(GATEWAYS)), "namespace": "infra"},
                    "listeners": ls_listeners,
                },
                "status": {
                    "conditions": [
                        _condition(draw(st.sampled_from(["True", "True", "True", "False"])), 1)
                    ],
                    "listeners": [
                        {"name": x["name"], "conditions": [_condition("True", 1)]}
                        for x in ls_listeners
                        if draw(st.integers(0, 4))
                    ],
                },
            }
        )
    for i in range(draw(st.integers(1, 8))):
        generation = draw(st.integers(1, 3))
        refs = []
        for _ in range(draw(st.integers(1, 2))):
            if draw(st.integers(0, 3)) == 0:
                refs.append(
                    {
                        "kind": "ListenerSet",
                        "name": draw(st.sampled_from(SETS)),
                        "namespace": draw(st.sampled_from(NAMESPACES)),
                    }
                )
            else:
                refs.append({"name": draw(st.sampled_from(GATEWAYS)), "namespace": "infra"})
        status = []
        for ref in refs:
            gen = (
                generation
                if draw(st.integers(0, 5))
                else draw(st.sampled_from([None, generation - 1 or 1]))
            )
            status.append(
                {
                    "parentRef": ref,
                    "controllerName": draw(st.sampled_from(["c1", "c2"])),
                    "conditions": [
                        {"type": "ResolvedRefs", "status": "True"},
                        _condition("True" if draw(st.integers(0, 7)) else "False", gen),
                    ],
                }
            )
        if draw(st.integers(0, 3)) == 0:  # a leftover for a parent the route has left
            status.append(
                {
                    "parentRef": {
                        "name": draw(st.sampled_from(GATEWAYS)),
                        "namespace": "infra",
                        "sectionName": "l0",
                    },
                    "controllerName": "c1",
                    "conditions": [_condition("True", max(1, generation - 1))],
                }
            )
        kind = draw(st.sampled_from(["HTTPRoute", "HTTPRoute", "GRPCRoute", "TLSRoute"]))
        docs.append(
            {
                "apiVersion": f"{G}/v1",
                "kind": kind,
                "metadata": {
                    "name": f"r{i}",
                    "namespace": draw(st.sampled_from(NAMESPACES)),
                    "generation": generation,
                    "creationTimestamp": f"2025-01-0{draw(st.integers(1, 9))}T00:00:00Z",
                },
                "spec": {
                    "parentRefs": refs,
                    **(
                        {
                            "hostnames": draw(
                                st.lists(
                                    st.sampled_from(
                                        [
                                            "a.example.com",
                                            "b.a.example.com",
                                            "c.example.com",
                                            "*.a.example.com",
                                        ]
                                    ),
                                    max_size=2,
                                )
                            )
                        }
                        if draw(st.integers(0, 3))
                        else {}
                    ),
                },
                "status": {"parents": status},
            }
        )
    return docs


attachable_configs: st.SearchStrategy[dict[str, Any]] = st.builds(
    dict,
    generation_policy=st.sampled_from(["strict", "latest", "off"]),
    listener_sets=st.sampled_from([True, True, False]),
    conflict_policy=st.sampled_from(["report", "oldest-wins"]),
)
