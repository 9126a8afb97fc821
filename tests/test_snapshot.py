"""Snapshot.from_manifests: every input form, and every kind of bad input."""

from __future__ import annotations

import json
import sys
from typing import Any

import pytest

import gatewaydns
from gatewaydns import ManifestError, Snapshot
from gatewaydns._yaml import _loader

ROUTE = {
    "apiVersion": "gateway.networking.k8s.io/v1",
    "kind": "HTTPRoute",
    "metadata": {"name": "shop", "namespace": "app"},
    "spec": {"parentRefs": [{"name": "gw"}], "hostnames": ["shop.example.com"]},
}
GATEWAY = {
    "apiVersion": "gateway.networking.k8s.io/v1",
    "kind": "Gateway",
    "metadata": {"name": "gw", "namespace": "app"},
    "spec": {"gatewayClassName": "x", "listeners": [{"name": "h", "port": 80, "protocol": "HTTP"}]},
}


def names(snap: Snapshot) -> list[str]:
    objs = [*snap.gateways, *snap.listener_sets, *snap.routes, *snap.namespaces]
    return sorted(f"{o.kind}/{o.name}" for o in objs)


YAML_TWO = """
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw, namespace: app}
spec: {gatewayClassName: x, listeners: [{name: h, port: 80, protocol: HTTP}]}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: shop, namespace: app}
spec: {parentRefs: [{name: gw}]}
---
"""


@pytest.mark.parametrize(
    "docs",
    [
        pytest.param(YAML_TWO, id="yaml-multi-document"),
        pytest.param(YAML_TWO.encode(), id="yaml-bytes"),
        pytest.param(json.dumps([GATEWAY, ROUTE]), id="json-array"),
        pytest.param(
            json.dumps({"apiVersion": "v1", "kind": "List", "items": [GATEWAY, ROUTE]}),
            id="json-kind-list",
        ),
        pytest.param([GATEWAY, ROUTE], id="list-of-dicts"),
        pytest.param(iter([GATEWAY, ROUTE]), id="iterator-of-dicts"),
        pytest.param(
            {
                "apiVersion": "v1",
                "kind": "List",
                "items": [GATEWAY, {"apiVersion": "v1", "kind": "List", "items": [ROUTE]}],
            },
            id="nested-lists",
        ),
        pytest.param(
            [
                {
                    "apiVersion": "gateway.networking.k8s.io/v1",
                    "kind": "GatewayList",
                    "items": [
                        {k: v for k, v in GATEWAY.items() if k not in ("kind", "apiVersion")}
                    ],
                },
                {
                    "apiVersion": "gateway.networking.k8s.io/v1",
                    "kind": "HTTPRouteList",
                    "items": [ROUTE],
                },
            ],
            id="typed-lists-without-item-kinds",
        ),
    ],
)
def test_every_input_form_loads(docs: Any) -> None:
    assert names(Snapshot.from_manifests(docs)) == ["Gateway/gw", "HTTPRoute/shop"]


def test_single_json_object_and_single_dict() -> None:
    assert names(Snapshot.from_manifests(json.dumps(ROUTE))) == ["HTTPRoute/shop"]
    assert names(Snapshot.from_manifests(ROUTE)) == ["HTTPRoute/shop"]


