"""Attack, round two: the two-marker proof of the ``List`` split (#17, commit 21ef769) and the
namespace rule's selector compiled once per serving plan (commit c89e605).

The fast path (``_fastload._load_items``) must give exactly what the general loader alone gives,
whatever the text (``_check``: the same snapshot or the same ``ManifestError``; what it vouches
for is JSON). The namespace rule must give the same outcome, reason and message with the
selector compiled once as it gave compiled per namespace asked about (commit 21ef769, before the
change; the outcomes pinned below are that version's, diffed against it on 3,000 random
snapshots when this file was written).

One finding lies beside both targets: a manifest the loader accepts can nest deeper than
pydantic-core serialises, and such a model, given back to the loader, raises ``ValueError``.
"""

from __future__ import annotations

import itertools
import json
import random
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import gatewaydns
from gatewaydns import ManifestError, Snapshot, to_manifest
from gatewaydns import _fastload as fastload_module
from gatewaydns import _listeners as listeners_module
from gatewaydns import _namespaces as namespaces_module
from gatewaydns._fastload import _MAX_EXTENSIONS, _WHOLE, _before_space, _envelope, _load_items
from gatewaydns._meta import LabelSelector
from gatewaydns._namespaces import NamespaceQuery, admission, compiled_selector

from .helpers import gateway, listener, listener_set, namespace, route
from .test_attack_fastload_split import BIG, NS, A, B, C, _check, _counting, _items, _owned, _path


def _fill(template: str, *values: str) -> str:
    """``template`` with each ``%s`` replaced by the next of ``values`` (JSON keeps its braces)."""
    for value in values:
        template = template.replace("%s", value, 1)
    return template


NESTED_LIST = json.dumps({"apiVersion": "v1", "kind": "List", "items": [json.loads(NS)]})

# --- 1. the two-marker proof: what is read as the List's items -------------------------------

#: values an ``items`` key may hold besides the List's own objects: the markers themselves and
#: every spelling that equals one of them in Python (``0 == False == -0 == 0.0``, ``1 == 1e0``)
_DECOYS = [
    "[0]", "[1]", "[false]", "[true]", "[-0]", "[0.0]", "[-0.0]", "[1e0]", "[0e0]", "[ 0 ]",
    "[\n1\n]", "[]", "null", "{}", '"x"', _fill("[%s]", NS), _fill("[[%s]]", NS), _fill("[0, %s]", NS),
]  # fmt: skip


@pytest.mark.parametrize("decoy", _DECOYS)
def test_duplicate_items_keys_in_every_order_are_judged_as_the_general_loader_judges_them(
    decoy: str,
) -> None:
    """A ``List`` with its objects in one ``items`` key and a decoy in another, in every order
    (with ``kind`` anywhere): the general loader refuses the duplicate key; the split must not
    take either ``items`` for the List's."""
    members = [_fill('"items": [%s]', ", ".join((A, B))), '"items": ' + decoy, '"kind": "List"']
    for order in itertools.permutations(members):
        text = "{" + ", ".join(order) + "}"
        outcome = _check(text)
        assert outcome[0] == "error"
        assert "duplicate key 'items'" in outcome[1]
    # three items keys: objects, then the decoy (or more objects), then objects again
    for middle in (_fill('"items": [%s]', A), '"items": ' + decoy):
        text = _fill('{"kind": "List", "items": [%s], %s, "items": [%s]}', B, middle, C)
        assert "duplicate key 'items'" in _check(text)[1]


@pytest.mark.parametrize("decoy", [d for d in _DECOYS if d.startswith("[")])
@pytest.mark.parametrize(
    "where",
    [
        pytest.param('"metadata": {"items": [%s]}', id="metadata-items"),
        pytest.param('"x": [%s]', id="another-array"),
        pytest.param('"x": [{"y": [%s]}]', id="an-array-in-an-array"),
        pytest.param('"x": {"kind": "List", "items": [%s]}', id="a-list-in-a-key"),
        pytest.param('"a\\"items": [%s]', id="a-key-ending-in-quote-items"),
        pytest.param('"items\\"": [%s]', id="a-key-items-then-quote"),
    ],
)
@pytest.mark.parametrize("before", [True, False], ids=["before", "after"])
def test_objects_outside_the_lists_own_items_are_not_its_items(
    decoy: str, where: str, before: bool
) -> None:
    """The List's own ``items`` is a decoy; objects sit in another array, before or after it
    (where ``"items": [{`` may be found first, or the last ``]`` may close). A decoy of objects
    is the List's items, and may be split."""
    objects = _fill(where, ", ".join((A, NS)))
    own = '"items": ' + decoy
    members = [objects, own] if before else [own, objects]
    text = '{"kind": "List", ' + ", ".join(members) + "}"
    outcome = _check(text)
    if outcome[0] == "ok":  # the decoy's objects, if any, and never the route in the other array
        assert "HTTPRoute" not in {kind for kind, _ in outcome[1]}


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(_items(NESTED_LIST), id="a-list-the-only-item"),
        pytest.param(_items(NESTED_LIST, A), id="a-list-first"),
        pytest.param(_items(A, NESTED_LIST), id="a-list-last"),
        pytest.param(_items(A, NESTED_LIST.replace('"kind": "List"', '"kind": "List", "kind": "List"'), B), id="a-list-with-a-duplicate-key"),
        pytest.param(_items(json.dumps({"apiVersion": "v1", "kind": "List", "items": [json.loads(NESTED_LIST)]})), id="three-deep"),
        pytest.param(_fill('{"x": {"kind": "List", "items": [%s]}, "kind": "List", "items": []}', A), id="inner-list-first-outer-empty"),
        pytest.param(_fill('{"x": {"kind": "List", "items": [%s]}, "kind": "List", "items": [%s]}', A, B), id="inner-list-first"),
        pytest.param(_fill('{"kind": "List", "items": [%s], "x": {"kind": "List", "items": [%s]}}', A, B), id="inner-list-after"),
        pytest.param(_fill('{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "n"}, "spec": {"kind": "List", "items": [%s]}}', A), id="a-list-inside-an-object"),
        pytest.param(_fill('{"kind": "List", "items": [{"apiVersion": "v1", "kind": "List", "items": [%s]}]}', ", ".join((A, B))), id="only-a-nested-list"),
    ],
)  # fmt: skip
def test_nested_lists_are_judged_as_the_general_loader_judges_them(text: str) -> None:
    _check(text)


