"""SourceConfig: every field optional, bad values are errors naming the field."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from pydantic import ValidationError

from gatewaydns import SelectorSyntaxError, SourceConfig

from .helpers import compute, gateway, route


def test_defaults_match_spec_section_12() -> None:
    cfg = SourceConfig()
    assert cfg.model_dump() == {
        "namespace": None,
        "label_selector": None,
        "annotation_selector": None,
        "gateway_name": None,
        "gateway_namespace": None,
        "gateway_label_selector": None,
        "ignore_hostname_annotation": False,
        "fqdn_template": None,
        "combine_fqdn": False,
        "listener_sets": False,
        "annotation_prefix": "external-dns.kubernetes.io/",
        "generation_policy": "strict",
        "missing_observed_generation": "trust",
        "conflict_policy": "report",
        "route_targets": False,
        "inherit_gateway_annotations": False,
        "listener_hostname_fallback": True,
        "hold_on_address_loss": True,
        # beyond SPEC section 12 (issue 13): external-dns's target filters and --min-ttl
        "target_net_filter": (),
        "exclude_target_net": (),
        "min_ttl": 0,
    }


@pytest.mark.parametrize(
    ("kwargs", "field", "message"),
    [
        pytest.param(
            {"generation_policy": "lax"},
            "generation_policy",
            "'strict', 'latest' or 'off'",
            id="policy",
        ),
        pytest.param(
            {"missing_observed_generation": "maybe"},
            "missing_observed_generation",
            "'trust' or 'reject'",
            id="missing",
        ),
        pytest.param(
            {"conflict_policy": "newest-wins"},
            "conflict_policy",
            "'report' or 'oldest-wins'",
            id="conflict",
        ),
        pytest.param(
            {"label_selector": "a in (b"}, "label_selector", "position 7", id="label-selector"
        ),
        pytest.param(
            {"annotation_selector": "=x"},
            "annotation_selector",
            "position 0",
            id="annotation-selector",
        ),
        pytest.param(
            {"gateway_label_selector": "a b"},
            "gateway_label_selector",
            "position 2",
            id="gateway-selector",
        ),
        pytest.param(
            {"annotation_prefix": "example.com"},
            "annotation_prefix",
            "must end with '/'",
            id="prefix",
        ),
        pytest.param({"bogus": 1}, "bogus", "Extra inputs are not permitted", id="unknown-field"),
    ],
)
def test_bad_values_name_the_field(kwargs: dict[str, Any], field: str, message: str) -> None:
    with pytest.raises(ValidationError) as info:
        SourceConfig(**kwargs)
    [error] = info.value.errors()
    assert error["loc"] == (field,)
    assert message in str(info.value)


def test_selector_errors_keep_their_caret() -> None:
    with pytest.raises(ValidationError) as info:
        SourceConfig(label_selector="app=web,")
    cause = info.value.errors()[0]["ctx"]["error"]
    assert isinstance(cause, SelectorSyntaxError)
    assert cause.position == 8


def test_config_is_frozen() -> None:
    cfg = SourceConfig()
    with pytest.raises(ValidationError):
        cfg.namespace = "x"  # type: ignore[misc]


def test_diagnostics_are_mirrored_to_logging_at_debug(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG, logger="gatewaydns"):
        compute([gateway(), route(hostnames=["a.example.com"], status=[])], namespace="other")
    assert any(
        "[route-filtered]" in r.getMessage() and r.levelno == logging.DEBUG for r in caplog.records
    )
