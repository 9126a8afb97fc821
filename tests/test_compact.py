"""Compact routes (#17): a fast load keeps each route as its document's text and the few values
the computation reads, flat, so the collector has almost nothing to walk per route. Every
reader gives what the whole manifest gives; the computation and the reconciler's rounds read
nothing else; anything else makes the manifest whole, unchanged."""

from __future__ import annotations

import copy
import gc
import json
import pickle
from collections.abc import Callable
from typing import Any

import pytest
from benchmarks.generate import manifest_text
from hypothesis import given, settings
from hypothesis import strategies as st

import gatewaydns
from gatewaydns import PlanOptions, Reconciler, Snapshot, SourceConfig, TXTRegistry
from gatewaydns._base import _SLOT
from gatewaydns._compute import RouteOutcome, build_index, compute_route
from gatewaydns._routes import _ANNOTATIONS, _HOSTNAMES, _LABELS, _REFS, _STATUS
from gatewaydns.testing import InMemoryProvider, ScriptedWatcher

from .helpers import G, accepted, gateway, listener, namespace, route, route_readings


def _list(*items: dict[str, Any]) -> str:
    return json.dumps({"apiVersion": "v1", "kind": "List", "items": [*items]})


def _compact(route: Any) -> bool:
    return type(_SLOT(route)) is tuple


def _both(text: str) -> tuple[Snapshot, Snapshot]:
    """(the fast load's snapshot, the general loader's snapshot of the same documents)."""
    fast = Snapshot.from_manifests(text)
    whole = Snapshot.from_manifests(json.loads(text)["items"])
    assert fast.routes
    assert all(_compact(r) for r in fast.routes)
    assert not any(_compact(r) for r in whole.routes)
    return fast, whole


_NAMES = st.sampled_from(["a", "b", "gw", "ls-0"])
_OPTIONAL = st.none() | st.sampled_from(["x", "infra", ""])


@st.composite
def _ref(draw: st.DrawFn) -> dict[str, Any]:
    ref: dict[str, Any] = {"name": draw(_NAMES)}
    for key, values in (
        ("group", st.sampled_from([G, "", None, "other.example"])),
        ("kind", st.sampled_from(["Gateway", "ListenerSet", "Service", None])),
        ("namespace", _OPTIONAL),
        ("sectionName", st.sampled_from(["http", "https", None])),
        ("port", st.sampled_from([80, 443, None])),
    ):
        if draw(st.booleans()):
            ref[key] = draw(values)
    return ref


@st.composite
def _entry(draw: st.DrawFn) -> dict[str, Any]:
    entry: dict[str, Any] = {"parentRef": draw(_ref())}
    if draw(st.booleans()):
        entry["controllerName"] = draw(st.sampled_from(["example.com/gc", "other.io/x"]))
    conditions = []
    for kind in draw(st.lists(st.sampled_from(["Accepted", "ResolvedRefs", "Other"]), max_size=3)):
        cond: dict[str, Any] = {
            "type": kind,
            "status": draw(st.sampled_from(["True", "False", "Unknown"])),
            "lastTransitionTime": "2026-01-01T00:00:00Z",
            "reason": draw(st.sampled_from(["Accepted", "NotAllowed", ""])),
            "message": draw(st.sampled_from(["", "ok", 'a "quoted": message'])),
        }
        if draw(st.booleans()):
            cond["observedGeneration"] = draw(st.integers(0, 5))
        if draw(st.booleans()):
            cond["extra"] = {"nested": [1, {"deep": True}]}  # unknown keys are kept
        conditions.append(cond)
    entry["conditions"] = conditions
    return entry


@st.composite
def _route(draw: st.DrawFn, index: int) -> dict[str, Any]:
    kind = draw(st.sampled_from(["HTTPRoute", "GRPCRoute", "TLSRoute", "TCPRoute", "UDPRoute"]))
    doc = route(
        f"r{index}",
        kind=kind,
        hostnames=draw(st.lists(st.sampled_from(["a.example.com", "*.b.example.com"]), max_size=2)),
        parents=draw(st.lists(_ref(), max_size=3)),
        status=draw(st.lists(_entry(), max_size=3)),
        generation=draw(st.none() | st.integers(1, 5)),
        annotations=draw(st.none() | st.just({"external-dns.kubernetes.io/ttl": "60"})),
        labels=draw(st.none() | st.just({"team": "a"})),
        created=draw(st.none() | st.just("2025-01-01T00:00:00Z")),
    )
    if draw(st.booleans()):
        del doc["metadata"]["namespace"]  # "default"
    if draw(st.booleans()):
        del doc["status"]
    if draw(st.booleans()):
        doc["spec"]["rules"] = [{"backendRefs": [{"name": "svc", "port": 80}]}]
    return doc


@st.composite
def _routes(draw: st.DrawFn) -> list[dict[str, Any]]:
    return [draw(_route(i)) for i in range(draw(st.integers(1, 6)))]


@settings(max_examples=150, deadline=None)
@given(_routes())
def test_every_reader_gives_what_the_whole_manifest_gives(docs: list[dict[str, Any]]) -> None:
    fast, whole = _both(_list(*docs))
    for compact, full in zip(fast.routes, whole.routes, strict=True):
        assert route_readings(compact) == route_readings(full)
        assert _compact(compact)  # reading those did not make the manifest whole
        # anything else does, and it is the manifest the general loader has
        assert compact == full
        assert not _compact(compact)
        assert compact.model_dump(mode="json", by_alias=True, exclude_unset=True) == (
            full.model_dump(mode="json", by_alias=True, exclude_unset=True)
        )
        assert route_readings(compact) == route_readings(full)


