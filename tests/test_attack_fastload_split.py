"""Attack on the split of a ``List`` into its items (#17, ``_fastload._load_items``).

``Snapshot.from_manifests(text)`` cuts a ``List``'s JSON text before every ``},`` +
``{"apiVersion":``, validates each piece on its own, extends a piece past a false cut, and
proves the split by parsing the ``List`` around the items with a marker in their place, twice,
with two different markers. Whatever
the text, it must give exactly what the general loader alone gives (the same snapshot or the
same ``ManifestError``), vouch only for JSON, and do work linear in the text.

Every test here compares both loaders with ``_agree`` (from the model-layer attack); where the
point is that the split itself was taken (not the whole-text pass, not the general loader),
``_path`` says so.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gatewaydns import _fastload as fastload_module
from gatewaydns._fastload import _MAX_EXTENSIONS, _WHOLE, _load_items, load_json_fast
from gatewaydns._snapshot import LoadLimits

from .helpers import G, gateway, listener, namespace, route
from .test_attack_models import _agree

BIG = LoadLimits().max_documents
A = json.dumps(route("a", hostnames=["a.example.com"]))
B = json.dumps(route("b", hostnames=["b.example.com"]))
C = json.dumps(route("c", hostnames=["c.example.com"]))
NS = json.dumps(namespace("x"))
HEAD = '{"apiVersion": "v1", "kind": "List", "items": ['
TAIL = "]}"


def _items(*items: str, head: str = HEAD, tail: str = TAIL, sep: str = ", ") -> str:
    """A ``List``'s text from its items' texts, spliced in as they are."""
    return head + sep.join(items) + tail


def _path(text: str, max_documents: int = BIG) -> str:
    """Which way the fast path went: ``split``, ``whole`` (one pass) or ``general``."""
    loaded = _load_items(text, max_documents)
    if loaded is _WHOLE:
        return "whole" if load_json_fast(text, max_documents) is not None else "general"
    return "split" if loaded is not None else "general"


def _check(text: str | bytes, limits: LoadLimits | None = None) -> tuple[str, Any]:
    """Both loaders agree on ``text``; what the fast path vouches for is JSON. The outcome."""
    outcome = _agree(text, limits)
    if isinstance(text, str) and text.lstrip()[:1] in ("{", "["):
        limit = (limits or LoadLimits()).max_documents
        if load_json_fast(text, limit) is not None:
            json.loads(text)  # raises if the fast path took a text that is not JSON
            assert outcome[0] == "ok"
    return outcome


def _owned(
    name: str, entries: int, *, note: str = "", at_end: bool = False, pad: int = 0
) -> dict[str, Any]:
    """A route holding ``entries`` objects that begin with ``apiVersion`` (false cuts), in its
    metadata (as ``ownerReferences``) or, with ``at_end``, as its last member (after ``pad``
    strings of padding)."""
    doc = route(name, hostnames=[f"{name}.example.com"])
    if pad:
        doc["x-pad"] = [f"p{i}-" * 8 for i in range(pad)]
    refs = [
        {"apiVersion": "v1", "kind": "ConfigMap", "name": f"o{i}", "uid": str(i)}
        for i in range(entries)
    ]
    if at_end:
        doc["x-refs"] = refs
    else:
        doc["metadata"]["ownerReferences"] = refs
    if note:
        doc["metadata"]["annotations"] = {"note": note}
    return doc


# --- found by this attack, fixed: a value written in the text passed for the items' marker ------

#: items that equal a marker: the first attack's string marker spelled with other escapes
#: (it passed for the items when one marker was parsed), and the two markers used now
_MARKER_SPELLINGS = [
    pytest.param('"\\u0000gatewaydns\\u0020items\\u0000"', id="space-escaped"),
    pytest.param('"\\u0000\\u0067atewaydns items\\u0000"', id="letter-escaped"),
    pytest.param('"\\u0000gatewaydns item\\u0073\\u0000"', id="last-letter-escaped"),
    pytest.param("0", id="zero"),
    pytest.param("1", id="one"),
    pytest.param("-0", id="minus-zero"),
    pytest.param("false", id="false"),
    pytest.param("true", id="true"),
]
#: where an ``items`` array of objects may sit before the List's own ``items`` key
_NESTED_ITEMS = [
    pytest.param('"metadata": {"items": [%s]}', id="in-metadata"),
    pytest.param('"x": {"y": {"z": 1, "items": [%s]}}', id="deeper"),
]


@pytest.mark.parametrize("marker", _MARKER_SPELLINGS)
@pytest.mark.parametrize("nested", _NESTED_ITEMS)
def test_a_list_whose_items_are_the_marker_spelled_otherwise_is_not_loaded(
    marker: str, nested: str
) -> None:
    """The List's items are one scalar; the objects are in an ``items`` key nested before
    them. The general loader rejects the scalar item; the split must not take the nested
    objects for the items (with one marker, the envelope's ``items`` equalled its value)."""
    text = '{"kind": "List", "items": [' + marker + "], " + nested % ", ".join((A, NS)) + "}"
    outcome = _check(text)
    assert outcome == ("error", outcome[1])
    assert "items[0]: expected an object (a manifest), got " in outcome[1]


def test_the_marker_spelled_as_the_fast_path_spells_it_is_withstood() -> None:
    exact = json.dumps("\0gatewaydns items\0")
    for nested in ('"metadata": {"items": [%s]}', '"x": {"y": {"z": 1, "items": [%s]}}'):
        text = '{"kind": "List", "items": [' + exact + "], " + nested % ", ".join((A, NS)) + "}"
        assert _path(text) == "general"
        assert _check(text)[0] == "error"


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(_items(A, B, head='{"kind": "List", "x": "\\u0000gatewaydns items\\u0000", "items": ['), id="head"),
        pytest.param(_items(A, B, tail='], "x": "\\u0000gatewaydns items\\u0000"}'), id="tail"),
        pytest.param(_items(A, B, tail='], "x": "\\u0000gatewaydns\\u0020items\\u0000"}'), id="tail-spelled-otherwise"),
        pytest.param(_items(json.dumps(route("a", annotations={"m": "\0gatewaydns items\0"})), B), id="in-an-item"),
        pytest.param(_items(A, B, head='{"kind": "List", "items": [' + json.dumps("\0gatewaydns items\0") + "], \"items\": ["), id="items-twice-marker-first"),
        pytest.param(_items(A, B, head='{"kind": "List", "items": ["\\u0000gatewaydns\\u0020items\\u0000"], "items": ['), id="items-twice-spelled-otherwise"),
    ],
)  # fmt: skip
def test_the_marker_text_elsewhere_is_withstood(text: str) -> None:
    _check(text)


