"""Ownership integrity against a real BIND 9 (SPEC section 13; one test per defect of #11).

The zone is read back with an independent AXFR (tests/dnsutil.py), never through the provider
under test. Faults a server cannot produce on demand (a concurrent writer between read and
apply, a lost message) are injected in the provider's message exchange.
"""

from __future__ import annotations

from typing import Any

import pytest

import gatewaydns
from gatewaydns import (
    Changes,
    ConfigError,
    DomainFilter,
    Endpoint,
    PlanOptions,
    ProviderError,
    Reconciler,
    TXTRegistry,
)
from gatewaydns.adapters.rfc2136 import RFC2136Provider, TSIGKey
from gatewaydns.testing import ScriptedWatcher

from .dnsutil import Faulty, dump, plan_and_apply, query, raw_update, send
from .helpers import accepted, gateway, model, route

OWNER = "integrity"
REG = TXTRegistry(OWNER)


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
    provider: RFC2136Provider, desired: list[Endpoint], options: PlanOptions | None = None
) -> Changes:
    return plan_and_apply(provider, desired, options or PlanOptions(REG))


def ours(zone: dict[tuple[str, str], tuple[str, ...]], reg: TXTRegistry = REG) -> set[str]:
    """Names of A/AAAA/CNAME records the zone says are ours."""
    mark = f"external-dns/owner={reg.owner_id}"
    return {
        name
        for name, rtype in zone
        if rtype in ("A", "AAAA", "CNAME")
        and any(mark in t for t in zone.get((reg.txt_name(name, rtype), "TXT"), ()))
    }


def assert_no_ownerless_records(named: dict[str, Any], created: set[tuple[str, str]]) -> None:
    """Every record the test had gatewaydns create still has its ownership TXT."""
    zone = dump(named)
    for name, rtype in created:
        if (name, rtype) in zone:
            txt = zone.get((REG.txt_name(name, rtype), "TXT"), ())
            assert any(f"owner={OWNER}" in t for t in txt), (name, rtype, txt)


@pytest.fixture
def faulty(named: dict[str, Any], provider: RFC2136Provider) -> Faulty:
    return Faulty(
        named["host"], [named["zone"]], key=named["key"], port=named["port"], default_ttl=120
    )


# --- 1 -----------------------------------------------------------------------------------------
def test_1_cname_at_another_records_txt_name(named: dict[str, Any], provider: Any) -> None:
    www = ep("www.example.com", "192.0.2.1", resource="httproute/app/www")
    tenant = ep("a-www.example.com", "lb.example.net", rtype="CNAME", resource="httproute/t/t")
    changes = sync(provider, [www, tenant])
    assert [d.reason for d in changes.diagnostics] == ["name-conflict"]
    zone = dump(named)
    assert ("a-www.example.com", "CNAME") not in zone
    assert ours(zone) == {"www.example.com"}
    assert sync(provider, [www, tenant]).is_empty()
    # the tenant's CNAME came first: the A is refused instead of losing its TXT
    sync(provider, [])
    sync(provider, [tenant])
    changes = sync(provider, [tenant, www])
    assert [d.reason for d in changes.diagnostics] == ["not-owned"]
    assert ("www.example.com", "A") not in dump(named)
    sync(provider, [])  # every route deleted: nothing of ours stays behind
    assert dump(named) == {("ns.example.com", "A"): ("127.0.0.1",)}


