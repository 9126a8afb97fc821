"""Regression tests from an adversarial review of the write path (#11, SPEC section 13).

Each test failed on the code the review attacked; its docstring says what was wrong and what
SPEC section 13 (or docs/ownership.md) asks for instead. The last section holds an attack the
write path withstood (SIGKILL of named mid-apply). Zones are read back with an independent AXFR
(``tests/dnsutil.py``), never through the provider under test.
"""

from __future__ import annotations

import contextlib
from typing import Any

import pytest

import gatewaydns
from gatewaydns import (
    ConfigError,
    Endpoint,
    PlanOptions,
    ProviderError,
    Reconciler,
    TXTRegistry,
    plan,
)
from gatewaydns.adapters.rfc2136 import RFC2136Provider
from gatewaydns.testing import InMemoryProvider, ScriptedWatcher

from .dnsutil import dump, plan_and_apply, query, raw_update, send
from .helpers import accepted, gateway, model, route

OWNER = "attack"
REG = TXTRegistry(OWNER)
EDGE = [{"name": "edge", "namespace": "infra"}]


def ep(name: str, *targets: str, rtype: str = "A", resource: str = "httproute/app/r") -> Endpoint:
    return Endpoint(
        dns_name=name, targets=targets, record_type=rtype, labels={"resource": resource}
    )


def sync(provider: RFC2136Provider, desired: list[Endpoint], options: PlanOptions) -> Any:
    """One controller round: plan against the zone and apply (a ProviderError propagates)."""
    return plan_and_apply(provider, desired, options)


def rounds(
    provider: RFC2136Provider, desired: list[Endpoint], options: PlanOptions, n: int
) -> None:
    """``n`` controller rounds, each failure tolerated (as a controller loop does)."""
    for _ in range(n):
        with contextlib.suppress(ProviderError):
            sync(provider, desired, options)


def owned(zone: dict[tuple[str, str], tuple[str, ...]], reg: TXTRegistry = REG) -> set[str]:
    """Names of A/AAAA/CNAME records whose ownership TXT (as ``reg`` names it) says ours."""
    mark = f"external-dns/owner={reg.owner_id}"
    return {
        name
        for name, rtype in zone
        if rtype in ("A", "AAAA", "CNAME")
        and any(mark in t for t in zone.get((reg.txt_name(name, rtype), "TXT"), ()))
    }


def edge_route(name: str, host: str, **kwargs: Any) -> Any:
    return model(route(name, hostnames=[host], parents=EDGE, status=[accepted("edge")], **kwargs))


# --- invariant 1: never an ownerless record ----------------------------------------------------
def test_one_txt_never_guards_two_records_under_a_wildcard_replacement(
    named: dict[str, Any], provider: RFC2136Provider
) -> None:
    """Two records share one ownership TXT; deleting one takes the other's TXT with it.

    With ``wildcard_replacement="any"`` the TXT of ``*.example.com A`` and the TXT of
    ``any.example.com A`` are both ``a-any.example.com``. ``plan`` lets both records be created
    (``_coexisting`` in _plan.py checks TXT names only against CNAMEs, never two records' TXT
    names against each other). While both routes exist, the shared TXT's resource label flips
    between the two routes every round (the plan is never empty). When the ``*`` route goes, its
    delete unit removes ``a-any.example.com`` TXT, so ``any.example.com A`` - still wanted - is
    left without its ownership TXT: unowned, refused (``not-owned``) and never deleted again.
    SPEC section 13 invariant 1: one TXT must never guard two records. Correct: the second
    record whose TXT name is already the TXT name of another desired (or owned) record is
    refused with a ``name-conflict`` diagnostic, like a CNAME at another record's TXT name.
    """
    options = PlanOptions(TXTRegistry(OWNER, wildcard_replacement="any"))
    star = ep("*.example.com", "192.0.2.1", resource="httproute/app/star")
    anyhost = ep("any.example.com", "192.0.2.2", resource="httproute/app/any")
    rounds(provider, [star, anyhost], options, 3)
    rounds(provider, [anyhost], options, 3)  # the wildcard route is deleted
    zone = dump(named)
    assert ("any.example.com", "A") in zone
    assert owned(zone, options.registry) == {"any.example.com"}, zone


