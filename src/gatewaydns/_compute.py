"""compute_endpoints: the pipeline from a snapshot to sorted endpoints and diagnostics.

Each step cites the SPEC section it implements. Routes are processed in sorted order and every
output is sorted, so the result does not depend on the order of objects in the input.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import chain
from operator import attrgetter
from typing import Any, TypeVar

from gatewaydns._annotations import Annotations, parse_ttl, split_list
from gatewaydns._base import GATEWAY_GROUP
from gatewaydns._config import SourceConfig
from gatewaydns._diagnostics import Diagnostic, ReasonCode, make_diagnostic
from gatewaydns._endpoint import Endpoint, ProviderSpecificProperty, endpoint_sort_key
from gatewaydns._errors import ConfigError
from gatewaydns._gateway import Gateway, Listener, ListenerSet
from gatewaydns._generation import generation_verdicts, is_behind
from gatewaydns._hostnames import (
    intersect_hostnames,
    is_ip_address,
    normalize_hostname,
    normalize_target,
)
from gatewaydns._merge import MergeState, route_entry
from gatewaydns._meta import ParentReference, find_condition
from gatewaydns._routes import Route
from gatewaydns._selectors import Selector, compile_label_selector
from gatewaydns._snapshot import Snapshot
from gatewaydns._targetfilter import TargetNetFilter
from gatewaydns._types import Hostname

__all__ = [
    "PROTOCOLS",
    "Attachment",
    "Result",
    "RouteOutcome",
    "assemble",
    "build_index",
    "compute_endpoints",
    "compute_route",
    "finish",
]

#: Route kind -> listener protocols that can serve it (SPEC section 5).
PROTOCOLS: dict[str, frozenset[str]] = {
    "HTTPRoute": frozenset({"HTTP", "HTTPS"}),
    "GRPCRoute": frozenset({"HTTP", "HTTPS"}),
    "TLSRoute": frozenset({"TLS"}),
    "TCPRoute": frozenset({"TCP", "TLS"}),
    "UDPRoute": frozenset({"UDP"}),
}

_HOSTNAME_SOURCES = ("annotation-only", "defined-hosts-only")
_T = TypeVar("_T")
_OUR_CONTROLLER = "dns-controller"


@dataclass(frozen=True)
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
            endpoints before the merge, sorted. Pass it (or the whole result) back as
            ``previous`` to enable hold.
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
        """Route key -> the route's endpoints (after the conflict policy), by key."""
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
        kind, _, rest = key.partition("/")
        namespace, _, name = rest.partition("/")
        return tuple(
            d
            for d in self.diagnostics
            if d.kind.lower() == kind.lower() and d.namespace == namespace and d.name == name
        )


#: What one matched spec parentRef selects: (sectionName, port), ``None`` when unset.
_RefSelector = tuple[str | None, int | None]


@dataclass
class _Parent:
    """A parent that passed rules 4.1-4.7: its listeners, owner and targets source.

    ``selectors`` are the (sectionName, port) of the *spec* refs the status entry matched: they,
    never the status entry's own fields, choose the listeners (rule 8 and section 5).
    """

    label: str
    gateway: Gateway
    listener_set: ListenerSet | None
    listeners: list[Listener]
    owner_namespace: str
    selectors: tuple[_RefSelector, ...] = ((None, None),)


@dataclass
class _Index:
    config: SourceConfig
    namespaces: dict[str, Mapping[str, str]]
    gateways: dict[tuple[str, str], Gateway]
    hidden_gateways: dict[tuple[str, str], str]
    listener_sets: dict[tuple[str, str], ListenerSet]
    hidden_listener_sets: dict[tuple[str, str], str]
    route_labels: Selector | None
    route_annotations: Selector | None
    target_filter: TargetNetFilter = field(default_factory=TargetNetFilter)
    selector_cache: dict[int, Callable[[Mapping[str, str] | None], bool] | str] = field(
        default_factory=dict
    )
    target_cache: dict[
        tuple[int, int], tuple[tuple[str, ...], tuple[tuple[ReasonCode, str], ...]]
    ] = field(default_factory=dict)


def _controller_ok(annotations: Annotations) -> bool:
    value = annotations.get("controller")
    return value is None or value == _OUR_CONTROLLER


