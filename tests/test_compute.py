"""compute_endpoints, SPEC sections 1-8 rule by rule: each row fails without its rule."""

from __future__ import annotations

from typing import Any

import pytest

import gatewaydns
from gatewaydns import ConfigError

from .helpers import (
    ALL,
    P,
    accepted,
    compute,
    gateway,
    listener,
    names,
    namespace,
    reasons,
    records,
    route,
)

H = ["a.example.com"]


def case(
    docs: list[dict[str, Any]], expected: list[str], reason: str | None = None, **config: Any
) -> Any:
    return (docs, config, expected, reason)


def run_case(
    docs: list[dict[str, Any]], config: dict[str, Any], expected: list[str], reason: str | None
) -> None:
    result = compute(docs, **config)
    assert names(result) == expected
    if reason is not None:
        assert reason in reasons(result)


# --- SPEC section 1: which routes are considered -------------------------------------------
SECTION_1 = [
    pytest.param(*case([gateway(), route(hostnames=H)], H), id="baseline"),
    pytest.param(
        *case([gateway(), route(hostnames=H)], [], "route-filtered", namespace="other"),
        id="namespace-filter",
    ),
    pytest.param(
        *case([gateway(), route(hostnames=H)], H, namespace="app"), id="namespace-filter-match"
    ),
    pytest.param(
        *case([gateway(), route(hostnames=H, labels={"team": "a"})], H, label_selector="team=a"),
        id="label-match",
    ),
    pytest.param(
        *case(
            [gateway(), route(hostnames=H, labels={"team": "a"})],
            [],
            "route-filtered",
            label_selector="team!=a",
        ),
        id="label-mismatch",
    ),
    pytest.param(
        *case(
            [gateway(), route(hostnames=H, annotations={"dns": "yes"})],
            H,
            annotation_selector="dns in (yes)",
        ),
        id="annotation-match",
    ),
    pytest.param(
        *case([gateway(), route(hostnames=H)], [], "route-filtered", annotation_selector="dns"),
        id="annotation-mismatch",
    ),
    pytest.param(
        *case(
            [gateway(), route(hostnames=H, annotations={P + "controller": "other"})],
            [],
            "controller-mismatch",
        ),
        id="controller-other",
    ),
    pytest.param(
        *case([gateway(), route(hostnames=H, annotations={P + "controller": "dns-controller"})], H),
        id="controller-ours",
    ),
    pytest.param(
        *case(
            [
                gateway(),
                route(
                    hostnames=H, annotations={"external-dns.alpha.kubernetes.io/controller": "x"}
                ),
            ],
            [],
            "controller-mismatch",
        ),
        id="controller-legacy-prefix",
    ),
]


@pytest.mark.parametrize(("docs", "config", "expected", "reason"), SECTION_1)
def test_section_1_routes(docs: Any, config: Any, expected: Any, reason: Any) -> None:
    run_case(docs, config, expected, reason)


# --- SPEC section 2: which Gateways / ListenerSets are considered --------------------------
SECTION_2 = [
    pytest.param(
        *case([gateway(), route(hostnames=H)], [], "gateway-filtered", gateway_namespace="other"),
        id="gateway-namespace",
    ),
    pytest.param(
        *case([gateway(), route(hostnames=H)], H, gateway_namespace="infra"),
        id="gateway-namespace-match",
    ),
    pytest.param(
        *case(
            [gateway(labels={"env": "prod"}), route(hostnames=H)],
            H,
            gateway_label_selector="env=prod",
        ),
        id="gateway-labels",
    ),
    pytest.param(
        *case(
            [gateway(labels={"env": "dev"}), route(hostnames=H)],
            [],
            "gateway-filtered",
            gateway_label_selector="env=prod",
        ),
        id="gateway-labels-mismatch",
    ),
    pytest.param(
        *case(
            [gateway(annotations={P + "controller": "x"}), route(hostnames=H)],
            [],
            "gateway-filtered",
        ),
        id="gateway-controller",
    ),
    pytest.param(
        *case([gateway(), route(hostnames=H)], [], "gateway-filtered", gateway_name="other"),
        id="gateway-name",
    ),
    pytest.param(
        *case([gateway(), route(hostnames=H)], H, gateway_name="gw"), id="gateway-name-match"
    ),
]