@pytest.mark.parametrize("name", ["b.example.com", "0.example.com"])
def test_1_our_cname_that_loses_its_name_frees_it_in_one_round(
    named: dict[str, Any], provider: Any, name: str
) -> None:
    """A route's CNAME at ``a-<name>``; another route then wants an A there and at ``<name>``,
    whose TXT name is ``a-<name>``: the A wins, the CNAME goes, and both A records are created
    in the same round, whichever way the two names sort (it took a second full plan before)."""
    at = f"a-{name}"
    cname = ep(at, "lb.example.net", rtype="CNAME", resource="httproute/app/r1")
    wants = [
        ep(at, "192.0.2.4", resource="httproute/app/r0"),
        ep(name, "192.0.2.4", resource="httproute/app/r0"),
        cname,
    ]
    sync(provider, [cname])
    assert (at, "CNAME") in dump(named)
    changes = sync(provider, wants)
    assert [d.reason for d in changes.diagnostics] == ["name-conflict"]  # the CNAME's
    zone = dump(named)
    assert (at, "CNAME") not in zone
    assert ours(zone) == {at, name}
    assert sync(provider, wants).is_empty()
    sync(provider, [])
    assert dump(named) == {("ns.example.com", "A"): ("127.0.0.1",)}


# --- 2 -----------------------------------------------------------------------------------------
def test_2_concurrent_writer_fails_one_unit_the_rest_applies(
    named: dict[str, Any], faulty: Faulty
) -> None:
    desired = [ep(f"h{i}.example.com", f"192.0.2.{i}") for i in range(5)]

    def writer(_message: Any) -> None:  # someone creates h2 between our read and our update
        msg = raw_update(named)
        msg.add("h2.example.com.", 300, "A", "198.51.100.2")
        send(named, msg)

    faulty.before[1] = writer
    with pytest.raises(ProviderError) as info:
        sync(faulty, desired)
    assert info.value.retryable
    assert "1 change(s) failed, 4 applied" in str(info.value)
    zone = dump(named)
    assert ours(zone) == {f"h{i}.example.com" for i in (0, 1, 3, 4)}
    assert zone[("h2.example.com", "A")] == ("198.51.100.2",)  # theirs, untouched
    assert ("a-h2.example.com", "TXT") not in zone
    again = sync(faulty, desired)
    assert [d.reason for d in again.diagnostics] == ["not-owned"]
    assert again.is_empty()


def test_2_update_refused_when_ownership_changed_meanwhile(
    named: dict[str, Any], faulty: Faulty
) -> None:
    sync(faulty, [ep("www.example.com", "192.0.2.1")])

    def thief(_message: Any) -> None:  # another controller adds its claim to our TXT
        msg = raw_update(named)
        msg.add("a-www.example.com.", 300, "TXT", TXTRegistry("thief").txt_value("r"))
        send(named, msg)

    faulty.before[len(faulty.messages) + 1] = thief
    with pytest.raises(ProviderError, match="changed since it was read") as info:
        sync(faulty, [ep("www.example.com", "192.0.2.2")])
    assert info.value.retryable
    assert dump(named)[("www.example.com", "A")] == ("192.0.2.1",)  # nothing of the unit applied
    contested = sync(faulty, [ep("www.example.com", "192.0.2.2")])
    assert [d.reason for d in contested.diagnostics] == ["contested-ownership"]


def test_2_a_unit_is_never_split_across_messages(named: dict[str, Any], faulty: Faulty) -> None:
    faulty.batch_size = 1
    current = [ep(f"u{i}.example.com", "192.0.2.1") for i in range(4)]
    sync(faulty, current)
    faulty.messages.clear()
    desired = [ep(f"u{i}.example.com", "192.0.2.9") for i in range(2)] + [  # 2 updates
        ep(f"n{i}.example.com", "lb.example.net", rtype="CNAME")
        for i in range(2)  # 2 creates
    ]  # and u2, u3 deleted
    sync(faulty, desired)
    assert len(faulty.messages) == 6
    for message in faulty.messages:  # the record and its TXT: changed or a prerequisite
        sections = [*message.prerequisite, *message.update]
        names = {rrset.name.to_text(omit_final_dot=True) for rrset in sections}
        records = {n for n in names if not n.startswith(("a-", "cname-"))}
        assert len(records) == 1
        [record] = records
        assert names == {record, REG.txt_name(record, "A" if record[0] == "u" else "CNAME")}
    assert ours(dump(named)) == {
        "u0.example.com",
        "u1.example.com",
        "n0.example.com",
        "n1.example.com",
    }


