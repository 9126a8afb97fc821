"""Benchmarks: loading, computing, incremental events, planning and memory at scale.

    python -m benchmarks.run                      # 1k, 10k and 50k routes (several minutes)
    python -m benchmarks.run --sizes 10000 50000  # the sizes the targets name
    python -m benchmarks.run --sizes 300 --repeat 1   # what CI runs: proves it still works

Every figure is the best of ``--repeat`` runs; ratios are taken within the same run so a noisy
machine shifts both sides, and the figures they compare are measured in interleaved rounds
(:func:`measure_all`). Targets (issue #17) are checked and marked in the last column.
"""

from __future__ import annotations

import argparse
import gc
import json
import platform
import sys
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

import pydantic

import gatewaydns
from benchmarks.generate import manifest_text
from gatewaydns import DomainFilter, PlanOptions, Reconciler, SourceConfig, TXTRegistry
from gatewaydns.testing import InMemoryProvider, ScriptedWatcher


def best(fn: Callable[[], Any], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        times.append(once(fn))
    return min(times)


def once(fn: Callable[[], Any]) -> float:
    """The time of one call (its result freed inside it, as a caller dropping it would)."""
    gc.collect()
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def measure_all(sizes: list[int], repeat: int) -> list[dict[str, Any]]:
    """Every figure at every size.

    The figures the targets compare (``json.loads``, loading, computing) are measured in
    rounds: each round times each of them once at every size, one after the other, and a
    figure is its best round. Both sides of a ratio, between two steps or two sizes, are then
    sampled across the same stretch of time, so the machine's drift (its speed moves by tens of
    percent over minutes on a shared VM) does not land on one side only. Event, plan and memory
    figures are measured per size afterwards.
    """
    gatewaydns.Snapshot.from_manifests(manifest_text(5))  # builds the schemas once: not timed
    texts = {n: manifest_text(n) for n in sizes}  # str: nothing the collector walks
    rows = {n: {"routes": n, "mb": len(texts[n]) / 1e6} for n in sizes}
    for _ in range(repeat):
        for n in sizes:
            for key, value in _round(texts[n]).items():
                rows[n][key] = min(value, rows[n].get(key, value))
    for n in sizes:
        _steps(texts[n], repeat, rows[n])
        gc.collect()
        _memory(texts[n], rows[n])
    return [rows[n] for n in sizes]


def _round(text: str) -> dict[str, float]:
    # each figure with only what a program doing that step holds alive (the text, the snapshot):
    # anything else on the heap (a decoded copy of the text) is walked by every collection
    out = {"json_loads": once(lambda: json.loads(text))}
    out["load_text"] = once(lambda: gatewaydns.Snapshot.from_manifests(text))
    out["load_dicts"] = _load_dicts(text)  # its decoded copy is freed on return
    snap = gatewaydns.Snapshot.from_manifests(text)
    config = SourceConfig()
    # the first computation after a load pays for memory the process has not touched yet and
    # for filling the hostname cache: it is shown on its own; `compute` is the next one, as a
    # program computing the same cluster again sees it (one sample per round, like the others)
    out["compute_first"] = once(lambda: gatewaydns.compute_endpoints(snap, config))
    out["compute"] = once(lambda: gatewaydns.compute_endpoints(snap, config))
    # the same, and every merged endpoint made into an Endpoint (what a caller reading them pays)
    out["compute_read"] = once(lambda: gatewaydns.compute_endpoints(snap, config).endpoints)
    return out


def _steps(text: str, repeat: int, out: dict[str, Any]) -> None:
    snap = gatewaydns.Snapshot.from_manifests(text)
    config = SourceConfig()
    result = gatewaydns.compute_endpoints(snap, config)
    out["endpoints"] = len(result.endpoints)

    # the reconciler, synced, then one route event and one Gateway event
    provider = InMemoryProvider(zones=["example.com", "example.org"])
    watcher = ScriptedWatcher([*snap.gateways, *snap.listener_sets, *snap.routes, *snap.namespaces])
    rec = Reconciler(
        watcher, provider, config, options=PlanOptions(TXTRegistry("bench"), force=True)
    )
    rec.step()
    route = snap.routes[len(snap.routes) // 2]
    gateway = snap.gateways[0]

    recomputed: list[int] = []

    def one(obj: Any) -> Callable[[], Any]:
        def run() -> Any:
            watcher.modify(obj)
            for event in watcher.poll():
                rec._mirror.apply(event)  # isolate recomputation from planning
            res, count = rec.recompute()
            recomputed.append(count)
            return res

        return run

    out["event_route"] = best(one(route), repeat)
    out["event_route_recomputed"] = recomputed[-1]
    out["event_gateway"] = best(one(gateway), repeat)
    out["event_gateway_recomputed"] = recomputed[-1]

    records = provider.records()
    desired = list(result.endpoints)
    out["plan"] = best(
        lambda: gatewaydns.plan(
            desired,
            records,
            PlanOptions(
                TXTRegistry("bench"), domain_filter=DomainFilter(("example.com", "example.org"))
            ),
        ),
        repeat,
    )


def _load_dicts(text: str) -> float:
    items = json.loads(text)["items"]
    return once(lambda: gatewaydns.Snapshot.from_manifests(items))


def _memory(text: str, out: dict[str, Any]) -> None:
    tracemalloc.start()
    snap = gatewaydns.Snapshot.from_manifests(text)
    current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    out["mem_retained"] = current / len(text)
    out["mem_peak"] = peak / len(text)
    del snap


TARGETS = [
    ("load_text / json_loads", lambda r, _: r["load_text"] / r["json_loads"], 2.0),
    ("compute / json_loads", lambda r, _: r["compute"] / r["json_loads"], 1.0),
    ("event_route / json_loads", lambda r, _: r["event_route"] / r["json_loads"], 1 / 200),
    ("retained memory / JSON", lambda r, _: r["mem_retained"], 4.0),
]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes",
        nargs="+",
        default=["1000,10000,50000"],
        help="route counts, separated by spaces or commas (10000 50000, or 10000,50000)",
    )
    parser.add_argument("--repeat", type=int, default=5, help="rounds (best of)")
    args = parser.parse_args(argv)
    sizes = [int(n) for arg in args.sizes for n in arg.split(",") if n]
    print(
        f"# gatewaydns {gatewaydns.__version__}, Python {platform.python_version()}, "
        f"pydantic {pydantic.VERSION}, {platform.machine()}, {time.strftime('%Y-%m-%d')}"
    )
    rows = measure_all(sizes, args.repeat)
    cols = [
        "routes",
        "MB",
        "json.loads",
        "load text",
        "load dicts",
        "first compute",
        "compute",
        "+ read",
        "event route",
        "event gw",
        "plan",
        "mem/JSON",
    ]
    print("| " + " | ".join(cols) + " |")
    print("|" + "---|" * len(cols))
    for r in rows:
        print(
            f"| {r['routes']} | {r['mb']:.1f} | {r['json_loads'] * 1e3:.0f} ms | {r['load_text'] * 1e3:.0f} ms "
            f"| {r['load_dicts'] * 1e3:.0f} ms | {r['compute_first'] * 1e3:.0f} ms "
            f"| {r['compute'] * 1e3:.0f} ms "
            f"| {r['compute_read'] * 1e3:.0f} ms "
            f"| {r['event_route'] * 1e3:.2f} ms ({r['event_route_recomputed']} route) "
            f"| {r['event_gateway'] * 1e3:.1f} ms ({r['event_gateway_recomputed']} routes) "
            f"| {r['plan'] * 1e3:.0f} ms | {r['mem_retained']:.1f}x (peak {r['mem_peak']:.1f}x) |"
        )
    print()
    print("| target | " + " | ".join(str(r["routes"]) for r in rows) + " | limit |")
    print("|---|" + "---|" * len(rows) + "---|")
    for name, fn, limit in TARGETS:
        cells = []
        for r in rows:
            value = fn(r, rows)
            cells.append(f"{value:.4f} {'ok' if value <= limit else 'MISSED'}")
        print(f"| {name} | " + " | ".join(cells) + f" | ≤ {limit:.4g} |")
    by_size = {r["routes"]: r for r in rows}
    if 10000 in by_size and 50000 in by_size:
        for key in ("load_text", "compute"):
            ratio = by_size[50000][key] / by_size[10000][key]
            print(f"| {key} 50k / 10k | {ratio:.2f} {'ok' if ratio <= 5.5 else 'MISSED'} | ≤ 5.5 |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
