"""compute_endpoints: the pipeline from a snapshot to sorted endpoints and diagnostics.

One module per SPEC section decides, this one only runs them in order (:func:`compute_route`):

* which routes are considered (section 1) and which parents are visible (section 2):
  :mod:`gatewaydns._scope`, indexed once per snapshot by :mod:`gatewaydns._index`;
* a route's hostnames (section 3): :mod:`gatewaydns._routehostnames`;
* which parents count, generation validation included (section 4): :mod:`gatewaydns._parents`;
* which listeners serve the route (section 5): :mod:`gatewaydns._listeners`;
* hostname intersection (section 6): :mod:`gatewaydns._hostnames`;
* targets (section 7), computed once per parent: :mod:`gatewaydns._targets`;
* record properties and record sets (section 8): :mod:`gatewaydns._records`;
* hold (section 9): :mod:`gatewaydns._hold`.

The rules return values (a :class:`~gatewaydns._diagnostics.Rejection` says why something
produced nothing); the pipeline stamps them, in order, into the route's diagnostics. Routes are
merged in sorted order and every output is sorted, so the result does not depend on the order of
objects in the input.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from itertools import chain
from operator import attrgetter
from typing import Any, NamedTuple, TypeAlias

from gatewaydns._annotations import Annotations
from gatewaydns._config import SourceConfig
from gatewaydns._diagnostics import (
    Diagnostic,
    Rejection,
    diagnostics_logged,
    flat_rejections,
    rejections_of,
)
from gatewaydns._endpoint import Endpoint, EndpointMaker, Row
from gatewaydns._hold import RowsByRoute, address_loss_hold, behind_hold
from gatewaydns._hostnames import intersect_hostnames
from gatewaydns._index import Index, build_index, memo_table
from gatewaydns._listeners import Serving, serving_listeners
from gatewaydns._merge import Merged, MergeState, RouteEntry, merge_all, route_entry
from gatewaydns._parents import Parent, resolve_parents
from gatewaydns._records import (
    Published,
    parent_record_properties,
    post_process,
    route_endpoints,
)
from gatewaydns._routehostnames import route_hostnames
from gatewaydns._routes import Route, RouteKey
from gatewaydns._scope import route_rejection
from gatewaydns._snapshot import Snapshot
from gatewaydns._targets import Targets, route_targets
from gatewaydns._types import Hostname

__all__ = [
    "Attachment",
    "OutcomeRow",
    "Result",
    "RouteOutcome",
    "assemble",
    "build_index",
    "compute_endpoints",
    "compute_route",
    "finish",
    "outcome_endpoints",
    "outcome_who",
]


@dataclass(frozen=True, slots=True)
class Attachment:
    """A positive decision: a route's hostname attached through one listener of one parent.

    Attributes:
        route: the route key (``httproute/ns/name``).
        parent: the parent (``Gateway ns/name`` or ``ListenerSet ns/name``, with section/port).
        listener: the listener's name.
        hostname: the hostname the route and listener agreed on.
    """

    route: str
    parent: str
    listener: str
    hostname: str


class Result:
    """The outcome of :func:`compute_endpoints`. An immutable value.

    Attributes:
        endpoints: merged endpoints, sorted.
        by_route: route key (its ``resource`` label, ``httproute/ns/name``) -> the route's own
            endpoints, unmerged, less any the conflict policy dropped (``oldest-wins`` gives a
            contested name to the older route); routes left with none are absent. Keys sorted.
            Pass it (or the whole result) back as ``previous`` to enable hold.
        diagnostics: why things produced nothing, in route order.
        attachments: which listener of which parent produced each route hostname (what
            ``--explain`` shows as matched), in route order.

    Every field is built on first access from what the computation captured (the endpoints
    as rows, :data:`~gatewaydns._endpoint.Row`), so a reconciler that only needs ``endpoints``
    on each event does not pay for the rest, and a computation makes no :class:`Endpoint`
    until one is read (#17).
    """

    __slots__ = (
        "_attachments",
        "_by_route",
        "_diagnostics",
        "_endpoints",
        "_made",
        "_parts",
        "_rows",
    )

    def __init__(
        self,
        endpoints: tuple[Endpoint, ...],
        by_route: Mapping[str, tuple[Endpoint, ...]],
        diagnostics: tuple[Diagnostic, ...],
        attachments: tuple[Attachment, ...] = (),
    ) -> None:
        self._endpoints: tuple[Endpoint, ...] | None = endpoints
        self._by_route: Mapping[str, tuple[Endpoint, ...]] | None = by_route
        self._diagnostics: tuple[Diagnostic, ...] | None = diagnostics
        self._attachments: tuple[Attachment, ...] | None = attachments
        self._parts: _Parts | None = None
        self._rows: tuple[Row, ...] | None = None
        self._made: Callable[[], tuple[Endpoint, ...] | None] | None = None

    @classmethod
    def _deferred(
        cls,
        rows: tuple[Row, ...],
        parts: _Parts,
        made: Callable[[], tuple[Endpoint, ...] | None] | None = None,
    ) -> Result:
        result = cls((), {}, ())
        result._endpoints = None
        result._by_route = result._diagnostics = result._attachments = None
        result._parts = parts
        result._rows = rows
        result._made = made
        return result

    @property
    def endpoints(self) -> tuple[Endpoint, ...]:
        """Merged endpoints, sorted."""
        found = self._endpoints
        if found is None:
            assert self._rows is not None
            made = self._made() if self._made is not None else None
            found = self._endpoints = EndpointMaker().all(self._rows) if made is None else made
            self._made = None
        return found

    @property
    def by_route(self) -> Mapping[str, tuple[Endpoint, ...]]:
        """Route key -> the route's own endpoints, less any the conflict policy dropped; by key.

        See the class docstring: unmerged (one route's view of each name), routes with no
        endpoint left are absent.
        """
        if self._by_route is None:
            assert self._parts is not None
            kept, key_order = self._parts.kept, self._parts.key_order
            make = EndpointMaker().all
            self._by_route = {key: make(kept[key]) for key in key_order if key in kept}
        return self._by_route

    @property
    def diagnostics(self) -> tuple[Diagnostic, ...]:
        """Diagnostics in route order, then DNS conflicts."""
        if self._diagnostics is None:
            assert self._parts is not None
            self._diagnostics = (
                *chain.from_iterable(map(_DIAGNOSTICS, self._parts.ordered)),
                *self._parts.conflicts,
            )
        return self._diagnostics

    @property
    def attachments(self) -> tuple[Attachment, ...]:
        """Matched listeners and hostnames, in route order."""
        if self._attachments is None:
            assert self._parts is not None
            self._attachments = tuple(chain.from_iterable(map(_ATTACHMENTS, self._parts.ordered)))
        return self._attachments

    def _previous_rows(self) -> Mapping[str, Sequence[Row]]:
        """Route key -> endpoints as rows, for hold; nothing is built."""
        if self._parts is not None:
            return self._parts.kept
        return RowsByRoute(self.by_route)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Result):
            return NotImplemented
        return (
            self.endpoints == other.endpoints
            and dict(self.by_route) == dict(other.by_route)
            and self.diagnostics == other.diagnostics
            and self.attachments == other.attachments
        )

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return (
            f"Result(endpoints={len(self.endpoints)}, by_route={len(self.by_route)}, "
            f"diagnostics={len(self.diagnostics)})"
        )

    def for_route(self, key: str) -> tuple[Diagnostic, ...]:
        """The diagnostics about one route, given ``kind/namespace/name`` in any case."""
        route = RouteKey.parse(key)
        if route is None:
            return ()
        return tuple(
            d
            for d in self.diagnostics
            if d.kind.lower() == route.kind.lower()
            and d.namespace == route.namespace
            and d.name == route.name
        )


def compute_endpoints(
    snapshot: Snapshot,
    config: SourceConfig | None = None,
    previous: Result | Mapping[str, Sequence[Endpoint]] | None = None,
) -> Result:
    """Compute the DNS endpoints a snapshot calls for.

    Args:
        snapshot: the Gateway API objects.
        config: the configuration (defaults: ``SourceConfig()``).
        previous: the previous result, or its ``by_route`` mapping, to *hold* the endpoints of
            routes whose status lags their spec (SPEC section 9). ``None`` disables hold.

    Returns:
        The merged, sorted endpoints; each route's own endpoints; and diagnostics.

    Raises:
        ConfigError: the FQDN template raised for a route.

    Example:
        >>> snap = Snapshot.from_manifests([])
        >>> compute_endpoints(snap).endpoints
        ()
    """
    config = config or SourceConfig()
    idx = build_index(snapshot, config)
    held_from: Mapping[str, Sequence[Row]] | None
    if isinstance(previous, Result):
        held_from = previous._previous_rows()
    else:
        held_from = None if previous is None else RowsByRoute(previous)
    # one pass: each route's outcome is filed while it is at hand, not found again later in
    # 50k scattered outcomes (#17)
    outcomes: dict[str, OutcomeRow] = {}
    with_rows: dict[str, tuple[Row, ...]] = {}
    keys: list[str] = []
    for route in snapshot.routes:
        flat = compute_route(route, idx, held_from).flat
        key = flat[0]
        keys.append(key)
        outcomes[key] = flat
        rows = flat[flat[_ROWS_AT] :]
        if rows:
            with_rows[key] = rows
        elif key in with_rows:  # a route listed twice: the last one counts, as in outcomes
            del with_rows[key]
    return _finish(snapshot.routes, keys, outcomes, with_rows, config)


#: A route's outcome as a result and a reconciler keep it: one flat tuple ``(key, kind,
#: namespace, name, held, address_lost, where the attachments begin, where the endpoints begin,
#: the rejections' fields..., the attachments' fields..., the endpoints (rows)...)``. Its items
#: are strings, numbers and rows, so the collector stops tracking it at its second look (a row
#: at its first): an outcome kept per route is then never counted as long-lived, where an
#: object per route was, and made full collections (which walk every tracked object) come during
#: a computation of a lean snapshot (#17). :class:`RouteOutcome` reads one.
OutcomeRow: TypeAlias = tuple[Any, ...]
_ATTACHMENTS_AT = 6
_ROWS_AT = 7
_FIRST_REJECTION = 8


def outcome_endpoints(flat: OutcomeRow) -> tuple[Row, ...]:
    """The endpoints of an outcome kept as :data:`OutcomeRow` (``RouteOutcome.endpoints``)."""
    return flat[flat[_ROWS_AT] :]


def outcome_who(flat: OutcomeRow) -> tuple[str, str, str]:
    """(kind, namespace, name) of an outcome kept as :data:`OutcomeRow`."""
    return flat[1:4]


class RouteOutcome:
    """One route's share of a result, before the merge (what a reconciler caches per route).

    A reader of the flat tuple that is kept (``flat``, an :data:`OutcomeRow`): results and the
    reconciler keep that tuple, and make a reader when they need more than the endpoints. The
    diagnostics are kept as the rules' rejections (their fields) and stamped with the route
    (``who``: kind, namespace, name) when first read: most results are never asked for them.

    Attributes:
        flat: the outcome as kept.
        endpoints: the route's endpoints, sorted, as rows (:data:`~gatewaydns._endpoint.Row`).
        rejections: the rules' rejections, in the order found.
        who: (kind, namespace, name) of the route.
        attachment_rows: the attachments' fields but the route's, one after the other (parent,
            listener, hostname, parent, ...), made into :class:`Attachment` values when read.
        held: the route is behind its controller and kept its previous endpoints.
        address_lost: a parent's Gateway had no usable address: the outcome depends on
            ``previous``.
        key: the route key (``resource``), ``""`` when not given.
    """

    __slots__ = ("_attachments", "_diagnostics", "flat")

    def __init__(  # noqa: PLR0917 - one per route: positional for speed
        self,
        endpoints: tuple[Row, ...] | list[Row],
        rejections: tuple[Rejection, ...] | list[Rejection],
        who: tuple[str, str, str],
        attachment_rows: tuple[str, ...],
        held: bool,
        address_lost: bool = False,
        key: str = "",
    ) -> None:
        rejected = flat_rejections(rejections)
        attachments_at = _FIRST_REJECTION + len(rejected)
        rows_at = attachments_at + len(attachment_rows)
        self.flat: OutcomeRow = (
            key,
            *who,
            held,
            address_lost,
            attachments_at,
            rows_at,
            *rejected,
            *attachment_rows,
            *endpoints,
        )
        self._diagnostics: tuple[Diagnostic, ...] | None = None
        self._attachments: tuple[Attachment, ...] | None = None

    @classmethod
    def of(cls, flat: OutcomeRow) -> RouteOutcome:
        """A reader of an outcome kept as :data:`OutcomeRow`."""
        outcome = cls.__new__(cls)
        outcome.flat = flat
        outcome._diagnostics = outcome._attachments = None
        return outcome

    @property
    def key(self) -> str:
        """The route key (``resource``)."""
        return self.flat[0]  # type: ignore[no-any-return]

    @property
    def who(self) -> tuple[str, str, str]:
        """(kind, namespace, name) of the route."""
        return outcome_who(self.flat)

    @property
    def held(self) -> bool:
        """The route is behind its controller and kept its previous endpoints."""
        return self.flat[4]  # type: ignore[no-any-return]

    @property
    def address_lost(self) -> bool:
        """A parent's Gateway had no usable address."""
        return self.flat[5]  # type: ignore[no-any-return]

    @property
    def endpoints(self) -> tuple[Row, ...]:
        """The route's endpoints, sorted, as rows."""
        return outcome_endpoints(self.flat)

    @property
    def attachment_rows(self) -> tuple[str, ...]:
        """The attachments' fields but the route's, one after the other."""
        flat = self.flat
        return flat[flat[_ATTACHMENTS_AT] : flat[_ROWS_AT]]

    @property
    def rejections(self) -> tuple[Rejection, ...]:
        """The rules' rejections, in the order found."""
        flat = self.flat
        return tuple(rejections_of(flat[_FIRST_REJECTION : flat[_ATTACHMENTS_AT]]))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, RouteOutcome):
            return NotImplemented
        return self.flat[1:] == other.flat[1:]  # the key is not part of the value, as before

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return (
            f"RouteOutcome(who={self.who!r}, endpoints={len(self.endpoints)}, "
            f"rejections={len(self.rejections)}, held={self.held})"
        )

    @property
    def attachments(self) -> tuple[Attachment, ...]:
        """The route's attachments, in the order they were found."""
        found = self._attachments
        if found is None:
            rows = self.attachment_rows
            key = self.key
            found = self._attachments = tuple(
                Attachment(key, *rows[i : i + 3]) for i in range(0, len(rows), 3)
            )
        return found

    @property
    def diagnostics(self) -> tuple[Diagnostic, ...]:
        """The route's diagnostics, in the order the rules found them."""
        found = self._diagnostics
        if found is None:
            kind, namespace, name = self.who
            found = tuple(r.stamp(kind, namespace, name) for r in self.rejections)
            self._diagnostics = found
        return found


class _Path(NamedTuple):
    """What a route gets through one parent (sections 5-8, and address-loss hold).

    ``property_rejections`` are kept apart: a route reports them for its first parent only
    (one ``invalid-ttl`` per route is enough).
    """

    rejections: tuple[Rejection, ...]
    attachments: tuple[str, ...] = ()
    published: Published | None = None
    held: tuple[Row, ...] = ()
    property_rejections: tuple[Rejection, ...] = ()
    address_lost: bool = False


def compute_route(
    route: Route, idx: Index, held_from: Mapping[str, Sequence[Row]] | None
) -> RouteOutcome:
    """Compute one route's endpoints, diagnostics and attachments (SPEC sections 1-9).

    Args:
        route: the route.
        idx: the snapshot's index (:func:`build_index`).
        held_from: route key -> the previous endpoints as rows, for hold (``None``: no hold).
    """
    config = idx.config
    kind, namespace, _ = who = (route.kind, route.namespace, route.name)
    labels = route._row_labels()  # the route key, made once (a compact route keeps it)
    resource = labels[1]
    raw = route._annotation_data()
    ann = Annotations(raw, config.annotation_prefix) if raw else _no_annotations(idx)
    rejection = route_rejection(route, ann, idx.scope)  # section 1
    if rejection is not None:
        return _outcome(RouteOutcome((), (rejection,), who, (), False, False, resource))
    found: list[Rejection] = []
    refs = route._parent_ref_fields()
    if not refs:
        found.append(Rejection("no-parent-refs", "the route has no spec.parentRefs"))
    names, rejections = route_hostnames(route, config, ann)  # section 3
    if rejections:
        found += rejections
    if not names:
        found.append(Rejection("no-hostname", "no hostname from spec, template or annotation"))
    parents, rejections = resolve_parents(route, idx, refs, namespace)  # section 4
    if rejections:
        found += rejections
    own = route_targets(ann) if config.route_targets else None
    previous = held_from.get(resource) if held_from and config.hold_on_address_loss else None
    if len(parents) == 1:  # the common case: one parent
        path = _through(kind, namespace, resource, ann, parents[0], names, own, previous, idx)
        if path.rejections:
            found += path.rejections
        if path.property_rejections:
            found += path.property_rejections
        published: tuple[Published, ...] = () if path.published is None else (path.published,)
        held = path.held
        attachments = path.attachments
        address_lost = path.address_lost
    else:
        paths = [
            _through(kind, namespace, resource, ann, p, names, own, previous, idx) for p in parents
        ]
        found += _path_rejections(paths)
        published = tuple(p.published for p in paths if p.published is not None)
        held = tuple(ep for p in paths for ep in p.held)
        attachments = tuple(field for p in paths for field in p.attachments)
        address_lost = any(p.address_lost for p in paths)
    endpoints = route_endpoints(labels, published, held) if published or held else []
    behind = behind_hold(route, config, held_from) if held_from is not None else None  # sec. 9
    if behind is not None:
        endpoints = list(behind[0])
        found.append(behind[1])
    if idx.target_filter.enabled or config.min_ttl:
        endpoints, rejections = post_process(endpoints, idx.target_filter, config.min_ttl)
        found += rejections
    outcome = RouteOutcome(
        tuple(endpoints),
        tuple(found),
        who,
        attachments,
        behind is not None,
        address_lost,
        resource,
    )
    return _outcome(outcome)


def _no_annotations(idx: Index) -> Annotations:
    """The annotations of a route without any (one value per computation)."""
    table = memo_table(idx, "no-annotations")
    found: Annotations | None = table.get(None)
    if found is None:
        found = table[None] = Annotations(None, idx.config.annotation_prefix)
    return found


def _outcome(outcome: RouteOutcome) -> RouteOutcome:
    if diagnostics_logged():  # diagnostics are logged when made: make them now
        outcome.diagnostics  # noqa: B018
    return outcome


def _path_rejections(paths: Sequence[_Path]) -> list[Rejection]:
    """Every path's rejections in order; record-property ones of the first path that has any."""
    out: list[Rejection] = []
    reported = False
    for path in paths:
        out += path.rejections
        if not reported:
            out += path.property_rejections
            reported = bool(path.property_rejections)
    return out


def _through(  # noqa: PLR0917 - one call site, the pipeline's
    kind: str,
    namespace: str,
    resource: str,
    ann: Annotations,
    parent: Parent,
    hostnames: Sequence[Hostname | None],
    own: Targets | None,
    previous: Sequence[Row] | None,
    idx: Index,
) -> _Path:
    """What route ``resource`` publishes (or holds) through ``parent`` (sections 5-8, 9)."""
    serving = serving_listeners(parent, kind, namespace, idx)  # section 5
    names, attachments, intersections = _intersect(parent, serving, hostnames)
    found = (*serving.rejections, *intersections) if intersections else serving.rejections
    if not names:
        return _Path(found, attachments)
    targets = own or idx.targets[parent.key]  # section 7
    lost = None if own or not idx.config.hold_on_address_loss else targets.address_lost
    if lost is not None:  # section 9, address-loss hold
        held, rejection = address_loss_hold(parent, lost, names, previous)
        if rejection is not None:
            return _Path((*found, rejection), attachments, held=held, address_lost=True)
    if targets.problems:
        found = (*found, *targets.at(parent.label))
    if not targets.values:
        return _Path(found, attachments, address_lost=lost is not None)
    properties, property_rejections = parent_record_properties(ann, parent, idx)  # section 8
    return _Path(
        found,
        attachments,
        Published(names, targets.values, properties, targets.by_type),
        (),
        property_rejections,
        lost is not None,
    )


def _intersect(
    parent: Parent,
    serving: Serving,
    hostnames: Sequence[Hostname | None],
) -> tuple[tuple[Hostname, ...], tuple[str, ...], tuple[Rejection, ...]]:
    """Each serving listener's hostname by each route hostname (section 6).

    Returns:
        The names agreed on (each once, in order), the attachments (parent, listener and
        hostname of each agreement, one after the other), and a rejection per listener hostname
        that is invalid and per pair that does not intersect.
    """
    names: list[Hostname] = []
    attachments: list[str] = []
    found: list[Rejection] = []
    label = parent.label
    for listener, raw, lst_host in zip(
        serving.names, serving.hostnames, serving.normalized, strict=True
    ):
        if raw and lst_host is None:
            message = f"listener hostname {raw!r} is not a valid DNS name"
            found.append(Rejection("invalid-hostname", message, parent=label, listener=listener))
            continue
        for host in hostnames:
            got = intersect_hostnames(lst_host, host)
            if got is not None:
                attachments += (label, listener, got)
                if got not in names:
                    names.append(got)
                continue
            if lst_host is None and host is None:
                why = "neither the route nor the listener has a hostname"
            else:
                why = (
                    f"route hostname {host or '(any)'!r} does not match "
                    f"listener hostname {lst_host or '(any)'!r}"
                )
            found.append(
                Rejection(
                    "no-hostname-match", why, parent=label, listener=listener, hostname=host or ""
                )
            )
    return tuple(names), tuple(attachments), tuple(found)


def finish(
    routes: Sequence[Route],
    outcomes: Mapping[str, OutcomeRow],
    config: SourceConfig,
    *,
    keys: Sequence[str] | None = None,
) -> Result:
    """Merge per-route outcomes into a Result (SPEC sections 8 and 11), in sorted order.

    ``keys`` are the routes' keys (``resource``), in the order of ``routes``, when the caller
    has them already.
    """
    if keys is None:
        keys = [r.resource for r in routes]
    with_rows = {key: rows for key in keys if (rows := outcome_endpoints(outcomes[key]))}
    return _finish(routes, keys, dict(outcomes), with_rows, config)


def _finish(
    routes: Sequence[Route],
    keys: Sequence[str],
    outcomes: dict[str, OutcomeRow],
    with_rows: dict[str, tuple[Row, ...]],
    config: SourceConfig,
) -> Result:
    """:func:`finish`, given the routes' endpoints by key (``with_rows``: routes with some).

    ``outcomes`` becomes the result's: the caller hands it over and changes it no more.
    """
    by_key: dict[str, Route] = {}

    def entry(key: str) -> RouteEntry:  # only for DNS names several routes want
        if not by_key:
            by_key.update(zip(keys, routes, strict=True))
        return route_entry(by_key[key], outcome_endpoints(outcomes[key]))

    merged = merge_all(with_rows, config.conflict_policy, entry)
    return assemble(None, None, outcomes, merged, owned=True)


class _Parts:
    """What a deferred Result is built from: copies taken when it was computed.

    The orders of routes are sorted on first read when the computation did not have them (a
    computation from scratch needs neither to merge, and a caller that reads only the
    endpoints never pays for sorting 50k route keys twice).
    """

    __slots__ = ("_key_order", "_route_order", "conflicts", "kept", "outcomes")

    def __init__(
        self,
        kept: dict[str, tuple[Row, ...]],
        key_order: Sequence[str] | None,
        route_order: Sequence[str] | None,
        outcomes: dict[str, OutcomeRow],
        conflicts: tuple[Diagnostic, ...],
    ) -> None:
        self.kept = kept
        self._key_order = key_order
        self._route_order = route_order
        self.outcomes = outcomes
        self.conflicts = conflicts

    @property
    def key_order(self) -> Sequence[str]:
        """Route keys sorted as strings: the order of ``by_route``."""
        if self._key_order is None:
            self._key_order = sorted(self.outcomes)
        return self._key_order

    @property
    def route_order(self) -> Sequence[str]:
        """Route keys by (kind, namespace, name): the order of diagnostics."""
        if self._route_order is None:
            outcomes = self.outcomes
            self._route_order = sorted(outcomes, key=lambda key: outcome_who(outcomes[key]))
        return self._route_order

    @property
    def ordered(self) -> Iterator[RouteOutcome]:
        """The outcomes in route order."""
        outcomes = self.outcomes
        return (RouteOutcome.of(outcomes[key]) for key in self.route_order)


def assemble(
    route_order: Sequence[str] | None,
    key_order: Sequence[str] | None,
    outcomes: Mapping[str, OutcomeRow],
    state: MergeState | Merged,
    *,
    owned: bool = False,
) -> Result:
    """Build a Result from per-route outcomes and a merge state.

    Only ``endpoints`` is built now; the rest is captured (shallow copies, C-level; tuples are
    shared as they are) and built on first access, so the result stays correct after ``state``
    and ``outcomes`` change.

    Args:
        route_order: route keys by (kind, namespace, name): the order of diagnostics
            (``None``: sorted from ``outcomes`` when first needed).
        key_order: route keys sorted as strings: the order of ``by_route`` (``None``: likewise).
        outcomes: route key -> outcome.
        state: the merge of every route's endpoints (incremental, or all at once).
        owned: ``outcomes`` is the result's to keep (nobody changes it later): not copied.
    """
    parts = _Parts(
        state.kept(),
        key_order if key_order is None or isinstance(key_order, tuple) else tuple(key_order),
        route_order
        if route_order is None or isinstance(route_order, tuple)
        else tuple(route_order),
        outcomes if owned and isinstance(outcomes, dict) else dict(outcomes),
        tuple(state.diagnostics()),
    )
    # a merge state kept across rounds (the reconciler's) keeps its Endpoint objects in step
    # with its rows, so each is made once: read while the state is as it was now, the result
    # takes them from it; read later, or from a one-off merge, it makes its own
    made = None
    if isinstance(state, MergeState):
        version = state.version
        made = partial(_state_objects, state, version)
    return Result._deferred(state.endpoints(), parts, made)


def _state_objects(state: MergeState, version: int) -> tuple[Endpoint, ...] | None:
    """The state's Endpoint objects, if it has not been updated since ``version``."""
    return state.objects() if state.version == version else None


_DIAGNOSTICS = attrgetter("diagnostics")
_ATTACHMENTS = attrgetter("attachments")
