"""The shortcuts of the computation (#17) give what the general paths give.

Each shortcut is checked against the code path it stands in for, over generated inputs:

* ``merge_all`` (a full computation's merge) against ``MergeState`` (the reconciler's);
* endpoints as rows (what the computation works on) against the endpoints they stand for:
  a row makes back the endpoint it was taken from, and rows sort as their endpoints do;
* one parent's records (``_one_parent``) against the general record sets (``_endpoints``);
* the memo tables of the index (parents, serving listeners, record properties): every route
  computed against one shared index gives what it gives against an index of its own, and the
  order of the routes changes nothing;
* what the per-route loop reads straight from a route's manifest (its parentRefs, hostnames,
  annotations, key) against the model's attributes; serving listeners (kept per parent, the
  namespace rule asked per namespace) against asking every rule; section 1's shortcut for a
  route without annotations against its rules.
"""

from __future__ import annotations

import random
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import gatewaydns
from gatewaydns import Endpoint, SourceConfig
from gatewaydns._annotations import DEFAULT_PREFIX, OUR_CONTROLLER, Annotations
from gatewaydns._compute import assemble, build_index, compute_route, finish
from gatewaydns._endpoint import (
    EndpointMaker,
    endpoint_row,
    endpoint_rows,
    endpoint_sort_key,
    route_labels,
    row_endpoint,
)
from gatewaydns._hostnames import normalize_hostname
from gatewaydns._index import MEMO_LIMIT, memo_table, remember
from gatewaydns._listeners import admitted_listeners, serving_listeners
from gatewaydns._merge import MergeState, RouteEntry, merge_all, route_entry
from gatewaydns._meta import ParentReference
from gatewaydns._parents import resolve_parents
from gatewaydns._records import Published, RecordProperties, _endpoints, _one_parent
from gatewaydns._routes import ROUTE_KINDS, RouteKey
from gatewaydns._scope import ROUTE_RULES, route_rejection
from gatewaydns._targets import targets_by_type
from gatewaydns._types import Hostname
from tests import strategies as gen

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

NAMES = st.sampled_from(["a.example.com", "b.example.com", "c.example.com"])
TARGETS = st.sampled_from(["192.0.2.1", "192.0.2.2", "2001:db8::1", "lb.example.net", "x.net"])
ROUTES = st.sampled_from(["httproute/app/r1", "httproute/app/r2", "httproute/web/r3"])


@st.composite
def endpoints(draw: Any, route: str) -> Endpoint:
    targets = tuple(sorted(set(draw(st.lists(TARGETS, min_size=1, max_size=3)))))
    return Endpoint(
        dns_name=draw(NAMES),
        targets=targets,
        record_type=draw(st.sampled_from(["A", "AAAA", "CNAME"])),
        set_identifier=draw(st.sampled_from(["", "", "eu"])),
        record_ttl=draw(st.sampled_from([0, 0, 300])),
        labels={"resource": route},
        provider_specific=draw(st.sampled_from([(), ({"name": "alias", "value": "true"},)])),
    )


@st.composite
def route_entries(draw: Any) -> dict[str, RouteEntry]:
    out: dict[str, RouteEntry] = {}
    for key in draw(st.lists(ROUTES, min_size=1, max_size=3, unique=True)):
        _kind, namespace, name = key.split("/")
        created = draw(st.sampled_from([None, "2025-01-01T00:00:00Z", "2025-02-01T00:00:00Z"]))
        eps = draw(st.lists(endpoints(key), min_size=1, max_size=4))
        out[key] = RouteEntry(
            (created is None, created or "", namespace, name, "HTTPRoute"),
            "HTTPRoute",
            namespace,
            name,
            endpoint_rows(sorted(eps, key=endpoint_sort_key)),
        )
    return out


@SETTINGS
@given(route_entries(), st.sampled_from(["report", "oldest-wins"]))
def test_merge_all_is_the_merge_state_fed_every_route(
    entries: dict[str, RouteEntry], policy: Any
) -> None:
    state = MergeState(policy)
    state.update(entries)
    merged = merge_all({k: e.endpoints for k, e in entries.items()}, policy, entries.__getitem__)
    assert merged.endpoints() == state.endpoints()
    assert merged.kept() == state.kept()
    assert merged.diagnostics() == state.diagnostics()


