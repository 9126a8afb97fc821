"""The base of every Kubernetes resource model: typed read-only views over validated manifests.

Resource models must round-trip a manifest losslessly (SPEC section 12)::

    Model.model_validate(doc).model_dump(mode="json", by_alias=True, exclude_unset=True) == doc

and a cluster of tens of thousands of routes must load in about twice the time ``json.loads``
takes and fit in a few times its JSON's size (#17). Both decide the design:

* A model does not copy a manifest into an object per field. It *is* the validated manifest
  (a ``dict`` keyed by the Kubernetes names, holding only the keys the manifest has) behind a
  class with one descriptor per field: ``route.spec.parent_refs[0].name`` reads the dict, and a
  nested model is a view made when it is read. Round trips are lossless by construction;
  unknown fields are kept.
* The validation schema is a ``TypedDict`` generated from the class's own field declarations
  (the one source of truth), validated by pydantic-core in one pass, from dicts or from JSON
  text. Scalars are strict (``"80"`` is not a port, ``true`` is not a string); lists become
  tuples; an explicit ``null`` is kept; CRD defaults are read, never inserted.
* Manifests are read by their camelCase key only. Python code may build models by attribute
  name (``ParentReference(name="a", section_name="https")``), but a manifest key that is an
  attribute name (``parent_refs``) is an error naming the Kubernetes key: it is almost always a
  typo that Kubernetes consumers silently ignore. The check is generated into the schema as an
  optional key, so valid manifests never pay for it.
* Models are frozen and compare, hash, copy, pickle and dump as pydantic models do
  (``model_validate``, ``model_dump``, ``model_copy``, ``model_construct``, ``model_fields``).
"""

from __future__ import annotations

import contextlib
import copy
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import partial
from types import UnionType
from typing import (
    TYPE_CHECKING,
    Annotated,
    Any,
    ClassVar,
    Union,
    get_args,
    get_origin,
    get_type_hints,
)

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    GetCoreSchemaHandler,
    TypeAdapter,
    ValidationError,
)
from pydantic.fields import FieldInfo
from pydantic_core import (
    PydanticCustomError,
    PydanticUndefined,
    core_schema,
    to_json,
    to_jsonable_python,
)
from typing_extensions import NotRequired, Self, TypedDict, dataclass_transform

from gatewaydns._clientobjects import UnrecognizedObjectError, to_manifest

__all__ = ["GATEWAY_GROUP", "KINDS_READ", "Field", "KindInfo", "KubeModel", "Timestamp"]

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
    raise PydanticCustomError("string_type", "Input should be a valid string")


class _TimestampSchema:
    """A string as it is (no Python call: most timestamps), or a ``datetime`` made one."""

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler) -> Any:
        return core_schema.union_schema(
            [
                core_schema.str_schema(strict=True),
                core_schema.no_info_plain_validator_function(_timestamp),
            ],
            mode="left_to_right",
            custom_error_type="string_type",
        )


#: An RFC 3339 timestamp, kept as the string Kubernetes wrote.
Timestamp = Annotated[str, _TimestampSchema]


# --- the resource models: typed read-only views over validated manifests --------------------


class _Missing:
    """The marker of an absent key (and of a field without a default)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "<missing>"


_MISSING: Any = _Missing()


def Field(default: Any = PydanticUndefined, *, key: str | None = None) -> Any:  # noqa: N802
    """Declare a field of a resource model: its default, and its manifest key if it differs.

    Example: ``section_name: str | None = Field(default=None, key="sectionName")``.

    Args:
        default: the value read when the manifest leaves the field out (a CRD default); no
            default means the field is required.
        key: the Kubernetes (camelCase) key; the attribute name when ``None``.
    """
    return FieldInfo(default=default, alias=key)


class _Shape:
    """How a field's stored value becomes its attribute value (decided from its type)."""

    PLAIN = 0  # scalars, dicts and lists of scalars: the stored value itself
    MODEL = 1  # a nested model: a view over the stored dict
    MODELS = 2  # a tuple of nested models: a tuple of views