def build_index(snapshot: Snapshot, config: SourceConfig) -> _Index:
    """Index the Gateways, ListenerSets and Namespaces of a snapshot (cheap: no routes)."""
    gw_labels = config.selector("gateway_label_selector")
    annotation_sel = config.selector("annotation_selector")
    prefix = config.annotation_prefix
    gateways: dict[tuple[str, str], Gateway] = {}
    hidden: dict[tuple[str, str], str] = {}
    for gw in snapshot.gateways:  # SPEC section 2
        key = (gw.namespace, gw.name)
        if config.gateway_namespace is not None and gw.namespace != config.gateway_namespace:
            hidden[key] = f"not in gateway namespace {config.gateway_namespace!r}"
        elif gw_labels is not None and not gw_labels.matches(gw.metadata.labels):
            hidden[key] = f"labels do not match gateway label selector {gw_labels.text!r}"
        elif not _controller_ok(Annotations(gw.metadata.annotations, prefix)):
            hidden[key] = "its controller annotation names another controller"
        else:
            gateways[key] = gw
    sets: dict[tuple[str, str], ListenerSet] = {}
    hidden_sets: dict[tuple[str, str], str] = {}
    if config.listener_sets:
        for ls in snapshot.listener_sets:
            key = (ls.namespace, ls.name)
            if annotation_sel is not None and not annotation_sel.matches(ls.metadata.annotations):
                hidden_sets[key] = "annotations do not match the annotation selector"
            elif not _controller_ok(Annotations(ls.metadata.annotations, prefix)):
                hidden_sets[key] = "its controller annotation names another controller"
            else:
                sets[key] = ls
    return _Index(
        config=config,
        namespaces={ns.name: ns.metadata.labels or {} for ns in snapshot.namespaces},
        gateways=gateways,
        hidden_gateways=hidden,
        listener_sets=sets,
        hidden_listener_sets=hidden_sets,
        route_labels=config.selector("label_selector"),
        route_annotations=annotation_sel,
        target_filter=config.target_filter(),
    )


