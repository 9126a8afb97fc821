"""Endpoint serialises to exactly external-dns's Endpoint JSON, and loads it back."""

from __future__ import annotations

from typing import Any

import pytest

from gatewaydns import Diagnostic, Endpoint, ProviderSpecificProperty
from gatewaydns._diagnostics import REASONS, make_diagnostic
from gatewaydns._endpoint import endpoint_sort_key
from gatewaydns._plan import normalize_endpoint


@pytest.mark.parametrize(
    ("endpoint", "json_"),
    [
        pytest.param(
            Endpoint(dns_name="a.example.com", targets=("192.0.2.1",), record_type="A"),
            {"dnsName": "a.example.com", "targets": ["192.0.2.1"], "recordType": "A"},
            id="minimal-omits-empty",
        ),
        pytest.param(
            Endpoint(
                dns_name="a.example.com",
                targets=("lb.example.net",),
                record_type="CNAME",
                set_identifier="eu",
                record_ttl=300,
                labels={"resource": "httproute/app/shop"},
                provider_specific=(ProviderSpecificProperty(name="alias", value="true"),),
            ),
            {
                "dnsName": "a.example.com",
                "targets": ["lb.example.net"],
                "recordType": "CNAME",
                "setIdentifier": "eu",
                "recordTTL": 300,
                "labels": {"resource": "httproute/app/shop"},
                "providerSpecific": [{"name": "alias", "value": "true"}],
            },
            id="full",
        ),
    ],
)
def test_external_dns_json(endpoint: Endpoint, json_: dict[str, Any]) -> None:
    assert endpoint.model_dump(mode="json", by_alias=True, exclude_defaults=True) == json_
    assert endpoint.to_json() == json_
    assert Endpoint.model_validate(json_) == endpoint


def test_endpoint_rejects_unknown_keys() -> None:
    with pytest.raises(ValueError, match="extra"):
        Endpoint.model_validate({"dnsName": "a", "recordTtl": 5})


def test_sort_key_orders_by_name_then_type() -> None:
    eps = [
        Endpoint(dns_name="b.example.com", targets=("1.1.1.1",), record_type="A"),
        Endpoint(dns_name="a.example.com", targets=("::1",), record_type="AAAA"),
        Endpoint(dns_name="a.example.com", targets=("1.1.1.1",), record_type="A"),
    ]
    assert [(e.dns_name, e.record_type) for e in sorted(eps, key=endpoint_sort_key)] == [
        ("a.example.com", "A"),
        ("a.example.com", "AAAA"),
        ("b.example.com", "A"),
    ]


@pytest.mark.parametrize("reason", sorted(REASONS))
def test_diagnostic_severity_comes_from_the_table(reason: Any) -> None:
    diag = make_diagnostic(reason, "HTTPRoute", "app", "shop", "why")
    assert diag.severity == REASONS[reason][0]
    assert diag.object == "HTTPRoute app/shop"
    assert str(diag) == f"{diag.severity}: HTTPRoute app/shop: [{reason}] why"


def test_diagnostic_is_data() -> None:
    diag = make_diagnostic("held", "HTTPRoute", "app", "shop", "m", parent="Gateway infra/gw")
    again = Diagnostic.model_validate(diag.model_dump(mode="json"))
    assert again == diag


def test_trusted_constructor_equals_validated() -> None:
    ps = (ProviderSpecificProperty(name="alias", value="true"),)
    fast = Endpoint.trusted("a.example.com", ("192.0.2.1",), "A", "eu", 60, {"resource": "r"}, ps)
    slow = Endpoint(
        dns_name="a.example.com",
        targets=("192.0.2.1",),
        record_type="A",
        set_identifier="eu",
        record_ttl=60,
        labels={"resource": "r"},
        provider_specific=ps,
    )
    assert fast == slow
    assert fast.to_json() == slow.to_json()
    assert fast.model_copy(update={"targets": ("x",)}).targets == ("x",)
    assert repr(fast) == repr(slow)
    assert hash(fast) == hash(slow)


