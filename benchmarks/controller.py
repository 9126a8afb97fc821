"""A controller that runs for months (#21): event rounds, memory under updates, a soak run.

    python -m benchmarks.controller                 # event rounds at 300/3k/10k, memory (minutes)
    python -m benchmarks.controller --soak 50000 --plot docs/soak.png   # plus the soak run
    python -m benchmarks.controller --sizes 300 --events 30 --memory small --check  # CI

``--check`` makes the exit status 1 when a target it could evaluate was missed (CI evaluates
only the memory flatness: timing ratios at small sizes are noise, not a verdict).

Everything goes through ``Reconciler.step`` with the project's own fakes (``ScriptedWatcher`` and
``InMemoryProvider``), so the provider is not what is measured. An *update* is what a Gateway
controller and users do all day: a route gets a new generation with its status caught up and one
hostname from a fixed set of 1,000. Memory is traced memory (tracemalloc, started before the
cluster is built) after a garbage collection; times are ``time.perf_counter`` per round.
"""

from __future__ import annotations

import argparse
import gc
import json
import platform
import random
import statistics
import sys
import time
import tracemalloc
from collections.abc import Iterator
from typing import Any

import gatewaydns
from benchmarks.generate import cluster
from gatewaydns import PlanOptions, Reconciler, TXTRegistry
from gatewaydns.testing import InMemoryProvider, ScriptedWatcher


def build(routes: int) -> tuple[list[dict[str, Any]], Reconciler, ScriptedWatcher]:
    """A synced reconciler over a generated cluster, after its first (full) round."""
    docs = cluster(routes)
    snap = gatewaydns.Snapshot.from_manifests(docs)
    watcher = ScriptedWatcher([*snap.gateways, *snap.listener_sets, *snap.routes, *snap.namespaces])
    provider = InMemoryProvider(zones=["example.com", "example.org"])
    options = PlanOptions(TXTRegistry("bench"), force=True)
    rec = Reconciler(watcher, provider, options=options, resync=None)
    rec.step()
    return docs, rec, watcher


def updates(docs: list[dict[str, Any]], seed: int = 1) -> Iterator[gatewaydns.HTTPRoute]:
    """Route updates: every route once in turn, then random ones."""
    rnd = random.Random(seed)
    routes = [d for d in docs if d["kind"] == "HTTPRoute"]
    hosts = [f"h{i}.example.com" for i in range(1000)]
    generations: dict[str, int] = {}
    i = 0
    while True:
        doc = json.loads(json.dumps(routes[i] if i < len(routes) else rnd.choice(routes)))
        i += 1
        name = doc["metadata"]["name"]
        generations[name] = generations.get(name, doc["metadata"].get("generation", 1)) + 1
        doc["metadata"]["generation"] = generations[name]
        doc["spec"]["hostnames"] = [rnd.choice(hosts)]
        for parent in doc.get("status", {}).get("parents", []):
            for cond in parent["conditions"]:
                cond["observedGeneration"] = generations[name]
        yield gatewaydns.HTTPRoute.model_validate(doc)


def event_rounds(routes: int, events: int) -> dict[str, float]:
    """Median and p99 seconds of one-route update rounds; json.loads of the cluster's JSON."""
    docs, rec, watcher = build(routes)
    text = json.dumps({"apiVersion": "v1", "kind": "List", "items": docs})
    loads = min(_timed(lambda: json.loads(text)) for _ in range(3))
    stream = updates(docs)
    objs = [next(stream) for _ in range(events)]
    times = []
    for obj in objs:
        watcher.modify(obj)
        start = time.perf_counter()
        rnd = rec.step()
        times.append(time.perf_counter() - start)
        assert rnd.error is None, rnd.error
    times.sort()
    return {
        "median": statistics.median(times),
        "p99": times[min(len(times) - 1, int(len(times) * 0.99))],
        "json_loads": loads,
    }


