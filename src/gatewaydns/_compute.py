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

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import chain
from operator import attrgetter

from gatewaydns._annotations import Annotations
from gatewaydns._config import SourceConfig
from gatewaydns._diagnostics import Diagnostic, Rejection, diagnostics_logged
from gatewaydns._endpoint import Endpoint
from gatewaydns._gateway import Listener
from gatewaydns._hold import address_loss_hold, behind_hold
from gatewaydns._hostnames import intersect_hostnames, normalize_hostname
from gatewaydns._index import Index, build_index
from gatewaydns._listeners import serving_listeners
from gatewaydns._merge import MergeState, route_entry
from gatewaydns._parents import Parent, resolve_parents
from gatewaydns._records import (
    Published,
    post_process,
    property_sources,
    record_properties,
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
    "Result",
    "RouteOutcome",
    "assemble",
    "build_index",
    "compute_endpoints",
    "compute_route",
    "finish",
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

    ``by_route``, ``diagnostics`` and ``attachments`` are built on first access from what the
    computation captured, so a reconciler that only needs ``endpoints`` on each event does not
    pay for them.
    """

    __slots__ = ("_attachments", "_by_route", "_diagnostics", "_endpoints", "_parts")

    def __init__(
        self,
        endpoints: tuple[Endpoint, ...],
        by_route: Mapping[str, tuple[Endpoint, ...]],
        diagnostics: tuple[Diagnostic, ...],
        attachments: tuple[Attachment, ...] = (),
    ) -> None:
        self._endpoints = endpoints
        self._by_route: Mapping[str, tuple[Endpoint, ...]] | None = by_route
        self._diagnostics: tuple[Diagnostic, ...] | None = diagnostics
        self._attachments: tuple[Attachment, ...] | None = attachments
        self._parts: _Parts | None = None

    @classmethod
    def _deferred(cls, endpoints: tuple[Endpoint, ...], parts: _Parts) -> Result:
        result = cls(endpoints, {}, ())
        result._by_route = result._diagnostics = result._attachments = None
        result._parts = parts
        return result

    @property
    def endpoints(self) -> tuple[Endpoint, ...]:
        """Merged endpoints, sorted."""
        return self._endpoints

    @property
    def by_route(self) -> Mapping[str, tuple[Endpoint, ...]]:
        """Route key -> the route's own endpoints, less any the conflict policy dropped; by key.

        See the class docstring: unmerged (one route's view of each name), routes with no
        endpoint left are absent.
        """
        if self._by_route is None:
            assert self._parts is not None
            kept, key_order = self._parts.kept, self._parts.key_order
            keys = list(filter(kept.__contains__, key_order))
            self._by_route = dict(zip(keys, map(kept.__getitem__, keys), strict=True))
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

    def previous_endpoints(self) -> Mapping[str, tuple[Endpoint, ...]]:
        """Route key -> endpoints, for hold; no ordering needed, so nothing is built."""
        if self._by_route is None and self._parts is not None:
            return self._parts.kept
        return self.by_route

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
    held_from = previous.previous_endpoints() if isinstance(previous, Result) else previous
    keys = [r.resource for r in snapshot.routes]
    outcomes = {
        key: compute_route(r, idx, held_from) for key, r in zip(keys, snapshot.routes, strict=True)
    }
    return finish(snapshot.routes, outcomes, config, keys=keys)


#: An attachment's fields: (route, parent, listener, hostname).
_AttachmentRow = tuple[str, str, str, str]


@dataclass(frozen=True, slots=True)
class RouteOutcome:
    """One route's share of a result, before the merge (what a reconciler caches per route).

    The diagnostics are kept as the rules' rejections and stamped with the route (``who``:
    kind, namespace, name) when first read: most results are never asked for them, and a
    thousand routes' diagnostics are a thousand objects more for the garbage collector (#17).
    """

    endpoints: tuple[Endpoint, ...]
    rejections: tuple[Rejection, ...]
    who: tuple[str, str, str]
    #: the attachments' fields (route, parent, listener, hostname), made into
    #: :class:`Attachment` values when first read, like the diagnostics
    attachment_rows: tuple[_AttachmentRow, ...]
    held: bool
    #: a parent's Gateway had no usable address: the outcome depends on ``previous``
    address_lost: bool = False
    _diagnostics: tuple[Diagnostic, ...] | None = field(
        default=None, init=False, compare=False, repr=False
    )
    _attachments: tuple[Attachment, ...] | None = field(
        default=None, init=False, compare=False, repr=False
    )

    @property
    def attachments(self) -> tuple[Attachment, ...]:
        """The route's attachments, in the order they were found."""
        found = self._attachments
        if found is None:
            found = tuple(Attachment(*row) for row in self.attachment_rows)
            object.__setattr__(self, "_attachments", found)
        return found

    @property
    def diagnostics(self) -> tuple[Diagnostic, ...]:
        """The route's diagnostics, in the order the rules found them."""
        found = self._diagnostics
        if found is None:
            kind, namespace, name = self.who
            found = tuple(r.stamp(kind, namespace, name) for r in self.rejections)
            object.__setattr__(self, "_diagnostics", found)
        return found


@dataclass(frozen=True)
class _Path:
    """What a route gets through one parent (sections 5-8, and address-loss hold).

    ``property_rejections`` are kept apart: a route reports them for its first parent only
    (one ``invalid-ttl`` per route is enough).
    """

    rejections: tuple[Rejection, ...]
    attachments: tuple[_AttachmentRow, ...] = ()
    published: Published | None = None
    held: tuple[Endpoint, ...] = ()
    property_rejections: tuple[Rejection, ...] = ()
    address_lost: bool = False


def compute_route(
    route: Route, idx: Index, held_from: Mapping[str, Sequence[Endpoint]] | None
) -> RouteOutcome:
    """Compute one route's endpoints, diagnostics and attachments (SPEC sections 1-9).

    Args:
        route: the route.
        idx: the snapshot's index (:func:`build_index`).
        held_from: route key -> the previous endpoints, for hold (``None``: no hold).
    """
    config = idx.config
    resource = route.resource  # the route key, computed once
    ann = Annotations(route.metadata.annotations, config.annotation_prefix)
    rejection = route_rejection(route, ann, idx.scope)  # section 1
    if rejection is not None:
        return _outcome(RouteOutcome((), (rejection,), _who(route), (), held=False))
    found: list[Rejection] = []
    if not route.parent_refs:
        found.append(Rejection("no-parent-refs", "the route has no spec.parentRefs"))
    hostnames = route_hostnames(route, config, ann)  # section 3
    found += hostnames.rejections
    if not hostnames.names:
        found.append(Rejection("no-hostname", "no hostname from spec, template or annotation"))
    parents, rejections = resolve_parents(route, idx)  # section 4
    found += rejections
    own = route_targets(ann) if config.route_targets else None
    previous = held_from.get(resource) if held_from and config.hold_on_address_loss else None
    paths = [
        _through(route, resource, ann, p, hostnames.names, own, previous, idx) for p in parents
    ]
    found += _path_rejections(paths)
    published = [p.published for p in paths if p.published is not None]
    held = [ep for p in paths for ep in p.held]
    endpoints = route_endpoints(resource, published, held)
    behind = behind_hold(route, config, held_from)  # section 9
    if behind is not None:
        endpoints = list(behind[0])
        found.append(behind[1])
    if idx.target_filter.enabled or config.min_ttl:
        endpoints, rejections = post_process(endpoints, idx.target_filter, config.min_ttl)
        found += rejections
    outcome = RouteOutcome(
        tuple(endpoints),
        tuple(found),
        _who(route),
        tuple(att for p in paths for att in p.attachments),
        held=behind is not None,
        address_lost=any(p.address_lost for p in paths),
    )
    return _outcome(outcome)


def _who(route: Route) -> tuple[str, str, str]:
    return (route.kind, route.namespace, route.name)


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
    route: Route,
    resource: str,
    ann: Annotations,
    parent: Parent,
    hostnames: Sequence[Hostname | None],
    own: Targets | None,
    previous: Sequence[Endpoint] | None,
    idx: Index,
) -> _Path:
    """What ``route`` publishes (or holds) through ``parent`` (sections 5-8, 9)."""
    listeners, rejections = serving_listeners(parent, route.kind, route.namespace, idx)  # section 5
    names, attachments, intersections = _intersect(resource, parent, listeners, hostnames)
    found = (*rejections, *intersections)
    if not names:
        return _Path(found, attachments)
    targets = own or idx.targets[parent.key]  # section 7
    lost = None if own or not idx.config.hold_on_address_loss else targets.address_lost
    if lost is not None:  # section 9, address-loss hold
        held, rejection = address_loss_hold(parent, lost, names, previous)
        if rejection is not None:
            return _Path((*found, rejection), attachments, held=held, address_lost=True)
    found = (*found, *targets.at(parent.label))
    if not targets.values:
        return _Path(found, attachments, address_lost=lost is not None)
    sources = property_sources(ann, parent, idx.config)
    properties, property_rejections = record_properties(sources, parent.label)  # section 8
    return _Path(
        found,
        attachments,
        published=Published(names, targets.values, properties),
        property_rejections=property_rejections,
        address_lost=lost is not None,
    )