@pytest.mark.parametrize(("docs", "config", "expected", "reason"), SECTION_2)
def test_section_2_gateways(docs: Any, config: Any, expected: Any, reason: Any) -> None:
    run_case(docs, config, expected, reason)


# --- SPEC section 3: hostnames of a route ---------------------------------------------------
WILD = [gateway(listeners=[listener(hostname="*.example.com", allowed=ALL)])]
SECTION_3 = [
    pytest.param(
        *case([gateway(), route(hostnames=["A.Example.com."])], ["a.example.com"]),
        id="spec-normalised",
    ),
    pytest.param(*case([*WILD, route()], ["*.example.com"]), id="no-spec-inherits-listener"),
    pytest.param(
        *case([*WILD, route()], [], "no-hostname", listener_hostname_fallback=False),
        id="fallback-off",
    ),
    pytest.param(
        *case(
            [gateway(), route(annotations={P + "hostname": "x.example.com, y.example.com"})],
            ["x.example.com", "y.example.com"],
        ),
        id="annotation",
    ),
    pytest.param(
        *case([gateway(), route(annotations={P + "hostname": "a.com,"})], ["a.com"]),
        id="annotation-empty-item-dropped",
    ),
    pytest.param(
        *case(
            [*WILD, route(annotations={P + "hostname": "x.example.com,"})],
            ["*.example.com", "x.example.com"],
        ),
        id="annotation-plus-listener",
    ),
    pytest.param(
        *case(
            [gateway(), route(annotations={P + "hostname": "x.example.com"})],
            [],
            None,
            ignore_hostname_annotation=True,
        ),
        id="ignore-annotation",
    ),
    pytest.param(
        *case(
            [gateway(), route(hostnames=H, annotations={P + "hostname": "x.example.com"})],
            ["a.example.com", "x.example.com"],
        ),
        id="spec-and-annotation",
    ),
    pytest.param(
        *case(
            [
                gateway(),
                route(
                    hostnames=H,
                    annotations={
                        P + "hostname": "x.example.com",
                        P + "gateway-hostname-source": "annotation-only",
                    },
                ),
            ],
            ["x.example.com"],
        ),
        id="annotation-only",
    ),
    pytest.param(
        *case(
            [
                gateway(),
                route(
                    hostnames=H,
                    annotations={
                        P + "hostname": "x.example.com",
                        P + "gateway-hostname-source": "defined-hosts-only",
                    },
                ),
            ],
            H,
        ),
        id="defined-hosts-only",
    ),
    pytest.param(
        *case(
            [
                gateway(),
                route(
                    hostnames=H,
                    annotations={
                        P + "hostname": "x.example.com",
                        P + "gateway-hostname-source": "bogus",
                    },
                ),
            ],
            ["a.example.com", "x.example.com"],
            "invalid-hostname-source",
        ),
        id="invalid-source",
    ),
    pytest.param(
        *case([gateway(), route(hostnames=["bad_name.example.com"])], [], "invalid-hostname"),
        id="invalid-spec-hostname",
    ),
    pytest.param(
        *case(
            [
                gateway(listeners=[listener("tcp", "TCP", 5432, allowed=ALL)]),
                route(kind="TCPRoute", annotations={P + "hostname": "db.example.com"}),
            ],
            ["db.example.com"],
        ),
        id="tcp-by-annotation",
    ),
]


@pytest.mark.parametrize(("docs", "config", "expected", "reason"), SECTION_3)
def test_section_3_hostnames(docs: Any, config: Any, expected: Any, reason: Any) -> None:
    run_case(docs, config, expected, reason)


def template_config(fn: Any, **more: Any) -> dict[str, Any]:
    return {"fqdn_template": fn, **more}


@pytest.mark.parametrize(
    ("spec", "fn", "combine", "expected"),
    [
        pytest.param(
            None,
            lambda r: f"{r.name}.{r.namespace}.example.com",
            False,
            ["r.app.example.com"],
            id="string",
        ),
        pytest.param(
            None,
            lambda r: [" x.example.com. ", "", "y.example.com"],
            False,
            ["x.example.com", "y.example.com"],
            id="iterable-cleaned",
        ),
        pytest.param(
            None,
            lambda r: "a.example.com, b.example.com",
            False,
            ["a.example.com", "b.example.com"],
            id="comma-split",
        ),
        pytest.param(H, lambda r: "t.example.com", False, H, id="spec-wins"),
        pytest.param(
            H, lambda r: "t.example.com", True, ["a.example.com", "t.example.com"], id="combine"
        ),
    ],
)
def test_section_3_fqdn_template(spec: Any, fn: Any, combine: bool, expected: list[str]) -> None:
    result = compute([gateway(), route(hostnames=spec)], fqdn_template=fn, combine_fqdn=combine)
    assert names(result) == expected


