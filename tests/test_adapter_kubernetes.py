"""KubernetesWatcher with the real client library against the fake API server."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import kubernetes.client
import pytest

from gatewaydns import Reconciler
from gatewaydns.adapters.kubernetes import KubernetesWatcher
from gatewaydns.protocols import Watcher, WatchEvent
from gatewaydns.testing import InMemoryProvider

from .fake_apiserver import FakeAPIServer, Resource
from .helpers import gateway, namespace, route

G = "gateway.networking.k8s.io"


def strip(doc: dict[str, Any]) -> dict[str, Any]:
    """As the API server stores it: list items come without apiVersion and kind."""
    return {k: v for k, v in doc.items() if k not in ("apiVersion", "kind")}


@pytest.fixture
def server() -> Iterator[FakeAPIServer]:
    resources = [
        Resource("Gateway", G, "gateways", ["v1"]),
        Resource("ListenerSet", G, "listenersets", ["v1"]),
        Resource("HTTPRoute", G, "httproutes", ["v1", "v1beta1"]),
        Resource("GRPCRoute", G, "grpcroutes", ["v1"]),
        Resource("TLSRoute", G, "tlsroutes", ["v1alpha2"]),  # an older cluster
        Resource("TCPRoute", G, "tcproutes", ["v1alpha2"]),
        # UDPRoute: CRD not installed
        Resource("Namespace", "", "namespaces", ["v1"]),
    ]
    with FakeAPIServer(resources) as srv:
        srv.put("Gateway", strip(gateway("edge", addresses=["192.0.2.1"])), event=None)
        srv.put(
            "HTTPRoute",
            strip(
                route(
                    "shop",
                    hostnames=["shop.example.com"],
                    parents=[{"name": "edge", "namespace": "infra"}],
                )
            ),
            event=None,
        )
        srv.put(
            "TLSRoute",
            {
                "metadata": {"name": "db", "namespace": "app"},
                "spec": {"hostnames": ["db.example.com"]},
            },
            event=None,
        )
        srv.put("Namespace", strip(namespace("app")), event=None)
        yield srv


@pytest.fixture
def watcher(server: FakeAPIServer) -> Iterator[KubernetesWatcher]:
    client = kubernetes.client.ApiClient(kubernetes.client.Configuration(host=server.url))
    w = KubernetesWatcher(client, watch_timeout=1, retry_delay=0.05)
    try:
        yield w
    finally:
        w.close()


def collect(
    w: KubernetesWatcher, until: Callable[[list[WatchEvent]], bool], timeout: float = 10
) -> list[WatchEvent]:
    events: list[WatchEvent] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        events.extend(w.poll())
        if until(events):
            return events
        time.sleep(0.02)
    raise AssertionError(
        f"timed out; got {[(e.type, e.object.kind, e.object.name) for e in events]}"
    )


def names(events: list[WatchEvent]) -> list[tuple[str, str, str]]:
    return [(e.type, e.object.kind, e.object.name) for e in events]


def test_initial_listing_versions_and_missing_kinds(
    watcher: KubernetesWatcher, server: FakeAPIServer
) -> None:
    assert isinstance(watcher, Watcher)
    assert watcher.wait_synced(10)
    events = watcher.poll()
    assert sorted(names(events)) == [
        ("ADDED", "Gateway", "edge"),
        ("ADDED", "HTTPRoute", "shop"),
        ("ADDED", "Namespace", "app"),
        ("ADDED", "TLSRoute", "db"),
    ]
    assert watcher.versions["TLSRoute"] == "v1alpha2"
    assert watcher.versions["HTTPRoute"] == "v1"
    assert watcher.missing_kinds == {"UDPRoute"}
    tls = next(e.object for e in events if e.object.kind == "TLSRoute")
    assert tls.api_version == f"{G}/v1alpha2"


def test_watch_events_and_bookmarks(watcher: KubernetesWatcher, server: FakeAPIServer) -> None:
    assert watcher.wait_synced(10)
    watcher.poll()
    server.put(
        "HTTPRoute",
        strip(
            route(
                "shop",
                hostnames=["shop.example.com", "www.example.com"],
                parents=[{"name": "edge", "namespace": "infra"}],
                generation=2,
            )
        ),
    )
    server.put("HTTPRoute", strip(route("blog", hostnames=["blog.example.com"])))
    server.remove("TLSRoute", "app", "db")
    events = collect(watcher, lambda ev: len(ev) >= 3)
    assert names(events) == [
        ("MODIFIED", "HTTPRoute", "shop"),
        ("ADDED", "HTTPRoute", "blog"),
        ("DELETED", "TLSRoute", "db"),
    ]
    assert events[0].object.spec_hostnames == ("shop.example.com", "www.example.com")
    rv = server.bookmark("HTTPRoute")
    deadline = time.monotonic() + 10
    while watcher.resource_versions.get("HTTPRoute") != rv and time.monotonic() < deadline:
        time.sleep(0.02)
    assert watcher.resource_versions["HTTPRoute"] == rv
    assert watcher.poll() == []  # a bookmark is not an event


def test_410_gone_relists_and_diffs(watcher: KubernetesWatcher, server: FakeAPIServer) -> None:
    assert watcher.wait_synced(10)
    watcher.poll()
    # changes the watcher never hears about, then the watch expires
    server.remove("HTTPRoute", "app", "shop", event=False)
    server.put("HTTPRoute", strip(route("new", hostnames=["new.example.com"])), event=None)
    server.put("Gateway", strip(gateway("edge", addresses=["192.0.2.9"])), event=None)
    before = watcher.list_count["HTTPRoute"]
    server.expire("HTTPRoute")
    server.expire("Gateway")
    events = collect(watcher, lambda ev: len(ev) >= 3)
    assert sorted(names(events)) == [
        ("ADDED", "HTTPRoute", "new"),
        ("DELETED", "HTTPRoute", "shop"),
        ("MODIFIED", "Gateway", "edge"),
    ]
    assert watcher.list_count["HTTPRoute"] == before + 1


def test_invalid_object_is_reported_and_skipped(
    watcher: KubernetesWatcher, server: FakeAPIServer
) -> None:
    assert watcher.wait_synced(10)
    watcher.poll()
    bad = strip(route("bad"))
    bad["spec"]["parentRefs"] = [{"name": "edge", "port": "80"}]
    server.put("HTTPRoute", bad)
    server.put("HTTPRoute", strip(route("good", hostnames=["good.example.com"])))
    events = collect(watcher, lambda ev: any(e.object.name == "good" for e in ev))
    assert names(events) == [("ADDED", "HTTPRoute", "good")]
    assert any("HTTPRoute app/bad: spec.parentRefs[0].port" in e for e in watcher.errors)


def test_controller_end_to_end(watcher: KubernetesWatcher, server: FakeAPIServer) -> None:
    provider = InMemoryProvider()
    rec = Reconciler(watcher, provider, owner_id="k8s-test")
    deadline = time.monotonic() + 10
    while provider.get("shop.example.com", "A") is None and time.monotonic() < deadline:
        rec.step()
        time.sleep(0.02)
    assert provider.snapshot()[("shop.example.com", "A", "")] == ("192.0.2.1",)
    server.put("Gateway", strip(gateway("edge", addresses=["192.0.2.77"])))
    deadline = time.monotonic() + 10
    while (
        provider.snapshot()[("shop.example.com", "A", "")] != ("192.0.2.77",)
        and time.monotonic() < deadline
    ):
        rec.step()
        time.sleep(0.02)
    assert provider.snapshot()[("shop.example.com", "A", "")] == ("192.0.2.77",)


def test_unreachable_api_server_is_retried_not_fatal() -> None:
    client = kubernetes.client.ApiClient(kubernetes.client.Configuration(host="http://127.0.0.1:9"))
    w = KubernetesWatcher(client, retry_delay=0.05)
    try:
        deadline = time.monotonic() + 10
        while not w.errors and time.monotonic() < deadline:
            time.sleep(0.02)
        assert w.errors
        assert not w.synced
    finally:
        w.close()


def test_410_as_http_status_relists(watcher: KubernetesWatcher, server: FakeAPIServer) -> None:
    assert watcher.wait_synced(10)
    watcher.poll()
    server.remove("TLSRoute", "app", "db", event=False)
    before = watcher.list_count["TLSRoute"]
    server.gone("TLSRoute")  # the current watch ends within a second; the next one gets 410
    events = collect(watcher, lambda ev: len(ev) >= 1)
    assert names(events) == [("DELETED", "TLSRoute", "db")]
    assert watcher.list_count["TLSRoute"] == before + 1
    assert not any("TLSRoute" in e for e in watcher.errors)  # a 410 is routine, not an error
