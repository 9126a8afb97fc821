"""The shared pydantic base of every Kubernetes resource model.

Resource models must round-trip a manifest losslessly (SPEC section 12)::

    Model.model_validate(doc).model_dump(mode="json", by_alias=True, exclude_unset=True) == doc

which decides the configuration below:

* ``extra="allow"``: fields the library does not model are kept and dumped back.
* Manifests are read by their camelCase *alias only*. Python code may construct models by
  attribute name (``ParentReference(section_name="https")``), but ``model_validate`` turns name
  matching off, and a manifest key that is a Python attribute name rather than the Kubernetes
  key (``parent_refs`` instead of ``parentRefs``) is an error: it is almost always a typo that
  would otherwise be silently ignored by Kubernetes consumers and produce no DNS.
* Scalars are strict (``"80"`` is not a port, ``true`` is not a string); collections are
  lax so that lists become tuples.
* Optional fields accept an explicit ``null`` and keep it, so it survives the round trip;
  CRD defaults are pydantic defaults, which ``exclude_unset`` never dumps.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import partial
from typing import Annotated, Any, ClassVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    StrictStr,
)
from pydantic_core import PydanticCustomError
from typing_extensions import Self

from gatewaydns._clientobjects import UnrecognizedObjectError, to_manifest

__all__ = ["GATEWAY_GROUP", "KINDS_READ", "KindInfo", "KubeModel", "Timestamp"]

#: The API group of every Gateway API kind.
GATEWAY_GROUP = "gateway.networking.k8s.io"


@dataclass(frozen=True)
class KindInfo:
    """Where the API serves a kind gatewaydns reads, and which of its versions it reads.

    Attributes:
        group: the API group (``""`` for the core group).
        plural: the resource name in URLs (``httproutes``).
        versions: the versions gatewaydns reads, in order of preference (the newest first).
    """

    group: str
    plural: str
    versions: tuple[str, ...]

    @property
    def api_versions(self) -> tuple[str, ...]:
        """The ``apiVersion`` values a manifest of the kind may carry (``group/version``)."""
        return tuple(f"{self.group}/{v}" if self.group else v for v in self.versions)


#: Every kind gatewaydns reads -> its group, plural and versions: the one table the models (which
#: apiVersions a manifest may carry) and the Kubernetes watcher (what it lists) are built from.
KINDS_READ: dict[str, KindInfo] = {
    "Gateway": KindInfo(GATEWAY_GROUP, "gateways", ("v1", "v1beta1", "v1alpha2")),
    "ListenerSet": KindInfo(GATEWAY_GROUP, "listenersets", ("v1",)),
    "HTTPRoute": KindInfo(GATEWAY_GROUP, "httproutes", ("v1", "v1beta1", "v1alpha2")),
    "GRPCRoute": KindInfo(GATEWAY_GROUP, "grpcroutes", ("v1", "v1alpha2")),
    "TLSRoute": KindInfo(GATEWAY_GROUP, "tlsroutes", ("v1", "v1alpha3", "v1alpha2")),
    "TCPRoute": KindInfo(GATEWAY_GROUP, "tcproutes", ("v1", "v1alpha2")),
    "UDPRoute": KindInfo(GATEWAY_GROUP, "udproutes", ("v1", "v1alpha2")),
    "Namespace": KindInfo("", "namespaces", ("v1",)),
}


def _timestamp(value: Any) -> Any:
    # PyYAML's default loaders turn unquoted RFC 3339 timestamps into datetime objects; accept
    # them from callers who loaded YAML themselves and keep Kubernetes' wire form.
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return value


#: An RFC 3339 timestamp, kept as the string Kubernetes wrote.
Timestamp = Annotated[StrictStr, BeforeValidator(_timestamp)]


class KubeModel(BaseModel):
    """Base of every resource model: frozen, lossless, read from manifests by alias only."""

    model_config = ConfigDict(
        frozen=True,
        extra="allow",
        validate_by_alias=True,
        validate_by_name=True,
        serialize_by_alias=True,
        loc_by_alias=True,
        hide_input_in_errors=False,
    )

    _python_only_names: ClassVar[dict[str, str]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # The key guard: a validator of the *keys of the extras*, so it runs only for keys that
        # are not fields (none, for a valid manifest) instead of once per object. Declared per
        # class, before pydantic collects the fields, because it names the class's own fields.
        cls.__annotations__["__pydantic_extra__"] = dict[
            Annotated[str, AfterValidator(partial(_reject_python_name, cls))], Any
        ]

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        cls._python_only_names = {
            name: field.alias
            for name, field in cls.model_fields.items()
            if field.alias is not None and field.alias != name
        }

    def __copy__(self) -> Self:
        """A shallow copy with its own fields-set and extras (``model_copy`` changes them)."""
        copied = super().__copy__()
        unshare_containers(copied)
        return copied

    def __deepcopy__(self, memo: dict[int, Any] | None = None) -> Self:
        """A deep copy with its own fields-set and extras."""
        copied = super().__deepcopy__(memo)
        unshare_containers(copied)
        return copied

    @classmethod
    def model_validate(
        cls,
        obj: Any,
        *,
        strict: bool | None = None,
        extra: Any = None,
        from_attributes: bool | None = None,
        context: Any | None = None,
        by_alias: bool | None = None,
        by_name: bool | None = None,
    ) -> Self:
        """Validate a manifest (a dict as ``json.loads`` returns it) by its Kubernetes keys.

        Unlike pydantic's default for this class, attribute names are not accepted as keys
        unless ``by_name=True`` is passed. Objects of the Python Kubernetes clients are accepted
        as they are (kopf ``Body``, kr8s ``APIObject``, lightkube and cloudcoil resources, the
        official client's models): they are converted by :func:`gatewaydns.to_manifest` first.
        """
        if type(obj) is not dict and not isinstance(obj, cls):
            with contextlib.suppress(UnrecognizedObjectError):  # pydantic reports its type
                obj = to_manifest(obj)
        return super().model_validate(
            obj,
            strict=strict,
            extra=extra,
            from_attributes=from_attributes,
            context=context,
            by_alias=True if by_alias is None else by_alias,
            by_name=False if by_name is None else by_name,
        )


def shared_fields_set(names: Iterable[str]) -> set[str]:
    """The read-only fields-set shared by models whose set of fields is ``names``.

    For models built without validation (``Endpoint.trusted``, ``make_diagnostic``): such a
    model must also give its copies private containers (``__copy__`` calling
    :func:`unshare_containers`), because ``model_copy`` changes a copy's set in place.
    """
    key = frozenset(names)
    return _FIELDS_SETS.setdefault(key, _SharedSet(key))


def unshare_containers(model: BaseModel) -> None:
    """Give a copied model private containers: copies are changed in place by ``model_copy``."""
    _SLOT_FIELDS_SET.__set__(model, set(_SLOT_FIELDS_SET.__get__(model, type(model))))
    extra = _SLOT_EXTRA.__get__(model, type(model))
    _SLOT_EXTRA.__set__(model, None if extra is None else dict(extra))


def _reject_python_name(cls: type[KubeModel], key: str) -> str:
    """Reject an unknown key that is a Python attribute name of ``cls`` (``parent_refs``).

    Only keys that match no field reach this (pydantic's extras); with ``by_name=False`` (the
    default of :meth:`KubeModel.model_validate`) an attribute name is such a key. Pydantic
    reports the error at the key's own location; :func:`gatewaydns.format_loc` callers drop it.
    """
    alias = cls._python_only_names.get(key)
    if alias is not None:
        raise PydanticCustomError(
            "python_name",
            "unknown field {name}: manifests use the Kubernetes name {alias}",
            {"name": repr(key), "alias": repr(alias)},
        )
    return key


# --- shared bookkeeping ----------------------------------------------------------------------
# Every pydantic model instance carries a fields-set (a ``set``, always tracked by the cyclic
# garbage collector, 200-700 bytes) and an extras dict (64 bytes when empty). A route is about
# twenty-five models, and the sets alone were a third of the objects the collector walked and
# of the memory a loaded snapshot retained (#17). The models are frozen, so these containers are
# never changed in place after validation: equal fields-sets are shared (one per distinct set of
# field names) and every empty extras dict is one shared dict. Copies (``model_copy``, which
# does change them in place) get private containers again, see ``KubeModel.__copy__``.

_SLOT_FIELDS_SET: Any = BaseModel.__dict__["__pydantic_fields_set__"]
_SLOT_EXTRA: Any = BaseModel.__dict__["__pydantic_extra__"]


def _read_only(self: Any, *args: Any, **kwargs: Any) -> Any:
    msg = (
        "the fields-set and extras of a gatewaydns model are shared with equal ones: read-only "
        "(use model_copy(update=...))"
    )
    raise TypeError(msg)


class _SharedSet(set[str]):
    """A fields-set shared by models: a ``set`` (pydantic requires one) that refuses changes."""

    __slots__ = ()
    add = discard = remove = pop = clear = update = _read_only
    difference_update = intersection_update = symmetric_difference_update = _read_only
    __ior__ = __iand__ = __isub__ = __ixor__ = _read_only


class _SharedDict(dict[str, Any]):
    """The empty extras dict shared by models: a ``dict`` that refuses changes."""

    __slots__ = ()
    __setitem__ = __delitem__ = setdefault = pop = popitem = clear = update = _read_only
    __ior__ = _read_only


_FIELDS_SETS: dict[frozenset[str], set[str]] = {}
#: Distinct fields-sets shared at most. Only sets of a model's own field names are shared (a
#: finite set per schema; the benchmark generator's clusters need about 50).
_MAX_SHARED = 4096
_NO_EXTRA: dict[str, Any] = _SharedDict()


class _SharedFieldsSet:
    """``__pydantic_fields_set__``: stores the shared set equal to the one assigned."""

    def __get__(self, obj: Any, owner: Any = None) -> Any:
        if obj is None:
            return self
        return _SLOT_FIELDS_SET.__get__(obj, owner)

    def __set__(self, obj: Any, value: set[str]) -> None:
        key = frozenset(value)
        shared = _FIELDS_SETS.get(key)
        if shared is None:
            if len(_FIELDS_SETS) >= _MAX_SHARED or not key.issubset(type(obj).model_fields):
                # unknown keys (extras) in the set, or the table is full: a private copy, so
                # the table stays bounded by the schema whatever documents a process reads
                _SLOT_FIELDS_SET.__set__(obj, set(value))
                return
            # a copy: the caller may still change the set it passed
            shared = _FIELDS_SETS.setdefault(key, _SharedSet(key))
        _SLOT_FIELDS_SET.__set__(obj, shared)


class _SharedExtra:
    """``__pydantic_extra__``: stores the shared empty dict when the extras are empty."""

    def __get__(self, obj: Any, owner: Any = None) -> Any:
        if obj is None:
            return self
        return _SLOT_EXTRA.__get__(obj, owner)

    def __set__(self, obj: Any, value: dict[str, Any] | None) -> None:
        _SLOT_EXTRA.__set__(obj, _NO_EXTRA if value is not None and not value else value)


type.__setattr__(KubeModel, "__pydantic_fields_set__", _SharedFieldsSet())
type.__setattr__(KubeModel, "__pydantic_extra__", _SharedExtra())
