"""Target filters (external-dns ``--target-net-filter`` / ``--exclude-target-net``).

external-dns applies them to the endpoints of its sources (``source/wrappers/
targetfiltersource.go``): a target is kept when it lies in one of the filter networks (any, when
there are none) and in none of the excluded networks; an endpoint that keeps no target is
dropped. A target that is not an IP address (a CNAME's host name) lies in no network: a filter
network drops it, an excluded network never does — as in external-dns.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["Network", "TargetNetFilter", "parse_cidr"]

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_cidr(text: str) -> Network:
    """A network in CIDR notation; host bits may be set (``10.1.2.3/8`` is ``10.0.0.0/8``).

    Raises:
        ValueError: not ``address/prefix-length`` (Go's ``net.ParseCIDR`` refuses a bare
            address too).

    Example:
        >>> parse_cidr(" 10.1.2.3/8 ")
        IPv4Network('10.0.0.0/8')
    """
    value = text.strip()
    if "/" not in value:
        msg = f"{text!r} is not a network in CIDR notation (e.g. 10.0.0.0/8 or 2001:db8::/32)"
        raise ValueError(msg)
    try:
        return ipaddress.ip_network(value, strict=False)
    except ValueError:
        msg = f"{text!r} is not a network in CIDR notation (e.g. 10.0.0.0/8 or 2001:db8::/32)"
        raise ValueError(msg) from None


@dataclass(frozen=True)
class TargetNetFilter:
    """Which targets an endpoint may keep.

    Args:
        include: the networks a target must lie in (none: any).
        exclude: the networks a target must not lie in.
    """

    include: tuple[Network, ...] = ()
    exclude: tuple[Network, ...] = ()

    @classmethod
    def parse(cls, include: Iterable[str], exclude: Iterable[str]) -> TargetNetFilter:
        """Build a filter from CIDR texts.

        Raises:
            ValueError: a text is not a CIDR.
        """
        return cls(tuple(map(parse_cidr, include)), tuple(map(parse_cidr, exclude)))

    @property
    def enabled(self) -> bool:
        """Whether the filter can drop anything."""
        return bool(self.include or self.exclude)

    def admits(self, target: str) -> bool:
        """Whether an endpoint may keep ``target``.

        Example:
            >>> flt = TargetNetFilter.parse(["10.0.0.0/8"], ["10.9.0.0/16"])
            >>> [flt.admits(t) for t in ("10.1.1.1", "10.9.1.1", "192.0.2.1", "lb.example.net")]
            [True, False, False, False]
        """
        try:
            ip = ipaddress.ip_address(target)
        except ValueError:
            return not self.include  # a host name lies in no network
        if self.include and not _inside(ip, self.include):
            return False
        return not _inside(ip, self.exclude)

    def describe(self) -> str:
        """The filter in words, for diagnostics."""
        parts = []
        if self.include:
            parts.append("target_net_filter " + ", ".join(map(str, self.include)))
        if self.exclude:
            parts.append("exclude_target_net " + ", ".join(map(str, self.exclude)))
        return " and ".join(parts)


def _inside(ip: ipaddress.IPv4Address | ipaddress.IPv6Address, nets: tuple[Network, ...]) -> bool:
    mapped = ip.ipv4_mapped if isinstance(ip, ipaddress.IPv6Address) else None
    return any(ip in net or (mapped is not None and mapped in net) for net in nets)