def test_section_3_template_that_raises_names_the_route() -> None:
    def broken(_route: Any) -> str:
        raise KeyError("label team")

    with pytest.raises(ConfigError, match="HTTPRoute app/r"):
        compute([gateway(), route()], fqdn_template=broken)


# --- SPEC section 4: which parents count ----------------------------------------------------
SECTION_4 = [
    pytest.param(*case([gateway(), route(hostnames=H, status=[])], []), id="no-status-no-dns"),
    pytest.param(
        *case(
            [gateway(), gateway("old"), route(hostnames=H, status=[accepted(), accepted("old")])],
            H,
            "parent-not-in-spec",
        ),
        id="stale-entry-not-in-spec",
    ),
    pytest.param(
        *case(
            [
                gateway(),
                route(hostnames=H, parents=[{"name": "gw"}], status=[accepted(namespace=None)]),
            ],
            [],
            "parent-not-found",
        ),
        id="namespace-defaults-to-route",
    ),
    pytest.param(
        *case(
            [
                gateway(namespace="app"),
                route(hostnames=H, parents=[{"name": "gw"}], status=[accepted(namespace=None)]),
            ],
            H,
        ),
        id="route-namespace-default",
    ),
    pytest.param(
        *case(
            [
                gateway(),
                route(
                    hostnames=H,
                    parents=[{"name": "gw", "namespace": "infra", "group": "", "kind": "Service"}],
                    status=[accepted(group="", kind="Service")],
                ),
            ],
            [],
            "unsupported-parent",
        ),
        id="explicit-empty-group",
    ),
    pytest.param(*case([route(hostnames=H)], [], "parent-not-found"), id="gateway-missing"),
    pytest.param(
        *case(
            [gateway(), route(hostnames=H, status=[accepted(status="False")])], [], "not-accepted"
        ),
        id="accepted-false",
    ),
    pytest.param(
        *case(
            [
                gateway(),
                route(
                    hostnames=H,
                    status=[{"parentRef": {"name": "gw", "namespace": "infra"}, "conditions": []}],
                ),
            ],
            [],
            "not-accepted",
        ),
        id="empty-conditions",
    ),
    pytest.param(
        *case(
            [
                gateway(),
                route(
                    hostnames=H,
                    status=[
                        {
                            "parentRef": {"name": "gw", "namespace": "infra"},
                            "controllerName": "c",
                            "conditions": [
                                {"type": "ResolvedRefs", "status": "False"},
                                {"type": "Accepted", "status": "True", "observedGeneration": 1},
                            ],
                        }
                    ],
                ),
            ],
            H,
        ),
        id="accepted-not-first",
    ),
    pytest.param(
        *case(
            [
                gateway(
                    listeners=[
                        listener("a", hostname="a.example.com", allowed=ALL),
                        listener("b", hostname="b.example.com", allowed=ALL),
                    ]
                ),
                route(parents=[{"name": "gw", "namespace": "infra", "sectionName": "b"}]),
            ],
            ["b.example.com"],
        ),
        id="section-name",
    ),
    pytest.param(
        *case(
            [
                gateway(),
                route(
                    hostnames=H,
                    parents=[{"name": "gw", "namespace": "infra", "sectionName": "nope"}],
                ),
            ],
            [],
            "section-not-found",
        ),
        id="section-missing",
    ),
]


@pytest.mark.parametrize(("docs", "config", "expected", "reason"), SECTION_4)
def test_section_4_parents(docs: Any, config: Any, expected: Any, reason: Any) -> None:
    run_case(docs, config, expected, reason)


# --- SPEC section 5: listener matching ------------------------------------------------------
def one(
    lst: dict[str, Any],
    kind: str = "HTTPRoute",
    ns: str = "app",
    port: int | None = None,
    extra: list[dict[str, Any]] | None = None,
) -> list[dict[str, Any]]:
    ref: dict[str, Any] = {"name": "gw", "namespace": "infra"}
    if port is not None:
        ref["port"] = port
    hosts = None if kind in ("TCPRoute", "UDPRoute") else H
    ann = {P + "hostname": "a.example.com"} if hosts is None else None
    return [
        gateway(listeners=[lst]),
        route(kind=kind, namespace=ns, hostnames=hosts, parents=[ref], annotations=ann),
        *(extra or []),
    ]


