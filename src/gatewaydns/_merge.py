"""Merging endpoints of all routes, and DNS conflicts (SPEC sections 8 and 11).

Same (dnsName, recordType, setIdentifier, TTL) ⇒ one endpoint with the union of targets; a
CNAME merges only with a CNAME of the same target. Merged endpoints keep the labels and
provider-specific properties of the route that sorts first by (creationTimestamp, namespace,
name, kind).

A DNS name (per set identifier) is in conflict when it would get a CNAME and also A/AAAA
records, more than one CNAME target, or one record type with different TTLs or provider-specific
properties. ``report`` publishes as upstream does and adds a ``dns-conflict`` diagnostic;
``oldest-wins`` keeps only the oldest route's records for that name (the Gateway API conflict
rule) and drops the others with a diagnostic.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from gatewaydns._diagnostics import Diagnostic, make_diagnostic
from gatewaydns._endpoint import (
    NAME,
    SET_ID,
    SPECIFIC,
    TARGETS,
    TTL,
    TYPE,
    Endpoint,
    EndpointMaker,
    Row,
)
from gatewaydns._routes import Route
from gatewaydns._types import ConflictPolicy

__all__ = [
    "MergeState",
    "Merged",
    "RouteEntry",
    "merge_all",
    "route_entry",
    "route_sort_key",
]


def route_sort_key(route: Route) -> tuple[Any, ...]:
    """Age order of routes: (creationTimestamp, namespace, name, kind); no timestamp sorts last."""
    ts = route._created()
    return (ts is None, ts or "", route.namespace, route.name, route.kind)


def _conflict(endpoints: list[tuple[str, Row]]) -> str | None:
    types = {row[TYPE] for _, row in endpoints}
    if "CNAME" in types and types & {"A", "AAAA"}:
        return "a CNAME and A/AAAA records"
    cname_targets = {t for _, row in endpoints if row[TYPE] == "CNAME" for t in row[TARGETS]}
    if len(cname_targets) > 1:
        return f"{len(cname_targets)} CNAME targets ({', '.join(sorted(cname_targets))})"
    for rtype in sorted(types):
        props = {(row[TTL], row[SPECIFIC]) for _, row in endpoints if row[TYPE] == rtype}
        if len(props) > 1:
            return f"{rtype} records with different TTLs or provider-specific properties"
    return None


@dataclass(frozen=True, slots=True)
class RouteEntry:
    """What merging needs to know about one route (its endpoints as rows)."""

    age: tuple[Any, ...]
    kind: str
    namespace: str
    name: str
    endpoints: tuple[Row, ...]


@dataclass(frozen=True, slots=True)
class _GroupOutcome:
    merged: tuple[Row, ...]
    diagnostics: tuple[Diagnostic, ...]
    dropped: frozenset[str]


_Group = tuple[str, str]  # (dns name, set identifier)
_NONE: frozenset[str] = frozenset()  # what most groups drop: one shared empty set


def _merge_group(
    group: _Group, keys: list[str], routes: Mapping[str, RouteEntry], policy: ConflictPolicy
) -> _GroupOutcome:
    """Merge one (name, set identifier): conflicts, the conflict policy, target unions."""
    dns_name, set_id = group
    order = keys if len(keys) == 1 else sorted(keys, key=lambda k: (routes[k].age, k))
    entries = [
        (key, row)
        for key in order
        for row in routes[key].endpoints
        if row[NAME] == dns_name and row[SET_ID] == set_id
    ]
    diagnostics: list[Diagnostic] = []
    dropped: set[str] = set()
    why = _conflict(entries)
    if why is not None:
        involved = [k for k in order if any(key == k for key, _ in entries)]
        where = dns_name + (f" (set {set_id})" if set_id else "")
        for key in involved:
            route = routes[key]
            others = [k for k in involved if k != key]
            msg = f"{where} would get {why}"
            if others:
                msg += f"; also claimed by {', '.join(others)}"
            if policy == "oldest-wins" and key != involved[0]:
                msg += f"; dropped: {involved[0]} is older and keeps the name"
                dropped.add(key)
            diagnostics.append(
                make_diagnostic(
                    "dns-conflict", route.kind, route.namespace, route.name, msg, hostname=dns_name
                )
            )
    merged: dict[tuple[Any, ...], Row] = {}
    for key, row in entries:
        if key in dropped:
            continue
        mkey: tuple[Any, ...] = (row[TYPE], row[TTL])
        if row[TYPE] == "CNAME":
            mkey += (row[TARGETS],)
        first = merged.get(mkey)
        if first is None:
            merged[mkey] = row
        else:
            name, rtype, sid, ttl, old, ps, labels = first
            targets = tuple(sorted(set(old) | set(row[TARGETS])))
            merged[mkey] = (name, rtype, sid, ttl, targets, ps, labels)
    return _GroupOutcome(
        tuple(merged.values()), tuple(diagnostics), frozenset(dropped) if dropped else _NONE
    )


class MergeState:
    """Merged endpoints of all routes, updated incrementally route by route.

    ``compute_endpoints`` feeds it every route once; the reconciler keeps one and feeds it only
    the routes it recomputed, so only the DNS names those routes touch are merged again. Both use
    this one code path, so incremental and full results cannot diverge. Endpoints are rows
    (:data:`~gatewaydns._endpoint.Row`); :meth:`objects` makes them :class:`Endpoint` objects,
    each once for as long as it stays merged.
    """

    def __init__(self, policy: ConflictPolicy) -> None:
        self.policy = policy
        self.routes: dict[str, RouteEntry] = {}
        self._groups: dict[_Group, set[str]] = {}
        self._outcomes: dict[_Group, _GroupOutcome] = {}
        self._rows: list[Row] = []  # the merged endpoints, sorted (a row is its own sort key)
        # their Endpoint objects, in the same order: made on the first read of ``objects``,
        # then kept in step with ``_rows`` (made only for what an update adds)
        self._objects: list[Endpoint] | None = None
        self.version = 0  # counts updates: what a result assembled from the state captured
        self._kept: dict[str, tuple[Row, ...]] = {}
        self._conflicted: set[_Group] = set()
        self._dropping: set[_Group] = set()  # groups whose outcome drops a route's endpoints
        self._sids: dict[str, set[str]] = {}  # DNS name -> set identifiers with a group

    def update(self, changes: Mapping[str, RouteEntry | None]) -> None:
        """Replace (or, with ``None``, remove) the given routes and re-merge what they touch."""
        self.version += 1
        touched = self._replace_routes(changes)
        rekeep: set[str] = {k for k, e in changes.items() if e is not None}
        removed, added = self._remerge(touched, rekeep)
        self._resort(removed, added)
        self._rekeep(rekeep)

    def _replace_routes(self, changes: Mapping[str, RouteEntry | None]) -> set[_Group]:
        """Update the routes and their group memberships; return the groups they touch."""
        touched: set[_Group] = set()
        for key, entry in changes.items():
            old = self.routes.pop(key, None)
            if old is not None:
                for row in old.endpoints:
                    group = (row[NAME], row[SET_ID])
                    members = self._groups.get(group)
                    if members is not None:
                        members.discard(key)
                    touched.add(group)
            self._kept.pop(key, None)
            if entry is not None:
                self.routes[key] = entry
                for row in entry.endpoints:
                    group = (row[NAME], row[SET_ID])
                    self._groups.setdefault(group, set()).add(key)
                    self._sids.setdefault(row[NAME], set()).add(row[SET_ID])
                    touched.add(group)
        return touched

    def _remerge(self, touched: set[_Group], rekeep: set[str]) -> tuple[list[Row], list[Row]]:
        """Merge the touched groups again; return the merged endpoints removed and added.

        Routes whose kept endpoints may change (a group dropped or stopped dropping them) are
        added to ``rekeep``.
        """
        removed: list[Row] = []
        added: list[Row] = []
        for group in touched:
            old_out = self._outcomes.pop(group, None)
            if old_out is not None:
                removed.extend(old_out.merged)
                rekeep |= old_out.dropped
            members = self._groups.get(group)
            if not members:
                self._forget(group)
                continue
            out = _merge_group(group, list(members), self.routes, self.policy)
            self._outcomes[group] = out
            _mark(self._conflicted, group, bool(out.diagnostics))
            _mark(self._dropping, group, bool(out.dropped))
            added.extend(out.merged)
            rekeep |= out.dropped
        return removed, added

    def _forget(self, group: _Group) -> None:
        """Drop a group no route wants any more."""
        self._groups.pop(group, None)
        self._conflicted.discard(group)
        self._dropping.discard(group)
        sids = self._sids.get(group[0])
        if sids is not None:
            sids.discard(group[1])
            if not sids:
                del self._sids[group[0]]

    def _resort(self, removed: list[Row], added: list[Row]) -> None:
        """Keep the merged endpoints sorted: sort once in bulk, then bisect per change."""
        if not self._rows:
            self._rows = sorted(added)
            self._objects = None
            return
        rows, objects = self._rows, self._objects
        make = EndpointMaker()  # one per update: its caches live no longer than the update
        for row in removed:
            i = bisect_left(rows, row)
            del rows[i]
            if objects is not None:
                del objects[i]
        for row in added:
            i = bisect_left(rows, row)
            rows.insert(i, row)
            if objects is not None:
                objects.insert(i, make(row))

    def _rekeep(self, keys: set[str]) -> None:
        """Recompute what each of ``keys`` keeps after the conflict policy."""
        for key in keys:
            entry = self.routes.get(key)
            if entry is None:
                continue
            if not self._dropping:  # nothing is dropped anywhere: a route keeps all it has
                kept = entry.endpoints
            else:
                kept = tuple(
                    row
                    for row in entry.endpoints
                    if key not in self._outcomes[(row[NAME], row[SET_ID])].dropped
                )
            if kept:
                self._kept[key] = kept
            else:
                self._kept.pop(key, None)

    def endpoints(self) -> tuple[Row, ...]:
        """The merged endpoints, sorted, as rows."""
        return tuple(self._rows)

    def objects(self) -> tuple[Endpoint, ...]:
        """The merged endpoints, sorted, as :class:`Endpoint` objects."""
        if self._objects is None:
            self._objects = list(map(EndpointMaker(), self._rows))
        return tuple(self._objects)

    def wants(self, name: str) -> bool:
        """Whether any route wants a record at ``name``."""
        return name in self._sids

    def at(self, names: Iterable[str]) -> list[Endpoint]:
        """The merged endpoints at ``names`` (every set identifier), sorted."""
        out: list[Row] = []
        for name in names:
            for sid in self._sids.get(name, ()):
                out.extend(self._outcomes[(name, sid)].merged)
        out.sort()
        return list(map(EndpointMaker(), out))

    def kept_view(self) -> Mapping[str, tuple[Row, ...]]:
        """Route key -> its endpoints after the conflict policy: live and read-only (no copy).

        It changes with the next :meth:`update`; take :meth:`kept` to keep a copy.
        """
        return MappingProxyType(self._kept)

    def kept(self) -> dict[str, tuple[Row, ...]]:
        """Route key -> its endpoints after the conflict policy (a copy, unordered)."""
        return dict(self._kept)

    def diagnostics(self) -> list[Diagnostic]:
        """The ``dns-conflict`` diagnostics, by DNS name then route age."""
        return [d for group in sorted(self._conflicted) for d in self._outcomes[group].diagnostics]


def _mark(groups: set[_Group], group: _Group, on: bool) -> None:
    """Add ``group`` to ``groups`` when ``on``, else remove it."""
    if on:
        groups.add(group)
    else:
        groups.discard(group)


def route_entry(route: Route, endpoints: tuple[Row, ...]) -> RouteEntry:
    """The merge's view of a route."""
    return RouteEntry(route_sort_key(route), route.kind, route.namespace, route.name, endpoints)


