"""JSON text loaded by pydantic-core alone, a List item by item (#17): the same snapshot as
the general loader gives, and every text it cannot vouch for left to the general loader, which
reports its problems."""

from __future__ import annotations

import json
import random
from typing import Any
from unittest import mock

import pytest
from benchmarks.generate import manifest_text
from hypothesis import given, settings
from hypothesis import strategies as st

from gatewaydns import ManifestError, Snapshot
from gatewaydns import _snapshot as snapshot_module
from gatewaydns._fastload import (
    _MAX_EXTENSIONS,
    _WHOLE,
    _before_space,
    _load_items,
    load_json_fast,
)
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


# -- a List validated item by item -------------------------------------------------------------

_KUBECTL = {"indent": 4}  # kubectl get -o json
_FORMATS = [
    pytest.param({}, id="json.dumps"),
    pytest.param(_KUBECTL, id="kubectl"),
    pytest.param({"separators": (",", ":")}, id="compact"),
    pytest.param({"indent": "\t", "separators": (" , ", " : ")}, id="spaced"),
]


def _owned(name: str, *, entries: int, note: str = "") -> dict[str, Any]:
    """A route whose metadata holds objects that start with ``apiVersion``, as the API writes
    ``managedFields`` and ``ownerReferences``: each one a false cut inside the route."""
    doc = route(name, hostnames=[f"{name}.example.com"])
    meta = doc["metadata"]
    meta["managedFields"] = [
        {"apiVersion": "gateway.networking.k8s.io/v1", "manager": f"m{i}", "operation": "Update"}
        for i in range(entries)
    ]
    meta["ownerReferences"] = [
        {"apiVersion": "v1", "kind": "ConfigMap", "name": f"o{i}", "uid": str(i)}
        for i in range(entries)
    ]
    if note:
        meta["annotations"] = {"note": note}
    return doc


@pytest.mark.parametrize("dumps", _FORMATS)
def test_a_list_is_loaded_item_by_item_in_every_layout(dumps: dict[str, Any]) -> None:
    docs = [*_docs(), _owned("owned", entries=3)]
    text = json.dumps(_list(*docs), **dumps)
    loaded = _load_items(text, BIG)
    assert isinstance(loaded, list)  # split into items, not validated whole
    assert Snapshot.from_manifests(text) == Snapshot.from_manifests(docs)


@pytest.mark.parametrize(
    "note",
    [
        pytest.param('}, {"apiVersion": "v1"}', id="a-cut-in-a-string"),
        pytest.param('{{{ "items": [ }}}', id="braces"),
        pytest.param('\\"}, {\\"apiVersion\\": ', id="escaped-quotes"),
        pytest.param("\\\\", id="a-backslash-before-the-closing-quote"),
    ],
)
def test_separators_inside_strings_do_not_split_an_item(note: str) -> None:
    docs = [_owned("a", entries=2, note=note), route("b")]
    text = json.dumps(_list(*docs))
    assert isinstance(_load_items(text, BIG), list)
    assert Snapshot.from_manifests(text) == Snapshot.from_manifests(docs)


