"""Merging the endpoints of all routes, and DNS conflicts (SPEC sections 8 and 11), on their own.

``MergeState`` is fed route entries directly: each rule of the merge is checked without the rest
of the computation, and incremental updates are checked against a state built from scratch.
"""

from __future__ import annotations

from typing import Any

import pytest

from gatewaydns import Endpoint, HTTPRoute
from gatewaydns._endpoint import EndpointMaker, endpoint_rows
from gatewaydns._merge import MergeState, RouteEntry, route_entry, route_sort_key
from gatewaydns._types import ConflictPolicy


def ep(
    name: str,
    *targets: str,
    rtype: str = "A",
    ttl: int = 0,
    set_id: str = "",
    route: str = "httproute/app/a",
) -> Endpoint:
    return Endpoint(
        dns_name=name,
        targets=tuple(sorted(targets)),
        record_type=rtype,
        record_ttl=ttl,
        set_identifier=set_id,
        labels={"resource": route},
    )


def entry(route: str, created: str | None, *endpoints: Endpoint) -> RouteEntry:
    """A route entry for ``httproute/<ns>/<name>``, created at ``created``."""
    _kind, namespace, name = route.split("/")
    age = (created is None, created or "", namespace, name, "HTTPRoute")
    return RouteEntry(age, "HTTPRoute", namespace, name, endpoint_rows(endpoints))


OLD, NEW = "httproute/app/old", "httproute/app/new"


def merged(policy: ConflictPolicy, *entries: RouteEntry) -> MergeState:
    state = MergeState(policy)
    state.update({f"httproute/{e.namespace}/{e.name}": e for e in entries})
    return state


def kept(state: MergeState) -> dict[str, tuple[Endpoint, ...]]:
    """Route key -> its kept endpoints, as Endpoint objects."""
    return {key: EndpointMaker().all(rows) for key, rows in state.kept().items()}


def summary(state: MergeState) -> tuple[Any, ...]:
    """Everything a state tells: endpoints, each route's kept endpoints, diagnostics."""
    return (
        state.objects(),
        sorted(kept(state).items()),
        [(d.reason, d.name, d.message) for d in state.diagnostics()],
    )


def test_same_record_from_two_routes_is_one_endpoint_with_both_targets() -> None:
    state = merged(
        "report",
        entry(NEW, "2026-01-02T00:00:00Z", ep("a.example.com", "192.0.2.2", route=NEW)),
        entry(OLD, "2026-01-01T00:00:00Z", ep("a.example.com", "192.0.2.1", route=OLD)),
    )
    [only] = state.objects()
    assert only.targets == ("192.0.2.1", "192.0.2.2")
    assert only.labels == {"resource": OLD}  # the oldest route's labels
    assert state.diagnostics() == []
    assert sorted(kept(state)) == [NEW, OLD]  # each route keeps its own, unmerged


def test_a_route_without_creation_timestamp_is_the_youngest() -> None:
    state = merged(
        "report",
        entry(OLD, None, ep("a.example.com", "192.0.2.1", route=OLD)),
        entry(NEW, "2026-01-02T00:00:00Z", ep("a.example.com", "192.0.2.2", route=NEW)),
    )
    assert state.objects()[0].labels == {"resource": NEW}
    timed = HTTPRoute.model_validate(
        {"metadata": {"name": "b", "namespace": "app", "creationTimestamp": "2026-01-01"}}
    )
    untimed = HTTPRoute.model_validate({"metadata": {"name": "a", "namespace": "app"}})
    assert route_sort_key(timed) < route_sort_key(untimed)
    assert route_entry(timed, ()).age == route_sort_key(timed)


@pytest.mark.parametrize(
    ("old", "new", "why"),
    [
        pytest.param(
            ep("a.example.com", "lb.example.net", rtype="CNAME", route=OLD),
            ep("a.example.com", "192.0.2.2", route=NEW),
            "a CNAME and A/AAAA records",
            id="cname-and-a",
        ),
        pytest.param(
            ep("a.example.com", "lb.example.net", rtype="CNAME", route=OLD),
            ep("a.example.com", "other.example.net", rtype="CNAME", route=NEW),
            "2 CNAME targets (lb.example.net, other.example.net)",
            id="two-cname-targets",
        ),
        pytest.param(
            ep("a.example.com", "192.0.2.1", ttl=60, route=OLD),
            ep("a.example.com", "192.0.2.2", ttl=300, route=NEW),
            "A records with different TTLs or provider-specific properties",
            id="different-ttls",
        ),
    ],
)
def test_conflicts_by_policy(old: Endpoint, new: Endpoint, why: str) -> None:
    entries = (entry(OLD, "2026-01-01T00:00:00Z", old), entry(NEW, "2026-01-02T00:00:00Z", new))
    report = merged("report", *entries)
    # report: published as upstream does, both routes told
    assert sorted(report.objects(), key=lambda e: e.labels["resource"]) == [new, old]
    assert [(d.reason, d.name) for d in report.diagnostics()] == [
        ("dns-conflict", "old"),
        ("dns-conflict", "new"),
    ]
    assert all(f"a.example.com would get {why}" in d.message for d in report.diagnostics())
    assert sorted(kept(report)) == [NEW, OLD]
    # oldest-wins: only the oldest route's records; the other's are dropped, and it is told
    oldest = merged("oldest-wins", *entries)
    assert oldest.objects() == (old,)
    assert sorted(kept(oldest)) == [OLD]
    new_says = [d.message for d in oldest.diagnostics() if d.name == "new"]
    assert new_says == [
        f"a.example.com would get {why}; also claimed by {OLD}; dropped: {OLD} is older and "
        "keeps the name"
    ]


