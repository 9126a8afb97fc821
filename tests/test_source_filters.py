"""Target filters and min_ttl on SourceConfig (external-dns --target-net-filter,
--exclude-target-net, --min-ttl), applied to each route's endpoints as external-dns applies them
to its sources' endpoints."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

import gatewaydns
from gatewaydns import Reconciler, SourceConfig
from gatewaydns._targetfilter import TargetNetFilter
from gatewaydns.testing import InMemoryProvider, ScriptedWatcher

from .helpers import P, accepted, compute, gateway, model, records, route

# external-dns endpoint/target_filter_test.go (its row with the invalid filter "0" is a
# ConfigError here, see test_invalid_cidrs_name_the_field)
TABLE = [
    (["10.0.0.0/8"], [], "10.1.2.3", True),
    ([" 10.0.0.0/8 "], [], "10.1.2.3", True),
    (["10.0.0.0/8"], [], "1.1.1.1", False),
    ([], ["10.0.0.0/8"], "1.1.1.1", True),
    ([], ["10.0.0.0/8"], "10.1.2.3", False),
    ([], ["10.0.0.0/8"], "49.13.41.161", True),
    ([], ["10.0.0.0/8"], "10.0.1.101", False),
    ([], [], "10.0.1.101", True),
    # beyond external-dns's table
    (["10.0.0.0/8"], ["10.9.0.0/16"], "10.9.1.1", False),  # exclusions win
    (["2001:db8::/32"], [], "2001:db8::1", True),
    (["2001:db8::/32"], [], "10.1.2.3", False),
    (["10.0.0.0/8"], [], "::ffff:10.1.2.3", True),  # an IPv4-mapped address, as Go reads it
    (["10.0.0.0/8"], [], "lb.example.net", False),  # a host name lies in no network
    ([], ["10.0.0.0/8"], "lb.example.net", True),
]


@pytest.mark.parametrize(("include", "exclude", "target", "expected"), TABLE)
def test_target_net_filter(
    include: list[str], exclude: list[str], target: str, expected: bool
) -> None:
    assert TargetNetFilter.parse(include, exclude).admits(target) is expected


def docs(addresses: list[str], **annotations: str) -> list[dict[str, Any]]:
    return [
        gateway(addresses=addresses),
        route(
            "shop",
            hostnames=["shop.example.com"],
            annotations={P + k: v for k, v in annotations.items()},
        ),
    ]


def test_targets_outside_are_dropped_inside_kept() -> None:
    result = compute(
        docs(["10.1.1.1", "192.0.2.1", "2001:db8::1", "10.9.0.1"]),
        target_net_filter=("10.0.0.0/8", "2001:db8::/32"),
        exclude_target_net=("10.9.0.0/16",),
    )
    assert records(result) == [
        ("shop.example.com", "A", ("10.1.1.1",)),
        ("shop.example.com", "AAAA", ("2001:db8::1",)),
    ]
    assert [d.reason for d in result.diagnostics] == []


def test_endpoint_without_targets_left_is_dropped_with_a_diagnostic() -> None:
    result = compute(docs(["192.0.2.1", "2001:db8::1"]), target_net_filter=("10.0.0.0/8",))
    assert records(result) == []
    diags = [(d.reason, d.name, d.hostname) for d in result.diagnostics]
    assert diags == [("target-filtered", "shop", "shop.example.com")] * 2
    assert "A shop.example.com is dropped: none of its targets (192.0.2.1) passes" in (
        result.diagnostics[0].message
    )
    assert "target_net_filter 10.0.0.0/8" in result.diagnostics[0].message


def test_cname_endpoints_and_target_filters() -> None:
    """As in external-dns: a host name target never lies in a filter network."""
    included = compute(docs(["lb.example.net"]), target_net_filter=("10.0.0.0/8",))
    assert records(included) == []
    assert [d.reason for d in included.diagnostics] == ["target-filtered"]
    assert "a host name lies in no network" in included.diagnostics[0].message
    excluded = compute(docs(["lb.example.net"]), exclude_target_net=("10.0.0.0/8",))
    assert records(excluded) == [("shop.example.com", "CNAME", ("lb.example.net",))]


def test_min_ttl_is_the_ttl_of_endpoints_without_one() -> None:
    plain = compute(docs(["192.0.2.1"]), min_ttl="1m12s")
    assert [e.record_ttl for e in plain.endpoints] == [72]
    annotated = compute(docs(["192.0.2.1"], ttl="30"), min_ttl=300)
    assert [e.record_ttl for e in annotated.endpoints] == [30]  # not a lower bound
    assert [e.record_ttl for e in compute(docs(["192.0.2.1"])).endpoints] == [0]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("target_net_filter", ("10.0.0.0/8", "10.0.0.1"), "'10.0.0.1' is not a network in CIDR"),
        ("exclude_target_net", ("0",), "'0' is not a network in CIDR"),
        ("target_net_filter", "10.0.0.0/8", "valid tuple"),
        ("min_ttl", "soon", "'soon' is not a TTL"),
        ("min_ttl", -1, "between 0 and 2147483647"),
        ("min_ttl", True, "not a boolean"),
    ],
)
def test_invalid_filters_name_the_field(field: str, value: Any, message: str) -> None:
    with pytest.raises(ValidationError) as info:
        SourceConfig(**{field: value})
    [error] = info.value.errors()
    assert error["loc"] == (field,)
    assert message in str(info.value)


def test_the_reconciler_applies_them_too() -> None:
    config = SourceConfig(target_net_filter=("10.0.0.0/8",), min_ttl=60)
    objs = [model(d) for d in docs(["10.1.1.1", "192.0.2.1"])]
    rec = Reconciler(ScriptedWatcher(objs), InMemoryProvider(), config, owner_id="me")
    rnd = rec.step()
    assert rnd.applied
    assert rec.result is not None
    expected = gatewaydns.compute_endpoints(rec.snapshot(), config)
    assert rec.result.endpoints == expected.endpoints
    assert [(e.targets, e.record_ttl) for e in rec.result.endpoints] == [(("10.1.1.1",), 60)]


def test_held_endpoints_are_filtered_too() -> None:
    """A route whose status lags keeps its previous endpoints (hold), through today's filter."""
    first = compute(docs(["10.1.1.1", "192.0.2.1"]))
    lagging = [
        gateway(addresses=["10.1.1.1", "192.0.2.1"]),
        route(
            "shop", hostnames=["other.example.com"], generation=2, status=[accepted(generation=1)]
        ),
    ]
    held = compute(lagging, previous=first, target_net_filter=("10.0.0.0/8",))
    assert "held" in [d.reason for d in held.diagnostics]
    assert records(held) == [("shop.example.com", "A", ("10.1.1.1",))]