# --- strings: nothing inside one is a cut -----------------------------------------------------


@pytest.mark.parametrize(
    "note",
    [
        pytest.param('x\\"}, {"apiVersion": "v1"}', id="escaped-quote-then-separator"),
        pytest.param("\\", id="a-backslash-before-the-closing-quote"),
        pytest.param('\\\\"}, {"apiVersion": ', id="escaped-backslashes-and-quote"),
        pytest.param(
            '"}, {"apiVersion": "v1", "kind": "Namespace"}', id="a-whole-item-in-a-string"
        ),
        pytest.param('"items": [{"apiVersion": "v1"}]', id="an-items-key-in-a-string"),
        pytest.param("]}", id="the-list-close"),
        pytest.param("é\u2028\u00a0\ufeff", id="non-ascii"),
    ],
)
def test_separators_in_strings_split_nothing(note: str) -> None:
    docs = [_owned("a", 2, note=note), route("b"), _owned("c", 1, note=note, at_end=True)]
    layouts: list[dict[str, Any]] = [
        {},
        {"indent": 4},
        {"separators": (",", ":")},
        {"ensure_ascii": False},
    ]
    for layout in layouts:
        text = json.dumps({"apiVersion": "v1", "kind": "List", "items": docs}, **layout)
        assert _path(text) == "split"
        assert _check(text)[0] == "ok"


