"""plan: the pure difference between desired endpoints and a DNS zone, with TXT ownership.

Theory of operation
-------------------

A zone is shared with people and other controllers. ``plan`` changes only what the TXT
registry (:mod:`gatewaydns._registry`) says is ours, and it groups every change into units
(:class:`ChangeUnit`): a record set together with its ownership TXT. A provider applies a unit
all or nothing (for RFC 2136: one UPDATE message), so no record of ours ever exists without its
TXT, whatever fails in between (SPEC section 13, invariant 1).

Before anything is planned, each desired endpoint is checked against what a provider would
refuse (:func:`publish_problem`): a name or a TXT name that is not a valid DNS name, outside the
zones or the domain filter, in another zone than its record, a set identifier the provider
cannot store, a TXT value the provider cannot store, a label value that could forge ownership.
Such an endpoint is left out with an ``unpublishable`` diagnostic; the rest goes ahead
(invariant 3). Then DNS's own coexistence rules: a CNAME shares its name with nothing, so a
CNAME is not planned next to other records (desired or present), nor at a name that is the
ownership TXT name of a record, and a record whose TXT name holds a CNAME is not planned.

Ownership of a record (name, type, set identifier) is read from the TXT at its TXT name:

* every value a claim of ours: **ours** — it may be updated and deleted;
* claims of one other owner: **foreign**; claims of two or more owners: **contested**, nobody's
  (refused and reported, never decided by sort order); any value that is not a claim: foreign
  text; no TXT: **unowned**.

Values are decrypted first when the registry has a key, and ``migrate_from_owner_id`` reads as
ours. Under a wildcard replacement, records at two names read one TXT (``*.example.com`` and
``any.example.com``); the plan never creates the second, and when someone else did, the TXT
cannot say which record it guards: a claim of ours there is **shared**, nobody's, until one of
the two is gone.

A record with no TXT at its TXT name (and not an AAAA) is read from external-dns's old format
instead, the TXT at ``<prefix><name><suffix>`` (external-dns before v0.12), as
external-dns reads it; other texts in that TXT (SPF at a host name) are ignored. Such a record
is *adopted*: a unit creates its new-format TXT next to the old one, relying on the old one
(``require``), and updates the record only if it differs. Old-format TXTs are never changed.

A record is created only when every managed record already on the name is ours (an owned record
of the other kind — CNAME versus A/AAAA — is replaced in the same unit) and the TXT name is free
or ours. ``sync`` also deletes owned records nobody wants, and ownership TXTs of ours that this
registry would write for a record that no longer exists (never a TXT in another format or of
another owner). The deletion guard counts every such deletion; when it objects, the deletions
are *withheld* (``Changes.withheld``) and creates and updates still apply (invariant 5).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Literal, TypeAlias

from pydantic import BaseModel, ConfigDict, Field, model_validator

from gatewaydns._diagnostics import Diagnostic, ReasonCode, make_diagnostic
from gatewaydns._dnsname import in_domain, name_problem, normalize_name, zone_of
from gatewaydns._domainfilter import DomainFilter
from gatewaydns._endpoint import Endpoint, RecordKey, endpoint_sort_key
from gatewaydns._errors import ConfigError
from gatewaydns._registry import TXTRegistry, label_value_problem, txt_text
from gatewaydns._routes import RouteKey

__all__ = [
    "ChangeUnit",
    "Changes",
    "PlanOptions",
    "PlanPolicy",
    "ProviderCapabilities",
    "normalize_endpoint",
    "owned_by_route",
    "plan",
    "publish_problem",
    "read_claim",
]

#: What a plan may do: ``sync`` (everything), ``upsert-only`` (no deletes), ``create-only``.
PlanPolicy: TypeAlias = Literal["sync", "upsert-only", "create-only"]

#: The longest character-string of a TXT record (RFC 1035 §3.3).
_MAX_TXT_STRING = 255


@dataclass(frozen=True)
class ProviderCapabilities:
    """What a provider can store, so that ``plan`` leaves out what it would refuse.

    Attributes:
        set_identifiers: whether records may carry a set identifier (routing policies; plain
            DNS has none).
        split_long_txt: whether the provider splits a TXT value over 255 octets into several
            character-strings; when not, such a value is not planned.
        max_records_per_set: the most records (targets) one record set may hold (BIND 9
            refuses more than 100 of one type at a name by default); ``None``: no limit.
    """

    set_identifiers: bool = True
    split_long_txt: bool = True
    max_records_per_set: int | None = None


class ChangeUnit(BaseModel):
    """Changes a provider must apply all or nothing: a record set and its ownership TXT.

    ``update_old[i]`` is replaced by ``update_new[i]``. Within a unit, ``create`` lists the
    ownership TXT before its record and ``delete`` after it, so a provider that cannot apply a
    unit atomically and fails half-way leaves at worst a TXT of ours without its record (which
    the next plan removes), never a record without its TXT.

    ``require`` lists record sets the unit does not change but relies on, exactly as they were
    read: the ownership TXT of a record that is updated or created next to an existing TXT. A
    provider that can make an update conditional (RFC 2136 prerequisites) refuses the unit when
    one of them changed meanwhile, as it does when a record in ``delete`` or ``update_old``
    changed; ``to_json`` (the webhook shape) leaves it out.
    """

    model_config = ConfigDict(frozen=True, validate_by_alias=True, validate_by_name=True)

    create: tuple[Endpoint, ...] = ()
    update_old: tuple[Endpoint, ...] = Field((), alias="updateOld")
    update_new: tuple[Endpoint, ...] = Field((), alias="updateNew")
    delete: tuple[Endpoint, ...] = ()
    require: tuple[Endpoint, ...] = ()

    @model_validator(mode="after")
    def _paired(self) -> ChangeUnit:
        if len(self.update_old) != len(self.update_new):
            msg = "updateOld and updateNew must have the same length"
            raise ValueError(msg)
        return self

    def endpoints(self) -> Iterator[Endpoint]:
        """Every endpoint the unit names (deleted, replaced, new, created)."""
        yield from self.delete
        yield from self.update_old
        yield from self.update_new
        yield from self.create

    def to_json(self) -> dict[str, Any]:
        """The webhook JSON object of this unit."""
        return _webhook_json(self)

    def __len__(self) -> int:
        return len(self.create) + len(self.update_new) + len(self.delete)


_FLAT_KEYS = ("create", "update_old", "update_new", "delete", "updateOld", "updateNew")


def _webhook_json(changes: ChangeUnit | Changes) -> dict[str, Any]:
    """External-dns's webhook ``Changes`` object: every key present, endpoints as JSON."""
    return {
        "create": [e.to_json() for e in changes.create],
        "updateOld": [e.to_json() for e in changes.update_old],
        "updateNew": [e.to_json() for e in changes.update_new],
        "delete": [e.to_json() for e in changes.delete],
    }


