r"""Loading JSON text fast: the fast path of ``Snapshot.from_manifests(text)``.

``kubectl get gateways,httproutes,... -o json`` prints one ``List``; a cluster of 10,000 routes
is 16 MB of it. Parsing it with Python's ``json`` module and then validating each document
costs several times what the parse alone does, so JSON text is validated by pydantic-core
(``validate_json``) against a schema generated from the models, with no Python-level parse: a
``List`` item by item (:func:`_load_items`: each item's text on its own, so pydantic-core's
parse tree is one item's, not the whole text's), anything else in one pass over the whole text
(a ``List``, one object or a JSON array of them, the items a union of the kinds chosen by
``kind``). The validated dicts become the models' manifests as they are.

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
from pydantic_core import from_json, to_json
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
_ROUTES = frozenset(ROUTE_KINDS.values())
_DIGITS = bytes.maketrans(b"0123456789", b"9999999999")
_LONG_NUMBER = b"9" * 19
#: the escape of a colon: one regular-expression scan (two ``in`` tests cost four times as much)
_COLON_ESCAPE = re.compile(r"\\u003[aA]")
#: where one item of a ``List`` ends and the next begins: ``}``, a comma, ``{`` and the key
#: ``"apiVersion"`` (kubectl and ``json.dumps`` write it first); see :func:`_load_items`
_ITEM_CUT = re.compile(r'\}[ \t\r\n]*,[ \t\r\n]*\{(?=[ \t\r\n]*"apiVersion"[ \t\r\n]*:)')
#: where a ``List``'s items begin: its ``"items"`` key, the array, the first object
_ITEMS_OPEN = re.compile(r'"items"[ \t\r\n]*:[ \t\r\n]*\[[ \t\r\n]*(?=\{)')
#: how often one item's text may be extended past a false cut, and how many times the items'
#: text all pieces together may be: past either, the text is validated whole (linear time)
_MAX_EXTENSIONS = 16
_BUDGET = 2
_ADAPTERS: tuple[TypeAdapter[Any], TypeAdapter[Any]] | None = None


class _Whole:
    """Returned when a ``List`` cannot be split into its items: validate the text whole."""


_WHOLE = _Whole()


def _adapters() -> tuple[TypeAdapter[Any], TypeAdapter[Any]]:
    """The schemas of a JSON text (a ``List``, one object, or an array of them) and of an item."""
    global _ADAPTERS  # noqa: PLW0603 - built once, on first use (a cache, not state)
    if _ADAPTERS is None:
        objects = [Annotated[cls._typed_dict(), Tag(k)] for k, cls in _CLASSES.items()]
        one_of: Any = Union  # the unions are built at run time, from the kinds
        item: Any = Annotated[one_of[tuple(objects)], Discriminator("kind")]
        items: dict[str, Any] = {
            "apiVersion": NotRequired[Any],
            "kind": Literal["List"],
            "items": list[item],
        }
        list_doc: Any = TypedDict("List", items)  # type: ignore[misc]
        setattr(list_doc, "__pydantic_config__", ConfigDict(extra="allow"))  # noqa: B010
        document: Any = Annotated[
            one_of[(*objects, Annotated[list_doc, Tag("List")])], Discriminator("kind")
        ]
        _ADAPTERS = TypeAdapter(one_of[document, list[document]]), TypeAdapter(item)
    return _ADAPTERS


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
    loaded = _load_items(text, max_documents)
    if not isinstance(loaded, _Whole):
        return loaded
    try:
        value = _adapters()[0].validate_json(text)
    except (ValidationError, RecursionError, ValueError):
        return None
    if not _vouched(text.count(":"), value):
        return None
    return _objects(value, max_documents)


def _vouched(colons: int, *values: Any) -> bool:
    """Whether validated ``values`` hold every key and no integer outside 64 bits."""
    encoded = to_json(values)
    if encoded.count(b":") != colons:
        return False  # duplicate keys were merged away
    return _LONG_NUMBER not in encoded.translate(_DIGITS)  # maybe an integer outside 64 bits


def _load_items(text: str, max_documents: int) -> list[Resource] | _Whole | None:
    """A ``List`` validated item by item, or ``_WHOLE`` when it cannot be split.

    Validating the text whole makes pydantic-core build a parse tree of all of it first; an
    item at a time, each tree is small and gone before the next (about a third less time at
    10k routes). The text is cut before each ``{"apiVersion":`` that follows ``},``: outside
    strings, since a string cannot hold an unescaped ``"`` and JSON allows no letter after a
    string's end. A cut inside an item (an ``ownerReferences`` or ``managedFields`` entry) leaves
    its first part truncated, which no parser accepts, so that part is extended to the next cut
    and parsed again (at most ``_MAX_EXTENSIONS`` times per item, and all pieces together at
    most ``_BUDGET`` times the items' text: past either, the text is validated whole). What
    makes the result the text's: :func:`_envelope` proves where the items are; every piece
    parses as exactly one complete object; and between two pieces there is only a comma and
    whitespace.
    """
    found = _envelope(text)
    if found is None:
        return _WHOLE
    first, last, envelope = found
    validate = _adapters()[1].validate_json
    collected = _Collected(max_documents)
    budget = _BUDGET * (last - first)
    start = first
    extended = 0
    for cut in (*(m.start() + 1 for m in _ITEM_CUT.finditer(text, first, last)), last):
        budget -= cut - start
        if budget < 0:
            return _WHOLE
        piece = text[start:cut]
        try:
            data = validate(piece)
        except ValidationError as exc:
            if exc.errors(include_url=False)[0]["type"] != "json_invalid":
                return None  # an invalid object: the general loader names the problem
            extended += 1
            if extended > _MAX_EXTENSIONS:
                return _WHOLE
            continue  # a cut inside the item: extend it to the next cut
        except RecursionError:
            return None
        if not _vouched(piece.count(":"), data) or not collected.add(data, piece):
            return None
        extended = 0
        start = text.index("{", cut) if cut < last else last
    if start != last:
        return _WHOLE  # the last piece never parsed
    if not _vouched(text[:first].count(":") + text[last:].count(":"), envelope):
        return None
    return collected.objects


def _envelope(text: str) -> tuple[int, int, dict[str, Any]] | None:
    """(where the items begin, where they end, the ``List`` without them), or ``None``.

    The candidates: after the first ``"items": [`` that an object follows, and before the last
    ``]`` when a ``}`` precedes it. They are the ``List``'s own items only if the text around
    them, with something else in their place, is an object of kind ``List`` whose ``items`` is
    exactly that something, for two different somethings: a value written in the text itself
    (``"items"`` nested in ``metadata``, say, holding the first marker in any spelling) cannot
    equal both, so the ``items`` read is the one holding the cut.
    """
    opened = _ITEMS_OPEN.search(text)
    close = text.rfind("]")
    if opened is None or close < opened.end():
        return None
    first = opened.end()
    last = _before_space(text, first, close)
    if text[last - 1] != "}":
        return None
    head, tail = text[:first], text[last:]
    envelope: Any = None
    for mark in ("0", "1"):
        try:
            envelope = from_json(head + mark + tail, allow_inf_nan=False)
        except (ValueError, RecursionError):
            return None
        if type(envelope) is not dict or envelope.get("items") != [int(mark)]:
            return None
    if envelope.get("kind") != "List":
        return None  # an object with an "items" key of its own
    envelope["items"] = []
    return first, last, envelope


def _before_space(text: str, start: int, end: int) -> int:
    """Where the JSON whitespace that ends ``text[start:end]`` begins (in linear time)."""
    window = 64
    while True:
        low = max(start, end - window)
        kept = len(text[low:end].rstrip(" \t\r\n"))
        if kept or low == start:
            return low + kept
        end = low
        window *= 2


class _Collected:
    """The objects loaded so far: at most ``max_documents``, one per (kind, namespace, name)."""

    __slots__ = ("max_documents", "objects", "seen")

    def __init__(self, max_documents: int) -> None:
        self.objects: list[Resource] = []
        # keys as strings, not tuples: strings are not containers the collector counts and
        # walks (a tuple per object made a full collection more likely during a load); an odd
        # name holding the separator can only make a false duplicate, which the general
        # loader judges
        self.seen: set[str] = set()
        self.max_documents = max_documents

    def add(self, item: dict[str, Any], text: str | None = None) -> bool:
        """Add one validated manifest; ``False`` when the general loader must judge the text.

        ``text``: the JSON text ``item`` was validated from, when it is the item's alone: a
        route then keeps it and only what the computation reads (``RouteBase._compact``).
        """
        if "apiVersion" not in item:
            return False  # the models default it; the general loader requires it
        cls = _CLASSES[item["kind"]]
        obj = cls._view(item) if text is None or cls not in _ROUTES else cls._compact(text, item)
        key = f"{item['kind']}\0{obj.namespace}\0{obj.name}"
        if key in self.seen or len(self.objects) >= self.max_documents:
            return False
        self.seen.add(key)
        self.objects.append(obj)
        return True


def _objects(value: Any, max_documents: int) -> list[Resource] | None:
    docs = value if isinstance(value, list) else [value]
    collected = _Collected(max_documents)
    for doc in docs:
        items = doc["items"] if doc["kind"] == "List" else (doc,)
        for item in items:
            if not collected.add(item):
                return None
    return collected.objects