def test_quotes_escaped_as_u0022_split_nothing() -> None:
    """``\\u0022`` is a quote only once decoded: ``}, {\\u0022apiVersion\\u0022:`` in a
    string is no cut, and an item whose key is spelled so is not cut before either."""
    inside = json.dumps(route("a", annotations={"n": "PLACE"})).replace(
        "PLACE", '}, {\\u0022apiVersion\\u0022: \\u0022v1\\u0022}, {\\"apiVersion\\": 1'
    )
    assert _path(_items(inside, B)) == "split"
    assert _check(_items(inside, B))[0] == "ok"
    spelled = B.replace('{"apiVersion"', '{"\\u0061piVersion"', 1)
    assert _check(_items(A, spelled, C))[0] == "ok"  # not cut before b: the whole pass takes it


@pytest.mark.parametrize("depth", [1, 2, 5, 20])
def test_apiversion_keys_at_any_depth_are_false_cuts(depth: int) -> None:
    """Arrays of objects beginning with ``apiVersion`` nested ``depth`` deep in an item."""
    value: Any = [{"apiVersion": "v1", "i": i} for i in range(3)]
    for level in range(depth):
        value = [{"apiVersion": "v1", "kind": "X", "sub": value}, {"apiVersion": str(level)}]
    docs = [dict(route("a"), x=value), dict(namespace("n"), spec={"x": value}), route("b")]
    text = json.dumps({"apiVersion": "v1", "kind": "List", "items": docs})
    assert _check(text)[0] == "ok"
    assert _path(text) in ("split", "whole")


def test_an_item_whose_first_key_is_not_apiversion_is_not_cut_before() -> None:
    kind_first = json.dumps({"kind": "HTTPRoute", **route("k")})
    for items in ((A, kind_first, B), (kind_first, A), (A, kind_first)):
        text = _items(*items)
        assert _check(text)[0] == "ok"
    # first in the List, without apiVersion at all: the general loader names it
    missing = json.dumps({k: v for k, v in route("m").items() if k != "apiVersion"})
    assert _check(_items(missing, A))[0] == "error"
    assert _check(_items(A, missing))[0] == "error"


# --- whitespace, BOM, encodings ----------------------------------------------------------------

_NOT_JSON_WHITESPACE = ["\u00a0", "\u2028", "\u2029", "\x0b", "\x0c", "\x1c", "\x85", "\u3000", "\ufeff"]  # fmt: skip


@pytest.mark.parametrize("space", _NOT_JSON_WHITESPACE, ids=lambda s: f"U+{ord(s):04X}")
def test_whitespace_json_does_not_allow_is_no_separator(space: str) -> None:
    texts = [
        _items(A, B, sep=space + ","),
        _items(A, B, sep="," + space),
        _items(A, B.replace('{"apiVersion"', "{" + space + '"apiVersion"', 1)),
        _items(A, B.replace('"apiVersion":', '"apiVersion"' + space + ":", 1)),
        _items(A, B, tail=space + TAIL),
        _items(A, B, head=HEAD + space),
        _items(A, B) + space,
        space + _items(A, B),
    ]
    for text in texts:
        assert _path(text) == "general"
        _check(text)


def test_crlf_tabs_and_json_whitespace_everywhere_split() -> None:
    text = json.dumps(
        {"apiVersion": "v1", "kind": "List", "items": [_owned("a", 2), route("b")]},
        indent="\t",
        separators=(" \r\n,\r\n ", " \t:\r\n"),
    )
    assert _path(text) == "split"
    assert _check(text)[0] == "ok"


def test_bytes_and_byte_order_marks() -> None:
    text = _items(A, NS, B)
    for data in (
        text.encode(),
        b"\xef\xbb\xbf" + text.encode(),
        b"\xef\xbb\xbf\xef\xbb\xbf" + text.encode(),
        "\ufeff" + text,
        text.encode("utf-16"),
        text.encode().replace(b'"a"', b'"\xff"'),
    ):
        _check(data)