SECTION_5 = [
    *[
        pytest.param(
            *case(
                one(listener(protocol=proto, allowed=ALL), kind=kind),
                H if ok else [],
                None if ok else "protocol-mismatch",
            ),
            id=f"{kind}-on-{proto}",
        )
        for kind, proto, ok in [
            ("HTTPRoute", "HTTP", True),
            ("HTTPRoute", "HTTPS", True),
            ("HTTPRoute", "TLS", False),
            ("GRPCRoute", "HTTPS", True),
            ("GRPCRoute", "TCP", False),
            ("TLSRoute", "TLS", True),
            ("TLSRoute", "HTTPS", False),
            ("TCPRoute", "TCP", True),
            ("TCPRoute", "TLS", True),
            ("TCPRoute", "UDP", False),
            ("UDPRoute", "UDP", True),
            ("UDPRoute", "TCP", False),
            ("HTTPRoute", "example.com/custom", False),
        ]
    ],
    pytest.param(*case(one(listener(allowed=ALL), port=80), H), id="port-match"),
    pytest.param(
        *case(one(listener(allowed=ALL), port=8080), [], "port-mismatch"), id="port-mismatch"
    ),
    pytest.param(
        *case(one(listener()), [], "namespace-not-allowed"), id="same-default-other-namespace"
    ),
    pytest.param(*case(one(listener(), ns="infra"), H), id="same-default-same-namespace"),
    pytest.param(
        *case(
            one(
                listener(
                    allowed={
                        "namespaces": {
                            "from": "Selector",
                            "selector": {"matchLabels": {"expose": "yes"}},
                        }
                    }
                ),
                extra=[namespace("app", {"expose": "yes"})],
            ),
            H,
        ),
        id="selector-match",
    ),
    pytest.param(
        *case(
            one(
                listener(
                    allowed={
                        "namespaces": {
                            "from": "Selector",
                            "selector": {"matchLabels": {"expose": "yes"}},
                        }
                    }
                ),
                extra=[namespace("app", {"expose": "no"})],
            ),
            [],
            "namespace-not-allowed",
        ),
        id="selector-mismatch",
    ),
    pytest.param(
        *case(
            one(
                listener(
                    allowed={
                        "namespaces": {
                            "from": "Selector",
                            "selector": {
                                "matchExpressions": [
                                    {"key": "tier", "operator": "In", "values": ["web"]},
                                    {"key": "legacy", "operator": "DoesNotExist"},
                                ]
                            },
                        }
                    }
                ),
                extra=[namespace("app", {"tier": "web"})],
            ),
            H,
        ),
        id="selector-expressions",
    ),
    pytest.param(
        *case(
            one(
                listener(
                    allowed={
                        "namespaces": {"from": "Selector", "selector": {"matchLabels": {"a": "b"}}}
                    }
                )
            ),
            [],
            "namespace-not-found",
        ),
        id="selector-namespace-missing",
    ),
    pytest.param(
        *case(
            one(
                listener(
                    allowed={
                        "namespaces": {
                            "from": "Selector",
                            "selector": {"matchExpressions": [{"key": "a", "operator": "Near"}]},
                        }
                    }
                ),
                extra=[namespace("app")],
            ),
            [],
            "invalid-selector",
        ),
        id="selector-invalid",
    ),
    pytest.param(
        *case(
            one(
                listener(allowed={"namespaces": {"from": "All"}, "kinds": [{"kind": "HTTPRoute"}]})
            ),
            H,
        ),
        id="kinds-match",
    ),
    pytest.param(
        *case(
            one(
                listener(allowed={"namespaces": {"from": "All"}, "kinds": [{"kind": "GRPCRoute"}]})
            ),
            [],
            "kind-not-allowed",
        ),
        id="kinds-mismatch",
    ),
    pytest.param(
        *case(
            one(
                listener(
                    allowed={
                        "namespaces": {"from": "All"},
                        "kinds": [{"group": "example.com", "kind": "HTTPRoute"}],
                    }
                )
            ),
            [],
            "kind-not-allowed",
        ),
        id="kinds-group-mismatch",
    ),
]