_CONFIGS = [
    SourceConfig(),
    SourceConfig(generation_policy="latest"),
    SourceConfig(missing_observed_generation="reject"),
    SourceConfig(label_selector="team=t1"),
    SourceConfig(annotation_selector="external-dns.kubernetes.io/ttl"),
    SourceConfig(namespace="ns-1"),
    SourceConfig(listener_sets=True),
]


@pytest.mark.parametrize("config", _CONFIGS, ids=[str(i) for i in range(len(_CONFIGS))])
def test_the_computation_reads_only_what_a_compact_route_keeps(config: SourceConfig) -> None:
    fast, whole = _both(manifest_text(300))
    expected = gatewaydns.compute_endpoints(whole, config)
    result = gatewaydns.compute_endpoints(fast, config)
    again = gatewaydns.compute_endpoints(fast, config, previous=result)  # hold reads too
    for got in (result, again):
        assert got.endpoints == expected.endpoints
        assert got.diagnostics == expected.diagnostics
        assert got.by_route == expected.by_route
    assert all(_compact(r) for r in fast.routes)


@settings(max_examples=60, deadline=None)
@given(_routes())
def test_random_routes_compute_alike_compact_or_whole(docs: list[dict[str, Any]]) -> None:
    docs = [
        gateway(listeners=[listener(hostname="*.example.com")], addresses=["192.0.2.1"]),
        namespace("app"),
        *docs,
    ]
    fast, whole = _both(_list(*docs))
    for config in (SourceConfig(), SourceConfig(generation_policy="latest")):
        expected = gatewaydns.compute_endpoints(whole, config)
        got = gatewaydns.compute_endpoints(fast, config)
        assert got.endpoints == expected.endpoints
        assert got.diagnostics == expected.diagnostics
    assert all(_compact(r) for r in fast.routes)


def test_the_reconcilers_rounds_keep_routes_compact() -> None:
    fast, _ = _both(manifest_text(200))
    provider = InMemoryProvider(zones=["example.com", "example.org"])
    objects = [*fast.gateways, *fast.listener_sets, *fast.routes, *fast.namespaces]
    rec = Reconciler(
        ScriptedWatcher(objects),
        provider,
        SourceConfig(),
        options=PlanOptions(TXTRegistry("t"), force=True),
    )
    rec.step()
    rec.step()
    assert provider.records()
    assert all(_compact(r) for r in fast.routes)


def test_a_compact_route_is_copied_pickled_and_dumped_as_a_whole_one() -> None:
    doc = route("a", hostnames=["a.example.com"], annotations={"k": "v"})
    doc["spec"]["rules"] = [{"matches": [{"path": {"type": "PathPrefix", "value": "/"}}]}]
    makers: list[Callable[[Any], Any]] = [
        copy.copy,
        copy.deepcopy,
        lambda r: pickle.loads(pickle.dumps(r)),
        lambda r: type(r).model_validate(r.model_dump(mode="json", exclude_unset=True)),
    ]
    for make in makers:
        (compact,) = Snapshot.from_manifests(_list(doc)).routes
        assert _compact(compact)
        made = make(compact)
        assert made == compact
        assert made.model_dump(mode="json", by_alias=True, exclude_unset=True) == doc
        assert made.spec.rules[0].matches[0].path.value == "/"


def test_a_compact_route_holds_nothing_the_collector_keeps_tracking() -> None:
    # the point of the flat layout: of a loaded route, only the model stays tracked, so nothing
    # else of it is counted long-lived; its parts after one look, the tuple holding them after two
    docs = [
        route(
            "a",
            hostnames=["a.example.com"],
            parents=[{"name": "gw"}, {"name": "b"}],
            annotations={"k": "v"},
            labels={"team": "a"},
        )
    ]
    docs[0]["status"]["parents"].append(accepted("b", None, 1, controller="x/y"))
    (compact,) = Snapshot.from_manifests(_list(*docs)).routes
    gc.collect()
    held = _SLOT(compact)
    for part in (held[_REFS], held[_STATUS], held[_HOSTNAMES], held[_ANNOTATIONS], held[_LABELS]):
        assert part
        assert not gc.is_tracked(part)
    gc.collect()
    assert not gc.is_tracked(held)
    assert gc.is_tracked(compact)


def test_a_results_outcomes_are_untracked_by_the_collector() -> None:
    # what a result keeps per route is one flat tuple (RouteOutcome.flat) of strings, numbers and
    # rows: none of it stays tracked, so a computation leaves nothing long-lived per route
    fast, _ = _both(manifest_text(200))
    result = gatewaydns.compute_endpoints(fast, SourceConfig())
    assert result._parts is not None
    outcomes = list(result._parts.outcomes.values())
    assert len(outcomes) == len(fast.routes)
    assert any(RouteOutcome.of(o).rejections for o in outcomes)  # rejections are kept flat too
    gc.collect()
    gc.collect()
    assert not [o for o in outcomes if gc.is_tracked(o)]


def test_the_namespace_rules_refusals_are_kept_untracked() -> None:
    # what the index keeps per refused namespace (shared by the Gateways whose namespace rule
    # reads the same values) is one flat tuple, not a Serving and its Rejections (named tuples
    # the collector tracks for good); what it gives back is checked against asking every rule
    # in tests/test_compute_speed.py
    fast, _ = _both(manifest_text(300))
    idx = build_index(fast, SourceConfig())
    for r in fast.routes:
        compute_route(r, idx, None)
    kept = [
        entry
        for plan in idx.memo["serving_listeners"].values()
        for entry in plan.by_namespace.values()
        if entry  # () when every listener asked admits the namespace
    ]
    assert kept
    gc.collect()
    assert not [entry for entry in kept if gc.is_tracked(entry)]
