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
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Annotated, Any, ClassVar

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    StrictStr,
    ValidationInfo,
    model_validator,
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

_MANIFEST_CONTEXT_KEY = "gatewaydns.manifest"
_MANIFEST_CONTEXT: dict[str, bool] = {_MANIFEST_CONTEXT_KEY: True}


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

    _python_only_names: ClassVar[frozenset[str]] = frozenset()

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        cls._python_only_names = frozenset(
            name
            for name, field in cls.model_fields.items()
            if field.alias is not None and field.alias != name
        )

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
            context=_MANIFEST_CONTEXT if context is None else context,
            by_alias=True if by_alias is None else by_alias,
            by_name=False if by_name is None else by_name,
        )

    @model_validator(mode="before")
    @classmethod
    def _reject_python_names(cls, data: Any, info: ValidationInfo) -> Any:
        ctx = info.context
        if (
            cls._python_only_names
            and isinstance(data, dict)
            and isinstance(ctx, dict)
            and ctx.get(_MANIFEST_CONTEXT_KEY)
        ):
            clash = sorted(cls._python_only_names.intersection(data))
            if clash:
                name = clash[0]
                alias = cls.model_fields[name].alias
                raise PydanticCustomError(
                    "python_name",
                    f"unknown field {name!r}: manifests use the Kubernetes name {alias!r}",
                )
        return data