def test_orphan_sweep_spares_the_old_format_txt_of_a_live_record(
    named: dict[str, Any], provider: RFC2136Provider
) -> None:
    """An old-format ownership TXT whose name happens to look like a new-format one is swept.

    external-dns before v0.12 wrote the ownership TXT at the record's own name. A zone taken
    over from it (same owner ID, SPEC section 13: "a zone written by external-dns before v0.12
    is adopted") holds ``a-team.example.com A`` and, next to it, its old-format TXT
    ``a-team.example.com TXT "heritage=...,owner=attack"``. ``_deletions`` in _plan.py reads that
    TXT name as the new-format TXT of ``team.example.com A`` (``TXTRegistry.record_of``), finds
    no such record and deletes it as an orphan, on the very first round - the record it guarded
    is then owned by nobody, for gatewaydns and for external-dns alike. docs/ownership.md
    promises the clean-up removes "never a TXT of another format". Correct: a TXT at the name of
    a live managed record is that record's (old-format) ownership TXT and is not an orphan.
    """
    msg = raw_update(named)
    msg.add("a-team.example.com.", 300, "A", "192.0.2.7")
    msg.add("a-team.example.com.", 300, "TXT", REG.txt_value("httproute/app/team"))
    send(named, msg)
    before = dump(named)
    with contextlib.suppress(ProviderError):
        sync(provider, [ep("a-team.example.com", "192.0.2.7")], PlanOptions(REG))
    assert dump(named).get(("a-team.example.com", "TXT")) == before[("a-team.example.com", "TXT")]


# --- invariant 3: one bad endpoint never blocks the rest ---------------------------------------
def test_record_set_over_binds_max_records_per_type_is_left_out(
    named: dict[str, Any], provider: RFC2136Provider
) -> None:
    """One tenant's route through 7 Gateways (112 addresses) stops all DNS updates, forever.

    BIND 9.18.28+ refuses an RRset of more than ``max-records-per-type`` (default 100) records
    with SERVFAIL. ``plan`` plans it like any other record; ``RFC2136Provider._send`` treats
    SERVFAIL as a server failure (not in ``_UNIT_RCODES``), so the whole message - every unit
    packed with it, at the default batch size all of them - fails, and ``apply_changes`` raises
    before sending anything else. Every round fails the same way (retryable=True), no diagnostic
    names the route, and nobody else's record is ever published. SPEC section 13 invariant 3.
    Correct: ``shop.example.com`` is published; the oversized record set fails (or is refused)
    alone, with a diagnostic or unit error naming it.
    """
    gateways = [
        model(gateway(f"g{j}", addresses=[f"10.{j}.0.{i}" for i in range(1, 17)])) for j in range(7)
    ]
    big = model(
        route(
            "big",
            hostnames=["big.example.com"],
            parents=[{"name": f"g{j}", "namespace": "infra"} for j in range(7)],
            status=[accepted(f"g{j}") for j in range(7)],
        )
    )
    shop = model(
        route(
            "shop",
            hostnames=["shop.example.com"],
            parents=[{"name": "g0", "namespace": "infra"}],
            status=[accepted("g0")],
        )
    )
    rec = Reconciler(ScriptedWatcher([*gateways, big, shop]), provider, owner_id=OWNER)
    for _ in range(3):
        rec.step()
    assert "shop.example.com" in owned(dump(named))


def test_provider_with_a_server_hostname_is_a_config_error(named: dict[str, Any]) -> None:
    """A DNS server given by name makes dnspython's ValueError escape every provider call.

    ``RFC2136Provider("localhost", ...)`` is accepted (external-dns's ``--rfc2136-host`` takes a
    host name); ``records()`` and ``apply_changes()`` then raise ``ValueError`` with an empty
    message from ``dns.inet.af_for_address``: ``_transfer`` and ``_send_message`` in
    adapters/rfc2136.py catch only ``DNSException``, ``OSError`` and ``EOFError``. The
    Reconciler catches ``ProviderError`` only, so ``step()`` raises and the controller dies.
    SPEC section 13 invariant 3: "No dnspython (or other client) exception escapes a provider:
    it is a ProviderError". Correct: a ``ConfigError`` at construction (or the name resolved),
    or at worst a non-retryable ``ProviderError`` saying the server must be an IP address. The
    same holds for ``port=70000`` (``OverflowError`` from the socket layer).
    """
    try:
        provider = RFC2136Provider(
            "localhost", [named["zone"]], key=named["key"], port=named["port"], timeout=2
        )
    except ConfigError:
        return  # refused up front, naming the setting: a correct fix
    gw = model(gateway("edge", addresses=["192.0.2.10"]))
    rec = Reconciler(
        ScriptedWatcher([gw, edge_route("shop", "shop.example.com")]), provider, owner_id=OWNER
    )
    rec.step()  # raises ValueError today; a provider failure must be a Round with an error