@SETTINGS
@given(st.lists(endpoints("httproute/app/r1") | endpoints("httproute/app/r2"), max_size=12))
def test_rows_are_their_endpoints(eps: list[Endpoint]) -> None:
    # ties on the leading fields (same name, type, set, TTL and targets) included
    rows = [endpoint_row(ep) for ep in eps]
    assert [row_endpoint(r) for r in sorted(rows)] == sorted(eps, key=endpoint_sort_key)
    made = EndpointMaker().all(rows)
    assert made == tuple(eps)
    for ep, again in zip(eps, made, strict=True):  # a validated endpoint, field for field
        assert again.model_dump() == Endpoint.model_validate(ep.model_dump()).model_dump()
        assert hash(again) == hash(ep)


@SETTINGS
@given(
    st.lists(NAMES, min_size=1, max_size=3, unique=True),
    st.lists(TARGETS, min_size=1, max_size=4, unique=True),
    st.sampled_from([0, 300]),
    st.sampled_from(["", "eu"]),
    st.sampled_from([(), (("alias", "true"),), (("alias", "true"), ("aws/weight", "10"))]),
)
def test_one_parent_records_are_the_general_record_sets(
    names: list[str], targets: list[str], ttl: int, set_id: str, ps: Any
) -> None:
    published = Published(
        tuple(Hostname(n) for n in names),
        tuple(targets),
        RecordProperties(ttl, set_id, ps),
        targets_by_type(targets),
    )
    labels = route_labels("httproute/app/r1")
    fast = _one_parent(labels, published)
    assert fast == _endpoints(labels, [published], ())
    assert fast == sorted(fast)  # a row is its own sort key


def _own_index_each(snapshot: gatewaydns.Snapshot, config: SourceConfig) -> gatewaydns.Result:
    """Every route computed against an index of its own (no memo shared between routes)."""
    outcomes = {}
    for r in snapshot.routes:
        out = compute_route(r, build_index(snapshot, config), None)
        outcomes[out.key] = out.flat
    return finish(snapshot.routes, outcomes, config)


def _via_merge_state(snapshot: gatewaydns.Snapshot, config: SourceConfig) -> gatewaydns.Result:
    """A full computation merged as the reconciler merges (``MergeState``)."""
    idx = build_index(snapshot, config)
    outcomes = {r.resource: compute_route(r, idx, None) for r in snapshot.routes}
    routes = {r.resource: r for r in snapshot.routes}
    state = MergeState(config.conflict_policy)
    state.update(
        {k: route_entry(routes[k], o.endpoints) for k, o in outcomes.items() if o.endpoints}
    )
    order = sorted(outcomes, key=lambda k: outcomes[k].who)
    return assemble(order, sorted(outcomes), {k: o.flat for k, o in outcomes.items()}, state)


def _same(a: gatewaydns.Result, b: gatewaydns.Result) -> None:
    assert a.endpoints == b.endpoints
    assert dict(a.by_route) == dict(b.by_route)
    assert a.diagnostics == b.diagnostics
    assert a.attachments == b.attachments


@SETTINGS
@given(gen.snapshots() | gen.attachable_snapshots(), gen.configs, st.randoms())
def test_memo_and_merge_shortcuts_change_nothing(
    docs: list[dict[str, Any]], config: dict[str, Any], rnd: random.Random
) -> None:
    cfg = SourceConfig(**config)
    snapshot = gatewaydns.Snapshot.from_manifests(docs)
    result = gatewaydns.compute_endpoints(snapshot, cfg)
    _same(result, _own_index_each(snapshot, cfg))
    _same(result, _via_merge_state(snapshot, cfg))
    shuffled = list(docs)
    rnd.shuffle(shuffled)
    _same(result, gatewaydns.compute_endpoints(gatewaydns.Snapshot.from_manifests(shuffled), cfg))


def test_benchmark_cluster_shortcuts_change_nothing() -> None:
    """The benchmark's cluster (shared parents, Selector listeners, ListenerSets, stale entries)."""
    from benchmarks.generate import cluster

    docs = cluster(600)
    for cfg in (
        SourceConfig(listener_sets=True),
        SourceConfig(inherit_gateway_annotations=True, conflict_policy="oldest-wins"),
    ):
        snapshot = gatewaydns.Snapshot.from_manifests(docs)
        result = gatewaydns.compute_endpoints(snapshot, cfg)
        assert result.endpoints
        _same(result, _own_index_each(snapshot, cfg))
        _same(result, _via_merge_state(snapshot, cfg))
        shuffled = list(docs)
        random.Random(7).shuffle(shuffled)
        _same(
            result, gatewaydns.compute_endpoints(gatewaydns.Snapshot.from_manifests(shuffled), cfg)
        )