class Changes(BaseModel):
    """What to change in a zone: atomic units (:class:`ChangeUnit`), in the order to apply them.

    ``create``, ``update_old``, ``update_new`` and ``delete`` are the units' lists concatenated;
    :meth:`to_json` gives external-dns's webhook shape
    ``{"create": [...], "updateOld": [...], "updateNew": [...], "delete": [...]}``.
    ``Changes(create=..., delete=...)`` and ``Changes.model_validate`` of that JSON build one
    unit holding everything (all or nothing), since flat lists do not say what belongs together.

    Attributes:
        units: the atomic units.
        diagnostics: what the planner refused to touch and why (not serialised).
        withheld: deletions the deletion guard held back (not serialised).
    """

    model_config = ConfigDict(frozen=True, validate_by_alias=True, validate_by_name=True)

    units: tuple[ChangeUnit, ...] = ()
    diagnostics: tuple[Diagnostic, ...] = Field((), exclude=True)
    withheld: tuple[ChangeUnit, ...] = Field((), exclude=True)

    if (
        TYPE_CHECKING
    ):  # the flat lists are accepted too (the before-validator turns them into a unit)

        def __init__(
            self,
            *,
            units: Iterable[ChangeUnit] = (),
            create: Iterable[Endpoint] = (),
            update_old: Iterable[Endpoint] = (),
            update_new: Iterable[Endpoint] = (),
            delete: Iterable[Endpoint] = (),
            diagnostics: Iterable[Diagnostic] = (),
            withheld: Iterable[ChangeUnit] = (),
        ) -> None: ...

    @model_validator(mode="before")
    @classmethod
    def _from_flat(cls, data: Any) -> Any:
        if isinstance(data, dict) and any(k in data for k in _FLAT_KEYS):
            data = dict(data)
            flat = {k: data.pop(k) for k in _FLAT_KEYS if k in data}
            if any(flat.values()):
                data["units"] = (*data.get("units", ()), flat)
        return data

    @property
    def create(self) -> tuple[Endpoint, ...]:
        """Every endpoint to create."""
        return tuple(e for u in self.units for e in u.create)

    @property
    def update_old(self) -> tuple[Endpoint, ...]:
        """Every endpoint to replace (paired with ``update_new``)."""
        return tuple(e for u in self.units for e in u.update_old)

    @property
    def update_new(self) -> tuple[Endpoint, ...]:
        """Every replacement (paired with ``update_old``)."""
        return tuple(e for u in self.units for e in u.update_new)

    @property
    def delete(self) -> tuple[Endpoint, ...]:
        """Every endpoint to delete."""
        return tuple(e for u in self.units for e in u.delete)

    def is_empty(self) -> bool:
        """Whether there is nothing to change."""
        return not any(len(u) for u in self.units)

    def to_json(self) -> dict[str, Any]:
        """The webhook JSON object (every key present, endpoints in external-dns JSON)."""
        return _webhook_json(self)

    def __len__(self) -> int:
        return sum(len(u) for u in self.units)


# --- reading the zone ---------------------------------------------------------------------------
def normalize_endpoint(ep: Endpoint) -> Endpoint:
    """``ep`` with its name, type (and CNAME targets, IP addresses) in canonical form."""
    name, rtype, _sid = ep.key
    targets = ep.targets
    if rtype == "CNAME":
        targets = tuple(sorted({normalize_name(t) for t in targets}))
    elif rtype in ("A", "AAAA"):
        targets = tuple(sorted({_canonical_ip(t) for t in targets}))
    if name == ep.dns_name and rtype == ep.record_type and targets == ep.targets:
        return ep
    return ep.model_copy(update={"dns_name": name, "record_type": rtype, "targets": targets})


@lru_cache(maxsize=65536)
def _canonical_ip(value: str) -> str:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return value


ClaimState: TypeAlias = Literal["ours", "foreign", "contested", "shared", "foreign-text", "unowned"]


