"""Endpoint serialises to exactly external-dns's Endpoint JSON, and loads it back."""

from __future__ import annotations

from typing import Any

import pytest

from gatewaydns import Diagnostic, Endpoint, ProviderSpecificProperty
from gatewaydns._diagnostics import REASONS, make_diagnostic
from gatewaydns._endpoint import endpoint_sort_key


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
