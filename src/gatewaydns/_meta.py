"""Kubernetes building blocks shared by every kind: metadata, conditions, selectors, refs.

Field names, defaults and the permitted values quoted in docstrings come from the Gateway API
v1.6.1 CRDs (standard channel). Enumerations are typed as ``str`` on purpose: loading checks
JSON types and structure only and never rejects a value the API server accepted (SPEC section
0); semantically bad values become diagnostics during computation.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import partial
from typing import Any, ClassVar, Literal

from pydantic import StrictBool, StrictInt, StrictStr

from gatewaydns._base import GATEWAY_GROUP, KINDS_READ, Field, KubeModel, Timestamp

__all__ = [
    "Condition",
    "GatewayAPIResource",
    "LabelSelector",
    "LabelSelectorRequirement",
    "Namespace",
    "ObjectMeta",
    "OwnerReference",
    "ParentObjectReference",
    "ParentReference",
    "Resource",
    "RouteParentStatus",
    "find_condition",
]


class OwnerReference(KubeModel):
    """``metadata.ownerReferences[]``."""

    api_version: StrictStr | None = Field(default=None, key="apiVersion")
    kind: StrictStr | None = None
    name: StrictStr | None = None
    uid: StrictStr | None = None
    controller: StrictBool | None = None
    block_owner_deletion: StrictBool | None = Field(default=None, key="blockOwnerDeletion")


class ObjectMeta(KubeModel):
    """Kubernetes ``metadata``. Only ``name`` is required; a missing namespace means ``default``."""

    name: StrictStr
    namespace: StrictStr | None = None
    generate_name: StrictStr | None = Field(default=None, key="generateName")
    uid: StrictStr | None = None
    resource_version: StrictStr | None = Field(default=None, key="resourceVersion")
    generation: StrictInt | None = None
    creation_timestamp: Timestamp | None = Field(default=None, key="creationTimestamp")
    deletion_timestamp: Timestamp | None = Field(default=None, key="deletionTimestamp")
    deletion_grace_period_seconds: StrictInt | None = Field(
        default=None, key="deletionGracePeriodSeconds"
    )
    labels: dict[StrictStr, StrictStr] | None = None
    annotations: dict[StrictStr, StrictStr] | None = None
    finalizers: tuple[StrictStr, ...] | None = None
    owner_references: tuple[OwnerReference, ...] | None = Field(default=None, key="ownerReferences")
    managed_fields: tuple[dict[StrictStr, Any], ...] | None = Field(
        default=None, key="managedFields"
    )


class Condition(KubeModel):
    """A status condition (``metav1.Condition``).

    ``status`` is ``"True"``, ``"False"`` or ``"Unknown"``. ``observed_generation`` is the
    ``metadata.generation`` of the object the controller acted on; some controllers never set it.
    """

    type: StrictStr
    status: StrictStr
    observed_generation: StrictInt | None = Field(default=None, key="observedGeneration")
    last_transition_time: Timestamp | None = Field(default=None, key="lastTransitionTime")
    reason: StrictStr | None = None
    message: StrictStr | None = None


class LabelSelectorRequirement(KubeModel):
    """One ``matchExpressions`` item: operator ``In``, ``NotIn``, ``Exists`` or ``DoesNotExist``."""

    key: StrictStr
    operator: StrictStr
    values: tuple[StrictStr, ...] | None = None


class LabelSelector(KubeModel):
    """A Kubernetes ``LabelSelector``: ``matchLabels`` AND every ``matchExpressions`` item.

    An empty selector matches everything.
    """

    match_labels: dict[StrictStr, StrictStr] | None = Field(default=None, key="matchLabels")
    match_expressions: tuple[LabelSelectorRequirement, ...] | None = Field(
        default=None, key="matchExpressions"
    )


class ParentObjectReference(KubeModel):
    """A reference to a parent object, with the Gateway API's defaults.

    CRD defaults: ``group`` = ``gateway.networking.k8s.io``, ``kind`` = ``Gateway``; a missing
    ``namespace`` means the referring object's own. The defaults apply only to an *absent*
    field: an explicit ``group: ""`` is the core API group (a mesh's Service parent), never a
    Gateway. The base of :class:`ParentReference` (a route's) and
    :class:`~gatewaydns.ParentGatewayReference` (a ListenerSet's).
    """

    group: StrictStr | None = GATEWAY_GROUP
    kind: StrictStr | None = "Gateway"
    namespace: StrictStr | None = None
    name: StrictStr

    def identity(self, own_namespace: str) -> tuple[str, str, str, str]:
        """The (group, kind, namespace, name) this reference points at, defaults applied.

        Args:
            own_namespace: the namespace of the object holding the reference.

        Returns:
            The object the reference names. SPEC section 4, rule 1 compares this plus
            ``sectionName`` and ``port`` (the whole reference is a status entry's identity).
        """
        group = GATEWAY_GROUP if self.group is None else self.group
        kind = "Gateway" if self.kind is None else self.kind
        return (group, kind, self.namespace or own_namespace, self.name)


#: the keys of ``ParentReference.fields()``, in its order
_REF_KEYS = ("group", "kind", "namespace", "name", "sectionName", "port")


class ParentReference(ParentObjectReference):
    """A route's ``spec.parentRefs[]`` item (also ``status.parents[].parentRef``).

    Adds ``sectionName`` (a listener) and ``port`` to the parent's identity.
    """

    section_name: StrictStr | None = Field(default=None, key="sectionName")
    port: StrictInt | None = None

    def fields(self) -> tuple[str | None, str | None, str | None, str, str | None, int | None]:
        """``(group, kind, namespace, name, section_name, port)``, defaults for absent fields.

        What reading the six attributes gives, in one call: the computation keys a memo by it.
        """
        return self.fields_of(self._data)

    @staticmethod
    def fields_of(
        data: Mapping[str, Any],
    ) -> tuple[str | None, str | None, str | None, str, str | None, int | None]:
        """:meth:`fields` of a validated parentRef manifest (no view made)."""
        return (
            data.get("group", GATEWAY_GROUP),
            data.get("kind", "Gateway"),
            data.get("namespace"),
            data["name"],
            data.get("sectionName"),
            data.get("port"),
        )

    @classmethod
    def of_fields(
        cls, fields: tuple[str | None, str | None, str | None, str, str | None, int | None]
    ) -> ParentReference:
        """A reference reading ``fields`` (what :meth:`fields` gives) as its six fields."""
        return cls._view(dict(zip(_REF_KEYS, fields, strict=True)))

    def label(self, route_namespace: str) -> str:
        """A readable name: ``Gateway infra/edge section https port 443``."""
        _group, kind, namespace, name = self.identity(route_namespace)
        out = f"{kind} {namespace}/{name}"
        if self.section_name:
            out += f" section {self.section_name}"
        if self.port:
            out += f" port {self.port}"
        return out


class RouteParentStatus(KubeModel):
    """A route's ``status.parents[]`` item, written by the Gateway controller."""

    parent_ref: ParentReference = Field(key="parentRef")
    controller_name: StrictStr | None = Field(default=None, key="controllerName")
    conditions: tuple[Condition, ...] | None = None

    def condition(self, type_: str) -> Condition | None:
        """The condition of the given type, found by type (never by position), or ``None``."""
        return find_condition(self.conditions, type_)


def _check_api_version(served: tuple[str, ...], value: str) -> str:
    if value not in served:
        msg = f"unsupported apiVersion {value!r}; supported: {', '.join(served)}"
        raise ValueError(msg)
    return value


def find_condition(conditions: Sequence[Condition] | None, type_: str) -> Condition | None:
    """The condition of type ``type_`` in ``conditions`` (found by type, never by position)."""
    for cond in conditions or ():
        if cond.type == type_:
            return cond
    return None


class Resource(KubeModel):
    """Base of the top-level kinds: ``apiVersion``, ``kind`` and ``metadata``.

    ``API_VERSIONS`` lists the served apiVersions a manifest may carry (any other is an error
    naming them); a kind's subclass takes them from ``KINDS_READ``, by its ``kind``.
    """

    API_VERSIONS: ClassVar[tuple[str, ...]] = ()

    api_version: StrictStr = Field(key="apiVersion")
    metadata: ObjectMeta

    @classmethod
    def _model_init_subclass(cls) -> None:
        """Take the kind's apiVersions from ``KINDS_READ`` (once its fields are known)."""
        kind = cls._specs["kind"].default if "kind" in cls._specs else None
        if isinstance(kind, str) and kind in KINDS_READ:
            cls.API_VERSIONS = KINDS_READ[kind].api_versions

    @classmethod
    def _check_fields(cls, name: str) -> Callable[[Any], Any] | None:
        """The extra check of field ``name`` generated into the schema: ``apiVersion``'s."""
        return partial(_check_api_version, cls.API_VERSIONS) if name == "api_version" else None

    @property
    def name(self) -> str:
        """``metadata.name``."""
        # read from the manifest itself: the most read fields, without a view per read
        return self._data["metadata"]["name"]  # type: ignore[no-any-return]

    @property
    def namespace(self) -> str:
        """``metadata.namespace``, or ``default`` when absent (``""`` for cluster-scoped kinds)."""
        return self._data["metadata"].get("namespace") or "default"


class GatewayAPIResource(Resource):
    """Base of the ``gateway.networking.k8s.io`` kinds: ``apiVersion`` defaults to ``v1``."""

    api_version: StrictStr = Field(default=f"{GATEWAY_GROUP}/v1", key="apiVersion")


class Namespace(Resource):
    """A core ``v1`` Namespace; only its labels matter (``allowedRoutes`` selectors)."""

    api_version: StrictStr = Field(default="v1", key="apiVersion")
    kind: Literal["Namespace"] = "Namespace"
    spec: dict[StrictStr, Any] | None = None
    status: dict[StrictStr, Any] | None = None

    @property
    def namespace(self) -> str:
        """``""``: a Namespace is cluster-scoped."""
        return ""