class _RouteRun:
    """Computes one route's endpoints, collecting its diagnostics."""

    def __init__(self, route: Route, idx: _Index) -> None:
        self.route = route
        self.idx = idx
        self.config = idx.config
        self.ann = Annotations(route.metadata.annotations, self.config.annotation_prefix)
        self.diagnostics: list[Diagnostic] = []
        self.attachments: list[Attachment] = []
        #: whether a parent produced hostnames but its Gateway has no usable address: the
        #: outcome then depends on ``previous`` (address-loss hold)
        self.address_lost = False

    def diag(self, reason: ReasonCode, message: str, **where: str | None) -> None:
        r = self.route
        self.diagnostics.append(
            make_diagnostic(reason, r.kind, r.namespace, r.name, message, **where)
        )

    # --- SPEC section 1 ------------------------------------------------------------------------
    def considered(self) -> bool:
        r, cfg, idx = self.route, self.config, self.idx
        if cfg.namespace is not None and r.namespace != cfg.namespace:
            self.diag("route-filtered", f"not in namespace {cfg.namespace!r}")
            return False
        if idx.route_labels is not None and not idx.route_labels.matches(r.metadata.labels):
            self.diag("route-filtered", f"labels do not match {idx.route_labels.text!r}")
            return False
        if idx.route_annotations is not None and not idx.route_annotations.matches(
            r.metadata.annotations
        ):
            self.diag("route-filtered", f"annotations do not match {idx.route_annotations.text!r}")
            return False
        controller = self.ann.get("controller")
        if controller is not None and controller != _OUR_CONTROLLER:
            self.diag(
                "controller-mismatch",
                f"controller annotation is {controller!r}, not {_OUR_CONTROLLER!r}",
            )
            return False
        return True

    # --- SPEC section 3 ------------------------------------------------------------------------
    def hostnames(self) -> list[Hostname | None]:
        """The route's hostnames; ``None`` stands for the empty hostname ("the listener's")."""
        r, cfg = self.route, self.config
        spec = list(r.spec_hostnames)
        defined = list(spec)
        if cfg.fqdn_template is not None and (not spec or cfg.combine_fqdn):
            defined.extend(self._template())
        annotated = (
            [] if cfg.ignore_hostname_annotation else split_list(self.ann.get("hostname") or "")
        )
        source = self.ann.get("gateway-hostname-source")
        raw: list[str | None]
        if source == "annotation-only":
            raw = list(annotated)
        elif source == "defined-hosts-only":
            raw = list(defined)
        else:
            if source is not None:
                self.diag(
                    "invalid-hostname-source",
                    f"gateway-hostname-source {source!r} is not one of "
                    f"{', '.join(_HOSTNAME_SOURCES)}; using the default",
                )
            raw = list(defined)
            if not spec and cfg.listener_hostname_fallback:
                raw.append(None)
            raw.extend(annotated)
        out: list[Hostname | None] = []
        for item in raw:
            if item is None:
                out.append(None)
                continue
            name = normalize_hostname(item)
            if name is None:
                self.diag(
                    "invalid-hostname", f"hostname {item!r} is not a valid DNS name", hostname=item
                )
            elif name not in out:
                out.append(name)
        return out

    def _template(self) -> list[str]:
        template = self.config.fqdn_template
        assert template is not None
        try:
            produced = template(self.route)
        except Exception as exc:
            r = self.route
            msg = f"fqdn_template failed for {r.kind} {r.namespace}/{r.name}: {exc}"
            raise ConfigError(msg) from exc
        items: Iterable[str] = produced.split(",") if isinstance(produced, str) else produced
        out = []
        for item in items:
            cleaned = str(item).strip()
            cleaned = cleaned.removesuffix(".")
            if cleaned:
                out.append(cleaned)
        return out

    # --- SPEC section 4 ------------------------------------------------------------------------
    def parents(self) -> list[_Parent]:
        r, cfg = self.route, self.config
        spec_refs = [
            (ref.identity(r.namespace), ref.section_name or None, ref.port) for ref in r.parent_refs
        ]
        entries = r.parent_statuses
        verdicts = generation_verdicts(
            r.metadata.generation, entries, cfg.generation_policy, cfg.missing_observed_generation
        )
        out: list[_Parent] = []
        for entry, verdict in zip(entries, verdicts, strict=True):
            ref = entry.parent_ref
            identity = ref.identity(r.namespace)
            group, kind, namespace, name = identity
            label = ref.label(r.namespace)
            selectors = _matching_spec_refs(ref, identity, spec_refs)  # rule 1
            if not selectors:
                self._not_in_spec(ref, identity, spec_refs, label)
                continue
            if (
                group != GATEWAY_GROUP
                or kind not in ("Gateway", "ListenerSet")
                or (kind == "ListenerSet" and not cfg.listener_sets)
            ):  # rule 2
                what = (
                    "ListenerSet parents need listener_sets"
                    if kind == "ListenerSet"
                    else (f"parent of group {group!r} kind {kind!r} is not a Gateway")
                )
                self.diag("unsupported-parent", what, parent=label)
                continue
            parent = self._resolve(kind, namespace, name, label)  # rules 3, 4 (and 7)
            if parent is None:
                continue
            cond = entry.condition("Accepted")  # rule 5
            if cond is None or cond.status != "True":
                state = "no Accepted condition" if cond is None else f"Accepted={cond.status}"
                if cond is not None and cond.reason:
                    state += f" ({cond.reason})"
                self.diag("not-accepted", f"parent did not accept the route: {state}", parent=label)
                continue
            if not verdict.counts:  # rule 6
                if verdict.verdict == "stale":
                    self.diag(
                        "stale-generation",
                        f"stale: observed {verdict.observed} vs generation {verdict.expected} "
                        f"(policy {cfg.generation_policy})",
                        parent=label,
                    )
                else:
                    self.diag(
                        "missing-observed-generation",
                        "Accepted has no observedGeneration; rejected "
                        "(missing_observed_generation=reject)",
                        parent=label,
                    )
                continue
            if verdict.verdict == "untracked":
                self.diag(
                    "missing-observed-generation",
                    "Accepted has no observedGeneration; trusted "
                    "(missing_observed_generation=trust)",
                    parent=label,
                )
            if parent.listener_set is not None and not self._attached(parent, label):  # rule 7
                continue
            parent.selectors = selectors
            sections = {section for section, _port in selectors}  # rule 8, by the spec refs
            present = {lst.name for lst in parent.listeners}
            for section in sorted(s for s in sections if s is not None and s not in present):
                self.diag("section-not-found", f"no listener named {section!r}", parent=label)
            if None not in sections:
                parent.listeners = [lst for lst in parent.listeners if lst.name in sections]
                if not parent.listeners:
                    continue
            if parent.listener_set is not None:
                parent.listeners = self._accepted_listeners(parent, label)
            out.append(parent)
        return out

    def _not_in_spec(
        self,
        ref: ParentReference,
        identity: tuple[str, str, str, str],
        spec_refs: Sequence[tuple[tuple[str, str, str, str], str | None, int | None]],
        label: str,
    ) -> None:
        """Rule 1's diagnostic: a parent the route left, or a listener of it the route left."""
        same_parent = [(section, port) for ident, section, port in spec_refs if ident == identity]
        if not same_parent:
            self.diag(
                "parent-not-in-spec",
                "status entry for a parent no longer in spec.parentRefs",
                parent=label,
            )
            return
        kind = identity[1]
        now = " or ".join(
            _describe_selector(sel, kind) for sel in sorted(set(same_parent), key=_sel_key)
        )
        was = _describe_selector((ref.section_name or None, ref.port), kind)
        self.diag(
            "parent-not-in-spec",
            f"stale listener entry dropped: it is for {was}, but spec.parentRefs now "
            f"reference this {kind} only as {now}",
            parent=label,
        )

    def _find(
        self,
        kind: str,
        key: tuple[str, str],
        visible: Mapping[tuple[str, str], _T],
        hidden: Mapping[tuple[str, str], str],
        label: str,
    ) -> _T | None:
        """A visible parent object, or a diagnostic saying it is filtered or missing."""
        found = visible.get(key)
        if found is None:
            why = hidden.get(key)
            if why:
                self.diag("gateway-filtered", f"{kind} hidden: {why}", parent=label)
            else:
                self.diag("parent-not-found", f"no such {kind} in the snapshot", parent=label)
        return found

    def _resolve(self, kind: str, namespace: str, name: str, label: str) -> _Parent | None:
        idx, cfg = self.idx, self.config
        listener_set: ListenerSet | None = None
        if kind == "ListenerSet":
            listener_set = self._find(
                kind, (namespace, name), idx.listener_sets, idx.hidden_listener_sets, label
            )
            if listener_set is None:
                return None
            pref = listener_set.spec.parent_ref
            gw_key = (pref.namespace or listener_set.namespace, pref.name)
            pgroup = GATEWAY_GROUP if pref.group is None else pref.group
            pkind = "Gateway" if pref.kind is None else pref.kind
            gateway = (
                idx.gateways.get(gw_key) if (pgroup, pkind) == (GATEWAY_GROUP, "Gateway") else None
            )
            if gateway is None:
                self.diag(
                    "listenerset-not-attached",
                    f"its parent Gateway {gw_key[0]}/{gw_key[1]} is not in the snapshot "
                    "or is filtered",
                    parent=label,
                )
                return None
        else:
            gateway = self._find(kind, (namespace, name), idx.gateways, idx.hidden_gateways, label)
            if gateway is None:
                return None
        if cfg.gateway_name is not None and gateway.name != cfg.gateway_name:  # rule 4
            self.diag(
                "gateway-filtered", f"Gateway is not named {cfg.gateway_name!r}", parent=label
            )
            return None
        owner = listener_set or gateway
        return _Parent(label, gateway, listener_set, list(owner.listeners), owner.namespace)

    def _attached(self, parent: _Parent, label: str) -> bool:
        ls = parent.listener_set
        assert ls is not None
        gw = parent.gateway
        allowed = gw.spec.allowed_listeners
        namespaces = allowed.namespaces if allowed is not None else None
        from_ = (namespaces.from_ if namespaces is not None else None) or "None"
        ok = False
        why = ""
        if from_ == "All":
            ok = True
        elif from_ == "Same":
            ok = ls.namespace == gw.namespace
            why = "allowedListeners admits only the Gateway's namespace"
        elif from_ == "Selector":
            match = self._selector(namespaces.selector if namespaces else None, label)
            if match is not None:
                labels = self.idx.namespaces.get(ls.namespace)
                ok = labels is not None and match(labels)
                why = (
                    f"Namespace {ls.namespace!r} not in the snapshot"
                    if labels is None
                    else "its namespace does not match allowedListeners' selector"
                )
            else:
                why = "allowedListeners' selector is invalid"
        else:
            why = f"Gateway allowedListeners.namespaces.from is {from_!r}"
        if not ok:
            self.diag("listenerset-not-attached", why, parent=label)
            return False
        cond = find_condition(ls.status.conditions if ls.status else None, "Accepted")
        if cond is None or cond.status != "True":
            self.diag("listenerset-not-attached", "the ListenerSet is not Accepted", parent=label)
            return False
        return True

    def _accepted_listeners(self, parent: _Parent, label: str) -> list[Listener]:
        ls = parent.listener_set
        assert ls is not None
        statuses = {s.name: s for s in (ls.status.listeners or ())} if ls.status else {}
        out = []
        for lst in parent.listeners:
            st = statuses.get(lst.name)
            cond = find_condition(st.conditions if st else None, "Accepted")
            if cond is None or cond.status != "True":
                self.diag(
                    "listener-not-accepted",
                    "listener is not Accepted in the ListenerSet status",
                    parent=label,
                    listener=lst.name,
                )
            else:
                out.append(lst)
        return out

    def _selector(
        self, selector: Any, label: str
    ) -> Callable[[Mapping[str, str] | None], bool] | None:
        if selector is None:
            self.diag(
                "invalid-selector",
                "namespaces.from is Selector but no selector is set",
                parent=label,
            )
            return None
        cached = self.idx.selector_cache.get(id(selector))
        if cached is None:
            try:
                cached = compile_label_selector(selector)
            except ValueError as exc:
                cached = str(exc)
            self.idx.selector_cache[id(selector)] = cached
        if isinstance(cached, str):
            self.diag("invalid-selector", cached, parent=label)
            return None
        return cached

    # --- SPEC section 5 ------------------------------------------------------------------------
    def listener_serves(self, parent: _Parent, lst: Listener) -> bool:
        r = self.route
        where = {"parent": parent.label, "listener": lst.name}
        if lst.protocol not in PROTOCOLS[r.kind]:
            self.diag(
                "protocol-mismatch",
                f"listener protocol {lst.protocol} cannot serve a {r.kind}",
                **where,
            )
            return False
        # the port of the spec ref(s) that chose this listener (SPEC 4.1: never the entry's)
        ports = {port for section, port in parent.selectors if section in (None, lst.name)}
        if None not in ports and lst.port not in ports:
            wanted = " or ".join(str(p) for p in sorted(p for p in ports if p is not None))
            self.diag(
                "port-mismatch", f"parentRef port {wanted} != listener port {lst.port}", **where
            )
            return False
        allowed = lst.allowed_routes
        namespaces = allowed.namespaces if allowed is not None else None
        from_ = (namespaces.from_ if namespaces is not None else None) or "Same"
        if from_ == "Same":
            if r.namespace != parent.owner_namespace:
                self.diag(
                    "namespace-not-allowed",
                    f"listener admits only namespace {parent.owner_namespace!r}",
                    **where,
                )
                return False
        elif from_ == "Selector":
            match = self._selector(namespaces.selector if namespaces else None, parent.label)
            if match is None:
                return False
            labels = self.idx.namespaces.get(r.namespace)
            if labels is None:
                self.diag(
                    "namespace-not-found",
                    f"Namespace {r.namespace!r} is not in the snapshot; the selector cannot match",
                    **where,
                )
                return False
            if not match(labels):
                self.diag(
                    "namespace-not-allowed",
                    f"namespace {r.namespace!r} does not match the listener's selector",
                    **where,
                )
                return False
        elif from_ != "All":
            self.diag(
                "namespace-not-allowed", f"unknown allowedRoutes.namespaces.from {from_!r}", **where
            )
            return False
        kinds = allowed.kinds if allowed is not None else None
        if kinds:
            ok = any(
                (GATEWAY_GROUP if k.group is None else k.group, k.kind) == (GATEWAY_GROUP, r.kind)
                for k in kinds
            )
            if not ok:
                self.diag(
                    "kind-not-allowed", f"listener allowedRoutes.kinds excludes {r.kind}", **where
                )
                return False
        return True

    # --- SPEC section 7 ------------------------------------------------------------------------
    def targets(self, parent: _Parent) -> list[str]:
        route_values = None
        if self.config.route_targets:
            route_values = split_list(self.ann.get("target") or "")
        if route_values:
            targets, problems = _resolve_targets([("route target annotation", route_values)])
        else:
            key = (id(parent.gateway), id(parent.listener_set))
            cached = self.idx.target_cache.get(key)
            if cached is None:
                cached = _resolve_targets(_target_sources(parent, self.config.annotation_prefix))
                self.idx.target_cache[key] = cached
            targets, problems = cached
        for reason, message in problems:
            self.diag(reason, message, parent=parent.label)
        return list(targets)

    # --- SPEC section 9, address-loss hold ---------------------------------------------------
    def _address_lost(self, parent: _Parent) -> str | None:
        """Why the parent's Gateway has no usable address, or ``None`` when it has one.

        Only a Gateway whose targets would come from ``status.addresses`` (no ``target``
        annotation on the route with ``route_targets``, on the ListenerSet or on the Gateway)
        and whose ``status.addresses`` is empty or absent has lost its address; addresses that
        are present but invalid are a configuration problem, not a transient one.
        """
        status = parent.gateway.status
        addresses = status.addresses if status is not None else None
        if addresses or not self.config.hold_on_address_loss:
            return None
        prefix = self.config.annotation_prefix
        if self.config.route_targets and split_list(self.ann.get("target") or ""):
            return None
        owners = [parent.gateway.metadata.annotations]
        if parent.listener_set is not None:
            owners.append(parent.listener_set.metadata.annotations)
        if any(split_list(Annotations(a, prefix).get("target") or "") for a in owners):
            return None
        why = "status.addresses is empty" if addresses is not None else "no status.addresses"
        cond = find_condition(status.conditions if status is not None else None, "Programmed")
        if cond is not None:
            why += f", Programmed={cond.status}"
            if cond.reason:
                why += f" ({cond.reason})"
        return why

    def _hold_names(
        self,
        parent: _Parent,
        why: str,
        names: Sequence[Hostname],
        previous: Sequence[Endpoint] | None,
    ) -> list[Endpoint]:
        """The previous endpoints of ``names``, with a ``held`` diagnostic when there are any."""
        if not previous:
            return []
        wanted = set(names)
        held = [ep for ep in previous if _normal_name(ep.dns_name) in wanted]
        if not held:
            return []
        gw = parent.gateway
        whose = "its Gateway" if parent.listener_set is not None else "Gateway"
        shown = ", ".join(sorted({_normal_name(ep.dns_name) for ep in held}))
        self.diag(
            "held",
            f"{whose} {gw.namespace}/{gw.name} has no usable address ({why}); keeping the "
            f"previous records of {shown} until it reports one",
            parent=parent.label,
        )
        return held

    # --- SPEC section 8 ------------------------------------------------------------------------
    def record_properties(self, parent: _Parent) -> tuple[int, str, dict[str, str]]:
        """(TTL, set identifier, provider-specific) for endpoints through ``parent``."""
        prefix = self.config.annotation_prefix
        chain = [self.ann]
        if self.config.inherit_gateway_annotations:
            if parent.listener_set is not None:
                chain.append(Annotations(parent.listener_set.metadata.annotations, prefix))
            chain.append(Annotations(parent.gateway.metadata.annotations, prefix))
        ttl_ann = next((a for a in chain if a.get("ttl") is not None), None)
        ttl = 0
        if ttl_ann is not None:
            raw = ttl_ann.get("ttl") or ""
            parsed = parse_ttl(raw)
            if parsed is None:
                self.diag(
                    "invalid-ttl",
                    f"ttl {raw!r} is not a TTL (1..2147483647 seconds, or a duration like 10m)",
                    parent=parent.label,
                )
            else:
                ttl = parsed
        set_id = next(
            (a.get("set-identifier") or "" for a in chain if a.get("set-identifier") is not None),
            "",
        )
        if set_id and not _safe_value(set_id):
            self.diag(
                "invalid-annotation",
                f"set-identifier {set_id[:80]!r} must be printable ASCII of at most "
                f"{_MAX_VALUE} characters; ignored",
                parent=parent.label,
            )
            set_id = ""
        ps = next((a.provider_specific() for a in chain if a.has_provider_specific()), {})
        for name, value in sorted(ps.items()):
            if not _safe_value(value):
                self.diag(
                    "invalid-annotation",
                    f"provider-specific {name} value {value[:80]!r} must be printable ASCII of "
                    f"at most {_MAX_VALUE} characters; ignored",
                    parent=parent.label,
                )
                del ps[name]
        return ttl, set_id, ps

    def run(self, previous: Sequence[Endpoint] | None = None) -> list[Endpoint]:
        """The route's endpoints (sections 3-8, and address-loss hold of section 9).

        Args:
            previous: the route's endpoints in the previous result, for address-loss hold
                (``None``: nothing to hold).
        """
        if not self.route.parent_refs:
            self.diag("no-parent-refs", "the route has no spec.parentRefs")
        hostnames = self.hostnames()
        if not hostnames:
            self.diag("no-hostname", "no hostname from spec, template or annotation")
        groups: dict[_GroupKey, list[str]] = {}
        reported_ttl = False
        kept: list[Endpoint] = []  # previous endpoints held through address-less Gateways
        for parent in self.parents():
            served = [lst for lst in parent.listeners if self.listener_serves(parent, lst)]
            if not served:
                continue
            names: list[Hostname] = []
            for lst in served:
                lst_host = None
                if lst.hostname:
                    lst_host = normalize_hostname(lst.hostname)
                    if lst_host is None:
                        self.diag(
                            "invalid-hostname",
                            f"listener hostname {lst.hostname!r} is not a valid DNS name",
                            parent=parent.label,
                            listener=lst.name,
                        )
                        continue
                for host in hostnames:
                    got = intersect_hostnames(lst_host, host)
                    if got is None:
                        if lst_host is None and host is None:
                            why = "neither the route nor the listener has a hostname"
                        else:
                            why = (
                                f"route hostname {host or '(any)'!r} does not match "
                                f"listener hostname {lst_host or '(any)'!r}"
                            )
                        self.diag(
                            "no-hostname-match",
                            why,
                            parent=parent.label,
                            listener=lst.name,
                            hostname=host or "",
                        )
                    else:
                        self.attachments.append(
                            Attachment(self.route.resource, parent.label, lst.name, got)
                        )
                        if got not in names:
                            names.append(got)
            if not names:
                continue
            lost = self._address_lost(parent)
            if lost is not None:  # SPEC 9, address-loss hold
                self.address_lost = True
                held = self._hold_names(parent, lost, names, previous)
                if held:
                    kept.extend(held)
                    continue
            targets = self.targets(parent)
            if not targets:
                continue
            before = len(self.diagnostics)
            ttl, set_id, ps = self.record_properties(parent)
            if reported_ttl:
                del self.diagnostics[before:]  # one invalid-ttl diagnostic per route is enough
            reported_ttl = reported_ttl or len(self.diagnostics) > before
            ps_key = tuple(sorted(ps.items()))
            for name in names:
                for target in targets:
                    rtype = _record_type(target)
                    bucket = groups.setdefault((name, rtype, set_id, ttl, ps_key), [])
                    if target not in bucket:
                        bucket.append(target)
        _merge_held(groups, kept)
        resource = self.route.resource
        # values are normalised and typed already: construct without re-validating
        endpoints = [
            Endpoint.trusted(
                name,
                tuple(sorted(targets)),
                rtype,
                set_id,
                ttl,
                {"resource": resource},
                tuple(ProviderSpecificProperty(name=k, value=v) for k, v in ps_key),
            )
            for (name, rtype, set_id, ttl, ps_key), targets in groups.items()
        ]
        return sorted(endpoints, key=endpoint_sort_key)


