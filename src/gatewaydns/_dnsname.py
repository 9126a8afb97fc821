"""DNS names on the write path: normalisation, zone membership and what a server accepts.

The computation validates hostnames (:mod:`gatewaydns._hostnames`); this module answers the
questions the planner and the providers ask about any name, wherever it came from:

* :func:`normalize_name` — the one canonical form names are compared in (lower case, no trailing
  dot), whatever a provider returns (``Shop.Example.com.`` and ``shop.example.com`` are one name);
* :func:`in_domain` and :func:`zone_of` — whether a name is a domain or below it, and which of
  several zones holds it (the longest one);
* :func:`name_problem` — why a server would refuse a name (RFC 1035 §2.3.4: labels of at most 63
  octets, names of at most 255 octets on the wire, i.e. 253 characters in text form).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = ["MAX_LABEL", "MAX_NAME", "in_domain", "name_problem", "normalize_name", "zone_of"]

#: The longest label, in octets (RFC 1035 §2.3.4).
MAX_LABEL = 63
#: The longest name in text form without the trailing dot: 255 wire octets = 253 characters.
MAX_NAME = 253

# What a label of a record name may hold: letters, digits, "-", "_" (service labels such as
# "_dns") and "*" (external-dns names a wildcard's TXT "a-*.example.com"; only a whole "*" label
# is a wildcard). Anything else (spaces, quotes, backslashes, ";", "@", "$", non-ASCII) is
# refused rather than escaped: it never comes from a valid Kubernetes object.
_LABEL = re.compile(r"[a-z0-9_*-]+\Z")
# A host name label (RFC 952/1123), what BIND's check-names demands of A/AAAA owner names.
_HOST_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\Z")


def normalize_name(name: str) -> str:
    """The canonical form of a DNS name: ASCII lower case, without the trailing dot.

    Example:
        >>> normalize_name("Shop.Example.COM.")
        'shop.example.com'
    """
    if name.endswith(".") and name != ".":
        name = name[:-1]
    return name.lower() if name.isascii() else name


def in_domain(name: str, domain: str) -> bool:
    """Whether ``name`` is ``domain`` or a name below it (both normalised).

    Example:
        >>> in_domain("www.example.com", "example.com"), in_domain("badexample.com", "example.com")
        (True, False)
    """
    return name == domain or name.endswith("." + domain)


def zone_of(name: str, zones: Iterable[str]) -> str | None:
    """The most specific of ``zones`` that holds ``name``, or ``None``.

    Example:
        >>> zone_of("a.sub.example.com", ["example.com", "sub.example.com"])
        'sub.example.com'
    """
    best: str | None = None
    for zone in zones:
        if in_domain(name, zone) and (best is None or len(zone) > len(best)):
            best = zone
    return best


def name_problem(name: str, *, host: bool = False) -> str | None:
    """Why a DNS server would refuse ``name`` as a record name; ``None`` when it is fine.

    Every label holds 1-63 characters of ``[a-z0-9_*-]``; the whole name holds at most 253
    characters. With ``host`` (the owner of an A or AAAA record) the labels must be host name
    labels (letters, digits and inner hyphens; a first label ``*`` is a wildcard), as BIND's
    ``check-names`` demands.

    Example:
        >>> name_problem("a-" + "x" * 62 + ".example.com")
        'label of 64 octets (at most 63)'
    """
    if not name:
        return "empty name"
    if len(name) > MAX_NAME:
        return f"name of {len(name)} octets (at most {MAX_NAME})"
    labels = name.split(".")
    for i, label in enumerate(labels):
        if len(label) > MAX_LABEL:
            return f"label of {len(label)} octets (at most {MAX_LABEL})"
        if not _LABEL.match(label):
            return f"label {label!r} is not letters, digits, '-', '_' or '*'"
        if host and not (_HOST_LABEL.match(label) or (i == 0 and label == "*")):
            return f"label {label!r} is not a host name label (letters, digits, inner '-')"
    return None