@dataclass(frozen=True)
class _Claim:
    state: ClaimState
    owners: tuple[str, ...] = ()
    txt: Endpoint | None = None  # the new-format TXT
    resource: str = ""
    legacy: Endpoint | None = None  # the old-format TXT the claim rests on (no new-format TXT)
    shared_with: tuple[str, ...] = ()  # "shared": the other names whose records read the TXT

    def holder(self) -> str:
        if self.state == "unowned":
            return "nobody (no ownership record)"
        if self.state == "contested":
            return "several owners (" + ", ".join(self.owners) + ")"
        if self.state == "shared":
            txt, kind = (self.txt, "") if self.txt is not None else (self.legacy, "old-format ")
            name = "" if txt is None else f" {txt.dns_name}"
            return (
                f"nobody (its {kind}ownership TXT{name} also speaks for the record at "
                f"{', '.join(self.shared_with)}, and cannot say which of them it guards)"
            )
        if self.state == "foreign-text":
            return "a TXT record that is not an ownership record"
        return self.owners[0] if self.owners else "nobody"


def read_claim(txt: Endpoint | None, registry: TXTRegistry, *, legacy: bool = False) -> _Claim:
    """Who a TXT record set says owns its record.

    Values are decrypted when they can be, and ``migrate_from_owner_id`` counts as ours. For an
    old-format TXT (``legacy``: at a host name, where SPF or verification texts live too), text
    that is not an ownership value is ignored; in a new-format TXT it makes the record foreign.
    """
    if txt is None:
        return _Claim("unowned")
    owners: set[str] = set()
    foreign_text = False
    resource = ""
    for target in txt.targets:
        labels = registry.read_labels(target)
        if labels is None:
            foreign_text = True
            continue
        owners.add(registry.owner_of(labels))
        resource = resource or labels.get("resource", "")
    if legacy:
        if not owners:
            return _Claim("unowned")
        foreign_text = False
    if len(owners) > 1:
        return _Claim("contested", tuple(sorted(owners)), txt)
    if foreign_text:
        return _Claim("foreign-text", tuple(owners), txt)
    if owners == {registry.owner_id}:
        return _Claim("ours", (registry.owner_id,), txt, resource)
    return _Claim("foreign", tuple(owners), txt, resource)


class _Zone:
    """The current records, normalised, with their ownership."""

    def __init__(
        self,
        current: Iterable[Endpoint],
        registry: TXTRegistry,
        managed: frozenset[str],
        flt: DomainFilter,
    ) -> None:
        self.registry = registry
        merged: dict[RecordKey, Endpoint] = {}
        for raw in current:
            ep = normalize_endpoint(raw)
            have = merged.get(ep.key)
            if have is not None:  # "Shop.example.com" and "shop.example.com": one record set
                targets = tuple(sorted({*have.targets, *ep.targets}))
                ttl = min(have.record_ttl, ep.record_ttl)  # whatever order they came in
                ep = have.model_copy(update={"targets": targets, "record_ttl": ttl})
            merged[ep.key] = ep
        self.all = merged
        self.txts = {(k[0], k[2]): ep for k, ep in merged.items() if k[1] == "TXT"}
        self.types_at: dict[str, set[str]] = {}
        for name, rtype, _sid in merged:
            self.types_at.setdefault(name, set()).add(rtype)
        self.records = {k: ep for k, ep in merged.items() if k[1] in managed and flt.matches(k[0])}
        self.by_name: dict[str, list[Endpoint]] = {}
        for ep in self.records.values():
            self.by_name.setdefault(ep.dns_name, []).append(ep)
        self.readers = self._readers(managed)

    def _readers(self, managed: frozenset[str]) -> dict[tuple[str, str], frozenset[str]]:
        """(TXT name, set identifier) -> names of the records reading it, where there are several.

        Only a wildcard replacement makes two names read one TXT: ``*.example.com`` and
        ``any.example.com`` (replacement ``any``) share their new-format TXT of each type and
        their old-format TXT. Without one, a TXT name determines its record's name.
        """
        reg = self.registry
        if not reg.wildcard_replacement:
            return {}
        readers: dict[tuple[str, str], set[str]] = {}
        for name, rtype, sid in self.all:
            if rtype not in managed:
                continue
            readers.setdefault((reg.txt_name(name, rtype), sid), set()).add(name)
            legacy_name = None if rtype == "AAAA" else reg.legacy_txt_name(name)
            if legacy_name is not None:
                readers.setdefault((legacy_name, sid), set()).add(name)
        return {slot: frozenset(names) for slot, names in readers.items() if len(names) > 1}

    def txt_at(self, name: str, rtype: str, sid: str) -> Endpoint | None:
        return self.txts.get((self.registry.txt_name(name, rtype), sid))

    def claim(self, name: str, rtype: str, sid: str, *, legacy: bool = True) -> _Claim:
        """Who owns record (name, type, set identifier).

        The new-format TXT decides; without one, the old-format TXT (not for AAAA, as
        external-dns reads it) when ``legacy``. A claim of ours in a TXT that records at another
        name read too (a wildcard replacement: ``*.example.com`` and ``any.example.com``) is
        nobody's while both are there (``shared``): the TXT cannot say which record it guards,
        and one of them is someone else's (gatewaydns never creates the second one).
        """
        txt_name = self.registry.txt_name(name, rtype)
        claim = read_claim(self.txts.get((txt_name, sid)), self.registry)
        if claim.state != "unowned" or not legacy or rtype == "AAAA":
            return self._unshared(claim, name, (txt_name, sid))
        legacy_name = self.registry.legacy_txt_name(name)
        old = None if legacy_name is None else self.txts.get((legacy_name, sid))
        old_claim = read_claim(old, self.registry, legacy=True)
        if old_claim.state == "unowned":
            return claim
        return self._unshared(
            replace(old_claim, txt=None, legacy=old), name, (str(legacy_name), sid)
        )

    def _unshared(self, claim: _Claim, name: str, slot: tuple[str, str]) -> _Claim:
        """``claim``, or nobody's when records at other names read its TXT too."""
        readers = self.readers.get(slot)
        if claim.state != "ours" or readers is None or name not in readers:
            return claim
        others = tuple(sorted(readers - {name}))
        return replace(claim, state="shared", shared_with=others)


