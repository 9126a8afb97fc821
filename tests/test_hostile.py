"""Hostile input: the loader raises only ManifestError, and bounds time and memory."""

from __future__ import annotations

import contextlib
import json
import tracemalloc
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gatewaydns import ManifestError, Snapshot
from gatewaydns._snapshot import LoadLimits

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=30,
)
kinds = st.sampled_from(
    [
        "Gateway",
        "HTTPRoute",
        "GRPCRoute",
        "TLSRoute",
        "TCPRoute",
        "UDPRoute",
        "ListenerSet",
        "Namespace",
        "List",
        "HTTPRouteList",
    ]
)
versions = st.sampled_from(
    [
        "gateway.networking.k8s.io/v1",
        "gateway.networking.k8s.io/v1alpha2",
        "v1",
        "gateway.networking.k8s.io/v9",
    ]
)
manifest_like = st.builds(
    lambda kind, version, meta, spec, status, items: {
        "kind": kind,
        "apiVersion": version,
        "metadata": meta,
        "spec": spec,
        "status": status,
        "items": items,
    },
    kinds,
    versions,
    json_values,
    json_values,
    json_values,
    json_values,
)
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def only_manifest_errors(docs: Any) -> None:
    with contextlib.suppress(ManifestError):
        Snapshot.from_manifests(docs)


@SETTINGS
@given(st.lists(json_values | manifest_like, max_size=5))
def test_arbitrary_json_values_raise_only_manifest_error(docs: list[Any]) -> None:
    only_manifest_errors(docs)
    only_manifest_errors(json.dumps(docs))


@SETTINGS
@given(st.text(max_size=300))
def test_arbitrary_text_raises_only_manifest_error(text: str) -> None:
    only_manifest_errors(text)


@SETTINGS
@given(st.binary(max_size=300))
def test_arbitrary_bytes_raise_only_manifest_error(data: bytes) -> None:
    only_manifest_errors(data)


BOMB = "\n".join(
    [
        'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
        *(f"{chr(98 + i)}: &{chr(98 + i)} [{','.join([f'*{chr(97 + i)}'] * 9)}]" for i in range(8)),
        "kind: HTTPRoute",
        "apiVersion: gateway.networking.k8s.io/v1",
        "metadata: {name: bomb}",
    ]
)


def test_yaml_alias_bomb_is_refused_in_bounded_memory() -> None:
    tracemalloc.start()
    with pytest.raises(ManifestError, match="alias bomb"):
        Snapshot.from_manifests(BOMB)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 20 * 2**20  # 9**9 nodes were never materialised


def test_modest_aliases_are_fine_and_the_limit_is_configurable() -> None:
    text = (
        "kind: Namespace\napiVersion: v1\nmetadata: {name: a, labels: &l {x: y}, annotations: *l}\n"
    )
    assert Snapshot.from_manifests(text).namespaces[0].metadata.annotations == {"x": "y"}
    with pytest.raises(ManifestError, match="max_yaml_nodes"):
        Snapshot.from_manifests(text, limits=LoadLimits(max_yaml_nodes=3))


@pytest.mark.parametrize(
    ("text", "limits", "message"),
    [
        pytest.param(
            '{"kind": "Namespace"}', LoadLimits(max_bytes=10), "max_bytes", id="oversized-text"
        ),
        pytest.param(
            b'{"kind": "Namespace"}', LoadLimits(max_bytes=10), "max_bytes", id="oversized-bytes"
        ),
        pytest.param(
            json.dumps(
                [
                    {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": f"n{i}"}}
                    for i in range(5)
                ]
            ),
            LoadLimits(max_documents=3),
            "max_documents",
            id="too-many-documents",
        ),
        pytest.param("[" * 100_000 + "]" * 100_000, None, "nested too deeply", id="deep-json"),
        pytest.param("a:\n" + "- " * 50_000 + "x", None, "invalid YAML", id="deep-yaml"),
        pytest.param(b"\xff\xfe\x00garbage", None, "not UTF-8", id="not-utf8"),
    ],
)
def test_limits_and_pathological_input(text: Any, limits: LoadLimits | None, message: str) -> None:
    with pytest.raises(ManifestError, match=message):
        Snapshot.from_manifests(text, limits=limits)


def test_deeply_nested_extras_in_a_valid_manifest() -> None:
    deep: Any = "x"
    for _ in range(5000):
        deep = {"a": deep}
    doc = {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {"name": "n"},
        "spec": {"deep": deep},
    }
    only_manifest_errors([doc])
