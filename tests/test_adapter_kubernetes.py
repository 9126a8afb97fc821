"""KubernetesWatcher with the real client library against the fake API server."""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import kubernetes.client
import pytest

from gatewaydns import HTTPRoute, Reconciler
from gatewaydns.adapters.kubernetes import DEFAULT_KINDS, KubernetesWatcher
from gatewaydns.protocols import WaitsForEvents, Watcher, WatchEvent
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
        client.close()  # type: ignore[no-untyped-call]


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


def names(events: Sequence[WatchEvent]) -> list[tuple[str, str, str]]:
    return [(e.type, e.object.kind, e.object.name) for e in events]


def hostnames(event: WatchEvent) -> tuple[str, ...]:
    assert isinstance(event.object, HTTPRoute), event.object
    return event.object.spec_hostnames


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
    # in order within a kind; kinds are watched by separate threads
    assert [n for n in names(events) if n[1] == "HTTPRoute"] == [
        ("MODIFIED", "HTTPRoute", "shop"),
        ("ADDED", "HTTPRoute", "blog"),
    ]
    assert [n for n in names(events) if n[1] == "TLSRoute"] == [("DELETED", "TLSRoute", "db")]
    shop = next(e for e in events if e.object.name == "shop")
    assert hostnames(shop) == ("shop.example.com", "www.example.com")
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


# --- faults (issue 12 item 4): discovery decides "not installed"; everything else is retried ----


def first_synced_events(w: KubernetesWatcher, timeout: float = 20) -> list[WatchEvent]:
    """The events delivered up to the moment ``synced`` first reads true."""
    events: list[WatchEvent] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        synced = w.synced
        events.extend(w.poll())  # emitted before the kind counts as listed
        if synced:
            return events
        time.sleep(0.01)
    raise AssertionError(f"never synced; errors: {w.errors}")


def test_404_at_start_is_retried_and_never_synced_without_the_kind(server: FakeAPIServer) -> None:
    server.fail("HTTPRoute", 404, count=3)  # discovery lists httproutes; the list says 404
    client = kubernetes.client.ApiClient(kubernetes.client.Configuration(host=server.url))
    w = KubernetesWatcher(client, watch_timeout=1, retry_delay=0.05)
    try:
        events = first_synced_events(w)
        assert ("ADDED", "HTTPRoute", "shop") in names(events)
        assert "HTTPRoute" not in w.missing_kinds
        assert server.count("HTTPRoute") == 4
        failed = [e for e in w.errors if e.startswith("HTTPRoute:")]
        assert len(failed) == 3
        assert "not found (404) although discovery lists httproutes" in failed[0]
        assert "not synced" in failed[0]
        assert w.kind_errors == {}  # cleared by the successful list
    finally:
        w.close()


def test_404_during_a_relist_is_retried_and_deletes_nothing(
    watcher: KubernetesWatcher, server: FakeAPIServer
) -> None:
    assert watcher.wait_synced(10)
    watcher.poll()
    server.fail("HTTPRoute", 404, count=2)
    server.expire("HTTPRoute")  # relist -> 404, 404, then the list succeeds
    deadline = time.monotonic() + 10
    while server.count("HTTPRoute") < 4 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert server.count("HTTPRoute") == 4
    assert "HTTPRoute" not in watcher.missing_kinds
    # the kind's thread lives on: a new route still arrives, and nothing was deleted
    server.put("HTTPRoute", strip(route("late", hostnames=["late.example.com"])))
    events = collect(watcher, lambda ev: any(e.object.name == "late" for e in ev))
    assert names(events) == [("ADDED", "HTTPRoute", "late")]


def test_kind_served_only_at_an_unknown_version_is_an_error_not_missing() -> None:
    resources = [
        Resource("HTTPRoute", G, "httproutes", ["v9"]),
        Resource("Gateway", G, "gateways", ["v1"]),
    ]
    kinds = [k for k in DEFAULT_KINDS if k.kind in ("HTTPRoute", "Gateway")]
    with FakeAPIServer(resources) as srv:
        client = kubernetes.client.ApiClient(kubernetes.client.Configuration(host=srv.url))
        w = KubernetesWatcher(client, kinds=kinds, retry_delay=0.05)
        try:
            assert not w.wait_synced(1.0)
            assert w.missing_kinds == set()
            assert w.versions == {"Gateway": "v1"}
            assert w.kind_errors["HTTPRoute"] == (
                "discovery failed: the cluster serves httproutes.gateway.networking.k8s.io only "
                "at v9, which this watcher does not read (it reads v1, v1beta1, v1alpha2)"
            )
        finally:
            w.close()