def owned_by_route(
    current: Iterable[Endpoint], options: PlanOptions
) -> dict[str, tuple[Endpoint, ...]]:
    """Route key -> the records of ours the zone holds for that route.

    Every ownership TXT names the route that wanted its record (``external-dns/resource=
    httproute/ns/name``), so the zone remembers what a restarted process has forgotten: this is
    ``previous`` for the first round of a process without a ``Result`` (SPEC 9). Records whose TXT
    names no resource are left out; a record several routes want belongs to the one its TXT
    names. The endpoints carry no TTL (``record_ttl`` 0, so a plan keeps the zone's): the zone
    cannot say whether a TTL was the route's or the provider's default, and a held endpoint with
    the default TTL would conflict with another route's endpoint at the same name that has none
    (SPEC 8), so that one of the two target sets would be dropped.

    Args:
        current: every record of the zone(s) (``provider.records()``).
        options: the registry, managed types and domain filter that say what is ours.

    Returns:
        Route key -> its endpoints (``resource`` label set), sorted; keys sorted.
    """
    zone = _Zone(
        current,
        options.registry,
        options.managed_types,
        options.domain_filter or DomainFilter(),
    )
    out: dict[str, list[Endpoint]] = {}
    for key, ep in zone.records.items():
        claim = zone.claim(*key)
        if claim.state == "ours" and claim.resource:
            update = {"labels": {"resource": claim.resource}, "record_ttl": 0}
            out.setdefault(claim.resource, []).append(ep.model_copy(update=update))
    return {k: tuple(sorted(v, key=endpoint_sort_key)) for k, v in sorted(out.items())}


# --- what a provider would refuse -------------------------------------------------------------
def publish_problem(
    ep: Endpoint,
    registry: TXTRegistry,
    *,
    zones: Sequence[str] = (),
    domain_filter: DomainFilter | None = None,
    capabilities: ProviderCapabilities | None = None,
    delegations: Collection[str] = (),
) -> str | None:
    """Why ``ep`` and its ownership TXT cannot be published; ``None`` when they can.

    Args:
        ep: the desired endpoint (normalised).
        registry: the TXT registry (names the ownership TXT).
        zones: the provider's zones (``()``: any name).
        domain_filter: names the plan may touch.
        capabilities: what the provider can store.
        delegations: names inside the zones that are delegated away (an NS record below a
            zone's apex): what is written at or below them is never served.

    Returns:
        A human-readable reason, or ``None``.
    """
    caps = capabilities or ProviderCapabilities()
    problem = name_problem(ep.dns_name, host=ep.record_type in ("A", "AAAA"))
    if problem is not None:
        return f"{ep.dns_name} is not a valid DNS name: {problem}"
    txt_name = registry.txt_name(ep.dns_name, ep.record_type)
    problem = name_problem(txt_name)
    if problem is not None:
        return f"its ownership TXT name {txt_name} is not a valid DNS name: {problem}"
    if zones:
        zone = zone_of(ep.dns_name, zones)
        if zone is None:
            return f"{ep.dns_name} is in none of the zones {', '.join(zones)}"
        if zone_of(txt_name, zones) != zone:
            return f"its ownership TXT name {txt_name} is not in its zone {zone}"
    if domain_filter is not None and not domain_filter.matches(txt_name):
        return f"its ownership TXT name {txt_name} is outside the domain filter"
    for name in (ep.dns_name, txt_name):
        cut = next((d for d in delegations if in_domain(name, d)), None)
        if cut is not None:
            return f"{name} is at or below the delegation {cut}: the server would never serve it"
    if ep.set_identifier and not caps.set_identifiers:
        return f"the provider cannot store set identifier {ep.set_identifier!r}"
    resource = ep.labels.get("resource", "")
    problem = label_value_problem(resource)
    if problem is not None:
        return f"its resource label {resource!r} {problem}"
    value = txt_text(registry.txt_value(resource, txt_name))
    if len(value.encode()) > _MAX_TXT_STRING and not caps.split_long_txt:
        return f"its ownership TXT value has {len(value.encode())} octets (at most 255 here)"
    limit = caps.max_records_per_set
    if limit is not None and len(ep.targets) > limit:
        return f"it has {len(ep.targets)} targets; the provider stores at most {limit} per record"
    return _targets_problem(ep)


def _targets_problem(ep: Endpoint) -> str | None:
    if not ep.targets:
        return "it has no targets"
    for target in ep.targets:
        if ep.record_type in ("A", "AAAA"):
            try:
                ip = ipaddress.ip_address(target)
            except ValueError:
                return f"target {target!r} is not an IP address"
            if "%" in target:  # a scoped IPv6 address (fe80::1%eth0) means nothing in DNS
                return f"target {target!r} is a scoped address"
            if (ip.version == 4) != (ep.record_type == "A"):
                return f"target {target!r} is not an IPv{4 if ep.record_type == 'A' else 6} address"
        elif ep.record_type == "CNAME":
            problem = name_problem(target)
            if problem is not None or target.startswith("*"):
                return f"CNAME target {target!r} is not a valid DNS name"
    if ep.record_type == "CNAME" and len(ep.targets) > 1:
        return f"a CNAME has exactly one target, not {len(ep.targets)}"
    if not 0 <= ep.record_ttl <= 2**31 - 1:
        return f"TTL {ep.record_ttl} is out of range"
    return None