class Merged:
    """The merge of every route at once (:func:`merge_all`): what a full computation reads.

    The same three readings as :class:`MergeState` (``endpoints``, ``kept``, ``diagnostics``),
    without the per-name state an incremental update needs.
    """

    __slots__ = ("_diagnostics", "_endpoints", "_kept")

    def __init__(
        self,
        endpoints: tuple[Row, ...],
        kept: dict[str, tuple[Row, ...]],
        diagnostics: list[Diagnostic],
    ) -> None:
        self._endpoints = endpoints
        self._kept = kept
        self._diagnostics = diagnostics

    def endpoints(self) -> tuple[Row, ...]:
        """The merged endpoints, sorted, as rows."""
        return self._endpoints

    def kept(self) -> dict[str, tuple[Row, ...]]:
        """Route key -> its endpoints after the conflict policy (unordered)."""
        return self._kept

    def diagnostics(self) -> list[Diagnostic]:
        """The ``dns-conflict`` diagnostics, by DNS name then route age."""
        return list(self._diagnostics)


_ADDRESS_TYPES = frozenset({"A", "AAAA"})


def _plain(endpoints: tuple[Row, ...]) -> bool:
    """Whether one route's endpoints, alone at their names, merge as they are, in no conflict.

    True when every endpoint is an ``A`` or ``AAAA`` record and no two share (name, type, set
    identifier): then each of the route's (name, set identifier) groups holds at most one
    endpoint per type, none a CNAME, which :func:`_merge_group` leaves as it is.
    ``tests/test_compute_speed.py`` checks this against :class:`MergeState`.
    """
    for row in endpoints:
        if row[TYPE] not in _ADDRESS_TYPES:
            return False
    if len(endpoints) < 2:
        return True
    return len({row[:3] for row in endpoints}) == len(endpoints)


