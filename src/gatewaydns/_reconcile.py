"""Reconciler: the one stateful object. Watcher events in, DNS changes out.

Theory of operation
-------------------

The reconciler keeps the current objects (a mutable mirror of the cluster) and the previous
``Result`` (for hold). Each :meth:`Reconciler.step`:

1. drains the watcher's events into the mirror, noting which routes each event can affect: the
   route itself; for a Gateway, the routes that reference it (in ``spec.parentRefs`` or
   ``status.parents``) and the routes that reference its ListenerSets; for a ListenerSet, the
   routes that reference it; for a Namespace, the routes in it and the routes that reference
   ListenerSets in it;
2. before the watcher's initial listing is complete, stops there: it never plans against a
   half-listed cluster;
3. recomputes only the affected routes (plus the routes that are behind their controller, and
   the routes through a Gateway without an address: both read the previous result for hold),
   and merges every route's cached outcome into a new ``Result`` — equal to
   ``compute_endpoints`` of the mirror with the previous result;
4. plans against ``provider.records()`` and applies. A round without events, after a successful
   apply, plans nothing. After a failed ``records()`` or ``apply_changes()`` the next round reads
   the provider again and converges. A plan refused by the deletion guard is reported and not
   retried until new events arrive (or ``force`` is set).
"""

from __future__ import annotations

import logging
from bisect import bisect_left, insort
from collections.abc import Iterable
from dataclasses import dataclass, replace

from gatewaydns._compute import Result, RouteOutcome, assemble, build_index, compute_route
from gatewaydns._config import SourceConfig
from gatewaydns._domainfilter import DomainFilter
from gatewaydns._errors import ConfigError, ProviderError
from gatewaydns._gateway import Gateway, ListenerSet
from gatewaydns._generation import is_behind
from gatewaydns._merge import MergeState, RouteEntry, route_entry
from gatewaydns._meta import Namespace
from gatewaydns._plan import Changes, PlanOptions, ProviderCapabilities, plan
from gatewaydns._registry import TXTRegistry
from gatewaydns._routes import ROUTE_KINDS, Route
from gatewaydns._snapshot import Snapshot
from gatewaydns.protocols import AdjustsEndpoints, Provider, Watcher, WatchEvent

__all__ = ["Reconciler", "Round"]

_log = logging.getLogger("gatewaydns.reconciler")

_ParentKey = tuple[str, str, str]  # (kind, namespace, name)


@dataclass(frozen=True)
class Round:
    """What one :meth:`Reconciler.step` did.

    Attributes:
        events: how many watcher events were applied.
        recomputed: how many routes were recomputed.
        planned: whether a plan was made.
        changes: the plan (``None`` when none was made).
        applied: whether the plan was applied successfully (``True`` also for an empty plan).
        error: why the round failed (a provider error), else ``None``.
        retryable: for a provider error, whether it is worth retrying unchanged.
        withheld: how many deletion units the deletion guard held back (the rest of the plan
            was applied).
    """

    events: int
    recomputed: int = 0
    planned: bool = False
    changes: Changes | None = None
    applied: bool = False
    error: str | None = None
    retryable: bool = False
    withheld: int = 0


