"""The reconciler's view of the zone between resyncs, and the part of it a plan must see.

Reading a whole zone costs a full transfer (AXFR) and planning it costs every record; an event
round should cost what changed. After a full read the reconciler keeps the records here and
applies its own successful changes to them, so the view stays what the provider holds (until
someone else writes: that drift is found at the next resync, when the view is rebuilt from a
full read; after any failed or partial apply the view is dropped and rebuilt the same way).

:meth:`ZoneView.scope` answers which names a plan about some DNS names must cover to decide
exactly as a plan of the whole zone would: the names themselves; the ownership TXT names of their
records (is it ours? does a CNAME hold it? a CNAME wanted there may become possible); and the
names whose ownership TXT is one of them (a CNAME may not take a TXT name; a TXT is an orphan only
when its record is gone); the names at or above them that hold NS records (a delegation makes a
name unpublishable) — and so on from each name added, as long as something is there.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence

from gatewaydns._domainfilter import DomainFilter
from gatewaydns._endpoint import Endpoint
from gatewaydns._plan import Changes, _Zone, normalize_endpoint
from gatewaydns._registry import _TEMPLATE, TXTRegistry

__all__ = ["ZoneView"]

_Key = tuple[str, str, str]  # (name, type, set identifier)


class ZoneView:
    """A copy of the provider's records, kept current by applying our own changes.

    Args:
        records: every record of the zone(s), as ``provider.records()`` returned them.
    """

    def __init__(self, records: Iterable[Endpoint]) -> None:
        self._records: dict[_Key, Endpoint] = {}
        self._by_name: dict[str, set[_Key]] = {}
        self._cuts: set[str] = set()  # names holding NS records (the apex, delegations)
        for ep in records:
            self._put(normalize_endpoint(ep))

    def __len__(self) -> int:
        return len(self._records)

    def records(self) -> list[Endpoint]:
        """Every record in the view."""
        return list(self._records.values())

    def _put(self, ep: Endpoint) -> None:
        key = (ep.dns_name, ep.record_type, ep.set_identifier)
        have = self._records.get(key)
        if have is not None and have is not ep:
            ep = have.model_copy(update={"targets": tuple(sorted({*have.targets, *ep.targets}))})
        self._records[key] = ep
        self._by_name.setdefault(key[0], set()).add(key)
        if key[1] == "NS":
            self._cuts.add(key[0])

    def _drop(self, ep: Endpoint) -> None:
        key = (ep.dns_name, ep.record_type, ep.set_identifier)
        self._records.pop(key, None)
        if key[1] == "NS" and not any(
            k[1] == "NS" for k in self._by_name.get(key[0], ()) if k != key
        ):
            self._cuts.discard(key[0])
        keys = self._by_name.get(key[0])
        if keys is not None:
            keys.discard(key)
            if not keys:
                del self._by_name[key[0]]

    def apply(self, changes: Changes) -> None:
        """Record changes the provider applied in full."""
        for unit in changes.units:
            for ep in (*unit.delete, *unit.update_old):
                self._drop(normalize_endpoint(ep))
            for ep in (*unit.update_new, *unit.create):
                self._put(normalize_endpoint(ep).model_copy(update={"labels": {}}))

    def at(self, names: Iterable[str]) -> list[Endpoint]:
        """Every record at ``names``."""
        out: list[Endpoint] = []
        for name in names:
            out.extend(self._records[k] for k in self._by_name.get(name, ()))
        return out

    def scope(
        self,
        names: Iterable[str],
        registry: TXTRegistry,
        managed: Sequence[str],
        wanted: Callable[[str], bool],
    ) -> tuple[set[str], list[Endpoint]]:
        """The names a plan about ``names`` must decide, and the records it must see.

        Starting from ``names``, a name pulls in the ownership TXT names of its records and the
        names whose ownership TXT it is, as long as the zone or the desired endpoints
        (``wanted(name)``) have something there; every record at a name in the result is
        planned with that name's desired endpoints, so none is deleted for lack of them.

        Returns:
            The names to plan, and every record at them.
        """
        scope = set(names)
        todo = list(scope)
        while todo:
            name = todo.pop()
            txt_names = [registry.txt_name(name, rtype) for rtype in managed]
            near = txt_names + [owner for owner, _ in registry.records_of(name, managed)]
            near += _legacy_neighbours(name, registry)
            if self._cuts:
                # an NS record at or above a name or its TXT name (a delegation) makes the
                # plan refuse to publish there: the plan must see it
                near += [c for n in (name, *txt_names) for c in _ancestors(n) if c in self._cuts]
            for other in near:
                if other not in scope and (other in self._by_name or wanted(other)):
                    scope.add(other)
                    todo.append(other)
        return scope, self.at(scope)

    def owned(
        self,
        registry: TXTRegistry,
        managed: Collection[str],
        domain_filter: DomainFilter | None = None,
    ) -> int:
        """How many managed record sets the view holds that are ours (the guard's base).

        Only records the domain filter covers count, as in a plan of the whole zone: records of
        ours outside it are not this plan's to delete, so they must not dilute the guard.
        """
        flt = domain_filter or DomainFilter()
        zone = _Zone(self._records.values(), registry, frozenset(managed), flt)
        return sum(1 for key in zone.records if zone.claim(*key).state == "ours")


def _ancestors(name: str) -> list[str]:
    """``name`` and every name above it (``a.b.example.com``, ``b.example.com``, ...)."""
    labels = name.split(".")
    return [".".join(labels[i:]) for i in range(len(labels))]


def _legacy_neighbours(name: str, registry: TXTRegistry) -> list[str]:
    """The old-format TXT name of records at ``name``, and the names ``name`` is that TXT of.

    Both as external-dns v0.12+ reads old-format names (ownership) and by the bare old format
    (``old_format_name``, which the orphan sweep honours: a TXT older external-dns versions
    read as a record's ownership is never an orphan while that record exists).
    """
    out = [registry.old_format_name(name)]
    legacy = registry.legacy_txt_name(name)
    if legacy is not None:
        out.append(legacy)
    owners = _old_format_owners(name, registry)
    owner, rtype = registry.endpoint_name(name)
    if owner and not rtype:
        owners.append(owner)
    for owner in owners:
        out.append(owner)
        first, dot, rest = owner.partition(".")
        if registry.wildcard_replacement and first == registry.wildcard_replacement:
            out.append(f"*{dot}{rest}")
    return out


def _old_format_owners(txt_name: str, registry: TXTRegistry) -> list[str]:
    """Every name ``n`` with ``registry.old_format_name(n) == txt_name``."""
    prefix = registry.prefix.replace(_TEMPLATE, "")
    suffix = registry.suffix.replace(_TEMPLATE, "")
    if not txt_name.startswith(prefix):
        return []
    rest = txt_name[len(prefix) :]
    if not suffix:
        candidates = [rest]
    else:
        candidates = []
        start = 0
        while (i := rest.find(suffix, start)) >= 0:
            start = i + 1
            candidates.append(rest[:i] + rest[i + len(suffix) :])
    return [n for n in candidates if n and registry.old_format_name(n) == txt_name]