def test_scoped_ipv6_target_is_refused_with_a_diagnostic(
    named: dict[str, Any], provider: RFC2136Provider
) -> None:
    """A Gateway address ``fe80::1%eth0`` passes ``publish_problem`` and fails every apply.

    ``ipaddress.ip_address`` accepts a scoped IPv6 address, so ``_targets_problem`` in _plan.py
    passes it, and the computation copies it into an AAAA target; dnspython cannot encode it, so
    ``RFC2136Provider._encode`` fails the unit (non-retryable) in every round: ``Round.error`` is
    set each time, the route gets no diagnostic, and an operator sees a failing controller
    instead of a refused route. SPEC section 13 invariant 3: what a provider cannot store is
    left out of the plan with a diagnostic naming the route; the rest applies and the round is
    not an error. Correct: a diagnostic naming route ``scoped`` (``unpublishable`` from the
    plan, or the computation refusing the address), no round error.
    """
    gws = [
        model(gateway("edge", addresses=["192.0.2.10"])),
        model(gateway("scoped-gw", addresses=["fe80::1%eth0"])),
    ]
    scoped = model(
        route(
            "scoped",
            hostnames=["scoped.example.com"],
            parents=[{"name": "scoped-gw", "namespace": "infra"}],
            status=[accepted("scoped-gw")],
        )
    )
    watcher = ScriptedWatcher([*gws, scoped, edge_route("shop", "shop.example.com")])
    rec = Reconciler(watcher, provider, owner_id=OWNER)
    for _ in range(2):  # and not again and again
        rnd = rec.step()
        watcher.modify(scoped)
        assert rnd.error is None, rnd.error
    assert owned(dump(named)) == {"shop.example.com"}
    assert rec.result is not None
    said = [*(rnd.changes.diagnostics if rnd.changes else ()), *rec.result.diagnostics]
    assert "scoped" in {d.name for d in said}  # the computation or the plan names the route


def test_a_record_name_bind_refuses_is_left_out(
    named: dict[str, Any], provider: RFC2136Provider
) -> None:
    """An A record at ``_x.example.com`` passes ``plan`` and makes BIND refuse the message.

    ``name_problem`` in _dnsname.py ("why a DNS server would refuse name") allows ``_`` and a
    leading or trailing ``-`` in every label, for every record type. BIND's ``check-names``
    (on by default for primary zones) refuses A/AAAA owner names that are not host names with
    rcode REFUSED, for the whole UPDATE message. ``RFC2136Provider._send`` reads REFUSED as
    "the key is not allowed" (misleading advice), non-retryable, and stops: the other units -
    in the same message or later ones - are never applied, every round. ``plan`` is public API
    (SPEC section 12); endpoints need not come from ``compute_endpoints``. SPEC section 13
    invariant 3. Correct: ``_x.example.com A`` left out with ``unpublishable`` (or its unit
    failing alone), ``ok.example.com`` published.
    """
    desired = [ep("_x.example.com", "192.0.2.1"), ep("ok.example.com", "192.0.2.2")]
    with contextlib.suppress(ProviderError):
        sync(provider, desired, PlanOptions(REG))
    assert owned(dump(named)) == {"ok.example.com"}