@pytest.mark.parametrize(
    "text",
    [
        # what follows the List's items' ']'; a marker next to a digit, '.', 'e' or '-'
        pytest.param(_items(A, B, tail="]0}"), id="a-digit-after-the-bracket"),
        pytest.param(_items(A, B, tail="].5}"), id="a-dot-after-the-bracket"),
        pytest.param(_items(A, B, tail="]e1}"), id="an-e-after-the-bracket"),
        pytest.param(_items(A, B, tail=" 0]}"), id="a-digit-before-the-bracket"),
        pytest.param(_items(A, B, tail=", 0]}"), id="a-number-last"),
        pytest.param(_items(A, B, tail=", -0]}"), id="minus-zero-last"),
        pytest.param(_items(A, B, tail="0]}"), id="a-digit-touching-the-last-item"),
        pytest.param(_items(A, B, tail=".0]}"), id="a-fraction-touching-the-last-item"),
        pytest.param(_items(A, B, tail="e0]}"), id="an-exponent-touching-the-last-item"),
        pytest.param(_items(A, B, head='{"kind": "List", "items": [0 '), id="a-digit-before-the-first-item"),
        pytest.param(_items(A, B, head='{"kind": "List", "items": [0, '), id="a-number-first"),
        pytest.param(_items(A, B, head='{"kind": "List", "items": [-'), id="a-minus-before-the-first-item"),
        # a ']' or '}]' after the items, in strings: the last ']' is not the items' end
        pytest.param(_items(A, B, tail='], "z": "]"}'), id="a-bracket-in-a-string-after"),
        pytest.param(_items(A, B, tail='], "z": "}]"}'), id="brace-bracket-in-a-string-after"),
        pytest.param(_items(A, B, tail='], "z": "} ]"}'), id="brace-space-bracket-in-a-string-after"),
        pytest.param(_items(A, B, tail='], "z": ["}"]}'), id="an-array-after"),
        pytest.param(_items(A, B, tail='], "z": [{"apiVersion": "v1"}, {"apiVersion": "v2"}]}'), id="a-false-cut-array-after"),
        pytest.param(_items(A, B, head='{"kind": "List", "z": [{"apiVersion": "v1"}, {"apiVersion": "v2"}], "items": ['), id="a-false-cut-array-before"),
        pytest.param(_items(A, B, tail='], "kind": "List", "items": [0]}', head='{"items": ['), id="the-marker-written-after"),
        pytest.param(_items(A, B, tail='], "kind": "List", "items": [1]}', head='{"items": ['), id="the-other-marker-written-after"),
        pytest.param(_items(A, B, head='{"kind": "List", "items": [0], "items": ['), id="the-marker-written-before"),
        pytest.param(_items(A, B, head='{"kind": "List", "\\u0069tems": [0], "items": ['), id="an-escaped-items-key-before"),
        pytest.param(_items(A, B, head='{"kind": "List", "\\u0069tems": ['), id="the-items-key-escaped"),
        pytest.param(_items(A, B, head='{"kind": "List", "items" : [ '), id="spaced"),
        pytest.param(_items(A, B, head='{"kind": "List", "items":\r\n[\t'), id="crlf-tab"),
        pytest.param(_items(A, B, head='{"kind": "List", "items": [\u00a0'), id="nbsp-after-the-bracket"),
        pytest.param(_items(A, B, tail="\u00a0]}"), id="nbsp-before-the-bracket"),
        pytest.param(_items(A, B, tail="\x0b]}"), id="vertical-tab-before-the-bracket"),
        pytest.param(_items(A, B, tail=" \x0c \n]}"), id="form-feed-among-spaces-before-the-bracket"),
        pytest.param(_items(A, B, tail="\ufeff]}"), id="bom-before-the-bracket"),
        pytest.param(_items(A, B, sep=",\ufeff"), id="bom-between-items"),
        pytest.param("\ufeff" + _items(A, B), id="bom-first"),
    ],
)  # fmt: skip
def test_head_and_tail_tricks_are_judged_as_the_general_loader_judges_them(text: str) -> None:
    _check(text)
    _check(text.encode())
    _check(b"\xef\xbb\xbf" + text.encode())


