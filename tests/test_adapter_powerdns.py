"""The PowerDNS provider against a real pdns_server (SQLite backend): SPEC section 13.

The same invariants as the RFC 2136 tests (tests/test_integrity_bind.py), where they apply to an
HTTP API. The zone is read back by AXFR (tests/pdnsutil.py), never through the provider under
test; foreign records and concurrent writers use the API directly.
"""

from __future__ import annotations

from typing import Any

import pytest

from gatewaydns import (
    Changes,
    ChangeUnit,
    ConfigError,
    DomainFilter,
    Endpoint,
    PlanOptions,
    ProviderError,
    Reconciler,
    TXTRegistry,
    plan,
)
from gatewaydns.adapters.powerdns import PowerDNSProvider
from gatewaydns.testing import ScriptedWatcher

from . import pdns_server
from .helpers import accepted, gateway, model, route
from .pdnsutil import FaultyPowerDNS, dump, patch

OWNER = "integrity"
REG = TXTRegistry(OWNER)
EMPTY = {("ns.example.com", "A"): ("127.0.0.1",)}


def ep(
    name: str, *targets: str, rtype: str = "A", resource: str = "httproute/app/r", sid: str = ""
) -> Endpoint:
    return Endpoint(
        dns_name=name,
        targets=targets,
        record_type=rtype,
        set_identifier=sid,
        labels={"resource": resource},
    )


def sync(
    provider: PowerDNSProvider, desired: list[Endpoint], options: PlanOptions | None = None
) -> Changes:
    changes = plan(
        provider.adjust_endpoints(desired),
        provider.records(),
        options or PlanOptions(REG),
        zones=provider.zones,
        capabilities=provider.capabilities,
    )
    provider.apply_changes(changes)
    return changes


def ours(zone: dict[tuple[str, str], tuple[str, ...]], reg: TXTRegistry = REG) -> set[str]:
    """Names of A/AAAA/CNAME records the zone says are ours."""
    mark = f"external-dns/owner={reg.owner_id}"
    return {
        name
        for name, rtype in zone
        if rtype in ("A", "AAAA", "CNAME")
        and any(mark in t for t in zone.get((reg.txt_name(name, rtype), "TXT"), ()))
    }


@pytest.fixture
def faulty(pdns: dict[str, Any], pdns_provider: PowerDNSProvider) -> FaultyPowerDNS:
    return FaultyPowerDNS(pdns["api"], [pdns["zone"]], api_key=pdns["key"], default_ttl=120)


def test_create_update_delete_round_trip(pdns: dict[str, Any], pdns_provider: Any) -> None:
    www = ep("www.example.com", "192.0.2.1", "192.0.2.2")
    v6 = ep("www.example.com", "2001:db8::1", rtype="AAAA")
    alias = ep("shop.example.com", "LB.Example.NET.", rtype="CNAME")
    sync(pdns_provider, [www, v6, alias])
    zone = dump(pdns)
    assert zone[("www.example.com", "A")] == ("192.0.2.1", "192.0.2.2")
    assert zone[("shop.example.com", "CNAME")] == ("lb.example.net",)
    assert ours(zone) == {"www.example.com", "shop.example.com"}
    assert sync(pdns_provider, [www, v6, alias]).is_empty()  # converged
    sync(pdns_provider, [ep("www.example.com", "192.0.2.3")])
    zone = dump(pdns)
    assert zone[("www.example.com", "A")] == ("192.0.2.3",)
    assert ("www.example.com", "AAAA") not in zone
    assert ("aaaa-www.example.com", "TXT") not in zone
    assert ("shop.example.com", "CNAME") not in zone
    sync(pdns_provider, [])
    assert dump(pdns) == EMPTY


def test_records_are_normalised(pdns: dict[str, Any], pdns_provider: Any) -> None:
    patch(
        pdns,
        ("alias.example.com", "CNAME", ["LB.Example.NET."]),
        ("v6.example.com", "AAAA", ["2001:DB8:0:0::1"]),
    )
    records = {(e.dns_name, e.record_type): e.targets for e in pdns_provider.records()}
    assert records[("alias.example.com", "CNAME")] == ("lb.example.net",)
    assert records[("v6.example.com", "AAAA")] == ("2001:db8::1",)
    assert all(name == name.lower() and not name.endswith(".") for name, _ in records)


