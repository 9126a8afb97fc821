"""The index of a snapshot that every route is computed against.

Built once per computation from the Gateways, ListenerSets and Namespaces (no routes): which
parents are visible (SPEC section 2) and why the others are not, the labels of every Namespace
(``Selector`` admission), and each visible parent's targets (section 7), computed once per
Gateway or ListenerSet whatever the number of routes. An immutable value: computing a route reads
it and changes nothing but its ``memo``, where rules whose outcome depends only on the index and a
few values routes share keep what they found, one table per rule (:func:`memo_table`): the
parent rules of section 4 per status entry's parentRef and spec parentRefs, the listeners of a
parent that serve a route kind (section 5), record properties per parent and annotation values
(section 8): computed once, not once per route. Tables are keyed by values, never by object
identity, and bounded (:data:`MEMO_LIMIT`, :func:`remember`): a reconciler keeps its index
through any number of route events.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from gatewaydns._config import SourceConfig
from gatewaydns._gateway import Gateway, ListenerSet
from gatewaydns._scope import Scope, gateway_hidden, listener_set_hidden
from gatewaydns._snapshot import Snapshot
from gatewaydns._targetfilter import TargetNetFilter
from gatewaydns._targets import Targets, parent_targets

__all__ = ["MEMO_LIMIT", "Index", "ParentKey", "build_index", "memo_table", "remember"]

#: A parent object: (``Gateway`` or ``ListenerSet``, namespace, name).
ParentKey = tuple[str, str, str]

#: How many entries one memo table holds before it is emptied. A reconciler keeps its index
#: from one Gateway event to the next, through any number of route events: tables keyed by what
#: routes carry (namespaces, parentRefs, annotation values) must not grow without bound.
MEMO_LIMIT = 65536

_K = TypeVar("_K")
_V = TypeVar("_V")


@dataclass(frozen=True)
class Index:
    """What the routes of a snapshot are computed against.

    Attributes:
        config: the configuration.
        scope: its filters, parsed.
        namespaces: Namespace name -> labels.
        gateways: the visible Gateways by (namespace, name).
        listener_sets: the visible ListenerSets by (namespace, name) (none without
            ``listener_sets``).
        hidden: why an existing parent is invisible, by :data:`ParentKey`.
        targets: the targets of each visible Gateway, and of each visible ListenerSet whose
            Gateway is visible, by :data:`ParentKey`.
        target_filter: the parsed target filters.
        memo: what rules computed from the index alone (plus the few route values in the
            key), so that thousands of routes on one Gateway do not repeat it: table name ->
            table (:func:`memo_table`); private to the rules that fill it, never part of a
            result.
    """

    config: SourceConfig
    scope: Scope
    namespaces: Mapping[str, Mapping[str, str]]
    gateways: Mapping[tuple[str, str], Gateway]
    listener_sets: Mapping[tuple[str, str], ListenerSet]
    hidden: Mapping[ParentKey, str]
    targets: Mapping[ParentKey, Targets]
    target_filter: TargetNetFilter
    memo: dict[Any, Any] = field(default_factory=dict, compare=False, repr=False)


def build_index(snapshot: Snapshot, config: SourceConfig) -> Index:
    """Index the Gateways, ListenerSets and Namespaces of a snapshot (cheap: no routes)."""
    scope = Scope.of(config)
    prefix = config.annotation_prefix
    gateways: dict[tuple[str, str], Gateway] = {}
    sets: dict[tuple[str, str], ListenerSet] = {}
    hidden: dict[ParentKey, str] = {}
    targets: dict[ParentKey, Targets] = {}
    for gw in snapshot.gateways:
        why = gateway_hidden(gw, scope)
        if why is None:
            gateways[(gw.namespace, gw.name)] = gw
            targets[("Gateway", gw.namespace, gw.name)] = parent_targets(gw, None, prefix)
        else:
            hidden[("Gateway", gw.namespace, gw.name)] = why
    for ls in snapshot.listener_sets if config.listener_sets else ():
        why = listener_set_hidden(ls, scope)
        if why is not None:
            hidden[("ListenerSet", ls.namespace, ls.name)] = why
            continue
        sets[(ls.namespace, ls.name)] = ls
        gateway_key = ls.gateway_key()
        gateway = None if gateway_key is None else gateways.get(gateway_key)
        if gateway is not None:
            targets[("ListenerSet", ls.namespace, ls.name)] = parent_targets(gateway, ls, prefix)
    return Index(
        config=config,
        scope=scope,
        namespaces={ns.name: ns.metadata.labels or {} for ns in snapshot.namespaces},
        gateways=gateways,
        listener_sets=sets,
        hidden=hidden,
        targets=targets,
        target_filter=config.target_filter(),
    )


def memo_table(index: Index, name: str) -> dict[Any, Any]:
    """The memo table ``name`` of ``index`` (made empty on first use).

    Tables are keyed by *values* (strings, tuples of them), never by object identity, and hold
    only what the rule that owns the table computed from those values and the index.
    """
    table = index.memo.get(name)
    if table is None:
        table = index.memo[name] = {}
    return table


def remember(table: dict[_K, _V], key: _K, value: _V) -> _V:
    """Store ``value`` under ``key`` in a memo table, emptying it first when it is full."""
    if len(table) >= MEMO_LIMIT:
        table.clear()
    table[key] = value
    return value
