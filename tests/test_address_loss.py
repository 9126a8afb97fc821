"""Address-loss hold (SPEC section 9): a Gateway that briefly reports no address does not take
its routes' records away (upstream external-dns #4023, #4595, #3841)."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

import gatewaydns

from .helpers import (
    ALL,
    accepted,
    compute,
    gateway,
    listener,
    listener_set,
    names,
    reasons,
    records,
    route,
)

SHOP = ["shop.example.com"]
TO_GW = [{"name": "gw", "namespace": "infra"}]
POLICIES = ("strict", "latest", "off")


def lost(doc: dict[str, Any], *, absent: bool = False, programmed: bool = True) -> dict[str, Any]:
    """The Gateway while its load balancer is re-provisioned: no addresses, Programmed=False."""
    out = copy.deepcopy(doc)
    status: dict[str, Any] = {} if absent else {"addresses": []}
    if programmed:
        status["conditions"] = [
            {"type": "Programmed", "status": "False", "reason": "AddressNotAssigned"}
        ]
    out["status"] = status
    return out


GW = gateway("gw", addresses=["192.0.2.1", "2001:db8::1"])
SHOP_ROUTE = route("shop", hostnames=SHOP, parents=TO_GW)


def held_diags(result: gatewaydns.Result) -> list[gatewaydns.Diagnostic]:
    return [d for d in result.diagnostics if d.reason == "held"]


@pytest.mark.parametrize("policy", POLICIES)
def test_records_survive_the_gateway_losing_its_address(policy: str) -> None:
    before = compute([GW, SHOP_ROUTE], generation_policy=policy)
    assert records(before) == [
        ("shop.example.com", "A", ("192.0.2.1",)),
        ("shop.example.com", "AAAA", ("2001:db8::1",)),
    ]
    during = compute([lost(GW), SHOP_ROUTE], previous=before, generation_policy=policy)
    assert during.endpoints == before.endpoints
    assert dict(during.by_route) == dict(before.by_route)
    [diag] = held_diags(during)
    assert diag.parent == "Gateway infra/gw"
    assert diag.message == (
        "Gateway infra/gw has no usable address (status.addresses is empty, Programmed=False "
        "(AddressNotAssigned)); keeping the previous records of shop.example.com until it "
        "reports one"
    )
    assert "no-targets" not in reasons(during)
    # holding again from the held result is stable (a reconciler's next round)
    again = compute([lost(GW), SHOP_ROUTE], previous=during, generation_policy=policy)
    assert again.endpoints == before.endpoints
    # the address comes back (a new one): the new records replace the held ones
    back = gateway("gw", addresses=["192.0.2.99"])
    after = compute([back, SHOP_ROUTE], previous=again, generation_policy=policy)
    assert records(after) == [("shop.example.com", "A", ("192.0.2.99",))]
    assert held_diags(after) == []


def test_absent_addresses_and_previous_as_a_mapping() -> None:
    before = compute([GW, SHOP_ROUTE])
    during = compute(
        [lost(GW, absent=True, programmed=False), SHOP_ROUTE], previous=before.by_route
    )
    assert during.endpoints == before.endpoints
    [diag] = held_diags(during)
    assert "(no status.addresses)" in diag.message


def test_without_previous_or_when_disabled_the_records_go() -> None:
    before = compute([GW, SHOP_ROUTE])
    for result in (
        compute([lost(GW), SHOP_ROUTE]),
        compute([lost(GW), SHOP_ROUTE], previous={}),
        compute([lost(GW), SHOP_ROUTE], previous=before, hold_on_address_loss=False),
    ):
        assert result.endpoints == ()
        assert "no-targets" in reasons(result)
        assert "held" not in reasons(result)


@pytest.mark.parametrize(
    "docs",
    [
        pytest.param([SHOP_ROUTE], id="gateway-deleted"),
        pytest.param(
            [
                lost(GW),
                gateway("other", addresses=["192.0.2.50"]),
                route(
                    "shop",
                    hostnames=SHOP,
                    parents=[{"name": "other", "namespace": "infra"}],
                    status=[accepted("gw", generation=2), accepted("other", generation=2)],
                    generation=2,
                ),
            ],
            id="route-left-the-gateway",
        ),
        pytest.param(
            [
                lost(GW),
                route(
                    "shop",
                    hostnames=["other.example.org"],
                    parents=TO_GW,
                ),
            ],
            id="hostname-changed",
        ),
        pytest.param(
            [
                lost(gateway("gw", listeners=[listener(hostname="*.example.org", allowed=ALL)])),
                SHOP_ROUTE,
            ],
            id="listener-no-longer-matches",
        ),
        pytest.param(
            [
                lost(GW),
                route("shop", hostnames=SHOP, parents=TO_GW, status=[accepted(status="False")]),
            ],
            id="no-longer-accepted",
        ),
        pytest.param(
            [
                lost(GW),
                route(
                    "shop",
                    hostnames=SHOP,
                    parents=TO_GW,
                    status=[accepted(generation=1)],
                    generation=1,
                    annotations={"external-dns.kubernetes.io/controller": "someone-else"},
                ),
            ],
            id="route-filtered",
        ),
        pytest.param(
            [
                lost(
                    gateway(
                        "gw",
                        annotations={"external-dns.kubernetes.io/target": "lb.example.net"},
                    )
                ),
                SHOP_ROUTE,
            ],
            id="target-annotation-is-no-loss",
        ),
    ],
)
def test_hold_is_released(docs: list[dict[str, Any]]) -> None:
    before = compute([GW, SHOP_ROUTE])
    result = compute(docs, previous=before)
    assert "held" not in reasons(result)
    assert ("shop.example.com", "A", ("192.0.2.1",)) not in records(result)


def test_per_route_and_name_a_move_to_an_address_less_gateway_holds() -> None:
    # previous does not say which Gateway a record came from (SPEC 9): a route that moves to a
    # Gateway still waiting for its address keeps its records until that Gateway has one
    before = compute([GW, SHOP_ROUTE])
    moved = route(
        "shop",
        hostnames=SHOP,
        parents=[{"name": "new", "namespace": "infra"}],
        status=[accepted("new", generation=2)],
        generation=2,
    )
    during = compute([GW, lost(gateway("new")), moved], previous=before)
    assert during.endpoints == before.endpoints
    [diag] = held_diags(during)
    assert diag.parent == "Gateway infra/new"
    ready = compute([GW, gateway("new", addresses=["192.0.2.77"]), moved], previous=during)
    assert records(ready) == [("shop.example.com", "A", ("192.0.2.77",))]


def test_a_stale_entry_for_the_lost_gateway_holds_nothing() -> None:
    # generation 2 moved the route to Gateway b; a still has a generation-1 entry and no address
    a, b = gateway("a", addresses=["192.0.2.1"]), gateway("b", addresses=["192.0.2.2"])
    on_a = route("shop", hostnames=SHOP, parents=[{"name": "a", "namespace": "infra"}])
    before = compute([a, b, on_a])
    moved = route(
        "shop",
        hostnames=SHOP,
        parents=[{"name": "a", "namespace": "infra"}, {"name": "b", "namespace": "infra"}],
        status=[accepted("a", generation=1), accepted("b", generation=2)],
        generation=2,
    )
    result = compute([lost(a), b, moved], previous=before)
    assert records(result) == [("shop.example.com", "A", ("192.0.2.2",))]
    assert "held" not in reasons(result)
    assert "stale-generation" in reasons(result)


def test_two_gateways_one_lost_keeps_both_targets() -> None:
    a, b = gateway("a", addresses=["192.0.2.1"]), gateway("b", addresses=["192.0.2.2"])
    both = route(
        "shop",
        hostnames=SHOP,
        parents=[{"name": "a", "namespace": "infra"}, {"name": "b", "namespace": "infra"}],
    )
    before = compute([a, b, both])
    assert records(before) == [("shop.example.com", "A", ("192.0.2.1", "192.0.2.2"))]
    during = compute([lost(a), b, both], previous=before)
    assert records(during) == [("shop.example.com", "A", ("192.0.2.1", "192.0.2.2"))]
    [diag] = held_diags(during)
    assert diag.parent == "Gateway infra/a"


def test_only_names_still_served_are_kept_and_new_names_wait() -> None:
    gw = gateway("gw", listeners=[listener(hostname="*.example.com", allowed=ALL)])
    two = route("shop", hostnames=["a.example.com", "b.example.com"], parents=TO_GW)
    before = compute([gw, two])
    assert names(before) == ["a.example.com", "b.example.com"]
    # during the loss the route drops b and adds c: a is kept, b goes, c waits for an address
    changed = route("shop", hostnames=["a.example.com", "c.example.com"], parents=TO_GW)
    during = compute([lost(gw), changed], previous=before)
    assert names(during) == ["a.example.com"]
    [diag] = held_diags(during)
    assert "previous records of a.example.com until" in diag.message


def test_held_records_join_the_live_record_set() -> None:
    # the route's TTL changed during the loss; the live set of another Gateway keeps its TTL and
    # takes the held targets, so no name gets two TTLs
    a, b = gateway("a", addresses=["192.0.2.1"]), gateway("b", addresses=["192.0.2.2"])
    parents = [{"name": "a", "namespace": "infra"}, {"name": "b", "namespace": "infra"}]
    before = compute([a, b, route("shop", hostnames=SHOP, parents=parents)])
    ttl = {"external-dns.kubernetes.io/ttl": "60"}
    during = compute(
        [lost(a), b, route("shop", hostnames=SHOP, parents=parents, annotations=ttl)],
        previous=before,
    )
    [ep] = during.endpoints
    assert (ep.targets, ep.record_ttl) == (("192.0.2.1", "192.0.2.2"), 60)
    assert "dns-conflict" not in reasons(during)


def test_cname_targets_are_held() -> None:
    gw = gateway("gw", addresses=["lb-123.elb.example.net"])
    before = compute([gw, SHOP_ROUTE])
    during = compute([lost(gw), SHOP_ROUTE], previous=before)
    assert records(during) == [("shop.example.com", "CNAME", ("lb-123.elb.example.net",))]


def test_listener_set_gateway_losing_its_address() -> None:
    gw = gateway(allowed_listeners={"namespaces": {"from": "All"}})
    ls = listener_set()
    via_ls = route(
        "web",
        namespace="team",
        parents=[{"name": "ls", "namespace": "team", "kind": "ListenerSet"}],
        status=[accepted("ls", "team", kind="ListenerSet")],
    )
    before = compute([gw, ls, via_ls], listener_sets=True)
    assert names(before) == ["web.example.com"]
    during = compute([lost(gw), ls, via_ls], previous=before, listener_sets=True)
    assert during.endpoints == before.endpoints
    [diag] = held_diags(during)
    assert diag.parent == "ListenerSet team/ls"
    assert diag.message.startswith("its Gateway infra/gw has no usable address")


def test_generation_hold_and_address_loss_together() -> None:
    # the route is behind its controller (strict hold) while its Gateway has no address
    before = compute([GW, SHOP_ROUTE])
    lagging = route(
        "shop",
        hostnames=[*SHOP, "new.example.com"],
        parents=TO_GW,
        status=[accepted(generation=1)],
        generation=2,
    )
    during = compute([lost(GW), lagging], previous=before)
    assert during.endpoints == before.endpoints


def test_hold_survives_a_json_round_trip_of_previous() -> None:
    # what the CLI's --previous does: endpoints from JSON, grouped by their resource label
    before = compute([GW, SHOP_ROUTE])
    previous: dict[str, list[gatewaydns.Endpoint]] = {}
    for item in json.loads(json.dumps([e.to_json() for e in before.endpoints])):
        ep = gatewaydns.Endpoint.model_validate(item)
        previous.setdefault(ep.labels["resource"], []).append(ep)
    during = compute([lost(GW), SHOP_ROUTE], previous=previous)
    assert during.endpoints == before.endpoints