# --- 1: a CNAME at another record's TXT name ------------------------------------------------------
def test_cname_at_another_records_txt_name(pdns: dict[str, Any], pdns_provider: Any) -> None:
    www = ep("www.example.com", "192.0.2.1", resource="httproute/app/www")
    tenant = ep("a-www.example.com", "lb.example.net", rtype="CNAME", resource="httproute/t/t")
    changes = sync(pdns_provider, [www, tenant])
    assert [d.reason for d in changes.diagnostics] == ["name-conflict"]
    assert ours(dump(pdns)) == {"www.example.com"}
    assert ("a-www.example.com", "CNAME") not in dump(pdns)
    sync(pdns_provider, [])
    assert dump(pdns) == EMPTY


# --- 2: concurrent writers, lost requests, atomic units -------------------------------------------
def test_concurrent_writer_fails_one_unit_the_rest_applies(
    pdns: dict[str, Any], faulty: FaultyPowerDNS
) -> None:
    desired = [ep(f"h{i}.example.com", f"192.0.2.{i}") for i in range(5)]
    # someone creates h2 between our read (records) and our write (apply_changes re-reads)
    faulty.before_read[2] = lambda: patch(pdns, ("h2.example.com", "A", ["198.51.100.2"]))
    with pytest.raises(ProviderError, match="changed since it was read") as info:
        sync(faulty, desired)
    assert info.value.retryable
    assert "1 change(s) failed, 4 applied" in str(info.value)
    zone = dump(pdns)
    assert ours(zone) == {f"h{i}.example.com" for i in (0, 1, 3, 4)}
    assert zone[("h2.example.com", "A")] == ("198.51.100.2",)  # theirs, untouched
    assert ("a-h2.example.com", "TXT") not in zone
    again = sync(faulty, desired)
    assert [d.reason for d in again.diagnostics] == ["not-owned"]
    assert again.is_empty()


def test_update_refused_when_ownership_changed_meanwhile(
    pdns: dict[str, Any], faulty: FaultyPowerDNS
) -> None:
    sync(faulty, [ep("www.example.com", "192.0.2.1")])
    ours_txt = REG.txt_record(ep("www.example.com", "192.0.2.1")).targets[0]
    thief = TXTRegistry("thief").txt_value("r")
    faulty.before_read[faulty.reads + 2] = lambda: patch(
        pdns, ("a-www.example.com", "TXT", [ours_txt, thief])
    )
    with pytest.raises(ProviderError, match="changed since it was read") as info:
        sync(faulty, [ep("www.example.com", "192.0.2.2")])
    assert info.value.retryable
    assert dump(pdns)[("www.example.com", "A")] == ("192.0.2.1",)  # nothing of the unit applied
    contested = sync(faulty, [ep("www.example.com", "192.0.2.2")])
    assert [d.reason for d in contested.diagnostics] == ["contested-ownership"]
    assert dump(pdns)[("www.example.com", "A")] == ("192.0.2.1",)


def test_deleting_what_someone_changed_meanwhile_is_refused(
    pdns: dict[str, Any], faulty: FaultyPowerDNS
) -> None:
    sync(faulty, [ep("www.example.com", "192.0.2.1")])
    faulty.before_read[faulty.reads + 2] = lambda: patch(
        pdns, ("www.example.com", "A", ["198.51.100.9"])
    )
    with pytest.raises(ProviderError, match="no longer holds what was read"):
        sync(faulty, [])
    assert dump(pdns)[("www.example.com", "A")] == ("198.51.100.9",)


def test_writer_between_the_check_and_the_patch_is_overwritten(
    pdns: dict[str, Any], faulty: FaultyPowerDNS
) -> None:
    """The documented limit: PowerDNS has no conditional PATCH (docs/adapters.md)."""
    faulty.before[1] = lambda: patch(pdns, ("w.example.com", "A", ["198.51.100.1"]))
    sync(faulty, [ep("w.example.com", "192.0.2.1")])
    assert dump(pdns)[("w.example.com", "A")] == ("192.0.2.1",)
    assert ours(dump(pdns)) == {"w.example.com"}