def test_an_item_with_too_many_false_cuts_is_validated_with_the_whole_text() -> None:
    docs = [route("a"), _owned("b", entries=_MAX_EXTENSIONS + 1)]
    text = json.dumps(_list(*docs))
    assert _load_items(text, BIG) is _WHOLE
    assert load_json_fast(text, BIG) is not None
    assert Snapshot.from_manifests(text) == Snapshot.from_manifests(docs)


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(
            '{"kind": "List", "metadata": {"items": [{"a": 1}]}, "items": [%s, %s]}',
            id="an-items-key-before-the-items",
        ),
        pytest.param(
            '{"kind": "List", "items": [%s, %s], "metadata": {"x": [{}], "y": []}}',
            id="arrays-after-the-items",
        ),
        pytest.param(
            '{"kind": "List", "x": "\\u0000gatewaydns items\\u0000", "items": [%s, %s]}',
            id="the-marker-in-the-list",
        ),
        pytest.param('{"kind": "List", "items": [%s, %s], "items": []}', id="items-twice"),
        pytest.param('{"kind": "List", "kind": "List", "items": [%s, %s]}', id="kind-twice"),
        pytest.param('{"kind": "List", "items": [%s\u00a0, %s]}', id="not-json-whitespace"),
        pytest.param('{"kind": "List", "items": [%s, %s]} {}', id="text-after-the-list"),
        pytest.param('{"kind": "List", "items": [%s, %s]', id="unclosed"),
        pytest.param('{"kind": "List", "items": [%s, %s,]}', id="trailing-comma"),
        pytest.param('{"kind": "List", "items": [%s %s]}', id="no-comma"),
    ],
)
def test_whatever_the_split_cannot_prove_is_judged_as_the_general_loader_judges_it(
    text: str,
) -> None:
    first, second = (json.dumps(route(name)) for name in ("a", "b"))
    text %= (first, second)
    with mock.patch.object(snapshot_module, "load_json_fast", return_value=None):
        expected = _outcome(text)
    assert _outcome(text) == expected


def _outcome(text: str) -> Snapshot | str:
    try:
        return Snapshot.from_manifests(text)
    except ManifestError as exc:
        return str(exc)


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param('"name": "shadowed"', id="duplicate-field"),
        pytest.param('"x-big": 9223372036854775808', id="integer-outside-64-bits"),
    ],
)
def test_hostile_items_of_a_list_are_left_to_the_general_loader(raw: str) -> None:
    hostile = _with(route("b"), raw)
    text = json.dumps(_list(route("a"))).replace("}]}", "}, " + hostile + "]}")
    assert _load_items(text, BIG) is None
    assert load_json_fast(text, BIG) is None
    with pytest.raises(ManifestError):
        Snapshot.from_manifests(text)


_LAYOUT = st.fixed_dictionaries(
    {},
    optional={
        "indent": st.sampled_from([0, 1, 4, "\t"]),
        "separators": st.sampled_from([(",", ":"), (", ", ": "), (" ,\n", " :  ")]),
    },
)


@given(
    st.lists(
        st.tuples(st.integers(0, 3), st.sampled_from(["", "}, {", '"}, {"apiVersion": 1}'])),
        max_size=6,
    ),
    _LAYOUT,
)
@settings(max_examples=60, deadline=None)
def test_any_layout_and_any_false_cuts_load_as_the_general_loader_loads_them(
    shapes: list[tuple[int, str]], layout: dict[str, Any]
) -> None:
    docs = [_owned(f"r{i}", entries=entries, note=note) for i, (entries, note) in enumerate(shapes)]
    text = json.dumps(_list(*docs), **layout)
    assert load_json_fast(text, BIG) is not None
    assert Snapshot.from_manifests(text) == Snapshot.from_manifests(docs)


@pytest.mark.parametrize("spaces", [0, 1, 63, 64, 65, 200, 5000])
def test_whitespace_before_the_closing_bracket_is_skipped(spaces: int) -> None:
    docs = [route("a"), route("b")]
    text = json.dumps(_list(*docs)).replace("}]", "}" + " \n\t\r" * spaces + "]")
    assert isinstance(_load_items(text, BIG), list)
    assert Snapshot.from_manifests(text) == Snapshot.from_manifests(docs)


@pytest.mark.parametrize(
    ("text", "start", "end", "expected"),
    [
        ("ab  ", 0, 4, 2),
        (" " * 300, 0, 300, 0),
        ("x" + " " * 300, 1, 301, 1),
        ("x" + " " * 300 + "y", 0, 301, 1),
        ("}" + "\n" * 1000 + "]", 0, 1001, 1),
    ],
)
def test_the_end_of_the_items_is_found_past_any_whitespace(
    text: str, start: int, end: int, expected: int
) -> None:
    assert _before_space(text, start, end) == expected
