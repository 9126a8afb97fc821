"""Objects of the Python Kubernetes clients load as they are (built here with the real libraries).

kr8s objects need a cluster to exist at all; they, and every client's objects as read from a
real API server, are tested in ``tests/k8s/test_client_objects.py``.
"""

from __future__ import annotations

import datetime
from typing import Any, cast

import kopf
import pytest
from cloudcoil.apimachinery import ObjectMeta as CloudcoilObjectMeta
from cloudcoil.models.kubernetes.core import v1 as cloudcoil_core
from cloudcoil.resources import get_dynamic_resource
from kubernetes import client as k8s
from kubernetes.dynamic.resource import ResourceInstance
from lightkube.generic_resource import create_namespaced_resource
from lightkube.models.meta_v1 import ObjectMeta as LightkubeObjectMeta
from lightkube.resources.core_v1 import Namespace as LightkubeNamespace
from pydantic import ValidationError

import gatewaydns
from gatewaydns import HTTPRoute, ManifestError, Namespace, Snapshot, to_manifest

from .helpers import G, gateway, namespace, route

T0 = datetime.datetime(2025, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc)


def docs() -> list[dict[str, Any]]:
    """A small cluster as manifests: a namespace with labels, a Gateway and a route."""
    return [
        namespace("app", {"team": "shop"}),
        gateway("gw", "infra", addresses=["203.0.113.10"]),
        route("shop", "app", hostnames=["shop.example.com"]),
    ]


def endpoints(snap: Snapshot) -> list[tuple[str, str, tuple[str, ...]]]:
    result = gatewaydns.compute_endpoints(snap, gatewaydns.SourceConfig())
    return [(ep.dns_name, ep.record_type, ep.targets) for ep in result.endpoints]


EXPECTED = [("shop.example.com", "A", ("203.0.113.10",))]


# --- kopf --------------------------------------------------------------------------------------
def test_kopf_bodies_load_as_they_are() -> None:
    bodies = [kopf.Body(cast(kopf.RawBody, doc)) for doc in docs()]
    snap = Snapshot.from_manifests(bodies)
    assert snap == Snapshot.from_manifests(docs())
    assert endpoints(snap) == EXPECTED
    assert HTTPRoute.model_validate(bodies[2]) == HTTPRoute.model_validate(docs()[2])


def test_a_kopf_body_is_checked_like_a_dict() -> None:
    # a non-dict mapping used to skip the check that rejects Python attribute names as keys
    doc = {**docs()[2], "api_version": G}
    with pytest.raises(ValidationError, match="manifests use the Kubernetes name 'apiVersion'"):
        HTTPRoute.model_validate(kopf.Body(cast(kopf.RawBody, doc)))
    with pytest.raises(ManifestError, match="document 0, HTTPRoute app/shop: unknown field"):
        Snapshot.from_manifests([kopf.Body(cast(kopf.RawBody, doc))])


# --- lightkube ---------------------------------------------------------------------------------
def test_lightkube_typed_models_load() -> None:
    ns = LightkubeNamespace(metadata=LightkubeObjectMeta(name="app", labels={"team": "shop"}))
    assert to_manifest(ns) == namespace("app", {"team": "shop"})
    loaded = Namespace.model_validate(ns)
    assert loaded.metadata.labels == {"team": "shop"}
    snap = Snapshot.from_manifests([ns, *docs()[1:]])
    assert snap == Snapshot.from_manifests(docs())


def test_lightkube_generic_resources_load_with_nested_models() -> None:
    http_route = create_namespaced_resource(G.split("/")[0], "v1", "HTTPRoute", "httproutes")
    doc = docs()[2]
    # built in code, a generic resource holds its metadata as a lightkube ObjectMeta model
    obj = http_route(
        apiVersion=doc["apiVersion"],
        kind="HTTPRoute",
        metadata=LightkubeObjectMeta(name="shop", namespace="app", generation=1),
        spec=doc["spec"],
        status=doc["status"],
    )
    assert to_manifest(obj) == doc
    assert HTTPRoute.model_validate(obj) == HTTPRoute.model_validate(doc)
    assert endpoints(Snapshot.from_manifests([*docs()[:2], obj])) == EXPECTED


# --- cloudcoil ---------------------------------------------------------------------------------
def test_cloudcoil_models_are_dumped_by_alias_without_none() -> None:
    ns = cloudcoil_core.Namespace(
        metadata=CloudcoilObjectMeta(name="app", labels={"team": "shop"}, creation_timestamp=T0)
    )
    # a plain model_dump() has Python names and nulls, which a manifest must not have
    assert "api_version" in ns.model_dump()
    assert to_manifest(ns) == {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {
            "name": "app",
            "labels": {"team": "shop"},
            "creationTimestamp": "2025-01-02T03:04:05Z",
        },
    }
    assert Snapshot.from_manifests([ns, *docs()[1:]]).namespaces[0].metadata.labels == {
        "team": "shop"
    }


def test_cloudcoil_dynamic_resources_load() -> None:
    doc = docs()[2]
    dynamic_route = get_dynamic_resource("HTTPRoute", doc["apiVersion"])
    obj = dynamic_route(
        metadata=CloudcoilObjectMeta(name="shop", namespace="app", generation=1),
        spec=doc["spec"],
        status=doc["status"],
    )
    # its .raw is only what the constructor got (no apiVersion, no kind): the dump is complete
    assert "apiVersion" not in obj.raw
    assert to_manifest(obj) == doc
    assert endpoints(Snapshot.from_manifests([*docs()[:2], obj])) == EXPECTED