# --- the envelope, asked directly --------------------------------------------------------------


def test_the_envelope_is_the_text_around_the_items_with_nothing_in_their_place() -> None:
    text = _items(A, B, head='{"apiVersion": "v1", "metadata": {"x": [1]}, "kind": "List", "items": [ ', tail=" \n], \"y\": 2}")  # fmt: skip
    found = _envelope(text)
    assert found is not None
    first, last, envelope = found
    assert text[first:last] == A + ", " + B
    assert envelope == {
        "apiVersion": "v1",
        "metadata": {"x": [1]},
        "kind": "List",
        "items": [],
        "y": 2,
    }


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(
            _fill('{"kind": "List", "items": [0], "items": [%s]}', A), id="a-marker-first"
        ),
        pytest.param(
            _fill('{"kind": "List", "items": [%s], "items": [1]}', A), id="a-marker-after"
        ),
        pytest.param(_fill('{"kind": "List", "items": [%s], "items": [%s]}', A, B), id="twice"),
        pytest.param(
            _fill('{"kind": "List", "x": {"items": [%s]}, "items": [0]}', A), id="nested-first"
        ),
        pytest.param(
            _fill('{"kind": "List", "kind": "Foo", "items": [%s]}', A), id="kind-replaced"
        ),
        pytest.param(
            _fill('{"kind": "List", "items": [%s]} ', A) + "]", id="a-bracket-after-the-list"
        ),
        pytest.param(_fill('[{"kind": "List", "items": [%s]}]', A), id="in-an-array"),
    ],
)
def test_the_envelope_refuses_what_is_not_a_list_around_its_items(text: str) -> None:
    """``_envelope`` answers ``None`` (validate whole), or the text holds a duplicate key the
    colon count finds: either way the text is never split into items."""
    found = _envelope(text)
    if found is not None:
        assert "duplicate" in _check(text)[1]
    assert _path(text) != "split"
    _check(text)


def test_a_kind_spelled_with_escapes_is_a_list_both_ways() -> None:
    """``"Lis\\u0074"`` decodes to ``List`` for both loaders: split, and loaded alike."""
    text = _items(A, B, head='{"kind": "Lis\\u0074", "items": [')
    assert _path(text) == "split"
    assert _check(text)[0] == "ok"


# --- _before_space -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "space", [0, 1, 63, 64, 65, 127, 128, 129, 191, 192, 193, 255, 256, 257, 1000, 4096, 1 << 20]
)
def test_before_space_finds_where_the_trailing_json_whitespace_begins(space: int) -> None:
    """Runs of whitespace around every window size the search doubles through."""
    body = "{}" + "x" * 200
    for unit in (" ", "\t", "\r\n", " \n\t\r"):
        run = (unit * space)[:space]
        text = body + run + "]"
        assert _before_space(text, 0, len(text) - 1) == len(body)
        assert _before_space(text, 1, len(text) - 1) == len(body)
    # whitespace back to the start: the start (never before it)
    assert _before_space("{" + " " * space, 1, 1 + space) == 1
    assert _before_space(" " * space + "]", 0, space) == 0


@pytest.mark.parametrize("other", ["\x0b", "\x0c", "\u00a0", "\u2028", "\u3000", "\ufeff", "\x85", "\x1c"])  # fmt: skip
@pytest.mark.parametrize("at", [0, 1, 63, 64, 65, 300])
def test_before_space_stops_at_whitespace_json_does_not_allow(other: str, at: int) -> None:
    text = "{}" + " " * 70 + other + " " * at + "]"
    assert _before_space(text, 0, len(text) - 1) == len(text) - 1 - at
    listed = _items(A, B, tail=" " * 70 + other + " " * at + "]}")
    assert _path(listed) == "general"
    assert _check(listed)[0] == "error"


def test_a_megabyte_of_whitespace_before_the_bracket_is_split() -> None:
    text = _items(A, NS, B, tail=" \n" * (1 << 19) + "]}")
    assert _path(text) == "split"
    assert _check(text)[0] == "ok"
    spaced = _items(A, NS, B, sep=" " * (1 << 16) + "," + "\n" * (1 << 16))
    assert _path(spaced) == "split"
    assert _check(spaced)[0] == "ok"


# --- the budget and the extensions: just under and just over ---------------------------------


