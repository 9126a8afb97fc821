"""Which objects are considered: routes (SPEC section 1), Gateways and ListenerSets (section 2).

Each filter is one rule in a table, tried in order; the first that objects decides. A route that
is not considered yields one diagnostic (``route-filtered`` or ``controller-mismatch``); a
Gateway or ListenerSet that is not considered is *hidden*: as if absent, with the reason kept for
the routes that name it (``gateway-filtered``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from gatewaydns._annotations import OUR_CONTROLLER, Annotations
from gatewaydns._config import SourceConfig
from gatewaydns._diagnostics import Rejection
from gatewaydns._gateway import Gateway, ListenerSet
from gatewaydns._routes import Route
from gatewaydns._selectors import Selector

__all__ = ["Scope", "gateway_hidden", "listener_set_hidden", "route_rejection"]


@dataclass(frozen=True)
class Scope:
    """The filters of a configuration, parsed once.

    Attributes:
        namespace: only routes in this namespace (``None``: all).
        labels: only routes whose labels match.
        annotations: only routes and ListenerSets whose annotations match.
        gateway_namespace: only Gateways in this namespace.
        gateway_labels: only Gateways whose labels match.
        prefix: the annotation prefix (the ``controller`` annotation).
    """

    namespace: str | None = None
    labels: Selector | None = None
    annotations: Selector | None = None
    gateway_namespace: str | None = None
    gateway_labels: Selector | None = None
    prefix: str = ""

    @property
    def routes_unfiltered(self) -> bool:
        """No route filter is set: only the ``controller`` annotation can reject a route."""
        return self.namespace is None and self.labels is None and self.annotations is None

    @classmethod
    def of(cls, config: SourceConfig) -> Scope:
        """The filters of ``config``."""
        return cls(
            namespace=config.namespace,
            labels=config.selector("label_selector"),
            annotations=config.selector("annotation_selector"),
            gateway_namespace=config.gateway_namespace,
            gateway_labels=config.selector("gateway_label_selector"),
            prefix=config.annotation_prefix,
        )


# --- SPEC section 1: routes ---------------------------------------------------------------------
def _route_namespace(route: Route, _ann: Annotations, scope: Scope) -> Rejection | None:
    if scope.namespace is not None and route.namespace != scope.namespace:
        return Rejection("route-filtered", f"not in namespace {scope.namespace!r}")
    return None


def _route_labels(route: Route, _ann: Annotations, scope: Scope) -> Rejection | None:
    if scope.labels is not None and not scope.labels.matches(route._label_data()):
        return Rejection("route-filtered", f"labels do not match {scope.labels.text!r}")
    return None


def _route_annotations(route: Route, _ann: Annotations, scope: Scope) -> Rejection | None:
    if scope.annotations is not None and not scope.annotations.matches(route._annotation_data()):
        return Rejection("route-filtered", f"annotations do not match {scope.annotations.text!r}")
    return None


def _route_controller(_route: Route, ann: Annotations, _scope: Scope) -> Rejection | None:
    other = ann.foreign_controller()
    if other is not None:
        return Rejection(
            "controller-mismatch",
            f"controller annotation is {other!r}, not {OUR_CONTROLLER!r}",
        )
    return None


#: The route filters of SPEC section 1, in order.
ROUTE_RULES: tuple[Callable[[Route, Annotations, Scope], Rejection | None], ...] = (
    _route_namespace,
    _route_labels,
    _route_annotations,
    _route_controller,
)


def route_rejection(route: Route, annotations: Annotations, scope: Scope) -> Rejection | None:
    """Why ``route`` is not considered (SPEC section 1), or ``None`` when it is.

    Args:
        route: the route.
        annotations: its annotations, through the configured prefix.
        scope: the configuration's filters.
    """
    if annotations.empty and scope.routes_unfiltered:
        return None  # no route filter set, no controller annotation: every rule admits it
    for rule in ROUTE_RULES:
        rejection = rule(route, annotations, scope)
        if rejection is not None:
            return rejection
    return None


# --- SPEC section 2: Gateways and ListenerSets --------------------------------------------------
def gateway_hidden(gateway: Gateway, scope: Scope) -> str | None:
    """Why ``gateway`` is invisible to routes (SPEC section 2), or ``None`` when it is visible."""
    if scope.gateway_namespace is not None and gateway.namespace != scope.gateway_namespace:
        return f"not in gateway namespace {scope.gateway_namespace!r}"
    if scope.gateway_labels is not None and not scope.gateway_labels.matches(
        gateway.metadata.labels
    ):
        return f"labels do not match gateway label selector {scope.gateway_labels.text!r}"
    if Annotations(gateway.metadata.annotations, scope.prefix).foreign_controller() is not None:
        return "its controller annotation names another controller"
    return None


def listener_set_hidden(listener_set: ListenerSet, scope: Scope) -> str | None:
    """Why ``listener_set`` is invisible to routes (SPEC section 2), or ``None``.

    The Gateway filters never apply to ListenerSets; the annotation selector and the
    ``controller`` annotation do, as they do to routes.
    """
    annotations = listener_set.metadata.annotations
    if scope.annotations is not None and not scope.annotations.matches(annotations):
        return "annotations do not match the annotation selector"
    if Annotations(annotations, scope.prefix).foreign_controller() is not None:
        return "its controller annotation names another controller"
    return None