class _FieldSpec:
    """One field: attribute name, manifest key, default and, once resolved, its shape."""

    __slots__ = ("default", "key", "model", "name", "shape")

    def __init__(self, name: str, key: str, default: Any) -> None:
        self.name = name
        self.key = key
        self.default = default  # _MISSING: required
        self.shape = -1  # not resolved yet
        self.model: Any = None


class _FieldView:
    """A field's descriptor until it is first read: then it installs the field's reader.

    A reader is a ``property`` specialised to the field's shape once the field's type can be
    resolved (models may name classes defined after them): reading a plain field is one
    ``dict.get``, reading a model field makes a view over the nested dict.
    """

    __slots__ = ("owner", "spec")

    def __init__(self, spec: _FieldSpec, owner: type) -> None:
        self.spec = spec
        self.owner = owner

    def __get__(self, obj: Any, owner: Any = None) -> Any:
        if obj is None:
            return self
        if self.spec.shape < 0:
            _resolve(self.owner, self.spec)
        defined: Any = self.owner
        reader = _reader(self.spec, defined._compact_keys.get(self.spec.key))
        type.__setattr__(self.owner, self.spec.name, reader)
        return reader.__get__(obj, owner)

    def __set__(self, obj: Any, value: Any) -> None:
        _frozen(obj, self.spec.name, value)


def _reader(spec: _FieldSpec, compact: int | None = None) -> property:
    """The ``property`` that reads field ``spec`` of a model's manifest.

    ``compact``: where a compact manifest (:meth:`KubeModel._thaw`) holds the field's value,
    when it holds it: read from there, the manifest is not made whole.
    """
    key, default, name = spec.key, spec.default, spec.name

    def missing(obj: Any) -> Any:
        if default is _MISSING:
            msg = f"{type(obj).__name__!r} object has no attribute {name!r}"
            raise AttributeError(msg)
        return default

    if spec.shape == _Shape.PLAIN and compact is not None:

        def read_compact(obj: Any) -> Any:
            data = _SLOT(obj)
            if type(data) is tuple:
                return data[compact]
            try:
                return data[key]
            except KeyError:
                return missing(obj)  # the default, or AttributeError as every reader gives

        return property(read_compact, doc=name)
    if spec.shape == _Shape.PLAIN:
        if default is _MISSING:

            def read_required(obj: Any) -> Any:
                try:
                    return obj._data[key]
                except KeyError:
                    return missing(obj)

            return property(read_required, doc=name)

        def read(obj: Any) -> Any:
            return obj._data.get(key, default)

        return property(read, doc=name)
    model = spec.model
    if spec.shape == _Shape.MODEL:

        def read_model(obj: Any) -> Any:
            value = obj._data.get(key, _MISSING)
            if value is None:
                return None
            if value is _MISSING:
                return missing(obj)
            view = _NEW(model)  # what KubeModel._view does, without its call
            _SET_DATA(view, value)
            return view

        return property(read_model, doc=name)

    def read_models(obj: Any) -> Any:
        value = obj._data.get(key, _MISSING)
        if value is None:
            return None
        if value is _MISSING:
            return missing(obj)
        views = []
        for item in value:
            view = _NEW(model)
            _SET_DATA(view, item)
            views.append(view)
        return tuple(views)

    return property(read_models, doc=name)


def _frozen(obj: Any, name: str, value: Any) -> None:
    raise ValidationError.from_exception_data(
        type(obj).__name__, [{"type": "frozen_instance", "loc": (name,), "input": value}]
    )