def test_transient_errors_are_retried_with_exponential_backoff(server: FakeAPIServer) -> None:
    server.fail("Gateway", 500, count=4)
    client = kubernetes.client.ApiClient(kubernetes.client.Configuration(host=server.url))
    w = KubernetesWatcher(client, watch_timeout=1, retry_delay=0.1, max_retry_delay=0.4)
    try:
        events = first_synced_events(w)
        assert ("ADDED", "Gateway", "edge") in names(events)
        lists = [
            t for t, path in server.log if path == f"/apis/{G}/v1/gateways"
        ]  # list requests (a watch has a query)
        gaps = [b - a for a, b in itertools.pairwise(lists[:5])]
        # 0.1, 0.2, 0.4, then capped at 0.4 (plus a discovery round trip each)
        for gap, delay in zip(gaps, [0.1, 0.2, 0.4, 0.4], strict=True):
            assert gap >= delay, gaps
        assert "the API server answered 500" in w.errors[0]
        # a watch the server accepted resets the backoff: the next failure waits 0.1 s again
        deadline = time.monotonic() + 10
        while server.count("Gateway", watch=True) < 1 and time.monotonic() < deadline:
            time.sleep(0.01)  # the first watch is accepted
        server.fail("Gateway", 500, on="watch")  # the watch renewed after its 1 s timeout
        deadline = time.monotonic() + 10
        while len(w.errors) < 5 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert w.errors[4].startswith("Gateway: watch failed: the API server answered 500")
        assert w.errors[4].endswith("; retrying in 0.1 s")
    finally:
        w.close()


def test_forbidden_kind_is_a_clear_error_and_never_synced(server: FakeAPIServer) -> None:
    server.deny("HTTPRoute")
    client = kubernetes.client.ApiClient(kubernetes.client.Configuration(host=server.url))
    w = KubernetesWatcher(client, watch_timeout=1, retry_delay=0.05, max_retry_delay=0.2)
    try:
        assert not w.wait_synced(1.5)
        assert w.versions.get("Gateway") == "v1"  # the other kinds listed
        assert "HTTPRoute" not in w.missing_kinds
        assert w.kind_errors["HTTPRoute"].startswith(
            "list failed: forbidden (403): this client may not list "
            "httproutes.gateway.networking.k8s.io; grant get, list and watch"
        )
        assert not any(e.object.kind == "HTTPRoute" for e in w.poll())
        server.deny("HTTPRoute", False)  # RBAC fixed: the kind lists at the next retry
        events = first_synced_events(w)
        assert ("ADDED", "HTTPRoute", "shop") in names(events)
    finally:
        w.close()


# --- invalid objects (issue 12 item 5): keep the last valid state, delete by key ---------------


def test_invalid_modified_keeps_the_last_valid_state_through_a_relist(
    watcher: KubernetesWatcher, server: FakeAPIServer
) -> None:
    assert watcher.wait_synced(10)
    watcher.poll()
    bad = strip(route("shop", hostnames=["shop.example.com"]))
    bad["spec"]["parentRefs"] = [{"name": "edge", "port": "eighty"}]
    server.put("HTTPRoute", bad)  # MODIFIED, fails validation
    server.put("HTTPRoute", strip(route("marker", hostnames=["m.example.com"])))
    events = collect(watcher, lambda ev: any(e.object.name == "marker" for e in ev))
    assert names(events) == [("ADDED", "HTTPRoute", "marker")]
    problem = watcher.invalid_objects[("HTTPRoute", "app", "shop")]
    assert problem.startswith("spec.parentRefs[0].port:")
    assert any(
        e.startswith("HTTPRoute app/shop: spec.parentRefs[0].port:")
        and e.endswith("its last valid version stays in effect")
        for e in watcher.errors
    )
    before = watcher.list_count["HTTPRoute"]
    server.expire("HTTPRoute")  # the relist still holds the invalid version
    deadline = time.monotonic() + 10
    while watcher.list_count["HTTPRoute"] == before and time.monotonic() < deadline:
        time.sleep(0.02)
    assert watcher.list_count["HTTPRoute"] == before + 1
    time.sleep(0.1)
    assert watcher.poll() == []  # neither DELETED nor MODIFIED for shop
    assert ("HTTPRoute", "app", "shop") in watcher.invalid_objects
    fixed = strip(route("shop", hostnames=["fixed.example.com"]))
    server.put("HTTPRoute", fixed)
    events = collect(watcher, lambda ev: len(ev) >= 1)
    assert names(events) == [("MODIFIED", "HTTPRoute", "shop")]
    assert hostnames(events[0]) == ("fixed.example.com",)
    assert ("HTTPRoute", "app", "shop") not in watcher.invalid_objects