# --- the plan -----------------------------------------------------------------------------------
def _diag(ep: Endpoint, reason: ReasonCode, message: str) -> Diagnostic:
    route = RouteKey.parse(ep.labels.get("resource", ""))
    if route is None:
        return make_diagnostic(reason, "DNSRecord", "", ep.dns_name, message, hostname=ep.dns_name)
    kind, namespace, name = route
    return make_diagnostic(reason, kind, namespace, name, message, hostname=ep.dns_name)


def _txt_update(reg: TXTRegistry, have: Endpoint, want: Endpoint) -> Endpoint | None:
    """What replaces ownership TXT ``have`` so that it reads as ``want``; ``None``: nothing.

    Values are compared by their text (decrypted), so a value sealed under another nonce, or a
    plain value where new ones are encrypted, stays as it is; when only the TTL differs, the
    values are kept and only the TTL changes.
    """
    if {reg.text_of(t) for t in have.targets} != {reg.text_of(t) for t in want.targets}:
        return want
    if want.record_ttl and want.record_ttl != have.record_ttl:
        return have.model_copy(update={"record_ttl": want.record_ttl})
    return None


def _record_differs(have: Endpoint, want: Endpoint) -> bool:
    if sorted(have.targets) != sorted(want.targets):
        return True
    if want.record_ttl and want.record_ttl != have.record_ttl:
        return True
    ps = {(p.name, p.value) for p in want.provider_specific}
    return ps != {(p.name, p.value) for p in have.provider_specific}


@dataclass
class _Planner:
    zone: _Zone
    registry: TXTRegistry
    policy: PlanPolicy
    units: list[ChangeUnit] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    wanted: set[RecordKey] = field(default_factory=set)  # every in-scope desired key
    consumed: set[RecordKey] = field(default_factory=set)  # owned records replaced in a create unit
    # owned records nobody wants (deleted under sync); by the name of their ownership TXT
    doomed: set[RecordKey] = field(default_factory=set)
    doomed_at: dict[str, list[RecordKey]] = field(default_factory=dict)

    def refuse(self, ep: Endpoint, reason: ReasonCode, message: str) -> None:
        self.diagnostics.append(_diag(ep, reason, message))

    def unwant(self, key: RecordKey) -> None:
        """``key`` is wanted no more; a record of ours there is doomed (deleted under sync)."""
        self.wanted.discard(key)
        if self.policy != "sync" or key not in self.zone.records or key in self.doomed:
            return
        if self.zone.claim(*key).state == "ours":
            self.doomed.add(key)
            txt = self.zone.txt_at(*key)
            if txt is not None:
                self.doomed_at.setdefault(txt.dns_name, []).append(key)

    def in_the_way(self, want: Endpoint) -> list[Endpoint]:
        """A CNAME of ours nobody wants at ``want``'s ownership TXT name (it must go first)."""
        key = (
            self.registry.txt_name(want.dns_name, want.record_type),
            "CNAME",
            want.set_identifier,
        )
        if key in self.doomed and key not in self.consumed:
            return [self.zone.records[key]]
        return []

    def take_away(self, old: Endpoint, delete: list[Endpoint], require: list[Endpoint]) -> None:
        """Delete a record of ours (and its TXT) in the unit being built; it is consumed."""
        self.consumed.add(old.key)
        delete.append(old)
        old_claim = self.zone.claim(*old.key)
        if old_claim.txt is not None:
            delete.append(old_claim.txt)
        if old_claim.legacy is not None and old_claim.legacy not in require:
            require.append(old_claim.legacy)  # left in place, relied on

    def place(self, want: Endpoint) -> None:
        """Plan one publishable desired record: update it, create it, or say why not."""
        have = self.zone.records.get(want.key)
        if have is None:
            self.create(want)
            return
        claim = self.zone.claim(*have.key)
        if claim.state != "ours":
            reason: ReasonCode = (
                "contested-ownership" if claim.state in ("contested", "shared") else "not-owned"
            )
            self.refuse(
                want,
                reason,
                f"{want.record_type} {want.dns_name} is held by {claim.holder()}; left alone",
            )
            return
        new_txt = self.registry.txt_record(want)
        unit_old: list[Endpoint] = []
        unit_new: list[Endpoint] = []
        if self.policy != "create-only" and _record_differs(have, want):
            unit_old.append(have)
            unit_new.append(want)
        if claim.legacy is not None:
            # owned through an old-format TXT only (external-dns before v0.12): create the
            # new-format TXT next to it, and leave the old one as external-dns does; the unit
            # relies on the old TXT being unchanged until it is applied
            gone: list[Endpoint] = []
            relied = [claim.legacy]
            for old in self.in_the_way(want):
                self.take_away(old, gone, relied)
            self.units.append(
                ChangeUnit(
                    create=(new_txt,),
                    update_old=tuple(unit_old),
                    update_new=tuple(unit_new),
                    delete=tuple(gone),
                    require=tuple(relied),
                )
            )
            return
        if self.policy == "create-only":
            return
        old_txt = claim.txt
        require: tuple[Endpoint, ...] = ()
        replacement = None if old_txt is None else _txt_update(self.registry, old_txt, new_txt)
        if old_txt is not None and replacement is not None:
            unit_old.append(old_txt)
            unit_new.append(replacement)
        elif old_txt is not None:
            require = (old_txt,)  # still ours when the update is applied
        if unit_old:
            self.units.append(
                ChangeUnit(update_old=tuple(unit_old), update_new=tuple(unit_new), require=require)
            )

    def create(self, want: Endpoint) -> None:
        """Create a record (and its TXT) where every managed record on the name is ours."""
        replaced: list[Endpoint] = []
        holders: list[str] = []
        contested = False
        for other in self.zone.by_name.get(want.dns_name, ()):
            claim = self.zone.claim(*other.key)
            if claim.state != "ours":
                holders.append(f"{other.record_type} by {claim.holder()}")
                contested |= claim.state in ("contested", "shared")
            elif (
                _excludes(other.record_type, want.record_type)
                and other.key not in self.wanted
                and other.key not in self.consumed
            ):
                replaced.append(other)
        # the new-format TXT only: an old-format TXT speaks for existing records, never blocks
        # a new one (external-dns creates it too, and then reads the new format first)
        txt_claim = self.zone.claim(*want.key, legacy=False)
        if txt_claim.state not in ("ours", "unowned"):
            holders.append(f"TXT by {txt_claim.holder()}")
            contested |= txt_claim.state == "contested"
        if holders:
            reason: ReasonCode = "contested-ownership" if contested else "not-owned"
            held = ", ".join(sorted(holders))
            self.refuse(want, reason, f"{want.dns_name} is taken ({held}); not created")
            return
        if replaced and self.policy != "sync":
            kinds = ", ".join(sorted(r.record_type for r in replaced))
            self.refuse(
                want,
                "name-conflict",
                f"{want.dns_name} holds our {kinds}, which "
                f"policy {self.policy} does not delete; not created",
            )
            return
        new_txt = self.registry.txt_record(want)
        create: list[Endpoint] = [want]
        update_old: tuple[Endpoint, ...] = ()
        update_new: tuple[Endpoint, ...] = ()
        require: list[Endpoint] = []
        if txt_claim.txt is None:
            create.insert(0, new_txt)
        elif (replacement := _txt_update(self.registry, txt_claim.txt, new_txt)) is not None:
            update_old, update_new = (txt_claim.txt,), (replacement,)
        else:
            require.append(txt_claim.txt)
        delete: list[Endpoint] = []
        if want.record_type == "CNAME":
            # a CNAME at the ownership TXT name of records of ours nobody wants: they and the
            # TXT go in this unit, so the name is free when the CNAME is created
            for key in sorted(self.doomed_at.get(want.dns_name, ())):
                if key not in self.consumed:
                    replaced.append(self.zone.records[key])
        replaced += self.in_the_way(want)
        for old in sorted(replaced, key=endpoint_sort_key):
            self.take_away(old, delete, require)
        self.units.append(
            ChangeUnit(
                create=tuple(create),
                update_old=update_old,
                update_new=update_new,
                delete=tuple(delete),
                require=tuple(require),
            )
        )


