"""Gateway and ListenerSet models (``gateway.networking.k8s.io``, v1.6.1 CRDs).

Every field the endpoint computation uses is typed (listeners, allowedRoutes, addresses,
allowedListeners, status); the rest (TLS options, infrastructure, ...) is typed as the CRD has
it and, like anything unknown, preserved on a round trip.
"""

from __future__ import annotations

from typing import Literal

from pydantic import StrictInt, StrictStr

from gatewaydns._base import GATEWAY_GROUP, Field, KubeModel
from gatewaydns._meta import Condition, GatewayAPIResource, LabelSelector, ParentObjectReference

__all__ = [
    "AllowedListeners",
    "AllowedRoutes",
    "FrontendTLSValidation",
    "Gateway",
    "GatewayAddress",
    "GatewayBackendTLS",
    "GatewayInfrastructure",
    "GatewaySpec",
    "GatewayStatus",
    "GatewayStatusAddress",
    "GatewayTLSConfig",
    "GatewayTLSFrontend",
    "Listener",
    "ListenerNamespaces",
    "ListenerSet",
    "ListenerSetSpec",
    "ListenerSetStatus",
    "ListenerStatus",
    "ListenerTLSConfig",
    "LocalParametersReference",
    "ObjectReference",
    "ParentGatewayReference",
    "RouteGroupKind",
    "RouteNamespaces",
    "SecretObjectReference",
    "TLSPortConfig",
]


class RouteGroupKind(KubeModel):
    """A route kind: ``group`` (default ``gateway.networking.k8s.io``) and ``kind``."""

    group: StrictStr | None = GATEWAY_GROUP
    kind: StrictStr


class RouteNamespaces(KubeModel):
    """``allowedRoutes.namespaces``: ``from`` is ``Same`` (default), ``All`` or ``Selector``."""

    from_: StrictStr | None = Field(default="Same", key="from")
    selector: LabelSelector | None = None


class AllowedRoutes(KubeModel):
    """``listeners[].allowedRoutes``: which namespaces and kinds may attach."""

    namespaces: RouteNamespaces | None = None
    kinds: tuple[RouteGroupKind, ...] | None = None


class SecretObjectReference(KubeModel):
    """A reference to a Secret (or another object) holding a certificate."""

    group: StrictStr | None = ""
    kind: StrictStr | None = "Secret"
    name: StrictStr
    namespace: StrictStr | None = None


class ListenerTLSConfig(KubeModel):
    """``listeners[].tls``: ``mode`` is ``Terminate`` (default) or ``Passthrough``."""

    mode: StrictStr | None = "Terminate"
    certificate_refs: tuple[SecretObjectReference, ...] | None = Field(
        default=None, key="certificateRefs"
    )
    options: dict[StrictStr, StrictStr] | None = None


class Listener(KubeModel):
    """A Gateway or ListenerSet listener.

    ``protocol`` is ``HTTP``, ``HTTPS``, ``TLS``, ``TCP``, ``UDP`` or a domain-prefixed custom
    protocol; ``hostname`` may be empty/absent (any) or a wildcard (``*.example.com``).
    """

    name: StrictStr
    hostname: StrictStr | None = None
    port: StrictInt
    protocol: StrictStr
    tls: ListenerTLSConfig | None = None
    allowed_routes: AllowedRoutes | None = Field(default=None, key="allowedRoutes")


class GatewayAddress(KubeModel):
    """``spec.addresses[]``: a requested address; ``type`` defaults to ``IPAddress``."""

    type: StrictStr | None = "IPAddress"
    value: StrictStr | None = None


class ListenerNamespaces(KubeModel):
    """``spec.allowedListeners.namespaces``.

    ``from`` is ``None`` (default), ``Same``, ``All`` or ``Selector``.
    """

    from_: StrictStr | None = Field(default="None", key="from")
    selector: LabelSelector | None = None


class AllowedListeners(KubeModel):
    """``spec.allowedListeners``: which namespaces may attach ListenerSets to the Gateway."""

    namespaces: ListenerNamespaces | None = None


class LocalParametersReference(KubeModel):
    """``spec.infrastructure.parametersRef``."""

    group: StrictStr
    kind: StrictStr
    name: StrictStr


class GatewayInfrastructure(KubeModel):
    """``spec.infrastructure``: labels and annotations for generated resources."""

    labels: dict[StrictStr, StrictStr] | None = None
    annotations: dict[StrictStr, StrictStr] | None = None
    parameters_ref: LocalParametersReference | None = Field(default=None, key="parametersRef")


class ObjectReference(KubeModel):
    """A typed reference to a namespaced object (CA certificate refs)."""

    group: StrictStr
    kind: StrictStr
    name: StrictStr
    namespace: StrictStr | None = None


