"""KopfWatcher inside a real kopf operator (in this process) against a real kube-apiserver."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Iterator
from typing import Any

import kopf
import pytest

from gatewaydns.adapters.kopf import KopfWatcher
from gatewaydns.protocols import WatchedObject

from .apiserver import Cluster
from .conftest import Kube, eventually
from .objects import gw, http_route

pytestmark = pytest.mark.k8s


@contextlib.contextmanager
def operator(cluster: Cluster, watcher: KopfWatcher) -> Iterator[None]:
    """kopf with the watcher's handlers, in a thread of its own, for the duration."""
    registry = kopf.OperatorRegistry()
    watcher.register(registry)

    @kopf.on.login(registry=registry)
    def login(**_: Any) -> kopf.ConnectionInfo:
        return kopf.ConnectionInfo(
            server=cluster.url,
            ca_path=cluster.ca_file,
            scheme="Bearer",
            token=cluster.tokens["admin"],
        )

    settings = kopf.OperatorSettings()
    settings.posting.enabled = False
    started: list[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = []
    failed: list[BaseException] = []

    def run() -> None:
        async def main() -> None:
            stop = asyncio.Event()
            started.append((asyncio.get_running_loop(), stop))
            await kopf.operator(
                registry=registry,
                settings=settings,
                clusterwide=True,
                standalone=True,
                stop_flag=stop,
            )

        try:
            asyncio.run(main())
        except BaseException as exc:
            failed.append(exc)

    thread = threading.Thread(target=run, name="kopf", daemon=True)
    thread.start()
    try:
        eventually(lambda: started or failed)
        yield
    finally:
        if started:
            loop, stop = started[0]
            loop.call_soon_threadsafe(stop.set)
        thread.join(30)
    assert not thread.is_alive()
    assert not failed, failed


def test_synced_only_once_every_listed_object_was_delivered(cluster: Cluster, kube: Kube) -> None:
    ns = kube.namespace("kopf-sync")
    kube.create(gw("edge", ns, "203.0.113.9"))
    names = [f"r{i:03d}" for i in range(60)]
    for name in names:
        kube.create(http_route(name, ns, [f"{name}.{ns}.example.com"], "edge"))
    watcher = KopfWatcher()
    mirror: dict[tuple[str, str, str], WatchedObject] = {}
    seen_unsynced = False

    def step() -> bool:
        """What Reconciler.step does: poll, then ask whether the listing is complete."""
        nonlocal seen_unsynced
        for event in watcher.poll():
            key = (event.object.kind, event.object.metadata.namespace or "", event.object.name)
            if event.type == "DELETED":
                mirror.pop(key, None)
            else:
                mirror[key] = event.object
        if not watcher.synced:
            seen_unsynced = True
            return False
        return True

    with operator(cluster, watcher):
        eventually(step, interval=0.001)
        # the first time it says synced, everything that existed is in the mirror
        routes = sorted(name for kind, n, name in mirror if kind == "HTTPRoute" and n == ns)
        assert routes == names
        assert ("Gateway", ns, "edge") in mirror
        assert ("Namespace", "", ns) in mirror
        assert ("Namespace", "", "default") in mirror
        assert seen_unsynced

        # afterwards: changes, deletion, and a deletion followed by a re-creation
        kube.patch("HTTPRoute", ns, "r000", {"spec": {"hostnames": [f"moved.{ns}.example.com"]}})
        kube.delete("HTTPRoute", ns, "r001")
        old_uid = kube.get("HTTPRoute", ns, "r002")["metadata"]["uid"]
        kube.delete("HTTPRoute", ns, "r002")
        kube.create(http_route("r002", ns, [f"again.{ns}.example.com"], "edge"))
        new_uid = kube.get("HTTPRoute", ns, "r002")["metadata"]["uid"]
        assert new_uid != old_uid

        def converged() -> bool:
            step()
            r000 = mirror.get(("HTTPRoute", ns, "r000"))
            r002 = mirror.get(("HTTPRoute", ns, "r002"))
            return (
                r000 is not None
                and r000.spec.hostnames == (f"moved.{ns}.example.com",)  # type: ignore[union-attr]
                and ("HTTPRoute", ns, "r001") not in mirror
                and r002 is not None
                and r002.metadata.uid == new_uid
            )

        eventually(converged)
    # kopf wrote nothing to the objects it watched: no finalizer, no annotation of its own
    route = kube.get("HTTPRoute", ns, "r003")
    assert "finalizers" not in route["metadata"]
    assert not [k for k in route["metadata"].get("annotations", {}) if "kopf" in k]
    assert watcher.errors == []
    assert watcher.relisted_objects == {}
    for name in names:  # leave the shared cluster as small as it was (namespaces never go)
        kube.call("DELETE", kube.path("HTTPRoute", ns, name), ok=(404,))