def test_2_lost_links_and_responses_through_the_reconciler(
    named: dict[str, Any], faulty: Faulty
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
    assert ours(dump(named)) == set()
    faulty.lose_response.add(2)  # applied by the server, but we never hear it
    second = rec.step()
    assert second.error is not None
    assert second.retryable
    third = rec.step()  # re-reads: everything is there, nothing to do
    assert third.applied
    assert third.changes is not None
    assert third.changes.is_empty()
    assert ours(dump(named)) == {f"r{i}.example.com" for i in range(6)}
    watcher.delete(*routes[:2])
    assert rec.step().applied
    assert ours(dump(named)) == {f"r{i}.example.com" for i in range(2, 6)}
    assert_no_ownerless_records(named, {(f"r{i}.example.com", "A") for i in range(6)})


# --- 3 -----------------------------------------------------------------------------------------
def test_3_mixed_case_prefix_round_trips(named: dict[str, Any], provider: Any) -> None:
    options = PlanOptions(TXTRegistry(OWNER, prefix="Own-"))
    sync(provider, [ep("www.example.com", "192.0.2.1")], options)
    assert ("own-a-www.example.com", "TXT") in dump(named)
    assert sync(provider, [ep("www.example.com", "192.0.2.1")], options).is_empty()
    assert ours(dump(named), options.registry) == {"www.example.com"}


# --- 4 -----------------------------------------------------------------------------------------
def test_4_orphan_sweep_spares_old_format_and_other_prefix(
    named: dict[str, Any], provider: Any
) -> None:
    records = [ep(f"h{i}.example.com", "192.0.2.1") for i in range(15)]
    sync(provider, records)
    msg = raw_update(named)
    for r in records:  # what older external-dns versions (and another prefix) left behind
        msg.add(r.dns_name + ".", 300, "TXT", REG.txt_value("httproute/app/r"))
        txt = TXTRegistry(OWNER, prefix="txt.").txt_record(r)
        msg.add(txt.dns_name + ".", 300, "TXT", *txt.targets)
    send(named, msg)
    before = dump(named)
    changes = sync(provider, records)
    assert changes.is_empty()
    assert changes.withheld == ()
    assert dump(named) == before


# --- 5 -----------------------------------------------------------------------------------------
def test_5_one_tenants_odd_names_never_stop_the_others(
    named: dict[str, Any], faulty: Faulty
) -> None:
    gw = model(gateway("edge", addresses=["192.0.2.10"]))
    parents = [{"name": "edge", "namespace": "infra"}]
    long_label = "l" * 63 + ".example.com"  # its TXT label would be 65 octets
    long_name = ".".join(["n" * 60] * 3) + "." + "n" * 51 + ".example.com"  # 246: TXT 248
    too_long = ".".join(["m" * 60] * 3) + "." + "m" * 57 + ".example.com"  # 252: TXT 254
    long_route = "r" * 180  # a valid Kubernetes name; its TXT value is over 255 octets
    routes = [
        model(route("odd1", hostnames=[long_label], parents=parents, status=[accepted("edge")])),
        model(route("odd2", hostnames=[too_long], parents=parents, status=[accepted("edge")])),
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
                "fine",
                hostnames=[long_name, "fine.example.com"],
                parents=parents,
                status=[accepted("edge")],
            )
        ),
    ]
    rec = Reconciler(ScriptedWatcher([gw, *routes]), faulty, owner_id=OWNER)
    first = rec.step()
    assert first.applied, first.error
    assert first.changes is not None
    assert sorted(d.name for d in first.changes.diagnostics) == ["odd1", "odd2"]
    assert {d.reason for d in first.changes.diagnostics} == {"unpublishable"}
    zone = dump(named)
    assert ours(zone) == {"fine.example.com", long_name, "long.example.com"}
    # the long value is stored as two character-strings and read back as one value
    [value] = zone[("a-long.example.com", "TXT")]
    assert value.count('" "') == 1
    faulty.messages.clear()
    rec.watcher.modify(routes[2])  # type: ignore[attr-defined]
    again = rec.step()
    assert again.changes is not None
    assert again.changes.is_empty()
    assert faulty.messages == []