@dataclass_transform(kw_only_default=True, frozen_default=True, field_specifiers=(Field,))
class _ModelMeta(type):
    """Builds a resource model class: one descriptor per field, no instance ``__dict__``."""

    def __new__(mcs, name: str, bases: tuple[type, ...], ns: dict[str, Any], **kw: Any) -> Any:
        if str(ns.get("__module__", "")).partition(".")[0] == "gatewaydns":
            # the library's models: no instance dict (memory, #17); a user's subclass keeps one,
            # so ``functools.cached_property`` works on it as on a pydantic model
            ns.setdefault("__slots__", ())
        own: dict[str, _FieldSpec] = {}
        for field, annotation in ns.get("__annotations__", {}).items():
            text = annotation if isinstance(annotation, str) else repr(annotation)
            if field.startswith("_") or "ClassVar" in text:
                continue
            default = ns.pop(field, _MISSING)
            key = field
            if isinstance(default, FieldInfo):
                key = default.alias or field
                default = _MISSING if default.default is PydanticUndefined else default.default
            own[field] = _FieldSpec(field, key, default)
        cls = super().__new__(mcs, name, bases, ns, **kw)
        fields: dict[str, _FieldSpec] = {}
        for base in reversed(cls.__mro__[1:]):
            fields.update(base.__dict__.get("_specs", {}))
        fields.update(own)
        type.__setattr__(cls, "_specs", fields)
        type.__setattr__(cls, "_keys", {spec.key: spec for spec in fields.values()})
        for spec in own.values():
            type.__setattr__(cls, spec.name, _FieldView(spec, cls))
        hook = getattr(cls, "_model_init_subclass", None)
        if hook is not None:
            hook()
        return cls


class _ModelFields:
    """``Model.model_fields`` (also on instances): attribute name -> pydantic ``FieldInfo``.

    Built on first use (the annotations may name classes defined later): the field's
    annotation, its default, and ``alias`` = its Kubernetes key when that is not the name.
    """

    def __get__(self, obj: Any, owner: Any = None) -> dict[str, FieldInfo]:
        cls = owner if owner is not None else type(obj)
        found: dict[str, FieldInfo] | None = cls.__dict__.get("_field_infos")
        if found is None:
            hints = _hints(cls)
            found = {
                spec.name: FieldInfo(
                    annotation=hints[spec.name],
                    default=PydanticUndefined if spec.default is _MISSING else spec.default,
                    alias=None if spec.key == spec.name else spec.key,
                )
                for spec in cls._specs.values()
            }
            type.__setattr__(cls, "_field_infos", found)
        return found


def _hints(cls: type) -> dict[str, Any]:
    return get_type_hints(cls, include_extras=True)


def _resolve(cls: type, spec: _FieldSpec) -> int:
    """Decide (once) how a field's stored value is read: plain, a view, or a tuple of views."""
    annotation = _hints(cls)[spec.name]
    model, shape = _model_in(annotation)
    spec.model = model
    spec.shape = shape
    return shape


def _model_in(annotation: Any) -> tuple[Any, int]:
    """(model class, shape) for ``M``, ``M | None``, ``tuple[M, ...]`` (``| None``)."""
    args = [a for a in get_args(annotation) if a is not type(None)]
    if get_origin(annotation) in {Union, UnionType} and len(args) == 1:
        return _model_in(args[0])
    if isinstance(annotation, type) and issubclass(annotation, KubeModel):
        return annotation, _Shape.MODEL
    if get_origin(annotation) is tuple and len(args) == 2 and args[1] is Ellipsis:
        inner = args[0]
        if isinstance(inner, type) and issubclass(inner, KubeModel):
            return inner, _Shape.MODELS
    if _mentions_model(annotation):
        msg = f"unsupported model field type {annotation!r}"
        raise TypeError(msg)
    return None, _Shape.PLAIN


def _mentions_model(annotation: Any) -> bool:
    if isinstance(annotation, type) and issubclass(annotation, KubeModel):
        return True
    return any(_mentions_model(a) for a in get_args(annotation))


def _raw(annotation: Any) -> Any:
    """``annotation`` with every model class replaced by its generated TypedDict."""
    if isinstance(annotation, type) and issubclass(annotation, KubeModel):
        return annotation._typed_dict()
    origin = get_origin(annotation)
    args = get_args(annotation)
    if origin is None or not args or not any(_mentions_model(a) for a in args):
        return annotation
    if origin in {Union, UnionType}:
        return Union[tuple(_raw(a) for a in args)]  # noqa: UP007
    if origin is Annotated:
        return Annotated[(_raw(args[0]), *annotation.__metadata__)]
    return origin[tuple(_raw(a) for a in args)]