_GroupKey = tuple[str, str, str, int, tuple[tuple[str, str], ...]]


def _normal_name(name: str) -> str:
    return normalize_hostname(name) or name


def _merge_held(groups: dict[_GroupKey, list[str]], held: Sequence[Endpoint]) -> None:
    """Add endpoints held on address loss to a route's record sets.

    A held endpoint joins the live record set of the same (name, type, set identifier), whose
    TTL and provider-specific properties win; otherwise it is kept as it was.
    """
    for ep in sorted(held, key=endpoint_sort_key):
        name = _normal_name(ep.dns_name)
        live = next((k for k in groups if k[:3] == (name, ep.record_type, ep.set_identifier)), None)
        key = live or (
            name,
            ep.record_type,
            ep.set_identifier,
            ep.record_ttl,
            tuple((p.name, p.value) for p in ep.provider_specific),
        )
        bucket = groups.setdefault(key, [])
        bucket.extend(t for t in ep.targets if t not in bucket)


def _matching_spec_refs(
    ref: ParentReference,
    identity: tuple[str, str, str, str],
    spec_refs: Sequence[tuple[tuple[str, str, str, str], str | None, int | None]],
) -> tuple[_RefSelector, ...]:
    """The (sectionName, port) of every spec ref a status entry's parentRef matches (rule 1).

    The whole reference is the identity. Leniency for controllers that write a shorter
    reference goes one way only: an entry that omits ``sectionName`` (or ``port``) matches spec
    refs that set it; an entry that sets one the spec ref omits, or sets another, matches nothing.
    """
    section, port = ref.section_name or None, ref.port
    found = {
        (spec_section, spec_port)
        for ident, spec_section, spec_port in spec_refs
        if ident == identity
        and (section is None or section == spec_section)
        and (port is None or port == spec_port)
    }
    return tuple(sorted(found, key=_sel_key))