def _excludes(a: str, b: str) -> bool:
    """Whether record types ``a`` and ``b`` cannot share a name (a CNAME shares it with none)."""
    return a != b and "CNAME" in (a, b)


@dataclass(frozen=True)
class PlanOptions:
    """How to plan: the registry, the policy, the scope and the deletion guard.

    Args:
        registry: the TXT registry (owner ID, prefix, suffix, wildcard replacement).
        policy: ``sync``, ``upsert-only`` or ``create-only``.
        domain_filter: names the plan may touch (``None``: any; the reconciler then uses the
            provider's zones).
        managed_record_types: record types the plan manages (``--managed-record-types``).
        exclude_record_types: record types taken out of ``managed_record_types``
            (``--exclude-record-types``).
        max_delete_fraction: deletion guard: the largest share of owned records one plan
            deletes ...
        max_delete_count: ... when it deletes more than this many.
        force: delete even when the deletion guard objects.

    Raises:
        ConfigError: an unknown policy or guard values out of range.
    """

    registry: TXTRegistry
    policy: PlanPolicy = "sync"
    domain_filter: DomainFilter | None = None
    managed_record_types: tuple[str, ...] = ("A", "AAAA", "CNAME")
    exclude_record_types: tuple[str, ...] = ()
    max_delete_fraction: float = 0.5
    max_delete_count: int = 10
    force: bool = False

    def __post_init__(self) -> None:
        if self.policy not in ("sync", "upsert-only", "create-only"):
            msg = f"policy {self.policy!r} is not one of sync, upsert-only, create-only"
            raise ConfigError(msg)
        if not 0.0 <= self.max_delete_fraction <= 1.0:
            msg = f"max_delete_fraction must be between 0 and 1, got {self.max_delete_fraction}"
            raise ConfigError(msg)
        if self.max_delete_count < 0:
            msg = f"max_delete_count must not be negative, got {self.max_delete_count}"
            raise ConfigError(msg)
        for name in ("managed_record_types", "exclude_record_types"):
            value = getattr(self, name)
            if isinstance(value, str):
                msg = f"{name} must be a sequence of record types, not the string {value!r}"
                raise ConfigError(msg)
            object.__setattr__(self, name, tuple(sorted({t.upper() for t in value})))

    @property
    def managed_types(self) -> frozenset[str]:
        """The record types the plan manages: managed and not excluded."""
        return frozenset(self.managed_record_types) - frozenset(self.exclude_record_types)