def test_a_unit_is_never_split_across_requests(
    pdns: dict[str, Any], faulty: FaultyPowerDNS
) -> None:
    faulty.batch_size = 1
    sync(faulty, [ep(f"u{i}.example.com", "192.0.2.1") for i in range(4)])
    faulty.patches.clear()
    desired = [ep(f"u{i}.example.com", "192.0.2.9") for i in range(2)] + [
        ep(f"n{i}.example.com", "lb.example.net", rtype="CNAME") for i in range(2)
    ]  # 2 updates, 2 creates, u2 and u3 deleted
    sync(faulty, desired)
    assert len(faulty.patches) == 6
    for body in faulty.patches:
        names = {op["name"].rstrip(".") for op in body["rrsets"]}
        records = {n for n in names if not n.startswith(("a-", "cname-"))}
        [record] = records
        rtype = "A" if record[0] == "u" else "CNAME"
        txt = REG.txt_name(record, rtype)
        # u0, u1: a target update leaves the TXT as it is; the deletes and creates take theirs
        updated = record in ("u0.example.com", "u1.example.com")
        assert names == ({record} if updated else {record, txt})
    zone = dump(pdns)
    assert ours(zone) == {"u0.example.com", "u1.example.com", "n0.example.com", "n1.example.com"}


def test_a_unit_may_rely_on_the_units_before_it(
    pdns: dict[str, Any], faulty: FaultyPowerDNS
) -> None:
    """A unit is checked against the zone the units before it leave, as PowerDNS applies them."""
    old = ep("x.example.com", "lb.example.net", rtype="CNAME")
    sync(faulty, [old])
    new = ep("x.example.com", "192.0.2.1")
    changes = Changes(
        units=[
            ChangeUnit(delete=(old, REG.txt_record(old))),
            ChangeUnit(create=(REG.txt_record(new), new)),
        ]
    )
    faulty.patches.clear()
    faulty.apply_changes(changes)
    assert len(faulty.patches) == 1
    zone = dump(pdns)
    assert ("x.example.com", "CNAME") not in zone
    assert ours(zone) == {"x.example.com"}


def test_units_share_a_request_by_default(pdns: dict[str, Any], faulty: FaultyPowerDNS) -> None:
    sync(faulty, [ep(f"b{i}.example.com", "192.0.2.1") for i in range(30)])
    assert len(faulty.patches) == 1
    assert len(faulty.patches[0]["rrsets"]) == 60
    assert len(ours(dump(pdns))) == 30


def test_lost_requests_and_responses_through_the_reconciler(
    pdns: dict[str, Any], faulty: FaultyPowerDNS
) -> None:
    gw = model(gateway("edge", addresses=["192.0.2.10"]))
    routes = [
        model(
            route(
                f"r{i}",
                hostnames=[f"r{i}.example.com"],
                parents=[{"name": "edge", "namespace": "infra"}],
                status=[accepted("edge")],
            )
        )
        for i in range(6)
    ]
    watcher = ScriptedWatcher([gw, *routes])
    rec = Reconciler(watcher, faulty, owner_id=OWNER)
    faulty.drop.add(1)
    first = rec.step()
    assert first.error is not None
    assert first.retryable
    assert ours(dump(pdns)) == set()
    faulty.lose_response.add(2)  # applied by the server, but we never hear it
    second = rec.step()
    assert second.error is not None
    assert second.retryable
    third = rec.step()  # re-reads: everything is there, nothing to do
    assert third.applied
    assert third.changes is not None
    assert third.changes.is_empty()
    assert ours(dump(pdns)) == {f"r{i}.example.com" for i in range(6)}
    watcher.delete(*routes[:2])
    assert rec.step().applied
    assert ours(dump(pdns)) == {f"r{i}.example.com" for i in range(2, 6)}


# --- 3, 4: registry formats -----------------------------------------------------------------------
def test_mixed_case_prefix_round_trips(pdns: dict[str, Any], pdns_provider: Any) -> None:
    options = PlanOptions(TXTRegistry(OWNER, prefix="Own-"))
    sync(pdns_provider, [ep("www.example.com", "192.0.2.1")], options)
    assert ("own-a-www.example.com", "TXT") in dump(pdns)
    assert sync(pdns_provider, [ep("www.example.com", "192.0.2.1")], options).is_empty()


def test_orphan_sweep_spares_old_format_and_other_prefix(
    pdns: dict[str, Any], pdns_provider: Any
) -> None:
    records = [ep(f"h{i}.example.com", "192.0.2.1") for i in range(15)]
    sync(pdns_provider, records)
    rrsets = []
    for r in records:  # what older external-dns versions (and another prefix) left behind
        rrsets.append((r.dns_name, "TXT", [REG.txt_value("httproute/app/r")]))
        txt = TXTRegistry(OWNER, prefix="txt.").txt_record(r)
        rrsets.append((txt.dns_name, "TXT", list(txt.targets)))
    patch(pdns, *rrsets)
    before = dump(pdns)
    changes = sync(pdns_provider, records)
    assert changes.is_empty()
    assert changes.withheld == ()
    assert dump(pdns) == before