def _timed(fn: Any) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def memory(routes: int, updates_: int, steps: int = 5) -> dict[str, Any]:
    """Traced memory after a warm-up, then its growth over ``updates_`` further updates.

    The warm-up updates every route, then goes on to 3,000 updates in all, so that bounded
    caches (hostnames seen, parsed TXT values) are warm: they hold at most the 1,000 hostnames
    of the update stream. Growth is sampled ``steps`` times.
    """
    tracemalloc.start()
    try:
        docs, rec, watcher = build(routes)
        stream = updates(docs)
        for _ in range(max(3000, routes)):
            watcher.modify(next(stream))
            rec.step()
        gc.collect()
        base = tracemalloc.get_traced_memory()[0]
        samples = []
        for _ in range(steps):
            for _ in range(updates_ // steps):
                watcher.modify(next(stream))
                rec.step()
            gc.collect()
            samples.append(tracemalloc.get_traced_memory()[0] - base)
    finally:
        tracemalloc.stop()
    return {"base": base, "growth": samples}


def soak(routes: int, events: int, every: int) -> list[dict[str, float]]:
    """Memory and p50/p99 round time over time, one sample per ``every`` events."""
    tracemalloc.start()
    try:
        docs, rec, watcher = build(routes)
        stream = updates(docs)
        series = []
        window: list[float] = []
        for n in range(1, events + 1):
            watcher.modify(next(stream))
            start = time.perf_counter()
            rec.step()
            window.append(time.perf_counter() - start)
            if n % every == 0:
                window.sort()
                series.append(
                    {
                        "events": n,
                        "mb": tracemalloc.get_traced_memory()[0] / 1e6,
                        "p50_ms": statistics.median(window) * 1e3,
                        "p99_ms": window[int(len(window) * 0.99)] * 1e3,
                    }
                )
                window = []
    finally:
        tracemalloc.stop()
    return series


def plot(series: list[dict[str, float]], routes: int, path: str) -> None:
    """Memory and round time over the soak run, as a PNG (needs matplotlib)."""
    import matplotlib  # noqa: PLC0415 - benchmark-only dependency

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # noqa: PLC0415

    x = [s["events"] for s in series]
    fig, (mem, lat) = plt.subplots(2, 1, sharex=True, figsize=(8, 6))
    mem.plot(x, [s["mb"] for s in series], color="tab:blue")
    mem.set_ylabel("traced memory (MB)")
    mem.set_ylim(bottom=0)
    mem.set_title(f"gatewaydns Reconciler soak: {routes} routes, one route update per round")
    lat.plot(x, [s["p50_ms"] for s in series], label="p50")
    lat.plot(x, [s["p99_ms"] for s in series], label="p99")
    lat.set_ylabel("round time (ms)")
    lat.set_ylim(bottom=0)
    lat.set_xlabel("route updates")
    lat.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="300,3000,10000")
    parser.add_argument("--events", type=int, default=300, help="update rounds per size")
    parser.add_argument("--memory", choices=("full", "small", "none"), default="full")
    parser.add_argument("--soak", type=int, default=0, help="events of the soak run (0: none)")
    parser.add_argument("--soak-routes", type=int, default=500)
    parser.add_argument("--plot", help="write the soak run's plot here (PNG)")
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args(argv)
    missed = []
    print(
        f"# gatewaydns {gatewaydns.__version__}, Python {platform.python_version()}, "
        f"{platform.machine()}, {time.strftime('%Y-%m-%d')}"
    )
    rounds = {n: event_rounds(n, args.events) for n in (int(s) for s in args.sizes.split(","))}
    print("| routes | json.loads | event round p50 | p99 | p50 / json.loads |")
    print("|---|---|---|---|---|")
    for n, r in rounds.items():
        ratio = r["median"] / r["json_loads"]
        print(
            f"| {n} | {r['json_loads'] * 1e3:.0f} ms | {r['median'] * 1e3:.2f} ms "
            f"| {r['p99'] * 1e3:.2f} ms | 1/{1 / ratio:.0f} |"
        )
    if 300 in rounds and 3000 in rounds:
        growth = rounds[3000]["median"] / rounds[300]["median"]
        if growth > 2:
            missed.append("event round 3,000 / 300")
        print(
            f"\nevent round 3,000 / 300 routes: {growth:.2f} ({'ok' if growth <= 2 else 'MISSED'} ≤ 2)"
        )
    if 10000 in rounds:
        ratio = rounds[10000]["median"] / rounds[10000]["json_loads"]
        verdict = "ok" if ratio <= 1 / 200 else "MISSED"
        if ratio > 1 / 200:
            missed.append("event round at 10,000 routes")
        print(f"event round at 10,000 routes: 1/{1 / ratio:.0f} of json.loads ({verdict} ≤ 1/200)")
    if args.memory != "none":
        plans = [(200, 1000, 1e6, None), (2000, 10000, None, 0.05)]
        if args.memory == "small":
            plans = [(50, 200, 1e6, None)]
        print()
        for routes, count, limit, share in plans:
            m = memory(routes, count)
            worst = max(abs(g) for g in m["growth"])
            allowed = limit if limit is not None else share * m["base"]  # type: ignore[operator]
            if worst > allowed:
                missed.append(f"memory at {routes} routes")
            steps = ", ".join(f"{g / 1e3:+.0f}" for g in m["growth"])
            print(
                f"memory, {routes} routes, {count} further updates: base {m['base'] / 1e6:.1f} MB, "
                f"growth per step [{steps}] KB ({'ok' if worst <= allowed else 'MISSED'} "
                f"≤ {allowed / 1e6:.2f} MB)"
            )
    if args.soak:
        series = soak(args.soak_routes, args.soak, max(1, args.soak // 100))
        first, last = series[0], series[-1]
        print(
            f"\nsoak, {args.soak_routes} routes, {args.soak} updates: memory "
            f"{first['mb']:.1f} -> {last['mb']:.1f} MB, p50 {first['p50_ms']:.2f} -> "
            f"{last['p50_ms']:.2f} ms, p99 {first['p99_ms']:.2f} -> {last['p99_ms']:.2f} ms"
        )
        if args.plot:
            plot(series, args.soak_routes, args.plot)
            print(f"plot: {args.plot}")
    if missed:
        print("\nMISSED: " + ", ".join(missed))
    return 1 if missed and args.check else 0


if __name__ == "__main__":
    sys.exit(main())