def _sel_key(selector: _RefSelector) -> tuple[str, int]:
    return (selector[0] or "", selector[1] or 0)


def _describe_selector(selector: _RefSelector, kind: str) -> str:
    section, port = selector
    if section is None and port is None:
        return f"the whole {kind} (no sectionName or port)"
    parts = []
    if section is not None:
        parts.append(f"section {section!r}")
    if port is not None:
        parts.append(f"port {port}")
    return " ".join(parts)


def _target_sources(parent: _Parent, prefix: str) -> list[tuple[str, list[str]]]:
    """Where a parent's targets come from, in precedence order (SPEC section 7)."""
    sources: list[tuple[str, list[str]]] = []
    if parent.listener_set is not None:
        ls_ann = Annotations(parent.listener_set.metadata.annotations, prefix)
        sources.append(("ListenerSet target annotation", split_list(ls_ann.get("target") or "")))
    gw_ann = Annotations(parent.gateway.metadata.annotations, prefix)
    sources.append(("Gateway target annotation", split_list(gw_ann.get("target") or "")))
    status = parent.gateway.status
    addresses = [a.value for a in (status.addresses or ())] if status else []
    sources.append(("Gateway status.addresses", addresses))
    return sources


def _resolve_targets(
    sources: list[tuple[str, list[str]]],
) -> tuple[tuple[str, ...], tuple[tuple[ReasonCode, str], ...]]:
    """The first non-empty source's valid targets, and the problems found on the way."""
    problems: list[tuple[ReasonCode, str]] = []
    for source, values in sources:
        if not values:
            continue
        out: list[str] = []
        for value in values:
            target = normalize_target(value if is_ip_address(value) else value.rstrip("."))
            if target is None:
                problems.append(
                    (
                        "invalid-target",
                        f"{source}: {value!r} is neither an IP address nor a DNS name",
                    )
                )
            elif target not in out:
                out.append(target)
        return tuple(out), tuple(problems)
    return (), (("no-targets", "the Gateway has no target annotation and no status.addresses"),)


