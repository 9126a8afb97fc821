"""Objects read from a real API server by each Python client load like ``kubectl get -o json``.

cloudcoil is tested with objects it builds (``tests/test_client_objects.py``): its client cannot
talk to this API server, whose version (built from Debian's sources) has no major number.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator, Mapping
from typing import Any, cast

import kr8s
import kr8s.objects
import pytest
from kr8s._async_utils import Portal
from kubernetes import client as k8s
from kubernetes import dynamic
from lightkube import Client, KubeConfig
from lightkube.generic_resource import create_namespaced_resource, get_generic_resource
from lightkube.resources.core_v1 import Namespace as LightkubeNamespace

from gatewaydns import Snapshot, compute_endpoints

from .apiserver import Cluster
from .conftest import G, Kube
from .objects import gw, http_route

pytestmark = pytest.mark.k8s
GV = f"{G}/v1"


@pytest.fixture(scope="module")
def objects(kube: Kube) -> tuple[str, Snapshot]:
    """A namespace with a Gateway and a route; its snapshot as ``kubectl get -o json`` gives it."""
    ns = kube.namespace("clients")
    kube.create(gw("edge", ns, "203.0.113.7"))
    kube.create(http_route("shop", ns, [f"shop.{ns}.example.com"], "edge"))
    listed = [
        kube.call("GET", f"/api/v1/namespaces/{ns}"),
        kube.call("GET", kube.path("Gateway", ns)),
        kube.call("GET", kube.path("HTTPRoute", ns)),
    ]
    return ns, Snapshot.from_manifests(listed)


def only(snap: Snapshot, ns: str) -> Snapshot:
    """The part of a snapshot in namespace ``ns`` (other tests share the cluster)."""
    return Snapshot(
        snap.gateways,
        snap.listener_sets,
        snap.routes,
        tuple(n for n in snap.namespaces if n.name == ns),
    )


def check(snap: Snapshot, expected: Snapshot, ns: str) -> None:
    assert only(snap, ns) == expected
    hosts = [ep.dns_name for ep in compute_endpoints(snap).endpoints]
    assert hosts == [f"shop.{ns}.example.com"]


def test_official_client_typed_models_and_custom_objects(
    cluster: Cluster, objects: tuple[str, Snapshot]
) -> None:
    ns, expected = objects
    api = cluster.client()
    core, custom = k8s.CoreV1Api(api), k8s.CustomObjectsApi(api)
    namespace = core.read_namespace(ns)
    assert isinstance(namespace, k8s.V1Namespace)
    listed = [
        namespace,
        custom.list_namespaced_custom_object(G, "v1", ns, "gateways"),
        *cast(dict[str, Any], custom.list_namespaced_custom_object(G, "v1", ns, "httproutes"))[
            "items"
        ],
    ]
    check(Snapshot.from_manifests(listed), expected, ns)
    # a typed list: its items carry neither apiVersion nor kind
    everything = core.list_namespace()
    assert everything.items[0].kind is None
    check(Snapshot.from_manifests([everything, *listed[1:]]), expected, ns)
    check(Snapshot.from_manifests([*everything.items, *listed[1:]]), expected, ns)


def test_official_dynamic_client(cluster: Cluster, objects: tuple[str, Snapshot]) -> None:
    ns, expected = objects
    client = dynamic.DynamicClient(cluster.client())  # type: ignore[no-untyped-call]
    listed = [
        client.resources.get(api_version="v1", kind="Namespace").get(name=ns),
        client.resources.get(api_version=GV, kind="Gateway").get(namespace=ns),
        *client.resources.get(api_version=GV, kind="HTTPRoute").get(namespace=ns).items,
    ]
    check(Snapshot.from_manifests(listed), expected, ns)


@pytest.fixture
def kr8s_api(cluster: Cluster) -> Iterator[Any]:
    with warnings.catch_warnings():  # this server's version string is not one kr8s knows
        warnings.filterwarnings("ignore", "Kubernetes version", UserWarning)
        api = kr8s.api(kubeconfig=str(cluster.path / "kubeconfig"))
    yield api
    # kr8s has no public close; its sync API runs an httpx.AsyncClient in its own event loop
    # thread, which must close it (else: unclosed-socket warnings when the Api is collected)
    if api._session is not None:
        Portal().call(api._session.aclose)  # type: ignore[no-untyped-call]


@pytest.mark.filterwarnings("ignore:Kubernetes version:UserWarning")
def test_kr8s_objects(kr8s_api: Any, objects: tuple[str, Snapshot]) -> None:
    ns, expected = objects
    gateway_class = kr8s.objects.new_class("Gateway", GV, namespaced=True)
    route_class = kr8s.objects.new_class("HTTPRoute", GV, namespaced=True)
    namespace = kr8s.objects.Namespace.get(ns, api=kr8s_api)
    gateways = list(kr8s_api.get(gateway_class, namespace=ns))
    routes = list(kr8s_api.get(route_class, namespace=ns))
    assert [type(o).__name__ for o in (namespace, *gateways, *routes)] == [
        "Namespace",
        "Gateway",
        "HTTPRoute",
    ]
    assert not isinstance(cast(object, namespace), Mapping)  # an APIObject: loaded via .raw
    check(Snapshot.from_manifests([namespace, *gateways, *routes]), expected, ns)


def test_lightkube_typed_and_generic_resources(
    cluster: Cluster, objects: tuple[str, Snapshot]
) -> None:
    ns, expected = objects
    client = Client(KubeConfig.from_file(str(cluster.path / "kubeconfig")))
    gateway_class = get_generic_resource(GV, "Gateway") or create_namespaced_resource(  # type: ignore[no-untyped-call]
        G, "v1", "Gateway", "gateways"
    )
    route_class = get_generic_resource(GV, "HTTPRoute") or create_namespaced_resource(  # type: ignore[no-untyped-call]
        G, "v1", "HTTPRoute", "httproutes"
    )
    namespace = client.get(LightkubeNamespace, ns)
    assert type(namespace) is LightkubeNamespace  # a typed model: loaded through to_dict()
    listed = [
        namespace,
        *client.list(gateway_class, namespace=ns),
        *client.list(route_class, namespace=ns),
    ]
    check(Snapshot.from_manifests(listed), expected, ns)
    client.close()