def plan(
    desired: Iterable[Endpoint],
    current: Iterable[Endpoint],
    options: PlanOptions | None = None,
    *,
    owner_id: str | None = None,
    zones: Sequence[str] = (),
    capabilities: ProviderCapabilities | None = None,
    guard_base: int | None = None,
) -> Changes:
    """Plan the changes that make a zone hold the desired endpoints, touching only what we own.

    Args:
        desired: the endpoints to publish (``compute_endpoints(...).endpoints``).
        current: every record of the zone(s), TXT records included (``provider.records()``),
            in any case, with or without trailing dots.
        options: registry, policy, domain filter, managed types and deletion guard.
        owner_id: shortcut for ``options=PlanOptions(TXTRegistry(owner_id))``.
        zones: the provider's zones (``provider.zones``); a record or TXT outside them, or a
            TXT in another zone than its record, is not planned.
        capabilities: what the provider can store (``provider.capabilities``).
        guard_base: how many record sets of ours the whole zone holds, when ``current`` (and
            ``desired``) hold only the part of it about some names (the reconciler's event
            rounds); the deletion guard measures deletions against it.

    Returns:
        The changes as atomic units; ``diagnostics`` say what was left alone and why;
        ``withheld`` holds the deletions the guard held back.

    Raises:
        ConfigError: neither or both of ``options`` and ``owner_id``, or an invalid owner ID.
    """
    if (options is None) == (owner_id is None):
        msg = "plan needs either options or an owner_id (not both)"
        raise ConfigError(msg)
    opts = options if options is not None else PlanOptions(TXTRegistry(owner_id or ""))
    reg = opts.registry
    flt = opts.domain_filter or DomainFilter()
    managed = opts.managed_types
    zone_list = tuple(normalize_name(z) for z in zones)
    zone = _Zone(current, reg, managed, flt)
    planner = _Planner(zone, reg, opts.policy)

    wants = _in_scope(desired, managed, flt)
    planner.wanted = {w.key for w in wants}
    delegations = {n for n, t, _ in zone.all if t == "NS" and zone_list and n not in zone_list}
    for key in zone.records:
        if key not in planner.wanted:
            planner.unwant(key)
    publishable = []
    for want in wants:
        problem = publish_problem(
            want,
            reg,
            zones=zone_list,
            domain_filter=flt,
            capabilities=capabilities,
            delegations=delegations,
        )
        if problem is None:
            publishable.append(want)
        else:
            planner.refuse(
                want,
                "unpublishable",
                f"{want.record_type} {want.dns_name} is not published: {problem}",
            )
    for want in _coexisting(publishable, zone, reg, planner):
        planner.place(want)

    deletes: list[ChangeUnit] = []
    owned = 0
    if opts.policy == "sync":
        deletes, owned = _deletions(planner, planner.wanted | planner.consumed, managed, flt)
    withheld: tuple[ChangeUnit, ...] = ()
    count = len(deletes)
    owned = owned if guard_base is None else max(guard_base, owned)
    if (
        count
        and not opts.force
        and count > opts.max_delete_count
        and count > opts.max_delete_fraction * owned
    ):
        withheld, deletes = tuple(deletes), []
        planner.diagnostics.append(
            make_diagnostic(
                "deletion-guard",
                "DNSRecord",
                "",
                "",
                f"withheld {count} deletions of {owned} owned records (more than "
                f"{opts.max_delete_fraction:.0%} and more than {opts.max_delete_count}): an "
                "empty or half-synced snapshot must not wipe a zone; creates and updates still "
                "apply. Check the input; force the plan to delete anyway.",
            )
        )
    return Changes(
        units=sorted([*deletes, *planner.units], key=_unit_order),
        diagnostics=planner.diagnostics,
        withheld=withheld,
    )


def _in_scope(
    desired: Iterable[Endpoint], managed: frozenset[str], flt: DomainFilter
) -> list[Endpoint]:
    out: dict[RecordKey, Endpoint] = {}
    for raw in desired:
        ep = normalize_endpoint(raw)
        if ep.record_type not in managed or not flt.matches(ep.dns_name):
            continue
        have = out.get(ep.key)
        if have is None or endpoint_sort_key(ep) < endpoint_sort_key(have):
            out[ep.key] = ep
    return sorted(out.values(), key=endpoint_sort_key)


