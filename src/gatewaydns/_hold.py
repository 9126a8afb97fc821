"""Hold: keeping a route's previous endpoints while its inputs are transiently wrong (SPEC 9).

Two holds, both reading ``previous`` (the previous result, a value the caller keeps):

* **behind** (generation policy ``strict``): a route whose status lags its spec (no
  ``status.parents`` entry at the current generation, one at a lower one) keeps exactly the
  endpoints it had, until the controller catches up (see :mod:`gatewaydns._generation`);
* **address loss** (``hold_on_address_loss``): a hostname the route still gets through a
  Gateway that reports no usable address keeps the endpoints it had for that name.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from gatewaydns._config import SourceConfig
from gatewaydns._diagnostics import Rejection
from gatewaydns._endpoint import Endpoint, endpoint_sort_key
from gatewaydns._generation import is_behind
from gatewaydns._hostnames import comparable_name
from gatewaydns._parents import Parent
from gatewaydns._routes import Route
from gatewaydns._types import Hostname

__all__ = ["address_loss_hold", "behind_hold"]


def behind_hold(
    route: Route, config: SourceConfig, previous: Mapping[str, Sequence[Endpoint]] | None
) -> tuple[tuple[Endpoint, ...], Rejection] | None:
    """The endpoints a route that is behind its controller keeps, or ``None`` when not held.

    Args:
        route: the route.
        config: the configuration (hold needs the ``strict`` policy).
        previous: route key -> the previous endpoints (``None``: hold is off).

    Returns:
        The previous endpoints, sorted, and the ``held`` rejection; ``None`` when the route is
        not held (not behind, or nothing to hold).
    """
    if previous is None or config.generation_policy != "strict":
        return None
    held = previous.get(route.resource)
    if held is None or not is_behind(route.metadata.generation, route.parent_statuses):
        return None
    endpoints = tuple(sorted(held, key=endpoint_sort_key))
    message = (
        f"status lags spec (generation {route.metadata.generation}); keeping the "
        f"{len(endpoints)} previous endpoint(s) until the controller catches up"
    )
    return endpoints, Rejection("held", message)


def address_loss_hold(
    parent: Parent, why: str, names: Sequence[Hostname], previous: Sequence[Endpoint] | None
) -> tuple[tuple[Endpoint, ...], Rejection | None]:
    """The previous endpoints of ``names``, held while ``parent``'s Gateway has no address.

    Args:
        parent: the parent whose Gateway lost its address.
        why: why it has none (``status.addresses is empty, Programmed=False``).
        names: the hostnames the route gets through the parent.
        previous: the route's previous endpoints (``None``: nothing to hold).

    Returns:
        The held endpoints and the ``held`` rejection naming the Gateway; ``()`` and ``None``
        when there is nothing to hold.
    """
    wanted = set(names)
    held = tuple(ep for ep in previous or () if comparable_name(ep.dns_name) in wanted)
    if not held:
        return (), None
    gw = parent.gateway
    whose = "its Gateway" if parent.listener_set is not None else "Gateway"
    shown = ", ".join(sorted({comparable_name(ep.dns_name) for ep in held}))
    message = (
        f"{whose} {gw.namespace}/{gw.name} has no usable address ({why}); keeping the "
        f"previous records of {shown} until it reports one"
    )
    return held, Rejection("held", message, parent=parent.label)
