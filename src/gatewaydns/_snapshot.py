"""Snapshot: the Gateway API objects of a cluster, and loading them from manifests.

``Snapshot.from_manifests`` accepts what ``kubectl get ... -o yaml|json`` prints (``kind: List``
included, nested lists too), multi-document YAML, JSON text, an iterable of dicts, and the objects
of the Python Kubernetes clients (see :mod:`gatewaydns._clientobjects`). It checks JSON types and
structure only (SPEC section 0) and reports *every* invalid document in one
:class:`~gatewaydns.ManifestError`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from itertools import chain
from typing import Any, TypeAlias

from pydantic import ValidationError

from gatewaydns._base import GATEWAY_GROUP, KubeModel
from gatewaydns._clientobjects import (
    UnrecognizedObjectError,
    is_client_object,
    to_manifest,
    type_name,
)
from gatewaydns._errors import ManifestError, ManifestProblem
from gatewaydns._fastload import load_json_fast
from gatewaydns._gateway import Gateway, ListenerSet
from gatewaydns._hostile import (
    Marks,
    find_hostile,
    has_surrogate_escape,
    loads_json,
    might_be_hostile,
    printable,
    surrogate_position,
)
from gatewaydns._meta import Namespace, Resource
from gatewaydns._routes import ROUTE_KINDS, Route
from gatewaydns._yaml import YAMLParseError, load_yaml_documents

__all__ = [
    "DEFAULT_LIMITS",
    "KINDS",
    "LoadLimits",
    "ManifestInput",
    "Snapshot",
    "error_path",
    "format_loc",
    "validation_problems",
]

#: (API group, kind) -> model class for everything the library reads.
KINDS: dict[tuple[str, str], type[Resource]] = {
    (GATEWAY_GROUP, "Gateway"): Gateway,
    (GATEWAY_GROUP, "ListenerSet"): ListenerSet,
    **{(GATEWAY_GROUP, kind): cls for kind, cls in ROUTE_KINDS.items()},
    ("", "Namespace"): Namespace,
}

#: What ``Snapshot.from_manifests`` accepts. Objects are recognised by duck typing (a mapping,
#: a pydantic model, an object with a ``.raw`` mapping, an official-client model, an object with
#: ``to_dict()``), hence ``object``: anything else is reported as an invalid document.
ManifestInput: TypeAlias = "str | bytes | Mapping[str, Any] | Iterable[object] | object"


@dataclass(frozen=True)
class LoadLimits:
    """Bounds on what ``Snapshot.from_manifests`` accepts, so hostile input fails fast.

    Attributes:
        max_bytes: the largest text (YAML or JSON) accepted; 256 MiB by default (a 50,000-route
            cluster is about 80 MB of JSON).
        max_documents: the most documents, ``List`` items included; 1,000,000 by default.
        max_yaml_nodes: the most nodes YAML aliases may add to the whole input when expanded,
            summed over all its documents: each use of an alias adds the size of what it refers
            to (a "billion laughs" bomb expands exponentially, and a bomb split across many
            documents is caught too); 100,000 by default. Input without aliases adds nothing.
    """

    max_bytes: int = 256 * 2**20
    max_documents: int = 1_000_000
    max_yaml_nodes: int = 100_000


DEFAULT_LIMITS = LoadLimits()


@dataclass(frozen=True)
class Snapshot:
    """The Gateway API objects the computation looks at. Immutable.

    Attributes:
        gateways: every Gateway.
        listener_sets: every ListenerSet.
        routes: every HTTPRoute, GRPCRoute, TLSRoute, TCPRoute and UDPRoute.
        namespaces: every Namespace (their labels drive ``allowedRoutes`` selectors).
    """

    gateways: tuple[Gateway, ...] = ()
    listener_sets: tuple[ListenerSet, ...] = ()
    routes: tuple[Route, ...] = ()
    namespaces: tuple[Namespace, ...] = ()

    @classmethod
    def from_objects(cls, objects: Iterable[Resource]) -> Snapshot:
        """Build a snapshot from model instances of any supported kind.

        Args:
            objects: Gateways, ListenerSets, routes and Namespaces, in any order.

        Returns:
            The snapshot; objects of other types raise ``TypeError``.
        """
        gateways: list[Gateway] = []
        listener_sets: list[ListenerSet] = []
        routes: list[Route] = []
        namespaces: list[Namespace] = []
        for obj in objects:
            if isinstance(obj, Gateway):
                gateways.append(obj)
            elif isinstance(obj, ListenerSet):
                listener_sets.append(obj)
            elif isinstance(obj, Namespace):
                namespaces.append(obj)
            elif isinstance(obj, tuple(ROUTE_KINDS.values())):
                routes.append(obj)  # type: ignore[arg-type]
            else:
                msg = f"not a Gateway API object gatewaydns reads: {type(obj).__name__}"
                raise TypeError(msg)
        return cls(tuple(gateways), tuple(listener_sets), tuple(routes), tuple(namespaces))

    @classmethod
    def from_manifests(cls, docs: ManifestInput, *, limits: LoadLimits | None = None) -> Snapshot:
        """Load a snapshot from Kubernetes manifests.

        Args:
            docs: YAML text (multi-document), JSON text (an object, a ``List`` or an array),
                bytes of either, one manifest, or an iterable of manifests. A manifest is a
                dict, or an object of a Python Kubernetes client as that client returns it: a
                kopf ``Body``, a kr8s ``APIObject``, a lightkube resource (generic or typed), a
                cloudcoil resource, or a model of the official ``kubernetes`` client (see
                :func:`gatewaydns.to_manifest`). ``kind: List`` documents (``kubectl get -o
                yaml|json``, a client's list object) are flattened, nested lists too. Documents
                of other kinds, or of a ``Gateway`` kind in another API group (Istio's), are
                ignored.
            limits: size limits (default :class:`LoadLimits`()).

        Returns:
            The snapshot.

        Raises:
            ManifestError: one or more documents are invalid; every one is listed with
                its index, kind, namespace/name and field path (an object that is not a
                manifest with its index and its type).
            ImportError: YAML text was given and PyYAML (the ``yaml`` extra) is missing.

        Example:
            >>> snap = Snapshot.from_manifests('{"apiVersion": "v1", "kind": "Namespace",'
            ...                                ' "metadata": {"name": "app"}}')
            >>> [ns.name for ns in snap.namespaces]
            ['app']
        """
        limits = limits or DEFAULT_LIMITS
        fast = _load_fast(docs, limits)
        if fast is not None:
            return cls.from_objects(fast)
        problems: list[ManifestProblem] = []
        objects: list[Resource] = []
        seen: dict[tuple[str, str, str], str] = {}
        count = 0
        for index, doc, scan, owned in _documents(docs, problems, limits):
            bad: dict[str, list[ManifestProblem]] = {}
            if scan:  # duplicate keys, integers outside 64 bits, lone surrogates
                for loc, message in find_hostile(doc):
                    item, obj, rest = _locate(doc, loc)
                    bad.setdefault(item, []).append(
                        _problem(index, item, obj, format_loc(rest), message)
                    )
                if "" in bad:  # the document itself (or its List) is affected
                    problems.extend(chain.from_iterable(bad.values()))
                    continue
            for item, obj in _flatten(doc, "", None, release=owned):
                if item in bad:
                    problems.extend(bad[item])
                    continue
                count += 1
                if count > limits.max_documents:
                    msg = f"more than {limits.max_documents} documents (LoadLimits.max_documents)"
                    problems.append(_problem(index, item, None, "", msg))
                    raise ManifestError(problems)
                loaded = _load_one(index, item, obj, problems)
                if loaded is None:
                    continue
                key = (loaded.kind, loaded.namespace, loaded.name)  # type: ignore[attr-defined]
                where = f"document {index}" + (f", {item}" if item else "")
                if key in seen:
                    problems.append(
                        _problem(index, item, obj, "", f"duplicate object (also in {seen[key]})")
                    )
                    continue
                seen[key] = where
                objects.append(loaded)
        if problems:
            raise ManifestError(problems)
        return cls.from_objects(objects)


def _load_fast(docs: ManifestInput, limits: LoadLimits) -> list[Resource] | None:
    """JSON text loaded by pydantic-core alone (:mod:`gatewaydns._fastload`), or ``None``."""
    if not isinstance(docs, bytes | str) or len(docs) > limits.max_bytes:
        return None
    if isinstance(docs, bytes):
        try:
            docs = docs.decode("utf-8-sig")
        except UnicodeDecodeError:
            return None
    if docs.lstrip()[:1] not in ("{", "["):
        return None
    if surrogate_position(docs) is not None or has_surrogate_escape(docs):
        return None
    return load_json_fast(docs, limits.max_documents)


def _documents(
    docs: ManifestInput, problems: list[ManifestProblem], limits: LoadLimits
) -> Iterator[tuple[int, Any, bool, bool]]:
    """(index, document, whether to scan it for hostile values, whether it was parsed here).

    A document parsed here from text belongs to the loader, which drops each ``List`` item once
    it is loaded (see :func:`_flatten`); the caller's own dicts are never changed.
    """
    if isinstance(docs, bytes | str) and len(docs) > limits.max_bytes:
        msg = f"the input is {len(docs)} bytes, more than {limits.max_bytes} (LoadLimits.max_bytes)"
        problems.append(_problem(0, "", None, "", msg))
        return
    if isinstance(docs, bytes):
        try:
            docs = docs.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            problems.append(_problem(0, "", None, "", f"the input is not UTF-8: {exc}"))
            return
    if isinstance(docs, str):
        where = surrogate_position(docs)
        if where is not None:
            line, column, code = where
            msg = (
                f"the text has a lone surrogate ({code}) at line {line}, column {column}: it is "
                "not valid Unicode (decode bytes as UTF-8 with errors='strict')"
            )
            problems.append(_problem(0, "", None, "", msg))
            return
        marks = Marks()
        escapes = has_surrogate_escape(docs)
        for index, doc in _parse_text(docs, problems, limits, marks):
            yield index, doc, marks.found or escapes, True
    elif isinstance(docs, Mapping) or is_client_object(docs):
        ok, doc = _as_document(0, docs, problems)
        if ok:
            yield 0, doc, might_be_hostile(doc), False
    else:
        try:
            items = iter(docs)  # type: ignore[call-overload]
        except TypeError:
            problems.append(_problem(0, "", None, "", _not_a_manifest(docs)))
            return
        for index, item in enumerate(items):
            ok, doc = _as_document(index, item, problems)
            if ok:
                yield index, doc, might_be_hostile(doc), False


def _as_document(index: int, obj: object, problems: list[ManifestProblem]) -> tuple[bool, Any]:
    """(whether to load it, the document) for one input object: client objects as manifests.

    Dicts and JSON values pass as they are (``_load_one`` judges them); mappings and objects of
    the Kubernetes clients become plain dicts; anything else is a problem naming its type.
    """
    if type(obj) is dict or isinstance(obj, str | int | float | list | type(None)):
        return True, obj
    try:
        if isinstance(obj, KubeModel):
            return True, _own_manifest(obj)
        return True, to_manifest(obj)
    except UnrecognizedObjectError as exc:
        problems.append(_problem(index, "", None, "", str(exc)))
    except RecursionError:
        problems.append(_problem(index, "", None, "", "nested too deeply"))
    except Exception as exc:  # a client's own conversion failed: report it, go on
        msg = f"could not read the {type_name(obj)} object: {type(exc).__name__}: {exc}"
        problems.append(_problem(index, "", None, "", msg))
    return False, None


def _own_manifest(model: KubeModel) -> dict[str, Any]:
    """The manifest a model of this library was made from, exactly.

    Explicit nulls and unknown fields are kept; ``apiVersion`` and ``kind`` (defaults when the
    model was built in Python) come first.
    """
    manifest = model.model_dump(mode="json", by_alias=True, exclude_unset=True)
    if not isinstance(model, Resource):
        return manifest
    head = {"apiVersion": model.api_version, "kind": getattr(model, "kind", None)}
    return {k: v for k, v in head.items() if isinstance(v, str)} | manifest


def _not_a_manifest(obj: object) -> str:
    return (
        "expected manifests: text, a mapping, an iterable, or an object of a Kubernetes "
        f"client, got an object of type {type_name(obj)}"
    )


def _parse_text(
    text: str, problems: list[ManifestProblem], limits: LoadLimits, marks: Marks
) -> Iterator[tuple[int, Any]]:
    stripped = text.lstrip()
    if stripped[:1] in ("{", "["):
        try:
            value = loads_json(text, marks)
        except RecursionError:
            problems.append(_problem(0, "", None, "", "invalid JSON: nested too deeply"))
            return
        except json.JSONDecodeError as exc:
            if stripped[:1] == "{":
                problems.append(_problem(0, "", None, "", f"invalid JSON: {exc}"))
                return
            # a YAML flow sequence also starts with "[": let the YAML parser judge it
        else:
            if isinstance(value, list):
                yield from _released(value)
            else:
                yield 0, value
            return
    try:
        yield from enumerate(
            load_yaml_documents(text, max_nodes=limits.max_yaml_nodes, marks=marks)
        )
    except YAMLParseError as exc:
        problems.append(_problem(exc.index, "", None, "", exc.message))


def _locate(doc: Any, loc: tuple[int | str, ...]) -> tuple[str, Any, tuple[int | str, ...]]:
    """The ``List`` item a field path falls in: (item path, item, path inside the item)."""
    item, obj, rest = "", doc, loc
    while (
        isinstance(obj, Mapping)
        and _is_list(obj)
        and len(rest) >= 2
        and rest[0] == "items"
        and isinstance(rest[1], int)
        and isinstance(obj.get("items"), list)
    ):
        i = rest[1]
        obj = _with_list_type(obj["items"][i], obj)
        item = f"{item}.items[{i}]" if item else f"items[{i}]"
        rest = rest[2:]
    return item, obj, rest


def _released(items: list[Any]) -> Iterator[tuple[int, Any]]:
    """Enumerate a list parsed here, dropping each item from it once it is handed out.

    A loaded object keeps what it needs; the parsed dicts are then freed one by one instead of
    staying alive (and being walked by every garbage collection) until the load ends.
    """
    for i in range(len(items)):
        sub = items[i]
        items[i] = None
        yield i, sub


def _flatten(
    doc: Any, item: str, list_doc: Mapping[str, Any] | None, *, release: bool = False
) -> Iterator[tuple[str, Any]]:
    """Yield (item path, object) for a document, descending into ``*List`` documents.

    With ``release`` (the document was parsed here) each ``List`` item is dropped from its list
    once handed out.
    """
    if isinstance(doc, Mapping) and _is_list(doc):
        items = doc.get("items")
        if items is None:
            return
        if not isinstance(items, list):
            yield item, doc  # reported by _load_one as a bad List
            return
        for i, sub in _released(items) if release else enumerate(items):
            path = f"{item}.items[{i}]" if item else f"items[{i}]"
            yield from _flatten(_with_list_type(sub, doc), path, doc, release=release)
        return
    yield item, doc


def _is_list(doc: Mapping[str, Any]) -> bool:
    kind = doc.get("kind")
    return isinstance(kind, str) and kind.endswith("List") and "items" in doc


def _with_list_type(item: Any, list_doc: Mapping[str, Any]) -> Any:
    # Items of a typed list (HTTPRouteList, as the API server returns it) may lack apiVersion
    # and kind; they are those of the list.
    kind = list_doc.get("kind")
    if not isinstance(item, Mapping) or kind == "List" or not isinstance(kind, str):
        return item
    if "kind" in item and "apiVersion" in item:
        return item
    return {"apiVersion": list_doc.get("apiVersion"), "kind": kind[: -len("List")], **item}


def _load_one(index: int, item: str, doc: Any, problems: list[ManifestProblem]) -> Resource | None:
    if doc is None and not item:
        return None  # an empty YAML document ("---" at the end of a file)
    if not isinstance(doc, Mapping):
        got = _json_type(doc)
        problems.append(
            _problem(index, item, None, "", f"expected an object (a manifest), got {got}")
        )
        return None
    api_version = doc.get("apiVersion")
    kind = doc.get("kind")
    if not isinstance(api_version, str) or not isinstance(kind, str):
        field = "apiVersion" if not isinstance(api_version, str) else "kind"
        value = doc.get(field)
        what = "field required" if value is None else f"expected a string, got {_json_type(value)}"
        problems.append(_problem(index, item, doc, field, what))
        return None
    if _is_list(doc):
        problems.append(_problem(index, item, doc, "items", "expected a list"))
        return None
    group = api_version.rpartition("/")[0]
    model = KINDS.get((group, kind))
    if model is None:
        return None  # a kind the library does not use
    try:
        return model.model_validate(doc)
    except ValidationError as exc:
        problems.extend(validation_problems(exc, index, item, doc))
        return None
    except RecursionError:
        problems.append(_problem(index, item, doc, "", "nested too deeply"))
        return None


def validation_problems(
    exc: ValidationError, index: int, item: str, doc: Mapping[str, Any] | None
) -> list[ManifestProblem]:
    """Turn a pydantic ``ValidationError`` into readable problems with field paths.

    Args:
        exc: the validation error.
        index: the document index.
        item: the ``items[...]`` path inside a List, or ``""``.
        doc: the document, to name its kind and object.

    Returns:
        One problem per error.
    """
    return [
        _problem(index, item, doc, error_path(err), _message(err))
        for err in exc.errors(include_url=False)
    ]


def error_path(err: Any) -> str:
    """The field path of one pydantic error (an item of ``ValidationError.errors()``).

    An unknown key that is a Python attribute name is reported at the object holding it, as
    the message names the key (``spec: unknown field 'parent_refs': ...``).

    Args:
        err: the error.

    Returns:
        The path, formatted by :func:`format_loc`.
    """
    loc = tuple(err["loc"])
    if err["type"] == "python_name" and loc:
        loc = loc[:-1]
    return format_loc(loc)


def format_loc(loc: tuple[int | str, ...]) -> str:
    """Format a pydantic error location as a field path: ``spec.parentRefs[0].name``.

    Args:
        loc: the location tuple.

    Returns:
        The dotted path; map keys that are not identifiers are quoted in brackets.
    """
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part.replace("_", "a").replace("-", "a").isalnum():
            out += f".{part}" if out else part
        else:
            out += f"[{part!r}]"
    return out


_TYPE_MESSAGES = {
    "string_type": "a string",
    "int_type": "an integer",
    "int_from_float": "an integer",
    "bool_type": "a boolean",
    "tuple_type": "a list",
    "list_type": "a list",
    "dict_type": "an object (a map)",
    "model_type": "an object (a map)",
    "model_attributes_type": "an object (a map)",
}


def _message(err: Any) -> str:
    kind = err["type"]
    if kind == "missing":
        return "field required"
    if kind in _TYPE_MESSAGES:
        return f"expected {_TYPE_MESSAGES[kind]}, got {_json_type(err['input'])}"
    msg = str(err["msg"])
    msg = msg.removeprefix("Value error, ")
    return msg[:1].lower() + msg[1:]


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"a boolean ({'true' if value else 'false'})"
    if isinstance(value, int):
        return f"an integer ({value})" if value.bit_length() <= 64 else "a huge integer"
    if isinstance(value, float):
        return f"a number ({value!r})"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return f"a string ({shown!r})"
    if isinstance(value, Mapping):
        return "an object"
    if isinstance(value, list | tuple):
        return "a list"
    return type(value).__name__


def _problem(
    index: int, item: str, doc: Mapping[str, Any] | None, path: str, message: str
) -> ManifestProblem:
    kind = namespace = name = ""
    if isinstance(doc, Mapping):
        kind = _str_or_empty(doc.get("kind"))
        meta = doc.get("metadata")
        if isinstance(meta, Mapping):
            name = _str_or_empty(meta.get("name"))
            namespace = _str_or_empty(meta.get("namespace"))
            if name and not namespace and kind != "Namespace":
                namespace = "default"
    # names come from the input: never let them carry control characters into a message
    return ManifestProblem(
        index, item, printable(kind), printable(namespace), printable(name), path, message
    )


def _str_or_empty(value: object) -> str:
    return value if isinstance(value, str) else ""
