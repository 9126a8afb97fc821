"""A controller that runs for months: memory is a function of the cluster and the zone, not of
the event history (#21). Measured with tracemalloc over a fixed event stream; nothing is timed."""

from __future__ import annotations

import gc
import json
import random
import tracemalloc
from typing import Any

from benchmarks.generate import cluster

import gatewaydns
from gatewaydns import PlanOptions, Reconciler, TXTRegistry
from gatewaydns.testing import InMemoryProvider, ScriptedWatcher


def _events(docs: list[dict[str, Any]], seed: int) -> Any:
    """Route updates as a Gateway controller and users make them: a new generation (caught up
    or lagging), a hostname from a fixed set; now and then a Gateway's addresses change."""
    rnd = random.Random(seed)
    routes = [d for d in docs if d["kind"] == "HTTPRoute"]
    gateways = [d for d in docs if d["kind"] == "Gateway"]
    hosts = [f"h{i}.example.com" for i in range(300)]
    generations: dict[str, int] = {}
    i = 0
    while True:
        i += 1
        if i % 25 == 0:
            gw = json.loads(json.dumps(rnd.choice(gateways)))
            gw["status"]["addresses"] = [
                {"type": "IPAddress", "value": f"192.0.2.{rnd.randint(1, 9)}"}
            ]
            yield gatewaydns.Gateway.model_validate(gw)
            continue
        doc = json.loads(
            json.dumps(routes[i % len(routes)] if i <= len(routes) else rnd.choice(routes))
        )
        name = doc["metadata"]["name"]
        generations[name] = generations.get(name, doc["metadata"].get("generation", 1)) + 1
        gen = generations[name]
        doc["metadata"]["generation"] = gen
        doc["spec"]["hostnames"] = [rnd.choice(hosts)]
        seen = gen if rnd.random() < 0.8 else gen - 1  # one in five lags its controller
        for parent in doc.get("status", {}).get("parents", []):
            for cond in parent["conditions"]:
                cond["observedGeneration"] = seen
        yield gatewaydns.HTTPRoute.model_validate(doc)


def test_memory_stays_flat_under_route_updates() -> None:
    docs = cluster(40, seed=3)
    snap = gatewaydns.Snapshot.from_manifests(docs)
    tracemalloc.start()
    try:
        watcher = ScriptedWatcher(
            [*snap.gateways, *snap.listener_sets, *snap.routes, *snap.namespaces]
        )
        provider = InMemoryProvider(zones=["example.com", "example.org"])
        rec = Reconciler(
            watcher, provider, options=PlanOptions(TXTRegistry("soak"), force=True), resync=None
        )
        rec.step()
        events = _events(docs, seed=5)
        for _ in range(400):  # warm-up: every route replaced, caches filled
            watcher.modify(next(events))
            rec.step()
        gc.collect()
        base = tracemalloc.get_traced_memory()[0]
        sizes = []
        for _ in range(3):
            for _ in range(150):
                watcher.modify(next(events))
                rec.step()
            gc.collect()
            sizes.append(tracemalloc.get_traced_memory()[0] - base)
    finally:
        tracemalloc.stop()
    # 450 further updates: not more than 200 KB of growth, and none from one block to the next
    assert max(sizes) < 200_000, sizes
    assert sizes[-1] - sizes[0] < 100_000, sizes