# --- the official client -----------------------------------------------------------------------
def official_namespace(**kwargs: Any) -> Any:
    meta = k8s.V1ObjectMeta(name="app", labels={"team": "shop"}, creation_timestamp=T0)
    return k8s.V1Namespace(metadata=meta, **kwargs)


def test_official_models_use_kubernetes_names_not_to_dict() -> None:
    ns = official_namespace(api_version="v1", kind="Namespace")
    assert "creation_timestamp" in ns.to_dict()["metadata"]  # what a manifest must not have
    assert to_manifest(ns) == {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {
            "name": "app",
            "labels": {"team": "shop"},
            "creationTimestamp": "2025-01-02T03:04:05Z",
        },
    }
    # the same keys as the client's own serialisation (which writes +00:00 for Z)
    sanitized = k8s.ApiClient().sanitize_for_serialization(ns)  # type: ignore[no-untyped-call]
    assert sanitized["metadata"]["creationTimestamp"] == "2025-01-02T03:04:05+00:00"
    sanitized["metadata"]["creationTimestamp"] = "2025-01-02T03:04:05Z"
    assert to_manifest(ns) == sanitized
    assert Namespace.model_validate(ns).metadata.creation_timestamp == "2025-01-02T03:04:05Z"


def test_official_list_items_without_kind_load() -> None:
    # the API server leaves apiVersion and kind out of list items, and so does the client
    items = [official_namespace(), k8s.V1Namespace(metadata=k8s.V1ObjectMeta(name="b"))]
    listing = k8s.V1NamespaceList(api_version="v1", kind="NamespaceList", items=items)
    for given in (listing, items):
        snap = Snapshot.from_manifests(given)
        assert [(ns.name, ns.metadata.labels) for ns in snap.namespaces] == [
            ("app", {"team": "shop"}),
            ("b", None),
        ]


def test_official_dynamic_client_objects_load() -> None:
    objs = [ResourceInstance(None, doc) for doc in docs()]  # type: ignore[no-untyped-call]
    assert [to_manifest(obj) for obj in objs] == docs()
    assert endpoints(Snapshot.from_manifests(objs)) == EXPECTED
    single = Snapshot.from_manifests(ResourceInstance(None, docs()[0]))  # type: ignore[no-untyped-call]
    assert [ns.name for ns in single.namespaces] == ["app"]


# --- gatewaydns's own models -------------------------------------------------------------------
def test_own_models_load_again() -> None:
    models = [
        gatewaydns.Namespace.model_validate(docs()[0]),
        gatewaydns.Gateway.model_validate(docs()[1]),
        HTTPRoute.model_validate(docs()[2]),
    ]
    assert Snapshot.from_manifests(models) == Snapshot.from_manifests(docs())


# --- what is not a manifest --------------------------------------------------------------------
class Opaque:
    pass


class BrokenToDict:
    def to_dict(self) -> dict[str, Any]:
        raise RuntimeError("boom")


class ListToDict:
    def to_dict(self) -> list[int]:
        return [1]


def test_unrecognised_objects_are_reported_with_index_and_type() -> None:
    given: list[object] = [docs()[0], Opaque(), BrokenToDict(), ListToDict(), {"kind": "Gateway"}]
    with pytest.raises(ManifestError) as caught:
        Snapshot.from_manifests(given)
    assert [str(p) for p in caught.value.problems] == [
        "document 1: expected a manifest: a mapping, or an object of a Kubernetes client (kopf "
        "Body, kr8s APIObject, lightkube or cloudcoil resource, official kubernetes client "
        "model), got an object of type tests.test_client_objects.Opaque",
        "document 2: could not read the tests.test_client_objects.BrokenToDict object: "
        "RuntimeError: boom",
        "document 3: expected a manifest: tests.test_client_objects.ListToDict.to_dict() "
        "returned list, not a mapping",
        "document 4, Gateway <no name>: apiVersion: field required",
    ]


def test_a_lone_unrecognised_object_is_reported() -> None:
    with pytest.raises(ManifestError) as caught:
        Snapshot.from_manifests(42)  # not iterable
    assert [str(p) for p in caught.value.problems] == [
        "document 0: expected manifests: text, a mapping, an iterable, or an object of a "
        "Kubernetes client, got an object of type int"
    ]


def test_model_validate_of_an_unrecognised_object_is_pydantics_error() -> None:
    with pytest.raises(ValidationError, match="valid dictionary or instance of Namespace"):
        Namespace.model_validate(Opaque())


def test_deeply_nested_client_objects_are_reported() -> None:
    deep: dict[str, Any] = {}
    inner = deep
    for _ in range(100_000):
        inner["x"] = {}
        inner = inner["x"]
    doc = {**docs()[0], "spec": deep}
    with pytest.raises(ManifestError, match="document 0: nested too deeply"):
        Snapshot.from_manifests([kopf.Body(cast(kopf.RawBody, doc))])


def test_values_nothing_recognises_are_reported_by_validation_with_their_path() -> None:
    doc = docs()[2]
    doc["spec"]["hostnames"] = [Opaque()]
    with pytest.raises(ManifestError, match=r"spec\.hostnames\[0\]: expected a string, got Opaque"):
        Snapshot.from_manifests([kopf.Body(cast(kopf.RawBody, doc))])


def test_naive_datetimes_are_utc_and_fractions_are_kept() -> None:
    naive = datetime.datetime(2025, 1, 2, 3, 4, 5, 120000)
    meta = k8s.V1ObjectMeta(name="x", creation_timestamp=naive)
    assert to_manifest(k8s.V1Namespace(metadata=meta))["metadata"] == {
        "name": "x",
        "creationTimestamp": "2025-01-02T03:04:05.120000Z",
    }
