"""Which parents count for a route (SPEC section 4), including generation validation.

Every ``status.parents`` entry of the route goes through the rules of section 4 in order; the
first that objects drops the entry with a :class:`~gatewaydns._diagnostics.Rejection`:

1. the entry stands for one of the route's current ``spec.parentRefs`` (:class:`RefIdentity`:
   the whole reference, with a one-way leniency for entries that omit ``sectionName``/``port``);
2. the parent is a Gateway (or a ListenerSet, with ``listener_sets``);
3. and 4. it is in the snapshot, visible, and passes ``gateway_name``;
5. its ``Accepted`` condition is True;
6. generation validation (:mod:`gatewaydns._generation`);
7. a ListenerSet is attached to its Gateway (the ``namespaces.from`` table of
   :mod:`gatewaydns._namespaces`) and Accepted;
8. the matched spec refs' ``sectionName`` select the listeners (a ListenerSet's only when
   Accepted in its status).

What survives is a :class:`Parent`: the listeners the route may attach to, their owner, and the
(sectionName, port) of the spec refs it matched, which choose listeners in section 5.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from gatewaydns._base import GATEWAY_GROUP
from gatewaydns._diagnostics import Rejection
from gatewaydns._gateway import Gateway, Listener, ListenerSet
from gatewaydns._generation import GenerationVerdict, verdicts_of
from gatewaydns._index import Index, ParentKey, memo_table, remember
from gatewaydns._meta import ParentReference, find_condition
from gatewaydns._namespaces import NamespaceQuery, admission, invalid_selector
from gatewaydns._routes import AcceptedFields, RefFields, Route
from gatewaydns._types import GenerationPolicy

__all__ = ["Parent", "RefIdentity", "RefSelector", "resolve_parents", "stands_for"]

#: What one matched spec parentRef selects: (sectionName, port), ``None`` when unset.
RefSelector = tuple[str | None, int | None]


class RefIdentity(NamedTuple):
    """A parentRef's whole identity (rule 1): the parent, its ``sectionName`` and ``port``.

    Attributes:
        parent: (group, kind, namespace, name), defaults applied.
        section: ``sectionName`` (``None`` when unset or empty).
        port: ``port`` (``None`` when unset).
    """

    parent: tuple[str, str, str, str]
    section: str | None
    port: int | None

    @classmethod
    def of(cls, ref: ParentReference, route_namespace: str) -> RefIdentity:
        """The identity of ``ref``, held by a route in ``route_namespace``."""
        return cls(ref.identity(route_namespace), ref.section_name or None, ref.port)

    @property
    def selector(self) -> RefSelector:
        """``(sectionName, port)``."""
        return (self.section, self.port)


def stands_for(entry: RefIdentity, spec: RefIdentity) -> bool:
    """Whether a status entry's parentRef stands for a spec parentRef (rule 1).

    The whole reference is the identity. Leniency for controllers that write a shorter
    reference goes one way only: an entry that omits ``sectionName`` (or ``port``) matches spec
    refs that set it; an entry that sets one the spec ref omits, or sets another, does not.
    """
    return (
        entry.parent == spec.parent
        and (entry.section is None or entry.section == spec.section)
        and (entry.port is None or entry.port == spec.port)
    )


@dataclass(frozen=True)
class Parent:
    """A parent that passed rules 1-8: where the route may attach, and through what.

    Attributes:
        label: how diagnostics name it (``Gateway infra/edge section https``).
        key: the parent object (``Gateway`` or ``ListenerSet``, namespace, name).
        gateway: the Gateway (a ListenerSet's own Gateway).
        listener_set: the ListenerSet, for a ListenerSet parent.
        listeners: the listeners rule 8 leaves.
        owner_namespace: the namespace of the listeners' owner (``Same`` admission).
        selectors: the (sectionName, port) of the *spec* refs the status entry matched: they,
            never the status entry's own fields, choose the listeners (rule 8 and section 5).
    """

    label: str
    key: ParentKey
    gateway: Gateway
    listener_set: ListenerSet | None
    listeners: tuple[Listener, ...]
    owner_namespace: str
    selectors: tuple[RefSelector, ...]


class _Static(NamedTuple):
    """What rules 1-4, 7 and 8 decide about one status entry.

    They read only the entry's reference, the route's spec refs and the index, so routes that
    share those share it.

    Attributes:
        label: how diagnostics name the parent.
        early: the rejection of rules 1-4 (then rules 5-8 are not asked).
        parent: the parent rules 7 and 8 leave (``None``: they drop it).
        late: what rules 7 and 8 say, after rules 5 and 6.
    """

    label: str
    early: Rejection | None
    parent: Parent | None = None
    late: tuple[Rejection, ...] = ()


def resolve_parents(
    route: Route,
    index: Index,
    spec: Sequence[RefFields] | None = None,
    namespace: str | None = None,
) -> tuple[tuple[Parent, ...], tuple[Rejection, ...]]:
    """The parents that count for ``route``, and why each other status entry does not.

    Rules 1-4, 7 and 8 read only the entry's reference, the route's spec refs (with the route's
    namespace, which completes references without one) and the index: what they decide is kept
    in the index's memo, keyed by those values as written (:class:`_Static`).
    Rules 5 and 6 read the entry's conditions and are asked for every entry.

    Args:
        route: the route.
        index: the snapshot's index.
        spec: ``spec.parentRefs`` as ``route._parent_ref_fields()`` gives them, when the caller
            has read them already.
        namespace: ``route.namespace``, likewise.

    Returns:
        The parents, in ``status.parents`` order, and the rejections, in the same order.
    """
    # status.parents as the route's readers give them: no view per entry, condition and
    # parentRef (the models' views make one per read; this loop runs for every route)
    entries = route._status_entries()
    if not entries:
        return (), ()
    config = index.config
    namespace = route.namespace if namespace is None else namespace
    spec = route._parent_ref_fields() if spec is None else spec
    # the route's namespace completes only references without a namespace of their own: the
    # memo is keyed by it only then (else routes of every namespace share the entries)
    local = False
    for raw in spec:
        if not raw[2]:
            local = True
            break
    policy = config.generation_policy
    generation = route._generation()
    observed = [None if cond is None else cond[1] for _, _, cond in entries]
    # rule 6 without a GenerationVerdict per entry in the usual case: strict, every entry has
    # an observedGeneration, and an entry that observed the route's generation is "current"
    # (it counts, nothing to say); any other entry is asked to verdicts_of alone ("stale")
    usual = generation if policy == "strict" else None
    verdicts = (
        None
        if usual is not None and None not in observed
        else verdicts_of(
            generation,
            observed,
            [controller or "" for _, controller, _ in entries] if policy == "latest" else None,
            policy,
            config.missing_observed_generation,
        )
    )
    table = memo_table(index, "parents")
    notes_table = memo_table(index, "generation-notes")
    parents: list[Parent] = []
    found: list[Rejection] = []
    for i, (raw, _, cond) in enumerate(entries):
        key = (namespace if local or not raw[2] else None, raw, spec)
        static = table.get(key)
        if static is None:
            views = [ParentReference.of_fields(ref) for ref in spec]
            static = _static(ParentReference.of_fields(raw), namespace, views, index)
            remember(table, key, static)
        if static.early is not None:  # rules 1-4
            found.append(static.early)
            continue
        if cond is None or cond[0] != "True":  # rule 5
            found.append(_not_accepted(cond, static.label))
            continue
        if verdicts is not None or observed[i] != usual:  # rule 6
            verdict = (
                verdicts[i]
                if verdicts is not None
                else verdicts_of(generation, observed[i : i + 1], None, policy, "trust")[0]
            )
            # one value per (verdict, parent): the same rejection is not made again per route
            said = (verdict, static.label)
            judged = notes_table.get(said)
            if judged is None:
                judged = remember(notes_table, said, _generation(verdict, static.label, policy))
            counts, notes = judged
            if notes:
                found += notes
            if not counts:
                continue
        if static.late:
            found += static.late  # rules 7 and 8
        if static.parent is not None:
            parents.append(static.parent)
    return tuple(parents), tuple(found)


def _static(
    entry_ref: ParentReference, namespace: str, refs: Sequence[ParentReference], index: Index
) -> _Static:
    """Rules 1-4, 7 and 8 for a status entry's reference, given the route's spec refs."""
    label = entry_ref.label(namespace)
    ref = RefIdentity.of(entry_ref, namespace)
    spec_refs = [RefIdentity.of(spec_ref, namespace) for spec_ref in refs]
    selectors = tuple(
        sorted({s.selector for s in spec_refs if stands_for(ref, s)}, key=_selector_order)
    )
    if not selectors:  # rule 1
        return _Static(label, _not_in_spec(ref, spec_refs, label))
    found = _unsupported(ref, label, index) or _lookup(ref, label, index)  # rules 2-4
    if isinstance(found, Rejection):
        return _Static(label, found)
    gateway, listener_set = found
    if listener_set is not None:  # rule 7
        refusals = _not_attached(listener_set, gateway, label, index)
        if refusals:
            return _Static(label, None, None, refusals)
    owner = listener_set or gateway
    listeners, more = _listeners(owner.listeners, selectors, listener_set, label)  # rule 8
    if listeners is None:
        return _Static(label, None, None, more)
    kind = ref.parent[1]
    key = (kind, owner.namespace, owner.name)
    parent = Parent(label, key, gateway, listener_set, listeners, owner.namespace, selectors)
    return _Static(label, None, parent, more)


def _selector_order(selector: RefSelector) -> tuple[str, int]:
    return (selector[0] or "", selector[1] or 0)


def _describe(selector: RefSelector, kind: str) -> str:
    section, port = selector
    if section is None and port is None:
        return f"the whole {kind} (no sectionName or port)"
    parts = []
    if section is not None:
        parts.append(f"section {section!r}")
    if port is not None:
        parts.append(f"port {port}")
    return " ".join(parts)


def _not_in_spec(ref: RefIdentity, spec_refs: Iterable[RefIdentity], label: str) -> Rejection:
    """Rule 1's rejection: a parent the route left, or a listener (or port) of it it left."""
    same_parent = {s.selector for s in spec_refs if s.parent == ref.parent}
    if not same_parent:
        message = "status entry for a parent no longer in spec.parentRefs"
        return Rejection("parent-not-in-spec", message, parent=label)
    kind = ref.parent[1]
    now = " or ".join(_describe(s, kind) for s in sorted(same_parent, key=_selector_order))
    message = (
        f"stale listener entry dropped: it is for {_describe(ref.selector, kind)}, but "
        f"spec.parentRefs now reference this {kind} only as {now}"
    )
    return Rejection("parent-not-in-spec", message, parent=label)


def _unsupported(ref: RefIdentity, label: str, index: Index) -> Rejection | None:
    """Rule 2: a Gateway, or a ListenerSet with ``listener_sets``."""
    group, kind, _namespace, _name = ref.parent
    if group == GATEWAY_GROUP and (
        kind == "Gateway" or (kind == "ListenerSet" and index.config.listener_sets)
    ):
        return None
    what = (
        "ListenerSet parents need listener_sets"
        if kind == "ListenerSet"
        else f"parent of group {group!r} kind {kind!r} is not a Gateway"
    )
    return Rejection("unsupported-parent", what, parent=label)


def _missing(kind: str, namespace: str, name: str, label: str, index: Index) -> Rejection:
    """A parent that is not visible: hidden by a filter (section 2), or not there."""
    why = index.hidden.get((kind, namespace, name))
    if why is not None:
        return Rejection("gateway-filtered", f"{kind} hidden: {why}", parent=label)
    return Rejection("parent-not-found", f"no such {kind} in the snapshot", parent=label)


def _lookup(
    ref: RefIdentity, label: str, index: Index
) -> tuple[Gateway, ListenerSet | None] | Rejection:
    """Rules 3 and 4: the visible parent object and its Gateway, through ``gateway_name``."""
    _group, kind, namespace, name = ref.parent
    listener_set = None
    if kind == "ListenerSet":
        listener_set = index.listener_sets.get((namespace, name))
        if listener_set is None:
            return _missing(kind, namespace, name, label, index)
        gateway_key = listener_set.gateway_key()
        gateway = None if gateway_key is None else index.gateways.get(gateway_key)
        if gateway is None:
            _g, _k, gw_namespace, gw_name = listener_set.spec.parent_ref.identity(namespace)
            message = (
                f"its parent Gateway {gw_namespace}/{gw_name} is not in the snapshot or is filtered"
            )
            return Rejection("listenerset-not-attached", message, parent=label)
    else:
        gateway = index.gateways.get((namespace, name))
        if gateway is None:
            return _missing(kind, namespace, name, label, index)
    wanted = index.config.gateway_name
    if wanted is not None and gateway.name != wanted:
        return Rejection("gateway-filtered", f"Gateway is not named {wanted!r}", parent=label)
    return gateway, listener_set


def _not_accepted(cond: AcceptedFields | None, label: str) -> Rejection:
    """Rule 5's rejection: the entry's ``Accepted`` condition (``cond``) is missing or not True."""
    state = "no Accepted condition" if cond is None else f"Accepted={cond[0]}"
    if cond is not None and cond[2]:
        state += f" ({cond[2]})"
    return Rejection("not-accepted", f"parent did not accept the route: {state}", parent=label)


def _generation(
    verdict: GenerationVerdict, label: str, policy: GenerationPolicy
) -> tuple[bool, tuple[Rejection, ...]]:
    """Rule 6: whether the entry passes generation validation, and what to say about it."""
    if verdict.verdict == "stale":
        message = (
            f"stale: observed {verdict.observed} vs generation {verdict.expected} (policy {policy})"
        )
        return False, (Rejection("stale-generation", message, parent=label),)
    if verdict.verdict == "untracked-rejected":
        message = (
            "Accepted has no observedGeneration; rejected (missing_observed_generation=reject)"
        )
        return False, (Rejection("missing-observed-generation", message, parent=label),)
    if verdict.verdict == "untracked":
        message = "Accepted has no observedGeneration; trusted (missing_observed_generation=trust)"
        return True, (Rejection("missing-observed-generation", message, parent=label),)
    return True, ()


#: Why a ListenerSet is not attached, by what its Gateway's ``allowedListeners`` admits.
_NOT_ATTACHED = {
    "other-namespace": "allowedListeners admits only the Gateway's namespace",
    "no-selector": "allowedListeners' selector is invalid",
    "bad-selector": "allowedListeners' selector is invalid",
    "no-namespace": "Namespace {namespace!r} not in the snapshot",
    "not-selected": "its namespace does not match allowedListeners' selector",
}


def _not_attached(
    listener_set: ListenerSet, gateway: Gateway, label: str, index: Index
) -> tuple[Rejection, ...]:
    """Rule 7: the Gateway admits the ListenerSet's namespace, and the ListenerSet is Accepted."""
    allowed = gateway.spec.allowed_listeners
    namespaces = allowed.namespaces if allowed is not None else None
    from_ = (namespaces.from_ if namespaces is not None else None) or "None"
    query = NamespaceQuery(
        listener_set.namespace,
        gateway.namespace,
        namespaces.selector if namespaces is not None else None,
        index.namespaces,
    )
    outcome = admission(from_, query)
    if outcome != "admitted":
        bad_selector = invalid_selector(outcome, query, label)
        message = (
            f"Gateway allowedListeners.namespaces.from is {from_!r}"
            if outcome is None
            else _NOT_ATTACHED[outcome].format(namespace=listener_set.namespace)
        )
        refusal = Rejection("listenerset-not-attached", message, parent=label)
        return (refusal,) if bad_selector is None else (bad_selector, refusal)
    status = listener_set.status
    cond = find_condition(status.conditions if status is not None else None, "Accepted")
    if cond is None or cond.status != "True":
        message = "the ListenerSet is not Accepted"
        return (Rejection("listenerset-not-attached", message, parent=label),)
    return ()


def _listeners(
    listeners: Sequence[Listener],
    selectors: Sequence[RefSelector],
    listener_set: ListenerSet | None,
    label: str,
) -> tuple[tuple[Listener, ...] | None, tuple[Rejection, ...]]:
    """Rule 8: the listeners the spec refs' sections select; ``None`` drops the parent.

    A ListenerSet's listeners count only when Accepted in its ``status.listeners``.
    """
    sections = {section for section, _port in selectors}
    present = {lst.name for lst in listeners}
    found = [
        Rejection("section-not-found", f"no listener named {section!r}", parent=label)
        for section in sorted(s for s in sections if s is not None and s not in present)
    ]
    chosen = tuple(listeners)
    if None not in sections:
        chosen = tuple(lst for lst in chosen if lst.name in sections)
        if not chosen:
            return None, tuple(found)
    if listener_set is not None:
        statuses = listener_set.status.listeners if listener_set.status is not None else None
        conditions = {s.name: s.conditions for s in statuses or ()}
        accepted = []
        for lst in chosen:
            cond = find_condition(conditions.get(lst.name), "Accepted")
            if cond is not None and cond.status == "True":
                accepted.append(lst)
                continue
            message = "listener is not Accepted in the ListenerSet status"
            found.append(
                Rejection("listener-not-accepted", message, parent=label, listener=lst.name)
            )
        chosen = tuple(accepted)
    return chosen, tuple(found)