def test_record_below_a_delegation_is_refused(
    named: dict[str, Any], provider: RFC2136Provider
) -> None:
    """A record below a zone cut in the managed zone is written, occluded, and reported fine.

    The zone delegates ``team.example.com`` (an NS record, visible to ``plan`` in the AXFR).
    A route for ``www.team.example.com`` is planned into ``example.com``; BIND stores it and
    its TXT below the cut, where nobody will ever be answered with it (a query gets the
    referral). The round succeeds with no diagnostic, so the route looks published; docs/
    ownership.md even recommends delegating part of a zone. SPEC section 13 invariant 3 (what
    the provider cannot usefully store is left out with a diagnostic naming the route).
    Correct: ``www.team.example.com`` refused (``unpublishable``: below the delegation
    ``team.example.com``), nothing written below the cut.
    """
    msg = raw_update(named)
    msg.add("team.example.com.", 300, "NS", "ns.team.example.net.")
    send(named, msg)
    changes = sync(provider, [ep("www.team.example.com", "192.0.2.1")], PlanOptions(REG))
    assert query(named, "www.team.example.com", "A") == (0, [])  # not served, as BIND works
    assert ("www.team.example.com", "A") not in dump(named)
    assert "www.team.example.com" in {d.hostname for d in changes.diagnostics}


# --- SPEC section 13 (registry, domain filter) and invariants 6, 7 -----------------------------
def test_quiet_cluster_repairs_drift_at_the_resync() -> None:
    """An owned record someone deleted is restored while the cluster is quiet (SPEC 13.6)."""
    provider = InMemoryProvider()
    gw = model(gateway("edge", addresses=["192.0.2.10"]))
    now = [0.0]
    rec = Reconciler(
        ScriptedWatcher([gw, edge_route("shop", "shop.example.com")]),
        provider,
        owner_id=OWNER,
        resync=60,
        clock=lambda: now[0],
    )
    assert rec.step().applied
    provider.remove("shop.example.com", "A")
    for _ in range(5):
        now[0] += 15
        rec.step()
    assert provider.get("shop.example.com", "A") is not None


def test_restart_while_the_controller_lags_keeps_the_held_record(
    named: dict[str, Any], provider: RFC2136Provider
) -> None:
    """After a restart, a route whose status lags loses its record in the first round.

    SPEC sections 9 and 13 invariant 7: "a controller's first round builds ``previous`` from
    the records it owns (the resource label of their ownership TXT), and a restart while the
    controller lags holds exactly as a running process would". ``Reconciler.recompute`` passes
    ``previous=None`` until it has a ``Result`` of its own, so under ``strict`` the lagging
    route has no endpoints and ``sync`` deletes ``shop.example.com`` - the flapping the library
    exists to prevent, on every controller restart. Correct: the first round holds the record
    (``held`` diagnostic) and deletes nothing.
    """
    gw = model(gateway("edge", addresses=["192.0.2.10"]))
    shop = edge_route("shop", "shop.example.com")
    first = Reconciler(ScriptedWatcher([gw, shop]), provider, owner_id=OWNER)
    assert first.step().applied
    assert owned(dump(named)) == {"shop.example.com"}
    # the route is edited (generation 2); its Gateway controller has not caught up yet
    lagging = model(
        route(
            "shop",
            hostnames=["shop.example.com"],
            parents=EDGE,
            status=[accepted("edge", generation=1)],
            generation=2,
        )
    )
    restarted = Reconciler(ScriptedWatcher([gw, lagging]), provider, owner_id=OWNER)
    restarted.step()
    assert owned(dump(named)) == {"shop.example.com"}


# --- determinism -----------------------------------------------------------------------------
def test_plan_is_independent_of_the_order_of_case_variants() -> None:
    """Two spellings of one record set in ``current`` give a plan that depends on their order.

    ``_Zone.__init__`` in _plan.py merges ``Www.example.com`` and ``www.example.com`` (one
    record set, invariant 4) but keeps the TTL of whichever came first, so the same inputs in
    another order plan an update or nothing. Standards: same input, same output, independent
    of input order. Correct: the merge is order-independent (e.g. the lowest TTL, or always an
    update), and both orders give the same ``Changes``.
    """
    txt = Endpoint(
        dns_name="a-www.example.com",
        targets=(REG.txt_value("httproute/app/r"),),
        record_type="TXT",
        record_ttl=60,
    )
    upper = Endpoint(
        dns_name="Www.example.com", targets=("192.0.2.1",), record_type="A", record_ttl=300
    )
    lower = Endpoint(
        dns_name="www.example.com", targets=("192.0.2.1",), record_type="A", record_ttl=60
    )
    want = [ep("www.example.com", "192.0.2.1").model_copy(update={"record_ttl": 60})]
    one = plan(want, [upper, lower, txt], PlanOptions(REG))
    other = plan(want, [lower, upper, txt], PlanOptions(REG))
    assert one.to_json() == other.to_json()


