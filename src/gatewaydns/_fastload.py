r"""Loading JSON text in one validation pass: the fast path of ``Snapshot.from_manifests(text)``.

``kubectl get gateways,httproutes,... -o json`` prints one ``List``; a cluster of 10,000 routes
is 16 MB of it. Parsing it with Python's ``json`` module and then validating each document
costs several times what the parse alone does, so JSON text is first validated in *one*
pydantic-core pass (``validate_json``) against a schema generated from the models: the
document (a ``List``, one object or a JSON array) whose items are a union of the kinds,
chosen by ``kind``. The validated dicts become the models' manifests as they are.

The fast path only ever answers "loaded" or "not mine": it never reports a problem. Whatever it
does not fully vouch for falls back to the general loader (:mod:`gatewaydns._snapshot`), which
names every problem by document and field path:

* any validation error: an invalid object, or a document of a kind or API group the library
  does not read (the general loader skips those), a nested or typed list, ``null`` items;
* the hostile values of #14, found without a Python-level parse:

  - duplicate keys: in JSON every key, and nothing else outside strings, is followed by a
    colon; parsing keeps strings' colons and re-serialising writes them back, so the text
    and the re-serialised documents have as many colons unless keys were merged away. The
    one escape that decodes to a colon (``\u003a``) sends the text to the general loader;
  - integers outside 64 bits: a run of 19 or more digits anywhere (a cheap over-approximation);
  - lone surrogates: pydantic-core refuses their escapes, and texts with any surrogate escape
    or surrogate character never reach this path;

* a document without ``apiVersion`` (the models default it, the general loader requires it
  to choose the model by API group);
* more documents than ``LoadLimits.max_documents``, or two documents for one object.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal, Union

from pydantic import ConfigDict, Discriminator, Tag, TypeAdapter, ValidationError
from pydantic_core import to_json
from typing_extensions import NotRequired, TypedDict

from gatewaydns._gateway import Gateway, ListenerSet
from gatewaydns._meta import Namespace, Resource
from gatewaydns._routes import ROUTE_KINDS

__all__ = ["load_json_fast"]

#: kind -> model class: the kinds a fast-path document may hold.
_CLASSES: dict[str, type[Resource]] = {
    "Gateway": Gateway,
    "ListenerSet": ListenerSet,
    **ROUTE_KINDS,
    "Namespace": Namespace,
}
_DIGITS = bytes.maketrans(b"0123456789", b"9999999999")
_LONG_NUMBER = b"9" * 19
#: the escape of a colon: one regular-expression scan (two ``in`` tests cost four times as much)
_COLON_ESCAPE = re.compile(r"\\u003[aA]")
_ADAPTER: TypeAdapter[Any] | None = None


def _adapter() -> TypeAdapter[Any]:
    """The schema of a JSON text: a ``List`` of objects, one object, or an array of them."""
    global _ADAPTER  # noqa: PLW0603 - built once, on first use (a cache, not state)
    if _ADAPTER is None:
        objects = [Annotated[cls._typed_dict(), Tag(k)] for k, cls in _CLASSES.items()]
        one_of: Any = Union  # the unions are built at run time, from the kinds
        items: dict[str, Any] = {
            "apiVersion": NotRequired[Any],
            "kind": Literal["List"],
            "items": list[Annotated[one_of[tuple(objects)], Discriminator("kind")]],  # type: ignore[misc]
        }
        list_doc: Any = TypedDict("List", items)  # type: ignore[misc]
        setattr(list_doc, "__pydantic_config__", ConfigDict(extra="allow"))  # noqa: B010
        document: Any = Annotated[
            one_of[(*objects, Annotated[list_doc, Tag("List")])], Discriminator("kind")
        ]
        _ADAPTER = TypeAdapter(one_of[document, list[document]])
    return _ADAPTER


def load_json_fast(text: str, max_documents: int) -> list[Resource] | None:
    """The objects of a JSON text, or ``None`` when the general loader must judge it.

    Args:
        text: JSON text (already checked for size and surrogates by the caller).
        max_documents: ``LoadLimits.max_documents``.

    Returns:
        The models in document order, or ``None`` (see the module docstring for when).
    """
    if _COLON_ESCAPE.search(text) is not None:
        return None
    try:
        value = _adapter().validate_json(text)
    except (ValidationError, RecursionError, ValueError):
        return None
    encoded = to_json(value)
    if encoded.count(b":") != text.count(":"):
        return None  # duplicate keys were merged away
    if _LONG_NUMBER in encoded.translate(_DIGITS):
        return None  # maybe an integer outside 64 bits
    return _objects(value, max_documents)


def _objects(value: Any, max_documents: int) -> list[Resource] | None:
    docs = value if isinstance(value, list) else [value]
    objects: list[Resource] = []
    # keys as strings, not tuples: strings are not containers the garbage collector counts and
    # walks (a tuple per object made a full collection more likely during a load); an odd name
    # holding the separator can only make a false duplicate, which the general loader judges
    seen: set[str] = set()
    for doc in docs:
        items = doc["items"] if doc["kind"] == "List" else (doc,)
        for item in items:
            if "apiVersion" not in item:
                return None  # the models default it; the general loader requires it
            obj = _CLASSES[item["kind"]]._view(item)
            key = f"{item['kind']}\0{obj.namespace}\0{obj.name}"
            if key in seen or len(objects) >= max_documents:
                return None
            seen.add(key)
            objects.append(obj)
    return objects
