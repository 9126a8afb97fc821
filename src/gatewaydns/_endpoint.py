"""Endpoint: one DNS name, one record type, its targets, in external-dns's JSON shape.

``ep.model_dump(mode="json", by_alias=True, exclude_defaults=True)`` gives exactly what
external-dns's Endpoint marshals to (its webhook provider protocol)::

    {"dnsName": "www.example.com", "targets": ["192.0.2.1"], "recordType": "A",
     "setIdentifier": "eu", "recordTTL": 300, "labels": {"resource": "httproute/app/shop"},
     "providerSpecific": [{"name": "alias", "value": "true"}]}

with the empty fields omitted (``omitempty`` upstream).
"""

from __future__ import annotations

from collections.abc import ItemsView, Iterable, Iterator, KeysView, Mapping, ValuesView
from itertools import chain
from typing import Any, Final, TypeAlias

from pydantic import BaseModel, ConfigDict, Field, GetCoreSchemaHandler
from pydantic_core import core_schema
from typing_extensions import Self

from gatewaydns._base import SharedFieldsSetModel, shared_fields_set
from gatewaydns._dnsname import normalize_name

__all__ = [
    "Endpoint",
    "EndpointMaker",
    "Labels",
    "ProviderSpecificProperty",
    "RecordKey",
    "Row",
    "endpoint_row",
    "endpoint_rows",
    "endpoint_sort_key",
    "record_key",
    "route_labels",
    "row_endpoint",
]


class Labels(Mapping[str, str]):
    """An endpoint's labels: an immutable, hashable mapping that compares equal to a ``dict``.

    Serialised as a JSON object (a ``dict`` in ``model_dump``), so an endpoint's JSON shape and
    its dumps are those of a plain ``dict[str, str]``.

    Example:
        >>> labels = Labels({"resource": "httproute/app/shop"})
        >>> labels == {"resource": "httproute/app/shop"}, hash(labels) == hash(Labels(labels))
        (True, True)
    """

    __slots__ = ("_items",)

    def __init__(self, items: Mapping[str, str] | Iterable[tuple[str, str]] = ()) -> None:
        self._items: dict[str, str] = dict(items)

    def __getitem__(self, key: str) -> str:
        return self._items[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, key: object) -> bool:
        return key in self._items

    # the dict's own views and lookup: Mapping's generic ones go through __getitem__ per key
    def items(self) -> ItemsView[str, str]:
        """The (key, value) pairs (a read-only view)."""
        return self._items.items()

    def keys(self) -> KeysView[str]:
        """The keys (a read-only view)."""
        return self._items.keys()

    def values(self) -> ValuesView[str]:
        """The values (a read-only view)."""
        return self._items.values()

    def get(self, key: str, default: Any = None) -> Any:
        """The value of ``key``, or ``default``."""
        return self._items.get(key, default)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Labels):
            return self._items == other._items
        if isinstance(other, Mapping):
            return self._items == dict(other.items())
        return NotImplemented

    def __hash__(self) -> int:
        return hash(frozenset(self._items.items()))

    def __repr__(self) -> str:
        return repr(self._items)

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        from_dict = core_schema.no_info_after_validator_function(
            cls, handler.generate_schema(dict[str, str])
        )
        return core_schema.json_or_python_schema(
            json_schema=from_dict,
            python_schema=core_schema.union_schema(
                [core_schema.is_instance_schema(cls), from_dict]
            ),
            serialization=core_schema.plain_serializer_function_ser_schema(
                lambda labels: dict(labels._items)
            ),
        )


class _Value(BaseModel):
    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        validate_by_alias=True,
        validate_by_name=True,
        serialize_by_alias=True,
    )


class ProviderSpecificProperty(_Value):
    """A provider-specific property (``{"name": ..., "value": ...}``)."""

    name: str
    value: str