# --- the List around the items -----------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(_items(A, B, head='{"items": [', tail='], "kind": "List", "apiVersion": "v1"}'), id="items-before-kind"),
        pytest.param(_items(A, B, head='{"kind": "List", "metadata": {"items": [' + NS + ']}, "items": ['), id="objects-in-metadata-items-before"),
        pytest.param(_items(A, B, tail='], "metadata": {"items": [' + NS + "]}}"), id="objects-in-metadata-items-after"),
        pytest.param(_items(A, B, head='{"kind": "List", "items": [' + NS + '], "items": ['), id="items-twice-objects"),
        pytest.param(_items(A, B, tail='], "items": [' + NS + "]}"), id="items-twice-objects-after"),
        pytest.param(_items(A, B, head='{"kind": "List", "items": [], "items": ['), id="items-twice-empty-first"),
        pytest.param(_items(A, B, head='{"kind": "Foo", "kind": "List", "items": ['), id="kind-twice"),
        pytest.param(_items(A, B, head='{"kind": "Lis\\u0074", "items": ['), id="kind-escaped"),
        pytest.param(_items(A, B, head='{"kind": "HTTPRouteList", "apiVersion": "' + G + '", "items": ['), id="typed-list"),
        pytest.param(_items(A, B, head='{"kind": "ConfigMap", "items": ['), id="not-a-list"),
        pytest.param(_items(A, B, head='{"items": ['), id="no-kind"),
        pytest.param(_items(A, B, head='{"kind": null, "items": ['), id="kind-null"),
        pytest.param(_items(A, B, head='{"kind": "List", "apiVersion": 5, "items": ['), id="list-apiversion-a-number"),
        pytest.param(_items(A, B, tail='], "kind": "List", "x": [{"apiVersion": "v1"}]}', head='{"items": ['), id="objects-after-the-items"),
        pytest.param(_items(A, B) + " {}", id="text-after"),
        pytest.param(_items(A, B) + "]", id="a-bracket-after"),
        pytest.param(_items(A, B) + ",", id="a-comma-after"),
        pytest.param("[" + _items(A, B) + "]", id="in-an-array"),
        pytest.param("[" + _items(A) + ", " + _items(B) + "]", id="two-lists-in-an-array"),
        pytest.param("{} " + _items(A, B), id="text-before"),
        pytest.param(_items(A, B)[:-1], id="unclosed"),
        pytest.param(_items(A, B, tail="}"), id="items-unclosed"),
        pytest.param(_items(A, B, sep=", , "), id="two-commas"),
        pytest.param(_items(A, B, sep=" "), id="no-comma"),
        pytest.param(_items(A, B, tail=", ]}"), id="trailing-comma"),
        pytest.param(_items(A, B, head='{"kind": "List", "items": [ ,'), id="leading-comma"),
        pytest.param(_items(A, B, head='{"kind": "List", "x": NaN, "items": ['), id="nan-in-the-list"),
        pytest.param(_items(A, B, head='{"kind": "List", "x": -Infinity, "items": ['), id="infinity-in-the-list"),
        pytest.param(_items(A, B, head='{"kind": "List", "x": 1e400, "items": ['), id="1e400-in-the-list"),
        pytest.param(_items(A, B, head='{"kind": "List", "x": 9223372036854775808, "items": ['), id="huge-integer-in-the-list"),
        pytest.param(_items(A, B, tail='], "kind": "List", "x": -9223372036854775809}', head='{"items": ['), id="huge-integer-after-the-items"),
        pytest.param(_items(A, B, head='{"kind": "List", "x": %s, "items": [' % ("9" * 5000)), id="5000-digits-in-the-list"),
        pytest.param(_items(A, B, head='{"kind": "List", "x\\u003a": 1, "items": ['), id="colon-escape-in-the-list"),
        pytest.param(_items(A, B, head='{"kind": "List", "x": "\\ud800", "items": ['), id="lone-surrogate-in-the-list"),
        pytest.param(_items(A, B, head='{"kind": "List", "x": 1, "x": 2, "items": ['), id="duplicate-key-in-the-list"),
        pytest.param(_items(A, B, tail='], "kind": "List", "kind": "List"}', head='{"items": ['), id="duplicate-key-after-the-items"),
        pytest.param(_items(A, B, head='{"kind": "List", "x": "' + "y" * 100_000 + '", "items": ['), id="a-long-list"),
    ],
)  # fmt: skip
def test_the_list_around_the_items_is_judged_as_the_general_loader_judges_it(text: str) -> None:
    _check(text)


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(_items(A, json.dumps({"apiVersion": "v1", "kind": "List", "items": [json.loads(NS)]}), B), id="nested-list"),
        pytest.param(_items(A, '{"apiVersion": "v1", "kind": "List", "items": []}'), id="nested-empty-list-last"),
        pytest.param('{"kind": "List", "items": []}', id="empty"),
        pytest.param('{"kind": "List", "items": [ ]}', id="empty-spaced"),
        pytest.param('{"kind": "List", "items": null}', id="null"),
        pytest.param('{"kind": "List", "items": {}}', id="an-object"),
        pytest.param(_items(A), id="one-item"),
        pytest.param(_items(A, A), id="the-same-object-twice"),
        pytest.param(_items(A, B, A), id="duplicate-first-and-last"),
        pytest.param(_items(A, json.dumps(route("a", namespace="other"))), id="same-name-other-namespace"),
        pytest.param(_items(A, json.dumps(route("a", kind="GRPCRoute"))), id="same-name-other-kind"),
        *(
            pytest.param(_items(*[A, B, C][:i], bad, *[A, B, C][i:]), id=f"{name}-at-{i}")
            for i in range(3)
            for name, bad in (
                ("one", "1"),
                ("string", '"s"'),
                ("null", "null"),
                ("array", "[]"),
                ("empty-object", "{}"),
                ("configmap", '{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}}'),
                ("istio-gateway", json.dumps({**gateway("istio"), "apiVersion": "networking.istio.io/v1"})),
                ("invalid-route", json.dumps(route("bad", hostnames=5))),  # type: ignore[arg-type]
                ("unknown-version", json.dumps({**route("v"), "apiVersion": G[:-2] + "v9"})),
                ("kind-only", '{"kind": "Namespace", "metadata": {"name": "k"}}'),
                ("apiversion-only", '{"apiVersion": "v1"}'),
                ("nan", NS.replace('"x"}', '"y"}, "spec": {"n": NaN}')),
                ("infinity", NS.replace('"x"}', '"y"}, "spec": {"n": [Infinity, -Infinity, 1e999]}')),
                ("huge-int", NS.replace('"x"}', '"y"}, "spec": {"n": 18446744073709551616}')),
                ("5000-digits", NS.replace('"x"}', '"y"}, "spec": {"n": %s}' % ("1" * 5000))),
                ("19-digits-in-range", NS.replace('"x"}', '"y"}, "spec": {"n": 1000000000000000000}')),
                ("colon-escape", NS.replace('"x"}', '"y\\u003Az"}')),
                ("lone-surrogate", NS.replace('"x"}', '"\\udc00"}')),
                ("surrogate-pair", NS.replace('"x"}', '"\\ud83d\\ude00"}')),
                ("duplicate-key", NS.replace('"name": "x"', '"name": "x", "name": "y"')),
                ("duplicate-key-in-a-false-cut", json.dumps(_owned("d", 3)).replace('"name": "o1"', '"name": "o1", "name": "p"')),
                ("nested-250", NS.replace('"x"}', '"y"}, "spec": {"n": %s}' % ("[" * 250 + "]" * 250))),
                ("nested-5000", NS.replace('"x"}', '"y"}, "spec": {"n": %s}' % ("[" * 5000 + "]" * 5000))),
                ("truncated", A[:-1]),
                ("control-character", NS.replace('"x"', '"x\x01"')),
            )
        ),
    ],
)  # fmt: skip
def test_odd_items_anywhere_are_judged_as_the_general_loader_judges_them(text: str) -> None:
    _check(text)