class FrontendTLSValidation(KubeModel):
    """Client-certificate validation of a Gateway's frontend TLS."""

    ca_certificate_refs: tuple[ObjectReference, ...] | None = Field(
        default=None, key="caCertificateRefs"
    )
    mode: StrictStr | None = "AllowValidOnly"


class TLSPortConfig(KubeModel):
    """Frontend TLS settings of one port (``default`` or a ``perPort`` item's ``tls``)."""

    validation: FrontendTLSValidation | None = None


class _PerPortTLS(KubeModel):
    port: StrictInt
    tls: TLSPortConfig


class GatewayTLSFrontend(KubeModel):
    """``spec.tls.frontend``."""

    default: TLSPortConfig | None = None
    per_port: tuple[_PerPortTLS, ...] | None = Field(default=None, key="perPort")


class GatewayBackendTLS(KubeModel):
    """``spec.tls.backend``."""

    client_certificate_ref: SecretObjectReference | None = Field(
        default=None, key="clientCertificateRef"
    )


class GatewayTLSConfig(KubeModel):
    """``spec.tls``: Gateway-wide frontend and backend TLS settings."""

    frontend: GatewayTLSFrontend | None = None
    backend: GatewayBackendTLS | None = None


class GatewaySpec(KubeModel):
    """``Gateway.spec``."""

    gateway_class_name: StrictStr | None = Field(default=None, key="gatewayClassName")
    listeners: tuple[Listener, ...] | None = ()
    addresses: tuple[GatewayAddress, ...] | None = None
    allowed_listeners: AllowedListeners | None = Field(default=None, key="allowedListeners")
    infrastructure: GatewayInfrastructure | None = None
    tls: GatewayTLSConfig | None = None


class GatewayStatusAddress(KubeModel):
    """``status.addresses[]``: ``type`` is ``IPAddress`` (default), ``Hostname`` or custom."""

    type: StrictStr | None = "IPAddress"
    value: StrictStr


class ListenerStatus(KubeModel):
    """``status.listeners[]``: per-listener conditions, found by listener name."""

    name: StrictStr
    attached_routes: StrictInt | None = Field(default=None, key="attachedRoutes")
    supported_kinds: tuple[RouteGroupKind, ...] | None = Field(default=None, key="supportedKinds")
    conditions: tuple[Condition, ...] | None = None


class GatewayStatus(KubeModel):
    """``Gateway.status``: the addresses DNS points at, conditions, listener status."""

    addresses: tuple[GatewayStatusAddress, ...] | None = None
    conditions: tuple[Condition, ...] | None = None
    listeners: tuple[ListenerStatus, ...] | None = None
    attached_listener_sets: StrictInt | None = Field(default=None, key="attachedListenerSets")


class Gateway(GatewayAPIResource):
    """A ``gateway.networking.k8s.io`` Gateway (v1, v1beta1 or v1alpha2)."""

    kind: Literal["Gateway"] = "Gateway"
    spec: GatewaySpec = GatewaySpec()
    status: GatewayStatus | None = None

    @property
    def listeners(self) -> tuple[Listener, ...]:
        """``spec.listeners`` (``()`` when absent)."""
        return self.spec.listeners or ()


class ParentGatewayReference(ParentObjectReference):
    """``ListenerSet.spec.parentRef``: the Gateway the ListenerSet attaches to."""


class ListenerSetSpec(KubeModel):
    """``ListenerSet.spec``."""

    parent_ref: ParentGatewayReference = Field(key="parentRef")
    listeners: tuple[Listener, ...] | None = ()


class ListenerSetStatus(KubeModel):
    """``ListenerSet.status``: its own conditions and per-listener status."""

    conditions: tuple[Condition, ...] | None = None
    listeners: tuple[ListenerStatus, ...] | None = None


class ListenerSet(GatewayAPIResource):
    """A ``gateway.networking.k8s.io/v1`` ListenerSet: listeners added to another Gateway."""

    kind: Literal["ListenerSet"] = "ListenerSet"
    spec: ListenerSetSpec
    status: ListenerSetStatus | None = None

    @property
    def listeners(self) -> tuple[Listener, ...]:
        """``spec.listeners`` (``()`` when absent)."""
        return self.spec.listeners or ()

    def gateway_key(self) -> tuple[str, str] | None:
        """``(namespace, name)`` of the Gateway the ListenerSet attaches to.

        ``None`` when ``spec.parentRef`` names something other than a Gateway (another group
        or kind): the ListenerSet then attaches to nothing gatewaydns reads.
        """
        group, kind, namespace, name = self.spec.parent_ref.identity(self.namespace)
        if (group, kind) != (GATEWAY_GROUP, "Gateway"):
            return None
        return (namespace, name)