def _false_cut_list(tail_pad: int, refs: int = 4) -> str:
    """A List of two routes, the first ending in ``refs`` objects that begin with ``apiVersion``
    (``refs - 1`` false cuts near its end) and then ``tail_pad`` characters of padding."""
    doc = route("a", hostnames=["a.example.com"])
    doc["x-refs"] = [
        {"apiVersion": "v1", "kind": "ConfigMap", "name": f"o{i}"} for i in range(refs)
    ]
    doc["x-tail"] = "t" * tail_pad
    return json.dumps({"apiVersion": "v1", "kind": "List", "items": [doc, route("b")]})


def _work_over_budget(text: str) -> int:
    """The characters the split validates, unbounded, less what the budget allows."""
    found = _envelope(text)
    assert found is not None
    first, last = found[0], found[1]
    with mock.patch.object(fastload_module, "_BUDGET", 10**9), _counting() as (_, item):
        assert _load_items(text, BIG) is not _WHOLE
    return item.chars - fastload_module._BUDGET * (last - first)


def test_the_budget_is_met_exactly_and_passed_by_one_character() -> None:
    """Each padding character after the false cuts adds one character of work and two of
    budget: the padding that makes the work exactly the budget is split, one less is not."""
    over = _work_over_budget(_false_cut_list(0))
    assert over > 0
    exact, past = _false_cut_list(over), _false_cut_list(over - 1)
    assert _work_over_budget(exact) == 0
    assert _work_over_budget(past) == 1
    assert _path(exact) == "split"
    assert _path(past) == "whole"
    assert _check(exact)[0] == _check(past)[0] == "ok"


@pytest.mark.parametrize("extra", [-1, 0, 1])
def test_the_most_extensions_are_allowed_and_one_more_is_not(extra: int) -> None:
    """``_MAX_EXTENSIONS`` false cuts in one item (early in it, so the budget allows them) are
    extended past; one more sends the text to the whole pass. Both load alike."""
    false_cuts = _MAX_EXTENSIONS + extra
    docs = [_owned("a", false_cuts + 1, pad=3000), route("b")]
    text = json.dumps({"apiVersion": "v1", "kind": "List", "items": docs})
    with _counting() as (_, item):
        loaded = _load_items(text, BIG)
    if extra <= 0:
        assert loaded is not _WHOLE
        assert item.calls == false_cuts + 2  # every prefix of a, then a, then b
    else:
        assert loaded is _WHOLE
    assert _path(text) == ("split" if extra <= 0 else "whole")
    assert _check(text)[0] == "ok"


# --- the proof under random envelopes ---------------------------------------------------------

_OTHERS = [
    '"kind": "List"', '"kind": "Foo"', '"kind": "Lis\\u0074"', '"apiVersion": "v1"',
    _fill('"metadata": {"items": [%s]}', NS), '"x": [{"apiVersion": "v1"}]', '"x": {"items": [0]}',
    '"x": {"items": [1]}', '"x": [0]', '"y": 5', '"z": "]"', '"w": "}]"', '"v": "\\"items\\": ["',
]  # fmt: skip
_SPACES = ["", " ", "\n", "\t", "\r\n", "  \n  "]


def _envelope_text(rng: random.Random) -> str:
    """A JSON object of random members: the List's items (or not), decoy ``items``, ``kind``
    and others, in random order and spacing, sometimes in an array or followed by text."""
    members = []
    objects = ", ".join(rng.choice([A, B, C, NS, NESTED_LIST]) for _ in range(rng.randint(1, 4)))
    if rng.random() < 0.9:
        members.append('"items": [' + rng.choice(_SPACES) + objects + rng.choice(_SPACES) + "]")
    members += ['"items": ' + rng.choice(_DECOYS) for _ in range(rng.randint(0, 2))]
    if rng.random() < 0.9:
        members.append('"kind": "List"')
    members += [rng.choice(_OTHERS) for _ in range(rng.randint(0, 3))]
    rng.shuffle(members)
    sep = rng.choice(_SPACES) + "," + rng.choice(_SPACES)
    text = "{" + rng.choice(_SPACES) + sep.join(members) + rng.choice(_SPACES) + "}"
    roll = rng.random()
    if roll < 0.05:
        return "[" + text + "]"
    if roll < 0.1:
        return text + rng.choice(["]", " ", ",", "}", "\n", "0"])
    return text


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.randoms(use_true_random=False))
def test_any_envelope_is_judged_as_the_general_loader_judges_it(rng: random.Random) -> None:
    _check(_envelope_text(rng))


def test_the_random_envelopes_do_take_the_split() -> None:
    paths = [_path(_envelope_text(random.Random(seed))) for seed in range(400)]
    assert paths.count("split") >= 10
    assert paths.count("general") >= 100


# --- 2. the namespace rule, the selector compiled once per serving plan ------------------------