@pytest.mark.parametrize(("docs", "config", "expected", "reason"), SECTION_5)
def test_section_5_listeners(docs: Any, config: Any, expected: Any, reason: Any) -> None:
    run_case(docs, config, expected, reason)


# --- SPEC section 6: hostname intersection --------------------------------------------------
@pytest.mark.parametrize(
    ("listener_host", "route_hosts", "expected", "reason"),
    [
        pytest.param(None, ["a.example.com"], ["a.example.com"], None, id="empty-listener"),
        pytest.param("a.example.com", None, ["a.example.com"], None, id="empty-route"),
        pytest.param(None, None, [], "no-hostname-match", id="both-empty"),
        pytest.param(
            "*.example.com",
            ["a.b.example.com"],
            ["a.b.example.com"],
            None,
            id="wildcard-multi-label",
        ),
        pytest.param(
            "*.example.com", ["example.com"], [], "no-hostname-match", id="wildcard-not-apex"
        ),
        pytest.param(
            "a.example.com", ["*.example.com"], ["a.example.com"], None, id="route-wildcard"
        ),
        pytest.param(
            "*.example.com",
            ["*.a.example.com"],
            ["*.a.example.com"],
            None,
            id="two-wildcards-longer",
        ),
        pytest.param("*.example.org", ["a.example.com"], [], "no-hostname-match", id="disjoint"),
        pytest.param(
            "bad..name", ["a.example.com"], [], "invalid-hostname", id="invalid-listener-hostname"
        ),
        pytest.param(
            "A.EXAMPLE.COM", ["a.example.com"], ["a.example.com"], None, id="case-insensitive"
        ),
    ],
)
def test_section_6_intersection(
    listener_host: Any, route_hosts: Any, expected: Any, reason: Any
) -> None:
    docs = [
        gateway(listeners=[listener(hostname=listener_host, allowed=ALL)]),
        route(hostnames=route_hosts),
    ]
    run_case(docs, {}, expected, reason)


# --- SPEC section 7: targets ----------------------------------------------------------------
@pytest.mark.parametrize(
    ("gw_kwargs", "route_ann", "config", "expected"),
    [
        pytest.param(
            {"addresses": ["192.0.2.1", "192.0.2.1", "192.0.2.2"]},
            None,
            {},
            [("a.example.com", "A", ("192.0.2.1", "192.0.2.2"))],
            id="status-deduped-sorted",
        ),
        pytest.param(
            {"addresses": ["lb.example.net"]},
            None,
            {},
            [("a.example.com", "CNAME", ("lb.example.net",))],
            id="hostname-address",
        ),
        pytest.param(
            {"annotations": {P + "target": " 198.51.100.1 , lb.example.net. "}},
            None,
            {},
            [
                ("a.example.com", "A", ("198.51.100.1",)),
                ("a.example.com", "CNAME", ("lb.example.net",)),
            ],
            id="annotation-overrides",
        ),
        pytest.param(
            {
                "annotations": {
                    "external-dns.alpha.kubernetes.io/target": "198.51.100.9",
                    P + "target": "198.51.100.1",
                }
            },
            None,
            {},
            [("a.example.com", "A", ("198.51.100.1",))],
            id="current-prefix-wins",
        ),
        pytest.param(
            {},
            {P + "target": "198.51.100.5"},
            {},
            [("a.example.com", "A", ("192.0.2.1",))],
            id="route-target-ignored",
        ),
        pytest.param(
            {},
            {P + "target": "198.51.100.5"},
            {"route_targets": True},
            [("a.example.com", "A", ("198.51.100.5",))],
            id="route-target-opt-in",
        ),
        pytest.param(
            {"annotations": {P + "target": "not a target!,192.0.2.7"}},
            None,
            {},
            [("a.example.com", "A", ("192.0.2.7",))],
            id="invalid-target-dropped",
        ),
        pytest.param({"addresses": []}, None, {}, [], id="no-targets"),
    ],
)
def test_section_7_targets(gw_kwargs: Any, route_ann: Any, config: Any, expected: Any) -> None:
    result = compute([gateway(**gw_kwargs), route(hostnames=H, annotations=route_ann)], **config)
    assert records(result) == expected


def test_section_7_invalid_target_diagnostic() -> None:
    result = compute([gateway(annotations={P + "target": "bad_target"}), route(hostnames=H)])
    assert "invalid-target" in reasons(result)
    assert result.endpoints == ()


