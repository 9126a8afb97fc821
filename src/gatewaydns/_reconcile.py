"""Reconciler: the one stateful object. Watcher events in, DNS changes out.

Theory of operation
-------------------

The reconciler keeps a mirror of the cluster (:class:`~gatewaydns._mirror.ClusterMirror`), each
route's last outcome, the merge of all of them, and the previous ``Result`` (for hold). Each
:meth:`Reconciler.step`:

1. drains the watcher's events into the mirror, which marks the routes each event can affect;
2. before the watcher's initial listing is complete, stops there: it never plans against a
   half-listed cluster;
3. decides whether to plan: after events, after a failed round, on the first round, and at
   least every ``resync`` seconds of the injected ``clock`` even when the cluster is quiet, so
   that an owned record someone deleted or changed by hand is restored (SPEC 13.6);
4. on its first planning round reads the zone *before* computing, and builds ``previous`` from
   the records it owns (every ownership TXT names its route): a process that restarts while a
   Gateway controller lags holds exactly what a running one would (SPEC 9, 13.7);
5. recomputes only the affected routes (plus the routes that are behind their controller, and
   the routes through a Gateway without an address: both read the previous result for hold),
   and merges every route's cached outcome into a new ``Result`` — equal to
   ``compute_endpoints`` of the mirror with the previous result;
6. plans against ``provider.records()`` and applies. The deletion guard withholds deletions only
   (they are planned again at the next resync); a failed ``records()`` or ``apply_changes()``
   makes the next round read the provider again.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from gatewaydns._compute import (
    OutcomeRow,
    Result,
    assemble,
    build_index,
    compute_route,
    outcome_endpoints,
)
from gatewaydns._config import SourceConfig
from gatewaydns._dnsname import normalize_name
from gatewaydns._domainfilter import DomainFilter
from gatewaydns._endpoint import NAME, Endpoint, Row
from gatewaydns._errors import ConfigError, ProviderError
from gatewaydns._hold import RowsByRoute
from gatewaydns._index import Index
from gatewaydns._merge import MergeState, RouteEntry, route_entry
from gatewaydns._mirror import ClusterMirror
from gatewaydns._plan import Changes, PlanOptions, ProviderCapabilities, owned_by_route, plan
from gatewaydns._registry import TXTRegistry
from gatewaydns._snapshot import Snapshot
from gatewaydns._zoneview import ZoneView
from gatewaydns.protocols import AdjustsEndpoints, Provider, Watcher

__all__ = ["Reconciler", "ReconcilerStats", "Round"]

_log = logging.getLogger("gatewaydns.reconciler")


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
        resynced: whether the round re-read the provider because ``resync`` had passed.
    """

    events: int
    recomputed: int = 0
    planned: bool = False
    changes: Changes | None = None
    applied: bool = False
    error: str | None = None
    retryable: bool = False
    withheld: int = 0
    resynced: bool = False


class _WholeZoneError(Exception):
    """An event round must plan the whole zone instead (the message says why)."""


