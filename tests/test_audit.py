"""The audit core: what DNS holds against what the cluster calls for, and why they differ.

Every case is a table row: manifests, what DNS answers (and, for a whole zone, its ownership
TXTs), and the findings as (kind, name, type, targets, route, Gateway). The CLI and a real BIND
are in tests/test_cli_audit.py.
"""

from __future__ import annotations

import json
import random
import re
from typing import Any

import pytest

from gatewaydns import (
    DomainFilter,
    Endpoint,
    PlanOptions,
    Snapshot,
    SourceConfig,
    TXTRegistry,
    compute_endpoints,
)
from gatewaydns._audit import FINDING_KINDS, Audit, Finding, compare, merge_audits
from gatewaydns._links import expect
from gatewaydns._prometheus import prometheus_text

from .helpers import ALL, accepted, gateway, listener, listener_set, route

OWNER = "cluster-eu-1"
EXT = gateway("external", addresses=["203.0.113.10"])
INT = gateway("internal", addresses=["192.0.2.20", "2001:db8::20"])
OTHER = gateway("other", addresses=["198.51.100.30"])
LB = gateway("lb", addresses=["lb.example.net"])
TO_INT = [{"name": "internal", "namespace": "infra"}]
TO_EXT = [{"name": "external", "namespace": "infra"}]

# the seed: spec moved external -> internal, the controller caught up, the old entry stays
MOVED = route(
    "shop",
    hostnames=["shop.example.com"],
    parents=TO_INT,
    generation=2,
    status=[accepted("external", generation=1), accepted("internal", generation=2)],
)
# the same move, the controller has not caught up: only the generation-1 entry
LAGGING = route(
    "shop",
    hostnames=["shop.example.com"],
    parents=TO_INT,
    generation=2,
    status=[accepted("external", generation=1)],
)
BLOG = route("blog", hostnames=["blog.example.com"], parents=TO_EXT, status=[accepted("external")])

Row = tuple[str, str, str, tuple[str, ...], str, str]


def run(
    docs: list[dict[str, Any]],
    dns: list[tuple[str, str, list[str]]],
    *,
    owned: dict[tuple[str, str], str] | None = None,
    previous: Any = None,
    **config: Any,
) -> Audit:
    """Audit ``dns`` against ``docs``; ``owned`` (name, type) -> resource adds our TXTs."""
    snap = Snapshot.from_manifests(docs)
    cfg = SourceConfig(**config)
    expected = expect(snap, cfg, compute_endpoints(snap, cfg, previous))
    records = [Endpoint(dns_name=n, record_type=t, targets=tuple(ts)) for n, t, ts in dns]
    options = None
    if owned is not None:
        reg = TXTRegistry(OWNER)
        for (name, rtype), resource in owned.items():
            labels = {"resource": resource} if resource else {}
            ep = Endpoint(dns_name=name, record_type=rtype, targets=("x",), labels=labels)
            records.append(reg.txt_record(ep))
        options = PlanOptions(reg, domain_filter=DomainFilter(("example.com",)))
    return compare(expected, records, source="ns", options=options)


def rows(audit: Audit) -> list[Row]:
    return [
        (f.kind, f.name, f.record_type, f.targets, f.route_key, f.gateway) for f in audit.findings
    ]