_EXPRS: dict[str, list[dict[str, Any]]] = {
    "bad-operator": [{"key": "team", "operator": "Bogus", "values": ["a"]}],
    "exists-values": [{"key": "team", "operator": "Exists", "values": ["a"]}],
    "in-empty": [{"key": "team", "operator": "In", "values": []}],
    "notin-no-values": [{"key": "team", "operator": "NotIn"}],
    "second-bad": [
        {"key": "team", "operator": "Exists"},
        {"key": "x", "operator": "DoesNotExist", "values": ["v"]},
    ],
    "bad-key": [{"key": "bad key!", "operator": "DoesNotExist"}],
}
_BAD = {
    "bad-operator": "matchExpressions[0].operator: unknown operator 'Bogus'",
    "exists-values": "matchExpressions[0].values: Exists takes no values",
    "in-empty": "matchExpressions[0].values: In needs at least one value",
    "notin-no-values": "matchExpressions[0].values: NotIn needs at least one value",
    "second-bad": "matchExpressions[1].values: DoesNotExist takes no values",
}
_OTHER = "listener admits only namespace {owner!r}"
_NOT_SELECTED = "namespace {namespace!r} does not match the listener's selector"
_NOT_FOUND = "Namespace {namespace!r} is not in the snapshot; the selector cannot match"
_NO_SELECTOR = "namespaces.from is Selector but no selector is set"


def _selector_rule(selector: dict[str, Any] | None) -> dict[str, Any]:
    namespaces: dict[str, Any] = {"from": "Selector"}
    if selector is not None:
        namespaces["selector"] = selector
    return {"namespaces": namespaces}


#: allowedRoutes -> (outcome for a route in a labelled namespace, in one missing from the
#: snapshot): ``None`` (served) or (reason, message, whether the listener is named)
_RULES: list[tuple[str, dict[str, Any] | None, Any, Any]] = [
    ("all", {"namespaces": {"from": "All"}}, None, None),
    ("same", {"namespaces": {"from": "Same"}}, ("namespace-not-allowed", _OTHER, True), ("namespace-not-allowed", _OTHER, True)),
    ("allowed-routes-absent", None, ("namespace-not-allowed", _OTHER, True), ("namespace-not-allowed", _OTHER, True)),
    ("allowed-routes-empty", {}, ("namespace-not-allowed", _OTHER, True), ("namespace-not-allowed", _OTHER, True)),
    ("namespaces-empty", {"namespaces": {}}, ("namespace-not-allowed", _OTHER, True), ("namespace-not-allowed", _OTHER, True)),
    ("from-empty-string", {"namespaces": {"from": ""}}, ("namespace-not-allowed", _OTHER, True), ("namespace-not-allowed", _OTHER, True)),
    ("from-null", {"namespaces": {"from": None}}, ("namespace-not-allowed", _OTHER, True), ("namespace-not-allowed", _OTHER, True)),
    ("from-None", {"namespaces": {"from": "None"}}, ("namespace-not-allowed", "unknown allowedRoutes.namespaces.from 'None'", True), ("namespace-not-allowed", "unknown allowedRoutes.namespaces.from 'None'", True)),
    ("from-unknown", {"namespaces": {"from": "Bogus"}}, ("namespace-not-allowed", "unknown allowedRoutes.namespaces.from 'Bogus'", True), ("namespace-not-allowed", "unknown allowedRoutes.namespaces.from 'Bogus'", True)),
    ("from-lowercase", {"namespaces": {"from": "selector", "selector": {}}}, ("namespace-not-allowed", "unknown allowedRoutes.namespaces.from 'selector'", True), ("namespace-not-allowed", "unknown allowedRoutes.namespaces.from 'selector'", True)),
    ("selector-absent", _selector_rule(None), ("invalid-selector", _NO_SELECTOR, False), ("invalid-selector", _NO_SELECTOR, False)),
    ("selector-null", {"namespaces": {"from": "Selector", "selector": None}}, ("invalid-selector", _NO_SELECTOR, False), ("invalid-selector", _NO_SELECTOR, False)),
    ("selector-empty", _selector_rule({}), None, ("namespace-not-found", _NOT_FOUND, True)),
    ("match-labels-match", _selector_rule({"matchLabels": {"team": "a"}}), None, ("namespace-not-found", _NOT_FOUND, True)),
    ("match-labels-miss", _selector_rule({"matchLabels": {"team": "b"}}), ("namespace-not-allowed", _NOT_SELECTED, True), ("namespace-not-found", _NOT_FOUND, True)),
    *((name, _selector_rule({"matchExpressions": exprs}), ("invalid-selector", _BAD[name], False), ("invalid-selector", _BAD[name], False)) for name, exprs in _EXPRS.items() if name in _BAD),
    ("bad-key", _selector_rule({"matchExpressions": _EXPRS["bad-key"]}), None, ("namespace-not-found", _NOT_FOUND, True)),
    ("both-match", _selector_rule({"matchLabels": {"team": "a"}, "matchExpressions": [{"key": "env", "operator": "NotIn", "values": ["dev"]}]}), None, ("namespace-not-found", _NOT_FOUND, True)),
    ("both-miss", _selector_rule({"matchLabels": {"team": "a"}, "matchExpressions": [{"key": "env", "operator": "Exists"}]}), ("namespace-not-allowed", _NOT_SELECTED, True), ("namespace-not-found", _NOT_FOUND, True)),
    ("bad-selector-from-all", {"namespaces": {"from": "All", "selector": {"matchExpressions": _EXPRS["bad-operator"]}}}, None, None),
    ("bad-selector-from-same", {"namespaces": {"from": "Same", "selector": {"matchExpressions": _EXPRS["bad-operator"]}}}, ("namespace-not-allowed", _OTHER, True), ("namespace-not-allowed", _OTHER, True)),
]  # fmt: skip