def test_a_memo_table_is_bounded() -> None:
    idx = build_index(gatewaydns.Snapshot.from_manifests([]), SourceConfig())
    table = memo_table(idx, "test")
    assert memo_table(idx, "test") is table
    for i in range(MEMO_LIMIT + 10):
        remember(table, i, i)
    assert len(table) <= MEMO_LIMIT
    assert table[MEMO_LIMIT + 9] == MEMO_LIMIT + 9


def _endpoint(name: str, target: str, route: str) -> Endpoint:
    return Endpoint(dns_name=name, targets=(target,), record_type="A", labels={"resource": route})


def test_a_result_of_a_merge_state_keeps_the_endpoints_of_its_time() -> None:
    """A result made from the reconciler's merge state takes the state's Endpoint objects when
    read before the state changes, and makes its own from its rows when read after."""
    first = _endpoint("a.example.com", "192.0.2.1", "httproute/app/r1")
    second = _endpoint("a.example.com", "192.0.2.2", "httproute/app/r1")
    age = (False, "2025-01-01T00:00:00Z", "app", "r1", "HTTPRoute")
    state = MergeState("report")
    state.update(
        {"httproute/app/r1": RouteEntry(age, "HTTPRoute", "app", "r1", endpoint_rows([first]))}
    )
    now = assemble(["httproute/app/r1"], ["httproute/app/r1"], {}, state)
    early = assemble(["httproute/app/r1"], ["httproute/app/r1"], {}, state)
    assert early.endpoints == (first,)
    assert early.endpoints[0] is state.objects()[0]  # made once, shared with the state
    state.update(
        {"httproute/app/r1": RouteEntry(age, "HTTPRoute", "app", "r1", endpoint_rows([second]))}
    )
    assert now.endpoints == (first,)  # read after the update: what it was assembled from
    assert state.objects() == (second,)
    assert assemble([], [], {}, state).endpoints == (second,)


# --- reads and rules taken by shortcut in the per-route loop ----------------------------------


@SETTINGS
@given(gen.snapshots() | gen.attachable_snapshots())
def test_a_routes_manifest_reads_are_its_attributes(docs: list[dict[str, Any]]) -> None:
    """What the computation reads of a route from its manifest is what its attributes give."""
    for route in gatewaydns.Snapshot.from_manifests(docs).routes:
        assert route._hostname_data() == route.spec_hostnames
        assert route._annotation_data() == route.metadata.annotations
        refs = tuple(ParentReference._view(d) for d in route._parent_ref_data())
        assert refs == route.parent_refs
        assert RouteKey.format(route.kind, route.namespace, route.name) == route.resource


def test_a_route_kind_without_hostnames_reads_none_from_its_manifest() -> None:
    """A TCPRoute or UDPRoute has no ``spec.hostnames``: a stray key (kept, as every unknown
    key is) is not read as its hostnames."""
    for kind in ("TCPRoute", "UDPRoute"):
        route = ROUTE_KINDS[kind].model_validate(
            {
                "apiVersion": "gateway.networking.k8s.io/v1alpha2",
                "kind": kind,
                "metadata": {"name": "r", "namespace": "app"},
                "spec": {"parentRefs": [{"name": "gw"}], "hostnames": ["a.example.com"]},
            }
        )
        assert route._hostname_data() == route.spec_hostnames == ()


@SETTINGS
@given(gen.snapshots() | gen.attachable_snapshots(), gen.configs)
def test_serving_listeners_are_the_admitted_listeners(
    docs: list[dict[str, Any]], config: dict[str, Any]
) -> None:
    """Section 5 per (parent, kind) with the namespace rule asked per namespace, and one outcome
    shared by the namespaces every asked listener admits, gives what asking every rule of every
    listener gives, for every namespace (those in the snapshot and one that is not)."""
    snapshot = gatewaydns.Snapshot.from_manifests(docs)
    idx = build_index(snapshot, SourceConfig(**config))
    namespaces = sorted({*idx.namespaces, "app", "web", "nowhere"})
    for route in snapshot.routes:
        for parent in resolve_parents(route, idx)[0]:
            for namespace in namespaces:
                serving = serving_listeners(parent, route.kind, namespace, idx)
                expected = admitted_listeners(parent, route.kind, namespace, idx.namespaces)
                assert (serving.listeners, serving.rejections) == expected
                hosts = tuple(lst.hostname for lst in serving.listeners)
                assert serving.names == tuple(lst.name for lst in serving.listeners)
                assert serving.hostnames == hosts
                assert serving.normalized == tuple(
                    normalize_hostname(h) if h else None for h in hosts
                )


