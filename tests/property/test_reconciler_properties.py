"""After any random sequence of events, the reconciler's incremental result equals a full
compute_endpoints of the same snapshot (with the same previous result)."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import gatewaydns
from gatewaydns import PlanOptions, Reconciler, SourceConfig, TXTRegistry
from gatewaydns.protocols import EventType
from gatewaydns.testing import InMemoryProvider, ScriptedWatcher
from tests.helpers import ALL, accepted, gateway, listener, listener_set, model, namespace, route

GW = st.sampled_from(["g1", "g2"])
NS = st.sampled_from(["app", "team"])
SEL = {"namespaces": {"from": "Selector", "selector": {"matchLabels": {"dns": "on"}}}}


@st.composite
def an_object(draw: Any) -> Any:
    kind = draw(
        st.sampled_from(["gateway", "route", "route", "namespace", "namespace", "listenerset"])
    )
    if kind == "gateway":
        return model(
            gateway(
                draw(GW),
                listeners=[
                    listener(
                        hostname=draw(st.none() | st.just("*.example.com")),
                        allowed=draw(st.sampled_from([ALL, SEL, SEL, None])),
                    )
                ],
                addresses=draw(
                    st.lists(st.sampled_from(["192.0.2.1", "192.0.2.2", "2001:db8::1"]), max_size=2)
                ),
                allowed_listeners=draw(st.sampled_from([None, {"namespaces": {"from": "All"}}])),
            )
        )
    if kind == "namespace":
        return model(namespace(draw(NS), draw(st.sampled_from([None, {"dns": "on"}]))))
    if kind == "listenerset":
        return model(listener_set("ls", "team", gateway_name=draw(GW)))
    gen = draw(st.integers(1, 3))
    ref_names = draw(
        st.lists(st.sampled_from(["g1", "g2", "ls"]), min_size=1, max_size=2, unique=True)
    )
    refs = [
        {"name": n, "namespace": "team", "kind": "ListenerSet"}
        if n == "ls"
        else {"name": n, "namespace": "infra"}
        for n in ref_names
    ]
    status = [
        accepted(
            r["name"],
            r["namespace"],
            generation=draw(st.integers(1, 3)),
            **({"kind": "ListenerSet"} if r.get("kind") else {}),
        )
        for r in refs
    ]
    return model(
        route(
            draw(st.sampled_from(["r1", "r2", "r3"])),
            namespace=draw(NS),
            hostnames=draw(
                st.none()
                | st.lists(st.sampled_from(["a.example.com", "b.example.com"]), max_size=2)
            ),
            parents=refs,
            status=status,
            generation=gen,
        )
    )


EVENTS = st.lists(
    st.tuples(st.sampled_from(["ADDED", "MODIFIED", "DELETED"]), an_object()),
    min_size=1,
    max_size=25,
)


def dump(result: gatewaydns.Result) -> Any:
    return (
        [e.to_json() for e in result.endpoints],
        {k: [e.to_json() for e in v] for k, v in result.by_route.items()},
        [d.model_dump() for d in result.diagnostics],
    )


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    EVENTS,
    st.lists(st.integers(1, 5), min_size=1, max_size=5),
    st.sampled_from(["strict", "latest", "off"]),
    st.booleans(),
)
def test_incremental_equals_full(
    events: list[tuple[EventType, Any]], cuts: list[int], policy: str, listener_sets: bool
) -> None:
    config = SourceConfig(generation_policy=policy, listener_sets=listener_sets)
    watcher = ScriptedWatcher()
    rec = Reconciler(
        watcher, InMemoryProvider(), config, options=PlanOptions(TXTRegistry("prop"), force=True)
    )
    pos = 0
    for cut in [*cuts, len(events)]:
        previous = rec.result
        batch = events[pos : pos + cut]
        pos += cut
        for type_, o in batch:
            watcher.push(type_, o)
        rnd = rec.step()
        if not batch:
            continue
        assert rnd.planned
        assert rec.result is not None
        full = gatewaydns.compute_endpoints(rec.snapshot(), config, previous)
        assert dump(rec.result) == dump(full)
