"""Annotations: prefix handling, hostname lists, TTL, targets, provider-specific properties.

The default prefix is ``external-dns.kubernetes.io/``. While it is in force the legacy
``external-dns.alpha.kubernetes.io/`` keys are read too, the current prefix winning when both
are set (our extension, SPEC section 8). A custom prefix reads only itself.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from fractions import Fraction

__all__ = [
    "DEFAULT_PREFIX",
    "LEGACY_PREFIX",
    "OUR_CONTROLLER",
    "PROVIDER_SPECIFIC_PREFIXES",
    "Annotations",
    "parse_ttl",
    "split_list",
]

#: The annotation prefix external-dns reads by default.
DEFAULT_PREFIX = "external-dns.kubernetes.io/"
#: The older prefix, still read while the default prefix is in force.
LEGACY_PREFIX = "external-dns.alpha.kubernetes.io/"

#: The ``controller`` annotation value that lets gatewaydns (and external-dns) publish an object.
OUR_CONTROLLER = "dns-controller"

#: annotation-key prefix (after the annotation prefix) -> provider-specific name prefix.
PROVIDER_SPECIFIC_PREFIXES: dict[str, str] = {
    "aws-": "aws/",
    "scw-": "scw/",
    "webhook-": "webhook/",
    "coredns-": "coredns/",
}
#: exact annotation keys (after the prefix) -> provider-specific name.
PROVIDER_SPECIFIC_KEYS: dict[str, str] = {
    "record-type": "record-type",
    "azure-tags": "azure/tags",
}
#: Cloudflare keys keep their full annotation key (with the configured prefix) as the name.
CLOUDFLARE_KEYS = (
    "cloudflare-proxied",
    "cloudflare-custom-hostname",
    "cloudflare-region-key",
    "cloudflare-record-comment",
    "cloudflare-tags",
)

_MAX_TTL = 2**31 - 1
_UNITS = {
    "ns": Fraction(1, 10**9),
    "us": Fraction(1, 10**6),
    "µs": Fraction(1, 10**6),
    "μs": Fraction(1, 10**6),
    "ms": Fraction(1, 1000),
    "s": Fraction(1),
    "m": Fraction(60),
    "h": Fraction(3600),
}
_DURATION_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)")


class Annotations:
    """The annotations of one object, seen through the configured prefix.

    Args:
        annotations: the object's ``metadata.annotations``.
        prefix: the configured prefix (ends with ``/``).
    """

    __slots__ = ("_values", "prefix")

    def __init__(self, annotations: Mapping[str, str] | None, prefix: str) -> None:
        self.prefix = prefix
        values: dict[str, str] = {}
        if annotations:
            prefixes = (LEGACY_PREFIX, prefix) if prefix == DEFAULT_PREFIX else (prefix,)
            for pfx in prefixes:  # later prefixes win
                for key, value in annotations.items():
                    if key.startswith(pfx):
                        values[key[len(pfx) :]] = value
        self._values = values

    @property
    def empty(self) -> bool:
        """Whether no annotation with the prefix (or its legacy twin) is set."""
        return not self._values

    def get(self, key: str) -> str | None:
        """The value of ``<prefix><key>`` (or its legacy twin), or ``None``."""
        return self._values.get(key)

    def foreign_controller(self) -> str | None:
        """The ``controller`` annotation when it names another controller (SPEC sections 1, 2).

        ``None`` when the annotation is absent or names ``dns-controller``: then the object is
        considered.
        """
        value = self._values.get("controller")
        return None if value is None or value == OUR_CONTROLLER else value

    def targets(self) -> list[str]:
        """The ``target`` annotation's list (``[]`` when absent; SPEC section 7)."""
        return split_list(self._values.get("target") or "")

    def provider_specific(self) -> dict[str, str]:
        """Provider-specific properties, following external-dns names (SPEC section 8)."""
        out: dict[str, str] = {}
        for key, value in self._values.items():
            if key == "alias":
                if value == "true":
                    out["alias"] = "true"
            elif key in PROVIDER_SPECIFIC_KEYS:
                out[PROVIDER_SPECIFIC_KEYS[key]] = value
            elif key in CLOUDFLARE_KEYS:
                out[self.prefix + key] = value
            else:
                for pfx, name in PROVIDER_SPECIFIC_PREFIXES.items():
                    if key.startswith(pfx) and len(key) > len(pfx):
                        out[name + key[len(pfx) :]] = value
        return out

    def has_provider_specific(self) -> bool:
        """Whether any provider-specific annotation is set."""
        return bool(self.provider_specific())


def split_list(value: str) -> list[str]:
    """Split a comma-separated annotation: all spaces removed, empty items dropped.

    Example:
        >>> split_list(" a.com, b.com ,,")
        ['a.com', 'b.com']
    """
    return [item for item in "".join(value.split()).split(",") if item]


def parse_ttl(value: str) -> int | None:
    """Parse a TTL: integer seconds or a Go duration (``90s``, ``10m``, ``1h30m``).

    Fractions of a second are truncated. Valid TTLs are 1 … 2147483647.

    Returns:
        The TTL in seconds, or ``None`` when the value is not a valid TTL.

    Example:
        >>> parse_ttl("1h30m"), parse_ttl("300"), parse_ttl("1.9s"), parse_ttl("0")
        (5400, 300, 1, None)
    """
    text = value.strip()
    if text.isdigit():
        seconds = Fraction(int(text))
    else:
        pos, seconds = 0, Fraction(0)
        if not text:
            return None
        while pos < len(text):
            m = _DURATION_PART.match(text, pos)
            if m is None:
                return None
            seconds += Fraction(m.group(1)) * _UNITS[m.group(2)]
            pos = m.end()
    whole = int(seconds)
    if not 1 <= whole <= _MAX_TTL:
        return None
    return whole