# --- SPEC section 8: endpoints ----------------------------------------------------------------
@pytest.mark.parametrize(
    ("ttl", "expected", "diag"),
    [
        ("300", 300, False),
        ("90s", 90, False),
        ("10m", 600, False),
        ("1h30m", 5400, False),
        ("1.9s", 1, False),
        ("0", 0, True),
        ("-5", 0, True),
        ("2147483648", 0, True),
        ("abc", 0, True),
        ("", 0, True),
    ],
)
def test_section_8_ttl(ttl: str, expected: int, diag: bool) -> None:
    result = compute([gateway(), route(hostnames=H, annotations={P + "ttl": ttl})])
    assert result.endpoints[0].record_ttl == expected
    assert ("invalid-ttl" in reasons(result)) is diag


def test_section_8_dual_stack_split() -> None:
    result = compute(
        [gateway(addresses=["192.0.2.1", "2001:db8::1", "lb.example.net"]), route(hostnames=H)]
    )
    assert records(result) == [
        ("a.example.com", "A", ("192.0.2.1",)),
        ("a.example.com", "AAAA", ("2001:db8::1",)),
        ("a.example.com", "CNAME", ("lb.example.net",)),
    ]


@pytest.mark.parametrize(
    ("annotations", "expected"),
    [
        pytest.param({P + "alias": "true"}, [("alias", "true")], id="alias"),
        pytest.param({P + "alias": "false"}, [], id="alias-false-ignored"),
        pytest.param({P + "record-type": "A"}, [("record-type", "A")], id="record-type"),
        pytest.param(
            {P + "aws-weight": "10", P + "aws-health-check-id": "x"},
            [("aws/health-check-id", "x"), ("aws/weight", "10")],
            id="aws",
        ),
        pytest.param(
            {P + "scw-x": "1", P + "webhook-y": "2", P + "coredns-group": "g"},
            [("coredns/group", "g"), ("scw/x", "1"), ("webhook/y", "2")],
            id="scw-webhook-coredns",
        ),
        pytest.param({P + "azure-tags": "a=b"}, [("azure/tags", "a=b")], id="azure"),
        pytest.param(
            {
                P + "cloudflare-proxied": "true",
                "external-dns.alpha.kubernetes.io/cloudflare-tags": "t",
            },
            [
                ("external-dns.kubernetes.io/cloudflare-proxied", "true"),
                ("external-dns.kubernetes.io/cloudflare-tags", "t"),
            ],
            id="cloudflare-full-key",
        ),
        pytest.param({P + "unrelated": "x"}, [], id="unrelated"),
    ],
)
def test_section_8_provider_specific(
    annotations: dict[str, str], expected: list[tuple[str, str]]
) -> None:
    ep = compute([gateway(), route(hostnames=H, annotations=annotations)]).endpoints[0]
    assert [(p.name, p.value) for p in ep.provider_specific] == expected


def test_section_8_custom_prefix_reads_only_itself() -> None:
    ann = {
        "dns.example/hostname": "x.example.com",
        P + "hostname": "y.example.com",
        "dns.example/cloudflare-proxied": "true",
    }
    result = compute([gateway(), route(annotations=ann)], annotation_prefix="dns.example/")
    assert names(result) == ["x.example.com"]
    assert [(p.name, p.value) for p in result.endpoints[0].provider_specific] == [
        ("dns.example/cloudflare-proxied", "true")
    ]


def test_section_8_set_identifier_label_and_by_route() -> None:
    result = compute([gateway(), route(hostnames=H, annotations={P + "set-identifier": "eu"})])
    [ep] = result.endpoints
    assert ep.set_identifier == "eu"
    assert ep.labels == {"resource": "httproute/app/r"}
    assert dict(result.by_route) == {"httproute/app/r": (ep,)}


def test_section_8_gateway_annotations_other_than_target_ignored() -> None:
    result = compute(
        [
            gateway(annotations={P + "ttl": "60", P + "hostname": "g.example.com"}),
            route(hostnames=H),
        ]
    )
    assert records(result) == [("a.example.com", "A", ("192.0.2.1",))]
    assert result.endpoints[0].record_ttl == 0


