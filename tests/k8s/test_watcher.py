"""KubernetesWatcher against a real kube-apiserver (1.20, built from Debian's source package).

What the fake API server (tests/fake_apiserver.py) can only imitate: list/watch semantics,
resourceVersions, bookmarks, discovery, the status subresource, CRD removal, RBAC, and a server
killed mid-watch.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from gatewaydns.adapters.kubernetes import DEFAULT_KINDS, KubernetesWatcher
from gatewaydns.protocols import WatchEvent

from .apiserver import Cluster
from .conftest import G, Kube, crd_copy, eventually
from .objects import gw, http_route, parent_status, stamped

pytestmark = pytest.mark.k8s


class Recorder:
    """Collects a watcher's events for one namespace (other tests share the cluster)."""

    def __init__(self, watcher: KubernetesWatcher, namespace: str) -> None:
        self.watcher = watcher
        self.namespace = namespace
        self.events: list[WatchEvent] = []

    def drain(self) -> list[tuple[str, str, str]]:
        new = [
            e
            for e in self.watcher.poll()
            if e.object.kind == "Namespace" or e.object.namespace == self.namespace
        ]
        self.events.extend(new)
        return [(e.type, e.object.kind, e.object.name) for e in new]

    def until(self, count: int, timeout: float = 30) -> list[tuple[str, str, str]]:
        """At least ``count`` new events of this namespace (Namespace events excluded)."""
        got: list[tuple[str, str, str]] = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            got += [e for e in self.drain() if e[1] != "Namespace"]
            if len(got) >= count:
                return got
            time.sleep(0.02)
        raise AssertionError(f"timed out with {got}; errors: {self.watcher.errors[-5:]}")

    def at(self, obj: dict[str, Any], timeout: float = 30) -> list[tuple[str, str, str]]:
        """The new events up to the one that delivers ``obj``'s resourceVersion (in order)."""
        kind, name = obj["kind"], obj["metadata"]["name"]
        rv = obj["metadata"]["resourceVersion"]
        got: list[tuple[str, str, str]] = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            start = len(self.events)
            got += [e for e in self.drain() if e[1] != "Namespace"]
            if any(
                (e.object.kind, e.object.name, e.object.metadata.resource_version)
                == (kind, name, rv)
                for e in self.events[start:]
            ):
                return got
            time.sleep(0.02)
        raise AssertionError(f"{kind} {name} at {rv} not delivered; got {got}")

    def last(self, kind: str, name: str) -> Any:
        return next(
            e.object
            for e in reversed(self.events)
            if (e.object.kind, e.object.name) == (kind, name)
        )


@pytest.fixture
def admin_watcher(cluster: Cluster, kube: Kube) -> Iterator[KubernetesWatcher]:
    w = KubernetesWatcher(
        cluster.client(), retry_delay=0.2, max_retry_delay=1.0, discovery_interval=0.5
    )
    try:
        yield w
    finally:
        assert w.close()


def test_initial_list_then_added_modified_deleted(cluster: Cluster, kube: Kube) -> None:
    ns = kube.namespace("list")
    kube.create(gw("edge", ns, "192.0.2.1"))
    kube.create(http_route("shop", ns, ["shop.example.com"], "edge"))
    w = KubernetesWatcher(cluster.client(), retry_delay=0.2)
    try:
        assert w.wait_synced(30), w.errors
        rec = Recorder(w, ns)
        assert sorted(e for e in rec.drain() if e[1] != "Namespace") == [
            ("ADDED", "Gateway", "edge"),
            ("ADDED", "HTTPRoute", "shop"),
        ]
        assert w.missing_kinds == set()
        assert w.versions == {k.kind: "v1" for k in DEFAULT_KINDS}
        shop = rec.last("HTTPRoute", "shop")
        assert shop.metadata.generation == 1
        assert shop.spec_hostnames == ("shop.example.com",)
        assert shop.metadata.resource_version  # the server's, not ours

        kube.create(http_route("blog", ns, ["blog.example.com"], "edge"))  # then its status
        kube.patch("HTTPRoute", ns, "shop", {"spec": {"hostnames": ["www.example.com"]}})
        kube.delete("HTTPRoute", ns, "blog")
        assert rec.until(4) == [
            ("ADDED", "HTTPRoute", "blog"),
            ("MODIFIED", "HTTPRoute", "blog"),
            ("MODIFIED", "HTTPRoute", "shop"),
            ("DELETED", "HTTPRoute", "blog"),
        ]
        assert rec.last("HTTPRoute", "shop").spec_hostnames == ("www.example.com",)
        assert w.errors == []
    finally:
        assert w.close()


