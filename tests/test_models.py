"""Table tests of the models: defaults, accessors, construction by attribute name."""

from __future__ import annotations

import pickle
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
    RouteKey,
    RouteParentStatus,
    TCPRoute,
    TLSRoute,
    UDPRoute,
)
from gatewaydns._base import KINDS_READ
from gatewaydns._snapshot import KINDS


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


@pytest.mark.parametrize(
    ("parent_ref", "gateway"),
    [
        pytest.param({"name": "gw"}, ("app", "gw"), id="defaults-own-namespace"),
        pytest.param({"name": "gw", "namespace": "infra"}, ("infra", "gw"), id="other-namespace"),
        pytest.param(
            {"name": "gw", "group": "gateway.networking.k8s.io", "kind": "Gateway"},
            ("app", "gw"),
            id="explicit-defaults",
        ),
        pytest.param({"name": "gw", "kind": "Service"}, None, id="not-a-gateway"),
        pytest.param({"name": "gw", "group": ""}, None, id="core-group"),
        pytest.param({"name": "gw", "group": None}, ("app", "gw"), id="null-group-is-default"),
    ],
)
def test_listener_set_gateway_key(
    parent_ref: dict[str, Any], gateway: tuple[str, str] | None
) -> None:
    ls = ListenerSet.model_validate(
        {
            "apiVersion": "gateway.networking.k8s.io/v1",
            "kind": "ListenerSet",
            "metadata": {"name": "ls", "namespace": "app"},
            "spec": {"parentRef": parent_ref, "listeners": []},
        }
    )
    assert ls.gateway_key() == gateway


@pytest.mark.parametrize(
    ("key", "parsed"),
    [
        pytest.param("httproute/app/shop", RouteKey("HTTPRoute", "app", "shop"), id="route"),
        pytest.param("GRPCRoute/app/shop", RouteKey("GRPCRoute", "app", "shop"), id="any-case"),
        pytest.param("thing/app/shop", RouteKey("thing", "app", "shop"), id="other-kind-kept"),
        pytest.param("httproute/app/a/b", RouteKey("HTTPRoute", "app", "a/b"), id="name-rest"),
        pytest.param("httproute/app", None, id="no-name"),
        pytest.param("httproute/app/", None, id="empty-name"),
        pytest.param("", None, id="empty"),
    ],
)
def test_route_key_parse(key: str, parsed: RouteKey | None) -> None:
    assert RouteKey.parse(key) == parsed


def test_route_key_round_trips_through_the_resource_label() -> None:
    route = HTTPRoute.model_validate(
        {
            "apiVersion": "gateway.networking.k8s.io/v1",
            "kind": "HTTPRoute",
            "metadata": {"name": "shop", "namespace": "app"},
        }
    )
    assert route.key == RouteKey("HTTPRoute", "app", "shop")
    assert route.resource == str(route.key) == "httproute/app/shop"
    assert RouteKey.parse(route.resource) == route.key


def test_api_versions_come_from_one_table() -> None:
    for kind, info in KINDS_READ.items():
        model = KINDS[(info.group, kind)]
        assert info.api_versions == model.API_VERSIONS
        assert model.model_fields["api_version"].default == info.api_versions[0]


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
    doc: dict[str, Any] = {
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
    # nested models may be given as dicts (by attribute name or key); mypy wants models
    gw = Gateway(
        metadata={"name": "gw", "namespace": "infra"},  # type: ignore[arg-type]
        spec={  # type: ignore[arg-type]
            "gateway_class_name": "c",
            "listeners": [
                Listener(
                    name="h",
                    port=80,
                    protocol="HTTP",
                    allowed_routes={"namespaces": {"from_": "All"}},  # type: ignore[arg-type]
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
    assert ns.metadata.labels == {"a": "b"}
    assert ns.namespace == ""  # cluster-scoped


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


def _ref_dump(ref: ParentReference) -> dict[str, Any]:
    return ref.model_dump(mode="json", by_alias=True, exclude_unset=True)


@pytest.mark.parametrize("deep", [False, True], ids=["shallow", "deep"])
def test_copies_do_not_change_other_models(deep: bool) -> None:
    # a copy that sets a field or adds an extra must not leak into the model it was copied
    # from, nor into other models validated from equal manifests
    a = ParentReference.model_validate({"name": "a"})
    b = ParentReference.model_validate({"name": "b"})
    changed = a.model_copy(update={"port": 443, "color": "blue"}, deep=deep)
    assert _ref_dump(changed) == {"name": "a", "port": 443, "color": "blue"}
    assert _ref_dump(a) == {"name": "a"}
    assert _ref_dump(b) == {"name": "b"}
    assert _ref_dump(ParentReference.model_validate({"name": "c"})) == {"name": "c"}
    assert ParentReference(name="d").model_extra == {}


def test_construction_keeps_its_own_fields_set() -> None:
    # model_construct with a caller's set: changing that set afterwards changes nothing
    mine = {"name"}
    ref = ParentReference.model_construct(mine, name="a")
    mine.add("port")
    assert ref.model_fields_set == {"name"}
    assert _ref_dump(ParentReference.model_validate({"name": "b"})) == {"name": "b"}


def test_fields_set_and_extras_are_answers_not_state() -> None:
    # models are views over their manifests (#17): what model_fields_set and model_extra
    # return is built on each call, so changing it changes no model
    ref = ParentReference.model_validate({"name": "a"})
    ref.model_fields_set.add("port")
    ref.model_extra["color"] = "blue"
    assert ref.model_fields_set == {"name"}
    assert ref.model_extra == {}
    assert _ref_dump(ref) == {"name": "a"}
    assert _ref_dump(ParentReference.model_validate({"name": "b"})) == {"name": "b"}
    assert pickle.loads(pickle.dumps(ref)) == ref


def test_fields_sets_with_unknown_keys_are_not_shared_so_the_table_stays_bounded() -> None:
    from gatewaydns import Snapshot
    from gatewaydns import _base as base

    docs = [
        {
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": {"name": f"ns{i}", f"x-unknown-{i}": i},
        }
        for i in range(300)
    ]
    before = len(base._FIELDS_SETS)
    snap = Snapshot.from_manifests(docs)
    assert len(base._FIELDS_SETS) - before <= 2  # not one per distinct unknown key
    for i, ns in enumerate(snap.namespaces):  # still lossless, each with its own key
        dumped = ns.model_dump(mode="json", by_alias=True, exclude_unset=True)
        assert dumped["metadata"] == {"name": f"ns{i}", f"x-unknown-{i}": i}
