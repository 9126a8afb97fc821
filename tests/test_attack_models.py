"""Attack on the #17 model layer: typed views over validated manifests (``_base.py``) and the
one-pass JSON loader (``_fastload.py``).

The fast path must agree with the general loader on every text (the same snapshot or the same
``ManifestError``), and the views must behave as the pydantic models they replaced did.
"""

from __future__ import annotations

import json
import math
import random
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from unittest import mock

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gatewaydns import ManifestError, Snapshot
from gatewaydns import _snapshot as snapshot_module
from gatewaydns._fastload import load_json_fast
from gatewaydns._snapshot import LoadLimits

from .helpers import G, accepted, gateway, listener, listener_set, namespace, route

# --- the fast path and the general loader agree on every text ---------------------------------


@contextmanager
def _general_only() -> Iterator[None]:
    """The general loader alone: the fast path never answers."""
    with mock.patch.object(snapshot_module, "load_json_fast", lambda text, limit: None):
        yield


def _dumps(snap: Snapshot) -> list[tuple[str, str]]:
    """Every object as (class, JSON of its lossless dump); NaN compares equal as text."""
    objects = (*snap.gateways, *snap.listener_sets, *snap.routes, *snap.namespaces)
    return [
        (
            type(o).__name__,
            json.dumps(o.model_dump(mode="json", by_alias=True, exclude_unset=True)),
        )
        for o in objects
    ]


def _outcome(text: str | bytes, limits: LoadLimits | None) -> tuple[str, Any]:
    try:
        snap = Snapshot.from_manifests(text, limits=limits)
    except ManifestError as exc:
        return "error", str(exc)
    return "ok", _dumps(snap)


def _agree(text: str | bytes, limits: LoadLimits | None = None) -> tuple[str, Any]:
    """Load ``text`` both ways and assert they agree; the (general) outcome."""
    general = None
    with _general_only():
        general = _outcome(text, limits)
    assert _outcome(text, limits) == general
    if isinstance(text, str):
        limit = (limits or LoadLimits()).max_documents
        fast = load_json_fast(text, limit) if text.lstrip()[:1] in ("{", "[") else None
        if fast is not None:  # what the fast path vouched for, the general loader loads
            assert general[0] == "ok", general
    return general


_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.integers(),  # outside 64 bits too
    st.sampled_from([0, -1, 10**18, 10**19, -(2**63), 2**63 - 1, 2**63, -(2**63) - 1]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(
        st.characters(codec="utf-8", exclude_categories=("Cs",))
        | st.sampled_from(list(':"\\/{}[],\x00\x1f\u2028\ufeff'))
    ),
)
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=3)
    | st.dictionaries(st.text(st.sampled_from(list('ab:"\\é\u2028')), max_size=4), inner, max_size=3),
    max_leaves=8,
)
_PYTHON_NAMES = ["parent_refs", "section_name", "api_version", "gateway_class_name", "from_"]