def merge_all(
    routes: Mapping[str, tuple[Row, ...]],
    policy: ConflictPolicy,
    entry: Callable[[str], RouteEntry],
) -> Merged:
    """Merge every route's endpoints at once: what :class:`MergeState` gives fed them all.

    A DNS name (per set identifier) that one route alone wants, with :func:`_plain` endpoints,
    is published as that route has it; every other group goes through :func:`_merge_group`, as
    in :class:`MergeState`.

    Args:
        routes: route key -> its endpoints as rows (routes without endpoints may be left out).
        policy: the conflict policy.
        entry: the merge's view of a route (its age, for groups several routes want).
    """
    # a group is keyed by its name alone when it has no set identifier (no tuple per endpoint)
    owner: dict[str | _Group, str] = {}
    shared: dict[str | _Group, list[str]] = {}
    merged: list[Row] = []  # the endpoints of plain routes, as they are
    mixed: list[str] = []  # routes whose endpoints are not plain
    for key, rows in routes.items():
        for row in rows:
            sid = row[SET_ID]
            group = (row[NAME], sid) if sid else row[NAME]
            first = owner.setdefault(group, key)
            if first != key:
                members = shared.get(group)
                if members is None:
                    shared[group] = [first, key]
                elif members[-1] != key:  # a route's endpoints are seen together
                    members.append(key)
        if _plain(rows):
            merged += rows
        else:
            mixed.append(key)
    del owner
    if shared:  # what several routes want is merged below, not published as one route has it
        merged = [
            row
            for row in merged
            if ((row[NAME], row[SET_ID]) if row[SET_ID] else row[NAME]) not in shared
        ]
    general = dict(shared)
    for key in mixed:
        for row in routes[key]:
            sid = row[SET_ID]
            group = (row[NAME], sid) if sid else row[NAME]
            if group not in general:
                general[group] = [key]
    entries: dict[str, RouteEntry] = {}
    conflicted: dict[_Group, tuple[Diagnostic, ...]] = {}
    dropped: dict[str, set[_Group]] = {}
    for name_or_group, keys in general.items():
        group = name_or_group if isinstance(name_or_group, tuple) else (name_or_group, "")
        for key in keys:
            if key not in entries:
                entries[key] = entry(key)
        out = _merge_group(group, keys, entries, policy)
        merged.extend(out.merged)
        if out.diagnostics:
            conflicted[group] = out.diagnostics
        for key in out.dropped:
            dropped.setdefault(key, set()).add(group)
    kept = dict(routes)
    for key, groups in dropped.items():
        left = tuple(row for row in kept[key] if (row[NAME], row[SET_ID]) not in groups)
        if left:
            kept[key] = left
        else:
            del kept[key]
    for key in [key for key, rows in kept.items() if not rows]:
        del kept[key]
    diagnostics = [d for group in sorted(conflicted) for d in conflicted[group]]
    merged.sort()  # a row is its own sort key
    return Merged(tuple(merged), kept, diagnostics)