def test_gateways_made_from_one_template_share_the_namespace_rule(monkeypatch: Any) -> None:
    """Gateways whose listeners read the same ``allowedRoutes.namespaces`` at the same places
    (and share an owner namespace) ask the namespace rule once per namespace between them; what
    each gives back still names its own Gateway and listeners."""
    from gatewaydns import _listeners
    from tests.helpers import gateway, listener, namespace, route

    def listeners(prefix: str, sel: dict[str, Any]) -> list[dict[str, Any]]:
        return [
            listener(
                f"{prefix}-sel", allowed={"namespaces": {"from": "Selector", "selector": sel}}
            ),
            listener(f"{prefix}-same", allowed={"namespaces": {"from": "Same"}}),
            listener(f"{prefix}-all", allowed={"namespaces": {"from": "All"}}),
            listener(f"{prefix}-bad", allowed={"namespaces": {"from": "Selector"}}),
            listener(f"{prefix}-odd", allowed={"namespaces": {"from": "Elsewhere"}}),
        ]

    team_a = {"matchLabels": {"team": "a"}}
    gateways = [
        gateway("g1", listeners=listeners("x", team_a)),
        gateway("g2", listeners=listeners("y", team_a)),  # g1's template: shares
        gateway("g3", namespace="edge", listeners=listeners("x", team_a)),  # other owner
        gateway("g4", listeners=listeners("x", {"matchLabels": {"team": "b"}})),  # other selector
    ]
    spaces = ["ns-a", "ns-b", "infra", "edge", "missing"]
    docs = [
        namespace("ns-a", {"team": "a"}),
        namespace("ns-b", {"team": "b"}),
        namespace("infra"),
        namespace("edge", {"team": "a"}),
        *gateways,
        *(
            route(
                f"r-{g}",
                ns,
                hostnames=["a.example.com"],
                parents=[{"name": g, "namespace": "edge" if g == "g3" else "infra"}],
            )
            for ns in spaces
            for g in ("g1", "g2", "g3", "g4")
        ),
    ]
    asked: list[str] = []
    judge = _listeners._judge_namespace

    def counted(c: Any, *allowed: Any) -> Any:
        asked.append(c.namespace)
        return judge(c, *allowed)

    monkeypatch.setattr(_listeners, "_judge_namespace", counted)
    snapshot = gatewaydns.Snapshot.from_manifests(docs)
    idx = build_index(snapshot, SourceConfig())
    asks = [(r, resolve_parents(r, idx)[0][0]) for r in snapshot.routes]
    found = [serving_listeners(parent, r.kind, r.namespace, idx) for r, parent in asks]
    # four listeners ask, per namespace: once for g1 and g2 together, once each for g3 and g4
    assert len(asked) == 4 * len(spaces) * 3
    assert len(idx.memo["namespace-verdicts"]) == 3
    monkeypatch.undo()
    seen = set()
    for (r, parent), serving in zip(asks, found, strict=True):
        expected = admitted_listeners(parent, r.kind, r.namespace, idx.namespaces)
        assert (serving.listeners, serving.rejections) == expected
        assert {j.parent for j in serving.rejections} == {parent.label}
        seen.add((parent.key[1:], r.namespace, tuple(j.listener for j in serving.rejections)))
    assert (("infra", "g2"), "ns-b", ("y-sel", "y-same", None, "y-odd")) in seen  # bad: the Gateway


ANNOTATION_SETS = st.sampled_from(
    [
        None,
        {},
        {"note": "x"},
        {f"{DEFAULT_PREFIX}controller": OUR_CONTROLLER},
        {f"{DEFAULT_PREFIX}controller": "someone-else"},
        {f"{DEFAULT_PREFIX}ttl": "60"},
    ]
)


@SETTINGS
@given(gen.snapshots(), gen.configs, st.sampled_from([None, "app", "web"]), ANNOTATION_SETS)
def test_section_1_shortcut_is_its_rules(
    docs: list[dict[str, Any]],
    config: dict[str, Any],
    namespace: str | None,
    annotations: dict[str, str] | None,
) -> None:
    """Section 1 skips its rules for a route without annotations when no route filter is set:
    the rules, asked one by one, say the same for every route and annotations."""
    for extra in ({}, {"namespace": namespace, "label_selector": "dns=on"}):
        cfg = SourceConfig(**{**config, **extra})
        idx = build_index(gatewaydns.Snapshot.from_manifests(docs), cfg)
        for route in gatewaydns.Snapshot.from_manifests(docs).routes:
            for raw in (route.metadata.annotations, annotations):
                ann = Annotations(raw, cfg.annotation_prefix)
                rules = (rule(route, ann, idx.scope) for rule in ROUTE_RULES)
                asked = next(filter(None, rules), None)
                assert route_rejection(route, ann, idx.scope) == asked