SHOP = "httproute/app/shop"
CASES = [
    pytest.param(
        [EXT, INT, MOVED],
        [
            ("shop.example.com", "A", ["192.0.2.20", "203.0.113.10"]),
            ("shop.example.com", "AAAA", ["2001:db8::20"]),
        ],
        [("stale-gateway", "shop.example.com", "A", ("203.0.113.10",), SHOP, "infra/external")],
        id="seed-parentref-move-both-addresses",
    ),
    pytest.param(
        [EXT, INT, MOVED],
        [
            ("shop.example.com", "A", ["192.0.2.20"]),
            ("shop.example.com", "AAAA", ["2001:db8::20"]),
        ],
        [],
        id="clean",
    ),
    pytest.param(
        [EXT, INT, MOVED],
        [("shop.example.com", "A", ["203.0.113.10"])],
        [
            ("stale-gateway", "shop.example.com", "A", ("203.0.113.10",), SHOP, "infra/external"),
            ("missing", "shop.example.com", "A", ("192.0.2.20",), SHOP, "infra/internal"),
            ("missing", "shop.example.com", "AAAA", ("2001:db8::20",), SHOP, "infra/internal"),
        ],
        id="only-the-old-gateway",
    ),
    pytest.param(
        [EXT, INT, MOVED],
        [("shop.example.com", "A", ["192.0.2.20"])],
        [("missing", "shop.example.com", "AAAA", ("2001:db8::20",), SHOP, "infra/internal")],
        id="missing-one-type",
    ),
    pytest.param(
        [EXT, INT, MOVED],
        [
            ("shop.example.com", "A", ["192.0.2.20", "198.51.100.99"]),
            ("shop.example.com", "AAAA", ["2001:db8::20"]),
        ],
        [("unexpected-target", "shop.example.com", "A", ("198.51.100.99",), SHOP, "")],
        id="unexpected-target-no-gateway-has",
    ),
    pytest.param(
        [EXT, INT, OTHER, MOVED],
        [
            ("shop.example.com", "A", ["192.0.2.20", "198.51.100.30"]),
            ("shop.example.com", "AAAA", ["2001:db8::20"]),
        ],
        [("unexpected-target", "shop.example.com", "A", ("198.51.100.30",), SHOP, "infra/other")],
        id="unexpected-target-of-a-gateway-the-route-never-used",
    ),
    pytest.param(
        [EXT, INT, LAGGING],
        [("shop.example.com", "A", ["203.0.113.10"])],
        [],
        id="lagging-controller-hold-keeps-it",
    ),
    pytest.param(
        [EXT, INT, LAGGING],
        [("shop.example.com", "A", ["192.0.2.20", "203.0.113.10"])],
        [("unexpected-target", "shop.example.com", "A", ("192.0.2.20",), SHOP, "infra/internal")],
        id="published-ahead-of-the-new-gateways-acceptance",
    ),
    pytest.param(
        [
            EXT,
            INT,
            route(
                "shop",
                hostnames=["shop.example.com"],
                parents=TO_EXT,
                generation=3,
                status=[accepted("external", generation=3, status="False")],
            ),
        ],
        [("shop.example.com", "A", ["203.0.113.10"])],
        [("stale-gateway", "shop.example.com", "A", ("203.0.113.10",), SHOP, "infra/external")],
        id="gateway-no-longer-accepts",
    ),
    pytest.param(
        [
            EXT,
            INT,
            route(
                "shop",
                hostnames=["shop.example.com"],
                parents=[*TO_EXT, *TO_INT],
                generation=2,
                status=[
                    accepted("external", generation=1, controller="a"),
                    accepted("internal", generation=2, controller="b"),
                ],
            ),
        ],
        [
            ("shop.example.com", "A", ["192.0.2.20", "203.0.113.10"]),
            ("shop.example.com", "AAAA", ["2001:db8::20"]),
        ],
        [("stale-gateway", "shop.example.com", "A", ("203.0.113.10",), SHOP, "infra/external")],
        id="stale-generation-of-a-parent-still-in-spec",
    ),
    pytest.param(
        [
            LB,
            INT,
            route(
                "shop",
                hostnames=["shop.example.com"],
                parents=TO_INT,
                generation=2,
                status=[accepted("lb", generation=1), accepted("internal", generation=2)],
            ),
        ],
        [
            ("shop.example.com", "CNAME", ["LB.example.net."]),
            ("shop.example.com", "A", ["192.0.2.20"]),
            ("shop.example.com", "AAAA", ["2001:db8::20"]),
        ],
        [("stale-gateway", "shop.example.com", "CNAME", ("lb.example.net",), SHOP, "infra/lb")],
        id="cname-to-a-hostname-address",
    ),
    pytest.param(
        [
            route(
                "db",
                kind="TCPRoute",
                parents=TO_INT,
                generation=2,
                annotations={"external-dns.kubernetes.io/hostname": "db.example.com"},
                status=[accepted("external", generation=1), accepted("internal", generation=2)],
            ),
            gateway(
                "external",
                addresses=["203.0.113.10"],
                listeners=[listener("tcp", "TCP", 5432, allowed=ALL)],
            ),
            gateway(
                "internal",
                addresses=["192.0.2.20"],
                listeners=[listener("tcp", "TCP", 5432, allowed=ALL)],
            ),
        ],
        [("db.example.com", "A", ["192.0.2.20", "203.0.113.10"])],
        [
            (
                "stale-gateway",
                "db.example.com",
                "A",
                ("203.0.113.10",),
                "tcproute/app/db",
                "infra/external",
            )
        ],
        id="hostname-annotation-names-through-the-old-parent",
    ),
    pytest.param(
        [
            gateway(
                "shared",
                addresses=["198.51.100.10"],
                allowed_listeners={"namespaces": {"from": "All"}},
            ),
            INT,
            listener_set("ls", "team", gateway_name="shared"),
            route(
                "web",
                "team",
                hostnames=["web.example.com"],
                parents=TO_INT,
                generation=2,
                status=[
                    accepted("ls", "team", generation=1, kind="ListenerSet"),
                    accepted("internal", generation=2),
                ],
            ),
        ],
        [
            ("web.example.com", "A", ["192.0.2.20", "198.51.100.10"]),
            ("web.example.com", "AAAA", ["2001:db8::20"]),
        ],
        [
            (
                "stale-gateway",
                "web.example.com",
                "A",
                ("198.51.100.10",),
                "httproute/team/web",
                "infra/shared",
            )
        ],
        id="left-a-listenerset-names-its-gateway",
    ),
    pytest.param(
        [EXT, BLOG],
        [("blog.example.com", "A", ["203.0.113.10"]), ("old.example.com", "A", ["203.0.113.10"])],
        [],
        id="names-no-route-mentions-are-not-judged",
    ),
]