def test_section_8_merge_across_routes() -> None:
    docs = [
        gateway("g1", addresses=["192.0.2.1"]),
        gateway("g2", addresses=["192.0.2.2"]),
        route(
            "old",
            hostnames=H,
            parents=[{"name": "g1", "namespace": "infra"}],
            created="2024-01-01T00:00:00Z",
        ),
        route(
            "new",
            hostnames=H,
            parents=[{"name": "g2", "namespace": "infra"}],
            created="2025-01-01T00:00:00Z",
        ),
    ]
    result = compute(docs)
    [ep] = result.endpoints
    assert ep.targets == ("192.0.2.1", "192.0.2.2")
    assert ep.labels == {"resource": "httproute/app/old"}  # oldest route's labels
    assert sorted(result.by_route) == ["httproute/app/new", "httproute/app/old"]


def test_section_8_different_ttl_not_merged() -> None:
    docs = [
        gateway(),
        route("a", hostnames=H, annotations={P + "ttl": "60"}),
        route("b", hostnames=H, annotations={P + "ttl": "120"}),
    ]
    result = compute(docs)
    assert [e.record_ttl for e in result.endpoints] == [60, 120]
    assert "dns-conflict" in reasons(result)


# --- SPEC section 11: beyond the reference -----------------------------------------------------
def conflict_docs() -> list[dict[str, Any]]:
    return [
        gateway("ip", addresses=["192.0.2.1"]),
        gateway("lb", addresses=["lb.example.net"]),
        route(
            "young",
            hostnames=H,
            parents=[{"name": "lb", "namespace": "infra"}],
            created="2025-06-01T00:00:00Z",
        ),
        route(
            "old",
            hostnames=H,
            parents=[{"name": "ip", "namespace": "infra"}],
            created="2024-01-01T00:00:00Z",
        ),
    ]


def test_conflict_report_keeps_upstream_output() -> None:
    result = compute(conflict_docs())
    assert records(result) == [
        ("a.example.com", "A", ("192.0.2.1",)),
        ("a.example.com", "CNAME", ("lb.example.net",)),
    ]
    conflicts = [d for d in result.diagnostics if d.reason == "dns-conflict"]
    assert {d.name for d in conflicts} == {"old", "young"}


def test_conflict_oldest_wins() -> None:
    result = compute(conflict_docs(), conflict_policy="oldest-wins")
    assert records(result) == [("a.example.com", "A", ("192.0.2.1",))]
    assert "httproute/app/young" not in result.by_route
    dropped = [
        d for d in result.diagnostics if d.reason == "dns-conflict" and "dropped" in d.message
    ]
    assert [d.name for d in dropped] == ["young"]


def test_conflict_two_cname_targets() -> None:
    docs = [
        gateway("a", addresses=["a.lb.example.net"]),
        gateway("b", addresses=["b.lb.example.net"]),
        route(
            "r1",
            hostnames=H,
            parents=[{"name": "a", "namespace": "infra"}],
            created="2024-01-01T00:00:00Z",
        ),
        route(
            "r2",
            hostnames=H,
            parents=[{"name": "b", "namespace": "infra"}],
            created="2024-02-01T00:00:00Z",
        ),
    ]
    assert len(compute(docs).endpoints) == 2  # a CNAME merges only with the same target
    assert "dns-conflict" in reasons(compute(docs))
    assert records(compute(docs, conflict_policy="oldest-wins")) == [
        ("a.example.com", "CNAME", ("a.lb.example.net",))
    ]


def test_inherit_gateway_annotations() -> None:
    gw = gateway(annotations={P + "ttl": "60", P + "aws-weight": "5", P + "set-identifier": "gw"})
    plain = compute([gw, route(hostnames=H)]).endpoints[0]
    assert (plain.record_ttl, plain.set_identifier, plain.provider_specific) == (0, "", ())
    inherited = compute([gw, route(hostnames=H)], inherit_gateway_annotations=True).endpoints[0]
    assert (inherited.record_ttl, inherited.set_identifier) == (60, "gw")
    assert [(p.name, p.value) for p in inherited.provider_specific] == [("aws/weight", "5")]
    own = compute(
        [gw, route(hostnames=H, annotations={P + "ttl": "30"})], inherit_gateway_annotations=True
    ).endpoints[0]
    assert own.record_ttl == 30


def test_result_for_route() -> None:
    result = compute([gateway(), route(hostnames=H, status=[accepted(status="False")])])
    assert [d.reason for d in result.for_route("HTTPRoute/app/r")] == ["not-accepted"]


