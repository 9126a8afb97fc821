"""SourceConfig: the one configuration object of the computation (SPEC section 12)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator

from gatewaydns._annotations import DEFAULT_PREFIX, parse_ttl
from gatewaydns._selectors import Selector, parse_selector
from gatewaydns._targetfilter import TargetNetFilter, parse_cidr
from gatewaydns._types import ConflictPolicy, GenerationPolicy, MissingObservedGeneration

__all__ = ["FQDNTemplate", "SourceConfig"]

#: An FQDN template: called with a route model, returns a comma-separated string or an
#: iterable of hostnames.
FQDNTemplate = Callable[[Any], "str | Iterable[str]"]


class SourceConfig(BaseModel):
    """How endpoints are computed. Every field is optional; the defaults match external-dns.

    Attributes:
        namespace: only routes in this namespace (``None`` = all).
        label_selector: only routes whose labels match (selector string, ``a=b,c in (x)``).
        annotation_selector: only routes (and ListenerSets) whose annotations match.
        gateway_name: only parents whose Gateway has this name.
        gateway_namespace: only Gateways in this namespace.
        gateway_label_selector: only Gateways whose labels match.
        ignore_hostname_annotation: ignore the ``hostname`` annotation.
        fqdn_template: a callable from route to hostnames (see SPEC section 3).
        combine_fqdn: add template hostnames even when the route has spec hostnames.
        listener_sets: attach routes through ListenerSets too.
        annotation_prefix: the annotation prefix; must end with ``/``.
        generation_policy: ``strict`` (default), ``latest`` or ``off`` (SPEC section 9).
        missing_observed_generation: ``trust`` (default) or ``reject``.
        conflict_policy: ``report`` (default) or ``oldest-wins`` (SPEC section 11).
        route_targets: honour the ``target`` annotation on routes.
        inherit_gateway_annotations: routes without ttl / set-identifier / provider-specific
            annotations take them from their ListenerSet, then their Gateway.
        listener_hostname_fallback: a route with no spec hostnames inherits the listener's
            hostname (default on, as upstream).
        hold_on_address_loss: while a Gateway the route is accepted by reports no address
            (``status.addresses`` empty, e.g. its load balancer is being re-provisioned), keep
            the route's previous endpoints for the hostnames it gets through that Gateway
            (default on; needs ``previous``; SPEC section 9).
        target_net_filter: CIDRs (``--target-net-filter``): an endpoint keeps only the targets
            inside one of them; a host name target (CNAME) is inside none.
        exclude_target_net: CIDRs (``--exclude-target-net``): an endpoint drops the targets
            inside any of them. An endpoint left without targets is dropped, with a
            ``target-filtered`` diagnostic.
        min_ttl: ``--min-ttl``: the TTL of endpoints that have none (no ``ttl`` annotation),
            in seconds or as a duration (``1m12s``); 0 (default) leaves it unset. Despite its
            external-dns name it is a default, not a lower bound: an explicit TTL is kept.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)

    namespace: str | None = None
    label_selector: str | None = None
    annotation_selector: str | None = None
    gateway_name: str | None = None
    gateway_namespace: str | None = None
    gateway_label_selector: str | None = None
    ignore_hostname_annotation: bool = False
    fqdn_template: FQDNTemplate | None = None
    combine_fqdn: bool = False
    listener_sets: bool = False
    annotation_prefix: str = DEFAULT_PREFIX
    generation_policy: GenerationPolicy = "strict"
    missing_observed_generation: MissingObservedGeneration = "trust"
    conflict_policy: ConflictPolicy = "report"
    route_targets: bool = False
    inherit_gateway_annotations: bool = False
    listener_hostname_fallback: bool = True
    hold_on_address_loss: bool = True
    target_net_filter: tuple[str, ...] = ()
    exclude_target_net: tuple[str, ...] = ()
    min_ttl: int = 0

    @field_validator("label_selector", "annotation_selector", "gateway_label_selector")
    @classmethod
    def _check_selector(cls, value: str | None) -> str | None:
        if value is not None:
            parse_selector(value)  # raises SelectorSyntaxError (a ValueError) with a caret
        return value

    @field_validator("annotation_prefix")
    @classmethod
    def _check_prefix(cls, value: str) -> str:
        if not value.endswith("/"):
            msg = f"must end with '/', got {value!r} (e.g. 'external-dns.kubernetes.io/')"
            raise ValueError(msg)
        return value

    @field_validator("target_net_filter", "exclude_target_net")
    @classmethod
    def _check_cidrs(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for cidr in value:
            parse_cidr(cidr)  # raises ValueError naming the value
        return value

    @field_validator("min_ttl", mode="before")
    @classmethod
    def _check_min_ttl(cls, value: object) -> object:
        if isinstance(value, str):
            parsed = parse_ttl(value) if value.strip() not in ("0", "0s") else 0
            if parsed is None:
                msg = f"{value!r} is not a TTL (seconds, or a duration like 1m12s)"
                raise ValueError(msg)
            return parsed
        if isinstance(value, bool):
            msg = "must be a number of seconds or a duration, not a boolean"
            raise ValueError(msg)
        if isinstance(value, int) and not 0 <= value <= 2**31 - 1:
            msg = f"must be between 0 and 2147483647 seconds, got {value}"
            raise ValueError(msg)
        return value

    def target_filter(self) -> TargetNetFilter:
        """The parsed ``target_net_filter`` and ``exclude_target_net``."""
        return TargetNetFilter.parse(self.target_net_filter, self.exclude_target_net)

    def selector(self, field: str) -> Selector | None:
        """The parsed selector of a selector field (``None`` when unset).

        Args:
            field: ``label_selector``, ``annotation_selector`` or ``gateway_label_selector``.
        """
        text = getattr(self, field)
        return None if text is None else parse_selector(text)