@pytest.mark.parametrize(("docs", "dns", "expected"), CASES)
def test_findings(
    docs: list[dict[str, Any]], dns: list[tuple[str, str, list[str]]], expected: list[Row]
) -> None:
    audit = run(docs, dns, listener_sets=True)
    assert rows(audit) == expected
    shuffled = list(docs)
    random.Random(7).shuffle(shuffled)
    assert run(shuffled, list(reversed(dns)), listener_sets=True) == audit


def test_stale_gateway_names_the_route_the_gateway_it_left_and_why() -> None:
    (finding,) = run(
        [EXT, INT, MOVED],
        [
            ("shop.example.com", "A", ["192.0.2.20", "203.0.113.10"]),
            ("shop.example.com", "AAAA", ["2001:db8::20"]),
        ],
    ).findings
    assert finding.to_json() == {
        "kind": "stale-gateway",
        "name": "shop.example.com",
        "type": "A",
        "targets": ["203.0.113.10"],
        "route": "app/shop",
        "routeKind": "HTTPRoute",
        "gateway": "infra/external",
        "message": "203.0.113.10 of Gateway infra/external, which HTTPRoute app/shop left "
        "(parent-not-in-spec: status entry for a parent no longer in spec.parentRefs)",
        "sources": ["ns"],
    }
    assert finding.explain_lines() == (
        "ns: shop.example.com A 192.0.2.20, 203.0.113.10",
        "the cluster calls for: shop.example.com A 192.0.2.20 (HTTPRoute app/shop)",
        "203.0.113.10: status.addresses of Gateway infra/external",
        "HTTPRoute app/shop (generation 2)",
        "  parent Gateway infra/external: left: would publish 203.0.113.10 through it, but no "
        "longer does",
        "    parent-not-in-spec: status entry for a parent no longer in spec.parentRefs",
        "    status entry: Accepted=True, observedGeneration 1 (route generation 2)",
        "  parent Gateway infra/internal: publishes 192.0.2.20 through it",
        "    status entry: Accepted=True, observedGeneration 2 (route generation 2)",
    )
    assert finding.to_json(explain=True)["explain"] == list(finding.explain_lines())