def _namespace_rule_docs(allowed: dict[str, Any] | None, route_ns: str, via_set: bool) -> list[dict[str, Any]]:  # fmt: skip
    """Two routes in ``route_ns`` asking one listener with ``allowed`` (of a Gateway in
    ``infra``, or of a ListenerSet in ``team`` attached to it)."""
    docs = [namespace("infra"), namespace("app", {"team": "a"}), namespace("team", {"team": "b"})]
    if via_set:
        docs.append(
            gateway(
                "gw",
                listeners=[listener("l", allowed={"namespaces": {"from": "All"}})],
                allowed_listeners={"namespaces": {"from": "All"}},
            )
        )
        docs.append(listener_set("ls", "team", listeners=[listener("s", hostname="*.example.com", allowed=allowed)]))  # fmt: skip
        ref = {"name": "ls", "namespace": "team", "kind": "ListenerSet"}
    else:
        docs.append(gateway("gw", listeners=[listener("l", hostname="*.example.com", allowed=allowed)]))  # fmt: skip
        ref = {"name": "gw", "namespace": "infra"}
    for name in ("q", "r"):
        docs.append(route(name, route_ns, hostnames=[f"{name}.example.com"], parents=[ref]))
    return docs


def _compute(docs: list[dict[str, Any]]) -> gatewaydns.Result:
    snap = Snapshot.from_manifests(docs)
    return gatewaydns.compute_endpoints(snap, gatewaydns.SourceConfig(listener_sets=True))


def _summary(result: gatewaydns.Result) -> tuple[Any, ...]:
    """Everything a result says: endpoints, each route's, diagnostics and attachments."""
    return (
        result.endpoints,
        sorted(result.by_route.items()),
        result.diagnostics,
        result.attachments,
    )


@contextmanager
def _compiled_per_namespace() -> Iterator[None]:
    """The namespace rule as before c89e605: no selector compiled ahead, each query compiles."""
    real = listeners_module._allowed_namespaces

    def uncompiled(listener: Any) -> Any:
        from_, selector, _ = real(listener)
        return from_, selector, None

    with mock.patch.object(listeners_module, "_allowed_namespaces", uncompiled):
        yield


@pytest.mark.parametrize("via_set", [False, True], ids=["gateway", "listenerset"])
@pytest.mark.parametrize(("name", "allowed", "labelled", "missing"), _RULES, ids=[r[0] for r in _RULES])  # fmt: skip
def test_the_namespace_rule_gives_the_outcomes_and_messages_it_gave_before(
    name: str, allowed: dict[str, Any] | None, labelled: Any, missing: Any, via_set: bool
) -> None:
    owner = "team" if via_set else "infra"
    parent = "ListenerSet team/ls" if via_set else "Gateway infra/gw"
    for route_ns, expected in (("app", labelled), ("ghost", missing)):
        docs = _namespace_rule_docs(allowed, route_ns, via_set)
        result = _compute(docs)
        if expected is None:
            assert [e.dns_name for e in result.endpoints] == ["q.example.com", "r.example.com"]
            assert [(a.route, a.parent) for a in result.attachments] == [
                (f"httproute/{route_ns}/q", parent),
                (f"httproute/{route_ns}/r", parent),
            ]
            assert result.diagnostics == ()
        else:
            reason, message, named = expected
            text = message.format(owner=owner, namespace=route_ns)
            listener_name = ("s" if via_set else "l") if named else None
            assert result.endpoints == ()
            assert result.attachments == ()
            said = [(d.name, d.reason, d.message, d.parent, d.listener) for d in result.diagnostics]
            assert said == [(n, reason, text, parent, listener_name) for n in ("q", "r")]
        with _compiled_per_namespace():
            assert _summary(_compute(docs)) == _summary(result), name


# random snapshots: every ``from`` and selector, routes in many namespaces, both parents