def test_status_subresource_changes_status_without_bumping_generation(
    admin_watcher: KubernetesWatcher, kube: Kube
) -> None:
    ns = kube.namespace("status")
    assert admin_watcher.wait_synced(30)
    rec = Recorder(admin_watcher, ns)
    kube.create(gw("edge", ns, "192.0.2.1"))
    created = kube.create(http_route("shop", ns, ["shop.example.com"], "edge", status_parents=[]))
    rec.at(created)
    assert rec.last("HTTPRoute", "shop").metadata.generation == 1

    # the Gateway controller accepts the route: status only
    accepted = kube.set_status(
        "HTTPRoute", ns, "shop", stamped({"parents": [parent_status("edge", ns, 1)]})
    )
    assert rec.at(accepted) == [("MODIFIED", "HTTPRoute", "shop")]
    shop = rec.last("HTTPRoute", "shop")
    assert shop.metadata.generation == 1
    assert [p.parent_ref.name for p in shop.status.parents] == ["edge"]

    # a spec change bumps the generation; the status keeps the old observedGeneration
    moved = kube.patch("HTTPRoute", ns, "shop", {"spec": {"hostnames": ["new.example.com"]}})
    assert rec.at(moved) == [("MODIFIED", "HTTPRoute", "shop")]
    shop = rec.last("HTTPRoute", "shop")
    assert shop.metadata.generation == 2
    assert shop.status.parents[0].conditions[0].observed_generation == 1


def test_crd_removed_and_reinstalled_at_another_version(
    admin_watcher: KubernetesWatcher, kube: Kube
) -> None:
    ns = kube.namespace("crd")
    tls = {
        "apiVersion": f"{G}/v1",
        "kind": "TLSRoute",
        "metadata": {"name": "db", "namespace": ns},
        "spec": {
            "hostnames": ["db.example.com"],
            "parentRefs": [{"name": "edge"}],
            "rules": [{"backendRefs": [{"name": "db", "port": 5432}]}],
        },
    }
    kube.create(tls)
    assert admin_watcher.wait_synced(30)
    rec = Recorder(admin_watcher, ns)
    assert rec.until(1) == [("ADDED", "TLSRoute", "db")]
    assert admin_watcher.versions["TLSRoute"] == "v1"
    original = crd_copy("tlsroutes")
    try:
        # removing the CRD deletes its objects; then discovery no longer lists the kind
        kube.remove_crd(original["metadata"]["name"])
        assert rec.until(1) == [("DELETED", "TLSRoute", "db")]
        eventually(lambda: "TLSRoute" in admin_watcher.missing_kinds)
        assert admin_watcher.synced  # a kind that is not installed does not block sync
        assert "TLSRoute" not in admin_watcher.versions

        # re-installed serving only v1alpha2: discovery finds the older version
        older = crd_copy("tlsroutes")
        versions = [v for v in older["spec"]["versions"] if v["name"] == "v1alpha2"]
        versions[0].update(served=True, storage=True)
        older["spec"]["versions"] = versions
        kube.install_crd(older)
        kube.create({**tls, "apiVersion": f"{G}/v1alpha2"})
        assert rec.until(1) == [("ADDED", "TLSRoute", "db")]
        assert admin_watcher.versions["TLSRoute"] == "v1alpha2"
        assert rec.last("TLSRoute", "db").api_version == f"{G}/v1alpha2"
        assert "TLSRoute" not in admin_watcher.missing_kinds
    finally:
        kube.remove_crd(original["metadata"]["name"])
        kube.install_crd(original)
    eventually(lambda: admin_watcher.versions.get("TLSRoute") == "v1")


# the kubernetes client's connection pool may keep an SSL socket to the killed server until the
# garbage collector finds it; that is the client's pool, not a watcher thread left running
@pytest.mark.filterwarnings("ignore:unclosed <ssl.SSLSocket:ResourceWarning")
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
@pytest.mark.parametrize(
    ("retry_delay", "max_retry_delay"),
    [
        # changes made right after the restart happen while the watcher waits: a diffed relist
        pytest.param(4.0, 4.0, id="slow-retry"),
        # retries that hit the moment when the new server serves /apis without the Gateway API
        # group (about 0.1 s, before /readyz): that is not "CRD not installed"
        pytest.param(0.05, 0.1, id="fast-retry"),
    ],
)
def test_apiserver_killed_and_restarted_mid_watch_loses_nothing(
    cluster: Cluster, kube: Kube, retry_delay: float, max_retry_delay: float
) -> None:
    ns = kube.namespace("restart")
    kube.create(gw("edge", ns, "192.0.2.1"))
    for name in ("keep", "change", "drop"):
        kube.create(http_route(name, ns, [f"{name}.example.com"], "edge"))
    w = KubernetesWatcher(
        cluster.client(), retry_delay=retry_delay, max_retry_delay=max_retry_delay
    )
    try:
        assert w.wait_synced(30)
        rec = Recorder(w, ns)
        rec.until(4)
        lists = dict(w.list_count)

        cluster.kill_apiserver()  # SIGKILL: every watch connection breaks
        eventually(lambda: len(w.kind_errors) == len(DEFAULT_KINDS), timeout=10)
        assert all("cannot reach the API server" in e for e in w.kind_errors.values())
        cluster.start_apiserver()
        new = http_route("new", ns, ["new.example.com"], "edge")
        del new["status"]  # one write: one event, whether the watcher relists or watches
        kube.create(new)
        kube.patch("HTTPRoute", ns, "change", {"spec": {"hostnames": ["changed.example.com"]}})
        kube.delete("HTTPRoute", ns, "drop")

        got = rec.until(3, timeout=60)
        assert sorted(got) == [
            ("ADDED", "HTTPRoute", "new"),
            ("DELETED", "HTTPRoute", "drop"),
            ("MODIFIED", "HTTPRoute", "change"),
        ]
        assert rec.last("HTTPRoute", "change").spec_hostnames == ("changed.example.com",)
        time.sleep(1)
        assert [e for e in rec.drain() if e[1] != "Namespace"] == []  # keep: no spurious event
        eventually(lambda: w.kind_errors == {})
        assert all(w.list_count[k] > lists[k] for k in lists)  # every kind relisted
        assert w.synced
    finally:
        assert w.close()