def test_names_asked_are_the_desired_and_every_old_parents() -> None:
    snap = Snapshot.from_manifests([EXT, INT, LAGGING, BLOG])
    cfg = SourceConfig()
    expected = expect(snap, cfg, compute_endpoints(snap, cfg))
    # LAGGING calls for nothing now (strict, no previous); its old parent still reaches shop
    assert expected.names == ("blog.example.com", "shop.example.com")
    assert [(link.gateway, link.state) for link in expected.links[("shop.example.com", "A")]] == [
        ("infra/external", "held"),
        ("infra/internal", "pending"),
    ]


def test_a_status_entry_without_section_stands_for_the_spec_ref() -> None:
    """SPEC 4.1's leniency: the spec ref is not 'pending' when a shorter entry covers it."""
    lagging = route(
        "shop",
        hostnames=["shop.example.com"],
        parents=[{"name": "external", "namespace": "infra", "sectionName": "http"}],
        generation=2,
        status=[accepted("external", generation=1)],
    )
    snap = Snapshot.from_manifests([EXT, lagging])
    cfg = SourceConfig()
    expected = expect(snap, cfg, compute_endpoints(snap, cfg))
    assert [(link.parent, link.state) for link in expected.links[("shop.example.com", "A")]] == [
        ("Gateway infra/external", "held")
    ]


def test_records_may_be_a_generator() -> None:
    snap = Snapshot.from_manifests([EXT, BLOG])
    cfg = SourceConfig()
    expected = expect(snap, cfg, compute_endpoints(snap, cfg))
    zone = [
        Endpoint(dns_name="blog.example.com", record_type="A", targets=("203.0.113.10",)),
        TXTRegistry(OWNER).txt_record(
            Endpoint(
                dns_name="blog.example.com",
                record_type="A",
                targets=("203.0.113.10",),
                labels={"resource": "httproute/app/blog"},
            )
        ),
    ]
    options = PlanOptions(TXTRegistry(OWNER))
    audit = compare(expected, (r for r in zone), source="zone", options=options)
    assert (audit.findings, audit.checked) == ((), 1)


def test_a_lagging_route_under_latest_is_not_held() -> None:
    audit = run(
        [EXT, INT, LAGGING],
        [("shop.example.com", "A", ["203.0.113.10"])],
        generation_policy="latest",
    )
    assert rows(audit) == [
        ("stale-gateway", "shop.example.com", "A", ("203.0.113.10",), SHOP, "infra/external")
    ]


def test_hold_is_counted_not_reported() -> None:
    audit = run([EXT, INT, LAGGING], [("shop.example.com", "A", ["203.0.113.10"])])
    assert (audit.findings, audit.checked, audit.held) == ((), 1, 1)


def test_with_previous_the_held_records_are_desired() -> None:
    before = [
        Endpoint(
            dns_name="shop.example.com",
            record_type="A",
            targets=("203.0.113.10",),
            labels={"resource": SHOP},
        )
    ]
    audit = run([EXT, INT, LAGGING], [], previous={SHOP: before})
    assert rows(audit) == [("missing", "shop.example.com", "A", ("203.0.113.10",), SHOP, "")]