# --- 5, 6: what the provider cannot store ----------------------------------------------------------
def test_odd_names_never_stop_the_others(pdns: dict[str, Any], pdns_provider: Any) -> None:
    gw = model(gateway("edge", addresses=["192.0.2.10"]))
    parents = [{"name": "edge", "namespace": "infra"}]
    long_label = "l" * 63 + ".example.com"  # its TXT label would be 65 octets
    long_route = "r" * 180  # a valid Kubernetes name; its TXT value is over 255 octets
    routes = [
        model(route("odd", hostnames=[long_label], parents=parents, status=[accepted("edge")])),
        model(
            route(
                long_route,
                hostnames=["long.example.com"],
                parents=parents,
                status=[accepted("edge")],
            )
        ),
        model(
            route(
                "fine", hostnames=["fine.example.com"], parents=parents, status=[accepted("edge")]
            )
        ),
    ]
    watcher = ScriptedWatcher([gw, *routes])
    rec = Reconciler(watcher, pdns_provider, owner_id=OWNER)
    first = rec.step()
    assert first.applied, first.error
    assert first.changes is not None
    assert [(d.name, d.reason) for d in first.changes.diagnostics] == [("odd", "unpublishable")]
    zone = dump(pdns)
    assert ours(zone) == {"fine.example.com", "long.example.com"}
    [value] = zone[("a-long.example.com", "TXT")]
    assert value.count('" "') == 1  # stored as two character-strings, read back as one value
    watcher.modify(routes[1])
    again = rec.step()
    assert again.changes is not None
    assert again.changes.is_empty()


def test_apex_and_set_identifier_are_left_out(pdns: dict[str, Any], pdns_provider: Any) -> None:
    gw = model(gateway("edge", addresses=["192.0.2.10"]))
    parents = [{"name": "edge", "namespace": "infra"}]
    routes = [
        model(route("apex", hostnames=["example.com"], parents=parents, status=[accepted("edge")])),
        model(
            route(
                "weighted",
                hostnames=["w.example.com"],
                parents=parents,
                status=[accepted("edge")],
                annotations={"external-dns.kubernetes.io/set-identifier": "eu"},
            )
        ),
        model(
            route(
                "shop", hostnames=["shop.example.com"], parents=parents, status=[accepted("edge")]
            )
        ),
    ]
    watcher = ScriptedWatcher([gw, *routes])
    rec = Reconciler(watcher, pdns_provider, owner_id=OWNER)
    first = rec.step()  # a full round reports every refusal; event rounds plan what changed
    assert first.changes is not None
    assert sorted(d.name for d in first.changes.diagnostics) == ["apex", "weighted"]
    for _ in range(3):  # every round succeeds, not only the first
        watcher.modify(routes[2])
        assert rec.step().error is None
    assert ours(dump(pdns)) == {"shop.example.com"}
    assert ("example.com", "A") not in dump(pdns)


def test_a_set_identifier_unit_fails_alone(pdns: dict[str, Any], pdns_provider: Any) -> None:
    weighted = ep("w.example.com", "192.0.2.1", sid="eu")
    fine = ep("fine.example.com", "192.0.2.1")
    changes = Changes(
        units=[
            ChangeUnit(create=(REG.txt_record(weighted), weighted)),
            ChangeUnit(create=(REG.txt_record(fine), fine)),
        ]
    )
    with pytest.raises(ProviderError, match="no routing policies") as info:
        pdns_provider.apply_changes(changes)
    assert not info.value.retryable
    assert ours(dump(pdns)) == {"fine.example.com"}


def test_a_unit_powerdns_refuses_fails_alone(pdns: dict[str, Any], faulty: FaultyPowerDNS) -> None:
    bad = Endpoint(dns_name="mail.example.com", targets=("not an mx",), record_type="MX")
    units = [
        ChangeUnit(create=(REG.txt_record(e), e))
        for e in (ep("a1.example.com", "192.0.2.1"), bad, ep("a2.example.com", "192.0.2.2"))
    ]
    with pytest.raises(ProviderError, match=r"1 change\(s\) failed, 2 applied.*HTTP 422") as info:
        faulty.apply_changes(Changes(units=units))
    assert not info.value.retryable
    assert len(faulty.patches) == 4  # all three together, then each alone
    zone = dump(pdns)
    assert ours(zone) == {"a1.example.com", "a2.example.com"}
    assert ("mail.example.com", "MX") not in zone
    assert (REG.txt_name("mail.example.com", "MX"), "TXT") not in zone