_TD_CONFIG = ConfigDict(extra="allow", hide_input_in_errors=False)


class KubeModel(metaclass=_ModelMeta):
    """Base of every resource model: a frozen, typed, read-only view over a validated manifest.

    A model holds the manifest as validated (a ``dict`` keyed by the Kubernetes names, with
    only the keys the manifest has) and reads its attributes from it on access, so loading a
    cluster makes no object per field and a round trip is lossless by construction. The
    validation schema is a TypedDict generated from the class's own field declarations.
    """

    __slots__ = ("_data",)

    _specs: ClassVar[dict[str, _FieldSpec]]
    _keys: ClassVar[dict[str, _FieldSpec]]
    #: manifest key -> where a compact manifest of this class holds that key's value
    _compact_keys: ClassVar[dict[str, int]] = {}
    model_fields: ClassVar[dict[str, FieldInfo]] = _ModelFields()  # type: ignore[assignment]

    if TYPE_CHECKING:

        @property
        def _data(self) -> dict[str, Any]:
            """The validated manifest this model reads (never changed)."""
            ...

    else:

        def __init__(self, **values: Any) -> None:
            data = _by_name(type(self), values)
            _DATA.__set__(self, type(self)._adapter().validate_python(data))

    @classmethod
    def _view(cls, data: dict[str, Any]) -> Self:
        """A view over an already validated manifest (no validation, no copy)."""
        obj: Self = _NEW(cls)
        _SET_DATA(obj, data)
        return obj

    def _thaw(self, compact: tuple[Any, ...]) -> dict[str, Any]:
        """The manifest of a compact model, validated again from its text and kept from now on.

        A fast load keeps a route as its document's JSON text (``compact[0]``) and the few values
        the computation reads (see ``RouteBase``): no dict per nested object, so the collector
        has little to walk however many routes there are (#17). The first read of anything else
        validates the text again, with the schema that validated it at load time, and the model
        holds that manifest from then on.
        """
        data = type(self)._adapter().validate_json(compact[0])
        _SET_DATA(self, data)
        return data

    @classmethod
    def _typed_dict(cls) -> Any:
        """The TypedDict this class validates manifests with, generated from its fields."""
        found = cls.__dict__.get("_td")
        if found is not None:
            return found
        hints = _hints(cls)
        check = cls.__dict__.get("_check_fields") or getattr(cls, "_check_fields", None)
        items: dict[str, Any] = {}
        for spec in cls._specs.values():
            annotation = _raw(hints[spec.name])
            checker = check(spec.name) if check is not None else None
            if checker is not None:
                annotation = Annotated[annotation, AfterValidator(checker)]
            items[spec.key] = annotation if spec.default is _MISSING else NotRequired[annotation]
        for spec in cls._specs.values():  # the key guard: attribute names are not keys
            if spec.key != spec.name and spec.name not in items:
                guard = BeforeValidator(partial(_reject_python_name, spec.name, spec.key))
                items[spec.name] = NotRequired[Annotated[Any, guard]]
        td: Any = TypedDict(cls.__name__, items)  # type: ignore[misc]
        setattr(td, "__pydantic_config__", _TD_CONFIG)  # noqa: B010 - not a TypedDict key
        td.__module__ = cls.__module__
        type.__setattr__(cls, "_td", td)
        return td

    @classmethod
    def _adapter(cls) -> TypeAdapter[dict[str, Any]]:
        found = cls.__dict__.get("_ta")
        if found is None:
            found = TypeAdapter(cls._typed_dict())
            type.__setattr__(cls, "_ta", found)
        return found

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler) -> Any:
        """Inside a pydantic model or ``TypeAdapter``: validated as a manifest, kept as a view.

        An instance is taken as it is; anything else is validated by the generated schema (its
        errors carry the field path by Kubernetes keys, nothing else). Dumping honours the
        caller's ``mode``, ``by_alias``, ``exclude_unset``, ``exclude_defaults`` and
        ``exclude_none``, so ``exclude_unset=True`` gives back the manifest.
        """

        def validate(value: Any, inner: core_schema.ValidatorFunctionWrapHandler) -> Any:
            if isinstance(value, cls):
                return value
            return cls._view(inner(value))

        validate.__name__ = validate.__qualname__ = cls.__name__  # a union names it so
        return core_schema.no_info_wrap_validator_function(
            validate,
            handler.generate_schema(cls._typed_dict()),
            serialization=core_schema.plain_serializer_function_ser_schema(
                _serialize, info_arg=True, when_used="always"
            ),
        )

    @classmethod
    def model_validate(
        cls,
        obj: Any,
        *,
        strict: bool | None = None,
        from_attributes: bool | None = None,
        context: Any | None = None,
        by_alias: bool | None = None,
        by_name: bool | None = None,
    ) -> Self:
        """Validate a manifest (a dict as ``json.loads`` returns it) by its Kubernetes keys.

        Attribute names are not accepted as keys unless ``by_name=True`` is passed (a manifest
        key such as ``parent_refs`` is almost always a typo). Objects of the Python Kubernetes
        clients are accepted as they are (kopf ``Body``, kr8s ``APIObject``, lightkube and
        cloudcoil resources, the official client's models): they are converted by
        :func:`gatewaydns.to_manifest` first. A model of this class is returned as it is.

        Raises:
            pydantic.ValidationError: the manifest is not valid; each error has its field path
                (by Kubernetes keys) in ``loc``.
        """
        if isinstance(obj, cls):
            return obj
        if type(obj) is not dict:
            with contextlib.suppress(UnrecognizedObjectError):  # pydantic reports its type
                obj = to_manifest(obj)
        if not isinstance(obj, Mapping):
            raise ValidationError.from_exception_data(
                cls.__name__,
                [
                    {
                        "type": "model_type",
                        "loc": (),
                        "input": obj,
                        "ctx": {"class_name": cls.__name__},
                    }
                ],
            )
        if by_name:
            obj = _by_name(cls, obj)
        data = cls._adapter().validate_python(
            obj, strict=strict, from_attributes=from_attributes, context=context
        )
        return cls._view(data)

    @classmethod
    def model_validate_json(cls, text: str | bytes) -> Self:
        """Validate a manifest given as JSON text (see :meth:`model_validate`)."""
        return cls._view(cls._adapter().validate_json(text))

    @classmethod
    def model_construct(cls, _fields_set: set[str] | None = None, **values: Any) -> Self:
        """A model from trusted values (attribute names or keys), without validation.

        Nested models may be given as models or as dicts (by attribute name or key).
        """
        del _fields_set  # what is set is what is given
        return cls._view(_by_name(cls, values, validated=False))

    @property
    def model_fields_set(self) -> set[str]:
        """The attribute names of the fields the manifest has (a new set on each call)."""
        keys = self._keys
        return {keys[k].name for k in _data_of(self) if k in keys}

    @property
    def model_extra(self) -> dict[str, Any]:
        """The manifest's keys that are not fields, with their values (a new dict)."""
        keys = self._keys
        return {k: v for k, v in _data_of(self).items() if k not in keys}

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Self:
        """A copy, with ``update`` (attribute names or keys -> values, not validated) applied.

        Nested models in ``update`` may be models or dicts (by attribute name or key).
        """
        data = dict(_data_of(self))
        if deep:
            data = copy.deepcopy(data)
        if update:
            data.update(_by_name(type(self), update, validated=False))
        return self._view(data)

    def model_dump(
        self,
        *,
        mode: str = "python",
        by_alias: bool | None = None,
        exclude_unset: bool = False,
        exclude_defaults: bool = False,
        exclude_none: bool = False,
        round_trip: bool = False,
    ) -> dict[str, Any]:
        """The manifest as a new dict (by Kubernetes keys unless ``by_alias=False``).

        ``model_dump(mode="json", by_alias=True, exclude_unset=True)`` gives back exactly the
        manifest the model was validated from. Without ``exclude_unset`` the defaults of the
        absent fields are included, as pydantic does.
        """
        del round_trip
        options = _DumpOptions(
            mode == "json", by_alias is not False, exclude_unset, exclude_defaults, exclude_none
        )
        return _dump(self, options)

    def model_dump_json(
        self,
        *,
        indent: int | None = None,
        by_alias: bool | None = None,
        exclude_unset: bool = False,
        exclude_defaults: bool = False,
        exclude_none: bool = False,
    ) -> str:
        """:meth:`model_dump` in JSON mode, as JSON text (compact unless ``indent`` is given)."""
        dumped = self.model_dump(
            mode="json",
            by_alias=by_alias,
            exclude_unset=exclude_unset,
            exclude_defaults=exclude_defaults,
            exclude_none=exclude_none,
        )
        return to_json(dumped, indent=indent).decode()

    @classmethod
    def model_json_schema(cls, by_alias: bool = True) -> dict[str, Any]:
        """The JSON schema of the manifests this class validates (by Kubernetes keys)."""
        return TypeAdapter(cls).json_schema(by_alias=by_alias)

    def __copy__(self) -> Self:
        return self._view(dict(_data_of(self)))

    def __deepcopy__(self, memo: dict[int, Any] | None = None) -> Self:
        return self._view(copy.deepcopy(_data_of(self), memo))

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self)._view, (_data_of(self),))

    def __iter__(self) -> Iterator[tuple[str, Any]]:
        """(name, value) of every field (defaults included), then the extras, as pydantic does."""
        for name in self._specs:
            value = getattr(self, name, _MISSING)
            if value is not _MISSING:
                yield name, value
        yield from self.model_extra.items()

    def __setattr__(self, name: str, value: Any) -> None:
        _frozen(self, name, value)

    def __delattr__(self, name: str) -> None:
        _frozen(self, name, None)

    def _values(self) -> tuple[Any, ...]:
        """Every field's value (defaults for absent ones) and the extras: what ``==`` compares."""
        extra = self.model_extra
        return (*(getattr(self, n, _MISSING) for n in self._specs), sorted(extra.items()))

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return _data_of(self) == _data_of(other) or self._values() == other._values()

    def __hash__(self) -> int:
        return hash((type(self), self._values()[:-1]))

    def __repr__(self) -> str:
        shown = [f"{n}={getattr(self, n, _MISSING)!r}" for n in self._specs]
        shown += [f"{k}={v!r}" for k, v in self.model_extra.items()]
        return f"{type(self).__name__}({', '.join(shown)})"


