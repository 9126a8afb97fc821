"""JSON text loaded in one validation pass (#17): the same snapshot as the general loader gives,
and every text it cannot vouch for left to the general loader, which reports its problems."""

from __future__ import annotations

import json
import random
from typing import Any

import pytest
from benchmarks.generate import manifest_text
from hypothesis import given, settings
from hypothesis import strategies as st

from gatewaydns import ManifestError, Snapshot
from gatewaydns._fastload import load_json_fast
from gatewaydns._snapshot import DEFAULT_LIMITS

from .helpers import gateway, listener, namespace, route

BIG = DEFAULT_LIMITS.max_documents


def _list(*items: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "List",
        "metadata": {"resourceVersion": ""},
        "items": [*items],
    }


def _docs() -> list[dict[str, Any]]:
    return [
        gateway(listeners=[listener(hostname="*.example.com")], addresses=["192.0.2.1"]),
        route("a", hostnames=["a.example.com"]),
        route("b", hostnames=["b.example.com"], namespace="other"),
        namespace("app", labels={"team": "a"}),
    ]


def _general(text: str) -> Snapshot:
    """What the general loader makes of the same documents (from dicts: never the fast path)."""
    value = json.loads(text)
    docs = value if isinstance(value, list) else [value]
    items = [i for d in docs for i in (d["items"] if d.get("kind") == "List" else [d])]
    return Snapshot.from_manifests(items)


@pytest.mark.parametrize("routes", [0, 1, 50, 300])
def test_a_generated_cluster_loads_as_the_general_loader_loads_it(routes: int) -> None:
    text = manifest_text(routes)
    assert load_json_fast(text, BIG) is not None  # the fast path took it
    fast = Snapshot.from_manifests(text)
    assert fast == _general(text)
    assert fast == Snapshot.from_manifests(text.encode())
    for obj in (*fast.gateways, *fast.routes, *fast.listener_sets, *fast.namespaces):
        dumped = obj.model_dump(mode="json", by_alias=True, exclude_unset=True)
        assert type(obj).model_validate(dumped) == obj


@given(st.randoms(use_true_random=False), st.sampled_from(["list", "array", "lists"]))
@settings(max_examples=25, deadline=None)
def test_any_order_and_any_wrapping_gives_the_same_snapshot(rng: random.Random, shape: str) -> None:
    docs = _docs()
    rng.shuffle(docs)
    if shape == "list":
        text = json.dumps(_list(*docs))
    elif shape == "array":
        text = json.dumps(docs)
    else:
        text = json.dumps([_list(*docs[:2]), _list(*docs[2:])])
    assert load_json_fast(text, BIG) is not None
    assert Snapshot.from_manifests(text) == Snapshot.from_manifests(docs)


def test_one_object_is_loaded() -> None:
    text = json.dumps(route("a", hostnames=["a.example.com"]))
    loaded = load_json_fast(text, BIG)
    assert loaded is not None
    assert [r.name for r in Snapshot.from_manifests(text).routes] == ["a"]


def _with(doc: dict[str, Any], raw: str) -> str:
    """``doc`` as JSON with ``raw`` spliced in as the first member of its metadata."""
    text = json.dumps(doc)
    return text.replace('"metadata": {', '"metadata": {' + raw + ", ", 1)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param(
            _with(route("a", hostnames=["a.example.com"]), '"name": "shadowed"'),
            "duplicate key",
            id="duplicate-field",
        ),
        pytest.param(
            _with(route("a", hostnames=["a.example.com"]), '"x-extra": 1, "x-extra": 2'),
            "duplicate key",
            id="duplicate-extra",
        ),
        pytest.param(
            _with(route("a", hostnames=["a.example.com"]), '"x-big": 9223372036854775808'),
            "64-bit",
            id="integer-outside-64-bits",
        ),
        *(
            pytest.param(
                _with(route("a"), f'"x{escape}": 1, "x-dup": 1, "x-dup": 2'),
                "duplicate key",
                id=f"colon-escape-{escape[-1]}-hides-a-duplicate",
            )
            for escape in ("\\u003a", "\\u003A")
        ),
    ],
)
def test_hostile_texts_are_left_to_the_general_loader(text: str, message: str) -> None:
    assert load_json_fast(text, BIG) is None
    with pytest.raises(ManifestError, match=message):
        Snapshot.from_manifests(text)


@pytest.mark.parametrize(
    "doc",
    [
        pytest.param(
            _list(route("a"), {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}}),
            id="other-kind",
        ),
        pytest.param(
            _list({**gateway(), "apiVersion": "networking.istio.io/v1"}), id="istio-gateway"
        ),
        pytest.param(_list(_list(route("a"))), id="nested-list"),
        pytest.param(
            {
                "apiVersion": "gateway.networking.k8s.io/v1",
                "kind": "HTTPRouteList",
                "items": [route("a")],
            },
            id="typed-list",
        ),
        pytest.param(_list(route("a"), None), id="null-item"),  # type: ignore[arg-type]
        pytest.param({"apiVersion": "v1", "kind": "List", "items": None}, id="null-items"),
        pytest.param({"apiVersion": "v1", "kind": "List"}, id="no-items"),
        pytest.param(_list({**route("a"), "kind": {"a": 1}}), id="kind-not-a-string"),
        pytest.param(_list({**route("a"), "kind": None}), id="kind-null"),
    ],
)
def test_documents_it_does_not_read_are_left_to_the_general_loader(doc: dict[str, Any]) -> None:
    text = json.dumps(doc)
    assert load_json_fast(text, BIG) is None
    try:
        expected: Snapshot | str = _general_or_error(doc)
    except ManifestError as exc:
        expected = str(exc)
    try:
        got: Snapshot | str = Snapshot.from_manifests(text)
    except ManifestError as exc:
        got = str(exc)
    assert got == expected


def test_an_array_holding_anything_but_objects_is_left_to_the_general_loader() -> None:
    text = json.dumps([route("a"), 1])
    assert load_json_fast(text, BIG) is None
    with pytest.raises(ManifestError, match="got an integer"):
        Snapshot.from_manifests(text)


def _general_or_error(doc: dict[str, Any]) -> Snapshot:
    return Snapshot.from_manifests([doc])


def test_invalid_objects_duplicates_and_limits_are_reported_by_the_general_loader() -> None:
    bad = route("a", hostnames=["a.example.com"])
    bad["spec"]["parentRefs"][0]["port"] = "80"
    text = json.dumps(_list(bad))
    assert load_json_fast(text, BIG) is None
    with pytest.raises(ManifestError, match=r"spec\.parentRefs\[0\]\.port"):
        Snapshot.from_manifests(text)

    twice = json.dumps(_list(route("a"), route("a")))
    assert load_json_fast(twice, BIG) is None
    with pytest.raises(ManifestError, match="duplicate object"):
        Snapshot.from_manifests(twice)

    three = json.dumps(_list(route("a"), route("b"), route("c")))
    assert load_json_fast(three, 2) is None
    assert load_json_fast(three, 3) is not None