# --- a whole zone, with ownership ---------------------------------------------------------------
ZONE_CASES = [
    pytest.param(
        [EXT, BLOG],
        [("blog.example.com", "A", ["203.0.113.10"]), ("old.example.com", "A", ["203.0.113.10"])],
        {
            ("blog.example.com", "A"): "httproute/app/blog",
            ("old.example.com", "A"): "httproute/app/old",
        },
        [("orphaned", "old.example.com", "A", ("203.0.113.10",), "httproute/app/old", "")],
        id="orphaned-record-of-ours",
    ),
    pytest.param(
        [EXT, BLOG],
        [("blog.example.com", "A", ["203.0.113.10"]), ("old.example.com", "A", ["192.0.2.1"])],
        {("blog.example.com", "A"): "httproute/app/blog", ("old.example.com", "A"): ""},
        [("orphaned", "old.example.com", "A", ("192.0.2.1",), "", "")],
        id="orphaned-txt-names-no-route",
    ),
    pytest.param(
        [EXT, BLOG],
        [("blog.example.com", "A", ["203.0.113.10"])],
        {("blog.example.com", "A"): "httproute/app/blog", ("gone.example.com", "A"): "x/y/z"},
        [
            (
                "orphaned",
                "a-gone.example.com",
                "TXT",
                (
                    '"heritage=external-dns,external-dns/owner=cluster-eu-1,external-dns/resource=x/y/z"',
                ),
                "",
                "",
            )
        ],
        id="orphaned-ownership-txt",
    ),
    pytest.param(
        [EXT, BLOG],
        [("blog.example.com", "A", ["203.0.113.10"])],
        {},
        [("ownership", "blog.example.com", "A", ("203.0.113.10",), "httproute/app/blog", "")],
        id="desired-record-without-ownership-txt",
    ),
    pytest.param(
        [EXT, INT, MOVED],
        [
            ("shop.example.com", "A", ["192.0.2.20", "203.0.113.10"]),
            ("shop.example.com", "AAAA", ["2001:db8::20"]),
        ],
        {("shop.example.com", "A"): SHOP, ("shop.example.com", "AAAA"): SHOP},
        [("stale-gateway", "shop.example.com", "A", ("203.0.113.10",), SHOP, "infra/external")],
        id="stale-in-a-record-of-ours",
    ),
    pytest.param(
        [
            EXT,
            INT,
            route(
                "shop",
                hostnames=["shop.example.com"],
                parents=TO_INT,
                generation=2,
                status=[accepted("external", generation=1), accepted("internal", generation=2)],
            ),
        ],
        [
            ("shop.example.com", "A", ["192.0.2.20"]),
            ("shop.example.com", "AAAA", ["2001:db8::20"]),
            ("elsewhere.example.com", "A", ["203.0.113.10"]),
            ("shop.example.org", "A", ["203.0.113.10"]),
        ],
        {("shop.example.com", "A"): SHOP, ("shop.example.com", "AAAA"): SHOP},
        [],
        id="foreign-records-elsewhere-and-outside-the-zone-are-not-judged",
    ),
]


@pytest.mark.parametrize(("docs", "dns", "owned", "expected"), ZONE_CASES)
def test_zone_findings(
    docs: list[dict[str, Any]],
    dns: list[tuple[str, str, list[str]]],
    owned: dict[tuple[str, str], str],
    expected: list[Row],
) -> None:
    assert rows(run(docs, dns, owned=owned)) == expected


def test_a_desired_name_outside_the_domain_filter_is_not_missing() -> None:
    docs = [
        EXT,
        route("x", hostnames=["x.example.org"], parents=TO_EXT, status=[accepted("external")]),
    ]
    audit = run(docs, [], owned={})
    assert (audit.findings, audit.checked) == ((), 0)
    assert rows(run(docs, [])) == [
        ("missing", "x.example.org", "A", ("203.0.113.10",), "httproute/app/x", "infra/external")
    ]


def test_ownership_lines_in_the_explanation() -> None:
    (finding,) = run(
        [EXT, BLOG],
        [("blog.example.com", "A", ["203.0.113.10", "198.51.100.7"])],
        owned={("blog.example.com", "A"): "httproute/app/blog"},
    ).findings
    assert finding.kind == "unexpected-target"
    assert finding.explain[-1] == (
        "ownership TXT a-blog.example.com: owned by cluster-eu-1 for httproute/app/blog"
    )


