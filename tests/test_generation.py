"""Generation validation (SPEC section 9): policies, missing observedGeneration, hold, and the
scenarios this library exists for."""

from __future__ import annotations

from typing import Any

import pytest

from gatewaydns._generation import generation_verdicts, is_behind
from gatewaydns._meta import RouteParentStatus

from .helpers import ALL, accepted, compute, gateway, listener, names, reasons, records, route

H = ["shop.example.com"]


def entry(gen: int | None, controller: str = "c", name: str = "gw") -> RouteParentStatus:
    return RouteParentStatus.model_validate(accepted(name, generation=gen, controller=controller))


@pytest.mark.parametrize(
    ("policy", "missing", "route_gen", "entries", "verdicts"),
    [
        pytest.param("strict", "trust", 2, [entry(2), entry(1)], ["current", "stale"], id="strict"),
        pytest.param("strict", "trust", None, [entry(1)], ["unchecked"], id="strict-no-generation"),
        pytest.param("strict", "trust", 2, [entry(None)], ["untracked"], id="strict-missing-trust"),
        pytest.param(
            "strict", "reject", 2, [entry(None)], ["untracked-rejected"], id="strict-missing-reject"
        ),
        pytest.param(
            "latest",
            "trust",
            5,
            [entry(3, "a"), entry(2, "a"), entry(1, "b")],
            ["current", "stale", "current"],
            id="latest-per-controller",
        ),
        pytest.param(
            "latest",
            "trust",
            5,
            [entry(3, "a", "x"), entry(3, "a", "y")],
            ["current", "current"],
            id="latest-ties",
        ),
        pytest.param(
            "off", "reject", 9, [entry(1), entry(None)], ["unchecked", "unchecked"], id="off"
        ),
    ],
)
def test_verdicts(
    policy: Any, missing: Any, route_gen: Any, entries: Any, verdicts: list[str]
) -> None:
    assert [v.verdict for v in generation_verdicts(route_gen, entries, policy, missing)] == verdicts


@pytest.mark.parametrize(
    ("route_gen", "gens", "behind"),
    [
        (2, [1], True),
        (2, [2, 1], False),
        (2, [], False),
        (None, [1], False),
        (2, [None], False),
        (2, [3], False),
    ],
)
def test_is_behind(route_gen: int | None, gens: list[int | None], behind: bool) -> None:
    assert is_behind(route_gen, [entry(g) for g in gens]) is behind


# --- the scenarios ------------------------------------------------------------------------------
EXTERNAL = gateway("external", addresses=["203.0.113.10"])
INTERNAL = gateway("internal", addresses=["192.0.2.20"])
TO_EXTERNAL = [{"name": "external", "namespace": "infra"}]
TO_INTERNAL = [{"name": "internal", "namespace": "infra"}]


def moved_route(status: list[dict[str, Any]], generation: int = 2) -> dict[str, Any]:
    return route("shop", hostnames=H, parents=TO_INTERNAL, status=status, generation=generation)


def test_a_moved_route_publishes_only_the_new_gateway() -> None:
    status = [accepted("external", generation=1), accepted("internal", generation=2)]
    for policy in ("strict", "latest", "off"):
        result = compute([EXTERNAL, INTERNAL, moved_route(status)], generation_policy=policy)
        assert records(result) == [("shop.example.com", "A", ("192.0.2.20",))], policy
        assert "parent-not-in-spec" in reasons(result)


def lagging_docs() -> list[dict[str, Any]]:
    # generation 2 changed the hostnames; the controller still reports generation 1
    return [
        EXTERNAL,
        route(
            "shop",
            hostnames=[*H, "new.example.com"],
            parents=TO_EXTERNAL,
            status=[accepted("external", generation=1)],
            generation=2,
        ),
    ]


def test_b_lagging_controller_strict_latest_and_hold() -> None:
    strict = compute(lagging_docs())
    assert strict.endpoints == ()
    [stale] = [d for d in strict.diagnostics if d.reason == "stale-generation"]
    assert "observed 1 vs generation 2" in stale.message
    assert stale.parent == "Gateway infra/external"

    latest = compute(lagging_docs(), generation_policy="latest")
    assert names(latest) == ["new.example.com", "shop.example.com"]

    before = compute([EXTERNAL, route("shop", hostnames=H, parents=TO_EXTERNAL, generation=1)])
    held = compute(lagging_docs(), previous=before)
    assert held.endpoints == before.endpoints
    assert "held" in reasons(held)
    held_again = compute(lagging_docs(), previous=held.by_route)  # a plain mapping works too
    assert held_again.endpoints == before.endpoints


