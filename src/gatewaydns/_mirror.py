"""The reconciler's mirror of the cluster: the current objects and which routes an event affects.

An event can affect: the route itself; for a Gateway, the routes that reference it (in
``spec.parentRefs`` or ``status.parents``) and the routes that reference its ListenerSets; for a
ListenerSet, the routes that reference it; for a Namespace, the routes in it and the routes that
reference ListenerSets in it. The mirror collects those routes as *dirty*; the reconciler
recomputes them.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections.abc import Iterable
from typing import TypeVar

from gatewaydns._gateway import Gateway, ListenerSet
from gatewaydns._generation import behind_observed
from gatewaydns._meta import Namespace, ParentReference
from gatewaydns._routes import ROUTE_KINDS, Route
from gatewaydns._snapshot import Snapshot
from gatewaydns.protocols import WatchEvent

__all__ = ["ClusterMirror"]

_ParentKey = tuple[str, str, str]  # (kind, namespace, name)
_ROUTE_TYPES = tuple(ROUTE_KINDS.values())
_K = TypeVar("_K")
_V = TypeVar("_V")


class ClusterMirror:
    """The current objects, indexed by what depends on what.

    Attributes:
        routes: route key -> route.
        dirty: routes an event may have changed since the last :meth:`take_dirty`.
        removed: routes deleted since then.
        behind: routes whose status lags their spec (hold reads the previous result for them).
    """

    def __init__(self) -> None:
        self.gateways: dict[tuple[str, str], Gateway] = {}
        self.listener_sets: dict[tuple[str, str], ListenerSet] = {}
        self.namespaces: dict[str, Namespace] = {}
        self.routes: dict[str, Route] = {}
        self.dirty: set[str] = set()
        self.removed: set[str] = set()
        self.behind: set[str] = set()
        self._route_parents: dict[str, set[_ParentKey]] = {}
        self._parent_routes: dict[_ParentKey, set[str]] = {}
        self._route_order: list[tuple[str, str, str, str]] = []  # (kind, ns, name, key)
        self._key_order: list[str] = []
        self._orders: tuple[tuple[str, ...], tuple[str, ...]] | None = None
        #: Counts events of Gateways, ListenerSets and Namespaces: an index built from the
        #: mirror stays valid while it is unchanged.
        self.infra_version = 0

    def snapshot(self, *, routes: bool = True) -> Snapshot:
        """The mirror as an immutable snapshot (without routes: what an index needs)."""
        return Snapshot(
            tuple(self.gateways.values()),
            tuple(self.listener_sets.values()),
            tuple(self.routes.values()) if routes else (),
            tuple(self.namespaces.values()),
        )

    def orders(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """Route keys by (kind, namespace, name), and sorted as strings (cached tuples)."""
        if self._orders is None:
            self._orders = (tuple(s[3] for s in self._route_order), tuple(self._key_order))
        return self._orders

    def take_dirty(self) -> tuple[set[str], set[str]]:
        """The dirty routes that still exist, and the removed ones; both are then cleared."""
        dirty = {k for k in self.dirty if k in self.routes}
        removed = self.removed
        self.dirty, self.removed = set(), set()
        return dirty, removed

    # --- events ------------------------------------------------------------------------------
    def apply(self, event: WatchEvent) -> None:
        """Apply one watch event and mark the routes it affects dirty."""
        obj = event.object
        deleted = event.type == "DELETED"
        if not isinstance(obj, _ROUTE_TYPES):
            self.infra_version += 1
        if isinstance(obj, Namespace):
            _put(self.namespaces, obj.name, obj, deleted)
            self.dirty |= {k for k, r in self.routes.items() if r.namespace == obj.name}
            self.dirty |= self._via_listener_sets(k for k in self.listener_sets if k[0] == obj.name)
        elif isinstance(obj, Gateway):
            key = (obj.namespace, obj.name)
            _put(self.gateways, key, obj, deleted)
            self.dirty |= self._routes_of("Gateway", *key)
            self.dirty |= self._via_listener_sets(
                k for k, ls in self.listener_sets.items() if ls.gateway_key() == key
            )
        elif isinstance(obj, ListenerSet):
            key = (obj.namespace, obj.name)
            _put(self.listener_sets, key, obj, deleted)
            self.dirty |= self._routes_of("ListenerSet", *key)
        elif isinstance(obj, _ROUTE_TYPES):
            self._apply_route(obj, deleted)
        else:
            msg = f"watcher delivered an object gatewaydns does not read: {type(obj).__name__}"
            raise TypeError(msg)

    def _apply_route(self, route: Route, deleted: bool) -> None:
        key = route.resource
        slot = (route.kind, route.namespace, route.name, key)
        if deleted:
            if self.routes.pop(key, None) is not None:
                del self._route_order[bisect_left(self._route_order, slot)]
                del self._key_order[bisect_left(self._key_order, key)]
                self._orders = None
            self._index(key, None)
            self.removed.add(key)
            self.behind.discard(key)
        else:
            if key not in self.routes:
                insort(self._route_order, slot)
                insort(self._key_order, key)
                self._orders = None
            self.routes[key] = route
            self.removed.discard(key)
            self._index(key, route)
            if behind_observed(route._generation(), route._observed()):
                self.behind.add(key)
            else:
                self.behind.discard(key)
        self.dirty.add(key)

    def _index(self, key: str, route: Route | None) -> None:
        for parent in self._route_parents.pop(key, set()):
            routes = self._parent_routes.get(parent)
            if routes is not None:
                routes.discard(key)
                if not routes:
                    del self._parent_routes[parent]
        if route is None:
            return
        parents: set[_ParentKey] = set()
        own = route.namespace
        for fields in (*route._parent_ref_fields(), *(e[0] for e in route._status_entries())):
            _group, kind, namespace, name = ParentReference.of_fields(fields).identity(own)
            parents.add((kind, namespace, name))
        self._route_parents[key] = parents
        for parent in parents:
            self._parent_routes.setdefault(parent, set()).add(key)

    def _routes_of(self, kind: str, namespace: str, name: str) -> set[str]:
        return set(self._parent_routes.get((kind, namespace, name), ()))

    def _via_listener_sets(self, keys: Iterable[tuple[str, str]]) -> set[str]:
        out: set[str] = set()
        for ns, name in keys:
            out |= self._routes_of("ListenerSet", ns, name)
        return out


def _put(store: dict[_K, _V], key: _K, obj: _V, deleted: bool) -> None:
    if deleted:
        store.pop(key, None)
    else:
        store[key] = obj