_MAX_VALUE = 1024


def _safe_value(value: str) -> bool:
    """Annotation values copied into endpoints: printable ASCII, bounded (SPEC section 11)."""
    return len(value) <= _MAX_VALUE and value.isascii() and value.isprintable()


@lru_cache(maxsize=65536)
def _record_type(target: str) -> str:
    if is_ip_address(target):
        return "AAAA" if ":" in target else "A"
    return "CNAME"


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
    outcomes = {r.resource: compute_route(r, idx, held_from) for r in snapshot.routes}
    return finish(snapshot.routes, outcomes, config)


@dataclass(frozen=True)
class RouteOutcome:
    """One route's share of a result, before the merge (what a reconciler caches per route)."""

    endpoints: tuple[Endpoint, ...]
    diagnostics: tuple[Diagnostic, ...]
    attachments: tuple[Attachment, ...]
    held: bool
    #: a parent's Gateway had no usable address: the outcome depends on ``previous``
    address_lost: bool = False


def compute_route(
    route: Route, idx: _Index, held_from: Mapping[str, Sequence[Endpoint]] | None
) -> RouteOutcome:
    """Compute one route's endpoints, diagnostics and attachments (SPEC sections 1-9)."""
    config = idx.config
    run = _RouteRun(route, idx)
    if not run.considered():
        return RouteOutcome((), tuple(run.diagnostics), (), held=False)
    previous = None
    if held_from is not None and config.hold_on_address_loss:
        previous = held_from.get(route.resource)
    endpoints = run.run(previous)
    held = (
        held_from is not None
        and config.generation_policy == "strict"
        and route.resource in held_from
        and is_behind(route.metadata.generation, route.parent_statuses)
    )
    if held and held_from is not None:
        endpoints = sorted(held_from[route.resource], key=endpoint_sort_key)
        run.diag(
            "held",
            f"status lags spec (generation {route.metadata.generation}); keeping the "
            f"{len(endpoints)} previous endpoint(s) until the controller catches up",
        )
    if idx.target_filter.enabled or config.min_ttl:
        endpoints = _post_process(endpoints, idx, run)
    return RouteOutcome(
        tuple(endpoints),
        tuple(run.diagnostics),
        tuple(run.attachments),
        held=held,
        address_lost=run.address_lost,
    )