@pytest.mark.parametrize(
    "doc",
    [
        pytest.param(
            {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s"}}, id="service"
        ),
        pytest.param({"apiVersion": "apps/v1", "kind": "Deployment", "spec": 5}, id="deployment"),
        pytest.param(
            {"apiVersion": "networking.istio.io/v1", "kind": "Gateway", "spec": {"servers": []}},
            id="istio-gateway",
        ),
        pytest.param(
            {
                "apiVersion": "gateway.networking.k8s.io/v1",
                "kind": "GatewayClass",
                "metadata": {"name": "c"},
            },
            id="gatewayclass",
        ),
        pytest.param({"apiVersion": "v1", "kind": "List", "items": None}, id="empty-list"),
    ],
)
def test_other_kinds_are_ignored(doc: dict[str, Any]) -> None:
    assert names(Snapshot.from_manifests([doc, ROUTE])) == ["HTTPRoute/shop"]


def test_missing_namespace_means_default() -> None:
    doc = {**ROUTE, "metadata": {"name": "shop"}}
    route = Snapshot.from_manifests([doc]).routes[0]
    assert route.namespace == "default"
    assert route.resource == "httproute/default/shop"


def test_every_served_api_version_is_accepted() -> None:
    docs = []
    for kind, versions in {
        "Gateway": ["v1", "v1beta1", "v1alpha2"],
        "HTTPRoute": ["v1", "v1beta1", "v1alpha2"],
        "GRPCRoute": ["v1", "v1alpha2"],
        "TLSRoute": ["v1", "v1alpha3", "v1alpha2"],
        "TCPRoute": ["v1", "v1alpha2"],
        "UDPRoute": ["v1", "v1alpha2"],
        "ListenerSet": ["v1"],
    }.items():
        for version in versions:
            doc: dict[str, Any] = {
                "apiVersion": f"gateway.networking.k8s.io/{version}",
                "kind": kind,
                "metadata": {"name": f"{kind}-{version}".lower()},
            }
            if kind == "ListenerSet":
                doc["spec"] = {"parentRef": {"name": "gw"}}
            docs.append(doc)
    snap = Snapshot.from_manifests(docs)
    assert len(snap.gateways) + len(snap.routes) + len(snap.listener_sets) == len(docs)


def problems_of(docs: Any) -> list[str]:
    with pytest.raises(ManifestError) as info:
        Snapshot.from_manifests(docs)
    return [str(p) for p in info.value.problems]


@pytest.mark.parametrize(
    ("doc", "expected"),
    [
        pytest.param(
            {**ROUTE, "spec": {"parentRefs": [{"namespace": "x"}]}},
            "document 0, HTTPRoute app/shop: spec.parentRefs[0].name: field required",
            id="missing-parent-name",
        ),
        pytest.param(
            {**ROUTE, "metadata": {"namespace": "app"}},
            "document 0, HTTPRoute app/<no name>: metadata.name: field required",
            id="missing-object-name",
        ),
        pytest.param(
            {**GATEWAY, "spec": {"listeners": [{"name": "h", "port": "80", "protocol": "HTTP"}]}},
            "document 0, Gateway app/gw: spec.listeners[0].port: expected an integer, got a string ('80')",
            id="port-as-string",
        ),
        pytest.param(
            {**ROUTE, "spec": {"hostnames": "shop.example.com"}},
            "document 0, HTTPRoute app/shop: spec.hostnames: expected a list, got a string ('shop.example.com')",
            id="string-where-list",
        ),
        pytest.param(
            {**ROUTE, "spec": {"parentRefs": {"name": "gw"}}},
            "document 0, HTTPRoute app/shop: spec.parentRefs: expected a list, got an object",
            id="map-where-list",
        ),
        pytest.param(
            {**ROUTE, "spec": {"parentRefs": [["gw"]]}},
            "document 0, HTTPRoute app/shop: spec.parentRefs[0]: expected an object (a map), got a list",
            id="list-where-map",
        ),
        pytest.param(
            {**ROUTE, "metadata": {"name": "shop", "namespace": "app", "labels": {"a": True}}},
            "document 0, HTTPRoute app/shop: metadata.labels.a: expected a string, got a boolean (true)",
            id="label-not-string",
        ),
        pytest.param(
            {
                **ROUTE,
                "metadata": {
                    "name": "shop",
                    "namespace": "app",
                    "annotations": {"external-dns.kubernetes.io/ttl": 60},
                },
            },
            "document 0, HTTPRoute app/shop: metadata.annotations['external-dns.kubernetes.io/ttl']: "
            "expected a string, got an integer (60)",
            id="annotation-not-string",
        ),
        pytest.param(
            {**ROUTE, "apiVersion": "gateway.networking.k8s.io/v2"},
            "document 0, HTTPRoute app/shop: apiVersion: unsupported apiVersion "
            "'gateway.networking.k8s.io/v2'; supported: gateway.networking.k8s.io/v1, "
            "gateway.networking.k8s.io/v1beta1, gateway.networking.k8s.io/v1alpha2",
            id="unknown-api-version",
        ),
        pytest.param(
            {**ROUTE, "spec": {"parent_refs": [{"name": "gw"}]}},
            "document 0, HTTPRoute app/shop: spec: unknown field 'parent_refs': manifests use "
            "the Kubernetes name 'parentRefs'",
            id="python-name-in-manifest",
        ),
        pytest.param(
            {**ROUTE, "metadata": {"name": "shop", "namespace": "app", "generation": 1.5}},
            "document 0, HTTPRoute app/shop: metadata.generation: expected an integer, got a number (1.5)",
            id="float-generation",
        ),
        pytest.param(
            42,
            "document 0: expected an object (a manifest), got an integer (42)",
            id="not-an-object",
        ),
        pytest.param(
            {"kind": "HTTPRoute", "metadata": {"name": "x"}},
            "document 0, HTTPRoute default/x: apiVersion: field required",
            id="missing-api-version",
        ),
        pytest.param(
            {"apiVersion": "v1", "kind": "List", "items": {"a": 1}},
            "document 0, List <no name>: items: expected a list",
            id="list-items-not-a-list",
        ),
    ],
)
def test_bad_documents(doc: Any, expected: str) -> None:
    assert problems_of([doc]) == [expected]


def test_bad_item_inside_list_names_its_path() -> None:
    bad = {**ROUTE, "spec": {"parentRefs": [{"port": 1}]}}
    doc = {
        "apiVersion": "v1",
        "kind": "List",
        "items": [GATEWAY, {"kind": "List", "apiVersion": "v1", "items": [7, bad]}],
    }
    assert problems_of([ROUTE | {"metadata": {"name": "other"}}, doc]) == [
        "document 1, items[1].items[0]: expected an object (a manifest), got an integer (7)",
        "document 1, items[1].items[1], HTTPRoute app/shop: spec.parentRefs[0].name: field required",
    ]


def test_duplicate_objects_are_an_error() -> None:
    assert problems_of([ROUTE, GATEWAY, ROUTE]) == [
        "document 2, HTTPRoute app/shop: duplicate object (also in document 0)"
    ]


def test_one_thousand_documents_three_broken() -> None:
    docs: list[Any] = []
    for i in range(1000):
        doc = json.loads(json.dumps(ROUTE))
        doc["metadata"]["name"] = f"r{i}"
        docs.append(doc)
    docs[17]["spec"]["parentRefs"][0]["port"] = "x"
    docs[500]["metadata"]["labels"] = ["a"]
    docs[999] = "not a manifest"
    with pytest.raises(ManifestError) as info:
        Snapshot.from_manifests(docs)
    assert [p.index for p in info.value.problems] == [17, 500, 999]
    text = str(info.value)
    assert text.startswith("3 invalid documents:")
    assert "document 17, HTTPRoute app/r17: spec.parentRefs[0].port" in text
    assert (
        "document 500, HTTPRoute app/r500: metadata.labels: expected an object (a map), got a list"
        in text
    )
    assert "document 999: expected an object (a manifest), got a string ('not a manifest')" in text


def test_manifest_error_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="field required"):
        Snapshot.from_manifests([{**ROUTE, "metadata": {}}])


