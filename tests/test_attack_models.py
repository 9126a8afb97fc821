"""Attack on the #17 model layer: typed views over validated manifests (``_base.py``) and the
one-pass JSON loader (``_fastload.py``).

The fast path must agree with the general loader on every text (the same snapshot or the same
``ManifestError``), and the views must behave as the pydantic models they replaced did.
"""

from __future__ import annotations

import functools
import json
import math
import pickle
import random
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import Any
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from gatewaydns import (
    Gateway,
    HTTPRoute,
    ManifestError,
    ObjectMeta,
    ParentReference,
    Snapshot,
    to_manifest,
)
from gatewaydns import _snapshot as snapshot_module
from gatewaydns._base import Field
from gatewaydns._fastload import load_json_fast
from gatewaydns._gateway import GatewaySpec
from gatewaydns._snapshot import LoadLimits

from .helpers import G, gateway, listener, listener_set, namespace, route

# --- the fast path and the general loader agree on every text ---------------------------------


@contextmanager
def _general_only() -> Iterator[None]:
    """The general loader alone: the fast path never answers."""
    with mock.patch.object(snapshot_module, "load_json_fast", return_value=None):
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
        st.characters(codec="utf-8", exclude_categories=["Cs"])
        | st.sampled_from(list(':"\\/{}[],\x00\x1f\u2028\ufeff'))
    ),
)
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(
            st.text(st.sampled_from(list('ab:"\\é\u2028')), max_size=4), inner, max_size=3
        )
    ),
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
        st.builds(listener_set, names),
        st.just({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cm"}}),
        st.just({**gateway("istio"), "apiVersion": "networking.istio.io/v1"}),
        st.just({**route("v"), "apiVersion": "gateway.networking.k8s.io/v9"}),
        st.just({**route("w"), "apiVersion": "v1"}),
        st.builds(
            lambda doc, key: {k: v for k, v in doc.items() if k != key},
            st.sampled_from([gateway("x"), route("x"), namespace("x"), listener_set("x")]),
            st.sampled_from(["apiVersion", "kind"]),
        ),
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
    doc: dict[str, Any] = json.loads(json.dumps(draw(_base_docs())))
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
            return (
                ("Infinity" if value > 0 else "-Infinity")
                if self.rng.random() < 0.5
                else ("1e999" if value > 0 else "-1e999")
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
        members = [
            ws() + self.string(k) + ws() + ":" + ws() + self.write(v) + ws() for k, v in pairs
        ]
        return "{" + ws() + ",".join(members) + "}"


def _list(items: list[Any], kind: str = "List", api: str = "v1") -> dict[str, Any]:
    return {"apiVersion": api, "kind": kind, "metadata": {"resourceVersion": ""}, "items": items}


@st.composite
def _texts(draw: st.DrawFn) -> tuple[str | bytes, LoadLimits | None]:
    docs = draw(st.lists(_base_docs() | _mutated(), max_size=4))
    shape = draw(st.sampled_from(["list", "array", "one", "lists", "nested", "typed", "null-item"]))
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
    text = (
        draw(st.sampled_from(["", " ", "\n\t", "\ufeff"]))
        + text
        + draw(st.sampled_from(["", "\n", " \r\n"]))
    )
    count = len(docs)
    limits = draw(
        st.sampled_from(
            [
                None,
                LoadLimits(max_documents=max(count, 1)),
                LoadLimits(max_documents=max(count - 1, 1)),
            ]
        )
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


def test_json_dumps_hold_only_json_values() -> None:
    """A caller's own YAML loader gives ``datetime`` values; in fields typed ``Any`` (managedFields)
    and unknown fields they are kept, and ``model_dump(mode="json")`` writes them as RFC 3339
    text, as the pydantic models did (it returned the ``datetime``: not JSON)."""
    when = datetime(2024, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    meta = ObjectMeta.model_validate(
        {"name": "a", "managedFields": [{"time": when, "manager": "m"}], "x-seen": when}
    )
    dumped = meta.model_dump(mode="json", by_alias=True, exclude_unset=True)
    assert dumped == {
        "name": "a",
        "managedFields": [{"time": "2024-01-02T03:04:05Z", "manager": "m"}],
        "x-seen": "2024-01-02T03:04:05Z",
    }
    assert json.loads(meta.model_dump_json(exclude_unset=True)) == dumped
    assert meta.model_dump(exclude_unset=True)["x-seen"] == when  # python mode keeps it


class _Holder(BaseModel):
    ref: ParentReference
    refs: tuple[ParentReference, ...] = ()
    route: HTTPRoute | None = None


def _locs(exc: ValidationError) -> list[tuple[tuple[int | str, ...], str]]:
    return [(tuple(e["loc"]), e["type"]) for e in exc.errors()]


def test_models_as_fields_of_pydantic_models_validate_with_clean_paths() -> None:
    """Errors name the field path by Kubernetes keys only, once (not once per branch of an
    internal union with ``is-instance[...]`` / ``function-after[...]`` in the path)."""
    with pytest.raises(ValidationError) as bad:
        _Holder.model_validate({"ref": {"name": 1}})
    assert _locs(bad.value) == [(("ref", "name"), "string_type")]
    with pytest.raises(ValidationError) as guard:
        _Holder.model_validate({"ref": {"name": "a", "section_name": "s"}})
    assert _locs(guard.value) == [(("ref", "section_name"), "python_name")]
    with pytest.raises(ValidationError) as deep:
        _Holder.model_validate({"ref": {"name": "a"}, "route": {**route("r"), "spec": 5}})
    assert _locs(deep.value) == [(("route", "spec"), "dict_type")]
    given = ParentReference(name="a")
    assert _Holder(ref=given).ref is given
    loaded = _Holder.model_validate_json('{"ref": {"name": "a", "port": 443}}')
    assert loaded.ref.port == 443


def test_models_as_fields_of_pydantic_models_dump_with_the_callers_options() -> None:
    """``exclude_unset=True`` gives back the manifest (the defaults were inserted), python mode
    keeps tuples, ``by_alias=False`` gives attribute names."""
    doc = route("r", hostnames=["r.example.com"])
    given: dict[str, Any] = {"ref": {"name": "a", "sectionName": "s"}, "refs": [{"name": "b"}]}
    holder = _Holder.model_validate({**given, "route": doc})
    lossless = holder.model_dump(mode="json", by_alias=True, exclude_unset=True)
    assert lossless == {
        "ref": {"name": "a", "sectionName": "s"},
        "refs": [{"name": "b"}],
        "route": doc,
    }
    assert _Holder.model_validate(lossless) == holder
    assert json.loads(holder.model_dump_json(exclude_unset=True)) == lossless
    python = holder.model_dump(exclude_unset=True)
    assert python["route"]["spec"]["hostnames"] == ("r.example.com",)
    assert holder.model_dump(by_alias=False)["ref"]["section_name"] == "s"
    assert holder.model_dump()["ref"] == {
        "name": "a",
        "sectionName": "s",
        "group": "gateway.networking.k8s.io",
        "kind": "Gateway",
        "namespace": None,
        "port": None,
    }


def test_a_field_given_by_attribute_name_and_by_key_is_an_error() -> None:
    """Building a model with both ``section_name`` and ``sectionName`` took one of them silently;
    the pydantic models reported the attribute name (the key guard)."""
    with pytest.raises(ValidationError) as exc:
        ParentReference(name="a", section_name="x", sectionName="y")  # type: ignore[call-arg]
    assert _locs(exc.value) == [(("section_name",), "python_name")]
    with pytest.raises(ValidationError):
        HTTPRoute(
            metadata={"name": "r"},  # type: ignore[arg-type]
            spec={"parent_refs": [], "parentRefs": []},  # type: ignore[arg-type]
        )
    ref = ParentReference(name="a")
    with pytest.raises(TypeError, match="given twice"):
        ref.model_copy(update={"section_name": "x", "sectionName": "y"})
    with pytest.raises(TypeError, match="given twice"):
        ParentReference.model_construct(name="a", section_name="x", sectionName="y")


def test_model_copy_and_construct_take_nested_dicts_by_attribute_name() -> None:
    """``update={"metadata": {"resource_version": "7"}}`` kept ``resource_version`` as a manifest
    key: the field read ``None`` and the dump was no manifest."""
    r = HTTPRoute.model_validate(route("r"))
    changed = r.model_copy(update={"metadata": {"name": "z", "resource_version": "7"}})
    assert changed.metadata.resource_version == "7"
    assert changed.model_dump(mode="json", exclude_unset=True)["metadata"] == {
        "name": "z",
        "resourceVersion": "7",
    }
    refs = r.spec.model_copy(update={"parent_refs": [{"name": "g", "section_name": "s"}]})
    assert [p.section_name for p in refs.parent_refs or ()] == ["s"]
    built = HTTPRoute.model_construct(metadata={"name": "c", "resource_version": "1"})
    assert built.metadata.resource_version == "1"
    again = HTTPRoute.model_validate(changed.model_dump(mode="json", exclude_unset=True))
    assert again == changed


def test_exclude_defaults_compares_nested_models_as_models() -> None:
    """``spec: {listeners: []}`` equals the default ``GatewaySpec()`` (listeners default to
    ``()``): the pydantic models left it out of ``exclude_defaults`` dumps; the views wrote
    ``spec: {}``."""
    gw = Gateway.model_validate({"metadata": {"name": "g"}, "spec": {"listeners": []}})
    assert gw.spec == GatewaySpec()
    assert gw.model_dump(exclude_defaults=True) == {"metadata": {"name": "g"}}
    other = Gateway.model_validate({"metadata": {"name": "g"}, "spec": {"gatewayClassName": "c"}})
    assert other.model_dump(exclude_defaults=True)["spec"] == {"gatewayClassName": "c"}


def test_model_dump_json_and_json_schema_exist_as_on_the_pydantic_models() -> None:
    ref = ParentReference(name="a", section_name="s")
    assert ref.model_dump_json(exclude_unset=True) == '{"name":"a","sectionName":"s"}'
    assert json.loads(ref.model_dump_json(indent=2)) == ref.model_dump(mode="json")
    schema = ParentReference.model_json_schema()
    assert schema["required"] == ["name"]
    assert "sectionName" in schema["properties"]


class _MyRef(ParentReference):
    team: str | None = Field(default=None, key="teamName")

    @functools.cached_property
    def shout(self) -> str:
        return self.name.upper()


def test_a_users_subclass_has_its_fields_and_cached_properties() -> None:
    """A user's subclass adds a keyed field, and ``functools.cached_property`` works on it (the
    views had no instance ``__dict__``: ``TypeError``)."""
    mine = _MyRef.model_validate({"name": "a", "teamName": "t"})
    assert (mine.team, mine.shout, mine.shout) == ("t", "A", "A")
    assert mine.model_dump(exclude_unset=True) == {"name": "a", "teamName": "t"}
    assert pickle.loads(pickle.dumps(mine)) == mine
    with pytest.raises(ValidationError):
        mine.team = "u"  # type: ignore[misc]
    with pytest.raises(ValidationError):
        _MyRef.model_validate({"name": "a", "team": "t"})  # the key guard covers it too
    assert not hasattr(ParentReference(name="a"), "__dict__")  # the library's own: no dict


def _first_read(
    start: threading.Barrier, seen: dict[int, tuple[Any, ...]], i: int, obj: Any
) -> None:
    start.wait()
    seen[i] = (obj.spec.hostnames, obj.metadata.generation, obj.spec.parent_refs[0].name)


def test_first_reads_from_many_threads_agree() -> None:
    """Readers are installed on a field's first read: threads reading fresh classes' fields
    for the first time at once all get the right values."""
    for round_ in range(20):
        cls: Any = type(f"_Fresh{round_}", (HTTPRoute,), {"__module__": __name__})
        objs = [
            cls.model_validate(route(f"r{i}", hostnames=[f"r{i}.example.com"])) for i in range(8)
        ]
        start = threading.Barrier(len(objs))
        seen: dict[int, tuple[Any, ...]] = {}
        threads = [
            threading.Thread(target=_first_read, args=(start, seen, i, o))
            for i, o in enumerate(objs)
        ]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        assert seen == {i: ((f"r{i}.example.com",), 1, "gw") for i in range(8)}


def _module_state() -> dict[str, int]:
    """Sizes of every container held at module level by the library's modules."""
    sizes: dict[str, int] = {}
    for name, module in list(sys.modules.items()):
        if not name.startswith("gatewaydns"):
            continue
        for attr, value in vars(module).items():
            if isinstance(value, dict | list | set):
                sizes[f"{name}.{attr}"] = len(value)
    return sizes


def test_module_state_does_not_grow_with_distinct_documents() -> None:
    def docs(batch: int) -> list[dict[str, Any]]:
        out = []
        for i in range(200):
            doc = route(f"r{batch}-{i}", hostnames=[f"h{i}.example.com"])
            doc["metadata"][f"x-{batch}-{i}"] = {f"k{i}": [i]}
            doc["spec"][f"y-{batch}-{i}"] = i
            out.append(doc)
        return out

    Snapshot.from_manifests(json.dumps(docs(0)))  # warm: classes, schemas, readers
    Snapshot.from_manifests(docs(0))
    before = _module_state()
    for batch in range(1, 4):
        for snap in (
            Snapshot.from_manifests(json.dumps(docs(batch))),
            Snapshot.from_manifests(docs(batch)),
        ):
            for r in snap.routes:
                r.model_dump(mode="json", exclude_unset=True)
                _ = (r.model_fields_set, r.metadata.model_extra, hash(r.parent_refs[0]))
    assert _module_state() == before


def test_models_given_to_from_manifests_are_loaded_as_their_manifests() -> None:
    """A model of this library given to ``Snapshot.from_manifests`` went through the client-object
    conversion (``exclude_none``, defaults inserted): an explicit ``group: null`` became the
    default group, and the loaded route differed from the one given."""
    doc = route("a", parents=[{"name": "gw", "namespace": "infra", "group": None, "x-seen": None}])
    given = HTTPRoute.model_validate(doc)
    for docs in ([given], given):
        (loaded,) = Snapshot.from_manifests(docs).routes
        assert loaded == given
        assert loaded.parent_refs[0].group is None
        assert loaded.model_dump(mode="json", by_alias=True, exclude_unset=True) == doc
    built = Snapshot.from_manifests([HTTPRoute(metadata=ObjectMeta(name="b"))])  # defaults
    assert [(r.api_version, r.kind, r.name) for r in built.routes] == [
        ("gateway.networking.k8s.io/v1", "HTTPRoute", "b")
    ]
    with pytest.raises(ManifestError, match="document 0: apiVersion: field required"):
        Snapshot.from_manifests([ParentReference(name="a")])


@pytest.mark.parametrize(
    "doc",
    [
        {k: v for k, v in d.items() if k != "apiVersion"}
        for d in (gateway("g"), route("r"), namespace("n"), listener_set("s"))
    ],
    ids=["gateway", "route", "namespace", "listenerset"],
)
def test_a_document_without_api_version_is_an_error_on_both_paths(doc: dict[str, Any]) -> None:
    """The models default ``apiVersion``, so the one-pass schema took a document without it; the
    general loader requires it (it chooses the model by API group): the fast path loaded what
    the general loader reports (found by the property test above)."""
    for text in (json.dumps(doc), json.dumps(_list([doc])), json.dumps([doc])):
        assert load_json_fast(text, 10) is None
        outcome = _agree(text)
        assert outcome[0] == "error"
        assert "apiVersion: field required" in outcome[1]


def test_iterating_a_model_gives_its_fields_then_its_extras() -> None:
    ref = ParentReference.model_validate({"name": "a", "port": 443, "x-color": "blue"})
    pairs = dict(ref)
    assert pairs["name"] == "a"
    assert pairs["port"] == 443
    assert pairs["group"] == "gateway.networking.k8s.io"  # a default, as pydantic gives it
    assert pairs["x-color"] == "blue"
    assert list(pairs)[-1] == "x-color"


def test_to_manifest_of_an_own_model_is_its_manifest() -> None:
    doc = {"name": "a", "group": None, "x-color": "blue"}
    ref = ParentReference.model_validate(doc)
    assert to_manifest(ref) == doc


@given(
    st.fixed_dictionaries(
        {"name": st.text(min_size=1, max_size=3)},
        optional={
            "group": st.none() | st.sampled_from(["", "gateway.networking.k8s.io", "x"]),
            "kind": st.none() | st.sampled_from(["Gateway", "ListenerSet", "Service"]),
            "namespace": st.none() | st.text(max_size=3),
            "sectionName": st.none() | st.text(max_size=3),
            "port": st.none() | st.integers(0, 70000),
        },
    )
)
def test_parent_reference_fields_are_its_attributes(doc: dict[str, Any]) -> None:
    ref = ParentReference.model_validate(doc)
    assert ref.fields() == (
        ref.group,
        ref.kind,
        ref.namespace,
        ref.name,
        ref.section_name,
        ref.port,
    )