def _post_process(endpoints: Sequence[Endpoint], idx: _Index, run: _RouteRun) -> list[Endpoint]:
    """Apply the target filters and ``min_ttl`` to a route's endpoints.

    As external-dns applies them to its sources' endpoints (``targetFilterSource``, then the
    post-processor's ``WithMinTTL``).
    """
    flt, min_ttl = idx.target_filter, idx.config.min_ttl
    out: list[Endpoint] = []
    for ep in endpoints:
        update: dict[str, Any] = {}
        if flt.enabled:
            kept = tuple(t for t in ep.targets if flt.admits(t))
            if not kept:
                run.diag(
                    "target-filtered",
                    f"{ep.record_type} {ep.dns_name} is dropped: none of its targets "
                    f"({', '.join(ep.targets)}) passes {flt.describe()}"
                    + (" (a host name lies in no network)" if ep.record_type == "CNAME" else ""),
                    hostname=ep.dns_name,
                )
                continue
            if kept != ep.targets:
                update["targets"] = kept
        if min_ttl and not ep.record_ttl:
            update["record_ttl"] = min_ttl
        out.append(ep.model_copy(update=update) if update else ep)
    return out


def finish(
    routes: Sequence[Route], outcomes: Mapping[str, RouteOutcome], config: SourceConfig
) -> Result:
    """Merge per-route outcomes into a Result (SPEC sections 8 and 11), in sorted order."""
    state = MergeState(config.conflict_policy)
    state.update(
        {
            r.resource: route_entry(r, outcomes[r.resource].endpoints)
            for r in routes
            if outcomes[r.resource].endpoints
        }
    )
    order = sorted(routes, key=lambda r: (r.kind, r.namespace, r.name))
    return assemble(
        [r.resource for r in order], sorted(r.resource for r in routes), outcomes, state
    )


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