@pytest.mark.parametrize("count", [0, 1, 2, 3, 4, 5])
def test_max_documents_counts_as_the_general_loader_counts(count: int) -> None:
    configmap = '{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}}'
    for items in ((A, B, C), (A, configmap, B), (A, NS, B, C)):
        _check(_items(*items), LoadLimits(max_documents=count))
        _check(_items(*items).encode(), LoadLimits(max_documents=count))


# --- structure: random layouts, random damage near the separators -----------------------------

_NOTES = ["", '}, {"apiVersion": "v1"}', '\\"}, {\\"apiVersion\\": ', "\\\\", '"items": [{', ":"]
_TOKENS = [
    "}", "{", ",", '"', "\\", "]", "[", " ", "\u00a0", "\u2028", "\x0c", "\r\n", "\ufeff",
    '"apiVersion":', '{"apiVersion": "v1"},', '"items": [', '"kind": "List",', '"x": 1,',
    json.dumps("\0gatewaydns items\0"), "NaN", "1e400", "12345678901234567890", "null", "{}",
    "}, {", '}, {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "z"}}',
    '"x": [{"apiVersion": 1}],', '"\\u0022"', '"\\u003a"',
]  # fmt: skip
_STRUCTURAL = set('{}[],:"\\ \n')


def _document(rng: random.Random, i: int) -> Any:
    roll = rng.random()
    if roll < 0.4:
        return _owned(
            f"r{i}", rng.randint(0, 3), note=rng.choice(_NOTES), at_end=rng.random() < 0.3
        )
    if roll < 0.5:
        return namespace(f"n{i}")
    if roll < 0.6:
        return gateway(f"g{i}", listeners=[listener(hostname="*.example.com")])
    if roll < 0.67:
        return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}}
    if roll < 0.74:
        return {"kind": "Namespace", "apiVersion": "v1", "metadata": {"name": f"k{i}"}}
    if roll < 0.8:
        return rng.choice([1, "s", None, [], {"apiVersion": "v1", "kind": "List", "items": []}])
    return _owned("same", 1)  # a duplicate when drawn twice