def test_cname_merges_only_with_the_same_target() -> None:
    state = merged(
        "report",
        entry(OLD, "2026-01-01T00:00:00Z", ep("a.example.com", "lb.example.net", rtype="CNAME")),
        entry(NEW, "2026-01-02T00:00:00Z", ep("a.example.com", "lb.example.net", rtype="CNAME")),
    )
    assert [(e.record_type, e.targets) for e in state.objects()] == [("CNAME", ("lb.example.net",))]
    assert state.diagnostics() == []


def test_set_identifiers_are_separate_names() -> None:
    state = merged(
        "oldest-wins",
        entry(
            OLD,
            "2026-01-01T00:00:00Z",
            ep("a.example.com", "lb.eu.example.net", rtype="CNAME", set_id="eu", route=OLD),
        ),
        entry(
            NEW, "2026-01-02T00:00:00Z", ep("a.example.com", "192.0.2.2", set_id="us", route=NEW)
        ),
    )
    assert [(e.set_identifier, e.record_type) for e in state.objects()] == [
        ("us", "A"),  # sorted by name, then type, then set identifier
        ("eu", "CNAME"),
    ]
    assert state.diagnostics() == []
    assert sorted(kept(state)) == [NEW, OLD]


def test_one_route_alone_keeps_everything() -> None:
    records = (
        ep("a.example.com", "192.0.2.1", route=OLD),
        ep("a.example.com", "2001:db8::1", rtype="AAAA", route=OLD),
        ep("b.example.com", "lb.example.net", rtype="CNAME", route=OLD),
    )
    state = merged("oldest-wins", entry(OLD, None, *records))
    assert state.objects() == records
    assert kept(state) == {OLD: records}
    assert state.wants("a.example.com")
    assert not state.wants("c.example.com")
    assert state.at(["b.example.com", "a.example.com"]) == list(records)


A1 = ep("a.example.com", "192.0.2.1", route=OLD)
A2 = ep("a.example.com", "192.0.2.2", route=NEW)
C2 = ep("a.example.com", "lb.example.net", rtype="CNAME", route=NEW)
B2 = ep("b.example.com", "192.0.2.2", route=NEW)


@pytest.mark.parametrize("policy", ["report", "oldest-wins"])
@pytest.mark.parametrize(
    ("first", "then"),
    [
        pytest.param((A2,), (C2,), id="merge-becomes-conflict"),
        pytest.param((C2,), (A2,), id="conflict-resolved"),
        pytest.param((C2,), None, id="loser-removed"),
        pytest.param((A2, B2), (B2,), id="leaves-a-name"),
        pytest.param((), (C2, B2), id="joins"),
    ],
)
def test_incremental_update_equals_a_fresh_merge(
    policy: ConflictPolicy, first: tuple[Endpoint, ...], then: tuple[Endpoint, ...] | None
) -> None:
    old = entry(OLD, "2026-01-01T00:00:00Z", A1)
    state = MergeState(policy)
    state.update({OLD: old, NEW: entry(NEW, "2026-01-02T00:00:00Z", *first)})
    state.update({NEW: None if then is None else entry(NEW, "2026-01-02T00:00:00Z", *then)})
    fresh = [old] if then is None else [old, entry(NEW, "2026-01-02T00:00:00Z", *then)]
    assert summary(state) == summary(merged(policy, *fresh))


def test_removing_the_winner_lets_the_other_route_publish() -> None:
    state = merged(
        "oldest-wins",
        entry(OLD, "2026-01-01T00:00:00Z", A1),
        entry(NEW, "2026-01-02T00:00:00Z", C2),
    )
    assert state.objects() == (A1,)
    state.update({OLD: None})
    assert state.objects() == (C2,)
    assert kept(state) == {NEW: (C2,)}
    assert state.diagnostics() == []
