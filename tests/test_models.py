"""Table tests of the models: defaults, accessors, construction by attribute name."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from gatewaydns import (
    Condition,
    Gateway,
    GRPCRoute,
    HTTPRoute,
    Listener,
    ListenerSet,
    Namespace,
    ParentReference,
    RouteParentStatus,
    TCPRoute,
    TLSRoute,
    UDPRoute,
)


@pytest.mark.parametrize(
    ("ref", "route_ns", "identity"),
    [
        pytest.param(
            {"name": "gw"},
            "app",
            ("gateway.networking.k8s.io", "Gateway", "app", "gw"),
            id="defaults",
        ),
        pytest.param(
            {"name": "gw", "namespace": "infra"},
            "app",
            ("gateway.networking.k8s.io", "Gateway", "infra", "gw"),
            id="explicit-namespace",
        ),
        pytest.param(
            {"name": "svc", "group": "", "kind": "Service"},
            "app",
            ("", "Service", "app", "svc"),
            id="explicit-empty-group-is-core",
        ),
        pytest.param(
            {"name": "gw", "group": None, "kind": None},
            "app",
            ("gateway.networking.k8s.io", "Gateway", "app", "gw"),
            id="explicit-null-is-default",
        ),
        pytest.param(
            {"name": "ls", "kind": "ListenerSet"},
            "a",
            ("gateway.networking.k8s.io", "ListenerSet", "a", "ls"),
            id="listenerset",
        ),
    ],
)
def test_parent_reference_identity(
    ref: dict[str, Any], route_ns: str, identity: tuple[str, ...]
) -> None:
    assert ParentReference.model_validate(ref).identity(route_ns) == identity


def test_parent_reference_key_includes_section_and_port() -> None:
    ref = ParentReference.model_validate({"name": "gw", "sectionName": "https", "port": 443})
    assert ref.key("app") == ("gateway.networking.k8s.io", "Gateway", "app", "gw", "https", 443)


@pytest.mark.parametrize(
    ("conditions", "found"),
    [
        pytest.param([], None, id="empty"),
        pytest.param(
            [{"type": "ResolvedRefs", "status": "True"}, {"type": "Accepted", "status": "False"}],
            "False",
            id="not-first",
        ),
        pytest.param([{"type": "Accepted", "status": "True"}], "True", id="first"),
    ],
)
def test_condition_found_by_type(conditions: list[dict[str, str]], found: str | None) -> None:
    entry = RouteParentStatus.model_validate(
        {"parentRef": {"name": "gw"}, "conditions": conditions}
    )
    cond = entry.condition("Accepted")
    assert (cond.status if cond else None) == found


@pytest.mark.parametrize(
    ("model", "kind", "has_hostnames"),
    [
        (HTTPRoute, "HTTPRoute", True),
        (GRPCRoute, "GRPCRoute", True),
        (TLSRoute, "TLSRoute", True),
        (TCPRoute, "TCPRoute", False),
        (UDPRoute, "UDPRoute", False),
    ],
)
def test_route_kinds(model: Any, kind: str, has_hostnames: bool) -> None:
    doc = {
        "apiVersion": "gateway.networking.k8s.io/v1",
        "kind": kind,
        "metadata": {"name": "r", "namespace": "ns"},
        "spec": {"parentRefs": [{"name": "gw"}]},
    }
    if has_hostnames:
        doc["spec"]["hostnames"] = ["a.example.com"]
    route = model.model_validate(doc)
    assert route.resource == f"{kind.lower()}/ns/r"
    assert route.spec_hostnames == (("a.example.com",) if has_hostnames else ())
    assert [r.name for r in route.parent_refs] == ["gw"]
    assert route.parent_statuses == ()


def test_route_kind_must_match_model() -> None:
    with pytest.raises(ValidationError):
        HTTPRoute.model_validate(
            {
                "kind": "GRPCRoute",
                "apiVersion": "gateway.networking.k8s.io/v1",
                "metadata": {"name": "x"},
            }
        )


def test_models_construct_by_attribute_name() -> None:
    gw = Gateway(
        metadata={"name": "gw", "namespace": "infra"},
        spec={
            "gateway_class_name": "c",
            "listeners": [
                Listener(
                    name="h",
                    port=80,
                    protocol="HTTP",
                    allowed_routes={"namespaces": {"from_": "All"}},
                )
            ],
        },
    )
    assert gw.listeners[0].allowed_routes is not None
    assert gw.listeners[0].allowed_routes.namespaces is not None
    assert gw.listeners[0].allowed_routes.namespaces.from_ == "All"
    dumped = gw.model_dump(mode="json", by_alias=True, exclude_unset=True)
    assert dumped["spec"]["listeners"][0]["allowedRoutes"] == {"namespaces": {"from": "All"}}
    assert dumped["spec"]["gatewayClassName"] == "c"


def test_models_are_frozen() -> None:
    cond = Condition(type="Accepted", status="True")
    with pytest.raises(ValidationError):
        cond.status = "False"  # type: ignore[misc]


def test_crd_defaults_are_not_dumped() -> None:
    gw = Gateway.model_validate(
        {
            "apiVersion": "gateway.networking.k8s.io/v1",
            "kind": "Gateway",
            "metadata": {"name": "g"},
            "spec": {
                "listeners": [
                    {
                        "name": "h",
                        "port": 80,
                        "protocol": "HTTP",
                        "allowedRoutes": {"namespaces": {}},
                    }
                ]
            },
        }
    )
    ns = gw.listeners[0].allowed_routes.namespaces  # type: ignore[union-attr]
    assert ns is not None
    assert ns.from_ == "Same"
    assert gw.model_dump(mode="json", by_alias=True, exclude_unset=True)["spec"]["listeners"][0][
        "allowedRoutes"
    ] == {"namespaces": {}}


def test_listenerset_and_namespace() -> None:
    ls = ListenerSet.model_validate(
        {
            "apiVersion": "gateway.networking.k8s.io/v1",
            "kind": "ListenerSet",
            "metadata": {"name": "ls", "namespace": "t"},
            "spec": {
                "parentRef": {"name": "gw", "namespace": "infra"},
                "listeners": [{"name": "a", "port": 1, "protocol": "HTTP"}],
            },
        }
    )
    assert ls.spec.parent_ref.name == "gw"
    assert [entry.name for entry in ls.listeners] == ["a"]
    ns = Namespace.model_validate(
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "t", "labels": {"a": "b"}}}
    )
    assert ns.metadata.label_map == {"a": "b"}


def test_explicit_null_survives() -> None:
    doc = {
        "apiVersion": "gateway.networking.k8s.io/v1",
        "kind": "HTTPRoute",
        "metadata": {"name": "x", "labels": None},
        "spec": {"hostnames": None, "parentRefs": [{"name": "g", "sectionName": None}]},
    }
    route = HTTPRoute.model_validate(doc)
    assert route.spec_hostnames == ()
    assert route.model_dump(mode="json", by_alias=True, exclude_unset=True) == doc