# --- 6 -----------------------------------------------------------------------------------------
def test_6_apex_and_set_identifier_are_left_out(named: dict[str, Any], provider: Any) -> None:
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
    rec = Reconciler(watcher, provider, owner_id=OWNER)
    first = rec.step()
    assert first.changes is not None
    assert sorted(d.name for d in first.changes.diagnostics) == ["apex", "weighted"]
    for _ in range(3):  # every round succeeds, not only the first
        watcher.modify(routes[2])
        assert rec.step().error is None
    assert ours(dump(named)) == {"shop.example.com"}
    assert query(named, "example.com", "A")[1] == []


# --- 7 -----------------------------------------------------------------------------------------
def test_7_no_cname_next_to_foreign_data(named: dict[str, Any], provider: Any) -> None:
    msg = raw_update(named)
    msg.add("mail.example.com.", 300, "MX", "10 mx.example.net.")
    msg.add("spf.example.com.", 300, "TXT", '"v=spf1 -all"')
    send(named, msg)
    before = dump(named)
    desired = [
        ep("mail.example.com", "lb.example.net", rtype="CNAME"),
        ep("spf.example.com", "lb.example.net", rtype="CNAME"),
    ]
    for _ in range(2):  # and not again and again
        changes = sync(provider, desired)
        assert changes.is_empty()
        assert [d.reason for d in changes.diagnostics] == ["not-owned", "not-owned"]
    assert dump(named) == before


# --- 8 -----------------------------------------------------------------------------------------
def test_8_names_in_any_case(named: dict[str, Any], provider: Any) -> None:
    msg = raw_update(named)
    msg.add("Shop.Example.com.", 300, "A", "198.51.100.7")  # a person's record
    own = ep("www.example.com", "192.0.2.1")
    msg.add("WWW.Example.com.", 120, "A", "192.0.2.1")  # ours, written upper-case
    txt = REG.txt_record(own)
    msg.add("A-WWW.Example.COM.", 120, "TXT", *txt.targets)
    send(named, msg)
    before = dump(named)
    changes = sync(provider, [ep("shop.example.com", "192.0.2.1"), own])
    assert changes.is_empty()
    assert [d.reason for d in changes.diagnostics] == ["not-owned"]
    assert dump(named) == before
    sync(provider, [])  # ours (whatever its case) goes, theirs stays
    assert set(dump(named)) == {("ns.example.com", "A"), ("shop.example.com", "A")}


# --- 9, 10 -------------------------------------------------------------------------------------
def test_9_10_forged_labels_and_txt_outside_the_filter(
    named: dict[str, Any], provider: Any
) -> None:
    options = PlanOptions(REG, domain_filter=DomainFilter(("sub.example.com",)))
    desired = [
        ep("x.sub.example.com", "192.0.2.1", resource="httproute/app/x,external-dns/owner=victim"),
        ep("q.sub.example.com", "192.0.2.1", resource='httproute/app/"q;'),
        ep("sub.example.com", "192.0.2.1"),
        ep("ok.sub.example.com", "192.0.2.1"),
    ]
    changes = sync(provider, desired, options)
    assert [d.reason for d in changes.diagnostics] == ["unpublishable"] * 3
    assert ours(dump(named)) == {"ok.sub.example.com"}
    assert sync(provider, desired, options).is_empty()


# --- 11 ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("me", ["aaa", "zzz"])
def test_11_two_owners_claims_are_nobodys(named: dict[str, Any], provider: Any, me: str) -> None:
    msg = raw_update(named)
    msg.add("www.example.com.", 300, "A", "192.0.2.1")
    for owner in ("aaa", "zzz"):
        msg.add("a-www.example.com.", 300, "TXT", TXTRegistry(owner).txt_value("r"))
    send(named, msg)
    before = dump(named)
    options = PlanOptions(TXTRegistry(me))
    assert [d.reason for d in sync(provider, [], options).diagnostics] == ["contested-ownership"]
    moved = sync(provider, [ep("www.example.com", "192.0.2.2")], options)
    assert [d.reason for d in moved.diagnostics] == ["contested-ownership"]
    assert dump(named) == before