def _list_text(rng: random.Random) -> str:
    envelope: dict[str, Any] = {
        "apiVersion": "v1",
        "kind": "List",
        "metadata": {"resourceVersion": ""},
        "items": [_document(rng, i) for i in range(rng.randint(0, 4))],
    }
    if rng.random() < 0.2:
        envelope["metadata"]["items"] = [namespace("in-metadata")]
    if rng.random() < 0.1:
        envelope["x"] = [{"apiVersion": "v1"}]
    keys = list(envelope)
    rng.shuffle(keys)
    layout: dict[str, Any] = rng.choice(
        [
            {},
            {"indent": 4},
            {"separators": (",", ":")},
            {"indent": "\t", "separators": (" ,\r\n", " : ")},
            {"indent": 0},
        ]
    )
    return json.dumps({k: envelope[k] for k in keys}, **layout)


def _damaged(rng: random.Random, text: str) -> str:
    for _ in range(rng.randint(0, 2)):
        places = [i for i, ch in enumerate(text) if ch in _STRUCTURAL] or [0]
        at = rng.choice(places) + rng.randint(0, 1)
        roll = rng.random()
        if roll < 0.5:
            text = text[:at] + rng.choice(_TOKENS) + text[at:]
        elif roll < 0.75:
            text = text[:at] + text[at + 1 :]
        else:
            text = text[:at] + text[at : at + rng.randint(1, 60)] + text[at:]
    return text


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.randoms(use_true_random=False), st.sampled_from([None, 1, 2, 3]))
def test_any_layout_with_any_damage_near_the_separators_is_judged_alike(
    rng: random.Random, limit: int | None
) -> None:
    text = _damaged(rng, _list_text(rng))
    limits = None if limit is None else LoadLimits(max_documents=limit)
    _check(text, limits)
    if rng.random() < 0.2:
        _check(b"\xef\xbb\xbf" + text.encode(), limits)