class Endpoint(_Value, SharedFieldsSetModel):
    """A DNS endpoint: a name, a record type and its targets.

    Attributes:
        dns_name: the fully qualified name, lower-case, no trailing dot (``dnsName``).
        targets: sorted, de-duplicated targets (IP addresses or host names).
        record_type: ``A``, ``AAAA`` or ``CNAME`` (``recordType``).
        set_identifier: routing-policy set identifier, ``""`` when unset (``setIdentifier``).
        record_ttl: TTL in seconds, 0 when unset (``recordTTL``).
        labels: labels such as ``resource`` (the route that produced it); immutable.
        provider_specific: provider-specific properties, sorted by name (``providerSpecific``).
    """

    dns_name: str = Field(alias="dnsName")
    targets: tuple[str, ...] = ()
    record_type: str = Field("", alias="recordType")
    set_identifier: str = Field("", alias="setIdentifier")
    record_ttl: int = Field(0, alias="recordTTL")
    labels: Labels = Field(default_factory=Labels)
    provider_specific: tuple[ProviderSpecificProperty, ...] = Field((), alias="providerSpecific")

    @classmethod
    def trusted(  # noqa: PLR0917 - positional for speed; one call site per record set
        cls,
        dns_name: str,
        targets: tuple[str, ...],
        record_type: str,
        set_identifier: str,
        record_ttl: int,
        labels: Mapping[str, str],
        provider_specific: tuple[ProviderSpecificProperty, ...],
    ) -> Endpoint:
        """Build an endpoint from values the caller has already validated and normalised.

        What ``model_construct`` does, without its generic overhead (the computation makes one
        per record set). ``tests/test_endpoint.py`` checks the result equals a validated one.
        """
        ep = _new(cls)
        _set_dict(
            ep,
            {
                "dns_name": dns_name,
                "targets": targets,
                "record_type": record_type,
                "set_identifier": set_identifier,
                "record_ttl": record_ttl,
                "labels": labels if isinstance(labels, Labels) else Labels(labels),
                "provider_specific": provider_specific,
            },
        )
        # one read-only set shared by every trusted endpoint (#17: a set per endpoint is a
        # container the garbage collector tracks); a copy gets its own set (__copy__)
        _set_fields_set(ep, _ALL_FIELDS_SET)
        _set_extra(ep, None)
        _set_private(ep, None)
        return ep

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Self:
        """A copy with ``update`` applied; new ``labels`` become immutable :class:`Labels`."""
        if update and "labels" in update and not isinstance(update["labels"], Labels):
            update = {**update, "labels": Labels(update["labels"])}
        return super().model_copy(update=update, deep=deep)

    def to_json(self) -> dict[str, Any]:
        """The external-dns Endpoint JSON object (empty fields omitted)."""
        return self.model_dump(mode="json", by_alias=True, exclude_defaults=True)

    @property
    def key(self) -> RecordKey:
        """What identifies the record set, compared as DNS compares: see :func:`record_key`."""
        return record_key(self.dns_name, self.record_type, self.set_identifier)


#: ``(name, record type, set identifier)``: what identifies a DNS record set.
RecordKey: TypeAlias = tuple[str, str, str]


def record_key(name: str, record_type: str, set_identifier: str = "") -> RecordKey:
    """The identity of a record set: name normalised, type in upper case, set identifier.

    The one key the planner, the providers and the test fakes index records by, so that
    ``Shop.Example.com.`` and ``shop.example.com`` (or ``a`` and ``A``) are one record set.

    Example:
        >>> record_key("Shop.Example.com.", "a")
        ('shop.example.com', 'A', '')
    """
    return (normalize_name(name), record_type.upper(), set_identifier)


_ENDPOINT_FIELDS = frozenset(Endpoint.model_fields)
# the slots every pydantic model has, set through their descriptors (what object.__setattr__
# finds, without looking them up per call): Endpoint.trusted builds one endpoint per record set
_new = object.__new__
_set_dict = BaseModel.__dict__["__dict__"].__set__
_set_fields_set = BaseModel.__dict__["__pydantic_fields_set__"].__set__
_set_extra = BaseModel.__dict__["__pydantic_extra__"].__set__
_set_private = BaseModel.__dict__["__pydantic_private__"].__set__
_ALL_FIELDS_SET = shared_fields_set(_ENDPOINT_FIELDS)


