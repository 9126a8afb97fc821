"""ListenerSet attachment (SPEC section 4 rule 7) and ListenerSet targets (section 7)."""

from __future__ import annotations

from typing import Any

import pytest

from .helpers import (
    P,
    accepted,
    compute,
    gateway,
    listener,
    listener_set,
    names,
    namespace,
    reasons,
    records,
    route,
)

LS_REF = [{"name": "ls", "namespace": "team", "kind": "ListenerSet"}]


def docs(
    gw: dict[str, Any] | None = None, ls: dict[str, Any] | None = None, *extra: dict[str, Any]
) -> list[dict[str, Any]]:
    gw = gw or gateway(allowed_listeners={"namespaces": {"from": "All"}})
    ls = ls or listener_set()
    r = route(
        "web", namespace="team", parents=LS_REF, status=[accepted("ls", "team", kind="ListenerSet")]
    )
    return [gw, ls, r, *extra]


@pytest.mark.parametrize(
    ("documents", "config", "expected", "reason"),
    [
        pytest.param(docs(), {"listener_sets": True}, ["web.example.com"], None, id="attached"),
        pytest.param(docs(), {}, [], "unsupported-parent", id="listener-sets-off"),
        pytest.param(
            docs(gateway()),
            {"listener_sets": True},
            [],
            "listenerset-not-attached",
            id="allowed-listeners-default-none",
        ),
        pytest.param(
            docs(gateway(allowed_listeners={"namespaces": {"from": "Same"}})),
            {"listener_sets": True},
            [],
            "listenerset-not-attached",
            id="same-other-namespace",
        ),
        pytest.param(
            docs(
                gateway(
                    allowed_listeners={
                        "namespaces": {
                            "from": "Selector",
                            "selector": {"matchLabels": {"ls": "ok"}},
                        }
                    }
                ),
                None,
                namespace("team", {"ls": "ok"}),
            ),
            {"listener_sets": True},
            ["web.example.com"],
            None,
            id="selector-match",
        ),
        pytest.param(
            docs(
                gateway(
                    allowed_listeners={
                        "namespaces": {
                            "from": "Selector",
                            "selector": {"matchLabels": {"ls": "ok"}},
                        }
                    }
                ),
                None,
                namespace("team"),
            ),
            {"listener_sets": True},
            [],
            "listenerset-not-attached",
            id="selector-mismatch",
        ),
        pytest.param(
            docs(None, listener_set(accepted_set=False)),
            {"listener_sets": True},
            [],
            "listenerset-not-attached",
            id="set-not-accepted",
        ),
        pytest.param(
            docs(None, listener_set(accepted_listeners=[])),
            {"listener_sets": True},
            [],
            "listener-not-accepted",
            id="listener-not-accepted",
        ),
        pytest.param(
            docs(None, listener_set(gateway_name="missing")),
            {"listener_sets": True},
            [],
            "listenerset-not-attached",
            id="gateway-missing",
        ),
        pytest.param(
            docs(),
            {"listener_sets": True, "gateway_namespace": "elsewhere"},
            [],
            "listenerset-not-attached",
            id="gateway-filtered-unattaches",
        ),
        pytest.param(
            docs(None, listener_set(annotations={"x": "1"})),
            {"listener_sets": True, "annotation_selector": "x"},
            [],
            "route-filtered",
            id="annotation-selector-applies",
        ),
        pytest.param(
            docs(None, listener_set(annotations={P + "controller": "other"})),
            {"listener_sets": True},
            [],
            "gateway-filtered",
            id="controller-annotation",
        ),
        pytest.param(
            docs(None, listener_set(listeners=[listener("web", hostname="web.example.com")])),
            {"listener_sets": True},
            ["web.example.com"],
            None,
            id="same-means-listenerset-namespace",
        ),
    ],
)
def test_attachment(documents: Any, config: Any, expected: list[str], reason: str | None) -> None:
    result = compute(documents, **config)
    assert names(result) == expected
    if reason:
        assert reason in reasons(result)


def test_listener_set_target_wins_then_gateway() -> None:
    gw = gateway(
        allowed_listeners={"namespaces": {"from": "All"}},
        annotations={P + "target": "198.51.100.1"},
    )
    assert records(compute(docs(gw), listener_sets=True)) == [
        ("web.example.com", "A", ("198.51.100.1",))
    ]
    own = listener_set(annotations={P + "target": "198.51.100.2"})
    assert records(compute(docs(gw, own), listener_sets=True)) == [
        ("web.example.com", "A", ("198.51.100.2",))
    ]
    plain = gateway(allowed_listeners={"namespaces": {"from": "All"}})
    assert records(compute(docs(plain), listener_sets=True)) == [
        ("web.example.com", "A", ("192.0.2.1",))
    ]


def test_gateway_name_filter_uses_the_listener_sets_gateway() -> None:
    assert names(compute(docs(), listener_sets=True, gateway_name="gw")) == ["web.example.com"]
    assert names(compute(docs(), listener_sets=True, gateway_name="other")) == []


def test_inherit_from_listener_set_before_gateway() -> None:
    gw = gateway(allowed_listeners={"namespaces": {"from": "All"}}, annotations={P + "ttl": "60"})
    ls = listener_set(annotations={P + "ttl": "30"})
    [ep] = compute(docs(gw, ls), listener_sets=True, inherit_gateway_annotations=True).endpoints
    assert ep.record_ttl == 30
