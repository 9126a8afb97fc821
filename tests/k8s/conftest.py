"""Fixtures for the tests against a real kube-apiserver (marker ``k8s``).

``.ci/run`` builds the server (``tests/k8s/build-kube-apiserver.sh``), starts it with etcd
(``python -m tests.k8s.apiserver start DIR``) and sets ``GATEWAYDNS_KUBE_DIR``. Without that
variable the ``cluster`` fixture starts its own from the build cache; when the binary was never
built these tests skip locally and fail in CI (``CI`` set).
"""

from __future__ import annotations

import copy
import functools
import gc
import os
import pathlib
import secrets
import shutil
import time
import warnings
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import yaml

from . import apiserver
from .apiserver import Cluster

CRDS = pathlib.Path(__file__).parent.parent / "data" / "gateway-api-crds"
G = "gateway.networking.k8s.io"
PLURALS = {
    "Gateway": "gateways",
    "ListenerSet": "listenersets",
    "HTTPRoute": "httproutes",
    "GRPCRoute": "grpcroutes",
    "TLSRoute": "tlsroutes",
    "TCPRoute": "tcproutes",
    "UDPRoute": "udproutes",
}


@pytest.fixture(scope="session")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    if os.environ.get("GATEWAYDNS_KUBE_DIR"):
        started = Cluster.load(pathlib.Path(os.environ["GATEWAYDNS_KUBE_DIR"]))
        started.wait_ready()
        yield started
        return
    missing = [
        what
        for what, found in (
            (
                "kube-apiserver (bash tests/k8s/build-kube-apiserver.sh, 4 to 7 minutes, once)",
                apiserver.apiserver_binary(),
            ),
            ("etcd (apt-get install etcd-server)", apiserver.etcd_binary()),
            ("openssl", shutil.which("openssl")),
        )
        if found is None
    ]
    if missing:
        if os.environ.get("CI"):
            pytest.fail(f"missing {', '.join(missing)}: .ci/run must provide them")
        pytest.skip(f"missing {', '.join(missing)}; CI always runs these tests")
    own = apiserver.start(tmp_path_factory.mktemp("kube"))
    try:
        yield own
    finally:
        own.stop()


@pytest.fixture(autouse=True)
def _close_clients() -> Iterator[None]:
    """Close the API clients a test made (their pooled connections), once its watchers closed."""
    yield
    while apiserver.CLIENTS:
        apiserver.CLIENTS.pop().close()
    # A client library's connection pool can keep an SSL socket until the garbage collector
    # finds it (see the restart test). Collect now, so that its ResourceWarning is not raised
    # in whichever later test happens to trigger the next collection (how often the collector
    # runs depends on what the library allocates: #17 made it run less often).
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "unclosed <ssl.SSLSocket", ResourceWarning)
        gc.collect()