class Reconciler:
    """Drives a watcher, ``compute_endpoints`` and ``plan`` against a provider.

    Args:
        watcher: the source of Gateway API objects.
        provider: the DNS provider.
        config: the computation's configuration.
        owner_id: this instance's TXT owner ID (shortcut for
            ``options=PlanOptions(TXTRegistry(owner_id))``).
        options: how to plan (registry, policy, domain filter, deletion guard). Without a
            domain filter, the provider's zones are the filter.
    """

    def __init__(
        self,
        watcher: Watcher,
        provider: Provider,
        config: SourceConfig | None = None,
        *,
        owner_id: str | None = None,
        options: PlanOptions | None = None,
    ) -> None:
        if (options is None) == (owner_id is None):
            msg = "Reconciler needs either options or an owner_id (not both)"
            raise ConfigError(msg)
        options = options or PlanOptions(TXTRegistry(owner_id or ""))
        # never plan (and so never write) outside the zones the provider serves
        if options.domain_filter is None and provider.zones:
            options = replace(options, domain_filter=DomainFilter(tuple(provider.zones)))
        self.watcher = watcher
        self.provider = provider
        self.config = config or SourceConfig()
        self.options = options
        caps = getattr(provider, "capabilities", None)
        self.capabilities = caps if isinstance(caps, ProviderCapabilities) else None
        self._gateways: dict[tuple[str, str], Gateway] = {}
        self._listener_sets: dict[tuple[str, str], ListenerSet] = {}
        self._namespaces: dict[str, Namespace] = {}
        self._routes: dict[str, Route] = {}
        self._outcomes: dict[str, RouteOutcome] = {}
        self._route_parents: dict[str, set[_ParentKey]] = {}
        self._parent_routes: dict[_ParentKey, set[str]] = {}
        self._dirty: set[str] = set()
        self._removed: set[str] = set()
        self._behind: set[str] = set()  # routes whose status lags their spec
        self._address_lost: set[str] = set()  # routes through a Gateway without an address
        self._merge = MergeState(self.config.conflict_policy)
        self._route_order: list[tuple[str, str, str, str]] = []  # (kind, ns, name, key)
        self._key_order: list[str] = []
        self._orders: tuple[tuple[str, ...], tuple[str, ...]] | None = None  # cached tuples
        self._needs_plan = False
        self._result: Result | None = None

    # --- state -------------------------------------------------------------------------------
    @property
    def result(self) -> Result | None:
        """The last computed result (the ``previous`` of the next round)."""
        return self._result

    def snapshot(self) -> Snapshot:
        """The current mirror of the cluster as an immutable snapshot."""
        return Snapshot(
            tuple(self._gateways.values()),
            tuple(self._listener_sets.values()),
            tuple(self._routes.values()),
            tuple(self._namespaces.values()),
        )

    # --- events ------------------------------------------------------------------------------
    def _route_refs(self, route: Route) -> set[_ParentKey]:
        refs = [*route.parent_refs, *(e.parent_ref for e in route.parent_statuses)]
        out = set()
        for ref in refs:
            _group, kind, namespace, name = ref.identity(route.namespace)
            out.add((kind, namespace, name))
        return out

    def _index_route(self, key: str, route: Route | None) -> None:
        for parent in self._route_parents.pop(key, set()):
            self._parent_routes.get(parent, set()).discard(key)
        if route is not None:
            parents = self._route_refs(route)
            self._route_parents[key] = parents
            for parent in parents:
                self._parent_routes.setdefault(parent, set()).add(key)

    def _routes_of(self, kind: str, namespace: str, name: str) -> set[str]:
        return set(self._parent_routes.get((kind, namespace, name), ()))

    def _routes_via_listener_sets(self, keys: Iterable[tuple[str, str]]) -> set[str]:
        out: set[str] = set()
        for ns, name in keys:
            out |= self._routes_of("ListenerSet", ns, name)
        return out

    def _apply(self, event: WatchEvent) -> None:
        obj = event.object
        deleted = event.type == "DELETED"
        if isinstance(obj, Namespace):
            if deleted:
                self._namespaces.pop(obj.name, None)
            else:
                self._namespaces[obj.name] = obj
            self._dirty |= {k for k, r in self._routes.items() if r.namespace == obj.name}
            self._dirty |= self._routes_via_listener_sets(
                k for k in self._listener_sets if k[0] == obj.name
            )
        elif isinstance(obj, Gateway):
            key = (obj.namespace, obj.name)
            if deleted:
                self._gateways.pop(key, None)
            else:
                self._gateways[key] = obj
            self._dirty |= self._routes_of("Gateway", *key)
            self._dirty |= self._routes_via_listener_sets(
                k for k, ls in self._listener_sets.items() if _ls_gateway(ls) == key
            )
        elif isinstance(obj, ListenerSet):
            key = (obj.namespace, obj.name)
            if deleted:
                self._listener_sets.pop(key, None)
            else:
                self._listener_sets[key] = obj
            self._dirty |= self._routes_of("ListenerSet", *key)
        elif isinstance(obj, tuple(ROUTE_KINDS.values())):
            route: Route = obj
            key_ = route.resource
            slot = (route.kind, route.namespace, route.name, key_)
            if deleted:
                if self._routes.pop(key_, None) is not None:
                    del self._route_order[bisect_left(self._route_order, slot)]
                    del self._key_order[bisect_left(self._key_order, key_)]
                    self._orders = None
                self._outcomes.pop(key_, None)
                self._index_route(key_, None)
                self._removed.add(key_)
                self._behind.discard(key_)
            else:
                if key_ not in self._routes:
                    insort(self._route_order, slot)
                    insort(self._key_order, key_)
                    self._orders = None
                self._routes[key_] = route
                self._index_route(key_, route)
                if is_behind(route.metadata.generation, route.parent_statuses):
                    self._behind.add(key_)
                else:
                    self._behind.discard(key_)
            self._dirty.add(key_)
        else:
            msg = f"watcher delivered an object gatewaydns does not read: {type(obj).__name__}"
            raise TypeError(msg)

    # --- one round ----------------------------------------------------------------------------
    def recompute(self) -> tuple[Result, int]:
        """Recompute the dirty routes and merge; returns the result and how many were computed."""
        base = Snapshot(
            tuple(self._gateways.values()),
            tuple(self._listener_sets.values()),
            (),
            tuple(self._namespaces.values()),
        )
        idx = build_index(base, self.config)
        previous = self._result.previous_endpoints() if self._result is not None else None
        todo = {k for k in self._dirty if k in self._routes}
        # routes behind their controller (held ones among them) read the previous result
        todo |= self._behind
        self._address_lost &= self._routes.keys()  # forget deleted routes
        todo |= self._address_lost  # address-loss hold reads the previous result too
        changes: dict[str, RouteEntry | None] = dict.fromkeys(self._removed)
        for key in todo:
            outcome = compute_route(self._routes[key], idx, previous)
            self._outcomes[key] = outcome
            if outcome.address_lost:
                self._address_lost.add(key)
            else:
                self._address_lost.discard(key)
            changes[key] = (
                route_entry(self._routes[key], outcome.endpoints) if outcome.endpoints else None
            )
        self._dirty.clear()
        self._removed.clear()
        self._merge.update(changes)
        if self._orders is None:
            self._orders = (tuple(s[3] for s in self._route_order), tuple(self._key_order))
        route_order, key_order = self._orders
        result = assemble(route_order, key_order, self._outcomes, self._merge)
        self._result = result
        return result, len(todo)

    def step(self) -> Round:
        """One round: apply events, recompute what they affect, plan, apply."""
        events = self.watcher.poll()
        for event in events:
            self._apply(event)
        if events:
            self._needs_plan = True
        if not self.watcher.synced:
            return Round(len(events))
        if not self._needs_plan:
            return Round(len(events))
        result, recomputed = self.recompute()
        desired = list(result.endpoints)
        if isinstance(self.provider, AdjustsEndpoints):
            desired = list(self.provider.adjust_endpoints(desired))
        try:
            current = self.provider.records()
        except ProviderError as exc:
            _log.warning("reading DNS records failed: %s", exc)
            return Round(len(events), recomputed, error=str(exc), retryable=exc.retryable)
        changes = plan(
            desired,
            current,
            self.options,
            zones=self.provider.zones,
            capabilities=self.capabilities,
        )
        for diag in changes.diagnostics:
            if diag.reason == "deletion-guard":
                _log.error("%s", diag.message)
        withheld = len(changes.withheld)
        if changes.is_empty():
            self._needs_plan = False
            return Round(
                len(events),
                recomputed,
                planned=True,
                changes=changes,
                applied=True,
                withheld=withheld,
            )
        try:
            self.provider.apply_changes(changes)
        except ProviderError as exc:
            _log.warning("applying DNS changes failed: %s", exc)
            return Round(
                len(events),
                recomputed,
                planned=True,
                changes=changes,
                error=str(exc),
                retryable=exc.retryable,
                withheld=withheld,
            )
        self._needs_plan = False
        return Round(
            len(events),
            recomputed,
            planned=True,
            changes=changes,
            applied=True,
            withheld=withheld,
        )


def _ls_gateway(ls: ListenerSet) -> tuple[str, str]:
    ref = ls.spec.parent_ref
    return (ref.namespace or ls.namespace, ref.name)