_DATA: Any = KubeModel.__dict__["_data"]
_SET_DATA: Any = _DATA.__set__
_NEW: Any = object.__new__
_SLOT: Any = _DATA.__get__


def _data_of(model: Any) -> dict[str, Any]:
    """A model's manifest; a compact one (a tuple, see :meth:`KubeModel._thaw`) made whole first."""
    data = _SLOT(model)
    if type(data) is tuple:
        data = model._thaw(data)
    return data  # type: ignore[no-any-return]


def _as_data(value: Any) -> Any:
    """A value given for a field, as the manifest stores it (models as their dicts)."""
    if isinstance(value, KubeModel):
        return _data_of(value)
    if isinstance(value, tuple | list) and any(isinstance(v, KubeModel) for v in value):
        return tuple(_as_data(v) for v in value)
    return value


def _by_name(
    cls: type[KubeModel], values: Mapping[str, Any], *, validated: bool = True
) -> dict[str, Any]:
    """``values`` with attribute names (``section_name``) turned into keys, at every level.

    Models given as values become their manifests as they are (already by key). A field given
    both by attribute name and by key is a conflict: with ``validated`` the attribute name is
    left as a key, for the schema's key guard to report; without (``model_copy``,
    ``model_construct``), ``TypeError``.
    """
    specs = cls._specs
    out: dict[str, Any] = {}
    for name, given in values.items():
        spec = specs.get(name) or cls._keys.get(name)
        if spec is None:
            out[name] = _as_data(given)
            continue
        if name != spec.key and spec.key in values:
            if not validated:
                msg = f"{cls.__name__}: field {name!r} given twice, also as {spec.key!r}"
                raise TypeError(msg)
            out[name] = given
            continue
        if spec.shape < 0:
            _resolve(cls, spec)
        out[spec.key] = _value_by_name(spec, given, validated)
    return out


