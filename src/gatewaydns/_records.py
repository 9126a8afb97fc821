"""A route's records: properties from annotations, record sets, source filters (SPEC section 8).

Per hostname, the targets a parent gives split by type (IPv4 ``A``, IPv6 ``AAAA``, else
``CNAME``): one endpoint per (hostname, type, set identifier, TTL, provider-specific
properties), its targets the union over the route's parents. The properties come from the
route's annotations (or, with ``inherit_gateway_annotations``, its ListenerSet's, then its
Gateway's). Then external-dns's source wrappers: the target filters and ``min_ttl``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

from gatewaydns._annotations import Annotations, parse_ttl
from gatewaydns._config import SourceConfig
from gatewaydns._diagnostics import Rejection
from gatewaydns._endpoint import NAME, SET_ID, SPECIFIC, TARGETS, TTL, TYPE, Row, route_labels
from gatewaydns._hostnames import comparable_name
from gatewaydns._index import Index, memo_table, remember
from gatewaydns._parents import Parent
from gatewaydns._targetfilter import TargetNetFilter
from gatewaydns._targets import record_type
from gatewaydns._types import Hostname

__all__ = [
    "MAX_VALUE",
    "Published",
    "RecordProperties",
    "parent_record_properties",
    "post_process",
    "property_sources",
    "record_properties",
    "route_endpoints",
    "route_labels",
]

#: The longest set-identifier or provider-specific value copied into an endpoint.
MAX_VALUE = 1024


@dataclass(frozen=True)
class RecordProperties:
    """What the annotations add to a route's records through one parent.

    Attributes:
        ttl: seconds, 0 when unset.
        set_identifier: ``""`` when unset.
        provider_specific: (name, value) pairs, sorted by name.
    """

    ttl: int = 0
    set_identifier: str = ""
    provider_specific: tuple[tuple[str, str], ...] = ()


class Published(NamedTuple):
    """What a route publishes through one parent: these names, these targets, these properties.

    ``by_type`` is ``targets`` split by record type (:func:`~gatewaydns._targets.targets_by_type`;
    a parent's :class:`~gatewaydns._targets.Targets` has it made once).
    """

    names: tuple[Hostname, ...]
    targets: tuple[str, ...]
    properties: RecordProperties
    by_type: tuple[tuple[str, tuple[str, ...]], ...]


def property_sources(
    route: Annotations, parent: Parent, config: SourceConfig
) -> tuple[Annotations, ...]:
    """Where record properties are read, in precedence order (``inherit_gateway_annotations``)."""
    if not config.inherit_gateway_annotations:
        return (route,)
    prefix = config.annotation_prefix
    owners = (parent.listener_set, parent.gateway) if parent.listener_set else (parent.gateway,)
    return (route, *(Annotations(o.metadata.annotations, prefix) for o in owners))


_NO_PROPERTIES: tuple[RecordProperties, tuple[Rejection, ...]] = (RecordProperties(), ())


def parent_record_properties(
    route: Annotations, parent: Parent, index: Index
) -> tuple[RecordProperties, tuple[Rejection, ...]]:
    """:func:`record_properties` of :func:`property_sources`, kept in the index's memo.

    The outcome depends only on the parent's label and the values the sources hold for the
    ``ttl``, ``set-identifier`` and provider-specific annotations: it is kept under those
    values, and without any (no source has an annotation) it is the empty properties.
    """
    config = index.config
    if route.empty and not config.inherit_gateway_annotations:  # the usual case
        return _NO_PROPERTIES
    if config.inherit_gateway_annotations:
        owners = memo_table(index, "owner_annotations")
        inherited = owners.get(parent.key)
        if inherited is None:
            inherited = remember(owners, parent.key, property_sources(route, parent, config)[1:])
        sources: tuple[Annotations, ...] = (route, *inherited)
    else:
        sources = (route,)
    if all(a.empty for a in sources):
        return _NO_PROPERTIES
    table = memo_table(index, "record_properties")
    key = (
        parent.label,
        *(
            (a.get("ttl"), a.get("set-identifier"), tuple(a.provider_specific().items()))
            for a in sources
        ),
    )
    found = table.get(key)
    if found is None:
        found = remember(table, key, record_properties(sources, parent.label))
    return found  # type: ignore[no-any-return]


def _safe(value: str) -> bool:
    """Annotation values copied into endpoints: printable ASCII, bounded (SPEC section 11)."""
    return len(value) <= MAX_VALUE and value.isascii() and value.isprintable()


def record_properties(
    sources: Sequence[Annotations], parent: str
) -> tuple[RecordProperties, tuple[Rejection, ...]]:
    """TTL, set identifier and provider-specific properties, each from the first source with it.

    Args:
        sources: the annotations to read, in precedence order (:func:`property_sources`).
        parent: the parent, for the rejections.

    Returns:
        The properties, and the values that were left out (``invalid-ttl``,
        ``invalid-annotation``).
    """
    found: list[Rejection] = []
    ttl = 0
    raw = next((value for a in sources if (value := a.get("ttl")) is not None), None)
    if raw is not None:
        parsed = parse_ttl(raw)
        if parsed is None:
            message = f"ttl {raw!r} is not a TTL (1..2147483647 seconds, or a duration like 10m)"
            found.append(Rejection("invalid-ttl", message, parent=parent))
        else:
            ttl = parsed
    set_id = next((v for a in sources if (v := a.get("set-identifier")) is not None), "")
    if set_id and not _safe(set_id):
        message = (
            f"set-identifier {set_id[:80]!r} must be printable ASCII of at most {MAX_VALUE} "
            "characters; ignored"
        )
        found.append(Rejection("invalid-annotation", message, parent=parent))
        set_id = ""
    props = next((ps for a in sources if (ps := a.provider_specific())), {})
    kept: list[tuple[str, str]] = []
    for name, value in sorted(props.items()):
        if _safe(value):
            kept.append((name, value))
            continue
        message = (
            f"provider-specific {name} value {value[:80]!r} must be printable ASCII of at most "
            f"{MAX_VALUE} characters; ignored"
        )
        found.append(Rejection("invalid-annotation", message, parent=parent))
    return RecordProperties(ttl, set_id, tuple(kept)), tuple(found)


#: (name, type, set identifier, TTL, provider-specific): one record set (endpoint).
_GroupKey = tuple[str, str, str, int, tuple[tuple[str, str], ...]]


def route_endpoints(
    labels: tuple[str, ...], published: Sequence[Published], held: Sequence[Row]
) -> list[Row]:
    """A route's endpoints, as rows: what it publishes through each parent, and what it holds.

    Args:
        labels: the route's labels (:func:`~gatewaydns._endpoint.route_labels`): one tuple,
            shared by its endpoints.
        published: what each parent gives, in parent order.
        held: previous endpoints kept through Gateways without an address (SPEC 9): each joins
            the live record set of its (name, type, set identifier), whose TTL and
            provider-specific properties win; otherwise it is kept as it was.

    Returns:
        The endpoints, sorted.
    """
    if len(published) == 1 and not held:  # the common case: one parent, nothing held
        return _one_parent(labels, published[0])
    return _endpoints(labels, published, held)


def _one_parent(labels: tuple[str, ...], item: Published) -> list[Row]:
    """:func:`route_endpoints` of one parent's records and nothing held.

    Each (name, type) is one record set (the properties are the parent's), its targets the
    parent's of that type; names are distinct, so sorting by (name, type) sorts the endpoints
    as :func:`~gatewaydns._endpoint.endpoint_sort_key` does. ``tests/test_compute_speed.py``
    checks this equals :func:`_endpoints`.
    """
    props = item.properties
    set_id, ttl, ps = props.set_identifier, props.ttl, props.provider_specific
    return [
        (name, rtype, set_id, ttl, targets, ps, labels)
        for name in (sorted(item.names) if len(item.names) > 1 else item.names)
        for rtype, targets in item.by_type
    ]


def _endpoints(
    labels: tuple[str, ...], published: Sequence[Published], held: Sequence[Row]
) -> list[Row]:
    """:func:`route_endpoints`, whatever the parents and held endpoints."""
    groups: dict[_GroupKey, list[str]] = {}
    for item in published:
        props = item.properties
        for name in item.names:
            for target in item.targets:
                key = (name, record_type(target), props.set_identifier, props.ttl)
                bucket = groups.setdefault((*key, props.provider_specific), [])
                if target not in bucket:
                    bucket.append(target)
    for row in sorted(held):
        record = (comparable_name(row[NAME]), row[TYPE], row[SET_ID])
        live = next((k for k in groups if k[:3] == record), None)
        bucket = groups.setdefault(live or (*record, row[TTL], row[SPECIFIC]), [])
        bucket.extend(t for t in row[TARGETS] if t not in bucket)
    # the labels are the same for all: sorting the rest sorts the rows
    return sorted(
        (name, rtype, set_id, ttl, tuple(sorted(targets)), ps, labels)
        for (name, rtype, set_id, ttl, ps), targets in groups.items()
    )


def post_process(
    endpoints: Sequence[Row], target_filter: TargetNetFilter, min_ttl: int
) -> tuple[list[Row], tuple[Rejection, ...]]:
    """Apply the target filters and ``min_ttl`` to a route's endpoints (rows).

    As external-dns applies them to its sources' endpoints (``targetFilterSource``, then the
    post-processor's ``WithMinTTL``). An endpoint left without targets is dropped.
    """
    out: list[Row] = []
    found: list[Rejection] = []
    for row in endpoints:
        name, rtype, set_id, ttl, targets, ps, labels = row
        if target_filter.enabled:
            kept = tuple(t for t in targets if target_filter.admits(t))
            if not kept:
                message = (
                    f"{rtype} {name} is dropped: none of its targets "
                    f"({', '.join(targets)}) passes {target_filter.describe()}"
                    + (" (a host name lies in no network)" if rtype == "CNAME" else "")
                )
                found.append(Rejection("target-filtered", message, hostname=name))
                continue
            targets = kept
        if min_ttl and not ttl:
            ttl = min_ttl
        out.append((name, rtype, set_id, ttl, targets, ps, labels))
    return out, tuple(found)