# --- 12, 13 ------------------------------------------------------------------------------------
def test_12_13_configuration_is_checked_up_front(named: dict[str, Any]) -> None:
    with pytest.raises(ConfigError, match="owner_id"):
        PlanOptions(TXTRegistry("team,eu"))
    with pytest.raises(ConfigError, match="unknown algorithm 'hmac-sha999'"):
        RFC2136Provider(
            named["host"], ["example.com"], key=TSIGKey("k", named["key"].secret, "hmac-sha999")
        )


def test_13_messages_are_packed_by_size(named: dict[str, Any], faulty: Faulty) -> None:
    desired = [
        ep(
            f"host-{i:04d}-{'p' * 40}.example.com",
            "192.0.2.1",
            resource=f"httproute/app/{'r' * 100}{i}",
        )
        for i in range(400)
    ]
    sync(faulty, desired)  # about 150 KiB of updates at the default batch size of 100
    sizes = [len(m.to_wire()) for m in faulty.messages]
    assert len(sizes) > 4
    assert max(sizes) < 32768 + 512
    assert len(ours(dump(named))) == 400


def test_13_a_unit_too_big_fails_alone(named: dict[str, Any], provider: Any) -> None:
    huge = ep("huge.example.com", *(f"10.{i // 256}.{i % 256}.1" for i in range(5000)))
    small = ep("small.example.com", "192.0.2.1")
    changes = Changes(
        units=[
            gatewaydns.ChangeUnit(create=(REG.txt_record(huge), huge)),
            gatewaydns.ChangeUnit(create=(REG.txt_record(small), small)),
        ]
    )
    with pytest.raises(ProviderError, match="does not fit in one message") as info:
        provider.apply_changes(changes)
    assert not info.value.retryable
    assert ours(dump(named)) == {"small.example.com"}


@pytest.mark.parametrize(
    ("ours", "theirs", "value"),
    [
        pytest.param("A", "CNAME", "people.example.net.", id="cname-before-our-a"),
        pytest.param("CNAME", "TXT", '"people"', id="txt-before-our-cname"),
        pytest.param("CNAME", "A", "198.51.100.5", id="a-before-our-cname"),
    ],
)
def test_2_a_name_taken_meanwhile_fails_the_create_whole(
    named: dict[str, Any], faulty: Faulty, ours: str, theirs: str, value: str
) -> None:
    """BIND ignores an A next to a CNAME, and a CNAME next to anything, without an error: only
    the prerequisites (no CNAME there; the whole name unused) keep our TXT from being created
    alone."""
    target = "192.0.2.1" if ours == "A" else "lb.example.net"

    def writer(_message: Any) -> None:
        msg = raw_update(named)
        msg.add("www.example.com.", 300, theirs, value)
        send(named, msg)

    faulty.before[1] = writer
    with pytest.raises(ProviderError, match="changed since it was read"):
        sync(faulty, [ep("www.example.com", target, rtype=ours)])
    zone = dump(named)
    assert (REG.txt_name("www.example.com", ours), "TXT") not in zone  # no TXT of ours alone
    assert ("www.example.com", ours) not in zone
    again = sync(faulty, [ep("www.example.com", target, rtype=ours)])
    assert [d.reason for d in again.diagnostics] == ["not-owned"]