def _coexisting(
    wants: list[Endpoint], zone: _Zone, reg: TXTRegistry, planner: _Planner
) -> list[Endpoint]:
    """Drop what DNS cannot hold side by side: CNAMEs next to other data, CNAMEs at TXT names."""
    names: dict[str, set[str]] = {}
    for want in wants:
        names.setdefault(want.dns_name, set()).add(want.record_type)
    # A/AAAA win over a CNAME at their name: a CNAME of ours there is doomed before any record
    # is checked, so that it blocks none whose ownership TXT name it holds, whatever their
    # order (``0.example.com``'s A sorts before ``a-0.example.com``, its TXT name)
    for want in wants:
        if want.record_type == "CNAME" and names[want.dns_name] - {"CNAME"}:
            planner.unwant(want.key)
    txt_names = {reg.txt_name(w.dns_name, w.record_type) for w in wants}
    txt_names |= {
        reg.txt_name(n, t) for n, t, sid in zone.records if (n, t, sid) not in planner.doomed
    }
    # one ownership TXT guards one record: under a wildcard replacement "*.example.com" and
    # "any.example.com" share a TXT name; the record already in the zone keeps it, else the
    # first in order
    guards: dict[tuple[str, str], tuple[str, str]] = {}
    for n, t, sid in sorted(zone.records):
        guards.setdefault((reg.txt_name(n, t), sid), (n, t))
    kept: list[Endpoint] = []
    for want in wants:
        where = f"{want.record_type} {want.dns_name}"
        slot = (reg.txt_name(want.dns_name, want.record_type), want.set_identifier)
        holder = guards.setdefault(slot, (want.dns_name, want.record_type))
        # a record already there keeps its place: when records at both names are (someone
        # else wrote one), neither is ours (_Zone.claim), and place() says so
        if holder != (want.dns_name, want.record_type) and want.key not in zone.records:
            planner.refuse(
                want,
                "name-conflict",
                f"{where} is not published: its ownership "
                f"TXT name {slot[0]} is also that of {holder[1]} {holder[0]}",
            )
            continue
        present = zone.types_at.get(want.dns_name, set())
        if want.record_type == "CNAME" and want.dns_name in planner.doomed_at:
            present = present - {"TXT"}  # the TXT of a record of ours that goes (create())
        managed_here = {e.record_type for e in zone.by_name.get(want.dns_name, ())}
        if want.record_type == "CNAME":
            others = names[want.dns_name] - {"CNAME"}
            foreign = present - managed_here
            if others:  # A/AAAA win: a CNAME of ours already there is replaced, not kept
                # (doomed before this loop, so it blocks none of the records whose TXT name it
                # holds)
                planner.refuse(
                    want,
                    "name-conflict",
                    f"{where} is not published: routes also "
                    f"want {', '.join(sorted(others))} there, and a CNAME shares its "
                    "name with nothing",
                )
                continue
            if want.dns_name in txt_names and "CNAME" not in present:  # first come, first served
                planner.refuse(
                    want,
                    "name-conflict",
                    f"{where} is not published: the name "
                    "is the ownership TXT name of another record",
                )
                continue
            if foreign:
                planner.refuse(
                    want,
                    "not-owned",
                    f"{where} is not published: the name holds "
                    f"{', '.join(sorted(foreign))} records, and a CNAME shares its "
                    "name with nothing",
                )
                continue
        elif "CNAME" in present and "CNAME" not in managed_here:
            planner.refuse(
                want,
                "not-owned",
                f"{where} is not published: the name holds a CNAME this plan does not manage",
            )
            continue
        txt_name = reg.txt_name(want.dns_name, want.record_type)
        # (a desired CNAME at a TXT name was refused above); a CNAME of ours nobody wants
        # there goes in the unit that creates the record (create())
        doomed_cname = (txt_name, "CNAME", want.set_identifier) in planner.doomed
        if "CNAME" in zone.types_at.get(txt_name, ()) and not doomed_cname:
            planner.refuse(
                want,
                "not-owned",
                f"{where} is not published: its ownership TXT name {txt_name} holds a CNAME",
            )
            continue
        kept.append(want)
    return kept


def _deletions(
    planner: _Planner,
    keep: set[RecordKey],
    managed: frozenset[str],
    flt: DomainFilter,
) -> tuple[list[ChangeUnit], int]:
    """Delete units for owned records nobody wants and our orphaned TXTs; and how many we own."""
    zone, reg = planner.zone, planner.registry
    units: list[ChangeUnit] = []
    owned = 0
    for key, ep in sorted(zone.records.items()):
        claim = zone.claim(*key)
        contested = claim.state == "contested" and reg.owner_id in claim.owners
        if (contested or claim.state == "shared") and key not in keep:
            verb = "claimed" if contested else "held"
            message = f"{ep.record_type} {ep.dns_name} is {verb} by {claim.holder()}; not deleted"
            planner.refuse(ep, "contested-ownership", message)
        if claim.state != "ours":
            continue
        owned += 1
        if key in keep:
            continue
        units.append(
            ChangeUnit(
                delete=(ep, claim.txt) if claim.txt is not None else (ep,),
                # an old-format TXT is left in place (as external-dns leaves it)
                require=(claim.legacy,) if claim.legacy is not None else (),
            )
        )
    in_use = {(reg.txt_name(n, t), sid) for n, t, sid in zone.all if t != "TXT"}
    # a TXT a planned unit rewrites, relies on or deletes is that unit's; the TXT of a record
    # that is wanted but neither in the zone nor created this round (refused: foreign data at
    # its name, a CNAME conflict, ...) guards nothing and is an orphan like any other (a
    # concurrent writer can leave one: a CNAME the server ignored next to their new record)
    in_use |= {
        (e.dns_name, e.set_identifier)
        for unit in planner.units
        for e in (*unit.endpoints(), *unit.require)
        if e.record_type == "TXT"
    }
    # a TXT that older external-dns versions read as a record's old-format TXT is never an
    # orphan while that record exists, whatever this registry would make of its name
    in_use |= {(reg.old_format_name(n), sid) for n, t, sid in zone.all if t != "TXT"}
    for (name, sid), txt in sorted(zone.txts.items()):
        if (name, sid) in in_use or not flt.matches(name):
            continue
        owner_of = reg.record_of(name, managed)
        if owner_of is None or not flt.matches(owner_of[0]):  # never written by this registry
            continue
        if managed & zone.types_at.get(name, set()):  # may be that record's old-format TXT
            continue
        if read_claim(txt, reg).state == "ours":
            owned += 1
            units.append(ChangeUnit(delete=(txt,)))
    return units, owned


def _unit_order(unit: ChangeUnit) -> tuple[int, tuple[Any, ...]]:
    """Deletions first (they free names), then updates, then creations; each by its record."""
    phase = 2 if unit.create else (1 if unit.update_new else 0)
    eps = [e for e in unit.endpoints() if e.record_type != "TXT"] or list(unit.endpoints())
    return (phase, endpoint_sort_key(min(eps, key=endpoint_sort_key)))