def _value_by_name(spec: _FieldSpec, given: Any, validated: bool) -> Any:
    """One field's value for :func:`_by_name`: models as manifests, dicts by key."""
    if isinstance(given, KubeModel):
        return _data_of(given)
    if spec.shape == _Shape.MODEL and isinstance(given, Mapping):
        return _by_name(spec.model, given, validated=validated)
    if spec.shape == _Shape.MODELS and isinstance(given, list | tuple):
        return tuple(
            _data_of(v)
            if isinstance(v, KubeModel)
            else _by_name(spec.model, v, validated=validated)
            if isinstance(v, Mapping)
            else v
            for v in given
        )
    return _as_data(given)


@dataclass(frozen=True)
class _DumpOptions:
    json: bool
    by_alias: bool
    exclude_unset: bool
    exclude_defaults: bool
    exclude_none: bool


def _dump(model: KubeModel, options: _DumpOptions) -> dict[str, Any]:
    """A model's manifest as a new dict, with the defaults of absent fields unless excluded.

    Keys come as validated: fields in declaration order, then unknown keys (a model made by
    ``model_construct`` or ``model_copy`` keeps the order it was given).
    """
    data = _data_of(model)
    keys = model._keys
    out: dict[str, Any] = {}
    for key, value in data.items():
        spec = keys.get(key)
        if value is None and options.exclude_none:
            continue
        if spec is None:  # not a field: kept as it is
            out[key] = _plain(value, options.json)
            continue
        if spec.shape < 0:
            _resolve(type(model), spec)
        if options.exclude_defaults and _is_default(spec, value):
            continue
        out[key if options.by_alias else spec.name] = _dump_value(spec, value, options)
    if options.exclude_unset or options.exclude_defaults:
        return out
    for spec in model._specs.values():
        if spec.key in data or spec.default is _MISSING:
            continue
        if spec.default is None and options.exclude_none:
            continue
        if spec.shape < 0:
            _resolve(type(model), spec)
        value = _default_data(spec)
        out[spec.key if options.by_alias else spec.name] = _dump_value(spec, value, options)
    return out


