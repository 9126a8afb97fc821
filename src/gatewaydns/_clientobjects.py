"""Objects of the Python Kubernetes clients as manifests, recognised by duck typing.

Python programs get Kubernetes objects from kopf, kr8s, lightkube, cloudcoil or the official
``kubernetes`` client, each in its own shape. :func:`to_manifest` turns any of them into the
plain manifest (a ``dict`` of JSON values, camelCase keys, as ``kubectl get -o json`` prints it)
that the models validate, without importing any of those libraries. It tries, in order:

1. a **mapping**: a ``dict``, kopf's ``Body``, a lightkube generic resource, kr8s's ``Box``;
2. a model of the **official client** (its class has the ``openapi_types`` and ``attribute_map``
   dicts): its attributes under their Kubernetes names, ``None`` left out, as
   ``ApiClient.sanitize_for_serialization`` does (its ``to_dict()`` has Python names instead,
   ``creation_timestamp``, which a manifest must not). Before pydantic: the models of recent
   releases are pydantic models, whose JSON dump writes naive timestamps without a zone;
3. a **pydantic model**, dumped by alias without ``None`` values (cloudcoil's resources, and
   gatewaydns's own models). Before ``.raw``: a cloudcoil ``Unstructured`` has a ``.raw`` too, but
   holds only what its constructor was given (no ``apiVersion`` or ``kind``);
4. an object whose ``.raw`` is a mapping (kr8s's ``APIObject``);
5. anything with a ``to_dict()`` that returns a mapping (lightkube's typed models, the official
   client's dynamic ``ResourceInstance``).

Values inside are converted the same way (a lightkube generic resource built in code holds an
``ObjectMeta`` model); ``datetime`` values become RFC 3339 strings in the API server's form
(``2025-01-01T00:00:00Z``). Lists and tuples become lists.

The official client leaves ``apiVersion`` and ``kind`` empty on the items of a typed list (the
API server does not send them there); for ``V1Namespace``, the one core kind gatewaydns reads,
they are filled in.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime, timezone
from typing import Any, Final

from pydantic import BaseModel

from gatewaydns._errors import UnrecognizedObjectError

__all__ = ["UnrecognizedObjectError", "is_client_object", "to_manifest", "type_name"]

_SCALARS: Final = (str, int, float, bool, type(None))

#: Official-client model classes -> (apiVersion, kind) for when the object lacks them.
_OFFICIAL_TYPES: Final = {"V1Namespace": ("v1", "Namespace")}


def type_name(obj: object) -> str:
    """The qualified name of an object's type: ``kr8s.objects.Pod``, ``int``."""
    cls = type(obj)
    module = cls.__module__
    return cls.__qualname__ if module == "builtins" else f"{module}.{cls.__qualname__}"


def is_client_object(obj: object) -> bool:
    """Whether ``obj`` is one Kubernetes object (not a mapping, not a collection of objects).

    Args:
        obj: anything.

    Returns:
        ``True`` for a pydantic model, an object with a ``.raw`` mapping, an official-client
        model or an object with ``to_dict()``: what :func:`to_manifest` converts besides
        mappings.
    """
    return _converter(obj) is not None


def to_manifest(obj: object) -> dict[str, Any]:
    """The manifest of a Kubernetes object, from any Python Kubernetes client.

    Args:
        obj: a mapping (``dict``, kopf ``Body``, lightkube generic resource), a pydantic model
            (cloudcoil), a kr8s ``APIObject``, an official-client model, or an object with a
            ``to_dict()`` (lightkube typed models, the official dynamic client).

    Returns:
        A new ``dict`` of plain JSON values with the Kubernetes (camelCase) keys.

    Raises:
        UnrecognizedObjectError: ``obj`` is none of these (a ``TypeError``).
        RecursionError: the object is nested too deeply (or refers to itself).

    Example:
        >>> to_manifest({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "a"}})
        {'apiVersion': 'v1', 'kind': 'Namespace', 'metadata': {'name': 'a'}}
    """
    if isinstance(obj, Mapping):
        return _plain_mapping(obj)
    convert = _converter(obj)
    if convert is None:
        msg = (
            "expected a manifest: a mapping, or an object of a Kubernetes client (kopf Body, "
            "kr8s APIObject, lightkube or cloudcoil resource, official kubernetes client "
            f"model), got an object of type {type_name(obj)}"
        )
        raise UnrecognizedObjectError(msg)
    doc = convert(obj)
    official = _OFFICIAL_TYPES.get(type(obj).__name__)
    if official is not None and _is_official_model(obj):
        api_version, kind = official
        doc.setdefault("apiVersion", api_version)
        doc.setdefault("kind", kind)
    return doc