def test_2_a_record_taken_meanwhile_where_our_cname_replaces_our_aaaa(
    named: dict[str, Any], faulty: Faulty
) -> None:
    """Our AAAA makes way for our CNAME in one unit; someone adds an A there between our read
    and our update. BIND ignores a CNAME add next to other data without an error (RFC 2136
    3.4.2.2), and RFC 2136 has no "nothing else here" prerequisite: the unit requires every
    other record type absent, so it is refused whole instead of leaving the CNAME's TXT alone
    (reduced from a state-machine failing example)."""
    www, api = "www.example.com", "api.example.com"  # api: the same change, nobody in the way
    sync(faulty, [ep(n, "2001:db8::1", rtype="AAAA") for n in (www, api)])
    assert ours(dump(named)) == {www, api}
    before = dump(named)
    api_cname = ep(api, "lb.example.net", rtype="CNAME")

    def writer(_message: Any) -> None:
        msg = raw_update(named)
        msg.add(f"{www}.", 300, "A", "198.51.100.9")
        send(named, msg)

    faulty.before[len(faulty.messages) + 1] = writer
    cname = ep(www, "lb.example.net", rtype="CNAME")
    with pytest.raises(ProviderError, match=r"1 change\(s\) failed, 1 applied") as info:
        sync(faulty, [cname, api_cname])
    assert info.value.retryable
    zone = dump(named)
    assert ours(zone) == {www, api}
    assert zone[(api, "CNAME")] == ("lb.example.net",)  # the unit nobody disturbed applied
    assert (api, "AAAA") not in zone
    assert zone[(www, "AAAA")] == before[(www, "AAAA")]  # the disturbed one: nothing of it
    assert zone[(www, "A")] == ("198.51.100.9",)
    assert (www, "CNAME") not in zone
    assert (REG.txt_name(www, "CNAME"), "TXT") not in zone
    again = sync(faulty, [cname, api_cname])  # sees the A: the CNAME is refused, the AAAA goes
    assert [d.reason for d in again.diagnostics] == ["not-owned"]
    zone = dump(named)
    assert ours(zone) == {api}
    assert zone[(www, "A")] == ("198.51.100.9",)
    assert {(n, t) for n, t in zone if n.endswith(www)} == {(www, "A")}
    assert sync(faulty, [cname, api_cname]).is_empty()


@pytest.mark.parametrize("rtype", ["CNAME", "A"])
def test_2_the_txt_of_a_refused_record_that_is_not_there_is_swept(
    named: dict[str, Any], provider: Any, rtype: str
) -> None:
    """A TXT of ours whose record is not there guards nothing, even while a route still wants
    that record: when the record is refused (foreign data at its name) the TXT is deleted, as
    any orphan, and not kept for the wanted record (a concurrent writer can leave one: a CNAME
    ignored next to their new record by a server that does not check every type). A TXT whose
    record is there, or that a unit relies on, stays."""
    www = "www.example.com"
    theirs = ("CNAME", "lb.example.org.") if rtype == "A" else ("A", "198.51.100.9")
    target = "lb.example.net" if rtype == "CNAME" else "192.0.2.1"
    lone = ep(www, target, rtype=rtype)
    msg = raw_update(named)
    msg.add(f"{www}.", 300, *theirs)
    msg.add(f"{REG.txt_name(www, rtype)}.", 300, "TXT", REG.txt_value("httproute/app/r"))
    # the TXT of a record of ours that is there, and of one wanted again next to its TXT
    msg.add("api.example.com.", 300, "A", "192.0.2.7")
    msg.add("a-api.example.com.", 300, "TXT", REG.txt_value("httproute/app/r"))
    msg.add("a-shop.example.com.", 300, "TXT", REG.txt_value("httproute/app/r"))
    send(named, msg)
    api = ep("api.example.com", "192.0.2.7")
    shop = ep("shop.example.com", "192.0.2.8")
    changes = sync(provider, [lone, api, shop])
    assert [d.reason for d in changes.diagnostics] == ["not-owned"]
    zone = dump(named)
    assert (REG.txt_name(www, rtype), "TXT") not in zone
    assert zone[(www, theirs[0])] == (theirs[1].rstrip("."),)  # theirs, untouched
    assert ours(zone) == {"api.example.com", "shop.example.com"}
    assert sync(provider, [lone, api, shop]).is_empty()