def test_broken_yaml_names_the_document() -> None:
    text = YAML_TWO + "apiVersion: v1\nkind: [unclosed\n"
    [problem] = problems_of(text)
    assert problem.startswith("document 2: invalid YAML:")


def test_broken_json() -> None:
    [problem] = problems_of('{"apiVersion": ')
    assert problem.startswith("document 0: invalid JSON:")


def test_yaml_timestamps_stay_strings() -> None:
    text = YAML_TWO.replace("name: shop,", "name: shop, creationTimestamp: 2025-01-01T00:00:00Z,")
    route = Snapshot.from_manifests(text).routes[0]
    assert route.metadata.creation_timestamp == "2025-01-01T00:00:00Z"


def test_datetime_from_callers_own_yaml_loader_is_accepted() -> None:
    import datetime

    doc = json.loads(json.dumps(ROUTE))
    doc["metadata"]["creationTimestamp"] = datetime.datetime(
        2025, 1, 1, tzinfo=datetime.timezone.utc
    )
    route = Snapshot.from_manifests([doc]).routes[0]
    assert route.metadata.creation_timestamp == "2025-01-01T00:00:00Z"


def test_yaml_without_pyyaml_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "yaml", None)
    _loader.cache_clear()
    try:
        with pytest.raises(ImportError, match=r"gatewaydns\[yaml\]"):
            Snapshot.from_manifests(YAML_TWO)
        # JSON still works without PyYAML
        assert names(Snapshot.from_manifests(json.dumps([GATEWAY, ROUTE]))) == [
            "Gateway/gw",
            "HTTPRoute/shop",
        ]
    finally:
        _loader.cache_clear()


def test_from_objects_rejects_foreign_types() -> None:
    with pytest.raises(TypeError, match="not a Gateway API object"):
        Snapshot.from_objects([object()])  # type: ignore[list-item]


def test_public_models_accept_raw_manifests() -> None:
    route = gatewaydns.HTTPRoute.model_validate(ROUTE)
    assert route.spec_hostnames == ("shop.example.com",)


def test_the_callers_documents_are_left_as_they_were() -> None:
    # text is parsed by the loader, which drops List items once loaded (#17); what the caller
    # passed as dicts stays untouched
    nested = {"apiVersion": "v1", "kind": "List", "items": [ROUTE]}
    doc = {"apiVersion": "v1", "kind": "List", "items": [GATEWAY, nested]}
    before = json.dumps(doc)
    Snapshot.from_manifests(doc)
    Snapshot.from_manifests([doc])
    assert json.dumps(doc) == before


def test_bad_items_of_a_parsed_list_are_reported_after_earlier_ones_were_dropped() -> None:
    bad = {**ROUTE, "metadata": {"name": "bad", "namespace": "app", "generation": "1"}}
    text = json.dumps({"apiVersion": "v1", "kind": "List", "items": [GATEWAY, ROUTE, bad]})
    assert problems_of(text) == [
        "document 0, items[2], HTTPRoute app/bad: metadata.generation: expected an integer, "
        "got a string ('1')"
    ]
    dup = json.dumps([GATEWAY, ROUTE, ROUTE])
    assert problems_of(dup) == [
        "document 2, HTTPRoute app/shop: duplicate object (also in document 1)"
    ]