_FROMS: list[str | None] = [
    "All",
    "Same",
    "Selector",
    "None",
    "Bogus",
    "",
    "selector",
    None,
    "MISSING",
]
_LABELS: list[dict[str, str] | None] = [
    None,
    {},
    {"team": "a"},
    {"team": "b"},
    {"team": "a", "env": "prod"},
    {"bad key!": "x"},
]
_ANY_EXPRS: list[dict[str, Any]] = [
    {"key": "team", "operator": "In", "values": ["a"]},
    {"key": "team", "operator": "In", "values": ["a", "b"]},
    {"key": "team", "operator": "NotIn", "values": ["a"]},
    {"key": "env", "operator": "Exists"},
    {"key": "env", "operator": "DoesNotExist"},
    *(e for exprs in _EXPRS.values() for e in exprs),
]
_NAMESPACES = ["infra", "app", "team", "other", "ghost"]


def _random_selector(rng: random.Random) -> dict[str, Any] | None:
    roll = rng.random()
    if roll < 0.1:
        return None
    if roll < 0.2:
        return {}
    selector: dict[str, Any] = {}
    labels = rng.choice(_LABELS)
    if labels is not None:
        selector["matchLabels"] = labels
    if rng.random() < 0.6:
        selector["matchExpressions"] = [rng.choice(_ANY_EXPRS) for _ in range(rng.randint(0, 3))]
    return selector


def _random_allowed(rng: random.Random) -> dict[str, Any] | None:
    roll = rng.random()
    if roll < 0.05:
        return None
    if roll < 0.1:
        return {"namespaces": {}}
    rule: dict[str, Any] = {}
    from_ = rng.choice(_FROMS)
    if from_ != "MISSING":
        rule["from"] = from_
    selector = _random_selector(rng)
    if selector is not None:
        rule["selector"] = selector
    allowed: dict[str, Any] = {"namespaces": rule}
    if rng.random() < 0.1:
        allowed["kinds"] = [{"kind": rng.choice(["HTTPRoute", "GRPCRoute"])}]
    return allowed


def _random_listeners(rng: random.Random, prefix: str) -> list[dict[str, Any]]:
    out = []
    for i in range(rng.randint(1, 4)):
        protocol, port = rng.choice([("HTTP", 80), ("HTTPS", 443), ("TCP", 9000), ("HTTP", 8080)])
        hostname = rng.choice([None, f"{prefix}{i}.example.com", "*.example.com"])
        out.append(listener(f"{prefix}{i}", protocol, port, hostname, _random_allowed(rng)))
    return out


def _random_snapshot(rng: random.Random) -> list[dict[str, Any]]:
    docs = [namespace(n, rng.choice(_LABELS)) for n in _NAMESPACES[:-1] if rng.random() < 0.85]
    selector = _random_selector(rng)
    same = {"namespaces": {"from": "Same"}}
    allowed_listeners = rng.choice([None, {"namespaces": {"from": "All"}}, same, _selector_rule(selector)])  # fmt: skip
    docs.append(gateway("gw", listeners=_random_listeners(rng, "l"), allowed_listeners=allowed_listeners))  # fmt: skip
    sets: dict[str, str] = {}
    for name, prefix, spaces in (("ls", "s", ["team", "infra", "ghost"]), ("ls2", "t", ["app", "other"])):  # fmt: skip
        if rng.random() < 0.5:
            sets[name] = rng.choice(spaces)
            docs.append(listener_set(name, sets[name], listeners=_random_listeners(rng, prefix)))
    for j in range(rng.randint(1, 8)):
        refs: list[dict[str, Any]] = [{"name": "gw", "namespace": "infra"}]
        refs += [{"name": n, "namespace": ns, "kind": "ListenerSet"} for n, ns in sets.items()]
        refs = rng.sample(refs, rng.randint(1, len(refs)))
        for ref in refs:
            if rng.random() < 0.2:
                ref["sectionName"] = rng.choice(["l0", "l1", "s0"])
        kind = rng.choice(["HTTPRoute", "HTTPRoute", "GRPCRoute", "TCPRoute"])
        hostnames = [f"h{j}.example.com", "*.example.com"][: rng.randint(0, 2)] or None
        docs.append(route(f"r{j}", rng.choice(_NAMESPACES), kind, hostnames, refs))
    return docs


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.randoms(use_true_random=False))
def test_compiled_once_or_per_namespace_the_namespace_rule_gives_the_same_result(
    rng: random.Random,
) -> None:
    docs = _random_snapshot(rng)
    result = _compute(docs)
    with _compiled_per_namespace():
        assert _summary(_compute(docs)) == _summary(result)


def test_the_random_snapshots_reach_every_outcome_of_the_namespace_rule() -> None:
    """The property above is no test of the rule unless its snapshots reach each outcome."""
    reasons: set[str] = set()
    for seed in range(150):
        result = _compute(_random_snapshot(random.Random(seed)))
        reasons |= {d.reason for d in result.diagnostics}
        reasons |= {"served"} if result.attachments else set()
    assert {"namespace-not-allowed", "namespace-not-found", "invalid-selector", "served"} <= reasons


_SELECTORS: st.SearchStrategy[dict[str, Any]] = st.builds(
    dict,
    matchLabels=st.sampled_from(_LABELS),
    matchExpressions=st.lists(st.sampled_from(_ANY_EXPRS), max_size=3),
)


