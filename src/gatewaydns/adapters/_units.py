"""What the DNS server adapters share about applying ``Changes`` one unit at a time.

The RFC 2136 and PowerDNS providers both apply each :class:`~gatewaydns.ChangeUnit` atomically,
batch units into requests, and report the units that failed in one
:class:`~gatewaydns.ProviderError` (the others applied). The failure of one unit, the summary,
how a unit is named in messages and the endpoints a plain zone can hold are written here once.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from gatewaydns._dnsname import normalize_name, zone_of
from gatewaydns._endpoint import Endpoint, endpoint_sort_key
from gatewaydns._errors import ProviderError
from gatewaydns._plan import ChangeUnit

__all__ = ["UnitError", "describe_unit", "in_zones", "raise_for_failures"]


class UnitError(Exception):
    """One unit was not applied: what it was, why, and whether retrying it unchanged may help."""

    def __init__(self, what: str, reason: str, *, retryable: bool) -> None:
        super().__init__(f"{what}: {reason}")
        self.retryable = retryable


def describe_unit(unit: ChangeUnit) -> str:
    """How messages name a unit: its first record that is not an ownership TXT (``A a.example``)."""
    eps = [e for e in unit.endpoints() if e.record_type != "TXT"]
    ep = min(eps or unit.endpoints(), key=endpoint_sort_key)
    return f"{ep.record_type} {normalize_name(ep.dns_name)}"


def in_zones(
    endpoints: Iterable[Endpoint], zones: Sequence[str], default_ttl: int
) -> list[Endpoint]:
    """Endpoints as the zones of a DNS server will hold them (``adjust_endpoints``).

    Names outside ``zones`` are dropped, provider-specific properties removed (a zone has none)
    and ``default_ttl`` applied where the TTL is unset.
    """
    return [
        ep.model_copy(update={"provider_specific": (), "record_ttl": ep.record_ttl or default_ttl})
        for ep in endpoints
        if zone_of(normalize_name(ep.dns_name), zones) is not None
    ]


def raise_for_failures(failures: Sequence[UnitError], attempted: int) -> None:
    """Raise one ProviderError naming the failed units (the first five), if any failed.

    Args:
        failures: the units that failed, in plan order.
        attempted: how many units there were; the others were applied.

    Raises:
        ProviderError: some unit failed; ``retryable`` is false only when no failure is.
    """
    if not failures:
        return
    detail = "; ".join(str(f) for f in failures[:5])
    more = f" (and {len(failures) - 5} more)" if len(failures) > 5 else ""
    msg = f"{len(failures)} change(s) failed, {attempted - len(failures)} applied: {detail}{more}"
    raise ProviderError(msg, retryable=any(f.retryable for f in failures))