# --- several sources ----------------------------------------------------------------------------
def test_merge_keeps_each_finding_once_with_every_answer() -> None:
    snap = Snapshot.from_manifests([EXT, INT, MOVED])
    cfg = SourceConfig()
    expected = expect(snap, cfg, compute_endpoints(snap, cfg))

    def at(source: str, a_targets: tuple[str, ...]) -> Audit:
        dns = [
            Endpoint(dns_name="shop.example.com", record_type="A", targets=a_targets),
            Endpoint(dns_name="shop.example.com", record_type="AAAA", targets=("2001:db8::20",)),
        ]
        return compare(expected, dns, source=source)

    primary = at("ns1", ("192.0.2.20", "203.0.113.10"))
    lagging = at("ns2", ("203.0.113.10",))
    merged = merge_audits([primary, lagging])
    assert merged.sources == ("ns1", "ns2")
    assert rows(merged) == [
        ("stale-gateway", "shop.example.com", "A", ("203.0.113.10",), SHOP, "infra/external"),
        ("missing", "shop.example.com", "A", ("192.0.2.20",), SHOP, "infra/internal"),
    ]
    assert merged.findings[0].answers == (
        ("ns1", ("192.0.2.20", "203.0.113.10")),
        ("ns2", ("203.0.113.10",)),
    )
    assert merged.findings[1].sources == ("ns2",)
    assert rows(merge_audits([lagging, primary])) == rows(merged)


# --- Prometheus text ----------------------------------------------------------------------------
def test_prometheus_one_gauge_per_kind_one_series_per_finding() -> None:
    audit = run(
        [EXT, INT, MOVED],
        [("shop.example.com", "A", ["192.0.2.20", "203.0.113.10"])],
    )
    text = prometheus_text(audit)
    lines = text.splitlines()
    for kind in FINDING_KINDS:
        metric = "gatewaydns_audit_" + kind.replace("-", "_")
        assert f"# TYPE {metric} gauge" in lines
        assert f'gatewaydns_audit_findings{{kind="{kind}"}} {audit.counts()[kind]}' in lines
    assert (
        'gatewaydns_audit_stale_gateway{name="shop.example.com",type="A",targets="203.0.113.10",'
        'route_kind="HTTPRoute",route="app/shop",gateway="infra/external"} 1'
    ) in lines
    assert (
        'gatewaydns_audit_missing{name="shop.example.com",type="AAAA",targets="2001:db8::20",'
        'route_kind="HTTPRoute",route="app/shop",gateway="infra/internal"} 1'
    ) in lines
    assert "gatewaydns_audit_record_sets 2" in lines
    assert text.endswith("\n")
    series = [line.rsplit(" ", 1)[0] for line in lines if not line.startswith("#")]
    assert len(series) == len(set(series))
    assert_exposition_format(text)


# the text exposition format, line by line (prometheus.io/docs/instrumenting/exposition_formats)
METRIC = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
LABELS = r'\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*"(?:,(?!\})|(?=\})))*\}'
SAMPLE = re.compile(rf"({METRIC})(?:{LABELS})? -?[0-9]+(?:\.[0-9]+)?")
HELP = re.compile(rf"# HELP ({METRIC}) (?:[^\\\n]|\\[\\n])*")
TYPE = re.compile(rf"# TYPE ({METRIC}) gauge")


def assert_exposition_format(text: str) -> None:
    typed: list[str] = []
    for line in text.splitlines():
        if (m := TYPE.fullmatch(line)) is not None:
            assert m.group(1) not in typed, line
            typed.append(m.group(1))
        elif (m := HELP.fullmatch(line)) is not None:
            assert m.group(1) not in typed, line  # HELP comes before TYPE
        else:
            m = SAMPLE.fullmatch(line)
            assert m is not None, line
            assert typed, line
            assert m.group(1) == typed[-1], line  # under its own TYPE


def test_prometheus_escapes_label_values() -> None:
    finding = Finding(
        kind="unexpected-target",
        name='a"b\\c\nd',
        record_type="A",
        targets=("192.0.2.1",),
        message="m",
    )
    text = prometheus_text(Audit((finding,), 1, ("ns",)))
    assert 'name="a\\"b\\\\c\\nd"' in text
    assert_exposition_format(text)
    assert "\nd" not in text.replace("\\nd", "")  # no raw line feed inside a value


def test_json_omits_route_and_gateway_where_unknown() -> None:
    finding = Finding(
        kind="orphaned", name="old.example.com", record_type="A", targets=("1.2.3.4",), message="m"
    )
    assert json.loads(json.dumps(finding.to_json())) == {
        "kind": "orphaned",
        "name": "old.example.com",
        "type": "A",
        "targets": ["1.2.3.4"],
        "message": "m",
        "sources": [],
    }
