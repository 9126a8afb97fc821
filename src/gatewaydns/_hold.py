"""Hold: keeping a route's previous endpoints while its inputs are transiently wrong (SPEC 9).

Two holds, both reading ``previous`` (the previous result, a value the caller keeps):

* **behind** (generation policy ``strict``): a route whose status lags its spec (no
  ``status.parents`` entry at the current generation, one at a lower one) keeps exactly the
  endpoints it had, until the controller catches up (see :mod:`gatewaydns._generation`);
* **address loss** (``hold_on_address_loss``): a hostname the route still gets through a
  Gateway that reports no usable address keeps the endpoints it had for that name.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence

from gatewaydns._config import SourceConfig
from gatewaydns._diagnostics import Rejection
from gatewaydns._endpoint import NAME, Endpoint, Row, endpoint_rows
from gatewaydns._generation import behind_observed
from gatewaydns._hostnames import comparable_name
from gatewaydns._parents import Parent
from gatewaydns._routes import Route
from gatewaydns._types import Hostname

__all__ = ["RowsByRoute", "address_loss_hold", "behind_hold"]


class RowsByRoute(Mapping[str, Sequence[Row]]):
    """A caller's ``previous`` (route key -> endpoints) read as rows, each route when asked.

    Hold reads the previous endpoints of the few routes that are held; converting only those
    keeps a large ``previous`` from costing a row per endpoint on every computation.
    """

    __slots__ = ("_endpoints", "_rows")

    def __init__(self, endpoints: Mapping[str, Sequence[Endpoint]]) -> None:
        self._endpoints = endpoints
        self._rows: dict[str, tuple[Row, ...]] = {}

    def __getitem__(self, key: str) -> Sequence[Row]:
        found = self._rows.get(key)
        if found is None:
            found = self._rows[key] = endpoint_rows(self._endpoints[key])
        return found

    def __iter__(self) -> Iterator[str]:
        return iter(self._endpoints)

    def __len__(self) -> int:
        return len(self._endpoints)

    def __contains__(self, key: object) -> bool:
        return key in self._endpoints


def behind_hold(
    route: Route, config: SourceConfig, previous: Mapping[str, Sequence[Row]] | None
) -> tuple[tuple[Row, ...], Rejection] | None:
    """The endpoints a route that is behind its controller keeps, or ``None`` when not held.

    Args:
        route: the route.
        config: the configuration (hold needs the ``strict`` policy).
        previous: route key -> the previous endpoints, as rows (``None``: hold is off).

    Returns:
        The previous endpoints, sorted, and the ``held`` rejection; ``None`` when the route is
        not held (not behind, or nothing to hold).
    """
    if previous is None or config.generation_policy != "strict":
        return None
    held = previous.get(route.resource)
    if held is None:
        return None
    generation = route._generation()
    if not behind_observed(generation, route._observed()):
        return None
    endpoints = tuple(sorted(held))
    message = (
        f"status lags spec (generation {generation}); keeping the "
        f"{len(endpoints)} previous endpoint(s) until the controller catches up"
    )
    return endpoints, Rejection("held", message)


def address_loss_hold(
    parent: Parent, why: str, names: Sequence[Hostname], previous: Sequence[Row] | None
) -> tuple[tuple[Row, ...], Rejection | None]:
    """The previous endpoints of ``names``, held while ``parent``'s Gateway has no address.

    Args:
        parent: the parent whose Gateway lost its address.
        why: why it has none (``status.addresses is empty, Programmed=False``).
        names: the hostnames the route gets through the parent.
        previous: the route's previous endpoints, as rows (``None``: nothing to hold).

    Returns:
        The held endpoints and the ``held`` rejection naming the Gateway; ``()`` and ``None``
        when there is nothing to hold.
    """
    wanted = set(names)
    held = tuple(row for row in previous or () if comparable_name(row[NAME]) in wanted)
    if not held:
        return (), None
    gw = parent.gateway
    whose = "its Gateway" if parent.listener_set is not None else "Gateway"
    shown = ", ".join(sorted({comparable_name(row[NAME]) for row in held}))
    message = (
        f"{whose} {gw.namespace}/{gw.name} has no usable address ({why}); keeping the "
        f"previous records of {shown} until it reports one"
    )
    return held, Rejection("held", message, parent=parent.label)
