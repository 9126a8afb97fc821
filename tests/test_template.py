"""The CLI's FQDN template language."""

from __future__ import annotations

import pytest

from gatewaydns import ConfigError, HTTPRoute, TCPRoute
from gatewaydns._template import compile_fqdn_template

ROUTE = HTTPRoute.model_validate(
    {
        "apiVersion": "gateway.networking.k8s.io/v1",
        "kind": "HTTPRoute",
        "metadata": {
            "name": "shop",
            "namespace": "app",
            "labels": {"team": "a"},
            "annotations": {"zone": "eu"},
        },
        "spec": {"hostnames": ["shop.example.com", "www.example.com"]},
    }
)


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("{name}.{namespace}.example.com", ["shop.app.example.com"]),
        ("{ name }.{kind}.example.com", ["shop.httproute.example.com"]),
        ("{label:team}.apps.example.com", ["a.apps.example.com"]),
        ("{annotation:zone}.example.com", ["eu.example.com"]),
        ("{hostname}.internal", ["shop.example.com.internal", "www.example.com.internal"]),
        ("{name}.a.com, {name}.b.com", ["shop.a.com", "shop.b.com"]),
        ("{label:missing}.example.com", []),
        ("{{{name}}}", ["{shop}"]),
    ],
)
def test_render(template: str, expected: list[str]) -> None:
    assert compile_fqdn_template(template)(ROUTE) == expected


def test_hostname_placeholder_on_tcp_route_produces_nothing() -> None:
    route = TCPRoute.model_validate(
        {
            "apiVersion": "gateway.networking.k8s.io/v1",
            "kind": "TCPRoute",
            "metadata": {"name": "db"},
        }
    )
    assert compile_fqdn_template("{hostname}.x")(route) == []


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("{nme}", "unknown placeholder"),
        ("{label:}", "unknown placeholder"),
        ("a}b", "unmatched"),
        (" , ", "empty"),
        ("{__class__}", "unknown placeholder"),
    ],
)
def test_errors(template: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        compile_fqdn_template(template)