def test_provider_error_counts_applied_units(
    named: dict[str, Any], provider: RFC2136Provider
) -> None:
    """``apply_changes`` says "0 applied" when one unit could not be encoded and one applied.

    ``applied = len(encoded) - len(failures)`` in ``RFC2136Provider.apply_changes`` subtracts the
    failures of units that were never encoded (they are not in ``encoded``) from the encoded
    ones. An operator reading "1 change(s) failed, 0 applied" believes nothing reached the
    zone. Correct: "1 change(s) failed, 1 applied".
    """
    bad = ep("scoped.example.com", "fe80::1%eth0", rtype="AAAA")
    good = ep("good.example.com", "192.0.2.1")
    changes = gatewaydns.Changes(
        units=[
            gatewaydns.ChangeUnit(create=(REG.txt_record(bad), bad)),
            gatewaydns.ChangeUnit(create=(REG.txt_record(good), good)),
        ]
    )
    with pytest.raises(ProviderError) as info:
        provider.apply_changes(changes)
    assert owned(dump(named)) == {"good.example.com"}
    assert "1 change(s) failed, 1 applied" in str(info.value)


# --- attacks the write path withstood (kept as regression tests; these pass) -------------------
def test_sigkill_of_named_mid_apply_never_leaves_half_a_unit(tmp_path: Any) -> None:
    """SIGKILL the server while ``apply_changes`` streams messages, restart it, read the zone.

    A private ``named`` (the shared one must survive) is killed at a random moment during an
    apply of up to 150 create or delete units (batches of 20), then restarted from its zone file
    and journal. Whatever was or was not applied, every A record has its ownership TXT and
    every TXT its A record: BIND applies each UPDATE message all or nothing, also across a
    crash, and the provider never splits a unit (SPEC section 13 invariant 1).
    """
    import random
    import signal
    import subprocess
    import threading
    import time

    import dns.exception

    from gatewaydns.adapters.rfc2136 import TSIGKey

    from . import bind_server

    def wait_for(access: dict[str, Any]) -> dict[tuple[str, str], tuple[str, ...]]:
        """The zone, once the restarted server has loaded it (zone file and journal)."""
        for _ in range(200):
            try:
                return dump(access)
            except (OSError, EOFError, dns.exception.DNSException):
                time.sleep(0.05)
        raise AssertionError("named did not come back")

    if bind_server.named_binary() is None:
        pytest.skip("named is not installed")
    directory = tmp_path / "named"
    server = bind_server.start(directory)
    zone_access: dict[str, Any] = {
        "host": server.host,
        "port": server.port,
        "key": TSIGKey(server.key_name, server.secret),
        "zone": server.zone,
    }
    provider = RFC2136Provider(
        server.host,
        [server.zone],
        key=zone_access["key"],
        port=server.port,
        timeout=2,
        batch_size=20,
    )
    rng = random.Random(7)
    try:
        for i in range(10):
            n = rng.choice([50, 150])
            desired = [] if i % 2 else [ep(f"h{i}-{j}.example.com", "192.0.2.1") for j in range(n)]
            changes = plan(
                desired,
                provider.records(),
                PlanOptions(REG, force=True),
                zones=provider.zones,
                capabilities=provider.capabilities,
            )
            proc = bind_server._PROCS[directory]
            timer = threading.Timer(rng.uniform(0.0, 0.15), proc.send_signal, (signal.SIGKILL,))
            timer.start()
            with contextlib.suppress(ProviderError):
                provider.apply_changes(changes)
            timer.join()
            proc.wait()
            with open(directory / "named.log", "ab") as log:
                bind_server._PROCS[directory] = subprocess.Popen(
                    [str(bind_server.named_binary()), "-g", "-c", str(directory / "named.conf")],
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            zone = wait_for(zone_access)
            records = {name for name, t in zone if t == "A" and name != "ns.example.com"}
            txts = {name for name, t in zone if t == "TXT"}
            assert {REG.txt_name(r, "A") for r in records} == txts, (i, zone)
    finally:
        bind_server.stop(directory)
