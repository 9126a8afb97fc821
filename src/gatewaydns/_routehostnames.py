"""The hostnames of a route (SPEC section 3).

A route's hostnames come from three sources: ``spec.hostnames`` (HTTPRoute, GRPCRoute, TLSRoute),
the FQDN template, and the ``hostname`` annotation. The ``gateway-hostname-source`` annotation
chooses which count (:data:`HOSTNAME_SOURCES`); by default, a route without spec hostnames also
gets the empty hostname, "whatever the listener's hostname is" (``None`` here).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from gatewaydns._annotations import Annotations, split_list
from gatewaydns._config import FQDNTemplate, SourceConfig
from gatewaydns._diagnostics import Rejection
from gatewaydns._errors import ConfigError
from gatewaydns._hostnames import normalize_hostname
from gatewaydns._routes import Route
from gatewaydns._types import Hostname

__all__ = ["HOSTNAME_SOURCES", "Candidates", "RouteHostnames", "route_hostnames"]


@dataclass(frozen=True)
class Candidates:
    """A route's hostnames by source, before the ``gateway-hostname-source`` choice.

    Attributes:
        defined: ``spec.hostnames``, then the FQDN template's.
        annotated: the ``hostname`` annotation's (none with ``ignore_hostname_annotation``).
        fallback: whether the empty hostname is added by default (no spec hostnames, and
            ``listener_hostname_fallback``).
    """

    defined: tuple[str, ...]
    annotated: tuple[str, ...]
    fallback: bool

    def default(self) -> list[str | None]:
        """Without (or with an invalid) ``gateway-hostname-source``: 1 + 2, ``""``, then 3."""
        return [*self.defined, *((None,) if self.fallback else ()), *self.annotated]


#: ``gateway-hostname-source`` value -> the hostnames it keeps (SPEC 3.3).
HOSTNAME_SOURCES: dict[str, Callable[[Candidates], list[str | None]]] = {
    "annotation-only": lambda c: list(c.annotated),
    "defined-hosts-only": lambda c: list(c.defined),
}


class RouteHostnames(NamedTuple):
    """A route's hostnames and what was wrong on the way.

    Attributes:
        names: the normalised hostnames, each once, in source order; ``None`` is the empty
            hostname ("the listener's").
        rejections: an invalid ``gateway-hostname-source``, invalid hostnames.
    """

    names: tuple[Hostname | None, ...]
    rejections: tuple[Rejection, ...]


def route_hostnames(route: Route, config: SourceConfig, annotations: Annotations) -> RouteHostnames:
    """The hostnames of ``route`` (SPEC section 3).

    Args:
        route: the route.
        config: the configuration (FQDN template, hostname annotation settings).
        annotations: the route's annotations, through the configured prefix.

    Raises:
        ConfigError: the FQDN template raised for the route.
    """
    spec = route._hostname_data()  # route.spec_hostnames, without a view of the spec
    if config.fqdn_template is None and annotations.empty:  # only spec.hostnames count
        return _normalized(spec if spec or not config.listener_hostname_fallback else (None,), [])
    defined = list(spec)
    if config.fqdn_template is not None and (not spec or config.combine_fqdn):
        defined.extend(_template_hostnames(route, config.fqdn_template))
    annotated = "" if config.ignore_hostname_annotation else annotations.get("hostname") or ""
    candidates = Candidates(
        tuple(defined), tuple(split_list(annotated)), not spec and config.listener_hostname_fallback
    )
    rejections: list[Rejection] = []
    source = annotations.get("gateway-hostname-source")
    choose = HOSTNAME_SOURCES.get(source or "")
    if choose is None and source is not None:
        rejections.append(
            Rejection(
                "invalid-hostname-source",
                f"gateway-hostname-source {source!r} is not one of "
                f"{', '.join(HOSTNAME_SOURCES)}; using the default",
            )
        )
    return _normalized(candidates.default() if choose is None else choose(candidates), rejections)


def _normalized(items: Sequence[str | None], rejections: list[Rejection]) -> RouteHostnames:
    """The chosen hostnames normalised, each once; a rejection for each invalid one."""
    if len(items) == 1 and items[0] is not None:  # one hostname: nothing to de-duplicate
        name = normalize_hostname(items[0])
        if name is not None:
            return RouteHostnames((name,), tuple(rejections))
    names: list[Hostname | None] = []
    for item in items:
        name = None if item is None else normalize_hostname(item)
        if item is not None and name is None:
            message = f"hostname {item!r} is not a valid DNS name"
            rejections.append(Rejection("invalid-hostname", message, hostname=item))
        elif name not in names:
            names.append(name)
    return RouteHostnames(tuple(names), tuple(rejections))


def _template_hostnames(route: Route, template: FQDNTemplate) -> list[str]:
    """The FQDN template's hostnames for ``route``, cleaned as annotation hostnames are."""
    try:
        produced = template(route)
    except Exception as exc:
        msg = f"fqdn_template failed for {route.kind} {route.namespace}/{route.name}: {exc}"
        raise ConfigError(msg) from exc
    items: Iterable[str] = produced.split(",") if isinstance(produced, str) else produced
    cleaned = (str(item).strip().removesuffix(".") for item in items)
    return [item for item in cleaned if item]