def test_b_hold_then_catch_up_replaces() -> None:
    before = compute([EXTERNAL, route("shop", hostnames=H, parents=TO_EXTERNAL, generation=1)])
    lag = compute(
        [EXTERNAL, INTERNAL, moved_route([accepted("external", generation=1)])], previous=before
    )
    assert records(lag) == [("shop.example.com", "A", ("203.0.113.10",))]
    caught_up = compute(
        [
            EXTERNAL,
            INTERNAL,
            moved_route([accepted("external", generation=1), accepted("internal", generation=2)]),
        ],
        previous=lag,
    )
    assert records(caught_up) == [("shop.example.com", "A", ("192.0.2.20",))]
    assert "held" not in reasons(caught_up)


def test_hold_needs_a_previous_entry_and_strict() -> None:
    assert compute(lagging_docs(), previous={}).endpoints == ()
    before = compute([EXTERNAL, route("shop", hostnames=H, parents=TO_EXTERNAL, generation=1)])
    latest = compute(lagging_docs(), previous=before, generation_policy="latest")
    assert "held" not in reasons(latest)


def test_c_section_name_move_on_one_gateway() -> None:
    gw = gateway(
        "external",
        listeners=[
            listener("old", hostname="old.example.com", allowed=ALL),
            listener("new", hostname="new.example.com", allowed=ALL),
        ],
    )
    r = route(
        "shop",
        parents=[{"name": "external", "namespace": "infra", "sectionName": "new"}],
        status=[
            accepted("external", generation=1, sectionName="old"),
            accepted("external", generation=2, sectionName="new"),
        ],
        generation=2,
    )
    assert names(compute([gw, r])) == ["new.example.com"]
    assert "stale-generation" in reasons(compute([gw, r]))
    assert names(compute([gw, r], generation_policy="off")) == [
        "new.example.com",
        "old.example.com",
    ]


def test_d_two_controllers_at_different_generations() -> None:
    a = gateway("a", addresses=["192.0.2.1"])
    b = gateway("b", addresses=["192.0.2.2"])
    r = route(
        "shop",
        hostnames=H,
        parents=[{"name": "a", "namespace": "infra"}, {"name": "b", "namespace": "infra"}],
        status=[
            accepted("a", generation=3, controller="fast"),
            accepted("b", generation=2, controller="slow"),
        ],
        generation=3,
    )
    assert records(compute([a, b, r])) == [("shop.example.com", "A", ("192.0.2.1",))]
    assert records(compute([a, b, r], generation_policy="latest")) == [
        ("shop.example.com", "A", ("192.0.2.1", "192.0.2.2"))
    ]


def test_e_controller_never_sets_observed_generation() -> None:
    r = route(
        "shop",
        hostnames=H,
        parents=TO_EXTERNAL,
        status=[accepted("external", generation=None)],
        generation=4,
    )
    trusted = compute([EXTERNAL, r])
    assert names(trusted) == H
    assert "missing-observed-generation" in reasons(trusted)
    rejected = compute([EXTERNAL, r], missing_observed_generation="reject")
    assert rejected.endpoints == ()
    assert "missing-observed-generation" in reasons(rejected)


@pytest.mark.parametrize(
    ("conditions", "published"),
    [
        pytest.param(
            [
                {"type": "ResolvedRefs", "status": "True"},
                {"type": "Accepted", "status": "True", "observedGeneration": 1},
            ],
            True,
            id="accepted-not-first",
        ),
        pytest.param([], False, id="empty-conditions"),
        pytest.param(
            [
                {
                    "type": "Accepted",
                    "status": "False",
                    "observedGeneration": 1,
                    "reason": "NotAllowedByListeners",
                }
            ],
            False,
            id="accepted-false",
        ),
        pytest.param(
            [{"type": "Accepted", "status": "Unknown", "observedGeneration": 1}],
            False,
            id="accepted-unknown",
        ),
    ],
)
def test_f_accepted_condition(conditions: list[dict[str, Any]], published: bool) -> None:
    status = [
        {
            "parentRef": {"name": "external", "namespace": "infra"},
            "controllerName": "c",
            "conditions": conditions,
        }
    ]
    result = compute([EXTERNAL, route("shop", hostnames=H, parents=TO_EXTERNAL, status=status)])
    assert (names(result) == H) is published
    if not published:
        assert "not-accepted" in reasons(result)


def test_object_without_generation_is_not_checked() -> None:
    r = route(
        "shop",
        hostnames=H,
        parents=TO_EXTERNAL,
        status=[accepted("external", generation=7)],
        generation=None,
    )
    assert names(compute([EXTERNAL, r])) == H