class Kube:
    """Just enough of kubectl: create, read, patch, write status, delete; CRDs."""

    def __init__(self, cluster: Cluster) -> None:
        self.cluster = cluster

    def call(self, method: str, path: str, body: Any = None, *, ok: tuple[int, ...] = ()) -> Any:
        status, out = self.cluster.request(method, path, body)
        if status >= 300 and status not in ok:
            raise AssertionError(f"{method} {path}: {status} {out}")
        return out

    @staticmethod
    def path(kind: str, namespace: str, name: str = "", version: str = "v1") -> str:
        base = (
            "/api/v1/namespaces"
            if kind == "Namespace"
            else f"/apis/{G}/{version}/namespaces/{namespace}/{PLURALS[kind]}"
        )
        return f"{base}/{name}" if name else base

    def namespace(self, prefix: str) -> str:
        name = f"{prefix}-{secrets.token_hex(3)}"
        self.call("POST", "/api/v1/namespaces", {"metadata": {"name": name}})
        return name

    def create(self, obj: dict[str, Any]) -> dict[str, Any]:
        version = obj["apiVersion"].rsplit("/", 1)[-1]
        meta = obj["metadata"]
        status = obj.get("status")
        out = self.call("POST", self.path(obj["kind"], meta["namespace"], version=version), obj)
        if status is not None:  # the main resource ignores status: write it as a controller would
            out = self.set_status(obj["kind"], meta["namespace"], meta["name"], status, version)
        return dict(out)

    def get(self, kind: str, namespace: str, name: str, version: str = "v1") -> dict[str, Any]:
        return dict(self.call("GET", self.path(kind, namespace, name, version)))

    def patch(
        self, kind: str, namespace: str, name: str, patch: dict[str, Any], version: str = "v1"
    ) -> dict[str, Any]:
        return dict(self.call("PATCH", self.path(kind, namespace, name, version), patch))

    def set_status(
        self, kind: str, namespace: str, name: str, status: dict[str, Any], version: str = "v1"
    ) -> dict[str, Any]:
        """Replace ``status`` through the status subresource (metadata.generation unchanged)."""
        obj = self.get(kind, namespace, name, version)
        obj["status"] = status
        return dict(self.call("PUT", self.path(kind, namespace, name, version) + "/status", obj))

    def delete(self, kind: str, namespace: str, name: str, version: str = "v1") -> None:
        self.call("DELETE", self.path(kind, namespace, name, version))

    # --- CRDs ----------------------------------------------------------------------------------
    def install_crd(self, crd: dict[str, Any], timeout: float = 30) -> None:
        """Create a CRD (as ``kubectl apply --validate=false``) and wait until it is served."""
        name = crd["metadata"]["name"]
        path = f"/apis/apiextensions.k8s.io/v1/customresourcedefinitions/{name}"
        deadline = time.monotonic() + timeout
        while True:  # a CRD being deleted must be gone before it can be created again
            status, out = self.cluster.request(
                "POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd
            )
            if status == 201:
                break
            if status != 409 or time.monotonic() > deadline:
                raise AssertionError(f"installing {name}: {status} {out}")
            time.sleep(0.1)
        while time.monotonic() < deadline:
            got = self.call("GET", path)
            conditions = (got.get("status") or {}).get("conditions") or []
            if any(c["type"] == "Established" and c["status"] == "True" for c in conditions):
                return
            time.sleep(0.05)
        raise AssertionError(f"{name} not established")

    def remove_crd(self, name: str, timeout: float = 30) -> None:
        """Delete a CRD and wait until it (and every object of it) is gone."""
        path = f"/apis/apiextensions.k8s.io/v1/customresourcedefinitions/{name}"
        self.call("DELETE", path, ok=(404,))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            status, _ = self.cluster.request("GET", path)
            if status == 404:
                return
            time.sleep(0.05)
        raise AssertionError(f"{name} still there")


@functools.cache
def crd(plural: str) -> dict[str, Any]:
    """The Gateway API v1.6.1 CRD of ``plural``, unmodified."""
    doc: dict[str, Any] = yaml.safe_load((CRDS / f"{plural}.yaml").read_text())
    return doc


def crd_copy(plural: str) -> dict[str, Any]:
    return copy.deepcopy(crd(plural))


@pytest.fixture(scope="session")
def kube(cluster: Cluster) -> Kube:
    """The cluster with the Gateway API CRDs installed."""
    k = Kube(cluster)
    for file in sorted(CRDS.glob("*.yaml")):
        doc = crd(file.stem)
        status, _ = cluster.request(
            "GET",
            f"/apis/apiextensions.k8s.io/v1/customresourcedefinitions/{doc['metadata']['name']}",
        )
        if status == 404:
            k.install_crd(doc)
    return k


def eventually(check: Callable[[], Any], timeout: float = 30, interval: float = 0.05) -> Any:
    """Call ``check`` until it returns something truthy; return that."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"not reached within {timeout} s (last: {last!r})")