def _intersect(
    route: str,
    parent: Parent,
    listeners: Iterable[Listener],
    hostnames: Sequence[Hostname | None],
) -> tuple[tuple[Hostname, ...], tuple[_AttachmentRow, ...], tuple[Rejection, ...]]:
    """Each serving listener's hostname by each route hostname (section 6).

    Returns:
        The names agreed on (each once, in order), one attachment per agreement, and a
        rejection per listener hostname that is invalid and per pair that does not intersect.
    """
    names: list[Hostname] = []
    attachments: list[_AttachmentRow] = []
    found: list[Rejection] = []
    for lst in listeners:
        lst_host = normalize_hostname(lst.hostname) if lst.hostname else None
        if lst.hostname and lst_host is None:
            message = f"listener hostname {lst.hostname!r} is not a valid DNS name"
            found.append(
                Rejection("invalid-hostname", message, parent=parent.label, listener=lst.name)
            )
            continue
        for host in hostnames:
            got = intersect_hostnames(lst_host, host)
            if got is not None:
                attachments.append((route, parent.label, lst.name, got))
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
                    "no-hostname-match",
                    why,
                    parent=parent.label,
                    listener=lst.name,
                    hostname=host or "",
                )
            )
    return tuple(names), tuple(attachments), tuple(found)