def test_the_random_lists_do_take_the_split() -> None:
    """The property above is no test of the split unless many of its texts take it."""
    paths = [_path(_list_text(random.Random(seed))) for seed in range(200)]
    assert paths.count("split") >= 40


# --- work: linear in the text, whatever the false cuts (counted, not timed) --------------------


class _Counting:
    """Stands for the item adapter: counts what it is given to validate."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.calls = 0
        self.chars = 0

    def validate_json(self, data: str) -> Any:
        self.calls += 1
        self.chars += len(data)
        return self.inner.validate_json(data)


@contextmanager
def _counting() -> Iterator[tuple[_Counting, _Counting]]:
    whole, item = fastload_module._adapters()
    counters = _Counting(whole), _Counting(item)
    with mock.patch.object(fastload_module, "_adapters", return_value=counters):
        yield counters


def _list_of(docs: list[dict[str, Any]]) -> str:
    return json.dumps({"apiVersion": "v1", "kind": "List", "items": docs})


@pytest.mark.parametrize(
    ("name", "text"),
    [
        pytest.param("huge-item", _list_of([_owned("a", 3000)]), id="one-item-thousands-of-false-cuts"),
        pytest.param("huge-item-end", _list_of([_owned("a", 3000, at_end=True)]), id="false-cuts-at-its-end"),
        pytest.param("each-16", _list_of([_owned(f"r{i}", _MAX_EXTENSIONS, at_end=True) for i in range(300)]), id="every-item-the-most-false-cuts"),
        pytest.param("each-17", _list_of([_owned(f"r{i}", _MAX_EXTENSIONS + 2, at_end=True) for i in range(300)]), id="every-item-one-false-cut-too-many"),
        pytest.param("padded", _list_of([_owned("a", _MAX_EXTENSIONS + 1, at_end=True, pad=4000)]), id="a-long-item-the-most-false-cuts-at-its-end"),
        pytest.param("many", _list_of([_owned(f"r{i}", 3) for i in range(2000)]), id="thousands-of-items-with-false-cuts"),
        pytest.param("invalid-first", _list_of([route("a")] * 300).replace("}", "} x", 1), id="invalid-json-in-the-first-item"),
    ],
)  # fmt: skip
def test_the_work_is_linear_in_the_text(name: str, text: str) -> None:
    """At most ``_MAX_EXTENSIONS + 1`` passes over each item, and one over the whole text."""
    with _counting() as (whole, item):
        fast = load_json_fast(text, BIG)
    assert item.chars <= (_MAX_EXTENSIONS + 1) * len(text), name
    assert item.chars <= fastload_module._BUDGET * len(text), name
    assert whole.chars <= len(text)
    assert item.calls <= (_MAX_EXTENSIONS + 1) * (text.count('{"apiVersion"') + 1)
    if name != "invalid-first":
        assert fast is not None  # loaded: split, or the whole text after too many false cuts
    assert _check(text)[0] == ("error" if name == "invalid-first" else "ok")


def test_false_cuts_past_the_budget_send_the_text_to_the_whole_pass() -> None:
    """No item passes ``_MAX_EXTENSIONS``, yet all the re-parsing together would validate the
    items' text many times over: past ``_BUDGET`` times it, the text is validated whole."""
    docs = [_owned(f"r{i}", _MAX_EXTENSIONS - 1, at_end=True) for i in range(50)]
    text = _list_of(docs)
    assert _path(text) == "whole"
    assert _check(text)[0] == "ok"
    few = _list_of([_owned(f"r{i}", 2, at_end=True) for i in range(50)])
    assert _path(few) == "split"  # a few false cuts an item stay within it
