"""The public namespace: every SPEC section 12 name importable, ``__all__`` complete."""

from __future__ import annotations

import inspect

import gatewaydns

SPEC_NAMES = [
    "Snapshot",
    "SourceConfig",
    "compute_endpoints",
    "Gateway",
    "ListenerSet",
    "HTTPRoute",
    "GRPCRoute",
    "TLSRoute",
    "TCPRoute",
    "UDPRoute",
    "Namespace",
    "Endpoint",
    "Diagnostic",
    "ManifestError",
    "ObjectMeta",
    "Condition",
    "LabelSelector",
    "ParentReference",
    "RouteParentStatus",
]


def test_spec_names_are_exported() -> None:
    for name in SPEC_NAMES:
        assert name in gatewaydns.__all__, name
        assert getattr(gatewaydns, name) is not None


def test_all_is_complete_and_sorted() -> None:
    public = {
        name
        for name, value in vars(gatewaydns).items()
        if not name.startswith("_") and getattr(value, "__module__", "").startswith("gatewaydns")
    }
    assert public <= set(gatewaydns.__all__)
    assert list(gatewaydns.__all__) == sorted(gatewaydns.__all__, key=lambda n: (n.upper() != n, n))
    for name in gatewaydns.__all__:
        assert hasattr(gatewaydns, name), name


def test_public_names_have_docstrings() -> None:
    for name in gatewaydns.__all__:
        value = getattr(gatewaydns, name)
        if inspect.isclass(value) or inspect.isfunction(value):
            assert value.__doc__, name


def test_manifest_error_is_value_error() -> None:
    assert issubclass(gatewaydns.ManifestError, ValueError)
    assert issubclass(gatewaydns.ManifestError, gatewaydns.GatewayDNSError)


def test_models_module_holds_every_resource_model() -> None:
    from gatewaydns import _gateway, _meta, _routes, models
    from gatewaydns._base import KubeModel

    defined = {
        name
        for module in (_gateway, _meta, _routes)
        for name, value in vars(module).items()
        if inspect.isclass(value)
        and issubclass(value, KubeModel)
        and value.__module__ == module.__name__
        and not name.startswith("_")
    }
    assert defined <= set(models.__all__)
    assert list(models.__all__) == sorted(models.__all__)
    for name in models.__all__:
        value = getattr(models, name)
        assert getattr(gatewaydns, name, value) is value, name  # one class, wherever imported
        if inspect.isclass(value):
            assert value.__doc__, name