@settings(max_examples=300, deadline=None)
@given(
    _SELECTORS,
    st.sampled_from([*_FROMS[:-2], "Selector"]),
    st.sampled_from(_NAMESPACES),
    st.dictionaries(st.sampled_from(_NAMESPACES), st.sampled_from(_LABELS[1:]), max_size=4),
)
def test_a_query_answers_alike_with_its_selector_compiled_or_not(
    raw: dict[str, Any], from_: str, asking: str, labels: dict[str, dict[str, str]]
) -> None:
    selector = LabelSelector.model_validate({k: v for k, v in raw.items() if v is not None})
    compiled = compiled_selector(selector)
    plain = NamespaceQuery(asking, "infra", selector, labels)
    ahead = NamespaceQuery(asking, "infra", selector, labels, compiled=compiled)
    assert admission(from_, ahead) == admission(from_, plain)


def test_a_listeners_selector_is_compiled_once_for_any_number_of_namespaces() -> None:
    """The claim of c89e605: one compile per listener and serving plan, however many
    namespaces ask (and none per namespace)."""
    rule = _selector_rule({"matchExpressions": [{"key": "team", "operator": "In", "values": ["a"]}]})  # fmt: skip
    docs: list[dict[str, Any]] = [
        gateway("gw", listeners=[listener("l", hostname="*.example.com", allowed=rule)])
    ]
    for i in range(20):
        docs.append(namespace(f"n{i}", {"team": "a" if i % 2 else "b"}))
        docs.append(route(f"r{i}", f"n{i}", hostnames=[f"r{i}.example.com"]))
    snap = Snapshot.from_manifests(docs)
    ahead = mock.Mock(wraps=compiled_selector)
    asked = mock.Mock(wraps=compiled_selector)
    with (
        mock.patch.object(listeners_module, "compiled_selector", ahead),
        mock.patch.object(namespaces_module, "compiled_selector", asked),
    ):
        result = gatewaydns.compute_endpoints(snap)
    assert ahead.call_count == 1
    assert asked.call_count == 0
    assert [e.dns_name for e in result.endpoints] == sorted(f"r{i}.example.com" for i in range(1, 20, 2))  # fmt: skip
    assert {d.reason for d in result.diagnostics} == {"namespace-not-allowed"}


# --- 3. found: a manifest the loader accepts that its models cannot give back -----------------


def _deep_namespace_text(depth: int) -> str:
    """A Namespace whose ``spec`` holds arrays nested ``depth`` deep."""
    return json.dumps(namespace("deep")).replace(
        '"deep"}', _fill('"deep"}, "spec": {"n": %s}', ("[" * depth + "]" * depth))
    )


@pytest.mark.parametrize("depth", [200, 255, 300, 600])
def test_a_deeply_nested_object_loaded_can_be_given_back_to_the_loader(depth: int) -> None:
    """docs/security.md: JSON is accepted nested up to Python's recursion limit (deeper is a
    ``ManifestError``). A loaded object nested 255 deep or more could not be dumped (pydantic-
    core's serialiser stops at 255 levels), so passing it back to ``Snapshot.from_manifests``
    (beside another) raised ``ValueError: Maximum serialization depth exceeded`` and blocked the
    other document: now it loads again, or a ``ManifestError`` names it."""
    loaded = Snapshot.from_manifests(_deep_namespace_text(depth)).namespaces
    assert [ns.name for ns in loaded] == ["deep"]
    refused = ""
    try:
        again = Snapshot.from_manifests([*loaded, namespace("other")])
    except ManifestError as exc:  # refusing it is fine, if it is named
        refused = str(exc)
    if refused:
        assert "document 0" in refused
        assert "deep" in refused
    else:
        assert [ns.name for ns in again.namespaces] == ["deep", "other"]
        assert again.namespaces[0] == loaded[0]


def test_a_model_too_deep_to_copy_is_named_and_blocks_no_other_document() -> None:
    """Deeper than Python's recursion limit (a model built without validation): the load
    reports that document as nested too deeply and loads the one beside it."""
    deep: Any = []
    for _ in range(5000):
        deep = [deep]
    model = gatewaydns.Namespace.model_construct(metadata={"name": "deep"}, spec={"n": deep})
    with pytest.raises(ManifestError, match=r"document 0.*nested too deeply") as caught:
        Snapshot.from_manifests([model, namespace("other")])
    assert "document 1" not in str(caught.value)


@pytest.mark.parametrize("depth", [200, 300])
def test_to_manifest_of_a_deeply_nested_object_raises_what_it_documents(depth: int) -> None:
    """``to_manifest`` documents ``RecursionError`` for an object nested too deeply; a loaded
    model nested 300 deep raised ``ValueError`` instead: now it gives its manifest."""
    (loaded,) = Snapshot.from_manifests(_deep_namespace_text(depth)).namespaces
    try:
        manifest = to_manifest(loaded)
    except RecursionError:
        return
    assert manifest == json.loads(_deep_namespace_text(depth))