def test_deleted_event_deletes_by_key_whatever_its_body(
    watcher: KubernetesWatcher, server: FakeAPIServer
) -> None:
    assert watcher.wait_synced(10)
    watcher.poll()
    body = strip(route("shop"))
    body["spec"]["parentRefs"] = [{"name": "edge", "port": "eighty"}]  # does not validate
    server.remove("HTTPRoute", "app", "shop", body=body)
    events = collect(watcher, lambda ev: len(ev) >= 1)
    assert names(events) == [("DELETED", "HTTPRoute", "shop")]
    assert hostnames(events[0]) == ("shop.example.com",)  # its last known state
    assert watcher.invalid_objects == {}


def test_invalid_object_in_the_list_is_reported_and_others_flow(server: FakeAPIServer) -> None:
    bad = strip(route("bad"))
    bad["spec"]["hostnames"] = "not-a-list"
    server.put("HTTPRoute", bad, event=None)
    client = kubernetes.client.ApiClient(kubernetes.client.Configuration(host=server.url))
    w = KubernetesWatcher(client, watch_timeout=1, retry_delay=0.05)
    try:
        events = first_synced_events(w)
        assert ("ADDED", "HTTPRoute", "shop") in names(events)
        assert not any(e.object.name == "bad" for e in events)
        assert w.invalid_objects[("HTTPRoute", "app", "bad")].startswith("spec.hostnames:")
        assert any(
            e.startswith("HTTPRoute app/bad: spec.hostnames:") and e.endswith("object skipped")
            for e in w.errors
        )
    finally:
        w.close()


# --- close and wait (issue 12 items 6 and 8) ----------------------------------------------------


def watch_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("gatewaydns-watch-")]


def test_close_returns_within_a_second_and_every_thread_has_ended(server: FakeAPIServer) -> None:
    client = kubernetes.client.ApiClient(kubernetes.client.Configuration(host=server.url))
    w = KubernetesWatcher(client, watch_timeout=300)  # watches the server holds for 5 minutes
    assert w.wait_synced(10)
    deadline = time.monotonic() + 10
    while sum(1 for _, p in server.log if "watch=" in p) < 6 and time.monotonic() < deadline:
        time.sleep(0.02)  # six served kinds, each now blocked in its watch
    assert len(watch_threads()) == len(DEFAULT_KINDS)
    started = time.monotonic()
    assert w.close() is True
    elapsed = time.monotonic() - started
    assert elapsed < 1.0, elapsed
    assert watch_threads() == []
    assert not [e for e in w.errors if "cannot reach" in e]  # closing is not an error


def test_close_during_backoff_ends_the_threads_at_once() -> None:
    client = kubernetes.client.ApiClient(kubernetes.client.Configuration(host="http://127.0.0.1:9"))
    w = KubernetesWatcher(client, retry_delay=60, max_retry_delay=60)
    deadline = time.monotonic() + 10
    while len(w.kind_errors) < len(DEFAULT_KINDS) and time.monotonic() < deadline:
        time.sleep(0.02)
    started = time.monotonic()
    assert w.close() is True
    assert time.monotonic() - started < 1.0
    assert watch_threads() == []


def test_wait_wakes_on_events_and_returns_false_when_quiet(
    watcher: KubernetesWatcher, server: FakeAPIServer
) -> None:
    assert isinstance(watcher, WaitsForEvents)
    assert watcher.wait(10) is True  # the initial listing
    assert watcher.wait_synced(10)
    assert watcher.poll()
    assert watcher.wait(0.2) is False
    timer = threading.Timer(0.3, lambda: server.put("HTTPRoute", strip(route("new"))))
    timer.start()
    started = time.monotonic()
    try:
        assert watcher.wait(30) is True
        assert time.monotonic() - started < 15  # woken by the event, not by the timeout
    finally:
        timer.join()
    assert names(list(watcher.poll())) == [("ADDED", "HTTPRoute", "new")]
    watcher.close()
    assert watcher.wait(30) is False  # closed: returns at once