def test_compute_default_config() -> None:
    snap = gatewaydns.Snapshot.from_manifests([gateway(), route(hostnames=H)])
    assert names(gatewaydns.compute_endpoints(snap)) == H


def test_attachments_record_each_matched_listener_and_hostname() -> None:
    gw = gateway(
        listeners=[
            listener("a", hostname="*.example.com", allowed=ALL),
            listener("b", protocol="TLS", allowed=ALL),
        ]
    )
    result = compute([gw, route(hostnames=["x.example.com", "y.example.org"])])
    assert [(a.route, a.parent, a.listener, a.hostname) for a in result.attachments] == [
        ("httproute/app/r", "Gateway infra/gw", "a", "x.example.com")
    ]


@pytest.mark.parametrize(
    ("annotations", "set_id", "ps", "diagnosed"),
    [
        pytest.param({P + "set-identifier": "eu\nwest"}, "", [], True, id="newline-set-id"),
        pytest.param({P + "set-identifier": "éu"}, "", [], True, id="non-ascii-set-id"),
        pytest.param({P + "set-identifier": "x" * 1025}, "", [], True, id="overlong-set-id"),
        pytest.param(
            {P + "aws-weight": "1\x00"}, "", [], True, id="control-char-provider-specific"
        ),
        pytest.param(
            {P + "aws-weight": "10", P + "aws-zone": "a\tb"},
            "",
            [("aws/weight", "10")],
            True,
            id="one-bad-one-good",
        ),
        pytest.param({P + "set-identifier": "eu-west-1"}, "eu-west-1", [], False, id="valid"),
    ],
)
def test_hostile_annotation_values_never_reach_endpoints(
    annotations: dict[str, str], set_id: str, ps: list[tuple[str, str]], diagnosed: bool
) -> None:
    result = compute([gateway(), route(hostnames=H, annotations=annotations)])
    [ep] = result.endpoints
    assert ep.set_identifier == set_id
    assert [(p.name, p.value) for p in ep.provider_specific] == ps
    assert ("invalid-annotation" in reasons(result)) is diagnosed


@pytest.mark.parametrize(
    "hostname",
    [
        "a\x00.example.com",
        "a b.example.com",
        "ä.example.com",
        "a" * 64 + ".example.com",
        "\u202eexample.com",
        "a.example.com\r\n",
    ],
)
def test_hostile_hostnames_become_diagnostics(hostname: str) -> None:
    # refused, not cleaned up into another name (not even the trailing CR LF is stripped)
    result = compute([gateway(), route(hostnames=[hostname])])
    assert result.endpoints == ()
    assert reasons(result) == ["invalid-hostname", "no-hostname"]


def test_routes_sharing_a_parent_are_admitted_each_by_its_own_namespace() -> None:
    # listener admission is computed once per parent, kind and namespace (#17): routes on one
    # Gateway in different namespaces, kinds and sections must still each get their own answer
    same = {"namespaces": {"from": "Same"}}
    gw = gateway(
        listeners=[
            listener("same", hostname="*.same.example.com", allowed=same),
            listener("all", hostname="*.all.example.com", port=81, allowed=ALL),
        ]
    )
    docs = [
        gw,
        route("home", "infra", hostnames=["a.same.example.com", "a.all.example.com"]),
        route("away", "app", hostnames=["b.same.example.com", "b.all.example.com"]),
        route("away2", "other", hostnames=["c.same.example.com", "c.all.example.com"]),
        route("tcp", "infra", kind="TCPRoute", annotations={P + "hostname": "t.all.example.com"}),
        route(
            "section",
            "app",
            hostnames=["d.all.example.com"],
            parents=[{"name": "gw", "namespace": "infra", "sectionName": "all"}],
        ),
    ]
    result = compute(docs)
    assert names(result) == [
        "a.all.example.com",
        "a.same.example.com",
        "b.all.example.com",
        "c.all.example.com",
        "d.all.example.com",
    ]
    refused = sorted(
        (d.name, d.listener) for d in result.diagnostics if d.reason == "namespace-not-allowed"
    )
    assert refused == [("away", "same"), ("away2", "same")]
    assert sorted(
        (d.name, d.listener) for d in result.diagnostics if d.reason == "protocol-mismatch"
    ) == [("tcp", "all"), ("tcp", "same")]
