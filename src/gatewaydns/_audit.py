"""audit: what DNS holds against what the cluster calls for, and the cause of every difference.

Theory of operation
-------------------

The problem gatewaydns exists for is visible in DNS: after a route's ``spec.parentRefs`` moved
from Gateway ``external`` to ``internal``, external-dns keeps publishing both Gateways' addresses
at the route's names, because the stale ``status.parents`` entry still counts for it (SPEC
section 9). An audit finds such records in a live zone, whoever wrote them. It weighs:

* **what the cluster calls for now**, and **every path a route has or had to a Gateway** (a
  ``Link``: ``current``, ``held``, ``pending`` or ``left``), and **which Gateway each target
  belongs to**: :func:`gatewaydns._links.expect` derives all three from the manifests and the
  computed result (see :mod:`gatewaydns._links`);
* **what DNS holds**: records handed in by the caller.

Each record set DNS holds at a name in scope (A, AAAA and CNAME; a name the cluster calls for, or
one a link reaches, or, when ownership is visible, a record of ours) is compared with the desired
one, by name and type (the targets of every set identifier together). Every target DNS holds
that nobody calls for is

1. excused when a ``held`` link has it (hold keeps it; not a finding);
2. a ``stale-gateway`` finding when a ``left`` link has it: the route, the Gateway it left and
   the stale target are named;
3. else ``unexpected-target`` when a ``pending`` link has it (published before the Gateway the
   route moves to has accepted it), naming the route and that Gateway;
4. else ``orphaned`` when the record is ours (its ownership TXT names the owner ID) and the
   cluster calls for no record of that name and type;
5. else an ``unexpected-target`` finding, naming the Gateway that has the target when one does.

Every desired target DNS does not hold is ``missing``, naming the route that calls for it and the
Gateway the target belongs to. When ownership is visible (a provider's whole zone and an owner
ID), a desired record the owner ID does not own is an ``ownership`` finding, and an ownership
TXT of ours whose record is gone is ``orphaned``.

The module does no I/O: the caller reads DNS (plain queries, or a provider's zone) and hands the
records in. Findings are sorted; the same input gives the same output.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal, TypeAlias

from gatewaydns._domainfilter import DomainFilter
from gatewaydns._endpoint import Endpoint
from gatewaydns._links import Expected, NameType
from gatewaydns._plan import PlanOptions, _Zone, normalize_endpoint
from gatewaydns._routes import RouteKey

__all__ = [
    "AUDITED_TYPES",
    "FINDING_KINDS",
    "Audit",
    "Finding",
    "FindingKind",
    "compare",
    "merge_audits",
]

#: The kinds of finding, in the order reports list them, with what each means.
FINDING_KINDS: dict[str, str] = {
    "stale-gateway": "a name answers with a target of a Gateway its route left or that no "
    "longer accepts it",
    "unexpected-target": "a name answers with a target that no route calls for and no Gateway "
    "the routes left explains",
    "missing": "a name does not answer with a target the cluster calls for",
    "orphaned": "a record, or ownership TXT, of the owner ID that no route calls for",
    "ownership": "a record the cluster calls for that the owner ID does not own",
}
FindingKind: TypeAlias = Literal[
    "stale-gateway", "unexpected-target", "missing", "orphaned", "ownership"
]
#: The record types an audit compares.
AUDITED_TYPES = ("A", "AAAA", "CNAME")


@dataclass(frozen=True)
class Finding:
    """One difference between DNS and what the cluster calls for, with its cause.

    Attributes:
        kind: ``stale-gateway``, ``unexpected-target``, ``missing``, ``orphaned`` or
            ``ownership`` (see ``FINDING_KINDS``).
        name: the DNS name.
        record_type: ``A``, ``AAAA``, ``CNAME`` (``TXT`` for an orphaned ownership record).
        targets: the targets concerned (the stale, unexpected or missing ones), sorted.
        message: one human-readable line saying what is wrong and why.
        route_kind: the route's kind (``HTTPRoute``), ``""`` when no route is concerned.
        route: the route's ``namespace/name``, ``""`` when no route is concerned.
        gateway: the Gateway's ``namespace/name`` (the one the route left, the one the target
            belongs to), ``""`` when none is known.
        explain: the decision chain, one line each (sub-steps indented by two spaces).
        answers: per source (a nameserver, a provider), what it holds at ``name`` and
            ``record_type``.
    """

    kind: FindingKind
    name: str
    record_type: str
    targets: tuple[str, ...]
    message: str
    route_kind: str = ""
    route: str = ""
    gateway: str = ""
    explain: tuple[str, ...] = ()
    answers: tuple[tuple[str, tuple[str, ...]], ...] = ()

    @property
    def sources(self) -> tuple[str, ...]:
        """The sources (nameservers, providers) whose answers show this finding."""
        return tuple(source for source, _ in self.answers)

    @property
    def route_key(self) -> str:
        """The route as ``kind/namespace/name`` in lower-case kind (the ``resource`` label)."""
        return f"{self.route_kind.lower()}/{self.route}" if self.route else ""

    def sort_key(self) -> tuple[Any, ...]:
        """The order of findings in every output: name, type, kind, route, gateway, targets."""
        return (
            self.name,
            self.record_type,
            list(FINDING_KINDS).index(self.kind),
            self.route_kind,
            self.route,
            self.gateway,
            self.targets,
        )

    def explain_lines(self) -> tuple[str, ...]:
        """The whole decision chain: what each source answers, then ``explain``."""
        answered = tuple(
            f"{source}: {self.name} {self.record_type} "
            + (", ".join(targets) if targets else "(no record)")
            for source, targets in self.answers
        )
        return answered + self.explain

    def to_json(self, *, explain: bool = False) -> dict[str, Any]:
        """The JSON object of the finding (``route``, ``gateway`` only where known).

        Args:
            explain: add ``explain``, the decision chain (a list of lines).
        """
        out: dict[str, Any] = {
            "kind": self.kind,
            "name": self.name,
            "type": self.record_type,
            "targets": list(self.targets),
        }
        if self.route:
            out["route"] = self.route
            out["routeKind"] = self.route_kind
        if self.gateway:
            out["gateway"] = self.gateway
        out["message"] = self.message
        out["sources"] = list(self.sources)
        if explain:
            out["explain"] = list(self.explain_lines())
        return out


@dataclass(frozen=True)
class Audit:
    """The outcome of comparing DNS with the cluster.

    Attributes:
        findings: every difference, sorted (:meth:`Finding.sort_key`).
        checked: how many (name, type) pairs were compared (per source, the largest).
        sources: the sources compared (nameservers, a provider), in the order given.
        held: how many of the compared (name, type) pairs hold targets that hold keeps while
            their route's status lags its spec (not findings; per source, the largest).
    """

    findings: tuple[Finding, ...]
    checked: int
    sources: tuple[str, ...]
    held: int = 0

    def counts(self) -> dict[str, int]:
        """Finding kind -> how many findings of that kind (every kind, zero included)."""
        return {kind: sum(1 for f in self.findings if f.kind == kind) for kind in FINDING_KINDS}


# --- comparing ---------------------------------------------------------------------------------
@dataclass
class _Pair:
    """One (name, type) under comparison: what is wanted, what a source holds."""

    expected: Expected
    name: str
    rtype: str
    want: frozenset[str]
    got: frozenset[str]
    answers: tuple[tuple[str, tuple[str, ...]], ...]
    ownership: tuple[str, ...] = ()
    findings: list[Finding] = field(default_factory=list)

    @property
    def key(self) -> NameType:
        return (self.name, self.rtype)

    def route_of(self, route: str) -> tuple[str, str]:
        """(Kind, ``namespace/name``) of a route key, in the manifests or not (an owner's TXT)."""
        if route in self.expected.routes:
            kind, name, _gen = self.expected.routes[route]
            return kind, name
        key = RouteKey.parse(route)
        if key is None:  # not a route key: shown as it is
            kind, _, name = route.partition("/")
            return kind, name
        return key.kind, f"{key.namespace}/{key.name}"

    def add(
        self,
        kind: FindingKind,
        targets: Iterable[str],
        message: str,
        explain: Iterable[str],
        *,
        route: str = "",
        gateway: str = "",
    ) -> None:
        route_kind, route_name = self.route_of(route) if route else ("", "")
        self.findings.append(
            Finding(
                kind=kind,
                name=self.name,
                record_type=self.rtype,
                targets=tuple(sorted(targets)),
                message=message,
                route_kind=route_kind,
                route=route_name,
                gateway=gateway,
                explain=(*self.calls_for(), *explain, *self.ownership),
                answers=self.answers,
            )
        )

    def calls_for(self) -> tuple[str, ...]:
        wanted = self.expected.wanted_by.get(self.key, {})
        if not self.want:
            return (f"the cluster calls for no {self.rtype} record at {self.name}",)
        routes = ", ".join(self.describe(r) for r in sorted(wanted))
        return (
            f"the cluster calls for: {self.name} {self.rtype} {', '.join(sorted(self.want))}"
            + (f" ({routes})" if routes else ""),
        )

    def describe(self, route: str) -> str:
        kind, name = self.route_of(route)
        return f"{kind} {name}" if kind else route

    def owners(self, targets: Iterable[str]) -> list[str]:
        lines = []
        for target in sorted(targets):
            owners = self.expected.addresses.get(target, ())
            if not owners:
                lines.append(f"{target}: no Gateway in the manifests has this target")
            lines.extend(f"{target}: {where} of Gateway {gw}" for gw, where in owners)
        return lines

    def route_chain(self, route: str) -> list[str]:
        """The route's links at this name and type: what ``--explain`` shows per parent."""
        kind, name, gen = self.expected.routes.get(route, ("", route, None))
        lines = [f"{kind} {name}" + (f" (generation {gen})" if gen is not None else "")]
        for link in self.expected.links.get(self.key, ()):
            if link.route != route:
                continue
            targets = ", ".join(link.targets)
            text = {
                "current": f"publishes {targets} through it",
                "held": f"status lags spec: hold keeps {targets} until the controller catches up",
                "pending": f"not accepted yet: would publish {targets} through it",
                "left": f"left: would publish {targets} through it, but no longer does",
            }[link.state]
            via = "" if link.parent == f"Gateway {link.gateway}" else f" (Gateway {link.gateway})"
            lines.append(f"  parent {link.parent}{via}: {text}")
            lines.extend(f"    {why}" for why in link.why)
        return lines


def compare(
    expected: Expected,
    records: Iterable[Endpoint],
    *,
    source: str,
    options: PlanOptions | None = None,
) -> Audit:
    """Compare what one source of DNS holds with what the cluster calls for.

    Args:
        expected: :func:`expect`'s result.
        records: what the source holds: plain answers for ``expected.names`` (A, AAAA, CNAME),
            or a provider's whole zone, TXT records included.
        source: how findings name the source (``nameserver 127.0.0.1:53``,
            ``provider rfc2136``).
        options: when ``records`` is a whole zone: the registry (owner ID) whose ownership
            records are read, the managed record types and the domain filter (the provider's
            zones). Then orphaned records and ownership problems are found too, and only names
            inside the domain filter are compared.

    Returns:
        The findings, sorted, and how many (name, type) pairs were compared.
    """
    records = list(records)
    flt = (options.domain_filter if options else None) or DomainFilter()
    types = frozenset(AUDITED_TYPES)
    zone: _Zone | None = None
    owned: set[tuple[str, str, str]] = set()
    keys_at: dict[NameType, list[tuple[str, str, str]]] = {}  # the zone's record keys
    if options is not None:
        types &= frozenset(options.managed_record_types)
        zone = _Zone(records, options.registry, frozenset(options.managed_record_types), flt)
        owned = {k for k in zone.records if zone.claim(*k).state == "ours"}
        for key in sorted(zone.records):
            keys_at.setdefault(key[:2], []).append(key)
    have: dict[NameType, set[str]] = {}
    for raw in records:
        ep = normalize_endpoint(raw)
        if ep.record_type in types and flt.matches(ep.dns_name):
            have.setdefault((ep.dns_name, ep.record_type), set()).update(ep.targets)
    scope = {n for n in expected.names if flt.matches(n)} | {name for name, _, _ in owned}
    pairs = {k for k in have if k[0] in scope}
    pairs |= {k for k in expected.desired if k[1] in types and flt.matches(k[0])}
    findings: list[Finding] = []
    held = 0
    for name, rtype in sorted(pairs):
        got = frozenset(have.get((name, rtype), ()))
        pair = _Pair(
            expected,
            name,
            rtype,
            want=expected.desired.get((name, rtype), frozenset()),
            got=got,
            answers=((source, tuple(sorted(got))),),
        )
        keys = keys_at.get((name, rtype), [])
        if zone is not None and keys:
            pair.ownership = tuple(_ownership_line(zone, k) for k in sorted(keys))
        _missing(pair)
        ours = "" if zone is None else next((_resource(zone, k) for k in keys if k in owned), "")
        held += _extra(pair, ours=ours)
        if zone is not None and pair.want:
            _ownership(pair, zone, keys)
        findings.extend(pair.findings)
    if zone is not None:
        findings.extend(_orphaned_txts(zone, expected, types, source))
    # one finding per identity (set identifiers can repeat one): merged as across sources
    return merge_audits([Audit(tuple(findings), len(pairs), (source,), held)])


def _resource(zone: _Zone, key: tuple[str, str, str]) -> str:
    """The route an owned record's TXT names, ``-`` when it names none."""
    return zone.claim(*key).resource or "-"


def _missing(pair: _Pair) -> None:
    """Desired targets the source does not hold, by route and Gateway."""
    miss = pair.want - pair.got
    if not miss:
        return
    groups: dict[tuple[str, str], set[str]] = {}
    for route, targets in sorted(pair.expected.wanted_by.get(pair.key, {}).items()):
        for target in targets & miss:
            gateways = sorted(
                link.gateway
                for link in pair.expected.links.get(pair.key, ())
                if link.route == route and link.state == "current" and target in link.targets
            )
            groups.setdefault((route, gateways[0] if gateways else ""), set()).add(target)
    for (route, gateway), group in sorted(groups.items()):
        listed = ", ".join(sorted(group))
        via = f" through Gateway {gateway}" if gateway else ""
        what = "no record" if not pair.got else f"no {listed}"
        message = f"{what}: {pair.describe(route)} calls for {listed}{via}"
        explain = [*pair.owners(group), *pair.route_chain(route)]
        pair.add("missing", group, message, explain, route=route, gateway=gateway)


def _extra(pair: _Pair, *, ours: str) -> bool:
    """Targets the source holds that nobody calls for: held, stale, orphaned or unexpected.

    Args:
        pair: the name and type.
        ours: when the record is ours: the route its ownership TXT names (``-`` for none);
            ``""`` when it is not ours (or ownership is not visible).

    Returns:
        Whether hold keeps some of them (they are no finding).
    """
    held = False
    stale: dict[tuple[str, str], set[str]] = {}
    early: dict[tuple[str, str], set[str]] = {}
    orphaned: set[str] = set()
    unexpected: dict[str, set[str]] = {}
    links = pair.expected.links.get(pair.key, ())
    for target in sorted(pair.got - pair.want):
        if any(link.state == "held" and target in link.targets for link in links):
            held = True  # hold keeps it until the controller catches up (SPEC 9)
            continue
        left = [link for link in links if link.state == "left" and target in link.targets]
        for link in left:
            stale.setdefault((link.route, link.gateway), set()).add(target)
        if left:
            continue
        pending = [link for link in links if link.state == "pending" and target in link.targets]
        if pending:  # published ahead of the Gateway's acceptance: unexpected, but explained
            for link in pending:
                early.setdefault((link.route, link.gateway), set()).add(target)
            continue
        if ours and not pair.want:
            orphaned.add(target)
            continue
        owners = pair.expected.addresses.get(target, ())
        unexpected.setdefault(owners[0][0] if owners else "", set()).add(target)
    for (route, gateway), targets in sorted(stale.items()):
        why = next(
            (
                link.why[0]
                for link in links
                if (link.route, link.gateway, link.state) == (route, gateway, "left") and link.why
            ),
            "",
        )
        message = (
            f"{', '.join(sorted(targets))} of Gateway {gateway}, which {pair.describe(route)} "
            f"left" + (f" ({why})" if why else "")
        )
        explain = [*pair.owners(targets), *pair.route_chain(route)]
        pair.add("stale-gateway", targets, message, explain, route=route, gateway=gateway)
    for (route, gateway), targets in sorted(early.items()):
        message = (
            f"{', '.join(sorted(targets))} of Gateway {gateway}, which {pair.describe(route)} "
            "names in spec.parentRefs but which has not accepted it yet (no status.parents entry)"
        )
        explain = [*pair.owners(targets), *pair.route_chain(route)]
        pair.add("unexpected-target", targets, message, explain, route=route, gateway=gateway)
    if orphaned:
        route = "" if ours == "-" else ours
        named = f" (its ownership TXT names {pair.describe(route)})" if route else ""
        message = f"a record of ours that no route in the manifests calls for{named}"
        pair.add("orphaned", orphaned, message, pair.owners(orphaned), route=route)
    wanting = sorted(pair.expected.wanted_by.get(pair.key, {}))
    for gateway, targets in sorted(unexpected.items()):
        listed = ", ".join(sorted(targets))
        if gateway:
            message = (
                f"{listed} of Gateway {gateway}, but no route publishes {pair.name} through "
                "it, now or in its status history"
            )
        else:
            message = f"{listed}: no route calls for it, and no Gateway in the manifests has it"
        route = wanting[0] if len(wanting) == 1 else ""
        explain = [*pair.owners(targets), *(pair.route_chain(route) if route else ())]
        pair.add("unexpected-target", targets, message, explain, route=route, gateway=gateway)
    return held


def _ownership_line(zone: _Zone, key: tuple[str, str, str]) -> str:
    txt_name = zone.registry.txt_name(key[0], key[1])
    claim = zone.claim(*key)
    sid = f" (set {key[2]})" if key[2] else ""
    if claim.state == "ours":
        holder = f"owned by {zone.registry.owner_id}" + (
            f" for {claim.resource}" if claim.resource else ""
        )
    else:
        holder = f"held by {claim.holder()}"
    return f"ownership TXT {txt_name}{sid}: {holder}"


def _ownership(pair: _Pair, zone: _Zone, keys: Sequence[tuple[str, str, str]]) -> None:
    """Desired records that the owner ID does not own: it will neither update nor delete them."""
    wanting = sorted(pair.expected.wanted_by.get(pair.key, {}))
    for key in sorted(keys):
        claim = zone.claim(*key)
        if claim.state == "ours":
            continue
        message = (
            f"held by {claim.holder()}: owner {zone.registry.owner_id} neither updates nor "
            "deletes it"
        )
        route = wanting[0] if len(wanting) == 1 else ""
        explain = pair.route_chain(route) if route else []
        pair.add("ownership", zone.records[key].targets, message, explain, route=route)


def _orphaned_txts(
    zone: _Zone, expected: Expected, types: frozenset[str], source: str
) -> list[Finding]:
    """Ownership TXTs of ours whose record is gone and not called for (``plan`` deletes them)."""
    reg = zone.registry
    in_use = {(reg.txt_name(n, t), sid) for n, t, sid in zone.all if t != "TXT"}
    out: list[Finding] = []
    for (name, sid), txt in sorted(zone.txts.items()):
        if (name, sid) in in_use:
            continue
        record = reg.record_of(name, sorted(types))
        if record is None or record in expected.desired:
            continue  # not written by this registry; or a missing record (reported as such)
        claim = zone.claim(record[0], record[1], sid)
        if claim.state != "ours":
            continue
        message = f"ownership TXT of ours for {record[1]} {record[0]}, which does not exist"
        if claim.resource:
            message += f" (it names {claim.resource})"
        out.append(
            Finding(
                kind="orphaned",
                name=name,
                record_type="TXT",
                targets=tuple(sorted(txt.targets)),
                message=message,
                explain=(f"the cluster calls for no {record[1]} record at {record[0]}",),
                answers=((source, tuple(sorted(txt.targets))),),
            )
        )
    return out


def merge_audits(audits: Sequence[Audit]) -> Audit:
    """One audit from several sources: the same finding once, with every source's answer.

    Findings are the same when their kind, name, type, targets, route and Gateway are; the first
    source's message and explanation are kept (they differ only in what the source answered,
    which ``answers`` keeps for each).

    Args:
        audits: one audit per source (``compare``'s results), in the order to list them.

    Returns:
        The findings, sorted; ``checked`` the largest; the sources in the given order.
    """
    merged: dict[tuple[Any, ...], Finding] = {}
    for audit in audits:
        for finding in audit.findings:
            key = finding.sort_key()  # what identifies it (and its Prometheus series)
            have = merged.get(key)
            if have is None:
                merged[key] = finding
            else:
                more = tuple(a for a in finding.answers if a not in have.answers)
                merged[key] = replace(have, answers=have.answers + more)
    return Audit(
        tuple(sorted(merged.values(), key=Finding.sort_key)),
        max((a.checked for a in audits), default=0),
        tuple(s for a in audits for s in a.sources),
        max((a.held for a in audits), default=0),
    )