# --- recognition -----------------------------------------------------------------------------
def _converter(obj: object) -> Callable[[Any], dict[str, Any]] | None:
    """How to convert a non-mapping object, or ``None`` when it is not a Kubernetes object."""
    if isinstance(obj, Mapping | str | bytes):
        return None
    if _is_official_model(obj):  # before pydantic: recent releases' models are pydantic ones
        return _from_official
    if _is_own_model(obj):
        return _from_own_model
    if isinstance(obj, BaseModel):
        return _from_pydantic
    if isinstance(getattr(obj, "raw", None), Mapping):
        return _from_raw
    if callable(getattr(obj, "to_dict", None)):
        return _from_to_dict
    return None


def _is_own_model(obj: object) -> bool:
    from gatewaydns._base import KubeModel  # noqa: PLC0415 - _base imports this module

    return isinstance(obj, KubeModel)


def _is_official_model(obj: object) -> bool:
    # on the class: the dynamic client's objects answer None for any attribute asked of them
    cls = type(obj)
    return isinstance(getattr(cls, "openapi_types", None), dict) and isinstance(
        getattr(cls, "attribute_map", None), dict
    )


# --- conversion ------------------------------------------------------------------------------
def _from_own_model(obj: Any) -> dict[str, Any]:
    # gatewaydns's own models: exactly the manifest they were validated from
    return obj.model_dump(mode="json", by_alias=True, exclude_unset=True)  # type: ignore[no-any-return]


def _from_pydantic(obj: Any) -> dict[str, Any]:
    return _plain_mapping(obj.model_dump(mode="json", by_alias=True, exclude_none=True))


def _from_raw(obj: Any) -> dict[str, Any]:
    return _plain_mapping(obj.raw)


def _from_official(obj: Any) -> dict[str, Any]:
    names: dict[str, str] = type(obj).attribute_map
    out: dict[str, Any] = {}
    for attr in type(obj).openapi_types:
        value = getattr(obj, attr, None)
        if value is not None:
            out[names.get(attr, attr)] = _plain(value)
    return out


def _from_to_dict(obj: Any) -> dict[str, Any]:
    value = obj.to_dict()
    if not isinstance(value, Mapping):
        msg = (
            f"expected a manifest: {type_name(obj)}.to_dict() returned {type_name(value)}, "
            "not a mapping"
        )
        raise UnrecognizedObjectError(msg)
    return _plain_mapping(value)


def _plain_mapping(value: Mapping[Any, Any]) -> dict[str, Any]:
    return {key: _plain(item) for key, item in value.items()}


def _plain(value: Any) -> Any:
    """Plain JSON values for a value inside an object; what is not recognised stays as it is."""
    if isinstance(value, _SCALARS):
        return value
    if isinstance(value, Mapping):
        return _plain_mapping(value)
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, datetime):
        return _rfc3339(value)
    if isinstance(value, date):
        return value.isoformat()
    convert = _converter(value)
    # anything else is left for validation to report, with its field path
    return value if convert is None else convert(value)


def _rfc3339(value: datetime) -> str:
    """A timestamp as the API server writes it: UTC, ``Z``, fractions only when present."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    value = value.astimezone(timezone.utc)
    fraction = f".{value.microsecond:06d}" if value.microsecond else ""
    return value.strftime("%Y-%m-%dT%H:%M:%S") + fraction + "Z"