def test_discovery_lag_is_not_taken_for_a_missing_kind(server: FakeAPIServer) -> None:
    """An API server that has just started lists CRDs in discovery late: wait, delete nothing."""
    server.hide("HTTPRoute")  # its CRD exists; discovery leaves it out
    client = kubernetes.client.ApiClient(kubernetes.client.Configuration(host=server.url))
    w = KubernetesWatcher(client, watch_timeout=1, retry_delay=0.05, max_retry_delay=0.2)
    try:
        assert not w.wait_synced(1.0)
        assert "HTTPRoute" not in w.missing_kinds
        assert w.kind_errors["HTTPRoute"].startswith(
            "discovery failed: discovery does not list httproutes.gateway.networking.k8s.io "
            "although its CustomResourceDefinition exists"
        )
        server.hide("HTTPRoute", False)
        assert ("ADDED", "HTTPRoute", "shop") in names(first_synced_events(w))
        # the same after a relist: the route is neither deleted nor re-added
        server.hide("HTTPRoute")
        before = server.count("HTTPRoute")
        server.expire("HTTPRoute")
        deadline = time.monotonic() + 10
        while "HTTPRoute" not in w.kind_errors and time.monotonic() < deadline:
            time.sleep(0.02)
        server.hide("HTTPRoute", False)
        while server.count("HTTPRoute") == before and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(0.2)
        assert w.poll() == []
        assert "HTTPRoute" not in w.missing_kinds
    finally:
        w.close()
        client.close()  # type: ignore[no-untyped-call]


def test_without_crd_read_access_absence_is_confirmed_over_time(server: FakeAPIServer) -> None:
    server.crds_forbidden = True  # UDPRoute is not installed; the client cannot read CRDs
    client = kubernetes.client.ApiClient(kubernetes.client.Configuration(host=server.url))
    w = KubernetesWatcher(client, watch_timeout=1, retry_delay=0.05, missing_after=1.0)
    try:
        assert not w.wait_synced(0.5)  # not yet sure that UDPRoute is not installed
        assert w.kind_errors["UDPRoute"].startswith(
            "discovery does not list udproutes.gateway.networking.k8s.io, and this client may "
            "not read customresourcedefinitions"
        )
        assert w.wait_synced(10)
        assert w.missing_kinds == {"UDPRoute"}
        assert w.kind_errors == {}
    finally:
        w.close()
        client.close()  # type: ignore[no-untyped-call]


def test_kind_whose_crd_is_gone_delivers_deleted_for_its_objects(
    watcher: KubernetesWatcher, server: FakeAPIServer
) -> None:
    assert watcher.wait_synced(10)
    watcher.poll()
    # discovery drops TLSRoute and its CRD reads 404: the CRD is gone, so are its objects
    server.expire("TLSRoute")  # the watch ends; the relist finds the kind gone
    server.resources.remove(server.resource("TLSRoute"))
    events = collect(watcher, lambda ev: len(ev) >= 1)
    assert names(events) == [("DELETED", "TLSRoute", "db")]
    assert "TLSRoute" in watcher.missing_kinds
    assert watcher.synced


def test_kind_left_out_of_discovery_without_crd_access_keeps_its_objects(
    server: FakeAPIServer,
) -> None:
    server.crds_forbidden = True
    client = kubernetes.client.ApiClient(kubernetes.client.Configuration(host=server.url))
    w = KubernetesWatcher(
        client, watch_timeout=1, retry_delay=0.05, missing_after=0.3, discovery_interval=0.2
    )
    try:
        assert ("ADDED", "TLSRoute", "db") in names(first_synced_events(w))
        server.hide("TLSRoute")
        server.expire("TLSRoute")
        deadline = time.monotonic() + 10
        while "TLSRoute" not in w.missing_kinds and time.monotonic() < deadline:
            time.sleep(0.02)
        assert "TLSRoute" in w.missing_kinds  # after 0.3 s of absence
        assert w.poll() == []  # but nothing is deleted on discovery's word alone
        before = w.list_count["TLSRoute"]
        server.hide("TLSRoute", False)
        while w.list_count["TLSRoute"] == before and time.monotonic() < deadline:
            time.sleep(0.02)
        assert "TLSRoute" not in w.missing_kinds
        assert w.poll() == []  # db is unchanged
    finally:
        w.close()
        client.close()  # type: ignore[no-untyped-call]