def _is_default(spec: _FieldSpec, value: Any) -> bool:
    """Whether a stored value equals the field's default (nested models compare as models)."""
    default = spec.default
    if default is _MISSING:
        return False
    if isinstance(default, KubeModel) and isinstance(value, Mapping):
        return bool(spec.model._view(value) == default)
    return bool(_default_data(spec) == value)


def _default_data(spec: _FieldSpec) -> Any:
    default = spec.default
    return _data_of(default) if isinstance(default, KubeModel) else default


def _dump_value(spec: _FieldSpec, value: Any, options: _DumpOptions) -> Any:
    if value is None or spec.shape == _Shape.PLAIN:
        return _plain(value, options.json)
    if spec.shape == _Shape.MODEL:
        return _dump(spec.model._view(value), options)
    dumped = [_dump(spec.model._view(v), options) for v in value]
    return dumped if options.json else tuple(dumped)


def _plain(value: Any, json: bool) -> Any:
    """A deep copy of a manifest value (tuples kept); in JSON mode, JSON values only.

    In JSON mode tuples become lists and values JSON has no type for (a ``datetime`` the
    caller's own YAML loader made, in a field typed ``Any`` or an unknown one) become what
    pydantic makes of them (RFC 3339 text), as the pydantic models did.
    """
    if json:
        try:
            return to_jsonable_python(value)
        except ValueError:
            # pydantic-core stops at 255 levels, the loaders at Python's recursion limit: a
            # deeper manifest is copied here (a value it cannot convert fails again below)
            return _jsonable(value)
    if isinstance(value, dict):
        return {k: _plain(v, json) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v, json) for v in value]
    if isinstance(value, tuple):
        return tuple(_plain(v, json) for v in value)
    return value