def finish(
    routes: Sequence[Route],
    outcomes: Mapping[str, RouteOutcome],
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
    state = MergeState(config.conflict_policy)
    state.update(
        {
            key: route_entry(r, out.endpoints)
            for key, r in zip(keys, routes, strict=True)
            if (out := outcomes[key]).endpoints
        }
    )
    order = sorted(
        zip(keys, routes, strict=True), key=lambda p: (p[1].kind, p[1].namespace, p[1].name)
    )
    return assemble([key for key, _ in order], sorted(keys), outcomes, state)


def _by_route_identity(pair: tuple[str, Route]) -> tuple[str, str, str]:
    route = pair[1]
    return (route.kind, route.namespace, route.name)


@dataclass(frozen=True)
class _Parts:
    """What a deferred Result is built from: copies taken when it was computed."""

    kept: dict[str, tuple[Endpoint, ...]]
    key_order: Sequence[str]
    route_order: Sequence[str]
    outcomes: dict[str, RouteOutcome]
    conflicts: tuple[Diagnostic, ...]

    @property
    def ordered(self) -> Iterator[RouteOutcome]:
        """The outcomes in route order."""
        return map(self.outcomes.__getitem__, self.route_order)


def assemble(
    route_order: Sequence[str],
    key_order: Sequence[str],
    outcomes: Mapping[str, RouteOutcome],
    state: MergeState,
) -> Result:
    """Build a Result from per-route outcomes and a merge state.

    Only ``endpoints`` is built now; the rest is captured (shallow copies, C-level; tuples are
    shared as they are) and built on first access, so the result stays correct after ``state``
    and ``outcomes`` change.

    Args:
        route_order: route keys by (kind, namespace, name): the order of diagnostics.
        key_order: route keys sorted as strings: the order of ``by_route``.
        outcomes: route key -> outcome.
        state: the merge of every route's endpoints.
    """
    parts = _Parts(
        state.kept(),
        key_order if isinstance(key_order, tuple) else tuple(key_order),
        route_order if isinstance(route_order, tuple) else tuple(route_order),
        dict(outcomes),
        tuple(state.diagnostics()),
    )
    return Result._deferred(state.endpoints(), parts)


_DIAGNOSTICS = attrgetter("diagnostics")
_ATTACHMENTS = attrgetter("attachments")
