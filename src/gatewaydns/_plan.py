"""plan: the pure difference between desired endpoints and a DNS zone, with TXT ownership.

Ownership follows external-dns's TXT registry (new format only, as ``--txt-new-format-only``), so
a zone can be shared with external-dns instances:

* every record we manage has a TXT record named after it: the lower-case record type and ``-``
  prefixed to the first label (``a-www.example.com``, ``cname-www.example.com``), with optional
  ``txt_prefix`` / ``txt_suffix`` around the first label (``%{record_type}`` in an affix replaces
  the automatic type prefix) and ``txt_wildcard_replacement`` for a leading ``*``;
* its value is ``"heritage=external-dns,external-dns/owner=<owner_id>,external-dns/resource=..."``.

Rules:

* a record without our ownership TXT is never updated or deleted;
* a record is created on a name only when every managed record already there is ours (otherwise a
  ``not-owned`` diagnostic names who holds it), and never over a foreign TXT at our TXT name;
* an owned record is updated when its targets, its TTL (when the desired TTL is set) or its
  provider-specific properties differ; its TXT follows (created, updated, deleted with it);
* ``sync`` creates, updates and deletes; ``upsert-only`` never deletes; ``create-only`` only
  creates;
* the deletion guard refuses a plan that deletes more than ``max_delete_fraction`` of the owned
  records when that is more than ``max_delete_count`` records, unless ``force=True``;
* ``create`` lists ownership TXTs before their records and ``delete`` after them, so a provider
  that applies in order and fails half-way never leaves a record without its ownership; an
  orphaned TXT of ours (its record gone) is deleted under ``sync``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal, TypeAlias

from pydantic import BaseModel, ConfigDict, Field

from gatewaydns._diagnostics import Diagnostic, make_diagnostic
from gatewaydns._endpoint import Endpoint, endpoint_sort_key
from gatewaydns._errors import ConfigError, GatewayDNSError
from gatewaydns._routes import ROUTE_KINDS

__all__ = [
    "Changes",
    "DeletionGuardError",
    "DomainFilter",
    "PlanPolicy",
    "TXTRegistry",
    "plan",
]

#: What a plan may do: ``sync`` (everything), ``upsert-only`` (no deletes), ``create-only``.
PlanPolicy: TypeAlias = Literal["sync", "upsert-only", "create-only"]

_HERITAGE = "external-dns"
_KINDS_BY_LOWER = {k.lower(): k for k in ROUTE_KINDS}


class DeletionGuardError(GatewayDNSError):
    """A plan would delete too many owned records; pass ``force=True`` to apply it anyway.

    Attributes:
        deletes: how many owned records the plan deletes.
        owned: how many owned records the zone holds.
    """

    def __init__(self, deletes: int, owned: int, fraction: float, count: int) -> None:
        self.deletes = deletes
        self.owned = owned
        super().__init__(
            f"refusing to delete {deletes} of {owned} owned records (more than "
            f"{fraction:.0%} and more than {count}): an empty or half-synced snapshot must not "
            "wipe a zone. Check the input; pass force=True to apply anyway."
        )


class Changes(BaseModel):
    """What to change in a zone, in external-dns's webhook JSON shape.

    ``changes.model_dump(mode="json", by_alias=True, exclude_defaults=True)`` gives
    ``{"create": [...], "updateOld": [...], "updateNew": [...], "delete": [...]}``;
    ``update_old[i]`` is replaced by ``update_new[i]``. ``diagnostics`` (not serialised) says
    what the planner refused to touch and why.
    """

    model_config = ConfigDict(frozen=True, validate_by_alias=True, validate_by_name=True)

    create: tuple[Endpoint, ...] = ()
    update_old: tuple[Endpoint, ...] = Field((), alias="updateOld")
    update_new: tuple[Endpoint, ...] = Field((), alias="updateNew")
    delete: tuple[Endpoint, ...] = ()
    diagnostics: tuple[Diagnostic, ...] = Field((), exclude=True)

    def is_empty(self) -> bool:
        """Whether there is nothing to change."""
        return not (self.create or self.update_old or self.update_new or self.delete)

    def to_json(self) -> dict[str, Any]:
        """The webhook JSON object (every key present, endpoints in external-dns JSON)."""
        return {
            "create": [e.to_json() for e in self.create],
            "updateOld": [e.to_json() for e in self.update_old],
            "updateNew": [e.to_json() for e in self.update_new],
            "delete": [e.to_json() for e in self.delete],
        }

    def __len__(self) -> int:
        return len(self.create) + len(self.update_new) + len(self.delete)


@dataclass(frozen=True)
class DomainFilter:
    """Which DNS names a plan may touch.

    A name may be touched when it is inside an ``include`` zone (any, when there are none) and
    not inside an ``exclude`` zone; it is inside a zone when it is the zone or ends with ``.zone``.
    """

    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()

    def matches(self, name: str) -> bool:
        """Whether ``name`` may be touched."""

        def inside(zone: str) -> bool:
            zone = zone.lower().rstrip(".")
            return name == zone or name.endswith("." + zone)

        name = name.lower().rstrip(".")
        if self.include and not any(inside(z) for z in self.include):
            return False
        return not any(inside(z) for z in self.exclude)


@dataclass(frozen=True)
class TXTRegistry:
    """Names and values of external-dns TXT ownership records.

    Args:
        owner_id: this instance's owner ID.
        prefix: ``--txt-prefix`` (may contain ``%{record_type}``).
        suffix: ``--txt-suffix`` (may contain ``%{record_type}``).
        wildcard_replacement: ``--txt-wildcard-replacement``.
    """

    owner_id: str
    prefix: str = ""
    suffix: str = ""
    wildcard_replacement: str = ""

    def txt_name(self, dns_name: str, record_type: str) -> str:
        """The TXT record name that records ownership of ``(dns_name, record_type)``.

        Example:
            >>> TXTRegistry("me").txt_name("www.example.com", "CNAME")
            'cname-www.example.com'
            >>> TXTRegistry("me", prefix="%{record_type}-_dns.").txt_name("example.com", "A")
            'a-_dns.example.com'
        """
        rtype = record_type.lower()
        first, dot, rest = dns_name.partition(".")
        if self.wildcard_replacement and first == "*":
            first = self.wildcard_replacement
        templated = "%{record_type}" in self.prefix or "%{record_type}" in self.suffix
        if not templated:
            first = f"{rtype}-{first}"
        prefix = self.prefix.replace("%{record_type}", rtype)
        suffix = self.suffix.replace("%{record_type}", rtype)
        return f"{prefix}{first}{suffix}{dot}{rest}"

    def txt_value(self, resource: str) -> str:
        """The quoted TXT value recording our ownership."""
        value = f"heritage={_HERITAGE},external-dns/owner={self.owner_id}"
        if resource:
            value += f",external-dns/resource={resource}"
        return f'"{value}"'

    def txt_record(self, record: Endpoint) -> Endpoint:
        """The ownership TXT endpoint of a record."""
        return Endpoint(
            dns_name=self.txt_name(record.dns_name, record.record_type),
            targets=(self.txt_value(record.labels.get("resource", "")),),
            record_type="TXT",
            set_identifier=record.set_identifier,
            record_ttl=record.record_ttl,
        )


def parse_txt_labels(value: str) -> dict[str, str] | None:
    """Parse a TXT ownership value; ``None`` when it is not an external-dns heritage record."""
    text = value.strip()
    if len(text) >= 2 and text[0] == text[-1] == '"':
        text = text[1:-1]
    labels: dict[str, str] = {}
    for item in text.split(","):
        key, sep, val = item.partition("=")
        if not sep:
            return None
        labels[key.strip()] = val.strip()
    if labels.get("heritage") != _HERITAGE:
        return None
    return {k.removeprefix("external-dns/"): v for k, v in labels.items() if k != "heritage"}


def _rkey(ep: Endpoint) -> tuple[str, str, str]:
    return (ep.dns_name, ep.record_type, ep.set_identifier)


def _differs(have: Endpoint, want: Endpoint) -> bool:
    if sorted(have.targets) != sorted(want.targets):
        return True
    if want.record_ttl and want.record_ttl != have.record_ttl:
        return True
    ps = {(p.name, p.value) for p in want.provider_specific}
    return ps != {(p.name, p.value) for p in have.provider_specific}


def _diag(ep: Endpoint, message: str) -> Diagnostic:
    resource = ep.labels.get("resource", "")
    kind, _, rest = resource.partition("/")
    namespace, _, name = rest.partition("/")
    if not name:
        return make_diagnostic(
            "not-owned", "DNSRecord", "", ep.dns_name, message, hostname=ep.dns_name
        )
    return make_diagnostic(
        "not-owned", _KINDS_BY_LOWER.get(kind, kind), namespace, name, message, hostname=ep.dns_name
    )


def plan(
    desired: Iterable[Endpoint],
    current: Iterable[Endpoint],
    *,
    owner_id: str,
    policy: PlanPolicy = "sync",
    txt_prefix: str = "",
    txt_suffix: str = "",
    txt_wildcard_replacement: str = "",
    domain_filter: DomainFilter | Sequence[str] = (),
    managed_record_types: Sequence[str] = ("A", "AAAA", "CNAME"),
    max_delete_fraction: float = 0.5,
    max_delete_count: int = 10,
    force: bool = False,
) -> Changes:
    """Plan the changes that make a zone hold the desired endpoints, touching only what we own.

    Args:
        desired: the endpoints to publish (``compute_endpoints(...).endpoints``).
        current: every record of the zone(s), TXT records included (``provider.records()``).
        owner_id: this instance's owner ID (external-dns ``--txt-owner-id``).
        policy: ``sync``, ``upsert-only`` or ``create-only``.
        txt_prefix: prefix of the first label of TXT names (may hold ``%{record_type}``).
        txt_suffix: suffix of the first label of TXT names (may hold ``%{record_type}``).
        txt_wildcard_replacement: replaces a leading ``*`` label in TXT names.
        domain_filter: a ``DomainFilter``, or zones to include.
        managed_record_types: record types this plan manages.
        max_delete_fraction: deletion guard: the largest share of owned records one plan deletes.
        max_delete_count: deletion guard: deletions up to this count are always allowed.
        force: apply the plan even when the deletion guard objects.

    Returns:
        The changes, each list sorted; ``diagnostics`` say what was left alone and why.

    Raises:
        DeletionGuardError: the plan deletes too much and ``force`` is false.
        ConfigError: an empty owner ID or an unknown policy.
    """
    if not owner_id:
        msg = "owner_id must not be empty"
        raise ConfigError(msg)
    if policy not in ("sync", "upsert-only", "create-only"):
        msg = f"policy {policy!r} is not one of sync, upsert-only, create-only"
        raise ConfigError(msg)
    if not isinstance(domain_filter, DomainFilter):
        domain_filter = DomainFilter(tuple(domain_filter))
    managed = {t.upper() for t in managed_record_types}
    registry = TXTRegistry(owner_id, txt_prefix, txt_suffix, txt_wildcard_replacement)

    txts: dict[tuple[str, str], Endpoint] = {}
    records: dict[tuple[str, str, str], Endpoint] = {}
    by_name: dict[str, list[Endpoint]] = {}
    all_records: set[tuple[str, str, str]] = set()
    for ep in current:
        if ep.record_type != "TXT":
            all_records.add(_rkey(ep))
        if ep.record_type == "TXT":
            txts[(ep.dns_name, ep.set_identifier)] = ep
        elif ep.record_type in managed and domain_filter.matches(ep.dns_name):
            records[_rkey(ep)] = ep
            by_name.setdefault(ep.dns_name, []).append(ep)

    def owner_of(ep: Endpoint) -> dict[str, str] | None:
        txt = txts.get((registry.txt_name(ep.dns_name, ep.record_type), ep.set_identifier))
        if txt is None:
            return None
        for target in txt.targets:
            labels = parse_txt_labels(target)
            if labels is not None:
                return labels
        return {}

    def ours(ep: Endpoint) -> bool:
        labels = owner_of(ep)
        return labels is not None and labels.get("owner") == owner_id

    create: list[Endpoint] = []
    update_old: list[Endpoint] = []
    update_new: list[Endpoint] = []
    delete: list[Endpoint] = []
    diagnostics: list[Diagnostic] = []
    wanted: set[tuple[str, str, str]] = set()

    for want in sorted(desired, key=endpoint_sort_key):
        if want.record_type not in managed or not domain_filter.matches(want.dns_name):
            continue
        key = _rkey(want)
        wanted.add(key)
        have = records.get(key)
        if have is not None:
            if not ours(have):
                labels = owner_of(have)
                holder = (labels or {}).get("owner") or "nobody (no ownership record)"
                msg = f"{want.record_type} {want.dns_name} is held by {holder}; left alone"
                diagnostics.append(_diag(want, msg))
                continue
            if policy != "create-only":
                txt_key = (registry.txt_name(have.dns_name, have.record_type), have.set_identifier)
                old_txt = txts.get(txt_key)
                new_txt = registry.txt_record(want)
                if _differs(have, want):
                    update_old.append(have)
                    update_new.append(want)
                if old_txt is not None and (
                    sorted(old_txt.targets) != sorted(new_txt.targets)
                    or (want.record_ttl and old_txt.record_ttl != want.record_ttl)
                ):
                    update_old.append(old_txt)
                    update_new.append(new_txt)
            continue
        # create only when every managed record on the name, and the TXT at our TXT name, is ours
        holders = {
            (owner_of(ep) or {}).get("owner") or "nobody (no ownership record)": ep.record_type
            for ep in by_name.get(want.dns_name, [])
            if not ours(ep)
        }
        txt_here = txts.get(
            (registry.txt_name(want.dns_name, want.record_type), want.set_identifier)
        )
        if txt_here is not None and not ours(want):
            holders[(owner_of(want) or {}).get("owner") or "a foreign TXT record"] = "TXT"
        if holders:
            held = ", ".join(f"{rtype} by {who}" for who, rtype in sorted(holders.items()))
            diagnostics.append(_diag(want, f"{want.dns_name} is taken ({held}); not created"))
            continue
        create.append(want)
        if txt_here is None:
            create.append(registry.txt_record(want))
        elif sorted(txt_here.targets) != sorted(registry.txt_record(want).targets):
            update_old.append(txt_here)
            update_new.append(registry.txt_record(want))

    if policy == "sync":
        # our ownership records whose record is gone (a partial apply, a manual delete) and not
        # about to be created: remove them so they do not linger
        in_use = {(registry.txt_name(n, t), sid) for n, t, sid in all_records}
        in_use |= {(registry.txt_name(n, t), sid) for n, t, sid in wanted}
        for where, record in txts.items():
            if where in in_use or not domain_filter.matches(record.dns_name):
                continue
            found = (parse_txt_labels(t) for t in record.targets)
            labels = next((x for x in found if x is not None), None)
            if labels is not None and labels.get("owner") == owner_id:
                delete.append(record)
        owned = [ep for ep in records.values() if ours(ep)]
        for ep in owned:
            if _rkey(ep) in wanted:
                continue
            delete.append(ep)
            txt = txts.get((registry.txt_name(ep.dns_name, ep.record_type), ep.set_identifier))
            if txt is not None:
                delete.append(txt)
        deletes = sum(1 for ep in delete if ep.record_type != "TXT")
        if not force and deletes > max_delete_count and deletes > max_delete_fraction * len(owned):
            raise DeletionGuardError(deletes, len(owned), max_delete_fraction, max_delete_count)

    # Ownership first in, last out: a provider that applies in order and fails half-way leaves
    # at worst an orphaned TXT of ours (removed next round), never a record without its TXT,
    # which nothing could update or delete any more.
    return Changes(
        create=tuple(sorted(create, key=lambda e: (e.record_type != "TXT", endpoint_sort_key(e)))),
        update_old=tuple(update_old),
        update_new=tuple(update_new),
        delete=tuple(sorted(delete, key=lambda e: (e.record_type == "TXT", endpoint_sort_key(e)))),
        diagnostics=tuple(diagnostics),
    )