def _base_docs() -> st.SearchStrategy[dict[str, Any]]:
    names = st.sampled_from(["a", "b", "c"])
    kinds = st.sampled_from(["HTTPRoute", "GRPCRoute", "TLSRoute", "TCPRoute", "UDPRoute"])
    return st.one_of(
        st.builds(
            lambda n, k, ns: route(
                n,
                namespace=ns,
                kind=k,
                hostnames=[f"{n}.example.com"],
                labels={"app": n},
                annotations={"x/y": "z:1"},
                created="2024-01-01T00:00:00Z",
            ),
            names,
            kinds,
            st.sampled_from(["app", "other"]),
        ),
        st.builds(
            lambda n: gateway(
                n,
                listeners=[listener(hostname="*.example.com"), listener("h2", port=8080)],
                addresses=["192.0.2.1", "lb.example.com"],
            ),
            names,
        ),
        st.builds(lambda n: namespace(n, labels={"team": n}), names),
        st.builds(lambda n: listener_set(n), names),
        st.just({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cm"}}),
        st.just({**gateway("istio"), "apiVersion": "networking.istio.io/v1"}),
        st.just({**route("v"), "apiVersion": "gateway.networking.k8s.io/v9"}),
        st.just({**route("w"), "apiVersion": "v1"}),
    )


def _containers(value: Any, out: list[Any]) -> list[Any]:
    if isinstance(value, dict):
        out.append(value)
        for v in value.values():
            _containers(v, out)
    elif isinstance(value, list):
        out.append(value)
        for v in value:
            _containers(v, out)
    return out


@st.composite
def _mutated(draw: st.DrawFn) -> dict[str, Any]:
    """A manifest with a few changes: extras anywhere, wrong types, Python names, deletions."""
    doc = json.loads(json.dumps(draw(_base_docs())))
    for _ in range(draw(st.integers(0, 3))):
        target = draw(st.sampled_from(_containers(doc, [])))
        action = draw(st.sampled_from(["extra", "replace", "python-name", "delete"]))
        if isinstance(target, list):
            if target and action == "replace":
                target[draw(st.integers(0, len(target) - 1))] = draw(_VALUES)
            elif action == "extra":
                target.append(draw(_VALUES))
            continue
        if action == "extra":
            target[draw(st.text(max_size=5))] = draw(_VALUES)
        elif action == "python-name":
            target[draw(st.sampled_from(_PYTHON_NAMES))] = draw(_VALUES)
        elif target and action in ("replace", "delete"):
            key = draw(st.sampled_from(sorted(target)))
            if action == "delete":
                del target[key]
            else:
                target[key] = draw(_VALUES)
    return doc


class _Writer:
    """JSON text of a value, formatted at random: whitespace, escapes, number spellings, and
    (when asked) duplicate keys inserted into objects."""

    def __init__(self, rng: random.Random, duplicates: float) -> None:
        self.rng = rng
        self.duplicates = duplicates

    def ws(self) -> str:
        if self.rng.random() < 0.7:
            return ""
        return "".join(self.rng.choice(" \t\n\r") for _ in range(self.rng.randint(1, 3)))

    def string(self, text: str) -> str:
        out = ['"']
        for ch in text:
            code = ord(ch)
            roll = self.rng.random()
            if ch == '"' or ch == "\\" or code < 0x20:
                short = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\t": "\\t", "\r": "\\r"}
                out.append(short.get(ch, f"\\u{code:04x}") if roll < 0.5 else f"\\u{code:04X}")
            elif roll < 0.15 and code <= 0xFFFF:
                out.append(f"\\u{code:04x}" if roll < 0.07 else f"\\u{code:04X}")
            elif roll < 0.2 and ch == "/":
                out.append("\\/")
            elif roll < 0.2 and code > 0xFFFF:  # a surrogate pair escape
                high, low = divmod(code - 0x10000, 0x400)
                out.append(f"\\u{0xD800 + high:04x}\\u{0xDC00 + low:04x}")
            else:
                out.append(ch)
        out.append('"')
        return "".join(out)

    def number(self, value: float) -> str:
        if isinstance(value, int):
            return str(value)
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return ("Infinity" if value > 0 else "-Infinity") if self.rng.random() < 0.5 else (
                "1e999" if value > 0 else "-1e999"
            )
        text = repr(value)
        if self.rng.random() < 0.3 and "e" not in text:
            text = f"{value:E}" if self.rng.random() < 0.5 else f"{value:e}"
        return text

    def write(self, value: Any) -> str:
        ws = self.ws
        if value is None:
            return "null"
        if value is True:
            return "true"
        if value is False:
            return "false"
        if isinstance(value, int | float):
            return self.number(value)
        if isinstance(value, str):
            return self.string(value)
        if isinstance(value, list):
            return "[" + ws() + ",".join(ws() + self.write(v) + ws() for v in value) + "]"
        pairs = list(value.items())
        if pairs and self.rng.random() < self.duplicates:
            key, _ = self.rng.choice(pairs)
            where = self.rng.randint(0, len(pairs))
            dup = self.rng.choice([v for _, v in pairs] + [None, "x:y", 1, {"a": 1}])
            pairs.insert(where, (key, dup))
        members = [ws() + self.string(k) + ws() + ":" + ws() + self.write(v) + ws() for k, v in pairs]
        return "{" + ws() + ",".join(members) + "}"


def _list(items: list[Any], kind: str = "List", api: str = "v1") -> dict[str, Any]:
    return {"apiVersion": api, "kind": kind, "metadata": {"resourceVersion": ""}, "items": items}


@st.composite
def _texts(draw: st.DrawFn) -> tuple[str | bytes, LoadLimits | None]:
    docs = draw(st.lists(_base_docs() | _mutated(), max_size=4))
    shape = draw(
        st.sampled_from(["list", "array", "one", "lists", "nested", "typed", "null-item"])
    )
    value: Any
    if shape == "list" or (shape == "one" and not docs):
        value = _list(docs)
    elif shape == "array":
        value = docs
    elif shape == "one":
        value = docs[0]
    elif shape == "lists":
        value = [_list(docs[:1]), _list(docs[1:])]
    elif shape == "nested":
        value = _list([_list(docs)])
    elif shape == "typed":
        value = _list(
            [{k: v for k, v in d.items() if k not in ("apiVersion", "kind")} for d in docs],
            kind="HTTPRouteList",
            api=G,
        )
    else:
        value = _list([*docs, None])
    rng = draw(st.randoms(use_true_random=False))
    text = _Writer(rng, draw(st.sampled_from([0.0, 0.0, 0.05, 0.3]))).write(value)
    text = draw(st.sampled_from(["", " ", "\n\t", "\ufeff"])) + text + draw(
        st.sampled_from(["", "\n", " \r\n"])
    )
    count = sum(1 for d in docs if isinstance(d, dict))
    limits = draw(
        st.sampled_from([None, LoadLimits(max_documents=max(count, 1)), LoadLimits(max_documents=max(count - 1, 1))])
    )
    if draw(st.booleans()):
        encoded = text.encode("utf-8", "surrogatepass")
        return (b"\xef\xbb\xbf" + encoded if draw(st.booleans()) else encoded), limits
    return text, limits


@settings(
    max_examples=400,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(_texts())
def test_fast_path_and_general_loader_agree_on_any_text(case: tuple[str | bytes, Any]) -> None:
    text, limits = case
    _agree(text, limits)


def test_fast_path_takes_formatted_and_escaped_texts() -> None:
    """The property above compares both loaders; this pins that the fast path does take odd
    formatting and escapes (else the comparison would only ever test the general loader)."""
    doc = route("a", hostnames=["a.example.com"], annotations={"k:x": 'v"\\/:'})
    text = _Writer(random.Random(3), 0.0).write(_list([doc]))
    spaced = json.dumps(_list([doc]), indent="\t", separators=(" , ", " : "))
    for t in (text, spaced, json.dumps(_list([doc]), ensure_ascii=True)):
        assert load_json_fast(t, 10) is not None
        assert _agree(t)[0] == "ok"


# --- the models: what the pydantic models did ---------------------------------------------------
