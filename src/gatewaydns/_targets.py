"""Targets: what a route's hostnames point at through one parent (SPEC section 7).

The sources, in precedence order: the route's ``target`` annotation (with ``route_targets``),
the ListenerSet's ``target`` annotation (a ListenerSet parent), the Gateway's ``target``
annotation, the Gateway's ``status.addresses``. The first source with any value wins; its values
are validated (an IP address or a DNS name), de-duplicated and kept in order.

A parent's targets depend on the parent alone, so the index computes them once per Gateway and
ListenerSet (:func:`parent_targets`), whatever the number of routes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache

from gatewaydns._annotations import Annotations
from gatewaydns._diagnostics import Rejection
from gatewaydns._gateway import Gateway, ListenerSet
from gatewaydns._hostnames import is_ip_address, normalize_target
from gatewaydns._meta import find_condition

__all__ = [
    "Targets",
    "clean_target",
    "parent_targets",
    "record_type",
    "route_targets",
    "targets_by_type",
]


@dataclass(frozen=True)
class Targets:
    """A parent's (or a route's own) targets.

    Attributes:
        values: the valid targets, normalised, each once, in source order.
        problems: invalid values (``invalid-target``), or no source at all (``no-targets``);
            without a parent, which the caller adds (:meth:`at`).
        address_lost: why the Gateway has no usable address, when its targets would come from
            ``status.addresses`` (no ``target`` annotation) and it has none; ``None`` otherwise
            (addresses that are present but invalid are a configuration problem, not a
            transient one). What address-loss hold looks at (SPEC section 9).
    """

    values: tuple[str, ...]
    problems: tuple[Rejection, ...] = ()
    address_lost: str | None = None
    #: the values by record type (:func:`targets_by_type`), made once per parent
    by_type: tuple[tuple[str, tuple[str, ...]], ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_type", targets_by_type(self.values))

    def at(self, parent: str) -> tuple[Rejection, ...]:
        """The problems, about ``parent``."""
        return tuple(p._replace(parent=parent) for p in self.problems) if self.problems else ()


def clean_target(value: str) -> str | None:
    """A target as written in an annotation or status: normalised, or ``None`` when invalid.

    Example:
        >>> clean_target("LB.example.net."), clean_target("not a name")
        ('lb.example.net', None)
    """
    return normalize_target(value if is_ip_address(value) else value.rstrip("."))


def _resolve(sources: Sequence[tuple[str, Sequence[str]]]) -> Targets:
    """The first non-empty source's valid targets, and the problems found on the way."""
    for source, values in sources:
        if not values:
            continue
        out: list[str] = []
        problems: list[Rejection] = []
        for value in values:
            target = clean_target(value)
            if target is None:
                message = f"{source}: {value!r} is neither an IP address nor a DNS name"
                problems.append(Rejection("invalid-target", message))
            elif target not in out:
                out.append(target)
        return Targets(tuple(out), tuple(problems))
    message = "the Gateway has no target annotation and no status.addresses"
    return Targets((), (Rejection("no-targets", message),))


def route_targets(annotations: Annotations) -> Targets | None:
    """A route's own ``target`` annotation's targets (``route_targets``); ``None`` when unset."""
    values = annotations.targets()
    return _resolve([("route target annotation", values)]) if values else None


def parent_targets(gateway: Gateway, listener_set: ListenerSet | None, prefix: str) -> Targets:
    """The targets of a Gateway parent, or of a ListenerSet parent attached to ``gateway``."""
    sources: list[tuple[str, Sequence[str]]] = []
    if listener_set is not None:
        ls_values = Annotations(listener_set.metadata.annotations, prefix).targets()
        sources.append(("ListenerSet target annotation", ls_values))
    gw_values = Annotations(gateway.metadata.annotations, prefix).targets()
    sources.append(("Gateway target annotation", gw_values))
    status = gateway.status
    addresses = status.addresses if status is not None else None
    sources.append(("Gateway status.addresses", [a.value for a in addresses or ()]))
    targets = _resolve(sources)
    if addresses or any(values for _, values in sources[:-1]):
        return targets
    why = "status.addresses is empty" if addresses is not None else "no status.addresses"
    cond = find_condition(status.conditions if status is not None else None, "Programmed")
    if cond is not None:
        why += f", Programmed={cond.status}"
        if cond.reason:
            why += f" ({cond.reason})"
    return replace(targets, address_lost=why)


@lru_cache(maxsize=65536)
def record_type(target: str) -> str:
    """The record type a target makes: IPv4 ``A``, IPv6 ``AAAA``, anything else ``CNAME``."""
    if is_ip_address(target):
        return "AAAA" if ":" in target else "A"
    return "CNAME"


def targets_by_type(values: Sequence[str]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Targets split by the record type they make, types sorted, each type's targets sorted.

    Example:
        >>> targets_by_type(["192.0.2.2", "2001:db8::1", "192.0.2.1"])
        (('A', ('192.0.2.1', '192.0.2.2')), ('AAAA', ('2001:db8::1',)))
    """
    split: dict[str, set[str]] = {}
    for value in values:
        split.setdefault(record_type(value), set()).add(value)
    return tuple((rtype, tuple(sorted(split[rtype]))) for rtype in sorted(split))