def test_rbac_denying_one_kind_is_a_clear_error_never_synced(cluster: Cluster, kube: Kube) -> None:
    ns = kube.namespace("rbac")
    kube.create(gw("edge", ns, "192.0.2.1"))
    kube.create(http_route("shop", ns, ["shop.example.com"], "edge"))
    role = "gatewaydns-test-limited"
    everything_but_routes: dict[str, Any] = {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRole",
        "metadata": {"name": role},
        "rules": [
            {
                "apiGroups": [G],
                "resources": [
                    "gateways",
                    "listenersets",
                    "grpcroutes",
                    "tlsroutes",
                    "tcproutes",
                    "udproutes",
                ],
                "verbs": ["get", "list", "watch"],
            },
            {"apiGroups": [""], "resources": ["namespaces"], "verbs": ["get", "list", "watch"]},
        ],
    }
    rbac = "/apis/rbac.authorization.k8s.io/v1"
    kube.call("DELETE", f"{rbac}/clusterroles/{role}", ok=(404,))
    kube.call("DELETE", f"{rbac}/clusterrolebindings/{role}", ok=(404,))
    kube.call("POST", f"{rbac}/clusterroles", everything_but_routes)
    kube.call(
        "POST",
        f"{rbac}/clusterrolebindings",
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "ClusterRoleBinding",
            "metadata": {"name": role},
            "roleRef": {
                "apiGroup": "rbac.authorization.k8s.io",
                "kind": "ClusterRole",
                "name": role,
            },
            "subjects": [
                {"kind": "User", "name": "limited", "apiGroup": "rbac.authorization.k8s.io"}
            ],
        },
    )
    w = KubernetesWatcher(cluster.client("limited"), retry_delay=0.2, max_retry_delay=0.5)
    try:
        eventually(lambda: "HTTPRoute" in w.kind_errors and "Gateway" in w.versions)
        assert not w.wait_synced(2)
        assert w.kind_errors["HTTPRoute"].startswith(
            "list failed: forbidden (403): this client may not list "
            "httproutes.gateway.networking.k8s.io; grant get, list and watch on it"
        )
        assert 'User "limited" cannot list resource "httproutes"' in w.kind_errors["HTTPRoute"]
        assert "HTTPRoute" not in w.missing_kinds
        rec = Recorder(w, ns)
        assert [e for e in rec.drain() if e[1] == "HTTPRoute"] == []

        # RBAC fixed: the kind lists at its next retry, and only then is the watcher synced
        rules = everything_but_routes["rules"]
        rules[0]["resources"].append("httproutes")
        kube.call("PUT", f"{rbac}/clusterroles/{role}", everything_but_routes)
        assert w.wait_synced(30), w.kind_errors
        assert ("ADDED", "HTTPRoute", "shop") in rec.drain()
    finally:
        assert w.close()
        kube.call("DELETE", f"{rbac}/clusterrolebindings/{role}", ok=(404,))
        kube.call("DELETE", f"{rbac}/clusterroles/{role}", ok=(404,))


def test_close_against_a_real_server_is_prompt(cluster: Cluster, kube: Kube) -> None:
    w = KubernetesWatcher(cluster.client())  # watches of 300 s
    assert w.wait_synced(30)
    time.sleep(0.5)  # every kind is in its watch now
    started = time.monotonic()
    assert w.close() is True
    assert time.monotonic() - started < 1.0
    assert [t for t in threading.enumerate() if t.name.startswith("gatewaydns-watch-")] == []