#: An endpoint as one plain tuple of its fields, in the order they sort: ``(dns_name,
#: record_type, set_identifier, record_ttl, targets, provider-specific (name, value) pairs, its
#: labels' keys and values, sorted by key, in one flat tuple: key, value, key, value, ...)``
#: (flat: one tuple per route's labels, not one per label and one around them; flat sorted
#: pairs compare as the pairs do). The computation works on rows and makes
#: :class:`Endpoint` objects only when a result is read (#17): a tuple of strings, integers and
#: tuples of them is one object the garbage collector stops tracking after its first look at
#: it, where an endpoint is three objects it walks in every full collection. A row is also the
#: endpoint's sort key (:func:`endpoint_sort_key`), so rows sort as their endpoints do.
Row: TypeAlias = tuple[
    str, str, str, int, tuple[str, ...], tuple[tuple[str, str], ...], tuple[str, ...]
]


def route_labels(resource: str) -> tuple[str, ...]:
    """The labels of a route's endpoints, as a row holds them: its ``resource``."""
    return ("resource", resource)


# the fields of a Row, by position
NAME: Final = 0
TYPE: Final = 1
SET_ID: Final = 2
TTL: Final = 3
TARGETS: Final = 4
SPECIFIC: Final = 5


def endpoint_row(ep: Endpoint) -> Row:
    """An endpoint as a :data:`Row` (what :func:`row_endpoint` makes back into it)."""
    ps = ep.provider_specific
    labels = ep.labels
    return (
        ep.dns_name,
        ep.record_type,
        ep.set_identifier,
        ep.record_ttl,
        ep.targets,
        tuple((p.name, p.value) for p in ps) if ps else (),
        tuple(chain.from_iterable(sorted(labels.items()) if len(labels) > 1 else labels.items())),
    )


def endpoint_sort_key(ep: Endpoint) -> Row:
    """The total order of endpoints in every output: name, type, set-id, TTL, targets, ...

    Args:
        ep: the endpoint.

    Returns:
        A tuple that sorts endpoints deterministically: the endpoint's :data:`Row`.
    """
    return endpoint_row(ep)


class EndpointMaker:
    """Makes :class:`Endpoint` objects of :data:`Row` values, sharing what rows share.

    The labels of a route's endpoints are one immutable :class:`Labels`, and equal
    provider-specific properties one tuple, as :func:`Endpoint.trusted` callers always did. A row's
    values are normalised and typed already: the endpoint is built without re-validation.
    """

    __slots__ = ("_labels", "_specific")

    def __init__(self) -> None:
        self._labels: dict[tuple[str, ...], Labels] = {}
        self._specific: dict[tuple[tuple[str, str], ...], tuple[ProviderSpecificProperty, ...]] = {}

    def __call__(self, row: Row) -> Endpoint:
        """The endpoint of ``row``."""
        name, rtype, set_id, ttl, targets, pairs, flat = row
        labels = self._labels.get(flat)
        if labels is None:
            labels = self._labels[flat] = Labels(zip(flat[::2], flat[1::2], strict=True))
        specific: tuple[ProviderSpecificProperty, ...] = ()
        if pairs:
            found = self._specific.get(pairs)
            if found is None:
                found = self._specific[pairs] = tuple(
                    ProviderSpecificProperty(name=k, value=v) for k, v in pairs
                )
            specific = found
        return Endpoint.trusted(name, targets, rtype, set_id, ttl, labels, specific)

    def all(self, rows: Iterable[Row]) -> tuple[Endpoint, ...]:
        """The endpoints of ``rows``, in their order."""
        return tuple(map(self, rows))


def row_endpoint(row: Row) -> Endpoint:
    """The :class:`Endpoint` of one :data:`Row`."""
    return EndpointMaker()(row)


def endpoint_rows(endpoints: Iterable[Endpoint]) -> tuple[Row, ...]:
    """The :data:`Row` of each endpoint, in order."""
    return tuple(map(endpoint_row, endpoints))
