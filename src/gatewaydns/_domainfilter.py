"""DomainFilter: which DNS names a plan may touch."""

from __future__ import annotations

from dataclasses import dataclass

from gatewaydns._dnsname import in_domain, normalize_name

__all__ = ["DomainFilter"]


@dataclass(frozen=True)
class DomainFilter:
    """Which DNS names a plan may touch.

    A name may be touched when it is inside an ``include`` domain (any, when there are none) and
    not inside an ``exclude`` domain; it is inside a domain when it is the domain or below it.
    Names and domains are compared normalised (lower case, no trailing dot).
    """

    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "include", tuple(normalize_name(d) for d in self.include))
        object.__setattr__(self, "exclude", tuple(normalize_name(d) for d in self.exclude))

    def matches(self, name: str) -> bool:
        """Whether ``name`` may be touched."""
        name = normalize_name(name)
        if self.include and not any(in_domain(name, d) for d in self.include):
            return False
        return not any(in_domain(name, d) for d in self.exclude)
