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


# --- SPEC 4.1: the whole parentRef is the identity (upstream #6639) ---------------------------
TWO_LISTENERS = gateway(
    "gw",
    listeners=[
        listener("public", port=80, hostname="public.example.com", allowed=ALL),
        listener("internal", port=8080, hostname="internal.example.com", allowed=ALL),
    ],
)
PUB, INT = "public.example.com", "internal.example.com"


def ref(**fields: Any) -> dict[str, Any]:
    return {"name": "gw", "namespace": "infra", **fields}


def at(generation: int, **fields: Any) -> dict[str, Any]:
    """A status entry for Gateway infra/gw with the given sectionName/port, Accepted."""
    return accepted("gw", generation=generation, **fields)


ALL_POLICIES = ("strict", "latest", "off")


@pytest.mark.parametrize(
    ("spec", "status", "published", "reason"),
    [
        # the route moved from listener public to internal; the controller re-stamped the stale
        # entry with the current generation, so only the identity can drop it
        pytest.param(
            [ref(sectionName="internal")],
            [at(2, sectionName="public"), at(2, sectionName="internal")],
            {p: [INT] for p in ALL_POLICIES},
            "parent-not-in-spec",
            id="moved-section-restamped",
        ),
        pytest.param(
            [ref(sectionName="internal")],
            [at(2, sectionName="public")],
            {p: [] for p in ALL_POLICIES},
            "parent-not-in-spec",
            id="moved-section-only-stale-entry-restamped",
        ),
        # not re-stamped: dropped as not in spec before the generation check
        pytest.param(
            [ref(sectionName="internal")],
            [at(1, sectionName="public"), at(2, sectionName="internal")],
            {p: [INT] for p in ALL_POLICIES},
            "parent-not-in-spec",
            id="moved-section-lagging-entry",
        ),
        pytest.param(
            [ref(port=8080)],
            [at(2, port=80), at(2, port=8080)],
            {p: [INT] for p in ALL_POLICIES},
            "parent-not-in-spec",
            id="moved-port-restamped",
        ),
        # one-way leniency: the entry sets what the spec ref omits -> stale
        pytest.param(
            [ref()],
            [at(2, sectionName="public")],
            {p: [] for p in ALL_POLICIES},
            "parent-not-in-spec",
            id="entry-sets-section-spec-omits",
        ),
        pytest.param(
            [ref()],
            [at(2, port=80)],
            {p: [] for p in ALL_POLICIES},
            "parent-not-in-spec",
            id="entry-sets-port-spec-omits",
        ),
        pytest.param(
            [ref(sectionName="internal", port=8080)],
            [at(2, sectionName="internal", port=80)],
            {p: [] for p in ALL_POLICIES},
            "parent-not-in-spec",
            id="entry-port-differs",
        ),
        # shorter references from the controller match, and the *spec* ref picks the listener
        pytest.param(
            [ref(sectionName="internal")],
            [at(2)],
            {p: [INT] for p in ALL_POLICIES},
            None,
            id="shorter-entry-without-section",
        ),
        pytest.param(
            [ref(port=8080)],
            [at(2)],
            {p: [INT] for p in ALL_POLICIES},
            None,
            id="shorter-entry-without-port",
        ),
        pytest.param(
            [ref(sectionName="internal", port=8080)],
            [at(2, sectionName="internal")],
            {p: [INT] for p in ALL_POLICIES},
            None,
            id="shorter-entry-with-section-without-port",
        ),
        pytest.param(
            [ref(sectionName="internal", port=80)],
            [at(2, sectionName="internal")],
            {p: [] for p in ALL_POLICIES},
            "port-mismatch",
            id="spec-port-applies-though-entry-omits-it",
        ),
        pytest.param(
            [ref(sectionName="public"), ref(sectionName="internal")],
            [at(2)],
            {p: [INT, PUB] for p in ALL_POLICIES},
            None,
            id="shorter-entry-matches-every-spec-ref",
        ),
        pytest.param(
            [ref(sectionName="internal")],
            [at(1)],
            {"strict": [], "latest": [INT], "off": [INT]},
            "stale-generation",
            id="shorter-entry-lagging",
        ),
        pytest.param(
            [ref(sectionName="public")],
            [at(2, sectionName="public")],
            {p: [PUB] for p in ALL_POLICIES},
            None,
            id="exact-match",
        ),
        pytest.param(
            [ref(sectionName="nope")],
            [at(2, sectionName="nope")],
            {p: [] for p in ALL_POLICIES},
            "section-not-found",
            id="section-not-found",
        ),
    ],
)
@pytest.mark.parametrize("policy", ALL_POLICIES)
def test_parent_ref_identity(
    spec: list[dict[str, Any]],
    status: list[dict[str, Any]],
    published: dict[str, list[str]],
    reason: str | None,
    policy: str,
) -> None:
    r = route("shop", parents=spec, status=status, generation=2)
    result = compute([TWO_LISTENERS, r], generation_policy=policy)
    assert names(result) == published[policy]
    if reason is not None and (reason != "stale-generation" or policy == "strict"):
        assert reason in reasons(result)
    if reason == "parent-not-in-spec":
        # dropped before the generation check, so never reported as stale-generation
        assert "stale-generation" not in reasons(result)


def test_stale_listener_entry_says_so() -> None:
    r = route(
        "shop",
        parents=[ref(sectionName="internal")],
        status=[at(2, sectionName="public"), at(2, sectionName="internal")],
        generation=2,
    )
    [diag] = compute([TWO_LISTENERS, r]).diagnostics
    assert diag.reason == "parent-not-in-spec"
    assert diag.parent == "Gateway infra/gw section public"
    assert diag.message == (
        "stale listener entry dropped: it is for section 'public', but spec.parentRefs now "
        "reference this Gateway only as section 'internal'"
    )


def test_a_parent_the_route_left_keeps_its_message() -> None:
    r = route("shop", parents=[ref()], status=[accepted("other", generation=2)], generation=2)
    [diag] = compute([TWO_LISTENERS, r]).diagnostics
    assert diag.message == "status entry for a parent no longer in spec.parentRefs"


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