# --- 7, 8, 9, 11: foreign data ---------------------------------------------------------------------
def test_no_cname_next_to_foreign_data(pdns: dict[str, Any], pdns_provider: Any) -> None:
    patch(
        pdns,
        ("mail.example.com", "MX", ["10 mx.example.net."]),
        ("spf.example.com", "TXT", ['"v=spf1 -all"']),
    )
    before = dump(pdns)
    desired = [
        ep("mail.example.com", "lb.example.net", rtype="CNAME"),
        ep("spf.example.com", "lb.example.net", rtype="CNAME"),
    ]
    for _ in range(2):
        changes = sync(pdns_provider, desired)
        assert changes.is_empty()
        assert [d.reason for d in changes.diagnostics] == ["not-owned", "not-owned"]
    assert dump(pdns) == before


def test_foreign_records_are_left_alone(pdns: dict[str, Any], pdns_provider: Any) -> None:
    patch(pdns, ("shop.example.com", "A", ["198.51.100.7"]))
    before = dump(pdns)
    changes = sync(pdns_provider, [ep("shop.example.com", "192.0.2.1")])
    assert [d.reason for d in changes.diagnostics] == ["not-owned"]
    sync(pdns_provider, [])
    assert dump(pdns) == before


def test_forged_labels_and_txt_outside_the_filter(pdns: dict[str, Any], pdns_provider: Any) -> None:
    options = PlanOptions(REG, domain_filter=DomainFilter(("sub.example.com",)))
    desired = [
        ep("x.sub.example.com", "192.0.2.1", resource="httproute/app/x,external-dns/owner=victim"),
        ep("sub.example.com", "192.0.2.1"),
        ep("ok.sub.example.com", "192.0.2.1"),
    ]
    changes = sync(pdns_provider, desired, options)
    assert [d.reason for d in changes.diagnostics] == ["unpublishable"] * 2
    assert ours(dump(pdns)) == {"ok.sub.example.com"}


@pytest.mark.parametrize("me", ["aaa", "zzz"])
def test_two_owners_claims_are_nobodys(pdns: dict[str, Any], pdns_provider: Any, me: str) -> None:
    patch(
        pdns,
        ("www.example.com", "A", ["192.0.2.1"]),
        ("a-www.example.com", "TXT", [TXTRegistry(o).txt_value("r") for o in ("aaa", "zzz")]),
    )
    before = dump(pdns)
    options = PlanOptions(TXTRegistry(me))
    assert [d.reason for d in sync(pdns_provider, [], options).diagnostics] == [
        "contested-ownership"
    ]
    assert dump(pdns) == before


# --- errors ------------------------------------------------------------------------------------------
def test_configuration_is_checked_up_front(pdns: dict[str, Any]) -> None:
    with pytest.raises(ConfigError, match="at least one zone"):
        PowerDNSProvider(pdns["api"], [], api_key="k")
    with pytest.raises(ConfigError, match="API key"):
        PowerDNSProvider(pdns["api"], ["example.com"], api_key="")
    with pytest.raises(ConfigError, match="not an http"):
        PowerDNSProvider("ftp://x", ["example.com"], api_key="k")
    provider = PowerDNSProvider(pdns["api"], ["example.com"], api_key="s3cret")
    assert "s3cret" not in repr(provider)


def test_errors_say_what_to_fix(pdns: dict[str, Any], pdns_provider: Any) -> None:
    wrong_key = PowerDNSProvider(pdns["api"], [pdns["zone"]], api_key="wrong")
    with pytest.raises(ProviderError, match="refused the API key") as info:
        wrong_key.records()
    assert not info.value.retryable
    no_zone = PowerDNSProvider(pdns["api"], ["example.org"], api_key=pdns["key"])
    with pytest.raises(ProviderError, match="zone exists") as info:
        no_zone.records()
    assert not info.value.retryable
    closed = pdns_server._free_port()  # nothing listens there
    down = PowerDNSProvider(f"http://127.0.0.1:{closed}", [pdns["zone"]], api_key="k", timeout=2)
    with pytest.raises(ProviderError, match="refused or dropped") as info:
        down.records()
    assert info.value.retryable


def test_adapters_page_shows_the_tested_powerdns_configuration() -> None:
    import pathlib

    text = (pathlib.Path(__file__).parent.parent / "docs/adapters.md").read_text()
    conf = pdns_server.PDNS_CONF.format(
        dir="/var/lib/gatewaydns-pdns", dns_port=5300, api_port=8081, key="<a long random key>"
    )
    assert conf in text