def test_copies_of_trusted_values_leave_the_others_alone() -> None:
    # trusted endpoints and diagnostics share one fields-set (#17): a copy gets its own
    a = Endpoint.trusted("a.example.com", ("192.0.2.1",), "A", "", 0, {}, ())
    b = Endpoint.trusted("b.example.com", ("192.0.2.2",), "A", "", 0, {}, ())
    a.model_copy(update={"targets": ("x",)})
    assert b.model_fields_set == set(Endpoint.model_fields)
    diag = make_diagnostic("held", "HTTPRoute", "app", "shop", "m")
    other = make_diagnostic("held", "HTTPRoute", "app", "other", "m")
    assert diag.model_copy(update={"parent": "p"}).parent == "p"
    assert other.model_fields_set == set(Diagnostic.model_fields)
    assert other == Diagnostic.model_validate(other.model_dump())


LABELLED = Endpoint(
    dns_name="a.example.com",
    targets=("192.0.2.1",),
    record_type="A",
    labels={"resource": "httproute/app/shop"},
)


def test_endpoint_is_hashable_and_equal_endpoints_hash_alike() -> None:
    twin = Endpoint.model_validate(LABELLED.to_json())
    assert twin == LABELLED
    assert {LABELLED, twin} == {LABELLED}
    other = LABELLED.model_copy(update={"labels": {"resource": "httproute/app/other"}})
    assert len({LABELLED, other}) == 2


@pytest.mark.parametrize(
    "mutate",
    [
        pytest.param(lambda ep: ep.labels.__setitem__("x", "y"), id="set-item"),
        pytest.param(lambda ep: ep.labels.pop("resource"), id="pop"),
        pytest.param(lambda ep: ep.labels.clear(), id="clear"),
        pytest.param(lambda ep: ep.labels.update({"x": "y"}), id="update"),
        pytest.param(lambda ep: setattr(ep, "labels", {}), id="assign"),
    ],
)
def test_endpoint_labels_cannot_change(mutate: Any) -> None:
    with pytest.raises((TypeError, AttributeError, ValueError)):
        mutate(LABELLED)
    assert LABELLED.labels == {"resource": "httproute/app/shop"}


@pytest.mark.parametrize(
    "copy",
    [
        pytest.param(lambda ep: ep.model_copy(update={"labels": {"a": "b"}}), id="model-copy"),
        pytest.param(lambda ep: Endpoint.model_validate(ep.model_dump()), id="python-dump"),
        pytest.param(lambda ep: Endpoint.model_validate_json(ep.model_dump_json()), id="json"),
        pytest.param(
            lambda ep: Endpoint.trusted("a", (), "A", "", 0, {"a": "b"}, ()), id="trusted"
        ),
    ],
)
def test_every_way_of_making_an_endpoint_freezes_its_labels(copy: Any) -> None:
    made = copy(LABELLED)
    with pytest.raises(TypeError):
        made.labels["x"] = "y"
    hash(made)


def test_labels_dump_as_a_plain_dict_losslessly() -> None:
    dumped = LABELLED.model_dump()
    assert type(dumped["labels"]) is dict
    assert dumped["labels"] == {"resource": "httproute/app/shop"}
    assert Endpoint.model_validate(dumped) == LABELLED
    assert LABELLED.to_json()["labels"] == {"resource": "httproute/app/shop"}
    assert type(LABELLED.to_json()["labels"]) is dict
    assert Endpoint(dns_name="a").to_json() == {"dnsName": "a"}  # empty labels are omitted
    assert repr(LABELLED.labels) == "{'resource': 'httproute/app/shop'}"


def test_record_key_compares_names_and_types_as_dns_does() -> None:
    a = Endpoint(dns_name="Shop.Example.com.", targets=("192.0.2.1",), record_type="a")
    b = Endpoint(dns_name="shop.example.com", targets=("192.0.2.2",), record_type="A")
    other_set = b.model_copy(update={"set_identifier": "eu"})
    assert a.key == b.key == ("shop.example.com", "A", "")
    assert other_set.key != b.key


def test_normalize_endpoint_gives_the_canonical_type_too() -> None:
    raw = Endpoint(dns_name="WWW.example.com.", targets=("LB.example.net.",), record_type="cname")
    assert normalize_endpoint(raw) == Endpoint(
        dns_name="www.example.com", targets=("lb.example.net",), record_type="CNAME"
    )
