"""Compact routes (#17) through the write path, against a real BIND 9, with faults injected.

Routes loaded from JSON text are compact (their text and the values the computation reads);
the reconciler computes them, keeps their outcomes flat, and writes through RFC 2136. Random
rounds of route changes, lagging controllers, lost connections and lost answers mid-apply,
restarts and a foreign writer must keep SPEC section 13: nothing foreign changes, no record of
ours is left without its ownership TXT, one bad route does not block the others, and after the
faults stop the zone is what the cluster calls for (a fresh process has nothing to do).
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gatewaydns import Reconciler, Snapshot
from gatewaydns._base import _SLOT
from gatewaydns.testing import ScriptedWatcher

from .dnsutil import Faulty, dump, raw_update, send
from .helpers import accepted, gateway, model, route
from .test_attack_reconciler import (
    OWNER,
    b_route_doc,
    keeps_section_13,
    not_ours,
    ours,
    route_action,
    settles,
)

HOSTS = ["a.example.com", "b.example.com", "c.example.com"]
GATEWAYS = {"g1": ["192.0.2.1"], "g2": ["192.0.2.2"]}


def compact(doc: dict[str, Any]) -> Any:
    """The route of ``doc`` as a fast load keeps it (compact)."""
    text = json.dumps({"apiVersion": "v1", "kind": "List", "items": [doc]})
    (loaded,) = Snapshot.from_manifests(text).routes
    assert type(_SLOT(loaded)) is tuple
    return loaded


def web(i: int, gw: str, hosts: list[str], gen: int, lag: int) -> Any:
    return compact(b_route_doc(i, gw, hosts, gen, lag))


#: a route whose hostname is not a DNS name: a diagnostic, never a record, never a blocker
BAD = compact(
    route(
        "bad",
        hostnames=["not_a_name!.example.com"],
        parents=[{"name": "g1", "namespace": "infra"}],
        status=[accepted("g1")],
    )
)

action = st.one_of(
    st.tuples(
        st.just("route"),
        st.integers(0, 2),
        st.sampled_from(sorted(GATEWAYS)),
        st.lists(st.sampled_from(HOSTS), max_size=2, unique=True),  # [] deletes
        st.integers(0, 1),  # how many generations the controller lags
    ),
    st.tuples(st.just("fault"), st.sampled_from(["drop", "lose"]), st.integers(1, 4)),
    st.tuples(st.just("restart")),
)


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(st.lists(action, min_size=1, max_size=10))
def test_compact_routes_through_bind_with_faults(
    named: dict[str, Any], actions: list[tuple[Any, ...]]
) -> None:
    from .dnsutil import reset

    reset(named)
    # a foreign record set, with a TXT of another owner: never to be touched
    msg = raw_update(named)
    msg.add("foreign.example.com.", 300, "A", "198.51.100.1")
    msg.add("foreign.example.com.", 300, "TXT", '"heritage=external-dns,external-dns/owner=x"')
    send(named, msg)
    faults: list[Faulty] = []

    def provider() -> Faulty:
        p = Faulty(
            named["host"], [named["zone"]], key=named["key"], port=named["port"], default_ttl=120
        )
        faults.append(p)
        return p

    gateways = [model(gateway(g, addresses=a)) for g, a in GATEWAYS.items()]
    routes: dict[int, Any] = {}
    generations: dict[int, int] = {}
    now = [0.0]

    def fresh() -> tuple[ScriptedWatcher, Reconciler]:
        w = ScriptedWatcher([*gateways, BAD, *routes.values()])
        return w, Reconciler(w, provider(), owner_id=OWNER, resync=60.0, clock=lambda: now[0])

    watcher, rec = fresh()
    for act in actions:
        before = not_ours(dump(named))
        if act[0] == "route":
            if not route_action(watcher, routes, generations, act, web):
                continue
        elif act[0] == "restart":
            watcher, rec = fresh()
        else:  # the next round loses a connection or an answer mid-apply
            _, kind, nth = act
            p = faults[-1]
            target = len(p.messages) + nth
            (p.drop if kind == "drop" else p.lose_response).add(target)
        for _ in range(3):  # an error re-reads the zone in the next round
            rnd = rec.step()
            after = dump(named)
            keeps_section_13(before, after)
            assert ("foreign.example.com", "A") in after
            if rnd.error is None:
                break
    # the faults stop and every controller catches up: one process converges, and a process
    # that starts then has nothing to do; the bad route never kept the others from DNS
    for i, doc in list(routes.items()):
        ref = doc.spec.parent_refs[0]
        routes[i] = web(i, ref.name, list(doc.spec.hostnames), generations[i], 0)
        watcher.push("MODIFIED", routes[i])
    now[0] += 60
    for p in faults:
        p.drop.clear()
        p.lose_response.clear()
    settles(rec, fresh)
    published = {name for name, rtype in ours(dump(named))}
    wanted = {h for doc in routes.values() for h in doc.spec.hostnames}
    assert published == wanted
