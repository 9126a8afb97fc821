"""Hostnames: validation, normalisation and listener-by-route intersection (SPEC section 6).

Only :func:`normalize_hostname` makes a :data:`~gatewaydns._types.Hostname`; the matching
functions accept nothing else, so mypy catches a raw string that skipped validation.
"""

from __future__ import annotations

import ipaddress
import re
from functools import lru_cache

from gatewaydns._dnsname import MAX_LABEL, MAX_NAME
from gatewaydns._types import Hostname

__all__ = [
    "comparable_name",
    "intersect_hostnames",
    "is_ip_address",
    "normalize_hostname",
    "normalize_target",
]

# RFC 1123 label: 1-63 characters of [A-Za-z0-9-], not starting or ending with "-".
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
# a name: labels joined by single dots; the rule itself, which _is_dns_name checks faster
_NAME = re.compile(rf"(?:{_LABEL}\.)*{_LABEL}\Z")


@lru_cache(maxsize=65536)
def is_ip_address(value: str) -> bool:
    """Whether ``value`` is an IPv4 or IPv6 address."""
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


@lru_cache(maxsize=65536)
def normalize_hostname(value: str) -> Hostname | None:
    """Validate and normalise a hostname; ``None`` when it is invalid.

    A hostname is valid when, after removing one leading ``*.``, it is an RFC 1123 DNS name
    (labels of 1-63 characters ``[A-Za-z0-9-]`` not starting or ending with ``-``, at most 253
    characters without the trailing dot, the ``*.`` included) and not an IP address. The result
    is lower-case ASCII without a trailing dot.

    Args:
        value: the hostname as written (spec, annotation or listener).

    Returns:
        The normalised hostname, or ``None``.

    Example:
        >>> normalize_hostname("WWW.Example.com.")
        'www.example.com'
        >>> normalize_hostname("*.example.com")
        '*.example.com'
        >>> normalize_hostname("192.0.2.1") is None
        True
    """
    if not value.isascii():
        return None
    name = value.lower()
    if name.endswith(".") and not name.endswith(".."):
        name = name[:-1]
    rest = name[2:] if name.startswith("*.") else name
    if not rest or len(name) > MAX_NAME:
        return None
    if not _is_dns_name(rest):
        return None
    # only a name whose last label is all digits can be an IPv4 address (IPv6 fails the labels)
    if rest.rpartition(".")[2].isdigit() and is_ip_address(rest):
        return None
    return Hostname(name)


def _is_dns_name(name: str) -> bool:
    """Whether ``name`` matches ``_NAME``: lower-case labels joined by single dots.

    The same rule as the regular expression, checked with string methods at a third of its
    cost (a route's hostnames are normalised on every computation: #17). Every label has only
    ``a-z``, ``0-9`` and ``-``; none is empty (no leading, trailing or double dot), none starts
    or ends with ``-``, none is longer than 63 characters. ``tests/test_hostnames.py`` checks it
    against ``_NAME``.
    """
    chars = name.replace(".", "").replace("-", "")
    # a-z and 0-9 only (isalnum alone would take A-Z and non-ASCII letters); not empty
    if not (chars.isalnum() and chars.isascii() and (chars.islower() or chars.isdigit())):
        return False
    if name[0] in ".-" or name[-1] in ".-" or ".." in name or ".-" in name or "-." in name:
        return False
    return len(name) <= MAX_LABEL or max(map(len, name.split("."))) <= MAX_LABEL


def comparable_name(name: str) -> str:
    """A DNS name as hostnames are compared: normalised when valid, else as it is.

    For names read back from earlier results (``previous`` endpoints), which were normalised
    when computed but may come from a file or a zone.

    Example:
        >>> comparable_name("WWW.Example.com."), comparable_name("not valid")
        ('www.example.com', 'not valid')
    """
    return normalize_hostname(name) or name


def intersect_hostnames(listener: Hostname | None, route: Hostname | None) -> Hostname | None:
    """The hostname a listener and a route hostname agree on, or ``None``.

    ``None`` stands for an empty hostname ("any"). An empty listener hostname yields the route's;
    an empty route hostname yields the listener's; both empty yield ``None``. Otherwise the result
    is the more specific of the two when one covers the other. The function is symmetric.

    Example:
        >>> intersect_hostnames(Hostname("*.example.com"), Hostname("a.b.example.com"))
        'a.b.example.com'
        >>> intersect_hostnames(Hostname("*.example.com"), Hostname("example.com")) is None
        True
    """
    if listener is None or route is None:
        return route if listener is None else listener
    if listener == route:
        return listener
    # a wildcard "*.example.com" covers any name ending in ".example.com" with one or more
    # labels in front (a.b.example.com too), never "example.com" itself
    if listener.startswith("*.") and route.endswith(listener[1:]) and len(route) >= len(listener):
        return route
    if route.startswith("*.") and listener.endswith(route[1:]) and len(listener) >= len(route):
        return listener
    return None


@lru_cache(maxsize=65536)
def normalize_target(value: str) -> str | None:
    """Validate a target: an IP address (canonical form) or a DNS name (lower-case, no dot).

    Returns:
        The normalised target, or ``None`` when it is neither.

    Example:
        >>> normalize_target("2001:DB8::0:1")
        '2001:db8::1'
        >>> normalize_target("LB.example.net.")
        'lb.example.net'
    """
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        pass
    else:  # a scoped IPv6 address (fe80::1%eth0) names an interface, nothing DNS can hold
        return None if "%" in value else str(address)
    name = normalize_hostname(value)
    if name is None or name.startswith("*."):
        return None
    return name
