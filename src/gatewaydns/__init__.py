"""gatewaydns: Kubernetes Gateway API objects to DNS endpoints, with generation validation.

Typed, lossless models of the Gateway API kinds feed pure functions that compute DNS
endpoints. See https://gatewaydns.readthedocs.io (``docs/`` in the repository).
"""

from __future__ import annotations

from gatewaydns._clientobjects import to_manifest
from gatewaydns._compute import Attachment, Result, compute_endpoints
from gatewaydns._config import SourceConfig
from gatewaydns._diagnostics import REASONS, Diagnostic, ReasonCode
from gatewaydns._domainfilter import DomainFilter
from gatewaydns._endpoint import Endpoint, ProviderSpecificProperty
from gatewaydns._errors import (
    ConfigError,
    GatewayDNSError,
    ManifestError,
    ManifestProblem,
    ProviderError,
    SelectorSyntaxError,
    UnrecognizedObjectError,
)
from gatewaydns._gateway import (
    AllowedListeners,
    AllowedRoutes,
    Gateway,
    GatewayAddress,
    GatewaySpec,
    GatewayStatus,
    GatewayStatusAddress,
    Listener,
    ListenerNamespaces,
    ListenerSet,
    ListenerSetSpec,
    ListenerSetStatus,
    ListenerStatus,
    ListenerTLSConfig,
    ParentGatewayReference,
    RouteGroupKind,
    RouteNamespaces,
)
from gatewaydns._meta import (
    Condition,
    LabelSelector,
    LabelSelectorRequirement,
    Namespace,
    ObjectMeta,
    ParentReference,
    RouteParentStatus,
)
from gatewaydns._plan import (
    Changes,
    ChangeUnit,
    PlanOptions,
    PlanPolicy,
    ProviderCapabilities,
    owned_by_route,
    plan,
    publish_problem,
)
from gatewaydns._reconcile import Reconciler, ReconcilerStats, Round
from gatewaydns._registry import TXTRegistry
from gatewaydns._routes import (
    GRPCRoute,
    GRPCRouteSpec,
    HTTPRoute,
    HTTPRouteSpec,
    Route,
    RouteKey,
    RouteStatus,
    TCPRoute,
    TCPRouteSpec,
    TLSRoute,
    TLSRouteSpec,
    UDPRoute,
    UDPRouteSpec,
)
from gatewaydns._selectors import Selector, parse_selector
from gatewaydns._snapshot import LoadLimits, Snapshot
from gatewaydns._types import (
    ConflictPolicy,
    GenerationPolicy,
    MissingObservedGeneration,
    Severity,
)
from gatewaydns._version import __version__

__all__ = [
    "REASONS",
    "AllowedListeners",
    "AllowedRoutes",
    "Attachment",
    "ChangeUnit",
    "Changes",
    "Condition",
    "ConfigError",
    "ConflictPolicy",
    "Diagnostic",
    "DomainFilter",
    "Endpoint",
    "GRPCRoute",
    "GRPCRouteSpec",
    "Gateway",
    "GatewayAddress",
    "GatewayDNSError",
    "GatewaySpec",
    "GatewayStatus",
    "GatewayStatusAddress",
    "GenerationPolicy",
    "HTTPRoute",
    "HTTPRouteSpec",
    "LabelSelector",
    "LabelSelectorRequirement",
    "Listener",
    "ListenerNamespaces",
    "ListenerSet",
    "ListenerSetSpec",
    "ListenerSetStatus",
    "ListenerStatus",
    "ListenerTLSConfig",
    "LoadLimits",
    "ManifestError",
    "ManifestProblem",
    "MissingObservedGeneration",
    "Namespace",
    "ObjectMeta",
    "ParentGatewayReference",
    "ParentReference",
    "PlanOptions",
    "PlanPolicy",
    "ProviderCapabilities",
    "ProviderError",
    "ProviderSpecificProperty",
    "ReasonCode",
    "Reconciler",
    "ReconcilerStats",
    "Result",
    "Round",
    "Route",
    "RouteGroupKind",
    "RouteKey",
    "RouteNamespaces",
    "RouteParentStatus",
    "RouteStatus",
    "Selector",
    "SelectorSyntaxError",
    "Severity",
    "Snapshot",
    "SourceConfig",
    "TCPRoute",
    "TCPRouteSpec",
    "TLSRoute",
    "TLSRouteSpec",
    "TXTRegistry",
    "UDPRoute",
    "UDPRouteSpec",
    "UnrecognizedObjectError",
    "__version__",
    "compute_endpoints",
    "owned_by_route",
    "parse_selector",
    "plan",
    "publish_problem",
    "to_manifest",
]