def _jsonable(value: Any) -> Any:
    """``to_jsonable_python`` level by level in Python (``RecursionError`` when too deep)."""
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return to_jsonable_python(value)


def _serialize(value: Any, info: Any) -> Any:
    """A model inside a pydantic model or ``TypeAdapter``, dumped with the caller's options."""
    if not isinstance(value, KubeModel):
        return to_jsonable_python(value) if info.mode_is_json() else value
    options = _DumpOptions(
        info.mode_is_json(),
        info.by_alias is not False,
        info.exclude_unset,
        info.exclude_defaults,
        info.exclude_none,
    )
    return _dump(value, options)


def _reject_python_name(name: str, key: str, value: Any) -> Any:
    """Reject a manifest key that is an attribute name, not the Kubernetes key (``parent_refs``).

    Generated into every model's schema as an optional key, so it costs nothing on valid input.
    """
    del value
    raise PydanticCustomError(
        "python_name",
        "unknown field {name}: manifests use the Kubernetes name {alias}",
        {"name": repr(name), "alias": repr(key)},
    )


# --- shared fields-sets of the computation's pydantic models ----------------------------------
# ``Endpoint`` and ``Diagnostic`` are pydantic models the computation makes by the thousand
# without validation. Every pydantic instance carries a fields-set (a ``set``, tracked by the
# cyclic garbage collector): equal ones are shared, read-only; copies get private ones.

_SLOT_FIELDS_SET: Any = BaseModel.__dict__["__pydantic_fields_set__"]
_SLOT_EXTRA: Any = BaseModel.__dict__["__pydantic_extra__"]


def shared_fields_set(names: Iterable[str]) -> set[str]:
    """The read-only fields-set shared by models whose set of fields is ``names``.

    For models built without validation (``Endpoint.trusted``, ``make_diagnostic``), whose
    class derives from :class:`SharedFieldsSetModel` so that copies get private containers.
    """
    key = frozenset(names)
    found = _FIELDS_SETS.get(key)
    if found is None:
        found = _SharedSet(key)
        if len(_FIELDS_SETS) < _MAX_SHARED:
            _FIELDS_SETS[key] = found
    return found


def _unshare_containers(model: BaseModel) -> None:
    """Give a copied model private containers: copies are changed in place by ``model_copy``."""
    _SLOT_FIELDS_SET.__set__(model, set(_SLOT_FIELDS_SET.__get__(model, type(model))))
    extra = _SLOT_EXTRA.__get__(model, type(model))
    _SLOT_EXTRA.__set__(model, None if extra is None else dict(extra))


class SharedFieldsSetModel(BaseModel):
    """A pydantic model whose instances may share a read-only fields-set.

    See :func:`shared_fields_set`. Its copies get private containers, since ``model_copy``
    changes a copy's set in place.
    """

    def __copy__(self) -> Self:
        """A shallow copy with its own fields-set."""
        copied = super().__copy__()
        _unshare_containers(copied)
        return copied

    def __deepcopy__(self, memo: dict[int, Any] | None = None) -> Self:
        """A deep copy with its own fields-set."""
        copied = super().__deepcopy__(memo)
        _unshare_containers(copied)
        return copied


def _read_only(self: Any, *args: Any, **kwargs: Any) -> Any:
    msg = (
        "the fields-set of a gatewaydns model is shared with equal ones: read-only "
        "(use model_copy(update=...))"
    )
    raise TypeError(msg)


class _SharedSet(set[str]):
    """A fields-set shared by models: a ``set`` (pydantic requires one) that refuses changes."""

    __slots__ = ()
    add = discard = remove = pop = clear = update = _read_only
    difference_update = intersection_update = symmetric_difference_update = _read_only
    __ior__ = __iand__ = __isub__ = __ixor__ = _read_only


_FIELDS_SETS: dict[frozenset[str], set[str]] = {}
#: Distinct fields-sets shared at most (a handful are ever made: one per model class).
_MAX_SHARED = 64