@dataclass
class ReconcilerStats:
    """Counters a controller can export (plain attributes; no metrics library needed).

    Attributes:
        rounds: rounds that planned.
        changes_applied: record sets created, updated or deleted (ownership TXTs not counted).
        errors: failed rounds by kind (``records``: reading the provider, ``adjust``: its
            ``adjust_endpoints``, ``apply``: applying).
        held: routes whose records the last round held (status lag or address loss).
        withheld: deletion units the last round's deletion guard held back.
        last_success: ``clock()`` at the end of the last round that planned and applied
            without error (``None`` before the first).
    """

    rounds: int = 0
    changes_applied: int = 0
    errors: dict[str, int] = field(default_factory=dict)
    held: int = 0
    withheld: int = 0
    last_success: float | None = None


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
        resync: seconds after which a round re-reads the provider and plans even without
            events (external-dns's ``--interval``); ``None`` never resyncs.
        clock: a monotonic clock in seconds (injected so tests need no sleeping).
    """

    def __init__(
        self,
        watcher: Watcher,
        provider: Provider,
        config: SourceConfig | None = None,
        *,
        owner_id: str | None = None,
        options: PlanOptions | None = None,
        resync: float | None = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if (options is None) == (owner_id is None):
            msg = "Reconciler needs either options or an owner_id (not both)"
            raise ConfigError(msg)
        if resync is not None and resync <= 0:
            msg = f"resync must be positive (or None), got {resync}"
            raise ConfigError(msg)
        options = options or PlanOptions(TXTRegistry(owner_id or ""))
        # never plan (and so never write) outside the zones the provider serves
        if options.domain_filter is None and provider.zones:
            options = replace(options, domain_filter=DomainFilter(tuple(provider.zones)))
        self.watcher = watcher
        self.provider = provider
        self.config = config or SourceConfig()
        self.options = options
        self.resync = resync
        self.clock = clock
        caps = getattr(provider, "capabilities", None)
        self.capabilities = caps if isinstance(caps, ProviderCapabilities) else None
        self.stats = ReconcilerStats()
        self._mirror = ClusterMirror()
        self._outcomes: dict[str, OutcomeRow] = {}  # RouteOutcome.flat of every route
        self._address_lost: set[str] = set()  # routes through a Gateway without an address
        self._merge = MergeState(self.config.conflict_policy)
        self._computed = False  # whether a round has computed the routes yet
        self._result: Result | None = None  # built from the merge state when read
        self._index: tuple[int, Index] | None = None  # (mirror.infra_version, index)
        self._needs_plan = False
        self._last_read: float | None = None  # clock() of the last full read of the provider
        self._zone: ZoneView | None = None  # the provider's records, between full reads
        self._owned = 0  # record sets of ours in the zone (the deletion guard's base)
        self._touched: set[str] = set()  # DNS names whose desired records changed
        self._refused: set[str] = set()  # DNS names the last plans refused (diagnostics)
        self._held: set[str] = set()  # routes whose records are held

    # --- state -------------------------------------------------------------------------------
    @property
    def result(self) -> Result | None:
        """The last computed result (the ``previous`` of the next round).

        Built on first read after a round (a round itself needs only the merge state), so a
        controller that never reads it pays nothing per event for it.
        """
        if self._result is None and self._computed:
            route_order, key_order = self._mirror.orders()
            self._result = assemble(route_order, key_order, self._outcomes, self._merge)
        return self._result

    def snapshot(self) -> Snapshot:
        """The current mirror of the cluster as an immutable snapshot."""
        return self._mirror.snapshot()

    # --- one round ----------------------------------------------------------------------------
    def recompute(
        self, previous: Mapping[str, Sequence[Endpoint]] | None = None
    ) -> tuple[Result, int]:
        """Recompute the dirty routes and merge; returns the result and how many were computed.

        Args:
            previous: what to hold from (default: the last result).
        """
        n = self._recompute(previous)
        result = self.result
        assert result is not None
        return result, n

    def _recompute(self, previous: Mapping[str, Sequence[Endpoint]] | None) -> int:
        """:meth:`recompute` without building the Result; returns how many were computed."""
        version = self._mirror.infra_version
        if self._index is None or self._index[0] != version:
            self._index = (version, build_index(self._mirror.snapshot(routes=False), self.config))
        idx = self._index[1]
        held_from: Mapping[str, Sequence[Row]] | None = None
        if previous is not None:
            held_from = RowsByRoute(previous)
        elif self._computed:
            # what every route kept after the last round's merge; read only for the routes
            # computed below, before the merge is updated
            held_from = self._merge.kept_view()
        routes = self._mirror.routes
        todo, removed = self._mirror.take_dirty()
        todo |= self._mirror.behind  # held routes read the previous result
        self._address_lost = {
            k for k in self._address_lost if k in routes
        }  # O(lost), not O(routes)
        todo |= self._address_lost  # so does address-loss hold
        changes: dict[str, RouteEntry | None] = dict.fromkeys(removed)
        self._held -= removed
        for key in removed:
            gone = self._outcomes.pop(key, None)
            if gone is not None:
                self._touched.update(row[NAME] for row in outcome_endpoints(gone))
        for key in todo:
            outcome = compute_route(routes[key], idx, held_from)
            endpoints = outcome.endpoints
            old = self._outcomes.get(key)
            if old is None or outcome_endpoints(old) != endpoints:
                self._touched.update(row[NAME] for row in endpoints)
                if old is not None:
                    self._touched.update(row[NAME] for row in outcome_endpoints(old))
            if outcome.held:
                self._held.add(key)
            else:
                self._held.discard(key)
            self._outcomes[key] = outcome.flat
            if outcome.address_lost:
                self._address_lost.add(key)
            else:
                self._address_lost.discard(key)
            changes[key] = route_entry(routes[key], endpoints) if endpoints else None
        self._merge.update(changes)
        self._computed = True
        self._result = None
        return len(todo)

    def step(self) -> Round:
        """One round: apply events, recompute what they affect, plan, apply.

        A round reads the whole zone (and plans all of it) on the first round, at each
        ``resync`` and after a failed round; otherwise it plans only the DNS names whose desired
        records changed, against the zone view its own applies keep current.
        """
        # read before polling: when the listing was complete then, every event of it is queued
        # by now, so this round's poll delivers all of it (never plan on part of a listing)
        synced = self.watcher.synced
        events = self.watcher.poll()
        for event in events:
            self._mirror.apply(event)
        n = len(events)
        if events:
            self._needs_plan = True
        if not synced:
            return Round(n)
        now = self.clock()
        resync = self.resync is not None and (
            self._last_read is None or now - self._last_read >= self.resync
        )
        full = resync or self._zone is None
        if not (self._needs_plan or full):
            return Round(n)
        first = not self._computed
        recomputed = 0
        if not first:
            recomputed = self._recompute(None)
            if not full and not self._touched:  # no DNS name changed: the plan is empty
                self._needs_plan = False
                self.stats.rounds += 1
                self.stats.withheld = 0
                self.stats.held = len(self._held)
                self.stats.last_success = now
                return Round(n, recomputed, planned=True, changes=Changes(), applied=True)
        rnd = Round(n, recomputed, resynced=resync and not first)
        try:
            if full:
                current: Sequence[Endpoint] = self.provider.records()
            else:
                assert self._zone is not None
                scope, current = self._zone.scope(
                    self._touched,
                    self.options.registry,
                    sorted(self.options.managed_types),
                    self._merge.wants,
                )
        except ProviderError as exc:
            return self._failed("records", exc, rnd)
        if full:
            self._last_read = now
            self._zone = ZoneView(current)
            self._owned = self._zone.owned(
                self.options.registry, self.options.managed_types, self.options.domain_filter
            )
        if first:  # a new process: hold what the zone says this instance published (SPEC 9)
            recomputed = self._recompute(owned_by_route(current, self.options))
            rnd = replace(rnd, recomputed=recomputed)
        try:
            if full:
                changes = self._plan(self._merge.objects(), current, None)
            else:
                changes = self._plan(self._merge.at(scope), current, self._owned, scope)
        except ProviderError as exc:  # from adjust_endpoints (a webhook provider, say)
            return self._failed("adjust", exc, rnd)
        except _WholeZoneError as exc:
            # adjust_endpoints put an endpoint at a name this round did not read, or the
            # deletion guard must weigh the round's deletions: plan the whole zone instead
            _log.info("%s: planning the whole zone this round", exc)
            try:
                current = self.provider.records()
            except ProviderError as err:
                return self._failed("records", err, rnd)
            full = True
            self._last_read = now
            self._zone = ZoneView(current)
            self._owned = self._zone.owned(
                self.options.registry, self.options.managed_types, self.options.domain_filter
            )
            try:
                changes = self._plan(self._merge.objects(), current, None)
            except ProviderError as err:
                return self._failed("adjust", err, rnd)
        rnd = replace(rnd, planned=True, changes=changes, withheld=len(changes.withheld))
        self.stats.rounds += 1
        self.stats.withheld = rnd.withheld
        self.stats.held = len(self._held)
        if not changes.is_empty():
            try:
                self.provider.apply_changes(changes)
            except ProviderError as exc:
                return self._failed("apply", exc, rnd)
            except BaseException:
                # a provider that breaks its contract (any other exception) may have applied
                # part of the plan: the view is dropped, so the next round reads the zone again
                self._zone = None
                self._needs_plan = True
                raise
            self._applied(changes)
        self._after_plan(changes, None if full else scope)
        self.stats.last_success = now
        return replace(rnd, applied=True)

    def _plan(
        self,
        desired: Sequence[Endpoint],
        current: Sequence[Endpoint],
        guard_base: int | None,
        scope: set[str] | None = None,
    ) -> Changes:
        if isinstance(self.provider, AdjustsEndpoints):
            desired = self.provider.adjust_endpoints(desired)
            if scope is not None:
                names = {normalize_name(n) for n in scope}
                for ep in desired:
                    if normalize_name(ep.dns_name) not in names:
                        msg = f"adjust_endpoints returned {ep.dns_name!r}, a name not read"
                        raise _WholeZoneError(msg)
        changes = plan(
            desired,
            current,
            self.options,
            zones=self.provider.zones,
            capabilities=self.capabilities,
            guard_base=guard_base,
        )
        if (
            scope is not None
            and not self.options.force
            and (changes.withheld or any(u.delete for u in changes.units))
        ):
            # the deletion guard weighs a plan's deletions against the whole zone, orphaned
            # ownership TXTs anywhere included (SPEC 13.5): only a whole-zone plan decides it
            # exactly as a full round would
            raise _WholeZoneError("the round deletes records and the deletion guard is on")
        for diag in changes.diagnostics:
            if diag.reason == "deletion-guard":
                _log.error("%s", diag.message)
        return changes

    def _after_plan(self, changes: Changes, scope: set[str] | None) -> None:
        """Carry over to the next plan what a plan of the whole zone would decide again.

        Withheld deletions stay in every later plan, so they are applied as soon as the guard
        allows, and reported until then. A refused record may become possible once an apply
        deleted something (a CNAME where our deleted record's ownership TXT stood), so after
        an apply with deletions every refused name is planned again in the next round.
        """
        self._touched.clear()
        self._touched.update(e.dns_name for u in changes.withheld for e in u.delete)
        refused = {d.hostname for d in changes.diagnostics if d.hostname}
        if scope is None:
            self._refused = refused
        else:
            self._refused = (self._refused - scope) | refused
        if self._refused and any(u.delete for u in changes.units):
            self._touched |= self._refused
            self._needs_plan = True
        else:
            self._needs_plan = False

    def _applied(self, changes: Changes) -> None:
        """Keep the zone view and the owned count current; log what changed."""
        assert self._zone is not None
        self._zone.apply(changes)
        for unit in changes.units:
            self._owned += sum(1 for e in unit.create if e.record_type != "TXT")
            self._owned -= sum(1 for e in unit.delete if e.record_type != "TXT")
        self._log_changes(changes)

    def _failed(self, kind: str, exc: ProviderError, rnd: Round) -> Round:
        what = {
            "records": "reading DNS records",
            "adjust": "adjusting endpoints",
            "apply": "applying DNS changes",
        }[kind]
        _log.warning("%s failed (retryable=%s): %s", what, exc.retryable, exc)
        self.stats.errors[kind] = self.stats.errors.get(kind, 0) + 1
        self._needs_plan = True
        self._zone = None  # the next round reads the whole zone again
        return replace(rnd, error=str(exc), retryable=exc.retryable)

    def _log_changes(self, changes: Changes) -> None:
        """One INFO line per changed record set; the details also as ``extra["dns_change"]``."""
        for unit in changes.units:
            for ep in unit.delete:
                if ep.record_type != "TXT":
                    self._log_change("delete", ep, ep.targets, ())
            for old, new in zip(unit.update_old, unit.update_new, strict=True):
                if new.record_type != "TXT":
                    self._log_change("update", new, old.targets, new.targets)
            for ep in unit.create:
                if ep.record_type != "TXT":
                    self._log_change("create", ep, (), ep.targets)

    def _log_change(
        self, action: str, ep: Endpoint, old: Sequence[str], new: Sequence[str]
    ) -> None:
        self.stats.changes_applied += 1
        detail = {
            "action": action,
            "name": ep.dns_name,
            "type": ep.record_type,
            "old": list(old),
            "new": list(new),
            "route": ep.labels.get("resource", ""),
        }
        _log.info(
            "%s %s %s: %s -> %s",
            action,
            ep.record_type,
            ep.dns_name,
            ",".join(old) or "-",
            ",".join(new) or "-",
            extra={"dns_change": detail},
        )
